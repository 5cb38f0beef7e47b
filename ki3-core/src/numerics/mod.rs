//! Numerical building blocks shared by every capability (bandits, RFM, and the estimators: CLV,
//! MMM, uplift):
//!
//! - [`special`]: log-gamma, log-beta, digamma/trigamma, incomplete beta and quantiles, and the
//!   Gauss hypergeometric `₂F₁` (Pareto/NBD);
//! - [`density`]: log-densities with gradients (normal, half-normal, gamma, beta, Laplace,
//!   Student-t, negative binomial, beta-binomial) and stable log-sum-exp helpers;
//! - [`transform`]: log / logit / scaled-logit maps of bounded parameters with log-Jacobians;
//! - [`sample`]: Beta, Normal–Inverse-Gamma-mean and Normal posterior samplers;
//! - [`diagnostics`]: MCMC diagnostics with arviz's conventions (rank-normalised split R-hat,
//!   bulk/tail ESS, MCSE, HDI, E-BFMI, per-parameter summaries);
//! - [`optimize`]: L-BFGS with a strong-Wolfe line search (bounds through [`transform`]);
//! - [`linalg`]: Cholesky routines on slices (allocation-free, bandit hot path) and on `ndarray`
//!   matrices (solve, log-determinant, SPD inverse, jitter);
//! - [`calendar`], [`sum`] (compensated sums), [`hash`] (integer-id hashing), [`rng`] (the
//!   serialisable random generator with per-task streams).

pub mod calendar;
pub mod density;
pub mod diagnostics;
pub mod hash;
pub mod linalg;
pub mod optimize;
pub mod rng;
pub mod sample;
pub mod special;
pub mod sum;
pub mod transform;

pub use hash::{IdBuildHasher, IdHasher};
pub use linalg::{Cholesky, Jitter};
pub use optimize::{LbfgsParams, LbfgsResult, StopReason, minimize};
pub use rng::Rng;
pub use sum::NeumaierSum;
pub use transform::{Transform, TransformEval};
