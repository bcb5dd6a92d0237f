//! Two groups of respondents compared on one per-respondent value: each group's
//! weighted mean with its linearization variance in a stratified design (strata the
//! districts, respondents sampled with replacement within them, as R's
//! `svydesign(ids = ~1, strata = ~district, weights = ~w)` and `svymean` compute it),
//! and a one-sided test of whether the first group's mean is higher. Independent
//! groups, so the variances add.

use statrs::distribution::{ContinuousCDF, Normal};

/// One respondent: stratum, weight and value.
#[derive(Debug, Clone, Copy)]
pub struct Obs {
    pub stratum: usize,
    pub weight: f64,
    pub y: f64,
}

#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Mean {
    pub estimate: f64,
    pub se: f64,
    pub n: usize,
}

/// The weighted mean Σwy / Σw and its standard error: the ratio's linearized values
/// z = w (y − ȳ) / Σw, their variance between respondents within each stratum times
/// n_h / (n_h − 1), summed over strata. A stratum with one respondent adds nothing
/// (R's `survey.lonely.psu = "remove"`).
pub fn stratified_mean(obs: &[Obs]) -> Option<Mean> {
    let total: f64 = obs.iter().map(|o| o.weight).sum();
    if obs.is_empty() || total <= 0.0 {
        return None;
    }
    let mean = obs.iter().map(|o| o.weight * o.y).sum::<f64>() / total;
    let strata = obs.iter().map(|o| o.stratum).max().unwrap_or(0) + 1;
    let (mut n, mut sum, mut sq) = (vec![0.0f64; strata], vec![0.0; strata], vec![0.0; strata]);
    for o in obs {
        let z = o.weight * (o.y - mean) / total;
        n[o.stratum] += 1.0;
        sum[o.stratum] += z;
        sq[o.stratum] += z * z;
    }
    let var: f64 = (0..strata)
        .filter(|&h| n[h] > 1.0)
        .map(|h| n[h] / (n[h] - 1.0) * (sq[h] - sum[h] * sum[h] / n[h]))
        .sum();
    Some(Mean {
        estimate: mean,
        se: var.max(0.0).sqrt(),
        n: obs.len(),
    })
}

/// One stratum in which every respondent has the same weight, as sums: respondents,
/// their weight, Σy and Σy².
#[derive(Debug, Clone, Copy, Default, serde::Serialize, serde::Deserialize)]
pub struct Stratum {
    pub n: f64,
    pub weight: f64,
    pub sum: f64,
    pub sum_sq: f64,
}

impl Stratum {
    /// Adds one respondent's value.
    pub fn push(&mut self, y: f64) {
        self.n += 1.0;
        self.sum += y;
        self.sum_sq += y * y;
    }

    /// Adds another stratum's respondents (of the same weight).
    pub fn absorb(&mut self, o: &Stratum) {
        self.n += o.n;
        self.sum += o.sum;
        self.sum_sq += o.sum_sq;
    }
}

/// [`stratified_mean`] from strata sums, when each stratum's respondents share one
/// weight (district base weights): the same figures without the rows.
pub fn stratified_mean_of_sums(strata: &[Stratum]) -> Option<Mean> {
    let total: f64 = strata.iter().map(|h| h.n * h.weight).sum();
    if total <= 0.0 {
        return None;
    }
    let mean = strata.iter().map(|h| h.weight * h.sum).sum::<f64>() / total;
    let var: f64 = strata
        .iter()
        .filter(|h| h.n > 1.0)
        .map(|h| {
            let k = h.weight / total;
            let sz = k * (h.sum - h.n * mean);
            let szz = k * k * (h.sum_sq - 2.0 * mean * h.sum + h.n * mean * mean);
            h.n / (h.n - 1.0) * (szz - sz * sz / h.n)
        })
        .sum();
    Some(Mean {
        estimate: mean,
        se: var.max(0.0).sqrt(),
        n: strata.iter().map(|h| h.n).sum::<f64>() as usize,
    })
}

