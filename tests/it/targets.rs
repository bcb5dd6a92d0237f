//! A rate against its target, judged by one rule in every output: 0 of 61 is
//! significantly below a 90% target (the exact bound is 5.9%), 61 of 61 significantly
//! above (94.1%), 8 of 8 at or above but not significantly (63.1%), 52 of 61 below but
//! not significantly.

use rocket::http::Status;
use serde_json::Value;
use std::io::Read;

use crate::common::*;

const S: &str = "edges";

/// District → (respondents aware, respondents).
const CASES: [(&str, usize, usize); 4] = [("A", 0, 61), ("B", 61, 61), ("C", 8, 8), ("D", 52, 61)];

fn survey(app: &TestApp) -> minyi::definition::Survey {
    app.survey(S)
}

/// The edge cases stored as residents' answers (each from its own source, unflagged).
fn app_with_edges() -> TestApp {
    let app = TestApp::with(&[&format!("{FIXTURES}/edges.toml")]);
    let s = survey(&app);
    let salt = app.store.salt(S).unwrap();
    let now = chrono::Utc::now();
    let mut k = 0;
    for (d, yes, n) in CASES {
        for i in 0..n {
            k += 1;
            let answers = [
                ("district".to_string(), vec![d.to_string()]),
                (
                    "aware".to_string(),
                    vec![if i < yes { "yes" } else { "no" }.to_string()],
                ),
            ]
            .into_iter()
            .collect();
            let p = minyi::collect::prepare(
                &salt,
                minyi::collect::Submission {
                    survey: &s,
                    collection_district: d,
                    collection_community: None,
                    channel: minyi::collect::Channel::Qr,
                    answers,
                    started_at: None,
                    submission_key: format!("edge-{k}"),
                    source: format!("resident-{k}"),
                    device: None,
                    invite_code: None,
                    interviewer: None,
                    intake: None,
                    household: None,
                },
                now,
                now.date_naive(),
            )
            .unwrap();
            app.store
                .insert_response(p.response, None, None, p.index)
                .unwrap();
        }
    }
    app
}

/// The expected state and the bound that decides it, per district.
const EXPECTED: [(&str, &str, f64); 4] = [
    ("A", "significantly_below", 0.0587),
    ("B", "significantly_above", 0.9413),
    ("C", "at_or_above", 0.6306),
    ("D", "below", f64::NAN),
];

#[test]
fn the_engine_judges_each_edge_with_the_bounds_it_used() {
    use minyi::stats::{self, target::Basis, Options, Weighting};
    let app = app_with_edges();
    let s = survey(&app);
    let data = minyi::dataset::from_rows(&s, &app.rows(S), &[]).unwrap();
    let opts = Options {
        weighting: Weighting::Base,
        ..Options::default()
    };
    let r = stats::analyse(&s, &data, None, &opts).unwrap();
    for (d, state, bound) in EXPECTED {
        let e = r
            .estimates
            .iter()
            .find(|e| {
                e.indicator == "aware" && e.group == d && e.kind == stats::EstimateKind::Proportion
            })
            .unwrap();
        let t = e.target_status.unwrap();
        assert_eq!(t.state.code(), state, "district {d}");
        assert_eq!(t.target, 0.9);
        match d {
            // No logit interval at 0% and 100%: the exact bounds decided.
            "A" => {
                assert_eq!(t.basis, Basis::Exact);
                assert!((t.high.unwrap() - bound).abs() < 1e-4, "{t:?}");
            }
            "B" | "C" => {
                assert_eq!(t.basis, Basis::Exact);
                assert!((t.low.unwrap() - bound).abs() < 1e-4, "{t:?}");
            }
            _ => {
                assert_eq!(t.basis, Basis::Interval);
                assert!(t.low.unwrap() < 0.9 && t.high.unwrap() > 0.9, "{t:?}");
            }
        }
    }
}

