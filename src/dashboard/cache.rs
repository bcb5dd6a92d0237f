//! Each survey's aggregates between requests, behind its own lock (no request waits on
//! another survey): brought up to date with the rows added since (by id, in pages)
//! and the supersessions, saved as a snapshot now and then, and the figures of each
//! filter kept until the data change.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::error::DashboardError;
use super::funnel;
use super::household::{household_figures, HouseholdFigures};
use super::interviewers;
use super::view::{figures, Figures, Filter, Loaded};
use super::voices;
use crate::definition::{Lang, Survey};
use crate::households::SampleStatus;
use crate::stats::tally::Tally;
use crate::storage::{Snapshot, Store};

/// Rows read per page while bringing a survey up to date (memory stays at one page).
const PAGE: i64 = 20_000;

/// A snapshot is saved once this many rows were folded in since the last one.
const SNAPSHOT_EVERY: u64 = 20_000;

/// How often a shared database (PostgreSQL) is counted, to catch rows that committed
/// out of id order.
const RECOUNT: Duration = Duration::from_secs(5);

/// Figures kept per survey (a page and its charts ask for the same ones).
const FIGURES_KEPT: usize = 16;

/// One survey's state between requests.
struct State {
    tally: Arc<Tally>,
    checks: Arc<interviewers::Acc>,
    funnel: Arc<funnel::Sums>,
    max_id: i64,
    /// Responses read (every status), to compare with the database's count.
    rows_seen: i64,
    superseded: Vec<(i64, String)>,
    applied: HashSet<i64>,
    version: u64,
    counted_at: Option<Instant>,
    since_snapshot: u64,
    figures: HashMap<(Filter, &'static str), Arc<Figures>>,
    loaded: Option<Arc<Loaded>>,
    from_snapshot: bool,
}

/// What the household sample's figures, status and checks depend on: the definition
/// and the sample's rows (`Store::household_sample_version`).
type HouseholdKey = (String, [i64; 7]);

/// The call-back checks' key: the sample's, and the call-backs drawn and their
/// outcomes.
type CallbackKey = (HouseholdKey, [i64; 2]);

/// Values computed once per state of what they depend on (`K`), for each of a few
/// places (`A`: a survey, or a survey's wave and language).
struct Memo<A, K, V> {
    kept: Mutex<HashMap<A, (K, V)>>,
    /// At most this many places; a full memo starts over.
    most: usize,
}

impl<A, K, V> Memo<A, K, V> {
    fn new(most: usize) -> Self {
        Memo {
            kept: Mutex::default(),
            most,
        }
    }
}

impl<A: std::hash::Hash + Eq, K: PartialEq, V: Clone> Memo<A, K, V> {
    /// The value kept for `at` when it was computed under `key`, else `compute`'s
    /// (computed outside the lock, then kept).
    fn get_or<E>(&self, at: A, key: K, compute: impl FnOnce() -> Result<V, E>) -> Result<V, E> {
        let kept = || {
            self.kept
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        if let Some((k, v)) = kept().get(&at) {
            if *k == key {
                return Ok(v.clone());
            }
        }
        let v = compute()?;
        let mut m = kept();
        if m.len() >= self.most {
            m.clear();
        }
        m.insert(at, (key, v.clone()));
        Ok(v)
    }
}

/// Surveys as the dashboard last read them, each behind its own lock.
pub struct Cache {
    surveys: Mutex<HashMap<String, Arc<Mutex<Option<State>>>>>,
    versions: std::sync::atomic::AtomicU64,
    snapshot_every: u64,
    /// The household sample's figures per survey, wave and language (`None`: the wave
    /// has none).
    households: Memo<(String, String, &'static str), HouseholdKey, Option<Arc<HouseholdFigures>>>,
    /// Each survey's household sample status (`None`: no sample).
    samples: Memo<String, HouseholdKey, Option<Arc<SampleStatus>>>,
    /// Each survey's call-back checks.
    callbacks: Memo<String, CallbackKey, Arc<Vec<crate::households::CallbackCheck>>>,
    /// Each survey's open answers counted, and when they were last recounted.
    voices: Mutex<HashMap<String, (Option<Instant>, voices::Counts)>>,
}

impl Default for Cache {
    fn default() -> Cache {
        Cache {
            surveys: Mutex::default(),
            versions: Default::default(),
            snapshot_every: SNAPSHOT_EVERY,
            households: Memo::new(FIGURES_KEPT),
            samples: Memo::new(usize::MAX),
            callbacks: Memo::new(usize::MAX),
            voices: Mutex::default(),
        }
    }
}

/// Reads a survey's responses from storage, from scratch (no snapshot).
pub fn load(store: &Store, survey: &Survey) -> Result<Loaded, DashboardError> {
    let mut st = fresh(survey);
    catch_up(store, survey, &mut st)?;
    Ok(Loaded {
        tally: st.tally,
        checks: st.checks,
        funnel: st.funnel,
        superseded: st.superseded,
        version: 0,
        from_snapshot: false,
    })
}

fn fresh(survey: &Survey) -> State {
    State {
        tally: Arc::new(Tally::new(survey)),
        checks: Arc::new(interviewers::Acc::new(survey)),
        funnel: Arc::new(funnel::Sums::new(survey)),
        max_id: 0,
        rows_seen: 0,
        superseded: Vec::new(),
        applied: HashSet::new(),
        version: 0,
        counted_at: None,
        since_snapshot: 0,
        figures: HashMap::new(),
        loaded: None,
        from_snapshot: false,
    }
}

/// The household sample's key (`None`: the survey has no household sample).
fn household_key(store: &Store, survey: &Survey) -> Result<Option<HouseholdKey>, DashboardError> {
    if survey.household_sample.is_none() {
        return Ok(None);
    }
    Ok(Some((
        survey.version.clone(),
        store.household_sample_version(&survey.id)?,
    )))
}

/// The supersession ids, for folding rows.
fn ids(superseded: &[(i64, String)]) -> Vec<i64> {
    superseded.iter().map(|s| s.0).collect()
}

/// Folds in everything the database has beyond the state: supersessions first (so new
/// rows arrive already marked), then the new rows in pages, then earlier rows that
/// were superseded since.
fn catch_up(store: &Store, survey: &Survey, st: &mut State) -> Result<u64, DashboardError> {
    let superseded = store.superseded(&survey.id)?;
    let ids_now = ids(&superseded);
    let mut folded = 0u64;
    // Rows superseded since they were folded: out as they were, back in marked.
    let newly: Vec<i64> = ids_now
        .iter()
        .copied()
        .filter(|id| !st.applied.contains(id) && *id <= st.max_id)
        .collect();
    if !newly.is_empty() {
        let mut rows = store.responses_by_ids(&survey.id, &newly)?;
        rows.retain(|r| r.household_id.is_none());
        // Copies the aggregates only when figures still hold them, and only when
        // something changed.
        let tally = Arc::make_mut(&mut st.tally);
        tally.remove(survey, &crate::dataset::from_rows(survey, &rows, &[])?);
        tally.add(survey, &crate::dataset::from_rows(survey, &rows, &newly)?);
        folded += rows.len() as u64;
    }
    loop {
        let mut rows = store.responses_page(&survey.id, st.max_id, PAGE)?;
        let Some(last) = rows.last() else { break };
        st.max_id = last.id;
        st.rows_seen += rows.len() as i64;
        folded += rows.len() as u64;
        // The household sample is estimated apart (`household`): never in the tally.
        // The interviewer checks see every row, household interviews too.
        Arc::make_mut(&mut st.checks).add(survey, &rows);
        Arc::make_mut(&mut st.funnel).add(survey, &rows);
        rows.retain(|r| r.household_id.is_none());
        let data = crate::dataset::from_rows(survey, &rows, &ids_now)?;
        Arc::make_mut(&mut st.tally).add(survey, &data);
    }
    st.applied = ids_now.into_iter().collect();
    st.superseded = superseded;
    Ok(folded)
}

/// Reads the survey's responses and saves the dashboard's snapshot, so the next
/// server start reads only what comes after (`minyi demo` ends with it).
pub fn save_snapshot_now(store: &Store, survey: &Survey) -> Result<(), DashboardError> {
    Cache::snapshot_every(1).load(store, survey).map(|_| ())
}

/// Starts from the saved snapshot when it fits the survey and the responses.
fn from_snapshot(store: &Store, survey: &Survey) -> Option<State> {
    let snap = store.snapshot(&survey.id).ok()??;
    if snap.version != survey.version {
        return None;
    }
    // Rows committed below max_id after the snapshot (other processes) would be
    // missed: the count up to max_id must be what the snapshot saw.
    if store.count_responses_upto(&survey.id, snap.max_id).ok()? != snap.row_count {
        return None;
    }
    let Body {
        mut tally,
        mut checks,
        funnel,
    } = serde_json::from_str::<Body<Tally, interviewers::Acc, funnel::Sums>>(&snap.body).ok()?;
    if !tally.fits(survey) || !checks.fits(survey) || !funnel.fits(survey) {
        return None;
    }
    tally.reindex();
    checks.reindex();
    let applied: HashSet<i64> = serde_json::from_str::<Vec<i64>>(&snap.superseded)
        .ok()?
        .into_iter()
        .collect();
    let mut st = fresh(survey);
    st.tally = Arc::new(tally);
    st.checks = Arc::new(checks);
    st.funnel = Arc::new(funnel);
    st.max_id = snap.max_id;
    st.rows_seen = snap.row_count;
    st.applied = applied;
    st.from_snapshot = true;
    Some(st)
}

/// What a snapshot holds besides its ids: the tally, the interviewer checks' sums and
/// the funnel's (a snapshot without one of them is not used: the rows are read once).
#[derive(serde::Serialize, serde::Deserialize)]
struct Body<T, C, F> {
    tally: T,
    checks: C,
    funnel: F,
}

fn save_snapshot(store: &Store, survey: &Survey, st: &State) {
    let body = Body {
        tally: &*st.tally,
        checks: &*st.checks,
        funnel: &*st.funnel,
    };
    let Ok(body) = serde_json::to_string(&body) else {
        return;
    };
    let superseded = serde_json::to_string(&st.applied.iter().collect::<Vec<_>>())
        .unwrap_or_else(|_| "[]".into());
    let snap = Snapshot {
        version: survey.version.clone(),
        max_id: st.max_id,
        row_count: st.rows_seen,
        superseded,
        body,
    };
    // A cache: failing to save costs the next start a longer read, nothing else.
    if let Err(e) = store.save_snapshot(&survey.id, &snap) {
        log::warn!("saving the dashboard snapshot of `{}`: {e}", survey.id);
    }
}

impl Cache {
    /// A cache that saves a snapshot every `rows` rows folded in (tests).
    #[doc(hidden)]
    pub fn snapshot_every(rows: u64) -> Cache {
        Cache {
            snapshot_every: rows.max(1),
            ..Cache::default()
        }
    }

