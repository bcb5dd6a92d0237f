//! What a 等保 2.0 assessor checks of the application: idle sessions, password rules,
//! a tamper-evident audit log, files only the service can read, `Secure` cookies and
//! HSTS over HTTPS, no inline script.

use rocket::http::{ContentType, Status};
use rocket::local::blocking::Client;
use std::time::Duration;

use crate::common::*;
use minyi::accounts::{PasswordRules, Policy};
use minyi::web::App;

/// A browser (keeping cookies) of a server on `app`'s database, set up by `f`.
fn browser(app: &TestApp, f: impl FnOnce(App) -> App) -> Client {
    app.browser_at("http://minyi.test", f)
}

fn add_user(app: &TestApp, name: &str, role: &str) {
    add_account(&app.store, &[&app.survey("mini")], name, role, None);
}

fn sign_in(c: &Client, name: &str, password: &str) -> Status {
    let pw: String = form_urlencoded::byte_serialize(password.as_bytes()).collect();
    login_form(c, &format!("username={name}&password={pw}&next=/office")).status()
}

/// Where a GET of `uri` sends the browser (`None`: it is answered here).
fn sent_to(c: &Client, uri: &str) -> Option<String> {
    let r = c.get(uri.to_string()).dispatch();
    match r.status() {
        Status::SeeOther | Status::Found | Status::TemporaryRedirect => {
            r.headers().get_one("Location").map(str::to_string)
        }
        s => {
            assert_eq!(s, Status::Ok, "GET {uri}");
            None
        }
    }
}

fn change_password(c: &Client, current: &str, new: &str) -> (Status, String) {
    let page = c.get("/office/password").dispatch().into_string().unwrap();
    let csrf = hidden_value(&page, "csrf");
    let enc = |s: &str| -> String { form_urlencoded::byte_serialize(s.as_bytes()).collect() };
    let r = c
        .post("/office/password")
        .header(ContentType::Form)
        .body(format!(
            "csrf={csrf}&current={}&new={}&again={}&lang=en",
            enc(current),
            enc(new),
            enc(new)
        ))
        .dispatch();
    (r.status(), r.into_string().unwrap_or_default())
}

#[test]
fn an_idle_session_ends_and_use_keeps_it() {
    let app = TestApp::new();
    add_user(&app, "chief", "viewer");
    let c = browser(&app, |a| a);
    assert_eq!(sign_in(&c, "chief", "a long password 1"), Status::SeeOther);
    // The page tells its script the timeout (30 minutes unless set).
    let page = c.get("/office").dispatch().into_string().unwrap();
    assert!(page.contains("data-idle=\"1800\""), "{page}");
    // Use every 20 minutes keeps it, for longer than the timeout in all.
    for _ in 0..3 {
        app_state(&c).advance_clock(Duration::from_secs(20 * 60));
        assert_eq!(sent_to(&c, "/office"), None);
    }
    // The page's background refresh of its figures is not use.
    app_state(&c).advance_clock(Duration::from_secs(20 * 60));
    let r = c.get("/api/surveys/mini/summary").dispatch();
    assert_eq!(r.status(), Status::Ok);
    app_state(&c).advance_clock(Duration::from_secs(11 * 60));
    let to = sent_to(&c, "/office/mini").expect("signed out");
    assert!(
        to.starts_with("/login?next=") && to.ends_with("why=idle"),
        "{to}"
    );
    let login = c.get(to).dispatch().into_string().unwrap();
    assert!(login.contains("30 分钟无操作"), "the sign-in page says why");
    // The session is gone from the database, not only from this browser.
    assert_eq!(
        sent_to(&c, "/office")
            .as_deref()
            .map(|t| t.starts_with("/login")),
        Some(true)
    );
}

#[test]
fn the_idle_timeout_follows_the_setting_and_can_be_off() {
    let app = TestApp::new();
    add_user(&app, "chief", "viewer");
    let short = Policy {
        idle: Some(chrono::Duration::minutes(5)),
        ..Policy::default()
    };
    let c = browser(&app, |a| a.with_policy(short));
    sign_in(&c, "chief", "a long password 1");
    app_state(&c).advance_clock(Duration::from_secs(6 * 60));
    assert!(sent_to(&c, "/office").is_some_and(|t| t.contains("why=idle")));
    let off = Policy {
        idle: None,
        ..Policy::default()
    };
    let c = browser(&app, |a| a.with_policy(off));
    sign_in(&c, "chief", "a long password 1");
    app_state(&c).advance_clock(Duration::from_secs(11 * 3600));
    assert_eq!(sent_to(&c, "/office"), None, "within the 12-hour lifetime");
    let page = c.get("/office").dispatch().into_string().unwrap();
    assert!(!page.contains("data-idle"));
}

