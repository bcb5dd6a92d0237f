//! Every file the dashboard offers, in one table: its name, what it is built from and
//! which scopes have it. The web layer asks the table, prepares what the entry needs,
//! and calls [`download`]; neither layer matches file names itself.

use chrono::Local;
use std::sync::Arc;

use super::error::DashboardError;
use super::file::{Body, File, FileKind};
use super::places;
use super::scope::Scope;
use super::view::{preferred_weighting, Figures, Loaded};
use super::voices;
use crate::definition::{Lang, Survey};
use crate::stats::tally::Key;
use crate::stats::{self, Options, Weighting};
use crate::storage::Store;

/// A file the dashboard offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Download {
    ResponsesCsv,
    ResponsesXlsx,
    WeakSpotsCsv,
    WeakSpotsXlsx,
    Pack,
    BriefingDocx,
    BriefingPdf,
    QrZip,
    PostersPdf,
}

/// What a download is built from besides the definition, prepared by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// The definition (and the server's address) alone.
    Nothing,
    /// The stored rows, read while the file is written.
    Rows,
    /// The survey's aggregates.
    Aggregates,
    /// The figures of the request's view (its filters).
    Figures,
}

/// One row of [`DOWNLOADS`].
pub struct Entry {
    pub name: &'static str,
    pub download: Download,
    pub needs: Needs,
    /// Only the city-wide dashboard offers it (the pack compares districts).
    pub city_only: bool,
}

/// Every download, by the name in its link. Every one of them needs the scope's
/// results: the web layer checks that once, as for the page it is linked from.
pub const DOWNLOADS: [Entry; 9] = [
    Entry {
        name: "responses.csv",
        download: Download::ResponsesCsv,
        needs: Needs::Rows,
        city_only: false,
    },
    Entry {
        name: "responses.xlsx",
        download: Download::ResponsesXlsx,
        needs: Needs::Rows,
        city_only: false,
    },
    Entry {
        name: "weak_spots.csv",
        download: Download::WeakSpotsCsv,
        needs: Needs::Figures,
        city_only: false,
    },
    Entry {
        name: "weak_spots.xlsx",
        download: Download::WeakSpotsXlsx,
        needs: Needs::Figures,
        city_only: false,
    },
    Entry {
        name: "pack.zip",
        download: Download::Pack,
        needs: Needs::Aggregates,
        city_only: true,
    },
    Entry {
        name: "briefing.docx",
        download: Download::BriefingDocx,
        needs: Needs::Aggregates,
        city_only: true,
    },
    Entry {
        name: "briefing.pdf",
        download: Download::BriefingPdf,
        needs: Needs::Aggregates,
        city_only: true,
    },
    Entry {
        name: "qr.zip",
        download: Download::QrZip,
        needs: Needs::Nothing,
        city_only: false,
    },
    Entry {
        name: "posters.pdf",
        download: Download::PostersPdf,
        needs: Needs::Nothing,
        city_only: false,
    },
];

impl Download {
    /// The download a link names in this scope; an unknown name, or a city-wide file
    /// asked of a district, is [`DashboardError::NoFile`].
    pub fn named(name: &str, scope: Scope<'_>) -> Result<Download, DashboardError> {
        DOWNLOADS
            .iter()
            .find(|e| e.name == name && !(e.city_only && scope != Scope::City))
            .map(|e| e.download)
            .ok_or_else(|| DashboardError::NoFile(name.to_string()))
    }

    fn entry(self) -> &'static Entry {
        DOWNLOADS
            .iter()
            .find(|e| e.download == self)
            .expect("every download is in the table")
    }

    pub fn name(self) -> &'static str {
        self.entry().name
    }

    pub fn needs(self) -> Needs {
        self.entry().needs
    }
}

/// What the caller prepared for a download (see [`Download::needs`]).
pub enum Prepared {
    Nothing,
    /// The aggregates, and the ledger's part of the pack (the ledger is read above
    /// the dashboard, so its caller brings it).
    Aggregates(Arc<Loaded>, Option<Arc<crate::report::LedgerPack>>),
    Figures(Arc<Figures>),
}

