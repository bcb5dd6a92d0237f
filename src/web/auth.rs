//! Signing in and out, the session guard, CSRF tokens and login throttling.
//!
//! The session is a private (encrypted and authenticated) cookie holding the user id,
//! a random nonce and an expiry; the database keeps the nonce's SHA-256 in `sessions`.
//! Every request reads the session and its account in one query, so signing out, a new
//! password or a disabled account ends it at once. The nonce doubles as the CSRF token:
//! every form that changes something carries it, and a cross-site page can read neither.

use chrono::Utc;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use rocket::form::{Form, FromForm};
use rocket::http::{Cookie, CookieJar, SameSite, Status};
use rocket::request::{FromRequest, Outcome};
use rocket::response::Redirect;
use rocket::{get, post, Request, State};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{office_pages as op, App, Client};
use crate::accounts::{self, User};
use crate::definition::Lang;

pub const SESSION_COOKIE: &str = "minyi_session";
/// A working day; after that the officer signs in again.
pub const SESSION_HOURS: i64 = 12;

/// Failed logins allowed per username and per source before a pause.
const FAILURES_ALLOWED: u32 = 5;
const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Counts failed logins (only failures: an officer signing in often is never slowed).
pub struct LoginThrottle {
    limiter: DefaultKeyedRateLimiter<String>,
    locked: Mutex<HashMap<String, Instant>>,
    clock: governor::clock::DefaultClock,
}

impl LoginThrottle {
    pub fn new() -> LoginThrottle {
        // The limiter refuses the failure after its burst: a burst of N-1 makes the
        // N-th failure the one that starts the pause.
        let n = NonZeroU32::new(FAILURES_ALLOWED - 1).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(FAILURE_WINDOW / FAILURES_ALLOWED)
            .map(|q| q.allow_burst(n))
            .unwrap_or_else(|| Quota::per_minute(n));
        LoginThrottle {
            limiter: RateLimiter::keyed(quota),
            locked: Mutex::new(HashMap::new()),
            clock: governor::clock::DefaultClock::default(),
        }
    }

    /// Seconds to wait when one of `keys` is paused.
    fn wait(&self, keys: &[String]) -> Option<u64> {
        let locked = self.locked.lock().ok()?;
        let now = Instant::now();
        keys.iter()
            .filter_map(|k| locked.get(k))
            .filter(|until| **until > now)
            .map(|until| (*until - now).as_secs().max(1))
            .max()
    }

    fn failed(&self, keys: &[String]) {
        for k in keys {
            if let Err(not_until) = self.limiter.check_key(k) {
                let wait = not_until.wait_time_from(governor::clock::Clock::now(&self.clock));
                if let Ok(mut l) = self.locked.lock() {
                    l.insert(
                        k.clone(),
                        Instant::now() + wait.max(Duration::from_secs(60)),
                    );
                }
            }
        }
    }
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new()
    }
}

/// A signed-in user, from the session cookie or (API only) a bearer token.
pub struct Session {
    pub user: User,
    /// The CSRF token of this session (`None` for token requests, which send no forms).
    pub csrf: Option<String>,
}

