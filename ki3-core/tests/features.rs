//! Customer features: hand-computed values, an independent brute-force reference on random logs,
//! point-in-time correctness, historical = one-shot, and merge/order/thread invariance.

use ki3_core::features::{
    Family, FeatureAggregator, FeatureSpec, FeatureTable, customer_features, historical_features,
};
use ki3_core::{EventLog, Ki3Error, TimeUnit};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;

const DAY: i64 = 86_400;

fn get(t: &FeatureTable, name: &str, row: usize) -> f64 {
    t.column(name)
        .unwrap_or_else(|| panic!("missing column {name}"))[row]
}

#[test]
fn hand_computed_tiny_log() {
    // Customer 7: purchases on days 0, 2, 7 (amounts 10, 20, 30), a browse on day 9 in session 3.
    // Customer 9: one browse on day 5. Customer 11: only an event after as_of.
    let customer = [7u64, 7, 9, 7, 7, 11, 7];
    let timestamp = [
        0,
        2 * DAY,
        5 * DAY,
        7 * DAY,
        9 * DAY,
        20 * DAY,
        7 * DAY + 600,
    ];
    let amount = [10.0, 20.0, 0.0, 30.0, 0.0, 5.0, 0.0];
    let purchase = [true, true, false, true, false, true, false];
    let channel = [1u32, 1, 2, 4, 1, 1, 4];
    let category = [0u32, 1, 1, 1, 0, 0, 1];
    let session = [1u64, 2, 10, 3, 4, 20, 3];
    let log = EventLog::new(&customer, &timestamp, TimeUnit::Seconds)
        .with_amount(&amount)
        .with_purchase(&purchase)
        .with_channel(&channel)
        .with_category(&category)
        .with_session(&session);
    let as_of = 10 * DAY;
    let t = customer_features(&log, &FeatureSpec::new(as_of).windows(vec![2, 8])).unwrap();
    assert_eq!(t.customer, vec![7, 9]);
    let r = 0;
    assert_eq!(get(&t, "recency_days", r), 3.0);
    assert_eq!(get(&t, "tenure_days", r), 10.0);
    assert_eq!(get(&t, "purchases", r), 3.0);
    assert_eq!(get(&t, "purchase_days", r), 3.0);
    assert_eq!(get(&t, "monetary_total", r), 60.0);
    assert_eq!(get(&t, "monetary_mean", r), 20.0);
    assert_eq!(get(&t, "monetary_max", r), 30.0);
    // Gaps 2 and 5 days: mean 3.5, sample std sqrt(((2-3.5)^2 + (5-3.5)^2) / 1) = sqrt(4.5).
    assert_eq!(get(&t, "interpurchase_mean_days", r), 3.5);
    assert!((get(&t, "interpurchase_std_days", r) - 4.5f64.sqrt()).abs() < 1e-15);
    // Window 2d = (day 8, day 10]: the browse on day 9. Window 8d = (day 2, day 10].
    assert_eq!(get(&t, "purchases_2d", r), 0.0);
    assert_eq!(get(&t, "events_2d", r), 1.0);
    assert_eq!(get(&t, "sessions_2d", r), 1.0);
    assert_eq!(get(&t, "revenue_2d", r), 0.0);
    assert_eq!(get(&t, "purchases_8d", r), 1.0);
    assert_eq!(get(&t, "revenue_8d", r), 30.0);
    assert_eq!(get(&t, "events_8d", r), 3.0);
    assert_eq!(get(&t, "sessions_8d", r), 2.0);
    // Channels present in the input: 1, 2, 4. Customer 7: 3 events on 1, 2 on 4.
    assert_eq!(get(&t, "channel_share_1", r), 0.6);
    assert_eq!(get(&t, "channel_share_2", r), 0.0);
    assert_eq!(get(&t, "channel_share_4", r), 0.4);
    assert_eq!(get(&t, "preferred_channel", r), 1.0);
    assert_eq!(get(&t, "channels_used", r), 2.0);
    // Spend: category 0 -> 10, category 1 -> 50.
    let (p0, p1) = (10.0 / 60.0, 50.0 / 60.0);
    assert!((get(&t, "category_share_0", r) - p0).abs() < 1e-15);
    assert!((get(&t, "category_share_1", r) - p1).abs() < 1e-15);
    assert_eq!(get(&t, "top_category", r), 1.0);
    let entropy = -(p0 * p0.ln() + p1 * p1.ln());
    assert!((get(&t, "category_entropy", r) - entropy).abs() < 1e-15);
    // 5 events in 4 sessions over 4 active days; session 3 lasts 600 s, the others 0.
    assert_eq!(get(&t, "events_per_session", r), 1.25);
    assert_eq!(get(&t, "sessions_per_active_day", r), 1.0);
    assert_eq!(get(&t, "session_duration_mean_s", r), 150.0);
    // Customer 9: no purchase.
    let r = 1;
    assert!(get(&t, "recency_days", r).is_nan());
    assert_eq!(get(&t, "tenure_days", r), 5.0);
    assert_eq!(get(&t, "purchases", r), 0.0);
    assert_eq!(get(&t, "monetary_total", r), 0.0);
    assert!(get(&t, "monetary_mean", r).is_nan());
    assert!(get(&t, "interpurchase_mean_days", r).is_nan());
    assert_eq!(get(&t, "channel_share_2", r), 1.0);
    assert!(get(&t, "category_share_0", r).is_nan());
    assert!(get(&t, "top_category", r).is_nan());
}

