DROP TRIGGER supersessions_no_delete;
DROP TRIGGER supersessions_no_update;
DROP TABLE supersessions;