    fn state_of(&self, survey: &str) -> Arc<Mutex<Option<State>>> {
        let mut m = self
            .surveys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        m.entry(survey.to_string()).or_default().clone()
    }

    /// The survey's responses, brought up to date.
    pub fn load(&self, store: &Store, survey: &Survey) -> Result<Arc<Loaded>, DashboardError> {
        let cell = self.state_of(&survey.id);
        // This survey's lock only: other surveys' requests go on meanwhile.
        let mut guard = cell
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let st = match guard.as_mut() {
            Some(st)
                if st.tally.fits(survey) && st.checks.fits(survey) && st.funnel.fits(survey) =>
            {
                st
            }
            _ => {
                *guard = Some(from_snapshot(store, survey).unwrap_or_else(|| fresh(survey)));
                guard.as_mut().expect("just set")
            }
        };
        let mut folded = catch_up(store, survey, st)?;
        // On a shared database rows can commit out of id order: one committed below the
        // highest id read was passed over. The count up to that id tells (rows above it
        // are simply not read yet: comparing the whole count would re-read everything
        // every few seconds while submissions arrive).
        let recount = store.is_shared() && st.counted_at.is_none_or(|t| t.elapsed() >= RECOUNT);
        if recount {
            st.counted_at = Some(Instant::now());
            if store.count_responses_upto(&survey.id, st.max_id)? != st.rows_seen {
                let mut again = fresh(survey);
                folded = catch_up(store, survey, &mut again)?.max(1);
                *st = again;
            }
        }
        if folded > 0 || st.loaded.is_none() {
            st.version = self
                .versions
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                + 1;
            st.figures.clear();
            st.loaded = Some(Arc::new(Loaded {
                tally: st.tally.clone(),
                checks: st.checks.clone(),
                funnel: st.funnel.clone(),
                superseded: st.superseded.clone(),
                version: st.version,
                from_snapshot: st.from_snapshot,
            }));
            st.since_snapshot += folded;
            if st.since_snapshot >= self.snapshot_every {
                save_snapshot(store, survey, st);
                st.since_snapshot = 0;
            }
        }
        Ok(st.loaded.clone().expect("set above"))
    }

