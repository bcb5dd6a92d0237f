//! The resident's path: questionnaire form, submission, thank-you page, QR images.

use chrono::{Local, Utc};
use rocket::data::{Data, ToByteUnit};
use rocket::http::{ContentType, Cookie, CookieJar, Status};
use rocket::response::Redirect;
use rocket::{get, post, State};
use std::collections::BTreeMap;
use std::sync::Arc;

use super::pages::{self, FormState};
use super::{already, App, Client, WebError};
use crate::answers::RawAnswers;
use crate::collect::{self, Channel, CollectError, Submission};
use crate::definition::{Lang, Survey};

/// Form bodies beyond this are refused with 413: the longest honest questionnaire
/// is a few kilobytes.
const FORM_LIMIT_KIB: u64 = 64;

fn done_cookie(survey: &str) -> String {
    format!("minyi_done_{survey}")
}

fn action(survey: &str, district: &str, community: Option<&str>) -> String {
    match community {
        Some(c) => format!("/s/{survey}/{district}/{c}"),
        None => format!("/s/{survey}/{district}"),
    }
}

pub enum FormPage {
    Page(Status, maud::Markup),
    /// 303 to this location (after a successful POST).
    Redirect(String),
}

impl<'r> rocket::response::Responder<'r, 'static> for FormPage {
    fn respond_to(self, req: &'r rocket::Request<'_>) -> rocket::response::Result<'static> {
        match self {
            FormPage::Page(s, m) => rocket::response::Response::build_from(m.respond_to(req)?)
                .status(s)
                .ok(),
            FormPage::Redirect(to) => Redirect::to(to).respond_to(req),
        }
    }
}

fn open_place(
    app: &App,
    survey: &str,
    district: &str,
    community: Option<&str>,
    lang: Lang,
) -> Result<Arc<Survey>, WebError> {
    let s = app.survey(survey, lang)?;
    collect::check_place(&s, district, community).map_err(|e| WebError::from_collect(e, lang))?;
    collect::check_open(&s, Local::now().date_naive())
        .map_err(|e| WebError::from_collect(e, lang))?;
    app.check_not_closed(&s, lang)?;
    Ok(s)
}

#[allow(clippy::too_many_arguments)]
fn render(
    app: &App,
    s: &Survey,
    district: &str,
    community: Option<&str>,
    lang: Lang,
    channel: Channel,
    values: BTreeMap<String, Vec<String>>,
    errors: Vec<crate::answers::FieldError>,
    invite: Option<String>,
) -> maud::Markup {
    let act = action(&s.id, district, community);
    let ch = if channel == Channel::Link {
        "&ch=link"
    } else {
        ""
    };
    let other = if lang == Lang::En { "zh" } else { "en" };
    let st = FormState {
        lang,
        action: format!("{act}?lang={}{ch}", lang.code()),
        switch: format!("{act}?lang={other}{ch}"),
        district,
        community,
        channel: channel.as_str(),
        key: collect::new_submission_key(),
        start: collect::start_token(app.salt(&s.id), Utc::now()),
        values,
        errors,
        invite,
        csrf: None,
        notice: None,
    };
    pages::questionnaire(s, &st)
}

#[allow(clippy::too_many_arguments)]
fn show(
    app: &App,
    jar: &CookieJar<'_>,
    survey: &str,
    district: &str,
    community: Option<&str>,
    lang: Option<&str>,
    ch: Option<&str>,
    code: Option<&str>,
) -> Result<FormPage, WebError> {
    let lang = Lang::from_code(lang);
    let s = open_place(app, survey, district, community, lang)?;
    if jar.get_private(&done_cookie(&s.id)).is_some() {
        let e = already(lang);
        return Ok(FormPage::Page(
            Status::Ok,
            pages::message(lang, &e.title, &[&e.detail], None),
        ));
    }
    // The resident's district is pre-filled from the poster's place; they can change it.
    let mut values = BTreeMap::new();
    if let Some(q) = s.district_question() {
        values.insert(q.id.clone(), vec![district.to_string()]);
    }
    let page = render(
        app,
        &s,
        district,
        community,
        lang,
        Channel::from_param(ch),
        values,
        vec![],
        code.map(str::to_string),
    );
    Ok(FormPage::Page(Status::Ok, page))
}

