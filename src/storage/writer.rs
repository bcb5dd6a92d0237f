//! The single writer: SQLite admits one writer at a time, so instead of many pooled
//! connections queueing on the file lock (busy_timeout sleeps), one thread takes
//! whatever has arrived, commits it in one transaction and only then answers each
//! caller. A caller is acknowledged only after its row is durable.
//!
//! A batch is one multi-row `INSERT … ON CONFLICT DO NOTHING RETURNING` per 500 rows: a
//! repeated key stores nothing and fails alone, not the whole batch. Only a response
//! with an invitation code takes a savepoint, so its code and its row commit together
//! or not at all.
//!
//! The quality flags that count earlier responses (too fast against recent completion
//! times, bursts from one source, repeated answer patterns at one place) are computed
//! from windows kept in memory. The database is read once per survey to fill them,
//! then once per batch for rows other processes committed since (several `minyi
//! serve` on one PostgreSQL, or the CLI beside the server on SQLite).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::r2d2::{Pool, PooledConnection};
use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{Hash, Hasher};

use super::schema::{definitions, invites, responses};
use super::{AnyConn, Manager, NewResponse, Result, StorageError, STATUS_COMPLETE};
use crate::quality;

/// A response for the writer, its invitation code's hash, whether (and with which
/// `min_seconds`) to add the history flags, and where to send its outcome. The reply is
/// a oneshot channel an async caller can await and a blocking caller can wait on.
pub(super) type WriteJob = (
    NewResponse,
    Option<String>,
    Option<Option<u32>>,
    tokio::sync::oneshot::Sender<Result<i64>>,
);

/// Most responses committed in one transaction.
const BATCH: usize = 256;

/// Completion times kept for the "under a third of the median" rule.
const DURATIONS_KEPT: usize = 400;

/// Most recent submissions a window holds. Beyond it the oldest leave early: a flood
/// from this many distinct sources within the window shortens it, and memory stays
/// bounded (about 40 bytes an entry).
const WINDOW_CAP: usize = 200_000;

/// Rows per multi-row INSERT on PostgreSQL: 20 columns each, well under its 65,535
/// bound parameters per statement.
const ROWS_PER_INSERT: usize = 500;

pub(super) fn run_writer(
    pool: Pool<Manager>,
    jobs: std::sync::mpsc::Receiver<WriteJob>,
    fail_next: std::sync::Arc<std::sync::atomic::AtomicBool>,
) {
    let mut windows = Windows::default();
    // The writer's connection, held between batches and replaced after any failure:
    // a connection that broke (a restarted PostgreSQL, a reset socket, Diesel's
    // broken transaction manager) must never serve another batch.
    let mut held: Option<PooledConnection<Manager>> = None;
    let mut down = false;
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match jobs.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        let conn = match held.take() {
            Some(c) => c,
            // At most the pool's wait (about a second); the pool reconnects by itself.
            None => match pool.get() {
                Ok(c) => c,
                Err(e) => {
                    if !down {
                        log::error!("the database is unavailable ({e}); submissions are answered 503 until it returns");
                        down = true;
                    }
                    // Everything waiting now would wait for the same missing database:
                    // answer it at once rather than one wait per batch.
                    while let Ok(j) = jobs.try_recv() {
                        batch.push(j);
                    }
                    let why = e.to_string();
                    for (_, _, _, reply) in batch {
                        let _ = reply.send(Err(StorageError::Unavailable(why.clone())));
                    }
                    continue;
                }
            },
        };
        if down {
            log::warn!("the database is back; storing submissions again");
            down = false;
        }
        let mut conn = conn;
        // A panic while committing fails this batch's callers only: the transaction
        // is abandoned (nothing of it is stored), the connection replaced, and the
        // writer goes on with the next batch.
        let committed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            commit(&mut conn, &mut batch, &fail_next, &mut windows)
        }));
        let results: Vec<Result<i64>> = match committed {
            Ok(Ok(results)) => {
                held = Some(conn);
                results
            }
            Ok(Err(e)) => {
                // The windows saw rows that were not stored: read them afresh. The
                // connection goes back to the pool, which drops it if it is broken and
                // tests it before anyone uses it again; the next batch takes another.
                windows = Windows::default();
                drop(conn);
                log::error!(
                    "the database refused a batch of {} response(s) ({e}); they were not stored, their senders were told to retry",
                    batch.len()
                );
                let msg = e.to_string();
                batch
                    .iter()
                    .map(|_| Err(StorageError::Unavailable(msg.clone())))
                    .collect()
            }
            Err(panic) => {
                windows = Windows::default();
                let why = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                log::error!(
                    "the database writer panicked while committing {} response(s) ({why}); they were not stored, their senders were told to retry",
                    batch.len()
                );
                // The abandoned connection may hold an open transaction: dropped while
                // its transaction state is broken, the pool discards it.
                drop(conn);
                batch
                    .iter()
                    .map(|_| Err(StorageError::WriterFailed))
                    .collect()
            }
        };
        for ((_, _, _, reply), res) in batch.into_iter().zip(results) {
            let _ = reply.send(res);
        }
    }
}

