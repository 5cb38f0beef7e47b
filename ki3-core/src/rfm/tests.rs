//! Hand-computed expectations for `rfm_summary` and `rfm_scores`.

use super::*;
use crate::{EventLog, Ki3Error, TimeUnit};

fn day(y: i32, m: u32, d: u32) -> i64 {
    days_from_civil(y, m, d)
}

fn secs(y: i32, m: u32, d: u32, h: i64, min: i64, s: i64) -> i64 {
    day(y, m, d) * 86_400 + h * 3600 + min * 60 + s
}

#[test]
fn freq_parse_and_params() {
    assert_eq!(Freq::parse("D").unwrap(), Freq::Day);
    assert_eq!(Freq::parse("W").unwrap(), Freq::Week);
    assert_eq!(Freq::parse("M").unwrap(), Freq::Month);
    let err = Freq::parse("Q").unwrap_err();
    assert!(matches!(err, Ki3Error::InvalidParameter { ref name, .. } if name == "freq"));
    assert_eq!(Freq::Week.as_str(), "W");
    let p = RfmParams::new(5);
    assert_eq!((p.freq, p.freq_multiplier), (Freq::Day, 1));
    let err = p.freq_multiplier(0).check().unwrap_err();
    assert!(
        matches!(err, Ki3Error::InvalidParameter { ref name, .. } if name == "freq_multiplier")
    );
    let c = [1u64];
    let t = [0i64];
    assert!(
        rfm_summary(
            &EventLog::new(&c, &t, TimeUnit::Days),
            &p.freq_multiplier(0)
        )
        .is_err()
    );
}

#[test]
fn week_periods_are_monday_to_sunday() {
    // 1997-01-05 is a Sunday, 1997-01-06 the following Monday; W-SUN periods start on Monday.
    let mon_dec30 = day(1996, 12, 30);
    let sun = secs(1997, 1, 5, 23, 59, 59);
    let mon = secs(1997, 1, 6, 0, 0, 0);
    let sun12 = secs(1997, 1, 12, 12, 0, 0);
    let customer = [1u64, 1, 2, 2];
    let ts = [sun, mon, mon, sun12];
    let log = EventLog::new(&customer, &ts, TimeUnit::Seconds);
    // End Wednesday 1997-01-15 -> its period starts Monday 1997-01-13.
    let end = secs(1997, 1, 15, 10, 0, 0);
    let s = rfm_summary(&log, &RfmParams::new(end).freq(Freq::Week)).unwrap();
    assert_eq!(s.customer, vec![1, 2]);
    // customer 1: periods Mon 12-30 and Mon 01-06 -> x = 1, recency 1 week, T = 14 days / 7
    assert_eq!(Freq::Week.period_start(day(1997, 1, 5)), Some(mon_dec30));
    assert_eq!(s.frequency, vec![1.0, 0.0]);
    assert_eq!(s.recency, vec![1.0, 0.0]);
    assert_eq!(s.t, vec![2.0, 1.0]);
    assert_eq!(s.monetary_value, None);
    // freq_multiplier divides recency and T
    let s2 = rfm_summary(
        &log,
        &RfmParams::new(end).freq(Freq::Week).freq_multiplier(2),
    )
    .unwrap();
    assert_eq!(s2.recency, vec![0.5, 0.0]);
    assert_eq!(s2.t, vec![1.0, 0.5]);
    // daily periods of the same data: customer 1 first day 01-05, end 01-15
    let s3 = rfm_summary(&log, &RfmParams::new(end)).unwrap();
    assert_eq!(s3.frequency, vec![1.0, 1.0]);
    assert_eq!(s3.recency, vec![1.0, 6.0]);
    assert_eq!(s3.t, vec![10.0, 9.0]);
}

