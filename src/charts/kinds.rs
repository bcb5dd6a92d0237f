//! The five briefing charts.

use plotters::prelude::DrawingBackend;

use super::draw::{bottom, frame, Align, ChartError, Draw, Frame, Painter, TOP};
use super::palette::{self, Rgb};
use crate::definition::Lang;
use crate::labels::pct;
use crate::stats::{Flag, TargetState};

// ------------------------------------------------------------------ rate per district

/// One district's rate.
#[derive(Debug, Clone)]
pub struct RateBar {
    pub label: String,
    pub estimate: f64,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub n: f64,
    pub flag: Flag,
}

/// Horizontal bars sorted by value, interval whiskers, the target as a line, `n` beside
/// each bar; `directional` hatched, `suppress` shown as 样本不足 without a bar.
#[derive(Debug, Clone)]
pub struct RateChart {
    pub frame: Frame,
    pub bars: Vec<RateBar>,
    pub target: Option<f64>,
    pub lang: Lang,
}

pub const RATE_WIDTH: f64 = 900.0;
pub const RATE_LEFT: f64 = 170.0;
pub const RATE_RIGHT: f64 = 740.0;
const ROW: f64 = 44.0;

impl RateChart {
    /// Sorts the bars (highest first, suppressed last) and adds the notes the flags need.
    pub fn new(
        mut frame: Frame,
        mut bars: Vec<RateBar>,
        target: Option<f64>,
        lang: Lang,
    ) -> RateChart {
        bars.sort_by(|a, b| {
            let key = |x: &RateBar| (x.flag == Flag::Suppress, -x.estimate);
            key(a)
                .partial_cmp(&key(b))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        if bars.iter().any(|b| b.flag == Flag::Directional) {
            frame.notes.push(
                lang.pick(
                    "斜线条：仅供参考（有效样本不足100或变异系数大于0.3），不宜与其他区排名比较。",
                    "Hatched: directional only (effective sample under 100 or CV above 0.3); do not rank.",
                )
                .into(),
            );
        }
        if bars.iter().any(|b| b.flag == Flag::Suppress) {
            frame.notes.push(
                lang.pick(
                    "样本不足：有效样本少于30，不发布比率。",
                    "Too few: effective sample under 30; no rate published.",
                )
                .into(),
            );
        }
        frame.notes.push(
            lang.pick("横线为95%置信区间。", "Whiskers: 95% confidence interval.")
                .into(),
        );
        RateChart {
            frame,
            bars,
            target,
            lang,
        }
    }

    /// The x coordinate of a rate.
    pub fn x(v: f64) -> f64 {
        RATE_LEFT + v.clamp(0.0, 1.0) * (RATE_RIGHT - RATE_LEFT)
    }

    fn plot_top() -> f64 {
        TOP + 34.0
    }
}

impl Draw for RateChart {
    fn frame(&self) -> &Frame {
        &self.frame
    }

    fn size(&self) -> (u32, u32) {
        let h = Self::plot_top() + ROW * self.bars.len() as f64 + 16.0 + bottom(&self.frame);
        (RATE_WIDTH as u32, h.ceil() as u32)
    }

    fn draw<DB: DrawingBackend>(&self, p: &Painter<'_, DB>) -> Result<(), ChartError> {
        let (w, h) = self.size();
        frame(p, &self.frame, w as f64, h as f64)?;
        let top = Self::plot_top();
        let bottom_y = top + ROW * self.bars.len() as f64;
        for k in 0..=5 {
            let v = k as f64 / 5.0;
            let x = Self::x(v);
            p.line(x, top - 6.0, x, bottom_y, palette::RULE, 1.0)?;
            p.text(
                x,
                top - 16.0,
                &format!("{}%", k * 20),
                12.0,
                palette::MUTED,
                Align::Centre,
            )?;
        }
        for (i, b) in self.bars.iter().enumerate() {
            let yc = top + ROW * i as f64 + ROW / 2.0;
            p.text(
                RATE_LEFT - 12.0,
                yc,
                &b.label,
                fit(&b.label, RATE_LEFT - 20.0, 15.0),
                palette::INK,
                Align::Right,
            )?;
            p.text(
                RATE_WIDTH - 24.0,
                yc,
                &format!("n={}", b.n),
                13.0,
                palette::MUTED,
                Align::Right,
            )?;
            if b.flag == Flag::Suppress {
                p.text(
                    RATE_LEFT + 8.0,
                    yc,
                    self.lang.pick("样本不足", "too few responses"),
                    14.0,
                    palette::MUTED,
                    Align::Left,
                )?;
                continue;
            }
            let (x0, x1) = (Self::x(0.0), Self::x(b.estimate));
            let bh = 24.0;
            if b.flag == Flag::Directional {
                p.rect(x0, yc - bh / 2.0, x1 - x0, bh, (0xD4, 0xE6, 0xF4))?;
                p.hatch(x0, yc - bh / 2.0, x1 - x0, bh, palette::BLUE)?;
                p.rect_outline(x0, yc - bh / 2.0, x1 - x0, bh, palette::BLUE)?;
            } else {
                p.rect(x0, yc - bh / 2.0, x1 - x0, bh, palette::BLUE)?;
            }
            let mut label_x = x1;
            if let (Some(lo), Some(hi)) = (b.low, b.high) {
                let (a, c) = (Self::x(lo), Self::x(hi));
                p.line(a, yc, c, yc, palette::INK, 1.6)?;
                p.line(a, yc - 6.0, a, yc + 6.0, palette::INK, 1.6)?;
                p.line(c, yc - 6.0, c, yc + 6.0, palette::INK, 1.6)?;
                label_x = label_x.max(c);
            }
            // A white plate keeps the value readable where it crosses the target line.
            p.rect(label_x + 4.0, yc - 10.0, 56.0, 20.0, palette::WHITE)?;
            p.bold(
                label_x + 8.0,
                yc,
                &pct(b.estimate),
                14.0,
                palette::INK,
                Align::Left,
            )?;
        }
        if let Some(t) = self.target {
            let x = Self::x(t);
            p.dashed(x, top - 4.0, x, bottom_y + 4.0, palette::VERMILLION, 2.0)?;
            let label = format!("{} {}", self.lang.pick("目标", "target"), pct(t));
            p.bold(
                x,
                bottom_y + 12.0,
                &label,
                12.0,
                palette::VERMILLION,
                Align::Centre,
            )?;
        }
        Ok(())
    }
}

// ------------------------------------------------------------------ trend across waves

#[derive(Debug, Clone)]
pub struct TrendPoint {
    pub wave: String,
    pub estimate: f64,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// Whether the change from the series' previous point is significant.
    pub significant: bool,
}

#[derive(Debug, Clone)]
pub struct TrendSeries {
    pub label: String,
    pub points: Vec<TrendPoint>,
}

/// Small multiples: one panel per indicator across waves, each one line with its
/// interval band, the target, and every value written beside its point, so no panel
/// holds more series than it has colours and no legend is needed. Panels share the
/// y axis, so their heights compare.
#[derive(Debug, Clone)]
pub struct TrendChart {
    pub frame: Frame,
    pub waves: Vec<String>,
    pub series: Vec<TrendSeries>,
    pub target: Option<f64>,
    pub lang: Lang,
}

const TREND_W: f64 = 900.0;
const PANEL_H: f64 = 210.0;

impl TrendChart {
    /// The lower end of the shared y axis: a tenth below the lowest interval bound,
    /// so differences stay visible without exaggerating them.
    fn y_min(&self) -> f64 {
        let mut min: f64 = 1.0;
        for s in &self.series {
            for p in &s.points {
                min = min.min(p.low.unwrap_or(p.estimate));
            }
        }
        if let Some(t) = self.target {
            min = min.min(t);
        }
        (((min - 0.05) * 10.0).floor() / 10.0).clamp(0.0, 0.9)
    }

    /// Panels per row.
    pub fn columns(&self) -> usize {
        self.series.len().clamp(1, 3)
    }

    fn rows(&self) -> usize {
        self.series.len().max(1).div_ceil(self.columns())
    }
}

impl Draw for TrendChart {
    fn frame(&self) -> &Frame {
        &self.frame
    }

    fn size(&self) -> (u32, u32) {
        (
            TREND_W as u32,
            (TOP + 10.0 + PANEL_H * self.rows() as f64 + bottom(&self.frame)).ceil() as u32,
        )
    }

    fn draw<DB: DrawingBackend>(&self, p: &Painter<'_, DB>) -> Result<(), ChartError> {
        let (w, h) = self.size();
        frame(p, &self.frame, w as f64, h as f64)?;
        let cols = self.columns();
        let pw = (TREND_W - 40.0) / cols as f64;
        let lo = self.y_min();
        let n = self.waves.len().max(1);
        let c = palette::BLUE;
        for (k, s) in self.series.iter().enumerate() {
            let (col, row) = (k % cols, k / cols);
            let left = 20.0 + pw * col as f64;
            let top = TOP + 10.0 + PANEL_H * row as f64;
            let (x0, x1) = (left + 52.0, left + pw - 34.0);
            let (y0, y1) = (top + 34.0, top + PANEL_H - 34.0);
            let y = |v: f64| y1 - (v - lo) / (1.0 - lo) * (y1 - y0);
            let x = |i: usize| {
                if n == 1 {
                    (x0 + x1) / 2.0
                } else {
                    x0 + (x1 - x0) * i as f64 / (n - 1) as f64
                }
            };
            let size = fit(&s.label, pw - 20.0, 14.0);
            p.bold(
                left + 8.0,
                top + 12.0,
                &s.label,
                size,
                palette::INK,
                Align::Left,
            )?;
            let mut v = lo;
            while v <= 1.0 + 1e-9 {
                p.line(x0, y(v), x1, y(v), palette::RULE, 1.0)?;
                p.text(
                    x0 - 6.0,
                    y(v),
                    &format!("{:.0}%", v * 100.0),
                    10.0,
                    palette::MUTED,
                    Align::Right,
                )?;
                v += 0.1;
            }
            for (i, wave) in self.waves.iter().enumerate() {
                p.text(
                    x(i),
                    y1 + 14.0,
                    &format!(
                        "{}{}{}",
                        self.lang.pick("第", "wave "),
                        wave,
                        self.lang.pick("轮", "")
                    ),
                    11.0,
                    palette::INK,
                    Align::Centre,
                )?;
            }
            if let Some(t) = self.target {
                p.dashed(x0, y(t), x1, y(t), palette::VERMILLION, 1.5)?;
            }
            let idx = |wave: &str| self.waves.iter().position(|w| w == wave);
            let pts: Vec<(usize, &TrendPoint)> = s
                .points
                .iter()
                .filter_map(|pt| idx(&pt.wave).map(|i| (i, pt)))
                .collect();
            let mut band: Vec<(f64, f64)> = pts
                .iter()
                .filter_map(|(i, pt)| pt.high.map(|hv| (x(*i), y(hv))))
                .collect();
            band.extend(
                pts.iter()
                    .rev()
                    .filter_map(|(i, pt)| pt.low.map(|lv| (x(*i), y(lv)))),
            );
            if band.len() >= 4 {
                p.band(&band, c, 0.16)?;
            }
            let line: Vec<(f64, f64)> = pts.iter().map(|(i, pt)| (x(*i), y(pt.estimate))).collect();
            if line.len() > 1 {
                p.polyline(&line, c, 2.5)?;
            }
            for (&(px, py), (_, pt)) in line.iter().zip(&pts) {
                p.circle(px, py, 4.0, c)?;
                let mark = match (pt.significant, pts.len() > 1) {
                    (true, true) => {
                        if pts
                            .iter()
                            .take_while(|(_, q)| !std::ptr::eq(*q, *pt))
                            .last()
                            .is_some_and(|(_, q)| q.estimate > pt.estimate)
                        {
                            " ▼"
                        } else {
                            " ▲"
                        }
                    }
                    _ => "",
                };
                p.bold(
                    px,
                    py - 14.0,
                    &format!("{}{}", pct(pt.estimate), mark),
                    11.0,
                    if mark.is_empty() {
                        palette::INK
                    } else {
                        palette::VERMILLION
                    },
                    Align::Centre,
                )?;
            }
        }
        Ok(())
    }
}

// ------------------------------------------------------------------ Likert distribution

/// Weighted shares of the five answers (index 0 = worst … 4 = best), "don't know" excluded.
#[derive(Debug, Clone)]
pub struct LikertRow {
    pub label: String,
    pub shares: [f64; 5],
    pub n: f64,
}

/// Diverging stacked bars centred on the neutral answer.
#[derive(Debug, Clone)]
pub struct LikertChart {
    pub frame: Frame,
    pub rows: Vec<LikertRow>,
    /// Names of the five answers, worst first.
    pub categories: [String; 5],
    pub lang: Lang,
}

const LIKERT_COLOURS: [Rgb; 5] = [
    palette::VERMILLION,
    palette::ORANGE,
    palette::GREY,
    palette::SKY,
    palette::BLUE,
];
const LIKERT_W: f64 = 960.0;

impl LikertChart {
    /// Sorts rows by the share of the two best answers, highest first.
    pub fn new(
        frame: Frame,
        mut rows: Vec<LikertRow>,
        categories: [String; 5],
        lang: Lang,
    ) -> LikertChart {
        rows.sort_by(|a, b| {
            (b.shares[3] + b.shares[4])
                .partial_cmp(&(a.shares[3] + a.shares[4]))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        LikertChart {
            frame,
            rows,
            categories,
            lang,
        }
    }
}

impl Draw for LikertChart {
    fn frame(&self) -> &Frame {
        &self.frame
    }

    fn size(&self) -> (u32, u32) {
        (
            LIKERT_W as u32,
            (TOP + 60.0 + ROW * self.rows.len() as f64 + 10.0 + bottom(&self.frame)).ceil() as u32,
        )
    }

    fn draw<DB: DrawingBackend>(&self, p: &Painter<'_, DB>) -> Result<(), ChartError> {
        let (w, h) = self.size();
        frame(p, &self.frame, w as f64, h as f64)?;
        // Legend.
        let mut lx = 220.0;
        for (k, name) in self.categories.iter().enumerate() {
            p.rect(lx, TOP + 4.0, 14.0, 12.0, LIKERT_COLOURS[k])?;
            p.text(lx + 20.0, TOP + 10.0, name, 12.0, palette::INK, Align::Left)?;
            // Rough text width: CJK characters are square, Latin ones about half as wide.
            let width: f64 = name
                .chars()
                .map(|c| if (c as u32) >= 0x2E80 { 12.5 } else { 6.8 })
                .sum();
            lx += 20.0 + width + 22.0;
        }
        let left_of = |r: &LikertRow| r.shares[0] + r.shares[1] + r.shares[2] / 2.0;
        let right_of = |r: &LikertRow| r.shares[4] + r.shares[3] + r.shares[2] / 2.0;
        let reach = self
            .rows
            .iter()
            .map(|r| left_of(r).max(right_of(r)))
            .fold(0.2, f64::max);
        let reach = ((reach * 5.0).ceil() / 5.0).min(1.0);
        let (x0, x1) = (220.0, LIKERT_W - 90.0);
        let mid = (x0 + x1) / 2.0;
        let scale = (x1 - x0) / 2.0 / reach;
        let top = TOP + 50.0;
        let bottom_y = top + ROW * self.rows.len() as f64;
        let mut t = -reach;
        while t <= reach + 1e-9 {
            let x = mid + t * scale;
            p.line(x, top - 6.0, x, bottom_y, palette::RULE, 1.0)?;
            p.text(
                x,
                top - 14.0,
                &format!("{:.0}%", t.abs() * 100.0),
                11.0,
                palette::MUTED,
                Align::Centre,
            )?;
            t += 0.2;
        }
        p.line(mid, top - 4.0, mid, bottom_y, palette::INK, 1.0)?;
        for (i, r) in self.rows.iter().enumerate() {
            let yc = top + ROW * i as f64 + ROW / 2.0;
            let bh = 26.0;
            p.text(
                x0 - 12.0,
                yc,
                &r.label,
                fit(&r.label, x0 - 20.0, 14.0),
                palette::INK,
                Align::Right,
            )?;
            // Segments from the centre outwards: neutral halves, then 2/4, then 1/5.
            let mut segs: Vec<(f64, f64, usize)> = Vec::new();
            let mut at = mid - r.shares[2] / 2.0 * scale;
            segs.push((at, r.shares[2] * scale, 2));
            let mut left = at;
            for k in [1usize, 0] {
                left -= r.shares[k] * scale;
                segs.push((left, r.shares[k] * scale, k));
            }
            at = mid + r.shares[2] / 2.0 * scale;
            for k in [3usize, 4] {
                segs.push((at, r.shares[k] * scale, k));
                at += r.shares[k] * scale;
            }
            for (sx, sw, k) in segs {
                if sw <= 0.0 {
                    continue;
                }
                p.rect(sx, yc - bh / 2.0, sw, bh, LIKERT_COLOURS[k])?;
                if r.shares[k] >= 0.07 {
                    let ink = if k == 4 || k == 0 {
                        palette::WHITE
                    } else {
                        palette::INK
                    };
                    p.text(
                        sx + sw / 2.0,
                        yc,
                        &format!("{:.0}", r.shares[k] * 100.0),
                        12.0,
                        ink,
                        Align::Centre,
                    )?;
                }
            }
            p.text(
                LIKERT_W - 24.0,
                yc,
                &format!("n={}", r.n),
                12.0,
                palette::MUTED,
                Align::Right,
            )?;
        }
        Ok(())
    }
}

// ------------------------------------------------------------------ heat table

/// One cell: the rate, its status against the target (`None`: no target), and the
/// publication flag.
#[derive(Debug, Clone, Copy)]
pub struct HeatCell {
    pub estimate: f64,
    pub status: Option<TargetState>,
    pub flag: Flag,
}

/// Districts × indicators, each cell coloured by its status against the target (the
/// one rule of `stats::target`).
#[derive(Debug, Clone)]
pub struct HeatTable {
    pub frame: Frame,
    pub columns: Vec<String>,
    pub rows: Vec<String>,
    pub cells: Vec<Vec<Option<HeatCell>>>,
    pub lang: Lang,
}

/// A font size at most `size` at which `text` fits `width` (CJK glyphs are about 1 em
/// wide, Latin letters and digits about 0.55 em), never below 9.
pub fn fit(text: &str, width: f64, size: f64) -> f64 {
    let ems: f64 = text
        .chars()
        .map(|c| if c.is_ascii() { 0.55 } else { 1.0 })
        .sum();
    if ems <= 0.0 {
        return size;
    }
    (width / ems).clamp(9.0, size)
}

/// Two lines of a column label: at the space nearest the middle when there is one,
/// else at the middle character.
fn split_label(text: &str) -> (String, String) {
    let chars: Vec<char> = text.chars().collect();
    let mid = chars.len() / 2;
    let space = chars
        .iter()
        .enumerate()
        .filter(|(_, c)| **c == ' ')
        .min_by_key(|(i, _)| i.abs_diff(mid))
        .map(|(i, _)| i);
    match space {
        Some(i) => (chars[..i].iter().collect(), chars[i + 1..].iter().collect()),
        None => {
            let (a, b) = chars.split_at(chars.len().div_ceil(2));
            (a.iter().collect(), b.iter().collect())
        }
    }
}

const HEAT_COL: f64 = 86.0;
const HEAT_ROW: f64 = 38.0;
const HEAT_LABEL: f64 = 130.0;

impl HeatTable {
    pub fn new(
        mut frame: Frame,
        columns: Vec<String>,
        rows: Vec<String>,
        cells: Vec<Vec<Option<HeatCell>>>,
        lang: Lang,
    ) -> HeatTable {
        let notes: [(&str, &str); 4] = [
            (
                "深蓝（+）：显著高于目标；浅蓝：达到目标（差异不显著）；",
                "Dark blue (+): significantly above target; light blue: at or above, not significantly;",
            ),
            (
                "橙：低于目标（差异不显著）；红（*）：显著低于目标；白：无法判断或无目标；",
                "orange: below, not significantly; red (*): significantly below; white: cannot tell or no target;",
            ),
            (
                "斜线：仅供参考；灰：样本不足。“显著”指整个置信区间都在目标同一侧；",
                "hatched: directional; grey: too few. “Significantly”: the whole interval is on one side;",
            ),
            (
                "估计为0%或100%时没有置信区间，用精确（Clopper–Pearson）界限判断。",
                "at 0% or 100%, where there is no interval, the exact (Clopper–Pearson) bounds decide.",
            ),
        ];
        for (zh, en) in notes {
            frame.notes.push(lang.pick(zh, en).into());
        }
        HeatTable {
            frame,
            columns,
            rows,
            cells,
            lang,
        }
    }

    /// Fill colour of a cell: light tints, so the printed numbers stay readable.
    pub fn fill(c: &HeatCell) -> Rgb {
        if c.flag == Flag::Suppress {
            return (0xEE, 0xEE, 0xEE);
        }
        match c.status {
            None | Some(TargetState::CannotTell) => palette::WHITE,
            Some(TargetState::SignificantlyAbove) => (0xA9, 0xCE, 0xEC),
            Some(TargetState::AtOrAbove) => (0xDB, 0xEA, 0xF6),
            Some(TargetState::Below) => (0xFB, 0xE2, 0xB0),
            Some(TargetState::SignificantlyBelow) => (0xF5, 0xC0, 0xA6),
        }
    }

    /// The mark after the number, so greyscale prints carry the significant states.
    pub fn mark(c: &HeatCell) -> &'static str {
        match c.status {
            Some(TargetState::SignificantlyAbove) => "+",
            Some(TargetState::SignificantlyBelow) => "*",
            _ => "",
        }
    }
}

impl Draw for HeatTable {
    fn frame(&self) -> &Frame {
        &self.frame
    }

    fn size(&self) -> (u32, u32) {
        let w = (HEAT_LABEL + HEAT_COL * self.columns.len() as f64 + 40.0).max(700.0);
        let h = TOP + 56.0 + HEAT_ROW * self.rows.len() as f64 + 14.0 + bottom(&self.frame);
        (w.ceil() as u32, h.ceil() as u32)
    }

    fn draw<DB: DrawingBackend>(&self, p: &Painter<'_, DB>) -> Result<(), ChartError> {
        let (w, h) = self.size();
        frame(p, &self.frame, w as f64, h as f64)?;
        let top = TOP + 56.0;
        for (j, c) in self.columns.iter().enumerate() {
            let cx = HEAT_LABEL + HEAT_COL * j as f64 + HEAT_COL / 2.0;
            // Long labels wrap onto two lines: English at the space nearest the middle,
            // Chinese at the middle; one long word shrinks instead of breaking.
            let one = fit(c, HEAT_COL - 6.0, 12.0);
            if one < 12.0 && (c.contains(' ') || !c.is_ascii()) {
                let (a, b) = split_label(c);
                let size = fit(&a, HEAT_COL - 6.0, 12.0).min(fit(&b, HEAT_COL - 6.0, 12.0));
                p.text(cx, top - 30.0, &a, size, palette::INK, Align::Centre)?;
                p.text(cx, top - 14.0, &b, size, palette::INK, Align::Centre)?;
            } else {
                p.text(cx, top - 14.0, c, one, palette::INK, Align::Centre)?;
            }
        }
        for (i, r) in self.rows.iter().enumerate() {
            let y = top + HEAT_ROW * i as f64;
            p.text(
                HEAT_LABEL - 12.0,
                y + HEAT_ROW / 2.0,
                r,
                fit(r, HEAT_LABEL - 20.0, 14.0),
                palette::INK,
                Align::Right,
            )?;
            for (j, cell) in self.cells[i].iter().enumerate() {
                let x = HEAT_LABEL + HEAT_COL * j as f64;
                match cell {
                    Some(c) => {
                        p.rect(
                            x + 1.0,
                            y + 1.0,
                            HEAT_COL - 2.0,
                            HEAT_ROW - 2.0,
                            Self::fill(c),
                        )?;
                        if c.flag == Flag::Directional {
                            p.hatch(
                                x + 1.0,
                                y + 1.0,
                                HEAT_COL - 2.0,
                                HEAT_ROW - 2.0,
                                (0xB0, 0xB0, 0xB0),
                            )?;
                        }
                        let text = if c.flag == Flag::Suppress {
                            self.lang.pick("样本不足", "too few").to_string()
                        } else {
                            format!("{:.1}{}", c.estimate * 100.0, Self::mark(c))
                        };
                        p.text(
                            x + HEAT_COL / 2.0,
                            y + HEAT_ROW / 2.0,
                            &text,
                            13.0,
                            palette::INK,
                            Align::Centre,
                        )?;
                    }
                    None => p.rect(
                        x + 1.0,
                        y + 1.0,
                        HEAT_COL - 2.0,
                        HEAT_ROW - 2.0,
                        (0xF6, 0xF6, 0xF6),
                    )?,
                }
            }
        }
        Ok(())
    }
}

// ------------------------------------------------------------------ collection progress

#[derive(Debug, Clone)]
pub struct ProgressRow {
    pub label: String,
    pub responses: f64,
    pub planned: f64,
    /// Responses by the evaluation date at the current pace, when there is one:
    /// drawn as a thin light bar beyond the responses, its share written beside.
    pub projected: Option<f64>,
}

/// Responses per district against the planned sample size.
#[derive(Debug, Clone)]
pub struct ProgressChart {
    pub frame: Frame,
    pub rows: Vec<ProgressRow>,
    pub lang: Lang,
}

impl Draw for ProgressChart {
    fn frame(&self) -> &Frame {
        &self.frame
    }

    fn size(&self) -> (u32, u32) {
        (
            900,
            (TOP + 40.0 + ROW * self.rows.len() as f64 + 10.0 + bottom(&self.frame)).ceil() as u32,
        )
    }

    fn draw<DB: DrawingBackend>(&self, p: &Painter<'_, DB>) -> Result<(), ChartError> {
        let (w, h) = self.size();
        frame(p, &self.frame, w as f64, h as f64)?;
        let (x0, x1) = (RATE_LEFT, 660.0);
        // The axis runs to 150% of the plan, so overshoot is visible.
        let x = |v: f64| x0 + v.clamp(0.0, 1.5) / 1.5 * (x1 - x0);
        let top = TOP + 40.0;
        let bottom_y = top + ROW * self.rows.len() as f64;
        for k in 0..=3 {
            let v = k as f64 * 0.5;
            p.line(x(v), top - 6.0, x(v), bottom_y, palette::RULE, 1.0)?;
            p.text(
                x(v),
                top - 16.0,
                &format!("{:.0}%", v * 100.0),
                12.0,
                palette::MUTED,
                Align::Centre,
            )?;
        }
        for (i, r) in self.rows.iter().enumerate() {
            let yc = top + ROW * i as f64 + ROW / 2.0;
            let share = if r.planned > 0.0 {
                r.responses / r.planned
            } else {
                0.0
            };
            p.text(
                x0 - 12.0,
                yc,
                &r.label,
                fit(&r.label, x0 - 20.0, 15.0),
                palette::INK,
                Align::Right,
            )?;
            p.rect(x0, yc - 12.0, x(1.0) - x0, 24.0, (0xEE, 0xEE, 0xEE))?;
            let c = if share >= 1.0 {
                palette::GREEN
            } else {
                palette::BLUE
            };
            p.rect(x0, yc - 12.0, x(share) - x0, 24.0, c)?;
            let projected = r
                .projected
                .filter(|_| r.planned > 0.0)
                .map(|v| v / r.planned);
            if let Some(ps) = projected.filter(|ps| *ps > share) {
                p.rect(x(share), yc - 4.0, x(ps) - x(share), 8.0, palette::SKY)?;
            }
            let mut label = match self.lang {
                Lang::Zh => format!("{} / {}（{:.0}%）", r.responses, r.planned, share * 100.0),
                Lang::En => format!("{} / {} ({:.0}%)", r.responses, r.planned, share * 100.0),
            };
            if let Some(ps) = projected {
                label.push_str(&match self.lang {
                    Lang::Zh => format!(" 预计{:.0}%", ps * 100.0),
                    Lang::En => format!(" → {:.0}%", ps * 100.0),
                });
            }
            p.text(x1 + 12.0, yc, &label, 14.0, palette::INK, Align::Left)?;
        }
        p.dashed(x(1.0), top - 4.0, x(1.0), bottom_y + 4.0, palette::INK, 1.5)?;
        p.bold(
            x(1.0),
            bottom_y + 12.0,
            self.lang.pick("计划样本量", "planned sample"),
            12.0,
            palette::INK,
            Align::Centre,
        )?;
        Ok(())
    }
}
