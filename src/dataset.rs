//! Responses CSV → [`stats::Dataset`]: the shape `minyi export` writes and `minyi stats`
//! reads. A header row; `district` (the resident's district) and optionally
//! `community`; one column per question id with option codes (several joined by `;`);
//! empty = missing. Other columns (`wave`, `response_id`, …) are kept as text for
//! comparisons. Every bad cell is reported with its line, column and the codes allowed.
//! [`from_rows`] makes the same dataset straight from stored responses.

use std::collections::BTreeMap;
use std::io::Read;

use crate::definition::{Kind, Question, Survey};
use crate::stats::{Column, Dataset, MISSING, NONE};
use crate::storage::{StoredResponse, STATUS_COMPLETE};

#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error("{file}: cannot read CSV: {source}")]
    Csv { file: String, source: csv::Error },
    #[error("{file}: {source}")]
    Encoding {
        file: String,
        source: crate::encoding::EncodingError,
    },
    #[error("{file}: the header has no `district` column; the responses CSV needs `district` plus one column per question id (as `minyi export` writes it)")]
    NoDistrict { file: String },
    #[error("{}", .0.join("\n"))]
    Cells(Vec<String>),
}

/// At most this many cell errors are listed; the rest are counted.
const MAX_ERRORS: usize = 20;

