//! Residents' open answers as a figure: themes per district, and the masked answers
//! the pack may quote.

use crate::definition::{Lang, Survey};

/// Residents' open answers for the pack, read from storage by the caller: answers per
/// theme and district, and at most `voices_per_theme` masked answers per theme.
#[derive(Debug, Clone, Default)]
pub struct Voices {
    /// Theme codes, in the definition's order.
    pub themes: Vec<String>,
    /// (district code, answers, confirmed, per theme the answers in it).
    pub rows: Vec<(String, usize, usize, Vec<usize>)>,
    /// (theme code, masked answers quoted), newest first.
    pub examples: Vec<(String, Vec<String>)>,
}

/// Themes of residents' open answers per district: (header, rows as text).
pub fn voices_table(s: &Survey, v: &Voices, l: Lang) -> (Vec<String>, Vec<Vec<String>>) {
    let name = |code: &str| {
        s.themes
            .iter()
            .find(|t| t.code == code)
            .map_or(code.to_string(), |t| t.name.get(l).to_string())
    };
    let mut header = vec![
        l.pick("区", "district").to_string(),
        l.pick("回答数", "answers").to_string(),
        l.pick("已确认主题", "themes confirmed").to_string(),
    ];
    header.extend(v.themes.iter().map(|t| name(t)));
    let rows = v
        .rows
        .iter()
        .map(|(d, n, confirmed, counts)| {
            let mut r = vec![
                crate::labels::district_name(s, d, l),
                n.to_string(),
                confirmed.to_string(),
            ];
            r.extend(counts.iter().map(|c| c.to_string()));
            r
        })
        .collect();
    (header, rows)
}
