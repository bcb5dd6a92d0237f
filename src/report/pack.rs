//! Building the pack, stage by stage: the estimates of every wave, the changes from the
//! previous wave, the charts, the tables, the workbook, the HTML report and the
//! briefing documents, each written into the directory given.

use std::path::{Path, PathBuf};

use super::brief;
use super::docx;
use super::error::ReportError;
use super::html;
use super::model::{Change, HouseholdPack, Pack, PackInput};
use super::pdf;
use super::xlsx;
use crate::charts::{self, Chart, Frame};
use crate::definition::{Dimension, Kind, Survey};
use crate::figures::{self, MapLevel};
use crate::stats::tally::{Key, Tally};
use crate::stats::{self, is_rate, Estimate, Flag, Options, Report};

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

/// Builds the pack into `out`, calling `step` before each stage (for a progress bar).
pub fn build(input: &PackInput<'_>, out: &Path, step: &dyn Fn(&str)) -> Result<Pack, ReportError> {
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
    let waves = Waves::of(input, tally)?;
    step("estimates");
    let (by_wave, report) = estimates(input, tally, &waves)?;
    let changes = changes(&waves, &by_wave, &report);
    let household = household(input, &waves, &report);
    let responses_by_district = responses_by_district(input.survey, tally, &waves);
    let places = places(input, tally, &waves, &report)?;
    step("charts");
    let (charts_out, likert) = charts(
        input,
        tally,
        &waves,
        &by_wave,
        &report,
        places.as_ref(),
        &responses_by_district,
    )?;
    let mut files = Vec::new();
    for (name, c) in &charts_out {
        write(out, &format!("{name}.png"), &c.png, &mut files)?;
        write(out, &format!("{name}.svg"), c.svg.as_bytes(), &mut files)?;
    }
    let mut pack = Pack {
        wave: waves.wave.clone(),
        waves: waves.labels.clone(),
        report,
        by_wave,
        changes,
        responses_by_district,
        likert,
        files,
        places,
        included_flagged: waves.included_flagged,
        household,
    };
    step("tables");
    tables(input, &mut pack, out)?;
    step("workbook");
    let xlsx = xlsx::workbook(input.survey, &pack, input)?;
    write(out, "briefing.xlsx", &xlsx, &mut pack.files)?;
    if let Some(l) = input.ledger {
        write(out, "ledger.xlsx", &l.workbook, &mut pack.files)?;
    }
    step("html");
    let page = html::page(input.survey, &pack, input, &charts_out);
    write(out, "report.html", page.as_bytes(), &mut pack.files)?;
    step("documents");
    let brief = brief::build(input.survey, &pack, input, &charts_out);
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

/// The waves a pack covers: the one it reports, and those before it (a pack looks
/// back, never ahead).
struct Waves {
    wave: String,
    labels: Vec<String>,
    excluded: stats::Exclusions,
    /// Flagged responses of the wave counted because the caller asked.
    included_flagged: usize,
}

impl Waves {
    fn of(input: &PackInput<'_>, tally: &Tally) -> Result<Waves, ReportError> {
        let s = input.survey;
        let mut labels = tally.waves();
        if labels.is_empty() {
            labels.push(s.wave.to_string());
        }
        let wave = input
            .wave
            .clone()
            .or_else(|| labels.last().cloned())
            .unwrap_or_else(|| s.wave.to_string());
        let Some(pos) = labels.iter().position(|w| *w == wave) else {
            return Err(ReportError::NoWave(wave, labels.join(", ")));
        };
        labels.truncate(pos + 1);
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
        Ok(Waves {
            wave,
            labels,
            excluded,
            included_flagged,
        })
    }

    fn has_earlier(&self) -> bool {
        self.labels.len() > 1
    }
}

/// The atoms of one wave.
fn of_wave(w: &str) -> impl Fn(&Key) -> bool {
    let w: i32 = w.parse().unwrap_or(i32::MIN);
    move |k: &Key| k.wave == w
}

/// The city and district estimates of each wave alone, and the reported wave's.
fn estimates(
    input: &PackInput<'_>,
    tally: &Tally,
    waves: &Waves,
) -> Result<(Vec<(String, Report)>, Report), ReportError> {
    let opts = Options {
        by: vec!["district".into()],
        ..input.options.clone()
    };
    let mut by_wave = Vec::new();
    for w in &waves.labels {
        if !tally.select(&of_wave(w)).any(|a| a.key.counted()) {
            continue;
        }
        let mut r = stats::tally::analyse(input.survey, tally, &of_wave(w), input.census, &opts)?;
        if *w == waves.wave {
            r.excluded = waves.excluded.clone();
        }
        by_wave.push((w.clone(), r));
    }
    let report = by_wave
        .iter()
        .find(|(w, _)| *w == waves.wave)
        .map(|(_, r)| r.clone())
        .ok_or_else(|| ReportError::NoWave(waves.wave.clone(), waves.labels.join(", ")))?;
    Ok((by_wave, report))
}

/// The household sample's estimates of the reported wave (its counted interviews, in
/// the pack's weighting where the census allows) and their gap to the convenience
/// sample's; `None` without household interviews in the wave.
fn household(input: &PackInput<'_>, waves: &Waves, report: &Report) -> Option<HouseholdPack> {
    let data = input.household?.of_wave(&waves.wave).without_flagged().0;
    if data.is_empty() {
        return None;
    }
    let (r, fallback) =
        figures::household_report(input.survey, &data, input.census, &input.options).ok()?;
    let gap = figures::rate_gap(&r, report);
    Some(HouseholdPack {
        report: r,
        fallback: fallback.map(|e| e.to_string()),
        gap,
    })
}

/// Changes against the previous wave: independent samples, so the variances add.
fn changes(waves: &Waves, by_wave: &[(String, Report)], report: &Report) -> Vec<Change> {
    let Some(prev) = by_wave
        .iter()
        .rev()
        .find(|(w, _)| *w != waves.wave)
        .filter(|_| waves.has_earlier())
        .map(|(_, r)| r)
    else {
        return Vec::new();
    };
    report
        .estimates
        .iter()
        .filter(|e| is_rate(e) && e.flag != Flag::Suppress)
        .filter_map(|e| {
            let p = prev
                .estimates
                .iter()
                .find(|x| x.indicator == e.indicator && x.kind == e.kind && x.group == e.group)?;
            if p.flag == Flag::Suppress {
                return None;
            }
            let d = stats::independent_difference(p, e, report.level);
            Some(Change {
                indicator: e.indicator.clone(),
                group: e.group.clone(),
                previous: p.estimate,
                current: e.estimate,
                difference: d.difference,
                ci_low: d.ci_low.is_finite().then_some(d.ci_low),
                ci_high: d.ci_high.is_finite().then_some(d.ci_high),
                p_value: d.p_value,
            })
        })
        .collect()
}

/// Counted responses of the reported wave per district.
fn responses_by_district(s: &Survey, tally: &Tally, waves: &Waves) -> Vec<(String, f64)> {
    let current = of_wave(&waves.wave);
    s.districts
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
        .collect()
}

/// Below the district: the reported wave's estimates by street, community and grid,
/// with the community model beside the direct figures.
fn places(
    input: &PackInput<'_>,
    tally: &Tally,
    waves: &Waves,
    districts: &Report,
) -> Result<Option<Report>, ReportError> {
    let s = input.survey;
    if s.communities().next().is_none() {
        return Ok(None);
    }
    let o = Options {
        by: vec!["street".into(), "community".into(), "grid".into()],
        ..input.options.clone()
    };
    let mut r = stats::tally::analyse(s, tally, &of_wave(&waves.wave), input.census, &o)?;
    r.estimates.retain(|e| e.domain != "city");
    stats::communities::community_model(
        s,
        &mut r,
        districts,
        &input.options,
        &waves.labels,
        &waves.wave,
        &|w, o| stats::tally::analyse(s, tally, &of_wave(w), input.census, o),
    );
    Ok(Some(r))
}

/// Every chart of the pack, named by its file stem, and the satisfaction scales'
/// rows (the HTML and the briefing list them too).
#[allow(clippy::type_complexity)]
fn charts(
    input: &PackInput<'_>,
    tally: &Tally,
    waves: &Waves,
    by_wave: &[(String, Report)],
    report: &Report,
    places: Option<&Report>,
    responses_by_district: &[(String, f64)],
) -> Result<(Vec<(String, Chart)>, Vec<charts::LikertRow>), ReportError> {
    let s = input.survey;
    let l = input.lang;
    let subtitle = figures::chart_subtitle(s, &waves.wave, Some(report), &input.date, l);
    let frame = |title: String| Frame {
        title,
        subtitle: subtitle.clone(),
        source: input.collection.clone(),
        notes: vec![],
    };
    let rate_questions: Vec<&crate::definition::Question> =
        s.questions.iter().filter(|q| q.is_indicator()).collect();
    let mut out: Vec<(String, Chart)> = Vec::new();
    for q in &rate_questions {
        let title = format!("{}{}", q.label(l), l.pick("：各区比较", " by district"));
        if let Some(chart) = figures::rate_chart(s, report, q, "district", frame(title), l) {
            out.push((format!("rate_{}", q.id), charts::render(&chart)?));
        }
    }
    if waves.has_earlier() {
        out.extend(trend_charts(
            input,
            waves,
            by_wave,
            report,
            &rate_questions,
            &frame,
        )?);
    }
    if s.boundaries.is_some() {
        for (_, q) in figures::headline_questions(s) {
            let district_estimates = report.estimates.iter().filter(|e| e.domain == "district");
            if let Some(m) =
                figures::map_chart(s, district_estimates, q, MapLevel::Districts, frame, l)
            {
                out.push((format!("map_{}", q.id), charts::render(&m)?));
            }
            for d in &s.districts {
                let Some(p) = places else { break };
                let mine = p.estimates.iter().filter(|e| {
                    e.domain == "community" && e.group.starts_with(&format!("{}/", d.code))
                });
                let level = MapLevel::Communities(&d.code);
                if let Some(m) = figures::map_chart(s, mine, q, level, frame, l) {
                    out.push((format!("map_{}_{}", q.id, d.code), charts::render(&m)?));
                }
            }
        }
    }
    for q in s.questions.iter().filter(|q| q.kind == Kind::Multiple) {
        if let Some(chart) = figures::reach_chart(report, q, frame(String::new()), l) {
            out.push((format!("reach_{}", q.id), charts::render(&chart)?));
        }
    }
    let opts = Options {
        by: vec!["district".into()],
        ..input.options.clone()
    };
    let current = of_wave(&waves.wave);
    let likert = figures::likert_rows(s, tally, &current, input.census, &opts, l)?;
    if let Some(chart) = figures::likert_chart(s, likert.clone(), frame, l) {
        out.push(("likert_satisfaction".into(), charts::render(&chart)?));
    }
    out.push((
        "heat_table".into(),
        charts::render(&figures::heat_chart(s, report, frame, l))?,
    ));
    out.push((
        "progress".into(),
        charts::render(&figures::progress_chart(s, responses_by_district, frame, l))?,
    ));
    // The day the pack is made, for the pace to the evaluation date.
    let today = chrono::NaiveDate::parse_from_str(&input.date, "%Y-%m-%d")
        .unwrap_or_else(|_| chrono::Local::now().date_naive());
    let pace = waves
        .wave
        .parse()
        .ok()
        .and_then(|w| stats::pace::pace(s, tally, w, today));
    if let Some(p) = &pace {
        out.push((
            "pace".into(),
            charts::render(&figures::pace_chart(s, p, frame, l))?,
        ));
    }
    Ok((out, likert))
}

/// The city-wide trend of each rated dimension across the waves: small multiples, a
/// significant change from the previous wave marked.
fn trend_charts(
    input: &PackInput<'_>,
    waves: &Waves,
    by_wave: &[(String, Report)],
    report: &Report,
    rate_questions: &[&crate::definition::Question],
    frame: &dyn Fn(String) -> Frame,
) -> Result<Vec<(String, Chart)>, ReportError> {
    let (s, l) = (input.survey, input.lang);
    let mut out = Vec::new();
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
                for (w, r) in by_wave {
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
            waves: waves.labels.clone(),
            series,
            target: s.targets.for_dimension(*dim),
            lang: l,
        })?;
        out.push((format!("trend_{}", dim.name()), chart));
    }
    Ok(out)
}

