//! HTML of the office dashboard (maud): the layout, sign-in, the survey list, the
//! survey and district pages and the data-quality panel. Plain server-rendered pages
//! that work without JavaScript; a few lines of script refresh the figures while a
//! page is open.

use maud::{html, Markup, PreEscaped, DOCTYPE};
use std::collections::BTreeMap;
use std::sync::Arc;

pub(super) use super::rates::{headlines, rate_cell, state_class, target_note};
use super::Who;
use crate::collect::Channel;
use crate::dashboard::{Counts, Figures, Filter, FlaggedRow};
use crate::definition::{Lang, Question, Survey};
use crate::labels::{flag_name, mode_name, pct, weighting_name};
use crate::labels::{target_state, target_state_meaning};
use crate::stats::is_rate;
use crate::stats::{Estimate, TargetState};

const CSS: &str = "\
*{box-sizing:border-box}\
body{margin:0;font:1.05rem/1.5 system-ui,-apple-system,'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif;color:#111;background:#f6f6f3}\
header.top{display:flex;flex-wrap:wrap;gap:.5rem 1.2rem;align-items:center;padding:.5rem 1rem;background:#0a4f9e;color:#fff}\
header.top a{color:#fff}header.top form{margin:0 0 0 auto}\
header.top button{background:none;border:1px solid #fff;color:#fff;padding:.2rem .7rem;border-radius:.3rem;font:inherit;cursor:pointer}\
main{max-width:78rem;margin:0 auto;padding:0 1rem 3rem}\
h1{font-size:1.5rem;margin:1rem 0 .3rem}h2{font-size:1.2rem;margin:1.6rem 0 .5rem}\
a{color:#0a4f9e}\
.meta{color:#444;font-size:.95rem;margin:.2rem 0}\
.note{background:#fff8e1;border-left:.3rem solid #e8a200;padding:.4rem .8rem;margin:.6rem 0}\
.warn{background:#fdecee;border-left:.3rem solid #b00020;padding:.4rem .8rem;margin:.6rem 0}\
table{border-collapse:collapse;background:#fff;width:100%;font-size:.95rem}\
th,td{border:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}\
th{background:#eef2f7}td.n{text-align:right;font-variant-numeric:tabular-nums}\
.scroll{overflow-x:auto}\
.ok{color:#0b6e3a}.below{color:#b00020}.dir{font-style:italic;color:#6b4e00}.sup{color:#555}\
details.long>summary{cursor:pointer;margin:1.6rem 0 .5rem}details.long>summary h2{display:inline;margin:0}\
.bar{display:inline-block;height:.6rem;background:#0a4f9e;vertical-align:middle;margin-right:.3rem}\
form.filters{display:flex;flex-wrap:wrap;gap:.6rem;align-items:end;background:#fff;padding:.6rem;border-radius:.4rem}\
form.inline{display:flex;flex-wrap:wrap;gap:.3rem;align-items:center;margin:0}\
label{display:flex;flex-direction:column;font-size:.9rem}\
select,input{font:inherit;padding:.3rem;border:1px solid #888;border-radius:.3rem}\
button{font:inherit;padding:.35rem .9rem;border:0;border-radius:.3rem;background:#0a4f9e;color:#fff;cursor:pointer}\
button.danger{background:#b00020}\
.charts figure{background:#fff;margin:.8rem 0;padding:.4rem;border-radius:.4rem}\
.charts img,.charts svg{max-width:100%;height:auto}\
.downloads a{margin-right:1rem}\
:focus-visible{outline:3px solid #e8a200;outline-offset:2px}";

/// `live`: the summary URL the page refreshes from, and every how many seconds.
pub fn layout(
    l: Lang,
    title: &str,
    session: Option<&Who<'_>>,
    live: Option<(String, u32)>,
    body: Markup,
) -> Markup {
    layout_with(l, title, session, live, &[], body)
}

