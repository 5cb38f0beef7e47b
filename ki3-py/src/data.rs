//! Synthetic data sets.

use ki3_core::data::{self, ShopParams};
use numpy::IntoPyArray;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::to_pyerr;

/// A seeded online-shop event log as a dict of numpy arrays (timestamps in unix seconds,
/// channel / category as codes into `CHANNELS` / `CATEGORIES`).
#[pyfunction]
#[pyo3(signature = (n_customers, seed, events_per_customer, start, days))]
pub fn synthetic_shop<'py>(
    py: Python<'py>,
    n_customers: usize,
    seed: u64,
    events_per_customer: f64,
    start: i64,
    days: u32,
) -> PyResult<Bound<'py, PyDict>> {
    let params = ShopParams::new(n_customers, seed)
        .events_per_customer(events_per_customer)
        .start(start)
        .days(days);
    let shop = py
        .detach(|| data::synthetic_shop(&params))
        .map_err(to_pyerr)?;
    let out = PyDict::new(py);
    out.set_item("customer", shop.customer.into_pyarray(py))?;
    out.set_item("timestamp", shop.timestamp.into_pyarray(py))?;
    out.set_item("amount", shop.amount.into_pyarray(py))?;
    out.set_item("purchase", shop.purchase.into_pyarray(py))?;
    out.set_item("channel", shop.channel.into_pyarray(py))?;
    out.set_item("category", shop.category.into_pyarray(py))?;
    out.set_item("session", shop.session.into_pyarray(py))?;
    Ok(out)
}
