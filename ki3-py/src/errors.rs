//! The one place where core errors become Python exceptions, mapped by the error's kind.

use ki3_core::{ErrorKind, Ki3Error};
use pyo3::exceptions::{PyArithmeticError, PyKeyboardInterrupt, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyType;

/// The exception class from `ki3._errors` that stands for `kind` (`None`: a builtin class).
fn class_name(kind: ErrorKind) -> Option<&'static str> {
    match kind {
        ErrorKind::Input => Some("InvalidInputError"),
        ErrorKind::NotFitted => Some("NotFittedError"),
        ErrorKind::Convergence => Some("ConvergenceError"),
        ErrorKind::Numerical => Some("NumericalError"),
        ErrorKind::Cancelled => None,
    }
}

/// The builtin exception used for `kind` when `ki3._errors` cannot be imported (the native
/// module used on its own), and for cancellation always.
fn fallback(kind: ErrorKind, message: String) -> PyErr {
    match kind {
        ErrorKind::Input => PyValueError::new_err(message),
        ErrorKind::Numerical => PyArithmeticError::new_err(message),
        ErrorKind::Cancelled => PyKeyboardInterrupt::new_err(message),
        ErrorKind::NotFitted | ErrorKind::Convergence => PyRuntimeError::new_err(message),
    }
}

/// Maps a core error by its kind: input → `ki3.InvalidInputError`, not fitted →
/// `NotFittedError`, convergence → `ConvergenceError`, numerical → `NumericalError`, cancelled
/// → `KeyboardInterrupt`; the message is the core error's.
pub fn to_pyerr(err: Ki3Error) -> PyErr {
    let kind = err.kind();
    let message = err.to_string();
    let Some(name) = class_name(kind) else {
        return fallback(kind, message);
    };
    Python::attach(|py| {
        let class = py
            .import("ki3._errors")
            .and_then(|m| m.getattr(name))
            .and_then(|c| c.cast_into::<PyType>().map_err(PyErr::from));
        match class {
            Ok(class) => PyErr::from_type(class, message),
            Err(_) => fallback(kind, message),
        }
    })
}

/// An input problem found in the binding itself (e.g. a non-contiguous array), reported like a
/// core input error.
pub fn invalid(arg: &str, reason: impl Into<String>) -> PyErr {
    to_pyerr(Ki3Error::param(arg, reason))
}

/// Testing hook: raises the exception that a core error of `kind` (`"input"`, `"not_fitted"`,
/// `"convergence"`, `"numerical"`, `"cancelled"`) maps to, so the mapping is checked end to end.
#[pyfunction]
#[pyo3(name = "raise_error_of_kind")]
pub fn raise_error(kind: &str) -> PyResult<()> {
    let err = match kind {
        "input" => Ki3Error::param("some_arg", "is bad"),
        "not_fitted" => Ki3Error::NotFitted,
        "convergence" => Ki3Error::Convergence {
            reason: "too many iterations".into(),
        },
        "numerical" => Ki3Error::numerical("a NaN appeared"),
        "cancelled" => Ki3Error::Cancelled,
        other => Ki3Error::param("kind", format!("unknown error kind {other:?}")),
    };
    Err(to_pyerr(err))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_class_or_a_builtin() {
        assert_eq!(class_name(ErrorKind::Input), Some("InvalidInputError"));
        assert_eq!(class_name(ErrorKind::NotFitted), Some("NotFittedError"));
        assert_eq!(class_name(ErrorKind::Convergence), Some("ConvergenceError"));
        assert_eq!(class_name(ErrorKind::Numerical), Some("NumericalError"));
        assert_eq!(class_name(ErrorKind::Cancelled), None);
    }
}
