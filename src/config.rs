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
    /// Submissions allowed per minute from one network address (a third of it at
    /// once). Far above what a crowd behind one address produces, so it stops scripts,
    /// never residents. Env: `ROCKET_RATE_PER_SOURCE_PER_MINUTE`.
    #[serde(default = "default_per_source")]
    pub rate_per_source_per_minute: u32,
    /// Reverse proxies whose forwarding headers are believed: addresses or CIDR blocks
    /// (`["10.0.0.0/8", "127.0.0.1"]`). Empty (the default): the peer address is the
    /// source, and `X-Forwarded-For` / `X-Real-IP` are ignored. Env: `ROCKET_TRUSTED_PROXIES`.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
    /// SQLite durability: `full` (default; an acknowledged response survives a power
    /// cut) or `normal` (survives a crashed process only). Env: `ROCKET_SQLITE_SYNCHRONOUS`.
    #[serde(default = "default_synchronous")]
    pub sqlite_synchronous: String,
    /// How long a request waits for a database connection before it is answered 503
    /// ("the database is unavailable", with Retry-After). Env: `ROCKET_DATABASE_WAIT_MS`.
    #[serde(default = "default_wait_ms")]
    pub database_wait_ms: u64,
    /// Reached over HTTPS through a proxy that terminates TLS, though `base_url` does not
    /// say https: cookies are marked `Secure` and pages carry HSTS (both also follow
    /// from an https `base_url`). Env: `ROCKET_PUBLIC_HTTPS`.
    #[serde(default)]
    pub public_https: bool,
    /// Minutes without activity after which a session ends (0: only the 12-hour
    /// lifetime). Env: `ROCKET_SESSION_IDLE_MINUTES`.
    #[serde(default = "default_idle")]
    pub session_idle_minutes: u32,
    /// Password rules: the least length, how many of the four kinds of character
    /// (lower, upper, digit, other), how many earlier passwords may not be reused, and
    /// after how many days a password must be changed (0: never). Env:
    /// `ROCKET_PASSWORD_MIN_CHARS`, `ROCKET_PASSWORD_CLASSES`, `ROCKET_PASSWORD_HISTORY`,
    /// `ROCKET_PASSWORD_MAX_AGE_DAYS`.
    #[serde(default = "default_min_chars")]
    pub password_min_chars: usize,
    #[serde(default = "default_classes")]
    pub password_classes: usize,
    #[serde(default = "default_history")]
    pub password_history: usize,
    #[serde(default)]
    pub password_max_age_days: u32,
    /// The roles that must sign in with a second factor (an authenticator app's
    /// codes): `["admin"]` unless set; `[]` for none. Env: `ROCKET_TWO_FACTOR_ROLES`.
    #[serde(default = "default_two_factor")]
    pub two_factor_roles: Vec<String>,
}

fn default_two_factor() -> Vec<String> {
    vec!["admin".into()]
}

fn default_idle() -> u32 {
    crate::accounts::IDLE_MINUTES
}
fn default_min_chars() -> usize {
    crate::accounts::PasswordRules::default().min_chars
}
fn default_classes() -> usize {
    crate::accounts::PasswordRules::default().classes
}
fn default_history() -> usize {
    crate::accounts::PasswordRules::default().history
}

fn default_wait_ms() -> u64 {
    crate::storage::DEFAULT_WAIT.as_millis() as u64
}

fn default_per_source() -> u32 {
    crate::web::DEFAULT_PER_SOURCE
}
fn default_synchronous() -> String {
    "full".into()
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
            trusted_proxies: Vec::new(),
            sqlite_synchronous: default_synchronous(),
            database_wait_ms: default_wait_ms(),
            public_https: false,
            session_idle_minutes: default_idle(),
            password_min_chars: default_min_chars(),
            password_classes: default_classes(),
            password_history: default_history(),
            password_max_age_days: 0,
            two_factor_roles: default_two_factor(),
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

    /// How to open the store.
    pub fn store_options(&self) -> Result<crate::storage::StoreOptions, String> {
        let synchronous =
            crate::storage::Synchronous::parse(&self.sqlite_synchronous).ok_or_else(|| {
                format!(
                    "sqlite_synchronous = `{}`: use full (the default) or normal",
                    self.sqlite_synchronous
                )
            })?;
        if self.database_wait_ms == 0 {
            return Err("database_wait_ms = 0: give the milliseconds a request may wait for the database, e.g. 1000".into());
        }
        Ok(crate::storage::StoreOptions {
            synchronous,
            wait: std::time::Duration::from_millis(self.database_wait_ms),
        })
    }

    /// The sign-in rules.
    pub fn policy(&self) -> Result<crate::accounts::Policy, String> {
        if !(1..=4).contains(&self.password_classes) {
            return Err(format!(
                "password_classes = {}: give how many of the four kinds of character (lower, upper, digit, other) a password must mix, 1 to 4",
                self.password_classes
            ));
        }
        if self.password_min_chars < 8 {
            return Err(format!(
                "password_min_chars = {}: use 8 or more (10 is the default)",
                self.password_min_chars
            ));
        }
        let two_factor = self
            .two_factor_roles
            .iter()
            .map(|r| crate::accounts::Role::parse(r.trim()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("two_factor_roles: {e}"))?;
        Ok(crate::accounts::Policy {
            two_factor,
            passwords: crate::accounts::PasswordRules {
                min_chars: self.password_min_chars,
                classes: self.password_classes,
                history: self.password_history,
                max_age_days: (self.password_max_age_days > 0)
                    .then_some(self.password_max_age_days),
            },
            idle: (self.session_idle_minutes > 0)
                .then(|| chrono::Duration::minutes(i64::from(self.session_idle_minutes))),
        })
    }

    /// The trusted proxies as networks (a plain address is its own /32 or /128).
    pub fn proxies(&self) -> Result<Vec<ipnet::IpNet>, String> {
        self.trusted_proxies
            .iter()
            .map(|p| {
                let p = p.trim();
                p.parse::<ipnet::IpNet>()
                    .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| format!("trusted_proxies: `{p}` is neither an address nor a CIDR block such as 10.0.0.0/8"))
            })
            .collect()
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
