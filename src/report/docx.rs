//! The Word briefing (`briefing.docx`), laid out as Chinese government documents are
//! (GB/T 9704-2012's habits): A4 with 37/35/28/26 mm margins, a 小标宋 title at 二号,
//! 仿宋 body at 三号 on a 29 pt line grid, 黑体 headings, tables in 宋体 at 五号, and page
//! numbers "— 1 —" in 宋体 at 四号. Everything is editable text and real tables; charts
//! are pictures with captions. The font table names a common font beside each
//! government font (altName), so a machine without 方正小标宋 or 仿宋_GB2312 shows 宋体 and
//! 仿宋 instead of a default.

use docx_rs::{
    AlignmentType, BreakType, Docx, Footer, LineSpacing, LineSpacingType, PageMargin, PageNum,
    Paragraph, Pic, Run, RunFonts, SpecialIndentType, Table, TableCell, TableRow, WidthType,
};

use super::brief::{Block, Brief};
use super::error::ReportError;

const TITLE_FONT: &str = "方正小标宋简体";
const BODY_FONT: &str = "仿宋_GB2312";
const HEADING_FONT: &str = "黑体";
const TABLE_FONT: &str = "宋体";
/// The font table's entries: name, the font Word and WPS use where it is missing, family.
const FONTS: [(&str, &str, &str); 4] = [
    (TITLE_FONT, "宋体", "roman"),
    (BODY_FONT, "仿宋", "modern"),
    (HEADING_FONT, "SimHei", "modern"),
    (TABLE_FONT, "SimSun", "roman"),
];

/// Sizes in half-points: 二号 22 pt, 三号 16 pt, 四号 14 pt, 五号 10.5 pt.
const ERHAO: usize = 44;
const SANHAO: usize = 32;
const SIHAO: usize = 28;
const WUHAO: usize = 21;
/// The body's line pitch: 22 lines in the 225 mm text block, in twips.
const LINE: i32 = 579;
/// Millimetres in twips and in EMU.
const TWIP_MM: f64 = 56.693;
const EMU_MM: f64 = 36_000.0;
/// The text block's width: 210 − 28 − 26 mm.
const TEXT_MM: f64 = 156.0;

fn fonts(east_asia: &str) -> RunFonts {
    RunFonts::new()
        .east_asia(east_asia)
        .ascii("Times New Roman")
        .hi_ansi("Times New Roman")
}

fn run(text: &str, font: &str, size: usize) -> Run {
    Run::new().add_text(text).fonts(fonts(font)).size(size)
}

fn exact(line: i32) -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Exact)
        .line(line)
}

fn body(text: &str) -> Paragraph {
    body_at(text, SANHAO, LINE)
}

/// Body text at `size` half-points on a `line` twip pitch, first line indented two
/// characters.
fn body_at(text: &str, size: usize, line: i32) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, BODY_FONT, size))
        .line_spacing(exact(line))
        .indent(
            None,
            Some(SpecialIndentType::FirstLine(size as i32 * 20)),
            None,
            None,
        )
        .align(AlignmentType::Both)
}

fn caption(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, HEADING_FONT, SIHAO))
        .align(AlignmentType::Center)
        .line_spacing(exact(LINE))
        .keep_next(false)
}

fn table(t: &super::brief::Table) -> Table {
    let total: f32 = t.widths.iter().sum::<f32>().max(f32::EPSILON);
    let grid: Vec<usize> = t
        .widths
        .iter()
        .map(|w| (w / total * (TEXT_MM * TWIP_MM) as f32) as usize)
        .collect();
    let cell = |text: &str, width: usize, right: bool, head: bool| {
        let mut r = run(text, if head { HEADING_FONT } else { TABLE_FONT }, WUHAO);
        if head {
            r = r.bold();
        }
        TableCell::new().width(width, WidthType::Dxa).add_paragraph(
            Paragraph::new()
                .add_run(r)
                .align(if right {
                    AlignmentType::Right
                } else {
                    AlignmentType::Left
                })
                .line_spacing(
                    LineSpacing::new()
                        .line(240)
                        .line_rule(LineSpacingType::Auto),
                ),
        )
    };
    let mut rows = vec![TableRow::new(
        t.header
            .iter()
            .zip(&grid)
            .map(|(h, w)| cell(h, *w, false, true))
            .collect(),
    )];
    for row in &t.rows {
        rows.push(TableRow::new(
            row.iter()
                .zip(&grid)
                .enumerate()
                .map(|(i, (c, w))| cell(c, *w, t.numeric.get(i).copied().unwrap_or(false), false))
                .collect(),
        ));
    }
    Table::new(rows).set_grid(grid)
}

