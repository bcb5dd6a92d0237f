//! Briefing benchmark: one chart, and the whole pack for 1,000,000 responses.
//! Baselines measured in the same run: a blank PNG of the same size (the encoder's
//! floor) for the chart; the statistics alone for the pack.
//!
//!   cargo bench --bench report                   # 1,000,000 responses (2 waves)
//!   cargo bench --bench report -- --rows 200000
//!
//! Targets: one chart PNG under 50 ms; the whole pack under 5 s.

use image::ImageEncoder;
use std::path::Path;
use std::time::Instant;

use minyi::charts::{self, Frame, RateBar};
use minyi::definition::Lang;
use minyi::stats::{self, Flag, Options};

fn best<F: FnMut()>(runs: usize, mut f: F) -> f64 {
    let mut best = f64::INFINITY;
    for _ in 0..runs {
        let t = Instant::now();
        f();
        best = best.min(t.elapsed().as_secs_f64());
    }
    best
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rows: usize = args
        .iter()
        .position(|a| a == "--rows")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let survey = minyi::definition::load_file(&root.join("surveys/civility-2026.toml"))
        .expect("example survey");

    // One chart.
    let frame = Frame {
        title: "总体满意度：各区比较".into(),
        subtitle: "江川市 · 第1轮 · 迭代调整 · 95% logit · 2026-11-22".into(),
        source: "来源：minyi".into(),
        notes: vec![],
    };
    let bars: Vec<RateBar> = survey
        .districts
        .iter()
        .enumerate()
        .map(|(i, d)| RateBar {
            label: d.name.zh.clone(),
            estimate: 0.7 + 0.04 * i as f64,
            low: Some(0.66 + 0.04 * i as f64),
            high: Some(0.74 + 0.04 * i as f64),
            n: 400.0,
            flag: if i == 5 { Flag::Directional } else { Flag::Ok },
        })
        .collect();
    let chart = charts::RateChart::new(frame, bars, Some(0.9), Lang::Zh);
    let _ = charts::render(&chart).expect("chart");
    let one = best(20, || {
        let _ = charts::render(&chart).expect("chart");
    });
    let (w, h) = charts::Draw::size(&chart);
    let blank = vec![255u8; (w * 2 * h * 2 * 3) as usize];
    let floor = best(20, || {
        let mut out = Vec::new();
        image::codecs::png::PngEncoder::new(&mut out)
            .write_image(&blank, w * 2, h * 2, image::ExtendedColorType::Rgb8)
            .expect("png");
    });
    println!("one rate chart (SVG + {}×{} PNG): {:.1} ms (best of 20); baseline, encoding a blank PNG of that size: {:.1} ms", w * 2, h * 2, one * 1e3, floor * 1e3);

    // The whole pack.
    let t = Instant::now();
    let data = minyi::synth::dataset(&survey, rows / 2, 2, 11);
    println!(
        "generated {} synthetic responses (2 waves) in {:.2} s",
        data.len(),
        t.elapsed().as_secs_f64()
    );
    let census = stats::Census::from_survey(&survey);
    let opts = Options::default();
    let stats_only = best(1, || {
        let d = data.filter(
            &data.extra["wave"]
                .iter()
                .map(|w| w == "2")
                .collect::<Vec<_>>(),
        );
        let _ = stats::analyse(&survey, &d, census.as_ref(), &opts).expect("stats");
    });
    let t = std::time::Instant::now();
    let mut tally = minyi::stats::tally::Tally::new(&survey);
    tally.add(&survey, &data);
    println!(
        "aggregating {} responses into {} atoms: {:.2} s",
        data.len(),
        tally.atoms.len(),
        t.elapsed().as_secs_f64()
    );
    let dir = std::env::temp_dir().join(format!("minyi-bench-pack-{}", std::process::id()));
    let input = minyi::report::PackInput {
        survey: &survey,
        tally: &tally,
        census: census.as_ref(),
        options: opts.clone(),
        wave: None,
        lang: Lang::Zh,
        date: "2026-11-22".into(),
        collection: minyi::figures::collection_text(Some(&tally.modes(&|_| true)), Lang::Zh),
        include_flagged: false,
        voices: None,
        household: None,
        ledger: None,
    };
    let mut files = 0;
    let stages = std::cell::RefCell::new(Vec::<(String, Instant)>::new());
    let pack = best(1, || {
        files = minyi::report::build(&input, &dir, &|s| {
            stages.borrow_mut().push((s.to_string(), Instant::now()))
        })
        .expect("pack")
        .files
        .len();
    });
    let end = Instant::now();
    let stages = stages.into_inner();
    let took: Vec<String> = stages
        .iter()
        .enumerate()
        .map(|(i, (name, at))| {
            let next = stages.get(i + 1).map_or(end, |x| x.1);
            format!("{name} {:.2} s", (next - *at).as_secs_f64())
        })
        .collect();
    let size = |f: &str| std::fs::metadata(dir.join(f)).map_or(0, |m| m.len()) / 1024;
    let (docx, pdf) = (size("briefing.docx"), size("briefing.pdf"));
    let _ = std::fs::remove_dir_all(&dir);
    println!("whole pack for {} responses ({} files: charts, workbook, tables, HTML, Word {docx} KiB, PDF {pdf} KiB): {:.2} s ({}); baseline, the statistics of one wave alone: {:.2} s", data.len(), files, pack, took.join(", "), stats_only);
    println!(
        "targets: chart < 50 ms {}; pack < 5 s {}",
        if one < 0.05 { "MET" } else { "MISSED" },
        if pack < 5.0 { "MET" } else { "MISSED" }
    );
}
