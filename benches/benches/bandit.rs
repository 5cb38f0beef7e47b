//! Thompson-sampling bandits: single decisions and updates (the serving path), and a batch of
//! one million updates. Targets: a 10-arm Bernoulli decision under 1 µs, an update under 100 ns.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ki3_core::bandit::{BernoulliTsParams, GaussianTsParams, LinearTsParams};

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("bandit");

    let mut bern = BernoulliTsParams::default()
        .seed(1)
        .build(10)
        .expect("policy");
    for i in 0..1_000 {
        bern.update(i % 10, f64::from((i % 7 == 0) as u8))
            .expect("update");
    }
    g.bench_function("bernoulli_10_arms_choose", |b| {
        b.iter(|| black_box(bern.choose(None).expect("choose")))
    });
    let mut i = 0usize;
    g.bench_function("bernoulli_update", |b| {
        b.iter(|| {
            i = (i + 1) % 10;
            bern.update(black_box(i), 1.0).expect("update")
        })
    });
    // Arms in a scrambled order (not round robin), as logged traffic would be.
    let arms: Vec<usize> = (0..1_000_000u64)
        .map(|k| (k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 60) as usize % 10)
        .collect();
    let rewards: Vec<f64> = (0..1_000_000)
        .map(|k| f64::from((k % 13 == 0) as u8))
        .collect();
    g.bench_function("bernoulli_update_batch_1M", |b| {
        b.iter(|| bern.update_batch(&arms, &rewards).expect("batch"))
    });
    // The columns numpy users have: int64 arm codes and int64 0/1 rewards.
    let codes: Vec<i64> = arms.iter().map(|&a| a as i64).collect();
    let int_rewards: Vec<i64> = rewards.iter().map(|&r| r as i64).collect();
    g.bench_function("bernoulli_update_batch_1M_int64", |b| {
        b.iter(|| bern.update_batch(&codes, &int_rewards).expect("batch"))
    });

    let mut gauss = GaussianTsParams::default()
        .seed(2)
        .build(10)
        .expect("policy");
    for k in 0..1_000 {
        gauss.update(k % 10, (k % 17) as f64).expect("update");
    }
    g.bench_function("gaussian_10_arms_choose", |b| {
        b.iter(|| black_box(gauss.choose(None).expect("choose")))
    });

    let mut lin = LinearTsParams::default()
        .seed(3)
        .build(10, 20)
        .expect("policy");
    let x: Vec<f64> = (0..20).map(|k| (k as f64 * 0.37).sin()).collect();
    for k in 0..500 {
        lin.update(k % 10, &x, (k % 3) as f64).expect("update");
    }
    g.bench_function("linear_10_arms_20_features_choose", |b| {
        b.iter(|| black_box(lin.choose(&x, None).expect("choose")))
    });
    let mut j = 0usize;
    g.bench_function("linear_20_features_update", |b| {
        b.iter(|| {
            j = (j + 1) % 10;
            lin.update(j, &x, 0.5).expect("update")
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
