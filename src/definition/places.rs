//! The place hierarchy kept as data: a CSV of streets (街道), communities (社区/村),
//! grids (网格) and poster points beside the definition, one row per place with
//! `code`, `parent`, `level`, `name_zh`, `name_en`, and optionally `adults`, `poster`
//! and adults by weighting category (`adults[age_band=a60]`). Codes may follow the
//! national pattern (6-digit county code + 3 + 3 + 3) or be short local codes. Rows may
//! come in any order; districts are the definition's `[[district]]` tables (a
//! `district` row, if the office keeps one, must name one of them).
//!
//! And the map outlines: a GeoJSON FeatureCollection whose features carry the place
//! code in `properties.code`.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use super::diagnostic::Diagnostic;
use super::model::*;

/// Relative difference allowed between a district's communities and its adults.
const POPULATION_TOLERANCE: f64 = 0.005;

struct Row {
    line: usize,
    code: String,
    parent: String,
    level: String,
    name: Text,
    adults: Option<u64>,
    households: Option<u64>,
    poster: Option<Poster>,
    by_category: Vec<(String, String, u64)>,
}

fn diag(path: &Path, line: usize, column: usize, message: String, help: &str) -> Diagnostic {
    Diagnostic {
        file: path.to_path_buf(),
        line,
        column,
        message,
        help: help.into(),
    }
}

/// Reads the places file into the districts, reporting every problem.
pub fn read(
    diags: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
    path: &Path,
    text: &str,
    districts: &mut [District],
) {
    let Some(rows) = parse(diags, path, text) else {
        return;
    };
    // Codes are unique across the file and the definition's own tables.
    let mut codes: HashMap<String, usize> = HashMap::new();
    for d in districts.iter() {
        codes.insert(d.code.clone(), 0);
        for c in &d.communities {
            codes.insert(c.code.clone(), 0);
        }
    }
    let mut ok_rows = Vec::new();
    for r in rows {
        if r.level == "district" {
            if !districts.iter().any(|d| d.code == r.code) {
                diags.push(diag(path, r.line, 1, format!("district `{}` is not one of the definition's [[district]] tables", r.code), "districts are defined in the survey file (they carry the census); add it there or fix the code"));
            }
            continue;
        }
        if let Some(first) = codes.get(&r.code) {
            let at = if *first > 0 {
                format!("line {first}")
            } else {
                "the definition".into()
            };
            diags.push(diag(
                path,
                r.line,
                1,
                format!("place code `{}` is used twice (also at {at})", r.code),
                "give every place its own code",
            ));
            continue;
        }
        codes.insert(r.code.clone(), r.line);
        ok_rows.push(r);
    }
    let level_of = |code: &str, rows: &[Row]| -> Option<String> {
        if districts.iter().any(|d| d.code == code) {
            return Some("district".into());
        }
        rows.iter()
            .find(|r| r.code == code)
            .map(|r| r.level.clone())
    };
    let mut placed: Vec<bool> = vec![false; ok_rows.len()];
    // Parents must be one level up: street → district, community → street or district,
    // grid → community, point → community, street or district.
    for (i, r) in ok_rows.iter().enumerate() {
        let want: &[&str] = match r.level.as_str() {
            "street" => &["district"],
            "community" => &["street", "district"],
            "grid" => &["community"],
            "point" => &["community", "street", "district"],
            other => {
                diags.push(diag(
                    path,
                    r.line,
                    3,
                    format!("level `{other}` is not a place level"),
                    "use district, street, community, grid or point",
                ));
                continue;
            }
        };
        match level_of(&r.parent, &ok_rows) {
            None => diags.push(diag(
                path,
                r.line,
                2,
                format!(
                    "{} `{}` has parent `{}`, which is no place",
                    r.level, r.code, r.parent
                ),
                if r.level == "grid" {
                    "a grid lies in a community: give the community's code"
                } else {
                    "give the code of the place it lies in"
                },
            )),
            Some(l) if !want.contains(&l.as_str()) => diags.push(diag(
                path,
                r.line,
                2,
                format!(
                    "{} `{}` has parent `{}`, a {l}; a {} lies in a {}",
                    r.level,
                    r.code,
                    r.parent,
                    r.level,
                    want.join(" or ")
                ),
                "fix the parent code or the level",
            )),
            Some(_) => placed[i] = true,
        }
    }
    let district_of = |code: &str, rows: &[Row]| -> Option<usize> {
        let mut c = code.to_string();
        for _ in 0..4 {
            if let Some(d) = districts.iter().position(|d| d.code == c) {
                return Some(d);
            }
            if let Some(d) = districts
                .iter()
                .position(|d| d.communities.iter().any(|x| x.code == c))
            {
                return Some(d);
            }
            c = rows.iter().find(|r| r.code == c)?.parent.clone();
        }
        None
    };
    let home: Vec<Option<usize>> = ok_rows
        .iter()
        .map(|r| district_of(&r.code, &ok_rows))
        .collect();
    // Streets, then communities, grids and points, each into its district.
    for level in ["street", "community", "grid", "point"] {
        for (i, r) in ok_rows
            .iter()
            .enumerate()
            .filter(|(i, r)| placed[*i] && r.level == level)
        {
            let Some(di) = home[i] else {
                continue;
            };
            let d = &mut districts[di];
            match level {
                "street" => d.streets.push(Street {
                    code: r.code.clone(),
                    name: r.name.clone(),
                }),
                "community" => {
                    let street = d.street(&r.parent).cloned();
                    d.communities.push(Community {
                        code: r.code.clone(),
                        name: r.name.clone(),
                        street: street.as_ref().map(|s| s.name.clone()),
                        street_code: street.map(|s| s.code),
                        adults: r.adults,
                        by_category: r.by_category.clone(),
                        households: r.households,
                        poster: r.poster.unwrap_or(Poster::Public),
                        grids: Vec::new(),
                    });
                }
                "grid" => {
                    if let Some(c) = d.communities.iter_mut().find(|c| c.code == r.parent) {
                        c.grids.push(Grid {
                            code: r.code.clone(),
                            name: r.name.clone(),
                            adults: r.adults,
                            poster: r.poster.unwrap_or(Poster::Residential),
                        });
                    }
                }
                _ => d.points.push(Point {
                    code: r.code.clone(),
                    name: r.name.clone(),
                    community: d
                        .communities
                        .iter()
                        .any(|c| c.code == r.parent)
                        .then(|| r.parent.clone()),
                    poster: r.poster.unwrap_or(Poster::Public),
                }),
            }
        }
    }
    populations(diags, warnings, path, text, districts);
}

