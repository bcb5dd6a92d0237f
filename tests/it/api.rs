use rocket::http::Status;
use serde_json::{json, Value};

use crate::common::*;

fn body(key: &str, answers: Value) -> String {
    json!({ "district": "N", "community": "n1", "submission_key": key, "started_at": "2026-06-01T09:30:00Z", "answers": answers }).to_string()
}

fn ok_answers() -> Value {
    json!({ "age": "old", "district": "S", "aware": "no", "joined": "1", "what": ["b"], "quiz": "x", "sat": "dk", "years": 3, "sex": "m" })
}

const URI: &str = "/api/surveys/mini/responses";

#[test]
fn created_with_id_and_stored_like_the_form() {
    let app = TestApp::new();
    let r = app.post_json(URI, &body("k-1", ok_answers()));
    assert_eq!(r.status(), Status::Created);
    let v: Value = serde_json::from_str(&r.into_string().unwrap()).unwrap();
    assert_eq!(v["status"], "complete");
    let rows = app.rows("mini");
    assert_eq!(rows.len(), 1);
    assert_eq!(v["id"], rows[0].id);
    assert_eq!(rows[0].channel, "api");
    assert_eq!(rows[0].district, "S");
    assert_eq!(rows[0].collection_community.as_deref(), Some("n1"));
    let a: Value = serde_json::from_str(&rows[0].answers).unwrap();
    assert_eq!(a["years"], 3.0);
    assert_eq!(a["what"], json!(["b"]));
}

#[test]
fn field_errors_are_listed() {
    let app = TestApp::new();
    let mut a = ok_answers();
    a["sat"] = json!("7");
    a.as_object_mut().unwrap().remove("sex");
    a["typo_question"] = json!("1");
    let r = app.post_json(URI, &body("k-2", a.clone()));
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let v: Value = serde_json::from_str(&r.into_string().unwrap()).unwrap();
    assert_eq!(v["errors"][0]["question"], "typo_question");
    assert!(v["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("no question `typo_question`"));

    a.as_object_mut().unwrap().remove("typo_question");
    let v: Value =
        serde_json::from_str(&app.post_json(URI, &body("k-2", a)).into_string().unwrap()).unwrap();
    let errs: Vec<(&str, &str)> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["question"].as_str().unwrap(),
                e["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(errs.contains(&(
        "sat",
        "“7” is not one of this question's options; please choose again."
    )));
    assert!(errs.contains(&("sex", "Please answer this question.")));
    assert!(app.rows("mini").is_empty());
}

#[test]
fn malformed_json_says_where() {
    let app = TestApp::new();
    let r = app.post_json(URI, "{\"district\": \"N\",\n \"answers\": {");
    assert_eq!(r.status(), Status::BadRequest);
    let v: Value = serde_json::from_str(&r.into_string().unwrap()).unwrap();
    assert!(v["error"].as_str().unwrap().contains("line 2"), "{v}");
    let r = app.post_json(
        URI,
        &json!({"district": "N", "submission_key": "x", "answers": {}, "extra": 1}).to_string(),
    );
    assert_eq!(r.status(), Status::BadRequest);
    assert!(r.into_string().unwrap().contains("unknown field `extra`"));
}

#[test]
fn same_key_counts_once() {
    let app = TestApp::new();
    assert_eq!(
        app.post_json(URI, &body("k-3", ok_answers())).status(),
        Status::Created
    );
    let r = app.post_json(URI, &body("k-3", ok_answers()));
    assert_eq!(r.status(), Status::Conflict);
    assert_eq!(app.rows("mini").len(), 1);
}

#[test]
fn unknown_survey_place_and_closed() {
    let app = TestApp::new();
    assert_eq!(
        app.post_json("/api/surveys/nope/responses", &body("k", ok_answers()))
            .status(),
        Status::NotFound
    );
    let bad_place =
        json!({ "district": "Q", "submission_key": "k", "answers": ok_answers() }).to_string();
    let r = app.post_json(URI, &bad_place);
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert!(r.into_string().unwrap().contains("no collection point `Q`"));
    assert_eq!(
        app.post_json("/api/surveys/closed/responses", &body("k", ok_answers()))
            .status(),
        Status::Gone
    );
    assert!(app.rows("mini").is_empty());
}
