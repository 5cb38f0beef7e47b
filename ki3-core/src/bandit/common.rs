//! Types shared by every policy: options, decisions, insight, the stopping rule and the
//! [`Policy`] trait the evaluators drive.

use serde::{Deserialize, Serialize};

use crate::error::{Ki3Error, Result};

/// The random generator of every bandit: PCG-64 "fast" (128-bit MCG, XSL-RR output). Its whole
/// state (one odd 128-bit integer) is saved in the JSON as a 32-digit hex string, so a loaded copy
/// continues the same stream.
pub type BanditRng = crate::numerics::Rng;

/// Largest accepted number of arms.
pub const MAX_ARMS: usize = 1 << 20;

/// Largest accepted update count or decision id in a saved state (2^62: counters can never
/// overflow).
pub const MAX_COUNTER: u64 = 1 << 62;

/// Largest accepted pending-decision horizon (2^20 = 1,048,576 decisions).
pub const MAX_PENDING_HORIZON: u64 = 1 << 20;

/// A posterior distribution of one arm's expected reward that can be sampled (one Thompson
/// draw). Implemented by the policies' internal samplers.
pub trait PosteriorDraw {
    /// One draw of the arm's expected reward.
    fn draw(&self, rng: &mut BanditRng) -> f64;
}

/// Options every policy has.
///
/// - `discount` γ ∈ (0, 1] (default 1, no discounting): for non-stationary arms. Before each
///   update (each observed reward, whichever arm it is for) the sufficient statistics of *every*
///   arm are multiplied by γ, so the posterior decays towards the prior (Raj & Kalyani 2017,
///   "Taming non-stationary bandits: a Bayesian approach"; for Beta arms this is exactly
///   `α ← α₀ + γ (α − α₀)`, `β ← β₀ + γ (β − β₀)`). An observation `m` updates old therefore
///   weighs γ^m; the effective memory is about `1 / (1 − γ)` observations. Implemented lazily
///   (each arm stores the update count at which it was last decayed), so an update stays `O(1)`.
/// - `top_two` β (off by default; [`PolicyOptions::DEFAULT_TOP_TWO`] = 0.5 is the usual value):
///   top-two Thompson sampling (Russo 2016, "Simple Bayesian algorithms for best-arm
///   identification"). Draw a posterior sample and take its best arm I; with probability β play
///   I, otherwise redraw until the best arm J differs from I and play J. At most
///   `top_two_max_resamples` redraws (default 100); if every redraw still picks I, the arm that
///   came second in the last redraw is played. Applies to single-arm choices, not to slates.
/// - `pending_horizon` H (default 10,000): delayed feedback. A decision issued by `decide` can
///   be rewarded until H later decisions have been issued; after that its id is expired (a clear
///   error). Memory is `O(H)` (plus the stored contexts for [`LinearTs`](super::LinearTs)).
/// - `seed` (default 0): seeds the policy's generator when it is built.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyOptions {
    /// Discount factor γ ∈ (0, 1].
    pub discount: f64,
    /// Top-two probability β of playing the sampled best arm; `None` for plain Thompson sampling.
    pub top_two: Option<f64>,
    /// Bound on the top-two redraws.
    pub top_two_max_resamples: u32,
    /// Number of later decisions after which a pending decision expires.
    pub pending_horizon: u64,
    /// Seed of the policy's random generator.
    pub seed: u64,
}

impl Default for PolicyOptions {
    fn default() -> Self {
        PolicyOptions {
            discount: 1.0,
            top_two: None,
            top_two_max_resamples: 100,
            pending_horizon: 10_000,
            seed: 0,
        }
    }
}

impl PolicyOptions {
    /// The β of Russo (2016)'s experiments.
    pub const DEFAULT_TOP_TWO: f64 = 0.5;

