//! The briefing pack: charts (PNG + SVG), an XLSX workbook, CSV tables and a
//! self-contained HTML report with a generated summary, from a survey's responses.
//! No web and no database: the caller hands in the aggregated responses (a
//! [`Tally`]) and a directory, so the pack's memory and time do not grow with the
//! number of responses.

mod brief;
mod docx;
pub mod findings;
mod html;
mod pdf;
mod xlsx;

pub use xlsx::{responses_workbook, table_workbook, Cell, Table, SHEET_ROWS};

use std::path::{Path, PathBuf};

use crate::charts::{self, Chart, Frame};
use crate::definition::{Dimension, Kind, Lang, Survey};
use crate::labels::{group_name, weighting_name};
use crate::stats::tally::{Key, Tally};
use crate::stats::{self, Dataset, Estimate, Flag, Options, Report};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Stats(#[from] stats::StatsError),
    #[error(transparent)]
    Chart(#[from] charts::ChartError),
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the workbook: {0}")]
    Xlsx(String),
    #[error("cannot write the ZIP archive: {0}")]
    Zip(String),
    #[error("cannot write the PDF: {0}")]
    Pdf(String),
    #[error("wave {0} has no responses; the data have waves {1}")]
    NoWave(String, String),
    #[error("wave {wave} has no responses that count: all {flagged} are flagged (too fast, straight-lined, bursts, repeated patterns or superseded); the quality panel says why; keep them with --include-flagged")]
    NothingCounted { wave: String, flagged: usize },
}

/// Residents' open answers for the pack, read from storage by the caller: answers per
/// theme and district, and at most `voices_per_theme` masked answers per theme.
#[derive(Debug, Clone, Default)]
pub struct Voices {
    /// Theme codes, in the definition's order.
    pub themes: Vec<String>,
    /// (district code, answers, confirmed, per theme the answers in it).
    pub rows: Vec<(String, usize, usize, Vec<usize>)>,
    /// (theme code, masked answers quoted), newest first.
    pub examples: Vec<(String, Vec<String>)>,
}

/// What the pack is made from.
pub struct PackInput<'a> {
    pub survey: &'a Survey,
    /// All responses, aggregated (every wave; flagged ones are left out and counted).
    pub tally: &'a Tally,
    pub census: Option<&'a stats::Census>,
    pub options: Options,
    /// The wave to report; default the latest in the data (or the definition's).
    pub wave: Option<String>,
    pub lang: Lang,
    /// The date printed on every chart and page.
    pub date: String,
    /// How the data were collected, for every output's source line.
    pub collection: String,
    /// Count flagged responses (not superseded ones) instead of leaving them out.
    pub include_flagged: bool,
    /// Residents' open answers, when the pack is made from the database.
    pub voices: Option<Voices>,
}

/// One estimate against the previous wave.
#[derive(Debug, Clone)]
pub struct Change {
    pub indicator: String,
    pub group: String,
    pub previous: f64,
    pub current: f64,
    pub difference: f64,
    /// The difference's interval (`None` where the designs give none).
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub p_value: f64,
}

/// Everything computed for the pack (also what the HTML and the workbook show).
pub struct Pack {
    pub wave: String,
    pub waves: Vec<String>,
    pub report: Report,
    /// Per wave (in order), the city and district estimates of that wave alone.
    pub by_wave: Vec<(String, Report)>,
    pub changes: Vec<Change>,
    pub responses_by_district: Vec<(String, f64)>,
    pub likert: Vec<charts::LikertRow>,
    pub files: Vec<String>,
    /// The current wave's estimates by street, community and grid (where residents
    /// live), when the definition has places below the district.
    pub places: Option<Report>,
    /// Flagged responses of the wave counted because the caller asked (`include_flagged`).
    pub included_flagged: usize,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8], files: &mut Vec<String>) -> Result<(), ReportError> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).map_err(io(&path))?;
    files.push(name.to_string());
    Ok(())
}

/// A CSV file's bytes: the header, then the rows as given.
fn csv_bytes<H: AsRef<[u8]>>(
    header: &[H],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<Vec<u8>, ReportError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: &dyn std::fmt::Display| ReportError::Xlsx(e.to_string());
    w.write_record(header).map_err(|e| err(&e))?;
    for r in rows {
        w.write_record(&r).map_err(|e| err(&e))?;
    }
    w.into_inner().map_err(|e| err(&e))
}

/// Rate indicators: proportions, not the don't-know rates.
pub fn is_rate(e: &Estimate) -> bool {
    stats::is_rate(e)
}

