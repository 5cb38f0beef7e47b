//! Ridge regression in closed form, the regression base learner of the meta-learners.
//!
//! Minimises scikit-learn's `Ridge(alpha = l2)` objective with optional sample weights `s`:
//!
//! `L(b, w) = Σᵢ sᵢ (yᵢ − b − xᵢᵀw)² + l2 ‖w‖²` (intercept `b` unpenalised).
//!
//! With an intercept the columns are centred on their weighted means `x̄`, `ȳ`; then
//! `(X̃ᵀ S X̃ + l2 I) w = X̃ᵀ S ỹ` is solved by Cholesky ([`crate::numerics::linalg::Cholesky`])
//! and `b = ȳ − x̄ᵀw`. The system is positive definite for `l2 > 0`; with `l2 = 0` a rank-deficient
//! design is a [`Ki3Error::Numerical`] error.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::error::{Ki3Error, Result};
use crate::model::{Fit, Params};
use crate::numerics::linalg::Cholesky;
use crate::persist::{self, Persist};

use super::logistic::LogisticData;

use super::checks::{check_l2, check_matrix, check_vector, check_weights, validate_linear};

/// Hyper-parameters of [`RidgeRegression`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RidgeParams {
    /// L2 penalty `l2 ≥ 0` on the coefficients (default 1, scikit-learn's `alpha = 1`).
    pub l2: f64,
    /// Fit an unpenalised intercept (default true).
    pub fit_intercept: bool,
}

impl Default for RidgeParams {
    fn default() -> Self {
        RidgeParams {
            l2: 1.0,
            fit_intercept: true,
        }
    }
}

impl RidgeParams {
    /// Sets the L2 penalty.
    pub fn l2(mut self, l2: f64) -> Self {
        self.l2 = l2;
        self
    }
    /// Fits an intercept or not.
    pub fn fit_intercept(mut self, yes: bool) -> Self {
        self.fit_intercept = yes;
        self
    }
}

impl Params for RidgeParams {
    fn check(&self) -> Result<()> {
        check_l2(self.l2)?;
        Ok(())
    }
}

/// Training data of [`RidgeRegression`]: the same features / targets / optional weights as
/// [`LogisticData`] (targets any finite numbers).
pub type RidgeData<'a> = LogisticData<'a>;

/// A fitted ridge regression: `ŷ = intercept + xᵀcoef`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RidgeRegression {
    /// The hyper-parameters it was fitted with.
    pub params: RidgeParams,
    /// Coefficients, one per feature.
    pub coef: Vec<f64>,
    /// Intercept (0 when `fit_intercept` is false).
    pub intercept: f64,
}

impl<'a> Fit<RidgeData<'a>> for RidgeParams {
    type Model = RidgeRegression;

    fn fit(&self, data: &RidgeData<'a>) -> Result<RidgeRegression> {
        self.check()?;
        let (n, p) = data.x.dim();
        if n == 0 {
            return Err(Ki3Error::Empty { arg: "x".into() });
        }
        check_matrix("x", data.x)?;
        check_vector("y", data.y, n)?;
        check_weights(data.sample_weight, n)?;
        let weight = |i: usize| data.sample_weight.map_or(1.0, |w| w[i]);
        let total: f64 = (0..n).map(weight).sum();
        // Weighted means (zero without an intercept: no centring).
        let mut x_mean = Array1::<f64>::zeros(p);
        let mut y_mean = 0.0;
        if self.fit_intercept {
            for (i, row) in data.x.rows().into_iter().enumerate() {
                let s = weight(i) / total;
                x_mean.scaled_add(s, &row);
                y_mean += s * data.y[i];
            }
        }
        let mut gram = Array2::<f64>::zeros((p, p));
        let mut rhs = Array1::<f64>::zeros(p);
        let mut centred = vec![0.0; p];
        for (i, row) in data.x.rows().into_iter().enumerate() {
            let s = weight(i);
            for (c, (x, m)) in centred.iter_mut().zip(row.iter().zip(&x_mean)) {
                *c = x - m;
            }
            let r = data.y[i] - y_mean;
            for j in 0..p {
                let sj = s * centred[j];
                rhs[j] += sj * r;
                for k in 0..=j {
                    gram[[j, k]] += sj * centred[k];
                }
            }
        }
        for j in 0..p {
            gram[[j, j]] += self.l2;
        }
        let singular = || {
            Ki3Error::numerical(
                "ridge normal equations are singular (collinear or constant features); use l2 > 0",
            )
        };
        let coef = if p == 0 {
            Array1::zeros(0)
        } else {
            let chol = Cholesky::new(gram.view()).map_err(|_| singular())?;
            // A pivot at rounding level relative to its column's scale: rank deficient.
            let deficient = (0..p).any(|j| {
                let l = chol.l()[[j, j]];
                l * l <= 1e-12 * gram[[j, j]].abs().max(f64::MIN_POSITIVE)
            });
            if deficient {
                return Err(singular());
            }
            chol.solve(rhs.view())?
        };
        let intercept = if self.fit_intercept {
            y_mean - x_mean.dot(&coef)
        } else {
            0.0
        };
        Ok(RidgeRegression {
            params: self.clone(),
            coef: coef.to_vec(),
            intercept,
        })
    }
}

