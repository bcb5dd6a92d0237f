//! Quality flags: every rule, in one place. [`response_flags`] needs only the response
//! (`collect` asks it before storing); [`History`] holds what the rules that count
//! earlier responses need (recent completion times, submissions per source and per
//! answer pattern), and the storage writer feeds it the rows it reads and commits.
//!
//! Flagged responses are stored like any other and excluded from estimates by default;
//! every output that excludes them says how many and why.

use chrono::NaiveDateTime;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};

use crate::definition::{Dimension, Survey, DONT_KNOW};

pub const TOO_FAST: &str = "too_fast";
pub const STRAIGHT_LINING: &str = "straight_lining";
pub const SOURCE_BURST: &str = "source_burst";
pub const REPEATED_PATTERN: &str = "repeated_pattern";
/// Not a rule of this module but listed with the flags: the office withdrew the
/// response (`minyi supersede`); it leaves estimates like a flagged one.
pub const SUPERSEDED: &str = "superseded";

/// A response's flags with `superseded` added (the flags are comma-separated).
pub fn with_superseded(flags: &str) -> String {
    if flags.is_empty() {
        SUPERSEDED.to_string()
    } else {
        format!("{flags},{SUPERSEDED}")
    }
}

/// Responses from one source within [`BURST_WINDOW_MINUTES`] before the next is flagged.
/// Generous, because many residents share one public address on mobile networks.
pub const BURST_LIMIT: i64 = 10;
pub const BURST_WINDOW_MINUTES: i64 = 10;
/// Earlier identical answer patterns at one collection point within the window before
/// the next is flagged.
pub const PATTERN_LIMIT: i64 = 2;
pub const PATTERN_WINDOW_MINUTES: i64 = 60;
/// With this many timed responses, "too fast" also means under a third of the median.
pub const MEDIAN_AFTER: usize = 100;

/// The fingerprint of a response's substantive answers (demographics and screening
/// left out): identical fingerprints at one place in a short time suggest coaching.
pub fn pattern_hash(survey: &Survey, answers: &Map<String, Value>) -> String {
    let mut h = Sha256::new();
    for q in survey.questions.iter().filter(|q| q.dimension.is_rated()) {
        h.update(q.id.as_bytes());
        h.update(b"=");
        h.update(
            answers
                .get(&q.id)
                .map(|v| v.to_string())
                .unwrap_or_default()
                .as_bytes(),
        );
        h.update(b";");
    }
    hex::encode(h.finalize())
}

/// Identical answers to every rating item (at least five answered, "don't know" aside).
pub fn straight_lining(survey: &Survey, answers: &Map<String, Value>) -> bool {
    let points: Vec<&str> = survey
        .questions
        .iter()
        .filter(|q| q.kind.is_scale() && q.dimension == Dimension::Satisfaction)
        .filter_map(|q| answers.get(&q.id).and_then(|v| v.as_str()))
        .filter(|v| *v != DONT_KNOW)
        .collect();
    points.len() >= 5 && points.iter().all(|p| *p == points[0])
}

/// Completion faster than the definition's `min_seconds`, or — with enough history —
/// under a third of the median completion time.
pub fn too_fast(min_seconds: Option<u32>, seconds: Option<f64>, recent: &[f64]) -> bool {
    let Some(s) = seconds else { return false };
    if min_seconds.is_some_and(|m| s < m as f64) {
        return true;
    }
    if recent.len() >= MEDIAN_AFTER {
        let mut v = recent.to_vec();
        v.sort_by(f64::total_cmp);
        let median = v[v.len() / 2];
        return s < median / 3.0;
    }
    false
}

/// The flags a complete response earns on its own, and its answer pattern (for the
/// repeated-pattern rule, which compares it with others).
pub fn response_flags(survey: &Survey, answers: &Map<String, Value>) -> (String, String) {
    let flags = if straight_lining(survey, answers) {
        STRAIGHT_LINING.to_string()
    } else {
        String::new()
    };
    (flags, pattern_hash(survey, answers))
}

/// The checks that count earlier responses, asked for one submission: too fast against
/// the recent median (besides `min_seconds`), bursts from one source, the same answers
/// repeated at one collection point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryCheck {
    pub min_seconds: Option<u32>,
}

/// What the history rules know of one submission.
#[derive(Debug, Clone, Copy)]
pub struct Arrival<'a> {
    pub submitted_at: NaiveDateTime,
    pub started_at: Option<NaiveDateTime>,
    pub complete: bool,
    pub source_hash: &'a str,
    pub pattern_hash: &'a str,
    pub collection_district: &'a str,
    pub collection_community: Option<&'a str>,
    /// Entered by a signed-in interviewer (a telephone or household interview).
    pub interview: bool,
    /// When the interviewer's phone ended the interview (it may be sent hours later).
    pub ended_at: Option<NaiveDateTime>,
}

