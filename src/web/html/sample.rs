//! The household sample for the office: the draw and its design, where each district,
//! community and interviewer stands, the map of drawn communities, assigning
//! households and printing sheets; and the call-backs page.

use maud::{html, Markup, PreEscaped};

use super::office::layout;
use super::Who;
use crate::definition::{Lang, Survey};
use crate::households::{CallbackCheck, Progress, SampleStatus, CALLBACK_OUTCOMES};
use crate::labels::{district_name, pct};

/// What the sample page shows besides the status.
pub struct SamplePage<'a> {
    pub survey: &'a Survey,
    pub status: Option<&'a SampleStatus>,
    /// Households visited in the whole sample (none: it can still be redrawn).
    pub visited: usize,
    /// The district filter (a district officer's own).
    pub district: Option<&'a str>,
    /// Interviewers an admin can assign to.
    pub interviewers: &'a [String],
    pub map: Option<String>,
    /// A line after an action ("drew …", or why not).
    pub message: Option<String>,
}

fn rr(p: &Progress, e: Option<f64>, k: usize) -> String {
    p.rates(e)
        .map(|r| r.rr[k])
        .filter(|v| v.is_finite())
        .map_or("—".into(), pct)
}

fn progress_row(label: Markup, p: &Progress, e: Option<f64>) -> Markup {
    html! {
        tr {
            td { (label) }
            td.n { (p.drawn) } td.n { (p.visited) } td.n { (p.completed) } td.n { (p.refused) }
            td.n { (p.non_contact) } td.n { (p.ineligible) } td.n { (p.in_field) }
            td.n { (rr(p, e, 0)) } td.n { (rr(p, e, 2)) }
        }
    }
}

fn progress_head(l: Lang, first: &str) -> Markup {
    html! {
        thead { tr {
            th scope="col" { (first) }
            th scope="col" { (l.pick("抽中户", "drawn")) } th scope="col" { (l.pick("已走访", "visited")) }
            th scope="col" { (l.pick("完成", "complete")) } th scope="col" { (l.pick("拒访", "refused")) }
            th scope="col" { (l.pick("未接触（终结）", "non-contact")) } th scope="col" { (l.pick("不符合条件", "ineligible")) }
            th scope="col" { (l.pick("仍在访", "in the field")) }
            th scope="col" abbr="RR1" { "RR1" } th scope="col" abbr="RR3" { "RR3" }
        } }
    }
}

