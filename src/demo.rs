//! `minyi demo`: fills a database with two synthetic waves of the example survey and
//! creates one account per role, so a newcomer sees every dashboard page populated.
//! Refuses a database that already holds responses of the survey: demo rows must
//! never mix with real ones.

use chrono::{Duration, Utc};
use serde_json::{Map, Value};

use crate::accounts::{self, AccountError};
use crate::definition::Survey;
use crate::stats::{Column, MISSING};
use crate::storage::{NewResponse, StorageError, Store, STATUS_COMPLETE};
use crate::synth::Rng;

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the database already holds {0} responses of survey `{1}`; demo data never mixes with real data: point DATABASE_URL at a new file, e.g. DATABASE_URL=sqlite://data/demo.sqlite3")]
    NotEmpty(usize, String),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Account(#[from] AccountError),
}

/// A demo account and its password (printed once).
pub struct Login {
    pub username: String,
    pub role: &'static str,
    pub district: Option<String>,
    pub password: String,
}

pub struct Demo {
    pub waves: Vec<i32>,
    pub responses: usize,
    pub flagged: usize,
    pub logins: Vec<Login>,
}

/// A random password from the operating system's generator (never the seeded one).
fn password() -> String {
    use rand::Rng as _;
    const A: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut r = rand::thread_rng();
    (0..12)
        .map(|_| A[r.gen_range(0..A.len())] as char)
        .collect()
}

/// Stores `per_wave` synthetic responses for the definition's wave (the last five
/// days) and, when there was one, the wave before (a month earlier), and creates the demo accounts (`demo-admin`, `demo-viewer`, `demo-district`,
/// `demo-interviewer`; existing ones get a new password).
pub fn run(store: &Store, survey: &Survey, per_wave: usize, seed: u64) -> Result<Demo, DemoError> {
    let existing = store.responses(&survey.id)?.len();
    if existing > 0 {
        return Err(DemoError::NotEmpty(existing, survey.id.clone()));
    }
    store.register_definition(survey)?;
    let salt = store.salt(&survey.id)?;
    let current = survey.wave as i32;
    let waves = if current > 1 { 2 } else { 1 };
    let data = crate::synth::dataset(survey, per_wave, waves, seed);
    let mut rng = Rng::new(seed ^ 0xD3E0);
    let district_q = survey.district_question().map(|q| q.id.clone());
    let now = Utc::now();
    let mut flagged = 0;
    let n = data.len();
    for i in 0..n {
        let di = data.district[i] as usize;
        let d = &survey.districts[di];
        let mut answers = Map::new();
        for (qid, col) in &data.columns {
            let (Column::Choice(v), Some(q)) = (col, survey.question(qid)) else {
                continue;
            };
            if v[i] != MISSING {
                answers.insert(
                    qid.clone(),
                    Value::String(q.options[v[i] as usize].code.clone()),
                );
            }
        }
        if let Some(q) = &district_q {
            answers.insert(q.clone(), Value::String(d.code.clone()));
        }
        // synth labels waves 1, 2, …; the last one is the definition's.
        let label: i32 = data.extra["wave"][i].parse().unwrap_or(1);
        let wave = current - (waves as i32 - label);
        // The earlier wave a month ago; the current one over the last five days.
        let back = if wave < current {
            Duration::days(30) + Duration::minutes((rng.uniform() * 5.0 * 1440.0) as i64)
        } else {
            Duration::minutes((rng.uniform() * 5.0 * 1440.0) as i64)
        };
        let submitted = now - back;
        let fast = rng.uniform() < 0.02;
        let seconds = if fast {
            20.0
        } else {
            150.0 + rng.uniform() * 400.0
        };
        let mut channel = data.extra["channel"][i].clone();
        let mut interviewer = None;
        if rng.uniform() < 0.06 {
            channel = if rng.uniform() < 0.5 {
                "phone"
            } else {
                "household"
            }
            .into();
            interviewer = Some("demo-interviewer".to_string());
        }
        let mut flags = Vec::new();
        if fast {
            flags.push(crate::quality::TOO_FAST);
        }
        if crate::quality::straight_lining(survey, &answers) {
            flags.push(crate::quality::STRAIGHT_LINING);
        }
        if !flags.is_empty() {
            flagged += 1;
        }
        let community = if d.communities.is_empty() || rng.uniform() < 0.2 {
            None
        } else {
            let k = (rng.uniform() * d.communities.len() as f64) as usize % d.communities.len();
            Some(d.communities[k].code.clone())
        };
        let new = NewResponse {
            survey_id: survey.id.clone(),
            definition_version: survey.version.clone(),
            wave,
            collection_district: d.code.clone(),
            collection_community: community,
            district: d.code.clone(),
            channel,
            status: STATUS_COMPLETE.into(),
            started_at: Some(
                (submitted - Duration::milliseconds((seconds * 1000.0) as i64)).naive_utc(),
            ),
            submitted_at: submitted.naive_utc(),
            pattern_hash: crate::quality::pattern_hash(survey, &answers),
            answers: Value::Object(answers).to_string(),
            source_hash: crate::collect::keyed_hash(&salt, &format!("demo-{}", i % 997)),
            device_hash: None,
            submission_key: format!("{}:demo-{seed}-{i}", survey.id),
            quality_flags: flags.join(","),
            interviewer,
            intake: None,
            residence_community: None,
            residence_grid: None,
        };
        store.insert_response(new, None, None)?;
    }
    let mut logins = Vec::new();
    let first_district = survey.districts.first().map(|d| d.code.clone());
    for (user, role, district) in [
        ("demo-admin", "admin", None),
        ("demo-viewer", "viewer", None),
        ("demo-district", "district", first_district.clone()),
        ("demo-interviewer", "interviewer", None),
    ] {
        let pw = password();
        match accounts::add_user(store, &[survey], user, &pw, role, district.as_deref()) {
            Ok(_) => {}
            Err(AccountError::Storage(StorageError::UserExists(_))) => {
                store.set_password(user, &accounts::hash_password(&pw)?)?;
                store.set_disabled(user, false)?;
            }
            Err(e) => return Err(e.into()),
        }
        store.audit("minyi demo", "user_add", &format!("{user} role={role}"))?;
        logins.push(Login {
            username: user.into(),
            role,
            district,
            password: pw,
        });
    }
    Ok(Demo {
        waves: ((current - waves as i32 + 1)..=current).collect(),
        responses: n,
        flagged,
        logins,
    })
}
