//! Weights: the stratified design (district = stratum) and its calibration to the census.
//!
//! Every weighting minyi offers gives all respondents of one *cell* (district × the
//! weighting variables' categories) the same weight. The design is therefore described
//! per cell, and estimation works on cell totals instead of rows: the same numbers as a
//! row-by-row computation, in a fraction of the time.

// Cells, strata and groups live in parallel arrays indexed together; index loops say so.
#![allow(clippy::needless_range_loop)]

use super::error::{EmptyCell, StatsError};

/// How the weights are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Weighting {
    /// Every respondent weighs 1 (still stratified by district).
    None,
    /// District adult population / district respondents.
    Base,
    /// Base weights post-stratified to the census cells (district × variables).
    Poststrat,
    /// Base weights raked to the margins district × each variable.
    Rake,
}

impl Weighting {
    pub fn parse(s: &str) -> Option<Weighting> {
        match s {
            "none" => Some(Weighting::None),
            "base" => Some(Weighting::Base),
            "poststrat" => Some(Weighting::Poststrat),
            "rake" => Some(Weighting::Rake),
            _ => None,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Weighting::None => "none",
            Weighting::Base => "base",
            Weighting::Poststrat => "poststrat",
            Weighting::Rake => "rake",
        }
    }
}

/// Raking settings; the defaults are R's `rake(control = list(maxit = 500, epsilon = 1e-9))`.
#[derive(Debug, Clone, Copy)]
pub struct RakeControl {
    pub max_iterations: usize,
    /// Below 1: a fraction of the total weight (as R does); 1 or more: absolute.
    pub epsilon: f64,
}

impl Default for RakeControl {
    fn default() -> Self {
        RakeControl {
            max_iterations: 500,
            epsilon: 1e-9,
        }
    }
}

/// How the raking went.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RakeReport {
    pub converged: bool,
    /// Sweeps over all margins.
    pub iterations: usize,
    /// Largest change of a cell's weighted total in the last sweep.
    pub last_change: f64,
    pub epsilon: f64,
    /// Largest |weighted margin total − census margin| after raking (relative to the margin).
    pub max_margin_error: f64,
}

/// The layout of the cells: districts × categories of each weighting variable (the
/// census cells), each split into `classes` weight classes when respondents bring
/// design weights of their own. Every respondent of a cell has the same weight: with
/// design weights, a class holds the respondents of one census cell whose design
/// weights are equal (a household sample has few distinct ones per cell: the drawn
/// communities times the household sizes).
#[derive(Debug, Clone)]
pub struct CellLayout {
    pub n_districts: usize,
    /// Number of categories of each weighting variable (empty: cells are districts).
    pub levels: Vec<usize>,
    /// Weight classes per census cell (1 without design weights).
    pub classes: usize,
}

impl CellLayout {
    /// Census cells only (one class each).
    pub fn new(n_districts: usize, levels: Vec<usize>) -> CellLayout {
        CellLayout {
            n_districts,
            levels,
            classes: 1,
        }
    }
    pub fn n_cells(&self) -> usize {
        self.n_census_cells() * self.classes
    }
    pub fn n_census_cells(&self) -> usize {
        self.n_districts * self.levels.iter().product::<usize>()
    }
    /// Cells per district.
    pub fn per_district(&self) -> usize {
        self.levels.iter().product::<usize>() * self.classes
    }
    /// Cell index of a district and its categories (row-major, district first), in
    /// the first weight class.
    pub fn cell(&self, district: usize, cats: &[usize]) -> usize {
        let mut c = district;
        for (k, &l) in self.levels.iter().enumerate() {
            c = c * l + cats[k];
        }
        c * self.classes
    }
    /// The census cell a cell belongs to.
    pub fn census_of(&self, cell: usize) -> usize {
        cell / self.classes
    }
    /// The district and categories of a cell.
    pub fn decode(&self, cell: usize) -> (usize, Vec<usize>) {
        let mut cell = self.census_of(cell);
        let mut cats = vec![0; self.levels.len()];
        for k in (0..self.levels.len()).rev() {
            cats[k] = cell % self.levels[k];
            cell /= self.levels[k];
        }
        (cell, cats)
    }
    pub fn district_of(&self, cell: usize) -> usize {
        cell / self.per_district()
    }
}

/// One calibration step, kept for the variance (R's `postStrata`).
#[derive(Debug, Clone)]
pub enum CalStep {
    /// Post-stratification to groups of cells: weights before and after, per cell.
    PostStrat {
        group: Vec<usize>,
        n_groups: usize,
        before: Vec<f64>,
        after: Vec<f64>,
    },
    /// Raking: per margin, the cell → margin-cell map and the weights right after that
    /// margin's post-stratification in the last sweep.
    Rake {
        margins: Vec<(Vec<usize>, usize, Vec<f64>)>,
    },
}

