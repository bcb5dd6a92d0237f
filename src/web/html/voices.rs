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
                h2 { (l.pick("各区主题（按关键词提出）", "Themes by district (proposed from keywords)")) }
                div.scroll { table {
                    tr { th { (l.pick("区", "District")) } th { (l.pick("回答数", "Answers")) }
                        @for t in &s.themes { th { a href=(href(s, f, l, None, Some(&t.code))) { (t.name.get(l)) } } } }
                    @for r in counts {
                        tr { td { (district_name(s, &r.district, l)) } td.n { (r.answers) }
                            @for c in &r.counts { td.n { (c) } } }
                    }
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
