//! Samplers of the posteriors ki3's models draw from, on the one generator ([`Rng`]).
//!
//! - [`BetaSampler`]: `Beta(α, β)` as `X / (X + Y)` with `X ~ Gamma(α, 1)`, `Y ~ Gamma(β, 1)`.
//! - [`NigSampler`]: the mean of a Normal–Inverse-Gamma posterior: `τ = 1/σ² ~ Gamma(α, 1/β)`,
//!   then `μ ~ N(m, 1 / (τ κ))`.
//! - [`NormalSampler`]: `N(mean, sd²)`.
//!
//! Draws that underflow (tiny shapes) fall back to the distribution's mean rather than NaN.

use rand::RngExt;
use rand_distr::{Distribution, Gamma, StandardNormal};

use crate::error::{Ki3Error, Result};
use crate::numerics::Rng;

fn gamma(shape: f64, scale: f64) -> Result<Gamma<f64>> {
    Gamma::new(shape, scale).map_err(|e| Ki3Error::param("posterior", e.to_string()))
}

/// `Beta(α, β)` draws.
#[derive(Debug, Clone, Copy)]
pub struct BetaSampler {
    x: Gamma<f64>,
    y: Gamma<f64>,
    mean: f64,
}

impl BetaSampler {
    /// A sampler of `Beta(alpha, beta)`; both shapes must be positive and finite.
    pub fn new(alpha: f64, beta: f64) -> Result<Self> {
        Ok(BetaSampler {
            x: gamma(alpha, 1.0)?,
            y: gamma(beta, 1.0)?,
            mean: alpha / (alpha + beta),
        })
    }

    /// One draw.
    #[inline]
    pub fn sample(&self, rng: &mut Rng) -> f64 {
        let x = self.x.sample(rng);
        let y = self.y.sample(rng);
        let v = x / (x + y);
        // Both draws can underflow to 0 for tiny shapes: fall back to the mean.
        if v.is_finite() { v } else { self.mean }
    }
}

/// Draws of the mean of a Normal–Inverse-Gamma posterior `NIG(m, κ, α, β)`.
#[derive(Debug, Clone, Copy)]
pub struct NigSampler {
    precision: Gamma<f64>,
    mean: f64,
    kappa: f64,
}

impl NigSampler {
    /// A sampler of the mean `μ` of `NIG(mean, kappa, alpha, beta)`.
    pub fn new(mean: f64, kappa: f64, alpha: f64, beta: f64) -> Result<Self> {
        Ok(NigSampler {
            precision: gamma(alpha, 1.0 / beta)?,
            mean,
            kappa,
        })
    }

    /// One draw.
    #[inline]
    pub fn sample(&self, rng: &mut Rng) -> f64 {
        let tau = self.precision.sample(rng);
        let z: f64 = rng.sample(StandardNormal);
        let v = self.mean + z * (1.0 / (tau * self.kappa)).sqrt();
        if v.is_finite() { v } else { self.mean }
    }
}

/// `N(mean, sd²)` draws.
#[derive(Debug, Clone, Copy)]
pub struct NormalSampler {
    /// Mean.
    pub mean: f64,
    /// Standard deviation.
    pub sd: f64,
}

impl NormalSampler {
    /// One draw.
    #[inline]
    pub fn sample(&self, rng: &mut Rng) -> f64 {
        let z: f64 = rng.sample(StandardNormal);
        self.mean + self.sd * z
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::rng::stream;

    fn moments(mut draw: impl FnMut() -> f64, n: usize) -> (f64, f64) {
        let xs: Vec<f64> = (0..n).map(|_| draw()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        (mean, var)
    }

    #[test]
    fn beta_draws_have_the_beta_moments() {
        // Beta(2, 5): mean 2/7, variance αβ / ((α+β)²(α+β+1)) = 10/392.
        let (a, b, n) = (2.0, 5.0, 200_000);
        let s = BetaSampler::new(a, b).unwrap();
        let mut rng = stream(11, 0);
        let (m, v) = moments(|| s.sample(&mut rng), n);
        let var = a * b / ((a + b) * (a + b) * (a + b + 1.0));
        assert!(
            (m - a / (a + b)).abs() < 5.0 * (var / n as f64).sqrt(),
            "{m}"
        );
        assert!((v - var).abs() / var < 0.02, "{v} vs {var}");
        assert!(BetaSampler::new(0.0, 1.0).is_err());
        assert!(BetaSampler::new(1.0, f64::NAN).is_err());
    }

    #[test]
    fn nig_mean_draws_have_the_student_t_moments() {
        // The marginal of μ is Student-t with 2α dof, location m, scale² β/(ακ):
        // variance β / (κ (α − 1)) for α > 1.
        let (m0, kappa, alpha, beta, n) = (1.5, 4.0, 6.0, 2.0, 200_000);
        let s = NigSampler::new(m0, kappa, alpha, beta).unwrap();
        let mut rng = stream(12, 0);
        let (m, v) = moments(|| s.sample(&mut rng), n);
        let var = beta / (kappa * (alpha - 1.0));
        assert!((m - m0).abs() < 5.0 * (var / n as f64).sqrt(), "{m}");
        assert!((v - var).abs() / var < 0.03, "{v} vs {var}");
        let normal = NormalSampler {
            mean: -2.0,
            sd: 0.5,
        };
        let (m, v) = moments(|| normal.sample(&mut rng), n);
        assert!((m + 2.0).abs() < 5.0 * 0.5 / (n as f64).sqrt() && (v - 0.25).abs() < 0.01);
    }
}
