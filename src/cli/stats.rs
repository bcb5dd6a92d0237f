//! `minyi stats` (files in; estimates out as JSON, CSV or a table for people) and
//! `minyi plan` (sample sizes).

use anyhow::{bail, Context, Result};
use std::io::Write;
use std::path::PathBuf;

use minyi::collect::Channel;
use minyi::definition::{self, Lang, Survey};
use minyi::labels::{domain_group_name, pct, publication_code, publication_flag};
use minyi::stats::{
    self, EstimateKind, FlagRules, Method, Options, Report, ScorePreset, Weighting,
};

#[derive(clap::Args)]
pub struct StatsArgs {
    /// The survey definition file (.toml).
    #[arg(long)]
    survey: PathBuf,
    /// Responses CSV (as written by `minyi export`).
    #[arg(long)]
    responses: PathBuf,
    /// Census CSV replacing the definition's: district, weighting variables, population.
    #[arg(long)]
    census: Option<PathBuf>,
    #[command(flatten)]
    design: DesignArgs,
    /// Domains besides the city, comma-separated: district, community, or a question id
    /// such as age_band.
    #[arg(long, default_value = "district", value_delimiter = ',')]
    by: Vec<String>,
    /// Compare two groups: COLUMN=A,B (b − a), e.g. wave=1,2 or district=XC,JY.
    #[arg(long)]
    compare: Option<String>,
    /// Raking: stop when no cell total changes by more than this between sweeps (below 1:
    /// a fraction of the total weight, as R's `rake`).
    #[arg(long, default_value_t = 1e-9)]
    rake_epsilon: f64,
    /// Raking: at most this many sweeps (the report says whether it converged).
    #[arg(long, default_value_t = 500)]
    rake_max_iterations: usize,
    /// Scores for rating scales on the 0–100 index.
    #[arg(long, default_value = "100-75-50-25-0", value_parser = ["100-75-50-25-0", "100-80-60-40-20", "100-80-60-30-0"])]
    scores: String,
    /// Publication flags: suppress below this effective n.
    #[arg(long, default_value_t = 30.0)]
    suppress_below: f64,
    /// Publication flags: directional below this effective n.
    #[arg(long, default_value_t = 100.0)]
    directional_below: f64,
    /// Publication flags: directional above this coefficient of variation.
    #[arg(long, default_value_t = 0.3)]
    max_cv: f64,
    #[arg(long, default_value = "table", value_parser = ["json", "csv", "table"])]
    format: String,
    /// Keep responses with quality flags (too fast, straight-lining, bursts, repeated
    /// patterns) in the estimates; by default they are left out and counted.
    #[arg(long)]
    include_flagged: bool,
    /// Only responses collected by these modes, e.g. `phone,household` (the `channel`
    /// column: qr, link, api, phone, household). Split by mode with `--by channel`.
    #[arg(long, value_delimiter = ',')]
    mode: Vec<String>,
    /// Which sample to estimate when the file holds both (minyi export's `sample`
    /// column): `convenience` (QR codes, links, kiosks, interviews outside the drawn
    /// sample; the default) or `household` (the drawn households' probability sample,
    /// weighted by its `design_weight` and clustered by its `psu`). Never pooled.
    #[arg(long, value_parser = ["convenience", "household"])]
    sample: Option<String>,
    /// Language of names in the table.
    #[arg(long, default_value = "zh", value_parser = ["zh", "en"])]
    lang: String,
    /// The wave to estimate: a wave number, or `all` to pool every wave (said so in
    /// every output). Default: the latest wave in the file. `--compare wave=A,B` always
    /// sees every wave.
    #[arg(long)]
    wave: Option<String>,
    /// Community estimates from the small-area (Fay–Herriot) model beside the direct
    /// ones: covariates and method from the definition's [small_area], benchmarked to
    /// the districts' rates. Needs `--by community`.
    #[arg(long)]
    sae: bool,
}

