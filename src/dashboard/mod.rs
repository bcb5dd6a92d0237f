//! What the office dashboard shows, computed from a survey's aggregated responses (a
//! [`Tally`]) with the same statistics as `minyi stats` and `minyi report`, so the
//! dashboard and the briefing pack can never disagree. No HTTP here: the web layer
//! only renders [`Figures`] and decides who may see which part.
//!
//! The tally's size depends on the survey's places and cells, not on its responses:
//! a million responses cost the dashboard what a thousand do. Each survey is brought
//! up to date under its own lock (no request waits on another survey), reading only
//! the rows added since, in pages, and the supersessions; on start it begins from
//! the snapshot saved in the database, checked against the responses.
//!
//! Rooms: `cache` (each survey's aggregates between requests), `view` (the figures
//! of one filter), `api` (them as JSON), `charts`, `district` (a district page below
//! its own figures), `flagged` (the quality panel), `places` (streets, communities,
//! grids, weak spots), `downloads` (the one table of files), `household` (the
//! household probability sample's figures, from its rows, never pooled with the
//! tally's), and the pages that read rows: `funnel`, `interviewers`, `voices`.

mod api;
mod cache;
mod charts;
mod district;
mod downloads;
mod error;
mod file;
mod flagged;
pub mod funnel;
mod household;
pub mod interviewers;
pub mod places;
mod scope;
mod view;
pub mod voices;

pub use api::{estimates, household_estimates, summary, ESTIMATE_DOMAINS};
pub use cache::{load, save_snapshot_now, Cache};
pub use charts::{chart, ChartFile};
pub use district::{distributions, district_view, Distribution, DistrictView};
pub use downloads::{
    download, responses_workbook, write_responses_csv, Download, Entry, Needs, Prepared, DOWNLOADS,
};
pub use error::DashboardError;
pub use file::{Body, File, FileKind};
pub use flagged::{flagged, FlaggedRow, FLAGGED_LISTED};
pub use household::{household_data, household_figures, HouseholdFigures};
pub use scope::{in_district, Scope};
pub use view::{
    figures, preferred_weighting, Counts, Figures, Filter, Loaded, Selection, PLACE_DOMAINS,
};
