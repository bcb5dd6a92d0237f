//! The dashboard's pages: the survey list, a survey's city page, a district's page and
//! the data-quality panel.

use rocket::response::Redirect;
use rocket::{get, State};
use std::sync::Arc;

use super::access::{self, View};
use crate::dashboard;
use crate::definition::{Lang, Survey};
use crate::web::error::WebError;
use crate::web::html::office as html;
use crate::web::html::places as places_html;
use crate::web::session::Session;
use crate::web::state::App;

#[get("/office?<lang>")]
pub async fn home(app: &State<App>, session: Session, lang: Option<&str>) -> maud::Markup {
    let mut surveys: Vec<(Arc<Survey>, Option<String>)> = Vec::new();
    for s in app.surveys.values() {
        surveys.push((s.clone(), app.closed_at(&s.id).await));
    }
    html::home(Lang::from_code(lang), &session.who(), &surveys)
}

#[get("/office/<id>?<v..>", rank = 5)]
pub async fn survey_page(
    app: &State<App>,
    session: Session,
    id: &str,
    v: View<'_>,
) -> Result<Result<maud::Markup, Redirect>, WebError> {
    let s = app.survey(id)?;
    // A district officer's survey page is their district's page.
    if let Some(d) = session
        .user
        .district
        .as_deref()
        .filter(|_| !session.user.sees_city())
    {
        let to = format!("/office/{}/d/{d}?lang={}", s.id, v.lang().code());
        return Ok(Err(Redirect::to(to)));
    }
    let s = access::scoped(app, &session, id, None)?;
    let fig = access::figures(app, &s, &v).await?;
    let household = access::household(app, &s, &v, &fig.wave).await?;
    let closed = app.closed_at(&s.id).await;
    let filter = v.filter();
    let view = page_view(&session, &s, &fig, &filter, &v, household.as_deref());
    Ok(Ok(html::survey(&view, closed)))
}

#[get("/office/<id>/d/<district>?<v..>")]
pub async fn district_page(
    app: &State<App>,
    session: Session,
    id: &str,
    district: &str,
    v: View<'_>,
) -> Result<maud::Markup, WebError> {
    let s = access::scoped(app, &session, id, Some(district))?;
    let fig = access::figures(app, &s, &v).await?;
    let household = access::household(app, &s, &v, &fig.wave).await?;
    let (filter, l) = (v.filter(), v.lang());
    let below = dashboard::district_view(&s, &fig, district, l);
    let view = page_view(&session, &s, &fig, &filter, &v, household.as_deref());
    Ok(places_html::district(&view, district, &below))
}

/// A street: its communities, where residents live.
#[get("/office/<id>/d/<district>/s/<street>?<v..>")]
pub async fn street_page(
    app: &State<App>,
    session: Session,
    id: &str,
    district: &str,
    street: &str,
    v: View<'_>,
) -> Result<maud::Markup, WebError> {
    let s = access::scoped(app, &session, id, Some(district))?;
    access::place_exists(&s, district, Some(street), None)?;
    let fig = access::figures(app, &s, &v).await?;
    let (filter, l) = (v.filter(), v.lang());
    let rows = dashboard::places::communities(&s, &fig, district, Some(street), l);
    let view = page_view(&session, &s, &fig, &filter, &v, None);
    Ok(places_html::street(&view, district, street, &rows))
}

/// A community: all its rates, and its grids.
#[get("/office/<id>/d/<district>/c/<community>?<v..>")]
pub async fn community_page(
    app: &State<App>,
    session: Session,
    id: &str,
    district: &str,
    community: &str,
    v: View<'_>,
) -> Result<maud::Markup, WebError> {
    let s = access::scoped(app, &session, id, Some(district))?;
    access::place_exists(&s, district, None, Some(community))?;
    let fig = access::figures(app, &s, &v).await?;
    let (filter, l) = (v.filter(), v.lang());
    let grids = dashboard::places::grids(&s, &fig, district, community, l);
    let view = page_view(&session, &s, &fig, &filter, &v, None);
    Ok(places_html::community(&view, district, community, &grids))
}

#[get("/office/<id>/quality?<district>&<lang>")]
pub async fn quality_page(
    app: &State<App>,
    session: Session,
    id: &str,
    district: Option<&str>,
    lang: Option<&str>,
) -> Result<maud::Markup, WebError> {
    let s = access::scoped(app, &session, id, district)?;
    let loaded = access::load(app, &s).await?;
    let (sv, d) = (s.clone(), district.map(str::to_string));
    let (by_flag, rows) = app
        .blocking(move |store| {
            dashboard::flagged(store, &sv, &loaded, dashboard::Scope::of(d.as_deref()))
        })
        .await?;
    Ok(html::quality(
        Lang::from_code(lang),
        &session.who(),
        &s,
        district,
        &by_flag,
        &rows,
    ))
}

