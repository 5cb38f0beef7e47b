//! Input checks shared by the uplift estimators: feature matrices, per-row vectors and sample
//! weights, each error naming the argument.

use ndarray::{ArrayView1, ArrayView2};

use crate::error::{Ki3Error, Result};

/// Largest accepted number of features.
pub const MAX_FEATURES: usize = 1 << 16;

/// At most [`MAX_FEATURES`] columns, every value finite (`index` counts row-major).
pub(super) fn check_matrix(arg: &str, x: ArrayView2<'_, f64>) -> Result<()> {
    let p = x.ncols();
    if p > MAX_FEATURES {
        return Err(Ki3Error::param(
            arg,
            format!("{p} features, at most {MAX_FEATURES}"),
        ));
    }
    for (row, xs) in x.rows().into_iter().enumerate() {
        if let Some(j) = xs.iter().position(|v| !v.is_finite()) {
            return Err(Ki3Error::NonFinite {
                arg: arg.into(),
                index: row * p + j,
            });
        }
    }
    Ok(())
}

/// Length `n` (the rows of `x`) and finite values.
pub(super) fn check_vector(arg: &str, v: ArrayView1<'_, f64>, n: usize) -> Result<()> {
    if v.len() != n {
        return Err(Ki3Error::LengthMismatch {
            arg: arg.into(),
            got: v.len(),
            expected_arg: "x rows".into(),
            expected: n,
        });
    }
    match v.iter().position(|x| !x.is_finite()) {
        Some(index) => Err(Ki3Error::NonFinite {
            arg: arg.into(),
            index,
        }),
        None => Ok(()),
    }
}

/// Optional weights: length `n`, finite, non-negative, positive sum.
pub(super) fn check_weights(w: Option<ArrayView1<'_, f64>>, n: usize) -> Result<()> {
    let Some(w) = w else { return Ok(()) };
    check_vector("sample_weight", w, n)?;
    if let Some(i) = w.iter().position(|&v| v < 0.0) {
        return Err(Ki3Error::InvalidValue {
            arg: "sample_weight".into(),
            index: i,
            reason: "weights must be >= 0".into(),
        });
    }
    if w.sum() <= 0.0 {
        return Err(Ki3Error::param("sample_weight", "weights sum to zero"));
    }
    Ok(())
}

/// The L2 penalty of a linear model: finite and `>= 0`.
pub(super) fn check_l2(l2: f64) -> Result<()> {
    if !(l2.is_finite() && l2 >= 0.0) {
        return Err(Ki3Error::param(
            "l2",
            format!("must be finite and >= 0, got {l2}"),
        ));
    }
    Ok(())
}

/// Checks a loaded linear model: its parameters (`params_ok`), at most [`MAX_FEATURES`]
/// finite coefficients, a finite intercept that is 0 without `fit_intercept`.
pub(super) fn validate_linear(
    params_ok: Result<()>,
    coef: &[f64],
    intercept: f64,
    fit_intercept: bool,
) -> Result<()> {
    params_ok.map_err(|e| Ki3Error::corrupt(format!("params: {e}")))?;
    if coef.len() > MAX_FEATURES {
        return Err(Ki3Error::corrupt("coef: too many features"));
    }
    if !(coef.iter().all(|c| c.is_finite()) && intercept.is_finite()) {
        return Err(Ki3Error::corrupt("coef/intercept: non-finite value"));
    }
    if !fit_intercept && intercept != 0.0 {
        return Err(Ki3Error::corrupt(
            "intercept: non-zero without fit_intercept",
        ));
    }
    Ok(())
}
