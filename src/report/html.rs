//! The HTML report: summary sentences, charts inline as SVG, tables, and the methods.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::model::{Pack, PackInput};
use crate::charts::Chart;
use crate::definition::{Dimension, Lang, Survey};
use crate::labels::{
    district_name, flag_name, pct, publication_flag, svg_body, target_legend, target_state,
    weighting_name,
};
use crate::stats::is_rate;
use crate::stats::{Estimate, EstimateKind, Flag, Report, TargetState};

fn ci(e: &Estimate, l: Lang) -> String {
    match (e.ci_low, e.ci_high) {
        (Some(a), Some(b)) if e.kind == EstimateKind::Proportion => {
            format!("{}–{}", pct(a), pct(b))
        }
        (Some(a), Some(b)) => format!("{a:.2}–{b:.2}"),
        _ => l.pick("无", "n/a").into(),
    }
}

pub fn table_header(l: Lang) -> Vec<String> {
    [
        l.pick("指标", "indicator"),
        l.pick("范围", "area"),
        l.pick("样本量", "n"),
        l.pick("估计", "estimate"),
        l.pick("下限", "low"),
        l.pick("上限", "high"),
        l.pick("设计效应", "deff"),
        l.pick("有效样本", "n_eff"),
        l.pick("目标", "target"),
        l.pick("标记", "flag"),
        l.pick("目标判断", "against target"),
    ]
    .map(String::from)
    .to_vec()
}

/// Table rows of one dimension's rates (as text, for CSV and HTML).
pub fn table_rows(s: &Survey, r: &Report, dim: Dimension, l: Lang) -> Vec<Vec<String>> {
    crate::figures::dimension_rates(s, r, dim)
        .map(|(q, e)| {
            let suppressed = e.flag == Flag::Suppress;
            vec![
                q.label(l).to_string(),
                district_name(s, &e.group, l),
                e.n.to_string(),
                if suppressed {
                    String::new()
                } else {
                    pct(e.estimate)
                },
                e.ci_low
                    .filter(|_| !suppressed)
                    .map(pct)
                    .unwrap_or_default(),
                e.ci_high
                    .filter(|_| !suppressed)
                    .map(pct)
                    .unwrap_or_default(),
                format!("{:.2}", e.deff),
                format!("{:.0}", e.n_eff),
                s.target_for(q).map(pct).unwrap_or_default(),
                publication_flag(e.flag, l).to_string(),
                status_words(e, l),
            ]
        })
        .collect()
}

/// The target status of a published figure ("" when suppressed or without a target).
pub fn status_words(e: &Estimate, l: Lang) -> String {
    match &e.target_status {
        Some(t) if e.flag != Flag::Suppress => target_state(t.state, l).to_string(),
        _ => String::new(),
    }
}

