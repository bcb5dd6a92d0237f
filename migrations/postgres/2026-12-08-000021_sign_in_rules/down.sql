DROP TABLE password_history;
ALTER TABLE users DROP COLUMN password_set_at;
ALTER TABLE sessions DROP COLUMN last_seen;
