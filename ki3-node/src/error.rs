//! The one error mapper: `Ki3Error` -> a JS `Error` carrying the core message.
//!
//! The error's kind gives the thrown `Error`'s `code`: input errors (bad data, bad parameters,
//! corrupt saved state) get the status `InvalidArg`, so `code` is `"InvalidArg"`, the same code
//! napi-rs uses when an argument has the wrong JS type; not-fitted, convergence and numerical
//! failures are `"GenericFailure"`; cancelled work is `"Cancelled"`.
//!
//! Argument names inside the message follow one rule: the core's snake_case names are turned
//! into camelCase ([`camel_case`]), so `time_unit` reads `timeUnit`; the rest of the message is
//! the core's.

use ki3_core::{ErrorKind, Ki3Error};
use napi::{Error, Status};

/// `snake_case` → `camelCase`: every `_` between two name characters is dropped and the letter
/// after it upper-cased (`top_two_max_resamples` → `topTwoMaxResamples`, `drift.at` and
/// `T` unchanged).
pub fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut chars = name.chars().peekable();
    let mut prev_is_word = false;
    while let Some(c) = chars.next() {
        let next_word = chars.peek().copied().filter(char::is_ascii_alphanumeric);
        if let (true, true, Some(next)) = (c == '_', prev_is_word, next_word) {
            chars.next();
            out.push(next.to_ascii_uppercase());
            prev_is_word = true;
            continue;
        }
        prev_is_word = c.is_ascii_alphanumeric();
        out.push(c);
    }
    out
}

/// The napi status (the JS `code`) of each error kind.
fn status(kind: ErrorKind) -> Status {
    match kind {
        ErrorKind::Input => Status::InvalidArg,
        ErrorKind::NotFitted | ErrorKind::Convergence | ErrorKind::Numerical => {
            Status::GenericFailure
        }
        ErrorKind::Cancelled => Status::Cancelled,
    }
}

/// The message of a core error as Node shows it (argument names in camelCase).
pub fn node_message(err: Ki3Error) -> String {
    err.map_arg_names(camel_case).to_string()
}

/// Maps a core error to the `napi::Error` thrown (or rejected) in JavaScript.
pub fn to_napi(err: Ki3Error) -> Error {
    let status = status(err.kind());
    Error::new(status, node_message(err))
}

/// Shorthand: run a core call and map its error.
pub trait IntoNapi<T> {
    fn napi(self) -> napi::Result<T>;
}

impl<T> IntoNapi<T> for ki3_core::Result<T> {
    fn napi(self) -> napi::Result<T> {
        self.map_err(to_napi)
    }
}

/// An invalid-value error for row `index` of column `arg` (same format as the core's).
pub fn bad_value(arg: &str, index: usize, reason: impl Into<String>) -> Ki3Error {
    Ki3Error::InvalidValue {
        arg: arg.to_string(),
        index,
        reason: reason.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_case_rule() {
        assert_eq!(camel_case("time_unit"), "timeUnit");
        assert_eq!(camel_case("top_two_max_resamples"), "topTwoMaxResamples");
        assert_eq!(camel_case("amount"), "amount");
        assert_eq!(camel_case("T"), "T");
        assert_eq!(camel_case("t"), "t");
        assert_eq!(camel_case("drift.rates"), "drift.rates");
        assert_eq!(camel_case("events × context_dim"), "events × contextDim");
        assert_eq!(camel_case("_private"), "_private");
        assert_eq!(camel_case("trailing_"), "trailing_");
        assert_eq!(camel_case("a__b"), "a__b");
        assert_eq!(camel_case("n_2"), "n2");
    }

    // (The tests use no napi types: the test binary is not linked against Node.)
    #[test]
    fn codes_by_kind() {
        assert_eq!(
            status(Ki3Error::param("x", "bad").kind()),
            Status::InvalidArg
        );
        assert_eq!(status(Ki3Error::corrupt("bad").kind()), Status::InvalidArg);
        assert_eq!(status(Ki3Error::NotFitted.kind()), Status::GenericFailure);
        assert_eq!(
            status(Ki3Error::numerical("nan").kind()),
            Status::GenericFailure
        );
        assert_eq!(status(Ki3Error::Cancelled.kind()), Status::Cancelled);
    }

    #[test]
    fn messages_rename_arguments_only() {
        let e = Ki3Error::LengthMismatch {
            arg: "monetary_value".into(),
            got: 1,
            expected_arg: "label_time".into(),
            expected: 2,
        };
        assert_eq!(
            node_message(e),
            "monetaryValue: length 1 does not match labelTime length 2"
        );
        let p = Ki3Error::param("pending_horizon", "must be ≥ 1, got top_two");
        assert_eq!(
            node_message(p),
            "invalid parameter pendingHorizon: must be ≥ 1, got top_two"
        );
    }
}