/// Summary sentences: city figure, ranking only where intervals do not overlap,
/// districts below target, changes since the previous wave.
pub fn summary(s: &Survey, pack: &Pack, l: Lang) -> Vec<String> {
    let r = &pack.report;
    let mut out = Vec::new();
    for q in s.questions.iter().filter(|q| q.is_indicator()) {
        let Some(city) = r
            .estimates
            .iter()
            .find(|e| e.indicator == q.id && is_rate(e) && e.group == "ALL")
        else {
            continue;
        };
        let mut sentence = match l {
            Lang::Zh => format!(
                "全市{}为{}（{:.0}%置信区间{}）",
                q.label(l),
                pct(city.estimate),
                r.level * 100.0,
                ci(city, l)
            ),
            Lang::En => format!(
                "City-wide {} is {} ({:.0}% CI {})",
                q.label(l),
                pct(city.estimate),
                r.level * 100.0,
                ci(city, l)
            ),
        };
        if let Some(c) = pack
            .changes
            .iter()
            .find(|c| c.indicator == q.id && c.group == "ALL")
        {
            sentence.push_str(&change_text(c.difference, c.p_value, l));
        }
        sentence.push_str(l.pick("。", "."));
        // Rank the top district only when its interval clears every other district's.
        let districts: Vec<&Estimate> = r
            .estimates
            .iter()
            .filter(|e| {
                e.indicator == q.id && is_rate(e) && e.domain == "district" && e.flag == Flag::Ok
            })
            .collect();
        if let Some(top) = districts
            .iter()
            .max_by(|a, b| a.estimate.total_cmp(&b.estimate))
        {
            let clear = districts.iter().filter(|o| o.group != top.group).all(|o| {
                match (top.ci_low, o.ci_high) {
                    (Some(lo), Some(hi)) => lo > hi,
                    _ => false,
                }
            });
            if districts.len() > 1 {
                sentence.push_str(&if clear {
                    match l {
                        Lang::Zh => format!(
                            "{}最高（{}），明显高于其他各区。",
                            district_name(s, &top.group, l),
                            pct(top.estimate)
                        ),
                        Lang::En => format!(
                            " {} is highest ({}), clearly above the others.",
                            district_name(s, &top.group, l),
                            pct(top.estimate)
                        ),
                    }
                } else {
                    l.pick(
                        "各区置信区间相互重叠，不作排名。",
                        " District intervals overlap, so districts are not ranked.",
                    )
                    .to_string()
                });
            }
        }
        if let Some(t) = s.target_for(q) {
            let below: Vec<String> = r
                .estimates
                .iter()
                .filter(|e| {
                    e.indicator == q.id
                        && is_rate(e)
                        && e.domain == "district"
                        && e.flag != Flag::Suppress
                        && e.target_status.is_some_and(|t| t.state.is_below())
                })
                .map(|e| {
                    let sure = e
                        .target_status
                        .is_some_and(|t| t.state == TargetState::SignificantlyBelow);
                    format!(
                        "{}（{}{}）",
                        district_name(s, &e.group, l),
                        pct(e.estimate),
                        if sure {
                            format!(
                                "{}{}",
                                l.pick("，", ", "),
                                target_state(TargetState::SignificantlyBelow, l)
                            )
                        } else {
                            String::new()
                        }
                    )
                })
                .collect();
            if !below.is_empty() {
                sentence.push_str(&match l {
                    Lang::Zh => format!("低于目标{}的区：{}。", pct(t), below.join("、")),
                    Lang::En => format!(" Below the {} target: {}.", pct(t), below.join(", ")),
                });
            }
        }
        out.push(sentence);
    }
    out
}

fn change_text(diff: f64, p: f64, l: Lang) -> String {
    let pts = (diff * 100.0).abs();
    let sig = p < 0.05;
    match l {
        Lang::Zh => format!(
            "，较上一轮{}{:.1}个百分点，{}",
            if diff >= 0.0 { "提高" } else { "下降" },
            pts,
            if sig {
                "差异显著"
            } else {
                "差异不显著"
            }
        ),
        Lang::En => format!(
            ", {} {:.1} points since the previous wave ({})",
            if diff >= 0.0 { "up" } else { "down" },
            pts,
            if sig {
                "significant"
            } else {
                "not significant"
            }
        ),
    }
}

const CSS: &str = "body{font:15px/1.6 'Noto Sans SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',sans-serif;color:#111;max-width:60rem;margin:0 auto;padding:1.5rem}\
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.2rem;border-bottom:2px solid #0072B2;padding-bottom:.2rem;margin-top:2rem}\
.meta{color:#555}figure{margin:1rem 0;page-break-inside:avoid}figure svg{max-width:100%;height:auto}\
table{border-collapse:collapse;width:100%;font-size:13px;margin:.5rem 0 1rem}th,td{border:1px solid #ccc;padding:.25rem .4rem;text-align:right}\
th:first-child,td:first-child,th:nth-child(2),td:nth-child(2){text-align:left}th{background:#f0f4f8}\
.flag{color:#a14400}ul.summary li{margin:.4rem 0}\
@media print{@page{size:A4;margin:16mm}body{max-width:none;padding:0;font-size:11pt}h2{page-break-after:avoid}table{page-break-inside:auto}tr{page-break-inside:avoid}}";

