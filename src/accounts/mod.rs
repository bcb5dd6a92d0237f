//! Office accounts: roles, what each role may see, password hashing and API tokens.
//! Every access rule of the dashboard is a method on [`User`], so the web layer asks
//! one question per route and the rules are tested in one place.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use sha2::{Digest, Sha256};

pub mod totp;

use crate::definition::Survey;
use crate::storage::{StorageError, Store, UserRow};

/// Shorter passwords are refused by default: offices reuse short ones.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// What a new password must be, set by the office (`password_*` settings); the
/// defaults meet what a 等保 level 3 assessment asks: ten characters, three of the four
/// kinds, not the username, not one of the last five.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordRules {
    pub min_chars: usize,
    /// Of lower-case letters, capitals, digits and everything else (spaces,
    /// punctuation, Chinese characters), how many kinds a password must mix.
    pub classes: usize,
    /// A new password may not be one of this many latest ones (the current included).
    pub history: usize,
    /// After this many days the user is sent to the Password page (`None`: never).
    pub max_age_days: Option<u32>,
}

impl Default for PasswordRules {
    fn default() -> Self {
        PasswordRules {
            min_chars: MIN_PASSWORD_CHARS,
            classes: 3,
            history: 5,
            max_age_days: None,
        }
    }
}

/// The office's sign-in rules (settings): passwords and idle sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub passwords: PasswordRules,
    /// A session unused this long ends; `None`: only its absolute lifetime.
    pub idle: Option<chrono::Duration>,
    /// The roles that must sign in with a second factor (admins unless set).
    pub two_factor: Vec<Role>,
}

impl Policy {
    /// Whether accounts of `role` must have a second factor to use the office.
    pub fn needs_second_factor(&self, role: Role) -> bool {
        self.two_factor.contains(&role)
    }
}

/// The idle timeout unless set: an unlocked office PC is signed out within half an hour.
pub const IDLE_MINUTES: u32 = 30;

impl Default for Policy {
    fn default() -> Self {
        Policy {
            passwords: PasswordRules::default(),
            idle: Some(chrono::Duration::minutes(i64::from(IDLE_MINUTES))),
            two_factor: vec![Role::Admin],
        }
    }
}

/// The kinds of character a password mixes (lower, upper, digit, other).
fn classes_of(password: &str) -> usize {
    let kinds = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password
            .chars()
            .any(|c| !c.is_lowercase() && !c.is_uppercase() && !c.is_ascii_digit()),
    ];
    kinds.into_iter().filter(|k| *k).count()
}

impl PasswordRules {
    /// The rules that need no stored data: length, kinds, not the username.
    pub fn check(&self, username: &str, password: &str) -> Result<(), AccountError> {
        if password.chars().count() < self.min_chars {
            return Err(AccountError::PasswordTooShort(self.min_chars));
        }
        let have = classes_of(password);
        if have < self.classes {
            return Err(AccountError::PasswordTooPlain {
                need: self.classes,
                have,
            });
        }
        let lower = password.to_lowercase();
        let name = username.to_lowercase();
        if !name.is_empty()
            && (lower.contains(&name) || lower.chars().rev().collect::<String>().contains(&name))
        {
            return Err(AccountError::PasswordHasUsername);
        }
        Ok(())
    }

    /// Whether a password set at `set_at` is too old at `now`.
    pub fn expired(&self, set_at: chrono::NaiveDateTime, now: chrono::NaiveDateTime) -> bool {
        self.max_age_days
            .is_some_and(|d| now - set_at > chrono::Duration::days(i64::from(d)))
    }

