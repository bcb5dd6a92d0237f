//! Differences: between waves (independent samples, each weighted on its own) and
//! between two groups of one design.

use serde::Serialize;

use super::analyse::analyse;
use super::cells::{build_design, psu_rows, Census};
use super::data::Dataset;
use super::domains::DomainVar;
use super::error::StatsError;
use super::estimate;
use super::indicators::indicators;
use super::interval;
use super::plan::EstimateKind;
use super::results::{Estimate, Options};
use crate::definition::Survey;

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
    let se = (a.se * a.se + b.se * b.se).sqrt();
    Difference::of(
        (&a.indicator, a.kind, &a.domain),
        (&a.group, a.estimate),
        (&b.group, b.estimate),
        se,
        a.df.min(b.df),
        level,
    )
}

impl Difference {
    /// b − a with its standard error, a t interval and two-sided p on `df` degrees of
    /// freedom (no p without a standard error; an infinite `df` is the normal).
    pub fn of(
        (indicator, kind, domain): (&str, EstimateKind, &str),
        (a, estimate_a): (&str, f64),
        (b, estimate_b): (&str, f64),
        se: f64,
        df: f64,
        level: f64,
    ) -> Difference {
        let diff = estimate_b - estimate_a;
        let (lo, hi) = interval::t_interval(diff, se, df, level);
        Difference {
            indicator: indicator.to_string(),
            kind,
            domain: domain.to_string(),
            a: a.to_string(),
            b: b.to_string(),
            estimate_a,
            estimate_b,
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

/// The convenience sample's estimates minus the household probability sample's, for
/// every estimate both have (same indicator, domain and group), as independent samples
/// ([`independent_difference`]): how far the cheap figures are from those the evaluation
/// will see. `a` is the household sample, `b` the convenience sample. Estimates without
/// a standard error on either side (a single unit) have no difference.
pub fn sample_gap(household: &[Estimate], convenience: &[Estimate], level: f64) -> Vec<Difference> {
    household
        .iter()
        .filter_map(|h| {
            let c = convenience.iter().find(|c| {
                c.indicator == h.indicator
                    && c.kind == h.kind
                    && c.domain == h.domain
                    && c.group == h.group
            })?;
            if !(h.se.is_finite() && c.se.is_finite()) || h.df < 1.0 || c.df < 1.0 {
                return None;
            }
            // `a` and `b` name the group (the same on both sides).
            Some(independent_difference(h, c, level))
        })
        .collect()
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
        // The joint design's variance (`diff` is b − a of the same estimates).
        debug_assert!((diff - (eb.estimate - ea.estimate)).abs() < 1e-12);
        out.push(Difference::of(
            (&ind.name, ind.kind, &dv.name),
            (&dv.labels[a], ea.estimate),
            (&dv.labels[b], eb.estimate),
            var.sqrt(),
            df,
            opts.level,
        ));
    }
    Ok(out)
}
