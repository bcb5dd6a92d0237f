//! Every page minyi serves, as maud templates: the resident's questionnaire and
//! messages, the office dashboard, the admin pages and the posters. Templates take
//! plain values (no request, no store), so they can be rendered by any handler.

pub mod admin;
pub mod field;
pub mod household;
pub mod ledger;
pub mod office;
pub mod places;
pub mod posters;
mod rates;
pub mod resident;
pub mod sample;
pub mod voices;

use crate::accounts::User;

/// The person viewing an office page: their account and the CSRF token their forms carry.
pub struct Who<'a> {
    pub user: &'a User,
    pub csrf: &'a str,
    /// The idle timeout in seconds, for the page's warning (`idle.js`).
    pub idle_secs: Option<i64>,
}
