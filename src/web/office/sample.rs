//! The household sample for the office: where it stands (admins and viewers the city,
//! district officers their district; interviewers have their own field pages), and
//! for admins the draw, the assignments, the printed sheets and the call-backs. Every
//! change needs the session's CSRF token and is recorded in the audit log.

use rocket::form::{Form, FromForm};
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, State};

use super::access;
use super::downloads::Download;
use crate::dashboard::FileKind;
use crate::definition::Lang;
use crate::households::{self, HouseholdError, Target};
use crate::web::error::WebError;
use crate::web::html::sample as html;
use crate::web::session::Session;
use crate::web::state::App;

#[get("/office/<id>/sample?<district>&<lang>")]
pub async fn sample_page(
    app: &State<App>,
    session: Session,
    id: &str,
    district: Option<&str>,
    lang: Option<&str>,
    flash: Option<FlashMessage<'_>>,
) -> Result<maud::Markup, WebError> {
    let district =
        access::estimates_scope(&session, "district", district.filter(|d| !d.is_empty()))?;
    let s = access::scoped(app, &session, id, district)?;
    let l = Lang::from_code(lang);
    let (sv, d, admin) = (
        s.clone(),
        district.map(str::to_string),
        session.user.is_admin(),
    );
    let cache = app.figures.clone();
    let (status, visited, map, interviewers) = app
        .blocking(move |store| {
            let st = cache.sample_status(store, &sv)?;
            // Whether the sample is frozen is the whole sample's matter; the rest is
            // the district's when one is chosen.
            let visited = st.as_ref().map_or(0, |st| st.city.visited);
            let st = match (st, d.as_deref()) {
                (Some(st), Some(d)) => Some(std::sync::Arc::new(st.within(d))),
                (st, _) => st,
            };
            let map = st
                .as_ref()
                .and_then(|st| households::sample_map(&sv, st, d.as_deref(), l));
            let people = if admin {
                store
                    .users()?
                    .into_iter()
                    .filter(|u| u.role == "interviewer" && u.disabled == 0)
                    .map(|u| u.username)
                    .collect()
            } else {
                Vec::new()
            };
            Ok::<_, crate::dashboard::DashboardError>((st, visited, map, people))
        })
        .await?;
    Ok(html::sample(
        l,
        &session.who(),
        &html::SamplePage {
            survey: &s,
            status: status.as_deref(),
            visited,
            district,
            interviewers: &interviewers,
            map,
            message: flash.map(|f| f.message().to_string()),
        },
    ))
}

fn back(id: &str, l: Lang, page: &str) -> Redirect {
    Redirect::to(format!("/office/{id}/{page}?lang={}", l.code()))
}

#[derive(FromForm)]
pub struct DrawForm<'r> {
    csrf: &'r str,
    seed: Option<u64>,
}

/// Draws (or redraws, while no visit is recorded) the current wave's sample.
#[post("/office/<id>/sample/draw?<lang>", data = "<form>")]
pub async fn draw(
    app: &State<App>,
    session: Session,
    id: &str,
    lang: Option<&str>,
    form: Form<DrawForm<'_>>,
) -> Result<Flash<Redirect>, WebError> {
    let s = app.survey(id)?;
    session.need(session.user.is_admin())?;
    session.check_csrf(form.csrf)?;
    let l = Lang::from_code(lang);
    let (sv, seed, by) = (s.clone(), form.seed, session.user.username.clone());
    let d = app
        .blocking(move |store| households::draw(store, &sv, seed, &by))
        .await?;
    let msg = match (l, d.unchanged) {
        (Lang::Zh, true) => format!(
            "样本未变：同一种子（{}）和同样的住户名单抽出同样的样本。",
            d.seed
        ),
        (Lang::En, true) => format!(
            "The sample is unchanged: the same seed ({}) and the same lists draw the same sample.",
            d.seed
        ),
        (Lang::Zh, false) => format!(
            "已抽取{}个社区、{}户（种子{}）。{}",
            d.communities.len(),
            d.households,
            d.seed,
            if d.waiting.is_empty() {
                String::new()
            } else {
                format!("待载入住户名单：{}。", d.waiting.join("、"))
            }
        ),
        (Lang::En, false) => format!(
            "Drew {} communities and {} households (seed {}).{}",
            d.communities.len(),
            d.households,
            d.seed,
            if d.waiting.is_empty() {
                String::new()
            } else {
                format!(" Waiting for an address list: {}.", d.waiting.join(", "))
            }
        ),
    };
    app.audit(
        &session.user.username,
        "sample_draw",
        &format!("{} wave {} seed {}", s.id, s.wave, d.seed),
    )
    .await;
    Ok(Flash::success(back(&s.id, l, "sample"), msg))
}

#[derive(FromForm)]
pub struct AssignForm<'r> {
    csrf: &'r str,
    community: &'r str,
    interviewer: &'r str,
}

/// Assigns every drawn household of a community to an interviewer.
#[post("/office/<id>/sample/assign?<lang>", data = "<form>")]
pub async fn assign(
    app: &State<App>,
    session: Session,
    id: &str,
    lang: Option<&str>,
    form: Form<AssignForm<'_>>,
) -> Result<Flash<Redirect>, WebError> {
    let s = app.survey(id)?;
    session.need(session.user.is_admin())?;
    session.check_csrf(form.csrf)?;
    let l = Lang::from_code(lang);
    let (sv, c, to, by) = (
        s.clone(),
        form.community.to_string(),
        form.interviewer.to_string(),
        session.user.username.clone(),
    );
    let n = app
        .blocking(move |store| households::assign(store, &sv, Target::Community(&c), &to, &by))
        .await?;
    let detail = format!(
        "{} {} {n} households to {}",
        s.id, form.community, form.interviewer
    );
    app.audit(&session.user.username, "sample_assign", &detail)
        .await;
    let msg = match l {
        Lang::Zh => format!("已将{n}户分配给{}。", form.interviewer),
        Lang::En => format!("Assigned {n} households to {}.", form.interviewer),
    };
    Ok(Flash::success(back(&s.id, l, "sample"), msg))
}

