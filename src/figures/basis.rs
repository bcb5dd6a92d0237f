//! How figures were collected, in the words every output's source line uses.

use crate::definition::Lang;
use crate::stats::Dataset;

/// The collection modes of a dataset's rows (its `channel` column), most used first.
pub fn modes_of(data: &Dataset) -> Option<Vec<(String, usize)>> {
    let ch = data.extra.get("channel")?;
    let mut counts: Vec<(String, usize)> = Vec::new();
    for c in ch {
        match counts.iter_mut().find(|x| x.0 == *c) {
            Some(x) => x.1 += 1,
            None => counts.push((c.clone(), 1)),
        }
    }
    Some(counts)
}

/// "二维码 72%，链接 20%，接口 8%" from mode counts (`None`: the data do not say).
pub fn collection_text(modes: Option<&[(String, usize)]>, l: Lang) -> String {
    let Some(modes) = modes.filter(|m| !m.is_empty()) else {
        return l
            .pick(
                "自填问卷（收集方式未记录）",
                "self-completed questionnaires (mode not recorded)",
            )
            .into();
    };
    let mut counts = modes.to_vec();
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    let total = counts.iter().map(|c| c.1).sum::<usize>().max(1) as f64;
    let parts: Vec<String> = counts
        .iter()
        .map(|(c, n)| {
            format!(
                "{} {:.0}%",
                crate::labels::mode_code_name(c, l),
                *n as f64 / total * 100.0
            )
        })
        .collect();
    format!(
        "{}{}",
        l.pick("收集方式：", "collected by "),
        parts.join(l.pick("，", ", "))
    )
}
