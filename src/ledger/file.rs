//! The ledger as offices send it: the columns of a 整改台账 (序号, 问题, 地点, 责任单位,
//! 整改措施, 整改时限, 进展情况, 复测结果, 是否销号) and, after them, the figures behind
//! the verdict; the monthly notice as a second table.

use super::book::{Item, NoticeRow};
use super::error::LedgerError;
use super::state::State;
use super::verdict::{basis_name, rule_words};
use crate::definition::{Lang, Survey};
use crate::figures::{Cell, Table};
use crate::labels::pct;

/// The 复测结果 cell: the latest wave's figure and the verdict.
pub fn remeasured(i: &Item, l: Lang) -> String {
    let j = &i.judgement;
    let mut out = j.verdict.name(l).to_string();
    if let Some(m) = &j.latest {
        out = match l {
            Lang::Zh => format!(
                "第{}轮 {}（{}），{}",
                m.wave,
                pct(m.estimate),
                basis_name(m.model, l),
                out
            ),
            Lang::En => format!(
                "wave {} {} ({}), {}",
                m.wave,
                pct(m.estimate),
                basis_name(m.model, l),
                out
            ),
        };
    }
    if let Some(d) = &j.change {
        out.push_str(&match l {
            Lang::Zh => format!(
                "；变化 {:+.1} 个百分点（{:+.1}～{:+.1}）",
                d.difference * 100.0,
                d.ci_low * 100.0,
                d.ci_high * 100.0
            ),
            Lang::En => format!(
                "; change {:+.1} points ({:+.1} to {:+.1})",
                d.difference * 100.0,
                d.ci_low * 100.0,
                d.ci_high * 100.0
            ),
        });
    }
    if let Some(n) = j.more_needed {
        out.push_str(&match l {
            Lang::Zh => format!("；复测需再约 {n} 名受访者"),
            Lang::En => format!("; about {n} more respondents needed to tell"),
        });
    }
    out
}

/// The ledger's table.
pub fn ledger_table(items: &[Item], l: Lang) -> Table {
    let header = [
        ("序号", "no."),
        ("问题", "problem"),
        ("地点", "place"),
        ("责任单位", "responsible unit"),
        ("整改措施", "measures"),
        ("整改时限", "deadline"),
        ("进展情况", "progress"),
        ("复测结果", "re-measurement"),
        ("是否销号", "signed off"),
        ("指标", "indicator"),
        ("状态", "state"),
        ("逾期", "overdue"),
        ("基线轮次", "baseline wave"),
        ("基线值", "baseline rate"),
        ("基线估计方法", "baseline estimate"),
        ("目标", "target"),
        ("复测值", "re-measured rate"),
        ("复测区间下限", "re-measured low"),
        ("复测区间上限", "re-measured high"),
        ("变化", "change"),
        ("变化区间下限", "change low"),
        ("变化区间上限", "change high"),
        (
            "未按规则销号的理由",
            "reason for a sign-off against the rule",
        ),
        ("编号", "item id"),
    ]
    .iter()
    .map(|(zh, en)| l.pick(zh, en).to_string())
    .collect();
    let rows = items
        .iter()
        .enumerate()
        .map(|(k, i)| {
            let j = &i.judgement;
            let opt = |v: Option<f64>| v.map_or(Cell::Empty, Cell::Pct);
            // What office staff typed: kept as typed, never read as a formula when the
            // sheet is saved on as CSV.
            let typed = |t: &str| Cell::Text(crate::export::spreadsheet_safe(t.to_string()));
            vec![
                Cell::Int((k + 1) as f64),
                typed(&i.problem),
                Cell::Text(i.place_name.clone()),
                typed(&i.unit),
                typed(&i.measures),
                Cell::Text(i.deadline.format("%Y-%m-%d").to_string()),
                typed(i.progress()),
                Cell::Text(remeasured(i, l)),
                Cell::Text(
                    if i.state == State::SignedOff {
                        l.pick("是", "yes")
                    } else {
                        l.pick("否", "no")
                    }
                    .to_string(),
                ),
                Cell::Text(i.indicator_label.clone()),
                Cell::Text(i.state.name(l).to_string()),
                Cell::Text(
                    if i.overdue {
                        l.pick("逾期", "overdue")
                    } else {
                        ""
                    }
                    .to_string(),
                ),
                Cell::Int(i.baseline.wave as f64),
                opt(i.baseline.estimate),
                Cell::Text(i.baseline.basis_name(l).to_string()),
                opt(i.baseline.target),
                opt(j.latest.as_ref().map(|m| m.estimate)),
                opt(j.latest.as_ref().and_then(|m| m.ci_low)),
                opt(j.latest.as_ref().and_then(|m| m.ci_high)),
                j.change
                    .as_ref()
                    .map_or(Cell::Empty, |d| Cell::Num(d.difference * 100.0)),
                j.change
                    .as_ref()
                    .map_or(Cell::Empty, |d| Cell::Num(d.ci_low * 100.0)),
                j.change
                    .as_ref()
                    .map_or(Cell::Empty, |d| Cell::Num(d.ci_high * 100.0)),
                typed(i.against_rule().unwrap_or("")),
                Cell::Int(i.id as f64),
            ]
        })
        .collect();
    Table {
        name: l.pick("整改台账", "ledger").into(),
        header,
        rows,
    }
}

