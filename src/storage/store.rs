//! The store: a pool of connections to one database (SQLite or PostgreSQL, by the
//! URL), its migrations, and the settings every connection gets. The writer thread
//! starts here.

use chrono::Utc;
use diesel::prelude::*;
use diesel::r2d2::{CustomizeConnection, Pool, PooledConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use rand::RngCore;
use std::path::Path;
use std::time::Duration;

use super::conn::{target, AnyConn, Manager, Target};
use super::error::{Result, StorageError};
use super::schema::{definitions, server_secrets, survey_salts};
use super::writer::{run_writer, Hooks, WriteJob};
use crate::definition::Survey;

/// Inserts a row unless its key exists (each backend has its own spelling of it).
macro_rules! insert_or_ignore {
    ($conn:expr, $table:expr, $row:expr) => {
        match &mut *$conn {
            AnyConn::Sqlite(c) => diesel::insert_or_ignore_into($table)
                .values($row)
                .execute(c)?,
            AnyConn::Postgres(c) => diesel::insert_into($table)
                .values($row)
                .on_conflict_do_nothing()
                .execute(c)?,
        }
    };
}

/// 32 random bytes as hex: salts and shared secrets.
fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Where responses live: a pool of connections to one database.
#[derive(Clone)]
pub struct Store {
    pub(super) pool: Pool<Manager>,
    pub(super) writer: std::sync::mpsc::Sender<WriteJob>,
    /// Failure injection for tests (empty without the `test-hooks` feature).
    pub(super) hooks: Hooks,
    /// PostgreSQL: several processes may write (known at open, so asking needs no
    /// connection).
    shared: bool,
}

/// How SQLite makes a commit durable (`PRAGMA synchronous`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// Every commit reaches the disk before it is acknowledged: a power cut loses
    /// nothing acknowledged. The writer's group commit makes this nearly free.
    #[default]
    Full,
    /// Under WAL, durable against a crashed process but not a power cut (the last
    /// commits may be lost; the file is never corrupted).
    Normal,
}

impl Synchronous {
    pub fn parse(s: &str) -> Option<Synchronous> {
        match s.to_ascii_lowercase().as_str() {
            "full" => Some(Synchronous::Full),
            "normal" => Some(Synchronous::Normal),
            _ => None,
        }
    }
    fn pragma(self) -> &'static str {
        match self {
            Synchronous::Full => "FULL",
            Synchronous::Normal => "NORMAL",
        }
    }
}

/// How a store is opened.
#[derive(Debug, Clone, Copy)]
pub struct StoreOptions {
    /// SQLite's durability (PostgreSQL decides its own).
    pub synchronous: Synchronous,
    /// How long a request waits for a database connection before it is refused as
    /// unavailable. Short, so a database that is away gives quick, true answers (503)
    /// instead of requests that hang.
    pub wait: Duration,
}

/// The default [`StoreOptions::wait`].
pub const DEFAULT_WAIT: Duration = Duration::from_millis(1000);

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            synchronous: Synchronous::default(),
            wait: DEFAULT_WAIT,
        }
    }
}

/// libpq settings that bound how long a lost server can hold a connection, added to a
/// PostgreSQL URL unless it sets them itself: give up connecting after 2 s (libpq's
/// least), notice a silent peer by TCP keepalives within about 20 s, and abandon data
/// the server has not acknowledged for 10 s.
const PG_DEFAULTS: [(&str, &str); 5] = [
    ("connect_timeout", "2"),
    ("keepalives_idle", "10"),
    ("keepalives_interval", "3"),
    ("keepalives_count", "3"),
    ("tcp_user_timeout", "10000"),
];

fn with_pg_defaults(url: &str) -> String {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    let set: Vec<&str> = query
        .split('&')
        .filter_map(|kv| kv.split('=').next())
        .collect();
    let mut out = url.to_string();
    for (k, v) in PG_DEFAULTS {
        if !set.contains(&k) {
            out.push(if out.contains('?') { '&' } else { '?' });
            out.push_str(&format!("{k}={v}"));
        }
    }
    out
}

#[derive(Debug)]
struct SqlitePragmas(Synchronous);

