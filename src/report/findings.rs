//! The one-page summary: at most five findings, each one sentence with its interval,
//! chosen by rule rather than by reading every indicator:
//!
//! 1. the headline satisfaction and its change since the last wave (with significance);
//! 2. where the wave has a household probability sample: how far the convenience
//!    sample's figures are from it (the largest significant gap, else the headline's);
//! 3. the indicators furthest below their target (city-wide);
//! 4. the districts significantly below target on most indicators;
//! 5. the largest significant changes since the last wave;
//! 6. what is too uncertain to say (intervals across the target, figures withheld).
//!
//! A rule that finds nothing adds no sentence; suppressed figures never appear, and
//! directional ones say so. The full per-indicator text stays in the body.

use super::model::{Change, Pack};
use crate::definition::{Dimension, Lang, Survey};
use crate::labels::{district_name, pct, target_state};
use crate::stats::is_rate;
use crate::stats::{Estimate, Flag, TargetState};

/// Which rule a finding comes from (tests and the layouts use it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Headline,
    SampleGap,
    BelowTarget,
    WeakDistricts,
    Changes,
    Uncertain,
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: Rule,
    pub text: String,
}

/// How many indicators or districts one sentence names at most.
const NAMED: usize = 3;

/// "54.5–59.4%": the basis line says which interval the brackets hold.
fn interval(e: &Estimate, l: Lang) -> String {
    match (e.ci_low, e.ci_high) {
        (Some(a), Some(b)) => format!("{:.1}–{}", a * 100.0, pct(b)),
        _ => l.pick("无区间", "no interval").into(),
    }
}

/// "72.0%（69.1–74.8%，仅供参考）"
fn figure(e: &Estimate, l: Lang) -> String {
    figure_and(e, l, "")
}

/// A figure with more said inside its brackets: "72.0%（69.1–74.8%，目标90.0%）".
fn figure_and(e: &Estimate, l: Lang, more: &str) -> String {
    let caution = if e.flag == Flag::Directional {
        l.pick("，仅供参考", ", directional")
    } else {
        ""
    };
    match l {
        Lang::Zh => format!(
            "{}（{}{}{}）",
            pct(e.estimate),
            interval(e, l),
            caution,
            more
        ),
        Lang::En => format!(
            "{} ({}{}{})",
            pct(e.estimate),
            interval(e, l),
            caution,
            more
        ),
    }
}

fn change_interval(c: &Change, l: Lang) -> String {
    let pts = |v: f64| format!("{:+.1}", v * 100.0);
    match (c.ci_low, c.ci_high) {
        (Some(a), Some(b)) => match l {
            Lang::Zh => format!("差值区间{}至{}个百分点", pts(a), pts(b)),
            Lang::En => format!("difference {} to {} points", pts(a), pts(b)),
        },
        _ => String::new(),
    }
}

fn published(e: &&Estimate) -> bool {
    e.flag != Flag::Suppress && e.estimate.is_finite()
}

/// The findings of a pack, in the order of the rules, at most five.
pub fn findings(s: &Survey, pack: &Pack, l: Lang) -> Vec<Finding> {
    let c = Context::new(s, pack, l);
    let rules: [fn(&Context<'_>) -> Option<Finding>; 6] = [
        headline,
        sample_gap,
        below_target,
        weak_districts,
        changes,
        uncertain,
    ];
    let mut out: Vec<Finding> = rules.iter().filter_map(|rule| rule(&c)).collect();
    out.truncate(5);
    out
}

/// What every rule reads: the pack, and its published city-wide rates.
struct Context<'a> {
    s: &'a Survey,
    pack: &'a Pack,
    l: Lang,
    city: Vec<&'a Estimate>,
}

