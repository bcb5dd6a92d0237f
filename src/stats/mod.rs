//! The statistics engine: calibrated weights, per-domain rates and means with
//! linearization standard errors, design effects and confidence intervals — the numbers
//! R's `survey` package gives (see `tests/r/`), for the whole city in well under a second.
//!
//! Pure: no web, no database, no files. Input is a [`Dataset`] of coded answers (made by
//! `crate::dataset` from a CSV or from storage) and the survey definition.

// Cells, strata and groups live in parallel arrays indexed together; index loops say so.
#![allow(clippy::needless_range_loop)]

pub mod aapor;
pub mod design;
pub mod estimate;
pub mod groups;
pub mod interval;
pub mod pace;
pub mod plan;
pub mod sae;
pub mod tally;
pub mod target;

use serde::Serialize;
use std::collections::BTreeMap;

use crate::definition::{Kind, Question, Survey, DONT_KNOW};
pub use design::{Design, RakeControl, RakeReport, Weighting};
pub use interval::Method;
pub use plan::{FlagRules, ScorePreset};
pub use target::{TargetState, TargetStatus};

#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    #[error("the design is clustered by `{0}` ([weighting] cluster), but the responses have no such column; use collection_community, community, grid or a column of the responses CSV")]
    NoClusterColumn(String),
    #[error("no respondents in {} census cell(s) where the census counts people:\n{}\n{fix}", .cells.len(), design::list_empty(.cells))]
    EmptyCells {
        /// Every empty cell, grouped by district (as R's `postStratify` lists them).
        cells: Vec<design::EmptyCell>,
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

/// Coded answers in columns, one row per complete response.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    /// Index into `Survey::districts` (the resident's district).
    pub district: Vec<u32>,
    /// The resident's community: an index into `Survey::communities()`, [`NONE`] when
    /// not recorded.
    pub community: Vec<u32>,
    /// The resident's grid: an index into `Survey::grids()`, [`NONE`] when not known.
    pub grid: Vec<u32>,
    /// Where the response was collected: an index into `Survey::points()`, [`NONE`]
    /// when not known.
    pub point: Vec<u32>,
    /// Per question id: the answer of every row.
    pub columns: BTreeMap<String, Column>,
    /// Extra columns (e.g. `wave`) kept as text for comparisons.
    pub extra: BTreeMap<String, Vec<String>>,
}

/// One question's answers.
#[derive(Debug, Clone)]
pub enum Column {
    /// Option index (into `Question::options`), `u16::MAX` = missing.
    Choice(Vec<u16>),
    /// Bit set of option indexes, 0 = missing.
    Multi(Vec<u64>),
    /// NaN = missing.
    Number(Vec<f64>),
}

pub const MISSING: u16 = u16::MAX;

/// No place: a community, grid or collection point not recorded.
pub const NONE: u32 = u32::MAX;

impl Dataset {
    /// The rows without quality flags (the `quality_flags` column of an export), and
    /// how many were left out for each flag. Data without that column are unchanged.
    pub fn without_flagged(&self) -> (Dataset, Exclusions) {
        let Some(flags) = self.extra.get("quality_flags") else {
            return (self.clone(), Exclusions::default());
        };
        let mut ex = Exclusions::default();
        let keep: Vec<bool> = flags
            .iter()
            .map(|f| {
                let f = f.trim();
                if f.is_empty() {
                    return true;
                }
                ex.responses += 1;
                for one in f.split(',') {
                    *ex.by_flag.entry(one.trim().to_string()).or_default() += 1;
                }
                false
            })
            .collect();
        (self.filter(&keep), ex)
    }

    /// The rows where `keep` is true.
    pub fn filter(&self, keep: &[bool]) -> Dataset {
        let columns = self
            .columns
            .iter()
            .map(|(k, c)| {
                let c = match c {
                    Column::Choice(v) => Column::Choice(kept(v, keep)),
                    Column::Multi(v) => Column::Multi(kept(v, keep)),
                    Column::Number(v) => Column::Number(kept(v, keep)),
                };
                (k.clone(), c)
            })
            .collect();
        Dataset {
            district: kept(&self.district, keep),
            community: kept(&self.community, keep),
            grid: kept(&self.grid, keep),
            point: kept(&self.point, keep),
            columns,
            extra: self
                .extra
                .iter()
                .map(|(k, v)| (k.clone(), kept(v, keep)))
                .collect(),
        }
    }

