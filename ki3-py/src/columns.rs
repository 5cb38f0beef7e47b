//! Fused one-pass checks of numeric event columns (parallel, GIL released), so that preparing
//! int64 ids, int64 codes and datetime64 timestamps does not take several numpy passes.

use numpy::{PyReadonlyArray1, PyReadwriteArray1};
use pyo3::prelude::*;
use rayon::prelude::*;

use crate::errors::invalid;
use crate::events::slice;

/// Rows per parallel task.
const CHUNK: usize = 1 << 16;

/// Smallest and largest value of a block (independent accumulators, so the loop pipelines).
fn block_range(values: &[i64]) -> (i64, i64) {
    let mut lo = [i64::MAX; 4];
    let mut hi = [i64::MIN; 4];
    let mut it = values.chunks_exact(4);
    for v in &mut it {
        for ((l, h), &x) in lo.iter_mut().zip(hi.iter_mut()).zip(v) {
            *l = (*l).min(x);
            *h = (*h).max(x);
        }
    }
    let (mut a, mut b) = (
        lo[0].min(lo[1]).min(lo[2].min(lo[3])),
        hi[0].max(hi[1]).max(hi[2].max(hi[3])),
    );
    for &v in it.remainder() {
        a = a.min(v);
        b = b.max(v);
    }
    (a, b)
}

/// `(min, max)` of `values` in one parallel pass; `None` when empty.
pub fn range_of(values: &[i64]) -> Option<(i64, i64)> {
    if values.is_empty() {
        return None;
    }
    Some(
        values
            .par_chunks(CHUNK)
            .map(block_range)
            .reduce(|| (i64::MAX, i64::MIN), |x, y| (x.0.min(y.0), x.1.max(y.1))),
    )
}

/// Writes `values` as uint32 into `out` (same length) and tells whether all were in
/// `0..=u32::MAX` (one fused check-and-copy pass; `out` is garbage when not).
pub fn narrow_into_u32(values: &[i64], out: &mut [u32]) -> bool {
    out.par_chunks_mut(CHUNK)
        .zip(values.par_chunks(CHUNK))
        .map(|(dst, src)| {
            let mut bad = false;
            for (d, &s) in dst.iter_mut().zip(src) {
                bad |= (s as u64) > u64::from(u32::MAX);
                *d = s as u32;
            }
            !bad
        })
        .reduce(|| true, |a, b| a && b)
}

/// `(min, max)` of an int64 array (a datetime64 array viewed as int64: NaT is the minimum of
/// int64), or `None` when it is empty.
#[pyfunction]
pub fn int64_range(
    py: Python<'_>,
    values: PyReadonlyArray1<'_, i64>,
) -> PyResult<Option<(i64, i64)>> {
    let values = slice(&values, "values")?;
    Ok(py.detach(|| range_of(values)))
}

/// Copies an int64 array into the uint32 array `out` (allocated by the caller, so numpy's
/// allocator can reuse memory); false when a value is outside `0..=2**32-1` or the lengths
/// differ.
#[pyfunction]
pub fn int64_to_uint32(
    py: Python<'_>,
    values: PyReadonlyArray1<'_, i64>,
    mut out: PyReadwriteArray1<'_, u32>,
) -> PyResult<bool> {
    let values = slice(&values, "values")?;
    let out = out
        .as_slice_mut()
        .map_err(|_| invalid("out", "array must be contiguous"))?;
    if out.len() != values.len() {
        return Ok(false);
    }
    Ok(py.detach(|| narrow_into_u32(values, out)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_matches_a_plain_scan() {
        let values: Vec<i64> = (0..200_003i64)
            .map(|i| (i * 7919) % 100_001 - 5_000)
            .collect();
        let lo = values.iter().copied().min();
        let hi = values.iter().copied().max();
        assert_eq!(range_of(&values), lo.zip(hi));
        assert_eq!(range_of(&[]), None);
        assert_eq!(range_of(&[i64::MIN, 3]), Some((i64::MIN, 3)));
        assert_eq!(range_of(&[5]), Some((5, 5)));
    }

    fn narrow(values: &[i64]) -> Option<Vec<u32>> {
        let mut out = vec![7u32; values.len()];
        narrow_into_u32(values, &mut out).then_some(out)
    }

    #[test]
    fn narrowing_checks_every_value() {
        let values: Vec<i64> = (0..150_000i64).map(|i| i % 7).collect();
        let expected: Vec<u32> = values.iter().map(|&v| v as u32).collect();
        assert_eq!(narrow(&values), Some(expected));
        assert_eq!(narrow(&[]), Some(vec![]));
        for bad in [-1, i64::from(u32::MAX) + 1, i64::MIN] {
            let mut v = values.clone();
            v[140_000] = bad;
            assert_eq!(narrow(&v), None);
        }
        assert_eq!(narrow(&[i64::from(u32::MAX)]), Some(vec![u32::MAX]));
    }
}
