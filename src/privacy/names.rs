//! A resident's name after the words that introduce one: "我叫", "名字叫/是", "姓名",
//! "联系人", "本人", "我是" (only where jieba tags the next word a person's name: "我是
//! 老党员" stays) and "我姓" (the surname). A surname with an official's title
//! ("王书记", "李主任") names an office, not a resident, and stays.

use super::marks::{Kind, Marks};

/// Cues, and whether the word after them must be tagged a name (`nr`) by jieba; the
/// others also take two or three characters that begin with a common surname.
const CUES: [(&str, bool); 8] = [
    ("我的名字是", false),
    ("名字叫", false),
    ("我叫", false),
    ("姓名", false),
    ("联系人", false),
    ("本人", true),
    ("我是", true),
    ("我姓", false),
];

/// The commonest surnames (over four fifths of the population).
const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤欧";

/// Titles that make a surname an office holder's.
const TITLES: [&str; 24] = [
    "书记",
    "主任",
    "科长",
    "局长",
    "所长",
    "经理",
    "老师",
    "医生",
    "警官",
    "队长",
    "组长",
    "站长",
    "社长",
    "区长",
    "市长",
    "镇长",
    "村长",
    "县长",
    "处长",
    "部长",
    "网格员",
    "院长",
    "校长",
    "主席",
];

/// A word as the rules read it (jieba's, or a few of them joined).
struct Word<'a> {
    word: &'a str,
    tag: &'a str,
    start: usize,
    end: usize,
}

fn cjk(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

pub fn find(text: &[char], marks: &mut Marks) {
    let s: String = text.iter().collect();
    if !CUES.iter().any(|(c, _)| s.contains(c)) {
        return;
    }
    let tags = crate::words::jieba().tag(&s, true);
    for (cue, needs_tag) in CUES {
        let cue_chars: Vec<char> = cue.chars().collect();
        for at in (0..text.len()).filter(|&i| text[i..].starts_with(&cue_chars)) {
            let after = at + cue_chars.len();
            if cue == "我姓" {
                // The surname itself, however jieba cut it ("姓张" is one of its words).
                if text.get(after).is_some_and(|c| SURNAMES.contains(*c)) {
                    marks.hide_where(after..after + 1, Kind::Name, |_| true);
                }
                continue;
            }
            // The first word after the cue and its pause ("姓名：张三").
            let Some(n) = tags
                .iter()
                .position(|t| t.start >= after && !t.word.chars().all(|c| " :：,，".contains(c)))
            else {
                continue;
            };
            // A name jieba cut into characters ("张/三") is joined again: a surname
            // and one or two single characters that are no verb, particle or the like.
            let mut last = n;
            if tags[n].word.chars().count() == 1
                && tags[n].word.chars().all(|c| SURNAMES.contains(c))
            {
                while last + 1 < tags.len()
                    && last - n < 2
                    && tags[last + 1].word.chars().count() == 1
                    && tags[last + 1].word.chars().all(cjk)
                    && !["v", "p", "u", "d", "c", "f", "x", "r"]
                        .iter()
                        .any(|t| tags[last + 1].tag.starts_with(t))
                {
                    last += 1;
                }
            }
            let joined: String = tags[n..=last].iter().map(|t| t.word).collect();
            let word = Word {
                word: &joined,
                tag: tags[n].tag,
                start: tags[n].start,
                end: tags[last].end,
            };
            let n = last;
            let chars: Vec<char> = word.word.chars().collect();
            let titled = TITLES.iter().any(|t| word.word.ends_with(t))
                || tags
                    .get(n + 1)
                    .is_some_and(|next| TITLES.iter().any(|t| next.word.starts_with(t)));
            let tagged = word.tag.starts_with("nr");
            let looks = (2..=3).contains(&chars.len())
                && chars.iter().all(|c| cjk(*c))
                && SURNAMES.contains(chars[0]);
            let name = if needs_tag { tagged } else { tagged || looks };
            if name && !titled && (2..=4).contains(&chars.len()) {
                marks.hide_where(word.start..word.end, Kind::Name, |_| true);
            }
        }
    }
}
