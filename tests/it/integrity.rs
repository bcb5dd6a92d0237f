//! Honest numbers under pressure: the intake holds against forged addresses, crowds,
//! scripts, spreadsheets, personal data and a failing writer; acknowledged responses
//! are durable; health checks are cheap; backups are consistent.

use rocket::http::{ContentType, Header, Status};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::Duration;

use crate::common::*;
use minyi::definition::Survey;

const API: &str = "/api/surveys/civility-2026/responses";

fn civility_json(key: &str) -> String {
    json!({ "district": "XC", "submission_key": key, "answers": {
        "age_band": "a40", "residence": "gt3y", "district": "XC", "aware_campaign": "1",
        "aware_values": "2", "quiz_values": "b", "support": "1", "participated": "3",
        "sat_sanitation": "4", "sat_shops": "4", "sat_culture": "dk", "sat_security": "5",
        "sat_ecology": "4", "sat_traffic": "3", "sat_windows": "4", "sat_minors": "4",
        "civic_behaviour": "4", "sat_overall": "4", "sex": "f" } })
    .to_string()
}

/// Finding 1: a header does not choose the source. From an untrusted peer, 200
/// submissions each claiming another address are one source (burst-flagged); through
/// a trusted proxy, the address it forwards counts.
#[test]
fn a_forged_address_header_does_not_make_a_new_source() {
    let app = TestApp::new();
    let direct = app.limited(100_000);
    let peer: SocketAddr = "203.0.113.7:40000".parse().unwrap();
    for i in 0..200 {
        let r = direct
            .post(API)
            .remote(peer)
            .header(ContentType::JSON)
            .header(app.bearer())
            .header(Header::new("X-Real-IP", format!("198.51.100.{}", i % 250)))
            .header(Header::new(
                "X-Forwarded-For",
                format!("192.0.2.{}", i % 250),
            ))
            .body(civility_json(&format!("forged-{i}")))
            .dispatch();
        assert_eq!(r.status(), Status::Created);
    }
    let rows = app.rows("civility-2026");
    let sources: std::collections::HashSet<&str> =
        rows.iter().map(|r| r.source_hash.as_str()).collect();
    assert_eq!(sources.len(), 1, "one peer, one source, whatever it claims");
    let burst = rows
        .iter()
        .filter(|r| r.quality_flags.contains("source_burst"))
        .count();
    assert!(burst >= 190, "the burst is flagged: {burst} of 200");

    // Behind the office's load balancer (trusted), residents are told apart.
    let proxies = vec!["10.0.0.0/8".parse().unwrap()];
    let behind = app.server(|a| a.with_limit(100_000).with_proxies(proxies));
    let lb: SocketAddr = "10.0.0.2:50000".parse().unwrap();
    for i in 0..20 {
        let r = behind
            .post(API)
            .remote(lb)
            .header(ContentType::JSON)
            .header(app.bearer())
            .header(Header::new(
                "X-Forwarded-For",
                format!("6.6.6.6, 198.51.100.{i}"),
            ))
            .body(civility_json(&format!("proxied-{i}")))
            .dispatch();
        assert_eq!(r.status(), Status::Created);
    }
    let proxied: Vec<_> = app
        .rows("civility-2026")
        .into_iter()
        .filter(|r| r.submission_key.contains("proxied-"))
        .collect();
    let sources: std::collections::HashSet<&str> =
        proxied.iter().map(|r| r.source_hash.as_str()).collect();
    assert_eq!(
        sources.len(),
        20,
        "each forwarded address is its own source"
    );
    assert!(proxied
        .iter()
        .all(|r| !r.quality_flags.contains("source_burst")));
}

