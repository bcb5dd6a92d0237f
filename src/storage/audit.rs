//! The audit log, hash-chained: each row carries the SHA-256 of the previous row's hash
//! and its own content, so a row altered or removed by someone with access to the
//! database file (the triggers stop everyone else) breaks the chain at the next row.
//! Appends are serialised (SQLite's write lock taken at the start; a PostgreSQL
//! transaction-scoped advisory lock), so several servers on one database extend one
//! chain.

use chrono::{NaiveDateTime, Timelike, Utc};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::conn::AnyConn;
use super::error::Result;
use super::schema::audit_log;
use super::store::Store;

/// One line of the audit log.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

/// What the chain check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Rows in the log.
    pub rows: u64,
    /// Rows written before the chain began (by a version without it), at the start.
    pub before_chain: u64,
    /// The first row that does not continue the chain, if any.
    pub first_break: Option<ChainBreak>,
    /// The last row and its hash: written down elsewhere (a paper log, another
    /// system), it also shows whether rows were cut off the end.
    pub head: Option<(i64, String)>,
}

impl ChainReport {
    pub fn is_intact(&self) -> bool {
        self.first_break.is_none()
    }
}

/// The first row at which the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub id: i64,
    pub why: BreakKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakKind {
    /// Its hash is not that of its content and the row before it: this row was
    /// altered, or a row before it was removed or altered.
    Mismatch,
    /// It has no hash though rows before it have one: written around minyi.
    Missing,
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.why {
            BreakKind::Mismatch => write!(
                f,
                "audit log row {} does not continue the chain: it, or a row before it, was altered or removed outside minyi",
                self.id
            ),
            BreakKind::Missing => write!(
                f,
                "audit log row {} has no chain hash though earlier rows have one: it was written outside minyi",
                self.id
            ),
        }
    }
}

/// The hash of a row: SHA-256 over the previous hash and each field, every part
/// length-prefixed so no two rows' contents run together the same way.
fn chain_hash(prev: &str, at: &NaiveDateTime, actor: &str, action: &str, detail: &str) -> String {
    let mut h = Sha256::new();
    let at = at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string();
    for part in [prev, at.as_str(), actor, action, detail] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Now, to the microsecond: what PostgreSQL keeps of a timestamp, so the hash of the
/// stored row is the hash computed before it was stored.
fn now_micros() -> NaiveDateTime {
    let now = Utc::now().naive_utc();
    now.with_nanosecond(now.nanosecond() / 1000 * 1000)
        .unwrap_or(now)
}

/// Rows read at a time by the check.
const PAGE: i64 = 1000;

impl Store {
    /// Appends to the audit log, extending the chain.
    pub fn audit(&self, actor: &str, action: &str, detail: &str) -> Result<()> {
        let at = now_micros();
        macro_rules! append {
            ($c:expr) => {{
                let prev: Option<Option<String>> = audit_log::table
                    .order(audit_log::id.desc())
                    .select(audit_log::hash)
                    .first($c)
                    .optional()?;
                let hash = chain_hash(
                    prev.flatten().as_deref().unwrap_or(""),
                    &at,
                    actor,
                    action,
                    detail,
                );
                diesel::insert_into(audit_log::table)
                    .values((
                        audit_log::at.eq(at),
                        audit_log::actor.eq(actor),
                        audit_log::action.eq(action),
                        audit_log::detail.eq(detail),
                        audit_log::hash.eq(hash),
                    ))
                    .execute($c)?;
                Ok::<_, diesel::result::Error>(())
            }};
        }
        let mut c = self.conn()?;
        match &mut *c {
            AnyConn::Sqlite(c) => c.immediate_transaction(|c| append!(c))?,
            AnyConn::Postgres(c) => c.transaction(|c| {
                diesel::sql_query("SELECT pg_advisory_xact_lock(727101)").execute(c)?;
                append!(c)
            })?,
        }
        Ok(())
    }

    /// The latest audit entries, newest first.
    pub fn audit_log(&self, limit: i64) -> Result<Vec<AuditRow>> {
        let mut c = self.conn()?;
        Ok(audit_log::table
            .order(audit_log::id.desc())
            .limit(limit)
            .select(AuditRow::as_select())
            .load(&mut c)?)
    }

    /// Walks the audit log in order and recomputes every hash: where the chain breaks
    /// first, how many rows precede it, and its head.
    pub fn audit_chain(&self) -> Result<ChainReport> {
        type Row = (i64, NaiveDateTime, String, String, String, Option<String>);
        let mut c = self.conn()?;
        let mut report = ChainReport {
            rows: 0,
            before_chain: 0,
            first_break: None,
            head: None,
        };
        let mut prev: Option<String> = None;
        let mut after = i64::MIN;
        loop {
            let page: Vec<Row> = audit_log::table
                .filter(audit_log::id.gt(after))
                .order(audit_log::id.asc())
                .limit(PAGE)
                .select((
                    audit_log::id,
                    audit_log::at,
                    audit_log::actor,
                    audit_log::action,
                    audit_log::detail,
                    audit_log::hash,
                ))
                .load(&mut c)?;
            let Some(last) = page.last() else { break };
            after = last.0;
            for (id, at, actor, action, detail, hash) in page {
                report.rows += 1;
                let why = match (&prev, hash) {
                    (None, None) => {
                        report.before_chain += 1;
                        continue;
                    }
                    (Some(_), None) => Some(BreakKind::Missing),
                    (p, Some(h)) => {
                        let expected =
                            chain_hash(p.as_deref().unwrap_or(""), &at, &actor, &action, &detail);
                        let ok = expected == h;
                        report.head = Some((id, h.clone()));
                        prev = Some(h);
                        (!ok).then_some(BreakKind::Mismatch)
                    }
                };
                if report.first_break.is_none() {
                    report.first_break = why.map(|why| ChainBreak { id, why });
                }
            }
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_765_000_000, 123_456_000)
            .map(|d| d.naive_utc())
            .unwrap_or_default()
    }

    #[test]
    fn a_hash_depends_on_every_field_and_the_previous_hash() {
        let base = chain_hash("p", &at(), "ann", "login", "ok");
        assert_ne!(base, chain_hash("q", &at(), "ann", "login", "ok"));
        assert_ne!(base, chain_hash("p", &at(), "anne", "login", "ok"));
        assert_ne!(base, chain_hash("p", &at(), "ann", "logout", "ok"));
        assert_ne!(base, chain_hash("p", &at(), "ann", "login", "ok!"));
        // Moving a character from one field to the next is a different row.
        assert_ne!(base, chain_hash("p", &at(), "an", "nlogin", "ok"));
        assert_eq!(base.len(), 64);
    }
}
