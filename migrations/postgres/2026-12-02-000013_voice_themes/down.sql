DROP TABLE voice_themes;
