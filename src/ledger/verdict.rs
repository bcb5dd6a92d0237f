//! Judging an item by the next measurement: the place's figure in the latest wave
//! beside its baseline, the change with its interval, a verdict by rule, and whether
//! the definition's sign-off rule is met. Pure: estimates in, judgement out.

use chrono::NaiveDate;
use serde::Serialize;

use crate::definition::{Lang, Rectification, SignOffRule};
use crate::stats::plan::{sample_size, EstimateKind};
use crate::stats::{independent_difference, Difference, Estimate, Flag, TargetState};

/// A place's figure for one indicator in one wave, as the ledger reads it: the
/// community model's where it ran (named as such), else the direct estimate.
#[derive(Debug, Clone, Serialize)]
pub struct Measured {
    pub wave: i32,
    pub estimate: f64,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// The standard error (the model's root MSE for a model estimate).
    pub se: f64,
    /// Respondents in the place (the direct figure's).
    pub n: f64,
    /// The small-area model's estimate, else the direct one.
    pub model: bool,
    /// Against the target; `None`: too few respondents to tell, or no target.
    pub state: Option<TargetState>,
    /// Enough respondents (or the model) for the figure to be published and compared.
    pub published: bool,
    pub target: Option<f64>,
    /// The wave's first day of responses (a wave "after the deadline" began after it).
    pub began: Option<NaiveDate>,
    #[serde(skip)]
    row: Estimate,
}

/// How a figure was made, as every ledger output names it.
pub fn basis_name(model: bool, l: Lang) -> &'static str {
    if model {
        l.pick("模型估计（Fay–Herriot）", "model estimate (Fay–Herriot)")
    } else {
        l.pick("直接估计", "direct estimate")
    }
}

impl Measured {
    pub fn of(e: &Estimate, wave: i32, began: Option<NaiveDate>) -> Measured {
        match &e.model {
            Some(m) => Measured {
                wave,
                estimate: m.estimate,
                ci_low: Some(m.ci_low),
                ci_high: Some(m.ci_high),
                se: m.mse.max(0.0).sqrt(),
                n: e.n,
                model: true,
                state: m
                    .target_status
                    .map(|t| t.state)
                    .filter(|s| *s != TargetState::CannotTell),
                target: m.target_status.map(|t| t.target),
                published: m.mse.is_finite(),
                began,
                row: e.clone(),
            },
            None => Measured {
                wave,
                estimate: e.estimate,
                ci_low: e.ci_low,
                ci_high: e.ci_high,
                se: e.se,
                n: e.n,
                model: false,
                state: e
                    .target_status
                    .map(|t| t.state)
                    .filter(|s| *s != TargetState::CannotTell && e.flag != Flag::Suppress),
                target: e.target_status.map(|t| t.target),
                published: e.n > 0.0 && e.flag != Flag::Suppress && e.se.is_finite(),
                began,
                row: e.clone(),
            },
        }
    }

    /// Whether a rate can be judged at all (enough respondents, or the model, and a
    /// target, or no target to judge it by).
    pub fn judged(&self) -> bool {
        self.published && (self.state.is_some() || self.target.is_none())
    }
}

/// What the latest wave says of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// No wave after the baseline's yet.
    NotRemeasured,
    /// The latest wave has too few respondents in the place to judge.
    TooFew,
    /// The latest rate is at or above the target.
    NoLongerBelow,
    /// The latest rate's whole interval is below the target.
    StillSignificantlyBelow,
    /// Below the target but not significantly, and significantly up since the
    /// baseline.
    ImprovedSignificantly,
    /// Below the target but not significantly, no significant change.
    NoClearChange,
    /// The indicator has no target; significantly up since the baseline.
    UpWithoutTarget,
    /// The indicator has no target; no significant rise since the baseline.
    NoRiseWithoutTarget,
}

