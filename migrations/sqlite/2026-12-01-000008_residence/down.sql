ALTER TABLE responses DROP COLUMN residence_grid;
ALTER TABLE responses DROP COLUMN residence_community;
