//! Synthetic responses shaped like a QR-code sample (older residents and women answer
//! more, districts answer unevenly, later waves slightly better), for trying minyi,
//! the benchmarks and the report tests. Never mixed with real data: it is only written
//! where a user asks (`minyi synth`).

use crate::definition::{Kind, Survey, DONT_KNOW};
use crate::stats::{Column, Dataset, MISSING};

/// xorshift64*: deterministic for a seed, fast enough for millions of rows.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
    /// An index drawn with the given (unnormalised) weights.
    pub fn pick(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut u = self.uniform() * total;
        for (i, w) in weights.iter().enumerate() {
            if u < *w {
                return i;
            }
            u -= w;
        }
        weights.len() - 1
    }
}

/// A synthetic sample and what it was made from.
pub struct Synth {
    pub data: Dataset,
    /// The communities made weak (their residents answer markedly worse): what a
    /// weak-spots list should find.
    pub weak: Vec<String>,
}

/// `rows_per_wave` responses for each of `waves` waves (labelled 1, 2, …).
pub fn dataset(survey: &Survey, rows_per_wave: usize, waves: usize, seed: u64) -> Dataset {
    generate(survey, rows_per_wave, waves, seed).data
}

/// Where synthetic residents live and answer: communities by adults, and the poster
/// they answer at (their own community's or one of its grids' most of the time).
struct Places {
    /// Per district: (community index, weight) of its communities.
    by_district: Vec<Vec<(usize, f64)>>,
    /// Per community: its grids (grid indexes).
    grids: Vec<Vec<u32>>,
    /// Point index of each community's poster, of each grid's, of each district's, and
    /// the public points of each district.
    community_point: Vec<u32>,
    grid_point: Vec<u32>,
    district_point: Vec<u32>,
    public_points: Vec<Vec<u32>>,
    /// Per community: the shift of its residents' goodwill.
    effect: Vec<f64>,
    weak: Vec<String>,
}

impl Places {
    fn new(survey: &Survey, rng: &mut Rng) -> Places {
        let communities: Vec<_> = survey.communities().collect();
        let mut by_district = vec![Vec::new(); survey.districts.len()];
        let mut grids = vec![Vec::new(); communities.len()];
        let mut g = 0u32;
        for (ci, (d, c)) in communities.iter().enumerate() {
            let di = survey
                .districts
                .iter()
                .position(|x| x.code == d.code)
                .unwrap_or(0);
            by_district[di].push((ci, c.adults.map_or(1.0, |a| a as f64)));
            for _ in &c.grids {
                grids[ci].push(g);
                g += 1;
            }
        }
        let points = survey.points();
        let find = |pred: &dyn Fn(&crate::definition::PointRef<'_>) -> bool| -> Vec<u32> {
            points
                .iter()
                .enumerate()
                .filter(|(_, p)| pred(p))
                .map(|(i, _)| i as u32)
                .collect()
        };
        use crate::definition::PointRef;
        let community_point = find(&|p| matches!(p, PointRef::Community(..)));
        let grid_point = find(&|p| matches!(p, PointRef::Grid(..)));
        let district_point = find(&|p| matches!(p, PointRef::District(..)));
        let public_points = survey
            .districts
            .iter()
            .map(|d| find(&|p| matches!(p, PointRef::Point(pd, _) if pd.code == d.code)))
            .collect();
        // About one community in eight answers markedly worse.
        let n = communities.len();
        let mut weak_idx: Vec<usize> = Vec::new();
        while n > 0 && weak_idx.len() < n.div_ceil(8) {
            let i = (rng.uniform() * n as f64) as usize % n;
            if !weak_idx.contains(&i) {
                weak_idx.push(i);
            }
        }
        let effect = (0..n)
            .map(|i| 0.12 * (rng.uniform() - 0.5) - if weak_idx.contains(&i) { 0.22 } else { 0.0 })
            .collect();
        Places {
            by_district,
            grids,
            community_point,
            grid_point,
            district_point,
            public_points,
            effect,
            weak: weak_idx
                .iter()
                .map(|&i| communities[i].1.code.clone())
                .collect(),
        }
    }

