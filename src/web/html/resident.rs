//! HTML for residents: the questionnaire and the pages around it. Server-rendered,
//! small, readable at large type, complete without JavaScript (a few lines of script
//! only hide questions that do not apply).

use maud::{html, Markup, PreEscaped, DOCTYPE};
use std::collections::BTreeMap;

use crate::answers::FieldError;
use crate::definition::{Kind, Lang, Question, Survey, DONT_KNOW};

const CSS: &str = "\
*{box-sizing:border-box}\
body{margin:0;font:1.25rem/1.6 system-ui,-apple-system,'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif;color:#111;background:#f6f6f3}\
main,header,footer{max-width:40rem;margin:0 auto;padding:0 1rem}\
header{display:flex;justify-content:space-between;align-items:center;padding-top:.6rem;font-size:1rem}\
h1{font-size:1.6rem;line-height:1.3;margin:.8rem 0}\
a{color:#0a4f9e}\
fieldset{border:0;background:#fff;border-radius:.5rem;margin:0 0 1rem;padding:1rem;box-shadow:0 1px 2px #0002}\
legend{float:left;width:100%;font-weight:600;margin-bottom:.5rem;padding:0}\
legend+*{clear:both}\
.o{display:flex;gap:.6rem;align-items:center;min-height:3rem;padding:.4rem .6rem;margin:.3rem 0;border:2px solid #bbb;border-radius:.4rem;background:#fff}\
.o input{width:1.5rem;height:1.5rem;margin:0;flex:none}\
.o:has(input:checked){border-color:#0a4f9e;background:#eef4fb}\
input[type=number],input[type=text],textarea,select{font:inherit;width:100%;padding:.5rem;border:2px solid #888;border-radius:.4rem}\
.req{color:#b00020;font-weight:400;font-size:1rem}\
.help,.cond{font-size:1rem;color:#444;margin:.2rem 0}\
.err{border-left:.4rem solid #b00020}\
.em{color:#b00020;font-weight:600;margin:.3rem 0}\
.chosen{color:#0b4ea2;font-weight:700;font-size:1.25rem;margin:.3rem 0}\
.notice{background:#eef4fb;border:2px solid #0a4f9e;border-radius:.5rem;padding:.6rem 1rem;margin-bottom:1rem}\
.sum{background:#fdecee;border:2px solid #b00020;border-radius:.5rem;padding:.6rem 1rem;margin-bottom:1rem}\
button{font:inherit;font-weight:600;width:100%;min-height:3.2rem;border:0;border-radius:.5rem;background:#0a4f9e;color:#fff;margin:.5rem 0 1.5rem}\
footer{font-size:.95rem;color:#444;padding-bottom:2rem}\
:focus-visible{outline:3px solid #e8a200;outline-offset:2px}";

pub struct Page<'a> {
    pub title: &'a str,
    pub lang: Lang,
    /// Link to the same page in the other language.
    pub switch: Option<String>,
    /// Scripts of its own (files under `/assets/`) and the CSRF token they send.
    pub scripts: Option<(&'a [&'a str], &'a str)>,
}

pub fn layout(p: &Page<'_>, body: Markup) -> Markup {
    let l = p.lang;
    html! {
        (DOCTYPE)
        html lang=(l.pick("zh-CN", "en")) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                title { (p.title) }
                style { (PreEscaped(CSS)) }
                @if let Some((scripts, csrf)) = p.scripts {
                    meta name="csrf-token" content=(csrf);
                    @for src in scripts { script src=(*src) defer {} }
                }
            }
            body {
                header {
                    span { "民意 minyi" }
                    @if let Some(href) = &p.switch {
                        a href=(href) lang=(l.pick("en", "zh-CN")) { (l.pick("English", "中文")) }
                    }
                }
                main { (body) }
                footer {
                    p { (l.pick("本调查匿名进行：不收集姓名、电话，不保存IP地址。答案仅用于统计。",
                        "This survey is anonymous: no names or phone numbers are asked and no IP addresses are kept. Answers are used only for statistics.")) }
                }
            }
        }
    }
}

/// A plain message page (errors, thanks, already answered).
pub fn message(lang: Lang, title: &str, lines: &[&str], switch: Option<String>) -> Markup {
    layout(
        &Page {
            title,
            lang,
            switch,
            scripts: None,
        },
        html! {
            h1 { (title) }
            @for l in lines { p { (l) } }
        },
    )
}

