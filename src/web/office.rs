//! The office dashboard: survey and district pages, the data-quality panel, charts,
//! downloads, posters, interviews, users and the audit log. Every handler starts with
//! the one access question for its route (see `accounts::User`), then calls `office`,
//! `report`, `charts` or `qr` and renders. Figures are computed off the async workers.

use chrono::{Local, Utc};
use rocket::data::{Data, ToByteUnit};
use rocket::form::{Form, FromForm};
use rocket::http::{ContentType, Header, Status};
use rocket::response::{Redirect, Responder};
use rocket::serde::json::Json;
use rocket::{get, post, Request, State};
use serde_json::{json, Value};
use std::sync::Arc;

use super::auth::{CsrfForm, Session};
use super::office_pages as op;
use super::pages::FormState;
use super::App;
use crate::collect::{self, Channel, CollectError, Submission};
use crate::definition::{Lang, Survey};
use crate::office::{self, Figures, Filter, Loaded};

/// Why an office request was refused.
#[derive(Debug)]
pub enum OfficeWebError {
    Forbidden,
    NotFound(String),
    Csrf,
    Bad(String),
    Unavailable(String),
}

impl From<office::OfficeError> for OfficeWebError {
    fn from(e: office::OfficeError) -> Self {
        match e {
            office::OfficeError::Storage(_) => {
                rocket::error!("office: {e}");
                OfficeWebError::Unavailable(e.to_string())
            }
            other => OfficeWebError::Bad(other.to_string()),
        }
    }
}

impl<'r> Responder<'r, 'static> for OfficeWebError {
    fn respond_to(self, req: &'r Request<'_>) -> rocket::response::Result<'static> {
        let l = super::lang_of(req);
        let (status, title, detail) = match self {
            OfficeWebError::Forbidden => (
                Status::Forbidden,
                l.pick("无权查看", "Not allowed"),
                l.pick(
                    "您的账号无权查看此页面或数据。区级账号只能查看本区的数据；访员账号只能录入问卷。",
                    "Your account may not see this. District officers see their own district only; interviewers enter questionnaires only.",
                )
                .to_string(),
            ),
            OfficeWebError::NotFound(what) => (Status::NotFound, l.pick("找不到", "Not found"), what),
            OfficeWebError::Csrf => (
                Status::Forbidden,
                l.pick("表单已过期", "Form expired"),
                l.pick(
                    "表单已过期或不是从本站提交的。请返回，刷新页面后再试。",
                    "The form expired or was not sent from this site. Go back, reload the page and try again.",
                )
                .to_string(),
            ),
            OfficeWebError::Bad(m) => (Status::BadRequest, l.pick("请求有误", "Bad request"), m),
            OfficeWebError::Unavailable(m) => (
                Status::ServiceUnavailable,
                l.pick("暂时无法读取数据", "Data unavailable"),
                m,
            ),
        };
        if req.uri().path().starts_with("/api/") {
            let body = json!({ "error": title, "detail": detail }).to_string();
            return rocket::response::Response::build_from(
                (ContentType::JSON, body).respond_to(req)?,
            )
            .status(status)
            .ok();
        }
        let page = op::message(l, title, &detail).into_string();
        rocket::response::Response::build_from((ContentType::HTML, page).respond_to(req)?)
            .status(status)
            .ok()
    }
}

type Res<T> = Result<T, OfficeWebError>;

fn survey(app: &App, id: &str) -> Res<Arc<Survey>> {
    app.surveys
        .get(id)
        .cloned()
        .ok_or_else(|| OfficeWebError::NotFound(format!("survey `{id}` does not exist")))
}

fn need(ok: bool) -> Res<()> {
    if ok {
        Ok(())
    } else {
        Err(OfficeWebError::Forbidden)
    }
}

fn district_exists(s: &Survey, d: &str) -> Res<()> {
    s.district(d).map(|_| ()).ok_or_else(|| {
        OfficeWebError::NotFound(format!("district `{d}` is not in survey `{}`", s.id))
    })
}

/// The survey, once the user may see the scope asked for: one district (which must
/// exist), or with `None` the whole city.
fn scoped(app: &App, session: &Session, id: &str, district: Option<&str>) -> Res<Arc<Survey>> {
    let s = survey(app, id)?;
    match district {
        Some(d) => {
            need(session.user.sees_district(d))?;
            district_exists(&s, d)?;
        }
        None => need(session.user.sees_city())?,
    }
    Ok(s)
}

/// The survey's responses, brought up to date, off the async workers.
async fn load(app: &App, s: &Arc<Survey>) -> Res<Arc<Loaded>> {
    let sv = s.clone();
    let store = app.store.clone();
    let cache = app.figures.clone();
    rocket::tokio::task::spawn_blocking(move || cache.load(&store, &sv))
        .await
        .map_err(|e| OfficeWebError::Unavailable(e.to_string()))?
        .map_err(Into::into)
}

