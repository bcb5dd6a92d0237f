//! Charts from fixed estimates: structure of the SVG, and PNGs that carry ink where the
//! Chinese labels are. Every chart is also written to `target/tmp/charts/` to look at.

use minyi::charts::*;
use minyi::definition::Lang;
use minyi::stats::Flag;

fn save(name: &str, c: &Chart) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("charts");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.png")), &c.png).unwrap();
    std::fs::write(dir.join(format!("{name}.svg")), &c.svg).unwrap();
}

fn frame(title: &str) -> Frame {
    Frame {
        title: title.into(),
        subtitle: "江川市创建全国文明城市群众满意度调查 · 第1轮 · 加权：迭代调整 · 95%置信区间（logit）· 2026-11-22".into(),
        source: "来源：minyi 民意调查（二维码与链接自填，排除甄别未通过问卷）".into(),
        notes: vec![],
    }
}

fn bars() -> Vec<RateBar> {
    let b = |label: &str, e: f64, n: f64, flag| RateBar {
        label: label.into(),
        estimate: e,
        low: Some(e - 0.04),
        high: Some((e + 0.03).min(1.0)),
        n,
        flag,
    };
    vec![
        b("新城区", 0.873, 412.0, Flag::Ok),
        b("江源区", 0.912, 380.0, Flag::Ok),
        b("东湖区", 0.801, 295.0, Flag::Ok),
        b("南港区", 0.845, 88.0, Flag::Directional),
        b("北山区", 0.95, 20.0, Flag::Suppress),
        b("高新区", 0.78, 150.0, Flag::Ok),
    ]
}

/// The text of every `<text>` element, trimmed.
fn texts(c: &Chart) -> Vec<String> {
    c.svg
        .split("<text")
        .skip(1)
        .filter_map(|part| {
            let start = part.find('>')? + 1;
            let end = part.find("</text>")?;
            Some(part[start..end].trim().to_string())
        })
        .collect()
}

fn has(c: &Chart, s: &str) -> bool {
    texts(c).iter().any(|t| t == s)
}

/// Dark pixels inside a box of the 2× PNG (logical coordinates).
fn ink(c: &Chart, x0: f64, y0: f64, x1: f64, y1: f64) -> usize {
    let img = image::load_from_memory(&c.png).unwrap().to_rgb8();
    assert_eq!(img.width(), c.width * 2);
    let mut n = 0;
    for y in (2.0 * y0) as u32..(2.0 * y1) as u32 {
        for x in (2.0 * x0) as u32..(2.0 * x1) as u32 {
            let p = img.get_pixel(x, y).0;
            if (p[0] as u32 + p[1] as u32 + p[2] as u32) < 200 {
                n += 1;
            }
        }
    }
    n
}

