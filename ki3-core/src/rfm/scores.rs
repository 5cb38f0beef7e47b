//! `rfm_scores`: quantile scores and named segments.

use std::fmt;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Ki3Error, Result};

/// A customer segment from the (R, F) table in the [module docs](super).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Segment {
    Champions,
    Loyal,
    PotentialLoyalist,
    New,
    Promising,
    NeedAttention,
    AboutToSleep,
    AtRisk,
    CantLoseThem,
    Hibernating,
    Lost,
}

impl Segment {
    /// Every segment, in declaration order (best first); [`Segment::index`] is the position here.
    pub const ALL: [Segment; 11] = [
        Segment::Champions,
        Segment::Loyal,
        Segment::PotentialLoyalist,
        Segment::New,
        Segment::Promising,
        Segment::NeedAttention,
        Segment::AboutToSleep,
        Segment::AtRisk,
        Segment::CantLoseThem,
        Segment::Hibernating,
        Segment::Lost,
    ];

    /// Display name: `"Champions"`, `"Loyal"`, `"Potential Loyalist"`, `"New"`, `"Promising"`,
    /// `"Need Attention"`, `"About to Sleep"`, `"At Risk"`, `"Can't Lose Them"`,
    /// `"Hibernating"`, `"Lost"`.
    pub fn name(&self) -> &'static str {
        match self {
            Segment::Champions => "Champions",
            Segment::Loyal => "Loyal",
            Segment::PotentialLoyalist => "Potential Loyalist",
            Segment::New => "New",
            Segment::Promising => "Promising",
            Segment::NeedAttention => "Need Attention",
            Segment::AboutToSleep => "About to Sleep",
            Segment::AtRisk => "At Risk",
            Segment::CantLoseThem => "Can't Lose Them",
            Segment::Hibernating => "Hibernating",
            Segment::Lost => "Lost",
        }
    }

    /// Position in [`Segment::ALL`] (0 = Champions … 10 = Lost), e.g. for categorical codes.
    pub fn index(&self) -> usize {
        *self as usize
    }

    /// The segment of an (R, F) pair on the 1..=5 scale (the table in the
    /// [module docs](super)); values outside 1..=5 are clamped into it.
    pub fn from_rf(r5: u8, f5: u8) -> Segment {
        let r = r5.clamp(1, 5);
        let f = f5.clamp(1, 5);
        match r {
            1 | 2 => match f {
                1 if r == 1 => Segment::Lost,
                1 | 2 => Segment::Hibernating,
                3 | 4 => Segment::AtRisk,
                _ => Segment::CantLoseThem,
            },
            3 => match f {
                1 | 2 => Segment::AboutToSleep,
                3 => Segment::NeedAttention,
                _ => Segment::Loyal,
            },
            4 => match f {
                1 => Segment::Promising,
                2 | 3 => Segment::PotentialLoyalist,
                _ => Segment::Loyal,
            },
            _ => match f {
                1 => Segment::New,
                2 | 3 => Segment::PotentialLoyalist,
                _ => Segment::Champions,
            },
        }
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Per-customer scores, in input order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RfmScores {
    /// Recency score 1..=bins (higher = purchased more recently).
    pub r: Vec<u8>,
    /// Frequency score 1..=bins (higher = more repeat purchases).
    pub f: Vec<u8>,
    /// Monetary score 1..=bins (higher = larger mean spend).
    pub m: Vec<u8>,
    /// `r + f + m`.
    pub score: Vec<u16>,
    /// Segment from the R and F scores on the 1..=5 scale (the same for every `bins`).
    pub segment: Vec<Segment>,
}

/// Default number of score bins of [`rfm_scores`] (quintiles, the usual RFM convention).
pub const DEFAULT_BINS: u32 = 5;

/// R, F and M scores in `1..=bins` and a segment per customer (rules in the
/// [module docs](super)).
///
/// Inputs are [`RfmSummary`](super::RfmSummary) columns (any consistent time unit). Errors:
/// `bins` outside `2..=100` ([`Ki3Error::InvalidParameter`] `bins`); a column whose length
/// differs from `frequency` ([`Ki3Error::LengthMismatch`]); a NaN or infinity
/// ([`Ki3Error::NonFinite`], checked in the order frequency, recency, t, monetary_value); a
/// negative frequency, recency or T, or `recency > t` ([`Ki3Error::InvalidValue`]). No
/// customers give empty scores (as an empty log gives an empty summary). Without
/// `monetary_value` M is scored from zeros: every customer gets `M = 1` (segments use only R
/// and F).
pub fn rfm_scores(
    frequency: &[f64],
    recency: &[f64],
    t: &[f64],
    monetary_value: Option<&[f64]>,
    bins: u32,
) -> Result<RfmScores> {
    let zeros;
    let monetary_value = match monetary_value {
        Some(m) => m,
        None => {
            zeros = vec![0.0; frequency.len()];
            &zeros[..]
        }
    };
    if !(2..=100).contains(&bins) {
        return Err(Ki3Error::param(
            "bins",
            format!("must be in 2..=100, got {bins}"),
        ));
    }
    let n = frequency.len();
    for (arg, len) in [
        ("recency", recency.len()),
        ("T", t.len()),
        ("monetary_value", monetary_value.len()),
    ] {
        if len != n {
            return Err(Ki3Error::LengthMismatch {
                arg: arg.into(),
                got: len,
                expected_arg: "frequency".into(),
                expected: n,
            });
        }
    }
    for (arg, col) in [
        ("frequency", frequency),
        ("recency", recency),
        ("T", t),
        ("monetary_value", monetary_value),
    ] {
        if let Some(index) = col.iter().position(|v| !v.is_finite()) {
            return Err(Ki3Error::NonFinite {
                arg: arg.into(),
                index,
            });
        }
    }
    for (arg, col) in [("frequency", frequency), ("recency", recency), ("T", t)] {
        if let Some(index) = col.iter().position(|v| *v < 0.0) {
            return Err(Ki3Error::InvalidValue {
                arg: arg.into(),
                index,
                reason: format!("must not be negative, got {}", col[index]),
            });
        }
    }
    if let Some(index) = recency.iter().zip(t).position(|(r, t)| r > t) {
        return Err(Ki3Error::InvalidValue {
            arg: "recency".into(),
            index,
            reason: format!("recency {} exceeds T {}", recency[index], t[index]),
        });
    }

    // Time since the last purchase; larger is worse, so rank its negation.
    let neg_gap: Vec<f64> = t
        .par_iter()
        .zip(recency)
        .map(|(t, r)| -snap(t - r))
        .collect();
    let r = quantile_scores(&neg_gap, bins);
    let f = quantile_scores(frequency, bins);
    let m = quantile_scores(monetary_value, bins);
    let score = r
        .iter()
        .zip(&f)
        .zip(&m)
        .map(|((r, f), m)| u16::from(*r) + u16::from(*f) + u16::from(*m))
        .collect();
    // Segments always use the 1..=5 scores, whatever `bins` is.
    let (r5, f5) = if bins == SEGMENT_BINS {
        (None, None)
    } else {
        (
            Some(quantile_scores(&neg_gap, SEGMENT_BINS)),
            Some(quantile_scores(frequency, SEGMENT_BINS)),
        )
    };
    let segment = r5
        .as_ref()
        .unwrap_or(&r)
        .iter()
        .zip(f5.as_ref().unwrap_or(&f))
        .map(|(r, f)| Segment::from_rf(*r, *f))
        .collect();
    Ok(RfmScores {
        r,
        f,
        m,
        score,
        segment,
    })
}

/// Rounds to 9 decimal places (when that is exact enough to matter), so that equal gaps
/// computed as differences of different `t` and `recency` values tie exactly.
fn snap(x: f64) -> f64 {
    if x.abs() < 1e6 {
        (x * 1e9).round() / 1e9 + 0.0
    } else {
        x
    }
}

/// The scale of the (R, F) segment table.
const SEGMENT_BINS: u32 = 5;

/// Scores in `1..=bins` by the tie rule of the [module docs](super) (higher is better).
///
/// From the bottom, while `k > 1` scores are left for `m` customers and the worst remaining
/// value is shared by `c` customers with `c × k > m`, that group gets the next score alone.
/// The `m` customers left then get `next + floor(k × w' / m)`, with `w'` of them strictly worse.
fn quantile_scores(values: &[f64], bins: u32) -> Vec<u8> {
    let mut sorted: Vec<f64> = values.iter().map(|v| v + 0.0).collect(); // -0.0 -> 0.0
    sorted.par_sort_unstable_by(f64::total_cmp);
    let n = sorted.len();
    // Values of the groups that got a score of their own (score = 1 + position here), the
    // number of customers in them (`lo`), and the scores left (`k`).
    let mut heads: Vec<f64> = Vec::new();
    let mut lo = 0usize;
    let mut k = u128::from(bins);
    while k > 1 {
        let Some(&v) = sorted.get(lo) else { break };
        let c = sorted
            .get(lo..)
            .map_or(0, |rest| rest.partition_point(|s| *s <= v));
        if (c as u128) * k <= (n - lo) as u128 {
            break;
        }
        heads.push(v);
        lo += c;
        k -= 1;
    }
    let next = heads.len() as u128 + 1;
    let (lo_, m) = (lo as u128, (n - lo) as u128);
    values
        .par_iter()
        .map(|v| {
            let worse = sorted.partition_point(|s| s < v) as u128;
            let score = if worse < lo_ {
                // v is one of the heads: 1 + the number of heads below it.
                1 + heads.partition_point(|h| h < v) as u128
            } else {
                // lo <= worse <= n - 1, so the score is at most next + k - 1 = bins <= 100.
                next + k * (worse - lo_) / m.max(1)
            };
            score as u8
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_follow_the_tie_rule() {
        // worse counts 0,1,1,3,4 of 5 -> 1 + floor(5 * c / 5)
        assert_eq!(
            quantile_scores(&[0.0, 1.0, 1.0, 2.0, 5.0], 5),
            vec![1, 2, 2, 4, 5]
        );
        // order-independent
        assert_eq!(
            quantile_scores(&[5.0, 1.0, 2.0, 0.0, 1.0], 5),
            vec![5, 2, 4, 1, 2]
        );
        // all tied -> 1; 3 bins of 4 values: 1 + floor(3 c / 4) for c = 0..3 = 1,1,2,3
        assert_eq!(quantile_scores(&[7.0; 4], 3), vec![1; 4]);
        assert_eq!(quantile_scores(&[1.0, 2.0, 3.0, 4.0], 3), vec![1, 1, 2, 3]);
        assert_eq!(quantile_scores(&[-0.0, 0.0], 2), vec![1, 1]);
    }

    #[test]
    fn heavy_bottom_groups_take_a_score_each() {
        // Count data: 10 one-time buyers (frequency 0), 5 with 1 repeat, 2 with 2, then 3, 4, 6.
        // 0: 10 * 5 > 20 -> 1; 1: 5 * 4 > 10 -> 2; 2: 2 * 3 > 5 -> 3; 3: 1 * 2 <= 3 stops, and
        // the 3 left get 4 + floor(2 * w' / 3) for w' = 0, 1, 2 -> 4, 4, 5.
        let mut f = vec![0.0; 10];
        f.extend([1.0; 5]);
        f.extend([2.0, 2.0, 3.0, 4.0, 6.0]);
        let mut want = vec![1u8; 10];
        want.extend([2; 5]);
        want.extend([3, 3, 4, 4, 5]);
        assert_eq!(quantile_scores(&f, 5), want);
        // (the plain rule 1 + floor(5 w / 20) would give 3, 4, 5, 5, 5 and leave 2 empty)
        // order-independent
        let rev: Vec<f64> = f.iter().rev().copied().collect();
        let want_rev: Vec<u8> = want.iter().rev().copied().collect();
        assert_eq!(quantile_scores(&rev, 5), want_rev);
        // n0 = 3 of 10 (> 10 / 5) -> 1; then 1 * 4 <= 7 stops: 2 + floor(4 w' / 7) for
        // w' = 0..6 -> 2, 2, 3, 3, 4, 4, 5
        let g = [0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];
        assert_eq!(quantile_scores(&g, 5), vec![1, 1, 1, 2, 2, 3, 3, 4, 4, 5]);
        // n0 = 2 of 10 fills exactly one bin: the plain rule 1 + floor(5 w / 10), which equals
        // 2 + floor(4 (w - 2) / 8) for w >= 2.
        let h = [0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
        assert_eq!(quantile_scores(&h, 5), vec![1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
        // Few distinct values: each takes a score, the top ones stay empty.
        let few = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 2.0, 5.0];
        assert_eq!(quantile_scores(&few, 5), vec![1, 1, 1, 1, 1, 1, 2, 2, 3, 4]);
        // 2 bins: 2 of 4 tied is one bin (plain rule), 3 of 4 is more
        assert_eq!(quantile_scores(&[0.0, 0.0, 1.0, 2.0], 2), vec![1, 1, 2, 2]);
        assert_eq!(quantile_scores(&[0.0, 0.0, 0.0, 1.0], 2), vec![1, 1, 1, 2]);
        // 100 bins: the plain rule would give 1 + floor(100 * 2 / 3) = 67
        assert_eq!(quantile_scores(&[0.0, 0.0, 1.0], 100), vec![1, 1, 2]);
        // a tie at the top alone does not split: 1 + floor(5 w / 5) with w = 0, 1, 1, 1, 1
        assert_eq!(
            quantile_scores(&[1.0, 2.0, 2.0, 2.0, 2.0], 5),
            vec![1, 2, 2, 2, 2]
        );
    }

    #[test]
    fn segment_table() {
        use Segment::*;
        let table = [
            // F = 1 .. 5, rows R = 1 .. 5
            [Lost, Hibernating, AtRisk, AtRisk, CantLoseThem],
            [Hibernating, Hibernating, AtRisk, AtRisk, CantLoseThem],
            [AboutToSleep, AboutToSleep, NeedAttention, Loyal, Loyal],
            [
                Promising,
                PotentialLoyalist,
                PotentialLoyalist,
                Loyal,
                Loyal,
            ],
            [
                New,
                PotentialLoyalist,
                PotentialLoyalist,
                Champions,
                Champions,
            ],
        ];
        for (r, row) in table.iter().enumerate() {
            for (f, want) in row.iter().enumerate() {
                assert_eq!(Segment::from_rf(r as u8 + 1, f as u8 + 1), *want);
            }
        }
        assert_eq!(Segment::from_rf(0, 9), CantLoseThem);
        for (i, s) in Segment::ALL.iter().enumerate() {
            assert_eq!(s.index(), i);
        }
        assert_eq!(CantLoseThem.to_string(), "Can't Lose Them");
        assert_eq!(AboutToSleep.name(), "About to Sleep");
    }

    #[test]
    fn snapping_makes_equal_gaps_tie() {
        let (a, b) = (272.0 / 7.0 - 213.0 / 7.0, 100.0 / 7.0 - 41.0 / 7.0);
        assert_eq!(snap(a), snap(b));
        assert_eq!(snap(-0.0).to_bits(), 0.0f64.to_bits());
        assert_eq!(snap(3e7), 3e7);
    }
}
