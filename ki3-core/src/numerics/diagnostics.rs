//! MCMC convergence diagnostics on draws shaped `(chain, draw)`, with arviz's exact conventions
//! (arviz 0.23 `rhat`, `ess`, `mcse`, `hdi`, `bfmi`, `summary`), so a ki3 summary and
//! `arviz.summary` of the same draws agree to rounding.
//!
//! Definitions (Vehtari, Gelman, Simpson, Carpenter & Bürkner 2021, "Rank-normalization, folding,
//! and localization: an improved R-hat for assessing convergence of MCMC", Bayesian Analysis 16):
//!
//! - **Split chains**: each chain of `n` draws becomes its first `⌊n/2⌋` and its last `⌊n/2⌋`
//!   draws (the middle draw of an odd `n` is dropped); first halves come first.
//! - **Rank normalisation**: `z = Φ⁻¹((r − 3/8) / (S − 3/4 + 1))` with `r` the average rank (ties
//!   share it) of a value among all `S` split draws (Blom 1958).
//! - **R-hat** of `M` chains of `N` draws: `√(((B/W) + N − 1) / N)`, `B = N·var(chain means)`,
//!   `W = mean(chain variances)` (both `ddof = 1`). [`rhat`] is the maximum of the bulk R-hat (on
//!   rank-normalised split draws) and the tail R-hat (on rank-normalised `|θ − median(θ)|`).
//! - **ESS** `= M·N / τ̂`, `τ̂ = −1 + 2 Σ_{t ≤ T} ρ̂_t + ρ̂_{T+1}`, with the multi-chain
//!   autocorrelation `ρ̂_t = 1 − (W − mean_m acov_m(t)) / var⁺`, `var⁺ = W(N−1)/N + var(chain
//!   means)`, truncated by Geyer's initial positive sequence and made monotone by Geyer's initial
//!   monotone sequence; `τ̂ ≥ 1/log₁₀(M·N)`. Bulk ESS is the ESS of rank-normalised split draws,
//!   tail ESS the smaller ESS of the split indicators `θ ≤ q₀.₀₅` and `θ ≤ q₀.₉₅`, mean ESS the ESS
//!   of the split draws themselves. Draws whose range is below 1e-15 have ESS `M·N` (arviz's rule).
//! - **MCSE**: of the mean `sd/√ESS_mean`; of the sd by the delta method
//!   `√((E[d⁴] − E[d²]²) / ESS_mean(d²) / E[d²] / 4)`, `d = θ − mean(θ)`.
//! - **HDI** ([`hdi`]): over the sorted draws `x₍₀₎ ≤ … ≤ x₍ₙ₋₁₎`, with `k = ⌊p·n⌋`, the interval
//!   `[x₍ᵢ₎, x₍ᵢ₊ₖ₎]` of least width, the first one on ties (arviz's `hdi`, unimodal).
//! - **E-BFMI** ([`bfmi`]): per chain, `mean((E_t − E_{t−1})²) / var(E)` (Betancourt 2016,
//!   "Diagnosing suboptimal cotangent disintegrations in Hamiltonian Monte Carlo").
//! - **Quantiles** ([`quantile`]): linear interpolation between order statistics (Hyndman & Fan
//!   type 7, numpy's default and arviz's).
//!
//! Autocovariances: the first lags by direct sums `(1/N) Σ_i d_i d_{i+t}`, computed lag by lag
//! only as far as Geyer's truncation needs (a well-mixing chain stops after a few lags, cheaper
//! than any FFT); if the truncation needs more than `DIRECT_LAGS` (24) lags, every lag at once by a
//! small radix-2 FFT written here (two real chains per complex transform, power spectra summed
//! over chains, one inverse transform), so a chain that does not mix costs `O(N log N)`, not
//! `O(N²)`. No FFT crate: the transform is 40 lines and runs once per series at most.
//!
//! Edge cases (arviz's behaviour unless said otherwise):
//! - fewer than [`MIN_DRAWS`] draws per chain, no chain, or a non-finite draw: a typed error
//!   (arviz returns NaN or propagates the NaN);
//! - a single chain: R-hat is still computed from its two halves (arviz returns NaN there; the
//!   value equals arviz's own split R-hat functions applied to the one chain);
//! - constant draws: ESS is the number of split draws, R-hat and MCSE of the sd are NaN (0/0);
//!   chains each constant at different values give an enormous (or infinite) R-hat.
//!
//! [`Workspace`] keeps the buffers between calls, so summarising many parameters allocates once.

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::error::{Ki3Error, Result};
use crate::numerics::special::normal_inv;
use crate::numerics::sum::NeumaierSum;

/// The fewest draws per chain the diagnostics accept (arviz's minimum: two per split half).
pub const MIN_DRAWS: usize = 4;

/// arviz's default HDI probability (`rcParams["stats.ci_prob"]`).
pub const DEFAULT_HDI_PROB: f64 = 0.94;

/// The quantiles whose indicators define the tail ESS.
const TAIL_PROBS: (f64, f64) = (0.05, 0.95);

/// Blom's offset in the rank back-transformation `(r − c) / (S − 2c + 1)`.
const BLOM_C: f64 = 3.0 / 8.0;

/// Draws whose range is below this are constant for the ESS (numpy's `finfo(float).resolution`).
const CONSTANT_RANGE: f64 = 1e-15;

/// The summary of one parameter element, the columns of `arviz.summary` (`stat_focus="mean"`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Posterior mean over all chains and draws.
    pub mean: f64,
    /// Posterior standard deviation (`ddof = 1`).
    pub sd: f64,
    /// The probability of the HDI below.
    pub hdi_prob: f64,
    /// Lower end of the highest-density interval ([`hdi`]).
    pub hdi_low: f64,
    /// Upper end of the highest-density interval.
    pub hdi_high: f64,
    /// Monte Carlo standard error of the mean.
    pub mcse_mean: f64,
    /// Monte Carlo standard error of the sd.
    pub mcse_sd: f64,
    /// Bulk effective sample size.
    pub ess_bulk: f64,
    /// Tail effective sample size.
    pub ess_tail: f64,
    /// Rank-normalised split R-hat (max of bulk and tail). As in `arviz.summary`, the tail part
    /// folds around the median of all draws (`arviz.rhat` folds around the median of the split
    /// draws; the two differ only for an odd number of draws per chain).
    pub r_hat: f64,
}

/// The draws' shape and its split: `chains` chains of `draws` draws become `2·chains` chains of
/// `half` draws.
#[derive(Debug, Clone, Copy)]
struct Shape {
    chains: usize,
    draws: usize,
    half: usize,
}

impl Shape {
    fn split_chains(&self) -> usize {
        2 * self.chains
    }

    /// Position in the split layout of the draw at flat index `c·draws + i`; `None` for the
    /// middle draw an odd chain length drops.
    fn split_index(&self, flat: usize) -> Option<usize> {
        let (c, i) = (flat / self.draws, flat % self.draws);
        if i < self.half {
            Some(c * self.half + i)
        } else if i >= self.draws - self.half {
            Some((self.chains + c) * self.half + i - (self.draws - self.half))
        } else {
            None
        }
    }
}

/// Reusable buffers of the diagnostics (their size follows the largest draws seen).
#[derive(Debug, Default, Clone)]
pub struct Workspace {
    /// Every draw with its flat index, sorted by value.
    sorted: Vec<(f64, usize)>,
    /// The draws in split layout.
    split: Vec<f64>,
    /// Values in ascending order with their split index (split draws, or folded draws).
    order: Vec<(f64, usize)>,
    /// Second buffer for `order` (the fold merges into it).
    order_tmp: Vec<(f64, usize)>,
    /// A transformed series in split layout (z-scores, indicators, squared deviations).
    series: Vec<f64>,
    /// Chain means (R-hat).
    means: Vec<f64>,
    /// `Φ⁻¹((r − 3/8) / (S − 3/4 + 1))` for the integer ranks `r = 1..=S` of the last `S` seen:
    /// untied ranks reuse it across the bulk and tail transforms and across parameters.
    ztable: Vec<f64>,
    /// Autocovariance buffers.
    acov: AcovWork,
}

