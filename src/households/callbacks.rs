//! Call-back verification (回访): a share of each interviewer's completed household
//! interviews is drawn at random for someone else to revisit, and what they find is
//! recorded; an interviewer with any interview confirmed as never having happened is
//! flagged.

use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

use super::error::HouseholdError;
use crate::definition::Survey;
use crate::storage::{Store, STATUS_COMPLETE};

/// What a call-back can find, with the office's words.
pub const CALLBACK_OUTCOMES: [(&str, &str, &str); 4] = [
    (
        "confirmed",
        "属实：受访者确认接受过访问",
        "confirmed: the resident was interviewed",
    ),
    (
        "not_interviewed",
        "不属实：受访者称未接受过访问",
        "not interviewed: the resident says no one came",
    ),
    (
        "answers_differ",
        "回答与记录明显不符",
        "answers differ from the record",
    ),
    ("not_reached", "未能联系上受访者", "resident not reached"),
];

/// Draws call-backs among the completed household interviews of the current wave: what
/// the design's share of each interviewer's completes calls for, less what earlier
/// rounds drew. How many were drawn.
pub fn draw_callbacks(store: &Store, survey: &Survey, by: &str) -> Result<usize, HouseholdError> {
    let design = survey
        .household_sample
        .as_ref()
        .ok_or_else(|| HouseholdError::NoDesign(survey.id.clone()))?;
    let wave = survey.wave as i32;
    let before = store.callbacks(&survey.id, wave)?;
    let done: HashSet<i64> = before.iter().map(|c| c.response_id).collect();
    let completes: Vec<(String, i64, bool)> = store
        .household_interviews(&survey.id, wave)?
        .into_iter()
        .filter(|i| i.status == STATUS_COMPLETE)
        .filter_map(|i| Some((i.interviewer?, i.response_id, done.contains(&i.response_id))))
        .collect();
    // Each round of call-backs its own stream, so a second round is not the first again.
    let seed = design.seed.wrapping_add(before.len() as u64);
    let drawn = crate::sampling::draw_callbacks(&completes, design.callback_share, seed);
    store.add_callbacks(&survey.id, wave, seed as i64, &drawn, by)?;
    Ok(drawn.len())
}

/// Call-backs per interviewer.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CallbackCheck {
    pub interviewer: String,
    /// Completed household interviews.
    pub completes: usize,
    pub drawn: usize,
    /// Drawn, and the resident reached: confirmed, or found to differ.
    pub checked: usize,
    pub confirmed: usize,
    pub not_interviewed: usize,
    pub answers_differ: usize,
    pub not_reached: usize,
    /// Any interview confirmed as never having happened: fabrication.
    pub flagged: bool,
}

impl CallbackCheck {
    /// The share of completes verified by a call-back with an outcome.
    pub fn verified_share(&self) -> f64 {
        if self.completes == 0 {
            f64::NAN
        } else {
            self.checked as f64 / self.completes as f64
        }
    }
}

/// Per interviewer: completes, call-backs drawn and checked, what they found.
pub fn callback_checks(
    store: &Store,
    survey: &Survey,
) -> Result<Vec<CallbackCheck>, HouseholdError> {
    let wave = survey.wave as i32;
    Ok(checks_of(
        &store.household_interviews(&survey.id, wave)?,
        &store.callbacks(&survey.id, wave)?,
    ))
}

/// Call-backs listed per page (each row carries its own outcome form).
pub const CALLBACKS_PER_PAGE: usize = 100;

/// One page of the call-back list: those still to do first, newest first.
pub struct CallbackPage {
    pub tasks: Vec<CallbackTask>,
    /// Call-backs drawn in the wave, and of those still without an outcome.
    pub total: usize,
    pub to_do: usize,
    /// This page (from 0) and how many there are.
    pub page: usize,
    pub pages: usize,
}

/// Page `page` of the wave's call-backs, with their households: reads the call-backs
/// and only this page's interviews and households.
pub fn callback_page(
    store: &Store,
    survey: &Survey,
    page: usize,
) -> Result<CallbackPage, HouseholdError> {
    let mut rows = store.callbacks(&survey.id, survey.wave as i32)?;
    let (total, to_do) = (
        rows.len(),
        rows.iter().filter(|r| r.outcome.is_none()).count(),
    );
    rows.sort_by_key(|r| (r.outcome.is_some(), std::cmp::Reverse(r.id)));
    let pages = total.div_ceil(CALLBACKS_PER_PAGE).max(1);
    let page = page.min(pages - 1);
    let rows: Vec<_> = rows
        .into_iter()
        .skip(page * CALLBACKS_PER_PAGE)
        .take(CALLBACKS_PER_PAGE)
        .collect();
    Ok(CallbackPage {
        tasks: with_households(store, survey, rows)?,
        total,
        to_do,
        page,
        pages,
    })
}

