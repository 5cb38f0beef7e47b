//! Fallible allocation for buffers whose size comes from user input: running out of memory
//! becomes a typed error naming the argument instead of aborting the process (which would take
//! a Python kernel or a Node server down with it).

use crate::error::{Ki3Error, Result};

/// `vec![value; len]`, or [`Ki3Error::InvalidParameter`] `arg` when the memory is not available.
pub(crate) fn try_vec<T: Clone>(len: usize, value: T, arg: &str) -> Result<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| {
        let bytes = (len as u128) * (std::mem::size_of::<T>() as u128);
        Ki3Error::param(
            arg,
            format!("cannot allocate {bytes} bytes for {len} values (out of memory)"),
        )
    })?;
    v.resize(len, value);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impossible_sizes_are_errors_and_small_ones_work() {
        assert_eq!(try_vec(3, 1.5f64, "n").unwrap(), vec![1.5; 3]);
        let err = try_vec(usize::MAX / 8, 0.0f64, "n_features").unwrap_err();
        assert!(matches!(err, Ki3Error::InvalidParameter { ref name, .. } if name == "n_features"));
    }
}