/// Builds the pack into `out`, calling `step` before each stage (for a progress bar).
pub fn build(input: &PackInput<'_>, out: &Path, step: &dyn Fn(&str)) -> Result<Pack, ReportError> {
    let s = input.survey;
    let l = input.lang;
    std::fs::create_dir_all(out).map_err(io(out))?;
    // Flagged responses are kept in storage but left out of every figure, and counted;
    // on request they count instead (said in every output's basis line).
    let counting;
    let tally = if input.include_flagged {
        counting = input.tally.counting_flagged();
        &counting
    } else {
        input.tally
    };
    let mut waves = tally.waves();
    if waves.is_empty() {
        waves.push(s.wave.to_string());
    }
    let wave = input
        .wave
        .clone()
        .or_else(|| waves.last().cloned())
        .unwrap_or_else(|| s.wave.to_string());
    let Some(pos) = waves.iter().position(|w| *w == wave) else {
        return Err(ReportError::NoWave(wave, waves.join(", ")));
    };
    // A pack looks back, never ahead: later waves are left out.
    waves.truncate(pos + 1);
    let of_wave = |w: &str| {
        let w: i32 = w.parse().unwrap_or(i32::MIN);
        move |k: &Key| k.wave == w
    };
    let current = of_wave(&wave);
    let excluded = tally.exclusions(&current);
    let included_flagged = if input.include_flagged {
        input.tally.exclusions(&current).responses - excluded.responses
    } else {
        0
    };
    if !tally.select(&current).any(|a| a.key.counted()) {
        return Err(ReportError::NothingCounted {
            wave: wave.clone(),
            flagged: excluded.responses,
        });
    }

    step("estimates");
    let mut opts = input.options.clone();
    opts.by = vec!["district".into()];
    let mut by_wave = Vec::new();
    for w in &waves {
        if !tally.select(&of_wave(w)).any(|a| a.key.counted()) {
            continue;
        }
        let mut r = stats::tally::analyse(s, tally, &of_wave(w), input.census, &opts)?;
        if *w == wave {
            r.excluded = excluded.clone();
        }
        by_wave.push((w.clone(), r));
    }
    let report = by_wave
        .iter()
        .find(|(w, _)| *w == wave)
        .map(|(_, r)| r.clone())
        .expect("wave present");

    // Changes against the previous wave: independent samples, so the variances add.
    let mut changes = Vec::new();
    if let Some(pos) = waves.iter().position(|w| *w == wave).filter(|&p| p > 0) {
        let prev = &by_wave[pos - 1].1;
        for e in report
            .estimates
            .iter()
            .filter(|e| is_rate(e) && e.flag != Flag::Suppress)
        {
            let Some(p) = prev
                .estimates
                .iter()
                .find(|x| x.indicator == e.indicator && x.kind == e.kind && x.group == e.group)
            else {
                continue;
            };
            if p.flag == Flag::Suppress {
                continue;
            }
            let d = stats::independent_difference(p, e, report.level);
            changes.push(Change {
                indicator: e.indicator.clone(),
                group: e.group.clone(),
                previous: p.estimate,
                current: e.estimate,
                difference: d.difference,
                ci_low: d.ci_low.is_finite().then_some(d.ci_low),
                ci_high: d.ci_high.is_finite().then_some(d.ci_high),
                p_value: d.p_value,
            });
        }
    }

    let responses_by_district: Vec<(String, f64)> = s
        .districts
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let n: u32 = tally
                .select(&current)
                .filter(|a| a.key.counted() && a.key.district as usize == i)
                .map(|a| a.rows)
                .sum();
            (d.code.clone(), n as f64)
        })
        .collect();

    step("charts");
    let mut files = Vec::new();
    let subtitle = format!(
        "{} · {}{}{} · {}{} · {} {:.0}% ({}) · {}",
        s.title.get(l),
        l.pick("第", "wave "),
        wave,
        l.pick("轮", ""),
        l.pick("加权：", "weighting: "),
        weighting_name(report.weighting, l),
        l.pick("置信区间", "interval"),
        report.level * 100.0,
        report.method.name(),
        input.date
    );
    let frame = |title: String| Frame {
        title,
        subtitle: subtitle.clone(),
        source: input.collection.clone(),
        notes: vec![],
    };
    let rate_questions: Vec<&crate::definition::Question> =
        s.questions.iter().filter(|q| q.is_indicator()).collect();
    let mut charts_out: Vec<(String, Chart)> = Vec::new();
    for q in &rate_questions {
        let title = format!("{}{}", q.label(l), l.pick("：各区比较", " by district"));
        if let Some(chart) = rate_chart(s, &report, q, "district", frame(title), l) {
            charts_out.push((format!("rate_{}", q.id), charts::render(&chart)?));
        }
    }
    if waves.len() > 1 {
        for dim in Dimension::ALL.iter().filter(|d| d.is_rated()) {
            let qs: Vec<&&crate::definition::Question> = rate_questions
                .iter()
                .filter(|q| q.dimension == *dim)
                .collect();
            if qs.is_empty() {
                continue;
            }
            let series = qs
                .iter()
                .map(|q| {
                    let mut previous: Option<&Estimate> = None;
                    let mut points = Vec::new();
                    for (w, r) in &by_wave {
                        let Some(e) = r.estimates.iter().find(|e| {
                            e.indicator == q.id
                                && is_rate(e)
                                && e.group == "ALL"
                                && e.flag != Flag::Suppress
                        }) else {
                            continue;
                        };
                        let significant = previous.is_some_and(|p| {
                            stats::independent_difference(p, e, report.level).p_value
                                < 1.0 - report.level
                        });
                        points.push(charts::TrendPoint {
                            wave: w.clone(),
                            estimate: e.estimate,
                            low: e.ci_low,
                            high: e.ci_high,
                            significant,
                        });
                        previous = Some(e);
                    }
                    charts::TrendSeries {
                        label: q.label(l).to_string(),
                        points,
                    }
                })
                .collect();
            let title = format!(
                "{}{}",
                dim.label().get(l),
                l.pick("：全市历轮变化", ": city-wide across waves")
            );
            let mut f = frame(title);
            f.notes.push(
                l.pick(
                    "每项指标一幅小图，纵轴相同；阴影为置信区间，虚线为目标；▲▼：与上一轮相比变化显著。",
                    "One panel per indicator on a shared axis; bands are intervals, the dashed line the target; ▲▼: a significant change from the previous wave.",
                )
                .into(),
            );
            let chart = charts::render(&charts::TrendChart {
                frame: f,
                waves: waves.clone(),
                series,
                target: s.targets.for_dimension(*dim),
                lang: l,
            })?;
            charts_out.push((format!("trend_{}", dim.name()), chart));
        }
    }
    // Below the district: the same estimates by street, community and grid.
    let places = if s.communities().next().is_some() {
        let mut o = input.options.clone();
        o.by = vec!["street".into(), "community".into(), "grid".into()];
        let mut r = stats::tally::analyse(s, tally, &current, input.census, &o)?;
        r.estimates.retain(|e| e.domain != "city");
        // The community model, benchmarked to this wave's district rates, with the
        // previous wave for its `prior` covariate.
        let prior = waves
            .len()
            .checked_sub(2)
            .map(|i| waves[i].clone())
            .map(|w| {
                let o = Options {
                    by: vec!["district".into(), "community".into()],
                    ..input.options.clone()
                };
                stats::tally::analyse(s, tally, &of_wave(&w), input.census, &o)
            })
            .transpose()?;
        stats::sae::model_communities(s, &mut r, &report, prior.as_ref());
        Some(r)
    } else {
        None
    };
    if s.boundaries.is_some() {
        for (_, q) in headline_questions(s) {
            let district_estimates = report.estimates.iter().filter(|e| e.domain == "district");
            if let Some(m) = map_chart(s, district_estimates, q, MapLevel::Districts, frame, l) {
                charts_out.push((format!("map_{}", q.id), charts::render(&m)?));
            }
            for d in &s.districts {
                let Some(p) = &places else { break };
                let mine = p.estimates.iter().filter(|e| {
                    e.domain == "community" && e.group.starts_with(&format!("{}/", d.code))
                });
                if let Some(m) = map_chart(s, mine, q, MapLevel::Communities(&d.code), frame, l) {
                    charts_out.push((format!("map_{}_{}", q.id, d.code), charts::render(&m)?));
                }
            }
        }
    }
    for q in s.questions.iter().filter(|q| q.kind == Kind::Multiple) {
        if let Some(chart) = reach_chart(&report, q, frame(String::new()), l) {
            charts_out.push((format!("reach_{}", q.id), charts::render(&chart)?));
        }
    }
    let likert = likert_rows(s, tally, &current, input.census, &opts, l)?;
    if let Some(chart) = likert_chart(s, likert.clone(), frame, l) {
        charts_out.push(("likert_satisfaction".into(), charts::render(&chart)?));
    }
    charts_out.push((
        "heat_table".into(),
        charts::render(&heat_chart(s, &report, frame, l))?,
    ));
    charts_out.push((
        "progress".into(),
        charts::render(&progress_chart(s, &responses_by_district, frame, l))?,
    ));
    // The day the pack is made, for the pace to the evaluation date.
    let today = chrono::NaiveDate::parse_from_str(&input.date, "%Y-%m-%d")
        .unwrap_or_else(|_| chrono::Local::now().date_naive());
    let pace = wave
        .parse()
        .ok()
        .and_then(|w| stats::pace::pace(s, tally, w, today));
    if let Some(p) = &pace {
        charts_out.push(("pace".into(), charts::render(&pace_chart(s, p, frame, l))?));
    }
    for (name, c) in &charts_out {
        write(out, &format!("{name}.png"), &c.png, &mut files)?;
        write(out, &format!("{name}.svg"), c.svg.as_bytes(), &mut files)?;
    }

    let mut pack = Pack {
        wave,
        waves,
        report,
        by_wave,
        changes,
        responses_by_district,
        likert,
        files,
        places,
        included_flagged,
    };

    step("tables");
    for dim in Dimension::ALL.iter().filter(|d| d.is_rated()) {
        let bytes = csv_bytes(
            &html::table_header(l),
            html::table_rows(s, &pack.report, *dim, l),
        )?;
        if bytes.iter().filter(|&&b| b == b'\n').count() > 1 {
            write(
                out,
                &format!("table_{}.csv", dim.name()),
                &bytes,
                &mut pack.files,
            )?;
        }
    }
    let reach_rows: Vec<Vec<String>> = s
        .questions
        .iter()
        .filter(|q| q.kind == Kind::Multiple)
        .flat_map(|q| {
            reach(&pack.report, q, l).into_iter().map(|(label, e)| {
                let shown = e.flag != Flag::Suppress;
                vec![
                    q.label(l).to_string(),
                    label,
                    format!("{:.0}", e.n),
                    if shown {
                        format!("{:.4}", e.estimate)
                    } else {
                        String::new()
                    },
                    e.ci_low
                        .filter(|_| shown)
                        .map_or(String::new(), |v| format!("{v:.4}")),
                    e.ci_high
                        .filter(|_| shown)
                        .map_or(String::new(), |v| format!("{v:.4}")),
                    crate::labels::publication_flag(e.flag, l).to_string(),
                ]
            })
        })
        .collect();
    if !reach_rows.is_empty() {
        let header = [
            l.pick("题目", "question"),
            l.pick("选项", "option"),
            l.pick("回答人数", "n"),
            l.pick("选择比例", "share"),
            l.pick("下限", "low"),
            l.pick("上限", "high"),
            l.pick("标记", "flag"),
        ];
        let safe = reach_rows.into_iter().map(|r| {
            r.into_iter()
                .map(crate::export::spreadsheet_safe)
                .collect::<Vec<_>>()
        });
        let bytes = csv_bytes(&header, safe)?;
        write(out, "table_reach.csv", &bytes, &mut pack.files)?;
    }
    if let Some(p) = &pack.places {
        let (header, rows) = place_table(s, p, &pack.report, l);
        let bytes = csv_bytes(
            &header,
            rows.iter().map(|r| r.iter().map(cell_text).collect()),
        )?;
        write(out, "table_places.csv", &bytes, &mut pack.files)?;
    }
    if let Some(v) = input
        .voices
        .as_ref()
        .filter(|v| v.rows.iter().any(|r| r.1 > 0))
    {
        let (header, rows) = voices_table(s, v, l);
        let safe = rows.into_iter().map(|r| {
            r.into_iter()
                .map(crate::export::spreadsheet_safe)
                .collect::<Vec<_>>()
        });
        let bytes = csv_bytes(&header, safe)?;
        write(out, "table_themes.csv", &bytes, &mut pack.files)?;
    }
    step("workbook");
    let xlsx = xlsx::workbook(s, &pack, input)?;
    write(out, "briefing.xlsx", &xlsx, &mut pack.files)?;
    step("html");
    let page = html::page(s, &pack, input, &charts_out);
    write(out, "report.html", page.as_bytes(), &mut pack.files)?;
    step("documents");
    let brief = brief::build(s, &pack, input, &charts_out);
    let size = pdf::summary_size(&brief);
    write(
        out,
        "briefing.docx",
        &docx::write(&brief, size)?,
        &mut pack.files,
    )?;
    write(out, "briefing.pdf", &pdf::write(&brief)?, &mut pack.files)?;
    Ok(pack)
}

