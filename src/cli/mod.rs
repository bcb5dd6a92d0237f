//! The `minyi` command line: one file per group of subcommands, each parsing its
//! arguments (clap), calling the library and printing. `anyhow` lives here and in
//! `main.rs` only; the library has one error type per layer.

mod accounts;
mod report;
mod sae;
mod sample;
mod serve;
mod setup;
mod stats;
mod survey;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

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
    /// Create or update the database schema, then exit.
    Migrate,
    /// The database's deep consistency check (every page of the file); `/healthz`
    /// only asks whether the database answers.
    #[command(subcommand)]
    Db(DbCommand),
    /// Write a consistent copy of the SQLite database while the server runs.
    ///
    /// Example: minyi backup --out backups/minyi-2026-12-01.sqlite3
    /// (PostgreSQL: use pg_dump; see the README.)
    Backup {
        /// The copy to write (must not exist).
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Put a backup in place of the SQLite database (stop the servers first).
    ///
    /// Example: minyi restore backups/minyi-2026-12-01.sqlite3
    /// The copy is checked first; an existing database is kept beside it with --replace.
    /// (PostgreSQL: use pg_restore; see the README.)
    Restore {
        /// The copy `minyi backup --out` wrote.
        from: std::path::PathBuf,
        /// Replace an existing database (kept as `….before-restore-<time>`).
        #[arg(long)]
        replace: bool,
    },
    /// Validate survey definitions; prints every problem with file:line:column and a fix.
    ///
    /// Exits with status 1 when any file has an error.
    Check(survey::CheckArgs),
    /// Write one QR code per district and community (SVG and PNG) for posters.
    Qr(survey::QrArgs),
    /// Export a survey's complete responses as CSV (the shape `minyi stats` reads).
    Export(survey::ExportArgs),
    /// Generate one-time invitation codes for household sampling (printed on cards).
    ///
    /// Writes a CSV of code, district and the link to print as a QR code; only hashes
    /// of the codes are stored, so keep the CSV safe until the cards are printed.
    Invites(survey::InvitesArgs),
    /// Mark a stored response as superseded, with the reason (it stays stored and leaves
    /// every estimate). Responses are never edited or deleted.
    Supersede(survey::SupersedeArgs),
    /// Mask personal data in stored free-text answers with the current rules (for
    /// answers stored before a rule existed): the one change ever made to a stored
    /// answer, text only, recorded with who ran it. `--dry-run` only counts.
    Redact(survey::RedactArgs),
    /// The household sample: draw it, load address lists, assign, print sheets, draw
    /// call-backs, see where it stands.
    ///
    /// First: minyi sample draw --survey civility-2026
    #[command(subcommand)]
    Sample(sample::SampleCommand),
    /// Weighted rates, means and satisfaction indices with confidence intervals.
    ///
    /// Example: minyi stats --survey surveys/civility-2026.toml --responses export.csv
    ///          --weighting rake --trim 0.4,2.5 --method logit --by district --format table
    Stats(Box<stats::StatsArgs>),
    /// Small-area (Fay–Herriot) estimates from a table of areas with direct estimates,
    /// their sampling variances and covariates known for every area.
    ///
    /// Example: minyi sae --areas areas.csv --direct direct --vardir psi
    ///          --covariates share60,prior --method reml --format json
    Sae(sae::SaeArgs),
    /// Respondents needed per district for a target margin of error.
    ///
    /// Example: minyi plan --rate 0.9 --moe 0.03 --deff 1.5
    Plan(stats::PlanArgs),
    /// The briefing pack: charts (PNG + SVG), XLSX, CSV tables and an HTML report.
    ///
    /// Example: minyi report --survey civility-2026 --out briefing/
    ///          (reads the database; or --responses export.csv)
    Report(Box<report::ReportArgs>),
    /// Write synthetic responses (a skewed QR-style sample) as a responses CSV, to try
    /// `stats` and `report` before real data arrive. Never mixed into the database.
    Synth(report::SynthArgs),
    /// Office accounts: add, change a password, disable or enable, list.
    ///
    /// First admin: minyi user add admin-name --role admin
    #[command(subcommand)]
    User(accounts::UserCommand),
    /// API tokens for other office systems (`Authorization: Bearer …`).
    #[command(subcommand)]
    Token(accounts::TokenCommand),
    /// Fill the database with two synthetic waves of a survey and create one demo
    /// account per role, to see every dashboard page populated. Refuses a database
    /// that already has responses of the survey.
    ///
    /// Example: minyi demo && minyi serve
    Demo(accounts::DemoArgs),
}

#[derive(Subcommand)]
enum DbCommand {
    /// Check every page of the database file (SQLite `PRAGMA integrity_check`).
    Check,
}

/// Parses the command line and runs the command; errors are printed with their causes.
pub fn run() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Serve => serve::serve(),
        Command::Migrate => serve::migrate(),
        Command::Db(DbCommand::Check) => serve::db_check(),
        Command::Backup { out } => serve::backup(&out),
        Command::Restore { from, replace } => serve::restore(&from, replace),
        Command::Check(a) => return survey::check(&a),
        Command::Qr(a) => survey::qr(a),
        Command::Export(a) => survey::export(a),
        Command::Invites(a) => survey::invites(a),
        Command::Supersede(a) => survey::supersede(a),
        Command::Redact(a) => survey::redact(a),
        Command::Sample(c) => sample::sample(c),
        Command::Stats(a) => stats::stats(*a),
        Command::Plan(a) => stats::plan(a),
        Command::Sae(a) => sae::sae(a),
        Command::Report(a) => report::report(*a),
        Command::Synth(a) => report::synth(a),
        Command::User(c) => accounts::user(c),
        Command::Token(c) => accounts::token(c),
        Command::Demo(a) => accounts::demo(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
