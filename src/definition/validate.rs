//! From the hand-written shape to a validated [`Survey`], collecting every problem.

use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use toml::Spanned;

use super::diagnostic::{valid_code, DefinitionError, Diagnostic, Locator, CODE_HELP};
use super::model::*;
use super::raw::{self, RawChoice, RawFile, RawQuestion, RawText};

/// Relative difference allowed between a district's census cells and its `adults`.
/// Census tables are often rounded per cell; anything more is a real disagreement.
const CENSUS_TOLERANCE: f64 = 0.005;

struct Ctx<'a> {
    loc: &'a Locator<'a>,
    diags: Vec<Diagnostic>,
    /// The places file was named but could not be read: the checks that count its
    /// places stay silent (one message, not one per check that finds no places).
    places_unread: bool,
}

impl Ctx<'_> {
    fn err(&mut self, at: usize, msg: impl Into<String>, help: impl Into<String>) {
        self.diags.push(self.loc.diag(at, msg, help));
    }
}

fn text(t: RawText) -> Text {
    Text::new(t.zh.trim(), t.en.trim())
}

/// Option codes never appear in paths, so they may also use `+` and `.` (e.g. `60+`).
fn valid_option_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '.'))
}

pub(super) fn validate(
    raw: RawFile,
    loc: &Locator<'_>,
    read: &dyn Fn(&Path) -> std::io::Result<Vec<u8>>,
    hasher: &mut Sha256,
) -> Result<Survey, DefinitionError> {
    let mut cx = Ctx {
        loc,
        diags: Vec::new(),
        places_unread: false,
    };
    let survey_span = raw.survey.span();
    let s = raw.survey.into_inner();

    let id = s.id.get_ref().trim().to_string();
    if !valid_code(&id) {
        cx.err(
            s.id.span().start,
            format!("survey id `{id}` is not a valid code"),
            CODE_HELP,
        );
    }
    let opens = date(&mut cx, &s.opens, "opens");
    let closes = date(&mut cx, &s.closes, "closes");
    if let (Some(o), Some(c)) = (opens, closes) {
        if c < o {
            cx.err(
                s.closes.span().start,
                format!("the survey closes ({c}) before it opens ({o})"),
                "set `closes` to a date on or after `opens`",
            );
        }
    }
    let evaluation_date = s
        .evaluation_date
        .as_ref()
        .and_then(|d| date(&mut cx, d, "evaluation_date"));
    if let (Some(e), Some(o), Some(span)) = (evaluation_date, opens, s.evaluation_date.as_ref()) {
        if e < o {
            cx.err(
                span.span().start,
                format!("the evaluation date ({e}) is before the survey opens ({o})"),
                "set `evaluation_date` to the day of the evaluation (验收/测评), on or after `opens`",
            );
        }
    }
    if let Some(e) = &s.aapor_e {
        let v = *e.get_ref();
        if !(v > 0.0 && v <= 1.0) {
            cx.err(
                e.span().start,
                format!("`aapor_e` is {v}; it is the eligible share of the unknown cases"),
                "set it between 0 (exclusive) and 1, or leave it out to estimate it from the known cases",
            );
        }
    }
    if s.wave == 0 {
        cx.err(
            survey_span.start,
            "`wave` must be 1 or more",
            "number waves from 1",
        );
    }

    let mut districts = districts(&mut cx, raw.districts);
    let mut archive = loc.text.to_string();
    let mut warnings = Vec::new();
    let (places_file, boundaries_file, places_encoding) = match raw.places {
        Some(p) => {
            let p = p.into_inner();
            (p.file, p.boundaries, p.encoding)
        }
        None => (None, None, None),
    };
    if let Some(f) = &places_file {
        let named = Named {
            rel: f,
            encoding: places_encoding.as_ref(),
            key: "encoding (in [places])",
            csv: true,
        };
        match read_beside(&mut cx, named, read, hasher, &mut archive, "places") {
            Some((text, enc)) => {
                let path = beside(loc.path, f.get_ref());
                let from = cx.diags.len();
                super::places::read(&mut cx.diags, &mut warnings, &path, &text, &mut districts);
                read_as(&mut cx, from, &path, enc);
            }
            None => cx.places_unread = true,
        }
    }
    let questions = questions(&mut cx, raw.questions, &districts);
    let targets = targets(&mut cx, raw.targets);
    let weighting = match raw.weighting {
        Some(w) => weighting(
            &mut cx,
            w,
            &questions,
            &districts,
            read,
            hasher,
            &mut archive,
        ),
        None => None,
    };
    if let Some(w) = &weighting {
        super::places::check_categories(
            &mut cx.diags,
            places_file
                .as_ref()
                .map(|f| beside(loc.path, f.get_ref()))
                .as_deref(),
            &districts,
            w,
            &questions,
        );
    }
    let small_area = small_area(&mut cx, raw.small_area, &districts);
    let rectification = rectification(&mut cx, raw.rectification);
    let household_sample = household_sample(&mut cx, raw.household_sample, &districts);
    let themes = themes(&mut cx, raw.themes);
    let boundaries = boundaries_file.and_then(|f| {
        let named = Named {
            rel: &f,
            encoding: None,
            key: "boundaries",
            csv: false,
        };
        let (text, _) = read_beside(&mut cx, named, read, hasher, &mut archive, "boundaries")?;
        let path = beside(loc.path, f.get_ref());
        super::places::boundaries(&mut cx.diags, &mut warnings, &path, &text, &districts)
    });
    if districts.is_empty() {
        cx.err(
            survey_span.start,
            "the survey has no districts",
            "add at least one [[district]] table with code, name and adults",
        );
    }
    if questions.iter().all(|q| q.kind == Kind::District) {
        cx.err(
            survey_span.start,
            "the survey has no questions",
            "add [[question]] tables",
        );
    }

    if !cx.diags.is_empty() {
        return Err(DefinitionError::Invalid(cx.diags));
    }
    let (Some(opens), Some(closes)) = (opens, closes) else {
        unreachable!("date errors are reported above");
    };
    Ok(Survey {
        id,
        wave: s.wave,
        title: text(s.title),
        intro: s.intro.map(text).unwrap_or_else(|| Text::new("", "")),
        opens,
        closes,
        evaluation_date,
        aapor_e: s.aapor_e.as_ref().map(|e| *e.get_ref()),
        voices_per_theme: s.voices_per_theme.unwrap_or(0),
        public_numbers: s
            .public_numbers
            .iter()
            .filter_map(|n| {
                let digits = n.get_ref().chars().filter(char::is_ascii_digit).count();
                if digits < 3 {
                    cx.err(
                        n.span().start,
                        format!("public number `{}` has {digits} digits", n.get_ref()),
                        "write a service line as it is dialled, e.g. \"0571-12345678\" or \"12345\"",
                    );
                    return None;
                }
                Some(n.get_ref().clone())
            })
            .collect(),
        themes,
        min_seconds: s.min_seconds,
        planned_per_district: s.planned_per_district.unwrap_or(400),
        planned_per_community: s.planned_per_community,
        boundaries,
        small_area,
        rectification,
        household_sample,
        warnings,
        invitation_only: s.invitation_only,
        districts,
        questions,
        weighting,
        targets,
        version: hex::encode(hasher.clone().finalize()),
        source: loc.path.to_path_buf(),
        source_text: archive,
    })
}

