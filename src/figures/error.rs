//! What can go wrong making a figure: its statistics, its chart, its workbook.

#[derive(Debug, thiserror::Error)]
pub enum FigureError {
    #[error(transparent)]
    Stats(#[from] crate::stats::StatsError),
    #[error(transparent)]
    Chart(#[from] crate::charts::ChartError),
    #[error("cannot write the workbook: {0}")]
    Xlsx(String),
}
