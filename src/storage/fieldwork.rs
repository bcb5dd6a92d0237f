//! What fieldwork leaves besides responses: invitation codes, interview attempts,
//! questionnaire views, and the themes office staff confirm for open answers. All
//! append-only but the view counters, which add up.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

use super::conn::AnyConn;
use super::error::Result;
use super::schema::{interview_attempts, invites, questionnaire_views, voice_themes};
use super::store::Store;

/// What a questionnaire view is counted under: (survey, collection district,
/// collection point or "", channel, day YYYY-MM-DD).
pub type ViewKey = (String, String, String, String, String);

/// Views and starts counted under one [`ViewKey`], and those left out (beyond the
/// per-source limit).
pub type Counted = (i64, i64, i64);

/// A survey's views as [`Store::views`] gives them.
pub type ViewCount = (String, String, i64, i64, i64);

/// An interview attempt to record (`disposition`: partial, refusal, non_contact,
/// other, unknown or not_eligible).
#[derive(Debug, Clone)]
pub struct NewAttempt {
    pub survey_id: String,
    pub wave: i32,
    pub district: String,
    pub interviewer: String,
    pub mode: String,
    pub disposition: String,
    pub attempted_at: NaiveDateTime,
}

impl Store {
    /// Stores invitation code hashes for a district (new codes only).
    pub fn add_invites(&self, survey_id: &str, district: &str, hashes: &[String]) -> Result<usize> {
        let mut c = self.conn()?;
        let now = Utc::now().naive_utc();
        // Row by row in one transaction: multi-row VALUES is not portable across backends.
        use diesel::connection::Connection;
        Ok(c.transaction::<usize, diesel::result::Error, _>(|c| {
            let mut n = 0;
            for h in hashes {
                n += diesel::insert_into(invites::table)
                    .values((
                        invites::code_hash.eq(h),
                        invites::survey_id.eq(survey_id),
                        invites::district.eq(district),
                        invites::created_at.eq(now),
                    ))
                    .execute(c)?;
            }
            Ok(n)
        })?)
    }

    /// Invitation codes of a survey: (issued, used).
    pub fn invite_counts(&self, survey_id: &str) -> Result<(i64, i64)> {
        let mut c = self.conn()?;
        let issued: i64 = invites::table
            .filter(invites::survey_id.eq(survey_id))
            .count()
            .get_result(&mut c)?;
        let used: i64 = invites::table
            .filter(invites::survey_id.eq(survey_id))
            .filter(invites::used_at.is_not_null())
            .count()
            .get_result(&mut c)?;
        Ok((issued, used))
    }

    /// Invitation codes issued per district: (district, codes).
    pub fn invites_by_district(&self, survey_id: &str) -> Result<Vec<(String, i64)>> {
        let mut c = self.conn()?;
        Ok(invites::table
            .filter(invites::survey_id.eq(survey_id))
            .group_by(invites::district)
            .select((invites::district, diesel::dsl::count_star()))
            .load(&mut c)?)
    }

    /// Records an interview attempt that ended without a questionnaire.
    pub fn add_attempt(&self, a: &NewAttempt) -> Result<()> {
        let mut c = self.conn()?;
        diesel::insert_into(interview_attempts::table)
            .values((
                interview_attempts::survey_id.eq(&a.survey_id),
                interview_attempts::wave.eq(a.wave),
                interview_attempts::district.eq(&a.district),
                interview_attempts::interviewer.eq(&a.interviewer),
                interview_attempts::mode.eq(&a.mode),
                interview_attempts::disposition.eq(&a.disposition),
                interview_attempts::attempted_at.eq(a.attempted_at),
            ))
            .execute(&mut c)?;
        Ok(())
    }

    /// Attempts of a survey's wave: (district, interviewer, disposition, count).
    pub fn attempt_counts(
        &self,
        survey_id: &str,
        wave: i32,
    ) -> Result<Vec<(String, String, String, i64)>> {
        let mut c = self.conn()?;
        Ok(interview_attempts::table
            .filter(interview_attempts::survey_id.eq(survey_id))
            .filter(interview_attempts::wave.eq(wave))
            .group_by((
                interview_attempts::district,
                interview_attempts::interviewer,
                interview_attempts::disposition,
            ))
            .select((
                interview_attempts::district,
                interview_attempts::interviewer,
                interview_attempts::disposition,
                diesel::dsl::count_star(),
            ))
            .load(&mut c)?)
    }

