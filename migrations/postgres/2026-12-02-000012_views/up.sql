-- How often the questionnaire was shown, per collection place, channel and day: a
-- counter, with no cookie, address or device kept for it (the response funnel).
CREATE TABLE questionnaire_views (
    survey_id            TEXT NOT NULL,
    collection_district  TEXT NOT NULL,
    collection_point     TEXT NOT NULL,
    channel              TEXT NOT NULL,
    day                  TEXT NOT NULL,
    views                BIGINT NOT NULL,
    PRIMARY KEY (survey_id, collection_district, collection_point, channel, day)
);
