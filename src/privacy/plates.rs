//! Licence plates: a province's character, the city's letter, then five characters
//! (six on a new-energy plate), e.g. 京A·12345, 沪AD12345. The province and letter stay
//! (a city), the rest is hidden.

use super::marks::{Kind, Marks};

const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";

pub fn find(t: &[char], marks: &mut Marks) {
    for i in 0..t.len().saturating_sub(6) {
        if !PROVINCES.contains(t[i]) || !t[i + 1].is_ascii_alphabetic() {
            continue;
        }
        let mut j = i + 2;
        if t.get(j).is_some_and(|c| matches!(c, '·' | '.' | '-' | ' ')) {
            j += 1;
        }
        let n = t[j..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric())
            .count();
        let run = &t[j..j + n];
        let digits = run.iter().filter(|c| c.is_ascii_digit()).count();
        if (n == 5 || n == 6) && digits >= 3 {
            marks.hide_where(j..j + n, Kind::Plate, |_| true);
        }
    }
}