#[test]
fn a_new_password_must_keep_every_rule_and_says_which_it_breaks() {
    let app = TestApp::new();
    add_user(&app, "wang.li", "viewer");
    let c = browser(&app, |a| a);
    sign_in(&c, "wang.li", "a long password 1");
    let page = c
        .get("/office/password?lang=en")
        .dispatch()
        .into_string()
        .unwrap();
    assert!(
        page.contains("at least 10 characters mixing 3 of"),
        "the rules are on the page"
    );
    let refused = |new: &str| {
        let (status, body) = change_password(&c, "a long password 1", new);
        assert_eq!(status, Status::UnprocessableEntity, "{new}");
        body
    };
    assert!(refused("short 1").contains("too short: at least 10"));
    assert!(refused("only lower case").contains("mixes 2 kind(s)"));
    assert!(refused("Wang.Li is 2026").contains("may not contain the username"));
    // The current password is among the last five.
    assert!(refused("a long password 1").contains("one of your last 5"));
    // A good one goes; then the first may not come back, while five others may
    // follow one another.
    let mut current = "a long password 1".to_string();
    for n in 2..=6 {
        let next = format!("Another one {n}");
        assert_eq!(change_password(&c, &current, &next).0, Status::Ok);
        // A new password signs the user out everywhere, this browser included.
        sign_in(&c, "wang.li", &next);
        current = next;
    }
    // Five later ones: the first is allowed again, the fourth latest is not.
    assert_eq!(
        change_password(&c, &current, "Another one 3").0,
        Status::UnprocessableEntity
    );
    assert_eq!(
        change_password(&c, &current, "a long password 1").0,
        Status::Ok
    );
}

#[test]
fn a_password_past_its_age_opens_only_the_password_page() {
    let app = TestApp::new();
    add_user(&app, "chief", "viewer");
    let aged = Policy {
        passwords: PasswordRules {
            max_age_days: Some(90),
            ..PasswordRules::default()
        },
        ..Policy::default()
    };
    let c = browser(&app, |a| a.with_policy(aged));
    sign_in(&c, "chief", "a long password 1");
    assert_eq!(sent_to(&c, "/office"), None, "a new password is not aged");
    app_state(&c).advance_clock(Duration::from_secs(91 * 24 * 3600));
    assert_eq!(sign_in(&c, "chief", "a long password 1"), Status::SeeOther);
    assert_eq!(
        sent_to(&c, "/office/mini").as_deref(),
        Some("/office/password?aged=1")
    );
    let page = c
        .get("/office/password?aged=1&lang=en")
        .dispatch()
        .into_string()
        .unwrap();
    assert!(page.contains("older than the rules allow"));
    assert_eq!(
        change_password(&c, "a long password 1", "A fresh password 2").0,
        Status::Ok
    );
    sign_in(&c, "chief", "A fresh password 2");
    assert_eq!(sent_to(&c, "/office/mini"), None);
}

/// Someone with the database file drops the trigger and edits a row, or removes one:
/// the check names the first row that breaks the chain.
#[test]
fn an_edited_or_removed_audit_row_is_found_at_its_place() {
    let app = TestApp::new();
    for i in 0..6 {
        app.store
            .audit("chief", "export", &format!("rows {i}"))
            .unwrap();
    }
    let sound = app.store.deep_check().unwrap();
    assert!(
        sound.audit.is_intact() && sound.audit.rows >= 6,
        "{sound:?}"
    );
    let (head_id, head) = sound.audit.head.clone().unwrap();
    assert_eq!(head.len(), 64);
    let ids: Vec<i64> = app
        .store
        .audit_log(100)
        .unwrap()
        .iter()
        .map(|r| r.id)
        .rev()
        .collect();
    let (third, fifth) = (ids[ids.len() - 4], ids[ids.len() - 2]);
    assert_eq!(head_id, *ids.last().unwrap());
    let sql = |s: &str| app.raw_sql(s).unwrap_or_else(|e| panic!("{s}: {e}"));
    // The database refuses the edit while the trigger stands.
    assert!(app
        .raw_sql(&format!(
            "UPDATE audit_log SET detail = 'x' WHERE id = {third}"
        ))
        .is_err());
    if on_postgres() {
        sql("ALTER TABLE audit_log DISABLE TRIGGER USER");
    } else {
        sql("DROP TRIGGER audit_log_no_update");
        sql("DROP TRIGGER audit_log_no_delete");
    }
    sql(&format!("DELETE FROM audit_log WHERE id = {fifth}"));
    let check = app.store.deep_check().unwrap();
    let broken = check
        .audit
        .first_break
        .clone()
        .expect("a removed row breaks the chain");
    assert_eq!(broken.id, fifth + 1, "the row after the removed one");
    sql(&format!(
        "UPDATE audit_log SET detail = 'rows 9' WHERE id = {third}"
    ));
    let check = app.store.deep_check().unwrap();
    assert_eq!(check.audit.first_break.as_ref().map(|b| b.id), Some(third));
    assert!(!check.is_sound());
    assert!(check
        .problems()
        .iter()
        .any(|p| p.contains(&format!("row {third}"))));
    // The Database page says the same to an admin.
    let c = app.signed_in("chief", "admin", None);
    let page = c
        .get("/office/db?lang=en")
        .dispatch()
        .into_string()
        .unwrap();
    assert!(page.contains(&format!("broken at row {third}")), "{page}");
}

