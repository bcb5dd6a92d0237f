//! In a real browser (headless Chromium through chromedriver): a resident answers the
//! questionnaire on a phone-sized screen while an officer's dashboard is open; the
//! dashboard's count and rate change without a reload. Screenshots of every step are
//! saved under `target/tmp/browser/` for people to look at.
//!
//! Needs the Debian packages `chromium` and `chromium-driver` (`.ci/run` installs them
//! and sets MINYI_REQUIRE_BROWSER=1, so CI never skips this test). Without them, on a
//! developer's machine, the test says it was skipped.

use fantoccini::{Client, ClientBuilder, Locator};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

const S: &str = "civility-2026";

struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn which(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for n in names {
            let p = dir.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

fn wait_port(port: u16, what: &str) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "{what} did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn artifacts() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&d).unwrap();
    d
}

async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    std::fs::write(artifacts().join(format!("{name}.png")), png).unwrap();
}

/// A desktop window, or with `phone` a 390×844 phone screen (Chrome's device emulation:
/// touch, mobile viewport, 2× pixels).
async fn browser(driver: u16, chromium: &Path, phone: bool) -> Client {
    let mut opts = serde_json::json!({
        "binary": chromium,
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--window-size=1280,1600", "--lang=zh-CN"],
    });
    if phone {
        opts["mobileEmulation"] = serde_json::json!({
            "deviceMetrics": { "width": 390, "height": 844, "pixelRatio": 2.0, "touch": true },
            "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36",
        });
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), opts);
    ClientBuilder::rustls()
        .unwrap()
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{driver}"))
        .await
        .expect("chromedriver session")
}

async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// `n` earlier responses in XC, 80% aware. Stored without a start time, as the JSON
/// intake may, so the "far below the median time" rule has no times to compare a
/// quick test browser with.
fn seed(store: &minyi::storage::Store, survey: &minyi::definition::Survey, n: usize) {
    store.register_definition(survey).unwrap();
    for i in 0..n {
        let mut answers = serde_json::Map::new();
        for pair in CIVILITY_OK.split('&') {
            let (k, v) = pair.split_once('=').unwrap();
            if !v.is_empty() {
                answers.insert(k.into(), v.into());
            }
        }
        answers.insert(
            "aware_campaign".into(),
            if i % 5 == 0 { "3" } else { "1" }.into(),
        );
        answers.insert("sat_overall".into(), ((i % 5) + 1).to_string().into());
        let now = chrono::Utc::now().naive_utc();
        store
            .insert_response(
                minyi::storage::NewResponse {
                    survey_id: survey.id.clone(),
                    definition_version: survey.version.clone(),
                    wave: survey.wave as i32,
                    collection_district: "XC".into(),
                    collection_community: None,
                    district: "XC".into(),
                    channel: "qr".into(),
                    status: "complete".into(),
                    started_at: None,
                    submitted_at: now,
                    answers: serde_json::Value::Object(answers).to_string(),
                    source_hash: format!("seed-{i}"),
                    device_hash: None,
                    submission_key: format!("{}:seed-{i}", survey.id),
                    quality_flags: String::new(),
                    pattern_hash: format!("seed-{i}"),
                    interviewer: None,
                    intake: None,
                    residence_community: None,
                    residence_grid: None,
                    ..Default::default()
                },
                None,
                None,
                None,
            )
            .unwrap();
    }
}

/// Chromium and chromedriver, or `None` (and a note) where they are not installed.
fn tools(test: &str) -> Option<(PathBuf, PathBuf)> {
    let (Some(chromium), Some(chromedriver)) = (
        which(&["chromium", "chromium-browser", "google-chrome"]),
        which(&["chromedriver"]),
    ) else {
        assert!(
            std::env::var_os("MINYI_REQUIRE_BROWSER").is_none(),
            "MINYI_REQUIRE_BROWSER is set but chromium/chromedriver are not installed (apt-get install chromium chromium-driver)"
        );
        skipped(
            test,
            "install chromium and chromium-driver (Debian) to run the browser test",
        );
        return None;
    };
    Some((chromium, chromedriver))
}

/// `minyi serve` on `port` over `db`, with the surveys in `surveys`.
fn serve(dir: &Path, surveys: &Path, db: &str, port: u16) -> Killed {
    serve_with(dir, surveys, db, port, &[])
}

