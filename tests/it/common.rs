//! `TestApp`: a server on a fresh temporary SQLite database with chosen surveys.

use rocket::http::{ContentType, Header, Status};
use rocket::local::blocking::{Client, LocalResponse};
use std::path::{Path, PathBuf};

use minyi::storage::{Store, StoredResponse};
use minyi::web::App;

pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
pub const SURVEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/surveys");

pub struct TestApp {
    pub client: Client,
    pub store: Store,
    pub dir: tempfile::TempDir,
    /// An intake token (label "test kiosk") that `post_json` sends.
    pub intake_token: String,
    /// The PostgreSQL schema of this test, dropped with it.
    pg: Option<(String, String)>,
    /// The database URL (a second `Store` on it is a second server process).
    pub url: String,
}

/// With `MINYI_TEST_DATABASE_URL=postgres://…` every `TestApp` runs on PostgreSQL, each
/// in a schema of its own; without it, on a temporary SQLite file.
pub fn test_database(dir: &Path) -> (String, Option<(String, String)>) {
    match std::env::var("MINYI_TEST_DATABASE_URL") {
        Ok(base) if base.starts_with("postgres") => {
            use diesel::{Connection, RunQueryDsl};
            let schema = format!("t_{}", minyi::collect::new_submission_key());
            let mut c = diesel::pg::PgConnection::establish(&base)
                .expect("MINYI_TEST_DATABASE_URL must reach PostgreSQL");
            diesel::sql_query(format!("CREATE SCHEMA {schema}"))
                .execute(&mut c)
                .unwrap();
            let sep = if base.contains('?') { '&' } else { '?' };
            (
                format!("{base}{sep}options=-c%20search_path%3D{schema}"),
                Some((base, schema)),
            )
        }
        _ => (
            format!("sqlite://{}", dir.join("db/minyi.sqlite3").display()),
            None,
        ),
    }
}

/// Drops a test's PostgreSQL schema (from [`test_database`]) when it goes out of scope.
pub struct DropSchema(pub Option<(String, String)>);

impl Drop for DropSchema {
    fn drop(&mut self) {
        if let Some((base, schema)) = &self.0 {
            use diesel::{Connection, RunQueryDsl};
            if let Ok(mut c) = diesel::pg::PgConnection::establish(base) {
                let _ = diesel::sql_query(format!("DROP SCHEMA {schema} CASCADE")).execute(&mut c);
            }
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((base, schema)) = &self.pg {
            use diesel::{Connection, RunQueryDsl};
            if let Ok(mut c) = diesel::pg::PgConnection::establish(base) {
                let _ = diesel::sql_query(format!("DROP SCHEMA {schema} CASCADE")).execute(&mut c);
            }
        }
    }
}

/// Copies definition files (and their census files) into a fresh surveys directory.
pub fn surveys_dir(dir: &Path, files: &[&str]) -> PathBuf {
    let out = dir.join("surveys");
    std::fs::create_dir_all(&out).unwrap();
    for f in files {
        let src = Path::new(f);
        std::fs::copy(src, out.join(src.file_name().unwrap())).unwrap();
        // Fixtures derived from mini.toml share its census file.
        let stem = src.file_stem().unwrap().to_string_lossy().to_string();
        let stem = if ["closed", "future", "invite"].contains(&stem.as_str()) {
            "mini".to_string()
        } else {
            stem
        };
        // Its census, places and boundaries files beside it.
        for ext in ["census.csv", "places.csv", "boundaries.geojson"] {
            let f = src.with_file_name(format!("{stem}.{ext}"));
            if f.exists() {
                std::fs::copy(&f, out.join(f.file_name().unwrap())).unwrap();
            }
        }
    }
    out
}

fn figment() -> rocket::figment::Figment {
    rocket::Config::figment()
        .merge((rocket::Config::SECRET_KEY, "4c".repeat(32)))
        .merge(("log_level", "off"))
}

impl TestApp {
    /// The example survey shipped in surveys/ plus the test fixtures.
    pub fn new() -> TestApp {
        TestApp::with(&[
            &format!("{SURVEYS}/civility-2026.toml"),
            &format!("{FIXTURES}/mini.toml"),
            &format!("{FIXTURES}/closed.toml"),
            &format!("{FIXTURES}/future.toml"),
        ])
    }

