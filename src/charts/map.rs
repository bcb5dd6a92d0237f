//! Choropleth maps: places coloured by where their rate stands against the target,
//! with the heat table's palette and rules (grey hatch and no number for too few
//! respondents, hatching for directional figures), names where they fit, a legend.

use plotters::prelude::DrawingBackend;

use super::draw::{bottom, frame, Align, ChartError, Draw, Frame, Painter, TOP};
use super::kinds::{fit, HeatCell, HeatTable};
use super::palette::{self, Rgb};
use crate::definition::{Lang, Ring};
use crate::stats::{Flag, TargetState};

/// One place on the map.
#[derive(Debug, Clone)]
pub struct MapArea {
    pub code: String,
    pub name: String,
    /// Outer rings in (longitude, latitude).
    pub rings: Vec<Ring>,
    /// Its figure; `None`: no estimate (no respondents yet).
    pub cell: Option<HeatCell>,
}

#[derive(Debug, Clone)]
pub struct MapChart {
    pub frame: Frame,
    pub areas: Vec<MapArea>,
    pub lang: Lang,
}

const WIDTH: f64 = 960.0;
const PLOT_W: f64 = 640.0;
const PLOT_H: f64 = 560.0;
const LEFT: f64 = 24.0;
const LEGEND_X: f64 = 700.0;
/// Fill of a place without an estimate.
pub const NO_DATA: Rgb = (0xF6, 0xF6, 0xF6);
/// Fill of a place with too few respondents (under the grey hatching).
pub const TOO_FEW: Rgb = (0xEE, 0xEE, 0xEE);

impl MapChart {
    pub fn new(mut frame: Frame, areas: Vec<MapArea>, lang: Lang) -> MapChart {
        frame.notes.push(
            lang.pick(
                "“显著”指整个置信区间都在目标同一侧；估计为0%或100%时用精确（Clopper–Pearson）界限判断。边界为示意。",
                "“Significantly”: the whole interval is on one side of the target; at 0% or 100% the exact (Clopper–Pearson) bounds decide. Outlines are schematic.",
            )
            .into(),
        );
        MapChart { frame, areas, lang }
    }

    /// The fill of a place: the heat table's, grey for too few, pale for no data.
    pub fn fill(cell: Option<&HeatCell>) -> Rgb {
        match cell {
            None => NO_DATA,
            Some(c) if c.flag == Flag::Suppress => TOO_FEW,
            Some(c) => HeatTable::fill(c),
        }
    }

    /// Longitude/latitude → plot coordinates: one scale for both axes (longitude
    /// shortened by the cosine of the middle latitude), centred in the plot.
    fn projection(&self) -> impl Fn((f64, f64)) -> (f64, f64) {
        let pts = self.areas.iter().flat_map(|a| a.rings.iter().flatten());
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for &(x, y) in pts {
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
        if x0 > x1 {
            (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
        }
        let k = ((y0 + y1) / 2.0).to_radians().cos().max(0.1);
        let (w, h) = (((x1 - x0) * k).max(1e-9), (y1 - y0).max(1e-9));
        let scale = (PLOT_W / w).min(PLOT_H / h);
        let (ox, oy) = (
            LEFT + (PLOT_W - w * scale) / 2.0,
            TOP + 10.0 + (PLOT_H - h * scale) / 2.0,
        );
        move |(x, y)| (ox + (x - x0) * k * scale, oy + (y1 - y) * scale)
    }
}

/// The area-weighted centre of a ring (its first point for a degenerate one).
fn centroid(ring: &[(f64, f64)]) -> (f64, f64) {
    let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for w in ring.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        let cross = x0 * y1 - x1 * y0;
        a += cross;
        cx += (x0 + x1) * cross;
        cy += (y0 + y1) * cross;
    }
    if a.abs() < 1e-12 {
        return ring.first().copied().unwrap_or((0.0, 0.0));
    }
    (cx / (3.0 * a), cy / (3.0 * a))
}

fn area(ring: &[(f64, f64)]) -> f64 {
    ring.windows(2)
        .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
        .sum::<f64>()
        .abs()
        / 2.0
}

/// The parts of the line through `a` and `b` (extended) inside the polygon, by the
/// even–odd rule.
fn inside(
    rings: &[Vec<(f64, f64)>],
    a: (f64, f64),
    b: (f64, f64),
) -> Vec<((f64, f64), (f64, f64))> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let mut ts: Vec<f64> = Vec::new();
    for ring in rings {
        for w in ring.windows(2) {
            let ((x0, y0), (x1, y1)) = (w[0], w[1]);
            let (ex, ey) = (x1 - x0, y1 - y0);
            let den = dx * ey - dy * ex;
            if den.abs() < 1e-12 {
                continue;
            }
            let t = ((x0 - a.0) * ey - (y0 - a.1) * ex) / den;
            let u = ((x0 - a.0) * dy - (y0 - a.1) * dx) / den;
            if (0.0..1.0).contains(&u) {
                ts.push(t);
            }
        }
    }
    ts.sort_by(f64::total_cmp);
    ts.chunks_exact(2)
        .map(|p| {
            (
                (a.0 + dx * p[0], a.1 + dy * p[0]),
                (a.0 + dx * p[1], a.1 + dy * p[1]),
            )
        })
        .collect()
}

