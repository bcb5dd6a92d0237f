//! Downloads (responses CSV/XLSX, the briefing pack, QR codes), printable posters and
//! single QR images. Every file is role-checked like the page it comes from, built on
//! the blocking pool, and its export recorded in the audit log.

use rocket::http::{ContentType, Header};
use rocket::response::stream::ByteStream;
use rocket::response::Responder;
use rocket::{get, Request, State};
use std::sync::Arc;

use super::access::{self, View};
use crate::dashboard::{self, Body, FileKind, Needs, Prepared, Scope};
use crate::definition::{Lang, Survey};
use crate::web::error::WebError;
use crate::web::html::posters as html;
use crate::web::session::Session;
use crate::web::state::{App, Chunks};

/// A file download with its name: bytes, a file on disk, or a stream.
pub struct Download {
    name: String,
    kind: FileKind,
    body: Sent,
}

impl Download {
    /// A file built in memory.
    pub(super) fn bytes(name: String, kind: FileKind, bytes: Vec<u8>) -> Download {
        Download {
            name,
            kind,
            body: Sent::Bytes(bytes),
        }
    }
}

enum Sent {
    Bytes(Vec<u8>),
    Disk(std::fs::File),
    Stream(Chunks),
}

impl<'r> Responder<'r, 'r> for Download {
    fn respond_to(self, req: &'r Request<'_>) -> rocket::response::Result<'r> {
        let ct = match self.kind {
            FileKind::Csv => ContentType::new("text", "csv").with_params(("charset", "utf-8")),
            FileKind::Zip => ContentType::ZIP,
            FileKind::Pdf => ContentType::PDF,
            FileKind::Docx => ContentType::new(
                "application",
                "vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
            FileKind::Xlsx => ContentType::new(
                "application",
                "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
        };
        let mut r = match self.body {
            Sent::Bytes(b) => b.respond_to(req)?,
            Sent::Disk(f) => rocket::tokio::fs::File::from_std(f).respond_to(req)?,
            Sent::Stream(s) => ByteStream(s).respond_to(req)?,
        };
        r.set_header(ct);
        r.set_header(Header::new(
            "Content-Disposition",
            format!("attachment; filename=\"{}\"", self.name),
        ));
        r.set_header(Header::new("Cache-Control", "no-store"));
        Ok(r)
    }
}

/// Builds a scope's file by name (the dashboard's table of downloads says which exist
/// and what each needs), then logs the export. The responses CSV is written while it
/// is sent, and logged with its row count once it is complete (or with where it
/// stopped).
async fn download(
    app: &App,
    session: &Session,
    s: Arc<Survey>,
    district: Option<&str>,
    file: &str,
    view: &View<'_>,
) -> Result<Download, WebError> {
    let d = dashboard::Download::named(file, Scope::of(district))?;
    let prepared = match d.needs() {
        Needs::Aggregates => {
            let loaded = access::load(app, &s).await?;
            let (sv, ld, cache, l) = (s.clone(), loaded.clone(), app.figures.clone(), view.lang());
            let today = app.today();
            let ledger = app
                .blocking(move |store| crate::ledger::for_pack(store, &cache, &sv, &ld, today, l))
                .await?;
            Prepared::Aggregates(loaded, ledger.map(Arc::new))
        }
        Needs::Figures => Prepared::Figures(access::figures(app, &s, view).await?),
        Needs::Rows | Needs::Nothing => Prepared::Nothing,
    };
    let (base, dist, by) = (
        app.base_url.clone(),
        district.map(str::to_string),
        session.user.username.clone(),
    );
    let (sv, l) = (s.clone(), view.lang());
    let f = app
        .blocking(move |store| {
            let scope = Scope::of(dist.as_deref());
            dashboard::download(store, &sv, &base, scope, d, prepared, l, &by)
        })
        .await?;
    let body = match f.body {
        Body::Bytes(b) => {
            app.audit(&session.user.username, "export", &f.what).await;
            Sent::Bytes(b)
        }
        Body::Disk(file) => {
            app.audit(&session.user.username, "export", &f.what).await;
            Sent::Disk(file)
        }
        Body::Csv { district } => {
            let (who, what) = (session.user.username.clone(), f.what.clone());
            Sent::Stream(app.stream(move |store, out| {
                let done = dashboard::write_responses_csv(store, &s, district.as_deref(), out);
                let detail = match &done {
                    Ok(n) => format!("{what} ({n} responses)"),
                    Err(e) => format!("{what} (stopped: {e})"),
                };
                if let Err(e) = &done {
                    log::warn!("responses CSV of `{}` stopped: {e}", s.id);
                }
                if let Err(e) = store.audit(&who, "export", &detail) {
                    log::error!("audit log: {e}");
                }
            }))
        }
    };
    Ok(Download {
        name: f.name,
        kind: f.kind,
        body,
    })
}

#[get("/office/<id>/download/<file>?<v..>")]
pub async fn city_download(
    app: &State<App>,
    session: Session,
    id: &str,
    file: &str,
    v: View<'_>,
) -> Result<Download, WebError> {
    let s = access::scoped(app, &session, id, None)?;
    download(app, &session, s, None, file, &v).await
}

#[get("/office/<id>/d/<district>/download/<file>?<v..>")]
pub async fn district_download(
    app: &State<App>,
    session: Session,
    id: &str,
    district: &str,
    file: &str,
    v: View<'_>,
) -> Result<Download, WebError> {
    let s = access::scoped(app, &session, id, Some(district))?;
    download(app, &session, s, Some(district), file, &v).await
}

/// Printable A4 posters, one per district and community.
#[get("/office/<id>/posters?<district>&<lang>")]
pub async fn posters(
    app: &State<App>,
    session: Session,
    id: &str,
    district: Option<&str>,
    lang: Option<&str>,
) -> Result<maud::Markup, WebError> {
    let s = access::scoped(app, &session, id, district)?;
    let (l, sv, base, d) = (
        Lang::from_code(lang),
        s.clone(),
        app.base_url.clone(),
        district.map(str::to_string),
    );
    let items = app
        .blocking(move |_| {
            crate::qr::poster_codes(&sv, &base, Scope::of(d.as_deref()).district(), l)
        })
        .await?;
    Ok(html::posters(l, &s, &items))
}

/// `/qr/{survey}/{district}.svg`, `/qr/{survey}/{district}_{community}.png`: one code,
/// for the districts the user sees.
#[get("/qr/<survey>/<file>")]
pub async fn qr_image(
    app: &State<App>,
    session: Session,
    survey: &str,
    file: &str,
) -> Result<(ContentType, Vec<u8>), WebError> {
    let s = app.survey(survey)?;
    let unknown = || WebError::not_found(format!("no QR code `{file}` in survey `{}`", s.id));
    let place = crate::qr::find_place(&s, &app.base_url, file).ok_or_else(unknown)?;
    session.need(session.user.sees_district(&place.district))?;
    let png = file.ends_with(".png");
    let bytes = app
        .blocking(move |_| {
            if png {
                crate::qr::png(&place)
            } else {
                crate::qr::svg(&place).map(String::into_bytes)
            }
        })
        .await?;
    Ok((
        if png {
            ContentType::PNG
        } else {
            ContentType::SVG
        },
        bytes,
    ))
}