/// The headline rate question of each rated dimension (the one marked `headline`,
/// else the first), as the dashboard's tables show them.
pub fn headline_questions(s: &Survey) -> Vec<(Dimension, &crate::definition::Question)> {
    Dimension::ALL
        .iter()
        .filter(|d| d.is_rated())
        .filter_map(|d| {
            let mut rates = s
                .questions
                .iter()
                .filter(|q| q.dimension == *d && q.is_indicator());
            let first = rates.clone().next();
            rates.find(|q| q.headline).or(first).map(|q| (*d, q))
        })
        .collect()
}

/// A cell as CSV text (percentages as shares, so a spreadsheet reads numbers).
pub fn cell_text(c: &Cell) -> String {
    match c {
        Cell::Text(t) => crate::export::spreadsheet_safe(t.clone()),
        Cell::Pct(v) | Cell::Num(v) if v.is_finite() => format!("{v:.4}"),
        Cell::Int(v) if v.is_finite() => format!("{v:.0}"),
        _ => String::new(),
    }
}

/// Themes of residents' open answers per district: (header, rows as text).
pub fn voices_table(s: &Survey, v: &Voices, l: Lang) -> (Vec<String>, Vec<Vec<String>>) {
    let name = |code: &str| {
        s.themes
            .iter()
            .find(|t| t.code == code)
            .map_or(code.to_string(), |t| t.name.get(l).to_string())
    };
    let mut header = vec![
        l.pick("区", "district").to_string(),
        l.pick("回答数", "answers").to_string(),
        l.pick("已确认主题", "themes confirmed").to_string(),
    ];
    header.extend(v.themes.iter().map(|t| name(t)));
    let rows = v
        .rows
        .iter()
        .map(|(d, n, confirmed, counts)| {
            let mut r = vec![
                crate::labels::district_name(s, d, l),
                n.to_string(),
                confirmed.to_string(),
            ];
            r.extend(counts.iter().map(|c| c.to_string()));
            r
        })
        .collect();
    (header, rows)
}

