//! All integration tests, compiled as one binary (one link step on a 2-core machine).

mod common;

/// The JSON intake API.
mod api;
/// What a 等保 2.0 assessment checks: idle sessions, password rules, the audit chain,
/// file modes, HTTPS cookies, no inline script.
mod assessment;
/// Mangled definitions, garbage forms and JSON: clear 4xx, no panics, nothing stored.
mod bad_input;
/// Headless Chromium: a resident on a phone, an officer's dashboard updating live.
mod browser;
/// Briefing charts from fixed estimates.
mod charts;
/// `minyi check` and the definition validator on broken files.
mod definitions;
/// The Word and PDF briefing, the one-page summary, the posters PDF.
mod documents;
/// Files as Excel saves them: GBK, UTF-8 with BOM, UTF-16 text.
mod excel_files;
/// Office pages at a million read sums and indexes: the same figures as every row.
mod fast_paths;
/// kill -9 under load: nothing acknowledged is lost, the file stays sound.
mod fault;
/// The household sample's estimates: design weights, never pooled, the gap.
mod household_estimates;
/// The intake under pressure: forged addresses, crowds, scripts, spreadsheets,
/// personal data, a failing writer; durability, health checks, backups.
mod integrity;
/// One-time invitation codes for household sampling.
mod invites;
/// The module map: no import circles, Rocket and Diesel in their layers.
mod layering;
/// The rectification ledger: items, states, roles, judged by the next wave.
mod ledger;
/// The office dashboard: roles on every page and download, CSRF, audit, interviews.
mod office;
/// The database away and back: PostgreSQL cut by a proxy, a full disk, restore drills,
/// the shared cookie key.
mod outage;
/// Places as data: the hierarchy, its checks, residence against collection point.
mod places;
/// Personal data as residents type it: the corpus, generated variants, the intake.
mod privacy;
/// `minyi serve` as a child process and raw HTTP to it.
mod process;
/// QR codes decode to the right links; the CLI writes them.
mod qr;
/// Quality flags: set at submission, excluded from estimates, counted.
mod quality;
/// The resident's path through the HTML questionnaire.
mod questionnaire;
/// The briefing pack: files, workbook read back, summary.
mod report;
mod sae;
/// The household sample: the draw's probabilities, the phone's items, the office's
/// pages by role, call-backs.
mod sampling;
/// `minyi stats` and `minyi plan` from the command line.
mod stats_cli;
/// Properties of weights, intervals and estimates on random data (proptest).
mod stats_props;
/// Statistics against R's survey package (fixtures with the R script that made them).
mod stats_r;
/// Storage guarantees: append-only, export shape.
mod storage;
/// Aggregates (the dashboard's and the pack's input) give the row path's figures.
mod tally;
/// A rate against its target: one rule, the same words in every output.
mod targets;