/// The figures of a filter on the survey's current data, off the async workers.
async fn figures(app: &App, s: &Arc<Survey>, filter: Filter, l: Lang) -> Res<Arc<Figures>> {
    let loaded = load(app, s).await?;
    let (sv, cache) = (s.clone(), app.figures.clone());
    rocket::tokio::task::spawn_blocking(move || cache.figures(&sv, &loaded, &filter, l))
        .await
        .map_err(|e| OfficeWebError::Unavailable(e.to_string()))?
        .map_err(Into::into)
}

fn filter(wave: Option<&str>, community: Option<&str>, mode: Option<&str>) -> Filter {
    let some = |v: Option<&str>| {
        v.map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    Filter {
        wave: some(wave),
        community: some(community),
        mode: some(mode),
    }
}

#[get("/office?<lang>")]
pub fn home(app: &State<App>, session: Session, lang: Option<&str>) -> maud::Markup {
    let l = Lang::from_code(lang);
    let surveys: Vec<(Arc<Survey>, Option<String>)> = app
        .surveys
        .values()
        .map(|s| (s.clone(), app.closed_at(&s.id)))
        .collect();
    op::home(l, &session, &surveys)
}

/// Seconds between live refreshes of an open page (`?refresh=` within 2–600).
fn every(refresh: Option<u32>) -> u32 {
    refresh.unwrap_or(15).clamp(2, 600)
}

#[get("/office/<id>?<wave>&<community>&<mode>&<lang>&<refresh>", rank = 5)]
#[allow(clippy::too_many_arguments)]
pub async fn survey_page(
    app: &State<App>,
    session: Session,
    id: &str,
    wave: Option<&str>,
    community: Option<&str>,
    mode: Option<&str>,
    lang: Option<&str>,
    refresh: Option<u32>,
) -> Res<Result<maud::Markup, Redirect>> {
    let l = Lang::from_code(lang);
    let s = survey(app, id)?;
    if let (crate::accounts::Role::District, Some(d)) = (session.user.role, &session.user.district)
    {
        // A district officer's survey page is their district's page.
        return Ok(Err(Redirect::to(format!(
            "/office/{}/d/{d}?lang={}",
            s.id,
            l.code()
        ))));
    }
    need(session.user.sees_city())?;
    let f = filter(wave, community, mode);
    let fig = figures(app, &s, f.clone(), l).await?;
    Ok(Ok(op::survey(
        l,
        &session,
        &s,
        &fig,
        &f,
        app.closed_at(&s.id),
        every(refresh),
    )))
}

#[get("/office/<id>/d/<district>?<wave>&<community>&<mode>&<lang>&<refresh>")]
#[allow(clippy::too_many_arguments)]
pub async fn district_page(
    app: &State<App>,
    session: Session,
    id: &str,
    district: &str,
    wave: Option<&str>,
    community: Option<&str>,
    mode: Option<&str>,
    lang: Option<&str>,
    refresh: Option<u32>,
) -> Res<maud::Markup> {
    let l = Lang::from_code(lang);
    let s = scoped(app, &session, id, Some(district))?;
    let f = filter(wave, community, mode);
    let fig = figures(app, &s, f.clone(), l).await?;
    let dist = office::distributions(&s, &fig.used, district, l);
    Ok(op::district(
        every(refresh),
        l,
        &session,
        &s,
        district,
        &fig,
        &f,
        &dist,
    ))
}

#[get("/office/<id>/quality?<district>&<lang>")]
pub async fn quality_page(
    app: &State<App>,
    session: Session,
    id: &str,
    district: Option<&str>,
    lang: Option<&str>,
) -> Res<maud::Markup> {
    let l = Lang::from_code(lang);
    let s = scoped(app, &session, id, district)?;
    let loaded = load(app, &s).await?;
    let visible = |d: &str| district.is_none_or(|x| x == d);
    let (by_flag, rows) = office::flagged(&loaded, &visible);
    Ok(op::quality(l, &session, &s, district, &by_flag, &rows))
}

/// Whether an estimate's group is district `d` or one of its communities (`d/…`).
fn in_district(group: &str, d: &str) -> bool {
    group
        .strip_prefix(d)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Live figures for the open page: per-district counts and the headline rates.
#[get("/api/surveys/<id>/summary?<wave>&<community>&<mode>&<district>")]
pub async fn summary(
    app: &State<App>,
    session: Session,
    id: &str,
    wave: Option<&str>,
    community: Option<&str>,
    mode: Option<&str>,
    district: Option<&str>,
) -> Res<Json<Value>> {
    let s = survey(app, id)?;
    match district {
        Some(d) => need(session.user.sees_district(d))?,
        None => need(session.user.sees_city())?,
    }
    let fig = figures(app, &s, filter(wave, community, mode), Lang::Zh).await?;
    let visible = |d: &str| district.is_none_or(|x| x == d);
    let counts: Vec<_> = fig.counts.iter().filter(|c| visible(&c.district)).collect();
    let estimates: Vec<_> = fig
        .report
        .iter()
        .flat_map(|r| r.estimates.iter())
        .filter(|e| match district {
            Some(d) => e.domain != "city" && in_district(&e.group, d),
            None => e.domain != "community",
        })
        .collect();
    Ok(Json(json!({
        "survey": s.id,
        "wave": fig.wave,
        "updated_at": Utc::now().to_rfc3339(),
        "counts": counts,
        "estimates": estimates,
        "excluded": fig.excluded,
        "collection": fig.collection,
    })))
}

/// `GET /api/surveys/{id}/estimates?by=district&wave=&mode=&community=&district=`.
#[get("/api/surveys/<id>/estimates?<by>&<wave>&<community>&<mode>&<district>")]
#[allow(clippy::too_many_arguments)]
pub async fn estimates(
    app: &State<App>,
    session: Session,
    id: &str,
    by: Option<&str>,
    wave: Option<&str>,
    community: Option<&str>,
    mode: Option<&str>,
    district: Option<&str>,
) -> Res<Json<Value>> {
    let s = survey(app, id)?;
    need(session.user.sees_results())?;
    let by = by.unwrap_or("district");
    if !["city", "district", "community"].contains(&by) {
        return Err(OfficeWebError::Bad(format!(
            "by=`{by}` is not supported; use city, district or community"
        )));
    }
    // A district officer may ask for their own district only, and never the city.
    let district = if session.user.sees_city() {
        district
    } else {
        let d = district
            .or(session.user.district.as_deref())
            .filter(|_| by != "city")
            .ok_or(OfficeWebError::Forbidden)?;
        need(session.user.sees_district(d))?;
        Some(d)
    };
    if let Some(d) = district {
        district_exists(&s, d)?;
    }
    let fig = figures(app, &s, filter(wave, community, mode), Lang::Zh).await?;
    let Some(report) = &fig.report else {
        return Ok(Json(json!({
            "survey": s.id, "wave": fig.wave, "estimates": [], "note": fig.weighting_note,
            "excluded": fig.excluded, "collection": fig.collection,
        })));
    };
    let rows: Vec<_> = report
        .estimates
        .iter()
        .filter(|e| e.domain == by)
        .filter(|e| district.is_none_or(|d| in_district(&e.group, d)))
        .collect();
    Ok(Json(json!({
        "survey": s.id,
        "wave": fig.wave,
        "weighting": report.weighting,
        "method": report.method,
        "level": report.level,
        "respondents": report.respondents,
        "note": fig.weighting_note,
        "excluded": fig.excluded,
        "collection": fig.collection,
        "estimates": rows,
    })))
}

#[get("/api/openapi.json")]
pub fn openapi() -> (ContentType, &'static str) {
    (ContentType::JSON, include_str!("openapi.json"))
}

/// SVG chart bytes with a content type.
pub struct Svg(pub String);
impl<'r> Responder<'r, 'static> for Svg {
    fn respond_to(self, req: &'r Request<'_>) -> rocket::response::Result<'static> {
        (ContentType::SVG, self.0).respond_to(req)
    }
}

