//! Domain means and proportions with Taylor-linearization standard errors that account
//! for stratification and calibration, computed from per-cell sums.
//!
//! For a domain, the influence value of respondent i is `z_i = w_i (y_i − ȳ) / Σw` in
//! the domain (zero elsewhere, missing answers included). Calibration subtracts, per
//! cell, the same amount from every respondent ([`Design::calibrate_influence`]), so
//! Σz and Σz² per cell are all the stratified variance needs:
//! `V = Σ_h n_h/(n_h−1) Σ_{i∈h} (z_i − z̄_h)²` with `n_h` the district's respondents.

// Cells, strata and groups live in parallel arrays indexed together; index loops say so.
#![allow(clippy::needless_range_loop)]

use super::design::{Design, Psus};

/// Per cell × group sums of one variable: respondents with an answer, Σy, Σy², and all
/// rows of the group in that cell (with or without an answer).
#[derive(Debug, Clone)]
pub struct CellSums {
    pub n_groups: usize,
    pub n_cells: usize,
    pub answered: Vec<f64>,
    pub sum: Vec<f64>,
    pub sum_sq: Vec<f64>,
    pub rows: Vec<f64>,
    /// With clusters: per group × PSU cell, respondents with an answer and Σy (the
    /// PSU totals the variance needs); empty without.
    pub psu_cells: usize,
    pub psu_answered: Vec<f64>,
    pub psu_sum: Vec<f64>,
}

impl CellSums {
    /// Adds the PSU sums of a clustered design: `psu` is each row's PSU.
    pub fn with_psus(
        mut self,
        psus: &Psus,
        psu: &[u32],
        cell: &[u32],
        group: Option<&[u32]>,
        y: &[f64],
    ) -> CellSums {
        let k = psus.n * psus.per;
        self.psu_cells = k;
        self.psu_answered = vec![0.0; k * self.n_groups];
        self.psu_sum = vec![0.0; k * self.n_groups];
        for i in 0..cell.len() {
            let g = group.map_or(0, |g| g[i] as usize);
            let v = y[i];
            if g >= self.n_groups || v.is_nan() {
                continue;
            }
            let idx = g * k + psu[i] as usize * psus.per + cell[i] as usize % psus.per;
            self.psu_answered[idx] += 1.0;
            self.psu_sum[idx] += v;
        }
        self
    }

    /// Makes room for PSU sums filled by [`CellSums::add_psu`] (aggregates).
    pub fn with_psu_room(mut self, psus: &Psus) -> CellSums {
        let k = psus.n * psus.per;
        self.psu_cells = k;
        self.psu_answered = vec![0.0; k * self.n_groups];
        self.psu_sum = vec![0.0; k * self.n_groups];
        self
    }

    /// Adds `answered` answers summing to `sum` to PSU cell `k` of group `g`.
    pub fn add_psu(&mut self, g: usize, k: usize, answered: f64, sum: f64) {
        let i = g * self.psu_cells + k;
        self.psu_answered[i] += answered;
        self.psu_sum[i] += sum;
    }

    /// One pass over the rows. `y` is NaN where the answer is missing (or excluded,
    /// such as "don't know"); `group` is the domain of each row (`None`: one domain).
    pub fn collect(
        cell: &[u32],
        group: Option<&[u32]>,
        n_groups: usize,
        n_cells: usize,
        y: &[f64],
    ) -> CellSums {
        let mut s = CellSums::empty(n_groups, n_cells);
        for i in 0..cell.len() {
            let g = group.map_or(0, |g| g[i] as usize);
            if g >= n_groups {
                continue; // rows outside every group (e.g. unknown community)
            }
            let idx = g * n_cells + cell[i] as usize;
            s.rows[idx] += 1.0;
            let v = y[i];
            if !v.is_nan() {
                s.answered[idx] += 1.0;
                s.sum[idx] += v;
                s.sum_sq[idx] += v * v;
            }
        }
        s
    }

    /// No rows yet (for sums built from aggregates).
    pub fn empty(n_groups: usize, n_cells: usize) -> CellSums {
        let k = n_cells * n_groups;
        CellSums {
            n_groups,
            n_cells,
            answered: vec![0.0; k],
            sum: vec![0.0; k],
            sum_sq: vec![0.0; k],
            rows: vec![0.0; k],
            psu_cells: 0,
            psu_answered: vec![],
            psu_sum: vec![],
        }
    }

    /// Adds `rows` rows of cell `c` in group `g`, `answered` of them with an answer
    /// summing to `sum` (squares: `sum_sq`).
    pub fn add(&mut self, g: usize, c: usize, rows: f64, answered: f64, sum: f64, sum_sq: f64) {
        let i = self.at(g, c);
        self.rows[i] += rows;
        self.answered[i] += answered;
        self.sum[i] += sum;
        self.sum_sq[i] += sum_sq;
    }

