//! Who is sending a request, as far as abuse control needs to know: the network
//! source and a device fingerprint. Both are hashed with the survey's salt before
//! they are compared or stored; the raw values never leave the request.
//!
//! The source is the peer's address. Forwarding headers are believed only from the
//! configured `trusted_proxies`: then the source is the right-most address of
//! `X-Forwarded-For` that is not itself a trusted proxy (each proxy appends the
//! address it saw, so everything left of that is the client's own claim), or
//! `X-Real-IP`. Anyone else choosing their own address by a header would defeat the
//! rate limit, the source-burst flag and the sign-in throttle.

use ipnet::IpNet;
use rocket::request::{FromRequest, Outcome};
use rocket::Request;
use std::net::IpAddr;

use super::state::App;

/// The sender of a request.
pub struct Client {
    /// Network address (hashed before storage, never kept).
    pub source: String,
    /// The source with user agent and language: tells devices behind one address
    /// apart without identifying anyone (and without lumping together every owner of
    /// one phone model across the city).
    pub device: String,
}

/// The source address of a request from `peer`, given the trusted proxies and the
/// forwarding headers it carried.
pub fn source(
    peer: Option<IpAddr>,
    trusted: &[IpNet],
    forwarded_for: Option<&str>,
    real_ip: Option<&str>,
) -> String {
    let Some(peer) = peer else {
        return "unknown".into();
    };
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return peer.to_string();
    }
    if let Some(list) = forwarded_for {
        // Walking back from the peer through the trusted proxies.
        let mut last = peer;
        for hop in list.split(',').rev().map(|h| parse_hop(h.trim())) {
            match hop {
                Some(ip) if is_trusted(&ip) => last = ip,
                Some(ip) => return ip.to_string(),
                // Not an address: trusted proxies write addresses, so this is the
                // client's own text; the last trusted hop is the source.
                None => break,
            }
        }
        return last.to_string();
    }
    match real_ip.and_then(|h| parse_hop(h.trim())) {
        Some(ip) => ip.to_string(),
        None => peer.to_string(),
    }
}

/// An address as proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `[2001:db8::1]:443`.
fn parse_hop(h: &str) -> Option<IpAddr> {
    if let Ok(ip) = h.parse() {
        return Some(ip);
    }
    if let Ok(sa) = h.parse::<std::net::SocketAddr>() {
        return Some(sa.ip());
    }
    h.strip_prefix('[')
        .and_then(|r| r.split(']').next())
        .and_then(|ip| ip.parse().ok())
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Client {
    type Error = std::convert::Infallible;
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let trusted = req
            .rocket()
            .state::<App>()
            .map_or(&[][..], |a| a.proxies.as_slice());
        let h = |n: &str| req.headers().get_one(n);
        let source = source(
            req.remote().map(|a| a.ip()),
            trusted,
            h("X-Forwarded-For"),
            h("X-Real-IP"),
        );
        let device = format!(
            "{source}|{}|{}",
            h("User-Agent").unwrap_or(""),
            h("Accept-Language").unwrap_or("")
        );
        Outcome::Success(Client { source, device })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(v: &[&str]) -> Vec<IpNet> {
        v.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn headers_count_only_from_trusted_proxies() {
        let peer: Option<IpAddr> = Some("203.0.113.7".parse().unwrap());
        // Nobody trusted: the peer, whatever the headers say.
        assert_eq!(
            source(peer, &[], Some("1.2.3.4"), Some("5.6.7.8")),
            "203.0.113.7"
        );
        let proxies = nets(&["10.0.0.0/8"]);
        assert_eq!(source(peer, &proxies, Some("1.2.3.4"), None), "203.0.113.7");
        // Through a trusted proxy: the right-most untrusted hop; a client's forged
        // entries on the left do not matter.
        let lb = Some("10.0.0.2".parse().unwrap());
        assert_eq!(
            source(lb, &proxies, Some("6.6.6.6, 198.51.100.9"), None),
            "198.51.100.9"
        );
        assert_eq!(
            source(lb, &proxies, Some("6.6.6.6, 198.51.100.9, 10.0.0.5"), None),
            "198.51.100.9"
        );
        assert_eq!(
            source(lb, &proxies, Some("198.51.100.9:5123"), None),
            "198.51.100.9"
        );
        assert_eq!(
            source(lb, &proxies, None, Some("198.51.100.10")),
            "198.51.100.10"
        );
        assert_eq!(
            source(lb, &proxies, Some("6.6.6.6, garbage, 10.0.0.5"), None),
            "10.0.0.5"
        );
        assert_eq!(
            source(lb, &proxies, Some("10.0.0.9, 10.0.0.5"), None),
            "10.0.0.9"
        );
        assert_eq!(source(lb, &proxies, None, None), "10.0.0.2");
        assert_eq!(source(None, &proxies, Some("1.2.3.4"), None), "unknown");
    }
}