/// Every rate of every street, community and grid: the places table of the workbook
/// and `table_places.csv`. Suppressed figures keep their row (n and the respondents a
/// publishable figure needs) but no number.
pub fn place_table(
    s: &Survey,
    places: &Report,
    districts: &Report,
    l: Lang,
) -> (Vec<String>, Vec<Vec<Cell>>) {
    let header: Vec<String> = [
        ("层级", "level"),
        ("区", "district"),
        ("街道", "street"),
        ("代码", "code"),
        ("名称", "name"),
        ("指标", "indicator"),
        ("受访人数", "n"),
        ("估计值", "rate"),
        ("置信区间下限", "interval low"),
        ("置信区间上限", "interval high"),
        ("目标", "target"),
        ("与目标相比", "against the target"),
        ("发布", "publication"),
        ("发布所需受访人数", "respondents for a publishable figure"),
        ("模型估计", "model estimate"),
        ("模型区间下限", "model interval low"),
        ("模型区间上限", "model interval high"),
        ("模型与目标相比", "model against the target"),
        ("模型类型", "model kind"),
    ]
    .iter()
    .map(|(zh, en)| l.pick(zh, en).to_string())
    .collect();
    let mut rows = Vec::new();
    for level in ["street", "community", "grid"] {
        for e in places
            .estimates
            .iter()
            .filter(|e| e.domain == level && is_rate(e))
        {
            let Some((dc, code)) = e.group.split_once('/') else {
                continue;
            };
            let Some(d) = s.district(dc) else { continue };
            let Some(q) = s.question(&e.indicator) else {
                continue;
            };
            let street = match level {
                "street" => None,
                _ => d
                    .communities
                    .iter()
                    .find(|c| c.code == code || c.grids.iter().any(|g| g.code == code))
                    .and_then(|c| c.street_code.as_deref())
                    .and_then(|st| d.street(st)),
            };
            let fallback = districts.estimates.iter().find(|x| {
                x.domain == "district"
                    && x.group == d.code
                    && x.indicator == e.indicator
                    && is_rate(x)
            });
            let published = e.flag != Flag::Suppress && e.estimate.is_finite();
            rows.push(vec![
                Cell::Text(
                    match level {
                        "street" => l.pick("街道", "street"),
                        "community" => l.pick("社区", "community"),
                        _ => l.pick("网格", "grid"),
                    }
                    .into(),
                ),
                Cell::Text(d.name.get(l).to_string()),
                Cell::Text(
                    street
                        .map(|st| st.name.get(l).to_string())
                        .unwrap_or_default(),
                ),
                Cell::Text(code.to_string()),
                Cell::Text(group_name(s, &e.group, l)),
                Cell::Text(q.label(l).to_string()),
                Cell::Int(e.n),
                if published {
                    Cell::Pct(e.estimate)
                } else {
                    Cell::Empty
                },
                match (published, e.ci_low) {
                    (true, Some(v)) => Cell::Pct(v),
                    _ => Cell::Empty,
                },
                match (published, e.ci_high) {
                    (true, Some(v)) => Cell::Pct(v),
                    _ => Cell::Empty,
                },
                s.target_for(q).map_or(Cell::Empty, Cell::Pct),
                Cell::Text(
                    e.target_status
                        .map(|t| crate::labels::target_state(t.state, l).to_string())
                        .unwrap_or_default(),
                ),
                Cell::Text(crate::labels::publication_flag(e.flag, l).to_string()),
                needed_for(e, fallback)
                    .filter(|_| e.n > 0.0)
                    .map_or(Cell::Empty, |n| Cell::Int(n as f64)),
                e.model
                    .as_ref()
                    .map_or(Cell::Empty, |m| Cell::Pct(m.estimate)),
                e.model
                    .as_ref()
                    .map_or(Cell::Empty, |m| Cell::Pct(m.ci_low)),
                e.model
                    .as_ref()
                    .map_or(Cell::Empty, |m| Cell::Pct(m.ci_high)),
                Cell::Text(
                    e.model
                        .as_ref()
                        .and_then(|m| m.target_status)
                        .map(|t| crate::labels::target_state(t.state, l).to_string())
                        .unwrap_or_default(),
                ),
                Cell::Text(
                    e.model
                        .as_ref()
                        .map(|m| match m.gamma {
                            None => l.pick("合成（无受访者）", "synthetic (no respondents)"),
                            Some(_) if m.synthetic => l.pick("合成（A=0）", "synthetic (A = 0)"),
                            Some(_) => l.pick(
                                "EBLUP（Fay–Herriot，基准化）",
                                "EBLUP (Fay–Herriot, benchmarked)",
                            ),
                        })
                        .unwrap_or_default()
                        .to_string(),
                ),
            ]);
        }
    }
    (header, rows)
}

