//! minyi's statistics against R's `survey` package.
//!
//! Each data set comes with R's results in one JSON file of the same shape:
//! - `tests/fixtures/reference/` — the project's reference data (public_small, public_medium),
//!   computed with R 4.2.2 / survey 4.1-1;
//! - `tests/fixtures/r/` — data sets made by `tests/r/make_fixtures.R` (small districts, a
//!   rate near 100%, missing answers, a skewed sample, estimates by community of residence
//!   on a raked design), with that script's output.
//!
//! Tolerances (relative): weights and point estimates 1e-9; standard errors, design
//! effects and interval bounds 1e-6.

use serde_json::Value;
use std::path::Path;

use crate::common::FIXTURES;
use minyi::definition::Survey;
use minyi::stats::{self, Estimate, EstimateKind, Method, Options, Weighting};

fn survey() -> Survey {
    minyi::definition::load_file(Path::new(&format!("{FIXTURES}/public.toml"))).unwrap()
}

fn data(s: &Survey, csv: &str) -> stats::Dataset {
    let f = std::fs::File::open(csv).unwrap();
    minyi::dataset::read_csv(s, csv, f).unwrap()
}

fn rel(a: f64, b: f64) -> f64 {
    if a == b {
        0.0
    } else {
        (a - b).abs() / b.abs().max(1e-300)
    }
}

#[track_caller]
fn close(what: &str, got: f64, want: f64, tol: f64) {
    // Values that are zero up to rounding (an SE of 1e-33 at 100%) compare absolutely.
    assert!(
        rel(got, want) <= tol || (got - want).abs() < 1e-15,
        "{what}: got {got:.15e}, R {want:.15e} (rel {:.2e} > {tol:e})",
        rel(got, want)
    );
}

fn options(design: &str, method: Method, level: f64) -> Options {
    let (weighting, trim) = match design {
        "base" => (Weighting::Base, None),
        "poststrat" => (Weighting::Poststrat, None),
        "raked" => (Weighting::Rake, None),
        "raked_trimmed" => (Weighting::Rake, Some((0.4, 2.5))),
        "unweighted_srs" => (Weighting::None, None),
        other => panic!("unknown design {other}"),
    };
    Options {
        weighting,
        trim,
        method,
        level,
        ..Options::default()
    }
}

/// The estimate R calls `name` (`satisfied` is the rate of satisfaction ≥ 4).
fn find<'a>(est: &'a [Estimate], name: &str, kind: &str, group: &str) -> &'a Estimate {
    let (ind, kind) = match (name, kind) {
        ("satisfied", _) => ("satisfaction", EstimateKind::Proportion),
        (n, "mean") => (n, EstimateKind::Mean),
        (n, _) => (n, EstimateKind::Proportion),
    };
    est.iter()
        .find(|e| e.indicator == ind && e.kind == kind && e.group == group)
        .unwrap_or_else(|| panic!("no estimate {ind} {kind:?} {group}"))
}

/// Checks one data set against its R results; returns the number of figures compared.
fn check_dataset(csv: &str, expected: &str, weights: Option<&str>) -> usize {
    check_dataset_with(survey(), csv, expected, weights)
}

