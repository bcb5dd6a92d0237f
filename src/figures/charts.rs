//! A chart for each kind of figure, from estimates: rates by place, the reach of
//! options, the satisfaction scales, maps, the heat table, progress and pace. The
//! dashboard, the pack and the briefing draw the same ones.

use crate::charts::{self, Frame};
use crate::definition::{Dimension, Kind, Lang, Survey};
use crate::labels::group_name;
use crate::stats::tally::{Key, Tally};
use crate::stats::{self, Estimate, Flag, Options, Report};

use super::error::FigureError;

/// The headline rate question of each rated dimension (the one marked `headline`,
/// else the first), as the dashboard's tables show them.
pub fn headline_questions(s: &Survey) -> Vec<(Dimension, &crate::definition::Question)> {
    Dimension::ALL
        .iter()
        .filter(|d| d.is_rated())
        .filter_map(|d| {
            let mut rates = s
                .questions
                .iter()
                .filter(|q| q.dimension == *d && q.is_indicator());
            let first = rates.clone().next();
            rates.find(|q| q.headline).or(first).map(|q| (*d, q))
        })
        .collect()
}

/// Rate bars of one question across the groups of `domain` (`district`, or
/// `community` for one district's page).
pub fn rate_chart(
    s: &Survey,
    report: &Report,
    q: &crate::definition::Question,
    domain: &str,
    frame: Frame,
    l: Lang,
) -> Option<charts::RateChart> {
    let bars: Vec<charts::RateBar> = report
        .estimates
        .iter()
        .filter(|e| e.indicator == q.id && stats::is_rate(e) && e.domain == domain)
        .map(|e| bar(group_name(s, &e.group, l), e))
        .collect();
    (!bars.is_empty()).then(|| charts::RateChart::new(frame, bars, s.target_for(q), l))
}

/// The line under every chart's title: the survey, the wave, the weighting and
/// interval method of the figures, and when they were made.
pub fn chart_subtitle(
    s: &Survey,
    wave: &str,
    report: Option<&Report>,
    when: &str,
    l: Lang,
) -> String {
    let basis = match report {
        Some(r) => format!(
            "{}{} · {} {:.0}% ({})",
            l.pick("加权：", "weighting: "),
            crate::labels::weighting_name(r.weighting, l),
            l.pick("置信区间", "interval"),
            r.level * 100.0,
            r.method.name(),
        ),
        None => format!("{}—", l.pick("加权：", "weighting: ")),
    };
    format!(
        "{} · {}{}{} · {basis} · {when}",
        s.title.get(l),
        l.pick("第", "wave "),
        wave,
        l.pick("轮", ""),
    )
}

/// One estimate as a bar with its interval and flag.
fn bar(label: String, e: &Estimate) -> charts::RateBar {
    charts::RateBar {
        label,
        estimate: e.estimate,
        low: e.ci_low,
        high: e.ci_high,
        n: e.n,
        flag: e.flag,
    }
}

/// The city-wide reach of each option of a multiple-choice question: (option label,
/// its estimate), in the question's order.
pub fn reach<'r>(
    report: &'r Report,
    q: &crate::definition::Question,
    l: Lang,
) -> Vec<(String, &'r Estimate)> {
    q.options
        .iter()
        .filter_map(|o| {
            let name = format!("{}.{}", q.id, o.code);
            report
                .estimates
                .iter()
                .find(|e| e.indicator == name && e.group == "ALL")
                .map(|e| (o.label.get(l).to_string(), e))
        })
        .collect()
}

/// Bars of the reach of each option (several per respondent, so they need not sum to
/// 100%), with intervals and flags.
pub fn reach_chart(
    report: &Report,
    q: &crate::definition::Question,
    mut frame: Frame,
    l: Lang,
) -> Option<charts::RateChart> {
    let bars: Vec<charts::RateBar> = reach(report, q, l)
        .into_iter()
        .map(|(label, e)| bar(label, e))
        .collect();
    if bars.is_empty() {
        return None;
    }
    frame.title = format!(
        "{}{}",
        q.label(l),
        l.pick(
            "：各选项选择比例（全市）",
            ": share choosing each option (city)"
        )
    );
    frame.notes.push(
        l.pick(
            "可多选：每项为回答此题的居民中选择该项的加权比例，各项之和可超过100%。",
            "Several answers allowed: each bar is the weighted share of those who answered who chose it; bars may add up to more than 100%.",
        )
        .into(),
    );
    Some(charts::RateChart::new(frame, bars, None, l))
}

