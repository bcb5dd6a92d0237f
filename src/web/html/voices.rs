//! The residents' voices page: open answers newest first (masked), a search form that
//! works without JavaScript, filters by district, community and theme, themes per
//! district, and paging by the oldest answer shown.

use maud::{html, Markup};

use super::office::layout;
use super::Who;
use crate::dashboard::voices::{ThemeRow, VoiceFilter, VoicesPage};
use crate::definition::{Lang, Survey};
use crate::labels::district_name;

fn theme_name(s: &Survey, code: &str, l: Lang) -> String {
    s.themes
        .iter()
        .find(|t| t.code == code)
        .map_or(code.to_string(), |t| t.name.get(l).to_string())
}

fn community_name(s: &Survey, code: &str, l: Lang) -> String {
    s.find_community(code)
        .map_or(code.to_string(), |(_, c)| c.name.get(l).to_string())
}

/// The address of this page with the filter, `before` replaced.
fn href(s: &Survey, f: &VoiceFilter, l: Lang, before: Option<i64>, theme: Option<&str>) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("lang", l.code());
    if let Some(d) = &f.district {
        q.append_pair("district", d);
    }
    if let Some(c) = &f.community {
        q.append_pair("community", c);
    }
    if let Some(x) = f.search.as_deref().filter(|x| !x.is_empty()) {
        q.append_pair("q", x);
    }
    if let Some(t) = theme.or(f.theme.as_deref()) {
        q.append_pair("theme", t);
    }
    if let Some(b) = before {
        q.append_pair("before", &b.to_string());
    }
    format!("/office/{}/voices?{}", s.id, q.finish())
}

