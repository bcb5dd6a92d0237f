//! The assignment sheet (入户调查任务单) a team leader prints for an interviewer: per
//! household its community, address or walk, code, how to choose the adult (the Kish
//! table's row, or the next-birthday question) and boxes for each visit — as a
//! workbook and as a PDF page set.

use super::error::HouseholdError;
use super::status::SampleStatus;
use crate::definition::{Lang, Respondent, Survey};
use crate::figures::{table_workbook, Cell, Table};
use crate::sampling::kish;

/// The households on an interviewer's sheet (all of the sample for `None`), in serial
/// order.
fn households<'a>(st: &'a SampleStatus, who: Option<&str>) -> Vec<&'a super::status::Household> {
    st.households
        .iter()
        .filter(|h| who.is_none_or(|w| h.interviewer.as_deref() == Some(w)))
        .collect()
}

/// How to choose the adult in a household: the Kish table's row ("1人→第1位 …") or the
/// next-birthday question.
pub fn chooser(rule: Respondent, table: Option<&str>, l: Lang) -> String {
    match (rule, table.and_then(kish::table_named)) {
        (Respondent::Kish, Some(t)) => {
            let cells: Vec<String> = (1..=6)
                .map(|a| match l {
                    Lang::Zh => format!("{a}{}人→第{}位", if a == 6 { "+" } else { "" }, kish::select(t, a)),
                    Lang::En => format!("{a}{}→#{}", if a == 6 { "+" } else { "" }, kish::select(t, a)),
                })
                .collect();
            format!(
                "{} {}: {}",
                l.pick("Kish表", "Kish table"),
                kish::NAMES[t],
                cells.join(l.pick("，", ", "))
            )
        }
        _ => l
            .pick(
                "请问家中18岁以上常住成员中，谁的生日最近（下一个过生日）？访问此人。",
                "Of the adults (18+) who live here, whose birthday comes next? Interview that person.",
            )
            .into(),
    }
}

/// The adult a household's Kish table selects for 1, 2, … 6+ adults, for the phone
/// to name the one to interview as soon as the adults are counted.
pub fn kish_row(rule: Respondent, table: Option<&str>) -> Option<[u32; 6]> {
    let t = table.and_then(kish::table_named)?;
    (rule == Respondent::Kish).then(|| std::array::from_fn(|i| kish::select(t, i as u32 + 1)))
}

fn header(l: Lang, visits: u32) -> Vec<String> {
    let mut h: Vec<String> = [
        ("序号", "serial"),
        ("区", "district"),
        ("社区", "community"),
        ("户编号", "household"),
        ("地址", "address"),
        ("抽中概率", "probability"),
        ("选择受访者", "choosing the adult"),
    ]
    .iter()
    .map(|(z, e)| l.pick(z, e).to_string())
    .collect();
    for v in 1..=visits {
        h.push(match l {
            Lang::Zh => format!("第{v}次走访（日期 时间 结果）"),
            Lang::En => format!("visit {v} (date, time, outcome)"),
        });
    }
    h
}

fn rows(s: &Survey, st: &SampleStatus, who: Option<&str>, l: Lang) -> Vec<Vec<String>> {
    let design = s.household_sample.as_ref();
    let rule = design.map_or(Respondent::Kish, |d| d.respondent);
    let visits = design.map_or(3, |d| d.visits);
    households(st, who)
        .into_iter()
        .map(|h| {
            let r = &h.row;
            let community = s
                .district(&r.district)
                .and_then(|d| d.community(&r.community))
                .map_or(r.community.clone(), |c| c.name.get(l).to_string());
            let mut row = vec![
                r.serial.to_string(),
                crate::labels::district_name(s, &r.district, l),
                community,
                r.household_code.clone(),
                super::status::address_of(s, r, l),
                format!(
                    "{:.4}{}",
                    r.probability,
                    if r.approximate == 1 {
                        l.pick("（近似）", " (approx.)")
                    } else {
                        ""
                    }
                ),
                chooser(rule, r.kish_table.as_deref(), l),
            ];
            row.extend((0..visits).map(|_| String::new()));
            row
        })
        .collect()
}

