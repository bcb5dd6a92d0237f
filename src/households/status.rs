//! Where every drawn household stands, from its visits and its interview, and the
//! counts a team leader follows: per district, community and interviewer, drawn,
//! visited, completed, refused, non-contact, ineligible, AAPOR's rates over the
//! households that are final, and the share of interviews the phone placed inside the
//! sampled community.

use chrono::NaiveDateTime;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

use super::error::HouseholdError;
use crate::definition::Survey;
use crate::stats::aapor::{self, Dispositions, Rates};
use crate::storage::{CommunityRow, DrawRow, HouseholdRow, Store, VisitRow, STATUS_COMPLETE};

/// A household's state.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum HouseholdState {
    NotVisited,
    /// Nobody answered; more visits are due.
    NoContact {
        visits: u32,
    },
    /// Someone asked to be visited again.
    Appointment {
        visits: u32,
        at: Option<NaiveDateTime>,
    },
    /// Whether an eligible adult lives there could not be told yet.
    Unknown {
        visits: u32,
    },
    Complete,
    Partial,
    Refusal,
    NotEligible,
    Other,
    /// Final after the design's visits without a contact.
    NonContactFinal,
    /// Final after the design's visits without telling eligibility.
    UnknownFinal,
}

impl HouseholdState {
    /// No more visits are due.
    pub fn is_final(&self) -> bool {
        !matches!(
            self,
            HouseholdState::NotVisited
                | HouseholdState::NoContact { .. }
                | HouseholdState::Appointment { .. }
                | HouseholdState::Unknown { .. }
        )
    }

    /// The AAPOR disposition of a final household, counted into `d`.
    fn count(&self, d: &mut Dispositions) {
        match self {
            HouseholdState::Complete => d.complete += 1,
            HouseholdState::Partial => d.partial += 1,
            HouseholdState::Refusal => d.refusal += 1,
            HouseholdState::NonContactFinal => d.non_contact += 1,
            HouseholdState::Other => d.other += 1,
            HouseholdState::UnknownFinal => d.unknown += 1,
            HouseholdState::NotEligible => d.not_eligible += 1,
            _ => {}
        }
    }

    /// The state in the office's words.
    pub fn label(&self, l: crate::definition::Lang) -> String {
        let n = |v: &u32| v.to_string();
        match self {
            HouseholdState::NotVisited => l.pick("未走访", "not visited").into(),
            HouseholdState::NoContact { visits } => match l {
                crate::definition::Lang::Zh => format!("第{}次走访未接触到", n(visits)),
                crate::definition::Lang::En => format!("visit {}: no contact", n(visits)),
            },
            HouseholdState::Appointment { at, .. } => {
                let when = at
                    .map(|t| t.format("%m-%d %H:%M").to_string())
                    .unwrap_or_default();
                format!("{}{}", l.pick("已预约 ", "appointment "), when)
            }
            HouseholdState::Unknown { .. } => l
                .pick(
                    "未能确认是否有符合条件的成年人",
                    "eligibility not known yet",
                )
                .into(),
            HouseholdState::Complete => l.pick("已完成", "complete").into(),
            HouseholdState::Partial => l.pick("中途终止", "broke off").into(),
            HouseholdState::Refusal => l.pick("拒访", "refusal").into(),
            HouseholdState::NotEligible => l.pick("不符合条件", "not eligible").into(),
            HouseholdState::Other => l.pick("其他原因未完成", "other non-response").into(),
            HouseholdState::NonContactFinal => l
                .pick("多次走访均未接触到（终结）", "non-contact (final)")
                .into(),
            HouseholdState::UnknownFinal => l
                .pick("资格未知（终结）", "unknown eligibility (final)")
                .into(),
        }
    }
}

/// A drawn household as a page shows it.
#[derive(Debug, Clone)]
pub struct Household {
    pub row: HouseholdRow,
    pub interviewer: Option<String>,
    pub state: HouseholdState,
    pub visits: Vec<VisitRow>,
    /// Its interview, when one was stored: (response id, where the phone stood).
    pub interview: Option<(i64, Option<String>)>,
}

/// Counts of a group of households.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Progress {
    pub key: String,
    pub drawn: usize,
    pub visited: usize,
    pub completed: usize,
    pub refused: usize,
    pub non_contact: usize,
    pub ineligible: usize,
    /// Households still in the field (not final).
    pub in_field: usize,
    pub dispositions: Dispositions,
    /// Interviews with a location check, and those inside the community.
    pub located: usize,
    pub inside: usize,
}

