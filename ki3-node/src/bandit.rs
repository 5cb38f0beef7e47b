//! Thompson-sampling bandits for serving: the classes `BernoulliTS`, `GaussianTS` and `LinearTS`
//! (newtypes over the core policies; the evaluators `simulate` / `replay` are in `bandit_eval`).
//!
//! Every class is an ordinary napi-rs class over the core policy, served through the core's
//! [`ServingPolicy`] trait (one implementation of every method for the three classes); the
//! defaults (credible level, draws, seeds, horizon) and limits are the core's. Arms are
//! addressed by name in JS (an index into `arms` is accepted where noted). The hot calls
//! (`choose`, `decide`, `reward`, `update`) read their arguments without allocating: arm names
//! are decoded into a reused byte buffer and looked up in the core's name index, eligible sets
//! go into a reused index buffer, and contexts are borrowed `Float64Array`s.
//!
//! A call that re-enters the same policy (from a getter run while an argument is read) is
//! refused by napi-rs's borrow check. Every check that belongs to the binding (types, names,
//! integers) runs before the core is called, and the core validates before it changes
//! anything, so a rejected call leaves the state (`toJson()`) exactly as it was.

use std::ptr;

use ki3_core::Ki3Error;
use ki3_core::bandit::{
    self as cb, AnyPolicy, ArmSummary, Insight, PolicyOptions, ServingPolicy, StopDecision,
    StoppingRule,
};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::columns::{Float64Column, Kind, classify};
use crate::error::{IntoNapi, bad_value, to_napi};
use crate::{Raw, convert_arg, convert_opt_arg, spawn, string_arg, take_job};

type CoreResult<T> = std::result::Result<T, Ki3Error>;

/// Largest integer a JS number holds exactly (2^53 - 1).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

// ---------------------------------------------------------------------------------------------
// Argument types

/// What a JS value is, in words, for error messages.
fn what(env: sys::napi_env, v: sys::napi_value) -> String {
    // SAFETY: `env` and `v` are live handles of the current call on the JS thread.
    match unsafe { classify(env, v) } {
        Ok(Kind::Typed(TypedArrayType::Unknown)) => "a typed array".into(),
        Ok(Kind::Typed(t)) => format!("{}Array", t.as_ref()),
        Ok(Kind::Array) => "an array".into(),
        Ok(Kind::Other(t)) => t,
        Err(_) => "an unreadable value".into(),
    }
}

fn invalid(message: String) -> Error {
    Error::new(Status::InvalidArg, message)
}

/// Prefixes a conversion error with the argument name.
fn named(name: &str) -> impl Fn(Error) -> Error + '_ {
    move |e| {
        if e.status == Status::PendingException {
            e
        } else {
            invalid(format!("{name}: {}", e.reason))
        }
    }
}

/// A non-negative integer given as a JS number (at most 2^53 - 1).
pub(crate) fn whole(name: &str, v: f64) -> CoreResult<u64> {
    if v.fract() == 0.0 && (0.0..=MAX_SAFE_INTEGER).contains(&v) {
        Ok(v as u64)
    } else {
        Err(Ki3Error::param(
            name,
            format!("must be a non-negative integer, got {v}"),
        ))
    }
}

pub(crate) fn whole_usize(name: &str, v: f64) -> CoreResult<usize> {
    let n = whole(name, v)?;
    usize::try_from(n).map_err(|_| Ki3Error::param(name, format!("{n} is too large")))
}

/// `number | bigint`: a seed or a decision id, checked later.
#[derive(Debug, Clone, Copy)]
pub enum Integer {
    Number(f64),
    /// `None`: negative or wider than 64 bits.
    BigInt(Option<u64>),
}

impl TypeName for Integer {
    fn type_name() -> &'static str {
        "number | bigint"
    }

    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

impl FromNapiValue for Integer {
    unsafe fn from_napi_value(env: sys::napi_env, v: sys::napi_value) -> Result<Self> {
        // SAFETY (both arms): `v` is a live handle of the current call, of the checked type.
        match type_of!(env, v)? {
            ValueType::Number => Ok(Integer::Number(unsafe { f64::from_napi_value(env, v) }?)),
            ValueType::BigInt => {
                let (sign, value, lossless) = unsafe { BigInt::from_napi_value(env, v) }?.get_u64();
                Ok(Integer::BigInt((!sign && lossless).then_some(value)))
            }
            _ => Err(invalid(format!(
                "expected a number or bigint, got {}",
                what(env, v)
            ))),
        }
    }
}

impl Integer {
    pub(crate) fn resolve(self, name: &str) -> CoreResult<u64> {
        match self {
            Integer::Number(v) => whole(name, v).map_err(|_| {
                Ki3Error::param(
                    name,
                    format!("must be a non-negative integer (a bigint above 2^53 - 1), got {v}"),
                )
            }),
            Integer::BigInt(Some(v)) => Ok(v),
            Integer::BigInt(None) => Err(Ki3Error::param(
                name,
                "bigint must be non-negative and fit in 64 bits",
            )),
        }
    }
}

/// `topTwo`: `true` (β = 0.5), `false` (off) or the probability β.
#[derive(Debug, Clone, Copy)]
pub enum TopTwo {
    Flag(bool),
    Beta(f64),
}

impl TypeName for TopTwo {
    fn type_name() -> &'static str {
        "boolean | number"
    }

    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

impl FromNapiValue for TopTwo {
    unsafe fn from_napi_value(env: sys::napi_env, v: sys::napi_value) -> Result<Self> {
        // SAFETY (both arms): `v` is a live handle of the current call, of the checked type.
        match type_of!(env, v)? {
            ValueType::Boolean => Ok(TopTwo::Flag(unsafe { bool::from_napi_value(env, v) }?)),
            ValueType::Number => Ok(TopTwo::Beta(unsafe { f64::from_napi_value(env, v) }?)),
            _ => Err(invalid(format!(
                "expected a boolean or a number, got {}",
                what(env, v)
            ))),
        }
    }
}

/// Initial capacity for the elements of a JS array: its length can be anything up to 2^32 - 1
/// (holes included), so reserving it up front could abort the process on allocation failure;
/// a real array grows the vector as it is read.
pub(crate) fn initial_capacity(len: u32) -> usize {
    (len as usize).min(1 << 12)
}

/// Reads the strings of a JS array, naming the bad element.
///
/// # Safety
/// `env` and `v` must be live handles of the current call on the JS thread, `v` an array.
pub(crate) unsafe fn string_list(env: sys::napi_env, v: sys::napi_value) -> Result<Vec<String>> {
    let mut len = 0u32;
    check_status!(unsafe { sys::napi_get_array_length(env, v, &mut len) })?;
    let mut out = Vec::with_capacity(initial_capacity(len));
    for i in 0..len {
        let mut item = ptr::null_mut();
        check_status!(unsafe { sys::napi_get_element(env, v, i, &mut item) })?;
        if type_of!(env, item)? != ValueType::String {
            return Err(invalid(format!(
                "element {i}: expected a string, got {}",
                what(env, item)
            )));
        }
        out.push(unsafe { String::from_napi_value(env, item) }?);
    }
    Ok(out)
}

/// `arms` of a constructor: the names (`string[]`) or a number of arms (named "0", "1", ...).
#[derive(Debug, Clone)]
pub enum ArmsSpec {
    Names(Vec<String>),
    Count(f64),
}

impl TypeName for ArmsSpec {
    fn type_name() -> &'static str {
        "string[] | number"
    }

    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

