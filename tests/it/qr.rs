use rocket::http::{ContentType, Status};

use crate::common::*;
use minyi::definition::Lang;

fn decode(png: &[u8]) -> String {
    let img = image::load_from_memory(png).unwrap().to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "exactly one QR code in the image");
    grids[0].decode().unwrap().1
}

#[test]
fn png_decodes_to_the_place_link() {
    let s = minyi::definition::load_file(std::path::Path::new(&format!(
        "{SURVEYS}/civility-2026.toml"
    )))
    .unwrap();
    let places = minyi::qr::places(&s, "https://minyi.example.gov.cn/", Lang::Zh);
    assert_eq!(
        places.len(),
        6 + 48 + 10 + 3,
        "one per district, community, grid and other poster point"
    );
    let grid = places
        .iter()
        .find(|p| p.community.as_deref() == Some("xfl-g2"))
        .unwrap();
    assert_eq!(
        grid.url,
        "https://minyi.example.gov.cn/s/civility-2026/XC/xfl-g2"
    );
    assert_eq!(grid.label, "新城区 · 新华街道 · 幸福里社区 · 幸福里第2网格");
    let district = &places[0];
    assert_eq!(
        decode(&minyi::qr::png(district).unwrap()),
        "https://minyi.example.gov.cn/s/civility-2026/XC"
    );
    let community = places
        .iter()
        .find(|p| p.community.as_deref() == Some("xinhua-xfl"))
        .unwrap();
    assert_eq!(
        decode(&minyi::qr::png(community).unwrap()),
        "https://minyi.example.gov.cn/s/civility-2026/XC/xinhua-xfl"
    );
    assert_eq!(community.label, "新城区 · 新华街道 · 幸福里社区");
}

#[test]
fn png_prints_the_place_name_in_ink() {
    let s = minyi::definition::load_file(std::path::Path::new(&format!("{FIXTURES}/mini.toml")))
        .unwrap();
    let p = &minyi::qr::places(&s, "http://x", Lang::Zh)[0];
    let img = image::load_from_memory(&minyi::qr::png(p).unwrap())
        .unwrap()
        .to_luma8();
    // The band under the code holds the label: Chinese glyphs leave dark pixels there.
    let code_side = img.width();
    let dark = (code_side..img.height())
        .flat_map(|y| (0..img.width()).map(move |x| (x, y)))
        .filter(|&(x, y)| img.get_pixel(x, y).0[0] < 100)
        .count();
    assert!(dark > 150, "label band has {dark} dark pixels");
}

#[test]
fn svg_has_the_label() {
    let s = minyi::definition::load_file(std::path::Path::new(&format!("{FIXTURES}/mini.toml")))
        .unwrap();
    let p = &minyi::qr::places(&s, "http://x", Lang::En)[1];
    let svg = minyi::qr::svg(p).unwrap();
    assert!(svg.starts_with("<svg"));
    assert!(svg.contains(">North · First Street · Community One</text>"));
}

#[test]
fn server_serves_codes() {
    let app = TestApp::new();
    // Codes are for the office's posters: behind a session.
    assert_eq!(app.get("/qr/mini/N_n1.png").status(), Status::SeeOther);
    let office = app.signed_in("poster-maker", "viewer", None);
    let r = office.get("/qr/mini/N_n1.png").dispatch();
    assert_eq!(r.status(), Status::Ok);
    assert_eq!(r.content_type(), Some(ContentType::PNG));
    assert_eq!(
        decode(&r.into_bytes().unwrap()),
        "http://minyi.test/s/mini/N/n1"
    );
    let r = office.get("/qr/mini/S.svg").dispatch();
    assert_eq!(r.content_type(), Some(ContentType::SVG));
    assert!(r.into_string().unwrap().contains("南区"));
    assert_eq!(
        office.get("/qr/mini/S.gif").dispatch().status(),
        Status::NotFound
    );
    assert_eq!(
        office.get("/qr/mini/Z.png").dispatch().status(),
        Status::NotFound
    );
}

#[test]
fn cli_writes_every_code() {
    let dir = tempfile::tempdir().unwrap();
    let surveys = surveys_dir(dir.path(), &[&format!("{FIXTURES}/mini.toml")]);
    let out = dir.path().join("codes");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_minyi"))
        .args([
            "qr",
            "--survey",
            "mini",
            "--base-url",
            "https://poll.example.cn",
            "--out",
        ])
        .arg(&out)
        .env("ROCKET_SURVEYS_DIR", &surveys)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in ["N.svg", "N.png", "N_n1.svg", "N_n1.png", "S.svg", "S.png"] {
        assert!(out.join(f).exists(), "{f}");
    }
    assert_eq!(
        decode(&std::fs::read(out.join("N_n1.png")).unwrap()),
        "https://poll.example.cn/s/mini/N/n1"
    );
}
