-- One-time invitation codes for household sampling. Only a keyed hash of each code is
-- stored, so the table does not reveal unused codes.
CREATE TABLE invites (
    code_hash    TEXT PRIMARY KEY NOT NULL,
    survey_id    TEXT NOT NULL,
    district     TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    used_at      TIMESTAMP
);
CREATE INDEX invites_survey ON invites (survey_id, district);