    pub fn with(files: &[&str]) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let surveys = minyi::definition::load_dir(&surveys_dir(dir.path(), files)).unwrap();
        let (url, pg) = test_database(dir.path());
        let store = Store::open(&url).unwrap();
        // Tests send many submissions from one address; limits are tested on their own.
        let app = App::new(surveys, store.clone(), "http://minyi.test".into())
            .unwrap()
            .with_limit(u32::MAX);
        let client = Client::tracked(minyi::web::rocket(figment(), app)).unwrap();
        let (intake_token, hash) = minyi::accounts::new_token();
        store.add_intake_token(&hash, "test kiosk").unwrap();
        TestApp {
            client,
            store,
            dir,
            intake_token,
            pg,
            url,
        }
    }

    /// A client (keeping no cookies) of a server on the same database with the given
    /// submission limit per source and minute.
    pub fn limited(&self, per_source: u32) -> Client {
        self.server(|a| a.with_limit(per_source))
    }

    /// A browser (keeping its cookies) of a server on the same database with the given
    /// limit per source and minute.
    pub fn limited_browser(&self, per_source: u32) -> Client {
        self.browser_at("http://minyi.test", |a| a.with_limit(per_source))
    }

    /// A browser (keeping its cookies) of a server on the same database, reached at
    /// `base`, its state set up by `f` (limits, sign-in rules, HTTPS).
    pub fn browser_at(&self, base: &str, f: impl FnOnce(App) -> App) -> Client {
        let surveys = minyi::definition::load_dir(&self.dir.path().join("surveys")).unwrap();
        let app = App::new(surveys, self.store.clone(), base.into()).unwrap();
        Client::tracked(minyi::web::rocket(figment(), f(app))).unwrap()
    }

    /// A client (keeping no cookies) of a server on the same database, its state set up
    /// by `f` (limits, trusted proxies).
    pub fn server(&self, f: impl FnOnce(App) -> App) -> Client {
        let surveys = minyi::definition::load_dir(&self.dir.path().join("surveys")).unwrap();
        let app = App::new(surveys, self.store.clone(), "http://minyi.test".into()).unwrap();
        Client::untracked(minyi::web::rocket(figment(), f(app))).unwrap()
    }

    /// A survey of this app's surveys directory, by id.
    pub fn survey(&self, id: &str) -> minyi::definition::Survey {
        minyi::definition::load_dir(&self.dir.path().join("surveys"))
            .unwrap()
            .into_iter()
            .find(|s| s.id == id)
            .unwrap_or_else(|| panic!("no survey `{id}`"))
    }

    /// Another browser (no cookies) on the same server and database.
    pub fn second_browser(&self) -> Client {
        self.browser_at("http://minyi.test", |a| a.with_limit(u32::MAX))
    }

    /// A new browser signed in to the office as a new user with this role.
    pub fn signed_in(&self, name: &str, role: &str, district: Option<&str>) -> Client {
        let surveys = minyi::definition::load_dir(&self.dir.path().join("surveys")).unwrap();
        let refs: Vec<&minyi::definition::Survey> = surveys.iter().collect();
        add_account(&self.store, &refs, name, role, district);
        // Admins sign in with a second factor by default, as in production.
        let secret = (role == "admin").then(|| enrol_second_factor(&self.store, name));
        let b = self.second_browser();
        {
            let r = login_two_steps(
                &b,
                &format!("username={name}&password=a+long+password+1&next=/office"),
                secret.as_deref(),
            );
            assert_eq!(r.status(), Status::SeeOther, "login of {name}");
            assert_eq!(r.headers().get_one("Location"), Some("/office"));
        }
        b
    }

