-- Secrets every server on this database shares: the cookie-signing key, made at the
-- first start when none is configured, so several `minyi serve` processes on one
-- PostgreSQL accept each other's cookies.
CREATE TABLE server_secrets (
    name        TEXT PRIMARY KEY NOT NULL,
    value       TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
