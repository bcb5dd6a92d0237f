//! Responses: appended through the writer, read back in pages, never changed. A
//! supersession is a row of its own that says why a response no longer counts.

use chrono::Utc;
use diesel::prelude::*;

use super::error::{Result, StorageError};
use super::rows::{NewResponse, StoredResponse, STATUS_COMPLETE};
use super::schema::{responses, supersessions};
use super::store::Store;
use super::writer::{self, AnswerIndex, WriteJob};
use crate::quality::HistoryCheck;

impl Store {
    /// Appends a response, once it is durable. A repeated `submission_key` is
    /// `StorageError::Duplicate` and stores nothing. An invitation code (by hash) is
    /// spent in the same transaction; an unknown or used code stores nothing. With
    /// `checks`, the writer adds the quality flags that count earlier responses (too
    /// fast, bursts from one source, repeated patterns).
    pub fn insert_response(
        &self,
        r: NewResponse,
        invite_hash: Option<&str>,
        checks: Option<HistoryCheck>,
        index: Option<AnswerIndex>,
    ) -> Result<i64> {
        self.enqueue(r, invite_hash, checks, index)?
            .blocking_recv()
            .map_err(|_| writer_gone())?
    }

    /// As [`Store::insert_response`], for async callers: the task waits for the commit
    /// without holding a thread.
    pub async fn insert_response_async(
        &self,
        r: NewResponse,
        invite_hash: Option<String>,
        checks: Option<HistoryCheck>,
        index: Option<AnswerIndex>,
    ) -> Result<i64> {
        let rx = self.enqueue(r, invite_hash.as_deref(), checks, index)?;
        rx.await.map_err(|_| writer_gone())?
    }

    fn enqueue(
        &self,
        r: NewResponse,
        invite_hash: Option<&str>,
        checks: Option<HistoryCheck>,
        index: Option<AnswerIndex>,
    ) -> Result<tokio::sync::oneshot::Receiver<Result<i64>>> {
        let (reply, rx) = tokio::sync::oneshot::channel();
        self.writer
            .send(WriteJob {
                response: r,
                invite_hash: invite_hash.map(str::to_string),
                checks,
                index,
                reply,
            })
            .map_err(|_| writer_gone())?;
        Ok(rx)
    }