/// Commits one batch in one transaction and returns each response's outcome.
fn commit(
    conn: &mut PooledConnection<Manager>,
    batch: &mut [WriteJob],
    fail_next: &std::sync::atomic::AtomicBool,
    windows: &mut Windows,
) -> std::result::Result<Vec<Result<i64>>, diesel::result::Error> {
    use diesel::connection::Connection;
    let mut results: Vec<Result<i64>> = Vec::with_capacity(batch.len());
    let mut stored_ids = Vec::with_capacity(batch.len());
    conn.transaction::<_, diesel::result::Error, _>(|c| {
        results.clear();
        stored_ids.clear();
        // Take SQLite's write lock first: the batch reads before it writes, and two
        // processes that both read then try to write would deadlock on the upgrade
        // instead of waiting (busy_timeout only covers the first lock).
        // (A statement of the query builder, so it is prepared once, not parsed
        // every batch.)
        if let AnyConn::Sqlite(s) = &mut **c {
            diesel::update(definitions::table.filter(definitions::wave.eq(i32::MIN)))
                .set(definitions::wave.eq(definitions::wave))
                .execute(s)?;
        }
        let surveys: HashSet<&str> = batch
            .iter()
            .filter(|j| j.2.is_some() || windows.surveys.contains_key(&j.0.survey_id))
            .map(|j| j.0.survey_id.as_str())
            .collect();
        for s in surveys {
            windows.catch_up(c, s)?;
        }
        // In arrival order, so a batch sees itself.
        for (r, _, checks, _) in batch.iter_mut() {
            match *checks {
                Some(min_seconds) => r.quality_flags = windows.flags(r, min_seconds),
                None => windows.note(r),
            }
        }
        let plain: Vec<&NewResponse> = batch
            .iter()
            .filter(|j| j.1.is_none())
            .map(|j| &j.0)
            .collect();
        let mut stored = insert_many(c, &plain)?;
        for (r, invite, _, _) in batch.iter() {
            let res = match invite.as_deref() {
                // The first of a repeated key within the batch gets the row.
                None => stored
                    .remove(&r.submission_key)
                    .ok_or(StorageError::Duplicate),
                Some(h) => with_invite(c, r, h)?,
            };
            if let Ok(id) = res {
                stored_ids.push((r.survey_id.clone(), id));
            }
            results.push(res);
        }
        // The test hook: a failure after the rows were written, so a test can
        // prove nothing of the batch is kept.
        if fail_next.swap(false, std::sync::atomic::Ordering::SeqCst) {
            panic!("injected writer failure (test hook)");
        }
        Ok(())
    })?;
    let interleaved = interleaved(conn);
    for (survey, id) in &stored_ids {
        windows.stored(survey, *id, interleaved);
    }
    Ok(results)
}

