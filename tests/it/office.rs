//! The office dashboard: every role rule on pages, JSON, CSV, XLSX and charts; CSRF,
//! sessions, login throttling, the audit log, closing a survey, interviews, posters,
//! downloads and the token API.

use rocket::http::{ContentType, Header, Status};
use rocket::local::blocking::Client;
use serde_json::Value;

use crate::common::*;

const S: &str = "civility-2026";
const OTHER: &str = "JY";

fn app_with_data() -> TestApp {
    let app = TestApp::new();
    let s = survey(&app);
    minyi::demo::run(&app.store, &s, 120, 3).unwrap();
    app
}

fn survey(app: &TestApp) -> minyi::definition::Survey {
    app.survey(S)
}

fn signed_in(app: &TestApp, name: &str, role: &str, district: Option<&str>) -> Client {
    app.signed_in(name, role, district)
}

fn get(c: &Client, uri: &str) -> Status {
    c.get(uri.to_string()).dispatch().status()
}

fn csrf(c: &Client, page: &str) -> String {
    let html = c.get(page.to_string()).dispatch().into_string().unwrap();
    hidden_value(&html, "csrf")
}

#[test]
fn nothing_but_the_questionnaire_without_a_session() {
    let app = app_with_data();
    let anon = app.second_browser();
    for uri in [
        "/office",
        "/office/civility-2026",
        "/office/civility-2026/d/XC",
        "/office/civility-2026/quality",
        "/office/civility-2026/chart/heat.svg",
        "/office/civility-2026/d/XC/chart/rate_aware_campaign.svg",
        "/office/civility-2026/download/responses.csv",
        "/office/civility-2026/download/responses.xlsx",
        "/office/civility-2026/download/pack.zip",
        "/office/civility-2026/download/qr.zip",
        "/office/civility-2026/download/briefing.docx",
        "/office/civility-2026/download/briefing.pdf",
        "/office/civility-2026/download/posters.pdf",
        "/office/civility-2026/d/XC/download/posters.pdf",
        "/office/civility-2026/d/XC/download/responses.csv",
        "/office/civility-2026/d/XC/s/xc-xinhua",
        "/office/civility-2026/d/XC/c/xinhua-xfl",
        "/office/civility-2026/d/XC/download/weak_spots.csv",
        "/office/civility-2026/download/weak_spots.xlsx",
        "/office/civility-2026/chart/map_aware_campaign.svg",
        "/office/civility-2026/d/XC/chart/map_aware_campaign.png",
        "/office/civility-2026/posters",
        "/office/civility-2026/voices",
        "/office/civility-2026/voices?district=XC",
        "/office/civility-2026/interviewers",
        "/office/civility-2026/funnel",
        "/office/civility-2026/ledger",
        "/office/civility-2026/ledger.xlsx",
        "/office/civility-2026/ledger/1",
        "/office/civility-2026/ledger/new?district=XC",
        "/office/users",
        "/office/audit",
        "/office/interview",
        "/office/interview/civility-2026/XC?mode=phone",
        "/qr/civility-2026/XC.png",
    ] {
        let r = anon.get(uri).dispatch();
        assert_eq!(r.status(), Status::SeeOther, "{uri} without a session");
        let to = r.headers().get_one("Location").unwrap();
        assert!(to.starts_with("/login?next="), "{uri} → {to}");
    }
    for uri in [
        "/api/surveys/civility-2026/estimates",
        "/api/surveys/civility-2026/summary",
        "/api/surveys/civility-2026/ledger",
    ] {
        let r = anon.get(uri).dispatch();
        assert_eq!(r.status(), Status::Unauthorized, "{uri}");
        assert_eq!(r.content_type(), Some(ContentType::JSON));
        assert!(r.into_string().unwrap().contains("Bearer"));
    }
    for (uri, body) in [
        ("/office/civility-2026/close", "csrf=x"),
        ("/office/users", "csrf=x&username=x&password=y&role=admin"),
        ("/office/users/demo-admin/disable", "csrf=x"),
        ("/office/interview/civility-2026/XC?mode=phone", CIVILITY_OK),
        (
            "/office/interview/civility-2026/XC/attempt?mode=phone",
            "csrf=x&disposition=refusal",
        ),
        (
            "/office/civility-2026/voices/1/themes",
            "csrf=x&back=&theme=traffic",
        ),
        ("/office/civility-2026/ledger", "csrf=x&district=XC"),
        (
            "/office/civility-2026/ledger/1/change",
            "csrf=x&seen=1&to=in_progress&note=",
        ),
        ("/logout", "csrf=x"),
    ] {
        let r = anon
            .post(uri)
            .header(ContentType::Form)
            .body(body)
            .dispatch();
        assert_eq!(r.status(), Status::SeeOther, "POST {uri}");
    }
    // The resident's side stays open.
    assert_eq!(get(&anon, "/s/civility-2026/XC"), Status::Ok);
    assert_eq!(get(&anon, "/login"), Status::Ok);
    assert_eq!(get(&anon, "/"), Status::Ok);
}

