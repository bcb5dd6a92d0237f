//! The briefing pack: charts (PNG + SVG), an XLSX workbook, CSV tables and a
//! self-contained HTML report with a generated summary, from a survey's responses.
//! No web and no database: the caller hands in the aggregated responses (a
//! `Tally`) and a directory, so the pack's memory and time do not grow with the
//! number of responses.
//!
//! Rooms: `model` (what the pack is made from and what it computed), `pack` (the
//! stages that build it), `findings` (the one-page summary, chosen by rule), `html`,
//! `xlsx`, `brief` (one document model) typeset by `docx` and `pdf`. What the pack
//! shows comes from `crate::figures`, as the dashboard's does.

mod brief;
mod docx;
mod error;
pub mod findings;
mod html;
mod model;
mod pack;
mod pdf;
mod xlsx;

pub use error::ReportError;
pub use model::{Change, HouseholdPack, LedgerPack, Pack, PackInput};
pub use pack::{build, build_file, build_zip};
