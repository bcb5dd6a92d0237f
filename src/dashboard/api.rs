//! The figures as JSON: the live summary an open page refreshes, and the estimates of
//! one domain for other office systems.

use super::error::DashboardError;
use super::scope::{in_district, Scope};
use super::view::{Counts, Figures, PLACE_DOMAINS};
use crate::definition::Survey;
use crate::stats;

/// Live figures for an open page: per-district counts and the headline rates of the
/// scope (a district's own figures and its communities'; or the city's and districts').
pub fn summary(survey: &Survey, fig: &Figures, scope: Scope<'_>) -> serde_json::Value {
    let counts: Vec<&Counts> = fig
        .counts
        .iter()
        .filter(|c| scope.covers(&c.district))
        .collect();
    let estimates: Vec<&stats::Estimate> = match scope {
        Scope::City => fig.report.iter().flat_map(|r| r.estimates.iter()).collect(),
        // A district's own figures and those of its streets, communities, grids and
        // collection points.
        Scope::District(d) => fig
            .of_domain(survey, "district")
            .chain(PLACE_DOMAINS.iter().flat_map(|p| fig.of_domain(survey, p)))
            .filter(|e| in_district(&e.group, d))
            .collect(),
    };
    // The pace to the evaluation date, of the places the scope covers.
    let pace = fig.pace(survey).map(|mut p| {
        p.districts.retain(|r| scope.covers(&r.district));
        p.communities.retain(|r| scope.covers(&r.district));
        p
    });
    serde_json::json!({
        "survey": survey.id,
        "wave": fig.wave,
        "updated_at": chrono::Utc::now().to_rfc3339(),
        "counts": counts,
        "estimates": estimates,
        "excluded": fig.excluded,
        "collection": fig.collection,
        "pace": pace,
    })
}

/// Domains the estimates API offers.
pub const ESTIMATE_DOMAINS: [&str; 6] = [
    "city",
    "district",
    "street",
    "community",
    "grid",
    "collection_community",
];

/// The estimates of one domain (`by`), within a district when given.
pub fn estimates(
    survey: &Survey,
    fig: &Figures,
    by: &str,
    district: Option<&str>,
) -> Result<serde_json::Value, DashboardError> {
    if !ESTIMATE_DOMAINS.contains(&by) {
        return Err(DashboardError::UnknownDomain(by.to_string()));
    }
    let Some(report) = &fig.report else {
        return Ok(serde_json::json!({
            "survey": survey.id, "wave": fig.wave, "estimates": [], "note": fig.weighting_note,
            "excluded": fig.excluded, "collection": fig.collection,
        }));
    };
    let rows: Vec<&stats::Estimate> = fig
        .of_domain(survey, by)
        .filter(|e| district.is_none_or(|d| in_district(&e.group, d)))
        .collect();
    Ok(serde_json::json!({
        "survey": survey.id,
        "wave": fig.wave,
        "weighting": report.weighting,
        "method": report.method,
        "level": report.level,
        "respondents": report.respondents,
        "note": fig.weighting_note,
        "excluded": fig.excluded,
        "collection": fig.collection,
        "estimates": rows,
    }))
}