impl<'a> Context<'a> {
    fn new(s: &'a Survey, pack: &'a Pack, l: Lang) -> Context<'a> {
        let city = pack
            .report
            .estimates
            .iter()
            .filter(|e| is_rate(e) && e.group == "ALL")
            .filter(published)
            .collect();
        Context { s, pack, l, city }
    }

    fn label(&self, id: &str) -> String {
        self.s
            .question(id)
            .map_or(id.to_string(), |q| q.label(self.l).into())
    }

    fn change_of(&self, id: &str) -> Option<&'a Change> {
        self.pack
            .changes
            .iter()
            .find(|c| c.indicator == id && c.group == "ALL")
    }

    fn significant(&self, c: &Change) -> bool {
        c.p_value < 1.0 - self.pack.report.level
    }

    /// The headline satisfaction rate, city-wide, when published.
    fn headline(&self) -> Option<&'a Estimate> {
        crate::figures::headline_questions(self.s)
            .into_iter()
            .find(|(d, _)| *d == Dimension::Satisfaction)
            .and_then(|(_, q)| self.city.iter().copied().find(|e| e.indicator == q.id))
    }
}

/// 1. The headline satisfaction, its change and where it stands.
fn headline(c: &Context<'_>) -> Option<Finding> {
    let l = c.l;
    let e = c.headline()?;
    let mut text = match l {
        Lang::Zh => format!("全市{}为{}", c.label(&e.indicator), figure(e, l)),
        Lang::En => format!("City-wide {} is {}", c.label(&e.indicator), figure(e, l)),
    };
    if let Some(ch) = c.change_of(&e.indicator) {
        let pts = (ch.difference * 100.0).abs();
        let ci = change_interval(ch, l);
        text.push_str(&match (l, c.significant(ch)) {
            (Lang::Zh, true) => format!(
                "，较上一轮{}{:.1}个百分点，差异显著（{}）",
                if ch.difference >= 0.0 {
                    "提高"
                } else {
                    "下降"
                },
                pts,
                ci
            ),
            (Lang::Zh, false) => {
                format!("，与上一轮相比变化{:.1}个百分点，差异不显著（{}）", pts, ci)
            }
            (Lang::En, true) => format!(
                ", {} {:.1} points since the last wave, a significant change ({})",
                if ch.difference >= 0.0 { "up" } else { "down" },
                pts,
                ci
            ),
            (Lang::En, false) => format!(
                ", {:.1} points from the last wave, not a significant change ({})",
                pts, ci
            ),
        });
    }
    if let Some(t) = e
        .target_status
        .filter(|t| t.state != TargetState::CannotTell)
    {
        text.push_str(&match l {
            Lang::Zh => format!("；目标{}，{}", pct(t.target), target_state(t.state, l)),
            Lang::En => format!("; target {}, {}", pct(t.target), target_state(t.state, l)),
        });
    }
    text.push_str(l.pick("。", "."));
    Some(Finding {
        rule: Rule::Headline,
        text,
    })
}

