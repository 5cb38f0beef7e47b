//! Contextual linear Thompson sampling: [`LinearTs`].

use ndarray::ArrayView2;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use super::columns::ArmCode;
use super::common::{
    ArmSummary, BanditRng, Choice, Decision, Insight, MAX_LINEAR_CELLS, Policy, PolicyOptions,
    SlateDecision, StopDecision, StoppingRule, option_setters,
};
use super::engine::{
    Arms, Pending, PendingRecord, Stamps, check_batch_lengths, check_counter, check_k, check_level,
    decay, monte_carlo, rng_from_hex, rng_to_hex, select_k, select_one,
};
use super::models::NormalSampler;
use crate::error::{Ki3Error, Result};
use crate::memory::try_vec;
use crate::numerics::NeumaierSum;
use crate::numerics::linalg::{
    cholesky_in_place, cholesky_rank_one_update, cholesky_solve_in_place, lower_times_transpose,
    packed_index, packed_len, solve_lower_in_place, solve_lower_transpose_in_place,
};
use crate::numerics::special::normal_inv;
use crate::persist;

const KIND: &str = "LinearTs";
const VERSION: u32 = 1;
/// Largest accepted context dimension.
pub const MAX_DIM: usize = 4096;
/// Largest accepted magnitude of a context value or reward (keeps squares finite).
pub const MAX_ABS_INPUT: f64 = 1e100;

/// Hyper-parameters of [`LinearTs`]: ridge `λ > 0` (prior precision, default 1), noise scale
/// `v > 0` (posterior scale; set it near the reward noise standard deviation, default 1), and the
/// [`PolicyOptions`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinearTsParams {
    ridge: f64,
    noise: f64,
    options: PolicyOptions,
}

impl Default for LinearTsParams {
    fn default() -> Self {
        LinearTsParams {
            ridge: 1.0,
            noise: 1.0,
            options: PolicyOptions::default(),
        }
    }
}

impl LinearTsParams {
    option_setters!();

    /// Ridge λ > 0: the prior precision `B = λ I` before any data.
    pub fn ridge(mut self, lambda: f64) -> Self {
        self.ridge = lambda;
        self
    }

    /// Noise scale `v > 0`: `θ ~ N(μ, v² B⁻¹)`.
    pub fn noise(mut self, v: f64) -> Self {
        self.noise = v;
        self
    }

    /// The ridge λ.
    pub fn get_ridge(&self) -> f64 {
        self.ridge
    }

    /// The noise scale v.
    pub fn get_noise(&self) -> f64 {
        self.noise
    }

    /// Validates the parameters.
    pub fn check(&self) -> Result<()> {
        if !(self.ridge > 0.0 && self.ridge.is_finite()) {
            return Err(Ki3Error::param(
                "ridge",
                format!("must be positive and finite, got {}", self.ridge),
            ));
        }
        if !(self.noise > 0.0 && self.noise.is_finite()) {
            return Err(Ki3Error::param(
                "noise",
                format!("must be positive and finite, got {}", self.noise),
            ));
        }
        self.options.check()
    }

    /// Builds a policy with `n_arms ≥ 1` arms named "0", "1", ... and contexts of length
    /// `dim ≥ 1`.
    pub fn build(&self, n_arms: usize, dim: usize) -> Result<LinearTs> {
        self.check()?;
        LinearTs::with_arms(self.clone(), Arms::numbered(n_arms)?, dim)
    }

    /// Builds a policy with the given arm names.
    pub fn build_named<S: AsRef<str>>(&self, names: &[S], dim: usize) -> Result<LinearTs> {
        self.check()?;
        let names: Vec<String> = names.iter().map(|s| s.as_ref().to_string()).collect();
        let n = names.len();
        LinearTs::with_arms(self.clone(), Arms::new(names, vec![true; n])?, dim)
    }
}

/// Refuses `arms × dim²` above [`MAX_LINEAR_CELLS`] (the state would not fit in memory).
fn check_cells(arms: usize, dim: usize) -> Result<()> {
    let cells = arms.saturating_mul(dim.saturating_mul(dim));
    if cells > MAX_LINEAR_CELLS {
        return Err(Ki3Error::param(
            "n_features",
            format!(
                "{arms} arms × n_features² ({dim}²) = {cells} matrix entries is above the limit of \
                 2^28 (about 4 GiB of state); use fewer arms or features"
            ),
        ));
    }
    Ok(())
}

fn check_dim(dim: usize) -> Result<()> {
    if dim == 0 || dim > MAX_DIM {
        return Err(Ki3Error::param(
            "n_features",
            format!("must be in [1, {MAX_DIM}], got {dim}"),
        ));
    }
    Ok(())
}