#[test]
fn month_periods_are_calendar_months() {
    let customer = [1u64, 1, 2, 2];
    let ts = [
        secs(1997, 1, 31, 23, 59, 59),
        secs(1997, 2, 1, 0, 0, 0),
        secs(1997, 2, 1, 8, 0, 0),
        secs(1997, 2, 28, 20, 0, 0),
    ];
    let amount = [10.0, 4.0, 3.0, 6.0];
    let log = EventLog::new(&customer, &ts, TimeUnit::Seconds).with_amount(&amount);
    let end = secs(1997, 3, 15, 0, 0, 0);
    let s = rfm_summary(&log, &RfmParams::new(end).freq(Freq::Month)).unwrap();
    assert_eq!(s.customer, vec![1, 2]);
    assert_eq!(s.frequency, vec![1.0, 0.0]);
    // customer 1: Jan 1 -> Feb 1 = 31 days; T: Jan 1 -> Mar 1 = 59 days (months of 30.436875 d)
    assert_eq!(s.recency, vec![31.0 / 30.436875, 0.0]);
    assert_eq!(s.t, vec![59.0 / 30.436875, 28.0 / 30.436875]);
    assert_eq!(s.monetary_value, Some(vec![4.0, 0.0]));
    // Milliseconds give the same answer
    let ms: Vec<i64> = ts.iter().map(|t| t * 1000).collect();
    let log_ms = EventLog::new(&customer, &ms, TimeUnit::Milliseconds).with_amount(&amount);
    let s_ms = rfm_summary(&log_ms, &RfmParams::new(end * 1000).freq(Freq::Month)).unwrap();
    assert_eq!(s_ms, s);
    assert_eq!(
        Freq::Month.period_start(day(2000, 2, 29)),
        Some(day(2000, 2, 1))
    );
    assert_eq!(
        Freq::Month.period_start(day(1969, 12, 31)),
        Some(day(1969, 12, 1))
    );
}

#[test]
fn purchases_within_a_period_merge_and_amounts_sum() {
    // Day 10: 10 + 5; day 12: 7 + 8; day 20: 20 -> x = 2, monetary = (15 + 20) / 2.
    let customer = [3u64, 3, 3, 3, 3, 9];
    let ts = [10i64, 12, 10, 20, 12, 11];
    let amount = [10.0, 7.0, 5.0, 20.0, 8.0, 1.0];
    let log = EventLog::new(&customer, &ts, TimeUnit::Days).with_amount(&amount);
    let s = rfm_summary(&log, &RfmParams::new(30)).unwrap();
    assert_eq!(s.customer, vec![3, 9]);
    assert_eq!(s.frequency, vec![2.0, 0.0]);
    assert_eq!(s.recency, vec![10.0, 0.0]);
    assert_eq!(s.t, vec![20.0, 19.0]);
    assert_eq!(s.monetary_value, Some(vec![17.5, 0.0]));
    // Row order does not matter.
    let perm = [5usize, 3, 1, 4, 0, 2];
    let c2: Vec<u64> = perm.iter().map(|&i| customer[i]).collect();
    let t2: Vec<i64> = perm.iter().map(|&i| ts[i]).collect();
    let a2: Vec<f64> = perm.iter().map(|&i| amount[i]).collect();
    let log2 = EventLog::new(&c2, &t2, TimeUnit::Days).with_amount(&a2);
    assert_eq!(rfm_summary(&log2, &RfmParams::new(30)).unwrap(), s);
}

#[test]
fn rows_after_the_end_are_dropped() {
    let end = secs(2024, 3, 10, 6, 0, 0);
    let customer = [1u64, 1, 1, 2, 3];
    let ts = [
        secs(2024, 3, 1, 0, 0, 0),
        secs(2024, 3, 10, 23, 0, 0), // same day as the end, later in the day: kept
        secs(2024, 3, 11, 0, 0, 0),  // next day: dropped
        secs(2024, 3, 12, 0, 0, 0),  // customer 2 only after the end: absent
        secs(2024, 3, 10, 0, 0, 0),
    ];
    let amount = [1.0, 2.0, 100.0, 5.0, 3.0];
    let log = EventLog::new(&customer, &ts, TimeUnit::Seconds).with_amount(&amount);
    let s = rfm_summary(&log, &RfmParams::new(end)).unwrap();
    assert_eq!(s.customer, vec![1, 3]);
    assert_eq!(s.frequency, vec![1.0, 0.0]);
    assert_eq!(s.recency, vec![9.0, 0.0]);
    assert_eq!(s.t, vec![9.0, 0.0]);
    assert_eq!(s.monetary_value, Some(vec![2.0, 0.0]));
    // Everything after the end: empty result, monetary column still present.
    let s0 = rfm_summary(&log, &RfmParams::new(secs(2020, 1, 1, 0, 0, 0))).unwrap();
    assert!(s0.is_empty());
    assert_eq!(s0.monetary_value, Some(vec![]));
}

