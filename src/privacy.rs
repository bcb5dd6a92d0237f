//! Personal data typed into free text is masked before anything is stored: mainland
//! mobile numbers, landlines with an area code, 18-digit resident ID numbers (with a
//! valid check digit), bank-card-like runs of 16–19 digits, and e-mail addresses. A
//! resident who writes "我的电话13812345678" is stored as "我的电话138****5678"; the raw
//! text is never written anywhere (PIPL). Pure: text in, text out.
//!
//! Numbers are found as runs of digits, joined across single spaces or hyphens (people
//! write "138 1234 5678"), and judged by their length and shape. A run inside a longer
//! number is judged as the whole run, so a year ("2026年"), a bus route ("13路"), a
//! building and unit ("3号楼2单元") or a price stay as written. Hand-written rather
//! than regular expressions: the check digit of an ID number and the boundaries
//! between numbers need code either way.

/// What kind of personal data a masked span was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Mobile,
    Landline,
    IdNumber,
    BankCard,
    Email,
}

/// `text` with every piece of personal data masked, and what was masked.
pub fn mask(text: &str) -> (String, Vec<Kind>) {
    let (text, mut kinds) = mask_emails(text);
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        // A number starts at a digit that does not continue a number before it
        // (the fraction of "19.99" is no number of its own).
        if !chars[i].is_ascii_digit()
            || (i > 0 && (chars[i - 1].is_ascii_digit() || chars[i - 1] == '.'))
        {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let groups = digit_groups(&chars, i);
        // The longest run of groups from here that is personal data, if any.
        let found = (1..=groups.len()).rev().find_map(|k| {
            let end = groups[k - 1].1;
            let mut digits: String = chars[i..end]
                .iter()
                .filter(|c| c.is_ascii_digit())
                .collect();
            let x = digits.len() == 17 && matches!(chars.get(end), Some('X' | 'x'));
            if x {
                digits.push('X');
            }
            classify(&digits).map(|kind| (kind, end + x as usize))
        });
        let end = match found {
            Some((kind, end)) => {
                let run: String = chars[i..end].iter().collect();
                out.push_str(&masked(&run, kind));
                kinds.push(kind);
                end
            }
            None => {
                let end = groups[0].1;
                out.extend(&chars[i..end]);
                end
            }
        };
        i = end;
    }
    (out, kinds)
}

/// The groups of digits from `start`: (start, end) of each, where groups are joined by
/// one space or hyphen (people write "138 1234 5678").
fn digit_groups(chars: &[char], start: usize) -> Vec<(usize, usize)> {
    let mut groups = Vec::new();
    let mut i = start;
    loop {
        let s = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        groups.push((s, i));
        let joined =
            i + 1 < chars.len() && matches!(chars[i], ' ' | '-') && chars[i + 1].is_ascii_digit();
        if !joined {
            return groups;
        }
        i += 1;
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

/// The run with its digits masked: the first 3 and last 4 shown (a landline keeps its
/// area code, a card only its last 4), separators kept.
fn masked(run: &str, kind: Kind) -> String {
    let total = run.chars().filter(|c| c.is_ascii_alphanumeric()).count();
    let (head, tail) = match kind {
        Kind::Mobile if total == 13 => (5, 4),
        Kind::Mobile | Kind::IdNumber => (3, 4),
        Kind::Landline => (
            if run.starts_with("01") || run.starts_with("02") {
                3
            } else {
                4
            },
            2,
        ),
        Kind::BankCard => (0, 4),
        Kind::Email => (1, 0),
    };
    let mut k = 0;
    run.chars()
        .map(|c| {
            if !c.is_ascii_alphanumeric() {
                return c;
            }
            k += 1;
            if k <= head || k > total - tail {
                c
            } else {
                '*'
            }
        })
        .collect()
}

/// E-mail addresses: the local part is masked but its first character, the domain kept.
fn mask_emails(text: &str) -> (String, Vec<Kind>) {
    let chars: Vec<char> = text.chars().collect();
    let local = |c: char| c.is_ascii_alphanumeric() || "._%+-".contains(c);
    let domain = |c: char| c.is_ascii_alphanumeric() || ".-".contains(c);
    let mut out = String::with_capacity(text.len());
    let mut kinds = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '@' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = (0..i).rev().take_while(|&k| local(chars[k])).last();
        let end = (i + 1..chars.len())
            .take_while(|&k| domain(chars[k]))
            .last();
        let host: String = end.map_or(String::new(), |e| chars[i + 1..=e].iter().collect());
        let tld_ok = host.rsplit_once('.').is_some_and(|(h, t)| {
            !h.is_empty() && t.len() >= 2 && t.chars().all(|c| c.is_ascii_alphabetic())
        });
        match (start, tld_ok) {
            (Some(s), true) => {
                let name_len = i - s;
                // Remove the local part already copied, then write it masked.
                for _ in 0..name_len {
                    out.pop();
                }
                out.push(chars[s]);
                out.extend(std::iter::repeat_n('*', name_len.saturating_sub(1).max(3)));
                out.push('@');
                out.push_str(&host);
                kinds.push(Kind::Email);
                i += 1 + host.chars().count();
            }
            _ => {
                out.push('@');
                i += 1;
            }
        }
    }
    (out, kinds)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, want: &str) {
        assert_eq!(mask(input).0, want, "{input}");
    }

    #[test]
    fn personal_data_is_masked() {
        check("我的电话13812345678", "我的电话138****5678");
        check("电话 138 1234 5678 找我", "电话 138 **** 5678 找我");
        check("call 138-1234-5678", "call 138-****-5678");
        check("+86 13912345678", "+86 139****5678");
        check("座机0755-86001234", "座机0755-******34");
        check(
            "两个号码13812345678 13912345678",
            "两个号码138****5678 139****5678",
        );
        check("010-12345678", "010-******78");
        // A valid ID number (check digit X), and one in lower case.
        check("身份证11010519491231002X", "身份证110***********002X");
        check("11010519491231002x", "110***********002x");
        check("卡号6222 0212 3456 7890 123", "卡号**** **** **** ***0 123");
        check("邮箱 zhang.wei@163.com 联系", "邮箱 z********@163.com 联系");
    }

    #[test]
    fn near_misses_stay() {
        for s in [
            "2026年的活动很好",
            "13路公交车太挤",
            "3号楼2单元的路灯坏了",
            "垃圾桶1380元太贵",
            "1234567890 是编号",
            "12345678901",
            // 18 digits with a wrong check digit is no ID; 18 digits is a card length.
            "房屋编号 2026 1201",
            "价格 19.99 元",
            "邮箱写错了 zhang@",
            "@小区物业",
        ] {
            check(s, s);
        }
    }

    #[test]
    fn masking_twice_changes_nothing() {
        let (once, _) = mask("电话13812345678，邮箱 a.b@qq.com");
        assert_eq!(mask(&once).0, once);
    }
}