/// Which wave the estimates cover, as every output names it.
#[derive(serde::Serialize)]
struct WaveChoice {
    /// The wave number, `all` when pooled, or empty when the file has no `wave` column.
    wave: String,
    /// The waves the estimates pool (one, unless `--wave all`).
    pooled: Vec<String>,
}

impl WaveChoice {
    fn describe(&self, l: Lang) -> String {
        match (self.wave.as_str(), l) {
            ("", Lang::Zh) => "轮次未记录（文件无 wave 列）".into(),
            ("", Lang::En) => "wave not recorded (no wave column)".into(),
            ("all", Lang::Zh) => format!("全部轮次合并（第{}轮）", self.pooled.join("、")),
            ("all", Lang::En) => format!("all waves pooled ({})", self.pooled.join(", ")),
            (w, Lang::Zh) => format!("第{w}轮"),
            (w, Lang::En) => format!("wave {w}"),
        }
    }
}

/// The rows of the chosen wave: `--wave N`, `--wave all`, or the latest.
fn choose_wave(
    data: stats::Dataset,
    wave: Option<&str>,
    file: &str,
) -> Result<(stats::Dataset, WaveChoice)> {
    let waves = data.waves();
    if waves.is_empty() {
        if let Some(w) = wave.filter(|w| *w != "all") {
            bail!("--wave {w}: {file} has no `wave` column (minyi export writes one)");
        }
        return Ok((
            data,
            WaveChoice {
                wave: String::new(),
                pooled: vec![],
            },
        ));
    }
    let pick = match wave {
        Some("all") => {
            return Ok((
                data,
                WaveChoice {
                    wave: "all".into(),
                    pooled: waves,
                },
            ))
        }
        Some(w) => w.to_string(),
        None => waves.last().cloned().unwrap_or_default(),
    };
    if !waves.contains(&pick) {
        bail!(
            "--wave {pick}: {file} has waves {}; use one of them or `all`",
            waves.join(", ")
        );
    }
    Ok((
        data.of_wave(&pick),
        WaveChoice {
            wave: pick.clone(),
            pooled: vec![pick],
        },
    ))
}

/// How estimates are made: shared by `stats` and `report`.
#[derive(clap::Args)]
pub struct DesignArgs {
    /// Weighting: none, base (district population / respondents), poststrat (to census
    /// cells) or rake (to district × each variable).
    #[arg(long, default_value = "rake", value_parser = ["none", "base", "poststrat", "rake"])]
    pub weighting: String,
    /// Trim weights to LOW,HIGH times the mean weight, e.g. 0.4,2.5.
    #[arg(long, value_parser = parse_trim)]
    pub trim: Option<(f64, f64)>,
    /// Interval method for proportions.
    #[arg(long, default_value = "logit", value_parser = ["logit", "xlogit", "beta", "mean", "asin", "likelihood", "wilson", "clopper-pearson"])]
    pub method: String,
    /// Confidence level.
    #[arg(long, default_value_t = 0.95)]
    pub level: f64,
}

pub fn parse_trim(s: &str) -> std::result::Result<(f64, f64), String> {
    let (a, b) = s
        .split_once(',')
        .ok_or_else(|| format!("`{s}`: write LOW,HIGH, e.g. 0.4,2.5"))?;
    let lo: f64 = a
        .trim()
        .parse()
        .map_err(|_| format!("`{a}` is not a number"))?;
    let hi: f64 = b
        .trim()
        .parse()
        .map_err(|_| format!("`{b}` is not a number"))?;
    Ok((lo, hi))
}

impl DesignArgs {
    /// The weighting, trim, interval method and level as library options.
    pub fn options(&self) -> Result<Options> {
        Ok(Options {
            weighting: Weighting::parse(&self.weighting).context("unknown weighting")?,
            trim: self.trim,
            method: Method::parse(&self.method).context("unknown method")?,
            level: self.level,
            ..Options::default()
        })
    }
}