/// Whether the weighted mean of strata sums `a` is higher than that of `b`.
pub fn higher_of_sums(a: &[Stratum], b: &[Stratum]) -> Option<Higher> {
    let (ma, mb) = (stratified_mean_of_sums(a)?, stratified_mean_of_sums(b)?);
    Some(compare(ma, mb))
}

fn compare(ma: Mean, mb: Mean) -> Higher {
    let difference = ma.estimate - mb.estimate;
    let se = (ma.se * ma.se + mb.se * mb.se).sqrt();
    let p_value = if se > 0.0 {
        1.0 - Normal::standard().cdf(difference / se)
    } else if difference > 0.0 {
        0.0
    } else {
        1.0
    };
    Higher {
        a: ma,
        b: mb,
        difference,
        se,
        p_value,
    }
}

#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Higher {
    pub a: Mean,
    pub b: Mean,
    pub difference: f64,
    pub se: f64,
    /// One-sided p-value of "a is higher than b" (normal reference).
    pub p_value: f64,
}

/// Whether group `a`'s weighted mean is higher than `b`'s.
pub fn higher(a: &[Obs], b: &[Obs]) -> Option<Higher> {
    let (ma, mb) = (stratified_mean(a)?, stratified_mean(b)?);
    Some(compare(ma, mb))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Worked by hand: stratum 0 holds y = 1, 0 with weights 1, 1; stratum 1 holds
    /// y = 1, 1 with weights 2, 2. Σw = 6, ȳ = (1 + 0 + 2 + 2) / 6 = 5/6.
    /// z = w (y − 5/6) / 6: stratum 0 (1/36, −5/36), stratum 1 (2/36, 2/36).
    /// Stratum 0: 2 · ((1 + 25) / 1296 − (−4/36)² / 2) = 2 · (26 − 8) / 1296 = 36/1296;
    /// stratum 1: 2 · (8/1296 − (4/36)² / 2) = 0. se = √(36/1296) = 1/6.
    #[test]
    fn stratified_mean_worked_by_hand() {
        let o = |stratum, weight, y| Obs { stratum, weight, y };
        let m = stratified_mean(&[
            o(0, 1.0, 1.0),
            o(0, 1.0, 0.0),
            o(1, 2.0, 1.0),
            o(1, 2.0, 1.0),
        ])
        .unwrap();
        assert!((m.estimate - 5.0 / 6.0).abs() < 1e-12);
        assert!((m.se - 1.0 / 6.0).abs() < 1e-12, "{}", m.se);
        let h = higher(
            &[o(0, 1.0, 1.0), o(0, 1.0, 1.0)],
            &[o(0, 1.0, 1.0), o(0, 1.0, 0.0)],
        )
        .unwrap();
        // a: mean 1, se 0; b: mean 1/2, se 1/2 (z = ±1/4, 2·(1/8 − 0)) → z = 1.
        assert!((h.difference - 0.5).abs() < 1e-12 && (h.se - 0.5).abs() < 1e-12);
        assert!((h.p_value - (1.0 - Normal::standard().cdf(1.0))).abs() < 1e-12);
        // The same from sums, when a stratum's weights are equal.
        let rows = [
            o(0, 1.0, 1.0),
            o(0, 1.0, 0.0),
            o(1, 2.0, 1.0),
            o(1, 2.0, 0.5),
            o(1, 2.0, 0.0),
        ];
        let by_rows = stratified_mean(&rows).unwrap();
        let sums = [
            Stratum {
                n: 2.0,
                weight: 1.0,
                sum: 1.0,
                sum_sq: 1.0,
            },
            Stratum {
                n: 3.0,
                weight: 2.0,
                sum: 1.5,
                sum_sq: 1.25,
            },
        ];
        let by_sums = stratified_mean_of_sums(&sums).unwrap();
        assert!((by_rows.estimate - by_sums.estimate).abs() < 1e-12);
        assert!((by_rows.se - by_sums.se).abs() < 1e-12);
    }
}
