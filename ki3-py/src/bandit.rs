//! Thompson-sampling bandits: native state of `ki3.bandit.BernoulliTS`, `GaussianTS` and
//! `LinearTS`.
//!
//! Each class holds its core policy behind a `Mutex`, so concurrent calls from Python threads
//! are serialised (never rejected). The lock is only ever taken either with the GIL released
//! (`py.detach`) or by a non-blocking `try_lock` while attached, so the two locks cannot
//! deadlock: the only code that attaches while holding it is the progress hook of long runs
//! ([`interruptible`]), which checks signals and calls the Python layer's progress bar, never
//! a policy. Single calls address arms by name; batch
//! calls take arm indices, which the Python layer gets from `arm_indices` (numpy unicode
//! columns, looked up row by row here) or from `arm_index` once per distinct name.

use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};

use ki3_core::Ki3Error;
use ki3_core::bandit::{
    ArmCode, ArmModel, BernoulliEnv, BetaPrior, ContextFreeTs, Drift, Insight, LinearTs,
    LinearTsParams, NigPrior, PolicyOptions, ReplayResult, RewardValue, ServingPolicy,
    StopDecision, StoppingRule, TsParams, replay_with, simulate_bernoulli_with,
};
use ki3_core::progress::{CancelToken, Progress};
use numpy::ndarray::ArrayView2;
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::arm_names::PaddedNames;
use crate::batch::{ArmColumn, ArmSink, BatchSink, RewardColumn, with_arms, with_columns};
use crate::errors::{invalid, to_pyerr};
use crate::events::slice;

type CoreResult<T> = ki3_core::Result<T>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs a cheap `f` on the locked state: attached when the lock is free, otherwise waiting for
/// it with the GIL released.
fn quick<T: Send, R: Send>(py: Python<'_>, m: &Mutex<T>, f: impl FnOnce(&mut T) -> R + Send) -> R {
    match m.try_lock() {
        Ok(mut g) => f(&mut g),
        Err(TryLockError::Poisoned(p)) => f(&mut p.into_inner()),
        Err(TryLockError::WouldBlock) => py.detach(|| f(&mut lock(m))),
    }
}

/// Most arms for which a Thompson choice runs attached (a draw per arm: beyond this, the GIL is
/// released).
const ATTACHED_ARMS: usize = 64;

/// Runs a serving call `f`: like [`quick`] on a context-free policy of up to
/// [`ATTACHED_ARMS`] arms, detached otherwise (more arms, or the linear policy's matrix work).
fn sampled<P: ServingPolicy, R: Send>(
    py: Python<'_>,
    m: &Mutex<P>,
    f: impl FnOnce(&mut P) -> R + Send,
) -> R {
    match m.try_lock() {
        Ok(mut g) if g.context_dim() == 0 && g.n_arms() <= ATTACHED_ARMS => f(&mut g),
        Ok(g) => {
            drop(g);
            detached(py, m, f)
        }
        Err(TryLockError::Poisoned(p)) => f(&mut p.into_inner()),
        Err(TryLockError::WouldBlock) => detached(py, m, f),
    }
}

/// Runs `f` on the locked state with the GIL released.
fn detached<T: Send, R: Send>(
    py: Python<'_>,
    m: &Mutex<T>,
    f: impl FnOnce(&mut T) -> R + Send,
) -> R {
    py.detach(|| f(&mut lock(m)))
}

