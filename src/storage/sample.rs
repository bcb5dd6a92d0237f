//! The household sample as stored: address lists, draws (their communities and
//! households), assignments, visits and call-backs. Append-only throughout: a redraw
//! is a new draw, a reassignment a new assignment, a correction a new row; the newest
//! counts.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use std::collections::HashMap;

use super::conn::AnyConn;
use super::error::{Result, StorageError};
use super::schema::{
    callback_outcomes, callbacks, household_visits, responses, sample_assignments,
    sample_communities, sample_draws, sample_frames, sample_households,
};
use super::store::Store;

/// Each community's newest address list: community → (fingerprint, households in
/// order as (code, address)).
pub type Frames = HashMap<String, (String, Vec<(String, String)>)>;

/// A draw as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sample_draws)]
pub struct DrawRow {
    pub id: i64,
    pub survey_id: String,
    pub wave: i32,
    pub seed: i64,
    pub fingerprint: String,
    pub drawn_at: NaiveDateTime,
    pub drawn_by: String,
}

/// A community of a draw.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sample_communities)]
pub struct CommunityRow {
    pub id: i64,
    pub draw_id: i64,
    pub district: String,
    pub community: String,
    pub adults: i64,
    pub probability: f64,
    pub certain: i32,
    /// Households drawn in it (0 while it waits for an address list).
    pub households: i32,
}

/// A household of a draw.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sample_households)]
pub struct HouseholdRow {
    pub id: i64,
    pub draw_id: i64,
    pub survey_id: String,
    pub wave: i32,
    pub district: String,
    pub community: String,
    pub serial: i32,
    pub household_code: String,
    pub address: String,
    pub method: String,
    pub probability: f64,
    pub approximate: i32,
    pub kish_table: Option<String>,
}

/// A visit as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = household_visits)]
pub struct VisitRow {
    pub id: i64,
    pub survey_id: String,
    pub household_id: i64,
    pub interviewer: String,
    pub visited_at: NaiveDateTime,
    pub recorded_at: NaiveDateTime,
    pub outcome: String,
    pub appointment_at: Option<NaiveDateTime>,
    pub note: String,
    pub submission_key: String,
}

/// A visit to record.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = household_visits)]
pub struct NewVisit {
    pub survey_id: String,
    pub household_id: i64,
    pub interviewer: String,
    pub visited_at: NaiveDateTime,
    pub recorded_at: NaiveDateTime,
    pub outcome: String,
    pub appointment_at: Option<NaiveDateTime>,
    pub note: String,
    pub submission_key: String,
}

/// A new draw with what it took: (community, its households drawn) and the households.
pub struct NewDraw<'a> {
    pub survey_id: &'a str,
    pub wave: i32,
    pub seed: i64,
    pub fingerprint: &'a str,
    pub drawn_by: &'a str,
    /// (district, community, adults, probability, certain, households drawn).
    pub communities: Vec<(String, String, i64, f64, bool, i32)>,
    /// Households without ids yet (`id` and `draw_id` are set on insert).
    pub households: Vec<HouseholdRow>,
}

/// A call-back and the newest outcome recorded for it.
#[derive(Debug, Clone)]
pub struct CallbackRow {
    pub id: i64,
    pub response_id: i64,
    pub interviewer: String,
    pub drawn_at: NaiveDateTime,
    /// (outcome, note, by, at), when one was recorded.
    pub outcome: Option<(String, String, String, NaiveDateTime)>,
}

/// A household interview as the sample's pages count it.
#[derive(Debug, Clone)]
pub struct HouseholdInterview {
    pub response_id: i64,
    pub household_id: i64,
    pub interviewer: Option<String>,
    pub status: String,
    pub location: Option<String>,
    pub submitted_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
}

