//! `minyi demo`: fills a database with two synthetic waves of the example survey and
//! creates one account per role, so a newcomer sees every dashboard page populated.
//! Refuses a database that already holds responses of the survey: demo rows must
//! never mix with real ones.

mod crowd;
mod error;
mod households;
mod ledger;
mod responses;
mod run;

pub use error::DemoError;
pub use households::Fieldwork;
pub use ledger::Items;
pub use responses::COACH;
pub use run::{run, Demo, Login};
