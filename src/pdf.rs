//! PDF pages made on the server, without a browser: A4, text in the compiled-in CJK
//! font (`fonts::CJK`, embedded as a subset of the glyphs used, so Chinese stays
//! selectable and searchable), rules, rectangles and PNG pictures.
//!
//! Two steps: a [`Layout`] places items on pages (wrapping text, breaking pages,
//! keeping a table's header on every page it spans), then [`Layout::finish`] draws
//! them with krilla. Pure: items in, bytes out.

use std::sync::{Arc, OnceLock};

use ab_glyph::{Font as _, FontRef};
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::Document;

/// A4 in points.
pub const A4: (f32, f32) = (595.28, 841.89);
/// Millimetres to points.
pub const MM: f32 = 72.0 / 25.4;

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the compiled-in CJK font cannot be read")]
    Font,
    #[error("a picture cannot be placed in the PDF: {0}")]
    Image(String),
    #[error("the PDF cannot be written: {0}")]
    Write(String),
}

pub type Rgb = (u8, u8, u8);
pub const INK: Rgb = (0x1A, 0x1A, 0x1A);
pub const MUTED: Rgb = (0x55, 0x55, 0x55);
pub const RULE: Rgb = (0xAA, 0xAA, 0xAA);

fn metrics() -> Option<&'static FontRef<'static>> {
    static F: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    F.get_or_init(|| FontRef::try_from_slice_and_index(crate::fonts::CJK, 0).ok())
        .as_ref()
}

/// The advance of one character at size 1 (the font has no kerning worth applying
/// to CJK, and Latin text in a briefing is numbers and short words).
fn advance(f: &FontRef<'_>, c: char) -> f32 {
    let id = f.glyph_id(c);
    f.h_advance_unscaled(id) / f.units_per_em().unwrap_or(1000.0)
}

/// The width of `text` at `size` points.
pub fn text_width(text: &str, size: f32) -> f32 {
    metrics().map_or(text.chars().count() as f32 * size, |f| {
        text.chars().map(|c| advance(f, c)).sum::<f32>() * size
    })
}

/// How a paragraph looks.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub size: f32,
    /// Drawn with a thin outline too: the font has one weight.
    pub bold: bool,
    pub color: Rgb,
    pub align: Align,
    /// Distance between baselines.
    pub leading: f32,
    /// Indent of the first line (two characters in Chinese body text).
    pub first_indent: f32,
    /// Space after the paragraph.
    pub after: f32,
}