/// 2. The convenience sample against the household probability sample, city-wide (the
///    largest significant gap of a rate, else the headline satisfaction's gap).
fn sample_gap(c: &Context<'_>) -> Option<Finding> {
    let l = c.l;
    let h = c.pack.household.as_ref()?;
    let city: Vec<&crate::stats::Difference> = h
        .gap
        .iter()
        .filter(|d| d.a == "ALL" && !d.indicator.contains('.'))
        .filter(|d| d.kind == crate::stats::EstimateKind::Proportion)
        .collect();
    let significant = |d: &&&crate::stats::Difference| d.ci_low > 0.0 || d.ci_high < 0.0;
    let pick = city
        .iter()
        .filter(significant)
        .max_by(|a, b| a.difference.abs().total_cmp(&b.difference.abs()))
        .or_else(|| {
            let headline = c.headline()?;
            city.iter().find(|d| d.indicator == headline.indicator)
        })?;
    let household = h
        .report
        .estimates
        .iter()
        .find(|e| e.indicator == pick.indicator && e.group == "ALL" && is_rate(e))?;
    let pts = |v: f64| format!("{:+.1}", v * 100.0);
    let label = c.label(&pick.indicator);
    let text = match (l, significant(&pick), pick.difference > 0.0) {
        (Lang::Zh, true, up) => format!(
            "扫码样本的{label}比入户概率样本{}{:.1}个百分点（差值区间{}至{}），扫码数字可能{}；入户样本为{}。",
            if up { "高" } else { "低" },
            pick.difference.abs() * 100.0,
            pts(pick.ci_low),
            pts(pick.ci_high),
            if up { "偏高" } else { "偏低" },
            figure(household, l)
        ),
        (Lang::En, true, up) => format!(
            "The convenience sample's {label} is {:.1} points {} than the household probability sample's (difference {} to {}): the QR figures probably {} it; the household sample gives {}.",
            pick.difference.abs() * 100.0,
            if up { "higher" } else { "lower" },
            pts(pick.ci_low),
            pts(pick.ci_high),
            if up { "overstate" } else { "understate" },
            figure(household, l)
        ),
        (Lang::Zh, false, _) => format!(
            "入户概率样本的{label}为{}，与扫码样本相差{}个百分点（差值区间{}至{}），差异不显著。",
            figure(household, l),
            pts(pick.difference),
            pts(pick.ci_low),
            pts(pick.ci_high)
        ),
        (Lang::En, false, _) => format!(
            "The household probability sample gives {label} {}, {} points from the convenience sample (difference {} to {}), not a significant gap.",
            figure(household, l),
            pts(pick.difference),
            pts(pick.ci_low),
            pts(pick.ci_high)
        ),
    };
    Some(Finding {
        rule: Rule::SampleGap,
        text,
    })
}

/// 3. The indicators furthest below their target.
fn below_target(c: &Context<'_>) -> Option<Finding> {
    let l = c.l;
    let mut below: Vec<&&Estimate> = c
        .city
        .iter()
        .filter(|e| e.target_status.is_some_and(|t| t.state.is_below()))
        .collect();
    below.sort_by(|a, b| gap(a).total_cmp(&gap(b)));
    let first = below.first()?;
    let t = first.target_status.expect("filtered on a status");
    let others: Vec<String> = below
        .iter()
        .skip(1)
        .take(NAMED - 1)
        .map(|e| match l {
            Lang::Zh => format!("{}（{}）", c.label(&e.indicator), pct(e.estimate)),
            Lang::En => format!("{} ({})", c.label(&e.indicator), pct(e.estimate)),
        })
        .collect();
    let text = match l {
        Lang::Zh => format!(
            "全市{}项指标低于目标，差距最大的是{}{}",
            below.len(),
            c.label(&first.indicator),
            figure_and(
                first,
                l,
                &format!("，目标{}，{}", pct(t.target), target_state(t.state, l))
            ),
        ),
        Lang::En => format!(
            "{} indicators are below target city-wide, furthest {} at {}",
            below.len(),
            c.label(&first.indicator),
            figure_and(
                first,
                l,
                &format!(", target {}, {}", pct(t.target), target_state(t.state, l))
            ),
        ),
    };
    Some(then(text, &others, Rule::BelowTarget, l))
}

