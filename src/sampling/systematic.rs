//! Systematic sampling of equal units (households from an address list): interval
//! N / m, one random start, every interval a unit; each unit's probability is m / N.

/// The positions (0-based, ascending) of `m` of `n` units, the start at
/// `start × interval` (`start` in [0, 1)); all of them when `m ≥ n`.
pub fn systematic(n: usize, m: usize, start: f64) -> Vec<usize> {
    if m >= n {
        return (0..n).collect();
    }
    let k = n as f64 / m as f64;
    (0..m)
        .map(|j| (((start + j as f64) * k).floor() as usize).min(n - 1))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 10 households, 4 drawn: interval 2.5, start 0.4 → 1.0, 3.5, 6.0, 8.5.
    #[test]
    fn every_interval_one_household() {
        assert_eq!(systematic(10, 4, 0.4), vec![1, 3, 6, 8]);
        assert_eq!(systematic(3, 5, 0.9), vec![0, 1, 2]);
    }
}
