//! The interviewer's pages on the phone: My households, one household (its visits and
//! the visit form), and the roster above a household's questionnaire. Large type,
//! forms that post without JavaScript; with it, `field.js` keeps what is entered on the
//! phone until it can be sent.

use maud::{html, Markup, PreEscaped};
use std::sync::Arc;

use super::office::layout_with;
use super::Who;
use crate::definition::{HouseholdSample, Lang, Respondent, Survey};
use crate::households::{Household, HouseholdState, VISIT_OUTCOMES};

const FIELD_JS: &[&str] = &["/assets/field.js"];

/// What waits on the phone (filled in by `field.js`; hidden until there is something).
pub fn queue_banner(l: Lang) -> Markup {
    html! {
        div #field-queue .note role="status" aria-live="polite" hidden {
            p { (l.pick("手机上待发送：", "Waiting on this phone: ")) strong data-count { "0" } " "
                button type="button" data-send { (l.pick("立即发送", "Send now")) } }
            p data-signin hidden { (l.pick("登录已过期：请", "Your session has ended: "))
                a href="/login?next=/office/field" { (l.pick("重新登录", "sign in again")) }
                (l.pick("，手机上的记录不会丢失，登录后自动发送。", "; what is on this phone is kept and sent once you are signed in.")) }
            ul data-rejected {}
        }
    }
}

/// The households of one survey assigned to the interviewer: (community name, its
/// households in serial order).
pub struct FieldSurvey<'a> {
    pub survey: Arc<Survey>,
    pub groups: Vec<(String, Vec<&'a Household>)>,
}

fn state_class(s: &HouseholdState) -> &'static str {
    match s {
        HouseholdState::Complete => "ok",
        s if s.is_final() => "sup",
        HouseholdState::NotVisited => "",
        _ => "dir",
    }
}

