-- The writer keeps its quality-flag windows (bursts per source, repeated patterns per
-- place) in memory and reads recent rows by id or by time: these two indexes only
-- served the old per-row window queries. Keyed by random hashes, every insert dirtied
-- a random page of each, the larger part of a commit's writes.
DROP INDEX responses_source;
DROP INDEX responses_pattern;

-- The quality panel lists the newest flagged responses: a partial index holds only
-- those (a few percent of rows), so finding 500 of them never walks the clean ones.
CREATE INDEX responses_flagged ON responses (survey_id, id) WHERE quality_flags <> '';

-- Nothing reads responses by district or by submission time through an index any
-- more (the dashboard aggregates, the windows read by id): two fewer B-trees to update
-- per stored response.
DROP INDEX responses_survey_district;
DROP INDEX responses_survey_submitted;
