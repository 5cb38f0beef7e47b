//! Validation of `rfm_summary` against lifetimes' CDNOW summaries (`../shared/data/clv`).

use std::path::PathBuf;

use ki3_core::rfm::{Freq, RfmParams, Segment, days_from_civil, rfm_scores, rfm_summary};
use ki3_core::{EventLog, TimeUnit};

/// `../shared/data/<rel>` relative to the workspace root, or `None` (with a message) when the
/// shared data folder is absent, e.g. in a fresh clone.
fn shared_data(rel: &str) -> Option<PathBuf> {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data"));
    if !root.is_dir() {
        println!("skipping: ../shared/data not found");
        return None;
    }
    Some(root.join(rel))
}

fn read_csv(path: &PathBuf) -> Vec<Vec<f64>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').map(|v| v.trim().parse().unwrap()).collect())
        .collect()
}

/// CDNOW transactions: customer ids, days since the unix epoch and amounts. Lines are
/// `id customer yyyymmdd cds dollars` (the sample) or `customer yyyymmdd cds dollars` (the
/// master file, after a header line).
fn read_cdnow(path: &PathBuf) -> (Vec<u64>, Vec<i64>, Vec<f64>) {
    let text = std::fs::read_to_string(path).unwrap();
    let (mut customer, mut day, mut amount) = (vec![], vec![], vec![]);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f[0].parse::<u64>().is_err() {
            continue; // header
        }
        let skip = match f.len() {
            5 => 1,
            4 => 0,
            _ => panic!("bad line {line:?}"),
        };
        let date: u32 = f[skip + 1].parse().unwrap();
        customer.push(f[skip].parse::<u64>().unwrap());
        day.push(days_from_civil(
            (date / 10_000) as i32,
            date / 100 % 100,
            date % 100,
        ));
        amount.push(f[skip + 3].parse::<f64>().unwrap());
    }
    (customer, day, amount)
}

#[test]
fn cdnow_sample_reproduces_lifetimes_summaries() {
    let Some(tx_path) = shared_data("clv/CDNOW_sample.txt") else {
        return;
    };
    let (customer, day, amount) = read_cdnow(&tx_path);
    assert_eq!(customer.len(), 6919);

    let log = EventLog::new(&customer, &day, TimeUnit::Days).with_amount(&amount);
    let params = RfmParams::new(days_from_civil(1997, 9, 30))
        .freq(Freq::Day)
        .freq_multiplier(7);
    let s = rfm_summary(&log, &params).unwrap();
    assert_eq!(s.len(), 2357);
    let mv = s.monetary_value.as_ref().unwrap();

    let tol = 0.005 + 1e-9;
    let reference = read_csv(&shared_data("clv/cdnow_customers_summary.csv").unwrap());
    assert_eq!(reference.len(), 2357);
    let (mut max_rec, mut max_t) = (0.0f64, 0.0f64);
    for (i, row) in reference.iter().enumerate() {
        let (id, x, tx, t) = (row[0] as u64, row[1], row[2], row[3]);
        assert_eq!(s.customer[i], id);
        assert_eq!(s.frequency[i], x, "frequency of customer {id}");
        let (dr, dt) = ((s.recency[i] - tx).abs(), (s.t[i] - t).abs());
        assert!(
            dr <= tol,
            "recency of customer {id}: {} vs {tx}",
            s.recency[i]
        );
        assert!(dt <= tol, "T of customer {id}: {} vs {t}", s.t[i]);
        max_rec = max_rec.max(dr);
        max_t = max_t.max(dt);
    }

    let with_tx =
        read_csv(&shared_data("clv/cdnow_customers_summary_with_transactions.csv").unwrap());
    assert_eq!(with_tx.len(), 2357);
    let mut max_zbar = 0.0f64;
    for (i, row) in with_tx.iter().enumerate() {
        let (id, x, zbar) = (row[0] as u64, row[1], row[4]);
        assert_eq!(s.customer[i], id);
        assert_eq!(s.frequency[i], x);
        let dz = (mv[i] - zbar).abs();
        assert!(dz <= tol, "zbar of customer {id}: {} vs {zbar}", mv[i]);
        max_zbar = max_zbar.max(dz);
    }
    println!(
        "CDNOW max |deviation|: recency {max_rec:.6}, T {max_t:.6}, zbar {max_zbar:.6} \
         (references rounded to 2 decimals)"
    );
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
fn every_segment_is_reached_on_cdnow() {
    let Some(path) = shared_data("clv/CDNOW_master.txt") else {
        return;
    };
    let (customer, day, amount) = read_cdnow(&path);
    assert_eq!(customer.len(), 69_659);
    let log = EventLog::new(&customer, &day, TimeUnit::Days).with_amount(&amount);
    // CDNOW is one cohort: the 23,570 customers made their first purchase in the first quarter
    // of 1997. At the end of that quarter the shop is still acquiring customers, as a typical
    // shop does, and every segment is reached. At the end of the 39-week calibration period
    // nobody's first purchase is recent, so nobody is New (R = 5, no repeat purchase), and
    // every other segment is reached.
    for (end, new_customers) in [
        (days_from_civil(1997, 3, 31), true),
        (days_from_civil(1997, 9, 30), false),
    ] {
        let params = RfmParams::new(end).freq(Freq::Day).freq_multiplier(7);
        let s = rfm_summary(&log, &params).unwrap();
        let mv = s.monetary_value.as_ref().unwrap();
        let sc = rfm_scores(&s.frequency, &s.recency, &s.t, Some(mv), 5).unwrap();
        let counts = segment_counts(&sc.segment);
        println!("CDNOW to day {end}: {} customers, {counts:?}", s.len());
        for seg in Segment::ALL {
            let reached = counts[seg.index()] > 0;
            let expected = seg != Segment::New || new_customers;
            assert_eq!(
                reached,
                expected,
                "end {end}: {seg} has {}",
                counts[seg.index()]
            );
        }
        // The scores use every level 1..=5.
        for (name, col) in [("R", &sc.r), ("F", &sc.f), ("M", &sc.m)] {
            for level in 1..=5 {
                assert!(col.contains(&level), "end {end}: no {name} = {level}");
            }
        }
    }
}
