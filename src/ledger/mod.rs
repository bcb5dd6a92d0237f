//! The rectification ledger (整改台账): an item for a place and indicator found weak,
//! its responsible unit, measures and deadline, every change of its state
//! (append-only), and its judgement by the next wave's figures — the change with its
//! interval, a verdict, and the definition's sign-off rule. Rooms: `state` (the
//! states and the changes between them), `verdict` (judging by the figures, pure),
//! `book` (items over storage and the dashboard's figures, the monthly notice),
//! `file` (the ledger and the notice as the office sends them). No HTTP.

mod book;
mod error;
mod file;
mod state;
mod verdict;

pub use book::{
    change, item_district, items, notice, open, place_name, preview, Baseline, Change, Event, Item,
    Level, NoticeRow, Opening, Totals,
};
pub use error::LedgerError;
pub use file::{for_pack, ledger_table, ledger_workbook, notice_table, resurvey_posters};
pub use state::State;
pub use verdict::{basis_name, judge, rule_words, Judgement, Measured, Verdict};