impl FromNapiValue for ArmsSpec {
    unsafe fn from_napi_value(env: sys::napi_env, v: sys::napi_value) -> Result<Self> {
        // SAFETY (all calls): `v` is a live handle of the current call, of the checked type.
        if type_of!(env, v)? == ValueType::Number {
            return Ok(ArmsSpec::Count(unsafe { f64::from_napi_value(env, v) }?));
        }
        let mut is_array = false;
        check_status!(unsafe { sys::napi_is_array(env, v, &mut is_array) })?;
        if is_array {
            return Ok(ArmsSpec::Names(unsafe { string_list(env, v) }?));
        }
        Err(invalid(format!(
            "expected arm names (string[]) or a number of arms, got {}",
            what(env, v)
        )))
    }
}

/// `number[] | Float64Array`, copied (small configuration vectors such as rates).
#[derive(Debug, Clone)]
pub struct Numbers(pub Vec<f64>);

impl TypeName for Numbers {
    fn type_name() -> &'static str {
        "number[] | Float64Array"
    }

    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

impl FromNapiValue for Numbers {
    unsafe fn from_napi_value(env: sys::napi_env, v: sys::napi_value) -> Result<Self> {
        // SAFETY (all calls): `v` is a live handle of the current call, of the checked type.
        match unsafe { classify(env, v) }? {
            Kind::Typed(TypedArrayType::Float64) => Ok(Numbers(
                unsafe { Float64ArraySlice::from_napi_value(env, v) }?.to_vec(),
            )),
            Kind::Array => {
                let mut len = 0u32;
                check_status!(unsafe { sys::napi_get_array_length(env, v, &mut len) })?;
                let mut out = Vec::with_capacity(initial_capacity(len));
                for i in 0..len {
                    let mut item = ptr::null_mut();
                    check_status!(unsafe { sys::napi_get_element(env, v, i, &mut item) })?;
                    if type_of!(env, item)? != ValueType::Number {
                        return Err(invalid(format!(
                            "element {i}: expected a number, got {}",
                            what(env, item)
                        )));
                    }
                    out.push(unsafe { f64::from_napi_value(env, item) }?);
                }
                Ok(Numbers(out))
            }
            _ => Err(invalid(format!(
                "expected number[] or Float64Array, got {}",
                what(env, v)
            ))),
        }
    }
}

/// A JS array of arm names, read element by element into a reused buffer (no allocation).
#[derive(Clone, Copy)]
pub struct NameArray<'a> {
    env: sys::napi_env,
    value: sys::napi_value,
    len: u32,
    _scope: std::marker::PhantomData<&'a ()>,
}

impl TypeName for NameArray<'_> {
    fn type_name() -> &'static str {
        "string[]"
    }

    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl FromNapiValue for NameArray<'_> {
    unsafe fn from_napi_value(env: sys::napi_env, v: sys::napi_value) -> Result<Self> {
        let mut is_array = false;
        // SAFETY: `v` is a live handle of the current call.
        check_status!(unsafe { sys::napi_is_array(env, v, &mut is_array) })?;
        if !is_array {
            return Err(invalid(format!(
                "expected an array of arm names (string[]), got {}",
                what(env, v)
            )));
        }
        let mut len = 0u32;
        // SAFETY: `v` is an array handle of the current call.
        check_status!(unsafe { sys::napi_get_array_length(env, v, &mut len) })?;
        Ok(NameArray {
            env,
            value: v,
            len,
            _scope: std::marker::PhantomData,
        })
    }
}

impl NameArray<'_> {
    /// Element `i` (`i < len`).
    fn get(&self, i: u32) -> Result<sys::napi_value> {
        let mut item = ptr::null_mut();
        // SAFETY: `value` is an array handle of the current call.
        check_status!(unsafe { sys::napi_get_element(self.env, self.value, i, &mut item) })?;
        Ok(item)
    }
}

/// Room for arm names decoded in one Node-API call (longer names take a second call).
const NAME_BUFFER: usize = 64;

/// Decodes a JS string into `buf` (reused; grows to the longest name seen) and returns it.
/// `Err(None)` when the value is not a string. A name that fits the buffer takes one Node-API
/// call (no type check first: the call itself refuses a non-string).
fn read_str(
    env: sys::napi_env,
    v: sys::napi_value,
    buf: &mut Vec<u8>,
) -> std::result::Result<&str, Option<Error>> {
    if buf.len() < NAME_BUFFER {
        buf.resize(NAME_BUFFER, 0);
    }
    let mut written = 0usize;
    // SAFETY: `v` is a live handle of the current call; `buf` holds `buf.len()` bytes, the
    // size passed (the call writes at most that many, NUL included).
    let status = unsafe {
        sys::napi_get_value_string_utf8(env, v, buf.as_mut_ptr().cast(), buf.len(), &mut written)
    };
    if status == sys::Status::napi_string_expected {
        return Err(None);
    }
    check_status!(status).map_err(Some)?;
    if written + 1 >= buf.len() {
        // Possibly truncated: ask for the length and read it whole.
        let mut len = 0usize;
        // SAFETY: `v` is a string handle of the current call; a null buffer asks for the length.
        check_status!(unsafe {
            sys::napi_get_value_string_utf8(env, v, ptr::null_mut(), 0, &mut len)
        })
        .map_err(Some)?;
        buf.resize(len + 1, 0);
        // SAFETY: `buf` holds `len + 1` bytes (the string and its terminating NUL).
        check_status!(unsafe {
            sys::napi_get_value_string_utf8(env, v, buf.as_mut_ptr().cast(), len + 1, &mut written)
        })
        .map_err(Some)?;
    }
    let bytes = buf.get(..written).unwrap_or_default();
    std::str::from_utf8(bytes).map_err(|_| Some(invalid("arm name is not valid UTF-8".into())))
}

/// A JS number, read with one Node-API call; `None` when the value is not a number.
fn try_number(v: &Unknown) -> Option<f64> {
    let mut out = 0.0;
    // SAFETY: `v` is a live handle of the current call, read on the JS thread; the call
    // refuses (and leaves `out`) for a non-number.
    let status = unsafe { sys::napi_get_value_double(v.env(), v.raw(), &mut out) };
    (status == sys::Status::napi_ok).then_some(out)
}

fn arm_name(names: &[String], arm: usize) -> Result<&str> {
    names
        .get(arm)
        .map(String::as_str)
        .ok_or_else(|| Error::from_reason(format!("ki3: the core returned unknown arm {arm}")))
}

fn number_arg(env: &Env, v: Unknown, name: &str) -> Result<f64> {
    try_number(&v).ok_or_else(|| {
        invalid(format!(
            "{name}: expected a number, got {}",
            what(env.raw(), v.raw())
        ))
    })
}

fn f64_array_arg<'a>(env: &Env, v: Unknown, name: &str) -> Result<Float64Column<'a>> {
    // SAFETY: a live handle of this call's scope, read on the JS thread.
    unsafe { Float64Column::from_napi_value(env.raw(), v.raw()) }.map_err(named(name))
}

pub(crate) fn opt_f64_array_arg<'a>(
    env: &Env,
    v: Unknown,
    name: &str,
) -> Result<Option<Float64Column<'a>>> {
    match v.get_type()? {
        ValueType::Undefined | ValueType::Null => Ok(None),
        _ => f64_array_arg(env, v, name).map(Some),
    }
}

