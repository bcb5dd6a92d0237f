//! Filling a database with the demo: the responses, what fieldwork leaves, the
//! dashboard's snapshot and the accounts.

use super::crowd;
use super::error::DemoError;
use super::responses;
use crate::accounts::{self, AccountError};
use crate::definition::Survey;
use crate::storage::{StorageError, Store};
use crate::synth::Rng;

/// A demo account and its password (printed once).
pub struct Login {
    pub username: String,
    pub role: &'static str,
    pub district: Option<String>,
    pub password: String,
    /// The admin's second factor (admins need one by default): the authenticator key
    /// and the recovery codes, printed once with the password.
    pub second_factor: Option<(String, Vec<String>)>,
}

pub struct Demo {
    pub waves: Vec<i32>,
    pub responses: usize,
    pub flagged: usize,
    pub logins: Vec<Login>,
    /// The communities the demo made weak.
    pub weak: Vec<String>,
    /// Responses of the crowd at one poster within an hour (besides `responses`).
    pub rally: usize,
    /// The household sample's fieldwork (its interviews besides `responses`).
    pub fieldwork: super::households::Fieldwork,
    /// The rectification ledger's items.
    pub ledger: super::ledger::Items,
}

/// Responses per transaction.
const BATCH: usize = 5000;

/// Gives a demo admin a second factor: a new key and recovery codes.
fn enrol(store: &Store, user: &str) -> Result<(String, Vec<String>), DemoError> {
    let id = store
        .user_by_name(user)?
        .ok_or_else(|| StorageError::NoSuchUser(user.to_string()))?
        .id;
    let secret = accounts::totp::new_secret();
    let codes = accounts::enrol(store, id, &secret, 0, chrono::Utc::now().naive_utc())?;
    store.audit("minyi demo", "2fa_enrol", user)?;
    Ok((secret, codes))
}

/// A random password from the operating system's generator (never the seeded one):
/// three groups of five, easy to read out (no 0/O, 1/l), drawn again until it keeps
/// the password rules.
fn password(rules: &accounts::PasswordRules, user: &str) -> String {
    const A: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    loop {
        let pw = crate::collect::readable_code(A, &[5, 5, 5]);
        if rules.check(user, &pw).is_ok() {
            return pw;
        }
    }
}

/// Stores `per_wave` synthetic responses for the definition's wave (the last five
/// days) and, when there was one, the wave before (a month earlier), and creates the
/// demo accounts (`demo-admin`, `demo-viewer`, `demo-district`, `demo-interviewer`,
/// `demo-interviewer-2`;
/// existing ones get a new password). Residents mostly answer at their own
/// community's posters, some elsewhere; a few communities answer markedly worse
/// (`Demo::weak`), which a weak-spots list should find.
pub fn run(store: &Store, survey: &Survey, per_wave: usize, seed: u64) -> Result<Demo, DemoError> {
    let existing = store.count_responses(&survey.id)? as usize;
    if existing > 0 {
        return Err(DemoError::NotEmpty(existing, survey.id.clone()));
    }
    store.register_definition(survey)?;
    let salt = store.salt(&survey.id)?;
    let current = survey.wave as i32;
    let waves = if current > 1 { 2 } else { 1 };
    let synth = crate::synth::generate(survey, per_wave, waves, seed);
    let mut rng = Rng::new(seed ^ 0xD3E0);
    let rows = responses::Rows::new(survey, &synth.data, &salt, seed, waves);
    let mut made = responses::Made::default();
    let mut batch = Vec::with_capacity(BATCH);
    for i in 0..synth.data.len() {
        let r = rows.response(i, &mut rng, &mut made);
        let index = crate::collect::answer_index(survey, &r.status, &r.answers);
        batch.push((r, index));
        if batch.len() == BATCH {
            store.insert_batch(&batch)?;
            batch.clear();
        }
    }
    store.insert_batch(&batch)?;
    let rallied = match made.rally.take() {
        Some(template) => crowd::gather(store, survey, &salt, seed, template, &mut rng)?,
        None => 0,
    };
    store.add_views(&made.views(&mut rng))?;
    for a in &made.attempts {
        store.add_attempt(a)?;
    }
    let logins = logins(store, survey)?;
    let fieldwork = super::households::fieldwork(store, survey, &salt, seed, &mut rng)?;
    // The dashboard's aggregates, saved: a server started next reads them instead of
    // every row.
    crate::dashboard::save_snapshot_now(store, survey)?;
    let wave_list: Vec<i32> = ((current - waves as i32 + 1)..=current).collect();
    let ledger = super::ledger::ledger(store, survey, &wave_list)?;
    Ok(Demo {
        waves: wave_list,
        ledger,
        responses: synth.data.len(),
        flagged: made.flagged,
        logins,
        weak: synth.weak,
        rally: rallied,
        fieldwork,
    })
}

/// One demo account per role (existing ones get a new password), each audited.
fn logins(store: &Store, survey: &Survey) -> Result<Vec<Login>, DemoError> {
    let mut logins = Vec::new();
    let first_district = survey.districts.first().map(|d| d.code.clone());
    let rules = accounts::PasswordRules::default();
    for (user, role, district) in [
        ("demo-admin", "admin", None),
        ("demo-viewer", "viewer", None),
        ("demo-district", "district", first_district.clone()),
        ("demo-interviewer", "interviewer", None),
        (super::responses::COACH, "interviewer", None),
    ] {
        let pw = password(&rules, user);
        let added = accounts::add_user(
            store,
            &rules,
            &[survey],
            user,
            &pw,
            role,
            district.as_deref(),
        );
        match added {
            Ok(_) => {}
            Err(AccountError::Storage(StorageError::UserExists(_))) => {
                store.set_password(
                    user,
                    &accounts::hash_password(&pw)?,
                    chrono::Utc::now().naive_utc(),
                )?;
                store.set_disabled(user, false)?;
            }
            Err(e) => return Err(e.into()),
        }
        store.audit("minyi demo", "user_add", &format!("{user} role={role}"))?;
        let second_factor = if role == "admin" {
            Some(enrol(store, user)?)
        } else {
            None
        };
        logins.push(Login {
            username: user.into(),
            role,
            district,
            password: pw,
            second_factor,
        });
    }
    Ok(logins)
}