fn check_dataset_with(s: Survey, csv: &str, expected: &str, weights: Option<&str>) -> usize {
    let d = data(&s, csv);
    let census = stats::Census::from_survey(&s).unwrap();
    let exp: Value = serde_json::from_str(&std::fs::read_to_string(expected).unwrap()).unwrap();
    let mut compared = 0;

    // Designs R refused must be refused here, naming the empty cell.
    if let Some(errors) = exp["errors"].as_object() {
        for (design, msg) in errors {
            assert!(
                msg.as_str().unwrap().contains("absent from sample"),
                "{msg}"
            );
            let err = stats::analyse(&s, &d, Some(&census), &options(design, Method::Logit, 0.95))
                .unwrap_err();
            assert!(
                matches!(err, stats::StatsError::EmptyCells { .. }),
                "{design}: {err}"
            );
            assert!(
                err.to_string()
                    .contains("no respondents in 1 census cell(s)")
                    && err.to_string().contains("district D6 (25 respondents"),
                "{err}"
            );
        }
    }

    // Weights, row by row.
    if let Some(wfile) = weights {
        let mut rdr = csv::Reader::from_path(wfile).unwrap();
        let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
        let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
        for (k, design) in header.iter().enumerate().skip(1) {
            let (des, cells) =
                stats::build_design(&s, &d, Some(&census), &options(design, Method::Logit, 0.95))
                    .unwrap();
            for (i, row) in rows.iter().enumerate() {
                let want: f64 = row[k].parse().unwrap();
                close(
                    &format!("{csv} {design} weight of row {}", i + 1),
                    des.weight[cells[i] as usize],
                    want,
                    1e-9,
                );
                compared += 1;
            }
        }
    }

    for (design, body) in exp["designs"].as_object().unwrap() {
        let estimates = body["estimates"].as_array().unwrap();
        if design == "unweighted_srs" {
            for (m, key) in [
                (Method::Wilson, "wilson"),
                (Method::ClopperPearson, "clopper_pearson"),
            ] {
                let r = stats::analyse(&s, &d, Some(&census), &options(design, m, 0.95)).unwrap();
                for e in estimates {
                    let got = find(
                        &r.estimates,
                        e["indicator"].as_str().unwrap(),
                        "proportion",
                        e["group"].as_str().unwrap(),
                    );
                    let what = format!("{csv} {design} {} {} {key}", e["indicator"], e["group"]);
                    assert_eq!(got.n, e["n"].as_f64().unwrap(), "{what} n");
                    close(
                        &format!("{what} estimate"),
                        got.estimate,
                        e["estimate"].as_f64().unwrap(),
                        1e-9,
                    );
                    close(
                        &format!("{what} low"),
                        got.ci_low.unwrap(),
                        e[key][0].as_f64().unwrap(),
                        1e-6,
                    );
                    close(
                        &format!("{what} high"),
                        got.ci_high.unwrap(),
                        e[key][1].as_f64().unwrap(),
                        1e-6,
                    );
                    compared += 3;
                }
            }
            continue;
        }
        let methods = [
            (Method::Logit, 0.95, "logit"),
            (Method::Xlogit, 0.95, "xlogit"),
            (Method::Beta, 0.95, "beta"),
            (Method::Mean, 0.95, "mean"),
            (Method::Asin, 0.95, "asin"),
            (Method::Likelihood, 0.95, "likelihood"),
            (Method::Logit, 0.90, "logit90"),
        ];
        for (m, level, key) in methods {
            let r = stats::analyse(&s, &d, Some(&census), &options(design, m, level)).unwrap();
            if let Some(rk) = &r.raking {
                assert!(rk.converged, "{csv} {design}: raking converged");
            }
            for e in estimates {
                let (name, kind, group) = (
                    e["indicator"].as_str().unwrap(),
                    e["kind"].as_str().unwrap(),
                    e["group"].as_str().unwrap(),
                );
                let got = find(&r.estimates, name, kind, group);
                let what = format!("{csv} {design} {name} {kind} {group}");
                assert_eq!(got.n, e["n"].as_f64().unwrap(), "{what} n");
                assert_eq!(got.df, e["df"].as_f64().unwrap(), "{what} df");
                close(
                    &format!("{what} weighted total"),
                    got.weighted_total,
                    e["weighted_total"].as_f64().unwrap(),
                    1e-9,
                );
                close(
                    &format!("{what} estimate"),
                    got.estimate,
                    e["estimate"].as_f64().unwrap(),
                    1e-9,
                );
                close(
                    &format!("{what} se"),
                    got.se,
                    e["se"].as_f64().unwrap(),
                    1e-6,
                );
                // At 0% or 100% the design effect is 0/0 (R prints rounding noise).
                let degenerate =
                    kind == "proportion" && (got.estimate == 0.0 || got.estimate == 1.0);
                if let (Some(deff), false) = (e["deff"].as_f64(), degenerate) {
                    close(&format!("{what} deff"), got.deff, deff, 1e-6);
                }
                compared += 3;
                let mut ci = if kind == "mean" {
                    &e["ci"]["t"]
                } else {
                    &e["ci"][key]
                };
                if kind == "mean" && level != 0.95 {
                    continue;
                }
                if kind == "proportion" && (got.estimate == 0.0 || got.estimate == 1.0) {
                    // At 0% or 100% R's GLM returns a zero-width interval for logit and
                    // likelihood; minyi says there is no logit-scale interval instead.
                    if matches!(
                        m,
                        Method::Logit | Method::Xlogit | Method::Likelihood | Method::Asin
                    ) {
                        assert_eq!((got.ci_low, got.ci_high), (None, None), "{what} {key}");
                        continue;
                    }
                    if m == Method::Beta {
                        // R: zero-width or missing; minyi: Clopper–Pearson on the respondents.
                        let edge = (0.025f64).powf(1.0 / got.n);
                        let want = if got.estimate == 1.0 {
                            (edge, 1.0)
                        } else {
                            (0.0, 1.0 - edge)
                        };
                        close(
                            &format!("{what} beta low"),
                            got.ci_low.unwrap(),
                            want.0,
                            1e-9,
                        );
                        close(
                            &format!("{what} beta high"),
                            got.ci_high.unwrap(),
                            want.1,
                            1e-9,
                        );
                        continue;
                    }
                }
                if ci[0].is_null()
                    && matches!(key, "logit" | "logit90" | "likelihood")
                    && e["ci"]["xlogit"][0].is_number()
                {
                    // svyglm fails on some post-stratified district subsets (cells whose
                    // rows all have weight zero there), so R has no GLM-based interval.
                    // The logit interval equals xlogit, which R still computes.
                    if key != "logit" {
                        continue;
                    }
                    ci = &e["ci"]["xlogit"];
                }
                match (ci[0].as_f64(), got.ci_low, got.ci_high) {
                    (Some(lo), Some(gl), Some(gh)) => {
                        close(&format!("{what} {key} low"), gl, lo, 1e-6);
                        close(
                            &format!("{what} {key} high"),
                            gh,
                            ci[1].as_f64().unwrap(),
                            1e-6,
                        );
                        compared += 2;
                    }
                    // R has no interval (p = 0 or 1 on a logit scale): neither do we.
                    (None, None, None) => {}
                    other => panic!("{what} {key}: R {ci}, minyi {other:?}"),
                }
            }
        }
        // Totals by district.
        if let Some(by) = body["weights_sum_by_district"].as_object() {
            let (des, _) =
                stats::build_design(&s, &d, Some(&census), &options(design, Method::Logit, 0.95))
                    .unwrap();
            for (code, want) in by {
                let di = s.districts.iter().position(|x| &x.code == code).unwrap();
                let got: f64 = (0..des.layout.n_cells())
                    .filter(|&c| des.layout.district_of(c) == di)
                    .map(|c| des.cell_total(c))
                    .sum();
                close(
                    &format!("{csv} {design} total weight of {code}"),
                    got,
                    want.as_f64().unwrap(),
                    1e-9,
                );
            }
        }
    }

    // Wave 2 − wave 1 of `satisfied` on the raked design (R: svyglm(satisfied ~ factor(wave))).
    if let Some(c) = exp.get("wave_contrast_raked").filter(|c| c.is_object()) {
        let opts = options("raked", Method::Logit, 0.95);
        let dv = stats::domain_var(&s, &d, "wave").unwrap();
        let diffs = stats::compare(&s, &d, Some(&census), &opts, &dv, 0, 1).unwrap();
        let got = diffs
            .iter()
            .find(|x| x.indicator == "satisfaction" && x.kind == EstimateKind::Proportion)
            .unwrap();
        close("wave 1", got.estimate_a, c["wave1"].as_f64().unwrap(), 1e-9);
        close("wave 2", got.estimate_b, c["wave2"].as_f64().unwrap(), 1e-9);
        close(
            "difference",
            got.difference,
            c["difference"].as_f64().unwrap(),
            1e-9,
        );
        close("difference se", got.se, c["se"].as_f64().unwrap(), 1e-6);
        assert_eq!(got.df, c["df"].as_f64().unwrap());
        compared += 4;
    }

    // The comparison minyi makes of waves everywhere: independent samples, each wave
    // raked on its own (R: svymean per wave, se = √(se1² + se2²), df = min degf).
    if let Some(c) = exp
        .get("wave_contrast_independent")
        .filter(|c| c.is_object())
    {
        let opts = options("raked", Method::Logit, 0.95);
        let diffs = stats::compare_waves(&s, &d, Some(&census), &opts, "1", "2").unwrap();
        let got = diffs
            .iter()
            .find(|x| {
                x.indicator == "satisfaction"
                    && x.kind == EstimateKind::Proportion
                    && x.domain == "wave"
            })
            .unwrap();
        close(
            "wave 1 alone",
            got.estimate_a,
            c["wave1"].as_f64().unwrap(),
            1e-9,
        );
        close(
            "wave 2 alone",
            got.estimate_b,
            c["wave2"].as_f64().unwrap(),
            1e-9,
        );
        close(
            "independent difference",
            got.difference,
            c["difference"].as_f64().unwrap(),
            1e-9,
        );
        close("independent se", got.se, c["se"].as_f64().unwrap(), 1e-6);
        close(
            "independent p",
            got.p_value,
            c["p_value"].as_f64().unwrap(),
            1e-6,
        );
        assert_eq!(got.df, c["df"].as_f64().unwrap());
        compared += 5;
    }
    compared
}

