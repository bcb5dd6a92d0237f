//! The dashboard's saved aggregates: one row per survey, replaced as a whole.

use chrono::Utc;
use diesel::prelude::*;

use super::error::Result;
use super::schema::dashboard_snapshots;
use super::store::Store;

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

impl Store {
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
}