/// Reads a responses CSV for `survey`. `file` names the source in messages. The file
/// may be as Excel saved it (GBK, UTF-8 with BOM, UTF-16 "Unicode text" with tabs):
/// it is decoded as it is read, and messages name the encoding when it was not UTF-8.
pub fn read_csv<R: Read>(survey: &Survey, file: &str, input: R) -> Result<Dataset, DatasetError> {
    let (input, sniffed) =
        crate::encoding::Utf8Reader::new(input, None).map_err(|source| DatasetError::Encoding {
            file: file.to_string(),
            source,
        })?;
    let named = sniffed.describe(file);
    let file = named.as_str();
    let csv_err = |source| DatasetError::Csv {
        file: file.to_string(),
        source,
    };
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .delimiter(sniffed.delimiter())
        .from_reader(input);
    let header = header_of(&mut rdr).map_err(csv_err)?;
    let col = |n: &str| header.iter().position(|h| h == n);
    let Some(d_col) = col("district") else {
        return Err(DatasetError::NoDistrict {
            file: file.to_string(),
        });
    };
    // minyi's exports before residence was recorded called the collection point
    // `community` (beside `collection_district`); since then `community` is where the
    // resident lives, and the collection point has its own column.
    let old_export = col("collection_district").is_some() && col("collection_point").is_none();
    let point_col = col("collection_point").or(if old_export { col("community") } else { None });
    let c_col = if old_export { None } else { col("community") };
    let g_col = col("grid");
    let cd_col = col("collection_district");
    // Question columns present in the file.
    let questions: Vec<(usize, &crate::definition::Question)> = survey
        .questions
        .iter()
        .filter(|q| q.kind != Kind::Text && !q.kind.is_place())
        .filter_map(|q| col(&q.id).map(|i| (i, q)))
        .collect();
    let place_cols = [Some(d_col), c_col, g_col, point_col];
    let extra_cols: Vec<usize> = (0..header.len())
        .filter(|&i| !place_cols.contains(&Some(i)) && !questions.iter().any(|(j, _)| *j == i))
        .filter(|&i| survey.question(&header[i]).is_none())
        .collect();
    let places = PlaceIndex::new(survey);
    // Design weights are checked as they are read: minyi's own column, and the one the
    // definition names.
    let named = survey
        .weighting
        .as_ref()
        .and_then(|w| w.design_weight.as_deref());
    let weight_cols: Vec<usize> = extra_cols
        .iter()
        .copied()
        .filter(|&i| header[i] == "design_weight" || Some(header[i].as_str()) == named)
        .collect();

    let mut data = Dataset::default();
    let mut cols: Vec<Column> = questions.iter().map(|(_, q)| empty_column(q)).collect();
    let mut extra: Vec<Vec<String>> = vec![Vec::new(); extra_cols.len()];
    let mut errors: Vec<String> = Vec::new();
    let mut n_errors = 0usize;
    let mut err = |line: u64, column: &str, msg: String| {
        n_errors += 1;
        if errors.len() < MAX_ERRORS {
            errors.push(format!("{file}:{line}: column `{column}`: {msg}"));
        }
    };
    let mut record = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_err(e)),
        }
        let line = record.position().map_or(0, |p| p.line());
        let dcode = crate::export::unprotect(record.get(d_col).unwrap_or(""));
        let Some(di) = survey.districts.iter().position(|d| d.code == dcode) else {
            err(
                line,
                "district",
                format!(
                    "`{dcode}` is not a district of survey `{}`; use one of: {}",
                    survey.id,
                    survey
                        .districts
                        .iter()
                        .map(|d| d.code.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            continue;
        };
        let cell = |c: Option<usize>| {
            c.map_or("", |i| {
                crate::export::unprotect(record.get(i).unwrap_or(""))
            })
        };
        let community = places.community(di, cell(c_col));
        let point_district = if cd_col.is_some() {
            cell(cd_col)
        } else {
            dcode
        };
        data.push_place(
            di as u32,
            community,
            places.grid(community, cell(g_col)),
            places.point(point_district, cell(point_col)),
        );
        for ((i, q), column) in questions.iter().zip(cols.iter_mut()) {
            let cell = crate::export::unprotect(record.get(*i).unwrap_or(""));
            if let Err(msg) = push_cell(column, q, cell) {
                err(line, &q.id, msg);
            }
        }
        for (k, &i) in extra_cols.iter().enumerate() {
            let v = crate::export::unprotect(record.get(i).unwrap_or(""));
            if weight_cols.contains(&i)
                && !v.is_empty()
                && !v.parse::<f64>().is_ok_and(|w| w > 0.0 && w.is_finite())
            {
                err(line, &header[i], format!("`{v}` is not a positive number; a design weight is the inverse of the respondent's chance of selection (leave it empty outside the probability sample)"));
            }
            extra[k].push(v.to_string());
        }
    }
    if n_errors > 0 {
        if n_errors > errors.len() {
            errors.push(format!("… and {} more problem(s)", n_errors - errors.len()));
        }
        return Err(DatasetError::Cells(errors));
    }
    data.columns = questions
        .iter()
        .zip(cols)
        .map(|((_, q), c)| (q.id.clone(), c))
        .collect::<BTreeMap<_, _>>();
    data.extra = extra_cols
        .iter()
        .zip(extra)
        .map(|(&i, v)| (header[i].clone(), v))
        .collect();
    with_local_days(&mut data);
    Ok(data)
}

/// The column of each response's day in the server's time zone (`YYYY-MM-DD`), from
/// its `submitted_at` (UTC): what the fieldwork counts per day go by. Made here, so
/// the statistics engine never reads the machine's clock or zone.
pub const LOCAL_DAY: &str = "submitted_day";

fn with_local_days(data: &mut Dataset) {
    use chrono::TimeZone;
    let Some(at) = data.extra.get("submitted_at") else {
        return;
    };
    let days = at
        .iter()
        .map(|s| {
            chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%SZ")
                .map(|t| {
                    chrono::Local
                        .from_utc_datetime(&t)
                        .format("%Y-%m-%d")
                        .to_string()
                })
                .unwrap_or_default()
        })
        .collect();
    data.extra.insert(LOCAL_DAY.to_string(), days);
}

/// The column a question's answers go into.
fn empty_column(q: &Question) -> Column {
    match q.kind {
        Kind::Number => Column::Number(Vec::new()),
        _ if q.multi_answer() => Column::Multi(Vec::new()),
        _ => Column::Choice(Vec::new()),
    }
}

/// Codes one answer cell (option codes, several joined by `;`, or a number) onto its
/// column; a bad value is pushed as missing and its problem returned.
fn push_cell(column: &mut Column, q: &Question, v: &str) -> Result<(), String> {
    match column {
        Column::Number(out) => {
            if v.is_empty() {
                out.push(f64::NAN);
                return Ok(());
            }
            match v.parse::<f64>() {
                Ok(x) if x.is_finite() => {
                    out.push(x);
                    Ok(())
                }
                _ => {
                    out.push(f64::NAN);
                    Err(format!("`{v}` is not a number"))
                }
            }
        }
        Column::Choice(out) => {
            if v.is_empty() {
                out.push(MISSING);
                Ok(())
            } else if let Some(k) = q.options.iter().position(|o| o.code == v) {
                out.push(k as u16);
                Ok(())
            } else {
                out.push(MISSING);
                Err(format!(
                    "`{v}` is not an option code; use one of: {}",
                    codes(q)
                ))
            }
        }
        Column::Multi(out) => {
            let mut mask = 0u64;
            let mut bad = None;
            for part in v.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                match q.options.iter().position(|o| o.code == part) {
                    Some(k) if k < 64 => mask |= 1 << k,
                    _ => {
                        bad = Some(format!(
                        "`{part}` is not an option code; use one of: {} (several joined by `;`)",
                        codes(q)
                    ))
                    }
                }
            }
            out.push(mask);
            bad.map_or(Ok(()), Err)
        }
    }
}

