//! Confidence intervals for proportions and means, computed as R's `svyciprop`,
//! `confint(svymean)`, `prop.test` and `binom.test` do.

// Cells, strata and groups live in parallel arrays indexed together; index loops say so.
#![allow(clippy::needless_range_loop)]

use statrs::distribution::{Beta, ContinuousCDF, Normal, StudentsT};

/// Interval methods. The first six take the design into account (R's `svyciprop`);
/// `wilson` and `clopper-pearson` treat the data as an unweighted simple random sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    Logit,
    Xlogit,
    Beta,
    Mean,
    Asin,
    Likelihood,
    Wilson,
    ClopperPearson,
}

impl Method {
    pub const ALL: [Method; 8] = [
        Method::Logit,
        Method::Xlogit,
        Method::Beta,
        Method::Mean,
        Method::Asin,
        Method::Likelihood,
        Method::Wilson,
        Method::ClopperPearson,
    ];
    pub fn parse(s: &str) -> Option<Method> {
        Method::ALL.iter().copied().find(|m| m.name() == s)
    }
    pub fn name(self) -> &'static str {
        match self {
            Method::Logit => "logit",
            Method::Xlogit => "xlogit",
            Method::Beta => "beta",
            Method::Mean => "mean",
            Method::Asin => "asin",
            Method::Likelihood => "likelihood",
            Method::Wilson => "wilson",
            Method::ClopperPearson => "clopper-pearson",
        }
    }
    pub fn is_unweighted(self) -> bool {
        matches!(self, Method::Wilson | Method::ClopperPearson)
    }
}

/// Quantile of Student's t (normal when df is infinite or absurdly large).
pub fn qt(p: f64, df: f64) -> f64 {
    // statrs asserts 0 ≤ p ≤ 1; degenerate inputs (NaN from an empty domain) must give
    // NaN here, never a panic.
    if !(p > 0.0 && p < 1.0) || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if !df.is_finite() || df > 1e7 {
        return qnorm(p);
    }
    // The inverse is an iterative search and the same (p, df) comes up for most
    // estimates of a report (df = respondents − districts): remembered per thread.
    thread_local! {
        static SEEN: std::cell::RefCell<std::collections::HashMap<(u64, u64), f64>> =
            Default::default();
    }
    let key = (p.to_bits(), df.to_bits());
    if let Some(q) = SEEN.with(|m| m.borrow().get(&key).copied()) {
        return q;
    }
    let q = match StudentsT::new(0.0, 1.0, df) {
        Ok(t) => t.inverse_cdf(p),
        Err(_) => f64::NAN,
    };
    SEEN.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() >= 4096 {
            m.clear();
        }
        m.insert(key, q);
    });
    q
}

pub fn qnorm(p: f64) -> f64 {
    if !(p > 0.0 && p < 1.0) {
        return f64::NAN;
    }
    Normal::standard().inverse_cdf(p)
}

pub fn pnorm(x: f64) -> f64 {
    Normal::standard().cdf(x)
}

/// Two-sided p-value of a t statistic.
pub fn p_two_sided(t: f64, df: f64) -> f64 {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if !df.is_finite() || df > 1e7 {
        return 2.0 * (1.0 - pnorm(t.abs()));
    }
    match StudentsT::new(0.0, 1.0, df) {
        Ok(d) => 2.0 * (1.0 - d.cdf(t.abs())),
        Err(_) => f64::NAN,
    }
}

pub fn qbeta(p: f64, a: f64, b: f64) -> f64 {
    if !(p > 0.0 && p < 1.0) || a.is_nan() || b.is_nan() {
        return f64::NAN;
    }
    if a <= 0.0 {
        return 0.0;
    }
    if b <= 0.0 {
        return 1.0;
    }
    match Beta::new(a, b) {
        Ok(d) => d.inverse_cdf(p),
        Err(_) => f64::NAN,
    }
}

fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

