//! The office's tables: accounts, API tokens and survey closures (the audit log is in
//! `audit`).
//! Password hashing and role rules live in `crate::accounts`; this file only stores.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

use super::conn::AnyConn;
use super::error::{Result, StorageError};
use super::schema::{
    api_tokens, intake_tokens, password_history, recovery_codes, sessions, survey_closures, users,
};
use super::store::Store;

/// An office account as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub district: Option<String>,
    pub disabled: i32,
    pub created_at: NaiveDateTime,
    /// When the password was last set (`None`: when the account was made, by a
    /// version before password ages).
    pub password_set_at: Option<NaiveDateTime>,
    /// The TOTP secret (base32) when the account has enrolled a second factor.
    pub totp_secret: Option<String>,
}

impl UserRow {
    /// When the password was set.
    pub fn password_since(&self) -> NaiveDateTime {
        self.password_set_at.unwrap_or(self.created_at)
    }
}

/// What became of a session asked for.
#[derive(Debug)]
pub enum SessionState {
    /// Live: its account (enabled or not; the caller decides).
    Live(UserRow),
    /// Ended now because it was idle longer than allowed.
    Idle,
    /// Signed out, expired, or never existed.
    Gone,
}

/// How often a live session's last activity is written: at most once a minute, so a
/// page load is rarely a write, and at least ten times per idle timeout, so the
/// timeout counts from within a tenth of it.
fn seen_every_secs(idle: Option<chrono::Duration>) -> i64 {
    idle.map_or(60, |i| (i.num_seconds() / 10).clamp(1, 60))
}

fn remember_password(
    c: &mut AnyConn,
    user_id: i64,
    password_hash: &str,
    at: NaiveDateTime,
) -> std::result::Result<(), diesel::result::Error> {
    diesel::insert_into(password_history::table)
        .values((
            password_history::user_id.eq(user_id),
            password_history::password_hash.eq(password_hash),
            password_history::set_at.eq(at),
        ))
        .execute(c)
        .map(|_| ())
}

fn unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

impl Store {
    /// Adds an account; a taken username is `StorageError::UserExists`.
    pub fn add_user(
        &self,
        username: &str,
        password_hash: &str,
        role: &str,
        district: Option<&str>,
    ) -> Result<i64> {
        let mut c = self.conn()?;
        let now = Utc::now().naive_utc();
        let r = diesel::insert_into(users::table)
            .values((
                users::username.eq(username),
                users::password_hash.eq(password_hash),
                users::role.eq(role),
                users::district.eq(district),
                users::disabled.eq(0),
                users::created_at.eq(now),
                users::password_set_at.eq(now),
            ))
            .execute(&mut c);
        match r {
            Ok(_) => {}
            Err(e) if unique_violation(&e) => {
                return Err(StorageError::UserExists(username.to_string()))
            }
            Err(e) => return Err(e.into()),
        }
        let id = users::table
            .filter(users::username.eq(username))
            .select(users::id)
            .first(&mut c)?;
        remember_password(&mut c, id, password_hash, now)?;
        Ok(id)
    }

    pub fn user_by_name(&self, username: &str) -> Result<Option<UserRow>> {
        let mut c = self.conn()?;
        Ok(users::table
            .filter(users::username.eq(username))
            .select(UserRow::as_select())
            .first(&mut c)
            .optional()?)
    }

    pub fn users(&self) -> Result<Vec<UserRow>> {
        let mut c = self.conn()?;
        Ok(users::table
            .order(users::username.asc())
            .select(UserRow::as_select())
            .load(&mut c)?)
    }

    fn update_user<F>(&self, username: &str, f: F) -> Result<()>
    where
        F: FnOnce(&mut AnyConn) -> std::result::Result<usize, diesel::result::Error>,
    {
        let mut c = self.conn()?;
        match f(&mut c)? {
            0 => Err(StorageError::NoSuchUser(username.to_string())),
            _ => Ok(()),
        }
    }