/// Finding 2: a crowd is residents. 300 people behind one address, all with the same
/// phone and browser, answer through the form over five minutes: every one reaches
/// the thank-you page. A script sending 5,000 in one minute is slowed, and what got
/// through is flagged.
#[test]
fn a_crowd_behind_one_address_is_never_refused_and_a_script_is() {
    let app = TestApp::new();
    let server = app.server(|a| a.with_limit(minyi::web::DEFAULT_PER_SOURCE));
    let hall: SocketAddr = "100.64.0.1:1234".parse().unwrap();
    let phone = "Mozilla/5.0 (Linux; Android 12) MicroMessenger/8.0.40";
    let uri = "/s/civility-2026/XC/xinhua-xfl";
    for i in 0..300 {
        // Residents arrive one a second.
        app_state(&server).advance_clock(Duration::from_secs(1));
        let html = server
            .get(uri)
            .remote(hall)
            .header(Header::new("User-Agent", phone))
            .dispatch()
            .into_string()
            .unwrap();
        let hidden = ["m.key", "m.t", "m.lang", "m.ch"]
            .iter()
            .map(|n| format!("{n}={}", hidden_value(&html, n)))
            .collect::<Vec<_>>()
            .join("&");
        let r = server
            .post(uri)
            .remote(hall)
            .header(ContentType::Form)
            .header(Header::new("User-Agent", phone))
            .body(format!("{hidden}&{CIVILITY_OK}"))
            .dispatch();
        assert_eq!(r.status(), Status::SeeOther, "resident {i} was refused");
        assert!(r
            .headers()
            .get_one("Location")
            .unwrap()
            .starts_with("/thanks/"));
    }
    assert_eq!(app.rows("civility-2026").len(), 300);

    // A script: 5,000 in one minute from one address.
    let bot: SocketAddr = "192.0.2.66:999".parse().unwrap();
    let (mut created, mut slowed) = (0, 0);
    for i in 0..5000 {
        app_state(&server).advance_clock(Duration::from_millis(12));
        let r = server
            .post(API)
            .remote(bot)
            .header(ContentType::JSON)
            .header(app.bearer())
            .body(civility_json(&format!("bot-{i}")))
            .dispatch();
        match r.status() {
            Status::Created => created += 1,
            Status::TooManyRequests => {
                slowed += 1;
                let wait: u64 = r.headers().get_one("Retry-After").unwrap().parse().unwrap();
                assert!(wait >= 1);
            }
            s => panic!("unexpected {s}"),
        }
    }
    assert!(slowed > 4000, "slowed {slowed}, let through {created}");
    let bot_rows: Vec<_> = app
        .rows("civility-2026")
        .into_iter()
        .filter(|r| r.submission_key.contains(":bot-"))
        .collect();
    assert_eq!(bot_rows.len(), created);
    let unflagged = bot_rows
        .iter()
        .filter(|r| r.quality_flags.is_empty())
        .count();
    assert!(
        unflagged <= 10,
        "what got through is flagged ({unflagged} not)"
    );
}

/// Finding 3: the JSON intake needs an intake token; it is recorded (by label) with
/// every response, and a revoked token stops within a second.
#[test]
fn the_json_intake_needs_an_intake_token() {
    let app = TestApp::new();
    let post = |auth: Option<&str>, key: &str| {
        let mut req = app
            .client
            .post(API)
            .header(ContentType::JSON)
            .body(civility_json(key));
        if let Some(t) = auth {
            req = req.header(Header::new("Authorization", format!("Bearer {t}")));
        }
        req.dispatch()
    };
    let r = post(None, "k1");
    assert_eq!(r.status(), Status::Unauthorized);
    let v: Value = serde_json::from_str(&r.into_string().unwrap()).unwrap();
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("minyi token add --intake"),
        "says how to get one: {v}"
    );
    assert_eq!(
        post(Some("minyi_not_a_token"), "k2").status(),
        Status::Unauthorized
    );
    // A read-API token is no intake token.
    let (read, hash) = minyi::accounts::new_token();
    let surveys = minyi::definition::load_dir(&app.dir.path().join("surveys")).unwrap();
    let refs: Vec<&minyi::definition::Survey> = surveys.iter().collect();
    let uid = add_account(&app.store, &refs, "reader", "viewer", None);
    app.store.add_token(uid, &hash, "reader").unwrap();
    assert_eq!(post(Some(&read), "k3").status(), Status::Unauthorized);
    // The kiosk's token works and is recorded by its label, never itself.
    assert_eq!(
        post(Some(&app.intake_token), "k4").status(),
        Status::Created
    );
    let rows = app.rows("civility-2026");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].intake.as_deref(), Some("test kiosk"));
    assert!(!format!("{:?}", rows[0]).contains(&app.intake_token));
    // Revoked (by `minyi token revoke`, another process): refused within a second, the
    // time a server trusts its last check of a token.
    app.store.revoke_intake_token("test kiosk").unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(
        post(Some(&app.intake_token), "k5").status(),
        Status::Unauthorized
    );
    // The questionnaire stays public.
    assert_eq!(app.get("/s/civility-2026/XC").status(), Status::Ok);
}

