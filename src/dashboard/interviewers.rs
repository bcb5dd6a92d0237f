//! Interviewer checks (for admins and viewers): per interviewer the interviews, their
//! median duration, the straight-lining rate, and the share of top answers on the
//! satisfaction items against self-completed (QR code and link) responses in the same
//! districts — "指导居民填写" shows as an interviewer whose residents are much more
//! satisfied than those who answered alone. Each respondent's share of top answers is
//! weighted with district base weights (strata = districts) and the two groups are
//! compared one-sided ([`stats::groups::higher`]); an interviewer is flagged when that
//! difference is significant after a Bonferroni correction over the interviewers.

use chrono::TimeZone;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

use super::error::DashboardError;
use crate::definition::{Dimension, Survey, DONT_KNOW};
use crate::stats::aapor::{self, Dispositions, Rates};
use crate::stats::groups::{self, Higher};
use crate::stats::pairs;
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

/// What the checks keep of the current wave's rows: per district, the counted
/// responses and the self-completed top-answer sums; per interviewer, interviews,
/// straight-lining, durations and top-answer sums by district; per poster and hour,
/// the QR sums by district; interview and invitation dispositions. Every respondent of
/// a district shares the district's base weight, so sums are sufficient
/// ([`groups::stratified_mean_of_sums`]) and the rows are read once: the dashboard's
/// cache keeps this beside its tally, fed the same pages, saved in the same snapshot.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Acc {
    /// The wave the rows are of (others are passed over).
    wave: i32,
    counted: Vec<u64>,
    own: Vec<groups::Stratum>,
    /// Collection points as met (`at_point` refers to them by index).
    points: Vec<String>,
    #[serde(skip)]
    point_ix: HashMap<String, u32>,
    /// (point, local hour as hours since the epoch) → QR sums by district.
    #[serde(with = "pairs")]
    at_point: BTreeMap<Hour, BySums>,
    by: BTreeMap<String, Interviewed>,
    /// (district, interviewer) → (completes, screened out).
    #[serde(with = "pairs")]
    disp: BTreeMap<(String, String), (u64, u64)>,
    /// Per district: invitation completes and screen-outs.
    invited: Vec<(u64, u64)>,
}

/// A collection point (index) and a local hour (hours since the epoch).
type Hour = (u32, i64);

/// Top-answer sums by district (index).
type BySums = Vec<(u16, groups::Stratum)>;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Interviewed {
    n: u64,
    straight: u64,
    seconds: Vec<f64>,
    /// Top-answer sums of the counted interviews, by district.
    strata: BTreeMap<u16, groups::Stratum>,
}

impl Acc {
    /// Nothing yet, for the survey's current wave.
    pub fn new(s: &Survey) -> Acc {
        let nd = s.districts.len();
        Acc {
            wave: s.wave as i32,
            counted: vec![0; nd],
            own: vec![groups::Stratum::default(); nd],
            invited: vec![(0, 0); nd],
            ..Acc::default()
        }
    }

    /// Whether this was gathered for the survey's wave and districts as they are now.
    pub fn fits(&self, s: &Survey) -> bool {
        self.wave == s.wave as i32 && self.counted.len() == s.districts.len()
    }

    /// Rebuilds the lookup after deserializing.
    pub fn reindex(&mut self) {
        self.point_ix = self
            .points
            .iter()
            .enumerate()
            .map(|(i, p)| (p.clone(), i as u32))
            .collect();
    }

    fn point(&mut self, code: &str) -> u32 {
        if let Some(&i) = self.point_ix.get(code) {
            return i;
        }
        let i = self.points.len() as u32;
        self.points.push(code.to_string());
        self.point_ix.insert(code.to_string(), i);
        i
    }

