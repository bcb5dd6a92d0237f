//! The dashboard's one error type.

use crate::collect::Channel;
use crate::storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Dataset(#[from] crate::dataset::DatasetError),
    #[error(transparent)]
    Report(#[from] crate::report::ReportError),
    #[error(transparent)]
    Chart(#[from] crate::charts::ChartError),
    #[error(transparent)]
    Figure(#[from] crate::figures::FigureError),
    #[error(transparent)]
    Export(#[from] crate::export::ExportError),
    #[error(transparent)]
    Household(#[from] crate::households::HouseholdError),
    #[error(transparent)]
    Qr(#[from] crate::qr::QrError),
    #[error("this survey has no complete responses yet; the briefing pack needs some")]
    NoResponses,
    #[error("no chart `{0}`: it needs responses first (a map needs place outlines in the definition), or the name is wrong (rate_QUESTION.svg, map_QUESTION.svg, heat.svg, progress.svg, likert.svg; .png for the 2× image)")]
    NoChart(String),
    #[error("no download `{0}`; use responses.csv, responses.xlsx, weak_spots.csv, weak_spots.xlsx, pack.zip (city) or qr.zip")]
    NoFile(String),
    #[error("by=`{0}` is not supported; use city, district, street, community, grid or collection_community")]
    UnknownDomain(String),
    #[error("sample=`{0}` is not a sample; use convenience (the default: residents who chose to answer) or household (the drawn households' probability sample)")]
    UnknownSample(String),
    #[error("the household sample is estimated for the city and its districts; use by=city or by=district with sample=household")]
    HouseholdDomain,
    #[error("wave `{0}` has no responses; this survey has waves {1}")]
    NoWave(String, String),
    #[error("`{0}` is not a collection point of this survey")]
    UnknownCommunity(String),
    #[error("`{0}` is not a collection mode; use {modes}", modes = Channel::codes())]
    UnknownMode(String),
}
