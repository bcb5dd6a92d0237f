//! The rectification ledger's two append-only tables: items (a place and indicator
//! with the baseline figure it was opened from) and their events (each change of
//! state, with who, when and a note). What the states mean is `ledger`'s business;
//! here they are text.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::conn::AnyConn;
use super::error::{Result, StorageError};
use super::schema::{ledger_events, ledger_items};
use super::store::Store;

/// An item as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ledger_items)]
pub struct ItemRow {
    pub id: i64,
    pub survey_id: String,
    pub district: String,
    pub level: String,
    pub place: String,
    pub indicator: String,
    pub problem: String,
    pub unit: String,
    pub measures: String,
    pub deadline: String,
    pub baseline_wave: i32,
    pub baseline_estimate: Option<f64>,
    pub baseline_low: Option<f64>,
    pub baseline_high: Option<f64>,
    pub baseline_n: Option<f64>,
    pub baseline_target: Option<f64>,
    pub baseline_basis: String,
    pub opened_by: String,
    pub opened_at: NaiveDateTime,
}

/// An item to open (its first event is written with it).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = ledger_items)]
pub struct NewItem {
    pub survey_id: String,
    pub district: String,
    pub level: String,
    pub place: String,
    pub indicator: String,
    pub problem: String,
    pub unit: String,
    pub measures: String,
    pub deadline: String,
    pub baseline_wave: i32,
    pub baseline_estimate: Option<f64>,
    pub baseline_low: Option<f64>,
    pub baseline_high: Option<f64>,
    pub baseline_n: Option<f64>,
    pub baseline_target: Option<f64>,
    pub baseline_basis: String,
    pub opened_by: String,
    pub opened_at: NaiveDateTime,
}

/// One change of an item, as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ledger_events)]
pub struct EventRow {
    pub id: i64,
    pub item_id: i64,
    pub seq: i32,
    pub state: String,
    pub note: String,
    pub reason: Option<String>,
    pub changed_by: String,
    pub changed_at: NaiveDateTime,
}

/// A change to append: the item's `seq`-th event.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = ledger_events)]
pub struct NewEvent {
    pub item_id: i64,
    pub seq: i32,
    pub state: String,
    pub note: String,
    pub reason: Option<String>,
    pub changed_by: String,
    pub changed_at: NaiveDateTime,
}

impl Store {
    /// Opens an item with its first event (`state`, the same note) in one
    /// transaction; the item's id.
    pub fn add_ledger_item(&self, item: &NewItem, state: &str, note: &str) -> Result<i64> {
        use diesel::connection::Connection;
        let mut c = self.conn()?;
        Ok(c.transaction::<i64, diesel::result::Error, _>(|c| {
            let id: i64 = match &mut **c {
                AnyConn::Sqlite(c) => diesel::insert_into(ledger_items::table)
                    .values(item)
                    .returning(ledger_items::id)
                    .get_result(c)?,
                AnyConn::Postgres(c) => diesel::insert_into(ledger_items::table)
                    .values(item)
                    .returning(ledger_items::id)
                    .get_result(c)?,
            };
            diesel::insert_into(ledger_events::table)
                .values(&NewEvent {
                    item_id: id,
                    seq: 1,
                    state: state.to_string(),
                    note: note.to_string(),
                    reason: None,
                    changed_by: item.opened_by.clone(),
                    changed_at: item.opened_at,
                })
                .execute(c)?;
            Ok(id)
        })?)
    }

    /// Appends an event. Its `seq` must follow the item's newest: a change decided
    /// on a state someone else has changed meanwhile is refused
    /// ([`StorageError::Changed`]), never stored on top.
    pub fn add_ledger_event(&self, e: &NewEvent) -> Result<()> {
        let mut c = self.conn()?;
        match diesel::insert_into(ledger_events::table)
            .values(e)
            .execute(&mut c)
        {
            Ok(_) => Ok(()),
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => Err(StorageError::Changed(e.item_id)),
            Err(other) => Err(other.into()),
        }
    }

    /// The district of one of a survey's items (`None`: no such item).
    pub fn ledger_item_district(&self, survey_id: &str, id: i64) -> Result<Option<String>> {
        let mut c = self.conn()?;
        Ok(ledger_items::table
            .filter(ledger_items::id.eq(id))
            .filter(ledger_items::survey_id.eq(survey_id))
            .select(ledger_items::district)
            .first(&mut c)
            .optional()?)
    }

    /// A survey's items, oldest first.
    pub fn ledger_items(&self, survey_id: &str) -> Result<Vec<ItemRow>> {
        let mut c = self.conn()?;
        Ok(ledger_items::table
            .filter(ledger_items::survey_id.eq(survey_id))
            .order(ledger_items::id.asc())
            .select(ItemRow::as_select())
            .load(&mut c)?)
    }

    /// Every event of a survey's items, by item and in order.
    pub fn ledger_events(&self, survey_id: &str) -> Result<Vec<EventRow>> {
        let mut c = self.conn()?;
        Ok(ledger_events::table
            .inner_join(ledger_items::table)
            .filter(ledger_items::survey_id.eq(survey_id))
            .order((ledger_events::item_id.asc(), ledger_events::seq.asc()))
            .select(EventRow::as_select())
            .load(&mut c)?)
    }
}
