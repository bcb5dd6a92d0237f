//! Census cells and the weighting design built on them: every respondent's cell,
//! the census populations, the primary sampling units of a clustered design.

use super::data::{Column, Dataset, MISSING, NONE};
use super::design::{self, Design, Weighting};
use super::error::StatsError;
use super::results::Options;
use crate::definition::{Survey, DONT_KNOW};

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
        let layout = design::CellLayout::new(
            survey.districts.len(),
            variables.iter().map(|v| v.1.len()).collect(),
        );
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
                layout: design::CellLayout::new(survey.districts.len(), vec![]),
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

    /// Splits every census cell into `classes` weight classes (the census cell's
    /// people stay in its first).
    fn with_classes(mut self, classes: usize) -> CellFrame {
        let k = classes.max(1);
        self.population = self
            .population
            .iter()
            .flat_map(|&p| std::iter::once(p).chain(std::iter::repeat_n(0.0, k - 1)))
            .collect();
        self.layout.classes = k;
        self
    }

    /// The design from respondents per cell, trimmed if asked.
    pub fn design(
        &self,
        survey: &Survey,
        count: Vec<f64>,
        opts: &Options,
    ) -> Result<Design, StatsError> {
        self.design_weighted(survey, count, None, opts)
    }

    /// As [`CellFrame::design`], with each cell's design weight where respondents
    /// bring their own.
    pub fn design_weighted(
        &self,
        survey: &Survey,
        count: Vec<f64>,
        design_weights: Option<&[f64]>,
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
            design_weights,
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
    let mut cells = Vec::with_capacity(data.len());
    let mut cats = vec![0usize; cats_per_var.len()];
    for i in 0..data.len() {
        for (k, v) in cats_per_var.iter().enumerate() {
            cats[k] = v[i] as usize;
        }
        cells.push(frame.layout.cell(data.district[i] as usize, &cats) as u32);
    }
    // Respondents with design weights of their own: each census cell split into
    // classes of equal design weight.
    let (frame, class_weights) = match design_weights(survey, data, opts)? {
        None => (frame, None),
        Some(w) => {
            let mut class_of: std::collections::HashMap<(u32, u64), u32> =
                std::collections::HashMap::new();
            let mut classes_in = vec![0u32; frame.layout.n_census_cells()];
            let class: Vec<u32> = cells
                .iter()
                .zip(&w)
                .map(|(&c, &wi)| {
                    *class_of.entry((c, wi.to_bits())).or_insert_with(|| {
                        classes_in[c as usize] += 1;
                        classes_in[c as usize] - 1
                    })
                })
                .collect();
            let k = classes_in.iter().copied().max().unwrap_or(1).max(1) as usize;
            let frame = frame.with_classes(k);
            let mut per_cell = vec![0.0; frame.layout.n_cells()];
            for ((c, &cl), &wi) in cells.iter_mut().zip(&class).zip(&w) {
                *c = *c * k as u32 + cl;
                per_cell[*c as usize] = wi;
            }
            (frame, Some(per_cell))
        }
    };
    let mut count = vec![0.0; frame.layout.n_cells()];
    for &c in &cells {
        count[c as usize] += 1.0;
    }
    let mut design = frame.design_weighted(survey, count, class_weights.as_deref(), opts)?;
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
    let Some(name) = opts
        .cluster
        .as_deref()
        .or_else(|| survey.weighting.as_ref().and_then(|w| w.cluster.as_deref()))
    else {
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

/// Each row's design weight, when the respondents bring their own (`[weighting]
/// design_weight`, or the options' column): `None` when no column is named or the
/// named column is empty on every row (then the district base weights apply). A
/// column filled on some rows only, or a weight that is not a positive number, is
/// refused: a design is either weighted by the sample's own probabilities or not.
pub fn design_weights(
    survey: &Survey,
    data: &Dataset,
    opts: &Options,
) -> Result<Option<Vec<f64>>, StatsError> {
    let Some(name) = opts.design_weight.as_deref().or_else(|| {
        survey
            .weighting
            .as_ref()
            .and_then(|w| w.design_weight.as_deref())
    }) else {
        return Ok(None);
    };
    let Some(col) = data.extra.get(name) else {
        return Err(StatsError::NoDesignWeightColumn(name.to_string()));
    };
    if col.iter().all(|v| v.trim().is_empty()) {
        return Ok(None);
    }
    let mut out = Vec::with_capacity(col.len());
    let (mut empty, mut bad) = (0, None);
    for v in col {
        match v.trim().parse::<f64>() {
            Ok(w) if w > 0.0 && w.is_finite() => out.push(w),
            _ if v.trim().is_empty() => {
                empty += 1;
                out.push(f64::NAN);
            }
            _ => {
                bad.get_or_insert_with(|| v.clone());
                out.push(f64::NAN);
            }
        }
    }
    if let Some(v) = bad {
        return Err(StatsError::BadDesignWeight(name.to_string(), v));
    }
    if empty > 0 {
        return Err(StatsError::PartialDesignWeights {
            column: name.to_string(),
            empty,
            rows: col.len(),
        });
    }
    Ok(Some(out))
}
