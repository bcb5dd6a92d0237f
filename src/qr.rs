//! QR codes for posters: the questionnaire link of one place, with the place's name
//! printed under the code so a poster cannot be hung in the wrong community unnoticed.
//! Pure: returns bytes and strings; callers decide where they go.

use ab_glyph::{point, Font, FontRef, PxScale, ScaleFont};
use image::{GrayImage, ImageEncoder, Luma};
use qrcode::{EcLevel, QrCode};

use crate::definition::{Lang, Survey};

use crate::fonts::CJK as FONT_BYTES;

#[derive(Debug, thiserror::Error)]
pub enum QrError {
    #[error("the link is too long for a QR code ({0} bytes); use a shorter base_url or codes")]
    TooLong(usize),
    #[error("cannot encode PNG: {0}")]
    Png(String),
    #[error("the embedded font is unreadable: {0}")]
    Font(String),
    #[error("cannot write the posters PDF: {0}")]
    Pdf(String),
}

/// One place that gets a code.
#[derive(Debug, Clone)]
pub struct Place {
    pub district: String,
    pub community: Option<String>,
    /// "新城区 · 幸福里社区" — printed under the code.
    pub label: String,
    pub url: String,
    /// File stem: `district` or `district_community`.
    pub stem: String,
}

/// The questionnaire link of a place: `{base_url}/s/{survey}/{district}[/{community}]`.
pub fn link(base_url: &str, survey: &str, district: &str, community: Option<&str>) -> String {
    let base = base_url.trim_end_matches('/');
    match community {
        Some(c) => format!("{base}/s/{survey}/{district}/{c}"),
        None => format!("{base}/s/{survey}/{district}"),
    }
}

/// Every collection point of a survey: each district, then its communities (each
/// followed by its grids) and its other poster points.
pub fn places(survey: &Survey, base_url: &str, lang: Lang) -> Vec<Place> {
    use crate::definition::PointRef;
    survey
        .points()
        .into_iter()
        .map(|p| {
            let d = p.district();
            let street = |c: &crate::definition::Community| {
                c.street
                    .as_ref()
                    .map(|s| format!(" · {}", s.get(lang)))
                    .unwrap_or_default()
            };
            let (label, code) = match p {
                PointRef::District(_) => (d.name.get(lang).to_string(), None),
                PointRef::Community(_, c) => (
                    format!("{}{} · {}", d.name.get(lang), street(c), c.name.get(lang)),
                    Some(c.code.clone()),
                ),
                PointRef::Grid(_, c, g) => (
                    format!(
                        "{}{} · {} · {}",
                        d.name.get(lang),
                        street(c),
                        c.name.get(lang),
                        g.name.get(lang)
                    ),
                    Some(g.code.clone()),
                ),
                PointRef::Point(_, pt) => (
                    format!("{} · {}", d.name.get(lang), pt.name.get(lang)),
                    Some(pt.code.clone()),
                ),
            };
            Place {
                district: d.code.clone(),
                url: link(base_url, &survey.id, &d.code, code.as_deref()),
                stem: code
                    .as_ref()
                    .map_or(d.code.clone(), |c| format!("{}_{c}", d.code)),
                community: code,
                label,
            }
        })
        .collect()
}

/// The place of an image file name, `{stem}.svg` or `{stem}.png` (labels in Chinese).
pub fn find_place(survey: &Survey, base_url: &str, file: &str) -> Option<Place> {
    let (stem, ext) = file.rsplit_once('.')?;
    if ext != "svg" && ext != "png" {
        return None;
    }
    places(survey, base_url, Lang::Zh)
        .into_iter()
        .find(|p| p.stem == stem)
}

/// Every place of a survey (of one district, when given) with its code alone as SVG,
/// for the printable posters.
pub fn poster_codes(
    survey: &Survey,
    base_url: &str,
    district: Option<&str>,
    lang: Lang,
) -> Result<Vec<(Place, String)>, QrError> {
    places(survey, base_url, lang)
        .into_iter()
        .filter(|p| district.is_none_or(|d| p.district == d))
        .map(|p| svg_code(&p).map(|svg| (p, svg)))
        .collect()
}

