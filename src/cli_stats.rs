//! `minyi stats`: files in, estimates out (JSON, CSV or a table for people).

use anyhow::{bail, Context, Result};
use std::io::Write;
use std::path::PathBuf;

use crate::definition::{self, Lang, Survey};
use crate::stats::{
    self, Estimate, EstimateKind, Flag, FlagRules, Method, Options, Report, ScorePreset, Weighting,
};

pub struct Args {
    pub survey: PathBuf,
    pub responses: PathBuf,
    pub census: Option<PathBuf>,
    pub weighting: String,
    pub trim: Option<(f64, f64)>,
    pub method: String,
    pub level: f64,
    pub by: Vec<String>,
    pub compare: Option<String>,
    pub scores: String,
    pub rake: stats::RakeControl,
    pub flags: FlagRules,
    pub format: String,
    pub lang: Lang,
    /// Keep responses with quality flags in the estimates.
    pub include_flagged: bool,
    /// Only these collection modes (empty: all).
    pub modes: Vec<String>,
}

pub fn run(a: Args) -> Result<()> {
    let survey = definition::load_file(&a.survey)?;
    let file = a.responses.display().to_string();
    let f = std::fs::File::open(&a.responses).with_context(|| format!("opening {file}"))?;
    let mut all = crate::dataset::read_csv(&survey, &file, std::io::BufReader::new(f))?;
    if !a.modes.is_empty() {
        for m in &a.modes {
            if !crate::office::MODES.contains(&m.as_str()) {
                bail!("--mode {m}: use qr, link, api, phone or household");
            }
        }
        let Some(ch) = all.extra.get("channel") else {
            bail!("--mode needs a `channel` column in {file} (minyi export writes one)");
        };
        let keep: Vec<bool> = ch.iter().map(|c| a.modes.contains(c)).collect();
        all = all.filter(&keep);
        if all.is_empty() {
            bail!(
                "no responses in {file} were collected by {}",
                a.modes.join(", ")
            );
        }
    }
    let collection = crate::report::collection_text(&all, a.lang);
    let (data, excluded) = if a.include_flagged {
        (all, stats::Exclusions::default())
    } else {
        all.without_flagged()
    };
    let census = match &a.census {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            Some(crate::dataset::read_census(
                &survey,
                &p.display().to_string(),
                &text,
            )?)
        }
        None => stats::Census::from_survey(&survey),
    };
    let method = Method::parse(&a.method).context("unknown method")?;
    let weighting = Weighting::parse(&a.weighting).context("unknown weighting")?;
    for b in &a.by {
        if stats::domain_var(&survey, &data, b).is_none() {
            bail!("--by {b}: not `district`, `community`, a choice question id or a column of the responses file");
        }
    }
    let opts = Options {
        weighting,
        trim: a.trim,
        method,
        level: a.level,
        by: a.by.clone(),
        rake: a.rake,
        flags: a.flags,
        scores: ScorePreset::parse(&a.scores).context("unknown scores")?,
    };
    let mut report = stats::analyse(&survey, &data, census.as_ref(), &opts)?;
    report.excluded = excluded;
    let differences = match &a.compare {
        Some(spec) => {
            let (col, groups) = spec
                .split_once('=')
                .context("--compare: write COLUMN=A,B, e.g. wave=1,2")?;
            let (ga, gb) = groups
                .split_once(',')
                .context("--compare: write COLUMN=A,B, e.g. wave=1,2")?;
            let dv = stats::domain_var(&survey, &data, col).with_context(|| {
                format!(
                    "--compare: `{col}` is not district, community, a choice question or a column"
                )
            })?;
            let find = |g: &str| {
                dv.labels.iter().position(|l| l == g).with_context(|| {
                    format!(
                        "--compare: `{col}` has no group `{g}`; it has {}",
                        dv.labels.join(", ")
                    )
                })
            };
            Some(stats::compare(
                &survey,
                &data,
                census.as_ref(),
                &opts,
                &dv,
                find(ga)?,
                find(gb)?,
            )?)
        }
        None => None,
    };
    let out = std::io::stdout();
    let mut out = out.lock();
    match a.format.as_str() {
        "json" => {
            let mut v = serde_json::to_value(&report)?;
            v["collection"] = collection.clone().into();
            if let Some(d) = &differences {
                v["differences"] = serde_json::to_value(d)?;
            }
            serde_json::to_writer_pretty(&mut out, &v)?;
            writeln!(out)?;
        }
        "csv" => write_csv(&report, &mut out)?,
        _ => {
            writeln!(out, "{collection}")?;
            write_table(&survey, &report, differences.as_deref(), a.lang, &mut out)?
        }
    }
    Ok(())
}

fn write_csv<W: Write>(r: &Report, out: W) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "indicator",
        "kind",
        "dimension",
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
        "weighting",
        "method",
        "level",
    ])?;
    let opt = |x: Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
    for e in &r.estimates {
        w.write_record([
            e.indicator.clone(),
            kind_name(e.kind).into(),
            e.dimension.clone(),
            e.domain.clone(),
            e.group.clone(),
            e.n.to_string(),
            e.weighted_total.to_string(),
            e.estimate.to_string(),
            e.se.to_string(),
            opt(e.ci_low),
            opt(e.ci_high),
            e.deff.to_string(),
            e.n_eff.to_string(),
            e.df.to_string(),
            flag_name(e.flag).into(),
            r.weighting.name().into(),
            r.method.name().into(),
            r.level.to_string(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

fn kind_name(k: EstimateKind) -> &'static str {
    match k {
        EstimateKind::Proportion => "proportion",
        EstimateKind::Mean => "mean",
        EstimateKind::Index => "index",
    }
}

fn flag_name(f: Flag) -> &'static str {
    match f {
        Flag::Ok => "ok",
        Flag::Directional => "directional",
        Flag::Suppress => "suppress",
    }
}

/// Display width, counting CJK characters as two columns.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) >= 0x2E80 { 2 } else { 1 })
        .sum()
}

fn pad(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(width(s))))
}

