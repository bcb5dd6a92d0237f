//! Account numbers people give after the word that names them: QQ numbers after "QQ",
//! "扣扣"; WeChat IDs after "微信", "微信号", "vx", "wx" and the like. Without the cue a
//! run of letters and digits is not judged (an order number, a model name).

use super::marks::{Kind, Marks};

const QQ: [&str; 4] = ["qq号", "qq", "扣扣", "企鹅号"];
const WECHAT: [&str; 9] = [
    "微信号",
    "微信",
    "weixin",
    "wechat",
    "威信",
    "薇信",
    "v信",
    "vx",
    "wx",
];

/// What may stand between the cue and the account: "QQ号：123", "微信是 abc".
fn filler(c: char) -> bool {
    matches!(c, ' ' | ':' | '：' | '号' | '是' | '为' | '，' | ',' | '-')
}

pub fn find(t: &[char], marks: &mut Marks) {
    let lower: Vec<char> = t.iter().map(|c| c.to_ascii_lowercase()).collect();
    let mut i = 0;
    while i < t.len() {
        let cue = |list: &[&str]| {
            list.iter().find_map(|w| {
                let w: Vec<char> = w.chars().collect();
                if !lower[i..].starts_with(&w) {
                    return None;
                }
                // A Latin cue is a word of its own: "qq", not the end of "sqq" or the
                // start of "wxyz".
                let before =
                    !w[0].is_ascii_alphabetic() || i == 0 || !lower[i - 1].is_ascii_alphabetic();
                let after = !w.iter().all(char::is_ascii)
                    || !lower
                        .get(i + w.len())
                        .is_some_and(char::is_ascii_alphabetic);
                (before && after).then_some(w.len())
            })
        };
        let (kind, len) = match (cue(&QQ), cue(&WECHAT)) {
            (Some(n), _) => (Kind::Qq, n),
            (None, Some(n)) => (Kind::WeChat, n),
            _ => {
                i += 1;
                continue;
            }
        };
        let mut j = i + len;
        let mut skipped = 0;
        while j < t.len() && filler(t[j]) && skipped < 4 {
            j += 1;
            skipped += 1;
        }
        let end = account_end(t, j, kind);
        if end > j {
            let n = end - j;
            // Enough kept to be read as "a number was here", not enough to find anyone.
            let (head, tail) = if kind == Kind::Qq && n >= 6 {
                (2, 2)
            } else {
                (1, 0)
            };
            marks.hide_where(j..end, kind, |k| k >= j + head && k < end - tail);
            i = end;
        } else {
            i += len;
        }
    }
}

/// The end of the account starting at `j`: a QQ number of 5–11 digits; a WeChat ID of
/// 6–20 letters, digits, `_` or `-` starting with a letter, or of digits (a phone or
/// QQ number used as one).
fn account_end(t: &[char], j: usize, kind: Kind) -> usize {
    let word = |c: &char| c.is_ascii_alphanumeric() || *c == '_' || *c == '-';
    let n = t[j..].iter().take_while(|c| word(c)).count();
    let run = &t[j..j + n];
    let digits = run.iter().all(char::is_ascii_digit);
    let ok = match kind {
        Kind::Qq => digits && (5..=11).contains(&n),
        _ => {
            (digits && (5..=11).contains(&n))
                || (run.first().is_some_and(char::is_ascii_alphabetic) && (6..=20).contains(&n))
        }
    };
    if ok {
        j + n
    } else {
        j
    }
}