impl Workspace {
    /// An empty workspace.
    pub fn new() -> Self {
        Self::default()
    }

    /// Validates `draws` and fills `sorted` and `split`.
    fn load(&mut self, draws: ArrayView2<f64>) -> Result<Shape> {
        let (chains, n) = draws.dim();
        if chains == 0 || n == 0 {
            return Err(Ki3Error::Empty {
                arg: "draws".into(),
            });
        }
        if n < MIN_DRAWS {
            return Err(Ki3Error::param(
                "draws",
                format!("at least {MIN_DRAWS} draws per chain are needed, got {n}"),
            ));
        }
        let shape = Shape {
            chains,
            draws: n,
            half: n / 2,
        };
        self.sorted.clear();
        self.split.clear();
        self.split.resize(shape.split_chains() * shape.half, 0.0);
        for (c, row) in draws.outer_iter().enumerate() {
            for (i, &x) in row.iter().enumerate() {
                let flat = c * n + i;
                if !x.is_finite() {
                    return Err(Ki3Error::NonFinite {
                        arg: "draws".into(),
                        index: flat,
                    });
                }
                self.sorted.push((x, flat));
                if let Some(slot) = shape.split_index(flat).and_then(|s| self.split.get_mut(s)) {
                    *slot = x;
                }
            }
        }
        self.sorted.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        Ok(shape)
    }

    /// `order` ← the split draws in ascending order (from `sorted`, dropping middle draws).
    fn order_split(&mut self, shape: Shape) {
        self.order.clear();
        self.order.extend(
            self.sorted
                .iter()
                .filter_map(|&(x, flat)| shape.split_index(flat).map(|s| (x, s))),
        );
    }

    /// `order` ← `|θ − median|` of the split draws in ascending order, from `order` holding the
    /// split draws in ascending order: the draws above the median ascending and those below it
    /// descending are both ascending in `|θ − median|`, so one merge sorts them (no second sort).
    fn fold_order(&mut self, median: f64) {
        let p = self.order.partition_point(|&(x, _)| x < median);
        let (below, above) = self.order.split_at(p);
        let mut folded = std::mem::take(&mut self.order_tmp);
        folded.clear();
        let mut lo = below
            .iter()
            .rev()
            .map(|&(x, s)| ((x - median).abs(), s))
            .peekable();
        let mut hi = above
            .iter()
            .map(|&(x, s)| ((x - median).abs(), s))
            .peekable();
        loop {
            let next = match (lo.peek(), hi.peek()) {
                (Some(a), Some(b)) if a.0 <= b.0 => lo.next(),
                (Some(_), Some(_)) | (None, Some(_)) => hi.next(),
                (Some(_), None) => lo.next(),
                (None, None) => None,
            };
            match next {
                Some(v) => folded.push(v),
                None => break,
            }
        }
        self.order_tmp = std::mem::replace(&mut self.order, folded);
    }

    /// `series` ← rank-normalised z-scores of the values in `order` (ascending), in split layout.
    fn z_scores(&mut self, len: usize) -> Result<()> {
        self.series.clear();
        self.series.resize(len, 0.0);
        let n = self.order.len();
        let denom = (n as f64 - 2.0 * BLOM_C) + 1.0;
        if self.ztable.len() != n {
            self.ztable.clear();
            for r in 1..=n {
                self.ztable.push(normal_inv((r as f64 - BLOM_C) / denom)?);
            }
        }
        let mut start = 0;
        while start < n {
            let value = self.order[start].0;
            let end = start
                + self.order[start..]
                    .iter()
                    .take_while(|(x, _)| *x == value)
                    .count();
            // Average of the ranks start+1 ..= end (scipy's rankdata "average").
            let z = match self.ztable.get(start) {
                Some(&z) if end == start + 1 => z,
                _ => normal_inv((0.5 * ((end + start) as f64 + 1.0) - BLOM_C) / denom)?,
            };
            for &(_, s) in &self.order[start..end] {
                if let Some(slot) = self.series.get_mut(s) {
                    *slot = z;
                }
            }
            start = end;
        }
        Ok(())
    }

    /// Rank-normalised split R-hat: bulk on the split draws, tail on `|θ − fold_median|`.
    fn rank_rhat(&mut self, shape: Shape, fold_median: f64) -> Result<f64> {
        let (m, n) = (shape.split_chains(), shape.half);
        self.order_split(shape);
        self.z_scores(m * n)?;
        let bulk = rhat_of(&self.series, m, n, &mut self.means);
        self.fold_order(fold_median);
        self.z_scores(m * n)?;
        let tail = rhat_of(&self.series, m, n, &mut self.means);
        // Python's max(bulk, tail): bulk unless tail is larger (NaN-compatible).
        Ok(if tail > bulk { tail } else { bulk })
    }

    /// Median of the split draws (`order` must hold them ascending).
    fn split_median(&self) -> f64 {
        median_sorted(self.order.iter().map(|p| p.0), self.order.len())
    }

    fn ess_bulk_loaded(&mut self, shape: Shape) -> Result<f64> {
        let (m, n) = (shape.split_chains(), shape.half);
        self.order_split(shape);
        self.z_scores(m * n)?;
        Ok(self.ess_series(m, n))
    }

    fn ess_tail_loaded(&mut self, shape: Shape) -> f64 {
        let (m, n) = (shape.split_chains(), shape.half);
        let (p_lo, p_hi) = TAIL_PROBS;
        let q_lo = type7(&self.sorted, p_lo);
        let q_hi = type7(&self.sorted, p_hi);
        self.series.clear();
        self.series
            .extend(self.split.iter().map(|&x| f64::from(u8::from(x <= q_lo))));
        let lo = self.ess_series(m, n);
        self.series.clear();
        self.series
            .extend(self.split.iter().map(|&x| f64::from(u8::from(x <= q_hi))));
        let hi = self.ess_series(m, n);
        // Python's min(lo, hi).
        if hi < lo { hi } else { lo }
    }

    /// Mean and sum of squared deviations of every draw.
    fn moments(&self) -> (f64, f64) {
        let total = self.sorted.len() as f64;
        let mut sum = NeumaierSum::default();
        self.sorted.iter().for_each(|p| sum.add(p.0));
        let mean = sum.value() / total;
        let mut ss = NeumaierSum::default();
        self.sorted
            .iter()
            .for_each(|p| ss.add((p.0 - mean).powi(2)));
        (mean, ss.value())
    }

    /// MCSE of the mean and of the sd (`mean`, `ss` from [`Self::moments`]).
    fn mcse_loaded(&mut self, shape: Shape, mean: f64, ss: f64) -> (f64, f64) {
        let (m, n) = (shape.split_chains(), shape.half);
        let total = self.sorted.len() as f64;
        self.series.clear();
        self.series.extend_from_slice(&self.split);
        let ess_mean = self.ess_series(m, n);
        let mcse_mean = (ss / (total - 1.0) / ess_mean).sqrt();
        self.series.clear();
        self.series
            .extend(self.split.iter().map(|&x| (x - mean).powi(2)));
        let ess_sq = self.ess_series(m, n);
        let evar = ss / total;
        let mut fourth = NeumaierSum::default();
        self.sorted
            .iter()
            .for_each(|p| fourth.add((p.0 - mean).powi(2).powi(2)));
        let varvar = (fourth.value() / total - evar * evar) / ess_sq;
        let mcse_sd = (varvar / evar / 4.0).sqrt();
        (mcse_mean, mcse_sd)
    }