/// The `[[theme]]` code list, or the defaults when there is none.
fn themes(cx: &mut Ctx<'_>, raw: Vec<Spanned<raw::RawTheme>>) -> Vec<super::model::Theme> {
    if raw.is_empty() {
        return super::model::Theme::defaults();
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for t in raw {
        let start = t.span().start;
        let t = t.into_inner();
        let code = t.code.get_ref().clone();
        if !valid_code(&code) {
            cx.err(
                t.code.span().start,
                format!("theme code `{code}` is not a valid code"),
                CODE_HELP,
            );
        }
        if !seen.insert(code.clone()) {
            cx.err(
                t.code.span().start,
                format!("theme `{code}` is defined twice"),
                "give each [[theme]] its own code",
            );
        }
        if t.zh.trim().is_empty() {
            cx.err(
                start,
                format!("theme `{code}` has no name"),
                "add zh = \"…\" (and en = \"…\")",
            );
        }
        out.push(super::model::Theme {
            code,
            name: Text::new(
                t.zh.trim(),
                if t.en.trim().is_empty() {
                    t.zh.trim()
                } else {
                    t.en.trim()
                },
            ),
            keywords: t
                .keywords
                .into_iter()
                .map(|k| k.trim().to_string())
                .filter(|k| !k.is_empty())
                .collect(),
        });
    }
    out
}

/// A path given relative to the definition file.
fn beside(definition: &Path, rel: &str) -> std::path::PathBuf {
    definition
        .parent()
        .map(|p| p.join(rel))
        .unwrap_or_else(|| Path::new(rel).to_path_buf())
}

/// A file named in the definition: its key's span, and the encoding named beside it.
struct Named<'a> {
    rel: &'a Spanned<String>,
    /// `encoding = "gbk"` (its span, for a bad label).
    encoding: Option<&'a Spanned<String>>,
    /// The key that would name the encoding, for the help text.
    key: &'a str,
    /// A table to hand on as CSV (tabs between columns become commas).
    csv: bool,
}

/// Reads a file named in the definition, decoded as declared or detected (UTF-8 with
/// or without BOM, GBK/GB18030, UTF-16), adding its text to the version hash and the
/// archive. Also the encoding's name when it was not plain UTF-8 with commas, for the
/// file's messages.
fn read_beside(
    cx: &mut Ctx<'_>,
    f: Named<'_>,
    read: &dyn Fn(&Path) -> std::io::Result<Vec<u8>>,
    hasher: &mut Sha256,
    archive: &mut String,
    what: &str,
) -> Option<(String, Option<&'static str>)> {
    let path = beside(cx.loc.path, f.rel.get_ref());
    let bytes = match read(&path) {
        Ok(b) => b,
        Err(e) => {
            cx.err(
                f.rel.span().start,
                format!("cannot read the {what} file {}: {e}", path.display()),
                "give the path relative to this definition file",
            );
            return None;
        }
    };
    let declared = f.encoding.map(|e| e.get_ref().as_str());
    let xlsx = f.csv && f.rel.get_ref().to_ascii_lowercase().ends_with(".xlsx");
    let decoded = if xlsx {
        crate::encoding::xlsx_csv(&bytes).map(|t| (t, crate::encoding::Sniffed::PLAIN))
    } else if f.csv {
        crate::encoding::csv_text(&bytes, declared)
    } else {
        crate::encoding::decode(&bytes, declared)
    };
    let (t, sniffed) = match decoded {
        Ok(x) => x,
        Err(e @ crate::encoding::EncodingError::Unknown(_)) => {
            let at = f.encoding.map_or(f.rel.span().start, |e| e.span().start);
            cx.err(at, e.to_string(), "use utf-8, gbk, gb18030 or utf-16 (what Excel's \"Unicode text\" writes), or leave it out and let minyi detect it");
            return None;
        }
        Err(e) => {
            cx.err(
                f.rel.span().start,
                format!("cannot read the {what} file {}: {e}", path.display()),
                format!(
                    "save it from Excel as \"CSV UTF-8\", or name its encoding beside the file name: {} = \"gbk\"",
                    f.key
                ),
            );
            return None;
        }
    };
    hasher.update(t.as_bytes());
    archive.push_str(&format!("\n# ---- {what}: {} ----\n", f.rel.get_ref()));
    archive.push_str(&t);
    let how = match xlsx {
        true => Some("an Excel workbook: its first sheet, line = row"),
        false => sniffed.unusual().then(|| sniffed.name()),
    };
    Some((t, how))
}

/// Says, in each message about `path` from `from` on, how the file was read.
fn read_as(cx: &mut Ctx<'_>, from: usize, path: &Path, encoding: Option<&str>) {
    let Some(e) = encoding else { return };
    for d in cx.diags[from..].iter_mut().filter(|d| d.file == path) {
        d.message.push_str(&format!(" (the file was read as {e})"));
    }
}

fn date(
    cx: &mut Ctx<'_>,
    d: &Spanned<toml::value::Datetime>,
    key: &str,
) -> Option<chrono::NaiveDate> {
    let r = raw::to_date(d.get_ref());
    if r.is_none() {
        cx.err(
            d.span().start,
            format!("`{key}` must be a plain date"),
            format!("write it as {key} = 2026-06-01 (no time, no quotes)"),
        );
    }
    r
}

