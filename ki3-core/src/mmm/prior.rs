//! Prior distributions of the MMM's parameters: a family and its parameters, evaluated through
//! [`crate::numerics::density`] (log-density and its derivative with respect to the value).
//!
//! Serialised as `{"dist": "Normal", "mu": 0, "sigma": 2}` (the family names and parameter names
//! of PyMC / `pymc_extras.prior.Prior`).

use serde::{Deserialize, Serialize};

use super::transforms::Domain;
use crate::error::{Ki3Error, Result};
use crate::numerics::density;
use crate::numerics::transform::Transform;

/// A prior distribution.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "dist", deny_unknown_fields)]
pub enum Prior {
    /// Normal(μ, σ).
    Normal {
        /// Mean.
        mu: f64,
        /// Standard deviation.
        sigma: f64,
    },
    /// Half-normal(σ) on `x > 0`.
    HalfNormal {
        /// Scale.
        sigma: f64,
    },
    /// Gamma with shape `alpha` and rate `beta` (mean α/β), PyMC's parametrisation.
    Gamma {
        /// Shape.
        alpha: f64,
        /// Rate.
        beta: f64,
    },
    /// Beta(α, β) on `0 < x < 1`.
    Beta {
        /// First shape.
        alpha: f64,
        /// Second shape.
        beta: f64,
    },
    /// Laplace(μ, b).
    Laplace {
        /// Location.
        mu: f64,
        /// Scale.
        b: f64,
    },
    /// Student-t(ν, μ, σ).
    StudentT {
        /// Degrees of freedom.
        nu: f64,
        /// Location.
        mu: f64,
        /// Scale.
        sigma: f64,
    },
    /// Log-normal: `ln x ~ Normal(μ, σ)`.
    LogNormal {
        /// Mean of `ln x`.
        mu: f64,
        /// Standard deviation of `ln x`.
        sigma: f64,
    },
}

impl Prior {
    /// Gamma from its mean and standard deviation (PyMC's `Gamma(mu=, sigma=)`):
    /// shape `μ²/σ²`, rate `μ/σ²`.
    pub fn gamma_mu_sigma(mu: f64, sigma: f64) -> Prior {
        Prior::Gamma {
            alpha: mu * mu / (sigma * sigma),
            beta: mu / (sigma * sigma),
        }
    }

    /// The support of the distribution.
    pub fn support(&self) -> Domain {
        match self {
            Prior::Normal { .. } | Prior::Laplace { .. } | Prior::StudentT { .. } => Domain::Real,
            Prior::HalfNormal { .. } | Prior::Gamma { .. } | Prior::LogNormal { .. } => {
                Domain::Positive
            }
            Prior::Beta { .. } => Domain::Unit,
        }
    }

    /// The unconstraining transform of a parameter with this prior.
    pub fn transform(&self) -> Transform {
        match self.support() {
            Domain::Real => Transform::Identity,
            Domain::Positive => Transform::positive(),
            Domain::Unit => Transform::unit(),
        }
    }

    /// Checks the distribution's parameters (finite; scales and shapes > 0) and that its support
    /// lies inside `domain` (the parameter's natural support); errors name `name`.
    pub fn check(&self, name: &str, domain: Domain) -> Result<()> {
        let positive: [(&str, f64); 2] = match *self {
            Prior::Normal { sigma, .. } | Prior::LogNormal { sigma, .. } => {
                [("sigma", sigma), ("sigma", sigma)]
            }
            Prior::HalfNormal { sigma } => [("sigma", sigma), ("sigma", sigma)],
            Prior::Gamma { alpha, beta } | Prior::Beta { alpha, beta } => {
                [("alpha", alpha), ("beta", beta)]
            }
            Prior::Laplace { b, .. } => [("b", b), ("b", b)],
            Prior::StudentT { nu, sigma, .. } => [("nu", nu), ("sigma", sigma)],
        };
        for (p, v) in positive {
            if !(v.is_finite() && v > 0.0) {
                return Err(Ki3Error::param(
                    name,
                    format!("prior {self:?}: {p} must be finite and > 0, got {v}"),
                ));
            }
        }
        let loc = match *self {
            Prior::Normal { mu, .. }
            | Prior::Laplace { mu, .. }
            | Prior::StudentT { mu, .. }
            | Prior::LogNormal { mu, .. } => mu,
            _ => 0.0,
        };
        if !loc.is_finite() {
            return Err(Ki3Error::param(
                name,
                format!("prior {self:?}: mu must be finite"),
            ));
        }
        let ok = match domain {
            Domain::Real => true,
            Domain::Positive => self.support() == Domain::Positive,
            Domain::Unit => self.support() == Domain::Unit,
        };
        if !ok {
            return Err(Ki3Error::param(
                name,
                format!(
                    "prior {self:?} has support {:?} but the parameter lives on {domain:?}",
                    self.support()
                ),
            ));
        }
        Ok(())
    }