/// Runs long work `f` on the locked state with the GIL released, reporting to the core's
/// [`Progress`]. At each progress report (every ~50 ms, and at the end) it re-attaches, checks
/// for signals (`py.check_signals()`, so Ctrl-C lands within a report interval) and calls
/// `progress(done, total)` when given. A signal handler's exception (`KeyboardInterrupt`) or
/// the callback's cancels the work (the core leaves the policy unchanged) and is raised.
fn interruptible<T: Send, R: Send>(
    py: Python<'_>,
    m: &Mutex<T>,
    progress: Option<Py<PyAny>>,
    f: impl FnOnce(&mut T, &Progress<'_>) -> CoreResult<R> + Send,
) -> PyResult<R> {
    let token = CancelToken::new();
    let pending: Mutex<Option<PyErr>> = Mutex::new(None);
    let report = |done: u64, total: u64| {
        Python::attach(|py| {
            let checked = py.check_signals().and_then(|()| match &progress {
                Some(cb) => cb.call1(py, (done, total)).map(drop),
                None => Ok(()),
            });
            if let Err(e) = checked {
                lock(&pending).get_or_insert(e);
                token.cancel();
            }
        })
    };
    let hooks = Progress::none().cancel(&token).callback(&report);
    let out = py.detach(|| f(&mut lock(m), &hooks));
    let raised = pending.into_inner().unwrap_or_else(PoisonError::into_inner);
    match (out, raised) {
        // An interrupt that arrived with the last report is not lost.
        (_, Some(e)) => Err(e),
        (Ok(r), None) => Ok(r),
        (Err(e), None) => Err(to_pyerr(e)),
    }
}

/// A batch update of a context-free policy, run with the GIL released.
struct ContextFreeBatch<'a, 'py, M: ArmModel>(Python<'py>, &'a Mutex<ContextFreeTs<M>>);

impl<M: ArmModel> BatchSink for ContextFreeBatch<'_, '_, M> {
    type Output = ();
    fn run<A: ArmCode + Sync, R: RewardValue + Sync>(
        self,
        arms: &[A],
        rewards: &[R],
    ) -> PyResult<()> {
        let ContextFreeBatch(py, policy) = self;
        detached(py, policy, |ts| ts.update_batch(arms, rewards)).map_err(to_pyerr)
    }
}

/// A batch update of a `LinearTs`, run with the GIL released.
struct LinearBatch<'a, 'py> {
    py: Python<'py>,
    policy: &'a Mutex<LinearTs>,
    contexts: ArrayView2<'a, f64>,
    rewards: &'a [f64],
}

impl ArmSink for LinearBatch<'_, '_> {
    type Output = ();
    fn run<A: ArmCode + Sync>(self, arms: &[A]) -> PyResult<()> {
        let LinearBatch {
            py,
            policy,
            contexts,
            rewards,
        } = self;
        detached(py, policy, |ts| ts.update_batch(arms, contexts, rewards)).map_err(to_pyerr)
    }
}

/// The name of arm index `arm`.
fn name_of(names: &[String], arm: usize) -> CoreResult<String> {
    names
        .get(arm)
        .cloned()
        .ok_or_else(|| Ki3Error::param("arm", format!("unknown arm {arm}")))
}

/// Names of arm indices.
fn names_of(names: &[String], arms: &[usize]) -> CoreResult<Vec<String>> {
    arms.iter().map(|&a| name_of(names, a)).collect()
}

/// The context of a call as the core takes it (`None`: not given).
fn context_arg<'a>(context: Option<&'a PyReadonlyArray1<'_, f64>>) -> PyResult<Option<&'a [f64]>> {
    context.map(|c| slice(c, "context")).transpose()
}

/// Indices of the eligible arm names.
fn eligible_indices(
    eligible: Option<&[String]>,
    index: impl Fn(&str) -> CoreResult<usize>,
) -> CoreResult<Option<Vec<usize>>> {
    eligible
        .map(|e| e.iter().map(|n| index(n)).collect())
        .transpose()
}

fn stopping_rule(prob_best: Option<f64>, expected_loss: Option<f64>) -> StoppingRule {
    StoppingRule {
        prob_best,
        expected_loss,
    }
}

/// `(names, prob_best, expected_loss)` of an insight.
type InsightOut<'py> = (
    Vec<String>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
);

fn insight_out<'py>(
    py: Python<'py>,
    names: &[String],
    ins: Insight,
) -> CoreResult<InsightOut<'py>> {
    Ok((
        names_of(names, &ins.arms)?,
        ins.prob_best.into_pyarray(py),
        ins.expected_loss.into_pyarray(py),
    ))
}

/// `(stop, best_arm, prob_best, expected_loss)` of a stopping decision.
fn stop_out(names: &[String], s: StopDecision) -> CoreResult<(bool, String, f64, f64)> {
    Ok((
        s.stop,
        name_of(names, s.best_arm)?,
        s.prob_best,
        s.expected_loss,
    ))
}

