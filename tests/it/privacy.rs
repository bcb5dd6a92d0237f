//! Personal data as residents type it: every sentence of the corpus
//! (`tests/fixtures/privacy/corpus.tsv`, made by construction by
//! `scripts/make_privacy_corpus.py`) is stored as the rules say, near misses stay as
//! written, generated variants of each pattern (spacing, full width, separators,
//! numerals) are caught, and the fourteen suggestions posted through the intake
//! come out of `minyi export` masked.

use proptest::prelude::*;
use rocket::http::Status;
use serde_json::json;

use crate::common::*;
use minyi::privacy::mask;

#[test]
fn the_corpus_is_masked_as_the_rules_say() {
    let text = std::fs::read_to_string(format!("{FIXTURES}/privacy/corpus.tsv")).unwrap();
    let mut wrong = Vec::new();
    let (mut with, mut without) = (0, 0);
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (input, want) = line.split_once('\t').unwrap();
        if input == want {
            without += 1;
        } else {
            with += 1;
        }
        let got = mask(input).0;
        if got != want {
            wrong.push(format!("{input}\n   want {want}\n   got  {got}"));
        }
    }
    assert!(with >= 300 && without >= 70, "{with} / {without}");
    assert!(
        wrong.is_empty(),
        "{} of {} sentences:\n{}",
        wrong.len(),
        with + without,
        wrong.join("\n")
    );
}

/// A mobile number's digits as people write them.
fn written(digits: &str, style: u8) -> String {
    let fw = |c: char| char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap();
    let cn = |c: char| {
        "零一二三四五六七八九"
            .chars()
            .nth(c as usize - '0' as usize)
            .unwrap()
    };
    let (a, b, c) = (&digits[..3], &digits[3..7], &digits[7..]);
    match style % 7 {
        0 => digits.to_string(),
        1 => format!("{a} {b} {c}"),
        2 => format!("{a}-{b}-{c}"),
        3 => format!("{a}.{b}.{c}"),
        4 => digits.chars().map(fw).collect(),
        5 => digits.chars().map(cn).collect(),
        _ => format!("{a}－{b}－{c}")
            .chars()
            .map(|x| if x.is_ascii_digit() { fw(x) } else { x })
            .collect(),
    }
}

proptest! {
    /// However a mobile number is written, no more than its first three and last four
    /// digits survive, the text keeps its length, and masking again changes nothing.
    #[test]
    fn mobiles_written_any_way_are_masked(
        second in 3u8..=9,
        rest in "[0-9]{9}",
        style in 0u8..7,
        before in "[^0-9０-９零一二三四五六七八九〇幺]{0,6}",
        after in "[，。 ]{0,1}[^0-9０-９零一二三四五六七八九〇幺]{0,6}",
    ) {
        let digits = format!("1{second}{rest}");
        let typed = written(&digits, style);
        let text = format!("{before}{typed}{after}");
        let (out, kinds) = mask(&text);
        prop_assert_eq!(out.chars().count(), text.chars().count());
        prop_assert!(kinds.contains(&minyi::privacy::Kind::Mobile), "{text} → {out}");
        prop_assert_eq!(out.matches('*').count() >= 4, true, "{} → {}", text, out);
        prop_assert_eq!(mask(&out).0, out.clone());
    }

    /// A WeChat ID or QQ number after its cue, with any of the pauses people leave.
    #[test]
    fn accounts_after_their_cue_are_masked(
        cue in prop::sample::select(vec!["微信", "微信号", "vx", "WX", "QQ", "扣扣", "ＱＱ"]),
        pause in prop::sample::select(vec!["", " ", "：", ":", "是", "号："]),
        id in "[a-z][a-z0-9_]{5,12}",
        qq in "[1-9][0-9]{5,9}",
    ) {
        // A Latin cue run straight into a Latin ID is unreadable to people too.
        prop_assume!(!(pause.is_empty() && cue.is_ascii()));
        let is_qq = cue.to_uppercase().contains("QQ") || cue.contains('Ｑ') || cue == "扣扣";
        let account = if is_qq { qq.clone() } else { id.clone() };
        let text = format!("加我{cue}{pause}{account}，谢谢");
        let out = mask(&text).0;
        prop_assert!(!out.contains(&account), "{} → {}", text, out);
    }

    /// A household's building, unit and flat, in words or digits: no number of them
    /// survives; without the flat (a stairwell) all stay.
    #[test]
    fn a_household_address_is_masked(
        building in 1u32..40,
        unit in 1u32..8,
        floor in 1u32..30,
        flat in 1u32..5,
        word in prop::sample::select(vec!["栋", "号楼", "幢"]),
        room in prop::sample::select(vec!["", "室"]),
    ) {
        let flat_no = format!("{floor}{flat:02}");
        let text = format!("我住幸福里{building}{word}{unit}单元{flat_no}{room}，楼道灯坏了");
        let out = mask(&text).0;
        prop_assert!(!out.contains(&flat_no) && !out.contains(&format!("{building}{word}")), "{} → {}", text, out);
        let stairwell = format!("幸福里{building}{word}{unit}单元的楼道灯坏了");
        prop_assert_eq!(mask(&stairwell).0, stairwell);
    }
}

