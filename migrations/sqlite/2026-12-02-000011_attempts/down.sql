DROP TRIGGER interview_attempts_no_delete;
DROP TRIGGER interview_attempts_no_update;
DROP TABLE interview_attempts;