fn group_name(s: &Survey, e: &Estimate, lang: Lang) -> String {
    match e.domain.as_str() {
        "city" => lang.pick("全市", "City").to_string(),
        "district" => s
            .district(&e.group)
            .map_or(e.group.clone(), |d| d.name.get(lang).to_string()),
        "community" => e
            .group
            .split_once('/')
            .and_then(|(d, c)| {
                s.district(d)
                    .and_then(|d| d.community(c))
                    .map(|c| c.name.get(lang).to_string())
            })
            .unwrap_or_else(|| e.group.clone()),
        q => s
            .question(q)
            .and_then(|q| q.option(&e.group))
            .map_or(e.group.clone(), |o| o.label.get(lang).to_string()),
    }
}

fn write_table<W: Write>(
    s: &Survey,
    r: &Report,
    diffs: Option<&[stats::Difference]>,
    lang: Lang,
    out: &mut W,
) -> Result<()> {
    let pct = |x: f64| format!("{:.1}%", x * 100.0);
    writeln!(
        out,
        "{} — {} {}; {} {}; {} {} {:.0}%",
        s.title.get(lang),
        lang.pick("加权", "weighting"),
        r.weighting.name(),
        lang.pick("样本", "respondents"),
        r.respondents,
        lang.pick("区间", "interval"),
        r.method.name(),
        r.level * 100.0
    )?;
    if let Some(rk) = &r.raking {
        writeln!(
            out,
            "{}: {} {}, {} {:.2e}",
            lang.pick("迭代调整", "raking"),
            rk.iterations,
            lang.pick("轮", "sweeps"),
            if rk.converged {
                lang.pick(
                    "已收敛，边际最大相对误差",
                    "converged, largest margin error",
                )
            } else {
                lang.pick(
                    "未收敛！边际最大相对误差",
                    "DID NOT CONVERGE, largest margin error",
                )
            },
            rk.max_margin_error
        )?;
    }
    if r.excluded.responses > 0 {
        let parts: Vec<String> = r
            .excluded
            .by_flag
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        writeln!(
            out,
            "{} {} ({}); {}",
            lang.pick("已排除质量存疑问卷", "excluded flagged responses:"),
            r.excluded.responses,
            parts.join(", "),
            lang.pick(
                "用 --include-flagged 可计入",
                "--include-flagged keeps them"
            )
        )?;
    }
    if !r.districts_without_respondents.is_empty() {
        writeln!(
            out,
            "{}: {}",
            lang.pick(
                "注意：以下区没有样本，全市数据不含这些区",
                "note: no respondents in these districts; city figures exclude them"
            ),
            r.districts_without_respondents.join(", ")
        )?;
    }
    let mut last = String::new();
    for e in &r.estimates {
        let title = format!(
            "{}{}",
            e.indicator,
            match e.kind {
                EstimateKind::Proportion => "",
                EstimateKind::Mean => lang.pick(" (均值)", " (mean)"),
                EstimateKind::Index => lang.pick(" (指数 0–100)", " (index 0–100)"),
            }
        );
        if title != last {
            let q = s.question(e.indicator.trim_end_matches(".dont_know"));
            writeln!(out)?;
            writeln!(
                out,
                "{title}  {}",
                q.map(|q| q.text.get(lang)).unwrap_or("")
            )?;
            writeln!(
                out,
                "  {} {:>6} {:>8} {:>19} {:>6} {:>7}  {}",
                pad(lang.pick("范围", "group"), 14),
                "n",
                lang.pick("估计", "estimate"),
                lang.pick("置信区间", "interval"),
                "deff",
                "n_eff",
                lang.pick("标记", "flag")
            )?;
            last = title;
        }
        let fmt = |x: f64| {
            if e.kind == EstimateKind::Proportion {
                pct(x)
            } else {
                format!("{x:.2}")
            }
        };
        let ci = match (e.ci_low, e.ci_high) {
            (Some(l), Some(h)) => format!("{}–{}", fmt(l), fmt(h)),
            _ => lang.pick("无", "n/a").to_string(),
        };
        let flag = match e.flag {
            Flag::Ok => "",
            Flag::Directional => lang.pick("仅供参考", "directional"),
            Flag::Suppress => lang.pick("样本不足", "suppress"),
        };
        writeln!(
            out,
            "  {} {:>6} {:>8} {:>19} {:>6.2} {:>7.0}  {}",
            pad(&group_name(s, e, lang), 14),
            e.n,
            fmt(e.estimate),
            ci,
            e.deff,
            e.n_eff,
            flag
        )?;
    }
    if let Some(ds) = diffs {
        writeln!(out)?;
        for d in ds {
            writeln!(
                out,
                "{} {}: {}={} → {}={}: {:+.4} (SE {:.4}, {:.0}% CI {:+.4}…{:+.4}, p = {:.4})",
                d.indicator,
                kind_name(d.kind),
                d.domain,
                d.a,
                d.domain,
                d.b,
                d.difference,
                d.se,
                r.level * 100.0,
                d.ci_low,
                d.ci_high,
                d.p_value
            )?;
        }
    }
    Ok(())
}
