//! What every dashboard route shares: the view query (wave, community, mode,
//! language, refresh), the one access question per scope, and the survey's figures
//! read on the blocking pool.

use rocket::form::FromForm;
use std::sync::Arc;

use super::super::error::WebError;
use super::super::session::Session;
use super::super::state::App;
use crate::dashboard::{Figures, Filter, HouseholdFigures, Loaded};
use crate::definition::{Lang, Survey};

/// The dashboard's query: `?wave=&community=&mode=&lang=&refresh=`.
#[derive(FromForm, Default, Clone)]
pub struct View<'r> {
    pub wave: Option<&'r str>,
    pub community: Option<&'r str>,
    pub mode: Option<&'r str>,
    pub lang: Option<&'r str>,
    pub refresh: Option<u32>,
}

impl View<'_> {
    pub fn lang(&self) -> Lang {
        Lang::from_code(self.lang)
    }

    /// The filters, empty values ignored.
    pub fn filter(&self) -> Filter {
        let some = |v: Option<&str>| {
            v.map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        Filter {
            wave: some(self.wave),
            community: some(self.community),
            mode: some(self.mode),
        }
    }

    /// Seconds between live refreshes of an open page (`?refresh=` within 2–600).
    pub fn every(&self) -> u32 {
        self.refresh.unwrap_or(15).clamp(2, 600)
    }
}

/// The survey, once the user may see the scope asked for: one district (which must
/// exist), or with `None` the whole city. The one access question of figure routes.
pub fn scoped(
    app: &App,
    session: &Session,
    id: &str,
    district: Option<&str>,
) -> Result<Arc<Survey>, WebError> {
    let s = app.survey(id)?;
    match district {
        Some(d) => {
            session.need(session.user.sees_district(d))?;
            district_exists(&s, d)?;
        }
        None => session.need(session.user.sees_city())?,
    }
    Ok(s)
}

pub fn district_exists(s: &Survey, d: &str) -> Result<(), WebError> {
    s.district(d)
        .map(|_| ())
        .ok_or_else(|| WebError::not_found(format!("district `{d}` is not in survey `{}`", s.id)))
}

/// A street or community of the district, or 404 saying what is not there.
pub fn place_exists(
    s: &Survey,
    d: &str,
    street: Option<&str>,
    community: Option<&str>,
) -> Result<(), WebError> {
    let district = s.district(d).ok_or_else(|| {
        WebError::not_found(format!("district `{d}` is not in survey `{}`", s.id))
    })?;
    if let Some(st) = street.filter(|st| district.street(st).is_none()) {
        return Err(WebError::not_found(format!(
            "street `{st}` is not in district `{d}` of survey `{}`",
            s.id
        )));
    }
    if let Some(c) = community.filter(|c| district.community(c).is_none()) {
        return Err(WebError::not_found(format!(
            "community `{c}` is not in district `{d}` of survey `{}`",
            s.id
        )));
    }
    Ok(())
}

/// The district a user's figure request covers: a district officer's own (never the
/// city), anyone else's choice.
pub fn estimates_scope<'a>(
    session: &'a Session,
    by: &str,
    district: Option<&'a str>,
) -> Result<Option<&'a str>, WebError> {
    session.need(session.user.sees_results())?;
    if session.user.sees_city() {
        return Ok(district);
    }
    let d = district
        .or(session.user.district.as_deref())
        .filter(|_| by != "city")
        .ok_or_else(WebError::forbidden)?;
    session.need(session.user.sees_district(d))?;
    Ok(Some(d))
}

/// The survey's responses, brought up to date.
pub async fn load(app: &App, s: &Arc<Survey>) -> Result<Arc<Loaded>, WebError> {
    let (sv, cache) = (s.clone(), app.figures.clone());
    app.blocking(move |store| cache.load(store, &sv)).await
}

/// The figures of a view of the survey's current data.
pub async fn figures(app: &App, s: &Arc<Survey>, v: &View<'_>) -> Result<Arc<Figures>, WebError> {
    let loaded = load(app, s).await?;
    let (sv, cache, filter, l) = (s.clone(), app.figures.clone(), v.filter(), v.lang());
    app.blocking(move |_| cache.figures(&sv, &loaded, &filter, l))
        .await
}

/// The household probability sample's figures of the view's wave, shown beside the
/// convenience sample's when the view is not filtered to a collection point or mode
/// (the household sample has neither); `None` without a household sample.
pub async fn household(
    app: &App,
    s: &Arc<Survey>,
    v: &View<'_>,
    wave: &str,
) -> Result<Option<Arc<HouseholdFigures>>, WebError> {
    let f = v.filter();
    if s.household_sample.is_none() || f.community.is_some() || f.mode.is_some() {
        return Ok(None);
    }
    let (sv, cache, w, l) = (s.clone(), app.figures.clone(), wave.to_string(), v.lang());
    app.blocking(move |store| cache.household(store, &sv, &w, l))
        .await
}