    /// Appends the rows of `other`, which has the same columns (both read for the
    /// same survey). Columns only one side has are filled with missing values.
    pub fn append(&mut self, other: Dataset) {
        let (n, m) = (self.len(), other.len());
        self.district.extend(other.district);
        self.community.extend(other.community);
        self.grid.extend(other.grid);
        self.point.extend(other.point);
        let mut theirs = other.columns;
        for (k, c) in self.columns.iter_mut() {
            match (c, theirs.remove(k)) {
                (Column::Choice(a), Some(Column::Choice(b))) => a.extend(b),
                (Column::Multi(a), Some(Column::Multi(b))) => a.extend(b),
                (Column::Number(a), Some(Column::Number(b))) => a.extend(b),
                (Column::Choice(a), _) => a.extend(std::iter::repeat_n(MISSING, m)),
                (Column::Multi(a), _) => a.extend(std::iter::repeat_n(0, m)),
                (Column::Number(a), _) => a.extend(std::iter::repeat_n(f64::NAN, m)),
            }
        }
        for (k, c) in theirs {
            let mut c = c;
            match &mut c {
                Column::Choice(b) => {
                    b.splice(0..0, std::iter::repeat_n(MISSING, n));
                }
                Column::Multi(b) => {
                    b.splice(0..0, std::iter::repeat_n(0, n));
                }
                Column::Number(b) => {
                    b.splice(0..0, std::iter::repeat_n(f64::NAN, n));
                }
            }
            self.columns.insert(k, c);
        }
        let mut extra = other.extra;
        for (k, v) in self.extra.iter_mut() {
            match extra.remove(k) {
                Some(b) => v.extend(b),
                None => v.extend(std::iter::repeat_n(String::new(), m)),
            }
        }
        for (k, mut b) in extra {
            b.splice(0..0, std::iter::repeat_n(String::new(), n));
            self.extra.insert(k, b);
        }
    }

    /// Adds the places of one row (its answers go into `columns` separately).
    pub fn push_place(&mut self, district: u32, community: u32, grid: u32, point: u32) {
        self.district.push(district);
        self.community.push(community);
        self.grid.push(grid);
        self.point.push(point);
    }

    /// The waves in the data (the `wave` column), in numeric order; empty without one.
    pub fn waves(&self) -> Vec<String> {
        let mut waves: Vec<String> = self
            .extra
            .get("wave")
            .map(|w| w.iter().filter(|v| !v.is_empty()).cloned().collect())
            .unwrap_or_default();
        sort_waves(&mut waves);
        waves
    }

    /// The rows of one wave (all rows when the data have no `wave` column).
    pub fn of_wave(&self, wave: &str) -> Dataset {
        match self.extra.get("wave") {
            Some(w) => self.filter(&w.iter().map(|v| v == wave).collect::<Vec<_>>()),
            None => self.clone(),
        }
    }

    pub fn len(&self) -> usize {
        self.district.len()
    }
    pub fn is_empty(&self) -> bool {
        self.district.is_empty()
    }
}

/// Sorts wave labels numerically (non-numbers last) and drops repeats.
pub fn sort_waves(waves: &mut Vec<String>) {
    waves.sort_by_key(|w| (w.parse::<i64>().unwrap_or(i64::MAX), w.clone()));
    waves.dedup();
}

/// The elements of `v` where `keep` is true.
fn kept<T: Clone>(v: &[T], keep: &[bool]) -> Vec<T> {
    v.iter()
        .zip(keep)
        .filter(|(_, k)| **k)
        .map(|(x, _)| x.clone())
        .collect()
}

/// Responses left out of the estimates because of quality flags.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Exclusions {
    pub responses: usize,
    pub by_flag: BTreeMap<String, usize>,
}

/// What to compute.
#[derive(Debug, Clone)]
pub struct Options {
    pub weighting: Weighting,
    /// Trim bounds as multiples of the mean weight.
    pub trim: Option<(f64, f64)>,
    pub method: Method,
    pub level: f64,
    /// Domains besides the city: `district`, `community`, or a weighting/question id.
    pub by: Vec<String>,
    pub rake: RakeControl,
    pub flags: FlagRules,
    pub scores: ScorePreset,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            weighting: Weighting::Rake,
            trim: None,
            method: Method::Logit,
            level: 0.95,
            by: vec!["district".into()],
            rake: RakeControl::default(),
            flags: FlagRules::default(),
            scores: ScorePreset::Linear,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EstimateKind {
    Proportion,
    Mean,
    Index,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Flag {
    Ok,
    Directional,
    Suppress,
}

/// One published figure.
#[derive(Debug, Clone, Serialize)]
pub struct Estimate {
    pub indicator: String,
    pub kind: EstimateKind,
    pub dimension: String,
    pub domain: String,
    pub group: String,
    pub n: f64,
    pub weighted_total: f64,
    pub estimate: f64,
    pub se: f64,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub deff: f64,
    pub n_eff: f64,
    pub df: f64,
    pub flag: Flag,
    /// For a rate with a target: where it stands (see [`target`]).
    pub target_status: Option<TargetStatus>,
    /// For a community's rate, when the small-area model ran: its model estimate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<sae::ModelEstimate>,
}

/// Everything `minyi stats` reports.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub weighting: Weighting,
    pub method: Method,
    pub level: f64,
    pub respondents: usize,
    pub trim: Option<(f64, f64)>,
    pub raking: Option<RakeReport>,
    /// Districts with no respondents: no figures for them, and city figures cover the others.
    pub districts_without_respondents: Vec<String>,
    /// Flagged responses left out (filled in by the caller that removed them).
    pub excluded: Exclusions,
    pub estimates: Vec<Estimate>,
}

/// An indicator derived from a question.
pub struct Indicator<'a> {
    pub name: String,
    pub kind: EstimateKind,
    pub question: &'a Question,
    /// The rate's target (the question's, else its dimension's).
    pub target: Option<f64>,
    /// Per option index: the value an answer contributes (NaN = excluded).
    values: Vec<f64>,
    /// For the reach of one option of a multiple-choice question (`{question}.{option}`):
    /// that option's index; the value is whether the respondent ticked it.
    pub option: Option<usize>,
}

