//! The file format as written by hand: serde structs that mirror the TOML, with the
//! spans needed to point at a line and column when something is wrong.
//! `deny_unknown_fields` everywhere, so a misspelt key is reported, not ignored.

use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

use super::model::{Dimension, Kind};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFile {
    pub survey: Spanned<RawSurvey>,
    #[serde(default)]
    pub targets: BTreeMap<String, Spanned<f64>>,
    pub weighting: Option<Spanned<RawWeighting>>,
    #[serde(default, rename = "district")]
    pub districts: Vec<Spanned<RawDistrict>>,
    #[serde(default, rename = "question")]
    pub questions: Vec<Spanned<RawQuestion>>,
    pub places: Option<Spanned<RawPlaces>>,
    pub small_area: Option<Spanned<RawSmallArea>>,
    /// The code list residents' open answers are sorted into (default: the eight task
    /// areas and "other").
    #[serde(default, rename = "theme")]
    pub themes: Vec<Spanned<RawTheme>>,
    pub household_sample: Option<Spanned<RawHouseholdSample>>,
    pub rectification: Option<Spanned<RawRectification>>,
}

/// `[rectification]`: how the ledger's items are signed off, and the units they are
/// given to.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRectification {
    /// not_significantly_below (default), at_or_above or improved.
    pub sign_off: Option<Spanned<String>>,
    /// Whether the deciding wave must have begun after the item's deadline (default true).
    pub after_deadline: Option<bool>,
    /// The responsible units offered when an item is opened (free text still allowed).
    #[serde(default)]
    pub units: Vec<Spanned<String>>,
}

/// `[household_sample]`: a probability sample of households, drawn as the evaluators
/// draw theirs.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHouseholdSample {
    /// Communities drawn per district: one number, or a table by district code.
    pub communities: Spanned<RawCount>,
    /// Households drawn per community.
    pub households: Spanned<i64>,
    /// `kish` (default) or `next_birthday`.
    pub respondent: Option<Spanned<String>>,
    /// Visits before a household counts as non-contact (default 3).
    pub visits: Option<Spanned<i64>>,
    /// Share of each interviewer's completes drawn for a call-back (default 0.1).
    pub callback_share: Option<Spanned<f64>>,
    /// The random start's seed, unless `minyi sample draw --seed` gives one.
    pub seed: Option<Spanned<i64>>,
    /// For communities without an address list.
    pub random_walk: Option<Spanned<RawRandomWalk>>,
}

/// One number for every district, or a number per district code.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawCount {
    Same(i64),
    PerDistrict(BTreeMap<String, i64>),
}

/// The random walk an interviewer follows where no address list exists.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRandomWalk {
    /// Where the walk starts (printed on the sheet).
    pub start: RawText,
    /// Every how many households one is visited.
    pub interval: Spanned<i64>,
}

/// `[[theme]]`: one theme of the open answers, with the words that propose it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTheme {
    pub code: Spanned<String>,
    pub zh: String,
    #[serde(default)]
    pub en: String,
    #[serde(default)]
    pub keywords: Vec<String>,
}

/// `[small_area]`: the Fay–Herriot model for community estimates.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSmallArea {
    /// Covariates known for every community: `VARIABLE=CATEGORY` (the census share of
    /// that category, from the places file's `adults[VARIABLE=CATEGORY]`) or `prior`
    /// (the previous wave's rate).
    #[serde(default)]
    pub covariates: Vec<Spanned<String>>,
    /// reml (default), ml or fh.
    pub method: Option<Spanned<String>>,
    /// city (default: one model over every community) or district (one per district).
    pub scope: Option<Spanned<String>>,
}

