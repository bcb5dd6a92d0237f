//! Aggregates give the row path's figures: the tally (what the dashboard and the pack
//! compute from) against `stats::analyse` on the same rows, for every weighting, the
//! place domains, waves and modes, to 1e-12.

use minyi::stats::{self, tally::Tally, Method, Options, Weighting};
use std::path::Path;

use crate::common::*;

fn same(a: &stats::Report, b: &stats::Report, what: &str) {
    assert_eq!(a.respondents, b.respondents, "{what}: respondents");
    assert_eq!(
        a.estimates.len(),
        b.estimates.len(),
        "{what}: number of estimates"
    );
    let close =
        |x: f64, y: f64| (x.is_nan() && y.is_nan()) || (x - y).abs() <= 1e-12 * x.abs().max(1.0);
    let opt = |x: Option<f64>, y: Option<f64>| match (x, y) {
        (Some(x), Some(y)) => close(x, y),
        (None, None) => true,
        _ => false,
    };
    for (x, y) in a.estimates.iter().zip(&b.estimates) {
        let id = format!(
            "{what}: {} {:?} {}={}",
            x.indicator, x.kind, x.domain, x.group
        );
        assert_eq!(
            (&x.indicator, &x.domain, &x.group, x.kind),
            (&y.indicator, &y.domain, &y.group, y.kind),
            "{id}"
        );
        assert!(
            close(x.n, y.n) && close(x.estimate, y.estimate),
            "{id}: {} vs {}",
            x.estimate,
            y.estimate
        );
        assert!(
            close(x.se, y.se) && close(x.deff, y.deff) && close(x.df, y.df),
            "{id}: se {} vs {}",
            x.se,
            y.se
        );
        assert!(
            opt(x.ci_low, y.ci_low) && opt(x.ci_high, y.ci_high),
            "{id}: ci"
        );
        assert_eq!(x.flag, y.flag, "{id}: flag");
        assert_eq!(
            x.target_status.map(|t| t.state),
            y.target_status.map(|t| t.state),
            "{id}: status"
        );
    }
}

#[test]
fn the_reference_data_aggregated_give_the_same_figures() {
    let survey =
        minyi::definition::load_file(Path::new(&format!("{FIXTURES}/public.toml"))).unwrap();
    let f = std::fs::File::open(format!("{FIXTURES}/reference/public_medium.csv")).unwrap();
    let data = minyi::dataset::read_csv(&survey, "public_medium.csv", f).unwrap();
    let mut tally = Tally::new(&survey);
    tally.add(&survey, &data);
    assert_eq!(tally.rows(), data.len() as u64);
    assert!(
        tally.atoms.len() < 2000,
        "{} atoms for {} rows",
        tally.atoms.len(),
        data.len()
    );
    let census = stats::Census::from_survey(&survey);
    for (weighting, trim, method) in [
        (Weighting::None, None, Method::Wilson),
        (Weighting::Base, None, Method::Logit),
        (Weighting::Poststrat, None, Method::Beta),
        (Weighting::Rake, None, Method::Likelihood),
        (Weighting::Rake, Some((0.4, 2.5)), Method::Xlogit),
    ] {
        let opts = Options {
            weighting,
            trim,
            method,
            by: vec!["district".into(), "wave".into(), "age_band".into()],
            ..Options::default()
        };
        let rows = stats::analyse(&survey, &data, census.as_ref(), &opts).unwrap();
        let agg =
            stats::tally::analyse(&survey, &tally, &|_| true, census.as_ref(), &opts).unwrap();
        same(&rows, &agg, &format!("{weighting:?}"));
    }
}

#[test]
fn places_waves_and_modes_aggregated_give_the_same_figures() {
    let app = TestApp::new();
    let survey = app.survey("civility-2026");
    minyi::demo::run(&app.store, &survey, 400, 21).unwrap();
    let rows = app.rows("civility-2026");
    let all = minyi::dataset::from_rows(&survey, &rows, &[rows[5].id]).unwrap();
    let (data, _) = all.without_flagged();
    let mut tally = Tally::new(&survey);
    tally.add(&survey, &all);
    let census = stats::Census::from_survey(&survey);
    let opts = Options {
        weighting: Weighting::Base,
        by: [
            "district",
            "street",
            "community",
            "grid",
            "collection_community",
            "channel",
            "wave",
        ]
        .map(String::from)
        .to_vec(),
        ..Options::default()
    };
    let a = stats::analyse(&survey, &data, census.as_ref(), &opts).unwrap();
    let b = stats::tally::analyse(&survey, &tally, &|_| true, census.as_ref(), &opts).unwrap();
    same(&a, &b, "base, every place");
    // One wave, raked, as the dashboard asks.
    let wave2 = data.of_wave("2");
    let opts = Options {
        by: vec!["district".into(), "community".into()],
        ..Options::default()
    };
    let a = stats::analyse(&survey, &wave2, census.as_ref(), &opts).unwrap();
    let b =
        stats::tally::analyse(&survey, &tally, &|k| k.wave == 2, census.as_ref(), &opts).unwrap();
    same(&a, &b, "raked, wave 2");
    // What was left out, by flag.
    let ex = tally.exclusions(&|_| true);
    assert_eq!(ex, all.without_flagged().1);
    // Taking rows out again leaves the tally as if they were never added.
    let mut t2 = Tally::new(&survey);
    t2.add(&survey, &all);
    let some = all.filter(&(0..all.len()).map(|i| i % 3 == 0).collect::<Vec<_>>());
    t2.remove(&survey, &some);
    let rest = all.filter(&(0..all.len()).map(|i| i % 3 != 0).collect::<Vec<_>>());
    let mut t3 = Tally::new(&survey);
    t3.add(&survey, &rest);
    let c = stats::tally::analyse(&survey, &t2, &|_| true, census.as_ref(), &opts).unwrap();
    let d = stats::tally::analyse(&survey, &t3, &|_| true, census.as_ref(), &opts).unwrap();
    same(&c, &d, "removed rows");
}

