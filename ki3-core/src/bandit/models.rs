//! The conjugate per-arm models of the context-free policies: Beta–Bernoulli
//! ([`BernoulliTs`](super::BernoulliTs)) and Normal–Inverse-Gamma
//! ([`GaussianTs`](super::GaussianTs)).
//!
//! Each arm keeps *sufficient statistics* (effective count and compensated sums), never the
//! posterior parameters themselves: statistics add across replicas (`merge`), decay linearly
//! (discounting), and the posterior is a closed-form function of statistics and prior.

use std::fmt::Debug;

use serde::{Deserialize, Serialize, de::DeserializeOwned};

use super::common::{BanditRng, PosteriorDraw};
use crate::error::{Ki3Error, Result};
use crate::numerics::NeumaierSum;
pub use crate::numerics::sample::{BetaSampler, NigSampler, NormalSampler};
use crate::numerics::special::{beta_inv, check_positive, student_t_inv};

mod sealed {
    pub trait Sealed {}
}

/// A conjugate per-arm reward model (implemented by [`BetaPrior`] and [`NigPrior`]; sealed).
/// The value of the model is its prior.
pub trait ArmModel:
    Clone + Debug + PartialEq + Serialize + DeserializeOwned + Send + Sync + sealed::Sealed
{
    /// The `kind` of the saved-state envelope.
    const KIND: &'static str;
    /// Per-arm sufficient statistics.
    type Stats: Clone + Debug + Default + PartialEq + Serialize + DeserializeOwned + Send + Sync;
    /// Posterior parameters of one arm.
    type Posterior: Clone + Copy + Debug + PartialEq;
    /// One-draw sampler of the posterior of the arm's expected reward.
    type Sampler: PosteriorDraw + Clone + Copy + Debug + Send + Sync;

    /// Validates the prior.
    fn check(&self) -> Result<()>;
    /// Validates one reward (`row` is its position in a batch).
    fn check_reward(&self, reward: f64, row: usize) -> Result<()>;
    /// Whether [`check_reward`](Self::check_reward) accepts `reward` (the hot-loop test).
    fn accepts(&self, reward: f64) -> bool;
    /// Adds one observation with weight 1.
    fn observe(&self, stats: &mut Self::Stats, reward: f64);
    /// Whether [`observe_binary`](Self::observe_binary) is implemented.
    const BINARY_TALLY: bool = false;
    /// The statistics after `n` observations of which `ones` were 1 and the rest 0, when that
    /// is exactly (bit for bit) what `n` single [`observe`](Self::observe) calls give in any
    /// order; `None` otherwise (the caller then observes one by one).
    fn observe_binary(&self, _stats: &Self::Stats, _n: u64, _ones: u64) -> Option<Self::Stats> {
        None
    }
    /// Multiplies the statistics by `factor` (discounting).
    fn scale(stats: &mut Self::Stats, factor: f64);
    /// Effective number of observations.
    fn weight(stats: &Self::Stats) -> f64;
    /// The posterior given statistics.
    fn posterior(&self, stats: &Self::Stats) -> Self::Posterior;
    /// Sampler of the posterior of the expected reward.
    fn sampler(post: &Self::Posterior) -> Result<Self::Sampler>;
    /// Posterior mean of the expected reward.
    fn mean(post: &Self::Posterior) -> f64;
    /// Central credible interval of the expected reward at `level`.
    fn interval(post: &Self::Posterior, level: f64) -> Result<(f64, f64)>;
    /// Validates loaded statistics (the reason of a corrupt state).
    fn validate(&self, stats: &Self::Stats) -> std::result::Result<(), String>;
    /// `mine + other − base`, the statistics after merging two replicas that started from
    /// `base`; errors when a replica has fewer observations than `base`.
    fn merge(mine: &Self::Stats, base: &Self::Stats, other: &Self::Stats) -> Result<Self::Stats>;
}

/// A NeumaierSum holding `value * factor` (decay of a compensated sum).
fn scaled(s: &NeumaierSum, factor: f64) -> NeumaierSum {
    let mut t = NeumaierSum::default();
    t.add(s.value() * factor);
    t
}

/// `mine + other − base` for compensated sums; exactly `mine` when `other` has nothing new and
/// exactly `other` when `mine` has nothing new (so merging an empty delta is the identity).
fn merge_sum(mine: &NeumaierSum, base: &NeumaierSum, other: &NeumaierSum) -> NeumaierSum {
    if other == base {
        return *mine;
    }
    if mine == base {
        return *other;
    }
    let mut t = *mine;
    t.merge(other);
    t.add(-base.value());
    t
}