/// `[places]`: the place hierarchy and the map outlines kept as files beside the
/// definition.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPlaces {
    /// CSV of streets, communities, grids and poster points (paths relative to the
    /// definition file).
    pub file: Option<Spanned<String>>,
    /// GeoJSON with one feature per place code, for maps.
    pub boundaries: Option<Spanned<String>>,
    /// The places file's encoding when it is not detected right (utf-8, gbk,
    /// gb18030, utf-16).
    pub encoding: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawText {
    pub zh: String,
    #[serde(default)]
    pub en: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSurvey {
    pub id: Spanned<String>,
    #[serde(default = "one")]
    pub wave: u32,
    pub title: RawText,
    pub intro: Option<RawText>,
    pub opens: Spanned<toml::value::Datetime>,
    pub closes: Spanned<toml::value::Datetime>,
    /// AAPOR's e: the share of unknown-eligibility cases taken to be eligible (default:
    /// the eligible share among the cases whose eligibility is known).
    pub aapor_e: Option<Spanned<f64>>,
    /// The evaluation (验收/测评) the fieldwork works towards.
    pub evaluation_date: Option<Spanned<toml::value::Datetime>>,
    pub min_seconds: Option<u32>,
    /// Planned complete responses per district (sample-size target for progress).
    pub planned_per_district: Option<u32>,
    /// Planned complete responses per community.
    pub planned_per_community: Option<u32>,
    /// Only residents with a one-time invitation code (household sampling) may answer.
    #[serde(default)]
    pub invitation_only: bool,
    /// How many masked open answers per theme the briefing pack may quote (default 0).
    pub voices_per_theme: Option<u32>,
    /// Public service numbers residents may write in open answers and that stay
    /// unmasked (the city's hotlines, a district office's line).
    #[serde(default)]
    pub public_numbers: Vec<Spanned<String>>,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWeighting {
    /// Question ids of the weighting variables; also the census file's column names.
    pub variables: Spanned<Vec<Spanned<String>>>,
    /// Census CSV path, relative to the definition file.
    pub census: Spanned<String>,
    /// The census file's encoding when it is not detected right.
    pub census_encoding: Option<Spanned<String>>,
    /// Primary sampling units within the district strata: a place level
    /// (`collection_community`, `community`, `grid`) or a column of the responses CSV.
    pub cluster: Option<Spanned<String>>,
    /// A column of the responses CSV with each respondent's design weight.
    pub design_weight: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDistrict {
    pub code: Spanned<String>,
    pub name: RawText,
    pub adults: Spanned<i64>,
    #[serde(default, rename = "community")]
    pub communities: Vec<Spanned<RawCommunity>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCommunity {
    pub code: Spanned<String>,
    pub name: RawText,
    pub street: Option<RawText>,
    /// Adult residents.
    pub adults: Option<Spanned<i64>>,
    /// Households (a household sample's random walk approximates its probability by
    /// them).
    pub households: Option<Spanned<i64>>,
    /// `residential` or `public` (the default for a community's poster).
    pub poster: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChoice {
    pub code: Spanned<String>,
    pub zh: String,
    #[serde(default)]
    pub en: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCondition {
    pub question: Spanned<String>,
    pub any_of: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuestion {
    pub id: Spanned<String>,
    pub kind: Spanned<Kind>,
    pub dimension: Option<Spanned<Dimension>>,
    pub text: RawText,
    /// A short label for charts and tables (e.g. 环境卫生).
    pub short: Option<RawText>,
    pub help: Option<RawText>,
    #[serde(default = "yes")]
    pub required: bool,
    #[serde(default)]
    pub options: Vec<Spanned<RawChoice>>,
    #[serde(default)]
    pub dont_know: bool,
    pub positive: Option<Spanned<Vec<Spanned<String>>>>,
    /// Quiz only: the correct option(s). Kept server-side, never rendered.
    pub correct: Option<Spanned<Vec<Spanned<String>>>>,
    pub show_if: Option<Spanned<RawCondition>>,
    #[serde(default)]
    pub screen_out: Vec<Spanned<String>>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub max_len: Option<usize>,
    pub target: Option<Spanned<f64>>,
    /// The dimension's headline question on the dashboard (one per dimension).
    pub headline: Option<Spanned<bool>>,
}

fn yes() -> bool {
    true
}

/// TOML dates come as `Datetime`; the format only allows plain dates.
pub fn to_date(d: &toml::value::Datetime) -> Option<NaiveDate> {
    match (d.date, d.time) {
        (Some(date), None) => {
            NaiveDate::from_ymd_opt(date.year as i32, date.month as u32, date.day as u32)
        }
        _ => None,
    }
}
