//! The rows of the `responses` table as minyi reads and appends them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::responses;

/// The columns of a response, named once: [`StoredResponse`] (as read back, with its
/// id) and [`NewResponse`] (to append) are both made from this list.
macro_rules! response_types {
    ($($(#[$doc:meta])* $field:ident: $ty:ty,)*) => {
        /// A stored response as read back.
        #[derive(Debug, Clone, Queryable, Selectable)]
        #[diesel(table_name = responses)]
        pub struct StoredResponse {
            pub id: i64,
            $($(#[$doc])* pub $field: $ty,)*
        }

        /// A response to append. NULLs are bound, never written as DEFAULT, so the
        /// statement's text never changes and the prepared statement is reused (it
        /// showed up as parsing and planning in the load profile).
        #[derive(Debug, Clone, Default, Insertable)]
        #[diesel(table_name = responses, treat_none_as_default_value = false)]
        pub struct NewResponse {
            $($(#[$doc])* pub $field: $ty,)*
        }
    };
}

response_types! {
    survey_id: String,
    definition_version: String,
    wave: i32,
    collection_district: String,
    collection_community: Option<String>,
    district: String,
    channel: String,
    status: String,
    started_at: Option<NaiveDateTime>,
    submitted_at: NaiveDateTime,
    answers: String,
    source_hash: String,
    device_hash: Option<String>,
    submission_key: String,
    quality_flags: String,
    pattern_hash: String,
    /// Who entered the answers in a telephone or household interview.
    interviewer: Option<String>,
    /// The label of the intake token that posted it (JSON intake only).
    intake: Option<String>,
    /// The resident's own community (code), when recorded.
    residence_community: Option<String>,
    /// The resident's grid, known only through a residential grid poster.
    residence_grid: Option<String>,
    /// A household interview's drawn household (`sample_households`).
    household_id: Option<i64>,
    /// The adults living in that household, as the roster counted them.
    household_adults: Option<i32>,
    /// The chance the interviewed adult had of being chosen among them (Kish's tables,
    /// or 1 / adults for the next birthday).
    selection_probability: Option<f64>,
    /// When the phone ended the interview (it may reach the server hours later).
    ended_at: Option<NaiveDateTime>,
    /// Whether the phone stood inside the sampled community: inside, outside or unknown
    /// (never a position).
    location: Option<String>,
    /// How exact the phone's position was: fine, coarse or poor.
    location_accuracy: Option<String>,
}

/// Response status: a complete questionnaire, or one that screening ended.
pub const STATUS_COMPLETE: &str = "complete";
pub const STATUS_SCREENED: &str = "screened_out";