pub fn sample(l: Lang, who: &Who<'_>, p: &SamplePage<'_>) -> Markup {
    let s = p.survey;
    let design = s.household_sample.as_ref();
    let admin = who.user.is_admin();
    let e = s.aapor_e;
    layout(
        l,
        l.pick("入户抽样", "Household sample"),
        Some(who),
        None,
        html! {
            p { a href={ "/office/" (s.id) "?lang=" (l.code()) } { "← " (s.title.get(l)) } }
            h1 { (l.pick("入户抽样调查", "Household sample")) " · " (l.pick("第", "wave ")) (s.wave) (l.pick("轮", "")) }
            @if let Some(m) = &p.message { p.note role="status" { (m) } }
            @if let Some(d) = design {
                p.meta { (match l {
                    Lang::Zh => format!("设计：每区按成年人口规模系统PPS抽{}个社区（规模大于抽样间隔的必选），每社区按住户名单等距抽{}户（无名单时随机行走），每户按{}选1位成年人；走访{}次未接触记为未接触；每位访员完成问卷的{}回访。",
                        d.communities.values().map(|n| n.to_string()).collect::<std::collections::BTreeSet<_>>().into_iter().collect::<Vec<_>>().join("/"),
                        d.households, if d.respondent == crate::definition::Respondent::Kish { "Kish表" } else { "最近生日法" }, d.visits, pct(d.callback_share)),
                    Lang::En => format!("Design: in each district {} communities by systematic PPS on their adults (those larger than the interval with certainty), {} households each from the address list (a random walk where there is none), one adult per household by {}; a household is a non-contact after {} visits; {} of each interviewer's completes are called back.",
                        d.communities.values().map(|n| n.to_string()).collect::<std::collections::BTreeSet<_>>().into_iter().collect::<Vec<_>>().join("/"),
                        d.households, if d.respondent == crate::definition::Respondent::Kish { "Kish's tables" } else { "the next birthday" }, d.visits, pct(d.callback_share)),
                }) }
            }
            @match p.status {
                None => { p { (l.pick("本轮还没有抽样。", "No sample has been drawn for this wave.")) } }
                Some(st) => {
                    p.meta { (l.pick("抽样：", "Drawn: ")) (st.draw.drawn_at.format("%Y-%m-%d %H:%M")) " · " (st.draw.drawn_by)
                        " · " (l.pick("随机种子 ", "seed ")) (st.draw.seed)
                        " · " (l.pick("住户名单指纹 ", "lists ")) code { (st.draw.fingerprint.get(..12).unwrap_or("")) } }
                    @if let Some(svg) = &p.map {
                        figure.charts { (PreEscaped(svg)) figcaption { (l.pick("抽中的社区（蓝色）", "The drawn communities (blue)")) } }
                    }
                    h2 { (l.pick("各区", "Districts")) }
                    div.scroll tabindex="0" role="region" aria-label=(l.pick("各区进度", "District progress")) { table {
                        (progress_head(l, l.pick("区", "district")))
                        tbody {
                            @for d in st.by_district.iter().filter(|d| p.district.is_none_or(|x| x == d.key)) {
                                (progress_row(html! { a href={ "?district=" (d.key) "&lang=" (l.code()) } { (district_name(s, &d.key, l)) } }, d, e))
                            }
                            @if p.district.is_none() { (progress_row(html! { strong { (l.pick("全市", "City")) } }, &st.city, e)) }
                        }
                    } }
                    h2 { (l.pick("抽中的社区", "Drawn communities")) }
                    div.scroll tabindex="0" role="region" aria-label=(l.pick("社区进度", "Community progress")) { table {
                        thead { tr {
                            th scope="col" { (l.pick("社区", "community")) } th scope="col" { (l.pick("入样概率", "probability")) }
                            th scope="col" { (l.pick("抽中户", "households")) } th scope="col" { (l.pick("完成", "complete")) }
                            th scope="col" { (l.pick("仍在访", "in the field")) } th scope="col" { "RR1" }
                        } }
                        tbody { @for c in st.communities.iter().filter(|c| p.district.is_none_or(|x| x == c.district)) {
                            @let key = format!("{}/{}", c.district, c.community);
                            @let prog = st.by_community.iter().find(|x| x.key == key);
                            tr {
                                td { (crate::labels::group_name(s, &key, l)) }
                                td.n { (format!("{:.4}", c.probability)) @if c.certain == 1 { " " (l.pick("（必选）", "(certain)")) } }
                                td.n { (c.households) @if c.households == 0 { " " span.below { (l.pick("待住户名单", "awaiting a list")) } } }
                                td.n { (prog.map_or(0, |x| x.completed)) }
                                td.n { (prog.map_or(0, |x| x.in_field)) }
                                td.n { (prog.map_or("—".into(), |x| rr(x, e, 0))) }
                            }
                        } }
                    } }
                    h2 { (l.pick("访员进度", "Interviewers")) }
                    @if st.by_interviewer.is_empty() { p { (l.pick("还没有分配住户。", "No household is assigned yet.")) } }
                    @else {
                        div.scroll tabindex="0" role="region" aria-label=(l.pick("访员进度", "Interviewer progress")) { table {
                            thead { tr {
                                th scope="col" { (l.pick("访员", "interviewer")) } th scope="col" { (l.pick("分配户", "assigned")) }
                                th scope="col" { (l.pick("已走访", "visited")) } th scope="col" { (l.pick("完成", "complete")) }
                                th scope="col" { (l.pick("仍在访", "in the field")) }
                                th scope="col" { (l.pick("位置在抽中社区内", "inside the community")) }
                                @if admin { th scope="col" { (l.pick("任务单", "sheet")) } }
                            } }
                            tbody { @for i in &st.by_interviewer {
                                tr {
                                    td { (i.key) } td.n { (i.drawn) } td.n { (i.visited) } td.n { (i.completed) } td.n { (i.in_field) }
                                    td.n { @if i.located > 0 { (i.inside) "/" (i.located) " (" (pct(i.inside as f64 / i.located as f64)) ")" } @else { "—" } }
                                    @if admin { td {
                                        a href={ "/office/" (s.id) "/sample/sheet/" (i.key) ".xlsx?lang=" (l.code()) } { "XLSX" } " "
                                        a href={ "/office/" (s.id) "/sample/sheet/" (i.key) ".pdf?lang=" (l.code()) } { "PDF" }
                                    } }
                                }
                            } }
                        } }
                        p.meta { (l.pick("位置：访员同意后，手机只判断是否在抽中社区的边界内并发送“在内／在外”，不保存任何坐标。",
                            "Location: with the interviewer's consent the phone only tells whether it is inside the sampled community's outline; no coordinates are kept.")) }
                    }
                    @if admin && !st.households.is_empty() {
                        h2 { (l.pick("分配住户", "Assign households")) }
                        form method="post" action={ "/office/" (s.id) "/sample/assign?lang=" (l.code()) } class="filters" {
                            input type="hidden" name="csrf" value=(who.csrf);
                            label { (l.pick("社区（其全部抽中户）", "Community (all its drawn households)"))
                                select name="community" { @for c in st.communities.iter().filter(|c| c.households > 0) {
                                    option value=(c.community) { (crate::labels::group_name(s, &format!("{}/{}", c.district, c.community), l)) }
                                } } }
                            label { (l.pick("访员", "Interviewer"))
                                select name="interviewer" { @for i in p.interviewers { option value=(i) { (i) } } } }
                            button type="submit" { (l.pick("分配", "Assign")) }
                        }
                        @if p.interviewers.is_empty() { p.warn { (l.pick("还没有访员账号：先在“用户”页添加访员。", "There are no interviewer accounts yet: add them on the Users page.")) } }
                    }
                }
            }
            @if admin && p.visited > 0 {
                h2 { (l.pick("抽样", "Draw")) }
                p { (match l {
                    Lang::Zh => format!("样本已进入实地（全市{}户已走访），不能再重抽：走访后换户就是悄悄替换样本。", p.visited),
                    Lang::En => format!("The sample is in the field ({} households visited city-wide) and can no longer be redrawn: replacing a household after a visit would be a silent substitution.", p.visited),
                }) }
                p { a href={ "/office/" (s.id) "/callbacks?lang=" (l.code()) } { (l.pick("回访核查 →", "Call-backs →")) } }
            } @else if admin && design.is_some() {
                h2 { (l.pick("抽样", "Draw")) }
                form method="post" action={ "/office/" (s.id) "/sample/draw?lang=" (l.code()) } class="filters" {
                    input type="hidden" name="csrf" value=(who.csrf);
                    label { (l.pick("随机种子", "Seed")) input type="number" name="seed" min="0" value=[design.map(|d| d.seed)]; }
                    button type="submit" { (if p.status.is_some() { l.pick("重新抽样（载入住户名单后）", "Draw again (after loading lists)") } else { l.pick("抽样", "Draw the sample") }) }
                }
                p.meta { (l.pick("同一种子和同样的住户名单总是抽出同样的样本。一旦记录了走访，样本即固定，不能重抽。住户名单用 minyi sample frame 载入。",
                    "The same seed and the same lists always draw the same sample. Once a visit is recorded the sample is frozen. Load address lists with minyi sample frame.")) }
                p { a href={ "/office/" (s.id) "/callbacks?lang=" (l.code()) } { (l.pick("回访核查 →", "Call-backs →")) } }
            }
        },
    )
}

