//! Briefing charts drawn with plotters, each as SVG and as PNG at twice the size for
//! slides. Chinese labels by default; the CJK font is compiled in (see `fonts::CJK`)
//! so PNGs draw glyphs on machines without fonts. Pure: figures in, bytes out.
//!
//! Every chart is drawn by one function over a [`Painter`] in logical pixels; the same
//! function paints the SVG and the 2× bitmap, so the two cannot disagree.

mod draw;
mod kinds;
pub mod map;

pub use draw::{render, Align, Chart, ChartError, Draw, Frame, Painter};
pub use kinds::*;
pub use map::{MapArea, MapChart};

/// Okabe–Ito colours: distinguishable with colour-blindness, and of different lightness
/// so bars stay apart when printed in greyscale.
pub mod palette {
    pub type Rgb = (u8, u8, u8);
    pub const BLUE: Rgb = (0x00, 0x72, 0xB2);
    pub const SKY: Rgb = (0x56, 0xB4, 0xE9);
    pub const ORANGE: Rgb = (0xE6, 0x9F, 0x00);
    pub const VERMILLION: Rgb = (0xD5, 0x5E, 0x00);
    pub const GREEN: Rgb = (0x00, 0x9E, 0x73);
    pub const PURPLE: Rgb = (0xCC, 0x79, 0xA7);
    pub const YELLOW: Rgb = (0xF0, 0xE4, 0x42);
    pub const GREY: Rgb = (0xBB, 0xBB, 0xBB);
    pub const INK: Rgb = (0x1A, 0x1A, 0x1A);
    pub const MUTED: Rgb = (0x55, 0x55, 0x55);
    pub const RULE: Rgb = (0xDD, 0xDD, 0xDD);
    pub const WHITE: Rgb = (0xFF, 0xFF, 0xFF);
    /// Series colours in order.
    pub const SERIES: [Rgb; 7] = [BLUE, ORANGE, GREEN, VERMILLION, SKY, PURPLE, YELLOW];
}