fn merge_count(mine: f64, base: f64, other: f64) -> Result<f64> {
    if mine < base || other < base {
        return Err(Ki3Error::param(
            "base",
            format!(
                "is not a common snapshot of the replicas (arm counts {mine} and {other} are \
                 below the base count {base})"
            ),
        ));
    }
    Ok(mine + other - base)
}

fn nonneg_finite(v: f64) -> bool {
    v >= 0.0 && v.is_finite()
}

// ---------------------------------------------------------------------------------------------
// Beta–Bernoulli

/// Beta(α, β) prior of a Bernoulli arm (default Beta(1, 1), uniform).
///
/// Rewards are in [0, 1]. A reward `r` updates `α += r`, `β += 1 − r`: for 0/1 rewards this is
/// the exact Beta–Bernoulli posterior; a fractional reward counts as a weighted success
/// (`r` successes and `1 − r` failures), the usual extension (e.g. Agrawal & Goyal 2012 sample a
/// Bernoulli(r) instead; the weighted form has the same expectation without the extra noise).
/// The statistics are `n` (count) and `s = Σ r`: posterior `Beta(α₀ + s, β₀ + n − s)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BetaPrior {
    /// Prior successes α₀ > 0.
    pub alpha: f64,
    /// Prior failures β₀ > 0.
    pub beta: f64,
}

impl Default for BetaPrior {
    fn default() -> Self {
        BetaPrior {
            alpha: 1.0,
            beta: 1.0,
        }
    }
}

/// Sufficient statistics of a Bernoulli arm.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BetaStats {
    /// Effective number of observations (exact integer count when γ = 1).
    pub n: f64,
    /// Sum of rewards (compensated).
    pub successes: NeumaierSum,
}

/// A Beta posterior.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BetaPosterior {
    /// α = α₀ + Σ r.
    pub alpha: f64,
    /// β = β₀ + n − Σ r.
    pub beta: f64,
}

impl PosteriorDraw for BetaSampler {
    #[inline]
    fn draw(&self, rng: &mut BanditRng) -> f64 {
        self.sample(rng)
    }
}

/// Largest Beta prior pseudo-count. A prior worth more than a billion observations would drown
/// every reward, and the credible intervals of `summary` (incomplete beta quantiles, whose
/// continued fraction needs O(√(α + β)) terms) would become slow or fail to converge.
pub const MAX_PRIOR_PSEUDO_COUNT: f64 = 1e9;

fn check_pseudo_count(name: &str, v: f64) -> Result<()> {
    check_positive(name, v)?;
    if v > MAX_PRIOR_PSEUDO_COUNT {
        return Err(Ki3Error::param(
            name,
            format!("must be at most 1e9 (a prior worth a billion observations), got {v}"),
        ));
    }
    Ok(())
}

impl sealed::Sealed for BetaPrior {}

impl ArmModel for BetaPrior {
    const KIND: &'static str = "BernoulliTs";
    type Stats = BetaStats;
    type Posterior = BetaPosterior;
    type Sampler = BetaSampler;

    fn check(&self) -> Result<()> {
        check_pseudo_count("prior.alpha", self.alpha)?;
        check_pseudo_count("prior.beta", self.beta)
    }

    #[inline]
    fn accepts(&self, reward: f64) -> bool {
        (0.0..=1.0).contains(&reward)
    }

    #[inline]
    fn check_reward(&self, reward: f64, row: usize) -> Result<()> {
        if !reward.is_finite() {
            return Err(Ki3Error::NonFinite {
                arg: "reward".into(),
                index: row,
            });
        }
        if !(0.0..=1.0).contains(&reward) {
            return Err(Ki3Error::InvalidValue {
                arg: "reward".into(),
                index: row,
                reason: format!("Bernoulli rewards must be in [0, 1], got {reward}"),
            });
        }
        Ok(())
    }

    #[inline]
    fn observe(&self, stats: &mut BetaStats, reward: f64) {
        stats.n += 1.0;
        stats.successes.add(reward);
    }

    const BINARY_TALLY: bool = true;

