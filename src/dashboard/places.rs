//! Below the district: the drill-down tables (a district's streets, a street's
//! communities, a community's grids) and the weak-spots list of communities below
//! target. Places are where residents live, never where the poster hung.

use serde::Serialize;
use std::collections::HashMap;

use super::error::DashboardError;
use super::file::{Body, File, FileKind};
use super::scope::{in_district, Scope};
use super::view::Figures;
use crate::definition::{Community, District, Lang, Survey};
use crate::stats::tally::Key;
use crate::stats::{Estimate, Flag, TargetState, NONE};

/// A level of the place hierarchy below the district.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Street,
    Community,
    Grid,
}

impl Level {
    /// The estimates' domain of this level.
    pub fn domain(self) -> &'static str {
        match self {
            Level::Street => "street",
            Level::Community => "community",
            Level::Grid => "grid",
        }
    }
}

/// One row of a place table.
#[derive(Debug, Clone, Serialize)]
pub struct PlaceRow {
    pub level: Level,
    /// The place's code; empty for the "not recorded" row.
    pub code: String,
    /// The estimates' group: `DISTRICT/CODE`.
    pub group: String,
    pub name: String,
    pub today: usize,
    pub total: usize,
    /// Complete responses with a quality flag or superseded (kept, not in estimates).
    pub flagged: usize,
    /// The planned sample, where one follows from the definition.
    pub planned: Option<u32>,
    /// Whether the place has places below it (a street's communities, a community's
    /// grids).
    pub has_children: bool,
}

/// Planned complete responses of a community (see [`Survey::planned_for`]).
pub fn planned_for(s: &Survey, d: &District, c: &Community) -> u32 {
    s.planned_for(d, c)
}

/// Responses per place of one district in the view's selection: (total, flagged) by
/// community and by grid index, and today's by the same.
struct Counted {
    community: HashMap<u32, (usize, usize)>,
    grid: HashMap<u32, (usize, usize)>,
    community_today: HashMap<u32, usize>,
    grid_today: HashMap<u32, usize>,
}

impl Counted {
    /// (today, total, flagged) of a community by its index ([`NONE`]: not recorded).
    fn of_community(&self, i: u32) -> (usize, usize, usize) {
        let (total, flagged) = self.community.get(&i).copied().unwrap_or_default();
        let today = self.community_today.get(&i).copied().unwrap_or(0);
        (today, total, flagged)
    }

    /// (today, total, flagged) of a grid by its index.
    fn of_grid(&self, i: u32) -> (usize, usize, usize) {
        let (total, flagged) = self.grid.get(&i).copied().unwrap_or_default();
        (
            self.grid_today.get(&i).copied().unwrap_or(0),
            total,
            flagged,
        )
    }
}

impl PlaceRow {
    /// A place's row with its counts; no plan, nothing below it.
    fn counted(
        level: Level,
        district: &str,
        code: &str,
        name: String,
        (today, total, flagged): (usize, usize, usize),
    ) -> PlaceRow {
        PlaceRow {
            level,
            code: code.to_string(),
            group: if code.is_empty() {
                String::new()
            } else {
                format!("{district}/{code}")
            },
            name,
            today,
            total,
            flagged,
            planned: None,
            has_children: false,
        }
    }
}

fn counted(fig: &Figures, di: usize) -> Counted {
    let keep = |k: &Key| k.district as usize == di && fig.selection.keeps(k);
    let mut c = Counted {
        community: HashMap::new(),
        grid: HashMap::new(),
        community_today: HashMap::new(),
        grid_today: HashMap::new(),
    };
    for a in fig.tally.select(&keep) {
        let flagged = if a.key.counted() { 0 } else { a.rows as usize };
        for (map, k) in [
            (&mut c.community, a.key.community),
            (&mut c.grid, a.key.grid),
        ] {
            let e = map.entry(k).or_default();
            e.0 += a.rows as usize;
            e.1 += flagged;
        }
    }
    let today = chrono::Local::now().date_naive();
    for (k, (n, _)) in &fig.tally.daily {
        if k.date == today && keep(&k.key()) {
            *c.community_today.entry(k.community).or_default() += *n as usize;
            *c.grid_today.entry(k.grid).or_default() += *n as usize;
        }
    }
    c
}

/// Place index by (district code, place code).
type Index<'a> = HashMap<(&'a str, &'a str), u32>;

/// The index of each community and grid of the survey, as the tally counts them.
fn indexes(s: &Survey) -> (Index<'_>, Index<'_>) {
    let communities = s
        .communities()
        .enumerate()
        .map(|(i, (d, c))| ((d.code.as_str(), c.code.as_str()), i as u32))
        .collect();
    let grids = s
        .grids()
        .enumerate()
        .map(|(i, (d, _, g))| ((d.code.as_str(), g.code.as_str()), i as u32))
        .collect();
    (communities, grids)
}

