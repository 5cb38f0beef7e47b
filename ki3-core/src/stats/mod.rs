//! Numerical building blocks shared by the capabilities.

pub mod sum;

pub use sum::NeumaierSum;