#[test]
fn every_output_says_the_same() {
    let app = app_with_edges();
    let viewer = app.signed_in("viewer-edges", "viewer", None);

    // The API: a target_status on every rate.
    let r = viewer
        .get(format!("/api/surveys/{S}/estimates?by=district"))
        .dispatch();
    assert_eq!(r.status(), Status::Ok);
    let v: Value = serde_json::from_str(&r.into_string().unwrap()).unwrap();
    for (d, state, _) in EXPECTED {
        let e = v["estimates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["indicator"] == "aware" && e["group"] == d && e["kind"] == "proportion")
            .unwrap();
        assert_eq!(e["target_status"]["state"], state, "{d}: {e}");
    }

    // The survey page: the same words; 8 of 8 is too few to publish at all.
    let page = viewer
        .get(format!("/office/{S}?lang=en"))
        .dispatch()
        .into_string()
        .unwrap();
    let cell = |d: &str| {
        let at = page.find(&format!("data-k=\"aware@{d}\"")).unwrap();
        let end = page[at..].find("</td>").unwrap();
        page[at..at + end].to_string()
    };
    assert!(
        cell("A").contains("significantly below target"),
        "{}",
        cell("A")
    );
    assert!(
        cell("A").contains("exact bounds 0.0%–5.9%"),
        "{}",
        cell("A")
    );
    assert!(
        cell("B").contains("significantly above target"),
        "{}",
        cell("B")
    );
    assert!(
        cell("D").contains("below target, not significantly"),
        "{}",
        cell("D")
    );
    assert!(
        !page.contains("data-k=\"aware@C\""),
        "a suppressed figure is not shown"
    );
    assert!(
        page.contains("the whole interval is below the target"),
        "the legend"
    );

    // The pack: workbook column, CSV table, the HTML summary, the heat table.
    let r = viewer
        .get(format!("/office/{S}/download/pack.zip"))
        .dispatch();
    assert_eq!(r.status(), Status::Ok);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(r.into_bytes().unwrap())).unwrap();
    let mut read = |name: &str| {
        let mut f = zip.by_name(name).unwrap();
        let mut b = Vec::new();
        f.read_to_end(&mut b).unwrap();
        b
    };
    let table = String::from_utf8(read("table_awareness.csv")).unwrap();
    let row = |d: &str| table.lines().find(|l| l.contains(d)).unwrap().to_string();
    assert!(row("甲区").ends_with("显著低于目标"), "{table}");
    assert!(row("乙区").ends_with("显著高于目标"), "{table}");
    assert!(
        row("丙区").contains("样本不足") && !row("丙区").contains("目标（"),
        "{table}"
    );
    assert!(row("丁区").ends_with("低于目标（差异不显著）"), "{table}");
    let xlsx = read("briefing.xlsx");
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    let range = calamine::Reader::worksheet_range(&mut wb, "知晓率").unwrap();
    let status: Vec<String> = range.rows().skip(1).map(|r| r[10].to_string()).collect();
    assert!(status.contains(&"显著低于目标".to_string()), "{status:?}");
    assert!(status.contains(&"显著高于目标".to_string()), "{status:?}");
    let html = String::from_utf8(read("report.html")).unwrap();
    assert!(
        html.contains("甲区（0.0%，显著低于目标）"),
        "the summary names A"
    );
    assert!(html.contains("丁区（85.2%）"), "and D, not significantly");
    let heat = String::from_utf8(read("heat_table.svg")).unwrap();
    let texts: Vec<&str> = heat
        .split("<text")
        .skip(1)
        .filter_map(|p| Some(p[p.find('>')? + 1..p.find("</text>")?].trim()))
        .collect();
    assert!(
        texts.contains(&"0.0*") && texts.contains(&"100.0+"),
        "heat marks: {texts:?}"
    );

    // The command line, on the export.
    let csv = app.dir.path().join("edges.csv");
    minyi::export::write_csv(
        &survey(&app),
        &app.rows(S),
        std::fs::File::create(&csv).unwrap(),
    )
    .unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_minyi"))
        .args([
            "stats",
            "--survey",
            &format!("{FIXTURES}/edges.toml"),
            "--responses",
        ])
        .arg(&csv)
        .args([
            "--weighting",
            "base",
            "--format",
            "csv",
            "--suppress-below",
            "5",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8(o.stdout).unwrap();
    for (d, state, _) in EXPECTED {
        let line = out
            .lines()
            .find(|l| l.starts_with(&format!("aware,proportion,awareness,district,{d},")))
            .unwrap();
        // … then the six columns of the small-area model, empty without --sae.
        assert!(line.ends_with(&format!(",0.9,{state},,,,,,")), "{line}");
    }
}
