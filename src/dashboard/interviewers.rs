//! Interviewer checks (for admins and viewers): per interviewer the interviews, their
//! median duration, the straight-lining rate, and the share of top answers on the
//! satisfaction items against self-completed (QR code and link) responses in the same
//! districts — "指导居民填写" shows as an interviewer whose residents are much more
//! satisfied than those who answered alone. Each respondent's share of top answers is
//! weighted with district base weights (strata = districts) and the two groups are
//! compared one-sided ([`stats::groups::higher`]); an interviewer is flagged when that
//! difference is significant after a Bonferroni correction over the interviewers.

use chrono::TimeZone;
use serde::Serialize;
use std::collections::BTreeMap;

use super::error::DashboardError;
use crate::definition::{Dimension, Survey, DONT_KNOW};
use crate::stats::aapor::{self, Dispositions, Rates};
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

/// One line of the response-rate table.
#[derive(Debug, Clone, Serialize)]
pub struct RateRow {
    /// A district code or an interviewer's name; "ALL" for all interviews.
    pub key: String,
    pub dispositions: Dispositions,
    pub rates: Rates,
}

/// Invitation codes of one district: issued, completes, screened out (not eligible).
#[derive(Debug, Clone, Serialize)]
pub struct InviteRow {
    pub district: String,
    pub issued: u64,
    pub completes: u64,
    pub not_eligible: u64,
    /// RR1 (= RR2: a code is used once, for a complete or a screen-out, so there are
    /// no partials): completes over the codes issued, not-eligible ones left out.
    pub rr1: f64,
}

/// QR responses gathered at one collection point within one hour, against the other
/// QR responses of the same districts.
#[derive(Debug, Clone, Serialize)]
pub struct PointRow {
    pub point: String,
    pub district: String,
    /// "2026-12-01 14:00" (local time).
    pub hour: String,
    pub responses: usize,
    pub comparison: Higher,
    pub flagged: bool,
}

/// Responses at one place in one hour below which the check is not made.
pub const MIN_GROUP: usize = 10;

pub struct Check {
    /// The groups of one place and hour with the lowest p-values (at most ten).
    pub points: Vec<PointRow>,
    /// How many groups had enough responses to test.
    pub points_tested: usize,
    pub point_threshold: f64,
    pub rows: Vec<InterviewerRow>,
    /// AAPOR rates of the interviews by district, by interviewer, and in all.
    pub by_district: Vec<RateRow>,
    pub by_interviewer: Vec<RateRow>,
    pub all: Option<RateRow>,
    /// Invitation samples (`invitation_only`): codes issued and used by district.
    pub invites: Vec<InviteRow>,
    /// The p-value below which an interviewer is flagged (α / interviewers).
    pub threshold: f64,
    /// Self-completed responses compared against, in all.
    pub self_completed: usize,
    /// The household sample's checks, when the survey has one and it is drawn.
    pub field: Option<FieldChecks>,
}

