//! JSON intake for kiosks and interview software: the same rules as the form.
//!
//! `POST /api/surveys/{survey}/responses` with
//! `{"district": "XC", "community": null, "submission_key": "…", "started_at": "2026-06-01T09:30:00Z", "answers": {"aware_campaign": "1", …}}`
//! → 201 `{"id": …, "status": "complete"}`; 422 `{"errors": [{"question", "message"}]}`.

use chrono::{DateTime, Utc};
use rocket::data::{Data, ToByteUnit};
use rocket::http::Status;
use rocket::post;
use rocket::serde::json::Json;
use rocket::State;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::{App, Client};
use crate::answers;
use crate::collect::{Channel, CollectError, Submission};
use crate::definition::Lang;

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

/// A JSON answer, with `Retry-After` when a rate limit was hit.
pub struct ApiResult(Status, Json<Value>, Option<u64>);

impl<'r> rocket::response::Responder<'r, 'static> for ApiResult {
    fn respond_to(self, req: &'r rocket::Request<'_>) -> rocket::response::Result<'static> {
        let mut r = rocket::response::Response::build_from(self.1.respond_to(req)?);
        r.status(self.0);
        if let Some(s) = self.2 {
            r.header(rocket::http::Header::new("Retry-After", s.to_string()));
        }
        r.ok()
    }
}

fn error(status: Status, message: impl Into<String>) -> ApiResult {
    ApiResult(status, Json(json!({ "error": message.into() })), None)
}

#[post("/api/surveys/<survey>/responses", data = "<data>")]
pub async fn post_response(
    app: &State<App>,
    client: Client,
    survey: &str,
    data: Data<'_>,
) -> ApiResult {
    let body = match data.open(256.kibibytes()).into_string().await {
        Ok(b) if b.is_complete() => b.into_inner(),
        Ok(_) => return error(Status::PayloadTooLarge, "body larger than 256 KiB"),
        Err(e) => return error(Status::BadRequest, format!("cannot read body: {e}")),
    };
    let Some(s) = app.surveys.get(survey).cloned() else {
        return error(
            Status::NotFound,
            format!("survey `{survey}` does not exist"),
        );
    };
    if let Err(e) = app.throttle(&s.id, &client, false, Lang::En) {
        return ApiResult(e.status, Json(json!({ "error": e.detail })), e.retry_after);
    }
    let req: ApiSubmission = match serde_json::from_str(&body) {
        Ok(r) => r,
        Err(e) => {
            return error(
                Status::BadRequest,
                format!("invalid JSON at line {} column {}: {e}; expected {{\"district\", \"community\"?, \"submission_key\", \"started_at\"?, \"answers\": {{…}}}}", e.line(), e.column()),
            )
        }
    };
    if let Some(at) = app.closed_at(&s.id) {
        return error(
            Status::Gone,
            format!("the survey was closed by the office on {at}"),
        );
    }
    let raw = match answers::from_json(&s, &req.answers) {
        Ok(r) => r,
        Err(errs) => return invalid(errs),
    };
    let result = app
        .submit(Submission {
            survey: &s,
            collection_district: &req.district,
            collection_community: req.community.as_deref(),
            channel: Channel::Api,
            answers: raw,
            started_at: req.started_at.map(|d| d.naive_utc()),
            submission_key: req.submission_key.clone(),
            source: client.source,
            device: None,
            invite_code: req.invite_code.clone(),
            interviewer: None,
        })
        .await;
    match result {
        Ok(stored) => ApiResult(
            Status::Created,
            Json(json!({
                "id": stored.id,
                "status": if stored.screened_out { "screened_out" } else { "complete" },
            })),
            None,
        ),
        Err(CollectError::Invalid(errs)) => invalid(errs),
        Err(CollectError::UnknownSurvey(s)) => error(Status::NotFound, format!("survey `{s}` does not exist")),
        Err(CollectError::UnknownPlace { place, .. }) => error(Status::UnprocessableEntity, format!("no collection point `{place}` in this survey; use a district code (and community code) from the definition")),
        Err(CollectError::Closed(_, d)) => error(Status::Gone, format!("the survey closed on {d}")),
        Err(CollectError::NotYetOpen(_, d)) => error(Status::Forbidden, format!("the survey opens on {d}")),
        Err(CollectError::InviteUsed) => error(Status::Conflict, "this invitation code has already been used; nothing was stored"),
        Err(CollectError::Duplicate) => error(Status::Conflict, "a response with this submission_key is already stored; nothing was added"),
        Err(CollectError::Storage(e)) => {
            rocket::error!("storage: {e}");
            error(Status::ServiceUnavailable, "the database is unavailable; retry with the same submission_key")
        }
    }
}

fn invalid(errs: Vec<answers::FieldError>) -> ApiResult {
    let list: Vec<Value> = errs
        .iter()
        .map(|e| json!({ "question": e.question, "message": e.message(Lang::En), "message_zh": e.message(Lang::Zh) }))
        .collect();
    ApiResult(
        Status::UnprocessableEntity,
        Json(json!({ "errors": list })),
        None,
    )
}
