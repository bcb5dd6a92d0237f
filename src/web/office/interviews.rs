//! Telephone and household interviews: an interviewer (or admin) picks the survey, the
//! resident's district and the mode, then enters the answers in the questionnaire.
//! Each response records its mode and interviewer.

use chrono::Utc;
use rocket::data::Data;
use rocket::form::FromForm;
use rocket::http::Status;
use rocket::response::Redirect;
use rocket::{get, post, State};
use std::collections::BTreeMap;
use std::sync::Arc;

use super::access;
use crate::answers::{FieldError, RawAnswers};
use crate::collect::{self, Channel, CollectError, Submission};
use crate::definition::{Lang, Survey};
use crate::web::client::Client;
use crate::web::error::WebError;
use crate::web::form::{self, FORM_LIMIT_KIB};
use crate::web::html::{admin as html, resident};
use crate::web::session::Session;
use crate::web::state::App;

/// The interview form's query: `?mode=phone|household&lang=&saved=N`.
#[derive(FromForm, Default)]
pub struct InterviewQuery<'r> {
    mode: Option<&'r str>,
    lang: Option<&'r str>,
    saved: Option<i64>,
}

impl InterviewQuery<'_> {
    fn lang(&self) -> Lang {
        Lang::from_code(self.lang)
    }
    fn mode(&self) -> Result<Channel, WebError> {
        Channel::interview(self.mode.unwrap_or("phone"))
            .ok_or_else(|| WebError::bad_request("mode must be phone or household".into()))
    }
}

/// An interview in progress: who enters it, where the resident lives, how.
struct Interview<'a> {
    session: &'a Session,
    survey: Arc<Survey>,
    district: &'a str,
    mode: Channel,
    l: Lang,
}

/// The survey and district of an interview, once the user may enter interviews.
fn start<'a>(
    app: &App,
    session: &'a Session,
    id: &str,
    district: &'a str,
    q: &InterviewQuery<'_>,
) -> Result<Interview<'a>, WebError> {
    session.need(session.user.interviews())?;
    let survey = app.survey(id)?;
    access::district_exists(&survey, district)?;
    Ok(Interview {
        session,
        survey,
        district,
        mode: q.mode()?,
        l: q.lang(),
    })
}

impl Interview<'_> {
    fn form(
        &self,
        app: &App,
        values: BTreeMap<String, Vec<String>>,
        errors: Vec<FieldError>,
        notice: Option<String>,
    ) -> maud::Markup {
        let (s, l, mode) = (&self.survey, self.l, self.mode.as_str());
        let act = format!("/office/interview/{}/{}", s.id, self.district);
        let other = if l == Lang::En { "zh" } else { "en" };
        let st = resident::FormState {
            lang: l,
            action: format!("{act}?lang={}&mode={mode}", l.code()),
            switch: format!("{act}?lang={other}&mode={mode}"),
            district: self.district,
            community: None,
            channel: mode,
            key: collect::new_submission_key(),
            start: collect::start_token(app.salt(&s.id), Utc::now()),
            values,
            errors,
            invite: None,
            csrf: Some(self.session.csrf().to_string()),
            notice: Some(html::interview_notice(
                l,
                self.mode,
                &self.session.user.username,
                notice.as_deref(),
                &format!(
                    "/office/interview/{}/{}/attempt?mode={}&lang={}",
                    s.id,
                    self.district,
                    self.mode.as_str(),
                    l.code()
                ),
                self.session.csrf(),
            )),
            field: None,
        };
        resident::questionnaire(s, &st)
    }

    fn again(&self, saved: Option<i64>) -> Redirect {
        let (s, l) = (&self.survey, self.l);
        let saved = saved.map(|n| format!("&saved={n}")).unwrap_or_default();
        Redirect::to(format!(
            "/office/interview/{}/{}?mode={}&lang={}{saved}",
            s.id,
            self.district,
            self.mode.as_str(),
            l.code()
        ))
    }

    async fn submit(
        &self,
        app: &App,
        client: &Client,
        answers: RawAnswers,
        meta: &form::Meta,
    ) -> Result<collect::Stored, CollectError> {
        let interviewer = self.session.user.username.clone();
        app.submit(Submission {
            survey: &self.survey,
            collection_district: self.district,
            collection_community: None,
            channel: self.mode,
            answers,
            started_at: collect::verify_start_token(app.salt(&self.survey.id), &meta.start),
            submission_key: meta.key.clone(),
            // Interviews come from the office's own machines: the source is the
            // interviewer, so bursts are expected and not flagged as one resident's.
            source: format!("interviewer:{interviewer}:{}", client.source),
            device: None,
            invite_code: None,
            interviewer: Some(interviewer),
            intake: None,
            household: None,
        })
        .await
    }
}