/// What the household sample adds: call-backs per interviewer and the share of each
/// interviewer's interviews the phone placed inside the sampled community.
#[derive(Debug, Clone)]
pub struct FieldChecks {
    pub callbacks: Vec<crate::households::CallbackCheck>,
    /// Per interviewer: (name, interviews with a location check, inside).
    pub located: Vec<(String, usize, usize)>,
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
pub fn check(store: &Store, s: &Survey) -> Result<Check, DashboardError> {
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
    // QR responses by collection point and hour (local), for the same check per place.
    let mut at_point: BTreeMap<(String, String), Vec<(usize, f64)>> = BTreeMap::new();
    let mut by: BTreeMap<String, Interviewed> = BTreeMap::new();
    let mut scores: Vec<(String, usize, f64)> = Vec::new();
    // Interview dispositions by (district, interviewer): completes and screen-outs are
    // stored responses, every other outcome an attempt.
    let mut disp: BTreeMap<(String, String), Dispositions> = BTreeMap::new();
    let mut invited: Vec<(u64, u64)> = vec![(0, 0); nd];
    let mut after = 0;
    loop {
        let page = store.responses_page(&s.id, after, 5_000)?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for r in page.iter().filter(|r| r.wave == wave) {
            let complete = r.status == STATUS_COMPLETE;
            if let Some(d) = district(&r.district) {
                if s.invitation_only {
                    if complete {
                        invited[d].0 += 1;
                    } else {
                        invited[d].1 += 1;
                    }
                }
            }
            if let Some(who) = &r.interviewer {
                let e = disp.entry((r.district.clone(), who.clone())).or_default();
                if complete {
                    e.complete += 1;
                } else {
                    e.not_eligible += 1;
                }
            }
            if !complete {
                continue;
            }
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
                (None, "qr" | "link") => {
                    own.push((d, y));
                    if let (Some(point), "qr") = (&r.collection_community, r.channel.as_str()) {
                        let hour = chrono::Local
                            .from_utc_datetime(&r.submitted_at)
                            .format("%Y-%m-%d %H:00")
                            .to_string();
                        at_point
                            .entry((point.clone(), hour))
                            .or_default()
                            .push((d, y));
                    }
                }
                _ => {}
            }
        }
    }
    // District base weights: adults over the district's counted responses.
    let weights: Vec<f64> = (0..nd)
        .map(|d| s.districts[d].adults as f64 / counted[d].max(1) as f64)
        .collect();
    let weight = |d: usize| weights[d];
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
    // The same check for QR responses gathered at one place within one hour: a crowd
    // filled in together, perhaps told what to answer.
    type Group<'a> = (&'a (String, String), &'a Vec<(usize, f64)>);
    let groups: Vec<Group<'_>> = at_point
        .iter()
        .filter(|(_, v)| v.len() >= MIN_GROUP)
        .collect();
    let point_threshold = ALPHA / groups.len().max(1) as f64;
    let obs = |v: &[(usize, f64)]| -> Vec<Obs> {
        v.iter()
            .map(|&(d, y)| Obs {
                stratum: d,
                weight: weight(d),
                y,
            })
            .collect()
    };
    // Every QR response of each district, as sums (they share the district's weight).
    let mut qr = vec![groups::Stratum::default(); nd];
    for v in at_point.values() {
        for &(d, y) in v {
            let h = &mut qr[d];
            h.n += 1.0;
            h.sum += y;
            h.sum_sq += y * y;
        }
    }
    for (d, h) in qr.iter_mut().enumerate() {
        h.weight = weight(d);
    }
    let mut points: Vec<PointRow> = groups
        .iter()
        .filter_map(|((point, hour), v)| {
            // Against every QR response of the group's districts (the group's own
            // among them: with thousands around it, it barely moves the comparison).
            let mut ds: Vec<usize> = v.iter().map(|o| o.0).collect();
            ds.sort_unstable();
            ds.dedup();
            let around: Vec<groups::Stratum> = ds.iter().map(|&d| qr[d]).collect();
            let c = groups::higher_than_sums(&obs(v), &around)?;
            Some(PointRow {
                point: point.clone(),
                district: s.districts[v[0].0].code.clone(),
                hour: hour.clone(),
                responses: v.len(),
                flagged: c.difference > 0.0 && c.p_value < point_threshold,
                comparison: c,
            })
        })
        .collect();
    let tested = points.len();
    points.sort_by(|a, b| a.comparison.p_value.total_cmp(&b.comparison.p_value));
    points.truncate(10);
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
    for (d, who, code, n) in store.attempt_counts(&s.id, wave)? {
        let e = disp.entry((d, who)).or_default();
        let n = n.max(0) as u64;
        match code.as_str() {
            "partial" => e.partial += n,
            "refusal" => e.refusal += n,
            "non_contact" => e.non_contact += n,
            "not_eligible" => e.not_eligible += n,
            "unknown" => e.unknown += n,
            _ => e.other += n,
        }
    }
    let e = s.aapor_e;
    let table = |by: &dyn Fn(&(String, String)) -> String| {
        let mut m: BTreeMap<String, Dispositions> = BTreeMap::new();
        for (k, v) in &disp {
            m.entry(by(k)).or_default().add(v);
        }
        m.into_iter()
            .map(|(key, d)| RateRow {
                key,
                rates: aapor::rates(&d, e),
                dispositions: d,
            })
            .collect::<Vec<_>>()
    };
    let all = table(&|_| "ALL".to_string()).pop();
    let invites = if s.invitation_only {
        let issued = store.invites_by_district(&s.id)?;
        s.districts
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let issued = issued
                    .iter()
                    .find(|x| x.0 == d.code)
                    .map_or(0, |x| x.1.max(0) as u64);
                let (completes, ne) = invited[i];
                InviteRow {
                    district: d.code.clone(),
                    issued,
                    completes,
                    not_eligible: ne,
                    rr1: if issued > ne {
                        completes as f64 / (issued - ne) as f64
                    } else {
                        f64::NAN
                    },
                }
            })
            .collect()
    } else {
        vec![]
    };
    Ok(Check {
        rows,
        by_district: table(&|k| k.0.clone()),
        by_interviewer: table(&|k| k.1.clone()),
        all,
        invites,
        threshold,
        self_completed: own.len(),
        points,
        points_tested: tested,
        point_threshold,
        field: field_checks(store, s)?,
    })
}

fn field_checks(store: &Store, s: &Survey) -> Result<Option<FieldChecks>, DashboardError> {
    let Some(st) = crate::households::sample_status(store, s)? else {
        return Ok(None);
    };
    Ok(Some(FieldChecks {
        callbacks: crate::households::callback_checks(store, s)?,
        located: st
            .by_interviewer
            .iter()
            .map(|p| (p.key.clone(), p.located, p.inside))
            .collect(),
    }))
}