pub use crate::export::ROW_COLUMNS;

/// Stored responses → the dataset `stats` reads, directly (no CSV in between): the
/// same dataset as [`read_csv`] of `minyi export`'s file. Complete responses only;
/// the `superseded` ids get the flag `superseded`.
pub fn from_rows(
    survey: &Survey,
    rows: &[StoredResponse],
    superseded: &[i64],
) -> Result<Dataset, DatasetError> {
    from_rows_weighted(survey, rows, superseded, &Default::default())
}

/// As [`from_rows`], with the household sample's design weights by response id (the
/// `design_weight` column, as the export writes it).
pub fn from_rows_weighted(
    survey: &Survey,
    rows: &[StoredResponse],
    superseded: &[i64],
    weights: &std::collections::HashMap<i64, f64>,
) -> Result<Dataset, DatasetError> {
    let questions: Vec<&Question> = survey
        .questions
        .iter()
        .filter(|q| q.kind != Kind::Text && !q.kind.is_place())
        .collect();
    let mut cols: Vec<Column> = questions.iter().map(|q| empty_column(q)).collect();
    let mut extra: Vec<Vec<String>> = vec![Vec::new(); ROW_COLUMNS.len()];
    let superseded: std::collections::HashSet<i64> = superseded.iter().copied().collect();
    let places = PlaceIndex::new(survey);
    let mut data = Dataset::default();
    let mut errors = Vec::new();
    for r in rows.iter().filter(|r| r.status == STATUS_COMPLETE) {
        let answers: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&r.answers).map_err(|e| {
                DatasetError::Cells(vec![format!(
                    "stored response {} has unreadable answers ({e}); the database may have been edited by hand",
                    r.id
                )])
            })?;
        let Some(di) = survey.districts.iter().position(|d| d.code == r.district) else {
            errors.push(format!(
                "stored response {}: district `{}` is not in survey `{}` (was the definition changed?)",
                r.id, r.district, survey.id
            ));
            continue;
        };
        let community = places.community(di, r.residence_community.as_deref().unwrap_or(""));
        data.push_place(
            di as u32,
            community,
            places.grid(community, r.residence_grid.as_deref().unwrap_or("")),
            places.point(
                &r.collection_district,
                r.collection_community.as_deref().unwrap_or(""),
            ),
        );
        for (q, column) in questions.iter().zip(cols.iter_mut()) {
            let cell = crate::answers::csv_cell(answers.get(&q.id));
            if let Err(msg) = push_cell(column, q, cell.trim()) {
                errors.push(format!(
                    "stored response {}: question `{}`: {msg}",
                    r.id, q.id
                ));
            }
        }
        let values =
            crate::export::row_values(r, superseded.contains(&r.id), weights.get(&r.id).copied());
        for (col, v) in extra.iter_mut().zip(values) {
            col.push(v);
        }
        if errors.len() > MAX_ERRORS {
            break;
        }
    }
    if !errors.is_empty() {
        return Err(DatasetError::Cells(errors));
    }
    data.columns = questions
        .iter()
        .zip(cols)
        .map(|(q, c)| (q.id.clone(), c))
        .collect();
    data.extra = ROW_COLUMNS
        .iter()
        .zip(extra)
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    with_local_days(&mut data);
    Ok(data)
}

/// Place codes → the dataset's indexes (communities, grids, collection points).
struct PlaceIndex {
    /// (district index, code) of every community, in `Survey::communities()` order.
    communities: Vec<(usize, String)>,
    /// (community index, code) of every grid, in `Survey::grids()` order.
    grids: Vec<(usize, String)>,
    /// (district code, point code; empty for the district itself), in `Survey::points()`.
    points: Vec<(String, String)>,
}

impl PlaceIndex {
    fn new(survey: &Survey) -> PlaceIndex {
        let mut communities = Vec::new();
        let mut grids = Vec::new();
        for (di, d) in survey.districts.iter().enumerate() {
            for c in &d.communities {
                for g in &c.grids {
                    grids.push((communities.len(), g.code.clone()));
                }
                communities.push((di, c.code.clone()));
            }
        }
        let points = survey
            .points()
            .into_iter()
            .map(|p| match p {
                crate::definition::PointRef::District(d) => (d.code.clone(), String::new()),
                p => (p.district().code.clone(), p.code().to_string()),
            })
            .collect();
        PlaceIndex {
            communities,
            grids,
            points,
        }
    }

