//! `simulate` and `replay` (and their `...Async` twins): the core's bandit evaluators, run on a
//! copy of the policy (the object passed in is never changed).

use ki3_core::Ki3Error;
use ki3_core::bandit::{self as cb, AnyPolicy, BernoulliEnv, Drift};
use ki3_core::progress::{CancelToken, Progress};
use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use ndarray::ArrayView2;

use crate::bandit::{
    BernoulliTS, BernoulliTSOptions, GaussianTS, Integer, LinearTS, Numbers, string_list,
};
use crate::columns::{Float64Column, Kind, classify};
use crate::error::{IntoNapi, bad_value, to_napi};
use crate::{convert_arg, take_job};

type CoreResult<T> = std::result::Result<T, Ki3Error>;

/// How the true rates of `simulate` change over the run.
#[napi(object, object_to_js = false)]
pub struct RateDrift {
    /// "switch": the rates become `rates` from step `at` (0-based) on; "linear": they move
    /// linearly from the initial rates at step 0 to `rates` at the last step.
    #[napi(ts_type = "'switch' | 'linear'")]
    pub kind: String,
    /// First step with the new rates ("switch" only).
    pub at: Option<f64>,
    /// The new rates, one per arm.
    #[napi(ts_type = "number[] | Float64Array")]
    pub rates: Numbers,
}

/// Options of `simulate`.
#[napi(object, object_to_js = false)]
pub struct SimulateOptions {
    /// True success rate of each arm, in [0, 1] (one per arm of the policy).
    #[napi(ts_type = "number[] | Float64Array")]
    pub rates: Numbers,
    /// Number of steps (at most the core's step cap; more is an error).
    pub steps: f64,
    /// Seed of the simulated rewards (the policy keeps its own random stream).
    #[napi(ts_type = "number | bigint")]
    pub seed: Integer,
    /// Drift of the true rates (default: fixed rates).
    pub drift: Option<RateDrift>,
}

/// One simulated run: per step, the arm played (index into `arms`), the 0/1 reward and the
/// cumulative pseudo-regret of the policy and of uniform allocation.
#[napi(object, object_from_js = false)]
pub struct SimulationResult {
    /// The policy's arm names (`choices` index them).
    pub arms: Vec<String>,
    /// The arm played at each step.
    pub choices: Uint32Array,
    /// The observed reward (0 or 1) at each step.
    pub rewards: Float64Array,
    /// Cumulative pseudo-regret `Σ (max_a p_a − p_played)` after each step.
    pub regret: Float64Array,
    /// Cumulative expected regret of uniform allocation after each step.
    pub uniform_regret: Float64Array,
}

/// A log of uniformly random decisions for `replay`.
#[napi(object, object_to_js = false)]
pub struct ReplayLog<'a> {
    /// The logged arm of each event: names, or indices into the policy's `arms`.
    #[napi(ts_type = "string[] | Uint32Array")]
    pub arms: ArmColumn,
    /// The logged reward of each event.
    #[napi(ts_type = "Float64Array")]
    pub rewards: Float64Column<'a>,
    /// `LinearTS`: the contexts, row-major `events × nFeatures`.
    #[napi(ts_type = "Float64Array")]
    pub contexts: Option<Float64Column<'a>>,
}

/// Offline replay estimate of the policy's per-step reward.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct ReplayResult {
    /// Number of logged events.
    pub events: f64,
    /// Events where the policy chose the logged arm (the evaluation sample).
    pub matched: f64,
    /// Mean reward over the matched events (null when none matched).
    pub mean_reward: Option<f64>,
    /// Its standard error (null below two matches).
    pub std_error: Option<f64>,
}

/// Logged arms: names or indices (copied; resolved against the policy later).
pub enum ArmColumn {
    Names(Vec<String>),
    Indices(Vec<u32>),
}

