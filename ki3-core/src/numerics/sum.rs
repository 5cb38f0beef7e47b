//! Compensated summation (Neumaier 1974, "Rundungsfehleranalyse einiger Verfahren zur Summation
//! endlicher Summen"): keeps a running correction term so the error does not grow with the number
//! of terms, and two partial sums merge with an error of a few ulps.

use serde::{Deserialize, Serialize};

/// 2^52: integers up to 2^53 are exact in f64; headroom keeps a sum below that bound exact.
const EXACT_INTEGER: f64 = 4_503_599_627_370_496.0;

/// A running compensated sum.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct NeumaierSum {
    sum: f64,
    compensation: f64,
}

impl NeumaierSum {
    /// Adds one term.
    #[inline]
    pub fn add(&mut self, x: f64) {
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.compensation += (self.sum - t) + x;
        } else {
            self.compensation += (x - t) + self.sum;
        }
        self.sum = t;
    }

    /// Adds another partial sum (its value and its correction).
    #[inline]
    pub fn merge(&mut self, other: &NeumaierSum) {
        self.add(other.sum);
        self.add(other.compensation);
    }

    /// Whether the sum is an integer held exactly (no correction, magnitude at most 2^52), so
    /// adding integers keeps it exact as long as the total stays within 2^53.
    #[inline]
    pub fn is_exact_integer(&self) -> bool {
        self.compensation == 0.0 && self.sum.fract() == 0.0 && self.sum.abs() <= EXACT_INTEGER
    }

    /// The compensated total.
    #[inline]
    pub fn value(&self) -> f64 {
        self.sum + self.compensation
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beats_naive_summation() {
        // 1 + 1e100 + 1 - 1e100 = 2; naive summation gives 0.
        let mut s = NeumaierSum::default();
        for x in [1.0, 1e100, 1.0, -1e100] {
            s.add(x);
        }
        assert_eq!(s.value(), 2.0);
        let mut s = NeumaierSum::default();
        for _ in 0..10 {
            s.add(0.1);
        }
        assert_eq!(s.value(), 1.0);
    }

    #[test]
    fn merge_equals_one_pass() {
        let xs: Vec<f64> = (0..1000).map(|i| (i as f64 * 0.37).sin() * 1e3).collect();
        let mut whole = NeumaierSum::default();
        xs.iter().for_each(|x| whole.add(*x));
        let (mut a, mut b) = (NeumaierSum::default(), NeumaierSum::default());
        xs[..417].iter().for_each(|x| a.add(*x));
        xs[417..].iter().for_each(|x| b.add(*x));
        a.merge(&b);
        let rel = ((a.value() - whole.value()) / whole.value()).abs();
        assert!(rel < 1e-15, "{rel}");
    }
}
