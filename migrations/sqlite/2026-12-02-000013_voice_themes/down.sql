DROP TRIGGER voice_themes_no_delete;
DROP TRIGGER voice_themes_no_update;
DROP TABLE voice_themes;
