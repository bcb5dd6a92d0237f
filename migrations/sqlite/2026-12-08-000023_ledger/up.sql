-- The rectification ledger (整改台账): an item per place and indicator with the baseline
-- figure it was opened from, and every change of its state. Both append-only: an item's
-- state is its newest event; a unit's claim never overwrites what was recorded before.
CREATE TABLE ledger_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    survey_id TEXT NOT NULL,
    district TEXT NOT NULL,
    -- district, street or community; `place` is that level's code
    level TEXT NOT NULL,
    place TEXT NOT NULL,
    indicator TEXT NOT NULL,
    problem TEXT NOT NULL,
    unit TEXT NOT NULL,
    measures TEXT NOT NULL,
    -- YYYY-MM-DD
    deadline TEXT NOT NULL,
    baseline_wave INTEGER NOT NULL,
    baseline_estimate DOUBLE,
    baseline_low DOUBLE,
    baseline_high DOUBLE,
    baseline_n DOUBLE,
    baseline_target DOUBLE,
    -- direct, model, or none (opened by hand without a figure)
    baseline_basis TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    opened_at TIMESTAMP NOT NULL
);
CREATE INDEX ledger_items_survey ON ledger_items (survey_id, district);
CREATE TRIGGER ledger_items_no_update BEFORE UPDATE ON ledger_items
BEGIN
    SELECT RAISE(ABORT, 'ledger items are append-only');
END;
CREATE TRIGGER ledger_items_no_delete BEFORE DELETE ON ledger_items
BEGIN
    SELECT RAISE(ABORT, 'ledger items are append-only');
END;

-- Each change of an item: its state after the change, a note, and for a sign-off
-- against the definition's rule the written reason. `seq` numbers an item's events
-- from 1; the unique key makes two changes made at once from the same state collide
-- instead of both landing.
CREATE TABLE ledger_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    item_id BIGINT NOT NULL REFERENCES ledger_items (id),
    seq INTEGER NOT NULL,
    state TEXT NOT NULL,
    note TEXT NOT NULL,
    reason TEXT,
    changed_by TEXT NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    UNIQUE (item_id, seq)
);
CREATE TRIGGER ledger_events_no_update BEFORE UPDATE ON ledger_events
BEGIN
    SELECT RAISE(ABORT, 'ledger events are append-only');
END;
CREATE TRIGGER ledger_events_no_delete BEFORE DELETE ON ledger_events
BEGIN
    SELECT RAISE(ABORT, 'ledger events are append-only');
END;
