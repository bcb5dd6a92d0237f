//! Residents' voices: the answers to a survey's open questions ("您最希望改进的问题是什么？"),
//! newest first, by district and community, masked for personal data (again on the
//! way out, for rows stored before masking existed), with the themes their words
//! propose and a count of themes per district.

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::definition::{Kind, Survey, Theme};
use crate::storage::{StorageError, Store, StoredResponse};

/// Words listed per district.
pub const TOP_WORDS: usize = 8;

/// Answers shown per page.
pub const PER_PAGE: usize = 30;

#[derive(Debug, Clone, Serialize)]
pub struct Voice {
    pub id: i64,
    pub submitted_at: NaiveDateTime,
    pub district: String,
    /// Where the resident lives, when recorded.
    pub community: Option<String>,
    pub channel: String,
    pub text: String,
    /// Its themes: as office staff confirmed them, else as its words propose them
    /// ("other" when none does).
    pub themes: Vec<String>,
    /// Who confirmed the themes and when, if anyone has.
    pub confirmed: Option<(String, NaiveDateTime)>,
    /// Whether the response carries a quality flag (kept; its figures are left out).
    pub flagged: bool,
    /// Its words (segmented once, for the themes and the district's top words).
    #[serde(skip)]
    pub words: Vec<String>,
}

/// Which answers a page shows.
#[derive(Debug, Clone, Default)]
pub struct VoiceFilter {
    pub district: Option<String>,
    pub community: Option<String>,
    /// Words the answer must contain.
    pub search: Option<String>,
    pub theme: Option<String>,
    /// Only answers older than this response id (the next page).
    pub before: Option<i64>,
}

pub struct VoicesPage {
    /// The open question shown (its id), `None` when the survey has none.
    pub question: Option<String>,
    pub voices: Vec<Voice>,
    /// The `before` of the next page, when there are older answers.
    pub next: Option<i64>,
}

/// Answers per theme in one district.
#[derive(Debug, Clone, Serialize)]
pub struct ThemeRow {
    pub district: String,
    pub answers: usize,
    /// Answers whose themes office staff have confirmed.
    pub confirmed: usize,
    /// Per theme of the survey (in its order), the answers proposing it.
    pub counts: Vec<usize>,
    /// The words residents of the district use most (two characters or more), with
    /// their counts.
    pub top_words: Vec<(String, usize)>,
}

/// Words that say nothing of what residents ask for.
const STOPWORDS: [&str; 36] = [
    "希望",
    "建议",
    "我们",
    "没有",
    "一个",
    "问题",
    "现在",
    "这个",
    "可以",
    "比较",
    "非常",
    "还是",
    "就是",
    "已经",
    "不是",
    "什么",
    "有人",
    "一些",
    "进一步",
    "加强",
    "需要",
    "能够",
    "应该",
    "很多",
    "经常",
    "太少",
    "不够",
    "有待",
    "总体",
    "继续",
    "保持",
    "不错",
    "时间",
    "两次",
    "多些",
    "联系",
];

/// The words of an answer (jieba's segmentation): two characters or more, or a
/// single character the theme keywords name, without the filler words.
pub fn words(text: &str) -> Vec<&str> {
    crate::words::jieba()
        .cut(text, false)
        .into_iter()
        .map(|t| t.word)
        // Words, not numbers: what masking left of a phone number is no word either.
        .filter(|w| w.chars().all(|c| c.is_alphabetic()))
        .filter(|w| !STOPWORDS.contains(w))
        .collect()
}

/// The themes whose keywords occur among the answer's words (a keyword of two or more
/// characters also inside a longer word: 垃圾 in 垃圾桶; a one-character keyword only as
/// a word of its own: 河 but not 河北); "other" (the theme without keywords) when none
/// does.
pub fn propose(themes: &[Theme], text: &str) -> Vec<String> {
    propose_among(themes, text, &words(text))
}