/// A district's streets, each with its communities' counts and plans (empty when the
/// district's communities name no street).
pub fn streets(s: &Survey, fig: &Figures, district: &str, l: Lang) -> Vec<PlaceRow> {
    let Some(d) = s.district(district) else {
        return vec![];
    };
    let communities = communities(s, fig, district, None, l);
    d.streets
        .iter()
        .map(|st| {
            let mine: Vec<&PlaceRow> = d
                .communities
                .iter()
                .filter(|c| c.street_code.as_deref() == Some(st.code.as_str()))
                .filter_map(|c| communities.iter().find(|r| r.code == c.code))
                .collect();
            PlaceRow {
                level: Level::Street,
                code: st.code.clone(),
                group: format!("{}/{}", d.code, st.code),
                name: st.name.get(l).to_string(),
                today: mine.iter().map(|r| r.today).sum(),
                total: mine.iter().map(|r| r.total).sum(),
                flagged: mine.iter().map(|r| r.flagged).sum(),
                planned: Some(mine.iter().filter_map(|r| r.planned).sum()),
                has_children: !mine.is_empty(),
            }
        })
        .collect()
}

/// A district's communities (of one street with `street`), and — for the whole
/// district — a last row for responses that recorded no community (older ones, or
/// "don't know"), which count for the district only.
pub fn communities(
    s: &Survey,
    fig: &Figures,
    district: &str,
    street: Option<&str>,
    l: Lang,
) -> Vec<PlaceRow> {
    let Some((di, d)) = s.district_at(district) else {
        return vec![];
    };
    let counts = counted(fig, di);
    let (index, _) = indexes(s);
    let mut rows: Vec<PlaceRow> = d
        .communities
        .iter()
        .filter(|c| street.is_none_or(|st| c.street_code.as_deref() == Some(st)))
        .map(|c| {
            let i = index
                .get(&(d.code.as_str(), c.code.as_str()))
                .copied()
                .unwrap_or(NONE);
            PlaceRow {
                planned: Some(planned_for(s, d, c)),
                has_children: !c.grids.is_empty(),
                ..PlaceRow::counted(
                    Level::Community,
                    &d.code,
                    &c.code,
                    c.name.get(l).to_string(),
                    counts.of_community(i),
                )
            }
        })
        .collect();
    if street.is_none() {
        let unrecorded = counts.of_community(NONE);
        if unrecorded.1 > 0 {
            rows.push(PlaceRow::counted(
                Level::Community,
                &d.code,
                "",
                l.pick("未记录社区", "community not recorded").into(),
                unrecorded,
            ));
        }
    }
    rows
}

/// A community's grids. A resident's grid is known only through a residential poster
/// of that grid, so the grids' responses are a part of the community's.
pub fn grids(s: &Survey, fig: &Figures, district: &str, community: &str, l: Lang) -> Vec<PlaceRow> {
    let Some((di, d)) = s.district_at(district) else {
        return vec![];
    };
    let Some(c) = d.community(community) else {
        return vec![];
    };
    let counts = counted(fig, di);
    let (_, index) = indexes(s);
    let plan = planned_for(s, d, c);
    c.grids
        .iter()
        .map(|g| {
            let i = index
                .get(&(d.code.as_str(), g.code.as_str()))
                .copied()
                .unwrap_or(NONE);
            PlaceRow {
                planned: match (g.adults, c.adults) {
                    (Some(ga), Some(ca)) if ca > 0 => {
                        Some((plan as f64 * ga as f64 / ca as f64).ceil() as u32)
                    }
                    _ => None,
                },
                ..PlaceRow::counted(
                    Level::Grid,
                    &d.code,
                    &g.code,
                    g.name.get(l).to_string(),
                    counts.of_grid(i),
                )
            }
        })
        .collect()
}

/// The rate estimate of `question` for a place group at `level`.
pub fn rate<'a>(
    s: &Survey,
    fig: &'a Figures,
    level: Level,
    group: &str,
    question: &str,
) -> Option<&'a Estimate> {
    fig.of_domain(s, level.domain())
        .find(|e| e.group == group && e.indicator == question && crate::stats::is_rate(e))
}

/// Respondents a place would need for a figure without caution (see
/// [`crate::figures::needed_for`]).
pub fn needed(e: &Estimate, fallback: Option<&Estimate>) -> Option<u32> {
    crate::figures::needed_for(e, fallback)
}