/// Weighted shares of the five answers of every satisfaction scale (don't know left
/// out), over the counted responses `keep` selects.
pub fn likert_rows(
    s: &Survey,
    tally: &Tally,
    keep: &dyn Fn(&Key) -> bool,
    census: Option<&stats::Census>,
    opts: &Options,
    l: Lang,
) -> Result<Vec<charts::LikertRow>, FigureError> {
    let atoms: Vec<&stats::tally::Atom> = tally.select(keep).filter(|a| a.key.counted()).collect();
    if atoms.is_empty() {
        return Ok(vec![]);
    }
    let (design, cells) = stats::tally::design(s, &atoms, census, opts)?;
    let mut rows = Vec::new();
    for q in s
        .questions
        .iter()
        .filter(|q| q.kind == Kind::Scale5 && q.dimension == Dimension::Satisfaction)
    {
        let Some(slot) = tally.slots.iter().find(|x| x.question == q.id) else {
            continue;
        };
        let mut w = [0.0f64; 5];
        let mut n = 0.0;
        for (a, &cell) in atoms.iter().zip(&cells) {
            for (o, opt) in q.options.iter().enumerate() {
                let k = a.counts[slot.offset + o] as f64;
                if let (Some(point), true) = (q.scale_point(&opt.code), k > 0.0) {
                    w[(point - 1) as usize] += design.weight[cell as usize] * k;
                    n += k;
                }
            }
        }
        let total: f64 = w.iter().sum();
        if total > 0.0 {
            rows.push(charts::LikertRow {
                label: q.label(l).to_string(),
                shares: w.map(|x| x / total),
                n,
            });
        }
    }
    Ok(rows)
}

/// The diverging bars of the satisfaction scales.
pub fn likert_chart(
    s: &Survey,
    rows: Vec<charts::LikertRow>,
    frame: impl Fn(String) -> Frame,
    l: Lang,
) -> Option<charts::LikertChart> {
    if rows.is_empty() {
        return None;
    }
    let cats = s
        .questions
        .iter()
        .find(|q| q.kind == Kind::Scale5)
        .map(|q| {
            let label = |code: &str| {
                q.option(code)
                    .map_or(code.to_string(), |o| o.label.get(l).to_string())
            };
            [label("1"), label("2"), label("3"), label("4"), label("5")]
        })
        .unwrap_or_else(|| ["1", "2", "3", "4", "5"].map(String::from));
    let mut f = frame(
        l.pick("各领域满意度分布", "Satisfaction by task area")
            .to_string(),
    );
    f.notes.push(
        l.pick(
            "“说不清”不计入比例。数字为百分比。",
            "Don't-know answers are left out. Numbers are percentages.",
        )
        .into(),
    );
    Some(charts::LikertChart::new(f, rows, cats, l))
}

/// Districts × rate indicators, coloured by distance to target.
/// Which places a map shows.
#[derive(Debug, Clone, Copy)]
pub enum MapLevel<'a> {
    /// The city's districts.
    Districts,
    /// One district's communities (where residents live).
    Communities(&'a str),
}

/// A choropleth of one rate question's estimates (`estimates`: the district or the
/// community domain), or `None` when the definition has no outlines for these places.
pub fn map_chart<'e>(
    s: &Survey,
    estimates: impl Iterator<Item = &'e Estimate>,
    q: &crate::definition::Question,
    level: MapLevel<'_>,
    frame: impl Fn(String) -> Frame,
    l: Lang,
) -> Option<charts::MapChart> {
    let b = s.boundaries.as_ref()?;
    let estimates: Vec<&Estimate> = estimates
        .filter(|e| e.indicator == q.id && stats::is_rate(e))
        .collect();
    // A community's model estimate where the small-area model ran (hatched where it
    // is the synthetic one of a community without respondents), else its direct one.
    let modelled = estimates.iter().any(|e| e.model.is_some());
    let cell = |group: &str| {
        estimates
            .iter()
            .find(|e| e.group == group)
            .map(|e| match &e.model {
                Some(m) => charts::HeatCell {
                    estimate: m.estimate,
                    status: m.target_status.map(|t| t.state),
                    flag: if m.gamma.is_none() {
                        Flag::Directional
                    } else {
                        Flag::Ok
                    },
                },
                None => charts::HeatCell {
                    estimate: e.estimate,
                    status: e.target_status.map(|t| t.state),
                    flag: e.flag,
                },
            })
    };
    let (areas, title): (Vec<charts::MapArea>, String) = match level {
        MapLevel::Districts => (
            s.districts
                .iter()
                .filter_map(|d| {
                    Some(charts::MapArea {
                        code: d.code.clone(),
                        name: d.name.get(l).to_string(),
                        rings: b.get(&d.code)?.clone(),
                        cell: cell(&d.code),
                    })
                })
                .collect(),
            format!(
                "{}{}",
                q.label(l),
                l.pick("：各区地图", " by district, map")
            ),
        ),
        MapLevel::Communities(code) => {
            let d = s.district(code)?;
            (
                d.communities
                    .iter()
                    .filter_map(|c| {
                        Some(charts::MapArea {
                            code: c.code.clone(),
                            name: c.name.get(l).to_string(),
                            rings: b.get(&c.code)?.clone(),
                            cell: cell(&format!("{}/{}", d.code, c.code)),
                        })
                    })
                    .collect(),
                format!(
                    "{} · {}{}{}",
                    d.name.get(l),
                    q.label(l),
                    l.pick("：各社区地图（居住地）", " by community of residence, map"),
                    if modelled {
                        l.pick("，模型估计", ", model estimates")
                    } else {
                        ""
                    }
                ),
            )
        }
    };
    if areas.is_empty() {
        return None;
    }
    let mut f = frame(title);
    if modelled {
        f.notes.push(
            l.pick(
                "社区为小区域模型估计（Fay–Herriot，按区直接估计基准化）；斜线：无受访者，只有回归合成估计。",
                "Communities show small-area model estimates (Fay–Herriot, benchmarked to the district's direct rate); hatched: no respondents, the regression (synthetic) estimate only.",
            )
            .into(),
        );
    }
    Some(charts::MapChart::new(f, areas, l))
}

