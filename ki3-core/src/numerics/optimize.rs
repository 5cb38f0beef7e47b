//! L-BFGS minimisation of a smooth function `f: ℝⁿ → ℝ` with a user-supplied gradient.
//!
//! Algorithm: Nocedal & Wright, *Numerical Optimization* (2nd ed.): the two-loop recursion
//! (Alg. 7.4) applies the inverse-Hessian approximation built from the last `memory` pairs
//! `sₖ = xₖ₊₁ − xₖ`, `yₖ = ∇fₖ₊₁ − ∇fₖ`, scaled by `γ = sᵀy / yᵀy` (eq. 7.20); L-BFGS is Alg. 7.5.
//! Steps satisfy the strong Wolfe conditions (`f(x + αp) ≤ f(x) + c₁ α ∇fᵀp`,
//! `|∇f(x + αp)ᵀp| ≤ c₂ |∇fᵀp|`) found by the bracketing line search of Alg. 3.5 with the `zoom`
//! of Alg. 3.6, using safeguarded cubic interpolation (eq. 3.59). A pair with `sᵀy ≤ 0` is not
//! stored, so the approximation stays positive definite.
//!
//! **Non-finite values.** A trial point where `f` or its gradient is not finite is treated as a
//! too-long step: the line search shrinks the step (halving towards the last good point), so an
//! objective may return `+∞`/NaN outside its domain. Only the start point must be finite.
//!
//! **Bounds.** The optimiser is unconstrained. For a parameter with bounds, optimise over
//! `y = g⁻¹(x)` with a [`crate::numerics::transform::Transform`]: evaluate `f(g(y))` and turn the
//! gradient into `∂f/∂y` with [`crate::numerics::transform::chain_gradient`] (without the Jacobian
//! term for a likelihood). The minimiser of a bounded problem whose optimum is interior is then
//! found exactly; an optimum on a bound is approached as `y → ±∞` and ends by `ftol`.
//!
//! **Why hand-written rather than `argmin`**: the method is ~200 lines, the estimators need
//! plain slices, `Result`-returning objectives (the densities validate parameters) and
//! never-panicking behaviour on non-finite values, and one fewer dependency tree keeps the
//! bindings' builds short; the tests below (Rosenbrock, quadratic, logistic regression vs Newton,
//! a bounded problem) pin its behaviour.

use std::collections::VecDeque;

use crate::error::{Ki3Error, Result};

/// Options of [`minimize`]. Validate with [`LbfgsParams::check`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LbfgsParams {
    /// Number of `(s, y)` pairs kept (`m` in Nocedal & Wright). Default 10.
    pub memory: usize,
    /// Maximum number of iterations (accepted steps). Default 1000.
    pub max_iter: usize,
    /// Maximum number of objective evaluations. Default 20 000.
    pub max_evals: usize,
    /// Converged when `‖∇f‖∞ ≤ gtol`. Default 1e-6.
    pub gtol: f64,
    /// Converged when `(fₖ − fₖ₊₁) ≤ ftol · max(|fₖ|, |fₖ₊₁|, 1)`. Default 1e-12.
    pub ftol: f64,
    /// Sufficient-decrease constant `c₁` (default 1e-4).
    pub c1: f64,
    /// Curvature constant `c₂` (default 0.9), `c₁ < c₂ < 1`.
    pub c2: f64,
    /// Maximum evaluations within one line search. Default 50.
    pub max_linesearch: usize,
}

impl Default for LbfgsParams {
    fn default() -> Self {
        LbfgsParams {
            memory: 10,
            max_iter: 1000,
            max_evals: 20_000,
            gtol: 1e-6,
            ftol: 1e-12,
            c1: 1e-4,
            c2: 0.9,
            max_linesearch: 50,
        }
    }
}

impl LbfgsParams {
    /// Sets [`LbfgsParams::memory`].
    pub fn memory(mut self, memory: usize) -> Self {
        self.memory = memory;
        self
    }

    /// Sets [`LbfgsParams::max_iter`].
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// Sets [`LbfgsParams::max_evals`].
    pub fn max_evals(mut self, max_evals: usize) -> Self {
        self.max_evals = max_evals;
        self
    }

