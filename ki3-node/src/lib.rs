//! Node bindings of ki3 (napi-rs): thin conversions around `ki3-core`.
//!
//! * `columns`: event columns in (typed arrays without copying where the element type is the
//!   core's, string columns factorised), feature tables out.
//! * `features`: `customerFeatures`, `historicalFeatures`, `FeatureAggregator`.
//! * `rfm`: `rfmSummary`, `rfmScores`.
//! * `data`: `syntheticShop`, `syntheticMedia`.
//! * `bandit`: `BernoulliTS`, `GaussianTS`, `LinearTS` (Thompson sampling for serving).
//! * `bandit_eval`: `simulate`, `replay`.
//! * `uplift`: uplift evaluation metrics (`qiniAucScore`, `upliftAtK`, `qiniCurve`, ...).
//! * `uplift_models`: fitted meta-learners loaded from JSON (`TLearner`, ...): `predict`.
//!
//! Every `...Async` function copies its inputs, runs on the libuv thread pool (`AsyncTask`) and
//! reports every error, argument type errors included, by rejecting its promise.

#![deny(clippy::unwrap_used, clippy::expect_used)]
// napi-rs registers exports only outside `cfg(test)`, so the unit-test build of this crate
// (`cargo clippy --all-targets`) sees every export as unused.
#![cfg_attr(test, allow(dead_code))]

use napi::bindgen_prelude::*;

mod bandit;
mod bandit_eval;
mod columns;
mod data;
mod error;
mod features;
mod load;
mod rfm;
mod time;
mod uplift;
mod uplift_models;

/// Converts an object argument taken as `Unknown`, so that a missing argument or a wrong type is
/// reported with the argument's name (and an `...Async` function can reject instead of throw).
/// Field errors read `"<name>.<field>: <problem>"`.
pub(crate) fn convert_arg<T: FromNapiValue>(env: &Env, value: Unknown, name: &str) -> Result<T> {
    let ty = value.get_type()?;
    if ty != ValueType::Object {
        return Err(Error::new(
            Status::InvalidArg,
            format!(
                "{name}: expected an object, got {}",
                format!("{ty:?}").to_lowercase()
            ),
        ));
    }
    // SAFETY: `value` is a live handle of this call's scope on the JS thread.
    unsafe { T::from_napi_value(env.raw(), value.raw()) }.map_err(|e| field_error(e, name))
}

/// Rewrites napi-rs object conversion errors ("Missing field `x`", "<problem> on Struct.x") to
/// name the argument and field.
fn field_error(err: Error, name: &str) -> Error {
    if err.status == Status::PendingException {
        return err;
    }
    let reason = err.reason.as_str();
    let message = if let Some(field) = reason
        .strip_prefix("Missing field `")
        .and_then(|r| r.strip_suffix('`'))
    {
        format!("{name}.{field}: required field is missing")
    } else if let Some((problem, field)) = reason
        .rsplit_once(" on ")
        .and_then(|(p, place)| Some((p, place.split_once('.')?.1)))
    {
        format!("{name}.{field}: {problem}")
    } else {
        format!("{name}: {reason}")
    };
    Error::new(Status::InvalidArg, message)
}

/// [`convert_arg`] for an optional argument: `undefined` and `null` give `None`.
pub(crate) fn convert_opt_arg<T: FromNapiValue>(
    env: &Env,
    value: Unknown,
    name: &str,
) -> Result<Option<T>> {
    match value.get_type()? {
        ValueType::Undefined | ValueType::Null => Ok(None),
        _ => convert_arg(env, value, name).map(Some),
    }
}

/// An optional number argument (`undefined` / `null` give `None`).
pub(crate) fn opt_number(env: &Env, value: Unknown, name: &str) -> Result<Option<f64>> {
    match value.get_type()? {
        ValueType::Undefined | ValueType::Null => Ok(None),
        // SAFETY: a number handle of this call's scope, read on the JS thread.
        ValueType::Number => unsafe { f64::from_napi_value(env.raw(), value.raw()) }.map(Some),
        other => Err(Error::new(
            Status::InvalidArg,
            format!(
                "{name}: expected a number, got {}",
                format!("{other:?}").to_lowercase()
            ),
        )),
    }
}

/// A string argument.
pub(crate) fn string_arg(env: &Env, value: Unknown, name: &str) -> Result<String> {
    match value.get_type()? {
        // SAFETY: a string handle of this call's scope, read on the JS thread.
        ValueType::String => unsafe { String::from_napi_value(env.raw(), value.raw()) },
        other => Err(Error::new(
            Status::InvalidArg,
            format!(
                "{name}: expected a string, got {}",
                format!("{other:?}").to_lowercase()
            ),
        )),
    }
}

/// Takes the prepared job of an async task (it runs once).
/// A JS value created during the call.
pub struct Raw(pub(crate) sys::napi_value);

impl TypeName for Raw {
    fn type_name() -> &'static str {
        "unknown"
    }

    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

impl ToNapiValue for Raw {
    unsafe fn to_napi_value(_env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        Ok(val.0)
    }
}

/// Queues `task` on the libuv thread pool and returns its promise.
///
/// Not an `AsyncTask` return value: napi-rs keeps the receiver (`&self` / `&mut self`) of a
/// method that returns an `AsyncTask` borrowed until the promise settles, so every other call on
/// the object during a long task would throw. Methods that use this give the task its own copy
/// of the state, so the borrow can end with the call.
pub(crate) fn spawn<T: Task>(env: &Env, task: T) -> Result<Raw> {
    let promise = env.spawn(task)?;
    Ok(Raw(promise.promise_object().raw()))
}

pub(crate) fn take_job<T>(job: &mut Option<Result<T>>) -> Result<T> {
    job.take()
        .unwrap_or_else(|| Err(Error::from_reason("ki3: task ran twice")))
}
