//! `_ki3.load`: any saved ki3 JSON → the native object of its kind, through the core's one
//! `load`.

use ki3_core::Ki3Error;
use ki3_core::persist::{self, Saved};
use ki3_core::uplift::MultiArmMetaLearner;
use pyo3::prelude::*;

use crate::bandit::{PyBernoulliTs, PyGaussianTs, PyLinearTs};
use crate::errors::to_pyerr;
use crate::features::PyFeatureAggregator;
use crate::uplift_models::PyUpliftMetaLearner;

/// Loads any ki3 JSON state (saved here, in Node or in Rust) and returns the native object of
/// its kind (`BernoulliTS`, `GaussianTS`, `LinearTS`, `FeatureAggregator` or
/// `UpliftMetaLearner`).
#[pyfunction]
pub fn load(py: Python<'_>, text: &str) -> PyResult<Py<PyAny>> {
    let saved = py.detach(|| persist::load(text)).map_err(to_pyerr)?;
    let obj = match saved {
        Saved::BernoulliTs(x) => Py::new(py, PyBernoulliTs::wrap(x))?.into_any(),
        Saved::GaussianTs(x) => Py::new(py, PyGaussianTs::wrap(x))?.into_any(),
        Saved::LinearTs(x) => Py::new(py, PyLinearTs::wrap(x))?.into_any(),
        Saved::FeatureAggregator(x) => Py::new(py, PyFeatureAggregator::from_core(x))?.into_any(),
        Saved::MultiArmMetaLearner(x) => Py::new(py, PyUpliftMetaLearner::wrap(x))?.into_any(),
        // A two-group model saved by Rust: one arm, control labelled 0 and treatment 1.
        Saved::MetaLearner(x) => Py::new(
            py,
            PyUpliftMetaLearner::wrap(MultiArmMetaLearner::from_single(x)),
        )?
        .into_any(),
        other => {
            return Err(to_pyerr(Ki3Error::corrupt(format!(
                "objects of kind {:?} cannot be loaded in Python yet",
                other.kind()
            ))));
        }
    };
    Ok(obj)
}
