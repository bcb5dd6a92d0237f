//! `minyi report` (the briefing pack) and `minyi synth` (synthetic responses to try it).

use anyhow::{bail, Context, Result};
use std::path::PathBuf;

use super::setup::{index_backlog, load_config, open_store, survey_by_id_or_file};
use minyi::definition::{self, Lang};

#[derive(clap::Args)]
pub struct ReportArgs {
    /// Survey id (from surveys_dir) or a definition file.
    #[arg(long)]
    survey: String,
    /// Responses CSV (as `minyi export` writes it); without it, the database is read.
    #[arg(long)]
    responses: Option<PathBuf>,
    /// The wave to report (default: the latest in the data).
    #[arg(long)]
    wave: Option<String>,
    /// Output directory (created if missing).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    design: super::stats::DesignArgs,
    #[arg(long, default_value = "zh", value_parser = ["zh", "en"])]
    lang: String,
    /// Count flagged responses (too fast, straight-lined, bursts, repeated patterns);
    /// superseded ones stay out. Every output of the pack says so.
    #[arg(long)]
    include_flagged: bool,
}

#[derive(clap::Args)]
pub struct SynthArgs {
    /// A definition file.
    #[arg(long)]
    survey: PathBuf,
    #[arg(long, default_value_t = 2000)]
    rows_per_wave: usize,
    #[arg(long, default_value_t = 2)]
    waves: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long)]
    out: PathBuf,
}

/// Builds the briefing pack from a responses CSV or the database.
pub fn report(a: ReportArgs) -> Result<()> {
    let (_, cfg) = load_config()?;
    let survey = survey_by_id_or_file(&cfg, &a.survey)?;
    // The open answers come from the database only (a responses CSV has them masked
    // but not their confirmed themes).
    let mut voices = None;
    // The rectification ledger likewise (items live in the database).
    let mut ledger = None;
    // The household sample's interviews are estimated apart, never in the tally.
    let (tally, household) = match &a.responses {
        Some(p) => {
            let f = std::fs::File::open(p).with_context(|| format!("opening {}", p.display()))?;
            let data = minyi::dataset::read_csv(
                &survey,
                &p.display().to_string(),
                std::io::BufReader::new(f),
            )?;
            let mut t = minyi::stats::tally::Tally::new(&survey);
            t.add(&survey, &minyi::figures::convenience_rows(&data));
            (t, minyi::figures::household_rows(&data))
        }
        // Straight from the stored rows, page by page, as the dashboard reads them.
        None => {
            let store = open_store(&cfg)?;
            index_backlog(&store, &survey)?;
            voices = Some(minyi::dashboard::voices::for_pack(&store, &survey)?);
            let household = minyi::dashboard::household_data(&store, &survey)?.map(|(d, _)| d);
            let cache = minyi::dashboard::Cache::default();
            let loaded = cache.load(&store, &survey)?;
            let lang = Lang::from_code(Some(&a.lang));
            let today = chrono::Local::now().date_naive();
            ledger = minyi::ledger::for_pack(&store, &cache, &survey, &loaded, today, lang)?;
            (
                std::sync::Arc::unwrap_or_clone(loaded.tally.clone()),
                household,
            )
        }
    };
    if tally.rows() == 0 {
        bail!(
            "survey `{}` has no complete responses yet; nothing to report",
            survey.id
        );
    }
    let lang = Lang::from_code(Some(&a.lang));
    let census = minyi::stats::Census::from_survey(&survey);
    let options = a.design.options()?;
    let input = minyi::report::PackInput {
        survey: &survey,
        tally: &tally,
        census: census.as_ref(),
        options,
        wave: a.wave.clone(),
        lang,
        date: chrono::Local::now().format("%Y-%m-%d").to_string(),
        collection: minyi::figures::collection_text(Some(&tally.modes(&|_| true)), lang),
        include_flagged: a.include_flagged,
        voices,
        household: household.as_ref(),
        ledger: ledger.as_ref(),
    };
    let bar = indicatif::ProgressBar::new(6);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let pack = minyi::report::build(&input, &a.out, &|stage| {
        bar.set_message(stage.to_string());
        bar.inc(1);
    })?;
    bar.finish_and_clear();
    println!(
        "wrote {} files for survey `{}` wave {} ({} responses) to {}; open {}",
        pack.files.len(),
        survey.id,
        pack.wave,
        pack.report.respondents,
        a.out.display(),
        a.out.join("report.html").display()
    );
    println!(
        "the briefing to send: {} (Word) and {} (PDF)",
        a.out.join("briefing.docx").display(),
        a.out.join("briefing.pdf").display()
    );
    Ok(())
}

/// Writes synthetic responses as a responses CSV.
pub fn synth(a: SynthArgs) -> Result<()> {
    let s = definition::load_file(&a.survey)?;
    let d = minyi::synth::dataset(&s, a.rows_per_wave, a.waves, a.seed);
    let f =
        std::fs::File::create(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    minyi::synth::write_csv(&s, &d, std::io::BufWriter::new(f))?;
    println!(
        "wrote {} synthetic responses to {}",
        d.len(),
        a.out.display()
    );
    Ok(())
}