pub fn voices(
    l: Lang,
    session: &Who<'_>,
    s: &Survey,
    f: &VoiceFilter,
    page: &VoicesPage,
    counts: &[ThemeRow],
) -> Markup {
    let question = page.question.as_deref().and_then(|q| s.question(q));
    let scope = f.district.as_deref().map_or_else(
        || l.pick("全市", "City").to_string(),
        |d| district_name(s, d, l),
    );
    let communities: Vec<(String, String)> = f
        .district
        .as_deref()
        .and_then(|d| s.district(d))
        .map(|d| {
            d.communities
                .iter()
                .map(|c| (c.code.clone(), c.name.get(l).to_string()))
                .collect()
        })
        .unwrap_or_default();
    let back = match &f.district {
        Some(d) => format!("/office/{}/d/{d}?lang={}", s.id, l.code()),
        None => format!("/office/{}?lang={}", s.id, l.code()),
    };
    // Admins and district officers confirm themes; viewers read.
    let confirms = session.user.is_admin() || session.user.role == crate::accounts::Role::District;
    let this_page = href(s, f, l, f.before, None);
    let this_query = this_page.split_once('?').map_or("", |x| x.1).to_string();
    layout(
        l,
        l.pick("居民心声", "Residents' voices"),
        Some(session),
        None,
        html! {
            p.meta { a href=(back) { "← " (s.title.get(l)) " · " (scope) } }
            h1 { (l.pick("居民心声", "Residents' voices")) " · " (scope) }
            @if let Some(q) = question {
                p.meta { (l.pick("开放题：", "Open question: ")) (q.text.get(l)) " "
                    (l.pick("答案中的电话、身份证号、银行卡号和邮箱已隐去。主题按关键词自动提出，供参考。",
                        "Phone, ID, bank-card numbers and e-mail addresses are masked. Themes are proposed from keywords, as a guide.")) }
            } @else {
                p { (l.pick("本调查没有开放题。", "This survey has no open question.")) }
            }
            form method="get" action={ "/office/" (s.id) "/voices" } {
                input type="hidden" name="lang" value=(l.code());
                @if let Some(d) = &f.district { input type="hidden" name="district" value=(d); }
                @if !communities.is_empty() {
                    label { (l.pick("社区（居住地）", "Community (where residents live)")) " "
                        select name="community" {
                            option value="" { (l.pick("全部", "All")) }
                            @for (code, name) in &communities {
                                option value=(code) selected[f.community.as_deref() == Some(code.as_str())] { (name) }
                            }
                        } }
                    " "
                }
                label { (l.pick("主题", "Theme")) " "
                    select name="theme" {
                        option value="" { (l.pick("全部", "All")) }
                        @for t in &s.themes {
                            option value=(t.code) selected[f.theme.as_deref() == Some(t.code.as_str())] { (t.name.get(l)) }
                        }
                    } }
                " "
                label { (l.pick("搜索", "Search")) " " input type="search" name="q" maxlength="50" value=(f.search.clone().unwrap_or_default()); }
                " " button type="submit" { (l.pick("查找", "Find")) }
            }
            @if !counts.is_empty() && counts.iter().any(|r| r.answers > 0) {
                h2 { (l.pick("各区主题（已确认的按确认，其余按关键词提出）", "Themes by district (as confirmed, else proposed from keywords)")) }
                div.scroll tabindex="0" { table {
                    tr { th { (l.pick("区", "District")) } th { (l.pick("回答数", "Answers")) } th { (l.pick("已确认", "Confirmed")) }
                        @for t in &s.themes { th { a href=(href(s, f, l, None, Some(&t.code))) { (t.name.get(l)) } } } }
                    @for r in counts {
                        tr { td style="white-space:nowrap" { (district_name(s, &r.district, l)) } td.n { (r.answers) }
                            td.n { (if r.answers > 0 { format!("{:.0}%", r.confirmed as f64 / r.answers as f64 * 100.0) } else { "—".into() }) }
                            @for c in &r.counts { td.n { (c) } } }
                    }
                } }
            }
            @if counts.iter().any(|r| !r.top_words.is_empty()) {
                h2 { (l.pick("各区常用词（分词统计）", "Words used most, by district (segmented)")) }
                ul { @for r in counts.iter().filter(|r| !r.top_words.is_empty()) {
                    li { strong { (district_name(s, &r.district, l)) } (l.pick("：", ": "))
                        (r.top_words.iter().map(|(w, n)| format!("{w}（{n}）")).collect::<Vec<_>>().join(l.pick("、", ", "))) }
                } }
            }
            h2 { (l.pick("最新回答", "Newest answers")) }
            @if page.voices.is_empty() {
                p { (l.pick("没有符合条件的回答。", "No answers match.")) }
            }
            ol.voices {
                @for v in &page.voices {
                    li {
                        p { (v.text) }
                        p.meta {
                            (v.submitted_at.format("%Y-%m-%d %H:%M")) " · " (district_name(s, &v.district, l))
                            @if let Some(c) = &v.community { " · " (community_name(s, c, l)) }
                            " · " (crate::labels::mode_code_name(&v.channel, l))
                            " · " (l.pick("主题：", "themes: "))
                            (v.themes.iter().map(|t| theme_name(s, t, l)).collect::<Vec<_>>().join(l.pick("、", ", ")))
                            @if v.flagged { " · " span.flag { (l.pick("有质量标记", "flagged")) } }
                            @match &v.confirmed {
                                Some((by, at)) => { " · " (l.pick("已确认：", "confirmed by ")) (by) " " (at.format("%m-%d %H:%M")) }
                                None => { " · " (l.pick("自动提出，未确认", "proposed, not confirmed")) }
                            }
                        }
                        @if confirms {
                            form method="post" action={ "/office/" (s.id) "/voices/" (v.id) "/themes" } style="margin:.2rem 0 .6rem" {
                                input type="hidden" name="csrf" value=(session.csrf);
                                input type="hidden" name="back" value=(this_query);
                                @for t in &s.themes {
                                    label style="display:inline;margin-right:.6rem;font-size:.9rem" {
                                        input type="checkbox" name="theme" value=(t.code) checked[v.themes.contains(&t.code)];
                                        " " (t.name.get(l))
                                    }
                                }
                                button type="submit" style="font-size:.9rem;padding:.1rem .6rem" { (l.pick("确认主题", "Confirm themes")) }
                            }
                        }
                    }
                }
            }
            @if let Some(b) = page.next {
                p { a href=(href(s, f, l, Some(b), None)) { (l.pick("更早的回答 →", "Older answers →")) } }
            }
        },
    )
}

