//! `minyi demo`: fills a database with two synthetic waves of the example survey and
//! creates one account per role, so a newcomer sees every dashboard page populated.
//! Refuses a database that already holds responses of the survey: demo rows must
//! never mix with real ones.

use chrono::{Duration, TimeZone, Timelike, Utc};
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
    #[error("the demo data are stored, but the dashboard could not read them back: {0}")]
    Dashboard(#[from] crate::dashboard::DashboardError),
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
    /// The communities the demo made weak.
    pub weak: Vec<String>,
    /// Responses of the crowd at one poster within an hour (besides `responses`).
    pub rally: usize,
}

/// Responses per transaction.
const BATCH: usize = 5000;

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
/// days) and, when there was one, the wave before (a month earlier), and creates the
/// demo accounts (`demo-admin`, `demo-viewer`, `demo-district`, `demo-interviewer`;
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
    let data = &synth.data;
    let mut rng = Rng::new(seed ^ 0xD3E0);
    let open_q = survey
        .questions
        .iter()
        .find(|q| q.kind == crate::definition::Kind::Text)
        .map(|q| q.id.clone());
    let district_q = survey.district_question().map(|q| q.id.clone());
    let community_q = survey.community_question().map(|q| q.id.clone());
    let communities: Vec<&str> = survey.communities().map(|(_, c)| c.code.as_str()).collect();
    let grids: Vec<&str> = survey.grids().map(|(_, _, g)| g.code.as_str()).collect();
    let points = survey.points();
    let now = Utc::now();
    let mut flagged = 0;
    let n = data.len();
    let mut batch = Vec::with_capacity(BATCH);
    let mut attempts = Vec::new();
    let mut rally: Option<NewResponse> = None;
    let mut sent: std::collections::BTreeMap<crate::storage::ViewKey, i64> = Default::default();
    for i in 0..n {
        let di = data.district[i] as usize;
        let d = &survey.districts[di];
        let mut answers = Map::new();
        for (qid, col) in &data.columns {
            let Some(q) = survey.question(qid) else {
                continue;
            };
            match col {
                Column::Choice(v) if v[i] != MISSING => {
                    answers.insert(
                        qid.clone(),
                        Value::String(q.options[v[i] as usize].code.clone()),
                    );
                }
                Column::Multi(v) if v[i] != 0 => {
                    let codes = q
                        .options
                        .iter()
                        .enumerate()
                        .filter(|(k, _)| v[i] >> k & 1 == 1)
                        .map(|(_, o)| Value::String(o.code.clone()))
                        .collect();
                    answers.insert(qid.clone(), Value::Array(codes));
                }
                _ => {}
            }
        }
        if let Some(q) = &district_q {
            answers.insert(q.clone(), Value::String(d.code.clone()));
        }
        let residence = communities
            .get(data.community[i] as usize)
            .map(|c| c.to_string());
        if let (Some(q), Some(c)) = (&community_q, &residence) {
            answers.insert(q.clone(), Value::String(c.clone()));
        }
        let point = points.get(data.point[i] as usize);
        let (collection_district, mut collection_community) = match point {
            Some(crate::definition::PointRef::District(pd)) => (pd.code.clone(), None),
            Some(p) => (p.district().code.clone(), Some(p.code().to_string())),
            None => (d.code.clone(), None),
        };
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
            // Two interviewers; the second coaches (指导居民填写): their residents'
            // satisfaction answers lean to the top, which the interviewer check shows.
            let coach = rng.uniform() < 0.5;
            interviewer = Some(if coach { COACH } else { "demo-interviewer" }.to_string());
            if coach {
                for q in survey.questions.iter().filter(|q| {
                    q.dimension == crate::definition::Dimension::Satisfaction && q.kind.is_scale()
                }) {
                    if answers.contains_key(&q.id) && rng.uniform() < 0.6 {
                        let top = q.scale_len().to_string();
                        answers.insert(q.id.clone(), Value::String(top));
                    }
                }
            }
            // An interview is collected for the resident's district, at no poster.
            collection_community = None;
        }
        // One resident in five writes a suggestion, masked as the intake masks it.
        if let (Some(q), true) = (&open_q, rng.uniform() < 0.2) {
            let k = (rng.uniform() * SUGGESTIONS.len() as f64) as usize;
            let text = SUGGESTIONS[k.min(SUGGESTIONS.len() - 1)];
            answers.insert(q.clone(), Value::String(crate::privacy::mask(text).0));
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
        let new = NewResponse {
            survey_id: survey.id.clone(),
            definition_version: survey.version.clone(),
            wave,
            collection_district,
            collection_community,
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
            residence_community: residence,
            residence_grid: grids.get(data.grid[i] as usize).map(|g| g.to_string()),
        };
        // Every interview of the current wave took several attempts: the outcomes of
        // those that ended without one, for the response rates.
        if let (Some(who), true) = (&new.interviewer, wave == current) {
            for (disposition, mean) in [
                ("refusal", 0.8),
                ("non_contact", 1.2),
                ("partial", 0.1),
                ("not_eligible", 0.2),
                ("unknown", 0.3),
                ("other", 0.05),
            ] {
                // A whole number with the given mean.
                let k = (mean + rng.uniform()).floor() as usize;
                for _ in 0..k {
                    attempts.push(crate::storage::NewAttempt {
                        survey_id: survey.id.clone(),
                        wave,
                        district: d.code.clone(),
                        interviewer: who.clone(),
                        mode: new.channel.clone(),
                        disposition: disposition.into(),
                        attempted_at: new.submitted_at,
                    });
                }
            }
        }
        if wave == current && (new.channel == "qr" || new.channel == "link") {
            let day = chrono::Local
                .from_utc_datetime(&new.submitted_at)
                .format("%Y-%m-%d")
                .to_string();
            *sent
                .entry((
                    survey.id.clone(),
                    new.collection_district.clone(),
                    new.collection_community.clone().unwrap_or_default(),
                    new.channel.clone(),
                    day,
                ))
                .or_insert(0) += 1;
        }
        if rally.is_none()
            && wave == current
            && new.channel == "qr"
            && new.collection_community.is_some()
            && new.interviewer.is_none()
        {
            rally = Some(new.clone());
        }
        batch.push(new);
        if batch.len() == BATCH {
            store.insert_batch(&batch)?;
            batch.clear();
        }
    }
    store.insert_batch(&batch)?;
    // A crowd filled in together at one poster within an hour, told what to answer:
    // their satisfaction answers lean to the top (not all alike, so no repeated-pattern
    // flag). The place-and-hour check flags it.
    let mut rallied = 0;
    if let Some(template) = rally {
        let base: Map<String, Value> = serde_json::from_str(&template.answers).unwrap_or_default();
        // Within one clock hour: from ten past, a response every two minutes.
        let hour = chrono::Local.from_utc_datetime(&(now - Duration::hours(3)).naive_utc());
        let at = hour
            .with_minute(10)
            .and_then(|t| t.with_second(0))
            .map_or((now - Duration::hours(3)).naive_utc(), |t| t.naive_utc());
        let crowd: Vec<NewResponse> = (0..RALLY)
            .map(|k| {
                let mut answers = base.clone();
                for q in survey.questions.iter().filter(|q| {
                    q.dimension == crate::definition::Dimension::Satisfaction && q.kind.is_scale()
                }) {
                    let top = q.scale_len() - (rng.uniform() >= 0.85) as u32;
                    answers.insert(q.id.clone(), Value::String(top.to_string()));
                }
                (k, answers)
            })
            .map(|(k, answers)| NewResponse {
                submitted_at: at + Duration::minutes(2 * k as i64),
                started_at: Some(at + Duration::minutes(2 * k as i64) - Duration::minutes(4)),
                answers: Value::Object(answers.clone()).to_string(),
                pattern_hash: crate::quality::pattern_hash(survey, &answers),
                source_hash: crate::collect::keyed_hash(&salt, &format!("demo-rally-{k}")),
                submission_key: format!("{}:demo-{seed}-rally-{k}", survey.id),
                quality_flags: String::new(),
                ..template.clone()
            })
            .collect();
        store.insert_batch(&crowd)?;
        rallied = crowd.len();
    }
    // The questionnaire was opened more often than it was sent: views per collection
    // place, channel and day for the self-completed responses of the current wave.
    let views: Vec<(crate::storage::ViewKey, crate::storage::Counted)> = sent
        .into_iter()
        .map(|(k, n)| {
            let v = (n as f64 * (1.4 + 0.5 * rng.uniform())).ceil() as i64;
            // Most who begin finish; a few stop half way.
            let started = (n as f64 * (1.05 + 0.1 * rng.uniform())).ceil() as i64;
            (k, (v, started.min(v)))
        })
        .collect();
    store.add_views(&views)?;
    for a in &attempts {
        store.add_attempt(a)?;
    }
    // The dashboard's aggregates, saved: a server started next reads them instead of
    // every row.
    crate::dashboard::save_snapshot_now(store, survey)?;
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
        weak: synth.weak,
        rally: rallied,
    })
}

