//! The one conversion of event columns: a dict of 1-d numpy arrays (prepared by `ki3._frame`)
//! borrowed as an [`EventLog`] without copying.

use ki3_core::{EventLog, TimeUnit};
use numpy::{Element, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::{invalid, to_pyerr};

/// Read-only views of the event columns: `customer` (uint64), `timestamp` (int64) and the
/// optional `amount` (float64), `purchase` (bool), `channel`, `category` (uint32), `session`
/// (uint64). Missing keys or `None` values mean "column absent".
pub struct EventArrays<'py> {
    unit: TimeUnit,
    customer: PyReadonlyArray1<'py, u64>,
    timestamp: PyReadonlyArray1<'py, i64>,
    amount: Option<PyReadonlyArray1<'py, f64>>,
    purchase: Option<PyReadonlyArray1<'py, bool>>,
    channel: Option<PyReadonlyArray1<'py, u32>>,
    category: Option<PyReadonlyArray1<'py, u32>>,
    session: Option<PyReadonlyArray1<'py, u64>>,
}

fn optional<'py, T: Element>(
    columns: &Bound<'py, PyDict>,
    name: &str,
) -> PyResult<Option<PyReadonlyArray1<'py, T>>> {
    match columns.get_item(name)? {
        Some(value) if !value.is_none() => Ok(Some(value.extract()?)),
        _ => Ok(None),
    }
}

fn required<'py, T: Element>(
    columns: &Bound<'py, PyDict>,
    name: &str,
) -> PyResult<PyReadonlyArray1<'py, T>> {
    optional(columns, name)?.ok_or_else(|| invalid(name, "column is required"))
}

/// A contiguous view of an array.
pub fn slice<'a, T: Element>(array: &'a PyReadonlyArray1<'_, T>, name: &str) -> PyResult<&'a [T]> {
    array
        .as_slice()
        .map_err(|_| invalid(name, "array must be contiguous"))
}

fn optional_slice<'a, T: Element>(
    array: &'a Option<PyReadonlyArray1<'_, T>>,
    name: &str,
) -> PyResult<Option<&'a [T]>> {
    array.as_ref().map(|a| slice(a, name)).transpose()
}

impl<'py> EventArrays<'py> {
    /// Borrows the columns of `columns`; `time_unit` is one of "D", "s", "ms", "us", "ns".
    pub fn extract(columns: &Bound<'py, PyDict>, time_unit: &str) -> PyResult<Self> {
        Ok(EventArrays {
            unit: TimeUnit::parse(time_unit).map_err(to_pyerr)?,
            customer: required(columns, "customer")?,
            timestamp: required(columns, "timestamp")?,
            amount: optional(columns, "amount")?,
            purchase: optional(columns, "purchase")?,
            channel: optional(columns, "channel")?,
            category: optional(columns, "category")?,
            session: optional(columns, "session")?,
        })
    }

    /// The borrowed event log (validated later by the core).
    pub fn log(&self) -> PyResult<EventLog<'_>> {
        Ok(EventLog {
            customer: slice(&self.customer, "customer")?,
            timestamp: slice(&self.timestamp, "timestamp")?,
            unit: self.unit,
            amount: optional_slice(&self.amount, "amount")?,
            purchase: optional_slice(&self.purchase, "purchase")?,
            channel: optional_slice(&self.channel, "channel")?,
            category: optional_slice(&self.category, "category")?,
            session: optional_slice(&self.session, "session")?,
        })
    }
}