impl Indicator<'_> {
    /// The value each option contributes (NaN: excluded from the denominator).
    pub fn option_values(&self) -> &[f64] {
        &self.values
    }

    /// The per-row values (NaN where missing or excluded).
    pub fn values(&self, data: &Dataset) -> Vec<f64> {
        let Some(col) = data.columns.get(&self.question.id) else {
            return vec![f64::NAN; data.len()];
        };
        match col {
            Column::Choice(v) => v
                .iter()
                .map(|&c| {
                    if c == MISSING {
                        f64::NAN
                    } else {
                        self.values[c as usize]
                    }
                })
                .collect(),
            Column::Multi(v) => {
                // Ticked exactly the positive set (a quiz with several correct answers).
                let want: u64 = self
                    .question
                    .options
                    .iter()
                    .enumerate()
                    .filter(|(_, o)| self.question.positive.contains(&o.code))
                    .fold(0, |m, (i, _)| m | (1 << i));
                let dk = self
                    .question
                    .options
                    .iter()
                    .position(|o| o.code == DONT_KNOW);
                if let Some(k) = self.option {
                    // Ticked option k, among those who answered (not "don't know" alone).
                    return v
                        .iter()
                        .map(|&m| match m {
                            0 => f64::NAN,
                            m if dk.is_some_and(|d| m == 1 << d) => f64::NAN,
                            m => (m >> k & 1) as f64,
                        })
                        .collect();
                }
                v.iter()
                    .map(|&m| match m {
                        0 => f64::NAN,
                        m if dk.is_some_and(|d| m == 1 << d) => {
                            if self.name.ends_with(".dont_know") {
                                1.0
                            } else {
                                f64::NAN
                            }
                        }
                        _ if self.name.ends_with(".dont_know") => 0.0,
                        m => (m == want) as u8 as f64,
                    })
                    .collect()
            }
            Column::Number(v) => v.clone(),
        }
    }
}

/// The indicators a survey defines: a rate per question with a positive set; for rating
/// scales also the mean score and the 0–100 index; for questions with "don't know", the
/// don't-know rate.
pub fn indicators(survey: &Survey, scores: ScorePreset) -> Vec<Indicator<'_>> {
    let mut out = Vec::new();
    for q in survey.questions.iter().filter(|q| q.is_indicator()) {
        let is_dk = |o: &crate::definition::Choice| o.code == DONT_KNOW;
        out.push(Indicator {
            name: q.id.clone(),
            kind: EstimateKind::Proportion,
            question: q,
            target: survey.target_for(q),
            values: q
                .options
                .iter()
                .map(|o| {
                    if is_dk(o) {
                        f64::NAN
                    } else {
                        q.positive.contains(&o.code) as u8 as f64
                    }
                })
                .collect(),
            option: None,
        });
        if q.kind.is_scale() {
            let k = q.scale_len();
            out.push(Indicator {
                name: q.id.clone(),
                kind: EstimateKind::Mean,
                question: q,
                target: None,
                values: q
                    .options
                    .iter()
                    .map(|o| q.scale_point(&o.code).map_or(f64::NAN, |v| v as f64))
                    .collect(),
                option: None,
            });
            out.push(Indicator {
                name: q.id.clone(),
                kind: EstimateKind::Index,
                question: q,
                target: None,
                values: q
                    .options
                    .iter()
                    .map(|o| {
                        q.scale_point(&o.code)
                            .map_or(f64::NAN, |v| scores.score(v, k))
                    })
                    .collect(),
                option: None,
            });
        }
        if q.dont_know && q.kind != Kind::Multiple {
            out.push(Indicator {
                name: format!("{}.dont_know", q.id),
                kind: EstimateKind::Proportion,
                question: q,
                target: None,
                values: q.options.iter().map(|o| is_dk(o) as u8 as f64).collect(),
                option: None,
            });
        }
    }
    // The reach of each option of a multiple-choice question (where residents saw the
    // campaign: TV, SMS, screens): the share of those who answered who ticked it.
    for q in survey.questions.iter().filter(|q| q.kind == Kind::Multiple) {
        for (k, o) in q
            .options
            .iter()
            .enumerate()
            .filter(|(_, o)| o.code != DONT_KNOW)
        {
            out.push(Indicator {
                name: format!("{}.{}", q.id, o.code),
                kind: EstimateKind::Proportion,
                question: q,
                target: None,
                values: vec![f64::NAN; q.options.len()],
                option: Some(k),
            });
        }
    }
    out
}

