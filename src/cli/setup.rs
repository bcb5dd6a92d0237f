//! What every command starts from: the configuration and the survey definitions.

use anyhow::{bail, Context, Result};

use minyi::config::{self, AppConfig};
use minyi::definition::{self, DefinitionError};

/// Rocket.toml, the environment and `DATABASE_URL`, as figment and minyi's settings.
pub fn load_config() -> Result<(rocket::figment::Figment, AppConfig)> {
    let f = config::figment();
    let cfg = AppConfig::from_figment(&f).map_err(anyhow::Error::msg)?;
    Ok((f, cfg))
}

/// Every definition in the configured surveys directory.
pub fn load_surveys(cfg: &AppConfig) -> Result<Vec<definition::Survey>> {
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

/// The survey with this id in the configured directory.
pub fn find_survey(cfg: &AppConfig, id: &str) -> Result<definition::Survey> {
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

/// A survey id from the surveys directory, or a definition file (`*.toml`).
pub fn survey_by_id_or_file(cfg: &AppConfig, s: &str) -> Result<definition::Survey> {
    if s.ends_with(".toml") {
        Ok(definition::load_file(std::path::Path::new(s))?)
    } else {
        find_survey(cfg, s)
    }
}

/// The public address for links: configured, or the listening address.
pub fn base_url(f: &rocket::figment::Figment, cfg: &AppConfig) -> String {
    let rc = rocket::Config::from(f);
    cfg.base_url_or(&rc.address.to_string(), rc.port)
}

/// The configured database, opened with the configured durability.
pub fn open_store(cfg: &AppConfig) -> Result<minyi::storage::Store> {
    let options = cfg.store_options().map_err(anyhow::Error::msg)?;
    minyi::storage::Store::open_with(&cfg.database_url, options).context("opening the database")
}

/// Indexes the open answers stored before the voices page's index existed (once,
/// after the upgrade that added it; nothing to do after).
pub fn index_backlog(store: &minyi::storage::Store, s: &definition::Survey) -> Result<()> {
    if store.answer_backlog(&s.id)?.is_none() {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let n = minyi::collect::index_backlog(store, s)
        .with_context(|| format!("indexing the open answers of `{}`", s.id))?;
    println!(
        "minyi: indexed {n} open answers of `{}` stored before the voices page's index ({:.1} s, once)",
        s.id,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