    /// Fetches a fresh form in a new browser and submits `answers` with it.
    pub fn submit_as_new_browser(&self, uri: &str, answers: &str) -> Status {
        let b = self.second_browser();
        let html = b.get(uri.to_string()).dispatch().into_string().unwrap();
        let hidden = ["m.key", "m.t", "m.lang", "m.ch"]
            .iter()
            .map(|n| format!("{n}={}", hidden_value(&html, n)))
            .collect::<Vec<_>>()
            .join("&");
        let status = b
            .post(uri.to_string())
            .header(ContentType::Form)
            .body(format!("{hidden}&{answers}"))
            .dispatch()
            .status();
        status
    }

    pub fn get(&self, uri: &str) -> LocalResponse<'_> {
        self.client.get(uri.to_string()).dispatch()
    }

    pub fn post_form(&self, uri: &str, body: &str) -> LocalResponse<'_> {
        self.client
            .post(uri.to_string())
            .header(ContentType::Form)
            .header(Header::new("User-Agent", "test-phone"))
            .body(body)
            .dispatch()
    }

    /// Posts JSON as the test kiosk (with its intake token).
    pub fn post_json(&self, uri: &str, body: &str) -> LocalResponse<'_> {
        self.client
            .post(uri.to_string())
            .header(ContentType::JSON)
            .header(self.bearer())
            .body(body)
            .dispatch()
    }

    /// The test kiosk's `Authorization` header.
    pub fn bearer(&self) -> Header<'static> {
        Header::new("Authorization", format!("Bearer {}", self.intake_token))
    }

    /// Runs SQL on the test database over a connection of its own, as someone with
    /// access to the database file or server could, bypassing minyi: what the
    /// database's own rules (triggers) refuse, it refuses here. The error's text, if any.
    pub fn raw_sql(&self, sql: &str) -> Result<usize, String> {
        use diesel::{Connection, RunQueryDsl};
        let result = match self.url.strip_prefix("sqlite://") {
            Some(path) => {
                let mut c = diesel::sqlite::SqliteConnection::establish(path).unwrap();
                // The server's writer may hold the lock for a moment; wait as it would,
                // so the answer is the database's rule, not "database is locked".
                diesel::sql_query("PRAGMA busy_timeout = 5000")
                    .execute(&mut c)
                    .unwrap();
                diesel::sql_query(sql).execute(&mut c)
            }
            None => {
                let mut c = diesel::pg::PgConnection::establish(&self.url).unwrap();
                diesel::sql_query(sql).execute(&mut c)
            }
        };
        result.map_err(|e| e.to_string())
    }

    pub fn rows(&self, survey: &str) -> Vec<StoredResponse> {
        self.store.responses(survey).unwrap()
    }

    /// Fetches the form at `uri` and returns its page plus the hidden fields, encoded
    /// ready to prefix a POST body.
    pub fn form(&self, uri: &str) -> (String, String) {
        let r = self.get(uri);
        assert_eq!(r.status(), Status::Ok, "GET {uri}");
        let html = r.into_string().unwrap();
        let hidden = ["m.key", "m.t", "m.lang", "m.ch"]
            .iter()
            .map(|n| format!("{n}={}", hidden_value(&html, n)))
            .collect::<Vec<_>>()
            .join("&");
        (html, hidden)
    }
}

/// Signs in through the form as a browser does: fetch it (with its CSRF token), post it.
pub fn login_form<'c>(c: &'c Client, body: &str) -> LocalResponse<'c> {
    let page = c.get("/login").dispatch().into_string().unwrap();
    let token = hidden_value(&page, "csrf");
    c.post("/login")
        .header(ContentType::Form)
        .body(format!("csrf={token}&{body}"))
        .dispatch()
}

/// The password of the accounts [`add_account`] adds.
pub const PASSWORD: &str = "a long password 1";