#[test]
fn as_of_before_everything_is_empty_and_families_are_checked() {
    let c = [1u64, 2];
    let t = [100i64, 200];
    let log = EventLog::new(&c, &t, TimeUnit::Seconds);
    let table = customer_features(&log, &FeatureSpec::new(99)).unwrap();
    assert_eq!(table.n_rows(), 0);
    assert_eq!(
        table.names(),
        vec![
            "recency_days",
            "tenure_days",
            "purchases",
            "purchase_days",
            "interpurchase_mean_days",
            "interpurchase_std_days",
            "purchases_7d",
            "events_7d",
            "purchases_30d",
            "events_30d",
            "purchases_90d",
            "events_90d",
            "purchases_365d",
            "events_365d"
        ]
    );
    let err =
        customer_features(&log, &FeatureSpec::new(99).families(vec![Family::Channel])).unwrap_err();
    assert!(matches!(err, Ki3Error::InvalidParameter { ref name, .. } if name == "families"));
    assert!(customer_features(&log, &FeatureSpec::new(0).windows(vec![0])).is_err());
    assert!(customer_features(&log, &FeatureSpec::new(0).windows(vec![7, 7])).is_err());
}

/// A random log with few customers, many ties and duplicate rows.
struct RandomLog {
    customer: Vec<u64>,
    timestamp: Vec<i64>,
    amount: Vec<f64>,
    purchase: Vec<bool>,
    channel: Vec<u32>,
    category: Vec<u32>,
    session: Vec<u64>,
}

impl RandomLog {
    fn new(n: usize, seed: u64, sparse_ids: bool) -> Self {
        let mut rng = Pcg64Mcg::seed_from_u64(seed);
        let mut l = RandomLog {
            customer: vec![],
            timestamp: vec![],
            amount: vec![],
            purchase: vec![],
            channel: vec![],
            category: vec![],
            session: vec![],
        };
        for _ in 0..n {
            let c = rng.random_range(0..40u64);
            l.customer
                .push(if sparse_ids { c * 1_000_000_007 } else { c });
            // Hour resolution over 400 days so there are ties and multi-event days.
            l.timestamp
                .push(rng.random_range(0..400 * 24i64) * 3600 - 50 * DAY);
            let p = rng.random_bool(0.4);
            l.purchase.push(p);
            l.amount.push(if p {
                (rng.random::<f64>() * 100.0 * 100.0).round() / 100.0
            } else {
                0.0
            });
            l.channel.push(rng.random_range(0..5u32) * 3);
            l.category.push(rng.random_range(0..4u32));
            l.session.push(c * 100 + rng.random_range(0..6u64));
        }
        l
    }

