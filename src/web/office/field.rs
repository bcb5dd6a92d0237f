//! The interviewer's field pages: My households, a household (its visits, a visit's
//! outcome), the household's questionnaire with its roster, and the JSON door the
//! phone's queue sends through. Every page works without JavaScript (the forms post);
//! with it, `field.js` keeps entries on the phone until they can be sent.

use chrono::Utc;
use rocket::data::Data;
use rocket::http::Status;
use rocket::response::Redirect;
use rocket::serde::json::Json;
use rocket::{get, post, State};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::collect;
use crate::definition::{HouseholdSample, Lang, Survey};
use crate::households::{self, FieldItem, FieldResult, Household};
use crate::web::error::WebError;
use crate::web::form::{self, FORM_LIMIT_KIB};
use crate::web::html::field as html;
use crate::web::html::resident::{self, FieldForm, FormState};
use crate::web::session::Session;
use crate::web::state::App;

/// The survey and its household design, for a user who visits households.
fn field_survey(
    app: &App,
    session: &Session,
    id: &str,
) -> Result<(Arc<Survey>, HouseholdSample), WebError> {
    session.need(session.user.interviews())?;
    let s = app.survey(id)?;
    let design = s
        .household_sample
        .clone()
        .ok_or_else(|| WebError::not_found(format!("survey `{id}` has no household sample")))?;
    Ok((s, design))
}

fn community_name(s: &Survey, h: &Household, l: Lang) -> String {
    s.district(&h.row.district)
        .and_then(|d| d.community(&h.row.community))
        .map_or(h.row.community.clone(), |c| c.name.get(l).to_string())
}

/// My households: those assigned to the user in every survey with a sample.
#[get("/office/field?<lang>")]
pub async fn my_households(
    app: &State<App>,
    session: Session,
    lang: Option<&str>,
) -> Result<maud::Markup, WebError> {
    session.need(session.user.interviews())?;
    let l = Lang::from_code(lang);
    let surveys: Vec<Arc<Survey>> = app
        .surveys
        .values()
        .filter(|s| s.household_sample.is_some())
        .cloned()
        .collect();
    let (sv, cache) = (surveys.clone(), app.figures.clone());
    let statuses = app
        .blocking(move |store| {
            sv.iter()
                .map(|s| cache.sample_status(store, s))
                .collect::<Result<Vec<_>, crate::dashboard::DashboardError>>()
        })
        .await?;
    let me = session.user.username.clone();
    let mut keep = vec![
        format!("/office/field?lang={}", l.code()),
        "/assets/field.js".to_string(),
    ];
    let mut field = Vec::new();
    for (s, st) in surveys.iter().zip(&statuses) {
        let mut groups: Vec<(String, Vec<&Household>)> = Vec::new();
        for h in st
            .iter()
            .flat_map(|st| &st.households)
            .filter(|h| h.interviewer.as_deref() == Some(me.as_str()))
        {
            let name = community_name(s, h, l);
            match groups.iter_mut().find(|g| g.0 == name) {
                Some(g) => g.1.push(h),
                None => groups.push((name, vec![h])),
            }
            if !h.state.is_final() {
                keep.push(format!(
                    "/office/field/{}/h/{}?lang={}",
                    s.id,
                    h.row.id,
                    l.code()
                ));
                keep.push(format!(
                    "/office/field/{}/h/{}/interview?lang={}",
                    s.id,
                    h.row.id,
                    l.code()
                ));
            }
        }
        field.push(html::FieldSurvey {
            survey: s.clone(),
            groups,
        });
    }
    Ok(html::my_households(l, &session.who(), &field, &keep))
}

/// One household of the user's: its state, visits and the forms.
#[get("/office/field/<id>/h/<hid>?<lang>")]
pub async fn household_page(
    app: &State<App>,
    session: Session,
    id: &str,
    hid: i64,
    lang: Option<&str>,
) -> Result<maud::Markup, WebError> {
    let (s, design) = field_survey(app, &session, id)?;
    let l = Lang::from_code(lang);
    let (sv, user) = (s.clone(), session.user.clone());
    let h = app
        .blocking(move |store| households::household_view(store, &sv, hid, &user))
        .await?;
    let community = community_name(&s, &h, l);
    Ok(html::household(
        l,
        &session.who(),
        &s,
        &design,
        &h,
        &community,
    ))
}

/// A visit's outcome, posted by the form (without JavaScript): `csrf`, `f.outcome`,
/// `f.appointment`, `f.note`.
#[derive(rocket::form::FromForm)]
pub struct VisitForm<'r> {
    csrf: &'r str,
    f: VisitFields<'r>,
}

#[derive(rocket::form::FromForm)]
pub struct VisitFields<'r> {
    outcome: &'r str,
    appointment: Option<&'r str>,
    note: Option<&'r str>,
}

