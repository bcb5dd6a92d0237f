//! Quality flags set at submission; flagged responses are stored, left out of the
//! estimates by default, and counted wherever they are left out.

use rocket::http::Status;
use serde_json::json;

use crate::common::*;

fn civility(key: &str, over: serde_json::Value) -> String {
    let mut a = json!({
        "age_band": "a40", "residence": "gt3y", "district": "XC", "aware_campaign": "1",
        "aware_values": "2", "quiz_values": "b", "support": "1", "participated": "3",
        "sat_sanitation": "4", "sat_shops": "3", "sat_culture": "dk", "sat_security": "5",
        "sat_ecology": "4", "sat_traffic": "2", "sat_windows": "4", "sat_minors": "5",
        "civic_behaviour": "4", "sat_overall": "4", "sex": "f"
    });
    for (k, v) in over.as_object().unwrap() {
        a[k] = v.clone();
    }
    json!({ "district": "XC", "community": "xinhua-xfl", "submission_key": key, "answers": a })
        .to_string()
}

fn flags(app: &TestApp) -> Vec<String> {
    app.rows("civility-2026")
        .into_iter()
        .map(|r| r.quality_flags)
        .collect()
}

const API: &str = "/api/surveys/civility-2026/responses";

#[test]
fn straight_lining_is_flagged() {
    let app = TestApp::new();
    let all_four = json!({"sat_sanitation": "4", "sat_shops": "4", "sat_culture": "4", "sat_security": "4", "sat_ecology": "4", "sat_traffic": "4", "sat_windows": "4", "sat_minors": "4", "civic_behaviour": "4", "sat_overall": "4"});
    assert_eq!(
        app.post_json(API, &civility("a", all_four)).status(),
        Status::Created
    );
    assert_eq!(
        app.post_json(API, &civility("b", json!({"aware_values": "1"})))
            .status(),
        Status::Created
    );
    assert_eq!(flags(&app), ["straight_lining", ""]);
}

#[test]
fn too_fast_against_the_definitions_minimum() {
    let app = TestApp::new();
    // civility-2026 sets min_seconds = 60.
    let started = (chrono::Utc::now() - chrono::Duration::seconds(20)).to_rfc3339();
    let mut body: serde_json::Value = serde_json::from_str(&civility("fast", json!({}))).unwrap();
    body["started_at"] = started.into();
    assert_eq!(
        app.post_json(API, &body.to_string()).status(),
        Status::Created
    );
    let mut body: serde_json::Value =
        serde_json::from_str(&civility("slow", json!({"aware_values": "1"}))).unwrap();
    body["started_at"] = (chrono::Utc::now() - chrono::Duration::seconds(200))
        .to_rfc3339()
        .into();
    assert_eq!(
        app.post_json(API, &body.to_string()).status(),
        Status::Created
    );
    assert_eq!(flags(&app), ["too_fast", ""]);
}

#[test]
fn repeated_pattern_at_one_place_is_flagged_from_the_third() {
    let app = TestApp::new();
    for (i, age) in ["a18", "a30", "a60", "a50"].iter().enumerate() {
        // Different people (demographics differ), the same substantive answers.
        let r = app.post_json(
            API,
            &civility(
                &format!("p{i}"),
                json!({"age_band": age, "sex": if i % 2 == 0 { "m" } else { "f" }}),
            ),
        );
        assert_eq!(r.status(), Status::Created);
    }
    assert_eq!(
        flags(&app),
        ["", "", "repeated_pattern", "repeated_pattern"]
    );
}

#[test]
fn bursts_from_one_source_are_flagged_not_refused() {
    let app = TestApp::new();
    let variants = ["1", "2", "3", "4"];
    for i in 0..12 {
        // Vary the answers so only the source repeats.
        let overall = ["1", "2", "3"][i % 3];
        let r = app.post_json(API, &civility(&format!("s{i}"), json!({"aware_values": variants[i % 4], "support": variants[(i / 4) % 4], "sat_overall": overall})));
        assert_eq!(
            r.status(),
            Status::Created,
            "a shared address is not refused"
        );
    }
    let f = flags(&app);
    assert!(f[..10].iter().all(|x| !x.contains("source_burst")), "{f:?}");
    assert!(f[10..].iter().all(|x| x.contains("source_burst")), "{f:?}");
}

