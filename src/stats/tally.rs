//! Responses aggregated to *atoms*: every combination of wave, the resident's places
//! (district, community, grid), the collection point, the collection mode, the
//! weighting categories and the quality flags that occurs, with the count of each
//! answer to each question. That is everything an estimate needs — every weighting
//! gives all respondents of a census cell the same weight, so per-cell sums are
//! sufficient — and its size depends on the survey's places and cells, not on its
//! responses. The dashboard and the briefing pack compute from a tally; `minyi stats`
//! on a file computes from the rows (any `--by`), and a test holds both to the same
//! figures.
//!
//! A tally is built from datasets (a file, or stored rows read in chunks) and grows
//! as rows are added; a row that changes (a supersession) is removed and added back.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

use super::analyse::{check_level, report, SumSource};
use super::cells::{CellFrame, Census};
use super::data::{sort_waves, Column, Dataset, Exclusions, MISSING, NONE};
use super::design::{Design, Psus, Weighting};
use super::domains::street_groups;
use super::error::StatsError;
use super::estimate;
use super::indicators::Indicator;
use super::pairs;
use super::results::{Options, Report};
use crate::definition::{Channel, Kind, Survey, DONT_KNOW};

/// Quality flags, as bits of an atom's key (0: the response counts).
/// The names are `quality`'s (a test holds them equal; `stats` depends on nothing
/// but definitions).
pub const FLAG_NAMES: [&str; 6] = [
    "too_fast",
    "straight_lining",
    "source_burst",
    "repeated_pattern",
    "superseded",
    "other",
];

/// The flag bits of a `quality_flags` value ("too_fast,superseded").
pub fn flag_bits(flags: &str) -> u8 {
    flags
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .fold(0, |bits, f| {
            let i = FLAG_NAMES.iter().position(|n| *n == f).unwrap_or(5);
            bits | (1 << i)
        })
}

/// What an atom is: one combination that occurs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Key {
    pub wave: i32,
    /// Index into the survey's districts (the resident's).
    pub district: u16,
    /// The resident's community, grid (indexes into `Survey::communities()` and
    /// `grids()`), and the collection point (`points()`); [`NONE`] when not known.
    pub community: u32,
    pub grid: u32,
    pub point: u32,
    /// Index into `Channel::ALL`, 255 when unknown.
    pub mode: u8,
    /// The weighting categories as one mixed-radix number, [`NONE`] when one is missing.
    pub cats: u32,
    /// Quality flag bits ([`FLAG_NAMES`]); 0 = counted in estimates.
    pub flags: u8,
}

impl Key {
    pub fn counted(&self) -> bool {
        self.flags == 0
    }
    pub fn channel(&self) -> Option<Channel> {
        Channel::ALL.get(self.mode as usize).copied()
    }
}

/// One atom: its rows and, per question slot, the count of each answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Atom {
    pub key: Key,
    pub rows: u32,
    pub counts: Vec<u32>,
}

/// Where a question's counts sit in an atom.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Slot {
    pub question: String,
    pub offset: usize,
    pub options: usize,
    /// Several answers: the per-option ticks are followed by three counts: answered
    /// (anything ticked), exactly the positive set, and "don't know" alone.
    pub multi: bool,
}

/// What responses per day are counted by: the places and mode of a key, and the local
/// date (not the census cell or the flags, which days need not split by).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DailyKey {
    pub wave: i32,
    pub district: u16,
    pub community: u32,
    pub grid: u32,
    pub point: u32,
    pub mode: u8,
    pub date: NaiveDate,
}

impl DailyKey {
    /// The places and mode as a key (for the same selections as atoms).
    pub fn key(&self) -> Key {
        Key {
            wave: self.wave,
            district: self.district,
            community: self.community,
            grid: self.grid,
            point: self.point,
            mode: self.mode,
            cats: 0,
            flags: 0,
        }
    }
}

/// A survey's responses, aggregated.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tally {
    /// The definition version the slots were laid out for.
    pub version: String,
    pub slots: Vec<Slot>,
    pub width: usize,
    pub atoms: Vec<Atom>,
    #[serde(with = "pairs")]
    pub daily: BTreeMap<DailyKey, (u32, u32)>,
    #[serde(skip)]
    index: HashMap<Key, usize>,
}

