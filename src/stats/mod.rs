//! The statistics engine: calibrated weights, per-domain rates and means with
//! linearization standard errors, design effects and confidence intervals — the numbers
//! R's `survey` package gives (see `tests/r/`), for the whole city in well under a second.
//!
//! Pure: no web, no database, no files. Input is a [`Dataset`] of coded answers (made by
//! `crate::dataset` from a CSV or from storage) and the survey definition.

// Cells, strata and groups live in parallel arrays indexed together; index loops say so.
#![allow(clippy::needless_range_loop)]

mod analyse;
mod cells;
pub mod communities;
mod compare;
mod data;
mod domains;
mod error;
mod indicators;
mod results;

pub mod aapor;
pub mod design;
pub mod estimate;
pub mod groups;
pub mod interval;
pub mod pace;
pub mod pairs;
pub mod plan;
pub mod sae;
pub mod tally;
pub mod target;

pub use analyse::{analyse, interval_input};
pub use cells::{build_design, psu_rows, CellFrame, Census};
pub use compare::{compare, compare_waves, independent_difference, sample_gap, Difference};
pub use data::{sort_waves, Column, Dataset, Exclusions, MISSING, NONE};
pub use design::{Design, RakeControl, RakeReport, Weighting};
pub use domains::{domain_var, street_groups, DomainVar, PLACE_DOMAINS};
pub use error::StatsError;
pub use indicators::{indicators, Indicator};
pub use interval::Method;
pub use plan::{EstimateKind, Flag, FlagRules, ScorePreset};
pub use results::{is_rate, Estimate, ModelEstimate, Options, Report};
pub use target::{Rate, TargetState, TargetStatus};
