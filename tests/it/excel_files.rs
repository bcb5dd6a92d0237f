//! Files as Excel saves them: the places file, the census and a responses export
//! saved as GBK, as UTF-8 with a byte-order mark and as UTF-16 "Unicode text" (tabs
//! between columns) read as the UTF-8 originals do; what cannot be read says why.

use crate::common::*;
use minyi::definition::Survey;

const EXAMPLE: &str = "civility-2026";

/// How a file is saved.
#[derive(Clone, Copy, Debug)]
enum Saved {
    Gbk,
    Utf8Bom,
    UnicodeText,
}

const ALL: [Saved; 3] = [Saved::Gbk, Saved::Utf8Bom, Saved::UnicodeText];

/// A UTF-8 CSV's bytes as Excel would save them.
fn save(csv: &str, how: Saved) -> Vec<u8> {
    match how {
        Saved::Gbk => encoding_rs::GBK.encode(csv).0.into_owned(),
        Saved::Utf8Bom => [&[0xEF, 0xBB, 0xBF][..], csv.as_bytes()].concat(),
        Saved::UnicodeText => {
            // Excel's "Unicode text": UTF-16LE with its mark, tabs between columns,
            // quotes only where a cell needs them.
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(csv.as_bytes());
            let mut w = csv::WriterBuilder::new()
                .delimiter(b'\t')
                .flexible(true)
                .from_writer(Vec::new());
            for r in rdr.records() {
                w.write_record(&r.unwrap()).unwrap();
            }
            let tsv = String::from_utf8(w.into_inner().unwrap()).unwrap();
            let mut out = vec![0xFF, 0xFE];
            for u in tsv.encode_utf16() {
                out.extend_from_slice(&u.to_le_bytes());
            }
            out
        }
    }
}

/// The example survey's directory with its places file and census saved `how`.
fn example_saved(how: Saved) -> (tempfile::TempDir, Survey) {
    let dir = tempfile::tempdir().unwrap();
    let surveys = surveys_dir(dir.path(), &[&format!("{SURVEYS}/{EXAMPLE}.toml")]);
    for f in ["places", "census"] {
        let p = surveys.join(format!("{EXAMPLE}.{f}.csv"));
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, save(&text, how)).unwrap();
    }
    let s = minyi::definition::load_file(&surveys.join(format!("{EXAMPLE}.toml")))
        .unwrap_or_else(|e| panic!("{how:?}: {e}"));
    (dir, s)
}

/// What a survey knows of its places and census.
fn places_and_census(s: &Survey) -> String {
    let mut out = String::new();
    for d in &s.districts {
        out.push_str(&format!("{} {}\n", d.code, d.adults));
        for c in &d.communities {
            out.push_str(&format!(
                "  {} {} {} {:?} {:?}\n",
                c.code, c.name.zh, c.name.en, c.adults, c.street_code
            ));
        }
    }
    let w = s.weighting.as_ref().unwrap();
    for c in &w.census {
        out.push_str(&format!("{c:?}\n"));
    }
    out
}

#[test]
fn the_places_file_and_census_saved_from_excel_give_the_same_definition() {
    let dir = tempfile::tempdir().unwrap();
    let surveys = surveys_dir(dir.path(), &[&format!("{SURVEYS}/{EXAMPLE}.toml")]);
    let original = minyi::definition::load_file(&surveys.join(format!("{EXAMPLE}.toml"))).unwrap();
    let want = places_and_census(&original);
    assert!(want.contains("幸福里社区"));
    for how in ALL {
        let (_dir, s) = example_saved(how);
        assert_eq!(places_and_census(&s), want, "{how:?}");
        if !matches!(how, Saved::UnicodeText) {
            // The same text, so the same version: answers stay tied to one definition.
            assert_eq!(s.version, original.version, "{how:?}");
        }
    }
}

