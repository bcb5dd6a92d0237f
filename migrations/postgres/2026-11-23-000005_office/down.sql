ALTER TABLE responses DROP COLUMN interviewer;
DROP TABLE survey_closures;
DROP TABLE audit_log;
DROP TABLE api_tokens;
DROP TABLE users;
