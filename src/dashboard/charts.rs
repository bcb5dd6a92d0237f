//! The dashboard's charts, by name, drawn from a view's figures with the same
//! builders as the pack's (`crate::figures`).

use chrono::Local;

use super::error::DashboardError;
use super::scope::{in_district, Scope};
use super::view::Figures;
use crate::definition::{Lang, Survey};
use crate::figures;
use crate::stats::tally::Key;
use crate::stats::{self, Options};

/// The title, subtitle and source line every dashboard chart carries.
fn chart_frame(s: &Survey, fig: &Figures, l: Lang, title: String) -> crate::charts::Frame {
    crate::charts::Frame {
        title,
        subtitle: figures::chart_subtitle(
            s,
            &fig.wave,
            fig.report.as_ref(),
            &Local::now().format("%Y-%m-%d %H:%M").to_string(),
            l,
        ),
        source: fig.collection.clone(),
        notes: vec![],
    }
}

/// A dashboard chart as SVG. The city's: `rate_{question}.svg` (districts),
/// `heat.svg`, `progress.svg`, `likert.svg`; a district's: `rate_{question}.svg`
/// across its communities.
pub fn chart(
    s: &Survey,
    fig: &Figures,
    scope: Scope<'_>,
    name: &str,
    l: Lang,
) -> Result<ChartFile, DashboardError> {
    let none = || DashboardError::NoChart(name.to_string());
    let frame = |title: String| chart_frame(s, fig, l, title);
    let (stem, png) = match (name.strip_suffix(".svg"), name.strip_suffix(".png")) {
        (Some(stem), _) => (stem, false),
        (_, Some(stem)) => (stem, true),
        _ => return Err(none()),
    };
    let report = fig.report.as_ref();
    let chart = match (scope, stem) {
        (scope, map) if map.starts_with("map_") => {
            let q = s.question(&map["map_".len()..]).ok_or_else(none)?;
            let (estimates, level): (Vec<&stats::Estimate>, _) = match scope {
                Scope::City => (
                    fig.of_domain(s, "district").collect(),
                    figures::MapLevel::Districts,
                ),
                Scope::District(d) => (
                    fig.of_domain(s, "community")
                        .filter(|e| in_district(&e.group, d))
                        .collect(),
                    figures::MapLevel::Communities(d),
                ),
            };
            let m = figures::map_chart(s, estimates.into_iter(), q, level, frame, l)
                .ok_or_else(none)?;
            crate::charts::render(&m)?
        }
        (Scope::City, "progress") => {
            let rows: Vec<(String, f64)> = fig
                .counts
                .iter()
                .map(|c| (c.district.clone(), c.total as f64))
                .collect();
            crate::charts::render(&figures::progress_chart(s, &rows, frame, l))?
        }
        (Scope::City, "heat") => {
            crate::charts::render(&figures::heat_chart(s, report.ok_or_else(none)?, frame, l))?
        }
        (Scope::City, "likert") => {
            let census = stats::Census::from_survey(s);
            let opts = Options {
                weighting: fig.selection.weighting,
                ..Default::default()
            };
            let keep = |k: &Key| fig.selection.keeps(k);
            let rows = figures::likert_rows(s, &fig.tally, &keep, census.as_ref(), &opts, l)?;
            crate::charts::render(&figures::likert_chart(s, rows, frame, l).ok_or_else(none)?)?
        }
        (scope, other) => {
            let qid = other.strip_prefix("rate_").ok_or_else(none)?;
            let q = s.question(qid).ok_or_else(none)?;
            let mut r = report.ok_or_else(none)?.clone();
            let (domain, title) = match scope {
                Scope::City => (
                    "district",
                    format!("{}{}", q.label(l), l.pick("：各区比较", " by district")),
                ),
                Scope::District(d) => {
                    r.estimates = fig
                        .of_domain(s, "collection_community")
                        .filter(|e| in_district(&e.group, d))
                        .cloned()
                        .collect();
                    let dname = crate::labels::district_name(s, d, l);
                    (
                        "collection_community",
                        format!(
                            "{dname} · {}{}",
                            q.label(l),
                            l.pick("：各调查点比较", " by collection point")
                        ),
                    )
                }
            };
            let c = figures::rate_chart(s, &r, q, domain, frame(title), l).ok_or_else(none)?;
            crate::charts::render(&c)?
        }
    };
    Ok(if png {
        ChartFile::Png(chart.png)
    } else {
        ChartFile::Svg(chart.svg)
    })
}

/// A chart as the name asked: SVG for pages, the 2× PNG for slides.
pub enum ChartFile {
    Svg(String),
    Png(Vec<u8>),
}