/// The fourteen suggestions the issue posted through the intake, read back from the
/// export: every one masked, with the thank-you the form's resident sees.
#[test]
fn suggestions_through_the_intake_come_out_masked() {
    let app = TestApp::new();
    let typed = [
        ("电话 138 1234 5678 请回电", "1234"),
        ("联系138-1234-5678", "1234"),
        ("+86 13812345678", "1234"),
        ("身份证11010519491231002X", "19491231"),
        ("邮箱 zhang.san@163.com", "zhang.san"),
        ("座机010-12345678", "123456"),
        ("手机１３８１２３４５６７８", "１２３４"),
        ("老身份证110105491231002", "491231"),
        ("QQ 123456789", "34567"),
        ("微信号 zhangsan_1988 加我", "zhangsan"),
        ("我叫张三，住幸福里3栋2单元501", "张三"),
        ("电话一三八一二三四五六七八", "一二三四"),
        ("车牌京A·12345停在楼下", "12345"),
        ("本人李明，有事找我", "李明"),
    ];
    for (i, (text, _)) in typed.iter().enumerate() {
        let (values, overall) = (
            ["1", "2", "3", "4"][i % 4],
            ["1", "2", "3", "4", "5"][i % 5],
        );
        let body = json!({
            "district": "XC", "submission_key": format!("p{i}"),
            "answers": {
                "age_band": "a40", "residence": "gt3y", "district": "XC", "aware_campaign": "1",
                "aware_values": values, "quiz_values": "b", "support": "1",
                "participated": "3", "sat_sanitation": "4", "sat_shops": "3", "sat_culture": "dk",
                "sat_security": "5", "sat_ecology": "4", "sat_traffic": "2", "sat_windows": "4",
                "sat_minors": "5", "civic_behaviour": "4", "sat_overall": overall,
                "sex": "f", "suggestion": text
            }
        });
        let r = app.post_json("/api/surveys/civility-2026/responses", &body.to_string());
        assert_eq!(r.status(), Status::Created, "{text}");
    }
    let survey = minyi::definition::load_file(std::path::Path::new(&format!(
        "{SURVEYS}/civility-2026.toml"
    )))
    .unwrap();
    let mut out = Vec::new();
    minyi::export::write_csv(&survey, &app.rows("civility-2026"), &mut out).unwrap();
    let csv = String::from_utf8(out).unwrap();
    for (text, secret) in typed {
        assert!(
            !csv.contains(secret),
            "{text}: `{secret}` reached the export"
        );
    }
    // What was stored is the masked text: the raw one is nowhere.
    for r in app.rows("civility-2026") {
        for (text, secret) in typed {
            assert!(!r.answers.contains(secret), "{text} stored unmasked");
        }
    }
}

/// A stored answer from before a rule existed, as it was stored then.
fn stored_unmasked(app: &TestApp, text: &str) -> i64 {
    let like = app
        .rows("civility-2026")
        .into_iter()
        .next()
        .expect("a response to copy the places of");
    let mut answers: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&like.answers).unwrap();
    answers.insert("suggestion".into(), text.into());
    app.store
        .insert_response(
            minyi::storage::NewResponse {
                survey_id: like.survey_id,
                definition_version: like.definition_version,
                wave: like.wave,
                collection_district: like.collection_district,
                district: like.district,
                channel: like.channel,
                status: like.status,
                submitted_at: like.submitted_at,
                answers: serde_json::to_string(&answers).unwrap(),
                source_hash: like.source_hash,
                submission_key: format!("old-{text}"),
                quality_flags: String::new(),
                pattern_hash: like.pattern_hash,
                ..Default::default()
            },
            None,
            None,
            // As the index of a response stored under older rules is made: masked.
            minyi::collect::answer_index(
                &app.survey("civility-2026"),
                "complete",
                &serde_json::to_string(&answers).unwrap(),
            ),
        )
        .unwrap()
}