/// A decision id: a non-negative integer number or bigint.
fn decision_id(env: &Env, v: Unknown) -> Result<u64> {
    if let Some(id) = try_number(&v) {
        return whole("id", id).napi();
    }
    // SAFETY: a live handle of this call's scope, read on the JS thread.
    let id = unsafe { Integer::from_napi_value(env.raw(), v.raw()) }.map_err(named("id"))?;
    id.resolve("id").napi()
}

/// The id as JS sees it: a number when exact, a bigint above 2^53 - 1.
pub(crate) fn id_to_js(id: u64) -> Either<f64, BigInt> {
    if id as f64 <= MAX_SAFE_INTEGER {
        Either::A(id as f64)
    } else {
        Either::B(BigInt::from(id))
    }
}

// ---------------------------------------------------------------------------------------------
// Options and results

/// Options of `choose` and `decide`.
#[napi(object, object_to_js = false)]
pub struct ChooseOptions<'a> {
    /// Number of distinct arms to choose (a slate), default 1. Above 1 the result is an array of
    /// names ordered by their sampled value, best first.
    pub n: Option<f64>,
    /// Candidate arms: distinct names of active arms (default: every active arm).
    #[napi(ts_type = "string[]")]
    pub eligible: Option<NameArray<'a>>,
    /// `LinearTS` only (and required there): the context, a Float64Array of length `nFeatures`.
    #[napi(ts_type = "Float64Array")]
    pub context: Option<Float64Column<'a>>,
}

/// The optional options of `choose` / `decide`, converted with the other arguments, before
/// the policy is borrowed: option getters run once and may use the policy.
pub struct ChooseArg<'a>(Option<ChooseOptions<'a>>);

impl TypeName for ChooseArg<'_> {
    fn type_name() -> &'static str {
        "ChooseOptions"
    }

    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

impl FromNapiValue for ChooseArg<'_> {
    unsafe fn from_napi_value(env: sys::napi_env, v: sys::napi_value) -> Result<Self> {
        // SAFETY: `v` is a live handle of the current call, read on the JS thread.
        let value = unsafe { Unknown::from_napi_value(env, v) }?;
        convert_opt_arg(&Env::from_raw(env), value, "options").map(ChooseArg)
    }
}

/// Options of `probBest`.
#[napi(object, object_to_js = false)]
pub struct ProbBestOptions<'a> {
    /// Number of joint posterior draws (default 10,000).
    pub draws: Option<f64>,
    /// Seed of the Monte Carlo draws (default 0); the policy's own random stream is not touched.
    #[napi(ts_type = "number | bigint")]
    pub seed: Option<Integer>,
    /// Candidate arms (default: every active arm).
    #[napi(ts_type = "string[]")]
    pub eligible: Option<NameArray<'a>>,
    /// `LinearTS` only (required there): the context.
    #[napi(ts_type = "Float64Array")]
    pub context: Option<Float64Column<'a>>,
}

/// Options of `summary`.
#[napi(object, object_to_js = false)]
pub struct BanditSummaryOptions<'a> {
    /// Credible level of the central interval, in (0, 1) (default: the core's, 0.9;
    /// `coreDefaults()`).
    pub level: Option<f64>,
    /// `LinearTS` only (required there): the context the expected rewards are for.
    #[napi(ts_type = "Float64Array")]
    pub context: Option<Float64Column<'a>>,
}

/// Options of `shouldStop`: stop when the best arm's `P(best) > probBest` or its expected loss
/// `< expectedLoss` (at least one threshold).
#[napi(object, object_to_js = false)]
pub struct ShouldStopOptions<'a> {
    /// Threshold on the best arm's probability of being best, in (0, 1).
    pub prob_best: Option<f64>,
    /// Threshold on the best arm's expected loss (reward units), >= 0.
    pub expected_loss: Option<f64>,
    /// Number of joint posterior draws (default 10,000).
    pub draws: Option<f64>,
    /// Seed of the Monte Carlo draws (default 0).
    #[napi(ts_type = "number | bigint")]
    pub seed: Option<Integer>,
    /// `LinearTS` only (required there): the context.
    #[napi(ts_type = "Float64Array")]
    pub context: Option<Float64Column<'a>>,
}

/// A tracked decision: pass `id` to `reward` when the outcome is known.
#[napi(object, object_from_js = false)]
pub struct BanditDecision {
    /// Decision id (a number; a bigint only above 2^53 - 1).
    #[napi(ts_type = "number | bigint")]
    pub id: Either<f64, BigInt>,
    /// The arm to play (single-arm decisions).
    pub arm: Option<String>,
    /// The slate, best sampled value first (when `n > 1`).
    pub arms: Option<Vec<String>>,
}

/// Monte Carlo probability of being best and expected loss `E[max_j θ_j − θ_arm]` per
/// candidate arm.
#[napi(object, object_from_js = false)]
pub struct ProbBestResult {
    /// The candidate arms.
    pub arms: Vec<String>,
    /// `P(arm is best)`, aligned with `arms` (sums to 1).
    pub prob_best: Float64Array,
    /// Expected loss of committing to the arm now, aligned with `arms`.
    pub expected_loss: Float64Array,
    /// Number of draws used.
    pub draws: f64,
}

/// Posterior summary, one entry per arm (retired arms included), in `arms` order.
#[napi(object, object_from_js = false)]
pub struct BanditSummary {
    /// Arm names.
    pub arm: Vec<String>,
    /// False for retired arms.
    pub active: Vec<bool>,
    /// Effective number of observations (discounted when `discount < 1`).
    pub n: Float64Array,
    /// Posterior mean of the arm's expected reward (`LinearTS`: for the context).
    pub mean: Float64Array,
    /// Lower end of the central credible interval.
    pub lower: Float64Array,
    /// Upper end of the central credible interval.
    pub upper: Float64Array,
}

/// The stopping rule's verdict.
#[napi(object, object_from_js = false)]
pub struct ShouldStopResult {
    /// True when a threshold is met.
    pub stop: bool,
    /// The arm with the highest probability of being best.
    pub best_arm: String,
    /// Its probability of being best.
    pub prob_best: f64,
    /// Its expected loss.
    pub expected_loss: f64,
}

/// Options every policy takes.
struct CommonOptions {
    discount: Option<f64>,
    top_two: Option<TopTwo>,
    top_two_max_resamples: Option<f64>,
    seed: Option<Integer>,
    pending_horizon: Option<f64>,
}

impl CommonOptions {
    /// The core options: unset fields take the core defaults, `topTwo: true` the core's β.
    fn build(&self) -> CoreResult<PolicyOptions> {
        let top_two = match self.top_two {
            None | Some(TopTwo::Flag(false)) => None,
            Some(TopTwo::Flag(true)) => Some(PolicyOptions::DEFAULT_TOP_TWO),
            Some(TopTwo::Beta(b)) => Some(b),
        };
        PolicyOptions::from_parts(
            self.discount,
            top_two,
            self.top_two_max_resamples
                .map(|m| whole("topTwoMaxResamples", m))
                .transpose()?,
            self.seed.map(|s| s.resolve("seed")).transpose()?,
            self.pending_horizon
                .map(|h| whole("pendingHorizon", h))
                .transpose()?,
        )
    }
}