pub fn page(s: &Survey, pack: &Pack, input: &PackInput<'_>, charts: &[(String, Chart)]) -> String {
    let l = input.lang;
    let r = &pack.report;
    let title = format!("{} {}", s.title.get(l), l.pick("简报", "briefing"));
    let markup: Markup = html! {
        (DOCTYPE)
        html lang=(l.pick("zh-CN", "en")) {
            head {
                meta charset="utf-8";
                title { (title) }
                style { (PreEscaped(CSS)) }
            }
            body {
                h1 { (title) }
                p.meta { (l.pick("第", "Wave ")) (pack.wave) (l.pick("轮 · ", " · ")) (input.date) " · " (input.collection) }
                h2 { (l.pick("主要发现", "Main findings")) }
                p.meta { (super::findings::basis_line(pack, &input.collection, l)) }
                ol.summary { @for f in super::findings::findings(s, pack, l) { li { (f.text) } } }
                h2 { (l.pick("分项摘要", "Indicator by indicator")) }
                ul.summary { @for line in summary(s, pack, l) { li { (line) } } }
                @if !r.districts_without_respondents.is_empty() {
                    p.flag { (l.pick("以下区没有样本，全市数据不含这些区：", "No respondents in these districts; city figures exclude them: ")) (r.districts_without_respondents.join(", ")) }
                }
                h2 { (l.pick("图表", "Charts")) }
                // A district's community maps are files of the pack, not part of the page.
                @for (_, c) in charts.iter().filter(|(n, _)| !s.districts.iter().any(|d| n.starts_with("map_") && n.ends_with(&format!("_{}", d.code)))) {
                    figure { (PreEscaped(svg_body(&c.svg))) }
                }
                @if let Some(h) = &pack.household { (household_section(s, h, l)) }
                @if let Some(p) = &pack.places { (places_section(s, p, l)) }
                @if let Some(v) = input.voices.as_ref().filter(|v| v.rows.iter().any(|r| r.1 > 0)) {
                    @let (header, rows) = crate::figures::voices_table(s, v, l);
                    h2 { (l.pick("居民心声（开放题）", "Residents' voices (open question)")) }
                    table {
                        thead { tr { @for h in &header { th { (h) } } } }
                        tbody { @for r in &rows { tr { @for c in r { td { (c) } } } } }
                    }
                    @for (code, quotes) in &v.examples {
                        p { strong { (s.themes.iter().find(|t| &t.code == code).map_or(code.as_str(), |t| t.name.get(l))) } (l.pick("：", ": "))
                            (quotes.iter().map(|q| format!("“{q}”")).collect::<Vec<_>>().join(l.pick("；", "; "))) }
                    }
                }
                @for dim in Dimension::ALL.iter().filter(|d| d.is_rated()) {
                    @let rows = table_rows(s, r, *dim, l);
                    @if !rows.is_empty() {
                        h2 { (dim.label().get(l)) }
                        table {
                            thead { tr { @for h in table_header(l) { th { (h) } } } }
                            tbody { @for row in rows { tr { @for (i, c) in row.iter().enumerate() {
                                @if i == 9 && !c.is_empty() { td.flag { (c) } } @else { td { (c) } }
                            } } } }
                        }
                    }
                }
                h2 { (l.pick("方法说明", "Methods")) }
                @for line in methods(s, pack, input) { p { (line) } }
            }
        }
    };
    markup.into_string()
}

