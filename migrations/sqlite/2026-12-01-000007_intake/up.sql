-- Tokens that let a kiosk or interview system post responses to the JSON intake.
-- Only a SHA-256 of the token is kept; a revoked token keeps its row (responses name
-- it by label) and stops working at once.
CREATE TABLE intake_tokens (
    token_hash  TEXT PRIMARY KEY NOT NULL,
    label       TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    revoked_at  TIMESTAMP
);

-- Which intake token (by its label, never the token) posted a response.
ALTER TABLE responses ADD COLUMN intake TEXT;