impl TypeName for ArmColumn {
    fn type_name() -> &'static str {
        "string[] | Uint32Array"
    }

    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl FromNapiValue for ArmColumn {
    unsafe fn from_napi_value(env: sys::napi_env, v: sys::napi_value) -> Result<Self> {
        // SAFETY (all calls): `v` is a live handle of the current call, of the checked kind.
        match unsafe { classify(env, v) }? {
            Kind::Typed(TypedArrayType::Uint32) => Ok(ArmColumn::Indices(
                unsafe { Uint32ArraySlice::from_napi_value(env, v) }?.to_vec(),
            )),
            Kind::Array => Ok(ArmColumn::Names(unsafe { string_list(env, v) }?)),
            kind => Err(Error::new(
                Status::InvalidArg,
                format!(
                    "expected arm names (string[]) or indices (Uint32Array), got {}",
                    crate::columns::describe(&kind)
                ),
            )),
        }
    }
}

/// The policy argument: a copy of a `BernoulliTS` / `GaussianTS` / `LinearTS`, or a new
/// `BernoulliTS` built from options.
fn policy_arg(env: &Env, v: Unknown) -> Result<AnyPolicy> {
    let (e, raw) = (env.raw(), v.raw());
    let ty = v.get_type()?;
    if ty == ValueType::Object {
        // SAFETY (all three): a live object handle of this call's scope; the class instance is
        // only read (cloned) on the JS thread, and the type tag check rejects other classes.
        if let Ok(p) = unsafe { ClassInstance::<BernoulliTS>::from_napi_value(e, raw) } {
            return Ok(AnyPolicy::Bernoulli(p.core()?.clone()));
        }
        if let Ok(p) = unsafe { ClassInstance::<GaussianTS>::from_napi_value(e, raw) } {
            return Ok(AnyPolicy::Gaussian(p.core()?.clone()));
        }
        if let Ok(p) = unsafe { ClassInstance::<LinearTS>::from_napi_value(e, raw) } {
            return Ok(AnyPolicy::Linear(p.core()?.clone()));
        }
        let o: BernoulliTSOptions = convert_arg(env, v, "policy")?;
        return o.build().map(AnyPolicy::Bernoulli).napi();
    }
    Err(Error::new(
        Status::InvalidArg,
        format!(
            "policy: expected a BernoulliTS, GaussianTS or LinearTS, or BernoulliTS options, got {}",
            format!("{ty:?}").to_lowercase()
        ),
    ))
}

/// Progress and cancellation of an `...Async` call.
#[napi(object, object_to_js = false)]
pub struct AsyncControl<'a> {
    /// Aborts the call: the promise rejects with an `Error` whose `name` is "AbortError" and
    /// `code` "Cancelled" (at once when the signal is already aborted).
    #[napi(ts_type = "AbortSignal")]
    pub signal: Option<Object<'a>>,
    /// Called on the event loop with `(done, total)` while the work runs (rate-limited by the
    /// core) and once at the end.
    #[napi(ts_type = "(done: number, total: number) => void")]
    pub on_progress: Option<ProgressFn>,
}

/// The JS progress callback, callable from the thread pool.
type ProgressFn = ThreadsafeFunction<FnArgs<(f64, f64)>, (), FnArgs<(f64, f64)>, Status, false>;

/// What an async task reports to and is stopped by.
#[derive(Default)]
pub struct Control {
    token: CancelToken,
    on_progress: Option<ProgressFn>,
}