impl Tally {
    /// An empty tally laid out for the survey's questions.
    pub fn new(survey: &Survey) -> Tally {
        let mut slots = Vec::new();
        let mut offset = 0;
        for q in &survey.questions {
            if q.kind == Kind::Text || q.kind == Kind::Number || q.kind.is_place() {
                continue;
            }
            let multi = q.multi_answer();
            let width = q.options.len() + if multi { 3 } else { 0 };
            slots.push(Slot {
                question: q.id.clone(),
                offset,
                options: q.options.len(),
                multi,
            });
            offset += width;
        }
        Tally {
            version: survey.version.clone(),
            slots,
            width: offset,
            atoms: Vec::new(),
            daily: BTreeMap::new(),
            index: HashMap::new(),
        }
    }

    /// Rebuilds the lookup after deserializing.
    pub fn reindex(&mut self) {
        self.index = self
            .atoms
            .iter()
            .enumerate()
            .map(|(i, a)| (a.key, i))
            .collect();
    }

    /// The same responses with the quality flags cleared, so that flagged responses
    /// count (`--include-flagged`). Superseded responses stay out: a newer answer of
    /// the same respondent replaced them, and counting both would count one twice.
    pub fn counting_flagged(&self) -> Tally {
        let superseded = 1u8
            << FLAG_NAMES
                .iter()
                .position(|n| *n == "superseded")
                .unwrap_or(4);
        let mut out = Tally {
            version: self.version.clone(),
            slots: self.slots.clone(),
            width: self.width,
            atoms: Vec::with_capacity(self.atoms.len()),
            daily: self.daily.clone(),
            index: HashMap::new(),
        };
        for a in &self.atoms {
            let mut key = a.key;
            key.flags &= superseded;
            match out.index.get(&key) {
                Some(&i) => {
                    let into = &mut out.atoms[i];
                    into.rows += a.rows;
                    for (x, y) in into.counts.iter_mut().zip(&a.counts) {
                        *x += y;
                    }
                }
                None => {
                    out.index.insert(key, out.atoms.len());
                    out.atoms.push(Atom {
                        key,
                        rows: a.rows,
                        counts: a.counts.clone(),
                    });
                }
            }
        }
        out
    }

    /// Whether this tally was laid out for the survey as it is now.
    pub fn fits(&self, survey: &Survey) -> bool {
        self.version == survey.version
    }

    pub fn rows(&self) -> u64 {
        self.atoms.iter().map(|a| a.rows as u64).sum()
    }

    /// Adds the rows of a dataset (as `dataset` reads a file or stored rows).
    pub fn add(&mut self, survey: &Survey, data: &Dataset) {
        self.fold(survey, data, 1);
    }

    /// Removes rows added before (their answers and flags as they were added).
    pub fn remove(&mut self, survey: &Survey, data: &Dataset) {
        self.fold(survey, data, -1);
    }

    fn fold(&mut self, survey: &Survey, data: &Dataset, sign: i32) {
        let keys = keys(survey, data);
        let cols: Vec<Option<&Column>> = self
            .slots
            .iter()
            .map(|s| data.columns.get(&s.question))
            .collect();
        let wants: Vec<(u64, Option<usize>)> = self
            .slots
            .iter()
            .map(|s| {
                let q = survey.question(&s.question);
                let want = q.map_or(0, |q| {
                    q.options
                        .iter()
                        .enumerate()
                        .filter(|(_, o)| q.positive.contains(&o.code))
                        .fold(0u64, |m, (i, _)| m | (1 << i))
                });
                let dk = q.and_then(|q| q.options.iter().position(|o| o.code == DONT_KNOW));
                (want, dk)
            })
            .collect();
        // The day each response was submitted on, in the server's zone (made by
        // `crate::dataset`; the engine reads no clock or zone of its own).
        let dates = data.extra.get("submitted_day");
        let add = |x: &mut u32| {
            *x = if sign > 0 {
                *x + 1
            } else {
                x.saturating_sub(1)
            };
        };
        for (i, key) in keys.iter().enumerate() {
            let at = match self.index.get(key) {
                Some(&at) => at,
                None => {
                    self.atoms.push(Atom {
                        key: *key,
                        rows: 0,
                        counts: vec![0; self.width],
                    });
                    self.index.insert(*key, self.atoms.len() - 1);
                    self.atoms.len() - 1
                }
            };
            let atom = &mut self.atoms[at];
            add(&mut atom.rows);
            for (k, slot) in self.slots.iter().enumerate() {
                match cols[k] {
                    Some(Column::Choice(v)) if v[i] != MISSING => {
                        add(&mut atom.counts[slot.offset + v[i] as usize]);
                    }
                    Some(Column::Multi(v)) if v[i] != 0 => {
                        let m = v[i];
                        for o in 0..slot.options {
                            if m & (1 << o) != 0 {
                                add(&mut atom.counts[slot.offset + o]);
                            }
                        }
                        let base = slot.offset + slot.options;
                        add(&mut atom.counts[base]);
                        let (want, dk) = wants[k];
                        if m == want {
                            add(&mut atom.counts[base + 1]);
                        }
                        if dk.is_some_and(|d| m == 1 << d) {
                            add(&mut atom.counts[base + 2]);
                        }
                    }
                    _ => {}
                }
            }
            if let Some(day) = dates.and_then(|d| local_date(&d[i])) {
                let dk = DailyKey {
                    wave: key.wave,
                    district: key.district,
                    community: key.community,
                    grid: key.grid,
                    point: key.point,
                    mode: key.mode,
                    date: day,
                };
                let e = self.daily.entry(dk).or_insert((0, 0));
                add(&mut e.0);
                if !key.counted() {
                    add(&mut e.1);
                }
            }
        }
        if sign < 0 {
            self.atoms.retain(|a| a.rows > 0);
            self.daily.retain(|_, v| v.0 > 0);
            self.reindex();
        }
    }

