//! Dashboard charts as SVG: the city's and a district's (behind the same access rule
//! as the page they sit on), rendered on the blocking pool.

use rocket::http::ContentType;
use rocket::{get, State};

use super::access::{self, View};
use crate::dashboard::{self, ChartFile, Scope};
use crate::web::error::WebError;
use crate::web::session::Session;
use crate::web::state::App;

/// City charts: `rate_{question}.svg`, `map_{question}.svg` (districts), `heat.svg`,
/// `progress.svg`, `likert.svg`; `.png` for the 2× image.
#[get("/office/<id>/chart/<name>?<v..>")]
pub async fn city_chart(
    app: &State<App>,
    session: Session,
    id: &str,
    name: &str,
    v: View<'_>,
) -> Result<(ContentType, Vec<u8>), WebError> {
    let s = access::scoped(app, &session, id, None)?;
    chart(app, s, None, name, &v).await
}

/// District charts: `rate_{question}.svg` across the district's collection points,
/// `map_{question}.svg` of its communities (where residents live); `.png` too.
#[get("/office/<id>/d/<district>/chart/<name>?<v..>")]
pub async fn district_chart(
    app: &State<App>,
    session: Session,
    id: &str,
    district: &str,
    name: &str,
    v: View<'_>,
) -> Result<(ContentType, Vec<u8>), WebError> {
    let s = access::scoped(app, &session, id, Some(district))?;
    chart(app, s, Some(district), name, &v).await
}

/// A chart of a scope, drawn from the view's figures (charts ignore the collection
/// point filter: they compare the places themselves).
async fn chart(
    app: &App,
    s: std::sync::Arc<crate::definition::Survey>,
    district: Option<&str>,
    name: &str,
    v: &View<'_>,
) -> Result<(ContentType, Vec<u8>), WebError> {
    let all_points = View {
        community: None,
        ..v.clone()
    };
    let fig = access::figures(app, &s, &all_points).await?;
    let (name, d, l) = (name.to_string(), district.map(str::to_string), v.lang());
    let chart = app
        .blocking(move |_| dashboard::chart(&s, &fig, Scope::of(d.as_deref()), &name, l))
        .await?;
    Ok(typed(chart))
}

fn typed(c: ChartFile) -> (ContentType, Vec<u8>) {
    match c {
        ChartFile::Svg(s) => (ContentType::SVG, s.into_bytes()),
        ChartFile::Png(b) => (ContentType::PNG, b),
    }
}
