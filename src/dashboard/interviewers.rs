//! Interviewer checks (for admins and viewers): per interviewer the interviews, their
//! median duration, the straight-lining rate, and the share of top answers on the
//! satisfaction items against self-completed (QR code and link) responses in the same
//! districts — "指导居民填写" shows as an interviewer whose residents are much more
//! satisfied than those who answered alone. Each respondent's share of top answers is
//! weighted with district base weights (strata = districts) and the two groups are
//! compared one-sided ([`stats::groups::higher`]); an interviewer is flagged when that
//! difference is significant after a Bonferroni correction over the interviewers.

use serde::Serialize;
use std::collections::BTreeMap;

use crate::definition::{Dimension, Survey, DONT_KNOW};
use crate::stats::groups::{self, Higher, Obs};
use crate::storage::{Store, StoredResponse, STATUS_COMPLETE};

/// Significance of the test, before the correction over interviewers.
pub const ALPHA: f64 = 0.05;

#[derive(Debug, Clone, Serialize)]
pub struct InterviewerRow {
    pub interviewer: String,
    pub interviews: usize,
    /// Median seconds from the first answer to submission, where both are known.
    pub median_seconds: Option<f64>,
    /// Share of the interviews flagged straight-lined.
    pub straight_lining: f64,
    /// The districts interviewed in (codes).
    pub districts: Vec<String>,
    /// Top-answer share of the interviews against self-completed responses in the
    /// same districts, when both groups have answers.
    pub comparison: Option<Higher>,
    /// Significantly higher than self-completed, after the correction.
    pub flagged: bool,
}

pub struct Check {
    pub rows: Vec<InterviewerRow>,
    /// The p-value below which an interviewer is flagged (α / interviewers).
    pub threshold: f64,
    /// Self-completed responses compared against, in all.
    pub self_completed: usize,
}

/// A respondent's share of top answers over the satisfaction scales they answered.
fn top_share(s: &Survey, answers: &serde_json::Value) -> Option<f64> {
    let (mut top, mut answered) = (0u32, 0u32);
    for q in s
        .questions
        .iter()
        .filter(|q| q.dimension == Dimension::Satisfaction && q.kind.is_scale())
    {
        let Some(code) = answers.get(&q.id).and_then(|v| v.as_str()) else {
            continue;
        };
        if code == DONT_KNOW {
            continue;
        }
        if let Some(point) = q.scale_point(code) {
            answered += 1;
            top += (point == q.scale_len()) as u32;
        }
    }
    (answered > 0).then(|| top as f64 / answered as f64)
}

fn seconds(r: &StoredResponse) -> Option<f64> {
    let started = r.started_at?;
    let s = (r.submitted_at - started).num_milliseconds() as f64 / 1000.0;
    (s >= 0.0).then_some(s)
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    })
}

/// The check over every complete response of the survey's current wave, read a page
/// at a time.
pub fn check(store: &Store, s: &Survey) -> Result<Check, crate::storage::StorageError> {
    struct Interviewed {
        obs: Vec<Obs>,
        seconds: Vec<f64>,
        straight: usize,
        n: usize,
    }
    let wave = s.wave as i32;
    let nd = s.districts.len();
    let district = |code: &str| s.districts.iter().position(|d| d.code == code);
    // Counted responses per district, for the base weights; self-completed scores.
    let mut counted = vec![0usize; nd];
    let mut own: Vec<(usize, f64)> = Vec::new();
    let mut by: BTreeMap<String, Interviewed> = BTreeMap::new();
    let mut scores: Vec<(String, usize, f64)> = Vec::new();
    let mut after = 0;
    loop {
        let page = store.responses_page(&s.id, after, 5_000)?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for r in page
            .iter()
            .filter(|r| r.status == STATUS_COMPLETE && r.wave == wave)
        {
            let Some(d) = district(&r.district) else {
                continue;
            };
            let clean = r.quality_flags.is_empty();
            if let Some(who) = &r.interviewer {
                let e = by.entry(who.clone()).or_insert(Interviewed {
                    obs: vec![],
                    seconds: vec![],
                    straight: 0,
                    n: 0,
                });
                e.n += 1;
                e.straight +=
                    r.quality_flags
                        .split(',')
                        .any(|f| f == crate::quality::STRAIGHT_LINING) as usize;
                e.seconds.extend(seconds(r));
            }
            if !clean {
                continue;
            }
            counted[d] += 1;
            let Ok(answers) = serde_json::from_str::<serde_json::Value>(&r.answers) else {
                continue;
            };
            let Some(y) = top_share(s, &answers) else {
                continue;
            };
            match (&r.interviewer, r.channel.as_str()) {
                (Some(who), _) => scores.push((who.clone(), d, y)),
                (None, "qr" | "link") => own.push((d, y)),
                _ => {}
            }
        }
    }
    let weight = |d: usize| s.districts[d].adults as f64 / counted[d].max(1) as f64;
    for (who, d, y) in scores {
        if let Some(e) = by.get_mut(&who) {
            e.obs.push(Obs {
                stratum: d,
                weight: weight(d),
                y,
            });
        }
    }
    let threshold = ALPHA / by.len().max(1) as f64;
    let rows = by
        .into_iter()
        .map(|(who, e)| {
            let mut ds: Vec<usize> = e.obs.iter().map(|o| o.stratum).collect();
            ds.sort_unstable();
            ds.dedup();
            let alone: Vec<Obs> = own
                .iter()
                .filter(|(d, _)| ds.contains(d))
                .map(|&(d, y)| Obs {
                    stratum: d,
                    weight: weight(d),
                    y,
                })
                .collect();
            let comparison = groups::higher(&e.obs, &alone);
            InterviewerRow {
                interviewer: who,
                interviews: e.n,
                median_seconds: median(e.seconds),
                straight_lining: e.straight as f64 / e.n.max(1) as f64,
                districts: ds.iter().map(|&d| s.districts[d].code.clone()).collect(),
                flagged: comparison.is_some_and(|c| c.difference > 0.0 && c.p_value < threshold),
                comparison,
            }
        })
        .collect();
    Ok(Check {
        rows,
        threshold,
        self_completed: own.len(),
    })
}
