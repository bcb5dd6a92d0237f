//! The rectification ledger: items opened from a weak spot, the state machine,
//! append-only history, who may do what, judging by the next wave (equal to the wave
//! comparison of `minyi stats`), the workbook and the notice.

use rocket::http::{ContentType, Status};
use rocket::local::blocking::Client;
use serde_json::Value;

use crate::common::*;

const S: &str = "civility-2026";

/// The example survey with the demo's two waves (and its ledger).
fn demo() -> (TestApp, minyi::definition::Survey) {
    let app = TestApp::new();
    let s = app.survey(S);
    minyi::demo::run(&app.store, &s, 900, 5).unwrap();
    (app, s)
}

fn items(c: &Client, query: &str) -> Vec<Value> {
    let r = c.get(format!("/api/surveys/{S}/ledger{query}")).dispatch();
    assert_eq!(r.status(), Status::Ok);
    let v: Value = serde_json::from_str(&r.into_string().unwrap()).unwrap();
    v["items"].as_array().unwrap().clone()
}

fn zip_entry(bytes: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = String::new();
    z.by_name(name).unwrap().read_to_string(&mut out).unwrap();
    out
}

/// Pages of a PDF as poppler's `pdfinfo` counts them (`None` without poppler, unless
/// CI requires it).
fn pdf_pages(pdf: &[u8]) -> Option<usize> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.pdf");
    std::fs::write(&path, pdf).unwrap();
    let Ok(o) = std::process::Command::new("pdfinfo").arg(&path).output() else {
        assert!(
            std::env::var_os("MINYI_REQUIRE_POPPLER").is_none(),
            "MINYI_REQUIRE_POPPLER is set but poppler-utils is not installed"
        );
        skipped("ledger (the posters' page count)", "install poppler-utils");
        return None;
    };
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
}

fn csrf(c: &Client, page: &str) -> String {
    hidden_value(
        &c.get(page.to_string()).dispatch().into_string().unwrap(),
        "csrf",
    )
}

/// Posts a form and gives the status and where it led.
fn post(c: &Client, uri: &str, body: &str) -> (Status, String) {
    let r = c
        .post(uri.to_string())
        .header(ContentType::Form)
        .body(body)
        .dispatch();
    let to = r.headers().get_one("Location").unwrap_or("").to_string();
    let st = r.status();
    let text = r.into_string().unwrap_or_default();
    (st, if to.is_empty() { text } else { to })
}

