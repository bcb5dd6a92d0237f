//! Storage: the only module that talks to the database.
//!
//! Responses are append-only. This module offers no update or delete of them, and the
//! database itself refuses both (triggers in the migrations), so a bug elsewhere cannot
//! alter what residents said. Rooms: `store` (the pool, migrations, settings),
//! `conn` (the connection type, a URL's backend), `rows` (the response rows),
//! `responses` (append and read), `writer` (the one writer thread and its quality
//! windows), `fieldwork` (invitations, interview attempts, views, confirmed themes),
//! `accounts` (users, sessions, tokens, closures), `audit` (the hash-chained audit
//! log), `snapshots` (the
//! dashboard's saved aggregates), `sample` (the household sample: address lists,
//! draws, assignments, visits, call-backs), `ledger` (the rectification ledger's
//! items and their events), `maintenance` (deep check, backup,
//! restore).

mod accounts;
mod answers;
mod audit;
mod conn;
mod error;
mod fieldwork;
mod ledger;
mod maintenance;
mod responses;
mod rows;
mod sample;
pub mod schema;
mod snapshots;
mod store;
mod writer;

pub use accounts::{SessionState, UserRow};
pub use answers::{AnswerFilter, AnswerIndex, IndexedAnswer};
pub use audit::{AuditRow, ChainBreak, ChainReport};
pub use conn::AnyConn;
pub use error::{Result, StorageError};
pub use fieldwork::{Counted, NewAttempt, ViewKey};
pub use ledger::{EventRow, ItemRow, NewEvent, NewItem};
pub use maintenance::{restore, DeepCheck, Restored};
pub use rows::{NewResponse, StoredResponse, STATUS_COMPLETE, STATUS_SCREENED};
pub use sample::{
    CallbackRow, CommunityRow, DrawRow, HouseholdInterview, HouseholdRow, NewDraw, NewVisit,
    VisitRow,
};
pub use snapshots::Snapshot;
pub use store::{describe_url, Store, StoreOptions, Synchronous, DEFAULT_WAIT};