impl Control {
    /// Runs `f` with the core's [`Progress`] for this control; `Cancelled` at once when the
    /// signal was aborted before the work started.
    fn run<T>(&self, f: impl FnOnce(&Progress<'_>) -> CoreResult<T>) -> CoreResult<T> {
        if self.token.is_cancelled() {
            return Err(Ki3Error::Cancelled);
        }
        let report = |done: u64, total: u64| {
            if let Some(cb) = &self.on_progress {
                // A full or closing queue drops this report; the next one follows.
                let _ = cb.call(
                    (done as f64, total as f64).into(),
                    ThreadsafeFunctionCallMode::NonBlocking,
                );
            }
        };
        let progress = Progress::none().cancel(&self.token);
        let progress = if self.on_progress.is_some() {
            progress.callback(&report)
        } else {
            progress
        };
        f(&progress)
    }
}

/// The third argument of the `...Async` calls: the [`Control`] and the napi-rs signal that
/// cancels work not yet started.
fn control_arg(env: &Env, v: Option<Unknown>) -> Result<(Control, Option<AbortSignal>)> {
    let Some(v) = v else {
        return Ok((Control::default(), None));
    };
    if matches!(v.get_type()?, ValueType::Undefined | ValueType::Null) {
        return Ok((Control::default(), None));
    }
    let o: AsyncControl = convert_arg(env, v, "control")?;
    let control = Control {
        token: CancelToken::new(),
        on_progress: o.on_progress,
    };
    let Some(signal) = o.signal else {
        return Ok((control, None));
    };
    let not_a_signal = || {
        Error::new(
            Status::InvalidArg,
            "control.signal: expected an AbortSignal",
        )
    };
    let aborted: Option<bool> = signal
        .get_named_property("aborted")
        .map_err(|_| not_a_signal())?;
    let Some(aborted) = aborted else {
        return Err(not_a_signal());
    };
    // SAFETY: `signal` is a live object handle of this call's scope on the JS thread; napi-rs
    // checks that it can wrap it as an AbortSignal.
    let abort = unsafe { AbortSignal::from_napi_value(env.raw(), signal.raw()) }
        .map_err(|e| Error::new(Status::InvalidArg, format!("control.signal: {}", e.reason)))?;
    if aborted {
        control.token.cancel();
    }
    let token = control.token.clone();
    abort.on_abort(move || token.cancel());
    Ok((control, Some(abort)))
}

/// A rejection for a failed async task: cancelled work becomes an `AbortError` (code
/// "Cancelled"), other errors pass unchanged.
fn reject_error(env: &Env, err: Error) -> Error {
    if err.status != Status::Cancelled {
        return err;
    }
    let made = env.create_error(err).and_then(|mut e| {
        e.set_named_property("name", "AbortError")?;
        Ok(Error::from(e.to_unknown()))
    });
    made.unwrap_or_else(|e| e)
}

struct SimulateArgs {
    env: BernoulliEnv,
    steps: usize,
    seed: u64,
}

/// A non-negative integer count or step from JS (`arg` names it in errors); values beyond
/// `usize` saturate, so the core's caps reject them.
fn count_arg(arg: &str, v: f64) -> CoreResult<usize> {
    if v.fract() == 0.0 && v >= 0.0 {
        // `as` saturates: a huge count stays huge and meets the core's cap.
        Ok(v as usize)
    } else {
        Err(Ki3Error::param(
            arg,
            format!("must be a non-negative integer, got {v}"),
        ))
    }
}

fn simulate_args(o: SimulateOptions) -> CoreResult<SimulateArgs> {
    let steps = count_arg("steps", o.steps)?;
    cb::check_steps(steps)?;
    let drift = match o.drift {
        None => Drift::None,
        Some(d) => {
            let at = d.at.map(|at| count_arg("drift.at", at)).transpose()?;
            Drift::from_parts(Some(d.kind.as_str()), at, Some(d.rates.0))?
        }
    };
    let env = BernoulliEnv::new(o.rates.0).with_drift(drift);
    env.check()?;
    Ok(SimulateArgs {
        env,
        steps,
        seed: o.seed.resolve("seed")?,
    })
}

pub struct SimulateOut {
    arms: Vec<String>,
    sim: cb::Simulation,
}

fn run_simulate(
    mut policy: AnyPolicy,
    a: &SimulateArgs,
    progress: &Progress<'_>,
) -> CoreResult<SimulateOut> {
    let sim = cb::simulate_bernoulli_with(&mut policy, &a.env, a.steps, a.seed, progress)?;
    Ok(SimulateOut {
        arms: policy.as_dyn().arm_names().to_vec(),
        sim,
    })
}

fn simulation_to_js(out: SimulateOut) -> SimulationResult {
    let s = out.sim;
    SimulationResult {
        arms: out.arms,
        choices: Uint32Array::new(
            s.choices
                .iter()
                .map(|&c| u32::try_from(c).unwrap_or(u32::MAX))
                .collect(),
        ),
        rewards: Float64Array::new(s.rewards),
        regret: Float64Array::new(s.regret),
        uniform_regret: Float64Array::new(s.uniform_regret),
    }
}

fn simulate_job(env: &Env, policy: Unknown, options: Unknown) -> Result<(AnyPolicy, SimulateArgs)> {
    let policy = policy_arg(env, policy)?;
    let options: SimulateOptions = convert_arg(env, options, "options")?;
    Ok((policy, simulate_args(options).napi()?))
}

/// Runs a copy of the policy (a `BernoulliTS` / `GaussianTS`, or `BernoulliTS` options) for
/// `steps` steps on Bernoulli arms with known rates: at each step it chooses, a 0/1 reward is
/// drawn, and it learns. The policy passed in is not changed.
#[napi(
    ts_args_type = "policy: BernoulliTS | GaussianTS | BernoulliTSOptions, options: SimulateOptions",
    ts_return_type = "SimulationResult"
)]
pub fn simulate(env: Env, policy: Unknown, options: Unknown) -> Result<SimulationResult> {
    let (policy, args) = simulate_job(&env, policy, options)?;
    run_simulate(policy, &args, &Progress::none())
        .map(simulation_to_js)
        .napi()
}

