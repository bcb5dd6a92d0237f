//! The rectification ledger's pages: the list with the monthly notice, an item with
//! its baseline, re-measurement, verdict and history, and the new-item form.

use chrono::NaiveDate;
use maud::{html, Markup};

use super::office::layout;
use super::Who;
use crate::definition::{Lang, Survey};
use crate::labels::{district_name, pct, pct_interval};
use crate::ledger::{basis_name, rule_words, Item, Level, Measured, NoticeRow, State};

pub struct LedgerPage<'a> {
    pub survey: &'a Survey,
    pub district: Option<&'a str>,
    pub items: &'a [Item],
    pub notice: &'a [NoticeRow],
    pub month: (i32, u32),
    pub message: Option<String>,
    /// The office's date (the re-survey's pace to the evaluation date).
    pub today: NaiveDate,
}

/// A stored (UTC) time as the office reads it.
fn local(t: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
    use chrono::TimeZone;
    chrono::Local.from_utc_datetime(&t).naive_local()
}

fn verdict_cell(i: &Item, l: Lang) -> Markup {
    let j = &i.judgement;
    let class = if j.verdict.good() {
        "ok"
    } else if j.verdict == crate::ledger::Verdict::StillSignificantlyBelow {
        "below"
    } else {
        ""
    };
    html! {
        td class=(class) {
            (j.verdict.name(l))
            @if let Some(m) = &j.latest {
                br; small { (l.pick("第", "wave ")) (m.wave) (l.pick("轮 ", " ")) (pct(m.estimate)) @if m.model { " " span.dir { (l.pick("模型", "model")) } } }
            }
            @if let Some(n) = j.more_needed { br; small.sup { (l.pick("还需约 ", "about ")) (n) (l.pick(" 名受访者", " more respondents")) } }
        }
    }
}

fn month_link(s: &Survey, district: Option<&str>, (y, m): (i32, u32), l: Lang) -> String {
    format!(
        "/office/{}/ledger?month={y}-{m:02}&lang={}{}",
        s.id,
        l.code(),
        district
            .map(|d| format!("&district={d}"))
            .unwrap_or_default()
    )
}

