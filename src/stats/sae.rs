//! Small-area estimation: the area-level Fay–Herriot model, as R's `sae` package (1.3)
//! fits it (`eblupFH`, `mseFH`): y_d = x_d'β + v_d + e_d with v_d ~ N(0, A) and
//! e_d ~ N(0, ψ_d) known. The variance A by REML, ML or the Fay–Herriot moments, with
//! `sae`'s start (the median of ψ), Fisher-scoring update and stopping rule; the EBLUP
//! and its MSE (Prasad–Rao for REML, Datta–Lahiri for ML and FH); the synthetic
//! estimate x'β̂ with MSE Â + x'Qx for areas without respondents; ratio benchmarking
//! to the districts' direct rates. Pure: numbers in, numbers out.

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

/// How the random-effect variance is estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FhMethod {
    Reml,
    Ml,
    Fh,
}

impl FhMethod {
    pub fn parse(s: &str) -> Option<FhMethod> {
        match s.to_ascii_lowercase().as_str() {
            "reml" => Some(FhMethod::Reml),
            "ml" => Some(FhMethod::Ml),
            "fh" => Some(FhMethod::Fh),
            _ => None,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            FhMethod::Reml => "REML",
            FhMethod::Ml => "ML",
            FhMethod::Fh => "FH",
        }
    }
}

/// `sae`'s `MAXITER` and `PRECISION` (its defaults: 100 and 1e-4).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct FhControl {
    pub max_iterations: usize,
    pub precision: f64,
}

impl Default for FhControl {
    fn default() -> Self {
        FhControl {
            max_iterations: 100,
            precision: 1e-4,
        }
    }
}

