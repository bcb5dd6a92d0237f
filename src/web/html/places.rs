//! The district page and the drill-down below it (streets, communities, grids), the
//! weak-spots list and the maps. Places here are where residents live; the collection points
//! (where a poster hung) have their own table on the district page.

use maud::{html, Markup};

use super::office::{
    collection_points, counts_cells, filters, find, headlines, layout, maps, method_lines,
    pace_section, query, rate_cell, target_note, View,
};
use crate::dashboard::places::{self, Level, PlaceRow, WeakSpots};
use crate::dashboard::DistrictView;
use crate::definition::{Lang, Question};
use crate::labels::{pct, publication_flag, target_state};

/// One table of places with their counts, progress and headline rates.
pub fn place_table(
    v: &View<'_>,
    rows: &[PlaceRow],
    link: &dyn Fn(&PlaceRow) -> Option<String>,
) -> Markup {
    let (l, s, fig) = (v.l, v.survey, v.fig);
    let heads = headlines(s);
    let first = match rows.first().map(|r| r.level) {
        Some(Level::Street) => l.pick("街道", "Street"),
        Some(Level::Grid) => l.pick("网格", "Grid"),
        _ => l.pick("社区", "Community"),
    };
    html! {
        div.scroll tabindex="0" { table {
            tr {
                th { (first) } th { (l.pick("今日", "Today")) } th { (l.pick("累计", "Total")) }
                th { (l.pick("进度/计划样本", "Progress / planned")) } th { (l.pick("标记", "Flagged")) }
                @for (d, q) in &heads { th { (d.label().get(l)) br; small { (q.label(l)) } } }
            }
            @for r in rows {
                tr {
                    td { @match link(r) { Some(href) => a href=(href) { (r.name) }, None => (r.name) } }
                    td.n { (r.today) } td.n { (r.total) }
                    td { @match r.planned {
                        Some(p) if p > 0 => {
                            @let share = r.total as f64 / p as f64;
                            span.bar style={ "width:" (format!("{:.1}", share.min(1.0) * 5.0)) "rem" } {}
                            (format!("{:.0}%", share * 100.0)) " / " (p)
                        }
                        _ => "—",
                    } }
                    td.n { (r.flagged) }
                    @for (_, q) in &heads {
                        @if r.code.is_empty() { td.sup { "—" } }
                        @else { (model_cell(l, places::rate(s, fig, r.level, &r.group, &q.id))) }
                    }
                }
            }
        } }
    }
}

/// A community's rate: the model estimate with its interval and state, marked as a
/// model estimate, with the direct figure and its n beneath; the direct figure alone
/// where there is no model.
pub fn model_cell(l: Lang, e: Option<&crate::stats::Estimate>) -> Markup {
    let Some((e, m)) = e.and_then(|e| e.model.as_ref().map(|m| (e, m))) else {
        return rate_cell(l, e);
    };
    let direct = if e.n == 0.0 {
        l.pick("无受访者", "no respondents").to_string()
    } else if e.flag == crate::stats::Flag::Suppress {
        format!("{} n={}", l.pick("样本不足", "too few"), e.n)
    } else {
        format!("{} n={}", pct(e.estimate), e.n)
    };
    html! {
        td class=(m.target_status.map_or("", |t| super::office::state_class(t.state))) {
            strong { (pct(m.estimate)) } " " small.dir { (l.pick("模型估计", "model")) @if m.gamma.is_none() { (l.pick("（合成）", " (synthetic)")) } }
            br; small { (pct(m.ci_low)) "–" (pct(m.ci_high)) }
            @if let Some(t) = m.target_status { br; small title=(crate::labels::target_state_meaning(t.state, l)) { (target_state(t.state, l)) } }
            br; small.sup { (l.pick("直接：", "direct: ")) (direct) }
        }
    }
}

