//! The household sample: communities drawn PPS with the probabilities the formula
//! gives (and hit over many draws), households at equal probability from a list, the
//! same seed and lists drawing the same sample, a sample frozen once in the field;
//! what the interviewer's phone sends (visits, interviews with their household,
//! resends, someone else's household), the office's pages by role, call-backs.

use rocket::http::{ContentType, Header, Status};
use rocket::local::blocking::Client;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

use crate::common::*;
use minyi::definition::{HouseholdSample, Survey};
use minyi::households::{self, HouseholdError, Target};
use minyi::sampling::{self, FrameEntry};

const S: &str = "civility-2026";

fn example() -> Survey {
    minyi::definition::load_file(std::path::Path::new(&format!("{SURVEYS}/{S}.toml"))).unwrap()
}

fn design(s: &Survey) -> &HouseholdSample {
    s.household_sample
        .as_ref()
        .expect("the example survey has a household sample")
}

/// The inclusion probabilities of systematic PPS, from the textbook: units at least
/// as large as n × size / total are certain, the rest share what is left.
fn pps_probabilities(sizes: &[f64], n: usize) -> Vec<f64> {
    let mut certain = vec![false; sizes.len()];
    loop {
        let left = n - certain.iter().filter(|c| **c).count();
        let total: f64 = sizes
            .iter()
            .zip(&certain)
            .filter(|(_, c)| !**c)
            .map(|(s, _)| s)
            .sum();
        let big: Vec<usize> = (0..sizes.len())
            .filter(|&i| !certain[i] && left as f64 * sizes[i] / total >= 1.0)
            .collect();
        if big.is_empty() {
            return (0..sizes.len())
                .map(|i| {
                    if certain[i] {
                        1.0
                    } else {
                        left as f64 * sizes[i] / total
                    }
                })
                .collect();
        }
        for i in big {
            certain[i] = true;
        }
    }
}

#[test]
fn communities_are_drawn_with_the_probabilities_pps_gives() {
    let s = example();
    let d = design(&s);
    let drawn = sampling::draw_communities(&s, d, 20261201);
    for district in &s.districts {
        let n = d.communities[&district.code] as usize;
        let sizes: Vec<f64> = district
            .communities
            .iter()
            .map(|c| c.adults.unwrap() as f64)
            .collect();
        let want = pps_probabilities(&sizes, n);
        assert!((want.iter().sum::<f64>() - n as f64).abs() < 1e-9);
        let here: Vec<_> = drawn
            .iter()
            .filter(|c| c.district == district.code)
            .collect();
        assert_eq!(here.len(), n, "{} draws {n} communities", district.code);
        for c in here {
            let i = district
                .communities
                .iter()
                .position(|x| x.code == c.community)
                .unwrap();
            assert!(
                (c.probability - want[i]).abs() < 1e-12,
                "{}: {} vs {}",
                c.community,
                c.probability,
                want[i]
            );
            assert_eq!(c.certain, want[i] >= 1.0);
        }
    }
}

/// Over many seeds, each community is drawn as often as its probability says:
/// within 4.5 binomial standard errors (a false alarm about once in 150,000 checks).
#[test]
fn over_many_seeds_each_community_is_drawn_as_often_as_its_probability() {
    let s = example();
    let d = design(&s);
    const DRAWS: u64 = 4000;
    let mut hits: HashMap<String, u64> = HashMap::new();
    let mut prob: HashMap<String, f64> = HashMap::new();
    for seed in 0..DRAWS {
        for c in sampling::draw_communities(&s, d, seed) {
            *hits.entry(c.community.clone()).or_default() += 1;
            prob.insert(c.community, c.probability);
        }
    }
    let mut checked = 0;
    for district in &s.districts {
        let sizes: Vec<f64> = district
            .communities
            .iter()
            .map(|c| c.adults.unwrap() as f64)
            .collect();
        let want = pps_probabilities(&sizes, d.communities[&district.code] as usize);
        for (c, p) in district.communities.iter().zip(want) {
            let freq = hits.get(&c.code).copied().unwrap_or(0) as f64 / DRAWS as f64;
            let se = (p * (1.0 - p) / DRAWS as f64).sqrt();
            assert!(
                (freq - p).abs() <= 4.5 * se + 1e-9,
                "{}: drawn {freq:.4} of the time, probability {p:.4} (se {se:.4})",
                c.code
            );
            if let Some(q) = prob.get(&c.code) {
                assert!((q - p).abs() < 1e-12);
            }
            checked += 1;
        }
    }
    assert!(checked > 30, "only {checked} communities checked");
}

