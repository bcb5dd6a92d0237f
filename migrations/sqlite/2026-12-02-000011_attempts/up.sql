-- Every interview attempt that did not end in a questionnaire (completes and
-- screen-outs are responses), with its AAPOR disposition, for the response rates.
-- Append-only: a wrong entry is corrected by a new one, never edited.
CREATE TABLE interview_attempts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    survey_id     TEXT NOT NULL,
    wave          INTEGER NOT NULL,
    district      TEXT NOT NULL,
    interviewer   TEXT NOT NULL,
    mode          TEXT NOT NULL,
    disposition   TEXT NOT NULL,
    attempted_at  TIMESTAMP NOT NULL
);
CREATE INDEX interview_attempts_survey ON interview_attempts (survey_id, wave);
CREATE TRIGGER interview_attempts_no_update BEFORE UPDATE ON interview_attempts
BEGIN
    SELECT RAISE(ABORT, 'interview attempts are append-only');
END;
CREATE TRIGGER interview_attempts_no_delete BEFORE DELETE ON interview_attempts
BEGIN
    SELECT RAISE(ABORT, 'interview attempts are append-only');
END;