#[derive(clap::Args)]
pub struct PlanArgs {
    /// Expected rate (0–1); 0.5 is the most cautious.
    #[arg(long, default_value_t = 0.5)]
    rate: f64,
    /// Margin of error: half-width of the interval, e.g. 0.03 for ±3 points.
    #[arg(long)]
    moe: f64,
    /// Expected design effect of the weighting (1.5–2 is typical).
    #[arg(long, default_value_t = 1.5)]
    deff: f64,
    #[arg(long, default_value_t = 0.95)]
    level: f64,
    /// A survey definition: also prints the need per district with its population.
    #[arg(long)]
    survey: Option<PathBuf>,
    /// Plan the household sample instead: communities to draw per district, each with
    /// `--households` households (the definition's by default) of which
    /// `--response-rate` answer, their answers correlated within a community
    /// (`--icc`). `--deff` is then the weights' own effect (Kish's 1 + CV²).
    #[arg(long)]
    household: bool,
    /// Households drawn per community (default: the definition's [household_sample]).
    #[arg(long)]
    households: Option<u32>,
    /// Share of drawn households expected to give an interview.
    #[arg(long, default_value_t = 0.75)]
    response_rate: f64,
    /// Intra-class correlation of answers within a community. Default: from the
    /// household sample in `--responses` (its latest wave's clustered design effects),
    /// else 0.05.
    #[arg(long)]
    icc: Option<f64>,
    /// A responses CSV (minyi export) whose household sample gives the default ICC and
    /// the weights' effect.
    #[arg(long)]
    responses: Option<PathBuf>,
}

/// Estimates from a responses CSV, printed as JSON, CSV or a table.
pub fn stats(a: StatsArgs) -> Result<()> {
    let lang = Lang::from_code(Some(&a.lang));
    let survey = definition::load_file(&a.survey)?;
    let file = a.responses.display().to_string();
    let (all, sample) = read_responses(&a, &survey, &file)?;
    let every = if a.include_flagged {
        all.clone()
    } else {
        all.without_flagged().0
    };
    let (chosen, wave) = choose_wave(all, a.wave.as_deref(), &file)?;
    let collection = format!(
        "{}{}",
        sample.describe(lang),
        minyi::figures::collection_text(minyi::figures::modes_of(&chosen).as_deref(), lang)
    );
    let (data, excluded) = if a.include_flagged {
        (chosen, stats::Exclusions::default())
    } else {
        chosen.without_flagged()
    };
    let census = census(&a, &survey)?;
    let opts = sample.options(options(&a, &survey, &data)?);
    let mut report = stats::analyse(&survey, &data, census.as_ref(), &opts)?;
    report.excluded = excluded;
    let models = if a.sae {
        if !opts.by.iter().any(|b| b == "community") {
            bail!("--sae models the communities: add --by community");
        }
        // The district rates the model is benchmarked to.
        let districts = Options {
            by: vec!["district".into()],
            ..opts.clone()
        };
        let districts = stats::analyse(&survey, &data, census.as_ref(), &districts)?;
        Some(stats::communities::community_model(
            &survey,
            &mut report,
            &districts,
            &opts,
            &every.waves(),
            &wave.wave,
            &|w, o| stats::analyse(&survey, &every.of_wave(w), census.as_ref(), o),
        ))
    } else {
        None
    };
    let compared = Compared {
        survey: &survey,
        every: &every,
        data: &data,
        census: census.as_ref(),
        opts: &opts,
    };
    let differences = match &a.compare {
        Some(spec) => Some(compared.differences(spec)?),
        None => None,
    };
    let printed = Printed {
        survey: &survey,
        report: &report,
        wave: &wave,
        collection: &collection,
        differences: differences.as_deref(),
        models: models.as_deref(),
        lang,
    };
    printed.write(&a.format, &mut std::io::stdout().lock())
}

/// The sample the estimates are of, when the file says (minyi export's `sample`).
struct SampleChoice {
    /// `household`, `convenience`, or empty when the file has no `sample` column.
    sample: String,
    /// Rows of the other sample left out.
    left_out: usize,
}