#[test]
fn a_district_officer_sees_only_their_district() {
    let app = app_with_data();
    let d = signed_in(&app, "officer-xc", "district", Some("XC"));
    // Their own district: page, chart, CSV, XLSX, quality, posters, QR, JSON.
    for uri in [
        "/office/civility-2026/d/XC",
        "/office/civility-2026/d/XC/chart/rate_aware_campaign.svg",
        "/office/civility-2026/d/XC/download/responses.csv",
        "/office/civility-2026/d/XC/download/responses.xlsx",
        "/office/civility-2026/d/XC/download/qr.zip",
        "/office/civility-2026/d/XC/download/posters.pdf",
        "/office/civility-2026/voices?district=XC",
        "/office/civility-2026/voices?district=XC&community=xinhua-xfl&q=%E5%9E%83%E5%9C%BE",
        "/office/civility-2026/quality?district=XC",
        "/office/civility-2026/posters?district=XC",
        "/qr/civility-2026/XC.png",
        "/api/surveys/civility-2026/summary?district=XC",
        "/api/surveys/civility-2026/estimates?district=XC",
        // Down to the grid, inside their district.
        "/office/civility-2026/d/XC/s/xc-xinhua",
        "/office/civility-2026/d/XC/c/xinhua-xfl",
        "/office/civility-2026/d/XC/download/weak_spots.csv",
        "/office/civility-2026/d/XC/download/weak_spots.xlsx",
        "/office/civility-2026/d/XC/chart/map_aware_campaign.svg",
        "/office/civility-2026/d/XC/chart/map_sat_overall.png",
        "/api/surveys/civility-2026/estimates?by=street&district=XC",
        "/api/surveys/civility-2026/estimates?by=community&district=XC",
        "/api/surveys/civility-2026/estimates?by=grid&district=XC",
    ] {
        assert_eq!(get(&d, uri), Status::Ok, "{uri}");
    }
    // A street or community of their district that does not exist, or one of another
    // district reached through theirs: not found.
    for uri in [
        "/office/civility-2026/d/XC/s/jy-binjiang",
        "/office/civility-2026/d/XC/c/binjiang-wt",
        "/office/civility-2026/d/XC/c/nowhere",
    ] {
        assert_eq!(get(&d, uri), Status::NotFound, "{uri}");
    }
    // Another district, in every form.
    for uri in [
        format!("/office/civility-2026/d/{OTHER}"),
        format!("/office/civility-2026/d/{OTHER}/chart/rate_aware_campaign.svg"),
        format!("/office/civility-2026/d/{OTHER}/download/responses.csv"),
        format!("/office/civility-2026/d/{OTHER}/download/responses.xlsx"),
        format!("/office/civility-2026/d/{OTHER}/download/qr.zip"),
        format!("/office/civility-2026/d/{OTHER}/download/posters.pdf"),
        format!("/office/civility-2026/voices?district={OTHER}"),
        format!("/office/civility-2026/quality?district={OTHER}"),
        format!("/office/civility-2026/posters?district={OTHER}"),
        format!("/qr/civility-2026/{OTHER}.png"),
        format!("/api/surveys/civility-2026/summary?district={OTHER}"),
        format!("/api/surveys/civility-2026/estimates?district={OTHER}"),
        format!("/office/civility-2026/d/{OTHER}/s/jy-binjiang"),
        format!("/office/civility-2026/d/{OTHER}/c/binjiang-wt"),
        format!("/office/civility-2026/d/{OTHER}/download/weak_spots.csv"),
        format!("/office/civility-2026/d/{OTHER}/download/weak_spots.xlsx"),
        format!("/office/civility-2026/d/{OTHER}/chart/map_aware_campaign.svg"),
        format!("/api/surveys/civility-2026/estimates?by=community&district={OTHER}"),
        // City-wide figures include other districts.
        "/office/civility-2026/chart/map_aware_campaign.svg".into(),
        "/office/civility-2026/download/weak_spots.csv".into(),
        "/office/civility-2026/chart/heat.svg".into(),
        "/office/civility-2026/chart/rate_aware_campaign.svg".into(),
        "/office/civility-2026/download/responses.csv".into(),
        "/office/civility-2026/download/responses.xlsx".into(),
        "/office/civility-2026/download/pack.zip".into(),
        "/office/civility-2026/download/briefing.docx".into(),
        "/office/civility-2026/download/briefing.pdf".into(),
        "/office/civility-2026/download/posters.pdf".into(),
        "/office/civility-2026/voices".into(),
        "/office/civility-2026/quality".into(),
        "/office/civility-2026/posters".into(),
        "/api/surveys/civility-2026/summary".into(),
        "/api/surveys/civility-2026/estimates?by=city".into(),
        "/office/users".into(),
        "/office/audit".into(),
        "/office/interview".into(),
    ] {
        assert_eq!(get(&d, &uri), Status::Forbidden, "{uri}");
    }
    // The survey page is their district's page.
    let r = d.get("/office/civility-2026").dispatch();
    assert_eq!(r.status(), Status::SeeOther);
    assert!(r
        .headers()
        .get_one("Location")
        .unwrap()
        .starts_with("/office/civility-2026/d/XC"));
    // Their page names no other district's figures, their export holds only theirs.
    let page = d
        .get("/office/civility-2026/d/XC")
        .dispatch()
        .into_string()
        .unwrap();
    assert!(page.contains("新华区") || page.contains("XC"));
    assert!(!page.contains("/d/JY"), "links to another district");
    let csv = d
        .get("/office/civility-2026/d/XC/download/responses.csv")
        .dispatch()
        .into_string()
        .unwrap();
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let col = rdr
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "district")
        .unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| &r[col] == "XC"));
    // Estimates without a district: theirs only.
    let v: Value = serde_json::from_str(
        &d.get("/api/surveys/civility-2026/estimates")
            .dispatch()
            .into_string()
            .unwrap(),
    )
    .unwrap();
    let groups: Vec<&str> = v["estimates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["group"].as_str().unwrap())
        .collect();
    assert!(!groups.is_empty());
    assert!(groups.iter().all(|g| *g == "XC"), "{groups:?}");
}

