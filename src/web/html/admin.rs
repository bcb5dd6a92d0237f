//! HTML of the admin pages (users, password, audit log) and the interviewer's start
//! page and banner.

use maud::{html, Markup, PreEscaped};
use std::sync::Arc;

use super::office::layout;
use super::Who;
use crate::collect::Channel;
use crate::definition::{Lang, Survey};
use crate::labels::mode_name;
use crate::storage::{AuditRow, UserRow};

pub fn users(
    l: Lang,
    session: &Who<'_>,
    rows: &[UserRow],
    districts: &[(String, String)],
    msg: Option<&str>,
) -> Markup {
    layout(
        l,
        l.pick("用户", "Users"),
        Some(session),
        None,
        html! {
            h1 { (l.pick("用户", "Users")) }
            @if let Some(m) = msg {
                @if m == "added" { p.note { (l.pick("已添加用户。", "User added.")) } } @else { p.warn role="alert" { (m) } }
            }
            table {
                tr { th { (l.pick("用户名", "Username")) } th { (l.pick("角色", "Role")) } th { (l.pick("区", "District")) } th { (l.pick("状态", "State")) } th { (l.pick("操作", "Actions")) } }
                @for u in rows {
                    tr {
                        td { (u.username) } td { (u.role) } td { (u.district.as_deref().unwrap_or("")) }
                        td { @if u.disabled != 0 { (l.pick("已停用", "disabled")) } @else { (l.pick("启用", "enabled")) } }
                        td { @if u.username != session.user.username { form method="post" action={ "/office/users/" (u.username) "/" (if u.disabled != 0 { "enable" } else { "disable" }) } {
                            input type="hidden" name="csrf" value=(session.csrf);
                            button type="submit" class=[(u.disabled == 0).then_some("danger")] {
                                @if u.disabled != 0 { (l.pick("启用", "Enable")) } @else { (l.pick("停用", "Disable")) } }
                        } } }
                    }
                }
            }
            h2 { (l.pick("添加用户", "Add a user")) }
            form method="post" action="/office/users" style="display:grid;gap:.6rem;max-width:24rem" {
                input type="hidden" name="csrf" value=(session.csrf);
                input type="hidden" name="lang" value=(l.code());
                label { (l.pick("用户名", "Username")) input name="username" required; }
                label { (l.pick("初始密码（至少10位）", "Initial password (10 characters or more)")) input type="password" name="password" autocomplete="new-password" required; }
                label { (l.pick("角色", "Role")) select name="role" {
                    option value="viewer" { (l.pick("查看（全市）", "viewer (city-wide)")) }
                    option value="district" { (l.pick("区级（只看本区）", "district officer (own district)")) }
                    option value="interviewer" { (l.pick("访员（录入电话/入户问卷）", "interviewer (enters interviews)")) }
                    option value="admin" { (l.pick("管理员", "admin")) }
                } }
                label { (l.pick("区（仅区级账号）", "District (district officers only)")) select name="district" {
                    option value="" { "—" }
                    @for (c, n) in districts { option value=(c) { (n) " (" (c) ")" } }
                } }
                button type="submit" { (l.pick("添加", "Add")) }
            }
            p.meta { (l.pick("用户可在“修改密码”页面自行改密码；忘记密码时，在服务器上运行 minyi user passwd 用户名。",
                "Users change their own password on the “Password” page; for a forgotten one, run minyi user passwd USERNAME on the server.")) }
        },
    )
}

pub fn password(
    l: Lang,
    session: &Who<'_>,
    msg: Option<(bool, String)>,
    rules: &crate::accounts::PasswordRules,
) -> Markup {
    layout(
        l,
        l.pick("修改密码", "Change password"),
        Some(session),
        None,
        html! {
            h1 { (l.pick("修改密码", "Change password")) }
            @match msg {
                Some((true, m)) => p.note role="status" { (m) },
                Some((false, m)) => p.warn role="alert" { (m) },
                None => {},
            }
            form method="post" action="/office/password" style="display:grid;gap:.6rem;max-width:24rem" {
                input type="hidden" name="csrf" value=(session.csrf);
                input type="hidden" name="lang" value=(l.code());
                label { (l.pick("当前密码", "Current password")) input type="password" name="current" autocomplete="current-password" required; }
                p.meta #rules { (l.pick("新密码要求：", "The new password: ")) (rules.describe(l)) (l.pick("。", ".")) }
                label { (l.pick("新密码", "New password")) input type="password" name="new" autocomplete="new-password" aria-describedby="rules" minlength=(rules.min_chars) required; }
                label { (l.pick("再输一次新密码", "New password again")) input type="password" name="again" autocomplete="new-password" required; }
                button type="submit" { (l.pick("修改", "Change")) }
            }
        },
    )
}