fn chart_frame<'a>(
    s: &'a Survey,
    fig: &'a Figures,
    l: Lang,
) -> impl Fn(String) -> crate::charts::Frame + Copy + 'a {
    move |title: String| crate::charts::Frame {
        title,
        subtitle: format!(
            "{} · {}{}{} · {}{} · {}",
            s.title.get(l),
            l.pick("第", "wave "),
            fig.wave,
            l.pick("轮", ""),
            l.pick("加权：", "weighting: "),
            fig.report
                .as_ref()
                .map_or("—", |r| crate::report::weighting_name(r.weighting, l)),
            Local::now().format("%Y-%m-%d %H:%M"),
        ),
        source: fig.collection.clone(),
        notes: vec![],
    }
}

fn no_chart(name: &str) -> OfficeWebError {
    OfficeWebError::NotFound(format!(
        "no chart `{name}`: it needs responses first, or the name is wrong (rate_QUESTION.svg, heat.svg, progress.svg, likert.svg)"
    ))
}

fn render(c: &impl crate::charts::Draw) -> Res<Svg> {
    crate::charts::render(c)
        .map(|c| Svg(c.svg))
        .map_err(|e| OfficeWebError::Unavailable(e.to_string()))
}

/// City charts: `rate_{question}.svg`, `heat.svg`, `progress.svg`, `likert.svg`.
#[get("/office/<id>/chart/<name>?<wave>&<mode>&<lang>")]
pub async fn city_chart(
    app: &State<App>,
    session: Session,
    id: &str,
    name: &str,
    wave: Option<&str>,
    mode: Option<&str>,
    lang: Option<&str>,
) -> Res<Svg> {
    let l = Lang::from_code(lang);
    let s = scoped(app, &session, id, None)?;
    let fig = figures(app, &s, filter(wave, None, mode), l).await?;
    let frame = chart_frame(&s, &fig, l);
    let stem = name.strip_suffix(".svg").ok_or_else(|| no_chart(name))?;
    match stem {
        "progress" => {
            let rows: Vec<(String, f64)> = fig
                .counts
                .iter()
                .map(|c| (c.district.clone(), c.total as f64))
                .collect();
            render(&crate::report::progress_chart(&s, &rows, frame, l))
        }
        "heat" => {
            let r = fig.report.as_ref().ok_or_else(|| no_chart(name))?;
            render(&crate::report::heat_chart(&s, r, frame, l))
        }
        "likert" => {
            let rows = likert_rows(&s, &fig, l)?;
            let c =
                crate::report::likert_chart(&s, rows, frame, l).ok_or_else(|| no_chart(name))?;
            render(&c)
        }
        other => {
            let qid = other.strip_prefix("rate_").ok_or_else(|| no_chart(name))?;
            let q = s.question(qid).ok_or_else(|| no_chart(name))?;
            let r = fig.report.as_ref().ok_or_else(|| no_chart(name))?;
            let title = format!("{}{}", q.label(l), l.pick("：各区比较", " by district"));
            let c = crate::report::rate_chart(&s, r, q, "district", frame(title), l)
                .ok_or_else(|| no_chart(name))?;
            render(&c)
        }
    }
}

