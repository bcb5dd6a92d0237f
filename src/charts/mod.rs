//! Briefing charts drawn with plotters, each as SVG and as PNG at twice the size for
//! slides. Chinese labels by default; the CJK font is compiled in (see `fonts::CJK`)
//! so PNGs draw glyphs on machines without fonts. Pure: figures in, bytes out.
//!
//! Every chart is drawn by one function over a [`Painter`] in logical pixels; the same
//! function paints the SVG and the 2× bitmap, so the two cannot disagree.

mod draw;
mod kinds;
pub mod map;
pub mod palette;

pub use draw::{render, Align, Chart, ChartError, Draw, Frame, Painter};
pub use kinds::*;
pub use map::{outlines_svg, MapArea, MapChart};
