//! The validated, in-memory shape of a survey definition.
//!
//! Everything here has passed `validate`: codes are unique, references resolve,
//! the census matches the districts. Other modules rely on that and do not re-check.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// A text in both languages. Chinese is the default; English falls back to Chinese
/// when a translator left it empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

/// Interface language of a page or report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// Parses `zh` / `en` (as in `?lang=en`); anything else is Chinese.
    pub fn from_code(code: Option<&str>) -> Lang {
        match code {
            Some(c) if c.eq_ignore_ascii_case("en") => Lang::En,
            _ => Lang::Zh,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
    /// Picks between two literal strings; used for interface text.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

impl Text {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Text {
        Text {
            zh: zh.into(),
            en: en.into(),
        }
    }
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En if !self.en.is_empty() => &self.en,
            _ => &self.zh,
        }
    }
}

/// How a response reached minyi.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Scanned from a poster (the default for questionnaire links).
    Qr,
    /// The same link shared as text (`?ch=link`).
    Link,
    /// The JSON API (kiosks, interview software).
    Api,
    /// A telephone interview entered by an interviewer.
    Phone,
    /// A face-to-face interview at the resident's home, entered by an interviewer.
    Household,
}

impl Channel {
    /// Every mode, in the order the dashboard lists them.
    pub const ALL: [Channel; 5] = [
        Channel::Qr,
        Channel::Link,
        Channel::Api,
        Channel::Phone,
        Channel::Household,
    ];

    /// A stored mode code (`qr`, `link`, `api`, `phone`, `household`).
    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The codes, for messages: "qr, link, api, phone or household".
    pub fn codes() -> String {
        let all: Vec<&str> = Channel::ALL.iter().map(|c| c.as_str()).collect();
        format!(
            "{} or {}",
            all[..all.len() - 1].join(", "),
            all[all.len() - 1]
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Qr => "qr",
            Channel::Link => "link",
            Channel::Api => "api",
            Channel::Phone => "phone",
            Channel::Household => "household",
        }
    }
    /// Interview modes: an interviewer enters the answers on the resident's behalf.
    pub fn interview(s: &str) -> Option<Channel> {
        match s {
            "phone" => Some(Channel::Phone),
            "household" => Some(Channel::Household),
            _ => None,
        }
    }
    pub fn from_param(s: Option<&str>) -> Channel {
        match s {
            Some("link") => Channel::Link,
            _ => Channel::Qr,
        }
    }
}

/// The code of the "don't know" (说不清) option. Answers with this code are kept but
/// leave every rate's denominator.
pub const DONT_KNOW: &str = "dk";

#[derive(Debug, Clone, Serialize)]
pub struct Survey {
    pub id: String,
    pub wave: u32,
    pub title: Text,
    pub intro: Text,
    pub opens: NaiveDate,
    pub closes: NaiveDate,
    /// The day of the evaluation (验收/测评) the fieldwork must reach its plan by.
    pub evaluation_date: Option<NaiveDate>,
    /// AAPOR's e for the response rates (`None`: estimated from the known cases).
    pub aapor_e: Option<f64>,
    /// How many masked open answers per theme the pack may quote (0: none).
    pub voices_per_theme: u32,
    /// Public service numbers that stay unmasked in open answers (`[survey]
    /// public_numbers`).
    pub public_numbers: Vec<String>,
    /// The themes open answers are sorted into ([`Theme::defaults`] unless defined).
    pub themes: Vec<Theme>,
    /// Completing faster than this is implausible (used by quality flags).
    pub min_seconds: Option<u32>,
    /// Planned complete responses per district (400 unless the definition says).
    pub planned_per_district: u32,
    /// Answers need a one-time invitation code (`minyi invites`).
    pub invitation_only: bool,
    pub districts: Vec<District>,
    pub questions: Vec<Question>,
    pub weighting: Option<Weighting>,
    pub targets: Targets,
    /// Planned complete responses per community (default: the district's plan shared
    /// by the district's communities' adults, or equally).
    pub planned_per_community: Option<u32>,
    /// Place boundaries for maps (GeoJSON features with a `code` property), if given.
    pub boundaries: Option<Boundaries>,
    /// The small-area model of community estimates (`[small_area]`; intercept only and
    /// REML when the definition says nothing).
    pub small_area: SmallArea,
    /// `[household_sample]`: the design of a probability sample of households.
    pub household_sample: Option<HouseholdSample>,
    /// `[rectification]`: the ledger's sign-off rule and responsible units.
    pub rectification: Rectification,
    /// Problems that do not stop the survey (a place without a boundary, …).
    #[serde(skip)]
    pub warnings: Vec<super::diagnostic::Diagnostic>,
    /// Hex SHA-256 of the definition file (and census file, when there is one).
    /// Stored with every response so an answer is always read against the
    /// definition it was given under.
    pub version: String,
    #[serde(skip)]
    pub source: PathBuf,
    /// The definition text (and census CSV) as read, archived with the responses.
    #[serde(skip)]
    pub source_text: String,
}

