//! The PDF briefing (`briefing.pdf`): the same [`Brief`] as the Word file, typeset on
//! the server on the same A4 grid (37/26/35/28 mm margins, 16 pt body on a 29 pt line
//! pitch, page numbers "— 1 —"), in the compiled-in CJK font embedded as a subset.

use super::brief::{Block, Brief};
use super::error::ReportError;
use crate::pdf::{Align, Layout, Style, TableSpec, A4, MM, MUTED};

/// The body's line pitch: 22 lines in the 225 mm text block.
const LINE: f32 = 225.0 * MM / 22.0;

/// The body size at which the title and the findings fit the first page: 三号 (16 pt)
/// when they do, else down to 12 pt. The Word file uses the same.
pub fn summary_size(b: &Brief) -> f32 {
    for size in [16.0, 15.0, 14.0, 13.0] {
        let mut lay = Layout::a4(37.0, 26.0, 35.0, 28.0);
        let front: Vec<&Block> = b
            .blocks
            .iter()
            .take_while(|x| !matches!(x, Block::PageBreak))
            .collect();
        typeset(&mut lay, b, front.into_iter(), size);
        if lay.pages.len() == 1 {
            return size;
        }
    }
    12.0
}

pub fn write(b: &Brief) -> Result<Vec<u8>, ReportError> {
    let mut lay = Layout::a4(37.0, 26.0, 35.0, 28.0);
    let size = summary_size(b);
    let split = b
        .blocks
        .iter()
        .position(|x| matches!(x, Block::PageBreak))
        .unwrap_or(b.blocks.len());
    typeset(&mut lay, b, b.blocks[..split].iter(), size);
    typeset(&mut lay, b, b.blocks[split..].iter(), 16.0);
    lay.finish(
        &b.title,
        b.lang.pick("zh-CN", "en"),
        |page, _| format!("— {page} —"),
        A4.1 - 35.0 * MM + 12.0 * MM,
        14.0,
    )
    .map_err(|e| ReportError::Pdf(e.to_string()))
}

/// Blocks on the layout, body text at `size` (the title and the front matter with
/// the first block).
fn typeset<'b>(lay: &mut Layout, b: &Brief, blocks: impl Iterator<Item = &'b Block>, size: f32) {
    let line = LINE * size / 16.0;
    let body = Style {
        leading: line,
        first_indent: 2.0 * size,
        after: 0.0,
        ..Style::body(size)
    };
    let title = Style {
        size: 22.0,
        bold: true,
        align: Align::Centre,
        leading: LINE * 1.4,
        after: 6.0,
        ..body
    };
    let centred = Style {
        align: Align::Centre,
        first_indent: 0.0,
        ..body
    };
    let small = Style {
        size: 12.0,
        color: MUTED,
        leading: 20.0,
        first_indent: 0.0,
        after: 8.0,
        ..body
    };
    let heading = Style {
        bold: true,
        after: 0.0,
        ..body
    };
    let caption = Style {
        size: 14.0,
        bold: true,
        align: Align::Centre,
        leading: 24.0,
        first_indent: 0.0,
        after: 10.0,
        ..body
    };
    let centred = Style {
        size: 16.0,
        leading: LINE,
        ..centred
    };
    if lay.pages.len() == 1 && lay.pages[0].is_empty() {
        lay.paragraph(&b.title, &title);
        lay.paragraph(&b.dateline, &centred);
        lay.paragraph(&b.basis, &small);
    }
    for block in blocks {
        match block {
            Block::Heading(t) => {
                // A heading never ends a page.
                lay.need(line * 3.0);
                lay.paragraph(t, &heading);
            }
            Block::Para(t) => lay.paragraph(t, &body),
            Block::Finding(i, t) => lay.paragraph(&format!("{i}. {t}"), &body),
            Block::Note(t) => lay.paragraph(t, &small),
            Block::Figure {
                png,
                width,
                height,
                caption: c,
            } => {
                let max_h = lay.bottom - lay.top - 40.0;
                let w = lay.width();
                let h = (w * *height as f32 / (*width).max(1) as f32).min(max_h);
                lay.need(h + 30.0);
                lay.space(6.0);
                lay.picture(png, *width, *height, max_h);
                lay.space(4.0);
                lay.paragraph(c, &caption);
            }
            Block::Table(t) => {
                let spec = TableSpec {
                    header: &t.header,
                    rows: &t.rows,
                    widths: &t.widths,
                    numeric: &t.numeric,
                    size: 10.5,
                };
                // The caption stays with the table's header and first row.
                lay.need(caption.leading + caption.after + lay.table_start(&spec) + 4.0);
                lay.paragraph(&t.caption, &caption);
                lay.table(&spec);
            }
            Block::PageBreak => lay.new_page(),
        }
    }
}
