//! What an interviewer's phone sends, each item with the key the phone gave it (so a
//! resend after a lost connection counts once): a visit's outcome, or an interview
//! with its roster, its start and end, and where the phone stood.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;

use super::error::HouseholdError;
use crate::accounts::User;
use crate::collect::{self, Channel, CollectError, HouseholdLink, Submission};
use crate::definition::{Respondent, Survey};
use crate::sampling::kish;
use crate::storage::{HouseholdRow, NewVisit, StorageError, Store};

/// The outcomes a visit may record, with their names (an interview is recorded by
/// sending it, not as an outcome).
pub const VISIT_OUTCOMES: [(&str, &str, &str); 7] = [
    (
        "no_contact",
        "无人应门／未接触到",
        "nobody home / no contact",
    ),
    ("appointment", "约定再访时间", "appointment to come back"),
    ("refusal", "拒访", "refusal"),
    (
        "not_eligible",
        "不符合条件（空户、无成年常住人口、非住宅）",
        "not eligible (vacant, no adult resident, not a home)",
    ),
    (
        "unknown",
        "无法进入或无法确认是否有人居住",
        "no access / occupancy unknown",
    ),
    ("partial", "访问中途终止", "interview broken off"),
    ("other", "其他原因未完成", "other non-response"),
];

/// One item from the phone.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FieldItem {
    Visit {
        survey: String,
        household: i64,
        key: String,
        visited_at: Option<DateTime<Utc>>,
        outcome: String,
        appointment_at: Option<DateTime<Utc>>,
        note: Option<String>,
    },
    Interview {
        survey: String,
        household: i64,
        key: String,
        started_at: Option<DateTime<Utc>>,
        ended_at: Option<DateTime<Utc>>,
        /// Adults living in the household (the roster).
        adults: u32,
        /// inside, outside or unknown (the phone's check against the outline).
        location: Option<String>,
        /// fine, coarse or poor.
        accuracy: Option<String>,
        /// The form's answers: question id → values.
        answers: BTreeMap<String, Vec<String>>,
    },
}

impl FieldItem {
    pub fn survey(&self) -> &str {
        match self {
            FieldItem::Visit { survey, .. } | FieldItem::Interview { survey, .. } => survey,
        }
    }
}

/// What became of an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldResult {
    /// Stored now: the visit's or the response's id.
    Stored(i64),
    /// Stored before (the phone sent it again).
    Duplicate,
}

/// The household of an item, if it is one of the current draw and the user may visit it.
fn visitable(
    store: &Store,
    survey: &Survey,
    id: i64,
    user: &User,
) -> Result<HouseholdRow, HouseholdError> {
    if !user.interviews() {
        return Err(HouseholdError::NotInterviewer(user.username.clone()));
    }
    let h = store
        .household(&survey.id, id)?
        .ok_or_else(|| HouseholdError::NoSuchHousehold(id, survey.id.clone()))?;
    let current = store
        .current_draw(&survey.id, survey.wave as i32)?
        .ok_or_else(|| HouseholdError::NoDraw(survey.id.clone(), survey.wave as i32))?;
    if h.draw_id != current.id {
        return Err(HouseholdError::OldDraw(id));
    }
    if !user.is_admin() && store.assignee(&survey.id, id)?.as_ref() != Some(&user.username) {
        return Err(HouseholdError::NotAssigned(id, user.username.clone()));
    }
    Ok(h)
}

/// The chosen adult's chance among `adults`, by the design's rule and the household's
/// Kish table.
pub fn selection_probability(rule: Respondent, table: Option<&str>, adults: u32) -> f64 {
    match (rule, table.and_then(kish::table_named)) {
        (Respondent::Kish, Some(t)) => kish::probability(adults, kish::select(t, adults)),
        _ => 1.0 / adults.max(1) as f64,
    }
}

