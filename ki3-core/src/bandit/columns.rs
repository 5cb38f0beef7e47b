//! Element types of batch-update columns, so bindings can pass the arrays they were given
//! (numpy `int8` … `int64` codes, `bool` / integer / `float32` rewards) without converting them
//! to `usize` / `f64` copies first.

/// An element of an arm column: the arm's index in the policy (its position among all arms,
/// retired ones included, in the order they were added).
pub trait ArmCode: Copy + Send + Sync + std::fmt::Display {
    /// The index, or `None` when the value is negative or does not fit in `usize`.
    fn index(self) -> Option<usize>;
}

/// An element of a reward column, read as `f64`.
pub trait RewardValue: Copy + Send + Sync {
    /// The reward (exact for every implementing type except `i64`/`u64` beyond 2^53).
    fn value(self) -> f64;

    /// 0 or 1 for those rewards, 2 or more for any other value (the test of the 0/1 fast
    /// path of batch updates, branch-free).
    #[inline(always)]
    fn binary_code(self) -> u64 {
        let r = self.value();
        u64::from(r == 1.0) | (u64::from((r != 0.0) & (r != 1.0)) << 1)
    }
}

macro_rules! arm_codes {
    ($($t:ty),*) => {$(
        impl ArmCode for $t {
            #[inline(always)]
            fn index(self) -> Option<usize> {
                usize::try_from(self).ok()
            }
        }
    )*};
}
arm_codes!(usize, u8, u16, u32, u64, i8, i16, i32, i64);

macro_rules! float_rewards {
    ($($t:ty),*) => {$(
        impl RewardValue for $t {
            #[inline(always)]
            fn value(self) -> f64 {
                f64::from(self)
            }
        }
    )*};
}
float_rewards!(f64, f32);

macro_rules! integer_rewards {
    ($($t:ty),*) => {$(
        impl RewardValue for $t {
            #[inline(always)]
            fn value(self) -> f64 {
                // Exact up to 2^53; beyond, rounded to nearest like numpy's cast.
                self as f64
            }

            #[inline(always)]
            fn binary_code(self) -> u64 {
                // Negative values wrap to huge codes, which are not 0/1 either.
                self as u64
            }
        }
    )*};
}
integer_rewards!(i8, i16, i32, i64, u8, u16, u32, u64);

impl RewardValue for bool {
    #[inline(always)]
    fn value(self) -> f64 {
        f64::from(u8::from(self))
    }

    #[inline(always)]
    fn binary_code(self) -> u64 {
        u64::from(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_reject_negative_and_rewards_convert() {
        assert_eq!(3i8.index(), Some(3));
        assert_eq!((-1i64).index(), None);
        assert_eq!(u64::MAX.index(), usize::try_from(u64::MAX).ok());
        assert_eq!(true.value(), 1.0);
        assert_eq!(0.25f32.value(), 0.25);
        assert_eq!((-7i64).value(), -7.0);
        assert_eq!(255u8.value(), 255.0);
        for (code, want) in [
            (0.0f64.binary_code(), 0),
            (1.0f64.binary_code(), 1),
            (true.binary_code(), 1),
            (1i64.binary_code(), 1),
            (0u8.binary_code(), 0),
        ] {
            assert_eq!(code, want);
        }
        for other in [
            0.5f64.binary_code(),
            f64::NAN.binary_code(),
            (-1.0f64).binary_code(),
            (-1i64).binary_code(),
            2i32.binary_code(),
            f32::INFINITY.binary_code(),
        ] {
            assert!(other >= 2, "{other}");
        }
    }
}
