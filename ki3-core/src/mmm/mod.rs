//! Bayesian marketing mix model: PyMC-Marketing 0.19's `MMM` (adstock → saturation per channel,
//! controls, yearly Fourier seasonality, optional trend, Normal or Student-t likelihood, the
//! library's default priors), sampled with NUTS from the `nuts-rs` crate on an analytic
//! gradient, chains in parallel, reproducible from one seed.
//!
//! Modules, one job each: [`transforms`] (adstock kernels and saturation curves with exact
//! derivatives), [`prior`] (prior families), [`params`] ([`MmmParams`]), [`data`] (validation,
//! scaling, Fourier basis), [`logp`] (log posterior and gradient), [`sampler`] (MAP and NUTS),
//! [`model`] (the fitted [`Mmm`] and its outputs).

pub mod data;
pub mod logp;
pub mod model;
pub mod params;
pub mod prior;
pub mod sampler;
pub mod transforms;

pub use data::MmmData;
pub use model::{Mmm, MmmNewData};
pub use params::{Init, Likelihood, MmmParams};
pub use prior::{Prior, PriorSet};
pub use transforms::{Adstock, Domain, Saturation};
