//! `synthetic_media`: weekly media spend and sales of the synthetic shop, generated from the
//! marketing-mix model itself with known parameters, so a fitted MMM can be checked against
//! the truth (contributions over time, ROAS per channel).
//!
//! Sales in week `t` (original units):
//!
//! `y_t = b + g·t/T + Σ_k (s_k sin(2πk·doy_t/365.25) + c_k cos(…)) + e·event_t
//!        + Σ_c B_c tanh(λ_c a_{c,t} / 2) + ε_t`, `ε_t ~ N(0, σ²)`,
//!
//! where `a_{c,t}` is the normalised geometric adstock (`l_max = 8`) of channel `c`'s spend
//! divided by its maximum — exactly the transform chain of [`crate::mmm`] with logistic
//! saturation `B (1 − e^{−λa})/(1 + e^{−λa}) = B tanh(λa/2)`. On PyMC-Marketing's scaled
//! parameterisation (target divided by its maximum) the true values are `adstock_alpha = α_c`,
//! `saturation_lam = λ_c` and `saturation_beta = B_c / max(y)`.

use rand::RngExt;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use crate::error::{Ki3Error, Result};
use crate::mmm::data::{fourier_names, fourier_row};
use crate::mmm::transforms::{Adstock, Saturation, convolve};
use crate::numerics::rng::{Rng, stream};

/// Paid media channels of [`synthetic_media`] (the shop's paid channels).
pub const MEDIA_CHANNELS: [&str; 4] = ["search", "social", "display", "email"];

/// Number of adstock lags used to generate the data (PyMC-Marketing's quickstart `l_max`).
pub const MEDIA_L_MAX: usize = 8;
/// Fourier order of the yearly seasonality used to generate the data.
pub const MEDIA_FOURIER_ORDER: usize = 2;
/// Most weeks [`synthetic_media`] generates (a cap on allocation).
pub const MAX_MEDIA_WEEKS: usize = 100_000;

/// Mean weekly spend per channel (currency units).
const MEAN_SPEND: [f64; 4] = [10_000.0, 6_000.0, 4_000.0, 1_000.0];
/// True adstock decay `α` per channel.
const ALPHA: [f64; 4] = [0.2, 0.5, 0.6, 0.1];
/// True saturation steepness `λ` per channel (on spend divided by its maximum).
const LAM: [f64; 4] = [2.0, 3.0, 1.5, 4.0];
/// True saturation ceiling `B` per channel (sales units per week).
const CEILING: [f64; 4] = [60_000.0, 25_000.0, 6_000.0, 5_000.0];
/// Baseline weekly sales, trend over the whole period, promotion effect, noise sd.
const BASELINE: f64 = 50_000.0;
const TREND: f64 = 8_000.0;
const EVENT_EFFECT: f64 = 15_000.0;
const NOISE_SD: f64 = 2_000.0;
/// Fourier coefficients `[sin_1, sin_2, cos_1, cos_2]` (sales units).
const SEASON: [f64; 4] = [3_000.0, 1_000.0, 2_000.0, -500.0];
/// Probability that a channel runs in a given week (display and e-mail are flighted).
const ON_PROBABILITY: [f64; 4] = [1.0, 1.0, 0.6, 0.5];
/// Phase of each channel's yearly spend cycle (radians).
const SPEND_PHASE: [f64; 4] = [0.0, 2.0, 4.0, 1.0];
/// Log-scale sd of week-to-week spend variation.
const SPEND_LOG_SD: f64 = 0.5;
/// Weeks of a promotion (`event` = 1): the week of day-of-year in this set.
const PROMO_DAY_OF_YEAR: [std::ops::RangeInclusive<f64>; 2] = [330.0..=336.0, 180.0..=186.0];

/// Parameters of [`synthetic_media`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MediaParams {
    /// Number of weeks (default 156, at least `2 × l_max + 2 × Fourier order + 8`).
    pub weeks: usize,
    /// First week, as a day number (days since 1970-01-01; default 2024-01-01 = 19723).
    pub start_day: i64,
    /// Seed; equal parameters give identical data on any machine.
    pub seed: u64,
}

impl Default for MediaParams {
    /// 156 weeks from 2024-01-01, seed 0.
    fn default() -> Self {
        MediaParams {
            weeks: 156,
            start_day: 19_723,
            seed: 0,
        }
    }
}

impl MediaParams {
    /// Fewest weeks accepted: enough rows for the adstock lags, the seasonality and controls.
    pub const MIN_WEEKS: usize = 2 * MEDIA_L_MAX + 2 * MEDIA_FOURIER_ORDER + 8;

    /// `weeks` in `MIN_WEEKS..=MAX_MEDIA_WEEKS`; the last week's day number fits in `i64`.
    pub fn check(&self) -> Result<()> {
        if !(Self::MIN_WEEKS..=MAX_MEDIA_WEEKS).contains(&self.weeks) {
            return Err(Ki3Error::param(
                "weeks",
                format!(
                    "must be in [{}, {MAX_MEDIA_WEEKS}], got {}",
                    Self::MIN_WEEKS,
                    self.weeks
                ),
            ));
        }
        if self.start_day.checked_add(7 * self.weeks as i64).is_none() {
            return Err(Ki3Error::param("start", "start + 7 × weeks overflows"));
        }
        Ok(())
    }
}