fn frame(n: usize) -> Vec<FrameEntry> {
    (1..=n)
        .map(|i| FrameEntry {
            code: format!("H{i:03}"),
            address: format!("{}号楼{}单元{}室", i / 20 + 1, i % 4 + 1, 100 + i),
        })
        .collect()
}

#[test]
fn households_come_from_the_list_with_equal_probability_and_kish_tables_in_their_shares() {
    let s = example();
    let d = design(&s);
    let c = sampling::draw_communities(&s, d, 1).remove(0);
    let list = frame(97);
    const DRAWS: u64 = 3000;
    let mut hits = vec![0u64; list.len()];
    let mut tables: HashMap<&'static str, u64> = HashMap::new();
    for seed in 0..DRAWS {
        let hs = sampling::draw_households(&s, d, seed, &c, Some(&list), 0).unwrap();
        assert_eq!(hs.len(), 20);
        for h in &hs {
            assert!(!h.approximate);
            assert!((h.probability - 20.0 / 97.0).abs() < 1e-12);
            let i = list.iter().position(|e| e.code == h.code).unwrap();
            hits[i] += 1;
        }
        if seed == 0 {
            // Twelve households in a row hold each table in its share (twelfths).
            for h in hs.iter().take(12) {
                *tables.entry(h.kish_table.unwrap()).or_default() += 1;
            }
        }
    }
    let p = 20.0 / 97.0;
    let se = (p * (1.0 - p) / DRAWS as f64).sqrt();
    for (i, n) in hits.iter().enumerate() {
        let freq = *n as f64 / DRAWS as f64;
        assert!(
            (freq - p).abs() <= 4.5 * se,
            "{}: {freq:.4} vs {p:.4}",
            list[i].code
        );
    }
    let shares: BTreeMap<&str, u64> = tables.into_iter().collect();
    assert_eq!(
        shares,
        BTreeMap::from([
            ("A", 2),
            ("B1", 1),
            ("B2", 1),
            ("C", 2),
            ("D", 2),
            ("E1", 1),
            ("E2", 1),
            ("F", 2)
        ])
    );
}

#[test]
fn the_chance_of_the_chosen_adult_is_what_the_rule_gives() {
    use minyi::definition::Respondent;
    use minyi::households::selection_probability as p;
    // Kish's tables give each adult the same chance in households of one to four.
    for adults in 1..=4 {
        for t in ["A", "B1", "B2", "C", "D", "E1", "E2", "F"] {
            assert!((p(Respondent::Kish, Some(t), adults) - 1.0 / adults as f64).abs() < 1e-12);
        }
    }
    // Of five, the first adult only under table A (2/12), the fourth only under D
    // (2/12), the third under C and E1 (2/12 + 1/12).
    assert!((p(Respondent::Kish, Some("A"), 5) - 2.0 / 12.0).abs() < 1e-12);
    assert!((p(Respondent::Kish, Some("D"), 5) - 2.0 / 12.0).abs() < 1e-12);
    assert!((p(Respondent::Kish, Some("E1"), 5) - 3.0 / 12.0).abs() < 1e-12);
    assert!((p(Respondent::NextBirthday, None, 7) - 1.0 / 7.0).abs() < 1e-12);
}

/// A test database with the example survey's sample drawn.
struct Drawn {
    app: TestApp,
    s: Survey,
}

fn drawn() -> Drawn {
    let app = TestApp::new();
    let s = app.survey(S);
    app.store.register_definition(&s).unwrap();
    households::draw(&app.store, &s, None, "test").unwrap();
    Drawn { app, s }
}