    /// `ln p(x)` and `d ln p/dx` (parameters were checked by [`Prior::check`]).
    #[inline]
    pub fn log_density(&self, x: f64) -> Result<(f64, f64)> {
        let d = match *self {
            Prior::Normal { mu, sigma } => {
                let d = density::normal(x, mu, sigma)?;
                (d.value, d.d_x)
            }
            Prior::HalfNormal { sigma } => {
                let d = density::half_normal(x, sigma)?;
                (d.value, d.d_x)
            }
            Prior::Gamma { alpha, beta } => {
                let d = density::gamma(x, alpha, beta)?;
                (d.value, d.d_x)
            }
            Prior::Beta { alpha, beta } => {
                let d = density::beta(x, alpha, beta)?;
                (d.value, d.d_x)
            }
            Prior::Laplace { mu, b } => {
                let d = density::laplace(x, mu, b)?;
                (d.value, d.d_x)
            }
            Prior::StudentT { nu, mu, sigma } => {
                let d = density::student_t(x, nu, mu, sigma)?;
                (d.value, d.d_x)
            }
            Prior::LogNormal { mu, sigma } => {
                if x <= 0.0 {
                    return Ok((f64::NEG_INFINITY, 0.0));
                }
                // p(x) = N(ln x; μ, σ) / x.
                let lx = x.ln();
                let d = density::normal(lx, mu, sigma)?;
                (d.value - lx, (d.d_x - 1.0) / x)
            }
        };
        Ok(d)
    }

    /// A point well inside the support (the mean, or the median for heavy tails), used to
    /// start the optimiser.
    pub fn center(&self) -> f64 {
        match *self {
            Prior::Normal { mu, .. } | Prior::Laplace { mu, .. } | Prior::StudentT { mu, .. } => mu,
            Prior::HalfNormal { sigma } => sigma * (2.0 / std::f64::consts::PI).sqrt(),
            Prior::Gamma { alpha, beta } => alpha / beta,
            Prior::Beta { alpha, beta } => alpha / (alpha + beta),
            Prior::LogNormal { mu, .. } => mu.exp(),
        }
    }
}

/// A prior for a parameter group: one prior shared by every element (channel, control, mode),
/// or one per element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PriorSet {
    /// The same prior for every element.
    One(Prior),
    /// One prior per element (length = channels, controls, …).
    Each(Vec<Prior>),
}

impl PriorSet {
    /// The prior of element `i` (`None` when a per-element list is too short).
    pub fn get(&self, i: usize) -> Option<&Prior> {
        match self {
            PriorSet::One(p) => Some(p),
            PriorSet::Each(v) => v.get(i),
        }
    }
}

impl From<Prior> for PriorSet {
    fn from(p: Prior) -> Self {
        PriorSet::One(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivatives_match_finite_differences() {
        let priors = [
            Prior::Normal {
                mu: 0.3,
                sigma: 2.0,
            },
            Prior::HalfNormal { sigma: 2.0 },
            Prior::Gamma {
                alpha: 3.0,
                beta: 1.0,
            },
            Prior::Beta {
                alpha: 1.0,
                beta: 3.0,
            },
            Prior::Laplace { mu: 0.0, b: 1.0 },
            Prior::StudentT {
                nu: 4.0,
                mu: 0.1,
                sigma: 1.5,
            },
            Prior::LogNormal {
                mu: 0.2,
                sigma: 0.7,
            },
        ];
        for p in priors {
            let x = 0.37;
            let (_, d) = p.log_density(x).unwrap();
            let h = 1e-6;
            let fd =
                (p.log_density(x + h).unwrap().0 - p.log_density(x - h).unwrap().0) / (2.0 * h);
            assert!((fd - d).abs() < 1e-7, "{p:?}");
            assert!(p.log_density(p.center()).unwrap().0.is_finite(), "{p:?}");
        }
        // Log-normal against its closed form at x = 1: −ln(σ√(2π)) − μ²/(2σ²).
        let (v, _) = Prior::LogNormal {
            mu: 0.2,
            sigma: 0.7,
        }
        .log_density(1.0)
        .unwrap();
        let want = -(0.7 * (2.0 * std::f64::consts::PI).sqrt()).ln() - 0.04 / (2.0 * 0.49);
        assert!((v - want).abs() < 1e-14);
    }

    #[test]
    fn check_rejects_bad_priors_and_wrong_supports() {
        assert!(
            Prior::Normal {
                mu: 0.0,
                sigma: -1.0
            }
            .check("intercept", Domain::Real)
            .is_err()
        );
        assert!(
            Prior::Normal {
                mu: 0.0,
                sigma: 1.0
            }
            .check("adstock_alpha", Domain::Unit)
            .is_err()
        );
        assert!(
            Prior::Beta {
                alpha: 1.0,
                beta: 3.0
            }
            .check("adstock_alpha", Domain::Unit)
            .is_ok()
        );
        assert!(
            Prior::HalfNormal { sigma: 2.0 }
                .check("saturation_beta", Domain::Positive)
                .is_ok()
        );
        let g = Prior::gamma_mu_sigma(2.0, 1.0);
        assert_eq!(
            g,
            Prior::Gamma {
                alpha: 4.0,
                beta: 2.0
            }
        );
        let json = serde_json::to_string(&Prior::Laplace { mu: 0.0, b: 1.0 }).unwrap();
        assert_eq!(json, r#"{"dist":"Laplace","mu":0.0,"b":1.0}"#);
        let set: PriorSet = serde_json::from_str(r#"[{"dist":"HalfNormal","sigma":1}]"#).unwrap();
        assert_eq!(set.get(0), Some(&Prior::HalfNormal { sigma: 1.0 }));
    }
}