    /// Exact when the count and the sum are integers held exactly (always, unless fractional
    /// rewards were observed or the sums pass 2^52): then every single update adds an integer
    /// without rounding, so the Neumaier correction stays zero.
    fn observe_binary(&self, stats: &BetaStats, n: u64, ones: u64) -> Option<BetaStats> {
        const LIMIT: f64 = 4_503_599_627_370_496.0; // 2^52
        let (n, ones) = (n as f64, ones as f64);
        let exact = stats.successes.is_exact_integer()
            && stats.n.fract() == 0.0
            && stats.n + n <= LIMIT
            && stats.successes.value() + ones <= LIMIT;
        exact.then(|| {
            let mut out = *stats;
            out.n += n;
            out.successes.add(ones);
            out
        })
    }

    fn scale(stats: &mut BetaStats, factor: f64) {
        stats.n *= factor;
        stats.successes = scaled(&stats.successes, factor);
    }

    fn weight(stats: &BetaStats) -> f64 {
        stats.n
    }

    #[inline]
    fn posterior(&self, stats: &BetaStats) -> BetaPosterior {
        let s = stats.successes.value().clamp(0.0, stats.n.max(0.0));
        BetaPosterior {
            alpha: self.alpha + s,
            beta: self.beta + (stats.n - s).max(0.0),
        }
    }

    #[inline]
    fn sampler(post: &BetaPosterior) -> Result<BetaSampler> {
        BetaSampler::new(post.alpha, post.beta)
    }

    fn mean(post: &BetaPosterior) -> f64 {
        post.alpha / (post.alpha + post.beta)
    }

    fn interval(post: &BetaPosterior, level: f64) -> Result<(f64, f64)> {
        let tail = 0.5 * (1.0 - level);
        Ok((
            beta_inv(tail, post.alpha, post.beta)?,
            beta_inv(1.0 - tail, post.alpha, post.beta)?,
        ))
    }

    fn validate(&self, stats: &BetaStats) -> std::result::Result<(), String> {
        let (n, s) = (stats.n, stats.successes.value());
        if !nonneg_finite(n) {
            return Err(format!("count {n} must be finite and >= 0"));
        }
        let tol = 1e-9 * n.max(1.0);
        if !(s.is_finite() && s >= -tol && s <= n + tol) {
            return Err(format!("successes {s} must be in [0, count {n}]"));
        }
        Ok(())
    }

    fn merge(mine: &BetaStats, base: &BetaStats, other: &BetaStats) -> Result<BetaStats> {
        Ok(BetaStats {
            n: merge_count(mine.n, base.n, other.n)?,
            successes: merge_sum(&mine.successes, &base.successes, &other.successes),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Normal–Inverse-Gamma

/// Normal–Inverse-Gamma prior of a Gaussian arm with unknown mean μ and variance σ²:
/// `σ² ~ InvGamma(α₀, β₀)`, `μ | σ² ~ N(μ₀, σ² / κ₀)` (default μ₀ = 0, κ₀ = 1, α₀ = 1, β₀ = 1;
/// set μ₀ and β₀ to the scale of your rewards).
///
/// Statistics are kept centred at μ₀ (`y = x − μ₀`, which limits cancellation): effective count
/// `n`, `S₁ = Σ y`, `S₂ = Σ y²` (compensated sums). Posterior (Murphy 2007, "Conjugate Bayesian
/// analysis of the Gaussian distribution", §6):
/// `κ = κ₀ + n`, `μ = μ₀ + S₁ / κ`, `α = α₀ + n / 2`, `β = β₀ + ½ (S₂ − S₁² / κ)`.
/// (The last equals `β₀ + ½ Σ (x − x̄)² + κ₀ n (x̄ − μ₀)² / (2 κ)`.) Thompson draws `σ²` from
/// `InvGamma(α, β)`, then `μ ~ N(μ, σ² / κ)`; the marginal posterior of the mean is Student-t
/// with `2α` degrees of freedom, location `μ` and scale `√(β / (α κ))` (used for the credible
/// interval).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NigPrior {
    /// Prior mean μ₀.
    pub mean: f64,
    /// Prior pseudo-count of the mean κ₀ > 0.
    pub kappa: f64,
    /// Inverse-Gamma shape α₀ > 0.
    pub alpha: f64,
    /// Inverse-Gamma scale β₀ > 0.
    pub beta: f64,
}

impl Default for NigPrior {
    fn default() -> Self {
        NigPrior {
            mean: 0.0,
            kappa: 1.0,
            alpha: 1.0,
            beta: 1.0,
        }
    }
}

/// Sufficient statistics of a Gaussian arm, centred at the prior mean.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NormalStats {
    /// Effective number of observations.
    pub n: f64,
    /// `Σ (x − μ₀)`.
    pub sum: NeumaierSum,
    /// `Σ (x − μ₀)²`.
    pub sum_sq: NeumaierSum,
}

/// A Normal–Inverse-Gamma posterior.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NigPosterior {
    /// Posterior mean μ.
    pub mean: f64,
    /// κ.
    pub kappa: f64,
    /// α.
    pub alpha: f64,
    /// β.
    pub beta: f64,
}

impl PosteriorDraw for NigSampler {
    #[inline]
    fn draw(&self, rng: &mut BanditRng) -> f64 {
        self.sample(rng)
    }
}

impl sealed::Sealed for NigPrior {}

impl ArmModel for NigPrior {
    const KIND: &'static str = "GaussianTs";
    type Stats = NormalStats;
    type Posterior = NigPosterior;
    type Sampler = NigSampler;

