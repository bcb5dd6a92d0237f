DROP TABLE ledger_events;
DROP TABLE ledger_items;
