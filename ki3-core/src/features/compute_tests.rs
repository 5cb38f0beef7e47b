//! Tests of the partition encodings and of the fused amount check.

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;

use super::*;
use crate::events::TimeUnit;
use crate::features::group::Ev;
use crate::features::spec::Family;

/// A random log without session and category columns (the packed encoding's domain).
struct Log {
    customer: Vec<u64>,
    timestamp: Vec<i64>,
    amount: Vec<f64>,
    purchase: Vec<bool>,
    channel: Vec<u32>,
    session: Vec<u64>,
    unit: TimeUnit,
}

impl Log {
    /// `spread`: the time range in ticks; `extremes` adds timestamps near both ends of i64.
    fn new(n: usize, seed: u64, unit: TimeUnit, spread: i64, extremes: bool) -> Self {
        let mut rng = Pcg64Mcg::seed_from_u64(seed);
        let mut l = Log {
            customer: vec![],
            timestamp: vec![],
            amount: vec![],
            purchase: vec![],
            channel: vec![],
            session: vec![],
            unit,
        };
        let tpd = unit.ticks_per_day();
        for i in 0..n {
            let c = rng.random_range(0..300u64);
            l.customer.push(c);
            let t = match (extremes, i % 50) {
                (true, 0) => i64::MIN + rng.random_range(0..3 * tpd.min(1 << 40)),
                (true, 1) => i64::MAX - rng.random_range(0..3 * tpd.min(1 << 40)),
                // Coarse times, so customers get ties and several events a day.
                _ => rng.random_range(0..spread / tpd.max(1) * 24) * (tpd / 24).max(1),
            };
            l.timestamp.push(t);
            let p = rng.random_bool(0.5);
            l.purchase.push(p);
            l.amount.push(match rng.random_range(0..10) {
                0 => -0.0,
                1..=4 => 0.0,
                _ => (rng.random::<f64>() * 1e4).round() / 100.0,
            });
            l.channel.push(rng.random_range(0..6u32) * 7);
            l.session.push(c * 10 + rng.random_range(0..3u64));
        }
        l
    }

    fn rows(&self, order: &[usize]) -> Log {
        Log {
            customer: order.iter().map(|i| self.customer[*i]).collect(),
            timestamp: order.iter().map(|i| self.timestamp[*i]).collect(),
            amount: order.iter().map(|i| self.amount[*i]).collect(),
            purchase: order.iter().map(|i| self.purchase[*i]).collect(),
            channel: order.iter().map(|i| self.channel[*i]).collect(),
            session: order.iter().map(|i| self.session[*i]).collect(),
            unit: self.unit,
        }
    }

    /// The log with amount / purchase / channel columns as chosen.
    fn log(&self, amount: bool, purchase: bool, channel: bool) -> EventLog<'_> {
        let mut log = EventLog::new(&self.customer, &self.timestamp, self.unit);
        if amount {
            log = log.with_amount(&self.amount);
        }
        if purchase {
            log = log.with_purchase(&self.purchase);
        }
        if channel {
            log = log.with_channel(&self.channel);
        }
        log
    }
}

fn assert_same(a: &FeatureTable, b: &FeatureTable, what: &str) {
    assert_eq!(a.customer, b.customer, "{what}: customers");
    assert_eq!(a.names(), b.names(), "{what}: names");
    for (x, y) in a.columns.iter().zip(&b.columns) {
        for (i, (u, v)) in x.values.iter().zip(&y.values).enumerate() {
            assert!(
                u.to_bits() == v.to_bits(),
                "{what}: {} row {i}: {u} vs {v}",
                x.name
            );
        }
    }
}

#[test]
fn packed_and_wide_encodings_decode_to_the_same_events() {
    for (seed, unit, spread, extremes) in [
        (1, TimeUnit::Seconds, 400 * 86_400, false),
        (2, TimeUnit::Milliseconds, 400 * 86_400_000, false),
        (3, TimeUnit::Nanoseconds, 3 * 86_400_000_000_000, true),
        (4, TimeUnit::Days, 5000, true),
    ] {
        let l = Log::new(4000, seed, unit, spread, extremes);
        for (amount, purchase, channel) in [(true, true, true), (false, false, false)] {
            let log = l.log(amount, purchase, channel);
            for as_of in [i64::MAX, spread / 2] {
                let spec = FeatureSpec::new(as_of);
                let layout = Layout::new(&spec, &log).unwrap();
                let packed = Partition::build(&log, &layout, &[], as_of, true).unwrap();
                let wide = Partition::build(&log, &layout, &[], as_of, false).unwrap();
                assert!(matches!(packed.codec(), Codec::Packed(_)));
                assert!(matches!(wide.codec(), Codec::Wide { .. }));
                assert_eq!(packed.n_buckets(), wide.n_buckets());
                for b in 0..packed.n_buckets() {
                    let p: Vec<Ev> = packed.events(b).collect();
                    let w: Vec<Ev> = wide.events(b).collect();
                    assert_eq!(p.len(), w.len());
                    for (x, y) in p.iter().zip(&w) {
                        // Bitwise, so -0.0 and 0.0 amounts are told apart.
                        assert_eq!(
                            (x.ts, x.amount.to_bits(), x.local, x.channel, x.purchase),
                            (y.ts, y.amount.to_bits(), y.local, y.channel, y.purchase),
                        );
                    }
                    assert_eq!(packed.n_present(b), wide.n_present(b));
                    for d in packed.customers(b) {
                        assert_eq!(packed.is_present(d), wide.is_present(d));
                    }
                }
            }
        }
    }
}

