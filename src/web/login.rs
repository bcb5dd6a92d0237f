//! Signing in and out. A failed sign-in answers the same, and takes the same argon2
//! time, whether the username exists or not; after five failures per username or per
//! source, sign-in pauses.

use rocket::form::{Form, FromForm};
use rocket::http::{CookieJar, Status};
use rocket::response::Redirect;
use rocket::{get, post, State};

use super::client::Client;
use super::error::{with_next, WebError};
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

/// `why=idle`: the session before ended for want of use (the page says so in its own
/// words; no text is ever taken from the address, so a link cannot put words on it).
#[get("/login?<next>&<lang>&<why>")]
pub fn login_page(
    jar: &CookieJar<'_>,
    app: &State<App>,
    next: Option<&str>,
    lang: Option<&str>,
    why: Option<&str>,
) -> maud::Markup {
    let l = Lang::from_code(lang);
    let idle = app.policy.idle.filter(|_| why == Some("idle"));
    pages::login(l, &safe_next(next), None, idle, &session::login_token(jar))
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
    /// The second step's code is wrong, or was used already.
    WrongCode,
    Unavailable,
}

impl Refusal {
    /// The sign-in form again, saying why.
    fn page(self, l: Lang, next: &str, token: &str) -> (Status, maud::Markup) {
        let (status, said) = self.said(l);
        (status, pages::login(l, next, Some(&said), None, token))
    }

    /// The code form again, saying why.
    fn code_page(self, l: Lang, next: &str, token: &str) -> (Status, maud::Markup) {
        let (status, said) = self.said(l);
        (status, pages::second_factor(l, next, Some(&said), token))
    }

    fn said(self, l: Lang) -> (Status, String) {
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
            Refusal::WrongCode => (
                Status::Unauthorized,
                "验证码不正确或已用过：请输入验证器应用当前显示的6位数字，或一个未用过的恢复码。".into(),
                "Wrong or already used code: enter the 6 digits your authenticator app shows now, or an unused recovery code.".into(),
            ),
            Refusal::Unavailable => (
                Status::ServiceUnavailable,
                "暂时无法登录（数据库不可用），请稍后再试。".into(),
                "Cannot sign in right now (the database is unavailable); try again in a minute."
                    .into(),
            ),
        };
        (status, l.pick(&zh, &en).to_string())
    }
}

/// Where a right password leads.
enum Signed {
    /// Signed in.
    In,
    /// The account has a second factor: its code comes next.
    NeedsCode,
}

#[post("/login", data = "<form>")]
pub async fn login(
    app: &State<App>,
    jar: &CookieJar<'_>,
    client: Client,
    form: Form<LoginForm<'_>>,
) -> Result<Redirect, (Status, maud::Markup)> {
    let next = safe_next(form.next);
    let l = Lang::from_code(form.lang);
    let fresh = session::login_token_matches(jar, form.csrf.unwrap_or(""));
    let token = session::login_token(jar);
    match sign_in(app, jar, &client, &form, fresh).await {
        Ok(Signed::In) => Ok(Redirect::to(next)),
        Ok(Signed::NeedsCode) => Ok(Redirect::to(format!(
            "{}&lang={}",
            with_next("/login/code", &next),
            l.code()
        ))),
        Err(r) => Err(r.page(l, &next, &token)),
    }
}

/// The second step of signing in: the code from the phone.
#[get("/login/code?<next>&<lang>")]
pub fn code_page(
    app: &State<App>,
    jar: &CookieJar<'_>,
    next: Option<&str>,
    lang: Option<&str>,
) -> Result<maud::Markup, Box<Redirect>> {
    let next = safe_next(next);
    if session::pending(jar, app.now()).is_none() {
        return Err(Box::new(Redirect::to(with_next("/login", &next))));
    }
    let token = session::login_token(jar);
    Ok(pages::second_factor(
        Lang::from_code(lang),
        &next,
        None,
        &token,
    ))
}

#[derive(FromForm)]
pub struct CodeForm<'r> {
    csrf: Option<&'r str>,
    code: &'r str,
    next: Option<&'r str>,
    lang: Option<&'r str>,
}

#[post("/login/code", data = "<form>")]
pub async fn code(
    app: &State<App>,
    jar: &CookieJar<'_>,
    client: Client,
    form: Form<CodeForm<'_>>,
) -> Result<Redirect, (Status, maud::Markup)> {
    let next = safe_next(form.next);
    let l = Lang::from_code(form.lang);
    let token = session::login_token(jar);
    if !session::login_token_matches(jar, form.csrf.unwrap_or("")) {
        return Err(Refusal::Expired.code_page(l, &next, &token));
    }
    // Past its minutes, the password is asked again.
    let Some((id, username)) = session::pending(jar, app.now()) else {
        return Err(Refusal::Expired.page(l, &next, &token));
    };
    match second_step(app, jar, &client, id, &username, form.code).await {
        Ok(()) => Ok(Redirect::to(next)),
        Err(r) => Err(r.code_page(l, &next, &token)),
    }
}