    /// Folds in stored rows (any wave; in id order or not).
    pub fn add(&mut self, s: &Survey, rows: &[StoredResponse]) {
        let district = |code: &str| s.districts.iter().position(|d| d.code == code);
        let wave = self.wave;
        for r in rows.iter().filter(|r| r.wave == wave) {
            let complete = r.status == STATUS_COMPLETE;
            let d = district(&r.district);
            if let (Some(d), true) = (d, s.invitation_only) {
                if complete {
                    self.invited[d].0 += 1;
                } else {
                    self.invited[d].1 += 1;
                }
            }
            if let Some(who) = &r.interviewer {
                let e = self
                    .disp
                    .entry((r.district.clone(), who.clone()))
                    .or_default();
                if complete {
                    e.0 += 1;
                } else {
                    e.1 += 1;
                }
            }
            let (true, Some(d)) = (complete, d) else {
                continue;
            };
            if let Some(who) = &r.interviewer {
                let e = self.by.entry(who.clone()).or_default();
                e.n += 1;
                e.straight +=
                    r.quality_flags
                        .split(',')
                        .any(|f| f == crate::quality::STRAIGHT_LINING) as u64;
                e.seconds.extend(seconds(r));
            }
            if !r.quality_flags.is_empty() {
                continue;
            }
            self.counted[d] += 1;
            let Ok(answers) = serde_json::from_str::<serde_json::Value>(&r.answers) else {
                continue;
            };
            let Some(y) = top_share(s, &answers) else {
                continue;
            };
            match (&r.interviewer, r.channel.as_str()) {
                (Some(who), _) => {
                    if let Some(e) = self.by.get_mut(who) {
                        e.strata.entry(d as u16).or_default().push(y);
                    }
                }
                (None, "qr" | "link") => {
                    self.own[d].push(y);
                    if let (Some(point), "qr") = (&r.collection_community, r.channel.as_str()) {
                        let hour = chrono::Local
                            .from_utc_datetime(&r.submitted_at)
                            .naive_local()
                            .and_utc()
                            .timestamp()
                            .div_euclid(3600);
                        let p = self.point(point);
                        let v = self.at_point.entry((p, hour)).or_default();
                        match v.iter_mut().find(|x| x.0 == d as u16) {
                            Some(x) => x.1.push(y),
                            None => {
                                let mut h = groups::Stratum::default();
                                h.push(y);
                                v.push((d as u16, h));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// The check from what was gathered, with the household sample's checks.
pub fn check_from(
    store: &Store,
    s: &Survey,
    acc: &Acc,
    field: Option<FieldChecks>,
) -> Result<Check, DashboardError> {
    let nd = s.districts.len();
    let wave = acc.wave;
    // District base weights: adults over the district's counted responses.
    let weights: Vec<f64> = (0..nd)
        .map(|d| s.districts[d].adults as f64 / acc.counted[d].max(1) as f64)
        .collect();
    let weighted = |d: usize, h: &groups::Stratum| groups::Stratum {
        weight: weights[d],
        ..*h
    };
    let threshold = ALPHA / acc.by.len().max(1) as f64;
    // The same check for QR responses gathered at one place within one hour: a crowd
    // filled in together, perhaps told what to answer.
    let size = |v: &[(u16, groups::Stratum)]| v.iter().map(|x| x.1.n).sum::<f64>() as usize;
    let tested: Vec<(&Hour, &BySums)> = acc
        .at_point
        .iter()
        .filter(|(_, v)| size(v) >= MIN_GROUP)
        .collect();
    let point_threshold = ALPHA / tested.len().max(1) as f64;
    // Every QR response of each district, as sums (they share the district's weight).
    let mut qr = vec![groups::Stratum::default(); nd];
    for v in acc.at_point.values() {
        for (d, h) in v {
            qr[*d as usize].absorb(h);
        }
    }
    let mut compared: Vec<(&Hour, &BySums, Higher)> = tested
        .iter()
        .filter_map(|&(at, v)| {
            // Against every QR response of the group's districts (the group's own
            // among them: with thousands around it, it barely moves the comparison).
            let group: Vec<groups::Stratum> =
                v.iter().map(|(d, h)| weighted(*d as usize, h)).collect();
            let around: Vec<groups::Stratum> = v
                .iter()
                .map(|(d, _)| weighted(*d as usize, &qr[*d as usize]))
                .collect();
            Some((at, v, groups::higher_of_sums(&group, &around)?))
        })
        .collect();
    let points_tested = compared.len();
    let code = |p: u32| acc.points.get(p as usize).map_or("", String::as_str);
    compared.sort_by(|a, b| {
        (a.2.p_value.total_cmp(&b.2.p_value))
            .then_with(|| (code(a.0 .0), a.0 .1).cmp(&(code(b.0 .0), b.0 .1)))
    });
    compared.truncate(10);
    let points: Vec<PointRow> = compared
        .into_iter()
        .filter_map(|(&(point, hour), v, c)| {
            let at = chrono::DateTime::from_timestamp(hour * 3600, 0)?.naive_utc();
            Some(PointRow {
                point: code(point).to_string(),
                district: s.districts[v.first()?.0 as usize].code.clone(),
                hour: at.format("%Y-%m-%d %H:00").to_string(),
                responses: size(v),
                flagged: c.difference > 0.0 && c.p_value < point_threshold,
                comparison: c,
            })
        })
        .collect();
    let rows = acc
        .by
        .iter()
        .map(|(who, e)| {
            let mine: Vec<groups::Stratum> = e
                .strata
                .iter()
                .map(|(d, h)| weighted(*d as usize, h))
                .collect();
            let alone: Vec<groups::Stratum> = e
                .strata
                .keys()
                .map(|d| weighted(*d as usize, &acc.own[*d as usize]))
                .collect();
            let comparison = groups::higher_of_sums(&mine, &alone);
            InterviewerRow {
                interviewer: who.clone(),
                interviews: e.n as usize,
                median_seconds: median(e.seconds.clone()),
                straight_lining: e.straight as f64 / e.n.max(1) as f64,
                districts: e
                    .strata
                    .keys()
                    .map(|&d| s.districts[d as usize].code.clone())
                    .collect(),
                flagged: comparison.is_some_and(|c| c.difference > 0.0 && c.p_value < threshold),
                comparison,
            }
        })
        .collect();
    // Interview dispositions by (district, interviewer): completes and screen-outs are
    // stored responses, every other outcome an attempt.
    let mut disp: BTreeMap<(String, String), Dispositions> = acc
        .disp
        .iter()
        .map(|(k, &(complete, not_eligible))| {
            (
                k.clone(),
                Dispositions {
                    complete,
                    not_eligible,
                    ..Dispositions::default()
                },
            )
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
                let (completes, ne) = acc.invited[i];
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
        self_completed: acc.own.iter().map(|h| h.n).sum::<f64>() as usize,
        points,
        points_tested,
        point_threshold,
        field,
    })
}

/// The household sample's checks: call-backs per interviewer and where the phone
/// placed each interview (from the sample's status).
pub fn field_checks_from(
    status: &crate::households::SampleStatus,
    callbacks: &[crate::households::CallbackCheck],
) -> FieldChecks {
    FieldChecks {
        callbacks: callbacks.to_vec(),
        located: status
            .by_interviewer
            .iter()
            .map(|p| (p.key.clone(), p.located, p.inside))
            .collect(),
    }
}
