//! `minyi sae`: the Fay–Herriot estimator on an area table, so the office can also model
//! direct estimates made elsewhere.

use anyhow::{bail, Context, Result};
use std::io::Write;
use std::path::PathBuf;

use minyi::stats::sae::{self, Area, FhControl, FhMethod};

#[derive(clap::Args)]
pub struct SaeArgs {
    /// The area table (CSV, one row per area, a header row).
    #[arg(long)]
    areas: PathBuf,
    /// The column naming each area (default: the first column).
    #[arg(long)]
    area: Option<String>,
    /// The column of direct estimates (empty: the area has no respondents and gets the
    /// synthetic estimate).
    #[arg(long)]
    direct: String,
    /// The column of the direct estimates' sampling variances.
    #[arg(long)]
    vardir: String,
    /// Covariate columns, comma-separated, known for every area (an intercept is added).
    #[arg(long, value_delimiter = ',')]
    covariates: Vec<String>,
    /// How the random-effect variance is estimated: reml, ml or fh (moments).
    #[arg(long, default_value = "reml", value_parser = ["reml", "ml", "fh"])]
    method: String,
    /// Stop when the relative change of the variance is below this (R sae's PRECISION).
    #[arg(long, default_value_t = 1e-4)]
    precision: f64,
    /// At most this many Fisher-scoring steps (R sae's MAXITER).
    #[arg(long, default_value_t = 100)]
    max_iterations: usize,
    #[arg(long, default_value = "table", value_parser = ["json", "csv", "table"])]
    format: String,
}

pub fn sae(a: SaeArgs) -> Result<()> {
    let file = a.areas.display().to_string();
    let mut rdr = csv::Reader::from_path(&a.areas).with_context(|| format!("opening {file}"))?;
    let header: Vec<String> = rdr
        .headers()
        .with_context(|| format!("{file}: reading the header"))?
        .iter()
        .map(str::to_string)
        .collect();
    let col = |name: &str| -> Result<usize> {
        header.iter().position(|h| h == name).with_context(|| {
            format!(
                "{file}: no column `{name}`; the columns are {}",
                header.join(", ")
            )
        })
    };
    let area_col = match &a.area {
        Some(n) => col(n)?,
        None => 0,
    };
    let (d_col, v_col) = (col(&a.direct)?, col(&a.vardir)?);
    let x_cols: Vec<usize> = a.covariates.iter().map(|c| col(c)).collect::<Result<_>>()?;
    let mut areas = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = rec.with_context(|| format!("{file}:{line}: unreadable row"))?;
        let num = |c: usize, what: &str| -> Result<Option<f64>> {
            let v = rec.get(c).unwrap_or("").trim();
            if v.is_empty() || v.eq_ignore_ascii_case("na") {
                return Ok(None);
            }
            v.parse::<f64>()
                .map(Some)
                .with_context(|| format!("{file}:{line}: `{v}` in column `{what}` is not a number"))
        };
        let direct = num(d_col, &a.direct)?;
        let psi = num(v_col, &a.vardir)?;
        if direct.is_some() != psi.is_some() {
            bail!(
                "{file}:{line}: `{}` and `{}` must both be given (an area with respondents) or both be empty (an area without)",
                a.direct,
                a.vardir
            );
        }
        let mut x = Vec::new();
        for (k, &c) in x_cols.iter().enumerate() {
            match num(c, &a.covariates[k])? {
                Some(v) => x.push(v),
                None => bail!(
                    "{file}:{line}: covariate `{}` is empty; covariates must be known for every area",
                    a.covariates[k]
                ),
            }
        }
        areas.push(Area {
            name: rec.get(area_col).unwrap_or("").to_string(),
            direct,
            psi,
            x,
        });
    }
    let method = FhMethod::parse(&a.method).context("--method must be reml, ml or fh")?;
    let control = FhControl {
        max_iterations: a.max_iterations,
        precision: a.precision,
    };
    let (fit, est) = sae::fay_herriot(&areas, &a.covariates, method, control)
        .map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
    let mut out = std::io::stdout().lock();
    match a.format.as_str() {
        "json" => {
            let v = serde_json::json!({
                "fit": {
                    "method": fit.method.name(),
                    "converged": fit.converged,
                    "iterations": fit.iterations,
                    "refvar": fit.refvar,
                    "coefficients": fit.names,
                    "beta": fit.beta,
                    "beta_se": fit.beta_se,
                    "loglike": fit.loglike,
                    "aic": fit.aic,
                    "bic": fit.bic,
                    "sampled": fit.sampled,
                    "out_of_sample": fit.out_of_sample,
                },
                "areas": est,
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        }
        "csv" => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(["area", "estimate", "mse", "gamma", "synthetic"])?;
            for e in &est {
                w.write_record([
                    e.area.clone(),
                    e.estimate.to_string(),
                    e.mse.to_string(),
                    e.gamma.map(|g| g.to_string()).unwrap_or_default(),
                    e.synthetic.to_string(),
                ])?;
            }
            w.flush()?;
        }
        _ => {
            writeln!(
                out,
                "Fay–Herriot, {} ({} iterations): A = {:.6}; {} areas in the fit, {} out of sample (synthetic)",
                fit.method.name(),
                fit.iterations,
                fit.refvar,
                fit.sampled,
                fit.out_of_sample
            )?;
            for ((n, b), se) in fit.names.iter().zip(&fit.beta).zip(&fit.beta_se) {
                writeln!(out, "  {n:<16} {b:>12.6}  (SE {se:.6})")?;
            }
            writeln!(
                out,
                "  log-likelihood {:.4}, AIC {:.4}, BIC {:.4}",
                fit.loglike, fit.aic, fit.bic
            )?;
            if fit.refvar == 0.0 {
                writeln!(out, "  A = 0: every estimate is the synthetic one, and its MSE understates the uncertainty of the model itself")?;
            }
            writeln!(
                out,
                "{:<16} {:>10} {:>10} {:>8}  kind",
                "area", "estimate", "rmse", "gamma"
            )?;
            for e in &est {
                writeln!(
                    out,
                    "{:<16} {:>10.4} {:>10.4} {:>8}  {}",
                    e.area,
                    e.estimate,
                    e.mse.sqrt(),
                    e.gamma.map_or("—".into(), |g| format!("{g:.3}")),
                    if e.gamma.is_none() {
                        "synthetic (no respondents)"
                    } else if e.synthetic {
                        "synthetic (A = 0)"
                    } else {
                        "EBLUP"
                    }
                )?;
            }
        }
    }
    Ok(())
}
