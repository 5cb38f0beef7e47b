//! The one error type of ki3. Every variant names the argument (column, parameter) at fault.

use thiserror::Error;

/// What kind of problem an error is: the one thing the bindings map from (a Python exception
/// class, a Node error code). Every [`Ki3Error`] variant has exactly one kind ([`Ki3Error::kind`]).
///
/// Deliberately exhaustive: a new kind must be mapped by every binding, so adding one is a
/// compile error there until it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The caller's input is at fault: data, parameters or saved state.
    Input,
    /// A model was used before `fit`.
    NotFitted,
    /// An iterative method did not converge.
    Convergence,
    /// A computation failed numerically on valid input (e.g. a sampler diverged, a matrix that
    /// should be positive definite is not).
    Numerical,
    /// The caller cancelled the work (a cancellation flag was set).
    Cancelled,
}

/// Everything that can go wrong in ki3. Bindings map it by [`Ki3Error::kind`]: in Python
/// `ki3.InvalidInputError` (a `ValueError`), `NotFittedError`, `ConvergenceError`,
/// `NumericalError` or `KeyboardInterrupt`; in Node an `Error` carrying the same message.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum Ki3Error {
    /// A NaN or infinite value where a finite number is required.
    #[error("{arg}: non-finite value at row {index}")]
    NonFinite { arg: String, index: usize },
    /// Two columns that must have the same length do not.
    #[error("{arg}: length {got} does not match {expected_arg} length {expected}")]
    LengthMismatch {
        arg: String,
        got: usize,
        expected_arg: String,
        expected: usize,
    },
    /// A value that is finite but not allowed (e.g. a negative amount).
    #[error("{arg}: invalid value at row {index}: {reason}")]
    InvalidValue {
        arg: String,
        index: usize,
        reason: String,
    },
    /// Input that must not be empty is empty.
    #[error("{arg}: empty input")]
    Empty { arg: String },
    /// A hyper-parameter or option outside its allowed range.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter { name: String, reason: String },
    /// A model was used before `fit`.
    #[error("model is not fitted")]
    NotFitted,
    /// An iterative method did not converge.
    #[error("did not converge: {reason}")]
    Convergence { reason: String },
    /// Saved state that cannot be loaded (bad JSON, wrong kind or version, invalid fields).
    #[error("corrupt saved state: {reason}")]
    Corrupt { reason: String },
    /// A computation failed numerically on valid input.
    #[error("numerical failure: {reason}")]
    Numerical { reason: String },
    /// The work was cancelled through its cancellation flag; the inputs are unchanged.
    #[error("cancelled")]
    Cancelled,
}

impl Ki3Error {
    /// Shorthand for [`Ki3Error::InvalidParameter`].
    pub fn param(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Ki3Error::InvalidParameter {
            name: name.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Ki3Error::Corrupt`].
    pub fn corrupt(reason: impl Into<String>) -> Self {
        Ki3Error::Corrupt {
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Ki3Error::Numerical`].
    pub fn numerical(reason: impl Into<String>) -> Self {
        Ki3Error::Numerical {
            reason: reason.into(),
        }
    }

    /// The kind of the error, which the bindings map to an exception class or error code.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Ki3Error::NonFinite { .. }
            | Ki3Error::LengthMismatch { .. }
            | Ki3Error::InvalidValue { .. }
            | Ki3Error::Empty { .. }
            | Ki3Error::InvalidParameter { .. }
            | Ki3Error::Corrupt { .. } => ErrorKind::Input,
            Ki3Error::NotFitted => ErrorKind::NotFitted,
            Ki3Error::Convergence { .. } => ErrorKind::Convergence,
            Ki3Error::Numerical { .. } => ErrorKind::Numerical,
            Ki3Error::Cancelled => ErrorKind::Cancelled,
        }
    }

    /// The same error with every argument-name field (`arg`, `expected_arg`, `name`) passed
    /// through `rename`; the rest of the error is unchanged. Bindings use it to spell argument
    /// names their way (Node: camelCase).
    pub fn map_arg_names(self, rename: impl Fn(&str) -> String) -> Self {
        match self {
            Ki3Error::NonFinite { arg, index } => Ki3Error::NonFinite {
                arg: rename(&arg),
                index,
            },
            Ki3Error::LengthMismatch {
                arg,
                got,
                expected_arg,
                expected,
            } => Ki3Error::LengthMismatch {
                arg: rename(&arg),
                got,
                expected_arg: rename(&expected_arg),
                expected,
            },
            Ki3Error::InvalidValue { arg, index, reason } => Ki3Error::InvalidValue {
                arg: rename(&arg),
                index,
                reason,
            },
            Ki3Error::Empty { arg } => Ki3Error::Empty { arg: rename(&arg) },
            Ki3Error::InvalidParameter { name, reason } => Ki3Error::InvalidParameter {
                name: rename(&name),
                reason,
            },
            other => other,
        }
    }
}

/// `Result` with [`Ki3Error`].
pub type Result<T> = std::result::Result<T, Ki3Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_its_kind() {
        let input = [
            Ki3Error::NonFinite {
                arg: "x".into(),
                index: 0,
            },
            Ki3Error::LengthMismatch {
                arg: "x".into(),
                got: 1,
                expected_arg: "y".into(),
                expected: 2,
            },
            Ki3Error::InvalidValue {
                arg: "x".into(),
                index: 0,
                reason: "bad".into(),
            },
            Ki3Error::Empty { arg: "x".into() },
            Ki3Error::param("x", "bad"),
            Ki3Error::corrupt("bad"),
        ];
        for e in input {
            assert_eq!(e.kind(), ErrorKind::Input, "{e}");
        }
        assert_eq!(Ki3Error::NotFitted.kind(), ErrorKind::NotFitted);
        let conv = Ki3Error::Convergence {
            reason: "slow".into(),
        };
        assert_eq!(conv.kind(), ErrorKind::Convergence);
        assert_eq!(Ki3Error::numerical("nan").kind(), ErrorKind::Numerical);
        assert_eq!(Ki3Error::Cancelled.kind(), ErrorKind::Cancelled);
    }

    #[test]
    fn messages_of_the_new_variants() {
        assert_eq!(
            Ki3Error::numerical("matrix not positive definite").to_string(),
            "numerical failure: matrix not positive definite"
        );
        assert_eq!(Ki3Error::Cancelled.to_string(), "cancelled");
    }

    #[test]
    fn map_arg_names_touches_only_argument_names() {
        let e = Ki3Error::LengthMismatch {
            arg: "a_b".into(),
            got: 1,
            expected_arg: "c_d".into(),
            expected: 2,
        };
        let up = e.map_arg_names(|s| s.to_uppercase());
        assert_eq!(up.to_string(), "A_B: length 1 does not match C_D length 2");
        let p =
            Ki3Error::param("top_two", "must be in (0, 1)").map_arg_names(|s| s.replace('_', ""));
        assert_eq!(p.to_string(), "invalid parameter toptwo: must be in (0, 1)");
        let c = Ki3Error::corrupt("kind_x").map_arg_names(|s| s.to_uppercase());
        assert_eq!(c.to_string(), "corrupt saved state: kind_x");
    }
}