/// Options of `new BernoulliTS(...)`.
#[napi(object, object_to_js = false, js_name = "BernoulliTSOptions")]
pub struct BernoulliTSOptions {
    /// Arm names (non-empty, unique), or a number of arms named "0", "1", ...
    #[napi(ts_type = "string[] | number")]
    pub arms: ArmsSpec,
    /// Beta(α, β) prior of every arm, default [1, 1].
    #[napi(ts_type = "number[]")]
    pub prior: Option<Numbers>,
    /// Discount γ in (0, 1] (default 1): each update first decays every arm's statistics by γ,
    /// for non-stationary arms (memory about 1 / (1 − γ) updates).
    pub discount: Option<f64>,
    /// Top-two Thompson sampling: `true` (β = 0.5) or the probability β of playing the sampled
    /// best arm; default off.
    #[napi(ts_type = "boolean | number")]
    pub top_two: Option<TopTwo>,
    /// Bound on the top-two redraws (default 100).
    pub top_two_max_resamples: Option<f64>,
    /// Seed of the policy's random stream (default 0); saved in `toJson`.
    #[napi(ts_type = "number | bigint")]
    pub seed: Option<Integer>,
    /// A decision can be rewarded until this many later decisions exist (default 10,000).
    pub pending_horizon: Option<f64>,
}

impl BernoulliTSOptions {
    pub(crate) fn build(&self) -> CoreResult<cb::BernoulliTs> {
        let common = CommonOptions {
            discount: self.discount,
            top_two: self.top_two,
            top_two_max_resamples: self.top_two_max_resamples,
            seed: self.seed,
            pending_horizon: self.pending_horizon,
        };
        let mut params = cb::BernoulliTsParams::default().options(common.build()?);
        if let Some(p) = &self.prior {
            let [a, b] = prior_values::<2>(&p.0, "[alpha, beta]")?;
            params = params.prior(a, b);
        }
        match &self.arms {
            ArmsSpec::Names(names) => params.build_named(names),
            ArmsSpec::Count(n) => params.build(whole_usize("arms", *n)?),
        }
    }
}

/// Options of `new GaussianTS(...)`.
#[napi(object, object_to_js = false, js_name = "GaussianTSOptions")]
pub struct GaussianTSOptions {
    /// Arm names (non-empty, unique), or a number of arms named "0", "1", ...
    #[napi(ts_type = "string[] | number")]
    pub arms: ArmsSpec,
    /// Normal–Inverse-Gamma prior [mean, kappa, alpha, beta] of every arm, default [0, 1, 1, 1].
    #[napi(ts_type = "number[]")]
    pub prior: Option<Numbers>,
    /// Discount γ in (0, 1] (default 1).
    pub discount: Option<f64>,
    /// Top-two Thompson sampling: `true` (β = 0.5) or β; default off.
    #[napi(ts_type = "boolean | number")]
    pub top_two: Option<TopTwo>,
    /// Bound on the top-two redraws (default 100).
    pub top_two_max_resamples: Option<f64>,
    /// Seed of the policy's random stream (default 0).
    #[napi(ts_type = "number | bigint")]
    pub seed: Option<Integer>,
    /// A decision can be rewarded until this many later decisions exist (default 10,000).
    pub pending_horizon: Option<f64>,
}

impl GaussianTSOptions {
    fn build(&self) -> CoreResult<cb::GaussianTs> {
        let common = CommonOptions {
            discount: self.discount,
            top_two: self.top_two,
            top_two_max_resamples: self.top_two_max_resamples,
            seed: self.seed,
            pending_horizon: self.pending_horizon,
        };
        let mut params = cb::GaussianTsParams::default().options(common.build()?);
        if let Some(p) = &self.prior {
            let [m, k, a, b] = prior_values::<4>(&p.0, "[mean, kappa, alpha, beta]")?;
            params = params.prior(m, k, a, b);
        }
        match &self.arms {
            ArmsSpec::Names(names) => params.build_named(names),
            ArmsSpec::Count(n) => params.build(whole_usize("arms", *n)?),
        }
    }
}

/// Options of `new LinearTS(...)`.
#[napi(object, object_to_js = false, js_name = "LinearTSOptions")]
pub struct LinearTSOptions {
    /// Arm names (non-empty, unique), or a number of arms named "0", "1", ...
    #[napi(ts_type = "string[] | number")]
    pub arms: ArmsSpec,
    /// Length of the context vectors (1..=4096).
    pub n_features: f64,
    /// Ridge λ > 0: prior precision λI of every arm's coefficients (default 1).
    pub ridge: Option<f64>,
    /// Noise scale v > 0 of the posterior, near the reward noise sd (default 1).
    pub noise: Option<f64>,
    /// Discount γ in (0, 1] (default 1).
    pub discount: Option<f64>,
    /// Top-two Thompson sampling: `true` (β = 0.5) or β; default off.
    #[napi(ts_type = "boolean | number")]
    pub top_two: Option<TopTwo>,
    /// Bound on the top-two redraws (default 100).
    pub top_two_max_resamples: Option<f64>,
    /// Seed of the policy's random stream (default 0).
    #[napi(ts_type = "number | bigint")]
    pub seed: Option<Integer>,
    /// A decision can be rewarded until this many later decisions exist (default 10,000).
    pub pending_horizon: Option<f64>,
}

impl LinearTSOptions {
    fn build(&self) -> CoreResult<cb::LinearTs> {
        let common = CommonOptions {
            discount: self.discount,
            top_two: self.top_two,
            top_two_max_resamples: self.top_two_max_resamples,
            seed: self.seed,
            pending_horizon: self.pending_horizon,
        };
        let mut params = cb::LinearTsParams::default().options(common.build()?);
        if let Some(r) = self.ridge {
            params = params.ridge(r);
        }
        if let Some(v) = self.noise {
            params = params.noise(v);
        }
        let d = whole_usize("nFeatures", self.n_features)?;
        match &self.arms {
            ArmsSpec::Names(names) => params.build_named(names, d),
            ArmsSpec::Count(n) => params.build(whole_usize("arms", *n)?, d),
        }
    }
}

fn prior_values<const N: usize>(p: &[f64], shape: &str) -> CoreResult<[f64; N]> {
    <[f64; N]>::try_from(p).map_err(|_| {
        Ki3Error::param(
            "prior",
            format!("expected {N} numbers {shape}, got {}", p.len()),
        )
    })
}

// ---------------------------------------------------------------------------------------------
// The shared implementation of the three classes

/// A core policy with the reused buffers of the hot calls.
pub(crate) struct Serving<C> {
    pub(crate) inner: C,
    /// Eligible arm indices of the current call.
    eligible: Vec<usize>,
    /// Decoded arm name of the current call.
    text: Vec<u8>,
}

/// Parsed `probBest` options (owned: they may go to the thread pool). `None`: the core default.
pub(crate) struct InsightArgs {
    context: Vec<f64>,
    eligible: Option<Vec<usize>>,
    draws: Option<usize>,
    seed: Option<u64>,
}

/// Parsed `summary` options.
pub(crate) struct SummaryArgs {
    context: Vec<f64>,
    level: Option<f64>,
}

/// Parsed `shouldStop` options.
pub(crate) struct StopArgs {
    context: Vec<f64>,
    rule: StoppingRule,
    draws: Option<usize>,
    seed: Option<u64>,
}

fn draws_of(draws: Option<f64>) -> CoreResult<Option<usize>> {
    draws.map(|d| whole_usize("draws", d)).transpose()
}

fn seed_of(seed: Option<Integer>) -> CoreResult<Option<u64>> {
    seed.map(|s| s.resolve("seed")).transpose()
}