#[test]
fn non_purchase_rows_are_ignored() {
    let customer = [1u64, 1, 1, 1, 2];
    let ts = [1i64, 3, 5, 8, 2];
    let purchase = [false, true, false, true, false];
    let amount = [50.0, 4.0, 60.0, 6.0, 9.0];
    let log = EventLog::new(&customer, &ts, TimeUnit::Days)
        .with_amount(&amount)
        .with_purchase(&purchase);
    let s = rfm_summary(&log, &RfmParams::new(10)).unwrap();
    assert_eq!(s.customer, vec![1]);
    assert_eq!(s.frequency, vec![1.0]);
    assert_eq!(s.recency, vec![5.0]);
    assert_eq!(s.t, vec![7.0]);
    assert_eq!(s.monetary_value, Some(vec![6.0]));
}

#[test]
fn summary_errors() {
    let c = [1u64, 2];
    let t = [0i64];
    let err = rfm_summary(&EventLog::new(&c, &t, TimeUnit::Days), &RfmParams::new(0)).unwrap_err();
    assert!(matches!(err, Ki3Error::LengthMismatch { ref arg, .. } if arg == "timestamp"));
    // A period start below i64::MIN cannot be represented: error, not panic.
    let t = [0i64, i64::MIN];
    let err = rfm_summary(
        &EventLog::new(&c, &t, TimeUnit::Days),
        &RfmParams::new(0).freq(Freq::Month),
    )
    .unwrap_err();
    assert!(matches!(err, Ki3Error::InvalidValue { ref arg, index: 1, .. } if arg == "timestamp"));
    let err = rfm_summary(
        &EventLog::new(&c, &[0, 0], TimeUnit::Days),
        &RfmParams::new(i64::MIN).freq(Freq::Week),
    )
    .unwrap_err();
    assert!(
        matches!(err, Ki3Error::InvalidParameter { ref name, .. } if name == "observation_end")
    );
    // Extreme but representable days: no overflow.
    let t = [i64::MIN, i64::MAX];
    let s = rfm_summary(
        &EventLog::new(&[1, 1], &t, TimeUnit::Days),
        &RfmParams::new(i64::MAX),
    )
    .unwrap();
    assert_eq!(s.frequency, vec![1.0]);
    assert_eq!(s.recency, vec![2f64.powi(64)]);
    // Empty log: empty summary.
    let s = rfm_summary(&EventLog::new(&[], &[], TimeUnit::Days), &RfmParams::new(0)).unwrap();
    assert!(s.is_empty() && s.monetary_value.is_none());
}

/// 25 customers on a 5 x 5 grid of (R level a, F level b), a, b in 0..5.
fn grid() -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let (mut f, mut r, mut t, mut m) = (vec![], vec![], vec![], vec![]);
    for a in 0..5 {
        for b in 0..5 {
            t.push(20.0);
            r.push(10.0 + 2.0 * a as f64); // time since last = 10 - 2a: larger a is more recent
            f.push(b as f64);
            m.push((5 * a + b) as f64);
        }
    }
    (f, r, t, m)
}