impl Store {
    /// Stores a community's address list (every household in order, with the list's
    /// fingerprint); a newer list of the community supersedes an older one.
    #[allow(clippy::too_many_arguments)]
    pub fn add_frame(
        &self,
        survey_id: &str,
        wave: i32,
        district: &str,
        community: &str,
        entries: &[(String, String)],
        fingerprint: &str,
        by: &str,
    ) -> Result<usize> {
        use diesel::connection::Connection;
        let mut c = self.conn()?;
        let now = Utc::now().naive_utc();
        Ok(c.transaction::<usize, diesel::result::Error, _>(|c| {
            for (i, (code, address)) in entries.iter().enumerate() {
                diesel::insert_into(sample_frames::table)
                    .values((
                        sample_frames::survey_id.eq(survey_id),
                        sample_frames::wave.eq(wave),
                        sample_frames::district.eq(district),
                        sample_frames::community.eq(community),
                        sample_frames::position.eq(i as i32),
                        sample_frames::household_code.eq(code),
                        sample_frames::address.eq(address),
                        sample_frames::fingerprint.eq(fingerprint),
                        sample_frames::loaded_at.eq(now),
                        sample_frames::loaded_by.eq(by),
                    ))
                    .execute(c)?;
            }
            Ok(entries.len())
        })?)
    }

    /// The newest address list of every community of a wave: community → (fingerprint,
    /// households in order as (code, address)).
    pub fn frames(&self, survey_id: &str, wave: i32) -> Result<Frames> {
        let mut c = self.conn()?;
        let rows: Vec<(i64, String, String, i32, String, String)> = sample_frames::table
            .filter(sample_frames::survey_id.eq(survey_id))
            .filter(sample_frames::wave.eq(wave))
            .order(sample_frames::id.asc())
            .select((
                sample_frames::id,
                sample_frames::community,
                sample_frames::fingerprint,
                sample_frames::position,
                sample_frames::household_code,
                sample_frames::address,
            ))
            .load(&mut c)?;
        // The newest list of a community is the one whose first row came last.
        let mut newest: HashMap<String, (i64, String)> = HashMap::new();
        for (id, community, fp, pos, _, _) in &rows {
            if *pos == 0 {
                newest.insert(community.clone(), (*id, fp.clone()));
            }
        }
        let mut out: Frames = HashMap::new();
        for (id, community, fp, _, code, address) in rows {
            if let Some((first, want)) = newest.get(&community) {
                if id >= *first && fp == *want {
                    out.entry(community)
                        .or_insert_with(|| (fp.clone(), Vec::new()))
                        .1
                        .push((code, address));
                }
            }
        }
        Ok(out)
    }

    /// Stores a draw with its communities and households in one transaction; the
    /// draw's id.
    pub fn add_draw(&self, d: NewDraw<'_>) -> Result<i64> {
        use diesel::connection::Connection;
        let mut c = self.conn()?;
        let now = Utc::now().naive_utc();
        Ok(c.transaction::<i64, diesel::result::Error, _>(|c| {
            let row = (
                sample_draws::survey_id.eq(d.survey_id),
                sample_draws::wave.eq(d.wave),
                sample_draws::seed.eq(d.seed),
                sample_draws::fingerprint.eq(d.fingerprint),
                sample_draws::drawn_at.eq(now),
                sample_draws::drawn_by.eq(d.drawn_by),
            );
            let id: i64 = match &mut **c {
                AnyConn::Sqlite(c) => diesel::insert_into(sample_draws::table)
                    .values(row)
                    .returning(sample_draws::id)
                    .get_result(c)?,
                AnyConn::Postgres(c) => diesel::insert_into(sample_draws::table)
                    .values(row)
                    .returning(sample_draws::id)
                    .get_result(c)?,
            };
            for (district, community, adults, p, certain, n) in &d.communities {
                diesel::insert_into(sample_communities::table)
                    .values((
                        sample_communities::draw_id.eq(id),
                        sample_communities::district.eq(district),
                        sample_communities::community.eq(community),
                        sample_communities::adults.eq(adults),
                        sample_communities::probability.eq(p),
                        sample_communities::certain.eq(*certain as i32),
                        sample_communities::households.eq(n),
                    ))
                    .execute(c)?;
            }
            for h in &d.households {
                diesel::insert_into(sample_households::table)
                    .values((
                        sample_households::draw_id.eq(id),
                        sample_households::survey_id.eq(&h.survey_id),
                        sample_households::wave.eq(h.wave),
                        sample_households::district.eq(&h.district),
                        sample_households::community.eq(&h.community),
                        sample_households::serial.eq(h.serial),
                        sample_households::household_code.eq(&h.household_code),
                        sample_households::address.eq(&h.address),
                        sample_households::method.eq(&h.method),
                        sample_households::probability.eq(h.probability),
                        sample_households::approximate.eq(h.approximate),
                        sample_households::kish_table.eq(&h.kish_table),
                    ))
                    .execute(c)?;
            }
            Ok(id)
        })?)
    }

