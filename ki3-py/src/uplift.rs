//! Uplift evaluation metrics (`ki3_core::uplift::metrics`): float64 columns in (prepared by
//! `ki3.uplift.metrics`), numpy arrays and floats out.

use ki3_core::uplift::metrics::{self, Convention, Curve, Group, Strategy, TopK};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::to_pyerr;
use crate::events::slice;

type Column<'py> = PyReadonlyArray1<'py, f64>;
type CurveArrays<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>);

fn curve_out(py: Python<'_>, c: Curve) -> CurveArrays<'_> {
    (c.x.into_pyarray(py), c.y.into_pyarray(py))
}

/// The three columns every metric takes, borrowed as slices (errors name the argument).
fn columns<'a>(
    y_true: &'a Column<'_>,
    uplift: &'a Column<'_>,
    treatment: &'a Column<'_>,
) -> PyResult<(&'a [f64], &'a [f64], &'a [f64])> {
    Ok((
        slice(y_true, "y_true")?,
        slice(uplift, "uplift")?,
        slice(treatment, "treatment")?,
    ))
}

type CurveFn = fn(&[f64], &[f64], &[f64], Convention) -> ki3_core::Result<Curve>;

fn curve<'py>(
    py: Python<'py>,
    cols: [&Column<'py>; 3],
    convention: &str,
    normalize: bool,
    f: CurveFn,
) -> PyResult<CurveArrays<'py>> {
    let conv = Convention::parse(convention, normalize).map_err(to_pyerr)?;
    let [y, u, t] = cols;
    let (y, u, t) = columns(y, u, t)?;
    let c = py.detach(|| f(y, u, t, conv)).map_err(to_pyerr)?;
    Ok(curve_out(py, c))
}

/// Qini curve `(x, y)`; `convention` "sklift" or "causalml" (`normalize` for causalml).
#[pyfunction]
#[pyo3(signature = (y_true, uplift, treatment, convention="sklift", normalize=false))]
pub fn qini_curve<'py>(
    py: Python<'py>,
    y_true: Column<'py>,
    uplift: Column<'py>,
    treatment: Column<'py>,
    convention: &str,
    normalize: bool,
) -> PyResult<CurveArrays<'py>> {
    let cols = [&y_true, &uplift, &treatment];
    curve(py, cols, convention, normalize, metrics::qini_curve_with)
}

/// Uplift (cumulative gain) curve `(x, y)`.
#[pyfunction]
#[pyo3(signature = (y_true, uplift, treatment, convention="sklift", normalize=false))]
pub fn uplift_curve<'py>(
    py: Python<'py>,
    y_true: Column<'py>,
    uplift: Column<'py>,
    treatment: Column<'py>,
    convention: &str,
    normalize: bool,
) -> PyResult<CurveArrays<'py>> {
    let cols = [&y_true, &uplift, &treatment];
    curve(py, cols, convention, normalize, metrics::uplift_curve_with)
}

/// Perfect, or (with `kind="random"`) random-targeting, curve of `curve` "qini" / "uplift".
#[pyfunction]
#[pyo3(signature = (curve, kind, y_true, treatment, negative_effect=true))]
pub fn reference_curve<'py>(
    py: Python<'py>,
    curve: &str,
    kind: &str,
    y_true: Column<'py>,
    treatment: Column<'py>,
    negative_effect: bool,
) -> PyResult<CurveArrays<'py>> {
    let (y, t) = (slice(&y_true, "y_true")?, slice(&treatment, "treatment")?);
    let c = py
        .detach(|| match (curve, kind) {
            ("qini", "perfect") => metrics::perfect_qini_curve(y, t, negative_effect),
            ("qini", "random") => metrics::random_qini_curve(y, t),
            ("uplift", "perfect") => metrics::perfect_uplift_curve(y, t),
            ("uplift", "random") => metrics::random_uplift_curve(y, t),
            _ => Err(ki3_core::Ki3Error::param(
                "curve",
                format!("unknown curve {curve:?} / {kind:?}"),
            )),
        })
        .map_err(to_pyerr)?;
    Ok(curve_out(py, c))
}

/// One of the scalar scores: "qini_auc", "uplift_auc", "qini" (causalml), "auuc" (causalml).
/// `flag` is `negative_effect` for "qini_auc" and `normalize` for the causalml scores.
#[pyfunction]
pub fn uplift_score(
    py: Python<'_>,
    score: &str,
    y_true: Column<'_>,
    uplift: Column<'_>,
    treatment: Column<'_>,
    flag: bool,
) -> PyResult<f64> {
    let (y, u, t) = columns(&y_true, &uplift, &treatment)?;
    py.detach(|| match score {
        "qini_auc" => metrics::qini_auc_score(y, u, t, flag),
        "uplift_auc" => metrics::uplift_auc_score(y, u, t),
        "qini" => metrics::qini_score(y, u, t, flag),
        "auuc" => metrics::auuc_score(y, u, t, flag),
        other => Err(ki3_core::Ki3Error::param(
            "score",
            format!("unknown score {other:?}"),
        )),
    })
    .map_err(to_pyerr)
}