fn expit(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// What an interval needs to know about an estimate.
#[derive(Debug, Clone)]
pub struct IntervalInput {
    pub estimate: f64,
    pub se: f64,
    pub df: f64,
    pub level: f64,
    /// Rows of the design the estimate was computed in (R's `nrow(design)`), for `beta`.
    pub design_rows: f64,
    /// Unweighted count of positive answers and of answers, for `wilson` / `clopper-pearson`.
    pub successes: f64,
    pub trials: f64,
    /// For `likelihood`: what the quasi-binomial GLM needs (see [`LikelihoodInput`]).
    pub likelihood: Option<LikelihoodInput>,
}

/// The symmetric t interval of a mean (also what `mean` gives for a proportion).
pub fn t_interval(estimate: f64, se: f64, df: f64, level: f64) -> (f64, f64) {
    let t = qt(1.0 - (1.0 - level) / 2.0, df);
    (estimate - t * se, estimate + t * se)
}

/// An interval for a proportion; `None` when the method has no interval here (e.g.
/// logit-scale methods at p = 0 or 1).
pub fn proportion(method: Method, x: &IntervalInput) -> Option<(f64, f64)> {
    let p = x.estimate;
    let alpha = 1.0 - x.level;
    let t = qt(1.0 - alpha / 2.0, x.df);
    let inner = p > 0.0 && p < 1.0;
    let r = match method {
        Method::Mean => (p - t * x.se, p + t * x.se),
        Method::Logit | Method::Xlogit => {
            if !inner {
                return None;
            }
            let h = t * x.se / (p * (1.0 - p));
            (expit(logit(p) - h), expit(logit(p) + h))
        }
        Method::Asin => {
            if !inner {
                return None;
            }
            let a = p.sqrt().asin();
            let h = t * x.se / (2.0 * (p * (1.0 - p)).sqrt());
            ((a - h).sin().powi(2), (a + h).sin().powi(2))
        }
        Method::Beta => {
            // At 0% or 100% the design says nothing about the variance (0/0); R then
            // returns a meaningless zero-width interval. minyi falls back to the
            // respondents as the effective size: Clopper–Pearson, [ (α/2)^(1/n), 1 ] at 100%.
            let n_eff = if inner && x.se > 0.0 {
                let ratio = qt(alpha / 2.0, x.design_rows - 1.0) / qt(alpha / 2.0, x.df);
                p * (1.0 - p) / (x.se * x.se) * ratio * ratio
            } else {
                x.trials
            };
            if n_eff.is_nan() || n_eff <= 0.0 {
                return None;
            }
            let lo = if p <= 0.0 {
                0.0
            } else {
                qbeta(alpha / 2.0, n_eff * p, n_eff * (1.0 - p) + 1.0)
            };
            let hi = if p >= 1.0 {
                1.0
            } else {
                qbeta(1.0 - alpha / 2.0, n_eff * p + 1.0, n_eff * (1.0 - p))
            };
            (lo, hi)
        }
        Method::Likelihood => return likelihood(x),
        Method::Wilson => {
            let (k, n) = (x.successes, x.trials);
            if n <= 0.0 {
                return None;
            }
            let ph = k / n;
            let z = qnorm(1.0 - alpha / 2.0);
            let z2 = z * z;
            let centre = ph + z2 / (2.0 * n);
            let half = z * (ph * (1.0 - ph) / n + z2 / (4.0 * n * n)).sqrt();
            let den = 1.0 + z2 / n;
            ((centre - half) / den, (centre + half) / den)
        }
        Method::ClopperPearson => {
            let (k, n) = (x.successes, x.trials);
            if n <= 0.0 {
                return None;
            }
            let lo = if k == 0.0 {
                0.0
            } else {
                qbeta(alpha / 2.0, k, n - k + 1.0)
            };
            let hi = if k == n {
                1.0
            } else {
                qbeta(1.0 - alpha / 2.0, k + 1.0, n - k)
            };
            (lo, hi)
        }
    };
    (r.0.is_finite() && r.1.is_finite()).then_some(r)
}

/// The profile-likelihood interval of a quasi-binomial intercept-only GLM, rescaled by
/// the design effect (Rao–Scott), as `svyciprop(method = "likelihood")`: R profiles the
/// deviance on a grid, fits an FMM spline through the signed roots, and interpolates.
#[derive(Debug, Clone)]
pub struct LikelihoodInput {
    /// Answered rows of the domain grouped by prior weight: (GLM prior weight — the design
    /// weight over its mean across the design's rows —, count of y = 1, count of y = 0).
    pub cells: Vec<(f64, f64, f64)>,
    /// The GLM's dispersion: design-based variance of the Pearson residuals.
    pub dispersion: f64,
    /// Rows in the GLM's model frame (answered rows of the design it was fitted in).
    pub model_rows: f64,
}

/// R's `glm.fit` (IRLS) for an intercept-only binomial model, replayed exactly: the
/// model-based variance R reports comes from the working weights of the *last*
/// iteration's start, not from the converged fit, and the interval inherits that.
/// Returns (final coefficient, Σ of the last working weights).
fn glm_intercept(cells: &[(f64, f64, f64)]) -> Option<(f64, f64)> {
    let dev = |mu: &dyn Fn(f64) -> f64| -> f64 {
        cells
            .iter()
            .map(|&(w, n1, n0)| {
                let m = mu(w);
                -2.0 * w * (n1 * m.ln() + n0 * (1.0 - m).ln())
            })
            .sum()
    };
    // Per-row starting values: mustart = (W y + 0.5) / (W + 1).
    let mut devold = cells
        .iter()
        .map(|&(w, n1, n0)| {
            let m1 = (w + 0.5) / (w + 1.0);
            let m0 = 0.5 / (w + 1.0);
            -2.0 * w * (n1 * m1.ln() + n0 * (1.0 - m0).ln())
        })
        .sum::<f64>();
    // First iteration from the per-row start.
    let (mut sw, mut swz) = (0.0, 0.0);
    for &(w, n1, n0) in cells {
        for (y, n) in [(1.0, n1), (0.0, n0)] {
            if n == 0.0 {
                continue;
            }
            let m = (w * y + 0.5) / (w + 1.0);
            let v = m * (1.0 - m);
            let z = logit(m) + (y - m) / v;
            sw += n * w * v;
            swz += n * w * v * z;
        }
    }
    let mut beta = swz / sw;
    let mut last_sw = sw;
    for _ in 1..25 {
        let mu = expit(beta);
        let d = dev(&|_| mu);
        if ((d - devold).abs() / (d.abs() + 0.1)) < 1e-8 {
            return Some((beta, last_sw));
        }
        devold = d;
        // Next IRLS step at the scalar mu.
        let v = mu * (1.0 - mu);
        let (mut sw, mut swz) = (0.0, 0.0);
        for &(w, n1, n0) in cells {
            for (y, n) in [(1.0, n1), (0.0, n0)] {
                let z = beta + (y - mu) / v;
                sw += n * w * v;
                swz += n * w * v * z;
            }
        }
        beta = swz / sw;
        last_sw = sw;
    }
    Some((beta, last_sw))
}

fn likelihood(x: &IntervalInput) -> Option<(f64, f64)> {
    let l = x.likelihood.as_ref()?;
    let p = x.estimate;
    if !(p > 0.0 && p < 1.0) || x.se <= 0.0 || l.dispersion <= 0.0 {
        return None;
    }
    let pq = p * (1.0 - p);
    let (beta0, working) = glm_intercept(&l.cells)?;
    let glm_weight_sum: f64 = l.cells.iter().map(|c| c.0 * (c.1 + c.2)).sum();
    let se_beta = x.se / pq;
    let naive = 1.0 / working;
    let lambda = se_beta * se_beta / naive;
    let q = qt((1.0 - x.level) / 2.0, x.df) * lambda.sqrt();
    let half_alpha = pnorm(q) / 2.0;
    // zmax = √qf(α, 1, ν, upper tail) = |qt(α/2, ν)|: the t form keeps its precision
    // when α is tiny (strong design effects), where 1 − α would round away.
    let zmax = qt(half_alpha / 2.0, l.model_rows - 1.0).abs();
    let del = zmax / 5.0;
    let dev = |b: f64| {
        let mu = expit(b);
        2.0 * glm_weight_sum * (p * (p / mu).ln() + (1.0 - p) * ((1.0 - p) / (1.0 - mu)).ln())
    };
    let mut pts: Vec<(f64, f64)> = vec![(beta0, 0.0)];
    for sgn in [-1.0, 1.0] {
        let mut step = 0;
        let mut z: f64 = 0.0;
        loop {
            step += 1;
            if step >= 10 || z.abs() >= zmax {
                break;
            }
            let b = beta0 + sgn * step as f64 * del * se_beta;
            let zz = (dev(b) / l.dispersion).max(0.0);
            z = sgn * zz.sqrt();
            pts.push((b, z));
        }
    }
    pts.sort_by(|a, b| a.1.total_cmp(&b.1));
    let xs: Vec<f64> = pts.iter().map(|p| p.0).collect();
    let ys: Vec<f64> = pts.iter().map(|p| p.1).collect();
    // R: spline(x = beta, y = z) on 3n points, then approx(z → beta) at the cutoffs.
    let mut order: Vec<usize> = (0..xs.len()).collect();
    order.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let sx: Vec<f64> = order.iter().map(|&i| xs[i]).collect();
    let sy: Vec<f64> = order.iter().map(|&i| ys[i]).collect();
    let spline = FmmSpline::new(&sx, &sy)?;
    let m = 3 * sx.len();
    let (lo, hi) = (sx[0], sx[sx.len() - 1]);
    let grid_x: Vec<f64> = (0..m)
        .map(|i| lo + i as f64 * (hi - lo) / (m - 1) as f64)
        .collect();
    let grid_z: Vec<f64> = grid_x.iter().map(|&u| spline.eval(u)).collect();
    let lower = approx(&grid_z, &grid_x, q)?;
    let upper = approx(&grid_z, &grid_x, -q)?;
    Some((expit(lower), expit(upper)))
}

/// Linear interpolation of `y` at `v` over increasing `x` (R's `approx`, rule 1).
fn approx(x: &[f64], y: &[f64], v: f64) -> Option<f64> {
    let n = x.len();
    if n == 0 || v < x[0] || v > x[n - 1] || v.is_nan() {
        return None;
    }
    let (mut i, mut j) = (0, n - 1);
    while i < j - 1 {
        let k = (i + j) / 2;
        if v < x[k] {
            j = k;
        } else {
            i = k;
        }
    }
    if v == x[j] {
        return Some(y[j]);
    }
    if v == x[i] {
        return Some(y[i]);
    }
    Some(y[i] + (y[j] - y[i]) * ((v - x[i]) / (x[j] - x[i])))
}

/// Forsythe–Malcolm–Moler cubic spline (R's `spline(method = "fmm")`).
struct FmmSpline {
    x: Vec<f64>,
    y: Vec<f64>,
    b: Vec<f64>,
    c: Vec<f64>,
    d: Vec<f64>,
}

impl FmmSpline {
    fn new(x: &[f64], y: &[f64]) -> Option<FmmSpline> {
        let n = x.len();
        if n < 2 {
            return None;
        }
        let (mut b, mut c, mut d) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        if n < 3 {
            let t = (y[1] - y[0]) / (x[1] - x[0]);
            b[0] = t;
            b[1] = t;
            return Some(FmmSpline {
                x: x.to_vec(),
                y: y.to_vec(),
                b,
                c,
                d,
            });
        }
        let nm1 = n - 1;
        d[0] = x[1] - x[0];
        c[1] = (y[1] - y[0]) / d[0];
        for i in 1..nm1 {
            d[i] = x[i + 1] - x[i];
            b[i] = 2.0 * (d[i - 1] + d[i]);
            c[i + 1] = (y[i + 1] - y[i]) / d[i];
            c[i] = c[i + 1] - c[i];
        }
        b[0] = -d[0];
        b[nm1] = -d[n - 2];
        c[0] = 0.0;
        c[nm1] = 0.0;
        if n > 3 {
            c[0] = c[2] / (x[3] - x[1]) - c[1] / (x[2] - x[0]);
            c[nm1] = c[n - 2] / (x[nm1] - x[n - 3]) - c[n - 3] / (x[n - 2] - x[n - 4]);
            c[0] = c[0] * d[0] * d[0] / (x[3] - x[0]);
            c[nm1] = -c[nm1] * d[n - 2] * d[n - 2] / (x[nm1] - x[n - 4]);
        }
        for i in 1..=nm1 {
            let t = d[i - 1] / b[i - 1];
            b[i] -= t * d[i - 1];
            c[i] -= t * c[i - 1];
        }
        c[nm1] /= b[nm1];
        for i in (0..nm1).rev() {
            c[i] = (c[i] - d[i] * c[i + 1]) / b[i];
        }
        b[nm1] = (y[nm1] - y[n - 2]) / d[n - 2] + d[n - 2] * (c[n - 2] + 2.0 * c[nm1]);
        for i in 0..nm1 {
            b[i] = (y[i + 1] - y[i]) / d[i] - d[i] * (c[i + 1] + 2.0 * c[i]);
            d[i] = (c[i + 1] - c[i]) / d[i];
            c[i] *= 3.0;
        }
        c[nm1] *= 3.0;
        d[nm1] = d[n - 2];
        Some(FmmSpline {
            x: x.to_vec(),
            y: y.to_vec(),
            b,
            c,
            d,
        })
    }

    fn eval(&self, u: f64) -> f64 {
        let n = self.x.len();
        // The interval i with x[i] <= u < x[i+1] (the first one below x[0]).
        let mut i = 0;
        if u >= self.x[1] {
            let (mut lo, mut hi) = (0, n);
            while lo < hi - 1 {
                let k = (lo + hi) / 2;
                if u < self.x[k] {
                    hi = k;
                } else {
                    lo = k;
                }
            }
            i = lo;
        }
        let dx = u - self.x[i];
        self.y[i] + dx * (self.b[i] + dx * (self.c[i] + dx * self.d[i]))
    }
}
