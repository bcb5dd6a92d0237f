//! Drawing a household sample as the evaluators draw theirs: communities with
//! probability proportional to their adults within each district (`pps`), households
//! at random within each drawn community (`systematic`, or a random walk where there is
//! no address list), one adult per household (`kish`, or the next birthday), a
//! share of each interviewer's completes drawn again for a call-back (`callbacks`), and
//! the respondents' design weights with their nonresponse adjustment (`weights`).
//! Every random number comes from a named stream of one recorded seed (`stream`), so
//! the same seed and frame always draw the same sample. Pure: no database, no clock.

mod callbacks;
mod draw;
pub mod kish;
mod pps;
mod stream;
mod systematic;
pub mod weights;

pub use callbacks::draw_callbacks;
pub use draw::{
    draw_communities, draw_households, fingerprint, DrawnCommunity, DrawnHousehold, FrameEntry,
    HouseholdMethod,
};
pub use pps::{systematic_pps, PpsDraw};
pub use stream::Stream;
pub use systematic::systematic;
