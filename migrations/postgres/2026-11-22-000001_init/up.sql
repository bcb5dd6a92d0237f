-- Same tables as migrations/sqlite, in PostgreSQL's dialect.
CREATE TABLE definitions (
    survey_id   TEXT NOT NULL,
    version     TEXT NOT NULL,
    wave        INTEGER NOT NULL,
    source      TEXT NOT NULL,
    loaded_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (survey_id, version)
);

CREATE TABLE survey_salts (
    survey_id   TEXT PRIMARY KEY NOT NULL,
    salt        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE responses (
    id                    BIGSERIAL PRIMARY KEY,
    survey_id             TEXT NOT NULL,
    definition_version    TEXT NOT NULL,
    wave                  INTEGER NOT NULL,
    collection_district   TEXT NOT NULL,
    collection_community  TEXT,
    district              TEXT NOT NULL,
    channel               TEXT NOT NULL,
    status                TEXT NOT NULL,
    started_at            TIMESTAMP,
    submitted_at          TIMESTAMP NOT NULL,
    answers               TEXT NOT NULL,
    source_hash           TEXT NOT NULL,
    device_hash           TEXT,
    submission_key        TEXT NOT NULL UNIQUE,
    FOREIGN KEY (survey_id, definition_version) REFERENCES definitions (survey_id, version)
);
CREATE INDEX responses_survey_district ON responses (survey_id, district);
CREATE INDEX responses_survey_submitted ON responses (survey_id, submitted_at);

-- Append-only, enforced by the database.
CREATE FUNCTION responses_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'responses are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER responses_no_update BEFORE UPDATE ON responses
    FOR EACH ROW EXECUTE FUNCTION responses_append_only();
CREATE TRIGGER responses_no_delete BEFORE DELETE ON responses
    FOR EACH ROW EXECUTE FUNCTION responses_append_only();