/// Finding 4: the responses CSV is safe to open in a spreadsheet, and `minyi stats`
/// reads it back to the same figures.
#[test]
fn the_responses_csv_runs_no_formulas() {
    let app = TestApp::new();
    let hostile = [
        "=HYPERLINK(\"http://evil.example\",\"点击\")",
        "+1+1",
        "-2+3",
        "@SUM(A1:A9)",
        "\tcmd",
        "\rcmd",
        "普通的建议",
    ];
    for (i, text) in hostile.iter().enumerate() {
        let body = CIVILITY_OK.replace(
            "suggestion=",
            &format!(
                "suggestion={}",
                form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>()
            ),
        );
        assert_eq!(
            app.submit_as_new_browser("/s/civility-2026/XC", &body),
            Status::SeeOther,
            "{i}"
        );
    }
    let survey = app.survey("civility-2026");
    let rows = app.rows("civility-2026");
    let mut csv = Vec::new();
    minyi::export::write_csv(&survey, &rows, &mut csv).unwrap();
    // Every raw cell, as a spreadsheet sees it: none starts a formula.
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv.as_slice());
    for rec in rdr.records() {
        for cell in rec.unwrap().iter() {
            let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
            assert!(
                !risky || cell.parse::<f64>().is_ok(),
                "formula-like cell `{cell}`"
            );
        }
    }
    assert!(String::from_utf8_lossy(&csv).contains("'=HYPERLINK("));
    // Read back, the figures are those of the stored rows.
    let via_csv = minyi::dataset::read_csv(&survey, "export.csv", csv.as_slice()).unwrap();
    let direct = minyi::dataset::from_rows(&survey, &rows, &[]).unwrap();
    let opts = minyi::stats::Options {
        weighting: minyi::stats::Weighting::Base,
        ..Default::default()
    };
    let a = minyi::stats::analyse(&survey, &via_csv, None, &opts).unwrap();
    let b = minyi::stats::analyse(&survey, &direct, None, &opts).unwrap();
    assert_eq!(a.estimates.len(), b.estimates.len());
    for (x, y) in a.estimates.iter().zip(&b.estimates) {
        assert_eq!((x.estimate, x.n), (y.estimate, y.n), "{}", x.indicator);
    }
    // The workbook shows the text as typed, as text.
    let out = tempfile::NamedTempFile::new().unwrap();
    minyi::export::responses_workbook(csv.as_slice(), &[], out.path(), minyi::export::SHEET_ROWS)
        .unwrap();
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(out.path()).unwrap();
    let range = calamine::Reader::worksheet_range(&mut wb, "responses").unwrap();
    let texts: Vec<String> = range
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect();
    assert!(texts.iter().any(|t| t.starts_with("=HYPERLINK(")));
}

/// Finding 5: personal data typed into free text is masked before it is stored;
/// ordinary numbers stay.
#[test]
fn personal_data_in_free_text_is_masked_before_storage() {
    let app = TestApp::new();
    let typed = "请联系我13812345678或0755-86001234，身份证11010519491231002X，邮箱zhang.wei@163.com。13路公交在3号楼2单元门口，2026年改善了";
    let body = CIVILITY_OK.replace(
        "suggestion=",
        &format!(
            "suggestion={}",
            form_urlencoded::byte_serialize(typed.as_bytes()).collect::<String>()
        ),
    );
    assert_eq!(
        app.submit_as_new_browser("/s/civility-2026/XC", &body),
        Status::SeeOther
    );
    let rows = app.rows("civility-2026");
    let stored: Value = serde_json::from_str(&rows[0].answers).unwrap();
    let text = stored["suggestion"].as_str().unwrap();
    assert_eq!(
        text,
        "请联系我138****5678或0755-******34，身份证110***********002X，邮箱z********@163.com。13路公交在3号楼2单元门口，2026年改善了"
    );
    for raw in [
        "13812345678",
        "86001234",
        "11010519491231002X",
        "zhang.wei@",
    ] {
        assert!(!rows[0].answers.contains(raw), "{raw} was stored");
    }
    // The questionnaire asks residents not to write personal details.
    let page = app.get("/s/civility-2026/XC").into_string().unwrap();
    assert!(page.contains("请不要填写姓名、电话、身份证号等个人信息"));
}

