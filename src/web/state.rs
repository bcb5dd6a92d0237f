//! The state of a running server ([`App`]), and the only ways handlers reach the
//! store: [`App::blocking`] (database work and image rendering on Rocket's blocking
//! pool, never on the async workers), [`App::submit`] (a submission handed to the
//! writer, awaited without a thread) and [`App::stream`] (a download written while it
//! is sent). The background jobs that use the store (the view flusher, the
//! dashboard's warm-up) start here too.

use rocket::http::Status;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::error::WebError;
use super::limits::{Limits, LoginThrottle};
use crate::collect::{self, CollectError, Stored, Submission};
use crate::definition::{Survey, Text};
use crate::storage::{StorageError, Store};

/// Shared state of a running server.
pub struct App {
    pub surveys: BTreeMap<String, Arc<Survey>>,
    salts: BTreeMap<String, String>,
    store: Store,
    pub base_url: String,
    /// Reached over HTTPS (`base_url` is https, or `public_https`): cookies go `Secure`
    /// and pages carry HSTS.
    pub https: bool,
    /// Password rules and the idle timeout.
    pub policy: crate::accounts::Policy,
    /// Seconds added to the wall clock (tests move it with `advance_clock`).
    clock_shift: std::sync::atomic::AtomicI64,
    limits: Limits,
    /// The same limit for the public view and start counters, apart from submissions
    /// (a resident's views never use up their submission).
    counter_limits: Limits,
    /// Reverse proxies whose forwarding headers are believed (see `client`).
    pub proxies: Vec<ipnet::IpNet>,
    pub logins: LoginThrottle,
    /// Keys the login throttle's per-source counters (kept in memory only).
    pub login_salt: String,
    /// Early closures seen recently: (checked at, closed at). Re-read every few seconds
    /// so a closure by another process takes effect without a database read per request.
    closures: Mutex<BTreeMap<String, (Instant, Option<String>)>>,
    /// Surveys as the dashboard last read them, brought up to date per request.
    pub figures: Arc<crate::dashboard::Cache>,
    /// Intake tokens seen recently: hash → (checked at, label if it works).
    intake_tokens: Mutex<std::collections::HashMap<String, (Instant, Option<String>)>>,
    /// Questionnaire views and starts counted since the last flush to the database.
    views: Arc<Mutex<PendingViews>>,
    /// Held while counted views are written, so a read after `flush_views` sees every
    /// view counted before it (the background flusher may be writing some).
    views_writing: Arc<rocket::tokio::sync::Mutex<()>>,
}

/// Where a view or start is counted: survey, collection district, point, channel.
pub struct CountedAt<'a> {
    pub survey: &'a str,
    pub district: &'a str,
    pub point: Option<&'a str>,
    pub channel: &'a str,
}

type PendingViews = std::collections::HashMap<crate::storage::ViewKey, crate::storage::Counted>;

/// How often counted views are written (a crash loses at most this much of a counter).
const VIEWS_EVERY: Duration = Duration::from_secs(5);

/// How long an intake token's check is trusted before the database is asked again (a
/// revoked token stops within this).
const TOKEN_TTL: Duration = Duration::from_secs(1);

/// A download's body as it is produced.
pub type Chunks = std::pin::Pin<Box<dyn rocket::futures::Stream<Item = Vec<u8>> + Send>>;

const CHUNK: usize = 64 * 1024;

/// Bytes written on a blocking thread, handed to the response in chunks.
struct ChunkWriter {
    buf: Vec<u8>,
    tx: rocket::tokio::sync::mpsc::Sender<Vec<u8>>,
}

impl ChunkWriter {
    fn send(&mut self) -> std::io::Result<()> {
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.tx.blocking_send(chunk).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away")
        })
    }
}

impl std::io::Write for ChunkWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(b);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(b.len())
    }

    /// Chunks leave when full; the rest when the writing job ends (see
    /// [`App::stream`]).
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// How long a survey's closure state is trusted before it is read again.
const CLOSURE_TTL: Duration = Duration::from_secs(5);

/// Default submissions per minute from one source (see `limits` for why so many).
pub const DEFAULT_PER_SOURCE: u32 = 600;

/// A submission refused by a rate limit, with how long to wait.
pub struct Throttled {
    pub wait_secs: u64,
}

impl From<Throttled> for WebError {
    fn from(t: Throttled) -> Self {
        let s = t.wait_secs;
        let mut e = WebError::new(
            Status::TooManyRequests,
            Text::new("提交过于频繁", "Too many submissions"),
            Text::new(
                format!("从这里提交的问卷太多，请在 {s} 秒后再试。"),
                format!(
                    "Too many questionnaires were sent from here; please try again in {s} seconds."
                ),
            ),
        );
        e.retry_after = Some(s);
        e
    }
}