/// Spends the invitation code and stores the row in one savepoint: both or neither.
fn with_invite(
    c: &mut AnyConn,
    r: &NewResponse,
    code_hash: &str,
) -> std::result::Result<Result<i64>, diesel::result::Error> {
    use diesel::connection::Connection;
    let mut res = Err(StorageError::Duplicate);
    let tx = c.transaction::<(), diesel::result::Error, _>(|c| {
        let spent = diesel::update(
            invites::table
                .filter(invites::code_hash.eq(code_hash))
                .filter(invites::survey_id.eq(&r.survey_id))
                .filter(invites::used_at.is_null()),
        )
        .set(invites::used_at.eq(r.submitted_at))
        .execute(c)?;
        if spent == 0 {
            let known: i64 = invites::table
                .filter(invites::code_hash.eq(code_hash))
                .filter(invites::survey_id.eq(&r.survey_id))
                .count()
                .get_result(c)?;
            res = Err(if known > 0 {
                StorageError::InviteUsed
            } else {
                StorageError::InviteInvalid
            });
            return Ok(());
        }
        match insert_many(c, &[r])?.remove(&r.submission_key) {
            Some(id) => {
                res = Ok(id);
                Ok(())
            }
            // A repeated key: give the code back.
            None => Err(diesel::result::Error::RollbackTransaction),
        }
    });
    match tx {
        Ok(()) | Err(diesel::result::Error::RollbackTransaction) => Ok(res),
        Err(e) => Err(e),
    }
}

/// Every column of a new response as `column = value`: NULLs are bound, not written
/// as DEFAULT, so the statement text never changes and Diesel reuses the prepared
/// statement (it showed up as parsing and planning in the load profile).
macro_rules! response_values {
    ($r:expr) => {
        (
            responses::survey_id.eq(&$r.survey_id),
            responses::definition_version.eq(&$r.definition_version),
            responses::wave.eq($r.wave),
            responses::collection_district.eq(&$r.collection_district),
            responses::collection_community.eq(&$r.collection_community),
            responses::district.eq(&$r.district),
            responses::channel.eq(&$r.channel),
            responses::status.eq(&$r.status),
            responses::started_at.eq($r.started_at),
            responses::submitted_at.eq($r.submitted_at),
            responses::answers.eq(&$r.answers),
            responses::source_hash.eq(&$r.source_hash),
            responses::device_hash.eq(&$r.device_hash),
            responses::submission_key.eq(&$r.submission_key),
            responses::quality_flags.eq(&$r.quality_flags),
            responses::pattern_hash.eq(&$r.pattern_hash),
            responses::interviewer.eq(&$r.interviewer),
            responses::intake.eq(&$r.intake),
            responses::residence_community.eq(&$r.residence_community),
            responses::residence_grid.eq(&$r.residence_grid),
        )
    };
}

/// Appends rows; returns the id of each stored row by its submission key (a repeated
/// key stores nothing and is not returned). PostgreSQL gets one multi-row INSERT per
/// chunk (one round trip instead of one per row). SQLite runs in-process, so round
/// trips cost nothing there, while a multi-row statement is parsed afresh every time
/// (its text changes with the row count): one cached single-row statement per row is
/// faster (measured with scripts/load.sh).
pub(super) fn insert_many(
    c: &mut AnyConn,
    rows: &[&NewResponse],
) -> std::result::Result<HashMap<String, i64>, diesel::result::Error> {
    let mut stored = HashMap::with_capacity(rows.len());
    match c {
        AnyConn::Sqlite(c) => {
            for r in rows {
                let id: Option<i64> = diesel::insert_into(responses::table)
                    .values(response_values!(r))
                    .on_conflict(responses::submission_key)
                    .do_nothing()
                    .returning(responses::id)
                    .get_result(c)
                    .optional()?;
                if let Some(id) = id {
                    stored.insert(r.submission_key.clone(), id);
                }
            }
        }
        AnyConn::Postgres(c) => {
            for chunk in rows.chunks(ROWS_PER_INSERT) {
                let values: Vec<_> = chunk.iter().map(|r| response_values!(r)).collect();
                let got: Vec<(i64, String)> = diesel::insert_into(responses::table)
                    .values(values)
                    .on_conflict(responses::submission_key)
                    .do_nothing()
                    .returning((responses::id, responses::submission_key))
                    .get_results(c)?;
                stored.extend(got.into_iter().map(|(id, k)| (k, id)));
            }
        }
    }
    Ok(stored)
}