#[test]
fn one_pass_and_sorting_paths_agree_for_every_time_unit() {
    for (seed, unit, spread, extremes) in [
        (5, TimeUnit::Seconds, 400 * 86_400, false),
        (6, TimeUnit::Milliseconds, 40 * 86_400_000, false),
        (7, TimeUnit::Microseconds, 400 * 86_400_000_000, true),
        (8, TimeUnit::Nanoseconds, 3 * 86_400_000_000_000, true),
        (9, TimeUnit::Days, 5000, false),
    ] {
        let l = Log::new(6000, seed, unit, spread, extremes);
        // Time order with distinct times per customer (the one-pass scan), its reverse (the
        // sorting path) and a shuffle.
        let mut order: Vec<usize> = (0..l.customer.len()).collect();
        order.sort_by_key(|i| (l.timestamp[*i], *i));
        let mut forward = l.rows(&order);
        if !extremes {
            // Distinct times, so no customer has two purchases at once: the scan never gives up.
            let step = (spread / forward.timestamp.len() as i64).max(1);
            for (k, t) in forward.timestamp.iter_mut().enumerate() {
                *t = k as i64 * step - spread / 10;
            }
            let spec = FeatureSpec::new(i64::MAX);
            let log = forward.log(true, true, true);
            let layout = Layout::new(&spec, &log).unwrap();
            let part = Partition::new(&log, &layout, &[], i64::MAX).unwrap();
            let Codec::Packed(packed) = part.codec() else {
                panic!("not packed");
            };
            let cutoffs = Cutoffs::new(&layout, spec.as_of);
            let mut scan = BucketScan::new(&layout);
            for b in 0..part.n_buckets() {
                let n = part.customers(b).len();
                assert!(scan.run_packed(part.words(b), packed, n, &cutoffs));
            }
        }
        let order: Vec<usize> = (0..forward.customer.len()).collect();
        let mut order: Vec<usize> = order.into_iter().rev().collect();
        let backward = forward.rows(&order);
        let mut rng = Pcg64Mcg::seed_from_u64(seed);
        for i in (1..order.len()).rev() {
            order.swap(i, rng.random_range(0..=i));
        }
        let shuffled = forward.rows(&order);
        for (amount, purchase, channel) in [
            (true, true, true),
            (true, false, true),
            (false, true, false),
        ] {
            for as_of in [i64::MAX, spread / 3] {
                let spec = FeatureSpec::new(as_of).windows(vec![1, 30]);
                let want =
                    customer_features(&forward.log(amount, purchase, channel), &spec).unwrap();
                assert!(want.n_rows() > 100);
                for (other, name) in [(&backward, "reversed"), (&shuffled, "shuffled")] {
                    let got =
                        customer_features(&other.log(amount, purchase, channel), &spec).unwrap();
                    assert_same(&want, &got, name);
                }
                // The wide encoding and the sorting path (a session column), on the shared
                // columns.
                let with_session = forward
                    .log(amount, purchase, channel)
                    .with_session(&forward.session);
                let mut families = vec![Family::Core, Family::Windows];
                if channel {
                    families.push(Family::Channel);
                }
                let spec = spec.clone().families(families);
                let wide = customer_features(&with_session, &spec).unwrap();
                assert_eq!(want.customer, wide.customer);
                for col in &want.columns {
                    let other = wide.column(&col.name).unwrap();
                    for (i, (u, v)) in col.values.iter().zip(other).enumerate() {
                        assert!(u.to_bits() == v.to_bits(), "wide {} row {i}", col.name);
                    }
                }
            }
        }
    }
}

#[test]
fn amounts_are_checked_like_validate_whatever_comes_first() {
    let c = [3u64, 1, 2, 1, 3];
    let t = [10i64, 20, 30, 40, 1_000];
    for bad in [f64::NAN, -1.0, f64::INFINITY, f64::NEG_INFINITY, -f64::NAN] {
        for at in 0..c.len() {
            let mut a = [1.0, 0.0, -0.0, 2.5, 3.0];
            a[at] = bad;
            let log = EventLog::new(&c, &t, TimeUnit::Seconds).with_amount(&a);
            let want = log.validate().unwrap_err();
            // Also when the bad row is after `as_of`, and whatever else is wrong.
            for spec in [
                FeatureSpec::new(100),
                FeatureSpec::new(100).windows(vec![0]),
            ] {
                assert_eq!(customer_features(&log, &spec).unwrap_err(), want);
            }
            let short = [true];
            let log = log.with_purchase(&short);
            assert_eq!(log.validate().unwrap_err(), want);
            assert_eq!(
                customer_features(&log, &FeatureSpec::new(100)).unwrap_err(),
                want
            );
        }
    }
    // -0.0 is a valid amount; other errors are unchanged.
    let a = [-0.0, 0.0, 1.0, 2.0, 3.0];
    let log = EventLog::new(&c, &t, TimeUnit::Seconds).with_amount(&a);
    assert!(customer_features(&log, &FeatureSpec::new(100)).is_ok());
    let bad_spec = FeatureSpec::new(100).windows(vec![0]);
    assert_eq!(
        customer_features(&log, &bad_spec).unwrap_err(),
        bad_spec.check().unwrap_err()
    );
    let short = [1u32];
    let log = log.with_channel(&short);
    assert_eq!(
        customer_features(&log, &FeatureSpec::new(100)).unwrap_err(),
        log.validate().unwrap_err()
    );
}

