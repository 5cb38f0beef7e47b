//! The one error type of ki3. Every variant names the argument (column, parameter) at fault.

use thiserror::Error;

/// Everything that can go wrong in ki3. Bindings map this to `ki3.InvalidInputError` (Python,
/// a `ValueError`) or a Node `Error` carrying the same message.
#[derive(Debug, Clone, PartialEq, Error)]
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

    /// True when the caller's input (data, parameters, saved state) is at fault.
    pub fn is_input_error(&self) -> bool {
        !matches!(self, Ki3Error::NotFitted | Ki3Error::Convergence { .. })
    }
}

/// `Result` with [`Ki3Error`].
pub type Result<T> = std::result::Result<T, Ki3Error>;
