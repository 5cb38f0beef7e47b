//! Context-free Thompson sampling over conjugate arms: [`BernoulliTs`] and [`GaussianTs`].

use rand::SeedableRng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::columns::{ArmCode, RewardValue};
use super::common::{
    ArmSummary, BanditRng, Choice, Decision, Insight, Policy, PolicyOptions, SlateDecision,
    StopDecision, StoppingRule, option_setters,
};
use super::engine::{
    Arms, Pending, PendingRecord, Stamps, check_batch_lengths, check_counter, check_k, check_level,
    decay, monte_carlo, rng_from_hex, rng_to_hex, select_k, select_one,
};
use super::models::{ArmModel, BetaPrior, NigPrior};
use crate::error::{Ki3Error, Result};
use crate::persist;

/// Version of the saved state of the context-free policies.
const VERSION: u32 = 1;

/// Hyper-parameters of a context-free Thompson-sampling policy: the prior of every arm and the
/// [`PolicyOptions`]. Build the policy with [`build`](TsParams::build) (arms "0", "1", ...) or
/// [`build_named`](TsParams::build_named).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(bound = "")]
pub struct TsParams<M: ArmModel> {
    prior: M,
    options: PolicyOptions,
}

/// Parameters of [`BernoulliTs`].
pub type BernoulliTsParams = TsParams<BetaPrior>;
/// Parameters of [`GaussianTs`].
pub type GaussianTsParams = TsParams<NigPrior>;

impl<M: ArmModel + Default> Default for TsParams<M> {
    fn default() -> Self {
        TsParams {
            prior: M::default(),
            options: PolicyOptions::default(),
        }
    }
}

impl TsParams<BetaPrior> {
    /// Beta(α₀, β₀) prior of every arm (default 1, 1).
    pub fn prior(mut self, alpha: f64, beta: f64) -> Self {
        self.prior = BetaPrior { alpha, beta };
        self
    }
}

impl TsParams<NigPrior> {
    /// Normal–Inverse-Gamma prior of every arm: mean μ₀, pseudo-count κ₀, shape α₀, scale β₀
    /// (default 0, 1, 1, 1).
    pub fn prior(mut self, mean: f64, kappa: f64, alpha: f64, beta: f64) -> Self {
        self.prior = NigPrior {
            mean,
            kappa,
            alpha,
            beta,
        };
        self
    }
}

impl<M: ArmModel> TsParams<M> {
    option_setters!();

    /// The prior.
    pub fn get_prior(&self) -> &M {
        &self.prior
    }

    /// Validates prior and options.
    pub fn check(&self) -> Result<()> {
        self.prior.check()?;
        self.options.check()
    }

    /// Builds a policy with `n_arms ≥ 1` arms named "0", "1", ...
    pub fn build(&self, n_arms: usize) -> Result<ContextFreeTs<M>> {
        self.check()?;
        ContextFreeTs::with_arms(self.clone(), Arms::numbered(n_arms)?)
    }

    /// Builds a policy with the given (non-empty, unique) arm names, indexed in that order.
    pub fn build_named<S: AsRef<str>>(&self, names: &[S]) -> Result<ContextFreeTs<M>> {
        self.check()?;
        let names: Vec<String> = names.iter().map(|s| s.as_ref().to_string()).collect();
        let n = names.len();
        ContextFreeTs::with_arms(self.clone(), Arms::new(names, vec![true; n])?)
    }
}

/// Reused buffers and the sampler cache (not part of the state).
#[derive(Debug, Clone)]
struct Scratch<St, S> {
    candidates: Vec<usize>,
    samplers: Vec<S>,
    /// Per arm: the statistics its sampler was last built from, and that sampler.
    cache: Vec<Option<(St, S)>>,
    ranked: Vec<(f64, usize)>,
    positions: Vec<usize>,
    stamps: Stamps,
}

impl<St, S> Default for Scratch<St, S> {
    fn default() -> Self {
        Scratch {
            candidates: Vec::new(),
            samplers: Vec::new(),
            cache: Vec::new(),
            ranked: Vec::new(),
            positions: Vec::new(),
            stamps: Stamps::default(),
        }
    }
}

