//! The voices page's index of open answers: one row per complete response that
//! answered the survey's open question, with the (masked) answer, where the resident
//! lives and the answer's words, segmented once when the response was stored. Written
//! in the response's own transaction; responses stored before the index existed are
//! indexed once from a backlog the migration recorded.

use diesel::prelude::*;

use super::error::Result;
use super::rows::StoredResponse;
use super::schema::{answer_words, answer_words_backlog};
use super::store::Store;
use super::writer::{index, Entry};

pub use super::writer::AnswerIndex;

/// An indexed answer, as the voices page filters and counts it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = answer_words)]
pub struct IndexedAnswer {
    pub response_id: i64,
    pub district: String,
    pub community: Option<String>,
    pub answer: String,
    /// The words, each between single spaces.
    pub words: String,
}

impl IndexedAnswer {
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.words.split(' ').filter(|w| !w.is_empty())
    }
}

/// Which answers to read: the resident's district and community, and text the answer
/// must contain.
#[derive(Debug, Clone, Copy, Default)]
pub struct AnswerFilter<'a> {
    pub district: Option<&'a str>,
    pub community: Option<&'a str>,
    pub search: Option<&'a str>,
}

/// `%` and `_` in a LIKE pattern as themselves.
fn like_escaped(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 2);
    s.push('%');
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(ch);
    }
    s.push('%');
    s
}

impl Store {
    /// The id up to which a survey's responses still wait to be indexed, if any do.
    pub fn answer_backlog(&self, survey_id: &str) -> Result<Option<i64>> {
        let mut c = self.conn()?;
        Ok(answer_words_backlog::table
            .filter(answer_words_backlog::survey_id.eq(survey_id))
            .select(answer_words_backlog::upto)
            .first(&mut c)
            .optional()?)
    }

    /// Indexes stored responses (the backlog), then, when `done`, forgets the
    /// survey's backlog in the same transaction.
    pub fn index_answers(
        &self,
        survey_id: &str,
        entries: &[(&StoredResponse, AnswerIndex)],
        done: bool,
    ) -> Result<()> {
        use diesel::connection::Connection;
        let refs: Vec<Entry<'_>> = entries
            .iter()
            .map(|(r, a)| Entry {
                id: r.id,
                survey_id: &r.survey_id,
                district: &r.district,
                community: r.residence_community.as_deref(),
                answer: a,
            })
            .collect();
        let mut c = self.conn()?;
        c.transaction::<_, diesel::result::Error, _>(|c| {
            index(c, &refs)?;
            if done {
                diesel::delete(
                    answer_words_backlog::table
                        .filter(answer_words_backlog::survey_id.eq(survey_id)),
                )
                .execute(c)?;
            }
            Ok(())
        })?;
        Ok(())
    }

    /// At most `limit` indexed answers to `question` with ids below `before` that pass
    /// the filter, newest first. SQLite's LIKE ignores the case of ASCII letters: a
    /// caller that wants the text exactly compares again.
    pub fn indexed_answers(
        &self,
        survey_id: &str,
        question: &str,
        filter: AnswerFilter<'_>,
        before: i64,
        limit: i64,
    ) -> Result<Vec<IndexedAnswer>> {
        let mut c = self.conn()?;
        let mut q = answer_words::table
            .filter(answer_words::survey_id.eq(survey_id))
            .filter(answer_words::question.eq(question))
            .filter(answer_words::response_id.lt(before))
            .into_boxed();
        if let Some(d) = filter.district {
            q = q.filter(answer_words::district.eq(d));
        }
        if let Some(cm) = filter.community {
            q = q.filter(answer_words::community.eq(cm));
        }
        if let Some(text) = filter.search {
            q = q.filter(answer_words::answer.like(like_escaped(text)).escape('\\'));
        }
        Ok(q.order(answer_words::response_id.desc())
            .limit(limit)
            .select(IndexedAnswer::as_select())
            .load(&mut c)?)
    }

    /// At most `limit` indexed answers to `question` with ids above `after`, oldest
    /// first (for counting as they arrive).
    pub fn indexed_answers_after(
        &self,
        survey_id: &str,
        question: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<IndexedAnswer>> {
        let mut c = self.conn()?;
        Ok(answer_words::table
            .filter(answer_words::survey_id.eq(survey_id))
            .filter(answer_words::question.eq(question))
            .filter(answer_words::response_id.gt(after))
            .order(answer_words::response_id.asc())
            .limit(limit)
            .select(IndexedAnswer::as_select())
            .load(&mut c)?)
    }

    /// How many answers to `question` are indexed with ids up to `id` (rows committed
    /// below an id already read show here).
    pub fn count_indexed_upto(&self, survey_id: &str, question: &str, id: i64) -> Result<i64> {
        let mut c = self.conn()?;
        Ok(answer_words::table
            .filter(answer_words::survey_id.eq(survey_id))
            .filter(answer_words::question.eq(question))
            .filter(answer_words::response_id.le(id))
            .count()
            .get_result(&mut c)?)
    }

    /// The indexed answers to `question` of these responses.
    pub fn indexed_by_ids(
        &self,
        survey_id: &str,
        question: &str,
        ids: &[i64],
    ) -> Result<Vec<IndexedAnswer>> {
        let mut c = self.conn()?;
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            out.extend(
                answer_words::table
                    .filter(answer_words::survey_id.eq(survey_id))
                    .filter(answer_words::question.eq(question))
                    .filter(answer_words::response_id.eq_any(chunk))
                    .select(IndexedAnswer::as_select())
                    .load(&mut c)?,
            );
        }
        Ok(out)
    }

    /// How many redactions were made (of any survey): a change of stored words.
    pub fn redaction_count(&self) -> Result<i64> {
        use super::schema::redactions;
        let mut c = self.conn()?;
        Ok(redactions::table.count().get_result(&mut c)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_is_matched_as_typed() {
        assert_eq!(like_escaped("50%_off"), "%50\\%\\_off%");
    }
}
