//! Addresses below the community that reach one household: a building (栋, 幢, 号楼,
//! 座, #), a unit (单元) and a flat (室; 户 or 号 after three digits or more; or the
//! bare number after a unit). The
//! community or road name stays; the building, unit and flat numbers are hidden once
//! the chain reaches a flat ("幸福里3栋2单元501" → "幸福里*栋*单元***"). A building and
//! unit alone name a stairwell that many households share, and stay, so a complaint
//! about its lamp can be acted on ("3号楼2单元的路灯坏了"); so does a count ("3栋楼都
//!没有路灯").

use super::marks::{Kind, Marks};

/// Numerals that number a building or unit in words ("三号楼二单元").
const WORD_NUMERALS: &str = "一二三四五六七八九十两";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Part {
    Building,
    Unit,
    /// A flat with its own word (室, 户, 号).
    Flat,
    /// A number with no word after it (a flat only right after a unit or building).
    Bare,
}

/// A number at `i`: digits (up to 4), a few word numerals, or one letter ("A座");
/// its end.
fn number(t: &[char], i: usize) -> Option<usize> {
    if i >= t.len() {
        return None;
    }
    let starts_inside =
        i > 0 && (t[i - 1].is_ascii_alphanumeric() || WORD_NUMERALS.contains(t[i - 1]));
    if starts_inside {
        return None;
    }
    let digits = t[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    if (1..=4).contains(&digits) {
        return Some(i + digits);
    }
    if digits > 4 {
        return None;
    }
    let words = t[i..]
        .iter()
        .take_while(|c| WORD_NUMERALS.contains(**c))
        .count();
    if (1..=3).contains(&words) {
        return Some(i + words);
    }
    t[i].is_ascii_alphabetic()
        .then_some(i + 1)
        .filter(|&e| !t.get(e).is_some_and(char::is_ascii_alphanumeric))
}

/// The part numbered at `i`: (its number's range, what it is, where it ends).
fn part(t: &[char], i: usize) -> Option<(std::ops::Range<usize>, Part, usize)> {
    let end = number(t, i)?;
    let rest: String = t[end..t.len().min(end + 2)].iter().collect();
    let digits = end - i;
    let all_digits = t[i..end].iter().all(char::is_ascii_digit);
    let (kind, len) = if rest.starts_with("号楼") {
        (Part::Building, 2)
    } else if rest.starts_with("单元") {
        (Part::Unit, 2)
    } else if rest.starts_with('栋') || rest.starts_with('幢') {
        // "3栋楼" counts buildings.
        if t.get(end + 1) == Some(&'楼') {
            return None;
        }
        (Part::Building, 1)
    } else if rest.starts_with('座') || rest.starts_with('#') {
        (Part::Building, 1)
    } else if rest.starts_with('室') && all_digits {
        (Part::Flat, 1)
    } else if (rest.starts_with('户') || rest.starts_with('号')) && all_digits && digits >= 3 {
        // "501户", "1203号"; not a count ("8户人家") or a house on a road ("12号").
        (Part::Flat, 1)
    } else if all_digits && (3..=4).contains(&digits) && ends_bare(t.get(end).copied()) {
        (Part::Bare, 0)
    } else {
        return None;
    };
    Some((i..end, kind, end + len))
}

/// What may follow a flat's bare number: the end, a pause, or "的"/"家" ("501的窗户"),
/// not a unit of something ("2018年", "300元").
fn ends_bare(next: Option<char>) -> bool {
    match next {
        None => true,
        Some(c) => !c.is_alphanumeric() || "的家".contains(c),
    }
}

pub fn find(t: &[char], marks: &mut Marks) {
    let mut i = 0;
    while i < t.len() {
        let Some(first) = part(t, i) else {
            i += 1;
            continue;
        };
        // The chain of parts from here, separators ("-", a space) allowed between.
        let mut chain = vec![first];
        let mut j = chain[0].2;
        loop {
            let k = if t.get(j).is_some_and(|c| matches!(c, '-' | ' ')) {
                j + 1
            } else {
                j
            };
            match part(t, k) {
                Some(p) if k < t.len() => {
                    j = p.2;
                    chain.push(p);
                }
                _ => break,
            }
        }
        let kinds: Vec<Part> = chain.iter().map(|p| p.1).collect();
        let located = kinds.contains(&Part::Building) || kinds.contains(&Part::Unit);
        // A flat: its own word, or a bare number right after a building or unit.
        let flat = kinds.iter().enumerate().any(|(n, k)| {
            *k == Part::Flat
                || (*k == Part::Bare
                    && n > 0
                    && matches!(kinds[n - 1], Part::Building | Part::Unit))
        });
        let flat_alone =
            kinds.len() == 1 && kinds[0] == Part::Flat && t.get(chain[0].0.end) == Some(&'室');
        if (located && flat) || flat_alone {
            let ranges: Vec<std::ops::Range<usize>> = chain
                .iter()
                .filter(|p| p.1 != Part::Bare || located)
                .map(|p| p.0.clone())
                .collect();
            let start = ranges.first().map_or(i, |r| r.start);
            let end = ranges.last().map_or(j, |r| r.end);
            marks.hide_where(start..end, Kind::Address, |k| {
                ranges.iter().any(|r| r.contains(&k))
            });
        }
        i = j.max(i + 1);
    }
}