fn checks_of(
    interviews: &[crate::storage::HouseholdInterview],
    callbacks: &[crate::storage::CallbackRow],
) -> Vec<CallbackCheck> {
    let mut by: BTreeMap<String, CallbackCheck> = BTreeMap::new();
    let row = |m: &mut BTreeMap<String, CallbackCheck>, who: &str| {
        m.entry(who.to_string())
            .or_insert_with(|| CallbackCheck {
                interviewer: who.to_string(),
                ..CallbackCheck::default()
            })
            .interviewer
            .clone()
    };
    for i in interviews {
        if let (Some(who), true) = (&i.interviewer, i.status == STATUS_COMPLETE) {
            row(&mut by, who);
            if let Some(c) = by.get_mut(who) {
                c.completes += 1;
            }
        }
    }
    for cb in callbacks {
        let who = row(&mut by, &cb.interviewer);
        let Some(c) = by.get_mut(&who) else { continue };
        c.drawn += 1;
        if let Some((outcome, ..)) = &cb.outcome {
            c.checked += (outcome != "not_reached") as usize;
            match outcome.as_str() {
                "confirmed" => c.confirmed += 1,
                "not_interviewed" => c.not_interviewed += 1,
                "answers_differ" => c.answers_differ += 1,
                _ => c.not_reached += 1,
            }
        }
    }
    for c in by.values_mut() {
        c.flagged = c.not_interviewed > 0;
    }
    by.into_values().collect()
}

/// A call-back to make: the row, and the household whose interview it checks.
#[derive(Debug, Clone)]
pub struct CallbackTask {
    pub row: crate::storage::CallbackRow,
    pub household: Option<crate::storage::HouseholdRow>,
}

/// The current wave's call-backs, newest first, each with its household.
pub fn callback_tasks(store: &Store, survey: &Survey) -> Result<Vec<CallbackTask>, HouseholdError> {
    let mut rows = store.callbacks(&survey.id, survey.wave as i32)?;
    rows.sort_by_key(|r| std::cmp::Reverse(r.id));
    with_households(store, survey, rows)
}

/// Call-backs with the households whose interviews they check: one read of those
/// responses and one of their households (per 500), whatever the wave's size.
fn with_households(
    store: &Store,
    survey: &Survey,
    rows: Vec<crate::storage::CallbackRow>,
) -> Result<Vec<CallbackTask>, HouseholdError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.response_id).collect();
    let of_response: std::collections::HashMap<i64, i64> = store
        .responses_by_ids(&survey.id, &ids)?
        .into_iter()
        .filter_map(|r| Some((r.id, r.household_id?)))
        .collect();
    let households: Vec<i64> = of_response.values().copied().collect();
    let mut households = store.households_by_ids(&survey.id, &households)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let household = of_response
                .get(&row.response_id)
                .and_then(|h| households.remove(h));
            CallbackTask { row, household }
        })
        .collect())
}

/// Records what call-back `id` found: one of [`CALLBACK_OUTCOMES`], with a short note.
pub fn record_callback(
    store: &Store,
    survey: &Survey,
    id: i64,
    outcome: &str,
    note: &str,
    by: &str,
) -> Result<(), HouseholdError> {
    if !CALLBACK_OUTCOMES.iter().any(|o| o.0 == outcome) {
        let known: Vec<&str> = CALLBACK_OUTCOMES.iter().map(|o| o.0).collect();
        return Err(HouseholdError::BadCallbackOutcome(
            outcome.to_string(),
            known.join(", "),
        ));
    }
    // A note about a resident is no place for their phone number: masked before stored.
    let note: String = survey
        .masker()
        .mask(note.trim())
        .0
        .chars()
        .take(200)
        .collect();
    match store.add_callback_outcome(&survey.id, id, outcome, &note, by) {
        Err(crate::storage::StorageError::NoSuchCallback(..)) => {
            Err(HouseholdError::NoSuchCallback(id, survey.id.clone()))
        }
        other => Ok(other?),
    }
}