/// Stores an item from the phone of `user`, as of `now` (`today` the server's date).
pub fn apply(
    store: &Store,
    survey: &Survey,
    salt: &str,
    item: FieldItem,
    user: &User,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<FieldResult, HouseholdError> {
    let design = survey
        .household_sample
        .as_ref()
        .ok_or_else(|| HouseholdError::NoDesign(survey.id.clone()))?;
    match item {
        FieldItem::Visit {
            household,
            key,
            visited_at,
            outcome,
            appointment_at,
            note,
            ..
        } => {
            if !VISIT_OUTCOMES.iter().any(|o| o.0 == outcome) {
                let all: Vec<&str> = VISIT_OUTCOMES.iter().map(|o| o.0).collect();
                return Err(HouseholdError::BadOutcome(outcome, all.join(", ")));
            }
            visitable(store, survey, household, user)?;
            collect::check_open(survey, today)?;
            let visit = NewVisit {
                survey_id: survey.id.clone(),
                household_id: household,
                interviewer: user.username.clone(),
                visited_at: visited_at.filter(|t| *t <= now).unwrap_or(now).naive_utc(),
                recorded_at: now.naive_utc(),
                outcome,
                appointment_at: appointment_at.map(|t| t.naive_utc()),
                // Interviewers write notes like residents do ("call 138…"): masked before stored.
                note: survey
                    .masker()
                    .mask(&note.unwrap_or_default())
                    .0
                    .chars()
                    .take(200)
                    .collect(),
                submission_key: format!("{}:visit:{}", survey.id, key.trim()),
            };
            match store.add_visit(&visit) {
                Ok(id) => Ok(FieldResult::Stored(id)),
                Err(StorageError::Duplicate) => Ok(FieldResult::Duplicate),
                Err(e) => Err(e.into()),
            }
        }
        FieldItem::Interview {
            household,
            key,
            started_at,
            ended_at,
            adults,
            location,
            accuracy,
            answers,
            ..
        } => {
            let h = visitable(store, survey, household, user)?;
            if !(1..=99).contains(&adults) {
                return Err(HouseholdError::Roster);
            }
            let ended = ended_at.filter(|t| *t <= now).unwrap_or(now);
            let location = location
                .filter(|l| ["inside", "outside", "unknown"].contains(&l.as_str()))
                .unwrap_or_else(|| "unknown".into());
            let accuracy = accuracy
                .filter(|a| ["fine", "coarse", "poor"].contains(&a.as_str()))
                .filter(|_| location != "unknown");
            let link = HouseholdLink {
                id: h.id,
                district: h.district.clone(),
                community: h.community.clone(),
                adults,
                selection_probability: selection_probability(
                    design.respondent,
                    h.kish_table.as_deref(),
                    adults,
                ),
                ended_at: Some(ended.naive_utc()),
                location,
                location_accuracy: accuracy,
            };
            let interviewer = user.username.clone();
            // The household is where the resident lives: its district and community
            // answer those questions, whatever the form carried.
            let mut answers = answers;
            if let Some(q) = survey.district_question() {
                answers.insert(q.id.clone(), vec![h.district.clone()]);
            }
            if let Some(q) = survey.community_question() {
                answers.insert(q.id.clone(), vec![h.community.clone()]);
            }
            let p = collect::prepare(
                salt,
                Submission {
                    survey,
                    collection_district: &h.district,
                    collection_community: Some(&h.community),
                    channel: Channel::Household,
                    answers,
                    started_at: started_at.map(|t| t.naive_utc()),
                    submission_key: key.clone(),
                    source: format!("interviewer:{interviewer}"),
                    device: None,
                    invite_code: None,
                    interviewer: Some(interviewer.clone()),
                    intake: None,
                    household: Some(link),
                },
                now,
                today,
            )?;
            let stored = match store.insert_response(p.response, None, p.checks, p.index) {
                Ok(id) => FieldResult::Stored(id),
                Err(StorageError::Duplicate) => FieldResult::Duplicate,
                Err(e) => return Err(HouseholdError::Collect(CollectError::Storage(e))),
            };
            // The visit that ended in the interview.
            let visit = NewVisit {
                survey_id: survey.id.clone(),
                household_id: h.id,
                interviewer,
                visited_at: started_at
                    .filter(|t| *t <= now)
                    .unwrap_or(ended)
                    .naive_utc(),
                recorded_at: now.naive_utc(),
                outcome: "complete".into(),
                appointment_at: None,
                note: String::new(),
                submission_key: format!("{}:visit:{}:interview", survey.id, key.trim()),
            };
            match store.add_visit(&visit) {
                Ok(_) | Err(StorageError::Duplicate) => Ok(stored),
                Err(e) => Err(e.into()),
            }
        }
    }
}
