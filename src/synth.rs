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

/// `rows_per_wave` responses for each of `waves` waves (labelled 1, 2, …).
pub fn dataset(survey: &Survey, rows_per_wave: usize, waves: usize, seed: u64) -> Dataset {
    let mut rng = Rng::new(seed);
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
            d.push_place(
                di as u32,
                crate::stats::NONE,
                crate::stats::NONE,
                crate::stats::NONE,
            );
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
                + 0.2 * (rng.uniform() - 0.5);
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
    d.extra.insert("wave".into(), wave_col);
    d.extra.insert("channel".into(), channel);
    d
}

/// Writes a dataset as a responses CSV (the shape `minyi export` writes).
pub fn write_csv<W: std::io::Write>(
    survey: &Survey,
    data: &Dataset,
    out: W,
) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    let qs: Vec<&str> = data.columns.keys().map(String::as_str).collect();
    let mut header = vec!["wave", "channel", "district"];
    header.extend(qs.iter().copied());
    w.write_record(&header)?;
    for i in 0..data.len() {
        let mut rec: Vec<String> = vec![
            data.extra
                .get("wave")
                .map_or(String::new(), |v| v[i].clone()),
            data.extra
                .get("channel")
                .map_or(String::new(), |v| v[i].clone()),
            survey.districts[data.district[i] as usize].code.clone(),
        ];
        for q in &qs {
            let cell = match &data.columns[*q] {
                Column::Choice(v) if v[i] != MISSING => survey
                    .question(q)
                    .map_or(String::new(), |qq| qq.options[v[i] as usize].code.clone()),
                _ => String::new(),
            };
            rec.push(cell);
        }
        w.write_record(&rec)?;
    }
    w.flush()?;
    Ok(())
}
