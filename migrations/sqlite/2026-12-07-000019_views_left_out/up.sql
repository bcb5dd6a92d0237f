-- Views and starts beyond the per-source limit: not counted in `views` or `starts` (a
-- script cannot make a district's funnel say anything), counted here so the funnel
-- page says how many were left out. The resident is never refused the page.
ALTER TABLE questionnaire_views ADD COLUMN left_out BIGINT NOT NULL DEFAULT 0;