    /// Validates every option.
    pub fn check(&self) -> Result<()> {
        if !(self.discount > 0.0 && self.discount <= 1.0) {
            return Err(Ki3Error::param(
                "discount",
                format!("must be in (0, 1], got {}", self.discount),
            ));
        }
        if let Some(beta) = self.top_two
            && !(beta > 0.0 && beta <= 1.0)
        {
            return Err(Ki3Error::param(
                "top_two",
                format!("must be in (0, 1], got {beta}"),
            ));
        }
        if self.top_two_max_resamples == 0 || self.top_two_max_resamples > 1_000_000 {
            return Err(Ki3Error::param(
                "top_two_max_resamples",
                format!(
                    "must be in [1, 1000000], got {}",
                    self.top_two_max_resamples
                ),
            ));
        }
        if self.pending_horizon == 0 || self.pending_horizon > MAX_PENDING_HORIZON {
            return Err(Ki3Error::param(
                "pending_horizon",
                format!(
                    "must be in [1, {MAX_PENDING_HORIZON}], got {}",
                    self.pending_horizon
                ),
            ));
        }
        Ok(())
    }

    pub(crate) fn top_two_spec(&self) -> Option<(f64, u32)> {
        self.top_two.map(|b| (b, self.top_two_max_resamples))
    }
}

/// Builder setters for the [`PolicyOptions`] of a params type with an `options` field.
macro_rules! option_setters {
    () => {
        /// Discount factor γ ∈ (0, 1] (see [`PolicyOptions`](crate::bandit::PolicyOptions)).
        pub fn discount(mut self, gamma: f64) -> Self {
            self.options.discount = gamma;
            self
        }

        /// Turns on top-two Thompson sampling with probability `beta` of playing the sampled
        /// best arm (0.5 is the usual choice).
        pub fn top_two(mut self, beta: f64) -> Self {
            self.options.top_two = Some(beta);
            self
        }

        /// Bound on the top-two redraws (default 100).
        pub fn top_two_max_resamples(mut self, n: u32) -> Self {
            self.options.top_two_max_resamples = n;
            self
        }

        /// Number of later decisions after which a pending decision expires (default 10,000).
        pub fn pending_horizon(mut self, horizon: u64) -> Self {
            self.options.pending_horizon = horizon;
            self
        }

        /// Seed of the policy's random generator (default 0).
        pub fn seed(mut self, seed: u64) -> Self {
            self.options.seed = seed;
            self
        }

        /// Replaces all options at once.
        pub fn options(mut self, options: $crate::bandit::PolicyOptions) -> Self {
            self.options = options;
            self
        }

        /// The options.
        pub fn get_options(&self) -> &$crate::bandit::PolicyOptions {
            &self.options
        }
    };
}
pub(crate) use option_setters;

/// One single-arm choice, with the top-two details.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    /// The arm to play.
    pub arm: usize,
    /// The best arm of the first posterior draw (equals `arm` unless the top-two challenger
    /// branch was taken).
    pub leader: usize,
    /// True when top-two sampling played a challenger (then `arm != leader` whenever at least
    /// two arms were candidates).
    pub challenger: bool,
}

/// A tracked single-arm decision: reward it later with `reward(id, value)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Decision id, increasing by one per tracked decision (first id 0).
    pub id: u64,
    /// The arm to play.
    pub arm: usize,
}

/// A tracked slate decision: `k` distinct arms ordered by their sampled value, best first.
/// Reward it later with `reward_slate(id, values)` (one value per position).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlateDecision {
    /// Decision id (shares the counter of single-arm decisions).
    pub id: u64,
    /// The arms, best sampled value first.
    pub arms: Vec<usize>,
}

/// Posterior summary of one arm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArmSummary {
    /// Arm index.
    pub arm: usize,
    /// Arm name.
    pub name: String,
    /// False for a retired arm.
    pub active: bool,
    /// Effective number of observations (discounted when γ < 1).
    pub n: f64,
    /// Posterior mean of the arm's expected reward.
    pub mean: f64,
    /// Lower end of the central credible interval.
    pub lower: f64,
    /// Upper end of the central credible interval.
    pub upper: f64,
}

/// Monte Carlo answers to "which arm is best": for each candidate arm, the posterior probability
/// that it is best, and its expected loss `E[max_j θ_j − θ_arm]` (the expected regret of
/// committing to it now).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Insight {
    /// The candidate arms (the active arms unless an eligible set was given).
    pub arms: Vec<usize>,
    /// `P(arm is best)`, aligned with `arms`; sums to 1.
    pub prob_best: Vec<f64>,
    /// Expected loss, aligned with `arms`.
    pub expected_loss: Vec<f64>,
    /// Number of posterior draws used.
    pub draws: usize,
}

