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

/// Weekly media spend and sales generated from the marketing-mix model with known parameters,
/// as a dict of numpy arrays plus the `truth` dict (see `ki3_core::data::synthetic_media`).
#[pyfunction]
#[pyo3(signature = (weeks, seed, start_day))]
pub fn synthetic_media<'py>(
    py: Python<'py>,
    weeks: usize,
    seed: u64,
    start_day: i64,
) -> PyResult<Bound<'py, PyDict>> {
    let params = data::MediaParams {
        weeks,
        start_day,
        seed,
    };
    let media = py
        .detach(|| data::synthetic_media(&params))
        .map_err(to_pyerr)?;
    let truth = PyDict::new(py);
    let t = media.truth;
    truth.set_item("adstock_alpha", t.adstock_alpha.into_pyarray(py))?;
    truth.set_item("saturation_lam", t.saturation_lam.into_pyarray(py))?;
    truth.set_item("saturation_beta", t.saturation_beta.into_pyarray(py))?;
    truth.set_item("saturation_ceiling", t.saturation_ceiling.into_pyarray(py))?;
    truth.set_item("contributions", t.contributions.into_pyarray(py))?;
    truth.set_item("baseline", t.baseline.into_pyarray(py))?;
    truth.set_item("roas", t.roas.into_pyarray(py))?;
    truth.set_item("noise_sd", t.noise_sd)?;
    let out = PyDict::new(py);
    out.set_item("date", media.dates.into_pyarray(py))?;
    out.set_item("channels", media.channels)?;
    out.set_item("spend", media.spend.into_pyarray(py))?;
    out.set_item("event", media.event.into_pyarray(py))?;
    out.set_item("trend", media.trend.into_pyarray(py))?;
    out.set_item("sales", media.sales.into_pyarray(py))?;
    out.set_item("truth", truth)?;
    Ok(out)
}
