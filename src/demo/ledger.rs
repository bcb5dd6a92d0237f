//! The demo's rectification ledger: items opened from the first wave's weak spots a
//! month ago, worked on, re-measured by the second wave and signed off where the
//! definition's rule is met; one left overdue, a few still within their deadline.

use chrono::{Duration, Local, NaiveDateTime, TimeZone, Utc};

use super::error::DemoError;
use crate::accounts::User;
use crate::dashboard::{places, Cache, Filter};
use crate::definition::{Lang, Survey};
use crate::ledger::{self, Change, Level, Opening, State};
use crate::storage::Store;

/// What the demo's ledger holds: (opened, signed off, overdue).
#[derive(Debug, Default, Clone, Copy)]
pub struct Items {
    pub opened: usize,
    pub signed_off: usize,
    pub overdue: usize,
}

/// Most items the demo opens.
const MOST: usize = 8;

const UNITS: [&str; 3] = ["办事处", "社区居委会", "文明办"];

const MEASURES: [&str; 3] = [
    "入户宣传创建知识，更新社区宣传栏，组织志愿服务活动。",
    "召开居民议事会，逐项整改反映集中的问题，公开整改进展。",
    "开展专题培训，增设服务窗口引导员，每周回访居民。",
];

pub fn ledger(store: &Store, survey: &Survey, waves: &[i32]) -> Result<Items, DemoError> {
    let mut made = Items::default();
    let (Some(&first), true) = (waves.first(), waves.len() > 1) else {
        return Ok(made);
    };
    let admin = store
        .user_by_name("demo-admin")?
        .as_ref()
        .and_then(User::from_row)
        .ok_or_else(|| crate::storage::StorageError::NoSuchUser("demo-admin".into()))?;
    let cache = Cache::default();
    let loaded = cache.load(store, survey)?;
    let filter = Filter {
        wave: Some(first.to_string()),
        ..Filter::default()
    };
    let fig = cache.figures(survey, &loaded, &filter, Lang::Zh)?;
    let weak = places::weak_spots(survey, &fig, None, Lang::Zh);
    // One item per community at most: the furthest significantly below first, then
    // some below but not significantly (the second priority of the weak-spots list).
    let mut spots: Vec<&places::WeakSpot> = Vec::new();
    for (list, most) in [(&weak.significant, MOST - 3), (&weak.below, MOST)] {
        for w in list {
            if spots.len() < most && !spots.iter().any(|s| s.community == w.community) {
                spots.push(w);
            }
        }
    }
    let now = Utc::now().naive_utc();
    let day = |t: NaiveDateTime| Local.from_utc_datetime(&t).date_naive();
    // The first wave ran a month ago; the items were opened after it.
    let opened = now - Duration::days(28);
    for (k, w) in spots.iter().enumerate() {
        // The last two still have time; the rest were due before the second wave.
        let later = k + 2 >= spots.len();
        let deadline = if later {
            day(now) + Duration::days(20)
        } else {
            day(now) - Duration::days(10)
        };
        let o = Opening {
            district: w.district.clone(),
            level: Level::Community,
            place: w.community.clone(),
            indicator: w.indicator.clone(),
            wave: first,
            problem: String::new(),
            unit: match survey.rectification.units.as_slice() {
                [] => format!(
                    "{}{}",
                    w.street.clone().unwrap_or_default(),
                    UNITS[k % UNITS.len()]
                ),
                units => units[k % units.len()].clone(),
            },
            measures: MEASURES[k % MEASURES.len()].to_string(),
            deadline: deadline.format("%Y-%m-%d").to_string(),
        };
        let id = ledger::open(
            store,
            &cache,
            survey,
            &loaded,
            &o,
            &admin.username,
            (opened, day(opened)),
            Lang::Zh,
        )?;
        made.opened += 1;
        let mut seq = 1;
        let mut step = |to: State, note: &str, at: NaiveDateTime| -> Result<(), DemoError> {
            let c = Change {
                to,
                seen: seq,
                note: note.to_string(),
                reason: None,
            };
            ledger::change(
                store,
                &cache,
                survey,
                &loaded,
                id,
                &c,
                &admin,
                (at, day(at)),
            )?;
            seq += 1;
            Ok(())
        };
        step(
            State::InProgress,
            "已召开专题会，明确整改责任人。",
            opened + Duration::days(3),
        )?;
        // The first stays overdue: work reported, never finished.
        if later || k == 0 {
            continue;
        }
        step(
            State::Awaiting,
            "整改措施已落实，等待第二轮复测。",
            now - Duration::days(11),
        )?;
        let item = ledger::items(
            store,
            &cache,
            survey,
            &loaded,
            Some(&w.district),
            day(now),
            Lang::Zh,
        )?
        .into_iter()
        .find(|i| i.id == id);
        match item {
            Some(i) if i.judgement.rule_met => {
                step(
                    State::SignedOff,
                    "第二轮复测不再显著低于目标，按规则销号。",
                    now - Duration::hours(2),
                )?;
                made.signed_off += 1;
            }
            // One sign-off against the rule, to show how it stays on the record.
            Some(_) if k == 1 => {
                let c = Change {
                    to: State::SignedOff,
                    seen: seq,
                    note: "区里申请销号。".into(),
                    reason: Some(
                        "整改措施已全部落实并经区文明办现场核验；下一轮复测继续跟踪该社区。".into(),
                    ),
                };
                ledger::change(
                    store,
                    &cache,
                    survey,
                    &loaded,
                    id,
                    &c,
                    &admin,
                    (now, day(now)),
                )?;
                made.signed_off += 1;
            }
            _ => {}
        }
    }
    made.overdue = ledger::items(store, &cache, survey, &loaded, None, day(now), Lang::Zh)?
        .iter()
        .filter(|i| i.overdue)
        .count();
    Ok(made)
}
