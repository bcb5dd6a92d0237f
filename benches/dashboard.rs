//! The dashboard at scale: `cargo bench --bench dashboard`.
//!
//! For each size (default 100,000 and 1,000,000 responses; `MINYI_BENCH_SIZES=20000`
//! for a quick look) it fills a fresh SQLite database with `minyi demo`, starts the
//! release server, signs in, and prints: the time to the first survey page after a
//! start (from the saved snapshot, and once more with the snapshot made unusable, so
//! from one pass over the rows), the first, median and worst of 20 requests to every
//! office page and the API, as the admin and as the district officer (the demo's, of
//! XC), each page's first request being its first after the start; the other
//! downloads (weak spots, briefing, pack, a district's) twice; the responses CSV and
//! workbook downloads' times and the server's peak memory (VmHWM) before and after
//! them, and checks the
//! dashboard's district estimates against `minyi stats` on the downloaded CSV. The baseline, measured in the
//! same run against the same server: `GET /healthz`, the HTTP floor.
//!
//! Every size carries a household probability sample beside the QR responses, one
//! household interview for 50 responses (20,000 at a million; the example survey's
//! `[household_sample]` with enough households per community), estimated apart on the
//! survey and district pages and in the summary API.
//!
//! Targets at 1,000,000: every page < 1 s on its first request after the start and
//! < 100 ms after, the downloads besides the responses' rows < 1 s, VmHWM < 300 MB and
//! within 20% of the 100,000-response figure.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SURVEY: &str = "civility-2026";

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn vm(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
            / 1024
    }
}

/// The run's definitions: the example survey, its household sample drawing enough
/// households per community for the size's household interviews.
fn surveys(dir: &Path, interviews: usize) -> PathBuf {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("surveys");
    let to = dir.join("surveys");
    std::fs::create_dir_all(&to).expect("a surveys directory");
    for f in std::fs::read_dir(&from).expect("the surveys") {
        let f = f.expect("a survey file").path();
        let name = f.file_name().expect("a file name");
        std::fs::copy(&f, to.join(name)).expect("copied");
    }
    // 18 drawn communities (3 per district); about 60% of the demo's households give
    // an interview.
    let per = (interviews as f64 / (18.0 * 0.6)).ceil().max(20.0) as u32;
    let def = to.join("civility-2026.toml");
    let text = std::fs::read_to_string(&def).expect("the example survey");
    let text = text.replacen(
        "households = 20          # per community",
        &format!("households = {per}"),
        1,
    );
    std::fs::write(&def, text).expect("written");
    to
}

fn minyi(dir: &Path, db: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_minyi"));
    c.current_dir(dir)
        .env("DATABASE_URL", db)
        .env("ROCKET_SURVEYS_DIR", dir.join("surveys"))
        .env("ROCKET_SECRET_KEY", "4c".repeat(32))
        .env("ROCKET_LOG_LEVEL", "off")
        .env("ROCKET_ADDRESS", "127.0.0.1");
    c
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn start_server(dir: &Path, db: &str) -> (Server, f64) {
    let port = free_port();
    let t = Instant::now();
    let child = minyi(dir, db)
        .arg("serve")
        .env("ROCKET_PORT", port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("minyi serve starts");
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let agent = agent();
    for _ in 0..600 {
        if agent
            .get(format!("{}/healthz", server.base))
            .call()
            .is_ok_and(|r| r.status() == 200)
        {
            return (server, t.elapsed().as_secs_f64());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the server did not answer /healthz within 12 s");
}

fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .build(),
    )
}

/// Signs in as one of the demo's accounts, giving `second` (a recovery code) when the
/// account asks for its second factor; returns the session cookie.
fn sign_in(server: &Server, user: &str, password: &str, second: Option<&str>) -> String {
    let a = agent();
    let mut page = a
        .get(format!("{}/login", server.base))
        .call()
        .expect("login page");
    let cookies: Vec<String> = set_cookies(page.headers());
    let html = page.body_mut().read_to_string().expect("login page body");
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("a CSRF field") + marker.len();
    let csrf = &html[start..start + html[start..].find('"').expect("its end")];
    let r = a
        .post(format!("{}/login", server.base))
        .header("Cookie", cookies.join("; "))
        .send_form([("csrf", csrf), ("username", user), ("password", password)])
        .expect("sign-in");
    assert_eq!(r.status(), 303, "signed in");
    let mut set = set_cookies(r.headers());
    if let Some(code) = second {
        // The second step: the pending cookie from the password, the form's token.
        set.extend(cookies);
        let r = a
            .post(format!("{}/login/code", server.base))
            .header("Cookie", set.join("; "))
            .send_form([("csrf", csrf), ("code", code)])
            .expect("the second step");
        assert_eq!(r.status(), 303, "signed in with the second factor");
        set = set_cookies(r.headers());
    }
    set.into_iter()
        .find(|c| c.starts_with("minyi_session="))
        .expect("a session cookie")
}

/// The `name=value` of each cookie a response sets.
fn set_cookies(headers: &ureq::http::HeaderMap) -> Vec<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next().map(str::to_string))
        .collect()
}

