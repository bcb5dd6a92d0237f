use rocket::http::{Header, Status};
use serde_json::Value;

use crate::common::*;

fn answers(row: &minyi::storage::StoredResponse) -> serde_json::Map<String, Value> {
    serde_json::from_str(&row.answers).unwrap()
}

#[test]
fn qr_link_to_stored_row() {
    let app = TestApp::new();
    let uri = "/s/civility-2026/XC/xinhua-xfl";
    let (html, hidden) = app.form(uri);
    assert!(html.contains("江川市创建全国文明城市群众满意度调查"));
    assert!(
        html.contains("新城区 · 幸福里社区"),
        "the collection point is named"
    );
    // Every question is on the page, so the form works with JavaScript off.
    assert_eq!(html.matches("<fieldset").count(), 22);

    let r = app.post_form(uri, &format!("{hidden}&{CIVILITY_OK}"));
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(
        r.headers().get_one("Location"),
        Some("/thanks/civility-2026?lang=zh")
    );
    let thanks = app
        .get("/thanks/civility-2026?lang=zh")
        .into_string()
        .unwrap();
    assert!(thanks.contains("感谢您的参与"));

    let rows = app.rows("civility-2026");
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.collection_district, "XC");
    assert_eq!(row.collection_community.as_deref(), Some("xinhua-xfl"));
    assert_eq!(row.district, "XC");
    assert_eq!(row.channel, "qr");
    assert_eq!(row.status, "complete");
    assert_eq!(row.wave, 2, "the definition's wave");
    assert!(row.started_at.is_some(), "the signed start stamp is kept");
    assert!(row.started_at.unwrap() <= row.submitted_at);
    assert_eq!(
        row.source_hash.len(),
        64,
        "a salted SHA-256, not an address"
    );
    assert!(row
        .device_hash
        .as_ref()
        .is_some_and(|h| h.len() == 64 && !h.contains("test-phone")));
    let a = answers(row);
    assert_eq!(a["aware_campaign"], "1");
    assert_eq!(a["sat_culture"], "dk");
    assert_eq!(a["participation_kind"], serde_json::json!(["vol"]));
    assert!(
        !a.contains_key("suggestion"),
        "an empty optional answer is missing, not empty text"
    );
}

