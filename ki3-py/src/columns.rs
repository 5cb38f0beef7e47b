//! Fused one-pass checks of numeric event columns (parallel, GIL released), so that preparing
//! int64 ids, int64 codes and datetime64 timestamps does not take several numpy passes.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use rayon::prelude::*;

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

/// The values as uint32 when all are in `0..=u32::MAX` (one fused check-and-copy pass).
pub fn narrow_to_u32(values: &[i64]) -> Option<Vec<u32>> {
    let mut out = vec![0u32; values.len()];
    let ok = out
        .par_chunks_mut(CHUNK)
        .zip(values.par_chunks(CHUNK))
        .all(|(dst, src)| {
            let mut bad = false;
            for (d, &s) in dst.iter_mut().zip(src) {
                bad |= !(0..=i64::from(u32::MAX)).contains(&s);
                *d = s as u32;
            }
            !bad
        });
    ok.then_some(out)
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

/// An int64 array as uint32, or `None` when a value is outside `0..=2**32-1`.
#[pyfunction]
pub fn int64_to_uint32<'py>(
    py: Python<'py>,
    values: PyReadonlyArray1<'py, i64>,
) -> PyResult<Option<Bound<'py, PyArray1<u32>>>> {
    let values = slice(&values, "values")?;
    let out = py.detach(|| narrow_to_u32(values));
    Ok(out.map(|v| v.into_pyarray(py)))
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

    #[test]
    fn narrowing_checks_every_value() {
        let values: Vec<i64> = (0..150_000i64).map(|i| i % 7).collect();
        let expected: Vec<u32> = values.iter().map(|&v| v as u32).collect();
        assert_eq!(narrow_to_u32(&values), Some(expected));
        assert_eq!(narrow_to_u32(&[]), Some(vec![]));
        for bad in [-1, i64::from(u32::MAX) + 1, i64::MIN] {
            let mut v = values.clone();
            v[140_000] = bad;
            assert_eq!(narrow_to_u32(&v), None);
        }
        assert_eq!(narrow_to_u32(&[i64::from(u32::MAX)]), Some(vec![u32::MAX]));
    }
}