/// The monthly notice's table.
pub fn notice_table(s: &Survey, rows: &[NoticeRow], l: Lang) -> Table {
    Table {
        name: l.pick("月度通报", "monthly notice").into(),
        header: [
            ("区", "district"),
            ("责任单位", "responsible unit"),
            ("本月立项", "opened this month"),
            ("本月销号", "signed off this month"),
            ("未销号", "not signed off"),
            ("逾期未销号", "overdue"),
            ("仍显著低于目标", "still significantly below"),
        ]
        .iter()
        .map(|(zh, en)| l.pick(zh, en).to_string())
        .collect(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    Cell::Text(crate::labels::district_name(s, &r.district, l)),
                    Cell::Text(crate::export::spreadsheet_safe(r.unit.clone())),
                    Cell::Int(r.opened as f64),
                    Cell::Int(r.signed_off as f64),
                    Cell::Int(r.open as f64),
                    Cell::Int(r.overdue as f64),
                    Cell::Int(r.still_below as f64),
                ]
            })
            .collect(),
    }
}

/// The ledger and the month's notice as one workbook, with a sheet saying how the
/// figures were made.
pub fn ledger_workbook(
    s: &Survey,
    items: &[Item],
    notice: &[NoticeRow],
    month: (i32, u32),
    scope: Option<&str>,
    l: Lang,
) -> Result<Vec<u8>, LedgerError> {
    let about = vec![
        format!(
            "{} · {} · {}",
            s.title.get(l),
            scope.map_or(l.pick("全市", "city").to_string(), |d| crate::labels::district_name(s, d, l)),
            l.pick("整改台账", "rectification ledger")
        ),
        rule_words(&s.rectification, l),
        l.pick(
            "复测结果：该地点、该指标在基线之后最新一轮的估计（加权，按居住地），与基线同样方法计算；变化为两轮独立样本之差（与 minyi stats --compare 相同），区间为置信区间。社区有小区域模型的用模型估计（Fay–Herriot）及其均方误差，注明“模型估计”。",
            "Re-measurement: the place's estimate for the indicator in the latest wave after the baseline (weighted, by residence), made as the baseline was; the change is the difference of two independent samples (as minyi stats --compare), with its confidence interval. Communities with the small-area model use its estimate (Fay–Herriot) and MSE, marked as model estimates.",
        )
        .to_string(),
        match l {
            Lang::Zh => format!("月度通报：{}年{}月。", month.0, month.1),
            Lang::En => format!("Monthly notice: {}-{:02}.", month.0, month.1),
        },
    ];
    Ok(crate::figures::table_workbook(
        &[ledger_table(items, l), notice_table(s, notice, l)],
        &about,
    )?)
}

/// The ledger's part of the briefing pack: totals, this month's notice (a section of
/// the briefing) and the workbook; `None` when the survey has no items.
pub fn for_pack(
    store: &crate::storage::Store,
    cache: &crate::dashboard::Cache,
    s: &Survey,
    loaded: &crate::dashboard::Loaded,
    today: chrono::NaiveDate,
    l: Lang,
) -> Result<Option<crate::report::LedgerPack>, LedgerError> {
    use chrono::Datelike;
    let items = super::book::items(store, cache, s, loaded, None, today, l)?;
    if items.is_empty() {
        return Ok(None);
    }
    let month = (today.year(), today.month());
    let notice = super::book::notice(&items, month);
    let t = super::book::Totals::of(&items);
    let summary = match l {
        Lang::Zh => format!(
            "整改台账共{}项：已销号{}项（其中{}项未按规则、另附理由），未销号{}项，其中逾期{}项、按最新一轮调查仍显著低于目标{}项。{}",
            t.items, t.signed_off, t.against_rule, t.items - t.signed_off, t.overdue, t.still_below, rule_words(&s.rectification, l)
        ),
        Lang::En => format!(
            "The rectification ledger holds {} items: {} signed off ({} against the rule, with a reason), {} not, of which {} overdue and {} still significantly below the target in the latest wave. {}",
            t.items, t.signed_off, t.against_rule, t.items - t.signed_off, t.overdue, t.still_below, rule_words(&s.rectification, l)
        ),
    };
    let mut table = notice_table(s, &notice, l);
    table.name = match l {
        Lang::Zh => format!("{}年{}月整改通报（按区和责任单位）", month.0, month.1),
        Lang::En => format!(
            "Rectification notice {}-{:02} by district and unit",
            month.0, month.1
        ),
    };
    let workbook = ledger_workbook(s, &items, &notice, month, None, l)?;
    Ok(Some(crate::report::LedgerPack {
        summary,
        notice: table,
        workbook,
    }))
}

/// Posters for a targeted re-survey: the collection points of the places of the items
/// not signed off (a community's own poster, a street's communities, a district's
/// poster), each once; with how many items they cover.
pub fn resurvey_posters(
    s: &Survey,
    items: &[Item],
    base_url: &str,
    l: Lang,
) -> Result<(Vec<u8>, usize), LedgerError> {
    use super::book::Level;
    let open: Vec<&Item> = items
        .iter()
        .filter(|i| i.state != State::SignedOff)
        .collect();
    let wanted = |p: &crate::qr::Place| {
        open.iter().any(|i| {
            i.district == p.district
                && match (i.level, p.community.as_deref()) {
                    (Level::District, None) => true,
                    (Level::Community, Some(c)) => c == i.place,
                    (Level::Street, Some(c)) => s
                        .district(&i.district)
                        .and_then(|d| d.community(c))
                        .is_some_and(|c| c.street_code.as_deref() == Some(i.place.as_str())),
                    _ => false,
                }
        })
    };
    let places: Vec<crate::qr::Place> = crate::qr::places(s, base_url, l)
        .into_iter()
        .filter(|p| wanted(p))
        .collect();
    if places.is_empty() {
        return Err(LedgerError::NothingToResurvey);
    }
    let n = places.len();
    Ok((crate::qr::posters_pdf(s, &places, l)?, n))
}