pub fn ledger(l: Lang, who: &Who<'_>, p: &LedgerPage<'_>) -> Markup {
    let s = p.survey;
    let scope = p.district.map_or(l.pick("全市", "City").to_string(), |d| {
        district_name(s, d, l)
    });
    let (y, m) = p.month;
    let prev = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
    let next = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    let t = crate::ledger::Totals::of(p.items);
    let dq = p
        .district
        .map(|d| format!("&district={d}"))
        .unwrap_or_default();
    layout(
        l,
        l.pick("整改台账", "Rectification ledger"),
        Some(who),
        None,
        html! {
            p { a href={ "/office/" (s.id) "?lang=" (l.code()) } { "← " (s.title.get(l)) }
                @if let Some(d) = p.district { " · " a href={ "/office/" (s.id) "/d/" (d) "?lang=" (l.code()) } { (district_name(s, d, l)) } } }
            h1 { (l.pick("整改台账", "Rectification ledger")) " · " (scope) }
            @if let Some(msg) = &p.message { p.note role="status" { (msg) } }
            p.meta { (match l {
                Lang::Zh => format!("共 {} 项：已销号 {}，未销号 {}，其中逾期 {}。", t.items, t.signed_off, t.items - t.signed_off, t.overdue),
                Lang::En => format!("{} items: {} signed off, {} not, of which {} overdue.", t.items, t.signed_off, t.items - t.signed_off, t.overdue),
            }) }
            p.meta { (rule_words(&s.rectification, l)) " "
                (l.pick("复测结果按该地点、该指标基线之后最新一轮的加权估计判断，与基线同样方法计算。", "The re-measurement is the place's weighted estimate for the indicator in the latest wave after the baseline, made as the baseline was.")) }
            p.downloads {
                a href={ "/office/" (s.id) "/ledger.xlsx?lang=" (l.code()) "&month=" (y) "-" (format!("{m:02}")) (dq) } { (l.pick("整改台账与月度通报 XLSX", "Ledger and monthly notice XLSX")) }
            }
            h2 { (l.pick("月度通报", "Monthly notice")) " · " (match l { Lang::Zh => format!("{y}年{m}月"), Lang::En => format!("{y}-{m:02}") }) }
            p.meta { a href=(month_link(s, p.district, prev, l)) { (l.pick("← 上月", "← Previous month")) } " · "
                a href=(month_link(s, p.district, next, l)) { (l.pick("下月 →", "Next month →")) } }
            @if p.notice.is_empty() { p { (l.pick("还没有整改事项。", "No items yet.")) } }
            @else {
                div.scroll tabindex="0" role="region" aria-label=(l.pick("月度通报", "Monthly notice")) { table {
                    thead { tr {
                        th scope="col" { (l.pick("区", "District")) } th scope="col" { (l.pick("责任单位", "Responsible unit")) }
                        th scope="col" { (l.pick("本月立项", "Opened this month")) } th scope="col" { (l.pick("本月销号", "Signed off this month")) }
                        th scope="col" { (l.pick("未销号", "Not signed off")) } th scope="col" { (l.pick("逾期未销号", "Overdue")) }
                        th scope="col" { (l.pick("仍显著低于目标", "Still significantly below")) }
                    } }
                    tbody { @for r in p.notice { tr {
                        td { (district_name(s, &r.district, l)) } td { (r.unit) }
                        td.n { (r.opened) } td.n { (r.signed_off) } td.n { (r.open) }
                        td.n class=(if r.overdue > 0 { "below" } else { "" }) { (r.overdue) }
                        td.n class=(if r.still_below > 0 { "below" } else { "" }) { (r.still_below) }
                    } } }
                } }
            }
            h2 { (l.pick("整改事项", "Items")) }
            @if p.items.is_empty() {
                p { (l.pick("还没有整改事项。在区页面的薄弱社区清单中点击“立项整改”，或在下面手工立项。", "No items yet. Open one from a weak spot on a district page, or by hand below.")) }
            } @else {
                div.scroll tabindex="0" role="region" aria-label=(l.pick("整改事项", "Items")) { table {
                    thead { tr {
                        th scope="col" { (l.pick("序号", "No.")) } th scope="col" { (l.pick("问题", "Problem")) }
                        th scope="col" { (l.pick("地点", "Place")) } th scope="col" { (l.pick("责任单位", "Unit")) }
                        th scope="col" { (l.pick("整改时限", "Deadline")) } th scope="col" { (l.pick("状态", "State")) }
                        th scope="col" { (l.pick("复测结果", "Re-measurement")) }
                    } }
                    tbody { @for (k, i) in p.items.iter().enumerate() { tr {
                        td.n { a href={ "/office/" (s.id) "/ledger/" (i.id) "?lang=" (l.code()) } { (k + 1) } }
                        td { a href={ "/office/" (s.id) "/ledger/" (i.id) "?lang=" (l.code()) } { (i.problem) } }
                        td { (i.place_name) }
                        td { (i.unit) }
                        td { (i.deadline.format("%Y-%m-%d")) @if i.overdue { br; strong.below { (l.pick("逾期", "overdue")) } } }
                        td { (i.state.name(l)) @if i.against_rule().is_some() { br; small.dir { (l.pick("未按规则销号", "against the rule")) } } }
                        (verdict_cell(i, l))
                    } } }
                } }
            }
            @let open: Vec<&Item> = p.items.iter().filter(|i| i.state != State::SignedOff).collect();
            @let days = s.evaluation_date.map(|e| (e - p.today).num_days().max(1));
            @if !open.is_empty() {
                h2 { (l.pick("定向复测", "Targeted re-survey")) }
                @if let (Some(e), Some(d)) = (s.evaluation_date, days) {
                    p.meta { (match l {
                        Lang::Zh => format!("距测评验收日（{e}）还有 {d} 天。"),
                        Lang::En => format!("{d} days to the evaluation date ({e})."),
                    }) }
                }
                p.meta { (l.pick("未销号事项所在地点下一轮需要的受访者：要把该地点的率与目标区分开，置信区间的半宽应不大于基线与目标的差距（3至10个百分点之间；95%置信水平，基线的设计效应）。“已有”为最新一轮该地点的受访者。",
                    "Respondents the next wave needs where items are not signed off: enough for the interval's half-width to be no wider than the baseline's distance to the target (kept between 3 and 10 points; 95% confidence, the baseline's design effect). \"So far\" is the latest wave's respondents there.")) }
                div.scroll tabindex="0" role="region" aria-label=(l.pick("定向复测", "Targeted re-survey")) { table {
                    thead { tr {
                        th scope="col" { (l.pick("地点", "Place")) } th scope="col" { (l.pick("指标", "Indicator")) }
                        th scope="col" { (l.pick("计划受访者", "Planned respondents")) } th scope="col" { (l.pick("最新一轮已有", "So far (latest wave)")) }
                        th scope="col" { (l.pick("尚需", "Still needed")) }
                        @if days.is_some() { th scope="col" { (l.pick("到验收日每天需", "Per day to the evaluation")) } }
                    } }
                    tbody { @for i in &open { tr {
                        td { a href={ "/office/" (s.id) "/ledger/" (i.id) "?lang=" (l.code()) } { (i.place_name) } }
                        td { (i.indicator_label) }
                        @let have = i.judgement.latest.as_ref().map_or(0.0, |m| m.n);
                        td.n { (i.judgement.planned.map_or("—".into(), |n| n.to_string())) }
                        td.n { (have) }
                        @let still = i.judgement.planned.map(|n| (n as f64 - have).max(0.0));
                        td.n { (still.map_or("—".into(), |n| n.to_string())) }
                        @if let Some(d) = days { td.n { (still.map_or("—".into(), |n| (n / d as f64).ceil().to_string())) } }
                    } } }
                } }
                p.downloads { a href={ "/office/" (s.id) "/ledger/posters.pdf?lang=" (l.code()) (dq) } { (l.pick("复测地点的二维码海报 PDF", "QR posters of the re-survey places (PDF)")) } }
            }
            @let districts: Vec<_> = s.districts.iter().filter(|d| who.user.works_on_items(&d.code) && p.district.is_none_or(|x| x == d.code)).collect();
            @if !districts.is_empty() {
                h2 { (l.pick("手工立项", "Open an item by hand")) }
                form method="get" action={ "/office/" (s.id) "/ledger/new" } class="filters" {
                    input type="hidden" name="lang" value=(l.code());
                    label { (l.pick("区", "District")) select name="district" { @for d in &districts { option value=(d.code) { (d.name.get(l)) } } } }
                    label { (l.pick("层级", "Level")) select name="level" {
                        option value="district" { (l.pick("区", "district")) }
                        option value="street" { (l.pick("街道", "street")) }
                        option value="community" { (l.pick("社区", "community")) } } }
                    label { (l.pick("街道或社区代码", "Street or community code")) input name="place" size="10"; }
                    label { (l.pick("指标", "Indicator")) select name="indicator" { @for q in s.questions.iter().filter(|q| q.is_indicator()) { option value=(q.id) { (q.label(l)) } } } }
                    label { (l.pick("基线轮次", "Baseline wave")) input type="number" name="wave" value=(s.wave) min="1"; }
                    button type="submit" { (l.pick("下一步", "Next")) }
                }
            }
        },
    )
}