/// The generating parameters and what they imply, in original units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaTruth {
    /// Adstock decay per channel.
    pub adstock_alpha: Vec<f64>,
    /// Saturation steepness per channel (on spend divided by its maximum).
    pub saturation_lam: Vec<f64>,
    /// Saturation ceiling per channel on the scaled target (`B_c / max(y)`).
    pub saturation_beta: Vec<f64>,
    /// Saturation ceiling per channel in sales units (`B_c`).
    pub saturation_ceiling: Vec<f64>,
    /// Channel contributions, row-major `weeks × channels`, sales units.
    pub contributions: Vec<f64>,
    /// Baseline (intercept, trend, seasonality, promotion) per week, sales units.
    pub baseline: Vec<f64>,
    /// Return on ad spend per channel: `Σ_t contribution / Σ_t spend`.
    pub roas: Vec<f64>,
    /// Noise standard deviation, sales units.
    pub noise_sd: f64,
}

/// Weekly spend, controls and sales with the truth that generated them.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticMedia {
    /// Week start, day numbers (days since 1970-01-01), one per week.
    pub dates: Vec<i64>,
    /// Channel names ([`MEDIA_CHANNELS`]).
    pub channels: Vec<String>,
    /// Spend, row-major `weeks × channels`, currency units, non-negative.
    pub spend: Vec<f64>,
    /// Control `event`: 1 in promotion weeks, else 0.
    pub event: Vec<f64>,
    /// Control `trend`: `t / weeks`.
    pub trend: Vec<f64>,
    /// Sales per week.
    pub sales: Vec<f64>,
    /// What generated `sales`.
    pub truth: MediaTruth,
}

/// Generates [`SyntheticMedia`]: spend with channel-specific levels, yearly cycles and
/// log-normal noise (display flighted), sales from the model in the module documentation.
pub fn synthetic_media(params: &MediaParams) -> Result<SyntheticMedia> {
    params.check()?;
    let (n, k) = (params.weeks, MEDIA_CHANNELS.len());
    let mut rng = stream(params.seed, 0);
    let dates: Vec<i64> = (0..n).map(|t| params.start_day + 7 * t as i64).collect();
    let spend = simulate_spend(&dates, &mut rng);

    let adstock = Adstock::geometric(MEDIA_L_MAX);
    let mut w = vec![0.0; adstock.kernel_len()];
    let mut dw = vec![[0.0; 2]; w.len()];
    let mut contributions = vec![0.0; n * k];
    let (mut column, mut carried) = (vec![0.0; n], vec![0.0; n]);
    for c in 0..k {
        let max = (0..n).fold(0.0f64, |m, t| m.max(spend[t * k + c]));
        column
            .iter_mut()
            .enumerate()
            .for_each(|(t, v)| *v = spend[t * k + c] / max);
        adstock.kernel(&[ALPHA[c]], &mut w, &mut dw);
        convolve(&column, &w, &mut carried);
        for (t, a) in carried.iter().enumerate() {
            contributions[t * k + c] = Saturation::Logistic.eval(*a, &[LAM[c], CEILING[c]]).value;
        }
    }

    let mut fourier = vec![0.0; 2 * MEDIA_FOURIER_ORDER];
    let (mut baseline, mut event, mut trend, mut sales) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for (t, &day) in dates.iter().enumerate() {
        fourier_row(day, MEDIA_FOURIER_ORDER, &mut fourier);
        let doy = crate::mmm::data::day_of_year(day);
        let promo = f64::from(u8::from(PROMO_DAY_OF_YEAR.iter().any(|r| r.contains(&doy))));
        let tr = t as f64 / n as f64;
        let season: f64 = fourier.iter().zip(SEASON).map(|(f, s)| f * s).sum();
        let base = BASELINE + TREND * tr + season + EVENT_EFFECT * promo;
        let media: f64 = contributions[t * k..(t + 1) * k].iter().sum();
        let noise: f64 = rng.sample(StandardNormal);
        baseline.push(base);
        event.push(promo);
        trend.push(tr);
        sales.push(base + media + NOISE_SD * noise);
    }

    let y_max = sales.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let roas = (0..k)
        .map(|c| {
            let contributed: f64 = (0..n).map(|t| contributions[t * k + c]).sum();
            let spent: f64 = (0..n).map(|t| spend[t * k + c]).sum();
            contributed / spent
        })
        .collect();
    Ok(SyntheticMedia {
        dates,
        channels: MEDIA_CHANNELS.iter().map(|s| s.to_string()).collect(),
        spend,
        event,
        trend,
        sales,
        truth: MediaTruth {
            adstock_alpha: ALPHA.to_vec(),
            saturation_lam: LAM.to_vec(),
            saturation_beta: CEILING.iter().map(|b| b / y_max).collect(),
            saturation_ceiling: CEILING.to_vec(),
            contributions,
            baseline,
            roas,
            noise_sd: NOISE_SD,
        },
    })
}

