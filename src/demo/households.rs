//! The demo's household sample in the field: drawn with the definition's seed, the
//! drawn communities shared between the two interviewers, three days of visits (some
//! households answer at the first knock, some after call-backs, some refuse or are
//! never found in), interviews entered on the phone (a few sent hours later, after a
//! spell without signal), and call-backs, one of which finds that the coaching
//! interviewer never met the resident. The residents knocked on at random are a little
//! less satisfied and less aware than those who chose to scan (self-selection), so the
//! survey page has a gap between the two samples to show.

use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;

use super::error::DemoError;
use super::responses::COACH;
use crate::accounts::{Role, User};
use crate::collect;
use crate::definition::{Dimension, Survey};
use crate::households::{self, FieldItem, Target};
use crate::stats::{Column, MISSING};
use crate::storage::Store;
use crate::synth::Rng;

/// What the demo's fieldwork left.
#[derive(Debug, Default)]
pub struct Fieldwork {
    pub households: usize,
    pub visits: usize,
    pub interviews: usize,
    pub callbacks: usize,
}

fn interviewer(name: &str) -> User {
    User {
        id: 0,
        username: name.to_string(),
        role: Role::Interviewer,
        district: None,
    }
}

/// A synthetic resident's answers as a form sends them.
fn answers(
    survey: &Survey,
    data: &crate::stats::Dataset,
    i: usize,
    coach: bool,
    rng: &mut Rng,
) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for (qid, col) in &data.columns {
        let Some(q) = survey.question(qid) else {
            continue;
        };
        let codes: Vec<String> = match col {
            Column::Choice(v) if v[i] != MISSING => vec![q.options[v[i] as usize].code.clone()],
            Column::Multi(v) if v[i] != 0 => q
                .options
                .iter()
                .enumerate()
                .filter(|(k, _)| v[i] >> k & 1 == 1)
                .map(|(_, o)| o.code.clone())
                .collect(),
            _ => continue,
        };
        // The coaching interviewer's residents lean to the top of the satisfaction scales.
        let top = coach
            && q.dimension == Dimension::Satisfaction
            && q.kind.is_scale()
            && rng.uniform() < 0.6;
        // Residents knocked on at random are less keen than those who chose to scan a
        // poster: a step lower on a satisfaction scale now and then, and fewer aware.
        let u = rng.uniform();
        let codes = match codes.as_slice() {
            [c] if !top
                && u < 0.2
                && q.dimension == Dimension::Satisfaction
                && q.kind.is_scale() =>
            {
                match c.parse::<u32>() {
                    Ok(n) if n > 1 => vec![(n - 1).to_string()],
                    _ => codes,
                }
            }
            [c] if u < 0.06 && q.positive.contains(c) && q.dimension == Dimension::Awareness => q
                .options
                .iter()
                .find(|o| !q.positive.contains(&o.code) && o.code != crate::definition::DONT_KNOW)
                .map_or(codes.clone(), |o| vec![o.code.clone()]),
            _ => codes,
        };
        out.insert(
            qid.clone(),
            if top {
                vec![q.scale_len().to_string()]
            } else {
                codes
            },
        );
    }
    out
}

/// A community's address list as an office keeps it: every flat of its buildings, as
/// many as the community has households (400 where the places file does not say).
fn address_list(survey: &Survey, community: &str) -> Vec<households::FrameEntry> {
    let c = survey.find_community(community).map(|(_, c)| c);
    let name = c.map_or(community.to_string(), |c| c.name.zh.clone());
    let n = c.and_then(|c| c.households).unwrap_or(400) as usize;
    // Six-storey blocks of three stairwells, two flats a landing: 36 flats a building.
    (0..n)
        .map(|i| {
            let (building, rest) = (i / 36 + 1, i % 36);
            let (unit, rest) = (rest / 12 + 1, rest % 12);
            let (floor, flat) = (rest / 2 + 1, rest % 2 + 1);
            households::FrameEntry {
                code: format!("{building:03}-{unit}-{floor}0{flat}"),
                address: format!("{name}{building}栋{unit}单元{floor}0{flat}室"),
            }
        })
        .collect()
}