/// Builds a download of a scope. The responses CSV is only described here
/// ([`Body::Csv`]): the caller writes it while it is sent, with [`write_responses_csv`].
#[allow(clippy::too_many_arguments)]
pub fn download(
    store: &Store,
    s: &Survey,
    base_url: &str,
    scope: Scope<'_>,
    d: Download,
    prepared: Prepared,
    lang: Lang,
    exported_by: &str,
) -> Result<File, DashboardError> {
    let missing = || DashboardError::NoFile(d.name().to_string());
    match (d, prepared) {
        (Download::QrZip, _) => qr_zip(s, base_url, scope),
        (Download::PostersPdf, _) => posters_pdf(s, base_url, scope, lang),
        (Download::ResponsesCsv | Download::ResponsesXlsx, _) => {
            responses_file(store, s, scope, d, exported_by)
        }
        (Download::WeakSpotsCsv, Prepared::Figures(fig)) => {
            places::weak_spots_file(s, &fig, scope, FileKind::Csv, lang)
        }
        (Download::WeakSpotsXlsx, Prepared::Figures(fig)) => {
            places::weak_spots_file(s, &fig, scope, FileKind::Xlsx, lang)
        }
        (
            Download::Pack | Download::BriefingDocx | Download::BriefingPdf,
            Prepared::Aggregates(l, ledger),
        ) => pack_file(store, s, &l, ledger.as_deref(), lang, d),
        _ => Err(missing()),
    }
}

/// The briefing pack of every stored wave as a ZIP, in the office's weighting (base
/// weights when raking is impossible; the pack's methods section says which).
/// The pack as a ZIP (`pack.zip`) or one of its documents (`briefing.docx`,
/// `briefing.pdf`), city-wide.
fn pack_file(
    store: &Store,
    survey: &Survey,
    loaded: &Loaded,
    ledger: Option<&crate::report::LedgerPack>,
    lang: Lang,
    d: Download,
) -> Result<File, DashboardError> {
    let voices = voices::for_pack(store, survey)?;
    let tally = &loaded.tally;
    if tally.rows() == 0 {
        return Err(DashboardError::NoResponses);
    }
    let census = stats::Census::from_survey(survey);
    let all = |_: &Key| true;
    let modes = tally.modes(&all);
    let household = super::household::household_data(store, survey)?;
    let make = |weighting| {
        let input = crate::report::PackInput {
            survey,
            tally,
            census: census.as_ref(),
            options: Options {
                weighting,
                ..Default::default()
            },
            wave: None,
            lang,
            date: Local::now().format("%Y-%m-%d").to_string(),
            collection: crate::figures::collection_text(Some(&modes), lang),
            include_flagged: false,
            voices: Some(voices.clone()),
            household: household.as_ref().map(|(d, _)| d),
            ledger,
        };
        match d {
            Download::Pack => crate::report::build_zip(&input),
            file => crate::report::build_file(&input, file.name()),
        }
    };
    let bytes = make(preferred_weighting(survey)).or_else(|_| make(Weighting::Base))?;
    let (file, kind, what) = match d {
        Download::BriefingDocx => ("briefing.docx", FileKind::Docx, "briefing (Word)"),
        Download::BriefingPdf => ("briefing.pdf", FileKind::Pdf, "briefing (PDF)"),
        _ => ("briefing.zip", FileKind::Zip, "briefing pack"),
    };
    Ok(File {
        name: format!("{}_{file}", survey.id),
        kind,
        body: Body::Bytes(bytes),
        what: format!("{} {what}", survey.id),
    })
}