    /// The atoms a selection keeps.
    pub fn select<'a>(&'a self, keep: &'a dyn Fn(&Key) -> bool) -> impl Iterator<Item = &'a Atom> {
        self.atoms.iter().filter(move |a| keep(&a.key))
    }

    /// The waves present, in numeric order (as labels).
    pub fn waves(&self) -> Vec<String> {
        let mut w: Vec<String> = self.atoms.iter().map(|a| a.key.wave.to_string()).collect();
        sort_waves(&mut w);
        w
    }

    /// Flagged responses of a selection, left out of estimates, by flag.
    pub fn exclusions(&self, keep: &dyn Fn(&Key) -> bool) -> Exclusions {
        let mut ex = Exclusions::default();
        for a in self.select(keep).filter(|a| !a.key.counted()) {
            ex.responses += a.rows as usize;
            for (b, name) in FLAG_NAMES.iter().enumerate() {
                if a.key.flags & (1 << b) != 0 {
                    *ex.by_flag.entry(name.to_string()).or_default() += a.rows as usize;
                }
            }
        }
        ex
    }

    /// Counted responses of a selection per collection mode code.
    pub fn modes(&self, keep: &dyn Fn(&Key) -> bool) -> Vec<(String, usize)> {
        let mut out: Vec<(String, usize)> = Vec::new();
        for a in self.select(keep).filter(|a| a.key.counted()) {
            let code = a
                .key
                .channel()
                .map_or("unknown", |c| c.as_str())
                .to_string();
            match out.iter_mut().find(|x| x.0 == code) {
                Some(x) => x.1 += a.rows as usize,
                None => out.push((code, a.rows as usize)),
            }
        }
        out
    }

    /// The answer counts of one question over a selection's atoms (per option; for a
    /// several-answer question, ticks per option), and how many answered.
    pub fn answer_counts(
        &self,
        question: &str,
        keep: &dyn Fn(&Key) -> bool,
    ) -> Option<(Vec<u32>, u32)> {
        let slot = self.slots.iter().find(|s| s.question == question)?;
        let mut counts = vec![0u32; slot.options];
        let mut answered = 0;
        for a in self.select(keep) {
            for (o, c) in counts.iter_mut().enumerate() {
                *c += a.counts[slot.offset + o];
            }
            answered += if slot.multi {
                a.counts[slot.offset + slot.options]
            } else {
                a.counts[slot.offset..slot.offset + slot.options]
                    .iter()
                    .sum::<u32>()
            };
        }
        Some((counts, answered))
    }
}