/// The example definition's diagnostics with its places file replaced by `bytes`
/// and `extra` added to its [places] table.
fn diagnostics_with_places(bytes: &[u8], extra: &str) -> Vec<minyi::definition::Diagnostic> {
    let dir = tempfile::tempdir().unwrap();
    let surveys = surveys_dir(dir.path(), &[&format!("{SURVEYS}/{EXAMPLE}.toml")]);
    std::fs::write(surveys.join(format!("{EXAMPLE}.places.csv")), bytes).unwrap();
    let def = surveys.join(format!("{EXAMPLE}.toml"));
    let text = std::fs::read_to_string(&def).unwrap();
    let text = text.replacen("[places]\n", &format!("[places]\n{extra}"), 1);
    std::fs::write(&def, text).unwrap();
    match minyi::definition::load_file(&def) {
        Ok(_) => vec![],
        Err(e) => e.diagnostics().to_vec(),
    }
}

#[test]
fn what_cannot_be_read_says_why_and_how_the_file_was_read() {
    let places = std::fs::read_to_string(format!("{SURVEYS}/{EXAMPLE}.places.csv")).unwrap();
    // Neither UTF-8 nor GBK: one message, at the file's key, with what to do.
    let mut broken = places.clone().into_bytes();
    broken.extend_from_slice(b"\xff\xff\xff,x,community,\xff\n");
    let d = diagnostics_with_places(&broken, "");
    assert_eq!(d.len(), 1, "{d:#?}");
    assert!(
        d[0].message.contains("neither UTF-8 nor GBK/GB18030"),
        "{}",
        d[0]
    );
    assert!(
        d[0].message
            .contains(&format!("line {}", places.lines().count() + 1)),
        "{}",
        d[0]
    );
    assert!(
        d[0].help.contains("CSV UTF-8") && d[0].help.contains("encoding"),
        "{}",
        d[0].help
    );
    // A mistake inside a GBK file: placed as before, and the encoding named.
    let bad = places.replacen(",community,", ",communty,", 1);
    let d = diagnostics_with_places(&save(&bad, Saved::Gbk), "");
    assert!(!d.is_empty());
    assert!(
        d.iter()
            .all(|x| x.message.contains("read as GB18030 (GBK)")),
        "{d:#?}"
    );
    // An encoding named beside the file is used; an unknown one is placed.
    assert!(diagnostics_with_places(&save(&places, Saved::Gbk), "encoding = \"gbk\"\n").is_empty());
    let d = diagnostics_with_places(places.as_bytes(), "encoding = \"klingon\"\n");
    assert_eq!(d.len(), 1, "{d:#?}");
    assert!(
        d[0].message.contains("`klingon` is not an encoding"),
        "{}",
        d[0]
    );
    // Declared wrong: UTF-8 text said to be UTF-16 does not pass as something else.
    let d = diagnostics_with_places(places.as_bytes(), "encoding = \"utf-16\"\n");
    assert!(!d.is_empty());
}

