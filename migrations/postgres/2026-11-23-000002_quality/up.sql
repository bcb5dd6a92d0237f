ALTER TABLE responses ADD COLUMN quality_flags TEXT NOT NULL DEFAULT '';
ALTER TABLE responses ADD COLUMN pattern_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX responses_source ON responses (survey_id, source_hash, submitted_at);
CREATE INDEX responses_pattern ON responses (survey_id, pattern_hash, submitted_at);
