//! The only module that knows about HTTP. Handlers are thin: they read the request,
//! call `collect` / `qr` / `storage`, and turn the result into a page or JSON.

mod api;
pub mod auth;
mod limits;
mod office;
mod office_pages;
mod pages;
mod questionnaire;

use rocket::fairing::{AdHoc, Fairing};
use rocket::figment::Figment;
use rocket::http::{ContentType, Header, Status};
use rocket::request::{FromRequest, Outcome};
use rocket::response::{self, Responder};
use rocket::{catch, catchers, get, routes, Build, Request, Rocket, State};
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::collect::CollectError;
use crate::definition::{Lang, Survey};
use crate::storage::Store;

/// Shared state of a running server.
pub struct App {
    pub surveys: BTreeMap<String, Arc<Survey>>,
    pub salts: BTreeMap<String, String>,
    pub store: Store,
    pub base_url: String,
    limits: limits::Limits,
    logins: auth::LoginThrottle,
    /// Keys the login throttle's per-source counters (kept in memory only).
    login_salt: String,
    /// Early closures seen recently: (checked at, closed at). Re-read every few seconds
    /// so a closure by another process takes effect without a database read per request.
    closures: std::sync::Mutex<BTreeMap<String, (std::time::Instant, Option<String>)>>,
    /// Surveys as the dashboard last read them, brought up to date per request.
    figures: Arc<crate::office::Cache>,
}

/// How long a survey's closure state is trusted before it is read again.
const CLOSURE_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// Default submission limits per minute (see `limits`).
pub const DEFAULT_PER_SOURCE: u32 = 120;
pub const DEFAULT_PER_DEVICE: u32 = 60;

impl App {
    /// Builds the state: archives each definition version and loads each survey's salt.
    pub fn new(
        surveys: Vec<Survey>,
        store: Store,
        base_url: String,
    ) -> Result<App, crate::storage::StorageError> {
        let mut map = BTreeMap::new();
        let mut salts = BTreeMap::new();
        for s in surveys {
            store.register_definition(&s)?;
            salts.insert(s.id.clone(), store.salt(&s.id)?);
            map.insert(s.id.clone(), Arc::new(s));
        }
        Ok(App {
            surveys: map,
            salts,
            store,
            base_url,
            limits: limits::Limits::new(DEFAULT_PER_SOURCE, DEFAULT_PER_DEVICE),
            logins: auth::LoginThrottle::new(),
            login_salt: crate::collect::new_submission_key(),
            closures: std::sync::Mutex::new(BTreeMap::new()),
            figures: Arc::new(crate::office::Cache::default()),
        })
    }

    /// Appends to the audit log; a failure is logged, never shown to the user (the
    /// action itself already happened).
    pub fn audit(&self, actor: &str, action: &str, detail: &str) {
        if let Err(e) = self.store.audit(actor, action, detail) {
            rocket::error!("audit log: {e}");
        }
    }

    /// When an admin closed the survey early, if they did ("2026-06-30 17:00").
    pub fn closed_at(&self, survey: &str) -> Option<String> {
        let now = std::time::Instant::now();
        if let Ok(c) = self.closures.lock() {
            if let Some((at, v)) = c.get(survey) {
                if now.duration_since(*at) < CLOSURE_TTL {
                    return v.clone();
                }
            }
        }
        let v = match self.store.closure(survey) {
            Ok(v) => v.map(|(t, _)| {
                use chrono::TimeZone;
                chrono::Local
                    .from_utc_datetime(&t)
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            }),
            Err(e) => {
                rocket::error!("reading survey closures: {e}");
                None
            }
        };
        if let Ok(mut c) = self.closures.lock() {
            c.insert(survey.to_string(), (now, v.clone()));
        }
        v
    }

    fn forget_closure(&self, survey: &str) {
        if let Ok(mut c) = self.closures.lock() {
            c.remove(survey);
        }
    }

    /// Refuses new responses once an admin has closed the survey.
    fn check_not_closed(&self, s: &Survey, lang: Lang) -> Result<(), WebError> {
        match self.closed_at(&s.id) {
            None => Ok(()),
            Some(at) => Err(closed(lang, &at)),
        }
    }

    /// Submission limits per minute, per source address and per device.
    pub fn with_limits(mut self, per_source: u32, per_device: u32) -> App {
        self.limits = limits::Limits::new(per_source, per_device);
        self
    }