/// Everything the questionnaire form needs besides the survey.
pub struct FormState<'a> {
    pub lang: Lang,
    pub action: String,
    pub switch: String,
    pub district: &'a str,
    pub community: Option<&'a str>,
    pub channel: &'a str,
    pub key: String,
    pub start: String,
    /// Previous answers (after a failed submit) or pre-filled values.
    pub values: BTreeMap<String, Vec<String>>,
    pub errors: Vec<FieldError>,
    /// The invitation code from the card's link, if any.
    pub invite: Option<String>,
    /// The session's CSRF token, when an interviewer enters the answers.
    pub csrf: Option<String>,
    /// A line over the form (the interview mode and interviewer).
    pub notice: Option<Markup>,
    /// A household interview's form: what its script keeps on the phone, and the
    /// roster fields at the top of the form.
    pub field: Option<FieldForm>,
}

/// The household interview's parts of the questionnaire form.
pub struct FieldForm {
    pub survey: String,
    pub household: i64,
    /// Where the phone goes once the interview is kept (My households).
    pub back: String,
    /// How the queue names the interview ("幸福里 H017").
    pub label: String,
    /// Inside the form, before the questions: the roster and the location consent.
    pub roster: Markup,
    /// The sampled community's outline, `[[[lon, lat], …], …]`, for the location check.
    pub outline: String,
}

pub fn questionnaire(s: &Survey, st: &FormState<'_>) -> Markup {
    let l = st.lang;
    let place = s.point(st.district, st.community).map(|p| {
        let d = p.district();
        match p {
            crate::definition::PointRef::District(_) => d.name.get(l).to_string(),
            _ => format!("{} · {}", d.name.get(l), p.name().get(l)),
        }
    });
    let title = s.title.get(l);
    let scripts: &[&str] = &["/assets/field.js"];
    layout(
        &Page {
            title,
            lang: l,
            switch: Some(st.switch.clone()),
            scripts: st
                .field
                .as_ref()
                .map(|_| (scripts, st.csrf.as_deref().unwrap_or(""))),
        },
        html! {
            @if let Some(f) = &st.field { (super::field::queue_banner(l)) script #community-outline type="application/json" { (PreEscaped(&f.outline)) } }
            h1 { (title) }
            @if let Some(p) = place { p.help { (l.pick("调查点：", "Collection point: ")) (p) } }
            @if let Some(n) = &st.notice { div.notice role="status" { (n) } }
            @if !s.intro.get(l).is_empty() { p { (s.intro.get(l)) } }
            @if !st.errors.is_empty() {
                div.sum role="alert" id="errors" {
                    p.em { (l.pick("有", "")) (st.errors.len()) (l.pick(" 处需要修改，请查看标红的题目：", " answers need attention:")) }
                    ul { @for e in &st.errors {
                        @if let Some(q) = s.question(&e.question) {
                            li { a href={ "#" (q.id) } { (q.text.get(l)) } }
                        } @else {
                            li { (e.message(l)) }
                        }
                    } }
                }
            }
            form method="post" action=(st.action) novalidate
                data-field=[st.field.as_ref().map(|_| "interview")]
                data-survey=[st.field.as_ref().map(|f| &f.survey)]
                data-household=[st.field.as_ref().map(|f| f.household)]
                data-back=[st.field.as_ref().map(|f| &f.back)]
                data-label=[st.field.as_ref().map(|f| &f.label)] {
                @if let Some(f) = &st.field { (f.roster) }
                input type="hidden" name="m.key" value=(st.key);
                input type="hidden" name="m.t" value=(st.start);
                input type="hidden" name="m.lang" value=(l.code());
                input type="hidden" name="m.ch" value=(st.channel);
                @if let Some(c) = &st.csrf { input type="hidden" name="m.csrf" value=(c); }
                @if s.invitation_only {
                    @let err = st.errors.iter().find(|e| e.question == "invite");
                    fieldset #invite class=[err.map(|_| "err")] {
                        legend { (l.pick("邀请码", "Invitation code")) " " span.req { (l.pick("（必填）", "(required)")) } }
                        p.help { (l.pick("请输入邀请卡上的8位邀请码。每张卡只能使用一次。", "Enter the 8-character code on your invitation card. Each card works once.")) }
                        @if let Some(e) = err { p.em { (e.message(l)) } }
                        input type="text" name="m.code" value=[st.invite.as_deref()] autocomplete="off" autocapitalize="characters" aria-label=(l.pick("邀请码", "Invitation code"));
                    }
                } @else if let Some(code) = &st.invite {
                    input type="hidden" name="m.code" value=(code);
                }
                @for (q, n) in s.questions.iter().zip(numbers(s, st)) {
                    (question(s, q, n, st))
                }
                p #so .em hidden { (l.pick("感谢您的配合！根据您的回答，本次调查无需继续，请直接提交。",
                    "Thank you! Based on your answer the survey ends here; please submit.")) }
                button type="submit" { (l.pick("提交问卷", "Submit")) }
            }
            script src=(crate::web::assets::url("questionnaire.js")) {}
        },
    )
}

