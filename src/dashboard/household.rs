//! The household probability sample's figures, apart from the convenience sample's:
//! its interviews (few: hundreds to a few thousand a wave) are read as rows, each
//! weighted by its design weight (`households::design_weights`), the design clustered
//! by the drawn communities within the district strata and calibrated to the census
//! like the rest. They never enter the tally, so no figure pools the two samples.

use std::collections::BTreeMap;

use super::error::DashboardError;
use super::view::{preferred_weighting, why_not_raked};
use crate::definition::{Lang, Survey};
use crate::households::{self, WaveWeights};
use crate::stats::{self, Options, Report};
use crate::storage::Store;

/// One wave of the household sample, estimated.
pub struct HouseholdFigures {
    pub wave: String,
    /// City and district estimates; `None` when no interview of the wave counts.
    pub report: Option<Report>,
    /// Why the weighting is not raked to the census, when it is not.
    pub weighting_note: Option<String>,
    /// How the weights were made (e, pooled districts, approximate probabilities) and
    /// what became of the drawn households.
    pub weights: WaveWeights,
    /// Counted interviews per district code.
    pub interviews: BTreeMap<String, usize>,
    /// Interviews left out of the estimates for quality flags.
    pub excluded: stats::Exclusions,
}

impl HouseholdFigures {
    /// The convenience sample's rates minus this sample's, for every rate both
    /// publish (city and districts; `a` and `b` name the group).
    pub fn gap(&self, convenience: Option<&Report>) -> Vec<stats::Difference> {
        match (&self.report, convenience) {
            (Some(h), Some(c)) => crate::figures::rate_gap(h, c),
            _ => Vec::new(),
        }
    }

    /// The estimate of an indicator for a group (`ALL`: the city).
    pub fn find(&self, indicator: &str, group: &str) -> Option<&stats::Estimate> {
        self.report
            .as_ref()?
            .estimates
            .iter()
            .find(|e| e.indicator == indicator && e.group == group && stats::is_rate(e))
    }
}

/// The household sample's interviews of every wave as the engine reads them (each
/// counted one with its design weight and drawn community; flagged ones with their
/// flags, for the caller to leave out and count), and how the weights were made;
/// `None` without any interview.
pub fn household_data(
    store: &Store,
    survey: &Survey,
) -> Result<Option<(stats::Dataset, households::SampleWeights)>, DashboardError> {
    household_data_of(store, survey, None)
}

/// [`household_data`] of one wave (`None`: every wave).
fn household_data_of(
    store: &Store,
    survey: &Survey,
    wave: Option<i32>,
) -> Result<Option<(stats::Dataset, households::SampleWeights)>, DashboardError> {
    if survey.household_sample.is_none() {
        return Ok(None);
    }
    let mut rows = store.household_responses(&survey.id)?;
    rows.retain(|r| wave.is_none_or(|w| r.wave == w));
    if rows.is_empty() {
        return Ok(None);
    }
    let superseded: Vec<i64> = store
        .superseded(&survey.id)?
        .into_iter()
        .map(|s| s.0)
        .collect();
    let weights = households::design_weights(store, survey, &rows, &superseded)?;
    let data =
        crate::dataset::from_rows_weighted(survey, &rows, &superseded, &weights.by_response)?;
    Ok(Some((data, weights)))
}

/// The household sample's figures for `wave`; `None` when the survey has no household
/// sample or the wave has no interview of it.
pub fn household_figures(
    store: &Store,
    survey: &Survey,
    wave: &str,
    lang: Lang,
) -> Result<Option<HouseholdFigures>, DashboardError> {
    let Ok(w) = wave.parse::<i32>() else {
        return Ok(None);
    };
    let Some((all, weights)) = household_data_of(store, survey, Some(w))? else {
        return Ok(None);
    };
    let Some(wave_weights) = weights.waves.get(&w).cloned() else {
        return Ok(None);
    };
    let (data, excluded) = all.of_wave(wave).without_flagged();
    let mut interviews = BTreeMap::new();
    for &d in &data.district {
        if let Some(x) = survey.districts.get(d as usize) {
            *interviews.entry(x.code.clone()).or_default() += 1;
        }
    }
    let mut weighting_note = None;
    let report = if data.is_empty() {
        None
    } else {
        let census = stats::Census::from_survey(survey);
        let opts = Options {
            weighting: preferred_weighting(survey),
            ..Options::default()
        };
        match crate::figures::household_report(survey, &data, census.as_ref(), &opts) {
            Ok((r, fallback)) => {
                weighting_note = fallback.map(|e| {
                    format!(
                        "{}{}",
                        lang.pick(
                            "入户样本暂无法按人口普查数据校准，只用设计权重：",
                            "The household sample cannot be calibrated to the census yet, so its design weights are used as they are: "
                        ),
                        why_not_raked(survey, &e, lang)
                    )
                });
                Some(r)
            }
            Err(e) => {
                weighting_note = Some(e.to_string());
                None
            }
        }
    }
    .map(|mut r| {
        r.excluded = excluded.clone();
        r
    });
    Ok(Some(HouseholdFigures {
        wave: wave.to_string(),
        report,
        weighting_note,
        weights: wave_weights,
        interviews,
        excluded,
    }))
}
