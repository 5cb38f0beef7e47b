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
use crate::progress::Progress;

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

/// Most steps [`simulate_bernoulli`] accepts (its result holds four arrays of this length).
pub const MAX_SIMULATION_STEPS: usize = 10_000_000;

/// Checks a simulation's step count against [`MAX_SIMULATION_STEPS`], before anything is
/// allocated.
pub fn check_steps(steps: usize) -> Result<()> {
    if steps > MAX_SIMULATION_STEPS {
        return Err(Ki3Error::param(
            "steps",
            format!("must be at most {MAX_SIMULATION_STEPS}, got {steps}"),
        ));
    }
    Ok(())
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
/// learns it. The policy must be context-free with one arm per rate, and `steps` at most
/// [`MAX_SIMULATION_STEPS`].
pub fn simulate_bernoulli<P: Policy + ?Sized>(
    policy: &mut P,
    env: &BernoulliEnv,
    steps: usize,
    seed: u64,
) -> Result<Simulation> {
    simulate_loop(policy, env, steps, seed, &Progress::none())
}

/// [`simulate_bernoulli`] reporting progress (one unit per step) and stoppable through
/// `progress`'s cancellation token. It runs on a copy of the policy that replaces `policy` only
/// when the run completes: a cancelled ([`Ki3Error::Cancelled`]) or failed run leaves `policy`
/// unchanged.
pub fn simulate_bernoulli_with<P: Policy + Clone>(
    policy: &mut P,
    env: &BernoulliEnv,
    steps: usize,
    seed: u64,
    progress: &Progress<'_>,
) -> Result<Simulation> {
    let mut run = policy.clone();
    let out = simulate_loop(&mut run, env, steps, seed, progress)?;
    *policy = run;
    Ok(out)
}

fn simulate_loop<P: Policy + ?Sized>(
    policy: &mut P,
    env: &BernoulliEnv,
    steps: usize,
    seed: u64,
    progress: &Progress<'_>,
) -> Result<Simulation> {
    check_steps(steps)?;
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
    let mut ticker = progress.ticker(steps as u64);
    for t in 0..steps {
        ticker.tick(t as u64)?;
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
    ticker.finish()?;
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
    replay_loop(policy, arms, rewards, contexts, &Progress::none())
}

/// [`replay`] reporting progress (one unit per logged event) and stoppable through
/// `progress`'s cancellation token. It runs on a copy of the policy that replaces `policy` only
/// when the replay completes: a cancelled or failed replay leaves `policy` unchanged.
pub fn replay_with<P: Policy + Clone>(
    policy: &mut P,
    arms: &[usize],
    rewards: &[f64],
    contexts: Option<ArrayView2<f64>>,
    progress: &Progress<'_>,
) -> Result<ReplayResult> {
    let mut run = policy.clone();
    let out = replay_loop(&mut run, arms, rewards, contexts, progress)?;
    *policy = run;
    Ok(out)
}

fn replay_loop<P: Policy + ?Sized>(
    policy: &mut P,
    arms: &[usize],
    rewards: &[f64],
    contexts: Option<ArrayView2<f64>>,
    progress: &Progress<'_>,
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
    let mut ticker = progress.ticker(n as u64);
    for i in 0..n {
        ticker.tick(i as u64)?;
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
    ticker.finish()?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bandit::BernoulliTsParams;
    use crate::progress::CancelToken;
    use std::sync::Mutex;

    #[test]
    fn progress_does_not_change_results_and_ends_at_total() {
        let env = BernoulliEnv::new(vec![0.1, 0.3, 0.2]);
        let mut a = BernoulliTsParams::default().seed(5).build(3).unwrap();
        let mut b = a.clone();
        let plain = simulate_bernoulli(&mut a, &env, 5000, 9).unwrap();
        let calls = Mutex::new(Vec::new());
        let cb = |d: u64, n: u64| calls.lock().unwrap().push((d, n));
        let p = Progress::none().callback(&cb);
        let with = simulate_bernoulli_with(&mut b, &env, 5000, 9, &p).unwrap();
        assert_eq!(plain, with);
        assert_eq!(a.to_json().unwrap(), b.to_json().unwrap());
        assert_eq!(calls.lock().unwrap().last(), Some(&(5000, 5000)));
    }

    #[test]
    fn cancelled_runs_leave_the_policy_unchanged() {
        let env = BernoulliEnv::new(vec![0.1, 0.3]);
        let mut ts = BernoulliTsParams::default().seed(1).build(2).unwrap();
        let before = ts.to_json().unwrap();
        let token = CancelToken::new();
        token.cancel();
        let p = Progress::none().cancel(&token);
        let err = simulate_bernoulli_with(&mut ts, &env, 100_000, 3, &p).unwrap_err();
        assert_eq!(err, Ki3Error::Cancelled);
        assert_eq!(ts.to_json().unwrap(), before);
        let arms = vec![0usize; 10_000];
        let rewards = vec![1.0; 10_000];
        let err = replay_with(&mut ts, &arms, &rewards, None, &p).unwrap_err();
        assert_eq!(err, Ki3Error::Cancelled);
        assert_eq!(ts.to_json().unwrap(), before);
    }

    #[test]
    fn replay_with_progress_matches_replay() {
        let mut a = BernoulliTsParams::default().seed(2).build(3).unwrap();
        let mut b = a.clone();
        let arms: Vec<usize> = (0..20_000).map(|i| i % 3).collect();
        let rewards: Vec<f64> = (0..20_000).map(|i| ((i / 3) % 2) as f64).collect();
        let plain = replay(&mut a, &arms, &rewards, None).unwrap();
        let cb = |_: u64, _: u64| {};
        let token = CancelToken::new();
        let p = Progress::none().callback(&cb).cancel(&token);
        let with = replay_with(&mut b, &arms, &rewards, None, &p).unwrap();
        assert_eq!(plain, with);
        assert_eq!(a.to_json().unwrap(), b.to_json().unwrap());
    }

    #[test]
    fn the_step_cap_is_a_parameter_error_before_any_work() {
        let env = BernoulliEnv::new(vec![0.1, 0.3]);
        let mut ts = BernoulliTsParams::default().seed(1).build(2).unwrap();
        let before = ts.to_json().unwrap();
        let err = simulate_bernoulli(&mut ts, &env, 1usize << 40, 3).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Input);
        assert!(err.to_string().contains("steps"), "{err}");
        assert_eq!(ts.to_json().unwrap(), before);
        assert!(check_steps(MAX_SIMULATION_STEPS).is_ok());
    }

    #[test]
    fn callback_rate_is_bounded_during_a_run() {
        let env = BernoulliEnv::new(vec![0.1, 0.3]);
        let mut ts = BernoulliTsParams::default().seed(1).build(2).unwrap();
        let calls = Mutex::new(Vec::new());
        let cb = |d: u64, n: u64| calls.lock().unwrap().push((d, n));
        let p = Progress::none()
            .callback(&cb)
            .interval(std::time::Duration::from_secs(3600));
        simulate_bernoulli_with(&mut ts, &env, 200_000, 3, &p).unwrap();
        assert_eq!(*calls.lock().unwrap(), vec![(200_000, 200_000)]);
    }
}
