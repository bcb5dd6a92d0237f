DROP INDEX interview_attempts_counts;
