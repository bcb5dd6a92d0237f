//! Office accounts and tokens (`minyi user`, `minyi token`) and the demo (`minyi demo`),
//! which creates one account per role.

use anyhow::{bail, Context, Result};
use clap::Subcommand;

use super::setup::{base_url, load_config, load_surveys, open_store};
use minyi::definition;

#[derive(Subcommand)]
pub enum UserCommand {
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
    /// Remove an account's second factor (a lost phone): signs it out everywhere; it
    /// enrols again at its next sign-in where its role requires one.
    #[command(name = "reset-2fa")]
    Reset2fa { username: String },
    /// List accounts.
    List,
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create a token, printed once: `--user NAME` for the read API (acting with that
    /// user's role), or `--intake` for a kiosk or interview system posting responses.
    Add {
        #[arg(long, required_unless_present = "intake", conflicts_with = "intake")]
        user: Option<String>,
        /// A token for the JSON intake (`POST /api/surveys/{id}/responses`).
        #[arg(long)]
        intake: bool,
        /// What the token is for, e.g. "kiosk 7" or "city data platform"; an intake
        /// token's label is recorded with every response it posts.
        #[arg(long)]
        label: String,
    },
    /// Revoke an intake token by its label; it stops working at once.
    Revoke {
        #[arg(long)]
        intake: bool,
        #[arg(long)]
        label: String,
    },
    /// List intake tokens (labels and dates; tokens themselves are never stored).
    List,
}

#[derive(clap::Args)]
pub struct DemoArgs {
    /// The survey id (default: the first survey in surveys_dir).
    #[arg(long)]
    survey: Option<String>,
    /// Synthetic responses per wave.
    #[arg(long, default_value_t = 1500)]
    per_wave: usize,
    #[arg(long, default_value_t = 7)]
    seed: u64,
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

/// Adds, changes, disables, enables or lists accounts.
pub fn user(c: UserCommand) -> Result<()> {
    let (_, cfg) = load_config()?;
    let store = open_store(&cfg)?;
    let rules = cfg.policy().map_err(anyhow::Error::msg)?.passwords;
    let asked = format!("({})", rules.describe(minyi::definition::Lang::En));
    match c {
        UserCommand::Add {
            username,
            role,
            district,
        } => {
            let surveys = load_surveys(&cfg)?;
            let refs: Vec<&definition::Survey> = surveys.iter().collect();
            let pw = read_password(&format!("Password for {username} {asked}: "))?;
            minyi::accounts::add_user(
                &store,
                &rules,
                &refs,
                &username,
                &pw,
                &role,
                district.as_deref(),
            )?;
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
            let pw = read_password(&format!("New password for {username} {asked}: "))?;
            let now = chrono::Utc::now().naive_utc();
            minyi::accounts::set_password(&store, &rules, &username, &pw, now)?;
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
        UserCommand::Reset2fa { username } => {
            store.reset_totp(&username)?;
            store.audit("command line", "2fa_reset", &username)?;
            println!("removed the second factor of `{username}` and signed it out");
        }
        UserCommand::List => {
            for u in store.users()? {
                println!(
                    "{:<24} {:<12} {:<8} {:<9} {}",
                    u.username,
                    u.role,
                    u.district.as_deref().unwrap_or("-"),
                    if u.disabled != 0 {
                        "disabled"
                    } else {
                        "enabled"
                    },
                    if u.totp_secret.is_some() {
                        "two-step"
                    } else {
                        "password"
                    }
                );
            }
        }
    }
    Ok(())
}

/// Creates, revokes or lists tokens.
pub fn token(c: TokenCommand) -> Result<()> {
    let (_, cfg) = load_config()?;
    let store = open_store(&cfg)?;
    match c {
        TokenCommand::Add {
            user: Some(user),
            label,
            ..
        } => {
            let Some(u) = store.user_by_name(&user)? else {
                bail!(
                    "there is no user `{user}`; add one with `minyi user add {user} --role viewer`"
                );
            };
            let (token, hash) = minyi::accounts::new_token();
            store.add_token(u.id, &hash, &label)?;
            store.audit("command line", "token_add", &format!("{user}: {label}"))?;
            println!("{token}");
            eprintln!(
                "token for `{user}` ({}), shown only now: send it as `Authorization: Bearer <token>`",
                u.role
            );
        }
        TokenCommand::Add { label, .. } => {
            let (token, hash) = minyi::accounts::new_token();
            store.add_intake_token(&hash, &label)?;
            store.audit("command line", "intake_token_add", &label)?;
            println!("{token}");
            eprintln!("intake token `{label}`, shown only now: the kiosk sends it as `Authorization: Bearer <token>` to POST /api/surveys/ID/responses; revoke it with `minyi token revoke --intake --label \"{label}\"`");
        }
        TokenCommand::Revoke { intake, label } => {
            if !intake {
                bail!("only intake tokens are revoked by label: add --intake (a read token stops with its user: `minyi user disable NAME`)");
            }
            store.revoke_intake_token(&label)?;
            store.audit("command line", "intake_token_revoke", &label)?;
            println!("revoked intake token `{label}`; running servers refuse it within a second");
        }
        TokenCommand::List => {
            for (label, created, revoked) in store.intake_tokens()? {
                println!(
                    "intake  {:<24} created {}  {}",
                    label,
                    created.format("%Y-%m-%d %H:%M"),
                    revoked.map_or("working".to_string(), |r| format!(
                        "revoked {}",
                        r.format("%Y-%m-%d %H:%M")
                    ))
                );
            }
        }
    }
    Ok(())
}

/// Fills the database with synthetic waves and creates the demo accounts.
pub fn demo(a: DemoArgs) -> Result<()> {
    let (survey, per_wave, seed) = (a.survey.as_deref(), a.per_wave, a.seed);
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
    let store = open_store(&cfg)?;
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
    let f = &d.fieldwork;
    if f.households > 0 {
        println!(
            "household sample: {} households drawn and assigned, {} visits recorded, {} household interviews, {} call-backs drawn",
            f.households, f.visits, f.interviews, f.callbacks
        );
    }
    if d.ledger.opened > 0 {
        println!(
            "rectification ledger: {} items opened from wave {}'s weak spots, {} signed off after wave {}, {} overdue",
            d.ledger.opened,
            d.waves[0],
            d.ledger.signed_off,
            d.waves[d.waves.len() - 1],
            d.ledger.overdue
        );
    }
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
    for l in &d.logins {
        if let Some((key, codes)) = &l.second_factor {
            println!(
                "  {} signs in in two steps: add the key {key} to an authenticator app on a phone, or give one of these recovery codes (each works once): {}",
                l.username,
                codes.join(" ")
            );
        }
    }
    println!(
        "start the server with `cargo run -- serve` and sign in at {}/login",
        base_url(&figment, &cfg)
    );
    Ok(())
}