#[test]
fn a_responses_export_saved_from_excel_gives_the_same_figures() {
    let app = TestApp::new();
    let s = app.survey(EXAMPLE);
    minyi::demo::run(&app.store, &s, 300, 9).unwrap();
    let rows: Vec<_> = app
        .rows(EXAMPLE)
        .into_iter()
        .filter(|r| r.wave == 2)
        .collect();
    let mut csv = Vec::new();
    minyi::export::write_csv(&s, &rows, &mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let figures = |bytes: &[u8]| {
        let data = minyi::dataset::read_csv(&s, "x.csv", bytes).unwrap();
        let census = minyi::stats::Census::from_survey(&s);
        let opts = minyi::stats::Options {
            by: vec!["district".into()],
            ..Default::default()
        };
        let r = minyi::stats::analyse(&s, &data, census.as_ref(), &opts).unwrap();
        r.estimates
            .iter()
            .map(|e| {
                format!(
                    "{} {} {:.12} {:.12}",
                    e.indicator, e.group, e.estimate, e.se
                )
            })
            .collect::<Vec<_>>()
    };
    let want = figures(csv.as_bytes());
    assert!(want.len() > 50);
    for how in ALL {
        assert_eq!(figures(&save(&csv, how)), want, "{how:?}");
    }
    // A bad cell in a GBK export: placed, and the encoding named.
    let bad = {
        let mut rdr = csv::Reader::from_reader(csv.as_bytes());
        let header = rdr.headers().unwrap().clone();
        let at = header.iter().position(|h| h == "district").unwrap();
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&header).unwrap();
        for (i, r) in rdr.records().enumerate() {
            let r = r.unwrap();
            let cells: Vec<&str> = r
                .iter()
                .enumerate()
                .map(|(k, c)| if i == 0 && k == at { "D9" } else { c })
                .collect();
            w.write_record(&cells).unwrap();
        }
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    };
    let err = minyi::dataset::read_csv(&s, "x.csv", save(&bad, Saved::Gbk).as_slice())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("x.csv (read as GB18030 (GBK)):2"), "{err}");
    assert!(err.contains("`D9` is not a district"), "{err}");
    // Nothing Excel writes: said so with the line.
    let mut broken = csv.into_bytes();
    broken.extend_from_slice(b"\xff\xfe\xff\n");
    let err = minyi::dataset::read_csv(&s, "x.csv", broken.as_slice())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("x.csv") && err.contains("line"), "{err}");
}

/// A CSV's cells as the first sheet of a workbook (numbers as numbers, as Excel keeps
/// them).
fn as_workbook(csv: &str) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv.as_bytes());
    for (r, rec) in rdr.records().enumerate() {
        for (c, cell) in rec.unwrap().iter().enumerate() {
            match cell.parse::<f64>() {
                Ok(v) if r > 0 => ws.write_number(r as u32, c as u16, v).map(|_| ()),
                _ => ws.write_string(r as u32, c as u16, cell).map(|_| ()),
            }
            .unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

#[test]
fn the_places_file_and_census_may_be_workbooks() {
    let dir = tempfile::tempdir().unwrap();
    let surveys = surveys_dir(dir.path(), &[&format!("{SURVEYS}/{EXAMPLE}.toml")]);
    let def = surveys.join(format!("{EXAMPLE}.toml"));
    let original = minyi::definition::load_file(&def).unwrap();
    let mut text = std::fs::read_to_string(&def).unwrap();
    for f in ["places", "census"] {
        let csv = std::fs::read_to_string(surveys.join(format!("{EXAMPLE}.{f}.csv"))).unwrap();
        std::fs::write(
            surveys.join(format!("{EXAMPLE}.{f}.xlsx")),
            as_workbook(&csv),
        )
        .unwrap();
        text = text.replace(
            &format!("{EXAMPLE}.{f}.csv"),
            &format!("{EXAMPLE}.{f}.xlsx"),
        );
    }
    std::fs::write(&def, &text).unwrap();
    let s = minyi::definition::load_file(&def).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(places_and_census(&s), places_and_census(&original));
    // A mistake in the workbook: placed at its row, and said to be a workbook's.
    let csv = std::fs::read_to_string(format!("{SURVEYS}/{EXAMPLE}.places.csv"))
        .unwrap()
        .replacen(",community,", ",communty,", 1);
    std::fs::write(
        surveys.join(format!("{EXAMPLE}.places.xlsx")),
        as_workbook(&csv),
    )
    .unwrap();
    let d = match minyi::definition::load_file(&def) {
        Ok(_) => panic!("the mistake is found"),
        Err(e) => e.diagnostics().to_vec(),
    };
    assert!(
        d[0].message.contains("`communty` is not a place level"),
        "{}",
        d[0]
    );
    assert!(d[0].message.contains("workbook"), "{}", d[0]);
    assert_eq!(d[0].line, 3);
}
