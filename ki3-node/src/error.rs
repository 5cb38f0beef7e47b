//! The one error mapper: `Ki3Error` -> a JS `Error` carrying the core message.
//!
//! Input errors (bad data, bad parameters, corrupt saved state) get the status `InvalidArg`, so
//! the thrown `Error` has `code: "InvalidArg"`, the same code napi-rs uses when an argument has
//! the wrong JS type; everything else (`NotFitted`, `Convergence`) is `GenericFailure`.
//!
//! Argument names inside the message are the Node option names (`timeUnit`, `labelTime`, `T`,
//! ...) rather than the core's snake_case names; the rest of the message is the core's.

use ki3_core::Ki3Error;
use napi::{Error, Status};

/// Core argument names that are spelled differently in the Node API.
fn node_name(name: &str) -> String {
    match name {
        "time_unit" => "timeUnit",
        "label_time" => "labelTime",
        "label_customer" => "labels.customer",
        "as_of" => "asOf",
        "freq_multiplier" => "freqMultiplier",
        "observation_end" => "observationEnd",
        "monetary_value" => "monetaryValue",
        "t" => "T",
        "n_customers" => "nCustomers",
        "events_per_customer" => "eventsPerCustomer",
        // bandits
        "dim" | "context_dim" => "nFeatures",
        "decision_id" => "id",
        "top_two" => "topTwo",
        "top_two_max_resamples" => "topTwoMaxResamples",
        "pending_horizon" => "pendingHorizon",
        "n_arms" | "arm_names" => "arms",
        "prob_best" => "probBest",
        "expected_loss" => "expectedLoss",
        "k" => "n",
        other => other,
    }
    .to_string()
}

/// Renames the argument fields of a core error to their Node spelling.
fn renamed(err: Ki3Error) -> Ki3Error {
    match err {
        Ki3Error::NonFinite { arg, index } => Ki3Error::NonFinite {
            arg: node_name(&arg),
            index,
        },
        Ki3Error::LengthMismatch {
            arg,
            got,
            expected_arg,
            expected,
        } => Ki3Error::LengthMismatch {
            arg: node_name(&arg),
            got,
            expected_arg: node_name(&expected_arg),
            expected,
        },
        Ki3Error::InvalidValue { arg, index, reason } => Ki3Error::InvalidValue {
            arg: node_name(&arg),
            index,
            reason,
        },
        Ki3Error::Empty { arg } => Ki3Error::Empty {
            arg: node_name(&arg),
        },
        Ki3Error::InvalidParameter { name, reason } => Ki3Error::InvalidParameter {
            name: node_name(&name),
            reason,
        },
        other => other,
    }
}

/// Maps a core error to the `napi::Error` thrown (or rejected) in JavaScript.
pub fn to_napi(err: Ki3Error) -> Error {
    let status = if err.is_input_error() {
        Status::InvalidArg
    } else {
        Status::GenericFailure
    };
    Error::new(status, renamed(err).to_string())
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