    /// The household sample's figures of a wave ([`household_figures`]), computed once
    /// per state of its interviews, visits and draws (one cheap count asks).
    pub fn household(
        &self,
        store: &Store,
        survey: &Survey,
        wave: &str,
        lang: Lang,
    ) -> Result<Option<Arc<HouseholdFigures>>, DashboardError> {
        match household_key(store, survey)? {
            Some(key) => self.household_at(store, survey, wave, lang, key),
            None => Ok(None),
        }
    }

    fn household_at(
        &self,
        store: &Store,
        survey: &Survey,
        wave: &str,
        lang: Lang,
        key: HouseholdKey,
    ) -> Result<Option<Arc<HouseholdFigures>>, DashboardError> {
        let at = (survey.id.clone(), wave.to_string(), lang.code());
        // A wave without household interviews is remembered too: its views stay cheap.
        self.households.get_or(at, key, || {
            Ok(household_figures(store, survey, wave, lang)?.map(Arc::new))
        })
    }

    /// Where the household sample stands (`households::sample_status`), computed once
    /// per state of its draws, assignments, visits and interviews.
    pub fn sample_status(
        &self,
        store: &Store,
        survey: &Survey,
    ) -> Result<Option<Arc<SampleStatus>>, DashboardError> {
        match household_key(store, survey)? {
            Some(key) => self.sample_status_at(store, survey, key),
            None => Ok(None),
        }
    }

