//! The one random generator of ki3 and its saved form.
//!
//! [`Rng`] is PCG-64 "fast" (128-bit multiplicative congruential generator, XSL-RR output;
//! O'Neill 2014). Its whole state is one odd 128-bit integer, saved as 32 hex digits
//! ([`to_hex`] / [`from_hex`]) so that a copy loaded in Rust, Python or Node continues the same
//! stream. [`stream`] derives independent, reproducible generators for parallel work (one per
//! chain, tree or shard) from a user seed and the task's index, so results never depend on the
//! number of threads.

use rand::SeedableRng;

use crate::error::{Ki3Error, Result};

/// The random generator of every stochastic routine in ki3.
pub type Rng = rand_pcg::Pcg64Mcg;

/// SplitMix64 finaliser (Steele, Lea & Flood 2014): a bijective 64-bit mixer.
fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The generator of task `index` (chain, tree, shard) of a computation seeded with `seed`.
///
/// The 128-bit state is built from two SplitMix64 outputs of `(seed, index)`, so distinct
/// `(seed, index)` pairs give unrelated streams, and the generator of a task is the same
/// whichever thread runs it and however many tasks there are.
pub fn stream(seed: u64, index: u64) -> Rng {
    let hi = splitmix64(seed ^ splitmix64(index));
    let lo = splitmix64(hi ^ index.rotate_left(32) ^ 0xD1B5_4A32_D192_ED03);
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&hi.to_le_bytes());
    bytes[8..].copy_from_slice(&lo.to_le_bytes());
    Rng::from_seed(bytes)
}

/// The generator state as 32 hex digits (JSON-safe everywhere: no integer above 2^53).
pub fn to_hex(rng: &Rng) -> String {
    format!("{:032x}", rng.state())
}

/// A generator from its saved state ([`to_hex`]); a [`Ki3Error::Corrupt`] when the text is not
/// 1 to 32 hex digits of an odd number.
pub fn from_hex(s: &str) -> Result<Rng> {
    if s.is_empty() || s.len() > 32 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Ki3Error::corrupt(
            "rng: expected up to 32 hexadecimal digits",
        ));
    }
    let state = u128::from_str_radix(s, 16).map_err(|e| Ki3Error::corrupt(format!("rng: {e}")))?;
    if state & 1 == 0 {
        return Err(Ki3Error::corrupt("rng: state must be odd"));
    }
    Ok(Rng::new(state))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng as _, RngExt as _};

    #[test]
    fn hex_round_trip_continues_the_stream() {
        let mut a = Rng::seed_from_u64(42);
        a.next_u64();
        let mut b = from_hex(&to_hex(&a)).unwrap();
        for _ in 0..10 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        assert!(from_hex("").is_err());
        assert!(from_hex("xyz").is_err());
        assert!(from_hex("2").is_err());
        assert!(from_hex(&"f".repeat(33)).is_err());
    }

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let first = |seed, index| stream(seed, index).next_u64();
        assert_eq!(first(7, 3), first(7, 3));
        let mut seen = std::collections::HashSet::new();
        for seed in 0..20 {
            for index in 0..20 {
                assert!(
                    seen.insert(first(seed, index)),
                    "collision at {seed}/{index}"
                );
            }
        }
    }

    #[test]
    fn streams_are_uncorrelated() {
        // Neighbouring streams: the sample correlation of 20,000 paired uniforms is within
        // 4 standard errors (1/sqrt(n)) of zero.
        let n = 20_000;
        let (mut a, mut b) = (stream(1, 0), stream(1, 1));
        let xs: Vec<(f64, f64)> = (0..n)
            .map(|_| (a.random::<f64>(), b.random::<f64>()))
            .collect();
        let mean = |f: &dyn Fn(&(f64, f64)) -> f64| xs.iter().map(f).sum::<f64>() / n as f64;
        let (ma, mb) = (mean(&|p| p.0), mean(&|p| p.1));
        let cov = mean(&|p| (p.0 - ma) * (p.1 - mb));
        let corr = cov / (mean(&|p| (p.0 - ma).powi(2)) * mean(&|p| (p.1 - mb).powi(2))).sqrt();
        assert!(corr.abs() < 4.0 / (n as f64).sqrt(), "corr {corr}");
    }
}
