//! Hashing for integer-keyed maps on hot paths.

use std::hash::Hasher;

/// A fast hasher for integer keys (Fibonacci hashing: one multiply). Not DoS-resistant: use it
/// for maps that live inside one computation, never for maps keyed by untrusted input that
/// persist.
#[derive(Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = (x ^ (x >> 29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// `BuildHasher` for [`IdHasher`].
pub type IdBuildHasher = std::hash::BuildHasherDefault<IdHasher>;
