//! The web layer's one error type. Every handler returns `Result<_, WebError>`; the
//! library errors convert into it with `?`, and one responder answers JSON under
//! `/api/` and a page elsewhere (the office's layout under `/office` and `/login`, the
//! resident's everywhere else). Catchers for Rocket's own errors build the same type.

use rocket::http::{ContentType, Header, Status};
use rocket::response::{self, Responder};
use rocket::{catch, Request};
use serde_json::json;

use super::html;
use crate::answers::FieldError;
use crate::collect::CollectError;
use crate::definition::{Lang, Text};

/// What a 503 asks a client to wait before trying again: the writer and the pool
/// reconnect within a second or two of the database's return.
pub const RETRY_AFTER_SECS: u64 = 5;

/// Why a request failed: a status and what the person (or client) can do about it.
/// Boxed, so `Result<_, WebError>` stays one pointer wide on the happy path.
#[derive(Debug)]
pub struct WebError(Box<Failure>);

/// The contents of a [`WebError`] (reached through it by `Deref`).
#[derive(Debug)]
pub struct Failure {
    pub status: Status,
    pub title: Text,
    pub detail: Text,
    /// Seconds for a `Retry-After` header (rate limits).
    pub retry_after: Option<u64>,
    /// Answer-by-answer problems (422), listed in JSON as `errors`.
    pub fields: Vec<FieldError>,
    /// The page's language when the handler knows it (a form's own choice); otherwise
    /// `?lang=` of the request decides.
    pub lang: Option<Lang>,
}

impl std::ops::Deref for WebError {
    type Target = Failure;
    fn deref(&self) -> &Failure {
        &self.0
    }
}

impl std::ops::DerefMut for WebError {
    fn deref_mut(&mut self) -> &mut Failure {
        &mut self.0
    }
}

impl WebError {
    pub fn new(status: Status, title: Text, detail: Text) -> WebError {
        WebError(Box::new(Failure {
            status,
            title,
            detail,
            retry_after: None,
            fields: Vec::new(),
            lang: None,
        }))
    }

    /// The same message in both languages (library messages are English).
    fn plain(status: Status, zh_title: &str, en_title: &str, detail: String) -> WebError {
        WebError::new(
            status,
            Text::new(zh_title, en_title),
            Text::new(detail.clone(), detail),
        )
    }

    pub fn in_lang(mut self, l: Lang) -> WebError {
        self.lang = Some(l);
        self
    }

    pub fn forbidden() -> WebError {
        WebError::new(
            Status::Forbidden,
            Text::new("无权查看", "Not allowed"),
            Text::new(
                "您的账号无权查看此页面或数据。区级账号只能查看本区的数据；访员账号只能录入问卷。",
                "Your account may not see this. District officers see their own district only; interviewers enter questionnaires only.",
            ),
        )
    }

    pub fn not_found(what: String) -> WebError {
        WebError::plain(Status::NotFound, "找不到", "Not found", what)
    }

    pub fn bad_request(what: String) -> WebError {
        WebError::plain(Status::BadRequest, "请求有误", "Bad request", what)
    }

    pub fn csrf() -> WebError {
        WebError::new(
            Status::Forbidden,
            Text::new("表单已过期", "Form expired"),
            Text::new(
                "表单已过期或不是从本站提交的。请返回，刷新页面后再试。",
                "The form expired or was not sent from this site. Go back, reload the page and try again.",
            ),
        )
    }

    /// 503: the database (or a worker) failed; the cause goes to the log, not the page.
    pub fn unavailable(cause: &dyn std::fmt::Display) -> WebError {
        rocket::error!("unavailable: {cause}");
        let mut e = WebError::new(
            Status::ServiceUnavailable,
            Text::new("暂时无法完成", "Unavailable"),
            Text::new(
                "服务器暂时无法读写数据，请稍后再试。",
                "The server cannot reach its data right now; please try again in a minute.",
            ),
        );
        e.retry_after = Some(RETRY_AFTER_SECS);
        e
    }

    /// 503: the database cannot be reached (down, restarting, or the network to it
    /// cut). minyi reconnects by itself; nothing needs restarting.
    pub fn database_unavailable() -> WebError {
        let mut e = WebError::new(
            Status::ServiceUnavailable,
            Text::new("数据库暂时无法连接", "The database is unavailable"),
            Text::new(
                "服务器暂时连不上数据库，恢复后会自动重新连接。请几秒钟后再试；已保存的数据不受影响。",
                "The server cannot reach its database right now and reconnects by itself once it is back. Try again in a few seconds; nothing stored is affected.",
            ),
        );
        e.retry_after = Some(RETRY_AFTER_SECS);
        e
    }