fn districts(cx: &mut Ctx<'_>, raw: Vec<Spanned<raw::RawDistrict>>) -> Vec<District> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for d in raw {
        let d = d.into_inner();
        let code = d.code.get_ref().trim().to_string();
        if !valid_code(&code) {
            cx.err(
                d.code.span().start,
                format!("district code `{code}` is not a valid code"),
                CODE_HELP,
            );
        } else if !seen.insert(code.clone()) {
            cx.err(
                d.code.span().start,
                format!("district code `{code}` is used twice"),
                "give each district its own code",
            );
        }
        let adults = *d.adults.get_ref();
        if adults <= 0 {
            cx.err(
                d.adults.span().start,
                format!("district `{code}` has adults = {adults}; weighting needs a positive population"),
                "set `adults` to the district's adult (18+) resident population from the census",
            );
        }
        let mut cseen = HashSet::new();
        let mut communities = Vec::new();
        let mut streets: Vec<Street> = Vec::new();
        for c in d.communities {
            let c = c.into_inner();
            let ccode = c.code.get_ref().trim().to_string();
            if !valid_code(&ccode) {
                cx.err(
                    c.code.span().start,
                    format!("community code `{ccode}` is not a valid code"),
                    CODE_HELP,
                );
            } else if !cseen.insert(ccode.clone()) {
                cx.err(
                    c.code.span().start,
                    format!("community code `{ccode}` is used twice in district `{code}`"),
                    "community codes must be unique within their district",
                );
            }
            let adults = c.adults.and_then(|a| {
                let v = *a.get_ref();
                if v < 0 {
                    cx.err(
                        a.span().start,
                        format!("community `{ccode}` has adults = {v}"),
                        "give the community's adult residents, or leave `adults` out",
                    );
                }
                (v >= 0).then_some(v as u64)
            });
            let poster = match c.poster {
                None => Poster::Public,
                Some(p) => Poster::parse(p.get_ref()).unwrap_or_else(|| {
                    cx.err(
                        p.span().start,
                        format!("poster = `{}` is not a kind of poster place", p.get_ref()),
                        "use \"residential\" (a 小区 gate, a building lobby) or \"public\" (a square, an office)",
                    );
                    Poster::Public
                }),
            };
            let street_name = c.street.map(text);
            // Streets named in the tables get codes of their own, in order of appearance.
            let street_code = street_name.as_ref().map(|n| {
                match streets.iter().find(|s: &&Street| s.name == *n) {
                    Some(s) => s.code.clone(),
                    None => {
                        let code = format!("{}-s{}", code.to_lowercase(), streets.len() + 1);
                        streets.push(Street {
                            code: code.clone(),
                            name: n.clone(),
                        });
                        code
                    }
                }
            });
            communities.push(Community {
                code: ccode,
                name: text(c.name),
                street: street_name,
                street_code,
                adults,
                by_category: Vec::new(),
                households: c.households.and_then(|h| {
                    let v = *h.get_ref();
                    if v < 0 {
                        cx.err(
                            h.span().start,
                            format!("community `{}` has {v} households", c.code.get_ref()),
                            "write the number of households, e.g. 3200",
                        );
                    }
                    u64::try_from(v).ok()
                }),
                poster,
                grids: Vec::new(),
            });
        }
        out.push(District {
            code,
            name: text(d.name),
            adults: adults.max(0) as u64,
            streets,
            communities,
            points: Vec::new(),
        });
    }
    out
}

fn preset(kind: Kind) -> Vec<(&'static str, &'static str, &'static str)> {
    match kind {
        Kind::Scale5 => vec![
            ("5", "非常满意", "Very satisfied"),
            ("4", "比较满意", "Satisfied"),
            ("3", "一般", "Neutral"),
            ("2", "不太满意", "Dissatisfied"),
            ("1", "非常不满意", "Very dissatisfied"),
        ],
        Kind::Scale3 => vec![
            ("3", "满意", "Satisfied"),
            ("2", "基本满意", "Fairly satisfied"),
            ("1", "不满意", "Dissatisfied"),
        ],
        Kind::YesNo => vec![("yes", "是", "Yes"), ("no", "否", "No")],
        _ => vec![],
    }
}

fn default_positive(kind: Kind) -> Vec<String> {
    let v: &[&str] = match kind {
        Kind::Scale5 => &["5", "4"],
        // In three-level schemes offices count 满意 and 基本满意 together.
        Kind::Scale3 => &["3", "2"],
        Kind::YesNo => &["yes"],
        _ => &[],
    };
    v.iter().map(|s| s.to_string()).collect()
}

fn questions(
    cx: &mut Ctx<'_>,
    raw: Vec<Spanned<RawQuestion>>,
    districts: &[District],
) -> Vec<Question> {
    let mut out: Vec<Question> = Vec::new();
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    let mut seen = Seen::default();
    for q in raw {
        let qspan = q.span();
        let mut q = q.into_inner();
        let id = q.id.get_ref().trim().to_string();
        let kind = *q.kind.get_ref();
        check_id(cx, &q, &id, &ids);
        let dimension = dimension_of(cx, &q, kind, &id, qspan.start);
        let options = options(
            cx,
            &id,
            kind,
            std::mem::take(&mut q.options),
            q.dont_know,
            districts,
            qspan.start,
        );
        place_question(cx, &q, kind, &id, districts, &mut seen);
        let positive = positive_answers(cx, &q, kind, &id, dimension, &options, qspan.start);
        check_codes(cx, &id, &options, &q.screen_out, "screen_out");
        let show_if = condition(cx, q.show_if.take(), &id, &ids, &out);
        check_bounds(cx, &q, kind, &id, qspan.start);
        let target = target_of(cx, &q);
        let headline = headline_of(cx, &q, dimension, &positive, &id, &mut seen);
        ids.insert(id.clone(), out.len());
        out.push(Question {
            id,
            kind,
            dimension,
            text: text(q.text),
            short: q.short.map(text),
            help: q.help.map(text),
            required: q.required,
            options,
            dont_know: q.dont_know,
            positive,
            show_if,
            screen_out: q.screen_out.into_iter().map(|s| s.into_inner()).collect(),
            min: q.min,
            max: q.max,
            max_len: q.max_len.unwrap_or(500),
            target,
            headline,
        });
    }
    out
}

/// What the questions before this one already claimed: the district and community
/// questions, and each dimension's headline.
#[derive(Default)]
struct Seen {
    district_questions: usize,
    community_questions: usize,
    headlines: BTreeMap<&'static str, String>,
}