    fn at(&self, g: usize, c: usize) -> usize {
        g * self.n_cells + c
    }
}

/// The design-based figures for one domain, before intervals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DomainStat {
    /// Respondents in the domain with an answer (and non-zero weight).
    pub n: f64,
    /// All rows of the domain, answered or not (R's `nrow` of the domain subset).
    pub rows: f64,
    pub weighted_total: f64,
    pub estimate: f64,
    pub variance: f64,
    /// Variance under simple random sampling of the same size (for the design effect).
    pub variance_srs: f64,
    /// n minus the strata (districts) the domain's respondents come from.
    pub df: f64,
}

impl DomainStat {
    pub fn se(&self) -> f64 {
        self.variance.max(0.0).sqrt()
    }
    pub fn deff(&self) -> f64 {
        if self.variance_srs > 0.0 {
            self.variance / self.variance_srs
        } else {
            f64::NAN
        }
    }
}

/// Influence totals of one domain per cell: Σz and Σz²; with clusters also Σz per PSU
/// cell.
struct Influence {
    sum: Vec<f64>,
    sum_sq: Vec<f64>,
    psu: Option<Vec<f64>>,
}

fn influence(d: &Design, s: &CellSums, g: usize, mean: f64, total_w: f64, sign: f64) -> Influence {
    let nc = s.n_cells;
    let mut sum = vec![0.0; nc];
    let mut sum_sq = vec![0.0; nc];
    for c in 0..nc {
        let i = s.at(g, c);
        let w = d.weight[c];
        if s.answered[i] == 0.0 || w == 0.0 {
            continue;
        }
        let a = w / total_w;
        // Σ (y − ȳ) and Σ (y − ȳ)² from the cell's sums.
        let dev = s.sum[i] - s.answered[i] * mean;
        let dev_sq = s.sum_sq[i] - 2.0 * mean * s.sum[i] + s.answered[i] * mean * mean;
        sum[c] = sign * a * dev;
        sum_sq[c] = a * a * dev_sq.max(0.0);
    }
    let psu = d.psus.as_ref().filter(|_| s.psu_cells > 0).map(|p| {
        let k = s.psu_cells;
        (0..k)
            .map(|j| {
                let i = g * k + j;
                let w = d.weight[p.cell_of(j)];
                if s.psu_answered[i] == 0.0 || w == 0.0 {
                    0.0
                } else {
                    sign * w / total_w * (s.psu_sum[i] - s.psu_answered[i] * mean)
                }
            })
            .collect()
    });
    Influence { sum, sum_sq, psu }
}

/// Stratified variance of influence totals after calibration.
fn variance(d: &Design, mut inf: Influence) -> f64 {
    let raw_sum = inf.sum.clone();
    let delta = d.calibrate_influence(&mut inf.sum);
    if let (Some(p), Some(u)) = (&d.psus, &inf.psu) {
        return clustered(d, p, u, &delta);
    }
    let nh = d.layout.n_districts;
    let mut sx = vec![0.0; nh];
    let mut sxx = vec![0.0; nh];
    for c in 0..inf.sum.len() {
        let h = d.layout.district_of(c);
        let m = d.count[c];
        if m == 0.0 {
            continue;
        }
        sx[h] += inf.sum[c];
        // Σ (z − δ)² = Σz² − 2δΣz + mδ²
        sxx[h] += inf.sum_sq[c] - 2.0 * delta[c] * raw_sum[c] + m * delta[c] * delta[c];
    }
    let mut v = 0.0;
    for h in 0..nh {
        let n = d.stratum_n[h];
        if n < 2.0 {
            continue; // a district with one respondent adds no estimable variance
        }
        v += n / (n - 1.0) * (sxx[h] - sx[h] * sx[h] / n);
    }
    v.max(0.0)
}

/// With clusters, R's with-replacement linearization over PSU totals: Z_i = Σ over the
/// PSU's cells of (z − δ), and V = Σ_h m_h/(m_h − 1) Σ_i (Z_i − Z̄_h)² with m_h the
/// stratum's PSUs. A stratum with a single PSU adds nothing (R's
/// `survey.lonely.psu = "remove"`).
fn clustered(d: &Design, p: &Psus, u: &[f64], delta: &[f64]) -> f64 {
    let mut z = vec![0.0; p.n];
    for (k, &v) in u.iter().enumerate() {
        let c = p.cell_of(k);
        z[k / p.per] += v - p.count[k] * delta[c];
    }
    let nh = d.layout.n_districts;
    let (mut sx, mut sxx) = (vec![0.0; nh], vec![0.0; nh]);
    for i in 0..p.n {
        let h = p.stratum[i];
        sx[h] += z[i];
        sxx[h] += z[i] * z[i];
    }
    let mut v = 0.0;
    for h in 0..nh {
        let m = p.per_stratum[h];
        if m < 2.0 {
            continue;
        }
        v += m / (m - 1.0) * (sxx[h] - sx[h] * sx[h] / m);
    }
    v.max(0.0)
}