impl Progress {
    fn add(&mut self, h: &Household) {
        self.drawn += 1;
        self.visited += (!h.visits.is_empty() || h.interview.is_some()) as usize;
        self.completed += (h.state == HouseholdState::Complete) as usize;
        self.refused += (h.state == HouseholdState::Refusal) as usize;
        self.non_contact += (h.state == HouseholdState::NonContactFinal) as usize;
        self.ineligible += (h.state == HouseholdState::NotEligible) as usize;
        self.in_field += (!h.state.is_final()) as usize;
        h.state.count(&mut self.dispositions);
        if let Some((_, Some(loc))) = &h.interview {
            if loc != "unknown" {
                self.located += 1;
                self.inside += (loc == "inside") as usize;
            }
        }
    }

    /// AAPOR's rates over the final households (`e` from the definition or estimated).
    pub fn rates(&self, e: Option<f64>) -> Option<Rates> {
        (self.dispositions.cases() > 0).then(|| aapor::rates(&self.dispositions, e))
    }
}

/// The sample of the current wave, household by household and in groups.
pub struct SampleStatus {
    pub draw: DrawRow,
    pub communities: Vec<CommunityRow>,
    pub households: Vec<Household>,
    pub city: Progress,
    pub by_district: Vec<Progress>,
    pub by_community: Vec<Progress>,
    pub by_interviewer: Vec<Progress>,
}

/// The current sample's status (`None` before the first draw).
pub fn sample_status(
    store: &Store,
    survey: &Survey,
) -> Result<Option<SampleStatus>, HouseholdError> {
    let wave = survey.wave as i32;
    let Some(draw) = store.current_draw(&survey.id, wave)? else {
        return Ok(None);
    };
    let max_visits = survey.household_sample.as_ref().map_or(3, |d| d.visits);
    let communities = store.draw_communities(draw.id)?;
    let rows = store.draw_households(draw.id)?;
    let assigned = store.assignments(&survey.id)?;
    let mut visits: HashMap<i64, Vec<VisitRow>> = HashMap::new();
    for v in store.visits(&survey.id)? {
        visits.entry(v.household_id).or_default().push(v);
    }
    let interviews: HashMap<i64, (i64, Option<String>, String)> = store
        .household_interviews(&survey.id, wave)?
        .into_iter()
        .map(|i| (i.household_id, (i.response_id, i.location, i.status)))
        .collect();
    let households = rows
        .into_iter()
        .map(|row| {
            let vs = visits.remove(&row.id).unwrap_or_default();
            let interview = interviews.get(&row.id).cloned();
            let complete = interview.as_ref().is_some_and(|i| i.2 == STATUS_COMPLETE);
            let state = state_of(&vs, complete, max_visits);
            Household {
                interviewer: assigned.get(&row.id).cloned(),
                interview: interview.map(|(id, loc, _)| (id, loc)),
                row,
                state,
                visits: vs,
            }
        })
        .collect();
    Ok(Some(summarise(draw, communities, households)))
}

impl SampleStatus {
    /// The same status over one district's communities and households only (what a
    /// district officer may see, and the admin's page filtered to a district).
    pub fn within(&self, district: &str) -> SampleStatus {
        summarise(
            self.draw.clone(),
            self.communities
                .iter()
                .filter(|c| c.district == district)
                .cloned()
                .collect(),
            self.households
                .iter()
                .filter(|h| h.row.district == district)
                .cloned()
                .collect(),
        )
    }
}

/// Progress by district, community and interviewer, and for all the households given.
fn summarise(
    draw: DrawRow,
    communities: Vec<CommunityRow>,
    households: Vec<Household>,
) -> SampleStatus {
    let group = |key: &dyn Fn(&Household) -> Option<String>| {
        let mut m: BTreeMap<String, Progress> = BTreeMap::new();
        for h in &households {
            if let Some(k) = key(h) {
                let p = m.entry(k.clone()).or_insert_with(|| Progress {
                    key: k,
                    ..Progress::default()
                });
                p.add(h);
            }
        }
        m.into_values().collect::<Vec<_>>()
    };
    let by_district = group(&|h| Some(h.row.district.clone()));
    let by_community = group(&|h| Some(format!("{}/{}", h.row.district, h.row.community)));
    let by_interviewer = group(&|h| h.interviewer.clone());
    let mut city = Progress {
        key: "ALL".into(),
        ..Progress::default()
    };
    for h in &households {
        city.add(h);
    }
    SampleStatus {
        draw,
        communities,
        households,
        city,
        by_district,
        by_community,
        by_interviewer,
    }
}

