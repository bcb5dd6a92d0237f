-- Themes of an open answer as office staff confirmed or changed them, with who and
-- when. Append-only: the newest entry for a response is its themes.
CREATE TABLE voice_themes (
    id            BIGSERIAL PRIMARY KEY,
    survey_id     TEXT NOT NULL,
    response_id   BIGINT NOT NULL REFERENCES responses (id),
    themes        TEXT NOT NULL,
    confirmed_by  TEXT NOT NULL,
    confirmed_at  TIMESTAMP NOT NULL
);
CREATE INDEX voice_themes_response ON voice_themes (survey_id, response_id);
CREATE TRIGGER voice_themes_no_update BEFORE UPDATE ON voice_themes
    FOR EACH ROW EXECUTE FUNCTION responses_append_only();
CREATE TRIGGER voice_themes_no_delete BEFORE DELETE ON voice_themes
    FOR EACH ROW EXECUTE FUNCTION responses_append_only();