fn code(url: &str) -> Result<QrCode, QrError> {
    // Level M survives a poster that is a little dirty or creased.
    QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)
        .map_err(|_| QrError::TooLong(url.len()))
}

fn escape_xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An SVG with the code and the place name under it.
pub fn svg(place: &Place) -> Result<String, QrError> {
    svg_with(&place.url, &place.label, true)
}

/// The code alone (posters print the place name in their own type).
pub fn svg_code(place: &Place) -> Result<String, QrError> {
    svg_with(&place.url, &place.label, false)
}

/// The code of any text (an authenticator app's enrolment), `label` read out by
/// screen readers.
pub fn svg_of(text: &str, label: &str) -> Result<String, QrError> {
    svg_with(text, label, false)
}

/// A font size at which `label` fits `width` (CJK glyphs are 1 em wide, others about
/// 0.6 em), at most 26.
fn fit_font(label: &str, width: usize) -> usize {
    let ems: f64 = label
        .chars()
        .map(|c| if c.is_ascii() { 0.6 } else { 1.0 })
        .sum();
    if ems <= 0.0 {
        return 26;
    }
    ((width as f64 - 16.0) / ems).floor().clamp(10.0, 26.0) as usize
}

fn svg_with(url: &str, label_text: &str, with_label: bool) -> Result<String, QrError> {
    let code = code(url)?;
    let w = code.width();
    let quiet = 4;
    let module = 8;
    let side = (w + 2 * quiet) * module;
    let text_h = if with_label { 56 } else { 0 };
    let mut path = String::new();
    for y in 0..w {
        for x in 0..w {
            if code[(x, y)] == qrcode::Color::Dark {
                path.push_str(&format!(
                    "M{} {}h{m}v{m}h-{m}z",
                    (x + quiet) * module,
                    (y + quiet) * module,
                    m = module
                ));
            }
        }
    }
    let label = escape_xml(label_text);
    let text = if with_label {
        format!(
            r##"<text x="{cx}" y="{ty}" font-family="Noto Sans SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif" font-size="{fs}" text-anchor="middle" fill="#000">{label}</text>"##,
            cx = side / 2,
            ty = side + 30,
            fs = fit_font(label_text, side),
        )
    } else {
        String::new()
    };
    Ok(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{side}" height="{h}" viewBox="0 0 {side} {h}" role="img" aria-label="{label}"><title>{label}</title><rect width="100%" height="100%" fill="#fff"/><path fill="#000" d="{path}"/>{text}</svg>"##,
        h = side + text_h,
    ))
}

/// A PNG with the code and the place name drawn in the embedded font.
pub fn png(place: &Place) -> Result<Vec<u8>, QrError> {
    let code = code(&place.url)?;
    let qr: GrayImage = code
        .render::<Luma<u8>>()
        .quiet_zone(true)
        .module_dimensions(10, 10)
        .build();
    let font = FontRef::try_from_slice(FONT_BYTES).map_err(|e| QrError::Font(e.to_string()))?;
    let mut size = 34.0f32;
    let margin = 16u32;
    // Shrink long community names until they fit the code's width.
    while text_width(&font, size, &place.label) > (qr.width() - 2 * margin) as f32 && size > 12.0 {
        size -= 1.0;
    }
    let text_h = (size * 1.8) as u32;
    let (w, h) = (qr.width(), qr.height() + text_h);
    let mut img = GrayImage::from_pixel(w, h, Luma([255]));
    image::imageops::replace(&mut img, &qr, 0, 0);
    draw_text(
        &mut img,
        &font,
        size,
        &place.label,
        qr.height() + (size * 0.2) as u32,
    );
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(img.as_raw(), w, h, image::ExtendedColorType::L8)
        .map_err(|e| QrError::Png(e.to_string()))?;
    Ok(out)
}

/// Width in pixels of one line of text at `size`.
fn text_width(font: &FontRef<'_>, size: f32, text: &str) -> f32 {
    let f = font.as_scaled(PxScale::from(size));
    text.chars().map(|c| f.h_advance(f.glyph_id(c))).sum()
}

