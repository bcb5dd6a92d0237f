-- Office accounts. Passwords are argon2id hashes (PHC strings); a disabled account
-- keeps its row so the audit log can still name it.
CREATE TABLE users (
    id             INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    username       TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('admin', 'viewer', 'district', 'interviewer')),
    district       TEXT,
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     TIMESTAMP NOT NULL,
    CHECK ((role = 'district') = (district IS NOT NULL))
);

-- API tokens for other office systems: only a SHA-256 of the token is kept.
CREATE TABLE api_tokens (
    token_hash   TEXT PRIMARY KEY NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    label        TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL
);

-- Who did what: logins, exports, closures, user changes. Append-only.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    at        TIMESTAMP NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    detail    TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

-- An admin closed a survey early (before the definition's closing date). Append-only:
-- a closure is a fact; extending a survey is a new definition.
CREATE TABLE survey_closures (
    survey_id   TEXT PRIMARY KEY NOT NULL,
    closed_at   TIMESTAMP NOT NULL,
    closed_by   TEXT NOT NULL
);
CREATE TRIGGER survey_closures_no_update BEFORE UPDATE ON survey_closures
BEGIN
    SELECT RAISE(ABORT, 'survey closures are append-only');
END;
CREATE TRIGGER survey_closures_no_delete BEFORE DELETE ON survey_closures
BEGIN
    SELECT RAISE(ABORT, 'survey closures are append-only');
END;

-- Interviews by telephone or at home record who entered the answers (mode is `channel`).
ALTER TABLE responses ADD COLUMN interviewer TEXT;
