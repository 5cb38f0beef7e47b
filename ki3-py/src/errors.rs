//! The one place where core errors become Python exceptions.

use ki3_core::Ki3Error;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyType;

/// The exception class from `ki3._errors` that stands for `err`.
fn class_name(err: &Ki3Error) -> &'static str {
    match err {
        Ki3Error::NotFitted => "NotFittedError",
        Ki3Error::Convergence { .. } => "ConvergenceError",
        _ => "InvalidInputError",
    }
}

/// Maps a core error to `ki3.InvalidInputError` / `NotFittedError` / `ConvergenceError`, with the
/// core error's message. Falls back to `ValueError` / `RuntimeError` if `ki3._errors` cannot be
/// imported (the native module used on its own).
pub fn to_pyerr(err: Ki3Error) -> PyErr {
    let message = err.to_string();
    Python::attach(|py| {
        let class = py
            .import("ki3._errors")
            .and_then(|m| m.getattr(class_name(&err)))
            .and_then(|c| c.cast_into::<PyType>().map_err(PyErr::from));
        match class {
            Ok(class) => PyErr::from_type(class, message),
            Err(_) if err.is_input_error() => PyValueError::new_err(message),
            Err(_) => PyRuntimeError::new_err(message),
        }
    })
}

/// An input problem found in the binding itself (e.g. a non-contiguous array), reported like a
/// core input error.
pub fn invalid(arg: &str, reason: impl Into<String>) -> PyErr {
    to_pyerr(Ki3Error::param(arg, reason))
}
