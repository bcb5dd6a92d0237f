//! The rectification ledger: the list with the monthly notice, an item's page, opening
//! an item (from a weak spot or by hand), changing its state, the workbook and the
//! read API. Admins everywhere; district officers their district's items; viewers
//! read; interviewers nothing. Every change needs the session's CSRF token.

use chrono::{Datelike, NaiveDate};
use rocket::form::{Form, FromForm};
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket::serde::json::Json;
use rocket::{get, post, State};
use std::sync::Arc;

use super::access;
use super::downloads::Download;
use crate::dashboard::{Cache, FileKind, Loaded};
use crate::definition::{Lang, Survey};
use crate::ledger::{self, LedgerError, Level};
use crate::storage::Store;
use crate::web::error::WebError;
use crate::web::html::ledger as html;
use crate::web::session::Session;
use crate::web::state::App;

/// (now in UTC, as stored; the office's date, as deadlines are kept).
fn clock(app: &App) -> (chrono::NaiveDateTime, NaiveDate) {
    (app.now(), app.today())
}

/// `?month=2026-12`, else the current month.
fn month_of(month: Option<&str>, today: NaiveDate) -> (i32, u32) {
    month
        .and_then(|m| NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok())
        .map_or((today.year(), today.month()), |d| (d.year(), d.month()))
}

fn nonempty(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

/// What every read of the ledger starts from: the scope asked for (a district
/// officer's own district whatever they ask), its survey and responses, the office's
/// date. Owned, so the blocking pool can take a copy.
#[derive(Clone)]
struct Scope {
    s: Arc<Survey>,
    district: Option<String>,
    loaded: Arc<Loaded>,
    cache: Arc<Cache>,
    today: NaiveDate,
}

impl Scope {
    async fn of(
        app: &App,
        session: &Session,
        id: &str,
        district: Option<&str>,
    ) -> Result<Scope, WebError> {
        let district = access::estimates_scope(session, "district", nonempty(district))?;
        let s = access::scoped(app, session, id, district)?;
        Ok(Scope {
            loaded: access::load(app, &s).await?,
            s,
            district: district.map(str::to_string),
            cache: app.figures.clone(),
            today: app.today(),
        })
    }

    /// The scope's items, judged by the latest wave.
    fn items(&self, store: &Store, l: Lang) -> Result<Vec<ledger::Item>, LedgerError> {
        let d = self.district.as_deref();
        ledger::items(store, &self.cache, &self.s, &self.loaded, d, self.today, l)
    }

    /// "XC" or "all", for file names and the audit log.
    fn name(&self) -> &str {
        self.district.as_deref().unwrap_or("all")
    }
}

#[get("/office/<id>/ledger?<district>&<month>&<lang>")]
pub async fn ledger_page(
    app: &State<App>,
    session: Session,
    id: &str,
    district: Option<&str>,
    month: Option<&str>,
    lang: Option<&str>,
    flash: Option<FlashMessage<'_>>,
) -> Result<maud::Markup, WebError> {
    let sc = Scope::of(app, &session, id, district).await?;
    let (l, month) = (Lang::from_code(lang), month_of(month, sc.today));
    let read = sc.clone();
    let items = app.blocking(move |store| read.items(store, l)).await?;
    let notice = ledger::notice(&items, month);
    Ok(html::ledger(
        l,
        &session.who(),
        &html::LedgerPage {
            survey: &sc.s,
            district: sc.district.as_deref(),
            items: &items,
            notice: &notice,
            month,
            message: flash.map(|f| f.message().to_string()),
            today: sc.today,
        },
    ))
}

/// The ledger and the month's notice as a workbook (`ledger.xlsx`), recorded as an
/// export.
#[get("/office/<id>/ledger.xlsx?<district>&<month>&<lang>")]
pub async fn ledger_download(
    app: &State<App>,
    session: Session,
    id: &str,
    district: Option<&str>,
    month: Option<&str>,
    lang: Option<&str>,
) -> Result<Download, WebError> {
    let sc = Scope::of(app, &session, id, district).await?;
    let (l, month) = (Lang::from_code(lang), month_of(month, sc.today));
    let (read, who) = (sc.clone(), session.user.username.clone());
    let bytes = app
        .blocking(move |store| {
            let items = read.items(store, l)?;
            let notice = ledger::notice(&items, month);
            let d = read.district.as_deref();
            let bytes = ledger::ledger_workbook(&read.s, &items, &notice, month, d, l)?;
            let what = format!(
                "{} {} ledger.xlsx ({} items)",
                read.s.id,
                read.name(),
                items.len()
            );
            store.audit(&who, "export", &what)?;
            Ok::<_, LedgerError>(bytes)
        })
        .await?;
    let name = format!("{}_{}_ledger.xlsx", sc.s.id, sc.name());
    Ok(Download::bytes(name, FileKind::Xlsx, bytes))
}

/// Posters for a targeted re-survey of the items not signed off (a district's, or the
/// city's), recorded as an export.
#[get("/office/<id>/ledger/posters.pdf?<district>&<lang>")]
pub async fn resurvey_posters(
    app: &State<App>,
    session: Session,
    id: &str,
    district: Option<&str>,
    lang: Option<&str>,
) -> Result<Download, WebError> {
    let sc = Scope::of(app, &session, id, district).await?;
    let l = Lang::from_code(lang);
    let (read, who, base) = (
        sc.clone(),
        session.user.username.clone(),
        app.base_url.clone(),
    );
    let bytes = app
        .blocking(move |store| {
            let items = read.items(store, l)?;
            let (pdf, pages) = ledger::resurvey_posters(&read.s, &items, &base, l)?;
            let what = format!(
                "{} {} re-survey posters ({pages} pages)",
                read.s.id,
                read.name()
            );
            store.audit(&who, "export", &what)?;
            Ok::<_, LedgerError>(pdf)
        })
        .await?;
    let name = format!("{}_{}_resurvey_posters.pdf", sc.s.id, sc.name());
    Ok(Download::bytes(name, FileKind::Pdf, bytes))
}

/// The items and their states for other office systems (session or read token).
#[get("/api/surveys/<id>/ledger?<district>&<lang>")]
pub async fn ledger_api(
    app: &State<App>,
    session: Session,
    id: &str,
    district: Option<&str>,
    lang: Option<&str>,
) -> Result<Json<serde_json::Value>, WebError> {
    let sc = Scope::of(app, &session, id, district).await?;
    let (l, read) = (Lang::from_code(lang), sc.clone());
    let items = app.blocking(move |store| read.items(store, l)).await?;
    let r = &sc.s.rectification;
    Ok(Json(serde_json::json!({
        "survey": sc.s.id,
        "district": sc.district,
        "sign_off_rule": r.sign_off.code(),
        "sign_off_after_deadline": r.after_deadline,
        "items": items,
    })))
}

/// What the new-item form is opened with (a weak spot's link fills it in).
#[derive(FromForm)]
pub struct NewQuery<'r> {
    district: &'r str,
    level: Option<&'r str>,
    place: Option<&'r str>,
    indicator: Option<&'r str>,
    wave: Option<i32>,
    lang: Option<&'r str>,
}

