//! L2-regularised logistic regression, the first estimator on the [`crate::model`] pattern.
//!
//! Minimises the penalised negative log-likelihood (scikit-learn's `LogisticRegression` with
//! `C = 1 / l2`; the intercept is not penalised):
//!
//! `L(b, w) = Σᵢ sᵢ [log(1 + e^{zᵢ}) − yᵢ zᵢ] + (l2 / 2) ‖w‖²`, with `zᵢ = b + xᵢᵀw`,
//!
//! gradient `∂L/∂w = Xᵀ(s ∘ (σ(z) − y)) + l2 w`, `∂L/∂b = Σᵢ sᵢ (σ(zᵢ) − yᵢ)`. The objective is
//! convex (strictly so when `l2 > 0`), so L-BFGS ([`crate::numerics::optimize`]) reaches the
//! unique optimum; `log(1 + e^z)` is evaluated stably ([`log1p_exp`]).

use ndarray::{Array1, ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::error::{Ki3Error, Result};
use crate::model::{Fit, Params};
use crate::numerics::density::{log1p_exp, sigmoid};
use crate::numerics::optimize::{LbfgsParams, minimize};
use crate::persist::{self, Persist};

use super::checks::{check_l2, check_matrix, check_vector, check_weights, validate_linear};

/// Hyper-parameters of [`LogisticRegression`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogisticRegressionParams {
    /// L2 penalty λ ≥ 0 on the coefficients (default 1, scikit-learn's `C = 1`).
    pub l2: f64,
    /// Fit an unpenalised intercept (default true).
    pub fit_intercept: bool,
    /// Iteration cap of the optimiser (default 1,000).
    pub max_iter: usize,
    /// Convergence tolerance on the gradient's max-norm, relative to the number of rows
    /// (default 1e-8).
    pub tol: f64,
}

impl Default for LogisticRegressionParams {
    fn default() -> Self {
        LogisticRegressionParams {
            l2: 1.0,
            fit_intercept: true,
            max_iter: 1000,
            tol: 1e-8,
        }
    }
}

impl LogisticRegressionParams {
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
    /// Sets the iteration cap.
    pub fn max_iter(mut self, n: usize) -> Self {
        self.max_iter = n;
        self
    }
    /// Sets the gradient tolerance.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }
}

impl Params for LogisticRegressionParams {
    fn check(&self) -> Result<()> {
        check_l2(self.l2)?;
        if self.max_iter == 0 || self.max_iter > 1_000_000 {
            return Err(Ki3Error::param("max_iter", "must be in 1..=1000000"));
        }
        if !(self.tol.is_finite() && self.tol > 0.0) {
            return Err(Ki3Error::param(
                "tol",
                format!("must be finite and > 0, got {}", self.tol),
            ));
        }
        Ok(())
    }
}

/// Training data of [`LogisticRegression`]: features `x` (rows × features), 0/1 labels `y` and
/// optional non-negative sample weights.
#[derive(Debug, Clone, Copy)]
pub struct LogisticData<'a> {
    /// Feature matrix, one row per observation.
    pub x: ArrayView2<'a, f64>,
    /// Labels, each 0 or 1.
    pub y: ArrayView1<'a, f64>,
    /// Sample weights (frequency weights), or `None` for all ones.
    pub sample_weight: Option<ArrayView1<'a, f64>>,
}

/// A fitted logistic regression: `P(y = 1 | x) = σ(intercept + xᵀcoef)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogisticRegression {
    /// The hyper-parameters it was fitted with.
    pub params: LogisticRegressionParams,
    /// Coefficients, one per feature.
    pub coef: Vec<f64>,
    /// Intercept (0 when `fit_intercept` is false).
    pub intercept: f64,
    /// Optimiser iterations used.
    pub iterations: usize,
}

fn check_len(arg: &str, got: usize, expected_arg: &str, expected: usize) -> Result<()> {
    if got == expected {
        return Ok(());
    }
    Err(Ki3Error::LengthMismatch {
        arg: arg.into(),
        got,
        expected_arg: expected_arg.into(),
        expected,
    })
}

