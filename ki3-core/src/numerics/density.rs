//! Log-densities and log-mass functions with their gradients, for priors and likelihoods of the
//! Bayesian and maximum-likelihood models (MMM, CLV, uplift), plus numerically stable
//! log-sum-exp helpers.
//!
//! Every function returns the log-density **and** its partial derivatives in one pass, because
//! a gradient-based sampler (NUTS) or optimiser (L-BFGS) needs both. Continuous densities return
//! [`LogDensity`] (`d_x` with respect to the value, `d_params` with respect to each parameter in the
//! order of the arguments); discrete ones return [`LogMass`] (only `d_params`: the value is an
//! integer count).
//!
//! Conventions:
//! - Invalid parameters (non-positive scale, non-finite location, …) are
//!   [`Ki3Error::InvalidParameter`]; a NaN value is [`Ki3Error::NonFinite`] (`arg = "x"`).
//! - A value outside the support (e.g. `x < 0` for a gamma) is not an error: the log-density is
//!   `−∞` and every derivative is `0` (a sampler then rejects the point).
//! - Normalising constants are included, so the densities integrate to one.
//! - Scale parameters are scales (σ, b), gamma uses shape/**rate**, the negative binomial uses
//!   mean/dispersion (Stan's `neg_binomial_2`, below).

use crate::error::{Ki3Error, Result};
use crate::numerics::special::{check_positive, digamma, ln_beta, ln_gamma};

/// `½ ln(2π)`.
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// A log-density and its gradient: `value = ln p(x | θ)`, `d_x = ∂ value / ∂x`,
/// `d_params[i] = ∂ value / ∂θᵢ` in the order the parameters are passed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogDensity<const P: usize> {
    /// `ln p(x | θ)`, `−∞` outside the support.
    pub value: f64,
    /// Derivative with respect to the value `x`.
    pub d_x: f64,
    /// Derivatives with respect to the parameters, in argument order.
    pub d_params: [f64; P],
}

/// A log-probability-mass and its gradient with respect to the parameters (in argument order).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogMass<const P: usize> {
    /// `ln P(Y = y | θ)`, `−∞` outside the support.
    pub value: f64,
    /// Derivatives with respect to the parameters, in argument order.
    pub d_params: [f64; P],
}

impl<const P: usize> LogDensity<P> {
    fn outside() -> Self {
        LogDensity {
            value: f64::NEG_INFINITY,
            d_x: 0.0,
            d_params: [0.0; P],
        }
    }
}

impl<const P: usize> LogMass<P> {
    fn outside() -> Self {
        LogMass {
            value: f64::NEG_INFINITY,
            d_params: [0.0; P],
        }
    }
}

fn check_x(x: f64) -> Result<()> {
    if x.is_nan() {
        Err(Ki3Error::NonFinite {
            arg: "x".into(),
            index: 0,
        })
    } else {
        Ok(())
    }
}

fn check_finite(name: &str, v: f64) -> Result<()> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(Ki3Error::param(name, format!("must be finite, got {v}")))
    }
}

/// Normal(μ, σ): `ln p = −½ ln 2π − ln σ − z²/2`, `z = (x − μ)/σ`.
///
/// Gradient: `∂/∂x = −z/σ`, `∂/∂μ = z/σ`, `∂/∂σ = (z² − 1)/σ`. `d_params = [∂μ, ∂σ]`.
pub fn normal(x: f64, mu: f64, sigma: f64) -> Result<LogDensity<2>> {
    check_x(x)?;
    check_finite("mu", mu)?;
    check_positive("sigma", sigma)?;
    if x.is_infinite() {
        return Ok(LogDensity::outside());
    }
    let z = (x - mu) / sigma;
    Ok(LogDensity {
        value: -LN_SQRT_2PI - sigma.ln() - 0.5 * z * z,
        d_x: -z / sigma,
        d_params: [z / sigma, (z * z - 1.0) / sigma],
    })
}

/// Half-normal(σ) on `x ≥ 0` (the law of `|N(0, σ²)|`):
/// `ln p = ½ ln(2/π) − ln σ − x²/(2σ²)`.
///
/// Gradient: `∂/∂x = −x/σ²`, `∂/∂σ = (x²/σ² − 1)/σ`. `d_params = [∂σ]`.
pub fn half_normal(x: f64, sigma: f64) -> Result<LogDensity<1>> {
    check_x(x)?;
    check_positive("sigma", sigma)?;
    if x < 0.0 || x.is_infinite() {
        return Ok(LogDensity::outside());
    }
    let z = x / sigma;
    Ok(LogDensity {
        value: std::f64::consts::LN_2 - LN_SQRT_2PI - sigma.ln() - 0.5 * z * z,
        d_x: -z / sigma,
        d_params: [(z * z - 1.0) / sigma],
    })
}

