-- The idle timeout: when a session last did something (NULL: not since it began).
ALTER TABLE sessions ADD COLUMN last_seen TIMESTAMP;
-- The password rules: when the password was last set (NULL: when the account was
-- made), and the hashes of earlier passwords, so a new one cannot be an old one.
ALTER TABLE users ADD COLUMN password_set_at TIMESTAMP;
CREATE TABLE password_history (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       BIGINT NOT NULL REFERENCES users(id),
    password_hash TEXT NOT NULL,
    set_at        TIMESTAMP NOT NULL
);
CREATE INDEX password_history_user ON password_history (user_id, id);