/// When to stop an experiment: stop as soon as any given threshold is met, i.e. the best arm's
/// `P(best) > prob_best` or its expected loss `< expected_loss`. The best arm is the one with
/// the highest `P(best)` (ties: the lower expected loss).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StoppingRule {
    /// Threshold on the best arm's probability of being best, in (0, 1).
    pub prob_best: Option<f64>,
    /// Threshold on the best arm's expected loss (same unit as the rewards), ≥ 0.
    pub expected_loss: Option<f64>,
}

/// The outcome of [`StoppingRule::evaluate`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StopDecision {
    /// True when a threshold is met.
    pub stop: bool,
    /// The arm with the highest probability of being best.
    pub best_arm: usize,
    /// Its probability of being best.
    pub prob_best: f64,
    /// Its expected loss.
    pub expected_loss: f64,
}

impl StoppingRule {
    /// Stop when `P(best) > threshold`.
    pub fn prob_best(threshold: f64) -> Self {
        StoppingRule {
            prob_best: Some(threshold),
            expected_loss: None,
        }
    }

    /// Stop when the best arm's expected loss `< threshold`.
    pub fn expected_loss(threshold: f64) -> Self {
        StoppingRule {
            prob_best: None,
            expected_loss: Some(threshold),
        }
    }

    /// Validates the thresholds (at least one must be set).
    pub fn check(&self) -> Result<()> {
        if self.prob_best.is_none() && self.expected_loss.is_none() {
            return Err(Ki3Error::param(
                "stopping_rule",
                "set prob_best and/or expected_loss",
            ));
        }
        if let Some(p) = self.prob_best
            && !(p > 0.0 && p < 1.0)
        {
            return Err(Ki3Error::param(
                "prob_best",
                format!("must be in (0, 1), got {p}"),
            ));
        }
        if let Some(l) = self.expected_loss
            && !(l >= 0.0 && l.is_finite())
        {
            return Err(Ki3Error::param(
                "expected_loss",
                format!("must be finite and >= 0, got {l}"),
            ));
        }
        Ok(())
    }

    /// Applies the rule to Monte Carlo insight.
    pub fn evaluate(&self, insight: &Insight) -> Result<StopDecision> {
        self.check()?;
        let n = insight.arms.len();
        for (arg, len) in [
            ("insight.prob_best", insight.prob_best.len()),
            ("insight.expected_loss", insight.expected_loss.len()),
        ] {
            if len != n {
                return Err(Ki3Error::LengthMismatch {
                    arg: arg.into(),
                    got: len,
                    expected_arg: "insight.arms".into(),
                    expected: n,
                });
            }
        }
        let mut best: Option<usize> = None;
        for i in 0..insight.arms.len() {
            let (p, l) = (insight.prob_best[i], insight.expected_loss[i]);
            best = match best {
                Some(b) => {
                    let (pb, lb) = (insight.prob_best[b], insight.expected_loss[b]);
                    if p > pb || (p == pb && l < lb) {
                        Some(i)
                    } else {
                        Some(b)
                    }
                }
                None => Some(i),
            };
        }
        let b = best.ok_or_else(|| Ki3Error::Empty {
            arg: "insight.arms".into(),
        })?;
        let (prob_best, expected_loss) = (insight.prob_best[b], insight.expected_loss[b]);
        let stop = self.prob_best.is_some_and(|t| prob_best > t)
            || self.expected_loss.is_some_and(|t| expected_loss < t);
        Ok(StopDecision {
            stop,
            best_arm: insight.arms[b],
            prob_best,
            expected_loss,
        })
    }
}

/// What the evaluators ([`simulate_bernoulli`](super::simulate_bernoulli),
/// [`replay`](super::replay)) need from a policy: choose one arm for a context and learn from a
/// reward. Context-free policies have `context_dim() == 0` and take an empty context.
pub trait Policy {
    /// Number of arms (active and retired).
    fn n_arms(&self) -> usize;
    /// Length of the context vector (0 for context-free policies).
    fn context_dim(&self) -> usize;
    /// Chooses one arm among the active arms.
    fn select(&mut self, context: &[f64]) -> Result<usize>;
    /// Learns from the reward of `arm` played in `context`.
    fn learn(&mut self, arm: usize, context: &[f64], reward: f64) -> Result<()>;
}