/// [`layout`] with scripts of its own (files under `/assets/`, deferred) and, with
/// them, the session's CSRF token in a meta tag for what the scripts send.
pub fn layout_with(
    l: Lang,
    title: &str,
    session: Option<&Who<'_>>,
    live: Option<(String, u32)>,
    scripts: &[&str],
    body: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(l.pick("zh-CN", "en")) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                meta name="robots" content="noindex";
                title { (title) " · minyi" }
                @if live.is_some() {
                    // Without JavaScript the page reloads itself once a minute instead.
                    noscript { meta http-equiv="refresh" content="60"; }
                }
                style { (PreEscaped(CSS)) }
                @if !scripts.is_empty() {
                    @if let Some(s) = session { meta name="csrf-token" content=(s.csrf); }
                    @for src in scripts { script src=(src) defer {} }
                }
            }
            body data-idle=[session.and_then(|s| s.idle_secs)] {
                header.top {
                    strong { "民意 minyi" }
                    @if let Some(s) = session {
                        a href={ "/office?lang=" (l.code()) } { (l.pick("调查列表", "Surveys")) }
                        @if s.user.interviews() {
                            a href={ "/office/field?lang=" (l.code()) } { (l.pick("我的住户", "My households")) }
                            a href={ "/office/interview?lang=" (l.code()) } { (l.pick("录入访问问卷", "Enter interviews")) }
                        }
                        @if s.user.is_admin() {
                            a href={ "/office/users?lang=" (l.code()) } { (l.pick("用户", "Users")) }
                            a href={ "/office/audit?lang=" (l.code()) } { (l.pick("操作日志", "Audit log")) }
                            a href={ "/office/db?lang=" (l.code()) } { (l.pick("数据库检查", "Database")) }
                        }
                        span { (s.user.username) " · " (role_name(s, l)) }
                        a href={ "/office/password?lang=" (l.code()) } { (l.pick("修改密码", "Password")) }
                        a href={ "/office/2fa?lang=" (l.code()) } { (l.pick("两步验证", "Two-step sign-in")) }
                        form method="post" action="/logout" {
                            input type="hidden" name="csrf" value=(s.csrf);
                            button type="submit" { (l.pick("退出", "Sign out")) }
                        }
                    }
                }
                main data-live=[live.as_ref().map(|l| &l.0)] data-every=[live.as_ref().map(|l| l.1)]
                    data-states=[live.as_ref().map(|_| states_json(l))] { (body) }
                @if session.is_some() {
                    script src=(crate::web::assets::url("live.js")) {}
                    script src=(crate::web::assets::url("idle.js")) {}
                }
            }
        }
    }
}

/// Each target state's words, meaning and CSS class, for the live refresh.
fn states_json(l: Lang) -> String {
    let m: serde_json::Map<String, serde_json::Value> = TargetState::ALL
        .iter()
        .map(|s| {
            let v = serde_json::json!([
                target_state(*s, l),
                target_state_meaning(*s, l),
                state_class(*s)
            ]);
            (s.code().to_string(), v)
        })
        .collect();
    serde_json::Value::Object(m).to_string()
}

fn role_name(s: &Who<'_>, l: Lang) -> String {
    use crate::accounts::Role::*;
    match s.user.role {
        Admin => l.pick("管理员", "admin").into(),
        Viewer => l.pick("查看", "viewer").into(),
        District => format!(
            "{}{}",
            l.pick("区级：", "district: "),
            s.user.district.as_deref().unwrap_or("")
        ),
        Interviewer => l.pick("访员", "interviewer").into(),
    }
}

pub fn message(l: Lang, title: &str, detail: &str) -> Markup {
    layout(
        l,
        title,
        None,
        None,
        html! {
            h1 { (title) }
            p { (detail) }
            p { a href="/office" { (l.pick("返回调查列表", "Back to the surveys")) } " · "
                a href="/login" { (l.pick("登录", "Sign in")) } }
        },
    )
}

/// `idle`: the session before was ended for being idle this long.
pub fn login(
    l: Lang,
    next: &str,
    error: Option<&str>,
    idle: Option<chrono::Duration>,
    csrf: &str,
) -> Markup {
    layout(
        l,
        l.pick("登录", "Sign in"),
        None,
        None,
        html! {
            h1 { (l.pick("创文办工作台登录", "Office sign-in")) }
            @if let Some(e) = error { p.warn role="alert" { (e) } }
            @if let Some(d) = idle {
                p.note role="status" { (l.pick("您已 {m} 分钟无操作，为安全已自动退出登录。请重新登录。", "You were signed out after {m} minutes without activity. Please sign in again.").replace("{m}", &d.num_minutes().to_string())) }
            }
            form method="post" action="/login" style="max-width:22rem;display:grid;gap:.8rem" {
                input type="hidden" name="next" value=(next);
                input type="hidden" name="lang" value=(l.code());
                input type="hidden" name="csrf" value=(csrf);
                label { (l.pick("用户名", "Username")) input name="username" autocomplete="username" required; }
                label { (l.pick("密码", "Password")) input type="password" name="password" autocomplete="current-password" required; }
                button type="submit" { (l.pick("登录", "Sign in")) }
            }
            p.meta { a href={ "/login?lang=" (l.pick("en", "zh")) "&next=" (next) } { (l.pick("English", "中文")) } }
            p.meta { (l.pick("账号由管理员创建（minyi user add）。居民填写问卷无需登录。",
                "Accounts are created by an admin (minyi user add). Residents answer without signing in.")) }
        },
    )
}