#[get("/office/<id>/ledger/new?<q..>")]
pub async fn new_item_page(
    app: &State<App>,
    session: Session,
    id: &str,
    q: NewQuery<'_>,
) -> Result<maud::Markup, WebError> {
    let s = app.survey(id)?;
    session.need(session.user.works_on_items(q.district))?;
    access::district_exists(&s, q.district)?;
    let l = Lang::from_code(q.lang);
    let level = match nonempty(q.level) {
        None => Level::District,
        Some(c) => Level::parse(c).ok_or_else(|| LedgerError::NoSuchLevel(c.to_string()))?,
    };
    let place = nonempty(q.place).unwrap_or(q.district).to_string();
    match level {
        Level::District => {}
        Level::Street => access::place_exists(&s, q.district, Some(&place), None)?,
        Level::Community => access::place_exists(&s, q.district, None, Some(&place))?,
    }
    let loaded = access::load(app, &s).await?;
    let wave = q.wave.unwrap_or(s.wave as i32);
    let indicator = nonempty(q.indicator).map(str::to_string);
    let (sv, d, p, ind, cache) = (
        s.clone(),
        q.district.to_string(),
        place.clone(),
        indicator.clone(),
        app.figures.clone(),
    );
    let baseline = app
        .blocking(move |_| match ind {
            Some(i) => ledger::preview(&cache, &sv, &loaded, level, &d, &p, &i, wave, l),
            None => Ok(None),
        })
        .await?;
    Ok(html::new_item(
        l,
        &session.who(),
        &html::NewItem {
            survey: &s,
            district: q.district,
            level,
            place: &place,
            indicator: indicator.as_deref(),
            wave,
            baseline: baseline.as_ref(),
            today: app.today(),
        },
    ))
}

#[derive(FromForm)]
pub struct OpenForm<'r> {
    csrf: &'r str,
    district: &'r str,
    level: &'r str,
    place: &'r str,
    indicator: &'r str,
    wave: i32,
    problem: &'r str,
    unit: &'r str,
    measures: &'r str,
    deadline: &'r str,
}

