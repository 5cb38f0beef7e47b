//! Numerical building blocks shared by the capabilities.

pub mod hash;
pub mod linalg;
pub mod sum;

pub use hash::{IdBuildHasher, IdHasher};
pub use sum::NeumaierSum;
