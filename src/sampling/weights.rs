//! The design weights of a household sample's respondents: the inverse of each one's
//! chance of selection, adjusted for the households that did not respond.
//!
//! A household's own weight is `d = 1 / (π community × π household in community)`;
//! its interviewed adult's weight is `d / p` with `p` that adult's chance within the
//! household (1 / adults under the next-birthday rule; what Kish's tables give).
//! Nonresponse is adjusted within each drawn community: the responding households
//! stand for every eligible household drawn there, those of unknown eligibility
//! counted with AAPOR's `e`:
//!
//! `factor = (Σ d over respondents and eligible nonrespondents + e · Σ d over unknown)
//! / Σ d over respondents`.
//!
//! Households found not eligible drop out. A community without a single respondent
//! cannot stand for itself: its district's communities are then adjusted together
//! (one cell per district), and the weights say which districts were pooled.

use std::collections::BTreeMap;

/// What became of a drawn household, as the weights see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// An interview that counts in the estimates.
    Respondent,
    /// An eligible household without a counted interview (refusal, non-contact,
    /// broken off, an appointment not yet kept, an interview left out of the figures).
    EligibleNonrespondent,
    /// Whether an eligible adult lives there is not known (never reached, not yet
    /// visited).
    Unknown,
    /// No eligible adult lives there.
    NotEligible,
}

/// One drawn household.
#[derive(Debug, Clone)]
pub struct Case {
    pub district: String,
    /// The drawn community (the adjustment cell).
    pub community: String,
    /// `1 / (π community × π household)`.
    pub household_weight: f64,
    pub outcome: Outcome,
    /// For a respondent: the chance of the interviewed adult within the household.
    pub selection: f64,
}

/// The weights of a sample's cases.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    /// Per case: the respondent's design weight (`None` for the others).
    pub weights: Vec<Option<f64>>,
    /// The `e` used.
    pub e: f64,
    /// Districts adjusted as one cell because a drawn community had no respondent.
    pub pooled: Vec<String>,
}

/// The eligible share of the cases whose eligibility is known (AAPOR's default `e`;
/// 1 when none is known).
pub fn eligible_share(cases: &[Case]) -> f64 {
    let eligible = cases
        .iter()
        .filter(|c| {
            matches!(
                c.outcome,
                Outcome::Respondent | Outcome::EligibleNonrespondent
            )
        })
        .count();
    let known = eligible
        + cases
            .iter()
            .filter(|c| c.outcome == Outcome::NotEligible)
            .count();
    if known == 0 {
        1.0
    } else {
        eligible as f64 / known as f64
    }
}

/// The design weights of every respondent among `cases`, `e` given or estimated from
/// the cases.
pub fn design_weights(cases: &[Case], e: Option<f64>) -> Weights {
    let e = e.unwrap_or_else(|| eligible_share(cases));
    // Σ d of respondents per community; districts with a community lacking them.
    let mut responding: BTreeMap<(&str, &str), f64> = BTreeMap::new();
    for c in cases {
        let r = responding
            .entry((c.district.as_str(), c.community.as_str()))
            .or_default();
        if c.outcome == Outcome::Respondent {
            *r += c.household_weight;
        }
    }
    let pooled: Vec<String> = responding
        .iter()
        .filter(|(_, r)| **r == 0.0)
        .map(|((d, _), _)| d.to_string())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let cell = |c: &Case| -> (String, String) {
        if pooled.contains(&c.district) {
            (c.district.clone(), String::new())
        } else {
            (c.district.clone(), c.community.clone())
        }
    };
    // (Σ d standing for, Σ d responding) per adjustment cell.
    let mut sums: BTreeMap<(String, String), (f64, f64)> = BTreeMap::new();
    for c in cases {
        let s = sums.entry(cell(c)).or_default();
        match c.outcome {
            Outcome::Respondent => {
                s.0 += c.household_weight;
                s.1 += c.household_weight;
            }
            Outcome::EligibleNonrespondent => s.0 += c.household_weight,
            Outcome::Unknown => s.0 += e * c.household_weight,
            Outcome::NotEligible => {}
        }
    }
    let weights = cases
        .iter()
        .map(|c| {
            (c.outcome == Outcome::Respondent).then(|| {
                let (stand, resp) = sums[&cell(c)];
                c.household_weight * (stand / resp) / c.selection
            })
        })
        .collect();
    Weights { weights, e, pooled }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(community: &str, d: f64, outcome: Outcome, adults: u32) -> Case {
        Case {
            district: "XC".into(),
            community: community.into(),
            household_weight: d,
            outcome,
            selection: 1.0 / adults as f64,
        }
    }

    /// Worked by hand. Community a (π = 0.2, 4 of 100 households: d = 125): two
    /// respondents (1 and 3 adults), one refusal, one never reached. Community b
    /// (π = 0.5, 2 of 50: d = 50): one respondent (2 adults), one not eligible.
    /// Known cases: 4 eligible, 1 not → e = 0.8.
    /// a: (125·2 + 125 + 0.8·125) / (125·2) = 475 / 250 = 1.9 → 125·1.9·1 = 237.5 and
    /// 125·1.9·3 = 712.5. b: 50 / 50 = 1 → 50·1·2 = 100.
    #[test]
    fn weights_worked_by_hand() {
        let cases = [
            case("a", 125.0, Outcome::Respondent, 1),
            case("a", 125.0, Outcome::Respondent, 3),
            case("a", 125.0, Outcome::EligibleNonrespondent, 1),
            case("a", 125.0, Outcome::Unknown, 1),
            case("b", 50.0, Outcome::Respondent, 2),
            case("b", 50.0, Outcome::NotEligible, 1),
        ];
        let w = design_weights(&cases, None);
        assert_eq!(w.e, 0.8);
        assert!(w.pooled.is_empty());
        let got: Vec<Option<f64>> = w
            .weights
            .iter()
            .map(|x| x.map(|v| (v * 1e9).round() / 1e9))
            .collect();
        assert_eq!(
            got,
            [Some(237.5), Some(712.5), None, None, Some(100.0), None]
        );
        // The respondents' households (weights / adults) stand for the eligible
        // households drawn, unknown ones at e: 125·(3 + 0.8) + 50 = 525.
        let households: f64 = [237.5, 712.5 / 3.0, 100.0 / 2.0].iter().sum();
        assert!((households - 525.0).abs() < 1e-9);
    }

    /// A community with no respondent: its district is adjusted as one cell.
    #[test]
    fn a_community_without_respondents_pools_its_district() {
        let cases = [
            case("a", 100.0, Outcome::Respondent, 1),
            case("a", 100.0, Outcome::EligibleNonrespondent, 1),
            case("b", 40.0, Outcome::EligibleNonrespondent, 1),
        ];
        let w = design_weights(&cases, Some(1.0));
        assert_eq!(w.pooled, ["XC"]);
        // (100 + 100 + 40) / 100 = 2.4.
        assert!((w.weights[0].unwrap() - 240.0).abs() < 1e-9);
    }
}