/// A day as the dataset gives it (`YYYY-MM-DD`).
fn local_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// The key of every row of a dataset.
fn keys(survey: &Survey, data: &Dataset) -> Vec<Key> {
    let frame = survey
        .weighting
        .as_ref()
        .and_then(|_| Census::from_survey(survey))
        .map(|c| CellFrame {
            layout: c.layout,
            population: c.population,
            variables: c.variables,
        });
    let maps = frame.as_ref().map_or(vec![], |f| f.category_maps(survey));
    let levels: Vec<u32> = frame.as_ref().map_or(vec![], |f| {
        f.layout.levels.iter().map(|&l| l as u32).collect()
    });
    let cat_cols: Vec<(Option<&Vec<u16>>, &Vec<u16>)> = maps
        .iter()
        .map(|(qid, map)| {
            let col = match data.columns.get(qid) {
                Some(Column::Choice(v)) => Some(v),
                _ => None,
            };
            (col, map)
        })
        .collect();
    let wave_col = data.extra.get("wave");
    let mode_col = data.extra.get("channel");
    let flag_col = data.extra.get("quality_flags");
    (0..data.len())
        .map(|i| {
            let mut cats = 0u32;
            for (k, (col, map)) in cat_cols.iter().enumerate() {
                let c = col.map_or(MISSING, |v| {
                    if v[i] == MISSING {
                        MISSING
                    } else {
                        map[v[i] as usize]
                    }
                });
                if c == MISSING || cats == NONE {
                    cats = NONE;
                } else {
                    cats = cats * levels[k] + c as u32;
                }
            }
            Key {
                wave: wave_col
                    .and_then(|w| w[i].parse().ok())
                    .unwrap_or(survey.wave as i32),
                district: data.district[i] as u16,
                community: data.community[i],
                grid: data.grid[i],
                point: data.point[i],
                mode: mode_col
                    .and_then(|m| Channel::parse(&m[i]))
                    .and_then(|c| Channel::ALL.iter().position(|x| *x == c))
                    .map_or(255, |p| p as u8),
                cats,
                flags: flag_col.map_or(0, |f| flag_bits(&f[i])),
            }
        })
        .collect()
}

/// A place or column by which estimates can be split on a tally.
struct TallyDomain {
    name: String,
    labels: Vec<String>,
    group: Box<dyn Fn(&Key) -> u32>,
}

/// The domains a tally can split by: the places, `wave`, `channel`, and the weighting
/// variables (questions). `None` for anything else (the rows are needed).
fn domain(
    survey: &Survey,
    tally: &Tally,
    name: &str,
    frame: &Option<CellFrame>,
) -> Option<TallyDomain> {
    let n = name.to_string();
    match name {
        "district" => Some(TallyDomain {
            name: n,
            labels: survey.districts.iter().map(|d| d.code.clone()).collect(),
            group: Box::new(|k| k.district as u32),
        }),
        "street" => {
            let (labels, of_community) = street_groups(survey);
            Some(TallyDomain {
                name: n,
                labels,
                group: Box::new(move |k| {
                    if k.community == NONE {
                        NONE
                    } else {
                        of_community[k.community as usize]
                    }
                }),
            })
        }
        "community" => Some(TallyDomain {
            name: n,
            labels: survey
                .communities()
                .map(|(d, c)| format!("{}/{}", d.code, c.code))
                .collect(),
            group: Box::new(|k| k.community),
        }),
        "grid" => Some(TallyDomain {
            name: n,
            labels: survey
                .grids()
                .map(|(d, _, g)| format!("{}/{}", d.code, g.code))
                .collect(),
            group: Box::new(|k| k.grid),
        }),
        "collection_community" => {
            let points = survey.points();
            let labels = points
                .iter()
                .map(|p| format!("{}/{}", p.district().code, p.code()))
                .collect();
            let district_poster: Vec<bool> = points
                .iter()
                .map(|p| matches!(p, crate::definition::PointRef::District(_)))
                .collect();
            Some(TallyDomain {
                name: n,
                labels,
                group: Box::new(move |k| match district_poster.get(k.point as usize) {
                    Some(false) => k.point,
                    _ => NONE,
                }),
            })
        }
        "wave" => {
            let mut labels: Vec<String> =
                tally.atoms.iter().map(|a| a.key.wave.to_string()).collect();
            labels.sort();
            labels.dedup();
            let l2 = labels.clone();
            Some(TallyDomain {
                name: n,
                labels,
                group: Box::new(move |k| {
                    l2.iter()
                        .position(|l| *l == k.wave.to_string())
                        .map_or(NONE, |p| p as u32)
                }),
            })
        }
        "channel" => {
            let mut labels: Vec<String> = tally
                .atoms
                .iter()
                .filter_map(|a| a.key.channel().map(|c| c.as_str().to_string()))
                .collect();
            labels.sort();
            labels.dedup();
            let l2 = labels.clone();
            Some(TallyDomain {
                name: n,
                labels,
                group: Box::new(move |k| {
                    k.channel()
                        .and_then(|c| l2.iter().position(|l| l == c.as_str()))
                        .map_or(NONE, |p| p as u32)
                }),
            })
        }
        qid => {
            // A weighting variable: its categories are in the key.
            let f = frame.as_ref()?;
            let v = f.variables.iter().position(|(q, _)| q == qid)?;
            let q = survey.question(qid)?;
            let cats = f.variables[v].1.clone();
            let levels = f.layout.levels.clone();
            let option_of: Vec<u32> = cats
                .iter()
                .map(|c| {
                    q.options
                        .iter()
                        .position(|o| o.code == *c)
                        .map_or(NONE, |i| i as u32)
                })
                .collect();
            Some(TallyDomain {
                name: n,
                labels: q.options.iter().map(|o| o.code.clone()).collect(),
                group: Box::new(move |k| {
                    if k.cats == NONE {
                        return NONE;
                    }
                    let mut c = k.cats;
                    for l in levels.iter().skip(v + 1).rev() {
                        c /= *l as u32;
                    }
                    option_of[(c % levels[v] as u32) as usize]
                }),
            })
        }
    }
}

