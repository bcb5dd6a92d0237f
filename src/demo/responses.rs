//! The demo's responses, one synthetic row at a time: answers, where and when, mode
//! (a few interviews, one interviewer coaching), open answers, the quality flags they
//! earn; and what fieldwork leaves besides (interview attempts, questionnaire views,
//! a crowd's template).

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

use crate::definition::{PointRef, Survey};
use crate::stats::{Column, Dataset, MISSING};
use crate::storage::{Counted, NewAttempt, NewResponse, ViewKey, STATUS_COMPLETE};
use crate::synth::Rng;

/// What turns a synthetic row into a stored response.
pub(super) struct Rows<'a> {
    survey: &'a Survey,
    data: &'a Dataset,
    salt: &'a str,
    seed: u64,
    current: i32,
    waves: usize,
    now: DateTime<Utc>,
    open_q: Option<String>,
    district_q: Option<String>,
    community_q: Option<String>,
    communities: Vec<&'a str>,
    grids: Vec<&'a str>,
    points: Vec<PointRef<'a>>,
}

/// What the rows left besides themselves.
#[derive(Default)]
pub(super) struct Made {
    pub flagged: usize,
    pub attempts: Vec<NewAttempt>,
    /// Self-completed responses of the current wave per place, channel and day.
    pub sent: BTreeMap<ViewKey, i64>,
    /// A response at a community's poster, for the crowd to copy.
    pub rally: Option<NewResponse>,
}

impl Made {
    /// The questionnaire was opened more often than it was sent: views per collection
    /// place, channel and day for the self-completed responses of the current wave.
    pub fn views(&mut self, rng: &mut Rng) -> Vec<(ViewKey, Counted)> {
        let sent = std::mem::take(&mut self.sent);
        sent.into_iter()
            .map(|(k, n)| {
                let v = (n as f64 * (1.4 + 0.5 * rng.uniform())).ceil() as i64;
                // Most who begin finish; a few stop half way.
                let started = (n as f64 * (1.05 + 0.1 * rng.uniform())).ceil() as i64;
                (k, (v, started.min(v), 0))
            })
            .collect()
    }
}

