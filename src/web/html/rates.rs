//! A rate as every office table shows it: the estimate with its interval, n, flag
//! and where it stands against the target, and the legend under such tables.

use maud::{html, Markup};

use crate::definition::{Dimension, Lang, Question, Survey};
use crate::labels::{pct, target_legend, target_state, target_state_meaning};
use crate::stats::target::Basis;
use crate::stats::{Estimate, Flag, TargetState};

/// The CSS class of a target state (colour and the same meaning in its words).
pub fn state_class(st: TargetState) -> &'static str {
    match st {
        TargetState::SignificantlyAbove | TargetState::AtOrAbove => "ok",
        TargetState::Below => "dir",
        TargetState::SignificantlyBelow => "below",
        TargetState::CannotTell => "",
    }
}

/// The rate cell: estimate, interval, target status (with the exact bound where that
/// decided), flag.
pub fn rate_cell(l: Lang, e: Option<&Estimate>) -> Markup {
    rate_cell_in(l, e, true)
}

/// A rate's cell that the live refresh leaves alone (its figures come from elsewhere:
/// the household sample's).
pub fn fixed_rate_cell(l: Lang, e: Option<&Estimate>) -> Markup {
    rate_cell_in(l, e, false)
}

/// A rate with its interval, n, flag and target state; `live`: keyed for the page's
/// refresh script.
fn rate_cell_in(l: Lang, e: Option<&Estimate>, live: bool) -> Markup {
    let Some(e) = e else {
        return html! { td.sup { "—" } };
    };
    if e.flag == Flag::Suppress {
        return html! { td.sup title=(l.pick("有效样本少于30，不发布", "effective sample under 30: not published")) {
        (l.pick("样本不足", "too few")) br; small { "n=" (e.n) } } };
    }
    let ci = crate::labels::pct_interval(e.ci_low, e.ci_high);
    let status = e.target_status.as_ref();
    let exact = status
        .filter(|t| t.basis == Basis::Exact)
        .map(|t| match (t.low, t.high) {
            (Some(lo), Some(hi)) => format!(
                "{}{}–{}",
                l.pick("精确界限 ", "exact bounds "),
                pct(lo),
                pct(hi)
            ),
            _ => String::new(),
        });
    let k = live.then(|| format!("{}@{}", e.indicator, e.group));
    html! {
        td class=(status.map_or("", |t| state_class(t.state))) {
            strong data-k=[k.as_ref()] { (pct(e.estimate)) }
            @if e.flag == Flag::Directional { " " span.dir title=(l.pick("有效样本不足100或变异系数大于0.3", "effective sample under 100 or CV above 0.3")) { (l.pick("（仅供参考）", "(directional)")) } }
            br; small data-c=[k.as_ref()] { (ci) " · n=" (e.n) }
            @if let Some(t) = status { br; small data-s=[k.as_ref()] title=(target_state_meaning(t.state, l)) { (target_state(t.state, l)) } }
            @if let Some(x) = exact { br; small.meta { (x) } }
        }
    }
}

/// The legend under a table of rates: what each target state means.
pub fn target_note(l: Lang) -> Markup {
    html! { p.meta { (l.pick("目标判断：", "Against the target: ")) (target_legend(l)) } }
}

/// Each rated dimension's headline question (`headline = true`, else its first rate
/// question): the dashboard's columns.
pub fn headlines(s: &Survey) -> Vec<(Dimension, &Question)> {
    crate::figures::headline_questions(s)
}
