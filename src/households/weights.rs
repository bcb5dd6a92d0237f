//! The design weights of the stored household interviews: each drawn household's
//! outcome read from its visits and its interview, then `sampling::weights` (the
//! inverse chances of community, household and adult, and the nonresponse adjustment
//! within each drawn community).

use std::collections::{BTreeMap, HashMap, HashSet};

use super::error::HouseholdError;
use super::status::{state_of, HouseholdState};
use crate::definition::Survey;
use crate::sampling::weights::{design_weights as weigh, Case, Outcome};
use crate::storage::{Store, StoredResponse, VisitRow, STATUS_COMPLETE};

/// The weights of a survey's household interviews, and how they were made.
#[derive(Debug, Clone, Default)]
pub struct SampleWeights {
    /// Response id → design weight, for every interview that counts.
    pub by_response: HashMap<i64, f64>,
    /// Per wave: AAPOR's `e` used for the households of unknown eligibility, the
    /// districts adjusted as one cell (a drawn community without a respondent), and
    /// whether any probability is approximate (households found by a random walk).
    pub waves: BTreeMap<i32, WaveWeights>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct WaveWeights {
    pub e: f64,
    pub pooled: Vec<String>,
    pub approximate: bool,
    /// Drawn households by outcome: respondents, eligible nonrespondents, unknown
    /// eligibility, not eligible.
    pub outcomes: [usize; 4],
}

/// The design weights of the household interviews among `rows` (any waves; other
/// rows are passed over). An interview counts when it is complete, unflagged and not
/// superseded; a household whose interview does not count is an eligible
/// nonrespondent.
pub fn design_weights(
    store: &Store,
    survey: &Survey,
    rows: &[StoredResponse],
    superseded: &[i64],
) -> Result<SampleWeights, HouseholdError> {
    let superseded: HashSet<i64> = superseded.iter().copied().collect();
    let mut by_wave: BTreeMap<i32, Vec<&StoredResponse>> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.household_id.is_some()) {
        by_wave.entry(r.wave).or_default().push(r);
    }
    let mut out = SampleWeights::default();
    if by_wave.is_empty() {
        return Ok(out);
    }
    let max_visits = survey.household_sample.as_ref().map_or(3, |d| d.visits);
    let mut visits: HashMap<i64, Vec<VisitRow>> = HashMap::new();
    for v in store.visits(&survey.id)? {
        visits.entry(v.household_id).or_default().push(v);
    }
    for (wave, interviews) in by_wave {
        let Some(draw) = store.current_draw(&survey.id, wave)? else {
            continue;
        };
        let pi_c: HashMap<String, f64> = store
            .draw_communities(draw.id)?
            .into_iter()
            .map(|c| (c.community, c.probability))
            .collect();
        // Per household: whether it has a complete interview, and the one that counts.
        let mut complete: HashSet<i64> = HashSet::new();
        let mut counted: HashMap<i64, &StoredResponse> = HashMap::new();
        for r in interviews.iter().filter(|r| r.status == STATUS_COMPLETE) {
            let h = r.household_id.unwrap_or_default();
            complete.insert(h);
            if r.quality_flags.is_empty() && !superseded.contains(&r.id) {
                counted.entry(h).or_insert(r);
            }
        }
        let mut cases = Vec::new();
        let mut responses = Vec::new();
        let mut approximate = false;
        for h in store.draw_households(draw.id)? {
            let outcome = match counted.get(&h.id) {
                Some(_) => Outcome::Respondent,
                None => {
                    let vs = visits.get(&h.id).map_or(&[][..], Vec::as_slice);
                    outcome_of(&state_of(vs, complete.contains(&h.id), max_visits))
                }
            };
            let r = counted.get(&h.id);
            let selection = r
                .and_then(|r| {
                    r.selection_probability
                        .or(r.household_adults.map(|a| 1.0 / f64::from(a.max(1))))
                })
                .unwrap_or(1.0);
            approximate |= h.approximate != 0;
            cases.push(Case {
                household_weight: 1.0
                    / (pi_c.get(&h.community).copied().unwrap_or(1.0) * h.probability),
                district: h.district,
                community: h.community,
                outcome,
                selection,
            });
            responses.push(r.map(|r| r.id));
        }
        let w = weigh(&cases, survey.aapor_e);
        let mut outcomes = [0; 4];
        for c in &cases {
            outcomes[c.outcome as usize] += 1;
        }
        for (id, weight) in responses.iter().zip(&w.weights) {
            if let (Some(id), Some(weight)) = (id, weight) {
                out.by_response.insert(*id, *weight);
            }
        }
        out.waves.insert(
            wave,
            WaveWeights {
                e: w.e,
                pooled: w.pooled,
                approximate,
                outcomes,
            },
        );
    }
    Ok(out)
}

/// A household without a counted interview, by its state.
fn outcome_of(state: &HouseholdState) -> Outcome {
    match state {
        HouseholdState::NotEligible => Outcome::NotEligible,
        HouseholdState::NotVisited
        | HouseholdState::NoContact { .. }
        | HouseholdState::Unknown { .. }
        | HouseholdState::UnknownFinal => Outcome::Unknown,
        // Contacted, or final without an interview that counts.
        HouseholdState::Appointment { .. }
        | HouseholdState::Complete
        | HouseholdState::Partial
        | HouseholdState::Refusal
        | HouseholdState::Other
        | HouseholdState::NonContactFinal => Outcome::EligibleNonrespondent,
    }
}
