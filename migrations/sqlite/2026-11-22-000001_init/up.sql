-- Definitions seen by this database: every response points at the exact
-- definition text it was answered under.
CREATE TABLE definitions (
    survey_id   TEXT NOT NULL,
    version     TEXT NOT NULL,
    wave        INTEGER NOT NULL,
    source      TEXT NOT NULL,
    loaded_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (survey_id, version)
);

-- One random salt per survey for the abuse-control hashes: a hash from one survey
-- cannot be linked to another survey's.
CREATE TABLE survey_salts (
    survey_id   TEXT PRIMARY KEY NOT NULL,
    salt        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

-- Append-only: see the triggers below.
CREATE TABLE responses (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    survey_id             TEXT NOT NULL,
    definition_version    TEXT NOT NULL,
    wave                  INTEGER NOT NULL,
    -- Where the poster hung (from the link) ...
    collection_district   TEXT NOT NULL,
    collection_community  TEXT,
    -- ... and where the resident lives (their answer); estimates use this one.
    district              TEXT NOT NULL,
    channel               TEXT NOT NULL,
    status                TEXT NOT NULL,
    started_at            TIMESTAMP,
    submitted_at          TIMESTAMP NOT NULL,
    answers               TEXT NOT NULL,
    source_hash           TEXT NOT NULL,
    device_hash           TEXT,
    -- One-time key of the form or API call: a replayed form cannot count twice.
    submission_key        TEXT NOT NULL UNIQUE,
    FOREIGN KEY (survey_id, definition_version) REFERENCES definitions (survey_id, version)
);
CREATE INDEX responses_survey_district ON responses (survey_id, district);
CREATE INDEX responses_survey_submitted ON responses (survey_id, submitted_at);

CREATE TRIGGER responses_no_update BEFORE UPDATE ON responses
BEGIN
    SELECT RAISE(ABORT, 'responses are append-only');
END;
CREATE TRIGGER responses_no_delete BEFORE DELETE ON responses
BEGIN
    SELECT RAISE(ABORT, 'responses are append-only');
END;
