//! Collecting one response: place and date checks, answer validation, the abuse-control
//! hashes, and the append to storage. No HTTP here, so the HTML form and the JSON API
//! share one path and cannot drift apart.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::answers::{self, FieldError, Outcome, RawAnswers};
use crate::definition::Survey;
use crate::quality;
use crate::storage::{
    AnswerIndex, NewResponse, StorageError, Store, StoredResponse, STATUS_COMPLETE, STATUS_SCREENED,
};

pub use crate::definition::Channel;

#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("survey `{0}` does not exist")]
    UnknownSurvey(String),
    #[error("survey `{survey}` has no place `{place}`")]
    UnknownPlace { survey: String, place: String },
    #[error("survey `{0}` closed on {1}")]
    Closed(String, NaiveDate),
    #[error("survey `{0}` opens on {1}")]
    NotYetOpen(String, NaiveDate),
    #[error("some answers are invalid")]
    Invalid(Vec<FieldError>),
    #[error("this questionnaire was already submitted")]
    Duplicate,
    #[error("this invitation code has already been used")]
    InviteUsed,
    #[error(transparent)]
    Storage(StorageError),
}

impl From<StorageError> for CollectError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Duplicate => CollectError::Duplicate,
            StorageError::InviteUsed => CollectError::InviteUsed,
            StorageError::InviteInvalid => CollectError::Invalid(vec![invite_error(
                "邀请码无效，请核对卡片上的邀请码。",
                "This invitation code is not valid; check the code on your card.",
            )]),
            e => CollectError::Storage(e),
        }
    }
}

/// The link's collection point: a district, or a community, grid or point in it.
pub fn check_place<'a>(
    survey: &'a Survey,
    district: &str,
    point: Option<&str>,
) -> Result<crate::definition::PointRef<'a>, CollectError> {
    survey
        .point(district, point)
        .ok_or_else(|| CollectError::UnknownPlace {
            survey: survey.id.clone(),
            place: match point {
                Some(c) => format!("{district}/{c}"),
                None => district.to_string(),
            },
        })
}

/// The answer field of the one-tap "I live here" of a residential poster.
pub fn here_field(community_question: &str) -> String {
    format!("{community_question}.here")
}

/// Checks the survey's dates against `today` (the server's local date).
pub fn check_open(survey: &Survey, today: NaiveDate) -> Result<(), CollectError> {
    if today > survey.closes {
        Err(CollectError::Closed(survey.id.clone(), survey.closes))
    } else if today < survey.opens {
        Err(CollectError::NotYetOpen(survey.id.clone(), survey.opens))
    } else {
        Ok(())
    }
}

/// One submission, as received.
pub struct Submission<'a> {
    pub survey: &'a Survey,
    pub collection_district: &'a str,
    pub collection_community: Option<&'a str>,
    pub channel: Channel,
    pub answers: RawAnswers,
    pub started_at: Option<NaiveDateTime>,
    pub submission_key: String,
    /// The client's network address, hashed before storage.
    pub source: String,
    /// Browser fingerprint material (user agent …), hashed before storage.
    pub device: Option<String>,
    /// A one-time invitation code (household sampling), if given.
    pub invite_code: Option<String>,
    /// The interviewer's username, for telephone and household interviews.
    pub interviewer: Option<String>,
    /// The label of the intake token that posted it (JSON intake).
    pub intake: Option<String>,
    /// A household interview's drawn household.
    pub household: Option<HouseholdLink>,
}

/// A household interview's tie to its drawn household: the resident lives there (its
/// district and community are the residence, whatever the form's place questions
/// say), the roster's count, the chosen adult's chance, when and where the phone
/// ended it.
#[derive(Debug, Clone, Default)]
pub struct HouseholdLink {
    pub id: i64,
    pub district: String,
    pub community: String,
    pub adults: u32,
    pub selection_probability: f64,
    pub ended_at: Option<NaiveDateTime>,
    /// inside, outside or unknown.
    pub location: String,
    /// fine, coarse or poor (with a location).
    pub location_accuracy: Option<String>,
}

fn invite_error(zh: &str, en: &str) -> FieldError {
    FieldError {
        question: "invite".into(),
        message: crate::definition::Text::new(zh, en),
    }
}

/// Codes are printed on cards: case and spaces do not matter.
pub fn normalize_invite(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_uppercase()
}

/// The stored form of an invitation code: keyed by the survey's salt.
pub fn invite_hash(salt: &str, code: &str) -> String {
    keyed_hash(salt, &format!("invite:{}", normalize_invite(code)))
}

/// What was stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub id: i64,
    pub screened_out: bool,
    /// Personal data typed into a free-text answer was masked before it was stored.
    pub masked: bool,
}