#[post("/office/field/<id>/h/<hid>/visit?<lang>", data = "<f>")]
pub async fn visit(
    app: &State<App>,
    session: Session,
    id: &str,
    hid: i64,
    lang: Option<&str>,
    f: rocket::form::Form<VisitForm<'_>>,
) -> Result<Redirect, WebError> {
    let (s, _) = field_survey(app, &session, id)?;
    session.check_csrf(f.csrf)?;
    // A datetime-local field: the server's local time.
    let appointment =
        f.f.appointment
            .filter(|a| !a.is_empty())
            .and_then(|a| chrono::NaiveDateTime::parse_from_str(a, "%Y-%m-%dT%H:%M").ok())
            .and_then(|t| {
                use chrono::TimeZone;
                chrono::Local
                    .from_local_datetime(&t)
                    .single()
                    .map(|t| t.with_timezone(&Utc))
            });
    let item = FieldItem::Visit {
        survey: s.id.clone(),
        household: hid,
        key: collect::new_submission_key(),
        visited_at: None,
        outcome: f.f.outcome.to_string(),
        appointment_at: appointment,
        note: f.f.note.map(str::to_string),
    };
    apply(app, &session, &s, item).await?;
    Ok(Redirect::to(format!(
        "/office/field?lang={}",
        Lang::from_code(lang).code()
    )))
}

/// Stores an item for the signed-in user.
async fn apply(
    app: &App,
    session: &Session,
    s: &Arc<Survey>,
    item: FieldItem,
) -> Result<FieldResult, WebError> {
    let (sv, user, salt) = (s.clone(), session.user.clone(), app.salt(&s.id).to_string());
    app.blocking(move |store| {
        households::apply(
            store,
            &sv,
            &salt,
            item,
            &user,
            Utc::now(),
            chrono::Local::now().date_naive(),
        )
    })
    .await
}

/// What was entered on a form that came back: the answers, their problems, the roster.
#[derive(Default)]
struct Entered<'a> {
    values: BTreeMap<String, Vec<String>>,
    errors: Vec<crate::answers::FieldError>,
    roster_error: Option<&'a str>,
    adults: Option<u32>,
}

/// The household's questionnaire form, with the roster above the questions.
fn interview_form(
    app: &App,
    session: &Session,
    (s, design): (&Survey, &HouseholdSample),
    h: &Household,
    l: Lang,
    entered: Entered<'_>,
) -> maud::Markup {
    let Entered {
        values,
        errors,
        roster_error,
        adults,
    } = entered;
    let base = format!("/office/field/{}/h/{}/interview", s.id, h.row.id);
    let other = if l == Lang::En { "zh" } else { "en" };
    let community = community_name(s, h, l);
    let mut values = values;
    if let Some(q) = s.district_question() {
        values
            .entry(q.id.clone())
            .or_insert_with(|| vec![h.row.district.clone()]);
    }
    if let Some(q) = s.community_question() {
        values
            .entry(q.id.clone())
            .or_insert_with(|| vec![h.row.community.clone()]);
    }
    let outline = s
        .boundaries
        .as_ref()
        .and_then(|b| b.get(&h.row.community))
        .map(|rings| serde_json::to_string(rings).unwrap_or_else(|_| "[]".into()))
        .unwrap_or_else(|| "[]".into());
    let st = FormState {
        lang: l,
        action: format!("{base}?lang={}", l.code()),
        switch: format!("{base}?lang={other}"),
        district: &h.row.district,
        community: Some(&h.row.community),
        channel: "household",
        key: collect::new_submission_key(),
        start: collect::start_token(app.salt(&s.id), Utc::now()),
        values,
        errors,
        invite: None,
        csrf: Some(session.csrf().to_string()),
        notice: Some(maud::html! {
            (l.pick("入户访问：", "Household interview: ")) strong { (community) " " (h.row.household_code) }
            " · " (l.pick("访员：", "interviewer: ")) (session.user.username)
            br; a href={ "/office/field/" (s.id) "/h/" (h.row.id) "?lang=" (l.code()) } { (l.pick("← 返回这一户", "← Back to this household")) }
        }),
        field: Some(FieldForm {
            survey: s.id.clone(),
            household: h.row.id,
            back: format!("/office/field?lang={}", l.code()),
            label: format!("{community} {}", h.row.household_code),
            roster: html::roster(l, design, h, adults, roster_error),
            outline,
        }),
    };
    resident::questionnaire(s, &st)
}

// Ranked before the dashboard's /office/<id>/d/<district>/… routes, which match
// the same shape.
#[get("/office/field/<id>/h/<hid>/interview?<lang>", rank = 1)]
pub async fn interview_page(
    app: &State<App>,
    session: Session,
    id: &str,
    hid: i64,
    lang: Option<&str>,
) -> Result<maud::Markup, WebError> {
    let (s, design) = field_survey(app, &session, id)?;
    let l = Lang::from_code(lang);
    let (sv, user) = (s.clone(), session.user.clone());
    let h = app
        .blocking(move |store| households::household_view(store, &sv, hid, &user))
        .await?;
    Ok(interview_form(
        app,
        &session,
        (&s, &design),
        &h,
        l,
        Entered::default(),
    ))
}