/// The context check of the core, for arguments parsed before the core is called.
fn context_for<'x, C: ServingPolicy>(
    core: &C,
    arg: &str,
    x: Option<&'x [f64]>,
) -> CoreResult<&'x [f64]> {
    cb::context_for(core.context_dim(), arg, x)
}

impl<C: ServingPolicy + Clone + Into<AnyPolicy>> Serving<C> {
    pub(crate) fn new(inner: C) -> Self {
        Serving {
            inner,
            eligible: Vec::new(),
            text: Vec::new(),
        }
    }

    /// Reads an eligible list into `self.eligible`; false when there is none.
    fn read_eligible(&mut self, list: Option<&NameArray<'_>>) -> Result<bool> {
        let Some(list) = list else {
            return Ok(false);
        };
        self.eligible.clear();
        for i in 0..list.len {
            let row = i as usize;
            let item = list.get(i)?;
            let name = match read_str(list.env, item, &mut self.text) {
                Ok(name) => name,
                Err(Some(e)) => return Err(e),
                Err(None) => {
                    return Err(to_napi(bad_value(
                        "eligible",
                        row,
                        format!("expected an arm name, got {}", what(list.env, item)),
                    )));
                }
            };
            let arm = self.inner.arm_index(name).map_err(|_| {
                to_napi(bad_value("eligible", row, format!("no arm named {name:?}")))
            })?;
            self.eligible.push(arm);
        }
        Ok(true)
    }

    /// An arm given by name (or by index into `arms`).
    fn arm_of(&mut self, env: &Env, v: Unknown, arg: &str) -> Result<usize> {
        let (e, raw) = (env.raw(), v.raw());
        match read_str(e, raw, &mut self.text) {
            Ok(name) => self
                .inner
                .arm_index(name)
                .map_err(|_| to_napi(Ki3Error::param(arg, format!("no arm named {name:?}")))),
            Err(Some(err)) => Err(err),
            Err(None) => match try_number(&v) {
                Some(i) => whole_usize(arg, i).napi(),
                None => Err(invalid(format!(
                    "{arg}: expected an arm name (string) or index (number), got {}",
                    what(e, raw)
                ))),
            },
        }
    }

    /// Arms of a batch: names (`string[]`) or indices (`Uint32Array`).
    fn arm_list(&mut self, env: &Env, v: Unknown, arg: &str) -> Result<Vec<usize>> {
        let (e, raw) = (env.raw(), v.raw());
        // SAFETY: a live handle of this call's scope, read on the JS thread.
        match unsafe { classify(e, raw) }? {
            Kind::Typed(TypedArrayType::Uint32) => {
                // SAFETY: a Uint32Array handle of this call's scope.
                let idx = unsafe { Uint32ArraySlice::from_napi_value(e, raw) }?;
                Ok(idx.iter().map(|&i| i as usize).collect())
            }
            Kind::Array => {
                // SAFETY: an array handle of this call's scope.
                let list = unsafe { NameArray::from_napi_value(e, raw) }?;
                let mut out = Vec::with_capacity(initial_capacity(list.len));
                for i in 0..list.len {
                    let row = i as usize;
                    let item = list.get(i)?;
                    let name = match read_str(e, item, &mut self.text) {
                        Ok(name) => name,
                        Err(Some(err)) => return Err(err),
                        Err(None) => {
                            return Err(to_napi(bad_value(
                                arg,
                                row,
                                format!("expected an arm name, got {}", what(e, item)),
                            )));
                        }
                    };
                    let arm = self.inner.arm_index(name).map_err(|_| {
                        to_napi(bad_value(arg, row, format!("no arm named {name:?}")))
                    })?;
                    out.push(arm);
                }
                Ok(out)
            }
            _ => Err(invalid(format!(
                "{arg}: expected arm names (string[]) or indices (Uint32Array), got {}",
                what(e, raw)
            ))),
        }
    }

    pub(crate) fn choose(&mut self, options: ChooseArg<'_>) -> Result<Either<&str, Vec<String>>> {
        let Some(o) = options.0 else {
            let arm = self.inner.choose(None, None).napi()?;
            return Ok(Either::A(arm_name(self.inner.arm_names(), arm)?));
        };
        let k = o.n.map_or(Ok(1), |n| whole_usize("n", n)).napi()?;
        let has_eligible = self.read_eligible(o.eligible.as_ref())?;
        let x = context_for(
            &self.inner,
            "context",
            o.context.as_ref().map(|c| c.as_slice()),
        )
        .napi()?;
        let eligible = has_eligible.then_some(self.eligible.as_slice());
        if k == 1 {
            let arm = self.inner.choose(Some(x), eligible).napi()?;
            Ok(Either::A(arm_name(self.inner.arm_names(), arm)?))
        } else {
            let arms = self.inner.choose_k(Some(x), k, eligible).napi()?;
            Ok(Either::B(self.names(&arms)?))
        }
    }

    /// The name of arm `arm`.
    fn name(&self, arm: usize) -> Result<String> {
        arm_name(self.inner.arm_names(), arm).map(str::to_string)
    }

    /// The names of `arms`.
    fn names(&self, arms: &[usize]) -> Result<Vec<String>> {
        arms.iter().map(|&a| self.name(a)).collect()
    }

    pub(crate) fn decide(&mut self, options: ChooseArg<'_>) -> Result<BanditDecision> {
        let (k, has_eligible, context) = match &options.0 {
            None => (1, false, None),
            Some(o) => (
                o.n.map_or(Ok(1), |n| whole_usize("n", n)).napi()?,
                self.read_eligible(o.eligible.as_ref())?,
                o.context.as_ref().map(|c| c.as_slice()),
            ),
        };
        let x = context_for(&self.inner, "context", context).napi()?;
        let eligible = has_eligible.then_some(self.eligible.as_slice());
        if k == 1 {
            let d = self.inner.decide(Some(x), eligible).napi()?;
            Ok(BanditDecision {
                id: id_to_js(d.id),
                arm: Some(self.name(d.arm)?),
                arms: None,
            })
        } else {
            let d = self.inner.decide_k(Some(x), k, eligible).napi()?;
            Ok(BanditDecision {
                id: id_to_js(d.id),
                arm: None,
                arms: Some(self.names(&d.arms)?),
            })
        }
    }

    /// The reward of single-arm decision `id` (a slate id gets the JS way to reward it).
    pub(crate) fn reward_value(&mut self, id: u64, r: f64) -> Result<()> {
        self.inner.reward(id, r).map(|_| ()).map_err(|err| {
            let mut err = to_napi(err);
            err.reason = err.reason.replace(
                "use reward_slate",
                "reward it with a Float64Array of one reward per arm",
            );
            err
        })
    }

    pub(crate) fn reward(&mut self, env: &Env, id: Unknown, value: Unknown) -> Result<()> {
        let id = decision_id(env, id)?;
        match try_number(&value) {
            Some(r) => self.reward_value(id, r),
            None => {
                let r = f64_array_arg(env, value, "value").map_err(|_| {
                    invalid(format!(
                        "value: expected a number (or a Float64Array for a slate), got {}",
                        what(env.raw(), value.raw())
                    ))
                })?;
                self.inner.reward_slate(id, r.as_slice()).napi()
            }
        }
    }

