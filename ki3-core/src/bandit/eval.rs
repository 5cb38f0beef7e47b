//! Evaluating policies: a seeded Bernoulli simulator with known (optionally drifting) rates that
//! reports cumulative regret against uniform allocation, and offline replay evaluation on logged
//! uniformly random data (Li, Chu, Langford & Wang 2011, "Unbiased offline evaluation of
//! contextual-bandit-based news article recommendation algorithms", WSDM, Algorithm 3).

use ndarray::ArrayView2;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};

use super::common::{BanditRng, Policy};
use super::engine::check_batch_lengths;
use crate::error::{Ki3Error, Result};

/// How the true rates of a [`BernoulliEnv`] change over the steps of a simulation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Drift {
    /// Fixed rates.
    None,
    /// From step `at` (0-based) on, the rates are `rates`.
    Switch {
        /// First step with the new rates.
        at: usize,
        /// The new rates.
        rates: Vec<f64>,
    },
    /// Rates move linearly from the initial rates at step 0 to `rates` at the last step.
    Linear {
        /// Rates at the last step.
        rates: Vec<f64>,
    },
}

/// Arms with Bernoulli rewards of known rates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BernoulliEnv {
    /// Success probability of each arm (at step 0).
    pub rates: Vec<f64>,
    /// Drift of the rates.
    pub drift: Drift,
}

fn check_rates(arg: &str, rates: &[f64]) -> Result<()> {
    if rates.is_empty() {
        return Err(Ki3Error::Empty { arg: arg.into() });
    }
    for (i, &p) in rates.iter().enumerate() {
        if !(0.0..=1.0).contains(&p) {
            return Err(Ki3Error::InvalidValue {
                arg: arg.into(),
                index: i,
                reason: format!("a rate must be in [0, 1], got {p}"),
            });
        }
    }
    Ok(())
}

impl BernoulliEnv {
    /// Fixed rates.
    pub fn new(rates: Vec<f64>) -> Self {
        BernoulliEnv {
            rates,
            drift: Drift::None,
        }
    }

    /// Sets the drift.
    pub fn with_drift(mut self, drift: Drift) -> Self {
        self.drift = drift;
        self
    }

    /// Validates rates (in [0, 1], one per arm, the same count after drift).
    pub fn check(&self) -> Result<()> {
        check_rates("rates", &self.rates)?;
        match &self.drift {
            Drift::None => Ok(()),
            Drift::Switch { rates, .. } | Drift::Linear { rates } => {
                check_rates("drift.rates", rates)?;
                if rates.len() != self.rates.len() {
                    return Err(Ki3Error::LengthMismatch {
                        arg: "drift.rates".into(),
                        got: rates.len(),
                        expected_arg: "rates".into(),
                        expected: self.rates.len(),
                    });
                }
                Ok(())
            }
        }
    }

    /// The rates at step `t` of a `steps`-step run, written into `out`.
    pub fn rates_at(&self, t: usize, steps: usize, out: &mut Vec<f64>) {
        out.clear();
        match &self.drift {
            Drift::None => out.extend_from_slice(&self.rates),
            Drift::Switch { at, rates } => {
                out.extend_from_slice(if t >= *at { rates } else { &self.rates })
            }
            Drift::Linear { rates } => {
                let w = if steps > 1 {
                    t as f64 / (steps - 1) as f64
                } else {
                    0.0
                };
                out.extend(self.rates.iter().zip(rates).map(|(a, b)| a + w * (b - a)));
            }
        }
    }
}

/// Result of [`simulate_bernoulli`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Simulation {
    /// Cumulative pseudo-regret of the policy after each step: `Σ_t (max_a p_a(t) − p_{A_t}(t))`.
    pub regret: Vec<f64>,
    /// Cumulative expected regret of uniform allocation: `Σ_t (max_a p_a(t) − mean_a p_a(t))`.
    pub uniform_regret: Vec<f64>,
    /// The arm played at each step.
    pub choices: Vec<usize>,
    /// The observed reward (0 or 1) at each step.
    pub rewards: Vec<f64>,
}

/// Runs `policy` for `steps` steps on `env`: at each step the policy chooses, a Bernoulli reward
/// is drawn (generator seeded with `seed`, independent of the policy's own), and the policy
/// learns it. The policy must be context-free with one arm per rate.
pub fn simulate_bernoulli<P: Policy + ?Sized>(
    policy: &mut P,
    env: &BernoulliEnv,
    steps: usize,
    seed: u64,
) -> Result<Simulation> {
    env.check()?;
    if policy.context_dim() != 0 {
        return Err(Ki3Error::param(
            "policy",
            "the Bernoulli simulator needs a context-free policy",
        ));
    }
    if policy.n_arms() != env.rates.len() {
        return Err(Ki3Error::LengthMismatch {
            arg: "rates".into(),
            got: env.rates.len(),
            expected_arg: "policy arms".into(),
            expected: policy.n_arms(),
        });
    }
    let mut rng = BanditRng::seed_from_u64(seed);
    let mut rates = Vec::with_capacity(env.rates.len());
    let mut out = Simulation {
        regret: Vec::with_capacity(steps),
        uniform_regret: Vec::with_capacity(steps),
        choices: Vec::with_capacity(steps),
        rewards: Vec::with_capacity(steps),
    };
    let (mut regret, mut uniform) = (0.0, 0.0);
    for t in 0..steps {
        env.rates_at(t, steps, &mut rates);
        let best = rates.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mean = rates.iter().sum::<f64>() / rates.len() as f64;
        let arm = policy.select(&[])?;
        let p = *rates
            .get(arm)
            .ok_or_else(|| Ki3Error::param("policy", format!("chose unknown arm {arm}")))?;
        let u: f64 = rng.random();
        let reward = if u < p { 1.0 } else { 0.0 };
        policy.learn(arm, &[], reward)?;
        regret += best - p;
        uniform += best - mean;
        out.regret.push(regret);
        out.uniform_regret.push(uniform);
        out.choices.push(arm);
        out.rewards.push(reward);
    }
    Ok(out)
}