/// Submissions per key within a sliding time window, bounded by [`WINDOW_CAP`].
struct Recent {
    minutes: i64,
    queue: VecDeque<(NaiveDateTime, u64)>,
    counts: HashMap<u64, u32>,
}

impl Recent {
    fn new(minutes: i64) -> Recent {
        Recent {
            minutes,
            queue: VecDeque::new(),
            counts: HashMap::new(),
        }
    }

    /// Drops what is older than the window before `now`.
    fn prune(&mut self, now: NaiveDateTime) {
        let since = now - chrono::Duration::minutes(self.minutes);
        while let Some(&(t, k)) = self.queue.front() {
            if t >= since && self.queue.len() <= WINDOW_CAP {
                break;
            }
            self.queue.pop_front();
            if let Some(n) = self.counts.get_mut(&k) {
                *n -= 1;
                if *n == 0 {
                    self.counts.remove(&k);
                }
            }
        }
    }

    /// Earlier submissions of `key` within the window before `now`.
    fn count(&mut self, now: NaiveDateTime, key: u64) -> u32 {
        self.prune(now);
        self.counts.get(&key).copied().unwrap_or(0)
    }

    fn push(&mut self, at: NaiveDateTime, key: u64) {
        self.queue.push_back((at, key));
        *self.counts.entry(key).or_default() += 1;
    }
}

fn key(parts: &[&str]) -> u64 {
    let mut h = DefaultHasher::new();
    parts.hash(&mut h);
    h.finish()
}

/// What a pattern is compared within: the same answers at the same collection point.
fn pattern_key(pattern: &str, district: &str, community: Option<&str>) -> u64 {
    key(&[pattern, district, community.unwrap_or("\u{0}")])
}

/// One survey's windows.
struct SurveyWindows {
    durations: VecDeque<f64>,
    sources: Recent,
    patterns: Recent,
    /// The highest id read from the database or stored here.
    last_id: i64,
    /// Ids this writer stored since the last read (already in the windows).
    own: HashSet<i64>,
}

#[derive(Default)]
struct Windows {
    surveys: HashMap<String, SurveyWindows>,
}

/// Whether rows of other writers can take ids below this writer's newest row after it
/// committed. PostgreSQL hands out sequence values before commit, so a slower
/// transaction elsewhere can commit a lower id later. SQLite serialises writers and
/// this one holds the lock from reading the windows to committing: every row below
/// its newest was committed before it, and was read.
fn interleaved(c: &AnyConn) -> bool {
    matches!(c, AnyConn::Postgres(_))
}

/// The columns the windows need of a stored row.
type WindowRow = (
    i64,
    String,
    Option<NaiveDateTime>,
    NaiveDateTime,
    String,
    String,
    String,
    Option<String>,
);

impl SurveyWindows {
    fn add(&mut self, row: WindowRow) {
        let (id, status, started, submitted, source, pattern, district, community) = row;
        self.last_id = self.last_id.max(id);
        if status == STATUS_COMPLETE {
            if let Some(s) = started {
                self.push_duration((submitted - s).num_milliseconds() as f64 / 1000.0);
            }
        }
        self.sources.push(submitted, key(&[&source]));
        self.patterns.push(
            submitted,
            pattern_key(&pattern, &district, community.as_deref()),
        );
    }