/// Checks the code of the account whose password was right, then starts its session.
/// Failures count towards the same pause as wrong passwords.
async fn second_step(
    app: &App,
    jar: &CookieJar<'_>,
    client: &Client,
    id: i64,
    username: &str,
    typed: &str,
) -> Result<(), Refusal> {
    let keys = unpaused(app, client, username)?;
    let (name, typed, now) = (username.to_string(), typed.to_string(), app.now());
    let checked = app
        .blocking(move |s| {
            let row = s.user_by_name(&name)?.filter(|r| r.id == id);
            let user = row.as_ref().and_then(User::from_row);
            let (Some(user), Some(secret)) = (user, row.and_then(|r| r.totp_secret)) else {
                return Ok::<_, WebError>(None);
            };
            Ok(accounts::check_second_factor(s, id, &secret, &typed, now)?.map(|f| (user, f)))
        })
        .await
        .map_err(|_| Refusal::Unavailable)?;
    let Some((user, factor)) = checked else {
        app.logins.failed(&keys);
        app.audit(username, "login_failed", "second factor").await;
        return Err(Refusal::WrongCode);
    };
    session::clear_pending(jar);
    let how = match factor {
        accounts::SecondFactor::Code => "second factor: code".to_string(),
        accounts::SecondFactor::Recovery { left } => {
            format!("second factor: recovery code ({left} left)")
        }
    };
    start_session(app, jar, &user, &how).await
}

/// Checks the form and the password, then starts a session (cookie and row).
async fn sign_in(
    app: &App,
    jar: &CookieJar<'_>,
    client: &Client,
    form: &LoginForm<'_>,
    fresh: bool,
) -> Result<Signed, Refusal> {
    if !fresh {
        return Err(Refusal::Expired);
    }
    let username = form.username.trim().to_string();
    let keys = unpaused(app, client, &username)?;
    let (user, second) = check_password(app, &username, form.password, &keys)
        .await
        .ok_or(Refusal::Wrong)?;
    if second {
        session::set_pending(jar, user.id, &user.username, app.now());
        return Ok(Signed::NeedsCode);
    }
    start_session(app, jar, &user, "").await?;
    Ok(Signed::In)
}

/// The sign-in pause's keys for this username and source (both steps of a sign-in
/// count against them), or how long the pause still lasts.
fn unpaused(app: &App, client: &Client, username: &str) -> Result<[String; 2], Refusal> {
    let source = crate::collect::keyed_hash(&app.login_salt, &client.source);
    let keys = [format!("u:{username}"), format!("s:{source}")];
    match app.logins.wait(&keys) {
        Some(secs) => Err(Refusal::Paused(secs)),
        None => Ok(keys),
    }
}

/// Starts a session (cookie and row) and logs the sign-in with `how`.
async fn start_session(
    app: &App,
    jar: &CookieJar<'_>,
    user: &User,
    how: &str,
) -> Result<(), Refusal> {
    let now = app.now();
    let new = NewSession::new(now);
    let (hash, id, expires) = (accounts::token_hash(&new.nonce), user.id, new.expires_at());
    app.blocking(move |s| s.add_session(&hash, id, now, expires))
        .await
        .map_err(|_| Refusal::Unavailable)?;
    new.set_cookie(jar, user.id);
    app.audit(&user.username, "login", how).await;
    Ok(())
}

/// The account, when the password is right and the account enabled, and whether it
/// has a second factor to ask for. A failure counts towards the pause and is logged;
/// what was typed as an unknown username is often a password, so it is never logged.
async fn check_password(
    app: &App,
    username: &str,
    password: &str,
    keys: &[String],
) -> Option<(User, bool)> {
    let (u, p) = (username.to_string(), password.to_string());
    // argon2 is deliberately slow: it runs on the blocking pool.
    let checked = app
        .blocking(move |store| {
            let row = store.user_by_name(&u)?;
            let hash = row
                .as_ref()
                .map_or(accounts::dummy_hash(), |r| r.password_hash.as_str());
            let ok = accounts::verify_password(&p, hash);
            let user = row
                .as_ref()
                .filter(|_| ok)
                .and_then(|r| Some((User::from_row(r)?, r.totp_secret.is_some())));
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
