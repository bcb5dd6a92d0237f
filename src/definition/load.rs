//! Reading definitions from files and directories.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

use super::diagnostic::{toml_help, DefinitionError, Locator};
use super::model::Survey;
use super::raw;
use super::validate;

/// Parses and validates one definition from its text. `path` is used in messages and
/// to resolve the files it names (census, places, outlines); `read` loads their bytes
/// (tests pass in-memory files), which are decoded as Excel may have saved them
/// (`crate::encoding`).
pub fn parse_str(
    path: &Path,
    text: &str,
    read: &dyn Fn(&Path) -> std::io::Result<Vec<u8>>,
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
    parse_str(path, &text, &|p| std::fs::read(p))
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
