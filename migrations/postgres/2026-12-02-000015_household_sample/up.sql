-- The household sample. Every table is append-only (see the SQLite migration).

-- The address lists the office gave for drawn communities, row by row; a newer list of a community supersedes an older (by its fingerprint).
CREATE TABLE sample_frames (
    id BIGSERIAL PRIMARY KEY,
    survey_id TEXT NOT NULL,
    wave INTEGER NOT NULL,
    district TEXT NOT NULL,
    community TEXT NOT NULL,
    position INTEGER NOT NULL,
    household_code TEXT NOT NULL,
    address TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    loaded_at TIMESTAMP NOT NULL,
    loaded_by TEXT NOT NULL
);
CREATE INDEX sample_frames_community ON sample_frames (survey_id, wave, community, fingerprint);
CREATE TRIGGER sample_frames_no_update BEFORE UPDATE ON sample_frames
    FOR EACH ROW EXECUTE FUNCTION responses_append_only();
CREATE TRIGGER sample_frames_no_delete BEFORE DELETE ON sample_frames
    FOR EACH ROW EXECUTE FUNCTION responses_append_only();

-- Each draw of a wave's sample, with its seed and the fingerprint of the lists it used; the newest is the sample.
CREATE TABLE sample_draws (
    id BIGSERIAL PRIMARY KEY,
    survey_id TEXT NOT NULL,
    wave INTEGER NOT NULL,
    seed BIGINT NOT NULL,
    fingerprint TEXT NOT NULL,
    drawn_at TIMESTAMP NOT NULL,
    drawn_by TEXT NOT NULL
);
CREATE INDEX sample_draws_survey ON sample_draws (survey_id, wave);
CREATE TRIGGER sample_draws_no_update BEFORE UPDATE ON sample_draws
    FOR EACH ROW EXECUTE FUNCTION responses_append_only();
CREATE TRIGGER sample_draws_no_delete BEFORE DELETE ON sample_draws
    FOR EACH ROW EXECUTE FUNCTION responses_append_only();

-- The communities a draw took, with their probabilities.
CREATE TABLE sample_communities (
    id BIGSERIAL PRIMARY KEY,
    draw_id BIGINT NOT NULL REFERENCES sample_draws (id),
    district TEXT NOT NULL,
    community TEXT NOT NULL,
    adults BIGINT NOT NULL,
    probability DOUBLE PRECISION NOT NULL,
    certain INTEGER NOT NULL,
    households INTEGER NOT NULL
);
CREATE INDEX sample_communities_draw ON sample_communities (draw_id);
CREATE TRIGGER sample_communities_no_update BEFORE UPDATE ON sample_communities
    FOR EACH ROW EXECUTE FUNCTION responses_append_only();
CREATE TRIGGER sample_communities_no_delete BEFORE DELETE ON sample_communities
    FOR EACH ROW EXECUTE FUNCTION responses_append_only();

