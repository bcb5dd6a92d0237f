//! The briefing the office sends: the Word file read back (and converted by LibreOffice
//! where it is installed), the PDF checked with poppler (font embedded as a subset,
//! selectable Chinese, A4, page numbers), the one-page summary's rules, the posters as
//! a PDF whose codes scan, and `minyi report --include-flagged`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::skipped;
use crate::common::SURVEYS;
use minyi::definition::{Lang, Survey};
use minyi::report::findings::{findings, Rule};
use minyi::stats::{self, Options};

fn survey() -> Survey {
    minyi::definition::load_file(Path::new(&format!("{SURVEYS}/civility-2026.toml"))).unwrap()
}

/// A pack of two synthetic waves, built into a temporary directory.
fn pack(lang: Lang) -> (tempfile::TempDir, minyi::report::Pack, Survey) {
    let s = survey();
    let data = minyi::synth::dataset(&s, 1500, 2, 7);
    let mut tally = stats::tally::Tally::new(&s);
    tally.add(&s, &data);
    let census = stats::Census::from_survey(&s);
    let dir = tempfile::tempdir().unwrap();
    let input = minyi::report::PackInput {
        survey: &s,
        tally: &tally,
        census: census.as_ref(),
        options: Options::default(),
        wave: None,
        lang,
        date: "2026-12-01".into(),
        collection: minyi::figures::collection_text(
            minyi::figures::modes_of(&data).as_deref(),
            lang,
        ),
        include_flagged: false,
        voices: None,
        household: None,
        ledger: None,
    };
    let p = minyi::report::build(&input, dir.path(), &|_| {}).unwrap();
    (dir, p, s)
}

/// Whether poppler's tools are here; CI installs them and sets MINYI_REQUIRE_POPPLER=1,
/// so there the PDF checks never skip.
fn poppler() -> bool {
    let found = Command::new("pdftotext").arg("-v").output().is_ok();
    if !found {
        assert!(
            std::env::var_os("MINYI_REQUIRE_POPPLER").is_none(),
            "MINYI_REQUIRE_POPPLER is set but poppler-utils is not installed (apt-get install poppler-utils)"
        );
        skipped(
            "documents (the PDF checks)",
            "install poppler-utils (Debian) to run pdftotext, pdffonts and pdftoppm",
        );
    }
    found
}

