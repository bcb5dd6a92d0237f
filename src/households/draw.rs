//! Drawing the sample: the communities, then the households of every drawn community
//! whose address list is loaded (or by the random walk). Stored whole, with the seed
//! and the fingerprint of the lists used; drawing again with the same seed and lists
//! changes nothing, and once a visit is recorded the sample is frozen.

use sha2::{Digest, Sha256};

use super::error::HouseholdError;
use crate::definition::Survey;
use crate::sampling::{self, FrameEntry};
use crate::storage::{HouseholdRow, NewDraw, Store};

/// What a draw took.
#[derive(Debug)]
pub struct Drawn {
    pub draw_id: i64,
    pub seed: u64,
    /// Whether the current sample was kept (same seed, same lists).
    pub unchanged: bool,
    pub communities: Vec<sampling::DrawnCommunity>,
    pub households: usize,
    /// Drawn communities with no address list yet (and no random walk to use).
    pub waiting: Vec<String>,
}

/// Draws the current wave's sample (the definition's seed unless `seed` is given).
pub fn draw(
    store: &Store,
    survey: &Survey,
    seed: Option<u64>,
    by: &str,
) -> Result<Drawn, HouseholdError> {
    let design = survey
        .household_sample
        .as_ref()
        .ok_or_else(|| HouseholdError::NoDesign(survey.id.clone()))?;
    let wave = survey.wave as i32;
    let seed = seed.unwrap_or(design.seed);
    let current = store.current_draw(&survey.id, wave)?;
    let communities = sampling::draw_communities(survey, design, seed);
    let frames = store.frames(&survey.id, wave)?;
    let mut fp = Sha256::new();
    let mut households: Vec<HouseholdRow> = Vec::new();
    let mut per_community = Vec::new();
    let mut waiting = Vec::new();
    for c in &communities {
        let list: Option<Vec<FrameEntry>> = frames.get(&c.community).map(|(f, rows)| {
            fp.update(c.community.as_bytes());
            fp.update(f.as_bytes());
            rows.iter()
                .map(|(code, address)| FrameEntry {
                    code: code.clone(),
                    address: address.clone(),
                })
                .collect()
        });
        let serial = households.len() as u32;
        let drawn = sampling::draw_households(survey, design, seed, c, list.as_deref(), serial);
        let n = drawn.as_ref().map_or(0, Vec::len);
        match drawn {
            None => waiting.push(c.community.clone()),
            Some(hs) => households.extend(hs.into_iter().enumerate().map(|(k, h)| HouseholdRow {
                id: 0,
                draw_id: 0,
                survey_id: survey.id.clone(),
                wave,
                district: h.district,
                community: h.community,
                serial: (serial as usize + k + 1) as i32,
                household_code: h.code,
                address: h.address,
                method: h.method.name().to_string(),
                probability: h.probability,
                approximate: h.approximate as i32,
                kish_table: h.kish_table.map(str::to_string),
            })),
        }
        per_community.push((
            c.district.clone(),
            c.community.clone(),
            c.adults as i64,
            c.probability,
            c.certain,
            n as i32,
        ));
    }
    let fingerprint = hex::encode(fp.finalize());
    if let Some(cur) = &current {
        if cur.seed == seed as i64 && cur.fingerprint == fingerprint {
            return Ok(Drawn {
                draw_id: cur.id,
                seed,
                unchanged: true,
                communities,
                households: households.len(),
                waiting,
            });
        }
        let visits = store.visits_in_draw(cur.id)?;
        if visits > 0 {
            return Err(HouseholdError::Frozen { wave, visits });
        }
    }
    let n = households.len();
    let draw_id = store.add_draw(NewDraw {
        survey_id: &survey.id,
        wave,
        seed: seed as i64,
        fingerprint: &fingerprint,
        drawn_by: by,
        communities: per_community,
        households,
    })?;
    Ok(Drawn {
        draw_id,
        seed,
        unchanged: false,
        communities,
        households: n,
        waiting,
    })
}