/// Finding 6: a panic in the writer fails only its batch (503, nothing stored); the
/// writer goes on and the next submission is stored.
#[test]
fn a_writer_panic_fails_one_batch_and_intake_goes_on() {
    let app = TestApp::new();
    app.store.fail_next_batch();
    let r = app.post_json(API, &civility_json("during"));
    assert_eq!(r.status(), Status::ServiceUnavailable);
    let v: Value = serde_json::from_str(&r.into_string().unwrap()).unwrap();
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("Cannot save right now"),
        "{v}"
    );
    assert!(app.rows("civility-2026").is_empty(), "nothing half-written");
    assert_eq!(
        app.post_json(API, &civility_json("after")).status(),
        Status::Created
    );
    // The same key again is stored now (the failed attempt left nothing behind).
    assert_eq!(
        app.post_json(API, &civility_json("during")).status(),
        Status::Created
    );
    assert_eq!(app.rows("civility-2026").len(), 2);
}

/// Finding 7: an acknowledged response survives a power cut (SQLite synchronous =
/// FULL), unless the office chooses otherwise.
#[test]
fn acknowledged_means_durable_by_default() {
    if on_postgres() {
        return skipped(
            "integrity::acknowledged_means_durable_by_default",
            "SQLite's synchronous setting; PostgreSQL's own fsync settings decide",
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("a.sqlite3").display());
    let store = minyi::storage::Store::open(&url).unwrap();
    assert_eq!(store.synchronous().unwrap(), Some(2), "FULL");
    let opts = minyi::storage::StoreOptions {
        synchronous: minyi::storage::Synchronous::Normal,
        ..Default::default()
    };
    let normal = minyi::storage::Store::open_with(&url, opts).unwrap();
    assert_eq!(normal.synchronous().unwrap(), Some(1), "NORMAL when chosen");
    // The other connection settings take effect too (they once ran only the first).
    assert_eq!(store.pragma("foreign_keys").unwrap(), Some(1));
    assert_eq!(store.pragma("busy_timeout").unwrap(), Some(5000));
}

/// Finding 8: `/healthz` asks only whether the database answers; the deep check of
/// every page is a command and an admin's page, and they see what it sees.
#[test]
fn the_health_check_is_cheap_and_the_deep_check_is_separate() {
    if on_postgres() {
        return skipped(
            "integrity::the_health_check_is_cheap_and_the_deep_check_is_separate",
            "the corruption it makes is SQLite's file format",
        );
    }
    let app = TestApp::new();
    // An index that no longer matches its table: readable, but not sound.
    {
        use diesel::{Connection, RunQueryDsl};
        let path = app.dir.path().join("db/minyi.sqlite3");
        let mut c = diesel::sqlite::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        for q in [
            "CREATE TABLE probe (x INTEGER, y INTEGER)",
            "CREATE INDEX probe_x ON probe (x)",
            "INSERT INTO probe VALUES (1, 10), (2, 20), (3, 30)",
            "PRAGMA writable_schema = ON",
            "UPDATE sqlite_master SET sql = 'CREATE INDEX probe_x ON probe (y)' WHERE name = 'probe_x'",
            "PRAGMA writable_schema = OFF",
        ] {
            diesel::sql_query(q).execute(&mut c).unwrap();
        }
    }
    let fresh = app.second_browser();
    let r = fresh.get("/healthz").dispatch();
    assert_eq!(r.status(), Status::Ok, "the database answers");
    let problems = app.store.integrity_check().unwrap();
    assert!(problems != ["ok"], "the deep check sees the damage");
    let admin = app.signed_in("admin-db", "admin", None);
    let page = admin
        .get("/office/db?lang=en")
        .dispatch()
        .into_string()
        .unwrap();
    assert!(
        page.contains("Problems found") && page.contains("probe_x"),
        "{page}"
    );
    let viewer = app.signed_in("viewer-db", "viewer", None);
    assert_eq!(
        viewer.get("/office/db").dispatch().status(),
        Status::Forbidden
    );
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_minyi"))
        .args(["db", "check"])
        .env(
            "DATABASE_URL",
            format!(
                "sqlite://{}",
                app.dir.path().join("db/minyi.sqlite3").display()
            ),
        )
        .env("ROCKET_SURVEYS_DIR", app.dir.path().join("surveys"))
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("probe_x"));
}

