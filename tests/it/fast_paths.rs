//! The office pages that would read every row at a million read sums and indexes kept
//! as rows arrive; each gives what a read of every row gives. The row paths here are
//! written out plainly, as the specification the fast paths are held to.

use minyi::dashboard::{interviewers, Cache};
use minyi::definition::{Dimension, Survey, DONT_KNOW};
use minyi::stats::groups::{self, Obs};
use minyi::storage::StoredResponse;
use std::collections::BTreeMap;

use crate::common::*;

/// An interviewer's interviews, median seconds, straight-lining share, districts, and
/// comparison with the self-completed responses of those districts.
type Interviewer = (usize, Option<f64>, f64, Vec<String>, groups::Higher);

/// What the interviewer check computes, from every row, one respondent at a time.
struct ByRows {
    interviewers: BTreeMap<String, Interviewer>,
    /// (poster, local hour) → (responses, comparison with the districts' QR responses).
    points: BTreeMap<(String, String), (usize, groups::Higher)>,
    self_completed: usize,
    /// (district, interviewer) → completes.
    completes: BTreeMap<(String, String), u64>,
}

fn top_share(s: &Survey, r: &StoredResponse) -> Option<f64> {
    let answers: serde_json::Value = serde_json::from_str(&r.answers).ok()?;
    let (mut top, mut answered) = (0.0, 0.0);
    for q in s
        .questions
        .iter()
        .filter(|q| q.dimension == Dimension::Satisfaction && q.kind.is_scale())
    {
        let Some(code) = answers.get(&q.id).and_then(|v| v.as_str()) else {
            continue;
        };
        if let (false, Some(p)) = (code == DONT_KNOW, q.scale_point(code)) {
            answered += 1.0;
            top += f64::from(u8::from(p == q.scale_len()));
        }
    }
    (answered > 0.0).then(|| top / answered)
}