/// [`propose`] for an answer already segmented into `ws`.
fn propose_among<W: AsRef<str>>(themes: &[Theme], text: &str, ws: &[W]) -> Vec<String> {
    let hit = |k: &str| {
        if k.chars().count() > 1 {
            ws.iter().any(|w| w.as_ref().contains(k)) || text.contains(k)
        } else {
            ws.iter().any(|w| w.as_ref() == k)
        }
    };
    let found: Vec<String> = themes
        .iter()
        .filter(|t| t.keywords.iter().any(|k| hit(k)))
        .map(|t| t.code.clone())
        .collect();
    if found.is_empty() {
        themes
            .iter()
            .find(|t| t.keywords.is_empty())
            .map(|t| vec![t.code.clone()])
            .unwrap_or_default()
    } else {
        found
    }
}

/// The first open question of a survey.
pub fn open_question(s: &Survey) -> Option<&crate::definition::Question> {
    s.questions.iter().find(|q| q.kind == Kind::Text)
}

/// The newest confirmation of each answer: response id → (themes, by, at).
pub type Confirmed = std::collections::HashMap<i64, (String, String, NaiveDateTime)>;

fn voice(s: &Survey, question: &str, r: &StoredResponse, confirmed: &Confirmed) -> Option<Voice> {
    let answers: serde_json::Value = serde_json::from_str(&r.answers).ok()?;
    let text = answers.get(question)?.as_str()?.trim();
    if text.is_empty() {
        return None;
    }
    let text = s.masker().mask(text).0;
    let ws: Vec<String> = words(&text).into_iter().map(str::to_string).collect();
    Some(Voice {
        id: r.id,
        submitted_at: r.submitted_at,
        district: r.district.clone(),
        community: r.residence_community.clone(),
        channel: r.channel.clone(),
        themes: match confirmed.get(&r.id) {
            Some((t, _, _)) => t
                .split(',')
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect(),
            None => propose_among(&s.themes, &text, &ws),
        },
        confirmed: confirmed.get(&r.id).map(|(_, by, at)| (by.clone(), *at)),
        text,
        flagged: !r.quality_flags.is_empty(),
        words: ws,
    })
}

fn matches(v: &Voice, f: &VoiceFilter) -> bool {
    f.district.as_deref().is_none_or(|d| v.district == d)
        && f.community
            .as_deref()
            .is_none_or(|c| v.community.as_deref() == Some(c))
        && f.search
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .is_none_or(|q| v.text.contains(q))
        && f.theme
            .as_deref()
            .is_none_or(|t| v.themes.iter().any(|x| x == t))
}

/// One page of answers, newest first.
pub fn page(store: &Store, s: &Survey, f: &VoiceFilter) -> Result<VoicesPage, StorageError> {
    let Some(q) = open_question(s) else {
        return Ok(VoicesPage {
            question: None,
            voices: vec![],
            next: None,
        });
    };
    let confirmed = store.confirmed_themes(&s.id)?;
    let mut pick = |r: &StoredResponse| voice(s, &q.id, r, &confirmed).filter(|v| matches(v, f));
    let (voices, more) = store.answers_to(
        &s.id,
        &q.id,
        f.before.unwrap_or(i64::MAX),
        PER_PAGE,
        &mut pick,
    )?;
    Ok(VoicesPage {
        question: Some(q.id.clone()),
        next: more.then(|| voices.last().map(|v| v.id)).flatten(),
        voices,
    })
}

/// Answers per theme and district (of one district, when given), every answer of the
/// survey counted once per theme it proposes.
pub fn theme_counts(
    store: &Store,
    s: &Survey,
    district: Option<&str>,
) -> Result<Vec<ThemeRow>, StorageError> {
    Ok(scan(store, s, district, 0)?.0)
}

/// A theme's code and the answers quoted for it.
type Quotes = (String, Vec<String>);

