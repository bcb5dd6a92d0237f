//! `minyi sae` and `stats::sae` against R's `sae` 1.3 on the reference area tables
//! (`tests/fixtures/sae/`, see its README): REML, ML and FH to convergence, and REML
//! with the package's default stopping rule; Â, β̂ and its SE, the goodness of fit, every
//! EBLUP, MSE and γ, the synthetic estimates of communities without respondents and the
//! benchmarking — all to 1e-9 relative.

use serde_json::Value;
use std::process::Command;

use crate::common::FIXTURES;
use minyi::stats::sae::{self, Area, FhControl, FhMethod, SaeError};

#[track_caller]
fn close(what: &str, got: f64, want: f64) {
    let rel = if got == want {
        0.0
    } else {
        (got - want).abs() / want.abs().max(1e-300)
    };
    assert!(
        rel <= 1e-9 || (got - want).abs() < 1e-15,
        "{what}: got {got:.15e}, R {want:.15e} (rel {rel:.2e})"
    );
}

fn expected(name: &str) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(format!("{FIXTURES}/sae/expected_{name}.json")).unwrap(),
    )
    .unwrap()
}

/// `minyi sae … --format json` on a reference table.
fn run(name: &str, method: &str, max_iterations: usize, precision: f64) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_minyi"))
        .args([
            "sae",
            "--areas",
            &format!("{FIXTURES}/sae/{name}_areas.csv"),
            "--direct",
            "direct",
            "--vardir",
            "psi",
            "--covariates",
            "share60,prior",
            "--method",
            method,
            "--max-iterations",
            &max_iterations.to_string(),
            "--precision",
            &precision.to_string(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn check_fit(name: &str, fit: &str, method: &str, max_iterations: usize, precision: f64) -> usize {
    let want = &expected(name)["fits"][fit];
    let got = run(name, method, max_iterations, precision);
    let f = &got["fit"];
    let what = |x: &str| format!("{name} {fit} {x}");
    assert_eq!(
        f["converged"],
        want["convergence"],
        "{}",
        what("convergence")
    );
    // Where the scoring converges to a negative variance (Â is then truncated to 0),
    // its last steps change A by ~1e-16 at A ≈ −1e-3: below the rounding of the update
    // itself, so whether R takes one step more depends on its BLAS and its extended-
    // precision sums. The estimates do not depend on it (Â = 0 either way); the count
    // may differ by one there and must be equal everywhere else.
    let (got_k, want_k) = (
        f["iterations"].as_i64().unwrap(),
        want["iterations"].as_i64().unwrap(),
    );
    if want["refvar"].as_f64() == Some(0.0) && precision < 1e-10 {
        assert!(
            (got_k - want_k).abs() <= 1,
            "{}: {got_k} vs R {want_k}",
            what("iterations")
        );
    } else {
        assert_eq!(got_k, want_k, "{}", what("iterations"));
    }
    close(
        &what("refvar"),
        f["refvar"].as_f64().unwrap(),
        want["refvar"].as_f64().unwrap(),
    );
    for (k, key) in ["beta", "beta_se"].iter().enumerate() {
        for (i, (g, w)) in f[key]
            .as_array()
            .unwrap()
            .iter()
            .zip(want[["beta", "beta_se"][k]].as_array().unwrap())
            .enumerate()
        {
            close(
                &what(&format!("{key}[{i}]")),
                g.as_f64().unwrap(),
                w.as_f64().unwrap(),
            );
        }
    }
    for (g, w) in [("loglike", "loglike"), ("aic", "AIC"), ("bic", "BIC")] {
        close(&what(g), f[g].as_f64().unwrap(), want[w].as_f64().unwrap());
    }
    let areas = got["areas"].as_array().unwrap();
    let by_name = |n: &str| {
        areas
            .iter()
            .find(|a| a["area"] == n)
            .unwrap_or_else(|| panic!("{n} missing"))
    };
    let mut compared = 0;
    for w in want["sampled"].as_array().unwrap() {
        let n = w["community"].as_str().unwrap();
        let a = by_name(n);
        close(
            &what(&format!("{n} eblup")),
            a["estimate"].as_f64().unwrap(),
            w["eblup"].as_f64().unwrap(),
        );
        close(
            &what(&format!("{n} mse")),
            a["mse"].as_f64().unwrap(),
            w["mse"].as_f64().unwrap(),
        );
        close(
            &what(&format!("{n} gamma")),
            a["gamma"].as_f64().unwrap(),
            w["gamma"].as_f64().unwrap(),
        );
        compared += 1;
    }
    for w in want["out_of_sample"].as_array().unwrap() {
        let n = w["community"].as_str().unwrap();
        let a = by_name(n);
        assert_eq!(a["gamma"], Value::Null, "{n} is out of sample");
        assert_eq!(a["synthetic"], true);
        close(
            &what(&format!("{n} synthetic")),
            a["estimate"].as_f64().unwrap(),
            w["synthetic"].as_f64().unwrap(),
        );
        close(
            &what(&format!("{n} synthetic mse")),
            a["mse"].as_f64().unwrap(),
            w["mse"].as_f64().unwrap(),
        );
        compared += 1;
    }
    assert_eq!(compared, 240, "every community");
    compared
}

#[test]
fn reml_ml_and_fh_equal_r_sae_where_the_area_variance_is_positive() {
    for (fit, method) in [("REML", "reml"), ("ML", "ml"), ("FH", "fh")] {
        check_fit("public_a", fit, method, 1000, 1e-12);
    }
    check_fit("public_a", "REML_default", "reml", 100, 1e-4);
}

#[test]
fn where_reml_truncates_the_variance_to_zero_every_estimate_is_synthetic() {
    for (fit, method) in [("REML", "reml"), ("ML", "ml"), ("FH", "fh")] {
        check_fit("public_zero", fit, method, 1000, 1e-12);
    }
    check_fit("public_zero", "REML_default", "reml", 100, 1e-4);
    let got = run("public_zero", "reml", 100, 1e-4);
    assert_eq!(got["fit"]["refvar"], 0.0);
    assert!(got["areas"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["synthetic"] == true));
}

/// The area table of a reference file, through the library.
fn areas(name: &str) -> (Vec<Area>, Vec<String>, Vec<f64>) {
    let mut rdr = csv::Reader::from_path(format!("{FIXTURES}/sae/{name}_areas.csv")).unwrap();
    let h: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    let c = |n: &str| h.iter().position(|x| x == n).unwrap();
    let mut areas = Vec::new();
    let (mut district, mut adults) = (Vec::new(), Vec::new());
    for r in rdr.records().map(Result::unwrap) {
        let num = |k: usize| r[k].parse::<f64>().ok();
        areas.push(Area {
            name: r[0].to_string(),
            direct: num(c("direct")),
            psi: num(c("psi")),
            x: vec![num(c("share60")).unwrap(), num(c("prior")).unwrap()],
        });
        district.push(r[c("district")].to_string());
        adults.push(num(c("adults")).unwrap());
    }
    (areas, district, adults)
}

#[test]
fn benchmarking_matches_r_district_by_district() {
    let want = expected("public_a");
    let (areas, district, adults) = areas("public_a");
    let names = vec!["share60".to_string(), "prior".to_string()];
    let control = FhControl {
        max_iterations: 1000,
        precision: 1e-12,
    };
    let (_, est) = sae::fay_herriot(&areas, &names, FhMethod::Reml, control).unwrap();
    let codes = ["D1", "D2", "D3", "D4", "D5", "D6"];
    let group: Vec<usize> = district
        .iter()
        .map(|d| codes.iter().position(|c| c == d).unwrap())
        .collect();
    let target: Vec<Option<f64>> = codes
        .iter()
        .map(|c| want["district_direct"][c].as_f64())
        .collect();
    let mut values: Vec<f64> = est.iter().map(|e| e.estimate).collect();
    let factor = sae::benchmark(&mut values, &group, &adults, &target);
    for (i, c) in codes.iter().enumerate() {
        close(
            &format!("factor {c}"),
            factor[i],
            want["benchmark"]["factor"][c].as_f64().unwrap(),
        );
    }
    for w in want["benchmark"]["estimates"].as_array().unwrap() {
        let i = est.iter().position(|e| e.area == w["community"]).unwrap();
        close(
            w["community"].as_str().unwrap(),
            values[i],
            w["benchmarked"].as_f64().unwrap(),
        );
    }
}

#[test]
fn a_failed_fit_says_why_in_words() {
    let (mut areas, _, _) = areas("public_a");
    let names = vec!["share60".to_string(), "prior".to_string()];
    // sae gives up at MAXITER, and so does minyi, naming the iterations.
    let e = sae::fay_herriot(
        &areas,
        &names,
        FhMethod::Reml,
        FhControl {
            max_iterations: 2,
            precision: 1e-12,
        },
    )
    .unwrap_err();
    assert_eq!(
        e,
        SaeError::NotConverged {
            method: "REML",
            iterations: 2
        }
    );
    assert!(e.to_string().contains("did not converge in 2 iterations"));
    // Shares that add up to 1 with the intercept: named.
    let two: Vec<Area> = areas
        .iter()
        .map(|a| Area {
            x: vec![a.x[0], 1.0 - a.x[0]],
            ..a.clone()
        })
        .collect();
    let e = sae::fay_herriot(
        &two,
        &["share60".into(), "share_under60".into()],
        FhMethod::Reml,
        FhControl::default(),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("`share_under60` is a linear combination of the intercept, `share60`"),
        "{e}"
    );
    // Too few areas for the covariates.
    let e =
        sae::fay_herriot(&areas[..3], &names, FhMethod::Reml, FhControl::default()).unwrap_err();
    assert!(matches!(e, SaeError::TooFewAreas { params: 3, .. }), "{e}");
    // A zero variance is refused, not trusted.
    areas[0].psi = Some(0.0);
    let e = sae::fay_herriot(&areas, &names, FhMethod::Reml, FhControl::default()).unwrap_err();
    assert_eq!(e, SaeError::BadVariance("D1-C001".into()));
}

#[test]
fn the_cli_names_a_missing_column_and_a_bad_cell() {
    let out = Command::new(env!("CARGO_BIN_EXE_minyi"))
        .args([
            "sae",
            "--areas",
            &format!("{FIXTURES}/sae/public_a_areas.csv"),
            "--direct",
            "rate",
            "--vardir",
            "psi",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no column `rate`") && err.contains("direct"),
        "{err}"
    );
}

#[test]
fn the_model_interval_stays_within_zero_and_one_and_holds_the_estimate() {
    for (p, mse) in [
        (0.999, 0.01),
        (0.02, 0.05),
        (0.5, 0.2),
        (0.97, 0.001),
        (0.8, 1e-6),
    ] {
        let (lo, hi) = sae::model_interval(p, mse, 0.95);
        assert!(
            0.0 <= lo && lo < p && p < hi && hi <= 1.0,
            "{p} {mse}: {lo}–{hi}"
        );
    }
    // A linear model past 100%: the interval still ends at or below 100%, and errs wide.
    let (lo, hi) = sae::model_interval(1.04, 0.001, 0.95);
    assert!(lo > 0.5 && lo < 0.97 && hi <= 1.0, "{lo}–{hi}");
    // Little information: wide, toward the middle.
    let (lo, hi) = sae::model_interval(0.98, 0.04, 0.95);
    assert!(lo < 0.7 && hi > 0.99, "{lo}–{hi}");
}

/// Through `minyi stats --by community --sae`: a community with three respondents, all
/// aware (p̂ = 100%), gets a model estimate below 100% with a wide interval, marked as
/// such beside its direct figure; a community nobody answered in gets the synthetic
/// estimate; the model's notes come with the figures.
#[test]
fn small_communities_get_honest_model_estimates_through_minyi_stats() {
    let dir = tempfile::tempdir().unwrap();
    let src = format!("{FIXTURES}/r/r_places.csv");
    let mut rdr = csv::Reader::from_path(&src).unwrap();
    let header = rdr.headers().unwrap().clone();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let (c_col, a_col, w_col) = (col("community"), col("aware_campaign"), col("wave"));
    let path = dir.path().join("responses.csv");
    let mut w = csv::Writer::from_path(&path).unwrap();
    w.write_record(&header).unwrap();
    let mut kept_small = 0;
    for r in rdr.records().map(Result::unwrap) {
        match &r[c_col] {
            // Nobody answered in d6-b.
            "d6-b" => continue,
            // Three respondents in d5-a in the wave estimated, all aware (D5's rate is
            // about 75%).
            "d5-a" if kept_small >= 3 || &r[a_col] != "1" || &r[w_col] != "2" => continue,
            "d5-a" => kept_small += 1,
            _ => {}
        }
        w.write_record(&r).unwrap();
    }
    w.flush().unwrap();
    assert_eq!(kept_small, 3);
    let out = Command::new(env!("CARGO_BIN_EXE_minyi"))
        .args([
            "stats",
            "--survey",
            &format!("{FIXTURES}/public_places.toml"),
            "--responses",
        ])
        .arg(&path)
        .args([
            "--by",
            "district,community",
            "--sae",
            "--weighting",
            "rake",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let est = |group: &str| {
        v["estimates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| {
                e["indicator"] == "aware_campaign"
                    && e["kind"] == "proportion"
                    && e["group"] == group
            })
            .unwrap_or_else(|| panic!("no estimate for {group}"))
            .clone()
    };
    let small = est("D5/d5-a");
    assert_eq!(small["n"], 3.0);
    assert_eq!(small["estimate"], 1.0, "the direct rate is 100%");
    assert_eq!(small["flag"], "suppress");
    let m = &small["model"];
    let (e, lo, hi) = (
        m["estimate"].as_f64().unwrap(),
        m["ci_low"].as_f64().unwrap(),
        m["ci_high"].as_f64().unwrap(),
    );
    assert!(e < 0.97, "the model pulls 3 of 3 toward the district: {e}");
    assert!(
        lo < e && e < hi && hi - lo > 0.15,
        "a wide interval: {lo}–{hi}"
    );
    assert!(
        m["gamma"].as_f64().unwrap() < 0.5,
        "three respondents weigh little"
    );
    let none = est("D6/d6-b");
    assert_eq!(none["n"], 0.0);
    assert_eq!(none["model"]["gamma"], Value::Null, "out of sample");
    assert_eq!(none["model"]["synthetic"], true);
    // A large community keeps close to its own figure.
    let big = est("D1/d1-a");
    assert!(big["model"]["gamma"].as_f64().unwrap() > 0.5);
    assert!(
        (big["model"]["estimate"].as_f64().unwrap() - big["estimate"].as_f64().unwrap()).abs()
            < 0.03
    );
    // What the model is, per indicator.
    let fit = v["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["indicator"] == "aware_campaign")
        .unwrap();
    assert_eq!(fit["fit"]["method"], "reml");
    assert_eq!(fit["benchmark"].as_array().unwrap().len(), 6);
    // The table marks model estimates as such.
    let out = Command::new(env!("CARGO_BIN_EXE_minyi"))
        .args([
            "stats",
            "--survey",
            &format!("{FIXTURES}/public_places.toml"),
            "--responses",
        ])
        .arg(&path)
        .args(["--by", "district,community", "--sae", "--weighting", "rake"])
        .output()
        .unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("模型估计") && table.contains("无样本，回归合成"),
        "{table}"
    );
    // Without --by community, --sae says what it needs.
    let out = Command::new(env!("CARGO_BIN_EXE_minyi"))
        .args([
            "stats",
            "--survey",
            &format!("{FIXTURES}/public_places.toml"),
            "--responses",
        ])
        .arg(&path)
        .args(["--sae"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("add --by community"));
}
