//! `minyi stats` and `minyi plan` as a user runs them.

use serde_json::Value;
use std::process::Command;

use crate::common::FIXTURES;

fn minyi(args: &[&str]) -> (bool, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_minyi"))
        .args(args)
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into(),
        String::from_utf8_lossy(&o.stderr).into(),
    )
}

fn public(args: &[&str]) -> (bool, String, String) {
    let survey = format!("{FIXTURES}/public.toml");
    let responses = format!("{FIXTURES}/reference/public_small.csv");
    let mut all = vec!["stats", "--survey", &survey, "--responses", &responses];
    all.extend_from_slice(args);
    minyi(&all)
}

#[test]
fn json_has_the_documented_keys() {
    // R's figures pool the file's two waves, so this asks for them pooled.
    let (ok, out, err) = public(&[
        "--weighting",
        "rake",
        "--trim",
        "0.4,2.5",
        "--format",
        "json",
        "--wave",
        "all",
    ]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["weighting"], "rake");
    assert_eq!(v["method"], "logit");
    assert_eq!(v["level"], 0.95);
    assert_eq!(v["raking"]["converged"], true);
    assert_eq!(v["wave"]["wave"], "all");
    assert_eq!(v["wave"]["pooled"], serde_json::json!(["1", "2"]));
    // Every output says how the figures were collected (this file has no channel column).
    assert_eq!(v["collection"], "自填问卷（收集方式未记录）");
    let e = &v["estimates"][0];
    for k in [
        "indicator",
        "kind",
        "domain",
        "group",
        "n",
        "weighted_total",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "deff",
        "n_eff",
        "df",
        "flag",
    ] {
        assert!(e.get(k).is_some(), "missing key {k}");
    }
    assert_eq!(e["group"], "ALL");
    let groups: Vec<&str> = v["estimates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["indicator"] == "aware_campaign" && e["kind"] == "proportion")
        .map(|e| e["group"].as_str().unwrap())
        .collect();
    assert_eq!(groups, ["ALL", "D1", "D2", "D3", "D4", "D5", "D6"]);
    // Raked to R's figure (expected_public_small.json, raked_trimmed, aware_campaign ALL).
    assert!((v["estimates"][0]["estimate"].as_f64().unwrap() - 0.900089513953898).abs() < 1e-12);
}

#[test]
fn table_is_for_people() {
    let (ok, out, err) = public(&["--format", "table"]);
    assert!(ok, "{err}");
    assert!(out.contains("参考数据 — 加权 rake"), "{out}");
    assert!(out.contains("全市"));
    assert!(out.contains("一区"));
    assert!(out.contains('%'));
    let (_, en, _) = public(&["--format", "table", "--lang", "en"]);
    assert!(en.contains("District 1") && en.contains("City"));
}

#[test]
fn csv_output_and_other_domains() {
    let (ok, out, err) = public(&[
        "--format",
        "csv",
        "--by",
        "district,age_band",
        "--weighting",
        "base",
        "--method",
        "beta",
    ]);
    assert!(ok, "{err}");
    let mut lines = out.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("indicator,kind,dimension,domain,group,n,"));
    assert!(out.contains(",age_band,60+,"));
    assert!(out.contains(",base,beta,0.95"));
}

#[test]
fn poststratification_with_an_empty_cell_is_refused_clearly() {
    let (ok, _, err) = public(&["--weighting", "poststrat", "--wave", "all"]);
    assert!(!ok);
    assert!(err.contains("district D6 (25 respondents"), "{err}");
    assert!(
        err.contains("collapse") || err.contains("use --weighting rake"),
        "{err}"
    );
}

