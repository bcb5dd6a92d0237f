-- Signed-in sessions: the cookie carries a random token, the database its SHA-256.
-- Signing out deletes the row, so a copied cookie stops working at once.
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