impl Arrival<'_> {
    /// How long the questionnaire took: to the phone's end when it recorded one
    /// (an interview kept on the phone arrives later than it ended), else to its arrival.
    fn seconds(&self) -> Option<f64> {
        let end = self.ended_at.unwrap_or(self.submitted_at);
        self.started_at
            .map(|s| (end - s).num_milliseconds() as f64 / 1000.0)
    }
    fn source(&self) -> u64 {
        key(&[self.source_hash])
    }
    /// The same answers at the same collection point.
    fn pattern(&self) -> u64 {
        key(&[
            self.pattern_hash,
            self.collection_district,
            self.collection_community.unwrap_or("\u{0}"),
        ])
    }
}

/// Completion times kept for the "under a third of the median" rule.
pub const DURATIONS_KEPT: usize = 400;

/// Most recent submissions a window holds. Beyond it the oldest leave early: a flood
/// from this many distinct sources within the window shortens it, and memory stays
/// bounded (about 40 bytes an entry).
pub const WINDOW_CAP: usize = 200_000;

/// Submissions per key within a sliding time window, bounded by [`WINDOW_CAP`].
struct Recent {
    minutes: i64,
    queue: VecDeque<(NaiveDateTime, u64)>,
    counts: HashMap<u64, u32>,
}

impl Recent {
    fn new(minutes: i64) -> Recent {
        Recent {
            minutes,
            queue: VecDeque::new(),
            counts: HashMap::new(),
        }
    }

    /// Drops what is older than the window before `now`.
    fn prune(&mut self, now: NaiveDateTime) {
        let since = now - chrono::Duration::minutes(self.minutes);
        while let Some(&(t, k)) = self.queue.front() {
            if t >= since && self.queue.len() <= WINDOW_CAP {
                break;
            }
            self.queue.pop_front();
            if let Some(n) = self.counts.get_mut(&k) {
                *n -= 1;
                if *n == 0 {
                    self.counts.remove(&k);
                }
            }
        }
    }

    /// Earlier submissions of `key` within the window before `now`.
    fn count(&mut self, now: NaiveDateTime, key: u64) -> u32 {
        self.prune(now);
        self.counts.get(&key).copied().unwrap_or(0)
    }

    fn push(&mut self, at: NaiveDateTime, key: u64) {
        self.queue.push_back((at, key));
        *self.counts.entry(key).or_default() += 1;
    }
}

fn key(parts: &[&str]) -> u64 {
    let mut h = DefaultHasher::new();
    parts.hash(&mut h);
    h.finish()
}

/// One survey's recent submissions as the history rules see them, in memory and
/// bounded: completion times, and submissions per source and per answer pattern
/// within their windows.
pub struct History {
    durations: VecDeque<f64>,
    sources: Recent,
    patterns: Recent,
}

impl Default for History {
    fn default() -> Self {
        History {
            durations: VecDeque::new(),
            sources: Recent::new(BURST_WINDOW_MINUTES),
            patterns: Recent::new(PATTERN_WINDOW_MINUTES),
        }
    }
}

impl History {
    /// The earliest submission time that still counts for any window before `now`.
    pub fn horizon(now: NaiveDateTime) -> NaiveDateTime {
        now - chrono::Duration::minutes(BURST_WINDOW_MINUTES.max(PATTERN_WINDOW_MINUTES))
    }

    /// Counts an earlier submission (read back, or stored without checks): its source
    /// and pattern, and its completion time when it is a timed complete one.
    pub fn note(&mut self, a: &Arrival<'_>) {
        self.note_place(a);
        if a.complete {
            if let Some(s) = a.seconds() {
                self.note_duration(s);
            }
        }
    }

    /// Counts an earlier submission's source and pattern only.
    pub fn note_place(&mut self, a: &Arrival<'_>) {
        self.sources.push(a.submitted_at, a.source());
        self.patterns.push(a.submitted_at, a.pattern());
    }

    /// Counts a completion time (newest last).
    pub fn note_duration(&mut self, seconds: f64) {
        if self.durations.len() == DURATIONS_KEPT {
            self.durations.pop_front();
        }
        self.durations.push_back(seconds);
    }

    /// The flags of a new submission (with those it already carries, `own`), counting
    /// it so the submissions after it see it.
    pub fn flags(&mut self, a: &Arrival<'_>, check: HistoryCheck, own: &str) -> String {
        let mut flags: Vec<&str> = Vec::new();
        let seconds = a.seconds();
        let recent: Vec<f64> = self.durations.iter().copied().collect();
        if too_fast(check.min_seconds, seconds, &recent) {
            flags.push(TOO_FAST);
        }
        if !own.is_empty() {
            flags.push(own);
        }
        let now = a.submitted_at;
        let (source, pattern) = (a.source(), a.pattern());
        // A burst is many anonymous submissions from one device or network. An
        // interviewer's are theirs by name (checked by the interviewer check and
        // call-backs), and arrive together by design: a phone's queue sent once the
        // signal returns, paper questionnaires keyed in after a day in the field.
        if self.sources.count(now, source) as i64 >= BURST_LIMIT && !a.interview {
            flags.push(SOURCE_BURST);
        }
        if self.patterns.count(now, pattern) as i64 >= PATTERN_LIMIT {
            flags.push(REPEATED_PATTERN);
        }
        self.sources.push(now, source);
        self.patterns.push(now, pattern);
        if a.complete {
            if let Some(s) = seconds {
                self.note_duration(s);
            }
        }
        flags.join(",")
    }
}
