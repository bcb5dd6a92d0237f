//! The office pages that would read every row at a million read sums and indexes kept
//! as rows arrive; each gives what a read of every row gives. The row paths here are
//! written out plainly, as the specification the fast paths are held to.

use minyi::dashboard::{interviewers, voices, Cache};
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

/// The districts (indices) of some rows, each once, in order.
fn districts_of(s: &Survey, rows: &[&StoredResponse]) -> Vec<usize> {
    let mut ds: Vec<usize> = rows
        .iter()
        .filter_map(|r| s.districts.iter().position(|d| d.code == r.district))
        .collect();
    ds.sort_unstable();
    ds.dedup();
    ds
}

/// The rows of `among` in the districts `ds`.
fn in_districts<'a>(
    s: &Survey,
    among: &[&'a StoredResponse],
    ds: &[usize],
) -> Vec<&'a StoredResponse> {
    among
        .iter()
        .copied()
        .filter(|r| {
            s.districts
                .iter()
                .position(|d| d.code == r.district)
                .is_some_and(|d| ds.contains(&d))
        })
        .collect()
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
        let ds = districts_of(s, &scored);
        let alone = in_districts(s, &own, &ds);
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
        let around = in_districts(s, &qr, &districts_of(s, &group));
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

/// A stored response as a new one with its own submission key (`key`).
fn copy_of(s: &Survey, r: &StoredResponse, key: &str) -> minyi::storage::NewResponse {
    minyi::storage::NewResponse {
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
        source_hash: key.to_string(),
        submission_key: format!("{}:{key}", s.id),
        quality_flags: r.quality_flags.clone(),
        pattern_hash: r.pattern_hash.clone(),
        interviewer: r.interviewer.clone(),
        residence_community: r.residence_community.clone(),
        ..Default::default()
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
    let copies: Vec<_> = newest(false)
        .chain(newest(true))
        .enumerate()
        .map(|(i, r)| {
            let index = minyi::collect::answer_index(s, &r.status, &r.answers);
            (copy_of(s, r, &format!("again-{i}")), index)
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

/// One open answer as the voices page shows it, read from its response.
struct Said {
    id: i64,
    district: String,
    community: Option<String>,
    text: String,
    themes: Vec<String>,
    words: Vec<String>,
    confirmed: bool,
}

/// Every open answer of the survey, newest first, read and segmented row by row.
fn said(app: &TestApp, s: &Survey) -> Vec<Said> {
    let q = s.open_question().unwrap();
    let confirmed = app.store.confirmed_themes(&s.id).unwrap();
    let masker = s.masker();
    let mut out: Vec<Said> = app
        .rows(&s.id)
        .into_iter()
        .filter(|r| r.status == "complete")
        .filter_map(|r| {
            let answers: serde_json::Value = serde_json::from_str(&r.answers).ok()?;
            let text = answers.get(&q.id)?.as_str()?.trim().to_string();
            if text.is_empty() {
                return None;
            }
            let text = masker.mask(&text).0;
            let themes = match confirmed.get(&r.id) {
                Some((t, _, _)) => t
                    .split(',')
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect(),
                None => voices::propose(&s.themes, &text),
            };
            Some(Said {
                id: r.id,
                district: r.district.clone(),
                community: r.residence_community.clone(),
                words: voices::words(&text)
                    .into_iter()
                    .map(str::to_string)
                    .collect(),
                themes,
                text,
                confirmed: confirmed.contains_key(&r.id),
            })
        })
        .collect();
    out.sort_by_key(|x| std::cmp::Reverse(x.id));
    out
}

/// The themes table of the page, counted row by row.
fn counted(s: &Survey, all: &[Said], district: Option<&str>) -> Vec<voices::ThemeRow> {
    s.districts
        .iter()
        .filter(|d| district.is_none_or(|x| x == d.code))
        .map(|d| {
            let mine: Vec<&Said> = all.iter().filter(|x| x.district == d.code).collect();
            let mut words: BTreeMap<&str, usize> = BTreeMap::new();
            for w in mine.iter().flat_map(|x| &x.words) {
                if w.chars().count() > 1 {
                    *words.entry(w).or_default() += 1;
                }
            }
            let mut top: Vec<(String, usize)> =
                words.into_iter().map(|(w, n)| (w.to_string(), n)).collect();
            top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            top.truncate(voices::TOP_WORDS);
            voices::ThemeRow {
                district: d.code.clone(),
                answers: mine.len(),
                confirmed: mine.iter().filter(|x| x.confirmed).count(),
                counts: s
                    .themes
                    .iter()
                    .map(|t| mine.iter().filter(|x| x.themes.contains(&t.code)).count())
                    .collect(),
                top_words: top,
            }
        })
        .collect()
}

fn same_rows(a: &[voices::ThemeRow], b: &[voices::ThemeRow], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: districts");
    for (x, y) in a.iter().zip(b) {
        let d = &x.district;
        assert_eq!(
            (&x.district, x.answers, x.confirmed),
            (&y.district, y.answers, y.confirmed),
            "{what}: {d}"
        );
        assert_eq!(x.counts, y.counts, "{what}: {d} themes");
        assert_eq!(x.top_words, y.top_words, "{what}: {d} words");
    }
}

/// Every page of a filter, followed by its `next` links: the answers' ids in order.
fn every_page(app: &TestApp, s: &Survey, f: &voices::VoiceFilter) -> Vec<i64> {
    let mut f = f.clone();
    let mut ids = Vec::new();
    loop {
        let page = voices::page(&app.store, s, &f).unwrap();
        assert!(page.voices.len() <= voices::PER_PAGE);
        ids.extend(page.voices.iter().map(|v| v.id));
        match page.next {
            Some(n) => f.before = Some(n),
            None => return ids,
        }
    }
}

fn same_pages(app: &TestApp, s: &Survey, all: &[Said]) {
    let community = all
        .iter()
        .find(|x| x.district == "XC" && x.community.is_some())
        .and_then(|x| x.community.clone());
    let filters = [
        voices::VoiceFilter::default(),
        voices::VoiceFilter {
            district: Some("XC".into()),
            ..Default::default()
        },
        voices::VoiceFilter {
            district: Some("XC".into()),
            community: community.clone(),
            ..Default::default()
        },
        voices::VoiceFilter {
            search: Some("垃圾".into()),
            ..Default::default()
        },
        voices::VoiceFilter {
            theme: Some("traffic".into()),
            district: Some("XC".into()),
            ..Default::default()
        },
        voices::VoiceFilter {
            theme: Some("sanitation".into()),
            search: Some("保洁".into()),
            ..Default::default()
        },
    ];
    for f in &filters {
        let want: Vec<i64> = all
            .iter()
            .filter(|x| f.district.as_deref().is_none_or(|d| x.district == d))
            .filter(|x| {
                f.community
                    .as_deref()
                    .is_none_or(|c| x.community.as_deref() == Some(c))
            })
            .filter(|x| f.search.as_deref().is_none_or(|q| x.text.contains(q)))
            .filter(|x| f.theme.as_ref().is_none_or(|t| x.themes.contains(t)))
            .map(|x| x.id)
            .collect();
        assert!(!want.is_empty(), "{f:?} finds answers in the demo");
        assert_eq!(every_page(app, s, f), want, "{f:?}");
    }
}

/// The voices page from its index (segmented once when stored, counted as rows
/// arrive) shows what reading and segmenting every response shows: every page of each
/// filter, and the themes table with confirmed themes in place, before and after more
/// answers and confirmations, and after responses stored before the index existed
/// were indexed from the backlog.
#[test]
fn the_voices_page_from_its_index_equals_every_row_read() {
    let app = TestApp::new();
    let s = app.survey("civility-2026");
    minyi::demo::run(&app.store, &s, 1500, 3).unwrap();
    let all = said(&app, &s);
    assert!(all.len() > 100);
    let newest = all[0].id;
    app.store
        .confirm_themes(&s.id, newest, "traffic,security", "chief")
        .unwrap();
    app.store
        .confirm_themes(&s.id, all[5].id, "", "chief")
        .unwrap();
    let all = said(&app, &s);
    let cache = Cache::default();
    for d in [None, Some("XC")] {
        same_rows(
            &cache.voice_counts(&app.store, &s, d).unwrap(),
            &counted(&s, &all, d),
            "first",
        );
    }
    same_pages(&app, &s, &all);

    // More answers and a changed confirmation: the same cache counts only the new.
    again(&app, &s, 40);
    app.store
        .confirm_themes(&s.id, newest, "sanitation", "chief")
        .unwrap();
    let all = said(&app, &s);
    same_rows(
        &cache.voice_counts(&app.store, &s, None).unwrap(),
        &counted(&s, &all, None),
        "after more",
    );
    same_pages(&app, &s, &all);

    // As if stored before the index: the backlog indexes them once.
    app.raw_sql("DELETE FROM answer_words").unwrap();
    app.raw_sql(&format!(
        "INSERT INTO answer_words_backlog (survey_id, upto) VALUES ('{}', {})",
        s.id, newest
    ))
    .unwrap();
    let indexed = minyi::collect::index_backlog(&app.store, &s).unwrap();
    assert_eq!(app.store.answer_backlog(&s.id).unwrap(), None);
    let up_to_newest = all.iter().filter(|x| x.id <= newest).count();
    assert_eq!(indexed, up_to_newest);
    let all: Vec<Said> = all.into_iter().filter(|x| x.id <= newest).collect();
    same_rows(
        &Cache::default().voice_counts(&app.store, &s, None).unwrap(),
        &counted(&s, &all, None),
        "from the backlog",
    );
    same_pages(&app, &s, &all);
}

/// Screened-out copies of the newest `n` counted responses: half under 18, half with
/// no screening answer (the reason "other").
fn screened(app: &TestApp, s: &Survey, n: usize) {
    let rows = app.rows(&s.id);
    let copies: Vec<_> = rows
        .iter()
        .rev()
        .filter(|r| r.wave == s.wave as i32 && r.status == "complete")
        .take(n)
        .enumerate()
        .map(|(i, r)| {
            let answers = if i % 2 == 0 {
                r#"{"age_band":"u18"}"#
            } else {
                "{}"
            };
            // Screening ended it: no flags, interviewer or residence of the original.
            let row = minyi::storage::NewResponse {
                status: "screened_out".into(),
                answers: answers.into(),
                quality_flags: String::new(),
                pattern_hash: Default::default(),
                interviewer: None,
                residence_community: None,
                ..copy_of(s, r, &format!("screened-{i}"))
            };
            (row, None)
        })
        .collect();
    assert_eq!(app.store.insert_batch(&copies).unwrap(), n);
}

/// A district's (or "ALL") submissions, screen-outs, completes, flagged, superseded and
/// counted, with the screen-outs under 18, from every row of the wave.
type Steps = [i64; 7];

fn funnel_by_rows(app: &TestApp, s: &Survey) -> BTreeMap<String, Steps> {
    let superseded: Vec<i64> = app
        .store
        .superseded(&s.id)
        .unwrap()
        .into_iter()
        .map(|x| x.0)
        .collect();
    let mut by: BTreeMap<String, Steps> = BTreeMap::new();
    for r in app.rows(&s.id).iter().filter(|r| r.wave == s.wave as i32) {
        for key in [r.collection_district.clone(), "ALL".to_string()] {
            let x = by.entry(key).or_default();
            x[0] += 1;
            if r.status == "complete" {
                x[2] += 1;
                if !r.quality_flags.is_empty() {
                    x[3] += 1;
                } else if superseded.contains(&r.id) {
                    x[4] += 1;
                } else {
                    x[5] += 1;
                }
            } else {
                x[1] += 1;
                x[6] += i64::from(r.answers.contains("u18"));
            }
        }
    }
    by
}

fn same_funnel(f: &minyi::dashboard::funnel::Funnel, rows: &BTreeMap<String, Steps>, what: &str) {
    for (d, x) in &f.districts {
        let under_18: i64 = f
            .reasons
            .iter()
            .filter(|r| r.0.contains("18岁以下"))
            .map(|r| r.1)
            .sum();
        let by_sums = [
            x.submitted,
            x.screened_out,
            x.completes,
            x.flagged,
            x.superseded,
            x.counted,
            if d == "ALL" { under_18 } else { 0 },
        ];
        let mut by_rows = rows.get(d).copied().unwrap_or_default();
        if d != "ALL" {
            by_rows[6] = 0;
        }
        assert_eq!(by_sums, by_rows, "{what}: {d}");
    }
    let reasons: i64 = f.reasons.iter().map(|r| r.1).sum();
    let (_, all) = f.districts.last().unwrap();
    assert_eq!(
        reasons, all.screened_out,
        "{what}: every screen-out has a reason"
    );
}

/// The funnel from the sums kept with the tally equals counting every row of the wave:
/// after screen-outs and a supersession, after a restart from the snapshot, and for
/// one district.
#[test]
fn the_funnel_from_sums_equals_every_row_counted() {
    let app = TestApp::new();
    let s = app.survey("civility-2026");
    minyi::demo::run(&app.store, &s, 600, 3).unwrap();
    let cache = Cache::default();
    let zh = minyi::definition::Lang::Zh;
    same_funnel(
        &cache.funnel(&app.store, &s, None, zh).unwrap(),
        &funnel_by_rows(&app, &s),
        "the demo",
    );

    screened(&app, &s, 30);
    let counted = app
        .rows(&s.id)
        .into_iter()
        .rfind(|r| r.status == "complete" && r.quality_flags.is_empty() && r.wave == s.wave as i32)
        .unwrap();
    app.store.supersede(&s.id, counted.id, "test").unwrap();
    let rows = funnel_by_rows(&app, &s);
    assert_eq!(
        (rows["ALL"][1], rows["ALL"][4], rows["ALL"][6]),
        (30, 1, 15)
    );
    same_funnel(
        &cache.funnel(&app.store, &s, None, zh).unwrap(),
        &rows,
        "after screen-outs and a supersession",
    );
    same_funnel(
        &Cache::default().funnel(&app.store, &s, None, zh).unwrap(),
        &rows,
        "after a restart",
    );
    let xc = cache.funnel(&app.store, &s, Some("XC"), zh).unwrap();
    assert_eq!(xc.districts.len(), 2, "XC and its total");
    assert_eq!(xc.districts[0].0, "XC");
    let steps = |x: &minyi::dashboard::funnel::Step| [x.submitted, x.screened_out, x.counted];
    assert_eq!(steps(&xc.districts[0].1), steps(&xc.districts[1].1));
    assert_eq!(
        [rows["XC"][0], rows["XC"][1], rows["XC"][5]],
        steps(&xc.districts[0].1),
        "XC"
    );
}
