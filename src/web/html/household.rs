//! The household probability sample on the survey and district pages: its figures
//! first (the design the evaluation itself uses), how they were made, and how far the
//! convenience sample's figures are from them.

use maud::{html, Markup};

use super::rates::{fixed_rate_cell, headlines, target_note};
use crate::dashboard::{Figures, HouseholdFigures};
use crate::definition::{Lang, Survey};
use crate::labels::weighting_name;
use crate::stats::Difference;

/// The household sample's section, of the city (`district` None) or one district,
/// followed by the heading that names the convenience sample's figures below it.
pub fn section(
    l: Lang,
    s: &Survey,
    h: &HouseholdFigures,
    fig: &Figures,
    district: Option<&str>,
) -> Markup {
    let heads = headlines(s);
    let codes: Vec<&str> = match district {
        Some(d) => vec![d],
        None => s.districts.iter().map(|d| d.code.as_str()).collect(),
    };
    let name = |code: &str| {
        s.district(code)
            .map_or(code.to_string(), |d| d.name.get(l).to_string())
    };
    let gap = h.gap(fig.report.as_ref());
    let gap_of = |q: &str, g: &str| gap.iter().find(|d| d.indicator == q && d.a == g);
    let groups: Vec<(&str, String)> = codes
        .iter()
        .map(|c| (*c, name(c)))
        .chain(
            district
                .is_none()
                .then(|| ("ALL", l.pick("全市", "City").to_string())),
        )
        .collect();
    html! {
        section #household {
            h2 { (l.pick("入户概率样本（正式口径）", "The household probability sample (figures of record)")) }
            (method(l, h))
            div.scroll tabindex="0" role="region" aria-label=(l.pick("入户样本各项指标", "Household sample rates")) { table {
                tr {
                    th { (l.pick("区", "District")) } th { (l.pick("入户完成", "Interviews")) }
                    @for (d, q) in &heads { th { (d.label().get(l)) br; small { (q.label(l)) } } }
                }
                @for (code, label) in &groups {
                    tr {
                        th scope="row" { (label) }
                        td.n { @if *code == "ALL" { (h.interviews.values().sum::<usize>()) } @else { (h.interviews.get(*code).copied().unwrap_or(0)) } }
                        @for (_, q) in &heads { (fixed_rate_cell(l, h.find(&q.id, code))) }
                    }
                }
            } }
            (target_note(l))
            h3 { (l.pick("扫码样本与入户样本之差（扫码 − 入户，百分点）", "Convenience minus household sample (percentage points)")) }
            @if gap.is_empty() {
                p.meta { (l.pick("两种样本本轮还没有可比的数字。", "The two samples have no comparable figures in this wave yet.")) }
            } @else {
                div.scroll tabindex="0" role="region" aria-label=(l.pick("两种样本之差", "Difference between the samples")) { table {
                    tr {
                        th { (l.pick("区", "District")) }
                        @for (d, q) in &heads { th { (d.label().get(l)) br; small { (q.label(l)) } } }
                    }
                    @for (code, label) in &groups {
                        tr {
                            th scope="row" { (label) }
                            @for (_, q) in &heads { (gap_cell(l, gap_of(&q.id, code))) }
                        }
                    }
                } }
                p.meta { (l.pick(
                    "两种样本各自独立估计；括号内为差值的置信区间，区间不含0即差异显著。扫码样本是自愿填答的便利样本，显著偏高说明扫码数字可能高估了测评时的结果。",
                    "Each sample is estimated on its own; the brackets hold the difference's interval, significant when it excludes 0. The convenience sample is residents who chose to answer: a significant excess means its figures probably overstate what the evaluation will find.")) }
            }
        }
        h2 { (l.pick("扫码等自愿填答（便利样本，非概率抽样）", "Residents who chose to answer (convenience sample, not a probability sample)")) }
    }
}

/// How the household figures were made, in one or two lines.
fn method(l: Lang, h: &HouseholdFigures) -> Markup {
    let w = &h.weights;
    let [r, e, u, ne] = w.outcomes;
    html! {
        p.meta {
            (match l {
                Lang::Zh => format!("设计权重 = 1 ÷（社区入样概率 × 户入样概率）× 户内成年人数，在每个抽中社区内按无应答调整（资格未知户按 e = {:.2} 计）；按抽中社区聚类、各区分层", w.e),
                Lang::En => format!("Design weight = 1 ÷ (community's × household's chance of selection) × adults in the household, adjusted for nonresponse within each drawn community (households of unknown eligibility counted at e = {:.2}); clustered by drawn community within the district strata", w.e),
            })
            @if let Some(rep) = &h.report {
                " · " (l.pick("加权：", "weighting: ")) (weighting_name(rep.weighting, l))
                " · " (l.pick("置信区间：", "interval: ")) (format!("{:.0}%", rep.level * 100.0)) " " (rep.method.name())
            }
        }
        p.meta { (match l {
            Lang::Zh => format!("全市抽中户：完成且计入 {r}，符合条件未完成 {e}，资格未知 {u}，不符合条件 {ne}。"),
            Lang::En => format!("Drawn households, all districts: {r} interviewed and counted, {e} eligible without an interview, {u} of unknown eligibility, {ne} not eligible."),
        })
            @if w.approximate { " " (l.pick("部分社区按随机行走抽户，其入样概率为近似值。", "Some communities were walked (no address list): their households' chances are approximate.")) }
            @if !w.pooled.is_empty() { " " (l.pick("有抽中社区无人完成，这些区在全区内一并调整：", "A drawn community had no interview, so these districts were adjusted as a whole: ")) (w.pooled.join(", ")) }
            @if h.excluded.responses > 0 { " " (l.pick("有质量标记未计入：", "Left out for quality flags: ")) (h.excluded.responses) }
        }
        @if let Some(n) = &h.weighting_note { p.note { (n) } }
    }
}

/// "+6.1（+2.3～+9.9）", bold when the interval excludes zero.
fn gap_cell(l: Lang, d: Option<&Difference>) -> Markup {
    let Some(d) = d else {
        return html! { td.sup { "—" } };
    };
    let pp = |x: f64| format!("{:+.1}", x * 100.0);
    let significant = d.ci_low > 0.0 || d.ci_high < 0.0;
    html! {
        td.n {
            @if significant { strong { (pp(d.difference)) } } @else { (pp(d.difference)) }
            br; small { "(" (pp(d.ci_low)) (l.pick("至", " to ")) (pp(d.ci_high)) ")" }
            br; small { @if significant { (l.pick("差异显著", "significant")) } @else { (l.pick("差异不显著", "not significant")) } }
        }
    }
}