/// The number of every question a resident sees, in order: a follow-up (`show_if`)
/// counts only when the answers so far ask it, so without JavaScript too the numbers
/// on the page run without gaps (the script renumbers as answers change).
fn numbers(s: &Survey, st: &FormState<'_>) -> Vec<Option<usize>> {
    let answered = |qid: &str, any_of: &[String]| {
        st.values
            .get(qid)
            .is_some_and(|v| v.iter().any(|x| any_of.contains(x)))
    };
    let mut n = 0;
    s.questions
        .iter()
        .map(|q| {
            let shown = q
                .show_if
                .as_ref()
                .is_none_or(|c| answered(&c.question, &c.any_of));
            shown.then(|| {
                n += 1;
                n
            })
        })
        .collect()
}

fn question(s: &Survey, q: &Question, n: Option<usize>, st: &FormState<'_>) -> Markup {
    let l = st.lang;
    let err = st.errors.iter().find(|e| e.question == q.id);
    let vals: &[String] = st.values.get(&q.id).map(|v| v.as_slice()).unwrap_or(&[]);
    let cond = q
        .show_if
        .as_ref()
        .map(|c| format!("{}={}", c.question, c.any_of.join(",")));
    let so = (!q.screen_out.is_empty()).then(|| q.screen_out.join(","));
    let cond_text = q.show_if.as_ref().and_then(|c| {
        let prev = s.question(&c.question)?;
        let opts: Vec<&str> = c
            .any_of
            .iter()
            .filter_map(|a| prev.option(a).map(|o| o.label.get(l)))
            .collect();
        Some(format!(
            "{}{}{}",
            l.pick("（仅当上题“", "(Only if you answered “"),
            opts.join(l.pick("”或“", "” or “")),
            l.pick("”时回答）", "” above)")
        ))
    });
    let eid = format!("e-{}", q.id);
    html! {
        fieldset #(q.id) class=[err.map(|_| "err")] data-if=[cond] data-so=[so] data-q=(q.id)
            aria-describedby=[err.map(|_| eid.as_str())] {
            legend { span.qn { @if let Some(n) = n { (n) ". " } } (q.text.get(l))
                @if q.required { " " span.req { (l.pick("（必答）", "(required)")) } } }
            @if let Some(c) = cond_text { p.cond { (c) } }
            @if let Some(h) = &q.help { p.help { (h.get(l)) } }
            @if let Some(e) = err { p.em id=(eid) { (e.message(l)) } }
            @match q.kind {
                Kind::Number => {
                    input type="number" name=(q.id) inputmode="numeric" step="any"
                        min=[q.min] max=[q.max] value=[vals.first()] aria-label=(q.text.get(l));
                }
                Kind::Community => { (community_choice(s, q, st)) }
                Kind::Text => {
                    p.help { (l.pick("请不要填写姓名、电话、身份证号等个人信息；如填写，保存前会被自动遮盖。",
                        "Please do not write your name, phone number or ID number; if you do, they are masked before anything is stored.")) }
                    textarea name=(q.id) rows="3" maxlength=(q.max_len) aria-label=(q.text.get(l)) { (vals.first().map(String::as_str).unwrap_or("")) }
                }
                _ => {
                    @let ty = if q.multi_answer() { "checkbox" } else { "radio" };
                    @for o in &q.options {
                        label.o {
                            input type=(ty) name=(q.id) value=(o.code) checked[vals.contains(&o.code)];
                            (if o.code == DONT_KNOW { l.pick("说不清", "Don't know") } else { o.label.get(l) })
                        }
                    }
                }
            }
        }
    }
}