impl Session {
    /// Checks a submitted CSRF token.
    pub fn check_csrf(&self, token: &str) -> bool {
        match &self.csrf {
            Some(c) => constant_time_eq(c.as_bytes(), token.as_bytes()),
            None => false,
        }
    }
    pub fn csrf(&self) -> &str {
        self.csrf.as_deref().unwrap_or("")
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn parse_cookie(v: &str) -> Option<(i64, String, i64)> {
    let mut it = v.split('|');
    let id = it.next()?.parse().ok()?;
    let nonce = it.next()?.to_string();
    let exp = it.next()?.parse().ok()?;
    Some((id, nonce, exp))
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Session {
    type Error = ();
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        let Some(app) = req.rocket().state::<App>() else {
            return Outcome::Error((Status::InternalServerError, ()));
        };
        let store = app.store.clone();
        // Token authentication, for other office systems (JSON API only).
        if req.uri().path().starts_with("/api/") {
            if let Some(token) = req
                .headers()
                .get_one("Authorization")
                .and_then(|h| h.strip_prefix("Bearer "))
            {
                let hash = accounts::token_hash(token);
                let row = rocket::tokio::task::spawn_blocking(move || store.user_by_token(&hash))
                    .await
                    .ok()
                    .and_then(Result::ok)
                    .flatten();
                return match row.as_ref().and_then(User::from_row) {
                    Some(user) => Outcome::Success(Session { user, csrf: None }),
                    None => Outcome::Error((Status::Unauthorized, ())),
                };
            }
        }
        let jar = req.cookies();
        let Some((id, nonce, exp)) = jar
            .get_private(SESSION_COOKIE)
            .and_then(|c| parse_cookie(c.value()))
        else {
            return Outcome::Error((Status::Unauthorized, ()));
        };
        if exp < Utc::now().timestamp() {
            jar.remove_private(Cookie::from(SESSION_COOKIE));
            return Outcome::Error((Status::Unauthorized, ()));
        }
        // The session must still be in the database (signing out deletes it) and
        // belong to the cookie's user.
        let hash = accounts::token_hash(&nonce);
        let row = rocket::tokio::task::spawn_blocking(move || store.session_user(&hash))
            .await
            .ok()
            .and_then(Result::ok)
            .flatten()
            .filter(|r| r.id == id);
        match row.as_ref().and_then(User::from_row) {
            Some(user) => Outcome::Success(Session {
                user,
                csrf: Some(nonce),
            }),
            None => {
                jar.remove_private(Cookie::from(SESSION_COOKIE));
                Outcome::Error((Status::Unauthorized, ()))
            }
        }
    }
}

fn safe_next(next: Option<&str>) -> String {
    // Only paths on this site: never an open redirect.
    match next {
        Some(n) if n.starts_with("/office") && !n.starts_with("//") => n.to_string(),
        _ => "/office".into(),
    }
}

/// The sign-in form's own CSRF token, kept in a private cookie before there is a
/// session, so another site cannot sign a browser in to an account of its choosing.
const LOGIN_COOKIE: &str = "minyi_login";

fn login_token(jar: &CookieJar<'_>) -> String {
    if let Some(c) = jar.get_private(LOGIN_COOKIE) {
        return c.value().to_string();
    }
    let token = crate::collect::new_submission_key();
    let mut c = Cookie::new(LOGIN_COOKIE, token.clone());
    c.set_http_only(true);
    c.set_same_site(SameSite::Strict);
    c.set_path("/");
    jar.add_private(c);
    token
}

#[get("/login?<next>&<lang>&<error>")]
pub fn login_page(
    jar: &CookieJar<'_>,
    next: Option<&str>,
    lang: Option<&str>,
    error: Option<&str>,
) -> maud::Markup {
    let l = Lang::from_code(lang);
    op::login(l, &safe_next(next), error, &login_token(jar))
}

#[derive(FromForm)]
pub struct LoginForm<'r> {
    csrf: Option<&'r str>,
    username: &'r str,
    password: &'r str,
    next: Option<&'r str>,
    lang: Option<&'r str>,
}

pub enum LoginOutcome {
    Ok(Box<Redirect>),
    Refused(Status, maud::Markup),
}

impl<'r> rocket::response::Responder<'r, 'static> for LoginOutcome {
    fn respond_to(self, req: &'r Request<'_>) -> rocket::response::Result<'static> {
        match self {
            LoginOutcome::Ok(r) => r.respond_to(req),
            LoginOutcome::Refused(s, m) => {
                rocket::response::Response::build_from(m.respond_to(req)?)
                    .status(s)
                    .ok()
            }
        }
    }
}

