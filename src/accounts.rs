//! Office accounts: roles, what each role may see, password hashing and API tokens.
//! Every access rule of the dashboard is a method on [`User`], so the web layer asks
//! one question per route and the rules are tested in one place.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use sha2::{Digest, Sha256};

use crate::definition::Survey;
use crate::storage::{StorageError, Store, UserRow};

/// Shorter passwords are refused: offices reuse short ones.
pub const MIN_PASSWORD_CHARS: usize = 10;

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
    #[error("the password is too short: use at least {MIN_PASSWORD_CHARS} characters")]
    WeakPassword,
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
}

/// An argon2id hash (PHC string with its own random salt).
pub fn hash_password(password: &str) -> Result<String, AccountError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountError::WeakPassword);
    }
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
    let hash = hash_password(password)?;
    Ok(store.add_user(username, &hash, role.as_str(), district)?)
}

/// Changes `username`'s own password after checking the current one (argon2: run it
/// off the async workers).
pub fn change_password(
    store: &Store,
    username: &str,
    current: &str,
    new: &str,
    again: &str,
) -> Result<(), AccountError> {
    if new != again {
        return Err(AccountError::PasswordsDiffer);
    }
    let row = store.user_by_name(username)?;
    if !row.is_some_and(|r| verify_password(current, &r.password_hash)) {
        return Err(AccountError::WrongPassword);
    }
    store.set_password(username, &hash_password(new)?)?;
    Ok(())
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
        assert!(matches!(
            hash_password("short"),
            Err(AccountError::WeakPassword)
        ));
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
