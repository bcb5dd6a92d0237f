//! The resident's path: the questionnaire form at a collection point, its submission
//! and the thank-you page. Public routes; no session.

use chrono::{Local, Utc};
use rocket::data::Data;
use rocket::form::FromForm;
use rocket::http::{Cookie, CookieJar, SameSite, Status};
use rocket::response::Redirect;
use rocket::{get, post, State};
use std::collections::BTreeMap;
use std::sync::Arc;

use super::client::Client;
use super::error::WebError;
use super::form::{self, FORM_LIMIT_KIB};
use super::html::resident::{self as pages, FormState};
use super::state::{App, CountedAt};
use crate::answers::{FieldError, RawAnswers};
use crate::collect::{self, Channel, CollectError, Submission};
use crate::definition::{Lang, Survey};

/// The query of a questionnaire link: `?lang=en`, `?ch=link`, `?code=` (invitation).
#[derive(FromForm, Default)]
pub struct LinkQuery<'r> {
    lang: Option<&'r str>,
    ch: Option<&'r str>,
    code: Option<&'r str>,
}

/// A collection point of a survey, as the link names it.
struct Point<'a> {
    survey: Arc<Survey>,
    district: &'a str,
    community: Option<&'a str>,
}

/// A rendered form or, after a successful POST, where to go next (303).
pub enum FormPage {
    Page(Status, maud::Markup),
    Redirect(String),
}

impl<'r> rocket::response::Responder<'r, 'static> for FormPage {
    fn respond_to(self, req: &'r rocket::Request<'_>) -> rocket::response::Result<'static> {
        match self {
            FormPage::Page(s, m) => (s, m).respond_to(req),
            FormPage::Redirect(to) => Redirect::to(to).respond_to(req),
        }
    }
}

fn done_cookie(survey: &str) -> String {
    format!("minyi_done_{survey}")
}

/// The collection point of a link, once the survey is open there today.
async fn open_point<'a>(
    app: &App,
    survey: &str,
    district: &'a str,
    community: Option<&'a str>,
) -> Result<Point<'a>, WebError> {
    let s = app.resident_survey(survey)?;
    collect::check_place(&s, district, community)?;
    collect::check_open(&s, Local::now().date_naive())?;
    app.check_not_closed(&s).await?;
    Ok(Point {
        survey: s,
        district,
        community,
    })
}

/// The form at a point, with answers so far and the problems to mark.
fn form_page(
    app: &App,
    p: &Point<'_>,
    lang: Lang,
    channel: Channel,
    values: BTreeMap<String, Vec<String>>,
    errors: Vec<FieldError>,
    invite: Option<String>,
) -> maud::Markup {
    let s = &p.survey;
    let act = match p.community {
        Some(c) => format!("/s/{}/{}/{c}", s.id, p.district),
        None => format!("/s/{}/{}", s.id, p.district),
    };
    let ch = if channel == Channel::Link {
        "&ch=link"
    } else {
        ""
    };
    let other = if lang == Lang::En { "zh" } else { "en" };
    let st = FormState {
        lang,
        action: format!("{act}?lang={}{ch}", lang.code()),
        switch: format!("{act}?lang={other}{ch}"),
        district: p.district,
        community: p.community,
        channel: channel.as_str(),
        key: collect::new_submission_key(),
        start: collect::start_token(app.salt(&s.id), Utc::now()),
        values,
        errors,
        invite,
        csrf: None,
        notice: None,
        field: None,
    };
    pages::questionnaire(s, &st)
}

/// The empty form, the resident's district pre-filled from the poster's place.
async fn show(
    app: &App,
    jar: &CookieJar<'_>,
    client: &Client,
    p: Result<Point<'_>, WebError>,
    q: LinkQuery<'_>,
) -> Result<FormPage, WebError> {
    let lang = Lang::from_code(q.lang);
    let p = p.map_err(|e| e.in_lang(lang))?;
    if jar.get_private(&done_cookie(&p.survey.id)).is_some() {
        let e = WebError::already_answered();
        let page = pages::message(lang, e.title.get(lang), &[e.detail.get(lang)], None);
        return Ok(FormPage::Page(Status::Ok, page));
    }
    let mut values = BTreeMap::new();
    if let Some(q) = p.survey.district_question() {
        values.insert(q.id.clone(), vec![p.district.to_string()]);
    }
    let ch = Channel::from_param(q.ch);
    let at = CountedAt {
        survey: &p.survey.id,
        district: p.district,
        point: p.community,
        channel: ch.as_str(),
    };
    app.count_view(at, &client.source);
    let page = form_page(
        app,
        &p,
        lang,
        ch,
        values,
        vec![],
        q.code.map(str::to_string),
    );
    Ok(FormPage::Page(Status::Ok, page))
}

/// The place part of a questionnaire link: `DISTRICT` or `DISTRICT/COMMUNITY`.
pub struct PointPath {
    district: String,
    community: Option<String>,
}

impl<'r> rocket::request::FromSegments<'r> for PointPath {
    type Error = &'static str;
    fn from_segments(
        segments: rocket::http::uri::Segments<'r, rocket::http::uri::fmt::Path>,
    ) -> Result<Self, Self::Error> {
        match segments.collect::<Vec<_>>().as_slice() {
            [d] => Ok(PointPath {
                district: d.to_string(),
                community: None,
            }),
            [d, c] => Ok(PointPath {
                district: d.to_string(),
                community: Some(c.to_string()),
            }),
            _ => Err("a questionnaire link is /s/SURVEY/DISTRICT or /s/SURVEY/DISTRICT/COMMUNITY"),
        }
    }
}

