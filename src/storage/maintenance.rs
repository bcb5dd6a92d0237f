//! Keeping the database sound: the deep check, backups and restores.

use chrono::Utc;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use std::path::{Path, PathBuf};

use super::conn::{target, AnyConn, Target};
use super::error::{Result, StorageError};
use super::schema::responses;
use super::store::Store;

/// The mode of a file that its group or others may use, if it is one.
#[cfg(unix)]
fn others_may_read(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn others_may_read(_: &Path) -> Option<u32> {
    None
}

/// What `minyi db check` and the Database page report.
#[derive(Debug, Clone)]
pub struct DeepCheck {
    /// The page check: `["ok"]` when sound.
    pub pages: Vec<String>,
    /// The audit log's hash chain.
    pub audit: super::audit::ChainReport,
    /// SQLite files that users other than the service's own can read.
    pub open_files: Vec<String>,
}

impl DeepCheck {
    pub fn is_sound(&self) -> bool {
        self.problems().is_empty()
    }

    /// Every problem, one sentence each (empty when sound).
    pub fn problems(&self) -> Vec<String> {
        let pages = self.pages.iter().filter(|p| *p != "ok").cloned();
        let chain = self.audit.first_break.iter().map(|b| b.to_string());
        pages
            .chain(chain)
            .chain(self.open_files.iter().cloned())
            .collect()
    }
}

impl Store {
    /// Every check at once: the pages, the audit chain, the files' modes.
    pub fn deep_check(&self) -> Result<DeepCheck> {
        Ok(DeepCheck {
            pages: self.integrity_check()?,
            audit: self.audit_chain()?,
            open_files: self.open_files()?,
        })
    }

    /// The database file, its WAL and SHM, where others than the owner may read or
    /// write them (files minyi makes are 0600; one made by an older version, or
    /// copied in, may not be).
    fn open_files(&self) -> Result<Vec<String>> {
        #[derive(QueryableByName)]
        struct File {
            #[diesel(sql_type = diesel::sql_types::Text)]
            file: String,
        }
        let mut c = self.conn()?;
        let AnyConn::Sqlite(c) = &mut *c else {
            return Ok(Vec::new());
        };
        let files: Vec<File> =
            diesel::sql_query("SELECT file FROM pragma_database_list WHERE name = 'main'")
                .load(c)?;
        let mut open = Vec::new();
        for f in files.into_iter().filter(|f| !f.file.is_empty()) {
            for path in [
                f.file.clone(),
                format!("{}-wal", f.file),
                format!("{}-shm", f.file),
            ] {
                if let Some(mode) = others_may_read(Path::new(&path)) {
                    open.push(format!(
                        "{path} can be read by other users (mode {mode:o}): run `chmod 600 {path}` as the service's user"
                    ));
                }
            }
        }
        Ok(open)
    }

    /// Runs the database's consistency check: `["ok"]` when sound.
    pub fn integrity_check(&self) -> Result<Vec<String>> {
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            integrity_check: String,
        }
        let mut c = self.conn()?;
        match &mut *c {
            AnyConn::Sqlite(c) => {
                let rows: Vec<Row> = diesel::sql_query("PRAGMA integrity_check").load(c)?;
                Ok(rows.into_iter().map(|r| r.integrity_check).collect())
            }
            // PostgreSQL checks its own pages; a round trip proves the server answers.
            AnyConn::Postgres(c) => {
                let rows: Vec<Row> = diesel::sql_query("SELECT 'ok' AS integrity_check").load(c)?;
                Ok(rows.into_iter().map(|r| r.integrity_check).collect())
            }
        }
    }

    /// Writes a consistent copy of a SQLite database to `out` while it is in use
    /// (`VACUUM INTO`: one read transaction, so the copy is the database as of one
    /// moment, every committed response up to then and none half-written).
    pub fn backup(&self, out: &Path) -> Result<()> {
        if out.exists() {
            return Err(StorageError::Backup(format!(
                "{} exists already; choose a new file (a backup never overwrites)",
                out.display()
            )));
        }
        let mut c = self.conn()?;
        match &mut *c {
            AnyConn::Sqlite(c) => {
                let path = out.to_string_lossy().replace('\'', "''");
                diesel::sql_query(format!("VACUUM INTO '{path}'")).execute(c)?;
                Ok(())
            }
            AnyConn::Postgres(_) => Err(StorageError::Backup(
                "this database is PostgreSQL: back it up with pg_dump (see the README's Backups section)".into(),
            )),
        }
    }
}

