//! Signing in and out. A failed sign-in answers the same, and takes the same argon2
//! time, whether the username exists or not; after five failures per username or per
//! source, sign-in pauses.

use rocket::form::{Form, FromForm};
use rocket::http::{CookieJar, Status};
use rocket::response::Redirect;
use rocket::{get, post, State};

use super::client::Client;
use super::error::WebError;
use super::html::office as pages;
use super::session::{self, CsrfForm, NewSession, Session};
use super::state::App;
use crate::accounts::{self, User};
use crate::definition::Lang;

/// Only paths on this site: never an open redirect.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with("/office") && !n.starts_with("//") => n.to_string(),
        _ => "/office".into(),
    }
}

#[get("/login?<next>&<lang>&<error>&<why>")]
pub fn login_page(
    jar: &CookieJar<'_>,
    app: &State<App>,
    next: Option<&str>,
    lang: Option<&str>,
    error: Option<&str>,
    why: Option<&str>,
) -> maud::Markup {
    let l = Lang::from_code(lang);
    let idle = app.policy.idle.filter(|_| why == Some("idle"));
    pages::login(l, &safe_next(next), error, idle, &session::login_token(jar))
}

#[derive(FromForm)]
pub struct LoginForm<'r> {
    csrf: Option<&'r str>,
    username: &'r str,
    password: &'r str,
    next: Option<&'r str>,
    lang: Option<&'r str>,
}

/// Why a sign-in was refused.
enum Refusal {
    /// The form's CSRF token is missing or stale.
    Expired,
    /// Too many failures for this username or source: seconds to wait.
    Paused(u64),
    Wrong,
    Unavailable,
}

impl Refusal {
    /// The sign-in form again, saying why.
    fn page(self, l: Lang, next: &str, token: &str) -> (Status, maud::Markup) {
        let (status, zh, en) = match self {
            Refusal::Expired => (
                Status::Forbidden,
                "登录表单已过期，请再输入一次。".to_string(),
                "The sign-in form expired; please enter your details again.".to_string(),
            ),
            Refusal::Paused(s) => (
                Status::TooManyRequests,
                format!("登录失败次数过多，请 {s} 秒后再试。"),
                format!("Too many failed sign-ins; try again in {s} seconds."),
            ),
            Refusal::Wrong => (
                Status::Unauthorized,
                "用户名或密码不正确（或账号已停用）。".into(),
                "Wrong username or password (or the account is disabled).".into(),
            ),
            Refusal::Unavailable => (
                Status::ServiceUnavailable,
                "暂时无法登录（数据库不可用），请稍后再试。".into(),
                "Cannot sign in right now (the database is unavailable); try again in a minute."
                    .into(),
            ),
        };
        (
            status,
            pages::login(l, next, Some(l.pick(&zh, &en)), None, token),
        )
    }
}

#[post("/login", data = "<form>")]
pub async fn login(
    app: &State<App>,
    jar: &CookieJar<'_>,
    client: Client,
    form: Form<LoginForm<'_>>,
) -> Result<Redirect, (Status, maud::Markup)> {
    let next = safe_next(form.next);
    let fresh = session::login_token_matches(jar, form.csrf.unwrap_or(""));
    let token = session::login_token(jar);
    match sign_in(app, jar, &client, &form, fresh).await {
        Ok(()) => Ok(Redirect::to(next)),
        Err(r) => Err(r.page(Lang::from_code(form.lang), &next, &token)),
    }
}

/// Checks the form and the password, then starts a session (cookie and row).
async fn sign_in(
    app: &App,
    jar: &CookieJar<'_>,
    client: &Client,
    form: &LoginForm<'_>,
    fresh: bool,
) -> Result<(), Refusal> {
    if !fresh {
        return Err(Refusal::Expired);
    }
    let username = form.username.trim().to_string();
    let source = crate::collect::keyed_hash(&app.login_salt, &client.source);
    let keys = [format!("u:{username}"), format!("s:{source}")];
    if let Some(secs) = app.logins.wait(&keys) {
        return Err(Refusal::Paused(secs));
    }
    let user = check_password(app, &username, form.password, &keys)
        .await
        .ok_or(Refusal::Wrong)?;
    let now = app.now();
    let new = NewSession::new(now);
    let (hash, id, expires) = (accounts::token_hash(&new.nonce), user.id, new.expires_at());
    app.blocking(move |s| s.add_session(&hash, id, now, expires))
        .await
        .map_err(|_| Refusal::Unavailable)?;
    new.set_cookie(jar, user.id);
    app.audit(&user.username, "login", "").await;
    Ok(())
}

/// The account, when the password is right and the account enabled. A failure counts
/// towards the pause and is logged; what was typed as an unknown username is often a
/// password, so it is never logged.
async fn check_password(
    app: &App,
    username: &str,
    password: &str,
    keys: &[String],
) -> Option<User> {
    let (u, p) = (username.to_string(), password.to_string());
    // argon2 is deliberately slow: it runs on the blocking pool.
    let checked = app
        .blocking(move |store| {
            let row = store.user_by_name(&u)?;
            let hash = row
                .as_ref()
                .map_or(accounts::dummy_hash(), |r| r.password_hash.as_str());
            let ok = accounts::verify_password(&p, hash);
            let user = row.as_ref().filter(|_| ok).and_then(User::from_row);
            Ok::<_, crate::storage::StorageError>((row.is_some(), user))
        })
        .await;
    let (known, user) = checked.unwrap_or((false, None));
    if user.is_none() {
        app.logins.failed(keys);
        let actor = if known {
            username
        } else {
            "(unknown username)"
        };
        app.audit(actor, "login_failed", "").await;
    }
    user
}

#[post("/logout", data = "<form>")]
pub async fn logout(
    app: &State<App>,
    jar: &CookieJar<'_>,
    session: Session,
    form: Form<CsrfForm<'_>>,
) -> Result<Redirect, WebError> {
    session.check_csrf(form.csrf)?;
    let hash = accounts::token_hash(session.csrf());
    if let Err(e) = app.blocking(move |s| s.end_session(&hash)).await {
        rocket::error!("ending a session: {}", e.detail.en);
    }
    session::clear_cookie(jar);
    app.audit(&session.user.username, "logout", "").await;
    Ok(Redirect::to("/login"))
}
