//! The responses as a workbook, for staff who open Excel or WPS rather than a CSV.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::csv::ExportError;

fn err(e: XlsxError) -> ExportError {
    ExportError::Xlsx(e.to_string())
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
) -> Result<(), ExportError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv);
    let mut records = rdr.records();
    let header = match records.next() {
        Some(h) => h.map_err(|e| ExportError::Xlsx(format!("responses CSV: {e}")))?,
        None => csv::StringRecord::new(),
    };
    let mut sheets = 0u32;
    let mut total = 0u64;
    let mut row = sheet_rows; // a new sheet before the first response
    let mut ws: Option<&mut rust_xlsxwriter::Worksheet> = None;
    loop {
        let rec = match records.next() {
            Some(r) => r.map_err(|e| ExportError::Xlsx(format!("responses CSV: {e}")))?,
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
                    .write_string_with_format(0, c as u16, super::csv::unprotect(v), &bold)
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
            let v = super::csv::unprotect(v);
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
