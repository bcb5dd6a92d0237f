//! Checking a submission against its definition: the rules a resident's answers must
//! meet before anything is stored. Pure (no I/O), shared by the HTML form and the
//! JSON API so both accept exactly the same responses.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

use crate::definition::{Kind, Lang, Question, Survey, Text, DONT_KNOW};

/// Raw answers as submitted: question id → the values given (a form sends one value
/// per ticked box; everything is text at this point).
pub type RawAnswers = BTreeMap<String, Vec<String>>;

/// A problem with one answer, shown next to that question.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FieldError {
    pub question: String,
    pub message: Text,
}

impl FieldError {
    fn new(q: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        FieldError {
            question: q.to_string(),
            message: Text::new(zh, en),
        }
    }
    pub fn message(&self, lang: Lang) -> &str {
        self.message.get(lang)
    }
}

/// What a valid submission amounts to.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A complete questionnaire: the answers to store, as a JSON object of
    /// question id → option code, list of codes, number or text.
    Complete(Map<String, Value>),
    /// A screening answer ended the questionnaire (the answers up to it are kept).
    ScreenedOut {
        question: String,
        answers: Map<String, Value>,
    },
}

/// Whether a question is asked, given the answers so far.
pub fn is_shown(q: &Question, answers: &Map<String, Value>) -> bool {
    match &q.show_if {
        None => true,
        Some(c) => match answers.get(&c.question) {
            Some(Value::String(v)) => c.any_of.iter().any(|a| a == v),
            _ => false,
        },
    }
}