    /// ESS of `series` in split layout (`m` chains of `n`).
    fn ess_series(&mut self, m: usize, n: usize) -> f64 {
        self.acov.ess(&self.series, m, n)
    }

    /// The [`Summary`] of draws shaped `(chain, draw)`, with the HDI at `hdi_prob`.
    pub fn summarize(&mut self, draws: ArrayView2<f64>, hdi_prob: f64) -> Result<Summary> {
        check_prob_open("hdi_prob", hdi_prob)?;
        let shape = self.load(draws)?;
        let (mean, ss) = self.moments();
        let total = self.sorted.len();
        let sd = (ss / (total as f64 - 1.0)).sqrt();
        let (hdi_low, hdi_high) = hdi_sorted(&self.sorted, hdi_prob)?;
        let (mcse_mean, mcse_sd) = self.mcse_loaded(shape, mean, ss);
        let ess_tail = self.ess_tail_loaded(shape);
        let ess_bulk = self.ess_bulk_loaded(shape)?;
        let full_median = median_sorted(self.sorted.iter().map(|p| p.0), total);
        let r_hat = self.rank_rhat(shape, full_median)?;
        Ok(Summary {
            mean,
            sd,
            hdi_prob,
            hdi_low,
            hdi_high,
            mcse_mean,
            mcse_sd,
            ess_bulk,
            ess_tail,
            r_hat,
        })
    }

    /// [`rhat`] reusing this workspace.
    pub fn rhat(&mut self, draws: ArrayView2<f64>) -> Result<f64> {
        let shape = self.load(draws)?;
        self.order_split(shape);
        let median = self.split_median();
        self.rank_rhat(shape, median)
    }

    /// [`ess_bulk`] reusing this workspace.
    pub fn ess_bulk(&mut self, draws: ArrayView2<f64>) -> Result<f64> {
        let shape = self.load(draws)?;
        self.ess_bulk_loaded(shape)
    }

    /// [`ess_tail`] reusing this workspace.
    pub fn ess_tail(&mut self, draws: ArrayView2<f64>) -> Result<f64> {
        let shape = self.load(draws)?;
        Ok(self.ess_tail_loaded(shape))
    }

    /// [`ess_mean`] reusing this workspace.
    pub fn ess_mean(&mut self, draws: ArrayView2<f64>) -> Result<f64> {
        let shape = self.load(draws)?;
        self.series.clear();
        self.series.extend_from_slice(&self.split);
        Ok(self.ess_series(shape.split_chains(), shape.half))
    }

    /// [`mcse`] reusing this workspace.
    pub fn mcse(&mut self, draws: ArrayView2<f64>) -> Result<(f64, f64)> {
        let shape = self.load(draws)?;
        let (mean, ss) = self.moments();
        Ok(self.mcse_loaded(shape, mean, ss))
    }
}

/// Rank-normalised split R-hat (arviz `rhat(method="rank")`): the larger of the bulk and tail
/// R-hat. Values above 1.01 signal chains that disagree. `NaN` for constant draws.
pub fn rhat(draws: ArrayView2<f64>) -> Result<f64> {
    Workspace::new().rhat(draws)
}

/// Bulk effective sample size (arviz `ess(method="bulk")`): the ESS of rank-normalised split
/// draws, for the precision of the centre of the distribution.
pub fn ess_bulk(draws: ArrayView2<f64>) -> Result<f64> {
    Workspace::new().ess_bulk(draws)
}

/// Tail effective sample size (arviz `ess(method="tail")`): the smaller ESS of the indicators of
/// the 5% and 95% quantiles, for the precision of interval ends.
pub fn ess_tail(draws: ArrayView2<f64>) -> Result<f64> {
    Workspace::new().ess_tail(draws)
}

/// Effective sample size of the mean (arviz `ess(method="mean")`): the ESS of the split draws.
pub fn ess_mean(draws: ArrayView2<f64>) -> Result<f64> {
    Workspace::new().ess_mean(draws)
}

/// Monte Carlo standard errors `(of the mean, of the sd)` (arviz `mcse(method="mean")` and
/// `mcse(method="sd")`).
pub fn mcse(draws: ArrayView2<f64>) -> Result<(f64, f64)> {
    Workspace::new().mcse(draws)
}

/// The [`Summary`] of draws shaped `(chain, draw)` with the HDI at `hdi_prob` (arviz `summary`
/// with `round_to="none"`); use a [`Workspace`] to summarise many parameters.
pub fn summarize(draws: ArrayView2<f64>, hdi_prob: f64) -> Result<Summary> {
    Workspace::new().summarize(draws, hdi_prob)
}

/// The highest-density interval `(low, high)` of a 1-D sample holding `prob` of it (arviz `hdi`):
/// with `k = ⌊prob·n⌋`, the narrowest `[x₍ᵢ₎, x₍ᵢ₊ₖ₎]` of the sorted sample, the first on ties.
/// `prob` must be in `(0, 1)`.
pub fn hdi(sample: &[f64], prob: f64) -> Result<(f64, f64)> {
    check_prob_open("hdi_prob", prob)?;
    let sorted = sorted_sample(sample)?;
    hdi_sorted(&sorted, prob)
}

/// The `prob` quantile of a sample (`0 ≤ prob ≤ 1`) by linear interpolation between order
/// statistics (Hyndman & Fan 1996 type 7; numpy's default, R's default, arviz's `_quantile`).
pub fn quantile(sample: &[f64], prob: f64) -> Result<f64> {
    if !(0.0..=1.0).contains(&prob) {
        return Err(Ki3Error::param(
            "prob",
            format!("must be in [0, 1], got {prob}"),
        ));
    }
    let sorted = sorted_sample(sample)?;
    Ok(type7(&sorted, prob))
}

/// E-BFMI per chain from per-draw Hamiltonian energies shaped `(chain, draw)` (arviz `bfmi`):
/// `mean((E_t − E_{t−1})²) / var(E)` (`ddof = 1`). Values below 0.3 indicate that momentum
/// resampling explores the energy distribution poorly. `NaN` for a chain of constant energy.
pub fn bfmi(energy: ArrayView2<f64>) -> Result<Vec<f64>> {
    let (chains, n) = energy.dim();
    if chains == 0 || n == 0 {
        return Err(Ki3Error::Empty {
            arg: "energy".into(),
        });
    }
    if n < 2 {
        return Err(Ki3Error::param(
            "energy",
            format!("at least 2 draws per chain are needed, got {n}"),
        ));
    }
    let mut out = Vec::with_capacity(chains);
    for (c, row) in energy.outer_iter().enumerate() {
        if let Some(i) = row.iter().position(|x| !x.is_finite()) {
            return Err(Ki3Error::NonFinite {
                arg: "energy".into(),
                index: c * n + i,
            });
        }
        let mut sq = NeumaierSum::default();
        row.windows(2)
            .into_iter()
            .for_each(|w| sq.add((w[1] - w[0]).powi(2)));
        let mut sum = NeumaierSum::default();
        row.iter().for_each(|&x| sum.add(x));
        let mean = sum.value() / n as f64;
        let mut ss = NeumaierSum::default();
        row.iter().for_each(|&x| ss.add((x - mean).powi(2)));
        out.push((sq.value() / (n - 1) as f64) / (ss.value() / (n - 1) as f64));
    }
    Ok(out)
}

fn check_prob_open(name: &str, prob: f64) -> Result<()> {
    if prob > 0.0 && prob < 1.0 {
        Ok(())
    } else {
        Err(Ki3Error::param(
            name,
            format!("must be in (0, 1), got {prob}"),
        ))
    }
}

