-- How often the questionnaire was shown and begun, per collection place, channel and
-- day: counters, with no cookie, address or device kept for them (the response funnel).
CREATE TABLE questionnaire_views (
    survey_id            TEXT NOT NULL,
    collection_district  TEXT NOT NULL,
    collection_point     TEXT NOT NULL,
    channel              TEXT NOT NULL,
    day                  TEXT NOT NULL,
    views                BIGINT NOT NULL,
    -- First answers given (sent by the page's script; without JavaScript a start is
    -- known only from the submission).
    starts               BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (survey_id, collection_district, collection_point, channel, day)
);