/// The weak-spots section of a district (or the city) page, with its downloads;
/// `open`: the new-item address (with its wave and language) for users who may open
/// ledger items here.
pub fn weak_spots(l: Lang, w: &WeakSpots, download: &str, q: &str, open: Option<&str>) -> Markup {
    let cols = if open.is_some() { "7" } else { "6" };
    let row = |x: &places::WeakSpot| {
        html! {
            tr {
                td { (x.name) @if let Some(st) = &x.street { br; small.meta { (st) } } }
                td { (x.label) }
                td.n { (pct(x.estimate)) @if x.model { " " small.dir { (l.pick("模型估计", "model")) } } br; small { (crate::labels::pct_interval(x.ci_low, x.ci_high)) } }
                td.n { (pct(x.target)) }
                td.n { (x.n) @if x.model { br; small.sup { (l.pick("直接 ", "direct ")) (x.direct.map_or(l.pick("样本不足", "too few").to_string(), pct)) } } }
                td { (target_state(x.state, l)) @if !x.model && !publication_flag(x.flag, l).is_empty() { br; small.dir { (publication_flag(x.flag, l)) } } }
                @if let Some(o) = open {
                    td { a href={ (o) "&district=" (x.district) "&level=community&place=" (x.community) "&indicator=" (x.indicator) } { (l.pick("立项整改", "Open an item")) } }
                }
            }
        }
    };
    html! {
        h2 id="weak" { (l.pick("薄弱社区（低于目标）", "Weak spots (communities below target)")) }
        p.meta { (match l {
            Lang::Zh => format!("按居住社区。有小区域模型的指标按模型估计（Fay–Herriot，按区直接估计基准化）及其区间判断，并列出直接估计与受访人数；{} 个社区指标有目标，其中 {} 个没有模型估计且样本太少、无法判断（未列出）。", w.figures, w.too_small),
            Lang::En => format!("By community of residence. Where the small-area model ran, its estimate (Fay–Herriot, benchmarked to the district's direct rate) and interval decide, with the direct figure and n beside it; of {} community figures with a target, {} have no model estimate and too few respondents to judge (not listed).", w.figures, w.too_small),
        }) }
        @if w.significant.is_empty() && w.below.is_empty() {
            p { (l.pick("没有可判断为低于目标的社区。", "No community can be judged below its target.")) }
        } @else {
            div.scroll tabindex="0" { table {
                tr { th { (l.pick("社区", "Community")) } th { (l.pick("指标", "Indicator")) } th { (l.pick("估计值（置信区间）", "Rate (interval)")) }
                    th { (l.pick("目标", "Target")) } th { (l.pick("受访人数", "n")) } th { (l.pick("与目标相比", "Against the target")) }
                    @if open.is_some() { th { (l.pick("整改台账", "Ledger")) } } }
                @if !w.significant.is_empty() {
                    tr { th colspan=(cols) { (l.pick("显著低于目标（整个置信区间低于目标）", "Significantly below (the whole interval below the target)")) } }
                    @for x in &w.significant { (row(x)) }
                }
                @if !w.below.is_empty() {
                    tr { th colspan=(cols) { (l.pick("低于目标，但差异不显著", "Below the target, not significantly")) } }
                    @for x in &w.below { (row(x)) }
                }
            } }
        }
        p.downloads {
            a href={ (download) "weak_spots.xlsx?" (q) } { (l.pick("薄弱社区清单 XLSX（整改台账）", "Weak spots XLSX (rectification ledger)")) }
            a href={ (download) "weak_spots.csv?" (q) } { (l.pick("薄弱社区清单 CSV", "Weak spots CSV")) }
        }
    }
}

/// A street's page: its communities.
pub fn street(v: &View<'_>, district: &str, street: &str, rows: &[PlaceRow]) -> Markup {
    let (l, s, fig) = (v.l, v.survey, v.fig);
    let d = s.district(district);
    let dname = d.map_or(district, |d| d.name.get(l));
    let sname = d
        .and_then(|d| d.street(street))
        .map_or(street, |st| st.name.get(l));
    let q = query(l, fig, v.filter);
    let base = format!("/office/{}/d/{district}", s.id);
    layout(
        l,
        sname,
        Some(&v.who),
        None,
        html! {
            h1 { (sname) " · " (dname) }
            p.meta { a href={ (base) "?" (q) } { "← " (dname) } }
            (method_lines(l, fig))
            h2 { (l.pick("各社区（居住地）", "Communities (where residents live)")) }
            (place_table(v, rows, &|r: &PlaceRow| Some(format!("{base}/c/{}?{q}", r.code))))
            (target_note(l))
        },
    )
}

