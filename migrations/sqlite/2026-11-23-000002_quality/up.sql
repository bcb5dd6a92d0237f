-- Quality flags computed when a response arrives (comma-separated; empty = none):
-- too_fast, straight_lining, source_burst, repeated_pattern. Flagged responses are kept
-- and excluded from estimates by default.
ALTER TABLE responses ADD COLUMN quality_flags TEXT NOT NULL DEFAULT '';
-- SHA-256 of the substantive answers, to spot one answer pattern repeated at one
-- collection point (the signature of coached respondents).
ALTER TABLE responses ADD COLUMN pattern_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX responses_source ON responses (survey_id, source_hash, submitted_at);
CREATE INDEX responses_pattern ON responses (survey_id, pattern_hash, submitted_at);