/// Enrolling an authenticator app: the QR code, the secret to type instead, the code.
pub fn two_factor_enrol(
    l: Lang,
    session: &Who<'_>,
    secret: &str,
    qr_svg: Option<&str>,
    error: Option<&str>,
) -> Markup {
    // Groups of four are easier to type into an app by hand.
    let grouped: Vec<String> = secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    layout(
        l,
        l.pick("两步验证", "Two-step sign-in"),
        Some(session),
        None,
        html! {
            h1 { (l.pick("开启两步验证", "Turn on two-step sign-in")) }
            @if let Some(e) = error { p.warn role="alert" { (e) } }
            p { (l.pick("登录时除密码外，还需输入手机验证器应用生成的6位验证码：密码被盗也打不开本账号。",
                "Besides the password, signing in will ask for a 6-digit code from an authenticator app on your phone: a stolen password alone no longer opens this account.")) }
            ol {
                li { (l.pick("在手机上安装验证器应用（如腾讯身份验证器、Google Authenticator、Microsoft Authenticator）。", "Install an authenticator app on your phone (Google Authenticator, Microsoft Authenticator or another).")) }
                li { (l.pick("在应用中扫描下面的二维码，或手动输入密钥：", "Scan the QR code below in the app, or type the key by hand:"))
                    " " code #secret { (grouped.join(" ")) } }
                li { (l.pick("输入应用显示的6位数字。", "Enter the 6 digits the app shows.")) }
            }
            @if let Some(svg) = qr_svg { div.qr style="max-width:16rem" { (PreEscaped(svg)) } }
            form method="post" action="/office/2fa" style="display:grid;gap:.6rem;max-width:24rem" {
                input type="hidden" name="csrf" value=(session.csrf);
                input type="hidden" name="lang" value=(l.code());
                label { (l.pick("验证码", "Code")) input name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" required; }
                button type="submit" { (l.pick("开启", "Turn on")) }
            }
        },
    )
}

/// The recovery codes, shown once at enrolment.
pub fn recovery_codes(l: Lang, session: &Who<'_>, codes: &[String]) -> Markup {
    layout(
        l,
        l.pick("恢复码", "Recovery codes"),
        Some(session),
        None,
        html! {
            h1 { (l.pick("两步验证已开启", "Two-step sign-in is on")) }
            p.warn role="alert" { (l.pick("请立即抄写或打印下面的恢复码并妥善保管：手机不在身边时，每个恢复码可代替验证码登录一次。本页关闭后不再显示。",
                "Write down or print these recovery codes now and keep them safe: without your phone, each signs you in once in place of a code. They are not shown again.")) }
            ul #recovery-codes { @for c in codes { li { code { (c) } } } }
            p { a href={ "/office?lang=" (l.code()) } { (l.pick("进入工作台", "Go to the office")) } }
        },
    )
}

/// Two-step sign-in is on: what is left and what to do when the phone is lost.
pub fn two_factor_on(l: Lang, session: &Who<'_>, left: i64) -> Markup {
    layout(
        l,
        l.pick("两步验证", "Two-step sign-in"),
        Some(session),
        None,
        html! {
            h1 { (l.pick("两步验证", "Two-step sign-in")) }
            p.note role="status" { (l.pick("本账号已开启两步验证。", "Two-step sign-in is on for this account.")) }
            p { (l.pick("未用的恢复码：", "Unused recovery codes: ")) (left) }
            p.meta { (l.pick("手机丢失时，请管理员在服务器上运行 minyi user reset-2fa 用户名，之后重新开启。", "If the phone is lost, an admin runs minyi user reset-2fa USERNAME on the server; then turn it on again.")) }
        },
    )
}

pub fn audit(l: Lang, session: &Who<'_>, rows: &[AuditRow]) -> Markup {
    layout(
        l,
        l.pick("操作日志", "Audit log"),
        Some(session),
        None,
        html! {
            h1 { (l.pick("操作日志", "Audit log")) }
            p.meta { (l.pick("登录、导出、结束调查和用户变更，最近500条。日志只能追加，不能修改或删除。",
                "Sign-ins, exports, closures and user changes; the latest 500. The log is append-only.")) }
            table {
                tr { th { (l.pick("时间（UTC）", "Time (UTC)")) } th { (l.pick("用户", "User")) } th { (l.pick("操作", "Action")) } th { (l.pick("详情", "Detail")) } }
                @for r in rows { tr { td { (r.at.format("%Y-%m-%d %H:%M:%S")) } td { (r.actor) } td { (r.action) } td { (r.detail) } } }
            }
        },
    )
}

pub fn interview_start(l: Lang, session: &Who<'_>, surveys: &[Arc<Survey>]) -> Markup {
    layout(
        l,
        l.pick("录入访问问卷", "Enter interviews"),
        Some(session),
        None,
        html! {
            h1 { (l.pick("录入访问问卷", "Enter interviews")) }
            p { (l.pick("电话访问或入户访问时，由访员代居民填写。每份问卷记录访问方式和访员。请逐字念题，不要提示答案。",
                "For telephone or household interviews, the interviewer enters the resident's answers. Each response records the mode and the interviewer. Read each question as written; never suggest an answer.")) }
            @for s in surveys {
                h2 { (s.title.get(l)) }
                form method="get" action={ "/office/interview/" (s.id) } {
                    input type="hidden" name="lang" value=(l.code());
                    label { (l.pick("受访者所在区", "Resident's district")) select name="d" { @for d in &s.districts { option value=(d.code) { (d.name.get(l)) } } } }
                    label { (l.pick("方式", "Mode")) select name="mode" {
                        option value="phone" { (l.pick("电话访问", "telephone")) }
                        option value="household" { (l.pick("入户访问", "household")) }
                    } }
                    button type="submit" { (l.pick("开始", "Start")) }
                }
            }
        },
    )
}

/// The banner over an interview form: mode, interviewer, the last save, a way back.
pub fn interview_notice(
    l: Lang,
    mode: Channel,
    interviewer: &str,
    saved: Option<&str>,
    attempt: &str,
    csrf: &str,
) -> Markup {
    let outcomes = [
        ("refusal", "拒访", "refusal"),
        (
            "non_contact",
            "未接触到（无人接听、家中无人）",
            "no contact (no answer, nobody home)",
        ),
        ("partial", "中途终止（部分完成）", "broke off (partial)"),
        (
            "not_eligible",
            "不符合条件（非本市居民、未满18岁、空号）",
            "not eligible (not a resident, under 18, no such number)",
        ),
        ("unknown", "无法确定是否符合条件", "eligibility unknown"),
        ("other", "其他原因未完成", "other non-response"),
    ];
    html! {
        (l.pick("访问方式：", "Mode: ")) strong { (mode_name(mode, l)) }
        " · " (l.pick("访员：", "interviewer: ")) (interviewer)
        @if let Some(x) = saved { br; strong { (x) } }
        form method="post" action=(attempt) style="margin:.4rem 0" {
            input type="hidden" name="csrf" value=(csrf);
            label { (l.pick("未完成的接触，记录结果（用于计算应答率）：", "An attempt without an interview — record its outcome (for the response rates): "))
                select name="disposition" { @for (code, zh, en) in outcomes { option value=(code) { (l.pick(zh, en)) } } } }
            " " button type="submit" { (l.pick("记录", "Record")) }
        }
        br; a href={ "/office/interview?lang=" (l.code()) } { (l.pick("换一个区或访问方式", "Change district or mode")) }
        " · " a href={ "/office?lang=" (l.code()) } { (l.pick("工作台", "Office")) }
    }
}

pub fn db_check(l: Lang, session: &Who<'_>, check: &crate::storage::DeepCheck) -> Markup {
    let audit = &check.audit;
    layout(
        l,
        l.pick("数据库检查", "Database check"),
        Some(session),
        None,
        html! {
            h1 { (l.pick("数据库检查", "Database check")) }
            p.meta { (l.pick("逐页检查数据库文件（SQLite integrity_check；PostgreSQL 由服务器自行检查），逐行核对操作日志的哈希链，并检查数据库文件是否只有本服务的用户可读。负载均衡的健康检查 /healthz 只确认数据库能应答。",
                "Checks every page of the database file (SQLite integrity_check; PostgreSQL checks its own pages), recomputes the audit log's hash chain row by row, and checks that only the service's user can read the database files. The load balancers' /healthz only asks whether the database answers.")) }
            @if check.is_sound() {
                p.note role="status" { (l.pick("数据库完好。", "The database is sound.")) }
            } @else {
                p.warn role="alert" { (l.pick("发现问题：数据页损坏或操作日志链断裂时，请先用 minyi export 导出数据，再恢复最近的备份（minyi backup）。", "Problems found: for damaged pages or a broken audit chain, export the responses (minyi export) first, then restore the latest backup (minyi backup).")) }
                ul { @for line in check.problems() { li { (line) } } }
            }
            h2 { (l.pick("操作日志哈希链", "The audit log's hash chain")) }
            p {
                (l.pick("每行操作日志带有其内容与上一行哈希的 SHA-256；有人绕过 minyi 修改或删除某行，链会在其后一行断开。", "Each audit row carries the SHA-256 of its content and the previous row's hash; a row altered or removed outside minyi breaks the chain at the next row."))
            }
            dl {
                dt { (l.pick("行数", "Rows")) } dd { (audit.rows) }
                @if audit.before_chain > 0 {
                    dt { (l.pick("链之前的行（旧版本写入）", "Rows before the chain (written by an older version)")) } dd { (audit.before_chain) }
                }
                dt { (l.pick("链", "Chain")) }
                dd { @match &audit.first_break {
                    None => (l.pick("完整", "intact")),
                    Some(b) => { (l.pick("断开于第 ", "broken at row ")) (b.id) (l.pick(" 行", "")) },
                } }
                @if let Some((id, hash)) = &audit.head {
                    dt { (l.pick("链头（请另行记录，以便发现末尾被删除的行）", "Head (write it down elsewhere, to see whether rows were cut off the end)")) }
                    dd { (l.pick("第 ", "row ")) (id) (l.pick(" 行：", ": ")) code { (hash) } }
                }
            }
        },
    )
}