/// The interviewer checks: one row per interviewer, the flagged ones marked and said.
pub fn interviewers(
    l: Lang,
    session: &Who<'_>,
    s: &Survey,
    c: &crate::dashboard::interviewers::Check,
) -> Markup {
    let pct = crate::labels::pct;
    let flagged: Vec<&str> = c
        .rows
        .iter()
        .filter(|r| r.flagged)
        .map(|r| r.interviewer.as_str())
        .collect();
    layout(
        l,
        l.pick("访员核查", "Interviewer checks"),
        Some(session),
        None,
        html! {
            p.meta { a href={ "/office/" (s.id) "?lang=" (l.code()) } { "← " (s.title.get(l)) } }
            h1 { (l.pick("访员核查", "Interviewer checks")) " · " (l.pick("第", "wave ")) (s.wave) (l.pick("轮", "")) }
            p.meta { (match l {
                Lang::Zh => format!("比较每位访员所访居民的满意度题“最满意”答案比例与同区自填问卷（扫码、链接，共{}份）的比例：每位居民的比例按区基础权重加权（以区为层），单侧检验访员是否显著更高；按访员人数作Bonferroni校正，p < {:.4} 时标记，提示可能存在“指导居民填写”，需核实录音或回访。", c.self_completed, c.threshold),
                Lang::En => format!("Each interviewer's residents' share of top answers on the satisfaction items against self-completed responses (QR code and link, {} in all) in the same districts: each resident's share weighted with district base weights (districts as strata), one-sided test of whether the interviewer's is higher, Bonferroni-corrected over the interviewers (flag at p < {:.4}): a sign of coaching (指导居民填写) to check against recordings or call-backs.", c.self_completed, c.threshold),
            }) }
            @if c.rows.is_empty() {
                p { (l.pick("本轮还没有访员录入的问卷。", "No interviews in this wave yet.")) }
            } @else {
                @if !flagged.is_empty() {
                    p { strong.flag { (l.pick("需要核实：", "To check: ")) (flagged.join(l.pick("、", ", "))) } }
                }
                div.scroll tabindex="0" { table {
                    tr {
                        th { (l.pick("访员", "Interviewer")) } th { (l.pick("问卷", "Interviews")) }
                        th { (l.pick("用时中位数", "Median time")) } th { (l.pick("答案雷同比例", "Straight-lined")) }
                        th { (l.pick("“最满意”比例（访员）", "Top answers (interviews)")) }
                        th { (l.pick("同区自填", "Self-completed, same districts")) }
                        th { (l.pick("差值", "Difference")) } th { "p" } th { (l.pick("判断", "Verdict")) }
                    }
                    @for r in &c.rows {
                        tr {
                            td { (r.interviewer) br; small.meta { (r.districts.iter().map(|d| district_name(s, d, l)).collect::<Vec<_>>().join(l.pick("、", ", "))) } }
                            td.n { (r.interviews) }
                            td.n { @match r.median_seconds { Some(v) => (format!("{:.0} s", v)), None => "—" } }
                            td.n { (pct(r.straight_lining)) }
                            @match &r.comparison {
                                Some(h) => {
                                    td.n { (pct(h.a.estimate)) " ±" (format!("{:.1}", 196.0 * h.a.se)) br; small.meta { "n=" (h.a.n) } }
                                    td.n { (pct(h.b.estimate)) " ±" (format!("{:.1}", 196.0 * h.b.se)) br; small.meta { "n=" (h.b.n) } }
                                    td.n { (format!("{:+.1}", h.difference * 100.0)) }
                                    td.n { (format!("{:.4}", h.p_value)) }
                                }
                                None => { td {} td {} td {} td {} }
                            }
                            td { @if r.flagged { strong.flag { (l.pick("显著偏高，需核实", "significantly higher: check")) } }
                                 @else if r.comparison.is_some() { (l.pick("未见异常", "no sign")) }
                                 @else { (l.pick("无法比较", "cannot compare")) } }
                        }
                    }
                } }
                p.meta { (l.pick("±为95%置信区间半宽（百分点）。标记只是提示，不能据此认定违规。", "± is the half-width of the 95% interval (points). A flag is a prompt to check, not proof.")) }
            }
            h2 { (l.pick("同一调查点同一小时的扫码问卷", "QR responses at one place within one hour")) }
            p.meta { (match l {
                Lang::Zh => format!("同一张二维码在同一小时内收到{}份及以上有效问卷的共{}组；每组“最满意”比例与同区全部扫码问卷比较（同样加权、单侧检验，按组数Bonferroni校正，p < {:.5} 时标记）。下表列出p值最小的组。", crate::dashboard::interviewers::MIN_GROUP, c.points_tested, c.point_threshold),
                Lang::En => format!("{} groups of {} or more counted QR responses at one poster within one hour; each group's share of top answers against every QR response of its districts (same weighting, one-sided, Bonferroni over the groups: flag at p < {:.5}). The groups with the lowest p-values:", c.points_tested, crate::dashboard::interviewers::MIN_GROUP, c.point_threshold),
            }) }
            @if !c.points.is_empty() {
                div.scroll tabindex="0" { table {
                    tr { th { (l.pick("调查点", "Place")) } th { (l.pick("时段", "Hour")) } th { (l.pick("问卷", "Responses")) }
                        th { (l.pick("“最满意”比例", "Top answers")) } th { (l.pick("同区扫码", "QR, same districts")) } th { "p" } th { (l.pick("判断", "Verdict")) } }
                    @for r in &c.points {
                        tr {
                            td style="white-space:nowrap" { (community_name(s, &r.point, l)) br; small.meta { (district_name(s, &r.district, l)) } }
                            td style="white-space:nowrap" { (r.hour) }
                            td.n { (r.responses) }
                            td.n { (pct(r.comparison.a.estimate)) }
                            td.n { (pct(r.comparison.b.estimate)) }
                            td.n { (format!("{:.5}", r.comparison.p_value)) }
                            td { @if r.flagged { strong.flag { (l.pick("显著偏高，需核实", "significantly higher: check")) } } @else { (l.pick("未见异常", "no sign")) } }
                        }
                    }
                } }
            }
            (rates_section(l, s, c))
            @if let Some(f) = &c.field { (field_section(l, s, f, session.user.is_admin())) }
        },
    )
}