/// Residents' voices: the open answers of the districts the user sees, newest first,
/// searchable without JavaScript, a page at a time.
#[get("/office/<id>/voices?<district>&<community>&<q>&<theme>&<before>&<lang>")]
#[allow(clippy::too_many_arguments)]
pub async fn voices_page(
    app: &State<App>,
    session: Session,
    id: &str,
    district: Option<&str>,
    community: Option<&str>,
    q: Option<&str>,
    theme: Option<&str>,
    before: Option<i64>,
    lang: Option<&str>,
) -> Result<maud::Markup, WebError> {
    let district = district.filter(|d| !d.is_empty());
    let s = access::scoped(app, &session, id, district)?;
    let community = community.filter(|c| !c.is_empty());
    match (district, community) {
        (Some(d), Some(c)) => access::place_exists(&s, d, None, Some(c))?,
        (None, Some(c)) => {
            return Err(WebError::bad_request(format!(
                "community `{c}` needs its district: add district=… to the address"
            )))
        }
        _ => {}
    }
    let filter = dashboard::voices::VoiceFilter {
        district: district.map(str::to_string),
        community: community.map(str::to_string),
        search: q.map(|q| q.chars().take(50).collect()),
        theme: theme.filter(|t| !t.is_empty()).map(str::to_string),
        before,
    };
    let (sv, f, cache) = (s.clone(), filter.clone(), app.figures.clone());
    let (page, counts) = app
        .blocking(move |store| {
            let page = dashboard::voices::page(store, &sv, &f)?;
            let counts = cache.voice_counts(store, &sv, f.district.as_deref())?;
            Ok::<_, dashboard::DashboardError>((page, counts))
        })
        .await?;
    Ok(crate::web::html::voices::voices(
        Lang::from_code(lang),
        &session.who(),
        &s,
        &filter,
        &page,
        &counts,
    ))
}

/// Interviewer checks (admins and viewers: city-wide figures).
#[get("/office/<id>/interviewers?<lang>")]
pub async fn interviewers_page(
    app: &State<App>,
    session: Session,
    id: &str,
    lang: Option<&str>,
) -> Result<maud::Markup, WebError> {
    let s = access::scoped(app, &session, id, None)?;
    let (sv, cache) = (s.clone(), app.figures.clone());
    let check = app
        .blocking(move |store| cache.interviewer_check(store, &sv))
        .await?;
    Ok(crate::web::html::voices::interviewers(
        Lang::from_code(lang),
        &session.who(),
        &s,
        &check,
    ))
}

/// The response funnel of the current wave (a district's own collection places for a
/// district officer).
#[get("/office/<id>/funnel?<district>&<lang>")]
pub async fn funnel_page(
    app: &State<App>,
    session: Session,
    id: &str,
    district: Option<&str>,
    lang: Option<&str>,
) -> Result<maud::Markup, WebError> {
    let district = district.filter(|d| !d.is_empty());
    let s = access::scoped(app, &session, id, district)?;
    app.flush_views().await?;
    let (sv, d, l, cache) = (
        s.clone(),
        district.map(str::to_string),
        Lang::from_code(lang),
        app.figures.clone(),
    );
    let f = app
        .blocking(move |store| cache.funnel(store, &sv, d.as_deref(), l))
        .await?;
    Ok(crate::web::html::voices::funnel(
        l,
        &session.who(),
        &s,
        district,
        &f,
    ))
}

/// Office staff's themes of one answer, as the voices page's form sends them.
#[derive(rocket::form::FromForm)]
pub struct ThemesForm<'r> {
    csrf: &'r str,
    /// The codes ticked (none: the answer has no theme).
    theme: Vec<&'r str>,
    /// The voices page to return to (its query).
    back: &'r str,
}

/// Confirms or changes the themes of one answer (admins, and district officers for
/// their district's answers); recorded with who and when, never overwritten.
#[rocket::post("/office/<id>/voices/<response>/themes", data = "<f>")]
pub async fn confirm_themes(
    app: &State<App>,
    session: Session,
    id: &str,
    response: i64,
    f: rocket::form::Form<ThemesForm<'_>>,
) -> Result<Redirect, WebError> {
    let s = app.survey(id)?;
    session
        .need(session.user.is_admin() || session.user.role == crate::accounts::Role::District)?;
    session.check_csrf(f.csrf)?;
    if let Some(bad) = f
        .theme
        .iter()
        .find(|t| !s.themes.iter().any(|x| x.code == **t))
    {
        return Err(WebError::bad_request(format!(
            "`{bad}` is no theme of survey `{}`",
            s.id
        )));
    }
    let sv = s.clone();
    let district = app
        .blocking(move |store| dashboard::voices::answer_district(store, &sv, response))
        .await?
        .ok_or_else(|| {
            WebError::not_found(format!("no open answer {response} in survey `{id}`"))
        })?;
    session.need(session.user.sees_district(&district))?;
    let themes = f.theme.join(",");
    let (sid, by) = (s.id.clone(), session.user.username.clone());
    app.blocking(move |store| store.confirm_themes(&sid, response, &themes, &by))
        .await?;
    // Back to the page the form was on (only this survey's voices page).
    let back = f.back.trim_start_matches('?');
    let back = if back
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "=&%-_.+".contains(c))
    {
        back
    } else {
        ""
    };
    Ok(Redirect::to(format!("/office/{}/voices?{back}", s.id)))
}

/// What a figures page shows: who looks, at which figures, filtered how.
fn page_view<'a>(
    session: &'a Session,
    s: &'a Survey,
    fig: &'a dashboard::Figures,
    filter: &'a dashboard::Filter,
    v: &View<'_>,
    household: Option<&'a dashboard::HouseholdFigures>,
) -> html::View<'a> {
    html::View {
        l: v.lang(),
        who: session.who(),
        survey: s,
        fig,
        filter,
        every: v.every(),
        household,
    }
}
