//! `minyi sample`: the household sample — draw it, load address lists, assign
//! households, print sheets, draw call-backs, see where it stands.

use anyhow::{bail, Context, Result};
use std::path::PathBuf;

use super::setup::{find_survey, load_config, open_store};
use minyi::definition::Lang;
use minyi::households;

#[derive(clap::Subcommand)]
pub enum SampleCommand {
    /// Draw the current wave's sample: communities by systematic PPS on their adults,
    /// then households in each drawn community that has an address list (or by the
    /// random walk). Drawing again with the same seed and lists changes nothing; once a
    /// visit is recorded the sample is frozen.
    ///
    /// Example: minyi sample draw --survey civility-2026 --seed 20261201
    Draw {
        #[arg(long)]
        survey: String,
        /// The random start's seed (default: [household_sample] seed).
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Load the address list of a drawn community (CSV: household,address — or
    /// household,building,unit,room), checked line by line.
    ///
    /// Example: minyi sample frame --survey civility-2026 --community xinhua-xfl lists/xinhua-xfl.csv
    Frame {
        #[arg(long)]
        survey: String,
        #[arg(long)]
        community: String,
        file: PathBuf,
    },
    /// Assign the households of a drawn community (or one household) to an interviewer.
    Assign {
        #[arg(long)]
        survey: String,
        #[arg(long)]
        community: Option<String>,
        #[arg(long)]
        household: Option<i64>,
        /// The interviewer's username.
        #[arg(long)]
        to: String,
    },
    /// Write the assignment sheets (XLSX and PDF) of every interviewer, or of one.
    Sheets {
        #[arg(long)]
        survey: String,
        #[arg(long)]
        interviewer: Option<String>,
        #[arg(long, default_value = "sheets")]
        out: PathBuf,
        #[arg(long, default_value = "zh", value_parser = ["zh", "en"])]
        lang: String,
    },
    /// Draw call-backs: the definition's share of each interviewer's completed
    /// household interviews, less those drawn in earlier rounds.
    Callbacks {
        #[arg(long)]
        survey: String,
    },
    /// Where the sample stands, per district and community.
    Status {
        #[arg(long)]
        survey: String,
    },
}

pub fn sample(c: SampleCommand) -> Result<()> {
    let (_, cfg) = load_config()?;
    match c {
        SampleCommand::Draw { survey, seed } => {
            let s = find_survey(&cfg, &survey)?;
            let store = open_store(&cfg)?;
            let d = households::draw(&store, &s, seed, "minyi sample draw")?;
            store.audit(
                "minyi sample draw",
                "sample_draw",
                &format!("{} wave {} seed {}", s.id, s.wave, d.seed),
            )?;
            if d.unchanged {
                println!(
                    "the sample of wave {} is unchanged (seed {}, the same address lists)",
                    s.wave, d.seed
                );
            } else {
                println!(
                    "drew {} communities and {} households (seed {}, draw {})",
                    d.communities.len(),
                    d.households,
                    d.seed,
                    d.draw_id
                );
            }
            for c in &d.communities {
                println!(
                    "  {}/{}: adults {}, probability {:.4}{}",
                    c.district,
                    c.community,
                    c.adults,
                    c.probability,
                    if c.certain {
                        " (taken with certainty: larger than the interval)"
                    } else {
                        ""
                    }
                );
            }
            if !d.waiting.is_empty() {
                println!(
                    "waiting for an address list (minyi sample frame --survey {} --community CODE FILE): {}",
                    s.id,
                    d.waiting.join(", ")
                );
            }
            Ok(())
        }
        SampleCommand::Frame {
            survey,
            community,
            file,
        } => {
            let s = find_survey(&cfg, &survey)?;
            let store = open_store(&cfg)?;
            let name = file.display().to_string();
            let bytes = std::fs::read(&file).with_context(|| format!("reading {name}"))?;
            // An address list saved from Excel: GBK, UTF-8 with BOM or UTF-16 text.
            let (text, _) = minyi::encoding::csv_text(&bytes, None)
                .with_context(|| format!("reading {name}"))?;
            let entries = households::read_frame(&name, &text)?;
            let (fp, n) =
                households::load_frame(&store, &s, &community, &entries, "minyi sample frame")?;
            store.audit(
                "minyi sample frame",
                "sample_frame",
                &format!("{} {community} {n} households {}", s.id, &fp[..12]),
            )?;
            println!(
                "loaded {n} households for {community} (fingerprint {}); draw again to sample them",
                &fp[..12]
            );
            Ok(())
        }
        SampleCommand::Assign {
            survey,
            community,
            household,
            to,
        } => {
            let s = find_survey(&cfg, &survey)?;
            let store = open_store(&cfg)?;
            let target = match (&community, household) {
                (Some(c), None) => households::Target::Community(c),
                (None, Some(h)) => households::Target::Household(h),
                _ => bail!(
                    "give either --community CODE (all its drawn households) or --household ID"
                ),
            };
            let n = households::assign(&store, &s, target, &to, "minyi sample assign")?;
            store.audit(
                "minyi sample assign",
                "sample_assign",
                &format!("{} {n} households to {to}", s.id),
            )?;
            println!("assigned {n} households to {to}");
            Ok(())
        }
        SampleCommand::Sheets {
            survey,
            interviewer,
            out,
            lang,
        } => {
            let s = find_survey(&cfg, &survey)?;
            let store = open_store(&cfg)?;
            let l = Lang::from_code(Some(&lang));
            let Some(st) = households::sample_status(&store, &s)? else {
                bail!(
                    "survey `{}` has no household sample yet; draw one first",
                    s.id
                );
            };
            let people: Vec<String> = match interviewer {
                Some(i) => vec![i],
                None => {
                    let mut v: Vec<String> = st
                        .households
                        .iter()
                        .filter_map(|h| h.interviewer.clone())
                        .collect();
                    v.sort();
                    v.dedup();
                    v
                }
            };
            if people.is_empty() {
                bail!("no household is assigned yet (minyi sample assign)");
            }
            std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
            for p in &people {
                let x = households::sheet_workbook(&s, &st, Some(p), l)?;
                let pdf = households::sheet_pdf(&s, &st, Some(p), l)?;
                std::fs::write(out.join(format!("{}_{p}_sheet.xlsx", s.id)), x)?;
                std::fs::write(out.join(format!("{}_{p}_sheet.pdf", s.id)), pdf)?;
            }
            println!(
                "wrote the sheets of {} interviewer(s) to {}",
                people.len(),
                out.display()
            );
            Ok(())
        }
        SampleCommand::Callbacks { survey } => {
            let s = find_survey(&cfg, &survey)?;
            let store = open_store(&cfg)?;
            let n = households::draw_callbacks(&store, &s, "minyi sample callbacks")?;
            store.audit(
                "minyi sample callbacks",
                "callbacks_draw",
                &format!("{} {n}", s.id),
            )?;
            println!(
                "drew {n} interviews for a call-back; record what they find on the Call-backs page"
            );
            Ok(())
        }
        SampleCommand::Status { survey } => {
            let s = find_survey(&cfg, &survey)?;
            let store = open_store(&cfg)?;
            let Some(st) = households::sample_status(&store, &s)? else {
                println!("survey `{}` has no household sample yet", s.id);
                return Ok(());
            };
            let e = s.aapor_e;
            println!(
                "{:<28} {:>6} {:>7} {:>9} {:>7} {:>11} {:>10} {:>8} {:>6}",
                "place",
                "drawn",
                "visited",
                "complete",
                "refused",
                "non-contact",
                "ineligible",
                "in field",
                "RR1"
            );
            for p in st
                .by_district
                .iter()
                .chain(&st.by_community)
                .chain(std::iter::once(&st.city))
            {
                let rr = p
                    .rates(e)
                    .map_or("—".to_string(), |r| format!("{:.1}%", r.rr[0] * 100.0));
                println!(
                    "{:<28} {:>6} {:>7} {:>9} {:>7} {:>11} {:>10} {:>8} {:>6}",
                    p.key,
                    p.drawn,
                    p.visited,
                    p.completed,
                    p.refused,
                    p.non_contact,
                    p.ineligible,
                    p.in_field,
                    rr
                );
            }
            Ok(())
        }
    }
}