impl SampleChoice {
    /// "入户概率样本（设计权重）；" and the like, before the collection modes.
    fn describe(&self, l: Lang) -> String {
        let other = |zh: &str, en: &str| match (self.left_out, l) {
            (0, _) => String::new(),
            (n, Lang::Zh) => format!("，另有{n}份{zh}未计入"),
            (n, Lang::En) => format!(", {n} {en} responses left out"),
        };
        match (self.sample.as_str(), l) {
            ("household", Lang::Zh) => format!("样本：入户概率样本（设计权重，按抽中社区聚类）{}；", other("便利样本", "")),
            ("household", Lang::En) => format!("Sample: the household probability sample (design weights, clustered by drawn community){}; ", other("", "convenience-sample")),
            ("convenience", Lang::Zh) => format!("样本：便利样本（自愿扫码、链接等，非概率抽样）{}；", other("入户样本", "")),
            ("convenience", Lang::En) => format!("Sample: the convenience sample (residents who chose to answer; not a probability sample){}; ", other("", "household-sample")),
            _ => String::new(),
        }
    }

    /// The household sample is weighted by its design weights and clustered by its
    /// drawn communities, whatever the definition says of the convenience sample.
    fn options(&self, opts: Options) -> Options {
        if self.sample == minyi::export::HOUSEHOLD_SAMPLE {
            Options {
                design_weight: Some("design_weight".into()),
                cluster: Some("psu".into()),
                ..opts
            }
        } else {
            opts
        }
    }
}

/// The responses file, kept to one sample (`--sample`) and to the collection modes
/// asked for (`--mode`).
fn read_responses(
    a: &StatsArgs,
    survey: &Survey,
    file: &str,
) -> Result<(stats::Dataset, SampleChoice)> {
    let f = std::fs::File::open(&a.responses).with_context(|| format!("opening {file}"))?;
    let mut all = minyi::dataset::read_csv(survey, file, std::io::BufReader::new(f))?;
    let mut choice = SampleChoice {
        sample: String::new(),
        left_out: 0,
    };
    match (all.extra.get("sample"), &a.sample) {
        (None, Some(s)) => {
            bail!("--sample {s} needs a `sample` column in {file} (minyi export writes one)")
        }
        (None, None) => {}
        (Some(col), asked) => {
            let has = |s: &str| col.iter().any(|v| v == s);
            let pick = match asked {
                Some(s) => s.clone(),
                None if has(minyi::export::CONVENIENCE_SAMPLE)
                    || !has(minyi::export::HOUSEHOLD_SAMPLE) =>
                {
                    minyi::export::CONVENIENCE_SAMPLE.to_string()
                }
                None => minyi::export::HOUSEHOLD_SAMPLE.to_string(),
            };
            let keep: Vec<bool> = col.iter().map(|v| *v == pick).collect();
            let kept = keep.iter().filter(|k| **k).count();
            if kept == 0 {
                bail!("no responses in {file} belong to the {pick} sample (the `sample` column)");
            }
            choice = SampleChoice {
                left_out: keep.len() - kept,
                sample: pick,
            };
            all = all.filter(&keep);
        }
    }
    if !a.mode.is_empty() {
        for m in &a.mode {
            if Channel::parse(m).is_none() {
                bail!("--mode {m}: use {}", Channel::codes());
            }
        }
        let Some(ch) = all.extra.get("channel") else {
            bail!("--mode needs a `channel` column in {file} (minyi export writes one)");
        };
        let keep: Vec<bool> = ch.iter().map(|c| a.mode.contains(c)).collect();
        all = all.filter(&keep);
        if all.is_empty() {
            bail!(
                "no responses in {file} were collected by {}",
                a.mode.join(", ")
            );
        }
    }
    Ok((all, choice))
}