/// One request, its body read to the end: (seconds, bytes).
fn get(server: &Server, cookie: &str, path: &str) -> (f64, u64) {
    get_to(server, cookie, path, &mut std::io::sink())
}

/// As [`get`], copying the body to `out`.
fn get_to(server: &Server, cookie: &str, path: &str, out: &mut dyn std::io::Write) -> (f64, u64) {
    let t = Instant::now();
    let mut r = agent()
        .get(format!("{}{path}", server.base))
        .header("Cookie", cookie)
        .call()
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(r.status(), 200, "{path}");
    let mut n = 0u64;
    let mut buf = vec![0u8; 1 << 16];
    let mut body = r.body_mut().with_config().limit(u64::MAX).reader();
    loop {
        match body.read(&mut buf) {
            Ok(0) => break,
            Ok(k) => {
                n += k as u64;
                out.write_all(&buf[..k]).expect("the body is kept");
            }
            Err(e) => panic!("{path}: {e}"),
        }
    }
    (t.elapsed().as_secs_f64(), n)
}

struct Timing {
    first: f64,
    median: f64,
    worst: f64,
}

/// The first request, then the median and worst of `n` more.
fn timing_n(server: &Server, cookie: &str, path: &str, n: usize) -> Timing {
    let first = get(server, cookie, path).0;
    let mut v: Vec<f64> = (0..n).map(|_| get(server, cookie, path).0).collect();
    v.sort_by(f64::total_cmp);
    Timing {
        first,
        median: v[n / 2],
        worst: v[n - 1],
    }
}

fn timing(server: &Server, cookie: &str, path: &str) -> Timing {
    timing_n(server, cookie, path, 20)
}

fn ms(s: f64) -> String {
    format!("{:.1} ms", s * 1000.0)
}

/// Makes the saved snapshot unusable (another definition version), so the next start
/// reads every row.
fn spoil_snapshot(db: &str) {
    let store = minyi::storage::Store::open(db).expect("the database opens");
    if let Some(mut snap) = store.snapshot(SURVEY).expect("the snapshot reads") {
        snap.version = "spoiled by the benchmark".into();
        store
            .save_snapshot(SURVEY, &snap)
            .expect("the snapshot saves");
    }
}

