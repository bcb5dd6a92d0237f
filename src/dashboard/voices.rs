//! Residents' voices: the answers to a survey's open questions ("您最希望改进的问题是什么？"),
//! newest first, by district and community, masked for personal data (again on the
//! way out, for rows stored before masking existed), with the themes their words
//! propose and a count of themes per district.

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::definition::{Survey, Theme};
use crate::storage::{AnswerFilter, IndexedAnswer, StorageError, Store, StoredResponse};

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
    // Words, not numbers: what masking left of a phone number is no word either.
    crate::words::tokens(text)
        .into_iter()
        .filter(|w| !STOPWORDS.contains(w))
        .collect()
}

/// The words of an indexed answer, as [`words`] gives them (segmented when stored).
fn indexed_words(a: &IndexedAnswer) -> Vec<&str> {
    a.words().filter(|w| !STOPWORDS.contains(w)).collect()
}

/// An indexed answer's themes: as office staff confirmed them, else as its words
/// propose them.
fn themes_of(s: &Survey, a: &IndexedAnswer, confirmed: &Confirmed) -> Vec<String> {
    match confirmed.get(&a.response_id) {
        Some((t, _, _)) => confirmed_codes(t),
        None => propose_among(&s.themes, &a.answer, &indexed_words(a)),
    }
}

fn confirmed_codes(t: &str) -> Vec<String> {
    t.split(',')
        .filter(|x| !x.is_empty())
        .map(str::to_string)
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
            Some((t, _, _)) => confirmed_codes(t),
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

/// Index rows read at a time.
const BATCH: i64 = 1_000;

/// One page of answers, newest first: the index narrows by place and text (keyset
/// pages: ids below `before`), themes are told from the indexed words, and only the
/// page's responses are read.
pub fn page(store: &Store, s: &Survey, f: &VoiceFilter) -> Result<VoicesPage, StorageError> {
    let Some(q) = s.open_question() else {
        return Ok(VoicesPage {
            question: None,
            voices: vec![],
            next: None,
        });
    };
    let confirmed = store.confirmed_themes(&s.id)?;
    let search = f.search.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let filter = AnswerFilter {
        district: f.district.as_deref(),
        community: f.community.as_deref(),
        search,
    };
    let mut ids = Vec::with_capacity(PER_PAGE);
    let mut more = false;
    let mut before = f.before.unwrap_or(i64::MAX);
    'read: loop {
        let batch = store.indexed_answers(&s.id, &q.id, filter, before, BATCH)?;
        let Some(last) = batch.last() else { break };
        before = last.response_id;
        for a in &batch {
            // Exact: SQLite's LIKE ignores the case of ASCII letters.
            if search.is_some_and(|t| !a.answer.contains(t)) {
                continue;
            }
            if let Some(t) = &f.theme {
                if !themes_of(s, a, &confirmed).contains(t) {
                    continue;
                }
            }
            if ids.len() == PER_PAGE {
                more = true;
                break 'read;
            }
            ids.push(a.response_id);
        }
        if (batch.len() as i64) < BATCH {
            break;
        }
    }
    let mut voices: Vec<Voice> = store
        .responses_by_ids(&s.id, &ids)?
        .iter()
        .filter(|r| r.status == crate::storage::STATUS_COMPLETE)
        .filter_map(|r| voice(s, &q.id, r, &confirmed))
        .filter(|v| matches(v, f))
        .collect();
    voices.sort_by_key(|v| std::cmp::Reverse(v.id));
    Ok(VoicesPage {
        question: Some(q.id.clone()),
        next: more.then(|| voices.last().map(|v| v.id)).flatten(),
        voices,
    })
}

/// Answers per district of the survey's open question, counted from the index as its
/// rows arrive: answers, the themes their words propose, and their words. Confirmed
/// themes are applied on top ([`Counts::rows`]), as confirmations come and go apart.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    /// What the counts were made for: the definition (its themes) and the redactions
    /// made (they change stored words).
    key: (String, i64),
    /// The highest response id counted, and how many rows up to it.
    max_id: i64,
    rows: i64,
    by_district: std::collections::HashMap<String, DistrictCounts>,
}

#[derive(Debug, Clone, Default)]
struct DistrictCounts {
    answers: usize,
    /// Per theme of the survey (in its order), the answers whose words propose it.
    proposed: Vec<usize>,
    words: std::collections::HashMap<String, usize>,
}

impl Counts {
    /// Whether these counts were made for this definition and these redactions.
    pub fn fits(&self, s: &Survey, redactions: i64) -> bool {
        self.key.0 == s.version && self.key.1 == redactions
    }