#[test]
fn historical_rows_equal_one_shot_rows_with_packed_events() {
    let l = Log::new(3000, 11, TimeUnit::Milliseconds, 60 * 86_400_000, false);
    for (amount, purchase, channel) in [(true, true, true), (false, false, true)] {
        let log = l.log(amount, purchase, channel);
        let spec = FeatureSpec::new(0).windows(vec![3, 20]);
        let label_customer: Vec<u64> = (0..40).map(|i| (i * 7) % 301).collect();
        let label_time: Vec<i64> = (0..40).map(|i| i * 1_500_000_000 - 86_400_000).collect();
        let h = historical_features(&log, &label_customer, &label_time, &spec).unwrap();
        for (i, (c, t)) in label_customer.iter().zip(&label_time).enumerate() {
            let one = customer_features(
                &log,
                &FeatureSpec {
                    as_of: *t,
                    ..spec.clone()
                },
            )
            .unwrap();
            let Some(row) = one.customer.iter().position(|x| x == c) else {
                // No event yet: zero counts.
                assert_eq!(h.column("purchases").unwrap()[i], 0.0);
                continue;
            };
            for col in &one.columns {
                let (want, got) = (col.values[row], h.column(&col.name).unwrap()[i]);
                assert!(want.to_bits() == got.to_bits(), "{} label {i}", col.name);
            }
        }
    }
}

#[test]
fn thread_count_and_chunking_do_not_change_results() {
    // Enough rows for several chunks per thread, and several buckets.
    let mut rng = Pcg64Mcg::seed_from_u64(12);
    let n = 600_000;
    let customer: Vec<u64> = (0..n).map(|_| rng.random_range(0..20_000u64)).collect();
    let timestamp: Vec<i64> = (0..n as i64).map(|i| i * 37).collect();
    let amount: Vec<f64> = (0..n)
        .map(|_| (rng.random::<f64>() * 50.0).round() * f64::from(rng.random_bool(0.2)))
        .collect();
    let channel: Vec<u32> = (0..n).map(|_| rng.random_range(0..4u32)).collect();
    let reversed = |v: &Vec<u64>| v.iter().rev().copied().collect::<Vec<_>>();
    let rc = reversed(&customer);
    let rt: Vec<i64> = timestamp.iter().rev().copied().collect();
    let ra: Vec<f64> = amount.iter().rev().copied().collect();
    let rch: Vec<u32> = channel.iter().rev().copied().collect();
    let spec = FeatureSpec::new(n as i64 * 30).windows(vec![1, 7]);
    let run = |threads: usize, forward: bool| {
        let log = if forward {
            EventLog::new(&customer, &timestamp, TimeUnit::Seconds)
                .with_amount(&amount)
                .with_channel(&channel)
        } else {
            EventLog::new(&rc, &rt, TimeUnit::Seconds)
                .with_amount(&ra)
                .with_channel(&rch)
        };
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| customer_features(&log, &spec).unwrap())
    };
    let want = run(2, true);
    assert!(want.n_rows() > 19_000);
    for (threads, forward) in [(1, true), (3, true), (1, false), (2, false)] {
        assert_same(&want, &run(threads, forward), &format!("{threads} threads"));
    }
}

#[test]
fn windows_reaching_below_i64_min_count_the_earliest_events() {
    // Two events at i64::MIN, as_of ten seconds later: the 1-day window starts before the
    // representable range, so both are inside it (a saturated start would drop them).
    let customer = [1u64, 1, 2];
    let timestamp = [i64::MIN, i64::MIN, i64::MIN + 5];
    let log = EventLog::new(&customer, &timestamp, TimeUnit::Seconds);
    let spec = FeatureSpec::new(i64::MIN + 10).windows(vec![1, 30]);
    let table = customer_features(&log, &spec).unwrap();
    assert_eq!(table.column("events_1d").unwrap(), &[2.0, 1.0]);
    assert_eq!(table.column("events_30d").unwrap(), &[2.0, 1.0]);
    let h = historical_features(&log, &[1, 2], &[i64::MIN + 10, i64::MIN + 10], &spec).unwrap();
    assert_eq!(h.column("events_1d").unwrap(), &[2.0, 1.0]);
}
