//! Fieldwork pace to the evaluation date (验收/测评): per district and community, the
//! counted completes so far, the rate over the last seven days, the completes per day
//! still needed to reach the plan by the evaluation date, and where this pace ends.
//! Arithmetic on the tally's daily counts; the caller gives "today".

use chrono::NaiveDate;
use serde::Serialize;

use super::data::NONE;
use super::tally::Tally;
use crate::definition::Survey;

/// The window the current pace is measured over.
pub const WINDOW_DAYS: i64 = 7;

#[derive(Debug, Clone, Serialize)]
pub struct PaceRow {
    pub district: String,
    /// A community of the district (where residents live), `None` for the district.
    pub community: Option<String>,
    /// Counted completes of the wave (flagged and superseded ones left out).
    pub completes: u64,
    /// Counted completes over the last seven days, per day.
    pub per_day_last_7: f64,
    pub planned: u32,
    /// Completes per day still needed to reach the plan by the evaluation date (0 when
    /// reached; `None` when the date has passed).
    pub needed_per_day: Option<f64>,
    /// Completes by the evaluation date at the last seven days' pace.
    pub projected: f64,
    /// `projected / planned`.
    pub projected_share: f64,
    /// Whether the last seven days' pace reaches the plan by the evaluation date.
    pub on_pace: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Pace {
    pub evaluation_date: NaiveDate,
    pub today: NaiveDate,
    /// Days from today until the evaluation date (today counts; 0 once it has come).
    pub days_left: i64,
    pub wave: i32,
    pub districts: Vec<PaceRow>,
    pub communities: Vec<PaceRow>,
}

fn row(
    district: &str,
    community: Option<&str>,
    completes: u64,
    last7: u64,
    planned: u32,
    days_left: i64,
) -> PaceRow {
    let per_day = last7 as f64 / WINDOW_DAYS as f64;
    let remaining = (planned as f64 - completes as f64).max(0.0);
    let projected = completes as f64 + per_day * days_left.max(0) as f64;
    PaceRow {
        district: district.to_string(),
        community: community.map(str::to_string),
        completes,
        per_day_last_7: per_day,
        planned,
        needed_per_day: (days_left > 0).then(|| remaining / days_left as f64),
        projected,
        projected_share: if planned > 0 {
            projected / planned as f64
        } else {
            f64::NAN
        },
        on_pace: projected >= planned as f64,
    }
}

/// The pace of `wave` on `today`, or `None` when the definition has no
/// `evaluation_date`.
pub fn pace(s: &Survey, tally: &Tally, wave: i32, today: NaiveDate) -> Option<Pace> {
    let evaluation_date = s.evaluation_date?;
    let days_left = (evaluation_date - today).num_days().max(0);
    // In the order of the tally's community index.
    let communities: Vec<_> = s.communities().collect();
    let mut done_d = vec![0u64; s.districts.len()];
    let mut done_c = vec![0u64; communities.len()];
    for a in tally
        .select(&|k| k.wave == wave)
        .filter(|a| a.key.counted())
    {
        if let Some(x) = done_d.get_mut(a.key.district as usize) {
            *x += a.rows as u64;
        }
        if a.key.community != NONE {
            if let Some(x) = done_c.get_mut(a.key.community as usize) {
                *x += a.rows as u64;
            }
        }
    }
    let since = today - chrono::Duration::days(WINDOW_DAYS - 1);
    let mut last_d = vec![0u64; s.districts.len()];
    let mut last_c = vec![0u64; communities.len()];
    for (k, (n, flagged)) in &tally.daily {
        if k.wave != wave || k.date < since || k.date > today {
            continue;
        }
        let counted = n.saturating_sub(*flagged) as u64;
        if let Some(x) = last_d.get_mut(k.district as usize) {
            *x += counted;
        }
        if k.community != NONE {
            if let Some(x) = last_c.get_mut(k.community as usize) {
                *x += counted;
            }
        }
    }
    Some(Pace {
        evaluation_date,
        today,
        days_left,
        wave,
        districts: s
            .districts
            .iter()
            .enumerate()
            .map(|(i, d)| {
                row(
                    &d.code,
                    None,
                    done_d[i],
                    last_d[i],
                    s.planned_per_district,
                    days_left,
                )
            })
            .collect(),
        communities: communities
            .iter()
            .enumerate()
            .map(|(j, (d, c))| {
                row(
                    &d.code,
                    Some(&c.code),
                    done_c[j],
                    last_c[j],
                    s.planned_for(d, c),
                    days_left,
                )
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Worked by hand: 100 of 400 done, 70 in the last 7 days (10 a day), 20 days
    /// left: 300 more are needed, 15 a day; at 10 a day the district ends at
    /// 100 + 200 = 300, 75% of its plan.
    #[test]
    fn pace_worked_by_hand() {
        let r = row("XC", None, 100, 70, 400, 20);
        assert_eq!(r.per_day_last_7, 10.0);
        assert_eq!(r.needed_per_day, Some(15.0));
        assert_eq!(r.projected, 300.0);
        assert_eq!(r.projected_share, 0.75);
        assert!(!r.on_pace);
        // Plan reached: nothing more needed, on pace.
        let r = row("XC", None, 420, 7, 400, 20);
        assert_eq!(r.needed_per_day, Some(0.0));
        assert!(r.on_pace);
        // The evaluation day has come: no "per day" left to ask for.
        let r = row("XC", None, 100, 70, 400, 0);
        assert_eq!(r.needed_per_day, None);
        assert_eq!(r.projected, 100.0);
    }
}
