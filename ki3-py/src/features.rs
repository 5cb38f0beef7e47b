//! Customer features: one-shot, historical (point-in-time) and the mergeable aggregator, whose
//! categorical dictionaries (string ids, channel and category names) live in the core state.

use std::collections::BTreeMap;
use std::sync::Mutex;

use ki3_core::Ki3Error;
use ki3_core::data::{Dictionary, Label};
use ki3_core::features::{
    self, ColumnCodes, Dictionaries, Family, FeatureSpec, FeatureTable, Field,
};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString};

use crate::errors::{invalid, to_pyerr};
use crate::events::{EventArrays, slice};

/// What a column's name or values refer to: `None`, `("values", field, None)` or
/// `("share", field, code)`.
type CodesOut = Option<(&'static str, &'static str, Option<u32>)>;

/// Row keys and named columns (with their [`CodesOut`]), as handed to Python.
type TableOut<'py> = (
    Bound<'py, PyArray1<u64>>,
    Vec<(String, Bound<'py, PyArray1<f64>>, CodesOut)>,
);

/// A finished aggregator table: rows, columns, and the labels of each field with a dictionary.
type FinishOut<'py> = (
    Bound<'py, PyArray1<u64>>,
    Vec<(String, Bound<'py, PyArray1<f64>>, CodesOut)>,
    Bound<'py, PyDict>,
);

fn codes_out(codes: Option<ColumnCodes>) -> CodesOut {
    match codes? {
        ColumnCodes::Values(field) => Some(("values", field.name(), None)),
        ColumnCodes::Share(field, code) => Some(("share", field.name(), Some(code))),
    }
}

fn field_of(name: &str) -> PyResult<Field> {
    Field::ALL
        .into_iter()
        .find(|f| f.name() == name)
        .ok_or_else(|| invalid("labels", format!("unknown coded column {name:?}")))
}

/// A Python scalar as a dictionary label (str, bool, int in the int64 range, float).
fn to_label(value: &Bound<'_, PyAny>, column: &str) -> PyResult<Label> {
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(Label::Str(s.to_cow()?.into_owned()));
    }
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(Label::Bool(b.is_true()));
    }
    if value.is_instance_of::<PyInt>() {
        return value.extract::<i64>().map(Label::Int).map_err(|_| {
            invalid(
                column,
                format!("label {value} does not fit in a 64-bit integer"),
            )
        });
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        return Ok(Label::Float(f.value()));
    }
    Err(invalid(
        column,
        format!(
            "labels must be str, int, float or bool to be kept in a dictionary, got {}",
            value.get_type().name()?
        ),
    ))
}

fn label_to_py<'py>(py: Python<'py>, label: &Label) -> PyResult<Bound<'py, PyAny>> {
    Ok(match label {
        Label::Str(s) => PyString::new(py, s).into_any(),
        Label::Int(i) => i.into_pyobject(py)?.into_any(),
        Label::Float(f) => PyFloat::new(py, *f).into_any(),
        Label::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
    })
}

fn labels_to_py<'py>(py: Python<'py>, dict: &Dictionary) -> PyResult<Bound<'py, PyList>> {
    let items = dict
        .labels()
        .iter()
        .map(|l| label_to_py(py, l))
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, items)
}

/// Dictionaries from `{column: [labels in code order]}`.
fn dictionaries_in(labels: Option<&Bound<'_, PyDict>>) -> PyResult<Dictionaries> {
    let mut out = Dictionaries::default();
    let Some(labels) = labels else {
        return Ok(out);
    };
    for (key, values) in labels.iter() {
        let name: String = key.extract()?;
        let field = field_of(&name)?;
        let values = values
            .try_iter()?
            .map(|v| to_label(&v?, &name))
            .collect::<PyResult<Vec<_>>>()?;
        *out.slot(field) = Some(Dictionary::from_labels(&name, values).map_err(to_pyerr)?);
    }
    Ok(out)
}

fn dictionaries_out<'py>(py: Python<'py>, dicts: &Dictionaries) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    for field in Field::ALL {
        if let Some(dict) = dicts.get(field) {
            out.set_item(field.name(), labels_to_py(py, dict)?)?;
        }
    }
    Ok(out)
}

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
        .map(|c| (c.name, c.values.into_pyarray(py), codes_out(c.codes)))
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

/// Native state of `ki3.features.FeatureAggregator`: the core aggregator (events, dictionaries,
/// column names) behind a lock, so that threads can update one aggregator concurrently (every
/// method takes `&self`: no pyclass borrow conflicts).
#[pyclass(module = "ki3._ki3", name = "FeatureAggregator")]
pub struct PyFeatureAggregator {
    inner: Mutex<features::FeatureAggregator>,
}

impl PyFeatureAggregator {
    /// The native class over a core aggregator (for `load`).
    pub(crate) fn from_core(inner: features::FeatureAggregator) -> Self {
        PyFeatureAggregator {
            inner: Mutex::new(inner),
        }
    }

    /// Runs `f` on the state under its lock, with the GIL released (while waiting too).
    fn with<R: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut features::FeatureAggregator) -> ki3_core::Result<R> + Send,
    ) -> PyResult<R> {
        let inner = &self.inner;
        py.detach(|| {
            let mut guard = inner
                .lock()
                .map_err(|_| Ki3Error::param("aggregator", "a thread failed while updating it"))?;
            f(&mut guard)
        })
        .map_err(to_pyerr)
    }

    fn snapshot(&self, py: Python<'_>) -> PyResult<features::FeatureAggregator> {
        self.with(py, |agg| Ok(agg.clone()))
    }
}

