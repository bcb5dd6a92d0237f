//! What the office dashboard shows, computed from storage with the same rows →
//! dataset → stats path as `minyi stats` and `minyi report`, so the dashboard and the
//! briefing pack can never disagree. No HTTP here: the web layer only renders
//! [`Figures`] and decides who may see which part.

use chrono::{Local, NaiveDate, TimeZone};
use serde::Serialize;
use std::sync::Arc;

use crate::collect::Channel;
use crate::definition::{Kind, Lang, Survey};
use crate::stats::{self, Column, Dataset, Exclusions, Options, Report, Weighting, MISSING};
use crate::storage::{StorageError, Store, StoredResponse, STATUS_COMPLETE};

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
    #[error("no chart `{0}`: it needs responses first, or the name is wrong (rate_QUESTION.svg, heat.svg, progress.svg, likert.svg)")]
    NoChart(String),
    #[error("no download `{0}`; use responses.csv, responses.xlsx, pack.zip or qr.zip")]
    NoFile(String),
    #[error("by=`{0}` is not supported; use city, district, community or collection_community")]
    UnknownDomain(String),
    #[error("wave `{0}` has no responses; this survey has waves {1}")]
    NoWave(String, String),
    #[error("`{0}` is not a community of this survey")]
    UnknownCommunity(String),
    #[error("`{0}` is not a collection mode; use {modes}", modes = Channel::codes())]
    UnknownMode(String),
}

/// What the dashboard needs of one stored response besides its answers.
#[derive(Debug, Clone)]
pub struct RowMeta {
    pub id: i64,
    pub wave: i32,
    pub status: String,
    pub channel: String,
    pub collection_district: String,
    pub collection_community: Option<String>,
    pub district: String,
    pub submitted_at: chrono::NaiveDateTime,
    pub quality_flags: String,
}

impl From<&StoredResponse> for RowMeta {
    fn from(r: &StoredResponse) -> Self {
        RowMeta {
            id: r.id,
            wave: r.wave,
            status: r.status.clone(),
            channel: r.channel.clone(),
            collection_district: r.collection_district.clone(),
            collection_community: r.collection_community.clone(),
            district: r.district.clone(),
            submitted_at: r.submitted_at,
            quality_flags: r.quality_flags.clone(),
        }
    }
}

/// A survey's responses (all waves) as the dashboard reads them: every row's metadata,
/// the complete ones as a dataset for `stats`, and the current supersessions.
#[derive(Clone)]
pub struct Loaded {
    pub rows: Vec<RowMeta>,
    pub superseded: Vec<(i64, String)>,
    /// Complete responses as `minyi export` → `dataset` make them, without the
    /// supersessions (those change; [`Loaded::data`] applies them).
    base: Dataset,
    max_id: i64,
    /// Changes whenever the rows or supersessions do (keys the figures memo).
    version: u64,
}

impl Loaded {
    /// The dataset with superseded responses flagged `superseded` (left out of every
    /// estimate and counted, as in `minyi stats` on an export).
    pub fn data(&self) -> Dataset {
        mark_superseded(self.base.clone(), &self.superseded)
    }

    fn append(&mut self, survey: &Survey, rows: &[StoredResponse]) -> Result<(), DashboardError> {
        let Some(last) = rows.last() else {
            return Ok(());
        };
        let more = crate::dataset::from_rows(survey, rows, &[])?;
        self.base.append(more);
        self.rows.extend(rows.iter().map(RowMeta::from));
        self.max_id = last.id;
        Ok(())
    }
}

fn mark_superseded(mut d: Dataset, superseded: &[(i64, String)]) -> Dataset {
    if superseded.is_empty() {
        return d;
    }
    let ids: std::collections::HashSet<String> =
        superseded.iter().map(|s| s.0.to_string()).collect();
    if let (Some(rid), Some(flags)) = (
        d.extra.get("response_id").cloned(),
        d.extra.get_mut("quality_flags"),
    ) {
        for (i, id) in rid.iter().enumerate() {
            if ids.contains(id) {
                flags[i] = crate::quality::with_superseded(&flags[i]);
            }
        }
    }
    d
}

