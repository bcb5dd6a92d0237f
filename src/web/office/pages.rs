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
    let closed = app.closed_at(&s.id).await;
    let (filter, l) = (v.filter(), v.lang());
    let view = html::View {
        l,
        who: session.who(),
        survey: &s,
        fig: &fig,
        filter: &filter,
        every: v.every(),
    };
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
    let (filter, l) = (v.filter(), v.lang());
    let dist = dashboard::distributions(&s, &fig, district, l);
    let view = html::View {
        l,
        who: session.who(),
        survey: &s,
        fig: &fig,
        filter: &filter,
        every: v.every(),
    };
    Ok(html::district(&view, district, &dist))
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
