-- The interviewer checks count attempts by district, interviewer and disposition on
-- every view: read in this order from the index alone, without sorting the table.
CREATE INDEX interview_attempts_counts
    ON interview_attempts (survey_id, wave, district, interviewer, disposition);