/// A question id is a valid code, and used once.
fn check_id(cx: &mut Ctx<'_>, q: &RawQuestion, id: &str, ids: &BTreeMap<String, usize>) {
    if !valid_code(id) {
        cx.err(
            q.id.span().start,
            format!("question id `{id}` is not a valid id"),
            CODE_HELP,
        );
    } else if ids.contains_key(id) {
        cx.err(
            q.id.span().start,
            format!("question id `{id}` is used twice"),
            "question ids are stable keys in stored answers; give each question its own",
        );
    }
}

/// The question's dimension; place questions are demographic unless they say.
fn dimension_of(cx: &mut Ctx<'_>, q: &RawQuestion, kind: Kind, id: &str, at: usize) -> Dimension {
    match (&q.dimension, kind) {
        (Some(d), _) => *d.get_ref(),
        (None, Kind::District | Kind::Community) => Dimension::Demographic,
        (None, _) => {
            cx.err(
                at,
                format!("question `{id}` has no `dimension`"),
                "add dimension = \"awareness\" | \"participation\" | \"support\" | \"knowledge\" | \"satisfaction\" | \"demographic\" | \"screening\" | \"other\"",
            );
            Dimension::Other
        }
    }
}

/// Codes a list names are options of the question, and not "don't know".
fn check_codes(
    cx: &mut Ctx<'_>,
    id: &str,
    options: &[Choice],
    list: &[Spanned<String>],
    what: &str,
) {
    let codes: HashSet<&str> = options.iter().map(|o| o.code.as_str()).collect();
    for c in list {
        let v = c.get_ref();
        if v == DONT_KNOW {
            cx.err(
                c.span().start,
                format!("`{what}` of question `{id}` lists the don't-know option `dk`"),
                "don't-know answers are excluded from rates; remove `dk` from this list",
            );
        } else if !codes.contains(v.as_str()) {
            cx.err(
                c.span().start,
                format!("`{what}` of question `{id}` names option `{v}`, which the question does not have"),
                format!("use one of: {}", list_codes(options)),
            );
        }
    }
}

/// One district question and one community question at most, the community after the
/// district, with communities to offer and their codes unique across the city.
fn place_question(
    cx: &mut Ctx<'_>,
    q: &RawQuestion,
    kind: Kind,
    id: &str,
    districts: &[District],
    seen: &mut Seen,
) {
    if kind == Kind::District {
        seen.district_questions += 1;
        if seen.district_questions > 1 {
            cx.err(
                q.kind.span().start,
                "only one question may have kind = \"district\"",
                "keep one question for the resident's district",
            );
        }
    }
    if kind == Kind::Community {
        seen.community_questions += 1;
        if seen.community_questions > 1 {
            cx.err(
                q.kind.span().start,
                "only one question may have kind = \"community\"",
                "keep one question for the resident's community",
            );
        }
        if seen.district_questions == 0 {
            cx.err(
                q.kind.span().start,
                format!("community question `{id}` comes before any district question"),
                "ask the resident's district (kind = \"district\") first; the community must lie in it",
            );
        }
        if districts.iter().all(|d| d.communities.is_empty()) && !cx.places_unread {
            cx.err(
                q.kind.span().start,
                format!("community question `{id}` has no communities to offer"),
                "add [[district.community]] tables or a [places] file",
            );
        }
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for d in districts {
            for c in &d.communities {
                if let Some(other) = seen.insert(&c.code, &d.code) {
                    cx.err(
                        q.kind.span().start,
                        format!(
                            "community code `{}` is used in districts `{other}` and `{}`",
                            c.code, d.code
                        ),
                        "a community question needs community codes unique across the city",
                    );
                }
            }
        }
    }
}

/// The answers that count towards the rate: a quiz's `correct`, else `positive`, else
/// the kind's default; a rated dimension needs some.
fn positive_answers(
    cx: &mut Ctx<'_>,
    q: &RawQuestion,
    kind: Kind,
    id: &str,
    dimension: Dimension,
    options: &[Choice],
    at: usize,
) -> Vec<String> {
    let mut positive: Vec<String> = Vec::new();
    match (&q.correct, kind) {
        (Some(c), Kind::Quiz) => {
            check_codes(cx, id, options, c.get_ref(), "correct");
            if c.get_ref().is_empty() {
                cx.err(
                    c.span().start,
                    format!("quiz `{id}` has an empty `correct` list"),
                    "list the correct option code(s)",
                );
            }
            positive = c.get_ref().iter().map(|s| s.get_ref().clone()).collect();
        }
        (None, Kind::Quiz) => cx.err(
            at,
            format!("quiz `{id}` has no `correct` option"),
            "add correct = [\"code\"]; it is used for scoring and never shown to residents",
        ),
        (Some(c), _) => cx.err(
            c.span().start,
            format!(
                "`correct` is only for quiz questions, and `{id}` is a {} question",
                kind.name()
            ),
            "use `positive` for the options that count towards the rate, or set kind = \"quiz\"",
        ),
        (None, _) => {}
    }
    if let Some(p) = &q.positive {
        if kind == Kind::Quiz {
            cx.err(
                p.span().start,
                format!("quiz `{id}` takes `correct`, not `positive`"),
                "rename `positive` to `correct`",
            );
        } else if !kind.has_options() || kind.is_place() {
            cx.err(
                p.span().start,
                format!(
                    "a {} question has no options to count as positive",
                    kind.name()
                ),
                "remove `positive`",
            );
        } else {
            check_codes(cx, id, options, p.get_ref(), "positive");
            positive = p.get_ref().iter().map(|s| s.get_ref().clone()).collect();
        }
    } else if kind != Kind::Quiz {
        positive = default_positive(kind);
    }
    if dimension.is_rated() && positive.is_empty() && kind.has_options() && kind != Kind::Quiz {
        cx.err(
            at,
            format!(
                "question `{id}` is in dimension `{}` but no answer counts as positive",
                dimension.name()
            ),
            "add positive = [\"code\", …] listing the answers that count for the rate",
        );
    }
    positive
}

