//! # ki3-core
//!
//! The measurement-and-decision core of ki3: customer features from event logs ([`features`]),
//! RFM ([`rfm`]), Thompson-sampling bandits ([`bandit`]), synthetic data ([`data`]), [`numerics`]; CLV,
//! marketing mix models and uplift follow. Pure Rust; the Python (`ki3`) and Node bindings are
//! thin layers over this crate.

pub mod bandit;
pub mod data;
pub mod defaults;
pub mod error;
pub mod events;
pub mod features;
mod memory;
pub mod mmm;
pub mod model;
pub mod numerics;
pub mod persist;
pub mod progress;
pub mod rfm;
pub mod uplift;

pub use error::{ErrorKind, Ki3Error, Result};
pub use events::{EventLog, TimeUnit};

/// The README's Rust quickstart, compiled and run as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
