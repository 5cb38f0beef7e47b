//! Bayesian MMM on PyMC-Marketing's example (179 weeks, 2 channels, 3 controls, l_max = 8,
//! yearly_seasonality = 2): one log-density + gradient evaluation (PyMC-Marketing: 78 µs on this
//! machine) and the whole fit, 2 chains × (1000 tune + 1000 draws) (PyMC-Marketing: ~21 s).
//! Skipped when `../shared/data` is absent.

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use ki3_core::mmm::data::{Design, max_abs_scale};
use ki3_core::mmm::logp::{Layout, LogPosterior, Problem};
use ki3_core::mmm::{MmmData, MmmParams};
use ki3_core::model::Fit;
use ki3_core::numerics::calendar::days_from_civil;
use ndarray::{Array1, Array2};

struct Example {
    dates: Array1<i64>,
    channels: Array2<f64>,
    controls: Array2<f64>,
    y: Array1<f64>,
    channel_names: Vec<String>,
    control_names: Vec<String>,
}

fn load() -> Option<Example> {
    let path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/data/mmm/pymc_marketing_mmm_example.csv"
    ));
    let text = std::fs::read_to_string(path).ok()?;
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let n = rows.len();
    let f = |r: &Vec<&str>, i: usize| r[i].parse::<f64>().expect("number");
    let day = |s: &str| {
        let p: Vec<u32> = s.split('-').map(|x| x.parse().expect("date")).collect();
        days_from_civil(p[0] as i32, p[1], p[2])
    };
    Some(Example {
        dates: rows.iter().map(|r| day(r[0])).collect(),
        channels: Array2::from_shape_fn((n, 2), |(t, c)| f(&rows[t], 2 + c)),
        controls: Array2::from_shape_fn((n, 3), |(t, k)| f(&rows[t], [4, 5, 7][k])),
        y: rows.iter().map(|r| f(r, 1)).collect(),
        channel_names: vec!["x1".into(), "x2".into()],
        control_names: vec!["event_1".into(), "event_2".into(), "t".into()],
    })
}

fn bench(c: &mut Criterion) {
    let Some(ex) = load() else {
        println!("skipping: ../shared/data not found");
        return;
    };
    let data = MmmData {
        dates: ex.dates.view(),
        channels: ex.channels.view(),
        channel_names: &ex.channel_names,
        controls: ex.controls.view(),
        control_names: &ex.control_names,
        target: ex.y.view(),
    };
    let params = MmmParams::default().sampling(2, 1000, 1000).seed(1);
    let scales: Vec<f64> = (0..2)
        .map(|c| max_abs_scale(ex.channels.column(c).iter().copied()))
        .collect();
    let ys = max_abs_scale(ex.y.iter().copied());
    let span = (ex.dates[ex.dates.len() - 1] - ex.dates[0]) as f64;
    let problem = Arc::new(Problem {
        design: Design::new(&params, &data, &scales, ys, (ex.dates[0], span)),
        layout: Layout::new(&params, &ex.channel_names, &ex.control_names).expect("layout"),
        adstock: params.adstock,
        saturation: params.saturation,
        adstock_first: true,
        likelihood: params.likelihood,
    });
    let mut lp = LogPosterior::new(problem);
    let u: Vec<f64> = (0..lp.dim()).map(|i| 0.05 * i as f64 - 0.3).collect();
    let mut g = vec![0.0; u.len()];
    let mut group = c.benchmark_group("mmm");
    group.bench_function("logp_grad_pymc_example", |b| {
        b.iter(|| black_box(lp.logp(black_box(&u), &mut g, true).expect("logp")))
    });
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("fit_pymc_example_2x1000+1000", |b| {
        b.iter(|| black_box(params.fit(&data).expect("fit")))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
