-- `minyi redact`: the one change ever made to a stored response. Personal data that
-- slipped through the masking of its day is masked with the current rules: first the
-- masked answers are recorded here (append-only, with who ran it and what kinds were
-- found), then the response's answers may be set to exactly that text, and nothing
-- else of it may change. Every other update is refused as before.
CREATE TABLE redactions (
    id BIGSERIAL PRIMARY KEY,
    response_id BIGINT NOT NULL REFERENCES responses (id),
    answers TEXT NOT NULL,
    kinds TEXT NOT NULL,
    redacted_at TIMESTAMP NOT NULL,
    redacted_by TEXT NOT NULL
);
CREATE INDEX redactions_response ON redactions (response_id);
CREATE FUNCTION redactions_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'redactions are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER redactions_no_update BEFORE UPDATE ON redactions
    FOR EACH ROW EXECUTE FUNCTION redactions_append_only();
CREATE TRIGGER redactions_no_delete BEFORE DELETE ON redactions
    FOR EACH ROW EXECUTE FUNCTION redactions_append_only();

-- An update passes only when it changes the answers alone, to a recorded redaction
-- (every other column compared at once, so a column added later is covered too).
CREATE FUNCTION responses_redaction_only() RETURNS trigger AS $$
BEGIN
    IF (to_jsonb(NEW) - 'answers') = (to_jsonb(OLD) - 'answers')
        AND EXISTS (SELECT 1 FROM redactions r WHERE r.response_id = NEW.id AND r.answers = NEW.answers) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'responses are append-only';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER responses_no_update ON responses;
CREATE TRIGGER responses_no_update BEFORE UPDATE ON responses
    FOR EACH ROW EXECUTE FUNCTION responses_redaction_only();