/// The CSV tables: one per rated dimension, the reach of options, the places, the
/// residents' themes.
fn tables(input: &PackInput<'_>, pack: &mut Pack, out: &Path) -> Result<(), ReportError> {
    let (s, l) = (input.survey, input.lang);
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
            figures::reach(&pack.report, q, l)
                .into_iter()
                .map(|(label, e)| reach_row(q.label(l), label, e, l))
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
        let bytes = csv_bytes(&header, safe(reach_rows))?;
        write(out, "table_reach.csv", &bytes, &mut pack.files)?;
    }
    if let Some(p) = &pack.places {
        let (header, rows) = figures::place_table(s, p, &pack.report, l);
        let bytes = csv_bytes(
            &header,
            rows.iter()
                .map(|r| r.iter().map(figures::cell_text).collect()),
        )?;
        write(out, "table_places.csv", &bytes, &mut pack.files)?;
    }
    if let Some(v) = input
        .voices
        .as_ref()
        .filter(|v| v.rows.iter().any(|r| r.1 > 0))
    {
        let (header, rows) = figures::voices_table(s, v, l);
        let bytes = csv_bytes(&header, safe(rows))?;
        write(out, "table_themes.csv", &bytes, &mut pack.files)?;
    }
    if let Some(h) = &pack.household {
        let rows: Vec<Vec<String>> = Dimension::ALL
            .iter()
            .filter(|d| d.is_rated())
            .flat_map(|d| html::table_rows(s, &h.report, *d, l))
            .collect();
        let bytes = csv_bytes(&html::table_header(l), rows)?;
        write(out, "table_household.csv", &bytes, &mut pack.files)?;
        let (header, rows) = figures::gap_table(s, &h.gap, l);
        let bytes = csv_bytes(
            &header,
            rows.iter()
                .map(|r| r.iter().map(figures::cell_text).collect()),
        )?;
        write(out, "table_gap.csv", &bytes, &mut pack.files)?;
    }
    Ok(())
}

/// One option's reach as a CSV row (a suppressed figure keeps its row, not its number).
fn reach_row(
    question: &str,
    option: String,
    e: &Estimate,
    l: crate::definition::Lang,
) -> Vec<String> {
    let shown = e.flag != Flag::Suppress;
    let pct = |v: Option<f64>| {
        v.filter(|_| shown)
            .map_or(String::new(), |v| format!("{v:.4}"))
    };
    vec![
        question.to_string(),
        option,
        format!("{:.0}", e.n),
        pct(Some(e.estimate)),
        pct(e.ci_low),
        pct(e.ci_high),
        crate::labels::publication_flag(e.flag, l).to_string(),
    ]
}

/// Cells as a spreadsheet may safely open them (text residents or staff wrote).
fn safe(rows: Vec<Vec<String>>) -> impl Iterator<Item = Vec<String>> {
    rows.into_iter().map(|r| {
        r.into_iter()
            .map(crate::export::spreadsheet_safe)
            .collect::<Vec<_>>()
    })
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
    crate::export::zip(&entries).map_err(ReportError::from)
}
