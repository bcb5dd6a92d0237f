//! Faults: the server is killed with SIGKILL in the middle of a stream of submissions.
//! After a restart every acknowledged response is there and SQLite's integrity check
//! passes. Loopback only, bounded in time.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::*;
use crate::process::*;

#[test]
fn kill_9_loses_no_acknowledged_response() {
    let dir = tempfile::tempdir().unwrap();
    surveys_dir(dir.path(), &[&format!("{FIXTURES}/mini.toml")]);
    let db = format!(
        "sqlite://{}",
        dir.path().join("data/minyi.sqlite3").display()
    );
    let port = free_port();
    with_kiosk(&db);
    let mut server = serve(dir.path(), port, &db);
    wait_ready(port);

    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..4)
        .map(|t| {
            let (acked, stop) = (acked.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) && i < 100_000 {
                    let key = format!("t{t}-{i}");
                    let body = format!(
                        r#"{{"district":"N","submission_key":"{key}","answers":{{"age":"old","district":"S","aware":"yes","joined":"2","quiz":"y","sat":"4","sex":"m"}}}}"#
                    );
                    match request(port, "POST", "/api/surveys/mini/responses", &body) {
                        Some(201) => acked.lock().unwrap().push(key),
                        Some(code) => panic!("unexpected status {code}"),
                        None => break, // killed
                    }
                    i += 1;
                }
            })
        })
        .collect();
    // Let submissions flow, then pull the plug without warning.
    let start = Instant::now();
    while acked.lock().unwrap().len() < 1000 && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
    }
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 1000,
        "only {} acknowledged before the kill",
        acked.len()
    );

    // Restart on the same file: it must open, migrate and serve again.
    let mut server = serve(dir.path(), port, &db);
    wait_ready(port);
    let acked: Vec<String> = acked.iter().map(|k| format!("mini:{k}")).collect();
    assert_all_stored(&db, &acked);
    let store = minyi::storage::Store::open(&db).unwrap();
    assert_eq!(store.integrity_check().unwrap(), vec!["ok".to_string()]);
    // The restarted server accepts new submissions.
    let body = r#"{"district":"N","submission_key":"after","answers":{"age":"old","district":"S","aware":"yes","joined":"2","quiz":"y","sat":"4","sex":"m"}}"#;
    assert_eq!(
        request(port, "POST", "/api/surveys/mini/responses", body),
        Some(201)
    );
    server.kill().unwrap();
    server.wait().unwrap();
}

/// Two `minyi serve` processes on different ports share one database (PostgreSQL when
/// MINYI_TEST_DATABASE_URL is set, else one SQLite file) that already holds 100,000
/// responses: both accept submissions concurrently, every acknowledged one is stored
/// once, a submission key used at one server is refused at the other, and both
/// dashboards then show the same figures.
#[test]
fn two_servers_share_one_database() {
    let dir = tempfile::tempdir().unwrap();
    surveys_dir(dir.path(), &[&format!("{FIXTURES}/mini.toml")]);
    let (db, pg) = test_database(dir.path());
    let [pa, pb] = free_ports::<2>();
    with_kiosk(&db);
    let before = {
        let store = minyi::storage::Store::open(&db).unwrap();
        let s = minyi::definition::load_file(&dir.path().join("surveys/mini.toml")).unwrap();
        // Two waves of 50,000 (the demo saves the dashboard's snapshot too).
        let demo = minyi::demo::run(&store, &s, 50_000, 11).unwrap();
        let n = store.count_responses("mini").unwrap() as usize;
        assert_eq!(n, 100_000 + demo.rally);
        n
    };
    let mut a = serve(dir.path(), pa, &db);
    let mut b = serve(dir.path(), pb, &db);
    wait_ready_in(dir.path(), pa);
    wait_ready_in(dir.path(), pb);
    let body = |key: &str| {
        format!(
            r#"{{"district":"N","submission_key":"{key}","answers":{{"age":"old","district":"S","aware":"yes","joined":"2","quiz":"y","sat":"4","sex":"m"}}}}"#
        )
    };
    let workers: Vec<_> = [pa, pb, pa, pb]
        .into_iter()
        .enumerate()
        .map(|(t, port)| {
            std::thread::spawn(move || {
                let mut ok = 0;
                for i in 0..150 {
                    let b = format!(r#"{{"district":"N","submission_key":"p{t}-{i}","answers":{{"age":"old","district":"S","aware":"yes","joined":"2","quiz":"y","sat":"4","sex":"m"}}}}"#);
                    if request(port, "POST", "/api/surveys/mini/responses", &b) == Some(201) {
                        ok += 1;
                    }
                }
                ok
            })
        })
        .collect();
    let acked: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
    assert_eq!(acked, 600, "every submission acknowledged");
    // A key first used at server A is a duplicate at server B.
    assert_eq!(
        request(pa, "POST", "/api/surveys/mini/responses", &body("shared")),
        Some(201)
    );
    assert_eq!(
        request(pb, "POST", "/api/surveys/mini/responses", &body("shared")),
        Some(409)
    );
    let store = minyi::storage::Store::open(&db).unwrap();
    let rows = store.responses("mini").unwrap();
    assert_eq!(rows.len(), before + 601);
    let wave2 = |flagged: bool| {
        rows.iter()
            .filter(|r| r.status == "complete" && r.wave == 2)
            .filter(|r| !flagged || !r.quality_flags.is_empty())
            .count() as u64
    };
    // Both servers' dashboards show the sum of what both accepted.
    let s = minyi::definition::load_file(&dir.path().join("surveys/mini.toml")).unwrap();
    let uid = add_account(&store, &[&s], "office", "viewer", None);
    let (token, hash) = minyi::accounts::new_token();
    store.add_token(uid, &hash, "test").unwrap();
    let mut seen = Vec::new();
    for port in [pa, pb] {
        let (code, v) = get_json(port, "/api/surveys/mini/summary?wave=2", &token);
        assert_eq!(code, 200, "{v}");
        let total: u64 = v["counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["total"].as_u64().unwrap())
            .sum();
        assert_eq!(
            total,
            wave2(false),
            "dashboard of the server on port {port}"
        );
        // One source sending identical answers: most are flagged, all are counted.
        assert_eq!(v["excluded"]["responses"].as_u64().unwrap(), wave2(true));
        seen.push(v["estimates"].clone());
    }
    assert_eq!(seen[0], seen[1], "both dashboards show the same estimates");
    for s in [&mut a, &mut b] {
        s.kill().unwrap();
        s.wait().unwrap();
    }
    if let Some((base, schema)) = pg {
        use diesel::{Connection, RunQueryDsl};
        let mut c = diesel::pg::PgConnection::establish(&base).unwrap();
        diesel::sql_query(format!("DROP SCHEMA {schema} CASCADE"))
            .execute(&mut c)
            .unwrap();
    }
}
