//! The workbook: one sheet per dimension (rates with intervals and `n`, formatted as
//! percentages) and a sheet describing the method.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::{html, is_rate, Pack, PackInput, ReportError};
use crate::definition::{Dimension, Survey};
use crate::labels::{district_name, publication_flag};
use crate::stats::Flag;

fn err(e: XlsxError) -> ReportError {
    ReportError::Xlsx(e.to_string())
}

pub fn workbook(s: &Survey, pack: &Pack, input: &PackInput<'_>) -> Result<Vec<u8>, ReportError> {
    let l = input.lang;
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let pct = Format::new().set_num_format("0.0%");
    let two = Format::new().set_num_format("0.00");
    let int = Format::new().set_num_format("0");
    for dim in Dimension::ALL.iter().filter(|d| d.is_rated()) {
        let questions: Vec<_> = s
            .questions
            .iter()
            .filter(|q| q.dimension == *dim && q.is_indicator())
            .collect();
        if questions.is_empty() {
            continue;
        }
        let ws = wb.add_worksheet();
        ws.set_name(dim.label().get(l)).map_err(err)?;
        for (c, h) in html::table_header(l).iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold)
                .map_err(err)?;
        }
        ws.set_column_width(0, 18).map_err(err)?;
        ws.set_column_width(1, 12).map_err(err)?;
        let mut row = 1u32;
        for q in questions {
            for e in pack
                .report
                .estimates
                .iter()
                .filter(|e| e.indicator == q.id && is_rate(e))
            {
                ws.write_string(row, 0, q.label(l)).map_err(err)?;
                ws.write_string(row, 1, district_name(s, &e.group, l))
                    .map_err(err)?;
                ws.write_number_with_format(row, 2, e.n, &int)
                    .map_err(err)?;
                // Suppressed figures are not published: the cells stay empty, the flag says why.
                if e.flag != Flag::Suppress {
                    ws.write_number_with_format(row, 3, e.estimate, &pct)
                        .map_err(err)?;
                    if let (Some(a), Some(b)) = (e.ci_low, e.ci_high) {
                        ws.write_number_with_format(row, 4, a, &pct).map_err(err)?;
                        ws.write_number_with_format(row, 5, b, &pct).map_err(err)?;
                    }
                }
                if e.deff.is_finite() {
                    ws.write_number_with_format(row, 6, e.deff, &two)
                        .map_err(err)?;
                }
                ws.write_number_with_format(row, 7, e.n_eff.round(), &int)
                    .map_err(err)?;
                if let Some(t) = s.target_for(q) {
                    ws.write_number_with_format(row, 8, t, &pct).map_err(err)?;
                }
                ws.write_string(row, 9, publication_flag(e.flag, l))
                    .map_err(err)?;
                ws.write_string(row, 10, html::status_words(e, l))
                    .map_err(err)?;
                row += 1;
            }
        }
    }
    if let Some(p) = &pack.places {
        let (header, rows) = super::place_table(s, p, &pack.report, l);
        write_table(&mut wb, l.pick("街道社区网格", "Places"), &header, &rows)?;
    }
    let ws = wb.add_worksheet();
    ws.set_name(l.pick("方法说明", "Methods")).map_err(err)?;
    ws.set_column_width(0, 120).map_err(err)?;
    ws.write_string_with_format(0, 0, s.title.get(l), &bold)
        .map_err(err)?;
    for (i, line) in html::methods(s, pack, input).iter().enumerate() {
        ws.write_string(i as u32 + 2, 0, line).map_err(err)?;
    }
    wb.save_to_buffer().map_err(err)
}

/// Rows of one worksheet: Excel's limit, 1,048,576, less the header row.
pub const SHEET_ROWS: u32 = 1_048_575;

