//! Customer features on the synthetic shop: 10M events over 1M customers (set KI3_BENCH_CUSTOMERS
//! to change the size). Prints the peak extra heap memory relative to the input columns, then
//! runs criterion on the RFM + channel-count subset, the full feature set and `rfm_summary`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use ki3_benches::CountingAlloc;
use ki3_core::data::{ShopEvents, ShopParams, synthetic_shop};
use ki3_core::features::{Family, FeatureSpec, customer_features};
use ki3_core::rfm::{RfmParams, rfm_summary};
use ki3_core::{EventLog, TimeUnit};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::new();

fn shop() -> ShopEvents {
    let n: usize = std::env::var("KI3_BENCH_CUSTOMERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    synthetic_shop(&ShopParams::new(n, 42).events_per_customer(10.0)).expect("generator")
}

/// Only what the RFM + channel-count comparison with polars uses.
fn subset_log(s: &ShopEvents) -> EventLog<'_> {
    EventLog::new(&s.customer, &s.timestamp, TimeUnit::Seconds)
        .with_amount(&s.amount)
        .with_channel(&s.channel)
}

fn as_of(s: &ShopEvents) -> i64 {
    s.timestamp.iter().copied().max().unwrap_or(0)
}

fn report_memory(s: &ShopEvents) {
    let input_bytes = s.len() * (8 + 8 + 8 + 1 + 4 + 4 + 8);
    let subset_bytes = s.len() * (8 + 8 + 8 + 4);
    let spec = FeatureSpec::new(as_of(s));
    for (label, log, spec, bytes) in [
        (
            "subset (amount, channel; no windows)",
            subset_log(s),
            spec.clone()
                .windows(vec![])
                .families(vec![Family::Core, Family::Channel]),
            subset_bytes,
        ),
        ("full (all families, 4 windows)", s.log(), spec, input_bytes),
    ] {
        let before = ALLOC.live();
        ALLOC.reset_peak();
        let table = customer_features(&log, &spec).expect("features");
        let extra = ALLOC.peak() - before;
        println!(
            "{label}: {} events, {} customers, {} columns; peak extra heap {:.0} MB = {:.2}x the input columns ({:.0} MB)",
            s.len(),
            table.n_rows(),
            table.columns.len(),
            extra as f64 / 1e6,
            extra as f64 / bytes as f64,
            bytes as f64 / 1e6
        );
    }
}

fn bench(c: &mut Criterion) {
    let s = shop();
    report_memory(&s);
    let as_of = as_of(&s);
    let mut g = c.benchmark_group("features_10M");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("subset_rfm_channel", |b| {
        let log = subset_log(&s);
        let spec = FeatureSpec::new(as_of).windows(vec![]);
        b.iter(|| black_box(customer_features(&log, &spec).expect("features")))
    });
    g.bench_function("full_all_families_4_windows", |b| {
        let log = s.log();
        let spec = FeatureSpec::new(as_of);
        b.iter(|| black_box(customer_features(&log, &spec).expect("features")))
    });
    g.bench_function("rfm_summary", |b| {
        let log = EventLog::new(&s.customer, &s.timestamp, TimeUnit::Seconds)
            .with_amount(&s.amount)
            .with_purchase(&s.purchase);
        let params = RfmParams::new(as_of);
        b.iter(|| black_box(rfm_summary(&log, &params).expect("rfm")))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