    pub fn too_large(limit_kib: u64) -> WebError {
        WebError::new(
            Status::PayloadTooLarge,
            Text::new("提交的内容过长", "Submission too large"),
            Text::new(
                format!("请缩短填写的文字后再提交（上限 {limit_kib} KiB）。"),
                format!("Shorten your written answers and submit again (limit {limit_kib} KiB)."),
            ),
        )
    }

    pub fn already_answered() -> WebError {
        WebError::new(
            Status::Conflict,
            Text::new("您已经参加过本次调查", "You have already taken part"),
            Text::new(
                "每人每次调查只需回答一次。感谢您的参与！",
                "Each person answers once per survey. Thank you for taking part!",
            ),
        )
    }

    /// 410: the survey closed (on its closing date, or early by an admin) at `when`.
    pub fn closed(when: &str) -> WebError {
        WebError::new(
            Status::Gone,
            Text::new("本次调查已结束", "This survey has closed"),
            Text::new(
                format!("调查已于 {when} 结束，感谢您的关注。"),
                format!("The survey closed on {when}. Thank you for your interest."),
            ),
        )
    }

    /// The JSON body: `error` in the request's language with `error_zh` beside it, the
    /// title and detail apart, and the field errors.
    fn json(&self, l: Lang) -> String {
        let both = |l: Lang| format!("{}: {}", self.title.get(l), self.detail.get(l));
        let mut v = json!({
            "error": both(l),
            "error_zh": both(Lang::Zh),
            "title": self.title.get(l),
            "detail": self.detail.get(l),
        });
        if !self.fields.is_empty() {
            v["errors"] = self
                .fields
                .iter()
                .map(|e| json!({ "question": e.question, "message": e.message(Lang::En), "message_zh": e.message(Lang::Zh) }))
                .collect();
        }
        v.to_string()
    }
}

/// The language a request asked for: `?lang=`, or English for API clients and
/// Chinese for people.
pub fn lang_of(req: &Request<'_>) -> Lang {
    match req.query_value::<&str>("lang").and_then(Result::ok) {
        Some(l) => Lang::from_code(Some(l)),
        None if is_api(req) => Lang::En,
        None => Lang::Zh,
    }
}

fn is_api(req: &Request<'_>) -> bool {
    req.uri().path().starts_with("/api/")
}

fn is_office(req: &Request<'_>) -> bool {
    let p = req.uri().path();
    p.starts_with("/office") || p.starts_with("/login") || p.starts_with("/logout")
}

impl<'r> Responder<'r, 'static> for WebError {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let l = self.lang.unwrap_or_else(|| lang_of(req));
        let (ct, body) = if is_api(req) {
            (ContentType::JSON, self.json(l))
        } else if is_office(req) {
            let page = html::office::message(l, self.title.get(l), self.detail.get(l));
            (ContentType::HTML, page.into_string())
        } else {
            let page = html::resident::message(l, self.title.get(l), &[self.detail.get(l)], None);
            (ContentType::HTML, page.into_string())
        };
        let mut r = response::Response::build_from((ct, body).respond_to(req)?);
        r.status(self.status);
        if let Some(s) = self.retry_after {
            r.header(Header::new("Retry-After", s.to_string()));
        }
        r.ok()
    }
}

impl From<CollectError> for WebError {
    fn from(e: CollectError) -> Self {
        let new = |s, t: (&str, &str), d: (&str, &str)| {
            WebError::new(s, Text::new(t.0, t.1), Text::new(d.0, d.1))
        };
        match e {
            CollectError::UnknownSurvey(_) => new(
                Status::NotFound,
                ("找不到这项调查", "Survey not found"),
                ("链接中的调查不存在。请重新扫描张贴的二维码，或联系发布调查的单位。", "The survey in this link does not exist. Scan the posted QR code again or contact the office that published it."),
            ),
            CollectError::UnknownPlace { .. } => new(
                Status::NotFound,
                ("找不到这个调查点", "Collection point not found"),
                ("链接中的区或社区代码不存在，可能是二维码印错或已过期。请联系张贴二维码的社区。", "The district or community code in this link does not exist; the QR code may be misprinted or outdated. Please tell the community that posted it."),
            ),
            CollectError::Closed(_, d) => WebError::closed(&d.to_string()),
            CollectError::NotYetOpen(_, d) => WebError::new(
                Status::Forbidden,
                Text::new("调查尚未开始", "The survey has not started yet"),
                Text::new(
                    format!("调查将于 {d} 开始，请届时再来。"),
                    format!("The survey opens on {d}; please come back then."),
                ),
            ),
            CollectError::Duplicate => {
                let mut w = WebError::already_answered();
                w.detail.en.push_str(" (A response with this submission_key is already stored; nothing was added.)");
                w
            }
            CollectError::InviteUsed => new(
                Status::Conflict,
                ("该邀请码已使用", "This invitation code has already been used"),
                ("每张邀请卡只能参加一次调查。如有疑问，请联系发卡的社区。", "Each card can be used once; nothing was stored. If in doubt, contact the community that gave it to you."),
            ),
            CollectError::Invalid(fields) => {
                let summary: Vec<String> = fields
                    .iter()
                    .map(|e| format!("{}: {}", e.question, e.message(Lang::En)))
                    .collect();
                let summary_zh: Vec<String> = fields
                    .iter()
                    .map(|e| format!("{}: {}", e.question, e.message(Lang::Zh)))
                    .collect();
                let mut w = WebError::new(
                    Status::UnprocessableEntity,
                    Text::new("答案有误", "Invalid answers"),
                    Text::new(summary_zh.join("；"), summary.join("; ")),
                );
                w.fields = fields;
                w
            }
            CollectError::Storage(e) => {
                rocket::error!("storage: {e}");
                let mut w = new(
                    Status::ServiceUnavailable,
                    ("暂时无法保存", "Cannot save right now"),
                    ("服务器暂时无法保存您的答案，请稍后再提交一次。您的答案没有丢失在本页面中，可返回重试。", "The server could not save your answers. Please go back and submit again in a minute (resending the same submission is safe)."),
                );
                w.retry_after = Some(RETRY_AFTER_SECS);
                w
            }
        }
    }
}