    pub(crate) fn update(
        &mut self,
        env: &Env,
        arm: Unknown,
        reward: Unknown,
        context: Unknown,
    ) -> Result<()> {
        let arm = self.arm_of(env, arm, "arm")?;
        let r = number_arg(env, reward, "reward")?;
        let context = opt_f64_array_arg(env, context, "context")?;
        self.inner
            .update(arm, context.as_ref().map(|c| c.as_slice()), r)
            .napi()
    }

    pub(crate) fn update_batch(
        &mut self,
        env: &Env,
        arms: Unknown,
        rewards: Unknown,
        contexts: Unknown,
    ) -> Result<()> {
        let arms = self.arm_list(env, arms, "arms")?;
        let rewards = f64_array_arg(env, rewards, "rewards")?;
        let contexts = opt_f64_array_arg(env, contexts, "contexts")?;
        self.inner
            .update_batch(
                &arms,
                contexts.as_ref().map(|c| c.as_slice()),
                rewards.as_slice(),
            )
            .napi()
    }

    pub(crate) fn insight_args(&mut self, env: &Env, options: Unknown) -> Result<InsightArgs> {
        let o: Option<ProbBestOptions> = convert_opt_arg(env, options, "options")?;
        let Some(o) = o else {
            context_for(&self.inner, "context", None).napi()?;
            return Ok(InsightArgs {
                context: Vec::new(),
                eligible: None,
                draws: None,
                seed: None,
            });
        };
        let has_eligible = self.read_eligible(o.eligible.as_ref())?;
        let x = context_for(
            &self.inner,
            "context",
            o.context.as_ref().map(|c| c.as_slice()),
        )
        .napi()?;
        Ok(InsightArgs {
            context: x.to_vec(),
            eligible: has_eligible.then(|| self.eligible.clone()),
            draws: draws_of(o.draws).napi()?,
            seed: seed_of(o.seed).napi()?,
        })
    }

    pub(crate) fn summary_args(&self, env: &Env, options: Unknown) -> Result<SummaryArgs> {
        let o: Option<BanditSummaryOptions> = convert_opt_arg(env, options, "options")?;
        let (level, context) = match &o {
            None => (None, None),
            Some(o) => (o.level, o.context.as_ref().map(|c| c.as_slice())),
        };
        let x = context_for(&self.inner, "context", context).napi()?;
        Ok(SummaryArgs {
            context: x.to_vec(),
            level,
        })
    }

    pub(crate) fn stop_args(&self, env: &Env, options: Unknown) -> Result<StopArgs> {
        let o: ShouldStopOptions = convert_arg(env, options, "options")?;
        let x = context_for(
            &self.inner,
            "context",
            o.context.as_ref().map(|c| c.as_slice()),
        )
        .napi()?;
        if o.prob_best.is_none() && o.expected_loss.is_none() {
            return Err(to_napi(Ki3Error::param(
                "options",
                "set probBest and/or expectedLoss (the stopping thresholds)",
            )));
        }
        let rule = StoppingRule {
            prob_best: o.prob_best,
            expected_loss: o.expected_loss,
        };
        rule.check().napi()?;
        Ok(StopArgs {
            context: x.to_vec(),
            rule,
            draws: draws_of(o.draws).napi()?,
            seed: seed_of(o.seed).napi()?,
        })
    }

    pub(crate) fn add_arm(&mut self, env: &Env, name: Unknown) -> Result<u32> {
        let name = string_arg(env, name, "name")?;
        let i = self.inner.add_arm(&name).napi()?;
        Ok(i as u32)
    }

    pub(crate) fn retire_arm(&mut self, env: &Env, arm: Unknown) -> Result<()> {
        let arm = self.arm_of(env, arm, "arm")?;
        self.inner.retire_arm(arm).napi()
    }

    pub(crate) fn active_names(&self) -> Vec<String> {
        let names = self.inner.arm_names();
        self.inner
            .active_arms()
            .iter()
            .filter_map(|&a| names.get(a).cloned())
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Insight, summary and stopping: sync and on the thread pool

pub struct ProbBestOut {
    arms: Vec<String>,
    insight: Insight,
}

fn run_insight(core: &dyn ServingPolicy, a: &InsightArgs) -> CoreResult<ProbBestOut> {
    let insight = core.insight(Some(&a.context), a.eligible.as_deref(), a.draws, a.seed)?;
    let names = core.arm_names();
    let arms = insight
        .arms
        .iter()
        .map(|&i| names.get(i).cloned().unwrap_or_default())
        .collect();
    Ok(ProbBestOut { arms, insight })
}

pub(crate) fn prob_best_to_js(out: ProbBestOut) -> ProbBestResult {
    ProbBestResult {
        arms: out.arms,
        prob_best: Float64Array::new(out.insight.prob_best),
        expected_loss: Float64Array::new(out.insight.expected_loss),
        draws: out.insight.draws as f64,
    }
}

fn run_summary(core: &dyn ServingPolicy, a: &SummaryArgs) -> CoreResult<Vec<ArmSummary>> {
    core.summary(Some(&a.context), a.level)
}

pub(crate) fn summary_to_js(rows: Vec<ArmSummary>) -> BanditSummary {
    let col = |f: fn(&ArmSummary) -> f64| Float64Array::new(rows.iter().map(f).collect());
    BanditSummary {
        n: col(|r| r.n),
        mean: col(|r| r.mean),
        lower: col(|r| r.lower),
        upper: col(|r| r.upper),
        active: rows.iter().map(|r| r.active).collect(),
        arm: rows.into_iter().map(|r| r.name).collect(),
    }
}

pub struct StopOut {
    best: String,
    decision: StopDecision,
}

fn run_stop(core: &dyn ServingPolicy, a: &StopArgs) -> CoreResult<StopOut> {
    let decision = core.should_stop(Some(&a.context), &a.rule, a.draws, a.seed)?;
    let best = core
        .arm_names()
        .get(decision.best_arm)
        .cloned()
        .unwrap_or_default();
    Ok(StopOut { best, decision })
}

pub(crate) fn stop_to_js(out: StopOut) -> ShouldStopResult {
    ShouldStopResult {
        stop: out.decision.stop,
        best_arm: out.best,
        prob_best: out.decision.prob_best,
        expected_loss: out.decision.expected_loss,
    }
}

/// `probBest` on the libuv thread pool (on a copy of the policy).
pub struct ProbBestTask {
    job: Option<Result<(AnyPolicy, InsightArgs)>>,
}

#[napi]
impl Task for ProbBestTask {
    type Output = ProbBestOut;
    type JsValue = ProbBestResult;

    fn compute(&mut self) -> Result<Self::Output> {
        let (policy, args) = take_job(&mut self.job)?;
        run_insight(policy.as_dyn(), &args).map_err(to_napi)
    }

    fn resolve(&mut self, _env: Env, out: Self::Output) -> Result<Self::JsValue> {
        Ok(prob_best_to_js(out))
    }
}

/// `summary` on the libuv thread pool (on a copy of the policy).
pub struct SummaryTask {
    job: Option<Result<(AnyPolicy, SummaryArgs)>>,
}

#[napi]
impl Task for SummaryTask {
    type Output = Vec<ArmSummary>;
    type JsValue = BanditSummary;

    fn compute(&mut self) -> Result<Self::Output> {
        let (policy, args) = take_job(&mut self.job)?;
        run_summary(policy.as_dyn(), &args).map_err(to_napi)
    }

    fn resolve(&mut self, _env: Env, out: Self::Output) -> Result<Self::JsValue> {
        Ok(summary_to_js(out))
    }
}

/// `shouldStop` on the libuv thread pool (on a copy of the policy).
pub struct ShouldStopTask {
    job: Option<Result<(AnyPolicy, StopArgs)>>,
}

#[napi]
impl Task for ShouldStopTask {
    type Output = StopOut;
    type JsValue = ShouldStopResult;

    fn compute(&mut self) -> Result<Self::Output> {
        let (policy, args) = take_job(&mut self.job)?;
        run_stop(policy.as_dyn(), &args).map_err(to_napi)
    }

    fn resolve(&mut self, _env: Env, out: Self::Output) -> Result<Self::JsValue> {
        Ok(stop_to_js(out))
    }
}

impl<C: ServingPolicy + Clone + Into<AnyPolicy>> Serving<C> {
    pub(crate) fn prob_best(&mut self, env: &Env, options: Unknown) -> Result<ProbBestResult> {
        let args = self.insight_args(env, options)?;
        run_insight(&self.inner, &args).map(prob_best_to_js).napi()
    }

    pub(crate) fn prob_best_async(&mut self, env: &Env, options: Unknown) -> Result<Raw> {
        let job = self
            .insight_args(env, options)
            .map(|args| (self.inner.clone().into(), args));
        spawn(env, ProbBestTask { job: Some(job) })
    }

    pub(crate) fn summary(&self, env: &Env, options: Unknown) -> Result<BanditSummary> {
        let args = self.summary_args(env, options)?;
        run_summary(&self.inner, &args).map(summary_to_js).napi()
    }

    pub(crate) fn summary_async(&self, env: &Env, options: Unknown) -> Result<Raw> {
        let job = self
            .summary_args(env, options)
            .map(|args| (self.inner.clone().into(), args));
        spawn(env, SummaryTask { job: Some(job) })
    }

    pub(crate) fn should_stop(&self, env: &Env, options: Unknown) -> Result<ShouldStopResult> {
        let args = self.stop_args(env, options)?;
        run_stop(&self.inner, &args).map(stop_to_js).napi()
    }

    pub(crate) fn should_stop_async(&self, env: &Env, options: Unknown) -> Result<Raw> {
        let job = self
            .stop_args(env, options)
            .map(|args| (self.inner.clone().into(), args));
        spawn(env, ShouldStopTask { job: Some(job) })
    }
}

// ---------------------------------------------------------------------------------------------
// The classes

/// The methods every bandit class has (one implementation in `Serving`).
macro_rules! bandit_methods {
    ($class:ident, $core:ty) => {
        #[napi]
        impl $class {
            /// Thompson choice: one arm name, or `n` distinct names (best sampled value first)
            /// when `n > 1`. Untracked: learn with `update`. Same seed, same calls: same choices.
            #[napi(
                ts_args_type = "options?: ChooseOptions | undefined | null",
                ts_return_type = "string | string[]"
            )]
            pub fn choose(&mut self, options: ChooseArg<'_>) -> Result<Either<&str, Vec<String>>> {
                self.s.choose(options)
            }

            /// A tracked choice for delayed feedback: `{ id, arm }` (or `{ id, arms }` when
            /// `n > 1`). Pass `id` to `reward` within `pendingHorizon` later decisions.
            #[napi(
                ts_args_type = "options?: ChooseOptions | undefined | null",
                ts_return_type = "BanditDecision"
            )]
            pub fn decide(&mut self, options: ChooseArg<'_>) -> Result<BanditDecision> {
                self.s.decide(options)
            }

