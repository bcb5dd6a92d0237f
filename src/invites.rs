//! One-time invitation codes for household sampling: generated here, printed on cards,
//! stored only as keyed hashes (so a database leak reveals no usable code), and spent
//! with the response they admit in one transaction (see `storage`).

use crate::collect;
use crate::definition::Survey;
use crate::storage::{StorageError, Store};

/// No 0/O or 1/I: codes are typed from cards.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
const LENGTH: usize = 8;
/// At most this many codes per call (a print run).
pub const MAX_COUNT: usize = 100_000;

#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    #[error("--count must be between 1 and {MAX_COUNT}")]
    Count,
    #[error("survey `{survey}` has no district `{district}`; use one of: {known}")]
    UnknownDistrict {
        survey: String,
        district: String,
        known: String,
    },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Codes issued for one district, and the survey's totals after issuing them.
pub struct Issued {
    pub codes: Vec<String>,
    pub issued: i64,
    pub used: i64,
}

/// `count` random codes (from the operating system's generator).
pub fn new_codes(count: usize) -> Vec<String> {
    (0..count)
        .map(|_| collect::readable_code(ALPHABET, &[LENGTH]))
        .collect()
}

/// Generates and stores (as hashes) `count` codes for a district of the survey.
pub fn issue(
    store: &Store,
    survey: &Survey,
    district: &str,
    count: usize,
) -> Result<Issued, InviteError> {
    if count == 0 || count > MAX_COUNT {
        return Err(InviteError::Count);
    }
    if survey.district(district).is_none() {
        return Err(InviteError::UnknownDistrict {
            survey: survey.id.clone(),
            district: district.to_string(),
            known: survey
                .districts
                .iter()
                .map(|d| d.code.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let salt = store.salt(&survey.id)?;
    let codes = new_codes(count);
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| collect::invite_hash(&salt, c))
        .collect();
    store.add_invites(&survey.id, district, &hashes)?;
    let (issued, used) = store.invite_counts(&survey.id)?;
    Ok(Issued {
        codes,
        issued,
        used,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_avoid_look_alike_characters() {
        let codes = super::new_codes(200);
        assert_eq!(codes.len(), 200);
        for c in &codes {
            assert_eq!(c.len(), 8);
            assert!(!c.contains(['0', 'O', '1', 'I']), "{c}");
        }
    }
}