#[test]
fn reference_public_small() {
    let dir = format!("{FIXTURES}/reference");
    let n = check_dataset(
        &format!("{dir}/public_small.csv"),
        &format!("{dir}/expected_public_small.json"),
        Some(&format!("{dir}/weights_public_small.csv")),
    );
    assert!(n > 3000, "{n} figures compared");
}

#[test]
fn reference_public_medium() {
    let dir = format!("{FIXTURES}/reference");
    let n = check_dataset(
        &format!("{dir}/public_medium.csv"),
        &format!("{dir}/expected_public_medium.json"),
        Some(&format!("{dir}/weights_public_medium.csv")),
    );
    assert!(n > 80_000, "{n} figures compared");
}

fn check_r(name: &str) -> usize {
    let dir = format!("{FIXTURES}/r");
    check_dataset(
        &format!("{dir}/{name}.csv"),
        &format!("{dir}/expected_{name}.json"),
        Some(&format!("{dir}/weights_{name}.csv")),
    )
}

/// Respondents clustered in PSUs within the district strata (`[weighting] cluster`),
/// one district with a single PSU: every design and interval method as R's
/// `svydesign(ids = ~psu, strata = ~district, …)` with `survey.lonely.psu = "remove"`.
#[test]
fn r_clustered_design_with_a_lonely_psu() {
    let s = minyi::definition::load_file(Path::new(&format!("{FIXTURES}/public_clustered.toml")))
        .unwrap();
    let dir = format!("{FIXTURES}/r");
    let n = check_dataset_with(
        s,
        &format!("{dir}/r_clustered.csv"),
        &format!("{dir}/expected_r_clustered.json"),
        Some(&format!("{dir}/weights_r_clustered.csv")),
    );
    assert!(n > 5000, "{n}");
}