fn by_rows(app: &TestApp, s: &Survey) -> ByRows {
    use chrono::TimeZone;
    let rows: Vec<StoredResponse> = app
        .rows(&s.id)
        .into_iter()
        .filter(|r| r.wave == s.wave as i32 && r.status == "complete")
        .collect();
    let district = |r: &StoredResponse| s.districts.iter().position(|d| d.code == r.district);
    let clean: Vec<&StoredResponse> = rows
        .iter()
        .filter(|r| r.quality_flags.is_empty() && district(r).is_some())
        .collect();
    // District base weights: adults over the district's counted responses.
    let weight = |d: usize| {
        let n = clean.iter().filter(|r| district(r) == Some(d)).count();
        s.districts[d].adults as f64 / n.max(1) as f64
    };
    let obs = |rs: &[&StoredResponse]| -> Vec<Obs> {
        rs.iter()
            .filter_map(|r| {
                let d = district(r)?;
                Some(Obs {
                    stratum: d,
                    weight: weight(d),
                    y: top_share(s, r)?,
                })
            })
            .collect()
    };
    let own: Vec<&StoredResponse> = clean
        .iter()
        .copied()
        .filter(|r| r.interviewer.is_none() && (r.channel == "qr" || r.channel == "link"))
        .filter(|r| top_share(s, r).is_some())
        .collect();
    let mut interviewers = BTreeMap::new();
    let mut completes = BTreeMap::new();
    let names: std::collections::BTreeSet<&String> =
        rows.iter().filter_map(|r| r.interviewer.as_ref()).collect();
    for who in names {
        let mine: Vec<&StoredResponse> = rows
            .iter()
            .filter(|r| r.interviewer.as_ref() == Some(who) && district(r).is_some())
            .collect();
        for r in &mine {
            *completes
                .entry((r.district.clone(), who.clone()))
                .or_default() += 1;
        }
        let scored: Vec<&StoredResponse> = mine
            .iter()
            .copied()
            .filter(|r| r.quality_flags.is_empty() && top_share(s, r).is_some())
            .collect();
        let mut ds: Vec<usize> = scored.iter().filter_map(|r| district(r)).collect();
        ds.sort_unstable();
        ds.dedup();
        let alone: Vec<&StoredResponse> = own
            .iter()
            .copied()
            .filter(|r| district(r).is_some_and(|d| ds.contains(&d)))
            .collect();
        let mut secs: Vec<f64> = mine
            .iter()
            .filter_map(|r| {
                let t = (r.submitted_at - r.started_at?).num_milliseconds() as f64 / 1000.0;
                (t >= 0.0).then_some(t)
            })
            .collect();
        secs.sort_by(f64::total_cmp);
        let median = (!secs.is_empty()).then(|| {
            let m = secs.len() / 2;
            if secs.len() % 2 == 1 {
                secs[m]
            } else {
                (secs[m - 1] + secs[m]) / 2.0
            }
        });
        let straight = mine
            .iter()
            .filter(|r| r.quality_flags.contains("straight_lining"))
            .count() as f64
            / mine.len().max(1) as f64;
        if let Some(c) = groups::higher(&obs(&scored), &obs(&alone)) {
            interviewers.insert(
                who.clone(),
                (
                    mine.len(),
                    median,
                    straight,
                    ds.iter().map(|&d| s.districts[d].code.clone()).collect(),
                    c,
                ),
            );
        }
    }
    let qr: Vec<&StoredResponse> = own
        .iter()
        .copied()
        .filter(|r| r.channel == "qr" && r.collection_community.is_some())
        .collect();
    let mut at: BTreeMap<(String, String), Vec<&StoredResponse>> = BTreeMap::new();
    for r in &qr {
        let hour = chrono::Local
            .from_utc_datetime(&r.submitted_at)
            .format("%Y-%m-%d %H:00")
            .to_string();
        at.entry((r.collection_community.clone().unwrap(), hour))
            .or_default()
            .push(r);
    }
    let mut points = BTreeMap::new();
    for (k, group) in at
        .into_iter()
        .filter(|(_, g)| g.len() >= interviewers::MIN_GROUP)
    {
        let mut ds: Vec<usize> = group.iter().filter_map(|r| district(r)).collect();
        ds.sort_unstable();
        ds.dedup();
        let around: Vec<&StoredResponse> = qr
            .iter()
            .copied()
            .filter(|r| district(r).is_some_and(|d| ds.contains(&d)))
            .collect();
        let c = groups::higher(&obs(&group), &obs(&around)).unwrap();
        points.insert(k, (group.len(), c));
    }
    ByRows {
        interviewers,
        points,
        self_completed: own.len(),
        completes,
    }
}

/// Copies of the newest `n` counted QR responses and `n` interviews of the wave,
/// stored anew.
fn again(app: &TestApp, s: &Survey, n: usize) {
    let rows = app.rows(&s.id);
    let newest = |interview: bool| {
        rows.iter()
            .rev()
            .filter(move |r| r.wave == s.wave as i32 && r.status == "complete")
            .filter(move |r| r.interviewer.is_some() == interview)
            .filter(|r| r.quality_flags.is_empty())
            .take(n)
    };
    let copies: Vec<minyi::storage::NewResponse> = newest(false)
        .chain(newest(true))
        .enumerate()
        .map(|(i, r)| minyi::storage::NewResponse {
            survey_id: r.survey_id.clone(),
            definition_version: r.definition_version.clone(),
            wave: r.wave,
            collection_district: r.collection_district.clone(),
            collection_community: r.collection_community.clone(),
            district: r.district.clone(),
            channel: r.channel.clone(),
            status: r.status.clone(),
            started_at: r.started_at,
            submitted_at: r.submitted_at,
            answers: r.answers.clone(),
            source_hash: format!("again-{i}"),
            submission_key: format!("{}:again-{i}", s.id),
            quality_flags: r.quality_flags.clone(),
            pattern_hash: r.pattern_hash.clone(),
            interviewer: r.interviewer.clone(),
            residence_community: r.residence_community.clone(),
            ..Default::default()
        })
        .collect();
    assert_eq!(app.store.insert_batch(&copies).unwrap(), 2 * n);
}