/// A deadline `days` from today, as the form sends it.
fn in_days(days: i64) -> String {
    (chrono::Local::now().date_naive() + chrono::Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

/// Opens an item by the form; its id.
fn open(c: &Client, fields: &str) -> Result<i64, (Status, String)> {
    let t = csrf(c, &format!("/office/{S}/ledger/new?district=XC"));
    match post(
        c,
        &format!("/office/{S}/ledger"),
        &format!("csrf={t}&{fields}"),
    ) {
        (Status::SeeOther, to) => Ok(to
            .split('/')
            .next_back()
            .and_then(|x| x.split('?').next())
            .and_then(|x| x.parse().ok())
            .unwrap_or_else(|| panic!("no item in {to}"))),
        other => Err(other),
    }
}

/// Changes an item's state by the form, from the state its page shows.
fn change(c: &Client, id: i64, fields: &str) -> (Status, String) {
    let page = c
        .get(format!("/office/{S}/ledger/{id}"))
        .dispatch()
        .into_string()
        .unwrap();
    let (t, seen) = (hidden_value(&page, "csrf"), hidden_value(&page, "seen"));
    post(
        c,
        &format!("/office/{S}/ledger/{id}/change"),
        &format!("csrf={t}&seen={seen}&{fields}"),
    )
}

fn xc_awareness(deadline: &str) -> String {
    format!("district=XC&level=district&place=XC&indicator=aware_campaign&wave=1&problem=&unit=%E6%96%B0%E5%9F%8E%E5%8C%BA%E6%96%87%E6%98%8E%E5%8A%9E&measures=&deadline={deadline}")
}

#[test]
fn the_demo_fills_the_ledger_and_every_page_shows_it() {
    let (app, _) = demo();
    let a = app.signed_in("chief", "admin", None);
    let all = items(&a, "");
    assert!(all.len() >= 4, "{} items", all.len());
    let state = |st: &str| all.iter().filter(|i| i["state"] == st).count();
    assert!(state("signed_off") >= 1 && state("in_progress") >= 1);
    assert!(all.iter().any(|i| i["overdue"] == true));
    // Every item was opened from wave 1 and is judged by wave 2.
    for i in &all {
        assert_eq!(i["baseline"]["wave"], 1);
        assert_eq!(i["judgement"]["latest"]["wave"], 2, "{i}");
        assert_ne!(i["judgement"]["verdict"], "not_remeasured");
    }
    // The sign-off against the rule keeps its reason, on the item and in the workbook.
    let against = all
        .iter()
        .find(|i| i["state"] == "signed_off" && i["judgement"]["rule_met"] == false)
        .expect("the demo signs one item off against the rule");
    let reason = against["events"].as_array().unwrap().last().unwrap()["reason"]
        .as_str()
        .unwrap()
        .to_string();
    let page = a
        .get(format!("/office/{S}/ledger/{}", against["id"]))
        .dispatch()
        .into_string()
        .unwrap();
    assert!(page.contains(&reason) && page.contains("未按规则销号"));
    let html = a
        .get(format!("/office/{S}/ledger"))
        .dispatch()
        .into_string()
        .unwrap();
    assert!(html.contains("月度通报") && html.contains("逾期"));
    let xlsx = a
        .get(format!("/office/{S}/ledger.xlsx"))
        .dispatch()
        .into_bytes()
        .unwrap();
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    let range = calamine::Reader::worksheet_range(&mut wb, "整改台账").unwrap();
    let header: Vec<String> = range
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        header[..9],
        [
            "序号",
            "问题",
            "地点",
            "责任单位",
            "整改措施",
            "整改时限",
            "进展情况",
            "复测结果",
            "是否销号"
        ]
    );
    assert_eq!(range.height(), all.len() + 1);
    assert!(range
        .rows()
        .any(|r| r.iter().any(|c| c.to_string() == reason)));
    let notice = calamine::Reader::worksheet_range(&mut wb, "月度通报").unwrap();
    assert!(notice.height() > 1);
    // Posters for the re-survey: one page per place of an item not signed off.
    let open_places: std::collections::BTreeSet<(String, String)> = all
        .iter()
        .filter(|i| i["state"] != "signed_off")
        .map(|i| {
            (
                i["district"].as_str().unwrap().into(),
                i["place"].as_str().unwrap().into(),
            )
        })
        .collect();
    let pdf = a
        .get(format!("/office/{S}/ledger/posters.pdf"))
        .dispatch()
        .into_bytes()
        .unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    if let Some(pages) = pdf_pages(&pdf) {
        assert_eq!(pages, open_places.len());
    }
    // Each open item has its re-survey plan on the ledger page.
    assert!(
        html.contains("定向复测") && html.contains("计划受访者") && html.contains("到验收日每天需")
    );
    assert!(all
        .iter()
        .all(|i| i["judgement"]["planned"].as_u64().is_some_and(|n| n > 0)));
    // The briefing has the month's notice as a section; the pack carries the workbook.
    let docx = a
        .get(format!("/office/{S}/download/briefing.docx"))
        .dispatch()
        .into_bytes()
        .unwrap();
    let doc = zip_entry(&docx, "word/document.xml");
    assert!(
        doc.contains("六、整改台账") && doc.contains("整改通报") && doc.contains("七、方法说明")
    );
    let pack = a
        .get(format!("/office/{S}/download/pack.zip"))
        .dispatch()
        .into_bytes()
        .unwrap();
    let z = zip::ZipArchive::new(std::io::Cursor::new(pack)).unwrap();
    assert!(z.file_names().any(|n| n.is_ok_and(|n| n == "ledger.xlsx")));
    // The weak spots of the district page link to opening an item.
    let district = a
        .get(format!("/office/{S}/d/XC"))
        .dispatch()
        .into_string()
        .unwrap();
    assert!(district.contains("/ledger/new?wave=2") && district.contains("立项整改"));
    // The workbook download is an export in the audit log.
    assert!(app
        .store
        .audit_log(50)
        .unwrap()
        .iter()
        .any(|r| r.action == "export" && r.detail.contains("ledger.xlsx")));
}

#[test]
fn the_change_is_the_wave_comparison_of_minyi_stats() {
    let (app, s) = demo();
    let a = app.signed_in("chief", "admin", None);
    let id = open(&a, &xc_awareness(&in_days(30))).unwrap();
    let item = items(&a, "?district=XC")
        .into_iter()
        .find(|i| i["id"] == id)
        .unwrap();
    let j = &item["judgement"];
    // The same rows through export → dataset → stats, as `minyi stats --compare
    // wave=1,2 --by district` computes it.
    let rows = app.rows(S);
    let mut csv = Vec::new();
    minyi::export::write_csv(&s, &rows, &mut csv).unwrap();
    let data = minyi::dataset::read_csv(&s, "x", csv.as_slice()).unwrap();
    let (data, _) = minyi::figures::convenience_rows(&data).without_flagged();
    let census = minyi::stats::Census::from_survey(&s);
    let opts = minyi::stats::Options {
        by: vec!["district".into()],
        ..Default::default()
    };
    let diffs = minyi::stats::compare_waves(&s, &data, census.as_ref(), &opts, "1", "2").unwrap();
    let d = diffs
        .iter()
        .find(|d| {
            d.indicator == "aware_campaign"
                && d.kind == minyi::stats::EstimateKind::Proportion
                && d.domain == "wave (district XC)"
        })
        .unwrap();
    let num = |v: &Value| v.as_f64().unwrap();
    assert!((num(&j["change"]["difference"]) - d.difference).abs() < 1e-12);
    assert!((num(&j["change"]["ci_low"]) - d.ci_low).abs() < 1e-12);
    assert!((num(&j["change"]["ci_high"]) - d.ci_high).abs() < 1e-12);
    // By hand: b − a, se² = se_a² + se_b², the two waves' direct figures.
    let (b, l) = (&j["baseline"], &j["latest"]);
    assert_eq!(b["model"], false);
    assert!(
        (num(&j["change"]["difference"]) - (num(&l["estimate"]) - num(&b["estimate"]))).abs()
            < 1e-12
    );
    let se = (num(&b["se"]).powi(2) + num(&l["se"]).powi(2)).sqrt();
    assert!((num(&j["change"]["se"]) - se).abs() < 1e-12);
    // The baseline recorded at opening is the baseline wave's figure.
    assert!((num(&item["baseline"]["estimate"]) - num(&b["estimate"])).abs() < 1e-12);
    // The verdict follows from where the latest rate stands and the change.
    let verdict = j["verdict"].as_str().unwrap();
    let expected = match l["state"].as_str() {
        None => "too_few",
        Some("at_or_above" | "significantly_above") => "no_longer_below",
        Some("significantly_below") => "still_significantly_below",
        Some(_) if d.ci_low > 0.0 => "improved_significantly",
        Some(_) => "no_clear_change",
    };
    assert_eq!(verdict, expected);
    // A community's item is judged by the small-area model, named as such: the change
    // is the difference of the model estimates with the root of their summed MSEs.
    let community = items(&a, "")
        .into_iter()
        .find(|i| i["level"] == "community")
        .unwrap();
    let (cb, cl) = (
        &community["judgement"]["baseline"],
        &community["judgement"]["latest"],
    );
    assert_eq!(cb["model"], true);
    assert_eq!(community["baseline"]["basis"], "model");
    let c = &community["judgement"]["change"];
    assert!((num(&c["difference"]) - (num(&cl["estimate"]) - num(&cb["estimate"]))).abs() < 1e-12);
    let se = (num(&cb["se"]).powi(2) + num(&cl["se"]).powi(2)).sqrt();
    assert!((num(&c["se"]) - se).abs() < 1e-12);
    let z = 1.959963984540054;
    assert!((num(&c["ci_low"]) - (num(&c["difference"]) - z * se)).abs() < 1e-9);
    let page = a
        .get(format!("/office/{S}/ledger/{}", community["id"]))
        .dispatch()
        .into_string()
        .unwrap();
    assert!(page.contains("模型估计"));
}

#[test]
fn no_state_is_skipped_and_the_history_is_append_only() {
    let (app, _) = demo();
    let a = app.signed_in("chief", "admin", None);
    let id = open(&a, &xc_awareness(&in_days(14))).unwrap();
    // Straight to awaiting or signed off: refused, saying the order.
    for to in ["awaiting", "signed_off", "reopened"] {
        let (st, body) = change(&a, id, &format!("to={to}&note=x"));
        assert_eq!(st, Status::UnprocessableEntity, "{to}");
        assert!(
            body.contains("open → in progress → awaiting re-measurement"),
            "{body}"
        );
    }
    assert_eq!(change(&a, id, "to=in_progress&note=").0, Status::SeeOther);
    // A progress note needs words.
    assert_eq!(
        change(&a, id, "to=in_progress&note=").0,
        Status::UnprocessableEntity
    );
    assert_eq!(
        change(&a, id, "to=in_progress&note=%E5%B7%B2%E5%85%A5%E6%88%B7").0,
        Status::SeeOther
    );
    // A page gone stale: someone else moved the item meanwhile.
    let page = a
        .get(format!("/office/{S}/ledger/{id}"))
        .dispatch()
        .into_string()
        .unwrap();
    let (t, seen) = (hidden_value(&page, "csrf"), hidden_value(&page, "seen"));
    assert_eq!(change(&a, id, "to=awaiting&note=").0, Status::SeeOther);
    let (st, body) = post(
        &a,
        &format!("/office/{S}/ledger/{id}/change"),
        &format!("csrf={t}&seen={seen}&to=awaiting&note="),
    );
    assert_eq!(st, Status::Conflict, "{body}");
    // The rule is not met (the deadline is ahead of every wave): signing off needs a
    // reason of some length, which then stays.
    let item = items(&a, "?district=XC")
        .into_iter()
        .find(|i| i["id"] == id)
        .unwrap();
    assert_eq!(item["judgement"]["rule_met"], false);
    assert_eq!(
        change(&a, id, "to=signed_off&note=").0,
        Status::UnprocessableEntity
    );
    assert_eq!(
        change(&a, id, "to=signed_off&note=&reason=ok").0,
        Status::UnprocessableEntity
    );
    let reason = "%E7%8E%B0%E5%9C%BA%E6%A0%B8%E9%AA%8C%E5%B7%B2%E6%95%B4%E6%94%B9%E5%88%B0%E4%BD%8D%EF%BC%8C%E4%B8%8B%E8%BD%AE%E5%A4%8D%E6%B5%8B%E8%B7%9F%E8%B8%AA";
    assert_eq!(
        change(&a, id, &format!("to=signed_off&note=&reason={reason}")).0,
        Status::SeeOther
    );
    // Reopening needs a note.
    assert_eq!(
        change(&a, id, "to=reopened&note=").0,
        Status::UnprocessableEntity
    );
    assert_eq!(
        change(&a, id, "to=reopened&note=%E5%A4%8D%E6%9F%A5").0,
        Status::SeeOther
    );
    let item = items(&a, "?district=XC")
        .into_iter()
        .find(|i| i["id"] == id)
        .unwrap();
    let states: Vec<&str> = item["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        [
            "open",
            "in_progress",
            "in_progress",
            "awaiting",
            "signed_off",
            "reopened"
        ]
    );
    assert_eq!(item["state"], "reopened");
    // Sign-offs and reopenings are audited.
    let log = app.store.audit_log(50).unwrap();
    assert!(log
        .iter()
        .any(|r| r.action == "ledger_signed_off" && r.detail.contains("against the rule")));
    assert!(log.iter().any(|r| r.action == "ledger_reopened"));
    // The database itself refuses to change or remove history.
    for sql in [
        "UPDATE ledger_events SET note = 'edited'".to_string(),
        "DELETE FROM ledger_events".to_string(),
        format!("UPDATE ledger_items SET unit = 'x' WHERE id = {id}"),
        format!("DELETE FROM ledger_items WHERE id = {id}"),
    ] {
        let e = app.raw_sql(&sql).unwrap_err();
        assert!(e.contains("append-only"), "{sql}: {e}");
    }
}