            /// The reward of decision `id`: a number, or a Float64Array of one reward per arm of
            /// a slate. Throws (state unchanged) for an unknown, expired or already rewarded id
            /// or an invalid reward.
            #[napi(ts_args_type = "id: number | bigint, value: number | Float64Array")]
            pub fn reward(&mut self, env: Env, id: Unknown, value: Unknown) -> Result<()> {
                self.s.reward(&env, id, value)
            }

            /// Learns one observed reward of `arm` (a name, or an index into `arms`). `LinearTS`
            /// needs the context it was played in. On error the state is unchanged.
            #[napi(
                ts_args_type = "arm: string | number, reward: number, context?: Float64Array | undefined | null"
            )]
            pub fn update(
                &mut self,
                env: Env,
                arm: Unknown,
                reward: Unknown,
                context: Unknown,
            ) -> Result<()> {
                self.s.update(&env, arm, reward, context)
            }

            /// Learns `rewards[i]` of `arms[i]` in order (names, or indices into `arms` as a
            /// Uint32Array); `LinearTS` takes `contexts`, row-major `arms.length × nFeatures`.
            /// All or nothing: everything is checked before anything is applied.
            #[napi(
                ts_args_type = "arms: string[] | Uint32Array, rewards: Float64Array, contexts?: Float64Array | undefined | null"
            )]
            pub fn update_batch(
                &mut self,
                env: Env,
                arms: Unknown,
                rewards: Unknown,
                contexts: Unknown,
            ) -> Result<()> {
                self.s.update_batch(&env, arms, rewards, contexts)
            }

            /// Monte Carlo probability that each candidate arm is best, and its expected loss.
            /// Uses its own seed; the policy's random stream is untouched.
            #[napi(
                ts_args_type = "options?: ProbBestOptions | undefined | null",
                ts_return_type = "ProbBestResult"
            )]
            pub fn prob_best(&mut self, env: Env, options: Unknown) -> Result<ProbBestResult> {
                self.s.prob_best(&env, options)
            }

            /// `probBest` on the libuv thread pool (works on a copy of the state).
            #[napi(
                ts_args_type = "options?: ProbBestOptions | undefined | null",
                ts_return_type = "Promise<ProbBestResult>"
            )]
            pub fn prob_best_async(&mut self, env: Env, options: Unknown) -> Result<Raw> {
                self.s.prob_best_async(&env, options)
            }

            /// Posterior mean and central credible interval of every arm, as columns.
            #[napi(
                ts_args_type = "options?: BanditSummaryOptions | undefined | null",
                ts_return_type = "BanditSummary"
            )]
            pub fn summary(&self, env: Env, options: Unknown) -> Result<BanditSummary> {
                self.s.summary(&env, options)
            }

            /// `summary` on the libuv thread pool (works on a copy of the state).
            #[napi(
                ts_args_type = "options?: BanditSummaryOptions | undefined | null",
                ts_return_type = "Promise<BanditSummary>"
            )]
            pub fn summary_async(&self, env: Env, options: Unknown) -> Result<Raw> {
                self.s.summary_async(&env, options)
            }

            /// The stopping rule over the active arms: stop when the best arm's `P(best)`
            /// exceeds `probBest` or its expected loss is below `expectedLoss`.
            #[napi(
                ts_args_type = "options: ShouldStopOptions",
                ts_return_type = "ShouldStopResult"
            )]
            pub fn should_stop(&self, env: Env, options: Unknown) -> Result<ShouldStopResult> {
                self.s.should_stop(&env, options)
            }

            /// `shouldStop` on the libuv thread pool (works on a copy of the state).
            #[napi(
                ts_args_type = "options: ShouldStopOptions",
                ts_return_type = "Promise<ShouldStopResult>"
            )]
            pub fn should_stop_async(&self, env: Env, options: Unknown) -> Result<Raw> {
                self.s.should_stop_async(&env, options)
            }

            /// Adds an arm (prior as posterior) and returns its index in `arms`.
            #[napi(ts_args_type = "name: string")]
            pub fn add_arm(&mut self, env: Env, name: Unknown) -> Result<u32> {
                self.s.add_arm(&env, name)
            }

            /// Retires an arm (name or index): never chosen again; it keeps its index and
            /// statistics, and pending decisions on it can still be rewarded.
            #[napi(ts_args_type = "arm: string | number")]
            pub fn retire_arm(&mut self, env: Env, arm: Unknown) -> Result<()> {
                self.s.retire_arm(&env, arm)
            }

            /// Every arm name, by index (retired arms included).
            #[napi(getter)]
            pub fn arms(&self) -> Result<Vec<String>> {
                Ok(self.s.inner.arm_names().to_vec())
            }

            /// The names of the arms that can be chosen (not retired).
            #[napi(getter)]
            pub fn active_arms(&self) -> Result<Vec<String>> {
                Ok(self.s.active_names())
            }

            /// Number of rewards learnt so far.
            #[napi(getter)]
            pub fn n_updates(&self) -> Result<f64> {
                Ok(self.s.inner.n_updates() as f64)
            }

            /// Number of decisions awaiting their reward (within the horizon).
            #[napi(getter)]
            pub fn pending_decisions(&self) -> Result<u32> {
                Ok(u32::try_from(self.s.inner.pending_decisions()).unwrap_or(u32::MAX))
            }

            /// The id the next tracked decision will get.
            #[napi(getter, ts_return_type = "number | bigint")]
            pub fn next_decision_id(&self) -> Result<Either<f64, BigInt>> {
                Ok(id_to_js(self.s.inner.next_decision_id()))
            }

            /// The whole state as JSON (parameters, statistics, pending decisions, random
            /// generator): the same format in Python, Node and Rust.
            #[napi]
            pub fn to_json(&self) -> Result<String> {
                self.s.inner.to_json().napi()
            }

            /// Loads a state saved by `toJson` here, in Python or in Rust; it continues the same
            /// random stream (same decisions). Corrupt input or another kind throws.
            #[napi(factory, ts_args_type = "json: string")]
            pub fn from_json(env: Env, json: Unknown) -> Result<Self> {
                let json = string_arg(&env, json, "json")?;
                let inner = <$core>::from_json(&json).napi()?;
                Ok($class {
                    s: Serving::new(inner),
                })
            }

            /// Adds to this policy the updates `other` collected since their common snapshot
            /// `base` (a state both were loaded from). Needs `discount` 1 and the same prior.
            #[napi(ts_args_type = "base: this, other: this")]
            pub fn merge(
                &mut self,
                this: This,
                env: Env,
                base: Unknown,
                other: Unknown,
            ) -> Result<()> {
                // `self` is borrowed mutably: reading it through `base` or `other` would alias,
                // so the same JS object is refused before it is unwrapped.
                for (arg, v) in [("base", &base), ("other", &other)] {
                    if env.strict_equals(this.object, *v)? {
                        return Err(invalid(format!(
                            "{arg}: must be another policy, not the one being merged into"
                        )));
                    }
                }
                let (e, class) = (env.raw(), stringify!($class));
                let instance = |v: Unknown, arg: &str| {
                    // SAFETY: a live handle of this call's scope, read on the JS thread; the
                    // type tag check rejects objects of other classes.
                    unsafe { ClassInstance::<$class>::from_napi_value(e, v.raw()) }.map_err(|_| {
                        invalid(format!(
                            "{arg}: expected a {class}, got {}",
                            what(e, v.raw())
                        ))
                    })
                };
                let base = instance(base, "base")?;
                let other = instance(other, "other")?;
                self.s.inner.merge(&base.s.inner, &other.s.inner).napi()
            }
        }
    };
}

