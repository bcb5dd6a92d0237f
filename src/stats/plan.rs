//! Publication rules, rating-scale scores and the sample-size planner.

use serde::Serialize;

/// What an estimate is: a rate, a mean score, or a 0–100 index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EstimateKind {
    Proportion,
    Mean,
    Index,
}

/// Whether a figure may be published: as it is, marked directional, or not at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Flag {
    Ok,
    Directional,
    Suppress,
}

/// When a figure may be published (NCHS conventions by default).
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct FlagRules {
    /// Below this effective sample size: `suppress`.
    pub suppress_below: f64,
    /// Below this effective sample size: `directional`.
    pub directional_below: f64,
    /// Above this coefficient of variation (SE / estimate): `directional`.
    pub max_cv: f64,
}

impl Default for FlagRules {
    fn default() -> Self {
        FlagRules {
            suppress_below: 30.0,
            directional_below: 100.0,
            max_cv: 0.3,
        }
    }
}

impl FlagRules {
    pub fn flag(&self, n_eff: f64, se: f64, estimate: f64, kind: EstimateKind) -> Flag {
        if n_eff.is_nan() || n_eff < self.suppress_below {
            return Flag::Suppress;
        }
        // For a proportion the CV is judged on the rarer side, so 98% is not "unstable"
        // merely because 2% is.
        let base = match kind {
            EstimateKind::Proportion => estimate.min(1.0 - estimate),
            _ => estimate.abs(),
        };
        let cv = if base > 0.0 { se / base } else { f64::INFINITY };
        if n_eff < self.directional_below || (se > 0.0 && cv > self.max_cv) {
            Flag::Directional
        } else {
            Flag::Ok
        }
    }
}

/// Scores of a rating scale's points on 0–100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScorePreset {
    /// 100/75/50/25/0. Three-point scales score 100/50/0 under every preset.
    Linear,
    /// 100/80/60/40/20.
    Floor20,
    /// 100/80/60/30/0.
    Steep,
}

impl ScorePreset {
    pub fn parse(s: &str) -> Option<ScorePreset> {
        match s {
            "linear" | "100-75-50-25-0" => Some(ScorePreset::Linear),
            "100-80-60-40-20" => Some(ScorePreset::Floor20),
            "100-80-60-30-0" => Some(ScorePreset::Steep),
            _ => None,
        }
    }
    /// Score of point `v` (1 = worst) on a `k`-point scale.
    pub fn score(self, v: u32, k: u32) -> f64 {
        if k == 5 {
            let table: [f64; 5] = match self {
                ScorePreset::Linear => [0.0, 25.0, 50.0, 75.0, 100.0],
                ScorePreset::Floor20 => [20.0, 40.0, 60.0, 80.0, 100.0],
                ScorePreset::Steep => [0.0, 30.0, 60.0, 80.0, 100.0],
            };
            return table[(v - 1) as usize];
        }
        // The presets are defined for five-point scales; shorter scales score linearly.
        if k < 2 {
            return 0.0;
        }
        100.0 * (v - 1) as f64 / (k - 1) as f64
    }
}

/// Respondents needed in a district for a margin of error `moe` (half-width, e.g. 0.03)
/// around an expected rate `p`, given a design effect, at confidence `level`; with the
/// finite population correction when the district's adult population is known.
pub fn sample_size(
    p: f64,
    moe: f64,
    deff: f64,
    level: f64,
    population: Option<f64>,
) -> Option<f64> {
    if !(p > 0.0 && p < 1.0 && moe > 0.0 && moe < 1.0 && deff >= 1.0 && level > 0.5 && level < 1.0)
    {
        return None;
    }
    let z = super::interval::qnorm(1.0 - (1.0 - level) / 2.0);
    let n0 = z * z * p * (1.0 - p) / (moe * moe) * deff;
    let n = match population {
        Some(pop) if pop > 0.0 => n0 / (1.0 + (n0 - 1.0) / pop),
        _ => n0,
    };
    Some(n.ceil())
}

/// The margin of error a sample of `n` gives (inverse of [`sample_size`], no FPC).
pub fn margin_of_error(p: f64, n: f64, deff: f64, level: f64) -> f64 {
    let z = super::interval::qnorm(1.0 - (1.0 - level) / 2.0);
    z * (p * (1.0 - p) * deff / n).sqrt()
}