/// Summary columns: names, n, mean, lower, upper, active.
type SummaryOut<'py> = (
    Vec<String>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<bool>>,
);

fn summary_out(py: Python<'_>, rows: Vec<ki3_core::bandit::ArmSummary>) -> SummaryOut<'_> {
    let col = |f: fn(&ki3_core::bandit::ArmSummary) -> f64| {
        rows.iter().map(f).collect::<Vec<_>>().into_pyarray(py)
    };
    (
        rows.iter().map(|r| r.name.clone()).collect(),
        col(|r| r.n),
        col(|r| r.mean),
        col(|r| r.lower),
        col(|r| r.upper),
        rows.iter()
            .map(|r| r.active)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )
}

/// `(events, matched, mean_reward, std_error)` of a replay.
type ReplayOut = (usize, usize, Option<f64>, Option<f64>);

fn replay_out(r: ReplayResult) -> ReplayOut {
    (r.events, r.matched, r.mean_reward, r.std_error)
}

/// The core `Drift` from the Python arguments: `None`, `"switch"` (with `at`) or `"linear"`.
fn drift(kind: Option<&str>, at: usize, rates: Option<Vec<f64>>) -> PyResult<Drift> {
    Drift::from_parts(kind, Some(at), rates).map_err(to_pyerr)
}

/// The core's defaults of every public class and function, `"Class.method.param" → value` (`"new"` is the
/// constructor): the Python layer's signatures read them from here.
#[pyfunction]
pub fn core_defaults(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let out = PyDict::new(py);
    for (key, value) in ki3_core::defaults::defaults() {
        out.set_item(key, json_to_py(py, &value)?)?;
    }
    Ok(out)
}

/// A JSON number, list or null as a Python object.
fn json_to_py<'py>(py: Python<'py>, value: &serde_json::Value) -> PyResult<Bound<'py, PyAny>> {
    use serde_json::Value;
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => pyo3::types::PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => u.into_pyobject(py)?.into_any(),
            (None, Some(i)) => i.into_pyobject(py)?.into_any(),
            _ => n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
        },
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        other => other.to_string().into_pyobject(py)?.into_any(),
    })
}

/// Indices into `names` of a numpy fixed-width unicode column (`dtype "<U{w}"`, viewed as a
/// C-contiguous `n × w` array of UCS-4 code points, NUL-padded). An unknown name is an error
/// naming its row.
#[pyfunction]
pub fn arm_indices<'py>(
    py: Python<'py>,
    names: Vec<String>,
    chars: PyReadonlyArray2<'py, u32>,
) -> PyResult<Bound<'py, PyArray1<u32>>> {
    let width = chars.as_array().ncols();
    let flat = chars
        .as_slice()
        .map_err(|_| invalid("arms", "array must be contiguous"))?;
    let codes = py.detach(|| PaddedNames::new(&names, width).indices(flat));
    Ok(codes.map_err(to_pyerr)?.into_pyarray(py))
}

// ---------------------------------------------------------------------------------------------
// Context-free policies

/// How the Python constructor's `prior` tuple maps to a model's prior.
pub trait PriorArgs: ArmModel + Default {
    /// Parameters with the prior given as a flat list of numbers (`None`: the core default).
    fn params(prior: Option<&[f64]>) -> CoreResult<TsParams<Self>> {
        match prior {
            None => Ok(TsParams::default()),
            Some(p) => Self::given(p),
        }
    }
    /// Parameters with a given prior.
    fn given(prior: &[f64]) -> CoreResult<TsParams<Self>>;
    /// The prior as a flat list of numbers.
    fn values(&self) -> Vec<f64>;
}

fn prior_len(prior: &[f64], n: usize, names: &str) -> CoreResult<()> {
    if prior.len() == n {
        Ok(())
    } else {
        Err(Ki3Error::param(
            "prior",
            format!("expected {n} numbers ({names}), got {}", prior.len()),
        ))
    }
}