#[cfg(unix)]
#[test]
fn the_database_files_are_the_services_own() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data/minyi.sqlite3");
    let store = minyi::storage::Store::open(&format!("sqlite://{}", path.display())).unwrap();
    store.audit("test", "wrote", "so the WAL exists").unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    for suffix in ["", "-wal", "-shm"] {
        let p = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
        assert_eq!(mode(&p), 0o600, "{}", p.display());
    }
    assert!(store.deep_check().unwrap().is_sound());
    // A file another version or a copy left readable is reported with the fix.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let problems = store.deep_check().unwrap().problems();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("mode 644") && p.contains("chmod 600")),
        "{problems:?}"
    );
}

#[test]
fn over_https_cookies_are_secure_and_hsts_is_sent() {
    let app = TestApp::new();
    add_user(&app, "chief", "viewer");
    let cookies_of = |c: &Client| -> Vec<String> {
        let page = c.get("/login").dispatch().into_string().unwrap();
        let token = hidden_value(&page, "csrf");
        let r = c
            .post("/login")
            .header(ContentType::Form)
            .body(format!(
                "csrf={token}&username=chief&password=a+long+password+1&next=/office"
            ))
            .dispatch();
        assert_eq!(r.status(), Status::SeeOther);
        assert_eq!(
            r.headers().get_one("Strict-Transport-Security").is_some(),
            app_state(c).https
        );
        r.headers().get("Set-Cookie").map(str::to_string).collect()
    };
    let https = app.browser_at("https://minyi.example.gov.cn", |a| a);
    let set = cookies_of(&https);
    assert!(
        !set.is_empty() && set.iter().all(|c| c.contains("; Secure")),
        "{set:?}"
    );
    // The session still works (the browser sends its cookie back).
    assert_eq!(sent_to(&https, "/office"), None);
    let proxied = browser(&app, |a| a.with_https(true));
    assert!(cookies_of(&proxied).iter().all(|c| c.contains("; Secure")));
    let plain = browser(&app, |a| a);
    assert!(cookies_of(&plain).iter().all(|c| !c.contains("Secure")));
}

/// Every executable script comes from this origin as a file; the policy allows no
/// other.
#[test]
fn no_page_runs_an_inline_script() {
    let app = TestApp::new();
    let admin = app.signed_in("chief", "admin", None);
    let pages = [
        (&app.client, "/s/mini/N"),
        (&app.client, "/s/civility-2026/XC"),
        (&app.client, "/login"),
        (&admin, "/office"),
        (&admin, "/office/mini"),
        (&admin, "/office/interview"),
    ];
    for (c, uri) in pages {
        let r = c.get(uri).dispatch();
        let csp = r
            .headers()
            .get_one("Content-Security-Policy")
            .unwrap()
            .to_string();
        let script_src = csp
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("script-src"))
            .unwrap();
        assert_eq!(script_src, "script-src 'self'", "{uri}");
        let html = r.into_string().unwrap();
        for tag in html.split("<script").skip(1) {
            let open = &tag[..tag.find('>').unwrap()];
            assert!(
                open.contains(" src=\"/assets/") || open.contains("type=\"application/json\""),
                "{uri}: an inline script <script{open}>"
            );
        }
        assert!(
            !html.contains(" onclick=") && !html.contains(" onchange="),
            "{uri}"
        );
    }
    // No words from a link on the sign-in page (a phishing link cannot write there).
    let page = app
        .client
        .get("/login?error=Call%20010-12345678%20now&why=Call%20now")
        .dispatch()
        .into_string()
        .unwrap();
    assert!(!page.contains("Call"), "text from the address on the page");
    // A script's versioned address may be kept for good; the plain one is revalidated.
    let page = app
        .client
        .get("/s/mini/N")
        .dispatch()
        .into_string()
        .unwrap();
    let at = page.find("/assets/questionnaire.js?v=").unwrap();
    let src = &page[at..at + page[at..].find('"').unwrap()];
    let r = app.client.get(src.to_string()).dispatch();
    assert_eq!(r.content_type(), Some(ContentType::JavaScript));
    assert!(r
        .headers()
        .get_one("Cache-Control")
        .unwrap()
        .contains("immutable"));
    let r = app.client.get("/assets/questionnaire.js?v=old").dispatch();
    assert_eq!(r.headers().get_one("Cache-Control"), Some("no-cache"));
}