    /// The rules as a sentence for the Password page and the prompts.
    pub fn describe(&self, l: crate::definition::Lang) -> String {
        let mut s = l
            .pick(
                "至少 {n} 个字符，须含小写字母、大写字母、数字、其他字符（空格、标点、汉字）中的 {k} 类，不得包含用户名",
                "at least {n} characters mixing {k} of lower-case letters, capitals, digits and other characters (spaces, punctuation, Chinese), without the username",
            )
            .replace("{n}", &self.min_chars.to_string())
            .replace("{k}", &self.classes.to_string());
        if self.history > 1 {
            s.push_str(
                &l.pick("，不得与最近 {h} 次的密码相同", ", not one of the last {h}")
                    .replace("{h}", &self.history.to_string()),
            );
        }
        s
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("unknown role `{0}`; use admin, viewer, district or interviewer")]
    UnknownRole(String),
    #[error("a district officer needs a district: add --district CODE (one of {0})")]
    DistrictRequired(String),
    #[error("district `{0}` is not in any loaded survey; use one of {1}")]
    UnknownDistrict(String, String),
    #[error("only district officers have a district; drop --district for role `{0}`")]
    DistrictNotAllowed(String),
    #[error("the password is too short: use at least {0} characters")]
    PasswordTooShort(usize),
    #[error("the password mixes {have} kind(s) of character: use {need} of lower-case letters, capitals, digits and others (spaces, punctuation, Chinese)")]
    PasswordTooPlain { need: usize, have: usize },
    #[error("the password contains the username: choose one without it")]
    PasswordHasUsername,
    #[error("the password is one of your last {0}: choose a new one")]
    PasswordReused(usize),
    #[error("a username is 1–40 letters, digits, `.`, `_` or `-`; `{0}` is not")]
    BadUsername(String),
    #[error("cannot hash the password: {0}")]
    Hash(String),
    #[error("the current password is wrong; nothing was changed")]
    WrongPassword,
    #[error("the two new passwords differ; nothing was changed")]
    PasswordsDiffer,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Everything, including users, closing a survey and the audit log.
    Admin,
    /// Reads every figure and download.
    Viewer,
    /// Reads their own district's figures, responses and exports only.
    District,
    /// Enters telephone and household interviews; sees no results.
    Interviewer,
}

impl Role {
    pub fn parse(s: &str) -> Result<Role, AccountError> {
        match s {
            "admin" => Ok(Role::Admin),
            "viewer" => Ok(Role::Viewer),
            "district" => Ok(Role::District),
            "interviewer" => Ok(Role::Interviewer),
            other => Err(AccountError::UnknownRole(other.to_string())),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Viewer => "viewer",
            Role::District => "district",
            Role::Interviewer => "interviewer",
        }
    }
}

/// A signed-in, enabled account.
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// The district of a district officer.
    pub district: Option<String>,
}

impl User {
    /// An enabled account from its row; `None` when disabled or unreadable.
    pub fn from_row(r: &UserRow) -> Option<User> {
        if r.disabled != 0 {
            return None;
        }
        Some(User {
            id: r.id,
            username: r.username.clone(),
            role: Role::parse(&r.role).ok()?,
            district: r.district.clone(),
        })
    }
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
    /// City-wide figures, every district, the quality panel of all districts.
    pub fn sees_city(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Viewer)
    }
    /// Figures, responses and exports of one district.
    pub fn sees_district(&self, code: &str) -> bool {
        match self.role {
            Role::Admin | Role::Viewer => true,
            Role::District => self.district.as_deref() == Some(code),
            Role::Interviewer => false,
        }
    }
    /// Any results at all (interviewers see none).
    pub fn sees_results(&self) -> bool {
        self.role != Role::Interviewer
    }
    /// Entering interviews on a resident's behalf.
    pub fn interviews(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Interviewer)
    }
    /// Opening a rectification item, and moving one along (work started, ready for
    /// re-measurement, a progress note), in a district: admins anywhere, a district
    /// officer in their own.
    pub fn works_on_items(&self, district: &str) -> bool {
        match self.role {
            Role::Admin => true,
            Role::District => self.district.as_deref() == Some(district),
            Role::Viewer | Role::Interviewer => false,
        }
    }
    /// Signing an item off (销号) or reopening it: the city office's judgement, admins
    /// only; the unit that did the work does not certify it.
    pub fn signs_off_items(&self) -> bool {
        self.role == Role::Admin
    }
}

/// An argon2id hash (PHC string with its own random salt).
/// The rules are checked by the callers ([`add_user`], [`set_password`]).
pub fn hash_password(password: &str) -> Result<String, AccountError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Hash(e.to_string()))
}