    fn log(&self) -> EventLog<'_> {
        EventLog::new(&self.customer, &self.timestamp, TimeUnit::Seconds)
            .with_amount(&self.amount)
            .with_purchase(&self.purchase)
            .with_channel(&self.channel)
            .with_category(&self.category)
            .with_session(&self.session)
    }
}

/// Straightforward reference: filter, sort and compute each feature from its definition.
fn brute_force(l: &RandomLog, cust: u64, as_of: i64, windows: &[u32]) -> Vec<(String, f64)> {
    let mut rows: Vec<usize> = (0..l.customer.len())
        .filter(|i| l.customer[*i] == cust && l.timestamp[*i] <= as_of)
        .collect();
    rows.sort_by_key(|i| l.timestamp[*i]);
    let days = |ticks: i64| ticks as f64 / DAY as f64;
    let purchases: Vec<usize> = rows.iter().copied().filter(|i| l.purchase[*i]).collect();
    let mut out: Vec<(String, f64)> = vec![];
    let mut put = |n: &str, v: f64| out.push((n.to_string(), v));
    put(
        "recency_days",
        purchases
            .last()
            .map_or(f64::NAN, |i| days(as_of - l.timestamp[*i])),
    );
    put("tenure_days", days(as_of - l.timestamp[rows[0]]));
    put("purchases", purchases.len() as f64);
    let mut pdays: Vec<i64> = purchases
        .iter()
        .map(|i| l.timestamp[*i].div_euclid(DAY))
        .collect();
    pdays.dedup();
    put("purchase_days", pdays.len() as f64);
    let total: f64 = purchases.iter().map(|i| l.amount[*i]).sum();
    put("monetary_total", total);
    put("monetary_mean", total / purchases.len() as f64);
    put(
        "monetary_max",
        purchases
            .iter()
            .map(|i| l.amount[*i])
            .fold(f64::NAN, f64::max),
    );
    let gaps: Vec<f64> = purchases
        .windows(2)
        .map(|w| days(l.timestamp[w[1]] - l.timestamp[w[0]]))
        .collect();
    let gm = gaps.iter().sum::<f64>() / gaps.len() as f64;
    put("interpurchase_mean_days", gm);
    let var = gaps.iter().map(|g| (g - gm).powi(2)).sum::<f64>() / (gaps.len() as f64 - 1.0);
    put(
        "interpurchase_std_days",
        if gaps.len() >= 2 {
            var.sqrt()
        } else {
            f64::NAN
        },
    );
    for w in windows {
        let inw: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|i| l.timestamp[*i] > as_of - i64::from(*w) * DAY)
            .collect();
        put(
            &format!("purchases_{w}d"),
            inw.iter().filter(|i| l.purchase[**i]).count() as f64,
        );
        put(
            &format!("revenue_{w}d"),
            inw.iter()
                .filter(|i| l.purchase[**i])
                .map(|i| l.amount[*i])
                .sum(),
        );
        put(&format!("events_{w}d"), inw.len() as f64);
        // A session is in the window when its latest event (as of as_of) is.
        let mut s: Vec<u64> = rows
            .iter()
            .filter(|i| {
                let sess = l.session[**i];
                let last = rows
                    .iter()
                    .filter(|j| l.session[**j] == sess)
                    .map(|j| l.timestamp[*j])
                    .max()
                    .unwrap();
                last > as_of - i64::from(*w) * DAY
            })
            .map(|i| l.session[*i])
            .collect();
        s.sort();
        s.dedup();
        put(&format!("sessions_{w}d"), s.len() as f64);
    }
    let n = rows.len() as f64;
    for code in [0u32, 3, 6, 9, 12] {
        put(
            &format!("channel_share_{code}"),
            rows.iter().filter(|i| l.channel[**i] == code).count() as f64 / n,
        );
    }
    let spend: Vec<f64> = (0..4u32)
        .map(|c| {
            purchases
                .iter()
                .filter(|i| l.category[**i] == c)
                .map(|i| l.amount[*i])
                .sum()
        })
        .collect();
    let st: f64 = spend.iter().sum();
    for (c, s) in spend.iter().enumerate() {
        put(
            &format!("category_share_{c}"),
            if st > 0.0 { s / st } else { f64::NAN },
        );
    }
    let mut sessions: Vec<u64> = rows.iter().map(|i| l.session[*i]).collect();
    sessions.sort();
    sessions.dedup();
    let mut active: Vec<i64> = rows
        .iter()
        .map(|i| l.timestamp[*i].div_euclid(DAY))
        .collect();
    active.dedup();
    put("events_per_session", n / sessions.len() as f64);
    put(
        "sessions_per_active_day",
        sessions.len() as f64 / active.len() as f64,
    );
    let dur: i64 = sessions
        .iter()
        .map(|s| {
            let ts: Vec<i64> = rows
                .iter()
                .filter(|i| l.session[**i] == *s)
                .map(|i| l.timestamp[*i])
                .collect();
            ts.iter().max().unwrap() - ts.iter().min().unwrap()
        })
        .sum();
    put(
        "session_duration_mean_s",
        dur as f64 / sessions.len() as f64,
    );
    out
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= rel * a.abs().max(b.abs())
}

