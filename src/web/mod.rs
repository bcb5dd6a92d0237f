//! The only module that knows about HTTP (with `main` and `config`, which read
//! Rocket's settings). This file only assembles: the routes of each room, the
//! catchers, the security headers, the background jobs' start and stop. Each room's
//! handlers are thin — a guard, one access question, one library call, a response —
//! and reach the store only through [`App`] (`blocking`, `submit`, `stream`).
//!
//! Rooms and their doors: `questionnaire` (the resident's form), `intake` (JSON for
//! kiosks), `login` (signing in and out), `office` (the dashboard, by concern),
//! `health` (load balancers' probes). Shared
//! below them: `state` (the [`App`]), `session` (guard, CSRF), `client` (who sent a
//! request), `form` (bodies), `error` (the one [`WebError`] and the catchers),
//! `limits` (rate limits), `html` (every template).

mod assets;
mod client;
mod compress;
mod error;
mod form;
mod health;
mod html;
mod intake;
mod limits;
mod login;
mod office;
mod questionnaire;
mod session;
mod state;

pub use error::WebError;
pub use state::{App, DEFAULT_PER_SOURCE};

use rocket::fairing::{AdHoc, Fairing};
use rocket::figment::Figment;
use rocket::http::Header;
use rocket::{catchers, routes, Build, Rocket};

/// The Rocket application over a figment (Rocket.toml + environment) and state.
pub fn rocket(figment: Figment, app: App) -> Rocket<Build> {
    rocket::custom(figment)
        .manage(app)
        .mount(
            "/",
            routes![
                questionnaire::index,
                questionnaire::questionnaire,
                questionnaire::post,
                questionnaire::thanks,
                questionnaire::started,
                intake::post_response,
                intake::parse_only,
                login::login_page,
                login::login,
                login::code_page,
                login::code,
                login::logout,
                health::health,
                health::health_post,
                assets::asset,
                assets::service_worker,
            ],
        )
        .mount("/", office::routes())
        .register(
            "/",
            catchers![
                error::unauthorized,
                error::forbidden,
                error::not_found,
                error::unprocessable,
                error::too_large,
                error::bad_request,
                error::too_many,
                error::unavailable,
                error::internal
            ],
        )
        .attach(security_headers())
        .attach(compress::Gzip)
        .attach(AdHoc::on_liftoff("questionnaire views", |rocket| {
            Box::pin(async move {
                if let Some(app) = rocket.state::<App>() {
                    app.spawn_view_flusher();
                }
            })
        }))
        .attach(AdHoc::on_shutdown("questionnaire views", |rocket| {
            Box::pin(async move {
                if let Some(app) = rocket.state::<App>() {
                    if let Err(e) = app.flush_views().await {
                        log::warn!("questionnaire views not recorded at shutdown: {e:?}");
                    }
                }
            })
        }))
}

fn security_headers() -> impl Fairing {
    AdHoc::on_response("Security headers", |req, res| {
        Box::pin(async move {
            res.set_header(Header::new(
                "Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; worker-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ));
            res.set_header(Header::new("X-Content-Type-Options", "nosniff"));
            res.set_header(Header::new("Referrer-Policy", "no-referrer"));
            res.set_header(Header::new("X-Frame-Options", "DENY"));
            if req.rocket().state::<App>().is_some_and(|a| a.https) {
                res.set_header(Header::new("Strict-Transport-Security", "max-age=31536000"));
                secure_cookies(res);
            }
        })
    })
}

/// Marks every cookie of a response `Secure`. Rocket writes the jar's cookies as
/// `Set-Cookie` headers before the response fairings run, and sets the flag itself
/// only when it terminates TLS; behind a proxy that does, this is the one place that
/// covers every cookie minyi sets or removes.
fn secure_cookies(res: &mut rocket::Response<'_>) {
    let cookies: Vec<String> = res
        .headers()
        .get("Set-Cookie")
        .map(|v| match rocket::http::Cookie::parse(v.to_string()) {
            Ok(mut c) => {
                c.set_secure(true);
                c.to_string()
            }
            Err(_) => format!("{v}; Secure"),
        })
        .collect();
    if cookies.is_empty() {
        return;
    }
    res.remove_header("Set-Cookie");
    for c in cookies {
        res.adjoin_header(Header::new("Set-Cookie", c));
    }
}
