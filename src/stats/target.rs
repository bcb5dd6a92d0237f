//! Where a rate stands against its target: one rule for every output.
//!
//! The rate's own interval decides: entirely above the target is *significantly
//! above*, entirely below is *significantly below*; otherwise the point estimate says
//! *at or above* or *below*, not significantly. At 0% and 100% the logit-scale
//! intervals do not exist, and falling back to the point estimate would call 0 of 61
//! "not significantly below" a 90% target. There the exact (Clopper–Pearson) bounds on
//! the effective sample decide, as the `beta` method does: 0/61 is at most 5.9%,
//! significantly below; 61/61 is at least 94.1%, significantly above; 8/8 is at least
//! 63.1%, at or above but not significantly. Without either, the answer is "cannot tell".

use serde::Serialize;

use super::interval::qbeta;

/// The four states of a rate against its target, and "cannot tell".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetState {
    /// The whole interval is above the target.
    SignificantlyAbove,
    /// At or above the target, but the interval reaches below it.
    AtOrAbove,
    /// Below the target, but the interval reaches it.
    Below,
    /// The whole interval is below the target.
    SignificantlyBelow,
    /// Neither an interval nor an exact bound exists.
    CannotTell,
}

impl TargetState {
    /// Every state, in the order legends list them.
    pub const ALL: [TargetState; 5] = [
        TargetState::SignificantlyAbove,
        TargetState::AtOrAbove,
        TargetState::Below,
        TargetState::SignificantlyBelow,
        TargetState::CannotTell,
    ];

    pub fn code(self) -> &'static str {
        match self {
            TargetState::SignificantlyAbove => "significantly_above",
            TargetState::AtOrAbove => "at_or_above",
            TargetState::Below => "below",
            TargetState::SignificantlyBelow => "significantly_below",
            TargetState::CannotTell => "cannot_tell",
        }
    }

    /// Below the target, significantly or not.
    pub fn is_below(self) -> bool {
        matches!(self, TargetState::Below | TargetState::SignificantlyBelow)
    }
}

/// Which bounds decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The estimate's own confidence interval.
    Interval,
    /// Clopper–Pearson on the effective sample, where the interval does not exist.
    Exact,
    /// No bounds.
    None,
}

/// A rate's status against its target, with the bounds used.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TargetStatus {
    pub state: TargetState,
    pub target: f64,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub basis: Basis,
}

/// What the rule needs of a rate: the estimate, its effective sample and interval.
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    pub estimate: f64,
    pub n_eff: f64,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
}

/// The status of a proportion against `target`, at the interval's confidence `level`.
pub fn status(e: Rate, target: f64, level: f64) -> TargetStatus {
    let (low, high, basis) = match (e.ci_low, e.ci_high) {
        (Some(l), Some(h)) => (Some(l), Some(h), Basis::Interval),
        _ => match exact_bounds(e.estimate, e.n_eff, level) {
            Some((l, h)) => (Some(l), Some(h), Basis::Exact),
            None => (None, None, Basis::None),
        },
    };
    let state = match (low, high) {
        (_, Some(h)) if h < target => TargetState::SignificantlyBelow,
        (Some(l), _) if l > target => TargetState::SignificantlyAbove,
        (Some(_), Some(_)) if e.estimate >= target => TargetState::AtOrAbove,
        (Some(_), Some(_)) => TargetState::Below,
        _ => TargetState::CannotTell,
    };
    TargetStatus {
        state,
        target,
        low,
        high,
        basis,
    }
}

/// The status of a rate `estimate` with the interval `low`–`high` (a model estimate's)
/// against `target`, by the same rule as [`status`].
pub fn status_of_interval(estimate: f64, low: f64, high: f64, target: f64) -> TargetStatus {
    let state = if high < target {
        TargetState::SignificantlyBelow
    } else if low > target {
        TargetState::SignificantlyAbove
    } else if estimate >= target {
        TargetState::AtOrAbove
    } else {
        TargetState::Below
    };
    TargetStatus {
        state,
        target,
        low: Some(low),
        high: Some(high),
        basis: Basis::Interval,
    }
}

/// Clopper–Pearson bounds of a rate `p` on `n` (effective) respondents; `None` when
/// there is no sample.
pub fn exact_bounds(p: f64, n: f64, level: f64) -> Option<(f64, f64)> {
    if !(n.is_finite() && n > 0.0 && p.is_finite()) {
        return None;
    }
    let alpha = 1.0 - level;
    let k = p * n;
    let lo = if k <= 0.0 {
        0.0
    } else {
        qbeta(alpha / 2.0, k, n - k + 1.0)
    };
    let hi = if k >= n {
        1.0
    } else {
        qbeta(1.0 - alpha / 2.0, k + 1.0, n - k)
    };
    (lo.is_finite() && hi.is_finite()).then_some((lo, hi))
}