#[test]
fn matches_brute_force_reference_on_random_logs() {
    for seed in 0..6u64 {
        let l = RandomLog::new(600, seed, seed % 2 == 1);
        let windows = [3u32, 30, 365];
        let as_of = 200 * DAY + 7 * 3600;
        let t = customer_features(&l.log(), &FeatureSpec::new(as_of).windows(windows.to_vec()))
            .unwrap();
        let mut expected_customers: Vec<u64> = l
            .customer
            .iter()
            .zip(&l.timestamp)
            .filter(|(_, t)| **t <= as_of)
            .map(|(c, _)| *c)
            .collect();
        expected_customers.sort();
        expected_customers.dedup();
        assert_eq!(t.customer, expected_customers);
        for (row, cust) in t.customer.iter().enumerate() {
            for (name, want) in brute_force(&l, *cust, as_of, &windows) {
                let got = get(&t, &name, row);
                assert!(
                    close(got, want, 1e-12),
                    "seed {seed} customer {cust} {name}: got {got}, want {want}"
                );
            }
        }
    }
}

fn assert_tables_equal(a: &FeatureTable, b: &FeatureTable) {
    assert_eq!(a.customer, b.customer);
    assert_eq!(a.names(), b.names());
    for (x, y) in a.columns.iter().zip(&b.columns) {
        for (i, (u, v)) in x.values.iter().zip(&y.values).enumerate() {
            assert!(u.to_bits() == v.to_bits(), "{} row {i}: {u} vs {v}", x.name);
        }
    }
}

#[test]
fn historical_equals_one_shot_at_each_label_time() {
    let l = RandomLog::new(800, 42, false);
    let log = l.log();
    let mut rng = Pcg64Mcg::seed_from_u64(1);
    let label_customer: Vec<u64> = (0..60).map(|_| rng.random_range(0..45u64)).collect();
    let label_time: Vec<i64> = (0..60)
        .map(|_| rng.random_range(-60 * DAY..360 * DAY))
        .collect();
    let spec = FeatureSpec::new(0).windows(vec![7, 90]);
    let h = historical_features(&log, &label_customer, &label_time, &spec).unwrap();
    assert_eq!(h.customer, label_customer);
    for i in 0..label_customer.len() {
        let at_label = FeatureSpec {
            as_of: label_time[i],
            ..spec.clone()
        };
        let one = customer_features(&log, &at_label).unwrap();
        match one.customer.iter().position(|c| *c == label_customer[i]) {
            Some(row) => {
                for col in &h.columns {
                    let want = get(&one, &col.name, row);
                    assert!(
                        col.values[i].to_bits() == want.to_bits(),
                        "label {i} {}: {} vs {want}",
                        col.name,
                        col.values[i]
                    );
                }
            }
            None => {
                // No events yet: zero counts, NaN for undefined values.
                assert_eq!(get(&h, "purchases", i), 0.0);
                assert_eq!(get(&h, "events_7d", i), 0.0);
                assert!(get(&h, "tenure_days", i).is_nan());
            }
        }
    }
    assert!(historical_features(&log, &label_customer, &label_time[1..], &spec).is_err());
}

