DROP TABLE questionnaire_views;