impl<'a> Rows<'a> {
    pub fn new(
        survey: &'a Survey,
        data: &'a Dataset,
        salt: &'a str,
        seed: u64,
        waves: usize,
    ) -> Rows<'a> {
        Rows {
            survey,
            data,
            salt,
            seed,
            current: survey.wave as i32,
            waves,
            now: Utc::now(),
            open_q: survey
                .questions
                .iter()
                .find(|q| q.kind == crate::definition::Kind::Text)
                .map(|q| q.id.clone()),
            district_q: survey.district_question().map(|q| q.id.clone()),
            community_q: survey.community_question().map(|q| q.id.clone()),
            communities: survey.communities().map(|(_, c)| c.code.as_str()).collect(),
            grids: survey.grids().map(|(_, _, g)| g.code.as_str()).collect(),
            points: survey.points(),
        }
    }

    /// Row `i` as a stored response, noting what it leaves in `made`.
    pub fn response(&self, i: usize, rng: &mut Rng, made: &mut Made) -> NewResponse {
        let di = self.data.district[i] as usize;
        let d = &self.survey.districts[di];
        let mut answers = Map::new();
        for (qid, col) in &self.data.columns {
            let Some(q) = self.survey.question(qid) else {
                continue;
            };
            match col {
                Column::Choice(v) if v[i] != MISSING => {
                    answers.insert(
                        qid.clone(),
                        Value::String(q.options[v[i] as usize].code.clone()),
                    );
                }
                Column::Multi(v) if v[i] != 0 => {
                    let codes = q
                        .options
                        .iter()
                        .enumerate()
                        .filter(|(k, _)| v[i] >> k & 1 == 1)
                        .map(|(_, o)| Value::String(o.code.clone()))
                        .collect();
                    answers.insert(qid.clone(), Value::Array(codes));
                }
                _ => {}
            }
        }
        if let Some(q) = &self.district_q {
            answers.insert(q.clone(), Value::String(d.code.clone()));
        }
        let residence = self
            .communities
            .get(self.data.community[i] as usize)
            .map(|c| c.to_string());
        if let (Some(q), Some(c)) = (&self.community_q, &residence) {
            answers.insert(q.clone(), Value::String(c.clone()));
        }
        let point = self.points.get(self.data.point[i] as usize);
        let (collection_district, mut collection_community) = match point {
            Some(PointRef::District(pd)) => (pd.code.clone(), None),
            Some(p) => (p.district().code.clone(), Some(p.code().to_string())),
            None => (d.code.clone(), None),
        };
        // synth labels waves 1, 2, …; the last one is the definition's.
        let label: i32 = self.data.extra["wave"][i].parse().unwrap_or(1);
        let wave = self.current - (self.waves as i32 - label);
        // The earlier wave a month ago; the current one over the last five days.
        let back = if wave < self.current {
            Duration::days(30) + Duration::minutes((rng.uniform() * 5.0 * 1440.0) as i64)
        } else {
            Duration::minutes((rng.uniform() * 5.0 * 1440.0) as i64)
        };
        let submitted = self.now - back;
        let fast = rng.uniform() < 0.02;
        let seconds = if fast {
            20.0
        } else {
            150.0 + rng.uniform() * 400.0
        };
        let mut channel = self.data.extra["channel"][i].clone();
        let mut interviewer = None;
        if rng.uniform() < 0.06 {
            channel = if rng.uniform() < 0.5 {
                "phone"
            } else {
                "household"
            }
            .into();
            // Two interviewers; the second coaches (指导居民填写): their residents'
            // satisfaction answers lean to the top, which the interviewer check shows.
            let coach = rng.uniform() < 0.5;
            interviewer = Some(if coach { COACH } else { "demo-interviewer" }.to_string());
            if coach {
                for q in self.survey.questions.iter().filter(|q| {
                    q.dimension == crate::definition::Dimension::Satisfaction && q.kind.is_scale()
                }) {
                    if answers.contains_key(&q.id) && rng.uniform() < 0.6 {
                        let top = q.scale_len().to_string();
                        answers.insert(q.id.clone(), Value::String(top));
                    }
                }
            }
            // An interview is collected for the resident's district, at no poster.
            collection_community = None;
        }
        // One resident in five writes a suggestion, masked as the intake masks it.
        if let (Some(q), true) = (&self.open_q, rng.uniform() < 0.2) {
            let k = (rng.uniform() * SUGGESTIONS.len() as f64) as usize;
            let text = SUGGESTIONS[k.min(SUGGESTIONS.len() - 1)];
            answers.insert(q.clone(), Value::String(self.survey.masker().mask(text).0));
        }
        let mut flags = Vec::new();
        if fast {
            flags.push(crate::quality::TOO_FAST);
        }
        if crate::quality::straight_lining(self.survey, &answers) {
            flags.push(crate::quality::STRAIGHT_LINING);
        }
        if !flags.is_empty() {
            made.flagged += 1;
        }
        let new = NewResponse {
            survey_id: self.survey.id.clone(),
            definition_version: self.survey.version.clone(),
            wave,
            collection_district,
            collection_community,
            district: d.code.clone(),
            channel,
            status: STATUS_COMPLETE.into(),
            started_at: Some(
                (submitted - Duration::milliseconds((seconds * 1000.0) as i64)).naive_utc(),
            ),
            submitted_at: submitted.naive_utc(),
            pattern_hash: crate::quality::pattern_hash(self.survey, &answers),
            answers: Value::Object(answers).to_string(),
            source_hash: crate::collect::keyed_hash(self.salt, &format!("demo-{}", i % 997)),
            device_hash: None,
            submission_key: format!("{}:demo-{}-{i}", self.survey.id, self.seed),
            quality_flags: flags.join(","),
            interviewer,
            intake: None,
            residence_community: residence,
            residence_grid: self
                .grids
                .get(self.data.grid[i] as usize)
                .map(|g| g.to_string()),
            ..Default::default()
        };
        // Every interview of the current wave took several attempts: the outcomes of
        // those that ended without one, for the response rates.
        if let (Some(who), true) = (&new.interviewer, wave == self.current) {
            for (disposition, mean) in [
                ("refusal", 0.8),
                ("non_contact", 1.2),
                ("partial", 0.1),
                ("not_eligible", 0.2),
                ("unknown", 0.3),
                ("other", 0.05),
            ] {
                // A whole number with the given mean.
                let k = (mean + rng.uniform()).floor() as usize;
                for _ in 0..k {
                    made.attempts.push(NewAttempt {
                        survey_id: self.survey.id.clone(),
                        wave,
                        district: d.code.clone(),
                        interviewer: who.clone(),
                        mode: new.channel.clone(),
                        disposition: disposition.into(),
                        attempted_at: new.submitted_at,
                    });
                }
            }
        }
        if wave == self.current && (new.channel == "qr" || new.channel == "link") {
            let day = chrono::Local
                .from_utc_datetime(&new.submitted_at)
                .format("%Y-%m-%d")
                .to_string();
            *made
                .sent
                .entry((
                    self.survey.id.clone(),
                    new.collection_district.clone(),
                    new.collection_community.clone().unwrap_or_default(),
                    new.channel.clone(),
                    day,
                ))
                .or_insert(0) += 1;
        }
        if made.rally.is_none()
            && wave == self.current
            && new.channel == "qr"
            && new.collection_community.is_some()
            && new.interviewer.is_none()
        {
            made.rally = Some(new.clone());
        }
        new
    }
}

/// What residents write in the demo's open question: the task areas in their own
/// words, one with a phone number (stored masked, as the intake stores it).
const SUGGESTIONS: [&str; 16] = [
    "小区门口垃圾桶经常满了没人清理，有异味",
    "晚上路灯太暗，希望多些巡逻，电动车被偷过两次",
    "学校门口早晚高峰堵车严重，建议设置临时停车区",
    "菜市场周边占道经营，门店油烟很大",
    "办事大厅排队时间太长，窗口服务态度有待改进",
    "希望公园多种树，增加绿化，河道有污染",
    "网吧附近经常有学生逗留，请加强管理",
    "公交车班次太少，等车时间长",
    "广场舞音乐太吵，噪音影响休息",
    "楼道里有人乱扔垃圾，保洁不及时",
    "希望多组织志愿服务活动，让居民参与进来",
    "有问题可以联系我，电话13812345678，希望有人回复",
    "红绿灯时间太短，老人过斑马线来不及",
    "小吃摊卫生状况差，希望加强检查",
    "社区图书馆开放时间太短，文化活动少",
    "总体还不错，继续保持",
];

/// The demo's coaching interviewer (an account too: the household sample is shared
/// between the two).
pub const COACH: &str = "demo-interviewer-2";