/// A rate against a target: a proportion of a question with a positive set (not its
/// don't-know rate, nor the reach of one option, whose names hold a dot).
pub fn is_rate(e: &Estimate) -> bool {
    e.kind == EstimateKind::Proportion && !e.indicator.contains('.')
}

/// The census cells of the survey's weighting, as populations in `layout` order.
pub struct Census {
    pub layout: design::CellLayout,
    pub population: Vec<f64>,
    /// Per weighting variable: its question id and category codes (cell order).
    pub variables: Vec<(String, Vec<String>)>,
}

impl Census {
    /// The census of a definition (validated, so every cell is present).
    pub fn from_survey(survey: &Survey) -> Option<Census> {
        let w = survey.weighting.as_ref()?;
        let variables: Vec<(String, Vec<String>)> = w
            .variables
            .iter()
            .map(|(_, qid)| {
                let q = survey.question(qid).expect("validated weighting variable");
                let cats = q
                    .options
                    .iter()
                    .filter(|o| o.code != DONT_KNOW && !q.screen_out.contains(&o.code))
                    .map(|o| o.code.clone())
                    .collect();
                (qid.clone(), cats)
            })
            .collect();
        let layout = design::CellLayout {
            n_districts: survey.districts.len(),
            levels: variables.iter().map(|v| v.1.len()).collect(),
        };
        let mut population = vec![0.0; layout.n_cells()];
        for cell in &w.census {
            let d = survey
                .districts
                .iter()
                .position(|d| d.code == cell.district)?;
            let cats: Option<Vec<usize>> = cell
                .values
                .iter()
                .zip(&variables)
                .map(|(v, (_, cats))| cats.iter().position(|c| c == v))
                .collect();
            population[layout.cell(d, &cats?)] += cell.population as f64;
        }
        Some(Census {
            layout,
            population,
            variables,
        })
    }
}

/// The cell structure a weighting needs: the cell layout, each cell's census
/// population, and the weighting variables (question id, category codes).
pub struct CellFrame {
    pub layout: design::CellLayout,
    pub population: Vec<f64>,
    pub variables: Vec<(String, Vec<String>)>,
}

impl CellFrame {
    /// Calibrated weightings use the census cells; the others the districts alone.
    pub fn new(
        survey: &Survey,
        census: Option<&Census>,
        weighting: Weighting,
    ) -> Result<CellFrame, StatsError> {
        let calibrated = matches!(weighting, Weighting::Poststrat | Weighting::Rake);
        match (calibrated, census) {
            (true, None) => Err(StatsError::NoCensus(weighting.name())),
            (true, Some(c)) => Ok(CellFrame {
                layout: c.layout.clone(),
                population: c.population.clone(),
                variables: c.variables.clone(),
            }),
            // Base weights need only the district populations.
            (false, _) => Ok(CellFrame {
                layout: design::CellLayout {
                    n_districts: survey.districts.len(),
                    levels: vec![],
                },
                population: survey.districts.iter().map(|d| d.adults as f64).collect(),
                variables: vec![],
            }),
        }
    }

    /// For each weighting variable, option index → category index (screened-out and
    /// "don't know" options are no category: `MISSING`).
    pub fn category_maps(&self, survey: &Survey) -> Vec<(String, Vec<u16>)> {
        self.variables
            .iter()
            .map(|(qid, cats)| {
                let q = survey.question(qid).expect("validated weighting variable");
                let map = q
                    .options
                    .iter()
                    .map(|o| {
                        cats.iter()
                            .position(|c| *c == o.code)
                            .map_or(MISSING, |i| i as u16)
                    })
                    .collect();
                (qid.clone(), map)
            })
            .collect()
    }

    /// The design from respondents per cell, trimmed if asked.
    pub fn design(
        &self,
        survey: &Survey,
        count: Vec<f64>,
        opts: &Options,
    ) -> Result<Design, StatsError> {
        let districts: Vec<String> = survey.districts.iter().map(|d| d.code.clone()).collect();
        let names_vars: Vec<String> = self.variables.iter().map(|v| v.0.clone()).collect();
        let names_cats: Vec<Vec<String>> = self.variables.iter().map(|v| v.1.clone()).collect();
        let names = design::CellNames {
            districts: &districts,
            variables: &names_vars,
            categories: &names_cats,
        };
        let mut design = Design::build(
            opts.weighting,
            self.layout.clone(),
            count,
            &self.population,
            opts.rake,
            &names,
        )?;
        if let Some((lo, hi)) = opts.trim {
            if !(lo > 0.0 && lo < 1.0 && hi > 1.0 && hi.is_finite()) {
                return Err(StatsError::Trim(lo, hi));
            }
            design.trim(lo, hi);
        }
        Ok(design)
    }
}