/// The form of the enrolment page, posted with `code`.
fn enrol_with(c: &Client, code: &str) -> (Status, String) {
    let page = c
        .get("/office/2fa?lang=en")
        .dispatch()
        .into_string()
        .unwrap();
    let csrf = hidden_value(&page, "csrf");
    let r = c
        .post("/office/2fa")
        .header(ContentType::Form)
        .body(format!("csrf={csrf}&code={code}&lang=en"))
        .dispatch();
    (r.status(), r.into_string().unwrap_or_default())
}

/// The key the enrolment page shows (grouped by four for typing).
fn shown_key(c: &Client) -> String {
    let page = c.get("/office/2fa").dispatch().into_string().unwrap();
    let at = page.find("id=\"secret\">").unwrap() + "id=\"secret\">".len();
    page[at..at + page[at..].find('<').unwrap()].replace(' ', "")
}

#[test]
fn an_admin_enrols_an_authenticator_then_signs_in_with_its_codes() {
    let app = TestApp::new();
    add_user(&app, "chief", "admin");
    let c = browser(&app, |a| a);
    assert_eq!(sign_in(&c, "chief", "a long password 1"), Status::SeeOther);
    // Nothing opens before the second factor is enrolled.
    assert_eq!(sent_to(&c, "/office/mini").as_deref(), Some("/office/2fa"));
    let page = c
        .get("/office/2fa?lang=en")
        .dispatch()
        .into_string()
        .unwrap();
    assert!(page.contains("<svg") && page.contains("Turn on two-step sign-in"));
    let key = shown_key(&c);
    assert_eq!(shown_key(&c), key, "the same key until it is confirmed");
    let (status, body) = enrol_with(&c, "000000");
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(body.contains("Wrong code"));
    let enrolment_code = code_now(&c, &key);
    let (status, body) = enrol_with(&c, &enrolment_code);
    assert_eq!(status, Status::Ok, "{body}");
    let codes: Vec<String> = body
        .split("<li><code>")
        .skip(1)
        .map(|s| s[..s.find('<').unwrap()].to_string())
        .collect();
    assert_eq!(codes.len(), 10);
    assert_eq!(sent_to(&c, "/office/mini"), None);
    assert!(c
        .get("/office/2fa?lang=en")
        .dispatch()
        .into_string()
        .unwrap()
        .contains("Unused recovery codes: 10"));

    // Next time: the password, then a code.
    let b = browser(&app, |a| a);
    let login = |typed: String| {
        login_with(
            &b,
            "username=chief&password=a+long+password+1&next=/office",
            || typed,
        )
        .status()
    };
    // The enrolment's code is used up; a made-up one is wrong.
    assert_eq!(login(enrolment_code.clone()), Status::Unauthorized);
    assert_eq!(login("123456".into()), Status::Unauthorized);
    app_state(&b).advance_clock(Duration::from_secs(30));
    let fresh = code_now(&b, &key);
    assert_eq!(login(fresh.clone()), Status::SeeOther);
    assert_eq!(sent_to(&b, "/office/mini"), None);
    // A code seen over a shoulder cannot be replayed, on this server or another.
    let other = browser(&app, |a| a);
    app_state(&other).advance_clock(Duration::from_secs(30));
    let replay = login_with(
        &other,
        "username=chief&password=a+long+password+1&next=/office",
        || fresh.clone(),
    );
    assert_eq!(replay.status(), Status::Unauthorized);

    // A recovery code signs in once.
    let r1 = browser(&app, |a| a);
    let with = |c: &Client, typed: &str| {
        let typed = typed.to_uppercase();
        login_with(
            c,
            "username=chief&password=a+long+password+1&next=/office",
            || typed,
        )
        .status()
    };
    assert_eq!(with(&r1, &codes[3]), Status::SeeOther);
    let r2 = browser(&app, |a| a);
    assert_eq!(with(&r2, &codes[3]), Status::Unauthorized);
    let log = app.store.audit_log(20).unwrap();
    assert!(log
        .iter()
        .any(|r| r.action == "login" && r.detail == "second factor: recovery code (9 left)"));
    assert!(log
        .iter()
        .any(|r| r.action == "login_failed" && r.detail == "second factor"));

    // API tokens are not asked for a code.
    let id = app.store.user_by_name("chief").unwrap().unwrap().id;
    let (token, hash) = minyi::accounts::new_token();
    app.store.add_token(id, &hash, "platform").unwrap();
    let r = b
        .get("/api/surveys/mini/summary")
        .header(rocket::http::Header::new(
            "Authorization",
            format!("Bearer {token}"),
        ))
        .dispatch();
    assert_eq!(r.status(), Status::Ok);

    // A lost phone: reset on the server, and the next sign-in enrols again.
    app.store.reset_totp("chief").unwrap();
    assert!(
        sent_to(&b, "/office").is_some_and(|t| t.starts_with("/login")),
        "signed out"
    );
    let again = browser(&app, |a| a);
    assert_eq!(
        sign_in(&again, "chief", "a long password 1"),
        Status::SeeOther
    );
    assert_eq!(sent_to(&again, "/office").as_deref(), Some("/office/2fa"));
}

