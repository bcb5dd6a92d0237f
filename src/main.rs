//! The `minyi` command line. Thin: parses arguments, calls the library, prints.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use minyi::config::{self, AppConfig};
use minyi::definition::{self, DefinitionError, Lang};
use minyi::storage::Store;

// Submissions allocate many small strings and maps on several threads at once; glibc's
// allocator showed up as the largest item in the load profile.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "minyi",
    version,
    about = "民意 minyi — public satisfaction and awareness polls for a city"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web service: questionnaires, QR images and the JSON intake API.
    ///
    /// Reads Rocket.toml (address, port, database_url, surveys_dir, base_url) and the
    /// environment (ROCKET_PORT, ROCKET_BASE_URL, DATABASE_URL, …). The SQLite database
    /// is created and migrated on first start.
    Serve,
    /// Validate survey definitions; prints every problem with file:line:column and a fix.
    ///
    /// Exits with status 1 when any file has an error.
    Check {
        /// A definition file or a directory of them.
        #[arg(default_value = "surveys")]
        path: PathBuf,
    },
    /// Write one QR code per district and community (SVG and PNG) for posters.
    Qr {
        /// The survey id (as in the definition's [survey] id).
        #[arg(long)]
        survey: String,
        /// Public address of the service, e.g. https://minyi.example.gov.cn
        /// (default: base_url from Rocket.toml, else the local address).
        #[arg(long)]
        base_url: Option<String>,
        /// Output directory (created if missing).
        #[arg(long, default_value = "qr")]
        out: PathBuf,
        /// Language of the place names printed under the codes.
        #[arg(long, default_value = "zh", value_parser = ["zh", "en"])]
        lang: String,
    },
    /// Export a survey's complete responses as CSV (the shape `minyi stats` reads).
    Export {
        #[arg(long)]
        survey: String,
        /// Output file; `-` for standard output.
        #[arg(long, default_value = "-")]
        out: PathBuf,
    },
    /// Create or update the database schema, then exit.
    Migrate,
    /// Generate one-time invitation codes for household sampling (printed on cards).
    ///
    /// Writes a CSV of code, district and the link to print as a QR code; only hashes
    /// of the codes are stored, so keep the CSV safe until the cards are printed.
    Invites {
        #[arg(long)]
        survey: String,
        #[arg(long)]
        district: String,
        #[arg(long, default_value_t = 100)]
        count: usize,
        #[arg(long)]
        base_url: Option<String>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Mark a stored response as superseded, with the reason (it stays stored and leaves
    /// every estimate). Responses are never edited or deleted.
    Supersede {
        #[arg(long)]
        survey: String,
        /// The response id (`response_id` in the export).
        #[arg(long)]
        response: i64,
        /// Why, in words an auditor can follow (at least 10 characters).
        #[arg(long)]
        reason: String,
    },
    /// Weighted rates, means and satisfaction indices with confidence intervals.
    ///
    /// Example: minyi stats --survey surveys/civility-2026.toml --responses export.csv
    ///          --weighting rake --trim 0.4,2.5 --method logit --by district --format table
    Stats(Box<StatsArgs>),
    /// The briefing pack: charts (PNG + SVG), XLSX, CSV tables and an HTML report.
    ///
    /// Example: minyi report --survey civility-2026 --out briefing/
    ///          (reads the database; or --responses export.csv)
    Report(Box<ReportArgs>),
    /// Write synthetic responses (a skewed QR-style sample) as a responses CSV, to try
    /// `stats` and `report` before real data arrive. Never mixed into the database.
    Synth {
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
    },
    /// Office accounts: add, change a password, disable or enable, list.
    ///
    /// First admin: minyi user add admin-name --role admin
    #[command(subcommand)]
    User(UserCommand),
    /// API tokens for other office systems (`Authorization: Bearer …`).
    #[command(subcommand)]
    Token(TokenCommand),
    /// Fill the database with two synthetic waves of a survey and create one demo
    /// account per role, to see every dashboard page populated. Refuses a database
    /// that already has responses of the survey.
    ///
    /// Example: minyi demo && minyi serve
    Demo {
        /// The survey id (default: the first survey in surveys_dir).
        #[arg(long)]
        survey: Option<String>,
        /// Synthetic responses per wave.
        #[arg(long, default_value_t = 1500)]
        per_wave: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Respondents needed per district for a target margin of error.
    ///
    /// Example: minyi plan --rate 0.9 --moe 0.03 --deff 1.5
    Plan {
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
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add an account. The password is asked twice at the terminal, or read as one
    /// line from standard input when that is not a terminal.
    Add {
        username: String,
        /// admin (everything), viewer (reads every figure), district (own district
        /// only), interviewer (enters telephone/household interviews, sees no results).
        #[arg(long, value_parser = ["admin", "viewer", "district", "interviewer"])]
        role: String,
        /// The district code of a district officer.
        #[arg(long)]
        district: Option<String>,
    },
    /// Set a new password.
    Passwd { username: String },
    /// Disable an account (it can no longer sign in; its API tokens stop working).
    Disable { username: String },
    /// Enable a disabled account.
    Enable { username: String },
    /// List accounts.
    List,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token acting as USER (with that user's role); printed once.
    Add {
        #[arg(long)]
        user: String,
        /// What the token is for, e.g. "city data platform".
        #[arg(long)]
        label: String,
    },
}

#[derive(clap::Args)]
struct StatsArgs {
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
    /// Language of names in the table.
    #[arg(long, default_value = "zh", value_parser = ["zh", "en"])]
    lang: String,
}

#[derive(clap::Args)]
struct ReportArgs {
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
    design: DesignArgs,
    #[arg(long, default_value = "zh", value_parser = ["zh", "en"])]
    lang: String,
}

/// How estimates are made: shared by `stats` and `report`.
#[derive(clap::Args)]
struct DesignArgs {
    /// Weighting: none, base (district population / respondents), poststrat (to census
    /// cells) or rake (to district × each variable).
    #[arg(long, default_value = "rake", value_parser = ["none", "base", "poststrat", "rake"])]
    weighting: String,
    /// Trim weights to LOW,HIGH times the mean weight, e.g. 0.4,2.5.
    #[arg(long, value_parser = parse_trim)]
    trim: Option<(f64, f64)>,
    /// Interval method for proportions.
    #[arg(long, default_value = "logit", value_parser = ["logit", "xlogit", "beta", "mean", "asin", "likelihood", "wilson", "clopper-pearson"])]
    method: String,
    /// Confidence level.
    #[arg(long, default_value_t = 0.95)]
    level: f64,
}

fn parse_trim(s: &str) -> std::result::Result<(f64, f64), String> {
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve => serve(),
        Command::Check { path } => return check(&path),
        Command::Qr {
            survey,
            base_url,
            out,
            lang,
        } => qr(&survey, base_url, &out, Lang::from_code(Some(&lang))),
        Command::Export { survey, out } => export(&survey, &out),
        Command::Migrate => migrate(),
        Command::Invites {
            survey,
            district,
            count,
            base_url: base,
            out,
        } => invites(&survey, &district, count, base, &out),
        Command::Supersede {
            survey,
            response,
            reason,
        } => (|| {
            if reason.trim().chars().count() < 10 {
                bail!("--reason must say why in at least 10 characters");
            }
            let (_, cfg) = load_config()?;
            let s = find_survey(&cfg, &survey)?;
            Store::open(&cfg.database_url)?.supersede(&s.id, response, reason.trim())?;
            println!(
                "response {response} of `{}` is superseded: {}",
                s.id,
                reason.trim()
            );
            Ok(())
        })(),
        Command::Stats(a) => minyi::cli_stats::run(minyi::cli_stats::Args {
            survey: a.survey,
            responses: a.responses,
            census: a.census,
            weighting: a.design.weighting,
            trim: a.design.trim,
            method: a.design.method,
            level: a.design.level,
            by: a.by,
            compare: a.compare,
            scores: a.scores,
            rake: minyi::stats::RakeControl {
                max_iterations: a.rake_max_iterations,
                epsilon: a.rake_epsilon,
            },
            flags: minyi::stats::FlagRules {
                suppress_below: a.suppress_below,
                directional_below: a.directional_below,
                max_cv: a.max_cv,
            },
            format: a.format,
            lang: Lang::from_code(Some(&a.lang)),
            include_flagged: a.include_flagged,
            modes: a.mode,
        }),
        Command::Report(a) => report(*a),
        Command::Synth {
            survey,
            rows_per_wave,
            waves,
            seed,
            out,
        } => (|| {
            let s = definition::load_file(&survey)?;
            let d = minyi::synth::dataset(&s, rows_per_wave, waves, seed);
            let f = std::fs::File::create(&out)
                .with_context(|| format!("creating {}", out.display()))?;
            minyi::synth::write_csv(&s, &d, std::io::BufWriter::new(f))?;
            println!("wrote {} synthetic responses to {}", d.len(), out.display());
            Ok(())
        })(),
        Command::User(c) => user(c),
        Command::Token(TokenCommand::Add { user, label }) => token_add(&user, &label),
        Command::Demo {
            survey,
            per_wave,
            seed,
        } => demo(survey.as_deref(), per_wave, seed),
        Command::Plan {
            rate,
            moe,
            deff,
            level,
            survey,
        } => plan(rate, moe, deff, level, survey.as_deref()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn load_config() -> Result<(rocket::figment::Figment, AppConfig)> {
    let f = config::figment();
    let cfg = AppConfig::from_figment(&f).map_err(anyhow::Error::msg)?;
    Ok((f, cfg))
}

fn load_surveys(cfg: &AppConfig) -> Result<Vec<definition::Survey>> {
    if !cfg.surveys_dir.exists() {
        let here = std::env::current_dir()
            .map(|d| d.display().to_string())
            .unwrap_or_default();
        bail!(
            "the surveys directory `{}` does not exist (looked in {here}); run minyi from the folder that holds it, or set ROCKET_SURVEYS_DIR",
            cfg.surveys_dir.display()
        );
    }
    definition::load_dir(&cfg.surveys_dir).map_err(|e| match e {
        DefinitionError::Invalid(_) => anyhow::anyhow!(
            "the survey definitions in {} have errors:\n{e}\n(run `minyi check {}` after fixing them)",
            cfg.surveys_dir.display(),
            cfg.surveys_dir.display()
        ),
        e => anyhow::Error::new(e),
    })
}

fn check(path: &Path) -> ExitCode {
    let files = match definition::definition_files(path) {
        Ok(f) if !f.is_empty() => f,
        Ok(_) => {
            eprintln!("error: no *.toml survey definitions in {}", path.display());
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut errors = 0;
    for f in &files {
        match definition::load_file(f) {
            Ok(s) => println!(
                "ok   {}: survey `{}` wave {}, {} districts, {} communities, {} questions{}",
                f.display(),
                s.id,
                s.wave,
                s.districts.len(),
                s.districts
                    .iter()
                    .map(|d| d.communities.len())
                    .sum::<usize>(),
                s.questions.len(),
                if s.weighting.is_some() {
                    ", census for weighting"
                } else {
                    ""
                }
            ),
            Err(e) => {
                let n = e.diagnostics().len().max(1);
                errors += n;
                eprintln!("{e}");
            }
        }
    }
    if errors > 0 {
        eprintln!("{errors} error(s) in {} file(s) checked", files.len());
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn base_url(f: &rocket::figment::Figment, cfg: &AppConfig) -> String {
    let rc = rocket::Config::from(f);
    cfg.base_url_or(&rc.address.to_string(), rc.port)
}

fn serve() -> Result<()> {
    let (mut figment, cfg) = load_config()?;
    let surveys = load_surveys(&cfg)?;
    let store = Store::open(&cfg.database_url).context("opening the database")?;
    let configured = rocket::Config::try_from(&figment)
        .map(|c| !c.secret_key.is_zero())
        .map_err(|e| anyhow::anyhow!("invalid Rocket configuration: {e}"))?;
    if !configured {
        if let Some(path) = config::secret_key_file(&cfg.database_url) {
            figment = figment.merge((rocket::Config::SECRET_KEY, persistent_secret(&path)?));
        }
    }
    let base = base_url(&figment, &cfg);
    println!(
        "minyi: database {}",
        minyi::storage::describe_url(&cfg.database_url)
    );
    for s in &surveys {
        println!(
            "minyi: survey `{}` ({}), {} – {}",
            s.id, s.title.zh, s.opens, s.closes
        );
        if let Some(d) = s.districts.first() {
            println!(
                "        open the questionnaire at {}",
                minyi::qr::link(&base, &s.id, &d.code, None)
            );
        }
    }
    if store.users().map(|u| u.is_empty()).unwrap_or(false) {
        println!("minyi: no office accounts yet; create the first admin with `minyi user add NAME --role admin` (or try `minyi demo`), then sign in at {base}/login");
    } else {
        println!("minyi: office dashboard at {base}/office");
    }
    let app = minyi::web::App::new(surveys, store, base)
        .context("preparing the surveys")?
        .with_limits(
            cfg.rate_per_source_per_minute,
            cfg.rate_per_device_per_minute,
        );
    rocket::execute(async move { minyi::web::rocket(figment, app).launch().await })
        .map(|_| ())
        .map_err(|e| anyhow::anyhow!("the server stopped: {e}"))
}

/// Reads the cookie-signing key kept beside the database, creating it on first start.
fn persistent_secret(path: &Path) -> Result<String> {
    if let Ok(s) = std::fs::read_to_string(path) {
        let s = s.trim().to_string();
        if s.len() == 64 && s.chars().all(|c| c.is_ascii_hexdigit()) {
            return Ok(s);
        }
        bail!(
            "{} is not a 64-character hex key; delete it to have a new one made",
            path.display()
        );
    }
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    let key = hex::encode(b);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).ok();
    }
    std::fs::write(path, &key).with_context(|| format!("writing {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).ok();
    }
    Ok(key)
}

fn find_survey(cfg: &AppConfig, id: &str) -> Result<definition::Survey> {
    let surveys = load_surveys(cfg)?;
    let known: Vec<String> = surveys.iter().map(|s| s.id.clone()).collect();
    surveys.into_iter().find(|s| s.id == id).with_context(|| {
        format!(
            "no survey `{id}` in {}; known: {}",
            cfg.surveys_dir.display(),
            known.join(", ")
        )
    })
}

fn qr(survey: &str, base: Option<String>, out: &Path, lang: Lang) -> Result<()> {
    let (f, cfg) = load_config()?;
    let s = find_survey(&cfg, survey)?;
    let base = base.unwrap_or_else(|| base_url(&f, &cfg));
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let places = minyi::qr::places(&s, &base, lang);
    for p in &places {
        let svg = minyi::qr::svg(p)?;
        let png = minyi::qr::png(p)?;
        let stem = out.join(&p.stem);
        std::fs::write(stem.with_extension("svg"), svg)?;
        std::fs::write(stem.with_extension("png"), png)?;
        println!("{}.{{svg,png}}  {}  {}", stem.display(), p.label, p.url);
    }
    println!(
        "wrote {} QR codes for survey `{}` to {}",
        places.len(),
        s.id,
        out.display()
    );
    Ok(())
}

fn export(survey: &str, out: &Path) -> Result<()> {
    let (_, cfg) = load_config()?;
    let s = find_survey(&cfg, survey)?;
    let store = Store::open(&cfg.database_url)?;
    let rows = store.responses(&s.id)?;
    let n = if out == Path::new("-") {
        minyi::export::write_csv(&s, &rows, std::io::stdout().lock())?
    } else {
        let f =
            std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
        minyi::export::write_csv(&s, &rows, std::io::BufWriter::new(f))?
    };
    eprintln!("exported {n} complete responses of `{}`", s.id);
    Ok(())
}

fn plan(rate: f64, moe: f64, deff: f64, level: f64, survey: Option<&Path>) -> Result<()> {
    use minyi::stats::plan::sample_size;
    let Some(n) = sample_size(rate, moe, deff, level, None) else {
        bail!("need 0 < rate < 1, 0 < moe < 1, deff >= 1 and 0.5 < level < 1");
    };
    println!(
        "expected rate {:.0}%, margin ±{:.1} points at {:.0}% confidence, design effect {deff}: {n} respondents per district",
        rate * 100.0,
        moe * 100.0,
        level * 100.0
    );
    if let Some(path) = survey {
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

fn report(a: ReportArgs) -> Result<()> {
    use minyi::stats::{Method, Options, Weighting};
    let (_, cfg) = load_config()?;
    let survey = if a.survey.ends_with(".toml") {
        definition::load_file(Path::new(&a.survey))?
    } else {
        find_survey(&cfg, &a.survey)?
    };
    let data = match &a.responses {
        Some(p) => {
            let f = std::fs::File::open(p).with_context(|| format!("opening {}", p.display()))?;
            minyi::dataset::read_csv(
                &survey,
                &p.display().to_string(),
                std::io::BufReader::new(f),
            )?
        }
        None => {
            let store = Store::open(&cfg.database_url)?;
            let rows = store.responses(&survey.id)?;
            let superseded: Vec<i64> = store
                .superseded(&survey.id)?
                .into_iter()
                .map(|x| x.0)
                .collect();
            let mut csv = Vec::new();
            minyi::export::write_csv_with(&survey, &rows, &superseded, &mut csv)?;
            minyi::dataset::read_csv(&survey, "database", csv.as_slice())?
        }
    };
    if data.is_empty() {
        bail!(
            "survey `{}` has no complete responses yet; nothing to report",
            survey.id
        );
    }
    let lang = Lang::from_code(Some(&a.lang));
    let census = minyi::stats::Census::from_survey(&survey);
    let options = Options {
        weighting: Weighting::parse(&a.design.weighting).context("weighting")?,
        trim: a.design.trim,
        method: Method::parse(&a.design.method).context("method")?,
        level: a.design.level,
        ..Options::default()
    };
    let input = minyi::report::PackInput {
        survey: &survey,
        data: &data,
        census: census.as_ref(),
        options,
        wave: a.wave.clone(),
        lang,
        date: chrono::Local::now().format("%Y-%m-%d").to_string(),
        collection: minyi::report::collection_text(&data, lang),
    };
    let bar = indicatif::ProgressBar::new(5);
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
    Ok(())
}

fn invites(
    survey: &str,
    district: &str,
    count: usize,
    base: Option<String>,
    out: &Path,
) -> Result<()> {
    use rand::Rng;
    if count == 0 || count > 100_000 {
        bail!("--count must be between 1 and 100000");
    }
    let (f, cfg) = load_config()?;
    let s = find_survey(&cfg, survey)?;
    if s.district(district).is_none() {
        bail!(
            "survey `{}` has no district `{district}`; use one of: {}",
            s.id,
            s.districts
                .iter()
                .map(|d| d.code.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let store = Store::open(&cfg.database_url)?;
    let salt = store.salt(&s.id)?;
    // No 0/O or 1/I: codes are typed from cards.
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut rng = rand::thread_rng();
    let codes: Vec<String> = (0..count)
        .map(|_| {
            (0..8)
                .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
                .collect()
        })
        .collect();
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| minyi::collect::invite_hash(&salt, c))
        .collect();
    store.add_invites(&s.id, district, &hashes)?;
    let base = base.unwrap_or_else(|| base_url(&f, &cfg));
    let mut w =
        csv::Writer::from_path(out).with_context(|| format!("creating {}", out.display()))?;
    w.write_record(["code", "district", "link"])?;
    for c in &codes {
        let link = format!("{}?code={c}", minyi::qr::link(&base, &s.id, district, None));
        w.write_record([c.as_str(), district, link.as_str()])?;
    }
    w.flush()?;
    let (issued, used) = store.invite_counts(&s.id)?;
    println!("wrote {count} invitation codes for `{}` district {district} to {} ({issued} issued, {used} used so far)", s.id, out.display());
    if !s.invitation_only {
        eprintln!(
            "note: survey `{}` does not set invitation_only = true, so codes are optional there",
            s.id
        );
    }
    Ok(())
}

fn migrate() -> Result<()> {
    let (_, cfg) = load_config()?;
    Store::open(&cfg.database_url)?;
    println!(
        "database is up to date: {}",
        minyi::storage::describe_url(&cfg.database_url)
    );
    Ok(())
}

/// A password from the terminal (asked twice) or one line of standard input.
fn read_password(prompt: &str) -> Result<String> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    let a = rpassword::prompt_password(prompt).context("reading the password")?;
    let b = rpassword::prompt_password("Repeat it: ").context("reading the password")?;
    if a != b {
        bail!("the two passwords differ; nothing was changed");
    }
    Ok(a)
}

fn user(c: UserCommand) -> Result<()> {
    let (_, cfg) = load_config()?;
    let store = Store::open(&cfg.database_url).context("opening the database")?;
    match c {
        UserCommand::Add {
            username,
            role,
            district,
        } => {
            let surveys = load_surveys(&cfg)?;
            let refs: Vec<&definition::Survey> = surveys.iter().collect();
            let pw = read_password(&format!("Password for {username} (10+ characters): "))?;
            minyi::accounts::add_user(&store, &refs, &username, &pw, &role, district.as_deref())?;
            store.audit(
                "command line",
                "user_add",
                &format!(
                    "{username} role={role} district={}",
                    district.as_deref().unwrap_or("-")
                ),
            )?;
            println!("added {role} `{username}`; sign in at /login");
        }
        UserCommand::Passwd { username } => {
            let pw = read_password(&format!("New password for {username} (10+ characters): "))?;
            store.set_password(&username, &minyi::accounts::hash_password(&pw)?)?;
            store.audit("command line", "user_passwd", &username)?;
            println!("changed the password of `{username}`");
        }
        UserCommand::Disable { username } => {
            store.set_disabled(&username, true)?;
            store.audit("command line", "user_disable", &username)?;
            println!("disabled `{username}`");
        }
        UserCommand::Enable { username } => {
            store.set_disabled(&username, false)?;
            store.audit("command line", "user_enable", &username)?;
            println!("enabled `{username}`");
        }
        UserCommand::List => {
            for u in store.users()? {
                println!(
                    "{:<24} {:<12} {:<8} {}",
                    u.username,
                    u.role,
                    u.district.as_deref().unwrap_or("-"),
                    if u.disabled != 0 {
                        "disabled"
                    } else {
                        "enabled"
                    }
                );
            }
        }
    }
    Ok(())
}

fn token_add(user: &str, label: &str) -> Result<()> {
    let (_, cfg) = load_config()?;
    let store = Store::open(&cfg.database_url).context("opening the database")?;
    let Some(u) = store.user_by_name(user)? else {
        bail!("there is no user `{user}`; add one with `minyi user add {user} --role viewer`");
    };
    let (token, hash) = minyi::accounts::new_token();
    store.add_token(u.id, &hash, label)?;
    store.audit("command line", "token_add", &format!("{user}: {label}"))?;
    println!("{token}");
    eprintln!(
        "token for `{user}` ({}), shown only now: send it as `Authorization: Bearer <token>`",
        u.role
    );
    Ok(())
}

fn demo(survey: Option<&str>, per_wave: usize, seed: u64) -> Result<()> {
    let (figment, cfg) = load_config()?;
    let surveys = load_surveys(&cfg)?;
    let s = match survey {
        Some(id) => surveys
            .iter()
            .find(|s| s.id == id)
            .with_context(|| format!("no survey `{id}` in {}", cfg.surveys_dir.display()))?,
        None => surveys
            .first()
            .with_context(|| format!("no survey definitions in {}", cfg.surveys_dir.display()))?,
    };
    let store = Store::open(&cfg.database_url).context("opening the database")?;
    let d = minyi::demo::run(&store, s, per_wave, seed)?;
    println!(
        "stored {} synthetic responses of `{}` ({} {}, {} flagged) in {}",
        d.responses,
        s.id,
        if d.waves.len() > 1 { "waves" } else { "wave" },
        d.waves
            .iter()
            .map(|w| w.to_string())
            .collect::<Vec<_>>()
            .join(" and "),
        d.flagged,
        minyi::storage::describe_url(&cfg.database_url)
    );
    println!("demo accounts (passwords shown only now):");
    for l in &d.logins {
        println!(
            "  {:<18} {:<12} {}  password: {}",
            l.username,
            l.role,
            l.district.as_deref().unwrap_or(""),
            l.password
        );
    }
    println!(
        "start the server with `cargo run -- serve` and sign in at {}/login",
        base_url(&figment, &cfg)
    );
    Ok(())
}
