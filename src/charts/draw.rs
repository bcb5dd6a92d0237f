//! The drawing surface: plotters' SVG and bitmap backends behind one painter in
//! logical pixels, plus the frame every chart shares (title, subtitle, source line).

use image::ImageEncoder;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::sync::OnceLock;

use super::palette::{self, Rgb};

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("cannot draw the chart: {0}")]
    Draw(String),
    #[error("cannot encode the PNG: {0}")]
    Png(String),
    #[error("the embedded CJK font could not be registered")]
    Font,
}

/// A finished chart.
#[derive(Debug, Clone)]
pub struct Chart {
    /// The chart's title (for captions).
    pub title: String,
    pub svg: String,
    /// PNG at twice the logical size.
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

static FONT: OnceLock<bool> = OnceLock::new();

fn register_font() -> Result<(), ChartError> {
    let ok = *FONT.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, crate::fonts::CJK).is_ok()
            && plotters::style::register_font("sans-serif", FontStyle::Bold, crate::fonts::CJK)
                .is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(ChartError::Font)
    }
}

/// Horizontal text alignment.
#[derive(Clone, Copy)]
pub enum Align {
    Left,
    Centre,
    Right,
}

/// Draws on one backend in logical pixels; `scale` maps them to device pixels.
pub struct Painter<'a, DB: DrawingBackend> {
    area: &'a DrawingArea<DB, Shift>,
    scale: f64,
    /// plotters' SVG backend writes font sizes divided by 1.24; this undoes it so SVG
    /// and PNG text come out the same size.
    text_scale: f64,
}

fn rgb(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

impl<DB: DrawingBackend> Painter<'_, DB> {
    fn p(&self, x: f64, y: f64) -> (i32, i32) {
        (
            (x * self.scale).round() as i32,
            (y * self.scale).round() as i32,
        )
    }
    fn err<E: std::fmt::Debug>(e: E) -> ChartError {
        ChartError::Draw(format!("{e:?}"))
    }
    pub fn rect(&self, x: f64, y: f64, w: f64, h: f64, fill: Rgb) -> Result<(), ChartError> {
        self.area
            .draw(&Rectangle::new(
                [self.p(x, y), self.p(x + w, y + h)],
                rgb(fill).filled(),
            ))
            .map_err(Self::err)
    }
    pub fn rect_outline(
        &self,
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        stroke: Rgb,
    ) -> Result<(), ChartError> {
        let style = ShapeStyle::from(rgb(stroke)).stroke_width((self.scale).max(1.0) as u32);
        self.area
            .draw(&Rectangle::new([self.p(x, y), self.p(x + w, y + h)], style))
            .map_err(Self::err)
    }
    pub fn line(
        &self,
        x1: f64,
        y1: f64,
        x2: f64,
        y2: f64,
        color: Rgb,
        width: f64,
    ) -> Result<(), ChartError> {
        let style =
            ShapeStyle::from(rgb(color)).stroke_width((width * self.scale).round().max(1.0) as u32);
        self.area
            .draw(&PathElement::new(
                vec![self.p(x1, y1), self.p(x2, y2)],
                style,
            ))
            .map_err(Self::err)
    }
    pub fn dashed(
        &self,
        x1: f64,
        y1: f64,
        x2: f64,
        y2: f64,
        color: Rgb,
        width: f64,
    ) -> Result<(), ChartError> {
        let len = ((x2 - x1).powi(2) + (y2 - y1).powi(2)).sqrt();
        let steps = (len / 8.0).floor() as usize;
        for i in (0..steps).step_by(2) {
            let (a, b) = (
                i as f64 / steps as f64,
                ((i + 1) as f64 / steps as f64).min(1.0),
            );
            self.line(
                x1 + (x2 - x1) * a,
                y1 + (y2 - y1) * a,
                x1 + (x2 - x1) * b,
                y1 + (y2 - y1) * b,
                color,
                width,
            )?;
        }
        Ok(())
    }
    pub fn polyline(&self, pts: &[(f64, f64)], color: Rgb, width: f64) -> Result<(), ChartError> {
        let style =
            ShapeStyle::from(rgb(color)).stroke_width((width * self.scale).round().max(1.0) as u32);
        self.area
            .draw(&PathElement::new(
                pts.iter().map(|&(x, y)| self.p(x, y)).collect::<Vec<_>>(),
                style,
            ))
            .map_err(Self::err)
    }
    /// A filled polygon (a place on a map).
    pub fn polygon(&self, pts: &[(f64, f64)], fill: Rgb) -> Result<(), ChartError> {
        self.area
            .draw(&Polygon::new(
                pts.iter().map(|&(x, y)| self.p(x, y)).collect::<Vec<_>>(),
                rgb(fill).filled(),
            ))
            .map_err(Self::err)
    }
    /// A filled polygon with transparency (interval bands).
    pub fn band(&self, pts: &[(f64, f64)], color: Rgb, alpha: f64) -> Result<(), ChartError> {
        self.area
            .draw(&Polygon::new(
                pts.iter().map(|&(x, y)| self.p(x, y)).collect::<Vec<_>>(),
                rgb(color).mix(alpha).filled(),
            ))
            .map_err(Self::err)
    }
    pub fn circle(&self, x: f64, y: f64, r: f64, color: Rgb) -> Result<(), ChartError> {
        self.area
            .draw(&Circle::new(
                self.p(x, y),
                (r * self.scale) as i32,
                rgb(color).filled(),
            ))
            .map_err(Self::err)
    }
    /// Diagonal hatching inside a rectangle (marks a figure to read with caution; it
    /// survives greyscale printing, unlike a lighter colour).
    pub fn hatch(&self, x: f64, y: f64, w: f64, h: f64, color: Rgb) -> Result<(), ChartError> {
        let step = 7.0;
        let mut k = -h;
        while k < w {
            // Line x = x0 + k + t, y = y0 + h − t for t in [0, h], clipped to [x, x + w].
            let t0 = (-k).max(0.0);
            let t1 = h.min(w - k);
            if t1 > t0 {
                self.line(x + k + t0, y + h - t0, x + k + t1, y + h - t1, color, 1.2)?;
            }
            k += step;
        }
        Ok(())
    }
    pub fn text(
        &self,
        x: f64,
        y: f64,
        s: &str,
        size: f64,
        color: Rgb,
        align: Align,
    ) -> Result<(), ChartError> {
        self.text_styled(x, y, s, size, color, align, false)
    }
    pub fn bold(
        &self,
        x: f64,
        y: f64,
        s: &str,
        size: f64,
        color: Rgb,
        align: Align,
    ) -> Result<(), ChartError> {
        self.text_styled(x, y, s, size, color, align, true)
    }
    #[allow(clippy::too_many_arguments)]
    fn text_styled(
        &self,
        x: f64,
        y: f64,
        s: &str,
        size: f64,
        color: Rgb,
        align: Align,
        bold: bool,
    ) -> Result<(), ChartError> {
        let h = match align {
            Align::Left => HPos::Left,
            Align::Centre => HPos::Center,
            Align::Right => HPos::Right,
        };
        let font = FontDesc::new(
            FontFamily::SansSerif,
            size * self.scale * self.text_scale,
            if bold {
                FontStyle::Bold
            } else {
                FontStyle::Normal
            },
        );
        let style = font.color(&rgb(color)).pos(Pos::new(h, VPos::Center));
        self.area
            .draw_text(s, &style, self.p(x, y))
            .map_err(Self::err)
    }
}

