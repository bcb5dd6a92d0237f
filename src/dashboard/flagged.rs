//! The data-quality panel: counts per flag, and the newest flagged or superseded
//! responses.

use chrono::{Local, TimeZone};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

use super::error::DashboardError;
use super::scope::Scope;
use super::view::Loaded;
use crate::definition::Survey;
use crate::stats::tally::Key;
use crate::storage::{Store, StoredResponse};

/// One flagged or superseded response for the data-quality panel.
#[derive(Debug, Clone, Serialize)]
pub struct FlaggedRow {
    pub id: i64,
    pub submitted_at: String,
    pub district: String,
    pub collection_point: String,
    pub channel: String,
    pub flags: Vec<String>,
}

/// How many flagged rows the quality panel lists (the counts cover all of them).
pub const FLAGGED_LISTED: i64 = 500;

/// Flagged and superseded complete responses of a scope: counts per flag over every
/// wave, and the newest [`FLAGGED_LISTED`] of them.
pub fn flagged(
    store: &Store,
    survey: &Survey,
    loaded: &Loaded,
    scope: Scope<'_>,
) -> Result<(BTreeMap<String, usize>, Vec<FlaggedRow>), DashboardError> {
    let di = scope
        .district()
        .and_then(|d| survey.districts.iter().position(|x| x.code == d));
    let keep = |k: &Key| di.is_none_or(|d| k.district as usize == d);
    let by_flag = loaded.tally.exclusions(&keep).by_flag;
    let superseded: HashSet<i64> = loaded.superseded.iter().map(|s| s.0).collect();
    let rows = store
        .flagged_responses(&survey.id, scope.district(), FLAGGED_LISTED)?
        .into_iter()
        .map(|r| {
            let mut flags: Vec<String> = r
                .quality_flags
                .split(',')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .map(str::to_string)
                .collect();
            if superseded.contains(&r.id) {
                flags.push(crate::quality::SUPERSEDED.into());
            }
            flagged_row(r, flags)
        })
        .collect();
    Ok((by_flag, rows))
}

fn flagged_row(r: StoredResponse, flags: Vec<String>) -> FlaggedRow {
    FlaggedRow {
        id: r.id,
        submitted_at: Local
            .from_utc_datetime(&r.submitted_at)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        collection_point: match &r.collection_community {
            Some(c) => format!("{}/{}", r.collection_district, c),
            None => r.collection_district.clone(),
        },
        district: r.district,
        channel: r.channel,
        flags,
    }
}