/// The second step of signing in: the authenticator app's code or a recovery code.
pub fn second_factor(l: Lang, next: &str, error: Option<&str>, csrf: &str) -> Markup {
    layout(
        l,
        l.pick("两步验证", "Two-step sign-in"),
        None,
        None,
        html! {
            h1 { (l.pick("两步验证", "Two-step sign-in")) }
            @if let Some(e) = error { p.warn role="alert" { (e) } }
            p #code-help { (l.pick("请输入手机验证器应用（如腾讯身份验证器、Google Authenticator、Microsoft Authenticator）当前显示的6位数字。手机不在身边时，可输入一个恢复码（每个只能用一次）。",
                "Enter the 6 digits your authenticator app (Google Authenticator, Microsoft Authenticator or another) shows now. Without your phone, enter one of your recovery codes (each works once).")) }
            form method="post" action="/login/code" style="max-width:22rem;display:grid;gap:.8rem" {
                input type="hidden" name="next" value=(next);
                input type="hidden" name="lang" value=(l.code());
                input type="hidden" name="csrf" value=(csrf);
                label { (l.pick("验证码或恢复码", "Code or recovery code"))
                    input name="code" autocomplete="one-time-code" autocapitalize="none" spellcheck="false" aria-describedby="code-help" required autofocus; }
                button type="submit" { (l.pick("登录", "Sign in")) }
            }
            p.meta { (l.pick("手机丢失且恢复码用完时，请管理员在服务器上运行 minyi user reset-2fa 用户名。", "Lost your phone and your recovery codes? An admin runs minyi user reset-2fa USERNAME on the server.")) }
        },
    )
}

pub fn home(l: Lang, session: &Who<'_>, surveys: &[(Arc<Survey>, Option<String>)]) -> Markup {
    let u = &session.user;
    layout(
        l,
        l.pick("调查列表", "Surveys"),
        Some(session),
        None,
        html! {
            h1 { (l.pick("调查列表", "Surveys")) }
            @if !u.sees_results() {
                p { (l.pick("访员账号只能录入电话或入户访问问卷，不能查看结果。",
                    "Interviewer accounts enter telephone and household interviews; they see no results.")) }
                p { a href={ "/office/interview?lang=" (l.code()) } { (l.pick("开始录入", "Start entering interviews")) } }
            } @else {
                table {
                    tr { th { (l.pick("调查", "Survey")) } th { (l.pick("轮次", "Wave")) } th { (l.pick("时间", "Dates")) } th { (l.pick("状态", "Status")) } }
                    @for (s, closed) in surveys {
                        tr {
                            td {
                                @if let Some(d) = u.district.as_deref().filter(|_| !u.sees_city()) {
                                    @if s.district(d).is_some() {
                                        a href={ "/office/" (s.id) "/d/" (d) "?lang=" (l.code()) } { (s.title.get(l)) }
                                    } @else { (s.title.get(l)) }
                                } @else {
                                    a href={ "/office/" (s.id) "?lang=" (l.code()) } { (s.title.get(l)) }
                                }
                            }
                            td.n { (s.wave) }
                            td { (s.opens) " – " (s.closes) }
                            td { (status(l, s, closed.as_deref())) }
                        }
                    }
                }
            }
        },
    )
}

pub fn status(l: Lang, s: &Survey, closed: Option<&str>) -> String {
    let today = chrono::Local::now().date_naive();
    match closed {
        Some(at) => format!("{}{at}", l.pick("已提前结束：", "closed early: ")),
        None if today > s.closes => l.pick("已结束", "closed").into(),
        None if today < s.opens => l.pick("未开始", "not yet open").into(),
        None => l.pick("收集中", "collecting").into(),
    }
}