    /// Checks the rate limits for a submission; the hashes use the survey's salt.
    fn throttle(
        &self,
        survey: &str,
        client: &Client,
        with_device: bool,
        lang: Lang,
    ) -> Result<(), WebError> {
        let salt = self.salt(survey);
        let source = crate::collect::keyed_hash(salt, &client.source);
        let device = with_device.then(|| crate::collect::keyed_hash(salt, &client.device));
        self.limits.check(&source, device.as_deref()).map_err(|wait| {
            let secs = wait.as_secs().max(1);
            let mut e = WebError::new(
                Status::TooManyRequests,
                lang,
                ("提交过于频繁", ""),
                ("Too many submissions", ""),
            );
            e.detail = lang
                .pick("从这里提交的问卷太多，请在 {s} 秒后再试。", "Too many questionnaires were sent from here; please try again in {s} seconds.")
                .replace("{s}", &secs.to_string());
            e.retry_after = Some(secs);
            e
        })
    }

    /// Checks and stores a submission with the survey's salt, as of now. The task waits
    /// for the commit without holding a thread.
    async fn submit(
        &self,
        sub: crate::collect::Submission<'_>,
    ) -> Result<crate::collect::Stored, CollectError> {
        let salt = self.salt(&sub.survey.id).to_string();
        let (now, today) = (chrono::Utc::now(), chrono::Local::now().date_naive());
        crate::collect::submit(&self.store, &salt, sub, now, today).await
    }

    fn survey(&self, id: &str, lang: Lang) -> Result<Arc<Survey>, WebError> {
        self.surveys.get(id).cloned().ok_or_else(|| {
            WebError::from_collect(CollectError::UnknownSurvey(id.to_string()), lang)
        })
    }

    fn salt(&self, id: &str) -> &str {
        self.salts.get(id).map(String::as_str).unwrap_or("")
    }
}

/// The Rocket application over a figment (Rocket.toml + environment) and state.
pub fn rocket(figment: Figment, app: App) -> Rocket<Build> {
    rocket::custom(figment)
        .manage(app)
        .mount(
            "/",
            routes![
                index,
                health,
                health_post,
                questionnaire::form_district,
                questionnaire::form_community,
                questionnaire::post_district,
                questionnaire::post_community,
                questionnaire::thanks,
                questionnaire::qr_image,
                api::post_response,
                auth::login_page,
                auth::login,
                auth::logout,
                office::home,
                office::survey_page,
                office::district_page,
                office::quality_page,
                office::summary,
                office::estimates,
                office::openapi,
                office::city_chart,
                office::district_chart,
                office::city_download,
                office::district_download,
                office::posters,
                office::close,
                office::users,
                office::add_user,
                office::user_action,
                office::audit,
                office::password_page,
                office::change_password,
                office::interview_start,
                office::interview_choose,
                office::interview_page,
                office::interview_submit,
            ],
        )
        .register(
            "/",
            catchers![
                unauthorized,
                forbidden,
                not_found,
                unprocessable,
                too_large,
                bad_request,
                too_many,
                internal
            ],
        )
        .attach(security_headers())
}