/// Runs `simulate` on the libuv thread pool.
pub struct SimulateTask {
    job: Option<Result<(AnyPolicy, SimulateArgs)>>,
    control: Control,
}

#[napi]
impl Task for SimulateTask {
    type Output = SimulateOut;
    type JsValue = SimulationResult;

    fn compute(&mut self) -> Result<Self::Output> {
        let (policy, args) = take_job(&mut self.job)?;
        self.control
            .run(|p| run_simulate(policy, &args, p))
            .map_err(to_napi)
    }

    fn resolve(&mut self, _env: Env, out: Self::Output) -> Result<Self::JsValue> {
        Ok(simulation_to_js(out))
    }

    fn reject(&mut self, env: Env, err: Error) -> Result<Self::JsValue> {
        Err(reject_error(&env, err))
    }
}

/// `simulate` off the event loop (every error rejects the promise). `control.signal` aborts
/// it, `control.onProgress(done, total)` follows it (one unit per step).
#[napi(
    ts_args_type = "policy: BernoulliTS | GaussianTS | BernoulliTSOptions, options: SimulateOptions, control?: AsyncControl",
    ts_return_type = "Promise<SimulationResult>"
)]
pub fn simulate_async(
    env: Env,
    policy: Unknown,
    options: Unknown,
    control: Option<Unknown>,
) -> AsyncTask<SimulateTask> {
    let job = simulate_job(&env, policy, options);
    let (job, control, signal) = with_control(&env, job, control);
    AsyncTask::with_optional_signal(SimulateTask { job, control }, signal)
}

/// Reads the control argument; a bad one becomes the job's error (the promise rejects).
fn with_control<T>(
    env: &Env,
    job: Result<T>,
    control: Option<Unknown>,
) -> (Option<Result<T>>, Control, Option<AbortSignal>) {
    match control_arg(env, control) {
        Ok((control, signal)) => (Some(job), control, signal),
        Err(e) => (Some(Err(e)), Control::default(), None),
    }
}

struct ReplayArgs {
    arms: Vec<usize>,
    rewards: Vec<f64>,
    contexts: Option<Vec<f64>>,
}