/// Context-free Thompson sampling with a conjugate model per arm; see [`BernoulliTs`] and
/// [`GaussianTs`].
///
/// Arms are addressed by index (`0..n_arms()`); each also has a unique name saved with the state
/// (bindings may map names to indices with [`arm_index`](Self::arm_index)). Retired arms keep
/// their index and statistics, are never chosen, and still accept late rewards.
///
/// Every random choice uses the policy's own seeded generator, saved in the JSON; the insight
/// methods take their own seed and leave that stream untouched.
#[derive(Debug, Clone)]
pub struct ContextFreeTs<M: ArmModel> {
    params: TsParams<M>,
    arms: Arms,
    stats: Vec<M::Stats>,
    /// Update count at which each arm's statistics were last decayed (discounting only).
    last: Vec<u64>,
    /// Number of updates so far (the discount clock).
    clock: u64,
    rng: BanditRng,
    pending: Pending,
    scratch: Scratch<M::Stats, M::Sampler>,
}

/// Thompson sampling for rewards in [0, 1] with a Beta(α₀, β₀) prior per arm (see
/// [`BetaPrior`] for the update and fractional rewards).
///
/// ```
/// use ki3_core::bandit::BernoulliTsParams;
/// let mut ts = BernoulliTsParams::default().seed(7).build(3)?;
/// let arm = ts.choose(None)?;
/// ts.update(arm, 1.0)?;
/// let d = ts.decide(None)?;          // delayed feedback
/// ts.reward(d.id, 0.0)?;
/// # Ok::<(), ki3_core::Ki3Error>(())
/// ```
pub type BernoulliTs = ContextFreeTs<BetaPrior>;

/// Thompson sampling for continuous rewards, unknown mean and variance per arm, with a
/// Normal–Inverse-Gamma prior (see [`NigPrior`]).
pub type GaussianTs = ContextFreeTs<NigPrior>;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedArm<S> {
    name: String,
    active: bool,
    last: u64,
    stats: S,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(bound = "")]
struct Saved<M: ArmModel> {
    params: TsParams<M>,
    #[serde(deserialize_with = "crate::persist::capped::<_, _, { super::common::MAX_ARMS }>")]
    arms: Vec<SavedArm<M::Stats>>,
    clock: u64,
    rng: String,
    next_decision_id: u64,
    pending: Vec<PendingRecord>,
}

impl<M: ArmModel> ContextFreeTs<M> {
    fn with_arms(params: TsParams<M>, arms: Arms) -> Result<Self> {
        let n = arms.len();
        Ok(ContextFreeTs {
            rng: BanditRng::seed_from_u64(params.options.seed),
            pending: Pending::new(params.options.pending_horizon),
            params,
            arms,
            stats: vec![M::Stats::default(); n],
            last: vec![0; n],
            clock: 0,
            scratch: Scratch::default(),
        })
    }

    // ----- arms ---------------------------------------------------------------------------