impl Verdict {
    pub fn code(self) -> &'static str {
        match self {
            Verdict::NotRemeasured => "not_remeasured",
            Verdict::TooFew => "too_few",
            Verdict::NoLongerBelow => "no_longer_below",
            Verdict::StillSignificantlyBelow => "still_significantly_below",
            Verdict::ImprovedSignificantly => "improved_significantly",
            Verdict::NoClearChange => "no_clear_change",
            Verdict::UpWithoutTarget => "up_without_target",
            Verdict::NoRiseWithoutTarget => "no_rise_without_target",
        }
    }

    pub fn name(self, l: Lang) -> &'static str {
        match self {
            Verdict::NotRemeasured => l.pick("尚未复测", "not re-measured yet"),
            Verdict::TooFew => l.pick("样本太少，无法判断", "too few respondents to tell"),
            Verdict::NoLongerBelow => l.pick("已不低于目标", "no longer below the target"),
            Verdict::StillSignificantlyBelow => {
                l.pick("仍显著低于目标", "still significantly below the target")
            }
            Verdict::ImprovedSignificantly => l.pick(
                "低于目标但不显著，比基线显著提高",
                "not significantly below the target, significantly up since the baseline",
            ),
            Verdict::NoClearChange => l.pick(
                "低于目标但不显著，与基线相比无显著变化",
                "not significantly below the target, no significant change since the baseline",
            ),
            Verdict::UpWithoutTarget => l.pick(
                "比基线显著提高（该指标无目标）",
                "significantly up since the baseline (no target)",
            ),
            Verdict::NoRiseWithoutTarget => l.pick(
                "与基线相比未显著提高（该指标无目标）",
                "not significantly up since the baseline (no target)",
            ),
        }
    }

    /// Whether the verdict is good news (for the page's colour).
    pub fn good(self) -> bool {
        matches!(
            self,
            Verdict::NoLongerBelow | Verdict::ImprovedSignificantly | Verdict::UpWithoutTarget
        )
    }
}

/// An item judged by the latest wave.
#[derive(Debug, Clone, Serialize)]
pub struct Judgement {
    /// The baseline wave's figure as the stored rows give it now.
    pub baseline: Option<Measured>,
    /// The latest wave after the baseline's, where there is one.
    pub latest: Option<Measured>,
    /// latest − baseline, with its interval (independent samples).
    pub change: Option<Difference>,
    pub verdict: Verdict,
    /// Respondents the place would need in a wave to tell (too few, or not yet
    /// measured): the planner's sample size less those it has.
    pub more_needed: Option<u32>,
    /// Respondents a wave should bring from the place to tell its rate from the
    /// target (the re-survey's plan for the item).
    pub planned: Option<u32>,
    /// Whether the definition's sign-off rule is met.
    pub rule_met: bool,
    /// The deciding wave began after the deadline (`None`: no such wave).
    pub after_deadline: Option<bool>,
}

/// The change between two waves' figures: for two direct estimates exactly
/// `minyi stats --compare wave=A,B` (independent samples, t on the smaller df); with a
/// model estimate on either side, the difference of the two with the root of the sum
/// of their MSEs and a normal interval (the waves' model fits are treated as
/// independent, which the prior-wave covariate makes approximate; the page says so).
pub fn change(a: &Measured, b: &Measured, level: f64) -> Option<Difference> {
    if !a.judged() || !b.judged() {
        return None;
    }
    if !a.model && !b.model {
        return Some(independent_difference(&a.row, &b.row, level));
    }
    let se = (a.se * a.se + b.se * b.se).sqrt();
    se.is_finite().then(|| {
        Difference::of(
            (&a.row.indicator, EstimateKind::Proportion, &a.row.domain),
            (&a.row.group, a.estimate),
            (&b.row.group, b.estimate),
            se,
            f64::INFINITY,
            level,
        )
    })
}

