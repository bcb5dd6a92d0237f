//! The engine's input: coded answers in columns, one row per complete response, with
//! where each resident lives and where the response was collected.

use serde::Serialize;
use std::collections::BTreeMap;

/// Coded answers in columns, one row per complete response.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    /// Index into `Survey::districts` (the resident's district).
    pub district: Vec<u32>,
    /// The resident's community: an index into `Survey::communities()`, [`NONE`] when
    /// not recorded.
    pub community: Vec<u32>,
    /// The resident's grid: an index into `Survey::grids()`, [`NONE`] when not known.
    pub grid: Vec<u32>,
    /// Where the response was collected: an index into `Survey::points()`, [`NONE`]
    /// when not known.
    pub point: Vec<u32>,
    /// Per question id: the answer of every row.
    pub columns: BTreeMap<String, Column>,
    /// Extra columns (e.g. `wave`) kept as text for comparisons.
    pub extra: BTreeMap<String, Vec<String>>,
}

/// One question's answers.
#[derive(Debug, Clone)]
pub enum Column {
    /// Option index (into `Question::options`), `u16::MAX` = missing.
    Choice(Vec<u16>),
    /// Bit set of option indexes, 0 = missing.
    Multi(Vec<u64>),
    /// NaN = missing.
    Number(Vec<f64>),
}

pub const MISSING: u16 = u16::MAX;

/// No place: a community, grid or collection point not recorded.
pub const NONE: u32 = u32::MAX;

impl Dataset {
    /// The rows without quality flags (the `quality_flags` column of an export), and
    /// how many were left out for each flag. Data without that column are unchanged.
    pub fn without_flagged(&self) -> (Dataset, Exclusions) {
        let Some(flags) = self.extra.get("quality_flags") else {
            return (self.clone(), Exclusions::default());
        };
        let mut ex = Exclusions::default();
        let keep: Vec<bool> = flags
            .iter()
            .map(|f| {
                let f = f.trim();
                if f.is_empty() {
                    return true;
                }
                ex.responses += 1;
                for one in f.split(',') {
                    *ex.by_flag.entry(one.trim().to_string()).or_default() += 1;
                }
                false
            })
            .collect();
        (self.filter(&keep), ex)
    }

    /// The rows where `keep` is true.
    pub fn filter(&self, keep: &[bool]) -> Dataset {
        let columns = self
            .columns
            .iter()
            .map(|(k, c)| {
                let c = match c {
                    Column::Choice(v) => Column::Choice(kept(v, keep)),
                    Column::Multi(v) => Column::Multi(kept(v, keep)),
                    Column::Number(v) => Column::Number(kept(v, keep)),
                };
                (k.clone(), c)
            })
            .collect();
        Dataset {
            district: kept(&self.district, keep),
            community: kept(&self.community, keep),
            grid: kept(&self.grid, keep),
            point: kept(&self.point, keep),
            columns,
            extra: self
                .extra
                .iter()
                .map(|(k, v)| (k.clone(), kept(v, keep)))
                .collect(),
        }
    }

    /// Appends the rows of `other`, which has the same columns (both read for the
    /// same survey). Columns only one side has are filled with missing values.
    pub fn append(&mut self, other: Dataset) {
        let (n, m) = (self.len(), other.len());
        self.district.extend(other.district);
        self.community.extend(other.community);
        self.grid.extend(other.grid);
        self.point.extend(other.point);
        let mut theirs = other.columns;
        for (k, c) in self.columns.iter_mut() {
            match (c, theirs.remove(k)) {
                (Column::Choice(a), Some(Column::Choice(b))) => a.extend(b),
                (Column::Multi(a), Some(Column::Multi(b))) => a.extend(b),
                (Column::Number(a), Some(Column::Number(b))) => a.extend(b),
                (Column::Choice(a), _) => a.extend(std::iter::repeat_n(MISSING, m)),
                (Column::Multi(a), _) => a.extend(std::iter::repeat_n(0, m)),
                (Column::Number(a), _) => a.extend(std::iter::repeat_n(f64::NAN, m)),
            }
        }
        for (k, c) in theirs {
            let mut c = c;
            match &mut c {
                Column::Choice(b) => {
                    b.splice(0..0, std::iter::repeat_n(MISSING, n));
                }
                Column::Multi(b) => {
                    b.splice(0..0, std::iter::repeat_n(0, n));
                }
                Column::Number(b) => {
                    b.splice(0..0, std::iter::repeat_n(f64::NAN, n));
                }
            }
            self.columns.insert(k, c);
        }
        let mut extra = other.extra;
        for (k, v) in self.extra.iter_mut() {
            match extra.remove(k) {
                Some(b) => v.extend(b),
                None => v.extend(std::iter::repeat_n(String::new(), m)),
            }
        }
        for (k, mut b) in extra {
            b.splice(0..0, std::iter::repeat_n(String::new(), n));
            self.extra.insert(k, b);
        }
    }

    /// Adds the places of one row (its answers go into `columns` separately).
    pub fn push_place(&mut self, district: u32, community: u32, grid: u32, point: u32) {
        self.district.push(district);
        self.community.push(community);
        self.grid.push(grid);
        self.point.push(point);
    }

    /// The waves in the data (the `wave` column), in numeric order; empty without one.
    pub fn waves(&self) -> Vec<String> {
        let mut waves: Vec<String> = self
            .extra
            .get("wave")
            .map(|w| w.iter().filter(|v| !v.is_empty()).cloned().collect())
            .unwrap_or_default();
        sort_waves(&mut waves);
        waves
    }

    /// The rows of one wave (all rows when the data have no `wave` column).
    pub fn of_wave(&self, wave: &str) -> Dataset {
        match self.extra.get("wave") {
            Some(w) => self.filter(&w.iter().map(|v| v == wave).collect::<Vec<_>>()),
            None => self.clone(),
        }
    }

    pub fn len(&self) -> usize {
        self.district.len()
    }
    pub fn is_empty(&self) -> bool {
        self.district.is_empty()
    }
}

/// Sorts wave labels numerically (non-numbers last) and drops repeats.
pub fn sort_waves(waves: &mut Vec<String>) {
    waves.sort_by_key(|w| (w.parse::<i64>().unwrap_or(i64::MAX), w.clone()));
    waves.dedup();
}

/// The elements of `v` where `keep` is true.
fn kept<T: Clone>(v: &[T], keep: &[bool]) -> Vec<T> {
    v.iter()
        .zip(keep)
        .filter(|(_, k)| **k)
        .map(|(x, _)| x.clone())
        .collect()
}

/// Responses left out of the estimates because of quality flags.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Exclusions {
    pub responses: usize,
    pub by_flag: BTreeMap<String, usize>,
}
