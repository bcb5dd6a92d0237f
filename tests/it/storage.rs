use rocket::http::Status;

use crate::common::*;

#[test]
fn responses_cannot_be_altered() {
    let app = TestApp::new();
    let (_, hidden) = app.form("/s/mini/N");
    assert_eq!(
        app.post_form("/s/mini/N", &format!("{hidden}&{MINI_OK}"))
            .status(),
        Status::SeeOther
    );
    let before = app.rows("mini");
    let id = before[0].id;
    let err = app
        .raw_sql(&format!(
            "UPDATE responses SET answers = '{{}}' WHERE id = {id}"
        ))
        .unwrap_err();
    assert!(err.contains("append-only"), "{err}");
    let err = app
        .raw_sql(&format!("DELETE FROM responses WHERE id = {id}"))
        .unwrap_err();
    assert!(err.contains("append-only"), "{err}");
    assert_eq!(app.rows("mini")[0].answers, before[0].answers);
    assert_eq!(app.store.integrity_check().unwrap(), vec!["ok".to_string()]);
}

#[test]
fn export_has_the_stats_shape() {
    let app = TestApp::new();
    for (d, extra) in [("N", "joined=1&what=a&what=b"), ("S", "joined=2")] {
        let body = MINI_OK
            .replace("district=N", &format!("district={d}"))
            .replace("joined=1&what=a&what=b", extra);
        assert_eq!(
            app.submit_as_new_browser(&format!("/s/mini/{d}"), &body),
            Status::SeeOther
        );
    }
    // A screened-out response is stored but not exported.
    assert_eq!(
        app.submit_as_new_browser("/s/mini/N", "age=u18"),
        Status::SeeOther
    );
    let survey =
        minyi::definition::load_file(std::path::Path::new(&format!("{FIXTURES}/mini.toml")))
            .unwrap();
    let mut out = Vec::new();
    let n = minyi::export::write_csv(&survey, &app.rows("mini"), &mut out).unwrap();
    assert_eq!(n, 2);
    let mut rdr = csv::Reader::from_reader(out.as_slice());
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "response_id",
            "wave",
            "channel",
            "interviewer",
            "intake",
            "submitted_at",
            "collection_district",
            "sample",
            "psu",
            "design_weight",
            "collection_point",
            "community",
            "grid",
            "quality_flags",
            "age",
            "district",
            "aware",
            "joined",
            "what",
            "quiz",
            "sat",
            "sat3",
            "years",
            "note",
            "sex"
        ]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(&rows[0][col("district")], "N");
    assert_eq!(&rows[0][col("what")], "a;b");
    assert_eq!(&rows[1][col("district")], "S");
    assert_eq!(
        &rows[1][col("what")],
        "",
        "a question not asked is empty (missing)"
    );
    assert_eq!(&rows[0][col("years")], "12");
}

#[test]
fn reopening_keeps_data_and_salt() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("x.sqlite3").display());
    let s1 = minyi::storage::Store::open(&url)
        .unwrap()
        .salt("mini")
        .unwrap();
    let s2 = minyi::storage::Store::open(&url)
        .unwrap()
        .salt("mini")
        .unwrap();
    assert_eq!(s1, s2, "the salt is created once per survey");
    let other = minyi::storage::Store::open(&url)
        .unwrap()
        .salt("other")
        .unwrap();
    assert_ne!(s1, other, "each survey has its own salt");
}

#[test]
fn unknown_database_url_is_refused_clearly() {
    let err = minyi::storage::Store::open("mysql://root@127.0.0.1/test")
        .err()
        .unwrap();
    assert!(
        err.to_string()
            .contains("use sqlite://path/to/file.sqlite3 or postgres://"),
        "{err}"
    );
}