/// Respondents a place needs in one wave for its interval to tell its rate from the
/// target: a margin of error around the target rate equal to the baseline's distance
/// below it, kept between 3 and 10 points (a place far below still needs enough
/// respondents for a usable interval), with the baseline's design effect.
fn needed(baseline: Option<&Measured>, target: f64, level: f64) -> Option<f64> {
    let p = target.clamp(0.05, 0.95);
    let gap = baseline.map_or(0.05, |b| (target - b.estimate).clamp(0.03, 0.10));
    let deff = baseline
        .map(|b| b.row.deff)
        .filter(|d| d.is_finite() && *d >= 1.0)
        .unwrap_or(1.5);
    sample_size(p, gap, deff, level, None)
}

/// The item's judgement from its baseline wave's figure and the latest wave's (a
/// later wave than the baseline's; `None` when there is none, or when
/// `later_wave` there is one without a figure for the place: nobody answered).
pub fn judge(
    baseline: Option<Measured>,
    latest: Option<Measured>,
    later_wave: bool,
    rule: &Rectification,
    deadline: NaiveDate,
    level: f64,
) -> Judgement {
    let target = latest
        .as_ref()
        .and_then(|m| m.target)
        .or(baseline.as_ref().and_then(|m| m.target));
    let change = match (&baseline, &latest) {
        (Some(a), Some(b)) => change(a, b, level),
        _ => None,
    };
    let up = change.as_ref().is_some_and(|d| d.ci_low > 0.0);
    let verdict = match latest.as_ref() {
        None if later_wave => Verdict::TooFew,
        None => Verdict::NotRemeasured,
        Some(m) if !m.judged() => Verdict::TooFew,
        // An indicator without a target: only the change can speak.
        Some(m) if m.target.is_none() && up => Verdict::UpWithoutTarget,
        Some(m) if m.target.is_none() => Verdict::NoRiseWithoutTarget,
        Some(m) => match m.state {
            None => Verdict::TooFew,
            Some(TargetState::SignificantlyAbove | TargetState::AtOrAbove) => {
                Verdict::NoLongerBelow
            }
            Some(TargetState::SignificantlyBelow) => Verdict::StillSignificantlyBelow,
            Some(_) if up => Verdict::ImprovedSignificantly,
            Some(_) => Verdict::NoClearChange,
        },
    };
    let planned = target.and_then(|t| needed(baseline.as_ref(), t, level));
    let more_needed = match (verdict, planned) {
        (Verdict::TooFew | Verdict::NotRemeasured, Some(n)) => {
            let have = latest.as_ref().map_or(0.0, |m| m.n);
            Some((n - have).max(0.0) as u32)
        }
        _ => None,
    };
    let after_deadline = latest
        .as_ref()
        .map(|m| m.began.is_some_and(|d| d > deadline));
    let shows = match rule.sign_off {
        SignOffRule::NotSignificantlyBelow => matches!(
            verdict,
            Verdict::NoLongerBelow | Verdict::ImprovedSignificantly | Verdict::NoClearChange
        ),
        SignOffRule::AtOrAbove => verdict == Verdict::NoLongerBelow,
        SignOffRule::Improved => up,
    };
    let rule_met = shows && (!rule.after_deadline || after_deadline == Some(true));
    Judgement {
        baseline,
        latest,
        change,
        verdict,
        more_needed,
        planned: planned.map(|n| n as u32),
        rule_met,
        after_deadline,
    }
}