/// What [`restore`] put in place.
#[derive(Debug)]
pub struct Restored {
    /// The database file now in use.
    pub path: PathBuf,
    /// Responses in it.
    pub responses: i64,
    /// Where the database that was there before was kept (with `replace`).
    pub kept: Option<PathBuf>,
}

/// Puts a backup made by [`Store::backup`] in place of the SQLite database at `url`
/// (the server stopped): the copy must pass the deep check and hold minyi's tables;
/// it is copied beside the target and renamed into place, so a failed restore leaves
/// what was there. An existing database is kept beside it (`replace`) or the restore
/// is refused.
pub fn restore(backup: &Path, url: &str, replace: bool) -> Result<Restored> {
    let Target::Sqlite(path) = target(url)? else {
        return Err(StorageError::Backup(
            "this database is PostgreSQL: restore a dump with pg_restore (see the README's Backups section)".into(),
        ));
    };
    if !backup.is_file() {
        return Err(StorageError::Backup(format!(
            "{} is not a file; give the copy `minyi backup --out` wrote",
            backup.display()
        )));
    }
    let responses = {
        #[derive(QueryableByName)]
        struct Check {
            #[diesel(sql_type = diesel::sql_types::Text)]
            integrity_check: String,
        }
        let fail = |e: &dyn std::fmt::Display| {
            StorageError::Backup(format!(
                "{} cannot be read as a minyi database: {e}",
                backup.display()
            ))
        };
        let mut c = SqliteConnection::establish(&format!("file:{}?mode=ro", backup.display()))
            .map_err(|e| fail(&e))?;
        let check: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
            .load(&mut c)
            .map_err(|e| fail(&e))?;
        let check: Vec<String> = check.into_iter().map(|r| r.integrity_check).collect();
        if check != ["ok"] {
            return Err(StorageError::Backup(format!(
                "{} fails the deep check ({}); restore an older backup",
                backup.display(),
                check.join("; ")
            )));
        }
        responses::table
            .count()
            .get_result::<i64>(&mut c)
            .map_err(|e| fail(&e))?
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| StorageError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let io = |what: &str, e: std::io::Error| StorageError::Backup(format!("{what}: {e}"));
    let mut kept = None;
    if path.exists() {
        if !replace {
            return Err(StorageError::Backup(format!(
                "{} exists; stop every minyi server on it, then run again with --replace (the current file is kept beside it)",
                path.display()
            )));
        }
        let stamp = Utc::now().format("%Y%m%dT%H%M%SZ");
        let aside = path.with_extension(format!("sqlite3.before-restore-{stamp}"));
        std::fs::rename(&path, &aside).map_err(|e| io("keeping the current database", e))?;
        kept = Some(aside);
    }
    // The old file's log and index belong to it, not to the copy.
    for ext in ["-wal", "-shm"] {
        let mut side = path.clone().into_os_string();
        side.push(ext);
        let side = PathBuf::from(side);
        if side.exists() {
            match &kept {
                Some(k) => {
                    let mut to = k.clone().into_os_string();
                    to.push(ext);
                    std::fs::rename(&side, PathBuf::from(to))
                        .map_err(|e| io("keeping the current database's log", e))?;
                }
                None => std::fs::remove_file(&side).map_err(|e| io("removing a stale log", e))?,
            }
        }
    }
    let mut partial = path.clone().into_os_string();
    partial.push(".restoring");
    let partial = PathBuf::from(partial);
    std::fs::copy(backup, &partial).map_err(|e| io("copying the backup", e))?;
    std::fs::File::open(&partial)
        .and_then(|f| f.sync_all())
        .map_err(|e| io("flushing the copy", e))?;
    std::fs::rename(&partial, &path).map_err(|e| io("putting the copy in place", e))?;
    Ok(Restored {
        path,
        responses,
        kept,
    })
}