#[test]
fn opening_an_item_checks_what_it_is_given() {
    let (app, _) = demo();
    let a = app.signed_in("chief", "admin", None);
    let cases = [
        (xc_awareness("2026-13-01"), "YYYY-MM-DD"),
        (xc_awareness(&in_days(-1)), "already passed"),
        (
            xc_awareness(&in_days(5)).replace("indicator=aware_campaign", "indicator=sex"),
            "not an indicator",
        ),
        (
            xc_awareness(&in_days(5))
                .replace("level=district&place=XC", "level=community&place=nowhere"),
            "not a place",
        ),
        (
            xc_awareness(&in_days(5)).replace("level=district", "level=grid"),
            "not a place level",
        ),
        (
            xc_awareness(&in_days(5)).replace(
                "unit=%E6%96%B0%E5%9F%8E%E5%8C%BA%E6%96%87%E6%98%8E%E5%8A%9E",
                "unit=+",
            ),
            "unit is empty",
        ),
    ];
    for (fields, says) in cases {
        let (st, body) = open(&a, &fields).unwrap_err();
        assert!(st.code >= 400 && st.code < 500, "{st}");
        assert!(body.contains(says), "{fields}: {body}");
    }
    // A problem written from the baseline when none is given, formulas kept harmless
    // in the workbook.
    let id = open(
        &a,
        &xc_awareness(&in_days(5)).replace("measures=", "measures=%3DHYPERLINK(1)"),
    )
    .unwrap();
    let item = items(&a, "").into_iter().find(|i| i["id"] == id).unwrap();
    assert!(
        item["problem"].as_str().unwrap().contains("新城区"),
        "{}",
        item["problem"]
    );
    let xlsx = a
        .get(format!("/office/{S}/ledger.xlsx"))
        .dispatch()
        .into_bytes()
        .unwrap();
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    let range = calamine::Reader::worksheet_range(&mut wb, "整改台账").unwrap();
    assert!(range.rows().any(|r| r
        .iter()
        .any(|c| c.to_string().ends_with("HYPERLINK(1)") && !c.to_string().starts_with('='))));
}