/// 4. Districts significantly below target on most of their judged indicators.
fn weak_districts(c: &Context<'_>) -> Option<Finding> {
    let l = c.l;
    let mut weak: Vec<(String, usize, usize, &Estimate)> = Vec::new();
    for d in &c.s.districts {
        let judged: Vec<&Estimate> = c
            .pack
            .report
            .estimates
            .iter()
            .filter(|e| is_rate(e) && e.domain == "district" && e.group == d.code)
            .filter(published)
            .filter(|e| {
                e.target_status
                    .is_some_and(|t| t.state != TargetState::CannotTell)
            })
            .collect();
        let sig: Vec<&Estimate> = judged
            .iter()
            .copied()
            .filter(|e| {
                e.target_status
                    .is_some_and(|t| t.state == TargetState::SignificantlyBelow)
            })
            .collect();
        if !judged.is_empty() && sig.len() * 2 > judged.len() {
            let worst = sig
                .iter()
                .copied()
                .min_by(|a, b| gap(a).total_cmp(&gap(b)))
                .expect("more than half");
            weak.push((d.code.clone(), sig.len(), judged.len(), worst));
        }
    }
    weak.sort_by(|a, b| {
        (b.1 as f64 / b.2 as f64)
            .total_cmp(&(a.1 as f64 / a.2 as f64))
            .then(gap(a.3).total_cmp(&gap(b.3)))
    });
    let (d, k, n, worst) = weak.first()?;
    let names: Vec<String> = weak.iter().map(|w| district_name(c.s, &w.0, l)).collect();
    Some(Finding {
        rule: Rule::WeakDistricts,
        text: match l {
            Lang::Zh => format!(
                "{}{}多数指标显著低于目标；{}在{}项有判断的指标中{}项显著低于目标，最低为{}{}。",
                names.join("、"),
                if names.len() > 1 { format!("共{}个区", names.len()) } else { String::new() },
                district_name(c.s, d, l),
                n,
                k,
                c.label(&worst.indicator),
                figure(worst, l)
            ),
            Lang::En => format!(
                "Significantly below target on most indicators: {}; {} on {} of {} judged indicators, lowest {} at {}.",
                names.join(", "),
                district_name(c.s, d, l),
                k,
                n,
                c.label(&worst.indicator),
                figure(worst, l)
            ),
        },
    })
}

/// 5. The largest significant changes (the headline's is already said).
fn changes(c: &Context<'_>) -> Option<Finding> {
    let l = c.l;
    let headline = c.headline();
    let mut moved: Vec<&Change> = c
        .pack
        .changes
        .iter()
        .filter(|ch| ch.group == "ALL" && c.significant(ch))
        .filter(|ch| headline.is_none_or(|h| h.indicator != ch.indicator))
        .collect();
    moved.sort_by(|a, b| b.difference.abs().total_cmp(&a.difference.abs()));
    let first = moved.first()?;
    let others: Vec<String> = moved
        .iter()
        .skip(1)
        .take(NAMED - 1)
        .map(|ch| match l {
            Lang::Zh => format!(
                "{}（{:+.1}）",
                c.label(&ch.indicator),
                ch.difference * 100.0
            ),
            Lang::En => format!("{} ({:+.1})", c.label(&ch.indicator), ch.difference * 100.0),
        })
        .collect();
    let text = match l {
        Lang::Zh => format!(
            "{}项指标较上一轮变化显著，最大的是{}{}{:.1}个百分点（{}→{}，{}）",
            moved.len(),
            c.label(&first.indicator),
            if first.difference >= 0.0 { "提高" } else { "下降" },
            (first.difference * 100.0).abs(),
            pct(first.previous),
            pct(first.current),
            change_interval(first, l)
        ),
        Lang::En => format!(
            "{} indicators changed significantly since the last wave, most {} ({} {:.1} points, {} → {}, {})",
            moved.len(),
            c.label(&first.indicator),
            if first.difference >= 0.0 { "up" } else { "down" },
            (first.difference * 100.0).abs(),
            pct(first.previous),
            pct(first.current),
            change_interval(first, l)
        ),
    };
    Some(then(text, &others, Rule::Changes, l))
}