fn security_headers() -> impl Fairing {
    AdHoc::on_response("Security headers", |_, res| {
        Box::pin(async move {
            res.set_header(Header::new(
                "Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ));
            res.set_header(Header::new("X-Content-Type-Options", "nosniff"));
            res.set_header(Header::new("Referrer-Policy", "no-referrer"));
            res.set_header(Header::new("X-Frame-Options", "DENY"));
        })
    })
}

/// The client's language choice from `?lang=`.
pub struct Client {
    /// Network address as the server sees it (hashed before storage, never kept).
    pub source: String,
    /// User agent and language: hashed to tell devices apart without identifying them.
    pub device: String,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Client {
    type Error = std::convert::Infallible;
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let source = req
            .client_ip()
            .map(|ip| ip.to_string())
            .unwrap_or_else(|| "unknown".into());
        let h = |n: &str| req.headers().get_one(n).unwrap_or("").to_string();
        Outcome::Success(Client {
            source,
            device: format!("{}|{}", h("User-Agent"), h("Accept-Language")),
        })
    }
}

/// An error page (HTML) or JSON body with the right status code.
#[derive(Debug)]
pub struct WebError {
    pub status: Status,
    pub lang: Lang,
    pub title: String,
    pub detail: String,
    /// Seconds for a `Retry-After` header (rate limits).
    pub retry_after: Option<u64>,
}

impl WebError {
    fn new(status: Status, lang: Lang, zh: (&str, &str), en: (&str, &str)) -> Self {
        let (t, d) = if lang == Lang::En { en } else { zh };
        WebError {
            status,
            lang,
            title: t.into(),
            detail: d.into(),
            retry_after: None,
        }
    }

    pub fn from_collect(e: CollectError, lang: Lang) -> Self {
        match e {
            CollectError::UnknownSurvey(_) => WebError::new(
                Status::NotFound,
                lang,
                ("找不到这项调查", "链接中的调查不存在。请重新扫描张贴的二维码，或联系发布调查的单位。"),
                ("Survey not found", "The survey in this link does not exist. Scan the posted QR code again or contact the office that published it."),
            ),
            CollectError::UnknownPlace { .. } => WebError::new(
                Status::NotFound,
                lang,
                ("找不到这个调查点", "链接中的区或社区代码不存在，可能是二维码印错或已过期。请联系张贴二维码的社区。"),
                ("Collection point not found", "The district or community code in this link does not exist; the QR code may be misprinted or outdated. Please tell the community that posted it."),
            ),
            CollectError::Closed(_, d) => closed(lang, &d.to_string()),
            CollectError::NotYetOpen(_, d) => {
                let mut w = WebError::new(
                    Status::Forbidden,
                    lang,
                    ("调查尚未开始", ""),
                    ("The survey has not started yet", ""),
                );
                w.detail = lang
                    .pick("调查将于 {d} 开始，请届时再来。", "The survey opens on {d}; please come back then.")
                    .replace("{d}", &d.to_string());
                w
            }
            CollectError::Duplicate => already(lang),
            CollectError::InviteUsed => WebError::new(
                Status::Conflict,
                lang,
                ("该邀请码已使用", "每张邀请卡只能参加一次调查。如有疑问，请联系发卡的社区。"),
                ("This invitation code has been used", "Each card can be used once. If in doubt, contact the community that gave it to you."),
            ),
            CollectError::Invalid(errs) => {
                let mut w = WebError::new(Status::UnprocessableEntity, lang, ("答案有误", ""), ("Invalid answers", ""));
                w.detail = errs
                    .iter()
                    .map(|e| format!("{}: {}", e.question, e.message(lang)))
                    .collect::<Vec<_>>()
                    .join("; ");
                w
            }
            CollectError::Storage(e) => {
                rocket::error!("storage: {e}");
                WebError::new(
                    Status::ServiceUnavailable,
                    lang,
                    ("暂时无法保存", "服务器暂时无法保存您的答案，请稍后再提交一次。您的答案没有丢失在本页面中，可返回重试。"),
                    ("Cannot save right now", "The server could not save your answers. Please go back and submit again in a minute."),
                )
            }
        }
    }
}

/// 410: the survey closed (on its closing date or early, by an admin) at `when`.
fn closed(lang: Lang, when: &str) -> WebError {
    let mut w = WebError::new(
        Status::Gone,
        lang,
        ("本次调查已结束", ""),
        ("This survey has closed", ""),
    );
    w.detail = lang
        .pick(
            "调查已于 {d} 结束，感谢您的关注。",
            "The survey closed on {d}. Thank you for your interest.",
        )
        .replace("{d}", when);
    w
}

fn already(lang: Lang) -> WebError {
    WebError::new(
        Status::Conflict,
        lang,
        (
            "您已经参加过本次调查",
            "每人每次调查只需回答一次。感谢您的参与！",
        ),
        (
            "You have already taken part",
            "Each person answers once per survey. Thank you for taking part!",
        ),
    )
}

impl<'r> Responder<'r, 'static> for WebError {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let body = pages::message(self.lang, &self.title, &[&self.detail], None).into_string();
        let mut r = response::Response::build_from(body.respond_to(req)?);
        r.status(self.status).header(ContentType::HTML);
        if let Some(s) = self.retry_after {
            r.header(Header::new("Retry-After", s.to_string()));
        }
        r.ok()
    }
}

#[get("/?<lang>")]
fn index(app: &State<App>, lang: Option<&str>) -> maud::Markup {
    let l = Lang::from_code(lang);
    let body = maud::html! {
        h1 { (l.pick("民意调查", "Public opinion surveys")) }
        p { (l.pick("请扫描张贴在您所在社区的二维码参加调查。下列调查正在进行：",
            "Scan the QR code posted in your community to take part. These surveys are open:")) }
        @for s in app.surveys.values() {
            h2 { (s.title.get(l)) }
            ul { @for d in &s.districts {
                li { a href={ "/s/" (s.id) "/" (d.code) "?ch=link&lang=" (l.code()) } { (d.name.get(l)) } }
            } }
        }
    };
    pages::layout(
        &pages::Page {
            title: l.pick("民意调查", "Public opinion surveys"),
            lang: l,
            switch: Some(format!("/?lang={}", l.pick("en", "zh"))),
        },
        body,
    )
}

#[get("/healthz")]
fn health(app: &State<App>) -> (Status, &'static str) {
    match app.store.integrity_check() {
        Ok(_) => (Status::Ok, "ok"),
        Err(_) => (Status::ServiceUnavailable, "database unavailable"),
    }
}

