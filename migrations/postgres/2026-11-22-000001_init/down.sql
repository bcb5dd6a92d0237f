DROP TRIGGER responses_no_delete ON responses;
DROP TRIGGER responses_no_update ON responses;
DROP FUNCTION responses_append_only();
DROP TABLE responses;
DROP TABLE survey_salts;
DROP TABLE definitions;