/// One arm's model: statistics (`G = B − λI`, `f`, count) and the cached factor and mean.
#[derive(Debug, Clone)]
struct LinArm {
    n: f64,
    /// `G = Σ w x xᵀ`, packed lower triangle, compensated.
    gram: Vec<NeumaierSum>,
    /// `f = Σ w r x`, compensated.
    b: Vec<NeumaierSum>,
    /// Cholesky factor of `λI + γ^(cache_clock − last) G`, dense row-major.
    chol: Vec<f64>,
    /// `μ = B⁻¹ f` at `cache_clock`.
    mean: Vec<f64>,
    cache_clock: u64,
    last: u64,
}

impl LinArm {
    /// A new arm's state; refuses (instead of aborting) when its memory is not available.
    fn prior(d: usize, ridge: f64, clock: u64) -> Result<Self> {
        let mut chol = try_vec(d * d, 0.0, "n_features")?;
        for i in 0..d {
            chol[i * d + i] = ridge.sqrt();
        }
        Ok(LinArm {
            n: 0.0,
            gram: try_vec(packed_len(d), NeumaierSum::default(), "n_features")?,
            b: vec![NeumaierSum::default(); d],
            chol,
            mean: vec![0.0; d],
            cache_clock: clock,
            last: clock,
        })
    }

    /// Dense `λI + factor · G`.
    fn precision(&self, d: usize, ridge: f64, factor: f64) -> Vec<f64> {
        let mut m = vec![0.0; d * d];
        for i in 0..d {
            for j in 0..=i {
                let v = factor * self.gram[packed_index(i, j)].value();
                m[i * d + j] = v;
                m[j * d + i] = v;
            }
            m[i * d + i] += ridge;
        }
        m
    }

    /// `μ = L⁻ᵀ L⁻¹ (factor · f)` into `self.mean`.
    fn solve_mean(&mut self, d: usize, factor: f64) -> Result<()> {
        for (m, b) in self.mean.iter_mut().zip(&self.b) {
            *m = factor * b.value();
        }
        cholesky_solve_in_place(&self.chol, d, &mut self.mean)
    }

    /// Recomputes factor and mean at `clock` from the statistics.
    fn refresh(&mut self, d: usize, ridge: f64, gamma: f64, clock: u64) -> Result<()> {
        let factor = decay(gamma, clock, self.last);
        let mut chol = self.precision(d, ridge, factor);
        cholesky_in_place(&mut chol, d).map_err(|e| Ki3Error::Convergence {
            reason: format!("posterior precision is not numerically positive definite: {e}"),
        })?;
        self.chol = chol;
        self.solve_mean(d, factor)?;
        self.cache_clock = clock;
        Ok(())
    }

    /// `(xᵀμ, ‖L⁻¹x‖)` using `work` as scratch.
    fn project(&self, d: usize, x: &[f64], work: &mut Vec<f64>) -> Result<(f64, f64)> {
        let m: f64 = x.iter().zip(&self.mean).map(|(a, b)| a * b).sum();
        work.clear();
        work.extend_from_slice(x);
        solve_lower_in_place(&self.chol, d, work)?;
        let s2: f64 = work.iter().map(|v| v * v).sum();
        Ok((m, s2.sqrt()))
    }
}

#[derive(Debug, Clone, Default)]
struct Scratch {
    candidates: Vec<usize>,
    samplers: Vec<NormalSampler>,
    ranked: Vec<(f64, usize)>,
    positions: Vec<usize>,
    stamps: Stamps,
    work: Vec<f64>,
    row: Vec<f64>,
}