impl Drawn {
    fn status(&self) -> households::SampleStatus {
        households::sample_status(&self.app.store, &self.s)
            .unwrap()
            .unwrap()
    }
    /// Signs in an interviewer and assigns them the first drawn community's households.
    fn interviewer(&self, name: &str) -> (Client, String, Vec<i64>) {
        let c = self.app.signed_in(name, "interviewer", None);
        let st = self.status();
        let community = st
            .communities
            .iter()
            .find(|c| c.households > 0)
            .unwrap()
            .community
            .clone();
        households::assign(
            &self.app.store,
            &self.s,
            Target::Community(&community),
            name,
            "test",
        )
        .unwrap();
        let ids: Vec<i64> = self
            .status()
            .households
            .iter()
            .filter(|h| h.row.community == community)
            .map(|h| h.row.id)
            .collect();
        (c, community, ids)
    }
}

fn csrf_of(c: &Client, page: &str) -> String {
    let html = c.get(page.to_string()).dispatch().into_string().unwrap();
    hidden_value(&html, "csrf")
}

fn post_item(c: &Client, csrf: &str, item: &Value) -> (Status, Value) {
    let r = c
        .post("/api/field/items")
        .header(ContentType::JSON)
        .header(Header::new("X-CSRF-Token", csrf.to_string()))
        .body(item.to_string())
        .dispatch();
    let status = r.status();
    (
        status,
        serde_json::from_str(&r.into_string().unwrap_or_default()).unwrap_or(Value::Null),
    )
}

/// CIVILITY_OK as the phone's queue sends answers.
fn answers() -> Value {
    let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for pair in CIVILITY_OK.split('&') {
        let (k, v) = pair.split_once('=').unwrap();
        if !v.is_empty() {
            m.entry(k.into()).or_default().push(v.into());
        }
    }
    json!(m)
}

fn interview(household: i64, key: &str, adults: u32) -> Value {
    json!({
        "kind": "interview", "survey": S, "household": household, "key": key,
        "started_at": "2026-12-01T09:00:00Z", "ended_at": "2026-12-01T09:14:00Z",
        "adults": adults, "location": "inside", "accuracy": "fine", "answers": answers(),
    })
}

#[test]
fn the_same_seed_and_lists_draw_the_same_sample_until_a_visit_freezes_it() {
    let t = drawn();
    let first = t.status();
    let again = households::draw(&t.app.store, &t.s, None, "test").unwrap();
    assert!(again.unchanged, "the same seed and lists change nothing");
    assert_eq!(again.draw_id, first.draw.id);
    let other = households::draw(&t.app.store, &t.s, Some(7), "test").unwrap();
    assert!(!other.unchanged);
    let codes = |st: &households::SampleStatus| -> Vec<String> {
        st.communities.iter().map(|c| c.community.clone()).collect()
    };
    assert_ne!(
        codes(&t.status()),
        codes(&first),
        "another seed draws other communities"
    );
    // Back to the first seed: the first sample again, household for household.
    households::draw(&t.app.store, &t.s, None, "test").unwrap();
    let back = t.status();
    assert_eq!(codes(&back), codes(&first));
    let hh = |st: &households::SampleStatus| -> Vec<(String, String, String)> {
        st.households
            .iter()
            .map(|h| {
                (
                    h.row.community.clone(),
                    h.row.household_code.clone(),
                    h.row.address.clone(),
                )
            })
            .collect()
    };
    assert_eq!(hh(&back), hh(&first));
    // An address list for a drawn community replaces its random walk on the next draw.
    let community = back.communities[0].community.clone();
    let text = "household,building,unit,room\n".to_string()
        + &(1..=60)
            .map(|i| format!("L{i},{},{},{}\n", i / 12 + 1, i % 3 + 1, 100 + i))
            .collect::<String>();
    let list = households::read_frame("lists/x.csv", &text).unwrap();
    households::load_frame(&t.app.store, &t.s, &community, &list, "test").unwrap();
    households::draw(&t.app.store, &t.s, None, "test").unwrap();
    let listed = t.status();
    let from_list: Vec<_> = listed
        .households
        .iter()
        .filter(|h| h.row.community == community)
        .collect();
    assert_eq!(from_list.len(), 20);
    assert!(from_list
        .iter()
        .all(|h| h.row.method == "list" && h.row.household_code.starts_with('L')));
    assert!(from_list
        .iter()
        .all(|h| (h.row.probability - 20.0 / 60.0).abs() < 1e-12));
    // One visit, and the sample is frozen: a redraw says why and changes nothing.
    let (c, _, ids) = t.interviewer("iv-1");
    let csrf = csrf_of(&c, &format!("/office/field/{S}/h/{}", ids[0]));
    let (st, _) = post_item(
        &c,
        &csrf,
        &json!({"kind": "visit", "survey": S, "household": ids[0], "key": "v1", "outcome": "no_contact"}),
    );
    assert_eq!(st, Status::Created);
    let before = t.status().draw.id;
    match households::draw(&t.app.store, &t.s, Some(99), "test") {
        Err(e @ HouseholdError::Frozen { .. }) => {
            let m = e.to_string();
            assert!(
                m.contains("1 visit(s)") && m.contains("silent substitution"),
                "{m}"
            );
        }
        other => panic!(
            "a sample in the field was redrawn: {:?}",
            other.map(|d| d.draw_id)
        ),
    }
    assert_eq!(t.status().draw.id, before);
}