#[test]
fn each_role_works_on_its_own_items_only() {
    let (app, _) = demo();
    let a = app.signed_in("chief", "admin", None);
    let all = items(&a, "");
    let other = all.iter().find(|i| i["district"] != "XC").unwrap()["id"]
        .as_i64()
        .unwrap();
    let d = app.signed_in("officer-xc", "district", Some("XC"));
    // Their district's ledger and items, never another's, never the city's.
    assert!(items(&d, "").iter().all(|i| i["district"] == "XC"));
    assert_eq!(
        d.get(format!("/office/{S}/ledger")).dispatch().status(),
        Status::Ok
    );
    for uri in [
        format!("/office/{S}/ledger?district=JY"),
        format!("/office/{S}/ledger.xlsx?district=JY"),
        format!("/api/surveys/{S}/ledger?district=JY"),
        format!("/office/{S}/ledger/{other}"),
        format!("/office/{S}/ledger/new?district=JY"),
    ] {
        assert_eq!(
            d.get(uri.clone()).dispatch().status(),
            Status::Forbidden,
            "{uri}"
        );
    }
    assert_eq!(
        d.get(format!("/office/{S}/ledger/999999"))
            .dispatch()
            .status(),
        Status::NotFound
    );
    // They open and work on their district's items, but do not sign off.
    let id = open(&d, &xc_awareness(&in_days(10))).unwrap();
    assert_eq!(change(&d, id, "to=in_progress&note=").0, Status::SeeOther);
    assert_eq!(change(&d, id, "to=awaiting&note=").0, Status::SeeOther);
    let (st, body) = change(&d, id, "to=signed_off&note=&reason=0123456789abc");
    assert_eq!(st, Status::Forbidden, "{body}");
    let t = csrf(&d, &format!("/office/{S}/ledger/{id}"));
    let (st, _) = post(
        &d,
        &format!("/office/{S}/ledger/{other}/change"),
        &format!("csrf={t}&seen=1&to=in_progress&note="),
    );
    assert_eq!(st, Status::Forbidden);
    let (st, _) = post(
        &d,
        &format!("/office/{S}/ledger"),
        &format!(
            "csrf={t}&{}",
            xc_awareness(&in_days(10)).replace(
                "district=XC&level=district&place=XC",
                "district=JY&level=district&place=JY"
            )
        ),
    );
    assert_eq!(st, Status::Forbidden);
    // Posters for re-surveying their district's open items, not another's.
    let r = d.get(format!("/office/{S}/ledger/posters.pdf")).dispatch();
    assert_eq!(r.status(), Status::Ok);
    assert!(r.into_bytes().unwrap().starts_with(b"%PDF"));
    assert_eq!(
        d.get(format!("/office/{S}/ledger/posters.pdf?district=JY"))
            .dispatch()
            .status(),
        Status::Forbidden
    );
    // Viewers read everything and change nothing.
    let v = app.signed_in("viewer", "viewer", None);
    assert_eq!(items(&v, "").len(), all.len() + 1);
    assert_eq!(
        v.get(format!("/office/{S}/ledger/{id}"))
            .dispatch()
            .status(),
        Status::Ok
    );
    assert_eq!(
        v.get(format!("/office/{S}/ledger/new?district=XC"))
            .dispatch()
            .status(),
        Status::Forbidden
    );
    let t = csrf(&v, &format!("/office/{S}/ledger/{id}"));
    let (st, _) = post(
        &v,
        &format!("/office/{S}/ledger/{id}/change"),
        &format!("csrf={t}&seen=3&to=awaiting&note=x"),
    );
    assert_eq!(st, Status::Forbidden);
    // Interviewers see none of it.
    let i = app.signed_in("field", "interviewer", None);
    for uri in [
        format!("/office/{S}/ledger"),
        format!("/office/{S}/ledger/{id}"),
        format!("/office/{S}/ledger.xlsx"),
        format!("/api/surveys/{S}/ledger"),
    ] {
        assert_eq!(
            i.get(uri.clone()).dispatch().status(),
            Status::Forbidden,
            "{uri}"
        );
    }
    // A read token acts with its user's role: the officer's district only.
    let uid = app.store.user_by_name("officer-xc").unwrap().unwrap().id;
    let (token, hash) = minyi::accounts::new_token();
    app.store.add_token(uid, &hash, "city platform").unwrap();
    let machine = app.second_browser();
    let call = |uri: String| {
        let r = machine
            .get(uri)
            .header(rocket::http::Header::new(
                "Authorization",
                format!("Bearer {token}"),
            ))
            .dispatch();
        (r.status(), r.into_string().unwrap_or_default())
    };
    let (st, body) = call(format!("/api/surveys/{S}/ledger"));
    assert_eq!(st, Status::Ok);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert!(!v["items"].as_array().unwrap().is_empty());
    assert!(v["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["district"] == "XC"));
    assert_eq!(
        call(format!("/api/surveys/{S}/ledger?district=JY")).0,
        Status::Forbidden
    );
    // Without a session: the sign-in page, or 401 for the API.
    let anon = app.second_browser();
    assert_eq!(
        anon.get(format!("/office/{S}/ledger")).dispatch().status(),
        Status::SeeOther
    );
    assert_eq!(
        anon.get(format!("/api/surveys/{S}/ledger"))
            .dispatch()
            .status(),
        Status::Unauthorized
    );
    // A change without the session's CSRF token is refused.
    let (st, _) = post(
        &a,
        &format!("/office/{S}/ledger/{id}/change"),
        "csrf=forged&seen=3&to=awaiting&note=x",
    );
    assert_eq!(st, Status::Forbidden);
}