/// The methods section: sample, weighting, intervals, flags, exclusions.
pub fn methods(s: &Survey, pack: &Pack, input: &PackInput<'_>) -> Vec<String> {
    let l = input.lang;
    let r = &pack.report;
    let total: f64 = pack.responses_by_district.iter().map(|x| x.1).sum();
    let per: Vec<String> = pack
        .responses_by_district
        .iter()
        .map(|(d, n)| format!("{} {}", district_name(s, d, l), n))
        .collect();
    let mut out = vec![
        match l {
            Lang::Zh => format!("样本：本轮有效问卷{}份（{}）。调查对象为在本市居住半年以上的18周岁及以上居民；甄别未通过的问卷不计入。{}。", total, per.join("，"), input.collection),
            Lang::En => format!("Sample: {} complete questionnaires this wave ({}). Residents aged 18+ living here six months or more; screened-out questionnaires are not counted. {}{}.", total, per.join(", "), l.pick("", "Collected by "), input.collection.trim_start_matches("collected by ")),
        },
        match l {
            Lang::Zh => format!("加权：{}。以区为分层，各区成年人口来自人口普查表。", weighting_name(r.weighting, l)),
            Lang::En => format!("Weighting: {}. Districts are strata; adult populations come from the census table.", weighting_name(r.weighting, l)),
        },
    ];
    if let Some(h) = &pack.household {
        let n = h.report.respondents;
        out.push(match l {
            Lang::Zh => format!("以上样本为便利样本（居民自愿扫码、点链接等填答，非概率抽样）。另有入户概率样本{n}份：社区在各区内按成年人口系统PPS抽取，户在社区内按住户名单等距抽取（无名单时按随机行走，入样概率为近似值），户内按Kish表或最近生日法选1位成年人，入户面访。设计权重 = 1 ÷（社区入样概率 × 户入样概率）× 户内成年人数，在每个抽中社区内按无应答调整（资格未知户按AAPOR的e计），{}；标准误按抽中社区聚类、各区分层计算。两种样本分别估计，从不合并；两者之差按独立样本计算。", if h.fallback.is_some() { "未能按普查校准，只用设计权重".to_string() } else { format!("再{}", weighting_name(h.report.weighting, l)) }),
            Lang::En => format!("The sample above is a convenience sample (residents who chose to scan a code or open a link; not a probability sample). Beside it, {n} interviews of the household probability sample: communities drawn by systematic PPS on their adults within each district, households systematically from the address list (by a random walk where there is none, with approximate chances), one adult per household by Kish's tables or the next birthday, interviewed at home. Design weight = 1 ÷ (community's × household's chance) × adults in the household, adjusted for nonresponse within each drawn community (households of unknown eligibility at AAPOR's e), {}; standard errors clustered by drawn community within the district strata. The samples are estimated apart and never pooled; their difference is that of independent samples.", if h.fallback.is_some() { "not calibrated to the census (design weights alone)".to_string() } else { format!("then {}", weighting_name(h.report.weighting, l)) }),
        });
    }
    if let Some(rk) = &r.raking {
        out.push(match l {
            Lang::Zh => format!(
                "迭代调整 {} 轮{}，加权后边际与普查数的最大相对误差 {:.1e}。",
                rk.iterations,
                if rk.converged {
                    "后收敛"
                } else {
                    "未收敛（结果须谨慎使用）"
                },
                rk.max_margin_error
            ),
            Lang::En => format!(
                "Raking took {} sweeps{}; largest relative margin error {:.1e}.",
                rk.iterations,
                if rk.converged {
                    " and converged"
                } else {
                    " and did NOT converge (use with care)"
                },
                rk.max_margin_error
            ),
        });
    }
    if r.excluded.responses > 0 {
        let parts: Vec<String> = r
            .excluded
            .by_flag
            .iter()
            .map(|(k, v)| format!("{} {v}", flag_name(k, l)))
            .collect();
        out.push(match l {
            Lang::Zh => format!("质量控制：{}份问卷因质量标记未计入估计（{}），仍保存在数据库中。", r.excluded.responses, parts.join("，")),
            Lang::En => format!("Quality control: {} flagged questionnaires are left out of the estimates ({}); they remain stored.", r.excluded.responses, parts.join(", ")),
        });
    }
    if pack.included_flagged > 0 {
        out.push(match l {
            Lang::Zh => format!("质量控制：按要求计入了{}份有质量标记的问卷（--include-flagged）；已作废（被替换）的问卷仍不计入。", pack.included_flagged),
            Lang::En => format!("Quality control: {} flagged questionnaires are included on request (--include-flagged); superseded ones still are not.", pack.included_flagged),
        });
    }
    if let Some((lo, hi)) = r.trim {
        out.push(match l {
            Lang::Zh => {
                format!("权重截尾：限制在 {lo:.0} 至 {hi:.0} 之间，多余部分平均分配给其余样本。")
            }
            Lang::En => format!(
                "Weights trimmed to {lo:.0}–{hi:.0}, the excess spread over the other respondents."
            ),
        });
    }
    out.push(match l {
        Lang::Zh => format!("估计与区间：比率为加权比例，标准误按泰勒线性化计算并考虑分层与校准；置信区间为{:.0}%（{}法）。“说不清”和未回答不计入分母。统计方法与R语言survey程序包一致（已逐项核对）。", r.level * 100.0, r.method.name()),
        Lang::En => format!("Estimates: weighted proportions; standard errors by Taylor linearization accounting for strata and calibration; {:.0}% intervals ({} method). Don't-know and missing answers leave the denominator. The methods agree with R's survey package (checked figure by figure).", r.level * 100.0, r.method.name()),
    });
    out.push(l.pick(
        "发布规则：有效样本少于30的不发布（样本不足）；有效样本少于100或变异系数大于0.3的标为“仅供参考”，不参与排名。置信区间重叠的区不作排名。",
        "Publication: figures with an effective sample under 30 are suppressed; under 100 or with a CV above 0.3 they are directional and not ranked. Districts whose intervals overlap are not ranked.",
    ).into());
    out.push(format!(
        "{}{}",
        l.pick("目标判断：", "Against the target: "),
        target_legend(l)
    ));
    out.push(l.pick(
        "本报告只反映居民的真实回答；问卷不向答题者提示“正确答案”。",
        "This report reflects residents' own answers; the questionnaire never shows respondents any expected answer.",
    ).into());
    out
}

