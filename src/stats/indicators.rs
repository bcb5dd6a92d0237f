//! The indicators a definition implies: what each answer contributes to a rate, a
//! mean score, a 0–100 index, a don't-know rate or the reach of one option.

use super::data::{Column, Dataset, MISSING};
use super::plan::EstimateKind;
use super::plan::ScorePreset;
use crate::definition::{Kind, Question, Survey, DONT_KNOW};

/// An indicator derived from a question.
pub struct Indicator<'a> {
    pub name: String,
    pub kind: EstimateKind,
    pub question: &'a Question,
    /// The rate's target (the question's, else its dimension's).
    pub target: Option<f64>,
    /// Per option index: the value an answer contributes (NaN = excluded).
    values: Vec<f64>,
    /// For the reach of one option of a multiple-choice question (`{question}.{option}`):
    /// that option's index; the value is whether the respondent ticked it.
    pub option: Option<usize>,
}

impl Indicator<'_> {
    /// The value each option contributes (NaN: excluded from the denominator).
    pub fn option_values(&self) -> &[f64] {
        &self.values
    }

    /// The per-row values (NaN where missing or excluded).
    pub fn values(&self, data: &Dataset) -> Vec<f64> {
        let Some(col) = data.columns.get(&self.question.id) else {
            return vec![f64::NAN; data.len()];
        };
        match col {
            Column::Choice(v) => v
                .iter()
                .map(|&c| {
                    if c == MISSING {
                        f64::NAN
                    } else {
                        self.values[c as usize]
                    }
                })
                .collect(),
            Column::Multi(v) => {
                // Ticked exactly the positive set (a quiz with several correct answers).
                let want: u64 = self
                    .question
                    .options
                    .iter()
                    .enumerate()
                    .filter(|(_, o)| self.question.positive.contains(&o.code))
                    .fold(0, |m, (i, _)| m | (1 << i));
                let dk = self
                    .question
                    .options
                    .iter()
                    .position(|o| o.code == DONT_KNOW);
                if let Some(k) = self.option {
                    // Ticked option k, among those who answered (not "don't know" alone).
                    return v
                        .iter()
                        .map(|&m| match m {
                            0 => f64::NAN,
                            m if dk.is_some_and(|d| m == 1 << d) => f64::NAN,
                            m => (m >> k & 1) as f64,
                        })
                        .collect();
                }
                v.iter()
                    .map(|&m| match m {
                        0 => f64::NAN,
                        m if dk.is_some_and(|d| m == 1 << d) => {
                            if self.name.ends_with(".dont_know") {
                                1.0
                            } else {
                                f64::NAN
                            }
                        }
                        _ if self.name.ends_with(".dont_know") => 0.0,
                        m => (m == want) as u8 as f64,
                    })
                    .collect()
            }
            Column::Number(v) => v.clone(),
        }
    }
}

/// The indicators a survey defines: a rate per question with a positive set; for rating
/// scales also the mean score and the 0–100 index; for questions with "don't know", the
/// don't-know rate.
pub fn indicators(survey: &Survey, scores: ScorePreset) -> Vec<Indicator<'_>> {
    let mut out = Vec::new();
    for q in survey.questions.iter().filter(|q| q.is_indicator()) {
        let is_dk = |o: &crate::definition::Choice| o.code == DONT_KNOW;
        out.push(Indicator {
            name: q.id.clone(),
            kind: EstimateKind::Proportion,
            question: q,
            target: survey.target_for(q),
            values: q
                .options
                .iter()
                .map(|o| {
                    if is_dk(o) {
                        f64::NAN
                    } else {
                        q.positive.contains(&o.code) as u8 as f64
                    }
                })
                .collect(),
            option: None,
        });
        if q.kind.is_scale() {
            let k = q.scale_len();
            out.push(Indicator {
                name: q.id.clone(),
                kind: EstimateKind::Mean,
                question: q,
                target: None,
                values: q
                    .options
                    .iter()
                    .map(|o| q.scale_point(&o.code).map_or(f64::NAN, |v| v as f64))
                    .collect(),
                option: None,
            });
            out.push(Indicator {
                name: q.id.clone(),
                kind: EstimateKind::Index,
                question: q,
                target: None,
                values: q
                    .options
                    .iter()
                    .map(|o| {
                        q.scale_point(&o.code)
                            .map_or(f64::NAN, |v| scores.score(v, k))
                    })
                    .collect(),
                option: None,
            });
        }
        if q.dont_know && q.kind != Kind::Multiple {
            out.push(Indicator {
                name: format!("{}.dont_know", q.id),
                kind: EstimateKind::Proportion,
                question: q,
                target: None,
                values: q.options.iter().map(|o| is_dk(o) as u8 as f64).collect(),
                option: None,
            });
        }
    }
    // The reach of each option of a multiple-choice question (where residents saw the
    // campaign: TV, SMS, screens): the share of those who answered who ticked it.
    for q in survey.questions.iter().filter(|q| q.kind == Kind::Multiple) {
        for (k, o) in q
            .options
            .iter()
            .enumerate()
            .filter(|(_, o)| o.code != DONT_KNOW)
        {
            out.push(Indicator {
                name: format!("{}.{}", q.id, o.code),
                kind: EstimateKind::Proportion,
                question: q,
                target: None,
                values: vec![f64::NAN; q.options.len()],
                option: Some(k),
            });
        }
    }
    out
}