fn close(x: f64, y: f64, what: &str) {
    assert!(
        (x - y).abs() <= 1e-9 * x.abs().max(1.0),
        "{what}: {x} by sums, {y} by rows"
    );
}

fn same_comparison(a: &groups::Higher, b: &groups::Higher, what: &str) {
    close(a.a.estimate, b.a.estimate, &format!("{what}: mean"));
    close(
        a.b.estimate,
        b.b.estimate,
        &format!("{what}: compared mean"),
    );
    close(a.a.se, b.a.se, &format!("{what}: se"));
    close(a.b.se, b.b.se, &format!("{what}: compared se"));
    close(a.p_value, b.p_value, &format!("{what}: p"));
    assert_eq!((a.a.n, a.b.n), (b.a.n, b.b.n), "{what}: respondents");
}

fn same_check(c: &interviewers::Check, r: &ByRows) {
    let compared: Vec<&interviewers::InterviewerRow> =
        c.rows.iter().filter(|x| x.comparison.is_some()).collect();
    assert_eq!(
        compared.len(),
        r.interviewers.len(),
        "interviewers compared"
    );
    for x in compared {
        let (n, median, straight, ds, cmp) = &r.interviewers[&x.interviewer];
        let who = &x.interviewer;
        assert_eq!(x.interviews, *n, "{who}: interviews");
        assert_eq!(&x.districts, ds, "{who}: districts");
        assert_eq!(x.median_seconds, *median, "{who}: median seconds");
        close(
            x.straight_lining,
            *straight,
            &format!("{who}: straight-lining"),
        );
        same_comparison(&x.comparison.unwrap(), cmp, who);
    }
    assert_eq!(c.points_tested, r.points.len(), "groups tested");
    let mut lowest: Vec<_> = r.points.iter().collect();
    lowest.sort_by(|a, b| a.1 .1.p_value.total_cmp(&b.1 .1.p_value).then(a.0.cmp(b.0)));
    for (x, (k, (n, cmp))) in c.points.iter().zip(lowest) {
        let what = format!("{} {}", k.0, k.1);
        assert_eq!((&x.point, &x.hour), (&k.0, &k.1), "the groups in order");
        assert_eq!(x.responses, *n, "{what}: responses");
        same_comparison(&x.comparison, cmp, &what);
    }
    assert_eq!(c.self_completed, r.self_completed, "self-completed");
    for ((d, who), n) in &r.completes {
        let row = c.by_district.iter().find(|x| &x.key == d).unwrap();
        assert!(row.dispositions.complete >= *n, "{d}: completes");
        let mine = c.by_interviewer.iter().find(|x| &x.key == who).unwrap();
        assert!(mine.dispositions.complete >= *n, "{who}: completes");
    }
    let all: u64 = r.completes.values().sum();
    assert_eq!(c.all.as_ref().unwrap().dispositions.complete, all);
}

/// The interviewer and crowd checks from the sums kept with the tally equal those of
/// every row read one by one: on the demo, after a restart from the snapshot, and
/// after more rows arrived since.
#[test]
fn the_interviewer_checks_from_sums_equal_those_from_every_row() {
    let app = TestApp::new();
    let s = app.survey("civility-2026");
    minyi::demo::run(&app.store, &s, 1500, 3).unwrap();
    let reference = by_rows(&app, &s);
    assert!(reference.interviewers.len() >= 2 && !reference.points.is_empty());

    let first = Cache::default();
    same_check(
        &first.interviewer_check(&app.store, &s).unwrap(),
        &reference,
    );

    // Rows after the snapshot: a restarted cache starts from it and reads only them.
    again(&app, &s, 40);
    let restarted = Cache::default();
    assert!(restarted.load(&app.store, &s).unwrap().from_snapshot);
    let after = by_rows(&app, &s);
    assert_ne!(after.self_completed, reference.self_completed);
    same_check(
        &restarted.interviewer_check(&app.store, &s).unwrap(),
        &after,
    );
    // And the first cache, brought up to date.
    same_check(&first.interviewer_check(&app.store, &s).unwrap(), &after);
}