fn figure_rows(l: Lang, what: &str, m: Option<&Measured>) -> Markup {
    html! {
        tr {
            th scope="row" { (what) }
            @match m {
                Some(m) => {
                    td.n { (l.pick("第", "wave ")) (m.wave) (l.pick("轮", "")) }
                    td.n { strong { (pct(m.estimate)) } }
                    td.n { (pct_interval(m.ci_low, m.ci_high)) }
                    td.n { (m.n) }
                    td { (basis_name(m.model, l)) br; small.sup { @if m.model { "√MSE " } @else { (l.pick("标准误 ", "SE ")) } (format!("{:.1}", m.se * 100.0)) (l.pick(" 个百分点", " points")) } }
                    td { (m.state.map_or(l.pick("样本太少，无法判断", "too few to tell"), |st| crate::labels::target_state(st, l))) }
                }
                None => { td colspan="6" { (l.pick("无数据（该轮该地点无受访者或尚未复测）", "no figure (nobody there in that wave, or not re-measured yet)")) } }
            }
        }
    }
}

pub fn item(l: Lang, who: &Who<'_>, s: &Survey, i: &Item, message: Option<String>) -> Markup {
    let j = &i.judgement;
    // Moving on first (the usual choice), a progress note last.
    let mut next: Vec<State> = i
        .state
        .next()
        .iter()
        .copied()
        .filter(|t| !t.needs_office() || *t == i.state || who.user.signs_off_items())
        .collect();
    next.sort_by_key(|t| *t == i.state);
    let works = who.user.works_on_items(&i.district);
    let seen = i.events.last().map_or(0, |e| e.seq);
    layout(
        l,
        l.pick("整改事项", "Ledger item"),
        Some(who),
        None,
        html! {
            p { a href={ "/office/" (s.id) "/ledger?lang=" (l.code()) @if !who.user.sees_city() { "&district=" (i.district) } } { (l.pick("← 整改台账", "← Rectification ledger")) } }
            h1 { (i.problem) }
            @if let Some(msg) = message { p.note role="status" { (msg) } }
            table {
                tr { th scope="row" { (l.pick("地点", "Place")) } td { (i.place_name) } }
                tr { th scope="row" { (l.pick("指标", "Indicator")) } td { (i.indicator_label) } }
                tr { th scope="row" { (l.pick("责任单位", "Responsible unit")) } td { (i.unit) } }
                tr { th scope="row" { (l.pick("整改措施", "Measures")) } td { @if i.measures.is_empty() { "—" } @else { (i.measures) } } }
                tr { th scope="row" { (l.pick("整改时限", "Deadline")) } td { (i.deadline.format("%Y-%m-%d")) @if i.overdue { " " strong.below { (l.pick("已逾期", "overdue")) } } } }
                tr { th scope="row" { (l.pick("状态", "State")) } td { (i.state.name(l))
                    @if let Some(r) = i.against_rule() { br; span.dir { (l.pick("未按规则销号，理由：", "Signed off against the rule; reason: ")) (r) } } } }
                tr { th scope="row" { (l.pick("立项", "Opened")) } td { (local(i.opened_at).format("%Y-%m-%d")) " · " (i.opened_by) } }
            }
            h2 { (l.pick("复测结果", "Judged by the next measurement")) }
            p { strong class=(if j.verdict.good() { "ok" } else if j.verdict == crate::ledger::Verdict::StillSignificantlyBelow { "below" } else { "" }) { (j.verdict.name(l)) } }
            div.scroll tabindex="0" role="region" aria-label=(l.pick("基线与复测", "Baseline and re-measurement")) { table {
                thead { tr {
                    th scope="col" { (l.pick("数据", "Figure")) } th scope="col" { (l.pick("轮次", "Wave")) } th scope="col" { (l.pick("估计值", "Rate")) }
                    th scope="col" { (l.pick("置信区间", "Interval")) } th scope="col" { (l.pick("受访人数", "n")) }
                    th scope="col" { (l.pick("估计方法", "Estimate")) } th scope="col" { (l.pick("与目标相比", "Against the target")) }
                } }
                tbody {
                    tr {
                        th scope="row" { (l.pick("立项时的基线", "Baseline when opened")) }
                        td.n { (l.pick("第", "wave ")) (i.baseline.wave) (l.pick("轮", "")) }
                        td.n { (i.baseline.estimate.map_or("—".into(), pct)) }
                        td.n { (pct_interval(i.baseline.ci_low, i.baseline.ci_high)) }
                        td.n { (i.baseline.n.map_or("—".into(), |n| n.to_string())) }
                        td { (i.baseline.basis_name(l)) }
                        td { (i.baseline.target.map_or(String::new(), |t| format!("{}{}", l.pick("目标 ", "target "), pct(t)))) }
                    }
                    (figure_rows(l, l.pick("基线（按现有数据）", "Baseline (the rows now)"), j.baseline.as_ref()))
                    (figure_rows(l, l.pick("最新一轮", "Latest wave"), j.latest.as_ref()))
                }
            } }
            @if let Some(d) = &j.change {
                p { (l.pick("变化：", "Change: ")) strong { (format!("{:+.1}", d.difference * 100.0)) (l.pick(" 个百分点", " points")) }
                    " (" (format!("{:+.1}", d.ci_low * 100.0)) " – " (format!("{:+.1}", d.ci_high * 100.0)) ", p = " (format!("{:.3}", d.p_value)) ")" }
                p.meta { @if j.latest.as_ref().is_some_and(|m| m.model) || j.baseline.as_ref().is_some_and(|m| m.model) {
                    (l.pick("含模型估计：差值的标准误取两轮均方误差之和的平方根，按正态分布计算区间；两轮模型并非完全独立（上一轮的率是协变量），区间为近似。",
                        "With a model estimate: the difference's standard error is the root of the two waves' MSEs, with a normal interval; the two waves' models are not fully independent (the previous wave's rate is a covariate), so the interval is approximate."))
                } @else {
                    (l.pick("两轮为独立样本，各自加权；差值的区间与 minyi stats --compare wave=基线,最新 相同。",
                        "The waves are independent samples, each weighted on its own; the difference's interval is that of minyi stats --compare wave=BASELINE,LATEST."))
                } }
            }
            @if let Some(n) = j.more_needed {
                p.note { (match l {
                    Lang::Zh => format!("要判断该地点是否仍低于目标，一轮调查约需再增加 {n} 名受访者（按基线与目标的差距、95% 置信水平和基线的设计效应计算）。"),
                    Lang::En => format!("To tell whether the place is still below its target, a wave needs about {n} more respondents there (for a margin equal to the baseline's distance to the target, 95% confidence, the baseline's design effect)."),
                }) }
            }
            p.meta { (rule_words(&s.rectification, l)) " "
                @if j.rule_met { strong.ok { (l.pick("已符合销号规则。", "The rule is met.")) } }
                @else { strong { (l.pick("尚不符合销号规则", "The rule is not met")) }
                    @if j.after_deadline == Some(false) && s.rectification.after_deadline { (l.pick("（最新一轮开始于整改时限之前）", " (the latest wave began before the deadline)")) }
                    (l.pick("。", ".")) } }
            h2 { (l.pick("进展记录", "History")) }
            div.scroll tabindex="0" role="region" aria-label=(l.pick("进展记录", "History")) { table {
                thead { tr { th scope="col" { (l.pick("时间", "When")) } th scope="col" { (l.pick("状态", "State")) }
                    th scope="col" { (l.pick("说明", "Note")) } th scope="col" { (l.pick("操作人", "By")) } } }
                tbody { @for e in &i.events { tr {
                    td { (local(e.at).format("%Y-%m-%d %H:%M")) } td { (e.state.name(l)) }
                    td { (e.note) @if let Some(r) = &e.reason { br; span.dir { (l.pick("未按规则销号的理由：", "Reason for signing off against the rule: ")) (r) } } }
                    td { (e.by) }
                } } }
            } }
            @if works && !next.is_empty() {
                h2 { (l.pick("更新", "Update")) }
                form method="post" action={ "/office/" (s.id) "/ledger/" (i.id) "/change?lang=" (l.code()) } style="display:grid;gap:.6rem;max-width:40rem" {
                    input type="hidden" name="csrf" value=(who.csrf);
                    input type="hidden" name="seen" value=(seen);
                    label { (l.pick("变更为", "Change to"))
                        select name="to" { @for t in &next { option value=(t.code()) { (i.state.action(*t, l)) " → " (t.name(l)) } } } }
                    label { (l.pick("说明（进展情况；记录进展、重新打开时必填）", "Note (progress; needed for a progress note and to reopen)"))
                        textarea name="note" rows="3" maxlength="2000" {} }
                    @if next.contains(&State::SignedOff) && !j.rule_met {
                        label { (l.pick("未按规则销号的理由（销号时必填，至少10个字，永久保留）", "Reason for signing off against the rule (needed to sign off, at least 10 characters, kept for good)"))
                            textarea name="reason" rows="2" maxlength="2000" {} }
                    }
                    button type="submit" { (l.pick("提交", "Record")) }
                }
            }
        },
    )
}