#[test]
fn the_code_must_follow_the_password_within_minutes() {
    let app = TestApp::new();
    add_user(&app, "chief", "admin");
    let key = enrol_second_factor(&app.store, "chief");
    let c = browser(&app, |a| a);
    let r = login_form(&c, "username=chief&password=a+long+password+1&next=/office");
    let to = r.headers().get_one("Location").unwrap().to_string();
    assert!(to.starts_with("/login/code"), "{to}");
    // Without the password first, the code page sends to the sign-in.
    let stranger = browser(&app, |a| a);
    assert!(sent_to(&stranger, "/login/code").is_some_and(|t| t.starts_with("/login?")));
    app_state(&c).advance_clock(Duration::from_secs(6 * 60));
    assert!(sent_to(&c, &to).is_some_and(|t| t.starts_with("/login?")));
    let page = c.get("/login").dispatch().into_string().unwrap();
    let token = hidden_value(&page, "csrf");
    let code = code_now(&c, &key);
    let r = c
        .post("/login/code")
        .header(ContentType::Form)
        .body(format!("csrf={token}&code={code}&next=/office"))
        .dispatch();
    assert_eq!(r.status(), Status::Forbidden, "the password is asked again");
}

#[test]
fn the_roles_that_need_a_second_factor_follow_the_setting() {
    let app = TestApp::new();
    add_user(&app, "chief", "admin");
    add_user(&app, "reader", "viewer");
    let viewers = Policy {
        two_factor: vec![minyi::accounts::Role::Viewer],
        ..Policy::default()
    };
    let c = browser(&app, |a| a.with_policy(viewers.clone()));
    sign_in(&c, "reader", "a long password 1");
    assert_eq!(sent_to(&c, "/office").as_deref(), Some("/office/2fa"));
    let c = browser(&app, |a| a.with_policy(viewers));
    sign_in(&c, "chief", "a long password 1");
    assert_eq!(sent_to(&c, "/office"), None, "admins not, by this setting");
}

/// What the command line writes — the database it makes, a backup, an export — only
/// the service's user can read.
#[cfg(unix)]
#[test]
fn files_the_command_line_writes_are_the_services_own() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let surveys = surveys_dir(dir.path(), &[&format!("{FIXTURES}/mini.toml")]);
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_minyi"))
            .args(args)
            .current_dir(dir.path())
            .env("DATABASE_URL", "sqlite://data/minyi.sqlite3")
            .env("ROCKET_SURVEYS_DIR", &surveys)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "minyi {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&["migrate"]);
    run(&["backup", "--out", "copy.sqlite3"]);
    run(&["export", "--survey", "mini", "--out", "mini.csv"]);
    for f in ["data/minyi.sqlite3", "copy.sqlite3", "mini.csv"] {
        let mode = std::fs::metadata(dir.path().join(f))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{f}");
    }
}
