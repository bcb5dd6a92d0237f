//! Stats engine benchmark: 1,000,000 synthetic responses, 6 districts, 10 indicators;
//! raking to district × age band and district × sex, then every city and per-district
//! estimate with logit intervals. Prints the time, peak memory, and two baselines
//! measured in the same run: one plain pass over the data (the floor), and — when
//! Rscript with the survey package is installed — R doing the same work on the same data.
//!
//!   cargo bench --bench stats                  # 1,000,000 rows, with R if present
//!   cargo bench --bench stats -- --rows 200000 --no-r
//!
//! The same with the design clustered in 50 collection points per district, and the
//! small-area model of 300 communities for the 10 indicators.
//!
//! Targets: under 0.5 s (clustered too) and under 1 GB peak memory; the community
//! model under 1 s.

use std::path::Path;
use std::time::Instant;

use minyi::stats::{self, Column, Dataset, Method, Options, Weighting};

const INDICATORS: [&str; 10] = [
    "aware_campaign",
    "aware_values",
    "quiz_values",
    "support",
    "participated",
    "sat_sanitation",
    "sat_shops",
    "sat_security",
    "sat_traffic",
    "sat_overall",
];

fn synthesize(rows: usize) -> Dataset {
    // The same generator as `minyi synth`.
    let mut rng = minyi::synth::Rng::new(1);
    // District shares of the sample differ from the population's (D1 answers most).
    let share = [0.30, 0.22, 0.16, 0.14, 0.10, 0.08];
    // Older residents and women answer more.
    let age_w = [0.15, 0.22, 0.28, 0.35];
    let mut d = Dataset::default();
    let mut age = Vec::with_capacity(rows);
    let mut sex = Vec::with_capacity(rows);
    let mut cols: Vec<Vec<u16>> = vec![Vec::with_capacity(rows); INDICATORS.len()];
    for _ in 0..rows {
        let di = rng.pick(&share);
        let a = rng.pick(&age_w);
        d.push_place(di as u32, stats::NONE, stats::NONE, stats::NONE);
        age.push(a as u16);
        sex.push(if rng.uniform() < 0.58 { 1 } else { 0 });
        for (k, col) in cols.iter_mut().enumerate() {
            let p = 0.55 + 0.04 * k as f64 / 2.0 + 0.05 * a as f64 - 0.02 * di as f64;
            // yes/no options are ["yes", "no"]: index 0 = yes. 3% missing.
            let v = if rng.uniform() < 0.03 {
                stats::MISSING
            } else if rng.uniform() < p {
                0
            } else {
                1
            };
            col.push(v);
        }
    }
    d.columns.insert("age_band".into(), Column::Choice(age));
    d.columns.insert("sex".into(), Column::Choice(sex));
    for (k, c) in cols.into_iter().enumerate() {
        d.columns.insert(INDICATORS[k].into(), Column::Choice(c));
    }
    d
}

fn peak_memory_mb() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn write_csv(d: &Dataset, path: &Path) -> std::io::Result<()> {
    use std::io::Write;
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    let ages = ["18-29", "30-44", "45-59", "60+"];
    write!(w, "district,age_band,sex")?;
    for n in INDICATORS {
        write!(w, ",{n}")?;
    }
    writeln!(w)?;
    let col = |n: &str| match &d.columns[n] {
        Column::Choice(v) => v,
        _ => unreachable!(),
    };
    let (age, sex) = (col("age_band"), col("sex"));
    let inds: Vec<&Vec<u16>> = INDICATORS.iter().map(|n| col(n)).collect();
    for i in 0..d.len() {
        write!(
            w,
            "D{},{},{}",
            d.district[i] + 1,
            ages[age[i] as usize],
            if sex[i] == 0 { "M" } else { "F" }
        )?;
        for c in &inds {
            match c[i] {
                stats::MISSING => write!(w, ",")?,
                0 => write!(w, ",1")?,
                _ => write!(w, ",0")?,
            }
        }
        writeln!(w)?;
    }
    Ok(())
}

