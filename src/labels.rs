//! Every name a person reads for a code: quality flags, collection modes, weightings,
//! publication flags, places, and how percentages are written. One module, so the
//! dashboard, the briefing pack and the command line cannot word the same thing twice.

use crate::collect::Channel;
use crate::definition::{Lang, Survey};
use crate::quality;
use crate::stats::{Flag, TargetState, Weighting};

/// `0.9034` → `90.3%`.
pub fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// A quality flag's name for people.
/// An interval of shares, "62.0%–71.3%"; "—" where there is none.
pub fn pct_interval(low: Option<f64>, high: Option<f64>) -> String {
    match (low, high) {
        (Some(a), Some(b)) => format!("{}–{}", pct(a), pct(b)),
        _ => "—".into(),
    }
}

pub fn flag_name(f: &str, l: Lang) -> String {
    match f {
        quality::TOO_FAST => l.pick("答题过快", "too fast").into(),
        quality::STRAIGHT_LINING => l.pick("评分题全部相同", "identical ratings").into(),
        quality::SOURCE_BURST => l
            .pick("同一来源短时多次提交", "burst from one source")
            .into(),
        quality::REPEATED_PATTERN => l
            .pick("同一调查点答案雷同", "repeated pattern at one point")
            .into(),
        quality::SUPERSEDED => l
            .pick("已作废（有记录原因）", "superseded (reason logged)")
            .into(),
        other => other.into(),
    }
}

/// A publication flag as printed next to a figure ("" when the figure is fine).
pub fn publication_flag(f: Flag, l: Lang) -> &'static str {
    match f {
        Flag::Ok => "",
        Flag::Directional => l.pick("仅供参考", "directional"),
        Flag::Suppress => l.pick("样本不足", "too few"),
    }
}

/// A publication flag's machine name (CSV and JSON outputs).
pub fn publication_code(f: Flag) -> &'static str {
    match f {
        Flag::Ok => "ok",
        Flag::Directional => "directional",
        Flag::Suppress => "suppress",
    }
}

/// A rate's status against its target, in the same words in every output.
pub fn target_state(s: TargetState, l: Lang) -> &'static str {
    match s {
        TargetState::SignificantlyAbove => l.pick("显著高于目标", "significantly above target"),
        TargetState::AtOrAbove => l.pick(
            "达到目标（差异不显著）",
            "at or above target, not significantly",
        ),
        TargetState::Below => l.pick("低于目标（差异不显著）", "below target, not significantly"),
        TargetState::SignificantlyBelow => l.pick("显著低于目标", "significantly below target"),
        TargetState::CannotTell => l.pick("无法判断", "cannot tell"),
    }
}

/// What a target state means, for legends.
pub fn target_state_meaning(s: TargetState, l: Lang) -> &'static str {
    match s {
        TargetState::SignificantlyAbove => l.pick(
            "整个置信区间都在目标之上",
            "the whole interval is above the target",
        ),
        TargetState::AtOrAbove => l.pick(
            "估计值达到目标，但置信区间延伸到目标以下",
            "the estimate meets the target, but its interval reaches below it",
        ),
        TargetState::Below => l.pick(
            "估计值低于目标，但置信区间包含目标",
            "the estimate is below the target, but its interval reaches it",
        ),
        TargetState::SignificantlyBelow => l.pick(
            "整个置信区间都在目标之下",
            "the whole interval is below the target",
        ),
        TargetState::CannotTell => l.pick(
            "既没有置信区间，也没有精确界限",
            "there is neither an interval nor an exact bound",
        ),
    }
}

