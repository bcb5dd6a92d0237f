//! The place hierarchy as data (区 → 街道 → 社区 → 网格, and poster points), its
//! validation with file and line, and where residents live against where they answer.

use rocket::http::Status;
use std::path::Path;

use crate::common::*;

/// A definition with a places file (and optional boundaries), checked in memory.
fn check(places: &str, boundaries: Option<&str>) -> Result<minyi::definition::Survey, String> {
    let mini = std::fs::read_to_string(format!("{FIXTURES}/mini.toml")).unwrap();
    let census = std::fs::read_to_string(format!("{FIXTURES}/mini.census.csv")).unwrap();
    let mut text = mini.replace(
        "[[district.community]]\ncode = \"n1\"\nstreet = { zh = \"一街道\", en = \"First Street\" }\nname = { zh = \"一社区\", en = \"Community One\" }\n",
        "",
    );
    text.push_str("\n[places]\nfile = \"mini.places.csv\"\n");
    if boundaries.is_some() {
        text.push_str("boundaries = \"mini.geojson\"\n");
    }
    let places = places.to_string();
    let boundaries = boundaries.map(str::to_string);
    let read = move |p: &Path| -> std::io::Result<String> {
        match p.file_name().and_then(|n| n.to_str()) {
            Some("mini.places.csv") => Ok(places.clone()),
            Some("mini.census.csv") => Ok(census.clone()),
            Some("mini.geojson") => boundaries
                .clone()
                .ok_or_else(|| std::io::Error::other("none")),
            _ => Err(std::io::Error::other("no such file")),
        }
    };
    minyi::definition::parse_str(Path::new("/defs/mini.toml"), &text, &read)
        .map_err(|e| e.to_string())
}

const GOOD: &str = "\
code,parent,level,name_zh,name_en,adults,poster
n-s1,N,street,北一街道,North First Street,,
n-c1,n-s1,community,北一社区,North One,600,public
n-c2,n-s1,community,北二社区,North Two,400,residential
n-c1-g1,n-c1,grid,北一第1网格,Grid 1,300,
s-c1,S,community,南一社区,South One,800,
plaza,n-c1,point,北区广场,North Plaza,,public
";

#[test]
fn a_places_file_builds_the_hierarchy() {
    let s = check(GOOD, None).unwrap();
    let n = s.district("N").unwrap();
    assert_eq!(n.streets.len(), 1);
    assert_eq!(n.communities.len(), 2);
    let c1 = n.community("n-c1").unwrap();
    assert_eq!(c1.street_code.as_deref(), Some("n-s1"));
    assert_eq!(c1.adults, Some(600));
    assert_eq!(c1.grids[0].code, "n-c1-g1");
    assert_eq!(
        c1.grids[0].poster,
        minyi::definition::Poster::Residential,
        "grids default to residential"
    );
    assert_eq!(
        n.community("n-c2").unwrap().poster,
        minyi::definition::Poster::Residential
    );
    // A community may sit directly under its district (no street level).
    assert!(s.district("S").unwrap().community("s-c1").is_some());
    assert_eq!(n.points[0].community.as_deref(), Some("n-c1"));
    assert!(s.point("N", Some("plaza")).is_some() && s.point("N", Some("n-c1-g1")).is_some());
}

#[test]
fn every_mistake_in_the_places_file_is_placed() {
    let bad = "\
code,parent,level,name_zh,name_en,adults,poster
n-s1,N,street,北一街道,,,
n-c1,n-s1,community,北一社区,,500,public
n-c1,n-s1,community,重复社区,,100,
n-g1,n-s1,grid,网格,,50,
n-c2,nowhere,community,无主社区,,100,
n-c3,n-c1,community,错层社区,,100,
n-c4,n-s1,community,海报社区,,100,lobby
s-c1,S,community,南一社区,,700,
";
    let err = check(bad, None).unwrap_err();
    for want in [
        "mini.places.csv:4:1: error: place code `n-c1` is used twice (also at line 3)",
        "mini.places.csv:5:2: error: grid `n-g1` has parent `n-s1`, a street; a grid lies in a community",
        "mini.places.csv:6:2: error: community `n-c2` has parent `nowhere`, which is no place",
        "mini.places.csv:7:2: error: community `n-c3` has parent `n-c1`, a community; a community lies in a street or district",
        "mini.places.csv:8:7: error: poster `lobby` of `n-c4` is not a kind of poster place",
        // Population: S has 800 adults but its community 700.
        "the communities of district `S` add up to 700 adults, but the district has 800 (short by 100, 12.5%)",
    ] {
        assert!(err.contains(want), "missing «{want}» in:\n{err}");
    }
}

#[test]
fn outlines_are_checked_against_the_places() {
    let geo = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"code":"N"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}},
{"type":"Feature","properties":{"code":"n-c1"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}},
{"type":"Feature","properties":{"code":"atlantis"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}"#;
    let s = check(GOOD, Some(geo)).unwrap();
    let b = s.boundaries.as_ref().unwrap();
    assert!(b.get("N").is_some() && b.get("n-c1").is_some() && b.get("atlantis").is_none());
    let warnings: Vec<String> = s.warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("mini.geojson:4:1")
                && w.contains("feature `atlantis` matches no place")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("have no outline") && w.contains("S") && w.contains("n-c2")),
        "{warnings:?}"
    );
}

