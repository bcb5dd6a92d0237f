//! Rate limits: submissions per source (network address), keyed by salted hashes so
//! no raw address sits even in memory tables; and the pause after repeated failed
//! sign-ins.
//!
//! Residents are never refused for sharing an address or a phone model: many people
//! answer behind one mobile-network or community-hall address, with the same phone
//! and WeChat version. A person needs at least the survey's `min_seconds` (and about
//! three minutes in practice) per questionnaire, so a hall of 300 answering within
//! five minutes is one per second; the default limit (600 a minute, 200 at once) is
//! ten times that, and only a script reaches it. What a crowd does produce — many
//! responses from one source — is flagged by `quality` (`source_burst`), not refused.
//! There is no per-device limit: a device fingerprint is shared by every resident
//! with the same phone, so it is only stored (hashed per source) for the data-quality
//! panel.

use governor::clock::{Clock, DefaultClock};
use governor::nanos::Nanos;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Real time, plus a shift that only tests move forward (so a test can play five
/// minutes of arrivals without waiting five minutes).
#[derive(Clone)]
pub struct ShiftedClock {
    start: Instant,
    shift: Arc<AtomicU64>,
}

impl ShiftedClock {
    fn new() -> ShiftedClock {
        ShiftedClock {
            start: Instant::now(),
            shift: Arc::new(AtomicU64::new(0)),
        }
    }
}

impl Clock for ShiftedClock {
    type Instant = Nanos;
    fn now(&self) -> Nanos {
        let real = self.start.elapsed().as_nanos() as u64;
        Nanos::from(real + self.shift.load(Ordering::Relaxed))
    }
}

pub struct Limits {
    source: RateLimiter<
        String,
        DefaultKeyedStateStore<String>,
        ShiftedClock,
        governor::middleware::NoOpMiddleware<Nanos>,
    >,
    checks: AtomicU64,
    clock: ShiftedClock,
}

fn quota(per_minute: u32) -> Quota {
    let n = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
    // A third of the minute's allowance (at least 3) at once.
    let burst = NonZeroU32::new((per_minute / 3).max(3)).unwrap_or(NonZeroU32::MIN);
    Quota::per_minute(n).allow_burst(burst)
}

impl Limits {
    pub fn new(per_source_per_minute: u32) -> Limits {
        let clock = ShiftedClock::new();
        Limits {
            source: RateLimiter::new(
                quota(per_source_per_minute),
                DefaultKeyedStateStore::default(),
                clock.clone(),
            ),
            checks: AtomicU64::new(0),
            clock,
        }
    }

    /// `Ok` to go ahead, or how long to wait.
    pub fn check(&self, source_hash: &str) -> Result<(), Duration> {
        // Forget idle keys now and then, so the tables stay small.
        if self.checks.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            self.source.retain_recent();
        }
        self.source
            .check_key(&source_hash.to_string())
            .map_err(|n| n.wait_time_from(self.clock.now()))
    }

    /// Moves the limiter's clock forward (tests of arrivals over minutes).
    #[cfg(feature = "test-hooks")]
    pub fn advance(&self, by: Duration) {
        self.clock
            .shift
            .fetch_add(by.as_nanos() as u64, Ordering::Relaxed);
    }
}

/// Failed logins allowed per username and per source before a pause.
const FAILURES_ALLOWED: u32 = 5;
const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Counts failed logins (only failures: an officer signing in often is never slowed).
pub struct LoginThrottle {
    limiter: DefaultKeyedRateLimiter<String>,
    locked: Mutex<HashMap<String, Instant>>,
    clock: DefaultClock,
}

impl LoginThrottle {
    pub fn new() -> LoginThrottle {
        // The limiter refuses the failure after its burst: a burst of N-1 makes the
        // N-th failure the one that starts the pause.
        let n = NonZeroU32::new(FAILURES_ALLOWED - 1).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(FAILURE_WINDOW / FAILURES_ALLOWED)
            .map(|q| q.allow_burst(n))
            .unwrap_or_else(|| Quota::per_minute(n));
        LoginThrottle {
            limiter: RateLimiter::keyed(quota),
            locked: Mutex::new(HashMap::new()),
            clock: DefaultClock::default(),
        }
    }

    /// Seconds to wait when one of `keys` is paused.
    pub fn wait(&self, keys: &[String]) -> Option<u64> {
        let locked = self.locked.lock().ok()?;
        let now = Instant::now();
        keys.iter()
            .filter_map(|k| locked.get(k))
            .filter(|until| **until > now)
            .map(|until| (*until - now).as_secs().max(1))
            .max()
    }

    pub fn failed(&self, keys: &[String]) {
        for k in keys {
            if let Err(not_until) = self.limiter.check_key(k) {
                let wait = not_until.wait_time_from(self.clock.now());
                if let Ok(mut l) = self.locked.lock() {
                    l.insert(
                        k.clone(),
                        Instant::now() + wait.max(Duration::from_secs(60)),
                    );
                }
            }
        }
    }
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new()
    }
}