impl LogisticData<'_> {
    fn check(&self) -> Result<()> {
        let n = self.x.nrows();
        if n == 0 {
            return Err(Ki3Error::Empty { arg: "x".into() });
        }
        check_matrix("x", self.x)?;
        check_vector("y", self.y, n)?;
        if let Some(i) = self.y.iter().position(|&v| v != 0.0 && v != 1.0) {
            return Err(Ki3Error::InvalidValue {
                arg: "y".into(),
                index: i,
                reason: "labels must be 0 or 1".into(),
            });
        }
        check_weights(self.sample_weight, n)
    }

    fn weight(&self, i: usize) -> f64 {
        self.sample_weight.map_or(1.0, |w| w[i])
    }
}

/// Penalised negative log-likelihood and its gradient at `theta = [w..., b]`.
fn objective(data: &LogisticData<'_>, l2: f64, theta: &[f64], grad: &mut [f64]) -> f64 {
    let p = data.x.ncols();
    let (w, b) = theta.split_at(p);
    let b = b.first().copied().unwrap_or(0.0);
    grad.iter_mut().for_each(|g| *g = 0.0);
    let mut loss = 0.0;
    for (i, row) in data.x.rows().into_iter().enumerate() {
        let z = b + row.iter().zip(w).map(|(x, w)| x * w).sum::<f64>();
        let (s, y) = (data.weight(i), data.y[i]);
        loss += s * (log1p_exp(z) - y * z);
        let r = s * (sigmoid(z) - y);
        for (g, x) in grad[..p].iter_mut().zip(row) {
            *g += r * x;
        }
        if let Some(gb) = grad.get_mut(p) {
            *gb += r;
        }
    }
    for (g, w) in grad[..p].iter_mut().zip(w) {
        *g += l2 * w;
        loss += 0.5 * l2 * w * w;
    }
    loss
}

impl<'a> Fit<LogisticData<'a>> for LogisticRegressionParams {
    type Model = LogisticRegression;

    fn fit(&self, data: &LogisticData<'a>) -> Result<LogisticRegression> {
        self.check()?;
        data.check()?;
        let p = data.x.ncols();
        let dim = p + usize::from(self.fit_intercept);
        let scale = data
            .sample_weight
            .map_or(data.x.nrows() as f64, |w| w.sum());
        let opt = LbfgsParams::default()
            .max_iter(self.max_iter)
            .max_evals(self.max_iter.saturating_mul(20))
            .gtol(self.tol * scale.max(1.0));
        let result = minimize(
            |theta: &[f64], grad: &mut [f64]| Ok(objective(data, self.l2, theta, grad)),
            &vec![0.0; dim],
            &opt,
        )?;
        if !result.converged {
            return Err(Ki3Error::Convergence {
                reason: format!(
                    "logistic regression stopped after {} iterations ({:?}, gradient norm {:.3e}); \
                     with separable data use l2 > 0, or raise max_iter",
                    result.iterations, result.reason, result.grad_norm
                ),
            });
        }
        let model = LogisticRegression {
            params: self.clone(),
            coef: result.x[..p].to_vec(),
            intercept: result.x.get(p).copied().unwrap_or(0.0),
            iterations: result.iterations,
        };
        if self.l2 == 0.0 && model.separates(data) {
            return Err(Ki3Error::Convergence {
                reason: "the classes are perfectly separable, so no finite maximum-likelihood \
                         estimate exists; use l2 > 0"
                    .into(),
            });
        }
        Ok(model)
    }
}

impl LogisticRegression {
    /// True when every weighted row lies strictly on the side of its label (complete
    /// separation: the unpenalised likelihood has no maximum, the optimiser only stops on
    /// its tolerance).
    fn separates(&self, data: &LogisticData<'_>) -> bool {
        data.x.rows().into_iter().enumerate().all(|(i, row)| {
            let z = self.intercept + row.iter().zip(&self.coef).map(|(x, w)| x * w).sum::<f64>();
            data.weight(i) == 0.0 || ((z > 0.0) == (data.y[i] == 1.0) && z != 0.0)
        })
    }