    /// Sets [`LbfgsParams::gtol`].
    pub fn gtol(mut self, gtol: f64) -> Self {
        self.gtol = gtol;
        self
    }

    /// Sets [`LbfgsParams::ftol`].
    pub fn ftol(mut self, ftol: f64) -> Self {
        self.ftol = ftol;
        self
    }

    /// Checks every option's range.
    pub fn check(&self) -> Result<()> {
        if self.memory == 0 || self.memory > 1000 {
            return Err(Ki3Error::param("memory", "must be in 1..=1000"));
        }
        if self.max_iter == 0 {
            return Err(Ki3Error::param("max_iter", "must be at least 1"));
        }
        if self.max_evals == 0 {
            return Err(Ki3Error::param("max_evals", "must be at least 1"));
        }
        if self.max_linesearch < 2 {
            return Err(Ki3Error::param("max_linesearch", "must be at least 2"));
        }
        for (name, v) in [("gtol", self.gtol), ("ftol", self.ftol)] {
            if !(v >= 0.0 && v.is_finite()) {
                return Err(Ki3Error::param(name, format!("must be >= 0, got {v}")));
            }
        }
        if !(self.c1 > 0.0 && self.c1 < self.c2 && self.c2 < 1.0) {
            return Err(Ki3Error::param(
                "c1",
                format!(
                    "need 0 < c1 < c2 < 1, got c1 = {}, c2 = {}",
                    self.c1, self.c2
                ),
            ));
        }
        Ok(())
    }
}

/// Why [`minimize`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum StopReason {
    /// `‖∇f‖∞ ≤ gtol` (converged).
    GradientTolerance,
    /// The relative decrease of `f` fell below `ftol` (converged).
    FunctionTolerance,
    /// `max_iter` reached.
    MaxIterations,
    /// `max_evals` reached.
    MaxEvaluations,
    /// No step satisfying the Wolfe conditions was found (often: at the limit of precision).
    LineSearchFailed,
}

/// The result of [`minimize`].
#[derive(Debug, Clone, PartialEq)]
pub struct LbfgsResult {
    /// The best point found.
    pub x: Vec<f64>,
    /// `f(x)`.
    pub f: f64,
    /// `∇f(x)`.
    pub grad: Vec<f64>,
    /// `‖∇f(x)‖∞`.
    pub grad_norm: f64,
    /// Accepted steps.
    pub iterations: usize,
    /// Objective (and gradient) evaluations.
    pub evaluations: usize,
    /// True when stopped by `gtol` or `ftol`.
    pub converged: bool,
    /// Why it stopped.
    pub reason: StopReason,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn inf_norm(a: &[f64]) -> f64 {
    a.iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// A point of the line search: step, value, directional derivative.
#[derive(Clone, Copy)]
struct Trial {
    alpha: f64,
    f: f64,
    d: f64,
}

/// Evaluation counter and scratch space around the user's objective.
struct Problem<'a, F> {
    f: &'a mut F,
    evals: usize,
    max_evals: usize,
}

impl<F: FnMut(&[f64], &mut [f64]) -> Result<f64>> Problem<'_, F> {
    /// Evaluates at `x`, writing the gradient; `None` when the budget is exhausted.
    fn eval(&mut self, x: &[f64], g: &mut [f64]) -> Result<Option<f64>> {
        if self.evals >= self.max_evals {
            return Ok(None);
        }
        self.evals += 1;
        Ok(Some((self.f)(x, g)?))
    }
}

/// Minimiser of the cubic interpolating `(a, fa, da)` and `(b, fb, db)` (N&W eq. 3.59),
/// safeguarded into the middle 80% of the interval; bisection when the cubic has no minimiser.
fn cubic_min(a: Trial, b: Trial) -> f64 {
    let (lo, hi) = if a.alpha < b.alpha {
        (a.alpha, b.alpha)
    } else {
        (b.alpha, a.alpha)
    };
    let d1 = a.d + b.d - 3.0 * (a.f - b.f) / (a.alpha - b.alpha);
    let disc = d1 * d1 - a.d * b.d;
    let mut t = f64::NAN;
    if disc >= 0.0 {
        let d2 = (b.alpha - a.alpha).signum() * disc.sqrt();
        t = b.alpha - (b.alpha - a.alpha) * (b.d + d2 - d1) / (b.d - a.d + 2.0 * d2);
    }
    let w = hi - lo;
    if !t.is_finite() || t < lo + 0.1 * w || t > hi - 0.1 * w {
        0.5 * (lo + hi)
    } else {
        t
    }
}