/// A weighted, stratified design over census cells.
#[derive(Debug, Clone)]
pub struct Design {
    pub weighting: Weighting,
    pub layout: CellLayout,
    /// Respondents per cell.
    pub count: Vec<f64>,
    /// The weight of every respondent in the cell.
    pub weight: Vec<f64>,
    pub steps: Vec<CalStep>,
    pub rake: Option<RakeReport>,
    /// Trimming bounds applied (absolute weights), if any.
    pub trimmed: Option<(f64, f64)>,
    /// Respondents per district (stratum sizes).
    pub stratum_n: Vec<f64>,
    /// Primary sampling units within the district strata, when the design is clustered
    /// (`None`: every respondent is its own unit).
    pub psus: Option<Psus>,
}

/// Clusters (primary sampling units) nested in the district strata. A PSU's cells are
/// its district's: "PSU cell" `k = psu × per + category cell`, with `per` the cells of
/// one district, and census cell `district(psu) × per + category cell`.
#[derive(Debug, Clone)]
pub struct Psus {
    pub n: usize,
    /// Cells per district.
    pub per: usize,
    /// The stratum (district) of each PSU.
    pub stratum: Vec<usize>,
    /// PSUs per stratum (with at least one respondent in the design).
    pub per_stratum: Vec<f64>,
    /// Respondents per PSU cell (all of them: calibration adjusts every respondent).
    pub count: Vec<f64>,
}

impl Psus {
    /// From each row's PSU (dense, nested in its district) and census cell.
    pub fn new(psu: &[u32], cells: &[u32], layout: &CellLayout) -> Psus {
        Psus::weighted(psu, cells, &vec![1.0; psu.len()], layout)
    }

    /// As [`Psus::new`], each entry standing for `rows` respondents (aggregates).
    pub fn weighted(psu: &[u32], cells: &[u32], rows: &[f64], layout: &CellLayout) -> Psus {
        let per = layout.per_district().max(1);
        let n = psu.iter().map(|&p| p as usize + 1).max().unwrap_or(0);
        let mut stratum = vec![0; n];
        let mut count = vec![0.0; n * per];
        for ((&p, &c), &r) in psu.iter().zip(cells).zip(rows) {
            let (p, c) = (p as usize, c as usize);
            stratum[p] = layout.district_of(c);
            count[p * per + c % per] += r;
        }
        let mut per_stratum = vec![0.0; layout.n_districts];
        for p in 0..n {
            if (0..per).any(|k| count[p * per + k] > 0.0) {
                per_stratum[stratum[p]] += 1.0;
            }
        }
        Psus {
            n,
            per,
            stratum,
            per_stratum,
            count,
        }
    }

    /// The census cell of PSU cell `k`.
    pub fn cell_of(&self, k: usize) -> usize {
        self.stratum[k / self.per] * self.per + k % self.per
    }
}

/// Names for error messages: district codes and category codes per variable.
pub struct CellNames<'a> {
    pub districts: &'a [String],
    pub variables: &'a [String],
    pub categories: &'a [Vec<String>],
}

impl CellNames<'_> {
    pub fn describe(&self, layout: &CellLayout, cell: usize) -> String {
        let (d, cats) = layout.decode(cell);
        let mut s = format!("district {}", self.districts[d]);
        for (k, c) in cats.iter().enumerate() {
            s.push_str(&format!(
                " × {} {}",
                self.variables[k], self.categories[k][*c]
            ));
        }
        s
    }
}