impl Draw for MapChart {
    fn frame(&self) -> &Frame {
        &self.frame
    }

    fn size(&self) -> (u32, u32) {
        (
            WIDTH as u32,
            (TOP + PLOT_H + 30.0 + bottom(&self.frame)).ceil() as u32,
        )
    }

    fn draw<DB: DrawingBackend>(&self, p: &Painter<'_, DB>) -> Result<(), ChartError> {
        let (w, h) = self.size();
        frame(p, &self.frame, w as f64, h as f64)?;
        let proj = self.projection();
        let l = self.lang;
        // Fills first, then hatching, outlines and names on top.
        let shapes: Vec<Vec<Vec<(f64, f64)>>> = self
            .areas
            .iter()
            .map(|a| {
                a.rings
                    .iter()
                    .map(|r| r.iter().map(|&pt| proj(pt)).collect())
                    .collect()
            })
            .collect();
        for (a, rings) in self.areas.iter().zip(&shapes) {
            let fill = Self::fill(a.cell.as_ref());
            for r in rings {
                p.polygon(r, fill)?;
            }
        }
        for (a, rings) in self.areas.iter().zip(&shapes) {
            let hatch = match &a.cell {
                Some(c) if c.flag == Flag::Suppress => Some((0x99, 0x99, 0x99)),
                Some(c) if c.flag == Flag::Directional => Some((0xA0, 0xA0, 0xA0)),
                _ => None,
            };
            if let Some(colour) = hatch {
                let (mut y0, mut y1, mut x0) = (f64::MAX, f64::MIN, f64::MAX);
                for &(x, y) in rings.iter().flatten() {
                    y0 = y0.min(y);
                    y1 = y1.max(y);
                    x0 = x0.min(x);
                }
                // Diagonals every 7 px across the outline's bounding box.
                let mut k = x0 - (y1 - y0);
                let x_end = rings
                    .iter()
                    .flatten()
                    .map(|pt| pt.0)
                    .fold(f64::MIN, f64::max);
                while k < x_end {
                    for (s, e) in inside(rings, (k, y1), (k + (y1 - y0), y0)) {
                        p.line(s.0, s.1, e.0, e.1, colour, 1.0)?;
                    }
                    k += 7.0;
                }
            }
            for r in rings {
                p.polyline(r, palette::WHITE, 1.5)?;
            }
        }
        for (a, rings) in self.areas.iter().zip(&shapes) {
            // The name at the centre of the largest ring, where it fits.
            let Some(big) = rings.iter().max_by(|x, y| area(x).total_cmp(&area(y))) else {
                continue;
            };
            let (mut x0, mut x1) = (f64::MAX, f64::MIN);
            for &(x, _) in big {
                x0 = x0.min(x);
                x1 = x1.max(x);
            }
            let (cx, cy) = centroid(big);
            let room = (x1 - x0) * 0.8;
            let size = fit(&a.name, room, 13.0);
            if size < 9.5 {
                continue;
            }
            p.text(cx, cy - 8.0, &a.name, size, palette::INK, Align::Centre)?;
            let figure = match &a.cell {
                None => l.pick("无数据", "no data").to_string(),
                Some(c) if c.flag == Flag::Suppress => l.pick("样本不足", "too few").to_string(),
                Some(c) => format!("{:.1}{}", c.estimate * 100.0, HeatTable::mark(c)),
            };
            p.bold(cx, cy + 9.0, &figure, 12.0, palette::INK, Align::Centre)?;
        }
        self.legend(p)
    }
}

