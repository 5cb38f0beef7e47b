//! Numerical building blocks shared by every capability: special functions, calendar
//! arithmetic, compensated sums, small dense linear algebra, hashing of integer ids and the
//! serialisable random generator.

pub mod calendar;
pub mod density;
pub mod hash;
pub mod linalg;
pub mod optimize;
pub mod rng;
pub mod special;
pub mod sum;
pub mod transform;

pub use hash::{IdBuildHasher, IdHasher};
pub use rng::Rng;
pub use sum::NeumaierSum;
