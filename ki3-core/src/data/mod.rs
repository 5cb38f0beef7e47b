//! Synthetic data generators.
//!
//! [`synthetic_shop`] simulates the event log of an online shop (page views and purchases of
//! many customers), for demos, tests and benchmarks of everything that consumes an
//! [`EventLog`](crate::EventLog).

mod shop;

pub use shop::{CATEGORIES, CHANNELS, DEFAULT_START, ShopEvents, ShopParams, synthetic_shop};