impl From<crate::households::HouseholdError> for WebError {
    fn from(e: crate::households::HouseholdError) -> Self {
        use crate::households::HouseholdError as E;
        match e {
            E::Storage(s) => s.into(),
            E::Collect(c) => c.into(),
            // Another interviewer's household is not revealed: as if it did not exist.
            E::NoSuchHousehold(..)
            | E::NoSuchCallback(..)
            | E::NoAssignments(_)
            | E::NotAssigned(..)
            | E::OldDraw(_)
            | E::NoDesign(_)
            | E::NoDraw(..) => WebError::not_found(e.to_string()),
            E::NotInterviewer(_) => WebError::forbidden(),
            E::Frozen { .. } => WebError::plain(
                Status::Conflict,
                "抽样已开始走访",
                "The sample is in the field",
                e.to_string(),
            ),
            E::Sheet(_) => WebError::unavailable(&e),
            other => WebError::plain(
                Status::UnprocessableEntity,
                "无法完成",
                "Cannot do that",
                other.to_string(),
            ),
        }
    }
}

impl From<crate::dashboard::DashboardError> for WebError {
    fn from(e: crate::dashboard::DashboardError) -> Self {
        use crate::dashboard::DashboardError as E;
        match e {
            E::Storage(s) => s.into(),
            E::Household(h) => h.into(),
            E::Chart(_) | E::Qr(_) | E::Export(_) => WebError::unavailable(&e),
            E::NoChart(_) | E::NoFile(_) => WebError::not_found(e.to_string()),
            other => WebError::bad_request(other.to_string()),
        }
    }
}

impl From<crate::ledger::LedgerError> for WebError {
    fn from(e: crate::ledger::LedgerError) -> Self {
        use crate::ledger::LedgerError as E;
        match e {
            E::Storage(s) => s.into(),
            E::Dashboard(d) => d.into(),
            E::Figure(_) | E::Qr(_) => WebError::unavailable(&e),
            E::NoSuchItem(..) | E::NoSuchPlace(_) | E::NothingToResurvey => {
                WebError::not_found(e.to_string())
            }
            E::OfficeOnly(_) => {
                WebError::plain(Status::Forbidden, "无权操作", "Not allowed", e.to_string())
            }
            other => WebError::plain(
                Status::UnprocessableEntity,
                "无法完成",
                "Cannot do that",
                other.to_string(),
            ),
        }
    }
}

impl From<crate::storage::StorageError> for WebError {
    fn from(e: crate::storage::StorageError) -> Self {
        use crate::storage::StorageError as E;
        match e {
            E::NoSuchUser(_) | E::NoSuchResponse(..) => WebError::not_found(e.to_string()),
            E::UserExists(_) | E::AlreadySuperseded(_) | E::AlreadyClosed(_) | E::Changed(_) => {
                WebError::plain(Status::Conflict, "冲突", "Conflict", e.to_string())
            }
            E::Unavailable(why) => {
                rocket::error!("database unavailable: {why}");
                WebError::database_unavailable()
            }
            other => WebError::unavailable(&other),
        }
    }
}

