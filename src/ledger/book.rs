//! The ledger over storage and the dashboard's figures: opening an item from a
//! place's figure, changing its state, reading items with their judgement, and the
//! monthly notice.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::error::LedgerError;
use super::state::State;
use super::verdict::{judge, Judgement, Measured};
use crate::accounts::User;
use crate::dashboard::{Cache, Figures, Filter, Loaded};
use crate::definition::{Lang, Survey};
use crate::stats::{self, Estimate};
use crate::storage::{EventRow, ItemRow, NewEvent, NewItem, Store};

/// The place level an item is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    District,
    Street,
    Community,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::District, Level::Street, Level::Community];

    pub fn code(self) -> &'static str {
        match self {
            Level::District => "district",
            Level::Street => "street",
            Level::Community => "community",
        }
    }

    pub fn parse(code: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The estimates' domain of this level.
    fn domain(self) -> &'static str {
        self.code()
    }
}

/// Longest texts kept (characters).
const MAX_SHORT: usize = 200;
const MAX_LONG: usize = 2000;

/// What an office user asks to open.
#[derive(Debug, Clone)]
pub struct Opening {
    pub district: String,
    pub level: Level,
    /// The street's or community's code; the district's own for a district item.
    pub place: String,
    pub indicator: String,
    /// The wave whose figure the item is opened from.
    pub wave: i32,
    pub problem: String,
    pub unit: String,
    pub measures: String,
    pub deadline: String,
}

/// A change someone asks for.
#[derive(Debug, Clone)]
pub struct Change {
    pub to: State,
    /// The number of events the page showed: a change on a stale page is refused.
    pub seen: i32,
    pub note: String,
    /// Why an item is signed off although the rule is not met.
    pub reason: Option<String>,
}

/// One recorded change.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub seq: i32,
    pub state: State,
    pub note: String,
    pub reason: Option<String>,
    pub by: String,
    pub at: NaiveDateTime,
}

/// The figure an item was opened from, as recorded then.
#[derive(Debug, Clone, Serialize)]
pub struct Baseline {
    pub wave: i32,
    pub estimate: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub n: Option<f64>,
    pub target: Option<f64>,
    /// `direct`, `model`, or `none` (opened without a figure).
    pub basis: String,
}

impl Baseline {
    /// How the baseline was made, in words.
    pub fn basis_name(&self, l: Lang) -> &'static str {
        match self.basis.as_str() {
            "model" => super::verdict::basis_name(true, l),
            "direct" => super::verdict::basis_name(false, l),
            _ => l.pick("无（手工立项）", "none (opened by hand)"),
        }
    }
}

/// An item with its history and its judgement by the latest wave.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub id: i64,
    pub district: String,
    pub level: Level,
    pub place: String,
    /// "新城区 · 和平路街道 · 和平路社区".
    pub place_name: String,
    pub indicator: String,
    pub indicator_label: String,
    pub problem: String,
    pub unit: String,
    pub measures: String,
    pub deadline: NaiveDate,
    pub baseline: Baseline,
    pub opened_by: String,
    pub opened_at: NaiveDateTime,
    pub state: State,
    pub events: Vec<Event>,
    /// The deadline passed and it is not signed off.
    pub overdue: bool,
    pub judgement: Judgement,
}

impl Item {
    /// The reason of the sign-off in force, when it went against the rule.
    pub fn against_rule(&self) -> Option<&str> {
        (self.state == State::SignedOff)
            .then(|| self.events.last().and_then(|e| e.reason.as_deref()))
            .flatten()
    }

    /// When it was last signed off, if it is.
    pub fn signed_off_at(&self) -> Option<NaiveDateTime> {
        (self.state == State::SignedOff).then(|| self.events.last().map(|e| e.at))?
    }

    /// Not signed off, and the latest wave still finds it significantly below target.
    pub fn still_below(&self) -> bool {
        self.state != State::SignedOff
            && self.judgement.verdict == super::verdict::Verdict::StillSignificantlyBelow
    }

    /// The newest note.
    pub fn progress(&self) -> &str {
        self.events
            .iter()
            .rev()
            .map(|e| e.note.as_str())
            .find(|n| !n.is_empty())
            .unwrap_or("")
    }
}