/// The census the design is calibrated to: `--census FILE`, else the definition's.
fn census(a: &StatsArgs, survey: &Survey) -> Result<Option<stats::Census>> {
    Ok(match &a.census {
        Some(p) => {
            let bytes = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
            Some(minyi::dataset::read_census(
                survey,
                &p.display().to_string(),
                &bytes,
            )?)
        }
        None => stats::Census::from_survey(survey),
    })
}

/// What to compute, from the command line; every `--by` must name a domain the data
/// have.
fn options(a: &StatsArgs, survey: &Survey, data: &stats::Dataset) -> Result<Options> {
    for b in &a.by {
        if stats::domain_var(survey, data, b).is_none() {
            bail!("--by {b}: not `district`, `community`, a choice question id or a column of the responses file");
        }
    }
    Ok(Options {
        by: a.by.clone(),
        rake: stats::RakeControl {
            max_iterations: a.rake_max_iterations,
            epsilon: a.rake_epsilon,
        },
        flags: FlagRules {
            suppress_below: a.suppress_below,
            directional_below: a.directional_below,
            max_cv: a.max_cv,
        },
        scores: ScorePreset::parse(&a.scores).context("unknown scores")?,
        ..a.design.options()?
    })
}

/// What `--compare` compares.
struct Compared<'a> {
    survey: &'a Survey,
    every: &'a stats::Dataset,
    data: &'a stats::Dataset,
    census: Option<&'a stats::Census>,
    opts: &'a Options,
}

impl Compared<'_> {
    /// `--compare COLUMN=A,B`: waves as independent samples, other groups in one design.
    fn differences(&self, spec: &str) -> Result<Vec<stats::Difference>> {
        let (survey, every, data, census, opts) =
            (self.survey, self.every, self.data, self.census, self.opts);
        let (col, groups) = spec
            .split_once('=')
            .context("--compare: write COLUMN=A,B, e.g. wave=1,2")?;
        let (ga, gb) = groups
            .split_once(',')
            .context("--compare: write COLUMN=A,B, e.g. wave=1,2")?;
        if col == "wave" {
            // Waves are independent samples, each weighted on its own: the same
            // comparison the pack and the dashboard make.
            let waves = every.waves();
            for w in [ga, gb] {
                if !waves.iter().any(|x| x == w) {
                    bail!(
                        "--compare: `wave` has no group `{w}`; it has {}",
                        waves.join(", ")
                    );
                }
            }
            Ok(stats::compare_waves(survey, every, census, opts, ga, gb)?)
        } else {
            let dv = stats::domain_var(survey, data, col).with_context(|| {
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
            Ok(stats::compare(
                survey,
                data,
                census,
                opts,
                &dv,
                find(ga)?,
                find(gb)?,
            )?)
        }
    }
}

/// What `minyi stats` prints.
struct Printed<'a> {
    survey: &'a Survey,
    report: &'a Report,
    wave: &'a WaveChoice,
    collection: &'a str,
    differences: Option<&'a [stats::Difference]>,
    models: Option<&'a [stats::communities::ModelFit]>,
    lang: Lang,
}

impl Printed<'_> {
    /// In the format asked: json, csv, or the table (default).
    fn write(&self, format: &str, out: &mut impl Write) -> Result<()> {
        let (report, wave, lang) = (self.report, self.wave, self.lang);
        match format {
            "json" => {
                let mut v = serde_json::to_value(report)?;
                v["collection"] = self.collection.into();
                v["wave"] = serde_json::to_value(wave)?;
                if let Some(d) = self.differences {
                    v["differences"] = serde_json::to_value(d)?;
                }
                if let Some(m) = self.models {
                    v["models"] = serde_json::to_value(m)?;
                }
                serde_json::to_writer_pretty(&mut *out, &v)?;
                writeln!(out)?;
            }
            "csv" => write_csv(report, wave, &mut *out)?,
            _ => {
                writeln!(out, "{}", self.collection)?;
                writeln!(out, "{}", wave.describe(lang))?;
                write_table(self.survey, report, self.differences, lang, out)?;
                if let Some(m) = self.models {
                    write_models(m, lang, out)?;
                }
            }
        }
        Ok(())
    }
}

