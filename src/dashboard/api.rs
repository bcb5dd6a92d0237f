//! The figures as JSON: the live summary an open page refreshes, and the estimates of
//! one domain for other office systems.

use super::error::DashboardError;
use super::household::HouseholdFigures;
use super::scope::{in_district, Scope};
use super::view::{Counts, Figures, PLACE_DOMAINS};
use crate::definition::Survey;
use crate::export::{CONVENIENCE_SAMPLE, HOUSEHOLD_SAMPLE};
use crate::stats;

/// Live figures for an open page: per-district counts and the headline rates of the
/// scope (a district's own figures and its communities'; or the city's and districts'),
/// of the convenience sample; beside them, where there is one, the household sample's
/// figures and the gap between the two (`household`), never pooled.
pub fn summary(
    survey: &Survey,
    fig: &Figures,
    household: Option<&HouseholdFigures>,
    scope: Scope<'_>,
) -> serde_json::Value {
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
        "sample": CONVENIENCE_SAMPLE,
        "counts": counts,
        "estimates": estimates,
        "excluded": fig.excluded,
        "collection": fig.collection,
        "pace": pace,
        "household": household.map(|h| household_json(h, fig, scope)),
    })
}

/// The household sample's figures of a scope, with the gap to the convenience sample.
fn household_json(h: &HouseholdFigures, fig: &Figures, scope: Scope<'_>) -> serde_json::Value {
    let covers = |group: &str| match scope {
        Scope::City => true,
        Scope::District(d) => group == d,
    };
    let estimates: Vec<&stats::Estimate> = h
        .report
        .iter()
        .flat_map(|r| r.estimates.iter())
        .filter(|e| covers(&e.group))
        .collect();
    let gap: Vec<stats::Difference> = h
        .gap(fig.report.as_ref())
        .into_iter()
        .filter(|d| covers(&d.a))
        .collect();
    serde_json::json!({
        "sample": HOUSEHOLD_SAMPLE,
        "wave": h.wave,
        "weighting": h.report.as_ref().map(|r| r.weighting),
        "note": h.weighting_note,
        "e": h.weights.e,
        "approximate_probabilities": h.weights.approximate,
        "interviews": h.interviews.iter().filter(|(d, _)| scope.covers(d)).collect::<std::collections::BTreeMap<_, _>>(),
        "estimates": estimates,
        "gap": gap,
        "gap_is": "convenience minus household, each sample estimated on its own",
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
            "survey": survey.id, "wave": fig.wave, "sample": CONVENIENCE_SAMPLE, "estimates": [], "note": fig.weighting_note,
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
        "sample": CONVENIENCE_SAMPLE,
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

/// The household sample's estimates of the city or its districts (`sample=household`).
pub fn household_estimates(
    survey: &Survey,
    wave: &str,
    h: Option<&HouseholdFigures>,
    by: &str,
    district: Option<&str>,
) -> Result<serde_json::Value, DashboardError> {
    if by != "city" && by != "district" {
        return Err(DashboardError::HouseholdDomain);
    }
    let report = h.and_then(|h| h.report.as_ref());
    let rows: Vec<&stats::Estimate> = report
        .iter()
        .flat_map(|r| r.estimates.iter())
        .filter(|e| e.domain == by && district.is_none_or(|d| e.group == d))
        .collect();
    Ok(serde_json::json!({
        "survey": survey.id,
        "wave": wave,
        "sample": HOUSEHOLD_SAMPLE,
        "weighting": report.map(|r| r.weighting),
        "method": report.map(|r| r.method),
        "level": report.map(|r| r.level),
        "respondents": report.map(|r| r.respondents),
        "note": h.and_then(|h| h.weighting_note.clone()),
        "excluded": h.map(|h| &h.excluded),
        "collection": "household interviews of the drawn sample (design weights, clustered by drawn community)",
        "estimates": rows,
    }))
}