impl App {
    /// Builds the state: archives each definition version and loads each survey's salt.
    pub fn new(surveys: Vec<Survey>, store: Store, base_url: String) -> Result<App, StorageError> {
        let mut map = BTreeMap::new();
        let mut salts = BTreeMap::new();
        for s in surveys {
            store.register_definition(&s)?;
            salts.insert(s.id.clone(), store.salt(&s.id)?);
            map.insert(s.id.clone(), Arc::new(s));
        }
        Ok(App {
            surveys: map,
            salts,
            store,
            https: base_url.starts_with("https://"),
            policy: crate::accounts::Policy::default(),
            clock_shift: Default::default(),
            base_url,
            limits: Limits::new(DEFAULT_PER_SOURCE),
            counter_limits: Limits::new(DEFAULT_PER_SOURCE),
            proxies: Vec::new(),
            logins: LoginThrottle::new(),
            login_salt: collect::new_submission_key(),
            closures: Mutex::new(BTreeMap::new()),
            figures: Arc::new(crate::dashboard::Cache::default()),
            intake_tokens: Mutex::default(),
            views: Arc::default(),
            views_writing: Arc::default(),
        })
    }

    /// Counts one showing of the questionnaire at a place: only the place, channel and
    /// day, nothing about who. Written by the background flusher every few seconds.
    /// Beyond the intake's per-source limit it is counted as left out instead (the
    /// page is shown all the same).
    pub fn count_view(&self, at: CountedAt<'_>, source: &str) {
        self.count(at, source, (1, 0, 0));
    }

    /// Counts a first answer given on the questionnaire (the page's script says so),
    /// under the same limit as the views.
    pub fn count_start(&self, at: CountedAt<'_>, source: &str) {
        self.count(at, source, (0, 1, 0));
    }

    /// Adds `counted` at `at`, or one left out when `source` is beyond the limit.
    fn count(&self, at: CountedAt<'_>, source: &str, counted: crate::storage::Counted) {
        let source = collect::keyed_hash(self.salt(at.survey), source);
        let add = if self.counter_limits.check(&source).is_ok() {
            counted
        } else {
            (0, 0, 1)
        };
        let day = chrono::Local::now().format("%Y-%m-%d").to_string();
        let key = (
            at.survey.to_string(),
            at.district.to_string(),
            at.point.unwrap_or("").to_string(),
            at.channel.to_string(),
            day,
        );
        let mut v = self.views.lock().unwrap_or_else(|e| e.into_inner());
        add_counted(&mut v, key, add);
    }

    fn take_views(&self) -> Vec<(crate::storage::ViewKey, crate::storage::Counted)> {
        take(&self.views)
    }

    /// Writes counted views every few seconds in the background, so a quiet server's
    /// last views reach the database too (started at liftoff).
    pub fn spawn_view_flusher(&self) {
        let (views, store) = (self.views.clone(), self.store.clone());
        let writing = self.views_writing.clone();
        rocket::tokio::spawn(async move {
            let mut tick = rocket::tokio::time::interval(VIEWS_EVERY);
            loop {
                tick.tick().await;
                let _writing = writing.lock().await;
                let pending = take(&views);
                if pending.is_empty() {
                    continue;
                }
                let store = store.clone();
                let done = rocket::tokio::task::spawn_blocking(move || {
                    store.add_views(&pending).map_err(|e| (e, pending))
                });
                if let Ok(Err((e, pending))) = done.await {
                    // Kept for the next flush: a database that is away loses no count.
                    log::warn!("questionnaire views not recorded yet: {e}");
                    let mut v = views.lock().unwrap_or_else(|e| e.into_inner());
                    for (key, counted) in pending {
                        add_counted(&mut v, key, counted);
                    }
                }
            }
        });
    }

    /// Writes the views counted so far (before the funnel is read).
    pub async fn flush_views(&self) -> Result<(), WebError> {
        let _writing = self.views_writing.lock().await;
        let pending = self.take_views();
        if pending.is_empty() {
            return Ok(());
        }
        self.blocking(move |store| store.add_views(&pending)).await
    }

    /// The submission limit per minute and source address.
    pub fn with_limit(mut self, per_source: u32) -> App {
        self.limits = Limits::new(per_source);
        self.counter_limits = Limits::new(per_source);
        self
    }

    /// The reverse proxies whose `X-Forwarded-For` / `X-Real-IP` are believed.
    pub fn with_proxies(mut self, proxies: Vec<ipnet::IpNet>) -> App {
        self.proxies = proxies;
        self
    }