#[get("/s/<survey>/<place..>?<q..>", rank = 2)]
pub async fn questionnaire(
    app: &State<App>,
    jar: &CookieJar<'_>,
    client: Client,
    survey: &str,
    place: PointPath,
    q: LinkQuery<'_>,
) -> Result<FormPage, WebError> {
    let p = open_point(app, survey, &place.district, place.community.as_deref()).await;
    show(app, jar, &client, p, q).await
}

/// The page's script says a resident gave a first answer: a counter for the funnel,
/// nothing about who (no body, no cookie read). 204, or 404 for a place that is not;
/// beyond the per-source limit it is counted as left out.
#[post("/start/<survey>/<place..>?<ch>")]
pub async fn started(
    app: &State<App>,
    client: Client,
    survey: &str,
    place: PointPath,
    ch: Option<&str>,
) -> Result<Status, WebError> {
    let p = open_point(app, survey, &place.district, place.community.as_deref()).await?;
    let at = CountedAt {
        survey: &p.survey.id,
        district: p.district,
        point: p.community,
        channel: Channel::from_param(ch).as_str(),
    };
    app.count_start(at, &client.source);
    Ok(Status::NoContent)
}

/// Checks and stores a submitted form; a form with mistakes comes back marked (422).
async fn accept(
    app: &App,
    jar: &CookieJar<'_>,
    client: Client,
    p: Result<Point<'_>, WebError>,
    lang: Option<&str>,
    data: Data<'_>,
) -> Result<FormPage, WebError> {
    let body = form::read_body(data, FORM_LIMIT_KIB)
        .await
        .map_err(|e| e.in_lang(Lang::from_code(lang)))?;
    let (answers, meta) = form::parse(&body);
    let lang = if lang.is_some() {
        Lang::from_code(lang)
    } else {
        meta.lang
    };
    let p = p.map_err(|e| e.in_lang(lang))?;
    let s = p.survey.clone();
    if jar.get_private(&done_cookie(&s.id)).is_some() {
        return Err(WebError::already_answered().in_lang(lang));
    }
    app.throttle(&s.id, &client.source)
        .map_err(|t| WebError::from(t).in_lang(lang))?;
    match submit(app, &p, &meta, &client, answers.clone()).await {
        Ok(stored) => {
            let mut cookie = Cookie::new(done_cookie(&s.id), "1");
            cookie.set_path("/");
            cookie.set_same_site(SameSite::Lax);
            cookie.set_expires(
                rocket::time::OffsetDateTime::now_utc() + rocket::time::Duration::days(120),
            );
            jar.add_private(cookie);
            let screened = if stored.screened_out {
                "&screened=1"
            } else {
                ""
            };
            let masked = if stored.masked { "&masked=1" } else { "" };
            let to = format!("/thanks/{}?lang={}{screened}{masked}", s.id, lang.code());
            Ok(FormPage::Redirect(to))
        }
        Err(CollectError::Invalid(errors)) => {
            let page = form_page(app, &p, lang, meta.channel, answers, errors, meta.invite);
            Ok(FormPage::Page(Status::UnprocessableEntity, page))
        }
        Err(e) => Err(WebError::from(e).in_lang(lang)),
    }
}

async fn submit(
    app: &App,
    p: &Point<'_>,
    meta: &form::Meta,
    client: &Client,
    answers: RawAnswers,
) -> Result<collect::Stored, CollectError> {
    app.submit(Submission {
        survey: &p.survey,
        collection_district: p.district,
        collection_community: p.community,
        channel: meta.channel,
        answers,
        started_at: collect::verify_start_token(app.salt(&p.survey.id), &meta.start),
        submission_key: meta.key.clone(),
        source: client.source.clone(),
        device: Some(client.device.clone()),
        invite_code: meta.invite.clone(),
        interviewer: None,
        intake: None,
        household: None,
    })
    .await
}

#[post("/s/<survey>/<place..>?<lang>", data = "<data>", rank = 2)]
pub async fn post(
    app: &State<App>,
    jar: &CookieJar<'_>,
    client: Client,
    survey: &str,
    place: PointPath,
    lang: Option<&str>,
    data: Data<'_>,
) -> Result<FormPage, WebError> {
    let p = open_point(app, survey, &place.district, place.community.as_deref()).await;
    accept(app, jar, client, p, lang, data).await
}

#[get("/thanks/<survey>?<lang>&<screened>&<masked>")]
pub fn thanks(
    app: &State<App>,
    survey: &str,
    lang: Option<&str>,
    screened: Option<u8>,
    masked: Option<u8>,
) -> Result<maud::Markup, WebError> {
    let l = Lang::from_code(lang);
    let s = app.resident_survey(survey).map_err(|e| e.in_lang(l))?;
    Ok(pages::thanks(
        l,
        &s.id,
        screened.is_some(),
        masked.is_some(),
    ))
}

#[get("/?<lang>")]
pub fn index(app: &State<App>, lang: Option<&str>) -> maud::Markup {
    let surveys: Vec<&Survey> = app.surveys.values().map(|s| s.as_ref()).collect();
    pages::index(Lang::from_code(lang), &surveys)
}
