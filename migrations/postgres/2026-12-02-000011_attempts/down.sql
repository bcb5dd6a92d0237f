DROP TABLE interview_attempts;