/// 区: the weighting strata, and the top of the place hierarchy
/// 区 → 街道 → 社区(村) → 网格.
#[derive(Debug, Clone, Serialize)]
pub struct District {
    pub code: String,
    pub name: Text,
    /// Adult (18+) resident population, the weighting target.
    pub adults: u64,
    /// 街道 (subdistricts), in the order first given.
    pub streets: Vec<Street>,
    pub communities: Vec<Community>,
    /// Other poster places (a square, a hospital): collection points only.
    pub points: Vec<Point>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Street {
    pub code: String,
    pub name: Text,
}

/// Where a poster hangs, and so what its readers are likely to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Poster {
    /// A building lobby, a 小区 gate: most readers live here, and one tap says so.
    Residential,
    /// A square, a hospital, a community office: readers are asked where they live.
    Public,
}

impl Poster {
    pub fn parse(s: &str) -> Option<Poster> {
        match s {
            "residential" => Some(Poster::Residential),
            "public" => Some(Poster::Public),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Community {
    pub code: String,
    pub name: Text,
    /// The 街道 (subdistrict) the community belongs to, when given.
    pub street: Option<Text>,
    /// The street's code (an index into `District::streets` by code).
    pub street_code: Option<String>,
    /// Adult residents, when the office has the figure (small-area estimates and plans
    /// need it).
    pub adults: Option<u64>,
    /// Adults by weighting category, where the office has them: (variable, category,
    /// adults).
    pub by_category: Vec<(String, String, u64)>,
    /// Households, where the office has the figure (a random walk's probability).
    pub households: Option<u64>,
    /// What kind of place the community's own poster is (its office: public).
    pub poster: Poster,
    /// 网格 within the community.
    pub grids: Vec<Grid>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Grid {
    pub code: String,
    pub name: Text,
    pub adults: Option<u64>,
    /// A grid's poster hangs where its households live (residential by default).
    pub poster: Poster,
}

#[derive(Debug, Clone, Serialize)]
pub struct Point {
    pub code: String,
    pub name: Text,
    /// The community it stands in, if any.
    pub community: Option<String>,
    pub poster: Poster,
}

/// A collection point: where a poster hangs (a district, community, grid or point).
#[derive(Debug, Clone, Copy)]
pub enum PointRef<'a> {
    District(&'a District),
    Community(&'a District, &'a Community),
    Grid(&'a District, &'a Community, &'a Grid),
    Point(&'a District, &'a Point),
}

impl<'a> PointRef<'a> {
    pub fn district(&self) -> &'a District {
        match *self {
            PointRef::District(d)
            | PointRef::Community(d, _)
            | PointRef::Grid(d, _, _)
            | PointRef::Point(d, _) => d,
        }
    }
    /// The point's own code (the district's for a district poster).
    pub fn code(&self) -> &'a str {
        match *self {
            PointRef::District(d) => &d.code,
            PointRef::Community(_, c) => &c.code,
            PointRef::Grid(_, _, g) => &g.code,
            PointRef::Point(_, p) => &p.code,
        }
    }
    pub fn name(&self) -> &'a Text {
        match *self {
            PointRef::District(d) => &d.name,
            PointRef::Community(_, c) => &c.name,
            PointRef::Grid(_, _, g) => &g.name,
            PointRef::Point(_, p) => &p.name,
        }
    }
    pub fn poster(&self) -> Poster {
        match *self {
            PointRef::District(_) => Poster::Public,
            PointRef::Community(_, c) => c.poster,
            PointRef::Grid(_, _, g) => g.poster,
            PointRef::Point(_, p) => p.poster,
        }
    }
    /// The community a residential poster's readers live in, and its grid.
    pub fn home(&self) -> Option<(&'a Community, Option<&'a Grid>)> {
        match (*self, self.poster()) {
            (PointRef::Community(_, c), Poster::Residential) => Some((c, None)),
            (PointRef::Grid(_, c, g), Poster::Residential) => Some((c, Some(g))),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Single,
    Multiple,
    Scale5,
    Scale3,
    #[serde(rename = "yesno")]
    YesNo,
    Quiz,
    Number,
    Text,
    /// The resident's own district: pre-filled from the link, changeable. Its options
    /// are the survey's districts.
    District,
    /// The resident's own community (社区/村): pre-filled from a residential poster,
    /// changeable. Its options are the survey's communities.
    Community,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Single => "single",
            Kind::Multiple => "multiple",
            Kind::Scale5 => "scale5",
            Kind::Scale3 => "scale3",
            Kind::YesNo => "yesno",
            Kind::Quiz => "quiz",
            Kind::Number => "number",
            Kind::Text => "text",
            Kind::District => "district",
            Kind::Community => "community",
        }
    }
    pub fn is_scale(self) -> bool {
        matches!(self, Kind::Scale5 | Kind::Scale3)
    }
    pub fn has_options(self) -> bool {
        !matches!(self, Kind::Number | Kind::Text)
    }
    /// Place questions (district, community): their options are the survey's places.
    pub fn is_place(self) -> bool {
        matches!(self, Kind::District | Kind::Community)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Awareness,
    Participation,
    Support,
    Knowledge,
    Satisfaction,
    Demographic,
    Screening,
    Other,
}

impl Dimension {
    pub const ALL: [Dimension; 8] = [
        Dimension::Awareness,
        Dimension::Participation,
        Dimension::Support,
        Dimension::Knowledge,
        Dimension::Satisfaction,
        Dimension::Demographic,
        Dimension::Screening,
        Dimension::Other,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Dimension::Awareness => "awareness",
            Dimension::Participation => "participation",
            Dimension::Support => "support",
            Dimension::Knowledge => "knowledge",
            Dimension::Satisfaction => "satisfaction",
            Dimension::Demographic => "demographic",
            Dimension::Screening => "screening",
            Dimension::Other => "other",
        }
    }
    pub fn label(self) -> Text {
        let (zh, en) = match self {
            Dimension::Awareness => ("知晓率", "Awareness"),
            Dimension::Participation => ("参与率", "Participation"),
            Dimension::Support => ("支持率", "Support"),
            Dimension::Knowledge => ("知识正确率", "Knowledge"),
            Dimension::Satisfaction => ("满意率", "Satisfaction"),
            Dimension::Demographic => ("基本信息", "About you"),
            Dimension::Screening => ("甄别", "Screening"),
            Dimension::Other => ("其他", "Other"),
        };
        Text::new(zh, en)
    }
    /// Dimensions whose questions yield a published rate.
    pub fn is_rated(self) -> bool {
        matches!(
            self,
            Dimension::Awareness
                | Dimension::Participation
                | Dimension::Support
                | Dimension::Knowledge
                | Dimension::Satisfaction
        )
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub code: String,
    pub label: Text,
}

/// `show_if`: ask this question only when an earlier single-answer question got one
/// of the listed options.
#[derive(Debug, Clone, Serialize)]
pub struct Condition {
    pub question: String,
    pub any_of: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Question {
    pub id: String,
    pub kind: Kind,
    pub dimension: Dimension,
    pub text: Text,
    /// Short label for charts and tables; falls back to the question id.
    pub short: Option<Text>,
    pub help: Option<Text>,
    pub required: bool,
    /// Options in display order. For `dont_know` questions the last one is `dk`.
    pub options: Vec<Choice>,
    pub dont_know: bool,
    /// Option codes that count as "positive" for the question's rate. For a quiz this
    /// is the correct set, which is never sent to respondents.
    #[serde(skip)]
    pub positive: Vec<String>,
    pub show_if: Option<Condition>,
    /// Options that end the questionnaire politely (under 18, resident < 6 months).
    pub screen_out: Vec<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub max_len: usize,
    /// Target for the question's rate (0–1), used by charts and the dashboard.
    pub target: Option<f64>,
    /// The dimension's headline on the dashboard (else its first rate question).
    pub headline: bool,
}

impl Question {
    pub fn option(&self, code: &str) -> Option<&Choice> {
        self.options.iter().find(|o| o.code == code)
    }
    /// The label used in charts and tables.
    pub fn label(&self, lang: Lang) -> &str {
        self.short
            .as_ref()
            .map_or(self.id.as_str(), |t| t.get(lang))
    }
    /// Whether this question's rate exists (it has a positive set).
    pub fn is_indicator(&self) -> bool {
        self.dimension.is_rated() && !self.positive.is_empty()
    }
    /// For a quiz with several correct options the respondent ticks all that apply.
    pub fn multi_answer(&self) -> bool {
        self.kind == Kind::Multiple || (self.kind == Kind::Quiz && self.positive.len() > 1)
    }
    /// Score of a rating-scale answer on the 1..=k scale (`k` = 5 or 3), `None` for
    /// don't-know or other codes.
    pub fn scale_point(&self, code: &str) -> Option<u32> {
        if !self.kind.is_scale() {
            return None;
        }
        code.parse::<u32>()
            .ok()
            .filter(|v| *v >= 1 && *v <= self.scale_len())
    }
    pub fn scale_len(&self) -> u32 {
        match self.kind {
            Kind::Scale5 => 5,
            Kind::Scale3 => 3,
            _ => 0,
        }
    }
}

/// Which questions carry the weighting variables, and the census they are calibrated to.
#[derive(Debug, Clone, Serialize)]
pub struct Weighting {
    /// (variable name, question id), e.g. ("age_band", "S1"), in census column order.
    pub variables: Vec<(String, String)>,
    pub census: Vec<CensusCell>,
    /// Primary sampling units within the district strata (`[weighting] cluster`): a
    /// place level or a column of the responses; `None`: respondents are independent.
    pub cluster: Option<String>,
    /// A column of the responses holding each respondent's design weight (the inverse
    /// of their probability of selection; `[weighting] design_weight`); `None`: the
    /// district base weights.
    pub design_weight: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CensusCell {
    pub district: String,
    /// Option codes, one per weighting variable, in `Weighting::variables` order.
    pub values: Vec<String>,
    pub population: u64,
}

/// Targets per dimension, overridable per question.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Targets {
    pub by_dimension: Vec<(Dimension, f64)>,
}

impl Targets {
    pub fn for_dimension(&self, d: Dimension) -> Option<f64> {
        self.by_dimension
            .iter()
            .find(|(k, _)| *k == d)
            .map(|(_, v)| *v)
    }
}

impl Survey {
    /// The personal-data rules of this survey's open answers (its public numbers stay).
    pub fn masker(&self) -> crate::privacy::Masker {
        crate::privacy::Masker::new(&self.public_numbers)
    }

    /// Planned complete responses of a community: `planned_per_community` when the
    /// definition sets it, else the district's plan shared by the communities' adults
    /// (equally when some community's adults are unknown).
    pub fn planned_for(&self, d: &District, c: &Community) -> u32 {
        let s = self;
        if let Some(p) = s.planned_per_community {
            return p;
        }
        let n = d.communities.len().max(1) as f64;
        let adults: Option<Vec<u64>> = d.communities.iter().map(|c| c.adults).collect();
        let share = match (adults, c.adults) {
            (Some(all), Some(mine)) if all.iter().sum::<u64>() > 0 => {
                mine as f64 / all.iter().sum::<u64>() as f64
            }
            _ => 1.0 / n,
        };
        (s.planned_per_district as f64 * share).ceil() as u32
    }
    pub fn district(&self, code: &str) -> Option<&District> {
        self.districts.iter().find(|d| d.code == code)
    }
    /// A district by its code, with its index (the tally's and the dataset's).
    pub fn district_at(&self, code: &str) -> Option<(usize, &District)> {
        self.districts
            .iter()
            .enumerate()
            .find(|(_, d)| d.code == code)
    }
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }
    /// The question that records the resident's own district, if the survey has one.
    pub fn district_question(&self) -> Option<&Question> {
        self.questions.iter().find(|q| q.kind == Kind::District)
    }
    /// The open question whose answers the voices page shows and indexes: the first.
    pub fn open_question(&self) -> Option<&Question> {
        self.questions.iter().find(|q| q.kind == Kind::Text)
    }
    /// The question that records the resident's own community, if the survey has one.
    pub fn community_question(&self) -> Option<&Question> {
        self.questions.iter().find(|q| q.kind == Kind::Community)
    }
    /// Every community with its district, in order (the index the datasets use).
    pub fn communities(&self) -> impl Iterator<Item = (&District, &Community)> {
        self.districts
            .iter()
            .flat_map(|d| d.communities.iter().map(move |c| (d, c)))
    }
    /// The community with this code, with its district.
    pub fn find_community(&self, code: &str) -> Option<(&District, &Community)> {
        self.communities().find(|(_, c)| c.code == code)
    }
    /// Every grid with its district and community, in order.
    pub fn grids(&self) -> impl Iterator<Item = (&District, &Community, &Grid)> {
        self.communities()
            .flat_map(|(d, c)| c.grids.iter().map(move |g| (d, c, g)))
    }
    /// Every street with its district, in order.
    pub fn streets(&self) -> impl Iterator<Item = (&District, &Street)> {
        self.districts
            .iter()
            .flat_map(|d| d.streets.iter().map(move |s| (d, s)))
    }
    /// Every collection point: each district, then its communities (each followed by
    /// its grids), then its other points. The order of QR codes and of the dataset's
    /// collection index.
    pub fn points(&self) -> Vec<PointRef<'_>> {
        let mut out = Vec::new();
        for d in &self.districts {
            out.push(PointRef::District(d));
            for c in &d.communities {
                out.push(PointRef::Community(d, c));
                out.extend(c.grids.iter().map(|g| PointRef::Grid(d, c, g)));
            }
            out.extend(d.points.iter().map(|p| PointRef::Point(d, p)));
        }
        out
    }
    /// The collection point of a link: a district, or a community, grid or point in it.
    pub fn point(&self, district: &str, code: Option<&str>) -> Option<PointRef<'_>> {
        let d = self.district(district)?;
        let Some(code) = code else {
            return Some(PointRef::District(d));
        };
        if let Some(c) = d.community(code) {
            return Some(PointRef::Community(d, c));
        }
        for c in &d.communities {
            if let Some(g) = c.grids.iter().find(|g| g.code == code) {
                return Some(PointRef::Grid(d, c, g));
            }
        }
        d.points
            .iter()
            .find(|p| p.code == code)
            .map(|p| PointRef::Point(d, p))
    }
    /// Whether the survey accepts answers on `today` (inclusive dates).
    pub fn is_open_on(&self, today: NaiveDate) -> bool {
        today >= self.opens && today <= self.closes
    }
    pub fn target_for(&self, q: &Question) -> Option<f64> {
        q.target.or_else(|| self.targets.for_dimension(q.dimension))
    }
}

impl District {
    pub fn community(&self, code: &str) -> Option<&Community> {
        self.communities.iter().find(|c| c.code == code)
    }
    pub fn street(&self, code: &str) -> Option<&Street> {
        self.streets.iter().find(|s| s.code == code)
    }
}

/// A theme of residents' open answers and the words that propose it.
#[derive(Debug, Clone, Serialize)]
pub struct Theme {
    pub code: String,
    pub name: Text,
    pub keywords: Vec<String>,
}

impl Theme {
    /// The eight task areas of the evaluation's satisfaction questions, and "other":
    /// the code list when a definition names none.
    pub fn defaults() -> Vec<Theme> {
        let t = |code: &str, zh: &str, en: &str, words: &[&str]| Theme {
            code: code.into(),
            name: Text::new(zh, en),
            keywords: words.iter().map(|w| w.to_string()).collect(),
        };
        vec![
            t(
                "sanitation",
                "环境卫生",
                "Sanitation",
                &["垃圾", "卫生", "脏", "清洁", "厕所", "异味", "保洁", "乱扔"],
            ),
            t(
                "security",
                "社会治安",
                "Public security",
                &["治安", "小偷", "偷", "安全", "巡逻", "诈骗", "打架", "监控"],
            ),
            t(
                "traffic",
                "城市交通",
                "Traffic",
                &[
                    "交通",
                    "堵车",
                    "拥堵",
                    "停车",
                    "红绿灯",
                    "公交",
                    "斑马线",
                    "电动车",
                    "闯红灯",
                ],
            ),
            t(
                "services",
                "窗口服务",
                "Public services",
                &[
                    "办事",
                    "窗口",
                    "服务态度",
                    "排队",
                    "政务",
                    "大厅",
                    "医院",
                    "办证",
                ],
            ),
            t(
                "shops",
                "五小门店",
                "Small shops",
                &["门店", "小店", "摊", "餐馆", "饭店", "占道", "店铺", "油烟"],
            ),
            t(
                "culture",
                "文化市场",
                "Cultural market",
                &["网吧", "文化", "书店", "娱乐", "广场舞", "图书馆", "演出"],
            ),
            t(
                "minors",
                "未成年人环境",
                "Minors' environment",
                &["孩子", "学校", "未成年", "青少年", "学生", "校园"],
            ),
            t(
                "ecology",
                "生态环境",
                "Ecology",
                &[
                    "绿化", "污染", "噪音", "噪声", "河道", "空气", "种树", "公园",
                ],
            ),
            t("other", "其他", "Other", &[]),
        ]
    }
}

/// `[rectification]`: when a ledger item may be signed off (销号) without a written
/// reason, and the responsible units offered when one is opened.
#[derive(Debug, Clone, Serialize)]
pub struct Rectification {
    pub sign_off: SignOffRule,
    /// The deciding wave must have begun after the item's deadline.
    pub after_deadline: bool,
    pub units: Vec<String>,
}

impl Default for Rectification {
    fn default() -> Self {
        Rectification {
            sign_off: SignOffRule::NotSignificantlyBelow,
            after_deadline: true,
            units: Vec::new(),
        }
    }
}

/// What the re-measurement must show for an item to be signed off by rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignOffRule {
    /// The place's rate is no longer significantly below its target.
    NotSignificantlyBelow,
    /// The place's rate is at or above its target.
    AtOrAbove,
    /// The rate rose significantly since the baseline.
    Improved,
}