/// The stored responses of a scope: `responses.csv` (the shape `minyi stats` reads,
/// streamed page by page) or `responses.xlsx` (a workbook built on disk, split across
/// sheets beyond one sheet's rows).
fn responses_file(
    store: &Store,
    s: &Survey,
    scope: Scope<'_>,
    d: Download,
    exported_by: &str,
) -> Result<File, DashboardError> {
    let file = d.name();
    let scope_name = scope.district().unwrap_or("all");
    let stem = format!("{}_{scope_name}_responses", s.id);
    match d {
        Download::ResponsesCsv => Ok(File {
            name: format!("{stem}.csv"),
            kind: FileKind::Csv,
            body: Body::Csv {
                district: scope.district().map(str::to_string),
            },
            what: format!("{} {scope_name} {file}", s.id),
        }),
        Download::ResponsesXlsx => {
            let about = vec![
                format!("survey: {} ({})", s.id, s.title.zh),
                format!("district: {scope_name}"),
                format!("exported: {} by {exported_by}", Local::now().format("%Y-%m-%d %H:%M")),
                "one row per complete response; quality_flags lists why a response is left out of estimates (superseded = withdrawn by the office, with a logged reason)".into(),
                "channel: qr / link / api / phone / household; interviewer: who entered a phone or household interview".into(),
            ];
            let (disk, n) = responses_workbook(store, s, scope, &about, crate::export::SHEET_ROWS)?;
            Ok(File {
                name: format!("{stem}.xlsx"),
                kind: FileKind::Xlsx,
                body: Body::Disk(disk),
                what: format!("{} {scope_name} {file} ({n} responses)", s.id),
            })
        }
        other => Err(DashboardError::NoFile(other.name().to_string())),
    }
}

/// Writes the responses CSV of a scope to `out`, a page of rows at a time.
pub fn write_responses_csv(
    store: &Store,
    s: &Survey,
    district: Option<&str>,
    out: impl std::io::Write,
) -> Result<usize, DashboardError> {
    Ok(crate::export::write_from_store(store, s, district, out)?)
}

/// The responses of a scope as a workbook in an unlinked temporary file: the CSV is
/// written to a temporary file first, then read back into a constant-memory workbook
/// (`sheet_rows` data rows per sheet). Returns the file and the number of responses.
pub fn responses_workbook(
    store: &Store,
    s: &Survey,
    scope: Scope<'_>,
    about: &[String],
    sheet_rows: u32,
) -> Result<(std::fs::File, usize), DashboardError> {
    let io = |e: std::io::Error| DashboardError::Export(e.into());
    let mut csv = tempfile::tempfile().map_err(io)?;
    let n = write_responses_csv(
        store,
        s,
        scope.district(),
        std::io::BufWriter::new(&mut csv),
    )?;
    use std::io::Seek;
    csv.rewind().map_err(io)?;
    let out = tempfile::NamedTempFile::new().map_err(io)?;
    crate::export::responses_workbook(std::io::BufReader::new(csv), about, out.path(), sheet_rows)?;
    // Open before the name goes: the handle keeps the data until the download ends.
    let disk = std::fs::File::open(out.path()).map_err(io)?;
    drop(out);
    Ok((disk, n))
}

/// Every QR code of a scope (PNG and SVG) in a ZIP.
/// The printable posters of a scope as one PDF, one A4 page per collection point.
fn posters_pdf(
    s: &Survey,
    base_url: &str,
    scope: Scope<'_>,
    lang: Lang,
) -> Result<File, DashboardError> {
    let places: Vec<crate::qr::Place> = crate::qr::places(s, base_url, lang)
        .into_iter()
        .filter(|p| scope.covers(&p.district))
        .collect();
    let scope_name = scope.district().unwrap_or("all");
    Ok(File {
        name: format!("{}_{scope_name}_posters.pdf", s.id),
        kind: FileKind::Pdf,
        body: Body::Bytes(crate::qr::posters_pdf(s, &places, lang)?),
        what: format!("{} posters {scope_name} ({} pages)", s.id, places.len()),
    })
}

fn qr_zip(s: &Survey, base_url: &str, scope: Scope<'_>) -> Result<File, DashboardError> {
    let mut entries = Vec::new();
    for p in crate::qr::places(s, base_url, Lang::Zh)
        .into_iter()
        .filter(|p| scope.covers(&p.district))
    {
        entries.push((format!("{}.svg", p.stem), crate::qr::svg(&p)?.into_bytes()));
        entries.push((format!("{}.png", p.stem), crate::qr::png(&p)?));
    }
    let scope_name = scope.district().unwrap_or("all");
    Ok(File {
        name: format!("{}_{scope_name}_qr.zip", s.id),
        kind: FileKind::Zip,
        body: Body::Bytes(crate::export::zip(&entries)?),
        what: format!("{} QR codes {scope_name}", s.id),
    })
}
