//! The workbook: one sheet per dimension (rates with intervals and `n`, formatted as
//! percentages) and a sheet describing the method.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::error::ReportError;
use super::html;
use super::model::{Pack, PackInput};
use crate::definition::{Dimension, Survey};
use crate::figures::{gap_table, place_table, write_table, Cell};
use crate::labels::{district_name, publication_flag};
use crate::stats::is_rate;
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
        let (header, rows) = place_table(s, p, &pack.report, l);
        write_table(&mut wb, l.pick("街道社区网格", "Places"), &header, &rows)?;
    }
    if let Some(h) = &pack.household {
        let rows: Vec<Vec<Cell>> = Dimension::ALL
            .iter()
            .filter(|d| d.is_rated())
            .flat_map(|d| household_rows(s, &h.report, *d, l))
            .collect();
        write_table(
            &mut wb,
            l.pick("入户概率样本", "Household sample"),
            &html::table_header(l),
            &rows,
        )?;
        let (header, rows) = gap_table(s, &h.gap, l);
        write_table(
            &mut wb,
            l.pick("扫码与入户之差", "Sample gap"),
            &header,
            &rows,
        )?;
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

/// The household sample's rates of a dimension as cells, in the columns of the
/// dimension sheets (a suppressed figure keeps its row, not its number).
fn household_rows(
    s: &Survey,
    r: &crate::stats::Report,
    dim: Dimension,
    l: crate::definition::Lang,
) -> Vec<Vec<Cell>> {
    crate::figures::dimension_rates(s, r, dim)
        .map(|(q, e)| {
            let shown = e.flag != Flag::Suppress;
            let num = |v: Option<f64>| v.filter(|_| shown).map_or(Cell::Empty, Cell::Pct);
            vec![
                Cell::Text(q.label(l).to_string()),
                Cell::Text(district_name(s, &e.group, l)),
                Cell::Int(e.n),
                num(Some(e.estimate)),
                num(e.ci_low),
                num(e.ci_high),
                Cell::Num(e.deff),
                Cell::Int(e.n_eff.round()),
                s.target_for(q).map_or(Cell::Empty, Cell::Pct),
                Cell::Text(publication_flag(e.flag, l).to_string()),
                Cell::Text(html::status_words(e, l)),
            ]
        })
        .collect()
}