/// Respondents for a figure without caution: an effective sample of 100 (the
/// publication rule's `directional_below`) at the estimate's design effect, or its
/// district's where the estimate rests on too few respondents.
pub fn needed_for(e: &Estimate, fallback: Option<&Estimate>) -> Option<u32> {
    let usable = |x: &Estimate| {
        (x.deff.is_finite() && x.deff >= 1.0 && x.flag != Flag::Suppress).then_some(x.deff)
    };
    let deff = usable(e)
        .or_else(|| fallback.and_then(usable))
        .unwrap_or(1.0);
    let want = (stats::FlagRules::default().directional_below * deff).ceil();
    (want > e.n).then_some(want as u32)
}

/// Rate bars of one question across the groups of `domain` (`district`, or
/// `community` for one district's page).
pub fn rate_chart(
    s: &Survey,
    report: &Report,
    q: &crate::definition::Question,
    domain: &str,
    frame: Frame,
    l: Lang,
) -> Option<charts::RateChart> {
    let bars: Vec<charts::RateBar> = report
        .estimates
        .iter()
        .filter(|e| e.indicator == q.id && is_rate(e) && e.domain == domain)
        .map(|e| charts::RateBar {
            label: group_name(s, &e.group, l),
            estimate: e.estimate,
            low: e.ci_low,
            high: e.ci_high,
            n: e.n,
            flag: e.flag,
        })
        .collect();
    (!bars.is_empty()).then(|| charts::RateChart::new(frame, bars, s.target_for(q), l))
}