/// Accepts and discards a small form: a cheap POST for load balancers' checks and the
/// baseline of the load benchmark (`scripts/load.sh`).
#[rocket::post("/healthz", data = "<data>")]
async fn health_post(data: rocket::data::Data<'_>) -> (Status, &'static str) {
    use rocket::data::ToByteUnit;
    match data.open(8.kibibytes()).into_bytes().await {
        Ok(b) if b.is_complete() => (Status::Ok, "ok"),
        _ => (Status::PayloadTooLarge, "too large"),
    }
}

fn lang_of(req: &Request<'_>) -> Lang {
    Lang::from_code(req.query_value::<&str>("lang").and_then(Result::ok))
}

fn wants_json(req: &Request<'_>) -> bool {
    req.uri().path().starts_with("/api/")
}

fn catch_page(
    status: Status,
    req: &Request<'_>,
    zh: (&str, &str),
    en: (&str, &str),
) -> (Status, (ContentType, String)) {
    let l = lang_of(req);
    let (t, d) = if l == Lang::En { en } else { zh };
    if wants_json(req) {
        let body = serde_json::json!({ "error": t, "detail": d }).to_string();
        return (status, (ContentType::JSON, body));
    }
    (
        status,
        (
            ContentType::HTML,
            pages::message(l, t, &[d], None).into_string(),
        ),
    )
}

/// What a request without a session gets.
enum SignIn {
    /// Pages: the sign-in form, coming back here afterwards.
    Page(String),
    /// The API: 401 with how to authenticate.
    Api,
}

impl<'r> Responder<'r, 'static> for SignIn {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        match self {
            SignIn::Page(to) => rocket::response::Redirect::to(to).respond_to(req),
            SignIn::Api => {
                let body = serde_json::json!({
                    "error": "not signed in",
                    "detail": "send `Authorization: Bearer <token>` (create one with `minyi token add --user NAME`) or sign in at /login"
                })
                .to_string();
                response::Response::build_from((ContentType::JSON, body).respond_to(req)?)
                    .status(Status::Unauthorized)
                    .ok()
            }
        }
    }
}

/// No session: pages send the browser to the sign-in form, the API answers 401.
#[catch(401)]
fn unauthorized(req: &Request<'_>) -> SignIn {
    if wants_json(req) {
        return SignIn::Api;
    }
    let next = req.uri().to_string();
    let next: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
    SignIn::Page(format!("/login?next={next}"))
}

#[catch(403)]
fn forbidden(req: &Request<'_>) -> (Status, (ContentType, String)) {
    catch_page(
        Status::Forbidden,
        req,
        ("无权查看", "您的账号无权查看此内容。"),
        ("Not allowed", "Your account may not see this."),
    )
}

#[catch(404)]
fn not_found(req: &Request<'_>) -> (Status, (ContentType, String)) {
    catch_page(
        Status::NotFound,
        req,
        ("页面不存在", "请检查链接，或重新扫描二维码。"),
        (
            "Page not found",
            "Check the link or scan the QR code again.",
        ),
    )
}

#[catch(422)]
fn unprocessable(req: &Request<'_>) -> (Status, (ContentType, String)) {
    catch_page(
        Status::UnprocessableEntity,
        req,
        ("提交的内容无法识别", "请返回后重新填写。"),
        (
            "The submission could not be read",
            "Go back and fill in the form again.",
        ),
    )
}

#[catch(400)]
fn bad_request(req: &Request<'_>) -> (Status, (ContentType, String)) {
    catch_page(
        Status::BadRequest,
        req,
        ("请求格式有误", "请返回后重试。"),
        ("Malformed request", "Go back and try again."),
    )
}

#[catch(413)]
fn too_large(req: &Request<'_>) -> (Status, (ContentType, String)) {
    catch_page(
        Status::PayloadTooLarge,
        req,
        ("提交的内容过长", "请缩短填写的文字后再提交。"),
        (
            "Submission too large",
            "Shorten your written answers and submit again.",
        ),
    )
}

#[catch(429)]
fn too_many(req: &Request<'_>) -> (Status, (ContentType, String)) {
    catch_page(
        Status::TooManyRequests,
        req,
        ("提交过于频繁", "请稍后再试。"),
        ("Too many submissions", "Please try again later."),
    )
}

#[catch(500)]
fn internal(req: &Request<'_>) -> (Status, (ContentType, String)) {
    catch_page(
        Status::InternalServerError,
        req,
        ("服务器出错", "请稍后再试。"),
        ("Server error", "Please try again later."),
    )
}