/// `show_if`: an earlier single-answer question and options it has.
fn condition(
    cx: &mut Ctx<'_>,
    show_if: Option<Spanned<raw::RawCondition>>,
    id: &str,
    ids: &BTreeMap<String, usize>,
    out: &[Question],
) -> Option<Condition> {
    show_if.map(|c| {
        let at = c.span().start;
        let c = c.into_inner();
        let target = c.question.get_ref().clone();
        match ids.get(&target).map(|i| &out[*i]) {
            None => {
                let later = target == id;
                cx.err(
                    c.question.span().start,
                    format!("`show_if` of `{id}` refers to `{target}`, which is {}", if later { "this same question" } else { "not an earlier question" }),
                    "a condition can only depend on a question asked before this one; move it below that question or fix the id",
                );
            }
            Some(prev) if prev.multi_answer() || !prev.kind.has_options() => cx.err(
                c.question.span().start,
                format!("`show_if` of `{id}` refers to `{target}`, a {} question", prev.kind.name()),
                "conditions can only depend on single-answer choice questions",
            ),
            Some(prev) => {
                for v in &c.any_of {
                    if prev.option(v.get_ref()).is_none() {
                        cx.err(
                            v.span().start,
                            format!("`show_if` of `{id}` names option `{}` of `{target}`, which does not exist", v.get_ref()),
                            format!("use one of: {}", list_codes(&prev.options)),
                        );
                    }
                }
                if c.any_of.is_empty() {
                    cx.err(at, "`show_if.any_of` is empty", "list the answers that make this question appear");
                }
            }
        }
        Condition {
            question: target,
            any_of: c.any_of.into_iter().map(|s| s.into_inner()).collect(),
        }
    })
}

/// `min` and `max` belong to number questions, in order.
fn check_bounds(cx: &mut Ctx<'_>, q: &RawQuestion, kind: Kind, id: &str, at: usize) {
    if let (Some(lo), Some(hi)) = (q.min, q.max) {
        if lo > hi {
            cx.err(
                at,
                format!("question `{id}` has min {lo} greater than max {hi}"),
                "swap min and max",
            );
        }
    }
    if (q.min.is_some() || q.max.is_some()) && kind != Kind::Number {
        cx.err(
            at,
            format!(
                "`min`/`max` apply to number questions, and `{id}` is {}",
                kind.name()
            ),
            "remove them or set kind = \"number\"",
        );
    }
}

/// The question's own target, a rate.
fn target_of(cx: &mut Ctx<'_>, q: &RawQuestion) -> Option<f64> {
    q.target.as_ref().map(|t| {
        let v = *t.get_ref();
        if !(0.0..=1.0).contains(&v) || v == 0.0 {
            cx.err(
                t.span().start,
                format!("target {v} is not a rate"),
                "write targets as a fraction, e.g. 0.90 for 90%",
            );
        }
        v
    })
}

/// Whether the question is its dimension's headline (one per dimension, a rate).
fn headline_of(
    cx: &mut Ctx<'_>,
    q: &RawQuestion,
    dimension: Dimension,
    positive: &[String],
    id: &str,
    seen: &mut Seen,
) -> bool {
    match &q.headline {
        Some(h) if *h.get_ref() => {
            let at = h.span().start;
            if !dimension.is_rated() || positive.is_empty() {
                cx.err(
                    at,
                    format!("question `{id}` is marked headline but has no rate"),
                    "a headline is a rate question of awareness, participation, support, knowledge or satisfaction",
                );
            } else if let Some(other) = seen.headlines.get(dimension.name()) {
                cx.err(
                    at,
                    format!(
                        "dimension {} already has headline question `{other}`",
                        dimension.name()
                    ),
                    "mark one question per dimension with headline = true",
                );
            } else {
                seen.headlines.insert(dimension.name(), id.to_string());
            }
            true
        }
        _ => false,
    }
}

fn list_codes(options: &[Choice]) -> String {
    options
        .iter()
        .filter(|o| o.code != DONT_KNOW)
        .map(|o| format!("`{}`", o.code))
        .collect::<Vec<_>>()
        .join(", ")
}

#[allow(clippy::too_many_arguments)]
fn options(
    cx: &mut Ctx<'_>,
    id: &str,
    kind: Kind,
    raw: Vec<Spanned<RawChoice>>,
    dont_know: bool,
    districts: &[District],
    at: usize,
) -> Vec<Choice> {
    let mut out: Vec<Choice> = Vec::new();
    match kind {
        Kind::District => {
            if !raw.is_empty() {
                cx.err(
                    raw[0].span().start,
                    format!(
                        "district question `{id}` takes its options from the [[district]] tables"
                    ),
                    "remove `options`",
                );
            }
            out.extend(districts.iter().map(|d| Choice {
                code: d.code.clone(),
                label: d.name.clone(),
            }));
        }
        Kind::Community => {
            if !raw.is_empty() {
                cx.err(
                    raw[0].span().start,
                    format!(
                        "community question `{id}` takes its options from the survey's communities"
                    ),
                    "remove `options`",
                );
            }
            out.extend(districts.iter().flat_map(|d| {
                d.communities.iter().map(|c| Choice {
                    code: c.code.clone(),
                    label: c.name.clone(),
                })
            }));
        }
        Kind::Number | Kind::Text => {
            if let Some(o) = raw.first() {
                cx.err(
                    o.span().start,
                    format!("a {} question has no options", kind.name()),
                    "remove `options`, or change the kind",
                );
            }
        }
        _ => {
            let preset = preset(kind);
            if raw.is_empty() {
                if preset.is_empty() {
                    cx.err(
                        at,
                        format!("question `{id}` ({}) has no options", kind.name()),
                        "add options = [{ code = \"1\", zh = \"…\", en = \"…\" }, …]",
                    );
                }
                out.extend(preset.iter().map(|(c, zh, en)| Choice {
                    code: c.to_string(),
                    label: Text::new(*zh, *en),
                }));
            } else {
                let mut seen = HashSet::new();
                for o in raw {
                    let ospan = o.span().start;
                    let o = o.into_inner();
                    let code = o.code.get_ref().trim().to_string();
                    if !valid_option_code(&code) {
                        cx.err(
                            o.code.span().start,
                            format!("option code `{code}` of `{id}` is not a valid code"),
                            "use 1–40 ASCII letters, digits, '-', '_', '+' or '.'",
                        );
                    } else if code == DONT_KNOW {
                        cx.err(
                            o.code.span().start,
                            format!("option code `dk` of `{id}` is reserved for don't know"),
                            "set dont_know = true instead of adding the option by hand",
                        );
                    } else if !seen.insert(code.clone()) {
                        cx.err(
                            o.code.span().start,
                            format!("option code `{code}` is used twice in `{id}`"),
                            "give each option its own code",
                        );
                    }
                    if o.zh.trim().is_empty() {
                        cx.err(
                            ospan,
                            format!("option `{code}` of `{id}` has no Chinese label"),
                            "add zh = \"…\"",
                        );
                    }
                    out.push(Choice {
                        code,
                        label: Text::new(o.zh.trim(), o.en.trim()),
                    });
                }
                if kind.is_scale() {
                    // Relabelling a scale (很好…很差) is fine; its codes must stay the points.
                    let want: HashSet<String> = preset.iter().map(|p| p.0.to_string()).collect();
                    let got: HashSet<String> = out.iter().map(|o| o.code.clone()).collect();
                    if want != got {
                        cx.err(
                            at,
                            format!("scale question `{id}` must use the codes {} for its points", list_codes(&preset.iter().map(|p| Choice { code: p.0.into(), label: Text::new("", "") }).collect::<Vec<_>>())),
                            "code the best answer with the highest number; leave out `options` to use the standard labels",
                        );
                    }
                }
            }
        }
    }
    if dont_know {
        if !kind.has_options() || kind == Kind::District {
            cx.err(
                at,
                format!(
                    "`dont_know` is only for choice questions, and `{id}` is {}",
                    kind.name()
                ),
                "remove dont_know, or leave the question optional",
            );
        } else {
            out.push(Choice {
                code: DONT_KNOW.into(),
                label: Text::new("说不清", "Don't know"),
            });
        }
    }
    out
}