#[test]
fn scores_cover_every_segment() {
    let (f, r, t, m) = grid();
    let s = rfm_scores(&f, &r, &t, Some(&m), 5).unwrap();
    for a in 0..5 {
        for b in 0..5 {
            let k = 5 * a + b;
            // 5a customers are less recent -> 1 + floor(5 * 5a / 25) = a + 1
            assert_eq!(s.r[k], a as u8 + 1);
            assert_eq!(s.f[k], b as u8 + 1);
            // monetary k: k customers worse -> 1 + floor(k / 5) = a + 1
            assert_eq!(s.m[k], a as u8 + 1);
            assert_eq!(s.score[k], (2 * a + b + 3) as u16);
            assert_eq!(s.segment[k], Segment::from_rf(a as u8 + 1, b as u8 + 1));
        }
    }
    for seg in Segment::ALL {
        assert!(s.segment.contains(&seg), "{seg} not reached");
    }
    use Segment::*;
    assert_eq!(s.segment[0], Lost); // R1 F1
    assert_eq!(s.segment[4], CantLoseThem); // R1 F5
    assert_eq!(s.segment[12], NeedAttention); // R3 F3
    assert_eq!(s.segment[15], Promising); // R4 F1
    assert_eq!(s.segment[20], New); // R5 F1
    assert_eq!(s.segment[24], Champions); // R5 F5
    // 10 bins: each group of 5 tied customers is more than one bin of those left (5 * 10 > 25,
    // 5 * 9 > 20, ...), so the 5 levels take scores 1..=5 and 6..=10 stay empty. F alike; M
    // has no ties.
    let s10 = rfm_scores(&f, &r, &t, Some(&m), 10).unwrap();
    for k in 0..25 {
        assert_eq!(s10.r[k], 1 + (k / 5) as u8);
        assert_eq!(s10.f[k], 1 + (k % 5) as u8);
        assert_eq!(s10.m[k], 1 + (10 * k / 25) as u8);
        // segments come from the 5-bin scores whatever the bins
        assert_eq!(s10.segment[k], s.segment[k]);
    }
    for bins in [2, 3, 4, 7, 100] {
        let sb = rfm_scores(&f, &r, &t, Some(&m), bins).unwrap();
        assert_eq!(sb.segment, s.segment, "bins {bins}");
    }
}

#[test]
fn one_time_buyers_do_not_push_repeat_buyers_up() {
    // 12 customers, 7 one-time buyers (frequency 0, monetary 0): more than one bin of 5, so
    // F = M = 1 for them and the 5 repeat buyers share 2..=5. For F the two with frequency 1
    // are more than one bin of those 5 (2 * 4 > 5) and take 2; the 3 left get 3 + w'.
    let f = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 2.0, 3.0, 6.0];
    let m = [
        0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 20.0, 10.0, 40.0, 30.0, 50.0,
    ];
    // gaps T - recency: 12 distinct values 0..11 with the one-time buyers in the middle
    let gap = [1.0, 3.0, 5.0, 7.0, 8.0, 10.0, 11.0, 0.0, 9.0, 6.0, 4.0, 2.0];
    let t = [20.0; 12];
    let r: Vec<f64> = gap.iter().map(|g| 20.0 - g).collect();
    let s = rfm_scores(&f, &r, &t, Some(&m), 5).unwrap();
    // F of repeat buyers -> 2, 2, 3, 4, 5 (the plain rule would give 1 + floor(5 * 7 / 12) = 3
    // to the least frequent ones, and 1 + floor(5 * 9 / 12) = 4 to the next)
    assert_eq!(s.f, vec![1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4, 5]);
    // M of repeat buyers: amounts 20, 10, 40, 30, 50, no ties: 2 + floor(4 w' / 5) with
    // w' = 1, 0, 3, 2, 4
    assert_eq!(s.m, vec![1, 1, 1, 1, 1, 1, 1, 2, 2, 4, 3, 5]);
    // R: no ties, plain rule 1 + floor(5 w / 12) with w = 11 - gap
    let want_r: Vec<u8> = gap
        .iter()
        .map(|g| 1 + (5 * (11 - *g as usize) / 12) as u8)
        .collect();
    assert_eq!(s.r, want_r);
    assert_eq!(s.r, vec![5, 4, 3, 2, 2, 1, 1, 5, 1, 3, 3, 4]);
    use Segment::*;
    assert_eq!(
        s.segment,
        vec![
            New,
            Promising,
            AboutToSleep,
            Hibernating,
            Hibernating,
            Lost,
            Lost,
            PotentialLoyalist, // R5 F2
            Hibernating,       // R1 F2
            NeedAttention,     // R3 F3
            Loyal,             // R3 F4
            Loyal,             // R4 F5
        ]
    );
}