/// The figures of one wave (the office's weighting, no filter but the wave).
fn wave_figures(
    cache: &Cache,
    s: &Survey,
    loaded: &Loaded,
    wave: i32,
    l: Lang,
) -> Result<Arc<Figures>, LedgerError> {
    // The dashboard's default view is usually this wave: share its memo.
    let default = cache.figures(s, loaded, &Filter::default(), l)?;
    if default.wave == wave.to_string() {
        return Ok(default);
    }
    let filter = Filter {
        wave: Some(wave.to_string()),
        ..Filter::default()
    };
    Ok(cache.figures(s, loaded, &filter, l)?)
}

/// The estimate of an indicator in a place.
fn estimate_of<'a>(
    fig: &'a Figures,
    s: &Survey,
    level: Level,
    district: &str,
    place: &str,
    indicator: &str,
) -> Option<&'a Estimate> {
    let group = match level {
        Level::District => district.to_string(),
        _ => format!("{district}/{place}"),
    };
    fig.of_domain(s, level.domain())
        .find(|e| e.group == group && e.indicator == indicator && stats::is_rate(e))
}

/// The first day of each wave's responses.
fn wave_starts(loaded: &Loaded) -> HashMap<i32, NaiveDate> {
    let mut out: HashMap<i32, NaiveDate> = HashMap::new();
    for k in loaded.tally.daily.keys() {
        let e = out.entry(k.wave).or_insert(k.date);
        if k.date < *e {
            *e = k.date;
        }
    }
    out
}

/// The place's name from the district down.
pub fn place_name(s: &Survey, level: Level, district: &str, place: &str, l: Lang) -> String {
    let d_name = crate::labels::district_name(s, district, l);
    let Some(d) = s.district(district) else {
        return d_name;
    };
    match level {
        Level::District => d_name,
        Level::Street => d.street(place).map_or(place.to_string(), |st| {
            format!("{d_name} · {}", st.name.get(l))
        }),
        Level::Community => match d.community(place) {
            None => place.to_string(),
            Some(c) => {
                let street = c
                    .street_code
                    .as_deref()
                    .and_then(|st| d.street(st))
                    .map(|st| format!(" · {}", st.name.get(l)))
                    .unwrap_or_default();
                format!("{d_name}{street} · {}", c.name.get(l))
            }
        },
    }
}

fn text(field: &'static str, v: &str, max: usize, required: bool) -> Result<String, LedgerError> {
    let v = v.trim();
    if required && v.is_empty() {
        return Err(LedgerError::Empty(field));
    }
    if v.chars().count() > max {
        return Err(LedgerError::TooLong(field, max));
    }
    Ok(v.to_string())
}

