//! An address list (抽样框) for one drawn community, as the office keeps it: a CSV with
//! a `household` column (the household's code) and either an `address` column or
//! `building`, `unit` and `room`. Every problem is reported with file and line.

use super::error::HouseholdError;
use crate::sampling::{fingerprint, FrameEntry};
use crate::storage::Store;

/// Reads an address list; every problem at once, each with `file:line`.
pub fn read_frame(file: &str, text: &str) -> Result<Vec<FrameEntry>, HouseholdError> {
    let text = text.trim_start_matches('\u{feff}');
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match rdr.headers() {
        Ok(h) => h.iter().map(|s| s.to_ascii_lowercase()).collect(),
        Err(e) => {
            return Err(HouseholdError::Frame(vec![format!(
                "{file}:1: cannot read the header: {e}"
            )]))
        }
    };
    let col = |n: &str| header.iter().position(|h| h == n);
    let Some(code) = col("household") else {
        return Err(HouseholdError::Frame(vec![format!(
            "{file}:1: no `household` column; the first line names the columns: household,address (or household,building,unit,room)"
        )]));
    };
    let address = col("address");
    let parts = [col("building"), col("unit"), col("room")];
    if address.is_none() && parts.iter().all(Option::is_none) {
        return Err(HouseholdError::Frame(vec![format!(
            "{file}:1: no `address` column (or `building`, `unit`, `room`); an interviewer needs to find the door"
        )]));
    }
    let mut out: Vec<FrameEntry> = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(format!("{file}:{line}: {e}"));
                continue;
            }
        };
        let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).unwrap_or("").trim().to_string();
        let h = get(Some(code));
        if h.is_empty() {
            errors.push(format!("{file}:{line}: the household code is empty; give every household a code of its own"));
            continue;
        }
        if let Some(first) = seen.insert(h.clone(), line) {
            errors.push(format!("{file}:{line}: household `{h}` is listed again (first on line {first}); a household is listed once"));
            continue;
        }
        let addr = match address.map(|a| get(Some(a))).filter(|a| !a.is_empty()) {
            Some(a) => a,
            None => {
                let p: Vec<String> = parts
                    .iter()
                    .map(|c| get(*c))
                    .filter(|p| !p.is_empty())
                    .collect();
                p.join(" ")
            }
        };
        if addr.is_empty() {
            errors.push(format!("{file}:{line}: household `{h}` has no address"));
            continue;
        }
        out.push(FrameEntry {
            code: h,
            address: addr,
        });
        if errors.len() > 50 {
            break;
        }
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(format!("{file}: the list has no households"));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(HouseholdError::Frame(errors))
    }
}

/// Stores the address list of a drawn community of the current sample; its
/// fingerprint and household count. A community not in the current draw is refused.
pub fn load_frame(
    store: &Store,
    survey: &crate::definition::Survey,
    community: &str,
    entries: &[FrameEntry],
    by: &str,
) -> Result<(String, usize), HouseholdError> {
    let wave = survey.wave as i32;
    let draw = store
        .current_draw(&survey.id, wave)?
        .ok_or_else(|| HouseholdError::NoDraw(survey.id.clone(), wave))?;
    let drawn = store.draw_communities(draw.id)?;
    let Some(c) = drawn.iter().find(|c| c.community == community) else {
        let list: Vec<&str> = drawn.iter().map(|c| c.community.as_str()).collect();
        return Err(HouseholdError::NotDrawn(
            community.to_string(),
            format!("drawn: {}", list.join(", ")),
        ));
    };
    let fp = fingerprint(entries);
    let rows: Vec<(String, String)> = entries
        .iter()
        .map(|e| (e.code.clone(), e.address.clone()))
        .collect();
    store.add_frame(&survey.id, wave, &c.district, community, &rows, &fp, by)?;
    Ok((fp, entries.len()))
}