#[post("/login", data = "<form>")]
pub async fn login(
    app: &State<App>,
    jar: &CookieJar<'_>,
    client: Client,
    form: Form<LoginForm<'_>>,
) -> LoginOutcome {
    let l = Lang::from_code(form.lang);
    let next = safe_next(form.next);
    let had = jar.get_private(LOGIN_COOKIE).map(|c| c.value().to_string());
    let token = login_token(jar);
    let sent = form.csrf.unwrap_or("");
    if !had.is_some_and(|h| constant_time_eq(h.as_bytes(), sent.as_bytes())) {
        let msg = l.pick(
            "登录表单已过期，请再输入一次。",
            "The sign-in form expired; please enter your details again.",
        );
        return LoginOutcome::Refused(Status::Forbidden, op::login(l, &next, Some(msg), &token));
    }
    let username = form.username.trim().to_string();
    let source = crate::collect::keyed_hash(&app.login_salt, &client.source);
    let keys = [format!("u:{username}"), format!("s:{source}")];
    if let Some(secs) = app.logins.wait(&keys) {
        let msg = l
            .pick(
                "登录失败次数过多，请 {s} 秒后再试。",
                "Too many failed sign-ins; try again in {s} seconds.",
            )
            .replace("{s}", &secs.to_string());
        return LoginOutcome::Refused(
            Status::TooManyRequests,
            op::login(l, &next, Some(&msg), &token),
        );
    }
    let store = app.store.clone();
    let (u, p) = (username.clone(), form.password.to_string());
    // argon2 is deliberately slow: keep it off the async workers.
    let (known, found) = rocket::tokio::task::spawn_blocking(move || {
        let row = store.user_by_name(&u).ok().flatten();
        let hash = row
            .as_ref()
            .map_or(accounts::dummy_hash(), |r| r.password_hash.as_str());
        let ok = accounts::verify_password(&p, hash);
        (
            row.is_some(),
            row.filter(|_| ok).and_then(|r| User::from_row(&r)),
        )
    })
    .await
    .unwrap_or((false, None));
    let Some(user) = found else {
        app.logins.failed(&keys);
        // What was typed as an unknown username is often a password: never log it.
        let actor = if known {
            username.as_str()
        } else {
            "(unknown username)"
        };
        app.audit(actor, "login_failed", "");
        let msg = l.pick(
            "用户名或密码不正确（或账号已停用）。",
            "Wrong username or password (or the account is disabled).",
        );
        return LoginOutcome::Refused(Status::Unauthorized, op::login(l, &next, Some(msg), &token));
    };
    let exp = Utc::now().timestamp() + SESSION_HOURS * 3600;
    let nonce = crate::collect::new_submission_key();
    let expires = chrono::DateTime::from_timestamp(exp, 0)
        .map(|d| d.naive_utc())
        .unwrap_or_default();
    if let Err(e) = app
        .store
        .add_session(&accounts::token_hash(&nonce), user.id, expires)
    {
        rocket::error!("storing a session: {e}");
        let msg = l.pick(
            "暂时无法登录（数据库不可用），请稍后再试。",
            "Cannot sign in right now (the database is unavailable); try again in a minute.",
        );
        return LoginOutcome::Refused(
            Status::ServiceUnavailable,
            op::login(l, &next, Some(msg), &token),
        );
    }
    let mut c = Cookie::new(SESSION_COOKIE, format!("{}|{nonce}|{exp}", user.id));
    c.set_http_only(true);
    c.set_same_site(SameSite::Lax);
    c.set_path("/");
    c.set_expires(
        rocket::time::OffsetDateTime::now_utc() + rocket::time::Duration::hours(SESSION_HOURS),
    );
    jar.add_private(c);
    app.audit(&user.username, "login", "");
    LoginOutcome::Ok(Box::new(Redirect::to(next)))
}

#[derive(FromForm)]
pub struct CsrfForm<'r> {
    pub csrf: &'r str,
}

#[post("/logout", data = "<form>")]
pub fn logout(
    app: &State<App>,
    jar: &CookieJar<'_>,
    session: Session,
    form: Form<CsrfForm<'_>>,
) -> Result<Redirect, super::office::OfficeWebError> {
    if !session.check_csrf(form.csrf) {
        return Err(super::office::OfficeWebError::Csrf);
    }
    if let Err(e) = app.store.end_session(&accounts::token_hash(session.csrf())) {
        rocket::error!("ending a session: {e}");
    }
    jar.remove_private(Cookie::from(SESSION_COOKIE));
    app.audit(&session.user.username, "logout", "");
    Ok(Redirect::to("/login"))
}