/// Opens an item: the place and indicator checked, the baseline taken from the
/// stored rows of the wave asked for (never from the form), the first event written.
/// Returns the item's id.
/// `now` is stored (UTC); `today` is the office's date the deadline is checked by.
#[allow(clippy::too_many_arguments)]
pub fn open(
    store: &Store,
    cache: &Cache,
    s: &Survey,
    loaded: &Loaded,
    o: &Opening,
    by: &str,
    (now, today): (NaiveDateTime, NaiveDate),
    l: Lang,
) -> Result<i64, LedgerError> {
    let d = s
        .district(&o.district)
        .ok_or_else(|| LedgerError::NoSuchPlace(o.district.clone()))?;
    let place = match o.level {
        Level::District => d.code.clone(),
        Level::Street => d
            .street(&o.place)
            .map(|st| st.code.clone())
            .ok_or_else(|| LedgerError::NoSuchPlace(format!("{}/{}", d.code, o.place)))?,
        Level::Community => d
            .community(&o.place)
            .map(|c| c.code.clone())
            .ok_or_else(|| LedgerError::NoSuchPlace(format!("{}/{}", d.code, o.place)))?,
    };
    let q = s
        .question(&o.indicator)
        .filter(|q| q.is_indicator())
        .ok_or_else(|| LedgerError::NotAnIndicator(o.indicator.clone()))?;
    let deadline = NaiveDate::parse_from_str(o.deadline.trim(), "%Y-%m-%d")
        .map_err(|_| LedgerError::BadDeadline(o.deadline.clone()))?;
    if deadline < today {
        return Err(LedgerError::DeadlinePassed(deadline));
    }
    let unit = text("unit", &o.unit, MAX_SHORT, true)?;
    let measures = text("measures", &o.measures, MAX_LONG, false)?;
    let mut problem = text("problem", &o.problem, MAX_LONG, false)?;
    let fig = wave_figures(cache, s, loaded, o.wave, l)?;
    let e = estimate_of(&fig, s, o.level, &d.code, &place, &q.id);
    let m = e.map(|e| Measured::of(e, o.wave, None));
    if problem.is_empty() {
        problem = default_problem(s, o.level, &d.code, &place, q.label(l), m.as_ref(), l);
    }
    let item = NewItem {
        survey_id: s.id.clone(),
        district: d.code.clone(),
        level: o.level.code().to_string(),
        place,
        indicator: q.id.clone(),
        problem,
        unit,
        measures,
        deadline: deadline.format("%Y-%m-%d").to_string(),
        baseline_wave: o.wave,
        baseline_estimate: m.as_ref().map(|m| m.estimate),
        baseline_low: m.as_ref().and_then(|m| m.ci_low),
        baseline_high: m.as_ref().and_then(|m| m.ci_high),
        baseline_n: m.as_ref().map(|m| m.n),
        baseline_target: m.as_ref().and_then(|m| m.target),
        baseline_basis: match &m {
            Some(m) if m.model => "model",
            Some(_) => "direct",
            None => "none",
        }
        .to_string(),
        opened_by: by.to_string(),
        opened_at: now,
    };
    let id = store.add_ledger_item(&item, State::Open.code(), "")?;
    store.audit(
        by,
        "ledger_open",
        &format!(
            "{} item {id}: {} {} {}, deadline {}",
            s.id, item.district, item.place, item.indicator, item.deadline
        ),
    )?;
    Ok(id)
}

/// The figure an item would be opened from (the new-item form shows it).
#[allow(clippy::too_many_arguments)]
pub fn preview(
    cache: &Cache,
    s: &Survey,
    loaded: &Loaded,
    level: Level,
    district: &str,
    place: &str,
    indicator: &str,
    wave: i32,
    l: Lang,
) -> Result<Option<Measured>, LedgerError> {
    let fig = wave_figures(cache, s, loaded, wave, l)?;
    Ok(
        estimate_of(&fig, s, level, district, place, indicator)
            .map(|e| Measured::of(e, wave, None)),
    )
}

/// "和平路社区 知晓率 72.0%，显著低于目标 90.0%（第1轮）".
fn default_problem(
    s: &Survey,
    level: Level,
    district: &str,
    place: &str,
    label: &str,
    m: Option<&Measured>,
    l: Lang,
) -> String {
    let name = place_name(s, level, district, place, l);
    match m {
        Some(m) => {
            let state = m.state.map_or(l.pick("无法判断", "cannot tell"), |st| {
                crate::labels::target_state(st, l)
            });
            let target = m
                .target
                .map(|t| format!(" {}", crate::labels::pct(t)))
                .unwrap_or_default();
            match l {
                Lang::Zh => format!(
                    "{name}：{label} {}，{state}{target}（第{}轮{}）",
                    crate::labels::pct(m.estimate),
                    m.wave,
                    if m.model { "，模型估计" } else { "" }
                ),
                Lang::En => format!(
                    "{name}: {label} {}, {state}{target} (wave {}{})",
                    crate::labels::pct(m.estimate),
                    m.wave,
                    if m.model { ", model estimate" } else { "" }
                ),
            }
        }
        None => format!("{name}: {label}"),
    }
}

/// The district of an item (for the one access question before a change), or
/// `None` when the survey has no such item.
pub fn item_district(store: &Store, s: &Survey, id: i64) -> Result<Option<String>, LedgerError> {
    Ok(store.ledger_item_district(&s.id, id)?)
}

