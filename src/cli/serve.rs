//! `minyi serve` and `minyi migrate`.

use anyhow::{bail, Context, Result};
use std::path::Path;

use super::setup::{base_url, index_backlog, load_config, load_surveys, open_store};
use minyi::config;

/// Runs the web service until it is stopped.
pub fn serve() -> Result<()> {
    let (mut figment, cfg) = load_config()?;
    let surveys = load_surveys(&cfg)?;
    let store = open_store(&cfg)?;
    let configured = rocket::Config::try_from(&figment)
        .map(|c| !c.secret_key.is_zero())
        .map_err(|e| anyhow::anyhow!("invalid Rocket configuration: {e}"))?;
    if !configured {
        // SQLite: a file beside the database (made on first start). PostgreSQL: one key
        // in the database, made by the first server and shared by every server on it,
        // so their cookies (sessions, "already answered") are good on each other.
        let key = match config::secret_key_file(&cfg.database_url) {
            Some(path) => persistent_secret(&path)?,
            None => store
                .shared_secret(COOKIE_KEY)
                .context("reading the shared cookie key from the database")?,
        };
        figment = figment.merge((rocket::Config::SECRET_KEY, key));
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
        index_backlog(&store, s)?;
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
    let proxies = cfg.proxies().map_err(anyhow::Error::msg)?;
    let app = minyi::web::App::new(surveys, store, base)
        .context("preparing the surveys")?
        .with_limit(cfg.rate_per_source_per_minute)
        .with_proxies(proxies)
        .with_https(cfg.public_https)
        .with_policy(cfg.policy().map_err(anyhow::Error::msg)?);
    app.warm_up();
    rocket::execute(async move { minyi::web::rocket(figment, app).launch().await })
        .map(|_| ())
        .map_err(|e| anyhow::anyhow!("the server stopped: {e}"))
}

/// The name of the cookie-signing key among the database's shared secrets.
const COOKIE_KEY: &str = "cookie_key";

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

/// Runs the database's full consistency check (a scan of every page): exit status 1
/// when it finds a problem.
pub fn db_check() -> Result<()> {
    let (_, cfg) = load_config()?;
    let store = open_store(&cfg)?;
    let check = store.deep_check()?;
    let audit = &check.audit;
    if let Some((id, hash)) = &audit.head {
        println!(
            "audit log: {} rows, chained from row {} to row {id}; head hash {hash} (note it down elsewhere: it also shows whether rows were cut off the end)",
            audit.rows,
            audit.before_chain + 1
        );
    }
    if check.is_sound() {
        println!(
            "database is sound: {}",
            minyi::storage::describe_url(&cfg.database_url)
        );
        return Ok(());
    }
    let problems = check.problems();
    for line in &problems {
        println!("{line}");
    }
    bail!(
        "the database check found {} problem(s); for damaged pages or a broken audit chain, restore the latest backup (`minyi backup`) or copy the responses out with `minyi export` before anything else",
        problems.len()
    )
}

/// Writes a consistent copy of the SQLite database while the server runs.
pub fn backup(out: &Path) -> Result<()> {
    let (_, cfg) = load_config()?;
    let store = open_store(&cfg)?;
    store.backup(out)?;
    let copy = minyi::storage::Store::open(&format!("sqlite://{}", out.display()))
        .context("reopening the copy")?;
    let check = copy.integrity_check()?;
    if check != ["ok"] {
        bail!(
            "the copy in {} failed its check: {}",
            out.display(),
            check.join("; ")
        );
    }
    println!(
        "wrote a consistent copy of {} to {} (checked: ok)",
        minyi::storage::describe_url(&cfg.database_url),
        out.display()
    );
    Ok(())
}

/// Puts a backup in place of the configured SQLite database, then checks it as the
/// server would open it (migrated, deep check).
pub fn restore(from: &Path, replace: bool) -> Result<()> {
    let (_, cfg) = load_config()?;
    let r = minyi::storage::restore(from, &cfg.database_url, replace)?;
    let store = open_store(&cfg)?;
    let check = store.integrity_check()?;
    if check != ["ok"] {
        bail!(
            "the restored database failed its check: {}",
            check.join("; ")
        );
    }
    println!(
        "restored {} ({} responses) from {} (checked: ok)",
        r.path.display(),
        r.responses,
        from.display()
    );
    if let Some(k) = &r.kept {
        println!("the database that was there is kept as {}", k.display());
    }
    Ok(())
}

/// Creates or updates the schema.
pub fn migrate() -> Result<()> {
    let (_, cfg) = load_config()?;
    open_store(&cfg)?;
    println!(
        "database is up to date: {}",
        minyi::storage::describe_url(&cfg.database_url)
    );
    Ok(())
}