/// Draws the sample and sends the interviewers out (nothing without `[household_sample]`).
pub(super) fn fieldwork(
    store: &Store,
    survey: &Survey,
    salt: &str,
    seed: u64,
    rng: &mut Rng,
) -> Result<Fieldwork, DemoError> {
    let Some(design) = &survey.household_sample else {
        return Ok(Fieldwork::default());
    };
    households::draw(store, survey, None, "minyi demo")?;
    let Some(st) = households::sample_status(store, survey)? else {
        return Ok(Fieldwork::default());
    };
    // The office has address lists for the first district's drawn communities and walks
    // the others, as the README's steps go: draw, load the lists, draw again.
    let listed: Vec<&str> = st
        .communities
        .iter()
        .filter(|c| {
            survey
                .districts
                .first()
                .is_some_and(|d| d.code == c.district)
        })
        .map(|c| c.community.as_str())
        .collect();
    for c in &listed {
        households::load_frame(store, survey, c, &address_list(survey, c), "minyi demo")?;
    }
    if !listed.is_empty() {
        households::draw(store, survey, None, "minyi demo")?;
    }
    let Some(st) = households::sample_status(store, survey)? else {
        return Ok(Fieldwork::default());
    };
    let communities: Vec<&str> = st
        .communities
        .iter()
        .filter(|c| c.households > 0)
        .map(|c| c.community.as_str())
        .collect();
    for (k, c) in communities.iter().enumerate() {
        let who = if k % 3 == 2 {
            COACH
        } else {
            "demo-interviewer"
        };
        households::assign(store, survey, Target::Community(c), who, "minyi demo")?;
    }
    let st = households::sample_status(store, survey)?.ok_or(DemoError::NoSample)?;
    let data = crate::synth::dataset(survey, st.households.len().max(1), 1, seed ^ 0x4855);
    let now = Utc::now();
    let today = chrono::Local::now().date_naive();
    let mut made = Fieldwork {
        households: st.households.len(),
        ..Fieldwork::default()
    };
    let send = |item: FieldItem,
                who: &User,
                at: DateTime<Utc>,
                made: &mut Fieldwork|
     -> Result<(), DemoError> {
        let interview = matches!(item, FieldItem::Interview { .. });
        households::apply(store, survey, salt, item, who, at, today)?;
        made.visits += 1;
        made.interviews += interview as usize;
        Ok(())
    };
    for (i, h) in st.households.iter().enumerate() {
        let Some(name) = h.interviewer.as_deref() else {
            continue;
        };
        let who = interviewer(name);
        let coach = name == COACH;
        // The first knock over the last three days, in the day's working hours.
        let first = now - Duration::minutes(((0.3 + rng.uniform() * 2.6) * 1440.0) as i64);
        let u = rng.uniform();
        // Knocks without an answer before anything else happens (0–3).
        let misses = if u < 0.08 {
            design.visits
        } else {
            (rng.uniform() * 1.8) as u32
        };
        let mut at = first;
        for _ in 0..misses.min(design.visits) {
            let item = FieldItem::Visit {
                survey: survey.id.clone(),
                household: h.row.id,
                key: collect::new_submission_key(),
                visited_at: Some(at),
                outcome: "no_contact".into(),
                appointment_at: None,
                note: None,
            };
            send(item, &who, at, &mut made)?;
            at += Duration::hours(5 + (rng.uniform() * 20.0) as i64);
        }
        if misses >= design.visits || at > now {
            continue;
        }
        let outcome = match rng.uniform() {
            v if v < 0.14 => "refusal",
            v if v < 0.19 => "not_eligible",
            v if v < 0.22 => "appointment",
            v if v < 0.30 => "still",
            _ => "complete",
        };
        match outcome {
            "still" => {}
            "complete" => {
                let minutes = 9.0 + rng.uniform() * 14.0;
                // One interview in six waits on the phone for a signal, sent hours later.
                let offline = rng.uniform() < 0.17;
                let ended = at + Duration::seconds((minutes * 60.0) as i64);
                let sent = if offline {
                    ended + Duration::minutes(60 + (rng.uniform() * 300.0) as i64)
                } else {
                    ended
                };
                let location = if coach && rng.uniform() < 0.3 {
                    "outside"
                } else if rng.uniform() < 0.9 {
                    "inside"
                } else {
                    "unknown"
                };
                let item = FieldItem::Interview {
                    survey: survey.id.clone(),
                    household: h.row.id,
                    key: collect::new_submission_key(),
                    started_at: Some(at),
                    ended_at: Some(ended),
                    adults: 1 + (rng.uniform() * 3.4) as u32,
                    location: Some(location.into()),
                    accuracy: (location != "unknown").then(|| "fine".into()),
                    answers: answers(survey, &data, i, coach, rng),
                };
                send(item, &who, sent.min(now), &mut made)?;
            }
            o => {
                let item = FieldItem::Visit {
                    survey: survey.id.clone(),
                    household: h.row.id,
                    key: collect::new_submission_key(),
                    visited_at: Some(at),
                    outcome: o.into(),
                    appointment_at: (o == "appointment").then(|| now + Duration::hours(20)),
                    note: None,
                };
                send(item, &who, at, &mut made)?;
            }
        }
    }
    made.callbacks = households::draw_callbacks(store, survey, "minyi demo")?;
    // Team leaders called most of them back; the coach's first resident said nobody came.
    let mut told_on_coach = false;
    for t in households::callback_tasks(store, survey)? {
        if rng.uniform() < 0.25 {
            continue;
        }
        let outcome = if t.row.interviewer == COACH && !told_on_coach {
            told_on_coach = true;
            "not_interviewed"
        } else if rng.uniform() < 0.1 {
            "not_reached"
        } else {
            "confirmed"
        };
        households::record_callback(store, survey, t.row.id, outcome, "", "demo-admin")?;
    }
    Ok(made)
}
