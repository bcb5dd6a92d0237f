//! Stored responses → the responses CSV that `minyi stats` reads: a header row, the
//! place columns (`collection_district` and `collection_point`: where the poster hung;
//! `district`, `community`, `grid`: where the resident lives), then one column per
//! question id; values are option codes (several
//! joined by `;`), empty = missing. Screened-out responses are not exported.
//!
//! The office opens these files in Excel or WPS, which evaluate a cell beginning with
//! `=`, `+`, `-`, `@`, a tab or a carriage return as a formula ("CSV injection"). Such
//! cells are written with a leading `'` (OWASP's advice), plain numbers excepted; the
//! readers (`dataset`, the workbook) take the `'` off again, so `minyi stats` reads
//! the same figures. Free text is masked for personal data again on the way out, so
//! rows stored before masking existed leave no phone number in a download either.

use crate::answers::csv_cell;
use crate::definition::Survey;
use crate::storage::{StorageError, Store, StoredResponse, STATUS_COMPLETE};

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot write CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("stored response {id} has unreadable answers ({reason}); the database may have been edited by hand")]
    Corrupt { id: i64, reason: String },
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("cannot write the workbook: {0}")]
    Xlsx(String),
    #[error("cannot write the ZIP archive: {0}")]
    Zip(String),
    #[error("cannot work out the household sample's design weights: {0}")]
    Weights(String),
    #[error("cannot write a temporary file: {0}")]
    Io(#[from] std::io::Error),
}

/// Characters that make a spreadsheet read a cell as a formula.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell as a spreadsheet may safely open it: `'` before a formula-like start, unless
/// the cell is a plain number.
pub fn spreadsheet_safe(cell: String) -> String {
    let risky = cell.starts_with(FORMULA_START);
    if risky && !cell.parse::<f64>().is_ok_and(f64::is_finite) {
        format!("'{cell}")
    } else {
        cell
    }
}

/// The cell as written before [`spreadsheet_safe`] protected it.
pub fn unprotect(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_START) => rest,
        _ => cell,
    }
}

/// The resident's district needs a column of its own unless a question with the id
/// `district` already provides it.
fn needs_district_column(survey: &Survey) -> bool {
    survey
        .district_question()
        .is_none_or(|q| q.id != "district")
}

/// The columns besides answers and places that every response has, as the export
/// writes them and the dataset made from stored rows carries them (so both paths give
/// the same dataset).
/// `sample` says which sample a response belongs to: `household` (the probability
/// sample of drawn households, with its `psu`, the drawn community, and its
/// `design_weight`) or `convenience` (everyone who chose to answer: QR codes, links,
/// kiosks, interviews outside the drawn sample). The two are never pooled.
pub const ROW_COLUMNS: [&str; 11] = [
    "response_id",
    "wave",
    "channel",
    "interviewer",
    "intake",
    "submitted_at",
    "collection_district",
    "sample",
    "psu",
    "design_weight",
    "quality_flags",
];

/// The `sample` of a household-sample interview.
pub const HOUSEHOLD_SAMPLE: &str = "household";
/// The `sample` of every other response.
pub const CONVENIENCE_SAMPLE: &str = "convenience";

/// A stored response's [`ROW_COLUMNS`] as text (`superseded`: the office withdrew it,
/// which its flags say; `weight`: its design weight, for an interview of the household
/// sample that counts).
pub fn row_values(r: &StoredResponse, superseded: bool, weight: Option<f64>) -> [String; 11] {
    let household = r.household_id.is_some();
    [
        r.id.to_string(),
        r.wave.to_string(),
        r.channel.clone(),
        r.interviewer.clone().unwrap_or_default(),
        r.intake.clone().unwrap_or_default(),
        r.submitted_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        r.collection_district.clone(),
        if household {
            HOUSEHOLD_SAMPLE
        } else {
            CONVENIENCE_SAMPLE
        }
        .to_string(),
        if household {
            r.residence_community.clone().unwrap_or_default()
        } else {
            String::new()
        },
        // Shortest text that reads back as the same number.
        weight.map_or(String::new(), |w| w.to_string()),
        if superseded {
            crate::quality::with_superseded(&r.quality_flags)
        } else {
            r.quality_flags.clone()
        },
    ]
}

/// The CSV header for a survey: the row columns with the places before the flags,
/// then the questions.
pub fn header(survey: &Survey) -> Vec<String> {
    let (before, flags) = ROW_COLUMNS.split_at(ROW_COLUMNS.len() - 1);
    let mut h: Vec<String> = before
        .iter()
        .chain(&["collection_point", "community", "grid"])
        .chain(flags)
        .map(|s| s.to_string())
        .collect();
    if needs_district_column(survey) {
        h.push("district".into());
    }
    h.extend(survey.questions.iter().map(|q| q.id.clone()));
    h
}