impl MapChart {
    fn legend<DB: DrawingBackend>(&self, p: &Painter<'_, DB>) -> Result<(), ChartError> {
        let l = self.lang;
        let cell = |status, flag| HeatCell {
            estimate: 0.0,
            status: Some(status),
            flag,
        };
        let rows: [(Rgb, Option<Rgb>, &str); 8] = [
            (
                HeatTable::fill(&cell(TargetState::SignificantlyAbove, Flag::Ok)),
                None,
                l.pick("显著高于目标（+）", "significantly above target (+)"),
            ),
            (
                HeatTable::fill(&cell(TargetState::AtOrAbove, Flag::Ok)),
                None,
                l.pick("达到目标（差异不显著）", "at or above, not significantly"),
            ),
            (
                HeatTable::fill(&cell(TargetState::Below, Flag::Ok)),
                None,
                l.pick("低于目标（差异不显著）", "below, not significantly"),
            ),
            (
                HeatTable::fill(&cell(TargetState::SignificantlyBelow, Flag::Ok)),
                None,
                l.pick("显著低于目标（*）", "significantly below target (*)"),
            ),
            (
                palette::WHITE,
                None,
                l.pick("无法判断或无目标", "cannot tell, or no target"),
            ),
            (
                palette::WHITE,
                Some((0xA0, 0xA0, 0xA0)),
                l.pick("斜线：仅供参考", "hatched: directional"),
            ),
            (
                TOO_FEW,
                Some((0x99, 0x99, 0x99)),
                l.pick(
                    "灰色斜线：样本不足，不发布",
                    "grey hatch: too few, not published",
                ),
            ),
            (NO_DATA, None, l.pick("无数据", "no data")),
        ];
        let mut y = TOP + 20.0;
        p.bold(
            LEGEND_X,
            y,
            l.pick("与目标相比", "Against the target"),
            14.0,
            palette::INK,
            Align::Left,
        )?;
        y += 26.0;
        for (fill, hatch, text) in rows {
            p.rect(LEGEND_X, y - 9.0, 26.0, 18.0, fill)?;
            if let Some(c) = hatch {
                p.hatch(LEGEND_X, y - 9.0, 26.0, 18.0, c)?;
            }
            p.rect_outline(LEGEND_X, y - 9.0, 26.0, 18.0, palette::RULE)?;
            p.text(
                LEGEND_X + 34.0,
                y,
                text,
                fit(text, WIDTH - LEGEND_X - 44.0, 12.0),
                palette::INK,
                Align::Left,
            )?;
            y += 26.0;
        }
        Ok(())
    }
}

/// A plain map of outlines, the marked ones filled (the drawn communities of a household
/// sample): an SVG for a page, each place with its name as a tooltip.
pub fn outlines_svg(
    areas: &[(String, &[Ring], bool)],
    title: &str,
    legend: (&str, &str),
) -> String {
    let chart = MapChart {
        frame: Frame {
            title: String::new(),
            subtitle: String::new(),
            source: String::new(),
            notes: vec![],
        },
        areas: areas
            .iter()
            .map(|(name, rings, _)| MapArea {
                code: String::new(),
                name: name.clone(),
                rings: rings.to_vec(),
                cell: None,
            })
            .collect(),
        lang: Lang::Zh,
    };
    let to = chart.projection();
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {}\" role=\"img\" aria-label=\"{}\"><title>{}</title>",
        TOP + PLOT_H + 70.0,
        esc(title),
        esc(title)
    );
    for (name, rings, marked) in areas {
        let fill = if *marked { "#0072B2" } else { "#F2F2F2" };
        let mut d = String::new();
        for ring in rings.iter() {
            for (i, p) in ring.iter().enumerate() {
                let (x, y) = to(*p);
                d.push_str(&format!("{}{x:.1},{y:.1}", if i == 0 { "M" } else { "L" }));
            }
            d.push('Z');
        }
        out.push_str(&format!(
            "<path d=\"{d}\" fill=\"{fill}\" stroke=\"#555\" stroke-width=\"0.8\"><title>{}</title></path>",
            esc(name)
        ));
    }
    let y = TOP + PLOT_H + 45.0;
    out.push_str(&format!(
        "<rect x=\"{LEFT}\" y=\"{}\" width=\"16\" height=\"16\" fill=\"#0072B2\"/><text x=\"{}\" y=\"{}\" font-size=\"15\" fill=\"#1A1A1A\">{}</text>\
<rect x=\"{}\" y=\"{}\" width=\"16\" height=\"16\" fill=\"#F2F2F2\" stroke=\"#555\"/><text x=\"{}\" y=\"{}\" font-size=\"15\" fill=\"#1A1A1A\">{}</text></svg>",
        y - 13.0,
        LEFT + 22.0,
        y,
        esc(legend.0),
        LEFT + 220.0,
        y - 13.0,
        LEFT + 242.0,
        y,
        esc(legend.1)
    ));
    out
}