    /// Sets a new password (remembered among the user's earlier ones) and signs the
    /// user out everywhere.
    /// `now`: when it was set, which starts its age.
    pub fn set_password(
        &self,
        username: &str,
        password_hash: &str,
        now: NaiveDateTime,
    ) -> Result<()> {
        self.change_and_sign_out(username, |c, id| {
            diesel::update(users::table.find(id))
                .set((
                    users::password_hash.eq(password_hash),
                    users::password_set_at.eq(now),
                ))
                .execute(c)?;
            remember_password(c, id, password_hash, now)
        })
    }

    /// Changes `username`'s account by its id in one transaction, then signs it out
    /// everywhere (a new password, a removed second factor).
    fn change_and_sign_out<F>(&self, username: &str, f: F) -> Result<()>
    where
        F: FnOnce(&mut AnyConn, i64) -> std::result::Result<(), diesel::result::Error>,
    {
        let mut c = self.conn()?;
        let id: i64 = users::table
            .filter(users::username.eq(username))
            .select(users::id)
            .first(&mut c)
            .optional()?
            .ok_or_else(|| StorageError::NoSuchUser(username.to_string()))?;
        c.transaction(|c| f(c, id))?;
        drop(c);
        self.end_sessions_of(username)
    }

    /// Enrols a second factor: the secret, the step of the code that confirmed it (so
    /// that code cannot sign in again) and new recovery codes, replacing any before.
    pub fn enrol_totp(
        &self,
        user_id: i64,
        secret: &str,
        step: i64,
        recovery_hashes: &[String],
        now: NaiveDateTime,
    ) -> Result<()> {
        let mut c = self.conn()?;
        c.transaction(|c| {
            diesel::update(users::table.find(user_id))
                .set((users::totp_secret.eq(secret), users::totp_step.eq(step)))
                .execute(c)?;
            diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id)))
                .execute(c)?;
            for h in recovery_hashes {
                diesel::insert_into(recovery_codes::table)
                    .values((
                        recovery_codes::user_id.eq(user_id),
                        recovery_codes::code_hash.eq(h),
                        recovery_codes::created_at.eq(now),
                    ))
                    .execute(c)?;
            }
            Ok::<_, diesel::result::Error>(())
        })?;
        Ok(())
    }

    /// Takes a code's time step if it is later than the last one taken: `false` when
    /// this code (or a later one) was already used. One statement, so two servers
    /// given the same code cannot both accept it.
    pub fn take_totp_step(&self, user_id: i64, step: i64) -> Result<bool> {
        let mut c = self.conn()?;
        let n = diesel::update(
            users::table
                .find(user_id)
                .filter(users::totp_step.is_null().or(users::totp_step.lt(step))),
        )
        .set(users::totp_step.eq(step))
        .execute(&mut c)?;
        Ok(n == 1)
    }

    /// Uses up a recovery code: `false` when it is not one of the user's unused codes.
    pub fn use_recovery_code(&self, user_id: i64, hash: &str, now: NaiveDateTime) -> Result<bool> {
        let mut c = self.conn()?;
        let n = diesel::update(
            recovery_codes::table
                .filter(recovery_codes::user_id.eq(user_id))
                .filter(recovery_codes::code_hash.eq(hash))
                .filter(recovery_codes::used_at.is_null()),
        )
        .set(recovery_codes::used_at.eq(now))
        .execute(&mut c)?;
        Ok(n == 1)
    }

    /// Whether the user has enrolled a second factor: its unused recovery codes if so.
    pub fn second_factor_of(&self, user_id: i64) -> Result<Option<i64>> {
        let mut c = self.conn()?;
        let enrolled: bool = users::table
            .find(user_id)
            .select(users::totp_secret.is_not_null())
            .first(&mut c)?;
        drop(c);
        enrolled
            .then(|| self.recovery_codes_left(user_id))
            .transpose()
    }

    /// How many unused recovery codes the user has.
    pub fn recovery_codes_left(&self, user_id: i64) -> Result<i64> {
        let mut c = self.conn()?;
        Ok(recovery_codes::table
            .filter(recovery_codes::user_id.eq(user_id))
            .filter(recovery_codes::used_at.is_null())
            .count()
            .get_result(&mut c)?)
    }

    /// Removes the user's second factor (lost phone) and signs them out everywhere;
    /// their next sign-in enrols again where the rules require it.
    pub fn reset_totp(&self, username: &str) -> Result<()> {
        self.change_and_sign_out(username, |c, id| {
            diesel::update(users::table.find(id))
                .set((
                    users::totp_secret.eq(None::<String>),
                    users::totp_step.eq(None::<i64>),
                ))
                .execute(c)?;
            diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(id)))
                .execute(c)
                .map(|_| ())
        })
    }

    /// The hashes of the user's latest `n` passwords (the current one first).
    pub fn recent_passwords(&self, username: &str, n: i64) -> Result<Vec<String>> {
        let mut c = self.conn()?;
        let id = users::table
            .filter(users::username.eq(username))
            .select(users::id);
        Ok(password_history::table
            .filter(password_history::user_id.eq_any(id))
            .order(password_history::id.desc())
            .limit(n)
            .select(password_history::password_hash)
            .load(&mut c)?)
    }

    /// Disables (signing the user out everywhere) or enables an account.
    pub fn set_disabled(&self, username: &str, disabled: bool) -> Result<()> {
        self.update_user(username, |c| {
            diesel::update(users::table.filter(users::username.eq(username)))
                .set(users::disabled.eq(disabled as i32))
                .execute(c)
        })?;
        if disabled {
            self.end_sessions_of(username)?;
        }
        Ok(())
    }

    /// Records a signed-in session (by the hash of its token) and forgets expired ones.
    pub fn add_session(
        &self,
        token_hash: &str,
        user_id: i64,
        now: NaiveDateTime,
        expires_at: NaiveDateTime,
    ) -> Result<()> {
        let mut c = self.conn()?;
        diesel::delete(sessions::table.filter(sessions::expires_at.lt(now))).execute(&mut c)?;
        diesel::insert_into(sessions::table)
            .values((
                sessions::token_hash.eq(token_hash),
                sessions::user_id.eq(user_id),
                sessions::created_at.eq(now),
                sessions::expires_at.eq(expires_at),
            ))
            .execute(&mut c)?;
        Ok(())
    }

    /// The account of a live session (not signed out, not expired, not idle longer
    /// than `idle`); a session found idle is ended. `touch`: this request is the
    /// user's doing (a page's background refresh is not), so it counts as activity.
    pub fn session_user(
        &self,
        token_hash: &str,
        now: NaiveDateTime,
        idle: Option<chrono::Duration>,
        touch: bool,
    ) -> Result<SessionState> {
        let mut c = self.conn()?;
        let found: Option<(UserRow, NaiveDateTime, Option<NaiveDateTime>)> = sessions::table
            .inner_join(users::table)
            .filter(sessions::token_hash.eq(token_hash))
            .filter(sessions::expires_at.gt(now))
            .select((
                UserRow::as_select(),
                sessions::created_at,
                sessions::last_seen,
            ))
            .first(&mut c)
            .optional()?;
        let Some((user, created, seen)) = found else {
            return Ok(SessionState::Gone);
        };
        let seen = seen.unwrap_or(created);
        let this = sessions::table.filter(sessions::token_hash.eq(token_hash));
        if idle.is_some_and(|idle| now - seen > idle) {
            diesel::delete(this).execute(&mut c)?;
            return Ok(SessionState::Idle);
        }
        if touch && (now - seen).num_seconds() >= seen_every_secs(idle) {
            diesel::update(this)
                .set(sessions::last_seen.eq(now))
                .execute(&mut c)?;
        }
        Ok(SessionState::Live(user))
    }

    /// Signs a session out.
    pub fn end_session(&self, token_hash: &str) -> Result<()> {
        let mut c = self.conn()?;
        diesel::delete(sessions::table.filter(sessions::token_hash.eq(token_hash)))
            .execute(&mut c)?;
        Ok(())
    }

    /// Signs a user out everywhere (new password, disabled account).
    pub fn end_sessions_of(&self, username: &str) -> Result<()> {
        let mut c = self.conn()?;
        let ids = users::table
            .filter(users::username.eq(username))
            .select(users::id);
        diesel::delete(sessions::table.filter(sessions::user_id.eq_any(ids))).execute(&mut c)?;
        Ok(())
    }

    /// Stores an API token's hash for a user.
    pub fn add_token(&self, user_id: i64, token_hash: &str, label: &str) -> Result<()> {
        let mut c = self.conn()?;
        diesel::insert_into(api_tokens::table)
            .values((
                api_tokens::token_hash.eq(token_hash),
                api_tokens::user_id.eq(user_id),
                api_tokens::label.eq(label),
                api_tokens::created_at.eq(Utc::now().naive_utc()),
            ))
            .execute(&mut c)?;
        Ok(())
    }

    /// The account a token belongs to.
    pub fn user_by_token(&self, token_hash: &str) -> Result<Option<UserRow>> {
        let mut c = self.conn()?;
        Ok(api_tokens::table
            .inner_join(users::table)
            .filter(api_tokens::token_hash.eq(token_hash))
            .select(UserRow::as_select())
            .first(&mut c)
            .optional()?)
    }

    /// Stores an intake token (its hash) under a label; labels are unique so a token
    /// can be revoked by name.
    pub fn add_intake_token(&self, token_hash: &str, label: &str) -> Result<()> {
        let mut c = self.conn()?;
        let taken: i64 = intake_tokens::table
            .filter(intake_tokens::label.eq(label))
            .filter(intake_tokens::revoked_at.is_null())
            .count()
            .get_result(&mut c)?;
        if taken > 0 {
            return Err(StorageError::TokenExists(label.to_string()));
        }
        diesel::insert_into(intake_tokens::table)
            .values((
                intake_tokens::token_hash.eq(token_hash),
                intake_tokens::label.eq(label),
                intake_tokens::created_at.eq(Utc::now().naive_utc()),
            ))
            .execute(&mut c)?;
        Ok(())
    }

    /// The label of a working (not revoked) intake token.
    pub fn intake_label(&self, token_hash: &str) -> Result<Option<String>> {
        let mut c = self.conn()?;
        Ok(intake_tokens::table
            .filter(intake_tokens::token_hash.eq(token_hash))
            .filter(intake_tokens::revoked_at.is_null())
            .select(intake_tokens::label)
            .first(&mut c)
            .optional()?)
    }

    /// Revokes the working intake token with this label; servers stop accepting it within a second (they trust a check that long).
    pub fn revoke_intake_token(&self, label: &str) -> Result<()> {
        let mut c = self.conn()?;
        let n = diesel::update(
            intake_tokens::table
                .filter(intake_tokens::label.eq(label))
                .filter(intake_tokens::revoked_at.is_null()),
        )
        .set(intake_tokens::revoked_at.eq(Some(Utc::now().naive_utc())))
        .execute(&mut c)?;
        if n == 0 {
            return Err(StorageError::NoSuchToken(label.to_string()));
        }
        Ok(())
    }

    /// Every intake token: (label, created, revoked).
    pub fn intake_tokens(&self) -> Result<Vec<(String, NaiveDateTime, Option<NaiveDateTime>)>> {
        let mut c = self.conn()?;
        Ok(intake_tokens::table
            .order(intake_tokens::created_at.asc())
            .select((
                intake_tokens::label,
                intake_tokens::created_at,
                intake_tokens::revoked_at,
            ))
            .load(&mut c)?)
    }

    /// Closes a survey to new responses (once; closing again is `AlreadyClosed`).
    pub fn close_survey(&self, survey_id: &str, by: &str) -> Result<()> {
        let mut c = self.conn()?;
        let r = diesel::insert_into(survey_closures::table)
            .values((
                survey_closures::survey_id.eq(survey_id),
                survey_closures::closed_at.eq(Utc::now().naive_utc()),
                survey_closures::closed_by.eq(by),
            ))
            .execute(&mut c);
        match r {
            Ok(_) => Ok(()),
            Err(e) if unique_violation(&e) => {
                Err(StorageError::AlreadyClosed(survey_id.to_string()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// When and by whom a survey was closed early, if it was.
    pub fn closure(&self, survey_id: &str) -> Result<Option<(NaiveDateTime, String)>> {
        let mut c = self.conn()?;
        Ok(survey_closures::table
            .find(survey_id)
            .select((survey_closures::closed_at, survey_closures::closed_by))
            .first(&mut c)
            .optional()?)
    }
}