/// The briefing as a .docx file.
/// The briefing as a .docx file; the findings at `summary_size` points (the size at
/// which the PDF fits them on the first page).
pub fn write(b: &Brief, summary_size: f32) -> Result<Vec<u8>, ReportError> {
    let half_points = (summary_size * 2.0).round() as usize;
    let pitch = (LINE as f32 * summary_size / 16.0) as i32;
    let mut d = Docx::new()
        .page_size(11906, 16838)
        .page_margin(
            PageMargin::new()
                .top((37.0 * TWIP_MM) as i32)
                .bottom((35.0 * TWIP_MM) as i32)
                .left((28.0 * TWIP_MM) as i32)
                .right((26.0 * TWIP_MM) as i32)
                .footer((28.0 * TWIP_MM) as i32)
                .header((15.0 * TWIP_MM) as i32),
        )
        .default_fonts(fonts(BODY_FONT))
        .default_size(SANHAO)
        .footer(
            Footer::new().add_paragraph(
                Paragraph::new()
                    .align(AlignmentType::Center)
                    .add_run(run("— ", TABLE_FONT, SIHAO))
                    .add_page_num(PageNum::new())
                    .add_run(run(" —", TABLE_FONT, SIHAO)),
            ),
        );
    d = d
        .add_paragraph(
            Paragraph::new()
                .add_run(run(&b.title, TITLE_FONT, ERHAO))
                .align(AlignmentType::Center)
                .line_spacing(exact(LINE * 3 / 2).after(240)),
        )
        .add_paragraph(
            Paragraph::new()
                .add_run(run(&b.dateline, BODY_FONT, SANHAO))
                .align(AlignmentType::Center)
                .line_spacing(exact(LINE)),
        )
        .add_paragraph(
            Paragraph::new()
                .add_run(run(&b.basis, BODY_FONT, SIHAO))
                .align(AlignmentType::Both)
                .line_spacing(exact(LINE * 9 / 10).after(240)),
        );
    for block in &b.blocks {
        d = match block {
            Block::Heading(t) => d.add_paragraph(
                Paragraph::new()
                    .add_run(run(t, HEADING_FONT, SANHAO))
                    .line_spacing(exact(LINE))
                    .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
                    .keep_next(true),
            ),
            Block::Para(t) => d.add_paragraph(body(t)),
            Block::Finding(i, t) => {
                d.add_paragraph(body_at(&format!("{i}. {t}"), half_points, pitch))
            }
            Block::Note(t) => d.add_paragraph(
                Paragraph::new()
                    .add_run(run(t, BODY_FONT, SIHAO))
                    .line_spacing(exact(LINE * 9 / 10)),
            ),
            Block::Figure {
                png,
                width,
                height,
                caption: c,
            } => {
                let w_mm = TEXT_MM;
                let h_mm = (w_mm * *height as f64 / (*width).max(1) as f64).min(200.0);
                let w_mm = h_mm * *width as f64 / (*height).max(1) as f64;
                let pic = Pic::new_with_dimensions(png.clone(), width * 2, height * 2)
                    .size((w_mm * EMU_MM) as u32, (h_mm * EMU_MM) as u32);
                d.add_paragraph(
                    Paragraph::new()
                        .add_run(Run::new().add_image(pic))
                        .align(AlignmentType::Center)
                        .keep_next(true),
                )
                .add_paragraph(caption(c))
            }
            Block::Table(t) => d
                .add_paragraph(caption(&t.caption).keep_next(true))
                .add_table(table(t))
                .add_paragraph(Paragraph::new()),
            Block::PageBreak => {
                d.add_paragraph(Paragraph::new().add_run(Run::new().add_break(BreakType::Page)))
            }
        };
    }
    let mut out = std::io::Cursor::new(Vec::new());
    d.build()
        .pack(&mut out)
        .map_err(|e| ReportError::Zip(e.to_string()))?;
    with_font_fallbacks(&out.into_inner())
}

/// Adds the government fonts to the font table, each with the common font to use
/// where it is missing.
fn with_font_fallbacks(docx: &[u8]) -> Result<Vec<u8>, ReportError> {
    use std::io::{Read, Write};
    let zerr = |e: &dyn std::fmt::Display| ReportError::Zip(e.to_string());
    let mut zin = ::zip::ZipArchive::new(std::io::Cursor::new(docx)).map_err(|e| zerr(&e))?;
    let mut zout = ::zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = ::zip::write::SimpleFileOptions::default()
        .compression_method(::zip::CompressionMethod::Deflated);
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).map_err(|e| zerr(&e))?;
        let name = f.name().map_err(|e| zerr(&e))?.to_string();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).map_err(|e| zerr(&e))?;
        if name == "word/fontTable.xml" {
            let xml = String::from_utf8_lossy(&bytes);
            let entries: String = FONTS
                .iter()
                .map(|(name, alt, family)| {
                    format!(
                        r#"<w:font w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/><w:family w:val="{family}"/><w:pitch w:val="variable"/></w:font>"#
                    )
                })
                .collect();
            bytes = xml
                .replacen("</w:fonts>", &format!("{entries}</w:fonts>"), 1)
                .into_bytes();
        }
        zout.start_file(name.as_str(), opts).map_err(|e| zerr(&e))?;
        zout.write_all(&bytes).map_err(|e| zerr(&e))?;
    }
    Ok(zout.finish().map_err(|e| zerr(&e))?.into_inner())
}
