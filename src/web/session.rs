//! The session guard, CSRF tokens and the session cookie.
//!
//! The session is a private (encrypted and authenticated) cookie holding the user id,
//! a random nonce and an expiry; the database keeps the nonce's SHA-256 in `sessions`.
//! Every request reads the session and its account in one query, so signing out, a new
//! password or a disabled account ends it at once. The nonce doubles as the CSRF token:
//! every form that changes something carries it, and a cross-site page can read neither.

use constant_time_eq::constant_time_eq;
use rocket::form::FromForm;
use rocket::http::{Cookie, CookieJar, SameSite, Status};
use rocket::request::{FromRequest, Outcome};
use rocket::Request;

use super::error::{Ended, WebError, Why};
use super::html::Who;
use super::state::App;
use crate::accounts::{self, User};
use crate::storage::SessionState;

pub const SESSION_COOKIE: &str = "minyi_session";
/// A working day; after that the officer signs in again.
pub const SESSION_HOURS: i64 = 12;
/// The sign-in form's own CSRF token, kept in a private cookie before there is a
/// session, so another site cannot sign a browser in to an account of its choosing.
const LOGIN_COOKIE: &str = "minyi_login";

/// A signed-in user, from the session cookie or (API only) a bearer token.
pub struct Session {
    pub user: User,
    /// The CSRF token of this session (`None` for token requests, which send no forms).
    pub csrf: Option<String>,
    /// Seconds without activity after which this session ends (pages warn before).
    pub idle_secs: Option<i64>,
}

impl Session {
    /// Checks a submitted CSRF token.
    pub fn check_csrf(&self, token: &str) -> Result<(), WebError> {
        match &self.csrf {
            Some(c) if constant_time_eq(c.as_bytes(), token.as_bytes()) => Ok(()),
            _ => Err(WebError::csrf()),
        }
    }

    pub fn csrf(&self) -> &str {
        self.csrf.as_deref().unwrap_or("")
    }

    /// What a page needs to know of the person viewing it.
    pub fn who(&self) -> Who<'_> {
        Who {
            user: &self.user,
            csrf: self.csrf(),
            idle_secs: self.idle_secs,
        }
    }

    /// `Ok` when the user may; otherwise 403.
    pub fn need(&self, allowed: bool) -> Result<(), WebError> {
        if allowed {
            Ok(())
        } else {
            Err(WebError::forbidden())
        }
    }
}

