//! Properties the statistics must have on any data: calibrated weights reproduce the
//! census, intervals contain their estimate, and row order does not matter.

use proptest::prelude::*;
use std::path::Path;

use crate::common::FIXTURES;
use minyi::stats::{self, Column, Dataset, Method, Options, Weighting, MISSING};

const INDS: [&str; 4] = [
    "aware_campaign",
    "aware_values",
    "participated",
    "quiz_correct",
];

/// (district, age band, sex, four answers: 0 = yes, 1 = no, 2 = missing, satisfaction 0–5 with 0 missing)
type Row = (u32, u16, u16, [u8; 4], u8);

fn survey() -> minyi::definition::Survey {
    minyi::definition::load_file(Path::new(&format!("{FIXTURES}/public.toml"))).unwrap()
}

fn dataset(rows: &[Row]) -> Dataset {
    let mut d = Dataset::default();
    let mut age = Vec::new();
    let mut sex = Vec::new();
    let mut cols: Vec<Vec<u16>> = vec![Vec::new(); INDS.len()];
    let mut sat = Vec::new();
    for &(di, a, s, ans, st) in rows {
        d.push_place(di, stats::NONE, stats::NONE, stats::NONE);
        age.push(a);
        sex.push(s);
        for (k, v) in ans.iter().enumerate() {
            cols[k].push(if *v == 2 { MISSING } else { *v as u16 });
        }
        // scale5 options are listed 5, 4, 3, 2, 1 (then nothing): index = 5 − point.
        sat.push(if st == 0 { MISSING } else { 5 - st as u16 });
    }
    d.columns.insert("age_band".into(), Column::Choice(age));
    d.columns.insert("sex".into(), Column::Choice(sex));
    d.columns.insert("satisfaction".into(), Column::Choice(sat));
    for (k, c) in cols.into_iter().enumerate() {
        d.columns.insert(INDS[k].into(), Column::Choice(c));
    }
    d
}

/// Random rows, after one row in every census cell so that every weighting can run.
fn rows() -> impl Strategy<Value = Vec<Row>> {
    let row = (
        0u32..6,
        0u16..4,
        0u16..2,
        prop::array::uniform4(0u8..3),
        0u8..6,
    );
    prop::collection::vec(row, 20..250).prop_map(|mut extra| {
        let mut all: Vec<Row> = Vec::new();
        for d in 0..6 {
            for a in 0..4 {
                for s in 0..2 {
                    all.push((d, a, s, [0, 1, (d % 2) as u8, 1], 4));
                    all.push((d, a, s, [1, 0, 0, 2], 2));
                }
            }
        }
        all.append(&mut extra);
        all
    })
}

fn opts(weighting: Weighting, method: Method) -> Options {
    Options {
        weighting,
        method,
        ..Options::default()
    }
}

proptest! {
    // A fixed seed: CI runs the same cases every time (a failure is reproducible).
    // Before them, the cases that once failed are replayed from
    // `tests/proptest-regressions/stats_props.txt`, and a new failure is saved there.
    #![proptest_config(ProptestConfig {
        cases: 24,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x006d_696e_7969),
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::SourceParallel("proptest-regressions"),
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn calibrated_weights_sum_to_the_census(rows in rows(), trim in prop::bool::ANY) {
        let s = survey();
        let d = dataset(&rows);
        let census = stats::Census::from_survey(&s).unwrap();
        let lay = &census.layout;
        for w in [Weighting::Base, Weighting::Poststrat, Weighting::Rake] {
            let (des, _) = stats::build_design(&s, &d, Some(&census), &opts(w, Method::Logit)).unwrap();
            let total: f64 = (0..des.layout.n_cells()).map(|c| des.cell_total(c)).sum();
            prop_assert!((total - 1_200_000.0).abs() < 1e-6 * 1_200_000.0, "{w:?}: total {total}");
            match w {
                Weighting::Base => {
                    for (di, dist) in s.districts.iter().enumerate() {
                        let t: f64 = (0..des.layout.n_cells()).filter(|&c| des.layout.district_of(c) == di).map(|c| des.cell_total(c)).sum();
                        prop_assert!((t - dist.adults as f64).abs() < 1e-6, "base {}: {t}", dist.code);
                    }
                }
                Weighting::Poststrat => {
                    for c in 0..lay.n_cells() {
                        prop_assert!((des.cell_total(c) - census.population[c]).abs() < 1e-6 * census.population[c], "cell {c}");
                    }
                }
                _ => {
                    let rk = des.rake.as_ref().unwrap();
                    prop_assert!(rk.converged);
                    // R's stopping rule bounds the change of cell totals by 1e-9 of the
                    // total; a small margin is then met to well within 1e-6 of itself.
                    prop_assert!(rk.max_margin_error < 1e-6, "margin error {}", rk.max_margin_error);
                }
            }
            if trim {
                let mut t = des.clone();
                t.trim(0.6, 1.6);
                let after: f64 = (0..t.layout.n_cells()).map(|c| t.cell_total(c)).sum();
                prop_assert!((after - total).abs() < 1e-6 * total, "trimming keeps the total");
                prop_assert!(t.weight.iter().all(|w| w.is_finite() && *w >= 0.0));
            }
        }
    }

    #[test]
    fn intervals_contain_the_estimate(rows in rows(), level in prop::sample::select(vec![0.90, 0.95, 0.99])) {
        let s = survey();
        let d = dataset(&rows);
        let census = stats::Census::from_survey(&s).unwrap();
        for m in Method::ALL {
            let mut o = opts(Weighting::Rake, m);
            o.level = level;
            let r = stats::analyse(&s, &d, Some(&census), &o).unwrap();
            for e in &r.estimates {
                prop_assert!(e.estimate.is_finite() && e.se.is_finite() && e.se >= 0.0, "{e:?}");
                if let (Some(lo), Some(hi)) = (e.ci_low, e.ci_high) {
                    prop_assert!(lo <= e.estimate + 1e-12 && e.estimate <= hi + 1e-12, "{m:?} {} {}: {lo} {} {hi}", e.indicator, e.group, e.estimate);
                }
            }
        }
    }

    #[test]
    fn row_order_does_not_matter(rows in rows(), seed in any::<u64>()) {
        let s = survey();
        let census = stats::Census::from_survey(&s).unwrap();
        let mut shuffled = rows.clone();
        // Fisher–Yates with a small LCG: a different order for every seed.
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (x >> 33) as usize % (i + 1));
        }
        for w in [Weighting::Base, Weighting::Poststrat, Weighting::Rake] {
            let a = stats::analyse(&s, &dataset(&rows), Some(&census), &opts(w, Method::Logit)).unwrap();
            let b = stats::analyse(&s, &dataset(&shuffled), Some(&census), &opts(w, Method::Logit)).unwrap();
            prop_assert_eq!(a.estimates.len(), b.estimates.len());
            for (x, y) in a.estimates.iter().zip(&b.estimates) {
                let close = |p: f64, q: f64| (p - q).abs() <= 1e-10 * p.abs().max(1e-12);
                prop_assert!(close(x.estimate, y.estimate) && close(x.se, y.se), "{:?} vs {:?}", x, y);
            }
        }
    }
}