/// A household probability sample (communities PPS within districts, households at
/// random, one adult each, a quarter not responding), each respondent with a design
/// weight: every design and interval method as R's `svydesign(ids = ~psu, strata =
/// ~district, weights = ~design_weight)`, post-stratified, raked and trimmed on top.
#[test]
fn r_household_sample_with_design_weights() {
    let s = minyi::definition::load_file(Path::new(&format!("{FIXTURES}/public_household.toml")))
        .unwrap();
    let dir = format!("{FIXTURES}/r");
    let n = check_dataset_with(
        s,
        &format!("{dir}/r_household.csv"),
        &format!("{dir}/expected_r_household.json"),
        Some(&format!("{dir}/weights_r_household.csv")),
    );
    assert!(n > 5000, "{n}");
}

/// The household sample's design weights as minyi computes them from every drawn
/// household's outcome (π of the community and of the household, the adults, the
/// nonresponse adjustment within each community with e estimated per wave) equal
/// those the R script computed, respondent by respondent.
#[test]
fn household_design_weights_equal_r_row_by_row() {
    use minyi::sampling::weights::{design_weights, Case, Outcome};
    let dir = format!("{FIXTURES}/r");
    let mut want = std::collections::HashMap::new();
    for r in csv::Reader::from_path(format!("{dir}/r_household.csv"))
        .unwrap()
        .deserialize::<std::collections::HashMap<String, String>>()
    {
        let r = r.unwrap();
        want.insert(r["id"].clone(), r["design_weight"].parse::<f64>().unwrap());
    }
    let mut compared = 0;
    for wave in ["1", "2"] {
        let rows: Vec<std::collections::HashMap<String, String>> =
            csv::Reader::from_path(format!("{dir}/r_household_cases.csv"))
                .unwrap()
                .deserialize()
                .map(Result::unwrap)
                .filter(|r: &std::collections::HashMap<String, String>| r["wave"] == wave)
                .collect();
        let num = |r: &std::collections::HashMap<String, String>, k: &str| -> f64 {
            r[k].parse().unwrap()
        };
        let cases: Vec<Case> = rows
            .iter()
            .map(|r| Case {
                district: r["district"].clone(),
                community: r["psu"].clone(),
                household_weight: 1.0 / (num(r, "pi_c") * num(r, "pi_h")),
                outcome: match r["outcome"].as_str() {
                    "R" => Outcome::Respondent,
                    "E" => Outcome::EligibleNonrespondent,
                    "U" => Outcome::Unknown,
                    _ => Outcome::NotEligible,
                },
                selection: if r["outcome"] == "R" {
                    1.0 / num(r, "adults")
                } else {
                    1.0
                },
            })
            .collect();
        let w = design_weights(&cases, None);
        assert!(w.pooled.is_empty());
        for (r, got) in rows.iter().zip(&w.weights) {
            if let Some(got) = got {
                close(
                    &format!("design weight of respondent {}", r["id"]),
                    *got,
                    want[&r["id"]],
                    1e-12,
                );
                compared += 1;
            }
        }
    }
    assert_eq!(compared, want.len());
}