/// 6. What is too uncertain to say.
fn uncertain(c: &Context<'_>) -> Option<Finding> {
    let l = c.l;
    let across: Vec<&&Estimate> = c
        .city
        .iter()
        .filter(|e| {
            e.target_status.is_some_and(|t| {
                matches!(t.state, TargetState::AtOrAbove | TargetState::Below)
                    || t.state == TargetState::CannotTell
            })
        })
        .collect();
    let districts: Vec<&Estimate> = c
        .pack
        .report
        .estimates
        .iter()
        .filter(|e| is_rate(e) && e.domain == "district")
        .collect();
    let withheld = districts
        .iter()
        .filter(|e| e.flag == Flag::Suppress)
        .count();
    let directional = districts
        .iter()
        .filter(|e| e.flag == Flag::Directional)
        .count();
    if across.is_empty() && withheld == 0 && directional == 0 {
        return None;
    }
    let mut parts = Vec::new();
    if !across.is_empty() {
        let names: Vec<String> = across
            .iter()
            .take(NAMED)
            .map(|e| format!("{}{}", c.label(&e.indicator), figure(e, l)))
            .collect();
        parts.push(match l {
            Lang::Zh => format!(
                "全市{}项指标的置信区间跨过目标，尚不能判断是否达标（{}{}）",
                across.len(),
                names.join("；"),
                if across.len() > NAMED { "等" } else { "" }
            ),
            Lang::En => format!(
                "{} city-wide indicators have intervals across their target, so whether they meet it cannot be said yet ({}{})",
                across.len(),
                names.join("; "),
                if across.len() > NAMED { "; …" } else { "" }
            ),
        });
    }
    if withheld + directional > 0 {
        parts.push(match l {
            Lang::Zh => format!(
                "各区{}个指标中{}个样本不足未发布、{}个仅供参考",
                districts.len(),
                withheld,
                directional
            ),
            Lang::En => format!(
                "of {} district figures, {} are withheld for too few respondents and {} are directional only",
                districts.len(),
                withheld,
                directional
            ),
        });
    }
    let mut text = parts.join(l.pick("；", "; "));
    text.push_str(l.pick("。", "."));
    if l == Lang::En {
        text = capitalise(&text);
    }
    Some(Finding {
        rule: Rule::Uncertain,
        text,
    })
}

/// Ends a finding's sentence naming what follows its first item ("，其次为A、B。").
fn then(mut text: String, others: &[String], rule: Rule, l: Lang) -> Finding {
    if !others.is_empty() {
        text.push_str(&match l {
            Lang::Zh => format!("，其次为{}", others.join("、")),
            Lang::En => format!(", then {}", others.join(", ")),
        });
    }
    text.push_str(l.pick("。", "."));
    Finding { rule, text }
}

/// How far an estimate is from its target (negative below), for ordering.
fn gap(e: &Estimate) -> f64 {
    e.target_status
        .map_or(f64::INFINITY, |t| e.estimate - t.target)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// How the figures were collected and weighted, for the line under the findings.
pub fn basis_line(pack: &Pack, collection: &str, l: Lang) -> String {
    let r = &pack.report;
    let excluded = if r.excluded.responses > 0 {
        match l {
            Lang::Zh => format!("；{}份有质量标记的问卷未计入", r.excluded.responses),
            Lang::En => format!("; {} flagged questionnaires left out", r.excluded.responses),
        }
    } else if pack.included_flagged > 0 {
        match l {
            Lang::Zh => format!("；按要求计入了{}份有质量标记的问卷", pack.included_flagged),
            Lang::En => format!(
                "; {} flagged questionnaires included on request",
                pack.included_flagged
            ),
        }
    } else {
        String::new()
    };
    match l {
        Lang::Zh => format!(
            "第{}轮，{}份有效问卷；{}；加权：{}；括号内为{:.0}%置信区间（{}法）{}。以上均为直接估计。",
            pack.wave,
            r.respondents,
            collection,
            crate::labels::weighting_name(r.weighting, l),
            r.level * 100.0,
            r.method.name(),
            excluded
        ),
        Lang::En => format!(
            "Wave {}, {} complete questionnaires; {}; weighting: {}; brackets hold {:.0}% intervals ({} method){}. All are direct estimates.",
            pack.wave,
            r.respondents,
            collection,
            crate::labels::weighting_name(r.weighting, l),
            r.level * 100.0,
            r.method.name(),
            excluded
        ),
    }
}
