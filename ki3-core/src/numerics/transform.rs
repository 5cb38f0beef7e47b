//! Bounded-parameter transforms: maps from the whole real line onto a parameter's support, with
//! the log-Jacobian and its derivative.
//!
//! A sampler (NUTS) and the optimiser ([`crate::numerics::optimize`]) work on an unconstrained
//! vector `y ∈ ℝⁿ`; each parameter is `x = g(y)` for one [`Transform`]:
//!
//! | transform            | `x = g(y)`                    | `y = g⁻¹(x)`              | `ln |g′(y)|`                         |
//! |----------------------|-------------------------------|---------------------------|--------------------------------------|
//! | `Identity`           | `y`                           | `x`                       | `0`                                  |
//! | `Lower { lo }`       | `lo + eʸ` (log)               | `ln(x − lo)`              | `y`                                  |
//! | `Upper { hi }`       | `hi − eʸ`                     | `ln(hi − x)`              | `y`                                  |
//! | `Interval { lo, hi }`| `lo + (hi − lo) σ(y)` (logit) | `ln((x − lo)/(hi − x))`   | `ln(hi − lo) + ln σ(y) + ln σ(−y)`    |
//!
//! with `σ(y) = 1/(1 + e⁻ʸ)`; `Lower { lo: 0 }` is the log transform of a positive parameter
//! ([`Transform::positive`]) and `Interval { 0, 1 }` the logit of a probability
//! ([`Transform::unit`]).
//!
//! **Densities.** If `x` has density `p(x)`, then `y` has `ln p(g(y)) + ln |g′(y)|`: add
//! [`Transform::log_jacobian`] to a log-posterior when sampling on `y`.
//! **Gradients** (chain rule): `∂/∂y [ln p(g(y)) + ln|g′(y)|] = p′/p · g′(y) + ∂ ln|g′(y)|/∂y`;
//! [`Transform::eval`] returns `g′(y)` and `∂ ln|g′(y)|/∂y` (`1` for `Lower`/`Upper`,
//! `1 − 2σ(y)` for `Interval`, `0` for `Identity`). For maximum likelihood (no Jacobian) use
//! only `g′(y)`.

use crate::error::{Ki3Error, Result};
use crate::numerics::density::{log1p_exp, sigmoid};

/// A map from `ℝ` onto a parameter's support (see the module docs for the formulas).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Transform {
    /// No constraint: `x = y`.
    Identity,
    /// `x > lo`: `x = lo + eʸ`.
    Lower {
        /// Lower bound (exclusive).
        lo: f64,
    },
    /// `x < hi`: `x = hi − eʸ`.
    Upper {
        /// Upper bound (exclusive).
        hi: f64,
    },
    /// `lo < x < hi`: `x = lo + (hi − lo) σ(y)`.
    Interval {
        /// Lower bound (exclusive).
        lo: f64,
        /// Upper bound (exclusive).
        hi: f64,
    },
}

/// One evaluation of a transform at `y`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransformEval {
    /// The constrained value `x = g(y)`.
    pub x: f64,
    /// `g′(y) = dx/dy` (positive for `Identity`, `Lower`, `Interval`; `Upper` is decreasing and
    /// gives `−eʸ`).
    pub dx_dy: f64,
    /// `ln |g′(y)|`.
    pub log_jacobian: f64,
    /// `d ln |g′(y)| / dy`.
    pub d_log_jacobian: f64,
}

impl Transform {
    /// `x > 0` through `x = eʸ`.
    pub fn positive() -> Self {
        Transform::Lower { lo: 0.0 }
    }

    /// `0 < x < 1` through `x = σ(y)` (the inverse logit).
    pub fn unit() -> Self {
        Transform::Interval { lo: 0.0, hi: 1.0 }
    }

    /// Checks the bounds: finite, and `lo < hi` for an interval.
    pub fn check(&self) -> Result<()> {
        let finite = |name: &str, v: f64| {
            if v.is_finite() {
                Ok(())
            } else {
                Err(Ki3Error::param(name, format!("must be finite, got {v}")))
            }
        };
        match *self {
            Transform::Identity => Ok(()),
            Transform::Lower { lo } => finite("lo", lo),
            Transform::Upper { hi } => finite("hi", hi),
            Transform::Interval { lo, hi } => {
                finite("lo", lo)?;
                finite("hi", hi)?;
                if lo < hi && (hi - lo).is_finite() {
                    Ok(())
                } else {
                    Err(Ki3Error::param(
                        "hi",
                        format!("must exceed lo = {lo} by a finite width, got {hi}"),
                    ))
                }
            }
        }
    }