#[get("/s/<survey>/<district>?<lang>&<ch>&<code>", rank = 2)]
pub fn form_district(
    app: &State<App>,
    jar: &CookieJar<'_>,
    survey: &str,
    district: &str,
    lang: Option<&str>,
    ch: Option<&str>,
    code: Option<&str>,
) -> Result<FormPage, WebError> {
    show(app, jar, survey, district, None, lang, ch, code)
}

#[get("/s/<survey>/<district>/<community>?<lang>&<ch>&<code>", rank = 2)]
#[allow(clippy::too_many_arguments)]
pub fn form_community(
    app: &State<App>,
    jar: &CookieJar<'_>,
    survey: &str,
    district: &str,
    community: &str,
    lang: Option<&str>,
    ch: Option<&str>,
    code: Option<&str>,
) -> Result<FormPage, WebError> {
    show(app, jar, survey, district, Some(community), lang, ch, code)
}

/// Form fields minyi adds itself; answers use question ids, which cannot contain dots.
pub(super) struct Meta {
    pub key: String,
    pub start: String,
    pub lang: Lang,
    pub channel: Channel,
    pub invite: Option<String>,
    /// The CSRF token of an interviewer's form.
    pub csrf: Option<String>,
}

pub(super) fn parse_form(body: &str) -> (RawAnswers, Meta) {
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

#[allow(clippy::too_many_arguments)]
async fn accept(
    app: &State<App>,
    jar: &CookieJar<'_>,
    client: Client,
    survey: &str,
    district: &str,
    community: Option<&str>,
    lang: Option<&str>,
    data: Data<'_>,
) -> Result<FormPage, WebError> {
    let qlang = Lang::from_code(lang);
    let body = data
        .open(FORM_LIMIT_KIB.kibibytes())
        .into_string()
        .await
        .map_err(|_| {
            WebError::new(
                Status::BadRequest,
                qlang,
                ("无法读取提交的内容", "请返回后重试。"),
                ("Cannot read the submission", "Go back and try again."),
            )
        })?;
    if !body.is_complete() {
        return Err(WebError::new(
            Status::PayloadTooLarge,
            qlang,
            ("提交的内容过长", "请缩短填写的文字后再提交。"),
            (
                "Submission too large",
                "Shorten your written answers and submit again.",
            ),
        ));
    }
    let (answers, meta) = parse_form(&body);
    let lang = if lang.is_some() { qlang } else { meta.lang };
    let s = open_place(app, survey, district, community, lang)?;
    if jar.get_private(&done_cookie(&s.id)).is_some() {
        return Err(already(lang));
    }
    app.throttle(&s.id, &client, true, lang)?;
    let result = app
        .submit(Submission {
            survey: &s,
            collection_district: district,
            collection_community: community,
            channel: meta.channel,
            answers: answers.clone(),
            started_at: collect::verify_start_token(app.salt(&s.id), &meta.start),
            submission_key: meta.key.clone(),
            source: client.source,
            device: Some(client.device),
            invite_code: meta.invite.clone(),
            interviewer: None,
        })
        .await;
    match result {
        Ok(stored) => {
            let mut cookie = Cookie::new(done_cookie(&s.id), "1");
            cookie.set_path("/");
            cookie.set_same_site(rocket::http::SameSite::Lax);
            cookie.set_expires(
                rocket::time::OffsetDateTime::now_utc() + rocket::time::Duration::days(120),
            );
            jar.add_private(cookie);
            let screened = if stored.screened_out {
                "&screened=1"
            } else {
                ""
            };
            Ok(FormPage::Redirect(format!(
                "/thanks/{}?lang={}{screened}",
                s.id,
                lang.code()
            )))
        }
        Err(CollectError::Invalid(errors)) => {
            let page = render(
                app,
                &s,
                district,
                community,
                lang,
                meta.channel,
                answers,
                errors,
                meta.invite.clone(),
            );
            Ok(FormPage::Page(Status::UnprocessableEntity, page))
        }
        Err(e) => Err(WebError::from_collect(e, lang)),
    }
}

#[post("/s/<survey>/<district>?<lang>", data = "<data>", rank = 2)]
pub async fn post_district(
    app: &State<App>,
    jar: &CookieJar<'_>,
    client: Client,
    survey: &str,
    district: &str,
    lang: Option<&str>,
    data: Data<'_>,
) -> Result<FormPage, WebError> {
    accept(app, jar, client, survey, district, None, lang, data).await
}

#[post("/s/<survey>/<district>/<community>?<lang>", data = "<data>", rank = 2)]
#[allow(clippy::too_many_arguments)]
pub async fn post_community(
    app: &State<App>,
    jar: &CookieJar<'_>,
    client: Client,
    survey: &str,
    district: &str,
    community: &str,
    lang: Option<&str>,
    data: Data<'_>,
) -> Result<FormPage, WebError> {
    accept(
        app,
        jar,
        client,
        survey,
        district,
        Some(community),
        lang,
        data,
    )
    .await
}

#[get("/thanks/<survey>?<lang>&<screened>")]
pub fn thanks(
    app: &State<App>,
    survey: &str,
    lang: Option<&str>,
    screened: Option<u8>,
) -> Result<maud::Markup, WebError> {
    let l = Lang::from_code(lang);
    let s = app.survey(survey, l)?;
    let other = if l == Lang::En { "zh" } else { "en" };
    let switch = Some(format!(
        "/thanks/{}?lang={other}{}",
        s.id,
        if screened.is_some() {
            "&screened=1"
        } else {
            ""
        }
    ));
    let lines: &[&str] = if screened.is_some() {
        &[l.pick(
            "本次调查的对象是在本市居住满半年的18周岁及以上居民。感谢您抽出时间！",
            "This survey is for residents aged 18 or over who have lived here for at least six months. Thank you for your time!",
        )]
    } else {
        &[
            l.pick("您的答案已保存。", "Your answers have been saved."),
            l.pick(
                "调查结果将用于改进城市管理和服务。",
                "The results will help improve the city's services.",
            ),
        ]
    };
    Ok(pages::message(
        l,
        l.pick("感谢您的参与！", "Thank you for taking part!"),
        lines,
        switch,
    ))
}

/// `/qr/{survey}/{district}.svg`, `/qr/{survey}/{district}_{community}.png`.
#[get("/qr/<survey>/<file>")]
pub fn qr_image(
    app: &State<App>,
    session: super::auth::Session,
    survey: &str,
    file: &str,
) -> Result<(ContentType, Vec<u8>), WebError> {
    let s = app.survey(survey, Lang::Zh)?;
    let not_found = || {
        WebError::from_collect(
            CollectError::UnknownPlace {
                survey: s.id.clone(),
                place: file.to_string(),
            },
            Lang::Zh,
        )
    };
    let (stem, ext) = file.rsplit_once('.').ok_or_else(not_found)?;
    let place = crate::qr::places(&s, &app.base_url, Lang::Zh)
        .into_iter()
        .find(|p| p.stem == stem)
        .ok_or_else(not_found)?;
    if !session.user.sees_district(&place.district) {
        return Err(WebError::new(
            Status::Forbidden,
            Lang::Zh,
            ("无权查看", "区级账号只能下载本区的二维码。"),
            (
                "Not allowed",
                "District officers download their own district's codes only.",
            ),
        ));
    }
    let render_err = |e: crate::qr::QrError| WebError {
        status: Status::InternalServerError,
        lang: Lang::Zh,
        title: "二维码生成失败".into(),
        detail: e.to_string(),
        retry_after: None,
    };
    match ext {
        "svg" => Ok((
            ContentType::SVG,
            crate::qr::svg(&place).map_err(render_err)?.into_bytes(),
        )),
        "png" => Ok((
            ContentType::PNG,
            crate::qr::png(&place).map_err(render_err)?,
        )),
        _ => Err(not_found()),
    }
}