impl From<crate::accounts::AccountError> for WebError {
    fn from(e: crate::accounts::AccountError) -> Self {
        match e {
            crate::accounts::AccountError::Storage(s) => s.into(),
            other => WebError::plain(
                Status::UnprocessableEntity,
                "无法完成",
                "Cannot do that",
                other.to_string(),
            ),
        }
    }
}

impl From<crate::qr::QrError> for WebError {
    fn from(e: crate::qr::QrError) -> Self {
        WebError::unavailable(&e)
    }
}

impl From<crate::report::ReportError> for WebError {
    fn from(e: crate::report::ReportError) -> Self {
        WebError::bad_request(e.to_string())
    }
}

/// A blocking task that panicked or was cancelled.
impl From<rocket::tokio::task::JoinError> for WebError {
    fn from(e: rocket::tokio::task::JoinError) -> Self {
        WebError::unavailable(&e)
    }
}

/// What a request without a session gets: pages send the browser to the sign-in
/// form (coming back afterwards), the API answers 401 with how to authenticate.
pub enum SignIn {
    Page(String),
    Api,
}

impl<'r> Responder<'r, 'static> for SignIn {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        match self {
            SignIn::Page(to) => rocket::response::Redirect::to(to).respond_to(req),
            SignIn::Api => WebError::new(
                Status::Unauthorized,
                Text::new("未登录", "not signed in"),
                Text::new(
                    "请发送 `Authorization: Bearer <token>`（用 `minyi token add --user NAME` 创建），或在 /login 登录",
                    "send `Authorization: Bearer <token>` (create one with `minyi token add --user NAME`) or sign in at /login",
                ),
            )
            .respond_to(req),
        }
    }
}

/// Why a request with a session cookie was sent away (kept for the 401 catcher, which
/// sends the browser where it can go on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// The session was idle longer than allowed and has ended.
    Idle,
    /// The password is older than the rules allow: only the Password page opens.
    PasswordAged,
    /// The role needs a second factor and the account has none: only enrolment opens.
    EnrolFirst,
}

/// The request-local record of [`Why`] (`None`: signed out for another reason).
pub struct Ended(pub Option<Why>);

/// `path?next=…`: a sign-in step that returns to `next` (a path on this site).
pub(super) fn with_next(path: &str, next: &str) -> String {
    let next: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
    format!("{path}?next={next}")
}

#[catch(401)]
pub fn unauthorized(req: &Request<'_>) -> SignIn {
    if is_api(req) {
        return SignIn::Api;
    }
    let sign_in = with_next("/login", &req.uri().to_string());
    match req.local_cache(|| Ended(None)).0 {
        Some(Why::PasswordAged) => SignIn::Page("/office/password?aged=1".into()),
        Some(Why::EnrolFirst) => SignIn::Page("/office/2fa".into()),
        Some(Why::Idle) => SignIn::Page(format!("{sign_in}&why=idle")),
        None => SignIn::Page(sign_in),
    }
}

fn caught(status: Status, zh: (&str, &str), en: (&str, &str)) -> WebError {
    WebError::new(status, Text::new(zh.0, en.0), Text::new(zh.1, en.1))
}

#[catch(403)]
pub fn forbidden() -> WebError {
    WebError::forbidden()
}

#[catch(404)]
pub fn not_found() -> WebError {
    caught(
        Status::NotFound,
        ("页面不存在", "请检查链接，或重新扫描二维码。"),
        (
            "Page not found",
            "Check the link or scan the QR code again.",
        ),
    )
}

#[catch(422)]
pub fn unprocessable() -> WebError {
    caught(
        Status::UnprocessableEntity,
        ("提交的内容无法识别", "请返回后重新填写。"),
        (
            "The submission could not be read",
            "Go back and fill in the form again.",
        ),
    )
}

#[catch(400)]
pub fn bad_request() -> WebError {
    caught(
        Status::BadRequest,
        ("请求格式有误", "请返回后重试。"),
        ("Malformed request", "Go back and try again."),
    )
}

#[catch(413)]
pub fn too_large() -> WebError {
    caught(
        Status::PayloadTooLarge,
        ("提交的内容过长", "请缩短填写的文字后再提交。"),
        (
            "Submission too large",
            "Shorten your written answers and submit again.",
        ),
    )
}

#[catch(429)]
pub fn too_many() -> WebError {
    caught(
        Status::TooManyRequests,
        ("提交过于频繁", "请稍后再试。"),
        ("Too many submissions", "Please try again later."),
    )
}

/// A guard could not ask the database (session, token): the same answer as a
/// handler's own database failure.
#[catch(503)]
pub fn unavailable() -> WebError {
    WebError::database_unavailable()
}

#[catch(500)]
pub fn internal() -> WebError {
    caught(
        Status::InternalServerError,
        ("服务器出错", "请稍后再试。"),
        ("Server error", "Please try again later."),
    )
}