    fn push_duration(&mut self, d: f64) {
        if self.durations.len() == DURATIONS_KEPT {
            self.durations.pop_front();
        }
        self.durations.push_back(d);
    }
}

/// The window columns of a survey's rows after id `after`, oldest first, at most
/// `limit`.
fn rows_after(
    c: &mut AnyConn,
    survey: &str,
    after: i64,
    limit: i64,
) -> std::result::Result<Vec<WindowRow>, diesel::result::Error> {
    responses::table
        .filter(responses::survey_id.eq(survey))
        .filter(responses::id.gt(after))
        .order(responses::id.asc())
        .limit(limit)
        .select(WINDOW_COLUMNS)
        .load(c)
}

const WINDOW_COLUMNS: (
    responses::id,
    responses::status,
    responses::started_at,
    responses::submitted_at,
    responses::source_hash,
    responses::pattern_hash,
    responses::collection_district,
    responses::collection_community,
) = (
    responses::id,
    responses::status,
    responses::started_at,
    responses::submitted_at,
    responses::source_hash,
    responses::pattern_hash,
    responses::collection_district,
    responses::collection_community,
);

/// The newest rows submitted since `since`, oldest first, at most [`WINDOW_CAP`]: read
/// backwards by id a page at a time until a page reaches back before `since` (ids
/// follow submission order closely enough; no index on the time is kept for this).
fn rows_since(
    c: &mut AnyConn,
    survey: &str,
    since: NaiveDateTime,
) -> std::result::Result<Vec<WindowRow>, diesel::result::Error> {
    let mut out: Vec<WindowRow> = Vec::new();
    let mut below = i64::MAX;
    loop {
        let page: Vec<WindowRow> = responses::table
            .filter(responses::survey_id.eq(survey))
            .filter(responses::id.lt(below))
            .order(responses::id.desc())
            .limit(5_000)
            .select(WINDOW_COLUMNS)
            .load(c)?;
        let Some(last) = page.last() else { break };
        below = last.0;
        let older = page.iter().any(|r| r.3 < since);
        out.extend(page.into_iter().filter(|r| r.3 >= since));
        if older || out.len() >= WINDOW_CAP {
            break;
        }
    }
    out.truncate(WINDOW_CAP);
    out.reverse();
    Ok(out)
}

impl Windows {
    /// Brings a survey's windows up to date with the database: filled on first use,
    /// then only the rows stored since by others.
    fn catch_up(
        &mut self,
        c: &mut AnyConn,
        survey: &str,
    ) -> std::result::Result<(), diesel::result::Error> {
        match self.surveys.get_mut(survey) {
            Some(w) => {
                let own = std::mem::take(&mut w.own);
                for row in rows_after(c, survey, w.last_id, WINDOW_CAP as i64)? {
                    if !own.contains(&row.0) {
                        w.add(row);
                    } else {
                        w.last_id = w.last_id.max(row.0);
                    }
                }
            }
            None => {
                let mut w = SurveyWindows {
                    durations: VecDeque::new(),
                    sources: Recent::new(quality::BURST_WINDOW_MINUTES),
                    patterns: Recent::new(quality::PATTERN_WINDOW_MINUTES),
                    last_id: 0,
                    own: HashSet::new(),
                };
                // The newest rows, at most a window's worth, oldest first into the
                // windows (pruning goes by time).
                let since = chrono::Utc::now().naive_utc()
                    - chrono::Duration::minutes(
                        quality::BURST_WINDOW_MINUTES.max(quality::PATTERN_WINDOW_MINUTES),
                    );
                for (_, _, _, submitted, source, pattern, district, community) in
                    rows_since(c, survey, since)?
                {
                    w.sources.push(submitted, key(&[&source]));
                    w.patterns.push(
                        submitted,
                        pattern_key(&pattern, &district, community.as_deref()),
                    );
                }
                let max: Option<i64> = responses::table
                    .filter(responses::survey_id.eq(survey))
                    .select(diesel::dsl::max(responses::id))
                    .first(c)?;
                w.last_id = max.unwrap_or(0);
                let durations: Vec<f64> = durations(c, survey)?;
                for d in durations {
                    w.push_duration(d);
                }
                self.surveys.insert(survey.to_string(), w);
            }
        }
        Ok(())
    }