#[test]
fn an_interviewer_enters_interviews_and_sees_no_results() {
    let app = app_with_data();
    let i = signed_in(&app, "caller-1", "interviewer", None);
    for uri in [
        "/office/civility-2026",
        "/office/civility-2026/d/XC",
        "/office/civility-2026/download/responses.csv",
        "/office/civility-2026/d/XC/download/responses.csv",
        "/office/civility-2026/chart/progress.svg",
        "/api/surveys/civility-2026/estimates",
        "/api/surveys/civility-2026/summary?district=XC",
        "/office/civility-2026/quality?district=XC",
        "/office/civility-2026/d/XC/s/xc-xinhua",
        "/office/civility-2026/d/XC/c/xinhua-xfl",
        "/office/civility-2026/d/XC/download/weak_spots.csv",
        "/office/civility-2026/download/weak_spots.xlsx",
        "/office/civility-2026/chart/map_aware_campaign.svg",
        "/office/civility-2026/d/XC/chart/map_aware_campaign.png",
        "/api/surveys/civility-2026/estimates?by=grid&district=XC",
        "/office/civility-2026/download/briefing.docx",
        "/office/civility-2026/download/briefing.pdf",
        "/office/civility-2026/download/posters.pdf",
        "/office/civility-2026/voices",
        "/office/civility-2026/voices?district=XC",
    ] {
        assert_eq!(get(&i, uri), Status::Forbidden, "{uri}");
    }
    let form = "/office/interview/civility-2026/XC?mode=phone&lang=zh";
    let html = i.get(form).dispatch().into_string().unwrap();
    assert!(html.contains("电话访问") && html.contains("caller-1"));
    let hidden = ["m.key", "m.t", "m.lang", "m.ch", "m.csrf"]
        .iter()
        .map(|n| format!("{n}={}", hidden_value(&html, n)))
        .collect::<Vec<_>>()
        .join("&");
    let before = app.rows(S).len();
    // Without the CSRF token: refused, nothing stored.
    let no_csrf = hidden
        .split('&')
        .filter(|p| !p.starts_with("m.csrf"))
        .collect::<Vec<_>>()
        .join("&");
    let r = i
        .post(form)
        .header(ContentType::Form)
        .body(format!("{no_csrf}&{CIVILITY_OK}"))
        .dispatch();
    assert_eq!(r.status(), Status::Forbidden);
    assert_eq!(app.rows(S).len(), before);
    // The form asks where the resident lives, as the questionnaire does.
    assert!(html.contains("<optgroup label=\"新城区 · 新华街道\">"));
    let r = i
        .post(form)
        .header(ContentType::Form)
        .body(format!("{hidden}&{CIVILITY_OK}&community=chengguan-dm"))
        .dispatch();
    assert_eq!(r.status(), Status::SeeOther);
    assert!(r.headers().get_one("Location").unwrap().contains("saved="));
    let rows = app.rows(S);
    assert_eq!(rows.len(), before + 1);
    let last = rows.last().unwrap();
    assert_eq!(last.channel, "phone");
    assert_eq!(last.interviewer.as_deref(), Some("caller-1"));
    assert_eq!(last.residence_community.as_deref(), Some("chengguan-dm"));
    assert_eq!(
        last.collection_community, None,
        "the interview's place is the district"
    );
    // The next interview starts from a fresh form that says the last one was saved.
    let next = i
        .get(r.headers().get_one("Location").unwrap().to_string())
        .dispatch()
        .into_string()
        .unwrap();
    assert!(next.contains("已保存"));
    // Invalid answers come back at the field, nothing stored.
    let html = i.get(form).dispatch().into_string().unwrap();
    let hidden = ["m.key", "m.t", "m.lang", "m.ch", "m.csrf"]
        .iter()
        .map(|n| format!("{n}={}", hidden_value(&html, n)))
        .collect::<Vec<_>>()
        .join("&");
    let r = i
        .post(form)
        .header(ContentType::Form)
        .body(format!("{hidden}&district=XC"))
        .dispatch();
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert_eq!(app.rows(S).len(), before + 1);

    // The mode is a filter and a domain of the estimates.
    let admin = signed_in(&app, "boss", "admin", None);
    let v: Value = serde_json::from_str(
        &admin
            .get("/api/surveys/civility-2026/summary?mode=phone")
            .dispatch()
            .into_string()
            .unwrap(),
    )
    .unwrap();
    let phone_rows = app
        .rows(S)
        .iter()
        .filter(|r| r.channel == "phone" && r.wave == 2 && r.status == "complete")
        .count();
    let total: u64 = v["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["total"].as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, phone_rows);
    assert!(v["collection"].as_str().unwrap().contains("电话访问"));
}

#[test]
fn viewers_read_everything_and_change_nothing() {
    let app = app_with_data();
    let v = signed_in(&app, "reader", "viewer", None);
    for uri in [
        "/office",
        "/office/civility-2026",
        "/office/civility-2026/d/JY",
        "/office/civility-2026/quality",
        "/office/civility-2026/chart/heat.svg",
        "/office/civility-2026/download/responses.xlsx",
        "/office/civility-2026/download/briefing.pdf",
        "/office/civility-2026/download/posters.pdf",
        "/office/civility-2026/voices",
        "/api/surveys/civility-2026/estimates?by=city",
    ] {
        assert_eq!(get(&v, uri), Status::Ok, "{uri}");
    }
    for uri in ["/office/users", "/office/audit", "/office/interview"] {
        assert_eq!(get(&v, uri), Status::Forbidden, "{uri}");
    }
    let token = csrf(&v, "/office/civility-2026");
    let r = v
        .post("/office/civility-2026/close")
        .header(ContentType::Form)
        .body(format!("csrf={token}"))
        .dispatch();
    assert_eq!(r.status(), Status::Forbidden);
    assert!(app.store.closure(S).unwrap().is_none());
}

#[test]
fn an_admin_closes_a_survey_and_the_audit_log_shows_it() {
    let app = app_with_data();
    let a = signed_in(&app, "chief", "admin", None);
    // A forged form (no or wrong token) does nothing.
    for body in ["", "csrf=forged"] {
        let r = a
            .post("/office/civility-2026/close")
            .header(ContentType::Form)
            .body(body)
            .dispatch();
        assert!(
            matches!(r.status(), Status::Forbidden | Status::UnprocessableEntity),
            "{body}: {}",
            r.status()
        );
    }
    assert!(app.store.closure(S).unwrap().is_none());
    let token = csrf(&a, "/office/civility-2026");
    let r = a
        .post("/office/civility-2026/close")
        .header(ContentType::Form)
        .body(format!("csrf={token}"))
        .dispatch();
    assert_eq!(r.status(), Status::SeeOther);
    assert!(app.store.closure(S).unwrap().is_some());
    // Residents now get the closed page, the intake API 410.
    let resident = app.second_browser();
    assert_eq!(get(&resident, "/s/civility-2026/XC"), Status::Gone);
    let r = resident
        .post("/api/surveys/civility-2026/responses")
        .header(ContentType::JSON)
        .header(app.bearer())
        .body(r#"{"district":"XC","submission_key":"k1","answers":{}}"#)
        .dispatch();
    assert_eq!(r.status(), Status::Gone);
    // Exports are logged too, with their row count once the whole file is sent.
    let csv = a
        .get("/office/civility-2026/download/responses.csv")
        .dispatch();
    assert_eq!(csv.status(), Status::Ok);
    let rows = csv.into_string().unwrap().lines().count() - 1;
    let log = a.get("/office/audit").dispatch().into_string().unwrap();
    for needle in ["close_survey", "login", "export", "chief"] {
        assert!(log.contains(needle), "audit log lacks {needle}");
    }
    assert!(
        log.contains(&format!(
            "civility-2026 all responses.csv ({rows} responses)"
        )),
        "the export is logged with its rows"
    );
    let actions: Vec<String> = app
        .store
        .audit_log(100)
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert!(actions.contains(&"close_survey".to_string()));
}

#[test]
fn admins_manage_users_and_a_disabled_user_is_out_at_once() {
    let app = app_with_data();
    let a = signed_in(&app, "chief", "admin", None);
    let d = signed_in(&app, "officer-jy", "district", Some("JY"));
    assert_eq!(get(&d, "/office/civility-2026/d/JY"), Status::Ok);
    let token = csrf(&a, "/office/users");
    // Add a user through the form; a bad one comes back with the reason.
    let r = a
        .post("/office/users")
        .header(ContentType::Form)
        .body(format!(
            "csrf={token}&username=new-viewer&password=short&role=viewer&district="
        ))
        .dispatch();
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert!(r.into_string().unwrap().contains("at least 10"));
    let r = a
        .post("/office/users")
        .header(ContentType::Form)
        .body(format!(
            "csrf={token}&username=officer-2&password=0123456789aB&role=district&district=NOPE"
        ))
        .dispatch();
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let r = a
        .post("/office/users")
        .header(ContentType::Form)
        .body(format!(
            "csrf={token}&username=new-viewer&password=0123456789aB&role=viewer&district="
        ))
        .dispatch();
    assert_eq!(r.status(), Status::SeeOther);
    let u = app.store.user_by_name("new-viewer").unwrap().unwrap();
    assert!(u.password_hash.starts_with("$argon2id$"));
    // Disable the district officer: their open session stops working.
    let r = a
        .post("/office/users/officer-jy/disable")
        .header(ContentType::Form)
        .body(format!("csrf={token}"))
        .dispatch();
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(get(&d, "/office/civility-2026/d/JY"), Status::SeeOther);
    let log: Vec<String> = app
        .store
        .audit_log(100)
        .unwrap()
        .into_iter()
        .map(|r| format!("{} {}", r.action, r.detail))
        .collect();
    assert!(log.iter().any(|l| l.starts_with("user_add new-viewer")));
    assert!(log.iter().any(|l| l == "user_disable officer-jy"));
}

#[test]
fn failed_logins_are_throttled_and_logged() {
    let app = app_with_data();
    let s = survey(&app);
    minyi::accounts::add_user(
        &app.store,
        &minyi::accounts::PasswordRules::default(),
        &[&s],
        "target",
        "the right password 1",
        "viewer",
        None,
    )
    .unwrap();
    let b = app.second_browser();
    let try_login = |pw: &str| login_form(&b, &format!("username=target&password={pw}")).status();
    // An unknown user gets the same answer as a wrong password.
    {
        let r = login_form(&b, "username=nobody&password=whatever12345");
        assert_eq!(r.status(), Status::Unauthorized);
        assert!(r.into_string().unwrap().contains("用户名或密码不正确"));
    }
    for _ in 0..4 {
        assert_eq!(try_login("wrong+password"), Status::Unauthorized);
    }
    // Now even the right password waits.
    assert_eq!(try_login("the+right+password+1"), Status::TooManyRequests);
    let failures = app
        .store
        .audit_log(100)
        .unwrap()
        .into_iter()
        .filter(|r| r.action == "login_failed" && r.actor == "target")
        .count();
    assert_eq!(failures, 4);
    // A mistyped username may be a password: it is never written to the log.
    let log = app.store.audit_log(100).unwrap();
    assert!(log.iter().all(|r| r.actor != "nobody"));
    assert!(log
        .iter()
        .any(|r| r.actor == "(unknown username)" && r.action == "login_failed"));
    // The source is paused too: another username from it waits as well.
    let r = login_form(&b, "username=nobody&password=whatever12345");
    assert_eq!(r.status(), Status::TooManyRequests);
}

#[test]
fn session_cookie_is_private_httponly_and_logout_needs_the_token() {
    let app = app_with_data();
    let s = survey(&app);
    add_account(&app.store, &[&s], "v1", "viewer", None);
    let b = app.second_browser();
    // Without the sign-in form's token (a cross-site form): refused, nobody signed in.
    let r = b
        .post("/login")
        .header(ContentType::Form)
        .body("username=v1&password=a+long+password+1")
        .dispatch();
    assert_eq!(r.status(), Status::Forbidden);
    assert!(r
        .headers()
        .get("Set-Cookie")
        .all(|c| !c.starts_with("minyi_session=")));
    let r = login_form(
        &b,
        "username=v1&password=a+long+password+1&next=//evil.example/",
    );
    assert_eq!(
        r.headers().get_one("Location"),
        Some("/office"),
        "no open redirect"
    );
    let cookie = r
        .headers()
        .get("Set-Cookie")
        .find(|c| c.starts_with("minyi_session="))
        .unwrap()
        .to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    // The plain value is `id|nonce|expiry`; encrypted, no `|` is left to see (checking
    // for the username instead failed now and then: base64 can spell "v1").
    let value = cookie.split(';').next().unwrap();
    assert!(
        !value.contains('|') && !value.contains("%7C"),
        "the cookie is encrypted: {cookie}"
    );
    let r = b
        .post("/logout")
        .header(ContentType::Form)
        .body("csrf=forged")
        .dispatch();
    assert_eq!(r.status(), Status::Forbidden);
    assert_eq!(get(&b, "/office"), Status::Ok);
    // A copy of the cookie (another machine, a stolen one) works until sign-out ...
    let copied = b.cookies().get("minyi_session").cloned().unwrap();
    let thief = app.second_browser();
    let with_copy = |c: &rocket::http::Cookie<'static>| {
        thief.get("/office").cookie(c.clone()).dispatch().status()
    };
    assert_eq!(with_copy(&copied), Status::Ok);
    let token = csrf(&b, "/office");
    let r = b
        .post("/logout")
        .header(ContentType::Form)
        .body(format!("csrf={token}"))
        .dispatch();
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(get(&b, "/office"), Status::SeeOther);
    // ... and not after: signing out ends the session itself, not just this cookie.
    assert_eq!(with_copy(&copied), Status::SeeOther);
}

#[test]
fn dashboard_figures_are_the_stats_engine_figures() {
    // Enough responses in every census cell to rake.
    let app = TestApp::new();
    minyi::demo::run(&app.store, &survey(&app), 900, 5).unwrap();
    let s = survey(&app);
    let a = signed_in(&app, "chief", "admin", None);
    let v: Value = serde_json::from_str(
        &a.get("/api/surveys/civility-2026/estimates?by=district&wave=2")
            .dispatch()
            .into_string()
            .unwrap(),
    )
    .unwrap();
    // The same rows through export → dataset → stats, as `minyi stats` does.
    let rows: Vec<_> = app.rows(S).into_iter().filter(|r| r.wave == 2).collect();
    let mut csv = Vec::new();
    minyi::export::write_csv(&s, &rows, &mut csv).unwrap();
    let data = minyi::dataset::read_csv(&s, "x", csv.as_slice()).unwrap();
    // The convenience sample (`minyi stats`' default): the household sample's
    // interviews are estimated apart.
    let (data, excluded) = minyi::figures::convenience_rows(&data).without_flagged();
    let census = minyi::stats::Census::from_survey(&s);
    let opts = minyi::stats::Options {
        by: vec!["district".into()],
        ..Default::default()
    };
    let r = minyi::stats::analyse(&s, &data, census.as_ref(), &opts).unwrap();
    assert_eq!(v["weighting"], "rake");
    assert_eq!(
        v["excluded"]["responses"].as_u64().unwrap() as usize,
        excluded.responses
    );
    assert!(
        excluded.responses > 0,
        "the demo data has flagged responses"
    );
    let got = v["estimates"].as_array().unwrap();
    let mut compared = 0;
    for e in r.estimates.iter().filter(|e| e.domain == "district") {
        let g = got
            .iter()
            .find(|x| {
                x["indicator"] == e.indicator.as_str()
                    && x["group"] == e.group.as_str()
                    && x["kind"] == serde_json::to_value(e.kind).unwrap()
            })
            .unwrap_or_else(|| panic!("{} {} missing", e.indicator, e.group));
        assert!((g["estimate"].as_f64().unwrap() - e.estimate).abs() < 1e-12);
        assert!((g["se"].as_f64().unwrap() - e.se).abs() < 1e-12);
        compared += 1;
    }
    assert!(compared > 50);
    // The survey page shows the city rate of the first awareness question with its interval.
    let city = r
        .estimates
        .iter()
        .find(|e| {
            e.indicator == "aware_campaign"
                && e.group == "ALL"
                && e.kind == minyi::stats::EstimateKind::Proportion
        })
        .unwrap();
    let page = a
        .get("/office/civility-2026?wave=2")
        .dispatch()
        .into_string()
        .unwrap();
    assert!(page.contains(&format!("{:.1}%", city.estimate * 100.0)));
    assert!(page.contains(&format!(
        "{:.1}%–{:.1}%",
        city.ci_low.unwrap() * 100.0,
        city.ci_high.unwrap() * 100.0
    )));
    // How the figures were collected and what was left out, on the page.
    assert!(page.contains("收集方式") && page.contains("未纳入估计"));
}

#[test]
fn the_page_refreshes_without_reload_and_works_without_javascript() {
    let app = app_with_data();
    let a = signed_in(&app, "chief", "admin", None);
    let page = a
        .get("/office/civility-2026")
        .dispatch()
        .into_string()
        .unwrap();
    assert!(page.contains("data-live=\"/api/surveys/civility-2026/summary"));
    assert!(page.contains("http-equiv=\"refresh\""), "noscript fallback");
    let total = |a: &Client| -> u64 {
        let v: Value = serde_json::from_str(
            &a.get("/api/surveys/civility-2026/summary")
                .dispatch()
                .into_string()
                .unwrap(),
        )
        .unwrap();
        v["counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["total"].as_u64().unwrap())
            .sum()
    };
    let before = total(&a);
    assert_eq!(
        app.submit_as_new_browser("/s/civility-2026/XC", CIVILITY_OK),
        Status::SeeOther
    );
    assert_eq!(total(&a), before + 1, "the new response counts at once");
    let v: Value = serde_json::from_str(
        &a.get("/api/surveys/civility-2026/summary?wave=1")
            .dispatch()
            .into_string()
            .unwrap(),
    )
    .unwrap();
    let xc = v["counts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["district"] == "XC")
        .unwrap();
    assert_eq!(xc["today"].as_u64().unwrap(), 0, "wave 1 was a month ago");
}

#[test]
fn token_api_follows_the_users_role() {
    let app = app_with_data();
    let s = survey(&app);
    let uid = add_account(&app.store, &[&s], "platform", "district", Some("XC"));
    let (token, hash) = minyi::accounts::new_token();
    app.store.add_token(uid, &hash, "city platform").unwrap();
    let c = app.second_browser();
    let call = |uri: &str, t: &str| {
        let r = c
            .get(uri.to_string())
            .header(Header::new("Authorization", format!("Bearer {t}")))
            .dispatch();
        (r.status(), r.into_string().unwrap_or_default())
    };
    let (st, body) = call("/api/surveys/civility-2026/estimates?by=community", &token);
    assert_eq!(st, Status::Ok);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert!(v["estimates"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["group"].as_str().unwrap().starts_with("XC/")));
    assert_eq!(
        call("/api/surveys/civility-2026/estimates?district=JY", &token).0,
        Status::Forbidden
    );
    assert_eq!(
        call("/api/surveys/civility-2026/estimates", "minyi_forged").0,
        Status::Unauthorized
    );
    assert_eq!(
        call("/api/surveys/civility-2026/estimates?by=bogus", &token).0,
        Status::BadRequest
    );
    assert_eq!(
        call("/api/surveys/nope/estimates", &token).0,
        Status::NotFound
    );
    // Tokens do not open the HTML pages (no CSRF protection there for them).
    let r = c
        .get("/office/civility-2026/d/XC")
        .header(Header::new("Authorization", format!("Bearer {token}")))
        .dispatch();
    assert_eq!(r.status(), Status::SeeOther);
    app.store.set_disabled("platform", true).unwrap();
    assert_eq!(
        call("/api/surveys/civility-2026/estimates", &token).0,
        Status::Unauthorized
    );
    // The OpenAPI document names every API route the server has, with its method.
    let doc: Value = serde_json::from_str(&call("/api/openapi.json", "").1).unwrap();
    // Parameters are compared by place, not name: /api/surveys/<survey> is {id} there.
    let shape = |p: &str| -> String {
        p.split('/')
            .map(|seg| {
                if seg.starts_with('<') || seg.starts_with('{') {
                    "{}"
                } else {
                    seg
                }
            })
            .collect::<Vec<_>>()
            .join("/")
    };
    let documented: std::collections::HashMap<String, &Value> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(p, v)| (shape(p), v))
        .collect();
    let mut api = 0;
    for route in app.client.rocket().routes() {
        let path = route.uri.path().to_string();
        if !path.starts_with("/api/") {
            continue;
        }
        let method = route.method.as_str().to_ascii_lowercase();
        assert!(
            documented
                .get(&shape(&path))
                .is_some_and(|v| v[&method].is_object()),
            "{method} {path} is not in openapi.json"
        );
        api += 1;
    }
    assert!(api >= 6, "only {api} API routes found");
}

/// The pace to the evaluation date on the survey page, the district page (its
/// communities) and in the summary API, each officer seeing their own district only.
#[test]
fn pace_to_the_evaluation_date() {
    let app = app_with_data();
    let s = survey(&app);
    let eval = s
        .evaluation_date
        .expect("the example survey has an evaluation date");
    let a = signed_in(&app, "chief", "admin", None);
    let html = a
        .get("/office/civility-2026")
        .dispatch()
        .into_string()
        .unwrap();
    assert!(html.contains("距测评验收日的进度") && html.contains(&eval.to_string()));
    // The reach of the multiple-choice question's options, with intervals.
    assert!(html.contains("多选题：各选项选择比例") && html.contains("志愿服务"));
    let html = a
        .get("/office/civility-2026/d/XC")
        .dispatch()
        .into_string()
        .unwrap();
    assert!(html.contains("距测评验收日的进度") && html.contains("近7天日均"));
    let j: serde_json::Value = serde_json::from_str(
        &a.get("/api/surveys/civility-2026/summary")
            .dispatch()
            .into_string()
            .unwrap(),
    )
    .unwrap();
    let pace = &j["pace"];
    let today = chrono::Local::now().date_naive();
    assert_eq!(pace["days_left"], (eval - today).num_days().max(0));
    // Completes are the counted responses of the wave: collected minus flagged, in
    // every district (the demo's wave has responses in each, so the loop is not empty).
    let counts = j["counts"].as_array().unwrap();
    assert_eq!(counts.len(), 6, "one count per district");
    assert!(counts.iter().all(|c| c["total"].as_u64().unwrap() > 0));
    for c in counts {
        let d = c["district"].as_str().unwrap();
        let row = pace["districts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["district"] == d)
            .unwrap();
        let counted = c["total"].as_u64().unwrap() - c["flagged"].as_u64().unwrap();
        assert_eq!(row["completes"].as_u64().unwrap(), counted, "{d}");
        let projected = row["completes"].as_f64().unwrap()
            + row["per_day_last_7"].as_f64().unwrap() * pace["days_left"].as_f64().unwrap();
        assert!((row["projected"].as_f64().unwrap() - projected).abs() < 1e-9);
    }
    let d = signed_in(&app, "officer-xc", "district", Some("XC"));
    let j: serde_json::Value = serde_json::from_str(
        &d.get("/api/surveys/civility-2026/summary?district=XC")
            .dispatch()
            .into_string()
            .unwrap(),
    )
    .unwrap();
    let districts = j["pace"]["districts"].as_array().unwrap();
    assert_eq!(districts.len(), 1);
    assert!(j["pace"]["communities"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["district"] == "XC"));
}

/// The open answers, newest first and masked, searchable and paged without
/// JavaScript, with the themes their words propose and a count per district.
#[test]
fn residents_voices_masked_searchable_and_paged() {
    let app = app_with_data();
    let say = |text: &str| {
        let body = CIVILITY_OK.replace(
            "suggestion=",
            &format!(
                "suggestion={}",
                form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>()
            ),
        );
        assert_eq!(
            app.submit_as_new_browser("/s/civility-2026/XC", &body),
            Status::SeeOther
        );
    };
    // More than a page of answers in one district.
    for i in 0..minyi::dashboard::voices::PER_PAGE {
        say(&format!("第{i}条：公交车班次太少"));
    }
    let text = "我家楼下垃圾没人清理，电话13912345678";
    say(text);
    let a = signed_in(&app, "chief", "admin", None);
    let html = a
        .get("/office/civility-2026/voices?district=XC")
        .dispatch()
        .into_string()
        .unwrap();
    let answers = |html: &str| -> Vec<String> {
        html.split("<li><p>")
            .skip(1)
            .map(|x| x.split("</p>").next().unwrap().to_string())
            .collect()
    };
    let first = answers(&html);
    assert_eq!(
        first[0], "我家楼下垃圾没人清理，电话139****5678",
        "newest first, masked"
    );
    assert!(!html.contains("13912345678"));
    assert!(
        html.contains("主题：环境卫生"),
        "the theme its words propose"
    );
    // Every answer of the district, from storage.
    let stored: Vec<String> = app
        .rows(S)
        .iter()
        .filter(|r| r.status == "complete" && r.district == "XC")
        .filter_map(|r| {
            let v: serde_json::Value = serde_json::from_str(&r.answers).unwrap();
            v["suggestion"]
                .as_str()
                .filter(|t| !t.is_empty())
                .map(String::from)
        })
        .collect();
    assert!(
        stored.len() > minyi::dashboard::voices::PER_PAGE,
        "{}",
        stored.len()
    );
    assert_eq!(first.len(), minyi::dashboard::voices::PER_PAGE);
    // The next page goes on where the first stopped; together they hold every answer.
    let mut all = first.clone();
    let mut page = html;
    while let Some(next) = page
        .split("href=\"")
        .skip(1)
        .map(|x| x.split('"').next().unwrap())
        .find(|x| x.contains("before="))
        .map(|x| x.replace("&amp;", "&"))
    {
        page = a.get(next).dispatch().into_string().unwrap();
        all.extend(answers(&page));
    }
    assert_eq!(all.len(), stored.len(), "every answer once");
    // The theme table counts the district's answers.
    assert!(page.contains(&format!("<td class=\"n\">{}</td>", stored.len())));
    // Search without JavaScript: a GET form; every answer found has the word.
    let found = answers(
        &a.get("/office/civility-2026/voices?district=XC&q=%E5%9E%83%E5%9C%BE")
            .dispatch()
            .into_string()
            .unwrap(),
    );
    assert!(!found.is_empty() && found.iter().all(|t| t.contains("垃圾")));
    let expected = stored.iter().filter(|t| t.contains("垃圾")).count();
    assert_eq!(
        found.len(),
        expected.min(minyi::dashboard::voices::PER_PAGE)
    );
    // Office staff confirm or change the themes of an answer: recorded with who,
    // the newest confirmation counts; viewers and other districts' officers cannot.
    let newest = app
        .rows(S)
        .iter()
        .filter(|r| r.district == "XC" && !r.answers.contains("13912345678"))
        .filter(|r| r.answers.contains("139****5678"))
        .map(|r| r.id)
        .max()
        .unwrap();
    let token = csrf(&a, "/office/civility-2026/voices?district=XC");
    let confirm = |c: &Client, token: &str, body: &str| {
        c.post(format!("/office/civility-2026/voices/{newest}/themes"))
            .header(ContentType::Form)
            .body(format!("csrf={token}&back=district%3DXC&{body}"))
            .dispatch()
            .status()
    };
    assert_eq!(
        confirm(&a, &token, "theme=sanitation&theme=security"),
        Status::SeeOther
    );
    assert_eq!(confirm(&a, &token, "theme=sanitation"), Status::SeeOther);
    assert_eq!(confirm(&a, &token, "theme=nonsense"), Status::BadRequest);
    let html = a
        .get("/office/civility-2026/voices?district=XC")
        .dispatch()
        .into_string()
        .unwrap();
    let first = html.split("<li><p>").nth(1).unwrap();
    assert!(
        first.contains("已确认：chief") && first.contains("主题：环境卫生 "),
        "the newest confirmation"
    );
    assert!(!first.split("</p>").nth(1).unwrap().contains("社会治安 ·"));
    let viewer = signed_in(&app, "reader", "viewer", None);
    let vt = csrf(&viewer, "/office/civility-2026/voices?district=XC");
    assert_eq!(confirm(&viewer, &vt, "theme=traffic"), Status::Forbidden);
    let other = signed_in(&app, "officer-jy", "district", Some(OTHER));
    let ot = csrf(
        &other,
        &format!("/office/civility-2026/voices?district={OTHER}"),
    );
    assert_eq!(confirm(&other, &ot, "theme=traffic"), Status::Forbidden);
    assert_eq!(
        app.store.confirmed_themes(S).unwrap()[&newest].0,
        "sanitation"
    );
    // A community without its district is refused in words.
    let r = a
        .get("/office/civility-2026/voices?community=xinhua-xfl")
        .dispatch();
    assert_eq!(r.status(), Status::BadRequest);
}

/// The demo's coaching interviewer is flagged, the other is not; district officers
/// and interviewers do not see the check.
#[test]
fn interviewer_check_flags_the_coaching_interviewer_and_no_other() {
    let app = TestApp::new();
    let s = survey(&app);
    minyi::demo::run(&app.store, &s, 1500, 3).unwrap();
    let a = signed_in(&app, "chief", "admin", None);
    let html = a
        .get("/office/civility-2026/interviewers")
        .dispatch()
        .into_string()
        .unwrap();
    assert!(html.contains("访员核查"));
    let check = minyi::dashboard::Cache::default()
        .interviewer_check(&app.store, &s)
        .unwrap();
    let flagged: Vec<&str> = check
        .rows
        .iter()
        .filter(|r| r.flagged)
        .map(|r| r.interviewer.as_str())
        .collect();
    assert_eq!(flagged, [minyi::demo::COACH], "{:#?}", check.rows);
    assert!(html.contains(&format!("需要核实：{}", minyi::demo::COACH)));
    // The demo's crowd at one poster within one hour is flagged, and it alone.
    let flagged_points: Vec<&minyi::dashboard::interviewers::PointRow> =
        check.points.iter().filter(|p| p.flagged).collect();
    assert_eq!(flagged_points.len(), 1, "{:#?}", check.points);
    assert!(flagged_points[0].responses >= 15);
    assert!(check.points_tested >= 1);
    assert!(html.contains("同一调查点同一小时的扫码问卷"));
    let normal = check
        .rows
        .iter()
        .find(|r| r.interviewer == "demo-interviewer")
        .unwrap();
    let c = normal.comparison.unwrap();
    assert!(c.p_value > check.threshold, "{c:?}");
    assert!(normal.interviews > 20 && normal.median_seconds.is_some());
    for (who, role, d) in [
        ("officer-xc", "district", Some("XC")),
        ("caller-1", "interviewer", None),
    ] {
        let c = signed_in(&app, who, role, d);
        assert_eq!(
            get(&c, "/office/civility-2026/interviewers"),
            Status::Forbidden
        );
    }
    let v = signed_in(&app, "reader", "viewer", None);
    assert_eq!(get(&v, "/office/civility-2026/interviewers"), Status::Ok);
    // The AAPOR rates: the demo's dispositions, counted and computed by the formulas.
    let all = check.all.as_ref().unwrap();
    let d = all.dispositions;
    let interviews = check.rows.iter().map(|r| r.interviews as u64).sum::<u64>();
    assert_eq!(d.complete, interviews);
    assert!(d.refusal > 0 && d.non_contact > 0 && d.unknown > 0);
    let by_hand = d.complete as f64
        / (d.complete + d.partial + d.refusal + d.non_contact + d.other + d.unknown) as f64;
    assert!((all.rates.rr[0] - by_hand).abs() < 1e-12);
    assert!(html.contains("RR1") && html.contains("COOP4") && html.contains("CON3"));
}

/// An interviewer records an attempt that ended without an interview; it counts in
/// the response rates, needs the form's CSRF token and a known disposition.
#[test]
fn interviewers_record_dispositions_for_the_response_rates() {
    let app = app_with_data();
    let s = survey(&app);
    let i = signed_in(&app, "caller-1", "interviewer", None);
    let page = "/office/interview/civility-2026/XC?mode=phone&lang=zh";
    let token = csrf(&i, page);
    let html = i.get(page).dispatch().into_string().unwrap();
    assert!(html.contains("记录结果") && html.contains("拒访"));
    let post = |body: String| {
        i.post("/office/interview/civility-2026/XC/attempt?mode=phone&lang=zh")
            .header(ContentType::Form)
            .body(body)
            .dispatch()
            .status()
    };
    assert_eq!(
        post(format!("csrf={token}&disposition=refusal")),
        Status::SeeOther
    );
    assert_eq!(
        post(format!("csrf={token}&disposition=non_contact")),
        Status::SeeOther
    );
    assert_eq!(
        post(format!("csrf={token}&disposition=gone_fishing")),
        Status::BadRequest
    );
    assert_eq!(
        post("csrf=wrong&disposition=refusal".into()),
        Status::Forbidden
    );
    let check = minyi::dashboard::Cache::default()
        .interviewer_check(&app.store, &s)
        .unwrap();
    let mine = check
        .by_interviewer
        .iter()
        .find(|r| r.key == "caller-1")
        .expect("the interviewer's row");
    assert_eq!(mine.dispositions.refusal, 1);
    assert_eq!(mine.dispositions.non_contact, 1);
    assert_eq!(mine.dispositions.complete, 0);
    assert_eq!(mine.rates.rr[0], 0.0);
    // Attempts are append-only, like responses.
    let refused = app.raw_sql("UPDATE interview_attempts SET disposition = 'complete'");
    assert!(refused.unwrap_err().contains("append-only"));
}

/// The funnel counts views (nobody identified), submissions, screen-outs by reason
/// and completes per collection district; officers see their own district's.
#[test]
fn the_response_funnel_counts_each_step() {
    let app = TestApp::new();
    let form = "/s/civility-2026/XC/xinhua-xfl";
    // Each test browser is a server of its own: this one shows the form three times and
    // is the one whose funnel page writes its pending views first.
    let a = signed_in(&app, "chief", "admin", None);
    for _ in 0..3 {
        assert_eq!(get(&a, form), Status::Ok);
    }
    // Two of them began answering (the page's script reports the first answer).
    for _ in 0..2 {
        let r = a
            .post("/start/civility-2026/XC/xinhua-xfl?ch=qr")
            .dispatch();
        assert_eq!(r.status(), Status::NoContent);
    }
    assert_eq!(
        a.post("/start/civility-2026/XC/nowhere")
            .dispatch()
            .status(),
        Status::NotFound
    );
    assert_eq!(
        app.submit_as_new_browser(form, CIVILITY_OK),
        Status::SeeOther
    );
    let under_18 = CIVILITY_OK.replace("age_band=a40", "age_band=u18");
    let _ = app.submit_as_new_browser(form, &under_18);
    let html = a
        .get("/office/civility-2026/funnel")
        .dispatch()
        .into_string()
        .unwrap();
    assert!(
        html.contains("应答漏斗") && html.contains("18岁以下"),
        "the reason"
    );
    let s = survey(&app);
    let f = minyi::dashboard::Cache::default()
        .funnel(&app.store, &s, None, minyi::definition::Lang::Zh)
        .unwrap();
    let (_, xc) = f.districts.iter().find(|(d, _)| d == "XC").unwrap();
    // This server's three views, written before the page was read; the two submitting
    // browsers' servers write their own view every five seconds, which may have come.
    assert!(
        (3..=5).contains(&xc.views),
        "{:?}",
        app.store.views(S).unwrap()
    );
    assert_eq!(xc.starts, 2);
    assert_eq!((xc.submitted, xc.screened_out, xc.completes), (2, 1, 1));
    assert_eq!(xc.flagged + xc.superseded + xc.counted, xc.completes);
    assert_eq!(f.reasons.len(), 1);
    assert!(f.reasons[0].0.contains("18岁以下") && f.reasons[0].1 == 1);
    let (_, all) = f.districts.last().unwrap();
    assert_eq!(all.views, xc.views);
    // Nothing about the viewer is stored: the counter's key is place, channel, day.
    let views = app.store.views(S).unwrap();
    assert!(views.iter().all(|(d, _, _, _, _)| d == "XC"));
    let d = signed_in(&app, "officer-xc", "district", Some("XC"));
    assert_eq!(
        get(&d, "/office/civility-2026/funnel?district=XC"),
        Status::Ok
    );
    assert_eq!(
        get(
            &d,
            &format!("/office/civility-2026/funnel?district={OTHER}")
        ),
        Status::Forbidden
    );
    assert_eq!(get(&d, "/office/civility-2026/funnel"), Status::Forbidden);
    let i = signed_in(&app, "caller-1", "interviewer", None);
    assert_eq!(get(&i, "/office/civility-2026/funnel"), Status::Forbidden);
}

/// A script reloading the questionnaire cannot make a district's funnel say anything:
/// views and starts beyond the per-source limit are shown the page but not counted,
/// and the funnel says how many were left out.
#[test]
fn views_beyond_the_per_source_limit_are_left_out_of_the_funnel() {
    let app = TestApp::new();
    let form = "/s/civility-2026/XC/xinhua-xfl";
    // Six a minute: a burst of three from one source, then one each ten seconds.
    let b = app.limited_browser(6);
    for _ in 0..10 {
        let r = b.get(form).dispatch();
        assert_eq!(r.status(), Status::Ok, "the page is never refused");
        assert!(r.into_string().unwrap().contains("幸福里社区"));
    }
    for _ in 0..2 {
        let r = b
            .post("/start/civility-2026/XC/xinhua-xfl?ch=qr")
            .dispatch();
        assert_eq!(r.status(), Status::NoContent);
    }
    add_account(&app.store, &[&survey(&app)], "chief", "admin", None);
    let secret = enrol_second_factor(&app.store, "chief");
    let r = login_two_steps(
        &b,
        "username=chief&password=a+long+password+1&next=/office",
        Some(&secret),
    );
    assert_eq!(r.status(), Status::SeeOther);
    // The page writes this server's counters before it reads them.
    let html = b
        .get("/office/civility-2026/funnel")
        .dispatch()
        .into_string()
        .unwrap();
    let f = minyi::dashboard::Cache::default()
        .funnel(
            &app.store,
            &survey(&app),
            Some("XC"),
            minyi::definition::Lang::Zh,
        )
        .unwrap();
    let xc = &f.districts[0].1;
    assert_eq!((xc.views, xc.starts, xc.left_out), (3, 0, 9));
    assert!(
        html.contains("<strong>9</strong> 次打开或开始作答来自同一来源"),
        "the page says how many were left out"
    );
}

#[test]
fn posters_qr_zip_and_briefing_pack() {
    let app = app_with_data();
    let s = survey(&app);
    let a = signed_in(&app, "chief", "admin", None);
    let places = minyi::qr::places(&s, "http://minyi.test", minyi::definition::Lang::Zh);
    let html = a
        .get("/office/civility-2026/posters")
        .dispatch()
        .into_string()
        .unwrap();
    assert_eq!(html.matches("<section class=\"p\"").count(), places.len());
    for p in &places {
        assert!(html.contains(&p.url), "{}", p.url);
    }
    assert!(html.contains("@page{size:A4") && html.contains("不保存IP地址"));
    let r = a.get("/office/civility-2026/download/qr.zip").dispatch();
    assert_eq!(r.content_type(), Some(ContentType::ZIP));
    let bytes = r.into_bytes().unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(zip.len(), places.len() * 2);
    let mut png = Vec::new();
    std::io::Read::read_to_end(&mut zip.by_name("XC.png").unwrap(), &mut png).unwrap();
    let img = image::load_from_memory(&png).unwrap().to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let (_, text) = prepared.detect_grids()[0].decode().unwrap();
    assert_eq!(text, "http://minyi.test/s/civility-2026/XC");
    let r = a.get("/office/civility-2026/download/pack.zip").dispatch();
    assert_eq!(r.status(), Status::Ok);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(r.into_bytes().unwrap())).unwrap();
    let names: Vec<String> = (0..zip.len())
        .map(|i| zip.by_index(i).unwrap().name().unwrap().to_string())
        .collect();
    for n in [
        "report.html",
        "briefing.xlsx",
        "briefing.docx",
        "briefing.pdf",
        "heat_table.svg",
        "progress.png",
        "table_themes.csv",
    ] {
        assert!(names.iter().any(|x| x == n), "{n} in {names:?}");
    }
    let mut report = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("report.html").unwrap(), &mut report).unwrap();
    assert!(report.contains("收集方式"));
    // Residents' voices: themes per district, and never more quotes per theme than the
    // definition lets the pack publish (voices_per_theme), masked.
    assert!(report.contains("居民心声"));
    for line in report.split("<p><strong>").skip(1) {
        let quotes = line.split("</p>").next().unwrap().matches('“').count();
        assert!(
            quotes >= 1 && quotes <= s.voices_per_theme as usize,
            "{line}"
        );
    }
    assert!(!report.contains("13812345678"));
    // The XLSX download reads back with the same rows as the CSV.
    let xlsx = a
        .get("/office/civility-2026/download/responses.xlsx")
        .dispatch()
        .into_bytes()
        .unwrap();
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    let range = calamine::Reader::worksheet_range(&mut wb, "responses").unwrap();
    let complete = app
        .rows(S)
        .iter()
        .filter(|r| r.status == "complete")
        .count();
    assert_eq!(range.height(), complete + 1);
}

#[test]
fn the_dashboard_cache_equals_a_fresh_read() {
    let app = app_with_data();
    let s = survey(&app);
    let cache = minyi::dashboard::Cache::default();
    let first = cache.load(&app.store, &s).unwrap();
    let same = cache.load(&app.store, &s).unwrap();
    assert!(
        std::sync::Arc::ptr_eq(&first, &same),
        "nothing new: nothing read"
    );
    // A new response and a supersession of an old one.
    assert_eq!(
        app.submit_as_new_browser("/s/civility-2026/XC", CIVILITY_OK),
        Status::SeeOther
    );
    let old = app.rows(S)[5].id;
    app.store
        .supersede(S, old, "entered twice by the kiosk operator")
        .unwrap();
    let cached = cache.load(&app.store, &s).unwrap();
    let fresh = minyi::dashboard::load(&app.store, &s).unwrap();
    assert_eq!(cached.tally.rows(), first.tally.rows() + 1);
    assert_eq!(cached.tally.rows(), fresh.tally.rows());
    let atoms = |t: &minyi::stats::tally::Tally| {
        let mut a: Vec<_> = t
            .atoms
            .iter()
            .map(|a| (a.key, a.rows, a.counts.clone()))
            .collect();
        a.sort();
        a
    };
    assert_eq!(
        atoms(&cached.tally),
        atoms(&fresh.tally),
        "the same aggregates"
    );
    let l = minyi::definition::Lang::Zh;
    for wave in ["1", "2"] {
        let f = minyi::dashboard::Filter {
            wave: Some(wave.into()),
            ..Default::default()
        };
        let a = minyi::dashboard::figures(&s, &cached, &f, l).unwrap();
        let b = minyi::dashboard::figures(&s, &fresh, &f, l).unwrap();
        assert_eq!(a.excluded, b.excluded);
        let est = |x: &minyi::dashboard::Figures| {
            serde_json::to_string(&x.report.as_ref().unwrap().estimates).unwrap()
        };
        assert_eq!(est(&a), est(&b), "wave {wave}");
    }
    let superseded =
        |t: &minyi::stats::tally::Tally| t.exclusions(&|_| true).by_flag.get("superseded").copied();
    assert_eq!(superseded(&cached.tally), Some(1));
    assert_eq!(superseded(&cached.tally), superseded(&fresh.tally));
}

#[test]
fn users_change_their_own_password() {
    let app = app_with_data();
    let d = signed_in(&app, "officer-dh", "district", Some("DH"));
    let token = csrf(&d, "/office/password");
    let post = |body: String| {
        d.post("/office/password")
            .header(ContentType::Form)
            .body(body)
            .dispatch()
            .status()
    };
    let form = |current: &str, new: &str, again: &str| {
        format!("csrf={token}&current={current}&new={new}&again={again}")
    };
    assert_eq!(
        post(form(
            "wrong+password",
            "a+new+password+2",
            "a+new+password+2"
        )),
        Status::UnprocessableEntity
    );
    assert_eq!(
        post(form(
            "a+long+password+1",
            "a+new+password+2",
            "a+new+password+3"
        )),
        Status::UnprocessableEntity
    );
    assert_eq!(
        post(form("a+long+password+1", "short", "short")),
        Status::UnprocessableEntity
    );
    assert_eq!(
        post(
            "csrf=forged&current=a+long+password+1&new=a+new+password+2&again=a+new+password+2"
                .to_string()
        ),
        Status::Forbidden
    );
    assert_eq!(
        post(form(
            "a+long+password+1",
            "a+new+password+2",
            "a+new+password+2"
        )),
        Status::Ok
    );
    let login = |pw: &str| {
        let c = app.second_browser();
        let status = login_form(&c, &format!("username=officer-dh&password={pw}")).status();
        status
    };
    assert_eq!(login("a+long+password+1"), Status::Unauthorized);
    assert_eq!(login("a+new+password+2"), Status::SeeOther);
    assert!(app
        .store
        .audit_log(50)
        .unwrap()
        .iter()
        .any(|r| r.action == "user_passwd" && r.actor == "officer-dh"));
}

#[test]
fn bad_filters_and_names_get_clear_answers() {
    let app = app_with_data();
    let a = signed_in(&app, "chief", "admin", None);
    for (uri, status, says) in [
        (
            "/office/civility-2026?wave=9",
            Status::BadRequest,
            "wave `9` has no responses",
        ),
        (
            "/office/civility-2026?mode=fax",
            Status::BadRequest,
            "`fax` is not a collection mode",
        ),
        (
            "/office/civility-2026?community=nowhere",
            Status::BadRequest,
            "`nowhere` is not a collection point",
        ),
        (
            "/office/civility-2026/d/ZZ",
            Status::NotFound,
            "district `ZZ` is not in survey",
        ),
        (
            "/office/nope",
            Status::NotFound,
            "survey `nope` does not exist",
        ),
        (
            "/office/civility-2026/chart/pie.svg",
            Status::NotFound,
            "no chart `pie.svg`",
        ),
        (
            "/office/civility-2026/download/everything.pdf",
            Status::NotFound,
            "no download `everything.pdf`",
        ),
        (
            "/api/surveys/civility-2026/estimates?wave=x",
            Status::BadRequest,
            "wave `x` has no responses",
        ),
        (
            "/office/interview/civility-2026/XC?mode=fax",
            Status::BadRequest,
            "mode must be phone or household",
        ),
    ] {
        let r = a.get(uri).dispatch();
        assert_eq!(r.status(), status, "{uri}");
        let body = r.into_string().unwrap();
        assert!(body.contains(says), "{uri}: {body}");
    }
}

#[test]
fn the_streamed_csv_is_the_export_of_every_stored_row() {
    let app = TestApp::new();
    let s = survey(&app);
    minyi::demo::run(&app.store, &s, 400, 3).unwrap();
    let a = signed_in(&app, "chief", "admin", None);
    let streamed = a
        .get("/office/civility-2026/download/responses.csv")
        .dispatch()
        .into_bytes()
        .unwrap();
    let rows = app.rows(S);
    let ids: Vec<i64> = app
        .store
        .superseded(S)
        .unwrap()
        .into_iter()
        .map(|x| x.0)
        .collect();
    // The household sample's interviews carry their design weights.
    let weights = minyi::households::design_weights(&app.store, &s, &rows, &ids)
        .unwrap()
        .by_response;
    assert!(!weights.is_empty());
    let mut whole = Vec::new();
    let mut w = minyi::export::CsvExport::new(&s, &ids, weights, &mut whole).unwrap();
    w.rows(&rows).unwrap();
    w.finish().unwrap();
    assert!(streamed.len() > 64 * 1024, "more than one chunk");
    assert_eq!(streamed, whole);
    // A district officer's file holds that district's residents only.
    let d = signed_in(&app, "officer-dh", "district", Some("DH"));
    let mine = d
        .get("/office/civility-2026/d/DH/download/responses.csv")
        .dispatch()
        .into_string()
        .unwrap();
    let n = rows
        .iter()
        .filter(|r| r.district == "DH" && r.status == "complete")
        .count();
    assert_eq!(mine.lines().count(), n + 1);
}

#[test]
fn a_workbook_beyond_one_sheet_goes_on_in_the_next_and_says_so() {
    let app = app_with_data();
    let s = survey(&app);
    let (file, n) = minyi::dashboard::responses_workbook(
        &app.store,
        &s,
        minyi::dashboard::Scope::City,
        &["survey: civility-2026".into()],
        100,
    )
    .unwrap();
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::BufReader::new(file)).unwrap();
    let names = calamine::Reader::sheet_names(&wb);
    let sheets = n.div_ceil(100);
    assert!(sheets >= 3, "{n} responses");
    let mut want: Vec<String> = (1..=sheets)
        .map(|i| match i {
            1 => "responses".to_string(),
            i => format!("responses {i}"),
        })
        .collect();
    want.push("about".into());
    assert_eq!(names, want);
    let mut total = 0;
    for name in &names[..sheets] {
        let range = calamine::Reader::worksheet_range(&mut wb, name).unwrap();
        assert_eq!(
            range.get((0, 0)).unwrap().to_string(),
            "response_id",
            "{name} has the header"
        );
        total += range.height() - 1;
    }
    assert_eq!(total, n);
    let about = calamine::Reader::worksheet_range(&mut wb, "about").unwrap();
    let text: Vec<String> = about.rows().map(|r| r[0].to_string()).collect();
    assert!(
        text.iter()
            .any(|t| t.contains(&format!("split across {sheets} sheets"))),
        "{text:?}"
    );
}
