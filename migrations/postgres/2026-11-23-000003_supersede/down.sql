DROP TRIGGER supersessions_no_delete ON supersessions;
DROP TRIGGER supersessions_no_update ON supersessions;
DROP TABLE supersessions;