    /// Adds questionnaire views: ((survey, collection district, point or "", channel,
    /// day as YYYY-MM-DD), views). Counters from several servers add up.
    pub fn add_views(&self, views: &[(ViewKey, Counted)]) -> Result<()> {
        use diesel::upsert::excluded;
        // MultiConnection has no ON CONFLICT; each backend runs the same upsert.
        macro_rules! upsert {
            ($c:expr) => {
                $c.transaction(|c| {
                    for ((survey, district, point, channel, day), (n, started, left_out)) in views {
                        diesel::insert_into(questionnaire_views::table)
                            .values((
                                questionnaire_views::survey_id.eq(survey),
                                questionnaire_views::collection_district.eq(district),
                                questionnaire_views::collection_point.eq(point),
                                questionnaire_views::channel.eq(channel),
                                questionnaire_views::day.eq(day),
                                questionnaire_views::views.eq(n),
                                questionnaire_views::starts.eq(started),
                                questionnaire_views::left_out.eq(left_out),
                            ))
                            .on_conflict((
                                questionnaire_views::survey_id,
                                questionnaire_views::collection_district,
                                questionnaire_views::collection_point,
                                questionnaire_views::channel,
                                questionnaire_views::day,
                            ))
                            .do_update()
                            .set((
                                questionnaire_views::views.eq(questionnaire_views::views
                                    + excluded(questionnaire_views::views)),
                                questionnaire_views::starts.eq(questionnaire_views::starts
                                    + excluded(questionnaire_views::starts)),
                                questionnaire_views::left_out.eq(questionnaire_views::left_out
                                    + excluded(questionnaire_views::left_out)),
                            ))
                            .execute(c)?;
                    }
                    Ok::<_, diesel::result::Error>(())
                })
            };
        }
        let mut c = self.conn()?;
        match &mut *c {
            AnyConn::Sqlite(c) => upsert!(c)?,
            AnyConn::Postgres(c) => upsert!(c)?,
        }
        Ok(())
    }

    /// Questionnaire views of a survey: (collection district, channel, views, starts,
    /// views and starts left out).
    pub fn views(&self, survey_id: &str) -> Result<Vec<ViewCount>> {
        let mut c = self.conn()?;
        Ok(questionnaire_views::table
            .filter(questionnaire_views::survey_id.eq(survey_id))
            .select((
                questionnaire_views::collection_district,
                questionnaire_views::channel,
                questionnaire_views::views,
                questionnaire_views::starts,
                questionnaire_views::left_out,
            ))
            .load(&mut c)?)
    }

    /// Records the themes office staff confirmed for an open answer (comma-separated
    /// codes; empty: no theme).
    pub fn confirm_themes(
        &self,
        survey_id: &str,
        response_id: i64,
        themes: &str,
        by: &str,
    ) -> Result<()> {
        let mut c = self.conn()?;
        diesel::insert_into(voice_themes::table)
            .values((
                voice_themes::survey_id.eq(survey_id),
                voice_themes::response_id.eq(response_id),
                voice_themes::themes.eq(themes),
                voice_themes::confirmed_by.eq(by),
                voice_themes::confirmed_at.eq(Utc::now().naive_utc()),
            ))
            .execute(&mut c)?;
        Ok(())
    }

    /// The newest confirmation of each answer of a survey: response id → (themes,
    /// by, at).
    pub fn confirmed_themes(
        &self,
        survey_id: &str,
    ) -> Result<std::collections::HashMap<i64, (String, String, NaiveDateTime)>> {
        let mut c = self.conn()?;
        let rows: Vec<(i64, String, String, NaiveDateTime)> = voice_themes::table
            .filter(voice_themes::survey_id.eq(survey_id))
            .order(voice_themes::id.asc())
            .select((
                voice_themes::response_id,
                voice_themes::themes,
                voice_themes::confirmed_by,
                voice_themes::confirmed_at,
            ))
            .load(&mut c)?;
        Ok(rows
            .into_iter()
            .map(|(id, t, by, at)| (id, (t, by, at)))
            .collect())
    }
}