/// A district's communities must add up to its adults, when every one has a figure.
fn populations(
    diags: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
    path: &Path,
    text: &str,
    districts: &[District],
) {
    let last = text.lines().count().max(1);
    for d in districts {
        let known: Vec<u64> = d.communities.iter().filter_map(|c| c.adults).collect();
        if known.is_empty() {
            continue;
        }
        if known.len() < d.communities.len() {
            let missing: Vec<&str> = d
                .communities
                .iter()
                .filter(|c| c.adults.is_none())
                .map(|c| c.code.as_str())
                .collect();
            warnings.push(diag(
                path,
                last,
                1,
                format!(
                    "district `{}`: {} of its {} communities have no adults figure ({})",
                    d.code,
                    missing.len(),
                    d.communities.len(),
                    missing.join(", ")
                ),
                "give every community its adults: plans and small-area estimates need them",
            ));
            continue;
        }
        let total: u64 = known.iter().sum();
        let off = total as f64 - d.adults as f64;
        if (off.abs() / d.adults.max(1) as f64) > POPULATION_TOLERANCE {
            diags.push(diag(path, last, 1, format!("the communities of district `{}` add up to {total} adults, but the district has {} ({} {}, {:.1}%)", d.code, d.adults, if off > 0.0 { "over by" } else { "short by" }, off.abs(), off.abs() / d.adults.max(1) as f64 * 100.0), "correct the communities' adults or the district's `adults` (census figures should agree)"));
        }
        for c in &d.communities {
            let Some(ca) = c.adults else { continue };
            let grids: Vec<u64> = c.grids.iter().filter_map(|g| g.adults).collect();
            if !grids.is_empty() && grids.len() == c.grids.len() {
                let g: u64 = grids.iter().sum();
                if g as f64 > ca as f64 * (1.0 + POPULATION_TOLERANCE) {
                    diags.push(diag(path, last, 1, format!("the grids of community `{}` have {g} adults, more than the community's {ca}", c.code), "correct the grids' or the community's adults"));
                }
            }
        }
    }
}

