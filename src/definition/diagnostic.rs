//! What is wrong with a definition, and where: diagnostics with file, line, column
//! and a fix; the locator that turns byte offsets into lines and columns; the rule
//! for codes.

use std::fmt;
use std::path::{Path, PathBuf};

/// One problem in a definition or census file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub help: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: error: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )?;
        if !self.help.is_empty() {
            write!(f, "\n    help: {}", self.help)?;
        }
        Ok(())
    }
}

/// Everything that went wrong loading one or more definitions.
#[derive(Debug, thiserror::Error)]
pub enum DefinitionError {
    #[error("{}", .0.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Diagnostic>),
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no survey definitions (*.toml) found in {0}: add one, e.g. copy surveys/civility-2026.toml")]
    Empty(PathBuf),
    #[error("two files define survey id `{id}`: {first} and {second}; survey ids must be unique")]
    DuplicateId {
        id: String,
        first: PathBuf,
        second: PathBuf,
    },
}

impl DefinitionError {
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            DefinitionError::Invalid(d) => d,
            _ => &[],
        }
    }
}

/// Codes appear in links and data files.
pub(crate) fn valid_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

pub(crate) const CODE_HELP: &str =
    "use 1–40 ASCII letters, digits, '-' or '_' (codes appear in links and data files)";

pub(super) fn toml_help(message: &str) -> String {
    if message.contains("unknown field") {
        "check the spelling of the key; the message lists the keys allowed here".into()
    } else if message.contains("unknown variant") {
        "use one of the values listed in the message".into()
    } else if message.contains("missing field") {
        "add the missing key to this table".into()
    } else {
        "fix the TOML syntax at this position (strings need double quotes, tables [name], lists [a, b])".into()
    }
}

/// Turns byte offsets into 1-based line and column (in characters, so a column is
/// right under Chinese text too).
pub(crate) struct Locator<'a> {
    pub path: &'a Path,
    pub text: &'a str,
}

impl<'a> Locator<'a> {
    pub fn new(path: &'a Path, text: &'a str) -> Self {
        Locator { path, text }
    }
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..floor_char_boundary(self.text, offset)];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }
    pub fn diag(
        &self,
        offset: usize,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Diagnostic {
        let (line, column) = self.line_col(offset);
        Diagnostic {
            file: self.path.to_path_buf(),
            line,
            column,
            message: message.into(),
            help: help.into(),
        }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
