//! The community small-area model as every output makes it: a Fay–Herriot fit per
//! rate indicator over the communities' direct rates (`sae`), benchmarked to the
//! district rates, attached to each community's estimate beside the direct figure.

use serde::Serialize;

use super::error::StatsError;
use super::plan::{EstimateKind, Flag};
use super::results::{is_rate, Estimate, ModelEstimate, Options, Report};
use super::sae::{
    benchmark_rates, fay_herriot, model_interval, smoothed_variance, Area, FhControl, FhFit,
    FhMethod,
};
use super::target;

/// What the community model did for one indicator.
#[derive(Debug, Clone, Serialize)]
pub struct ModelFit {
    pub indicator: String,
    /// `city` (one model over every community), or the district's code.
    pub scope: String,
    pub covariates: Vec<String>,
    /// `None` when it could not be fitted (`note` says why; direct figures only).
    pub fit: Option<FhFit>,
    /// Benchmarking per district: code, factor, and whether it scaled the complements
    /// (see [`benchmark_rates`]).
    pub benchmark: Vec<(String, f64, bool)>,
    /// What a reader must know: why there is no model, a covariate left out, Â = 0.
    pub notes: Vec<String>,
}

/// Fits the community model for every rate indicator and attaches the model estimate
/// to each community's estimate in `communities` (adding one, with n = 0, for every
/// community without respondents). `districts` supplies the district rates (the
/// benchmarks and the smoothed variances), `prior` the previous wave (for the `prior`
/// covariate).
pub fn model_communities(
    survey: &crate::definition::Survey,
    communities: &mut Report,
    districts: &Report,
    prior: Option<&Report>,
) -> Vec<ModelFit> {
    if survey.small_area.scope == "district" {
        // One model per district, over its own communities.
        let mut fits = Vec::new();
        for d in &survey.districts {
            let places: Vec<_> = d.communities.iter().map(|c| (d, c)).collect();
            fits.extend(model_places(
                survey,
                &places,
                &d.code,
                communities,
                districts,
                prior,
            ));
        }
        fits
    } else {
        let places: Vec<_> = survey.communities().collect();
        model_places(survey, &places, "city", communities, districts, prior)
    }
}

/// The community model as every output makes it (the dashboard, the pack, `minyi
/// stats --sae`): benchmarked to `districts` (this wave's district rates), with the
/// wave before `wave` among `waves` (numeric order) for its `prior` covariate,
/// estimated by `estimate(wave, options)` with the same design by district and
/// community. Without an earlier wave, or when it cannot be estimated (too few
/// respondents to calibrate, say), the model runs without it and its notes say so.
pub fn community_model(
    survey: &crate::definition::Survey,
    communities: &mut Report,
    districts: &Report,
    opts: &Options,
    waves: &[String],
    wave: &str,
    estimate: &dyn Fn(&str, &Options) -> Result<Report, StatsError>,
) -> Vec<ModelFit> {
    let previous = waves
        .iter()
        .position(|w| w == wave)
        .filter(|&i| i > 0)
        .map(|i| waves[i - 1].clone());
    let prior_opts = Options {
        by: vec!["district".into(), "community".into()],
        ..opts.clone()
    };
    let prior = previous.as_deref().map(|w| (w, estimate(w, &prior_opts)));
    let mut fits = match &prior {
        Some((_, Ok(r))) => model_communities(survey, communities, districts, Some(r)),
        _ => model_communities(survey, communities, districts, None),
    };
    let uses_prior = survey
        .small_area
        .covariates
        .contains(&crate::definition::Covariate::Prior);
    if let (true, Some((w, Err(e)))) = (uses_prior, &prior) {
        let note = format!(
            "wave {w} could not be estimated for the prior covariate ({e}); the model ran without it"
        );
        for f in &mut fits {
            f.notes.retain(|n| !n.starts_with("prior left out"));
            f.notes.push(note.clone());
        }
    }
    fits
}

type Place<'a> = (
    &'a crate::definition::District,
    &'a crate::definition::Community,
);