struct Row {
    size: usize,
    /// Household-sample interviews beside the responses.
    households: usize,
    /// (estimates compared, largest relative difference) dashboard vs `minyi stats`.
    agreement: (usize, f64),
    demo: f64,
    start: f64,
    first_page: f64,
    cold_first_page: f64,
    healthz: Timing,
    views: Vec<(&'static str, Timing)>,
    district_views: Vec<(&'static str, Timing)>,
    downloads: Vec<(&'static str, Timing)>,
    csv: (f64, u64),
    xlsx: (f64, u64),
    hwm_xlsx: u64,
    hwm_pages: u64,
    hwm_csv: u64,
    rss_end: u64,
}

/// Every office page an admin opens, and the API.
const VIEWS: [(&str, &str); 21] = [
    ("survey page", "/office/civility-2026"),
    ("another wave", "/office/civility-2026?wave=1"),
    ("a mode (phone)", "/office/civility-2026?mode=phone"),
    ("a district (XC)", "/office/civility-2026/d/XC"),
    (
        "a community filter",
        "/office/civility-2026?community=xinhua-xfl",
    ),
    ("quality panel", "/office/civility-2026/quality"),
    ("summary API", "/api/surveys/civility-2026/summary"),
    (
        "estimates API by community",
        "/api/surveys/civility-2026/estimates?by=community",
    ),
    ("household sample page", "/office/civility-2026/sample"),
    ("call-backs page", "/office/civility-2026/callbacks"),
    ("interviewer checks", "/office/civility-2026/interviewers"),
    ("voices", "/office/civility-2026/voices"),
    (
        "voices ?q=路灯",
        "/office/civility-2026/voices?q=%E8%B7%AF%E7%81%AF",
    ),
    ("funnel", "/office/civility-2026/funnel"),
    ("a street page", "/office/civility-2026/d/XC/s/xc-xinhua"),
    (
        "a community page",
        "/office/civility-2026/d/XC/c/xinhua-hpl",
    ),
    ("a chart (heat map)", "/office/civility-2026/chart/heat.svg"),
    ("posters page", "/office/civility-2026/posters"),
    ("office home", "/office"),
    ("rectification ledger", "/office/civility-2026/ledger"),
    ("a ledger item", "/office/civility-2026/ledger/1"),
];

/// What a district officer (the demo's, of XC) opens.
const DISTRICT_VIEWS: [(&str, &str); 9] = [
    ("their district page", "/office/civility-2026/d/XC"),
    ("a street page", "/office/civility-2026/d/XC/s/xc-xinhua"),
    (
        "a community page",
        "/office/civility-2026/d/XC/c/xinhua-hpl",
    ),
    (
        "voices of the district",
        "/office/civility-2026/voices?district=XC",
    ),
    (
        "funnel of the district",
        "/office/civility-2026/funnel?district=XC",
    ),
    (
        "quality of the district",
        "/office/civility-2026/quality?district=XC",
    ),
    (
        "sample of the district",
        "/office/civility-2026/sample?district=XC",
    ),
    (
        "summary API of the district",
        "/api/surveys/civility-2026/summary?district=XC",
    ),
    (
        "ledger of the district",
        "/office/civility-2026/ledger?district=XC",
    ),
];

/// Downloads besides the responses (those are timed with their memory below).
const DOWNLOADS: [(&str, &str); 7] = [
    (
        "weak spots CSV",
        "/office/civility-2026/download/weak_spots.csv",
    ),
    (
        "weak spots workbook",
        "/office/civility-2026/download/weak_spots.xlsx",
    ),
    (
        "briefing (Word)",
        "/office/civility-2026/download/briefing.docx",
    ),
    (
        "briefing pack (zip)",
        "/office/civility-2026/download/pack.zip",
    ),
    ("ledger workbook", "/office/civility-2026/ledger.xlsx"),
    (
        "district's weak spots workbook (officer)",
        "/office/civility-2026/d/XC/download/weak_spots.xlsx",
    ),
    (
        "district's responses CSV (officer)",
        "/office/civility-2026/d/XC/download/responses.csv",
    ),
];

/// The dashboard's district estimates against `minyi stats` on the downloaded rows.
fn agreement(server: &Server, cookie: &str, dir: &Path, db: &str, csv: &Path) -> (usize, f64) {
    let mut body = Vec::new();
    get_to(
        server,
        cookie,
        "/api/surveys/civility-2026/estimates?by=district",
        &mut body,
    );
    let api: serde_json::Value = serde_json::from_slice(&body).expect("estimates JSON");
    let def = dir.join("surveys/civility-2026.toml");
    let out = minyi(dir, db)
        .arg("stats")
        .arg("--survey")
        .arg(&def)
        .arg("--responses")
        .arg(csv)
        .args(["--by", "district", "--format", "json"])
        .output()
        .expect("minyi stats runs");
    assert!(
        out.status.success(),
        "minyi stats: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stats JSON");
    assert_eq!(
        api["respondents"], cli["respondents"],
        "the same respondents"
    );
    let key = |e: &serde_json::Value| {
        format!(
            "{}|{}|{}|{}",
            e["indicator"], e["kind"], e["domain"], e["group"]
        )
    };
    let theirs: std::collections::HashMap<String, &serde_json::Value> = cli["estimates"]
        .as_array()
        .expect("estimates")
        .iter()
        .map(|e| (key(e), e))
        .collect();
    let (mut n, mut worst) = (0, 0.0f64);
    for e in api["estimates"].as_array().expect("estimates") {
        let t = theirs
            .get(&key(e))
            .unwrap_or_else(|| panic!("{} not in minyi stats", key(e)));
        for f in ["estimate", "se"] {
            let (a, b) = (
                e[f].as_f64().unwrap_or(f64::NAN),
                t[f].as_f64().unwrap_or(f64::NAN),
            );
            if a.is_nan() && b.is_nan() {
                continue;
            }
            worst = worst.max((a - b).abs() / b.abs().max(1.0));
        }
        n += 1;
    }
    assert!(
        n > 50 && worst <= 1e-12,
        "dashboard vs minyi stats: {n} estimates, worst {worst:e}"
    );
    (n, worst)
}

fn run(size: usize, work: &Path) -> Row {
    let dir: PathBuf = work.join(format!("n{size}"));
    std::fs::create_dir_all(&dir).expect("a work directory");
    surveys(&dir, size / 50);
    let db = format!("sqlite://{}", dir.join("minyi.sqlite3").display());
    eprintln!("{size} responses: minyi demo …");
    let t = Instant::now();
    let out = minyi(&dir, &db)
        .args(["demo", "--per-wave", &(size / 2).to_string()])
        .output()
        .expect("minyi demo runs");
    let demo = t.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "minyi demo: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let households = stdout
        .lines()
        .find(|l| l.starts_with("household sample:"))
        .and_then(|l| l.split(" visits recorded, ").nth(1))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let password_of = |user: &str| {
        stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(user))
            .and_then(|l| l.split("password:").nth(1))
            .map(|p| p.trim().to_string())
            .unwrap_or_else(|| panic!("the password of {user}"))
    };
    let password = password_of("demo-admin");
    let officer_password = password_of("demo-district");
    // The admin's recovery codes (admins sign in with a second factor).
    let recovery: Vec<String> = stdout
        .lines()
        .find(|l| {
            l.trim_start()
                .starts_with("demo-admin signs in in two steps")
        })
        .and_then(|l| l.split("(each works once):").nth(1))
        .map(|codes| codes.split_whitespace().map(str::to_string).collect())
        .expect("the demo admin's recovery codes");

    // Start from the snapshot the demo saved.
    let (server, start) = start_server(&dir, &db);
    let cookie = sign_in(&server, "demo-admin", &password, Some(&recovery[0]));
    let first_page = get(&server, &cookie, VIEWS[0].1).0;
    let healthz = timing(&server, "", "/healthz");
    let views: Vec<(&str, Timing)> = VIEWS
        .iter()
        .map(|(name, path)| (*name, timing(&server, &cookie, path)))
        .collect();
    let officer = sign_in(&server, "demo-district", &officer_password, None);
    let district_views: Vec<(&str, Timing)> = DISTRICT_VIEWS
        .iter()
        .map(|(name, path)| (*name, timing(&server, &officer, path)))
        .collect();
    eprintln!("{size} responses: the other downloads …");
    let downloads: Vec<(&str, Timing)> = DOWNLOADS
        .iter()
        .map(|(name, path)| {
            let who = if name.ends_with("(officer)") {
                &officer
            } else {
                &cookie
            };
            (*name, timing_n(&server, who, path, 2))
        })
        .collect();
    let hwm_pages = server.vm("VmHWM:");
    eprintln!("{size} responses: the CSV download …");
    let csv_path = dir.join("responses.csv");
    let csv = get_to(
        &server,
        &cookie,
        "/office/civility-2026/download/responses.csv",
        &mut std::io::BufWriter::new(std::fs::File::create(&csv_path).expect("a CSV file")),
    );
    let hwm_csv = server.vm("VmHWM:");
    eprintln!("{size} responses: the workbook download …");
    let xlsx = get(
        &server,
        &cookie,
        "/office/civility-2026/download/responses.xlsx",
    );
    let hwm_xlsx = server.vm("VmHWM:");
    let rss_end = server.vm("VmRSS:");
    let agreement = agreement(&server, &cookie, &dir, &db, &csv_path);
    drop(server);

    // Once more without a usable snapshot: one pass over every row.
    spoil_snapshot(&db);
    let (server, _) = start_server(&dir, &db);
    let cookie = sign_in(&server, "demo-admin", &password, Some(&recovery[1]));
    let cold_first_page = get(&server, &cookie, VIEWS[0].1).0;
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    Row {
        size,
        households,
        agreement,
        demo,
        start,
        first_page,
        cold_first_page,
        healthz,
        views,
        district_views,
        downloads,
        csv,
        xlsx,
        hwm_xlsx,
        hwm_pages,
        hwm_csv,
        rss_end,
    }
}

fn main() {
    let sizes: Vec<usize> = std::env::var("MINYI_BENCH_SIZES")
        .unwrap_or_else(|_| "100000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let work = tempfile::tempdir().expect("a temporary directory");
    let rows: Vec<Row> = sizes.iter().map(|&n| run(n, work.path())).collect();

    println!(
        "\n| responses | {} |",
        rows.iter()
            .map(|r| r.size.to_string())
            .collect::<Vec<_>>()
            .join(" | ")
    );
    println!("|---|{}", "---|".repeat(rows.len()));
    let line = |what: &str, f: &dyn Fn(&Row) -> String| {
        println!(
            "| {what} | {} |",
            rows.iter().map(f).collect::<Vec<_>>().join(" | ")
        );
    };
    line("household-sample interviews beside them", &|r| {
        r.households.to_string()
    });
    line("`minyi demo` (insert + snapshot)", &|r| {
        format!("{:.1} s", r.demo)
    });
    line("server start to /healthz", &|r| format!("{:.2} s", r.start));
    line("first survey page after start (snapshot)", &|r| {
        ms(r.first_page)
    });
    line("first survey page, no snapshot (one pass)", &|r| {
        ms(r.cold_first_page)
    });
    line("baseline GET /healthz first / median / worst of 20", &|r| {
        format!(
            "{} / {} / {}",
            ms(r.healthz.first),
            ms(r.healthz.median),
            ms(r.healthz.worst)
        )
    });
    let timed = |t: &Timing| format!("{} / {} / {}", ms(t.first), ms(t.median), ms(t.worst));
    for (i, (name, _)) in VIEWS.iter().enumerate() {
        line(
            &format!("admin: {name}: first / median / worst of 20"),
            &|r| timed(&r.views[i].1),
        );
    }
    for (i, (name, _)) in DISTRICT_VIEWS.iter().enumerate() {
        line(
            &format!("district officer: {name}: first / median / worst of 20"),
            &|r| timed(&r.district_views[i].1),
        );
    }
    for (i, (name, _)) in DOWNLOADS.iter().enumerate() {
        line(&format!("{name}: first / median / worst of 2"), &|r| {
            timed(&r.downloads[i].1)
        });
    }
    line("responses CSV download", &|r| {
        format!("{:.2} s, {:.0} MB", r.csv.0, r.csv.1 as f64 / 1e6)
    });
    line(
        "responses workbook download (built on disk, then sent)",
        &|r| format!("{:.2} s, {:.0} MB", r.xlsx.0, r.xlsx.1 as f64 / 1e6),
    );
    line(
        "server VmHWM after the views and the other downloads",
        &|r| format!("{} MB", r.hwm_pages),
    );
    line("server VmHWM after the CSV download", &|r| {
        format!("{} MB", r.hwm_csv)
    });
    line("server VmHWM after the workbook download", &|r| {
        format!("{} MB", r.hwm_xlsx)
    });
    line("server VmRSS at the end", &|r| format!("{} MB", r.rss_end));
    line(
        "district estimates = `minyi stats` on the downloaded CSV",
        &|r| {
            format!(
                "{} agree, largest difference {:.1e}",
                r.agreement.0, r.agreement.1
            )
        },
    );

    if let Some(big) = rows.iter().find(|r| r.size == 1_000_000) {
        let pages = || big.views.iter().chain(&big.district_views);
        let slowest = |f: &dyn Fn(&Timing) -> f64| {
            pages()
                .map(|(name, t)| (f(t), *name))
                .fold((0.0, ""), |a, b| if b.0 > a.0 { b } else { a })
        };
        let first = slowest(&|t| t.first);
        let after = slowest(&|t| t.worst);
        let small = rows.iter().find(|r| r.size == 100_000);
        let flat = small.map(|s| big.hwm_xlsx as f64 / s.hwm_xlsx.max(1) as f64);
        let verdict = |ok: bool| if ok { "MET" } else { "MISSED" };
        println!("\ntargets at 1,000,000:");
        println!(
            "  {} first page after start {} (< 1 s)",
            verdict(big.first_page < 1.0),
            ms(big.first_page)
        );
        println!(
            "  {} every page's first request (admin and district officer): slowest {} ({}) (< 1 s)",
            verdict(first.0 < 1.0),
            ms(first.0),
            first.1
        );
        println!(
            "  {} every page after its first: slowest of 20 {} ({}) (< 100 ms)",
            verdict(after.0 < 0.1),
            ms(after.0),
            after.1
        );
        let download = big
            .downloads
            .iter()
            .map(|(name, t)| (t.first.max(t.worst), *name))
            .fold((0.0, ""), |a, b| if b.0 > a.0 { b } else { a });
        println!(
            "  {} every download besides the responses' rows: slowest {} ({}) (< 1 s)",
            verdict(download.0 < 1.0),
            ms(download.0),
            download.1
        );
        println!(
            "  {} VmHWM {} MB (< 300 MB)",
            verdict(big.hwm_xlsx < 300),
            big.hwm_xlsx
        );
        if let Some(f) = flat {
            println!(
                "  {} VmHWM {:.0}% of the 100,000-response figure (within 20%)",
                verdict(f <= 1.2),
                f * 100.0
            );
        }
    }
}