/// One household of the current sample as its page shows it, if `user` may visit it
/// (an admin, or the interviewer it is assigned to).
pub fn household_view(
    store: &Store,
    survey: &Survey,
    id: i64,
    user: &crate::accounts::User,
) -> Result<Household, HouseholdError> {
    let row = store
        .household(&survey.id, id)?
        .ok_or_else(|| HouseholdError::NoSuchHousehold(id, survey.id.clone()))?;
    let current = store.current_draw(&survey.id, survey.wave as i32)?;
    if current.is_none_or(|d| d.id != row.draw_id) {
        return Err(HouseholdError::OldDraw(id));
    }
    let interviewer = store.assignee(&survey.id, id)?;
    if !user.is_admin() && interviewer.as_deref() != Some(user.username.as_str()) {
        return Err(HouseholdError::NotAssigned(id, user.username.clone()));
    }
    let visits = store.visits_of(&survey.id, id)?;
    let interview = store
        .household_interviews_of(&survey.id, survey.wave as i32, id)?
        .into_iter()
        .next();
    let complete = interview
        .as_ref()
        .is_some_and(|i| i.status == STATUS_COMPLETE);
    let max_visits = survey.household_sample.as_ref().map_or(3, |d| d.visits);
    Ok(Household {
        state: state_of(&visits, complete, max_visits),
        interviewer,
        interview: interview.map(|i| (i.response_id, i.location)),
        row,
        visits,
    })
}

/// A household's state from its visits (oldest first) and whether its interview is
/// stored; final after `max_visits` visits without a final outcome.
pub fn state_of(visits: &[VisitRow], complete: bool, max_visits: u32) -> HouseholdState {
    if complete {
        return HouseholdState::Complete;
    }
    if let Some(v) = visits.iter().rev().find(|v| {
        ["refusal", "not_eligible", "partial", "other", "complete"].contains(&v.outcome.as_str())
    }) {
        return match v.outcome.as_str() {
            "refusal" => HouseholdState::Refusal,
            "not_eligible" => HouseholdState::NotEligible,
            "partial" => HouseholdState::Partial,
            // A visit that says complete, whose interview never arrived: not counted
            // as a complete (the interview is what counts), nor yet final otherwise.
            "complete" => HouseholdState::Other,
            _ => HouseholdState::Other,
        };
    }
    let n = visits.len() as u32;
    let Some(last) = visits.last() else {
        return HouseholdState::NotVisited;
    };
    if n >= max_visits {
        return if visits.iter().any(|v| v.outcome == "appointment") {
            HouseholdState::Other
        } else if visits.iter().any(|v| v.outcome == "no_contact") {
            HouseholdState::NonContactFinal
        } else {
            HouseholdState::UnknownFinal
        };
    }
    match last.outcome.as_str() {
        "appointment" => HouseholdState::Appointment {
            visits: n,
            at: last.appointment_at,
        },
        "unknown" => HouseholdState::Unknown { visits: n },
        _ => HouseholdState::NoContact { visits: n },
    }
}

/// The map of the sample: every community with an outline in the survey's boundaries
/// (of one district, or the city), the drawn ones filled. `None` without outlines.
pub fn sample_map(
    survey: &Survey,
    st: &SampleStatus,
    district: Option<&str>,
    l: crate::definition::Lang,
) -> Option<String> {
    let b = survey.boundaries.as_ref()?;
    let drawn: std::collections::HashSet<&str> = st
        .communities
        .iter()
        .map(|c| c.community.as_str())
        .collect();
    let areas: Vec<(String, &[crate::definition::Ring], bool)> = survey
        .districts
        .iter()
        .filter(|d| district.is_none_or(|x| x == d.code))
        .flat_map(|d| d.communities.iter())
        .filter_map(|c| {
            b.get(&c.code).map(|rings| {
                (
                    c.name.get(l).to_string(),
                    rings.as_slice(),
                    drawn.contains(c.code.as_str()),
                )
            })
        })
        .collect();
    (!areas.is_empty()).then(|| {
        crate::charts::outlines_svg(
            &areas,
            l.pick("抽中的社区", "Drawn communities"),
            (l.pick("抽中", "drawn"), l.pick("未抽中", "not drawn")),
        )
    })
}

/// Where to find a drawn household, in the page's language: its address, or for a
/// random walk the walk's start and the household's place on it.
pub fn address_of(survey: &Survey, row: &HouseholdRow, l: crate::definition::Lang) -> String {
    let walk = survey
        .household_sample
        .as_ref()
        .and_then(|d| d.random_walk.as_ref());
    match walk {
        Some(w) if row.method == "random_walk" => match l {
            crate::definition::Lang::Zh => format!(
                "随机行走：从{}出发，沿右手方向数到第{}户（每隔{}户一户）",
                w.start.zh, row.address, w.interval
            ),
            crate::definition::Lang::En => format!(
                "random walk: from {}, keeping right, the {}th household (every {}th)",
                w.start.en, row.address, w.interval
            ),
        },
        _ => row.address.clone(),
    }
}