#[test]
fn bad_cells_are_listed_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.csv");
    std::fs::write(&f, "district,age_band,sex,aware_campaign,satisfaction\nD1,18-29,M,1,4\nD9,18-29,M,1,4\nD2,18-29,X,1,7\n").unwrap();
    let (ok, _, err) = minyi(&[
        "stats",
        "--survey",
        &format!("{FIXTURES}/public.toml"),
        "--responses",
        f.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(
        err.contains("bad.csv:3: column `district`: `D9` is not a district"),
        "{err}"
    );
    assert!(
        err.contains("bad.csv:4: column `sex`: `X` is not an option code; use one of: M, F"),
        "{err}"
    );
    assert!(
        err.contains("bad.csv:4: column `satisfaction`: `7` is not an option code"),
        "{err}"
    );
}

#[test]
fn wave_comparison() {
    let (ok, out, err) = public(&["--format", "json", "--compare", "wave=1,2"]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let d = v["differences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["indicator"] == "satisfaction" && d["kind"] == "proportion")
        .unwrap();
    // Waves are independent samples, each raked on its own. R: per wave,
    // svymean(~satisfied, subset(rake(…), !is.na(satisfied))); the difference of the two,
    // se = sqrt(se1^2 + se2^2), p = 2 pt(-|d/se|, min(degf)) = (285).
    assert_eq!(d["domain"], "wave");
    assert!((d["difference"].as_f64().unwrap() - 0.00122815284277467).abs() < 1e-9);
    assert!((d["se"].as_f64().unwrap() - 0.041711575069576).abs() < 1e-8);
    assert!((d["p_value"].as_f64().unwrap() - 0.976531141720477).abs() < 1e-6);
    assert_eq!(d["df"], 285.0);
    let (ok, _, err) = public(&["--compare", "wave=1,3"]);
    assert!(
        !ok && err.contains("has no group `3`; it has 1, 2"),
        "{err}"
    );
}

#[test]
fn flags_follow_the_thresholds() {
    let (ok, out, _) = public(&[
        "--format",
        "json",
        "--suppress-below",
        "30",
        "--directional-below",
        "100",
    ]);
    assert!(ok);
    let v: Value = serde_json::from_str(&out).unwrap();
    // Every estimate on the side of each threshold it falls on; and the data reach
    // all three sides, so no case passes for want of an estimate.
    let (mut suppressed, mut directional, mut published) = (0, 0, 0);
    for e in v["estimates"].as_array().unwrap() {
        let n_eff = e["n_eff"].as_f64().unwrap();
        let flag = e["flag"].as_str().unwrap();
        if n_eff < 30.0 {
            assert_eq!(flag, "suppress", "{e}");
            suppressed += 1;
        } else if n_eff < 100.0 {
            assert_eq!(flag, "directional", "{e}");
            directional += 1;
        } else {
            // Past both sizes a figure is published, unless its coefficient of
            // variation is too high (then directional, never suppressed).
            assert_ne!(flag, "suppress", "{e}");
            let (se, est) = (e["se"].as_f64().unwrap(), e["estimate"].as_f64().unwrap());
            let base = if e["kind"] == "proportion" {
                est.min(1.0 - est)
            } else {
                est.abs()
            };
            if flag == "ok" {
                assert!(se <= 0.0 || se / base <= 0.3 + 1e-12, "{e}");
                published += 1;
            }
        }
    }
    assert!(
        suppressed > 0 && directional > 0 && published > 0,
        "the fixture reaches every side: {suppressed} suppressed, {directional} directional, {published} published"
    );
}

#[test]
fn plan_prints_the_sample_size() {
    // n0 = 1.96² · 0.9 · 0.1 / 0.03² = 384.1 → × 1.5 = 576.2 → 577 (as in the domain notes).
    let (ok, out, _) = minyi(&["plan", "--rate", "0.9", "--moe", "0.03", "--deff", "1.5"]);
    assert!(ok);
    assert!(out.contains(": 577 respondents per district"), "{out}");
    let (ok, out, _) = minyi(&[
        "plan",
        "--rate",
        "0.5",
        "--moe",
        "0.05",
        "--deff",
        "1",
        "--survey",
        &format!("{FIXTURES}/public.toml"),
    ]);
    assert!(ok);
    assert!(out.contains("385 respondents per district"), "{out}");
    assert!(out.contains("D6"), "{out}");
    let (ok, _, err) = minyi(&["plan", "--rate", "1.5", "--moe", "0.03"]);
    assert!(!ok && err.contains("0 < rate < 1"));
}

#[test]
fn synth_then_report_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("synthetic.csv");
    let survey = format!("{}/civility-2026.toml", crate::common::SURVEYS);
    let (ok, out, err) = minyi(&[
        "synth",
        "--survey",
        &survey,
        "--rows-per-wave",
        "800",
        "--out",
        csv.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("wrote 1600 synthetic responses"));
    let pack = dir.path().join("pack");
    let (ok, out, err) = minyi(&[
        "report",
        "--survey",
        &survey,
        "--responses",
        csv.to_str().unwrap(),
        "--wave",
        "1",
        "--out",
        pack.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("wave 1 (800 responses)"), "{out}");
    assert!(pack.join("report.html").exists() && pack.join("briefing.xlsx").exists());
    // Wave 1 has no earlier wave: no trend charts, no changes (later waves are ignored).
    assert!(!pack.join("trend_satisfaction.png").exists());
    assert!(!std::fs::read_to_string(pack.join("report.html"))
        .unwrap()
        .contains("较上一轮"));
    let (ok, _, err) = minyi(&[
        "report",
        "--survey",
        &survey,
        "--responses",
        csv.to_str().unwrap(),
        "--wave",
        "9",
        "--out",
        pack.to_str().unwrap(),
    ]);
    assert!(
        !ok && err.contains("wave 9 has no responses; the data have waves 1, 2"),
        "{err}"
    );
}

#[test]
fn mode_filters_and_splits_the_estimates() {
    let app = crate::common::TestApp::new();
    let s = app.survey("civility-2026");
    minyi::demo::run(&app.store, &s, 400, 9).unwrap();
    let rows = app.rows("civility-2026");
    let csv = app.dir.path().join("export.csv");
    minyi::export::write_csv(&s, &rows, std::fs::File::create(&csv).unwrap()).unwrap();
    // Interviews outside the drawn household sample: the convenience sample's (the
    // household sample is estimated on its own, `--sample household`).
    let interviews = rows
        .iter()
        .filter(|r| {
            ["phone", "household"].contains(&r.channel.as_str())
                && r.quality_flags.is_empty()
                && r.household_id.is_none()
        })
        .count();
    assert!(interviews > 10);
    let survey = s.source.display().to_string();
    let csv = csv.display().to_string();
    let base = [
        "stats",
        "--survey",
        &survey,
        "--responses",
        &csv,
        "--weighting",
        "base",
        "--wave",
        "all",
    ];
    let run = |extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend_from_slice(extra);
        minyi(&a)
    };
    let (ok, out, err) = run(&["--mode", "phone,household", "--format", "json"]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["respondents"].as_u64().unwrap() as usize, interviews);
    assert!(v["collection"].as_str().unwrap().contains("电话访问"));
    let (ok, out, err) = run(&["--by", "channel", "--format", "json"]);
    assert!(ok, "{err}");
    assert!(out.contains("\"group\": \"household\"") || out.contains("\"group\":\"household\""));
    let (ok, _, err) = run(&["--mode", "fax"]);
    assert!(
        !ok && err.contains("--mode fax: use qr, link, api, phone or household"),
        "{err}"
    );
}

#[test]
fn one_wave_at_a_time_unless_pooled_on_purpose() {
    let count = |w: &str| {
        std::fs::read_to_string(format!("{FIXTURES}/reference/public_small.csv"))
            .unwrap()
            .lines()
            .skip(1)
            .filter(|l| l.split(',').nth(4) == Some(w))
            .count() as u64
    };
    // The default is the latest wave, and every output names it.
    let (ok, out, err) = public(&["--format", "json"]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["wave"]["wave"], "2");
    assert_eq!(v["respondents"].as_u64().unwrap(), count("2"));
    let (_, table, _) = public(&[]);
    assert!(table.lines().nth(1).unwrap().contains("第2轮"), "{table}");
    let (_, csv, _) = public(&["--format", "csv"]);
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "wave").unwrap();
    assert!(csv
        .lines()
        .skip(1)
        .all(|l| l.split(',').nth(col) == Some("2")));
    // One wave by number; all of them pooled, said so.
    let (_, out, _) = public(&["--format", "json", "--wave", "1"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["respondents"].as_u64().unwrap(), count("1"));
    let (_, table, _) = public(&["--wave", "all", "--lang", "en"]);
    assert!(table.contains("all waves pooled (1, 2)"), "{table}");
    assert!(table.contains(&format!("respondents {}", count("1") + count("2"))));
    let (ok, _, err) = public(&["--wave", "3"]);
    assert!(
        !ok && err.contains("--wave 3:") && err.contains("has waves 1, 2"),
        "{err}"
    );
}

#[test]
fn every_empty_census_cell_is_named_with_its_district() {
    // Nine empty cells: nobody aged 18-29 in D1, D2, D3 (six cells, both sexes), no
    // women of 60+ in D4 and D5, and (as in the reference file) no women of 18-29 in D6.
    let all = std::fs::read_to_string(format!("{FIXTURES}/reference/public_small.csv")).unwrap();
    let mut kept = Vec::new();
    for (i, line) in all.lines().enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        let young = ["D1", "D2", "D3"].contains(&f[1]) && f[2] == "18-29";
        let old_women = ["D4", "D5"].contains(&f[1]) && f[2] == "60+" && f[3] == "F";
        if i == 0 || !(young || old_women) {
            kept.push(line);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("nine.csv");
    std::fs::write(&csv, kept.join("\n")).unwrap();
    let survey = format!("{FIXTURES}/public.toml");
    let run = |w: &str| {
        minyi(&[
            "stats",
            "--survey",
            &survey,
            "--responses",
            csv.to_str().unwrap(),
            "--weighting",
            w,
            "--wave",
            "all",
        ])
    };
    let (ok, _, err) = run("poststrat");
    assert!(!ok);
    assert!(err.contains("no respondents in 9 census cell(s)"), "{err}");
    let cells: usize = err
        .lines()
        .filter(|l| l.trim_start().starts_with("district D"))
        .map(|l| l.matches(" × sex ").count())
        .sum();
    assert_eq!(cells, 9, "{err}");
    // Grouped by district, each with its respondents and population.
    for d in ["D1", "D2", "D3", "D4", "D5", "D6"] {
        let line = err
            .lines()
            .find(|l| l.contains(&format!("district {d} (")))
            .unwrap();
        assert!(line.contains("respondents, population "), "{line}");
    }
    assert!(
        err.contains("collapse each empty cell's `age_band` category"),
        "{err}"
    );
    // Raking needs only the margins: D1–D3 lack the 18-29 band, which it names too.
    let (ok, _, err) = run("rake");
    assert!(
        !ok && err.contains("no respondents in 3 census cell(s)"),
        "{err}"
    );
    assert!(err.contains("age_band 18-29"), "{err}");
}

/// A probability sample's design weights: a cell that is not a positive number is
/// named with its line; a column filled on some rows only is refused with the count,
/// never estimated as if the rows without weights weighed nothing.
#[test]
fn design_weights_are_checked_row_by_row() {
    let def = format!("{FIXTURES}/public_household.toml");
    let text = std::fs::read_to_string(format!("{FIXTURES}/r/r_household.csv")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, body: String| {
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        p.display().to_string()
    };
    // Line 3 (the second respondent) with a weight of "abc", then with none.
    let edit = |w: &str| -> String {
        text.lines()
            .enumerate()
            .map(|(i, l)| {
                if i == 2 {
                    let mut cells: Vec<&str> = l.split(',').collect();
                    cells[3] = w;
                    cells.join(",")
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let bad = write("bad.csv", edit("abc"));
    let (ok, _, err) = minyi(&["stats", "--survey", &def, "--responses", &bad]);
    assert!(
        !ok && err.contains("bad.csv:3: column `design_weight`: `abc` is not a positive number"),
        "{err}"
    );
    let partial = write("partial.csv", edit(""));
    let (ok, _, err) = minyi(&[
        "stats",
        "--survey",
        &def,
        "--responses",
        &partial,
        "--wave",
        "all",
    ]);
    assert!(
        !ok && err.contains("1 of 605 rows have no design weight in column `design_weight`"),
        "{err}"
    );
    let whole = write("whole.csv", text.clone());
    let (ok, out, err) = minyi(&[
        "stats",
        "--survey",
        &def,
        "--responses",
        &whole,
        "--wave",
        "all",
        "--format",
        "json",
    ]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["respondents"], 605);
}
