//! The one connection type for both backends, and which backend a URL names.

use diesel::pg::PgConnection;
use diesel::r2d2::ConnectionManager;
use diesel::sqlite::SqliteConnection;
use std::path::PathBuf;

use super::error::{Result, StorageError};

/// One connection type for both backends; the variant comes from the URL's scheme.
/// Code that differs by backend is a `match` on this enum, here and nowhere else.
#[derive(diesel::MultiConnection)]
pub enum AnyConn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which database a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Target {
    Postgres(String),
    Sqlite(PathBuf),
}

pub(super) type Manager = ConnectionManager<AnyConn>;

/// `postgres://…` / `postgresql://…`, or `sqlite://path`, `sqlite:path` or a bare path.
pub(super) fn target(url: &str) -> Result<Target> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Target::Postgres(url.to_string()));
    }
    if url.contains("://") && !url.starts_with("sqlite://") {
        return Err(StorageError::UnsupportedUrl(url.to_string()));
    }
    let p = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    Ok(Target::Sqlite(PathBuf::from(p)))
}