    /// The office's sign-in rules.
    pub fn with_policy(mut self, policy: crate::accounts::Policy) -> App {
        self.policy = policy;
        self
    }

    /// Now, as sessions and sign-in codes see it (UTC).
    pub fn now(&self) -> chrono::NaiveDateTime {
        let shift = self.clock_shift.load(std::sync::atomic::Ordering::Relaxed);
        chrono::Utc::now().naive_utc() + chrono::Duration::seconds(shift)
    }

    /// Today's date where the office is (deadlines are days there), on the same clock.
    pub fn today(&self) -> chrono::NaiveDate {
        use chrono::TimeZone;
        chrono::Local.from_utc_datetime(&self.now()).date_naive()
    }

    /// Marks the service as reached over HTTPS though `base_url` does not say so (a
    /// proxy in front terminates TLS): `Secure` cookies and HSTS.
    pub fn with_https(mut self, on: bool) -> App {
        self.https |= on;
        self
    }

    /// Moves the rate limiter's clock forward (tests of arrivals over minutes; only
    /// with the `test-hooks` feature).
    #[cfg(feature = "test-hooks")]
    pub fn advance_clock(&self, by: std::time::Duration) {
        self.limits.advance(by);
        self.counter_limits.advance(by);
        self.clock_shift
            .fetch_add(by.as_secs() as i64, std::sync::atomic::Ordering::Relaxed);
    }

    /// Runs `f` with the store on the blocking pool and awaits it: database reads and
    /// writes, password hashing, chart and QR rendering. Errors convert to a
    /// [`WebError`]; a task that panicked is a 503.
    pub async fn blocking<T, E, F>(&self, f: F) -> Result<T, WebError>
    where
        F: FnOnce(&Store) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: Into<WebError> + Send + 'static,
    {
        let store = self.store.clone();
        rocket::tokio::task::spawn_blocking(move || f(&store))
            .await?
            .map_err(Into::into)
    }

    /// Reads every survey into the dashboard's cache in the background (from the saved
    /// snapshot when it fits, else in one pass over the responses) and computes what
    /// its first office pages need (`Cache::warm`), so the first pages after a start do
    /// not wait for it. A request that comes first waits on the same survey's lock and
    /// gets the same work.
    pub fn warm_up(&self) {
        let (cache, store) = (self.figures.clone(), self.store.clone());
        let surveys: Vec<Arc<Survey>> = self.surveys.values().cloned().collect();
        let spawned = std::thread::Builder::new()
            .name("minyi-warm-up".into())
            .spawn(move || {
                for s in surveys {
                    let t = Instant::now();
                    match cache.warm(&store, &s) {
                        Ok(()) => log::info!(
                            "dashboard of `{}` ready in {:.1} s",
                            s.id,
                            t.elapsed().as_secs_f64()
                        ),
                        // The pages compute it when asked (and say what is wrong).
                        Err(e) => log::warn!("preparing the dashboard of `{}`: {e}", s.id),
                    }
                }
            });
        if let Err(e) = spawned {
            log::warn!("cannot start the dashboard warm-up: {e}");
        }
    }

