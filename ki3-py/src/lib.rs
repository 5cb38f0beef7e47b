//! `ki3._ki3`: the thin native layer of the `ki3` Python package. Every function converts its
//! inputs (borrowing numpy arrays), runs the core with the GIL released, and converts back.
//! Column preparation, DataFrames and naming live in `python/ki3/*.py`.

use pyo3::prelude::*;
use pyo3::types::PyTuple;

mod arm_names;
mod bandit;
mod batch;
mod columns;
mod data;
mod errors;
mod events;
mod features;
mod load;
mod rfm;
mod uplift;
mod uplift_models;

#[pymodule]
fn _ki3(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("CHANNELS", PyTuple::new(m.py(), ki3_core::data::CHANNELS)?)?;
    m.add(
        "MEDIA_CHANNELS",
        PyTuple::new(m.py(), ki3_core::data::MEDIA_CHANNELS)?,
    )?;
    m.add(
        "CATEGORIES",
        PyTuple::new(m.py(), ki3_core::data::CATEGORIES)?,
    )?;
    m.add("SEGMENTS", PyTuple::new(m.py(), rfm::segment_names())?)?;
    m.add_function(wrap_pyfunction!(columns::int64_range, m)?)?;
    m.add_function(wrap_pyfunction!(columns::int64_to_uint32, m)?)?;
    m.add_function(wrap_pyfunction!(features::customer_features, m)?)?;
    m.add_function(wrap_pyfunction!(features::historical_features, m)?)?;
    m.add_function(wrap_pyfunction!(rfm::rfm_summary, m)?)?;
    m.add_function(wrap_pyfunction!(rfm::rfm_scores, m)?)?;
    m.add_function(wrap_pyfunction!(data::synthetic_shop, m)?)?;
    m.add_function(wrap_pyfunction!(data::synthetic_media, m)?)?;
    m.add_function(wrap_pyfunction!(bandit::arm_indices, m)?)?;
    m.add_function(wrap_pyfunction!(errors::raise_error, m)?)?;
    m.add_function(wrap_pyfunction!(load::load, m)?)?;
    m.add_function(wrap_pyfunction!(bandit::core_defaults, m)?)?;
    m.add_function(wrap_pyfunction!(uplift::qini_curve, m)?)?;
    m.add_function(wrap_pyfunction!(uplift::uplift_curve, m)?)?;
    m.add_function(wrap_pyfunction!(uplift::reference_curve, m)?)?;
    m.add_function(wrap_pyfunction!(uplift::uplift_score, m)?)?;
    m.add_function(wrap_pyfunction!(uplift::uplift_at_k, m)?)?;
    m.add_function(wrap_pyfunction!(uplift::response_rate_by_percentile, m)?)?;
    m.add_function(wrap_pyfunction!(uplift::uplift_by_percentile, m)?)?;
    m.add_function(wrap_pyfunction!(uplift::weighted_average_uplift, m)?)?;
    m.add_class::<features::PyFeatureAggregator>()?;
    m.add_class::<bandit::PyBernoulliTs>()?;
    m.add_class::<bandit::PyGaussianTs>()?;
    m.add_class::<bandit::PyLinearTs>()?;
    m.add_class::<uplift_models::PyUpliftMetaLearner>()?;
    m.add_class::<uplift_models::PyBaseLearner>()?;
    Ok(())
}
