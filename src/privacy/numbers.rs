//! Numbers: mainland mobiles, landlines with an area code, resident ID numbers of 18
//! digits (with a valid check code) and of 15 (with a valid date), bank-card-like runs
//! of 16–19 digits. A number is a run of digits joined across single separators
//! (people write "138 1234 5678", "138-1234-5678") or an area code in brackets, and is
//! judged as a whole: a year ("2026年"), a bus route ("13路"), a price, a count stay as
//! written, and so do the public numbers the survey lists (service hotlines).

use super::marks::{Kind, Marks};
use super::normalize::separator;

/// Finds the numbers of the normalized text `t` and marks their hidden digits.
pub fn find(t: &[char], public: &[String], marks: &mut Marks) {
    let mut i = 0;
    while i < t.len() {
        // A number starts at a digit that does not continue a number before it (the
        // fraction of "19.99" is no number of its own).
        let fraction = i > 1 && t[i - 1] == '.' && t[i - 2].is_ascii_digit();
        if !t[i].is_ascii_digit() || (i > 0 && t[i - 1].is_ascii_digit()) || fraction {
            i += 1;
            continue;
        }
        let groups = digit_groups(t, i);
        // The longest run of groups from here that is personal data, if any.
        let found = (1..=groups.len()).rev().find_map(|k| {
            let end = groups[k - 1].1;
            let mut digits: String = t[i..end].iter().filter(|c| c.is_ascii_digit()).collect();
            let x = digits.len() == 17 && matches!(t.get(end), Some('X' | 'x'));
            if x {
                digits.push('X');
            }
            if is_public(&digits, public) {
                return None;
            }
            classify(&digits).map(|kind| (kind, end + x as usize))
        });
        match found {
            Some((kind, end)) => {
                hide_digits(t, i..end, kind, marks);
                i = end;
            }
            None => i = groups[0].1,
        }
    }
}

/// A number the survey lists as public (a service line), with or without the area
/// code it is listed with.
fn is_public(digits: &str, public: &[String]) -> bool {
    public.iter().any(|p| {
        p == digits || (p.len() > digits.len() && p.ends_with(digits) && digits.len() >= 7)
    })
}

/// The groups of digits from `start`: (start, end) of each, joined by one separator,
/// or an area code in brackets ("(010)12345678").
fn digit_groups(t: &[char], start: usize) -> Vec<(usize, usize)> {
    let mut groups = Vec::new();
    let mut i = start;
    loop {
        let s = i;
        while i < t.len() && t[i].is_ascii_digit() {
            i += 1;
        }
        groups.push((s, i));
        let digit_at = |k: usize| t.get(k).is_some_and(char::is_ascii_digit);
        let bracketed = s > 0 && t[s - 1] == '(' && t.get(i) == Some(&')');
        let joined = i < t.len() && separator(t[i]) || bracketed;
        let next = if joined && digit_at(i + 1) {
            i + 1
        } else if bracketed && t.get(i + 1) == Some(&' ') && digit_at(i + 2) {
            i + 2
        } else {
            return groups;
        };
        i = next;
    }
}

/// The kind of a digit run, if it is personal data.
fn classify(d: &str) -> Option<Kind> {
    let n = d.len();
    let b = d.as_bytes();
    if n == 0 {
        return None;
    }
    if n == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) {
        return Some(Kind::Mobile);
    }
    // Mobile with the country code: 86 13812345678.
    if n == 13 && d.starts_with("86") && b[2] == b'1' && (b'3'..=b'9').contains(&b[3]) {
        return Some(Kind::Mobile);
    }
    if n == 18 && id_check_digit_ok(d) {
        return Some(Kind::IdNumber);
    }
    if n == 15 && old_id_ok(d) {
        return Some(Kind::IdNumber);
    }
    // Landline: a 3- or 4-digit area code starting with 0, then 7 or 8 digits.
    if b[0] == b'0' && b.get(1).is_some_and(|c| *c != b'0') && (10..=12).contains(&n) {
        return Some(Kind::Landline);
    }
    if (16..=19).contains(&n) && d.chars().all(|c| c.is_ascii_digit()) {
        return Some(Kind::BankCard);
    }
    None
}

/// GB 11643: the 18th character is the check code of the first 17 digits.
fn id_check_digit_ok(d: &str) -> bool {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CODES: &[u8; 11] = b"10X98765432";
    let b = d.as_bytes();
    if !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = b[..17]
        .iter()
        .zip(W)
        .map(|(c, w)| (c - b'0') as u32 * w)
        .sum();
    CODES[(sum % 11) as usize] == b[17].to_ascii_uppercase()
}

/// The 15-digit resident ID of before 1999: a region code (first digit 1–8), a birth
/// date YYMMDD that exists, three digits of sequence.
fn old_id_ok(d: &str) -> bool {
    let num = |r: std::ops::Range<usize>| d.get(r).and_then(|s| s.parse::<u32>().ok());
    let (Some(yy), Some(mm), Some(dd)) = (num(6..8), num(8..10), num(10..12)) else {
        return false;
    };
    let leap = (1900 + yy) % 4 == 0 && yy != 0;
    let days = match mm {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (b'1'..=b'8').contains(&d.as_bytes()[0]) && (1..=days).contains(&dd)
}

/// Hides the run's digits but the first and last few (a mobile its first 3 and last 4,
/// a landline its area code and last 2, a card its last 4), separators kept.
fn hide_digits(t: &[char], run: std::ops::Range<usize>, kind: Kind, marks: &mut Marks) {
    let total = t[run.clone()]
        .iter()
        .filter(|c| c.is_ascii_alphanumeric())
        .count();
    let first: String = t[run.clone()].iter().collect();
    let (head, tail) = match kind {
        Kind::Mobile if total == 13 => (5, 4),
        Kind::IdNumber if total == 15 => (3, 3),
        Kind::Mobile | Kind::IdNumber => (3, 4),
        Kind::Landline => (
            if first.starts_with("01") || first.starts_with("02") {
                3
            } else {
                4
            },
            2,
        ),
        _ => (0, 4),
    };
    let mut k = 0;
    let mut hidden = vec![false; t.len()];
    for i in run.clone() {
        if t[i].is_ascii_alphanumeric() {
            k += 1;
            hidden[i] = k > head && k <= total - tail;
        }
    }
    marks.hide_where(run, kind, |i| hidden[i]);
}