    /// `P(y = 1 | x)` for each row of `x`.
    pub fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_len("x columns", x.ncols(), "coef", self.coef.len())?;
        check_matrix("x", x)?;
        let mut out = Array1::zeros(x.nrows());
        for (i, row) in x.rows().into_iter().enumerate() {
            let z = self.intercept + row.iter().zip(&self.coef).map(|(x, w)| x * w).sum::<f64>();
            out[i] = sigmoid(z);
        }
        Ok(out)
    }
}

impl Persist for LogisticRegression {
    const KIND: &'static str = "LogisticRegression";
    const VERSION: u32 = 1;

    fn to_json(&self) -> Result<String> {
        persist::to_json(Self::KIND, Self::VERSION, self)
    }

    fn from_json(text: &str) -> Result<Self> {
        let model: LogisticRegression = persist::from_json(text, Self::KIND, Self::VERSION)?;
        model.validate()?;
        Ok(model)
    }
}

impl LogisticRegression {
    /// Checks every field of a loaded model (corrupt input is [`Ki3Error::Corrupt`]).
    pub(super) fn validate(&self) -> Result<()> {
        validate_linear(
            self.params.check(),
            &self.coef,
            self.intercept,
            self.params.fit_intercept,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array1, Array2, array};

    fn logit(p: f64) -> f64 {
        (p / (1.0 - p)).ln()
    }

    /// One binary covariate, no penalty: the MLE is the empirical log-odds
    /// (intercept = logit(p₀), coef = logit(p₁) − logit(p₀)).
    #[test]
    fn unpenalised_binary_covariate_gives_the_empirical_log_odds() {
        // group 0: 30 of 100 positive; group 1: 70 of 120 positive.
        let mut x = Vec::new();
        let mut y = Vec::new();
        for (g, n, pos) in [(0.0, 100, 30), (1.0, 120, 70)] {
            for i in 0..n {
                x.push(g);
                y.push(if i < pos { 1.0 } else { 0.0 });
            }
        }
        let x = Array2::from_shape_vec((x.len(), 1), x).unwrap();
        let y = Array1::from(y);
        let data = LogisticData {
            x: x.view(),
            y: y.view(),
            sample_weight: None,
        };
        let m = LogisticRegressionParams::default()
            .l2(0.0)
            .fit(&data)
            .unwrap();
        assert!((m.intercept - logit(0.3)).abs() < 1e-7, "{}", m.intercept);
        assert!((m.coef[0] - (logit(70.0 / 120.0) - logit(0.3))).abs() < 1e-7);
        // Frequency weights equal repeated rows.
        let xw = array![[0.0], [0.0], [1.0], [1.0]];
        let yw = array![1.0, 0.0, 1.0, 0.0];
        let w = array![30.0, 70.0, 70.0, 50.0];
        let mw = LogisticRegressionParams::default()
            .l2(0.0)
            .fit(&LogisticData {
                x: xw.view(),
                y: yw.view(),
                sample_weight: Some(w.view()),
            })
            .unwrap();
        assert!((mw.intercept - m.intercept).abs() < 1e-7);
        assert!((mw.coef[0] - m.coef[0]).abs() < 1e-7);
    }

    #[test]
    fn penalised_optimum_satisfies_the_stationarity_condition_and_gradient_matches_differences() {
        let mut rng = crate::numerics::rng::stream(3, 0);
        use rand::RngExt;
        let (n, p) = (400, 3);
        let x = Array2::from_shape_fn((n, p), |_| rng.random::<f64>() * 2.0 - 1.0);
        let y = Array1::from_shape_fn(n, |i| {
            let z = 0.5 + 2.0 * x[[i, 0]] - x[[i, 1]];
            f64::from(rng.random::<f64>() < sigmoid(z))
        });
        let data = LogisticData {
            x: x.view(),
            y: y.view(),
            sample_weight: None,
        };
        let m = LogisticRegressionParams::default()
            .l2(2.0)
            .fit(&data)
            .unwrap();
        let mut theta = m.coef.clone();
        theta.push(m.intercept);
        let mut g = vec![0.0; p + 1];
        objective(&data, 2.0, &theta, &mut g);
        assert!(g.iter().all(|v| v.abs() < 1e-5), "{g:?}");
        // Central differences of the objective.
        let probe = [0.3, -0.2, 0.1, 0.4];
        objective(&data, 2.0, &probe, &mut g);
        for k in 0..=p {
            let h = 1e-6;
            let (mut a, mut b) = (probe, probe);
            a[k] += h;
            b[k] -= h;
            let mut tmp = vec![0.0; p + 1];
            let fd = (objective(&data, 2.0, &a, &mut tmp) - objective(&data, 2.0, &b, &mut tmp))
                / (2.0 * h);
            assert!(
                (fd - g[k]).abs() < 1e-6 * g[k].abs().max(1.0),
                "{k}: {fd} vs {}",
                g[k]
            );
        }
        // Signs of the simulated truth are recovered.
        assert!(
            m.coef[0] > 1.0 && m.coef[1] < -0.4 && m.coef[2].abs() < 0.5,
            "{:?}",
            m.coef
        );
        let probs = m.predict_proba(x.view()).unwrap();
        assert!(probs.iter().all(|&q| q > 0.0 && q < 1.0));
    }

    #[test]
    fn saved_model_round_trips_exactly_and_loads_through_the_one_loader() {
        let x = array![[0.0, 1.0], [1.0, 0.5], [2.0, -1.0], [0.5, 0.0]];
        let y = array![0.0, 1.0, 1.0, 0.0];
        let m = LogisticRegressionParams::default()
            .fit(&LogisticData {
                x: x.view(),
                y: y.view(),
                sample_weight: None,
            })
            .unwrap();
        let text = m.to_json().unwrap();
        assert_eq!(LogisticRegression::from_json(&text).unwrap(), m);
        match persist::load(&text).unwrap() {
            persist::Saved::LogisticRegression(back) => assert_eq!(back, m),
            other => panic!("loaded {}", other.kind()),
        }
        let bad = text.replace(&format!("{}", m.intercept), "1e999");
        assert!(matches!(
            LogisticRegression::from_json(&bad),
            Err(Ki3Error::Corrupt { .. })
        ));
    }

    #[test]
    fn bad_input_is_a_typed_error_naming_the_argument() {
        let x = array![[0.0], [1.0]];
        let fit = |y: Array1<f64>, w: Option<Array1<f64>>| {
            LogisticRegressionParams::default()
                .fit(&LogisticData {
                    x: x.view(),
                    y: y.view(),
                    sample_weight: w.as_ref().map(|w| w.view()),
                })
                .unwrap_err()
                .to_string()
        };
        assert!(fit(array![0.0, 2.0], None).starts_with("y: invalid value at row 1"));
        assert!(fit(array![0.0], None).starts_with("y: length 1"));
        assert!(fit(array![0.0, f64::NAN], None).starts_with("y: non-finite"));
        assert!(fit(array![0.0, 1.0], Some(array![1.0, -1.0])).starts_with("sample_weight"));
        let empty = Array2::<f64>::zeros((0, 2));
        let none = Array1::<f64>::zeros(0);
        let e = LogisticRegressionParams::default()
            .fit(&LogisticData {
                x: empty.view(),
                y: none.view(),
                sample_weight: None,
            })
            .unwrap_err();
        assert_eq!(e.to_string(), "x: empty input");
        let e = LogisticRegressionParams::default()
            .l2(-1.0)
            .check()
            .unwrap_err();
        assert!(e.to_string().contains("l2"));
        // Separable data without a penalty does not converge, and says what to do.
        let ys = array![0.0, 1.0];
        let e = LogisticRegressionParams::default()
            .l2(0.0)
            .max_iter(50)
            .fit(&LogisticData {
                x: x.view(),
                y: ys.view(),
                sample_weight: None,
            })
            .unwrap_err();
        assert!(e.to_string().contains("l2 > 0"), "{e}");
    }
}
