//! Reading form bodies: the questionnaire's fields (answers under question ids, minyi's
//! own under `m.`), read with a size limit so a huge body is a clear 413.

use rocket::data::{Data, ToByteUnit};

use super::error::WebError;
use crate::answers::RawAnswers;
use crate::collect::Channel;
use crate::definition::Lang;

/// Form bodies beyond this are refused with 413: the longest honest questionnaire
/// is a few kilobytes.
pub const FORM_LIMIT_KIB: u64 = 64;

/// Form fields minyi adds itself; answers use question ids, which cannot contain dots.
pub struct Meta {
    pub key: String,
    pub start: String,
    pub lang: Lang,
    pub channel: Channel,
    pub invite: Option<String>,
    /// The CSRF token of an interviewer's form.
    pub csrf: Option<String>,
}

/// Splits a questionnaire body into answers and minyi's own fields.
pub fn parse(body: &str) -> (RawAnswers, Meta) {
    let mut answers = RawAnswers::new();
    let mut meta = Meta {
        key: String::new(),
        start: String::new(),
        lang: Lang::Zh,
        channel: Channel::Qr,
        invite: None,
        csrf: None,
    };
    for (k, v) in form_urlencoded::parse(body.as_bytes()) {
        match k.as_ref() {
            "m.key" => meta.key = v.into_owned(),
            "m.t" => meta.start = v.into_owned(),
            "m.lang" => meta.lang = Lang::from_code(Some(&v)),
            "m.ch" => meta.channel = Channel::from_param(Some(&v)),
            "m.code" => meta.invite = Some(v.into_owned()),
            "m.csrf" => meta.csrf = Some(v.into_owned()),
            _ => answers
                .entry(k.into_owned())
                .or_default()
                .push(v.into_owned()),
        }
    }
    (answers, meta)
}

/// Reads a body of at most `limit_kib` as text: 413 beyond it, 400 when unreadable.
pub async fn read_body(data: Data<'_>, limit_kib: u64) -> Result<String, WebError> {
    let body = data
        .open(limit_kib.kibibytes())
        .into_string()
        .await
        .map_err(|e| WebError::bad_request(format!("cannot read the request body: {e}")))?;
    if !body.is_complete() {
        return Err(WebError::too_large(limit_kib));
    }
    Ok(body.into_inner())
}
