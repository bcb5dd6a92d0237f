//! The briefing (简报) as a document: what the Word and the PDF files both say, in
//! order, so the two cannot disagree. Built from the pack's figures; the layouts
//! (`docx.rs`, `pdf.rs`) only typeset it.

use super::findings::{basis_line, findings};
use super::html::{methods, status_words, summary};
use super::model::{Pack, PackInput};
use crate::charts::Chart;
use crate::definition::{Dimension, Lang, Survey};
use crate::labels::{district_name, pct, publication_flag};
use crate::stats::Flag;

pub struct Brief {
    pub lang: Lang,
    pub title: String,
    /// "第2轮 · 2026-12-01"
    pub dateline: String,
    /// How the figures were collected and weighted (under the title).
    pub basis: String,
    pub blocks: Vec<Block>,
}

pub enum Block {
    /// A first-level heading (黑体).
    Heading(String),
    Para(String),
    /// A numbered finding of the one-page summary.
    Finding(usize, String),
    /// A small note (sources, flags).
    Note(String),
    Figure {
        png: Vec<u8>,
        /// Logical size (the PNG is twice as large).
        width: u32,
        height: u32,
        caption: String,
    },
    Table(Table),
    PageBreak,
}

pub struct Table {
    pub caption: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Relative column widths.
    pub widths: Vec<f32>,
    /// Right-aligned (number) columns.
    pub numeric: Vec<bool>,
}

/// The key charts of the briefing, in the order they are shown: the heat table, the
/// trends, the satisfaction distribution, the city map of each headline, progress.
fn key_charts(charts: &[(String, Chart)]) -> Vec<&(String, Chart)> {
    let rank = |n: &str| match n {
        "heat_table" => Some(0),
        n if n.starts_with("trend_") => Some(1),
        "likert_satisfaction" => Some(2),
        n if n.starts_with("reach_") => Some(2),
        n if n.starts_with("map_") && n.matches('_').count() == 1 => Some(3),
        "progress" => Some(4),
        "pace" => Some(5),
        _ => None,
    };
    let mut out: Vec<(usize, usize, &(String, Chart))> = charts
        .iter()
        .enumerate()
        .filter_map(|(i, c)| rank(&c.0).map(|r| (r, i, c)))
        .collect();
    out.sort_by_key(|(r, i, _)| (*r, *i));
    out.into_iter().map(|(_, _, c)| c).collect()
}

