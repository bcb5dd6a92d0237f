//! `minyi serve` as a child process, and raw HTTP/1.1 to it: what the fault tests
//! need to treat the server as an operator does (start, kill, restart, cut its
//! database away).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn free_port() -> u16 {
    free_ports::<1>()[0]
}

/// Distinct free ports (all held open until chosen, so they cannot repeat).
pub fn free_ports<const N: usize>() -> [u16; N] {
    let held: Vec<std::net::TcpListener> = (0..N)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    std::array::from_fn(|i| held[i].local_addr().unwrap().port())
}

/// The intake token the load in these tests posts with.
pub const KIOSK: &str = "minyi_fault_test_kiosk";

/// Creates the database (if needed) with the test kiosk's intake token.
pub fn with_kiosk(db: &str) {
    let store = minyi::storage::Store::open(db).unwrap();
    let _ = store.add_intake_token(&minyi::accounts::token_hash(KIOSK), "fault kiosk");
}

/// `minyi serve` in `dir` (surveys in `dir/surveys`) on `port` and database `db`, with
/// a configured secret key, no log and no rate limit.
pub fn serve(dir: &Path, port: u16, db: &str) -> Child {
    server_command(dir, port, db)
        .env("ROCKET_SECRET_KEY", "4c".repeat(32))
        .spawn()
        .unwrap()
}

/// The command [`serve`] runs, to add to before spawning: no secret key set.
pub fn server_command(dir: &Path, port: u16, db: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_minyi"));
    c.arg("serve")
        .current_dir(dir)
        .env_remove("ROCKET_SECRET_KEY")
        .env("ROCKET_PORT", port.to_string())
        .env("ROCKET_ADDRESS", "127.0.0.1")
        .env("ROCKET_SURVEYS_DIR", dir.join("surveys"))
        .env("DATABASE_URL", db)
        .env("ROCKET_LOG_LEVEL", "off")
        .env("ROCKET_RATE_PER_SOURCE_PER_MINUTE", "100000000")
        .env("ROCKET_CLI_COLORS", "false")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join(format!("server-{port}.log"))).unwrap());
    c
}

/// A `minyi` command (not `serve`) on database `db`, its output captured.
pub fn minyi(dir: &Path, db: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_minyi"))
        .args(args)
        .current_dir(dir)
        .env("DATABASE_URL", db)
        .env("ROCKET_SURVEYS_DIR", dir.join("surveys"))
        .env("ROCKET_LOG_LEVEL", "off")
        .output()
        .unwrap()
}

/// A response as far as the tests read it.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `name=value` of a Set-Cookie header, ready for a Cookie header.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .map(|(_, v)| v.split(';').next().unwrap_or("").to_string())
            .find(|c| c.starts_with(&format!("{name}=")))
    }
}

/// One HTTP/1.1 request on a fresh connection with the given extra headers; `None`
/// if the connection failed (the server is gone) or no answer came within 10 s.
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Option<Reply> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let extra: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).ok()?;
    // Read until the answer is whole (by its length, or its last chunk), not until
    // the server closes: a server that keeps the connection would hold the read.
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if let Some(reply) = parse(&buf) {
            return Some(reply);
        }
        match s.read(&mut chunk) {
            Ok(0) => return parse_closed(&buf),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(_) => return None,
        }
    }
}

/// A whole answer in `buf` (its headers and all of its body), if there is one.
fn parse(buf: &[u8]) -> Option<Reply> {
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&buf[..split]).to_string();
    let raw = &buf[split + 4..];
    let mut lines = head.lines();
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let body = if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        dechunk(raw)?
    } else {
        let n: usize = header("content-length")?.parse().ok()?;
        raw.get(..n)?.to_vec()
    };
    Some(Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&body).to_string(),
    })
}

/// The answer of a server that closed the connection: whole, or all it sent.
fn parse_closed(buf: &[u8]) -> Option<Reply> {
    parse(buf).or_else(|| {
        let split = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&buf[..split]).to_string();
        let mut lines = head.lines();
        let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
        Some(Reply {
            status,
            headers: lines
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .collect(),
            body: String::from_utf8_lossy(&buf[split + 4..]).to_string(),
        })
    })
}

/// A chunked body put back together, byte by byte (a long answer comes in several
/// chunks, which may split a character).
fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = rest.windows(2).position(|w| w == b"\r\n")?;
        let size = std::str::from_utf8(&rest[..eol]).ok()?;
        let n = usize::from_str_radix(size.split(';').next()?.trim(), 16).ok()?;
        if n == 0 {
            return Some(out);
        }
        let data = rest.get(eol + 2..eol + 2 + n)?;
        out.extend_from_slice(data);
        rest = rest.get(eol + 2 + n..)?.strip_prefix(b"\r\n")?;
    }
}

/// A JSON request as the test kiosk (its intake token); the status code, or `None`
/// if the connection failed.
pub fn request(port: u16, method: &str, path: &str, body: &str) -> Option<u16> {
    let auth = format!("Bearer {KIOSK}");
    http(
        port,
        method,
        path,
        &[
            ("Content-Type", "application/json"),
            ("Authorization", &auth),
        ],
        body,
    )
    .map(|r| r.status)
}

/// A GET with a bearer token; the status and the JSON body.
pub fn get_json(port: u16, path: &str, token: &str) -> (u16, serde_json::Value) {
    try_get_json(port, path, token).unwrap_or_else(|| panic!("GET {path}: no answer"))
}

/// As [`get_json`]; `None` when the connection failed or no answer came.
pub fn try_get_json(port: u16, path: &str, token: &str) -> Option<(u16, serde_json::Value)> {
    let auth = format!("Bearer {token}");
    let r = http(port, "GET", path, &[("Authorization", &auth)], "")?;
    let json = r.body.trim();
    let json = if json.is_empty() { "null" } else { json };
    Some((r.status, serde_json::from_str(json).ok()?))
}

/// Waits until the server answers its health check; panics with its log if it does
/// not within 30 s.
pub fn wait_ready_in(dir: &Path, port: u16) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if request(port, "GET", "/healthz", "") == Some(200) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = std::fs::read_to_string(dir.join(format!("server-{port}.log"))).unwrap_or_default();
    panic!("server on port {port} did not become ready:\n{log}");
}

pub fn wait_ready(port: u16) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if request(port, "GET", "/healthz", "") == Some(200) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("server on port {port} did not become ready");
}

/// A mini-survey submission with this key, as the kiosk posts it.
pub fn mini_json(key: &str) -> String {
    format!(
        r#"{{"district":"N","submission_key":"{key}","answers":{{"age":"old","district":"S","aware":"yes","joined":"2","quiz":"y","sat":"4","sex":"m"}}}}"#
    )
}

/// Kills a child process and reaps it.
pub fn stop(mut c: Child) {
    let _ = c.kill();
    let _ = c.wait();
}

/// Every key in `acked` is stored in `db`.
pub fn assert_all_stored(db: &str, acked: &[String]) {
    let store = minyi::storage::Store::open(db).unwrap();
    let stored: std::collections::HashSet<String> = store
        .responses("mini")
        .unwrap()
        .into_iter()
        .map(|r| r.submission_key)
        .collect();
    let missing: Vec<&String> = acked.iter().filter(|k| !stored.contains(*k)).collect();
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged responses are not stored, e.g. {:?}",
        missing.len(),
        acked.len(),
        &missing[..missing.len().min(5)]
    );
}
