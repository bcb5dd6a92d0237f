//! What a district page shows below the district's own figures.

use serde::Serialize;

use super::places;
use super::view::Figures;
use crate::definition::{Kind, Lang, Survey};
use crate::stats::tally::Key;

/// What a district page shows below its own figures.
pub struct DistrictView {
    pub distributions: Vec<Distribution>,
    /// Its streets (empty when its communities name none).
    pub streets: Vec<places::PlaceRow>,
    /// Its communities, and the responses that recorded none.
    pub communities: Vec<places::PlaceRow>,
    pub weak: places::WeakSpots,
}

/// Everything of a district page below the district's own figures.
pub fn district_view(s: &Survey, fig: &Figures, district: &str, l: Lang) -> DistrictView {
    DistrictView {
        distributions: distributions(s, fig, district, l),
        streets: places::streets(s, fig, district, l),
        communities: places::communities(s, fig, district, None, l),
        weak: places::weak_spots(s, fig, Some(district), l),
    }
}

/// Answers to one question in a district, unweighted.
#[derive(Debug, Clone, Serialize)]
pub struct Distribution {
    pub question: String,
    pub label: String,
    pub answered: usize,
    /// (option label, count); for several answers a row can count in several options.
    pub options: Vec<(String, usize)>,
}

/// Question-by-question answer counts of one district's counted responses in the
/// view's selection.
pub fn distributions(
    survey: &Survey,
    fig: &Figures,
    district: &str,
    lang: Lang,
) -> Vec<Distribution> {
    let Some(di) = survey.districts.iter().position(|d| d.code == district) else {
        return vec![];
    };
    let keep = |k: &Key| k.counted() && k.district as usize == di && fig.selection.keeps(k);
    survey
        .questions
        .iter()
        .filter(|q| {
            !matches!(
                q.kind,
                Kind::Text | Kind::District | Kind::Community | Kind::Number
            )
        })
        .filter_map(|q| {
            let (counts, answered) = fig.tally.answer_counts(&q.id, &keep)?;
            Some(Distribution {
                question: q.id.clone(),
                label: q.label(lang).to_string(),
                answered: answered as usize,
                options: q
                    .options
                    .iter()
                    .zip(counts)
                    .map(|(o, n)| (o.label.get(lang).to_string(), n as usize))
                    .collect(),
            })
        })
        .collect()
}
