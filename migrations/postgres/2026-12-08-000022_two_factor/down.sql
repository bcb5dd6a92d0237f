DROP TABLE recovery_codes;
ALTER TABLE users DROP COLUMN totp_step;
ALTER TABLE users DROP COLUMN totp_secret;
