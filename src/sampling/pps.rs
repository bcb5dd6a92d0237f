//! Systematic sampling with probability proportional to size (PPS), as statistics
//! bureaus draw communities: units in list order, their sizes cumulated, one random
//! start in the first interval, then every interval a unit. A unit at least as large
//! as the interval is taken with certainty and the interval is worked out again over
//! the others, until no unit reaches it; each of the others is then drawn with
//! probability n′ × size / (their total), n′ the draws left for them.

/// What a systematic PPS draw took.
#[derive(Debug, Clone, PartialEq)]
pub struct PpsDraw {
    /// The units drawn, in list order.
    pub selected: Vec<usize>,
    /// Every unit's inclusion probability (1 for a certainty unit).
    pub probability: Vec<f64>,
    /// Whether each unit was taken with certainty.
    pub certain: Vec<bool>,
    /// The sampling interval of the non-certainty units (`None` when all are certain).
    pub interval: Option<f64>,
}

/// Draws `n` of the units with `sizes` (list order kept), the random start at
/// `start × interval` (`start` in [0, 1)). Asking for as many units as there are (or
/// more) takes them all.
pub fn systematic_pps(sizes: &[f64], n: usize, start: f64) -> PpsDraw {
    let units = sizes.len();
    let mut certain = vec![false; units];
    if n >= units {
        return PpsDraw {
            selected: (0..units).collect(),
            probability: vec![1.0; units],
            certain: vec![true; units],
            interval: None,
        };
    }
    // Certainty units until none of the rest reaches the interval.
    let (interval, left) = loop {
        let left = n - certain.iter().filter(|&&c| c).count();
        let total: f64 = (0..units).filter(|&i| !certain[i]).map(|i| sizes[i]).sum();
        if left == 0 || total <= 0.0 {
            break (None, left);
        }
        let interval = total / left as f64;
        let big: Vec<usize> = (0..units)
            .filter(|&i| !certain[i] && sizes[i] >= interval)
            .collect();
        if big.is_empty() {
            break (Some(interval), left);
        }
        for i in big {
            certain[i] = true;
        }
    };
    let mut probability: Vec<f64> = certain.iter().map(|&c| if c { 1.0 } else { 0.0 }).collect();
    let mut selected: Vec<usize> = Vec::with_capacity(n);
    if let Some(k) = interval {
        let mut points = (0..left).map(|j| (start + j as f64) * k).peekable();
        let mut cum = 0.0;
        for i in (0..units).filter(|&i| !certain[i]) {
            probability[i] = sizes[i] / k;
            let next = cum + sizes[i];
            while points.peek().is_some_and(|&p| p < next) {
                points.next();
                selected.push(i);
            }
            cum = next;
        }
    }
    selected.extend((0..units).filter(|&i| certain[i]));
    selected.sort_unstable();
    selected.dedup();
    PpsDraw {
        selected,
        probability,
        certain,
        interval,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A worked example: sizes 100, 400, 250, 250, 1000, 500 (total 2,500), three draws.
    /// 1,000 ≥ 2,500 / 3 = 833.3, so it is certain; the other 1,500 share two draws:
    /// interval 750, probabilities 100/750 … 500/750. Start 0.5 → points 375 and 1,125
    /// over the cumulated 100, 500, 750, 1,000, 1,500: units 1 and 5 (0-based: 1, 5).
    #[test]
    fn a_worked_example_with_one_certainty_unit() {
        let d = systematic_pps(&[100.0, 400.0, 250.0, 250.0, 1000.0, 500.0], 3, 0.5);
        assert_eq!(d.certain, vec![false, false, false, false, true, false]);
        assert_eq!(d.interval, Some(750.0));
        assert_eq!(d.selected, vec![1, 4, 5]);
        let want = [
            100.0 / 750.0,
            400.0 / 750.0,
            250.0 / 750.0,
            250.0 / 750.0,
            1.0,
            500.0 / 750.0,
        ];
        for (p, w) in d.probability.iter().zip(want) {
            assert!((p - w).abs() < 1e-12);
        }
        // The probabilities add up to the draws.
        assert!((d.probability.iter().sum::<f64>() - 3.0).abs() < 1e-12);
    }

    #[test]
    fn asking_for_every_unit_takes_every_unit() {
        let d = systematic_pps(&[5.0, 1.0], 2, 0.3);
        assert_eq!(d.selected, vec![0, 1]);
        assert_eq!(d.probability, vec![1.0, 1.0]);
    }
}