/// [`serve`] with settings of its own (`ROCKET_…` variables).
fn serve_with(dir: &Path, surveys: &Path, db: &str, port: u16, env: &[(&str, &str)]) -> Killed {
    Killed(
        Command::new(env!("CARGO_BIN_EXE_minyi"))
            .arg("serve")
            .envs(env.iter().copied())
            .current_dir(dir)
            .env("ROCKET_PORT", port.to_string())
            .env("ROCKET_ADDRESS", "127.0.0.1")
            .env("ROCKET_SURVEYS_DIR", surveys)
            .env("DATABASE_URL", db)
            .env("ROCKET_SECRET_KEY", "4c".repeat(32))
            .env("ROCKET_LOG_LEVEL", "critical")
            .env("ROCKET_CLI_COLORS", "false")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join(format!("server-{port}.log"))).unwrap())
            .spawn()
            .unwrap(),
    )
}

/// Waits (up to 90 s) until the server answers its health check; if it stops or
/// never answers, the panic carries what it wrote to its log.
fn ready(server: &mut Killed, dir: &Path, port: u16, what: &str) {
    let start = Instant::now();
    let log =
        || std::fs::read_to_string(dir.join(format!("server-{port}.log"))).unwrap_or_default();
    loop {
        if crate::process::request(port, "GET", "/healthz", "") == Some(200) {
            return;
        }
        if let Ok(Some(status)) = server.0.try_wait() {
            panic!(
                "{what} stopped ({status}) before answering on port {port}:\n{}",
                log()
            );
        }
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "{what} did not answer on port {port} within 90 s:\n{}",
            log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn driver(chromedriver: &Path) -> (Killed, u16) {
    let port = free_port();
    let k = Killed(
        Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_port(port, "chromedriver");
    (k, port)
}

/// Signs in through the form; `second`: the code or recovery code the account's second
/// factor asks for next.
async fn sign_in(
    c: &Client,
    base: &str,
    user: &str,
    password: &str,
    second: Option<&str>,
    next: &str,
) {
    c.goto(&format!("{base}/login?next={next}")).await.unwrap();
    c.find(Locator::Css("input[name=username]"))
        .await
        .unwrap()
        .send_keys(user)
        .await
        .unwrap();
    c.find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(password)
        .await
        .unwrap();
    c.find(Locator::Css("form[action='/login'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    if let Some(code) = second {
        until(c, "the second step", |c| async move {
            c.current_url().await.unwrap().path() == "/login/code"
        })
        .await;
        c.find(Locator::Css("input[name=code]"))
            .await
            .unwrap()
            .send_keys(code)
            .await
            .unwrap();
        c.find(Locator::Css("form[action='/login/code'] button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    until(c, "the sign-in", |c| async move {
        !c.current_url().await.unwrap().path().starts_with("/login")
    })
    .await;
}

/// Waits (up to 20 s) for `cond`, polling.
async fn until<F, Fut>(c: &Client, what: &str, cond: F)
where
    F: Fn(Client) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !cond(c.clone()).await {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "waited 20 s for {what}"
        );
        rocket::tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

#[test]
fn resident_answers_on_a_phone_and_the_open_dashboard_updates() {
    let Some((chromium, chromedriver)) = tools("browser") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let surveys = surveys_dir(dir.path(), &[&format!("{SURVEYS}/civility-2026.toml")]);
    // A person filling the form in a test takes seconds, not the minute the example
    // survey's too-fast rule expects; left as is, the response would be flagged and
    // (rightly) not move the rate.
    let def = surveys.join("civility-2026.toml");
    let text = std::fs::read_to_string(&def).unwrap();
    std::fs::write(&def, text.replace("min_seconds = 60", "min_seconds = 2")).unwrap();
    let survey = minyi::definition::load_file(&def).unwrap();
    let (db, pg) = test_database(dir.path());
    {
        let store = minyi::storage::Store::open(&db).unwrap();
        seed(&store, &survey, 60);
        minyi::accounts::add_user(
            &store,
            &minyi::accounts::PasswordRules::default(),
            &[&survey],
            "officer-xc",
            "officer password 1",
            "district",
            Some("XC"),
        )
        .unwrap();
    }
    let port = free_port();
    let mut server = serve(dir.path(), &surveys, &db, port);
    let (_driver, driver_port) = driver(&chromedriver);
    ready(&mut server, dir.path(), port, "minyi");
    let base = format!("http://127.0.0.1:{port}");

    let rt = rocket::tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        // The officer signs in and keeps the district page open (refreshing every 2 s).
        let officer = browser(driver_port, &chromium, false).await;
        officer.goto(&format!("{base}/office")).await.unwrap();
        assert!(officer
            .current_url()
            .await
            .unwrap()
            .path()
            .starts_with("/login"));
        officer
            .find(Locator::Css("input[name=username]"))
            .await
            .unwrap()
            .send_keys("officer-xc")
            .await
            .unwrap();
        officer
            .find(Locator::Css("input[name=password]"))
            .await
            .unwrap()
            .send_keys("officer password 1")
            .await
            .unwrap();
        shot(&officer, "1-officer-login").await;
        officer
            .find(Locator::Css("form[action='/login'] button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        // The sign-in must have landed (its cookie set) before the next page is asked
        // for; on a busy machine the click returns first.
        for _ in 0..100 {
            if !officer
                .current_url()
                .await
                .unwrap()
                .path()
                .starts_with("/login")
            {
                break;
            }
            rocket::tokio::time::sleep(Duration::from_millis(100)).await;
        }
        officer
            .goto(&format!("{base}/office/{S}/d/XC?refresh=2"))
            .await
            .unwrap();
        let count_css = "[data-k='XC.total']";
        let rate_css = "[data-k='aware_campaign@XC']";
        let ci_css = "[data-c='aware_campaign@XC']";
        let count0: u64 = text_of(&officer, count_css).await.parse().unwrap();
        let rate0 = text_of(&officer, rate_css).await;
        let ci0 = text_of(&officer, ci_css).await;
        assert!(ci0.ends_with("n=60"), "{ci0}");
        shot(&officer, "2-officer-before").await;

        // A resident on a phone-sized screen answers at a community's poster.
        let phone = browser(driver_port, &chromium, true).await;
        phone
            .goto(&format!("{base}/s/{S}/XC/xinhua-xfl"))
            .await
            .unwrap();
        shot(&phone, "3-phone-form-top").await;
        // Pages must fit the phone: nothing wider than the screen.
        let wide = phone
            .execute(
                "return document.documentElement.scrollWidth <= window.innerWidth + 1",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            wide,
            serde_json::Value::Bool(true),
            "the form scrolls sideways on a phone"
        );
        // The visible questions are numbered without gaps, with the follow-up on
        // participation hidden and then shown.
        let hidden = visible_numbers(&phone).await;
        assert_eq!(hidden, (1..=hidden.len()).collect::<Vec<_>>(), "{hidden:?}");
        // "No" to the first awareness question: one answer among ~100 moves the rate by
        // about a point, which the page shows.
        let answers = CIVILITY_OK.replace("aware_campaign=1", "aware_campaign=3");
        for pair in answers.split('&') {
            let (k, v) = pair.split_once('=').unwrap();
            if v.is_empty() || k == "district" {
                continue;
            }
            let el = phone
                .find(Locator::Css(&format!("input[name='{k}'][value='{v}']")))
                .await
                .unwrap_or_else(|e| panic!("no option {k}={v}: {e}"));
            el.click().await.unwrap();
        }
        let shown = visible_numbers(&phone).await;
        assert_eq!(
            shown,
            (1..=hidden.len() + 1).collect::<Vec<_>>(),
            "{shown:?}"
        );
        // The survey's too-fast rule (2 s here) must not flag a real person.
        rocket::tokio::time::sleep(Duration::from_millis(2100)).await;
        shot(&phone, "4-phone-form-filled").await;
        phone
            .find(Locator::Css("form button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let start = Instant::now();
        while !phone
            .current_url()
            .await
            .unwrap()
            .path()
            .starts_with("/thanks/")
        {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "no thank-you page: {}",
                phone.source().await.unwrap()
            );
            rocket::tokio::time::sleep(Duration::from_millis(100)).await;
        }
        shot(&phone, "5-phone-thanks").await;
        assert!(phone.source().await.unwrap().contains("感谢您的参与"));

        // The open dashboard shows the new count and rate without being reloaded.
        let start = Instant::now();
        let (mut count, mut rate) = (count0, rate0.clone());
        while (count != count0 + 1 || rate == rate0) && start.elapsed() < Duration::from_secs(15) {
            rocket::tokio::time::sleep(Duration::from_millis(300)).await;
            count = text_of(&officer, count_css).await.parse().unwrap();
            rate = text_of(&officer, rate_css).await;
        }
        shot(&officer, "6-officer-after").await;
        assert_eq!(count, count0 + 1, "count on the open page");
        assert_ne!(rate, rate0, "rate on the open page");
        let ci = text_of(&officer, ci_css).await;
        assert!(
            ci.ends_with("n=61") && ci != ci0,
            "interval and n on the open page: {ci}"
        );
        // And the same figures after a reload (the page without JavaScript).
        officer.refresh().await.unwrap();
        assert_eq!(text_of(&officer, count_css).await, count.to_string());
        assert_eq!(text_of(&officer, rate_css).await, rate);
        assert_eq!(text_of(&officer, ci_css).await, ci);
        officer.close().await.unwrap();
        phone.close().await.unwrap();
    });
    if let Some((base, schema)) = pg {
        use diesel::{Connection, RunQueryDsl};
        let mut c = diesel::pg::PgConnection::establish(&base).unwrap();
        diesel::sql_query(format!("DROP SCHEMA {schema} CASCADE"))
            .execute(&mut c)
            .unwrap();
    }
}

/// The numbers on the visible questions of the open form, in page order.
async fn visible_numbers(c: &fantoccini::Client) -> Vec<usize> {
    let v = c
        .execute(
            "return Array.from(document.querySelectorAll('fieldset[data-q]')).filter(function(f){return !f.hidden}).map(function(f){return f.querySelector('.qn').textContent.trim()})",
            vec![],
        )
        .await
        .unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let t = n.as_str().unwrap();
            t.trim_end_matches('.')
                .parse()
                .unwrap_or_else(|_| panic!("`{t}` is no number"))
        })
        .collect()
}

/// Switches the phone's network off or on as DevTools' "Offline" does (chromedriver's
/// network conditions): every request of the page and its service worker fails as in
/// a stairwell without signal, and `online`/`offline` events fire.
fn network(driver: u16, session: &str, online: bool) {
    let url = format!("http://127.0.0.1:{driver}/session/{session}/chromium/network_conditions");
    let r = if online {
        ureq::delete(&url).call()
    } else {
        ureq::post(&url).header("Content-Type", "application/json").send(
            r#"{"network_conditions":{"offline":true,"latency":0,"download_throughput":-1,"upload_throughput":-1}}"#,
        )
    };
    r.unwrap_or_else(|e| panic!("chromedriver's network switch ({online}): {e}"));
}

/// Household interviews stored so far (rows with a drawn household).
fn household_rows(db: &str, survey: &str) -> Vec<minyi::storage::StoredResponse> {
    let store = minyi::storage::Store::open(db).unwrap();
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let page = store.responses_page(survey, after, 1000).unwrap();
        let Some(last) = page.last() else { break };
        after = last.id;
        out.extend(page.into_iter().filter(|r| r.household_id.is_some()));
    }
    out
}

/// How many items the open field page says wait on the phone.
async fn queued(c: &Client) -> usize {
    c.execute(
        "return +(document.documentElement.dataset.queued || -1)",
        vec![],
    )
    .await
    .unwrap()
    .as_i64()
    .unwrap_or(-1)
    .max(-1) as usize
}

/// Answers the household questionnaire open on the phone and sends it (to the queue).
async fn answer_household(phone: &Client, adults: &str) {
    phone
        .find(Locator::Css("input[name='f.adults']"))
        .await
        .unwrap()
        .send_keys(adults)
        .await
        .unwrap();
    // The phone names the adult the household's Kish table selects.
    let chosen = text_of(phone, "p.chosen").await;
    assert!(
        chosen.starts_with("访问第") && chosen.ends_with("位成年人"),
        "the chosen adult: {chosen:?}"
    );
    for pair in CIVILITY_OK.split('&') {
        let (k, v) = pair.split_once('=').unwrap();
        if v.is_empty() || k == "district" {
            continue;
        }
        phone
            .find(Locator::Css(&format!("input[name='{k}'][value='{v}']")))
            .await
            .unwrap_or_else(|e| panic!("no option {k}={v}: {e}"))
            .click()
            .await
            .unwrap();
    }
    phone
        .find(Locator::Css("form[data-field] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// An interviewer in a stairwell: the field pages are kept on the phone, three
/// households are interviewed with the phone's network switched off, and once it is
/// back the page sends them by itself and the server holds each exactly once. Then the session ends while a fourth household's
/// visit waits on the phone; it is sent after signing in again.
#[test]
fn household_interviews_answered_offline_arrive_once_each() {
    let Some((chromium, chromedriver)) = tools("browser offline") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let surveys = surveys_dir(dir.path(), &[&format!("{SURVEYS}/civility-2026.toml")]);
    let survey = minyi::definition::load_file(&surveys.join("civility-2026.toml")).unwrap();
    let (db, pg) = test_database(dir.path());
    let _schema = DropSchema(pg);
    let households: Vec<i64> = {
        let store = minyi::storage::Store::open(&db).unwrap();
        store.register_definition(&survey).unwrap();
        minyi::accounts::add_user(
            &store,
            &minyi::accounts::PasswordRules::default(),
            &[&survey],
            "field-1",
            "field password 1",
            "interviewer",
            None,
        )
        .unwrap();
        minyi::households::draw(&store, &survey, None, "test").unwrap();
        let st = minyi::households::sample_status(&store, &survey)
            .unwrap()
            .unwrap();
        let community = st.communities[0].community.clone();
        minyi::households::assign(
            &store,
            &survey,
            minyi::households::Target::Community(&community),
            "field-1",
            "test",
        )
        .unwrap();
        st.households
            .iter()
            .filter(|h| h.row.community == community)
            .map(|h| h.row.id)
            .collect()
    };
    let port = free_port();
    let mut server = Some(serve(dir.path(), &surveys, &db, port));
    let (_driver, driver_port) = driver(&chromedriver);
    ready(server.as_mut().unwrap(), dir.path(), port, "minyi");
    let base = format!("http://127.0.0.1:{port}");
    let rt = rocket::tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let phone = browser(driver_port, &chromium, true).await;
        sign_in(&phone, &base, "field-1", "field password 1", None, "/office/field").await;
        assert_eq!(phone.current_url().await.unwrap().path(), "/office/field");
        shot(&phone, "field-1-my-households").await;
        // The service worker keeps My households, each household's page and form.
        let want = 1 + 2 * households.len() + 1;
        until(&phone, "the pages kept on the phone", |c| async move {
            let n = c
                .execute_async(
                    "var done = arguments[arguments.length - 1];
                     caches.open('minyi-field-v1').then(function (c) { return c.keys(); })
                       .then(function (k) { done(k.length); }, function () { done(0); });",
                    vec![],
                )
                .await
                .unwrap();
            n.as_u64().unwrap_or(0) as usize >= want
        })
        .await;

        // No signal: Chrome's network is switched off, and the server is out of reach
        // too (a request a service worker lets through is not always held back by
        // the emulation; nothing must get through here).
        let session = phone.session_id().await.unwrap().unwrap();
        network(driver_port, &session, false);
        drop(server.take());
        for (k, h) in households.iter().take(3).enumerate() {
            phone
                .goto(&format!("{base}/office/field/{S}/h/{h}/interview?lang=zh"))
                .await
                .unwrap();
            if k == 0 {
                shot(&phone, "field-2-offline-form").await;
            }
            answer_household(&phone, &(k + 1).to_string()).await;
            until(&phone, "the queued interview", |c| async move {
                c.current_url().await.unwrap().path() == "/office/field" && queued(&c).await == k + 1
            })
            .await;
        }
        shot(&phone, "field-3-three-waiting").await;
        assert_eq!(text_of(&phone, "#field-queue [data-count]").await, "3");
        // The kept list is older than the interviews: it marks the three as waiting.
        let marked = phone
            .execute(
                "return Array.from(document.querySelectorAll('p[data-household]')).filter(function (p) { return !p.querySelector('[data-waiting]').hidden; }).map(function (p) { return +p.dataset.household; })",
                vec![],
            )
            .await
            .unwrap();
        let mut marked: Vec<i64> = marked.as_array().unwrap().iter().filter_map(|v| v.as_i64()).collect();
        marked.sort_unstable();
        let mut first3 = households[..3].to_vec();
        first3.sort_unstable();
        assert_eq!(marked, first3);
        assert!(household_rows(&db, S).is_empty(), "nothing reached the server");

        // The signal returns: the page sends the queue by itself, and the server holds
        // each interview once.
        let mut back = serve(dir.path(), &surveys, &db, port);
        ready(&mut back, dir.path(), port, "minyi again");
        server = Some(back);
        network(driver_port, &session, true);
        until(&phone, "the queue sent", |c| async move { queued(&c).await == 0 }).await;
        // The page flushes again as it loads: nothing is sent twice.
        phone.refresh().await.unwrap();
        until(&phone, "the page's own flush", |c| async move { queued(&c).await == 0 }).await;
        let rows = household_rows(&db, S);
        assert_eq!(rows.len(), 3, "exactly three household interviews: {:?}", rows.iter().map(|r| r.household_id).collect::<Vec<_>>());
        let mut got: Vec<i64> = rows.iter().filter_map(|r| r.household_id).collect();
        got.sort_unstable();
        let mut want: Vec<i64> = households[..3].to_vec();
        want.sort_unstable();
        assert_eq!(got, want);
        for r in &rows {
            let ended = r.ended_at.expect("the phone's end time");
            assert!(ended <= r.submitted_at, "ended on the phone before the server got it");
            assert_eq!(r.interviewer.as_deref(), Some("field-1"));
            assert!((r.selection_probability.unwrap() - 1.0 / r.household_adults.unwrap() as f64).abs() < 1e-9);
        }
        shot(&phone, "field-4-sent").await;

        // Offline again, a refusal at the fourth door; meanwhile the session ends.
        network(driver_port, &session, false);
        drop(server.take());
        phone.goto(&format!("{base}/office/field/{S}/h/{}?lang=zh", households[3])).await.unwrap();
        phone.find(Locator::Css("input[name='f.outcome'][value='refusal']")).await.unwrap().click().await.unwrap();
        phone.find(Locator::Css("form[data-field='visit'] button[type=submit]")).await.unwrap().click().await.unwrap();
        until(&phone, "the queued visit", |c| async move { queued(&c).await == 1 }).await;
        minyi::storage::Store::open(&db).unwrap().end_sessions_of("field-1").unwrap();
        let mut back = serve(dir.path(), &surveys, &db, port);
        ready(&mut back, dir.path(), port, "minyi a third time");
        server = Some(back);
        network(driver_port, &session, true);
        phone.find(Locator::Css("#field-queue [data-send]")).await.unwrap().click().await.unwrap();
        until(&phone, "the sign-in prompt", |c| async move {
            c.execute("return !document.querySelector('#field-queue [data-signin]').hidden", vec![])
                .await
                .unwrap()
                .as_bool()
                .unwrap_or(false)
        })
        .await;
        shot(&phone, "field-5-session-ended").await;
        assert_eq!(queued(&phone).await, 1, "the visit stays on the phone");
        let store = minyi::storage::Store::open(&db).unwrap();
        assert!(store.visits_of(S, households[3]).unwrap().is_empty());
        sign_in(&phone, &base, "field-1", "field password 1", None, "/office/field").await;
        until(&phone, "the visit sent after signing in", |c| async move { queued(&c).await == 0 }).await;
        let visits = store.visits_of(S, households[3]).unwrap();
        assert_eq!(visits.iter().map(|v| v.outcome.as_str()).collect::<Vec<_>>(), ["refusal"]);
        assert_eq!(household_rows(&db, S).len(), 3);
        phone.close().await.unwrap();
    });
    drop(server);
}

/// axe-core's script: `MINYI_AXE_JS` (`.ci/run` fetches the `axe-core` package from
/// the npm registry), or `None` (and a note) where it is not there.
fn axe_script(test: &str) -> Option<String> {
    let path = std::env::var_os("MINYI_AXE_JS").map(PathBuf::from);
    match path.as_deref().map(std::fs::read_to_string) {
        Some(Ok(js)) => Some(js),
        _ => {
            assert!(
                std::env::var_os("MINYI_REQUIRE_AXE").is_none(),
                "MINYI_REQUIRE_AXE is set but MINYI_AXE_JS ({path:?}) is not axe.min.js"
            );
            skipped(
                test,
                "set MINYI_AXE_JS to axe-core 4's axe.min.js (npm pack axe-core@4) to run the accessibility check",
            );
            None
        }
    }
}

/// The violations axe-core finds on the open page (WCAG 2.1 A and AA, and best
/// practice), one line each.
async fn axe_violations(c: &Client, axe: &str) -> Vec<String> {
    c.execute(&format!("{axe}\nreturn true;"), vec![])
        .await
        .expect("axe-core loads");
    let run = "var done = arguments[arguments.length - 1];\
        axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})\
        .then(function (r) { done(r.violations.map(function (v) {\
            return v.id + ' (' + v.impact + ', ' + v.nodes.length + '×): ' + v.help + ' — ' + v.nodes.slice(0, 3).map(function (n) { return n.target.join(' '); }).join(' | ');\
        })); })\
        .catch(function (e) { done(['axe did not run: ' + e]); });";
    let v = c.execute_async(run, vec![]).await.expect("axe-core runs");
    serde_json::from_value(v).expect("a list of violations")
}

/// Every office page (as the admin and the district officer), the interviewer's
/// pages and the resident's, on the demo's data: axe-core 4 finds nothing to fix
/// (WCAG 2.1 AA and best practice), at desktop width and the resident's at phone width.
/// An office page left alone warns before its session ends, and "Keep working" keeps
/// it: the idle timeout at one minute, the warning a third of it before.
#[test]
fn an_idle_page_warns_before_signing_out_and_can_go_on() {
    let Some((chromium, chromedriver)) = tools("idle warning") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let surveys = surveys_dir(dir.path(), &[&format!("{FIXTURES}/mini.toml")]);
    let survey = minyi::definition::load_file(&surveys.join("mini.toml")).unwrap();
    let (db, pg) = test_database(dir.path());
    {
        let store = minyi::storage::Store::open(&db).unwrap();
        minyi::accounts::add_user(
            &store,
            &minyi::accounts::PasswordRules::default(),
            &[&survey],
            "reader",
            "quiet hours 1",
            "viewer",
            None,
        )
        .unwrap();
    }
    let port = free_port();
    let mut server = serve_with(
        dir.path(),
        &surveys,
        &db,
        port,
        &[("ROCKET_SESSION_IDLE_MINUTES", "1")],
    );
    let (_driver, driver_port) = driver(&chromedriver);
    ready(&mut server, dir.path(), port, "minyi");
    let base = format!("http://127.0.0.1:{port}");
    rocket::tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(async {
            let c = browser(driver_port, &chromium, false).await;
            sign_in(
                &c,
                &base,
                "reader",
                "quiet hours 1",
                None,
                "/office/password",
            )
            .await;
            // Typed but not sent: what the page holds.
            c.find(Locator::Css("input[name=current]"))
                .await
                .unwrap()
                .send_keys("half typed")
                .await
                .unwrap();
            let started = Instant::now();
            let warning = Locator::Css("div.idle[role=alert]");
            // Due about 40 s after the page loaded (a tick every 10 s).
            rocket::tokio::time::sleep(Duration::from_secs(32)).await;
            until(&c, "the idle warning", |c| async move {
                match c.find(Locator::Css("div.idle[role=alert]")).await {
                    Ok(e) => e.is_displayed().await.unwrap_or(false),
                    Err(_) => false,
                }
            })
            .await;
            assert!(
                started.elapsed() > Duration::from_secs(25),
                "the warning came after {:?}, not a third of a minute before the end",
                started.elapsed()
            );
            shot(&c, "idle-warning").await;
            let text = c.find(warning).await.unwrap().text().await.unwrap();
            assert!(text.contains("退出登录"), "{text}");
            c.find(Locator::Css("div.idle button"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            // Past the minute the session would have had, it is still there.
            rocket::tokio::time::sleep(Duration::from_secs(35)).await;
            let typed = c
                .find(Locator::Css("input[name=current]"))
                .await
                .unwrap()
                .prop("value")
                .await
                .unwrap();
            assert_eq!(
                typed.as_deref(),
                Some("half typed"),
                "the page kept what was typed"
            );
            c.goto(&format!("{base}/office")).await.unwrap();
            let path = c.current_url().await.unwrap().path().to_string();
            assert_eq!(path, "/office", "still signed in");
            c.close().await.unwrap();
        });
    drop(server);
    drop(DropSchema(pg));
}

#[test]
fn every_page_passes_axe_core() {
    let Some((chromium, chromedriver)) = tools("axe") else {
        return;
    };
    let Some(axe) = axe_script("axe") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let surveys = surveys_dir(dir.path(), &[&format!("{SURVEYS}/civility-2026.toml")]);
    let survey = minyi::definition::load_file(&surveys.join("civility-2026.toml")).unwrap();
    let (db, pg) = test_database(dir.path());
    let logins = {
        let store = minyi::storage::Store::open(&db).unwrap();
        minyi::demo::run(&store, &survey, 400, 7).unwrap().logins
    };
    let password = |user: &str| {
        logins
            .iter()
            .find(|l| l.username == user)
            .unwrap()
            .password
            .clone()
    };
    let port = free_port();
    let mut server = serve(dir.path(), &surveys, &db, port);
    let (_driver, driver_port) = driver(&chromedriver);
    ready(&mut server, dir.path(), port, "minyi");
    let base = format!("http://127.0.0.1:{port}");
    let admin_pages: &'static [&'static str] = &[
        "/office",
        "/office/civility-2026",
        "/office/civility-2026?wave=1",
        "/office/civility-2026/d/XC",
        "/office/civility-2026/d/XC/s/xc-xinhua",
        "/office/civility-2026/d/XC/c/xinhua-hpl",
        "/office/civility-2026/quality",
        "/office/civility-2026/interviewers",
        "/office/civility-2026/voices",
        "/office/civility-2026/funnel",
        "/office/civility-2026/sample",
        "/office/civility-2026/callbacks",
        "/office/civility-2026/posters",
        "/office/civility-2026/ledger",
        "/office/civility-2026/ledger/1",
        "/office/civility-2026/ledger/new?district=XC&level=community&place=xinhua-hpl&indicator=aware_campaign",
        "/office/users",
        "/office/audit",
        "/office/db",
        "/office/password",
        "/office/2fa",
        "/office?lang=en",
        "/office/civility-2026/d/XC?lang=en",
    ];
    let officer_pages: &'static [&'static str] = &[
        "/office/civility-2026/d/XC",
        "/office/civility-2026/voices?district=XC",
        "/office/civility-2026/funnel?district=XC",
        "/office/civility-2026/sample?district=XC",
        "/office/civility-2026/ledger",
        // Not enrolled: the enrolment page with its QR code.
        "/office/2fa",
    ];
    let interviewer_pages: &'static [&'static str] = &[
        "/office/interview",
        "/office/interview/civility-2026",
        "/office/interview/civility-2026/XC",
        "/office/field",
    ];
    let resident_pages: &'static [&'static str] = &[
        "/s/civility-2026/XC/xinhua-xfl",
        "/s/civility-2026/XC/xinhua-xfl?lang=en",
        "/s/civility-2026/XC/nowhere",
        "/login",
    ];

    let rt = rocket::tokio::runtime::Runtime::new().unwrap();
    let found = rt.block_on(async {
        let mut found: Vec<String> = Vec::new();
        let check = |c: Client, pages: &'static [&'static str], who: &'static str| {
            let (axe, base) = (axe.clone(), base.clone());
            async move {
                let mut out = Vec::new();
                for p in pages {
                    c.goto(&format!("{base}{p}")).await.unwrap();
                    let name: String = format!("axe-{who}{p}")
                        .chars()
                        .map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '-' })
                        .collect();
                    shot(&c, &name).await;
                    for v in axe_violations(&c, &axe).await {
                        out.push(format!("{who} {p}: {v}"));
                    }
                }
                c.close().await.unwrap();
                out
            }
        };
        let c = browser(driver_port, &chromium, false).await;
        // The demo's admin has a second factor, as admins need by default.
        let recovery = logins
            .iter()
            .find_map(|l| l.second_factor.as_ref())
            .map(|(_, codes)| codes[0].clone())
            .unwrap();
        sign_in(
            &c,
            &base,
            "demo-admin",
            &password("demo-admin"),
            Some(&recovery),
            "/office",
        )
        .await;
        found.extend(check(c, admin_pages, "admin").await);
        let c = browser(driver_port, &chromium, false).await;
        sign_in(
            &c,
            &base,
            "demo-district",
            &password("demo-district"),
            None,
            "/office",
        )
        .await;
        found.extend(check(c, officer_pages, "district officer").await);
        let c = browser(driver_port, &chromium, true).await;
        sign_in(
            &c,
            &base,
            "demo-interviewer",
            &password("demo-interviewer"),
            None,
            "/office/interview",
        )
        .await;
        found.extend(check(c, interviewer_pages, "interviewer (phone)").await);
        let c = browser(driver_port, &chromium, true).await;
        found.extend(check(c, resident_pages, "resident (phone)").await);
        found
    });
    if let Some((base, schema)) = pg {
        use diesel::{Connection, RunQueryDsl};
        let mut c = diesel::pg::PgConnection::establish(&base).unwrap();
        diesel::sql_query(format!("DROP SCHEMA {schema} CASCADE"))
            .execute(&mut c)
            .unwrap();
    }
    assert!(found.is_empty(), "axe-core found:\n{}", found.join("\n"));
}