    fn check(&self) -> Result<()> {
        if !self.mean.is_finite() {
            return Err(Ki3Error::param("prior.mean", "must be finite"));
        }
        check_positive("prior.kappa", self.kappa)?;
        check_positive("prior.alpha", self.alpha)?;
        check_positive("prior.beta", self.beta)
    }

    #[inline]
    fn accepts(&self, reward: f64) -> bool {
        reward.is_finite()
    }

    #[inline]
    fn check_reward(&self, reward: f64, row: usize) -> Result<()> {
        if reward.is_finite() {
            Ok(())
        } else {
            Err(Ki3Error::NonFinite {
                arg: "reward".into(),
                index: row,
            })
        }
    }

    #[inline]
    fn observe(&self, stats: &mut NormalStats, reward: f64) {
        let y = reward - self.mean;
        stats.n += 1.0;
        stats.sum.add(y);
        stats.sum_sq.add(y * y);
    }

    fn scale(stats: &mut NormalStats, factor: f64) {
        stats.n *= factor;
        stats.sum = scaled(&stats.sum, factor);
        stats.sum_sq = scaled(&stats.sum_sq, factor);
    }

    fn weight(stats: &NormalStats) -> f64 {
        stats.n
    }

    #[inline]
    fn posterior(&self, stats: &NormalStats) -> NigPosterior {
        let kappa = self.kappa + stats.n;
        let s1 = stats.sum.value();
        let s2 = stats.sum_sq.value();
        NigPosterior {
            mean: self.mean + s1 / kappa,
            kappa,
            alpha: self.alpha + 0.5 * stats.n,
            beta: self.beta + 0.5 * (s2 - s1 * s1 / kappa).max(0.0),
        }
    }

    #[inline]
    fn sampler(post: &NigPosterior) -> Result<NigSampler> {
        NigSampler::new(post.mean, post.kappa, post.alpha, post.beta)
    }

    fn mean(post: &NigPosterior) -> f64 {
        post.mean
    }

    fn interval(post: &NigPosterior, level: f64) -> Result<(f64, f64)> {
        let t = student_t_inv(0.5 * (1.0 + level), 2.0 * post.alpha)?;
        let scale = (post.beta / (post.alpha * post.kappa)).sqrt();
        Ok((post.mean - t * scale, post.mean + t * scale))
    }

    fn validate(&self, stats: &NormalStats) -> std::result::Result<(), String> {
        let (n, s1, s2) = (stats.n, stats.sum.value(), stats.sum_sq.value());
        if !nonneg_finite(n) {
            return Err(format!("count {n} must be finite and >= 0"));
        }
        if !s1.is_finite() || !nonneg_finite(s2) {
            return Err(format!("sums ({s1}, {s2}) must be finite, sum_sq >= 0"));
        }
        // Cauchy–Schwarz: (Σ w y)² ≤ (Σ w)(Σ w y²).
        if s1 * s1 > n * s2 * (1.0 + 1e-9) + 1e-300 {
            return Err(format!(
                "sums are inconsistent: sum² = {} > n * sum_sq = {}",
                s1 * s1,
                n * s2
            ));
        }
        Ok(())
    }

    fn merge(mine: &NormalStats, base: &NormalStats, other: &NormalStats) -> Result<NormalStats> {
        Ok(NormalStats {
            n: merge_count(mine.n, base.n, other.n)?,
            sum: merge_sum(&mine.sum, &base.sum, &other.sum),
            sum_sq: merge_sum(&mine.sum_sq, &base.sum_sq, &other.sum_sq),
        })
    }
}

impl PosteriorDraw for NormalSampler {
    #[inline]
    fn draw(&self, rng: &mut BanditRng) -> f64 {
        self.sample(rng)
    }
}
