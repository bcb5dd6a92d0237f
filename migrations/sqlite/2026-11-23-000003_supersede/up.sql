-- Responses are never edited or deleted; a wrong one is superseded, with a reason
-- and a time, by an office decision recorded here (append-only as well).
CREATE TABLE supersessions (
    response_id    BIGINT PRIMARY KEY NOT NULL REFERENCES responses (id),
    reason         TEXT NOT NULL,
    superseded_at  TIMESTAMP NOT NULL
);
CREATE TRIGGER supersessions_no_update BEFORE UPDATE ON supersessions
BEGIN
    SELECT RAISE(ABORT, 'supersessions are append-only');
END;
CREATE TRIGGER supersessions_no_delete BEFORE DELETE ON supersessions
BEGIN
    SELECT RAISE(ABORT, 'supersessions are append-only');
END;
