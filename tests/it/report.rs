//! The briefing pack from synthetic data (two waves): every file, the workbook read back.

use calamine::{Data, Reader, Xlsx};
use std::path::Path;

use crate::common::SURVEYS;
use minyi::definition::Lang;
use minyi::stats::{self, Options};

fn pack(lang: Lang) -> (tempfile::TempDir, minyi::report::Pack) {
    let survey =
        minyi::definition::load_file(Path::new(&format!("{SURVEYS}/civility-2026.toml"))).unwrap();
    let data = minyi::synth::dataset(&survey, 1500, 2, 7);
    let mut tally = minyi::stats::tally::Tally::new(&survey);
    tally.add(&survey, &data);
    let census = stats::Census::from_survey(&survey);
    let dir = tempfile::tempdir().unwrap();
    let input = minyi::report::PackInput {
        survey: &survey,
        tally: &tally,
        census: census.as_ref(),
        options: Options::default(),
        wave: None,
        lang,
        date: "2026-11-22".into(),
        collection: minyi::figures::collection_text(
            minyi::figures::modes_of(&data).as_deref(),
            lang,
        ),
        include_flagged: false,
        voices: None,
        household: None,
        ledger: None,
    };
    let steps = std::cell::RefCell::new(Vec::new());
    let p = minyi::report::build(&input, dir.path(), &|s| {
        steps.borrow_mut().push(s.to_string())
    })
    .unwrap();
    assert_eq!(
        *steps.borrow(),
        [
            "estimates",
            "charts",
            "tables",
            "workbook",
            "html",
            "documents"
        ]
    );
    (dir, p)
}

#[test]
fn every_file_of_the_pack() {
    let (dir, p) = pack(Lang::Zh);
    assert_eq!(p.wave, "2", "the latest wave by default");
    for f in [
        "report.html",
        "briefing.xlsx",
        "heat_table.png",
        "heat_table.svg",
        "progress.svg",
        "likert_satisfaction.png",
        "rate_sat_overall.png",
        "rate_aware_campaign.svg",
        "trend_satisfaction.png",
        "table_satisfaction.csv",
        "table_awareness.csv",
        // The reach of each option of a multiple-choice question.
        "reach_participation_kind.png",
        "reach_participation_kind.svg",
        "table_reach.csv",
    ] {
        let path = dir.path().join(f);
        assert!(
            path.metadata().map(|m| m.len() > 100).unwrap_or(false),
            "{f} missing or empty"
        );
    }
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("<svg"), "charts are inline");
    assert!(!html.contains("<img"), "self-contained");
    assert!(html.contains("@page{size:A4"));
    assert!(html.contains("较上一轮"), "changes since the previous wave");
    assert!(html.contains("方法说明") && html.contains("泰勒线性化"));
    assert!(html.contains("收集方式：扫码"));
    // The summary quotes the city figure the tables hold.
    let city = p
        .report
        .estimates
        .iter()
        .find(|e| {
            e.indicator == "sat_overall"
                && e.group == "ALL"
                && e.kind == stats::EstimateKind::Proportion
        })
        .unwrap();
    assert!(html.contains(&format!("全市总体满意度为{:.1}%", city.estimate * 100.0)));
}

#[test]
fn workbook_reads_back() {
    let (dir, p) = pack(Lang::Zh);
    let mut wb: Xlsx<_> = calamine::open_workbook(dir.path().join("briefing.xlsx")).unwrap();
    assert_eq!(
        wb.sheet_names(),
        [
            "知晓率",
            "参与率",
            "支持率",
            "知识正确率",
            "满意率",
            "街道社区网格",
            "方法说明"
        ]
    );
    // Every street, community and grid estimate of the pack has its row; a suppressed
    // one shows n and what it would need, never a rate.
    let places = wb.worksheet_range("街道社区网格").unwrap();
    let prow: Vec<&[Data]> = places.rows().skip(1).collect();
    let want = p
        .places
        .as_ref()
        .unwrap()
        .estimates
        .iter()
        .filter(|e| minyi::stats::is_rate(e))
        .count();
    assert_eq!(prow.len(), want);
    let mut suppressed = 0;
    for r in &prow {
        if r[12] == Data::String("样本不足".into()) {
            suppressed += 1;
            assert_eq!(r[7], Data::Empty, "no rate for a suppressed figure: {r:?}");
            assert!(matches!(r[13], Data::Float(n) if n >= 100.0), "{r:?}");
        }
    }
    assert!(
        suppressed > 0,
        "1500 responses leave most communities too small"
    );
    let sheet = wb.worksheet_range("满意率").unwrap();
    let rows: Vec<&[Data]> = sheet.rows().collect();
    assert_eq!(rows[0][0], Data::String("指标".into()));
    // Every estimate on the sheet equals the engine's (stored as numbers, shown as %).
    let mut checked = 0;
    for r in &rows[1..] {
        let (Data::String(label), Data::String(area)) = (&r[0], &r[1]) else {
            panic!("{r:?}")
        };
        let q = ["环境卫生", "总体满意度"].iter().position(|x| x == label);
        if q.is_none() {
            continue;
        }
        let id = ["sat_sanitation", "sat_overall"][q.unwrap()];
        let group = if area == "全市" {
            "ALL".to_string()
        } else {
            ["新城区", "江源区", "东湖区", "南港区", "北山区", "高新区"]
                .iter()
                .position(|d| d == area)
                .map(|i| ["XC", "JY", "DH", "NG", "BS", "GX"][i].to_string())
                .unwrap()
        };
        let e = p
            .report
            .estimates
            .iter()
            .find(|e| {
                e.indicator == id && e.group == group && e.kind == stats::EstimateKind::Proportion
            })
            .unwrap();
        if let Data::Float(v) = r[3] {
            assert!((v - e.estimate).abs() < 1e-12, "{label} {area}");
            checked += 1;
        }
        assert_eq!(r[2], Data::Float(e.n));
    }
    assert_eq!(checked, 14, "two indicators × (city + 6 districts)");
    let methods = wb.worksheet_range("方法说明").unwrap();
    assert!(methods
        .rows()
        .any(|r| matches!(&r[0], Data::String(s) if s.contains("加权"))));
}

#[test]
fn english_pack_and_a_chosen_wave() {
    let (dir, p) = pack(Lang::En);
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("City-wide Overall satisfaction is"));
    assert!(html.contains("Methods"));
    assert!(p.changes.iter().any(|c| c.group == "ALL"));
}