/// Outcome of the line search: the accepted trial, or why none was found.
enum Search {
    Found(Trial),
    Failed,
    Budget,
}

/// Strong-Wolfe line search (N&W Alg. 3.5 / 3.6) along `p` from `x` (value `f0`, slope `d0 < 0`).
/// On `Found`, `xt`/`gt` hold the accepted point and gradient.
#[allow(clippy::too_many_arguments)]
fn line_search<F: FnMut(&[f64], &mut [f64]) -> Result<f64>>(
    prob: &mut Problem<'_, F>,
    params: &LbfgsParams,
    x: &[f64],
    p: &[f64],
    f0: f64,
    d0: f64,
    alpha0: f64,
    xt: &mut [f64],
    gt: &mut [f64],
) -> Result<Search> {
    let origin = Trial {
        alpha: 0.0,
        f: f0,
        d: d0,
    };
    // Evaluates at x + α p; non-finite values come back as None.
    let at = |prob: &mut Problem<'_, F>,
              alpha: f64,
              xt: &mut [f64],
              gt: &mut [f64]|
     -> Result<Option<Option<Trial>>> {
        for ((xi, &x0), &pi) in xt.iter_mut().zip(x).zip(p) {
            *xi = x0 + alpha * pi;
        }
        let Some(f) = prob.eval(xt, gt)? else {
            return Ok(None);
        };
        let d = dot(gt, p);
        if f.is_finite() && d.is_finite() && gt.iter().all(|v| v.is_finite()) {
            Ok(Some(Some(Trial { alpha, f, d })))
        } else {
            Ok(Some(None))
        }
    };
    let wolfe_curv = |t: &Trial| t.d.abs() <= -params.c2 * d0;
    let armijo = |t: &Trial| t.f <= f0 + params.c1 * t.alpha * d0;

    let mut prev = origin;
    let mut alpha = alpha0;
    let mut lo = origin;
    let mut hi: Option<Trial> = None;
    let mut zooming = false;
    for i in 0..params.max_linesearch {
        if zooming {
            alpha = match hi {
                Some(h) => cubic_min(lo, h),
                None => lo.alpha * 2.0,
            };
        }
        let Some(trial) = at(prob, alpha, xt, gt)? else {
            return Ok(Search::Budget);
        };
        let Some(t) = trial else {
            // Non-finite: the step is too long; shrink towards the last good point.
            let upper = Trial {
                alpha,
                f: f64::INFINITY,
                d: f64::INFINITY,
            };
            hi = Some(upper);
            alpha = 0.5 * (lo.alpha + alpha);
            zooming = false;
            if alpha - lo.alpha <= f64::EPSILON * alpha.abs() {
                return Ok(Search::Failed);
            }
            continue;
        };
        if !zooming {
            // Bracketing phase (Alg. 3.5).
            if !armijo(&t) || (i > 0 && t.f >= prev.f) {
                lo = prev;
                hi = Some(t);
                zooming = true;
                continue;
            }
            if wolfe_curv(&t) {
                return Ok(Search::Found(t));
            }
            if t.d >= 0.0 {
                // Past a minimiser: zoom(α_i, α_{i−1}).
                lo = t;
                hi = Some(prev);
                zooming = true;
                continue;
            }
            prev = t;
            lo = t;
            match hi {
                // An earlier non-finite point bounds the expansion.
                Some(h) => alpha = 0.5 * (t.alpha + h.alpha),
                None => alpha = 2.0 * t.alpha,
            }
        } else {
            // Zoom phase (Alg. 3.6).
            if !armijo(&t) || t.f >= lo.f {
                hi = Some(t);
            } else {
                if wolfe_curv(&t) {
                    return Ok(Search::Found(t));
                }
                if let Some(h) = hi
                    && t.d * (h.alpha - lo.alpha) >= 0.0
                {
                    hi = Some(lo);
                }
                lo = t;
            }
            if let Some(h) = hi
                && (h.alpha - lo.alpha).abs() <= 1e-14 * h.alpha.abs().max(lo.alpha.abs())
            {
                break;
            }
        }
    }
    // Fall back to the best sufficient-decrease point seen, if any.
    if lo.alpha > 0.0 && lo.f < f0 {
        let Some(Some(t)) = at(prob, lo.alpha, xt, gt)? else {
            return Ok(Search::Failed);
        };
        return Ok(Search::Found(t));
    }
    Ok(Search::Failed)
}

