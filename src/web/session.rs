//! The session guard, CSRF tokens and the session cookie.
//!
//! The session is a private (encrypted and authenticated) cookie holding the user id,
//! a random nonce and an expiry; the database keeps the nonce's SHA-256 in `sessions`.
//! Every request reads the session and its account in one query, so signing out, a new
//! password or a disabled account ends it at once. The nonce doubles as the CSRF token:
//! every form that changes something carries it, and a cross-site page can read neither.

use chrono::Utc;
use rocket::form::FromForm;
use rocket::http::{Cookie, CookieJar, SameSite, Status};
use rocket::request::{FromRequest, Outcome};
use rocket::Request;

use super::error::WebError;
use super::html::Who;
use super::state::App;
use crate::accounts::{self, User};

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

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
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
        // A database that cannot be asked says nothing about the session: 503, and
        // the cookie stays, so the officer is still signed in when it returns.
        let Ok(row) = app.blocking(move |s| s.session_user(&hash)).await else {
            return Outcome::Error((Status::ServiceUnavailable, ()));
        };
        match row.filter(|r| r.id == id).as_ref().and_then(User::from_row) {
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

/// The sign-in form's token: the one in its cookie, or a new one (and cookie).
pub fn login_token(jar: &CookieJar<'_>) -> String {
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
    pub fn new() -> NewSession {
        NewSession {
            nonce: crate::collect::new_submission_key(),
            expires: Utc::now().timestamp() + SESSION_HOURS * 3600,
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

impl Default for NewSession {
    fn default() -> Self {
        Self::new()
    }
}

/// Removes the session cookie.
pub fn clear_cookie(jar: &CookieJar<'_>) {
    jar.remove_private(Cookie::from(SESSION_COOKIE));
}