pub(super) fn find<'a>(s: &Survey, fig: &'a Figures, q: &str, group: &str) -> Option<&'a Estimate> {
    // Community columns of the district page are collection points.
    let domain = match group {
        "ALL" => "city",
        g if g.contains('/') => "collection_community",
        _ => "district",
    };
    fig.of_domain(s, domain)
        .find(|e| e.indicator == q && e.group == group && is_rate(e))
}

pub(super) fn method_lines(l: Lang, fig: &Figures) -> Markup {
    let excluded = &fig.excluded;
    html! {
        p.meta {
            (fig.collection) " · "
            @if let Some(r) = &fig.report {
                (l.pick("加权：", "weighting: ")) (weighting_name(r.weighting, l)) " · "
                (l.pick("置信区间：", "interval: ")) (format!("{:.0}%", r.level * 100.0)) " " (r.method.name()) " · "
                (l.pick("纳入估计：", "in estimates: ")) (r.respondents)
            }
            " · " (l.pick("更新于 ", "updated ")) span #updated { (chrono::Local::now().format("%H:%M:%S")) }
        }
        @if excluded.responses > 0 {
            p.meta { (l.pick("未纳入估计的问卷：", "Left out of the estimates: ")) (excluded.responses)
                " (" (excluded.by_flag.iter().map(|(k, v)| format!("{} {v}", flag_name(k, l))).collect::<Vec<_>>().join(", ")) ")" }
        }
        @if let Some(n) = &fig.weighting_note { p.note { (n) } }
    }
}

/// The collection points a filter offers (every poster place but a district's own),
/// of one district or of all with the district's name in front.
pub(super) fn collection_points(
    s: &Survey,
    district: Option<&str>,
    l: Lang,
) -> Vec<(String, String)> {
    s.points()
        .into_iter()
        .filter(|p| !matches!(p, crate::definition::PointRef::District(_)))
        .filter(|p| district.is_none_or(|d| p.district().code == d))
        .map(|p| {
            let name = match district {
                Some(_) => p.name().get(l).to_string(),
                None => format!("{} · {}", p.district().name.get(l), p.name().get(l)),
            };
            (p.code().to_string(), name)
        })
        .collect()
}

pub(super) fn filters(
    l: Lang,
    action: &str,
    fig: &Figures,
    f: &Filter,
    communities: &[(String, String)],
) -> Markup {
    html! {
        form.filters method="get" action=(action) {
            input type="hidden" name="lang" value=(l.code());
            label { (l.pick("轮次", "Wave"))
                select name="wave" { @for w in &fig.waves { option value=(w) selected[*w == fig.wave] { (w) } } } }
            label { (l.pick("调查点（二维码张贴处）", "Collection point (where the code hung)"))
                select name="community" {
                    option value="" { (l.pick("全部", "all")) }
                    @for (code, name) in communities { option value=(code) selected[f.community.as_deref() == Some(code.as_str())] { (name) } }
                } }
            label { (l.pick("收集方式", "Mode"))
                select name="mode" {
                    option value="" { (l.pick("全部", "all")) }
                    @for m in Channel::ALL { option value=(m.as_str()) selected[f.mode.as_deref() == Some(m.as_str())] { (mode_name(m, l)) } }
                } }
            button type="submit" { (l.pick("筛选", "Apply")) }
        }
    }
}

pub(super) fn query(l: Lang, fig: &Figures, f: &Filter) -> String {
    let mut q = format!("lang={}&wave={}", l.code(), fig.wave);
    if let Some(m) = &f.mode {
        q.push_str(&format!("&mode={m}"));
    }
    q
}