pub fn build(s: &Survey, pack: &Pack, input: &PackInput<'_>, charts: &[(String, Chart)]) -> Brief {
    let l = input.lang;
    let r = &pack.report;
    let mut blocks = Vec::new();

    blocks.push(Block::Heading(
        l.pick("一、主要发现", "1. Main findings").into(),
    ));
    for (i, f) in findings(s, pack, l).into_iter().enumerate() {
        blocks.push(Block::Finding(i + 1, f.text));
    }
    if !r.districts_without_respondents.is_empty() {
        blocks.push(Block::Note(format!(
            "{}{}",
            l.pick(
                "以下区没有样本，全市数据不含这些区：",
                "No respondents in these districts; city figures exclude them: "
            ),
            r.districts_without_respondents
                .iter()
                .map(|d| district_name(s, d, l))
                .collect::<Vec<_>>()
                .join(l.pick("、", ", "))
        )));
    }
    blocks.push(Block::PageBreak);

    blocks.push(Block::Heading(
        l.pick("二、主要图表", "2. Key charts").into(),
    ));
    for (k, (_, c)) in key_charts(charts).into_iter().enumerate() {
        let title = &c.title;
        blocks.push(Block::Figure {
            png: c.png.clone(),
            width: c.width,
            height: c.height,
            caption: match l {
                Lang::Zh => format!("图{} {}", k + 1, title),
                Lang::En => format!("Figure {}. {}", k + 1, title),
            },
        });
    }

    blocks.push(Block::Heading(
        l.pick("三、分项情况", "3. Indicator by indicator").into(),
    ));
    for line in summary(s, pack, l) {
        blocks.push(Block::Para(line));
    }

    blocks.push(Block::Heading(
        l.pick("四、各区数据表", "4. Tables by district").into(),
    ));
    let mut t = 0;
    for dim in Dimension::ALL.iter().filter(|d| d.is_rated()) {
        let rows = dimension_rows(s, pack, *dim, l);
        if rows.is_empty() {
            continue;
        }
        t += 1;
        blocks.push(Block::Table(Table {
            caption: match l {
                Lang::Zh => format!("表{} {}", t, dim.label().get(l)),
                Lang::En => format!("Table {}. {}", t, dim.label().get(l)),
            },
            header: rate_header(l),
            rows,
            widths: vec![3.0, 1.6, 1.3, 2.2, 1.2, 1.3, 2.2],
            numeric: vec![false, false, true, true, true, false, false],
        }));
    }
    if let Some(h) = &pack.household {
        let heads: Vec<String> = crate::figures::headline_questions(s)
            .into_iter()
            .map(|(_, q)| q.id.clone())
            .collect();
        let rows: Vec<Vec<String>> = Dimension::ALL
            .iter()
            .filter(|d| d.is_rated())
            .flat_map(|d| crate::figures::dimension_rates(s, &h.report, *d))
            .filter(|(q, _)| heads.contains(&q.id))
            .map(|(q, e)| rate_row(s, q, e, l))
            .collect();
        t += 1;
        blocks.push(Block::Table(Table {
            caption: match l {
                Lang::Zh => format!("表{t} 入户概率样本的主要指标（正式口径）"),
                Lang::En => format!("Table {t}. The household probability sample's headline rates"),
            },
            header: rate_header(l),
            rows,
            widths: vec![3.0, 1.6, 1.3, 2.2, 1.2, 1.3, 2.2],
            numeric: vec![false, false, true, true, true, false, false],
        }));
        let (header, cells) = crate::figures::gap_table(s, &h.gap, l);
        let keep: Vec<bool> = h.gap.iter().map(|d| heads.contains(&d.indicator)).collect();
        let rows: Vec<Vec<String>> = cells
            .iter()
            .zip(keep)
            .filter(|(_, k)| *k)
            .map(|(r, _)| {
                r.iter()
                    .enumerate()
                    .map(|(i, c)| match c {
                        crate::figures::Cell::Pct(v) if i == 4 || i == 5 || i == 6 => {
                            format!("{:+.1}", v * 100.0)
                        }
                        crate::figures::Cell::Pct(v) => pct(*v),
                        crate::figures::Cell::Num(v) => format!("{v:.3}"),
                        other => crate::figures::cell_text(other),
                    })
                    .collect()
            })
            .collect();
        t += 1;
        blocks.push(Block::Table(Table {
            caption: match l {
                Lang::Zh => format!("表{t} 扫码样本与入户样本之差（百分点）"),
                Lang::En => format!("Table {t}. Convenience minus household sample (points)"),
            },
            header,
            rows,
            widths: vec![2.6, 1.4, 1.2, 1.2, 1.4, 1.1, 1.1, 1.0, 2.0],
            numeric: vec![false, false, true, true, true, true, true, true, false],
        }));
    }
    blocks.push(Block::Note(
        l.pick(
            "样本不足的数字不发布（表中留空）；“仅供参考”的数字不参与排名。",
            "Figures with too few respondents are not published (left blank); directional ones are not ranked.",
        )
        .into(),
    ));

    if let Some(v) = input
        .voices
        .as_ref()
        .filter(|v| v.rows.iter().any(|r| r.1 > 0))
    {
        blocks.push(Block::Heading(
            l.pick("五、居民心声", "5. Residents' voices").into(),
        ));
        let total: usize = v.rows.iter().map(|r| r.1).sum();
        let confirmed: usize = v.rows.iter().map(|r| r.2).sum();
        blocks.push(Block::Para(match l {
            Lang::Zh => format!("开放题共收到{total}条回答，其中{confirmed}条的主题已由工作人员确认，其余按关键词自动归类。答案中的电话、身份证号、银行卡号和邮箱已隐去。"),
            Lang::En => format!("{total} answers to the open question; the themes of {confirmed} were confirmed by staff, the rest proposed from keywords. Phone, ID and bank-card numbers and e-mail addresses are masked."),
        }));
        let (header, rows) = crate::figures::voices_table(s, v, l);
        let n = header.len();
        blocks.push(Block::Table(Table {
            caption: match l {
                Lang::Zh => format!("表{} 各区居民意见主题（条）", t + 1),
                Lang::En => format!("Table {}. Themes of residents' answers by district", t + 1),
            },
            header,
            rows,
            widths: std::iter::once(1.6)
                .chain(std::iter::repeat_n(1.0, n - 1))
                .collect(),
            numeric: std::iter::once(false)
                .chain(std::iter::repeat_n(true, n - 1))
                .collect(),
        }));
        for (code, quotes) in &v.examples {
            let name = s
                .themes
                .iter()
                .find(|x| &x.code == code)
                .map_or(code.as_str(), |x| x.name.get(l));
            let q: Vec<String> = quotes.iter().map(|x| format!("“{x}”")).collect();
            blocks.push(Block::Para(format!(
                "{}{}{}",
                name,
                l.pick("：", ": "),
                q.join(l.pick("；", "; "))
            )));
        }
    }
    if let Some(g) = input.ledger {
        blocks.push(Block::Heading(
            l.pick("六、整改台账", "6. Rectification ledger").into(),
        ));
        blocks.push(Block::Para(g.summary.clone()));
        let n = g.notice.header.len();
        blocks.push(Block::Table(Table {
            caption: g.notice.name.clone(),
            header: g.notice.header.clone(),
            rows: g
                .notice
                .rows
                .iter()
                .map(|r| r.iter().map(crate::figures::cell_text).collect())
                .collect(),
            widths: [1.4, 2.6]
                .into_iter()
                .chain(std::iter::repeat_n(1.0, n - 2))
                .collect(),
            numeric: [false, false]
                .into_iter()
                .chain(std::iter::repeat_n(true, n - 2))
                .collect(),
        }));
    }
    blocks.push(Block::Heading(
        match input.ledger {
            Some(_) => l.pick("七、方法说明", "7. Methods"),
            None => l.pick("六、方法说明", "6. Methods"),
        }
        .into(),
    ));
    for line in methods(s, pack, input) {
        blocks.push(Block::Para(line));
    }
    if let Some(p) = &pack.places {
        let modelled = p.estimates.iter().any(|e| e.model.is_some());
        if modelled {
            blocks.push(Block::Para(
                l.pick(
                    "社区一级另有小区域模型估计（Fay–Herriot，按区直接估计基准化），见简报包中的 table_places.csv 和工作簿；本简报的数字均为直接估计。",
                    "Communities also have small-area model estimates (Fay–Herriot, benchmarked to the district's direct rate) in the pack's table_places.csv and workbook; every figure in this briefing is a direct estimate.",
                )
                .into(),
            ));
        }
    }

    Brief {
        lang: l,
        title: format!("{}{}", s.title.get(l), l.pick("简报", " — briefing")),
        dateline: format!(
            "{}{}{} · {}",
            l.pick("第", "Wave "),
            pack.wave,
            l.pick("轮", ""),
            input.date
        ),
        basis: basis_line(pack, &input.collection, l),
        blocks,
    }
}