/// Reads a survey's responses from storage, from scratch.
pub fn load(store: &Store, survey: &Survey) -> Result<Loaded, DashboardError> {
    Cache::default().load(store, survey).map(|l| (*l).clone())
}

/// Loaded surveys, kept between requests. Responses are append-only, so bringing a
/// survey up to date reads only the rows added since (by id) and the supersessions:
/// an open dashboard refreshing every few seconds costs a small query, not a full
/// read and parse of every response. The figures of each filter are kept too, for as
/// long as the data do not change: a survey page and its eight charts ask for the same
/// figures nine times per view.
#[derive(Default)]
pub struct Cache {
    surveys: std::sync::Mutex<std::collections::HashMap<String, Arc<Loaded>>>,
    figures: std::sync::Mutex<std::collections::HashMap<FiguresKey, (u64, Arc<Figures>)>>,
    versions: std::sync::atomic::AtomicU64,
}

type FiguresKey = (String, Filter, &'static str);

/// Figures kept at most; each holds a copy of its filtered rows.
const FIGURES_KEPT: usize = 16;

impl Cache {
    pub fn load(&self, store: &Store, survey: &Survey) -> Result<Arc<Loaded>, DashboardError> {
        // Held while reading, so concurrent requests wait for one read instead of
        // each doing it.
        let mut surveys = self
            .surveys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let current = surveys.get(&survey.id).cloned();
        let after = current.as_ref().map_or(0, |l| l.max_id);
        let rows = store.responses_after(&survey.id, after)?;
        let superseded = store.superseded(&survey.id)?;
        // Ids only grow, but on PostgreSQL two processes can commit out of id order: a
        // row with a smaller id may become visible after a larger one was read. The
        // count tells; then the survey is read again from scratch.
        let count = store.count_responses(&survey.id)? as usize;
        if let Some(c) = &current {
            if rows.is_empty() && c.superseded == superseded && c.rows.len() == count {
                return Ok(c.clone());
            }
        }
        drop(current);
        let fresh = || -> Result<Loaded, DashboardError> {
            Ok(Loaded {
                rows: Vec::new(),
                superseded: Vec::new(),
                base: empty_dataset(survey)?,
                max_id: 0,
                version: 0,
            })
        };
        let mut loaded = match surveys.remove(&survey.id) {
            // Nobody else holds it: extend in place; otherwise copy once.
            Some(arc) => Arc::try_unwrap(arc).unwrap_or_else(|a| (*a).clone()),
            None => fresh()?,
        };
        loaded.append(survey, &rows)?;
        if loaded.rows.len() != count {
            loaded = fresh()?;
            loaded.append(survey, &store.responses_after(&survey.id, 0)?)?;
        }
        loaded.superseded = superseded;
        loaded.version = self
            .versions
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1;
        let loaded = Arc::new(loaded);
        surveys.insert(survey.id.clone(), loaded.clone());
        Ok(loaded)
    }

    /// [`figures`] for `loaded`, computed once per state of the data.
    pub fn figures(
        &self,
        survey: &Survey,
        loaded: &Loaded,
        filter: &Filter,
        lang: Lang,
    ) -> Result<Arc<Figures>, DashboardError> {
        let key = (survey.id.clone(), filter.clone(), lang.code());
        let memo = || {
            self.figures
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        if let Some((v, f)) = memo().get(&key) {
            if *v == loaded.version {
                return Ok(f.clone());
            }
        }
        let f = Arc::new(figures(survey, loaded, filter, lang)?);
        let mut m = memo();
        m.retain(|_, (v, _)| *v == loaded.version);
        if m.len() >= FIGURES_KEPT {
            m.clear();
        }
        m.insert(key, (loaded.version, f.clone()));
        Ok(f)
    }
}

/// A dataset with the survey's columns and no rows (so appends line up).
fn empty_dataset(survey: &Survey) -> Result<Dataset, DashboardError> {
    Ok(crate::dataset::from_rows(survey, &[], &[])?)
}

/// The dashboard's filters (all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Filter {
    pub wave: Option<String>,
    /// `community` code (within any district).
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
    /// The rows the estimates use (flagged and superseded left out).
    pub used: Dataset,
}

fn local_date(t: chrono::NaiveDateTime) -> NaiveDate {
    Local.from_utc_datetime(&t).date_naive()
}

fn sorted_waves(data: &Dataset, survey: &Survey) -> Vec<String> {
    let mut waves = data.waves();
    waves.push(survey.wave.to_string());
    stats::sort_waves(&mut waves);
    waves
}

/// Index of a community code in the dataset's flattened community list.
fn community_index(survey: &Survey, code: &str) -> Option<u32> {
    survey
        .districts
        .iter()
        .flat_map(|d| d.communities.iter())
        .position(|c| c.code == code)
        .map(|i| i as u32)
}

/// Computes the figures for a filter. Estimates are raked to the census when the
/// definition has one; when raking is impossible for this selection (a district with
/// no respondents yet, a single community) they fall back to base weights and say so.
pub fn figures(
    survey: &Survey,
    loaded: &Loaded,
    filter: &Filter,
    lang: Lang,
) -> Result<Figures, DashboardError> {
    let waves = sorted_waves(&loaded.base, survey);
    // The office watches the wave being collected: the definition's.
    let wave = filter
        .wave
        .clone()
        .unwrap_or_else(|| survey.wave.to_string());
    if !waves.contains(&wave) {
        return Err(DashboardError::NoWave(wave, waves.join(", ")));
    }
    // Wave labels come from the stored integers, so comparing numbers is the same test.
    let wave_no: Option<i32> = wave.parse().ok();
    let community = match &filter.community {
        Some(c) => Some(
            community_index(survey, c)
                .ok_or_else(|| DashboardError::UnknownCommunity(c.clone()))?,
        ),
        None => None,
    };
    if let Some(m) = &filter.mode {
        if Channel::parse(m).is_none() {
            return Err(DashboardError::UnknownMode(m.clone()));
        }
    }

    // Counts from the stored rows (a flagged response still counts as collected).
    let superseded: std::collections::HashSet<i64> =
        loaded.superseded.iter().map(|s| s.0).collect();
    let today = Local::now().date_naive();
    let mut counts: Vec<Counts> = survey
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
    for r in loaded.rows.iter().filter(|r| {
        r.status == STATUS_COMPLETE
            && Some(r.wave) == wave_no
            && filter.mode.as_deref().is_none_or(|m| r.channel == m)
            && filter
                .community
                .as_deref()
                .is_none_or(|c| r.collection_community.as_deref() == Some(c))
    }) {
        if let Some(c) = counts.iter_mut().find(|c| c.district == r.district) {
            c.total += 1;
            if local_date(r.submitted_at) == today {
                c.today += 1;
            }
            if !r.quality_flags.is_empty() || superseded.contains(&r.id) {
                c.flagged += 1;
            }
        }
    }

    // The same rows as a dataset: filter first, then mark supersessions on the copy.
    let data = &loaded.base;
    let keep: Vec<bool> = (0..data.len())
        .map(|i| {
            data.extra.get("wave").is_none_or(|w| w[i] == wave)
                && community.is_none_or(|c| data.community[i] == c)
                && filter
                    .mode
                    .as_deref()
                    .is_none_or(|m| data.extra.get("channel").is_some_and(|ch| ch[i] == m))
        })
        .collect();
    let selected = mark_superseded(data.filter(&keep), &loaded.superseded);
    let (used, excluded) = selected.without_flagged();
    let collection = crate::report::collection_text(&used, lang);

    let mut weighting_note = None;
    let report = if used.is_empty() {
        None
    } else {
        let census = stats::Census::from_survey(survey);
        let mut opts = Options {
            by: vec![
                "district".into(),
                "collection_community".into(),
                "community".into(),
            ],
            weighting: if community.is_none() {
                preferred_weighting(survey)
            } else {
                Weighting::Base
            },
            ..Options::default()
        };
        if community.is_some() {
            weighting_note = Some(
                lang.pick(
                    "按社区筛选时只用区人口基础权重（单个社区无法按人口结构校准）。",
                    "With a community filter only district base weights are used (one community cannot be calibrated to the census).",
                )
                .to_string(),
            );
        }
        match stats::analyse(survey, &used, census.as_ref(), &opts) {
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
                stats::analyse(survey, &used, census.as_ref(), &opts).ok()
            }
            Err(e) => {
                weighting_note = Some(e.to_string());
                None
            }
        }
    };
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
        used,
    })
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

