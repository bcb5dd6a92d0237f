-- `minyi redact`: the one change ever made to a stored response. Personal data that
-- slipped through the masking of its day is masked with the current rules: first the
-- masked answers are recorded here (append-only, with who ran it and what kinds were
-- found), then the response's answers may be set to exactly that text, and nothing
-- else of it may change. Every other update is refused as before.
CREATE TABLE redactions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    response_id BIGINT NOT NULL REFERENCES responses (id),
    answers TEXT NOT NULL,
    kinds TEXT NOT NULL,
    redacted_at TIMESTAMP NOT NULL,
    redacted_by TEXT NOT NULL
);
CREATE INDEX redactions_response ON redactions (response_id);
CREATE TRIGGER redactions_no_update BEFORE UPDATE ON redactions
BEGIN
    SELECT RAISE(ABORT, 'redactions are append-only');
END;
CREATE TRIGGER redactions_no_delete BEFORE DELETE ON redactions
BEGIN
    SELECT RAISE(ABORT, 'redactions are append-only');
END;

-- Every column but the answers must stay as it was (a new column must be added here).
DROP TRIGGER responses_no_update;
CREATE TRIGGER responses_no_update BEFORE UPDATE ON responses
WHEN NOT (
    NEW.id IS OLD.id
    AND NEW.survey_id IS OLD.survey_id
    AND NEW.definition_version IS OLD.definition_version
    AND NEW.wave IS OLD.wave
    AND NEW.collection_district IS OLD.collection_district
    AND NEW.collection_community IS OLD.collection_community
    AND NEW.district IS OLD.district
    AND NEW.channel IS OLD.channel
    AND NEW.status IS OLD.status
    AND NEW.started_at IS OLD.started_at
    AND NEW.submitted_at IS OLD.submitted_at
    AND NEW.source_hash IS OLD.source_hash
    AND NEW.device_hash IS OLD.device_hash
    AND NEW.submission_key IS OLD.submission_key
    AND NEW.quality_flags IS OLD.quality_flags
    AND NEW.pattern_hash IS OLD.pattern_hash
    AND NEW.interviewer IS OLD.interviewer
    AND NEW.intake IS OLD.intake
    AND NEW.residence_community IS OLD.residence_community
    AND NEW.residence_grid IS OLD.residence_grid
    AND NEW.household_id IS OLD.household_id
    AND NEW.household_adults IS OLD.household_adults
    AND NEW.selection_probability IS OLD.selection_probability
    AND NEW.ended_at IS OLD.ended_at
    AND NEW.location IS OLD.location
    AND NEW.location_accuracy IS OLD.location_accuracy
    AND EXISTS (SELECT 1 FROM redactions r WHERE r.response_id = NEW.id AND r.answers = NEW.answers)
)
BEGIN
    SELECT RAISE(ABORT, 'responses are append-only');
END;