#[test]
fn rate_chart_structure() {
    let chart = RateChart::new(frame("各区知晓率"), bars(), Some(0.9), Lang::Zh);
    let c = render(&chart).unwrap();
    save("rate", &c);
    // Sorted by value, suppressed last; no bar for the suppressed district.
    let order: Vec<&str> = chart.bars.iter().map(|b| b.label.as_str()).collect();
    assert_eq!(
        order,
        ["江源区", "新城区", "南港区", "东湖区", "高新区", "北山区"]
    );
    for label in [
        "各区知晓率",
        "江源区",
        "n=412",
        "91.2%",
        "样本不足",
        "目标 90.0%",
    ] {
        assert!(has(&c, label), "SVG lacks {label}");
    }
    assert!(c.svg.contains("斜线条：仅供参考") && c.svg.contains("来源：minyi"));
    // Five drawn bars in the bar colour (the suppressed one has none).
    assert_eq!(
        c.svg.matches(r##"fill="#0072B2""##).count(),
        4,
        "solid bars"
    );
    // The target line sits at 90% of the axis.
    let x = RateChart::x(0.9);
    assert!((x - (RATE_LEFT + 0.9 * (RATE_RIGHT - RATE_LEFT))).abs() < 1e-9);
    assert!(
        c.svg.contains(&format!("x1=\"{}\"", x.round() as i64))
            || c.svg.contains(&format!("{},", x.round() as i64)),
        "target line at x={x}"
    );
}

#[test]
fn png_labels_are_glyphs_not_boxes() {
    let c = render(&RateChart::new(
        frame("各区知晓率"),
        bars(),
        Some(0.9),
        Lang::Zh,
    ))
    .unwrap();
    assert_eq!(&c.png[1..4], b"PNG");
    // Title area: Chinese glyphs leave plenty of ink …
    let title = ink(&c, 20.0, 10.0, 200.0, 42.0);
    assert!(title > 800, "title ink {title}");
    // … and the district labels left of the bars too.
    let labels = ink(&c, 60.0, 112.0, 165.0, 380.0);
    assert!(labels > 1000, "label ink {labels}");
    // A character the font lacks is drawn as an empty box (.notdef). Every character of
    // every label must have a real glyph in the embedded font.
    assert_all_glyphs(&c);
}

/// Fails if any character in the chart's text has no glyph in the embedded font.
fn assert_all_glyphs(c: &Chart) {
    use ab_glyph::Font;
    let font = ab_glyph::FontRef::try_from_slice(minyi::fonts::CJK).unwrap();
    let mut checked = 0;
    for part in c.svg.split("<text").skip(1) {
        let Some(start) = part.find('>') else {
            continue;
        };
        let Some(end) = part.find("</text>") else {
            continue;
        };
        for ch in part[start + 1..end]
            .chars()
            .filter(|ch| !ch.is_whitespace())
        {
            assert_ne!(
                font.glyph_id(ch).0,
                0,
                "no glyph for {ch:?} (U+{:04X}): it would render as an empty box",
                ch as u32
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} characters checked");
}

#[test]
fn english_labels_on_request() {
    let mut f = frame("Awareness by district");
    f.subtitle = "Jiangchuan civilized-city survey · wave 1".into();
    let mut b = bars();
    b[0].label = "Xincheng".into();
    let c = render(&RateChart::new(f, b, Some(0.9), Lang::En)).unwrap();
    assert!(c.svg.contains("target 90.0%"));
    assert!(c.svg.contains("too few responses"));
    assert!(c.svg.contains("Hatched: directional only"));
}

/// Ten satisfaction items used to share one panel and eight colours; now each has
/// its own panel, all drawn in one colour, with its name above it.
#[test]
fn trend_of_ten_items_is_ten_panels_in_one_colour() {
    let point = |wave: &str, v: f64| TrendPoint {
        wave: wave.into(),
        estimate: v,
        low: Some(v - 0.03),
        high: Some(v + 0.03),
        significant: false,
    };
    let series: Vec<TrendSeries> = (0..10)
        .map(|i| TrendSeries {
            label: format!("满意度{i}"),
            points: vec![point("1", 0.7 + i as f64 * 0.01), point("2", 0.75)],
        })
        .collect();
    let t = render(&TrendChart {
        frame: frame("满意度变化"),
        waves: vec!["1".into(), "2".into()],
        series,
        target: Some(0.9),
        lang: Lang::Zh,
    })
    .unwrap();
    save("trend_ten", &t);
    assert_all_glyphs(&t);
    for i in 0..10 {
        assert!(has(&t, &format!("满意度{i}")), "panel {i} is named");
    }
    let strokes: std::collections::BTreeSet<&str> = t
        .svg
        .split("<polyline")
        .skip(1)
        .filter_map(|p| p.split("stroke=\"").nth(1)?.split('"').next())
        // Gridlines and the target's dashes are not series.
        .filter(|c| *c != "#DDDDDD" && *c != "#D55E00")
        .collect();
    assert_eq!(
        strokes.into_iter().collect::<Vec<_>>(),
        ["#0072B2"],
        "one line colour"
    );
    assert!(t.height > t.width, "four rows of panels");
}

#[test]
fn trend_likert_heat_progress() {
    let series = vec![
        TrendSeries {
            label: "全市".into(),
            points: vec![
                TrendPoint {
                    wave: "1".into(),
                    estimate: 0.82,
                    low: Some(0.8),
                    high: Some(0.84),
                    significant: false,
                },
                TrendPoint {
                    wave: "2".into(),
                    estimate: 0.86,
                    low: Some(0.84),
                    high: Some(0.88),
                    significant: false,
                },
                TrendPoint {
                    wave: "3".into(),
                    estimate: 0.9,
                    low: Some(0.88),
                    high: Some(0.92),
                    significant: true,
                },
            ],
        },
        TrendSeries {
            label: "新城区".into(),
            points: vec![
                TrendPoint {
                    wave: "1".into(),
                    estimate: 0.78,
                    low: Some(0.72),
                    high: Some(0.83),
                    significant: false,
                },
                TrendPoint {
                    wave: "2".into(),
                    estimate: 0.84,
                    low: Some(0.79),
                    high: Some(0.88),
                    significant: false,
                },
                TrendPoint {
                    wave: "3".into(),
                    estimate: 0.88,
                    low: Some(0.84),
                    high: Some(0.91),
                    significant: false,
                },
            ],
        },
    ];
    let t = render(&TrendChart {
        frame: frame("满意率变化"),
        waves: vec!["1".into(), "2".into(), "3".into()],
        series,
        target: Some(0.9),
        lang: Lang::Zh,
    })
    .unwrap();
    save("trend", &t);
    assert_all_glyphs(&t);
    assert!(has(&t, "第3轮") && has(&t, "全市") && t.svg.contains("<polygon"));
    // Values are written at their points, a significant change marked, no legend.
    assert!(has(&t, "90.0% ▲") && has(&t, "88.0%") && !has(&t, "88.0% ▲"));

    let row = |l: &str, s: [f64; 5]| LikertRow {
        label: l.into(),
        shares: s,
        n: 400.0,
    };
    let cats = ["非常不满意", "不太满意", "一般", "比较满意", "非常满意"].map(String::from);
    let l = LikertChart::new(
        frame("各领域满意度分布"),
        vec![
            row("环境卫生", [0.05, 0.1, 0.2, 0.35, 0.3]),
            row("社会治安", [0.02, 0.05, 0.13, 0.4, 0.4]),
            row("城市交通", [0.1, 0.2, 0.3, 0.25, 0.15]),
        ],
        cats,
        Lang::Zh,
    );
    assert_eq!(
        l.rows[0].label, "社会治安",
        "sorted by the two best answers"
    );
    let lc = render(&l).unwrap();
    save("likert", &lc);
    assert_all_glyphs(&lc);
    assert!(has(&lc, "非常满意") && has(&lc, "40") && has(&lc, "n=400"));

    use minyi::stats::TargetState::*;
    let cell = |e: f64, st, f| {
        Some(HeatCell {
            estimate: e,
            status: Some(st),
            flag: f,
        })
    };
    let h = HeatTable::new(
        frame("各区各项指标"),
        vec!["创建知晓".into(), "核心价值观知晓".into(), "支持率".into()],
        vec!["新城区".into(), "江源区".into()],
        vec![
            vec![
                cell(0.93, AtOrAbove, Flag::Ok),
                cell(0.88, Below, Flag::Ok),
                cell(0.8, SignificantlyBelow, Flag::Ok),
            ],
            vec![
                cell(0.95, SignificantlyAbove, Flag::Suppress),
                cell(0.97, SignificantlyAbove, Flag::Ok),
                cell(0.91, AtOrAbove, Flag::Directional),
            ],
        ],
        Lang::Zh,
    );
    // One colour per target state (the one rule of stats::target), grey when suppressed.
    assert_eq!(HeatTable::fill(&h.cells[0][0].unwrap()), (0xDB, 0xEA, 0xF6));
    assert_eq!(HeatTable::fill(&h.cells[0][1].unwrap()), (0xFB, 0xE2, 0xB0));
    assert_eq!(HeatTable::fill(&h.cells[0][2].unwrap()), (0xF5, 0xC0, 0xA6));
    assert_eq!(HeatTable::fill(&h.cells[1][0].unwrap()), (0xEE, 0xEE, 0xEE));
    assert_eq!(HeatTable::fill(&h.cells[1][1].unwrap()), (0xA9, 0xCE, 0xEC));
    let hc = render(&h).unwrap();
    save("heat", &hc);
    assert_all_glyphs(&hc);
    assert!(
        has(&hc, "80.0*")
            && has(&hc, "97.0+")
            && has(&hc, "93.0")
            && has(&hc, "样本不足")
            && has(&hc, "核心价值")
    );
    assert!(
        texts(&hc)
            .iter()
            .any(|t| t.contains("红（*）：显著低于目标")),
        "the legend says what the states mean"
    );

    let p = render(&ProgressChart {
        frame: frame("样本收集进度"),
        rows: vec![
            ProgressRow {
                label: "新城区".into(),
                responses: 312.0,
                planned: 400.0,
                projected: None,
            },
            ProgressRow {
                label: "江源区".into(),
                responses: 455.0,
                planned: 400.0,
                projected: None,
            },
        ],
        lang: Lang::Zh,
    })
    .unwrap();
    save("progress", &p);
    assert!(has(&p, "312 / 400（78%）") && has(&p, "455 / 400（114%）"));
}

#[test]
fn english_labels_wrap_between_words_and_long_names_fit() {
    let heat = HeatTable::new(
        frame("Indicators by district (%)"),
        vec!["Campaign awareness".into(), "Sanitation".into()],
        vec!["Gaoxin (High-tech) Zone".into()],
        vec![vec![None, None]],
        Lang::En,
    );
    let c = render(&heat).unwrap();
    assert!(
        has(&c, "Campaign") && has(&c, "awareness"),
        "{:?}",
        texts(&c)
    );
    assert!(
        !texts(&c).iter().any(|t| t == "Sanit" || t == "ation"),
        "{:?}",
        texts(&c)
    );
    // A long district name shrinks to fit left of the bars instead of running off.
    let progress = ProgressChart {
        frame: frame("Collection progress"),
        rows: vec![ProgressRow {
            label: "Gaoxin (High-tech) Zone".into(),
            responses: 10.0,
            planned: 100.0,
            projected: None,
        }],
        lang: Lang::En,
    };
    let svg = render(&progress).unwrap().svg;
    let at = svg.find("Gaoxin").unwrap();
    let tag = &svg[svg[..at].rfind("<text").unwrap()..at];
    let size: f64 = tag
        .split("font-size=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|s| s.trim_end_matches("px").parse().ok())
        .unwrap_or_else(|| panic!("no font size in {tag}"));
    // Sizes are in the SVG's pixels (the same as the chart's logical pixels).
    assert!(size < 15.0, "font size {size}");
    assert!(size * 0.55 * 23.0 <= RATE_LEFT - 20.0 + 1.0);
}