/// A checked response, ready for the writer.
pub struct Prepared {
    pub response: NewResponse,
    pub invite_hash: Option<String>,
    /// `Some`: the writer adds the flags that count earlier responses.
    pub checks: Option<quality::HistoryCheck>,
    pub screened_out: bool,
    pub masked: bool,
    /// Its open answer, segmented, for the voices page's index.
    pub index: Option<AnswerIndex>,
}

/// Validates and appends a response; nothing is stored unless everything is valid. The
/// checks run on the caller's task (they are short and CPU-bound), which then waits
/// for the commit without holding a thread.
pub async fn submit(
    store: &Store,
    salt: &str,
    sub: Submission<'_>,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<Stored, CollectError> {
    let p = prepare(salt, sub, now, today)?;
    let id = store
        .insert_response_async(p.response, p.invite_hash, p.checks, p.index)
        .await?;
    Ok(Stored {
        id,
        screened_out: p.screened_out,
        masked: p.masked,
    })
}

/// Everything about a submission that needs no database: place and dates, answers,
/// invitation code presence, hashes and the quality flags of the response alone.
pub fn prepare(
    salt: &str,
    sub: Submission<'_>,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<Prepared, CollectError> {
    let survey = sub.survey;
    let point = check_place(survey, sub.collection_district, sub.collection_community)?;
    check_open(survey, today)?;
    let mut raw = sub.answers;
    // "I live here" at a residential poster is the poster's community, and its grid.
    let mut grid = None;
    if let (Some(q), Some((home, home_grid))) = (survey.community_question(), point.home()) {
        let tapped = raw
            .remove(&here_field(&q.id))
            .is_some_and(|v| v.iter().any(|x| x == "1"));
        if tapped {
            raw.insert(q.id.clone(), vec![home.code.clone()]);
            grid = home_grid.map(|g| g.code.clone());
        }
    }
    let outcome = answers::check(survey, &raw).map_err(CollectError::Invalid)?;
    let mut outcome = outcome;
    let masked = mask_personal_data(survey, &mut outcome);
    let (answers, status) = match &outcome {
        Outcome::Complete(a) => (a, STATUS_COMPLETE),
        Outcome::ScreenedOut { answers, .. } => (answers, STATUS_SCREENED),
    };
    // The district used for estimates is the resident's own answer; the link's place
    // is only where the poster hung.
    let district = survey
        .district_question()
        .and_then(|q| answers.get(&q.id))
        .and_then(|v| v.as_str())
        .unwrap_or(sub.collection_district)
        .to_string();
    let residence_community = survey
        .community_question()
        .and_then(|q| answers.get(&q.id))
        .and_then(|v| v.as_str())
        .filter(|c| survey.find_community(c).is_some())
        .map(str::to_string);
    // A household interview: the resident lives in the drawn household.
    let (district, residence_community) = match &sub.household {
        Some(h) => (h.district.clone(), Some(h.community.clone())),
        None => (district, residence_community),
    };
    // The grid is known only when the resident confirmed the grid poster's community.
    let residence_grid = grid.filter(|_| residence_community.is_some() && sub.household.is_none());
    let invite = sub
        .invite_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if survey.invitation_only && invite.is_none() {
        return Err(CollectError::Invalid(vec![invite_error(
            "本调查凭邀请码参加，请输入卡片上的邀请码。",
            "This survey is by invitation: enter the code printed on your card.",
        )]));
    }
    let key = sub.submission_key.trim();
    if key.is_empty() || key.len() > 100 {
        return Err(CollectError::Invalid(vec![FieldError {
            question: "submission_key".into(),
            message: crate::definition::Text::new(
                "表单已失效，请刷新页面后重新提交。",
                "This form has expired; reload the page and submit again.",
            ),
        }]));
    }
    let source_hash = keyed_hash(salt, &sub.source);
    let started_at = sub.started_at.filter(|s| *s <= now.naive_utc());
    // Flags that need only this response are set here; those that count earlier
    // responses (too fast against the median, bursts, repeated patterns) are added by
    // the writer, which sees every committed row and the rest of its batch.
    let (quality_flags, pattern_hash) = if status == STATUS_COMPLETE {
        quality::response_flags(survey, answers)
    } else {
        (String::new(), String::new())
    };
    let new = NewResponse {
        survey_id: survey.id.clone(),
        definition_version: survey.version.clone(),
        wave: survey.wave as i32,
        collection_district: sub.collection_district.to_string(),
        collection_community: sub.collection_community.map(str::to_string),
        district,
        channel: sub.channel.as_str().to_string(),
        status: status.to_string(),
        started_at,
        submitted_at: now.naive_utc(),
        answers: serde_json::Value::Object(answers.clone()).to_string(),
        source_hash,
        device_hash: sub.device.as_deref().map(|d| keyed_hash(salt, d)),
        // Keys are namespaced per survey so two surveys cannot collide.
        submission_key: format!("{}:{key}", survey.id),
        quality_flags,
        pattern_hash,
        interviewer: sub.interviewer,
        intake: sub.intake,
        residence_community,
        residence_grid,
        household_id: sub.household.as_ref().map(|h| h.id),
        household_adults: sub.household.as_ref().map(|h| h.adults as i32),
        selection_probability: sub.household.as_ref().map(|h| h.selection_probability),
        ended_at: sub.household.as_ref().and_then(|h| h.ended_at),
        location: sub.household.as_ref().map(|h| h.location.clone()),
        location_accuracy: sub
            .household
            .as_ref()
            .and_then(|h| h.location_accuracy.clone()),
    };
    let checks = (status == STATUS_COMPLETE).then_some(quality::HistoryCheck {
        min_seconds: survey.min_seconds,
    });
    // Masked above: indexed as it is stored.
    let index = (status == STATUS_COMPLETE)
        .then(|| open_answer(survey, answers))
        .flatten()
        .map(|(q, text)| index_of(q, text));
    Ok(Prepared {
        index,
        response: new,
        invite_hash: invite.map(|c| invite_hash(salt, c)),
        checks,
        screened_out: status == STATUS_SCREENED,
        masked,
    })
}

