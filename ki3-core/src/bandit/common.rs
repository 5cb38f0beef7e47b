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

/// Default pending-decision horizon (see [`PolicyOptions`]).
pub const DEFAULT_PENDING_HORIZON: u64 = 10_000;

/// Default bound on the top-two redraws (see [`PolicyOptions`]).
pub const DEFAULT_TOP_TWO_MAX_RESAMPLES: u32 = 100;

/// Largest accepted bound on the top-two redraws.
pub const MAX_TOP_TWO_RESAMPLES: u32 = 1_000_000;

/// Default credible level of `summary` (central interval).
pub const DEFAULT_LEVEL: f64 = 0.9;

/// Default number of joint posterior draws of `insight` / `prob_best` / `should_stop`.
pub const DEFAULT_DRAWS: usize = 10_000;

/// Default seed of the Monte Carlo draws of `insight` / `should_stop` (the policy's own stream
/// is never touched).
pub const DEFAULT_INSIGHT_SEED: u64 = 0;

/// Default `prob_best` threshold of the stopping rule when a face offers one (Python's
/// `should_stop()`).
pub const DEFAULT_STOP_PROB_BEST: f64 = 0.95;

/// Largest `arms × dim²` of a [`LinearTs`](super::LinearTs) (each arm holds about `2·dim²`
/// floats, so this is about 4 GiB of state): beyond it an allocation failure would abort the
/// process instead of returning an error.
pub const MAX_LINEAR_CELLS: usize = 1 << 28;

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
            top_two_max_resamples: DEFAULT_TOP_TWO_MAX_RESAMPLES,
            pending_horizon: DEFAULT_PENDING_HORIZON,
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
        if self.top_two_max_resamples == 0 || self.top_two_max_resamples > MAX_TOP_TWO_RESAMPLES {
            return Err(Ki3Error::param(
                "top_two_max_resamples",
                format!(
                    "must be in [1, {MAX_TOP_TWO_RESAMPLES}], got {}",
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

    /// The options from what a face was given: `None` takes the default, `top_two` is the
    /// probability β (`None`: off), and the result is checked. The one place where the faces'
    /// policy options become core options.
    pub fn from_parts(
        discount: Option<f64>,
        top_two: Option<f64>,
        top_two_max_resamples: Option<u64>,
        seed: Option<u64>,
        pending_horizon: Option<u64>,
    ) -> Result<Self> {
        let d = PolicyOptions::default();
        let resamples = match top_two_max_resamples {
            None => d.top_two_max_resamples,
            Some(m) => u32::try_from(m).unwrap_or(u32::MAX),
        };
        let o = PolicyOptions {
            discount: discount.unwrap_or(d.discount),
            top_two,
            top_two_max_resamples: resamples,
            pending_horizon: pending_horizon.unwrap_or(d.pending_horizon),
            seed: seed.unwrap_or(d.seed),
        };
        o.check()?;
        Ok(o)
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

        /// Bound on the top-two redraws (default
        /// [`DEFAULT_TOP_TWO_MAX_RESAMPLES`](crate::bandit::DEFAULT_TOP_TWO_MAX_RESAMPLES)).
        pub fn top_two_max_resamples(mut self, n: u32) -> Self {
            self.options.top_two_max_resamples = n;
            self
        }

        /// Number of later decisions after which a pending decision expires (default
        /// [`DEFAULT_PENDING_HORIZON`](crate::bandit::DEFAULT_PENDING_HORIZON)).
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

/// The context of a call, checked once for every face: a context-free policy (`dim == 0`) takes
/// none (an empty one is accepted), a contextual one requires one (its length and values are
/// checked by the policy). `arg` names the argument in the error.
pub fn context_for<'x>(dim: usize, arg: &str, context: Option<&'x [f64]>) -> Result<&'x [f64]> {
    match (dim, context) {
        (0, None) | (0, Some([])) => Ok(&[]),
        (0, Some(x)) => Err(Ki3Error::param(
            arg,
            format!(
                "this policy is context-free: pass no {arg} (got one of length {})",
                x.len()
            ),
        )),
        (d, None) => Err(Ki3Error::param(
            arg,
            format!("required: LinearTS takes a context of length n_features / nFeatures = {d}"),
        )),
        (_, Some(x)) => Ok(x),
    }
}

/// Everything a face (Python, Node, a Rust service) needs from a bandit policy, for the three
/// policies alike and through [`AnyPolicy`](super::AnyPolicy). Contexts are `None` for the
/// context-free policies and required by the contextual one (checked by [`context_for`]);
/// `None` for a tuning argument (level, draws, seed) takes the core default
/// ([`DEFAULT_LEVEL`], [`DEFAULT_DRAWS`], [`DEFAULT_INSIGHT_SEED`]).
pub trait ServingPolicy: Policy + Send + Sync {
    /// The kind saved in the JSON envelope (`"BernoulliTs"`, `"GaussianTs"`, `"LinearTs"`).
    fn kind(&self) -> &'static str;
    /// Every arm name, by index (retired arms included).
    fn arm_names(&self) -> &[String];
    /// The index of the arm called `name`.
    fn arm_index(&self, name: &str) -> Result<usize>;
    /// The active (not retired) arms, increasing.
    fn active_arms(&self) -> &[usize];
    /// The options the policy was built with.
    fn options(&self) -> &PolicyOptions;
    /// Number of updates learnt so far.
    fn n_updates(&self) -> u64;
    /// Number of decisions awaiting their reward.
    fn pending_decisions(&self) -> usize;
    /// The id the next tracked decision will get.
    fn next_decision_id(&self) -> u64;
    /// One Thompson choice among the active arms or `eligible`.
    fn choose(&mut self, context: Option<&[f64]>, eligible: Option<&[usize]>) -> Result<usize>;
    /// A slate of `k` distinct arms, best sampled value first.
    fn choose_k(
        &mut self,
        context: Option<&[f64]>,
        k: usize,
        eligible: Option<&[usize]>,
    ) -> Result<Vec<usize>>;
    /// A tracked single-arm decision.
    fn decide(&mut self, context: Option<&[f64]>, eligible: Option<&[usize]>) -> Result<Decision>;
    /// A tracked slate decision.
    fn decide_k(
        &mut self,
        context: Option<&[f64]>,
        k: usize,
        eligible: Option<&[usize]>,
    ) -> Result<SlateDecision>;
    /// The reward of single-arm decision `id`; returns its arm.
    fn reward(&mut self, id: u64, reward: f64) -> Result<usize>;
    /// The rewards of slate decision `id`, one per position.
    fn reward_slate(&mut self, id: u64, rewards: &[f64]) -> Result<()>;
    /// Learns one reward of `arm` (played in `context` for the contextual policy).
    fn update(&mut self, arm: usize, context: Option<&[f64]>, reward: f64) -> Result<()>;
    /// Learns `rewards[i]` of `arms[i]` in order, all or nothing; `contexts` is row-major
    /// `arms.len() × context_dim()` for the contextual policy.
    fn update_batch(
        &mut self,
        arms: &[usize],
        contexts: Option<&[f64]>,
        rewards: &[f64],
    ) -> Result<()>;
    /// Posterior mean and central credible interval of every arm at `level`.
    fn summary(&self, context: Option<&[f64]>, level: Option<f64>) -> Result<Vec<ArmSummary>>;
    /// Monte Carlo probability of being best and expected loss of the candidate arms.
    fn insight(
        &self,
        context: Option<&[f64]>,
        eligible: Option<&[usize]>,
        draws: Option<usize>,
        seed: Option<u64>,
    ) -> Result<Insight>;
    /// The stopping rule over the active arms.
    fn should_stop(
        &self,
        context: Option<&[f64]>,
        rule: &StoppingRule,
        draws: Option<usize>,
        seed: Option<u64>,
    ) -> Result<StopDecision>;
    /// Adds an arm (prior as posterior); returns its index.
    fn add_arm(&mut self, name: &str) -> Result<usize>;
    /// Retires an arm (idempotent).
    fn retire_arm(&mut self, arm: usize) -> Result<()>;
    /// The whole state as ki3 JSON.
    fn to_json(&self) -> Result<String>;
    /// An owned copy (for work off the caller's thread, or the evaluators).
    fn to_any(&self) -> super::AnyPolicy;
}