/// Prints the respondents needed per district.
pub fn plan(a: PlanArgs) -> Result<()> {
    use minyi::stats::plan::sample_size;
    if a.household {
        return plan_household(&a);
    }
    let (rate, moe, deff, level) = (a.rate, a.moe, a.deff, a.level);
    let Some(n) = sample_size(rate, moe, deff, level, None) else {
        bail!("need 0 < rate < 1, 0 < moe < 1, deff >= 1 and 0.5 < level < 1");
    };
    println!(
        "expected rate {:.0}%, margin ±{:.1} points at {:.0}% confidence, design effect {deff}: {n} respondents per district",
        rate * 100.0,
        moe * 100.0,
        level * 100.0
    );
    if let Some(path) = &a.survey {
        let s = definition::load_file(path)?;
        let mut total = 0.0;
        for d in &s.districts {
            let nd = sample_size(rate, moe, deff, level, Some(d.adults as f64)).unwrap_or(n);
            total += nd;
            println!(
                "  {:<6} {:<12} adults {:>9}  needs {:>6}",
                d.code, d.name.zh, d.adults, nd
            );
        }
        println!("  total {total}");
    }
    Ok(())
}

/// `minyi plan --household`: communities to draw per district.
fn plan_household(a: &PlanArgs) -> Result<()> {
    use minyi::stats::plan::clusters_needed;
    let Some(path) = &a.survey else {
        bail!("--household plans the household sample of a definition: add --survey FILE");
    };
    let s = definition::load_file(path)?;
    let drawn = a
        .households
        .or(s.household_sample.as_ref().map(|h| h.households))
        .unwrap_or(20);
    if !(a.response_rate > 0.0 && a.response_rate <= 1.0) {
        bail!(
            "--response-rate {}: write the share of households expected to answer, e.g. 0.75",
            a.response_rate
        );
    }
    let m = f64::from(drawn) * a.response_rate;
    let (icc, deff_w, from) = match (a.icc, &a.responses) {
        (Some(icc), _) => (icc, a.deff, "given".to_string()),
        (None, Some(file)) => {
            let (icc, deff_w, note) = icc_from_responses(&s, file, a.level)?;
            (icc, deff_w, note)
        }
        (None, None) => (
            0.05,
            a.deff,
            "a typical value; give --icc or --responses".into(),
        ),
    };
    let Some(need) = clusters_needed(a.rate, a.moe, a.level, m, icc, deff_w, None) else {
        bail!("need 0 < rate < 1, 0 < moe < 1, 0 <= icc < 1, deff >= 1, 0.5 < level < 1 and at least one interview per community");
    };
    println!(
        "household sample: expected rate {:.0}%, margin ±{:.1} points at {:.0}% confidence; {drawn} households per community, {:.0}% answering = {m:.1} interviews each; ICC {icc:.3} ({from}); weights' effect {deff_w:.2}; design effect {:.2}",
        a.rate * 100.0,
        a.moe * 100.0,
        a.level * 100.0,
        a.response_rate * 100.0,
        need.deff
    );
    let (mut communities, mut interviews) = (0.0, 0.0);
    for d in &s.districts {
        let nd = clusters_needed(
            a.rate,
            a.moe,
            a.level,
            m,
            icc,
            deff_w,
            Some(d.adults as f64),
        )
        .unwrap_or(need);
        let has = d.communities.len();
        communities += nd.communities;
        interviews += nd.interviews;
        println!(
            "  {:<6} {:<12} draw {:>4} communities ({} households) for {:>5} interviews{}",
            d.code,
            d.name.zh,
            nd.communities,
            nd.communities * f64::from(drawn),
            nd.interviews,
            if nd.communities > has as f64 {
                match minyi::stats::plan::per_community_needed(a.rate, a.moe, a.level, has as f64, icc, deff_w) {
                    Some(per) => format!(
                        "; it has only {has}: with all of them, about {:.0} households each ({per} interviews)",
                        (per / a.response_rate).ceil()
                    ),
                    None => format!("; it has only {has}, too few for this margin at this ICC whatever the households per community"),
                }
            } else {
                String::new()
            }
        );
    }
    println!("  total {communities} communities, {interviews} interviews");
    Ok(())
}

