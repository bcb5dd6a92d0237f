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
    let read = move |p: &Path| -> std::io::Result<Vec<u8>> {
        match p.file_name().and_then(|n| n.to_str()) {
            Some("mini.places.csv") => Ok(places.clone().into_bytes()),
            Some("mini.census.csv") => Ok(census.clone().into_bytes()),
            Some("mini.geojson") => boundaries
                .clone()
                .map(String::into_bytes)
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

fn demo_app() -> (TestApp, minyi::definition::Survey) {
    let app = TestApp::new();
    let s = app.survey("civility-2026");
    minyi::demo::run(&app.store, &s, 1500, 5).unwrap();
    (app, s)
}

fn figures(
    app: &TestApp,
    s: &minyi::definition::Survey,
) -> std::sync::Arc<minyi::dashboard::Figures> {
    let cache = minyi::dashboard::Cache::default();
    let loaded = cache.load(&app.store, s).unwrap();
    cache
        .figures(s, &loaded, &Default::default(), minyi::definition::Lang::Zh)
        .unwrap()
}

/// The polygon fills of an SVG, in drawing order.
fn polygon_fills(svg: &str) -> Vec<String> {
    svg.split("<polygon")
        .skip(1)
        .filter_map(|p| {
            let i = p.find("fill=\"")? + 6;
            Some(p[i..i + 7].to_ascii_uppercase())
        })
        .collect()
}

fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02X}{g:02X}{b:02X}")
}

/// A district's community map draws one polygon per community outline, filled with
/// the colour its rate against the target implies (grey for too few, pale for none).
#[test]
fn the_community_map_colours_each_place_by_its_rate() {
    let (app, s) = demo_app();
    let fig = figures(&app, &s);
    let l = minyi::definition::Lang::Zh;
    let minyi::dashboard::ChartFile::Svg(svg) = minyi::dashboard::chart(
        &s,
        &fig,
        minyi::dashboard::Scope::District("XC"),
        "map_sat_overall.svg",
        l,
    )
    .unwrap() else {
        panic!("an SVG")
    };
    let d = s.district("XC").unwrap();
    let b = s.boundaries.as_ref().unwrap();
    let want: Vec<String> = d
        .communities
        .iter()
        .filter(|c| b.get(&c.code).is_some())
        .flat_map(|c| {
            let cell = fig
                .of_domain(&s, "community")
                .find(|e| {
                    e.group == format!("XC/{}", c.code)
                        && e.indicator == "sat_overall"
                        && minyi::stats::is_rate(e)
                })
                .map(|e| {
                    // The model's estimate and state (the example survey has a model).
                    let m = e.model.as_ref().expect("a model estimate");
                    minyi::charts::HeatCell {
                        estimate: m.estimate,
                        status: m.target_status.map(|t| t.state),
                        flag: minyi::stats::Flag::Ok,
                    }
                });
            let fill = hex(minyi::charts::MapChart::fill(cell.as_ref()));
            std::iter::repeat_n(fill, b.get(&c.code).unwrap().len())
        })
        .collect();
    assert!(want.len() >= 10, "XC's communities have outlines");
    let got = polygon_fills(&svg);
    assert_eq!(
        got[..want.len()],
        want[..],
        "one polygon per outline, in order"
    );
    assert_eq!(got.len(), want.len(), "no other polygons");
    // With 3,000 demo responses most communities are too small for a direct figure; the
    // model gives each one, so no community is grey.
    let grey = hex(minyi::charts::map::TOO_FEW);
    assert!(want.iter().all(|f| *f != grey));
    assert!(
        svg.contains("模型估计"),
        "the map says it shows model estimates"
    );
    // The city map: one polygon per district.
    let minyi::dashboard::ChartFile::Svg(city) = minyi::dashboard::chart(
        &s,
        &fig,
        minyi::dashboard::Scope::City,
        "map_sat_overall.svg",
        l,
    )
    .unwrap() else {
        panic!("an SVG")
    };
    assert_eq!(polygon_fills(&city).len(), s.districts.len());
}

