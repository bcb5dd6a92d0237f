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
//!
//! Each response's open answer goes into the voices page's index (`answer_words`) in
//! the same transaction, with the words its caller segmented.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::r2d2::{Pool, PooledConnection};
use std::collections::{HashMap, HashSet};

use super::conn::{AnyConn, Manager};
use super::error::{Result, StorageError};
use super::rows::{NewResponse, STATUS_COMPLETE};
use super::schema::{answer_words, definitions, invites, responses};
use crate::quality::{self, Arrival, History, HistoryCheck};

/// A response for the writer and where to send its outcome (a oneshot channel an
/// async caller can await and a blocking caller can wait on).
pub(super) struct WriteJob {
    pub response: NewResponse,
    /// The hash of its invitation code, spent in the same transaction.
    pub invite_hash: Option<String>,
    /// Whether to add the flags that count earlier responses.
    pub checks: Option<HistoryCheck>,
    /// Its open answer for the voices page's index, written with it.
    pub index: Option<AnswerIndex>,
    pub reply: tokio::sync::oneshot::Sender<Result<i64>>,
}

/// Failure injection for tests: present only with the `test-hooks` feature, so a
/// release build carries no switch that makes the writer fail.
#[derive(Clone, Default)]
pub(super) struct Hooks {
    #[cfg(feature = "test-hooks")]
    fail_next: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Hooks {
    /// The writer panics in its next batch, after writing its rows.
    #[cfg(feature = "test-hooks")]
    pub fn fail_next_batch(&self) {
        self.fail_next
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Called after a batch's rows are written and before they commit.
    fn before_commit(&self) {
        #[cfg(feature = "test-hooks")]
        if self
            .fail_next
            .swap(false, std::sync::atomic::Ordering::SeqCst)
        {
            panic!("injected writer failure (test hook)");
        }
    }
}

/// Most responses committed in one transaction.
const BATCH: usize = 256;

/// Rows per multi-row INSERT on PostgreSQL: 20 columns each, well under its 65,535
/// bound parameters per statement.
const ROWS_PER_INSERT: usize = 500;

pub(super) fn run_writer(
    pool: Pool<Manager>,
    jobs: std::sync::mpsc::Receiver<WriteJob>,
    hooks: Hooks,
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
                    for job in batch {
                        let _ = job.reply.send(Err(StorageError::Unavailable(why.clone())));
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
            commit(&mut conn, &mut batch, &hooks, &mut windows)
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
        for (job, res) in batch.into_iter().zip(results) {
            let _ = job.reply.send(res);
        }
    }
}

/// Commits one batch in one transaction and returns each response's outcome.
fn commit(
    conn: &mut PooledConnection<Manager>,
    batch: &mut [WriteJob],
    hooks: &Hooks,
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
            .filter(|j| j.checks.is_some() || windows.surveys.contains_key(&j.response.survey_id))
            .map(|j| j.response.survey_id.as_str())
            .collect();
        for s in surveys {
            windows.catch_up(c, s)?;
        }
        // In arrival order, so a batch sees itself.
        for job in batch.iter_mut() {
            let r = &mut job.response;
            match job.checks {
                Some(check) => r.quality_flags = windows.flags(r, check),
                None => windows.note(r),
            }
        }
        let plain: Vec<&NewResponse> = batch
            .iter()
            .filter(|j| j.invite_hash.is_none())
            .map(|j| &j.response)
            .collect();
        let mut stored = insert_many(c, &plain)?;
        for job in batch.iter() {
            let r = &job.response;
            let res = match job.invite_hash.as_deref() {
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
        let indexed: Vec<Entry<'_>> = batch
            .iter()
            .zip(&results)
            .filter_map(|(job, res)| {
                let id = *res.as_ref().ok()?;
                Some(Entry::new(id, &job.response, job.index.as_ref()?))
            })
            .collect();
        index(c, &indexed)?;
        // After the rows were written, so a test can prove nothing of the batch is kept.
        hooks.before_commit();
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
                    .values(*r)
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
                let got: Vec<(i64, String)> = diesel::insert_into(responses::table)
                    .values(chunk.to_vec())
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

/// One survey's history, and how far the database has been read into it.
struct SurveyWindows {
    history: History,
    /// The highest id read from the database or stored here.
    last_id: i64,
    /// Ids this writer stored since the last read (already in the history).
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

/// The columns the history needs of a stored row.
#[derive(Queryable, Selectable)]
#[diesel(table_name = responses)]
struct WindowRow {
    id: i64,
    status: String,
    started_at: Option<NaiveDateTime>,
    submitted_at: NaiveDateTime,
    source_hash: String,
    pattern_hash: String,
    collection_district: String,
    collection_community: Option<String>,
    interviewer: Option<String>,
    ended_at: Option<NaiveDateTime>,
}

/// What the history rules know of a row: a stored one ([`WindowRow`]) or a new one
/// ([`NewResponse`]), which name their columns alike.
macro_rules! arrival {
    ($r:expr) => {
        Arrival {
            submitted_at: $r.submitted_at,
            started_at: $r.started_at,
            complete: $r.status == STATUS_COMPLETE,
            source_hash: &$r.source_hash,
            pattern_hash: &$r.pattern_hash,
            collection_district: &$r.collection_district,
            collection_community: $r.collection_community.as_deref(),
            interview: $r.interviewer.is_some(),
            ended_at: $r.ended_at,
        }
    };
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
        .select(WindowRow::as_select())
        .load(c)
}

/// The newest rows submitted since `since`, oldest first, at most a window's cap: read
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
            .select(WindowRow::as_select())
            .load(c)?;
        let Some(last) = page.last() else { break };
        below = last.id;
        let older = page.iter().any(|r| r.submitted_at < since);
        out.extend(page.into_iter().filter(|r| r.submitted_at >= since));
        if older || out.len() >= quality::WINDOW_CAP {
            break;
        }
    }
    out.truncate(quality::WINDOW_CAP);
    out.reverse();
    Ok(out)
}

impl Windows {
    /// Brings a survey's history up to date with the database: filled on first use,
    /// then only the rows stored since by others.
    fn catch_up(
        &mut self,
        c: &mut AnyConn,
        survey: &str,
    ) -> std::result::Result<(), diesel::result::Error> {
        match self.surveys.get_mut(survey) {
            Some(w) => {
                let own = std::mem::take(&mut w.own);
                for row in rows_after(c, survey, w.last_id, quality::WINDOW_CAP as i64)? {
                    w.last_id = w.last_id.max(row.id);
                    if !own.contains(&row.id) {
                        w.history.note(&arrival!(row));
                    }
                }
            }
            None => {
                let mut history = History::default();
                // The newest rows, at most a window's worth, oldest first (pruning goes
                // by time); completion times come from their own read below.
                let since = History::horizon(chrono::Utc::now().naive_utc());
                for row in rows_since(c, survey, since)? {
                    history.note_place(&arrival!(row));
                }
                for d in durations(c, survey)? {
                    history.note_duration(d);
                }
                let max: Option<i64> = responses::table
                    .filter(responses::survey_id.eq(survey))
                    .select(diesel::dsl::max(responses::id))
                    .first(c)?;
                self.surveys.insert(
                    survey.to_string(),
                    SurveyWindows {
                        history,
                        last_id: max.unwrap_or(0),
                        own: HashSet::new(),
                    },
                );
            }
        }
        Ok(())
    }

    /// Counts a new response that takes no history flags (an interview, say).
    fn note(&mut self, r: &NewResponse) {
        if let Some(w) = self.surveys.get_mut(&r.survey_id) {
            w.history.note(&arrival!(r));
        }
    }

    /// The history flags of a new response (and its own), counting it in the history
    /// so the rest of the batch sees it.
    fn flags(&mut self, r: &NewResponse, check: HistoryCheck) -> String {
        match self.surveys.get_mut(&r.survey_id) {
            Some(w) => w.history.flags(&arrival!(r), check, &r.quality_flags),
            None => r.quality_flags.clone(),
        }
    }

    /// A row this writer committed (its history already counts it): skipped when read
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
        .limit(quality::DURATIONS_KEPT as i64)
        .select((responses::started_at, responses::submitted_at))
        .load(c)?;
    Ok(rows
        .into_iter()
        .rev()
        .filter_map(|(s, e)| s.map(|s| (e - s).num_milliseconds() as f64 / 1000.0))
        .collect())
}

// The voices page's index of open answers, written with the responses (reads are in
// `answers.rs`).

/// What the index keeps of a response's open answer (the caller segments it: storage
/// knows no questions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerIndex {
    question: String,
    /// The answer as stored (masked at intake).
    answer: String,
    /// Its words in order, each between single spaces (as the index row keeps them).
    words: String,
}

impl AnswerIndex {
    /// Made where the answer was segmented, so the writer's thread only binds it.
    pub fn new(question: &str, words: &[&str], answer: &str) -> AnswerIndex {
        AnswerIndex {
            question: question.to_string(),
            answer: answer.to_string(),
            words: spaced(words),
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = answer_words)]
struct NewAnswerWords<'a> {
    response_id: i64,
    survey_id: &'a str,
    question: &'a str,
    district: &'a str,
    community: Option<&'a str>,
    answer: &'a str,
    words: &'a str,
}

/// A stored response's answer to index.
pub(super) struct Entry<'a> {
    pub id: i64,
    pub survey_id: &'a str,
    pub district: &'a str,
    pub community: Option<&'a str>,
    pub answer: &'a AnswerIndex,
}

impl<'a> Entry<'a> {
    pub fn new(id: i64, r: &'a NewResponse, answer: &'a AnswerIndex) -> Entry<'a> {
        Entry {
            id,
            survey_id: &r.survey_id,
            district: &r.district,
            community: r.residence_community.as_deref(),
            answer,
        }
    }
}

/// Indexes stored responses: a response already indexed is left as it is.
pub(super) fn index(
    c: &mut AnyConn,
    entries: &[Entry<'_>],
) -> std::result::Result<(), diesel::result::Error> {
    let rows: Vec<NewAnswerWords<'_>> = entries
        .iter()
        .map(|e| NewAnswerWords {
            response_id: e.id,
            survey_id: e.survey_id,
            question: &e.answer.question,
            district: e.district,
            community: e.community,
            answer: &e.answer.answer,
            words: &e.answer.words,
        })
        .collect();
    match c {
        // One cached single-row statement per row (see `writer::insert_many`).
        AnyConn::Sqlite(c) => {
            for row in &rows {
                diesel::insert_into(answer_words::table)
                    .values(row)
                    .on_conflict(answer_words::response_id)
                    .do_nothing()
                    .execute(c)?;
            }
        }
        AnyConn::Postgres(c) => {
            // 7 parameters a row: the responses' chunks are well within the bound.
            for chunk in rows.chunks(ROWS_PER_INSERT) {
                diesel::insert_into(answer_words::table)
                    .values(chunk)
                    .on_conflict(answer_words::response_id)
                    .do_nothing()
                    .execute(c)?;
            }
        }
    }
    Ok(())
}

/// Rewrites the index row of a response whose answers were redacted (when it has
/// one): the old words go in the same transaction as the old text.
pub(super) fn reindex(
    c: &mut AnyConn,
    id: i64,
    answer: Option<&AnswerIndex>,
) -> std::result::Result<(), diesel::result::Error> {
    let row = answer_words::table.filter(answer_words::response_id.eq(id));
    match answer {
        Some(a) => diesel::update(row)
            .set((
                answer_words::answer.eq(&a.answer),
                answer_words::words.eq(&a.words),
            ))
            .execute(c)?,
        None => diesel::delete(row).execute(c)?,
    };
    Ok(())
}

fn spaced(words: &[&str]) -> String {
    let mut s = String::with_capacity(words.iter().map(|w| w.len() + 1).sum::<usize>() + 1);
    s.push(' ');
    for w in words {
        // A word never holds a space (jieba's tokens of letters only); one would split.
        w.split(' ').for_each(|part| s.push_str(part));
        s.push(' ');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_kept_between_single_spaces() {
        assert_eq!(spaced(&["路灯", "不亮"]), " 路灯 不亮 ");
    }
}