#[post("/office/<id>/ledger?<lang>", data = "<f>")]
pub async fn open_item(
    app: &State<App>,
    session: Session,
    id: &str,
    lang: Option<&str>,
    f: Form<OpenForm<'_>>,
) -> Result<Flash<Redirect>, WebError> {
    let s = app.survey(id)?;
    session.need(session.user.works_on_items(f.district))?;
    session.check_csrf(f.csrf)?;
    let l = Lang::from_code(lang);
    let o = ledger::Opening {
        district: f.district.to_string(),
        level: Level::parse(f.level)
            .ok_or_else(|| LedgerError::NoSuchLevel(f.level.to_string()))?,
        place: f.place.to_string(),
        indicator: f.indicator.to_string(),
        wave: f.wave,
        problem: f.problem.to_string(),
        unit: f.unit.to_string(),
        measures: f.measures.to_string(),
        deadline: f.deadline.to_string(),
    };
    let loaded = access::load(app, &s).await?;
    let (sv, cache, by, at) = (
        s.clone(),
        app.figures.clone(),
        session.user.username.clone(),
        clock(app),
    );
    let item = app
        .blocking(move |store| ledger::open(store, &cache, &sv, &loaded, &o, &by, at, l))
        .await?;
    Ok(Flash::success(
        Redirect::to(format!("/office/{}/ledger/{item}?lang={}", s.id, l.code())),
        l.pick("已立项。", "The item is open."),
    ))
}

#[get("/office/<id>/ledger/<item>?<lang>", rank = 2)]
pub async fn item_page(
    app: &State<App>,
    session: Session,
    id: &str,
    item: i64,
    lang: Option<&str>,
    flash: Option<FlashMessage<'_>>,
) -> Result<maud::Markup, WebError> {
    let s = app.survey(id)?;
    session.need(session.user.sees_results())?;
    let sv = s.clone();
    let district = app
        .blocking(move |store| ledger::item_district(store, &sv, item))
        .await?
        .ok_or_else(|| {
            WebError::not_found(LedgerError::NoSuchItem(item, s.id.clone()).to_string())
        })?;
    session.need(session.user.sees_district(&district))?;
    let loaded = access::load(app, &s).await?;
    let (l, today) = (Lang::from_code(lang), app.today());
    let (sv, cache) = (s.clone(), app.figures.clone());
    let found = app
        .blocking(move |store| {
            ledger::items(store, &cache, &sv, &loaded, Some(&district), today, l)
        })
        .await?
        .into_iter()
        .find(|i| i.id == item)
        .ok_or_else(|| {
            WebError::not_found(LedgerError::NoSuchItem(item, s.id.clone()).to_string())
        })?;
    Ok(html::item(
        l,
        &session.who(),
        &s,
        &found,
        flash.map(|f| f.message().to_string()),
    ))
}

#[derive(FromForm)]
pub struct ChangeForm<'r> {
    csrf: &'r str,
    to: &'r str,
    seen: i32,
    note: &'r str,
    reason: Option<&'r str>,
}

#[post("/office/<id>/ledger/<item>/change?<lang>", data = "<f>")]
pub async fn change_item(
    app: &State<App>,
    session: Session,
    id: &str,
    item: i64,
    lang: Option<&str>,
    f: Form<ChangeForm<'_>>,
) -> Result<Flash<Redirect>, WebError> {
    let s = app.survey(id)?;
    session.need(session.user.sees_results())?;
    let sv = s.clone();
    let district = app
        .blocking(move |store| ledger::item_district(store, &sv, item))
        .await?
        .ok_or_else(|| {
            WebError::not_found(LedgerError::NoSuchItem(item, s.id.clone()).to_string())
        })?;
    session.need(session.user.works_on_items(&district))?;
    session.check_csrf(f.csrf)?;
    let l = Lang::from_code(lang);
    let c = ledger::Change {
        to: ledger::State::parse(f.to).ok_or_else(|| LedgerError::NoSuchState(f.to.to_string()))?,
        seen: f.seen,
        note: f.note.to_string(),
        reason: f.reason.map(str::to_string),
    };
    let loaded = access::load(app, &s).await?;
    let (sv, cache, user, at) = (
        s.clone(),
        app.figures.clone(),
        session.user.clone(),
        clock(app),
    );
    let to = app
        .blocking(move |store| ledger::change(store, &cache, &sv, &loaded, item, &c, &user, at))
        .await?;
    Ok(Flash::success(
        Redirect::to(format!("/office/{}/ledger/{item}?lang={}", s.id, l.code())),
        match l {
            Lang::Zh => format!("已记录：{}。", to.name(l)),
            Lang::En => format!("Recorded: {}.", to.name(l)),
        },
    ))
}