/// Result of [`replay`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplayResult {
    /// Number of logged events.
    pub events: usize,
    /// Number of events where the policy chose the logged arm (those are the evaluation sample).
    pub matched: usize,
    /// Estimated per-step reward of the policy: the mean reward over matched events (`None`
    /// when nothing matched).
    pub mean_reward: Option<f64>,
    /// Standard error of `mean_reward` (sample standard deviation / √matched; `None` below two
    /// matches).
    pub std_error: Option<f64>,
}

/// Offline replay evaluation (Li et al. 2011): walk the log in order; when the policy's choice
/// for the event's context equals the logged arm, the event counts and the policy learns its
/// reward, otherwise the event is skipped. Unbiased when the log's arms were chosen uniformly at
/// random, independently of the context. `contexts` is `events × policy.context_dim()` (`None`
/// for context-free policies). Inputs are validated before the policy is touched.
pub fn replay<P: Policy + ?Sized>(
    policy: &mut P,
    arms: &[usize],
    rewards: &[f64],
    contexts: Option<ArrayView2<f64>>,
) -> Result<ReplayResult> {
    let n = arms.len();
    check_batch_lengths(n, rewards.len())?;
    let d = policy.context_dim();
    match (&contexts, d) {
        (None, 0) => {}
        (None, _) => {
            return Err(Ki3Error::param(
                "contexts",
                format!("the policy needs contexts of length {d}"),
            ));
        }
        (Some(c), _) => {
            if c.nrows() != n || c.ncols() != d {
                return Err(Ki3Error::LengthMismatch {
                    arg: "contexts".into(),
                    got: c.nrows() * c.ncols(),
                    expected_arg: "events × context_dim".into(),
                    expected: n * d,
                });
            }
            if let Some((i, _)) = c.indexed_iter().find(|(_, v)| !v.is_finite()) {
                return Err(Ki3Error::NonFinite {
                    arg: "contexts".into(),
                    index: i.0,
                });
            }
        }
    }
    for (i, (&a, &r)) in arms.iter().zip(rewards).enumerate() {
        if a >= policy.n_arms() {
            return Err(Ki3Error::InvalidValue {
                arg: "arms".into(),
                index: i,
                reason: format!("unknown arm {a}"),
            });
        }
        if !r.is_finite() {
            return Err(Ki3Error::NonFinite {
                arg: "rewards".into(),
                index: i,
            });
        }
    }
    let mut x = Vec::with_capacity(d);
    let (mut matched, mut sum, mut sum_sq) = (0usize, 0.0, 0.0);
    for i in 0..n {
        x.clear();
        if let Some(c) = &contexts {
            x.extend(c.row(i).iter().copied());
        }
        if policy.select(&x)? == arms[i] {
            policy.learn(arms[i], &x, rewards[i])?;
            matched += 1;
            sum += rewards[i];
            sum_sq += rewards[i] * rewards[i];
        }
    }
    let mean_reward = (matched > 0).then(|| sum / matched as f64);
    let std_error = (matched > 1).then(|| {
        let m = matched as f64;
        let var = ((sum_sq - sum * sum / m) / (m - 1.0)).max(0.0);
        (var / m).sqrt()
    });
    Ok(ReplayResult {
        events: n,
        matched,
        mean_reward,
        std_error,
    })
}

/// Uniformly random allocation (a baseline, and the logging policy of replay data).
#[derive(Debug, Clone)]
pub struct UniformRandom {
    n_arms: usize,
    dim: usize,
    rng: BanditRng,
}

impl UniformRandom {
    /// `n_arms ≥ 1` arms, contexts of length `dim` (ignored), seeded generator.
    pub fn new(n_arms: usize, dim: usize, seed: u64) -> Result<Self> {
        if n_arms == 0 {
            return Err(Ki3Error::Empty { arg: "arms".into() });
        }
        Ok(UniformRandom {
            n_arms,
            dim,
            rng: BanditRng::seed_from_u64(seed),
        })
    }
}

impl Policy for UniformRandom {
    fn n_arms(&self) -> usize {
        self.n_arms
    }

    fn context_dim(&self) -> usize {
        self.dim
    }

    fn select(&mut self, _context: &[f64]) -> Result<usize> {
        Ok(self.rng.random_range(0..self.n_arms))
    }

    fn learn(&mut self, arm: usize, _context: &[f64], _reward: f64) -> Result<()> {
        if arm < self.n_arms {
            Ok(())
        } else {
            Err(Ki3Error::InvalidValue {
                arg: "arm".into(),
                index: 0,
                reason: format!("unknown arm {arm}"),
            })
        }
    }
}
