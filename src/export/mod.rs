//! Files that leave minyi with the responses in them: the responses CSV that `minyi
//! stats` reads (`csv`), the same as a workbook (`xlsx`), and ZIP archives (`zip`).

mod csv;
mod xlsx;
mod zip;

pub use self::csv::*;
pub use self::xlsx::{responses_workbook, SHEET_ROWS};
pub use self::zip::zip;