#[test]
fn ties_share_a_score_and_order_does_not_matter() {
    // Gaps 59/7, 59/7 (computed from different T and recency) and 0 weeks.
    let t = [272.0 / 7.0, 100.0 / 7.0, 50.0 / 7.0];
    let r = [213.0 / 7.0, 41.0 / 7.0, 50.0 / 7.0];
    let f = [2.0, 2.0, 0.0];
    let m = [10.0, 30.0, 10.0];
    let s = rfm_scores(&f, &r, &t, Some(&m), 3).unwrap();
    // R: nobody is worse than the two tied customers, a bottom group of 2 > 3 / 3 -> 1; the
    // third is a group of 1 > 1 / 2 -> 2
    assert_eq!(s.r, vec![1, 1, 2]);
    // F: bottom group of 1 = 3 / 3, plain rule: 1 + floor(3 * 1 / 3) = 2 for the pair
    assert_eq!(s.f, vec![2, 2, 1]);
    // M: bottom group of 2 (the two 10s) -> 1; 30 -> 2 likewise
    assert_eq!(s.m, vec![1, 2, 1]);
    assert_eq!(s.score, vec![4, 5, 4]);
    // 5-bin scores for the segment: R 1, 1, 2; F: x = 0 alone is > 3 / 5 -> 1, the pair 2
    use Segment::*;
    // (1, 2), (1, 2), (2, 1) -> Hibernating
    assert_eq!(s.segment, vec![Hibernating; 3]);
    // Reversed rows give reversed scores.
    let rev = |x: &[f64]| x.iter().rev().copied().collect::<Vec<_>>();
    let s2 = rfm_scores(&rev(&f), &rev(&r), &rev(&t), Some(&rev(&m)), 3).unwrap();
    assert_eq!(s2.r, vec![2, 1, 1]);
    assert_eq!(s2.f, vec![1, 2, 2]);
    assert_eq!(s2.m, vec![1, 2, 1]);
    // A single customer scores 1 everywhere, for every bins, and is Lost (R1 F1).
    let one = rfm_scores(&[3.0], &[1.0], &[2.0], Some(&[5.0]), 4).unwrap();
    assert_eq!((one.r[0], one.f[0], one.m[0]), (1, 1, 1));
    assert_eq!(one.segment[0], Lost);
}

#[test]
fn score_errors() {
    let v = [1.0, 2.0];
    for bins in [0, 1, 101] {
        let err = rfm_scores(&v, &v, &v, Some(&v), bins).unwrap_err();
        assert!(matches!(err, Ki3Error::InvalidParameter { ref name, .. } if name == "bins"));
    }
    let err = rfm_scores(&v, &v, &[1.0], Some(&v), 5).unwrap_err();
    assert!(
        matches!(err, Ki3Error::LengthMismatch { ref arg, got: 1, expected: 2, .. } if arg == "T")
    );
    let empty = rfm_scores(&[], &[], &[], Some(&[]), 5).unwrap();
    // Without monetary values every M is 1 and R, F, segments are unchanged.
    let f = [0.0, 3.0, 1.0];
    let (r, t, m) = ([0.0, 5.0, 2.0], [9.0, 9.0, 9.0], [0.0, 7.0, 2.0]);
    let (with, without) = (
        rfm_scores(&f, &r, &t, Some(&m), 5).unwrap(),
        rfm_scores(&f, &r, &t, None, 5).unwrap(),
    );
    assert_eq!(without.m, vec![1, 1, 1]);
    assert_eq!(
        (with.r, with.f, with.segment),
        (without.r, without.f, without.segment)
    );
    assert!(empty.r.is_empty() && empty.segment.is_empty());
    for (col, name) in [(0, "frequency"), (1, "recency"), (2, "T")] {
        let mut cols = [vec![1.0, 2.0], vec![1.0, 2.0], vec![3.0, 3.0]];
        cols[col][1] = -1.0;
        let err = rfm_scores(&cols[0], &cols[1], &cols[2], Some(&v), 5).unwrap_err();
        assert!(
            matches!(err, Ki3Error::InvalidValue { ref arg, index: 1, .. } if arg == name),
            "{name}: {err}"
        );
    }
    let err = rfm_scores(&v, &v, &v, Some(&[1.0, f64::NAN]), 5).unwrap_err();
    assert_eq!(
        err,
        Ki3Error::NonFinite {
            arg: "monetary_value".into(),
            index: 1
        }
    );
    let err = rfm_scores(&v, &[1.0, 2.5], &v, Some(&v), 5).unwrap_err();
    assert!(matches!(err, Ki3Error::InvalidValue { ref arg, index: 1, .. } if arg == "recency"));
}

