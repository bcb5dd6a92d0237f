-- Two-factor sign-in: the account's TOTP secret (base32; NULL: not enrolled) and the
-- last time step whose code was accepted, so a code cannot be used twice.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_step BIGINT;
-- One-time recovery codes, by their SHA-256; used_at set when one is used.
CREATE TABLE recovery_codes (
    id         BIGSERIAL PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    code_hash  TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);