fn likert_rows(s: &Survey, fig: &Figures, l: Lang) -> Res<Vec<crate::charts::LikertRow>> {
    let census = crate::stats::Census::from_survey(s);
    let opts = crate::stats::Options {
        weighting: fig
            .report
            .as_ref()
            .map_or(crate::stats::Weighting::Base, |r| r.weighting),
        ..Default::default()
    };
    crate::report::likert_rows(s, &fig.used, census.as_ref(), &opts, l)
        .map_err(|e| OfficeWebError::Bad(e.to_string()))
}

/// District charts: `rate_{question}.svg` across the district's communities.
#[get("/office/<id>/d/<district>/chart/<name>?<wave>&<mode>&<lang>")]
#[allow(clippy::too_many_arguments)]
pub async fn district_chart(
    app: &State<App>,
    session: Session,
    id: &str,
    district: &str,
    name: &str,
    wave: Option<&str>,
    mode: Option<&str>,
    lang: Option<&str>,
) -> Res<Svg> {
    let l = Lang::from_code(lang);
    let s = scoped(app, &session, id, Some(district))?;
    let fig = figures(app, &s, filter(wave, None, mode), l).await?;
    let frame = chart_frame(&s, &fig, l);
    let qid = name
        .strip_suffix(".svg")
        .and_then(|n| n.strip_prefix("rate_"))
        .ok_or_else(|| no_chart(name))?;
    let q = s.question(qid).ok_or_else(|| no_chart(name))?;
    let mut r = fig.report.clone().ok_or_else(|| no_chart(name))?;
    r.estimates
        .retain(|e| e.domain == "community" && in_district(&e.group, district));
    let dname = s.district(district).map_or(district, |d| d.name.get(l));
    let title = format!(
        "{dname} · {}{}",
        q.label(l),
        l.pick("：各社区比较", " by community")
    );
    let c = crate::report::rate_chart(&s, &r, q, "community", frame(title), l)
        .ok_or_else(|| no_chart(name))?;
    render(&c)
}

/// A file download with a name.
pub struct Download {
    pub name: String,
    pub content_type: ContentType,
    pub bytes: Vec<u8>,
}
impl<'r> Responder<'r, 'static> for Download {
    fn respond_to(self, req: &'r Request<'_>) -> rocket::response::Result<'static> {
        rocket::response::Response::build_from((self.content_type, self.bytes).respond_to(req)?)
            .header(Header::new(
                "Content-Disposition",
                format!("attachment; filename=\"{}\"", self.name),
            ))
            .header(Header::new("Cache-Control", "no-store"))
            .ok()
    }
}