/// The survey's items (one district's with `district`), each judged by the latest
/// wave, oldest first.
pub fn items(
    store: &Store,
    cache: &Cache,
    s: &Survey,
    loaded: &Loaded,
    district: Option<&str>,
    today: NaiveDate,
    l: Lang,
) -> Result<Vec<Item>, LedgerError> {
    let rows: Vec<ItemRow> = store
        .ledger_items(&s.id)?
        .into_iter()
        .filter(|i| district.is_none_or(|d| i.district == d))
        .collect();
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut events: BTreeMap<i64, Vec<EventRow>> = BTreeMap::new();
    for e in store.ledger_events(&s.id)? {
        events.entry(e.item_id).or_default().push(e);
    }
    let latest_wave = loaded
        .tally
        .waves()
        .iter()
        .filter_map(|w| w.parse::<i32>().ok())
        .max();
    let starts = wave_starts(loaded);
    let mut figs: HashMap<i32, Arc<Figures>> = HashMap::new();
    let mut fig_of = |w: i32| -> Result<Arc<Figures>, LedgerError> {
        if let Some(f) = figs.get(&w) {
            return Ok(f.clone());
        }
        let f = wave_figures(cache, s, loaded, w, l)?;
        figs.insert(w, f.clone());
        Ok(f)
    };
    let level = stats::Options::default().level;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let Some(lv) = Level::parse(&r.level) else {
            continue;
        };
        let evs: Vec<Event> = events
            .remove(&r.id)
            .unwrap_or_default()
            .into_iter()
            .map(|e| Event {
                seq: e.seq,
                state: State::parse(&e.state).unwrap_or(State::Open),
                note: e.note,
                reason: e.reason,
                by: e.changed_by,
                at: e.changed_at,
            })
            .collect();
        let state = evs.last().map_or(State::Open, |e| e.state);
        let deadline = NaiveDate::parse_from_str(&r.deadline, "%Y-%m-%d").unwrap_or(NaiveDate::MAX);
        let measure = |w: i32, fig: &Figures| {
            estimate_of(fig, s, lv, &r.district, &r.place, &r.indicator)
                .map(|e| Measured::of(e, w, starts.get(&w).copied()))
        };
        let base_fig = fig_of(r.baseline_wave)?;
        let baseline = measure(r.baseline_wave, &base_fig);
        let later = latest_wave.filter(|w| *w > r.baseline_wave);
        let latest = match later {
            Some(w) => measure(w, &*fig_of(w)?),
            None => None,
        };
        let judgement = judge(
            baseline,
            latest,
            later.is_some(),
            &s.rectification,
            deadline,
            level,
        );
        out.push(Item {
            id: r.id,
            place_name: place_name(s, lv, &r.district, &r.place, l),
            indicator_label: s
                .question(&r.indicator)
                .map_or(r.indicator.clone(), |q| q.label(l).to_string()),
            district: r.district,
            level: lv,
            place: r.place,
            indicator: r.indicator,
            problem: r.problem,
            unit: r.unit,
            measures: r.measures,
            deadline,
            baseline: Baseline {
                wave: r.baseline_wave,
                estimate: r.baseline_estimate,
                ci_low: r.baseline_low,
                ci_high: r.baseline_high,
                n: r.baseline_n,
                target: r.baseline_target,
                basis: r.baseline_basis,
            },
            opened_by: r.opened_by,
            opened_at: r.opened_at,
            overdue: state != State::SignedOff && deadline < today,
            state,
            events: evs,
            judgement,
        });
    }
    Ok(out)
}

