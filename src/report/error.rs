//! The pack's one error type.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Stats(#[from] crate::stats::StatsError),
    #[error(transparent)]
    Chart(#[from] crate::charts::ChartError),
    #[error(transparent)]
    Figure(#[from] crate::figures::FigureError),
    #[error(transparent)]
    Export(#[from] crate::export::ExportError),
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the workbook: {0}")]
    Xlsx(String),
    #[error("cannot write the ZIP archive: {0}")]
    Zip(String),
    #[error("cannot write the PDF: {0}")]
    Pdf(String),
    #[error("wave {0} has no responses; the data have waves {1}")]
    NoWave(String, String),
    #[error("wave {wave} has no responses that count: all {flagged} are flagged (too fast, straight-lined, bursts, repeated patterns or superseded); the quality panel says why; keep them with --include-flagged")]
    NothingCounted { wave: String, flagged: usize },
}