impl Design {
    /// Builds the design from respondent counts per cell and census populations per
    /// cell (a census cell's people in its first weight class). `base`: each cell's
    /// design weight, where respondents bring their own; without, a respondent's base
    /// weight is the district's adults over its respondents.
    pub fn build(
        weighting: Weighting,
        layout: CellLayout,
        count: Vec<f64>,
        population: &[f64],
        control: RakeControl,
        names: &CellNames<'_>,
        design_weights: Option<&[f64]>,
    ) -> Result<Design, StatsError> {
        let nc = layout.n_cells();
        assert_eq!(count.len(), nc);
        assert_eq!(population.len(), nc);
        let mut stratum_n = vec![0.0; layout.n_districts];
        let mut stratum_pop = vec![0.0; layout.n_districts];
        for c in 0..nc {
            stratum_n[layout.district_of(c)] += count[c];
            stratum_pop[layout.district_of(c)] += population[c];
        }
        let calibrated = matches!(weighting, Weighting::Poststrat | Weighting::Rake);
        for (d, &pop) in stratum_pop.iter().enumerate() {
            // Design weights need the population only to calibrate to it.
            let needed = calibrated || (weighting == Weighting::Base && design_weights.is_none());
            if pop <= 0.0 && needed {
                return Err(StatsError::ZeroPopulation {
                    cell: format!("district {}", names.districts[d]),
                });
            }
            // Calibration needs every district; base weights can leave one out (the city
            // figure then covers the districts that answered, and the report says so).
            if stratum_n[d] == 0.0 && calibrated {
                return Err(StatsError::EmptyDistrict(names.districts[d].clone()));
            }
        }
        let base: Vec<f64> = (0..nc)
            .map(|c| {
                let d = layout.district_of(c);
                match (weighting, design_weights) {
                    (Weighting::None, _) => 1.0,
                    (_, Some(w)) => w[c],
                    _ if stratum_n[d] == 0.0 => 0.0,
                    _ => stratum_pop[d] / stratum_n[d],
                }
            })
            .collect();
        let mut design = Design {
            weighting,
            layout,
            count,
            weight: base,
            steps: Vec::new(),
            rake: None,
            trimmed: None,
            stratum_n,
            psus: None,
        };
        match weighting {
            Weighting::None | Weighting::Base => {}
            Weighting::Poststrat => {
                // The post-strata are the census cells, whatever their weight classes.
                let n_groups = design.layout.n_census_cells();
                let group: Vec<usize> = (0..nc).map(|c| design.layout.census_of(c)).collect();
                let after = post_stratify(&design, &group, n_groups, population, names)?;
                design.steps.push(CalStep::PostStrat {
                    group,
                    n_groups,
                    before: design.weight.clone(),
                    after: after.clone(),
                });
                design.weight = after;
            }
            Weighting::Rake => design.rake(population, control, names)?,
        }
        Ok(design)
    }

    fn rake(
        &mut self,
        population: &[f64],
        control: RakeControl,
        names: &CellNames<'_>,
    ) -> Result<(), StatsError> {
        let nc = self.layout.n_cells();
        // One margin per variable: district × that variable.
        let margins: Vec<(Vec<usize>, usize)> = (0..self.layout.levels.len())
            .map(|k| {
                let l = self.layout.levels[k];
                let map = (0..nc)
                    .map(|c| {
                        let (d, cats) = self.layout.decode(c);
                        d * l + cats[k]
                    })
                    .collect();
                (map, self.layout.n_districts * l)
            })
            .collect();
        let margin_pop: Vec<Vec<f64>> = margins
            .iter()
            .map(|(map, n)| {
                let mut t = vec![0.0; *n];
                for c in 0..nc {
                    t[map[c]] += population[c];
                }
                t
            })
            .collect();
        let total: f64 = (0..nc).map(|c| self.weight[c] * self.count[c]).sum();
        let epsilon = if control.epsilon < 1.0 {
            control.epsilon * total
        } else {
            control.epsilon
        };
        self.check_margins(&margins, &margin_pop, population, names)?;
        // Convergence is judged on the census cells' weighted totals (R's table of the
        // calibration variables), whatever weight classes they hold.
        let table = |w: &[f64]| -> Vec<f64> {
            let mut t = vec![0.0; self.layout.n_census_cells()];
            for c in 0..nc {
                t[self.layout.census_of(c)] += w[c] * self.count[c];
            }
            t
        };
        let mut old = table(&self.weight);
        let mut w = self.weight.clone();
        let mut psw: Vec<Vec<f64>> = vec![Vec::new(); margins.len()];
        let mut iterations = 0;
        let mut converged = false;
        let mut last_change = f64::INFINITY;
        while iterations < control.max_iterations {
            for (k, (map, n)) in margins.iter().enumerate() {
                let mut sample = vec![0.0; *n];
                for c in 0..nc {
                    sample[map[c]] += w[c] * self.count[c];
                }
                for c in 0..nc {
                    let s = sample[map[c]];
                    if s > 0.0 {
                        w[c] *= margin_pop[k][map[c]] / s;
                    }
                }
                psw[k] = w.clone();
            }
            let new = table(&w);
            last_change = old
                .iter()
                .zip(&new)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            iterations += 1;
            if last_change < epsilon {
                converged = true;
                break;
            }
            old = new;
        }
        let mut max_margin_error: f64 = 0.0;
        for (k, (map, n)) in margins.iter().enumerate() {
            let mut sample = vec![0.0; *n];
            for c in 0..nc {
                sample[map[c]] += w[c] * self.count[c];
            }
            for m in 0..*n {
                if margin_pop[k][m] > 0.0 {
                    max_margin_error = max_margin_error
                        .max((sample[m] - margin_pop[k][m]).abs() / margin_pop[k][m]);
                }
            }
        }
        self.steps.push(CalStep::Rake {
            margins: margins
                .into_iter()
                .zip(psw)
                .map(|((map, n), p)| (map, n, p))
                .collect(),
        });
        self.weight = w;
        self.rake = Some(RakeReport {
            converged,
            iterations,
            last_change,
            epsilon,
            max_margin_error,
        });
        Ok(())
    }