async fn responses_download(
    app: &App,
    session: &Session,
    s: &Arc<Survey>,
    district: Option<&str>,
    format: &str,
) -> Res<Download> {
    let xlsx = match format {
        "responses.csv" => false,
        "responses.xlsx" => true,
        other => {
            return Err(OfficeWebError::NotFound(format!(
                "no download `{other}`; use responses.csv or responses.xlsx"
            )))
        }
    };
    // Exports read the stored rows themselves (answers in full), off the workers.
    let (store, sv, d) = (app.store.clone(), s.clone(), district.map(str::to_string));
    let (csv, n) = rocket::tokio::task::spawn_blocking(move || {
        let text = |e: &dyn std::fmt::Display| e.to_string();
        let mut rows = store.responses(&sv.id).map_err(|e| text(&e))?;
        if let Some(d) = &d {
            rows.retain(|r| r.district == *d);
        }
        let ids: Vec<i64> = store
            .superseded(&sv.id)
            .map_err(|e| text(&e))?
            .into_iter()
            .map(|x| x.0)
            .collect();
        let mut csv = Vec::new();
        let n = crate::export::write_csv_with(&sv, &rows, &ids, &mut csv).map_err(|e| text(&e))?;
        Ok::<_, String>((csv, n))
    })
    .await
    .map_err(|e| OfficeWebError::Unavailable(e.to_string()))?
    .map_err(OfficeWebError::Unavailable)?;
    let scope = district.unwrap_or("all");
    app.audit(
        &session.user.username,
        "export",
        &format!("{} {scope} {format} ({n} responses)", s.id),
    );
    let stem = format!("{}_{scope}_responses", s.id);
    if xlsx {
        let about = vec![
            format!("survey: {} ({})", s.id, s.title.zh),
            format!("district: {scope}"),
            format!("exported: {} by {}", Local::now().format("%Y-%m-%d %H:%M"), session.user.username),
            "one row per complete response; quality_flags lists why a response is left out of estimates (superseded = withdrawn by the office, with a logged reason)".into(),
            "channel: qr / link / api / phone / household; interviewer: who entered a phone or household interview".into(),
        ];
        let bytes = crate::report::responses_workbook(&csv, &about)
            .map_err(|e| OfficeWebError::Unavailable(e.to_string()))?;
        Ok(Download {
            name: format!("{stem}.xlsx"),
            content_type: ContentType::new(
                "application",
                "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            bytes,
        })
    } else {
        Ok(Download {
            name: format!("{stem}.csv"),
            content_type: ContentType::CSV,
            bytes: csv,
        })
    }
}

#[get("/office/<id>/download/<file>")]
pub async fn city_download(
    app: &State<App>,
    session: Session,
    id: &str,
    file: &str,
) -> Res<Download> {
    let s = scoped(app, &session, id, None)?;
    if file == "pack.zip" {
        return pack(app, &session, &s).await;
    }
    if file == "qr.zip" {
        return qr_zip(app, &session, &s, None);
    }
    responses_download(app, &session, &s, None, file).await
}

#[get("/office/<id>/d/<district>/download/<file>")]
pub async fn district_download(
    app: &State<App>,
    session: Session,
    id: &str,
    district: &str,
    file: &str,
) -> Res<Download> {
    let s = scoped(app, &session, id, Some(district))?;
    if file == "qr.zip" {
        return qr_zip(app, &session, &s, Some(district));
    }
    responses_download(app, &session, &s, Some(district), file).await
}

async fn pack(app: &App, session: &Session, s: &Arc<Survey>) -> Res<Download> {
    let data = load(app, s).await?.data();
    if data.is_empty() {
        return Err(OfficeWebError::Bad(
            "this survey has no complete responses yet; the briefing pack needs some".into(),
        ));
    }
    let sv = s.clone();
    let bytes = rocket::tokio::task::spawn_blocking(move || {
        let census = crate::stats::Census::from_survey(&sv);
        let make = |weighting| {
            let input = crate::report::PackInput {
                survey: &sv,
                data: &data,
                census: census.as_ref(),
                options: crate::stats::Options {
                    weighting,
                    ..Default::default()
                },
                wave: None,
                lang: Lang::Zh,
                date: Local::now().format("%Y-%m-%d").to_string(),
                collection: crate::report::collection_text(&data, Lang::Zh),
            };
            crate::report::build_zip(&input)
        };
        let w = if census.is_some() {
            crate::stats::Weighting::Rake
        } else {
            crate::stats::Weighting::Base
        };
        // Early in collection raking may be impossible; the pack's methods say which was used.
        make(w).or_else(|_| make(crate::stats::Weighting::Base))
    })
    .await
    .map_err(|e| OfficeWebError::Unavailable(e.to_string()))?
    .map_err(|e| OfficeWebError::Bad(e.to_string()))?;
    app.audit(
        &session.user.username,
        "export",
        &format!("{} briefing pack", s.id),
    );
    Ok(Download {
        name: format!("{}_briefing.zip", s.id),
        content_type: ContentType::ZIP,
        bytes,
    })
}

fn qr_zip(app: &App, session: &Session, s: &Survey, district: Option<&str>) -> Res<Download> {
    let mut entries = Vec::new();
    for p in crate::qr::places(s, &app.base_url, Lang::Zh)
        .into_iter()
        .filter(|p| district.is_none_or(|d| p.district == d))
    {
        let e = |e: crate::qr::QrError| OfficeWebError::Unavailable(e.to_string());
        entries.push((
            format!("{}.svg", p.stem),
            crate::qr::svg(&p).map_err(e)?.into_bytes(),
        ));
        entries.push((format!("{}.png", p.stem), crate::qr::png(&p).map_err(e)?));
    }
    let bytes =
        crate::report::zip(&entries).map_err(|e| OfficeWebError::Unavailable(e.to_string()))?;
    app.audit(
        &session.user.username,
        "export",
        &format!("{} QR codes {}", s.id, district.unwrap_or("all")),
    );
    Ok(Download {
        name: format!("{}_{}_qr.zip", s.id, district.unwrap_or("all")),
        content_type: ContentType::ZIP,
        bytes,
    })
}

/// Printable A4 posters, one per district and community.
#[get("/office/<id>/posters?<district>&<lang>")]
pub fn posters(
    app: &State<App>,
    session: Session,
    id: &str,
    district: Option<&str>,
    lang: Option<&str>,
) -> Res<maud::Markup> {
    let l = Lang::from_code(lang);
    let s = scoped(app, &session, id, district)?;
    let mut items = Vec::new();
    for p in crate::qr::places(&s, &app.base_url, l)
        .into_iter()
        .filter(|p| district.is_none_or(|d| p.district == d))
    {
        let svg =
            crate::qr::svg_code(&p).map_err(|e| OfficeWebError::Unavailable(e.to_string()))?;
        items.push((p, svg));
    }
    Ok(op::posters(l, &s, &items))
}

#[post("/office/<id>/close", data = "<form>")]
pub fn close(
    app: &State<App>,
    session: Session,
    id: &str,
    form: Form<CsrfForm<'_>>,
) -> Res<Redirect> {
    let s = survey(app, id)?;
    need(session.user.is_admin())?;
    if !session.check_csrf(form.csrf) {
        return Err(OfficeWebError::Csrf);
    }
    match app.store.close_survey(&s.id, &session.user.username) {
        Ok(()) | Err(crate::storage::StorageError::AlreadyClosed(_)) => {}
        Err(e) => return Err(OfficeWebError::Unavailable(e.to_string())),
    }
    app.forget_closure(&s.id);
    app.audit(&session.user.username, "close_survey", &s.id);
    Ok(Redirect::to(format!("/office/{}", s.id)))
}

#[get("/office/users?<lang>&<msg>")]
pub fn users(
    app: &State<App>,
    session: Session,
    lang: Option<&str>,
    msg: Option<&str>,
) -> Res<maud::Markup> {
    let l = Lang::from_code(lang);
    need(session.user.is_admin())?;
    let rows = app
        .store
        .users()
        .map_err(|e| OfficeWebError::Unavailable(e.to_string()))?;
    let districts = district_choices(app, l);
    Ok(op::users(l, &session, &rows, &districts, msg))
}

fn district_choices(app: &App, l: Lang) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = app
        .surveys
        .values()
        .flat_map(|s| {
            s.districts
                .iter()
                .map(|d| (d.code.clone(), d.name.get(l).to_string()))
        })
        .collect();
    v.sort();
    v.dedup_by(|a, b| a.0 == b.0);
    v
}