fn run(cmd: &str, args: &[&str]) -> String {
    let o = Command::new(cmd).args(args).output().unwrap();
    assert!(
        o.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into()
}

/// Text without any whitespace: pdftotext breaks lines where the layout did.
fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn zip_entry(bytes: &[u8], name: &str) -> String {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = String::new();
    z.by_name(name).unwrap().read_to_string(&mut out).unwrap();
    out
}

#[test]
fn the_one_page_summary_has_at_most_five_findings_in_the_order_of_the_rules() {
    let (_dir, p, s) = pack(Lang::Zh);
    let f = findings(&s, &p, Lang::Zh);
    assert!(!f.is_empty() && f.len() <= 5, "{f:?}");
    assert_eq!(f[0].rule, Rule::Headline, "the headline satisfaction first");
    let order = |r: Rule| {
        [
            Rule::Headline,
            Rule::BelowTarget,
            Rule::WeakDistricts,
            Rule::Changes,
            Rule::Uncertain,
        ]
        .iter()
        .position(|x| *x == r)
        .unwrap()
    };
    assert!(f.windows(2).all(|w| order(w[0].rule) < order(w[1].rule)));
    // The headline quotes the city figure and its interval, and the change with its
    // significance, as the estimates and the comparison have them.
    let city = p
        .report
        .estimates
        .iter()
        .find(|e| e.indicator == "sat_overall" && e.group == "ALL" && minyi::stats::is_rate(e))
        .unwrap();
    let head = &f[0].text;
    assert!(head.contains(&minyi::labels::pct(city.estimate)), "{head}");
    assert!(
        head.contains(&format!("{:.1}–", city.ci_low.unwrap() * 100.0)),
        "{head}"
    );
    let change = p
        .changes
        .iter()
        .find(|c| c.indicator == "sat_overall" && c.group == "ALL")
        .unwrap();
    let said = if change.p_value < 0.05 {
        "差异显著"
    } else {
        "差异不显著"
    };
    assert!(head.contains(said), "{head}");
    // Every sentence is one sentence.
    for x in &f {
        assert_eq!(x.text.matches('。').count(), 1, "{}", x.text);
    }
    // English too.
    let (_dir, p, s) = pack(Lang::En);
    let en = findings(&s, &p, Lang::En);
    assert!(en[0].text.starts_with("City-wide"), "{}", en[0].text);
}

#[test]
fn the_word_briefing_has_real_tables_pictures_fonts_and_page_numbers() {
    let (dir, p, s) = pack(Lang::Zh);
    let docx = std::fs::read(dir.path().join("briefing.docx")).unwrap();
    let doc = zip_entry(&docx, "word/document.xml");
    // The findings are text, not an image.
    for f in findings(&s, &p, Lang::Zh) {
        let start: String = f.text.chars().take(12).collect();
        assert!(doc.contains(&start), "finding `{start}` in the document");
    }
    let tables = doc.matches("<w:tbl>").count();
    let dims = minyi::definition::Dimension::ALL
        .iter()
        .filter(|d| d.is_rated())
        .filter(|d| {
            s.questions
                .iter()
                .any(|q| q.dimension == **d && q.is_indicator())
        })
        .count();
    assert_eq!(tables, dims, "one Word table per rated dimension");
    assert!(doc.contains("方法说明") && doc.contains("主要发现"));
    assert!(doc.contains("方正小标宋简体") && doc.contains("仿宋_GB2312") && doc.contains("黑体"));
    assert!(
        doc.contains(r#"w:w="11906""#) && doc.contains(r#"w:h="16838""#),
        "A4"
    );
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(&docx)).unwrap();
    let media = (0..z.len())
        .filter(|&i| {
            z.by_index(i)
                .unwrap()
                .name()
                .unwrap()
                .starts_with("word/media/")
        })
        .count();
    assert!(media >= 5, "the key charts as pictures: {media}");
    let footer = (0..z.len())
        .map(|i| z.by_index(i).unwrap().name().unwrap().to_string())
        .find(|n| n.starts_with("word/footer"))
        .expect("a footer");
    let footer = zip_entry(&docx, &footer);
    assert!(
        footer.contains("PAGE") && footer.contains("— "),
        "page numbers — 1 —"
    );
    let fonts = zip_entry(&docx, "word/fontTable.xml");
    assert!(
        fonts.contains(r#"<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>"#),
        "a fallback for machines without the government fonts"
    );

    // Where LibreOffice is installed, it opens the file and its text is ours.
    if Command::new("soffice").arg("--version").output().is_ok() && poppler() {
        let out = tempfile::tempdir().unwrap();
        let profile = format!(
            "-env:UserInstallation=file://{}/profile",
            out.path().display()
        );
        run(
            "soffice",
            &[
                &profile,
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                out.path().to_str().unwrap(),
                dir.path().join("briefing.docx").to_str().unwrap(),
            ],
        );
        let pdf = out.path().join("briefing.pdf");
        let text = squeeze(&run("pdftotext", &[pdf.to_str().unwrap(), "-"]));
        let first = squeeze(&findings(&s, &p, Lang::Zh)[0].text);
        assert!(
            text.contains(&first),
            "LibreOffice reads the headline finding"
        );
    } else {
        skipped(
            "documents::the_word_briefing… (LibreOffice's reading)",
            "install libreoffice-writer and poppler-utils to open the Word file as Word users do",
        );
    }
}

#[test]
fn the_pdf_briefing_embeds_its_font_and_its_chinese_can_be_selected() {
    let (dir, p, s) = pack(Lang::Zh);
    let pdf = dir.path().join("briefing.pdf");
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    if !poppler() {
        return; // poppler() said it was skipped
    }
    let path = pdf.to_str().unwrap();
    let fonts = run("pdffonts", &[path]);
    let font = fonts.lines().nth(2).expect("a font");
    assert!(font.contains("WenQuanYi"), "{fonts}");
    // "ABCDEF+Name": a subset, and embedded (emb yes, sub yes, uni yes).
    assert_eq!(font.split('+').next().unwrap().len(), 6, "{fonts}");
    assert!(font.contains("yes yes yes"), "{fonts}");
    assert_eq!(fonts.lines().count(), 3, "one font: {fonts}");
    let info = run("pdfinfo", &[path]);
    assert!(info.contains("595.28 x 841.89 pts (A4)"), "{info}");
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(pages > 3);
    // The first page holds the title and every finding, whole (a one-page summary).
    let first = squeeze(&run("pdftotext", &["-f", "1", "-l", "1", path, "-"]));
    assert!(first.contains(&squeeze(s.title.get(Lang::Zh))));
    for f in findings(&s, &p, Lang::Zh) {
        assert!(first.contains(&squeeze(&f.text)), "page 1 has `{}`", f.text);
    }
    assert!(first.contains("—1—"), "the page number");
    let last = run(
        "pdftotext",
        &[
            "-f",
            &pages.to_string(),
            "-l",
            &pages.to_string(),
            path,
            "-",
        ],
    );
    assert!(squeeze(&last).contains(&format!("—{pages}—")));
    // The body: the tables' rows and the methods are text too.
    let all = squeeze(&run("pdftotext", &[path, "-"]));
    assert!(all.contains("方法说明") && all.contains("泰勒线性化"));
    assert!(all.contains("表1") && all.contains("与目标相比"));
    // Pages render (what a reader sees): the first page as PNG is not blank.
    let png = dir.path().join("page");
    run(
        "pdftoppm",
        &[
            "-r",
            "30",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            path,
            png.to_str().unwrap(),
        ],
    );
    let shot = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("page"))
        .unwrap();
    let img = image::open(&shot).unwrap().to_luma8();
    let dark = img.pixels().filter(|p| p.0[0] < 128).count();
    assert!(dark > 2000, "ink on page 1: {dark}");
}

#[test]
fn posters_as_a_pdf_one_page_per_place_whose_codes_scan() {
    let s = survey();
    let places = minyi::qr::places(&s, "http://minyi.test", Lang::Zh);
    let xc: Vec<minyi::qr::Place> = places.into_iter().filter(|p| p.district == "XC").collect();
    let bytes = minyi::qr::posters_pdf(&s, &xc, Lang::Zh).unwrap();
    if !poppler() {
        return; // poppler() said it was skipped
    }
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("posters.pdf");
    std::fs::write(&pdf, bytes).unwrap();
    let path = pdf.to_str().unwrap();
    let info = run("pdfinfo", &[path]);
    assert!(
        info.contains(&format!("Pages:           {}", xc.len())),
        "{info}"
    );
    let second = run("pdftotext", &["-f", "2", "-l", "2", path, "-"]);
    assert!(second.contains(&xc[1].url) && squeeze(&second).contains(&squeeze(&xc[1].label)));
    assert!(second.contains("不保存IP地址"));
    let png: PathBuf = dir.path().join("p");
    run(
        "pdftoppm",
        &[
            "-r",
            "100",
            "-png",
            "-f",
            "2",
            "-l",
            "2",
            path,
            png.to_str().unwrap(),
        ],
    );
    let shot = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "png"))
        .unwrap();
    let img = image::open(&shot).unwrap().to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1);
    let (_, text) = grids[0].decode().unwrap();
    assert_eq!(text, xc[1].url, "the code on page 2 is page 2's place");
}

