//! Synthetic data generators.
//!
//! [`synthetic_shop`] simulates the event log of an online shop (page views and purchases of
//! many customers), for demos, tests and benchmarks of everything that consumes an
//! [`EventLog`](crate::EventLog).
//!
//! [`synthetic_media`] simulates the shop's weekly media spend and sales from the marketing-mix
//! model with known parameters, to check a fitted [`crate::mmm::Mmm`] against the truth.
//!
//! [`Dictionary`] codes categorical labels (string ids, channel and category names) as dense
//! `u32` codes; feature aggregators persist theirs in their saved state.

pub mod dictionary;
mod media;
mod shop;

pub use dictionary::{Dictionary, Label};
pub use media::{
    MAX_MEDIA_WEEKS, MEDIA_CHANNELS, MEDIA_FOURIER_ORDER, MEDIA_L_MAX, MediaParams, MediaTruth,
    SyntheticMedia, media_fourier_names, synthetic_media,
};
pub use shop::{CATEGORIES, CHANNELS, DEFAULT_START, ShopEvents, ShopParams, synthetic_shop};