/// The questionnaire posted as a form (without JavaScript, or with a signal).
#[post(
    "/office/field/<id>/h/<hid>/interview?<lang>",
    data = "<data>",
    rank = 1
)]
pub async fn interview_submit(
    app: &State<App>,
    session: Session,
    id: &str,
    hid: i64,
    lang: Option<&str>,
    data: Data<'_>,
) -> Result<Result<Redirect, (Status, maud::Markup)>, WebError> {
    let (s, design) = field_survey(app, &session, id)?;
    let l = Lang::from_code(lang);
    let body = form::read_body(data, FORM_LIMIT_KIB).await?;
    let (mut answers, meta) = form::parse(&body);
    session.check_csrf(meta.csrf.as_deref().unwrap_or(""))?;
    app.check_not_closed(&s).await?;
    let adults: Option<u32> = answers
        .remove("f.adults")
        .and_then(|v| v.first().and_then(|a| a.trim().parse().ok()));
    answers.remove("f.consent");
    let (sv, user) = (s.clone(), session.user.clone());
    let h = app
        .blocking(move |store| households::household_view(store, &sv, hid, &user))
        .await?;
    let Some(adults) = adults.filter(|a| (1..=99).contains(a)) else {
        let msg = l.pick(
            "请填写户内18岁以上常住成年人人数（1人或以上）。",
            "Give the number of adults (18+) living here (1 or more).",
        );
        return Ok(Err((
            Status::UnprocessableEntity,
            interview_form(
                app,
                &session,
                (&s, &design),
                &h,
                l,
                Entered {
                    values: answers,
                    roster_error: Some(msg),
                    ..Entered::default()
                },
            ),
        )));
    };
    let item = FieldItem::Interview {
        survey: s.id.clone(),
        household: hid,
        key: meta.key.clone(),
        started_at: collect::verify_start_token(app.salt(&s.id), &meta.start).map(|t| t.and_utc()),
        ended_at: None,
        adults,
        location: None,
        accuracy: None,
        answers: answers.clone(),
    };
    match apply(app, &session, &s, item).await {
        Ok(_) => Ok(Ok(Redirect::to(format!("/office/field?lang={}", l.code())))),
        Err(e) if e.status == Status::UnprocessableEntity && !e.fields.is_empty() => {
            let errors = e.fields.clone();
            Ok(Err((
                Status::UnprocessableEntity,
                interview_form(
                    app,
                    &session,
                    (&s, &design),
                    &h,
                    l,
                    Entered {
                        values: answers,
                        errors,
                        adults: Some(adults),
                        ..Entered::default()
                    },
                ),
            )))
        }
        Err(e) => Err(e),
    }
}

/// What the phone's queue sends: one item, its CSRF token in `X-CSRF-Token`. 201 when
/// stored now, 200 when it was stored before (a resend), 4xx with why when it never
/// will be.
#[post("/api/field/items", data = "<data>")]
pub async fn field_item(
    app: &State<App>,
    session: Session,
    csrf: CsrfHeader,
    data: Data<'_>,
) -> Result<(Status, Json<Value>), WebError> {
    session.check_csrf(&csrf.0)?;
    let body = form::read_body(data, FORM_LIMIT_KIB).await?;
    let item: FieldItem = serde_json::from_str(&body).map_err(|e| {
        WebError::bad_request(format!(
            "invalid field item at line {} column {}: {e}",
            e.line(),
            e.column()
        ))
    })?;
    let (s, _) = field_survey(app, &session, item.survey())?;
    app.check_not_closed(&s).await?;
    match apply(app, &session, &s, item).await? {
        FieldResult::Stored(id) => Ok((
            Status::Created,
            Json(json!({ "status": "stored", "id": id })),
        )),
        FieldResult::Duplicate => Ok((Status::Ok, Json(json!({ "status": "duplicate" })))),
    }
}

/// The session's CSRF token, for a page kept on the phone since an earlier session.
#[get("/api/field/csrf")]
pub fn field_csrf(session: Session) -> Result<Json<Value>, WebError> {
    session.need(session.user.interviews() && session.csrf.is_some())?;
    Ok(Json(json!({ "csrf": session.csrf() })))
}

/// The `X-CSRF-Token` header of a script's request.
pub struct CsrfHeader(String);

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for CsrfHeader {
    type Error = ();
    async fn from_request(req: &'r rocket::Request<'_>) -> rocket::request::Outcome<Self, ()> {
        match req.headers().get_one("X-CSRF-Token") {
            Some(t) => rocket::request::Outcome::Success(CsrfHeader(t.to_string())),
            None => rocket::request::Outcome::Success(CsrfHeader(String::new())),
        }
    }
}
