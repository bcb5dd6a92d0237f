//! The household probability sample's estimates, the same for the dashboard, the pack
//! and the command line: its rows weighted by their design weights (`design_weight`)
//! and clustered by their drawn communities (`psu`), within the district strata, and
//! calibrated to the census like the convenience sample where the census allows.

use crate::definition::Survey;
use crate::stats::{self, Census, Dataset, Options, Report, StatsError, Weighting};

/// The options that make a design of the household sample's rows (minyi's own
/// columns, whatever the definition says of the convenience sample's clusters).
pub fn household_options(options: &Options) -> Options {
    Options {
        design_weight: Some("design_weight".into()),
        cluster: Some("psu".into()),
        ..options.clone()
    }
}

/// The city and district estimates of a wave of the household sample (`data`: its
/// counted interviews), in `options`' weighting; when the census cannot be matched
/// (a small sample leaves cells empty), with the design weights alone, and the
/// error that said why.
pub fn household_report(
    survey: &Survey,
    data: &Dataset,
    census: Option<&Census>,
    options: &Options,
) -> Result<(Report, Option<StatsError>), StatsError> {
    let opts = Options {
        by: vec!["district".into()],
        ..household_options(options)
    };
    match stats::analyse(survey, data, census, &opts) {
        Ok(r) => Ok((r, None)),
        Err(e) if opts.weighting != Weighting::Base && opts.weighting != Weighting::None => {
            let base = Options {
                weighting: Weighting::Base,
                ..opts
            };
            Ok((stats::analyse(survey, data, census, &base)?, Some(e)))
        }
        Err(e) => Err(e),
    }
}

/// The rows of the household sample in a dataset that holds both samples (the
/// `sample` column of minyi's export); `None` when it has none.
pub fn household_rows(data: &Dataset) -> Option<Dataset> {
    let col = data.extra.get("sample")?;
    let keep: Vec<bool> = col
        .iter()
        .map(|v| v == crate::export::HOUSEHOLD_SAMPLE)
        .collect();
    keep.iter().any(|k| *k).then(|| data.filter(&keep))
}

/// The rows of the convenience sample (all rows of data without a `sample` column).
pub fn convenience_rows(data: &Dataset) -> Dataset {
    match data.extra.get("sample") {
        None => data.clone(),
        Some(col) => data.filter(
            &col.iter()
                .map(|v| v != crate::export::HOUSEHOLD_SAMPLE)
                .collect::<Vec<_>>(),
        ),
    }
}

/// The convenience sample's rates minus the household sample's, for every rate both
/// publish (city and districts; `a` and `b` name the area): a figure too small to
/// publish has no difference either, and means, indexes, "don't know" shares and
/// options' reach are left to the tables of each sample.
pub fn rate_gap(household: &Report, convenience: &Report) -> Vec<crate::stats::Difference> {
    let rates = |r: &Report| -> Vec<crate::stats::Estimate> {
        r.estimates
            .iter()
            .filter(|e| stats::is_rate(e) && e.flag != stats::Flag::Suppress)
            .cloned()
            .collect()
    };
    stats::sample_gap(&rates(household), &rates(convenience), household.level)
}

/// The gap between the samples as a table (the workbook, `table_gap.csv`, the HTML
/// report and the briefing): per indicator and area, the convenience sample's rate,
/// the household sample's, their difference with its interval, and whether it is
/// significant.
pub fn gap_table(
    s: &Survey,
    gap: &[crate::stats::Difference],
    l: crate::definition::Lang,
) -> (Vec<String>, Vec<Vec<super::tables::Cell>>) {
    use super::tables::Cell;
    let header = [
        ("指标", "indicator"),
        ("范围", "area"),
        ("扫码样本", "convenience sample"),
        ("入户样本", "household sample"),
        ("差值（扫码−入户）", "difference (convenience − household)"),
        ("下限", "low"),
        ("上限", "high"),
        ("p值", "p"),
        ("判断", "verdict"),
    ]
    .iter()
    .map(|(z, e)| l.pick(z, e).to_string())
    .collect();
    let rows = gap
        .iter()
        .map(|d| {
            let significant = d.ci_low > 0.0 || d.ci_high < 0.0;
            vec![
                Cell::Text(
                    s.question(&d.indicator)
                        .map_or(d.indicator.clone(), |q| q.label(l).to_string()),
                ),
                Cell::Text(crate::labels::district_name(s, &d.a, l)),
                Cell::Pct(d.estimate_b),
                Cell::Pct(d.estimate_a),
                Cell::Pct(d.difference),
                Cell::Pct(d.ci_low),
                Cell::Pct(d.ci_high),
                Cell::Num(d.p_value),
                Cell::Text(
                    match (significant, d.difference > 0.0) {
                        (true, true) => {
                            l.pick("扫码样本显著偏高", "convenience significantly higher")
                        }
                        (true, false) => {
                            l.pick("扫码样本显著偏低", "convenience significantly lower")
                        }
                        _ => l.pick("差异不显著", "not significant"),
                    }
                    .to_string(),
                ),
            ]
        })
        .collect();
    (header, rows)
}
