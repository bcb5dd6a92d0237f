//! The two stages of a household sample, from the definition: communities within each
//! district, then households within each drawn community, each with its probability
//! and everything a sheet needs to print.

use sha2::{Digest, Sha256};

use super::kish;
use super::pps::systematic_pps;
use super::stream::Stream;
use super::systematic::systematic;
use crate::definition::{HouseholdSample, Survey};

/// A community the first stage drew.
#[derive(Debug, Clone, PartialEq)]
pub struct DrawnCommunity {
    pub district: String,
    pub community: String,
    /// Its measure of size (adults, from the places file).
    pub adults: u64,
    /// Its inclusion probability (1 when taken with certainty).
    pub probability: f64,
    pub certain: bool,
}

/// One household of a community's address list, as the office gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameEntry {
    pub code: String,
    pub address: String,
}

/// How a household was drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HouseholdMethod {
    /// Systematically from the community's address list: the probability is exact.
    List,
    /// By the random walk printed on the sheet: the probability is approximated from the
    /// community's households.
    RandomWalk,
}

impl HouseholdMethod {
    pub fn name(self) -> &'static str {
        match self {
            HouseholdMethod::List => "list",
            HouseholdMethod::RandomWalk => "random_walk",
        }
    }
    pub fn parse(s: &str) -> Option<HouseholdMethod> {
        match s {
            "list" => Some(HouseholdMethod::List),
            "random_walk" => Some(HouseholdMethod::RandomWalk),
            _ => None,
        }
    }
}

/// A household the second stage drew (or, for a random walk, a slot the walk fills).
#[derive(Debug, Clone, PartialEq)]
pub struct DrawnHousehold {
    pub district: String,
    pub community: String,
    pub code: String,
    /// The address, or the walk's instructions.
    pub address: String,
    /// The household's probability within its community.
    pub probability: f64,
    /// Whether the probability is an approximation (random walk).
    pub approximate: bool,
    pub method: HouseholdMethod,
    /// The Kish table its questionnaire carries (with the Kish rule).
    pub kish_table: Option<&'static str>,
}

/// The first stage: in each district, its communities (places-file order, so the
/// systematic draw spreads over streets) drawn by systematic PPS on their adults.
pub fn draw_communities(
    survey: &Survey,
    design: &HouseholdSample,
    seed: u64,
) -> Vec<DrawnCommunity> {
    let mut out = Vec::new();
    for d in &survey.districts {
        let n = design.communities.get(&d.code).copied().unwrap_or(0) as usize;
        if n == 0 || d.communities.is_empty() {
            continue;
        }
        let sizes: Vec<f64> = d
            .communities
            .iter()
            .map(|c| c.adults.unwrap_or(0) as f64)
            .collect();
        let start = Stream::new(seed, &format!("communities/{}", d.code)).uniform();
        let draw = systematic_pps(&sizes, n, start);
        for i in draw.selected {
            let c = &d.communities[i];
            out.push(DrawnCommunity {
                district: d.code.clone(),
                community: c.code.clone(),
                adults: c.adults.unwrap_or(0),
                probability: draw.probability[i],
                certain: draw.certain[i],
            });
        }
    }
    out
}

/// The second stage in one drawn community: from its address list when there is one,
/// else by the random walk (when the design has one and the community's households
/// are known); `None` when neither is possible yet. `serial` is the number of
/// households drawn before this community (Kish tables run on across the sample).
pub fn draw_households(
    survey: &Survey,
    design: &HouseholdSample,
    seed: u64,
    c: &DrawnCommunity,
    frame: Option<&[FrameEntry]>,
    serial: u32,
) -> Option<Vec<DrawnHousehold>> {
    let m = design.households as usize;
    let table = |k: usize| match design.respondent {
        crate::definition::Respondent::Kish => {
            Some(kish::NAMES[kish::table_for(serial + k as u32 + 1)])
        }
        crate::definition::Respondent::NextBirthday => None,
    };
    if let Some(list) = frame.filter(|l| !l.is_empty()) {
        let start =
            Stream::new(seed, &format!("households/{}/{}", c.district, c.community)).uniform();
        let picks = systematic(list.len(), m, start);
        let p = (picks.len() as f64 / list.len() as f64).min(1.0);
        return Some(
            picks
                .iter()
                .enumerate()
                .map(|(k, &i)| DrawnHousehold {
                    district: c.district.clone(),
                    community: c.community.clone(),
                    code: list[i].code.clone(),
                    address: list[i].address.clone(),
                    probability: p,
                    approximate: false,
                    method: HouseholdMethod::List,
                    kish_table: table(k),
                })
                .collect(),
        );
    }
    let walk = design.random_walk.as_ref()?;
    let households = survey
        .district(&c.district)?
        .community(&c.community)?
        .households
        .filter(|&h| h > 0)?;
    let p = (m as f64 / households as f64).min(1.0);
    let start = Stream::new(seed, &format!("walk/{}/{}", c.district, c.community))
        .below(walk.interval as u64)
        + 1;
    Some(
        (0..m)
            .map(|k| DrawnHousehold {
                district: c.district.clone(),
                community: c.community.clone(),
                code: format!("RW{:02}", k + 1),
                // The household's place on the walk; pages word it in their language.
                address: (start + k as u64 * walk.interval as u64).to_string(),
                probability: p,
                approximate: true,
                method: HouseholdMethod::RandomWalk,
                kish_table: table(k),
            })
            .collect(),
    )
}

/// A fingerprint of an address list as loaded (its households in order): the same list
/// always gives the same fingerprint, any change another.
pub fn fingerprint(list: &[FrameEntry]) -> String {
    let mut h = Sha256::new();
    for e in list {
        h.update(e.code.as_bytes());
        h.update([0x1f]);
        h.update(e.address.as_bytes());
        h.update([0x1e]);
    }
    hex::encode(h.finalize())
}