    /// Appends many responses at once, outside the writer (`minyi demo`), each with
    /// its open answer for the index: one transaction, multi-row INSERTs. Returns how
    /// many were stored (repeated keys are not). Quality flags are taken as given.
    pub fn insert_batch(&self, rows: &[(NewResponse, Option<AnswerIndex>)]) -> Result<usize> {
        use diesel::connection::Connection;
        let mut c = self.conn()?;
        let refs: Vec<&NewResponse> = rows.iter().map(|r| &r.0).collect();
        Ok(c.transaction(|c| {
            let stored = writer::insert_many(c, &refs)?;
            let indexed: Vec<writer::Entry<'_>> = rows
                .iter()
                .filter_map(|(r, a)| {
                    let id = *stored.get(&r.submission_key)?;
                    Some(writer::Entry::new(id, r, a.as_ref()?))
                })
                .collect();
            writer::index(c, &indexed)?;
            Ok::<_, diesel::result::Error>(stored.len())
        })?)
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

    /// Every household-sample interview of a survey (responses with a drawn
    /// household), oldest first: few beside the QR responses, read through their own
    /// partial index.
    pub fn household_responses(&self, survey_id: &str) -> Result<Vec<StoredResponse>> {
        let mut c = self.conn()?;
        // Sorted here: ORDER BY id in SQL would make SQLite walk every response of the
        // survey by id (0.4 s at a million) instead of the few in the partial index.
        let mut rows: Vec<StoredResponse> = responses::table
            .filter(responses::survey_id.eq(survey_id))
            .filter(responses::household_id.is_not_null())
            .select(StoredResponse::as_select())
            .load(&mut c)?;
        rows.sort_unstable_by_key(|r| r.id);
        Ok(rows)
    }

    /// What the household sample's figures and status depend on, as a key that changes
    /// when they may: its interviews (count, newest id), visits (count, newest id), draws
    /// (newest id), supersessions (count, of all surveys) and assignments (newest id).
    pub fn household_sample_version(&self, survey_id: &str) -> Result<[i64; 7]> {
        use super::schema::{household_visits, sample_assignments, sample_draws, supersessions};
        use diesel::dsl::{count_star, max};
        let mut c = self.conn()?;
        let (n, last): (i64, Option<i64>) = responses::table
            .filter(responses::survey_id.eq(survey_id))
            .filter(responses::household_id.is_not_null())
            .select((count_star(), max(responses::id)))
            .first(&mut c)?;
        let (visits, last_visit): (i64, Option<i64>) = household_visits::table
            .filter(household_visits::survey_id.eq(survey_id))
            .select((count_star(), max(household_visits::id)))
            .first(&mut c)?;
        let draw: Option<i64> = sample_draws::table
            .filter(sample_draws::survey_id.eq(survey_id))
            .select(max(sample_draws::id))
            .first(&mut c)?;
        // Every survey's (few): a supersession anywhere only costs a recomputation.
        let superseded: i64 = supersessions::table.count().get_result(&mut c)?;
        let assigned: Option<i64> = sample_assignments::table
            .filter(sample_assignments::survey_id.eq(survey_id))
            .select(max(sample_assignments::id))
            .first(&mut c)?;
        Ok([
            n,
            last.unwrap_or(0),
            visits,
            last_visit.unwrap_or(0),
            draw.unwrap_or(0),
            superseded,
            assigned.unwrap_or(0),
        ])
    }

    /// Sets stored answers masked with the current rules (`minyi redact`): each
    /// change is recorded in `redactions` first (its masked text, the kinds found, who
    /// and when), and only then may the response's answers become exactly that text —
    /// the database refuses any other update. The one change ever made to a stored
    /// response; `changes` are (response id, masked answers, kinds).
    pub fn redact(
        &self,
        changes: &[(i64, String, String, Option<AnswerIndex>)],
        by: &str,
    ) -> Result<usize> {
        use super::schema::redactions;
        use diesel::connection::Connection;
        let mut c = self.conn()?;
        let now = Utc::now().naive_utc();
        for chunk in changes.chunks(500) {
            c.transaction::<_, diesel::result::Error, _>(|c| {
                for (id, answers, kinds, index) in chunk {
                    diesel::insert_into(redactions::table)
                        .values((
                            redactions::response_id.eq(id),
                            redactions::answers.eq(answers),
                            redactions::kinds.eq(kinds),
                            redactions::redacted_at.eq(now),
                            redactions::redacted_by.eq(by),
                        ))
                        .execute(c)?;
                    diesel::update(responses::table.filter(responses::id.eq(id)))
                        .set(responses::answers.eq(answers))
                        .execute(c)?;
                    writer::reindex(c, *id, index.as_ref())?;
                }
                Ok(())
            })?;
        }
        Ok(changes.len())
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

    /// How many responses a survey has (every status).
    pub fn count_responses(&self, survey_id: &str) -> Result<i64> {
        let mut c = self.conn()?;
        Ok(responses::table
            .filter(responses::survey_id.eq(survey_id))
            .count()
            .get_result(&mut c)?)
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

    /// Makes the writer panic while committing its next batch, after writing the rows
    /// (a test proves the batch's senders get an error, nothing is kept, and the writer
    /// goes on). Only with the `test-hooks` feature, which `cargo test` turns on.
    #[cfg(feature = "test-hooks")]
    pub fn fail_next_batch(&self) {
        self.hooks.fail_next_batch();
    }
}

fn writer_gone() -> StorageError {
    StorageError::Migration("the database writer has stopped; restart minyi".into())
}
