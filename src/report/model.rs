//! What the pack is made from ([`PackInput`]) and what it computed ([`Pack`]): the
//! figures the workbook, the HTML report and the briefing documents all write.

use crate::charts;
use crate::definition::{Lang, Survey};
use crate::stats::tally::Tally;
use crate::stats::{self, Options, Report};

/// What the pack is made from.
pub struct PackInput<'a> {
    pub survey: &'a Survey,
    /// All responses, aggregated (every wave; flagged ones are left out and counted).
    pub tally: &'a Tally,
    pub census: Option<&'a stats::Census>,
    pub options: Options,
    /// The wave to report; default the latest in the data (or the definition's).
    pub wave: Option<String>,
    pub lang: Lang,
    /// The date printed on every chart and page.
    pub date: String,
    /// How the data were collected, for every output's source line.
    pub collection: String,
    /// Count flagged responses (not superseded ones) instead of leaving them out.
    pub include_flagged: bool,
    /// Residents' open answers, when the pack is made from the database.
    pub voices: Option<crate::figures::Voices>,
    /// The household probability sample's interviews (every wave, each with its
    /// `design_weight` and `psu`), estimated apart from the tally's and never pooled.
    pub household: Option<&'a stats::Dataset>,
    /// The rectification ledger's monthly notice, when the pack is made from the
    /// database and the survey has items.
    pub ledger: Option<&'a LedgerPack>,
}

/// The rectification ledger as the pack carries it: a line of totals, the month's
/// notice by district and unit (a section of the briefing) and the ledger workbook
/// (`ledger.xlsx` in the ZIP).
pub struct LedgerPack {
    pub summary: String,
    pub notice: crate::figures::Table,
    pub workbook: Vec<u8>,
}

/// The household sample of the reported wave, beside the convenience sample.
pub struct HouseholdPack {
    /// City and district estimates (design weights, clustered by drawn community).
    pub report: Report,
    /// Why the design weights were not calibrated to the census, when they were not.
    pub fallback: Option<String>,
    /// The convenience sample minus the household sample, for every estimate both
    /// publish (`a` and `b` name the area).
    pub gap: Vec<stats::Difference>,
}

/// One estimate against the previous wave.
#[derive(Debug, Clone)]
pub struct Change {
    pub indicator: String,
    pub group: String,
    pub previous: f64,
    pub current: f64,
    pub difference: f64,
    /// The difference's interval (`None` where the designs give none).
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub p_value: f64,
}

/// Everything computed for the pack (also what the HTML and the workbook show).
pub struct Pack {
    pub wave: String,
    pub waves: Vec<String>,
    pub report: Report,
    /// Per wave (in order), the city and district estimates of that wave alone.
    pub by_wave: Vec<(String, Report)>,
    pub changes: Vec<Change>,
    pub responses_by_district: Vec<(String, f64)>,
    pub likert: Vec<charts::LikertRow>,
    pub files: Vec<String>,
    /// The current wave's estimates by street, community and grid (where residents
    /// live), when the definition has places below the district.
    pub places: Option<Report>,
    /// Flagged responses of the wave counted because the caller asked (`include_flagged`).
    pub included_flagged: usize,
    /// The household probability sample of the wave, where there is one.
    pub household: Option<HouseholdPack>,
}