#[test]
fn an_address_list_is_checked_line_by_line_and_only_for_drawn_communities() {
    let bad = "household,address\nH1,1号楼101\n,2号楼202\nH1,3号楼303\nH4,\n";
    let err = households::read_frame("lists/xfl.csv", bad)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("lists/xfl.csv:3: the household code is empty"),
        "{err}"
    );
    assert!(
        err.contains("lists/xfl.csv:4: household `H1` is listed again (first on line 2)"),
        "{err}"
    );
    assert!(err.contains("lists/xfl.csv:5:"), "{err}");
    let err = households::read_frame("l.csv", "code,address\nH1,x\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("l.csv:1: no `household` column"), "{err}");
    let t = drawn();
    let drawn: Vec<String> = t
        .status()
        .communities
        .iter()
        .map(|c| c.community.clone())
        .collect();
    let not_drawn =
        t.s.communities()
            .map(|(_, c)| c.code.clone())
            .find(|c| !drawn.contains(c))
            .unwrap();
    let list = households::read_frame("l.csv", "household,address\nH1,x\n").unwrap();
    let err = households::load_frame(&t.app.store, &t.s, &not_drawn, &list, "test").unwrap_err();
    assert!(matches!(err, HouseholdError::NotDrawn(..)), "{err}");
}