/// One pass over a survey's answers, counting as they come (none is kept in memory
/// but the newest `quotes` of each theme): the themes per district, and those quotes.
fn scan(
    store: &Store,
    s: &Survey,
    district: Option<&str>,
    quotes: usize,
) -> Result<(Vec<ThemeRow>, Vec<Quotes>), StorageError> {
    let mut rows: Vec<ThemeRow> = s
        .districts
        .iter()
        .filter(|d| district.is_none_or(|x| x == d.code))
        .map(|d| ThemeRow {
            district: d.code.clone(),
            answers: 0,
            confirmed: 0,
            counts: vec![0; s.themes.len()],
            top_words: vec![],
        })
        .collect();
    let mut examples: Vec<Quotes> = s
        .themes
        .iter()
        .map(|t| (t.code.clone(), Vec::new()))
        .collect();
    let Some(q) = open_question(s) else {
        return Ok((rows, vec![]));
    };
    let confirmed = store.confirmed_themes(&s.id)?;
    let mut tallies: std::collections::HashMap<String, std::collections::HashMap<String, usize>> =
        Default::default();
    store.answers_to::<()>(&s.id, &q.id, i64::MAX, 0, &mut |r| {
        if district.is_some_and(|d| r.district != d) {
            return None;
        }
        let v = voice(s, &q.id, r, &confirmed)?;
        let row = rows.iter_mut().find(|x| x.district == v.district)?;
        row.answers += 1;
        row.confirmed += v.confirmed.is_some() as usize;
        let mine = tallies.entry(v.district.clone()).or_default();
        for w in v.words.iter().filter(|w| w.chars().count() > 1) {
            *mine.entry(w.clone()).or_default() += 1;
        }
        for t in &v.themes {
            if let Some(i) = s.themes.iter().position(|x| &x.code == t) {
                row.counts[i] += 1;
            }
        }
        for (code, list) in examples.iter_mut() {
            if list.len() < quotes && v.themes.contains(code) {
                list.push(v.text.clone());
            }
        }
        None
    })?;
    for (d, counts) in tallies {
        if let Some(row) = rows.iter_mut().find(|r| r.district == d) {
            let mut top: Vec<(String, usize)> = counts.into_iter().collect();
            top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            top.truncate(TOP_WORDS);
            row.top_words = top;
        }
    }
    examples.retain(|(_, l)| !l.is_empty());
    Ok((rows, examples))
}

/// What the pack shows of the open answers: themes per district, and the newest
/// `voices_per_theme` masked answers of each theme (none unless the definition says).
pub fn for_pack(store: &Store, s: &Survey) -> Result<crate::figures::Voices, StorageError> {
    let (rows, examples) = scan(store, s, None, s.voices_per_theme as usize)?;
    Ok(crate::figures::Voices {
        themes: s.themes.iter().map(|t| t.code.clone()).collect(),
        rows: rows
            .into_iter()
            .map(|r| (r.district, r.answers, r.confirmed, r.counts))
            .collect(),
        examples,
    })
}

/// Confirms (or changes) an answer's themes: the codes must be the survey's, the
/// response one of its complete answers to the open question. Returns the answer's
/// district, for the caller's access check before anything is written.
pub fn answer_district(
    store: &Store,
    s: &Survey,
    response: i64,
) -> Result<Option<String>, StorageError> {
    let Some(q) = open_question(s) else {
        return Ok(None);
    };
    let rows = store.responses_by_ids(&s.id, &[response])?;
    Ok(rows
        .iter()
        .find(|r| voice(s, &q.id, r, &Confirmed::new()).is_some())
        .map(|r| r.district.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_propose_themes_and_nothing_matched_is_other() {
        let themes = Theme::defaults();
        assert_eq!(propose(&themes, "小区门口垃圾桶满了"), ["sanitation"]);
        assert_eq!(
            propose(&themes, "学校门口堵车，停车难"),
            ["traffic", "minors"]
        );
        assert_eq!(propose(&themes, "总体还不错，继续保持"), ["other"]);
        // A one-character keyword counts only as a word of its own.
        assert_eq!(propose(&themes, "河北来的游客很多"), ["other"]);
        assert_eq!(
            propose(&themes, "河道脏，垃圾没人管"),
            ["sanitation", "ecology"]
        );
        assert!(words("希望多种树，增加绿化").contains(&"绿化"));
        assert!(!words("希望多种树，增加绿化").contains(&"希望"));
    }
}
