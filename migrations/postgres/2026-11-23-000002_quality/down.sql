DROP INDEX responses_pattern;
DROP INDEX responses_source;
ALTER TABLE responses DROP COLUMN pattern_hash;
ALTER TABLE responses DROP COLUMN quality_flags;