/// The city-wide reach of each option of a multiple-choice question: (option label,
/// its estimate), in the question's order.
pub fn reach<'r>(
    report: &'r Report,
    q: &crate::definition::Question,
    l: Lang,
) -> Vec<(String, &'r Estimate)> {
    q.options
        .iter()
        .filter_map(|o| {
            let name = format!("{}.{}", q.id, o.code);
            report
                .estimates
                .iter()
                .find(|e| e.indicator == name && e.group == "ALL")
                .map(|e| (o.label.get(l).to_string(), e))
        })
        .collect()
}

/// Bars of the reach of each option (several per respondent, so they need not sum to
/// 100%), with intervals and flags.
pub fn reach_chart(
    report: &Report,
    q: &crate::definition::Question,
    mut frame: Frame,
    l: Lang,
) -> Option<charts::RateChart> {
    let bars: Vec<charts::RateBar> = reach(report, q, l)
        .into_iter()
        .map(|(label, e)| charts::RateBar {
            label,
            estimate: e.estimate,
            low: e.ci_low,
            high: e.ci_high,
            n: e.n,
            flag: e.flag,
        })
        .collect();
    if bars.is_empty() {
        return None;
    }
    frame.title = format!(
        "{}{}",
        q.label(l),
        l.pick(
            "：各选项选择比例（全市）",
            ": share choosing each option (city)"
        )
    );
    frame.notes.push(
        l.pick(
            "可多选：每项为回答此题的居民中选择该项的加权比例，各项之和可超过100%。",
            "Several answers allowed: each bar is the weighted share of those who answered who chose it; bars may add up to more than 100%.",
        )
        .into(),
    );
    Some(charts::RateChart::new(frame, bars, None, l))
}

/// The diverging bars of the satisfaction scales.
pub fn likert_chart(
    s: &Survey,
    rows: Vec<charts::LikertRow>,
    frame: impl Fn(String) -> Frame,
    l: Lang,
) -> Option<charts::LikertChart> {
    if rows.is_empty() {
        return None;
    }
    let cats = s
        .questions
        .iter()
        .find(|q| q.kind == Kind::Scale5)
        .map(|q| {
            let label = |code: &str| {
                q.option(code)
                    .map_or(code.to_string(), |o| o.label.get(l).to_string())
            };
            [label("1"), label("2"), label("3"), label("4"), label("5")]
        })
        .unwrap_or_else(|| ["1", "2", "3", "4", "5"].map(String::from));
    let mut f = frame(
        l.pick("各领域满意度分布", "Satisfaction by task area")
            .to_string(),
    );
    f.notes.push(
        l.pick(
            "“说不清”不计入比例。数字为百分比。",
            "Don't-know answers are left out. Numbers are percentages.",
        )
        .into(),
    );
    Some(charts::LikertChart::new(f, rows, cats, l))
}

/// Districts × rate indicators, coloured by distance to target.
/// Which places a map shows.
#[derive(Debug, Clone, Copy)]
pub enum MapLevel<'a> {
    /// The city's districts.
    Districts,
    /// One district's communities (where residents live).
    Communities(&'a str),
}