/// Uplift among the top `k` rows: `k` a count when `k_is_count`, else a fraction.
#[pyfunction]
pub fn uplift_at_k(
    py: Python<'_>,
    y_true: Column<'_>,
    uplift: Column<'_>,
    treatment: Column<'_>,
    strategy: &str,
    k: f64,
    k_is_count: bool,
) -> PyResult<f64> {
    let strategy = Strategy::parse(strategy).map_err(to_pyerr)?;
    let k = if k_is_count {
        if !(k >= 0.0 && k.fract() == 0.0 && k < usize::MAX as f64) {
            return Err(to_pyerr(ki3_core::Ki3Error::param(
                "k",
                format!("a count must be a positive integer, got {k}"),
            )));
        }
        TopK::Count(k as usize)
    } else {
        TopK::Fraction(k)
    };
    let (y, u, t) = columns(&y_true, &uplift, &treatment)?;
    py.detach(|| metrics::uplift_at_k(y, u, t, strategy, k))
        .map_err(to_pyerr)
}

/// Response rate, its variance and the group size per percentile bin of one group.
#[pyfunction]
#[allow(clippy::type_complexity)]
pub fn response_rate_by_percentile<'py>(
    py: Python<'py>,
    y_true: Column<'py>,
    uplift: Column<'py>,
    treatment: Column<'py>,
    group: &str,
    strategy: &str,
    bins: usize,
) -> PyResult<(
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<u64>>,
)> {
    let group = Group::parse(group).map_err(to_pyerr)?;
    let strategy = Strategy::parse(strategy).map_err(to_pyerr)?;
    let (y, u, t) = columns(&y_true, &uplift, &treatment)?;
    let r = py
        .detach(|| metrics::response_rate_by_percentile(y, u, t, group, strategy, bins))
        .map_err(to_pyerr)?;
    let sizes: Vec<u64> = r.group_size.iter().map(|&n| n as u64).collect();
    Ok((
        r.response_rate.into_pyarray(py),
        r.variance.into_pyarray(py),
        sizes.into_pyarray(py),
    ))
}

/// Both groups' rates, sizes and variances by percentile bin, and the uplift per bin.
#[pyfunction]
pub fn uplift_by_percentile<'py>(
    py: Python<'py>,
    y_true: Column<'py>,
    uplift: Column<'py>,
    treatment: Column<'py>,
    strategy: &str,
    bins: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let strategy = Strategy::parse(strategy).map_err(to_pyerr)?;
    let (y, u, t) = columns(&y_true, &uplift, &treatment)?;
    let r = py
        .detach(|| metrics::uplift_by_percentile(y, u, t, strategy, bins))
        .map_err(to_pyerr)?;
    let out = PyDict::new(py);
    let sizes = |v: &[usize]| v.iter().map(|&n| n as u64).collect::<Vec<u64>>();
    out.set_item(
        "n_treatment",
        sizes(&r.treatment.group_size).into_pyarray(py),
    )?;
    out.set_item("n_control", sizes(&r.control.group_size).into_pyarray(py))?;
    out.set_item(
        "response_rate_treatment",
        r.treatment.response_rate.into_pyarray(py),
    )?;
    out.set_item(
        "response_rate_control",
        r.control.response_rate.into_pyarray(py),
    )?;
    out.set_item("uplift", r.uplift.into_pyarray(py))?;
    out.set_item("variance_treatment", r.treatment.variance.into_pyarray(py))?;
    out.set_item("variance_control", r.control.variance.into_pyarray(py))?;
    Ok(out)
}

/// Weighted average uplift over percentile bins (weights: treated counts).
#[pyfunction]
pub fn weighted_average_uplift(
    py: Python<'_>,
    y_true: Column<'_>,
    uplift: Column<'_>,
    treatment: Column<'_>,
    strategy: &str,
    bins: usize,
) -> PyResult<f64> {
    let strategy = Strategy::parse(strategy).map_err(to_pyerr)?;
    let (y, u, t) = columns(&y_true, &uplift, &treatment)?;
    py.detach(|| metrics::weighted_average_uplift(y, u, t, strategy, bins))
        .map_err(to_pyerr)
}
