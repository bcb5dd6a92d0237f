//! The scripts minyi serves as files (compiled in): pages name them in `<script src>`,
//! so the Content-Security-Policy allows scripts from this origin only (`script-src
//! 'self'`, no inline script anywhere).

use std::sync::LazyLock;

use rocket::get;
use rocket::http::{ContentType, Header};
use sha2::{Digest, Sha256};

const SW_JS: &str = include_str!("../../assets/js/sw.js");

/// The scripts served under `/assets/`, by name.
const SCRIPTS: [(&str, &str); 4] = [
    ("field.js", include_str!("../../assets/js/field.js")),
    (
        "questionnaire.js",
        include_str!("../../assets/js/questionnaire.js"),
    ),
    ("live.js", include_str!("../../assets/js/live.js")),
    ("idle.js", include_str!("../../assets/js/idle.js")),
];

/// A script and how long a browser may keep it.
#[derive(rocket::Responder)]
pub struct Script {
    body: &'static str,
    kind: ContentType,
    cache: Header<'static>,
}

fn script(body: &'static str, cache: &'static str) -> Script {
    Script {
        body,
        kind: ContentType::JavaScript,
        cache: Header::new("Cache-Control", cache),
    }
}

/// Revalidated on every load: a new release reaches phones at once.
const REVALIDATE: &str = "no-cache";
/// For an address that names the script's content: a phone on a slow network fetches
/// the questionnaire's script once, not with every questionnaire.
const KEEP: &str = "public, max-age=31536000, immutable";

fn body_of(file: &str) -> Option<&'static str> {
    SCRIPTS.iter().find(|(f, _)| *f == file).map(|(_, b)| *b)
}

/// The first 12 hex digits of each script's SHA-256, computed once.
static VERSIONS: LazyLock<Vec<(&'static str, String)>> = LazyLock::new(|| {
    SCRIPTS
        .iter()
        .map(|(f, body)| (*f, hex::encode(&Sha256::digest(body.as_bytes())[..6])))
        .collect()
});

fn version(file: &str) -> Option<&'static str> {
    VERSIONS
        .iter()
        .find(|(f, _)| *f == file)
        .map(|(_, v)| v.as_str())
}

/// The address of a script that changes with its content (`/assets/live.js?v=…`), so
/// browsers may keep it; an unknown name gets its plain address.
pub fn url(file: &str) -> String {
    match version(file) {
        Some(v) => format!("/assets/{file}?v={v}"),
        None => format!("/assets/{file}"),
    }
}

#[get("/assets/<file>?<v>")]
pub fn asset(file: &str, v: Option<&str>) -> Option<Script> {
    let body = body_of(file)?;
    let cache = if v.is_some() && v == version(file) {
        KEEP
    } else {
        REVALIDATE
    };
    Some(script(body, cache))
}

/// The interviewers' service worker, at the root of the scope it serves (`/office/`).
#[get("/office/sw.js")]
pub fn service_worker() -> Script {
    script(SW_JS, REVALIDATE)
}