    /// Runs `write` on the blocking pool with a writer whose bytes reach the returned
    /// stream as they are produced: 64 KiB chunks, at most four waiting, so a slow
    /// client slows the export instead of filling memory, and a client that goes away
    /// stops it (the writer's next write fails).
    pub fn stream<F>(&self, write: F) -> Chunks
    where
        F: FnOnce(&Store, &mut dyn std::io::Write) + Send + 'static,
    {
        let (tx, rx) = rocket::tokio::sync::mpsc::channel::<Vec<u8>>(4);
        let store = self.store.clone();
        rocket::tokio::task::spawn_blocking(move || {
            let mut w = ChunkWriter {
                buf: Vec::with_capacity(CHUNK),
                tx,
            };
            write(&store, &mut w);
            // The last chunk goes only now, after `write` returned (and logged what
            // it sent): a client that has the whole file finds it in the audit log.
            if !w.buf.is_empty() {
                let _ = w.send();
            }
        });
        Box::pin(rocket::futures::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|chunk| (chunk, rx))
        }))
    }

    /// Appends to the audit log; a failure is logged, never shown to the user (the
    /// action itself already happened).
    pub async fn audit(&self, actor: &str, action: &str, detail: &str) {
        let (a, b, c) = (actor.to_string(), action.to_string(), detail.to_string());
        if let Err(e) = self.blocking(move |s| s.audit(&a, &b, &c)).await {
            rocket::error!("audit log: {}", e.detail.en);
        }
    }

    /// The survey with this id (office wording: names the id).
    pub fn survey(&self, id: &str) -> Result<Arc<Survey>, WebError> {
        self.surveys
            .get(id)
            .cloned()
            .ok_or_else(|| WebError::not_found(format!("survey `{id}` does not exist")))
    }

    /// The survey of a resident's link (their wording: scan the code again).
    pub fn resident_survey(&self, id: &str) -> Result<Arc<Survey>, WebError> {
        self.surveys
            .get(id)
            .cloned()
            .ok_or_else(|| CollectError::UnknownSurvey(id.to_string()).into())
    }

    /// When an admin closed the survey early, if they did ("2026-06-30 17:00").
    pub async fn closed_at(&self, survey: &str) -> Option<String> {
        let now = Instant::now();
        if let Ok(c) = self.closures.lock() {
            if let Some((at, v)) = c.get(survey) {
                if now.duration_since(*at) < CLOSURE_TTL {
                    return v.clone();
                }
            }
        }
        let id = survey.to_string();
        let v = match self.blocking(move |s| s.closure(&id)).await {
            Ok(v) => v.map(|(t, _)| {
                use chrono::TimeZone;
                chrono::Local
                    .from_utc_datetime(&t)
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            }),
            // Unknown while the database is away: not remembered, and the submission
            // that asked fails at the writer with a 503 of its own.
            Err(_) => return None,
        };
        if let Ok(mut c) = self.closures.lock() {
            c.insert(survey.to_string(), (now, v.clone()));
        }
        v
    }

    /// The label of a working intake token, checked against the database at most once
    /// a second per token (a kiosk posts many times a second at a busy event; the
    /// lookup was a blocking-pool round trip on every one).
    /// A database that cannot be asked is an error (503), never "no such token".
    pub async fn intake_label(&self, token: &str) -> Result<Option<String>, WebError> {
        let hash = crate::accounts::token_hash(token);
        let now = Instant::now();
        if let Ok(m) = self.intake_tokens.lock() {
            if let Some((at, label)) = m.get(&hash) {
                if now.duration_since(*at) < TOKEN_TTL {
                    return Ok(label.clone());
                }
            }
        }
        let h = hash.clone();
        let label = self.blocking(move |s| s.intake_label(&h)).await?;
        if let Ok(mut m) = self.intake_tokens.lock() {
            if m.len() >= 10_000 {
                m.clear(); // forged tokens must not grow it without bound
            }
            m.insert(hash, (now, label.clone()));
        }
        Ok(label)
    }

    /// Forgets the cached closure state (this process just closed the survey).
    pub fn forget_closure(&self, survey: &str) {
        if let Ok(mut c) = self.closures.lock() {
            c.remove(survey);
        }
    }

    /// Refuses new responses once an admin has closed the survey.
    pub async fn check_not_closed(&self, s: &Survey) -> Result<(), WebError> {
        match self.closed_at(&s.id).await {
            None => Ok(()),
            Some(at) => Err(WebError::closed(&at)),
        }
    }

    /// Checks the rate limit of a submission's source; the hash uses the survey's salt.
    pub fn throttle(&self, survey: &str, source: &str) -> Result<(), Throttled> {
        let source = collect::keyed_hash(self.salt(survey), source);
        self.limits.check(&source).map_err(|wait| Throttled {
            wait_secs: wait.as_secs().max(1),
        })
    }

    /// Checks and stores a submission with the survey's salt, as of now. The task waits
    /// for the commit without holding a thread.
    pub async fn submit(&self, sub: Submission<'_>) -> Result<Stored, CollectError> {
        let salt = self.salt(&sub.survey.id).to_string();
        let (now, today) = (chrono::Utc::now(), chrono::Local::now().date_naive());
        collect::submit(&self.store, &salt, sub, now, today).await
    }

    /// The survey's salt for keyed hashes and signed form stamps.
    pub fn salt(&self, id: &str) -> &str {
        self.salts.get(id).map(String::as_str).unwrap_or("")
    }
}

fn add_counted(
    views: &mut PendingViews,
    key: crate::storage::ViewKey,
    add: crate::storage::Counted,
) {
    let e = views.entry(key).or_insert((0, 0, 0));
    e.0 += add.0;
    e.1 += add.1;
    e.2 += add.2;
}

fn take(views: &Mutex<PendingViews>) -> Vec<(crate::storage::ViewKey, crate::storage::Counted)> {
    let mut v = views.lock().unwrap_or_else(|e| e.into_inner());
    std::mem::take(&mut *v).into_iter().collect()
}