/// Gamma(α, β) with shape `α` and **rate** `β` (mean `α/β`) on `x > 0`:
/// `ln p = α ln β − ln Γ(α) + (α − 1) ln x − β x`.
///
/// Gradient: `∂/∂x = (α − 1)/x − β`, `∂/∂α = ln β − ψ(α) + ln x`, `∂/∂β = α/β − x`
/// (`ψ` = [`digamma`]). `d_params = [∂α, ∂β]`. The support is open: `x ≤ 0` gives `−∞`.
pub fn gamma(x: f64, shape: f64, rate: f64) -> Result<LogDensity<2>> {
    check_x(x)?;
    check_positive("shape", shape)?;
    check_positive("rate", rate)?;
    if x <= 0.0 || x.is_infinite() {
        return Ok(LogDensity::outside());
    }
    let ln_x = x.ln();
    let ln_rate = rate.ln();
    Ok(LogDensity {
        value: shape * ln_rate - ln_gamma(shape) + (shape - 1.0) * ln_x - rate * x,
        d_x: (shape - 1.0) / x - rate,
        d_params: [ln_rate - digamma(shape) + ln_x, shape / rate - x],
    })
}

/// Beta(a, b) on `0 < x < 1`: `ln p = (a − 1) ln x + (b − 1) ln(1 − x) − ln B(a, b)`.
///
/// Gradient: `∂/∂x = (a − 1)/x − (b − 1)/(1 − x)`, `∂/∂a = ln x − ψ(a) + ψ(a + b)`,
/// `∂/∂b = ln(1 − x) − ψ(b) + ψ(a + b)`. `d_params = [∂a, ∂b]`. The support is open.
pub fn beta(x: f64, a: f64, b: f64) -> Result<LogDensity<2>> {
    check_x(x)?;
    check_positive("a", a)?;
    check_positive("b", b)?;
    if x <= 0.0 || x >= 1.0 {
        return Ok(LogDensity::outside());
    }
    let ln_x = x.ln();
    let ln_1mx = (-x).ln_1p();
    let psi_ab = digamma(a + b);
    Ok(LogDensity {
        value: (a - 1.0) * ln_x + (b - 1.0) * ln_1mx - ln_beta(a, b),
        d_x: (a - 1.0) / x - (b - 1.0) / (1.0 - x),
        d_params: [ln_x - digamma(a) + psi_ab, ln_1mx - digamma(b) + psi_ab],
    })
}

/// Laplace(μ, b) (double exponential): `ln p = −ln(2b) − |x − μ|/b`.
///
/// Gradient: `∂/∂x = −sign(x − μ)/b`, `∂/∂μ = sign(x − μ)/b`, `∂/∂b = (|x − μ|/b − 1)/b`,
/// with `sign(0) = 0` (the density has a kink at `x = μ`; 0 is the mid subgradient).
/// `d_params = [∂μ, ∂b]`.
pub fn laplace(x: f64, mu: f64, b: f64) -> Result<LogDensity<2>> {
    check_x(x)?;
    check_finite("mu", mu)?;
    check_positive("b", b)?;
    if x.is_infinite() {
        return Ok(LogDensity::outside());
    }
    let d = x - mu;
    let s = if d > 0.0 {
        1.0
    } else if d < 0.0 {
        -1.0
    } else {
        0.0
    };
    let a = d.abs() / b;
    Ok(LogDensity {
        value: -std::f64::consts::LN_2 - b.ln() - a,
        d_x: -s / b,
        d_params: [s / b, (a - 1.0) / b],
    })
}

