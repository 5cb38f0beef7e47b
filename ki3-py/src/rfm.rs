//! RFM summaries (lifetimes semantics) and RFM scores with segments.

use ki3_core::rfm::{self, Freq, RfmParams, Segment};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::to_pyerr;
use crate::events::{EventArrays, slice};

/// Frequency / recency / T (/ monetary value) per customer with a purchase by `observation_end`.
/// Returns the customer ids and a dict of float64 columns.
#[pyfunction]
#[pyo3(signature = (events, time_unit, observation_end, freq="D", freq_multiplier=1))]
pub fn rfm_summary<'py>(
    py: Python<'py>,
    events: &Bound<'py, PyDict>,
    time_unit: &str,
    observation_end: i64,
    freq: &str,
    freq_multiplier: u32,
) -> PyResult<(Bound<'py, PyArray1<u64>>, Bound<'py, PyDict>)> {
    let arrays = EventArrays::extract(events, time_unit)?;
    let log = arrays.log()?;
    let params = RfmParams::new(observation_end)
        .freq(Freq::parse(freq).map_err(to_pyerr)?)
        .freq_multiplier(freq_multiplier);
    let summary = py
        .detach(|| rfm::rfm_summary(&log, &params))
        .map_err(to_pyerr)?;
    let out = PyDict::new(py);
    out.set_item("frequency", summary.frequency.into_pyarray(py))?;
    out.set_item("recency", summary.recency.into_pyarray(py))?;
    out.set_item("T", summary.t.into_pyarray(py))?;
    if let Some(m) = summary.monetary_value {
        out.set_item("monetary_value", m.into_pyarray(py))?;
    }
    Ok((summary.customer.into_pyarray(py), out))
}

/// R, F, M scores, their sum and the segment (as an index into `SEGMENTS`) per customer.
#[pyfunction]
#[pyo3(signature = (frequency, recency, t, monetary_value=None, bins=ki3_core::rfm::DEFAULT_BINS))]
pub fn rfm_scores<'py>(
    py: Python<'py>,
    frequency: PyReadonlyArray1<'py, f64>,
    recency: PyReadonlyArray1<'py, f64>,
    t: PyReadonlyArray1<'py, f64>,
    monetary_value: Option<PyReadonlyArray1<'py, f64>>,
    bins: u32,
) -> PyResult<Bound<'py, PyDict>> {
    let f = slice(&frequency, "frequency")?;
    let r = slice(&recency, "recency")?;
    let t = slice(&t, "t")?;
    let m = match &monetary_value {
        Some(m) => Some(slice(m, "monetary_value")?),
        None => None,
    };
    let scores = py
        .detach(|| rfm::rfm_scores(f, r, t, m, bins))
        .map_err(to_pyerr)?;
    let segment: Vec<u8> = scores.segment.iter().map(|s| s.index() as u8).collect();
    let out = PyDict::new(py);
    out.set_item("R", scores.r.into_pyarray(py))?;
    out.set_item("F", scores.f.into_pyarray(py))?;
    out.set_item("M", scores.m.into_pyarray(py))?;
    out.set_item("rfm_score", scores.score.into_pyarray(py))?;
    out.set_item("segment", segment.into_pyarray(py))?;
    Ok(out)
}

/// Segment names, best first; `rfm_scores` segment codes index this list.
pub fn segment_names() -> Vec<&'static str> {
    Segment::ALL.iter().map(|s| s.name()).collect()
}