/// Builds the weighting design and the per-row cell of every respondent.
pub fn build_design(
    survey: &Survey,
    data: &Dataset,
    census: Option<&Census>,
    opts: &Options,
) -> Result<(Design, Vec<u32>), StatsError> {
    if data.is_empty() {
        return Err(StatsError::Empty);
    }
    let frame = CellFrame::new(survey, census, opts.weighting)?;
    // Each row's category of each weighting variable.
    let mut cats_per_var: Vec<Vec<u16>> = Vec::new();
    for (qid, map) in frame.category_maps(survey) {
        let col = match data.columns.get(&qid) {
            Some(Column::Choice(v)) => v,
            _ => return Err(StatsError::MissingWeightingVariable(data.len(), qid)),
        };
        let v: Vec<u16> = col
            .iter()
            .map(|&c| {
                if c == MISSING {
                    MISSING
                } else {
                    map[c as usize]
                }
            })
            .collect();
        let missing = v.iter().filter(|&&m| m == MISSING).count();
        if missing > 0 {
            return Err(StatsError::MissingWeightingVariable(missing, qid));
        }
        cats_per_var.push(v);
    }
    let layout = &frame.layout;
    let mut cells = Vec::with_capacity(data.len());
    let mut count = vec![0.0; layout.n_cells()];
    let mut cats = vec![0usize; cats_per_var.len()];
    for i in 0..data.len() {
        for (k, v) in cats_per_var.iter().enumerate() {
            cats[k] = v[i] as usize;
        }
        let c = layout.cell(data.district[i] as usize, &cats);
        count[c] += 1.0;
        cells.push(c as u32);
    }
    let mut design = frame.design(survey, count, opts)?;
    if let Some(psu) = psu_rows(survey, data, opts)? {
        design.psus = Some(design::Psus::new(&psu, &cells, &design.layout));
    }
    Ok((design, cells))
}

/// Each row's primary sampling unit when the definition clusters the design
/// (`[weighting] cluster`): dense ids, nested in the district strata (the same label in
/// two districts is two units). A row without one (a community not recorded, an empty
/// cell of the column) is a unit of its own. `None` without clusters, and for the
/// unweighted simple-random-sample figures.
pub fn psu_rows(
    survey: &Survey,
    data: &Dataset,
    opts: &Options,
) -> Result<Option<Vec<u32>>, StatsError> {
    let Some(name) = survey.weighting.as_ref().and_then(|w| w.cluster.as_deref()) else {
        return Ok(None);
    };
    if opts.weighting == Weighting::None {
        return Ok(None);
    }
    let labels: Vec<Option<String>> = match name {
        "collection_community" => data
            .point
            .iter()
            .map(|&p| (p != NONE).then(|| p.to_string()))
            .collect(),
        "community" => data
            .community
            .iter()
            .map(|&p| (p != NONE).then(|| p.to_string()))
            .collect(),
        "grid" => data
            .grid
            .iter()
            .map(|&p| (p != NONE).then(|| p.to_string()))
            .collect(),
        col => data
            .extra
            .get(col)
            .ok_or_else(|| StatsError::NoClusterColumn(col.to_string()))?
            .iter()
            .map(|v| (!v.trim().is_empty()).then(|| v.trim().to_string()))
            .collect(),
    };
    let mut ids: std::collections::HashMap<(u32, String), u32> = std::collections::HashMap::new();
    let mut next = 0u32;
    let mut out = Vec::with_capacity(labels.len());
    for (i, l) in labels.into_iter().enumerate() {
        let id = match l {
            Some(l) => *ids.entry((data.district[i], l)).or_insert_with(|| {
                next += 1;
                next - 1
            }),
            None => {
                next += 1;
                next - 1
            }
        };
        out.push(id);
    }
    Ok(Some(out))
}

/// A domain variable: a name, the group of every row (`u32::MAX`: none) and group labels.
pub struct DomainVar {
    pub name: String,
    pub group: Vec<u32>,
    pub labels: Vec<String>,
}

/// The streets as groups (`district/street`), and each community's street group.
pub fn street_groups(survey: &Survey) -> (Vec<String>, Vec<u32>) {
    let labels: Vec<String> = survey
        .streets()
        .map(|(d, s)| format!("{}/{}", d.code, s.code))
        .collect();
    let of_community = survey
        .communities()
        .map(|(d, c)| {
            c.street_code
                .as_ref()
                .and_then(|s| labels.iter().position(|l| *l == format!("{}/{s}", d.code)))
                .map_or(NONE, |i| i as u32)
        })
        .collect();
    (labels, of_community)
}

/// The place domains `--by` offers besides questions and columns.
pub const PLACE_DOMAINS: [&str; 5] = [
    "district",
    "street",
    "community",
    "grid",
    "collection_community",
];

