ALTER TABLE responses DROP COLUMN intake;
DROP TABLE intake_tokens;