/// Adds an office account with [`PASSWORD`] under the default password rules; its id.
pub fn add_account(
    store: &Store,
    surveys: &[&minyi::definition::Survey],
    name: &str,
    role: &str,
    district: Option<&str>,
) -> i64 {
    let rules = minyi::accounts::PasswordRules::default();
    minyi::accounts::add_user(store, &rules, surveys, name, PASSWORD, role, district).unwrap()
}

/// The state of the server a client talks to (its clock, its settings).
pub fn app_state(c: &Client) -> &App {
    c.rocket().state::<App>().unwrap()
}

/// Gives `name` a second factor, as an admin's enrolment does: its authenticator key.
pub fn enrol_second_factor(store: &Store, name: &str) -> String {
    let id = store.user_by_name(name).unwrap().unwrap().id;
    let secret = minyi::accounts::totp::new_secret();
    store
        .enrol_totp(id, &secret, 0, &[], chrono::Utc::now().naive_utc())
        .unwrap();
    secret
}

/// The authenticator app's code of `secret` now, by the server's clock.
pub fn code_now(c: &Client, secret: &str) -> String {
    let now = app_state(c).now();
    minyi::accounts::totp::code_at(secret, now.and_utc().timestamp()).unwrap()
}

/// Signs in through both forms: the password, then, when the server asks, the
/// second factor (`typed`: a code or a recovery code). The last answer.
pub fn login_with<'c>(
    c: &'c Client,
    body: &str,
    typed: impl FnOnce() -> String,
) -> LocalResponse<'c> {
    let r = login_form(c, body);
    let Some(to) = r
        .headers()
        .get_one("Location")
        .filter(|l| l.starts_with("/login/code"))
        .map(str::to_string)
    else {
        return r;
    };
    let page = c.get(to).dispatch().into_string().unwrap();
    let token = hidden_value(&page, "csrf");
    let next: String =
        form_urlencoded::byte_serialize(hidden_value(&page, "next").as_bytes()).collect();
    let typed: String = form_urlencoded::byte_serialize(typed().as_bytes()).collect();
    c.post("/login/code")
        .header(ContentType::Form)
        .body(format!("csrf={token}&code={typed}&next={next}"))
        .dispatch()
}

/// [`login_with`] the current code of `secret` (`None`: no second step expected).
pub fn login_two_steps<'c>(c: &'c Client, body: &str, secret: Option<&str>) -> LocalResponse<'c> {
    login_with(c, body, || {
        code_now(c, secret.expect("the server asked for a second factor"))
    })
}

/// The value of `<input type="hidden" name=NAME value=...>`.
pub fn hidden_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no hidden field {name}"))
        + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_string()
}

/// A complete, valid answer set for the mini survey.
pub const MINI_OK: &str = "age=young&district=N&aware=yes&joined=1&what=a&what=b&quiz=y&sat=4&sat3=2&years=12&note=%E5%A5%BD&sex=f";

/// A complete, valid answer set for the example survey.
pub const CIVILITY_OK: &str = "age_band=a40&residence=gt3y&district=XC&aware_campaign=1&aware_values=2&quiz_values=b&support=1&participated=2&participation_kind=vol&sat_sanitation=4&sat_shops=3&sat_culture=dk&sat_security=5&sat_ecology=4&sat_traffic=2&sat_windows=4&sat_minors=5&civic_behaviour=4&sat_overall=4&suggestion=&sex=m";

/// Says, where a developer sees it, that a test did not run its checks here: the
/// harness hides what a passing test prints, so this writes past it to the terminal's
/// standard error. CI sets the variables that make the tools required instead.
pub fn skipped(test: &str, why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "SKIPPED {test}: {why}");
}

/// Whether the tests run on PostgreSQL (`MINYI_TEST_DATABASE_URL=postgres://…`).
pub fn on_postgres() -> bool {
    std::env::var("MINYI_TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres"))
}