/// The columns of a table of rates.
fn rate_header(l: Lang) -> Vec<String> {
    [
        ("指标", "indicator"),
        ("范围", "area"),
        ("估计", "rate"),
        ("置信区间", "interval"),
        ("样本量", "n"),
        ("标记", "flag"),
        ("与目标相比", "against the target"),
    ]
    .iter()
    .map(|(zh, en)| l.pick(zh, en).to_string())
    .collect()
}

/// One row per district (and the city) per rate indicator of a dimension; suppressed
/// figures keep their row, without a number.
fn dimension_rows(s: &Survey, pack: &Pack, dim: Dimension, l: Lang) -> Vec<Vec<String>> {
    crate::figures::dimension_rates(s, &pack.report, dim)
        .map(|(q, e)| rate_row(s, q, e, l))
        .collect()
}

/// One rate as a row of the tables above.
fn rate_row(
    s: &Survey,
    q: &crate::definition::Question,
    e: &crate::stats::Estimate,
    l: Lang,
) -> Vec<String> {
    let shown = e.flag != Flag::Suppress && e.estimate.is_finite();
    vec![
        q.label(l).to_string(),
        district_name(s, &e.group, l),
        if shown {
            pct(e.estimate)
        } else {
            String::new()
        },
        match (shown, e.ci_low, e.ci_high) {
            (true, Some(a), Some(b)) => format!("{}–{}", pct(a), pct(b)),
            _ => String::new(),
        },
        format!("{:.0}", e.n),
        publication_flag(e.flag, l).to_string(),
        status_words(e, l),
    ]
}