/// Student-t with `ν` degrees of freedom, location `μ`, scale `σ`; `z = (x − μ)/σ`:
/// `ln p = ln Γ((ν+1)/2) − ln Γ(ν/2) − ½ ln(νπ) − ln σ − (ν+1)/2 · ln(1 + z²/ν)`, evaluated as
/// `−ln B(ν/2, ½) − ½ ln ν − ln σ − (ν+1)/2 · ln(1 + z²/ν)` (no cancellation at large `ν`).
///
/// Gradient: `∂/∂x = −(ν + 1) z / (σ (ν + z²))`, `∂/∂μ = −∂/∂x`,
/// `∂/∂σ = ((ν + 1) z² / (ν + z²) − 1)/σ`,
/// `∂/∂ν = ½ [ψ((ν+1)/2) − ψ(ν/2) − 1/ν − ln(1 + z²/ν) + (ν + 1) z² / (ν (ν + z²))]`.
/// `d_params = [∂ν, ∂μ, ∂σ]`.
pub fn student_t(x: f64, nu: f64, mu: f64, sigma: f64) -> Result<LogDensity<3>> {
    check_x(x)?;
    check_positive("nu", nu)?;
    check_finite("mu", mu)?;
    check_positive("sigma", sigma)?;
    if x.is_infinite() {
        return Ok(LogDensity::outside());
    }
    let z = (x - mu) / sigma;
    let z2 = z * z;
    let log_term = (z2 / nu).ln_1p();
    let half_np1 = 0.5 * (nu + 1.0);
    // ln Γ((ν+1)/2) − ln Γ(ν/2) − ½ ln(νπ) = −ln B(ν/2, ½) − ½ ln ν, which keeps its
    // precision for large ν (the two ln Γ would cancel).
    let value = -ln_beta(0.5 * nu, 0.5) - 0.5 * nu.ln() - sigma.ln() - half_np1 * log_term;
    let w = (nu + 1.0) / (nu + z2);
    let d_x = -w * z / sigma;
    let d_nu = 0.5 * (digamma(half_np1) - digamma(0.5 * nu) - 1.0 / nu - log_term + w * z2 / nu);
    Ok(LogDensity {
        value,
        d_x,
        d_params: [d_nu, -d_x, (w * z2 - 1.0) / sigma],
    })
}

/// Negative binomial in the mean/dispersion parametrisation (NB2, Stan's `neg_binomial_2`):
/// mean `μ > 0`, dispersion (size) `φ > 0`, variance `μ + μ²/φ`; as `φ → ∞` it tends to
/// Poisson(μ). In the `(r, p)` form of scipy's `nbinom(n, p)`: `r = φ`, `p = φ/(μ + φ)`.
///
/// `ln P(y) = ln Γ(y + φ) − ln Γ(φ) − ln y! + φ ln(φ/(μ + φ)) + y ln(μ/(μ + φ))`, computed as
/// `−ln(y + φ) − ln B(φ, y + 1) − φ ln(1 + μ/φ) − y ln(1 + φ/μ)` to avoid cancellation.
///
/// Gradient: `∂/∂μ = y/μ − (y + φ)/(μ + φ)`,
/// `∂/∂φ = ψ(y + φ) − ψ(φ) + ln(φ/(μ + φ)) + 1 − (y + φ)/(μ + φ)`. `d_params = [∂μ, ∂φ]`.
pub fn neg_binomial(y: u64, mu: f64, phi: f64) -> Result<LogMass<2>> {
    check_positive("mu", mu)?;
    check_positive("phi", phi)?;
    let yf = y as f64;
    let ln_p = -(mu / phi).ln_1p(); // ln(φ/(μ+φ))
    let y_term = if y == 0 { 0.0 } else { yf * (phi / mu).ln_1p() };
    let value = -(yf + phi).ln() - ln_beta(phi, yf + 1.0) + phi * ln_p - y_term;
    let ratio = (yf + phi) / (mu + phi);
    let d_phi = if y == 0 {
        ln_p + 1.0 - ratio
    } else {
        digamma(yf + phi) - digamma(phi) + ln_p + 1.0 - ratio
    };
    Ok(LogMass {
        value,
        d_params: [yf / mu - ratio, d_phi],
    })
}

