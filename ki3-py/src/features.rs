//! Customer features: one-shot, historical (point-in-time) and the mergeable aggregator.

use ki3_core::features::{self, Family, FeatureSpec, FeatureTable};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::to_pyerr;
use crate::events::{EventArrays, slice};

/// Row keys and named columns, as handed to Python.
type TableOut<'py> = (
    Bound<'py, PyArray1<u64>>,
    Vec<(String, Bound<'py, PyArray1<f64>>)>,
);

fn spec(as_of: i64, windows: Vec<u32>, families: Option<Vec<String>>) -> PyResult<FeatureSpec> {
    let spec = FeatureSpec::new(as_of).windows(windows);
    match families {
        None => Ok(spec),
        Some(names) => {
            let families = names
                .iter()
                .map(|n| Family::parse(n))
                .collect::<ki3_core::Result<Vec<_>>>()
                .map_err(to_pyerr)?;
            Ok(spec.families(families))
        }
    }
}

fn table_out(py: Python<'_>, table: FeatureTable) -> TableOut<'_> {
    let columns = table
        .columns
        .into_iter()
        .map(|c| (c.name, c.values.into_pyarray(py)))
        .collect();
    (table.customer.into_pyarray(py), columns)
}

/// Features of every customer with an event at or before `as_of`.
#[pyfunction]
#[pyo3(signature = (events, time_unit, as_of, windows, families=None))]
pub fn customer_features<'py>(
    py: Python<'py>,
    events: &Bound<'py, PyDict>,
    time_unit: &str,
    as_of: i64,
    windows: Vec<u32>,
    families: Option<Vec<String>>,
) -> PyResult<TableOut<'py>> {
    let arrays = EventArrays::extract(events, time_unit)?;
    let log = arrays.log()?;
    let spec = spec(as_of, windows, families)?;
    let table = py
        .detach(|| features::customer_features(&log, &spec))
        .map_err(to_pyerr)?;
    Ok(table_out(py, table))
}

/// Features of `label_customer[i]` as of `label_time[i]`, for every label row.
#[pyfunction]
#[pyo3(signature = (events, time_unit, label_customer, label_time, windows, families=None))]
pub fn historical_features<'py>(
    py: Python<'py>,
    events: &Bound<'py, PyDict>,
    time_unit: &str,
    label_customer: PyReadonlyArray1<'py, u64>,
    label_time: PyReadonlyArray1<'py, i64>,
    windows: Vec<u32>,
    families: Option<Vec<String>>,
) -> PyResult<TableOut<'py>> {
    let arrays = EventArrays::extract(events, time_unit)?;
    let log = arrays.log()?;
    let customers = slice(&label_customer, "label_customer")?;
    let times = slice(&label_time, "label_time")?;
    let spec = spec(0, windows, families)?;
    let table = py
        .detach(|| features::historical_features(&log, customers, times, &spec))
        .map_err(to_pyerr)?;
    Ok(table_out(py, table))
}

/// Native state of `ki3.features.FeatureAggregator` (integer codes only).
#[pyclass(module = "ki3._ki3", name = "FeatureAggregator")]
pub struct PyFeatureAggregator {
    inner: features::FeatureAggregator,
}

impl PyFeatureAggregator {
    /// The native class over a core aggregator (for `load`).
    pub(crate) fn from_core(inner: features::FeatureAggregator) -> Self {
        PyFeatureAggregator { inner }
    }
}

#[pymethods]
impl PyFeatureAggregator {
    #[new]
    fn new() -> Self {
        PyFeatureAggregator {
            inner: features::FeatureAggregator::new(),
        }
    }

    /// Adds a chunk of events (same columns as `customer_features`).
    fn update(
        &mut self,
        py: Python<'_>,
        events: &Bound<'_, PyDict>,
        time_unit: &str,
    ) -> PyResult<()> {
        let arrays = EventArrays::extract(events, time_unit)?;
        let log = arrays.log()?;
        let inner = &mut self.inner;
        py.detach(|| inner.update(&log)).map_err(to_pyerr)
    }

    /// Adds everything `other` has ingested.
    fn merge(&mut self, py: Python<'_>, other: PyRef<'_, Self>) -> PyResult<()> {
        let inner = &mut self.inner;
        let other = &other.inner;
        py.detach(|| inner.merge(other)).map_err(to_pyerr)
    }

    /// Features of everything ingested, as `customer_features` computes them.
    #[pyo3(signature = (as_of, windows, families=None))]
    fn finish<'py>(
        &self,
        py: Python<'py>,
        as_of: i64,
        windows: Vec<u32>,
        families: Option<Vec<String>>,
    ) -> PyResult<TableOut<'py>> {
        let spec = spec(as_of, windows, families)?;
        let inner = &self.inner;
        let table = py.detach(|| inner.finish(&spec)).map_err(to_pyerr)?;
        Ok(table_out(py, table))
    }

    /// Number of events ingested.
    #[getter]
    fn n_events(&self) -> usize {
        self.inner.n_events()
    }

    /// Copies of the ingested columns (dict of arrays; absent columns are omitted) and the time
    /// unit ("s" while the aggregator is empty).
    fn columns<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyDict>, &'static str)> {
        let log = self.inner.log();
        let out = PyDict::new(py);
        out.set_item("customer", PyArray1::from_slice(py, log.customer))?;
        out.set_item("timestamp", PyArray1::from_slice(py, log.timestamp))?;
        if let Some(a) = log.amount {
            out.set_item("amount", PyArray1::from_slice(py, a))?;
        }
        if let Some(p) = log.purchase {
            out.set_item("purchase", PyArray1::from_slice(py, p))?;
        }
        if let Some(c) = log.channel {
            out.set_item("channel", PyArray1::from_slice(py, c))?;
        }
        if let Some(c) = log.category {
            out.set_item("category", PyArray1::from_slice(py, c))?;
        }
        if let Some(s) = log.session {
            out.set_item("session", PyArray1::from_slice(py, s))?;
        }
        Ok((out, log.unit.name()))
    }

    /// The state as ki3 JSON (the format Node and Rust read).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        let inner = &self.inner;
        py.detach(|| inner.to_json()).map_err(to_pyerr)
    }

    /// Loads a state saved by `to_json` (here, in Node or in Rust).
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        let inner = py
            .detach(|| features::FeatureAggregator::from_json(text))
            .map_err(to_pyerr)?;
        Ok(PyFeatureAggregator { inner })
    }

    fn __copy__(&self) -> Self {
        PyFeatureAggregator {
            inner: self.inner.clone(),
        }
    }

    fn __repr__(&self) -> String {
        format!("FeatureAggregator(n_events={})", self.inner.n_events())
    }
}