/// The pace to the evaluation date: one row per district (or per community of one
/// district), with what this pace reaches in words.
pub(super) fn pace_section(
    l: Lang,
    s: &Survey,
    p: &crate::stats::pace::Pace,
    district: Option<&str>,
) -> Markup {
    let rows: Vec<&crate::stats::pace::PaceRow> = match district {
        None => p.districts.iter().collect(),
        Some(d) => p.communities.iter().filter(|r| r.district == d).collect(),
    };
    let name = |r: &crate::stats::pace::PaceRow| match &r.community {
        Some(c) => s
            .find_community(c)
            .map_or(c.clone(), |(_, c)| c.name.get(l).to_string()),
        None => s
            .district(&r.district)
            .map_or(r.district.clone(), |d| d.name.get(l).to_string()),
    };
    let behind: Vec<&&crate::stats::pace::PaceRow> = rows.iter().filter(|r| !r.on_pace).collect();
    html! {
        h2 { (l.pick("距测评验收日的进度", "Pace to the evaluation date")) }
        p.meta { (match l {
            Lang::Zh => format!("测评验收日 {}，还有 {} 天（含今天）。近7天的进度按有效问卷（不含质量标记和已作废问卷）计算，各种收集方式合计。", p.evaluation_date, p.days_left),
            Lang::En => format!("Evaluation on {}, {} days from today (today included). The last 7 days' pace counts complete responses without quality flags or supersessions, all modes together.", p.evaluation_date, p.days_left),
        }) }
        div.scroll tabindex="0" { table {
            tr {
                th { (if district.is_some() { l.pick("社区", "Community") } else { l.pick("区", "District") }) }
                th { (l.pick("有效问卷", "Completes")) } th { (l.pick("计划", "Planned")) }
                th { (l.pick("近7天日均", "Per day, last 7 days")) } th { (l.pick("每天还需", "Needed per day")) }
                th { (l.pick("按此进度到验收日", "At this pace by the evaluation")) }
            }
            @for r in &rows {
                tr {
                    td { (name(r)) }
                    td.n { (r.completes) } td.n { (r.planned) }
                    td.n { (format!("{:.1}", r.per_day_last_7)) }
                    td.n { @match r.needed_per_day { Some(v) => (format!("{v:.1}")), None => (l.pick("已到期", "date passed")) } }
                    td.n { @if r.on_pace { (format!("{:.0}%", r.projected_share * 100.0)) } @else { strong.flag { (format!("{:.0}%", r.projected_share * 100.0)) } } }
                }
            }
        } }
        @if !behind.is_empty() {
            p { (l.pick("按目前进度达不到计划的：", "Behind the plan at this pace: "))
                (behind.iter().take(12).map(|r| match l {
                    Lang::Zh => format!("{}（到验收日可达计划的{:.0}%，每天需{:.1}份，近7天日均{:.1}份）", name(r), r.projected_share * 100.0, r.needed_per_day.unwrap_or(f64::NAN), r.per_day_last_7),
                    Lang::En => format!("{} (reaches {:.0}% of its plan; needs {:.1} a day, did {:.1} a day over the last 7 days)", name(r), r.projected_share * 100.0, r.needed_per_day.unwrap_or(f64::NAN), r.per_day_last_7),
                }).collect::<Vec<_>>().join(l.pick("；", "; ")))
                @if behind.len() > 12 { (match l { Lang::Zh => format!("等{}个", behind.len()), Lang::En => format!(" and {} more", behind.len() - 12) }) }
            }
        }
    }
}

/// The reach of each option of the multiple-choice questions, city-wide.
fn reach_section(l: Lang, s: &Survey, r: &crate::stats::Report) -> Markup {
    let qs: Vec<(&Question, Vec<(String, &crate::stats::Estimate)>)> = s
        .questions
        .iter()
        .filter(|q| q.kind == crate::definition::Kind::Multiple)
        .map(|q| (q, crate::figures::reach(r, q, l)))
        .filter(|(_, rows)| !rows.is_empty())
        .collect();
    html! {
        @if !qs.is_empty() {
            h2 { (l.pick("多选题：各选项选择比例（全市）", "Multiple choice: share choosing each option (city)")) }
            p.meta { (l.pick("每项为回答此题的居民中选择该项的加权比例，可多选，各项之和可超过100%。", "The weighted share of those who answered who chose each option; several answers allowed, so shares may add up to more than 100%.")) }
            @for (q, rows) in &qs {
                h3 style="font-size:1rem;margin:1rem 0 .3rem" { (q.text.get(l)) }
                table {
                    tr { th { (l.pick("选项", "Option")) } th { (l.pick("比例", "Share")) } th { (l.pick("置信区间", "Interval")) } th { "n" } th { (l.pick("标记", "Flag")) } }
                    @for (label, e) in rows {
                        @let shown = e.flag != crate::stats::Flag::Suppress;
                        tr {
                            td { (label) }
                            td.n { @if shown { (pct(e.estimate)) } }
                            td.n { @if let (true, Some(a), Some(b)) = (shown, e.ci_low, e.ci_high) { (pct(a)) "–" (pct(b)) } }
                            td.n { (e.n) }
                            td { (crate::labels::publication_flag(e.flag, l)) }
                        }
                    }
                }
            }
        }
    }
}

