//! What can stop the demo.

use crate::accounts::AccountError;
use crate::storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the database already holds {0} responses of survey `{1}`; demo data never mixes with real data: point DATABASE_URL at a new file, e.g. DATABASE_URL=sqlite://data/demo.sqlite3")]
    NotEmpty(usize, String),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error(transparent)]
    Household(#[from] crate::households::HouseholdError),
    #[error("the demo drew a household sample but could not read it back")]
    NoSample,
    #[error("the demo could not fill the rectification ledger: {0}")]
    Ledger(#[from] crate::ledger::LedgerError),
    #[error("the demo data are stored, but the dashboard could not read them back: {0}")]
    Dashboard(#[from] crate::dashboard::DashboardError),
}
