//! What every output shows — the dashboard, the web pages, the command line and the
//! briefing pack: one builder per kind of figure, as a chart (`charts`) and as a table
//! (`tables`), the residents' themes (`voices`), how the figures were collected
//! (`basis`) and the household sample's estimates (`household`). Pure: estimates in, charts and cells out; no database, no HTTP. The pack
//! (`report`) and the dashboard both build on this, so they cannot show a figure two
//! ways.

mod basis;
mod charts;
mod error;
mod household;
mod tables;
mod voices;

pub use basis::{collection_text, modes_of};
pub use charts::{
    chart_subtitle, headline_questions, heat_chart, likert_chart, likert_rows, map_chart,
    pace_chart, progress_chart, rate_chart, reach, reach_chart, MapLevel,
};
pub use error::FigureError;
pub use household::{
    convenience_rows, gap_table, household_options, household_report, household_rows, rate_gap,
};
pub use tables::{
    cell_text, dimension_rates, needed_for, place_table, table_workbook, write_table, Cell, Table,
};
pub use voices::{voices_table, Voices};