/// The resident's community: at a residential poster one tap says "I live here";
/// otherwise (and to change it) a select of every community, grouped by district and
/// street, which the script filters by the district chosen above and by typing.
fn community_choice(s: &Survey, q: &Question, st: &FormState<'_>) -> Markup {
    let l = st.lang;
    let here_name = crate::collect::here_field(&q.id);
    let home = s.point(st.district, st.community).and_then(|p| p.home());
    let chosen = st
        .values
        .get(&q.id)
        .and_then(|v| v.first())
        .filter(|v| !v.is_empty());
    // Pre-filled at a residential poster, until the resident says otherwise.
    let here_on = chosen.is_none()
        && st
            .values
            .get(&here_name)
            .is_none_or(|v| v.iter().any(|x| x == "1"));
    let dq = s.district_question().map_or("", |d| d.id.as_str());
    html! {
        @if let Some((c, g)) = home {
            label.o { input type="radio" name=(here_name) value="1" checked[here_on];
                (l.pick("我住在这里：", "I live here: ")) (c.name.get(l)) @if let Some(g) = g { " · " (g.name.get(l)) } }
            label.o { input type="radio" name=(here_name) value="0" checked[!here_on];
                (l.pick("我住在别处（请在下面选择）", "I live elsewhere (choose below)")) }
        }
        input.cf type="search" hidden autocomplete="off" placeholder=(l.pick("输入社区名称筛选", "Type to filter"))
            aria-label=(l.pick("筛选社区", "Filter communities"));
        select name=(q.id) data-dq=(dq) aria-label=(q.text.get(l)) {
            option value="" { (l.pick("请选择您居住的社区", "Choose the community you live in")) }
            @for d in &s.districts {
                @for (street, members) in by_street(d, l) {
                    optgroup label={ (d.name.get(l)) @if let Some(st) = &street { " · " (st) } } {
                        @for c in members {
                            option value=(c.code) data-d=(d.code) selected[chosen.is_some_and(|v| *v == c.code)] { (c.name.get(l)) }
                        }
                    }
                }
            }
            @if q.dont_know {
                option value=(DONT_KNOW) selected[chosen.is_some_and(|v| v == DONT_KNOW)] { (l.pick("说不清 / 不在列表中", "Don't know / not listed")) }
            }
        }
    }
}

/// A district's communities grouped by street, in order (no street: one group).
fn by_street(
    d: &crate::definition::District,
    l: Lang,
) -> Vec<(Option<String>, Vec<&crate::definition::Community>)> {
    let mut out: Vec<(Option<String>, Vec<&crate::definition::Community>)> = Vec::new();
    for c in &d.communities {
        let name = c.street.as_ref().map(|t| t.get(l).to_string());
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => v.push(c),
            None => out.push((name, vec![c])),
        }
    }
    out
}

/// The thank-you page after a submission (or after a screening answer ended it).
pub fn thanks(l: Lang, survey: &str, screened: bool, masked: bool) -> Markup {
    let other = if l == Lang::En { "zh" } else { "en" };
    let switch = Some(format!(
        "/thanks/{survey}?lang={other}{}{}",
        if screened { "&screened=1" } else { "" },
        if masked { "&masked=1" } else { "" }
    ));
    let lines: &[&str] = if screened {
        &[l.pick(
            "本次调查的对象是在本市居住满半年的18周岁及以上居民。感谢您抽出时间！",
            "This survey is for residents aged 18 or over who have lived here for at least six months. Thank you for your time!",
        )]
    } else {
        &[
            l.pick("您的答案已保存。", "Your answers have been saved."),
            l.pick(
                "调查结果将用于改进城市管理和服务。",
                "The results will help improve the city's services.",
            ),
        ]
    };
    // What a resident typed that could identify them was masked before it was stored.
    let note = l.pick(
        "您填写的意见中含有电话、证件号、住址或姓名等个人信息，已在保存前自动遮盖，没有保存原文。",
        "Your comment contained personal details (a phone or ID number, an address or a name); they were masked before anything was stored.",
    );
    let with_note: Vec<&str>;
    let lines = if masked {
        with_note = lines.iter().copied().chain(std::iter::once(note)).collect();
        &with_note[..]
    } else {
        lines
    };
    message(
        l,
        l.pick("感谢您的参与！", "Thank you for taking part!"),
        lines,
        switch,
    )
}

/// The site's front page: the open surveys and a link per district.
pub fn index(l: Lang, surveys: &[&Survey]) -> Markup {
    let body = html! {
        h1 { (l.pick("民意调查", "Public opinion surveys")) }
        p { (l.pick("请扫描张贴在您所在社区的二维码参加调查。下列调查正在进行：",
            "Scan the QR code posted in your community to take part. These surveys are open:")) }
        @for s in surveys {
            h2 { (s.title.get(l)) }
            ul { @for d in &s.districts {
                li { a href={ "/s/" (s.id) "/" (d.code) "?ch=link&lang=" (l.code()) } { (d.name.get(l)) } }
            } }
        }
    };
    layout(
        &Page {
            title: l.pick("民意调查", "Public opinion surveys"),
            lang: l,
            switch: Some(format!("/?lang={}", l.pick("en", "zh"))),
            scripts: None,
        },
        body,
    )
}