/// A community's page: every rate of the community, and its grids.
pub fn community(v: &View<'_>, district: &str, community: &str, grids: &[PlaceRow]) -> Markup {
    let (l, s, fig) = (v.l, v.survey, v.fig);
    let d = s.district(district);
    let dname = d.map_or(district, |d| d.name.get(l));
    let c = d.and_then(|d| d.community(community));
    let cname = c.map_or(community, |c| c.name.get(l));
    let street = c
        .and_then(|c| c.street_code.as_deref())
        .and_then(|st| d.and_then(|d| d.street(st)));
    let q = query(l, fig, v.filter);
    let base = format!("/office/{}/d/{district}", s.id);
    let group = format!("{district}/{community}");
    let rates: Vec<&Question> = s.questions.iter().filter(|q| q.is_indicator()).collect();
    layout(
        l,
        cname,
        Some(&v.who),
        None,
        html! {
            h1 { (cname) " · " (dname) }
            p.meta {
                a href={ (base) "?" (q) } { "← " (dname) }
                @if let Some(st) = street { " · " a href={ (base) "/s/" (st.code) "?" (q) } { (st.name.get(l)) } }
            }
            (method_lines(l, fig))
            h2 { (l.pick("各项指标（居住在本社区的受访者）", "Indicators (respondents living here)")) }
            div.scroll tabindex="0" { table {
                tr { th { (l.pick("指标", "Indicator")) } th { (cname) } th { (l.pick("发布所需受访人数", "Respondents for a publishable figure")) } }
                @for qq in &rates {
                    @let e = places::rate(s, fig, Level::Community, &group, &qq.id);
                    @let de = fig.of_domain(s, "district").find(|x| x.group == district && x.indicator == qq.id && crate::stats::is_rate(x));
                    tr {
                        td { (qq.label(l)) @if let Some(t) = s.target_for(qq) { br; small { (l.pick("目标 ", "target ")) (pct(t)) } } }
                        (model_cell(l, e))
                        td.n { (e.filter(|e| e.n > 0.0).and_then(|e| places::needed(e, de)).map_or("—".to_string(), |n| n.to_string())) }
                    }
                }
            } }
            p.meta { (l.pick("“发布所需受访人数”：在本社区的设计效应下（样本太少时用全区的），有效样本达到100、结果不再标注“仅供参考”所需的受访者人数（其他精度见 minyi plan）。",
                "“Respondents for a publishable figure”: how many respondents give an effective sample of 100 at this community's design effect (the district's where the community has too few to tell), so the figure needs no caution (minyi plan for other margins).")) }
            (target_note(l))
            @if !grids.is_empty() {
                h2 { (l.pick("各网格", "Grids")) }
                p.meta { (l.pick("网格只在居民扫描本网格住宅点的二维码并确认住在这里时才记录，所以各网格的问卷是社区问卷的一部分。",
                    "A grid is recorded only when a resident scans the grid's residential poster and confirms living there, so the grids hold part of the community's responses.")) }
                (place_table(v, grids, &|_| None))
            }
        },
    )
}