#[pymethods]
impl PyFeatureAggregator {
    #[new]
    fn new() -> Self {
        Self::from_core(features::FeatureAggregator::new())
    }

    /// Adds a chunk of events (same columns as `customer_features`). `labels` maps the coded
    /// columns that hold labels to the chunk's labels in code order (those columns hold
    /// positions in these lists). All-or-nothing.
    #[pyo3(signature = (events, time_unit, labels=None))]
    fn update(
        &self,
        py: Python<'_>,
        events: &Bound<'_, PyDict>,
        time_unit: &str,
        labels: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        let labels = dictionaries_in(labels)?;
        let arrays = EventArrays::extract(events, time_unit)?;
        let log = arrays.log()?;
        self.with(py, |agg| agg.update_labeled(&log, &labels))
    }

    /// Adds everything `other` has ingested (its labels are translated into these
    /// dictionaries).
    fn merge(&self, py: Python<'_>, other: &Bound<'_, Self>) -> PyResult<()> {
        // A copy of `other` first: never two locks at once (no deadlock when two threads merge
        // two aggregators into each other), and merging with itself works.
        let theirs = other.borrow().snapshot(py)?;
        self.with(py, |agg| agg.merge(&theirs))
    }

    /// Features of everything ingested, as `customer_features` computes them: row keys,
    /// columns, and the (sorted) labels of the fields with dictionaries.
    #[pyo3(signature = (as_of, windows, families=None))]
    fn finish<'py>(
        &self,
        py: Python<'py>,
        as_of: i64,
        windows: Vec<u32>,
        families: Option<Vec<String>>,
    ) -> PyResult<FinishOut<'py>> {
        let spec = spec(as_of, windows, families)?;
        let mut table = self.with(py, |agg| agg.finish(&spec))?;
        let dicts = dictionaries_out(py, &std::mem::take(&mut table.dictionaries))?;
        let (ids, columns) = table_out(py, table);
        Ok((ids, columns, dicts))
    }

    /// Number of events ingested.
    #[getter]
    fn n_events(&self, py: Python<'_>) -> PyResult<usize> {
        self.with(py, |agg| Ok(agg.n_events()))
    }

    /// The time unit fixed by the first chunk (None while the aggregator is empty).
    #[getter]
    fn time_unit(&self, py: Python<'_>) -> PyResult<Option<&'static str>> {
        self.with(py, |agg| Ok(agg.unit().map(|u| u.name())))
    }

    /// The coded columns that hold labels (those with a dictionary), in role order.
    fn label_columns(&self, py: Python<'_>) -> PyResult<Vec<&'static str>> {
        self.with(py, |agg| {
            Ok(Field::ALL
                .into_iter()
                .filter(|f| agg.dictionaries().get(*f).is_some())
                .map(Field::name)
                .collect())
        })
    }

    /// The labels of each coded column with a dictionary, in code order.
    fn dictionaries<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dicts = self.with(py, |agg| Ok(agg.dictionaries().clone()))?;
        dictionaries_out(py, &dicts)
    }

    /// Declares the codes of this state to be codes of these labels (`{column: [labels]}`):
    /// for legacy states that kept their dictionaries outside the core state.
    fn attach_dictionaries(&self, py: Python<'_>, labels: &Bound<'_, PyDict>) -> PyResult<()> {
        let dicts = dictionaries_in(Some(labels))?;
        self.with(py, |agg| {
            *agg = agg.clone().with_dictionaries(dicts)?;
            Ok(())
        })
    }

    /// The column name of each role, as saved with the state (empty when none were set).
    fn column_names<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let names = self.with(py, |agg| Ok(agg.column_names().clone()))?;
        let out = PyDict::new(py);
        for (role, name) in &names {
            out.set_item(role, label_to_py(py, name)?)?;
        }
        Ok(out)
    }

    /// Sets the column name of each role (str, int, float or bool names), saved with the state.
    fn set_column_names(&self, py: Python<'_>, names: &Bound<'_, PyDict>) -> PyResult<()> {
        let mut out = BTreeMap::new();
        for (role, name) in names.iter() {
            out.insert(role.extract::<String>()?, to_label(&name, "columns")?);
        }
        self.with(py, |agg| agg.set_column_names(out))
    }

    /// Copies of the ingested columns (dict of arrays; absent columns are omitted; columns with
    /// a dictionary hold its codes) and the time unit ("s" while the aggregator is empty).
    fn columns<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyDict>, &'static str)> {
        let inner = self.snapshot(py)?;
        let log = inner.log();
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

    /// The state as ki3 JSON, dictionaries and column names included (what Node, Rust and
    /// `ki3.load` read).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        self.with(py, |agg| agg.to_json())
    }

    /// Loads a state saved by `to_json` (here, in Node or in Rust).
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        let inner = py
            .detach(|| features::FeatureAggregator::from_json(text))
            .map_err(to_pyerr)?;
        Ok(Self::from_core(inner))
    }

    fn __copy__(&self, py: Python<'_>) -> PyResult<Self> {
        Ok(Self::from_core(self.snapshot(py)?))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let n = self.with(py, |agg| Ok(agg.n_events()))?;
        Ok(format!("FeatureAggregator(n_events={n})"))
    }
}
