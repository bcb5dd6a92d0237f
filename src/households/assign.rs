//! Assigning drawn households to the interviewers who will visit them.

use super::error::HouseholdError;
use crate::definition::Survey;
use crate::storage::Store;

/// What to assign: every drawn household of a community, or one household.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    Community(&'a str),
    Household(i64),
}

/// Assigns the households of `target` in the current draw to `to`, who must be an
/// enabled interviewer (or admin). How many households were assigned.
pub fn assign(
    store: &Store,
    survey: &Survey,
    target: Target<'_>,
    to: &str,
    by: &str,
) -> Result<usize, HouseholdError> {
    let wave = survey.wave as i32;
    let draw = store
        .current_draw(&survey.id, wave)?
        .ok_or_else(|| HouseholdError::NoDraw(survey.id.clone(), wave))?;
    match store.user_by_name(to)? {
        Some(u) if u.disabled == 0 && (u.role == "interviewer" || u.role == "admin") => {}
        _ => return Err(HouseholdError::NoSuchInterviewer(to.to_string())),
    }
    let ids: Vec<i64> = store
        .draw_households(draw.id)?
        .into_iter()
        .filter(|h| match target {
            Target::Community(c) => h.community == c,
            Target::Household(id) => h.id == id,
        })
        .map(|h| h.id)
        .collect();
    if ids.is_empty() {
        return Err(match target {
            Target::Community(c) => HouseholdError::NothingToAssign(c.to_string()),
            Target::Household(id) => HouseholdError::NoSuchHousehold(id, survey.id.clone()),
        });
    }
    Ok(store.assign(&survey.id, &ids, to, by)?)
}
