//! Properties of the synthetic shop generator.

use std::collections::HashMap;

use ki3_core::Ki3Error;
use ki3_core::data::{CATEGORIES, CHANNELS, DEFAULT_START, ShopEvents, ShopParams, synthetic_shop};
use ki3_core::rfm::{Freq, RfmParams, rfm_summary};

fn check_invariants(p: &ShopParams, ev: &ShopEvents) {
    let n = ev.len();
    for len in [
        ev.timestamp.len(),
        ev.amount.len(),
        ev.purchase.len(),
        ev.channel.len(),
        ev.category.len(),
        ev.session.len(),
    ] {
        assert_eq!(len, n);
    }
    ev.log().validate().unwrap();
    let end = p.start + i64::from(p.days) * 86_400;
    let mut session_owner: HashMap<u64, u64> = HashMap::new();
    let mut customers_seen = vec![false; p.n_customers];
    for i in 0..n {
        let ts = ev.timestamp[i];
        assert!(ts >= p.start && ts < end, "timestamp {ts} out of range");
        let a = ev.amount[i];
        assert!(a.is_finite() && a >= 0.0);
        assert_eq!(a > 0.0, ev.purchase[i], "amount {a} at row {i}");
        assert!((ev.channel[i] as usize) < CHANNELS.len());
        assert!((ev.category[i] as usize) < CATEGORIES.len());
        assert!((ev.customer[i] as usize) < p.n_customers);
        customers_seen[ev.customer[i] as usize] = true;
        let owner = *session_owner.entry(ev.session[i]).or_insert(ev.customer[i]);
        assert_eq!(owner, ev.customer[i], "session {} shared", ev.session[i]);
        if i > 0 {
            let prev = (ev.timestamp[i - 1], ev.customer[i - 1], ev.session[i - 1]);
            let cur = (ts, ev.customer[i], ev.session[i]);
            assert!(prev < cur, "rows {} and {i} out of order", i - 1);
        }
    }
    // every customer has at least one session
    assert!(customers_seen.iter().all(|s| *s));
}

#[test]
fn same_seed_same_log_different_seed_different_log() {
    let p = ShopParams::new(3000, 42);
    let a = synthetic_shop(&p).unwrap();
    let b = synthetic_shop(&p).unwrap();
    assert_eq!(a, b);
    let c = synthetic_shop(&ShopParams::new(3000, 43)).unwrap();
    assert_ne!(a.timestamp, c.timestamp);
    check_invariants(&p, &a);
}

#[test]
fn independent_of_thread_count() {
    let p = ShopParams::new(5000, 7).events_per_customer(6.0);
    let default = synthetic_shop(&p).unwrap();
    for threads in [1, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let other = pool.install(|| synthetic_shop(&p)).unwrap();
        assert_eq!(other, default, "{threads} threads");
    }
}

#[test]
fn sizes_follow_events_per_customer() {
    for (n, epc, days) in [
        (20_000, 10.0, 365),
        (20_000, 1.0, 365),
        (20_000, 2.0, 90),
        (10_000, 30.0, 730),
        (5_000, 50.0, 30),
    ] {
        let p = ShopParams::new(n, 1)
            .events_per_customer(epc)
            .days(days)
            .start(DEFAULT_START - 86_400 * 7);
        let ev = synthetic_shop(&p).unwrap();
        let target = n as f64 * epc;
        let ratio = ev.len() as f64 / target;
        println!(
            "n={n} epc={epc} days={days}: {} events, ratio {ratio:.4}",
            ev.len()
        );
        assert!((0.9..=1.1).contains(&ratio), "ratio {ratio}");
        check_invariants(&p, &ev);
    }
}

#[test]
fn shop_looks_like_a_shop() {
    let p = ShopParams::new(20_000, 5);
    let ev = synthetic_shop(&p).unwrap();
    let purchases = ev.purchase.iter().filter(|b| **b).count();
    let sessions: std::collections::HashSet<u64> = ev.session.iter().copied().collect();
    let rate = purchases as f64 / sessions.len() as f64;
    assert!((0.1..0.3).contains(&rate), "purchase per session {rate}");
    let revenue: f64 = ev.amount.iter().sum();
    let aov = revenue / purchases as f64;
    assert!((15.0..60.0).contains(&aov), "average order value {aov}");
    // every channel and category is used
    for k in 0..CHANNELS.len() as u32 {
        assert!(ev.channel.contains(&k));
    }
    for k in 0..CATEGORIES.len() as u32 {
        assert!(ev.category.contains(&k));
    }
    // customers have preferences: the mean top-channel share of customers with >= 5 sessions
    // clearly exceeds the population's top share (0.30)
    let mut per: HashMap<u64, HashMap<u64, u32>> = HashMap::new();
    for i in 0..ev.len() {
        per.entry(ev.customer[i])
            .or_default()
            .insert(ev.session[i], ev.channel[i]);
    }
    let shares: Vec<f64> = per
        .values()
        .filter(|s| s.len() >= 5)
        .map(|s| {
            let mut counts = [0u32; 5];
            for c in s.values() {
                counts[*c as usize] += 1;
            }
            f64::from(*counts.iter().max().unwrap()) / s.len() as f64
        })
        .collect();
    assert!(shares.len() > 100);
    let mean_share = shares.iter().sum::<f64>() / shares.len() as f64;
    assert!(mean_share > 0.45, "mean top-channel share {mean_share}");
}

#[test]
fn parameters_are_checked() {
    assert!(synthetic_shop(&ShopParams::new(10, 0)).is_ok());
    assert!(synthetic_shop(&ShopParams::new(0, 0)).unwrap().is_empty());
    for p in [
        ShopParams::new(10, 0).events_per_customer(0.5),
        ShopParams::new(10, 0).events_per_customer(f64::NAN),
        ShopParams::new(10, 0).days(0),
        ShopParams::new(10, 0).start(i64::MAX - 10),
        ShopParams::new(usize::MAX, 0),
    ] {
        let err = synthetic_shop(&p).unwrap_err();
        assert!(matches!(err, Ki3Error::InvalidParameter { .. }), "{err}");
    }
    // a one-day shop still works
    let p = ShopParams::new(500, 3).days(1).events_per_customer(4.0);
    let ev = synthetic_shop(&p).unwrap();
    check_invariants(&p, &ev);
}

/// `cargo test --release -p ki3-core --test shop_generator -- --ignored --nocapture`
#[test]
#[ignore = "timing; run by hand in release"]
fn timing_ten_million_events() {
    let p = ShopParams::new(1_000_000, 1);
    let t0 = std::time::Instant::now();
    let ev = synthetic_shop(&p).unwrap();
    let dt = t0.elapsed();
    println!(
        "{} events for {} customers in {:.2?} on {} threads",
        ev.len(),
        p.n_customers,
        dt,
        rayon::current_num_threads()
    );
    let end = p.start + i64::from(p.days) * 86_400 - 1;
    let t0 = std::time::Instant::now();
    let s = rfm_summary(&ev.log(), &RfmParams::new(end).freq(Freq::Week)).unwrap();
    println!(
        "rfm_summary (W) of {} events -> {} customers in {:.2?}",
        ev.len(),
        s.len(),
        t0.elapsed()
    );
}