#[derive(FromForm)]
pub struct NewUserForm<'r> {
    csrf: &'r str,
    username: &'r str,
    password: &'r str,
    role: &'r str,
    district: Option<&'r str>,
    lang: Option<&'r str>,
}

#[post("/office/users", data = "<form>")]
pub async fn add_user(
    app: &State<App>,
    session: Session,
    form: Form<NewUserForm<'_>>,
) -> Res<Result<Redirect, (Status, maud::Markup)>> {
    let l = Lang::from_code(form.lang);
    need(session.user.is_admin())?;
    if !session.check_csrf(form.csrf) {
        return Err(OfficeWebError::Csrf);
    }
    let district = form.district.map(str::trim).filter(|d| !d.is_empty());
    let store = app.store.clone();
    let surveys: Vec<Arc<Survey>> = app.surveys.values().cloned().collect();
    let (u, p, r, d) = (
        form.username.trim().to_string(),
        form.password.to_string(),
        form.role.to_string(),
        district.map(str::to_string),
    );
    let result = rocket::tokio::task::spawn_blocking(move || {
        let refs: Vec<&Survey> = surveys.iter().map(|s| s.as_ref()).collect();
        crate::accounts::add_user(&store, &refs, &u, &p, &r, d.as_deref())
    })
    .await
    .map_err(|e| OfficeWebError::Unavailable(e.to_string()))?;
    match result {
        Ok(_) => {
            app.audit(
                &session.user.username,
                "user_add",
                &format!(
                    "{} role={} district={}",
                    form.username.trim(),
                    form.role,
                    district.unwrap_or("-")
                ),
            );
            Ok(Ok(Redirect::to(format!(
                "/office/users?lang={}&msg=added",
                l.code()
            ))))
        }
        Err(e) => {
            let rows = app
                .store
                .users()
                .map_err(|e| OfficeWebError::Unavailable(e.to_string()))?;
            let districts = district_choices(app, l);
            Ok(Err((
                Status::UnprocessableEntity,
                op::users(l, &session, &rows, &districts, Some(&e.to_string())),
            )))
        }
    }
}

