DROP INDEX responses_survey_id;
DROP TABLE dashboard_snapshots;
