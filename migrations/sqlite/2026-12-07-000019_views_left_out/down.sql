ALTER TABLE questionnaire_views DROP COLUMN left_out;