#[post("/office/users/<name>/<action>", data = "<form>")]
pub fn user_action(
    app: &State<App>,
    session: Session,
    name: &str,
    action: &str,
    form: Form<CsrfForm<'_>>,
) -> Res<Redirect> {
    need(session.user.is_admin())?;
    if !session.check_csrf(form.csrf) {
        return Err(OfficeWebError::Csrf);
    }
    let disable = match action {
        "disable" => true,
        "enable" => false,
        other => {
            return Err(OfficeWebError::NotFound(format!(
                "no user action `{other}`"
            )))
        }
    };
    if disable && name == session.user.username {
        return Err(OfficeWebError::Bad(
            "you cannot disable your own account; ask another admin".into(),
        ));
    }
    app.store.set_disabled(name, disable).map_err(|e| match e {
        crate::storage::StorageError::NoSuchUser(_) => OfficeWebError::NotFound(e.to_string()),
        e => OfficeWebError::Unavailable(e.to_string()),
    })?;
    app.audit(&session.user.username, &format!("user_{action}"), name);
    Ok(Redirect::to("/office/users"))
}

#[get("/office/password?<lang>")]
pub fn password_page(session: Session, lang: Option<&str>) -> maud::Markup {
    op::password(Lang::from_code(lang), &session, None)
}

#[derive(FromForm)]
pub struct PasswordForm<'r> {
    csrf: &'r str,
    current: &'r str,
    new: &'r str,
    again: &'r str,
    lang: Option<&'r str>,
}

/// Any signed-in user changes their own password (the current one is asked again).
#[post("/office/password", data = "<form>")]
pub async fn change_password(
    app: &State<App>,
    session: Session,
    form: Form<PasswordForm<'_>>,
) -> Res<(Status, maud::Markup)> {
    let l = Lang::from_code(form.lang);
    if !session.check_csrf(form.csrf) {
        return Err(OfficeWebError::Csrf);
    }
    let refuse = |m: &str| {
        Ok((
            Status::UnprocessableEntity,
            op::password(l, &session, Some((false, m))),
        ))
    };
    if form.new != form.again {
        return refuse(l.pick("两次输入的新密码不一致。", "The two new passwords differ."));
    }
    let store = app.store.clone();
    let (name, current, new) = (
        session.user.username.clone(),
        form.current.to_string(),
        form.new.to_string(),
    );
    let outcome = rocket::tokio::task::spawn_blocking(move || {
        let row = store.user_by_name(&name).ok().flatten();
        let ok = row
            .as_ref()
            .is_some_and(|r| crate::accounts::verify_password(&current, &r.password_hash));
        if !ok {
            return Ok(false);
        }
        let hash = crate::accounts::hash_password(&new)?;
        store.set_password(&name, &hash)?;
        Ok::<bool, crate::accounts::AccountError>(true)
    })
    .await
    .map_err(|e| OfficeWebError::Unavailable(e.to_string()))?;
    match outcome {
        Ok(true) => {
            app.audit(
                &session.user.username,
                "user_passwd",
                &session.user.username,
            );
            Ok((
                Status::Ok,
                op::password(
                    l,
                    &session,
                    Some((true, l.pick("密码已修改。", "Password changed."))),
                ),
            ))
        }
        Ok(false) => refuse(l.pick("当前密码不正确。", "The current password is wrong.")),
        Err(crate::accounts::AccountError::WeakPassword) => refuse(l.pick(
            "新密码太短：至少10个字符。",
            "The new password is too short: at least 10 characters.",
        )),
        Err(e) => Err(OfficeWebError::Unavailable(e.to_string())),
    }
}

#[get("/office/audit?<lang>")]
pub fn audit(app: &State<App>, session: Session, lang: Option<&str>) -> Res<maud::Markup> {
    let l = Lang::from_code(lang);
    need(session.user.is_admin())?;
    let rows = app
        .store
        .audit_log(500)
        .map_err(|e| OfficeWebError::Unavailable(e.to_string()))?;
    Ok(op::audit(l, &session, &rows))
}

#[get("/office/interview?<lang>")]
pub fn interview_start(
    app: &State<App>,
    session: Session,
    lang: Option<&str>,
) -> Res<maud::Markup> {
    let l = Lang::from_code(lang);
    need(session.user.interviews())?;
    let surveys: Vec<Arc<Survey>> = app.surveys.values().cloned().collect();
    Ok(op::interview_start(l, &session, &surveys))
}

#[allow(clippy::too_many_arguments)]
fn interview_form(
    app: &App,
    session: &Session,
    s: &Survey,
    district: &str,
    mode: Channel,
    l: Lang,
    values: std::collections::BTreeMap<String, Vec<String>>,
    errors: Vec<crate::answers::FieldError>,
    notice: Option<String>,
) -> maud::Markup {
    let act = format!("/office/interview/{}/{district}", s.id);
    let other = if l == Lang::En { "zh" } else { "en" };
    let st = FormState {
        lang: l,
        action: format!("{act}?lang={}&mode={}", l.code(), mode.as_str()),
        switch: format!("{act}?lang={other}&mode={}", mode.as_str()),
        district,
        community: None,
        channel: mode.as_str(),
        key: collect::new_submission_key(),
        start: collect::start_token(app.salt(&s.id), Utc::now()),
        values,
        errors,
        invite: None,
        csrf: Some(session.csrf().to_string()),
        notice: Some(op::interview_notice(
            l,
            mode,
            &session.user.username,
            notice.as_deref(),
        )),
    };
    super::pages::questionnaire(s, &st)
}

