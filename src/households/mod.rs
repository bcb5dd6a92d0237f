//! The household sample's fieldwork, from the draw to the call-back: drawing it from
//! the definition and the office's address lists (`draw`, `frame`), the households'
//! states from their visits (`status`), what the interviewer's phone sends (`field`),
//! the sheets a team leader prints (`sheets`), the re-checks of completed interviews
//! (`callbacks`) and the interviews' design weights (`weights`). No HTTP; the numbers
//! come from `sampling` and `stats::aapor`, the rows from `storage`.

mod assign;
mod callbacks;
mod draw;
mod error;
mod field;
mod frame;
mod sheets;
mod status;
mod weights;

pub use crate::sampling::FrameEntry;
pub use assign::{assign, Target};
pub use callbacks::{
    callback_checks, callback_page, callback_tasks, draw_callbacks, record_callback, CallbackCheck,
    CallbackPage, CallbackTask, CALLBACKS_PER_PAGE, CALLBACK_OUTCOMES,
};
pub use draw::{draw, Drawn};
pub use error::HouseholdError;
pub use field::{apply, selection_probability, FieldItem, FieldResult, VISIT_OUTCOMES};
pub use frame::{load_frame, read_frame};
pub use sheets::{chooser, kish_row, sheet_pdf, sheet_workbook};
pub use status::{
    address_of, household_view, sample_map, sample_status, Household, HouseholdState, Progress,
    SampleStatus,
};
pub use weights::{design_weights, SampleWeights, WaveWeights};