pub fn heat_chart(
    s: &Survey,
    report: &Report,
    frame: impl Fn(String) -> Frame,
    l: Lang,
) -> charts::HeatTable {
    let rate_questions: Vec<&crate::definition::Question> =
        s.questions.iter().filter(|q| q.is_indicator()).collect();
    charts::HeatTable::new(
        frame(
            l.pick("各区各项指标（%）", "Indicators by district (%)")
                .into(),
        ),
        rate_questions
            .iter()
            .map(|q| q.label(l).to_string())
            .collect(),
        s.districts
            .iter()
            .map(|d| d.name.get(l).to_string())
            .collect(),
        s.districts
            .iter()
            .map(|d| {
                rate_questions
                    .iter()
                    .map(|q| {
                        report
                            .estimates
                            .iter()
                            .find(|e| e.indicator == q.id && stats::is_rate(e) && e.group == d.code)
                            .map(|e| charts::HeatCell {
                                estimate: e.estimate,
                                status: e.target_status.map(|t| t.state),
                                flag: e.flag,
                            })
                    })
                    .collect()
            })
            .collect(),
        l,
    )
}

/// Responses per district against the planned sample size.
pub fn progress_chart(
    s: &Survey,
    responses: &[(String, f64)],
    frame: impl Fn(String) -> Frame,
    l: Lang,
) -> charts::ProgressChart {
    charts::ProgressChart {
        frame: frame(l.pick("样本收集进度", "Collection progress").into()),
        rows: s
            .districts
            .iter()
            .map(|d| charts::ProgressRow {
                label: d.name.get(l).to_string(),
                responses: responses
                    .iter()
                    .find(|(c, _)| *c == d.code)
                    .map_or(0.0, |x| x.1),
                planned: s.planned_per_district as f64,
                projected: None,
            })
            .collect(),
        lang: l,
    }
}

/// Counted completes per district against the plan, with where the last seven days'
/// pace ends by the evaluation date.
pub fn pace_chart(
    s: &Survey,
    pace: &stats::pace::Pace,
    frame: impl Fn(String) -> Frame,
    l: Lang,
) -> charts::ProgressChart {
    let mut f = frame(match l {
        Lang::Zh => format!("距测评验收日（{}）的进度", pace.evaluation_date),
        Lang::En => format!("Pace to the evaluation on {}", pace.evaluation_date),
    });
    f.notes.push(match l {
        Lang::Zh => format!("深色：有效问卷（不含质量标记和已作废问卷）；浅蓝与“预计”：按近7天日均进度到验收日（还有{}天）。", pace.days_left),
        Lang::En => format!("Dark: counted completes (no flagged or superseded ones); light blue and the arrow: where the last 7 days' pace ends by the evaluation ({} days left).", pace.days_left),
    });
    charts::ProgressChart {
        frame: f,
        rows: pace
            .districts
            .iter()
            .map(|r| charts::ProgressRow {
                label: crate::labels::district_name(s, &r.district, l),
                responses: r.completes as f64,
                planned: r.planned as f64,
                projected: Some(r.projected),
            })
            .collect(),
        lang: l,
    }
}