#[test]
fn r_small_districts() {
    assert!(check_r("r_small_districts") > 5000);
}

#[test]
fn r_rates_near_one() {
    assert!(check_r("r_near_one") > 5000);
}

#[test]
fn r_skewed_sample_with_missing_answers() {
    assert!(check_r("r_skewed") > 10_000);
}

/// `--by community` (where residents live) on the raked design equals R's
/// `svyby(~y, ~community, subset(raked, !is.na(y)), svyciprop, method = "logit")`.
#[test]
fn r_by_community_of_residence_on_a_raked_design() {
    let s =
        minyi::definition::load_file(Path::new(&format!("{FIXTURES}/public_places.toml"))).unwrap();
    let d = data(&s, &format!("{FIXTURES}/r/r_places.csv"));
    let census = stats::Census::from_survey(&s).unwrap();
    // Raked to convergence, as the fixture was (see make_fixtures.R).
    let opts = Options {
        by: vec!["community".into()],
        rake: stats::RakeControl {
            max_iterations: 2000,
            epsilon: 1e-13,
        },
        ..options("raked", Method::Logit, 0.95)
    };
    // The same weights, row by row.
    let (des, cells) = stats::build_design(&s, &d, Some(&census), &opts).unwrap();
    let mut rdr = csv::Reader::from_path(format!("{FIXTURES}/r/weights_r_places.csv")).unwrap();
    for (i, row) in rdr.records().map(Result::unwrap).enumerate() {
        let want: f64 = row[1].parse().unwrap();
        close(
            &format!("weight of row {}", i + 1),
            des.weight[cells[i] as usize],
            want,
            1e-9,
        );
    }
    let r = stats::analyse(&s, &d, Some(&census), &opts).unwrap();
    let want: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{FIXTURES}/r/expected_r_places.json")).unwrap(),
    )
    .unwrap();
    let mut compared = 0;
    for w in want["estimates"].as_array().unwrap() {
        let (ind, group) = (
            w["indicator"].as_str().unwrap(),
            w["group"].as_str().unwrap(),
        );
        let e = r
            .estimates
            .iter()
            .find(|e| {
                e.domain == "community"
                    && e.indicator == ind
                    && e.group == group
                    && e.kind == EstimateKind::Proportion
            })
            .unwrap_or_else(|| panic!("no estimate {ind} {group}"));
        let what = format!("{ind} {group}");
        assert_eq!(e.n, w["n"].as_f64().unwrap(), "{what}: n");
        close(
            &format!("{what} estimate"),
            e.estimate,
            w["estimate"].as_f64().unwrap(),
            1e-9,
        );
        close(&format!("{what} se"), e.se, w["se"].as_f64().unwrap(), 1e-6);
        close(
            &format!("{what} ci_low"),
            e.ci_low.unwrap(),
            w["ci_low"].as_f64().unwrap(),
            1e-6,
        );
        close(
            &format!("{what} ci_high"),
            e.ci_high.unwrap(),
            w["ci_high"].as_f64().unwrap(),
            1e-6,
        );
        compared += 1;
    }
    assert_eq!(compared, 72, "4 indicators × 18 communities");
}