/// Writes complete responses as CSV.
pub fn write_csv<W: std::io::Write>(
    survey: &Survey,
    rows: &[StoredResponse],
    out: W,
) -> Result<usize, ExportError> {
    write_csv_with(survey, rows, &[], out)
}

/// As [`write_csv`], marking the `superseded` response ids with the flag `superseded`
/// (so every estimate leaves them out and counts them).
pub fn write_csv_with<W: std::io::Write>(
    survey: &Survey,
    rows: &[StoredResponse],
    superseded: &[i64],
    out: W,
) -> Result<usize, ExportError> {
    let mut w = CsvExport::new(survey, superseded, Default::default(), out)?;
    w.rows(rows)?;
    w.finish()
}

/// Rows read from the database per page while exporting.
const PAGE: i64 = 5_000;

/// Every complete response of a survey (of one resident district with `district`) as
/// CSV, read from the store a page at a time: memory does not grow with the rows.
/// Superseded responses carry the flag.
pub fn write_from_store<W: std::io::Write>(
    store: &Store,
    survey: &Survey,
    district: Option<&str>,
    out: W,
) -> Result<usize, ExportError> {
    let superseded: Vec<i64> = store
        .superseded(&survey.id)?
        .into_iter()
        .map(|s| s.0)
        .collect();
    // The household sample's design weights (its interviews are few; read apart).
    let household = store.household_responses(&survey.id)?;
    let weights = crate::households::design_weights(store, survey, &household, &superseded)
        .map_err(|e| ExportError::Weights(e.to_string()))?
        .by_response;
    let mut w = CsvExport::new(survey, &superseded, weights, out)?;
    let mut after = 0;
    loop {
        let mut rows = store.responses_page(&survey.id, after, PAGE)?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        if let Some(d) = district {
            rows.retain(|r| r.district == d);
        }
        w.rows(&rows)?;
    }
    w.finish()
}

/// A CSV export being written: the header first, then rows as they come.
pub struct CsvExport<'a, W: std::io::Write> {
    survey: &'a Survey,
    w: csv::Writer<W>,
    own_district_col: bool,
    superseded: std::collections::HashSet<i64>,
    /// The household sample's design weights by response id.
    weights: std::collections::HashMap<i64, f64>,
    /// The survey's personal-data rules, applied again on the way out.
    masker: crate::privacy::Masker,
    written: usize,
}

impl<'a, W: std::io::Write> CsvExport<'a, W> {
    pub fn new(
        survey: &'a Survey,
        superseded: &[i64],
        weights: std::collections::HashMap<i64, f64>,
        out: W,
    ) -> Result<Self, ExportError> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(header(survey))?;
        Ok(CsvExport {
            survey,
            w,
            own_district_col: needs_district_column(survey),
            superseded: superseded.iter().copied().collect(),
            weights,
            masker: survey.masker(),
            written: 0,
        })
    }

    /// Appends the complete responses among `rows`.
    pub fn rows(&mut self, rows: &[StoredResponse]) -> Result<(), ExportError> {
        let survey = self.survey;
        for r in rows.iter().filter(|r| r.status == STATUS_COMPLETE) {
            let answers: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&r.answers).map_err(|e| ExportError::Corrupt {
                    id: r.id,
                    reason: e.to_string(),
                })?;
            let [head @ .., flags] = row_values(
                r,
                self.superseded.contains(&r.id),
                self.weights.get(&r.id).copied(),
            );
            let mut rec: Vec<String> = head.into();
            rec.extend([
                r.collection_community.clone().unwrap_or_default(),
                r.residence_community.clone().unwrap_or_default(),
                r.residence_grid.clone().unwrap_or_default(),
                flags,
            ]);
            if self.own_district_col {
                rec.push(r.district.clone());
            }
            rec.extend(survey.questions.iter().map(|q| {
                let cell = csv_cell(answers.get(&q.id));
                if q.kind == crate::definition::Kind::Text {
                    self.masker.mask(&cell).0
                } else {
                    cell
                }
            }));
            self.w.write_record(rec.into_iter().map(spreadsheet_safe))?;
            self.written += 1;
        }
        Ok(())
    }

    /// Flushes and returns how many responses were written.
    pub fn finish(mut self) -> Result<usize, ExportError> {
        self.w.flush().map_err(csv::Error::from)?;
        Ok(self.written)
    }
}
