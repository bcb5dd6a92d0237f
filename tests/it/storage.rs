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
    let err = app.store.try_tamper(before[0].id).unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
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
            "submitted_at",
            "collection_district",
            "community",
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
    assert_eq!(&rows[0][7], "N");
    assert_eq!(&rows[0][10], "a;b");
    assert_eq!(&rows[1][7], "S");
    assert_eq!(&rows[1][10], "", "a question not asked is empty (missing)");
    assert_eq!(&rows[0][14], "12");
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
fn postgres_url_is_refused_clearly() {
    let err = minyi::storage::Store::open("postgres://root@127.0.0.1/test")
        .err()
        .unwrap();
    assert!(err.to_string().contains("use sqlite://"), "{err}");
}
