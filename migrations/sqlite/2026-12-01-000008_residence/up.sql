-- Where the resident lives, below the district: their community (their answer, or a
-- residential poster's community they confirmed) and, through a residential grid
-- poster, their grid. Older responses have neither ("community not recorded").
ALTER TABLE responses ADD COLUMN residence_community TEXT;
ALTER TABLE responses ADD COLUMN residence_grid TEXT;
