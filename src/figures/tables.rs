//! Figures as tables: the cells a workbook, a CSV or a page shows, the places table
//! of every street, community and grid, and plain table workbooks.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::definition::{Dimension, Lang, Question, Survey};
use crate::labels::group_name;
use crate::stats::{self, Estimate, Flag, Report};

use super::error::FigureError;

fn err(e: XlsxError) -> FigureError {
    FigureError::Xlsx(e.to_string())
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

/// A cell as CSV text (percentages as shares, so a spreadsheet reads numbers).
pub fn cell_text(c: &Cell) -> String {
    match c {
        Cell::Text(t) => crate::export::spreadsheet_safe(t.clone()),
        Cell::Pct(v) | Cell::Num(v) if v.is_finite() => format!("{v:.4}"),
        Cell::Int(v) if v.is_finite() => format!("{v:.0}"),
        _ => String::new(),
    }
}

/// Every rate of every street, community and grid: the places table of the workbook
/// and `table_places.csv`. Suppressed figures keep their row (n and the respondents a
/// publishable figure needs) but no number.
pub fn place_table(
    s: &Survey,
    places: &Report,
    districts: &Report,
    l: Lang,
) -> (Vec<String>, Vec<Vec<Cell>>) {
    let header: Vec<String> = [
        ("层级", "level"),
        ("区", "district"),
        ("街道", "street"),
        ("代码", "code"),
        ("名称", "name"),
        ("指标", "indicator"),
        ("受访人数", "n"),
        ("估计值", "rate"),
        ("置信区间下限", "interval low"),
        ("置信区间上限", "interval high"),
        ("目标", "target"),
        ("与目标相比", "against the target"),
        ("发布", "publication"),
        ("发布所需受访人数", "respondents for a publishable figure"),
        ("模型估计", "model estimate"),
        ("模型区间下限", "model interval low"),
        ("模型区间上限", "model interval high"),
        ("模型与目标相比", "model against the target"),
        ("模型类型", "model kind"),
    ]
    .iter()
    .map(|(zh, en)| l.pick(zh, en).to_string())
    .collect();
    let mut rows = Vec::new();
    for level in ["street", "community", "grid"] {
        for e in places
            .estimates
            .iter()
            .filter(|e| e.domain == level && stats::is_rate(e))
        {
            let Some((dc, code)) = e.group.split_once('/') else {
                continue;
            };
            let Some(d) = s.district(dc) else { continue };
            let Some(q) = s.question(&e.indicator) else {
                continue;
            };
            let street = match level {
                "street" => None,
                _ => d
                    .communities
                    .iter()
                    .find(|c| c.code == code || c.grids.iter().any(|g| g.code == code))
                    .and_then(|c| c.street_code.as_deref())
                    .and_then(|st| d.street(st)),
            };
            let fallback = districts.estimates.iter().find(|x| {
                x.domain == "district"
                    && x.group == d.code
                    && x.indicator == e.indicator
                    && stats::is_rate(x)
            });
            let published = e.flag != Flag::Suppress && e.estimate.is_finite();
            rows.push(vec![
                Cell::Text(
                    match level {
                        "street" => l.pick("街道", "street"),
                        "community" => l.pick("社区", "community"),
                        _ => l.pick("网格", "grid"),
                    }
                    .into(),
                ),
                Cell::Text(d.name.get(l).to_string()),
                Cell::Text(
                    street
                        .map(|st| st.name.get(l).to_string())
                        .unwrap_or_default(),
                ),
                Cell::Text(code.to_string()),
                Cell::Text(group_name(s, &e.group, l)),
                Cell::Text(q.label(l).to_string()),
                Cell::Int(e.n),
                if published {
                    Cell::Pct(e.estimate)
                } else {
                    Cell::Empty
                },
                match (published, e.ci_low) {
                    (true, Some(v)) => Cell::Pct(v),
                    _ => Cell::Empty,
                },
                match (published, e.ci_high) {
                    (true, Some(v)) => Cell::Pct(v),
                    _ => Cell::Empty,
                },
                s.target_for(q).map_or(Cell::Empty, Cell::Pct),
                Cell::Text(
                    e.target_status
                        .map(|t| crate::labels::target_state(t.state, l).to_string())
                        .unwrap_or_default(),
                ),
                Cell::Text(crate::labels::publication_flag(e.flag, l).to_string()),
                needed_for(e, fallback)
                    .filter(|_| e.n > 0.0)
                    .map_or(Cell::Empty, |n| Cell::Int(n as f64)),
                e.model
                    .as_ref()
                    .map_or(Cell::Empty, |m| Cell::Pct(m.estimate)),
                e.model
                    .as_ref()
                    .map_or(Cell::Empty, |m| Cell::Pct(m.ci_low)),
                e.model
                    .as_ref()
                    .map_or(Cell::Empty, |m| Cell::Pct(m.ci_high)),
                Cell::Text(
                    e.model
                        .as_ref()
                        .and_then(|m| m.target_status)
                        .map(|t| crate::labels::target_state(t.state, l).to_string())
                        .unwrap_or_default(),
                ),
                Cell::Text(
                    e.model
                        .as_ref()
                        .map(|m| match m.gamma {
                            None => l.pick("合成（无受访者）", "synthetic (no respondents)"),
                            Some(_) if m.synthetic => l.pick("合成（A=0）", "synthetic (A = 0)"),
                            Some(_) => l.pick(
                                "EBLUP（Fay–Herriot，基准化）",
                                "EBLUP (Fay–Herriot, benchmarked)",
                            ),
                        })
                        .unwrap_or_default()
                        .to_string(),
                ),
            ]);
        }
    }
    (header, rows)
}

/// Respondents for a figure without caution: an effective sample of 100 (the
/// publication rule's `directional_below`) at the estimate's design effect, or its
/// district's where the estimate rests on too few respondents.
pub fn needed_for(e: &Estimate, fallback: Option<&Estimate>) -> Option<u32> {
    let usable = |x: &Estimate| {
        (x.deff.is_finite() && x.deff >= 1.0 && x.flag != Flag::Suppress).then_some(x.deff)
    };
    let deff = usable(e)
        .or_else(|| fallback.and_then(usable))
        .unwrap_or(1.0);
    let want = (stats::FlagRules::default().directional_below * deff).ceil();
    (want > e.n).then_some(want as u32)
}

/// Tables as a workbook, the header rows bold and frozen, with an "about" sheet saying
/// where the figures come from.
pub fn table_workbook(tables: &[Table], about: &[String]) -> Result<Vec<u8>, FigureError> {
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
pub fn write_table(
    wb: &mut Workbook,
    name: &str,
    header: &[String],
    rows: &[Vec<Cell>],
) -> Result<(), FigureError> {
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

/// The rates of a dimension's indicators, question by question in the definition's
/// order, each question's groups in the report's order: what every table of a
/// dimension lists.
pub fn dimension_rates<'a>(
    s: &'a Survey,
    r: &'a Report,
    dim: Dimension,
) -> impl Iterator<Item = (&'a Question, &'a Estimate)> + 'a {
    s.questions
        .iter()
        .filter(move |q| q.dimension == dim && q.is_indicator())
        .flat_map(move |q| {
            r.estimates
                .iter()
                .filter(move |e| e.indicator == q.id && stats::is_rate(e))
                .map(move |e| (q, e))
        })
}
