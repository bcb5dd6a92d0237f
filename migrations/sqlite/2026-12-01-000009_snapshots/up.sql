-- The dashboard's aggregates of a survey as of a response id, so a restart reads only
-- the responses added since instead of every one. A cache: always checked against
-- the responses (the definition version, and the row count up to max_id) and
-- rebuilt when it does not match. Mutable (replaced as it is brought up to date).
CREATE TABLE dashboard_snapshots (
    survey_id           TEXT PRIMARY KEY NOT NULL,
    definition_version  TEXT NOT NULL,
    max_id              INTEGER NOT NULL,
    row_count           INTEGER NOT NULL,
    superseded          TEXT NOT NULL,
    body                TEXT NOT NULL,
    saved_at            TIMESTAMP NOT NULL
);

-- Reading a survey's responses in id order, in pages, and counting them up to an id.
CREATE INDEX responses_survey_id ON responses (survey_id, id);