/// An interviewer's sheet to print: `<username>.xlsx` or `<username>.pdf`.
#[get("/office/<id>/sample/sheet/<file>?<lang>")]
pub async fn sheet(
    app: &State<App>,
    session: Session,
    id: &str,
    file: &str,
    lang: Option<&str>,
) -> Result<Download, WebError> {
    let s = app.survey(id)?;
    session.need(session.user.is_admin())?;
    let (who, kind) = match file.rsplit_once('.') {
        Some((w, "xlsx")) if !w.is_empty() => (w.to_string(), FileKind::Xlsx),
        Some((w, "pdf")) if !w.is_empty() => (w.to_string(), FileKind::Pdf),
        _ => {
            return Err(WebError::not_found(format!(
                "no sheet `{file}`: ask for <interviewer>.xlsx or <interviewer>.pdf"
            )))
        }
    };
    let l = Lang::from_code(lang);
    let (sv, w, k) = (s.clone(), who.clone(), kind);
    let bytes = app
        .blocking(move |store| {
            let st = households::sample_status(store, &sv)?
                .ok_or_else(|| HouseholdError::NoDraw(sv.id.clone(), sv.wave as i32))?;
            if !st
                .households
                .iter()
                .any(|h| h.interviewer.as_deref() == Some(w.as_str()))
            {
                return Err(HouseholdError::NoAssignments(w));
            }
            match k {
                FileKind::Pdf => households::sheet_pdf(&sv, &st, Some(&w), l),
                _ => households::sheet_workbook(&sv, &st, Some(&w), l),
            }
        })
        .await?;
    let name = format!(
        "{}_{who}_sheet.{}",
        s.id,
        if kind == FileKind::Pdf { "pdf" } else { "xlsx" }
    );
    app.audit(&session.user.username, "export", &name).await;
    Ok(Download::bytes(name, kind, bytes))
}

/// The call-backs: per interviewer what they found, and the list to call (those
/// still to do first, a page at a time).
#[get("/office/<id>/callbacks?<lang>&<page>")]
pub async fn callbacks_page(
    app: &State<App>,
    session: Session,
    id: &str,
    lang: Option<&str>,
    page: Option<usize>,
    flash: Option<FlashMessage<'_>>,
) -> Result<maud::Markup, WebError> {
    let s = app.survey(id)?;
    session.need(session.user.is_admin())?;
    let l = Lang::from_code(lang);
    let (sv, cache) = (s.clone(), app.figures.clone());
    let (list, checks) = app
        .blocking(move |store| {
            let checks = cache.callback_checks(store, &sv)?;
            let list = households::callback_page(store, &sv, page.unwrap_or(0))?;
            Ok::<_, WebError>((list, checks))
        })
        .await?;
    let message = flash.map(|f| f.message().to_string());
    Ok(html::callbacks(
        l,
        &session.who(),
        &s,
        &list,
        &checks,
        message.as_deref(),
    ))
}

#[derive(FromForm)]
pub struct CsrfOnly<'r> {
    csrf: &'r str,
}

#[post("/office/<id>/callbacks/draw?<lang>", data = "<form>")]
pub async fn draw_callbacks(
    app: &State<App>,
    session: Session,
    id: &str,
    lang: Option<&str>,
    form: Form<CsrfOnly<'_>>,
) -> Result<Flash<Redirect>, WebError> {
    let s = app.survey(id)?;
    session.need(session.user.is_admin())?;
    session.check_csrf(form.csrf)?;
    let l = Lang::from_code(lang);
    let (sv, by) = (s.clone(), session.user.username.clone());
    let n = app
        .blocking(move |store| households::draw_callbacks(store, &sv, &by))
        .await?;
    app.audit(
        &session.user.username,
        "callbacks_draw",
        &format!("{} {n}", s.id),
    )
    .await;
    let msg = match l {
        Lang::Zh => format!("新抽取{n}份问卷回访。"),
        Lang::En => format!("Drew {n} new interviews to call back."),
    };
    Ok(Flash::success(back(&s.id, l, "callbacks"), msg))
}

#[derive(FromForm)]
pub struct OutcomeForm<'r> {
    csrf: &'r str,
    outcome: &'r str,
    note: Option<&'r str>,
}

#[post("/office/<id>/callbacks/<cb>/outcome?<lang>", data = "<form>")]
pub async fn callback_outcome(
    app: &State<App>,
    session: Session,
    id: &str,
    cb: i64,
    lang: Option<&str>,
    form: Form<OutcomeForm<'_>>,
) -> Result<Flash<Redirect>, WebError> {
    let s = app.survey(id)?;
    session.need(session.user.is_admin())?;
    session.check_csrf(form.csrf)?;
    let l = Lang::from_code(lang);
    let (sv, o, note, by) = (
        s.clone(),
        form.outcome.to_string(),
        form.note.unwrap_or("").to_string(),
        session.user.username.clone(),
    );
    app.blocking(move |store| households::record_callback(store, &sv, cb, &o, &note, &by))
        .await?;
    app.audit(
        &session.user.username,
        "callback_outcome",
        &format!("{} call-back {cb} {}", s.id, form.outcome),
    )
    .await;
    Ok(Flash::success(
        back(&s.id, l, "callbacks"),
        l.pick("已记录。", "Recorded."),
    ))
}
