//! The read API for the dashboard's live refresh and other office systems (session
//! cookie or bearer token): `summary`, `estimates` and the OpenAPI document.

use rocket::http::ContentType;
use rocket::serde::json::Json;
use rocket::{get, State};
use serde_json::Value;

use super::access::{self, View};
use crate::dashboard::{self, Scope};
use crate::web::error::WebError;
use crate::web::session::Session;
use crate::web::state::App;

/// Live figures for an open page: per-district counts and the headline rates.
#[get("/api/surveys/<id>/summary?<district>&<v..>")]
pub async fn summary(
    app: &State<App>,
    session: Session,
    id: &str,
    district: Option<&str>,
    v: View<'_>,
) -> Result<Json<Value>, WebError> {
    let s = access::scoped(app, &session, id, district)?;
    let fig = access::figures(app, &s, &v).await?;
    let household = access::household(app, &s, &v, &fig.wave).await?;
    Ok(Json(dashboard::summary(
        &s,
        &fig,
        household.as_deref(),
        Scope::of(district),
    )))
}

/// `GET /api/surveys/{id}/estimates?by=district&wave=&mode=&community=&district=&sample=`.
#[get("/api/surveys/<id>/estimates?<by>&<district>&<sample>&<v..>")]
pub async fn estimates(
    app: &State<App>,
    session: Session,
    id: &str,
    by: Option<&str>,
    district: Option<&str>,
    sample: Option<&str>,
    v: View<'_>,
) -> Result<Json<Value>, WebError> {
    app.survey(id)?;
    let by = by.unwrap_or("district");
    let district = access::estimates_scope(&session, by, district)?;
    let s = access::scoped(app, &session, id, district)?;
    let fig = access::figures(app, &s, &v).await?;
    match sample.unwrap_or(crate::export::CONVENIENCE_SAMPLE) {
        crate::export::CONVENIENCE_SAMPLE => {
            Ok(Json(dashboard::estimates(&s, &fig, by, district)?))
        }
        crate::export::HOUSEHOLD_SAMPLE => {
            let household = access::household(app, &s, &v, &fig.wave).await?;
            Ok(Json(dashboard::household_estimates(
                &s,
                &fig.wave,
                household.as_deref(),
                by,
                district,
            )?))
        }
        other => Err(dashboard::DashboardError::UnknownSample(other.to_string()).into()),
    }
}

#[get("/api/openapi.json")]
pub fn openapi() -> (ContentType, &'static str) {
    (ContentType::JSON, include_str!("../openapi.json"))
}
