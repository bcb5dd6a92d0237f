//! Settings: `Rocket.toml` ([default] / [debug] / [release] profiles), overridden by
//! `ROCKET_*` environment variables and `DATABASE_URL`.

use rocket::figment::providers::{Env, Serialized};
use rocket::figment::Figment;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// minyi's own settings (Rocket's — address, port, secret_key — sit beside them).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AppConfig {
    /// `sqlite://data/minyi.sqlite3` by default. Env: `DATABASE_URL` or `ROCKET_DATABASE_URL`.
    #[serde(default = "default_db")]
    pub database_url: String,
    /// Directory with the survey definitions (`*.toml`). Env: `ROCKET_SURVEYS_DIR`.
    #[serde(default = "default_surveys")]
    pub surveys_dir: PathBuf,
    /// Public address printed in QR codes, e.g. `https://minyi.example.gov.cn`. When
    /// unset, the server's own address is used (fine on a LAN, wrong behind a proxy).
    /// Env: `ROCKET_BASE_URL`.
    #[serde(default)]
    pub base_url: Option<String>,
    /// Submissions allowed per minute from one network address (a quarter of it at
    /// once). Generous: many residents share an address. Env: `ROCKET_RATE_PER_SOURCE_PER_MINUTE`.
    #[serde(default = "default_per_source")]
    pub rate_per_source_per_minute: u32,
    /// Submissions allowed per minute from one browser fingerprint.
    /// Env: `ROCKET_RATE_PER_DEVICE_PER_MINUTE`.
    #[serde(default = "default_per_device")]
    pub rate_per_device_per_minute: u32,
}

fn default_per_source() -> u32 {
    crate::web::DEFAULT_PER_SOURCE
}
fn default_per_device() -> u32 {
    crate::web::DEFAULT_PER_DEVICE
}

fn default_db() -> String {
    "sqlite://data/minyi.sqlite3".into()
}
fn default_surveys() -> PathBuf {
    PathBuf::from("surveys")
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            database_url: default_db(),
            surveys_dir: default_surveys(),
            base_url: None,
            rate_per_source_per_minute: default_per_source(),
            rate_per_device_per_minute: default_per_device(),
        }
    }
}

/// Rocket's figment with minyi's defaults under it and `DATABASE_URL` over it.
pub fn figment() -> Figment {
    Figment::from(Serialized::defaults(AppConfig::default()))
        .merge(rocket::Config::figment())
        .merge(
            Env::raw()
                .only(&["DATABASE_URL"])
                .map(|_| "database_url".into()),
        )
}

impl AppConfig {
    pub fn from_figment(f: &Figment) -> Result<AppConfig, String> {
        f.extract::<AppConfig>()
            .map_err(|e| format!("invalid configuration (Rocket.toml or ROCKET_* variables): {e}"))
    }

    /// The base URL for links: configured, or derived from the listening address.
    pub fn base_url_or(&self, address: &str, port: u16) -> String {
        match &self.base_url {
            Some(b) if !b.trim().is_empty() => b.trim_end_matches('/').to_string(),
            _ => {
                let host = if address == "0.0.0.0" || address == "::" {
                    "127.0.0.1"
                } else {
                    address
                };
                format!("http://{host}:{port}")
            }
        }
    }
}

/// A persistent secret key for signing cookies, kept beside the database so that
/// "already answered" cookies survive restarts. Only used when none is configured.
pub fn secret_key_file(database_url: &str) -> Option<PathBuf> {
    let p = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))?;
    Some(
        Path::new(p)
            .parent()
            .unwrap_or(Path::new("."))
            .join("secret.key"),
    )
}
