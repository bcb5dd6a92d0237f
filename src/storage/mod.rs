//! Storage: the only module that talks to the database.
//!
//! Responses are append-only. This module offers no update or delete, and the
//! database itself refuses them (triggers in the first migration), so a bug
//! elsewhere cannot alter what residents said.

mod accounts;
pub mod schema;
mod writer;

pub use accounts::{AuditRow, UserRow};
use writer::{run_writer, WriteJob};

use chrono::{NaiveDateTime, Utc};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use rand::RngCore;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::definition::Survey;
use schema::{
    dashboard_snapshots, definitions, interview_attempts, invites, questionnaire_views, responses,
    server_secrets, supersessions, survey_salts, voice_themes,
};

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

/// One connection type for both backends; the variant comes from the URL's scheme.
/// Code that differs by backend is a `match` on this enum, here and nowhere else.
#[derive(diesel::MultiConnection)]
pub enum AnyConn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which database a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Postgres(String),
    Sqlite(PathBuf),
}

type Manager = ConnectionManager<AnyConn>;

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

/// Where responses live: a pool of connections to one database.
#[derive(Clone)]
pub struct Store {
    pool: Pool<Manager>,
    writer: std::sync::mpsc::Sender<WriteJob>,
    /// Test hook: the writer panics in its next batch (see [`Store::fail_next_batch`]).
    fail_next: std::sync::Arc<std::sync::atomic::AtomicBool>,
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

/// `postgres://…` / `postgresql://…`, or `sqlite://path`, `sqlite:path` or a bare path.
fn target(url: &str) -> Result<Target> {
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

/// A stored response as read back.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = responses)]
pub struct StoredResponse {
    pub id: i64,
    pub survey_id: String,
    pub definition_version: String,
    pub wave: i32,
    pub collection_district: String,
    pub collection_community: Option<String>,
    pub district: String,
    pub channel: String,
    pub status: String,
    pub started_at: Option<NaiveDateTime>,
    pub submitted_at: NaiveDateTime,
    pub answers: String,
    pub source_hash: String,
    pub device_hash: Option<String>,
    pub submission_key: String,
    pub quality_flags: String,
    pub pattern_hash: String,
    /// Who entered the answers in a telephone or household interview.
    pub interviewer: Option<String>,
    /// The label of the intake token that posted it (JSON intake only).
    pub intake: Option<String>,
    /// The resident's own community (code), when recorded.
    pub residence_community: Option<String>,
    /// The resident's grid, known only through a residential grid poster.
    pub residence_grid: Option<String>,
}

/// Responses counted under (collection district, channel, status, quality flags).
pub type FunnelCount = (String, String, String, String, i64);

/// What a questionnaire view is counted under: (survey, collection district,
/// collection point or "", channel, day YYYY-MM-DD).
pub type ViewKey = (String, String, String, String, String);

/// Views and starts counted under one [`ViewKey`].
pub type Counted = (i64, i64);

/// An interview attempt to record (`disposition`: partial, refusal, non_contact,
/// other, unknown or not_eligible).
#[derive(Debug, Clone)]
pub struct NewAttempt {
    pub survey_id: String,
    pub wave: i32,
    pub district: String,
    pub interviewer: String,
    pub mode: String,
    pub disposition: String,
    pub attempted_at: NaiveDateTime,
}

/// The dashboard's aggregates of a survey as saved.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub version: String,
    pub max_id: i64,
    pub row_count: i64,
    /// The supersessions folded in, as a JSON list of ids.
    pub superseded: String,
    pub body: String,
}

/// A response to append.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = responses)]
pub struct NewResponse {
    pub survey_id: String,
    pub definition_version: String,
    pub wave: i32,
    pub collection_district: String,
    pub collection_community: Option<String>,
    pub district: String,
    pub channel: String,
    pub status: String,
    pub started_at: Option<NaiveDateTime>,
    pub submitted_at: NaiveDateTime,
    pub answers: String,
    pub source_hash: String,
    pub device_hash: Option<String>,
    pub submission_key: String,
    pub quality_flags: String,
    pub pattern_hash: String,
    /// Who entered the answers in a telephone or household interview.
    pub interviewer: Option<String>,
    /// The label of the intake token that posted it (JSON intake only).
    pub intake: Option<String>,
    /// The resident's own community (code), when recorded.
    pub residence_community: Option<String>,
    /// The resident's grid, known only through a residential grid poster.
    pub residence_grid: Option<String>,
}

/// Response status: a complete questionnaire, or one that screening ended.
pub const STATUS_COMPLETE: &str = "complete";
pub const STATUS_SCREENED: &str = "screened_out";

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
            fail_next: Default::default(),
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
        let fail_next = store.fail_next.clone();
        std::thread::Builder::new()
            .name("minyi-writer".into())
            .spawn(move || run_writer(pool, rx, fail_next))
            .map_err(|e| StorageError::Migration(format!("cannot start the writer thread: {e}")))?;
        Ok(store)
    }

    fn conn(&self) -> Result<PooledConnection<Manager>> {
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

    /// Appends a response, once it is durable. A repeated `submission_key` is
    /// `StorageError::Duplicate` and stores nothing. An invitation code (by hash) is
    /// spent in the same transaction; an unknown or used code stores nothing. With
    /// `checks = Some(min_seconds)`, the writer adds the quality flags that count earlier
    /// responses (too fast, bursts from one source, repeated patterns).
    pub fn insert_response(
        &self,
        r: NewResponse,
        invite_hash: Option<&str>,
        checks: Option<Option<u32>>,
    ) -> Result<i64> {
        self.enqueue(r, invite_hash, checks)?
            .blocking_recv()
            .map_err(|_| writer_gone())?
    }

    /// As [`Store::insert_response`], for async callers: the task waits for the commit
    /// without holding a thread.
    pub async fn insert_response_async(
        &self,
        r: NewResponse,
        invite_hash: Option<String>,
        checks: Option<Option<u32>>,
    ) -> Result<i64> {
        let rx = self.enqueue(r, invite_hash.as_deref(), checks)?;
        rx.await.map_err(|_| writer_gone())?
    }

    fn enqueue(
        &self,
        r: NewResponse,
        invite_hash: Option<&str>,
        checks: Option<Option<u32>>,
    ) -> Result<tokio::sync::oneshot::Receiver<Result<i64>>> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.writer
            .send((r, invite_hash.map(str::to_string), checks, tx))
            .map_err(|_| writer_gone())?;
        Ok(rx)
    }

    /// All responses of a survey, oldest first.
    pub fn responses(&self, survey_id: &str) -> Result<Vec<StoredResponse>> {
        self.responses_after(survey_id, 0)
    }

    /// The responses of a survey with ids above `after`, oldest first (ids only grow:
    /// the table is append-only).
    pub fn responses_after(&self, survey_id: &str, after: i64) -> Result<Vec<StoredResponse>> {
        let mut c = self.conn()?;
        Ok(responses::table
            .filter(responses::survey_id.eq(survey_id))
            .filter(responses::id.gt(after))
            .order(responses::id.asc())
            .select(StoredResponse::as_select())
            .load(&mut c)?)
    }

    /// At most `limit` responses of a survey with ids above `after`, oldest first: a
    /// page of a read that streams a survey of any size.
    pub fn responses_page(
        &self,
        survey_id: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<StoredResponse>> {
        let mut c = self.conn()?;
        Ok(responses::table
            .filter(responses::survey_id.eq(survey_id))
            .filter(responses::id.gt(after))
            .order(responses::id.asc())
            .limit(limit)
            .select(StoredResponse::as_select())
            .load(&mut c)?)
    }

    /// The responses of a survey with these ids.
    pub fn responses_by_ids(&self, survey_id: &str, ids: &[i64]) -> Result<Vec<StoredResponse>> {
        let mut c = self.conn()?;
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            out.extend(
                responses::table
                    .filter(responses::survey_id.eq(survey_id))
                    .filter(responses::id.eq_any(chunk))
                    .order(responses::id.asc())
                    .select(StoredResponse::as_select())
                    .load(&mut c)?,
            );
        }
        Ok(out)
    }

    /// How many responses of a survey have ids up to `id` (every status).
    pub fn count_responses_upto(&self, survey_id: &str, id: i64) -> Result<i64> {
        let mut c = self.conn()?;
        Ok(responses::table
            .filter(responses::survey_id.eq(survey_id))
            .filter(responses::id.le(id))
            .count()
            .get_result(&mut c)?)
    }

    /// The latest flagged or superseded complete responses (of one resident district,
    /// when given), newest first.
    pub fn flagged_responses(
        &self,
        survey_id: &str,
        district: Option<&str>,
        limit: i64,
    ) -> Result<Vec<StoredResponse>> {
        // Two small reads instead of one OR: rows with flags through the partial index
        // `responses_flagged`, superseded rows through the supersessions.
        let superseded: Vec<i64> = self
            .superseded(survey_id)?
            .into_iter()
            .map(|s| s.0)
            .collect();
        let mut c = self.conn()?;
        // Pages down the partial index; the district is filtered here, since with it
        // in the query SQLite prefers the district index and sorts every row of it.
        let mut rows: Vec<StoredResponse> = Vec::new();
        let mut below = i64::MAX;
        while (rows.len() as i64) < limit {
            let page: Vec<StoredResponse> = responses::table
                .filter(responses::survey_id.eq(survey_id))
                .filter(responses::quality_flags.ne(""))
                .filter(responses::id.lt(below))
                .order(responses::id.desc())
                .limit(2_000)
                .select(StoredResponse::as_select())
                .load(&mut c)?;
            let Some(last) = page.last() else { break };
            below = last.id;
            rows.extend(
                page.into_iter()
                    .filter(|r| r.status == STATUS_COMPLETE)
                    .filter(|r| district.is_none_or(|d| r.district == d)),
            );
        }
        rows.truncate(limit.max(0) as usize);
        drop(c);
        let seen: std::collections::HashSet<i64> = rows.iter().map(|r| r.id).collect();
        let mut newest: Vec<i64> = superseded
            .into_iter()
            .filter(|id| !seen.contains(id))
            .collect();
        newest.sort_unstable_by(|a, b| b.cmp(a));
        newest.truncate(limit.max(0) as usize);
        rows.extend(
            self.responses_by_ids(survey_id, &newest)?
                .into_iter()
                .filter(|r| r.status == STATUS_COMPLETE)
                .filter(|r| district.is_none_or(|d| r.district == d)),
        );
        rows.sort_unstable_by_key(|r| std::cmp::Reverse(r.id));
        rows.truncate(limit.max(0) as usize);
        Ok(rows)
    }

    /// Complete responses with ids below `before` whose answers hold `question` (an
    /// open question), newest first, read a page at a time: `pick` turns each into what
    /// the caller keeps (or counts it and keeps nothing), until `want` are kept or the
    /// rows run out. Returns what was kept and whether older responses remain.
    pub fn answers_to<T>(
        &self,
        survey_id: &str,
        question: &str,
        before: i64,
        want: usize,
        pick: &mut dyn FnMut(&StoredResponse) -> Option<T>,
    ) -> Result<(Vec<T>, bool)> {
        // serde_json writes `"id":"` exactly so; ids are plain codes, no escaping.
        let pattern = format!("%\"{question}\":\"%");
        let mut c = self.conn()?;
        let mut out = Vec::new();
        let mut below = before;
        loop {
            let page: Vec<StoredResponse> = responses::table
                .filter(responses::survey_id.eq(survey_id))
                .filter(responses::id.lt(below))
                .filter(responses::status.eq(STATUS_COMPLETE))
                .filter(responses::answers.like(&pattern))
                .order(responses::id.desc())
                .limit(2_000)
                .select(StoredResponse::as_select())
                .load(&mut c)?;
            let Some(last) = page.last() else {
                return Ok((out, false));
            };
            below = last.id;
            for r in &page {
                if let Some(t) = pick(r) {
                    if out.len() == want {
                        return Ok((out, true));
                    }
                    out.push(t);
                }
            }
        }
    }

    /// The dashboard's saved aggregates of a survey, if any: (definition version, max
    /// id, row count, superseded ids as JSON, body).
    pub fn snapshot(&self, survey_id: &str) -> Result<Option<Snapshot>> {
        let mut c = self.conn()?;
        Ok(dashboard_snapshots::table
            .find(survey_id)
            .select((
                dashboard_snapshots::definition_version,
                dashboard_snapshots::max_id,
                dashboard_snapshots::row_count,
                dashboard_snapshots::superseded,
                dashboard_snapshots::body,
            ))
            .first::<(String, i64, i64, String, String)>(&mut c)
            .optional()?
            .map(|(version, max_id, row_count, superseded, body)| Snapshot {
                version,
                max_id,
                row_count,
                superseded,
                body,
            }))
    }

    /// Replaces the dashboard's saved aggregates of a survey.
    pub fn save_snapshot(&self, survey_id: &str, s: &Snapshot) -> Result<()> {
        use diesel::connection::Connection;
        let mut c = self.conn()?;
        let now = Utc::now().naive_utc();
        c.transaction::<_, diesel::result::Error, _>(|c| {
            diesel::delete(dashboard_snapshots::table.find(survey_id)).execute(c)?;
            diesel::insert_into(dashboard_snapshots::table)
                .values((
                    dashboard_snapshots::survey_id.eq(survey_id),
                    dashboard_snapshots::definition_version.eq(&s.version),
                    dashboard_snapshots::max_id.eq(s.max_id),
                    dashboard_snapshots::row_count.eq(s.row_count),
                    dashboard_snapshots::superseded.eq(&s.superseded),
                    dashboard_snapshots::body.eq(&s.body),
                    dashboard_snapshots::saved_at.eq(now),
                ))
                .execute(c)?;
            Ok(())
        })?;
        Ok(())
    }

    /// Whether several processes may write (PostgreSQL): ids can then commit out of
    /// order, and readers must check counts.
    pub fn is_shared(&self) -> bool {
        self.shared
    }

    /// How many responses a survey has (every status).
    pub fn count_responses(&self, survey_id: &str) -> Result<i64> {
        let mut c = self.conn()?;
        Ok(responses::table
            .filter(responses::survey_id.eq(survey_id))
            .count()
            .get_result(&mut c)?)
    }

    /// Complete responses per resident district.
    pub fn count_by_district(&self, survey_id: &str) -> Result<Vec<(String, i64)>> {
        let mut c = self.conn()?;
        Ok(responses::table
            .filter(responses::survey_id.eq(survey_id))
            .filter(responses::status.eq(STATUS_COMPLETE))
            .group_by(responses::district)
            .select((responses::district, diesel::dsl::count_star()))
            .order(responses::district.asc())
            .load(&mut c)?)
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

    /// Marks a response as superseded (it stays stored, and leaves every estimate),
    /// recording why. The only "correction" minyi allows.
    pub fn supersede(&self, survey_id: &str, id: i64, reason: &str) -> Result<()> {
        let mut c = self.conn()?;
        let exists: i64 = responses::table
            .filter(responses::id.eq(id))
            .filter(responses::survey_id.eq(survey_id))
            .count()
            .get_result(&mut c)?;
        if exists == 0 {
            return Err(StorageError::NoSuchResponse(id, survey_id.to_string()));
        }
        match diesel::insert_into(supersessions::table)
            .values((
                supersessions::response_id.eq(id),
                supersessions::reason.eq(reason),
                supersessions::superseded_at.eq(Utc::now().naive_utc()),
            ))
            .execute(&mut c)
        {
            Ok(_) => Ok(()),
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => Err(StorageError::AlreadySuperseded(id)),
            Err(e) => Err(e.into()),
        }
    }

    /// Stores invitation code hashes for a district (new codes only).
    pub fn add_invites(&self, survey_id: &str, district: &str, hashes: &[String]) -> Result<usize> {
        let mut c = self.conn()?;
        let now = Utc::now().naive_utc();
        // Row by row in one transaction: multi-row VALUES is not portable across backends.
        use diesel::connection::Connection;
        Ok(c.transaction::<usize, diesel::result::Error, _>(|c| {
            let mut n = 0;
            for h in hashes {
                n += diesel::insert_into(invites::table)
                    .values((
                        invites::code_hash.eq(h),
                        invites::survey_id.eq(survey_id),
                        invites::district.eq(district),
                        invites::created_at.eq(now),
                    ))
                    .execute(c)?;
            }
            Ok(n)
        })?)
    }

    /// Invitation codes of a survey: (issued, used).
    pub fn invite_counts(&self, survey_id: &str) -> Result<(i64, i64)> {
        let mut c = self.conn()?;
        let issued: i64 = invites::table
            .filter(invites::survey_id.eq(survey_id))
            .count()
            .get_result(&mut c)?;
        let used: i64 = invites::table
            .filter(invites::survey_id.eq(survey_id))
            .filter(invites::used_at.is_not_null())
            .count()
            .get_result(&mut c)?;
        Ok((issued, used))
    }

    /// Records an interview attempt that ended without a questionnaire.
    pub fn add_attempt(&self, a: &NewAttempt) -> Result<()> {
        let mut c = self.conn()?;
        diesel::insert_into(interview_attempts::table)
            .values((
                interview_attempts::survey_id.eq(&a.survey_id),
                interview_attempts::wave.eq(a.wave),
                interview_attempts::district.eq(&a.district),
                interview_attempts::interviewer.eq(&a.interviewer),
                interview_attempts::mode.eq(&a.mode),
                interview_attempts::disposition.eq(&a.disposition),
                interview_attempts::attempted_at.eq(a.attempted_at),
            ))
            .execute(&mut c)?;
        Ok(())
    }

    /// Attempts of a survey's wave: (district, interviewer, disposition, count).
    pub fn attempt_counts(
        &self,
        survey_id: &str,
        wave: i32,
    ) -> Result<Vec<(String, String, String, i64)>> {
        let mut c = self.conn()?;
        Ok(interview_attempts::table
            .filter(interview_attempts::survey_id.eq(survey_id))
            .filter(interview_attempts::wave.eq(wave))
            .group_by((
                interview_attempts::district,
                interview_attempts::interviewer,
                interview_attempts::disposition,
            ))
            .select((
                interview_attempts::district,
                interview_attempts::interviewer,
                interview_attempts::disposition,
                diesel::dsl::count_star(),
            ))
            .load(&mut c)?)
    }

    /// Adds questionnaire views: ((survey, collection district, point or "", channel,
    /// day as YYYY-MM-DD), views). Counters from several servers add up.
    pub fn add_views(&self, views: &[(ViewKey, Counted)]) -> Result<()> {
        use diesel::upsert::excluded;
        // MultiConnection has no ON CONFLICT; each backend runs the same upsert.
        macro_rules! upsert {
            ($c:expr) => {
                $c.transaction(|c| {
                    for ((survey, district, point, channel, day), (n, started)) in views {
                        diesel::insert_into(questionnaire_views::table)
                            .values((
                                questionnaire_views::survey_id.eq(survey),
                                questionnaire_views::collection_district.eq(district),
                                questionnaire_views::collection_point.eq(point),
                                questionnaire_views::channel.eq(channel),
                                questionnaire_views::day.eq(day),
                                questionnaire_views::views.eq(n),
                                questionnaire_views::starts.eq(started),
                            ))
                            .on_conflict((
                                questionnaire_views::survey_id,
                                questionnaire_views::collection_district,
                                questionnaire_views::collection_point,
                                questionnaire_views::channel,
                                questionnaire_views::day,
                            ))
                            .do_update()
                            .set((
                                questionnaire_views::views.eq(questionnaire_views::views
                                    + excluded(questionnaire_views::views)),
                                questionnaire_views::starts.eq(questionnaire_views::starts
                                    + excluded(questionnaire_views::starts)),
                            ))
                            .execute(c)?;
                    }
                    Ok::<_, diesel::result::Error>(())
                })
            };
        }
        let mut c = self.conn()?;
        match &mut *c {
            AnyConn::Sqlite(c) => upsert!(c)?,
            AnyConn::Postgres(c) => upsert!(c)?,
        }
        Ok(())
    }

    /// Questionnaire views of a survey: (collection district, channel, views, starts).
    pub fn views(&self, survey_id: &str) -> Result<Vec<(String, String, i64, i64)>> {
        let mut c = self.conn()?;
        Ok(questionnaire_views::table
            .filter(questionnaire_views::survey_id.eq(survey_id))
            .select((
                questionnaire_views::collection_district,
                questionnaire_views::channel,
                questionnaire_views::views,
                questionnaire_views::starts,
            ))
            .load(&mut c)?)
    }

    /// Responses of a survey's wave by (collection district, channel, status, flags).
    pub fn funnel_counts(&self, survey_id: &str, wave: i32) -> Result<Vec<FunnelCount>> {
        let mut c = self.conn()?;
        Ok(responses::table
            .filter(responses::survey_id.eq(survey_id))
            .filter(responses::wave.eq(wave))
            .group_by((
                responses::collection_district,
                responses::channel,
                responses::status,
                responses::quality_flags,
            ))
            .select((
                responses::collection_district,
                responses::channel,
                responses::status,
                responses::quality_flags,
                diesel::dsl::count_star(),
            ))
            .load(&mut c)?)
    }

    /// The screened-out responses of a survey's wave (few: the questionnaire ends there).
    pub fn screened_out(&self, survey_id: &str, wave: i32) -> Result<Vec<StoredResponse>> {
        let mut c = self.conn()?;
        Ok(responses::table
            .filter(responses::survey_id.eq(survey_id))
            .filter(responses::wave.eq(wave))
            .filter(responses::status.eq(STATUS_SCREENED))
            .select(StoredResponse::as_select())
            .load(&mut c)?)
    }

    /// Records the themes office staff confirmed for an open answer (comma-separated
    /// codes; empty: no theme).
    pub fn confirm_themes(
        &self,
        survey_id: &str,
        response_id: i64,
        themes: &str,
        by: &str,
    ) -> Result<()> {
        let mut c = self.conn()?;
        diesel::insert_into(voice_themes::table)
            .values((
                voice_themes::survey_id.eq(survey_id),
                voice_themes::response_id.eq(response_id),
                voice_themes::themes.eq(themes),
                voice_themes::confirmed_by.eq(by),
                voice_themes::confirmed_at.eq(Utc::now().naive_utc()),
            ))
            .execute(&mut c)?;
        Ok(())
    }

    /// The newest confirmation of each answer of a survey: response id → (themes,
    /// by, at).
    pub fn confirmed_themes(
        &self,
        survey_id: &str,
    ) -> Result<std::collections::HashMap<i64, (String, String, NaiveDateTime)>> {
        let mut c = self.conn()?;
        let rows: Vec<(i64, String, String, NaiveDateTime)> = voice_themes::table
            .filter(voice_themes::survey_id.eq(survey_id))
            .order(voice_themes::id.asc())
            .select((
                voice_themes::response_id,
                voice_themes::themes,
                voice_themes::confirmed_by,
                voice_themes::confirmed_at,
            ))
            .load(&mut c)?;
        Ok(rows
            .into_iter()
            .map(|(id, t, by, at)| (id, (t, by, at)))
            .collect())
    }

    /// Invitation codes issued per district: (district, codes).
    pub fn invites_by_district(&self, survey_id: &str) -> Result<Vec<(String, i64)>> {
        let mut c = self.conn()?;
        Ok(invites::table
            .filter(invites::survey_id.eq(survey_id))
            .group_by(invites::district)
            .select((invites::district, diesel::dsl::count_star()))
            .load(&mut c)?)
    }

    /// Superseded responses of a survey: (id, reason).
    pub fn superseded(&self, survey_id: &str) -> Result<Vec<(i64, String)>> {
        let mut c = self.conn()?;
        // Filtered here, not in SQL: with the survey in the WHERE clause SQLite's
        // planner walks every response of the survey and probes supersessions for
        // each (80 ms at a million rows, on every dashboard request); without it, it
        // walks the few supersessions and finds each response by its key.
        let rows: Vec<(i64, String, String)> = supersessions::table
            .inner_join(responses::table)
            .select((
                supersessions::response_id,
                supersessions::reason,
                responses::survey_id,
            ))
            .load(&mut c)?;
        Ok(rows
            .into_iter()
            .filter(|r| r.2 == survey_id)
            .map(|(id, reason, _)| (id, reason))
            .collect())
    }

    /// Appends many responses at once, outside the writer (`minyi demo`): one
    /// transaction, multi-row INSERTs. Returns how many were stored (repeated keys are
    /// not). Quality flags are taken as given.
    pub fn insert_batch(&self, rows: &[NewResponse]) -> Result<usize> {
        use diesel::connection::Connection;
        let mut c = self.conn()?;
        let refs: Vec<&NewResponse> = rows.iter().collect();
        Ok(c.transaction(|c| writer::insert_many(c, &refs))?.len())
    }

    /// Makes the writer panic while committing its next batch, after writing the rows
    /// (a test proves the batch's senders get an error, nothing is kept, and the writer
    /// goes on).
    #[doc(hidden)]
    pub fn fail_next_batch(&self) {
        self.fail_next
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Tries to rewrite every interview attempt (tests: the triggers must refuse).
    #[doc(hidden)]
    pub fn try_tamper_attempts(&self) -> Result<()> {
        let mut c = self.conn()?;
        diesel::update(interview_attempts::table)
            .set(interview_attempts::disposition.eq("complete"))
            .execute(&mut c)?;
        Ok(())
    }

    /// Tries to alter a stored response; used by tests to prove the database refuses.
    #[doc(hidden)]
    pub fn try_tamper(&self, id: i64) -> Result<()> {
        let mut c = self.conn()?;
        diesel::update(responses::table.find(id))
            .set(responses::answers.eq("{}"))
            .execute(&mut c)?;
        Ok(())
    }
}

fn writer_gone() -> StorageError {
    StorageError::Migration("the database writer has stopped; restart minyi".into())
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
