//! Commands on a survey and its stored responses: `check`, `qr`, `export`, `invites`,
//! `supersede`, `redact`.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::setup::{base_url, find_survey, load_config, open_store};
use minyi::definition::{self, Lang};

#[derive(clap::Args)]
pub struct CheckArgs {
    /// A definition file or a directory of them.
    #[arg(default_value = "surveys")]
    path: PathBuf,
}

#[derive(clap::Args)]
pub struct QrArgs {
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
    /// Also write posters.pdf: one A4 poster per place, ready to print.
    #[arg(long)]
    pdf: bool,
}

#[derive(clap::Args)]
pub struct ExportArgs {
    #[arg(long)]
    survey: String,
    /// Output file; `-` for standard output.
    #[arg(long, default_value = "-")]
    out: PathBuf,
}

#[derive(clap::Args)]
pub struct InvitesArgs {
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
}

#[derive(clap::Args)]
pub struct SupersedeArgs {
    #[arg(long)]
    survey: String,
    /// The response id (`response_id` in the export).
    #[arg(long)]
    response: i64,
    /// Why, in words an auditor can follow (at least 10 characters).
    #[arg(long)]
    reason: String,
}

#[derive(clap::Args)]
pub struct RedactArgs {
    #[arg(long)]
    survey: String,
    /// The admin account running it (written to the audit log and every redaction).
    #[arg(long)]
    by: String,
    /// Count what the current rules would mask; change nothing.
    #[arg(long)]
    dry_run: bool,
}

/// Validates definitions; exit status 1 on any error.
pub fn check(a: &CheckArgs) -> ExitCode {
    let path = a.path.as_path();
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
            Ok(s) => {
                println!(
                    "ok   {}: survey `{}` wave {}, {} districts, {} streets, {} communities, {} grids, {} other poster points, {} questions{}{}",
                    f.display(),
                    s.id,
                    s.wave,
                    s.districts.len(),
                    s.streets().count(),
                    s.communities().count(),
                    s.grids().count(),
                    s.districts.iter().map(|d| d.points.len()).sum::<usize>(),
                    s.questions.len(),
                    if s.weighting.is_some() { ", census for weighting" } else { "" },
                    if s.boundaries.is_some() { ", map outlines" } else { "" },
                );
                for w in &s.warnings {
                    println!("{}", w.to_string().replacen(": error: ", ": warning: ", 1));
                }
            }
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

/// Writes every collection point's QR code as SVG and PNG.
pub fn qr(a: QrArgs) -> Result<()> {
    let (f, cfg) = load_config()?;
    let s = find_survey(&cfg, &a.survey)?;
    let lang = Lang::from_code(Some(&a.lang));
    let out = a.out.as_path();
    let base = a.base_url.unwrap_or_else(|| base_url(&f, &cfg));
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
    if a.pdf {
        let path = out.join("posters.pdf");
        std::fs::write(&path, minyi::qr::posters_pdf(&s, &places, lang)?)
            .with_context(|| format!("writing {}", path.display()))?;
        println!(
            "wrote {} ({} A4 pages, one per place)",
            path.display(),
            places.len()
        );
    }
    Ok(())
}

/// Writes the complete responses as CSV.
pub fn export(a: ExportArgs) -> Result<()> {
    let (_, cfg) = load_config()?;
    let s = find_survey(&cfg, &a.survey)?;
    let out = a.out.as_path();
    let store = open_store(&cfg)?;
    // Page by page, superseded responses marked: the file the dashboard offers.
    let n = if out == Path::new("-") {
        minyi::export::write_from_store(&store, &s, None, std::io::stdout().lock())?
    } else {
        let f =
            std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
        minyi::export::write_from_store(&store, &s, None, std::io::BufWriter::new(f))?
    };
    eprintln!("exported {n} complete responses of `{}`", s.id);
    Ok(())
}

/// Issues invitation codes for a district and writes them with their links.
pub fn invites(a: InvitesArgs) -> Result<()> {
    let (f, cfg) = load_config()?;
    let s = find_survey(&cfg, &a.survey)?;
    let store = open_store(&cfg)?;
    let issued = minyi::invites::issue(&store, &s, &a.district, a.count)?;
    let base = a.base_url.unwrap_or_else(|| base_url(&f, &cfg));
    let out = &a.out;
    let mut w =
        csv::Writer::from_path(out).with_context(|| format!("creating {}", out.display()))?;
    w.write_record(["code", "district", "link"])?;
    for c in &issued.codes {
        let link = format!(
            "{}?code={c}",
            minyi::qr::link(&base, &s.id, &a.district, None)
        );
        w.write_record([c.as_str(), a.district.as_str(), link.as_str()])?;
    }
    w.flush()?;
    println!(
        "wrote {} invitation codes for `{}` district {} to {} ({} issued, {} used so far)",
        a.count,
        s.id,
        a.district,
        out.display(),
        issued.issued,
        issued.used
    );
    if !s.invitation_only {
        eprintln!(
            "note: survey `{}` does not set invitation_only = true, so codes are optional there",
            s.id
        );
    }
    Ok(())
}

/// Records why a response no longer counts.
pub fn supersede(a: SupersedeArgs) -> Result<()> {
    let reason = a.reason.trim();
    if reason.chars().count() < 10 {
        bail!("--reason must say why in at least 10 characters");
    }
    let (_, cfg) = load_config()?;
    let s = find_survey(&cfg, &a.survey)?;
    open_store(&cfg)?.supersede(&s.id, a.response, reason)?;
    println!(
        "response {} of `{}` is superseded: {reason}",
        a.response, s.id
    );
    Ok(())
}

/// Masks stored free text with the current personal-data rules.
pub fn redact(a: RedactArgs) -> Result<()> {
    let (_, cfg) = load_config()?;
    let s = find_survey(&cfg, &a.survey)?;
    let store = open_store(&cfg)?;
    let admin = store
        .users()?
        .into_iter()
        .any(|u| u.username == a.by && u.role == "admin" && u.disabled == 0);
    if !admin {
        bail!(
            "--by {}: name the enabled admin account running this (it goes into the audit log); add one with `minyi user add NAME --role admin`",
            a.by
        );
    }
    let r = minyi::collect::redact(&store, &s, &a.by, a.dry_run)?;
    let kinds: Vec<String> = r.kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
    println!(
        "{} {} of {} stored responses of `{}`: {} free-text answers{}",
        if a.dry_run { "would mask" } else { "masked" },
        r.changed,
        r.responses,
        s.id,
        r.answers,
        if kinds.is_empty() {
            String::new()
        } else {
            format!(" ({})", kinds.join(", "))
        }
    );
    if !a.dry_run && r.changed > 0 {
        println!(
            "each change is recorded in the database's redactions and the audit log, by {}",
            a.by
        );
    }
    Ok(())
}