fn parse(diags: &mut Vec<Diagnostic>, path: &Path, text: &str) -> Option<Vec<Row>> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match rdr.headers() {
        Ok(h) => h.iter().map(str::to_string).collect(),
        Err(e) => {
            diags.push(diag(
                path,
                1,
                1,
                format!("cannot read the header: {e}"),
                "the first line names the columns: code,parent,level,name_zh,name_en,adults,poster",
            ));
            return None;
        }
    };
    let col = |n: &str| header.iter().position(|h| h == n);
    let (Some(ci), Some(pi), Some(li), Some(zi)) =
        (col("code"), col("parent"), col("level"), col("name_zh"))
    else {
        diags.push(diag(
            path,
            1,
            1,
            format!(
                "the header is `{}`; it needs code, parent, level and name_zh",
                header.join(",")
            ),
            "add the missing columns (name_en, adults and poster are optional)",
        ));
        return None;
    };
    let (ei, ai, poi) = (col("name_en"), col("adults"), col("poster"));
    let hi = col("households");
    // adults[variable=category] columns.
    let cats: Vec<(usize, String, String)> = header
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let inner = h.strip_prefix("adults[")?.strip_suffix(']')?;
            let (v, c) = inner.split_once('=')?;
            Some((i, v.trim().to_string(), c.trim().to_string()))
        })
        .collect();
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                diags.push(diag(
                    path,
                    line,
                    1,
                    format!("unreadable row: {e}"),
                    "every row needs the header's columns",
                ));
                continue;
            }
        };
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let get = |i: usize| rec.get(i).unwrap_or("").to_string();
        let code = get(ci);
        if !super::diagnostic::valid_code(&code) {
            diags.push(diag(
                path,
                line,
                ci + 1,
                format!("place code `{code}` is not a valid code"),
                super::diagnostic::CODE_HELP,
            ));
            continue;
        }
        let number = |i: usize, what: &str, diags: &mut Vec<Diagnostic>| -> Option<u64> {
            let v = get(i).replace('_', "");
            if v.is_empty() {
                return None;
            }
            match v.parse::<u64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    diags.push(diag(
                        path,
                        line,
                        i + 1,
                        format!("{what} `{v}` of `{code}` is not a whole number"),
                        "write the number of adults, e.g. 8200",
                    ));
                    None
                }
            }
        };
        let adults = ai.and_then(|i| number(i, "adults", diags));
        let households = hi.and_then(|i| number(i, "households", diags));
        let poster = match poi.map(get).filter(|p| !p.is_empty()) {
            None => None,
            Some(p) => match Poster::parse(&p) {
                Some(k) => Some(k),
                None => {
                    diags.push(diag(path, line, poi.unwrap_or(0) + 1, format!("poster `{p}` of `{code}` is not a kind of poster place"), "use residential (a 小区 gate, a building lobby) or public (a square, an office), or leave it empty"));
                    None
                }
            },
        };
        let by_category = cats
            .iter()
            .filter_map(|(i, v, c)| {
                number(*i, &format!("adults[{v}={c}]"), diags).map(|n| (v.clone(), c.clone(), n))
            })
            .collect();
        let name_zh = get(zi);
        if name_zh.is_empty() {
            diags.push(diag(
                path,
                line,
                zi + 1,
                format!("place `{code}` has no Chinese name"),
                "fill in name_zh",
            ));
        }
        rows.push(Row {
            line,
            code,
            parent: get(pi),
            level: get(li),
            name: Text::new(name_zh, ei.map(get).unwrap_or_default()),
            adults,
            households,
            poster,
            by_category,
        });
    }
    // Rows with a bad cell are still placed, so every problem is reported in one run.
    Some(rows)
}

