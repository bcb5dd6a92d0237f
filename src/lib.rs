//! minyi (民意): public satisfaction and awareness polls for a city.
//!
//! The pipeline, one module per room: `definition` (survey files) → `qr` (poster codes)
//! → `web` (questionnaire) → `collect` + `answers` (checking a response) → `storage`
//! (append-only responses) → `export` (the CSV that `stats` reads). See ARCHITECTURE.md.

pub mod accounts;
pub mod answers;
pub mod charts;

pub mod collect;
pub mod config;
pub mod dashboard;
pub mod dataset;
pub mod definition;
pub mod demo;
pub mod encoding;
pub mod export;
pub mod figures;
pub mod fonts;
pub mod households;
pub mod invites;
pub mod labels;
pub mod ledger;
pub mod pdf;
pub mod privacy;
pub mod qr;
pub mod quality;
pub mod report;
pub mod sampling;
pub mod stats;
pub mod storage;
pub mod synth;
pub mod web;
pub mod words;