/// PSUs and strata a domain's answered respondents come from.
fn psus_in(d: &Design, s: &CellSums, groups: &[usize]) -> Option<(f64, f64)> {
    let p = d.psus.as_ref().filter(|_| s.psu_cells > 0)?;
    let mut psu = vec![false; p.n];
    let mut strata = vec![false; d.layout.n_districts];
    for &g in groups {
        for j in 0..s.psu_cells {
            if s.psu_answered[g * s.psu_cells + j] > 0.0 {
                psu[j / p.per] = true;
                strata[p.stratum[j / p.per]] = true;
            }
        }
    }
    let count = |v: &[bool]| v.iter().filter(|&&b| b).count() as f64;
    Some((count(&psu), count(&strata)))
}

/// Mean of `y` in group `g` with its linearization variance.
pub fn domain(d: &Design, s: &CellSums, g: usize) -> Option<DomainStat> {
    let nc = s.n_cells;
    let (mut n, mut rows, mut wt, mut wy) = (0.0, 0.0, 0.0, 0.0);
    let mut strata = vec![false; d.layout.n_districts];
    for c in 0..nc {
        let i = s.at(g, c);
        rows += s.rows[i];
        if s.answered[i] == 0.0 || d.weight[c] == 0.0 {
            continue;
        }
        n += s.answered[i];
        wt += d.weight[c] * s.answered[i];
        wy += d.weight[c] * s.sum[i];
        strata[d.layout.district_of(c)] = true;
    }
    if n == 0.0 || wt <= 0.0 {
        return None;
    }
    let mean = wy / wt;
    let inf = influence(d, s, g, mean, wt, 1.0);
    // Weighted variance of y in the domain, for the SRS variance of the design effect.
    let mut ss = 0.0;
    for c in 0..nc {
        let i = s.at(g, c);
        if s.answered[i] == 0.0 {
            continue;
        }
        ss += d.weight[c] * (s.sum_sq[i] - 2.0 * mean * s.sum[i] + s.answered[i] * mean * mean);
    }
    let s2 = if n > 1.0 {
        ss.max(0.0) / wt * n / (n - 1.0)
    } else {
        f64::NAN
    };
    let variance_srs = s2 * (wt - n) / (wt * n);
    let variance = variance(d, inf);
    Some(DomainStat {
        n,
        rows,
        weighted_total: wt,
        estimate: mean,
        variance,
        variance_srs,
        // R's degf: units minus strata (PSUs when clustered, else respondents).
        df: match psus_in(d, s, &[g]) {
            Some((units, strata)) => units - strata,
            None => n - strata.iter().filter(|&&b| b).count() as f64,
        },
    })
}

/// Difference of the means of groups `b` and `a` (b − a) estimated in one design, with
/// the variance of the difference (covariance included, as a regression on a group
/// factor gives). Returns (difference, variance, df).
pub fn difference(d: &Design, s: &CellSums, a: usize, b: usize) -> Option<(f64, f64, f64)> {
    let da = domain(d, s, a)?;
    let db = domain(d, s, b)?;
    let ia = influence(d, s, a, da.estimate, da.weighted_total, -1.0);
    let ib = influence(d, s, b, db.estimate, db.weighted_total, 1.0);
    // Every row is in at most one of the groups, so per-cell Σz and Σz² add up.
    let inf = Influence {
        sum: ia.sum.iter().zip(&ib.sum).map(|(x, y)| x + y).collect(),
        sum_sq: ia
            .sum_sq
            .iter()
            .zip(&ib.sum_sq)
            .map(|(x, y)| x + y)
            .collect(),
        psu: ia
            .psu
            .zip(ib.psu)
            .map(|(x, y)| x.iter().zip(&y).map(|(p, q)| p + q).collect()),
    };
    let mut strata = vec![false; d.layout.n_districts];
    for c in 0..s.n_cells {
        if s.answered[s.at(a, c)] + s.answered[s.at(b, c)] > 0.0 {
            strata[d.layout.district_of(c)] = true;
        }
    }
    // As R's svyglm reports it: units minus strata.
    let df = match psus_in(d, s, &[a, b]) {
        Some((units, strata)) => units - strata,
        None => da.n + db.n - strata.iter().filter(|&&x| x).count() as f64,
    };
    Some((db.estimate - da.estimate, variance(d, inf), df))
}