/// One area: its direct estimate and sampling variance (both `None` without
/// respondents: it is then out of sample) and its covariates (without the intercept).
#[derive(Debug, Clone)]
pub struct Area {
    pub name: String,
    pub direct: Option<f64>,
    pub psi: Option<f64>,
    pub x: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SaeError {
    #[error("{areas} areas with respondents cannot fit {params} coefficients (the intercept and {covariates} covariate(s)); use fewer covariates or more areas")]
    TooFewAreas {
        areas: usize,
        params: usize,
        covariates: usize,
    },
    #[error("covariate `{covariate}` is a linear combination of {others} over the areas (for example census shares that add up to 1 with the intercept); leave it out")]
    Collinear { covariate: String, others: String },
    #[error("area `{0}` has a sampling variance that is not positive; smooth the variances (a zero variance claims a certainty the data do not have)")]
    BadVariance(String),
    #[error("area `{area}` has no value for covariate `{covariate}`; covariates must be known for every area")]
    MissingCovariate { area: String, covariate: String },
    #[error("the {method} fit did not converge in {iterations} iterations (as R's sae, no estimates are given); use the direct estimates, another method, or fewer covariates")]
    NotConverged {
        method: &'static str,
        iterations: usize,
    },
}

/// The fitted model.
#[derive(Debug, Clone, Serialize)]
pub struct FhFit {
    pub method: FhMethod,
    pub converged: bool,
    pub iterations: usize,
    /// Â, truncated at 0.
    pub refvar: f64,
    /// Names of the coefficients: `(intercept)`, then the covariates.
    pub names: Vec<String>,
    pub beta: Vec<f64>,
    pub beta_se: Vec<f64>,
    pub loglike: f64,
    pub aic: f64,
    pub bic: f64,
    /// Areas with respondents (in the fit) and without (synthetic only).
    pub sampled: usize,
    pub out_of_sample: usize,
}

/// One area's model estimate.
#[derive(Debug, Clone, Serialize)]
pub struct AreaEstimate {
    pub area: String,
    pub estimate: f64,
    pub mse: f64,
    /// Â / (Â + ψ), the weight of the direct estimate; `None` out of sample.
    pub gamma: Option<f64>,
    /// Whether the estimate is the regression (synthetic) part alone: out of sample,
    /// or Â = 0.
    pub synthetic: bool,
}

/// Fits the model and estimates every area. `names`: the covariates' names (for the
/// output and the errors).
pub fn fay_herriot(
    areas: &[Area],
    names: &[String],
    method: FhMethod,
    control: FhControl,
) -> Result<(FhFit, Vec<AreaEstimate>), SaeError> {
    let p = names.len() + 1;
    let row = |a: &Area| -> Result<Vec<f64>, SaeError> {
        if a.x.len() != names.len() || a.x.iter().any(|v| !v.is_finite()) {
            let k = a.x.iter().position(|v| !v.is_finite()).unwrap_or(a.x.len());
            return Err(SaeError::MissingCovariate {
                area: a.name.clone(),
                covariate: names.get(k).cloned().unwrap_or_default(),
            });
        }
        let mut r = Vec::with_capacity(p);
        r.push(1.0);
        r.extend(&a.x);
        Ok(r)
    };
    let sampled: Vec<&Area> = areas
        .iter()
        .filter(|a| a.direct.is_some_and(f64::is_finite))
        .collect();
    for a in &sampled {
        if !a.psi.is_some_and(|v| v.is_finite() && v > 0.0) {
            return Err(SaeError::BadVariance(a.name.clone()));
        }
    }
    let m = sampled.len();
    if m <= p {
        return Err(SaeError::TooFewAreas {
            areas: m,
            params: p,
            covariates: names.len(),
        });
    }
    let rows: Vec<Vec<f64>> = sampled.iter().map(|a| row(a)).collect::<Result<_, _>>()?;
    let x = DMatrix::from_fn(m, p, |i, j| rows[i][j]);
    collinearity(&x, names)?;
    let y = DVector::from_iterator(m, sampled.iter().map(|a| a.direct.unwrap_or(f64::NAN)));
    let psi = DVector::from_iterator(m, sampled.iter().map(|a| a.psi.unwrap_or(f64::NAN)));
    // V⁻¹ (as a vector), X'V⁻¹ and Q = (X'V⁻¹X)⁻¹ at a given A.
    type AtA = (DVector<f64>, DMatrix<f64>, DMatrix<f64>);
    let q_of = |a: f64| -> Result<AtA, SaeError> {
        let vi = psi.map(|s| 1.0 / (a + s));
        // X'V⁻¹ (p × m)
        let mut xtvi = x.transpose();
        for j in 0..m {
            for i in 0..p {
                xtvi[(i, j)] *= vi[j];
            }
        }
        let q = (&xtvi * &x)
            .try_inverse()
            .ok_or_else(|| SaeError::Collinear {
                covariate: names.last().cloned().unwrap_or_default(),
                others: "the other covariates".into(),
            })?;
        Ok((vi, xtvi, q))
    };

    // Fisher scoring from the median of ψ, as sae does.
    let mut sorted: Vec<f64> = psi.iter().copied().collect();
    sorted.sort_by(f64::total_cmp);
    let median = if m % 2 == 1 {
        sorted[m / 2]
    } else {
        (sorted[m / 2 - 1] + sorted[m / 2]) / 2.0
    };
    let mut a = median;
    let mut k = 0;
    let mut diff = control.precision + 1.0;
    while diff > control.precision && k < control.max_iterations {
        k += 1;
        let (vi, xtvi, q) = q_of(a)?;
        let (s, f) = match method {
            FhMethod::Reml => {
                // P = V⁻¹ − V⁻¹X Q X'V⁻¹
                let mut pm = -(xtvi.transpose() * &q * &xtvi);
                for i in 0..m {
                    pm[(i, i)] += vi[i];
                }
                let py = &pm * &y;
                let tr_p: f64 = (0..m).map(|i| pm[(i, i)]).sum();
                let tr_pp: f64 = pm.iter().map(|v| v * v).sum();
                (-0.5 * tr_p + 0.5 * py.dot(&py), 0.5 * tr_pp)
            }
            FhMethod::Ml => {
                let beta = &q * &xtvi * &y;
                let res = &y - &x * beta;
                let s = -0.5 * vi.sum()
                    + 0.5 * (0..m).map(|i| res[i] * res[i] * vi[i] * vi[i]).sum::<f64>();
                (s, 0.5 * vi.iter().map(|v| v * v).sum::<f64>())
            }
            FhMethod::Fh => {
                let beta = &q * &xtvi * &y;
                let res = &y - &x * beta;
                let s = (0..m).map(|i| res[i] * res[i] * vi[i]).sum::<f64>() - m as f64 + p as f64;
                (s, vi.sum())
            }
        };
        let next = a + s / f;
        diff = ((next - a) / a).abs();
        a = next;
    }
    if k >= control.max_iterations && diff >= control.precision {
        return Err(SaeError::NotConverged {
            method: method.name(),
            iterations: k,
        });
    }
    let a = a.max(0.0);
    let (vi, xtvi, q) = q_of(a)?;
    let beta = &q * &xtvi * &y;
    let xbeta = &x * &beta;
    let resid = &y - &xbeta;
    let loglike = -0.5
        * (0..m)
            .map(|i| {
                (2.0 * std::f64::consts::PI * (a + psi[i])).ln()
                    + resid[i] * resid[i] / (a + psi[i])
            })
            .sum::<f64>();
    let fit = FhFit {
        method,
        converged: true,
        iterations: k,
        refvar: a,
        names: std::iter::once("(intercept)".to_string())
            .chain(names.iter().cloned())
            .collect(),
        beta: beta.iter().copied().collect(),
        beta_se: (0..p).map(|i| q[(i, i)].sqrt()).collect(),
        loglike,
        aic: -2.0 * loglike + 2.0 * (p as f64 + 1.0),
        bic: -2.0 * loglike + (p as f64 + 1.0) * (m as f64).ln(),
        sampled: m,
        out_of_sample: areas.len() - m,
    };

    // MSE (mseFH): g1 + g2 + 2 g3 (− b (1 − γ)² for ML and FH).
    let sum_vi: f64 = vi.sum();
    let sum_vi2: f64 = vi.iter().map(|v| v * v).sum();
    let (var_a, bias) = match method {
        FhMethod::Reml => (2.0 / sum_vi2, 0.0),
        FhMethod::Ml => {
            // tr[Q Σ_d V_d⁻² x_d x_d']
            let mut xv2x = DMatrix::<f64>::zeros(p, p);
            for d in 0..m {
                let xd = x.row(d);
                xv2x += vi[d] * vi[d] * xd.transpose() * xd;
            }
            let tr = (&q * xv2x).trace();
            (2.0 / sum_vi2, -tr / sum_vi2)
        }
        FhMethod::Fh => (
            2.0 * m as f64 / (sum_vi * sum_vi),
            2.0 * (m as f64 * sum_vi2 - sum_vi * sum_vi) / sum_vi.powi(3),
        ),
    };
    let xqx = |xd: &[f64]| -> f64 {
        let v = DVector::from_column_slice(xd);
        (v.transpose() * &q * &v)[(0, 0)]
    };
    let mut out = Vec::with_capacity(areas.len());
    let mut next_sampled = 0;
    for ar in areas {
        if ar.direct.is_some_and(f64::is_finite) {
            let d = next_sampled;
            next_sampled += 1;
            let b = psi[d] / (a + psi[d]);
            let gamma = a / (a + psi[d]);
            let g1 = psi[d] * (1.0 - b);
            let g2 = b * b * xqx(&rows[d]);
            let g3 = b * b * var_a / (a + psi[d]);
            out.push(AreaEstimate {
                area: ar.name.clone(),
                estimate: xbeta[d] + gamma * resid[d],
                mse: g1 + g2 + 2.0 * g3 - bias * b * b,
                gamma: Some(gamma),
                synthetic: a == 0.0,
            });
        } else {
            let r = row(ar)?;
            let synth: f64 = r.iter().zip(beta.iter()).map(|(x, b)| x * b).sum();
            out.push(AreaEstimate {
                area: ar.name.clone(),
                estimate: synth,
                mse: a + xqx(&r),
                gamma: None,
                synthetic: true,
            });
        }
    }
    Ok((fit, out))
}

/// Names the first covariate that is (numerically) a linear combination of the
/// intercept and the covariates before it.
fn collinearity(x: &DMatrix<f64>, names: &[String]) -> Result<(), SaeError> {
    let mut basis: Vec<DVector<f64>> = Vec::new();
    for j in 0..x.ncols() {
        let col = x.column(j).into_owned();
        let norm = col.norm();
        let mut v = col.clone();
        for b in &basis {
            let c = v.dot(b);
            v -= c * b;
        }
        if norm == 0.0 || v.norm() <= 1e-9 * norm.max(1.0) {
            let covariate = if j == 0 {
                "(intercept)".to_string()
            } else {
                names[j - 1].clone()
            };
            let others = std::iter::once("the intercept".to_string())
                .chain(
                    names[..j.saturating_sub(1)]
                        .iter()
                        .map(|n| format!("`{n}`")),
                )
                .collect::<Vec<_>>()
                .join(", ");
            return Err(SaeError::Collinear { covariate, others });
        }
        basis.push(v.normalize());
    }
    Ok(())
}

/// Ratio benchmarking: within each group (district), scales every area's estimate so
/// that their `weight`-weighted (adults) mean equals the group's `target` (its direct
/// rate). Returns each group's factor; groups without a target or weight are left as
/// they are (factor 1).
pub fn benchmark(
    estimates: &mut [f64],
    group: &[usize],
    weight: &[f64],
    target: &[Option<f64>],
) -> Vec<f64> {
    let n_groups = target.len();
    let (num, den) = weighted_sums(estimates, group, weight, n_groups);
    let factor: Vec<f64> = (0..n_groups)
        .map(|g| match target[g] {
            Some(t) if den[g] > 0.0 && num[g] > 0.0 => t / (num[g] / den[g]),
            _ => 1.0,
        })
        .collect();
    for (e, &g) in estimates.iter_mut().zip(group) {
        if g < n_groups {
            *e *= factor[g];
        }
    }
    factor
}

/// Per group, Σ weight × estimate and Σ weight over the estimates with a usable weight.
fn weighted_sums(
    estimates: &[f64],
    group: &[usize],
    weight: &[f64],
    n_groups: usize,
) -> (Vec<f64>, Vec<f64>) {
    let mut num = vec![0.0; n_groups];
    let mut den = vec![0.0; n_groups];
    for ((e, &g), &w) in estimates.iter().zip(group).zip(weight) {
        if g < n_groups && w.is_finite() && w > 0.0 {
            num[g] += w * e;
            den[g] += w;
        }
    }
    (num, den)
}

/// Ratio benchmarking for rates: where the district's rate is above the weighted mean
/// of its communities' estimates, their complements (1 − θ) are scaled instead of the
/// rates, so that no estimate is pushed past 100% (a plain ratio factor above 1 would);
/// either way the weighted mean equals the district's rate and every estimate stays in
/// [0, 1]. Returns per group the factor applied and whether it scaled complements.
pub fn benchmark_rates(
    estimates: &mut [f64],
    group: &[usize],
    weight: &[f64],
    target: &[Option<f64>],
) -> Vec<(f64, bool)> {
    let n_groups = target.len();
    let (num, den) = weighted_sums(estimates, group, weight, n_groups);
    let how: Vec<(f64, bool)> = (0..n_groups)
        .map(|g| match target[g] {
            Some(t) if den[g] > 0.0 => {
                let mean = num[g] / den[g];
                if t > mean && mean < 1.0 {
                    ((1.0 - t) / (1.0 - mean), true)
                } else if mean > 0.0 {
                    (t / mean, false)
                } else {
                    (1.0, false)
                }
            }
            _ => (1.0, false),
        })
        .collect();
    for (e, &g) in estimates.iter_mut().zip(group) {
        if let Some(&(f, complement)) = how.get(g) {
            *e = if complement {
                1.0 - f * (1.0 - *e)
            } else {
                *e * f
            };
        }
    }
    how
}

/// An interval for a model estimate of a rate: the Wilson score interval at the
/// effective sample size whose binomial variance equals the MSE, n* = θ̂(1 − θ̂) / MSE.
/// It lies within [0, 1] by construction, leans toward ½ when the model knows little
/// (a small n*), and does not collapse at 0% or 100% as θ̂ ± z·√MSE or a logit
/// interval would (the logit's delta method explodes near the bounds). θ̂ is kept
/// within [0.01, 0.99] for n* (a linear model can step past 0 or 1, and a rate's
/// binomial variance vanishes at the bounds: the interval errs wide there, not narrow).
pub fn model_interval(estimate: f64, mse: f64, level: f64) -> (f64, f64) {
    let p = estimate.clamp(0.01, 0.99);
    let z = super::interval::qnorm(1.0 - (1.0 - level) / 2.0);
    if mse.is_nan() || mse <= 0.0 {
        return (p, p);
    }
    let n = p * (1.0 - p) / mse;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// The sampling variance a community's direct rate is modelled with: the district's
/// rate × its design effect / the community's respondents (a generalized variance
/// function). A community's own variance is unusable where it matters most — a
/// handful of respondents, or 0% or 100% with no variance at all — while the district's
/// rate and design effect rest on hundreds; the district rate is kept ½ respondent away
/// from 0 and 1.
pub fn smoothed_variance(district_rate: f64, district_n: f64, deff: f64, n: f64) -> f64 {
    let edge = 0.5 / district_n.max(1.0);
    let p = district_rate.clamp(edge, 1.0 - edge);
    let deff = if deff.is_finite() && deff >= 1.0 {
        deff
    } else {
        1.0
    };
    p * (1.0 - p) * deff / n
}