    /// The newest draw of a survey's wave (the sample), if any.
    pub fn current_draw(&self, survey_id: &str, wave: i32) -> Result<Option<DrawRow>> {
        let mut c = self.conn()?;
        Ok(sample_draws::table
            .filter(sample_draws::survey_id.eq(survey_id))
            .filter(sample_draws::wave.eq(wave))
            .order(sample_draws::id.desc())
            .select(DrawRow::as_select())
            .first(&mut c)
            .optional()?)
    }

    /// The communities of a draw, in the order drawn.
    pub fn draw_communities(&self, draw_id: i64) -> Result<Vec<CommunityRow>> {
        let mut c = self.conn()?;
        Ok(sample_communities::table
            .filter(sample_communities::draw_id.eq(draw_id))
            .order(sample_communities::id.asc())
            .select(CommunityRow::as_select())
            .load(&mut c)?)
    }

    /// The households of a draw, by serial.
    pub fn draw_households(&self, draw_id: i64) -> Result<Vec<HouseholdRow>> {
        let mut c = self.conn()?;
        Ok(sample_households::table
            .filter(sample_households::draw_id.eq(draw_id))
            .order(sample_households::serial.asc())
            .select(HouseholdRow::as_select())
            .load(&mut c)?)
    }

    /// One household of a survey.
    pub fn household(&self, survey_id: &str, id: i64) -> Result<Option<HouseholdRow>> {
        let mut c = self.conn()?;
        Ok(sample_households::table
            .filter(sample_households::survey_id.eq(survey_id))
            .filter(sample_households::id.eq(id))
            .select(HouseholdRow::as_select())
            .first(&mut c)
            .optional()?)
    }

