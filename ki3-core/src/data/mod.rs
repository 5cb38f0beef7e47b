//! Synthetic data generators.
//!
//! [`synthetic_shop`] simulates the event log of an online shop (page views and purchases of
//! many customers), for demos, tests and benchmarks of everything that consumes an
//! [`EventLog`](crate::EventLog).
//!
//! [`Dictionary`] codes categorical labels (string ids, channel and category names) as dense
//! `u32` codes; feature aggregators persist theirs in their saved state.

pub mod dictionary;
mod shop;

pub use dictionary::{Dictionary, Label};
pub use shop::{CATEGORIES, CHANNELS, DEFAULT_START, ShopEvents, ShopParams, synthetic_shop};