/// Records a change of an item. The caller has asked whether the user works on the
/// item's district; here: the state machine, who may sign off, the rule or a written
/// reason, and a stale page. Sign-offs and reopenings go into the audit log.
#[allow(clippy::too_many_arguments)]
pub fn change(
    store: &Store,
    cache: &Cache,
    s: &Survey,
    loaded: &Loaded,
    id: i64,
    c: &Change,
    user: &User,
    (now, today): (NaiveDateTime, NaiveDate),
) -> Result<State, LedgerError> {
    let district =
        item_district(store, s, id)?.ok_or_else(|| LedgerError::NoSuchItem(id, s.id.clone()))?;
    let item = items(store, cache, s, loaded, Some(&district), today, Lang::Zh)?
        .into_iter()
        .find(|i| i.id == id)
        .ok_or_else(|| LedgerError::NoSuchItem(id, s.id.clone()))?;
    let last = item.events.last().map_or(0, |e| e.seq);
    if c.seen != last {
        return Err(LedgerError::Storage(crate::storage::StorageError::Changed(
            id,
        )));
    }
    if !item.state.can_go(c.to) {
        return Err(LedgerError::Skip {
            from: item.state,
            to: c.to,
        });
    }
    if c.to.needs_office() && c.to != item.state && !user.signs_off_items() {
        return Err(LedgerError::OfficeOnly(c.to));
    }
    let note = text("note", &c.note, MAX_LONG, c.to == item.state)?;
    let reason = match c.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        _ if c.to != State::SignedOff => None,
        _ if item.judgement.rule_met => None,
        None => return Err(LedgerError::ReasonNeeded),
        Some(r) if r.chars().count() < 10 => return Err(LedgerError::ReasonNeeded),
        Some(r) => Some(text("reason", r, MAX_LONG, true)?),
    };
    if c.to == State::Reopened && note.is_empty() {
        return Err(LedgerError::Empty("note"));
    }
    store.add_ledger_event(&NewEvent {
        item_id: id,
        seq: last + 1,
        state: c.to.code().to_string(),
        note,
        reason: reason.clone(),
        changed_by: user.username.clone(),
        changed_at: now,
    })?;
    if c.to.needs_office() {
        let detail = match (&reason, c.to) {
            (Some(r), _) => format!("{} item {id}: signed off against the rule: {r}", s.id),
            (None, State::SignedOff) => format!("{} item {id}: signed off by the rule", s.id),
            _ => format!("{} item {id}: reopened", s.id),
        };
        store.audit(&user.username, &format!("ledger_{}", c.to.code()), &detail)?;
    }
    Ok(c.to)
}

/// The ledger's totals, as its page and the briefing state them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Totals {
    pub items: usize,
    pub signed_off: usize,
    /// Of those signed off, against the rule (with a reason).
    pub against_rule: usize,
    /// Not signed off, deadline passed.
    pub overdue: usize,
    /// Not signed off, still significantly below in the latest wave.
    pub still_below: usize,
}

impl Totals {
    pub fn of(items: &[Item]) -> Totals {
        let count = |f: &dyn Fn(&Item) -> bool| items.iter().filter(|i| f(i)).count();
        Totals {
            items: items.len(),
            signed_off: count(&|i| i.state == State::SignedOff),
            against_rule: count(&|i| i.against_rule().is_some()),
            overdue: count(&|i| i.overdue),
            still_below: count(&|i| i.still_below()),
        }
    }
}

/// One line of the monthly notice (通报): a district's unit and its items.
#[derive(Debug, Clone, Serialize)]
pub struct NoticeRow {
    pub district: String,
    pub unit: String,
    /// Items opened in the month.
    pub opened: usize,
    /// Items signed off in the month.
    pub signed_off: usize,
    /// Items not signed off whose deadline has passed.
    pub overdue: usize,
    /// Items not signed off, still significantly below the target in the latest wave.
    pub still_below: usize,
    /// Items not signed off.
    pub open: usize,
}

/// The notice of a month (year, month) by district and unit, from the items.
pub fn notice(items: &[Item], (year, month): (i32, u32)) -> Vec<NoticeRow> {
    let in_month = |t: NaiveDateTime| t.year() == year && t.month() == month;
    let mut rows: BTreeMap<(String, String), NoticeRow> = BTreeMap::new();
    for i in items {
        let r = rows
            .entry((i.district.clone(), i.unit.clone()))
            .or_insert_with(|| NoticeRow {
                district: i.district.clone(),
                unit: i.unit.clone(),
                opened: 0,
                signed_off: 0,
                overdue: 0,
                still_below: 0,
                open: 0,
            });
        r.opened += in_month(i.opened_at) as usize;
        r.signed_off += i.signed_off_at().is_some_and(in_month) as usize;
        if i.state != State::SignedOff {
            r.open += 1;
            r.overdue += i.overdue as usize;
            r.still_below += i.still_below() as usize;
        }
    }
    rows.into_values().collect()
}