/// A form that carries only its CSRF token (sign out, close, enable/disable).
#[derive(FromForm)]
pub struct CsrfForm<'r> {
    pub csrf: &'r str,
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
        // Token authentication, for other office systems (JSON API only).
        if req.uri().path().starts_with("/api/") {
            if let Some(token) = req
                .headers()
                .get_one("Authorization")
                .and_then(|h| h.strip_prefix("Bearer "))
            {
                let hash = accounts::token_hash(token);
                let Ok(row) = app.blocking(move |s| s.user_by_token(&hash)).await else {
                    return Outcome::Error((Status::ServiceUnavailable, ()));
                };
                return match row.as_ref().and_then(User::from_row) {
                    Some(user) => Outcome::Success(Session {
                        user,
                        csrf: None,
                        idle_secs: None,
                    }),
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
        // Sent away: the session cookie goes (when the session is over) and the 401
        // catcher learns why, to send the browser where it can go on.
        let away = |why: Option<Why>, over: bool| {
            if over {
                clear_cookie(jar);
            }
            req.local_cache(|| Ended(why));
            Outcome::Error((Status::Unauthorized, ()))
        };
        let now = app.now();
        if exp < now.and_utc().timestamp() {
            return away(None, true);
        }
        // The session must still be in the database (signing out deletes it), belong to
        // the cookie's user and not have been idle too long. A page's background
        // refresh of its figures (`/api/`, with the cookie) is not the user's doing:
        // it must not keep an unattended screen signed in.
        let hash = accounts::token_hash(&nonce);
        let idle = app.policy.idle;
        let touch = !req.uri().path().starts_with("/api/");
        // A database that cannot be asked says nothing about the session: 503, and
        // the cookie stays, so the officer is still signed in when it returns.
        let Ok(state) = app
            .blocking(move |s| s.session_user(&hash, now, idle, touch))
            .await
        else {
            return Outcome::Error((Status::ServiceUnavailable, ()));
        };
        let row = match state {
            SessionState::Live(row) if row.id == id => row,
            SessionState::Idle => return away(Some(Why::Idle), true),
            _ => return away(None, true),
        };
        let Some(user) = User::from_row(&row) else {
            return away(None, true);
        };
        // A password past its age opens only the Password page, and an account whose
        // role needs a second factor it has not enrolled only the enrolment page
        // (each with signing out).
        let path = req.uri().path();
        let open =
            |allowed: &str| path == allowed || path == "/logout" || path == "/office/keepalive";
        if app.policy.passwords.expired(row.password_since(), now) && !open("/office/password") {
            return away(Some(Why::PasswordAged), false);
        }
        if app.policy.needs_second_factor(user.role)
            && row.totp_secret.is_none()
            && !open("/office/2fa")
        {
            return away(Some(Why::EnrolFirst), false);
        }
        Outcome::Success(Session {
            user,
            csrf: Some(nonce),
            idle_secs: idle.map(|d| d.num_seconds()),
        })
    }
}

/// Adds a private (encrypted, authenticated), HttpOnly, same-site-only cookie under
/// `path`: the sign-in form's token and the steps before a session.
fn add_strict(jar: &CookieJar<'_>, name: &'static str, value: String, path: &'static str) {
    let mut c = Cookie::new(name, value);
    c.set_http_only(true);
    c.set_same_site(SameSite::Strict);
    c.set_path(path);
    jar.add_private(c);
}

/// Removes a cookie that [`add_strict`] set under `path`.
fn remove_strict(jar: &CookieJar<'_>, name: &'static str, path: &'static str) {
    let mut c = Cookie::from(name);
    c.set_path(path);
    jar.remove_private(c);
}

/// The sign-in form's token: the one in its cookie, or a new one (and cookie).
pub fn login_token(jar: &CookieJar<'_>) -> String {
    if let Some(c) = jar.get_private(LOGIN_COOKIE) {
        return c.value().to_string();
    }
    let token = crate::collect::new_submission_key();
    add_strict(jar, LOGIN_COOKIE, token.clone(), "/");
    token
}

/// Whether a submitted sign-in form carries the token its cookie holds.
pub fn login_token_matches(jar: &CookieJar<'_>, sent: &str) -> bool {
    jar.get_private(LOGIN_COOKIE)
        .is_some_and(|c| constant_time_eq(c.value().as_bytes(), sent.as_bytes()))
}

/// A new session of `user`: the nonce to record (hashed) and its expiry.
pub struct NewSession {
    pub nonce: String,
    pub expires: i64,
}

impl NewSession {
    /// A session beginning at `now` (the server's clock, see `App::now`).
    pub fn new(now: chrono::NaiveDateTime) -> NewSession {
        NewSession {
            nonce: crate::collect::new_submission_key(),
            expires: now.and_utc().timestamp() + SESSION_HOURS * 3600,
        }
    }

    pub fn expires_at(&self) -> chrono::NaiveDateTime {
        chrono::DateTime::from_timestamp(self.expires, 0)
            .map(|d| d.naive_utc())
            .unwrap_or_default()
    }

    /// Sets the session cookie (HttpOnly, SameSite=Lax, 12 hours).
    pub fn set_cookie(&self, jar: &CookieJar<'_>, user_id: i64) {
        let mut c = Cookie::new(
            SESSION_COOKIE,
            format!("{user_id}|{}|{}", self.nonce, self.expires),
        );
        c.set_http_only(true);
        c.set_same_site(SameSite::Lax);
        c.set_path("/");
        c.set_expires(
            rocket::time::OffsetDateTime::now_utc() + rocket::time::Duration::hours(SESSION_HOURS),
        );
        jar.add_private(c);
    }
}

/// The sign-in's second step: whose password was right, until when. Private (so it
/// cannot be forged) and short-lived; only the code page reads it.
const PENDING_COOKIE: &str = "minyi_2fa";
/// Minutes to type the code after the password.
pub const PENDING_MINUTES: i64 = 5;

/// Remembers that `username`'s password was right at `now`.
pub fn set_pending(jar: &CookieJar<'_>, user_id: i64, username: &str, now: chrono::NaiveDateTime) {
    let until = now.and_utc().timestamp() + PENDING_MINUTES * 60;
    add_strict(
        jar,
        PENDING_COOKIE,
        format!("{user_id}|{until}|{username}"),
        "/login",
    );
}

/// The account whose password was right, if that was within the last minutes.
pub fn pending(jar: &CookieJar<'_>, now: chrono::NaiveDateTime) -> Option<(i64, String)> {
    let c = jar.get_private(PENDING_COOKIE)?;
    let mut it = c.value().splitn(3, '|');
    let id = it.next()?.parse().ok()?;
    let until: i64 = it.next()?.parse().ok()?;
    let name = it.next()?.to_string();
    (until >= now.and_utc().timestamp()).then_some((id, name))
}

pub fn clear_pending(jar: &CookieJar<'_>) {
    remove_strict(jar, PENDING_COOKIE, "/login");
}

/// A second factor being enrolled: its secret, kept in a private cookie until the
/// phone's first code confirms it (nothing is stored before then).
const ENROL_COOKIE: &str = "minyi_totp_new";

pub fn enrolling(jar: &CookieJar<'_>) -> Option<String> {
    jar.get_private(ENROL_COOKIE).map(|c| c.value().to_string())
}

pub fn set_enrolling(jar: &CookieJar<'_>, secret: &str) {
    add_strict(jar, ENROL_COOKIE, secret.to_string(), "/office/2fa");
}

pub fn clear_enrolling(jar: &CookieJar<'_>) {
    remove_strict(jar, ENROL_COOKIE, "/office/2fa");
}

/// Removes the session cookie.
pub fn clear_cookie(jar: &CookieJar<'_>) {
    jar.remove_private(Cookie::from(SESSION_COOKIE));
}
