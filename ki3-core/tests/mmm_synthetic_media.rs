//! The Bayesian MMM recovers what generated `synthetic_media`: true ROAS per channel inside the
//! posterior's 90% interval, true contributions over time tracked by the posterior mean.

use ki3_core::data::{MediaParams, SyntheticMedia, synthetic_media};
use ki3_core::mmm::{MmmData, MmmParams};
use ki3_core::model::Fit;
use ndarray::{Array1, Array2, Axis};

fn fit_data(m: &SyntheticMedia) -> (Array1<i64>, Array2<f64>, Array2<f64>, Array1<f64>) {
    let (n, k) = (m.dates.len(), m.channels.len());
    let spend = Array2::from_shape_vec((n, k), m.spend.clone()).unwrap();
    let controls = Array2::from_shape_fn((n, 2), |(t, j)| [m.event[t], m.trend[t]][j]);
    (
        Array1::from(m.dates.clone()),
        spend,
        controls,
        Array1::from(m.sales.clone()),
    )
}

fn quantile(mut v: Vec<f64>, q: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let h = q * (v.len() - 1) as f64;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

#[test]
fn posterior_roas_and_contributions_match_the_generating_truth() {
    let media = synthetic_media(&MediaParams::default()).unwrap();
    let (dates, spend, controls, sales) = fit_data(&media);
    let control_names = vec!["event".to_string(), "trend".to_string()];
    let data = MmmData {
        dates: dates.view(),
        channels: spend.view(),
        channel_names: &media.channels,
        controls: controls.view(),
        control_names: &control_names,
        target: sales.view(),
    };
    let params = MmmParams::default().sampling(2, 500, 500).seed(11);
    let model = params.fit(&data).unwrap();
    assert_eq!(model.divergences(), 0);

    let roas = model.roas(); // (chain, draw, channel)
    let (n, k) = (media.dates.len(), media.channels.len());
    for c in 0..k {
        let draws: Vec<f64> = roas.index_axis(Axis(2), c).iter().copied().collect();
        let (lo, hi) = (quantile(draws.clone(), 0.05), quantile(draws, 0.95));
        let truth = media.truth.roas[c];
        println!(
            "{}: ROAS truth {truth:.3} 90% [{lo:.3}, {hi:.3}]",
            media.channels[c]
        );
        assert!(
            lo <= truth && truth <= hi,
            "{}: true ROAS {truth:.3} outside 90% interval [{lo:.3}, {hi:.3}]",
            media.channels[c]
        );
    }

    // Posterior-mean contributions over time against the truth: the weekly error is small
    // next to each channel's own level (relative RMSE below 25% for every channel).
    let contrib = model.channel_contributions(); // (chain, draw, time, channel)
    let mean = contrib
        .mean_axis(Axis(0))
        .unwrap()
        .mean_axis(Axis(0))
        .unwrap();
    for c in 0..k {
        let truth: Vec<f64> = (0..n)
            .map(|t| media.truth.contributions[t * k + c])
            .collect();
        let level = truth.iter().sum::<f64>() / n as f64;
        let rmse = ((0..n)
            .map(|t| (mean[[t, c]] - truth[t]).powi(2))
            .sum::<f64>()
            / n as f64)
            .sqrt();
        assert!(
            rmse < 0.25 * level,
            "{}: contribution RMSE {rmse:.0} vs mean level {level:.0}",
            media.channels[c]
        );
    }
}