/// The household probability sample: its rates, and the convenience sample's gap
/// to them.
fn household_section(s: &Survey, h: &super::model::HouseholdPack, l: Lang) -> Markup {
    let rows: Vec<Vec<String>> = Dimension::ALL
        .iter()
        .filter(|d| d.is_rated())
        .flat_map(|d| table_rows(s, &h.report, *d, l))
        .collect();
    let (gh, gr) = crate::figures::gap_table(s, &h.gap, l);
    html! {
        h2 { (l.pick("入户概率样本（正式口径）", "The household probability sample (figures of record)")) }
        @if let Some(f) = &h.fallback { p.flag { (l.pick("未能按人口普查数据校准，只用设计权重：", "Not calibrated to the census, design weights alone: ")) (f) } }
        table {
            thead { tr { @for c in table_header(l) { th { (c) } } } }
            tbody { @for row in rows { tr { @for c in row { td { (c) } } } } }
        }
        h2 { (l.pick("扫码样本与入户样本之差", "Convenience against household sample")) }
        table {
            thead { tr { @for c in &gh { th { (c) } } } }
            tbody { @for row in &gr { tr { @for c in row { td { (crate::figures::cell_text(c)) } } } } }
        }
    }
}

/// What the pack says of the places below the district: how many community figures
/// could be published, and the communities significantly below their target.
fn places_section(s: &Survey, p: &crate::stats::Report, l: Lang) -> Markup {
    use crate::stats::{Estimate, Flag, TargetState, TargetStatus};
    let communities: Vec<&Estimate> = p
        .estimates
        .iter()
        .filter(|e| e.domain == "community" && is_rate(e))
        .collect();
    let published = communities
        .iter()
        .filter(|e| e.flag != Flag::Suppress && e.n > 0.0)
        .count();
    let modelled = communities.iter().filter(|e| e.model.is_some()).count();
    // By the model where it ran, else by the direct figure.
    let judged = |e: &Estimate| -> Option<(f64, TargetStatus, bool)> {
        match &e.model {
            Some(m) => m.target_status.map(|t| (m.estimate, t, true)),
            None if e.flag != Flag::Suppress => e.target_status.map(|t| (e.estimate, t, false)),
            None => None,
        }
    };
    let mut below: Vec<(&Estimate, f64, TargetStatus, bool)> = communities
        .iter()
        .filter_map(|e| judged(e).map(|(v, t, m)| (*e, v, t, m)))
        .filter(|(_, _, t, _)| t.state == TargetState::SignificantlyBelow)
        .collect();
    below.sort_by(|a, b| (a.1 - a.2.target).total_cmp(&(b.1 - b.2.target)));
    html! {
        h2 { (l.pick("街道、社区和网格（居住地）", "Streets, communities and grids (where residents live)")) }
        p { (match l {
            Lang::Zh => format!("社区指标共 {} 个，其中 {} 个直接估计样本足以发布（各社区所需受访人数见 table_places.csv 和工作簿“街道社区网格”表）；{} 个有小区域模型估计（Fay–Herriot，按区直接估计基准化，在表中与直接估计并列，标为“模型估计”）。", communities.len(), published, modelled),
            Lang::En => format!("{} community figures, of which {} direct ones have enough respondents to publish (the respondents each would need are in table_places.csv and the workbook's Places sheet); {} have a small-area model estimate (Fay–Herriot, benchmarked to the district's direct rate, beside the direct one and marked as a model estimate).", communities.len(), published, modelled),
        }) }
        @if !below.is_empty() {
            p { (l.pick("显著低于目标的社区（整个置信区间低于目标）：", "Communities significantly below target (the whole interval below it):")) }
            ul { @for (e, v, _, m) in below.iter().take(20) {
                li { (crate::labels::group_name(s, &e.group, l)) "（" (crate::labels::district_name(s, e.group.split('/').next().unwrap_or(""), l)) "）· "
                    (s.question(&e.indicator).map_or(e.indicator.as_str(), |q| q.label(l))) " "
                    (crate::labels::pct(*v)) @if *m { (l.pick("（模型估计）", " (model)")) } " · n=" (e.n) }
            } }
        }
    }
}