impl RidgeRegression {
    /// Predictions `intercept + xᵀcoef` for each row of `x`.
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        if x.ncols() != self.coef.len() {
            return Err(Ki3Error::LengthMismatch {
                arg: "x columns".into(),
                got: x.ncols(),
                expected_arg: "coef".into(),
                expected: self.coef.len(),
            });
        }
        check_matrix("x", x)?;
        let coef = ArrayView1::from(&self.coef);
        Ok(x.dot(&coef) + self.intercept)
    }

    pub(super) fn validate(&self) -> Result<()> {
        validate_linear(
            self.params.check(),
            &self.coef,
            self.intercept,
            self.params.fit_intercept,
        )
    }
}

impl Persist for RidgeRegression {
    const KIND: &'static str = "RidgeRegression";
    const VERSION: u32 = 1;

    fn to_json(&self) -> Result<String> {
        persist::to_json(Self::KIND, Self::VERSION, self)
    }

    fn from_json(text: &str) -> Result<Self> {
        let model: RidgeRegression = persist::from_json(text, Self::KIND, Self::VERSION)?;
        model.validate()?;
        Ok(model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, array};

    fn random_design(n: usize, p: usize, seed: u64) -> Array2<f64> {
        use rand::RngExt;
        let mut rng = crate::numerics::rng::stream(seed, 0);
        Array2::from_shape_fn((n, p), |_| rng.random::<f64>() * 4.0 - 2.0)
    }

    /// Noise-free linear data: without a penalty the truth is recovered exactly.
    #[test]
    fn unpenalised_fit_recovers_an_exact_linear_model() {
        let x = random_design(50, 3, 1);
        let y = x.dot(&array![2.0, -3.0, 0.5]) + 1.25;
        let m = RidgeParams::default()
            .l2(0.0)
            .fit(&RidgeData {
                x: x.view(),
                y: y.view(),
                sample_weight: None,
            })
            .unwrap();
        for (c, t) in m.coef.iter().zip([2.0, -3.0, 0.5]) {
            assert!((c - t).abs() < 1e-10, "{:?}", m.coef);
        }
        assert!((m.intercept - 1.25).abs() < 1e-10);
        let pred = m.predict(x.view()).unwrap();
        assert!(pred.iter().zip(&y).all(|(a, b)| (a - b).abs() < 1e-9));
    }

    /// The penalised optimum makes the gradient of the objective vanish:
    /// `∂L/∂w = −2 Xᵀ S r + 2 l2 w = 0`, `∂L/∂b = −2 Σ sᵢ rᵢ = 0`.
    #[test]
    fn penalised_optimum_is_stationary_with_weights() {
        let x = random_design(80, 4, 2);
        let y = Array1::from_shape_fn(80, |i| (i as f64 * 0.37).sin() * 3.0 + x[[i, 0]]);
        let w = Array1::from_shape_fn(80, |i| 0.5 + (i % 3) as f64);
        let m = RidgeParams::default()
            .l2(2.5)
            .fit(&RidgeData {
                x: x.view(),
                y: y.view(),
                sample_weight: Some(w.view()),
            })
            .unwrap();
        let r = &y - &m.predict(x.view()).unwrap();
        let sr = &r * &w;
        assert!(sr.sum().abs() < 1e-9);
        let g = x.t().dot(&sr);
        for (gj, cj) in g.iter().zip(&m.coef) {
            assert!((gj - 2.5 * cj).abs() < 1e-9, "{gj} vs {}", 2.5 * cj);
        }
        // Integer weights equal repeated rows.
        let text = m.to_json().unwrap();
        assert_eq!(RidgeRegression::from_json(&text).unwrap(), m);
    }

    #[test]
    fn bad_input_is_typed() {
        let x = array![[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]];
        let y = array![1.0, 2.0, 3.0];
        let fit = |p: RidgeParams, y: &Array1<f64>| {
            p.fit(&RidgeData {
                x: x.view(),
                y: y.view(),
                sample_weight: None,
            })
        };
        // Collinear columns without a penalty: singular.
        assert!(matches!(
            fit(RidgeParams::default().l2(0.0), &y),
            Err(Ki3Error::Numerical { .. })
        ));
        assert!(fit(RidgeParams::default(), &y).is_ok());
        assert!(
            fit(RidgeParams::default(), &array![1.0, f64::NAN, 0.0])
                .unwrap_err()
                .to_string()
                .starts_with("y: non-finite value at row 1")
        );
        assert!(fit(RidgeParams::default().l2(-1.0), &y).is_err());
        let m = fit(RidgeParams::default(), &y).unwrap();
        assert!(m.predict(array![[1.0]].view()).is_err());
    }
}
