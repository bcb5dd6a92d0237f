//! Estimates from rows: every indicator for the city and each domain, with its
//! interval, design effect, flag and target status.

use super::cells::{build_design, psu_rows, Census};
use super::data::{Dataset, Exclusions};
use super::design::{Design, Weighting};
use super::domains::{domain_var, DomainVar};
use super::error::StatsError;
use super::estimate;
use super::indicators::{indicators, Indicator};
use super::interval;
use super::plan::EstimateKind;
use super::results::{Estimate, Options, Report};
use super::target;
use crate::definition::Survey;

/// Where the cell sums of an indicator come from: the rows of a dataset, or the atoms
/// of a tally. [`report`] asks it for each indicator, then for the city and each
/// domain, and makes the estimates alike from either.
pub(super) trait SumSource {
    /// Prepares `ind`; false when the data hold no answers to it (skipped).
    fn indicator(&mut self, ind: &Indicator<'_>) -> bool;
    /// The prepared indicator's cell sums for the city (`None`) or domain `d`.
    fn sums(&self, domain: Option<usize>) -> estimate::CellSums;
}

/// The confidence level must be one.
pub(super) fn check_level(opts: &Options) -> Result<(), StatsError> {
    if opts.level > 0.5 && opts.level < 1.0 {
        Ok(())
    } else {
        Err(StatsError::Level(opts.level))
    }
}

/// The one way a [`Report`] is made: every indicator for the city and for each group
/// of each domain (`domains`: name and group labels, in the order the source knows
/// them), on `design`, over `total_rows` respondents.
pub(super) fn report(
    survey: &Survey,
    design: &Design,
    domains: &[(&str, &[String])],
    total_rows: f64,
    opts: &Options,
    source: &mut dyn SumSource,
) -> Report {
    let mut estimates = Vec::new();
    for ind in &indicators(survey, opts.scores) {
        if !source.indicator(ind) {
            continue;
        }
        let city = source.sums(None);
        estimates.extend(finish(
            ind, "city", "ALL", design, &city, 0, total_rows, opts,
        ));
        for (d, (name, labels)) in domains.iter().enumerate() {
            let sums = source.sums(Some(d));
            for (g, label) in labels.iter().enumerate() {
                estimates.extend(finish(ind, name, label, design, &sums, g, total_rows, opts));
            }
        }
    }
    Report {
        weighting: opts.weighting,
        method: opts.method,
        level: opts.level,
        respondents: total_rows as usize,
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
    }
}

/// The rows of a dataset as a [`SumSource`]: each indicator's values per row, summed
/// per cell (and per PSU cell when the design is clustered).
struct Rows<'a> {
    data: &'a Dataset,
    design: &'a Design,
    cells: &'a [u32],
    psu: Option<&'a [u32]>,
    domains: &'a [DomainVar],
    y: Vec<f64>,
}

impl SumSource for Rows<'_> {
    fn indicator(&mut self, ind: &Indicator<'_>) -> bool {
        self.y = ind.values(self.data);
        true
    }

    fn sums(&self, domain: Option<usize>) -> estimate::CellSums {
        let nc = self.design.layout.n_cells();
        let (group, n_groups) = match domain {
            None => (None, 1),
            Some(d) => (
                Some(self.domains[d].group.as_slice()),
                self.domains[d].labels.len(),
            ),
        };
        let s = estimate::CellSums::collect(self.cells, group, n_groups, nc, &self.y);
        match (&self.design.psus, self.psu) {
            (Some(p), Some(rows)) => s.with_psus(p, rows, self.cells, group, &self.y),
            _ => s,
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
    check_level(opts)?;
    let (design, cells) = build_design(survey, data, census, opts)?;
    let psu = psu_rows(survey, data, opts)?;
    let domains: Vec<DomainVar> = opts
        .by
        .iter()
        .filter_map(|b| domain_var(survey, data, b))
        .collect();
    let names: Vec<(&str, &[String])> = domains
        .iter()
        .map(|d| (d.name.as_str(), d.labels.as_slice()))
        .collect();
    let mut rows = Rows {
        data,
        design: &design,
        cells: &cells,
        psu: psu.as_deref(),
        domains: &domains,
        y: Vec::new(),
    };
    Ok(report(
        survey,
        &design,
        &names,
        data.len() as f64,
        opts,
        &mut rows,
    ))
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
            e.target_status = Some(target::status(e.rate(), t, opts.level));
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