    /// A community code's index: within the resident's district first, else anywhere.
    fn community(&self, di: usize, code: &str) -> u32 {
        if code.is_empty() {
            return NONE;
        }
        self.communities
            .iter()
            .position(|(d, c)| *d == di && c == code)
            .or_else(|| self.communities.iter().position(|(_, c)| c == code))
            .map_or(NONE, |i| i as u32)
    }

    /// A grid code's index, within its community.
    fn grid(&self, community: u32, code: &str) -> u32 {
        if code.is_empty() || community == NONE {
            return NONE;
        }
        self.grids
            .iter()
            .position(|(c, g)| *c == community as usize && g == code)
            .map_or(NONE, |i| i as u32)
    }

    /// A collection point's index (the district's own poster when `code` is empty).
    fn point(&self, district: &str, code: &str) -> u32 {
        self.points
            .iter()
            .position(|(d, c)| d == district && c == code)
            .map_or(NONE, |i| i as u32)
    }
}

fn codes(q: &crate::definition::Question) -> String {
    q.options
        .iter()
        .map(|o| o.code.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads a census CSV (`district`, one column per weighting variable, `population`)
/// that replaces the definition's census for one analysis; its bytes as Excel may
/// have saved them.
pub fn read_census(
    survey: &Survey,
    file: &str,
    bytes: &[u8],
) -> Result<crate::stats::Census, DatasetError> {
    let (text, sniffed) =
        crate::encoding::csv_text(bytes, None).map_err(|source| DatasetError::Encoding {
            file: file.to_string(),
            source,
        })?;
    let named = sniffed.describe(file);
    let file = named.as_str();
    let mut census = crate::stats::Census::from_survey(survey).ok_or_else(|| {
        DatasetError::Cells(vec![format!("{file}: survey `{}` has no [weighting] section naming the weighting variables; add one to the definition", survey.id)])
    })?;
    census.population.iter_mut().for_each(|p| *p = 0.0);
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let csv_err = |source| DatasetError::Csv {
        file: file.to_string(),
        source,
    };
    let header = header_of(&mut rdr).map_err(csv_err)?;
    let mut want = vec!["district".to_string()];
    want.extend(census.variables.iter().map(|v| v.0.clone()));
    want.push("population".into());
    let idx: Option<Vec<usize>> = want
        .iter()
        .map(|w| header.iter().position(|h| h == w))
        .collect();
    let Some(idx) = idx else {
        return Err(DatasetError::Cells(vec![format!(
            "{file}:1: the header is `{}`; it needs the columns {}",
            header.join(","),
            want.join(", ")
        )]));
    };
    let mut errors = Vec::new();
    let mut seen = vec![false; census.population.len()];
    for rec in rdr.records() {
        let rec = rec.map_err(csv_err)?;
        let line = rec.position().map_or(0, |p| p.line());
        let get = |k: usize| rec.get(idx[k]).unwrap_or("");
        let Some(d) = survey.districts.iter().position(|d| d.code == get(0)) else {
            errors.push(format!(
                "{file}:{line}: district `{}` is not in the survey",
                get(0)
            ));
            continue;
        };
        let mut cats = Vec::new();
        for (k, (var, codes)) in census.variables.iter().enumerate() {
            match codes.iter().position(|c| c == get(k + 1)) {
                Some(c) => cats.push(c),
                None => errors.push(format!(
                    "{file}:{line}: `{}` is not a category of `{var}`; use one of: {}",
                    get(k + 1),
                    codes.join(", ")
                )),
            }
        }
        let pop = get(want.len() - 1);
        let Ok(p) = pop.parse::<f64>() else {
            errors.push(format!("{file}:{line}: population `{pop}` is not a number"));
            continue;
        };
        if cats.len() == census.variables.len() {
            let c = census.layout.cell(d, &cats);
            seen[c] = true;
            census.population[c] += p;
        }
    }
    for (c, s) in seen.iter().enumerate() {
        if !s {
            let (d, cats) = census.layout.decode(c);
            let cell: Vec<String> = cats
                .iter()
                .enumerate()
                .map(|(k, &i)| census.variables[k].1[i].clone())
                .collect();
            errors.push(format!(
                "{file}: no row for district {} × {}; add it (its population)",
                survey.districts[d].code,
                cell.join(" × ")
            ));
        }
    }
    if errors.is_empty() {
        Ok(census)
    } else {
        Err(DatasetError::Cells(errors))
    }
}

fn header_of<R: Read>(rdr: &mut csv::Reader<R>) -> Result<Vec<String>, csv::Error> {
    Ok(rdr.headers()?.iter().map(str::to_string).collect())
}