fn minyi(args: &[&str]) -> (bool, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_minyi"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into(),
        String::from_utf8_lossy(&o.stderr).into(),
    )
}

#[test]
fn report_says_why_nothing_counts_and_includes_flagged_responses_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let def = format!("{SURVEYS}/civility-2026.toml");
    let synth = dir.path().join("synth.csv");
    let (ok, _, err) = minyi(&[
        "synth",
        "--survey",
        &def,
        "--rows-per-wave",
        "300",
        "--out",
        synth.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    // Every response of wave 2 flagged too fast.
    let mut r = csv::Reader::from_path(&synth).unwrap();
    let mut header = r.headers().unwrap().clone();
    header.push_field("quality_flags");
    let flagged = dir.path().join("flagged.csv");
    let mut w = csv::Writer::from_path(&flagged).unwrap();
    w.write_record(&header).unwrap();
    let mut in_wave_2 = 0;
    for row in r.records() {
        let mut row = row.unwrap();
        let wave2 = &row[0] == "2";
        in_wave_2 += wave2 as usize;
        row.push_field(if wave2 { "too_fast" } else { "" });
        w.write_record(&row).unwrap();
    }
    w.flush().unwrap();
    let out = dir.path().join("pack");
    let args = [
        "report",
        "--survey",
        &def,
        "--responses",
        flagged.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    let (ok, _, err) = minyi(&args);
    assert!(!ok);
    assert!(
        err.contains(&format!("all {in_wave_2} are flagged")) && err.contains("--include-flagged"),
        "{err}"
    );
    let mut with = args.to_vec();
    with.push("--include-flagged");
    let (ok, stdout, err) = minyi(&with);
    assert!(ok, "{err}");
    assert!(stdout.contains("wave 2") && stdout.contains(&format!("({in_wave_2} responses)")));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains(&format!("按要求计入了{in_wave_2}份有质量标记的问卷")),
        "every output says the flagged responses count"
    );
    if poppler() {
        let text = squeeze(&run(
            "pdftotext",
            &[out.join("briefing.pdf").to_str().unwrap(), "-"],
        ));
        assert!(text.contains(&format!("按要求计入了{in_wave_2}份有质量标记的问卷")));
    }
}