    /// Counts every indexed answer not counted yet. On a shared database a row can
    /// commit below the highest id read: `recount` compares the count up to it and
    /// starts over when it differs.
    pub fn catch_up(
        &mut self,
        store: &Store,
        s: &Survey,
        recount: bool,
    ) -> Result<(), StorageError> {
        let Some(q) = s.open_question() else {
            return Ok(());
        };
        let redactions = store.redaction_count()?;
        let stale = !self.fits(s, redactions)
            || (recount && store.count_indexed_upto(&s.id, &q.id, self.max_id)? != self.rows);
        if stale {
            *self = Counts {
                key: (s.version.clone(), redactions),
                ..Counts::default()
            };
        }
        loop {
            let batch = store.indexed_answers_after(&s.id, &q.id, self.max_id, 5_000)?;
            let Some(last) = batch.last() else { break };
            self.max_id = last.response_id;
            self.rows += batch.len() as i64;
            for a in &batch {
                let d = self.by_district.entry(a.district.clone()).or_default();
                if d.proposed.is_empty() {
                    d.proposed = vec![0; s.themes.len()];
                }
                d.answers += 1;
                let ws = indexed_words(a);
                for t in propose_among(&s.themes, &a.answer, &ws) {
                    if let Some(i) = s.themes.iter().position(|x| x.code == t) {
                        d.proposed[i] += 1;
                    }
                }
                for w in ws.into_iter().filter(|w| w.chars().count() > 1) {
                    match d.words.get_mut(w) {
                        Some(n) => *n += 1,
                        None => {
                            d.words.insert(w.to_string(), 1);
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The table rows (of one district, when given): the counts with the confirmed
    /// themes in place of the proposed ones.
    pub fn rows(
        &self,
        store: &Store,
        s: &Survey,
        district: Option<&str>,
    ) -> Result<Vec<ThemeRow>, StorageError> {
        let mut rows: Vec<ThemeRow> = s
            .districts
            .iter()
            .filter(|d| district.is_none_or(|x| x == d.code))
            .map(|d| {
                let c = self.by_district.get(&d.code);
                ThemeRow {
                    district: d.code.clone(),
                    answers: c.map_or(0, |c| c.answers),
                    confirmed: 0,
                    counts: c.map_or_else(|| vec![0; s.themes.len()], |c| c.proposed.clone()),
                    top_words: c.map(|c| top_words(&c.words)).unwrap_or_default(),
                }
            })
            .collect();
        let confirmed = store.confirmed_themes(&s.id)?;
        if confirmed.is_empty() {
            return Ok(rows);
        }
        let ids: Vec<i64> = confirmed
            .keys()
            .copied()
            .filter(|id| *id <= self.max_id)
            .collect();
        let Some(q) = s.open_question() else {
            return Ok(rows);
        };
        let theme = |code: &str| s.themes.iter().position(|x| x.code == code);
        for a in store.indexed_by_ids(&s.id, &q.id, &ids)? {
            let Some(row) = rows.iter_mut().find(|r| r.district == a.district) else {
                continue;
            };
            row.confirmed += 1;
            for t in propose_among(&s.themes, &a.answer, &indexed_words(&a)) {
                if let Some(i) = theme(&t) {
                    row.counts[i] = row.counts[i].saturating_sub(1);
                }
            }
            for t in themes_of(s, &a, &confirmed) {
                if let Some(i) = theme(&t) {
                    row.counts[i] += 1;
                }
            }
        }
        Ok(rows)
    }
}

fn top_words(counts: &std::collections::HashMap<String, usize>) -> Vec<(String, usize)> {
    let mut top: Vec<(&String, usize)> = counts.iter().map(|(w, n)| (w, *n)).collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    top.truncate(TOP_WORDS);
    top.into_iter().map(|(w, n)| (w.clone(), n)).collect()
}

/// Answers per theme and district (of one district, when given), every answer of the
/// survey counted once per theme it proposes (read from the index at once; the
/// dashboard's cache keeps [`Counts`] up to date instead).
pub fn theme_counts(
    store: &Store,
    s: &Survey,
    district: Option<&str>,
) -> Result<Vec<ThemeRow>, StorageError> {
    let mut c = Counts::default();
    c.catch_up(store, s, false)?;
    c.rows(store, s, district)
}

/// A theme's code and the answers quoted for it.
type Quotes = (String, Vec<String>);

/// The newest `quotes` masked answers of each theme.
fn quotes(store: &Store, s: &Survey, quotes: usize) -> Result<Vec<Quotes>, StorageError> {
    let mut examples: Vec<Quotes> = s
        .themes
        .iter()
        .map(|t| (t.code.clone(), Vec::new()))
        .collect();
    let Some(q) = s.open_question().filter(|_| quotes > 0) else {
        return Ok(vec![]);
    };
    let confirmed = store.confirmed_themes(&s.id)?;
    let masker = s.masker();
    let mut before = i64::MAX;
    while examples.iter().any(|(_, l)| l.len() < quotes) {
        let batch = store.indexed_answers(&s.id, &q.id, AnswerFilter::default(), before, BATCH)?;
        let Some(last) = batch.last() else { break };
        before = last.response_id;
        for a in &batch {
            let themes = themes_of(s, a, &confirmed);
            for (code, list) in examples.iter_mut() {
                if list.len() < quotes && themes.contains(code) {
                    list.push(masker.mask(&a.answer).0);
                }
            }
        }
    }
    examples.retain(|(_, l)| !l.is_empty());
    Ok(examples)
}

/// What the pack shows of the open answers: themes per district, and the newest
/// `voices_per_theme` masked answers of each theme (none unless the definition says).
pub fn for_pack(store: &Store, s: &Survey) -> Result<crate::figures::Voices, StorageError> {
    let rows = theme_counts(store, s, None)?;
    let examples = quotes(store, s, s.voices_per_theme as usize)?;
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
    let Some(q) = s.open_question() else {
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