/// Draws one centred line of text with its top at `top`.
fn draw_text(img: &mut GrayImage, font: &FontRef<'_>, size: f32, text: &str, top: u32) {
    let scaled = font.as_scaled(PxScale::from(size));
    let mut x = ((img.width() as f32 - text_width(font, size, text)) / 2.0).max(0.0);
    let baseline = top as f32 + scaled.ascent();
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        let glyph = id.with_scale_and_position(PxScale::from(size), point(x, baseline));
        x += scaled.h_advance(id);
        if let Some(outline) = font.outline_glyph(glyph) {
            let b = outline.px_bounds();
            outline.draw(|gx, gy, cov| {
                let px = b.min.x as i64 + gx as i64;
                let py = b.min.y as i64 + gy as i64;
                if px >= 0 && py >= 0 && (px as u32) < img.width() && (py as u32) < img.height() {
                    let p = img.get_pixel_mut(px as u32, py as u32);
                    let ink = (cov.clamp(0.0, 1.0) * 255.0) as u8;
                    p.0[0] = p.0[0].min(255 - ink);
                }
            });
        }
    }
}

/// Printable posters as one PDF, one A4 page per place: the survey's title, the place,
/// the code (drawn as vector squares, sharp at any print size), the invitation, the
/// link and the privacy line. The same text as the HTML posters.
pub fn posters_pdf(survey: &Survey, places: &[Place], lang: Lang) -> Result<Vec<u8>, QrError> {
    use crate::pdf::{Align, Item, Layout, Style, MM, MUTED};
    let l = lang;
    let mut lay = Layout::a4(20.0, 15.0, 15.0, 15.0);
    let centred = |size: f32, bold: bool| Style {
        bold,
        align: Align::Centre,
        leading: size * 1.45,
        after: size * 0.5,
        ..Style::body(size)
    };
    for (i, p) in places.iter().enumerate() {
        if i > 0 {
            lay.new_page();
        }
        lay.space(10.0 * MM);
        lay.paragraph(survey.title.get(l), &centred(26.0, true));
        lay.space(6.0 * MM);
        lay.paragraph(&p.label, &centred(24.0, true));
        lay.space(8.0 * MM);
        let qr = code(&p.url)?;
        let w = qr.width();
        // With its quiet zone; the code alone is about 125 mm wide.
        let side = 150.0 * MM;
        let module = side / (w + 8) as f32;
        let x0 = lay.left + (lay.width() - side) / 2.0 + 4.0 * module;
        let y0 = lay.y + 4.0 * module;
        for y in 0..w {
            // One rectangle per run of dark modules in a row.
            let mut x = 0;
            while x < w {
                if qr[(x, y)] != qrcode::Color::Dark {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < w && qr[(x, y)] == qrcode::Color::Dark {
                    x += 1;
                }
                lay.draw(Item::Rect {
                    x: x0 + start as f32 * module,
                    y: y0 + y as f32 * module,
                    w: (x - start) as f32 * module + 0.05,
                    h: module + 0.05,
                    fill: (0, 0, 0),
                });
            }
        }
        lay.space(side + 6.0 * MM);
        lay.paragraph(
            l.pick(
                "请用手机扫码参加，约需5分钟。",
                "Scan with your phone to take part; it takes about 5 minutes.",
            ),
            &centred(20.0, false),
        );
        lay.space(4.0 * MM);
        lay.paragraph(&p.url, &centred(14.0, false));
        lay.space(4.0 * MM);
        lay.paragraph(
            l.pick(
                "本调查匿名进行：不收集姓名、电话，不保存IP地址。答案仅用于统计。",
                "Anonymous: no names or phone numbers are asked and no IP addresses are kept. Answers are used only for statistics.",
            ),
            &Style {
                color: MUTED,
                ..centred(12.0, false)
            },
        );
    }
    let title = format!(
        "{} · {}",
        survey.title.get(l),
        l.pick("二维码海报", "QR posters")
    );
    lay.finish(
        &title,
        l.pick("zh-CN", "en"),
        |_, _| String::new(),
        0.0,
        10.0,
    )
    .map_err(|e| QrError::Pdf(e.to_string()))
}