impl PriorArgs for BetaPrior {
    fn given(prior: &[f64]) -> CoreResult<TsParams<Self>> {
        prior_len(prior, 2, "alpha, beta")?;
        Ok(TsParams::<BetaPrior>::default().prior(prior[0], prior[1]))
    }

    fn values(&self) -> Vec<f64> {
        vec![self.alpha, self.beta]
    }
}

impl PriorArgs for NigPrior {
    fn given(prior: &[f64]) -> CoreResult<TsParams<Self>> {
        prior_len(prior, 4, "mean, kappa, alpha, beta")?;
        Ok(TsParams::<NigPrior>::default().prior(prior[0], prior[1], prior[2], prior[3]))
    }

    fn values(&self) -> Vec<f64> {
        vec![self.mean, self.kappa, self.alpha, self.beta]
    }
}

/// Builds a context-free policy from the constructor arguments (`None`: the core default).
fn build_context_free<M: PriorArgs>(
    arms: &[String],
    prior: Option<&[f64]>,
    options: PolicyOptions,
) -> CoreResult<ContextFreeTs<M>> {
    M::params(prior)?.options(options).build_named(arms)
}

/// Defines a native bandit class `$ty` (Python name `$name`) over the core policy `$core`: the
/// struct (the policy behind a mutex), and one `#[pymethods]` block with the class's own
/// methods (`$own`) and the methods every policy shares (arm registry, option getters, JSON,
/// merge, copy).
macro_rules! bandit_class {
    ($ty:ident, $name:literal, $core:ty, $doc:expr, { $($own:tt)* }) => {
        #[doc = $doc]
        #[pyclass(module = "ki3._ki3", name = $name, frozen)]
        pub struct $ty {
            inner: Mutex<$core>,
        }

        impl $ty {
            pub(crate) fn wrap(inner: $core) -> Self {
                $ty {
                    inner: Mutex::new(inner),
                }
            }

            fn snapshot(&self, py: Python<'_>) -> $core {
                detached(py, &self.inner, |ts| ts.clone())
            }
        }

        #[pymethods]
        impl $ty {
            $($own)*

            /// One Thompson choice among the active arms or the `eligible` names (`context`:
            /// LinearTS only, required there; the core checks it).
            #[pyo3(signature = (context=None, eligible=None))]
            fn choose(
                &self,
                py: Python<'_>,
                context: Option<PyReadonlyArray1<'_, f64>>,
                eligible: Option<Vec<String>>,
            ) -> PyResult<String> {
                let x = context_arg(context.as_ref())?;
                sampled(py, &self.inner, |ts| {
                    let e = eligible_indices(eligible.as_deref(), |n| ts.arm_index(n))?;
                    let arm = ServingPolicy::choose(ts, x, e.as_deref())?;
                    name_of(ts.arm_names(), arm)
                })
                .map_err(to_pyerr)
            }

            /// A slate of `k` distinct arms, best sampled value first.
            #[pyo3(signature = (k, context=None, eligible=None))]
            fn choose_k(
                &self,
                py: Python<'_>,
                k: usize,
                context: Option<PyReadonlyArray1<'_, f64>>,
                eligible: Option<Vec<String>>,
            ) -> PyResult<Vec<String>> {
                let x = context_arg(context.as_ref())?;
                sampled(py, &self.inner, |ts| {
                    let e = eligible_indices(eligible.as_deref(), |n| ts.arm_index(n))?;
                    let arms = ServingPolicy::choose_k(ts, x, k, e.as_deref())?;
                    names_of(ts.arm_names(), &arms)
                })
                .map_err(to_pyerr)
            }

            /// A tracked decision: `(decision_id, arm)`.
            #[pyo3(signature = (context=None, eligible=None))]
            fn decide(
                &self,
                py: Python<'_>,
                context: Option<PyReadonlyArray1<'_, f64>>,
                eligible: Option<Vec<String>>,
            ) -> PyResult<(u64, String)> {
                let x = context_arg(context.as_ref())?;
                sampled(py, &self.inner, |ts| {
                    let e = eligible_indices(eligible.as_deref(), |n| ts.arm_index(n))?;
                    let d = ServingPolicy::decide(ts, x, e.as_deref())?;
                    Ok((d.id, name_of(ts.arm_names(), d.arm)?))
                })
                .map_err(to_pyerr)
            }

            /// A tracked slate decision: `(decision_id, arms)`.
            #[pyo3(signature = (k, context=None, eligible=None))]
            fn decide_k(
                &self,
                py: Python<'_>,
                k: usize,
                context: Option<PyReadonlyArray1<'_, f64>>,
                eligible: Option<Vec<String>>,
            ) -> PyResult<(u64, Vec<String>)> {
                let x = context_arg(context.as_ref())?;
                sampled(py, &self.inner, |ts| {
                    let e = eligible_indices(eligible.as_deref(), |n| ts.arm_index(n))?;
                    let d = ServingPolicy::decide_k(ts, x, k, e.as_deref())?;
                    Ok((d.id, names_of(ts.arm_names(), &d.arms)?))
                })
                .map_err(to_pyerr)
            }

            /// The reward of a single-arm decision (LinearTS: its stored context is used).
            fn reward(&self, py: Python<'_>, decision_id: u64, value: f64) -> PyResult<()> {
                sampled(py, &self.inner, |ts| {
                    ServingPolicy::reward(ts, decision_id, value).map(drop)
                })
                .map_err(to_pyerr)
            }

            /// The rewards of a slate decision, one per position.
            fn reward_slate(
                &self,
                py: Python<'_>,
                decision_id: u64,
                values: Vec<f64>,
            ) -> PyResult<()> {
                sampled(py, &self.inner, |ts| {
                    ServingPolicy::reward_slate(ts, decision_id, &values)
                })
                .map_err(to_pyerr)
            }

            /// Observes `reward` for the arm called `arm` (in `context`: LinearTS).
            #[pyo3(signature = (arm, reward, context=None))]
            fn update(
                &self,
                py: Python<'_>,
                arm: &str,
                reward: f64,
                context: Option<PyReadonlyArray1<'_, f64>>,
            ) -> PyResult<()> {
                let x = context_arg(context.as_ref())?;
                sampled(py, &self.inner, |ts| {
                    let a = ts.arm_index(arm)?;
                    ServingPolicy::update(ts, a, x, reward)
                })
                .map_err(to_pyerr)
            }

            /// Posterior mean and central credible interval per arm (see `SummaryOut`;
            /// LinearTS: of `xᵀθ` for `context`). `None`: the core's defaults.
            #[pyo3(signature = (context=None, level=None))]
            fn summary<'py>(
                &self,
                py: Python<'py>,
                context: Option<PyReadonlyArray1<'py, f64>>,
                level: Option<f64>,
            ) -> PyResult<SummaryOut<'py>> {
                let x = context_arg(context.as_ref())?;
                let rows = detached(py, &self.inner, |ts| ServingPolicy::summary(ts, x, level))
                    .map_err(to_pyerr)?;
                Ok(summary_out(py, rows))
            }

            /// `(names, prob_best, expected_loss)` by `draws` joint posterior draws.
            #[pyo3(signature = (context=None, eligible=None, draws=None, seed=None))]
            fn insight<'py>(
                &self,
                py: Python<'py>,
                context: Option<PyReadonlyArray1<'py, f64>>,
                eligible: Option<Vec<String>>,
                draws: Option<usize>,
                seed: Option<u64>,
            ) -> PyResult<InsightOut<'py>> {
                let x = context_arg(context.as_ref())?;
                let (names, ins) = detached(py, &self.inner, |ts| {
                    let e = eligible_indices(eligible.as_deref(), |n| ts.arm_index(n))?;
                    let ins = ServingPolicy::insight(ts, x, e.as_deref(), draws, seed)?;
                    Ok((ts.arm_names().to_vec(), ins))
                })
                .map_err(to_pyerr)?;
                insight_out(py, &names, ins).map_err(to_pyerr)
            }

            /// `(stop, best_arm, prob_best, expected_loss)`.
            #[pyo3(signature = (context=None, prob_best=None, expected_loss=None, draws=None, seed=None))]
            fn should_stop(
                &self,
                py: Python<'_>,
                context: Option<PyReadonlyArray1<'_, f64>>,
                prob_best: Option<f64>,
                expected_loss: Option<f64>,
                draws: Option<usize>,
                seed: Option<u64>,
            ) -> PyResult<(bool, String, f64, f64)> {
                let x = context_arg(context.as_ref())?;
                let rule = stopping_rule(prob_best, expected_loss);
                detached(py, &self.inner, |ts| {
                    let s = ServingPolicy::should_stop(ts, x, &rule, draws, seed)?;
                    stop_out(ts.arm_names(), s)
                })
                .map_err(to_pyerr)
            }

            /// Adds an arm (prior posterior); returns its index.
            fn add_arm(&self, py: Python<'_>, name: &str) -> PyResult<usize> {
                detached(py, &self.inner, |ts| ts.add_arm(name)).map_err(to_pyerr)
            }

            /// Retires the arm called `name` (never chosen again; late rewards still count).
            fn retire_arm(&self, py: Python<'_>, name: &str) -> PyResult<()> {
                quick(py, &self.inner, |ts| {
                    let a = ts.arm_index(name)?;
                    ts.retire_arm(a)
                })
                .map_err(to_pyerr)
            }

            /// Index of the arm called `name`.
            fn arm_index(&self, py: Python<'_>, name: &str) -> PyResult<usize> {
                quick(py, &self.inner, |ts| ts.arm_index(name)).map_err(to_pyerr)
            }

            /// All arm names, by index (retired arms included).
            #[getter]
            fn arm_names(&self, py: Python<'_>) -> Vec<String> {
                quick(py, &self.inner, |ts| ts.arm_names().to_vec())
            }

            /// Names of the active arms.
            #[getter]
            fn active_arms(&self, py: Python<'_>) -> PyResult<Vec<String>> {
                quick(py, &self.inner, |ts| {
                    names_of(ts.arm_names(), ServingPolicy::active_arms(ts))
                })
                .map_err(to_pyerr)
            }

            /// Discount factor.
            #[getter]
            fn discount(&self, py: Python<'_>) -> f64 {
                quick(py, &self.inner, |ts| ts.params().get_options().discount)
            }

            /// Top-two β, or None.
            #[getter]
            fn top_two(&self, py: Python<'_>) -> Option<f64> {
                quick(py, &self.inner, |ts| ts.params().get_options().top_two)
            }

            /// Seed the policy was built with.
            #[getter]
            fn seed(&self, py: Python<'_>) -> u64 {
                quick(py, &self.inner, |ts| ts.params().get_options().seed)
            }

            /// Pending-decision horizon.
            #[getter]
            fn pending_horizon(&self, py: Python<'_>) -> u64 {
                quick(py, &self.inner, |ts| {
                    ts.params().get_options().pending_horizon
                })
            }

            /// Number of updates observed.
            #[getter]
            fn n_updates(&self, py: Python<'_>) -> u64 {
                quick(py, &self.inner, |ts| ts.n_updates())
            }

            /// Number of decisions awaiting their reward.
            #[getter]
            fn pending_decisions(&self, py: Python<'_>) -> usize {
                quick(py, &self.inner, |ts| ts.pending_decisions())
            }

            /// The state as ki3 JSON (what Node and Rust load).
            fn to_json(&self, py: Python<'_>) -> PyResult<String> {
                detached(py, &self.inner, |ts| ts.to_json()).map_err(to_pyerr)
            }

            /// Loads a state saved by `to_json` (here, in Node or in Rust).
            #[staticmethod]
            fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
                py.detach(|| <$core>::from_json(text))
                    .map(Self::wrap)
                    .map_err(to_pyerr)
            }

            /// Adds the updates `other` collected since the common snapshot `base`.
            fn merge(
                &self,
                py: Python<'_>,
                base: &Bound<'_, Self>,
                other: &Bound<'_, Self>,
            ) -> PyResult<()> {
                let base = base.get().snapshot(py);
                let other = other.get().snapshot(py);
                detached(py, &self.inner, |ts| ts.merge(&base, &other)).map_err(to_pyerr)
            }

            fn __copy__(&self, py: Python<'_>) -> Self {
                Self::wrap(self.snapshot(py))
            }
        }
    };
}