pub fn callbacks(
    l: Lang,
    who: &Who<'_>,
    s: &Survey,
    list: &crate::households::CallbackPage,
    checks: &[CallbackCheck],
    message: Option<&str>,
) -> Markup {
    let lines = &list.tasks;
    let page_link = |p: usize| format!("/office/{}/callbacks?lang={}&page={p}", s.id, l.code());
    let pager = html! {
        @if list.pages > 1 {
            nav.pager aria-label=(l.pick("回访名单分页", "Call-back list pages")) {
                @if list.page > 0 { a href=(page_link(list.page - 1)) { (l.pick("← 上一页", "← Previous")) } " " }
                (l.pick("第 ", "Page ")) (list.page + 1) " / " (list.pages) (l.pick(" 页", ""))
                @if list.page + 1 < list.pages { " " a href=(page_link(list.page + 1)) { (l.pick("下一页 →", "Next →")) } }
            }
        }
    };
    let outcome_name = |o: &str| {
        CALLBACK_OUTCOMES
            .iter()
            .find(|x| x.0 == o)
            .map_or(o.to_string(), |x| l.pick(x.1, x.2).to_string())
    };
    layout(
        l,
        l.pick("回访核查", "Call-backs"),
        Some(who),
        None,
        html! {
            p { a href={ "/office/" (s.id) "/sample?lang=" (l.code()) } { (l.pick("← 入户抽样", "← Household sample")) } }
            h1 { (l.pick("回访核查", "Call-backs")) }
            @if let Some(m) = message { p.note role="status" { (m) } }
            p { (l.pick("按比例随机抽取每位访员已完成的入户问卷，由其他人回访核实是否确实访问过、回答是否相符。",
                "A share of each interviewer's completed household interviews, drawn at random, is revisited by someone else to confirm the interview happened and the answers match.")) }
            form method="post" action={ "/office/" (s.id) "/callbacks/draw?lang=" (l.code()) } {
                input type="hidden" name="csrf" value=(who.csrf);
                button type="submit" { (l.pick("抽取回访（新完成的问卷）", "Draw call-backs (among new completes)")) }
            }
            h2 { (l.pick("各访员", "Per interviewer")) }
            div.scroll tabindex="0" role="region" aria-label=(l.pick("各访员回访结果", "Call-backs per interviewer")) { table {
                thead { tr {
                    th scope="col" { (l.pick("访员", "interviewer")) } th scope="col" { (l.pick("完成问卷", "completes")) }
                    th scope="col" { (l.pick("抽中回访", "drawn")) } th scope="col" { (l.pick("已核实", "verified")) }
                    th scope="col" { (l.pick("属实", "confirmed")) } th scope="col" { (l.pick("未曾受访", "not interviewed")) }
                    th scope="col" { (l.pick("回答不符", "answers differ")) } th scope="col" { (l.pick("未联系上", "not reached")) }
                } }
                tbody { @for c in checks {
                    tr class=[c.flagged.then_some("below")] {
                        td { (c.interviewer) @if c.flagged { " " strong { (l.pick("（有编造问卷）", "(fabrication found)")) } } }
                        td.n { (c.completes) } td.n { (c.drawn) }
                        td.n { (c.checked) @if c.completes > 0 { " (" (pct(c.verified_share())) ")" } }
                        td.n { (c.confirmed) } td.n { (c.not_interviewed) } td.n { (c.answers_differ) } td.n { (c.not_reached) }
                    }
                } }
            } }
            h2 { (l.pick("回访名单", "To call back")) }
            @if lines.is_empty() { p { (l.pick("还没有抽取回访。", "No call-backs drawn yet.")) } }
            @if !lines.is_empty() {
                p.meta { (match l {
                    Lang::Zh => format!("本轮共抽取 {} 份回访，{} 份待回访；待回访的排在前面，每页 {} 份。", list.total, list.to_do, crate::households::CALLBACKS_PER_PAGE),
                    Lang::En => format!("{} call-backs drawn this wave, {} still to do; those to do come first, {} a page.", list.total, list.to_do, crate::households::CALLBACKS_PER_PAGE),
                }) }
                (pager)
                div.scroll tabindex="0" role="region" aria-label=(l.pick("回访名单", "Call-backs to make")) { table {
                    thead { tr {
                        th scope="col" { (l.pick("住户", "household")) } th scope="col" { (l.pick("地址", "address")) }
                        th scope="col" { (l.pick("问卷／访员", "response / interviewer")) }
                        th scope="col" { (l.pick("已记录", "recorded")) } th scope="col" { (l.pick("记录回访结果", "record the outcome")) }
                    } }
                    tbody { @for c in lines {
                        tr {
                            @match &c.household {
                                Some(h) => {
                                    td { (crate::labels::group_name(s, &format!("{}/{}", h.district, h.community), l)) " · " strong { (h.household_code) } }
                                    td { (crate::households::address_of(s, h, l)) }
                                }
                                None => { td { "—" } td { "—" } }
                            }
                            td { (c.row.response_id) " · " (c.row.interviewer) }
                            td { @match &c.row.outcome {
                                Some((o, n, by, at)) => { (outcome_name(o)) @if !n.is_empty() { "：" (n) } br; small.meta { (by) " " (at.format("%m-%d %H:%M")) } }
                                None => { span.below { (l.pick("待回访", "to do")) } }
                            } }
                            td {
                                form method="post" action={ "/office/" (s.id) "/callbacks/" (c.row.id) "/outcome?lang=" (l.code()) } class="inline" {
                                    input type="hidden" name="csrf" value=(who.csrf);
                                    select name="outcome" required aria-label=(l.pick("回访结果", "Outcome")) {
                                        option value="" { (l.pick("选择结果", "choose")) }
                                        @for (code, zh, en) in CALLBACK_OUTCOMES { option value=(code) { (l.pick(zh, en)) } }
                                    }
                                    " "
                                    input type="text" name="note" maxlength="200" aria-label=(l.pick("说明", "Note")) placeholder=(l.pick("说明（可不填）", "note (optional)"));
                                    " "
                                    button type="submit" { (l.pick("记录", "Record")) }
                                }
                            }
                        }
                    } }
                } }
                (pager)
                p.meta { (l.pick("说明中的电话号码、身份证号等个人信息会在保存前自动遮盖。", "Phone numbers, ID numbers and other personal data in a note are masked before it is stored.")) }
            }
        },
    )
}
