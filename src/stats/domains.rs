//! Domains: the groups estimates are made for (districts, streets, communities,
//! grids, collection points, a question's answers or an extra column).

use super::data::{Column, Dataset, MISSING, NONE};
use crate::definition::Survey;

/// A domain variable: a name, the group of every row (`u32::MAX`: none) and group labels.
pub struct DomainVar {
    pub name: String,
    pub group: Vec<u32>,
    pub labels: Vec<String>,
}

/// The streets as groups (`district/street`), and each community's street group.
pub fn street_groups(survey: &Survey) -> (Vec<String>, Vec<u32>) {
    let labels: Vec<String> = survey
        .streets()
        .map(|(d, s)| format!("{}/{}", d.code, s.code))
        .collect();
    let of_community = survey
        .communities()
        .map(|(d, c)| {
            c.street_code
                .as_ref()
                .and_then(|s| labels.iter().position(|l| *l == format!("{}/{s}", d.code)))
                .map_or(NONE, |i| i as u32)
        })
        .collect();
    (labels, of_community)
}

/// The place domains `--by` offers besides questions and columns.
pub const PLACE_DOMAINS: [&str; 5] = [
    "district",
    "street",
    "community",
    "grid",
    "collection_community",
];

/// Resolves `--by` names to row groupings.
pub fn domain_var(survey: &Survey, data: &Dataset, name: &str) -> Option<DomainVar> {
    match name {
        "district" => Some(DomainVar {
            name: name.into(),
            group: data.district.clone(),
            labels: survey.districts.iter().map(|d| d.code.clone()).collect(),
        }),
        // Where the resident lives: street (through the community), community, grid.
        "street" => {
            let (labels, of_community) = street_groups(survey);
            Some(DomainVar {
                name: name.into(),
                group: data
                    .community
                    .iter()
                    .map(|&c| {
                        if c == NONE {
                            NONE
                        } else {
                            of_community[c as usize]
                        }
                    })
                    .collect(),
                labels,
            })
        }
        "community" => Some(DomainVar {
            name: name.into(),
            group: data.community.clone(),
            labels: survey
                .communities()
                .map(|(d, c)| format!("{}/{}", d.code, c.code))
                .collect(),
        }),
        "grid" => Some(DomainVar {
            name: name.into(),
            group: data.grid.clone(),
            labels: survey
                .grids()
                .map(|(d, _, g)| format!("{}/{}", d.code, g.code))
                .collect(),
        }),
        // Where the poster hung (the collection point below the district).
        "collection_community" => {
            let points = survey.points();
            Some(DomainVar {
                name: name.into(),
                group: data
                    .point
                    .iter()
                    .map(|&p| match points.get(p as usize) {
                        Some(crate::definition::PointRef::District(_)) | None => NONE,
                        Some(_) => p,
                    })
                    .collect(),
                labels: points
                    .iter()
                    .map(|p| format!("{}/{}", p.district().code, p.code()))
                    .collect(),
            })
        }
        col if data.extra.contains_key(col) => {
            let values = &data.extra[col];
            let mut labels: Vec<String> =
                values.iter().filter(|v| !v.is_empty()).cloned().collect();
            labels.sort();
            labels.dedup();
            let group = values
                .iter()
                .map(|v| {
                    labels
                        .iter()
                        .position(|l| l == v)
                        .map_or(u32::MAX, |i| i as u32)
                })
                .collect();
            Some(DomainVar {
                name: name.into(),
                group,
                labels,
            })
        }
        qid => {
            let q = survey.question(qid)?;
            match data.columns.get(qid)? {
                Column::Choice(v) => Some(DomainVar {
                    name: name.into(),
                    group: v
                        .iter()
                        .map(|&c| if c == MISSING { u32::MAX } else { c as u32 })
                        .collect(),
                    labels: q.options.iter().map(|o| o.code.clone()).collect(),
                }),
                _ => None,
            }
        }
    }
}