#[test]
fn summary_feeds_scores() {
    let customer = [1u64, 1, 2, 3, 3, 3];
    let ts = [0i64, 5, 3, 1, 2, 9];
    let amount = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    let log = EventLog::new(&customer, &ts, TimeUnit::Days).with_amount(&amount);
    let s = rfm_summary(&log, &RfmParams::new(10)).unwrap();
    let mv = s.monetary_value.clone().unwrap();
    let sc = rfm_scores(&s.frequency, &s.recency, &s.t, Some(&mv), 5).unwrap();
    assert_eq!(sc.r.len(), 3);
    // customer 3 (last purchase day 9) is the most recent and most frequent; with fewer
    // customers than bins every value is a heavy group and scores are dense ranks 1, 2, 3.
    assert_eq!(sc.r, vec![2, 1, 3]);
    assert_eq!(sc.f, vec![2, 1, 3]);
}

/// Customers per segment, in [`Segment::ALL`] order.
fn segment_counts(segment: &[Segment]) -> [usize; 11] {
    let mut counts = [0; 11];
    for s in segment {
        counts[s.index()] += 1;
    }
    counts
}

#[test]
fn every_segment_is_reached_on_the_synthetic_shop() {
    use crate::data::{ShopParams, synthetic_shop};
    // The demo's shop: 50,000 customers, seed 7, daily periods, observed to the last event.
    for (n, seed) in [(50_000, 7), (5_000, 1)] {
        let shop = synthetic_shop(&ShopParams::new(n, seed)).unwrap();
        let end = shop.timestamp.iter().copied().max().unwrap();
        let s = rfm_summary(&shop.log(), &RfmParams::new(end)).unwrap();
        let mv = s.monetary_value.clone().unwrap();
        let zero_repeat = s.frequency.iter().filter(|&&x| x == 0.0).count();
        let sc = rfm_scores(&s.frequency, &s.recency, &s.t, Some(&mv), 5).unwrap();
        let counts = segment_counts(&sc.segment);
        println!(
            "shop {n}/{seed}: {} customers, {zero_repeat} without a repeat purchase, {counts:?}",
            s.len()
        );
        for seg in Segment::ALL {
            assert!(counts[seg.index()] > 0, "shop {n}/{seed}: {seg} is empty");
        }
    }
}

/// A log of `customers` customers sorted by (customer, time): random purchase counts (one
/// customer with far more rows than a parallel range), several purchases per day, browsing
/// rows, rows after the end, amounts with fractions that make summation order visible.
fn customer_sorted_log(customers: u64, seed: u64) -> (Vec<u64>, Vec<i64>, Vec<f64>, Vec<bool>) {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
    let (mut c, mut t, mut a, mut p) = (vec![], vec![], vec![], vec![]);
    for id in 0..customers {
        let n = if id == customers / 3 {
            150_000
        } else {
            rng.random_range(1..12)
        };
        let mut ts = rng.random_range(0..40 * 86_400i64);
        let step = if n > 1000 { 600 } else { 3 * 86_400i64 };
        for _ in 0..n {
            ts += rng.random_range(0..step);
            c.push(id * 7 + 3);
            t.push(ts);
            a.push(rng.random_range(0.0..100.0) / 3.0);
            p.push(rng.random_bool(0.8));
        }
    }
    (c, t, a, p)
}

