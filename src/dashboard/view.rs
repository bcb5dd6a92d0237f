//! One dashboard view: the figures of a filter (wave, collection point, mode) computed
//! from a survey's aggregated responses, with the weighting the office uses.

use chrono::{Local, NaiveDate};
use serde::Serialize;
use std::sync::Arc;

use super::error::DashboardError;
use crate::collect::Channel;
use crate::definition::{Lang, Survey};
use crate::stats::tally::{Key, Tally};
use crate::stats::{self, Exclusions, Options, Report, Weighting};

/// A survey's responses as the dashboard reads them: aggregated, with the
/// supersessions folded in.
pub struct Loaded {
    pub tally: Arc<Tally>,
    /// The interviewer checks' sums, from the same rows.
    pub checks: Arc<super::interviewers::Acc>,
    /// The funnel's sums, from the same rows.
    pub funnel: Arc<super::funnel::Sums>,
    /// Supersessions: (response id, reason).
    pub superseded: Vec<(i64, String)>,
    /// Changes whenever the aggregates do (keys the figures memo).
    pub version: u64,
    /// Whether this state began from the saved snapshot rather than a full read.
    pub from_snapshot: bool,
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
    models: std::sync::OnceLock<Vec<stats::communities::ModelFit>>,
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
                // district rates.
                if let Some(districts) = &self.report {
                    let fits = stats::communities::community_model(
                        survey,
                        &mut r,
                        districts,
                        &opts,
                        &self.tally.waves(),
                        &self.selection.wave.to_string(),
                        &|w, o| {
                            let sel = Selection {
                                wave: w.parse().unwrap_or(i32::MIN),
                                ..self.selection.clone()
                            };
                            let keep = |k: &Key| sel.keeps(k);
                            stats::tally::analyse(survey, &self.tally, &keep, census.as_ref(), o)
                        },
                    );
                    let _ = self.models.set(fits);
                }
                Some(r)
            })
            .as_ref()
    }

    /// The community model fits (what each indicator's model is, or why there is none).
    pub fn models(&self, survey: &Survey) -> &[stats::communities::ModelFit] {
        self.places(survey);
        self.models.get().map_or(&[], Vec::as_slice)
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
    let collection = crate::figures::collection_text(Some(&modes), lang);
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
pub(super) fn why_not_raked(survey: &Survey, e: &stats::StatsError, l: Lang) -> String {
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