/// Whether `password` matches a stored hash (false for unreadable hashes).
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to verify against when the username does not exist, so a wrong username
/// takes as long as a wrong password and does not reveal which accounts exist.
pub fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password("not-a-real-password-000").unwrap_or_default())
}

fn check_username(u: &str) -> Result<(), AccountError> {
    let ok = !u.is_empty()
        && u.chars().count() <= 40
        && u.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(AccountError::BadUsername(u.to_string()))
    }
}

fn district_codes(surveys: &[&Survey]) -> Vec<String> {
    let mut v: Vec<String> = surveys
        .iter()
        .flat_map(|s| s.districts.iter().map(|d| d.code.clone()))
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Adds an account after checking the role, the district (against the loaded surveys)
/// and the password.
pub fn add_user(
    store: &Store,
    rules: &PasswordRules,
    surveys: &[&Survey],
    username: &str,
    password: &str,
    role: &str,
    district: Option<&str>,
) -> Result<i64, AccountError> {
    check_username(username)?;
    let role = Role::parse(role)?;
    let codes = district_codes(surveys);
    match (role, district) {
        (Role::District, None) => return Err(AccountError::DistrictRequired(codes.join(", "))),
        (Role::District, Some(d)) if !codes.iter().any(|c| c == d) => {
            return Err(AccountError::UnknownDistrict(
                d.to_string(),
                codes.join(", "),
            ))
        }
        (r, Some(_)) if r != Role::District => {
            return Err(AccountError::DistrictNotAllowed(r.as_str().to_string()))
        }
        _ => {}
    }
    rules.check(username, password)?;
    let hash = hash_password(password)?;
    Ok(store.add_user(username, &hash, role.as_str(), district)?)
}

/// What a user types to change their own password.
pub struct PasswordChange<'a> {
    pub current: &'a str,
    pub new: &'a str,
    pub again: &'a str,
}

/// Changes `username`'s own password at `now` after checking the current one (argon2:
/// run it off the async workers).
pub fn change_password(
    store: &Store,
    rules: &PasswordRules,
    username: &str,
    change: PasswordChange<'_>,
    now: chrono::NaiveDateTime,
) -> Result<(), AccountError> {
    let PasswordChange {
        current,
        new,
        again,
    } = change;
    if new != again {
        return Err(AccountError::PasswordsDiffer);
    }
    let row = store.user_by_name(username)?;
    if !row.is_some_and(|r| verify_password(current, &r.password_hash)) {
        return Err(AccountError::WrongPassword);
    }
    set_password(store, rules, username, new, now)
}

/// Sets a password that keeps the rules, the history included (an admin's reset on
/// the server too), as of `now`.
pub fn set_password(
    store: &Store,
    rules: &PasswordRules,
    username: &str,
    new: &str,
    now: chrono::NaiveDateTime,
) -> Result<(), AccountError> {
    rules.check(username, new)?;
    if rules.history > 0 {
        let recent = store.recent_passwords(username, rules.history as i64)?;
        if recent.iter().any(|h| verify_password(new, h)) {
            return Err(AccountError::PasswordReused(rules.history));
        }
    }
    store.set_password(username, &hash_password(new)?, now)?;
    Ok(())
}

/// How a second factor was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondFactor {
    /// A code from the authenticator app.
    Code,
    /// A recovery code, now used up; this many are left.
    Recovery { left: i64 },
}

/// Checks what was typed as the second factor of `user_id` at `now`: a code of its
/// secret not used before, or one of its unused recovery codes (used up by this).
/// `None`: neither.
pub fn check_second_factor(
    store: &Store,
    user_id: i64,
    secret: &str,
    typed: &str,
    now: chrono::NaiveDateTime,
) -> Result<Option<SecondFactor>, AccountError> {
    let unix = now.and_utc().timestamp();
    if let Some(step) = totp::matching_step(secret, typed, unix) {
        return Ok(store
            .take_totp_step(user_id, step)?
            .then_some(SecondFactor::Code));
    }
    if !store.use_recovery_code(user_id, &totp::recovery_hash(typed), now)? {
        return Ok(None);
    }
    let left = store.recovery_codes_left(user_id)?;
    Ok(Some(SecondFactor::Recovery { left }))
}