/// Resolves `--by` names to row groupings.
pub fn domain_var(survey: &Survey, data: &Dataset, name: &str) -> Option<DomainVar> {
    match name {
        "district" => Some(DomainVar {
            name: name.into(),
            group: data.district.clone(),
            labels: survey.districts.iter().map(|d| d.code.clone()).collect(),
        }),
        // Where the resident lives: street (through the community), community, grid.
        "street" => {
            let (labels, of_community) = street_groups(survey);
            Some(DomainVar {
                name: name.into(),
                group: data
                    .community
                    .iter()
                    .map(|&c| {
                        if c == NONE {
                            NONE
                        } else {
                            of_community[c as usize]
                        }
                    })
                    .collect(),
                labels,
            })
        }
        "community" => Some(DomainVar {
            name: name.into(),
            group: data.community.clone(),
            labels: survey
                .communities()
                .map(|(d, c)| format!("{}/{}", d.code, c.code))
                .collect(),
        }),
        "grid" => Some(DomainVar {
            name: name.into(),
            group: data.grid.clone(),
            labels: survey
                .grids()
                .map(|(d, _, g)| format!("{}/{}", d.code, g.code))
                .collect(),
        }),
        // Where the poster hung (the collection point below the district).
        "collection_community" => {
            let points = survey.points();
            Some(DomainVar {
                name: name.into(),
                group: data
                    .point
                    .iter()
                    .map(|&p| match points.get(p as usize) {
                        Some(crate::definition::PointRef::District(_)) | None => NONE,
                        Some(_) => p,
                    })
                    .collect(),
                labels: points
                    .iter()
                    .map(|p| format!("{}/{}", p.district().code, p.code()))
                    .collect(),
            })
        }
        col if data.extra.contains_key(col) => {
            let values = &data.extra[col];
            let mut labels: Vec<String> =
                values.iter().filter(|v| !v.is_empty()).cloned().collect();
            labels.sort();
            labels.dedup();
            let group = values
                .iter()
                .map(|v| {
                    labels
                        .iter()
                        .position(|l| l == v)
                        .map_or(u32::MAX, |i| i as u32)
                })
                .collect();
            Some(DomainVar {
                name: name.into(),
                group,
                labels,
            })
        }
        qid => {
            let q = survey.question(qid)?;
            match data.columns.get(qid)? {
                Column::Choice(v) => Some(DomainVar {
                    name: name.into(),
                    group: v
                        .iter()
                        .map(|&c| if c == MISSING { u32::MAX } else { c as u32 })
                        .collect(),
                    labels: q.options.iter().map(|o| o.code.clone()).collect(),
                }),
                _ => None,
            }
        }
    }
}