/// `minyi redact` masks answers stored under older rules: text only, recorded with who
/// ran it; a dry run changes nothing; the database still refuses every other update.
#[test]
fn redact_masks_stored_text_and_nothing_else() {
    let app = TestApp::new();
    let ok = json!({
        "district": "XC", "submission_key": "fresh",
        "answers": {
            "age_band": "a40", "residence": "gt3y", "district": "XC", "aware_campaign": "1",
            "aware_values": "2", "quiz_values": "b", "support": "1", "participated": "3",
            "sat_sanitation": "4", "sat_shops": "3", "sat_culture": "dk", "sat_security": "5",
            "sat_ecology": "4", "sat_traffic": "2", "sat_windows": "4", "sat_minors": "5",
            "civic_behaviour": "4", "sat_overall": "4", "sex": "f", "suggestion": "路灯太暗"
        }
    });
    assert_eq!(
        app.post_json("/api/surveys/civility-2026/responses", &ok.to_string())
            .status(),
        Status::Created
    );
    let old = stored_unmasked(&app, "手机１３８１２３４５６７８，我叫张三");
    let untouched = app.rows("civility-2026")[0].clone();
    let survey = minyi::definition::load_file(std::path::Path::new(&format!(
        "{SURVEYS}/civility-2026.toml"
    )))
    .unwrap();
    let dry = minyi::collect::redact(&app.store, &survey, "boss", true).unwrap();
    assert_eq!((dry.responses, dry.changed, dry.answers), (2, 1, 1));
    assert_eq!(dry.kinds.get("mobile"), Some(&1));
    assert_eq!(dry.kinds.get("name"), Some(&1));
    let row = |id: i64| {
        app.rows("civility-2026")
            .into_iter()
            .find(|r| r.id == id)
            .unwrap()
    };
    assert!(
        row(old).answers.contains("１２３４"),
        "a dry run changes nothing"
    );

    let done = minyi::collect::redact(&app.store, &survey, "boss", false).unwrap();
    assert_eq!(done.changed, 1);
    let after = row(old);
    assert!(
        after.answers.contains("手机１３８****５６７８，我叫**"),
        "{}",
        after.answers
    );
    assert_eq!(
        (
            after.district.as_str(),
            after.submitted_at,
            after.quality_flags.as_str()
        ),
        ("XC", row(old).submitted_at, "")
    );
    let other = row(untouched.id);
    assert_eq!(other.answers, untouched.answers);
    let audit = app.store.audit_log(10).unwrap();
    assert!(
        audit.iter().any(|a| a.action == "redact"
            && a.actor == "boss"
            && a.detail.contains("1 of 2 responses")),
        "{audit:?}"
    );
    // Again: nothing left to mask.
    assert_eq!(
        minyi::collect::redact(&app.store, &survey, "boss", false)
            .unwrap()
            .changed,
        0
    );

    // The database itself: answers may become a recorded redaction, nothing else may change.
    let recorded = after.answers.replace('\'', "''");
    for sql in [
        format!("UPDATE responses SET answers = '{{}}' WHERE id = {old}"),
        format!("UPDATE responses SET district = 'JY', answers = '{recorded}' WHERE id = {old}"),
        format!("UPDATE responses SET quality_flags = 'x' WHERE id = {old}"),
        format!("DELETE FROM responses WHERE id = {old}"),
        format!("UPDATE redactions SET answers = '{{}}' WHERE response_id = {old}"),
    ] {
        let err = app.raw_sql(&sql).unwrap_err();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(
        app.raw_sql(&format!(
            "UPDATE responses SET answers = '{recorded}' WHERE id = {old}"
        )),
        Ok(1)
    );
    assert_eq!(row(old).answers, after.answers);
}

/// `minyi redact` names who runs it: an enabled admin account, or nothing happens.
#[test]
fn redact_needs_an_admin_by_name() {
    let app = TestApp::new();
    let _viewer = app.signed_in("looker", "viewer", None);
    for by in ["nobody", "looker"] {
        let out = crate::process::minyi(
            app.dir.path(),
            &app.url,
            &["redact", "--survey", "civility-2026", "--by", by],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains("name the enabled admin account running this"),
            "{by}: {err}"
        );
    }
    let _admin = app.signed_in("boss", "admin", None);
    let out = crate::process::minyi(
        app.dir.path(),
        &app.url,
        &[
            "redact",
            "--survey",
            "civility-2026",
            "--by",
            "boss",
            "--dry-run",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("would mask 0 of 0 stored responses"));
}

/// A resident whose comment held personal data is told it was masked; one whose
/// comment held none is not.
#[test]
fn the_thank_you_page_says_what_was_masked() {
    let app = TestApp::new();
    for (suggestion, masked) in [
        ("%E6%89%8B%E6%9C%BA13812345678", true),
        ("%E5%A5%BD", false),
    ] {
        let (_, hidden) = app.form("/s/civility-2026/XC");
        let body = CIVILITY_OK.replace("suggestion=", &format!("suggestion={suggestion}"));
        let c = app.second_browser();
        let r = c
            .post("/s/civility-2026/XC")
            .header(rocket::http::ContentType::Form)
            .body(format!("{hidden}&{body}"))
            .dispatch();
        assert_eq!(r.status(), Status::SeeOther);
        let to = r.headers().get_one("Location").unwrap().to_string();
        assert_eq!(to.contains("masked=1"), masked, "{to}");
        let page = c.get(to).dispatch().into_string().unwrap();
        assert_eq!(page.contains("已在保存前自动遮盖"), masked);
    }
}