pub fn district(v: &View<'_>, code: &str, below: &DistrictView) -> Markup {
    let dist = &below.distributions;
    let (l, session, s, fig, f, every) = (v.l, &v.who, v.survey, v.fig, v.filter, v.every);
    let d = s.district(code);
    let name = d.map_or(code, |d| d.name.get(l));
    let q = query(l, fig, f);
    let communities = collection_points(s, Some(code), l);
    let rates: Vec<&Question> = s.questions.iter().filter(|q| q.is_indicator()).collect();
    let live = format!(
        "/api/surveys/{}/summary?wave={}&district={code}",
        s.id, fig.wave
    );
    let counts = fig.counts.iter().find(|c| c.district == code);
    layout(
        l,
        name,
        Some(session),
        Some((live, every)),
        html! {
            h1 { (name) " · " (s.title.get(l)) }
            @if session.user.sees_city() { p.meta { a href={ "/office/" (s.id) "?" (q) } { (l.pick("← 全市", "← City")) } } }
            (filters(l, &format!("/office/{}/d/{code}", s.id), fig, f, &communities))
            (method_lines(l, fig))
            @if let Some(c) = counts {
                table { tr { th { (l.pick("今日", "Today")) } th { (l.pick("累计", "Total")) } th { (l.pick("进度/计划样本", "Progress / planned")) } th { (l.pick("标记", "Flagged")) } }
                    tr { (counts_cells(c)) } }
            }
            @let base = format!("/office/{}/d/{code}", s.id);
            // What an officer comes for first: where the district falls short.
            @let open = session.user.works_on_items(code).then(|| format!("/office/{}/ledger/new?wave={}&lang={}", s.id, fig.wave, l.code()));
            (weak_spots(l, &below.weak, &format!("{base}/download/"), &q, open.as_deref()))
            p { a href={ "/office/" (s.id) "/ledger?district=" (code) "&lang=" (l.code()) } { (l.pick("本区整改台账 →", "The district's rectification ledger →")) } }
            h2 { (l.pick("本区及各调查点（二维码张贴处）", "The district and each collection point (where the code hung)")) }
            div.scroll tabindex="0" role="region" aria-label=(l.pick("各调查点", "By collection point")) { table {
                tr { th { (l.pick("指标", "Indicator")) } th { (name) }
                    @for (_, cn) in &communities { th { (cn) } } }
                @for qq in &rates {
                    tr {
                        td { (qq.label(l)) @if let Some(t) = s.target_for(qq) { br; small { (l.pick("目标 ", "target ")) (pct(t)) } } }
                        (rate_cell(l, find(s, fig, &qq.id, code)))
                        @for (cc, _) in &communities { (rate_cell(l, find(s, fig, &qq.id, &format!("{code}/{cc}")))) }
                    }
                }
            } }
            (target_note(l))
            p.meta { (l.pick("按二维码张贴地点统计，用于查看各点的收集情况；居民的居住社区见下面的街道和社区表。", "By where the code hung, to follow collection at each point; where residents live is in the street and community tables below.")) }
            @if let Some(h) = v.household { (super::household::section(l, s, h, fig, Some(code))) }
            @if !below.streets.is_empty() {
                h2 { (l.pick("各街道（居住地）", "Streets (where residents live)")) }
                (place_table(v, &below.streets, &|r| Some(format!("{base}/s/{}?{q}", r.code))))
            }
            details.long {
                summary { h2 { (l.pick("各社区（居住地）", "Communities (where residents live)")) " " small.meta { (below.communities.len()) (l.pick(" 个", " communities")) } } }
                (place_table(v, &below.communities, &|r| (!r.code.is_empty()).then(|| format!("{base}/c/{}?{q}", r.code))))
                p.meta { (l.pick("社区是受访者自己选择的居住社区，不是二维码张贴地点；样本少的社区不发布数字。", "Communities are where respondents say they live, not where the code hung; small ones publish no figure.")) }
            }
            (maps(l, s, &format!("{base}/chart/"), &q))
            @if let Some(p) = fig.pace(s).filter(|p| p.communities.iter().any(|r| r.district == code)) { (pace_section(l, s, &p, Some(code))) }
            details.long {
                summary { h2 { (l.pick("逐题结果（未加权人数）", "Question by question (unweighted counts)")) " " small.meta { (dist.len()) (l.pick(" 题", " questions")) } } }
                @for dd in dist {
                    h3 style="font-size:1rem;margin:1rem 0 .3rem" { (dd.label) " " small.meta { "n=" (dd.answered) } }
                    table { @for (opt, n) in &dd.options {
                        @let share = if dd.answered > 0 { *n as f64 / dd.answered as f64 } else { 0.0 };
                        tr { td style="width:40%" { (opt) } td.n style="width:8%" { (n) } td { span.bar style={ "width:" (format!("{:.1}", share * 20.0)) "rem" } {} (format!("{:.1}%", share * 100.0)) } }
                    } }
                }
            }
            h2 { (l.pick("下载与海报", "Downloads and posters")) }
            p.downloads {
                a href={ "/office/" (s.id) "/d/" (code) "/download/responses.csv" } { (l.pick("本区原始数据 CSV", "District responses CSV")) }
                a href={ "/office/" (s.id) "/d/" (code) "/download/responses.xlsx" } { (l.pick("本区原始数据 XLSX", "District responses XLSX")) }
                a href={ "/office/" (s.id) "/posters?district=" (code) "&lang=" (l.code()) } { (l.pick("本区二维码海报", "District QR posters")) }
                a href={ "/office/" (s.id) "/d/" (code) "/download/posters.pdf?lang=" (l.code()) } { (l.pick("本区二维码海报（PDF）", "District QR posters (PDF)")) }
                a href={ "/office/" (s.id) "/d/" (code) "/download/qr.zip" } { (l.pick("本区二维码（ZIP）", "District QR codes (ZIP)")) }
                a href={ "/office/" (s.id) "/quality?district=" (code) "&lang=" (l.code()) } { (l.pick("本区数据质量", "District data quality")) }
                a href={ "/office/" (s.id) "/voices?district=" (code) "&lang=" (l.code()) } { (l.pick("本区居民心声", "District residents' voices")) }
                a href={ "/office/" (s.id) "/funnel?district=" (code) "&lang=" (l.code()) } { (l.pick("本区应答漏斗", "District response funnel")) }
                @if s.household_sample.is_some() { a href={ "/office/" (s.id) "/sample?district=" (code) "&lang=" (l.code()) } { (l.pick("本区入户抽样", "District household sample")) } }
            }
            h2 { (l.pick("图表", "Charts")) }
            div.charts { @for qq in rates.iter().take(6) {
                figure { img src={ "/office/" (s.id) "/d/" (code) "/chart/rate_" (qq.id) ".svg?" (q) } alt=(qq.label(l)) loading="lazy"; }
            } }
        },
    )
}
