//! The response funnel of the current wave, per collection district and channel:
//! questionnaire views (a counter per place and day, nobody identified), submissions,
//! screen-outs by reason, completes, flagged, superseded, and what counts in the
//! estimates. Nothing here follows a person from view to answer: the steps are
//! counted apart, so the shares are of totals, not of individuals.
//!
//! The submissions' steps are summed as the dashboard's cache reads the rows
//! ([`Sums`], kept in its snapshot beside the tally): a request reads the view
//! counters and the few superseded rows, never the wave's rows.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::definition::{Lang, Survey};
use crate::stats::pairs;
use crate::storage::{StorageError, Store, StoredResponse, STATUS_COMPLETE};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub views: i64,
    /// First answers given, where the page's script could say so (no JavaScript: not
    /// known before the submission).
    pub starts: i64,
    /// Views and starts beyond the per-source limit, not counted in either (one
    /// source showing the page faster than residents can read it: a script).
    pub left_out: i64,
    /// Completes and screen-outs (a submission either way).
    pub submitted: i64,
    /// Of those, the self-completed ones (QR code and link): what views lead to.
    pub self_submitted: i64,
    pub screened_out: i64,
    pub completes: i64,
    /// Completes with a quality flag.
    pub flagged: i64,
    /// Completes superseded (and not flagged).
    pub superseded: i64,
    /// Completes that count in the estimates.
    pub counted: i64,
}

impl Step {
    fn add(&mut self, o: &Step) {
        self.views += o.views;
        self.starts += o.starts;
        self.left_out += o.left_out;
        self.submitted += o.submitted;
        self.self_submitted += o.self_submitted;
        self.screened_out += o.screened_out;
        self.completes += o.completes;
        self.flagged += o.flagged;
        self.superseded += o.superseded;
        self.counted += o.counted;
    }
}

pub struct Funnel {
    /// Per collection district (codes in definition order), then "ALL".
    pub districts: Vec<(String, Step)>,
    /// Per channel, over the scope.
    pub channels: Vec<(String, Step)>,
    /// Screen-outs by reason ("年龄：18岁以下"), over the scope.
    pub reasons: Vec<(String, i64)>,
}

/// The submissions of the survey's current wave counted by collection district and
/// channel, and the screen-outs by reason, as rows arrive.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Sums {
    wave: i32,
    /// (collection district, channel) → its submissions (views, starts and
    /// supersessions are not in the rows: added when the funnel is read).
    #[serde(with = "pairs")]
    cells: BTreeMap<(String, String), Step>,
    /// (collection district, question, option) → screen-outs; the question and option
    /// empty when no screening answer says why.
    #[serde(with = "pairs")]
    reasons: BTreeMap<(String, String, String), i64>,
}

impl Sums {
    /// Nothing yet, for the survey's current wave.
    pub fn new(s: &Survey) -> Sums {
        Sums {
            wave: s.wave as i32,
            ..Sums::default()
        }
    }

    /// Whether these were counted for the survey's current wave.
    pub fn fits(&self, s: &Survey) -> bool {
        self.wave == s.wave as i32
    }

    /// Counts rows (any wave, status and channel; other waves are passed over).
    pub fn add(&mut self, s: &Survey, rows: &[StoredResponse]) {
        for r in rows.iter().filter(|r| r.wave == self.wave) {
            let c = self
                .cells
                .entry((r.collection_district.clone(), r.channel.clone()))
                .or_default();
            c.submitted += 1;
            if r.channel == "qr" || r.channel == "link" {
                c.self_submitted += 1;
            }
            if r.status == STATUS_COMPLETE {
                c.completes += 1;
                if r.quality_flags.is_empty() {
                    c.counted += 1;
                } else {
                    c.flagged += 1;
                }
            } else {
                c.screened_out += 1;
                let (q, o) = screen_out_reason(s, &r.answers).unwrap_or_default();
                *self
                    .reasons
                    .entry((r.collection_district.clone(), q, o))
                    .or_default() += 1;
            }
        }
    }
}

/// The screening question and option that ended a questionnaire.
fn screen_out_reason(s: &Survey, answers: &str) -> Option<(String, String)> {
    let answers: serde_json::Value = serde_json::from_str(answers).ok()?;
    s.questions
        .iter()
        .filter(|q| !q.screen_out.is_empty())
        .find_map(|q| {
            let code = answers.get(&q.id)?.as_str()?;
            q.screen_out
                .iter()
                .any(|x| x == code)
                .then(|| (q.id.clone(), code.to_string()))
        })
}

/// The funnel of the current wave, of one collection district when given: `sums`
/// counted from the rows, `superseded` the survey's supersessions (as the cache read
/// them with the rows).
pub fn funnel(
    store: &Store,
    s: &Survey,
    sums: &Sums,
    superseded: &[(i64, String)],
    district: Option<&str>,
    l: Lang,
) -> Result<Funnel, StorageError> {
    let wave = s.wave as i32;
    let inside = |d: &str| district.is_none_or(|x| x == d);
    let mut cells: BTreeMap<(String, String), Step> = sums
        .cells
        .iter()
        .filter(|((d, _), _)| inside(d))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (d, ch, n, started, left_out) in store.views(&s.id)? {
        if inside(&d) {
            let c = cells.entry((d, ch)).or_default();
            c.views += n;
            c.starts += started;
            c.left_out += left_out;
        }
    }
    let superseded: Vec<i64> = superseded.iter().map(|x| x.0).collect();
    for r in store.responses_by_ids(&s.id, &superseded)? {
        if r.wave != wave || r.status != STATUS_COMPLETE || !r.quality_flags.is_empty() {
            continue;
        }
        if !inside(&r.collection_district) {
            continue;
        }
        let c = cells
            .entry((r.collection_district.clone(), r.channel.clone()))
            .or_default();
        c.superseded += 1;
        c.counted -= 1;
    }
    let mut reasons: BTreeMap<String, i64> = BTreeMap::new();
    for ((d, q, o), n) in &sums.reasons {
        if !inside(d) {
            continue;
        }
        let reason = s
            .questions
            .iter()
            .find(|x| &x.id == q)
            .map(|q| {
                let option = q.option(o).map_or(o.as_str(), |x| x.label.get(l));
                format!("{}：{}", q.label(l), option)
            })
            .unwrap_or_else(|| l.pick("其他", "other").to_string());
        *reasons.entry(reason).or_default() += n;
    }
    let mut districts: Vec<(String, Step)> = s
        .districts
        .iter()
        .filter(|d| inside(&d.code))
        .map(|d| (d.code.clone(), Step::default()))
        .collect();
    let mut channels: BTreeMap<String, Step> = BTreeMap::new();
    let mut all = Step::default();
    for ((d, ch), c) in &cells {
        if let Some(x) = districts.iter_mut().find(|x| &x.0 == d) {
            x.1.add(c);
        }
        channels.entry(ch.clone()).or_default().add(c);
        all.add(c);
    }
    districts.push(("ALL".into(), all));
    Ok(Funnel {
        districts,
        channels: channels.into_iter().collect(),
        reasons: reasons.into_iter().collect(),
    })
}