    fn sample_status_at(
        &self,
        store: &Store,
        survey: &Survey,
        key: HouseholdKey,
    ) -> Result<Option<Arc<SampleStatus>>, DashboardError> {
        self.samples.get_or(survey.id.clone(), key, || {
            Ok(crate::households::sample_status(store, survey)?.map(Arc::new))
        })
    }

    /// The interviewer checks from the sums kept with the tally (the rows are not read
    /// again), with the household sample's checks.
    pub fn interviewer_check(
        &self,
        store: &Store,
        survey: &Survey,
    ) -> Result<interviewers::Check, DashboardError> {
        let loaded = self.load(store, survey)?;
        let field = match household_key(store, survey)? {
            Some(key) => match self.sample_status_at(store, survey, key.clone())? {
                Some(status) => {
                    let callbacks = self.callback_checks_at(store, survey, key)?;
                    Some(interviewers::field_checks_from(&status, &callbacks))
                }
                None => None,
            },
            None => None,
        };
        interviewers::check_from(store, survey, &loaded.checks, field)
    }

    /// The household sample's call-back checks per interviewer, computed once per
    /// state of its interviews, call-backs and outcomes (each computation reads every
    /// household interview of the wave).
    pub fn callback_checks(
        &self,
        store: &Store,
        survey: &Survey,
    ) -> Result<Arc<Vec<crate::households::CallbackCheck>>, DashboardError> {
        let key = household_key(store, survey)?.unwrap_or_else(|| (survey.version.clone(), [0; 7]));
        self.callback_checks_at(store, survey, key)
    }

