-- The voices page's index: each complete response's answer to an open question,
-- masked, with its words (jieba's segmentation, made once when the response is
-- stored). The page filters, searches and counts here instead of reading and
-- segmenting every response. Derived from the responses: `minyi redact` rewrites a
-- row with its response.
CREATE TABLE answer_words (
    response_id INTEGER PRIMARY KEY NOT NULL REFERENCES responses (id),
    survey_id TEXT NOT NULL,
    question TEXT NOT NULL,
    district TEXT NOT NULL,
    community TEXT,
    answer TEXT NOT NULL,
    -- The words, each between single spaces (" 路灯 不亮 ").
    words TEXT NOT NULL
);
CREATE INDEX answer_words_survey ON answer_words (survey_id, question, response_id);
CREATE INDEX answer_words_district ON answer_words (survey_id, question, district, response_id);

-- Responses stored before the index existed, up to this id per survey: indexed once
-- when `minyi serve` starts (it knows the surveys' open questions), then the row goes.
CREATE TABLE answer_words_backlog (
    survey_id TEXT PRIMARY KEY NOT NULL,
    upto BIGINT NOT NULL
);
INSERT INTO answer_words_backlog (survey_id, upto)
    SELECT survey_id, MAX(id) FROM responses GROUP BY survey_id;
