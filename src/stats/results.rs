//! What the engine is asked (`Options`) and what it answers: an `Estimate` per
//! indicator, domain and group, gathered in a `Report`.

use serde::Serialize;

use super::data::Exclusions;
use super::design::{RakeControl, RakeReport, Weighting};
use super::interval::Method;
use super::plan::{EstimateKind, Flag, FlagRules, ScorePreset};
use super::sae::FhMethod;
use super::target::{Rate, TargetStatus};

/// What to compute.
#[derive(Debug, Clone)]
pub struct Options {
    pub weighting: Weighting,
    /// Trim bounds as multiples of the mean weight.
    pub trim: Option<(f64, f64)>,
    pub method: Method,
    pub level: f64,
    /// Domains besides the city: `district`, `community`, or a weighting/question id.
    pub by: Vec<String>,
    pub rake: RakeControl,
    pub flags: FlagRules,
    pub scores: ScorePreset,
    /// The column of each respondent's design weight (`None`: the definition's
    /// `[weighting] design_weight`, if any).
    pub design_weight: Option<String>,
    /// The primary sampling units (`None`: the definition's `[weighting] cluster`).
    pub cluster: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            weighting: Weighting::Rake,
            trim: None,
            method: Method::Logit,
            level: 0.95,
            by: vec!["district".into()],
            rake: RakeControl::default(),
            flags: FlagRules::default(),
            scores: ScorePreset::Linear,
            design_weight: None,
            cluster: None,
        }
    }
}

/// One published figure.
#[derive(Debug, Clone, Serialize)]
pub struct Estimate {
    pub indicator: String,
    pub kind: EstimateKind,
    pub dimension: String,
    pub domain: String,
    pub group: String,
    pub n: f64,
    pub weighted_total: f64,
    pub estimate: f64,
    pub se: f64,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub deff: f64,
    pub n_eff: f64,
    pub df: f64,
    pub flag: Flag,
    /// For a rate with a target: where it stands (see [`target`]).
    pub target_status: Option<TargetStatus>,
    /// For a community's rate, when the small-area model ran: its model estimate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelEstimate>,
}

/// Everything `minyi stats` reports.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub weighting: Weighting,
    pub method: Method,
    pub level: f64,
    pub respondents: usize,
    pub trim: Option<(f64, f64)>,
    pub raking: Option<RakeReport>,
    /// Districts with no respondents: no figures for them, and city figures cover the others.
    pub districts_without_respondents: Vec<String>,
    /// Flagged responses left out (filled in by the caller that removed them).
    pub excluded: Exclusions,
    pub estimates: Vec<Estimate>,
}

/// A rate against a target: a proportion of a question with a positive set (not its
/// don't-know rate, nor the reach of one option, whose names hold a dot).
pub fn is_rate(e: &Estimate) -> bool {
    e.kind == EstimateKind::Proportion && !e.indicator.contains('.')
}

/// A community's model estimate, as every output shows it beside the direct one.
#[derive(Debug, Clone, Serialize)]
pub struct ModelEstimate {
    /// The EBLUP (or synthetic estimate), benchmarked to the district's direct rate.
    pub estimate: f64,
    pub mse: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// The weight of the community's own direct figure; `None`: no respondents.
    pub gamma: Option<f64>,
    /// The regression part alone (no respondents, or Â = 0).
    pub synthetic: bool,
    pub method: FhMethod,
    /// Where the model estimate stands against the target, by its interval.
    pub target_status: Option<TargetStatus>,
}

impl Estimate {
    /// What the target rule needs of this estimate.
    pub fn rate(&self) -> Rate {
        Rate {
            estimate: self.estimate,
            n_eff: self.n_eff,
            ci_low: self.ci_low,
            ci_high: self.ci_high,
        }
    }
}