/// Validates every answer; returns all field errors at once so the form can mark them
/// together.
pub fn check(survey: &Survey, raw: &RawAnswers) -> Result<Outcome, Vec<FieldError>> {
    let mut out = Map::new();
    let mut errors = Vec::new();
    for q in &survey.questions {
        if !is_shown(q, &out) {
            continue;
        }
        let values: Vec<&str> = raw
            .get(&q.id)
            .map(|v| {
                v.iter()
                    .map(|s| s.trim())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        if values.is_empty() {
            if q.required {
                errors.push(FieldError::new(
                    &q.id,
                    "请回答此题。",
                    "Please answer this question.",
                ));
            }
            continue;
        }
        match check_one(q, &values) {
            Ok(v) => {
                let screened = matches!(&v, Value::String(s) if q.screen_out.contains(s));
                out.insert(q.id.clone(), v);
                if screened && errors.is_empty() {
                    return Ok(Outcome::ScreenedOut {
                        question: q.id.clone(),
                        answers: out,
                    });
                }
            }
            Err(e) => errors.push(e),
        }
    }
    check_places(survey, &out, &mut errors);
    if errors.is_empty() {
        Ok(Outcome::Complete(out))
    } else {
        Err(errors)
    }
}

/// The resident's community must lie in the district they gave.
fn check_places(survey: &Survey, out: &Map<String, Value>, errors: &mut Vec<FieldError>) {
    let (Some(dq), Some(cq)) = (survey.district_question(), survey.community_question()) else {
        return;
    };
    let (Some(d), Some(c)) = (
        out.get(&dq.id).and_then(Value::as_str),
        out.get(&cq.id).and_then(Value::as_str),
    ) else {
        return;
    };
    if let Some((cd, community)) = survey.find_community(c) {
        if cd.code != d {
            let dname = survey
                .district(d)
                .map_or(d.to_string(), |x| x.name.zh.clone());
            let dname_en = survey
                .district(d)
                .map_or(d.to_string(), |x| x.name.get(Lang::En).to_string());
            errors.push(FieldError::new(
                &cq.id,
                format!("{}属于{}，不在您选择的{}。请改选社区或区。", community.name.zh, cd.name.zh, dname),
                format!("{} is in {}, not in {}, the district you chose. Please correct the community or the district.", community.name.get(Lang::En), cd.name.get(Lang::En), dname_en),
            ));
        }
    }
}

fn check_one(q: &Question, values: &[&str]) -> Result<Value, FieldError> {
    let unknown = |v: &str| {
        FieldError::new(
            &q.id,
            format!("“{v}”不是本题的选项，请重新选择。"),
            format!("“{v}” is not one of this question's options; please choose again."),
        )
    };
    match q.kind {
        Kind::Number => {
            let [v] = values else {
                return Err(FieldError::new(
                    &q.id,
                    "请只填写一个数字。",
                    "Please enter one number.",
                ));
            };
            let x: f64 = v
                .parse()
                .ok()
                .filter(|x: &f64| x.is_finite())
                .ok_or_else(|| {
                    FieldError::new(
                        &q.id,
                        "请填写一个数字，例如 3。",
                        "Please enter a number, e.g. 3.",
                    )
                })?;
            if let Some(lo) = q.min.filter(|lo| x < *lo) {
                return Err(FieldError::new(
                    &q.id,
                    format!("请填写不小于 {lo} 的数。"),
                    format!("Please enter {lo} or more."),
                ));
            }
            if let Some(hi) = q.max.filter(|hi| x > *hi) {
                return Err(FieldError::new(
                    &q.id,
                    format!("请填写不大于 {hi} 的数。"),
                    format!("Please enter {hi} or less."),
                ));
            }
            // Whole numbers stay integers so the export reads "12", not "12.0".
            if x.fract() == 0.0 && x.abs() < 9.0e15 {
                Ok(Value::from(x as i64))
            } else {
                Ok(serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number))
            }
        }
        Kind::Text => {
            let joined = values.join("\n");
            let n = joined.chars().count();
            if n > q.max_len {
                return Err(FieldError::new(
                    &q.id,
                    format!("最多 {} 个字，您写了 {n} 个，请精简。", q.max_len),
                    format!(
                        "At most {} characters; you wrote {n}. Please shorten it.",
                        q.max_len
                    ),
                ));
            }
            Ok(Value::String(joined))
        }
        _ if q.multi_answer() => {
            let mut codes: Vec<String> = Vec::new();
            for v in values {
                if q.option(v).is_none() {
                    return Err(unknown(v));
                }
                if !codes.iter().any(|c| c == v) {
                    codes.push(v.to_string());
                }
            }
            if codes.len() > 1 && codes.iter().any(|c| c == DONT_KNOW) {
                return Err(FieldError::new(
                    &q.id,
                    "“说不清”不能与其他选项同时选择。",
                    "“Don't know” cannot be combined with other answers.",
                ));
            }
            // Stored in definition order, so the same set always looks the same.
            codes.sort_by_key(|c| q.options.iter().position(|o| &o.code == c));
            Ok(Value::Array(codes.into_iter().map(Value::String).collect()))
        }
        _ => {
            let [v] = values else {
                return Err(FieldError::new(
                    &q.id,
                    "此题只能选一项。",
                    "Please choose only one answer.",
                ));
            };
            if q.option(v).is_none() {
                return Err(unknown(v));
            }
            Ok(Value::String(v.to_string()))
        }
    }
}

/// Turns a JSON `answers` object (from the API) into raw answers, rejecting ids the
/// survey does not have so a typo in a kiosk's code is not silently dropped.
pub fn from_json(
    survey: &Survey,
    answers: &Map<String, Value>,
) -> Result<RawAnswers, Vec<FieldError>> {
    let mut raw = RawAnswers::new();
    let mut errors = Vec::new();
    for (k, v) in answers {
        if survey.question(k).is_none() {
            errors.push(FieldError::new(
                k,
                format!("问卷中没有题目“{k}”。"),
                format!("The survey has no question `{k}`."),
            ));
            continue;
        }
        let vals = match v {
            Value::Null => vec![],
            Value::String(s) => vec![s.clone()],
            Value::Number(n) => vec![n.to_string()],
            Value::Bool(b) => vec![if *b { "yes" } else { "no" }.to_string()],
            Value::Array(a) => {
                let mut out = Vec::new();
                for x in a {
                    match x {
                        Value::String(s) => out.push(s.clone()),
                        Value::Number(n) => out.push(n.to_string()),
                        _ => {
                            errors.push(FieldError::new(
                                k,
                                "列表中只能是选项代码。",
                                "A list may only hold option codes.",
                            ));
                        }
                    }
                }
                out
            }
            Value::Object(_) => {
                errors.push(FieldError::new(k, "答案不能是对象。", "An answer cannot be an object; use a code, a list of codes, a number or a text."));
                continue;
            }
        };
        raw.insert(k.clone(), vals);
    }
    if errors.is_empty() {
        Ok(raw)
    } else {
        Err(errors)
    }
}

/// One answer as a CSV cell: option codes (several joined by `;`), numbers, text.
pub fn csv_cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str())
            .collect::<Vec<_>>()
            .join(";"),
        Some(other) => other.to_string(),
    }
}