impl SignOffRule {
    pub const ALL: [SignOffRule; 3] = [
        SignOffRule::NotSignificantlyBelow,
        SignOffRule::AtOrAbove,
        SignOffRule::Improved,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SignOffRule::NotSignificantlyBelow => "not_significantly_below",
            SignOffRule::AtOrAbove => "at_or_above",
            SignOffRule::Improved => "improved",
        }
    }
}

/// `[small_area]`: the covariates of the community model and how its variance is
/// estimated.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SmallArea {
    pub covariates: Vec<Covariate>,
    /// `reml`, `ml` or `fh`.
    pub method: String,
    /// `city`: one model over every community (default); `district`: one per district.
    pub scope: String,
}

/// `[household_sample]`: communities drawn with probability proportional to their
/// adults within each district (systematic, a random start from a recorded seed),
/// households at random within them (systematic from the address list, or a random
/// walk), one adult per household.
#[derive(Debug, Clone, Serialize)]
pub struct HouseholdSample {
    /// Communities drawn per district code (a district not listed draws none).
    pub communities: std::collections::BTreeMap<String, u32>,
    /// Households drawn per community.
    pub households: u32,
    pub respondent: Respondent,
    /// Visits before a household that was never reached counts as non-contact.
    pub visits: u32,
    /// Share of each interviewer's completes drawn for a call-back.
    pub callback_share: f64,
    /// The seed of the random starts, unless the draw is given one.
    pub seed: u64,
    pub random_walk: Option<RandomWalk>,
}