/// A sorted copy of a non-empty finite sample (with dummy indices, the layout of `sorted`).
fn sorted_sample(sample: &[f64]) -> Result<Vec<(f64, usize)>> {
    if sample.is_empty() {
        return Err(Ki3Error::Empty {
            arg: "sample".into(),
        });
    }
    if let Some(index) = sample.iter().position(|x| !x.is_finite()) {
        return Err(Ki3Error::NonFinite {
            arg: "sample".into(),
            index,
        });
    }
    let mut sorted: Vec<(f64, usize)> = sample.iter().map(|&x| (x, 0)).collect();
    sorted.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    Ok(sorted)
}

/// HDI of a non-empty sorted sample, `0 < prob < 1`.
fn hdi_sorted(sorted: &[(f64, usize)], prob: f64) -> Result<(f64, f64)> {
    let n = sorted.len();
    // arviz: int(np.floor(hdi_prob * n)), the same floating-point product.
    let k = (prob * n as f64).floor() as usize;
    let mut best: Option<(f64, f64, f64)> = None;
    for (lo, hi) in sorted.iter().zip(sorted.iter().skip(k)) {
        let width = hi.0 - lo.0;
        // Strictly narrower only: the first minimum wins, as np.argmin.
        if best.is_none_or(|b| width < b.0) {
            best = Some((width, lo.0, hi.0));
        }
    }
    best.map(|(_, lo, hi)| (lo, hi))
        .ok_or_else(|| Ki3Error::param("hdi_prob", "too few draws for the interval"))
}

/// Type-7 quantile of a non-empty sorted sample, written as scipy's `mquantiles(alphap=1,
/// betap=1)` computes it so that the tail indicators match arviz's draw for draw.
fn type7(sorted: &[(f64, usize)], p: f64) -> f64 {
    let n = sorted.len();
    let value = |i: usize| sorted.get(i).map_or(f64::NAN, |q| q.0);
    if n == 1 {
        return value(0);
    }
    let aleph = n as f64 * p + (1.0 - p);
    let k = aleph.clamp(1.0, (n - 1) as f64).floor();
    let gamma = (aleph - k).clamp(0.0, 1.0);
    let k = k as usize;
    (1.0 - gamma) * value(k - 1) + gamma * value(k)
}

/// Median of `len` ascending values (numpy: the mean of the two middle ones for even `len`).
fn median_sorted(mut values: impl Iterator<Item = f64>, len: usize) -> f64 {
    if len % 2 == 1 {
        values.nth(len / 2).unwrap_or(f64::NAN)
    } else {
        let a = values.nth(len / 2 - 1).unwrap_or(f64::NAN);
        let b = values.next().unwrap_or(f64::NAN);
        (a + b) / 2.0
    }
}

/// Mean of a chain by a compensated sum.
fn chain_mean(x: &[f64]) -> f64 {
    let mut s = NeumaierSum::default();
    x.iter().for_each(|&v| s.add(v));
    s.value() / x.len() as f64
}

/// Sample variance (`ddof = 1`) of `x` around `mean`.
fn variance(x: &[f64], mean: f64) -> f64 {
    let mut s = NeumaierSum::default();
    x.iter().for_each(|&v| s.add((v - mean).powi(2)));
    s.value() / (x.len() as f64 - 1.0)
}

/// Classic R-hat of `m` chains of `n` draws laid out chain after chain (Gelman–Rubin with
/// arviz's arithmetic: `√(((B/W) + N − 1) / N)`).
fn rhat_of(x: &[f64], m: usize, n: usize, means: &mut Vec<f64>) -> f64 {
    means.clear();
    let mut within = NeumaierSum::default();
    for chain in x.chunks_exact(n).take(m) {
        let mu = chain_mean(chain);
        means.push(mu);
        within.add(variance(chain, mu));
    }
    let within = within.value() / m as f64;
    let between = n as f64 * variance(means, chain_mean(means));
    let n = n as f64;
    ((between / within + n - 1.0) / n).sqrt()
}

/// Lags computed by direct sums before the whole autocovariance sequence is computed by FFT
/// instead: a lag costs one pass over the draws, the FFT about this many.
const DIRECT_LAGS: usize = 24;

/// Buffers of the autocovariance computations.
#[derive(Debug, Default, Clone)]
struct AcovWork {
    /// Chain-centred copy of the series.
    centered: Vec<f64>,
    /// Chain means of the series.
    means: Vec<f64>,
    /// Autocorrelation estimates ρ̂_t.
    rho: Vec<f64>,
    /// FFT buffers (real and imaginary parts) and the summed power spectrum.
    re: Vec<f64>,
    im: Vec<f64>,
    power: Vec<f64>,
    /// `(cos, sin)(2πk/size)` for the current FFT size.
    twiddles: Vec<(f64, f64)>,
    /// Mean over chains of the biased autocovariance at every lag (filled by FFT on demand).
    table: Vec<f64>,
}

/// `Σ a_i b_i` with four accumulators (vectorisable; the order differs from a plain loop only
/// in rounding).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..4 {
            acc[k] += x[k] * y[k];
        }
    }
    let tail: f64 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// In-place iterative radix-2 FFT of `(re, im)`, whose common length `n` is a power of two;