/// A choropleth of one rate question's estimates (`estimates`: the district or the
/// community domain), or `None` when the definition has no outlines for these places.
pub fn map_chart<'e>(
    s: &Survey,
    estimates: impl Iterator<Item = &'e Estimate>,
    q: &crate::definition::Question,
    level: MapLevel<'_>,
    frame: impl Fn(String) -> Frame,
    l: Lang,
) -> Option<charts::MapChart> {
    let b = s.boundaries.as_ref()?;
    let estimates: Vec<&Estimate> = estimates
        .filter(|e| e.indicator == q.id && is_rate(e))
        .collect();
    // A community's model estimate where the small-area model ran (hatched where it
    // is the synthetic one of a community without respondents), else its direct one.
    let modelled = estimates.iter().any(|e| e.model.is_some());
    let cell = |group: &str| {
        estimates
            .iter()
            .find(|e| e.group == group)
            .map(|e| match &e.model {
                Some(m) => charts::HeatCell {
                    estimate: m.estimate,
                    status: m.target_status.map(|t| t.state),
                    flag: if m.gamma.is_none() {
                        Flag::Directional
                    } else {
                        Flag::Ok
                    },
                },
                None => charts::HeatCell {
                    estimate: e.estimate,
                    status: e.target_status.map(|t| t.state),
                    flag: e.flag,
                },
            })
    };
    let (areas, title): (Vec<charts::MapArea>, String) = match level {
        MapLevel::Districts => (
            s.districts
                .iter()
                .filter_map(|d| {
                    Some(charts::MapArea {
                        code: d.code.clone(),
                        name: d.name.get(l).to_string(),
                        rings: b.get(&d.code)?.clone(),
                        cell: cell(&d.code),
                    })
                })
                .collect(),
            format!(
                "{}{}",
                q.label(l),
                l.pick("：各区地图", " by district, map")
            ),
        ),
        MapLevel::Communities(code) => {
            let d = s.district(code)?;
            (
                d.communities
                    .iter()
                    .filter_map(|c| {
                        Some(charts::MapArea {
                            code: c.code.clone(),
                            name: c.name.get(l).to_string(),
                            rings: b.get(&c.code)?.clone(),
                            cell: cell(&format!("{}/{}", d.code, c.code)),
                        })
                    })
                    .collect(),
                format!(
                    "{} · {}{}{}",
                    d.name.get(l),
                    q.label(l),
                    l.pick("：各社区地图（居住地）", " by community of residence, map"),
                    if modelled {
                        l.pick("，模型估计", ", model estimates")
                    } else {
                        ""
                    }
                ),
            )
        }
    };
    if areas.is_empty() {
        return None;
    }
    let mut f = frame(title);
    if modelled {
        f.notes.push(
            l.pick(
                "社区为小区域模型估计（Fay–Herriot，按区直接估计基准化）；斜线：无受访者，只有回归合成估计。",
                "Communities show small-area model estimates (Fay–Herriot, benchmarked to the district's direct rate); hatched: no respondents, the regression (synthetic) estimate only.",
            )
            .into(),
        );
    }
    Some(charts::MapChart::new(f, areas, l))
}

pub fn heat_chart(
    s: &Survey,
    report: &Report,
    frame: impl Fn(String) -> Frame,
    l: Lang,
) -> charts::HeatTable {
    let rate_questions: Vec<&crate::definition::Question> =
        s.questions.iter().filter(|q| q.is_indicator()).collect();
    charts::HeatTable::new(
        frame(
            l.pick("各区各项指标（%）", "Indicators by district (%)")
                .into(),
        ),
        rate_questions
            .iter()
            .map(|q| q.label(l).to_string())
            .collect(),
        s.districts
            .iter()
            .map(|d| d.name.get(l).to_string())
            .collect(),
        s.districts
            .iter()
            .map(|d| {
                rate_questions
                    .iter()
                    .map(|q| {
                        report
                            .estimates
                            .iter()
                            .find(|e| e.indicator == q.id && is_rate(e) && e.group == d.code)
                            .map(|e| charts::HeatCell {
                                estimate: e.estimate,
                                status: e.target_status.map(|t| t.state),
                                flag: e.flag,
                            })
                    })
                    .collect()
            })
            .collect(),
        l,
    )
}

/// Responses per district against the planned sample size.
pub fn progress_chart(
    s: &Survey,
    responses: &[(String, f64)],
    frame: impl Fn(String) -> Frame,
    l: Lang,
) -> charts::ProgressChart {
    charts::ProgressChart {
        frame: frame(l.pick("样本收集进度", "Collection progress").into()),
        rows: s
            .districts
            .iter()
            .map(|d| charts::ProgressRow {
                label: d.name.get(l).to_string(),
                responses: responses
                    .iter()
                    .find(|(c, _)| *c == d.code)
                    .map_or(0.0, |x| x.1),
                planned: s.planned_per_district as f64,
                projected: None,
            })
            .collect(),
        lang: l,
    }
}

/// Counted completes per district against the plan, with where the last seven days'
/// pace ends by the evaluation date.
pub fn pace_chart(
    s: &Survey,
    pace: &stats::pace::Pace,
    frame: impl Fn(String) -> Frame,
    l: Lang,
) -> charts::ProgressChart {
    let mut f = frame(match l {
        Lang::Zh => format!("距测评验收日（{}）的进度", pace.evaluation_date),
        Lang::En => format!("Pace to the evaluation on {}", pace.evaluation_date),
    });
    f.notes.push(match l {
        Lang::Zh => format!("深色：有效问卷（不含质量标记和已作废问卷）；浅蓝与“预计”：按近7天日均进度到验收日（还有{}天）。", pace.days_left),
        Lang::En => format!("Dark: counted completes (no flagged or superseded ones); light blue and the arrow: where the last 7 days' pace ends by the evaluation ({} days left).", pace.days_left),
    });
    charts::ProgressChart {
        frame: f,
        rows: pace
            .districts
            .iter()
            .map(|r| charts::ProgressRow {
                label: crate::labels::district_name(s, &r.district, l),
                responses: r.completes as f64,
                planned: r.planned as f64,
                projected: Some(r.projected),
            })
            .collect(),
        lang: l,
    }
}