#[test]
fn flagged_responses_are_left_out_and_counted() {
    let app = TestApp::new();
    let all_four = json!({"sat_sanitation": "4", "sat_shops": "4", "sat_culture": "4", "sat_security": "4", "sat_ecology": "4", "sat_traffic": "4", "sat_windows": "4", "sat_minors": "4", "civic_behaviour": "4", "sat_overall": "4"});
    app.post_json(API, &civility("x1", all_four));
    app.post_json(
        API,
        &civility("x2", json!({"aware_values": "1", "district": "JY"})),
    );
    app.post_json(
        API,
        &civility("x3", json!({"aware_values": "3", "district": "DH"})),
    );
    let survey = minyi::definition::load_file(std::path::Path::new(&format!(
        "{SURVEYS}/civility-2026.toml"
    )))
    .unwrap();
    let mut csv = Vec::new();
    minyi::export::write_csv(&survey, &app.rows("civility-2026"), &mut csv).unwrap();
    let text = String::from_utf8(csv.clone()).unwrap();
    assert!(text.lines().next().unwrap().contains(",quality_flags,"));
    assert!(text.contains(",straight_lining,"));
    let data = minyi::dataset::read_csv(&survey, "export.csv", csv.as_slice()).unwrap();
    let (kept, ex) = data.without_flagged();
    assert_eq!((data.len(), kept.len()), (3, 2));
    assert_eq!(ex.responses, 1);
    assert_eq!(ex.by_flag.get("straight_lining"), Some(&1));

    // The command line leaves them out and says so; --include-flagged keeps them.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("export.csv");
    std::fs::write(&f, &csv).unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "stats",
            "--survey",
            &format!("{SURVEYS}/civility-2026.toml"),
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
        args.extend([
            "--responses".into(),
            f.to_str().unwrap().into(),
            "--weighting".into(),
            "base".into(),
            "--format".into(),
            "json".into(),
        ]);
        args.extend(extra.iter().map(|s| s.to_string()));
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_minyi"))
            .args(&args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    let v = run(&[]);
    assert_eq!(v["respondents"], 2);
    assert_eq!(v["excluded"]["responses"], 1);
    assert_eq!(v["excluded"]["by_flag"]["straight_lining"], 1);
    let v = run(&["--include-flagged"]);
    assert_eq!(v["respondents"], 3);
    assert_eq!(v["excluded"]["responses"], 0);
}

#[test]
fn rate_limits_answer_429_with_retry_after() {
    let app = TestApp::new();
    // 8 a minute from one address: a burst of 3, then a clear refusal.
    let c = app.limited(8);
    let mut statuses = Vec::new();
    for (i, values) in ["1", "2", "3", "4", "1"].iter().enumerate() {
        let r = c
            .post(API)
            .header(rocket::http::ContentType::JSON)
            .header(app.bearer())
            .body(civility(
                &format!("r{i}"),
                json!({ "aware_values": values }),
            ))
            .dispatch();
        statuses.push(r.status().code);
        if r.status() == Status::TooManyRequests {
            assert!(r
                .headers()
                .get_one("Retry-After")
                .is_some_and(|s| s.parse::<u64>().unwrap() >= 1));
            let v: serde_json::Value = serde_json::from_str(&r.into_string().unwrap()).unwrap();
            assert!(
                v["error"]
                    .as_str()
                    .unwrap()
                    .contains("Too many questionnaires were sent from here"),
                "{v}"
            );
        }
    }
    assert_eq!(statuses, [201, 201, 201, 429, 429]);
    assert_eq!(
        app.rows("civility-2026").len(),
        3,
        "refused submissions store nothing"
    );

    // The form: one source limited to 4 a minute (burst 3). The client keeps no
    // cookies, so only the limit can stop it.
    let c = app.limited(4);
    let uri = "/s/mini/N";
    let mut codes = Vec::new();
    for _ in 0..4 {
        let html = c.get(uri).dispatch().into_string().unwrap();
        let hidden = ["m.key", "m.t", "m.lang", "m.ch"]
            .iter()
            .map(|n| format!("{n}={}", hidden_value(&html, n)))
            .collect::<Vec<_>>()
            .join("&");
        let r = c
            .post(uri)
            .header(rocket::http::ContentType::Form)
            .body(format!("{hidden}&age=u18"))
            .dispatch();
        codes.push(r.status().code);
        if r.status() == Status::TooManyRequests {
            assert!(r.into_string().unwrap().contains("提交过于频繁"));
        }
    }
    assert_eq!(codes[3], 429, "{codes:?}");
}
