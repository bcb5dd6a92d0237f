//! Call-back verification (回访): the given share of each interviewer's completes,
//! drawn at random from that interviewer's own stream, at least one where the share is
//! above zero and the interviewer has any. Rounds add to the earlier ones: a round
//! draws what the interviewer's completes so far call for, less what was drawn before.

use super::stream::Stream;
use std::collections::BTreeMap;

/// The responses to re-check among `completes` (interviewer, response id, drawn in an
/// earlier round): per interviewer ⌈share × their completes⌉ in all, the new ones
/// chosen without replacement among those not drawn before; sorted by id.
pub fn draw_callbacks(
    completes: &[(String, i64, bool)],
    share: f64,
    seed: u64,
) -> Vec<(String, i64)> {
    let mut by: BTreeMap<&str, (Vec<i64>, usize)> = BTreeMap::new();
    for (who, id, before) in completes {
        let e = by.entry(who.as_str()).or_default();
        if *before {
            e.1 += 1;
        } else {
            e.0.push(*id);
        }
    }
    let mut out = Vec::new();
    for (who, (mut ids, before)) in by {
        ids.sort_unstable();
        let all = ids.len() + before;
        let want = ((share * all as f64).ceil() as usize)
            .saturating_sub(before)
            .min(ids.len());
        let mut rng = Stream::new(seed, &format!("callbacks/{who}"));
        // A partial Fisher–Yates shuffle: the first `want` are the draw.
        for i in 0..want {
            let j = i + rng.below((ids.len() - i) as u64) as usize;
            ids.swap(i, j);
        }
        out.extend(ids[..want].iter().map(|&id| (who.to_string(), id)));
    }
    out.sort_by_key(|x| x.1);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_interviewer_gets_their_share() {
        let completes: Vec<(String, i64, bool)> = (0..25)
            .map(|i| (if i < 20 { "a" } else { "b" }.to_string(), i, false))
            .collect();
        let drawn = draw_callbacks(&completes, 0.1, 7);
        assert_eq!(drawn.iter().filter(|d| d.0 == "a").count(), 2);
        assert_eq!(drawn.iter().filter(|d| d.0 == "b").count(), 1, "⌈0.5⌉");
        assert_eq!(
            drawn,
            draw_callbacks(&completes, 0.1, 7),
            "the same seed, the same draw"
        );
        assert!(draw_callbacks(&completes, 0.0, 7).is_empty());
    }

    #[test]
    fn a_later_round_draws_only_what_new_completes_call_for() {
        let mut completes: Vec<(String, i64, bool)> =
            (0..20).map(|i| ("a".to_string(), i, false)).collect();
        let first = draw_callbacks(&completes, 0.1, 7);
        assert_eq!(first.len(), 2);
        for c in completes.iter_mut() {
            c.2 = first.iter().any(|f| f.1 == c.1);
        }
        assert!(
            draw_callbacks(&completes, 0.1, 8).is_empty(),
            "nothing new: nothing more"
        );
        completes.extend((20..31).map(|i| ("a".to_string(), i, false)));
        let second = draw_callbacks(&completes, 0.1, 8);
        assert_eq!(second.len(), 2, "⌈3.1⌉ − 2");
        assert!(second.iter().all(|s| !first.contains(s)));
    }
}