    /// (community, grid, point) of a resident of district `di`.
    fn draw(&self, di: usize, rng: &mut Rng) -> (u32, u32, u32, Option<f64>) {
        let none = crate::stats::NONE;
        let list = &self.by_district[di];
        if list.is_empty() {
            return (none, none, self.district_point[di], None);
        }
        let weights: Vec<f64> = list.iter().map(|x| x.1).collect();
        let ci = list[rng.pick(&weights)].0;
        let u = rng.uniform();
        let (grid, point) = if u < 0.72 {
            // Their own community's poster, or one of its grids' (residential).
            match self.grids[ci].as_slice() {
                [] => (none, self.community_point[ci]),
                gs if rng.uniform() < 0.5 => {
                    let g = gs[(rng.uniform() * gs.len() as f64) as usize % gs.len()];
                    (g, self.grid_point[g as usize])
                }
                _ => (none, self.community_point[ci]),
            }
        } else if u < 0.87 {
            // Another community's poster in the district.
            let other = list[(rng.uniform() * list.len() as f64) as usize % list.len()].0;
            (none, self.community_point[other])
        } else if u < 0.95 || self.public_points[di].is_empty() {
            (none, self.district_point[di])
        } else {
            let p = &self.public_points[di];
            (none, p[(rng.uniform() * p.len() as f64) as usize % p.len()])
        };
        // Most say where they live; at a grid's poster the one tap records the grid.
        let recorded = grid != none || rng.uniform() < 0.85;
        let community = if recorded { ci as u32 } else { none };
        let grid = if recorded { grid } else { none };
        (community, grid, point, Some(self.effect[ci]))
    }
}

/// As [`dataset`], with the communities it made weak.
pub fn generate(survey: &Survey, rows_per_wave: usize, waves: usize, seed: u64) -> Synth {
    let mut rng = Rng::new(seed);
    // Places draw from their own stream, so the answers of a survey without
    // communities stay what they always were for a seed.
    let mut prng = Rng::new(seed ^ 0x5EED_C0DE);
    let places = Places::new(survey, &mut prng);
    let nd = survey.districts.len();
    // Uneven response by district: earlier districts (the city centre) answer more.
    let district_w: Vec<f64> = (0..nd)
        .map(|i| 1.6 - 0.18 * i as f64)
        .map(|w| w.max(0.3))
        .collect();
    let mut d = Dataset::default();
    let mut cols: Vec<(usize, Vec<u16>)> = Vec::new();
    let choice_qs: Vec<usize> = survey
        .questions
        .iter()
        .enumerate()
        .filter(|(_, q)| q.kind.has_options() && !q.multi_answer() && !q.kind.is_place())
        .map(|(i, _)| i)
        .collect();
    for &qi in &choice_qs {
        cols.push((qi, Vec::with_capacity(rows_per_wave * waves)));
    }
    let mut wave_col = Vec::with_capacity(rows_per_wave * waves);
    let mut channel = Vec::with_capacity(rows_per_wave * waves);
    for w in 0..waves {
        for _ in 0..rows_per_wave {
            let di = rng.pick(&district_w);
            let (community, grid, point, effect) = places.draw(di, &mut prng);
            d.push_place(di as u32, community, grid, point);
            wave_col.push((w + 1).to_string());
            channel.push(
                if rng.uniform() < 0.8 {
                    "qr"
                } else if rng.uniform() < 0.7 {
                    "link"
                } else {
                    "api"
                }
                .to_string(),
            );
            // A latent "goodwill" per respondent makes answers hang together.
            let age_level = rng.uniform();
            let goodwill = 0.55 + 0.25 * age_level + 0.04 * w as f64 - 0.03 * di as f64
                + 0.2 * (rng.uniform() - 0.5)
                + effect.unwrap_or(0.0);
            for (qi, col) in cols.iter_mut() {
                let q = &survey.questions[*qi];
                let real: Vec<usize> = (0..q.options.len())
                    .filter(|&k| {
                        q.options[k].code != DONT_KNOW && !q.screen_out.contains(&q.options[k].code)
                    })
                    .collect();
                let dk = q.options.iter().position(|o| o.code == DONT_KNOW);
                let v = match (q.id.as_str(), q.kind) {
                    // Older residents and women answer QR polls more.
                    ("age_band", _) | ("age", _) => {
                        real[((age_level * real.len() as f64) as usize).min(real.len() - 1)]
                    }
                    ("sex", _) => {
                        real[if rng.uniform() < 0.58 {
                            real.len() - 1
                        } else {
                            0
                        }]
                    }
                    _ if dk.is_some() && rng.uniform() < 0.04 => dk.unwrap_or(0),
                    _ if !q.required && rng.uniform() < 0.1 => usize::MAX,
                    (_, Kind::Scale5) | (_, Kind::Scale3) => {
                        // Best point first in the options; shift towards it with goodwill.
                        let k = real.len();
                        let x = (goodwill + 0.35 * (rng.uniform() - 0.5)).clamp(0.0, 0.999);
                        real[k - 1 - ((x * k as f64) as usize).min(k - 1)]
                    }
                    _ if !q.positive.is_empty() => {
                        let pos: Vec<usize> = real
                            .iter()
                            .copied()
                            .filter(|&k| q.positive.contains(&q.options[k].code))
                            .collect();
                        let neg: Vec<usize> = real
                            .iter()
                            .copied()
                            .filter(|&k| !q.positive.contains(&q.options[k].code))
                            .collect();
                        if rng.uniform() < goodwill + 0.2 || neg.is_empty() {
                            pos[(rng.uniform() * pos.len() as f64) as usize % pos.len()]
                        } else {
                            neg[(rng.uniform() * neg.len() as f64) as usize % neg.len()]
                        }
                    }
                    _ => real[(rng.uniform() * real.len() as f64) as usize % real.len()],
                };
                col.push(if v == usize::MAX { MISSING } else { v as u16 });
            }
        }
    }
    for (qi, col) in cols {
        d.columns
            .insert(survey.questions[qi].id.clone(), Column::Choice(col));
    }
    // Multiple-choice answers (where residents saw the campaign, which activities),
    // from their own generator so the other answers stay as they were: each option
    // ticked with its own probability, at least one, and only where the question was
    // shown.
    let mut mrng = Rng::new(seed ^ 0x4D55_4C54);
    for q in survey.questions.iter().filter(|q| q.kind == Kind::Multiple) {
        let n = d.len();
        let shown = |i: usize| match &q.show_if {
            None => true,
            Some(c) => match (d.columns.get(&c.question), survey.question(&c.question)) {
                (Some(Column::Choice(v)), Some(cq)) => {
                    v[i] != MISSING && c.any_of.contains(&cq.options[v[i] as usize].code)
                }
                _ => false,
            },
        };
        let real: Vec<usize> = (0..q.options.len())
            .filter(|&k| q.options[k].code != DONT_KNOW)
            .collect();
        let col: Vec<u64> = (0..n)
            .map(|i| {
                if !shown(i) || (!q.required && mrng.uniform() < 0.05) {
                    return 0;
                }
                let mut m = 0u64;
                for (j, &k) in real.iter().enumerate() {
                    if mrng.uniform() < 0.55 / (1.0 + 0.6 * j as f64) {
                        m |= 1 << k;
                    }
                }
                if m == 0 {
                    m = 1 << real[(mrng.uniform() * real.len() as f64) as usize % real.len()];
                }
                m
            })
            .collect();
        d.columns.insert(q.id.clone(), Column::Multi(col));
    }
    d.extra.insert("wave".into(), wave_col);
    d.extra.insert("channel".into(), channel);
    Synth {
        data: d,
        weak: places.weak,
    }
}

