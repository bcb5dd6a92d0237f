//! Does the weak-spots list find the communities that are weak? `cargo bench --bench
//! weak_spots` (an experiment, not a timing): for several seeds, `minyi demo` makes about
//! one community in eight answer markedly worse (−22 points on every rate), fills a
//! fresh database with its two waves (1,500 responses each), and the dashboard's
//! weak-spots list is read twice — as the office sees it (the small-area model's
//! estimates and intervals), and from the direct community estimates alone. The demo's
//! targets (90%) are above most communities' true rates, so nearly every community is
//! rightly below target; what the office needs is the list's order. Each list ranks its
//! communities by how many rates are significantly below target, then by how far below
//! they are on average; printed: how many of the K weak communities are among its first
//! K (and, for the direct list, how many weak ones it cannot rank at all because their
//! figures are suppressed). `MINYI_SEEDS=N` (default 10) and `MINYI_PER_WAVE=N` (default
//! 1500) change the run.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use minyi::dashboard::{self, places};
use minyi::definition::Lang;
use minyi::stats::{Flag, TargetState};

/// Per community: rates significantly below target, and the sum of (estimate − target).
type Tallies = BTreeMap<String, (usize, f64, usize)>;

/// The first `k` communities of a list: most rates significantly below, then furthest
/// below on average.
fn first(t: &Tallies, k: usize) -> BTreeSet<String> {
    let mut v: Vec<(&String, &(usize, f64, usize))> = t.iter().collect();
    v.sort_by(|a, b| {
        b.1 .0
            .cmp(&a.1 .0)
            .then((a.1 .1 / a.1 .2.max(1) as f64).total_cmp(&(b.1 .1 / b.1 .2.max(1) as f64)))
    });
    v.into_iter().take(k).map(|(c, _)| c.clone()).collect()
}

fn add(t: &mut Tallies, community: &str, significantly: bool, gap: f64) {
    let e = t.entry(community.to_string()).or_default();
    e.0 += significantly as usize;
    e.1 += gap;
    e.2 += 1;
}

fn main() {
    let seeds: u64 = std::env::var("MINYI_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let per_wave: usize = std::env::var("MINYI_PER_WAVE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1500);
    let survey = minyi::definition::load_file(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("surveys/civility-2026.toml"),
    )
    .expect("the example survey");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (mut weak_total, mut model_hits, mut direct_hits, mut unranked) = (0, 0, 0, 0);
    println!("| seed | weak (K) | model: weak among its first K | direct: weak among its first K | direct: weak it cannot rank |");
    println!("|---|---|---|---|---|");
    for seed in 1..=seeds {
        let url = format!(
            "sqlite://{}",
            dir.path().join(format!("s{seed}.sqlite3")).display()
        );
        let store = minyi::storage::Store::open(&url).expect("a database");
        let demo = minyi::demo::run(&store, &survey, per_wave, seed).expect("the demo");
        let weak: BTreeSet<String> = demo.weak.iter().cloned().collect();
        let cache = dashboard::Cache::default();
        let loaded = cache.load(&store, &survey).expect("the responses");
        let fig = cache
            .figures(&survey, &loaded, &Default::default(), Lang::Zh)
            .expect("the figures");
        // As the office sees it: the model where it ran.
        let w = places::weak_spots(&survey, &fig, None, Lang::Zh);
        let mut by_model = Tallies::new();
        for x in &w.significant {
            add(&mut by_model, &x.community, true, x.estimate - x.target);
        }
        for x in &w.below {
            add(&mut by_model, &x.community, false, x.estimate - x.target);
        }
        // From the direct figures alone (suppressed ones cannot be judged).
        let mut by_direct = Tallies::new();
        for e in fig.of_domain(&survey, "community") {
            let Some(t) = e
                .target_status
                .filter(|_| minyi::stats::is_rate(e) && e.flag != Flag::Suppress)
            else {
                continue;
            };
            if matches!(
                t.state,
                TargetState::SignificantlyBelow | TargetState::Below
            ) {
                let code = e.group.split('/').nth(1).unwrap_or("");
                add(
                    &mut by_direct,
                    code,
                    t.state == TargetState::SignificantlyBelow,
                    e.estimate - t.target,
                );
            }
        }
        let k = weak.len();
        let (m, d) = (first(&by_model, k), first(&by_direct, k));
        let hits = |s: &BTreeSet<String>| s.intersection(&weak).count();
        let cannot = weak.iter().filter(|c| !by_direct.contains_key(*c)).count();
        println!("| {seed} | {k} | {} | {} | {cannot} |", hits(&m), hits(&d));
        weak_total += k;
        model_hits += hits(&m);
        direct_hits += hits(&d);
        unranked += cannot;
    }
    let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
    println!();
    println!(
        "over {seeds} seeds ({} responses each, {weak_total} weak communities in all): among the first K of the list, the model's has {model_hits} of them ({:.0}%), the direct figures' {direct_hits} ({:.0}%); the direct figures cannot rank {unranked} weak communities at all (suppressed)",
        per_wave * 2,
        pct(model_hits, weak_total),
        pct(direct_hits, weak_total),
    );
}