    /// Counts a new response that takes no history flags (an interview, say).
    fn note(&mut self, r: &NewResponse) {
        if let Some(w) = self.surveys.get_mut(&r.survey_id) {
            w.sources.push(r.submitted_at, key(&[&r.source_hash]));
            w.patterns.push(
                r.submitted_at,
                pattern_key(
                    &r.pattern_hash,
                    &r.collection_district,
                    r.collection_community.as_deref(),
                ),
            );
            if r.status == STATUS_COMPLETE {
                if let Some(s) = r.started_at {
                    w.push_duration((r.submitted_at - s).num_milliseconds() as f64 / 1000.0);
                }
            }
        }
    }

    /// The history flags of a new response (and its own), counting it in the windows
    /// so the rest of the batch sees it.
    fn flags(&mut self, r: &NewResponse, min_seconds: Option<u32>) -> String {
        let Some(w) = self.surveys.get_mut(&r.survey_id) else {
            return r.quality_flags.clone();
        };
        let mut flags: Vec<&str> = Vec::new();
        let seconds = r
            .started_at
            .map(|s| (r.submitted_at - s).num_milliseconds() as f64 / 1000.0);
        let recent: Vec<f64> = w.durations.iter().copied().collect();
        if quality::too_fast(min_seconds, seconds, &recent) {
            flags.push(quality::TOO_FAST);
        }
        if !r.quality_flags.is_empty() {
            flags.push(&r.quality_flags);
        }
        let now = r.submitted_at;
        let source = key(&[&r.source_hash]);
        if w.sources.count(now, source) as i64 >= quality::BURST_LIMIT {
            flags.push(quality::SOURCE_BURST);
        }
        let pattern = pattern_key(
            &r.pattern_hash,
            &r.collection_district,
            r.collection_community.as_deref(),
        );
        if w.patterns.count(now, pattern) as i64 >= quality::PATTERN_LIMIT {
            flags.push(quality::REPEATED_PATTERN);
        }
        w.sources.push(now, source);
        w.patterns.push(now, pattern);
        if r.status == STATUS_COMPLETE {
            if let Some(s) = seconds {
                w.push_duration(s);
            }
        }
        flags.join(",")
    }

    /// A row this writer committed (its windows already count it): skipped when read
    /// back, or where ids cannot interleave, not read back at all.
    fn stored(&mut self, survey: &str, id: i64, interleaved: bool) {
        if let Some(w) = self.surveys.get_mut(survey) {
            if interleaved {
                w.own.insert(id);
            } else {
                w.last_id = w.last_id.max(id);
            }
        }
    }
}

/// The newest completion times of a survey, oldest first.
fn durations(
    c: &mut AnyConn,
    survey: &str,
) -> std::result::Result<Vec<f64>, diesel::result::Error> {
    let rows: Vec<(Option<NaiveDateTime>, NaiveDateTime)> = responses::table
        .filter(responses::survey_id.eq(survey))
        .filter(responses::status.eq(STATUS_COMPLETE))
        .filter(responses::started_at.is_not_null())
        .order(responses::id.desc())
        .limit(DURATIONS_KEPT as i64)
        .select((responses::started_at, responses::submitted_at))
        .load(c)?;
    Ok(rows
        .into_iter()
        .rev()
        .filter_map(|(s, e)| s.map(|s| (e - s).num_milliseconds() as f64 / 1000.0))
        .collect())
}