#[test]
fn aggregator_merge_and_order_invariance_and_threads() {
    let l = RandomLog::new(3000, 9, true);
    let log = l.log();
    let spec = FeatureSpec::new(250 * DAY);
    let whole = customer_features(&log, &spec).unwrap();
    // Reversed row order gives bit-identical output.
    let rev = |v: &Vec<u64>| v.iter().rev().copied().collect::<Vec<_>>();
    let (c, s) = (rev(&l.customer), rev(&l.session));
    let t: Vec<i64> = l.timestamp.iter().rev().copied().collect();
    let a: Vec<f64> = l.amount.iter().rev().copied().collect();
    let p: Vec<bool> = l.purchase.iter().rev().copied().collect();
    let ch: Vec<u32> = l.channel.iter().rev().copied().collect();
    let ca: Vec<u32> = l.category.iter().rev().copied().collect();
    let reversed = EventLog::new(&c, &t, TimeUnit::Seconds)
        .with_amount(&a)
        .with_purchase(&p)
        .with_channel(&ch)
        .with_category(&ca)
        .with_session(&s);
    assert_tables_equal(&whole, &customer_features(&reversed, &spec).unwrap());

    // Partitions merged in different orders, with JSON round trips in between.
    let cuts = [0, 700, 1500, 2999, 3000];
    let part = |k: usize| {
        let (lo, hi) = (cuts[k], cuts[k + 1]);
        let mut agg = FeatureAggregator::new();
        let chunk = EventLog::new(&l.customer[lo..hi], &l.timestamp[lo..hi], TimeUnit::Seconds)
            .with_amount(&l.amount[lo..hi])
            .with_purchase(&l.purchase[lo..hi])
            .with_channel(&l.channel[lo..hi])
            .with_category(&l.category[lo..hi])
            .with_session(&l.session[lo..hi]);
        agg.update(&chunk).unwrap();
        FeatureAggregator::from_json(&agg.to_json().unwrap()).unwrap()
    };
    for order in [[0usize, 1, 2, 3], [3, 1, 0, 2], [2, 3, 1, 0]] {
        let mut agg = FeatureAggregator::new();
        agg.merge(&FeatureAggregator::new()).unwrap();
        for k in order {
            agg.merge(&part(k)).unwrap();
        }
        assert_eq!(agg.n_events(), 3000);
        assert_tables_equal(&whole, &agg.finish(&spec).unwrap());
    }

    // One thread gives the same numbers as the default pool.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let single = pool.install(|| customer_features(&log, &spec).unwrap());
    assert_tables_equal(&whole, &single);
}

#[test]
fn aggregator_rejects_bad_chunks_and_corrupt_state() {
    let mut agg = FeatureAggregator::new();
    let c = [1u64, 2];
    let t = [1i64, 2];
    let a = [1.0, 2.0];
    agg.update(&EventLog::new(&c, &t, TimeUnit::Seconds).with_amount(&a))
        .unwrap();
    let saved = agg.to_json().unwrap();
    // Different schema: rejected, state unchanged.
    assert!(
        agg.update(&EventLog::new(&c, &t, TimeUnit::Seconds))
            .is_err()
    );
    let bad = [1.0, f64::NAN];
    assert!(
        agg.update(&EventLog::new(&c, &t, TimeUnit::Seconds).with_amount(&bad))
            .is_err()
    );
    assert_eq!(agg.to_json().unwrap(), saved);
    for corrupt in [
        "",
        "{}",
        "[1,2]",
        &saved.replace("\"FeatureAggregator\"", "\"BernoulliTs\""),
        &saved.replace("\"version\":1", "\"version\":99"),
        &saved.replace("[1.0,2.0]", "[1.0]"),
        &saved.replace("[1.0,2.0]", "[1.0,-2.0]"),
        &saved.replace("\"seconds\"", "\"weeks\""),
    ] {
        assert!(
            matches!(
                FeatureAggregator::from_json(corrupt),
                Err(Ki3Error::Corrupt { .. })
            ),
            "accepted {corrupt:?}"
        );
    }
}