/// A community whose rate is below its target.
#[derive(Debug, Clone, Serialize)]
pub struct WeakSpot {
    pub district: String,
    pub street: Option<String>,
    pub community: String,
    pub name: String,
    pub indicator: String,
    pub label: String,
    pub estimate: f64,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub target: f64,
    pub n: f64,
    pub state: TargetState,
    /// The direct figure's publication flag.
    pub flag: Flag,
    /// Whether the rate is the small-area model's (else the direct estimate).
    pub model: bool,
    /// The direct estimate, where it is published (not suppressed).
    pub direct: Option<f64>,
}

/// The weak spots of a district (or of the city): communities whose rate is
/// significantly below target (the whole interval below), then those below it but not
/// significantly, each by indicator; and how many community figures could not be
/// judged because too few residents answered.
#[derive(Debug, Clone, Serialize)]
pub struct WeakSpots {
    pub significant: Vec<WeakSpot>,
    pub below: Vec<WeakSpot>,
    /// Community × indicator figures with a target.
    pub figures: usize,
    /// Of those, too few respondents to judge (suppressed, or no interval).
    pub too_small: usize,
}

pub fn weak_spots(s: &Survey, fig: &Figures, district: Option<&str>, l: Lang) -> WeakSpots {
    let mut out = WeakSpots {
        significant: vec![],
        below: vec![],
        figures: 0,
        too_small: 0,
    };
    for e in fig.of_domain(s, "community") {
        if !crate::stats::is_rate(e) || district.is_some_and(|d| !in_district(&e.group, d)) {
            continue;
        }
        // The model's estimate and interval where the model ran, else the direct ones.
        let (estimate, low, high, status, model) = match &e.model {
            Some(m) => (
                m.estimate,
                Some(m.ci_low),
                Some(m.ci_high),
                m.target_status,
                true,
            ),
            None => (e.estimate, e.ci_low, e.ci_high, e.target_status, false),
        };
        let Some(t) = status else { continue };
        out.figures += 1;
        if !model && (e.flag == Flag::Suppress || t.state == TargetState::CannotTell) {
            out.too_small += 1;
            continue;
        }
        if !matches!(
            t.state,
            TargetState::SignificantlyBelow | TargetState::Below
        ) {
            continue;
        }
        let Some((dc, cc)) = e.group.split_once('/') else {
            continue;
        };
        let (Some(d), Some(q)) = (s.district(dc), s.question(&e.indicator)) else {
            continue;
        };
        let Some(c) = d.community(cc) else { continue };
        let spot = WeakSpot {
            district: d.code.clone(),
            street: c
                .street_code
                .as_deref()
                .and_then(|st| d.street(st))
                .map(|st| st.name.get(l).to_string()),
            community: c.code.clone(),
            name: c.name.get(l).to_string(),
            indicator: q.id.clone(),
            label: q.label(l).to_string(),
            estimate,
            ci_low: low,
            ci_high: high,
            target: t.target,
            n: e.n,
            state: t.state,
            flag: e.flag,
            model,
            direct: (e.n > 0.0 && e.flag != Flag::Suppress).then_some(e.estimate),
        };
        if t.state == TargetState::SignificantlyBelow {
            out.significant.push(spot);
        } else {
            out.below.push(spot);
        }
    }
    // The furthest below first.
    for v in [&mut out.significant, &mut out.below] {
        v.sort_by(|a, b| (a.estimate - a.target).total_cmp(&(b.estimate - b.target)));
    }
    out
}