    /// Every raking margin cell with people and no respondents, all at once.
    fn check_margins(
        &self,
        margins: &[(Vec<usize>, usize)],
        margin_pop: &[Vec<f64>],
        population: &[f64],
        names: &CellNames<'_>,
    ) -> Result<(), StatsError> {
        let nc = self.layout.n_cells();
        let mut empty = Vec::new();
        let mut categories = Vec::new();
        for (k, (map, n)) in margins.iter().enumerate() {
            let mut respondents = vec![0.0; *n];
            for c in 0..nc {
                respondents[map[c]] += self.count[c];
            }
            for m in 0..*n {
                if respondents[m] > 0.0 || margin_pop[k][m] <= 0.0 {
                    continue;
                }
                let cell = (0..nc).find(|&c| map[c] == m).unwrap_or(0);
                let (d, cats) = self.layout.decode(cell);
                let cat = &names.categories[k][cats[k]];
                empty.push(EmptyCell {
                    district: names.districts[d].clone(),
                    cell: format!("{} {cat}", names.variables[k]),
                    district_respondents: self.stratum_n[d],
                    district_population: stratum_population(self, population, d),
                });
                let what = format!("`{cat}` of `{}`", names.variables[k]);
                if !categories.contains(&what) {
                    categories.push(what);
                }
            }
        }
        if empty.is_empty() {
            return Ok(());
        }
        // Listed by district, as the census is.
        empty.sort_by_key(|e| names.districts.iter().position(|d| *d == e.district));
        Err(StatsError::EmptyCells {
            cells: empty,
            fix: format!(
                "merge {} with a neighbouring category in the census and the data",
                categories.join(", ")
            ),
        })
    }

    /// Trims weights to `[low, high] × mean weight`, spreading the trimmed amount
    /// equally over the untrimmed respondents (one pass, as R's `trimWeights`). The
    /// calibration record is kept for the variance.
    pub fn trim(&mut self, low: f64, high: f64) {
        let n: f64 = self.count.iter().sum();
        let total: f64 = self
            .weight
            .iter()
            .zip(&self.count)
            .map(|(w, c)| w * c)
            .sum();
        let mean = total / n;
        let (lo, hi) = (low * mean, high * mean);
        let mut trimmed_amount = 0.0;
        let mut untrimmed = 0.0;
        let mut outside = vec![false; self.weight.len()];
        for c in 0..self.weight.len() {
            if self.count[c] == 0.0 {
                continue;
            }
            let w = self.weight[c];
            if w < lo || w > hi {
                outside[c] = true;
                let nw = w.clamp(lo, hi);
                trimmed_amount += (w - nw) * self.count[c];
                self.weight[c] = nw;
            } else {
                untrimmed += self.count[c];
            }
        }
        if outside.iter().any(|&o| o) && untrimmed > 0.0 {
            let add = trimmed_amount / untrimmed;
            for c in 0..self.weight.len() {
                if !outside[c] && self.count[c] > 0.0 {
                    self.weight[c] += add;
                }
            }
        }
        self.trimmed = Some((lo, hi));
    }

    pub fn is_calibrated(&self) -> bool {
        !self.steps.is_empty()
    }

    /// Total weight of a cell.
    pub fn cell_total(&self, c: usize) -> f64 {
        self.weight[c] * self.count[c]
    }

