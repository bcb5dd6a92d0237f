DROP TRIGGER ledger_events_no_delete;
DROP TRIGGER ledger_events_no_update;
DROP TABLE ledger_events;
DROP TRIGGER ledger_items_no_delete;
DROP TRIGGER ledger_items_no_update;
DROP TABLE ledger_items;