    /// The parameters the policy was built with.
    pub fn params(&self) -> &TsParams<M> {
        &self.params
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

    /// Indices of the active (not retired) arms, increasing.
    pub fn active_arms(&self) -> &[usize] {
        self.arms.active_list()
    }

    /// True when `arm` exists and is not retired.
    pub fn is_active(&self, arm: usize) -> bool {
        self.arms.is_active(arm)
    }

    /// Adds an arm with the prior as posterior; returns its index (`n_arms()` before the call).
    pub fn add_arm(&mut self, name: &str) -> Result<usize> {
        let i = self.arms.add(name)?;
        self.stats.push(M::Stats::default());
        self.last.push(self.clock);
        Ok(i)
    }

    /// Retires an arm: never chosen again; its statistics stay and late rewards still count.
    pub fn retire_arm(&mut self, arm: usize) -> Result<()> {
        self.arms.retire(arm)
    }

    // ----- feedback -----------------------------------------------------------------------

    #[inline]
    fn factor(&self, arm: usize) -> f64 {
        decay(self.params.options.discount, self.clock, self.last[arm])
    }

    #[inline]
    fn check_update(&self, arm: usize, reward: f64, row: usize) -> Result<()> {
        self.arms.check_known("arm", arm, row)?;
        self.params.prior.check_reward(reward, row)
    }

    /// Applies a validated update: decay every arm by γ (lazily), then add the observation.
    #[inline]
    fn apply(&mut self, arm: usize, reward: f64) {
        self.clock += 1;
        if self.params.options.discount != 1.0 {
            let f = self.factor(arm);
            M::scale(&mut self.stats[arm], f);
            self.last[arm] = self.clock;
        }
        self.params.prior.observe(&mut self.stats[arm], reward);
    }

    /// Observes `reward` for `arm`. On error the state is unchanged.
    pub fn update(&mut self, arm: usize, reward: f64) -> Result<()> {
        self.check_update(arm, reward, 0)?;
        self.apply(arm, reward);
        Ok(())
    }

    /// Observes `rewards[i]` for `arms[i]`, in order; the same state as that sequence of
    /// [`update`](Self::update) calls, bit for bit. All-or-nothing: a bad row (the error names
    /// it) leaves the state unchanged.
    ///
    /// `arms` holds arm indices of any integer type and `rewards` any numeric type (see
    /// [`ArmCode`], [`RewardValue`]), so callers can pass the columns they have.
    pub fn update_batch<A: ArmCode, R: RewardValue>(
        &mut self,
        arms: &[A],
        rewards: &[R],
    ) -> Result<()> {
        check_batch_lengths(arms.len(), rewards.len())?;
        // Decay depends on the order of updates, and a batch with fewer rows than arms should
        // not pay per arm (the paths below copy or tally all arms): validate every row, then
        // apply in order.
        if self.params.options.discount != 1.0 || arms.len() < self.stats.len() {
            let mut codes = Vec::with_capacity(arms.len());
            for (row, (&a, &r)) in arms.iter().zip(rewards).enumerate() {
                let arm = self.arms.check_code(a, row)?;
                self.params.prior.check_reward(r.value(), row)?;
                codes.push(arm);
            }
            for (&arm, &r) in codes.iter().zip(rewards) {
                self.apply(arm, r.value());
            }
            return Ok(());
        }
        if let Some(stats) = M::BINARY_TALLY
            .then(|| self.binary_batch(arms, rewards))
            .flatten()
        {
            self.stats = stats;
            self.clock += arms.len() as u64;
            return Ok(());
        }
        // Undiscounted, an update only adds to its arm's statistics: add into a copy in one
        // pass (the operations and order of single updates) and keep it if every row is valid.
        // (At least as many rows as arms here, so the copy costs less than the rows.)
        let mut stats = self.stats.clone();
        let prior = &self.params.prior;
        for (row, (&a, &r)) in arms.iter().zip(rewards).enumerate() {
            let reward = r.value();
            match a.index().and_then(|i| stats.get_mut(i)) {
                Some(st) if prior.accepts(reward) => prior.observe(st, reward),
                _ => {
                    self.arms.check_code(a, row)?;
                    return prior.check_reward(reward, row);
                }
            }
        }
        self.stats = stats;
        self.clock += arms.len() as u64;
        Ok(())
    }

    /// The statistics after an undiscounted batch of known arms and 0/1 rewards, computed from
    /// per-arm tallies (the common case, several times faster than one update per row), when
    /// the model says that equals single updates bit for bit; `None` otherwise. Large batches
    /// are tallied in parallel blocks; integer tallies add exactly, so the result does not
    /// depend on the number of threads.
    fn binary_batch<A: ArmCode, R: RewardValue>(
        &self,
        arms: &[A],
        rewards: &[R],
    ) -> Option<Vec<M::Stats>> {
        const PARALLEL_BLOCK: usize = 1 << 18;
        let n_arms = self.stats.len();
        let tally = if arms.len() < 2 * PARALLEL_BLOCK {
            tally_binary(arms, rewards, n_arms)?
        } else {
            let blocks: Option<Vec<Vec<[u64; 2]>>> = arms
                .par_chunks(PARALLEL_BLOCK)
                .zip(rewards.par_chunks(PARALLEL_BLOCK))
                .map(|(a, r)| tally_binary(a, r, n_arms))
                .collect();
            let mut blocks = blocks?.into_iter();
            let mut total = blocks.next()?;
            for block in blocks {
                for (t, b) in total.iter_mut().zip(block) {
                    t[0] += b[0];
                    t[1] += b[1];
                }
            }
            total
        };
        let prior = &self.params.prior;
        self.stats
            .iter()
            .zip(&tally)
            .map(|(st, &[n, ones])| {
                if n == 0 {
                    Some(st.clone())
                } else {
                    prior.observe_binary(st, n, ones)
                }
            })
            .collect()
    }

    // ----- choosing -----------------------------------------------------------------------

    /// Fills the scratch candidates and their posterior samplers.
    fn prepare(&mut self, eligible: Option<&[usize]>) -> Result<()> {
        let s = &mut self.scratch;
        self.arms
            .candidates(eligible, &mut s.stamps, &mut s.candidates)?;
        s.samplers.clear();
        if s.cache.len() < self.stats.len() {
            s.cache.resize(self.stats.len(), None);
        }
        let gamma = self.params.options.discount;
        for &arm in &s.candidates {
            let decayed;
            let stats = if gamma == 1.0 {
                &self.stats[arm]
            } else {
                let mut st = self.stats[arm].clone();
                M::scale(&mut st, decay(gamma, self.clock, self.last[arm]));
                decayed = st;
                &decayed
            };
            // The sampler is a function of the statistics alone: reuse it while they are
            // unchanged (building one costs a square root and a division per Gamma).
            let sampler = match &s.cache[arm] {
                Some((cached, sampler)) if cached == stats => *sampler,
                _ => {
                    let sampler = M::sampler(&self.params.prior.posterior(stats))?;
                    s.cache[arm] = Some((stats.clone(), sampler));
                    sampler
                }
            };
            s.samplers.push(sampler);
        }
        Ok(())
    }

    /// Thompson choice of one arm among the active arms (`eligible = None`) or an eligible
    /// subset (known, active, distinct indices), with top-two details.
    pub fn choose_detail(&mut self, eligible: Option<&[usize]>) -> Result<Choice> {
        self.prepare(eligible)?;
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

    /// Thompson choice of one arm (see [`choose_detail`](Self::choose_detail)).
    pub fn choose(&mut self, eligible: Option<&[usize]>) -> Result<usize> {
        Ok(self.choose_detail(eligible)?.arm)
    }

    /// A slate of `k` distinct arms: one joint posterior draw, arms ordered by their sampled
    /// value (best first). Top-two sampling does not apply to slates.
    pub fn choose_k(&mut self, k: usize, eligible: Option<&[usize]>) -> Result<Vec<usize>> {
        self.prepare(eligible)?;
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

    /// A tracked single-arm decision for delayed feedback: reward it with
    /// [`reward`](Self::reward) within the pending horizon.
    pub fn decide(&mut self, eligible: Option<&[usize]>) -> Result<Decision> {
        let arm = self.choose(eligible)?;
        let id = self.pending.issue(&[arm], &[]);
        Ok(Decision { id, arm })
    }

    /// A tracked slate decision: reward it with [`reward_slate`](Self::reward_slate).
    pub fn decide_k(&mut self, k: usize, eligible: Option<&[usize]>) -> Result<SlateDecision> {
        let arms = self.choose_k(k, eligible)?;
        let id = self.pending.issue(&arms, &[]);
        Ok(SlateDecision { id, arms })
    }

    /// The reward of a single-arm decision; returns the arm it updated. Errors (state
    /// unchanged): an id never issued, expired (older than the pending horizon), already
    /// rewarded, a slate decision, an invalid reward.
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
        self.update(arm, reward)?;
        self.pending.close(decision_id);
        Ok(arm)
    }

    /// The rewards of a slate decision, one per position (same order as its arms). All or
    /// nothing, like [`reward`](Self::reward).
    pub fn reward_slate(&mut self, decision_id: u64, rewards: &[f64]) -> Result<()> {
        let arms = self.pending.get(decision_id)?.0.to_vec();
        self.update_batch(&arms, rewards)?;
        self.pending.close(decision_id);
        Ok(())
    }

    /// Number of decisions awaiting their reward (inside the horizon).
    pub fn pending_decisions(&self) -> usize {
        self.pending.open_count()
    }

    /// The id the next tracked decision will get.
    pub fn next_decision_id(&self) -> u64 {
        self.pending.next_id()
    }

    /// Number of updates observed so far (the discount clock).
    pub fn n_updates(&self) -> u64 {
        self.clock
    }

    // ----- insight ------------------------------------------------------------------------

    fn check_arm(&self, arm: usize) -> Result<()> {
        self.arms.check_known("arm", arm, 0)
    }

    /// The sufficient statistics of `arm`, decayed to now.
    pub fn stats(&self, arm: usize) -> Result<M::Stats> {
        self.check_arm(arm)?;
        let mut st = self.stats[arm].clone();
        let f = self.factor(arm);
        if f != 1.0 {
            M::scale(&mut st, f);
        }
        Ok(st)
    }

    /// The posterior of `arm` now.
    pub fn posterior(&self, arm: usize) -> Result<M::Posterior> {
        Ok(self.params.prior.posterior(&self.stats(arm)?))
    }

    /// Posterior mean and central credible interval at `level` (e.g. 0.95) of every arm.
    pub fn summary(&self, level: f64) -> Result<Vec<ArmSummary>> {
        check_level(level)?;
        (0..self.n_arms())
            .map(|arm| {
                let st = self.stats(arm)?;
                let post = self.params.prior.posterior(&st);
                let (lower, upper) = M::interval(&post, level)?;
                Ok(ArmSummary {
                    arm,
                    name: self.arms.names()[arm].clone(),
                    active: self.arms.is_active(arm),
                    n: M::weight(&st),
                    mean: M::mean(&post),
                    lower,
                    upper,
                })
            })
            .collect()
    }

    /// Probability of being best and expected loss of each candidate arm, by `draws` joint
    /// posterior draws from a generator seeded with `seed` (the policy's own stream is not
    /// touched).
    pub fn insight(&self, eligible: Option<&[usize]>, draws: usize, seed: u64) -> Result<Insight> {
        let mut arms = Vec::new();
        self.arms
            .candidates(eligible, &mut Stamps::default(), &mut arms)?;
        let samplers = arms
            .iter()
            .map(|&a| M::sampler(&self.posterior(a)?))
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
        rule: &StoppingRule,
        draws: usize,
        seed: u64,
    ) -> Result<StopDecision> {
        rule.check()?;
        rule.evaluate(&self.insight(None, draws, seed)?)
    }

    // ----- state --------------------------------------------------------------------------

    /// Saves the whole state (parameters, arms, statistics, discount clock, pending decisions,
    /// generator) in the ki3 envelope, kind `"BernoulliTs"` / `"GaussianTs"`, version 1.
    pub fn to_json(&self) -> Result<String> {
        let saved = Saved::<M> {
            params: self.params.clone(),
            arms: (0..self.n_arms())
                .map(|i| SavedArm {
                    name: self.arms.names()[i].clone(),
                    active: self.arms.active_flags()[i],
                    last: self.last[i],
                    stats: self.stats[i].clone(),
                })
                .collect(),
            clock: self.clock,
            rng: rng_to_hex(&self.rng),
            next_decision_id: self.pending.next_id(),
            pending: self.pending.records(),
        };
        persist::to_json(M::KIND, VERSION, &saved)
    }

    /// Loads a state saved by [`to_json`](Self::to_json) (from any binding), validating every
    /// field; anything wrong is [`Ki3Error::Corrupt`]. The loaded policy continues the same
    /// random stream.
    pub fn from_json(text: &str) -> Result<Self> {
        let saved: Saved<M> = persist::from_json(text, M::KIND, VERSION)?;
        let corrupt = |e: Ki3Error| Ki3Error::corrupt(e.to_string());
        saved.params.check().map_err(corrupt)?;
        check_counter("clock", saved.clock)?;
        check_counter("next_decision_id", saved.next_decision_id)?;
        let mut names = Vec::with_capacity(saved.arms.len());
        let mut active = Vec::with_capacity(saved.arms.len());
        let mut stats = Vec::with_capacity(saved.arms.len());
        let mut last = Vec::with_capacity(saved.arms.len());
        for (i, a) in saved.arms.into_iter().enumerate() {
            saved
                .params
                .prior
                .validate(&a.stats)
                .map_err(|r| Ki3Error::corrupt(format!("arm {i}: {r}")))?;
            if a.last > saved.clock {
                return Err(Ki3Error::corrupt(format!(
                    "arm {i}: last update {} after the clock {}",
                    a.last, saved.clock
                )));
            }
            names.push(a.name);
            active.push(a.active);
            stats.push(a.stats);
            last.push(a.last);
        }
        let arms = Arms::new(names, active).map_err(corrupt)?;
        let pending = Pending::from_records(
            saved.params.options.pending_horizon,
            saved.next_decision_id,
            saved.pending,
            arms.len(),
            0,
        )?;
        Ok(ContextFreeTs {
            rng: rng_from_hex(&saved.rng)?,
            params: saved.params,
            arms,
            stats,
            last,
            clock: saved.clock,
            pending,
            scratch: Scratch::default(),
        })
    }

    /// Merges the updates that `other` collected since the common snapshot `base` into `self`
    /// (which also descends from `base`): every arm's statistics become
    /// `self + other − base` — exact for counts, compensated for sums — so the result equals a
    /// single replica that saw both sets of updates. Arms added after `base` must be the same
    /// (same names, same order) in both replicas; an arm retired in either is retired. The
    /// generator and pending decisions of `self` are kept. Requires the same prior and no
    /// discounting (γ = 1) in all three: discounted statistics do not add. On error `self` is
    /// unchanged.
    pub fn merge(&mut self, base: &Self, other: &Self) -> Result<()> {
        for (name, p) in [("base", &base.params), ("other", &other.params)] {
            if p.prior != self.params.prior {
                return Err(Ki3Error::param(name, "has a different prior"));
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
        let empty = M::Stats::default();
        let merged = (0..self.n_arms())
            .map(|i| {
                M::merge(
                    &self.stats[i],
                    base.stats.get(i).unwrap_or(&empty),
                    &other.stats[i],
                )
            })
            .collect::<Result<Vec<_>>>()?;
        for i in 0..self.n_arms() {
            if !other.arms.is_active(i) {
                self.arms.retire(i)?;
            }
        }
        self.stats = merged;
        self.clock = self.clock + other.clock - base.clock;
        Ok(())
    }
}

impl<M: ArmModel> Policy for ContextFreeTs<M> {
    fn n_arms(&self) -> usize {
        self.arms.len()
    }

    fn context_dim(&self) -> usize {
        0
    }

    fn select(&mut self, context: &[f64]) -> Result<usize> {
        check_no_context(context)?;
        self.choose(None)
    }

    fn learn(&mut self, arm: usize, context: &[f64], reward: f64) -> Result<()> {
        check_no_context(context)?;
        self.update(arm, reward)
    }
}

fn check_no_context(context: &[f64]) -> Result<()> {
    if context.is_empty() {
        Ok(())
    } else {
        Err(Ki3Error::LengthMismatch {
            arg: "context".into(),
            got: context.len(),
            expected_arg: "context_dim".into(),
            expected: 0,
        })
    }
}

/// `[observations, ones]` per arm of a batch whose arms are all below `n_arms` and whose rewards
/// are all 0 or 1; `None` otherwise.
fn tally_binary<A: ArmCode, R: RewardValue>(
    arms: &[A],
    rewards: &[R],
    n_arms: usize,
) -> Option<Vec<[u64; 2]>> {
    // Per arm, observations in the low and ones in the high 32 bits of one word (tallied in
    // chunks below 2^32 rows), in four banks (rows round robin) so consecutive rows of one arm
    // do not wait on each other's stores; 0/1 rewards are checked once at the end.
    const BANKS: usize = 4;
    const CHUNK: usize = 1 << 31;
    let mut tally = vec![[0u64; 2]; n_arms];
    let mut banks = vec![0u64; BANKS * n_arms];
    let mut not_binary = 0u64;
    for (arms, rewards) in arms.chunks(CHUNK).zip(rewards.chunks(CHUNK)) {
        let mut add = |bank: usize, a: A, r: R| -> Option<()> {
            let b = r.binary_code();
            let i = a.index().filter(|&i| i < n_arms)?;
            let word = &mut banks[bank * n_arms + i];
            *word = word.wrapping_add(1 | (b << 32));
            not_binary |= b >> 1;
            Some(())
        };
        let mut a4 = arms.chunks_exact(BANKS);
        let mut r4 = rewards.chunks_exact(BANKS);
        for (a, r) in (&mut a4).zip(&mut r4) {
            for b in 0..BANKS {
                add(b, a[b], r[b])?;
            }
        }
        for (&a, &r) in a4.remainder().iter().zip(r4.remainder()) {
            add(0, a, r)?;
        }
        for (b, word) in banks.iter_mut().enumerate() {
            let t = &mut tally[b % n_arms];
            t[0] += *word & 0xFFFF_FFFF;
            t[1] += *word >> 32;
            *word = 0;
        }
    }
    (not_binary == 0).then_some(tally)
}
