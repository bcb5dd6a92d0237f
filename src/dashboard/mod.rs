//! What the office dashboard shows, computed from a survey's aggregated responses (a
//! [`Tally`]) with the same statistics as `minyi stats` and `minyi report`, so the
//! dashboard and the briefing pack can never disagree. No HTTP here: the web layer
//! only renders [`Figures`] and decides who may see which part.
//!
//! The tally's size depends on the survey's places and cells, not on its responses:
//! a million responses cost the dashboard what a thousand do. Each survey is brought
//! up to date under its own lock (no request waits on another survey), reading only
//! the rows added since, in pages, and the supersessions; on start it begins from
//! the snapshot saved in the database, checked against the responses.

pub mod funnel;
pub mod interviewers;
pub mod places;
pub mod voices;

use chrono::{Local, NaiveDate, TimeZone};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::collect::Channel;
use crate::definition::{Kind, Lang, Survey};
use crate::stats::tally::{Key, Tally};
use crate::stats::{self, Exclusions, Options, Report, Weighting};
use crate::storage::{Snapshot, StorageError, Store, StoredResponse};

#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Dataset(#[from] crate::dataset::DatasetError),
    #[error(transparent)]
    Report(#[from] crate::report::ReportError),
    #[error(transparent)]
    Chart(#[from] crate::charts::ChartError),
    #[error(transparent)]
    Export(#[from] crate::export::ExportError),
    #[error(transparent)]
    Qr(#[from] crate::qr::QrError),
    #[error("this survey has no complete responses yet; the briefing pack needs some")]
    NoResponses,
    #[error("no chart `{0}`: it needs responses first (a map needs place outlines in the definition), or the name is wrong (rate_QUESTION.svg, map_QUESTION.svg, heat.svg, progress.svg, likert.svg; .png for the 2× image)")]
    NoChart(String),
    #[error("no download `{0}`; use responses.csv, responses.xlsx, weak_spots.csv, weak_spots.xlsx, pack.zip (city) or qr.zip")]
    NoFile(String),
    #[error("by=`{0}` is not supported; use city, district, street, community, grid or collection_community")]
    UnknownDomain(String),
    #[error("wave `{0}` has no responses; this survey has waves {1}")]
    NoWave(String, String),
    #[error("`{0}` is not a collection point of this survey")]
    UnknownCommunity(String),
    #[error("`{0}` is not a collection mode; use {modes}", modes = Channel::codes())]
    UnknownMode(String),
}

/// Rows read per page while bringing a survey up to date (memory stays at one page).
const PAGE: i64 = 20_000;
/// A snapshot is saved once this many rows were folded in since the last one.
const SNAPSHOT_EVERY: u64 = 20_000;
/// How often a shared database (PostgreSQL) is counted, to catch rows that committed
/// out of id order.
const RECOUNT: Duration = Duration::from_secs(5);
/// Figures kept per survey (a page and its charts ask for the same ones).
const FIGURES_KEPT: usize = 16;

/// A survey's responses as the dashboard reads them: aggregated, with the
/// supersessions folded in.
pub struct Loaded {
    pub tally: Arc<Tally>,
    /// Supersessions: (response id, reason).
    pub superseded: Vec<(i64, String)>,
    /// Changes whenever the aggregates do (keys the figures memo).
    pub version: u64,
    /// Whether this state began from the saved snapshot rather than a full read.
    pub from_snapshot: bool,
}

/// One survey's state between requests.
struct State {
    tally: Arc<Tally>,
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

/// Surveys as the dashboard last read them, each behind its own lock.
pub struct Cache {
    surveys: Mutex<HashMap<String, Arc<Mutex<Option<State>>>>>,
    versions: std::sync::atomic::AtomicU64,
    snapshot_every: u64,
}

impl Default for Cache {
    fn default() -> Cache {
        Cache {
            surveys: Mutex::default(),
            versions: Default::default(),
            snapshot_every: SNAPSHOT_EVERY,
        }
    }
}

/// Reads a survey's responses from storage, from scratch (no snapshot).
pub fn load(store: &Store, survey: &Survey) -> Result<Loaded, DashboardError> {
    let mut st = fresh(survey);
    catch_up(store, survey, &mut st)?;
    Ok(Loaded {
        tally: st.tally,
        superseded: st.superseded,
        version: 0,
        from_snapshot: false,
    })
}

fn fresh(survey: &Survey) -> State {
    State {
        tally: Arc::new(Tally::new(survey)),
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
        let rows = store.responses_by_ids(&survey.id, &newly)?;
        // Copies the aggregates only when figures still hold them, and only when
        // something changed.
        let tally = Arc::make_mut(&mut st.tally);
        tally.remove(survey, &crate::dataset::from_rows(survey, &rows, &[])?);
        tally.add(survey, &crate::dataset::from_rows(survey, &rows, &newly)?);
        folded += rows.len() as u64;
    }
    loop {
        let rows = store.responses_page(&survey.id, st.max_id, PAGE)?;
        let Some(last) = rows.last() else { break };
        st.max_id = last.id;
        st.rows_seen += rows.len() as i64;
        folded += rows.len() as u64;
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
    let mut tally: Tally = serde_json::from_str(&snap.body).ok()?;
    if !tally.fits(survey) {
        return None;
    }
    tally.reindex();
    let applied: HashSet<i64> = serde_json::from_str::<Vec<i64>>(&snap.superseded)
        .ok()?
        .into_iter()
        .collect();
    let mut st = fresh(survey);
    st.tally = Arc::new(tally);
    st.max_id = snap.max_id;
    st.rows_seen = snap.row_count;
    st.applied = applied;
    st.from_snapshot = true;
    Some(st)
}

fn save_snapshot(store: &Store, survey: &Survey, st: &State) {
    let Ok(body) = serde_json::to_string(&*st.tally) else {
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
            Some(st) if st.tally.fits(survey) => st,
            _ => {
                *guard = Some(from_snapshot(store, survey).unwrap_or_else(|| fresh(survey)));
                guard.as_mut().expect("just set")
            }
        };
        let mut folded = catch_up(store, survey, st)?;
        // On a shared database rows can commit out of id order; the count tells.
        let recount = store.is_shared() && st.counted_at.is_none_or(|t| t.elapsed() >= RECOUNT);
        if recount {
            st.counted_at = Some(Instant::now());
            if store.count_responses(&survey.id)? != st.rows_seen {
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

/// The dashboard's filters (all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Filter {
    pub wave: Option<String>,
    /// A collection point's code (a community, grid or poster point, in any district).
    pub community: Option<String>,
    /// Collection mode: qr, link, api, phone, household.
    pub mode: Option<String>,
}

/// Collection counts of one district (the resident's district).
#[derive(Debug, Clone, Serialize)]
pub struct Counts {
    pub district: String,
    pub today: usize,
    pub total: usize,
    pub planned: u32,
    /// Complete responses with a quality flag or superseded (kept, not in estimates).
    pub flagged: usize,
}

/// Everything one dashboard view shows.
pub struct Figures {
    pub wave: String,
    pub waves: Vec<String>,
    pub counts: Vec<Counts>,
    /// `None` when no response is left to estimate from.
    pub report: Option<Report>,
    /// Why the weighting differs from raking to the census, when it does.
    pub weighting_note: Option<String>,
    pub excluded: Exclusions,
    /// "收集方式：扫码 80%，…" for the figures' source lines.
    pub collection: String,
    /// The weighting used, and the selection the figures cover (for charts drawn from
    /// the same atoms).
    pub selection: Selection,
    pub tally: Arc<Tally>,
    /// The estimates by street, community, grid and collection point, computed when a
    /// view first needs them (most views need only the city and its districts).
    places: std::sync::OnceLock<Option<Report>>,
    /// The community model of each indicator (set with `places`).
    models: std::sync::OnceLock<Vec<stats::sae::ModelFit>>,
}

/// The place domains below the district.
pub const PLACE_DOMAINS: [&str; 4] = ["street", "community", "grid", "collection_community"];

impl Figures {
    /// The fieldwork pace of this view's wave to the evaluation date (all modes and
    /// collection points), `None` without an `evaluation_date`.
    pub fn pace(&self, survey: &Survey) -> Option<stats::pace::Pace> {
        let wave = self.wave.parse().ok()?;
        stats::pace::pace(survey, &self.tally, wave, today())
    }

    /// The estimates of the place domains below the district (same weighting and
    /// selection as [`Figures::report`]).
    pub fn places(&self, survey: &Survey) -> Option<&Report> {
        self.places
            .get_or_init(|| {
                self.report.as_ref()?;
                let census = stats::Census::from_survey(survey);
                let opts = Options {
                    by: PLACE_DOMAINS.map(String::from).to_vec(),
                    weighting: self.selection.weighting,
                    ..Options::default()
                };
                let keep = |k: &Key| self.selection.keeps(k);
                let mut r =
                    stats::tally::analyse(survey, &self.tally, &keep, census.as_ref(), &opts)
                        .ok()?;
                r.estimates.retain(|e| e.domain != "city");
                r.excluded = self.excluded.clone();
                // The community model beside the direct figures, benchmarked to these
                // district rates, with the previous wave for its `prior` covariate.
                if let Some(districts) = &self.report {
                    let prior = self.previous_wave().and_then(|w| {
                        let sel = Selection {
                            wave: w,
                            ..self.selection.clone()
                        };
                        let keep = |k: &Key| sel.keeps(k);
                        let o = Options {
                            by: vec!["district".into(), "community".into()],
                            ..opts.clone()
                        };
                        stats::tally::analyse(survey, &self.tally, &keep, census.as_ref(), &o).ok()
                    });
                    let fits =
                        stats::sae::model_communities(survey, &mut r, districts, prior.as_ref());
                    let _ = self.models.set(fits);
                }
                Some(r)
            })
            .as_ref()
    }

    /// The community model fits (what each indicator's model is, or why there is none).
    pub fn models(&self, survey: &Survey) -> &[stats::sae::ModelFit] {
        self.places(survey);
        self.models.get().map_or(&[], Vec::as_slice)
    }

    /// The wave before the selection's, if the tally has one.
    fn previous_wave(&self) -> Option<i32> {
        self.tally
            .atoms
            .iter()
            .map(|a| a.key.wave)
            .filter(|w| *w < self.selection.wave)
            .max()
    }

    /// The estimates of one domain: city, district, or a place domain.
    pub fn of_domain<'a>(
        &'a self,
        survey: &Survey,
        domain: &'a str,
    ) -> impl Iterator<Item = &'a stats::Estimate> + 'a {
        let report = if PLACE_DOMAINS.contains(&domain) {
            self.places(survey)
        } else {
            self.report.as_ref()
        };
        report
            .into_iter()
            .flat_map(|r| r.estimates.iter())
            .filter(move |e| e.domain == domain)
    }
}

/// Which atoms a view covers.
#[derive(Debug, Clone)]
pub struct Selection {
    pub wave: i32,
    pub points: Option<Vec<u32>>,
    pub mode: Option<u8>,
    pub weighting: Weighting,
}

impl Selection {
    pub fn keeps(&self, k: &Key) -> bool {
        k.wave == self.wave
            && self.points.as_ref().is_none_or(|p| p.contains(&k.point))
            && self.mode.is_none_or(|m| k.mode == m)
    }
}

fn today() -> NaiveDate {
    Local::now().date_naive()
}

/// The domains every dashboard view computes (the places below come when asked for).
const DOMAINS: [&str; 1] = ["district"];

/// Computes the figures for a filter. Estimates are raked to the census when the
/// definition has one; when raking is impossible for this selection (a district with
/// no respondents yet, a single collection point) they fall back to base weights and
/// say so.
pub fn figures(
    survey: &Survey,
    loaded: &Loaded,
    filter: &Filter,
    lang: Lang,
) -> Result<Figures, DashboardError> {
    let tally = &loaded.tally;
    let mut waves = tally.waves();
    waves.push(survey.wave.to_string());
    stats::sort_waves(&mut waves);
    // The office watches the wave being collected: the definition's.
    let wave = filter
        .wave
        .clone()
        .unwrap_or_else(|| survey.wave.to_string());
    let Some(wave_no) = wave.parse::<i32>().ok().filter(|_| waves.contains(&wave)) else {
        return Err(DashboardError::NoWave(wave, waves.join(", ")));
    };
    let points = match &filter.community {
        None => None,
        Some(c) => {
            let p: Vec<u32> = survey
                .points()
                .iter()
                .enumerate()
                .filter(|(_, p)| {
                    !matches!(p, crate::definition::PointRef::District(_)) && p.code() == c
                })
                .map(|(i, _)| i as u32)
                .collect();
            if p.is_empty() {
                return Err(DashboardError::UnknownCommunity(c.clone()));
            }
            Some(p)
        }
    };
    let mode = match &filter.mode {
        None => None,
        Some(m) => {
            let c = Channel::parse(m).ok_or_else(|| DashboardError::UnknownMode(m.clone()))?;
            Channel::ALL.iter().position(|x| *x == c).map(|i| i as u8)
        }
    };
    let mut sel = Selection {
        wave: wave_no,
        points,
        mode,
        weighting: if filter.community.is_none() {
            preferred_weighting(survey)
        } else {
            Weighting::Base
        },
    };
    let keep = |k: &Key| sel.keeps(k);
    let counts = counts(survey, tally, &keep);
    let excluded = tally.exclusions(&keep);
    let modes = tally.modes(&keep);
    let collection = crate::report::collection_text(Some(&modes), lang);
    let mut weighting_note = None;
    let any = tally.select(&keep).any(|a| a.key.counted());
    let report = if !any {
        None
    } else {
        let census = stats::Census::from_survey(survey);
        let mut opts = Options {
            by: DOMAINS.map(String::from).to_vec(),
            weighting: sel.weighting,
            ..Options::default()
        };
        if filter.community.is_some() {
            weighting_note = Some(
                lang.pick(
                    "按调查点筛选时只用区人口基础权重（单个调查点无法按人口结构校准）。",
                    "With a collection point filter only district base weights are used (one point cannot be calibrated to the census).",
                )
                .to_string(),
            );
        }
        match stats::tally::analyse(survey, tally, &keep, census.as_ref(), &opts) {
            Ok(r) => Some(r),
            Err(e) if opts.weighting != Weighting::Base => {
                weighting_note = Some(format!(
                    "{}{}",
                    lang.pick(
                        "暂无法按人口普查数据校准，改用区人口基础权重：",
                        "Cannot calibrate to the census yet, so district base weights are used: "
                    ),
                    why_not_raked(survey, &e, lang)
                ));
                opts.weighting = Weighting::Base;
                stats::tally::analyse(survey, tally, &keep, census.as_ref(), &opts).ok()
            }
            Err(e) => {
                weighting_note = Some(e.to_string());
                None
            }
        }
    };
    if let Some(r) = &report {
        sel.weighting = r.weighting;
    }
    let report = report.map(|mut r| {
        r.excluded = excluded.clone();
        r
    });
    Ok(Figures {
        wave,
        waves,
        counts,
        report,
        weighting_note,
        excluded,
        collection,
        selection: sel,
        tally: tally.clone(),
        places: std::sync::OnceLock::new(),
        models: std::sync::OnceLock::new(),
    })
}

/// Per district: responses today and in total (flagged ones count as collected),
/// the plan, and how many are flagged.
fn counts(survey: &Survey, tally: &Tally, keep: &dyn Fn(&Key) -> bool) -> Vec<Counts> {
    let mut out: Vec<Counts> = survey
        .districts
        .iter()
        .map(|d| Counts {
            district: d.code.clone(),
            today: 0,
            total: 0,
            planned: survey.planned_per_district,
            flagged: 0,
        })
        .collect();
    for a in tally.select(keep) {
        if let Some(c) = out.get_mut(a.key.district as usize) {
            c.total += a.rows as usize;
            if !a.key.counted() {
                c.flagged += a.rows as usize;
            }
        }
    }
    let today = today();
    for (k, (n, _)) in &tally.daily {
        if k.date == today && keep(&k.key()) {
            if let Some(c) = out.get_mut(k.district as usize) {
                c.today += *n as usize;
            }
        }
    }
    out
}

/// Why raking failed, in the office's words (the CLI's messages name command flags).
fn why_not_raked(survey: &Survey, e: &stats::StatsError, l: Lang) -> String {
    let name = |code: &str| {
        survey
            .district(code)
            .map_or(code.to_string(), |d| d.name.get(l).to_string())
    };
    match e {
        stats::StatsError::EmptyDistrict(d) => format!(
            "{}{}",
            name(d),
            l.pick(
                "还没有问卷。该区有问卷后自动改为按人口结构校准。",
                " has no responses yet. Calibration starts once it has some."
            )
        ),
        stats::StatsError::EmptyCells { cells, .. } => {
            let list: Vec<String> = cells
                .iter()
                .map(|c| format!("{} {}", name(&c.district), c.cell))
                .collect();
            format!(
                "{}{}{}{}",
                l.pick("人口结构中有 ", ""),
                cells.len(),
                l.pick(" 格还没有问卷：", " census cell(s) have no responses yet: "),
                list.join(l.pick("；", "; "))
            )
        }
        other => other.to_string(),
    }
}

/// What a district page shows below its own figures.
pub struct DistrictView {
    pub distributions: Vec<Distribution>,
    /// Its streets (empty when its communities name none).
    pub streets: Vec<places::PlaceRow>,
    /// Its communities, and the responses that recorded none.
    pub communities: Vec<places::PlaceRow>,
    pub weak: places::WeakSpots,
}

/// Everything of a district page below the district's own figures.
pub fn district_view(s: &Survey, fig: &Figures, district: &str, l: Lang) -> DistrictView {
    DistrictView {
        distributions: distributions(s, fig, district, l),
        streets: places::streets(s, fig, district, l),
        communities: places::communities(s, fig, district, None, l),
        weak: places::weak_spots(s, fig, Some(district), l),
    }
}

/// Answers to one question in a district, unweighted.
#[derive(Debug, Clone, Serialize)]
pub struct Distribution {
    pub question: String,
    pub label: String,
    pub answered: usize,
    /// (option label, count); for several answers a row can count in several options.
    pub options: Vec<(String, usize)>,
}

/// Question-by-question answer counts of one district's counted responses in the
/// view's selection.
pub fn distributions(
    survey: &Survey,
    fig: &Figures,
    district: &str,
    lang: Lang,
) -> Vec<Distribution> {
    let Some(di) = survey.districts.iter().position(|d| d.code == district) else {
        return vec![];
    };
    let keep = |k: &Key| k.counted() && k.district as usize == di && fig.selection.keeps(k);
    survey
        .questions
        .iter()
        .filter(|q| {
            !matches!(
                q.kind,
                Kind::Text | Kind::District | Kind::Community | Kind::Number
            )
        })
        .filter_map(|q| {
            let (counts, answered) = fig.tally.answer_counts(&q.id, &keep)?;
            Some(Distribution {
                question: q.id.clone(),
                label: q.label(lang).to_string(),
                answered: answered as usize,
                options: q
                    .options
                    .iter()
                    .zip(counts)
                    .map(|(o, n)| (o.label.get(lang).to_string(), n as usize))
                    .collect(),
            })
        })
        .collect()
}

/// One flagged or superseded response for the data-quality panel.
#[derive(Debug, Clone, Serialize)]
pub struct FlaggedRow {
    pub id: i64,
    pub submitted_at: String,
    pub district: String,
    pub collection_point: String,
    pub channel: String,
    pub flags: Vec<String>,
}

/// How many flagged rows the quality panel lists (the counts cover all of them).
pub const FLAGGED_LISTED: i64 = 500;

/// Flagged and superseded complete responses of a scope: counts per flag over every
/// wave, and the newest [`FLAGGED_LISTED`] of them.
pub fn flagged(
    store: &Store,
    survey: &Survey,
    loaded: &Loaded,
    scope: Scope<'_>,
) -> Result<(BTreeMap<String, usize>, Vec<FlaggedRow>), DashboardError> {
    let di = scope
        .district()
        .and_then(|d| survey.districts.iter().position(|x| x.code == d));
    let keep = |k: &Key| di.is_none_or(|d| k.district as usize == d);
    let by_flag = loaded.tally.exclusions(&keep).by_flag;
    let superseded: HashSet<i64> = loaded.superseded.iter().map(|s| s.0).collect();
    let rows = store
        .flagged_responses(&survey.id, scope.district(), FLAGGED_LISTED)?
        .into_iter()
        .map(|r| {
            let mut flags: Vec<String> = r
                .quality_flags
                .split(',')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .map(str::to_string)
                .collect();
            if superseded.contains(&r.id) {
                flags.push(crate::quality::SUPERSEDED.into());
            }
            flagged_row(r, flags)
        })
        .collect();
    Ok((by_flag, rows))
}

fn flagged_row(r: StoredResponse, flags: Vec<String>) -> FlaggedRow {
    FlaggedRow {
        id: r.id,
        submitted_at: Local
            .from_utc_datetime(&r.submitted_at)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        collection_point: match &r.collection_community {
            Some(c) => format!("{}/{}", r.collection_district, c),
            None => r.collection_district.clone(),
        },
        district: r.district,
        channel: r.channel,
        flags,
    }
}

/// The office's weighting: raked to the census when the definition has one, else
/// district base weights. Where raking is impossible for the data at hand (early in
/// collection), figures fall back to base weights and say why.
pub fn preferred_weighting(survey: &Survey) -> Weighting {
    if survey.weighting.is_some() {
        Weighting::Rake
    } else {
        Weighting::Base
    }
}

/// The briefing pack of every stored wave as a ZIP, in the office's weighting (base
/// weights when raking is impossible; the pack's methods section says which).
/// The pack as a ZIP (`pack.zip`) or one of its documents (`briefing.docx`,
/// `briefing.pdf`), city-wide.
pub fn pack_file(
    store: &Store,
    survey: &Survey,
    loaded: &Loaded,
    lang: Lang,
    name: &str,
) -> Result<File, DashboardError> {
    let voices = voices::for_pack(store, survey)?;
    let tally = &loaded.tally;
    if tally.rows() == 0 {
        return Err(DashboardError::NoResponses);
    }
    let census = stats::Census::from_survey(survey);
    let all = |_: &Key| true;
    let modes = tally.modes(&all);
    let make = |weighting| {
        let input = crate::report::PackInput {
            survey,
            tally,
            census: census.as_ref(),
            options: Options {
                weighting,
                ..Default::default()
            },
            wave: None,
            lang,
            date: Local::now().format("%Y-%m-%d").to_string(),
            collection: crate::report::collection_text(Some(&modes), lang),
            include_flagged: false,
            voices: Some(voices.clone()),
        };
        match name {
            "pack.zip" => crate::report::build_zip(&input),
            file => crate::report::build_file(&input, file),
        }
    };
    let bytes = make(preferred_weighting(survey)).or_else(|_| make(Weighting::Base))?;
    let (file, kind, what) = match name {
        "briefing.docx" => ("briefing.docx", FileKind::Docx, "briefing (Word)"),
        "briefing.pdf" => ("briefing.pdf", FileKind::Pdf, "briefing (PDF)"),
        _ => ("briefing.zip", FileKind::Zip, "briefing pack"),
    };
    Ok(File {
        name: format!("{}_{file}", survey.id),
        kind,
        body: Body::Bytes(bytes),
        what: format!("{} {what}", survey.id),
    })
}
/// The part of a survey a request covers: the whole city, or one district.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    City,
    District(&'a str),
}

impl<'a> Scope<'a> {
    pub fn of(district: Option<&'a str>) -> Scope<'a> {
        district.map_or(Scope::City, Scope::District)
    }
    pub fn district(self) -> Option<&'a str> {
        match self {
            Scope::City => None,
            Scope::District(d) => Some(d),
        }
    }
    /// Whether figures of resident district `d` belong to this scope.
    pub fn covers(self, d: &str) -> bool {
        self.district().is_none_or(|x| x == d)
    }
}

/// Whether an estimate's group is district `d` or one of its communities (`d/…`).
pub fn in_district(group: &str, d: &str) -> bool {
    group
        .strip_prefix(d)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Live figures for an open page: per-district counts and the headline rates of the
/// scope (a district's own figures and its communities'; or the city's and districts').
pub fn summary(survey: &Survey, fig: &Figures, scope: Scope<'_>) -> serde_json::Value {
    let counts: Vec<&Counts> = fig
        .counts
        .iter()
        .filter(|c| scope.covers(&c.district))
        .collect();
    let estimates: Vec<&stats::Estimate> = match scope {
        Scope::City => fig.report.iter().flat_map(|r| r.estimates.iter()).collect(),
        // A district's own figures and those of its streets, communities, grids and
        // collection points.
        Scope::District(d) => fig
            .of_domain(survey, "district")
            .chain(PLACE_DOMAINS.iter().flat_map(|p| fig.of_domain(survey, p)))
            .filter(|e| in_district(&e.group, d))
            .collect(),
    };
    // The pace to the evaluation date, of the places the scope covers.
    let pace = fig.pace(survey).map(|mut p| {
        p.districts.retain(|r| scope.covers(&r.district));
        p.communities.retain(|r| scope.covers(&r.district));
        p
    });
    serde_json::json!({
        "survey": survey.id,
        "wave": fig.wave,
        "updated_at": chrono::Utc::now().to_rfc3339(),
        "counts": counts,
        "estimates": estimates,
        "excluded": fig.excluded,
        "collection": fig.collection,
        "pace": pace,
    })
}

/// Domains the estimates API offers.
pub const ESTIMATE_DOMAINS: [&str; 6] = [
    "city",
    "district",
    "street",
    "community",
    "grid",
    "collection_community",
];

/// The estimates of one domain (`by`), within a district when given.
pub fn estimates(
    survey: &Survey,
    fig: &Figures,
    by: &str,
    district: Option<&str>,
) -> Result<serde_json::Value, DashboardError> {
    if !ESTIMATE_DOMAINS.contains(&by) {
        return Err(DashboardError::UnknownDomain(by.to_string()));
    }
    let Some(report) = &fig.report else {
        return Ok(serde_json::json!({
            "survey": survey.id, "wave": fig.wave, "estimates": [], "note": fig.weighting_note,
            "excluded": fig.excluded, "collection": fig.collection,
        }));
    };
    let rows: Vec<&stats::Estimate> = fig
        .of_domain(survey, by)
        .filter(|e| district.is_none_or(|d| in_district(&e.group, d)))
        .collect();
    Ok(serde_json::json!({
        "survey": survey.id,
        "wave": fig.wave,
        "weighting": report.weighting,
        "method": report.method,
        "level": report.level,
        "respondents": report.respondents,
        "note": fig.weighting_note,
        "excluded": fig.excluded,
        "collection": fig.collection,
        "estimates": rows,
    }))
}

/// The title, subtitle and source line every dashboard chart carries.
fn chart_frame(s: &Survey, fig: &Figures, l: Lang, title: String) -> crate::charts::Frame {
    crate::charts::Frame {
        title,
        subtitle: format!(
            "{} · {}{}{} · {}{} · {}",
            s.title.get(l),
            l.pick("第", "wave "),
            fig.wave,
            l.pick("轮", ""),
            l.pick("加权：", "weighting: "),
            fig.report
                .as_ref()
                .map_or("—", |r| crate::labels::weighting_name(r.weighting, l)),
            Local::now().format("%Y-%m-%d %H:%M"),
        ),
        source: fig.collection.clone(),
        notes: vec![],
    }
}

/// A dashboard chart as SVG. The city's: `rate_{question}.svg` (districts),
/// `heat.svg`, `progress.svg`, `likert.svg`; a district's: `rate_{question}.svg`
/// across its communities.
pub fn chart(
    s: &Survey,
    fig: &Figures,
    scope: Scope<'_>,
    name: &str,
    l: Lang,
) -> Result<ChartFile, DashboardError> {
    use crate::report;
    let none = || DashboardError::NoChart(name.to_string());
    let frame = |title: String| chart_frame(s, fig, l, title);
    let (stem, png) = match (name.strip_suffix(".svg"), name.strip_suffix(".png")) {
        (Some(stem), _) => (stem, false),
        (_, Some(stem)) => (stem, true),
        _ => return Err(none()),
    };
    let report = fig.report.as_ref();
    let chart = match (scope, stem) {
        (scope, map) if map.starts_with("map_") => {
            let q = s.question(&map["map_".len()..]).ok_or_else(none)?;
            let (estimates, level): (Vec<&stats::Estimate>, _) = match scope {
                Scope::City => (
                    fig.of_domain(s, "district").collect(),
                    report::MapLevel::Districts,
                ),
                Scope::District(d) => (
                    fig.of_domain(s, "community")
                        .filter(|e| in_district(&e.group, d))
                        .collect(),
                    report::MapLevel::Communities(d),
                ),
            };
            let m =
                report::map_chart(s, estimates.into_iter(), q, level, frame, l).ok_or_else(none)?;
            crate::charts::render(&m)?
        }
        (Scope::City, "progress") => {
            let rows: Vec<(String, f64)> = fig
                .counts
                .iter()
                .map(|c| (c.district.clone(), c.total as f64))
                .collect();
            crate::charts::render(&report::progress_chart(s, &rows, frame, l))?
        }
        (Scope::City, "heat") => {
            crate::charts::render(&report::heat_chart(s, report.ok_or_else(none)?, frame, l))?
        }
        (Scope::City, "likert") => {
            let census = stats::Census::from_survey(s);
            let opts = Options {
                weighting: fig.selection.weighting,
                ..Default::default()
            };
            let keep = |k: &Key| fig.selection.keeps(k);
            let rows = report::likert_rows(s, &fig.tally, &keep, census.as_ref(), &opts, l)?;
            crate::charts::render(&report::likert_chart(s, rows, frame, l).ok_or_else(none)?)?
        }
        (scope, other) => {
            let qid = other.strip_prefix("rate_").ok_or_else(none)?;
            let q = s.question(qid).ok_or_else(none)?;
            let mut r = report.ok_or_else(none)?.clone();
            let (domain, title) = match scope {
                Scope::City => (
                    "district",
                    format!("{}{}", q.label(l), l.pick("：各区比较", " by district")),
                ),
                Scope::District(d) => {
                    r.estimates = fig
                        .of_domain(s, "collection_community")
                        .filter(|e| in_district(&e.group, d))
                        .cloned()
                        .collect();
                    let dname = crate::labels::district_name(s, d, l);
                    (
                        "collection_community",
                        format!(
                            "{dname} · {}{}",
                            q.label(l),
                            l.pick("：各调查点比较", " by collection point")
                        ),
                    )
                }
            };
            let c = report::rate_chart(s, &r, q, domain, frame(title), l).ok_or_else(none)?;
            crate::charts::render(&c)?
        }
    };
    Ok(if png {
        ChartFile::Png(chart.png)
    } else {
        ChartFile::Svg(chart.svg)
    })
}

/// A chart as the name asked: SVG for pages, the 2× PNG for slides.
pub enum ChartFile {
    Svg(String),
    Png(Vec<u8>),
}

/// A file for download.
pub struct File {
    pub name: String,
    pub kind: FileKind,
    pub body: Body,
    /// What the audit log records of it.
    pub what: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Csv,
    Xlsx,
    Zip,
    Pdf,
    Docx,
}

/// A download's content.
pub enum Body {
    Bytes(Vec<u8>),
    /// A file written to disk first (already unlinked; sent from its handle), so its
    /// size does not have to fit in memory.
    Disk(std::fs::File),
    /// The responses CSV of a scope, written while it is sent ([`write_responses_csv`]).
    Csv {
        district: Option<String>,
    },
}

/// The stored responses of a scope: `responses.csv` (the shape `minyi stats` reads,
/// streamed page by page) or `responses.xlsx` (a workbook built on disk, split across
/// sheets beyond one sheet's rows).
pub fn responses_file(
    store: &Store,
    s: &Survey,
    scope: Scope<'_>,
    file: &str,
    exported_by: &str,
) -> Result<File, DashboardError> {
    let scope_name = scope.district().unwrap_or("all");
    let stem = format!("{}_{scope_name}_responses", s.id);
    match file {
        "responses.csv" => Ok(File {
            name: format!("{stem}.csv"),
            kind: FileKind::Csv,
            body: Body::Csv {
                district: scope.district().map(str::to_string),
            },
            what: format!("{} {scope_name} {file}", s.id),
        }),
        "responses.xlsx" => {
            let about = vec![
                format!("survey: {} ({})", s.id, s.title.zh),
                format!("district: {scope_name}"),
                format!("exported: {} by {exported_by}", Local::now().format("%Y-%m-%d %H:%M")),
                "one row per complete response; quality_flags lists why a response is left out of estimates (superseded = withdrawn by the office, with a logged reason)".into(),
                "channel: qr / link / api / phone / household; interviewer: who entered a phone or household interview".into(),
            ];
            let (disk, n) = responses_workbook(store, s, scope, &about, crate::report::SHEET_ROWS)?;
            Ok(File {
                name: format!("{stem}.xlsx"),
                kind: FileKind::Xlsx,
                body: Body::Disk(disk),
                what: format!("{} {scope_name} {file} ({n} responses)", s.id),
            })
        }
        other => Err(DashboardError::NoFile(other.to_string())),
    }
}

/// Writes the responses CSV of a scope to `out`, a page of rows at a time.
pub fn write_responses_csv(
    store: &Store,
    s: &Survey,
    district: Option<&str>,
    out: impl std::io::Write,
) -> Result<usize, DashboardError> {
    Ok(crate::export::write_from_store(store, s, district, out)?)
}

/// The responses of a scope as a workbook in an unlinked temporary file: the CSV is
/// written to a temporary file first, then read back into a constant-memory workbook
/// (`sheet_rows` data rows per sheet). Returns the file and the number of responses.
pub fn responses_workbook(
    store: &Store,
    s: &Survey,
    scope: Scope<'_>,
    about: &[String],
    sheet_rows: u32,
) -> Result<(std::fs::File, usize), DashboardError> {
    let io = |e: std::io::Error| crate::report::ReportError::Io {
        path: std::env::temp_dir(),
        source: e,
    };
    let mut csv = tempfile::tempfile().map_err(io)?;
    let n = write_responses_csv(
        store,
        s,
        scope.district(),
        std::io::BufWriter::new(&mut csv),
    )?;
    use std::io::Seek;
    csv.rewind().map_err(io)?;
    let out = tempfile::NamedTempFile::new().map_err(io)?;
    crate::report::responses_workbook(std::io::BufReader::new(csv), about, out.path(), sheet_rows)?;
    // Open before the name goes: the handle keeps the data until the download ends.
    let disk = std::fs::File::open(out.path()).map_err(io)?;
    drop(out);
    Ok((disk, n))
}

/// Every QR code of a scope (PNG and SVG) in a ZIP.
/// The printable posters of a scope as one PDF, one A4 page per collection point.
pub fn posters_pdf(
    s: &Survey,
    base_url: &str,
    scope: Scope<'_>,
    lang: Lang,
) -> Result<File, DashboardError> {
    let places: Vec<crate::qr::Place> = crate::qr::places(s, base_url, lang)
        .into_iter()
        .filter(|p| scope.covers(&p.district))
        .collect();
    let scope_name = scope.district().unwrap_or("all");
    Ok(File {
        name: format!("{}_{scope_name}_posters.pdf", s.id),
        kind: FileKind::Pdf,
        body: Body::Bytes(crate::qr::posters_pdf(s, &places, lang)?),
        what: format!("{} posters {scope_name} ({} pages)", s.id, places.len()),
    })
}

pub fn qr_zip(s: &Survey, base_url: &str, scope: Scope<'_>) -> Result<File, DashboardError> {
    let mut entries = Vec::new();
    for p in crate::qr::places(s, base_url, Lang::Zh)
        .into_iter()
        .filter(|p| scope.covers(&p.district))
    {
        entries.push((format!("{}.svg", p.stem), crate::qr::svg(&p)?.into_bytes()));
        entries.push((format!("{}.png", p.stem), crate::qr::png(&p)?));
    }
    let scope_name = scope.district().unwrap_or("all");
    Ok(File {
        name: format!("{}_{scope_name}_qr.zip", s.id),
        kind: FileKind::Zip,
        body: Body::Bytes(crate::report::zip(&entries)?),
        what: format!("{} QR codes {scope_name}", s.id),
    })
}