/// The weak-spots list of a scope as `weak_spots.csv` or `weak_spots.xlsx`, for the
/// office's rectification ledger (整改台账).
pub fn weak_spots_file(
    s: &Survey,
    fig: &Figures,
    scope: Scope<'_>,
    kind: FileKind,
    l: Lang,
) -> Result<File, DashboardError> {
    use crate::figures::Cell;
    use crate::labels::{pct, publication_flag, target_state};
    let file = if kind == FileKind::Xlsx {
        "weak_spots.xlsx"
    } else {
        "weak_spots.csv"
    };
    let w = weak_spots(s, fig, scope.district(), l);
    let header: Vec<String> = [
        ("优先级", "priority"),
        ("区", "district"),
        ("街道", "street"),
        ("社区代码", "community code"),
        ("社区", "community"),
        ("指标", "indicator"),
        ("估计值", "rate"),
        ("置信区间下限", "interval low"),
        ("置信区间上限", "interval high"),
        ("目标", "target"),
        ("受访人数", "respondents"),
        ("与目标相比", "against the target"),
        ("直接估计值", "direct rate"),
        ("直接估计发布", "direct publication"),
        ("估计方法", "estimate"),
    ]
    .iter()
    .map(|(zh, en)| l.pick(zh, en).to_string())
    .collect();
    let rows: Vec<Vec<Cell>> = w
        .significant
        .iter()
        .map(|x| (1, x))
        .chain(w.below.iter().map(|x| (2, x)))
        .map(|(priority, x)| {
            vec![
                Cell::Int(priority as f64),
                Cell::Text(crate::labels::district_name(s, &x.district, l)),
                Cell::Text(x.street.clone().unwrap_or_default()),
                Cell::Text(x.community.clone()),
                Cell::Text(x.name.clone()),
                Cell::Text(x.label.clone()),
                Cell::Pct(x.estimate),
                x.ci_low.map_or(Cell::Empty, Cell::Pct),
                x.ci_high.map_or(Cell::Empty, Cell::Pct),
                Cell::Pct(x.target),
                Cell::Int(x.n),
                Cell::Text(target_state(x.state, l).to_string()),
                x.direct.map_or(Cell::Empty, Cell::Pct),
                Cell::Text(publication_flag(x.flag, l).to_string()),
                Cell::Text(
                    if x.model {
                        l.pick(
                            "模型估计（Fay–Herriot，基准化）",
                            "model (Fay–Herriot, benchmarked)",
                        )
                    } else {
                        l.pick("直接估计", "direct")
                    }
                    .to_string(),
                ),
            ]
        })
        .collect();
    let scope_name = scope.district().unwrap_or("all");
    let about = weak_spots_about(s, fig, &w, l);
    let body = match kind {
        FileKind::Xlsx => crate::figures::table_workbook(
            &[crate::figures::Table {
                name: l.pick("薄弱社区", "weak spots").into(),
                header,
                rows,
            }],
            &about,
        )?,
        _ => {
            let mut out = csv::Writer::from_writer(Vec::new());
            let text = |c: &Cell| match c {
                Cell::Text(t) => t.clone(),
                Cell::Pct(v) => pct(*v),
                Cell::Int(v) => format!("{v:.0}"),
                Cell::Num(v) => format!("{v:.2}"),
                Cell::Empty => String::new(),
            };
            let io = |e: csv::Error| DashboardError::Export(crate::export::ExportError::Csv(e));
            out.write_record(
                header
                    .iter()
                    .map(|h| crate::export::spreadsheet_safe(h.clone())),
            )
            .map_err(io)?;
            for r in &rows {
                out.write_record(r.iter().map(|c| crate::export::spreadsheet_safe(text(c))))
                    .map_err(io)?;
            }
            out.into_inner().map_err(|e| io(e.into_error().into()))?
        }
    };
    Ok(File {
        name: format!(
            "{}_{scope_name}_weak_spots.{}",
            s.id,
            if kind == FileKind::Csv { "csv" } else { "xlsx" }
        ),
        kind,
        body: Body::Bytes(body),
        what: format!(
            "{} {scope_name} {file} ({} significantly below, {} below)",
            s.id,
            w.significant.len(),
            w.below.len()
        ),
    })
}

/// How the weak-spots list was made, for its file and page.
pub fn weak_spots_about(s: &Survey, fig: &Figures, w: &WeakSpots, l: Lang) -> Vec<String> {
    let mut lines = vec![
        format!("{} · {}{}{}", s.title.get(l), l.pick("第", "wave "), fig.wave, l.pick("轮", "")),
        match l {
            Lang::Zh => format!(
                "按居住社区估计（加权：{}）；社区是受访者自己填写的居住社区，不是二维码张贴地点。有小区域模型的指标用模型估计（Fay–Herriot，按区直接估计基准化）及其区间判断，并列出直接估计与受访人数。",
                fig.report.as_ref().map_or("—", |r| crate::labels::weighting_name(r.weighting, l))
            ),
            Lang::En => format!(
                "By community of residence (weighting: {}); the community is where the respondent lives, not where the poster hung. Where the small-area model ran, its estimate (Fay–Herriot, benchmarked to the district's direct rate) and interval decide, with the direct figure and n beside it.",
                fig.report.as_ref().map_or("—", |r| crate::labels::weighting_name(r.weighting, l))
            ),
        },
        match l {
            Lang::Zh => format!(
                "优先级1：整个置信区间低于目标（显著低于）；优先级2：低于目标但差异不显著。共 {} 个社区指标有目标，其中 {} 个没有模型估计且样本太少、无法判断（未列出）。",
                w.figures, w.too_small
            ),
            Lang::En => format!(
                "Priority 1: the whole interval is below the target (significantly below); priority 2: below it, not significantly. Of {} community figures with a target, {} have no model estimate and too few respondents to judge (not listed).",
                w.figures, w.too_small
            ),
        },
        fig.collection.clone(),
    ];
    if fig.excluded.responses > 0 {
        lines.push(format!(
            "{}{}",
            l.pick(
                "未纳入估计（质量标记）：",
                "left out of the estimates (quality flags): "
            ),
            fig.excluded.responses
        ));
    }
    lines
}