fn model_places(
    survey: &crate::definition::Survey,
    places: &[Place<'_>],
    scope: &str,
    communities: &mut Report,
    districts: &Report,
    prior: Option<&Report>,
) -> Vec<ModelFit> {
    use crate::definition::Covariate;
    let method = FhMethod::parse(&survey.small_area.method).unwrap_or(FhMethod::Reml);
    if places.is_empty() {
        return vec![];
    }
    let level = communities.level;
    let mut fits = Vec::new();
    let indicators: Vec<(String, String)> = communities
        .estimates
        .iter()
        .filter(|e| e.domain == "community" && is_rate(e))
        .filter(|e| {
            places
                .iter()
                .any(|(d, c)| e.group == format!("{}/{}", d.code, c.code))
        })
        .map(|e| (e.indicator.clone(), e.dimension.clone()))
        .fold(Vec::new(), |mut v, x| {
            if !v.contains(&x) {
                v.push(x);
            }
            v
        });
    for (indicator, dimension) in indicators {
        let mut notes = Vec::new();
        let district_of = |code: &str| {
            districts.estimates.iter().find(|e| {
                e.domain == "district" && e.group == code && e.indicator == indicator && is_rate(e)
            })
        };
        let find = |r: &Report, domain: &str, group: &str| {
            r.estimates
                .iter()
                .find(|e| {
                    e.domain == domain && e.group == group && e.indicator == indicator && is_rate(e)
                })
                .filter(|e| e.n > 0.0 && e.estimate.is_finite())
                .map(|e| e.estimate)
        };
        // Covariates; `prior` only with an earlier wave.
        let mut covs: Vec<&Covariate> = survey.small_area.covariates.iter().collect();
        if prior.is_none() && covs.contains(&&Covariate::Prior) {
            covs.retain(|c| **c != Covariate::Prior);
            notes.push("prior left out: there is no earlier wave".to_string());
        }
        let names: Vec<String> = covs.iter().map(|c| c.name()).collect();
        let mut areas = Vec::with_capacity(places.len());
        for (d, c) in places {
            let group = format!("{}/{}", d.code, c.code);
            let own = communities
                .estimates
                .iter()
                .find(|e| {
                    e.domain == "community"
                        && e.group == group
                        && e.indicator == indicator
                        && is_rate(e)
                })
                .filter(|e| e.n > 0.0 && e.estimate.is_finite());
            let de = district_of(&d.code);
            let (direct, psi) = match (own, de) {
                (Some(e), Some(de)) => (
                    Some(e.estimate),
                    Some(smoothed_variance(de.estimate, de.n, de.deff, e.n)),
                ),
                _ => (None, None),
            };
            let x = covs
                .iter()
                .map(|cv| match cv {
                    Covariate::Share { variable, category } => c
                        .by_category
                        .iter()
                        .find(|(v, k, _)| v == variable && k == category)
                        .zip(c.adults)
                        .map_or(f64::NAN, |((_, _, n), a)| *n as f64 / a.max(1) as f64),
                    // The previous wave's own figure, or its district's where the
                    // community had no respondents then.
                    Covariate::Prior => prior
                        .and_then(|p| {
                            find(p, "community", &group).or_else(|| find(p, "district", &d.code))
                        })
                        .unwrap_or(f64::NAN),
                })
                .collect();
            areas.push(Area {
                name: group,
                direct,
                psi,
                x,
            });
        }
        let fitted = fay_herriot(&areas, &names, method, FhControl::default());
        let (fit, est) = match fitted {
            Ok(x) => x,
            Err(e) => {
                notes.push(format!("no model: {e}; the direct figures stand alone"));
                fits.push(ModelFit {
                    indicator,
                    scope: scope.to_string(),
                    covariates: names,
                    fit: None,
                    benchmark: vec![],
                    notes,
                });
                continue;
            }
        };
        if fit.refvar == 0.0 {
            notes.push("the between-community variance is estimated as 0: every model estimate is the synthetic one, and its interval understates the uncertainty of the model itself".into());
        }
        // Ratio benchmarking to each district's direct rate, weighting communities by
        // their adults (equally where a district lacks them).
        let group: Vec<usize> = places
            .iter()
            .map(|(d, _)| {
                survey
                    .districts
                    .iter()
                    .position(|x| x.code == d.code)
                    .unwrap_or(0)
            })
            .collect();
        let all_adults = places.iter().all(|(_, c)| c.adults.is_some());
        let weight: Vec<f64> = places
            .iter()
            .map(|(_, c)| {
                if all_adults {
                    c.adults.unwrap_or(1) as f64
                } else {
                    1.0
                }
            })
            .collect();
        let target: Vec<Option<f64>> = survey
            .districts
            .iter()
            .map(|d| district_of(&d.code).map(|e| e.estimate))
            .collect();
        let mut values: Vec<f64> = est.iter().map(|e| e.estimate.clamp(0.0, 1.0)).collect();
        let factor = benchmark_rates(&mut values, &group, &weight, &target);
        let rate_target = survey
            .question(&indicator)
            .and_then(|q| survey.target_for(q));
        for ((a, e), (v, &g)) in est.iter().zip(&areas).zip(values.iter().zip(&group)) {
            let f = factor[g].0;
            let mse = a.mse * f * f;
            let value = v.clamp(0.0, 1.0);
            let (lo, hi) = model_interval(value, mse, level);
            let status = rate_target.map(|t| target::status_of_interval(value, lo, hi, t));
            let model = ModelEstimate {
                estimate: value,
                mse,
                ci_low: lo,
                ci_high: hi,
                gamma: a.gamma,
                synthetic: a.synthetic,
                method,
                target_status: status,
            };
            match communities.estimates.iter_mut().find(|x| {
                x.domain == "community"
                    && x.group == e.name
                    && x.indicator == indicator
                    && is_rate(x)
            }) {
                Some(x) => x.model = Some(model),
                None => communities.estimates.push(Estimate {
                    indicator: indicator.clone(),
                    kind: EstimateKind::Proportion,
                    dimension: dimension.clone(),
                    domain: "community".into(),
                    group: e.name.clone(),
                    n: 0.0,
                    weighted_total: 0.0,
                    estimate: f64::NAN,
                    se: f64::NAN,
                    ci_low: None,
                    ci_high: None,
                    deff: f64::NAN,
                    n_eff: 0.0,
                    df: f64::NAN,
                    flag: Flag::Suppress,
                    target_status: None,
                    model: Some(model),
                }),
            }
        }
        fits.push(ModelFit {
            indicator,
            scope: scope.to_string(),
            covariates: names,
            benchmark: survey
                .districts
                .iter()
                .zip(&factor)
                .map(|(d, f)| (d.code.clone(), f.0, f.1))
                .collect(),
            fit: Some(fit),
            notes,
        });
    }
    fits
}