impl Style {
    pub fn body(size: f32) -> Style {
        Style {
            size,
            bold: false,
            color: INK,
            align: Align::Left,
            leading: size * 1.75,
            first_indent: 0.0,
            after: size * 0.4,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Align {
    Left,
    Centre,
    Right,
}

/// One thing drawn on a page, in points from the page's top-left corner.
#[derive(Debug, Clone)]
pub enum Item {
    /// `y` is the baseline.
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        color: Rgb,
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Rgb,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        color: Rgb,
    },
    /// `image` indexes the layout's pictures.
    Image {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        image: usize,
    },
}

/// Lines of `text` no wider than `width` at `size`, the first `first_indent` narrower.
/// Breaks between CJK characters and at spaces, never inside a Latin word or number
/// (unless the word alone is too wide), and never before closing punctuation.
pub fn wrap(text: &str, size: f32, width: f32, first_indent: f32) -> Vec<String> {
    // Units that must stay together: a Latin word or number with what clings to it,
    // or one CJK character with the punctuation that may not start a line.
    let mut units: Vec<String> = Vec::new();
    for c in text.chars() {
        let cling = "，。、；：？！）》」』”’%,.;:?!)]}·–-".contains(c);
        let latin = c.is_ascii_alphanumeric();
        match units.last_mut() {
            Some(u) if cling && !u.ends_with(' ') => u.push(c),
            Some(u)
                if latin
                    && u.chars()
                        .last()
                        .is_some_and(|p| p.is_ascii_alphanumeric() || "%.,–-+".contains(p))
                    && !u.ends_with(' ') =>
            {
                u.push(c)
            }
            Some(u) if u.chars().last().is_some_and(|p| "（《「『“‘([".contains(p)) => {
                u.push(c)
            }
            _ => units.push(c.to_string()),
        }
    }
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut w = 0.0;
    let mut limit = width - first_indent;
    for u in units {
        let uw = text_width(&u, size);
        if w + uw > limit && !line.is_empty() {
            lines.push(std::mem::take(&mut line).trim_end().to_string());
            w = 0.0;
            limit = width;
            if u == " " {
                continue;
            }
        }
        if uw > limit {
            // A unit wider than the line (a long link): break it by character.
            for c in u.chars() {
                let cw = text_width(&c.to_string(), size);
                if w + cw > limit && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    w = 0.0;
                    limit = width;
                }
                line.push(c);
                w += cw;
            }
            continue;
        }
        line.push_str(&u);
        w += uw;
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// A table's columns and line metrics.
struct Grid {
    cols: Vec<f32>,
    size: f32,
    pad: f32,
    leading: f32,
}

impl Grid {
    /// Each cell's lines, wrapped to its column.
    fn lines(&self, row: &[String]) -> Vec<Vec<String>> {
        row.iter()
            .zip(&self.cols)
            .map(|(c, w)| wrap(c, self.size, w - 2.0 * self.pad, 0.0))
            .collect()
    }
    /// A row's height: its tallest cell and the padding.
    fn height(&self, lines: &[Vec<String>]) -> f32 {
        lines.iter().map(Vec::len).max().unwrap_or(1).max(1) as f32 * self.leading + 2.0 * self.pad
    }
}

/// Pages being laid out: a text area inside the margins and a cursor moving down it.
pub struct Layout {
    pub pages: Vec<Vec<Item>>,
    images: Vec<Vec<u8>>,
    /// Left, top, right, bottom edges of the text area.
    pub left: f32,
    pub top: f32,
    pub right: f32,
    pub bottom: f32,
    /// The cursor: the top of the next item.
    pub y: f32,
}

/// A table: column titles, rows of text, relative column widths, and which columns
/// are right-aligned (numbers).
pub struct TableSpec<'a> {
    pub header: &'a [String],
    pub rows: &'a [Vec<String>],
    pub widths: &'a [f32],
    pub numeric: &'a [bool],
    pub size: f32,
}

impl Layout {
    /// An empty layout on A4 with margins in millimetres (top, right, bottom, left).
    pub fn a4(top: f32, right: f32, bottom: f32, left: f32) -> Layout {
        Layout {
            pages: vec![Vec::new()],
            images: Vec::new(),
            left: left * MM,
            top: top * MM,
            right: A4.0 - right * MM,
            bottom: A4.1 - bottom * MM,
            y: top * MM,
        }
    }

    pub fn width(&self) -> f32 {
        self.right - self.left
    }

    fn page(&mut self) -> &mut Vec<Item> {
        self.pages.last_mut().expect("a layout has a page")
    }

    /// Draws an item on the current page, where it says (not moving the cursor).
    pub fn draw(&mut self, item: Item) {
        self.page().push(item);
    }

    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = self.top;
    }

    /// Starts a new page unless `height` still fits below the cursor.
    pub fn need(&mut self, height: f32) {
        if self.y + height > self.bottom && self.y > self.top {
            self.new_page();
        }
    }

    pub fn space(&mut self, pts: f32) {
        self.y += pts;
    }

    /// One line of text at a baseline, aligned within the text area.
    pub fn text_line(&mut self, text: &str, baseline: f32, style: &Style, indent: f32) {
        let w = text_width(text, style.size);
        let x = match style.align {
            Align::Left => self.left + indent,
            Align::Centre => self.left + (self.width() - w) / 2.0,
            Align::Right => self.right - w,
        };
        self.draw(Item::Text {
            x,
            y: baseline,
            size: style.size,
            bold: style.bold,
            color: style.color,
            text: text.to_string(),
        });
    }

    /// A wrapped paragraph, continued on the next page where it runs over.
    pub fn paragraph(&mut self, text: &str, style: &Style) {
        let lines = wrap(text, style.size, self.width(), style.first_indent);
        for (i, line) in lines.iter().enumerate() {
            self.need(style.leading);
            let baseline = self.y + (style.leading + style.size * 0.7) / 2.0;
            let indent = if i == 0 { style.first_indent } else { 0.0 };
            self.text_line(line, baseline, style, indent);
            self.y += style.leading;
        }
        self.y += style.after;
    }

    /// A PNG picture `w_px` × `h_px`, scaled to at most the text width and `max_h`,
    /// centred; on a new page when it does not fit below the cursor.
    pub fn picture(&mut self, png: &[u8], w_px: u32, h_px: u32, max_h: f32) {
        let aspect = h_px.max(1) as f32 / w_px.max(1) as f32;
        let mut w = self.width();
        let mut h = w * aspect;
        if h > max_h {
            h = max_h;
            w = h / aspect;
        }
        self.need(h);
        let x = self.left + (self.width() - w) / 2.0;
        self.images.push(png.to_vec());
        let image = self.images.len() - 1;
        let y = self.y;
        self.draw(Item::Image { x, y, w, h, image });
        self.y += h;
    }

    /// Column widths and line metrics of a table on this layout.
    fn grid(&self, t: &TableSpec<'_>) -> Grid {
        let total: f32 = t.widths.iter().sum::<f32>().max(f32::EPSILON);
        Grid {
            cols: t.widths.iter().map(|w| w / total * self.width()).collect(),
            size: t.size,
            pad: t.size * 0.35,
            leading: t.size * 1.35,
        }
    }

    /// The height of a table's header and first row: what must fit below a caption.
    pub fn table_start(&self, t: &TableSpec<'_>) -> f32 {
        let g = self.grid(t);
        g.height(&g.lines(t.header)) + t.rows.first().map_or(0.0, |r| g.height(&g.lines(r)))
    }

    /// A ruled table; rows wrap within their cells, the header repeats on every page.
    pub fn table(&mut self, t: &TableSpec<'_>) {
        let g = self.grid(t);
        let (cols, pad, leading) = (&g.cols, g.pad, g.leading);
        let cell_lines = |row: &[String]| g.lines(row);
        let height = |lines: &[Vec<String>]| g.height(lines);
        let header = cell_lines(t.header);
        let header_h = height(&header);
        let draw_row = |me: &mut Layout, lines: &[Vec<String>], h: f32, head: bool| {
            let y0 = me.y;
            if head {
                me.draw(Item::Rect {
                    x: me.left,
                    y: y0,
                    w: me.width(),
                    h,
                    fill: (0xEE, 0xF2, 0xF6),
                });
            }
            let mut x = me.left;
            for (i, (cell, w)) in lines.iter().zip(cols).enumerate() {
                let numeric = !head && t.numeric.get(i).copied().unwrap_or(false);
                for (k, line) in cell.iter().enumerate() {
                    let baseline = y0 + pad + leading * k as f32 + (leading + t.size * 0.7) / 2.0;
                    let lx = if numeric {
                        x + w - pad - text_width(line, t.size)
                    } else {
                        x + pad
                    };
                    me.draw(Item::Text {
                        x: lx,
                        y: baseline,
                        size: t.size,
                        bold: head,
                        color: INK,
                        text: line.clone(),
                    });
                }
                x += w;
            }
            me.draw(Item::Line {
                x1: me.left,
                y1: y0 + h,
                x2: me.right,
                y2: y0 + h,
                width: 0.5,
                color: RULE,
            });
            me.y += h;
        };
        let top_rule = |me: &mut Layout| {
            let (l, r, y) = (me.left, me.right, me.y);
            me.draw(Item::Line {
                x1: l,
                y1: y,
                x2: r,
                y2: y,
                width: 1.0,
                color: INK,
            });
        };
        self.need(header_h * 2.0);
        top_rule(self);
        draw_row(self, &header, header_h, true);
        for row in t.rows {
            let lines = cell_lines(row);
            let h = height(&lines);
            if self.y + h > self.bottom {
                self.new_page();
                top_rule(self);
                draw_row(self, &header, header_h, true);
            }
            draw_row(self, &lines, h, false);
        }
        self.y += t.size;
    }

    /// Draws every page, with `footer(page, pages)` centred at `footer_y` (points from
    /// the top) on each, and returns the PDF.
    pub fn finish(
        self,
        title: &str,
        lang: &str,
        footer: impl Fn(usize, usize) -> String,
        footer_y: f32,
        footer_size: f32,
    ) -> Result<Vec<u8>, PdfError> {
        let bytes: Arc<dyn AsRef<[u8]> + Send + Sync> = Arc::new(crate::fonts::CJK);
        let font = Font::new(krilla::Data::from(bytes), 0).ok_or(PdfError::Font)?;
        let f = metrics().ok_or(PdfError::Font)?;
        let images: Vec<Image> = self
            .images
            .into_iter()
            .map(|png| Image::from_png(png.into(), true).map_err(PdfError::Image))
            .collect::<Result<_, _>>()?;
        let mut doc = Document::new();
        doc.set_metadata(
            krilla::metadata::Metadata::new()
                .title(title.to_string())
                .language(lang.to_string())
                .creator("minyi".to_string()),
        );
        let pages = self.pages.len();
        let settings = || PageSettings::from_wh(A4.0, A4.1).ok_or(PdfError::Write("A4".into()));
        for (i, items) in self.pages.iter().enumerate() {
            let mut page = doc.start_page_with(settings()?);
            let mut s = page.surface();
            for item in items {
                draw_item(&mut s, item, &font, f, &images);
            }
            let label = footer(i + 1, pages);
            if !label.is_empty() {
                let w = text_width(&label, footer_size);
                draw_item(
                    &mut s,
                    &Item::Text {
                        x: (A4.0 - w) / 2.0,
                        y: footer_y,
                        size: footer_size,
                        bold: false,
                        color: INK,
                        text: label,
                    },
                    &font,
                    f,
                    &images,
                );
            }
            s.finish();
            page.finish();
        }
        doc.finish().map_err(|e| PdfError::Write(format!("{e:?}")))
    }
}

fn paint(c: Rgb) -> Fill {
    Fill {
        paint: rgb::Color::new(c.0, c.1, c.2).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

fn draw_item(
    s: &mut krilla::surface::Surface<'_>,
    item: &Item,
    font: &Font,
    f: &FontRef<'_>,
    images: &[Image],
) {
    match item {
        Item::Text {
            x,
            y,
            size,
            bold,
            color,
            text,
        } => {
            // Control characters have no business on a page (and draw as boxes).
            let glyphs: Vec<KrillaGlyph> = text
                .char_indices()
                .filter(|(_, c)| !c.is_control())
                .map(|(i, c)| KrillaGlyph {
                    glyph_id: GlyphId::new(f.glyph_id(c).0 as u32),
                    text_range: i..i + c.len_utf8(),
                    x_advance: advance(f, c),
                    x_offset: 0.0,
                    y_offset: 0.0,
                    y_advance: 0.0,
                    location: None,
                })
                .collect();
            let at = Point::from_xy(*x, *y);
            s.set_fill(Some(paint(*color)));
            s.set_stroke(None);
            s.draw_glyphs(at, &glyphs, font.clone(), text, *size, false);
            if *bold {
                // The font has one weight: bold is the same text outlined a little, drawn
                // as paths so that the text is extracted once. Spaces are left out (their
                // empty outlines would stroke as boxes).
                let mut runs: Vec<(f32, Vec<KrillaGlyph>)> = vec![(*x, Vec::new())];
                let mut pen = *x;
                for g in &glyphs {
                    pen += g.x_advance * size;
                    if text[g.text_range.clone()].chars().all(char::is_whitespace) {
                        runs.push((pen, Vec::new()));
                    } else if let Some(run) = runs.last_mut() {
                        run.1.push(g.clone());
                    }
                }
                s.set_fill(None);
                s.set_stroke(Some(Stroke {
                    paint: rgb::Color::new(color.0, color.1, color.2).into(),
                    width: size * 0.035,
                    ..Default::default()
                }));
                for (rx, run) in runs.iter().filter(|r| !r.1.is_empty()) {
                    let at = Point::from_xy(*rx, *y);
                    s.draw_glyphs(at, run, font.clone(), text, *size, true);
                }
                s.set_stroke(None);
            }
        }
        Item::Rect { x, y, w, h, fill } => {
            if let Some(r) = Rect::from_xywh(*x, *y, *w, *h) {
                let mut pb = PathBuilder::new();
                pb.push_rect(r);
                if let Some(path) = pb.finish() {
                    s.set_fill(Some(paint(*fill)));
                    s.set_stroke(None);
                    s.draw_path(&path);
                }
            }
        }
        Item::Line {
            x1,
            y1,
            x2,
            y2,
            width,
            color,
        } => {
            let mut pb = PathBuilder::new();
            pb.move_to(*x1, *y1);
            pb.line_to(*x2, *y2);
            if let Some(path) = pb.finish() {
                s.set_fill(None);
                s.set_stroke(Some(Stroke {
                    paint: rgb::Color::new(color.0, color.1, color.2).into(),
                    width: *width,
                    ..Default::default()
                }));
                s.draw_path(&path);
                s.set_stroke(None);
            }
        }
        Item::Image { x, y, w, h, image } => {
            if let (Some(img), Some(size)) = (images.get(*image), Size::from_wh(*w, *h)) {
                s.push_transform(&Transform::from_translate(*x, *y));
                s.draw_image(img.clone(), size);
                s.pop();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_words_numbers_and_closing_punctuation_together() {
        let lines = wrap(
            "全市满意度为82.5%（95%置信区间80.1–84.7%），较上一轮提高。",
            16.0,
            160.0,
            0.0,
        );
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(text_width(l, 16.0) <= 160.0 + 0.01, "{l}");
            assert!(!l.starts_with('，') && !l.starts_with('。') && !l.starts_with('）'));
        }
        assert!(lines.concat().contains("82.5%"));
        assert!(lines.iter().any(|l| l.contains("80.1–84.7%")));
        let en = wrap(
            "City-wide satisfaction is 82.5% (95% CI 80.1–84.7%)",
            12.0,
            120.0,
            0.0,
        );
        assert!(en.iter().all(|l| !l.starts_with(' ')));
        assert_eq!(
            en.join(" "),
            "City-wide satisfaction is 82.5% (95% CI 80.1–84.7%)"
        );
    }
}
