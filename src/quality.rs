//! Quality flags for one response. The pure rules live here; `collect` supplies what
//! the database knows (recent completion times, counts per source and per pattern).
//!
//! Flagged responses are stored like any other and excluded from estimates by default;
//! every output that excludes them says how many and why.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::definition::{Dimension, Survey, DONT_KNOW};

pub const TOO_FAST: &str = "too_fast";
pub const STRAIGHT_LINING: &str = "straight_lining";
pub const SOURCE_BURST: &str = "source_burst";
pub const REPEATED_PATTERN: &str = "repeated_pattern";
/// Not a rule of this module but listed with the flags: the office withdrew the
/// response (`minyi supersede`); it leaves estimates like a flagged one.
pub const SUPERSEDED: &str = "superseded";

/// A response's flags with `superseded` added (the flags are comma-separated).
pub fn with_superseded(flags: &str) -> String {
    if flags.is_empty() {
        SUPERSEDED.to_string()
    } else {
        format!("{flags},{SUPERSEDED}")
    }
}

/// Responses from one source within [`BURST_WINDOW_MINUTES`] before the next is flagged.
/// Generous, because many residents share one public address on mobile networks.
pub const BURST_LIMIT: i64 = 10;
pub const BURST_WINDOW_MINUTES: i64 = 10;
/// Earlier identical answer patterns at one collection point within the window before
/// the next is flagged.
pub const PATTERN_LIMIT: i64 = 2;
pub const PATTERN_WINDOW_MINUTES: i64 = 60;
/// With this many timed responses, "too fast" also means under a third of the median.
pub const MEDIAN_AFTER: usize = 100;

/// The fingerprint of a response's substantive answers (demographics and screening
/// left out): identical fingerprints at one place in a short time suggest coaching.
pub fn pattern_hash(survey: &Survey, answers: &Map<String, Value>) -> String {
    let mut h = Sha256::new();
    for q in survey.questions.iter().filter(|q| q.dimension.is_rated()) {
        h.update(q.id.as_bytes());
        h.update(b"=");
        h.update(
            answers
                .get(&q.id)
                .map(|v| v.to_string())
                .unwrap_or_default()
                .as_bytes(),
        );
        h.update(b";");
    }
    hex::encode(h.finalize())
}

/// Identical answers to every rating item (at least five answered, "don't know" aside).
pub fn straight_lining(survey: &Survey, answers: &Map<String, Value>) -> bool {
    let points: Vec<&str> = survey
        .questions
        .iter()
        .filter(|q| q.kind.is_scale() && q.dimension == Dimension::Satisfaction)
        .filter_map(|q| answers.get(&q.id).and_then(|v| v.as_str()))
        .filter(|v| *v != DONT_KNOW)
        .collect();
    points.len() >= 5 && points.iter().all(|p| *p == points[0])
}

/// Completion faster than the definition's `min_seconds`, or — with enough history —
/// under a third of the median completion time.
pub fn too_fast(min_seconds: Option<u32>, seconds: Option<f64>, recent: &[f64]) -> bool {
    let Some(s) = seconds else { return false };
    if min_seconds.is_some_and(|m| s < m as f64) {
        return true;
    }
    if recent.len() >= MEDIAN_AFTER {
        let mut v = recent.to_vec();
        v.sort_by(f64::total_cmp);
        let median = v[v.len() / 2];
        return s < median / 3.0;
    }
    false
}
