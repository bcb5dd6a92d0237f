DROP TRIGGER responses_no_update;
CREATE TRIGGER responses_no_update BEFORE UPDATE ON responses
BEGIN
    SELECT RAISE(ABORT, 'responses are append-only');
END;
DROP TABLE redactions;
