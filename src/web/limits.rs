//! Rate limits: submissions per source (network address) and per device (browser
//! fingerprint), keyed by salted hashes so no raw address sits even in memory tables;
//! and the pause after repeated failed sign-ins.
//!
//! Many residents share one public address on mobile networks, so the source limit is
//! generous: it stops bursts, not neighbours. Repeats that pass are flagged by
//! `quality`, not refused.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Limits {
    source: DefaultKeyedRateLimiter<String>,
    device: DefaultKeyedRateLimiter<String>,
    checks: AtomicU64,
    /// Made once: building a clock probes the CPU, which showed up in the load profile.
    clock: DefaultClock,
}

fn quota(per_minute: u32) -> Quota {
    let n = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
    // A burst of a quarter of the minute's allowance (at least 3) at once.
    let burst = NonZeroU32::new((per_minute / 4).max(3)).unwrap_or(NonZeroU32::MIN);
    Quota::per_minute(n).allow_burst(burst)
}

impl Limits {
    pub fn new(per_source_per_minute: u32, per_device_per_minute: u32) -> Limits {
        Limits {
            source: RateLimiter::keyed(quota(per_source_per_minute)),
            device: RateLimiter::keyed(quota(per_device_per_minute)),
            checks: AtomicU64::new(0),
            clock: DefaultClock::default(),
        }
    }

    /// `Ok` to go ahead, or how long to wait.
    pub fn check(&self, source_hash: &str, device_hash: Option<&str>) -> Result<(), Duration> {
        // Forget idle keys now and then, so the tables stay small.
        if self.checks.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            self.source.retain_recent();
            self.device.retain_recent();
        }
        self.source
            .check_key(&source_hash.to_string())
            .map_err(|n| n.wait_time_from(self.clock.now()))?;
        if let Some(d) = device_hash {
            self.device
                .check_key(&d.to_string())
                .map_err(|n| n.wait_time_from(self.clock.now()))?;
        }
        Ok(())
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