/// Minimises `f` from `x0` by L-BFGS. `f(x, grad)` returns `f(x)` and writes `∇f(x)` into `grad`
/// (same length as `x`); an `Err` from `f` is returned as is.
///
/// Errors: invalid `params`, empty `x0`, non-finite `x0` or a non-finite value/gradient at `x0`.
/// Running out of iterations or evaluations, or a failed line search, is not an error: the
/// result then has `converged == false` and holds the best point found.
pub fn minimize<F>(mut f: F, x0: &[f64], params: &LbfgsParams) -> Result<LbfgsResult>
where
    F: FnMut(&[f64], &mut [f64]) -> Result<f64>,
{
    params.check()?;
    let n = x0.len();
    if n == 0 {
        return Err(Ki3Error::Empty { arg: "x0".into() });
    }
    if let Some(i) = x0.iter().position(|v| !v.is_finite()) {
        return Err(Ki3Error::NonFinite {
            arg: "x0".into(),
            index: i,
        });
    }
    let mut prob = Problem {
        f: &mut f,
        evals: 0,
        max_evals: params.max_evals,
    };
    let mut x = x0.to_vec();
    let mut g = vec![0.0; n];
    let mut fx = prob.eval(&x, &mut g)?.unwrap_or(f64::NAN);
    if !fx.is_finite() || g.iter().any(|v| !v.is_finite()) {
        return Err(Ki3Error::param(
            "x0",
            "objective or gradient is not finite at the start point",
        ));
    }
    let m = params.memory;
    let mut s_hist: VecDeque<Vec<f64>> = VecDeque::with_capacity(m);
    let mut y_hist: VecDeque<Vec<f64>> = VecDeque::with_capacity(m);
    let mut rho_hist: VecDeque<f64> = VecDeque::with_capacity(m);
    let mut alpha_buf = vec![0.0; m];
    let mut p = vec![0.0; n];
    let mut xt = vec![0.0; n];
    let mut gt = vec![0.0; n];
    let mut iterations = 0;

    let reason = loop {
        if inf_norm(&g) <= params.gtol {
            break StopReason::GradientTolerance;
        }
        if iterations >= params.max_iter {
            break StopReason::MaxIterations;
        }
        // Two-loop recursion (Alg. 7.4): p = −H ∇f.
        p.copy_from_slice(&g);
        let k = s_hist.len();
        for i in (0..k).rev() {
            let a = rho_hist[i] * dot(&s_hist[i], &p);
            alpha_buf[i] = a;
            for (pj, yj) in p.iter_mut().zip(&y_hist[i]) {
                *pj -= a * yj;
            }
        }
        let gamma = match (s_hist.back(), y_hist.back()) {
            (Some(s), Some(y)) => dot(s, y) / dot(y, y),
            _ => 1.0,
        };
        for v in p.iter_mut() {
            *v *= gamma;
        }
        for i in 0..k {
            let b = rho_hist[i] * dot(&y_hist[i], &p);
            for (pj, sj) in p.iter_mut().zip(&s_hist[i]) {
                *pj += (alpha_buf[i] - b) * sj;
            }
        }
        for v in p.iter_mut() {
            *v = -*v;
        }
        let mut d0 = dot(&g, &p);
        if d0.is_nan() || d0 >= 0.0 || !d0.is_finite() {
            // Not a descent direction (lost positive definiteness): restart with steepest descent.
            s_hist.clear();
            y_hist.clear();
            rho_hist.clear();
            for (pj, gj) in p.iter_mut().zip(&g) {
                *pj = -gj;
            }
            d0 = -dot(&g, &g);
        }
        // First step: unit length along −∇f; later, the quasi-Newton step α = 1.
        let alpha0 = if s_hist.is_empty() {
            (1.0 / inf_norm(&g)).min(1.0)
        } else {
            1.0
        };
        let t = match line_search(&mut prob, params, &x, &p, fx, d0, alpha0, &mut xt, &mut gt)? {
            Search::Found(t) => t,
            Search::Budget => break StopReason::MaxEvaluations,
            Search::Failed => {
                if s_hist.is_empty() {
                    break StopReason::LineSearchFailed;
                }
                // Retry once from steepest descent before giving up.
                s_hist.clear();
                y_hist.clear();
                rho_hist.clear();
                continue;
            }
        };
        iterations += 1;
        let f_old = fx;
        // Store the pair, dropping the oldest beyond `memory`.
        let s: Vec<f64> = p.iter().map(|v| t.alpha * v).collect();
        let y: Vec<f64> = gt.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        x.copy_from_slice(&xt);
        g.copy_from_slice(&gt);
        fx = t.f;
        if sy > f64::EPSILON * dot(&y, &y).sqrt() * dot(&s, &s).sqrt() {
            if s_hist.len() == m {
                s_hist.pop_front();
                y_hist.pop_front();
                rho_hist.pop_front();
            }
            s_hist.push_back(s);
            y_hist.push_back(y);
            rho_hist.push_back(1.0 / sy);
        }
        if f_old - fx <= params.ftol * f_old.abs().max(fx.abs()).max(1.0) {
            if inf_norm(&g) <= params.gtol {
                break StopReason::GradientTolerance;
            }
            break StopReason::FunctionTolerance;
        }
    };
    let grad_norm = inf_norm(&g);
    Ok(LbfgsResult {
        x,
        f: fx,
        grad: g,
        grad_norm,
        iterations,
        evaluations: prob.evals,
        converged: matches!(
            reason,
            StopReason::GradientTolerance | StopReason::FunctionTolerance
        ),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::linalg;
    use crate::numerics::transform::{Transform, chain_gradient, constrain_vector};

    fn rosenbrock(x: &[f64], g: &mut [f64]) -> Result<f64> {
        // Σ 100 (x_{i+1} − x_i²)² + (1 − x_i)².
        let n = x.len();
        let mut f = 0.0;
        g.iter_mut().for_each(|v| *v = 0.0);
        for i in 0..n - 1 {
            let a = x[i + 1] - x[i] * x[i];
            let b = 1.0 - x[i];
            f += 100.0 * a * a + b * b;
            g[i] += -400.0 * a * x[i] - 2.0 * b;
            g[i + 1] += 200.0 * a;
        }
        Ok(f)
    }

    fn tight() -> LbfgsParams {
        LbfgsParams::default().gtol(1e-10).ftol(0.0)
    }

    #[test]
    fn rosenbrock_2d_and_10d() {
        for n in [2usize, 10] {
            let x0: Vec<f64> = (0..n)
                .map(|i| if i % 2 == 0 { -1.2 } else { 1.0 })
                .collect();
            let r = minimize(rosenbrock, &x0, &tight()).unwrap();
            assert!(r.converged, "n = {n}: {r:?}");
            for v in &r.x {
                assert!((v - 1.0).abs() < 1e-8, "n = {n}: {:?}", r.x);
            }
            assert!(r.f < 1e-16, "{}", r.f);
            assert!(r.iterations < 200, "{}", r.iterations);
        }
    }

    #[test]
    fn quadratic_matches_closed_form() {
        // f = ½ xᵀ A x − bᵀ x, minimiser A⁻¹ b (solved by Cholesky).
        let n = 6;
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                a[i * n + j] = 1.0 / (1.0 + (i as f64 - j as f64).abs())
                    + if i == j { 0.5 * i as f64 } else { 0.0 };
            }
        }
        let b: Vec<f64> = (0..n).map(|i| (i as f64 * 0.9).sin() + 0.3).collect();
        let quad = |x: &[f64], g: &mut [f64]| -> Result<f64> {
            let mut f = 0.0;
            for i in 0..n {
                let ax: f64 = (0..n).map(|j| a[i * n + j] * x[j]).sum();
                g[i] = ax - b[i];
                f += 0.5 * x[i] * ax - b[i] * x[i];
            }
            Ok(f)
        };
        let r = minimize(quad, &vec![0.0; n], &tight()).unwrap();
        let mut l = a.clone();
        linalg::cholesky_in_place(&mut l, n).unwrap();
        let mut want = b.clone();
        linalg::cholesky_solve_in_place(&l, n, &mut want).unwrap();
        assert!(r.converged);
        for (got, w) in r.x.iter().zip(&want) {
            assert!((got - w).abs() < 1e-9, "{got} vs {w}");
        }
    }

    /// Negative log-likelihood of a logistic regression and its gradient.
    fn logistic_nll(xs: &[[f64; 3]], ys: &[f64], w: &[f64], g: &mut [f64]) -> f64 {
        let mut f = 0.0;
        g.iter_mut().for_each(|v| *v = 0.0);
        for (row, &y) in xs.iter().zip(ys) {
            let eta: f64 = row.iter().zip(w).map(|(a, b)| a * b).sum();
            // −[y η − ln(1 + e^η)].
            f += crate::numerics::density::log1p_exp(eta) - y * eta;
            let p = crate::numerics::density::sigmoid(eta);
            for (gj, xj) in g.iter_mut().zip(row) {
                *gj += (p - y) * xj;
            }
        }
        f
    }

    #[test]
    fn logistic_regression_matches_newton() {
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        for i in 0..300 {
            let t = i as f64;
            let x1 = (t * 0.37).sin() * 2.0;
            let x2 = (t * 0.11 + 1.0).cos();
            // Deterministic labels with overlap (not separable).
            let eta = 0.4 + 1.3 * x1 - 0.8 * x2;
            let u = ((t * 12.9898).sin() * 43_758.545).fract().abs();
            xs.push([1.0, x1, x2]);
            ys.push(if u < 1.0 / (1.0 + (-eta).exp()) {
                1.0
            } else {
                0.0
            });
        }
        // f ≈ 125 here: below ‖∇f‖ ~ 1e-9 a step's decrease is under f's rounding, so gtol = 1e-8.
        let params = LbfgsParams {
            gtol: 1e-8,
            ..tight()
        };
        let r = minimize(|w, g| Ok(logistic_nll(&xs, &ys, w, g)), &[0.0; 3], &params).unwrap();
        assert!(r.converged, "{r:?}");
        // Newton: w ← w + (Xᵀ W X)⁻¹ Xᵀ (y − p).
        let mut w = [0.0; 3];
        for _ in 0..30 {
            let mut h = vec![0.0; 9];
            let mut g = [0.0; 3];
            logistic_nll(&xs, &ys, &w, &mut g);
            for row in &xs {
                let eta: f64 = row.iter().zip(&w).map(|(a, b)| a * b).sum();
                let p = crate::numerics::density::sigmoid(eta);
                for i in 0..3 {
                    for j in 0..3 {
                        h[i * 3 + j] += p * (1.0 - p) * row[i] * row[j];
                    }
                }
            }
            linalg::cholesky_in_place(&mut h, 3).unwrap();
            linalg::cholesky_solve_in_place(&h, 3, &mut g).unwrap();
            for i in 0..3 {
                w[i] -= g[i];
            }
        }
        for (got, want) in r.x.iter().zip(&w) {
            assert!(
                (got - want).abs() < 1e-8 * want.abs().max(1.0),
                "{:?} vs {w:?}",
                r.x
            );
        }
    }

    #[test]
    fn bounded_problem_through_transforms() {
        // Gamma(shape, rate) MLE with both parameters positive, on y = ln(θ). Closed form check:
        // rate = shape / mean and ln(shape) − ψ(shape) = ln(mean) − mean(ln x).
        let data: Vec<f64> = (1..=50)
            .map(|i| 0.5 + (i as f64 * 0.731).sin().abs() * 3.0)
            .collect();
        let ts = [Transform::positive(), Transform::positive()];
        let nll = |y: &[f64], g: &mut [f64]| -> Result<f64> {
            let mut th = [0.0; 2];
            constrain_vector(&ts, y, &mut th)?;
            let mut f = 0.0;
            g.iter_mut().for_each(|v| *v = 0.0);
            for &x in &data {
                let d = crate::numerics::density::gamma(x, th[0], th[1])?;
                f -= d.value;
                g[0] -= d.d_params[0];
                g[1] -= d.d_params[1];
            }
            chain_gradient(&ts, y, g, false)?;
            Ok(f)
        };
        let r = minimize(nll, &[0.0, 0.0], &tight()).unwrap();
        assert!(r.converged, "{r:?}");
        let (shape, rate) = (r.x[0].exp(), r.x[1].exp());
        let nf = data.len() as f64;
        let mean = data.iter().sum::<f64>() / nf;
        let mean_ln = data.iter().map(|x| x.ln()).sum::<f64>() / nf;
        let lhs = shape.ln() - crate::numerics::special::digamma(shape);
        assert!((lhs - (mean.ln() - mean_ln)).abs() < 1e-9, "{shape}");
        assert!((rate - shape / mean).abs() < 1e-8 * rate);
        // A probability constrained to (0, 1) with optimum at 0.3 and an interval parameter.
        let ts2 = [Transform::unit(), Transform::Interval { lo: 2.0, hi: 5.0 }];
        let f2 = |y: &[f64], g: &mut [f64]| -> Result<f64> {
            let mut th = [0.0; 2];
            constrain_vector(&ts2, y, &mut th)?;
            g[0] = 2.0 * (th[0] - 0.3);
            g[1] = 2.0 * (th[1] - 4.5);
            chain_gradient(&ts2, y, g, false)?;
            Ok((th[0] - 0.3).powi(2) + (th[1] - 4.5).powi(2))
        };
        let r = minimize(f2, &[0.0, 0.0], &tight()).unwrap();
        let mut th = [0.0; 2];
        constrain_vector(&ts2, &r.x, &mut th).unwrap();
        assert!(
            (th[0] - 0.3).abs() < 1e-9 && (th[1] - 4.5).abs() < 1e-9,
            "{th:?}"
        );
    }

    #[test]
    fn non_finite_regions_errors_and_limits() {
        // f = x − ln x is +∞ / NaN for x ≤ 0; the minimiser x = 1 is found by backtracking.
        let f = |x: &[f64], g: &mut [f64]| -> Result<f64> {
            g[0] = 1.0 - 1.0 / x[0];
            Ok(if x[0] > 0.0 {
                x[0] - x[0].ln()
            } else {
                f64::NAN
            })
        };
        let r = minimize(f, &[10.0], &tight()).unwrap();
        assert!(r.converged && (r.x[0] - 1.0).abs() < 1e-9, "{r:?}");
        // Start point not finite, bad params, objective errors propagate.
        assert!(minimize(f, &[-1.0], &tight()).is_err());
        assert!(minimize(f, &[f64::NAN], &tight()).is_err());
        assert!(minimize(f, &[], &tight()).is_err());
        let bad = LbfgsParams {
            memory: 0,
            ..LbfgsParams::default()
        };
        assert!(bad.check().is_err() && minimize(f, &[1.0], &bad).is_err());
        let bad = LbfgsParams {
            c1: 0.95,
            ..LbfgsParams::default()
        };
        assert!(bad.check().is_err());
        let failing =
            |_: &[f64], _: &mut [f64]| -> Result<f64> { Err(Ki3Error::param("theta", "boom")) };
        assert!(matches!(
            minimize(failing, &[1.0], &tight()),
            Err(Ki3Error::InvalidParameter { .. })
        ));
        // Iteration and evaluation caps stop without converging.
        let few = LbfgsParams {
            max_iter: 3,
            ..tight()
        };
        let r = minimize(rosenbrock, &[-1.2, 1.0], &few).unwrap();
        assert_eq!(
            (r.converged, r.reason, r.iterations),
            (false, StopReason::MaxIterations, 3)
        );
        let few = LbfgsParams {
            max_evals: 5,
            ..tight()
        };
        let r = minimize(rosenbrock, &[-1.2, 1.0], &few).unwrap();
        assert_eq!((r.converged, r.reason), (false, StopReason::MaxEvaluations));
        assert!(r.evaluations <= 5);
        // An unbounded-below objective does not loop forever.
        let r = minimize(
            |x: &[f64], g: &mut [f64]| {
                g[0] = -1.0;
                Ok(-x[0])
            },
            &[0.0],
            &LbfgsParams::default(),
        )
        .unwrap();
        assert!(!r.converged);
    }
}