/// Defines a native context-free class over `ContextFreeTs<$model>`.
macro_rules! context_free_class {
    ($ty:ident, $name:literal, $model:ty) => {
        bandit_class!(
            $ty,
            $name,
            ContextFreeTs<$model>,
            concat!("Native state of `ki3.bandit.", $name, "` (arms addressed by name)."),
            {
                #[new]
                #[pyo3(signature = (arms, prior=None, discount=None, top_two=None, seed=None, pending_horizon=None))]
                fn new(
                    arms: Vec<String>,
                    prior: Option<Vec<f64>>,
                    discount: Option<f64>,
                    top_two: Option<f64>,
                    seed: Option<u64>,
                    pending_horizon: Option<u64>,
                ) -> PyResult<Self> {
                    PolicyOptions::from_parts(discount, top_two, None, seed, pending_horizon)
                        .and_then(|o| build_context_free::<$model>(&arms, prior.as_deref(), o))
                        .map(Self::wrap)
                        .map_err(to_pyerr)
                }

                /// Observes `rewards[i]` for the arm with index `arms[i]` (all or nothing).
                fn update_batch(
                    &self,
                    py: Python<'_>,
                    arms: ArmColumn<'_>,
                    rewards: RewardColumn<'_>,
                ) -> PyResult<()> {
                    with_columns(&arms, &rewards, ContextFreeBatch(py, &self.inner))
                }

                /// The prior as a tuple of numbers.
                #[getter]
                fn prior(&self, py: Python<'_>) -> Vec<f64> {
                    quick(py, &self.inner, |ts| ts.params().get_prior().values())
                }

                /// Simulates `steps` Bernoulli rounds on this policy (it learns when the run
                /// completes; Ctrl-C or an exception from `progress(done, total)` stops it and
                /// leaves the policy unchanged). Returns a dict of arrays: `regret`,
                /// `uniform_regret`, `choices` (arm indices), `rewards`.
                #[pyo3(signature = (rates, steps, seed=0, drift_kind=None, drift_at=0, drift_rates=None, progress=None))]
                #[allow(clippy::too_many_arguments)]
                fn simulate<'py>(
                    &self,
                    py: Python<'py>,
                    rates: Vec<f64>,
                    steps: usize,
                    seed: u64,
                    drift_kind: Option<&str>,
                    drift_at: usize,
                    drift_rates: Option<Vec<f64>>,
                    progress: Option<Py<PyAny>>,
                ) -> PyResult<Bound<'py, PyDict>> {
                    let env = BernoulliEnv::new(rates).with_drift(drift(
                        drift_kind,
                        drift_at,
                        drift_rates,
                    )?);
                    let sim = interruptible(py, &self.inner, progress, |ts, p| {
                        simulate_bernoulli_with(ts, &env, steps, seed, p)
                    })?;
                    let out = PyDict::new(py);
                    out.set_item("regret", sim.regret.into_pyarray(py))?;
                    out.set_item("uniform_regret", sim.uniform_regret.into_pyarray(py))?;
                    let choices: Vec<u64> = sim.choices.iter().map(|&c| c as u64).collect();
                    out.set_item("choices", choices.into_pyarray(py))?;
                    out.set_item("rewards", sim.rewards.into_pyarray(py))?;
                    Ok(out)
                }

                /// Offline replay on logged uniform-random data (arm indices); the policy learns
                /// from the matched events (when the replay completes; see `simulate` for
                /// `progress` and Ctrl-C). `(events, matched, mean_reward, std_error)`.
                #[pyo3(signature = (arms, rewards, progress=None))]
                fn replay(
                    &self,
                    py: Python<'_>,
                    arms: PyReadonlyArray1<'_, usize>,
                    rewards: PyReadonlyArray1<'_, f64>,
                    progress: Option<Py<PyAny>>,
                ) -> PyResult<ReplayOut> {
                    let arms = slice(&arms, "arms")?;
                    let rewards = slice(&rewards, "rewards")?;
                    interruptible(py, &self.inner, progress, |ts, p| {
                        replay_with(ts, arms, rewards, None, p)
                    })
                    .map(replay_out)
                }

            }
        );
    };
}