const R_SCRIPT: &str = r#"
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); census <- read.csv(args[2])
t0 <- proc.time()[["elapsed"]]
N <- tapply(census$population, census$district, sum)
d$w0 <- as.numeric(N[d$district] / table(d$district)[d$district])
des <- svydesign(ids = ~1, strata = ~district, weights = ~w0, data = d)
m1 <- aggregate(population ~ district + age_band, census, sum); names(m1)[3] <- "Freq"
m2 <- aggregate(population ~ district + sex, census, sum); names(m2)[3] <- "Freq"
rk <- rake(des, list(~district + age_band, ~district + sex), list(m1, m2), control = list(maxit = 500, epsilon = 1e-9))
inds <- strsplit(args[3], ",")[[1]]
for (v in inds) {
  f <- as.formula(paste0("~", v))
  svyciprop(f, rk, method = "logit", na.rm = TRUE)
  svyby(f, ~district, rk, svyciprop, method = "logit", vartype = "ci", na.rm = TRUE)
}
cat(proc.time()[["elapsed"]] - t0, "\n")
"#;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rows: usize = args
        .iter()
        .position(|a| a == "--rows")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let with_r = !args.iter().any(|a| a == "--no-r");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let survey = minyi::definition::load_file(&root.join("benches/bench10.toml"))
        .expect("benches/bench10.toml");
    let census = stats::Census::from_survey(&survey).expect("census");

    let t = Instant::now();
    let data = synthesize(rows);
    println!(
        "generated {rows} responses in {:.2} s",
        t.elapsed().as_secs_f64()
    );

    let opts = Options {
        weighting: Weighting::Rake,
        method: Method::Logit,
        by: vec!["district".into()],
        ..Options::default()
    };
    // Floor: one pass that only adds up every indicator column.
    let t = Instant::now();
    let mut sink = 0u64;
    for n in INDICATORS {
        if let Column::Choice(v) = &data.columns[n] {
            sink += v.iter().map(|&x| (x == 0) as u64).sum::<u64>();
        }
    }
    let floor = t.elapsed().as_secs_f64();
    std::hint::black_box(sink);

    let mut best = f64::INFINITY;
    let mut report = None;
    for _ in 0..3 {
        let t = Instant::now();
        let r = stats::analyse(&survey, &data, Some(&census), &opts).expect("analysis");
        best = best.min(t.elapsed().as_secs_f64());
        report = Some(r);
    }
    let report = report.expect("ran");
    let peak = peak_memory_mb();
    let proportions = report
        .estimates
        .iter()
        .filter(|e| e.kind == stats::EstimateKind::Proportion)
        .count();
    println!(
        "minyi: rake ({} sweeps) + {} proportions with logit intervals (city + 6 districts × 10 indicators): {:.3} s (best of 3)",
        report.raking.as_ref().map_or(0, |r| r.iterations),
        proportions,
        best
    );
    println!(
        "floor: one pass summing the 10 indicator columns: {:.3} s ({:.1}× under minyi)",
        floor,
        best / floor.max(1e-9)
    );
    match peak {
        Some(mb) => {
            println!("peak memory (VmHWM, whole process incl. the generated data): {mb:.0} MB")
        }
        None => println!("peak memory: /proc/self/status not available"),
    }
    println!(
        "targets: time < 0.5 s {}; peak memory < 1024 MB {}",
        if best < 0.5 { "MET" } else { "MISSED" },
        match peak {
            Some(mb) if mb < 1024.0 => "MET",
            Some(_) => "MISSED",
            None => "unknown",
        }
    );

    // Clustered: 50 primary sampling units (collection points) per district.
    let mut clustered = data.clone();
    let mut rng = minyi::synth::Rng::new(7);
    clustered.point = (0..clustered.len())
        .map(|_| (rng.uniform() * 50.0) as u32)
        .collect();
    let mut csurvey = survey.clone();
    if let Some(w) = csurvey.weighting.as_mut() {
        w.cluster = Some("collection_community".into());
    }
    let mut cbest = f64::INFINITY;
    let mut creport = None;
    for _ in 0..3 {
        let t = Instant::now();
        let r = stats::analyse(&csurvey, &clustered, Some(&census), &opts).expect("analysis");
        cbest = cbest.min(t.elapsed().as_secs_f64());
        creport = Some(r);
    }
    let creport = creport.expect("ran");
    let city = |r: &stats::Report| {
        r.estimates
            .iter()
            .find(|e| e.group == "ALL" && e.kind == stats::EstimateKind::Proportion)
            .map_or((f64::NAN, f64::NAN), |e| (e.deff, e.df))
    };
    println!(
        "minyi, clustered (50 collection points per district, 300 PSUs, assigned at random): {:.3} s (best of 3; unclustered {:.3} s, floor {:.3} s); city design effect {:.2}, df {} (unclustered: {:.2}, df {})",
        cbest,
        best,
        floor,
        city(&creport).0,
        city(&creport).1,
        city(&report).0,
        city(&report).1
    );
    println!(
        "target: clustered < 0.5 s {}",
        if cbest < 0.5 { "MET" } else { "MISSED" }
    );

    // The community model: 300 communities, 10 indicators, two covariates, REML and
    // benchmarking to six districts.
    let mut rng = minyi::synth::Rng::new(11);
    let areas: Vec<Vec<stats::sae::Area>> = (0..INDICATORS.len())
        .map(|_| {
            (0..300)
                .map(|i| {
                    let share = 0.12 + 0.26 * rng.uniform();
                    let prior = 0.6 + 0.3 * rng.uniform();
                    let n = (rng.uniform() * 40.0) as u32;
                    let truth = (0.3 + 0.6 * prior - 0.3 * share + 0.08 * (rng.uniform() - 0.5))
                        .clamp(0.01, 0.99);
                    let k = (0..n).filter(|_| rng.uniform() < truth).count() as f64;
                    stats::sae::Area {
                        name: format!("C{i:03}"),
                        direct: (n > 0).then(|| k / n as f64),
                        psi: (n > 0)
                            .then(|| stats::sae::smoothed_variance(0.75, 2000.0, 1.3, n as f64)),
                        x: vec![share, prior],
                    }
                })
                .collect()
        })
        .collect();
    let names = vec!["share60".to_string(), "prior".to_string()];
    let group: Vec<usize> = (0..300).map(|i| i % 6).collect();
    let weight = vec![1.0; 300];
    let target = vec![Some(0.75); 6];
    let t = Instant::now();
    let mut fitted = 0;
    for a in &areas {
        if let Ok((_, est)) =
            stats::sae::fay_herriot(a, &names, stats::sae::FhMethod::Reml, Default::default())
        {
            let mut v: Vec<f64> = est.iter().map(|e| e.estimate).collect();
            stats::sae::benchmark_rates(&mut v, &group, &weight, &target);
            fitted += 1;
        }
    }
    let sae = t.elapsed().as_secs_f64();
    println!(
        "community model: {fitted} of {} indicators fitted for 300 communities (REML, EBLUP, MSE, benchmarking): {sae:.3} s; target < 1 s {}",
        INDICATORS.len(),
        if sae < 1.0 { "MET" } else { "MISSED" }
    );

    let have_r = with_r
        && std::process::Command::new("Rscript")
            .args(["-e", "suppressMessages(library(survey))"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
    if !have_r {
        println!(
            "R: skipped ({})",
            if with_r {
                "Rscript with the survey package not installed"
            } else {
                "--no-r"
            }
        );
        return;
    }
    let dir = std::env::temp_dir().join(format!("minyi-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let csv = dir.join("responses.csv");
    let script = dir.join("bench.R");
    write_csv(&data, &csv).expect("write CSV");
    std::fs::write(&script, R_SCRIPT).expect("write R script");
    println!(
        "R: running survey's rake + svyciprop/svyby(logit) on the same {rows} rows (minutes) …"
    );
    let out = std::process::Command::new("Rscript")
        .arg(&script)
        .arg(&csv)
        .arg(root.join("tests/fixtures/public.census.csv"))
        .arg(INDICATORS.join(","))
        .output()
        .expect("run Rscript");
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    match stdout.trim().parse::<f64>() {
        Ok(r) if out.status.success() => println!(
            "R survey: {r:.1} s for the same work — minyi is {:.0}× faster",
            r / best
        ),
        _ => println!("R failed: {}", String::from_utf8_lossy(&out.stderr)),
    }
}