/// Beta-binomial(n, α, β): `k` successes in `n` trials with success probability drawn from
/// Beta(α, β) (the BG/BB model's purchase count):
/// `ln P(k) = ln C(n, k) + ln B(k + α, n − k + β) − ln B(α, β)`, with
/// `ln C(n, k) = −ln(n + 1) − ln B(n − k + 1, k + 1)`.
///
/// Gradient: `∂/∂α = ψ(k + α) − ψ(n + α + β) − ψ(α) + ψ(α + β)`,
/// `∂/∂β = ψ(n − k + β) − ψ(n + α + β) − ψ(β) + ψ(α + β)`. `d_params = [∂α, ∂β]`.
/// `k > n` is outside the support.
pub fn beta_binomial(k: u64, n: u64, alpha: f64, beta: f64) -> Result<LogMass<2>> {
    check_positive("alpha", alpha)?;
    check_positive("beta", beta)?;
    if k > n {
        return Ok(LogMass::outside());
    }
    let (kf, nf) = (k as f64, n as f64);
    let ln_choose = -(nf + 1.0).ln() - ln_beta(nf - kf + 1.0, kf + 1.0);
    let value = ln_choose + ln_beta(kf + alpha, nf - kf + beta) - ln_beta(alpha, beta);
    let psi_nab = digamma(nf + alpha + beta);
    let psi_ab = digamma(alpha + beta);
    Ok(LogMass {
        value,
        d_params: [
            digamma(kf + alpha) - psi_nab - digamma(alpha) + psi_ab,
            digamma(nf - kf + beta) - psi_nab - digamma(beta) + psi_ab,
        ],
    })
}

/// `ln(1 + eˣ)` (softplus) without overflow or loss of precision (Mächler 2012, "Accurately
/// computing log(1 − exp(−|a|))"): `eˣ` for `x ≤ −37`, `ln1p(eˣ)` for `x ≤ 18`,
/// `x + e⁻ˣ` for `x ≤ 33.3`, `x` above. Its derivative is the logistic [`sigmoid`].
pub fn log1p_exp(x: f64) -> f64 {
    if x <= -37.0 {
        x.exp()
    } else if x <= 18.0 {
        x.exp().ln_1p()
    } else if x <= 33.3 {
        x + (-x).exp()
    } else {
        x
    }
}

/// `ln(1 − eˣ)` for `x < 0` (NaN for `x > 0`, `−∞` at `0`), by Mächler's (2012) rule:
/// `ln(−expm1(x))` for `x > −ln 2`, `ln1p(−eˣ)` otherwise.
pub fn log1m_exp(x: f64) -> f64 {
    if x > 0.0 || x.is_nan() {
        f64::NAN
    } else if x > -std::f64::consts::LN_2 {
        (-x.exp_m1()).ln()
    } else {
        (-x.exp()).ln_1p()
    }
}

/// The logistic function `σ(x) = 1 / (1 + e⁻ˣ)`, evaluated without overflow on both sides.
pub fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// `ln(eᵃ + eᵇ) = max(a, b) + ln1p(e^{−|a − b|})`. `−∞` is the identity; NaN propagates.
pub fn log_add_exp(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        return f64::NAN;
    }
    let (hi, lo) = if a >= b { (a, b) } else { (b, a) };
    if hi.is_infinite() {
        return hi;
    }
    hi + (lo - hi).exp().ln_1p()
}

/// `ln Σᵢ exp(xᵢ)` by shifting with the maximum: `m + ln Σ exp(xᵢ − m)`. Empty input gives
/// `−∞`; any NaN gives NaN; `+∞` gives `+∞`.
pub fn log_sum_exp(xs: &[f64]) -> f64 {
    let mut m = f64::NEG_INFINITY;
    for &v in xs {
        if v.is_nan() {
            return f64::NAN;
        }
        m = m.max(v);
    }
    if m.is_infinite() {
        return m;
    }
    let s: f64 = xs.iter().map(|&v| (v - m).exp()).sum();
    m + s.ln()
}