pub(super) fn counts_cells(c: &Counts) -> Markup {
    let share = if c.planned > 0 {
        c.total as f64 / c.planned as f64
    } else {
        0.0
    };
    html! {
        td.n data-k={ (c.district) ".today" } { (c.today) }
        td.n data-k={ (c.district) ".total" } { (c.total) }
        td { span.bar style={ "width:" (format!("{:.1}", share.min(1.0) * 5.0)) "rem" } {} (format!("{:.0}%", share * 100.0)) " / " (c.planned) }
        td.n data-k={ (c.district) ".flagged" } { (c.flagged) }
    }
}

/// What a survey or district page shows: who looks, at which figures, filtered how.
pub struct View<'a> {
    pub l: Lang,
    pub who: Who<'a>,
    pub survey: &'a Survey,
    pub fig: &'a Figures,
    pub filter: &'a Filter,
    /// Seconds between live refreshes.
    pub every: u32,
    /// The household probability sample's figures of the same wave, where there are.
    pub household: Option<&'a crate::dashboard::HouseholdFigures>,
}

pub fn survey(v: &View<'_>, closed: Option<String>) -> Markup {
    let (l, session, s, fig, f, every) = (v.l, &v.who, v.survey, v.fig, v.filter, v.every);
    let heads = headlines(s);
    let q = query(l, fig, f);
    let communities = collection_points(s, None, l);
    let live = format!(
        "/api/surveys/{}/summary?wave={}{}{}",
        s.id,
        fig.wave,
        f.mode
            .as_ref()
            .map(|m| format!("&mode={m}"))
            .unwrap_or_default(),
        f.community
            .as_ref()
            .map(|c| format!("&community={c}"))
            .unwrap_or_default()
    );
    layout(
        l,
        s.title.get(l),
        Some(session),
        Some((live, every)),
        html! {
            h1 { (s.title.get(l)) " · " (l.pick("第", "wave ")) (fig.wave) (l.pick("轮", "")) }
            p.meta { (status(l, s, closed.as_deref())) " · " (s.opens) " – " (s.closes) " · "
                a href={ "?lang=" (l.pick("en", "zh")) "&wave=" (fig.wave) } { (l.pick("English", "中文")) } }
            (filters(l, &format!("/office/{}", s.id), fig, f, &communities))
            @if let Some(h) = v.household { (super::household::section(l, s, h, fig, None)) }
            (method_lines(l, fig))
            div.scroll tabindex="0" { table {
                tr {
                    th { (l.pick("区", "District")) } th { (l.pick("今日", "Today")) } th { (l.pick("累计", "Total")) }
                    th { (l.pick("进度/计划样本", "Progress / planned")) } th { (l.pick("标记", "Flagged")) }
                    @for (d, q) in &heads { th { (d.label().get(l)) br; small { (q.label(l)) } @if let Some(t) = s.target_for(q) { br; small { (l.pick("目标 ", "target ")) (pct(t)) } } } }
                }
                @for c in &fig.counts {
                    @let name = s.district(&c.district).map_or(c.district.as_str(), |d| d.name.get(l));
                    tr {
                        td { a href={ "/office/" (s.id) "/d/" (c.district) "?" (q) } { (name) } }
                        (counts_cells(c))
                        @for (_, qq) in &heads { (rate_cell(l, find(s, fig, &qq.id, &c.district))) }
                    }
                }
                tr {
                    th { (l.pick("全市", "City")) }
                    td.n { (fig.counts.iter().map(|c| c.today).sum::<usize>()) }
                    td.n { (fig.counts.iter().map(|c| c.total).sum::<usize>()) }
                    td {} td.n { (fig.counts.iter().map(|c| c.flagged).sum::<usize>()) }
                    @for (_, qq) in &heads { (rate_cell(l, find(s, fig, &qq.id, "ALL"))) }
                }
            } }
            (target_note(l))
            p.meta { (l.pick("“标记”为质量可疑或已作废的问卷：保留但不纳入估计。", "“Flagged”: responses kept but left out of the estimates (quality flags or superseded)."))
                " " a href={ "/office/" (s.id) "/quality?lang=" (l.code()) } { (l.pick("查看数据质量", "Data quality")) }
                " " a href={ "/office/" (s.id) "/voices?lang=" (l.code()) } { (l.pick("居民心声（开放题回答）", "Residents' voices (open answers)")) }
                " " a href={ "/office/" (s.id) "/funnel?lang=" (l.code()) } { (l.pick("应答漏斗", "Response funnel")) }
                " " a href={ "/office/" (s.id) "/ledger?lang=" (l.code()) } { (l.pick("整改台账", "Rectification ledger")) }
                @if session.user.sees_city() { " " a href={ "/office/" (s.id) "/interviewers?lang=" (l.code()) } { (l.pick("访员核查", "Interviewer checks")) } }
                @if s.household_sample.is_some() { " " a href={ "/office/" (s.id) "/sample?lang=" (l.code()) } { (l.pick("入户抽样", "Household sample")) } } }
            @if let Some(p) = fig.pace(s) { (pace_section(l, s, &p, None)) }
            @if let Some(r) = &fig.report { (reach_section(l, s, r)) }
            h2 { (l.pick("下载与海报", "Downloads and posters")) }
            p.downloads {
                a href={ "/office/" (s.id) "/download/responses.csv" } { (l.pick("原始数据 CSV", "Responses CSV")) }
                a href={ "/office/" (s.id) "/download/responses.xlsx" } { (l.pick("原始数据 XLSX", "Responses XLSX")) }
                a href={ "/office/" (s.id) "/download/pack.zip" } { (l.pick("汇报材料包（ZIP）", "Briefing pack (ZIP)")) }
                a href={ "/office/" (s.id) "/download/briefing.docx?lang=" (l.code()) } { (l.pick("简报（Word）", "Briefing (Word)")) }
                a href={ "/office/" (s.id) "/download/briefing.pdf?lang=" (l.code()) } { (l.pick("简报（PDF）", "Briefing (PDF)")) }
                a href={ "/office/" (s.id) "/posters?lang=" (l.code()) } { (l.pick("二维码海报（A4打印）", "QR posters (A4, print)")) }
                a href={ "/office/" (s.id) "/download/posters.pdf?lang=" (l.code()) } { (l.pick("二维码海报（PDF）", "QR posters (PDF)")) }
                a href={ "/office/" (s.id) "/download/qr.zip" } { (l.pick("全部二维码（ZIP）", "All QR codes (ZIP)")) }
                a href={ "/office/" (s.id) "/download/weak_spots.xlsx?" (q) } { (l.pick("全市薄弱社区清单 XLSX", "Weak spots, all districts (XLSX)")) }
                a href={ "/office/" (s.id) "/download/weak_spots.csv?" (q) } { (l.pick("CSV", "CSV")) }
            }
            (maps(l, s, &format!("/office/{}/chart/", s.id), &q))
            h2 { (l.pick("图表", "Charts")) }
            div.charts {
                @for (name, alt) in [("progress", l.pick("样本收集进度", "Collection progress")), ("heat", l.pick("各区各项指标", "Indicators by district")), ("likert", l.pick("各领域满意度分布", "Satisfaction by task area"))] {
                    figure { img src={ "/office/" (s.id) "/chart/" (name) ".svg?" (q) } alt=(alt) loading="lazy"; }
                }
                @for (_, qq) in &heads {
                    figure { img src={ "/office/" (s.id) "/chart/rate_" (qq.id) ".svg?" (q) } alt=(qq.label(l)) loading="lazy"; }
                }
            }
            @if session.user.is_admin() && closed.is_none() {
                h2 { (l.pick("结束调查", "Close the survey")) }
                form method="post" action={ "/office/" (s.id) "/close" } {
                    input type="hidden" name="csrf" value=(session.csrf);
                    p.meta { (l.pick("结束后二维码和链接不再接受新的问卷。此操作记入操作日志，不能撤销。",
                        "After closing, codes and links accept no new responses. This is logged and cannot be undone.")) }
                    button.danger type="submit" { (l.pick("立即结束本调查", "Close this survey now")) }
                }
            }
        },
    )
}