#[test]
fn extreme_timestamps_do_not_overflow() {
    let c = [1u64, 1, 1];
    let t = [i64::MIN + 5, 0, i64::MAX - 5];
    let s = [1u64, 1, 1];
    let log = EventLog::new(&c, &t, TimeUnit::Nanoseconds).with_session(&s);
    let table = customer_features(&log, &FeatureSpec::new(i64::MAX)).unwrap();
    let span_days = (2f64.powi(64) - 11.0) / 86_400e9;
    let tenure = get(&table, "tenure_days", 0);
    assert!(tenure > 0.0 && ((tenure - span_days) / span_days).abs() < 1e-12);
    assert!(get(&table, "interpurchase_mean_days", 0) > 0.0);
    assert!(get(&table, "session_duration_mean_s", 0) > 0.0);
    assert_eq!(get(&table, "recency_days", 0), 5.0 / 86_400e9);
}

#[test]
fn time_ordered_and_shuffled_logs_give_identical_features() {
    // Distinct timestamps in time order (the one-pass path) vs. the same rows reversed (the
    // sorting path), without sessions.
    let l = RandomLog::new(5000, 3, false);
    let mut order: Vec<usize> = (0..l.customer.len()).collect();
    order.sort_by_key(|i| (l.timestamp[*i], *i));
    let pick = |rows: &[usize]| {
        let ts: Vec<i64> = rows
            .iter()
            .enumerate()
            .map(|(k, _)| k as i64 * 997)
            .collect();
        let c: Vec<u64> = rows.iter().map(|i| l.customer[*i]).collect();
        let a: Vec<f64> = rows.iter().map(|i| l.amount[*i]).collect();
        let p: Vec<bool> = rows.iter().map(|i| l.purchase[*i]).collect();
        let ch: Vec<u32> = rows.iter().map(|i| l.channel[*i]).collect();
        let ca: Vec<u32> = rows.iter().map(|i| l.category[*i]).collect();
        (c, ts, a, p, ch, ca)
    };
    let (c, ts, a, p, ch, ca) = pick(&order);
    let forward = EventLog::new(&c, &ts, TimeUnit::Seconds)
        .with_amount(&a)
        .with_purchase(&p)
        .with_channel(&ch)
        .with_category(&ca);
    let rev = |v: &[u64]| v.iter().rev().copied().collect::<Vec<_>>();
    let (rc, rts) = (rev(&c), ts.iter().rev().copied().collect::<Vec<_>>());
    let ra: Vec<f64> = a.iter().rev().copied().collect();
    let rp: Vec<bool> = p.iter().rev().copied().collect();
    let rch: Vec<u32> = ch.iter().rev().copied().collect();
    let rca: Vec<u32> = ca.iter().rev().copied().collect();
    let backward = EventLog::new(&rc, &rts, TimeUnit::Seconds)
        .with_amount(&ra)
        .with_purchase(&rp)
        .with_channel(&rch)
        .with_category(&rca);
    let spec = FeatureSpec::new(3_000_000).windows(vec![1, 7, 30]);
    let f = customer_features(&forward, &spec).unwrap();
    assert!(f.n_rows() > 30);
    assert_tables_equal(&f, &customer_features(&backward, &spec).unwrap());
}