/// The per-option values of an indicator, as the row path computes them.
fn slot_sums(ind: &Indicator<'_>, slot: &Slot, atom: &Atom) -> (f64, f64, f64) {
    let c = &atom.counts[slot.offset..];
    if slot.multi {
        let base = slot.options;
        let (answered, exact, dk_only) = (c[base] as f64, c[base + 1] as f64, c[base + 2] as f64);
        if let Some(k) = ind.option {
            return (answered - dk_only, c[k] as f64, c[k] as f64);
        }
        return if ind.name.ends_with(".dont_know") {
            (answered, dk_only, dk_only)
        } else {
            (answered - dk_only, exact, exact)
        };
    }
    let (mut n, mut s, mut ss) = (0.0, 0.0, 0.0);
    for (o, &v) in ind.option_values().iter().enumerate() {
        let k = c[o] as f64;
        if k > 0.0 && !v.is_nan() {
            n += k;
            s += k * v;
            ss += k * v * v;
        }
    }
    (n, s, ss)
}

/// The atoms of a selection as a [`SumSource`]: each atom's answer counts of an
/// indicator (found once per indicator), added to its cell and group.
struct Atoms<'a> {
    tally: &'a Tally,
    atoms: &'a [&'a Atom],
    cells: &'a [u32],
    design: &'a Design,
    psu: Option<&'a [u32]>,
    domains: &'a [TallyDomain],
    values: Vec<(f64, f64, f64)>,
}

impl SumSource for Atoms<'_> {
    fn indicator(&mut self, ind: &Indicator<'_>) -> bool {
        let Some(slot) = self
            .tally
            .slots
            .iter()
            .find(|s| s.question == ind.question.id)
        else {
            return false;
        };
        self.values = self.atoms.iter().map(|a| slot_sums(ind, slot, a)).collect();
        true
    }

    fn sums(&self, domain: Option<usize>) -> estimate::CellSums {
        let nc = self.design.layout.n_cells();
        let (groups, n_groups): (&dyn Fn(&Key) -> u32, usize) = match domain {
            None => (&|_| 0, 1),
            Some(d) => (&*self.domains[d].group, self.domains[d].labels.len()),
        };
        let mut s = estimate::CellSums::empty(n_groups, nc);
        if let Some(p) = &self.design.psus {
            s = s.with_psu_room(p);
        }
        for (i, ((a, &cell), &(n, sum, sq))) in self
            .atoms
            .iter()
            .zip(self.cells)
            .zip(&self.values)
            .enumerate()
        {
            let g = groups(&a.key);
            if g as usize >= n_groups {
                continue;
            }
            s.add(g as usize, cell as usize, a.rows as f64, n, sum, sq);
            if let (Some(p), Some(ids)) = (&self.design.psus, self.psu) {
                let k = ids[i] as usize * p.per + cell as usize % p.per;
                s.add_psu(g as usize, k, n, sum);
            }
        }
        s
    }
}

