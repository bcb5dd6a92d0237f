//! Who is sending a request, as far as abuse control needs to know: the network
//! source and a device fingerprint. Both are hashed with the survey's salt before
//! they are compared or stored; the raw values never leave the request.

use rocket::request::{FromRequest, Outcome};
use rocket::Request;

/// The sender of a request.
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