/// Weekly spend, row-major `weeks × channels`:
/// `mean_c · (1 + 0.3 sin(2π doy/365.25 + φ_c)) · LogNormal(−σ²/2, σ²)` with `σ = SPEND_LOG_SD`,
/// display and e-mail flighted (off in a week with probability `1 − ON_PROBABILITY[c]`).
/// Independent week-to-week variation per channel is what makes the channels identifiable.
/// Week 0 always has spend, so no channel is all zero.
fn simulate_spend(dates: &[i64], rng: &mut Rng) -> Vec<f64> {
    let k = MEDIA_CHANNELS.len();
    let mut spend = vec![0.0; dates.len() * k];
    for (t, &day) in dates.iter().enumerate() {
        let year = 2.0 * std::f64::consts::PI * crate::mmm::data::day_of_year(day) / 365.25;
        for c in 0..k {
            let z: f64 = rng.sample(StandardNormal);
            let on = rng.random::<f64>() < ON_PROBABILITY[c];
            let cycle = 1.0 + 0.3 * (year + SPEND_PHASE[c]).sin();
            let noise = (SPEND_LOG_SD * z - 0.5 * SPEND_LOG_SD * SPEND_LOG_SD).exp();
            spend[t * k + c] = if on || t == 0 {
                MEAN_SPEND[c] * cycle * noise
            } else {
                0.0
            };
        }
    }
    spend
}

/// Names of the Fourier terms used in the simulation (`sin_1`, `sin_2`, `cos_1`, `cos_2`).
pub fn media_fourier_names() -> Vec<String> {
    fourier_names(MEDIA_FOURIER_ORDER)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_data_and_sales_add_up() {
        let p = MediaParams::default();
        let a = synthetic_media(&p).unwrap();
        assert_eq!(a, synthetic_media(&p).unwrap());
        let b = synthetic_media(&MediaParams { seed: 1, ..p }).unwrap();
        assert_ne!(a.sales, b.sales);
        let k = a.channels.len();
        assert_eq!(a.spend.len(), p.weeks * k);
        assert!(a.spend.iter().all(|s| *s >= 0.0 && s.is_finite()));
        // Residual = sales − baseline − media is the noise: mean ≈ 0, sd ≈ NOISE_SD.
        let resid: Vec<f64> = (0..p.weeks)
            .map(|t| {
                a.sales[t]
                    - a.truth.baseline[t]
                    - a.truth.contributions[t * k..(t + 1) * k]
                        .iter()
                        .sum::<f64>()
            })
            .collect();
        let mean = resid.iter().sum::<f64>() / p.weeks as f64;
        let sd = (resid.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / p.weeks as f64).sqrt();
        assert!(
            mean.abs() < 4.0 * NOISE_SD / (p.weeks as f64).sqrt(),
            "{mean}"
        );
        assert!((sd / NOISE_SD - 1.0).abs() < 0.2, "{sd}");
    }

    #[test]
    fn contributions_follow_the_transform_chain_by_hand() {
        let a = synthetic_media(&MediaParams::default()).unwrap();
        let k = a.channels.len();
        // Week 2 of search (c = 0): normalised geometric kernel [1, α, α², …]/Σ, causal.
        let c = 0;
        let max = (0..a.dates.len()).fold(0.0f64, |m, t| m.max(a.spend[t * k + c]));
        let norm: f64 = (0..MEDIA_L_MAX).map(|l| ALPHA[c].powi(l as i32)).sum();
        let x = |t: usize| a.spend[t * k + c] / max;
        let adstocked = (x(2) + ALPHA[c] * x(1) + ALPHA[c].powi(2) * x(0)) / norm;
        let expected =
            CEILING[c] * (1.0 - (-LAM[c] * adstocked).exp()) / (1.0 + (-LAM[c] * adstocked).exp());
        assert!((a.truth.contributions[2 * k + c] - expected).abs() < 1e-9 * expected);
        // ROAS is contribution over spend.
        let contributed: f64 = (0..a.dates.len())
            .map(|t| a.truth.contributions[t * k])
            .sum();
        let spent: f64 = (0..a.dates.len()).map(|t| a.spend[t * k]).sum();
        assert!((a.truth.roas[0] - contributed / spent).abs() < 1e-12);
        // Display is flighted: some weeks off, and it is not constant.
        assert!((0..a.dates.len()).any(|t| a.spend[t * k + 2] == 0.0));
        // Promotions happen and the dates are weekly.
        assert!(a.event.contains(&1.0));
        assert!(a.dates.windows(2).all(|d| d[1] - d[0] == 7));
    }

    #[test]
    fn bad_weeks_are_named() {
        let e = synthetic_media(&MediaParams {
            weeks: 3,
            ..MediaParams::default()
        })
        .unwrap_err();
        assert!(e.to_string().contains("weeks"), "{e}");
        let e = synthetic_media(&MediaParams {
            weeks: 200,
            start_day: i64::MAX - 10,
            seed: 0,
        })
        .unwrap_err();
        assert!(e.to_string().contains("start"), "{e}");
    }
}