/// The sign-off rule in words.
pub fn rule_words(r: &Rectification, l: Lang) -> String {
    let what = match r.sign_off {
        SignOffRule::NotSignificantlyBelow => l.pick(
            "复测结果不再显著低于目标",
            "the re-measured rate is not significantly below the target",
        ),
        SignOffRule::AtOrAbove => l.pick(
            "复测结果达到或高于目标",
            "the re-measured rate is at or above the target",
        ),
        SignOffRule::Improved => l.pick(
            "复测结果比基线显著提高",
            "the re-measured rate rose significantly since the baseline",
        ),
    };
    match (r.after_deadline, l) {
        (true, Lang::Zh) => format!("销号规则：整改时限之后开始的一轮调查中，{what}。"),
        (true, Lang::En) => {
            format!("Sign-off rule: in a wave begun after the deadline, {what}.")
        }
        (false, Lang::Zh) => format!("销号规则：基线之后的一轮调查中，{what}。"),
        (false, Lang::En) => format!("Sign-off rule: in a wave after the baseline, {what}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{target::Basis, EstimateKind, TargetStatus};

    /// A direct district rate of `n` respondents, against `target` when there is one.
    fn rate(estimate: f64, se: f64, n: f64, target: Option<f64>) -> Estimate {
        let (lo, hi) = (estimate - 1.96 * se, estimate + 1.96 * se);
        let state = |t: f64| match () {
            _ if lo > t => TargetState::SignificantlyAbove,
            _ if estimate >= t => TargetState::AtOrAbove,
            _ if hi < t => TargetState::SignificantlyBelow,
            _ => TargetState::Below,
        };
        Estimate {
            indicator: "aware".into(),
            kind: EstimateKind::Proportion,
            dimension: "awareness".into(),
            domain: "district".into(),
            group: "XC".into(),
            n,
            weighted_total: n,
            estimate,
            se,
            ci_low: Some(lo),
            ci_high: Some(hi),
            deff: 1.0,
            n_eff: n,
            df: n - 1.0,
            flag: if n < 30.0 { Flag::Suppress } else { Flag::Ok },
            target_status: target.map(|t| TargetStatus {
                state: state(t),
                target: t,
                low: Some(lo),
                high: Some(hi),
                basis: Basis::Interval,
            }),
            model: None,
        }
    }

    fn verdict(a: Estimate, b: Estimate) -> Judgement {
        let day = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        judge(
            Some(Measured::of(&a, 1, None)),
            Some(Measured::of(&b, 2, Some(day))),
            true,
            &Rectification::default(),
            day - chrono::Duration::days(1),
            0.95,
        )
    }

    #[test]
    fn the_latest_wave_decides_and_the_rule_follows() {
        let j = verdict(
            rate(0.60, 0.02, 400.0, Some(0.9)),
            rate(0.70, 0.02, 400.0, Some(0.9)),
        );
        assert_eq!(j.verdict, Verdict::StillSignificantlyBelow);
        assert!(j.change.as_ref().is_some_and(|d| d.ci_low > 0.0));
        assert!(!j.rule_met);
        let j = verdict(
            rate(0.60, 0.02, 400.0, Some(0.9)),
            rate(0.88, 0.02, 400.0, Some(0.9)),
        );
        assert_eq!(j.verdict, Verdict::ImprovedSignificantly);
        assert!(
            j.rule_met,
            "not significantly below, in a wave after the deadline"
        );
        let j = verdict(
            rate(0.60, 0.02, 400.0, Some(0.9)),
            rate(0.92, 0.02, 400.0, Some(0.9)),
        );
        assert_eq!(j.verdict, Verdict::NoLongerBelow);
        // Too few in the latest wave: not judged, and the planner says how many more.
        let j = verdict(
            rate(0.60, 0.02, 400.0, Some(0.9)),
            rate(0.95, 0.05, 12.0, Some(0.9)),
        );
        assert_eq!(j.verdict, Verdict::TooFew);
        assert!(j.more_needed.is_some_and(|n| n > 0) && !j.rule_met);
    }

    #[test]
    fn an_indicator_without_a_target_is_judged_by_its_change_alone() {
        let j = verdict(rate(0.60, 0.02, 400.0, None), rate(0.70, 0.02, 400.0, None));
        assert_eq!(j.verdict, Verdict::UpWithoutTarget);
        let j = verdict(rate(0.60, 0.02, 400.0, None), rate(0.61, 0.02, 400.0, None));
        assert_eq!(j.verdict, Verdict::NoRiseWithoutTarget);
        assert!(!j.rule_met, "no target: the default rule cannot be met");
    }
}
