//! What a load balancer asks: whether this server can reach its database.

use rocket::http::Status;
use rocket::{get, State};

use super::form;
use super::state::App;

/// For load balancers' probes: whether the database answers (one cheap query). The
/// deep check of every page is `minyi db check` and the admins' page `/office/db`.
#[get("/healthz")]
pub async fn health(app: &State<App>) -> (Status, &'static str) {
    match app.blocking(|s| s.ping()).await {
        Ok(_) => (Status::Ok, "ok"),
        // A load balancer takes this server out until the database answers again.
        Err(_) => (Status::ServiceUnavailable, "database unavailable"),
    }
}

/// Accepts and discards a small form: a cheap POST for load balancers' checks and the
/// baseline of the load benchmark (`scripts/load.sh`).
#[rocket::post("/healthz", data = "<data>")]
pub async fn health_post(data: rocket::data::Data<'_>) -> (Status, &'static str) {
    match form::read_body(data, 8).await {
        Ok(_) => (Status::Ok, "ok"),
        Err(_) => (Status::PayloadTooLarge, "too large"),
    }
}