    /// The households of a survey with these ids, by id (one query per 500, not one
    /// per household).
    pub fn households_by_ids(
        &self,
        survey_id: &str,
        ids: &[i64],
    ) -> Result<HashMap<i64, HouseholdRow>> {
        let mut c = self.conn()?;
        let mut out = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let rows: Vec<HouseholdRow> = sample_households::table
                .filter(sample_households::survey_id.eq(survey_id))
                .filter(sample_households::id.eq_any(chunk))
                .select(HouseholdRow::as_select())
                .load(&mut c)?;
            out.extend(rows.into_iter().map(|h| (h.id, h)));
        }
        Ok(out)
    }

    /// How many visits were recorded to the households of a draw.
    pub fn visits_in_draw(&self, draw_id: i64) -> Result<i64> {
        let mut c = self.conn()?;
        Ok(household_visits::table
            .inner_join(sample_households::table)
            .filter(sample_households::draw_id.eq(draw_id))
            .count()
            .get_result(&mut c)?)
    }

    /// Assigns households to an interviewer (the newest assignment of a household
    /// counts).
    pub fn assign(
        &self,
        survey_id: &str,
        households: &[i64],
        interviewer: &str,
        by: &str,
    ) -> Result<usize> {
        use diesel::connection::Connection;
        let mut c = self.conn()?;
        let now = Utc::now().naive_utc();
        Ok(c.transaction::<usize, diesel::result::Error, _>(|c| {
            for h in households {
                diesel::insert_into(sample_assignments::table)
                    .values((
                        sample_assignments::survey_id.eq(survey_id),
                        sample_assignments::household_id.eq(h),
                        sample_assignments::interviewer.eq(interviewer),
                        sample_assignments::assigned_by.eq(by),
                        sample_assignments::assigned_at.eq(now),
                    ))
                    .execute(c)?;
            }
            Ok(households.len())
        })?)
    }

    /// The interviewer each household of a survey is assigned to now.
    pub fn assignments(&self, survey_id: &str) -> Result<HashMap<i64, String>> {
        let mut c = self.conn()?;
        let rows: Vec<(i64, String)> = sample_assignments::table
            .filter(sample_assignments::survey_id.eq(survey_id))
            .order(sample_assignments::id.asc())
            .select((
                sample_assignments::household_id,
                sample_assignments::interviewer,
            ))
            .load(&mut c)?;
        Ok(rows.into_iter().collect())
    }

    /// The interviewer one household is assigned to now (by its index: a phone's
    /// every item asks this).
    pub fn assignee(&self, survey_id: &str, household: i64) -> Result<Option<String>> {
        let mut c = self.conn()?;
        Ok(sample_assignments::table
            .filter(sample_assignments::survey_id.eq(survey_id))
            .filter(sample_assignments::household_id.eq(household))
            .order(sample_assignments::id.desc())
            .select(sample_assignments::interviewer)
            .first(&mut c)
            .optional()?)
    }

    /// Records a visit; a key already stored is [`StorageError::Duplicate`] (the phone
    /// sent it before).
    pub fn add_visit(&self, v: &NewVisit) -> Result<i64> {
        let mut c = self.conn()?;
        let stored = diesel::insert_into(household_visits::table)
            .values(v)
            .execute(&mut c);
        match stored {
            Ok(_) => Ok(household_visits::table
                .filter(household_visits::submission_key.eq(&v.submission_key))
                .select(household_visits::id)
                .first(&mut c)?),
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => Err(StorageError::Duplicate),
            Err(e) => Err(e.into()),
        }
    }

    /// The visits to one household, oldest first.
    pub fn visits_of(&self, survey_id: &str, household: i64) -> Result<Vec<VisitRow>> {
        let mut c = self.conn()?;
        Ok(household_visits::table
            .filter(household_visits::survey_id.eq(survey_id))
            .filter(household_visits::household_id.eq(household))
            .order(household_visits::id.asc())
            .select(VisitRow::as_select())
            .load(&mut c)?)
    }

    /// Every visit to a survey's households, oldest first.
    pub fn visits(&self, survey_id: &str) -> Result<Vec<VisitRow>> {
        let mut c = self.conn()?;
        Ok(household_visits::table
            .filter(household_visits::survey_id.eq(survey_id))
            .order(household_visits::id.asc())
            .select(VisitRow::as_select())
            .load(&mut c)?)
    }

    /// The household interviews of a survey's wave (responses tied to a household).
    pub fn household_interviews(
        &self,
        survey_id: &str,
        wave: i32,
    ) -> Result<Vec<HouseholdInterview>> {
        self.interviews_of(survey_id, wave, None)
    }

    /// The interviews of one household of a survey's wave (by the partial index).
    pub fn household_interviews_of(
        &self,
        survey_id: &str,
        wave: i32,
        household: i64,
    ) -> Result<Vec<HouseholdInterview>> {
        self.interviews_of(survey_id, wave, Some(household))
    }

    fn interviews_of(
        &self,
        survey_id: &str,
        wave: i32,
        household: Option<i64>,
    ) -> Result<Vec<HouseholdInterview>> {
        let mut c = self.conn()?;
        #[derive(Queryable)]
        struct Row {
            id: i64,
            household: Option<i64>,
            interviewer: Option<String>,
            status: String,
            location: Option<String>,
            submitted_at: NaiveDateTime,
            ended_at: Option<NaiveDateTime>,
        }
        let mut q = responses::table
            .filter(responses::survey_id.eq(survey_id))
            .filter(responses::wave.eq(wave))
            .filter(responses::household_id.is_not_null())
            .into_boxed();
        if let Some(h) = household {
            q = q.filter(responses::household_id.eq(h));
        }
        // Sorted below: ORDER BY id would walk the survey's every response by id
        // instead of the partial index of household interviews.
        let mut rows: Vec<Row> = q
            .select((
                responses::id,
                responses::household_id,
                responses::interviewer,
                responses::status,
                responses::location,
                responses::submitted_at,
                responses::ended_at,
            ))
            .load(&mut c)?;
        rows.sort_unstable_by_key(|r| r.id);
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                Some(HouseholdInterview {
                    response_id: r.id,
                    household_id: r.household?,
                    interviewer: r.interviewer,
                    status: r.status,
                    location: r.location,
                    submitted_at: r.submitted_at,
                    ended_at: r.ended_at,
                })
            })
            .collect())
    }

    /// Records the completes drawn for a call-back.
    pub fn add_callbacks(
        &self,
        survey_id: &str,
        wave: i32,
        seed: i64,
        drawn: &[(String, i64)],
        by: &str,
    ) -> Result<usize> {
        use diesel::connection::Connection;
        let mut c = self.conn()?;
        let now = Utc::now().naive_utc();
        Ok(c.transaction::<usize, diesel::result::Error, _>(|c| {
            for (who, id) in drawn {
                diesel::insert_into(callbacks::table)
                    .values((
                        callbacks::survey_id.eq(survey_id),
                        callbacks::wave.eq(wave),
                        callbacks::response_id.eq(id),
                        callbacks::interviewer.eq(who),
                        callbacks::seed.eq(seed),
                        callbacks::drawn_at.eq(now),
                        callbacks::drawn_by.eq(by),
                    ))
                    .execute(c)?;
            }
            Ok(drawn.len())
        })?)
    }

    /// What the call-back checks depend on besides the sample's interviews: the newest
    /// call-back drawn for the survey and the newest outcome recorded (any survey's).
    pub fn callbacks_version(&self, survey_id: &str) -> Result<[i64; 2]> {
        use diesel::dsl::max;
        let mut c = self.conn()?;
        let drawn: Option<i64> = callbacks::table
            .filter(callbacks::survey_id.eq(survey_id))
            .select(max(callbacks::id))
            .first(&mut c)?;
        let outcome: Option<i64> = callback_outcomes::table
            .select(max(callback_outcomes::id))
            .first(&mut c)?;
        Ok([drawn.unwrap_or(0), outcome.unwrap_or(0)])
    }

    /// The call-backs of a survey's wave, each with its newest outcome.
    pub fn callbacks(&self, survey_id: &str, wave: i32) -> Result<Vec<CallbackRow>> {
        let mut c = self.conn()?;
        let drawn: Vec<(i64, i64, String, NaiveDateTime)> = callbacks::table
            .filter(callbacks::survey_id.eq(survey_id))
            .filter(callbacks::wave.eq(wave))
            .order(callbacks::id.asc())
            .select((
                callbacks::id,
                callbacks::response_id,
                callbacks::interviewer,
                callbacks::drawn_at,
            ))
            .load(&mut c)?;
        let outcomes: Vec<(i64, String, String, String, NaiveDateTime)> = callback_outcomes::table
            .inner_join(callbacks::table)
            .filter(callbacks::survey_id.eq(survey_id))
            .filter(callbacks::wave.eq(wave))
            .order(callback_outcomes::id.asc())
            .select((
                callback_outcomes::callback_id,
                callback_outcomes::outcome,
                callback_outcomes::note,
                callback_outcomes::recorded_by,
                callback_outcomes::recorded_at,
            ))
            .load(&mut c)?;
        let mut newest: HashMap<i64, (String, String, String, NaiveDateTime)> = HashMap::new();
        for (id, o, n, by, at) in outcomes {
            newest.insert(id, (o, n, by, at));
        }
        Ok(drawn
            .into_iter()
            .map(|(id, response_id, interviewer, drawn_at)| CallbackRow {
                id,
                response_id,
                interviewer,
                drawn_at,
                outcome: newest.remove(&id),
            })
            .collect())
    }

    /// Records what a call-back found.
    pub fn add_callback_outcome(
        &self,
        survey_id: &str,
        callback_id: i64,
        outcome: &str,
        note: &str,
        by: &str,
    ) -> Result<()> {
        let mut c = self.conn()?;
        let known: i64 = callbacks::table
            .filter(callbacks::survey_id.eq(survey_id))
            .filter(callbacks::id.eq(callback_id))
            .count()
            .get_result(&mut c)?;
        if known == 0 {
            return Err(StorageError::NoSuchCallback(
                callback_id,
                survey_id.to_string(),
            ));
        }
        diesel::insert_into(callback_outcomes::table)
            .values((
                callback_outcomes::callback_id.eq(callback_id),
                callback_outcomes::outcome.eq(outcome),
                callback_outcomes::note.eq(note),
                callback_outcomes::recorded_by.eq(by),
                callback_outcomes::recorded_at.eq(Utc::now().naive_utc()),
            ))
            .execute(&mut c)?;
        Ok(())
    }
}