/// The atoms of a tally in a canonical order (folding order does not matter).
fn atoms(t: &Tally) -> Vec<(minyi::stats::tally::Key, u32, Vec<u32>)> {
    let mut a: Vec<_> = t
        .atoms
        .iter()
        .map(|a| (a.key, a.rows, a.counts.clone()))
        .collect();
    a.sort();
    a
}

fn civility(app: &TestApp) -> minyi::definition::Survey {
    app.survey("civility-2026")
}

#[test]
fn a_restarted_dashboard_starts_from_its_snapshot_and_ends_where_a_full_read_does() {
    let app = TestApp::new();
    let s = civility(&app);
    minyi::demo::run(&app.store, &s, 40, 3).unwrap();
    // The demo ends by saving the snapshot.
    let first = minyi::dashboard::Cache::snapshot_every(1);
    assert!(first.load(&app.store, &s).unwrap().from_snapshot);
    // After the snapshot: a new response and a supersession of an older one.
    assert_eq!(
        app.submit_as_new_browser("/s/civility-2026/XC", CIVILITY_OK),
        rocket::http::Status::SeeOther
    );
    let old = app.rows("civility-2026")[3].id;
    app.store.supersede("civility-2026", old, "test").unwrap();

    let restarted = minyi::dashboard::Cache::default()
        .load(&app.store, &s)
        .unwrap();
    let full = minyi::dashboard::load(&app.store, &s).unwrap();
    assert!(restarted.from_snapshot, "the snapshot was used");
    assert_eq!(atoms(&restarted.tally), atoms(&full.tally));
    assert_eq!(restarted.superseded, full.superseded);
}

#[test]
fn a_snapshot_that_missed_rows_is_not_trusted() {
    let app = TestApp::new();
    let s = civility(&app);
    minyi::demo::run(&app.store, &s, 40, 3).unwrap();
    minyi::dashboard::Cache::snapshot_every(1)
        .load(&app.store, &s)
        .unwrap();
    // As if another process's row had committed below the snapshot's last id.
    let mut snap = app.store.snapshot("civility-2026").unwrap().unwrap();
    snap.row_count -= 1;
    app.store.save_snapshot("civility-2026", &snap).unwrap();
    let restarted = minyi::dashboard::Cache::default()
        .load(&app.store, &s)
        .unwrap();
    assert!(!restarted.from_snapshot, "read from scratch instead");
    let full = minyi::dashboard::load(&app.store, &s).unwrap();
    assert_eq!(atoms(&restarted.tally), atoms(&full.tally));
}

#[test]
fn a_snapshot_of_another_definition_version_is_not_used() {
    let app = TestApp::new();
    let s = civility(&app);
    minyi::demo::run(&app.store, &s, 40, 3).unwrap();
    minyi::dashboard::Cache::snapshot_every(1)
        .load(&app.store, &s)
        .unwrap();
    let mut snap = app.store.snapshot("civility-2026").unwrap().unwrap();
    snap.version = "an older definition".into();
    app.store.save_snapshot("civility-2026", &snap).unwrap();
    let restarted = minyi::dashboard::Cache::default()
        .load(&app.store, &s)
        .unwrap();
    assert!(!restarted.from_snapshot);
}

