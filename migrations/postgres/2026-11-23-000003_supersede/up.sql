CREATE TABLE supersessions (
    response_id    BIGINT PRIMARY KEY NOT NULL REFERENCES responses (id),
    reason         TEXT NOT NULL,
    superseded_at  TIMESTAMP NOT NULL
);
CREATE TRIGGER supersessions_no_update BEFORE UPDATE ON supersessions
    FOR EACH ROW EXECUTE FUNCTION responses_append_only();
CREATE TRIGGER supersessions_no_delete BEFORE DELETE ON supersessions
    FOR EACH ROW EXECUTE FUNCTION responses_append_only();