/// Writes a dataset as a responses CSV (the shape `minyi export` writes).
pub fn write_csv<W: std::io::Write>(
    survey: &Survey,
    data: &Dataset,
    out: W,
) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    let qs: Vec<&str> = data.columns.keys().map(String::as_str).collect();
    let mut header = vec![
        "wave",
        "channel",
        "collection_district",
        "collection_point",
        "district",
        "community",
        "grid",
    ];
    header.extend(qs.iter().copied());
    w.write_record(&header)?;
    let communities: Vec<&str> = survey.communities().map(|(_, c)| c.code.as_str()).collect();
    let grids: Vec<&str> = survey.grids().map(|(_, _, g)| g.code.as_str()).collect();
    let points = survey.points();
    let at = |v: &[&str], i: u32| v.get(i as usize).copied().unwrap_or("").to_string();
    for i in 0..data.len() {
        let point = points.get(data.point[i] as usize);
        let mut rec: Vec<String> = vec![
            data.extra
                .get("wave")
                .map_or(String::new(), |v| v[i].clone()),
            data.extra
                .get("channel")
                .map_or(String::new(), |v| v[i].clone()),
            point.map_or(String::new(), |p| p.district().code.clone()),
            match point {
                Some(crate::definition::PointRef::District(_)) | None => String::new(),
                Some(p) => p.code().to_string(),
            },
            survey.districts[data.district[i] as usize].code.clone(),
            at(&communities, data.community[i]),
            at(&grids, data.grid[i]),
        ];
        for q in &qs {
            let cell = match &data.columns[*q] {
                Column::Choice(v) if v[i] != MISSING => survey
                    .question(q)
                    .map_or(String::new(), |qq| qq.options[v[i] as usize].code.clone()),
                Column::Multi(v) if v[i] != 0 => survey.question(q).map_or(String::new(), |qq| {
                    qq.options
                        .iter()
                        .enumerate()
                        .filter(|(k, _)| v[i] >> k & 1 == 1)
                        .map(|(_, o)| o.code.as_str())
                        .collect::<Vec<_>>()
                        .join(";")
                }),
                _ => String::new(),
            };
            rec.push(cell);
        }
        w.write_record(&rec)?;
    }
    w.flush()?;
    Ok(())
}
