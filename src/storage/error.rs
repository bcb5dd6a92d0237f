//! The storage layer's one error type: what went wrong, in words a user can act on.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("unsupported database URL `{0}`: use sqlite://path/to/file.sqlite3 or postgres://user@host/database")]
    UnsupportedUrl(String),
    #[error("cannot create the database directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the database: {0}")]
    Open(String),
    /// No connection within the configured wait: the database is down, unreachable
    /// or overloaded. Nothing was read or written; the same request can be sent again.
    #[error("the database is unavailable ({0}); minyi reconnects on its own, try again in a few seconds")]
    Unavailable(String),
    #[error("cannot migrate the database: {0}")]
    Migration(String),
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("this submission was already stored")]
    Duplicate,
    #[error("response {0} does not exist in survey `{1}`")]
    NoSuchResponse(i64, String),
    #[error("there is no call-back {0} in survey `{1}`")]
    NoSuchCallback(i64, String),
    #[error("response {0} was already superseded")]
    AlreadySuperseded(i64),
    #[error("this invitation code is not valid for this survey")]
    InviteInvalid,
    #[error("this invitation code has already been used")]
    InviteUsed,
    #[error("user `{0}` already exists; choose another name, or change the password with `minyi user passwd {0}`")]
    UserExists(String),
    #[error("there is no user `{0}`; list users on the office's Users page, or add one with `minyi user add`")]
    NoSuchUser(String),
    #[error(
        "ledger item {0} was changed by someone else meanwhile; reload its page and decide again"
    )]
    Changed(i64),
    #[error("survey `{0}` is already closed")]
    AlreadyClosed(String),
    #[error("an intake token labelled `{0}` already works; revoke it first (`minyi token revoke --intake --label \"{0}\"`) or choose another label")]
    TokenExists(String),
    #[error("no working intake token is labelled `{0}`; `minyi token list` shows them")]
    NoSuchToken(String),
    #[error("cannot back up: {0}")]
    Backup(String),
    #[error("the database writer failed while storing this batch (it was logged); nothing of it was stored, please send it again")]
    WriterFailed,
}

pub type Result<T> = std::result::Result<T, StorageError>;

impl From<diesel::r2d2::PoolError> for StorageError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        StorageError::Unavailable(e.to_string())
    }
}

impl StorageError {
    /// Whether the database could not be reached (rather than refusing this request):
    /// the request may simply be sent again later.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            StorageError::Unavailable(_) | StorageError::WriterFailed
        )
    }
}