pub struct NewItem<'a> {
    pub survey: &'a Survey,
    pub district: &'a str,
    pub level: Level,
    pub place: &'a str,
    pub indicator: Option<&'a str>,
    pub wave: i32,
    pub baseline: Option<&'a Measured>,
    pub today: NaiveDate,
}

pub fn new_item(l: Lang, who: &Who<'_>, p: &NewItem<'_>) -> Markup {
    let s = p.survey;
    let name = crate::ledger::place_name(s, p.level, p.district, p.place, l);
    let default_deadline = p.today + chrono::Duration::days(30);
    layout(
        l,
        l.pick("立项整改", "Open a ledger item"),
        Some(who),
        None,
        html! {
            p { a href={ "/office/" (s.id) "/ledger?lang=" (l.code()) @if !who.user.sees_city() { "&district=" (p.district) } } { (l.pick("← 整改台账", "← Rectification ledger")) } }
            h1 { (l.pick("立项整改：", "Open an item: ")) (name) }
            @match p.baseline {
                Some(m) => {
                    p { (match l {
                            Lang::Zh => format!("基线：第{}轮，{}，", m.wave, basis_name(m.model, l)),
                            Lang::En => format!("Baseline: wave {}, {}: ", m.wave, basis_name(m.model, l)),
                        })
                        strong { (pct(m.estimate)) } (l.pick("（", " (")) (pct_interval(m.ci_low, m.ci_high)) (l.pick("，", ", ")) "n = " (m.n) (l.pick("）", ")"))
                        @if let Some(st) = m.state { " · " (crate::labels::target_state(st, l)) } }
                    p.meta { (l.pick("基线按该轮全部有效问卷计算（不按调查点或方式筛选），保存时由服务器重新计算并记录。", "The baseline is computed from all of the wave's counted responses (no collection point or mode filter), again by the server when the item is saved.")) }
                }
                None => { p.meta { (l.pick("该轮该地点没有该指标的估计值：事项将不带基线立项，复测时仍按最新一轮判断。", "No estimate for this place and indicator in that wave: the item opens without a baseline; the latest wave still judges it.")) } }
            }
            form method="post" action={ "/office/" (s.id) "/ledger?lang=" (l.code()) } style="display:grid;gap:.6rem;max-width:40rem" {
                input type="hidden" name="csrf" value=(who.csrf);
                input type="hidden" name="district" value=(p.district);
                input type="hidden" name="level" value=(p.level.code());
                input type="hidden" name="place" value=(p.place);
                input type="hidden" name="wave" value=(p.wave);
                label { (l.pick("指标", "Indicator")) select name="indicator" {
                    @for q in s.questions.iter().filter(|q| q.is_indicator()) {
                        option value=(q.id) selected[p.indicator == Some(q.id.as_str())] { (q.label(l)) } } } }
                label { (l.pick("问题（留空则按基线自动填写）", "Problem (left empty: written from the baseline)")) textarea name="problem" rows="2" maxlength="2000" {} }
                label { (l.pick("责任单位", "Responsible unit")) input name="unit" list="units" required maxlength="200"; }
                datalist id="units" { @for u in &s.rectification.units { option value=(u) {} } }
                label { (l.pick("整改措施", "Measures")) textarea name="measures" rows="3" maxlength="2000" {} }
                label { (l.pick("整改时限", "Deadline")) input type="date" name="deadline" required min=(p.today.format("%Y-%m-%d")) value=(default_deadline.format("%Y-%m-%d")); }
                button type="submit" { (l.pick("立项", "Open the item")) }
            }
            p.meta { (rule_words(&s.rectification, l)) }
        },
    )
}