/// Maps of the headline rates, when the definition has outlines: `base` is the chart
/// URL prefix (`/office/ID/chart/` or `/office/ID/d/XC/chart/`).
pub(super) fn maps(l: Lang, s: &Survey, base: &str, q: &str) -> Markup {
    if s.boundaries.is_none() {
        return html! {};
    }
    let heads: Vec<&Question> = headlines(s).into_iter().map(|(_, q)| q).collect();
    html! {
        h2 { (l.pick("地图", "Maps")) }
        div.charts { @for qq in heads {
            figure { img src={ (base) "map_" (qq.id) ".svg?" (q) } alt={ (qq.label(l)) (l.pick("：地图", ": map")) } loading="lazy";
                figcaption.meta { a href={ (base) "map_" (qq.id) ".png?" (q) } { (l.pick("下载 PNG（2倍）", "PNG (2×)")) } } }
        } }
    }
}

pub fn quality(
    l: Lang,
    session: &Who<'_>,
    s: &Survey,
    district: Option<&str>,
    by_flag: &BTreeMap<String, usize>,
    rows: &[FlaggedRow],
) -> Markup {
    layout(
        l,
        l.pick("数据质量", "Data quality"),
        Some(session),
        None,
        html! {
            h1 { (l.pick("数据质量", "Data quality")) " · " (s.title.get(l))
                @if let Some(d) = district { " · " (s.district(d).map_or(d, |x| x.name.get(l))) } }
            p { (l.pick("以下问卷（所有轮次）在提交时被自动标记，或被办公室作废。它们保留在数据库中，默认不纳入任何估计，每个输出都注明排除了多少。",
                "These responses (all waves) were flagged when submitted, or superseded by the office. They stay stored, are left out of every estimate by default, and every output says how many were left out.")) }
            table {
                tr { th { (l.pick("标记", "Flag")) } th { (l.pick("问卷数", "Responses")) } th { (l.pick("是否纳入估计", "In estimates")) } th { (l.pick("规则", "Rule")) } }
                @for (f, n) in by_flag {
                    tr { td { (flag_name(f, l)) } td.n { (n) } td { (l.pick("否（默认排除）", "no (excluded by default)")) } td { (flag_rule(f, s, l)) } }
                }
                @if by_flag.is_empty() { tr { td colspan="4" { (l.pick("暂无被标记的问卷。", "No flagged responses.")) } } }
            }
            h2 { (l.pick("最近被标记的问卷", "Latest flagged responses")) }
            div.scroll tabindex="0" { table {
                tr { th { "#" } th { (l.pick("提交时间", "Submitted")) } th { (l.pick("居住区", "District")) } th { (l.pick("调查点", "Collection point")) } th { (l.pick("方式", "Mode")) } th { (l.pick("标记", "Flags")) } }
                @for r in rows.iter().take(300) {
                    tr { td.n { (r.id) } td { (r.submitted_at) } td { (r.district) } td { (r.collection_point) } td { (crate::labels::mode_code_name(&r.channel, l)) }
                        td { (r.flags.iter().map(|f| flag_name(f, l)).collect::<Vec<_>>().join(", ")) } }
                }
            } }
            @if rows.len() > 300 { p.meta { (l.pick("只显示最近300份；完整清单见原始数据下载的 quality_flags 列。", "Showing the latest 300; the quality_flags column of the responses download has all.")) } }
        },
    )
}