/// The AAPOR rates of the interviews (by district, by interviewer, in all) and the
/// invitation samples' response rate.
fn rates_section(l: Lang, s: &Survey, c: &crate::dashboard::interviewers::Check) -> Markup {
    use crate::dashboard::interviewers::RateRow;
    let pct = |v: f64| {
        if v.is_finite() {
            format!("{:.1}", v * 100.0)
        } else {
            "—".into()
        }
    };
    let table = |rows: &[&RateRow], first: &str, name: &dyn Fn(&str) -> String| {
        html! {
            div.scroll tabindex="0" { table {
                tr {
                    th { (first) } th { "I" } th { "P" } th { "R" } th { "NC" } th { "O" } th { "U" } th { "NE" }
                    @for k in 1..=6 { th { "RR" (k) } } @for k in 1..=4 { th { "COOP" (k) } }
                    @for k in 1..=3 { th { "REF" (k) } } @for k in 1..=3 { th { "CON" (k) } } th { "e" }
                }
                @for r in rows {
                    @let d = &r.dispositions;
                    tr {
                        td style="white-space:nowrap" { (name(&r.key)) }
                        td.n { (d.complete) } td.n { (d.partial) } td.n { (d.refusal) } td.n { (d.non_contact) }
                        td.n { (d.other) } td.n { (d.unknown) } td.n { (d.not_eligible) }
                        @for v in r.rates.rr { td.n { (pct(v)) } } @for v in r.rates.coop { td.n { (pct(v)) } }
                        @for v in r.rates.refusal { td.n { (pct(v)) } } @for v in r.rates.con { td.n { (pct(v)) } }
                        td.n { (format!("{:.2}", r.rates.e)) }
                    }
                }
            } }
        }
    };
    let by_d: Vec<&RateRow> = c.by_district.iter().chain(c.all.iter()).collect();
    let by_i: Vec<&RateRow> = c.by_interviewer.iter().collect();
    html! {
        h2 { (l.pick("访问的应答率（AAPOR）", "Interview response rates (AAPOR)")) }
        @if c.by_district.is_empty() {
            p { (l.pick("本轮还没有访问记录。", "No interview records in this wave yet.")) }
        } @else {
            p.meta { (l.pick(
                "I 完成，P 部分完成，R 拒访，NC 未接触，O 其他，U 是否符合条件不明，NE 不符合条件（甄别未通过的访问计为NE，不进入分母）。比率为百分比，按AAPOR标准定义计算；e 为不明个案中符合条件的比例（未在定义中设定时，按已知个案中符合条件的比例估计）。",
                "I complete, P partial, R refusal, NC non-contact, O other, U unknown eligibility, NE not eligible (screened-out interviews count as NE, outside every denominator). Rates in percent, by the AAPOR Standard Definitions; e is the eligible share of the unknown cases (estimated from the known cases unless the definition sets aapor_e).")) }
            h3 { (l.pick("按区", "By district")) }
            (table(&by_d, l.pick("区", "District"), &|k| district_name(s, k, l)))
            h3 { (l.pick("按访员", "By interviewer")) }
            (table(&by_i, l.pick("访员", "Interviewer"), &|k| k.to_string()))
        }
        @if !c.invites.is_empty() {
            h2 { (l.pick("邀请码样本的应答率", "Invitation sample response rate")) }
            table {
                tr { th { (l.pick("区", "District")) } th { (l.pick("发出邀请码", "Codes issued")) } th { (l.pick("完成", "Completes")) } th { (l.pick("不符合条件", "Not eligible")) } th { "RR1 = RR2" } }
                @for r in &c.invites {
                    tr { td { (district_name(s, &r.district, l)) } td.n { (r.issued) } td.n { (r.completes) } td.n { (r.not_eligible) } td.n { (pct(r.rr1)) "%" } }
                }
            }
            p.meta { (l.pick("每个邀请码只能使用一次（完成或甄别未通过），没有部分完成，所以RR1与RR2相同：完成数 ÷（发出的邀请码 − 不符合条件）。",
                "Each code is used once (a complete or a screen-out), so there are no partials and RR1 equals RR2: completes ÷ (codes issued − not eligible).")) }
        }
    }
}