/// The example city: its places add up and `minyi check` says what it has.
#[test]
fn the_example_city_checks_out() {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_minyi"))
        .args(["check", &format!("{SURVEYS}/civility-2026.toml")])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        out.contains("13 streets, 48 communities, 10 grids, 3 other poster points"),
        "{out}"
    );
    assert!(
        out.contains("map outlines") && !out.contains("warning"),
        "{out}"
    );
}

fn stored(app: &TestApp) -> minyi::storage::StoredResponse {
    app.rows("civility-2026").pop().unwrap()
}

/// A resident of one community answering at another community's poster is stored as
/// both: the collection point, and where they live.
#[test]
fn residence_and_collection_point_are_kept_apart() {
    let app = TestApp::new();
    // At the public poster of 幸福里 (XC), a resident of 东门 (XC) answers.
    let body = format!("{CIVILITY_OK}&community=chengguan-dm");
    assert_eq!(
        app.submit_as_new_browser("/s/civility-2026/XC/xinhua-xfl", &body),
        Status::SeeOther
    );
    let r = stored(&app);
    assert_eq!(r.collection_community.as_deref(), Some("xinhua-xfl"));
    assert_eq!(r.residence_community.as_deref(), Some("chengguan-dm"));
    assert_eq!(r.residence_grid, None);
    // At a residential grid poster, one tap: the grid's community, and the grid.
    let body = format!("{CIVILITY_OK}&community.here=1");
    assert_eq!(
        app.submit_as_new_browser("/s/civility-2026/XC/xfl-g2", &body),
        Status::SeeOther
    );
    let r = stored(&app);
    assert_eq!(r.collection_community.as_deref(), Some("xfl-g2"));
    assert_eq!(r.residence_community.as_deref(), Some("xinhua-xfl"));
    assert_eq!(r.residence_grid.as_deref(), Some("xfl-g2"));
    // …unless they say they live elsewhere: no grid then.
    let body = format!("{CIVILITY_OK}&community.here=0&community=xinhua-hpl");
    assert_eq!(
        app.submit_as_new_browser("/s/civility-2026/XC/xfl-g2", &body),
        Status::SeeOther
    );
    let r = stored(&app);
    assert_eq!(r.residence_community.as_deref(), Some("xinhua-hpl"));
    assert_eq!(r.residence_grid, None);
    // At a public point (a square), the answer decides; the point is the collection point.
    let body = format!("{CIVILITY_OK}&community=wenhua-sy");
    assert_eq!(
        app.submit_as_new_browser("/s/civility-2026/XC/renmin-square", &body),
        Status::SeeOther
    );
    let r = stored(&app);
    assert_eq!(r.collection_community.as_deref(), Some("renmin-square"));
    assert_eq!(r.residence_community.as_deref(), Some("wenhua-sy"));
    // A community outside the district the resident chose is refused, explained.
    let body = format!("{CIVILITY_OK}&community=hubin-hb");
    let b = app.second_browser();
    let html = b
        .get("/s/civility-2026/XC")
        .dispatch()
        .into_string()
        .unwrap();
    let hidden = ["m.key", "m.t", "m.lang", "m.ch"]
        .iter()
        .map(|n| format!("{n}={}", hidden_value(&html, n)))
        .collect::<Vec<_>>()
        .join("&");
    let r = b
        .post("/s/civility-2026/XC")
        .header(rocket::http::ContentType::Form)
        .body(format!("{hidden}&{body}"))
        .dispatch();
    assert_eq!(r.status(), Status::UnprocessableEntity);
    assert!(r
        .into_string()
        .unwrap()
        .contains("湖滨社区属于东湖区，不在您选择的新城区"));
    // Older responses (and those who skip the question) stay valid: not recorded.
    assert_eq!(
        app.submit_as_new_browser("/s/civility-2026/XC", CIVILITY_OK),
        Status::SeeOther
    );
    assert_eq!(stored(&app).residence_community, None);
}

/// The form shows the one tap at a residential poster, and the grouped select.
#[test]
fn the_form_asks_where_the_resident_lives() {
    let app = TestApp::new();
    let html = app.get("/s/civility-2026/XC/xfl-g1").into_string().unwrap();
    assert!(
        html.contains("我住在这里：幸福里社区 · 幸福里第1网格"),
        "one tap at a residential poster"
    );
    assert!(
        html.contains("<optgroup label=\"新城区 · 新华街道\">"),
        "grouped by street"
    );
    assert!(
        html.contains("value=\"keji-yg\""),
        "every community of the city is offered"
    );
    let public = app
        .get("/s/civility-2026/XC/xinhua-xfl")
        .into_string()
        .unwrap();
    assert!(
        !public.contains("我住在这里"),
        "a public poster asks instead"
    );
    assert!(public.contains("调查点：新城区 · 幸福里社区"));
}