/// The intra-class correlation the latest wave of a household sample shows: per
/// headline rate of the city, its clustered design effect with the weights' effect
/// taken out, over the interviews per community; the median of the headlines.
fn icc_from_responses(
    s: &Survey,
    file: &std::path::Path,
    level: f64,
) -> Result<(f64, f64, String)> {
    use minyi::stats::plan::{icc_from, weighting_effect};
    let name = file.display().to_string();
    let f = std::fs::File::open(file).with_context(|| format!("opening {name}"))?;
    let all = minyi::dataset::read_csv(s, &name, std::io::BufReader::new(f))?;
    let Some(household) = minyi::figures::household_rows(&all) else {
        bail!("{name} has no household-sample rows (the `sample` column); give --icc instead");
    };
    let wave = household.waves().last().cloned().unwrap_or_default();
    let data = household.of_wave(&wave).without_flagged().0;
    let weights: Vec<f64> = data
        .extra
        .get("design_weight")
        .map(|c| c.iter().filter_map(|v| v.parse().ok()).collect())
        .unwrap_or_default();
    let psus: std::collections::HashSet<(u32, &String)> = data
        .extra
        .get("psu")
        .map(|c| data.district.iter().copied().zip(c.iter()).collect())
        .unwrap_or_default();
    let m = data.len() as f64 / psus.len().max(1) as f64;
    let deff_w = weighting_effect(&weights);
    let census = stats::Census::from_survey(s);
    let opts = Options {
        weighting: Weighting::Base,
        level,
        ..Options::default()
    };
    let (report, _) = minyi::figures::household_report(s, &data, census.as_ref(), &opts)?;
    let heads: Vec<String> = minyi::figures::headline_questions(s)
        .into_iter()
        .map(|(_, q)| q.id.clone())
        .collect();
    let mut iccs: Vec<f64> = report
        .estimates
        .iter()
        .filter(|e| e.group == "ALL" && stats::is_rate(e) && heads.contains(&e.indicator))
        .filter_map(|e| icc_from(e.deff, deff_w, m))
        .collect();
    if iccs.is_empty() {
        bail!("{name}: the household sample of wave {wave} gives no design effect to learn from; give --icc");
    }
    iccs.sort_by(f64::total_cmp);
    let icc = iccs[iccs.len() / 2];
    Ok((
        icc,
        deff_w,
        format!(
            "from wave {wave} of {name}: median over {} headline rates, {:.1} interviews per community",
            iccs.len(),
            m
        ),
    ))
}

fn write_csv<W: Write>(r: &Report, wave: &WaveChoice, out: W) -> Result<()> {
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
        "wave",
        "target",
        "target_status",
        "model_estimate",
        "model_ci_low",
        "model_ci_high",
        "model_mse",
        "model_kind",
        "model_target_status",
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
            publication_code(e.flag).into(),
            r.weighting.name().into(),
            r.method.name().into(),
            r.level.to_string(),
            wave.wave.clone(),
            opt(e.target_status.map(|t| t.target)),
            e.target_status.map_or("", |t| t.state.code()).to_string(),
            opt(e.model.as_ref().map(|m| m.estimate)),
            opt(e.model.as_ref().map(|m| m.ci_low)),
            opt(e.model.as_ref().map(|m| m.ci_high)),
            opt(e.model.as_ref().map(|m| m.mse)),
            e.model
                .as_ref()
                .map_or("", |m| match (m.gamma, m.synthetic) {
                    (None, _) => "synthetic_no_respondents",
                    (_, true) => "synthetic",
                    _ => "eblup",
                })
                .to_string(),
            e.model
                .as_ref()
                .and_then(|m| m.target_status)
                .map_or("", |t| t.state.code())
                .to_string(),
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

/// Display width, counting CJK characters as two columns.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) >= 0x2E80 { 2 } else { 1 })
        .sum()
}