#[test]
fn export_round_trips_into_stats() {
    use minyi::stats::{self, EstimateKind, Options, Weighting};
    let app = TestApp::new();
    let answers = |district: &str, aware: &str, key: &str| {
        let mut a: serde_json::Value = serde_json::json!({
            "age_band": "a40", "residence": "gt3y", "district": district, "aware_campaign": aware,
            "aware_values": "2", "quiz_values": "b", "support": "1", "participated": "3",
            "sat_sanitation": "4", "sat_shops": "4", "sat_culture": "dk", "sat_security": "5",
            "sat_ecology": "4", "sat_traffic": "3", "sat_windows": "4", "sat_minors": "4",
            "civic_behaviour": "4", "sat_overall": "4", "sex": "f"
        });
        a["district"] = district.into();
        serde_json::json!({ "district": "XC", "submission_key": key, "answers": a }).to_string()
    };
    let cases = [
        ("XC", "1"),
        ("XC", "1"),
        ("XC", "3"),
        ("JY", "2"),
        ("JY", "3"),
        ("DH", "1"),
    ];
    for (i, (d, aware)) in cases.iter().enumerate() {
        let r = app.post_json(
            "/api/surveys/civility-2026/responses",
            &answers(d, aware, &format!("k{i}")),
        );
        assert_eq!(r.status(), Status::Created);
    }
    let survey = minyi::definition::load_file(std::path::Path::new(&format!(
        "{SURVEYS}/civility-2026.toml"
    )))
    .unwrap();
    let mut csv = Vec::new();
    minyi::export::write_csv(&survey, &app.rows("civility-2026"), &mut csv).unwrap();
    let data = minyi::dataset::read_csv(&survey, "export.csv", csv.as_slice()).unwrap();
    assert_eq!(data.len(), 6);
    let opts = Options {
        weighting: Weighting::Base,
        ..Options::default()
    };
    let r = stats::analyse(
        &survey,
        &data,
        stats::Census::from_survey(&survey).as_ref(),
        &opts,
    )
    .unwrap();
    assert_eq!(r.districts_without_respondents, ["NG", "BS", "GX"]);
    let city = r
        .estimates
        .iter()
        .find(|e| {
            e.indicator == "aware_campaign"
                && e.kind == EstimateKind::Proportion
                && e.group == "ALL"
        })
        .unwrap();
    // Known and heard-of count (codes 1 and 2); base weights = district adults / respondents.
    let want =
        (412_000.0 * 2.0 / 3.0 + 356_000.0 * 0.5 + 298_000.0) / (412_000.0 + 356_000.0 + 298_000.0);
    assert!(
        (city.estimate - want).abs() < 1e-12,
        "{} vs {want}",
        city.estimate
    );
    assert_eq!(city.n, 6.0);
    let culture_dk = r
        .estimates
        .iter()
        .find(|e| e.indicator == "sat_culture.dont_know" && e.group == "ALL")
        .unwrap();
    assert_eq!(
        culture_dk.estimate, 1.0,
        "every respondent said 说不清 about the cultural market"
    );
    assert!(
        !r.estimates
            .iter()
            .any(|e| e.indicator == "sat_culture" && e.kind == EstimateKind::Proportion),
        "no rate when everyone said don't know"
    );
    // Raking needs every district: a clear refusal.
    let err = stats::analyse(
        &survey,
        &data,
        stats::Census::from_survey(&survey).as_ref(),
        &Options::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("has no respondents"), "{err}");
}

#[test]
fn superseding_keeps_the_row_and_leaves_the_estimates() {
    let app = TestApp::new();
    for d in ["N", "S"] {
        assert_eq!(
            app.submit_as_new_browser(
                &format!("/s/mini/{d}"),
                &MINI_OK.replace("district=N", &format!("district={d}"))
            ),
            Status::SeeOther
        );
    }
    let rows = app.rows("mini");
    app.store
        .supersede("mini", rows[0].id, "entered twice by the kiosk operator")
        .unwrap();
    let again = app
        .store
        .supersede("mini", rows[0].id, "again")
        .unwrap_err();
    assert!(again.to_string().contains("already superseded"), "{again}");
    let missing = app
        .store
        .supersede("mini", 99_999, "no such row")
        .unwrap_err();
    assert!(missing.to_string().contains("does not exist"), "{missing}");
    assert_eq!(app.rows("mini").len(), 2, "nothing deleted");
    let sup: Vec<i64> = app
        .store
        .superseded("mini")
        .unwrap()
        .into_iter()
        .map(|x| x.0)
        .collect();
    assert_eq!(sup, [rows[0].id]);
    let survey =
        minyi::definition::load_file(std::path::Path::new(&format!("{FIXTURES}/mini.toml")))
            .unwrap();
    let mut out = Vec::new();
    minyi::export::write_csv_with(&survey, &app.rows("mini"), &sup, &mut out).unwrap();
    let data = minyi::dataset::read_csv(&survey, "x.csv", out.as_slice()).unwrap();
    let (kept, ex) = data.without_flagged();
    assert_eq!(kept.len(), 1);
    assert_eq!(ex.by_flag.get("superseded"), Some(&1));
}

/// The dashboard and `minyi report` read stored rows straight into a dataset; it must
/// be the dataset `minyi stats` makes of the export, column by column.
#[test]
fn rows_read_directly_equal_the_export_read_back() {
    use minyi::stats::Column;
    let app = TestApp::new();
    let survey = app.survey("civility-2026");
    minyi::demo::run(&app.store, &survey, 150, 5).unwrap();
    let rows = app.rows("civility-2026");
    let superseded = [rows[3].id, rows[40].id];
    let mut csv = Vec::new();
    minyi::export::write_csv_with(&survey, &rows, &superseded, &mut csv).unwrap();
    let via_csv = minyi::dataset::read_csv(&survey, "export.csv", csv.as_slice()).unwrap();
    let direct = minyi::dataset::from_rows(&survey, &rows, &superseded).unwrap();
    assert_eq!(direct.len(), via_csv.len());
    assert_eq!(direct.district, via_csv.district);
    assert_eq!(direct.community, via_csv.community);
    assert_eq!(direct.extra, via_csv.extra);
    assert_eq!(
        direct.columns.keys().collect::<Vec<_>>(),
        via_csv.columns.keys().collect::<Vec<_>>()
    );
    for (k, a) in &direct.columns {
        match (a, &via_csv.columns[k]) {
            (Column::Choice(x), Column::Choice(y)) => assert_eq!(x, y, "{k}"),
            (Column::Multi(x), Column::Multi(y)) => assert_eq!(x, y, "{k}"),
            (Column::Number(x), Column::Number(y)) => {
                assert!(
                    x.iter()
                        .zip(y)
                        .all(|(a, b)| a == b || (a.is_nan() && b.is_nan())),
                    "{k}"
                )
            }
            _ => panic!("column {k} has different kinds"),
        }
    }
    assert!(direct.extra["quality_flags"][3].contains("superseded"));
}