impl CustomizeConnection<AnyConn, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut AnyConn) -> std::result::Result<(), diesel::r2d2::Error> {
        let AnyConn::Sqlite(conn) = conn else {
            return Ok(());
        };
        // busy_timeout: writers wait for each other instead of failing with SQLITE_BUSY.
        // One batch: a prepared statement would run only the first of them (as it
        // silently did before, leaving foreign keys off).
        use diesel::connection::SimpleConnection;
        conn.batch_execute(&format!(
            "PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA synchronous = {};",
            self.0.pragma()
        ))
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

impl Store {
    /// Opens (creating if needed) the database and brings its schema up to date, with
    /// acknowledged commits durable against power cuts.
    pub fn open(url: &str) -> Result<Store> {
        Store::open_with(url, StoreOptions::default())
    }

    /// As [`Store::open`], with the given options.
    pub fn open_with(url: &str, options: StoreOptions) -> Result<Store> {
        let target = target(url)?;
        let shared = matches!(target, Target::Postgres(_));
        let manager = match target {
            Target::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|source| StorageError::CreateDir {
                        path: dir.to_path_buf(),
                        source,
                    })?;
                }
                create_private(&path)?;
                // MultiConnection tries PostgreSQL first; a bare path is no libpq
                // connection string, so it falls through to SQLite at once.
                Manager::new(path.to_string_lossy())
            }
            Target::Postgres(u) => Manager::new(with_pg_defaults(&u)),
        };
        let pool = Pool::builder()
            .max_size(8)
            .connection_timeout(options.wait)
            .connection_customizer(Box::new(SqlitePragmas(options.synchronous)))
            .build(manager)
            .map_err(|e| StorageError::Open(e.to_string()))?;
        let (tx, rx) = std::sync::mpsc::channel::<WriteJob>();
        let store = Store {
            pool: pool.clone(),
            writer: tx,
            hooks: Hooks::default(),
            shared,
        };
        // Two processes starting on one SQLite file can collide while the first one
        // migrates (the schema changes under the second); the second simply retries.
        let mut attempt = 0;
        loop {
            match store.migrate() {
                Ok(()) => break,
                Err(e)
                    if attempt < 20
                        && ["locked", "schema", "already exists"]
                            .iter()
                            .any(|m| e.to_string().contains(m)) =>
                {
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(100 * attempt));
                }
                Err(e) => return Err(e),
            }
        }
        let hooks = store.hooks.clone();
        std::thread::Builder::new()
            .name("minyi-writer".into())
            .spawn(move || run_writer(pool, rx, hooks))
            .map_err(|e| StorageError::Migration(format!("cannot start the writer thread: {e}")))?;
        Ok(store)
    }

    pub(super) fn conn(&self) -> Result<PooledConnection<Manager>> {
        Ok(self.pool.get()?)
    }

    fn migrate(&self) -> Result<()> {
        let mut c = self.conn()?;
        let err = |e: &dyn std::fmt::Display| StorageError::Migration(e.to_string());
        match &mut *c {
            AnyConn::Sqlite(c) => {
                // WAL lets readers (dashboards, exports) run while a submission commits.
                diesel::sql_query("PRAGMA journal_mode = WAL;")
                    .execute(c)
                    .map_err(|e| err(&e))?;
                // One process migrates at a time: the exclusive lock makes a second
                // process starting on the same file wait, then find nothing to do.
                c.exclusive_transaction(|c| {
                    c.run_pending_migrations(SQLITE_MIGRATIONS)
                        .map(|_| ())
                        .map_err(|e| diesel::result::Error::QueryBuilderError(e.to_string().into()))
                })
                .map_err(|e| err(&e))?;
            }
            AnyConn::Postgres(c) => {
                // Several `minyi serve` processes may start at once: one migrates, the
                // others wait for it.
                diesel::sql_query("SELECT pg_advisory_lock(727100)")
                    .execute(c)
                    .map_err(|e| err(&e))?;
                let r = c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ());
                diesel::sql_query("SELECT pg_advisory_unlock(727100)")
                    .execute(c)
                    .map_err(|e| err(&e))?;
                r.map_err(|e| err(&*e))?;
            }
        }
        Ok(())
    }

    /// Whether several processes may write (PostgreSQL): ids can then commit out of
    /// order, and readers must check counts.
    pub fn is_shared(&self) -> bool {
        self.shared
    }

    /// A secret shared by every server on this database (hex, 32 random bytes), made
    /// by whichever server asks first.
    pub fn shared_secret(&self, name: &str) -> Result<String> {
        let mut c = self.conn()?;
        let row = (
            server_secrets::name.eq(name),
            server_secrets::value.eq(random_hex()),
            server_secrets::created_at.eq(Utc::now().naive_utc()),
        );
        // Two servers starting together: the first insert wins, both read it back.
        insert_or_ignore!(c, server_secrets::table, row);
        Ok(server_secrets::table
            .find(name)
            .select(server_secrets::value)
            .first(&mut c)?)
    }

    /// Archives a definition version (idempotent).
    pub fn register_definition(&self, s: &Survey) -> Result<()> {
        let mut c = self.conn()?;
        let row = (
            definitions::survey_id.eq(&s.id),
            definitions::version.eq(&s.version),
            definitions::wave.eq(s.wave as i32),
            definitions::source.eq(&s.source_text),
            definitions::loaded_at.eq(Utc::now().naive_utc()),
        );
        insert_or_ignore!(c, definitions::table, row);
        Ok(())
    }

    /// The survey's salt for abuse-control hashes, created on first use.
    pub fn salt(&self, survey_id: &str) -> Result<String> {
        let mut c = self.conn()?;
        let row = (
            survey_salts::survey_id.eq(survey_id),
            survey_salts::salt.eq(random_hex()),
            survey_salts::created_at.eq(Utc::now().naive_utc()),
        );
        // Two processes may create it at once: the first one wins, both read it back.
        insert_or_ignore!(c, survey_salts::table, row);
        Ok(survey_salts::table
            .find(survey_id)
            .select(survey_salts::salt)
            .first(&mut c)?)
    }

    /// A cheap round trip: the database answers (for load balancers' health checks).
    pub fn ping(&self) -> Result<()> {
        let mut c = self.conn()?;
        diesel::sql_query("SELECT 1").execute(&mut *c)?;
        Ok(())
    }

    /// The connection's `PRAGMA synchronous` (2 = FULL, 1 = NORMAL; `None` on PostgreSQL).
    pub fn synchronous(&self) -> Result<Option<i32>> {
        self.pragma("synchronous")
    }

    /// A pooled SQLite connection's integer setting (`None` on PostgreSQL).
    #[doc(hidden)]
    pub fn pragma(&self, name: &'static str) -> Result<Option<i32>> {
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            v: i32,
        }
        let mut c = self.conn()?;
        match &mut *c {
            AnyConn::Sqlite(c) => {
                // The one pragma whose column is not its own name.
                let col = if name == "busy_timeout" {
                    "timeout"
                } else {
                    name
                };
                let r: Row = diesel::sql_query(format!("SELECT {col} AS v FROM pragma_{name}()"))
                    .get_result(c)?;
                Ok(Some(r.v))
            }
            AnyConn::Postgres(_) => Ok(None),
        }
    }
}

/// Creates a new SQLite database file readable by the service's user only (0600),
/// whatever the umask: SQLite gives its WAL and SHM the database's mode.
fn create_private(path: &Path) -> Result<()> {
    if path.as_os_str() == ":memory:" || path.exists() {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        // Another process made it in the meantime: theirs is as good.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StorageError::Open(format!(
            "cannot create the database file {}: {e}",
            path.display()
        ))),
    }
}

/// What a database URL points at, for messages (a PostgreSQL password is not shown).
pub fn describe_url(url: &str) -> String {
    match target(url) {
        Ok(Target::Sqlite(p)) => format!("SQLite file {}", display_abs(&p)),
        Ok(Target::Postgres(u)) => {
            let shown = match (u.find("://"), u.find('@')) {
                (Some(a), Some(b)) if b > a => format!("{}{}", &u[..a + 3], &u[b + 1..]),
                _ => u.clone(),
            };
            format!("PostgreSQL {shown}")
        }
        Err(_) => url.to_string(),
    }
}

fn display_abs(p: &Path) -> String {
    std::fs::canonicalize(p)
        .unwrap_or_else(|_| p.to_path_buf())
        .display()
        .to_string()
}