/// Backups: a copy made while responses keep arriving opens, passes the deep check,
/// and holds every response acknowledged before the backup started.
#[test]
fn a_backup_during_intake_is_consistent() {
    let app = TestApp::with(&[&format!("{FIXTURES}/mini.toml")]);
    let out = app.dir.path().join("backup.sqlite3");
    if on_postgres() {
        let err = app.store.backup(&out).unwrap_err().to_string();
        assert!(err.contains("pg_dump"), "{err}");
        return;
    }
    let s = minyi::definition::load_dir(&app.dir.path().join("surveys"))
        .unwrap()
        .remove(0);
    let salt = app.store.salt("mini").unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let load = {
        let (store, stop, acked, s) = (app.store.clone(), stop.clone(), acked.clone(), s.clone());
        std::thread::spawn(move || {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let answers = form_urlencoded::parse(MINI_OK.as_bytes()).fold(
                    minyi::answers::RawAnswers::new(),
                    |mut m, (k, v)| {
                        m.entry(k.into_owned()).or_default().push(v.into_owned());
                        m
                    },
                );
                let now = chrono::Utc::now();
                let p = minyi::collect::prepare(
                    &salt,
                    minyi::collect::Submission {
                        survey: &s,
                        collection_district: "N",
                        collection_community: None,
                        channel: minyi::collect::Channel::Qr,
                        answers,
                        started_at: None,
                        submission_key: format!("load-{i}"),
                        source: format!("r{i}"),
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
                store
                    .insert_response(p.response, None, None, p.index)
                    .unwrap();
                acked.lock().unwrap().push(format!("mini:load-{i}"));
                i += 1;
            }
        })
    };
    while acked.lock().unwrap().len() < 200 {
        std::thread::sleep(Duration::from_millis(5));
    }
    let before: Vec<String> = acked.lock().unwrap().clone();
    app.store.backup(&out).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    load.join().unwrap();
    let copy = minyi::storage::Store::open(&format!("sqlite://{}", out.display())).unwrap();
    assert_eq!(copy.integrity_check().unwrap(), ["ok"]);
    let stored: std::collections::HashSet<String> = copy
        .responses("mini")
        .unwrap()
        .into_iter()
        .map(|r| r.submission_key)
        .collect();
    let missing: Vec<&String> = before.iter().filter(|k| !stored.contains(*k)).collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged before the backup are missing",
        missing.len()
    );
    assert!(
        stored.len() < acked.lock().unwrap().len(),
        "the load went on during the backup"
    );
    // A backup never overwrites.
    assert!(app
        .store
        .backup(&out)
        .unwrap_err()
        .to_string()
        .contains("exists already"));
}

/// A response from one source at one place, as the writer receives it.
fn from_source(survey: &Survey, source: &str, n: usize) -> minyi::storage::NewResponse {
    minyi::storage::NewResponse {
        survey_id: survey.id.clone(),
        definition_version: survey.version.clone(),
        wave: 1,
        collection_district: "XC".into(),
        collection_community: None,
        district: "XC".into(),
        channel: "qr".into(),
        status: "complete".into(),
        started_at: None,
        submitted_at: chrono::Utc::now().naive_utc(),
        answers: "{}".into(),
        source_hash: source.into(),
        device_hash: None,
        submission_key: format!("{}:{source}:{n}", survey.id),
        quality_flags: String::new(),
        pattern_hash: format!("{source}-{n}"),
        interviewer: None,
        intake: None,
        residence_community: None,
        residence_grid: None,
        ..Default::default()
    }
}

/// The writer keeps its flag windows in memory, yet a burst split across two servers
/// on one database is still one burst: each reads the other's rows before a batch.
#[test]
fn a_burst_split_across_two_servers_is_still_a_burst() {
    let app = TestApp::new();
    let other = minyi::storage::Store::open(&app.url).unwrap();
    let survey =
        minyi::definition::load_file(&app.dir.path().join("surveys/civility-2026.toml")).unwrap();
    let checks = Some(minyi::quality::HistoryCheck { min_seconds: None });
    let flags = |store: &minyi::storage::Store, n: usize| {
        let id = store
            .insert_response(from_source(&survey, "one-address", n), None, checks, None)
            .unwrap();
        let rows = app.store.responses("civility-2026").unwrap();
        rows.into_iter().find(|r| r.id == id).unwrap().quality_flags
    };
    for n in 0..6 {
        assert_eq!(flags(&app.store, n), "", "response {n}");
    }
    for n in 6..10 {
        assert_eq!(flags(&other, n), "", "response {n}, the second server");
    }
    // The limit is 10 within the window: the 11th, on the first server, is flagged
    // because it counts the second server's four.
    assert_eq!(flags(&app.store, 10), "source_burst");
    assert_eq!(flags(&other, 11), "source_burst");
}
