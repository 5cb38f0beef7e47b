//! The pattern every estimator follows (the linfa pattern): hyper-parameters in a `Params`
//! type (`Default` holds the library defaults, consuming builder setters, serde, [`Params::check`]
//! validates ranges and work caps), [`Fit::fit`] on borrowed data returns a fitted model, and the
//! fitted model predicts and is saved through [`Persist`] so that Python,
//! Node and Rust load the same object with [`crate::persist::load`].
//!
//! Bindings never restate a default: they build `Params::default()` and override only what the
//! user passed.

use serde::{Serialize, de::DeserializeOwned};

use crate::error::Result;
use crate::persist::Persist;

/// Hyper-parameters of an estimator.
pub trait Params: Default + Clone + Serialize + DeserializeOwned {
    /// Checks every field (ranges, finiteness, caps on allocation and work); the error names
    /// the parameter.
    fn check(&self) -> Result<()>;
}

/// Fitting: `Params` + borrowed data → a fitted, saveable model. `fit` calls
/// [`Params::check`] first and validates the data; a rejected fit has no side effects.
pub trait Fit<Data: ?Sized>: Params {
    /// The fitted model.
    type Model: Persist;
    /// Fits the model to `data`.
    fn fit(&self, data: &Data) -> Result<Self::Model>;
}