/// The start form's GET target: on to the chosen district's interview form.
#[get("/office/interview/<id>?<d>&<mode>&<lang>", rank = 3)]
pub fn interview_choose(
    app: &State<App>,
    session: Session,
    id: &str,
    d: &str,
    mode: Option<&str>,
    lang: Option<&str>,
) -> Res<Redirect> {
    need(session.user.interviews())?;
    let s = survey(app, id)?;
    district_exists(&s, d)?;
    let mode = interview_mode(mode)?;
    Ok(Redirect::to(format!(
        "/office/interview/{}/{d}?mode={}&lang={}",
        s.id,
        mode.as_str(),
        Lang::from_code(lang).code()
    )))
}

fn interview_mode(mode: Option<&str>) -> Res<Channel> {
    Channel::interview(mode.unwrap_or("phone"))
        .ok_or_else(|| OfficeWebError::Bad("mode must be phone or household".into()))
}

#[get("/office/interview/<id>/<district>?<mode>&<lang>&<saved>", rank = 1)]
#[allow(clippy::too_many_arguments)]
pub fn interview_page(
    app: &State<App>,
    session: Session,
    id: &str,
    district: &str,
    mode: Option<&str>,
    lang: Option<&str>,
    saved: Option<i64>,
) -> Res<maud::Markup> {
    let l = Lang::from_code(lang);
    need(session.user.interviews())?;
    let s = survey(app, id)?;
    district_exists(&s, district)?;
    let mode = interview_mode(mode)?;
    let mut values = std::collections::BTreeMap::new();
    if let Some(q) = s.district_question() {
        values.insert(q.id.clone(), vec![district.to_string()]);
    }
    let notice = saved.map(|n| {
        l.pick(
            "上一份问卷已保存（编号 {n}）。",
            "The previous interview was saved (number {n}).",
        )
        .replace("{n}", &n.to_string())
    });
    Ok(interview_form(
        app,
        &session,
        &s,
        district,
        mode,
        l,
        values,
        vec![],
        notice,
    ))
}

#[post(
    "/office/interview/<id>/<district>?<mode>&<lang>",
    data = "<data>",
    rank = 1
)]
#[allow(clippy::too_many_arguments)]
pub async fn interview_submit(
    app: &State<App>,
    session: Session,
    client: super::Client,
    id: &str,
    district: &str,
    mode: Option<&str>,
    lang: Option<&str>,
    data: Data<'_>,
) -> Res<Result<Redirect, (Status, maud::Markup)>> {
    let l = Lang::from_code(lang);
    need(session.user.interviews())?;
    let s = survey(app, id)?;
    district_exists(&s, district)?;
    let mode = interview_mode(mode)?;
    let body = data
        .open(64.kibibytes())
        .into_string()
        .await
        .map_err(|e| OfficeWebError::Bad(e.to_string()))?;
    if !body.is_complete() {
        return Err(OfficeWebError::Bad("the form is larger than 64 KiB".into()));
    }
    let (answers, meta) = super::questionnaire::parse_form(&body);
    if !session.check_csrf(meta.csrf.as_deref().unwrap_or("")) {
        return Err(OfficeWebError::Csrf);
    }
    let result = if app.closed_at(&s.id).is_some() {
        Err(CollectError::Closed(
            s.id.clone(),
            Local::now().date_naive(),
        ))
    } else {
        let interviewer = &session.user.username;
        app.submit(Submission {
            survey: &s,
            collection_district: district,
            collection_community: None,
            channel: mode,
            answers: answers.clone(),
            started_at: collect::verify_start_token(app.salt(&s.id), &meta.start),
            submission_key: meta.key.clone(),
            // Interviews come from the office's own machines: the source is the
            // interviewer, so bursts are expected and not flagged as one resident's.
            source: format!("interviewer:{interviewer}:{}", client.source),
            device: None,
            invite_code: None,
            interviewer: Some(interviewer.clone()),
        })
        .await
    };
    match result {
        Ok(stored) => Ok(Ok(Redirect::to(format!(
            "/office/interview/{}/{district}?mode={}&lang={}&saved={}",
            s.id,
            mode.as_str(),
            l.code(),
            stored.id
        )))),
        Err(CollectError::Invalid(errors)) => Ok(Err((
            Status::UnprocessableEntity,
            interview_form(app, &session, &s, district, mode, l, answers, errors, None),
        ))),
        Err(CollectError::Duplicate) => Ok(Ok(Redirect::to(format!(
            "/office/interview/{}/{district}?mode={}&lang={}",
            s.id,
            mode.as_str(),
            l.code()
        )))),
        Err(e) => Err(OfficeWebError::Bad(e.to_string())),
    }
}
