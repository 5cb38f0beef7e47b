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
    let s = rfm_scores(&f, &r, &t, &m, 5).unwrap();
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
    // 10 bins: R = 1 + floor(10 * 5a / 25) = 1 + 2a, mapped back by ceil(score * 5 / 10)
    let s10 = rfm_scores(&f, &r, &t, &m, 10).unwrap();
    for k in 0..25 {
        assert_eq!(s10.r[k], 1 + 2 * (k / 5) as u8);
        assert_eq!(s10.segment[k], s.segment[k]);
    }
}

#[test]
fn ties_share_a_score_and_order_does_not_matter() {
    // Gaps 59/7, 59/7 (computed from different T and recency) and 0 weeks.
    let t = [272.0 / 7.0, 100.0 / 7.0, 50.0 / 7.0];
    let r = [213.0 / 7.0, 41.0 / 7.0, 50.0 / 7.0];
    let f = [2.0, 2.0, 0.0];
    let m = [10.0, 30.0, 10.0];
    let s = rfm_scores(&f, &r, &t, &m, 3).unwrap();
    // R: nobody is worse than the two tied customers -> 1; customer 2 has 2 worse -> 1 + 2 = 3
    assert_eq!(s.r, vec![1, 1, 3]);
    // F: 1 + floor(3 * 1 / 3) = 2 for the tied pair, 1 for x = 0
    assert_eq!(s.f, vec![2, 2, 1]);
    assert_eq!(s.m, vec![1, 3, 1]);
    assert_eq!(s.score, vec![4, 6, 5]);
    // s5: ceil(1*5/3) = 2, ceil(2*5/3) = 4, ceil(3*5/3) = 5
    use Segment::*;
    // (2, 4) -> At Risk; (5, 2) -> Potential Loyalist
    assert_eq!(s.segment, vec![AtRisk, AtRisk, PotentialLoyalist]);
    // Reversed rows give reversed scores.
    let rev = |x: &[f64]| x.iter().rev().copied().collect::<Vec<_>>();
    let s2 = rfm_scores(&rev(&f), &rev(&r), &rev(&t), &rev(&m), 3).unwrap();
    assert_eq!(s2.r, vec![3, 1, 1]);
    assert_eq!(s2.segment, vec![PotentialLoyalist, AtRisk, AtRisk]);
    // A single customer scores 1 everywhere; with 4 bins, 1 maps to ceil(5 / 4) = 2.
    let one = rfm_scores(&[3.0], &[1.0], &[2.0], &[5.0], 4).unwrap();
    assert_eq!((one.r[0], one.f[0], one.m[0]), (1, 1, 1));
    assert_eq!(one.segment[0], Hibernating);
}

#[test]
fn score_errors() {
    let v = [1.0, 2.0];
    for bins in [0, 1, 101] {
        let err = rfm_scores(&v, &v, &v, &v, bins).unwrap_err();
        assert!(matches!(err, Ki3Error::InvalidParameter { ref name, .. } if name == "bins"));
    }
    let err = rfm_scores(&v, &v, &[1.0], &v, 5).unwrap_err();
    assert!(
        matches!(err, Ki3Error::LengthMismatch { ref arg, got: 1, expected: 2, .. } if arg == "T")
    );
    let err = rfm_scores(&[], &[], &[], &[], 5).unwrap_err();
    assert!(matches!(err, Ki3Error::Empty { ref arg } if arg == "frequency"));
    let err = rfm_scores(&v, &v, &v, &[1.0, f64::NAN], 5).unwrap_err();
    assert_eq!(
        err,
        Ki3Error::NonFinite {
            arg: "monetary_value".into(),
            index: 1
        }
    );
    let err = rfm_scores(&v, &[1.0, 2.5], &v, &v, 5).unwrap_err();
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
    let sc = rfm_scores(&s.frequency, &s.recency, &s.t, &mv, 5).unwrap();
    assert_eq!(sc.r.len(), 3);
    // customer 3 (last purchase day 9) is the most recent and most frequent
    assert_eq!(sc.r[2], 4);
    assert_eq!(sc.f[2], 4);
}
