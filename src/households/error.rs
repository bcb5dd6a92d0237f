//! What stops a household-sample action, in words that say what to do.

use crate::storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum HouseholdError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("survey `{0}` has no [household_sample] in its definition; add one (see the README) to draw a household sample")]
    NoDesign(String),
    #[error("survey `{0}` has no household sample for wave {1} yet; draw one first (`minyi sample draw --survey {0}`)")]
    NoDraw(String, i32),
    #[error("the sample of wave {wave} is in the field: {visits} visit(s) are recorded to its households, so it can no longer be redrawn (a household replaced after a visit would be a silent substitution)")]
    Frozen { wave: i32, visits: i64 },
    #[error("community `{0}` was not drawn in the current sample; address lists are needed only for drawn communities ({1})")]
    NotDrawn(String, String),
    #[error("{}", .0.join("\n"))]
    Frame(Vec<String>),
    #[error("household {0} is not in survey `{1}`")]
    NoSuchHousehold(i64, String),
    #[error("household {0} is not assigned to {1}; ask the team leader to assign it")]
    NotAssigned(i64, String),
    #[error("household {0} belongs to an earlier draw; reload the list of households")]
    OldDraw(i64),
    #[error("`{0}` is not a visit outcome; use {1}")]
    BadOutcome(String, String),
    #[error("`{0}` is not a call-back outcome; use {1}")]
    BadCallbackOutcome(String, String),
    #[error("the roster needs the number of adults living in the household (1 or more), and for the next-birthday rule nothing else")]
    Roster,
    #[error("community `{0}` has no drawn households in the current sample; load its address list (`minyi sample frame`) and draw again, or pick a community with households")]
    NothingToAssign(String),
    #[error("`{0}` is no enabled interviewer account; add one with `minyi user add {0} --role interviewer` (or on the Users page)")]
    NoSuchInterviewer(String),
    #[error("no household of the current sample is assigned to `{0}`; assign some first (the sample page or `minyi sample assign`)")]
    NoAssignments(String),
    #[error("call-back {0} is not in survey `{1}`")]
    NoSuchCallback(i64, String),
    #[error("user `{0}` is not an interviewer (or admin) who can visit households")]
    NotInterviewer(String),
    #[error(transparent)]
    Collect(#[from] crate::collect::CollectError),
    #[error("cannot write the sheet: {0}")]
    Sheet(String),
}
