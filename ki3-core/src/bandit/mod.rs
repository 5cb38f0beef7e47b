//! Thompson-sampling bandits.
//!
//! Policies:
//! - [`BernoulliTs`]: rewards in [0, 1], Beta(α, β) prior per arm ([`BetaPrior`]).
//! - [`GaussianTs`]: continuous rewards, unknown mean and variance per arm, Normal–Inverse-Gamma
//!   prior ([`NigPrior`]).
//! - [`LinearTs`]: contextual linear Thompson sampling (Agrawal & Goyal 2013), one ridge model
//!   per arm, rank-one Cholesky updates.
//!
//! Every policy follows the Params → build → policy pattern (`BernoulliTsParams::default()
//! .discount(0.99).top_two(0.5).seed(7).build(5)?`) and has the same
//! [`PolicyOptions`]: discounting for non-stationary arms, top-two sampling (Russo 2016),
//! eligible subsets, slates of `k` distinct arms, adding and retiring arms, and delayed feedback
//! (`decide` → [`Decision`] id, later `reward(id, value)`, expiring after a horizon of later
//! decisions).
//!
//! Arms are addressed by index in the core (stable: retiring keeps the index, adding appends);
//! each arm also has a unique name stored in the saved state so bindings can expose names
//! (`arm_index(name)`, `arm_names()`).
//!
//! Batch updates (`update_batch`) take arm indices of any integer type and rewards of any
//! numeric type ([`ArmCode`], [`RewardValue`]), so bindings pass numpy / typed-array columns as
//! they are; an undiscounted Bernoulli batch of 0/1 rewards is tallied per arm, with exactly the
//! state that single updates give.
//!
//! Feedback is validated before anything changes: a rejected update or batch (reward outside
//! [0, 1] for Bernoulli, NaN, unknown arm, wrong context length) leaves the state as it was.
//!
//! Insight: posterior mean and central credible interval per arm (`summary`), Monte Carlo
//! probability of being best and expected loss (`insight`), and a [`StoppingRule`].
//!
//! State: `to_json` / `from_json` in the ki3 envelope (kinds `"BernoulliTs"`, `"GaussianTs"`,
//! `"LinearTs"`, version 1) including the generator, so a loaded copy makes the same decisions;
//! `merge(base, other)` adds the updates two replicas collected since a common snapshot.
//!
//! Evaluation: [`simulate_bernoulli`] (regret against uniform allocation on known, optionally
//! drifting, rates) and [`replay`] (offline evaluation on logged uniform-random data).

mod columns;
mod common;
mod context_free;
mod engine;
mod eval;
mod linear;
mod models;
mod serving;

pub use columns::{ArmCode, RewardValue};
pub use common::{
    ArmSummary, BanditRng, Choice, DEFAULT_DRAWS, DEFAULT_INSIGHT_SEED, DEFAULT_LEVEL,
    DEFAULT_PENDING_HORIZON, DEFAULT_STOP_PROB_BEST, DEFAULT_TOP_TWO_MAX_RESAMPLES, Decision,
    Insight, MAX_ARMS, MAX_COUNTER, MAX_LINEAR_CELLS, MAX_PENDING_HORIZON, MAX_TOP_TWO_RESAMPLES,
    Policy, PolicyOptions, PosteriorDraw, ServingPolicy, SlateDecision, StopDecision, StoppingRule,
    context_for,
};
pub use context_free::{
    BernoulliTs, BernoulliTsParams, ContextFreeTs, GaussianTs, GaussianTsParams, TsParams,
};
pub use eval::{
    BernoulliEnv, Drift, MAX_SIMULATION_STEPS, ReplayResult, Simulation, UniformRandom,
    check_steps, replay, replay_with, simulate_bernoulli, simulate_bernoulli_with,
};
pub use linear::{LinearTs, LinearTsParams, MAX_ABS_INPUT, MAX_DIM};
pub use models::{
    ArmModel, BetaPosterior, BetaPrior, BetaSampler, BetaStats, NigPosterior, NigPrior, NigSampler,
    NormalSampler, NormalStats,
};
pub use serving::{AnyPolicy, defaults};