context_free_class!(PyBernoulliTs, "BernoulliTS", BetaPrior);
context_free_class!(PyGaussianTs, "GaussianTS", NigPrior);

// ---------------------------------------------------------------------------------------------
// Linear Thompson sampling

bandit_class!(
    PyLinearTs,
    "LinearTS",
    LinearTs,
    "Native state of `ki3.bandit.LinearTS` (arms addressed by name, contexts as float64 arrays).",
    {
        #[new]
        #[pyo3(signature = (arms, n_features, ridge=None, noise=None, discount=None, top_two=None, seed=None, pending_horizon=None))]
        #[allow(clippy::too_many_arguments)]
        fn new(
            arms: Vec<String>,
            n_features: usize,
            ridge: Option<f64>,
            noise: Option<f64>,
            discount: Option<f64>,
            top_two: Option<f64>,
            seed: Option<u64>,
            pending_horizon: Option<u64>,
        ) -> PyResult<Self> {
            let d = LinearTsParams::default();
            let ridge = ridge.unwrap_or(d.get_ridge());
            let noise = noise.unwrap_or(d.get_noise());
            PolicyOptions::from_parts(discount, top_two, None, seed, pending_horizon)
                .and_then(|o| {
                    d.ridge(ridge)
                        .noise(noise)
                        .options(o)
                        .build_named(&arms, n_features)
                })
                .map(Self::wrap)
                .map_err(to_pyerr)
        }

        /// Observes row `i` of `contexts` and `rewards[i]` for the arm with index `arms[i]`.
        fn update_batch(
            &self,
            py: Python<'_>,
            arms: ArmColumn<'_>,
            contexts: PyReadonlyArray2<'_, f64>,
            rewards: PyReadonlyArray1<'_, f64>,
        ) -> PyResult<()> {
            let rewards = slice(&rewards, "rewards")?;
            let contexts = contexts.as_array();
            with_arms(
                &arms,
                LinearBatch {
                    py,
                    policy: &self.inner,
                    contexts,
                    rewards,
                },
            )
        }

        /// Posterior mean of the arm's coefficients.
        fn theta_mean<'py>(
            &self,
            py: Python<'py>,
            arm: &str,
        ) -> PyResult<Bound<'py, PyArray1<f64>>> {
            let theta = detached(py, &self.inner, |ts| {
                let a = ts.arm_index(arm)?;
                ts.theta_mean(a)
            })
            .map_err(to_pyerr)?;
            Ok(theta.into_pyarray(py))
        }

        /// Context length.
        #[getter]
        fn n_features(&self, py: Python<'_>) -> usize {
            quick(py, &self.inner, |ts| ts.dim())
        }

        /// Ridge λ.
        #[getter]
        fn ridge(&self, py: Python<'_>) -> f64 {
            quick(py, &self.inner, |ts| ts.params().get_ridge())
        }

        /// Noise scale v.
        #[getter]
        fn noise(&self, py: Python<'_>) -> f64 {
            quick(py, &self.inner, |ts| ts.params().get_noise())
        }

        /// Offline replay on logged uniform-random data; the policy learns from matched events
        /// (when the replay completes; Ctrl-C or an exception from `progress(done, total)`
        /// stops it and leaves the policy unchanged).
        #[pyo3(signature = (arms, rewards, contexts, progress=None))]
        fn replay(
            &self,
            py: Python<'_>,
            arms: PyReadonlyArray1<'_, usize>,
            rewards: PyReadonlyArray1<'_, f64>,
            contexts: PyReadonlyArray2<'_, f64>,
            progress: Option<Py<PyAny>>,
        ) -> PyResult<ReplayOut> {
            let arms = slice(&arms, "arms")?;
            let rewards = slice(&rewards, "rewards")?;
            let contexts = contexts.as_array();
            interruptible(py, &self.inner, progress, |ts, p| {
                replay_with(ts, arms, rewards, Some(contexts), p)
            })
            .map(replay_out)
        }
    }
);
