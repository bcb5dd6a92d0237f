//! The copy of a text the rules read: one character for each of the original's, so a
//! span found here is the same span there. Full-width digits, letters and signs (what
//! Chinese input methods type by default) become their ASCII forms, and Chinese
//! numerals become digits where they run to a number's length (a phone number read out
//! digit by digit: 一三八一二三四五六七八), not in "三栋" or "十一月".

/// Numerals read digit by digit, and the digit each stands for (幺 is "one" in
/// telephone speech).
const NUMERALS: [(char, char); 12] = [
    ('〇', '0'),
    ('零', '0'),
    ('一', '1'),
    ('幺', '1'),
    ('二', '2'),
    ('三', '3'),
    ('四', '4'),
    ('五', '5'),
    ('六', '6'),
    ('七', '7'),
    ('八', '8'),
    ('九', '9'),
];

/// Shorter runs of numerals are words ("一二三四五" is counting, not a number).
const NUMERAL_RUN: usize = 7;

fn numeral(c: char) -> Option<char> {
    NUMERALS.iter().find(|(n, _)| *n == c).map(|(_, d)| *d)
}

/// Between two digits (or numerals) of one number, as people write them.
pub fn separator(c: char) -> bool {
    matches!(c, ' ' | '-' | '.' | '·' | '—')
}

/// The full-width form's ASCII character, or the character itself.
fn half_width(c: char) -> char {
    match c {
        // Full-width ASCII block: ！ to ～.
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        '–' => '-',
        '•' | '‧' | '・' => '·',
        _ => c,
    }
}

/// The normalized copy: as many characters as `text`.
pub fn normalize(text: &[char]) -> Vec<char> {
    let mut out: Vec<char> = text.iter().map(|&c| half_width(c)).collect();
    let mut i = 0;
    while i < out.len() {
        if numeral(out[i]).is_none() {
            i += 1;
            continue;
        }
        // A run of numerals, single separators between them allowed.
        let start = i;
        let mut count = 0;
        let mut end = i;
        while i < out.len() {
            if numeral(out[i]).is_some() {
                count += 1;
                i += 1;
                end = i;
            } else if separator(out[i]) && out.get(i + 1).is_some_and(|c| numeral(*c).is_some()) {
                i += 1;
            } else {
                break;
            }
        }
        if count >= NUMERAL_RUN {
            for c in &mut out[start..end] {
                if let Some(d) = numeral(*c) {
                    *c = d;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        normalize(&s.chars().collect::<Vec<_>>())
            .into_iter()
            .collect()
    }

    #[test]
    fn one_character_for_one() {
        assert_eq!(n("手机１３８１２３４５６７８"), "手机13812345678");
        assert_eq!(n("电话一三八一二三四五六七八"), "电话13812345678");
        assert_eq!(n("幺三八 幺二三四 五六七八"), "138 1234 5678");
        assert_eq!(n("ＱＱ：１２３４５"), "QQ:12345");
        // Words with numerals stay words.
        assert_eq!(
            n("三栋二单元、十一月、一二三四五"),
            "三栋二单元、十一月、一二三四五"
        );
        for s in [
            "手机１３８１２３４５６７８",
            "电话一三八一二三四五六七八",
            "ａ　ｂ",
        ] {
            assert_eq!(n(s).chars().count(), s.chars().count());
        }
    }
}