/// The drill-down adds up: a street's counts are its communities', a community's page
/// lists its grids, the weak spots are the communities the estimates put below target.
#[test]
fn a_district_drills_down_to_its_grids_and_its_weak_spots() {
    let (app, s) = demo_app();
    let fig = figures(&app, &s);
    let l = minyi::definition::Lang::Zh;
    use minyi::dashboard::places;
    let streets = places::streets(&s, &fig, "XC", l);
    assert_eq!(streets.len(), s.district("XC").unwrap().streets.len());
    let communities = places::communities(&s, &fig, "XC", None, l);
    for st in &streets {
        let mine = places::communities(&s, &fig, "XC", Some(&st.code), l);
        assert!(!mine.is_empty());
        assert_eq!(
            st.total,
            mine.iter().map(|r| r.total).sum::<usize>(),
            "{}",
            st.name
        );
        assert_eq!(
            st.planned,
            Some(mine.iter().filter_map(|r| r.planned).sum())
        );
    }
    // Counts are residents of the community (complete rows of wave 2, the household
    // sample's interviews apart), and the row for "not recorded" holds the rest of the
    // district.
    let rows = app.rows("civility-2026");
    let lives = |c: Option<&str>| {
        rows.iter()
            .filter(|r| r.status == "complete" && r.wave == 2 && r.district == "XC")
            .filter(|r| r.household_id.is_none())
            .filter(|r| r.residence_community.as_deref() == c)
            .count()
    };
    for c in &communities {
        let code = (!c.code.is_empty()).then_some(c.code.as_str());
        assert_eq!(c.total, lives(code), "{}", c.name);
    }
    let district_total = fig
        .counts
        .iter()
        .find(|c| c.district == "XC")
        .unwrap()
        .total;
    assert_eq!(
        communities.iter().map(|r| r.total).sum::<usize>(),
        district_total
    );
    // 幸福里 has grids; their responses are part of the community's.
    let grids = places::grids(&s, &fig, "XC", "xinhua-xfl", l);
    assert_eq!(grids.len(), 3);
    let xfl = communities.iter().find(|c| c.code == "xinhua-xfl").unwrap();
    assert!(grids.iter().map(|g| g.total).sum::<usize>() <= xfl.total);
    // Weak spots: exactly the community rates whose model state is below target.
    let w = places::weak_spots(&s, &fig, Some("XC"), l);
    let below = |state| {
        fig.of_domain(&s, "community")
            .filter(|e| e.group.starts_with("XC/") && minyi::stats::is_rate(e))
            .filter(|e| {
                e.model
                    .as_ref()
                    .and_then(|m| m.target_status)
                    .is_some_and(|t| t.state == state)
            })
            .count()
    };
    assert_eq!(
        w.significant.len(),
        below(minyi::stats::TargetState::SignificantlyBelow)
    );
    assert_eq!(w.below.len(), below(minyi::stats::TargetState::Below));
    assert!(!w.significant.is_empty(), "the demo has weak communities");
    assert!(w
        .significant
        .iter()
        .all(|x| x.ci_high.unwrap() < x.target && x.model));
    assert_eq!(w.too_small, 0, "the model judges every community");
    // The same list as a file for the ledger.
    let f = places::weak_spots_file(
        &s,
        &fig,
        minyi::dashboard::Scope::District("XC"),
        minyi::dashboard::FileKind::Csv,
        l,
    )
    .unwrap();
    let minyi::dashboard::Body::Bytes(csv) = f.body else {
        panic!("bytes")
    };
    let text = String::from_utf8(csv).unwrap();
    assert_eq!(
        text.lines().count(),
        1 + w.significant.len() + w.below.len()
    );
    assert!(text.starts_with("优先级,区,街道,社区代码,社区,指标"));
}