    /// `x = g(y)` (see the module table). May round onto a bound for `|y|` beyond ~37 (logit)
    /// or ~700 (log); callers needing a strict inequality should bound `y`.
    pub fn constrain(&self, y: f64) -> f64 {
        match *self {
            Transform::Identity => y,
            Transform::Lower { lo } => lo + y.exp(),
            Transform::Upper { hi } => hi - y.exp(),
            Transform::Interval { lo, hi } => {
                // Take the nearer bound as the base so that x keeps its precision near it.
                if y <= 0.0 {
                    lo + (hi - lo) * sigmoid(y)
                } else {
                    hi - (hi - lo) * sigmoid(-y)
                }
            }
        }
    }

    /// `y = g⁻¹(x)`. Errors with [`Ki3Error::InvalidValue`] (`arg = "x"`) when `x` is not
    /// strictly inside the support, and with a parameter error for invalid bounds.
    pub fn unconstrain(&self, x: f64) -> Result<f64> {
        self.check()?;
        let outside = |reason: String| Ki3Error::InvalidValue {
            arg: "x".into(),
            index: 0,
            reason,
        };
        if !x.is_finite() {
            return Err(outside(format!("must be finite, got {x}")));
        }
        match *self {
            Transform::Identity => Ok(x),
            Transform::Lower { lo } if x > lo => Ok((x - lo).ln()),
            Transform::Upper { hi } if x < hi => Ok((hi - x).ln()),
            Transform::Interval { lo, hi } if x > lo && x < hi => Ok((x - lo).ln() - (hi - x).ln()),
            _ => Err(outside(format!("{x} is outside the support of {self:?}"))),
        }
    }

    /// `ln |g′(y)|`, the term added to a log-density on the unconstrained scale.
    pub fn log_jacobian(&self, y: f64) -> f64 {
        match *self {
            Transform::Identity => 0.0,
            Transform::Lower { .. } | Transform::Upper { .. } => y,
            // ln σ(y) + ln σ(−y) = −ln(1 + e⁻ʸ) − ln(1 + eʸ).
            Transform::Interval { lo, hi } => (hi - lo).ln() - log1p_exp(-y) - log1p_exp(y),
        }
    }

    /// `x`, `dx/dy`, `ln |dx/dy|` and its derivative at `y`, in one call.
    pub fn eval(&self, y: f64) -> TransformEval {
        let x = self.constrain(y);
        match *self {
            Transform::Identity => TransformEval {
                x,
                dx_dy: 1.0,
                log_jacobian: 0.0,
                d_log_jacobian: 0.0,
            },
            Transform::Lower { .. } => TransformEval {
                x,
                dx_dy: y.exp(),
                log_jacobian: y,
                d_log_jacobian: 1.0,
            },
            Transform::Upper { .. } => TransformEval {
                x,
                dx_dy: -y.exp(),
                log_jacobian: y,
                d_log_jacobian: 1.0,
            },
            Transform::Interval { lo, hi } => {
                let s = sigmoid(y);
                let sm = sigmoid(-y);
                TransformEval {
                    x,
                    dx_dy: (hi - lo) * s * sm,
                    log_jacobian: self.log_jacobian(y),
                    // d/dy [ln σ(y) + ln σ(−y)] = σ(−y) − σ(y).
                    d_log_jacobian: sm - s,
                }
            }
        }
    }
}

/// Checks every transform and that `transforms`, `y` and `x` have equal lengths.
fn check_vector(transforms: &[Transform], y_len: usize, x_len: usize) -> Result<()> {
    for (i, t) in transforms.iter().enumerate() {
        t.check().map_err(|e| match e {
            Ki3Error::InvalidParameter { name, reason } => {
                Ki3Error::param(format!("transforms[{i}].{name}"), reason)
            }
            other => other,
        })?;
    }
    for (arg, len) in [("y", y_len), ("x", x_len)] {
        if len != transforms.len() {
            return Err(Ki3Error::LengthMismatch {
                arg: arg.into(),
                got: len,
                expected_arg: "transforms".into(),
                expected: transforms.len(),
            });
        }
    }
    Ok(())
}

/// Maps an unconstrained vector `y` to `x` (`xᵢ = gᵢ(yᵢ)`) and returns `Σᵢ ln |gᵢ′(yᵢ)|`.
pub fn constrain_vector(transforms: &[Transform], y: &[f64], x: &mut [f64]) -> Result<f64> {
    check_vector(transforms, y.len(), x.len())?;
    let mut log_jac = 0.0;
    for ((t, &yi), xi) in transforms.iter().zip(y).zip(x.iter_mut()) {
        *xi = t.constrain(yi);
        log_jac += t.log_jacobian(yi);
    }
    Ok(log_jac)
}

