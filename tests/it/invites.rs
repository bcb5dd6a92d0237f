//! One-time invitation codes for household sampling: a code works once, only hashes
//! are stored, and a survey marked invitation_only refuses answers without one.

use rocket::http::Status;

use crate::common::*;

fn app_with_codes(codes: &[&str]) -> TestApp {
    let app = TestApp::with(&[&format!("{FIXTURES}/invite.toml")]);
    let salt = app.store.salt("invite").unwrap();
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| minyi::collect::invite_hash(&salt, c))
        .collect();
    assert_eq!(
        app.store.add_invites("invite", "N", &hashes).unwrap(),
        codes.len()
    );
    app
}

#[test]
fn a_code_works_once_on_the_form() {
    let app = app_with_codes(&["ABCD2345", "WXYZ6789"]);
    let (html, hidden) = app.form("/s/invite/N?code=ABCD2345");
    assert!(
        html.contains(r#"name="m.code" value="ABCD2345""#),
        "the card's code is pre-filled"
    );
    // Without a code: refused, with the reason at the code field.
    let without = hidden
        .split('&')
        .filter(|kv| !kv.starts_with("m.code"))
        .collect::<Vec<_>>()
        .join("&");
    let r = app.post_form("/s/invite/N", &format!("{without}&{MINI_OK}"));
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert!(r.into_string().unwrap().contains("本调查凭邀请码参加"));
    // A wrong code: refused.
    let r = app.post_form(
        "/s/invite/N",
        &format!("{without}&m.code=ZZZZ2222&{MINI_OK}"),
    );
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert!(r.into_string().unwrap().contains("邀请码无效"));
    // The right one (typed in lower case with a space): accepted once.
    assert_eq!(
        app.post_form(
            "/s/invite/N",
            &format!("{without}&m.code=abcd+2345&{MINI_OK}")
        )
        .status(),
        Status::SeeOther
    );
    assert_eq!(app.store.invite_counts("invite").unwrap(), (2, 1));
    // Another browser with the same card: refused.
    let other = app.second_browser();
    let html = other
        .get("/s/invite/N?code=ABCD2345")
        .dispatch()
        .into_string()
        .unwrap();
    let hidden2 = ["m.key", "m.t", "m.lang", "m.ch"]
        .iter()
        .map(|n| format!("{n}={}", hidden_value(&html, n)))
        .collect::<Vec<_>>()
        .join("&");
    let r = other
        .post("/s/invite/N")
        .header(rocket::http::ContentType::Form)
        .body(format!("{hidden2}&m.code=ABCD2345&{MINI_OK}"))
        .dispatch();
    assert_eq!(r.status(), Status::Conflict);
    assert!(r.into_string().unwrap().contains("该邀请码已使用"));
    assert_eq!(app.rows("invite").len(), 1);
}

#[test]
fn a_code_works_once_on_the_api() {
    let app = app_with_codes(&["QRST2345"]);
    let body = |key: &str, code: Option<&str>| {
        let mut v = serde_json::json!({ "district": "N", "submission_key": key, "answers": { "age": "old", "district": "S", "aware": "yes", "joined": "2", "quiz": "y", "sat": "4", "sex": "m" } });
        if let Some(c) = code {
            v["invite_code"] = c.into();
        }
        v.to_string()
    };
    let api = "/api/surveys/invite/responses";
    assert_eq!(
        app.post_json(api, &body("a", None)).status(),
        Status::UnprocessableEntity
    );
    assert_eq!(
        app.post_json(api, &body("b", Some("QRST2345"))).status(),
        Status::Created
    );
    let r = app.post_json(api, &body("c", Some("QRST2345")));
    assert_eq!(r.status(), Status::Conflict);
    assert!(r.into_string().unwrap().contains("already been used"));
    assert_eq!(app.rows("invite").len(), 1);
}

#[test]
fn a_repeated_submission_does_not_spend_a_code() {
    let app = app_with_codes(&["QRST2345", "MNPQ6789"]);
    let body = |key: &str, code: &str| {
        serde_json::json!({ "district": "N", "submission_key": key, "invite_code": code, "answers": { "age": "old", "district": "S", "aware": "yes", "joined": "2", "quiz": "y", "sat": "4", "sex": "m" } })
            .to_string()
    };
    let api = "/api/surveys/invite/responses";
    assert_eq!(
        app.post_json(api, &body("k1", "QRST2345")).status(),
        Status::Created
    );
    // The same submission key again, with an unused card: nothing stored, and the
    // card stays valid (the code and the row are spent together or not at all).
    assert_eq!(
        app.post_json(api, &body("k1", "MNPQ6789")).status(),
        Status::Conflict
    );
    assert_eq!(app.store.invite_counts("invite").unwrap(), (2, 1));
    assert_eq!(
        app.post_json(api, &body("k2", "MNPQ6789")).status(),
        Status::Created
    );
    assert_eq!(app.rows("invite").len(), 2);
}

#[test]
fn invites_command_writes_codes_and_stores_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let surveys = surveys_dir(dir.path(), &[&format!("{FIXTURES}/invite.toml")]);
    let db = format!("sqlite://{}", dir.path().join("db.sqlite3").display());
    let out = dir.path().join("codes.csv");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_minyi"))
        .args([
            "invites",
            "--survey",
            "invite",
            "--district",
            "S",
            "--count",
            "25",
            "--base-url",
            "https://poll.example.cn",
            "--out",
        ])
        .arg(&out)
        .env("ROCKET_SURVEYS_DIR", &surveys)
        .env("DATABASE_URL", &db)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 26);
    assert!(lines[1].contains(",S,https://poll.example.cn/s/invite/S?code="));
    let code = lines[1].split(',').next().unwrap();
    assert_eq!(code.len(), 8);
    let store = minyi::storage::Store::open(&db).unwrap();
    assert_eq!(store.invite_counts("invite").unwrap(), (25, 0));
    // The database holds hashes, never the codes.
    let raw = std::fs::read(dir.path().join("db.sqlite3")).unwrap();
    assert!(
        !raw.windows(8).any(|w| w == code.as_bytes()),
        "a plain code was stored"
    );
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_minyi"))
        .args(["invites", "--survey", "invite", "--district", "Q", "--out"])
        .arg(&out)
        .env("ROCKET_SURVEYS_DIR", &surveys)
        .env("DATABASE_URL", &db)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("has no district `Q`; use one of: N, S"));
}

/// The invitation sample's response rate: completes over the codes issued (RR1 = RR2,
/// a code being used once, for a complete or a screen-out).
#[test]
fn the_invitation_sample_response_rate() {
    let app = app_with_codes(&["ABCD2345", "WXYZ6789", "KLMN2345", "PQRS6789"]);
    let (_, hidden) = app.form("/s/invite/N?code=ABCD2345");
    let without: Vec<&str> = hidden
        .split('&')
        .filter(|kv| !kv.starts_with("m.code"))
        .collect();
    let body = format!("{}&m.code=ABCD2345&{MINI_OK}", without.join("&"));
    assert_eq!(
        app.post_form("/s/invite/N", &body).status(),
        Status::SeeOther
    );
    let s = app.survey("invite");
    let check = minyi::dashboard::Cache::default()
        .interviewer_check(&app.store, &s)
        .unwrap();
    let n = check.invites.iter().find(|r| r.district == "N").unwrap();
    assert_eq!((n.issued, n.completes, n.not_eligible), (4, 1, 0));
    assert_eq!(n.rr1, 0.25);
}
