DROP TABLE answer_words_backlog;
DROP TABLE answer_words;
