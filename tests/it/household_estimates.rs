//! Estimates from the household probability sample: its interviews carry design
//! weights and their drawn community into the export, the dashboard's household
//! figures are `minyi stats --sample household` on that export, the convenience
//! sample's figures never include a household interview, and every page and API says
//! which sample a figure is.

use rocket::http::Status;
use serde_json::Value;

use crate::common::*;
use crate::process::minyi;
use minyi::definition::{Lang, Survey};

const S: &str = "civility-2026";

/// The demo's two waves and its household sample (drawn, visited, interviewed).
fn demo() -> (TestApp, Survey) {
    let app = TestApp::new();
    let s = app.survey(S);
    minyi::demo::run(&app.store, &s, 400, 3).unwrap();
    (app, s)
}

/// `minyi export` of the store, as text.
fn export(app: &TestApp, s: &Survey) -> String {
    let mut out = Vec::new();
    minyi::export::write_from_store(&app.store, s, None, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn close(what: &str, got: f64, want: f64) {
    assert!(
        (got - want).abs() <= 1e-9 * want.abs().max(1.0),
        "{what}: dashboard {got}, minyi stats {want}"
    );
}

#[test]
fn the_export_carries_each_interviews_weight_and_drawn_community() {
    let (app, s) = demo();
    let csv = export(&app, &s);
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let (sample, psu, weight, flags, id) = (
        col("sample"),
        col("psu"),
        col("design_weight"),
        col("quality_flags"),
        col("response_id"),
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let household: Vec<&csv::StringRecord> =
        rows.iter().filter(|r| &r[sample] == "household").collect();
    let stored = app
        .rows(S)
        .into_iter()
        .filter(|r| r.household_id.is_some())
        .count();
    assert!(stored > 100, "the demo interviews households: {stored}");
    assert_eq!(household.len(), stored);
    for r in &rows {
        match &r[sample] {
            "household" => {
                let stored = app
                    .rows(S)
                    .into_iter()
                    .find(|x| x.id.to_string() == r[id])
                    .unwrap();
                assert_eq!(Some(&r[psu]), stored.residence_community.as_deref());
                if r[flags].is_empty() {
                    let w: f64 = r[weight].parse().unwrap();
                    assert!(w > 1.0, "a counted interview stands for many adults: {w}");
                } else {
                    assert_eq!(&r[weight], "", "a flagged interview has no weight");
                }
            }
            "convenience" => assert!(r[psu].is_empty() && r[weight].is_empty()),
            other => panic!("sample `{other}`"),
        }
    }
}

/// The household figures on the dashboard are `minyi stats --sample household` on the
/// export, figure by figure; and the dashboard's convenience figures are
/// `minyi stats` (its default sample) on the same file, without one household
/// interview in them.
#[test]
fn dashboard_figures_equal_minyi_stats_on_the_export_sample_by_sample() {
    let (app, s) = demo();
    let dir = app.dir.path();
    let file = dir.join("export.csv");
    std::fs::write(&file, export(&app, &s)).unwrap();
    let def = dir.join("surveys/civility-2026.toml");
    let stats = |sample: &str| -> Value {
        let out = minyi(
            dir,
            "sqlite://unused",
            &[
                "stats",
                "--survey",
                def.to_str().unwrap(),
                "--responses",
                file.to_str().unwrap(),
                "--sample",
                sample,
                "--format",
                "json",
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };

    let h = minyi::dashboard::household_figures(&app.store, &s, "2", Lang::Zh)
        .unwrap()
        .expect("wave 2 has a household sample");
    let report = h.report.as_ref().unwrap();
    let cli = stats("household");
    assert!(cli["collection"]
        .as_str()
        .unwrap()
        .starts_with("样本：入户概率样本"));
    let mut compared = 0;
    for e in &report.estimates {
        let want = cli["estimates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| {
                x["indicator"] == e.indicator
                    && x["group"] == e.group
                    && x["kind"] == serde_json::to_value(e.kind).unwrap()
            })
            .unwrap_or_else(|| panic!("minyi stats has no {} {}", e.indicator, e.group));
        let what = format!("{} {}", e.indicator, e.group);
        assert_eq!(e.n, want["n"].as_f64().unwrap(), "{what} n");
        close(
            &format!("{what} estimate"),
            e.estimate,
            want["estimate"].as_f64().unwrap(),
        );
        close(&format!("{what} se"), e.se, want["se"].as_f64().unwrap());
        close(
            &format!("{what} weighted total"),
            e.weighted_total,
            want["weighted_total"].as_f64().unwrap(),
        );
        compared += 1;
    }
    assert!(compared > 100, "{compared}");
    assert_eq!(
        report.respondents,
        cli["respondents"].as_u64().unwrap() as usize
    );

    // The convenience sample: the tally holds no household interview.
    let loaded = minyi::dashboard::load(&app.store, &s).unwrap();
    let fig =
        minyi::dashboard::figures(&s, &loaded, &minyi::dashboard::Filter::default(), Lang::Zh)
            .unwrap();
    let conv = stats("convenience");
    let r = fig.report.as_ref().unwrap();
    assert_eq!(
        r.respondents,
        conv["respondents"].as_u64().unwrap() as usize
    );
    for e in r.estimates.iter().filter(|e| e.group == "ALL") {
        let want = conv["estimates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| {
                x["indicator"] == e.indicator
                    && x["group"] == "ALL"
                    && x["kind"] == serde_json::to_value(e.kind).unwrap()
            })
            .unwrap();
        close(&e.indicator, e.estimate, want["estimate"].as_f64().unwrap());
    }
    let wave2_households = app
        .rows(S)
        .into_iter()
        .filter(|x| x.wave == 2 && x.household_id.is_some())
        .count();
    let wave2_all: usize = fig.counts.iter().map(|c| c.total).sum();
    let stored_wave2 = app
        .rows(S)
        .into_iter()
        .filter(|x| x.wave == 2 && x.status == "complete")
        .count();
    assert_eq!(
        wave2_all + wave2_households,
        stored_wave2,
        "the convenience counts leave the household interviews out"
    );
}

/// The survey and district pages show the household sample first, as the figures of
/// record, the convenience sample under its own name, and the gap; a district officer
/// sees their district's. The API says which sample each figure is.
#[test]
fn pages_and_api_name_each_sample_and_never_pool_them() {
    let (app, s) = demo();
    let viewer = app.signed_in("viewer-h", "viewer", None);
    let page = viewer
        .get(format!("/office/{S}"))
        .dispatch()
        .into_string()
        .unwrap();
    let household = page
        .find("入户概率样本（正式口径）")
        .expect("the household section");
    let convenience = page
        .find("扫码等自愿填答（便利样本，非概率抽样）")
        .expect("the convenience sample named");
    assert!(household < convenience, "the household figures come first");
    assert!(page.contains("扫码样本与入户样本之差"));
    assert!(page.contains("设计权重"));

    let officer = app.signed_in("officer-h", "district", Some("XC"));
    let district = officer
        .get(format!("/office/{S}/d/XC"))
        .dispatch()
        .into_string()
        .unwrap();
    assert!(district.contains("入户概率样本（正式口径）"));
    let section = &district
        [district.find("id=\"household\"").unwrap()..district.find("扫码等自愿填答").unwrap()];
    for other in s.districts.iter().filter(|d| d.code != "XC") {
        assert!(
            !section.contains(other.name.zh.as_str()),
            "{} in XC's household section",
            other.code
        );
    }

    // The API: the summary carries both, labelled; the estimates take sample=.
    let summary: Value = serde_json::from_str(
        &viewer
            .get(format!("/api/surveys/{S}/summary"))
            .dispatch()
            .into_string()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(summary["sample"], "convenience");
    assert_eq!(summary["household"]["sample"], "household");
    assert!(!summary["household"]["estimates"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(!summary["household"]["gap"].as_array().unwrap().is_empty());
    let mine: Value = serde_json::from_str(
        &officer
            .get(format!("/api/surveys/{S}/summary?district=XC"))
            .dispatch()
            .into_string()
            .unwrap(),
    )
    .unwrap();
    assert!(mine["household"]["estimates"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["group"] == "XC"));
    let h: Value = serde_json::from_str(
        &viewer
            .get(format!(
                "/api/surveys/{S}/estimates?by=district&sample=household"
            ))
            .dispatch()
            .into_string()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(h["sample"], "household");
    let direct = minyi::dashboard::household_figures(&app.store, &s, "2", Lang::Zh)
        .unwrap()
        .unwrap();
    let first = &h["estimates"][0];
    let want = direct
        .report
        .as_ref()
        .unwrap()
        .estimates
        .iter()
        .find(|e| {
            e.indicator == first["indicator"] && e.group == first["group"] && e.domain == "district"
        })
        .unwrap();
    assert_eq!(first["estimate"].as_f64().unwrap(), want.estimate);
    let c: Value = serde_json::from_str(
        &viewer
            .get(format!("/api/surveys/{S}/estimates?by=district"))
            .dispatch()
            .into_string()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(c["sample"], "convenience");
    for (q, status) in [
        ("by=community&sample=household", Status::BadRequest),
        ("sample=pooled", Status::BadRequest),
    ] {
        assert_eq!(
            viewer
                .get(format!("/api/surveys/{S}/estimates?{q}"))
                .dispatch()
                .status(),
            status,
            "{q}"
        );
    }
}

/// The pack: the household sample's table, the gap table, and a finding on the gap.
#[test]
fn the_pack_says_how_far_the_convenience_figures_are() {
    let (app, s) = demo();
    let data = minyi::dashboard::household_data(&app.store, &s)
        .unwrap()
        .map(|(d, _)| d);
    let loaded = minyi::dashboard::load(&app.store, &s).unwrap();
    let census = minyi::stats::Census::from_survey(&s);
    let input = minyi::report::PackInput {
        survey: &s,
        tally: &loaded.tally,
        census: census.as_ref(),
        options: minyi::stats::Options::default(),
        wave: None,
        lang: Lang::Zh,
        date: "2026-12-07".into(),
        collection: "test".into(),
        include_flagged: false,
        voices: None,
        household: data.as_ref(),
        ledger: None,
    };
    let out = tempfile::tempdir().unwrap();
    let pack = minyi::report::build(&input, out.path(), &|_| {}).unwrap();
    let h = pack.household.as_ref().expect("the household sample");
    assert!(pack.files.iter().any(|f| f == "table_household.csv"));
    assert!(pack.files.iter().any(|f| f == "table_gap.csv"));
    let gap = std::fs::read_to_string(out.path().join("table_gap.csv")).unwrap();
    assert_eq!(gap.lines().count(), h.gap.len() + 1);
    assert!(
        h.gap.iter().all(|d| !d.indicator.contains('.')),
        "rates only"
    );
    let finding = minyi::report::findings::findings(&s, &pack, Lang::Zh)
        .into_iter()
        .find(|f| f.rule == minyi::report::findings::Rule::SampleGap)
        .expect("a finding on the gap");
    assert!(
        finding.text.contains("入户概率样本") && finding.text.contains("差值区间"),
        "{}",
        finding.text
    );
}
