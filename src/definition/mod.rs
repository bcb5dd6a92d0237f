//! Survey definitions: `surveys/*.toml` (plus an optional census CSV) → [`Survey`].
//!
//! This module reads files and nothing else: no database, no HTTP. Loading either
//! yields a fully validated `Survey` or every problem found, each with file, line,
//! column and a suggested fix, so `minyi check` can report them all in one run.

mod model;
mod places;
mod raw;
mod validate;

pub use model::*;

use sha2::{Digest, Sha256};
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

/// Parses and validates one definition from its text. `path` is used in messages and
/// to resolve the census file; `read` loads that file (tests pass in-memory files).
pub fn parse_str(
    path: &Path,
    text: &str,
    read: &dyn Fn(&Path) -> std::io::Result<String>,
) -> Result<Survey, DefinitionError> {
    let mut hasher = Sha256::new();
    hasher.update(text.as_bytes());
    let loc = Locator::new(path, text);
    let raw: raw::RawFile = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            let at = e.span().map(|s| s.start).unwrap_or(0);
            let message = e.message().trim().to_string();
            let help = toml_help(&message);
            return Err(DefinitionError::Invalid(vec![loc.diag(at, message, help)]));
        }
    };
    validate::validate(raw, &loc, read, &mut hasher)
}

/// Loads one definition file.
pub fn load_file(path: &Path) -> Result<Survey, DefinitionError> {
    let text = std::fs::read_to_string(path).map_err(|source| DefinitionError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_str(path, &text, &|p| std::fs::read_to_string(p))
}

/// Loads every `*.toml` in a directory (or a single file), sorted by file name.
/// Returns all diagnostics of all files together when any is invalid.
pub fn load_dir(path: &Path) -> Result<Vec<Survey>, DefinitionError> {
    let files = definition_files(path)?;
    if files.is_empty() {
        return Err(DefinitionError::Empty(path.to_path_buf()));
    }
    let mut surveys: Vec<Survey> = Vec::new();
    let mut diags = Vec::new();
    for f in files {
        match load_file(&f) {
            Ok(s) => {
                if let Some(other) = surveys.iter().find(|o| o.id == s.id) {
                    return Err(DefinitionError::DuplicateId {
                        id: s.id.clone(),
                        first: other.source.clone(),
                        second: f,
                    });
                }
                surveys.push(s)
            }
            Err(DefinitionError::Invalid(d)) => diags.extend(d),
            Err(e) => return Err(e),
        }
    }
    if diags.is_empty() {
        Ok(surveys)
    } else {
        Err(DefinitionError::Invalid(diags))
    }
}

/// The definition files a path names: the file itself, or the `*.toml` directly in a
/// directory.
pub fn definition_files(path: &Path) -> Result<Vec<PathBuf>, DefinitionError> {
    let io = |source| DefinitionError::Io {
        path: path.to_path_buf(),
        source,
    };
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml") && p.is_file())
        .collect();
    files.sort();
    Ok(files)
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

fn toml_help(message: &str) -> String {
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
    fn new(path: &'a Path, text: &'a str) -> Self {
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
