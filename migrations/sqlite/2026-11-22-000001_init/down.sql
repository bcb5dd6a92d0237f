DROP TRIGGER responses_no_delete;
DROP TRIGGER responses_no_update;
DROP TABLE responses;
DROP TABLE survey_salts;
DROP TABLE definitions;