/// `[household_sample]`: counts within what each district has, adults for every
/// community a district draws from (the draw is proportional to them), one of the two
/// respondent rules, at least one visit, a share for call-backs.
fn household_sample(
    cx: &mut Ctx<'_>,
    raw: Option<Spanned<raw::RawHouseholdSample>>,
    districts: &[District],
) -> Option<HouseholdSample> {
    let raw = raw?;
    let at = raw.span().start;
    let raw = raw.into_inner();
    let cspan = raw.communities.span().start;
    let mut communities = std::collections::BTreeMap::new();
    match raw.communities.into_inner() {
        raw::RawCount::Same(n) => {
            if n < 1 {
                cx.err(
                    cspan,
                    format!("`communities = {n}` draws no community"),
                    "draw at least one community per district, or give a table of counts by district code",
                );
            }
            for d in districts {
                communities.insert(d.code.clone(), n.max(0) as u32);
            }
        }
        raw::RawCount::PerDistrict(per) => {
            for (code, n) in per {
                if !districts.iter().any(|d| d.code == code) {
                    cx.err(
                        cspan,
                        format!(
                            "`communities` names district `{code}`, which the survey does not have"
                        ),
                        format!(
                            "use the district codes: {}",
                            districts
                                .iter()
                                .map(|d| d.code.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                } else if n < 0 {
                    cx.err(
                        cspan,
                        format!("district `{code}` draws {n} communities"),
                        "write 0 or more",
                    );
                } else {
                    communities.insert(code, n as u32);
                }
            }
        }
    }
    for d in districts {
        let n = communities.get(&d.code).copied().unwrap_or(0);
        if n == 0 {
            continue;
        }
        if n as usize > d.communities.len() && !cx.places_unread {
            cx.err(
                cspan,
                format!(
                    "district `{}` is to draw {n} communities but has {}",
                    d.code,
                    d.communities.len()
                ),
                "draw at most as many communities as the district has (give its communities in the places file)",
            );
        }
        let missing: Vec<String> = d
            .communities
            .iter()
            .filter(|c| c.adults.is_none_or(|a| a == 0))
            .map(|c| c.code.clone())
            .collect();
        if !missing.is_empty() {
            cx.err(
                cspan,
                format!(
                    "district `{}` draws communities in proportion to their adults, but {} of them have none: {}",
                    d.code,
                    missing.len(),
                    missing.join(", ")
                ),
                "give every community of the district its adults (the places file's adults column)",
            );
        }
    }
    let households = *raw.households.get_ref();
    if households < 1 {
        cx.err(
            raw.households.span().start,
            format!("`households = {households}` draws no household"),
            "draw at least one household per community, e.g. households = 20",
        );
    }
    let respondent = match raw.respondent.as_ref().map(|r| r.get_ref().as_str()) {
        None | Some("kish") => Respondent::Kish,
        Some("next_birthday") => Respondent::NextBirthday,
        Some(other) => {
            cx.err(
                raw.respondent.as_ref().map_or(at, |r| r.span().start),
                format!("unknown respondent rule `{other}`"),
                "use kish (Kish's selection tables, the default) or next_birthday",
            );
            Respondent::Kish
        }
    };
    let visits = raw.visits.as_ref().map_or(3, |v| *v.get_ref());
    if visits < 1 {
        cx.err(
            raw.visits.as_ref().map_or(at, |v| v.span().start),
            format!("`visits = {visits}`: a household needs at least one visit"),
            "write the visits before a household counts as non-contact, e.g. visits = 3",
        );
    }
    let callback_share = raw.callback_share.as_ref().map_or(0.1, |c| *c.get_ref());
    if !(0.0..=1.0).contains(&callback_share) {
        cx.err(
            raw.callback_share.as_ref().map_or(at, |c| c.span().start),
            format!("`callback_share = {callback_share}` is not a share"),
            "write the share of each interviewer's completes to re-check, from 0 to 1, e.g. 0.1",
        );
    }
    let seed = raw.seed.as_ref().map_or(1, |s| *s.get_ref());
    if seed < 0 {
        cx.err(
            raw.seed.as_ref().map_or(at, |s| s.span().start),
            "the seed is negative",
            "write a whole number of 0 or more, e.g. the date: seed = 20261201",
        );
    }
    let random_walk = raw.random_walk.map(|w| {
        let w = w.into_inner();
        let interval = *w.interval.get_ref();
        if interval < 1 {
            cx.err(
                w.interval.span().start,
                format!("`interval = {interval}` walks past no household"),
                "visit every k-th household, k of 1 or more, e.g. interval = 5",
            );
        }
        RandomWalk {
            start: text(w.start),
            interval: interval.max(1) as u32,
        }
    });
    Some(HouseholdSample {
        communities,
        households: households.max(0) as u32,
        respondent,
        visits: visits.max(0) as u32,
        callback_share,
        seed: seed.max(0) as u64,
        random_walk,
    })
}

fn rectification(cx: &mut Ctx<'_>, raw: Option<Spanned<raw::RawRectification>>) -> Rectification {
    let Some(raw) = raw.map(Spanned::into_inner) else {
        return Rectification::default();
    };
    let sign_off = match raw.sign_off {
        None => SignOffRule::NotSignificantlyBelow,
        Some(r) => match SignOffRule::ALL.iter().find(|x| x.code() == r.get_ref()) {
            Some(x) => *x,
            None => {
                cx.err(
                    r.span().start,
                    format!("unknown sign-off rule `{}`", r.get_ref()),
                    "use not_significantly_below (the default), at_or_above or improved",
                );
                SignOffRule::NotSignificantlyBelow
            }
        },
    };
    let mut units: Vec<String> = Vec::new();
    for u in raw.units {
        let name = u.get_ref().trim().to_string();
        if name.is_empty() || units.contains(&name) {
            cx.err(
                u.span().start,
                if name.is_empty() {
                    "an empty responsible unit".to_string()
                } else {
                    format!("responsible unit `{name}` is listed twice")
                },
                "list each unit once, by the name the ledger should print",
            );
            continue;
        }
        units.push(name);
    }
    Rectification {
        sign_off,
        after_deadline: raw.after_deadline.unwrap_or(true),
        units,
    }
}

fn small_area(
    cx: &mut Ctx<'_>,
    raw: Option<Spanned<raw::RawSmallArea>>,
    districts: &[District],
) -> SmallArea {
    let Some(raw) = raw.map(Spanned::into_inner) else {
        return SmallArea {
            covariates: vec![],
            method: "reml".into(),
            scope: "city".into(),
        };
    };
    let method = match raw.method {
        Some(m) if !["reml", "ml", "fh"].contains(&m.get_ref().as_str()) => {
            cx.err(
                m.span().start,
                format!("unknown small-area method `{}`", m.get_ref()),
                "use reml (the default), ml or fh",
            );
            "reml".to_string()
        }
        Some(m) => m.into_inner(),
        None => "reml".into(),
    };
    let scope = match raw.scope {
        Some(sc) if !["city", "district"].contains(&sc.get_ref().as_str()) => {
            cx.err(
                sc.span().start,
                format!("unknown small-area scope `{}`", sc.get_ref()),
                "use city (one model over every community, the default) or district (one per district)",
            );
            "city".to_string()
        }
        Some(sc) => sc.into_inner(),
        None => "city".into(),
    };
    let mut covariates = Vec::new();
    for c in raw.covariates {
        let at = c.span().start;
        let name = c.into_inner();
        if name == "prior" {
            covariates.push(Covariate::Prior);
            continue;
        }
        let Some((variable, category)) = name.split_once('=') else {
            cx.err(
                at,
                format!("covariate `{name}` is neither `prior` nor VARIABLE=CATEGORY"),
                "write e.g. \"age_band=a60\" (the census share of that category, from the places file's adults[age_band=a60] column) or \"prior\" (the previous wave's rate)",
            );
            continue;
        };
        let missing: Vec<String> = districts
            .iter()
            .flat_map(|d| d.communities.iter())
            .filter(|c| {
                c.adults.is_none()
                    || !c
                        .by_category
                        .iter()
                        .any(|(v, k, _)| v == variable && k == category)
            })
            .map(|c| format!("{} ({})", c.name.zh, c.code))
            .collect();
        if cx.places_unread {
            // Said once, where the places file is named.
        } else if districts.iter().all(|d| d.communities.is_empty()) {
            cx.err(
                at,
                format!("covariate `{name}` needs communities"),
                "give the communities in a [places] file",
            );
        } else if !missing.is_empty() {
            cx.err(
                at,
                format!(
                    "covariate `{name}` must be known for every community; {} of them have no adults or no adults[{name}] in the places file: {}{}",
                    missing.len(),
                    missing.iter().take(5).cloned().collect::<Vec<_>>().join(", "),
                    if missing.len() > 5 { ", …" } else { "" }
                ),
                format!("add the column adults[{name}] (and adults) for every community, or leave the covariate out"),
            );
        }
        covariates.push(Covariate::Share {
            variable: variable.to_string(),
            category: category.to_string(),
        });
    }
    SmallArea {
        covariates,
        method,
        scope,
    }
}

fn targets(cx: &mut Ctx<'_>, raw: BTreeMap<String, Spanned<f64>>) -> Targets {
    let mut by_dimension = Vec::new();
    for (k, v) in raw {
        let Some(d) = Dimension::ALL.iter().find(|d| d.name() == k) else {
            cx.err(
                v.span().start,
                format!("unknown dimension `{k}` in [targets]"),
                "use awareness, participation, support, knowledge or satisfaction",
            );
            continue;
        };
        let x = *v.get_ref();
        if !(x > 0.0 && x <= 1.0) {
            cx.err(
                v.span().start,
                format!("target {x} for {k} is not a rate"),
                "write targets as a fraction, e.g. 0.90 for 90%",
            );
        }
        by_dimension.push((*d, x));
    }
    Targets { by_dimension }
}

fn weighting(
    cx: &mut Ctx<'_>,
    raw: Spanned<raw::RawWeighting>,
    questions: &[Question],
    districts: &[District],
    read: &dyn Fn(&Path) -> std::io::Result<Vec<u8>>,
    hasher: &mut Sha256,
    archive: &mut String,
) -> Option<Weighting> {
    let raw = raw.into_inner();
    let mut vars = Vec::new();
    let mut var_questions: Vec<&Question> = Vec::new();
    for v in raw.variables.get_ref() {
        let name = v.get_ref().clone();
        match questions.iter().find(|q| q.id == name) {
            Some(q) if q.kind.has_options() && !q.multi_answer() && q.kind != Kind::District => {
                vars.push((name.clone(), name));
                var_questions.push(q);
            }
            Some(q) => cx.err(
                v.span().start,
                format!("weighting variable `{name}` is a {} question", q.kind.name()),
                "weight on single-choice demographic questions such as age band and sex",
            ),
            None => cx.err(
                v.span().start,
                format!("weighting variable `{name}` is not a question id"),
                "list the ids of the demographic questions used for weighting, e.g. [\"age_band\", \"sex\"]",
            ),
        }
    }
    if vars.is_empty() {
        cx.err(
            raw.variables.span().start,
            "[weighting] has no usable variables",
            "list question ids, e.g. variables = [\"age_band\", \"sex\"]",
        );
        return None;
    }
    let census_path = beside(cx.loc.path, raw.census.get_ref());
    let named = Named {
        rel: &raw.census,
        encoding: raw.census_encoding.as_ref(),
        key: "census_encoding (in [weighting])",
        csv: true,
    };
    let (text, enc) = read_beside(cx, named, read, hasher, archive, "census")?;
    let from = cx.diags.len();
    let cells = census(cx, &census_path, &text, &vars, &var_questions, districts);
    read_as(cx, from, &census_path, enc);
    let cells = cells?;
    let cluster = raw.cluster.map(|c| {
        let name = c.get_ref().trim().to_string();
        if name.is_empty() || questions.iter().any(|q| q.id == name) {
            cx.err(
                c.span().start,
                format!("cluster `{name}` is not a place level or a column of its own"),
                "use collection_community (respondents at one poster or one sampled 小区), community, grid, or the name of a column of the responses CSV that is not a question",
            );
        }
        name
    });
    let design_weight = raw.design_weight.map(|c| {
        let name = c.get_ref().trim().to_string();
        let reserved = ["district", "community", "grid", "wave", "channel"];
        if name.is_empty() || reserved.contains(&name.as_str()) || questions.iter().any(|q| q.id == name) {
            cx.err(
                c.span().start,
                format!("design_weight `{name}` is not a column of its own"),
                "name the responses CSV's column that holds each respondent's design weight (the inverse of their chance of selection), e.g. design_weight = \"design_weight\"",
            );
        }
        name
    });
    Some(Weighting {
        variables: vars,
        census: cells,
        cluster,
        design_weight,
    })
}

fn census(
    cx: &mut Ctx<'_>,
    path: &Path,
    text: &str,
    vars: &[(String, String)],
    var_questions: &[&Question],
    districts: &[District],
) -> Option<Vec<CensusCell>> {
    let mut diag = |line: usize, column: usize, message: String, help: &str| {
        cx.diags.push(Diagnostic {
            file: path.to_path_buf(),
            line,
            column,
            message,
            help: help.into(),
        })
    };
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match rdr.headers() {
        Ok(h) => h.iter().map(str::to_string).collect(),
        Err(e) => {
            diag(
                1,
                1,
                format!("cannot read the header: {e}"),
                "the first line must name the columns",
            );
            return None;
        }
    };
    let mut want: Vec<String> = vec!["district".into()];
    want.extend(vars.iter().map(|v| v.0.clone()));
    want.push("population".into());
    let col = |name: &str| header.iter().position(|h| h == name);
    let idx: Vec<Option<usize>> = want.iter().map(|w| col(w)).collect();
    if idx.iter().any(Option::is_none) {
        diag(
            1,
            1,
            format!(
                "the census header is `{}`; it needs the columns {}",
                header.join(","),
                want.join(", ")
            ),
            "one column per weighting variable, plus district and population",
        );
        return None;
    }
    let idx: Vec<usize> = idx.into_iter().flatten().collect();
    let mut cells: Vec<CensusCell> = Vec::new();
    let mut seen: HashSet<(String, Vec<String>)> = HashSet::new();
    let mut bad = false;
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                diag(
                    line,
                    1,
                    format!("unreadable row: {e}"),
                    "every row needs the same columns as the header",
                );
                bad = true;
                continue;
            }
        };
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let get = |i: usize| rec.get(idx[i]).unwrap_or("").to_string();
        let district = get(0);
        if !districts.iter().any(|d| d.code == district) {
            diag(
                line,
                1,
                format!("census district `{district}` is not a district of the survey"),
                "use the district codes from the definition's [[district]] tables",
            );
            bad = true;
        }
        let mut values = Vec::new();
        for (k, q) in var_questions.iter().enumerate() {
            let v = get(k + 1);
            if q.option(&v).is_none() || v == DONT_KNOW || q.screen_out.contains(&v) {
                let usable: Vec<Choice> = q
                    .options
                    .iter()
                    .filter(|o| !q.screen_out.contains(&o.code))
                    .cloned()
                    .collect();
                diag(
                    line,
                    idx[k + 1] + 1,
                    format!("`{v}` is not a weighting category of `{}`", q.id),
                    &format!("use one of: {}", list_codes(&usable)),
                );
                bad = true;
            }
            values.push(v);
        }
        let pop_s = get(vars.len() + 1);
        let population = match pop_s.replace('_', "").parse::<u64>() {
            Ok(p) if p > 0 => p,
            _ => {
                diag(line, idx[vars.len() + 1] + 1, format!("population `{pop_s}` is not a positive whole number"), "a census cell with no people cannot be weighted to; merge it with a neighbouring cell in the questionnaire's options");
                bad = true;
                0
            }
        };
        if !seen.insert((district.clone(), values.clone())) {
            diag(
                line,
                1,
                format!("cell {district} × {} appears twice", values.join(" × ")),
                "keep one row per cell",
            );
            bad = true;
        }
        cells.push(CensusCell {
            district,
            values,
            population,
        });
    }
    if bad {
        return None;
    }
    // Every combination must be present, or weighting cannot calibrate those people.
    let mut combos: Vec<Vec<String>> = vec![vec![]];
    for q in var_questions {
        combos = combos
            .into_iter()
            .flat_map(|c| {
                // Screened-out answers (under 18) are not part of the population.
                q.options
                    .iter()
                    .filter(|o| o.code != DONT_KNOW && !q.screen_out.contains(&o.code))
                    .map(move |o| {
                        let mut c = c.clone();
                        c.push(o.code.clone());
                        c
                    })
            })
            .collect();
    }
    let last = text.lines().count();
    for d in districts {
        for combo in &combos {
            if !seen.contains(&(d.code.clone(), combo.clone())) {
                diag(last, 1, format!("no census row for {} × {}", d.code, combo.join(" × ")), "add the row (population of that cell), or remove that option from the weighting question");
            }
        }
        let total: u64 = cells
            .iter()
            .filter(|c| c.district == d.code)
            .map(|c| c.population)
            .sum();
        let diff = (total as f64 - d.adults as f64).abs() / d.adults.max(1) as f64;
        if total > 0 && diff > CENSUS_TOLERANCE {
            diag(last, 1, format!("census cells of district `{}` add up to {total}, but the definition says adults = {}", d.code, d.adults), "make the two agree: correct `adults` in the definition or the census rows");
        }
    }
    Some(cells)
}
