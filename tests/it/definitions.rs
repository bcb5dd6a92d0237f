//! The validator on broken files: each problem is found, placed, and explained.

use std::path::Path;

use crate::common::*;
use minyi::definition::{parse_str, Diagnostic};

const CENSUS: &str = "district,age,sex,population\nN,young,m,250\nN,young,f,250\nN,old,m,240\nN,old,f,260\nS,young,m,200\nS,young,f,200\nS,old,m,190\nS,old,f,210\n";

fn mini() -> String {
    std::fs::read_to_string(format!("{FIXTURES}/mini.toml")).unwrap()
}

/// Validates `text` as surveys/t.toml with `census` as its census file.
fn diags(text: &str, census: &str) -> Vec<Diagnostic> {
    let census = census.to_string();
    match parse_str(Path::new("surveys/t.toml"), text, &move |_| {
        Ok(census.clone().into_bytes())
    }) {
        Ok(_) => vec![],
        Err(e) => e.diagnostics().to_vec(),
    }
}

/// Asserts exactly one problem, at `line`, whose message contains `msg`.
fn check(text: &str, census: &str, line: usize, msg: &str) {
    let d = diags(text, census);
    assert_eq!(d.len(), 1, "expected one diagnostic, got {d:#?}");
    assert!(
        d[0].message.contains(msg),
        "{:?} does not contain {msg:?}",
        d[0].message
    );
    assert_eq!(d[0].line, line, "{}", d[0]);
    assert!(!d[0].help.is_empty(), "every diagnostic says how to fix it");
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn fixtures_and_example_are_valid() {
    assert!(diags(&mini(), CENSUS).is_empty());
    let s =
        minyi::definition::load_file(Path::new(&format!("{SURVEYS}/civility-2026.toml"))).unwrap();
    assert_eq!(s.districts.len(), 6);
    assert!(s.districts.iter().all(|d| !d.communities.is_empty()));
    let dims: std::collections::BTreeSet<&str> = s
        .questions
        .iter()
        .filter(|q| q.is_indicator())
        .map(|q| q.dimension.name())
        .collect();
    assert_eq!(
        dims.into_iter().collect::<Vec<_>>(),
        [
            "awareness",
            "knowledge",
            "participation",
            "satisfaction",
            "support"
        ]
    );
    let w = s.weighting.as_ref().unwrap();
    assert_eq!(w.census.len(), 6 * 5 * 2);
    for d in &s.districts {
        let total: u64 = w
            .census
            .iter()
            .filter(|c| c.district == d.code)
            .map(|c| c.population)
            .sum();
        assert_eq!(total, d.adults, "census of {} adds up", d.code);
    }
}

#[test]
fn unknown_option_in_positive_set() {
    let t = mini().replace(r#"positive = ["1"]"#, r#"positive = ["1", "9"]"#);
    check(
        &t,
        CENSUS,
        line_of(&t, r#"positive = ["1", "9"]"#),
        "names option `9`, which the question does not have",
    );
}

#[test]
fn dont_know_in_positive_set() {
    let t = mini().replace(r#"positive = ["1"]"#, r#"positive = ["1", "dk"]"#);
    check(
        &t,
        CENSUS,
        line_of(&t, r#""dk"]"#),
        "lists the don't-know option",
    );
}

#[test]
fn duplicate_question_id() {
    let t = mini().replace(r#"id = "sat3""#, r#"id = "sat""#);
    let line = t
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(r#"id = "sat""#))
        .nth(1)
        .unwrap()
        .0
        + 1;
    check(&t, CENSUS, line, "question id `sat` is used twice");
}

#[test]
fn duplicate_option_code() {
    let t = mini().replace(
        r#"{ code = "b", zh = "清洁""#,
        r#"{ code = "a", zh = "清洁""#,
    );
    check(
        &t,
        CENSUS,
        line_of(&t, "清洁"),
        "option code `a` is used twice in `what`",
    );
}

#[test]
fn show_if_later_or_unknown_question() {
    let t = mini().replace(
        r#"show_if = { question = "joined""#,
        r#"show_if = { question = "sat""#,
    );
    check(
        &t,
        CENSUS,
        line_of(&t, "show_if"),
        "refers to `sat`, which is not an earlier question",
    );
    let t = mini().replace(
        r#"show_if = { question = "joined""#,
        r#"show_if = { question = "nope""#,
    );
    check(
        &t,
        CENSUS,
        line_of(&t, "show_if"),
        "not an earlier question",
    );
    let t = mini().replace(r#"any_of = ["1"]"#, r#"any_of = ["7"]"#);
    check(
        &t,
        CENSUS,
        line_of(&t, "show_if"),
        "names option `7` of `joined`",
    );
}

#[test]
fn quiz_without_correct_answer() {
    let t = mini().replace("correct = [\"y\"]\n", "");
    check(
        &t,
        CENSUS,
        line_of(&t, r#"id = "quiz""#) - 1,
        "quiz `quiz` has no `correct` option",
    );
}

#[test]
fn scale_with_wrong_codes() {
    let t = mini().replace(
        "text = { zh = \"三级满意度\", en = \"Three-point satisfaction\" }",
        "text = { zh = \"三级满意度\" }\noptions = [{ code = \"a\", zh = \"好\" }, { code = \"b\", zh = \"中\" }, { code = \"c\", zh = \"差\" }]",
    );
    check(
        &t,
        CENSUS,
        line_of(&t, r#"id = "sat3""#) - 1,
        "must use the codes `3`, `2`, `1`",
    );
}

#[test]
fn unknown_key_and_kind() {
    let t = mini().replace("required = false\nmin = 0", "requried = false\nmin = 0");
    check(
        &t,
        CENSUS,
        line_of(&t, "requried"),
        "unknown field `requried`",
    );
    let t = mini().replace(r#"kind = "scale3""#, r#"kind = "scale7""#);
    check(
        &t,
        CENSUS,
        line_of(&t, "scale7"),
        "unknown variant `scale7`",
    );
}

#[test]
fn syntax_error_is_placed() {
    let t = mini().replace(
        r#"title = { zh = "小测试调查""#,
        r#"title = { zh = 小测试调查""#,
    );
    let d = diags(&t, CENSUS);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].line, line_of(&t, "title ="));
}

#[test]
fn census_district_not_in_survey() {
    let census = CENSUS.replace("S,old,f,210", "X,old,f,210");
    let d = diags(&mini(), &census);
    assert!(
        d.iter()
            .any(|d| d.line == 9 && d.message.contains("census district `X` is not a district")),
        "{d:#?}"
    );
    assert!(d
        .iter()
        .all(|d| d.file == Path::new("surveys/mini.census.csv")));
}

#[test]
fn census_missing_cell_and_total_disagreeing() {
    let census = CENSUS.replace("S,old,f,210\n", "");
    let d = diags(&mini(), &census);
    assert!(
        d.iter()
            .any(|d| d.message.contains("no census row for S × old × f")),
        "{d:#?}"
    );
    assert!(
        d.iter().any(|d| d
            .message
            .contains("add up to 590, but the definition says adults = 800")),
        "{d:#?}"
    );

    let t = mini().replace("adults = 1000", "adults = 1200");
    let d = diags(&t, CENSUS);
    assert_eq!(d.len(), 1);
    assert!(d[0].message.contains(
        "census cells of district `N` add up to 1000, but the definition says adults = 1200"
    ));
}

#[test]
fn census_bad_values() {
    let census = CENSUS
        .replace("N,young,m,250", "N,young,x,250")
        .replace("N,old,m,240", "N,old,m,0")
        .replace("S,young,m,200", "S,u18,m,200");
    let d = diags(&mini(), &census);
    let msgs: Vec<(usize, &str)> = d.iter().map(|d| (d.line, d.message.as_str())).collect();
    assert!(
        msgs.contains(&(2, "`x` is not a weighting category of `sex`")),
        "{msgs:#?}"
    );
    assert!(
        msgs.contains(&(4, "population `0` is not a positive whole number")),
        "{msgs:#?}"
    );
    assert!(
        msgs.contains(&(6, "`u18` is not a weighting category of `age`")),
        "{msgs:#?}"
    );
}

#[test]
fn weighting_variable_must_be_a_question() {
    let t = mini().replace(
        r#"variables = ["age", "sex"]"#,
        r#"variables = ["age", "gender"]"#,
    );
    let d = diags(&t, CENSUS);
    assert!(
        d.iter().any(|d| d.line == line_of(&t, "variables")
            && d.message
                .contains("weighting variable `gender` is not a question id")),
        "{d:#?}"
    );
}

#[test]
fn dates_and_codes() {
    let t = mini().replace("closes = 2099-12-31", "closes = 1999-12-31");
    check(
        &t,
        CENSUS,
        line_of(&t, "closes"),
        "closes (1999-12-31) before it opens",
    );
    let t = mini().replace(
        "closes = 2099-12-31",
        "closes = 2099-12-31\nevaluation_date = 1999-06-30",
    );
    check(
        &t,
        CENSUS,
        line_of(&t, "evaluation_date"),
        "the evaluation date (1999-06-30) is before the survey opens",
    );
    let t = mini().replace(
        "closes = 2099-12-31",
        "closes = 2099-12-31\nevaluation_date = 2099-06-30T09:00:00",
    );
    check(
        &t,
        CENSUS,
        line_of(&t, "evaluation_date"),
        "`evaluation_date` must be a plain date",
    );
    let t = format!(
        "{}\n[[theme]]\ncode = \"roads\"\nzh = \"道路\"\nkeywords = [\"路\"]\n\n[[theme]]\ncode = \"roads\"\nzh = \"道路二\"\n",
        mini()
    );
    let d = diags(&t, CENSUS);
    assert!(
        d.iter()
            .any(|d| d.message.contains("theme `roads` is defined twice")
                && d.line
                    == t.lines()
                        .enumerate()
                        .filter(|(_, l)| *l == "code = \"roads\"")
                        .nth(1)
                        .unwrap()
                        .0
                        + 1),
        "{d:#?}"
    );
    let t = mini().replace(r#"code = "n1""#, r#"code = "n 1""#);
    check(
        &t,
        CENSUS,
        line_of(&t, r#""n 1""#),
        "community code `n 1` is not a valid code",
    );
}

#[test]
fn one_headline_per_dimension_and_only_on_rates() {
    let t = mini().replace(
        "dimension = \"satisfaction\"\n",
        "dimension = \"satisfaction\"\nheadline = true\n",
    );
    check(
        &t,
        CENSUS,
        // The second one (sat3's) is the error.
        t.lines()
            .collect::<Vec<_>>()
            .iter()
            .rposition(|l| l.contains("headline"))
            .unwrap()
            + 1,
        "dimension satisfaction already has headline question `sat`",
    );
    let t = mini().replacen(
        "dimension = \"demographic\"\n",
        "dimension = \"demographic\"\nheadline = true\n",
        1,
    );
    check(
        &t,
        CENSUS,
        line_of(&t, "headline"),
        "question `age` is marked headline but has no rate",
    );
    let t = mini().replace(
        "dimension = \"satisfaction\"\n",
        "dimension = \"satisfaction\"\nheadline = false\n",
    );
    assert!(diags(&t, CENSUS).is_empty());
}

#[test]
fn check_command_reports_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let surveys = surveys_dir(dir.path(), &[&format!("{FIXTURES}/mini.toml")]);
    let bad = mini()
        .replace(r#"id = "mini""#, r#"id = "bad""#)
        .replace(r#"positive = ["1"]"#, r#"positive = ["9"]"#);
    std::fs::write(surveys.join("bad.toml"), &bad).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_minyi"))
        .arg("check")
        .arg(&surveys)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    let line = line_of(&bad, r#"positive = ["9"]"#);
    assert!(
        err.contains(&format!(
            "bad.toml:{line}:13: error: `positive` of question `joined` names option `9`"
        )),
        "{err}"
    );
    assert!(err.contains("help: use one of: `1`, `2`"), "{err}");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("ok   ") && out.contains("mini.toml"), "{out}");

    let ok = std::process::Command::new(env!("CARGO_BIN_EXE_minyi"))
        .args(["check", SURVEYS])
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

/// The mini survey with a household sample: `sample` is the body of
/// `[household_sample]`; with `adults`, its one community has adults and households.
fn sampled(sample: &str, adults: bool) -> String {
    let mut text = mini();
    if adults {
        text = text.replace(
            "name = { zh = \"一社区\", en = \"Community One\" }",
            "name = { zh = \"一社区\", en = \"Community One\" }\nadults = 600\nhouseholds = 250",
        );
    }
    format!("{text}\n[household_sample]\n{sample}\n")
}

#[test]
fn a_household_sample_is_checked_where_it_is_written() {
    let ok = sampled("communities = { N = 1 }\nhouseholds = 10", true);
    assert!(diags(&ok, CENSUS).is_empty(), "{:#?}", diags(&ok, CENSUS));
    for (sample, adults, needle, msg) in [
        ("communities = { N = 2 }\nhouseholds = 10", true, "communities =", "district `N` is to draw 2 communities but has 1"),
        ("communities = { N = 1 }\nhouseholds = 10", false, "communities =", "1 of them have none: n1"),
        ("communities = { X = 1 }\nhouseholds = 10", true, "communities =", "names district `X`"),
        ("communities = 0\nhouseholds = 10", true, "communities =", "draws no community"),
        ("communities = { N = 1 }\nhouseholds = 0", true, "households = 0", "draws no household"),
        ("communities = { N = 1 }\nhouseholds = 10\nvisits = 0", true, "visits = 0", "at least one visit"),
        ("communities = { N = 1 }\nhouseholds = 10\ncallback_share = 1.5", true, "callback_share", "is not a share"),
        ("communities = { N = 1 }\nhouseholds = 10\nrespondent = \"oldest\"", true, "respondent", "unknown respondent rule `oldest`"),
        ("communities = { N = 1 }\nhouseholds = 10\nseed = -4", true, "seed = -4", "the seed is negative"),
        (
            "communities = { N = 1 }\nhouseholds = 10\nrandom_walk = { start = { zh = \"门口\", en = \"the door\" }, interval = 0 }",
            true,
            "random_walk",
            "walks past no household",
        ),
    ] {
        let text = sampled(sample, adults);
        check(&text, CENSUS, line_of(&text, needle), msg);
    }
    // A key the section does not know is named, on its line.
    let text = sampled(
        "communities = { N = 1 }\nhouseholds = 10\nhousehold = 3",
        true,
    );
    let d = diags(&text, CENSUS);
    assert!(
        d.iter()
            .any(|d| d.message.contains("household") && d.line == line_of(&text, "household = 3")),
        "{d:#?}"
    );
}

/// `[weighting] design_weight` names a column of its own: not a question, not a place
/// column minyi already reads.
#[test]
fn a_design_weight_column_is_a_column_of_its_own() {
    for name in ["age", "district", ""] {
        let t = mini().replace(
            r#"census = "mini.census.csv""#,
            &format!("census = \"mini.census.csv\"\ndesign_weight = \"{name}\""),
        );
        check(
            &t,
            CENSUS,
            line_of(&t, "design_weight"),
            &format!("design_weight `{name}` is not a column of its own"),
        );
    }
    let t = mini().replace(
        r#"census = "mini.census.csv""#,
        "census = \"mini.census.csv\"\ndesign_weight = \"w\"",
    );
    assert!(diags(&t, CENSUS).is_empty());
}

#[test]
fn the_ledgers_sign_off_rule_and_units_are_checked() {
    let t = format!(
        "{}\n[rectification]\nsign_off = \"whenever\"\nunits = [\"街道办\", \"街道办\"]\n",
        mini()
    );
    let d = diags(&t, CENSUS);
    assert_eq!(d.len(), 2, "{d:#?}");
    assert!(
        d[0].message.contains("unknown sign-off rule `whenever`"),
        "{}",
        d[0]
    );
    assert_eq!(d[0].line, line_of(&t, "sign_off"));
    assert!(d[0].help.contains("not_significantly_below"));
    assert!(
        d[1].message.contains("`街道办` is listed twice"),
        "{}",
        d[1]
    );
    // Without the section: the default rule, a wave after the deadline.
    let s = parse_str(Path::new("surveys/t.toml"), &mini(), &|_| {
        Ok(CENSUS.as_bytes().to_vec())
    })
    .unwrap();
    assert_eq!(
        s.rectification.sign_off,
        minyi::definition::SignOffRule::NotSignificantlyBelow
    );
    assert!(s.rectification.after_deadline);
}