#[get("/office/interview?<lang>")]
pub fn interview_start(
    app: &State<App>,
    session: Session,
    lang: Option<&str>,
) -> Result<maud::Markup, WebError> {
    session.need(session.user.interviews())?;
    let surveys: Vec<Arc<Survey>> = app.surveys.values().cloned().collect();
    Ok(html::interview_start(
        Lang::from_code(lang),
        &session.who(),
        &surveys,
    ))
}

/// The start form's GET target: on to the chosen district's interview form.
#[get("/office/interview/<id>?<d>&<q..>", rank = 3)]
pub fn interview_choose(
    app: &State<App>,
    session: Session,
    id: &str,
    d: &str,
    q: InterviewQuery<'_>,
) -> Result<Redirect, WebError> {
    Ok(start(app, &session, id, d, &q)?.again(None))
}

#[get("/office/interview/<id>/<district>?<q..>", rank = 1)]
pub fn interview_page(
    app: &State<App>,
    session: Session,
    id: &str,
    district: &str,
    q: InterviewQuery<'_>,
) -> Result<maud::Markup, WebError> {
    let iv = start(app, &session, id, district, &q)?;
    let mut values = BTreeMap::new();
    if let Some(dq) = iv.survey.district_question() {
        values.insert(dq.id.clone(), vec![district.to_string()]);
    }
    let notice = q.saved.map(|n| match iv.l {
        Lang::Zh => format!("上一份问卷已保存（编号 {n}）。"),
        Lang::En => format!("The previous interview was saved (number {n})."),
    });
    Ok(iv.form(app, values, vec![], notice))
}

#[post("/office/interview/<id>/<district>?<q..>", data = "<data>", rank = 1)]
pub async fn interview_submit(
    app: &State<App>,
    session: Session,
    client: Client,
    id: &str,
    district: &str,
    q: InterviewQuery<'_>,
    data: Data<'_>,
) -> Result<Result<Redirect, (Status, maud::Markup)>, WebError> {
    let iv = start(app, &session, id, district, &q)?;
    let body = form::read_body(data, FORM_LIMIT_KIB).await?;
    let (answers, meta) = form::parse(&body);
    session.check_csrf(meta.csrf.as_deref().unwrap_or(""))?;
    app.check_not_closed(&iv.survey).await?;
    match iv.submit(app, &client, answers.clone(), &meta).await {
        Ok(stored) => Ok(Ok(iv.again(Some(stored.id)))),
        Err(CollectError::Invalid(errors)) => Ok(Err((
            Status::UnprocessableEntity,
            iv.form(app, answers, errors, None),
        ))),
        Err(CollectError::Duplicate) => Ok(Ok(iv.again(None))),
        Err(e) => Err(e.into()),
    }
}

/// An attempt's outcome, as the form sends it.
#[derive(FromForm)]
pub struct AttemptForm<'r> {
    csrf: &'r str,
    disposition: &'r str,
}

/// The AAPOR dispositions an attempt without a questionnaire may end in.
pub const DISPOSITIONS: [&str; 6] = [
    "partial",
    "refusal",
    "non_contact",
    "other",
    "unknown",
    "not_eligible",
];

/// Records an attempt that ended without a questionnaire (refusal, no contact, …),
/// for the response rates; back to the same interview form.
#[post("/office/interview/<id>/<district>/attempt?<q..>", data = "<f>")]
pub async fn interview_attempt(
    app: &State<App>,
    session: Session,
    id: &str,
    district: &str,
    q: InterviewQuery<'_>,
    f: rocket::form::Form<AttemptForm<'_>>,
) -> Result<Redirect, WebError> {
    let iv = start(app, &session, id, district, &q)?;
    session.check_csrf(f.csrf)?;
    if !DISPOSITIONS.contains(&f.disposition) {
        return Err(WebError::bad_request(format!(
            "`{}` is no disposition; use one of {}",
            f.disposition,
            DISPOSITIONS.join(", ")
        )));
    }
    app.check_not_closed(&iv.survey).await?;
    let a = crate::storage::NewAttempt {
        survey_id: iv.survey.id.clone(),
        wave: iv.survey.wave as i32,
        district: district.to_string(),
        interviewer: session.user.username.clone(),
        mode: iv.mode.as_str().to_string(),
        disposition: f.disposition.to_string(),
        attempted_at: Utc::now().naive_utc(),
    };
    app.blocking(move |store| store.add_attempt(&a)).await?;
    Ok(iv.again(None))
}