/// Maps a constrained vector `x` to `y` (`yᵢ = gᵢ⁻¹(xᵢ)`); errors name the offending index.
pub fn unconstrain_vector(transforms: &[Transform], x: &[f64], y: &mut [f64]) -> Result<()> {
    check_vector(transforms, y.len(), x.len())?;
    for (i, ((t, &xi), yi)) in transforms.iter().zip(x).zip(y.iter_mut()).enumerate() {
        *yi = t.unconstrain(xi).map_err(|e| match e {
            Ki3Error::InvalidValue { arg, reason, .. } => Ki3Error::InvalidValue {
                arg,
                index: i,
                reason,
            },
            other => other,
        })?;
    }
    Ok(())
}

/// Chain rule in place: turns `grad`, holding `∂f/∂xᵢ` at `x = g(y)`, into `∂f/∂yᵢ`
/// (`∂f/∂xᵢ · gᵢ′(yᵢ)`, plus `∂ ln|gᵢ′|/∂yᵢ` when `with_jacobian`, i.e. when `f` is a
/// log-density that must carry the change-of-variables term).
pub fn chain_gradient(
    transforms: &[Transform],
    y: &[f64],
    grad: &mut [f64],
    with_jacobian: bool,
) -> Result<()> {
    check_vector(transforms, y.len(), grad.len())?;
    for ((t, &yi), g) in transforms.iter().zip(y).zip(grad.iter_mut()) {
        let e = t.eval(yi);
        *g *= e.dx_dy;
        if with_jacobian {
            *g += e.d_log_jacobian;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::density;

    fn fd(f: impl Fn(f64) -> f64, v: f64) -> f64 {
        let h = 1e-6 * v.abs().max(1e-2);
        (f(v + h) - f(v - h)) / (2.0 * h)
    }

    fn assert_grad(name: &str, analytic: f64, numeric: f64) {
        assert!(
            (analytic - numeric).abs() <= 1e-6 * numeric.abs().max(1e-2),
            "{name}: analytic {analytic} vs finite difference {numeric}"
        );
    }

    fn all() -> [Transform; 6] {
        [
            Transform::Identity,
            Transform::positive(),
            Transform::Lower { lo: -2.5 },
            Transform::Upper { hi: 3.0 },
            Transform::unit(),
            Transform::Interval { lo: -4.0, hi: 10.0 },
        ]
    }

    #[test]
    fn round_trips_and_support() {
        for t in all() {
            for y in [-30.0, -3.0, -0.2, 0.0, 0.7, 5.0, 30.0] {
                let x = t.constrain(y);
                let back = t.unconstrain(x);
                // Beyond |y| ~ 30 the logit saturates towards a bound; compare where it does not.
                if y.abs() < 20.0 {
                    let back = back.unwrap();
                    assert!(
                        (back - y).abs() <= 1e-9 * y.abs().max(1.0),
                        "{t:?} {y} {back}"
                    );
                }
                match t {
                    Transform::Lower { lo } => assert!(x > lo),
                    Transform::Upper { hi } => assert!(x < hi),
                    Transform::Interval { lo, hi } => assert!(x > lo && x < hi, "{t:?} {x}"),
                    Transform::Identity => assert_eq!(x, y),
                }
            }
        }
        // Closed forms: logit(0.25) = −ln 3, ln(5) for positive.
        let y = Transform::unit().unconstrain(0.25).unwrap();
        assert!((y + 3f64.ln()).abs() < 1e-15);
        assert!((Transform::unit().constrain(-(3f64.ln())) - 0.25).abs() < 1e-16);
        assert_eq!(Transform::positive().unconstrain(5.0).unwrap(), 5f64.ln());
        // Out of support and bad bounds.
        assert!(Transform::positive().unconstrain(0.0).is_err());
        assert!(Transform::Upper { hi: 1.0 }.unconstrain(1.5).is_err());
        assert!(Transform::unit().unconstrain(1.0).is_err());
        assert!(Transform::Interval { lo: 1.0, hi: 1.0 }.check().is_err());
        assert!(Transform::Lower { lo: f64::NAN }.check().is_err());
        assert!(
            Transform::Interval { lo: 0.0, hi: 1.0 }
                .unconstrain(f64::NAN)
                .is_err()
        );
        assert!(
            Transform::Interval {
                lo: -f64::MAX,
                hi: f64::MAX
            }
            .check()
            .is_err()
        );
    }

    #[test]
    fn derivatives_match_finite_differences() {
        for t in all() {
            for y in [-6.0, -1.3, 0.0, 0.4, 2.2, 7.0] {
                let e = t.eval(y);
                assert_eq!(e.x, t.constrain(y));
                assert_grad(&format!("{t:?} dx/dy"), e.dx_dy, fd(|v| t.constrain(v), y));
                let lj = e.dx_dy.abs().ln();
                assert!(
                    (e.log_jacobian - lj).abs() < 1e-12 * lj.abs().max(1.0),
                    "{t:?} {y}"
                );
                assert_grad(
                    &format!("{t:?} dlogJ/dy"),
                    e.d_log_jacobian,
                    fd(|v| t.log_jacobian(v), y),
                );
            }
        }
        // Far out the log-Jacobian of the logit stays finite and accurate (≈ −|y| + ln(hi − lo)).
        let t = Transform::Interval { lo: 0.0, hi: 2.0 };
        assert!((t.log_jacobian(-50.0) - (2f64.ln() - 50.0)).abs() < 1e-12);
        assert!((t.log_jacobian(800.0) - (2f64.ln() - 800.0)).abs() < 1e-12);
    }

    #[test]
    fn transformed_density_integrates_and_chain_rule_holds() {
        // A Gamma(3, 2) prior seen on y = ln x: ∫ p(eʸ) eʸ dy = 1.
        let t = Transform::positive();
        let f =
            |y: f64| density::gamma(t.constrain(y), 3.0, 2.0).unwrap().value + t.log_jacobian(y);
        let n = 20_000;
        let (lo, hi) = (-30.0, 5.0);
        let h = (hi - lo) / n as f64;
        let mut s = f(lo).exp() + f(hi).exp();
        for i in 1..n {
            s += if i % 2 == 1 { 4.0 } else { 2.0 } * f(lo + i as f64 * h).exp();
        }
        let total = s * h / 3.0;
        assert!((total - 1.0).abs() < 1e-9, "{total}");

        // Beta(2.5, 4) on (0, 1) and Normal on (−4, 10), as a vector with the Jacobian.
        let ts = [
            Transform::unit(),
            Transform::Interval { lo: -4.0, hi: 10.0 },
            t,
        ];
        let logp = |y: &[f64]| -> (f64, Vec<f64>) {
            let mut x = [0.0; 3];
            let lj = constrain_vector(&ts, y, &mut x).unwrap();
            let b = density::beta(x[0], 2.5, 4.0).unwrap();
            let n = density::normal(x[1], 1.0, 3.0).unwrap();
            let g = density::gamma(x[2], 3.0, 2.0).unwrap();
            let mut grad = vec![b.d_x, n.d_x, g.d_x];
            chain_gradient(&ts, y, &mut grad, true).unwrap();
            (b.value + n.value + g.value + lj, grad)
        };
        let y0 = [0.3, -0.8, 1.1];
        let (_, grad) = logp(&y0);
        for i in 0..3 {
            let num = fd(
                |v| {
                    let mut y = y0;
                    y[i] = v;
                    logp(&y).0
                },
                y0[i],
            );
            assert_grad(&format!("component {i}"), grad[i], num);
        }
        // unconstrain_vector inverts constrain_vector and names the failing index.
        let mut x = [0.0; 3];
        constrain_vector(&ts, &y0, &mut x).unwrap();
        let mut y = [0.0; 3];
        unconstrain_vector(&ts, &x, &mut y).unwrap();
        for i in 0..3 {
            assert!((y[i] - y0[i]).abs() < 1e-14);
        }
        let err = unconstrain_vector(&ts, &[0.5, 11.0, 1.0], &mut y).unwrap_err();
        assert!(
            matches!(err, Ki3Error::InvalidValue { index: 1, .. }),
            "{err}"
        );
        assert!(constrain_vector(&ts, &y0, &mut [0.0; 2]).is_err());
        let bad = [Transform::Interval { lo: 2.0, hi: 1.0 }];
        let err = constrain_vector(&bad, &[0.0], &mut [0.0]).unwrap_err();
        assert!(
            matches!(err, Ki3Error::InvalidParameter { ref name, .. } if name == "transforms[0].hi"),
            "{err}"
        );
        // Serde form.
        let json = serde_json::to_string(&ts[1]).unwrap();
        assert_eq!(json, r#"{"kind":"interval","lo":-4.0,"hi":10.0}"#);
        let back: Transform = serde_json::from_str(&json).unwrap();
        assert_eq!(back, ts[1]);
    }
}