/// A response's answer to the survey's open question, when it gave one.
fn open_answer<'a>(
    survey: &'a Survey,
    answers: &'a serde_json::Map<String, serde_json::Value>,
) -> Option<(&'a crate::definition::Question, &'a str)> {
    let q = survey.open_question()?;
    let text = answers.get(&q.id)?.as_str()?.trim();
    (!text.is_empty()).then_some((q, text))
}

/// An open answer (masked) as the voices page's index keeps it: segmented into words,
/// once, here rather than on the writer's thread.
fn index_of(q: &crate::definition::Question, answer: &str) -> AnswerIndex {
    AnswerIndex::new(&q.id, &crate::words::tokens(answer), answer)
}

/// [`index_of`] a response stored or made outside the intake (`minyi demo`, the
/// backlog, a redaction): its status and answers (JSON), the open answer masked with
/// the survey's current rules first (it may have been stored before them).
pub fn answer_index(survey: &Survey, status: &str, answers: &str) -> Option<AnswerIndex> {
    if status != STATUS_COMPLETE {
        return None;
    }
    let answers: serde_json::Map<String, serde_json::Value> = serde_json::from_str(answers).ok()?;
    let (q, text) = open_answer(survey, &answers)?;
    Some(index_of(q, &survey.masker().mask(text).0))
}

/// Indexes a survey's responses stored before the voices page's index existed (the
/// migration noted up to which id), once; returns how many answers it indexed.
pub fn index_backlog(store: &Store, survey: &Survey) -> Result<usize, CollectError> {
    let Some(upto) = store.answer_backlog(&survey.id)? else {
        return Ok(0);
    };
    let (mut after, mut indexed) = (0, 0);
    loop {
        let rows = store.responses_page(&survey.id, after, 5_000)?;
        let done = rows.last().is_none_or(|r| r.id >= upto);
        after = rows.last().map_or(after, |r| r.id);
        let entries: Vec<(&StoredResponse, AnswerIndex)> = rows
            .iter()
            .filter(|r| r.id <= upto)
            .filter_map(|r| Some((r, answer_index(survey, &r.status, &r.answers)?)))
            .collect();
        indexed += entries.len();
        store.index_answers(&survey.id, &entries, done)?;
        if done {
            return Ok(indexed);
        }
    }
}

/// Masks the survey's free-text answers in place with `masker`: for each one it
/// holds, whether the text changed and the kinds of personal data found.
fn mask_free_text(
    survey: &Survey,
    masker: &crate::privacy::Masker,
    answers: &mut serde_json::Map<String, serde_json::Value>,
) -> Vec<(bool, Vec<crate::privacy::Kind>)> {
    let mut found = Vec::new();
    for q in survey
        .questions
        .iter()
        .filter(|q| q.kind == crate::definition::Kind::Text)
    {
        if let Some(serde_json::Value::String(text)) = answers.get_mut(&q.id) {
            let (out, kinds) = masker.mask(text);
            found.push((out != *text, kinds));
            *text = out;
        }
    }
    found
}

/// Masks personal data typed into the free-text answers, before anything is stored;
/// whether anything was masked (the thank-you page says so).
fn mask_personal_data(survey: &Survey, outcome: &mut Outcome) -> bool {
    let answers = match outcome {
        Outcome::Complete(a) => a,
        Outcome::ScreenedOut { answers, .. } => answers,
    };
    mask_free_text(survey, &survey.masker(), answers)
        .iter()
        .any(|(_, kinds)| !kinds.is_empty())
}