/// The words around every chart.
#[derive(Debug, Clone)]
pub struct Frame {
    pub title: String,
    /// Survey, wave, weighting, interval method, date.
    pub subtitle: String,
    /// Where the figures come from and how they were collected.
    pub source: String,
    /// Notes under the plot (e.g. what hatching means).
    pub notes: Vec<String>,
}

pub const TOP: f64 = 78.0;

/// Draws the frame; the chart's own content goes between `TOP` and `height − bottom`.
pub fn frame<DB: DrawingBackend>(
    p: &Painter<'_, DB>,
    f: &Frame,
    width: f64,
    height: f64,
) -> Result<(), ChartError> {
    p.rect(0.0, 0.0, width, height, palette::WHITE)?;
    p.bold(24.0, 26.0, &f.title, 22.0, palette::INK, Align::Left)?;
    p.text(24.0, 54.0, &f.subtitle, 13.0, palette::MUTED, Align::Left)?;
    let mut y = height - 18.0 - 18.0 * f.notes.len() as f64;
    for n in &f.notes {
        p.text(24.0, y, n, 12.0, palette::MUTED, Align::Left)?;
        y += 18.0;
    }
    p.text(
        24.0,
        height - 16.0,
        &f.source,
        11.0,
        palette::MUTED,
        Align::Left,
    )?;
    Ok(())
}

/// Space the frame takes at the bottom.
pub fn bottom(f: &Frame) -> f64 {
    34.0 + 18.0 * f.notes.len() as f64
}

/// A chart that can paint itself on any backend.
pub trait Draw {
    /// The frame: title, subtitle, source and notes.
    fn frame(&self) -> &Frame;
    fn size(&self) -> (u32, u32);
    fn draw<DB: DrawingBackend>(&self, p: &Painter<'_, DB>) -> Result<(), ChartError>;
}

/// Renders a chart to SVG and to a 2× PNG.
pub fn render<D: Draw>(chart: &D) -> Result<Chart, ChartError> {
    register_font()?;
    let (width, height) = chart.size();
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        chart.draw(&Painter {
            area: &area,
            scale: 1.0,
            text_scale: 1.24,
        })?;
        area.present()
            .map_err(|e| ChartError::Draw(format!("{e:?}")))?;
    }
    let (w2, h2) = (width * 2, height * 2);
    let mut buf = vec![255u8; (w2 * h2 * 3) as usize];
    {
        let area = BitMapBackend::with_buffer(&mut buf, (w2, h2)).into_drawing_area();
        chart.draw(&Painter {
            area: &area,
            scale: 2.0,
            text_scale: 1.0,
        })?;
        area.present()
            .map_err(|e| ChartError::Draw(format!("{e:?}")))?;
    }
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&buf, w2, h2, image::ExtendedColorType::Rgb8)
        .map_err(|e| ChartError::Png(e.to_string()))?;
    Ok(Chart {
        title: chart.frame().title.clone(),
        svg,
        png,
        width,
        height,
    })
}