/// A design clustered by collection point gives the same figures from aggregates as
/// from rows, and wider intervals than one that takes respondents as independent.
#[test]
fn clustered_by_collection_point_aggregates_give_the_same_figures() {
    let app = TestApp::new();
    let mut survey = civility(&app);
    minyi::demo::run(&app.store, &survey, 400, 22).unwrap();
    let rows = app.rows("civility-2026");
    let all = minyi::dataset::from_rows(&survey, &rows, &[]).unwrap();
    let (data, _) = all.without_flagged();
    let wave2 = data.of_wave("2");
    let census = stats::Census::from_survey(&survey);
    let opts = Options {
        by: vec![
            "district".into(),
            "community".into(),
            "collection_community".into(),
        ],
        ..Options::default()
    };
    let independent = stats::analyse(&survey, &wave2, census.as_ref(), &opts).unwrap();
    survey.weighting.as_mut().unwrap().cluster = Some("collection_community".into());
    let mut tally = Tally::new(&survey);
    tally.add(&survey, &all);
    let a = stats::analyse(&survey, &wave2, census.as_ref(), &opts).unwrap();
    let b =
        stats::tally::analyse(&survey, &tally, &|k| k.wave == 2, census.as_ref(), &opts).unwrap();
    same(&a, &b, "raked, clustered by collection point");
    let city = |r: &stats::Report| {
        r.estimates
            .iter()
            .find(|e| {
                e.indicator == "aware_campaign"
                    && e.group == "ALL"
                    && e.kind == stats::EstimateKind::Proportion
            })
            .unwrap()
            .clone()
    };
    let (ind, clu) = (city(&independent), city(&a));
    assert_eq!(
        ind.estimate, clu.estimate,
        "clusters change the variance, not the estimate"
    );
    assert!(
        clu.df < ind.df,
        "degrees of freedom count posters, not people: {}",
        clu.df
    );
    assert!(clu.df <= (survey.points().len() - survey.districts.len()) as f64);
}

/// The reach of each option of a multiple-choice question: unweighted, the share of
/// those who answered it who ticked the option (several options per respondent).
#[test]
fn reach_of_a_multiple_choice_option_is_the_share_who_ticked_it() {
    let survey = minyi::definition::load_file(Path::new(&format!(
        "{}/surveys/civility-2026.toml",
        env!("CARGO_MANIFEST_DIR")
    )))
    .unwrap();
    let data = minyi::synth::dataset(&survey, 2000, 1, 5);
    let Some(stats::Column::Multi(v)) = data.columns.get("participation_kind") else {
        panic!("a multiple-choice column");
    };
    let q = survey.question("participation_kind").unwrap();
    let opts = Options {
        weighting: Weighting::None,
        ..Options::default()
    };
    let r = stats::analyse(&survey, &data, None, &opts).unwrap();
    let answered = v.iter().filter(|&&m| m != 0).count();
    assert!(answered > 100);
    for (k, o) in q.options.iter().enumerate() {
        let ticked = v.iter().filter(|&&m| m >> k & 1 == 1).count();
        let e = r
            .estimates
            .iter()
            .find(|e| e.indicator == format!("participation_kind.{}", o.code) && e.group == "ALL")
            .unwrap();
        assert_eq!(e.n, answered as f64, "{}", o.code);
        assert!((e.estimate - ticked as f64 / answered as f64).abs() < 1e-12);
        assert!(e.target_status.is_none(), "reach has no target");
        assert!(!stats::is_rate(e), "and is not a rate against one");
    }
}

/// On a shared database (PostgreSQL) a row can commit after rows with higher ids: the
/// dashboard passed over it. Its count up to the highest id it read tells, and it
/// reads again; rows above that id are only new, and cost no re-read.
#[test]
fn a_row_committed_below_the_highest_id_read_is_not_missed() {
    if !on_postgres() {
        return skipped(
            "tally::a_row_committed_below",
            "PostgreSQL's commits out of id order (runs with MINYI_TEST_DATABASE_URL)",
        );
    }
    use diesel::{Connection, RunQueryDsl};
    let app = TestApp::new();
    let s = app.survey("mini");
    let post = |key: &str| {
        let (_, hidden) = app.form("/s/mini/N");
        let body = format!("{hidden}&{}", MINI_OK.replace("sat=4", "sat=3"));
        let browser = app.second_browser();
        let r = browser
            .post("/s/mini/N")
            .header(rocket::http::ContentType::Form)
            .body(body)
            .dispatch();
        assert_eq!(r.status(), rocket::http::Status::SeeOther, "{key}");
    };
    post("first");
    let first = app.rows("mini")[0].id;
    // A second server's insert, its transaction still open: it holds the next id.
    let mut late = diesel::pg::PgConnection::establish(&app.url).unwrap();
    diesel::sql_query("BEGIN").execute(&mut late).unwrap();
    diesel::sql_query(format!(
        "INSERT INTO responses (survey_id, definition_version, wave, collection_district, collection_community, district, channel, status, started_at, submitted_at, answers, source_hash, device_hash, submission_key, quality_flags, pattern_hash) \
         SELECT survey_id, definition_version, wave, collection_district, collection_community, district, channel, status, started_at, submitted_at, answers, source_hash, device_hash, 'late', quality_flags, pattern_hash FROM responses WHERE id = {first}"
    ))
    .execute(&mut late)
    .unwrap();
    post("second");
    let cache = minyi::dashboard::Cache::default();
    assert_eq!(cache.load(&app.store, &s).unwrap().tally.rows(), 2);
    diesel::sql_query("COMMIT").execute(&mut late).unwrap();
    // The next recount (every five seconds) finds the row below the highest id read.
    std::thread::sleep(std::time::Duration::from_millis(5_200));
    assert_eq!(cache.load(&app.store, &s).unwrap().tally.rows(), 3);
}
