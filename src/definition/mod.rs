//! Survey definitions: `surveys/*.toml` (plus an optional census CSV) → [`Survey`].
//!
//! This module reads files and nothing else: no database, no HTTP. Loading either
//! yields a fully validated `Survey` or every problem found, each with file, line,
//! column and a suggested fix, so `minyi check` can report them all in one run.

mod diagnostic;
mod load;
mod model;
mod places;
mod raw;
mod validate;

pub use diagnostic::{DefinitionError, Diagnostic};
pub use load::{definition_files, load_dir, load_file, parse_str};
pub use model::*;