fn flag_rule(f: &str, s: &Survey, l: Lang) -> String {
    use crate::quality::*;
    match f {
        TOO_FAST => match s.min_seconds {
            Some(m) => format!("{}{m}{}", l.pick("用时少于", "completed in under "), l.pick("秒", " s")),
            None => l.pick("满100份后，用时少于中位数的三分之一", "after 100 responses, under a third of the median time").into(),
        },
        STRAIGHT_LINING => l.pick("所有评分题选择同一答案", "the same answer on every rating item").into(),
        SOURCE_BURST if l == Lang::En => format!("more than {BURST_LIMIT} from one source within {BURST_WINDOW_MINUTES} minutes"),
        SOURCE_BURST => format!("同一来源{BURST_WINDOW_MINUTES}分钟内超过{BURST_LIMIT}份"),
        REPEATED_PATTERN if l == Lang::En => format!("the same complete answers at one collection point {} or more times within {PATTERN_WINDOW_MINUTES} minutes", PATTERN_LIMIT + 1),
        REPEATED_PATTERN => format!("同一调查点{PATTERN_WINDOW_MINUTES}分钟内出现完全相同的答案组合{}次以上", PATTERN_LIMIT + 1),
        SUPERSEDED => l.pick("办公室作废，原因已记录", "withdrawn by the office with a logged reason").into(),
        _ => String::new(),
    }
}