/// The response funnel: views → submissions → screen-outs → completes → flagged,
/// superseded → counted, per collection district and per channel.
pub fn funnel(
    l: Lang,
    session: &Who<'_>,
    s: &Survey,
    district: Option<&str>,
    f: &crate::dashboard::funnel::Funnel,
) -> Markup {
    use crate::dashboard::funnel::Step;
    // Views lead to self-completed submissions only; where fewer views than those were
    // counted (counting began later), there is no share to give.
    let share = |a: i64, b: i64| {
        if b > 0 && a <= b {
            format!("{:.0}%", a as f64 / b as f64 * 100.0)
        } else {
            "—".into()
        }
    };
    let head = |first: &str| {
        html! { tr {
            th { (first) } th { (l.pick("问卷打开次数", "Views")) } th { (l.pick("开始作答", "Started")) } th { (l.pick("提交", "Submitted")) }
            th { (l.pick("自填提交/打开", "Self-completed / views")) } th { (l.pick("甄别未通过", "Screened out")) }
            th { (l.pick("完成", "Completes")) } th { (l.pick("质量标记", "Flagged")) } th { (l.pick("已作废", "Superseded")) }
            th { (l.pick("计入估计", "Counted")) } th { (l.pick("超限未计的打开", "Views left out")) }
        } }
    };
    let row = |name: String, c: &Step| {
        html! { tr {
            td style="white-space:nowrap" { (name) } td.n { (c.views) } td.n { (c.starts) } td.n { (c.submitted) } td.n { (share(c.self_submitted, c.views)) }
            td.n { (c.screened_out) } td.n { (c.completes) } td.n { (c.flagged) } td.n { (c.superseded) } td.n { (c.counted) } td.n { (c.left_out) }
        } }
    };
    let left_out = f.districts.last().map_or(0, |(_, all)| all.left_out);
    let back = match district {
        Some(d) => format!("/office/{}/d/{d}?lang={}", s.id, l.code()),
        None => format!("/office/{}?lang={}", s.id, l.code()),
    };
    layout(
        l,
        l.pick("应答漏斗", "Response funnel"),
        Some(session),
        None,
        html! {
            p.meta { a href=(back) { "← " (s.title.get(l)) } }
            h1 { (l.pick("应答漏斗", "Response funnel")) " · " (l.pick("第", "wave ")) (s.wave) (l.pick("轮", ""))
                @if let Some(d) = district { " · " (district_name(s, d, l)) } }
            p.meta { (l.pick(
                "按调查点所在区（二维码张贴处）和收集方式统计：问卷页面被打开的次数、开始作答的次数（页面脚本在第一个回答时报告；关闭JavaScript的浏览器不报告）——都只计数，不记录任何人、设备或地址——以及提交、甄别未通过、完成、质量标记、已作废和计入估计的问卷。各步分别计数，不追踪个人，所以比例是总数之比。",
                "By the district of the collection place (where the code hung) and channel: how often the questionnaire was opened and begun (the page's script reports the first answer; browsers without JavaScript do not) — counts only, no person, device or address kept — then submissions, screen-outs, completes, flagged, superseded and counted. Each step is counted on its own, no one is followed, so the shares are of totals.")) }
            div.scroll tabindex="0" role="region" aria-label=(l.pick("按区的应答漏斗", "Funnel by district")) { table {
                (head(l.pick("调查点所在区", "Collection district")))
                @for (d, c) in &f.districts {
                    (row(district_name(s, d, l), c))
                }
            } }
            p.meta {
                @if left_out > 0 {
                    (l.pick("有 ", "")) strong { (left_out) } (l.pick(
                        " 次打开或开始作答来自同一来源、超过了与提交相同的每来源限额（真实居民达不到的速度，多为脚本），没有计入上表的打开和开始作答次数；页面照常显示给他们。",
                        " views or starts came from one source beyond the per-source limit that submissions have (faster than residents read: mostly scripts) and are not in the views and starts above; the page was shown to them all the same."))
                } @else {
                    (l.pick("没有来源超过每来源限额：所有打开和开始作答都已计入。", "No source went beyond the per-source limit: every view and start is counted."))
                }
            }
            h2 { (l.pick("按收集方式", "By channel")) }
            div.scroll tabindex="0" role="region" aria-label=(l.pick("按收集方式的应答漏斗", "Funnel by channel")) { table {
                (head(l.pick("方式", "Channel")))
                @for (ch, c) in &f.channels { (row(crate::labels::mode_code_name(ch, l).to_string(), c)) }
            } }
            h2 { (l.pick("甄别未通过的原因", "Why screened out")) }
            @if f.reasons.is_empty() {
                p { (l.pick("本轮没有甄别未通过的问卷。", "No screen-outs in this wave.")) }
            } @else {
                table { @for (reason, n) in &f.reasons { tr { td { (reason) } td.n { (n) } } } }
            }
        },
    )
}