-- The households a draw took (or a random walk's slots).
CREATE TABLE sample_households (
    id BIGSERIAL PRIMARY KEY,
    draw_id BIGINT NOT NULL REFERENCES sample_draws (id),
    survey_id TEXT NOT NULL,
    wave INTEGER NOT NULL,
    district TEXT NOT NULL,
    community TEXT NOT NULL,
    serial INTEGER NOT NULL,
    household_code TEXT NOT NULL,
    address TEXT NOT NULL,
    method TEXT NOT NULL,
    probability DOUBLE PRECISION NOT NULL,
    approximate INTEGER NOT NULL,
    kish_table TEXT
);
CREATE INDEX sample_households_draw ON sample_households (draw_id);
CREATE INDEX sample_households_survey ON sample_households (survey_id, wave);
CREATE TRIGGER sample_households_no_update BEFORE UPDATE ON sample_households
    FOR EACH ROW EXECUTE FUNCTION responses_append_only();
CREATE TRIGGER sample_households_no_delete BEFORE DELETE ON sample_households
    FOR EACH ROW EXECUTE FUNCTION responses_append_only();

-- Who is to visit a household; the newest assignment counts.
CREATE TABLE sample_assignments (
    id BIGSERIAL PRIMARY KEY,
    survey_id TEXT NOT NULL,
    household_id BIGINT NOT NULL REFERENCES sample_households (id),
    interviewer TEXT NOT NULL,
    assigned_by TEXT NOT NULL,
    assigned_at TIMESTAMP NOT NULL
);
CREATE INDEX sample_assignments_household ON sample_assignments (survey_id, household_id);
CREATE TRIGGER sample_assignments_no_update BEFORE UPDATE ON sample_assignments
    FOR EACH ROW EXECUTE FUNCTION responses_append_only();
CREATE TRIGGER sample_assignments_no_delete BEFORE DELETE ON sample_assignments
    FOR EACH ROW EXECUTE FUNCTION responses_append_only();

-- Every visit to a drawn household and its outcome (an AAPOR disposition, an appointment, or the interview); sent from the phone with its own key, so a resend counts once.
CREATE TABLE household_visits (
    id BIGSERIAL PRIMARY KEY,
    survey_id TEXT NOT NULL,
    household_id BIGINT NOT NULL REFERENCES sample_households (id),
    interviewer TEXT NOT NULL,
    visited_at TIMESTAMP NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    outcome TEXT NOT NULL,
    appointment_at TIMESTAMP,
    note TEXT NOT NULL,
    submission_key TEXT NOT NULL UNIQUE
);
CREATE INDEX household_visits_household ON household_visits (survey_id, household_id);
CREATE TRIGGER household_visits_no_update BEFORE UPDATE ON household_visits
    FOR EACH ROW EXECUTE FUNCTION responses_append_only();
CREATE TRIGGER household_visits_no_delete BEFORE DELETE ON household_visits
    FOR EACH ROW EXECUTE FUNCTION responses_append_only();

-- The completes drawn for a call-back (回访).
CREATE TABLE callbacks (
    id BIGSERIAL PRIMARY KEY,
    survey_id TEXT NOT NULL,
    wave INTEGER NOT NULL,
    response_id BIGINT NOT NULL REFERENCES responses (id),
    interviewer TEXT NOT NULL,
    seed BIGINT NOT NULL,
    drawn_at TIMESTAMP NOT NULL,
    drawn_by TEXT NOT NULL
);
CREATE INDEX callbacks_survey ON callbacks (survey_id, wave);
CREATE TRIGGER callbacks_no_update BEFORE UPDATE ON callbacks
    FOR EACH ROW EXECUTE FUNCTION responses_append_only();
CREATE TRIGGER callbacks_no_delete BEFORE DELETE ON callbacks
    FOR EACH ROW EXECUTE FUNCTION responses_append_only();

-- What each call-back found; the newest counts.
CREATE TABLE callback_outcomes (
    id BIGSERIAL PRIMARY KEY,
    callback_id BIGINT NOT NULL REFERENCES callbacks (id),
    outcome TEXT NOT NULL,
    note TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX callback_outcomes_callback ON callback_outcomes (callback_id);
CREATE TRIGGER callback_outcomes_no_update BEFORE UPDATE ON callback_outcomes
    FOR EACH ROW EXECUTE FUNCTION responses_append_only();
CREATE TRIGGER callback_outcomes_no_delete BEFORE DELETE ON callback_outcomes
    FOR EACH ROW EXECUTE FUNCTION responses_append_only();

ALTER TABLE responses ADD COLUMN household_id BIGINT;
ALTER TABLE responses ADD COLUMN household_adults INTEGER;
ALTER TABLE responses ADD COLUMN selection_probability DOUBLE PRECISION;
ALTER TABLE responses ADD COLUMN ended_at TIMESTAMP;
ALTER TABLE responses ADD COLUMN location TEXT;
ALTER TABLE responses ADD COLUMN location_accuracy TEXT;
-- Only household interviews are in it, so a QR submission adds no index entry.
CREATE INDEX responses_household ON responses (survey_id, wave, household_id) WHERE household_id IS NOT NULL;