#[test]
fn resident_district_is_their_answer_not_the_poster() {
    let app = TestApp::new();
    let uri = "/s/civility-2026/XC";
    let (html, hidden) = app.form(uri);
    // Pre-filled from the link.
    assert!(html.contains(r#"name="district" value="XC" checked"#));
    let body = format!(
        "{hidden}&{}",
        CIVILITY_OK.replace("district=XC", "district=JY")
    );
    assert_eq!(app.post_form(uri, &body).status(), Status::SeeOther);
    let row = &app.rows("civility-2026")[0];
    assert_eq!(row.collection_district, "XC");
    assert_eq!(row.collection_community, None);
    assert_eq!(row.district, "JY");
}

#[test]
fn page_is_small() {
    let app = TestApp::new();
    let html = app
        .get("/s/civility-2026/XC/xinhua-xfl")
        .into_string()
        .unwrap();
    assert!(
        html.len() < 30 * 1024,
        "questionnaire page is {} bytes",
        html.len()
    );
}

#[test]
fn english_on_request() {
    let app = TestApp::new();
    let (html, hidden) = app.form("/s/civility-2026/XC?lang=en");
    assert!(html.contains(r#"<html lang="en">"#));
    assert!(html.contains("Do you know that our city is campaigning"));
    assert!(
        html.contains(r#"href="/s/civility-2026/XC?lang=zh""#),
        "switch back to Chinese"
    );
    assert!(hidden.contains("m.lang=en"));
    let r = app.post_form(
        "/s/civility-2026/XC?lang=en",
        &format!("{hidden}&{CIVILITY_OK}"),
    );
    assert_eq!(
        r.headers().get_one("Location"),
        Some("/thanks/civility-2026?lang=en")
    );
}

#[test]
fn quiz_answers_are_never_revealed() {
    let app = TestApp::new();
    let html = app.get("/s/civility-2026/XC").into_string().unwrap();
    assert!(!html.contains("correct"));
    // All four options are offered alike; nothing marks the right one.
    for code in ["a", "b", "c", "d"] {
        assert!(html.contains(&format!(r#"name="quiz_values" value="{code}">"#)));
    }
}

#[test]
fn missing_required_answers_come_back_marked_with_answers_kept() {
    let app = TestApp::new();
    let uri = "/s/mini/N";
    let (_, hidden) = app.form(uri);
    let body = format!("{hidden}&age=young&district=N&aware=yes&sat=5");
    let r = app.post_form(uri, &body);
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let html = r.into_string().unwrap();
    assert!(html.contains(r#"role="alert""#));
    for q in ["joined", "quiz", "sex"] {
        assert!(
            html.contains(&format!(r#"<p class="em" id="e-{q}">请回答此题。</p>"#)),
            "error at {q}"
        );
    }
    assert!(
        !html.contains(r#"id="e-aware""#),
        "answered questions carry no error"
    );
    assert!(
        html.contains(r#"name="aware" value="yes" checked"#),
        "answers are kept"
    );
    assert!(html.contains(r#"name="sat" value="5" checked"#));
    assert!(app.rows("mini").is_empty(), "nothing stored");
}

#[test]
fn each_validation_rule_has_a_clear_message() {
    let app = TestApp::new();
    let uri = "/s/mini/N";
    let cases: &[(&str, &str, &str)] = &[
        ("sat=4", "sat=9", "“9”不是本题的选项"),
        ("sex=f", "sex=f&sex=m", "此题只能选一项"),
        (
            "what=a&what=b",
            "what=a&what=dk",
            "“说不清”不能与其他选项同时选择",
        ),
        ("years=12", "years=120", "请填写不大于 100 的数"),
        ("years=12", "years=-1", "请填写不小于 0 的数"),
        ("years=12", "years=abc", "请填写一个数字"),
        (
            "note=%E5%A5%BD",
            "note=aaaaaaaaaaaaaaaaaaaaaaaaa",
            "最多 20 个字",
        ),
        ("district=N", "district=X", "“X”不是本题的选项"),
    ];
    for (good, bad, message) in cases {
        let (_, hidden) = app.form(uri);
        let body = format!("{hidden}&{}", MINI_OK.replace(good, bad));
        let r = app.post_form(uri, &body);
        assert_eq!(r.status(), Status::UnprocessableEntity, "{bad}");
        let html = r.into_string().unwrap();
        assert!(html.contains(message), "{bad}: expected “{message}”");
    }
    assert!(app.rows("mini").is_empty());
}

#[test]
fn show_if_drops_answers_to_questions_not_asked() {
    let app = TestApp::new();
    let uri = "/s/mini/N";
    let (_, hidden) = app.form(uri);
    let body = format!("{hidden}&{}", MINI_OK.replace("joined=1", "joined=2"));
    assert_eq!(app.post_form(uri, &body).status(), Status::SeeOther);
    let a = answers(&app.rows("mini")[0]);
    assert_eq!(a["joined"], "2");
    assert!(
        !a.contains_key("what"),
        "a conditional answer whose condition failed is not stored"
    );

    // When the condition holds, the conditional question is required.
    let app = TestApp::new();
    let (_, hidden) = app.form(uri);
    let body = format!("{hidden}&{}", MINI_OK.replace("&what=a&what=b", ""));
    let r = app.post_form(uri, &body);
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert!(r.into_string().unwrap().contains(r#"id="e-what""#));
}

#[test]
fn screening_ends_politely_and_records_the_screen_out() {
    let app = TestApp::new();
    let uri = "/s/mini/N/n1";
    let (html, hidden) = app.form(uri);
    assert!(html.contains(r#"data-so="u18""#));
    let r = app.post_form(uri, &format!("{hidden}&age=u18"));
    assert_eq!(r.status(), Status::SeeOther);
    assert_eq!(
        r.headers().get_one("Location"),
        Some("/thanks/mini?lang=zh&screened=1")
    );
    let page = app
        .get("/thanks/mini?lang=zh&screened=1")
        .into_string()
        .unwrap();
    assert!(page.contains("18周岁及以上"));
    let rows = app.rows("mini");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, "screened_out");
    assert_eq!(answers(&rows[0]).len(), 1);
}

#[test]
fn one_response_per_browser_and_per_form() {
    let app = TestApp::new();
    let uri = "/s/mini/S";
    let (_, hidden) = app.form(uri);
    let body = format!("{hidden}&{}", MINI_OK);
    assert_eq!(app.post_form(uri, &body).status(), Status::SeeOther);

    // Same browser: the form is replaced by a friendly page, a POST is refused.
    let again = app.get(uri).into_string().unwrap();
    assert!(again.contains("您已经参加过本次调查"));
    assert!(!again.contains("<form"));
    assert_eq!(app.post_form(uri, &body).status(), Status::Conflict);

    // The same form replayed from another browser (no cookie) still counts once.
    let other = app.second_browser();
    let r = other
        .post(uri)
        .header(rocket::http::ContentType::Form)
        .body(&body)
        .dispatch();
    assert_eq!(r.status(), Status::Conflict);
    assert!(r.into_string().unwrap().contains("您已经参加过本次调查"));
    assert_eq!(app.rows("mini").len(), 1);
}
#[test]
fn unknown_places_and_surveys_get_clear_pages() {
    let app = TestApp::new();
    let cases = [
        ("/s/nope/N", "找不到这项调查"),
        ("/s/mini/Z", "找不到这个调查点"),
        ("/s/mini/N/zz", "找不到这个调查点"),
        ("/s/mini/S/n1", "找不到这个调查点"), // n1 belongs to N, not S
        ("/no/such/page", "页面不存在"),
    ];
    for (uri, text) in cases {
        let r = app.get(uri);
        assert_eq!(r.status(), Status::NotFound, "{uri}");
        assert!(r.into_string().unwrap().contains(text), "{uri}");
        let r = app.post_form(uri, MINI_OK);
        assert_eq!(r.status(), Status::NotFound, "POST {uri}");
    }
    assert!(app.rows("mini").is_empty());
}

#[test]
fn closed_and_future_surveys() {
    let app = TestApp::new();
    let r = app.get("/s/closed/N");
    assert_eq!(r.status(), Status::Gone);
    assert!(r
        .into_string()
        .unwrap()
        .contains("调查已于 2001-06-30 结束"));
    assert_eq!(app.post_form("/s/closed/N", MINI_OK).status(), Status::Gone);
    let r = app.get("/s/future/N?lang=en");
    assert_eq!(r.status(), Status::Forbidden);
    assert!(r
        .into_string()
        .unwrap()
        .contains("The survey opens on 2098-01-01"));
    assert!(app.rows("closed").is_empty() && app.rows("future").is_empty());
}

#[test]
fn expired_or_forged_form_fields() {
    let app = TestApp::new();
    let uri = "/s/mini/N";
    // No submission key at all (a hand-made POST): refused with a clear message.
    let r = app.post_form(uri, MINI_OK);
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert!(r.into_string().unwrap().contains("表单已失效"));
    // A forged start stamp is ignored rather than trusted.
    let (_, hidden) = app.form(uri);
    let forged = hidden
        .split('&')
        .map(|kv| {
            if kv.starts_with("m.t=") {
                "m.t=1000.abcdef".to_string()
            } else {
                kv.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("&");
    assert_eq!(
        app.post_form(uri, &format!("{forged}&{MINI_OK}")).status(),
        Status::SeeOther
    );
    assert_eq!(app.rows("mini")[0].started_at, None);
}

#[test]
fn oversized_body_is_refused() {
    let app = TestApp::new();
    let (_, hidden) = app.form("/s/mini/N");
    let body = format!("{hidden}&{MINI_OK}&note={}", "x".repeat(70 * 1024));
    let r = app.post_form("/s/mini/N", &body);
    assert_eq!(r.status(), Status::PayloadTooLarge);
    assert!(app.rows("mini").is_empty());
}

#[test]
fn security_headers_are_set() {
    let app = TestApp::new();
    let r = app.get("/s/mini/N");
    let csp = r.headers().get_one("Content-Security-Policy").unwrap();
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(r.headers().get_one("Referrer-Policy"), Some("no-referrer"));
}

/// The numbers on the page (`<span class="qn">8. </span>`), with `None` for a question
/// that carries none.
fn question_numbers(html: &str) -> Vec<Option<usize>> {
    html.split("<span class=\"qn\">")
        .skip(1)
        .map(|rest| {
            let inner = &rest[..rest.find("</span>").unwrap()];
            inner.trim().trim_end_matches('.').parse().ok()
        })
        .collect()
}

#[test]
fn question_numbers_run_without_gaps() {
    let app = TestApp::new();
    let s = minyi::definition::load_file(std::path::Path::new(&format!(
        "{SURVEYS}/civility-2026.toml"
    )))
    .unwrap();
    let follow_up = s
        .questions
        .iter()
        .position(|q| q.show_if.is_some())
        .unwrap();
    // Without JavaScript the follow-up shows, unnumbered until its question asks it.
    let (html, hidden) = app.form("/s/civility-2026/XC");
    let numbers = question_numbers(&html);
    assert_eq!(numbers.len(), s.questions.len());
    assert_eq!(numbers[follow_up], None);
    let shown: Vec<usize> = numbers.iter().flatten().copied().collect();
    assert_eq!(shown, (1..=s.questions.len() - 1).collect::<Vec<_>>());
    // Sent back with a mistake after answering "participated": now it is asked, and
    // numbered in its place.
    let body = format!("{hidden}&{}", CIVILITY_OK.replace("&sex=m", ""));
    let r = app.post_form("/s/civility-2026/XC", &body);
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let numbers = question_numbers(&r.into_string().unwrap());
    let shown: Vec<usize> = numbers.iter().flatten().copied().collect();
    assert_eq!(numbers[follow_up], Some(follow_up + 1));
    assert_eq!(shown, (1..=s.questions.len()).collect::<Vec<_>>());
}

fn gunzip(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut s = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut s)
        .expect("a gzip stream of UTF-8");
    s
}

/// A phone that accepts gzip gets the questionnaire compressed, the same page once
/// unpacked; one that refuses it, or asks nothing, gets it as it is; files that are
/// compressed already are sent as they are.
#[test]
fn pages_are_sent_compressed_to_clients_that_accept_it() {
    let app = TestApp::new();
    let form = "/s/civility-2026/XC/xinhua-xfl";
    let ask = |encoding: Option<&str>| {
        let mut r = app.client.get(form);
        if let Some(e) = encoding {
            r = r.header(Header::new("Accept-Encoding", e.to_string()));
        }
        let r = r.dispatch();
        assert_eq!(r.status(), Status::Ok);
        let coding = r.headers().get_one("Content-Encoding").map(str::to_string);
        let vary = r.headers().get_one("Vary").map(str::to_string);
        (coding, vary, r.into_bytes().unwrap())
    };
    let (coding, _, plain) = ask(None);
    assert_eq!(coding, None);
    let (coding, vary, packed) = ask(Some("gzip, deflate, br"));
    assert_eq!(coding.as_deref(), Some("gzip"));
    assert_eq!(vary.as_deref(), Some("Accept-Encoding"));
    assert!(
        packed.len() * 3 < plain.len(),
        "{} of {}",
        packed.len(),
        plain.len()
    );
    // The page's submission key and signed start time differ between loads: compare
    // the rest.
    let without_stamps = |h: &str| {
        ["m.key", "m.t"]
            .iter()
            .fold(h.to_string(), |h, n| h.replace(&hidden_value(&h, n), ""))
    };
    let unpacked = without_stamps(&gunzip(&packed));
    let plain = without_stamps(&String::from_utf8(plain).unwrap());
    assert!(
        unpacked == plain,
        "the unpacked page differs from the plain one"
    );
    assert_eq!(ask(Some("gzip;q=0, identity")).0, None);
    assert_eq!(ask(Some("br")).0, None);

    // A workbook is a zip: compressed already.
    let office = app.signed_in("chief", "admin", None);
    let r = office
        .get("/office/civility-2026/download/weak_spots.xlsx")
        .header(Header::new("Accept-Encoding", "gzip"))
        .dispatch();
    assert_eq!(r.status(), Status::Ok);
    assert_eq!(r.headers().get_one("Content-Encoding"), None);
}