/// Every estimate the row path (`stats::analyse`) gives, from the counted atoms `keep`
/// selects.
pub fn analyse(
    survey: &Survey,
    tally: &Tally,
    keep: &dyn Fn(&Key) -> bool,
    census: Option<&Census>,
    opts: &Options,
) -> Result<Report, StatsError> {
    check_level(opts)?;
    let atoms: Vec<&Atom> = tally.select(keep).filter(|a| a.key.counted()).collect();
    let (mut design, cells) = design(survey, &atoms, census, opts)?;
    let psu = psu_of_atoms(survey, &atoms, opts)?;
    if let Some(p) = &psu {
        let rows: Vec<f64> = atoms.iter().map(|a| a.rows as f64).collect();
        design.psus = Some(Psus::weighted(p, &cells, &rows, &design.layout));
    }
    let total_rows: f64 = atoms.iter().map(|a| a.rows as f64).sum();
    let frame = census.map(|c| CellFrame {
        layout: c.layout.clone(),
        population: c.population.clone(),
        variables: c.variables.clone(),
    });
    let domains: Vec<TallyDomain> = opts
        .by
        .iter()
        .map(|b| {
            domain(survey, tally, b, &frame).ok_or_else(|| StatsError::NotOnAggregates(b.clone()))
        })
        .collect::<Result<_, _>>()?;
    let names: Vec<(&str, &[String])> = domains
        .iter()
        .map(|d| (d.name.as_str(), d.labels.as_slice()))
        .collect();
    let mut source = Atoms {
        tally,
        atoms: &atoms,
        cells: &cells,
        design: &design,
        psu: psu.as_deref(),
        domains: &domains,
        values: Vec::new(),
    };
    Ok(report(
        survey,
        &design,
        &names,
        total_rows,
        opts,
        &mut source,
    ))
}

/// Each atom's primary sampling unit when the definition clusters by a place level the
/// key holds (dense ids nested in districts); other clusters need the rows.
fn psu_of_atoms(
    survey: &Survey,
    atoms: &[&Atom],
    opts: &Options,
) -> Result<Option<Vec<u32>>, StatsError> {
    let Some(name) = survey.weighting.as_ref().and_then(|w| w.cluster.as_deref()) else {
        return Ok(None);
    };
    if opts.weighting == Weighting::None {
        return Ok(None);
    }
    let field = |k: &Key| match name {
        "collection_community" => Some(k.point),
        "community" => Some(k.community),
        "grid" => Some(k.grid),
        _ => None,
    };
    let mut ids: HashMap<(u16, u32), u32> = HashMap::new();
    let mut out = Vec::with_capacity(atoms.len());
    for a in atoms {
        match field(&a.key) {
            Some(v) if v != NONE => {
                let next = ids.len() as u32;
                out.push(*ids.entry((a.key.district, v)).or_insert(next));
            }
            // Respondents without the place would each be a unit of their own, which
            // aggregates cannot tell apart.
            _ => return Err(StatsError::NotOnAggregates(format!("cluster {name}"))),
        }
    }
    Ok(Some(out))
}

/// The design over the selected atoms, and each atom's cell.
pub fn design(
    survey: &Survey,
    atoms: &[&Atom],
    census: Option<&Census>,
    opts: &Options,
) -> Result<(Design, Vec<u32>), StatsError> {
    if atoms.is_empty() {
        return Err(StatsError::Empty);
    }
    let frame = CellFrame::new(survey, census, opts.weighting)?;
    let layout = &frame.layout;
    let calibrated = !layout.levels.is_empty();
    let mut count = vec![0.0; layout.n_cells()];
    let mut cells = Vec::with_capacity(atoms.len());
    let mut missing = 0;
    for a in atoms {
        let c = if calibrated {
            if a.key.cats == NONE {
                missing += a.rows as usize;
                0
            } else {
                a.key.district as usize * layout.levels.iter().product::<usize>()
                    + a.key.cats as usize
            }
        } else {
            a.key.district as usize
        };
        count[c] += a.rows as f64;
        cells.push(c as u32);
    }
    if missing > 0 {
        let var = frame
            .variables
            .first()
            .map_or(String::new(), |v| v.0.clone());
        return Err(StatsError::MissingWeightingVariable(missing, var));
    }
    Ok((frame.design(survey, count, opts)?, cells))
}

#[cfg(test)]
mod tests {
    #[test]
    fn flag_names_are_the_quality_rules() {
        use crate::quality::*;
        assert_eq!(
            super::FLAG_NAMES[..5],
            [
                TOO_FAST,
                STRAIGHT_LINING,
                SOURCE_BURST,
                REPEATED_PATTERN,
                SUPERSEDED
            ]
        );
        assert_eq!(super::flag_bits("too_fast,superseded"), 0b10001);
        assert_eq!(super::flag_bits(""), 0);
        assert_eq!(super::flag_bits("mystery"), 1 << 5);
    }
}