type HmacSha256 = Hmac<Sha256>;

fn mac(salt: &str) -> HmacSha256 {
    // HMAC takes keys of any length; this cannot fail.
    <HmacSha256 as Mac>::new_from_slice(salt.as_bytes()).expect("HMAC accepts any key length")
}

/// HMAC-SHA-256 of a value under the survey's salt: equal inputs match within one
/// survey, and the input cannot be recovered or linked across surveys.
pub fn keyed_hash(salt: &str, value: &str) -> String {
    let mut m = mac(salt);
    m.update(value.as_bytes());
    hex::encode(m.finalize().into_bytes())
}

/// A signed "form rendered at" stamp, so the completion time cannot be forged
/// by editing a hidden field.
pub fn start_token(salt: &str, at: DateTime<Utc>) -> String {
    let ms = at.timestamp_millis();
    let sig = keyed_hash(salt, &format!("start:{ms}"));
    format!("{ms}.{}", &sig[..24])
}

/// Reads a stamp made by [`start_token`]; `None` when absent or tampered with.
pub fn verify_start_token(salt: &str, token: &str) -> Option<NaiveDateTime> {
    let (ms, sig) = token.split_once('.')?;
    let ms: i64 = ms.parse().ok()?;
    let want = keyed_hash(salt, &format!("start:{ms}"));
    if want.get(..24)? != sig {
        return None;
    }
    DateTime::<Utc>::from_timestamp_millis(ms).map(|d| d.naive_utc())
}

/// Random characters from `alphabet` (from the operating system's generator) in
/// groups joined by `-` — `[4, 4, 4]` gives `abcd-efgh-jkmn`: codes a person reads off
/// a card or a screen and types (invitations, recovery codes, demo passwords).
pub fn readable_code(alphabet: &[u8], groups: &[usize]) -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    let parts: Vec<String> = groups
        .iter()
        .map(|&n| {
            (0..n)
                .map(|_| alphabet[rng.gen_range(0..alphabet.len())] as char)
                .collect()
        })
        .collect();
    parts.join("-")
}

/// A fresh random submission key for a rendered form.
pub fn new_submission_key() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// What `minyi redact` found (and changed, unless it was a dry run).
#[derive(Debug, Clone, Default)]
pub struct Redaction {
    /// Stored responses read.
    pub responses: usize,
    /// Responses with personal data the current rules mask.
    pub changed: usize,
    /// Free-text answers masked.
    pub answers: usize,
    /// Kinds of personal data found, with counts.
    pub kinds: std::collections::BTreeMap<&'static str, usize>,
}

/// Masks the free-text answers stored under older rules with the current ones
/// (`minyi redact`): text only, each change recorded with `by` and the kinds found,
/// nothing else of a response touched; with `dry_run`, only counts.
pub fn redact(
    store: &Store,
    survey: &Survey,
    by: &str,
    dry_run: bool,
) -> Result<Redaction, CollectError> {
    let masker = survey.masker();
    let mut found = Redaction::default();
    let mut changes = Vec::new();
    let mut after = 0;
    loop {
        let rows = store.responses_page(&survey.id, after, 5_000)?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        for r in &rows {
            found.responses += 1;
            let Ok(mut answers) =
                serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&r.answers)
            else {
                continue;
            };
            let mut kinds: Vec<&'static str> = Vec::new();
            for (_, k) in mask_free_text(survey, &masker, &mut answers)
                .iter()
                .filter(|(changed, _)| *changed)
            {
                found.answers += 1;
                kinds.extend(k.iter().map(|k| k.name()));
            }
            if kinds.is_empty() {
                continue;
            }
            found.changed += 1;
            for k in &kinds {
                *found.kinds.entry(k).or_default() += 1;
            }
            let text = serde_json::to_string(&answers).unwrap_or_else(|_| r.answers.clone());
            let index = answer_index(survey, &r.status, &text);
            changes.push((r.id, text, kinds.join(","), index));
        }
    }
    if !dry_run && !changes.is_empty() {
        store.redact(&changes, by)?;
    }
    if !dry_run {
        let kinds: Vec<String> = found
            .kinds
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        store.audit(
            by,
            "redact",
            &format!(
                "{}: {} of {} responses, {} answers masked with the current rules ({})",
                survey.id,
                found.changed,
                found.responses,
                found.answers,
                if kinds.is_empty() {
                    "nothing found".to_string()
                } else {
                    kinds.join(", ")
                }
            ),
        )?;
    }
    Ok(found)
}