/// Contextual linear Thompson sampling (Agrawal & Goyal 2013, "Thompson sampling for contextual
/// bandits with linear payoffs", ICML), one linear model per arm ("disjoint" model).
///
/// Each arm `a` has an unknown `θ_a ∈ ℝᵈ` and expected reward `xᵀθ_a` for the context `x`
/// (shared by all arms). With ridge prior `θ_a ~ N(0, v² λ⁻¹ I)` and Gaussian noise of scale `v`,
/// the posterior is `θ_a ~ N(μ_a, v² B_a⁻¹)` with precision `B_a = λ I + Σ x xᵀ` and
/// `μ_a = B_a⁻¹ f_a`, `f_a = Σ r x` (sums over the arm's observations).
///
/// - Updates are `O(d²)`: `B` changes by the rank-one `x xᵀ`, so its Cholesky factor `L`
///   (`B = L Lᵀ`) is updated in place ([`crate::numerics::linalg::cholesky_rank_one_update`]) and
///   `μ` re-solved with two triangular solves; no inverse is ever formed.
/// - A decision needs, per arm, a draw of `xᵀθ̃` with `θ̃ = μ + v L⁻ᵀ z`, `z ~ N(0, I)`
///   ([`LinearTs::sample_theta`]). Since `xᵀ L⁻ᵀ z ~ N(0, ‖L⁻¹ x‖²)`, the policy draws the scalar
///   `xᵀμ + v ‖L⁻¹x‖ z₀` with one normal `z₀`: the same distribution for each arm's sampled
///   reward, at `O(d²)` per arm (one forward solve) and one random number instead of `d`.
/// - Discounting (γ < 1) decays `B − λI`, `f` and the count of every arm by γ before each update.
///   The decayed `B` is no longer a rank-one change, so the factor is recomputed (`O(d³)`) when
///   an arm is updated and, lazily, when a stale arm is next sampled.
///
/// Sums (`B − λI` entrywise and `f`) are compensated ([`NeumaierSum`]), so replicas merge
/// (`merged = mine + other − base`) to the single-replica state within a few ulps.
///
/// ```
/// use ki3_core::bandit::LinearTsParams;
/// let mut ts = LinearTsParams::default().noise(0.5).seed(1).build(3, 2)?;
/// let x = [1.0, 0.3];
/// let arm = ts.choose(&x, None)?;
/// ts.update(arm, &x, 0.8)?;
/// # Ok::<(), ki3_core::Ki3Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct LinearTs {
    params: LinearTsParams,
    dim: usize,
    arms: Arms,
    models: Vec<LinArm>,
    clock: u64,
    rng: BanditRng,
    pending: Pending,
    scratch: Scratch,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedLinArm {
    name: String,
    active: bool,
    last: u64,
    n: f64,
    gram: Vec<NeumaierSum>,
    b: Vec<NeumaierSum>,
    /// Packed lower triangle of the cached factor.
    chol: Vec<f64>,
    cache_clock: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedLinear {
    params: LinearTsParams,
    dim: usize,
    #[serde(deserialize_with = "crate::persist::capped::<_, _, { super::common::MAX_ARMS }>")]
    arms: Vec<SavedLinArm>,
    clock: u64,
    rng: String,
    next_decision_id: u64,
    pending: Vec<PendingRecord>,
}

fn check_context(context: &[f64], dim: usize, arg: &str) -> Result<()> {
    if context.len() != dim {
        return Err(Ki3Error::LengthMismatch {
            arg: arg.into(),
            got: context.len(),
            expected_arg: "n_features".into(),
            expected: dim,
        });
    }
    for (i, v) in context.iter().enumerate() {
        if !v.is_finite() {
            return Err(Ki3Error::NonFinite {
                arg: arg.into(),
                index: i,
            });
        }
        if v.abs() > MAX_ABS_INPUT {
            return Err(Ki3Error::InvalidValue {
                arg: arg.into(),
                index: i,
                reason: format!("magnitude above {MAX_ABS_INPUT:e}"),
            });
        }
    }
    Ok(())
}

fn check_reward(reward: f64, row: usize) -> Result<()> {
    if !reward.is_finite() {
        return Err(Ki3Error::NonFinite {
            arg: "reward".into(),
            index: row,
        });
    }
    if reward.abs() > MAX_ABS_INPUT {
        return Err(Ki3Error::InvalidValue {
            arg: "reward".into(),
            index: row,
            reason: format!("magnitude above {MAX_ABS_INPUT:e}"),
        });
    }
    Ok(())
}

impl LinearTs {
    fn with_arms(params: LinearTsParams, arms: Arms, dim: usize) -> Result<Self> {
        check_dim(dim)?;
        check_cells(arms.len(), dim)?;
        let models = (0..arms.len())
            .map(|_| LinArm::prior(dim, params.ridge, 0))
            .collect::<Result<Vec<_>>>()?;
        Ok(LinearTs {
            rng: BanditRng::seed_from_u64(params.options.seed),
            pending: Pending::new(params.options.pending_horizon),
            params,
            dim,
            arms,
            models,
            clock: 0,
            scratch: Scratch::default(),
        })
    }

    // ----- arms ---------------------------------------------------------------------------

    /// The parameters the policy was built with.
    pub fn params(&self) -> &LinearTsParams {
        &self.params
    }

    /// Context dimension `d`.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of arms, active and retired.
    pub fn n_arms(&self) -> usize {
        self.arms.len()
    }

    /// Arm names, by index.
    pub fn arm_names(&self) -> &[String] {
        self.arms.names()
    }

    /// Index of the arm called `name`.
    pub fn arm_index(&self, name: &str) -> Result<usize> {
        self.arms.index_of(name)
    }

    /// Indices of the active arms.
    pub fn active_arms(&self) -> &[usize] {
        self.arms.active_list()
    }

    /// True when `arm` exists and is not retired.
    pub fn is_active(&self, arm: usize) -> bool {
        self.arms.is_active(arm)
    }

    /// Adds an arm with the prior as posterior; returns its index.
    pub fn add_arm(&mut self, name: &str) -> Result<usize> {
        check_cells(self.arms.len().saturating_add(1), self.dim)?;
        // Allocate first: a refused arm leaves the policy unchanged.
        let model = LinArm::prior(self.dim, self.params.ridge, self.clock)?;
        let i = self.arms.add(name)?;
        self.models.push(model);
        Ok(i)
    }

    /// Retires an arm (never chosen again; late rewards still count).
    pub fn retire_arm(&mut self, arm: usize) -> Result<()> {
        self.arms.retire(arm)
    }

    // ----- feedback -----------------------------------------------------------------------

    fn check_update(&self, arm: usize, context: &[f64], reward: f64, row: usize) -> Result<()> {
        self.arms.check_known("arm", arm, row)?;
        check_context(context, self.dim, "context")?;
        check_reward(reward, row)
    }

    /// Applies a validated update.
    fn apply(&mut self, arm: usize, x: &[f64], reward: f64) -> Result<()> {
        let d = self.dim;
        let gamma = self.params.options.discount;
        let clock = self.clock + 1;
        if gamma == 1.0 {
            let m = &mut self.models[arm];
            add_observation(m, d, x, reward);
            let work = &mut self.scratch.work;
            work.clear();
            work.extend_from_slice(x);
            cholesky_rank_one_update(&mut m.chol, d, work)?;
            m.solve_mean(d, 1.0)?;
            m.cache_clock = clock;
        } else {
            // Work on a copy so a numerical failure leaves the state unchanged.
            let mut m = self.models[arm].clone();
            let f = decay(gamma, clock, m.last);
            m.n *= f;
            for s in m.gram.iter_mut().chain(m.b.iter_mut()) {
                let v = s.value() * f;
                *s = NeumaierSum::default();
                s.add(v);
            }
            add_observation(&mut m, d, x, reward);
            m.last = clock;
            m.refresh(d, self.params.ridge, gamma, clock)?;
            self.models[arm] = m;
        }
        self.clock = clock;
        Ok(())
    }

    /// Observes `reward` for `arm` in `context` (length `dim`). On error the state is unchanged.
    pub fn update(&mut self, arm: usize, context: &[f64], reward: f64) -> Result<()> {
        self.check_update(arm, context, reward, 0)?;
        self.apply(arm, context, reward)
    }

    /// Observes row `i` of `contexts` (`n × dim`) and `rewards[i]` for `arms[i]`, in order.
    /// All-or-nothing: everything is validated first.
    pub fn update_batch<A: ArmCode>(
        &mut self,
        arms: &[A],
        contexts: ArrayView2<f64>,
        rewards: &[f64],
    ) -> Result<()> {
        let n = arms.len();
        check_batch_lengths(n, rewards.len())?;
        if contexts.nrows() != n {
            return Err(Ki3Error::LengthMismatch {
                arg: "contexts".into(),
                got: contexts.nrows(),
                expected_arg: "arms".into(),
                expected: n,
            });
        }
        if contexts.ncols() != self.dim {
            return Err(Ki3Error::LengthMismatch {
                arg: "contexts (columns)".into(),
                got: contexts.ncols(),
                expected_arg: "n_features".into(),
                expected: self.dim,
            });
        }
        let mut codes = Vec::with_capacity(n);
        for (i, row) in contexts.rows().into_iter().enumerate() {
            codes.push(self.arms.check_code(arms[i], i)?);
            check_reward(rewards[i], i)?;
            for v in row {
                if !v.is_finite() {
                    return Err(Ki3Error::NonFinite {
                        arg: "contexts".into(),
                        index: i,
                    });
                }
                if v.abs() > MAX_ABS_INPUT {
                    return Err(Ki3Error::InvalidValue {
                        arg: "contexts".into(),
                        index: i,
                        reason: format!("magnitude above {MAX_ABS_INPUT:e}"),
                    });
                }
            }
        }
        let mut x = std::mem::take(&mut self.scratch.row);
        let mut result = Ok(());
        for (i, row) in contexts.rows().into_iter().enumerate() {
            x.clear();
            x.extend(row.iter().copied());
            result = self.apply(codes[i], &x, rewards[i]);
            if result.is_err() {
                break;
            }
        }
        self.scratch.row = x;
        result
    }

    // ----- choosing -----------------------------------------------------------------------

    fn prepare(&mut self, context: &[f64], eligible: Option<&[usize]>) -> Result<()> {
        check_context(context, self.dim, "context")?;
        let s = &mut self.scratch;
        self.arms
            .candidates(eligible, &mut s.stamps, &mut s.candidates)?;
        s.samplers.clear();
        let (d, v) = (self.dim, self.params.noise);
        for &arm in &s.candidates {
            let m = &mut self.models[arm];
            if is_stale(self.params.options.discount, m, self.clock) {
                m.refresh(
                    d,
                    self.params.ridge,
                    self.params.options.discount,
                    self.clock,
                )?;
            }
            let (mean, spread) = m.project(d, context, &mut s.work)?;
            s.samplers.push(NormalSampler {
                mean,
                sd: v * spread,
            });
        }
        Ok(())
    }

    /// Thompson choice of one arm for `context`, with top-two details.
    pub fn choose_detail(&mut self, context: &[f64], eligible: Option<&[usize]>) -> Result<Choice> {
        self.prepare(context, eligible)?;
        let s = &self.scratch;
        let (leader, played, challenger) = select_one(
            &s.samplers,
            self.params.options.top_two_spec(),
            &mut self.rng,
        );
        Ok(Choice {
            arm: s.candidates[played],
            leader: s.candidates[leader],
            challenger,
        })
    }

    /// Thompson choice of one arm for `context` among the active arms or an eligible subset.
    pub fn choose(&mut self, context: &[f64], eligible: Option<&[usize]>) -> Result<usize> {
        Ok(self.choose_detail(context, eligible)?.arm)
    }

    /// A slate of `k` distinct arms ordered by sampled reward, best first.
    pub fn choose_k(
        &mut self,
        context: &[f64],
        k: usize,
        eligible: Option<&[usize]>,
    ) -> Result<Vec<usize>> {
        self.prepare(context, eligible)?;
        let s = &mut self.scratch;
        check_k(k, s.candidates.len())?;
        select_k(
            &s.samplers,
            k,
            &mut self.rng,
            &mut s.ranked,
            &mut s.positions,
        );
        Ok(s.positions.iter().map(|&p| s.candidates[p]).collect())
    }

    /// A tracked decision; the context is stored with it until it is rewarded or expires.
    pub fn decide(&mut self, context: &[f64], eligible: Option<&[usize]>) -> Result<Decision> {
        let arm = self.choose(context, eligible)?;
        let id = self.pending.issue(&[arm], context);
        Ok(Decision { id, arm })
    }

    /// A tracked slate decision.
    pub fn decide_k(
        &mut self,
        context: &[f64],
        k: usize,
        eligible: Option<&[usize]>,
    ) -> Result<SlateDecision> {
        let arms = self.choose_k(context, k, eligible)?;
        let id = self.pending.issue(&arms, context);
        Ok(SlateDecision { id, arms })
    }

    /// The reward of a single-arm decision (its stored context is used); returns the arm.
    /// Errors as for [`BernoulliTs::reward`](super::BernoulliTs::reward).
    pub fn reward(&mut self, decision_id: u64, reward: f64) -> Result<usize> {
        let arm = match self.pending.get(decision_id)?.0 {
            [arm] => *arm,
            arms => {
                return Err(Ki3Error::param(
                    "decision_id",
                    format!(
                        "decision {decision_id} is a slate of {} arms: use reward_slate",
                        arms.len()
                    ),
                ));
            }
        };
        check_reward(reward, 0)?;
        let ctx = self.pending.take_context(decision_id)?;
        let result = self.apply(arm, &ctx, reward);
        self.pending.put_context(decision_id, ctx);
        result?;
        self.pending.close(decision_id);
        Ok(arm)
    }

    /// The rewards of a slate decision, one per position; all or nothing.
    pub fn reward_slate(&mut self, decision_id: u64, rewards: &[f64]) -> Result<()> {
        let arms = self.pending.get(decision_id)?.0.to_vec();
        if rewards.len() != arms.len() {
            return Err(Ki3Error::LengthMismatch {
                arg: "rewards".into(),
                got: rewards.len(),
                expected_arg: "slate".into(),
                expected: arms.len(),
            });
        }
        for (i, &r) in rewards.iter().enumerate() {
            check_reward(r, i)?;
        }
        let ctx = self.pending.take_context(decision_id)?;
        let mut result = Ok(());
        for (&a, &r) in arms.iter().zip(rewards) {
            result = self.apply(a, &ctx, r);
            if result.is_err() {
                break;
            }
        }
        self.pending.put_context(decision_id, ctx);
        result?;
        self.pending.close(decision_id);
        Ok(())
    }

    /// Number of decisions awaiting their reward.
    pub fn pending_decisions(&self) -> usize {
        self.pending.open_count()
    }

    /// The id the next tracked decision will get.
    pub fn next_decision_id(&self) -> u64 {
        self.pending.next_id()
    }

    /// Number of updates so far.
    pub fn n_updates(&self) -> u64 {
        self.clock
    }

    // ----- insight ------------------------------------------------------------------------

    fn check_arm(&self, arm: usize) -> Result<()> {
        self.arms.check_known("arm", arm, 0)
    }

    /// The arm's model brought up to date (a copy when the cache is stale).
    fn fresh(&self, arm: usize) -> Result<std::borrow::Cow<'_, LinArm>> {
        self.check_arm(arm)?;
        let m = &self.models[arm];
        if !is_stale(self.params.options.discount, m, self.clock) {
            Ok(std::borrow::Cow::Borrowed(m))
        } else {
            let mut m = m.clone();
            m.refresh(
                self.dim,
                self.params.ridge,
                self.params.options.discount,
                self.clock,
            )?;
            Ok(std::borrow::Cow::Owned(m))
        }
    }

    /// Posterior mean `μ = B⁻¹ f` of the arm's `θ`.
    pub fn theta_mean(&self, arm: usize) -> Result<Vec<f64>> {
        Ok(self.fresh(arm)?.mean.clone())
    }

    /// Posterior precision `B = λI + Σ x xᵀ` (decayed when γ < 1), dense row-major `d × d`.
    pub fn precision(&self, arm: usize) -> Result<Vec<f64>> {
        self.check_arm(arm)?;
        let m = &self.models[arm];
        let f = decay(self.params.options.discount, self.clock, m.last);
        Ok(m.precision(self.dim, self.params.ridge, f))
    }

    /// The vector `f = Σ r x` (decayed when γ < 1).
    pub fn b_vector(&self, arm: usize) -> Result<Vec<f64>> {
        self.check_arm(arm)?;
        let m = &self.models[arm];
        let f = decay(self.params.options.discount, self.clock, m.last);
        Ok(m.b.iter().map(|s| f * s.value()).collect())
    }

    /// Effective number of observations of the arm.
    pub fn count(&self, arm: usize) -> Result<f64> {
        self.check_arm(arm)?;
        let m = &self.models[arm];
        Ok(m.n * decay(self.params.options.discount, self.clock, m.last))
    }

    /// One posterior draw `θ̃ = μ + v L⁻ᵀ z`, `z ~ N(0, I)`, from a generator seeded with `seed`.
    pub fn sample_theta(&self, arm: usize, seed: u64) -> Result<Vec<f64>> {
        let m = self.fresh(arm)?;
        let mut rng = BanditRng::seed_from_u64(seed);
        let mut z: Vec<f64> = (0..self.dim)
            .map(|_| StandardNormal.sample(&mut rng))
            .collect();
        solve_lower_transpose_in_place(&m.chol, self.dim, &mut z)?;
        Ok(m.mean
            .iter()
            .zip(&z)
            .map(|(mu, w)| mu + self.params.noise * w)
            .collect())
    }

    /// Posterior mean of `xᵀθ_a` and its central credible interval at `level` (the posterior of
    /// `xᵀθ_a` is `N(xᵀμ, v² xᵀB⁻¹x)`), for every arm.
    pub fn summary(&self, context: &[f64], level: f64) -> Result<Vec<ArmSummary>> {
        check_context(context, self.dim, "context")?;
        check_level(level)?;
        let z = normal_inv(0.5 * (1.0 + level))?;
        let mut work = Vec::with_capacity(self.dim);
        (0..self.n_arms())
            .map(|arm| {
                let m = self.fresh(arm)?;
                let (mean, spread) = m.project(self.dim, context, &mut work)?;
                let half = z * self.params.noise * spread;
                Ok(ArmSummary {
                    arm,
                    name: self.arms.names()[arm].clone(),
                    active: self.arms.is_active(arm),
                    n: self.count(arm)?,
                    mean,
                    lower: mean - half,
                    upper: mean + half,
                })
            })
            .collect()
    }

    /// Probability of being best and expected loss of each candidate arm for `context`
    /// (`draws` Monte Carlo draws seeded with `seed`).
    pub fn insight(
        &self,
        context: &[f64],
        eligible: Option<&[usize]>,
        draws: usize,
        seed: u64,
    ) -> Result<Insight> {
        check_context(context, self.dim, "context")?;
        let mut arms = Vec::new();
        self.arms
            .candidates(eligible, &mut Stamps::default(), &mut arms)?;
        let mut work = Vec::with_capacity(self.dim);
        let samplers = arms
            .iter()
            .map(|&a| {
                let (mean, spread) = self.fresh(a)?.project(self.dim, context, &mut work)?;
                Ok(NormalSampler {
                    mean,
                    sd: self.params.noise * spread,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let (prob_best, expected_loss) = monte_carlo(&samplers, draws, seed)?;
        Ok(Insight {
            arms,
            prob_best,
            expected_loss,
            draws,
        })
    }

    /// Applies a [`StoppingRule`] to [`insight`](Self::insight) over the active arms.
    pub fn should_stop(
        &self,
        context: &[f64],
        rule: &StoppingRule,
        draws: usize,
        seed: u64,
    ) -> Result<StopDecision> {
        rule.check()?;
        rule.evaluate(&self.insight(context, None, draws, seed)?)
    }

    // ----- state --------------------------------------------------------------------------

    /// Saves the whole state in the ki3 envelope (kind `"LinearTs"`, version 1), including the
    /// cached Cholesky factors (so a loaded copy makes bit-identical decisions) and the
    /// generator.
    pub fn to_json(&self) -> Result<String> {
        let d = self.dim;
        let arms = (0..self.n_arms())
            .map(|i| {
                let m = &self.models[i];
                let mut chol = Vec::with_capacity(packed_len(d));
                for r in 0..d {
                    chol.extend_from_slice(&m.chol[r * d..r * d + r + 1]);
                }
                SavedLinArm {
                    name: self.arms.names()[i].clone(),
                    active: self.arms.active_flags()[i],
                    last: m.last,
                    n: m.n,
                    gram: m.gram.clone(),
                    b: m.b.clone(),
                    chol,
                    cache_clock: m.cache_clock,
                }
            })
            .collect();
        let saved = SavedLinear {
            params: self.params.clone(),
            dim: d,
            arms,
            clock: self.clock,
            rng: rng_to_hex(&self.rng),
            next_decision_id: self.pending.next_id(),
            pending: self.pending.records(),
        };
        persist::to_json(KIND, VERSION, &saved)
    }

    /// Loads a saved state, validating every field (shapes, finiteness, a positive-definite
    /// factor consistent with the statistics); anything wrong is [`Ki3Error::Corrupt`].
    pub fn from_json(text: &str) -> Result<Self> {
        let saved: SavedLinear = persist::from_json(text, KIND, VERSION)?;
        let corrupt = |e: Ki3Error| Ki3Error::corrupt(e.to_string());
        saved.params.check().map_err(corrupt)?;
        check_dim(saved.dim).map_err(corrupt)?;
        check_counter("clock", saved.clock)?;
        check_counter("next_decision_id", saved.next_decision_id)?;
        let d = saved.dim;
        let (ridge, gamma) = (saved.params.ridge, saved.params.options.discount);
        let mut names = Vec::with_capacity(saved.arms.len());
        let mut active = Vec::with_capacity(saved.arms.len());
        let mut models = Vec::with_capacity(saved.arms.len());
        for (i, a) in saved.arms.into_iter().enumerate() {
            let bad = |r: String| Ki3Error::corrupt(format!("arm {i}: {r}"));
            if a.gram.len() != packed_len(d) || a.b.len() != d || a.chol.len() != packed_len(d) {
                return Err(bad(format!(
                    "gram, b and chol must have {}, {d} and {} entries",
                    packed_len(d),
                    packed_len(d)
                )));
            }
            if !(a.n >= 0.0 && a.n.is_finite()) {
                return Err(bad(format!("count {} must be finite and >= 0", a.n)));
            }
            if a.gram.iter().chain(&a.b).any(|s| !s.value().is_finite())
                || a.chol.iter().any(|v| !v.is_finite())
            {
                return Err(bad("non-finite statistics".into()));
            }
            if (0..d).any(|r| a.gram[packed_index(r, r)].value() < 0.0) {
                return Err(bad("negative diagonal in the Gram matrix".into()));
            }
            if a.last > saved.clock || a.cache_clock > saved.clock || a.cache_clock < a.last {
                return Err(bad(format!(
                    "inconsistent clocks (last {}, cache {}, clock {})",
                    a.last, a.cache_clock, saved.clock
                )));
            }
            let mut chol = vec![0.0; d * d];
            for r in 0..d {
                for c in 0..=r {
                    chol[r * d + c] = a.chol[packed_index(r, c)];
                }
                if chol[r * d + r] <= 0.0 {
                    return Err(bad("the Cholesky factor needs a positive diagonal".into()));
                }
            }
            let mut m = LinArm {
                n: a.n,
                gram: a.gram,
                b: a.b,
                chol,
                mean: vec![0.0; d],
                cache_clock: a.cache_clock,
                last: a.last,
            };
            let factor = decay(gamma, m.cache_clock, m.last);
            let want = m.precision(d, ridge, factor);
            let got = lower_times_transpose(&m.chol, d)?;
            let scale = want.iter().fold(1.0f64, |s, v| s.max(v.abs()));
            let err = want
                .iter()
                .zip(&got)
                .fold(0.0f64, |e, (w, g)| e.max((w - g).abs()));
            if err.is_nan() || err > 1e-8 * scale {
                return Err(bad(format!(
                    "the Cholesky factor does not match the precision matrix (error {err:e})"
                )));
            }
            m.solve_mean(d, factor).map_err(corrupt)?;
            if m.mean.iter().any(|v| !v.is_finite()) {
                return Err(bad("non-finite posterior mean".into()));
            }
            names.push(a.name);
            active.push(a.active);
            models.push(m);
        }
        let arms = Arms::new(names, active).map_err(corrupt)?;
        let pending = Pending::from_records(
            saved.params.options.pending_horizon,
            saved.next_decision_id,
            saved.pending,
            arms.len(),
            d,
        )?;
        Ok(LinearTs {
            rng: rng_from_hex(&saved.rng)?,
            params: saved.params,
            dim: d,
            arms,
            models,
            clock: saved.clock,
            pending,
            scratch: Scratch::default(),
        })
    }

    /// Merges the updates `other` collected since the common snapshot `base`:
    /// `B − λI`, `f` and counts become `mine + other − base` (the precision matrices and `b`
    /// vectors add), then each factor is recomputed from the merged statistics. Same
    /// requirements as [`BernoulliTs::merge`](super::BernoulliTs::merge) (same ridge and
    /// dimension, γ = 1, same arms). On error `self` is unchanged.
    pub fn merge(&mut self, base: &Self, other: &Self) -> Result<()> {
        for (name, p, d) in [
            ("base", &base.params, base.dim),
            ("other", &other.params, other.dim),
        ] {
            if p.ridge != self.params.ridge || d != self.dim {
                return Err(Ki3Error::param(name, "has a different ridge or dimension"));
            }
            if p.options.discount != 1.0 {
                return Err(Ki3Error::param(name, "uses discounting: merge needs γ = 1"));
            }
        }
        if self.params.options.discount != 1.0 {
            return Err(Ki3Error::param(
                "discount",
                "merge needs γ = 1 (discounted statistics do not add)",
            ));
        }
        if other.arms.names() != self.arms.names() {
            return Err(Ki3Error::param("other", "has different arms"));
        }
        if !self.arms.names().starts_with(base.arms.names()) {
            return Err(Ki3Error::param(
                "base",
                "its arms are not a prefix of the replicas' arms",
            ));
        }
        if self.clock < base.clock || other.clock < base.clock {
            return Err(Ki3Error::param(
                "base",
                "is not a common snapshot (it has more updates than a replica)",
            ));
        }
        let d = self.dim;
        let clock = self.clock + other.clock - base.clock;
        let empty = LinArm::prior(d, self.params.ridge, 0)?;
        let mut merged = Vec::with_capacity(self.n_arms());
        for i in 0..self.n_arms() {
            let (mine, theirs) = (&self.models[i], &other.models[i]);
            let b0 = base.models.get(i).unwrap_or(&empty);
            if mine.n < b0.n || theirs.n < b0.n {
                return Err(Ki3Error::param(
                    "base",
                    format!("is not a common snapshot (arm {i} has fewer updates)"),
                ));
            }
            // Nothing new on one side: keep the other side exactly (factor bits included).
            if same_stats(theirs, b0) {
                merged.push(mine.clone());
                continue;
            }
            if same_stats(mine, b0) {
                merged.push(theirs.clone());
                continue;
            }
            let sum3 = |a: &[NeumaierSum], o: &[NeumaierSum], b: &[NeumaierSum]| {
                a.iter()
                    .zip(o)
                    .zip(b)
                    .map(|((a, o), b)| {
                        let mut t = *a;
                        t.merge(o);
                        t.add(-b.value());
                        t
                    })
                    .collect::<Vec<_>>()
            };
            let mut m = LinArm {
                n: mine.n + theirs.n - b0.n,
                gram: sum3(&mine.gram, &theirs.gram, &b0.gram),
                b: sum3(&mine.b, &theirs.b, &b0.b),
                chol: Vec::new(),
                mean: vec![0.0; d],
                cache_clock: clock,
                last: 0,
            };
            m.refresh(d, self.params.ridge, 1.0, clock)?;
            merged.push(m);
        }
        for i in 0..self.n_arms() {
            if !other.arms.is_active(i) {
                self.arms.retire(i)?;
            }
        }
        self.models = merged;
        self.clock = clock;
        Ok(())
    }
}

fn same_stats(a: &LinArm, b: &LinArm) -> bool {
    a.n == b.n && a.gram == b.gram && a.b == b.b
}

/// With γ = 1 the factor is kept current by every update; with γ < 1 it goes stale whenever
/// the clock moves.
#[inline]
fn is_stale(gamma: f64, m: &LinArm, clock: u64) -> bool {
    gamma != 1.0 && m.cache_clock != clock
}

/// `G += x xᵀ`, `f += r x`, `n += 1` (no factor update).
fn add_observation(m: &mut LinArm, d: usize, x: &[f64], reward: f64) {
    for i in 0..d {
        for j in 0..=i {
            m.gram[packed_index(i, j)].add(x[i] * x[j]);
        }
        m.b[i].add(reward * x[i]);
    }
    m.n += 1.0;
}

impl Policy for LinearTs {
    fn n_arms(&self) -> usize {
        self.arms.len()
    }

    fn context_dim(&self) -> usize {
        self.dim
    }

    fn select(&mut self, context: &[f64]) -> Result<usize> {
        self.choose(context, None)
    }

    fn learn(&mut self, arm: usize, context: &[f64], reward: f64) -> Result<()> {
        self.update(arm, context, reward)
    }
}
