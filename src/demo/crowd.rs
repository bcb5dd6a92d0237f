//! A crowd filled in together at one poster within an hour, told what to answer:
//! their satisfaction answers lean to the top (not all alike, so no repeated-pattern
//! flag). The place-and-hour check flags it.

use chrono::{Duration, TimeZone, Timelike, Utc};
use serde_json::{Map, Value};

use super::error::DemoError;
use crate::definition::Survey;
use crate::storage::{NewResponse, Store};
use crate::synth::Rng;

/// Stores the crowd, copied from `template` (a response at a community's poster);
/// returns how many.
pub(super) fn gather(
    store: &Store,
    survey: &Survey,
    salt: &str,
    seed: u64,
    template: NewResponse,
    rng: &mut Rng,
) -> Result<usize, DemoError> {
    let now = Utc::now();
    let base: Map<String, Value> = serde_json::from_str(&template.answers).unwrap_or_default();
    // Within one clock hour: from ten past, a response every two minutes.
    let hour = chrono::Local.from_utc_datetime(&(now - Duration::hours(3)).naive_utc());
    let at = hour
        .with_minute(10)
        .and_then(|t| t.with_second(0))
        .map_or((now - Duration::hours(3)).naive_utc(), |t| t.naive_utc());
    let crowd: Vec<NewResponse> = (0..RALLY)
        .map(|k| {
            let mut answers = base.clone();
            for q in survey.questions.iter().filter(|q| {
                q.dimension == crate::definition::Dimension::Satisfaction && q.kind.is_scale()
            }) {
                let top = q.scale_len() - (rng.uniform() >= 0.85) as u32;
                answers.insert(q.id.clone(), Value::String(top.to_string()));
            }
            (k, answers)
        })
        .map(|(k, answers)| NewResponse {
            submitted_at: at + Duration::minutes(2 * k as i64),
            started_at: Some(at + Duration::minutes(2 * k as i64) - Duration::minutes(4)),
            answers: Value::Object(answers.clone()).to_string(),
            pattern_hash: crate::quality::pattern_hash(survey, &answers),
            source_hash: crate::collect::keyed_hash(salt, &format!("demo-rally-{k}")),
            submission_key: format!("{}:demo-{seed}-rally-{k}", survey.id),
            quality_flags: String::new(),
            ..template.clone()
        })
        .collect();
    let crowd: Vec<_> = crowd
        .into_iter()
        .map(|r| {
            let index = crate::collect::answer_index(survey, &r.status, &r.answers);
            (r, index)
        })
        .collect();
    store.insert_batch(&crowd)?;
    Ok(crowd.len())
}

/// The crowd at one poster within an hour.
const RALLY: usize = 15;