/// The interviewer check's weighted means (stats::groups) against R's svymean on a
/// stratified design, a lonely stratum removed (`tests/r/make_groups_fixture.R`).
#[test]
fn interviewer_check_means_equal_r() {
    let text = std::fs::read_to_string(format!("{FIXTURES}/r/groups.json")).unwrap();
    let j: Value = serde_json::from_str(&text).unwrap();
    let obs = |rows: &Value| -> Vec<stats::groups::Obs> {
        rows.as_array()
            .unwrap()
            .iter()
            .map(|r| stats::groups::Obs {
                stratum: r["stratum"].as_u64().unwrap() as usize,
                weight: r["weight"].as_f64().unwrap(),
                y: r["y"].as_f64().unwrap(),
            })
            .collect()
    };
    let h = stats::groups::higher(&obs(&j["a"]), &obs(&j["b"])).unwrap();
    let r = &j["r"];
    for (m, g) in [(h.a, &r["a"]), (h.b, &r["b"])] {
        assert!(rel(m.estimate, g["estimate"].as_f64().unwrap()) < 1e-9);
        assert!(
            rel(m.se, g["se"].as_f64().unwrap()) < 1e-6,
            "{} vs {}",
            m.se,
            g["se"]
        );
        assert_eq!(m.n as u64, g["n"].as_u64().unwrap());
    }
    assert!(rel(h.difference, r["difference"].as_f64().unwrap()) < 1e-9);
    assert!(rel(h.se, r["se"].as_f64().unwrap()) < 1e-6);
}