#[test]
fn customer_sorted_logs_give_the_rows_of_the_sorting_path() {
    let (c, t, a, p) = customer_sorted_log(30_000, 5);
    assert!(c.len() > 3 << 16, "several parallel ranges");
    // The same rows with the customers in descending order (each customer's rows keep their
    // order): the general, sorting path. Results must be bit-identical.
    let mut order: Vec<usize> = (0..c.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(c[i]));
    let c2: Vec<u64> = order.iter().map(|&i| c[i]).collect();
    let t2: Vec<i64> = order.iter().map(|&i| t[i]).collect();
    let a2: Vec<f64> = order.iter().map(|&i| a[i]).collect();
    let p2: Vec<bool> = order.iter().map(|&i| p[i]).collect();
    let end = 200 * 86_400;
    for freq in [Freq::Day, Freq::Week, Freq::Month] {
        let params = RfmParams::new(end).freq(freq).freq_multiplier(7);
        for with_purchase in [false, true] {
            let mut sorted = EventLog::new(&c, &t, TimeUnit::Seconds).with_amount(&a);
            let mut shuffled = EventLog::new(&c2, &t2, TimeUnit::Seconds).with_amount(&a2);
            if with_purchase {
                sorted = sorted.with_purchase(&p);
                shuffled = shuffled.with_purchase(&p2);
            }
            let want = rfm_summary(&shuffled, &params).unwrap();
            let got = rfm_summary(&sorted, &params).unwrap();
            assert_eq!(got.customer, want.customer);
            for (g, w) in [
                (&got.frequency, &want.frequency),
                (&got.recency, &want.recency),
                (&got.t, &want.t),
                (
                    got.monetary_value.as_ref().unwrap(),
                    want.monetary_value.as_ref().unwrap(),
                ),
            ] {
                let g: Vec<u64> = g.iter().map(|x| x.to_bits()).collect();
                let w: Vec<u64> = w.iter().map(|x| x.to_bits()).collect();
                assert!(g == w, "{freq:?} purchase={with_purchase}");
            }
            // Nanoseconds (datetime64[ns]) give the same rows as seconds.
            let ns: Vec<i64> = t.iter().map(|s| s * 1_000_000_000).collect();
            let mut nano = EventLog::new(&c, &ns, TimeUnit::Nanoseconds).with_amount(&a);
            if with_purchase {
                nano = nano.with_purchase(&p);
            }
            let nano_params = RfmParams::new(end * 1_000_000_000)
                .freq(freq)
                .freq_multiplier(7);
            assert_eq!(rfm_summary(&nano, &nano_params).unwrap(), got);
        }
    }
}

#[test]
fn sorted_path_keeps_the_first_error_and_the_edge_ranges() {
    // Only the last row is a purchase, or a single customer spans every range.
    let n = (1 << 16) * 2 + 5;
    let c = vec![4u64; n];
    let t: Vec<i64> = (0..n as i64).collect();
    let mut p = vec![false; n];
    p[n - 1] = true;
    let log = EventLog::new(&c, &t, TimeUnit::Seconds).with_purchase(&p);
    let s = rfm_summary(&log, &RfmParams::new(i64::MAX)).unwrap();
    assert_eq!((s.customer, s.frequency), (vec![4], vec![0.0]));
    let all = EventLog::new(&c, &t, TimeUnit::Seconds);
    let s = rfm_summary(&all, &RfmParams::new(i64::MAX)).unwrap();
    assert_eq!((s.customer, s.frequency), (vec![4], vec![1.0]));
    // Unrepresentable period starts: the first bad row is reported, sorted input or not.
    let days = [0i64, i64::MIN, i64::MIN + 1];
    let log = EventLog::new(&[1, 2, 3], &days, TimeUnit::Days);
    let err = rfm_summary(&log, &RfmParams::new(0).freq(Freq::Month)).unwrap_err();
    assert!(
        matches!(err, Ki3Error::InvalidValue { index: 1, .. }),
        "{err:?}"
    );
}