    fn callback_checks_at(
        &self,
        store: &Store,
        survey: &Survey,
        key: HouseholdKey,
    ) -> Result<Arc<Vec<crate::households::CallbackCheck>>, DashboardError> {
        let key = (key, store.callbacks_version(&survey.id)?);
        self.callbacks.get_or(survey.id.clone(), key, || {
            Ok(Arc::new(crate::households::callback_checks(store, survey)?))
        })
    }

    /// The response funnel of the current wave ([`funnel::funnel`]) from the sums kept
    /// with the tally: the view counters and the superseded rows are read, not the wave.
    pub fn funnel(
        &self,
        store: &Store,
        survey: &Survey,
        district: Option<&str>,
        lang: Lang,
    ) -> Result<funnel::Funnel, DashboardError> {
        let loaded = self.load(store, survey)?;
        Ok(funnel::funnel(
            store,
            survey,
            &loaded.funnel,
            &loaded.superseded,
            district,
            lang,
        )?)
    }

    /// The open answers per theme and district ([`voices::theme_counts`]), counted as
    /// they arrive: each request reads only the index rows added since the last.
    pub fn voice_counts(
        &self,
        store: &Store,
        survey: &Survey,
        district: Option<&str>,
    ) -> Result<Vec<voices::ThemeRow>, DashboardError> {
        let memo = || {
            self.voices
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        // Taken out while it is brought up to date: a request meanwhile counts afresh.
        let (mut counted_at, mut counts) = memo().remove(&survey.id).unwrap_or_default();
        let recount = store.is_shared() && counted_at.is_none_or(|t| t.elapsed() >= RECOUNT);
        if recount {
            counted_at = Some(Instant::now());
        }
        counts.catch_up(store, survey, recount)?;
        let rows = counts.rows(store, survey, district)?;
        memo().insert(survey.id.clone(), (counted_at, counts));
        Ok(rows)
    }

    /// Does at start what a survey's first office pages would: its aggregates from the
    /// snapshot, the default view's figures, the household sample's figures and status,
    /// the call-back checks and the open answers' counts. A page asked for meanwhile
    /// waits for the part it needs, no longer than it would have taken.
    pub fn warm(&self, store: &Store, survey: &Survey) -> Result<(), DashboardError> {
        let loaded = self.load(store, survey)?;
        self.figures(survey, &loaded, &Filter::default(), Lang::Zh)?;
        if let Some(key) = household_key(store, survey)? {
            let wave = survey.wave.to_string();
            self.household_at(store, survey, &wave, Lang::Zh, key.clone())?;
            if self.sample_status_at(store, survey, key.clone())?.is_some() {
                self.callback_checks_at(store, survey, key)?;
            }
        }
        self.voice_counts(store, survey, None)?;
        Ok(())
    }

    /// [`figures`] for `loaded`, computed once per state of the data.
    pub fn figures(
        &self,
        survey: &Survey,
        loaded: &Loaded,
        filter: &Filter,
        lang: Lang,
    ) -> Result<Arc<Figures>, DashboardError> {
        let cell = self.state_of(&survey.id);
        let key = (filter.clone(), lang.code());
        if let Some(st) = cell
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
        {
            if st.version == loaded.version {
                if let Some(f) = st.figures.get(&key) {
                    return Ok(f.clone());
                }
            }
        }
        // Computed outside the lock: the survey's intake-driven refreshes go on.
        let f = Arc::new(figures(survey, loaded, filter, lang)?);
        if let Some(st) = cell
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_mut()
        {
            if st.version == loaded.version {
                if st.figures.len() >= FIGURES_KEPT {
                    st.figures.clear();
                }
                st.figures.insert(key, f.clone());
            }
        }
        Ok(f)
    }
}
