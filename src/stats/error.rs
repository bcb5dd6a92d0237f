//! The statistics engine's one error type.

#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    #[error("the design is clustered by `{0}` ([weighting] cluster), but the responses have no such column; use collection_community, community, grid or a column of the responses CSV")]
    NoClusterColumn(String),
    #[error("the design weights are read from column `{0}` ([weighting] design_weight), but the responses have no such column; name the column that holds each respondent's design weight")]
    NoDesignWeightColumn(String),
    #[error("design weight `{1}` in column `{0}` is not a positive number; every respondent of a probability sample needs a weight above 0 (the inverse of their chance of selection)")]
    BadDesignWeight(String, String),
    #[error("{empty} of {rows} rows have no design weight in column `{column}`; a probability sample's rows all have one: estimate the rows with weights apart (minyi stats --sample household) or fill the column")]
    PartialDesignWeights {
        column: String,
        empty: usize,
        rows: usize,
    },
    #[error("no respondents in {} census cell(s) where the census counts people:\n{}\n{fix}", .cells.len(), list_empty(.cells))]
    EmptyCells {
        /// Every empty cell, grouped by district (as R's `postStratify` lists them).
        cells: Vec<EmptyCell>,
        fix: String,
    },
    #[error("the census population of {cell} is zero; weighting needs a positive population: merge the cell with a neighbour")]
    ZeroPopulation { cell: String },
    #[error("district {0} has no respondents, so the census cannot be matched there; collect responses in {0}, or use --weighting base to estimate the districts that have answered")]
    EmptyDistrict(String),
    #[error("{0} respondent(s) have no answer to weighting variable `{1}`; weighting to the census needs it: use --weighting base, or drop those rows")]
    MissingWeightingVariable(usize, String),
    #[error(
        "--weighting {0} needs a census: add [weighting] to the definition or pass --census FILE"
    )]
    NoCensus(&'static str),
    #[error("level {0} is not a confidence level; use e.g. 0.90, 0.95 or 0.99")]
    Level(f64),
    #[error("--trim {0},{1}: bounds must satisfy 0 < LOW < 1 < HIGH (multiples of the mean weight), e.g. 0.4,2.5")]
    Trim(f64, f64),
    #[error("no rows to analyse")]
    Empty,
    #[error("`{0}` cannot be split on aggregated responses (places, wave, channel and the weighting variables can); use minyi stats on the responses file for it")]
    NotOnAggregates(String),
}

/// A census cell (or raking margin cell) with people and no respondents.
#[derive(Debug, Clone, PartialEq)]
pub struct EmptyCell {
    pub district: String,
    /// "age_band 18-29 × sex M", or for a raking margin "age_band 18-29".
    pub cell: String,
    /// Respondents and census population of the whole district.
    pub district_respondents: f64,
    pub district_population: f64,
}

/// The empty cells as lines, one per district: its respondents and population, then
/// its empty cells.
pub fn list_empty(cells: &[EmptyCell]) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut i = 0;
    while i < cells.len() {
        let d = &cells[i];
        let same: Vec<&str> = cells[i..]
            .iter()
            .take_while(|c| c.district == d.district)
            .map(|c| c.cell.as_str())
            .collect();
        lines.push(format!(
            "  district {} ({} respondents, population {}): {}",
            d.district,
            d.district_respondents,
            d.district_population,
            same.join("; ")
        ));
        i += same.len();
    }
    lines.join("\n")
}