/// Adults by category must name weighting variables and their categories.
pub fn check_categories(
    diags: &mut Vec<Diagnostic>,
    path: Option<&Path>,
    districts: &[District],
    w: &Weighting,
    questions: &[Question],
) {
    let Some(path) = path else { return };
    let mut reported: BTreeMap<(String, String), ()> = BTreeMap::new();
    for (_, c) in districts
        .iter()
        .flat_map(|d| d.communities.iter().map(move |c| (d, c)))
    {
        for (v, cat, _) in &c.by_category {
            let ok = w.variables.iter().any(|(name, qid)| {
                name == v
                    && questions
                        .iter()
                        .find(|q| q.id == *qid)
                        .is_some_and(|q| q.option(cat).is_some())
            });
            if !ok && reported.insert((v.clone(), cat.clone()), ()).is_none() {
                diags.push(diag(path, 1, 1, format!("column `adults[{v}={cat}]` names no weighting category"), "use a weighting variable of [weighting] and one of its option codes, e.g. adults[age_band=a60]"));
            }
        }
    }
}

/// Reads the GeoJSON outlines. Features whose code names no place, and districts or
/// communities without a feature, are reported as warnings: maps draw what they have.
pub fn boundaries(
    diags: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
    path: &Path,
    text: &str,
    districts: &[District],
) -> Option<Boundaries> {
    let v: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            diags.push(diag(
                path,
                e.line(),
                e.column(),
                format!("not JSON: {e}"),
                "give a GeoJSON FeatureCollection",
            ));
            return None;
        }
    };
    let Some(features) = v.get("features").and_then(|f| f.as_array()) else {
        diags.push(diag(
            path,
            1,
            1,
            "no `features` array".into(),
            "give a GeoJSON FeatureCollection with one feature per place",
        ));
        return None;
    };
    let line_of = |code: &str| -> usize {
        text.find(&format!("\"{code}\""))
            .map_or(1, |at| text[..at].matches('\n').count() + 1)
    };
    let known = |code: &str| {
        districts.iter().any(|d| {
            d.code == code
                || d.streets.iter().any(|s| s.code == code)
                || d.communities
                    .iter()
                    .any(|c| c.code == code || c.grids.iter().any(|g| g.code == code))
        })
    };
    let mut out = Boundaries::default();
    for (i, f) in features.iter().enumerate() {
        let Some(code) = f.pointer("/properties/code").and_then(|c| c.as_str()) else {
            diags.push(diag(
                path,
                1,
                1,
                format!("feature {} has no properties.code", i + 1),
                "give every feature the code of its place",
            ));
            continue;
        };
        let rings = match rings(f.get("geometry")) {
            Some(r) if !r.is_empty() => r,
            _ => {
                diags.push(diag(
                    path,
                    line_of(code),
                    1,
                    format!("feature `{code}` has no Polygon or MultiPolygon geometry"),
                    "outline each place as a Polygon or MultiPolygon",
                ));
                continue;
            }
        };
        if !known(code) {
            warnings.push(diag(
                path,
                line_of(code),
                1,
                format!("feature `{code}` matches no place of the survey"),
                "fix the code, or remove the feature",
            ));
            continue;
        }
        out.features.push((code.to_string(), rings));
    }
    let missing: Vec<&str> = districts
        .iter()
        .flat_map(|d| {
            std::iter::once(d.code.as_str()).chain(d.communities.iter().map(|c| c.code.as_str()))
        })
        .filter(|c| out.get(c).is_none())
        .collect();
    if !missing.is_empty() {
        warnings.push(diag(
            path,
            1,
            1,
            format!(
                "{} place(s) have no outline and stay blank on maps: {}",
                missing.len(),
                missing.join(", ")
            ),
            "add a feature for each district and community",
        ));
    }
    Some(out)
}

/// The outer and inner rings of a Polygon or MultiPolygon.
fn rings(g: Option<&serde_json::Value>) -> Option<Vec<Vec<(f64, f64)>>> {
    let g = g?;
    let ring = |r: &serde_json::Value| -> Option<Vec<(f64, f64)>> {
        r.as_array()?
            .iter()
            .map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
            .collect()
    };
    let polygon = |p: &serde_json::Value| -> Option<Vec<Vec<(f64, f64)>>> {
        p.as_array()?.iter().map(ring).collect()
    };
    match g.get("type")?.as_str()? {
        "Polygon" => polygon(g.get("coordinates")?),
        "MultiPolygon" => Some(
            g.get("coordinates")?
                .as_array()?
                .iter()
                .map(polygon)
                .collect::<Option<Vec<_>>>()?
                .into_iter()
                .flatten()
                .collect(),
        ),
        _ => None,
    }
}