/// The legend of the target states: each state and what it means, and the rule at
/// 0% and 100%.
pub fn target_legend(l: Lang) -> String {
    let parts: Vec<String> = TargetState::ALL
        .iter()
        .map(|s| format!("{}：{}", target_state(*s, l), target_state_meaning(*s, l)))
        .map(|p| {
            if l == Lang::En {
                p.replace('：', ": ")
            } else {
                p
            }
        })
        .collect();
    format!(
        "{}{}",
        parts.join(l.pick("；", "; ")),
        l.pick(
            "。估计为0%或100%时没有置信区间，改用有效样本的精确（Clopper–Pearson）界限判断。",
            ". At 0% or 100% there is no interval; the exact (Clopper–Pearson) bounds on the effective sample decide.",
        )
    )
}

/// A collection mode's name for people.
pub fn mode_name(c: Channel, l: Lang) -> &'static str {
    match c {
        Channel::Qr => l.pick("扫码", "QR code"),
        Channel::Link => l.pick("链接", "link"),
        Channel::Api => l.pick("接口（自助终端/访员）", "API (kiosk/interviewer)"),
        Channel::Phone => l.pick("电话访问", "telephone interview"),
        Channel::Household => l.pick("入户访问", "household interview"),
    }
}

/// A stored mode code's name (unknown codes are shown as stored).
pub fn mode_code_name(code: &str, l: Lang) -> String {
    Channel::parse(code).map_or(code.to_string(), |c| mode_name(c, l).to_string())
}

/// How the weights were made, for people.
pub fn weighting_name(w: Weighting, l: Lang) -> &'static str {
    match w {
        Weighting::None => l.pick("不加权", "none"),
        Weighting::Base => l.pick("区人口基础权重", "district base weights"),
        Weighting::Poststrat => l.pick(
            "事后分层（区×年龄×性别）",
            "post-stratified (district × age × sex)",
        ),
        Weighting::Rake => l.pick(
            "迭代调整（区×年龄、区×性别）",
            "raked (district × age, district × sex)",
        ),
    }
}

/// A district code's name; `ALL` is the city.
pub fn district_name(s: &Survey, code: &str, l: Lang) -> String {
    if code == "ALL" {
        return l.pick("全市", "City").into();
    }
    s.district(code)
        .map_or(code.to_string(), |d| d.name.get(l).to_string())
}

/// The name of an estimate's group: a district, a `district/place` (street,
/// community, grid or poster point), `ALL`.
pub fn group_name(s: &Survey, group: &str, l: Lang) -> String {
    if let Some((d, code)) = group.split_once('/') {
        if let Some(d) = s.district(d) {
            if let Some(st) = d.street(code) {
                return st.name.get(l).to_string();
            }
            if let Some(p) = s.point(&d.code, Some(code)) {
                return p.name().get(l).to_string();
            }
        }
    }
    district_name(s, group, l)
}

/// An estimate's group in a domain: places by name, a question's groups by option label.
pub fn domain_group_name(s: &Survey, domain: &str, group: &str, l: Lang) -> String {
    match domain {
        "city" | "district" | "street" | "community" | "grid" | "collection_community" => {
            group_name(s, group, l)
        }
        q => s
            .question(q)
            .and_then(|q| q.option(group))
            .map_or(group.to_string(), |o| o.label.get(l).to_string()),
    }
}

/// An SVG document without its XML declaration, for inlining into HTML.
pub fn svg_body(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mode_has_a_name_in_both_languages() {
        for c in Channel::ALL {
            assert!(!mode_name(c, Lang::Zh).is_empty());
            assert!(mode_name(c, Lang::En).is_ascii());
            assert_eq!(mode_code_name(c.as_str(), Lang::En), mode_name(c, Lang::En));
        }
        assert_eq!(mode_code_name("fax", Lang::Zh), "fax");
    }

    #[test]
    fn percentages_have_one_decimal() {
        assert_eq!(pct(0.90345), "90.3%");
        assert_eq!(pct(1.0), "100.0%");
    }

    #[test]
    fn svg_body_drops_the_declaration() {
        assert_eq!(svg_body("<?xml version=\"1.0\"?><svg/>"), "<svg/>");
        assert_eq!(svg_body("<svg/>"), "<svg/>");
    }
}
