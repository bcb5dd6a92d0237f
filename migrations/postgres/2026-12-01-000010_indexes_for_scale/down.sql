CREATE INDEX responses_survey_district ON responses (survey_id, district);
CREATE INDEX responses_survey_submitted ON responses (survey_id, submitted_at);
DROP INDEX responses_flagged;
CREATE INDEX responses_source ON responses (survey_id, source_hash, submitted_at);
CREATE INDEX responses_pattern ON responses (survey_id, pattern_hash, submitted_at);