/// Answers to one question in a district, unweighted.
#[derive(Debug, Clone, Serialize)]
pub struct Distribution {
    pub question: String,
    pub label: String,
    pub answered: usize,
    /// (option label, count); for several answers a row can count in several options.
    pub options: Vec<(String, usize)>,
}

/// Question-by-question answer counts of one district's rows in `data`.
pub fn distributions(
    survey: &Survey,
    data: &Dataset,
    district: &str,
    lang: Lang,
) -> Vec<Distribution> {
    let Some(di) = survey.districts.iter().position(|d| d.code == district) else {
        return vec![];
    };
    let rows: Vec<usize> = (0..data.len())
        .filter(|&i| data.district[i] as usize == di)
        .collect();
    let mut out = Vec::new();
    for q in &survey.questions {
        if matches!(
            q.kind,
            Kind::Text | Kind::District | Kind::Community | Kind::Number
        ) {
            continue;
        }
        let Some(col) = data.columns.get(&q.id) else {
            continue;
        };
        let mut counts = vec![0usize; q.options.len()];
        let mut answered = 0;
        for &i in &rows {
            match col {
                Column::Choice(v) if v[i] != MISSING => {
                    answered += 1;
                    if let Some(c) = counts.get_mut(v[i] as usize) {
                        *c += 1;
                    }
                }
                Column::Multi(v) if v[i] != 0 => {
                    answered += 1;
                    for (o, c) in counts.iter_mut().enumerate() {
                        if v[i] & (1u64 << o) != 0 {
                            *c += 1;
                        }
                    }
                }
                _ => {}
            }
        }
        out.push(Distribution {
            question: q.id.clone(),
            label: q.label(lang).to_string(),
            answered,
            options: q
                .options
                .iter()
                .zip(counts)
                .map(|(o, n)| (o.label.get(lang).to_string(), n))
                .collect(),
        });
    }
    out
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

/// Flagged and superseded complete responses of the districts `visible` allows,
/// newest first, with counts per flag.
pub fn flagged(
    loaded: &Loaded,
    visible: &dyn Fn(&str) -> bool,
) -> (std::collections::BTreeMap<String, usize>, Vec<FlaggedRow>) {
    let superseded: std::collections::HashMap<i64, &str> = loaded
        .superseded
        .iter()
        .map(|(id, r)| (*id, r.as_str()))
        .collect();
    let mut by_flag = std::collections::BTreeMap::new();
    let mut rows = Vec::new();
    for r in loaded.rows.iter().rev() {
        if r.status != STATUS_COMPLETE || !visible(&r.district) {
            continue;
        }
        let mut flags: Vec<String> = r
            .quality_flags
            .split(',')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(str::to_string)
            .collect();
        if superseded.contains_key(&r.id) {
            flags.push(crate::quality::SUPERSEDED.into());
        }
        if flags.is_empty() {
            continue;
        }
        for f in &flags {
            *by_flag.entry(f.clone()).or_insert(0) += 1;
        }
        rows.push(FlaggedRow {
            id: r.id,
            submitted_at: Local
                .from_utc_datetime(&r.submitted_at)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            district: r.district.clone(),
            collection_point: match &r.collection_community {
                Some(c) => format!("{}/{}", r.collection_district, c),
                None => r.collection_district.clone(),
            },
            channel: r.channel.clone(),
            flags,
        });
    }
    (by_flag, rows)
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
pub fn pack_zip(survey: &Survey, loaded: &Loaded, lang: Lang) -> Result<File, DashboardError> {
    let data = loaded.data();
    if data.is_empty() {
        return Err(DashboardError::NoResponses);
    }
    let census = stats::Census::from_survey(survey);
    let make = |weighting| {
        let input = crate::report::PackInput {
            survey,
            data: &data,
            census: census.as_ref(),
            options: Options {
                weighting,
                ..Default::default()
            },
            wave: None,
            lang,
            date: Local::now().format("%Y-%m-%d").to_string(),
            collection: crate::report::collection_text(&data, lang),
        };
        crate::report::build_zip(&input)
    };
    let bytes = make(preferred_weighting(survey)).or_else(|_| make(Weighting::Base))?;
    Ok(File {
        name: format!("{}_briefing.zip", survey.id),
        kind: FileKind::Zip,
        bytes,
        what: format!("{} briefing pack", survey.id),
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
    let estimates: Vec<&stats::Estimate> = fig
        .report
        .iter()
        .flat_map(|r| r.estimates.iter())
        .filter(|e| match scope {
            Scope::District(d) => e.domain != "city" && in_district(&e.group, d),
            Scope::City => e.domain == "city" || e.domain == "district",
        })
        .collect();
    serde_json::json!({
        "survey": survey.id,
        "wave": fig.wave,
        "updated_at": chrono::Utc::now().to_rfc3339(),
        "counts": counts,
        "estimates": estimates,
        "excluded": fig.excluded,
        "collection": fig.collection,
    })
}

/// Domains the estimates API offers.
pub const ESTIMATE_DOMAINS: [&str; 4] = ["city", "district", "community", "collection_community"];

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
    let rows: Vec<&stats::Estimate> = report
        .estimates
        .iter()
        .filter(|e| e.domain == by)
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
) -> Result<String, DashboardError> {
    use crate::report;
    let none = || DashboardError::NoChart(name.to_string());
    let frame = |title: String| chart_frame(s, fig, l, title);
    let stem = name.strip_suffix(".svg").ok_or_else(none)?;
    let report = fig.report.as_ref();
    let chart = match (scope, stem) {
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
                weighting: report.map_or(Weighting::Base, |r| r.weighting),
                ..Default::default()
            };
            let rows = report::likert_rows(s, &fig.used, census.as_ref(), &opts, l)?;
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
                    r.estimates
                        .retain(|e| e.domain == "collection_community" && in_district(&e.group, d));
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
    Ok(chart.svg)
}

/// A file for download.
pub struct File {
    pub name: String,
    pub kind: FileKind,
    pub bytes: Vec<u8>,
    /// What the audit log records of it.
    pub what: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Csv,
    Xlsx,
    Zip,
}

/// The stored responses of a scope as a CSV (the shape `minyi stats` reads) or a
/// workbook, `responses.csv` / `responses.xlsx`.
pub fn responses_file(
    store: &Store,
    s: &Survey,
    scope: Scope<'_>,
    file: &str,
    exported_by: &str,
) -> Result<File, DashboardError> {
    let kind = match file {
        "responses.csv" => FileKind::Csv,
        "responses.xlsx" => FileKind::Xlsx,
        other => return Err(DashboardError::NoFile(other.to_string())),
    };
    let mut rows = store.responses(&s.id)?;
    rows.retain(|r| scope.covers(&r.district));
    let ids: Vec<i64> = store.superseded(&s.id)?.into_iter().map(|x| x.0).collect();
    let mut csv = Vec::new();
    let n = crate::export::write_csv_with(s, &rows, &ids, &mut csv)?;
    let scope_name = scope.district().unwrap_or("all");
    let stem = format!("{}_{scope_name}_responses", s.id);
    let what = format!("{} {scope_name} {file} ({n} responses)", s.id);
    if kind == FileKind::Csv {
        return Ok(File {
            name: format!("{stem}.csv"),
            kind,
            bytes: csv,
            what,
        });
    }
    let about = vec![
        format!("survey: {} ({})", s.id, s.title.zh),
        format!("district: {scope_name}"),
        format!("exported: {} by {exported_by}", Local::now().format("%Y-%m-%d %H:%M")),
        "one row per complete response; quality_flags lists why a response is left out of estimates (superseded = withdrawn by the office, with a logged reason)".into(),
        "channel: qr / link / api / phone / household; interviewer: who entered a phone or household interview".into(),
    ];
    let bytes = crate::report::responses_workbook(&csv, &about)?;
    Ok(File {
        name: format!("{stem}.xlsx"),
        kind,
        bytes,
        what,
    })
}

/// Every QR code of a scope (PNG and SVG) in a ZIP.
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
        bytes: crate::report::zip(&entries)?,
        what: format!("{} QR codes {scope_name}", s.id),
    })
}
