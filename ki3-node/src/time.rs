//! Points in time given as number, bigint or Date, and the `timeUnit` option.

use ki3_core::{Ki3Error, TimeUnit};
use napi::bindgen_prelude::*;

type CoreResult<T> = std::result::Result<T, Ki3Error>;

/// The JS value of a point in time: a number, a bigint or a `Date`.
pub enum JsTime<'a> {
    Number(f64),
    BigInt(BigInt),
    Date(Date<'a>),
}

impl TypeName for JsTime<'_> {
    fn type_name() -> &'static str {
        "number | bigint | Date"
    }

    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

impl FromNapiValue for JsTime<'_> {
    unsafe fn from_napi_value(env: sys::napi_env, v: sys::napi_value) -> Result<Self> {
        let ty = type_of!(env, v)?;
        // SAFETY (all arms): `v` is a live handle of the current call, of the checked type.
        match ty {
            ValueType::Number => Ok(JsTime::Number(unsafe { f64::from_napi_value(env, v) }?)),
            ValueType::BigInt => Ok(JsTime::BigInt(unsafe { BigInt::from_napi_value(env, v) }?)),
            ValueType::Object if unsafe { Date::validate(env, v) }.is_ok() => {
                Ok(JsTime::Date(unsafe { Date::from_napi_value(env, v) }?))
            }
            other => Err(Error::new(
                Status::InvalidArg,
                format!(
                    "expected a number, bigint or Date, got {}",
                    format!("{other:?}").to_lowercase()
                ),
            )),
        }
    }
}

/// A point in time read from JS, checked later (possibly off the JS thread).
#[derive(Debug, Clone, Copy)]
pub enum TimeArg {
    /// A number in the call's time unit.
    Number(f64),
    /// A bigint in the call's time unit; `None` when it does not fit in 64 bits.
    BigInt(Option<i64>),
    /// A `Date`: milliseconds since the epoch (NaN for an invalid date).
    DateMs(f64),
}

impl TimeArg {
    /// Reads the JS value (the only part that needs the JS thread).
    pub fn read(v: &JsTime<'_>) -> Result<Self> {
        Ok(match v {
            JsTime::Number(n) => TimeArg::Number(*n),
            JsTime::BigInt(b) => {
                let (value, lossless) = b.get_i64();
                TimeArg::BigInt(lossless.then_some(value))
            }
            JsTime::Date(d) => TimeArg::DateMs(d.value_of()?),
        })
    }

    /// The time as an integer in `unit`. A `Date` is floored to the unit (events at or before
    /// the instant count).
    pub fn resolve(self, name: &str, unit: TimeUnit) -> CoreResult<i64> {
        let bad = |reason: String| Ki3Error::param(name, reason);
        match self {
            TimeArg::Number(v) => {
                if !v.is_finite() {
                    return Err(bad(format!("must be finite, got {v}")));
                }
                if v.fract() != 0.0
                    || !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&v)
                {
                    return Err(bad(format!(
                        "must be an integer in timeUnit units (or a Date), got {v}"
                    )));
                }
                Ok(v as i64)
            }
            TimeArg::BigInt(Some(v)) => Ok(v),
            TimeArg::BigInt(None) => Err(bad("bigint does not fit in 64 bits".into())),
            TimeArg::DateMs(ms) => {
                if !ms.is_finite() {
                    return Err(bad("invalid Date".into()));
                }
                // Date values are integral milliseconds within +-8.64e15.
                let ms = ms as i64;
                let ticks = match unit {
                    TimeUnit::Days => Some(ms.div_euclid(86_400_000)),
                    TimeUnit::Seconds => Some(ms.div_euclid(1_000)),
                    TimeUnit::Milliseconds => Some(ms),
                    TimeUnit::Microseconds => ms.checked_mul(1_000),
                    TimeUnit::Nanoseconds => ms.checked_mul(1_000_000),
                };
                ticks.ok_or_else(|| bad("Date out of range for timeUnit \"ns\"".into()))
            }
        }
    }
}

/// Parses the `timeUnit` option (default: milliseconds, the JS `Date` convention).
pub fn parse_unit(unit: Option<&str>) -> CoreResult<TimeUnit> {
    match unit {
        None => Ok(TimeUnit::Milliseconds),
        Some(u) => TimeUnit::parse(u),
    }
}