/// Computes every indicator for the city and each requested domain.
pub fn analyse(
    survey: &Survey,
    data: &Dataset,
    census: Option<&Census>,
    opts: &Options,
) -> Result<Report, StatsError> {
    if !(opts.level > 0.5 && opts.level < 1.0) {
        return Err(StatsError::Level(opts.level));
    }
    let (design, cells) = build_design(survey, data, census, opts)?;
    let psu = psu_rows(survey, data, opts)?;
    let nc = design.layout.n_cells();
    let inds = indicators(survey, opts.scores);
    // With clusters, the PSU sums beside the cell sums.
    let collect = |group: Option<&[u32]>, n_groups: usize, y: &[f64]| {
        let s = estimate::CellSums::collect(&cells, group, n_groups, nc, y);
        match (&design.psus, &psu) {
            (Some(p), Some(rows)) => s.with_psus(p, rows, &cells, group, y),
            _ => s,
        }
    };
    let domains: Vec<DomainVar> = opts
        .by
        .iter()
        .filter_map(|b| domain_var(survey, data, b))
        .collect();
    let mut estimates = Vec::new();
    for ind in &inds {
        let y = ind.values(data);
        let city = collect(None, 1, &y);
        if let Some(e) = finish(
            ind,
            "city",
            "ALL",
            &design,
            &city,
            0,
            data.len() as f64,
            opts,
        ) {
            estimates.push(e);
        }
        for dv in &domains {
            let sums = collect(Some(&dv.group), dv.labels.len(), &y);
            for (g, label) in dv.labels.iter().enumerate() {
                if let Some(e) = finish(
                    ind,
                    &dv.name,
                    label,
                    &design,
                    &sums,
                    g,
                    data.len() as f64,
                    opts,
                ) {
                    estimates.push(e);
                }
            }
        }
    }
    Ok(Report {
        weighting: opts.weighting,
        method: opts.method,
        level: opts.level,
        respondents: data.len(),
        trim: design.trimmed,
        raking: design.rake.clone(),
        districts_without_respondents: survey
            .districts
            .iter()
            .zip(&design.stratum_n)
            .filter(|(_, n)| **n == 0.0)
            .map(|(d, _)| d.code.clone())
            .collect(),
        excluded: Exclusions::default(),
        estimates,
    })
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn finish(
    ind: &Indicator<'_>,
    domain: &str,
    group: &str,
    design: &Design,
    sums: &estimate::CellSums,
    g: usize,
    total_rows: f64,
    opts: &Options,
) -> Option<Estimate> {
    let st = estimate::domain(design, sums, g)?;
    let se = st.se();
    let deff = st.deff();
    let (ci_low, ci_high) = match ind.kind {
        // Without degrees of freedom (a stratum's single unit) there is no interval, as
        // R's t quantiles at df = 0 give none.
        EstimateKind::Proportion if st.df < 1.0 => (None, None),
        EstimateKind::Proportion => {
            let input = interval_input(design, sums, g, &st, total_rows, opts.level);
            match interval::proportion(opts.method, &input) {
                Some((l, h)) => (Some(l), Some(h)),
                None => (None, None),
            }
        }
        _ => {
            // No interval without degrees of freedom (a single unit): as R gives none.
            let (l, h) = interval::t_interval(st.estimate, se, st.df, opts.level);
            if l.is_finite() && h.is_finite() {
                (Some(l), Some(h))
            } else {
                (None, None)
            }
        }
    };
    // NCHS: the effective size never exceeds the respondents (a design effect below 1
    // from calibration does not create information for publication purposes).
    let n_eff = if deff.is_finite() && deff > 0.0 {
        st.n / deff.max(1.0)
    } else {
        st.n
    };
    let flag = opts.flags.flag(n_eff, se, st.estimate, ind.kind);
    let mut e = Estimate {
        indicator: ind.name.clone(),
        kind: ind.kind,
        dimension: ind.question.dimension.name().to_string(),
        domain: domain.into(),
        group: group.into(),
        n: st.n,
        weighted_total: st.weighted_total,
        estimate: st.estimate,
        se,
        ci_low,
        ci_high,
        deff,
        n_eff,
        df: st.df,
        flag,
        target_status: None,
        model: None,
    };
    if ind.kind == EstimateKind::Proportion && !ind.name.contains('.') {
        if let Some(t) = ind.target {
            e.target_status = Some(target::status(&e, t, opts.level));
        }
    }
    Some(e)
}

/// Everything an interval method may need about one domain estimate.
pub fn interval_input(
    design: &Design,
    sums: &estimate::CellSums,
    g: usize,
    st: &estimate::DomainStat,
    total_rows: f64,
    level: f64,
) -> interval::IntervalInput {
    let nc = sums.n_cells;
    let at = |c: usize| g * nc + c;
    let calibrated = design.is_calibrated();
    // R's subset of a calibrated design keeps every row (weight zero outside the
    // domain and where the answer is missing); of an uncalibrated one, only the
    // domain's answered rows.
    let design_rows = if calibrated { total_rows } else { st.n };
    // Wilson and Clopper–Pearson count respondents when the data are unweighted; on
    // weighted data they use the weighted rate over the design's effective size
    // p(1−p)/SE², so the interval reflects the weighting and contains the estimate.
    let (successes, trials) =
        if design.weighting == Weighting::None || st.se().is_nan() || st.se() <= 0.0 {
            ((0..nc).map(|c| sums.sum[at(c)]).sum::<f64>(), st.n)
        } else {
            let n_eff = st.estimate * (1.0 - st.estimate) / st.variance;
            (st.estimate * n_eff, n_eff)
        };
    // The quasi-binomial GLM of svyciprop: prior weights are the design weights over
    // their mean across the rows of the design it is fitted in.
    let mean_w = st.weighted_total / design_rows;
    let p = st.estimate;
    let pq = p * (1.0 - p);
    // svyglm's Pearson residuals r = (y − p)/√(pq) (no prior weights); dispersion = svyvar(r).
    let (mut swr, mut swr2) = (0.0, 0.0);
    for c in 0..nc {
        let i = at(c);
        let d = sums.answered[i];
        if d == 0.0 {
            continue;
        }
        let w = design.weight[c];
        let dev = sums.sum[i] - d * p;
        let dev_sq = sums.sum_sq[i] - 2.0 * p * sums.sum[i] + d * p * p;
        swr += w * dev / pq.sqrt();
        swr2 += w * dev_sq / pq;
    }
    let wt = st.weighted_total;
    let rbar = swr / wt;
    let dispersion = st.n / (st.n - 1.0) * (swr2 / wt - rbar * rbar);
    // Rows in the GLM's model frame: answered rows of the fitted design.
    let model_rows = if calibrated {
        (0..nc)
            .map(|c| {
                (0..sums.n_groups)
                    .map(|h| sums.answered[h * nc + c])
                    .sum::<f64>()
            })
            .sum()
    } else {
        st.n
    };
    interval::IntervalInput {
        estimate: p,
        se: st.se(),
        df: st.df,
        level,
        design_rows,
        successes,
        trials,
        likelihood: Some(interval::LikelihoodInput {
            cells: (0..nc)
                .filter(|&c| sums.answered[at(c)] > 0.0 && design.weight[c] > 0.0)
                .map(|c| {
                    let i = at(c);
                    (
                        design.weight[c] / mean_w,
                        sums.sum[i],
                        sums.answered[i] - sums.sum[i],
                    )
                })
                .collect(),
            dispersion,
            model_rows,
        }),
    }
}

/// The difference between two groups of a domain variable (b − a) for one indicator.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    pub indicator: String,
    pub kind: EstimateKind,
    pub domain: String,
    pub a: String,
    pub b: String,
    pub estimate_a: f64,
    pub estimate_b: f64,
    pub difference: f64,
    pub se: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub df: f64,
    pub p_value: f64,
}