/// Weighted shares of the five answers of every satisfaction scale (don't know left
/// out), over the counted responses `keep` selects.
pub fn likert_rows(
    s: &Survey,
    tally: &Tally,
    keep: &dyn Fn(&Key) -> bool,
    census: Option<&stats::Census>,
    opts: &Options,
    l: Lang,
) -> Result<Vec<charts::LikertRow>, ReportError> {
    let atoms: Vec<&stats::tally::Atom> = tally.select(keep).filter(|a| a.key.counted()).collect();
    if atoms.is_empty() {
        return Ok(vec![]);
    }
    let (design, cells) = stats::tally::design(s, &atoms, census, opts)?;
    let mut rows = Vec::new();
    for q in s
        .questions
        .iter()
        .filter(|q| q.kind == Kind::Scale5 && q.dimension == Dimension::Satisfaction)
    {
        let Some(slot) = tally.slots.iter().find(|x| x.question == q.id) else {
            continue;
        };
        let mut w = [0.0f64; 5];
        let mut n = 0.0;
        for (a, &cell) in atoms.iter().zip(&cells) {
            for (o, opt) in q.options.iter().enumerate() {
                let k = a.counts[slot.offset + o] as f64;
                if let (Some(point), true) = (q.scale_point(&opt.code), k > 0.0) {
                    w[(point - 1) as usize] += design.weight[cell as usize] * k;
                    n += k;
                }
            }
        }
        let total: f64 = w.iter().sum();
        if total > 0.0 {
            rows.push(charts::LikertRow {
                label: q.label(l).to_string(),
                shares: w.map(|x| x / total),
                n,
            });
        }
    }
    Ok(rows)
}

/// The collection modes of a dataset's rows (its `channel` column), most used first.
pub fn modes_of(data: &Dataset) -> Option<Vec<(String, usize)>> {
    let ch = data.extra.get("channel")?;
    let mut counts: Vec<(String, usize)> = Vec::new();
    for c in ch {
        match counts.iter_mut().find(|x| x.0 == *c) {
            Some(x) => x.1 += 1,
            None => counts.push((c.clone(), 1)),
        }
    }
    Some(counts)
}

/// "二维码 72%，链接 20%，接口 8%" from mode counts (`None`: the data do not say).
pub fn collection_text(modes: Option<&[(String, usize)]>, l: Lang) -> String {
    let Some(modes) = modes.filter(|m| !m.is_empty()) else {
        return l
            .pick(
                "自填问卷（收集方式未记录）",
                "self-completed questionnaires (mode not recorded)",
            )
            .into();
    };
    let mut counts = modes.to_vec();
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    let total = counts.iter().map(|c| c.1).sum::<usize>().max(1) as f64;
    let parts: Vec<String> = counts
        .iter()
        .map(|(c, n)| {
            format!(
                "{} {:.0}%",
                crate::labels::mode_code_name(c, l),
                *n as f64 / total * 100.0
            )
        })
        .collect();
    format!(
        "{}{}",
        l.pick("收集方式：", "collected by "),
        parts.join(l.pick("，", ", "))
    )
}

/// A ZIP archive of named files (posters' QR codes, the briefing pack).
pub fn zip(entries: &[(String, Vec<u8>)]) -> Result<Vec<u8>, ReportError> {
    use std::io::Write;
    let mut w = ::zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = ::zip::write::SimpleFileOptions::default()
        .compression_method(::zip::CompressionMethod::Deflated);
    let zerr = |e: &dyn std::fmt::Display| ReportError::Zip(e.to_string());
    for (name, bytes) in entries {
        w.start_file(name.as_str(), opts).map_err(|e| zerr(&e))?;
        w.write_all(bytes).map_err(|e| zerr(&e))?;
    }
    let cur = w.finish().map_err(|e| zerr(&e))?;
    Ok(cur.into_inner())
}

/// Builds the pack into a temporary directory and returns one of its files
/// (`briefing.docx`, `briefing.pdf`, …).
pub fn build_file(input: &PackInput<'_>, name: &str) -> Result<Vec<u8>, ReportError> {
    let dir = tempfile::tempdir().map_err(io(Path::new("temporary directory")))?;
    let pack = build(input, dir.path(), &|_| {})?;
    let Some(f) = pack.files.iter().find(|f| *f == name) else {
        return Err(ReportError::Io {
            path: PathBuf::from(name),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        });
    };
    let p = dir.path().join(f);
    std::fs::read(&p).map_err(io(&p))
}

/// Builds the pack into a temporary directory and returns its files as a ZIP.
pub fn build_zip(input: &PackInput<'_>) -> Result<Vec<u8>, ReportError> {
    let dir = tempfile::tempdir().map_err(io(Path::new("temporary directory")))?;
    let pack = build(input, dir.path(), &|_| {})?;
    let mut entries = Vec::new();
    for f in &pack.files {
        let p = dir.path().join(f);
        entries.push((f.clone(), std::fs::read(&p).map_err(io(&p))?));
    }
    zip(&entries)
}
