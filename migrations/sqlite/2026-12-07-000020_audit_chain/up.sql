-- Tamper-evident audit: each row written from now on carries the SHA-256 of its own
-- content and the previous row's hash (hex). A row altered or removed through the
-- database file breaks the chain at the next row; `minyi db check` and the Database
-- page name the first row that breaks it. Rows written before this version have none
-- and are reported as preceding the chain.
ALTER TABLE audit_log ADD COLUMN hash TEXT;
