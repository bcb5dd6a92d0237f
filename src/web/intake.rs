//! JSON intake for kiosks and interview software: the same rules as the form.
//!
//! `POST /api/surveys/{survey}/responses` with
//! `{"district": "XC", "community": null, "submission_key": "…", "started_at": "2026-06-01T09:30:00Z", "answers": {"aware_campaign": "1", …}}`
//! → 201 `{"id": …, "status": "complete"}`; 422 `{"errors": [{"question", "message"}]}`.
//!
//! The intake needs `Authorization: Bearer <token>` with an intake token (`minyi token
//! add --intake --label "kiosk 7"`): the questionnaire is public, this route is for
//! machines the office set up, and each response records which one (by label).

use chrono::{DateTime, Utc};
use rocket::data::Data;
use rocket::http::Status;
use rocket::post;
use rocket::serde::json::Json;
use rocket::State;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::client::Client;
use super::error::WebError;
use super::form::read_body;
use super::state::App;
use crate::answers::{self, RawAnswers};
use crate::collect::{Channel, CollectError, Submission};
use crate::definition::Survey;

/// Bodies beyond this are refused with 413.
const INTAKE_LIMIT_KIB: u64 = 256;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ApiSubmission {
    /// Collection point (the place of the kiosk or interview).
    district: String,
    community: Option<String>,
    /// Idempotency key chosen by the client: resending the same key stores nothing new.
    submission_key: String,
    started_at: Option<DateTime<Utc>>,
    /// One-time invitation code (household sampling).
    invite_code: Option<String>,
    answers: Map<String, Value>,
}

impl ApiSubmission {
    fn submission<'a>(
        &'a self,
        s: &'a Survey,
        answers: RawAnswers,
        client: Client,
        intake: String,
    ) -> Submission<'a> {
        Submission {
            survey: s,
            collection_district: &self.district,
            collection_community: self.community.as_deref(),
            channel: Channel::Api,
            answers,
            started_at: self.started_at.map(|d| d.naive_utc()),
            submission_key: self.submission_key.clone(),
            source: client.source,
            device: None,
            invite_code: self.invite_code.clone(),
            interviewer: None,
            intake: Some(intake),
            household: None,
        }
    }

    fn parse(body: &str) -> Result<ApiSubmission, WebError> {
        serde_json::from_str(body).map_err(|e| {
            WebError::bad_request(format!("invalid JSON at line {} column {}: {e}; expected {{\"district\", \"community\"?, \"submission_key\", \"started_at\"?, \"answers\": {{…}}}}", e.line(), e.column()))
        })
    }
}

/// A kiosk or interview system allowed to post responses: the label of its token.
pub struct IntakeToken(String);

/// Why a request has no usable intake token.
#[derive(Debug)]
pub enum NoToken {
    Missing,
    Unknown,
    /// The database could not be asked (503, not 401: the token may be fine).
    Unavailable,
}

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for IntakeToken {
    type Error = NoToken;
    async fn from_request(req: &'r rocket::Request<'_>) -> rocket::request::Outcome<Self, NoToken> {
        use rocket::request::Outcome;
        let Some(token) = req
            .headers()
            .get_one("Authorization")
            .and_then(|h| h.strip_prefix("Bearer "))
        else {
            return Outcome::Error((Status::Unauthorized, NoToken::Missing));
        };
        let Some(app) = req.rocket().state::<App>() else {
            return Outcome::Error((Status::InternalServerError, NoToken::Unknown));
        };
        match app.intake_label(token).await {
            Ok(Some(label)) => Outcome::Success(IntakeToken(label)),
            Ok(None) => Outcome::Error((Status::Unauthorized, NoToken::Unknown)),
            Err(_) => Outcome::Error((Status::ServiceUnavailable, NoToken::Unavailable)),
        }
    }
}

impl From<NoToken> for WebError {
    fn from(e: NoToken) -> Self {
        let what = match e {
            NoToken::Missing => ("缺少接入令牌", "no intake token"),
            NoToken::Unknown => ("接入令牌无效或已撤销", "unknown or revoked intake token"),
            NoToken::Unavailable => return WebError::database_unavailable(),
        };
        WebError::new(
            Status::Unauthorized,
            crate::definition::Text::new(what.0, what.1),
            crate::definition::Text::new(
                "提交答卷的接口需要接入令牌：请管理员在服务器上运行 minyi token add --intake --label \"自助终端7\"，并把令牌以 Authorization: Bearer <令牌> 发送。居民填写的问卷页面不需要令牌。",
                "posting responses needs an intake token: an admin creates one on the server with `minyi token add --intake --label \"kiosk 7\"`; send it as `Authorization: Bearer <token>`. The questionnaire pages need none.",
            ),
        )
    }
}

#[post("/api/surveys/<survey>/responses", data = "<data>")]
pub async fn post_response(
    app: &State<App>,
    token: Result<IntakeToken, NoToken>,
    client: Client,
    survey: &str,
    data: Data<'_>,
) -> Result<(Status, Json<Value>), WebError> {
    let token = token?;
    let body = read_body(data, INTAKE_LIMIT_KIB).await?;
    let s = app.resident_survey(survey)?;
    app.throttle(&s.id, &client.source)?;
    let req = ApiSubmission::parse(&body)?;
    app.check_not_closed(&s).await?;
    let raw = answers::from_json(&s, &req.answers).map_err(CollectError::Invalid)?;
    let stored = app
        .submit(req.submission(&s, raw, client, token.0))
        .await
        .map_err(intake_error)?;
    let status = if stored.screened_out {
        "screened_out"
    } else {
        "complete"
    };
    Ok((
        Status::Created,
        Json(json!({ "id": stored.id, "status": status })),
    ))
}

/// In a JSON body an unknown place is an invalid field (422), not a wrong link (404).
fn intake_error(e: CollectError) -> WebError {
    match e {
        CollectError::UnknownPlace { place, .. } => WebError::new(
            Status::UnprocessableEntity,
            crate::definition::Text::new("调查点不存在", "Unknown collection point"),
            crate::definition::Text::new(
                format!("本调查没有调查点 `{place}`；请使用定义文件中的区代码（及社区代码）。"),
                format!("There is no collection point `{place}` in this survey; use a district code (and community code) from the definition."),
            ),
        ),
        e => e.into(),
    }
}

/// The load benchmark's baseline (`scripts/load.sh`): the intake's work short of
/// validating and storing — the token, the body, the JSON parsed into the submission
/// type — answered 201 without storing anything.
#[post("/healthz/intake", data = "<data>")]
pub async fn parse_only(
    token: Result<IntakeToken, NoToken>,
    data: Data<'_>,
) -> Result<(Status, Json<Value>), WebError> {
    token?;
    let req = ApiSubmission::parse(&read_body(data, INTAKE_LIMIT_KIB).await?)?;
    Ok((
        Status::Created,
        Json(json!({ "parsed": req.answers.len() })),
    ))
}
