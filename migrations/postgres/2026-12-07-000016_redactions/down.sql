DROP TRIGGER responses_no_update ON responses;
CREATE TRIGGER responses_no_update BEFORE UPDATE ON responses
    FOR EACH ROW EXECUTE FUNCTION responses_append_only();
DROP FUNCTION responses_redaction_only();
DROP TABLE redactions;
DROP FUNCTION redactions_append_only();