/// Thompson sampling for rewards in [0, 1] (clicks, conversions; fractional rewards are
/// allowed) with a Beta prior per arm.
#[napi(js_name = "BernoulliTS")]
pub struct BernoulliTS {
    pub(crate) s: Serving<cb::BernoulliTs>,
}

#[napi]
impl BernoulliTS {
    /// A new policy; every arm starts at the prior.
    #[napi(constructor, ts_args_type = "options: BernoulliTSOptions")]
    pub fn new(env: Env, options: Unknown) -> Result<Self> {
        let o: BernoulliTSOptions = convert_arg(&env, options, "options")?;
        Ok(BernoulliTS {
            s: Serving::new(o.build().napi()?),
        })
    }
}

bandit_methods!(BernoulliTS, cb::BernoulliTs);

/// Thompson sampling for continuous rewards with unknown mean and variance per arm
/// (Normal–Inverse-Gamma prior).
#[napi(js_name = "GaussianTS")]
pub struct GaussianTS {
    pub(crate) s: Serving<cb::GaussianTs>,
}

#[napi]
impl GaussianTS {
    /// A new policy; every arm starts at the prior.
    #[napi(constructor, ts_args_type = "options: GaussianTSOptions")]
    pub fn new(env: Env, options: Unknown) -> Result<Self> {
        let o: GaussianTSOptions = convert_arg(&env, options, "options")?;
        Ok(GaussianTS {
            s: Serving::new(o.build().napi()?),
        })
    }
}

bandit_methods!(GaussianTS, cb::GaussianTs);

/// Contextual linear Thompson sampling: one Bayesian ridge regression of the reward on the
/// context per arm. Every choice, decision, update and insight takes a context
/// (`Float64Array` of length `nFeatures`).
#[napi(js_name = "LinearTS")]
pub struct LinearTS {
    pub(crate) s: Serving<cb::LinearTs>,
}

#[napi]
impl LinearTS {
    /// A new policy; every arm starts at the prior.
    #[napi(constructor, ts_args_type = "options: LinearTSOptions")]
    pub fn new(env: Env, options: Unknown) -> Result<Self> {
        let o: LinearTSOptions = convert_arg(&env, options, "options")?;
        Ok(LinearTS {
            s: Serving::new(o.build().napi()?),
        })
    }

    /// Length of the context vectors.
    #[napi(getter)]
    pub fn n_features(&self) -> Result<u32> {
        Ok(u32::try_from(self.s.inner.dim()).unwrap_or(u32::MAX))
    }
}

bandit_methods!(LinearTS, cb::LinearTs);

impl BernoulliTS {
    pub(crate) fn core(&self) -> Result<&cb::BernoulliTs> {
        Ok(&self.s.inner)
    }
}

impl GaussianTS {
    pub(crate) fn core(&self) -> Result<&cb::GaussianTs> {
        Ok(&self.s.inner)
    }
}

impl LinearTS {
    pub(crate) fn core(&self) -> Result<&cb::LinearTs> {
        Ok(&self.s.inner)
    }
}

/// A core default as JS sees it: a number, a list of numbers, or null (unset).
type DefaultValue = Option<Either<f64, Vec<f64>>>;

/// The core's defaults of every public class and function, `"Class.method.param"` → value (methods and
/// parameters in the core's snake_case, `new` for the constructor): what an option left out
/// takes. Node never restates them; the tests compare what the classes do with this map.
#[napi(ts_return_type = "Record<string, number | number[] | null>")]
pub fn core_defaults() -> std::collections::HashMap<String, DefaultValue> {
    use serde_json::Value;
    let number = |v: &Value| v.as_f64();
    ki3_core::defaults::defaults()
        .into_iter()
        .map(|(key, value)| {
            let js = match &value {
                Value::Array(items) => Some(Either::B(items.iter().filter_map(number).collect())),
                other => number(other).map(Either::A),
            };
            (key, js)
        })
        .collect()
}
