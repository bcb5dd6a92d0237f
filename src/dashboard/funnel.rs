//! The response funnel of the current wave, per collection district and channel:
//! questionnaire views (a counter per place and day, nobody identified), submissions,
//! screen-outs by reason, completes, flagged, superseded, and what counts in the
//! estimates. Nothing here follows a person from view to answer: the steps are
//! counted apart, so the shares are of totals, not of individuals.

use serde::Serialize;
use std::collections::BTreeMap;

use crate::definition::{Lang, Survey};
use crate::storage::{StorageError, Store, STATUS_COMPLETE};

#[derive(Debug, Clone, Default, Serialize)]
pub struct Step {
    pub views: i64,
    /// First answers given, where the page's script could say so (no JavaScript: not
    /// known before the submission).
    pub starts: i64,
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

/// The funnel of the current wave, of one collection district when given.
pub fn funnel(
    store: &Store,
    s: &Survey,
    district: Option<&str>,
    l: Lang,
) -> Result<Funnel, StorageError> {
    let wave = s.wave as i32;
    let inside = |d: &str| district.is_none_or(|x| x == d);
    let mut cells: BTreeMap<(String, String), Step> = BTreeMap::new();
    for (d, ch, n, started) in store.views(&s.id)? {
        if inside(&d) {
            let c = cells.entry((d, ch)).or_default();
            c.views += n;
            c.starts += started;
        }
    }
    for (d, ch, status, flags, n) in store.funnel_counts(&s.id, wave)? {
        if !inside(&d) {
            continue;
        }
        let own = ch == "qr" || ch == "link";
        let c = cells.entry((d, ch)).or_default();
        c.submitted += n;
        if own {
            c.self_submitted += n;
        }
        if status == STATUS_COMPLETE {
            c.completes += n;
            if flags.is_empty() {
                c.counted += n;
            } else {
                c.flagged += n;
            }
        } else {
            c.screened_out += n;
        }
    }
    let superseded: Vec<i64> = store.superseded(&s.id)?.into_iter().map(|x| x.0).collect();
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
    for r in store.screened_out(&s.id, wave)? {
        if !inside(&r.collection_district) {
            continue;
        }
        let answers: serde_json::Value = serde_json::from_str(&r.answers).unwrap_or_default();
        let reason = s
            .questions
            .iter()
            .filter(|q| !q.screen_out.is_empty())
            .find_map(|q| {
                let code = answers.get(&q.id)?.as_str()?;
                q.screen_out.iter().any(|x| x == code).then(|| {
                    let option = q.option(code).map_or(code, |o| o.label.get(l));
                    format!("{}：{}", q.label(l), option)
                })
            })
            .unwrap_or_else(|| l.pick("其他", "other").to_string());
        *reasons.entry(reason).or_default() += 1;
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