/// `twiddles` holds, stage after stage (butterfly half-width `h = 1, 2, 4, …`), the factors
/// `(cos, sin)(πk/h)` for `k < h` (`n − 1` in all, from [`twiddle_table`]); `inverse` flips the
/// sign of the exponent (no 1/n scaling).
fn fft(re: &mut [f64], im: &mut [f64], twiddles: &[(f64, f64)], inverse: bool) {
    let n = re.len();
    if n < 2 || im.len() != n || twiddles.len() != n - 1 {
        return;
    }
    let bits = n.trailing_zeros();
    for i in 0..n {
        let j = i.reverse_bits() >> (usize::BITS - bits);
        if j > i {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
    let sign = if inverse { 1.0 } else { -1.0 };
    let mut half = 1;
    while half < n {
        let stage = &twiddles[half - 1..2 * half - 1];
        for (re, im) in re
            .chunks_exact_mut(2 * half)
            .zip(im.chunks_exact_mut(2 * half))
        {
            let (re_a, re_b) = re.split_at_mut(half);
            let (im_a, im_b) = im.split_at_mut(half);
            let pairs = re_a
                .iter_mut()
                .zip(im_a.iter_mut())
                .zip(re_b.iter_mut().zip(im_b));
            for (((ar, ai), (br, bi)), &(wc, ws)) in pairs.zip(stage) {
                let ws = sign * ws;
                let tr = *br * wc - *bi * ws;
                let ti = *br * ws + *bi * wc;
                *br = *ar - tr;
                *bi = *ai - ti;
                *ar += tr;
                *ai += ti;
            }
        }
        half *= 2;
    }
}

/// The FFT factors of size `n` (a power of two), stage after stage: `(cos, sin)(πk/h)`, `k < h`,
/// for `h = 1, 2, …, n/2`.
fn twiddle_table(n: usize) -> Vec<(f64, f64)> {
    let mut table = Vec::with_capacity(n.saturating_sub(1));
    let mut half = 1;
    while half < n {
        let step = std::f64::consts::PI / half as f64;
        table.extend((0..half).map(|k| {
            let (s, c) = (step * k as f64).sin_cos();
            (c, s)
        }));
        half *= 2;
    }
    table
}

impl AcovWork {
    /// `table[t]` ← mean over the `m` chains of `(1/n) Σ_i d_i d_{i+t}` for every lag, by FFT:
    /// two real chains share one complex transform (`x + iy`), their power spectra
    /// `|X_k|² = |Z_k + Z̄_{−k}|²/4`, `|Y_k|² = |Z_k − Z̄_{−k}|²/4` are summed over chains, and
    /// one inverse transform of the sum gives the summed autocovariances (zero padding to at
    /// least `2n` keeps them linear, not circular).
    fn fill_table(&mut self, m: usize, n: usize) {
        let size = (2 * n).next_power_of_two();
        if self.twiddles.len() != size - 1 {
            self.twiddles = twiddle_table(size);
        }
        self.power.clear();
        self.power.resize(size, 0.0);
        for pair in self.centered.chunks(2 * n).take(m.div_ceil(2)) {
            self.re.clear();
            self.re.resize(size, 0.0);
            self.im.clear();
            self.im.resize(size, 0.0);
            // The first chain of the pair is the real part, the second (if any) the imaginary.
            let (x, y) = pair.split_at(n.min(pair.len()));
            self.re[..x.len()].copy_from_slice(x);
            self.im[..y.len()].copy_from_slice(y);
            fft(&mut self.re, &mut self.im, &self.twiddles, false);
            for k in 0..size {
                let j = (size - k) % size;
                let (zr, zi, cr, ci) = (self.re[k], self.im[k], self.re[j], -self.im[j]);
                let x2 = (zr + cr).powi(2) + (zi + ci).powi(2);
                let y2 = (zr - cr).powi(2) + (zi - ci).powi(2);
                self.power[k] += (x2 + y2) / 4.0;
            }
        }
        self.re.clear();
        self.re.extend_from_slice(&self.power);
        self.im.clear();
        self.im.resize(size, 0.0);
        fft(&mut self.re, &mut self.im, &self.twiddles, true);
        let scale = 1.0 / (size as f64 * n as f64 * m as f64);
        self.table.clear();
        self.table.extend(self.re.iter().take(n).map(|v| v * scale));
    }

    /// Mean over chains of the biased autocovariance at `lag`: direct sums for the first
    /// [`DIRECT_LAGS`] lags, the FFT table beyond.
    fn acov(&mut self, lag: usize, m: usize, n: usize) -> f64 {
        if lag >= DIRECT_LAGS {
            if self.table.len() != n {
                self.fill_table(m, n);
            }
            return self.table.get(lag).copied().unwrap_or(0.0);
        }
        let mut total = 0.0;
        for d in self.centered.chunks_exact(n).take(m) {
            let (head, tail) = (&d[..n - lag], &d[lag..]);
            total += dot(head, tail) / n as f64;
        }
        total / m as f64
    }

    /// Effective sample size of `m` chains of `n` draws laid out chain after chain (arviz
    /// `_ess`): multi-chain autocorrelations, Geyer's initial positive then initial monotone
    /// sequence.
    fn ess(&mut self, x: &[f64], m: usize, n: usize) -> f64 {
        let size = (m * n) as f64;
        let (lo, hi) = x
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        if hi - lo < CONSTANT_RANGE {
            return size;
        }
        self.means.clear();
        self.centered.clear();
        self.table.clear();
        for chain in x.chunks_exact(n).take(m) {
            let mu = chain_mean(chain);
            self.means.push(mu);
            self.centered.extend(chain.iter().map(|&v| v - mu));
        }
        let nf = n as f64;
        let mean_var = self.acov(0, m, n) * nf / (nf - 1.0);
        let mut var_plus = mean_var * (nf - 1.0) / nf;
        if m > 1 {
            var_plus += variance(&self.means, chain_mean(&self.means));
        }
        let rho_at =
            |this: &mut Self, lag: usize| 1.0 - (mean_var - this.acov(lag, m, n)) / var_plus;

        let mut rho = std::mem::take(&mut self.rho);
        rho.clear();
        rho.resize(n, 0.0);
        let mut rho_even = 1.0;
        let mut rho_odd = rho_at(self, 1);
        rho[0] = rho_even;
        rho[1] = rho_odd;
        // Geyer's initial positive sequence: pairs Γ_k = ρ̂_{2k} + ρ̂_{2k+1} while positive.
        let mut t = 1;
        while t + 3 < n && rho_even + rho_odd > 0.0 {
            rho_even = rho_at(self, t + 1);
            rho_odd = rho_at(self, t + 2);
            if rho_even + rho_odd >= 0.0 {
                rho[t + 1] = rho_even;
                rho[t + 2] = rho_odd;
            }
            t += 2;
        }
        // arviz's max_t = t − 2 may be −1 (no pair examined); `last` = max_t + 1 ≥ 0.
        let last = t - 1;
        if rho_even > 0.0 {
            rho[last] = rho_even;
        }
        // Geyer's initial monotone sequence: no pair larger than the one before it.
        let mut t = 1;
        while t + 3 <= last {
            if rho[t + 1] + rho[t + 2] > rho[t - 1] + rho[t] {
                let avg = (rho[t - 1] + rho[t]) / 2.0;
                rho[t + 1] = avg;
                rho[t + 2] = avg;
            }
            t += 2;
        }
        let any_nan = rho.iter().any(|r| r.is_nan());
        let head: f64 = rho.iter().take(last).sum();
        let tau = -1.0 + 2.0 * head + rho.get(last).copied().unwrap_or(0.0);
        self.rho = rho;
        if any_nan {
            return f64::NAN;
        }
        let floor = 1.0 / size.log10();
        let tau = if floor > tau { floor } else { tau };
        size / tau
    }
}

#[cfg(test)]
mod tests {
    //! Reference values from arviz 0.23.4 (numpy 2.4.6, scipy 1.17.1) on draws that both sides
    //! generate bit for bit: a SplitMix64 stream turned into uniforms `(u >> 11)·2⁻⁵³`, "normals"
    //! as the sum of 12 uniforms minus 6, and AR(1) chains `x_t = φ x_{t−1} + √(1−φ²) z_t` (only
    //! integer ops, + − × ÷ and √, all correctly rounded, so Python and Rust agree exactly).
    //! The generating script (run in a scratch venv with `pip install arviz numpy`):
    //!
    //! ```python
    //! import math, numpy as np, arviz as az
    //! from arviz.stats.diagnostics import _rhat, _split_chains, _z_scale
    //! M = (1 << 64) - 1
    //! class Gen:
    //!     def __init__(self, seed): self.s = seed & M
    //!     def u64(self):
    //!         self.s = (self.s + 0x9E3779B97F4A7C15) & M
    //!         z = self.s
    //!         z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    //!         z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    //!         return z ^ (z >> 31)
    //!     def uniform(self): return float(self.u64() >> 11) * (1.0 / 9007199254740992.0)
    //!     def normalish(self):
    //!         s = 0.0
    //!         for _ in range(12): s += self.uniform()
    //!         return s - 6.0
    //! def ar(seed, chains, draws, phi, shift):
    //!     g = Gen(seed); scale = math.sqrt(1.0 - phi * phi) if phi < 1.0 else 1.0
    //!     out = np.empty((chains, draws))
    //!     for c in range(chains):
    //!         x = g.normalish()
    //!         for i in range(draws):
    //!             if i > 0: x = phi * x + scale * g.normalish()
    //!             out[c, i] = x + shift * c
    //!     return out
    //! def heavy(seed, chains, draws):   # z1 / sqrt((z2² + z3²)/2), drawn in that order
    //! def ties(seed, chains, draws, phi): return np.floor(ar(seed, chains, draws, phi, 0.0) * 2.0 + 0.5) / 2.0
    //! def rank_rhat(ary, fold_full):    # arviz's split R-hat pieces, for a single chain
    //!     split = _split_chains(ary)
    //!     med = np.median(ary) if fold_full else np.median(split)
    //!     tail_in = _split_chains(np.abs(ary - med)) if fold_full else np.abs(split - med)
    //!     return max(_rhat(_z_scale(split)), _rhat(_z_scale(tail_in)))
    //! for name, a in CASES:  # the `cases()` below
    //!     rhat = az.rhat(a) if a.shape[0] > 1 else rank_rhat(a, False)
    //!     s = az.summary(a, round_to="none").loc["x"]
    //!     s_rhat = s["r_hat"] if a.shape[0] > 1 else rank_rhat(a, True)
    //!     print(name, [rhat, az.ess(a, method="bulk"), az.ess(a, method="tail"),
    //!         az.ess(a, method="mean"), az.mcse(a, method="mean"), az.mcse(a, method="sd"),
    //!         *s[["mean", "sd", "hdi_3%", "hdi_97%", "mcse_mean", "mcse_sd", "ess_bulk",
    //!         "ess_tail"]], s_rhat, *az.hdi(a.ravel(), hdi_prob=0.5), *az.hdi(a.ravel(), hdi_prob=0.9)])
    //! ```
    //!
    //! (BFMI, quantile and HDI references below come from `az.bfmi`, `np.quantile` and `az.hdi`
    //! on draws of the same generator, as each test says.)
    use super::*;
    use ndarray::Array2;

    /// The test generator (see the module comment): SplitMix64 uniforms and Irwin–Hall normals.
    struct Gen(u64);

    impl Gen {
        fn u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        fn uniform(&mut self) -> f64 {
            (self.u64() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
        }

        fn normalish(&mut self) -> f64 {
            let mut s = 0.0;
            for _ in 0..12 {
                s += self.uniform();
            }
            s - 6.0
        }
    }

    fn ar(seed: u64, chains: usize, draws: usize, phi: f64, shift: f64) -> Array2<f64> {
        let mut g = Gen(seed);
        let scale = if phi < 1.0 {
            (1.0 - phi * phi).sqrt()
        } else {
            1.0
        };
        let mut out = Array2::zeros((chains, draws));
        for c in 0..chains {
            let mut x = g.normalish();
            for i in 0..draws {
                if i > 0 {
                    x = phi * x + scale * g.normalish();
                }
                out[[c, i]] = x + shift * c as f64;
            }
        }
        out
    }

    fn heavy(seed: u64, chains: usize, draws: usize) -> Array2<f64> {
        let mut g = Gen(seed);
        Array2::from_shape_fn((chains, draws), |_| {
            let z1 = g.normalish();
            let z2 = g.normalish();
            let z3 = g.normalish();
            z1 / ((z2 * z2 + z3 * z3) / 2.0).sqrt()
        })
    }

    fn ties(seed: u64, chains: usize, draws: usize, phi: f64) -> Array2<f64> {
        ar(seed, chains, draws, phi, 0.0).mapv(|x| (x * 2.0 + 0.5).floor() / 2.0)
    }

    fn cases() -> Vec<(&'static str, Array2<f64>)> {
        vec![
            ("iid", ar(1, 4, 1000, 0.0, 0.0)),
            ("ar09", ar(2, 4, 1000, 0.9, 0.0)),
            ("ar099", ar(3, 4, 500, 0.99, 0.0)),
            ("shifted", ar(4, 4, 200, 0.3, 0.5)),
            ("heavy", heavy(5, 4, 300)),
            ("odd", ar(6, 3, 101, 0.5, 0.1)),
            ("single", ar(7, 1, 50, 0.6, 0.0)),
            ("single_odd", ar(8, 1, 51, 0.6, 0.0)),
            ("short4", ar(9, 2, 4, 0.0, 0.0)),
            ("short5", ar(10, 2, 5, 0.0, 0.0)),
            ("ties", ties(11, 4, 250, 0.7)),
            ("anti", ar(12, 4, 400, -0.7, 0.0)),
            ("walk", ar(13, 4, 500, 1.0, 0.0)),
            ("stuck", Array2::from_shape_fn((4, 100), |(c, _)| c as f64)),
            ("constant", Array2::from_elem((4, 100), 1.5)),
        ]
    }

    /// arviz per case: rhat, ess bulk, ess tail, ess mean, mcse mean, mcse sd; summary mean, sd,
    /// hdi 3%, hdi 97%, mcse mean, mcse sd, ess bulk, ess tail, r_hat; hdi(0.5) low, high,
    /// hdi(0.9) low, high.
    const REFERENCE: [(&str, [f64; 19]); 15] = [
        (
            "iid",
            [
                1.000240452446108,
                3974.95453051567,
                3888.399861358435,
                3982.409816963348,
                0.01609171019440531,
                0.010658675179228388,
                -0.028703337397163887,
                1.0154888924785614,
                -1.9448313013726422,
                1.8094943324148716,
                0.01609171019440531,
                0.010658675179228388,
                3974.95453051567,
                3888.399861358435,
                1.000240452446108,
                -0.7774816665403081,
                0.6206840937009979,
                -1.6395717359326039,
                1.639081373989204,
            ],
        ),
        (
            "ar09",
            [
                1.0263556388760382,
                165.10237370780135,
                376.29229783033213,
                163.96203007934247,
                0.08152928891888667,
                0.03222240759100937,
                0.04071043040207027,
                1.0439634596361804,
                -1.9842807455168994,
                1.9238943967069388,
                0.08152928891888667,
                0.03222240759100937,
                165.10237370780135,
                376.29229783033213,
                1.0263556388760382,
                -0.7993355380703859,
                0.6240695435385113,
                -1.5862370014228813,
                1.8871608925268322,
            ],
        ),
        (
            "ar099",
            [
                1.402126271223871,
                9.21264015958872,
                23.478531322852945,
                9.064423821807592,
                0.3141277433645285,
                0.14693906169830567,
                -0.3187880159005975,
                0.9457501006129186,
                -2.1870201821740527,
                1.3228172583231297,
                0.3141277433645285,
                0.14693906169830567,
                9.21264015958872,
                23.478531322852945,
                1.402126271223871,
                -0.8301070237102789,
                0.3260181246342277,
                -2.037408630887311,
                1.0868313814490183,
            ],
        ),
        (
            "shifted",
            [
                1.2008502301161004,
                15.34237475147281,
                120.12664932040654,
                15.320356609362637,
                0.2986059534475538,
                0.03530093098221651,
                0.75512072488301,
                1.1687803445093743,
                -1.369638856143165,
                2.91947199749426,
                0.2986059534475538,
                0.03530093098221651,
                15.34237475147281,
                120.12664932040654,
                1.2008502301161004,
                -0.41933644089360533,
                1.1682277855495908,
                -0.9063333349428407,
                2.8971322697484485,
            ],
        ),
        (
            "heavy",
            [
                0.9985376038022131,
                1086.8471441655615,
                1142.7397297912357,
                1139.540843010566,
                0.061451585490226786,
                0.11668904283901578,
                0.021902154802871422,
                2.0744264451247085,
                -3.812663409664357,
                3.593277682725492,
                0.06145158549022678,
                0.11668904283901578,
                1086.8471441655615,
                1142.7397297912357,
                0.9985376038022131,
                -0.6818282848774703,
                0.8832976078689577,
                -3.0806096455328937,
                2.4606610038092502,
            ],
        ),
        (
            "odd",
            [
                1.0022526440093438,
                79.66282092665779,
                223.38428533118804,
                79.32468115773533,
                0.12462038311857405,
                0.05280142199273818,
                0.01455704451984087,
                1.1099240187814383,
                -1.951219203069418,
                2.0731921743549293,
                0.12462038311857405,
                0.05280142199273818,
                79.66282092665779,
                223.38428533118804,
                1.0022526440093438,
                -0.7114342692885899,
                0.8556584191496421,
                -1.951219203069418,
                1.543957268310377,
            ],
        ),
        (
            "single",
            [
                1.0259249397917996,
                21.939844042830035,
                18.36614751689686,
                20.993355774342263,
                0.20813129676470082,
                0.13446922641929293,
                -0.13641952615457417,
                0.9536265263480782,
                -2.4623143537462284,
                1.2549107358187075,
                0.20813129676470085,
                0.13446922641929293,
                21.939844042830035,
                18.36614751689686,
                1.0259249397917996,
                -0.6712724437346211,
                0.5449575268593573,
                -1.7452217196880817,
                1.2549107358187075,
            ],
        ),
        (
            "single_odd",
            [
                1.0384418008313252,
                20.519816044592915,
                33.25007805182642,
                22.335305771221076,
                0.20188855813139517,
                0.10698881980987354,
                0.23931129748991653,
                0.9541302334798433,
                -1.6287096985481002,
                2.0729027012713543,
                0.20188855813139517,
                0.10698881980987354,
                20.519816044592915,
                33.25007805182642,
                1.0384418008313252,
                -0.060794259284354335,
                0.9625478288662628,
                -0.7776556300274122,
                2.1735360432505404,
            ],
        ),
        (
            "short4",
            [
                0.901387625038615,
                7.224719895935548,
                7.224719895935548,
                7.224719895935548,
                0.25653977423599567,
                0.09304720125142141,
                -0.012195747882880026,
                0.6895491305992306,
                -0.8105325623183672,
                1.0069923284787086,
                0.2565397742359957,
                0.09304720125142141,
                7.224719895935548,
                7.224719895935548,
                0.901387625038615,
                -0.05694431332990746,
                1.0069923284787086,
                -0.8105325623183672,
                1.0069923284787086,
            ],
        ),
        (
            "short5",
            [
                0.9012144386980897,
                7.224719895935548,
                7.224719895935548,
                7.224719895935548,
                0.20005586755260452,
                0.18080385884009353,
                0.037848577864655564,
                0.5377269468369924,
                -1.2236446831502104,
                0.9137533293692544,
                0.20005586755260452,
                0.18080385884009353,
                7.224719895935548,
                7.224719895935548,
                0.9012144386980897,
                -0.0011910628232172371,
                0.273321995039308,
                -1.2236446831502104,
                0.9137533293692544,
            ],
        ),
        (
            "ties",
            [
                1.008072009917208,
                213.6093416538309,
                359.55516135634844,
                213.2888325641397,
                0.0671658029643793,
                0.037859391025635694,
                -0.208,
                0.9809170190175102,
                -2.0,
                1.5,
                0.0671658029643793,
                0.037859391025635694,
                213.6093416538309,
                359.55516135634844,
                1.008072009917208,
                -1.0,
                0.0,
                -2.0,
                1.0,
            ],
        ),
        (
            "anti",
            [
                1.0015783916578342,
                5126.59197224948,
                1416.914290975894,
                5126.59197224948,
                0.013394254298227319,
                0.030871972776768362,
                -0.0032242115100171785,
                0.9590315982822124,
                -1.7630665141801478,
                1.723553480157567,
                0.013394254298227319,
                0.030871972776768362,
                5126.59197224948,
                1416.914290975894,
                1.0015783916578342,
                -0.4901872142958551,
                0.77931405542742,
                -1.6235489072500455,
                1.4704055378397316,
            ],
        ),
        (
            "walk",
            [
                1.80051455029809,
                6.083627577691696,
                19.728079626583636,
                5.643098078800991,
                4.671059936548066,
                1.9331452996086067,
                1.3288337122388174,
                11.096199061592063,
                -14.758016346676438,
                24.585585995893034,
                4.671059936548066,
                1.9331452996086067,
                6.083627577691696,
                19.728079626583636,
                1.80051455029809,
                -11.959939400258133,
                2.2645568819470743,
                -13.987280833327434,
                21.26821067096273,
            ],
        ),
        (
            "stuck",
            [
                3.215193572197791e+16,
                4.3478260869565215,
                4.3478260869565215,
                4.3478260869565215,
                0.5368617618888927,
                0.21447610589527216,
                1.5,
                1.1194341570991124,
                0.0,
                3.0,
                0.5368617618888927,
                0.21447610589527216,
                4.3478260869565215,
                4.3478260869565215,
                3.215193572197791e+16,
                0.0,
                2.0,
                0.0,
                3.0,
            ],
        ),
        (
            "constant",
            [
                f64::NAN,
                400.0,
                400.0,
                400.0,
                0.0,
                f64::NAN,
                1.5,
                0.0,
                1.5,
                1.5,
                0.0,
                f64::NAN,
                400.0,
                400.0,
                f64::NAN,
                1.5,
                1.5,
                1.5,
                1.5,
            ],
        ),
    ];

    fn close(got: f64, want: f64, rel: f64) -> bool {
        (got.is_nan() && want.is_nan())
            || got == want
            || (got - want).abs() <= rel * want.abs() + 1e-14
    }

    #[test]
    fn matches_arviz_on_every_case() {
        let mut ws = Workspace::new();
        for ((name, draws), (ref_name, want)) in cases().iter().zip(REFERENCE.iter()) {
            assert_eq!(name, ref_name);
            let v = draws.view();
            let (mcse_mean, mcse_sd) = mcse(v).unwrap();
            let s = ws.summarize(v, DEFAULT_HDI_PROB).unwrap();
            let flat: Vec<f64> = draws.iter().copied().collect();
            let (h50, h90) = (hdi(&flat, 0.5).unwrap(), hdi(&flat, 0.9).unwrap());
            let got = [
                rhat(v).unwrap(),
                ess_bulk(v).unwrap(),
                ess_tail(v).unwrap(),
                ess_mean(v).unwrap(),
                mcse_mean,
                mcse_sd,
                s.mean,
                s.sd,
                s.hdi_low,
                s.hdi_high,
                s.mcse_mean,
                s.mcse_sd,
                s.ess_bulk,
                s.ess_tail,
                s.r_hat,
                h50.0,
                h50.1,
                h90.0,
                h90.1,
            ];
            for (k, (g, w)) in got.iter().zip(want.iter()).enumerate() {
                if *name == "stuck" && (k == 0 || k == 14) {
                    // Chains constant at different values: W is 0 up to rounding, so arviz's
                    // 3.2e16 is 1/rounding noise; ours is as huge or infinite.
                    assert!(*g > 1e10, "{name} column {k}: {g}");
                    continue;
                }
                // Measured worst gap: 1.1e-14 relative (walk, tail ESS).
                assert!(
                    close(*g, *w, 1e-12),
                    "{name} column {k}: got {g}, arviz {w}"
                );
            }
        }
    }

    #[test]
    fn bfmi_matches_arviz() {
        // az.bfmi(e) with row c = ar(20, 1, 300, φ_c)[0] + c, φ = (0, 0.5, 0.9, −0.4).
        let want = [
            2.3338797283881036,
            1.341397618428816,
            0.3681851517786399,
            3.05414870830725,
        ];
        let mut e = Array2::zeros((4, 300));
        for (c, phi) in [0.0, 0.5, 0.9, -0.4].into_iter().enumerate() {
            let row = ar(20, 1, 300, phi, 0.0);
            e.row_mut(c).assign(&(&row.row(0) + c as f64));
        }
        let got = bfmi(e.view()).unwrap();
        for (g, w) in got.iter().zip(want) {
            assert!(close(*g, w, 1e-12), "{g} vs {w}");
        }
        let flat = Array2::from_elem((2, 10), 3.0);
        assert!(bfmi(flat.view()).unwrap().iter().all(|b| b.is_nan()));
    }

    #[test]
    fn quantile_matches_numpy() {
        // np.quantile(ar(21, 1, 37, 0.3)[0], probs) (linear, type 7).
        let x: Vec<f64> = ar(21, 1, 37, 0.3, 0.0).iter().copied().collect();
        let probs = [0.0, 0.05, 0.25, 0.5, 0.9, 0.95, 1.0];
        let want = [
            -2.040453468501765,
            -1.20857577328308,
            -0.7170540230971199,
            -0.05285310218671485,
            0.9361021346386525,
            1.2844890706510188,
            1.4460507974261263,
        ];
        for (p, w) in probs.into_iter().zip(want) {
            let g = quantile(&x, p).unwrap();
            assert!(close(g, w, 1e-13), "p={p}: {g} vs {w}");
        }
        assert_eq!(quantile(&[2.5], 0.3).unwrap(), 2.5);
        assert_eq!(quantile(&[1.0, 3.0], 0.25).unwrap(), 1.5);
    }

    #[test]
    fn hdi_matches_arviz() {
        // az.hdi(ar(22 + n, 1, n, 0.2)[0], hdi_prob=p).
        let cases = [
            (1, 0.94, (0.8741822375883812, 0.8741822375883812)),
            (2, 0.5, (-0.6688166621385441, 1.4420623049241428)),
            (7, 0.94, (-1.2328166205487938, 1.081500035339495)),
            (7, 0.5, (-0.06498201160615934, 0.23913042855339628)),
            (100, 0.94, (-1.6140655510810562, 1.848793013509613)),
            (100, 0.89, (-1.4283459462343437, 1.5498268239145723)),
            (37, 0.94, (-1.959713730265744, 1.9008204421299666)),
        ];
        for (n, p, want) in cases {
            let x: Vec<f64> = ar(22 + n as u64, 1, n, 0.2, 0.0).iter().copied().collect();
            // Exact: the ends are draws, picked by the same index rule.
            assert_eq!(hdi(&x, p).unwrap(), want, "n={n} p={p}");
        }
        // Many equal widths: the first (lowest) interval wins, as np.argmin.
        let t: Vec<f64> = ties(30, 1, 60, 0.0).iter().copied().collect();
        assert_eq!(hdi(&t, 0.8).unwrap(), (-1.5, 1.0));
        assert_eq!(hdi(&[0.0, 1.0, 2.0, 3.0], 0.5).unwrap(), (0.0, 2.0));
    }

    #[test]
    fn workspace_reuse_equals_fresh_calls() {
        let mut ws = Workspace::new();
        let big = ar(40, 4, 300, 0.8, 0.0);
        let small = ar(41, 2, 9, 0.1, 0.2);
        for d in [&big, &small, &big] {
            let v = d.view();
            assert_eq!(ws.rhat(v).unwrap(), rhat(v).unwrap());
            assert_eq!(ws.ess_bulk(v).unwrap(), ess_bulk(v).unwrap());
            assert_eq!(ws.ess_tail(v).unwrap(), ess_tail(v).unwrap());
            assert_eq!(ws.summarize(v, 0.9).unwrap(), summarize(v, 0.9).unwrap());
        }
    }

    #[test]
    fn summary_agrees_with_the_single_functions() {
        // Even draws: the fold medians coincide, so summary and rhat() agree exactly.
        let d = ar(42, 4, 200, 0.5, 0.0);
        let v = d.view();
        let s = summarize(v, 0.9).unwrap();
        let flat: Vec<f64> = d.iter().copied().collect();
        assert_eq!((s.hdi_low, s.hdi_high), hdi(&flat, 0.9).unwrap());
        assert_eq!(s.r_hat, rhat(v).unwrap());
        assert_eq!(s.ess_bulk, ess_bulk(v).unwrap());
        assert_eq!(s.ess_tail, ess_tail(v).unwrap());
        assert_eq!((s.mcse_mean, s.mcse_sd), mcse(v).unwrap());
        assert_eq!(s.hdi_prob, 0.9);
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        let empty = Array2::<f64>::zeros((0, 10));
        assert!(matches!(rhat(empty.view()), Err(Ki3Error::Empty { arg }) if arg == "draws"));
        let short = Array2::<f64>::zeros((4, 3));
        for r in [
            rhat(short.view()),
            ess_bulk(short.view()),
            ess_tail(short.view()),
        ] {
            assert!(
                matches!(r, Err(Ki3Error::InvalidParameter { ref name, .. }) if name == "draws")
            );
        }
        let mut bad = ar(43, 3, 10, 0.0, 0.0);
        bad[[1, 4]] = f64::NAN;
        assert_eq!(
            summarize(bad.view(), 0.94),
            Err(Ki3Error::NonFinite {
                arg: "draws".into(),
                index: 14
            })
        );
        bad[[1, 4]] = f64::INFINITY;
        assert!(matches!(
            ess_mean(bad.view()),
            Err(Ki3Error::NonFinite { index: 14, .. })
        ));
        let ok = ar(44, 2, 10, 0.0, 0.0);
        for p in [0.0, 1.0, -0.1, f64::NAN] {
            assert!(
                matches!(summarize(ok.view(), p), Err(Ki3Error::InvalidParameter { ref name, .. }) if name == "hdi_prob")
            );
            assert!(hdi(&[1.0, 2.0], p).is_err());
        }
        assert!(matches!(hdi(&[], 0.5), Err(Ki3Error::Empty { .. })));
        assert!(matches!(
            hdi(&[1.0, f64::NAN], 0.5),
            Err(Ki3Error::NonFinite { index: 1, .. })
        ));
        assert!(matches!(
            quantile(&[1.0], 1.5),
            Err(Ki3Error::InvalidParameter { .. })
        ));
        assert!(matches!(quantile(&[], 0.5), Err(Ki3Error::Empty { .. })));
        let e1 = Array2::<f64>::zeros((2, 1));
        assert!(
            matches!(bfmi(e1.view()), Err(Ki3Error::InvalidParameter { ref name, .. }) if name == "energy")
        );
        let mut e = Array2::<f64>::zeros((2, 5));
        e[[1, 2]] = f64::NAN;
        assert!(matches!(
            bfmi(e.view()),
            Err(Ki3Error::NonFinite { index: 7, .. })
        ));
        assert!(matches!(
            bfmi(Array2::<f64>::zeros((0, 5)).view()),
            Err(Ki3Error::Empty { .. })
        ));
    }

    #[test]
    fn non_contiguous_views_work() {
        // A transposed (draw, chain) array viewed as (chain, draw).
        let d = ar(45, 3, 40, 0.4, 0.0);
        let t = d.t().to_owned();
        let v = t.t();
        assert_eq!(
            summarize(v, 0.94).unwrap(),
            summarize(d.view(), 0.94).unwrap()
        );
    }

    #[test]
    fn fft_autocovariances_equal_direct_sums() {
        // Odd chain count (an unpaired last chain) and a length that is not a power of two.
        let (m, n) = (3, 37);
        let d = ar(46, m, n, 0.6, 0.0);
        let mut w = AcovWork::default();
        for chain in d.outer_iter() {
            let mu = chain.sum() / n as f64;
            w.centered.extend(chain.iter().map(|v| v - mu));
        }
        w.fill_table(m, n);
        for lag in 0..n {
            let mut direct = 0.0;
            for c in w.centered.chunks_exact(n) {
                direct += (0..n - lag).map(|i| c[i] * c[i + lag]).sum::<f64>() / n as f64;
            }
            direct /= m as f64;
            assert!((w.table[lag] - direct).abs() < 1e-14, "lag {lag}");
        }
    }
}
