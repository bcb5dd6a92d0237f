//! The scripts minyi serves as files (compiled in): pages name them in `<script src>`,
//! so the Content-Security-Policy allows scripts from this origin only.

use rocket::get;
use rocket::http::{ContentType, Header};

const FIELD_JS: &str = include_str!("../../assets/js/field.js");
const SW_JS: &str = include_str!("../../assets/js/sw.js");

/// A script, revalidated on every load (a new release reaches phones at once).
#[derive(rocket::Responder)]
pub struct Script {
    body: &'static str,
    kind: ContentType,
    cache: Header<'static>,
}

fn script(body: &'static str) -> Script {
    Script {
        body,
        kind: ContentType::JavaScript,
        cache: Header::new("Cache-Control", "no-cache"),
    }
}

#[get("/assets/<file>")]
pub fn asset(file: &str) -> Option<Script> {
    match file {
        "field.js" => Some(script(FIELD_JS)),
        _ => None,
    }
}

/// The interviewers' service worker, at the root of the scope it serves (`/office/`).
#[get("/office/sw.js")]
pub fn service_worker() -> Script {
    script(SW_JS)
}