#[test]
fn the_phone_stores_visits_and_interviews_once_each_with_their_household() {
    let t = drawn();
    let (c, community, ids) = t.interviewer("iv-1");
    let csrf = csrf_of(&c, &format!("/office/field/{S}/h/{}", ids[0]));
    // A visit, sent twice (the phone lost the answer to the first): stored once.
    let visit = json!({"kind": "visit", "survey": S, "household": ids[0], "key": "k-visit", "outcome": "no_contact",
        "visited_at": "2026-12-01T08:00:00Z", "note": "说下次来，电话13812345678"});
    assert_eq!(post_item(&c, &csrf, &visit).0, Status::Created);
    let (st, body) = post_item(&c, &csrf, &visit);
    assert_eq!(
        (st, body["status"].as_str()),
        (Status::Ok, Some("duplicate"))
    );
    let visits = t.app.store.visits_of(S, ids[0]).unwrap();
    assert_eq!(visits.len(), 1);
    assert!(
        visits[0].note.contains("138****5678") && !visits[0].note.contains("13812345678"),
        "{}",
        visits[0].note
    );
    // The interview: stored with its household, the roster and the chance of the adult.
    let (st, body) = post_item(&c, &csrf, &interview(ids[0], "k-int", 3));
    assert_eq!(st, Status::Created, "{body}");
    let again = post_item(&c, &csrf, &interview(ids[0], "k-int", 3));
    assert_eq!(again.0, Status::Ok);
    let rows: Vec<_> = t
        .app
        .rows(S)
        .into_iter()
        .filter(|r| r.household_id.is_some())
        .collect();
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(r.household_id, Some(ids[0]));
    assert_eq!(r.household_adults, Some(3));
    assert!((r.selection_probability.unwrap() - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(r.channel, "household");
    assert_eq!(r.interviewer.as_deref(), Some("iv-1"));
    assert_eq!(r.residence_community.as_deref(), Some(community.as_str()));
    assert_eq!(r.location.as_deref(), Some("inside"));
    assert_eq!(
        r.ended_at.map(|t| t.to_string()).as_deref(),
        Some("2026-12-01 09:14:00")
    );
    let h = t
        .status()
        .households
        .into_iter()
        .find(|h| h.row.id == ids[0])
        .unwrap();
    assert_eq!(h.state, households::HouseholdState::Complete);

    // What is refused, and why, with nothing stored.
    let bad_outcome =
        json!({"kind": "visit", "survey": S, "household": ids[1], "key": "k2", "outcome": "gone"});
    let (st, body) = post_item(&c, &csrf, &bad_outcome);
    assert_eq!(st, Status::UnprocessableEntity);
    assert!(body.to_string().contains("no_contact"), "{body}");
    let (st, body) = post_item(&c, &csrf, &interview(ids[1], "k3", 0));
    assert_eq!(st, Status::UnprocessableEntity, "{body}");
    let r = c
        .post("/api/field/items")
        .header(ContentType::JSON)
        .header(Header::new("X-CSRF-Token", csrf.clone()))
        .body("{\"kind\": \"visit\",\n \"survey\": ")
        .dispatch();
    assert_eq!(r.status(), Status::BadRequest);
    assert!(r.into_string().unwrap().contains("line 2"));
    // Without the session's token: refused.
    assert_eq!(
        post_item(&c, "forged", &interview(ids[1], "k4", 2)).0,
        Status::Forbidden
    );
    // Someone else's household is not there for this interviewer.
    let (other, _, other_ids) = {
        let st = t.status();
        let second = st
            .communities
            .iter()
            .filter(|x| x.households > 0)
            .nth(1)
            .unwrap()
            .community
            .clone();
        let c2 = t.app.signed_in("iv-2", "interviewer", None);
        households::assign(
            &t.app.store,
            &t.s,
            Target::Community(&second),
            "iv-2",
            "test",
        )
        .unwrap();
        let ids: Vec<i64> = t
            .status()
            .households
            .iter()
            .filter(|h| h.row.community == second)
            .map(|h| h.row.id)
            .collect();
        (c2, second, ids)
    };
    assert_eq!(
        post_item(&c, &csrf, &interview(other_ids[0], "k5", 2)).0,
        Status::NotFound
    );
    assert_eq!(
        other
            .get(format!("/office/field/{S}/h/{}", ids[1]))
            .dispatch()
            .status(),
        Status::NotFound
    );
    assert_eq!(
        t.app
            .rows(S)
            .iter()
            .filter(|r| r.household_id.is_some())
            .count(),
        1
    );
    // A viewer enters nothing.
    let viewer = t.app.signed_in("viewer-1", "viewer", None);
    assert_eq!(
        viewer.get("/office/field").dispatch().status(),
        Status::Forbidden
    );
}

#[test]
fn the_household_questionnaire_posts_without_javascript() {
    let t = drawn();
    let (c, _, ids) = t.interviewer("iv-1");
    let page = format!("/office/field/{S}/h/{}/interview", ids[2]);
    let html = c.get(page.clone()).dispatch().into_string().unwrap();
    assert!(html.contains("f.adults"), "the roster is on the form");
    let hidden: String = ["m.key", "m.t", "m.csrf"]
        .iter()
        .map(|n| format!("{n}={}&", hidden_value(&html, n)))
        .collect();
    // No roster: the form comes back with the answers kept and the reason.
    let r = c
        .post(page.clone())
        .header(ContentType::Form)
        .body(format!("{hidden}{CIVILITY_OK}"))
        .dispatch();
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let back = r.into_string().unwrap();
    assert!(
        back.contains("18岁以上常住成年人人数"),
        "says what is missing"
    );
    assert!(back.contains("value=\"a40\" checked"), "keeps the answers");
    let r = c
        .post(page)
        .header(ContentType::Form)
        .body(format!("{hidden}f.adults=2&{CIVILITY_OK}"))
        .dispatch();
    assert_eq!(r.status(), Status::SeeOther);
    let row = t
        .app
        .rows(S)
        .into_iter()
        .find(|r| r.household_id == Some(ids[2]))
        .unwrap();
    assert_eq!(row.household_adults, Some(2));
    assert!((row.selection_probability.unwrap() - 0.5).abs() < 1e-12);
}

#[test]
fn the_sample_pages_by_role() {
    let t = drawn();
    let iv = t.app.signed_in("iv-1", "interviewer", None);
    let first = t.status().communities[0].clone();
    households::assign(
        &t.app.store,
        &t.s,
        Target::Community(&first.community),
        "iv-1",
        "test",
    )
    .unwrap();
    let other_district =
        t.s.districts
            .iter()
            .find(|d| d.code != first.district)
            .unwrap()
            .code
            .clone();
    // Another district's community goes to another interviewer.
    let _iv2 = t.app.signed_in("iv-2", "interviewer", None);
    let elsewhere = t
        .status()
        .communities
        .iter()
        .find(|c| c.district == other_district)
        .unwrap()
        .community
        .clone();
    households::assign(
        &t.app.store,
        &t.s,
        Target::Community(&elsewhere),
        "iv-2",
        "test",
    )
    .unwrap();
    let admin = t.app.signed_in("boss", "admin", None);
    let viewer = t.app.signed_in("viewer-1", "viewer", None);
    let officer = t
        .app
        .signed_in("officer", "district", Some(&first.district));
    let get = |c: &Client, uri: &str| c.get(uri.to_string()).dispatch().status();
    let sample = format!("/office/{S}/sample");
    for (who, c) in [("admin", &admin), ("viewer", &viewer)] {
        assert_eq!(get(c, &sample), Status::Ok, "{who}");
        assert_eq!(
            get(c, &format!("{sample}?district={other_district}")),
            Status::Ok,
            "{who}"
        );
    }
    // The officer sees their district's progress, never another's or the city's rows.
    let html = officer
        .get(sample.clone())
        .dispatch()
        .into_string()
        .unwrap();
    assert!(
        !html.contains(&format!("?district={other_district}&")),
        "another district's row"
    );
    assert!(
        html.contains("<td>iv-1</td>") && !html.contains("iv-2"),
        "only the interviewers working in the officer's district"
    );
    let all = admin.get(sample.clone()).dispatch().into_string().unwrap();
    assert!(all.contains("<td>iv-1</td>") && all.contains("<td>iv-2</td>"));
    assert_eq!(
        get(&officer, &format!("{sample}?district={other_district}")),
        Status::Forbidden
    );
    assert_eq!(
        get(&officer, &format!("{sample}?district={}", first.district)),
        Status::Ok
    );
    assert_eq!(get(&iv, &sample), Status::Forbidden);
    assert_eq!(get(&iv, "/office/field"), Status::Ok);
    // Admin only: call-backs, sheets, and every change.
    let admin_only = [
        format!("/office/{S}/callbacks"),
        format!("/office/{S}/sample/sheet/iv-1.xlsx"),
        format!("/office/{S}/sample/sheet/iv-1.pdf"),
    ];
    for uri in &admin_only {
        assert_eq!(get(&admin, uri), Status::Ok, "admin {uri}");
        for (who, c) in [
            ("viewer", &viewer),
            ("officer", &officer),
            ("interviewer", &iv),
        ] {
            assert_eq!(get(c, uri), Status::Forbidden, "{who} {uri}");
        }
    }
    let sheet = admin
        .get(format!("/office/{S}/sample/sheet/iv-1.xlsx"))
        .dispatch();
    assert!(sheet
        .headers()
        .get_one("Content-Disposition")
        .unwrap()
        .contains("civility-2026_iv-1_sheet.xlsx"));
    let bytes = sheet.into_bytes().unwrap();
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    use calamine::Reader;
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).unwrap();
    let cells: String = range
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect::<Vec<_>>()
        .join("|");
    assert!(
        cells.contains("RW01") && cells.contains("随机行走"),
        "the sheet lists the households: {cells}"
    );
    assert_eq!(
        get(&admin, &format!("/office/{S}/sample/sheet/nobody.pdf")),
        Status::NotFound
    );
    assert_eq!(
        get(&admin, &format!("/office/{S}/sample/sheet/iv-1.doc")),
        Status::NotFound
    );
    let token = csrf_of(&admin, &sample);
    let post = |c: &Client, uri: &str, body: &str| {
        c.post(uri.to_string())
            .header(ContentType::Form)
            .body(body)
            .dispatch()
            .status()
    };
    let changes = [
        (format!("/office/{S}/sample/draw"), "seed=5".to_string()),
        (
            format!("/office/{S}/sample/assign"),
            format!("community={}&interviewer=iv-1", first.community),
        ),
        (format!("/office/{S}/callbacks/draw"), String::new()),
        (
            format!("/office/{S}/callbacks/1/outcome"),
            "outcome=confirmed".to_string(),
        ),
    ];
    for (uri, body) in &changes {
        for (who, c) in [
            ("viewer", &viewer),
            ("officer", &officer),
            ("interviewer", &iv),
        ] {
            let their = csrf_of(c, "/office/password");
            assert_eq!(
                post(c, uri, &format!("csrf={their}&{body}")),
                Status::Forbidden,
                "{who} POST {uri}"
            );
        }
        assert_eq!(
            post(&admin, uri, &format!("csrf=forged&{body}")),
            Status::Forbidden,
            "forged token {uri}"
        );
    }
    // The admin's assignment is logged; redrawing is refused once a visit exists.
    assert_eq!(
        post(
            &admin,
            &changes[1].0,
            &format!("csrf={token}&{}", changes[1].1)
        ),
        Status::SeeOther
    );
    assert!(t
        .app
        .store
        .audit_log(20)
        .unwrap()
        .iter()
        .any(|a| a.action == "sample_assign" && a.actor == "boss"));
    assert_eq!(
        post(
            &admin,
            &changes[1].0,
            &format!(
                "csrf={token}&community={}&interviewer=viewer-1",
                first.community
            )
        ),
        Status::UnprocessableEntity
    );
    let hid = t
        .status()
        .households
        .iter()
        .find(|h| h.row.community == first.community)
        .unwrap()
        .row
        .id;
    t.app
        .store
        .add_visit(&minyi::storage::NewVisit {
            survey_id: S.into(),
            household_id: hid,
            interviewer: "iv-1".into(),
            visited_at: chrono::Utc::now().naive_utc(),
            recorded_at: chrono::Utc::now().naive_utc(),
            outcome: "refusal".into(),
            appointment_at: None,
            note: String::new(),
            submission_key: "x".into(),
        })
        .unwrap();
    assert_eq!(
        post(&admin, &changes[0].0, &format!("csrf={token}&seed=5")),
        Status::Conflict
    );
    let html = admin.get(sample).dispatch().into_string().unwrap();
    assert!(
        html.contains("不能再重抽"),
        "the page says the sample is frozen"
    );
    // Anonymous: to the sign-in form.
    let anon = t.app.second_browser();
    for uri in [
        format!("/office/{S}/sample"),
        format!("/office/{S}/callbacks"),
        "/office/field".to_string(),
    ] {
        assert_eq!(get(&anon, &uri), Status::SeeOther, "{uri}");
    }
}

#[test]
fn call_backs_are_drawn_per_interviewer_and_a_denied_interview_flags_them() {
    let t = drawn();
    let (c, _, ids) = t.interviewer("iv-1");
    let csrf = csrf_of(&c, &format!("/office/field/{S}/h/{}", ids[0]));
    for (k, id) in ids.iter().take(10).enumerate() {
        assert_eq!(
            post_item(&c, &csrf, &interview(*id, &format!("i{k}"), 2)).0,
            Status::Created
        );
    }
    // 10% of ten completes: one call-back; a second round with no new completes, none.
    assert_eq!(
        households::draw_callbacks(&t.app.store, &t.s, "test").unwrap(),
        1
    );
    assert_eq!(
        households::draw_callbacks(&t.app.store, &t.s, "test").unwrap(),
        0
    );
    let tasks = households::callback_tasks(&t.app.store, &t.s).unwrap();
    assert_eq!(tasks.len(), 1);
    assert!(tasks[0]
        .household
        .as_ref()
        .is_some_and(|h| ids.contains(&h.id)));
    let err = households::record_callback(&t.app.store, &t.s, tasks[0].row.id, "maybe", "", "boss")
        .unwrap_err();
    assert!(
        err.to_string().contains("confirmed, not_interviewed"),
        "{err}"
    );
    households::record_callback(
        &t.app.store,
        &t.s,
        tasks[0].row.id,
        "not_interviewed",
        "住户说没人来过 13912345678",
        "boss",
    )
    .unwrap();
    let checks = households::callback_checks(&t.app.store, &t.s).unwrap();
    let mine = checks.iter().find(|c| c.interviewer == "iv-1").unwrap();
    assert_eq!(
        (
            mine.completes,
            mine.drawn,
            mine.not_interviewed,
            mine.flagged
        ),
        (10, 1, 1, true)
    );
    let tasks = households::callback_tasks(&t.app.store, &t.s).unwrap();
    let note = &tasks[0].row.outcome.as_ref().unwrap().1;
    assert!(
        note.contains("139****5678") && !note.contains("13912345678"),
        "{note}"
    );
    // The interviewer checks page shows it to the office.
    let admin = t.app.signed_in("boss", "admin", None);
    let html = admin
        .get(format!("/office/{S}/interviewers?lang=en"))
        .dispatch()
        .into_string()
        .unwrap();
    assert!(
        html.contains("suspected fabrication"),
        "the interviewer checks page flags them"
    );
    assert!(
        html.contains("10/10 (100.0%)"),
        "every interview placed inside: {html}"
    );
}

#[test]
fn the_sample_and_its_fieldwork_cannot_be_altered() {
    let t = drawn();
    let (c, community, ids) = t.interviewer("iv-1");
    let csrf = csrf_of(&c, &format!("/office/field/{S}/h/{}", ids[0]));
    assert_eq!(
        post_item(&c, &csrf, &interview(ids[0], "a1", 2)).0,
        Status::Created
    );
    households::draw_callbacks(&t.app.store, &t.s, "test").unwrap();
    let cb = households::callback_tasks(&t.app.store, &t.s).unwrap()[0]
        .row
        .id;
    households::record_callback(&t.app.store, &t.s, cb, "confirmed", "", "boss").unwrap();
    let list = households::read_frame("l.csv", "household,address\nH1,1号楼\n").unwrap();
    households::load_frame(&t.app.store, &t.s, &community, &list, "test").unwrap();
    for (table, set) in [
        ("sample_frames", "community = 'x'"),
        ("sample_draws", "seed = 1"),
        ("sample_communities", "adults = 1"),
        ("sample_households", "address = 'elsewhere'"),
        ("sample_assignments", "interviewer = 'someone'"),
        ("household_visits", "outcome = 'refusal'"),
        ("callbacks", "interviewer = 'someone'"),
        ("callback_outcomes", "outcome = 'not_interviewed'"),
    ] {
        for sql in [
            format!("UPDATE {table} SET {set}"),
            format!("DELETE FROM {table}"),
        ] {
            let err = t.app.raw_sql(&sql).expect_err(&sql);
            assert!(err.contains("append-only"), "{sql}: {err}");
        }
    }
    assert_eq!(t.status().households.len(), 360);
}

/// A phone's queue arrives at once: a day's interviews from one interviewer are no
/// "burst from one source" (a rule for anonymous submissions; interviewers answer for
/// theirs by name and through call-backs), so none is left out of the figures.
#[test]
fn a_queue_sent_at_once_is_no_burst() {
    let t = drawn();
    let (c, _, ids) = t.interviewer("iv-q");
    let csrf = csrf_of(&c, "/office/field");
    for (k, h) in ids.iter().take(12).enumerate() {
        // Twelve residents, twelve different sets of answers.
        let mut item = interview(*h, &format!("queued-{k}"), 2);
        let (overall, values) = (["1", "2", "3"][k % 3], ["1", "2", "3", "4"][k / 3]);
        item["answers"]["sat_overall"] = json!([overall]);
        item["answers"]["aware_values"] = json!([values]);
        let (st, body) = post_item(&c, &csrf, &item);
        assert_eq!(st, Status::Created, "{body}");
    }
    let flags: Vec<String> = t
        .app
        .rows(S)
        .into_iter()
        .filter(|r| r.household_id.is_some())
        .map(|r| r.quality_flags)
        .collect();
    assert_eq!(flags.len(), 12);
    assert!(flags.iter().all(String::is_empty), "{flags:?}");
}
