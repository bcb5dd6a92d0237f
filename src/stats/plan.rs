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

/// A household sample's need in one district: drawn communities, and the interviews
/// they should bring.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClusterNeed {
    pub communities: f64,
    pub interviews: f64,
    /// The design effect assumed: weighting × clustering, `deff_w · (1 + (m − 1) ρ)`.
    pub deff: f64,
}

/// Communities a district must draw for a margin of error `moe` around a rate `p`,
/// when each brings `m` interviews (households drawn × the expected response rate)
/// whose answers share an intra-class correlation `icc`, and the unequal weights add
/// `deff_w` (Kish's 1 + CV² of the weights). `None` for impossible inputs.
pub fn clusters_needed(
    p: f64,
    moe: f64,
    level: f64,
    m: f64,
    icc: f64,
    deff_w: f64,
    population: Option<f64>,
) -> Option<ClusterNeed> {
    if !(m >= 1.0 && (0.0..1.0).contains(&icc) && deff_w >= 1.0) {
        return None;
    }
    let deff = deff_w * (1.0 + (m - 1.0) * icc);
    let interviews = sample_size(p, moe, deff, level, population)?;
    let communities = (interviews / m).ceil();
    Some(ClusterNeed {
        communities,
        interviews,
        deff,
    })
}

/// Interviews each of `k` communities must bring for the margin `moe` (when a
/// district has fewer communities than [`clusters_needed`] asks): the smallest `m`
/// with `k · m ≥ n_srs · deff_w · (1 + (m − 1) ρ)`; `None` when no `m` reaches it (the
/// correlation within communities caps what `k` of them can tell).
pub fn per_community_needed(
    p: f64,
    moe: f64,
    level: f64,
    k: f64,
    icc: f64,
    deff_w: f64,
) -> Option<f64> {
    let n0 = sample_size(p, moe, 1.0, level, None)? * deff_w;
    let slope = 1.0 - n0 * icc / k;
    (k >= 1.0 && slope > 0.0).then(|| (n0 * (1.0 - icc) / k / slope).ceil().max(1.0))
}

/// The intra-class correlation a clustered design effect implies, once the weights'
/// own effect is taken out: `ρ = (deff / deff_w − 1) / (m − 1)`, at least 0 (a design
/// effect below the weights' says only that clustering cost nothing). `None` without
/// more than one interview per community.
pub fn icc_from(deff: f64, deff_w: f64, m: f64) -> Option<f64> {
    (m > 1.0 && deff.is_finite() && deff_w > 0.0)
        .then(|| ((deff / deff_w - 1.0) / (m - 1.0)).clamp(0.0, 0.99))
}

/// Kish's design effect of unequal weights: `n Σw² / (Σw)²` = 1 + CV².
pub fn weighting_effect(weights: &[f64]) -> f64 {
    let (s, s2) = weights
        .iter()
        .fold((0.0, 0.0), |(a, b), w| (a + w, b + w * w));
    if s > 0.0 {
        weights.len() as f64 * s2 / (s * s)
    } else {
        1.0
    }
}

#[cfg(test)]
mod cluster_tests {
    use super::*;

    /// Worked by hand: p = 0.8, ±5 points at 95% (z = 1.959964): SRS needs
    /// 1.959964² · 0.16 / 0.0025 = 245.85. Fifteen interviews per community with
    /// ρ = 0.05 and deff_w = 1.2: deff = 1.2 · (1 + 14 · 0.05) = 2.04, interviews
    /// ⌈245.85 · 2.04⌉ = 502, communities ⌈502 / 15⌉ = 34.
    #[test]
    fn communities_worked_by_hand() {
        let need = clusters_needed(0.8, 0.05, 0.95, 15.0, 0.05, 1.2, None).unwrap();
        assert!((need.deff - 2.04).abs() < 1e-12);
        assert_eq!((need.interviews, need.communities), (502.0, 34.0));
        // The same design effect back: ρ = (2.04 / 1.2 − 1) / 14 = 0.05.
        assert!((icc_from(2.04, 1.2, 15.0).unwrap() - 0.05).abs() < 1e-12);
        assert_eq!(icc_from(1.0, 1.2, 15.0), Some(0.0));
        assert_eq!(icc_from(2.0, 1.2, 1.0), None);
        // Only 20 communities: m (1 − 246 · 1.2 · 0.05 / 20) ≥ 246 · 1.2 · 0.95 / 20, so
        // m ≥ 14.022 / 0.262 = 53.52 → 54 interviews each (n_srs rounded up to 246 first).
        assert_eq!(
            per_community_needed(0.8, 0.05, 0.95, 20.0, 0.05, 1.2),
            Some(54.0)
        );
        // Five communities cannot: their correlation caps what they tell.
        assert_eq!(per_community_needed(0.8, 0.05, 0.95, 5.0, 0.05, 1.2), None);
        // Weights 1, 1, 2, 4: 4 · 22 / 64 = 1.375.
        assert!((weighting_effect(&[1.0, 1.0, 2.0, 4.0]) - 1.375).abs() < 1e-12);
    }
}