/// What residents write in the demo's open question: the task areas in their own
/// words, one with a phone number (stored masked, as the intake stores it).
const SUGGESTIONS: [&str; 16] = [
    "小区门口垃圾桶经常满了没人清理，有异味",
    "晚上路灯太暗，希望多些巡逻，电动车被偷过两次",
    "学校门口早晚高峰堵车严重，建议设置临时停车区",
    "菜市场周边占道经营，门店油烟很大",
    "办事大厅排队时间太长，窗口服务态度有待改进",
    "希望公园多种树，增加绿化，河道有污染",
    "网吧附近经常有学生逗留，请加强管理",
    "公交车班次太少，等车时间长",
    "广场舞音乐太吵，噪音影响休息",
    "楼道里有人乱扔垃圾，保洁不及时",
    "希望多组织志愿服务活动，让居民参与进来",
    "有问题可以联系我，电话13812345678，希望有人回复",
    "红绿灯时间太短，老人过斑马线来不及",
    "小吃摊卫生状况差，希望加强检查",
    "社区图书馆开放时间太短，文化活动少",
    "总体还不错，继续保持",
];

/// The demo's coaching interviewer (no account: the name is what interviews record).
pub const COACH: &str = "demo-interviewer-2";

/// The crowd at one poster within an hour.
const RALLY: usize = 15;