/// Enrols `secret` for `user_id` when `typed` is its current code (proof that the
/// phone has it): the recovery codes to show once, or `None` for a wrong code.
pub fn enrol_second_factor(
    store: &Store,
    user_id: i64,
    secret: &str,
    typed: &str,
    now: chrono::NaiveDateTime,
) -> Result<Option<Vec<String>>, AccountError> {
    let Some(step) = totp::matching_step(secret, typed, now.and_utc().timestamp()) else {
        return Ok(None);
    };
    Ok(Some(enrol(store, user_id, secret, step, now)?))
}

/// Stores `secret` as `user_id`'s second factor, codes up to `step` used, with new
/// recovery codes: those codes, to show once. The demo enrols its admin this way;
/// an office user only through [`enrol_second_factor`].
pub fn enrol(
    store: &Store,
    user_id: i64,
    secret: &str,
    step: i64,
    now: chrono::NaiveDateTime,
) -> Result<Vec<String>, AccountError> {
    let codes = totp::new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| totp::recovery_hash(c)).collect();
    store.enrol_totp(user_id, secret, step, &hashes, now)?;
    Ok(codes)
}

/// A new random API token (shown once) and the hash that is stored.
pub fn new_token() -> (String, String) {
    use rand::RngCore;
    let mut b = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut b);
    let token = format!("minyi_{}", hex::encode(b));
    let hash = token_hash(&token);
    (token, hash)
}

/// Tokens are long and random, so a plain SHA-256 is enough to keep them unusable
/// if the database leaks (no salt or slow hash needed, unlike passwords).
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_short_ones_are_refused() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterY", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn password_rules_name_the_rule_a_password_breaks() {
        let rules = PasswordRules::default();
        let broken = |pw: &str| rules.check("wang.li", pw).err().map(|e| e.to_string());
        assert_eq!(
            broken("Short 1"),
            Some("the password is too short: use at least 10 characters".into())
        );
        assert!(broken("alllowercaseletters").is_some_and(|e| e.contains("mixes 1 kind")));
        assert!(broken("lower and spaces").is_some_and(|e| e.contains("mixes 2 kind")));
        assert!(broken("my WANG.LI 2026").is_some_and(|e| e.contains("username")));
        assert!(broken("il.gnaw backwards 1").is_some_and(|e| e.contains("username")));
        assert_eq!(broken("a long password 1"), None);
        assert_eq!(broken("城市文明 创建2026ab"), None);
        assert!(broken("城市文明创建2026").is_some_and(|e| e.contains("mixes 2 kind")));
        let lax = PasswordRules {
            classes: 1,
            min_chars: 4,
            ..rules
        };
        assert_eq!(lax.check("x", "abcd").ok(), Some(()));
    }

    #[test]
    fn a_password_expires_only_with_a_maximum_age() {
        let set = chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .unwrap_or_default();
        let later = set + chrono::Duration::days(91);
        assert!(!PasswordRules::default().expired(set, later));
        let aged = PasswordRules {
            max_age_days: Some(90),
            ..Default::default()
        };
        assert!(aged.expired(set, later));
        assert!(!aged.expired(set, set + chrono::Duration::days(89)));
    }

    #[test]
    fn district_officers_see_only_their_district() {
        let u = User {
            id: 1,
            username: "d".into(),
            role: Role::District,
            district: Some("JA".into()),
        };
        assert!(u.sees_district("JA") && !u.sees_district("HX") && !u.sees_city());
        let i = User {
            role: Role::Interviewer,
            district: None,
            ..u.clone()
        };
        assert!(!i.sees_results() && !i.sees_district("JA") && i.interviews());
        let v = User {
            role: Role::Viewer,
            district: None,
            ..u
        };
        assert!(v.sees_city() && v.sees_district("HX") && !v.interviews() && !v.is_admin());
    }
}
