-- The writer keeps its quality-flag windows (bursts per source, repeated patterns per
-- place) in memory and reads recent rows by id or by time: these two indexes only
-- served the old per-row window queries. Keyed by random hashes, every insert dirtied
-- a random page of each, the larger part of a commit's writes.
DROP INDEX responses_source;
DROP INDEX responses_pattern;