fn pad(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(width(s))))
}

/// The community model of each indicator: its fit, or why there is none.
fn write_models<W: Write>(
    models: &[stats::communities::ModelFit],
    lang: Lang,
    out: &mut W,
) -> Result<()> {
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        lang.pick(
            "社区模型估计（Fay–Herriot，按区直接估计基准化；“模型”列见上）：",
            "Community model estimates (Fay–Herriot, benchmarked to the districts' direct rates; the “model” column above):"
        )
    )?;
    for m in models {
        let name = if m.scope == "city" {
            m.indicator.clone()
        } else {
            format!("{} ({})", m.indicator, m.scope)
        };
        match &m.fit {
            Some(f) => writeln!(
                out,
                "  {}: {} {} {}, A = {:.5}, {} {}{}",
                name,
                f.method.name(),
                f.iterations,
                lang.pick("次迭代", "iterations"),
                f.refvar,
                lang.pick("协变量", "covariates"),
                if m.covariates.is_empty() {
                    "—".to_string()
                } else {
                    m.covariates.join(", ")
                },
                m.notes.iter().map(|n| format!("; {n}")).collect::<String>()
            )?,
            None => writeln!(out, "  {name}: {}", m.notes.join("; "))?,
        }
    }
    Ok(())
}

fn write_table<W: Write>(
    s: &Survey,
    r: &Report,
    diffs: Option<&[stats::Difference]>,
    lang: Lang,
    out: &mut W,
) -> Result<()> {
    write_basis(s, r, lang, out)?;
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
            let q = s.question(e.indicator.split('.').next().unwrap_or(""));
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
        let flag = flag_text(e, lang);
        let direct = if e.estimate.is_finite() {
            fmt(e.estimate)
        } else {
            "—".into()
        };
        writeln!(
            out,
            "  {} {:>6} {:>8} {:>19} {:>6.2} {:>7.0}  {}",
            pad(&domain_group_name(s, &e.domain, &e.group, lang), 14),
            e.n,
            direct,
            ci,
            e.deff,
            e.n_eff,
            flag
        )?;
    }
    if let Some(ds) = diffs {
        write_differences(ds, r.level, out)?;
    }
    Ok(())
}

/// The lines above the table: the design, the raking, what was left out.
fn write_basis<W: Write>(s: &Survey, r: &Report, lang: Lang, out: &mut W) -> Result<()> {
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
    Ok(())
}

/// An estimate's flag column: publication, target, and the model estimate beside it.
fn flag_text(e: &stats::Estimate, lang: Lang) -> String {
    let mut flag = publication_flag(e.flag, lang).to_string();
    if let Some(t) = e.target_status.filter(|_| e.flag != stats::Flag::Suppress) {
        if !flag.is_empty() {
            flag.push_str(lang.pick("，", ", "));
        }
        flag.push_str(minyi::labels::target_state(t.state, lang));
    }
    if let Some(m) = &e.model {
        flag.push_str(&format!(
            "{}{} {} ({}–{}){}",
            if flag.is_empty() {
                ""
            } else {
                lang.pick("；", "; ")
            },
            lang.pick("模型估计", "model"),
            pct(m.estimate),
            pct(m.ci_low),
            pct(m.ci_high),
            if m.gamma.is_none() {
                lang.pick("，无样本，回归合成", ", no respondents: synthetic")
            } else {
                ""
            }
        ));
    }
    flag
}

/// The `--compare` differences, one line each.
fn write_differences<W: Write>(ds: &[stats::Difference], level: f64, out: &mut W) -> Result<()> {
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
            level * 100.0,
            d.ci_low,
            d.ci_high,
            d.p_value
        )?;
    }
    Ok(())
}