    /// Removes the calibration adjustments from per-cell influence totals, in the order
    /// the calibration was applied (R's `svyrecvar`). `sum[c]` is Σ z over the cell's
    /// respondents; returns the per-respondent amount `delta[c]` subtracted in each cell.
    pub fn calibrate_influence(&self, sum: &mut [f64]) -> Vec<f64> {
        let nc = sum.len();
        let mut delta = vec![0.0; nc];
        // One pair of scratch buffers for every step and pass: this runs once per
        // estimate, thousands of times for a dashboard view.
        let widest = self
            .steps
            .iter()
            .map(|s| match s {
                CalStep::PostStrat { n_groups, .. } => *n_groups,
                CalStep::Rake { margins } => margins.iter().map(|m| m.1).max().unwrap_or(0),
            })
            .max()
            .unwrap_or(0);
        let (mut num, mut den) = (vec![0.0; widest], vec![0.0; widest]);
        // Every step calibrates within districts (post-strata are cells, raking margins
        // are district × variable), so a district whose cells sum to zero stays zero and
        // is skipped: a community's estimate touches one district's cells, not all.
        let per = self.layout.per_district().max(1);
        let active: Vec<usize> = (0..nc)
            .step_by(per)
            .filter(|&start| sum[start..(start + per).min(nc)].iter().any(|v| *v != 0.0))
            .flat_map(|start| start..(start + per).min(nc))
            .collect();
        for step in &self.steps {
            match step {
                CalStep::PostStrat {
                    group,
                    n_groups,
                    before,
                    after,
                } => {
                    let (num, den) = (&mut num[..*n_groups], &mut den[..*n_groups]);
                    num.fill(0.0);
                    den.fill(0.0);
                    for &c in &active {
                        if self.count[c] == 0.0 {
                            continue;
                        }
                        num[group[c]] += sum[c] * before[c] / after[c];
                        den[group[c]] += self.count[c] * before[c];
                    }
                    for &c in &active {
                        if self.count[c] == 0.0 || den[group[c]] == 0.0 {
                            continue;
                        }
                        let sub = num[group[c]] / den[group[c]] * after[c];
                        sum[c] -= sub * self.count[c];
                        delta[c] += sub;
                    }
                }
                CalStep::Rake { margins } => {
                    // R makes exactly ten passes over the margins.
                    for _ in 0..10 {
                        for (map, n, psw) in margins {
                            let (num, den) = (&mut num[..*n], &mut den[..*n]);
                            num.fill(0.0);
                            den.fill(0.0);
                            for &c in &active {
                                if self.count[c] == 0.0 {
                                    continue;
                                }
                                num[map[c]] += sum[c] / psw[c];
                                den[map[c]] += self.count[c];
                            }
                            for &c in &active {
                                if self.count[c] == 0.0 || den[map[c]] == 0.0 {
                                    continue;
                                }
                                let sub = psw[c] * num[map[c]] / den[map[c]];
                                sum[c] -= sub * self.count[c];
                                delta[c] += sub;
                            }
                        }
                    }
                }
            }
        }
        delta
    }
}

/// Census population of district `d`.
fn stratum_population(design: &Design, population: &[f64], d: usize) -> f64 {
    (0..design.layout.n_cells())
        .filter(|&c| design.layout.district_of(c) == d)
        .map(|c| population[c])
        .sum()
}

fn post_stratify(
    d: &Design,
    group: &[usize],
    n_groups: usize,
    population: &[f64],
    names: &CellNames<'_>,
) -> Result<Vec<f64>, StatsError> {
    let nc = d.weight.len();
    let mut sample = vec![0.0; n_groups];
    let mut pop = vec![0.0; n_groups];
    for c in 0..nc {
        sample[group[c]] += d.cell_total(c);
        pop[group[c]] += population[c];
    }
    let mut empty = Vec::new();
    // One line per empty census cell (its first weight class stands for it).
    for c in (0..nc).step_by(d.layout.classes) {
        let g = group[c];
        if sample[g] == 0.0 && pop[g] > 0.0 {
            let dist = d.layout.district_of(c);
            let cell = names.describe(&d.layout, c);
            empty.push(EmptyCell {
                district: names.districts[dist].clone(),
                cell: cell
                    .split_once(" × ")
                    .map_or(String::new(), |(_, rest)| rest.to_string()),
                district_respondents: d.stratum_n[dist],
                district_population: stratum_population(d, population, dist),
            });
        }
    }
    if !empty.is_empty() {
        // The variable with the most categories is the one offices collapse (age bands).
        let fix = match (0..names.variables.len()).max_by_key(|&k| names.categories[k].len()) {
            Some(k) => format!(
                "collapse each empty cell's `{}` category with a neighbouring one (e.g. `{}` with `{}`) in the census and the data, or use --weighting rake (raking needs only the margins)",
                names.variables[k],
                names.categories[k][0],
                names.categories[k].get(1).map_or("", String::as_str)
            ),
            None => "collect responses there".to_string(),
        };
        return Err(StatsError::EmptyCells { cells: empty, fix });
    }
    Ok((0..nc)
        .map(|c| {
            let g = group[c];
            if sample[g] > 0.0 {
                d.weight[c] * pop[g] / sample[g]
            } else {
                d.weight[c]
            }
        })
        .collect())
}