/// The one way waves are compared (the CLI's `--compare wave=A,B`, the pack's changes,
/// the dashboard): each wave is an independent sample, weighted on its own, so the
/// difference b − a has the variance se_a² + se_b², and t on the smaller of the two
/// designs' degrees of freedom. `a` and `b` are the two waves' estimates of the same
/// indicator and group.
pub fn independent_difference(a: &Estimate, b: &Estimate, level: f64) -> Difference {
    let diff = b.estimate - a.estimate;
    let se = (a.se * a.se + b.se * b.se).sqrt();
    let df = a.df.min(b.df);
    let (lo, hi) = interval::t_interval(diff, se, df, level);
    Difference {
        indicator: a.indicator.clone(),
        kind: a.kind,
        domain: a.domain.clone(),
        a: a.group.clone(),
        b: b.group.clone(),
        estimate_a: a.estimate,
        estimate_b: b.estimate,
        difference: diff,
        se,
        ci_low: lo,
        ci_high: hi,
        df,
        p_value: if se > 0.0 {
            interval::p_two_sided(diff / se, df)
        } else {
            f64::NAN
        },
    }
}

/// Wave `wb` − wave `wa` of every indicator of the city and of each domain in
/// `opts.by`, each wave estimated on its own ([`independent_difference`]). `data` holds
/// both waves (a `wave` column).
pub fn compare_waves(
    survey: &Survey,
    data: &Dataset,
    census: Option<&Census>,
    opts: &Options,
    wa: &str,
    wb: &str,
) -> Result<Vec<Difference>, StatsError> {
    let ra = analyse(survey, &data.of_wave(wa), census, opts)?;
    let rb = analyse(survey, &data.of_wave(wb), census, opts)?;
    Ok(rb
        .estimates
        .iter()
        .filter_map(|eb| {
            let ea = ra.estimates.iter().find(|x| {
                x.indicator == eb.indicator
                    && x.kind == eb.kind
                    && x.domain == eb.domain
                    && x.group == eb.group
            })?;
            let mut d = independent_difference(ea, eb, opts.level);
            // Name the waves, and the group compared.
            d.domain = if eb.domain == "city" {
                "wave".into()
            } else {
                format!("wave ({} {})", eb.domain, eb.group)
            };
            d.a = wa.to_string();
            d.b = wb.to_string();
            Some(d)
        })
        .collect())
}

/// Differences b − a of every indicator between two groups of a domain variable,
/// estimated jointly in one design (so calibration and shared strata are accounted for).
/// Not for waves: those are independent samples ([`compare_waves`]).
pub fn compare(
    survey: &Survey,
    data: &Dataset,
    census: Option<&Census>,
    opts: &Options,
    dv: &DomainVar,
    a: usize,
    b: usize,
) -> Result<Vec<Difference>, StatsError> {
    let (design, cells) = build_design(survey, data, census, opts)?;
    let psu = psu_rows(survey, data, opts)?;
    let nc = design.layout.n_cells();
    let mut out = Vec::new();
    for ind in indicators(survey, opts.scores) {
        let y = ind.values(data);
        let sums = estimate::CellSums::collect(&cells, Some(&dv.group), dv.labels.len(), nc, &y);
        let sums = match (&design.psus, &psu) {
            (Some(p), Some(rows)) => sums.with_psus(p, rows, &cells, Some(&dv.group), &y),
            _ => sums,
        };
        let (Some(ea), Some(eb)) = (
            estimate::domain(&design, &sums, a),
            estimate::domain(&design, &sums, b),
        ) else {
            continue;
        };
        let Some((diff, var, df)) = estimate::difference(&design, &sums, a, b) else {
            continue;
        };
        let se = var.sqrt();
        let (lo, hi) = interval::t_interval(diff, se, df, opts.level);
        out.push(Difference {
            indicator: ind.name.clone(),
            kind: ind.kind,
            domain: dv.name.clone(),
            a: dv.labels[a].clone(),
            b: dv.labels[b].clone(),
            estimate_a: ea.estimate,
            estimate_b: eb.estimate,
            difference: diff,
            se,
            ci_low: lo,
            ci_high: hi,
            df,
            p_value: if se > 0.0 {
                interval::p_two_sided(diff / se, df)
            } else {
                f64::NAN
            },
        });
    }
    Ok(out)
}