/// How the one adult of a household is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Respondent {
    /// Kish's selection tables, by the household's serial and its adults.
    Kish,
    /// The adult whose birthday comes next.
    NextBirthday,
}

impl Respondent {
    pub fn name(self) -> &'static str {
        match self {
            Respondent::Kish => "kish",
            Respondent::NextBirthday => "next_birthday",
        }
    }
}

/// Where no address list exists: a walk from a start point, visiting every
/// `interval`-th household.
#[derive(Debug, Clone, Serialize)]
pub struct RandomWalk {
    pub start: Text,
    pub interval: u32,
}

/// A covariate of the community model, known for every community.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Covariate {
    /// The census share of a category among the community's adults.
    Share { variable: String, category: String },
    /// The community's rate in the previous wave.
    Prior,
}

impl Covariate {
    pub fn name(&self) -> String {
        match self {
            Covariate::Share { variable, category } => format!("{variable}={category}"),
            Covariate::Prior => "prior".into(),
        }
    }
}

/// A closed ring of (longitude, latitude) points.
pub type Ring = Vec<(f64, f64)>;

/// Place outlines for choropleth maps: the rings of each place code's polygons.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Boundaries {
    pub features: Vec<(String, Vec<Ring>)>,
}

impl Boundaries {
    pub fn get(&self, code: &str) -> Option<&Vec<Ring>> {
        self.features.iter().find(|f| f.0 == code).map(|f| &f.1)
    }
}
