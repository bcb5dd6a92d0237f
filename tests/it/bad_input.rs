//! Bad input everywhere: mangled definitions, garbage forms and JSON. Only clear errors
//! come back (4xx, or diagnostics with a place), never a panic or a 500, and nothing
//! is stored.

use proptest::prelude::*;
use rocket::http::{ContentType, Status};
use std::path::Path;

use crate::common::*;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x0062_6164),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn mini() -> String {
    std::fs::read_to_string(format!("{FIXTURES}/mini.toml")).unwrap()
}

const CENSUS: &str = "district,age,sex,population\nN,young,m,250\nN,young,f,250\nN,old,m,240\nN,old,f,260\nS,young,m,200\nS,young,f,200\nS,old,m,190\nS,old,f,210\n";

/// A mangling of the definition text: delete, duplicate or replace a span.
fn mangle() -> impl Strategy<Value = (usize, usize, u8, String)> {
    (
        0usize..4000,
        0usize..40,
        0u8..3,
        "[a-z0-9=\\[\\]\"{},.\n 区]{0,12}",
    )
}

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn mangled_definitions_give_placed_diagnostics((at, len, op, insert) in mangle()) {
        let text = mini();
        let mut chars: Vec<char> = text.chars().collect();
        let at = at % chars.len();
        let end = (at + len).min(chars.len());
        match op {
            0 => { chars.drain(at..end); }
            1 => { let dup: Vec<char> = chars[at..end].to_vec(); chars.splice(at..at, dup); }
            _ => { chars.splice(at..end, insert.chars()); }
        }
        let mangled: String = chars.into_iter().collect();
        let lines = mangled.lines().count() + 1;
        match minyi::definition::parse_str(Path::new("surveys/m.toml"), &mangled, &|_| Ok(CENSUS.as_bytes().to_vec())) {
            Ok(s) => prop_assert!(!s.questions.is_empty()),
            Err(e) => {
                let d = e.diagnostics();
                prop_assert!(!d.is_empty(), "an error without a diagnostic: {e}");
                for x in d {
                    prop_assert!(!x.message.is_empty() && !x.help.is_empty(), "{x}");
                    prop_assert!(x.line >= 1 && x.column >= 1, "{x}");
                    if x.file == Path::new("surveys/m.toml") {
                        prop_assert!(x.line <= lines, "line {} of {lines}: {x}", x.line);
                    }
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(config(200))]

    #[test]
    fn garbage_forms_get_4xx(body in "[a-z0-9._=&%+-]{0,200}", raw in prop::collection::vec(any::<u8>(), 0..200)) {
        let app = TestApp::with(&[&format!("{FIXTURES}/mini.toml")]);
        for b in [body.into_bytes(), raw] {
            let r = app.client.post("/s/mini/N").header(ContentType::Form).body(b).dispatch();
            let status = r.status();
            prop_assert!(status.code >= 400 && status.code < 500, "status {status}");
            let page = r.into_string().unwrap_or_default();
            prop_assert!(page.contains("<h1>") || page.contains("role=\"alert\""), "a page that explains: {page}");
        }
        prop_assert!(app.rows("mini").is_empty());
    }

    #[test]
    fn garbage_json_gets_4xx(value in json_value(), raw in "\\PC{0,120}") {
        let app = TestApp::with(&[&format!("{FIXTURES}/mini.toml")]);
        for body in [value.to_string(), raw, serde_json::json!({"district": "N", "submission_key": "k", "answers": value}).to_string()] {
            let r = app.post_json("/api/surveys/mini/responses", &body);
            let status = r.status();
            prop_assert!(status.code >= 400 && status.code < 500, "status {status} for {body}");
            let v: serde_json::Value = serde_json::from_str(&r.into_string().unwrap()).unwrap();
            prop_assert!(v.get("error").is_some() || v.get("errors").is_some(), "{v}");
        }
        prop_assert!(app.rows("mini").is_empty());
    }
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        "[a-z0-9 ]{0,8}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::from),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..5)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Thousands of malformed submissions built from a valid one: each is refused with the
/// specific reason, and nothing is stored.
#[test]
fn thousands_of_malformed_submissions() {
    let app = TestApp::with(&[&format!("{FIXTURES}/mini.toml")]);
    let (_, hidden) = app.form("/s/mini/N");
    let fields: Vec<&str> = MINI_OK.split('&').collect();
    // Required single-answer questions: any of these values, a second answer, or no
    // answer at all must be refused.
    let required = ["age", "district", "aware", "joined", "quiz", "sat", "sex"];
    let bad_values = [
        "", "zz", "dk", "%FF", "-1", "1e999", "y&quiz=x", "%00", "<script>", "十", "5%265",
    ];
    let mut sent = 0;
    for (i, field) in fields.iter().enumerate() {
        let name = field.split('=').next().unwrap();
        if !required.contains(&name) {
            continue;
        }
        for v in bad_values {
            if name == "sat" && v == "dk" {
                continue; // 说不清 is a valid answer to this question
            }
            for mode in 0..3 {
                if mode == 2 && v.is_empty() {
                    continue; // that would re-add the same answer
                }
                let mut f: Vec<String> = fields.iter().map(|s| s.to_string()).collect();
                match mode {
                    0 => f[i] = format!("{name}={v}"),
                    1 => f[i] = format!("{name}={v}&{name}=zz"),
                    _ => {
                        f.remove(i);
                        f.push(format!("{name}{v}=1"));
                    }
                }
                let body = format!("{hidden}&{}", f.join("&"));
                let r = app.post_form("/s/mini/N", &body);
                let status = r.status();
                let page = r.into_string().unwrap_or_default();
                assert_eq!(status, Status::UnprocessableEntity, "{body}");
                assert!(
                    page.contains(&format!(r#"id="e-{name}""#)),
                    "no message at `{name}` for {body}"
                );
                sent += 1;
            }
        }
    }
    assert!(app.rows("mini").is_empty(), "nothing stored from the form");
    // The API, with one answer replaced in turn and, from the second round on, another
    // answer replaced as well (a different one and a different value each round), so
    // no two submissions are alike: 201 when the values happen to be valid (optional
    // questions, free text), otherwise 422 naming one of the answers replaced.
    let values = ["zz", "", "dk", "99", "[]", "-5", "u18x", "{}", "yes", "1"];
    let mut created = 0;
    let mut seen = std::collections::HashSet::new();
    for round in 0..8 {
        for (i, _) in fields.iter().enumerate() {
            for (vi, v) in values.iter().enumerate() {
                let second = (round > 0).then(|| {
                    let j = (i + round) % fields.len();
                    (j, values[(vi + round * 3) % values.len()])
                });
                let mut answers = serde_json::Map::new();
                for (k, f) in fields.iter().enumerate() {
                    let (name, val) = f.split_once('=').unwrap();
                    let val = match second {
                        _ if k == i => *v,
                        Some((j, w)) if k == j => w,
                        _ => val,
                    };
                    match answers.get_mut(name) {
                        Some(serde_json::Value::String(prev)) => {
                            let prev = prev.clone();
                            answers.insert(name.into(), serde_json::json!([prev, val]));
                        }
                        _ => {
                            answers.insert(name.into(), serde_json::Value::from(val));
                        }
                    }
                }
                let changed: Vec<&str> = std::iter::once(i)
                    .chain(second.map(|(j, _)| j))
                    .map(|k| fields[k].split('=').next().unwrap())
                    .collect();
                let key = format!("k{sent}");
                let body =
                    serde_json::json!({"district": "N", "submission_key": key, "answers": answers})
                        .to_string();
                seen.insert(serde_json::to_string(&answers).unwrap());
                let r = app.post_json("/api/surveys/mini/responses", &body);
                match r.status() {
                    Status::Created => created += 1,
                    Status::UnprocessableEntity => {
                        let v: serde_json::Value =
                            serde_json::from_str(&r.into_string().unwrap()).unwrap();
                        let named: Vec<&str> = v["errors"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .filter_map(|e| e["question"].as_str())
                            .collect();
                        assert!(
                            named.iter().any(|q| changed.contains(q)),
                            "{body}: the errors name {named:?}, not {changed:?}"
                        );
                    }
                    other => panic!("{other} for {body}"),
                }
                sent += 1;
            }
        }
    }
    assert!(
        seen.len() > 600,
        "the API submissions are {} distinct answer sets",
        seen.len()
    );
    assert!(sent > 1000, "{sent} malformed submissions");
    assert_eq!(
        app.rows("mini").len(),
        created,
        "exactly the accepted ones are stored"
    );
    assert!(
        created < sent / 3,
        "most mutations are invalid ({created} of {sent} accepted)"
    );
}