/// My households: every household assigned to the interviewer, by survey and
/// community, with its state; the pages to keep on the phone.
pub fn my_households(
    l: Lang,
    who: &Who<'_>,
    surveys: &[FieldSurvey<'_>],
    keep: &[String],
) -> Markup {
    let keep_json = serde_json::to_string(keep).unwrap_or_else(|_| "[]".into());
    layout_with(
        l,
        l.pick("我的住户", "My households"),
        Some(who),
        None,
        FIELD_JS,
        html! {
            (queue_banner(l))
            script #field-keep type="application/json" { (PreEscaped(keep_json)) }
            h1 { (l.pick("我的住户", "My households")) }
            p.meta { (l.pick("只访问名单上的住户，不得替换。没有信号时照常填写：记录保存在手机上，有网络后自动发送。",
                "Visit only the households listed, never a substitute. Without signal, go on as usual: what you enter stays on this phone and is sent once there is a network.")) }
            @if surveys.iter().all(|s| s.groups.is_empty()) {
                p { (l.pick("还没有分配给您的住户。请联系组长。", "No household is assigned to you yet. Ask your team leader.")) }
            }
            @for fs in surveys.iter().filter(|s| !s.groups.is_empty()) {
                h2 { (fs.survey.title.get(l)) }
                @for (community, hs) in &fs.groups {
                    h3 { (community) }
                    @for h in hs {
                        p data-household=(h.row.id) {
                            a href={ "/office/field/" (fs.survey.id) "/h/" (h.row.id) "?lang=" (l.code()) } {
                                strong { (h.row.household_code) } " " (crate::households::address_of(&fs.survey, &h.row, l))
                            }
                            br;
                            span class=(state_class(&h.state)) { (h.state.label(l)) }
                            " " span.dir data-waiting hidden { (l.pick("（手机上待发送）", "(waiting on this phone)")) }
                        }
                    }
                }
            }
        },
    )
}

/// How the adult is chosen in this household, as the sheet prints it.
pub fn chooser(l: Lang, design: &HouseholdSample, h: &Household) -> String {
    crate::households::chooser(design.respondent, h.row.kish_table.as_deref(), l)
}

/// One household: where, its state and visits, a visit's outcome, the interview.
pub fn household(
    l: Lang,
    who: &Who<'_>,
    s: &Survey,
    design: &HouseholdSample,
    h: &Household,
    community: &str,
) -> Markup {
    let r = &h.row;
    let base = format!("/office/field/{}/h/{}", s.id, r.id);
    layout_with(
        l,
        &format!("{} {}", community, r.household_code),
        Some(who),
        None,
        FIELD_JS,
        html! {
            (queue_banner(l))
            p { a href={ "/office/field?lang=" (l.code()) } { (l.pick("← 我的住户", "← My households")) } }
            h1 { (community) " · " (r.household_code) }
            p { (crate::households::address_of(s, r, l)) }
            p { strong class=(state_class(&h.state)) { (h.state.label(l)) } }
            @if r.approximate == 1 {
                p.meta { (l.pick("随机行走：按组长给的起点和间隔找到这一户，不要自行换户。", "Random walk: find this household by the start and interval on your sheet; never pick another.")) }
            }
            @if !h.visits.is_empty() {
                h2 { (l.pick("走访记录", "Visits")) }
                ol { @for v in &h.visits {
                    li { (v.visited_at.format("%m-%d %H:%M")) " · " (outcome_name(&v.outcome, l))
                        @if let Some(a) = v.appointment_at { " → " (a.format("%m-%d %H:%M")) }
                        @if !v.note.is_empty() { " · " (v.note) } }
                } }
            }
            @if !h.state.is_final() {
                h2 { (l.pick("开始访问", "Interview")) }
                p { (chooser(l, design, h)) }
                p { a href={ (base) "/interview?lang=" (l.code()) } { strong { (l.pick("有人应门并同意：开始访问 →", "Someone is home and agrees: start the interview →")) } } }
                h2 { (l.pick("未能访问：记录本次走访结果", "No interview: record this visit")) }
                form method="post" action={ (base) "/visit?lang=" (l.code()) } data-field="visit"
                    data-survey=(s.id) data-household=(r.id) data-back={ "/office/field?lang=" (l.code()) }
                    data-label={ (community) " " (r.household_code) } {
                    input type="hidden" name="csrf" value=(who.csrf);
                    fieldset {
                        legend { (l.pick("结果", "Outcome")) }
                        @for (i, (code, zh, en)) in VISIT_OUTCOMES.iter().enumerate() {
                            label style="flex-direction:row;gap:.5rem;align-items:center;font-size:1.05rem" {
                                input type="radio" name="f.outcome" value=(code) required checked[i == 0];
                                (l.pick(zh, en))
                            }
                        }
                    }
                    label { (l.pick("约定的再访时间（如有）", "Appointment (if any)")) input type="datetime-local" name="f.appointment"; }
                    label { (l.pick("备注（不要写住户姓名或电话）", "Note (no names or phone numbers)")) input type="text" name="f.note" maxlength="200"; }
                    p { button type="submit" { (l.pick("保存本次走访", "Save this visit")) } }
                }
            } @else {
                p.meta { (l.pick("这一户已终结，无需再访。", "This household is final; no more visits are due.")) }
            }
        },
    )
}

/// The name of a visit outcome.
pub fn outcome_name(code: &str, l: Lang) -> String {
    if code == "complete" {
        return l.pick("完成访问", "interviewed").into();
    }
    VISIT_OUTCOMES
        .iter()
        .find(|o| o.0 == code)
        .map_or(code.to_string(), |o| l.pick(o.1, o.2).to_string())
}

/// The roster and location consent at the top of a household's questionnaire.
pub fn roster(
    l: Lang,
    design: &HouseholdSample,
    h: &Household,
    adults: Option<u32>,
    error: Option<&str>,
) -> Markup {
    html! {
        fieldset #roster class=[error.map(|_| "err")] {
            legend { (l.pick("户内成员", "The household")) " " span.req { (l.pick("（必填）", "(required)")) } }
            @if let Some(e) = error { p.em { (e) } }
            label { (l.pick("家中18岁以上常住成年人共几位？", "How many adults (18+) live here?"))
                input type="number" name="f.adults" min="1" max="99" inputmode="numeric" required value=[adults] aria-describedby="chooser"; }
            @if let Some(row) = crate::households::kish_row(design.respondent, h.row.kish_table.as_deref()) {
                // Filled in on the phone as the adults are counted; the table below says
                // the same without JavaScript.
                p.chosen data-kish=(row.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(","))
                    data-zh="访问第{n}位成年人" data-en="Interview adult No. {n}" aria-live="polite" hidden {}
            }
            p #chooser .help {
                (chooser(l, design, h))
                @if design.respondent == Respondent::Kish {
                    br; (l.pick("先列出成年人：男性从年长到年幼，再女性从年长到年幼，访问表中对应序号的人。",
                        "List the adults: men from the oldest to the youngest, then women from the oldest to the youngest, and interview the one the table gives."))
                }
            }
            label style="flex-direction:row;gap:.5rem;align-items:center" {
                input type="checkbox" name="f.consent" value="1";
                (l.pick("允许手机检查我是否在抽中社区内（只发送“在内／在外”，不发送位置）",
                    "Let the phone check I am inside the sampled community (only inside/outside is sent, never the position)"))
            }
        }
    }
}