/// What every sheet says above its households.
fn about(s: &Survey, who: Option<&str>, l: Lang) -> Vec<String> {
    let mut a = vec![
        format!("{} · {}", s.title.get(l), who.unwrap_or(l.pick("全部住户", "every household"))),
        l.pick(
            "只访问表上的住户，不得替换；无人应门请另约时间再访，达到规定次数后记为未接触。每户只访问一位18岁以上常住成年人，按“选择受访者”一栏确定。",
            "Visit only the households listed, never a substitute; when nobody is home, come back at another time, and after the required visits record a non-contact. Interview one adult (18+) who lives there, chosen as the 'choosing the adult' column says.",
        )
        .to_string(),
        l.pick(
            "Kish表：先列出户内成年人，男性从年长到年幼，再女性从年长到年幼，按人数选出相应序号的人。",
            "Kish table: list the household's adults, men from the oldest to the youngest, then women from the oldest to the youngest, and interview the adult with the number given for that many adults.",
        )
        .to_string(),
    ];
    if let Some(w) = s
        .household_sample
        .as_ref()
        .and_then(|d| d.random_walk.as_ref())
    {
        a.push(match l {
            Lang::Zh => format!("无住户名单的社区按随机行走：从{}出发，沿右手方向，每隔{}户访问一户；抽中概率按社区户数近似。", w.start.zh, w.interval),
            Lang::En => format!("Communities without an address list follow a random walk: from {}, keeping to the right, every {}th household; the probability is approximated from the community's households.", w.start.get(l), w.interval),
        });
    }
    a
}

/// The sheet as a workbook.
pub fn sheet_workbook(
    s: &Survey,
    st: &SampleStatus,
    who: Option<&str>,
    l: Lang,
) -> Result<Vec<u8>, HouseholdError> {
    let visits = s.household_sample.as_ref().map_or(3, |d| d.visits);
    let table = Table {
        name: l.pick("任务单", "assignments").into(),
        header: header(l, visits),
        rows: rows(s, st, who, l)
            .into_iter()
            .map(|r| r.into_iter().map(Cell::Text).collect())
            .collect(),
    };
    table_workbook(&[table], &about(s, who, l)).map_err(|e| HouseholdError::Sheet(e.to_string()))
}

/// The sheet as PDF pages to print (A4, the column heads on every page).
pub fn sheet_pdf(
    s: &Survey,
    st: &SampleStatus,
    who: Option<&str>,
    l: Lang,
) -> Result<Vec<u8>, HouseholdError> {
    use crate::pdf::{Layout, Style, TableSpec};
    let visits = s.household_sample.as_ref().map_or(3, |d| d.visits);
    let mut lay = Layout::a4(15.0, 12.0, 15.0, 12.0);
    let head = Style {
        bold: true,
        ..Style::body(14.0)
    };
    let body = Style::body(9.0);
    let lines = about(s, who, l);
    lay.paragraph(&lines[0], &head);
    for line in &lines[1..] {
        lay.paragraph(line, &body);
    }
    lay.space(6.0);
    let header = header(l, visits);
    let rows = rows(s, st, who, l);
    let mut widths = vec![0.5, 0.9, 1.1, 0.9, 2.0, 0.8, 2.4];
    widths.extend((0..visits).map(|_| 1.2));
    let numeric: Vec<bool> = (0..header.len()).map(|i| i == 0 || i == 5).collect();
    lay.table(&TableSpec {
        header: &header,
        rows: &rows,
        widths: &widths,
        numeric: &numeric,
        size: 7.5,
    });
    let title = format!(
        "{} {}",
        s.title.get(l),
        l.pick("任务单", "assignment sheet")
    );
    lay.finish(
        &title,
        l.code(),
        |p, n| format!("{p} / {n}"),
        287.0 * crate::pdf::MM,
        8.0,
    )
    .map_err(|e| HouseholdError::Sheet(e.to_string()))
}
