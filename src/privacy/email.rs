//! E-mail addresses: the local part hidden but its first character (all of it when it
//! is that short), the domain kept.

use super::marks::{Kind, Marks};

pub fn find(t: &[char], marks: &mut Marks) {
    let local = |c: char| c.is_ascii_alphanumeric() || "._%+-".contains(c);
    let domain = |c: char| c.is_ascii_alphanumeric() || ".-".contains(c);
    for (at, _) in t.iter().enumerate().filter(|(_, c)| **c == '@') {
        let Some(start) = (0..at).rev().take_while(|&k| local(t[k])).last() else {
            continue;
        };
        let host: String = t[at + 1..].iter().take_while(|c| domain(**c)).collect();
        let tld_ok = host.rsplit_once('.').is_some_and(|(h, tld)| {
            !h.is_empty() && tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic())
        });
        if tld_ok {
            let keep = if at - start > 2 { start + 1 } else { start };
            marks.hide_where(start..at, Kind::Email, |i| i >= keep);
        }
    }
}