/// The household sample's checks: call-backs and where the phone stood.
fn field_section(
    l: Lang,
    s: &Survey,
    f: &crate::dashboard::interviewers::FieldChecks,
    admin: bool,
) -> Markup {
    let pct = crate::labels::pct;
    html! {
        h2 { (l.pick("入户调查：回访与位置", "Household interviews: call-backs and location")) }
        p.meta { (l.pick("回访：随机抽取每位访员已完成的入户问卷，由他人回访核实。有任何一份被受访者否认接受过访问，即标记为疑似编造。位置：访员同意后，手机只判断访问时是否在抽中社区边界内，不保存坐标。",
            "Call-backs: a random share of each interviewer's completed household interviews is revisited by someone else; any interview the resident denies flags the interviewer (fabrication). Location: with the interviewer's consent the phone only tells whether it stood inside the sampled community's outline; no coordinates are kept.")) }
        div.scroll tabindex="0" role="region" aria-label=(l.pick("回访与位置", "Call-backs and location")) { table {
            thead { tr {
                th scope="col" { (l.pick("访员", "Interviewer")) } th scope="col" { (l.pick("完成入户问卷", "Completes")) }
                th scope="col" { (l.pick("抽中回访", "Call-backs drawn")) } th scope="col" { (l.pick("已核实", "Verified")) }
                th scope="col" { (l.pick("未曾受访", "Not interviewed")) } th scope="col" { (l.pick("回答不符", "Answers differ")) }
                th scope="col" { (l.pick("位置在社区内", "Inside the community")) } th scope="col" { (l.pick("判断", "Verdict")) }
            } }
            tbody { @for c in &f.callbacks {
                @let loc = f.located.iter().find(|x| x.0 == c.interviewer);
                tr {
                    td { (c.interviewer) }
                    td.n { (c.completes) } td.n { (c.drawn) }
                    td.n { (c.checked) @if c.completes > 0 { " (" (pct(c.verified_share())) ")" } }
                    td.n { (c.not_interviewed) } td.n { (c.answers_differ) }
                    td.n { @match loc { Some((_, n, inside)) if *n > 0 => { (inside) "/" (n) " (" (pct(*inside as f64 / *n as f64)) ")" } _ => "—" } }
                    td { @if c.flagged { strong.flag { (l.pick("回访发现未曾受访：疑似编造", "a resident denies the interview: suspected fabrication")) } }
                         @else if c.checked > 0 { (l.pick("回访未见异常", "call-backs confirm")) }
                         @else { (l.pick("尚未回访", "not called back yet")) } }
                }
            } }
        } }
        @if admin { p { a href={ "/office/" (s.id) "/callbacks?lang=" (l.code()) } { (l.pick("回访核查 →", "Call-backs →")) } } }
    }
}