/// [`log_sum_exp`] and its gradient, the softmax `∂/∂xᵢ = exp(xᵢ − lse)`, written to `grad`.
///
/// Errors when `grad` and `xs` differ in length, when `xs` is empty or holds NaN / `+∞`, or when
/// every entry is `−∞` (the gradient is then undefined).
pub fn log_sum_exp_grad(xs: &[f64], grad: &mut [f64]) -> Result<f64> {
    if grad.len() != xs.len() {
        return Err(Ki3Error::LengthMismatch {
            arg: "grad".into(),
            got: grad.len(),
            expected_arg: "xs".into(),
            expected: xs.len(),
        });
    }
    if xs.is_empty() {
        return Err(Ki3Error::Empty { arg: "xs".into() });
    }
    if let Some(i) = xs.iter().position(|v| v.is_nan() || *v == f64::INFINITY) {
        return Err(Ki3Error::NonFinite {
            arg: "xs".into(),
            index: i,
        });
    }
    let lse = log_sum_exp(xs);
    if lse == f64::NEG_INFINITY {
        return Err(Ki3Error::param("xs", "every entry is -inf"));
    }
    for (g, &v) in grad.iter_mut().zip(xs) {
        *g = (v - lse).exp();
    }
    Ok(lse)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1e-300)
    }

    /// Central difference of `f` at `v` with a relative step.
    fn fd(mut f: impl FnMut(f64) -> f64, v: f64) -> f64 {
        let h = 1e-6 * v.abs().max(1e-2);
        (f(v + h) - f(v - h)) / (2.0 * h)
    }

    /// Analytic vs numerical derivative: relative 1e-6, or absolute 1e-8 near zero.
    fn assert_grad(name: &str, analytic: f64, numeric: f64) {
        assert!(
            (analytic - numeric).abs() <= 1e-6 * numeric.abs().max(1e-2),
            "{name}: analytic {analytic} vs finite difference {numeric}"
        );
    }

    /// ∫ f over [lo, hi] by composite Simpson with `n` (even) intervals.
    fn simpson(f: impl Fn(f64) -> f64, lo: f64, hi: f64, n: usize) -> f64 {
        let h = (hi - lo) / n as f64;
        let mut s = f(lo) + f(hi);
        for i in 1..n {
            let w = if i % 2 == 1 { 4.0 } else { 2.0 };
            s += w * f(lo + i as f64 * h);
        }
        s * h / 3.0
    }

    #[test]
    fn known_values_match_scipy() {
        // References: scipy.stats 1.16 (`norm.logpdf(1.3, loc=-0.4, scale=2.1)`,
        // `halfnorm.logpdf(0.7, scale=1.8)`, `gamma.logpdf(2.4, a=3.5, scale=1/1.7)`,
        // `beta.logpdf(0.3, 2.5, 4.0)`, `laplace.logpdf(-1.2, loc=0.5, scale=0.8)`,
        // `t.logpdf(2.2, df=4.5, loc=0.3, scale=1.4)`,
        // `nbinom.logpmf(y, 1.7, 1.7/(1.7+3.2))` for y = 5, 0,
        // `betabinom.logpmf(k, 12, 1.3, 2.9)` for k = 4, 12).
        let cases = [
            (
                normal(1.3, -0.4, 2.1).unwrap().value,
                -1.988_540_277_027_020_6,
            ),
            (
                half_normal(0.7, 1.8).unwrap().value,
                -0.889_195_301_497_463_7,
            ),
            (
                gamma(2.4, 3.5, 1.7).unwrap().value,
                -1.235_102_880_244_728_1,
            ),
            (beta(0.3, 2.5, 4.0).unwrap().value, 0.710_135_681_851_065_6),
            (
                laplace(-1.2, 0.5, 0.8).unwrap().value,
                -2.595_003_629_245_735_7,
            ),
            (
                student_t(2.2, 4.5, 0.3, 1.4).unwrap().value,
                -2.254_033_273_547_289_4,
            ),
            (
                neg_binomial(5, 3.2, 1.7).unwrap().value,
                -2.597_304_013_949_894,
            ),
            (
                neg_binomial(0, 3.2, 1.7).unwrap().value,
                -1.799_631_821_892_498_3,
            ),
            (
                beta_binomial(4, 12, 1.3, 2.9).unwrap().value,
                -2.180_989_087_402_867,
            ),
            (
                beta_binomial(12, 12, 1.3, 2.9).unwrap().value,
                -5.543_445_300_678_741,
            ),
        ];
        for (i, (got, want)) in cases.into_iter().enumerate() {
            assert!(close(got, want, 1e-13), "case {i}: {got} vs {want}");
        }
    }

    #[test]
    fn continuous_gradients_match_finite_differences() {
        for &(x, mu, s) in &[(1.3, -0.4, 2.1), (-3.0, 0.2, 0.5), (0.0, 0.0, 1.0)] {
            let g = normal(x, mu, s).unwrap();
            assert_grad(
                "normal x",
                g.d_x,
                fd(|v| normal(v, mu, s).unwrap().value, x),
            );
            assert_grad(
                "normal mu",
                g.d_params[0],
                fd(|v| normal(x, v, s).unwrap().value, mu),
            );
            assert_grad(
                "normal sigma",
                g.d_params[1],
                fd(|v| normal(x, mu, v).unwrap().value, s),
            );
        }
        for &(x, s) in &[(0.7, 1.8), (3.0, 0.4)] {
            let g = half_normal(x, s).unwrap();
            assert_grad("hn x", g.d_x, fd(|v| half_normal(v, s).unwrap().value, x));
            assert_grad(
                "hn sigma",
                g.d_params[0],
                fd(|v| half_normal(x, v).unwrap().value, s),
            );
        }
        for &(x, a, b) in &[(2.4, 3.5, 1.7), (0.05, 0.6, 10.0), (40.0, 25.0, 0.5)] {
            let g = gamma(x, a, b).unwrap();
            assert_grad("gamma x", g.d_x, fd(|v| gamma(v, a, b).unwrap().value, x));
            assert_grad(
                "gamma a",
                g.d_params[0],
                fd(|v| gamma(x, v, b).unwrap().value, a),
            );
            assert_grad(
                "gamma b",
                g.d_params[1],
                fd(|v| gamma(x, a, v).unwrap().value, b),
            );
        }
        for &(x, a, b) in &[(0.3, 2.5, 4.0), (0.97, 0.5, 0.7), (0.01, 30.0, 2.0)] {
            let g = beta(x, a, b).unwrap();
            assert_grad("beta x", g.d_x, fd(|v| beta(v, a, b).unwrap().value, x));
            assert_grad(
                "beta a",
                g.d_params[0],
                fd(|v| beta(x, v, b).unwrap().value, a),
            );
            assert_grad(
                "beta b",
                g.d_params[1],
                fd(|v| beta(x, a, v).unwrap().value, b),
            );
        }
        for &(x, mu, b) in &[(-1.2, 0.5, 0.8), (4.0, 1.0, 2.5)] {
            let g = laplace(x, mu, b).unwrap();
            assert_grad(
                "laplace x",
                g.d_x,
                fd(|v| laplace(v, mu, b).unwrap().value, x),
            );
            assert_grad(
                "laplace mu",
                g.d_params[0],
                fd(|v| laplace(x, v, b).unwrap().value, mu),
            );
            assert_grad(
                "laplace b",
                g.d_params[1],
                fd(|v| laplace(x, mu, v).unwrap().value, b),
            );
        }
        for &(x, nu, mu, s) in &[
            (2.2, 4.5, 0.3, 1.4),
            (-10.0, 0.8, 1.0, 0.3),
            (0.1, 60.0, 0.0, 1.0),
        ] {
            let g = student_t(x, nu, mu, s).unwrap();
            assert_grad(
                "t x",
                g.d_x,
                fd(|v| student_t(v, nu, mu, s).unwrap().value, x),
            );
            assert_grad(
                "t nu",
                g.d_params[0],
                fd(|v| student_t(x, v, mu, s).unwrap().value, nu),
            );
            assert_grad(
                "t mu",
                g.d_params[1],
                fd(|v| student_t(x, nu, v, s).unwrap().value, mu),
            );
            assert_grad(
                "t sigma",
                g.d_params[2],
                fd(|v| student_t(x, nu, mu, v).unwrap().value, s),
            );
        }
    }

    #[test]
    fn discrete_gradients_match_finite_differences() {
        for &(y, mu, phi) in &[
            (5, 3.2, 1.7),
            (0, 3.2, 1.7),
            (40, 2.0, 0.3),
            (3, 0.5, 200.0),
        ] {
            let g = neg_binomial(y, mu, phi).unwrap();
            assert_grad(
                "nb mu",
                g.d_params[0],
                fd(|v| neg_binomial(y, v, phi).unwrap().value, mu),
            );
            assert_grad(
                "nb phi",
                g.d_params[1],
                fd(|v| neg_binomial(y, mu, v).unwrap().value, phi),
            );
        }
        for &(k, n, a, b) in &[(4, 12, 1.3, 2.9), (0, 5, 0.4, 0.9), (30, 30, 7.0, 0.2)] {
            let g = beta_binomial(k, n, a, b).unwrap();
            assert_grad(
                "bb a",
                g.d_params[0],
                fd(|v| beta_binomial(k, n, v, b).unwrap().value, a),
            );
            assert_grad(
                "bb b",
                g.d_params[1],
                fd(|v| beta_binomial(k, n, a, v).unwrap().value, b),
            );
        }
    }

    #[test]
    fn densities_integrate_to_one() {
        let checks: [(&str, f64); 8] = [
            (
                "normal",
                simpson(
                    |x| normal(x, 0.7, 1.3).unwrap().value.exp(),
                    -15.0,
                    16.0,
                    4000,
                ),
            ),
            (
                "half-normal",
                simpson(
                    |x| half_normal(x, 0.8).unwrap().value.exp(),
                    0.0,
                    12.0,
                    4000,
                ),
            ),
            // Integer shape 3 keeps the integrand smooth at 0 (x² e^{−βx}).
            (
                "gamma",
                simpson(
                    |x| gamma(x, 3.0, 1.5).unwrap().value.exp(),
                    1e-12,
                    60.0,
                    20000,
                ),
            ),
            (
                "beta",
                simpson(
                    |x| beta(x, 2.5, 4.0).unwrap().value.exp(),
                    1e-12,
                    1.0 - 1e-12,
                    20000,
                ),
            ),
            // The Laplace kink at μ = 0.5 falls on a grid point (an even split of [−39.5, 40.5]).
            (
                "laplace",
                simpson(
                    |x| laplace(x, 0.5, 1.2).unwrap().value.exp(),
                    -39.5,
                    40.5,
                    8000,
                ),
            ),
            // ν = 5: tails beyond ±2000 hold ~1e-15 of the mass.
            ("student-t", {
                let f = |u: f64| {
                    // x = tan(u) maps (−π/2, π/2) onto the line; dx = sec² u du.
                    let x = u.tan();
                    student_t(x, 5.0, 0.0, 1.0).unwrap().value.exp() * (1.0 + x * x)
                };
                let h = std::f64::consts::FRAC_PI_2 - 1e-9;
                simpson(f, -h, h, 20000)
            }),
            (
                "neg-binomial",
                (0..2000)
                    .map(|y| neg_binomial(y, 6.5, 1.3).unwrap().value.exp())
                    .sum(),
            ),
            (
                "beta-binomial",
                (0..=25)
                    .map(|k| beta_binomial(k, 25, 0.7, 2.2).unwrap().value.exp())
                    .sum(),
            ),
        ];
        for (name, total) in checks {
            assert!((total - 1.0).abs() < 1e-8, "{name}: integrates to {total}");
        }
        // Second parameter sets.
        let t = simpson(
            |x| gamma(x, 7.0, 0.4).unwrap().value.exp(),
            1e-12,
            200.0,
            20000,
        );
        assert!((t - 1.0).abs() < 1e-8, "gamma(7, 0.4): {t}");
        let t: f64 = (0..400)
            .map(|y| neg_binomial(y, 3.0, 50.0).unwrap().value.exp())
            .sum();
        assert!((t - 1.0).abs() < 1e-12, "nb(3, 50): {t}");
        let t: f64 = (0..=3)
            .map(|k| beta_binomial(k, 3, 1.0, 1.0).unwrap().value.exp())
            .sum();
        assert!((t - 1.0).abs() < 1e-14, "bb(3, 1, 1): {t}");
        // Beta-binomial(n, 1, 1) is uniform on 0..=n.
        assert!(close(
            beta_binomial(2, 3, 1.0, 1.0).unwrap().value.exp(),
            0.25,
            1e-14
        ));
    }

    #[test]
    fn limits_and_support() {
        // NB with huge dispersion is Poisson(μ): ln P(y) = y ln μ − μ − ln y!.
        let (y, mu) = (4u64, 2.5f64);
        let poisson = 4.0 * mu.ln() - mu - ln_gamma(5.0);
        let nb = neg_binomial(y, mu, 1e12).unwrap().value;
        assert!((nb - poisson).abs() < 1e-10, "{nb} vs {poisson}");
        // Student-t with ν → ∞ is normal.
        let t = student_t(0.8, 1e12, 0.1, 1.5).unwrap().value;
        let n = normal(0.8, 0.1, 1.5).unwrap().value;
        assert!((t - n).abs() < 1e-9, "{t} vs {n}");
        // Outside the support: −∞ and a zero gradient.
        let hn = half_normal(-0.1, 1.0).unwrap();
        assert_eq!(
            (hn.value, hn.d_x, hn.d_params),
            (f64::NEG_INFINITY, 0.0, [0.0])
        );
        let ga = gamma(0.0, 2.0, 1.0).unwrap();
        assert_eq!(
            (ga.value, ga.d_x, ga.d_params),
            (f64::NEG_INFINITY, 0.0, [0.0; 2])
        );
        assert_eq!(beta(1.0, 2.0, 2.0).unwrap().value, f64::NEG_INFINITY);
        assert_eq!(
            beta_binomial(6, 5, 1.0, 1.0).unwrap().value,
            f64::NEG_INFINITY
        );
        // Errors name the argument.
        assert!(matches!(
            normal(0.0, 0.0, 0.0),
            Err(Ki3Error::InvalidParameter { ref name, .. }) if name == "sigma"
        ));
        assert!(matches!(
            gamma(f64::NAN, 1.0, 1.0),
            Err(Ki3Error::NonFinite { .. })
        ));
        assert!(student_t(0.0, -1.0, 0.0, 1.0).is_err());
        assert!(neg_binomial(1, 0.0, 1.0).is_err());
        assert!(beta_binomial(1, 2, 1.0, f64::INFINITY).is_err());
        assert!(laplace(0.0, f64::NAN, 1.0).is_err());
    }

    #[test]
    fn log_sum_exp_helpers() {
        // Against direct evaluation where it does not overflow.
        let xs = [0.3, -1.2, 2.5, 0.0];
        let direct = xs.iter().map(|v: &f64| v.exp()).sum::<f64>().ln();
        assert!(close(log_sum_exp(&xs), direct, 1e-15));
        // Shifted by 1000 (direct evaluation would overflow).
        let big: Vec<f64> = xs.iter().map(|v| v + 1000.0).collect();
        assert!(close(log_sum_exp(&big), direct + 1000.0, 1e-15));
        assert_eq!(log_sum_exp(&[]), f64::NEG_INFINITY);
        assert_eq!(log_sum_exp(&[f64::NEG_INFINITY, 2.0]), 2.0);
        assert!(log_sum_exp(&[1.0, f64::NAN]).is_nan());
        assert!(close(
            log_add_exp(0.3, -1.2),
            (0.3f64.exp() + (-1.2f64).exp()).ln(),
            1e-15
        ));
        assert_eq!(log_add_exp(f64::NEG_INFINITY, -3.0), -3.0);
        // Gradient = softmax, sums to one, matches finite differences.
        let mut g = [0.0; 4];
        let l = log_sum_exp_grad(&xs, &mut g).unwrap();
        assert!(close(l, direct, 1e-15));
        assert!((g.iter().sum::<f64>() - 1.0).abs() < 1e-15);
        for i in 0..4 {
            let num = fd(
                |v| {
                    let mut ys = xs;
                    ys[i] = v;
                    log_sum_exp(&ys)
                },
                xs[i],
            );
            assert_grad("lse", g[i], num);
        }
        assert!(log_sum_exp_grad(&xs, &mut [0.0; 3]).is_err());
        assert!(log_sum_exp_grad(&[], &mut []).is_err());
        assert!(log_sum_exp_grad(&[f64::NEG_INFINITY], &mut [0.0]).is_err());
        // log1p_exp: exact branches against a direct formula in its safe range, and limits.
        for x in [-50.0_f64, -36.0, -5.0, 0.0, 3.0, 17.9, 18.1, 30.0] {
            let direct = x.exp().ln_1p();
            assert!(close(log1p_exp(x), direct, 1e-15), "{x}");
        }
        assert_eq!(log1p_exp(800.0), 800.0);
        assert_eq!(log1p_exp(-800.0), 0.0);
        // Its derivative is the sigmoid.
        for x in [-20.0, -1.0, 0.5, 25.0] {
            assert_grad("softplus", sigmoid(x), fd(log1p_exp, x));
        }
        assert_eq!(sigmoid(-1000.0), 0.0);
        assert_eq!(sigmoid(1000.0), 1.0);
        assert_eq!(sigmoid(0.0), 0.5);
        // log1m_exp on both branches.
        for x in [-1e-10_f64, -0.1, -0.69, -0.7, -3.0, -40.0] {
            // Below −36, −expm1(x) rounds to 1: the reference is then ln(1 − eˣ) ≈ −eˣ.
            let want = if x < -36.0 {
                -x.exp()
            } else {
                (-x.exp_m1()).ln()
            };
            assert!(close(log1m_exp(x), want, 1e-14), "{x}");
        }
        assert_eq!(log1m_exp(0.0), f64::NEG_INFINITY);
        assert!(log1m_exp(0.1).is_nan());
    }
}