/// The responses CSV (as `minyi export` writes it) as a workbook at `out`: one row per
/// response, the response id as a number, every other cell as text so codes like `01`
/// keep their leading zero. Beyond `sheet_rows` responses the rows go on in a sheet
/// "responses 2" (and so on), each with the header; the "about" sheet says so. Written
/// in constant-memory mode (rows go to temporary files as they are written).
pub fn responses_workbook(
    csv: impl std::io::Read,
    about: &[String],
    out: &std::path::Path,
    sheet_rows: u32,
) -> Result<(), ReportError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv);
    let mut records = rdr.records();
    let header = match records.next() {
        Some(h) => h.map_err(|e| ReportError::Xlsx(format!("responses CSV: {e}")))?,
        None => csv::StringRecord::new(),
    };
    let mut sheets = 0u32;
    let mut total = 0u64;
    let mut row = sheet_rows; // a new sheet before the first response
    let mut ws: Option<&mut rust_xlsxwriter::Worksheet> = None;
    loop {
        let rec = match records.next() {
            Some(r) => r.map_err(|e| ReportError::Xlsx(format!("responses CSV: {e}")))?,
            None if sheets == 0 => csv::StringRecord::new(),
            None => break,
        };
        if row >= sheet_rows || ws.is_none() {
            sheets += 1;
            let sheet = wb.add_worksheet_with_constant_memory().map_err(err)?;
            let name = if sheets == 1 {
                "responses".to_string()
            } else {
                format!("responses {sheets}")
            };
            sheet.set_name(&name).map_err(err)?;
            sheet.set_freeze_panes(1, 0).map_err(err)?;
            for (c, v) in header.iter().enumerate() {
                sheet
                    .write_string_with_format(0, c as u16, crate::export::unprotect(v), &bold)
                    .map_err(err)?;
            }
            ws = Some(sheet);
            row = 0;
        }
        if rec.is_empty() {
            break; // no responses: the header alone
        }
        let Some(sheet) = ws.as_deref_mut() else {
            break;
        };
        row += 1;
        total += 1;
        for (c, v) in rec.iter().enumerate() {
            // A workbook cell is text, never a formula: the CSV's protection comes off.
            let v = crate::export::unprotect(v);
            if c == 0 {
                match v.parse::<f64>() {
                    Ok(n) => sheet.write_number(row, c as u16, n).map_err(err)?,
                    Err(_) => sheet.write_string(row, c as u16, v).map_err(err)?,
                };
            } else {
                sheet.write_string(row, c as u16, v).map_err(err)?;
            }
        }
    }
    let info = wb.add_worksheet();
    info.set_name("about").map_err(err)?;
    info.set_column_width(0, 100).map_err(err)?;
    let mut lines = about.to_vec();
    lines.push(format!("responses: {total}"));
    if sheets > 1 {
        lines.push(format!(
            "one worksheet holds at most 1,048,576 rows, so the {total} responses are split across {sheets} sheets: responses, then responses 2 to responses {sheets}, each with the header row, in response id order"
        ));
    }
    for (i, line) in lines.iter().enumerate() {
        info.write_string(i as u32, 0, line).map_err(err)?;
    }
    wb.save(out).map_err(err)
}

/// A cell of a plain table workbook.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    /// A share, shown as a percentage.
    Pct(f64),
    /// A whole number.
    Int(f64),
    /// Two decimals.
    Num(f64),
    Empty,
}

/// One sheet of a table workbook.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// Tables as a workbook, the header rows bold and frozen, with an "about" sheet saying
/// where the figures come from.
pub fn table_workbook(tables: &[Table], about: &[String]) -> Result<Vec<u8>, ReportError> {
    let mut wb = Workbook::new();
    for t in tables {
        write_table(&mut wb, &t.name, &t.header, &t.rows)?;
    }
    let info = wb.add_worksheet();
    info.set_name("about").map_err(err)?;
    info.set_column_width(0, 120).map_err(err)?;
    for (i, line) in about.iter().enumerate() {
        info.write_string(i as u32, 0, line).map_err(err)?;
    }
    wb.save_to_buffer().map_err(err)
}

/// One sheet of plain cells, the header bold and frozen.
fn write_table(
    wb: &mut Workbook,
    name: &str,
    header: &[String],
    rows: &[Vec<Cell>],
) -> Result<(), ReportError> {
    let bold = Format::new().set_bold();
    let pct = Format::new().set_num_format("0.0%");
    let two = Format::new().set_num_format("0.00");
    let int = Format::new().set_num_format("0");
    let ws = wb.add_worksheet();
    ws.set_name(name).map_err(err)?;
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold)
            .map_err(err)?;
        ws.set_column_width(c as u16, (h.chars().count() as f64 * 1.6).max(10.0))
            .map_err(err)?;
    }
    ws.set_freeze_panes(1, 0).map_err(err)?;
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) => ws.write_string(r, c, s).map(|_| ()),
                Cell::Pct(v) if v.is_finite() => {
                    ws.write_number_with_format(r, c, *v, &pct).map(|_| ())
                }
                Cell::Int(v) if v.is_finite() => ws
                    .write_number_with_format(r, c, v.round(), &int)
                    .map(|_| ()),
                Cell::Num(v) if v.is_finite() => {
                    ws.write_number_with_format(r, c, *v, &two).map(|_| ())
                }
                _ => Ok(()),
            }
            .map_err(err)?;
        }
    }
    Ok(())
}
