//! The ledger's one error type: what was refused, in words the office can act on.

use super::state::State;
use crate::storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Dashboard(#[from] crate::dashboard::DashboardError),
    #[error(transparent)]
    Figure(#[from] crate::figures::FigureError),
    #[error("there is no ledger item {0} in survey `{1}`")]
    NoSuchItem(i64, String),
    #[error("`{0}` is not a place of this survey; open items from the weak-spots list, or give a district code and a street or community code of that district")]
    NoSuchPlace(String),
    #[error("`{0}` is not an indicator of this survey (a question with a dimension: awareness, satisfaction, …)")]
    NotAnIndicator(String),
    #[error("level `{0}` is not a place level; use district, street or community")]
    NoSuchLevel(String),
    #[error("the deadline `{0}` is not a date; write it as YYYY-MM-DD, e.g. 2027-01-10")]
    BadDeadline(String),
    #[error("the deadline {0} has already passed; give a day from today on")]
    DeadlinePassed(chrono::NaiveDate),
    #[error("the {0} is empty; fill it in")]
    Empty(&'static str),
    #[error("the {0} is longer than {1} characters; shorten it")]
    TooLong(&'static str, usize),
    #[error("an item that is {} cannot become {} directly; the ledger goes open → in progress → awaiting re-measurement → signed off (or reopened)", .from.code(), .to.code())]
    Skip { from: State, to: State },
    #[error("only the city office (an admin) may make an item {}", .0.code())]
    OfficeOnly(State),
    #[error("the latest measurement does not meet the sign-off rule; signing off anyway needs a written reason (at least 10 characters), which stays on the item and in the ledger")]
    ReasonNeeded,
    #[error(transparent)]
    Qr(#[from] crate::qr::QrError),
    #[error(
        "no item here is waiting for a re-survey: every item is signed off, or there are none"
    )]
    NothingToResurvey,
    #[error("state `{0}` is not a ledger state; use open, in_progress, awaiting, signed_off or reopened")]
    NoSuchState(String),
}