fn replay_job(env: &Env, policy: Unknown, log: Unknown) -> Result<(AnyPolicy, ReplayArgs)> {
    let policy = policy_arg(env, policy)?;
    let log: ReplayLog = convert_arg(env, log, "log")?;
    let core = policy.as_dyn();
    let arms = match &log.arms {
        ArmColumn::Indices(idx) => idx.iter().map(|&i| i as usize).collect(),
        ArmColumn::Names(names) => names
            .iter()
            .enumerate()
            .map(|(row, n)| {
                core.arm_index(n)
                    .map_err(|_| to_napi(bad_value("arms", row, format!("no arm named {n:?}"))))
            })
            .collect::<Result<Vec<usize>>>()?,
    };
    let contexts = match (core.context_dim(), &log.contexts) {
        (0, None) => None,
        (0, Some(c)) if c.as_slice().is_empty() => None,
        (0, Some(_)) => {
            return Err(to_napi(Ki3Error::param(
                "contexts",
                "this policy is context-free: pass no contexts",
            )));
        }
        (d, None) => {
            return Err(to_napi(Ki3Error::param(
                "contexts",
                format!(
                    "required: LinearTS replays a Float64Array of events × nFeatures = {d} contexts"
                ),
            )));
        }
        (_, Some(c)) => Some(c.as_slice().to_vec()),
    };
    Ok((
        policy,
        ReplayArgs {
            arms,
            rewards: log.rewards.as_slice().to_vec(),
            contexts,
        },
    ))
}

fn run_replay(
    mut policy: AnyPolicy,
    a: &ReplayArgs,
    progress: &Progress<'_>,
) -> CoreResult<cb::ReplayResult> {
    let d = policy.as_dyn().context_dim();
    let n = a.arms.len();
    let view = match &a.contexts {
        None => None,
        Some(c) => {
            Some(
                ArrayView2::from_shape((n, d), c).map_err(|_| Ki3Error::LengthMismatch {
                    arg: "contexts".into(),
                    got: c.len(),
                    expected_arg: "events × nFeatures".into(),
                    expected: n.saturating_mul(d),
                })?,
            )
        }
    };
    cb::replay_with(&mut policy, &a.arms, &a.rewards, view, progress)
}

fn replay_to_js(r: cb::ReplayResult) -> ReplayResult {
    ReplayResult {
        events: r.events as f64,
        matched: r.matched as f64,
        mean_reward: r.mean_reward,
        std_error: r.std_error,
    }
}

/// Offline replay evaluation (Li et al. 2011) of a copy of the policy on a log of uniformly
/// random decisions: an event counts, and the policy learns it, when the policy picks the
/// logged arm. The policy passed in is not changed.
#[napi(
    ts_args_type = "policy: BernoulliTS | GaussianTS | LinearTS | BernoulliTSOptions, log: ReplayLog",
    ts_return_type = "ReplayResult"
)]
pub fn replay(env: Env, policy: Unknown, log: Unknown) -> Result<ReplayResult> {
    let (policy, args) = replay_job(&env, policy, log)?;
    run_replay(policy, &args, &Progress::none())
        .map(replay_to_js)
        .napi()
}

/// Runs `replay` on the libuv thread pool.
pub struct ReplayTask {
    job: Option<Result<(AnyPolicy, ReplayArgs)>>,
    control: Control,
}

#[napi]
impl Task for ReplayTask {
    type Output = cb::ReplayResult;
    type JsValue = ReplayResult;

    fn compute(&mut self) -> Result<Self::Output> {
        let (policy, args) = take_job(&mut self.job)?;
        self.control
            .run(|p| run_replay(policy, &args, p))
            .map_err(to_napi)
    }

    fn resolve(&mut self, _env: Env, out: Self::Output) -> Result<Self::JsValue> {
        Ok(replay_to_js(out))
    }

    fn reject(&mut self, env: Env, err: Error) -> Result<Self::JsValue> {
        Err(reject_error(&env, err))
    }
}

/// `replay` off the event loop (every error rejects the promise). `control.signal` aborts it,
/// `control.onProgress(done, total)` follows it (one unit per logged event).
#[napi(
    ts_args_type = "policy: BernoulliTS | GaussianTS | LinearTS | BernoulliTSOptions, log: ReplayLog, control?: AsyncControl",
    ts_return_type = "Promise<ReplayResult>"
)]
pub fn replay_async(
    env: Env,
    policy: Unknown,
    log: Unknown,
    control: Option<Unknown>,
) -> AsyncTask<ReplayTask> {
    let job = replay_job(&env, policy, log);
    let (job, control, signal) = with_control(&env, job, control);
    AsyncTask::with_optional_signal(ReplayTask { job, control }, signal)
}
