//! Small dense linear algebra for symmetric positive-definite (SPD) systems: Cholesky
//! factorisation, rank-one update of a Cholesky factor, triangular solves.
//!
//! Matrices are `n × n`, row-major, in plain `f64` slices (`a[i * n + j]` is row `i`, column `j`).
//! A Cholesky factor `L` is lower triangular with a positive diagonal and `A = L Lᵀ`; its strict
//! upper triangle is kept at zero. Everything is `O(n²)` except the factorisation (`O(n³ / 3)`),
//! allocation-free, and meant for the small `n` (up to ~100) of per-arm models such as linear
//! Thompson sampling. Routines check slice lengths and return [`Ki3Error`] rather than panic.
//!
//! For the estimators, [`Cholesky`] wraps the same factorisation for `ndarray` matrices (ki3's one
//! dense matrix type): solves, log-determinant, inverse (standard errors from an observed
//! information matrix), optional diagonal jitter; plus [`is_symmetric`] and [`spd_inverse`].
//!
//! References: Golub & Van Loan, *Matrix Computations* (4th ed.), §4.2 (Cholesky) and §6.5.4
//! (rank-one modification, the `cholupdate` recurrence of Gill, Golub, Murray & Saunders 1974).

use crate::error::{Ki3Error, Result};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

fn check_len(arg: &str, got: usize, expected_arg: &str, expected: usize) -> Result<()> {
    if got == expected {
        Ok(())
    } else {
        Err(Ki3Error::LengthMismatch {
            arg: arg.to_string(),
            got,
            expected_arg: expected_arg.to_string(),
            expected,
        })
    }
}

fn check_square(arg: &str, a: &[f64], n: usize) -> Result<()> {
    let expected = n
        .checked_mul(n)
        .ok_or_else(|| Ki3Error::param("n", "matrix dimension overflows"))?;
    check_len(arg, a.len(), "n * n", expected)
}

/// Factorises the SPD matrix `a` in place: on return its lower triangle holds `L` with
/// `A = L Lᵀ` and its strict upper triangle is zero. Only the lower triangle of `a` is read.
///
/// Errors with [`Ki3Error::InvalidValue`] (`arg = "matrix"`, `index` = the failing pivot) when
/// `a` is not numerically positive definite (a pivot `≤ 0` or non-finite); `a` is then left
/// partially overwritten.
pub fn cholesky_in_place(a: &mut [f64], n: usize) -> Result<()> {
    check_square("matrix", a, n)?;
    for j in 0..n {
        // Diagonal: l_jj = sqrt(a_jj - sum_k<j l_jk^2).
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= a[j * n + k] * a[j * n + k];
        }
        if !(d > 0.0 && d.is_finite()) {
            return Err(Ki3Error::InvalidValue {
                arg: "matrix".to_string(),
                index: j,
                reason: format!("not positive definite (pivot {d})"),
            });
        }
        let ljj = d.sqrt();
        a[j * n + j] = ljj;
        for k in j + 1..n {
            a[j * n + k] = 0.0;
        }
        // Column j below the diagonal: l_ij = (a_ij - sum_k<j l_ik l_jk) / l_jj.
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = s / ljj;
        }
    }
    Ok(())
}

/// Rank-one update of a Cholesky factor: given `L` with `A = L Lᵀ`, overwrites `L` with the
/// factor of `A + x xᵀ` in `O(n²)` (Golub & Van Loan §6.5.4; each step is a Givens-like
/// rotation: `r = √(l_kk² + x_k²)`, `c = r / l_kk`, `s = x_k / l_kk`,
/// `l_ik ← (l_ik + s x_i) / c`, `x_i ← c x_i − s l_ik`). `x` is used as workspace and destroyed.
/// The update never fails for a valid factor: `A + x xᵀ` is SPD whenever `A` is.
pub fn cholesky_rank_one_update(l: &mut [f64], n: usize, x: &mut [f64]) -> Result<()> {
    check_square("factor", l, n)?;
    check_len("x", x.len(), "n", n)?;
    for k in 0..n {
        let lkk = l[k * n + k];
        let xk = x[k];
        if xk == 0.0 {
            continue;
        }
        let r = (lkk * lkk + xk * xk).sqrt();
        let c = r / lkk;
        let s = xk / lkk;
        l[k * n + k] = r;
        for i in k + 1..n {
            let lik = (l[i * n + k] + s * x[i]) / c;
            l[i * n + k] = lik;
            x[i] = c * x[i] - s * lik;
        }
    }
    Ok(())
}

/// Solves `L y = b` in place (forward substitution); `b` becomes `y`.
pub fn solve_lower_in_place(l: &[f64], n: usize, b: &mut [f64]) -> Result<()> {
    check_square("factor", l, n)?;
    check_len("b", b.len(), "n", n)?;
    for i in 0..n {
        let row = &l[i * n..i * n + i];
        let mut s = b[i];
        for (lij, yj) in row.iter().zip(b.iter()) {
            s -= lij * yj;
        }
        b[i] = s / l[i * n + i];
    }
    Ok(())
}

/// Solves `Lᵀ y = b` in place (back substitution, row-oriented); `b` becomes `y`.
pub fn solve_lower_transpose_in_place(l: &[f64], n: usize, b: &mut [f64]) -> Result<()> {
    check_square("factor", l, n)?;
    check_len("b", b.len(), "n", n)?;
    for i in (0..n).rev() {
        let yi = b[i] / l[i * n + i];
        b[i] = yi;
        let row = &l[i * n..i * n + i];
        for (bj, lij) in b.iter_mut().zip(row.iter()) {
            *bj -= lij * yi;
        }
    }
    Ok(())
}

/// Solves `A y = b` in place given the Cholesky factor `L` of `A` (two triangular solves).
pub fn cholesky_solve_in_place(l: &[f64], n: usize, b: &mut [f64]) -> Result<()> {
    solve_lower_in_place(l, n, b)?;
    solve_lower_transpose_in_place(l, n, b)
}

/// `L Lᵀ` as a new row-major `n × n` matrix (reads only the lower triangle of `l`).
pub fn lower_times_transpose(l: &[f64], n: usize) -> Result<Vec<f64>> {
    check_square("factor", l, n)?;
    let mut out = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let m = j.min(i);
            let mut s = 0.0;
            for k in 0..=m {
                s += l[i * n + k] * l[j * n + k];
            }
            out[i * n + j] = s;
            out[j * n + i] = s;
        }
    }
    Ok(out)
}

/// Number of entries of the packed lower triangle of an `n × n` matrix: `n (n + 1) / 2`.
pub fn packed_len(n: usize) -> usize {
    n * (n + 1) / 2
}

/// Index of `(i, j)`, `j ≤ i`, in a row-wise packed lower triangle.
#[inline]
pub fn packed_index(i: usize, j: usize) -> usize {
    i * (i + 1) / 2 + j
}

// ---------------------------------------------------------------------------------------------
// ndarray interface for the estimators (standard errors, Laplace approximations, GLS solves).
// ---------------------------------------------------------------------------------------------

/// True when `a` is square and `|a_ij − a_ji| ≤ tol · max(1, |a_ij|, |a_ji|)` for every pair
/// (relative tolerance; `tol = 0` asks for exact symmetry). Non-finite entries are not symmetric.
pub fn is_symmetric(a: ArrayView2<'_, f64>, tol: f64) -> bool {
    let (n, m) = a.dim();
    if n != m {
        return false;
    }
    for i in 0..n {
        for j in 0..=i {
            let (x, y) = (a[[i, j]], a[[j, i]]);
            if !(x.is_finite() && y.is_finite()) {
                return false;
            }
            if (x - y).abs() > tol * x.abs().max(y.abs()).max(1.0) {
                return false;
            }
        }
    }
    true
}

/// A Cholesky factorisation `A + δ I = L Lᵀ` of a symmetric positive-definite matrix, with the
/// diagonal jitter `δ ≥ 0` that was needed (0 when `A` itself factorised).
#[derive(Debug, Clone, PartialEq)]
pub struct Cholesky {
    l: Array2<f64>,
    jitter: f64,
}

/// Retry policy of [`Cholesky::with_jitter`]: on failure add `δ = initial · mean(diag A)` to the
/// diagonal, multiplying `δ` by 10 at each of at most `max_tries` retries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Jitter {
    /// First jitter relative to the mean diagonal. Default 1e-10.
    pub initial: f64,
    /// Number of retries. Default 6 (up to 1e-5 relative).
    pub max_tries: usize,
}

impl Default for Jitter {
    fn default() -> Self {
        Jitter {
            initial: 1e-10,
            max_tries: 6,
        }
    }
}

fn check_square_view(a: ArrayView2<'_, f64>) -> Result<usize> {
    let (n, m) = a.dim();
    if n != m {
        return Err(Ki3Error::LengthMismatch {
            arg: "matrix columns".into(),
            got: m,
            expected_arg: "matrix rows".into(),
            expected: n,
        });
    }
    if n == 0 {
        return Err(Ki3Error::Empty {
            arg: "matrix".into(),
        });
    }
    if let Some(i) = a.iter().position(|v| !v.is_finite()) {
        return Err(Ki3Error::NonFinite {
            arg: "matrix".into(),
            index: i,
        });
    }
    Ok(n)
}

impl Cholesky {
    /// Factorises the SPD matrix `a` (only its lower triangle is read). Errors when `a` is not
    /// square, empty, non-finite or not numerically positive definite.
    pub fn new(a: ArrayView2<'_, f64>) -> Result<Self> {
        let n = check_square_view(a)?;
        Self::factor(a, n, 0.0)
    }

    /// Like [`Cholesky::new`], but retries with a growing diagonal jitter (see [`Jitter`]) when
    /// the matrix is positive semi-definite or slightly indefinite from rounding. The jitter used
    /// is reported by [`Cholesky::jitter`].
    pub fn with_jitter(a: ArrayView2<'_, f64>, jitter: Jitter) -> Result<Self> {
        let n = check_square_view(a)?;
        if !(jitter.initial > 0.0 && jitter.initial.is_finite()) {
            return Err(Ki3Error::param(
                "jitter.initial",
                format!("must be positive and finite, got {}", jitter.initial),
            ));
        }
        let first = Self::factor(a, n, 0.0);
        if first.is_ok() {
            return first;
        }
        let mean_diag = (0..n).map(|i| a[[i, i]].abs()).sum::<f64>() / n as f64;
        let mut delta = jitter.initial * mean_diag.max(f64::MIN_POSITIVE);
        let mut last = first;
        for _ in 0..jitter.max_tries {
            last = Self::factor(a, n, delta);
            if last.is_ok() {
                return last;
            }
            delta *= 10.0;
        }
        last
    }

    fn factor(a: ArrayView2<'_, f64>, n: usize, delta: f64) -> Result<Self> {
        let mut buf: Vec<f64> = Vec::with_capacity(n * n);
        for i in 0..n {
            for j in 0..n {
                buf.push(a[[i, j]] + if i == j { delta } else { 0.0 });
            }
        }
        cholesky_in_place(&mut buf, n)?;
        let l = Array2::from_shape_vec((n, n), buf)
            .map_err(|e| Ki3Error::param("matrix", e.to_string()))?;
        Ok(Cholesky { l, jitter: delta })
    }

    /// The lower-triangular factor `L`.
    pub fn l(&self) -> ArrayView2<'_, f64> {
        self.l.view()
    }

    /// The diagonal jitter `δ` added before factorising (0 if none was needed).
    pub fn jitter(&self) -> f64 {
        self.jitter
    }

    /// The dimension `n`.
    pub fn dim(&self) -> usize {
        self.l.nrows()
    }

    /// `ln det(A + δ I) = 2 Σ ln l_ii`.
    pub fn log_det(&self) -> f64 {
        2.0 * self.l.diag().iter().map(|v| v.ln()).sum::<f64>()
    }

    fn raw(&self) -> Result<&[f64]> {
        self.l
            .as_slice()
            .ok_or_else(|| Ki3Error::param("factor", "not in standard layout"))
    }

    /// Solves `(A + δ I) x = b`.
    pub fn solve(&self, b: ArrayView1<'_, f64>) -> Result<Array1<f64>> {
        let n = self.dim();
        check_len("b", b.len(), "n", n)?;
        let mut x: Vec<f64> = b.iter().copied().collect();
        cholesky_solve_in_place(self.raw()?, n, &mut x)?;
        Ok(Array1::from(x))
    }

    /// Solves `(A + δ I) X = B` column by column.
    pub fn solve_matrix(&self, b: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let n = self.dim();
        check_len("b rows", b.nrows(), "n", n)?;
        let mut out = Array2::zeros(b.dim());
        let l = self.raw()?;
        let mut col = vec![0.0; n];
        for (k, src) in b.columns().into_iter().enumerate() {
            for (c, v) in col.iter_mut().zip(src.iter()) {
                *c = *v;
            }
            cholesky_solve_in_place(l, n, &mut col)?;
            for (dst, v) in out.column_mut(k).iter_mut().zip(&col) {
                *dst = *v;
            }
        }
        Ok(out)
    }

    /// `(A + δ I)⁻¹`, symmetrised exactly (e.g. the covariance of an MLE from its observed
    /// information matrix).
    pub fn inverse(&self) -> Result<Array2<f64>> {
        let n = self.dim();
        let mut inv = self.solve_matrix(Array2::eye(n).view())?;
        for i in 0..n {
            for j in 0..i {
                let v = 0.5 * (inv[[i, j]] + inv[[j, i]]);
                inv[[i, j]] = v;
                inv[[j, i]] = v;
            }
        }
        Ok(inv)
    }
}

/// Inverse of a symmetric positive-definite matrix by Cholesky (no jitter). Errors when `a` is
/// not symmetric (relative tolerance 1e-10) or not positive definite.
pub fn spd_inverse(a: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
    check_square_view(a)?;
    if !is_symmetric(a, 1e-10) {
        return Err(Ki3Error::param("matrix", "must be symmetric"));
    }
    Cholesky::new(a)?.inverse()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic pseudo-random SPD matrix M Mᵀ + n I.
    fn spd(n: usize, salt: f64) -> Vec<f64> {
        let m: Vec<f64> = (0..n * n)
            .map(|i| ((i as f64 + 1.0) * 0.7548776662 + salt).sin())
            .collect();
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                let mut s = 0.0;
                for k in 0..n {
                    s += m[i * n + k] * m[j * n + k];
                }
                a[i * n + j] = s + if i == j { n as f64 } else { 0.0 };
            }
        }
        a
    }

    fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max)
    }

    #[test]
    fn cholesky_reconstructs_and_is_lower() {
        for n in [1, 2, 5, 17, 60] {
            let a = spd(n, 0.3);
            let mut l = a.clone();
            cholesky_in_place(&mut l, n).unwrap();
            for i in 0..n {
                assert!(l[i * n + i] > 0.0);
                for j in i + 1..n {
                    assert_eq!(l[i * n + j], 0.0);
                }
            }
            let back = lower_times_transpose(&l, n).unwrap();
            assert!(
                max_abs_diff(&back, &a) < 1e-12 * n as f64 * n as f64,
                "n = {n}"
            );
        }
    }

    #[test]
    fn cholesky_of_identity_and_diagonal() {
        let mut a = vec![4.0, 0.0, 0.0, 0.0, 9.0, 0.0, 0.0, 0.0, 0.25];
        cholesky_in_place(&mut a, 3).unwrap();
        assert_eq!(a, vec![2.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0, 0.0, 0.5]);
        // Known 2x2: [[4, 2], [2, 3]] = [[2, 0], [1, sqrt 2]] [[2, 1], [0, sqrt 2]].
        let mut a = vec![4.0, 2.0, 2.0, 3.0];
        cholesky_in_place(&mut a, 2).unwrap();
        assert_eq!(a, vec![2.0, 0.0, 1.0, 2f64.sqrt()]);
    }

    #[test]
    fn not_positive_definite_is_an_error() {
        let mut a = vec![1.0, 2.0, 2.0, 1.0];
        let err = cholesky_in_place(&mut a, 2).unwrap_err();
        assert!(
            matches!(err, Ki3Error::InvalidValue { index: 1, .. }),
            "{err}"
        );
        let mut a = vec![f64::NAN];
        assert!(cholesky_in_place(&mut a, 1).is_err());
        let mut a = vec![1.0; 3];
        assert!(matches!(
            cholesky_in_place(&mut a, 2),
            Err(Ki3Error::LengthMismatch { .. })
        ));
    }

    #[test]
    fn rank_one_update_matches_refactorisation() {
        for n in [1, 3, 8, 40] {
            let a = spd(n, 1.1);
            let x: Vec<f64> = (0..n).map(|i| (i as f64 * 1.3 + 0.2).cos() * 2.0).collect();
            let mut l = a.clone();
            cholesky_in_place(&mut l, n).unwrap();
            let mut work = x.clone();
            cholesky_rank_one_update(&mut l, n, &mut work).unwrap();
            let mut a2 = a.clone();
            for i in 0..n {
                for j in 0..n {
                    a2[i * n + j] += x[i] * x[j];
                }
            }
            let mut l2 = a2.clone();
            cholesky_in_place(&mut l2, n).unwrap();
            assert!(max_abs_diff(&l, &l2) < 1e-12 * n as f64, "n = {n}");
            let back = lower_times_transpose(&l, n).unwrap();
            assert!(max_abs_diff(&back, &a2) < 1e-11 * n as f64 * n as f64);
        }
    }

    #[test]
    fn many_updates_from_ridge_match_gram() {
        // λ I + Σ x xᵀ built by 500 rank-one updates equals the direct factorisation.
        let n = 5;
        let lambda: f64 = 0.5;
        let mut l = vec![0.0; n * n];
        let mut gram = vec![0.0; n * n];
        for i in 0..n {
            l[i * n + i] = lambda.sqrt();
            gram[i * n + i] = lambda;
        }
        for t in 0..500 {
            let x: Vec<f64> = (0..n).map(|i| ((t * n + i) as f64 * 0.61).sin()).collect();
            for i in 0..n {
                for j in 0..n {
                    gram[i * n + j] += x[i] * x[j];
                }
            }
            let mut w = x.clone();
            cholesky_rank_one_update(&mut l, n, &mut w).unwrap();
        }
        let back = lower_times_transpose(&l, n).unwrap();
        let scale = gram.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(max_abs_diff(&back, &gram) < 1e-12 * scale);
    }

    #[test]
    fn solves_give_identity_residuals() {
        for n in [1, 4, 30] {
            let a = spd(n, 2.5);
            let mut l = a.clone();
            cholesky_in_place(&mut l, n).unwrap();
            let b: Vec<f64> = (0..n).map(|i| i as f64 - 1.5).collect();
            // A y = b.
            let mut y = b.clone();
            cholesky_solve_in_place(&l, n, &mut y).unwrap();
            let ay: Vec<f64> = (0..n)
                .map(|i| (0..n).map(|j| a[i * n + j] * y[j]).sum())
                .collect();
            assert!(max_abs_diff(&ay, &b) < 1e-11 * n as f64);
            // L y = b and Lᵀ y = b separately.
            let mut y = b.clone();
            solve_lower_in_place(&l, n, &mut y).unwrap();
            let ly: Vec<f64> = (0..n)
                .map(|i| (0..=i).map(|j| l[i * n + j] * y[j]).sum())
                .collect();
            assert!(max_abs_diff(&ly, &b) < 1e-12 * n as f64);
            let mut y = b.clone();
            solve_lower_transpose_in_place(&l, n, &mut y).unwrap();
            let lty: Vec<f64> = (0..n)
                .map(|i| (i..n).map(|j| l[j * n + i] * y[j]).sum())
                .collect();
            assert!(max_abs_diff(&lty, &b) < 1e-12 * n as f64);
        }
    }

    #[test]
    fn inverse_columns_via_solves() {
        // Solving A y = e_k for every k gives A⁻¹, and A A⁻¹ = I.
        let n = 6;
        let a = spd(n, 0.9);
        let mut l = a.clone();
        cholesky_in_place(&mut l, n).unwrap();
        for k in 0..n {
            let mut e = vec![0.0; n];
            e[k] = 1.0;
            cholesky_solve_in_place(&l, n, &mut e).unwrap();
            for i in 0..n {
                let v: f64 = (0..n).map(|j| a[i * n + j] * e[j]).sum();
                let target = if i == k { 1.0 } else { 0.0 };
                assert!((v - target).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn length_checks() {
        let l = vec![1.0; 4];
        let mut b = vec![1.0; 3];
        assert!(solve_lower_in_place(&l, 2, &mut b).is_err());
        assert!(solve_lower_transpose_in_place(&l, 2, &mut b).is_err());
        let mut l = vec![1.0; 4];
        assert!(cholesky_rank_one_update(&mut l, 2, &mut b).is_err());
        assert!(lower_times_transpose(&l, 3).is_err());
        assert_eq!(packed_len(4), 10);
        assert_eq!(packed_index(3, 3), 9);
        assert_eq!(packed_index(2, 0), 3);
    }

    fn spd_array(n: usize, salt: f64) -> Array2<f64> {
        Array2::from_shape_vec((n, n), spd(n, salt)).unwrap()
    }

    #[test]
    fn ndarray_cholesky_hand_checked() {
        // [[4, 2], [2, 3]]: L = [[2, 0], [1, √2]], det = 8, inverse = [[3, −2], [−2, 4]] / 8.
        let a = ndarray::array![[4.0, 2.0], [2.0, 3.0]];
        let c = Cholesky::new(a.view()).unwrap();
        assert_eq!(
            c.l(),
            ndarray::array![[2.0, 0.0], [1.0, 2f64.sqrt()]].view()
        );
        assert_eq!(c.jitter(), 0.0);
        assert!((c.log_det() - 8f64.ln()).abs() < 1e-15);
        let inv = c.inverse().unwrap();
        let want = ndarray::array![[0.375, -0.25], [-0.25, 0.5]];
        assert!((&inv - &want).iter().all(|d| d.abs() < 1e-15), "{inv}");
        // A x = b with x = [1, −1]: b = [2, −1].
        let x = c.solve(ndarray::array![2.0, -1.0].view()).unwrap();
        assert!((x[0] - 1.0).abs() < 1e-15 && (x[1] + 1.0).abs() < 1e-15);
        assert!(is_symmetric(a.view(), 0.0));
        assert!(!is_symmetric(
            ndarray::array![[1.0, 2.0], [2.1, 1.0]].view(),
            1e-6
        ));
        assert!(!is_symmetric(Array2::<f64>::zeros((2, 3)).view(), 1.0));
        assert_eq!(spd_inverse(a.view()).unwrap(), inv);
    }

    #[test]
    fn ndarray_random_spd_systems() {
        for (n, salt) in [(3, 0.1), (10, 0.7), (40, 1.9)] {
            let a = spd_array(n, salt);
            let c = Cholesky::new(a.view()).unwrap();
            let b: Array1<f64> = (0..n).map(|i| (i as f64 * 0.3).cos() * 5.0).collect();
            let x = c.solve(b.view()).unwrap();
            let resid = a.dot(&x) - &b;
            assert!(resid.iter().all(|r| r.abs() < 1e-10), "n = {n}");
            // Matrix solve and inverse: A A⁻¹ = I.
            let inv = c.inverse().unwrap();
            let eye = a.dot(&inv) - Array2::<f64>::eye(n);
            assert!(eye.iter().all(|r| r.abs() < 1e-10), "n = {n}");
            assert!(is_symmetric(inv.view(), 0.0));
            // log det against the product of pivots of an independent LDLᵀ-free route:
            // det(A) = Π l_ii², and det(2A) = 2ⁿ det(A).
            let c2 = Cholesky::new((&a * 2.0).view()).unwrap();
            let diff = c2.log_det() - c.log_det() - n as f64 * 2f64.ln();
            assert!(diff.abs() < 1e-10, "n = {n}");
        }
    }

    #[test]
    fn ndarray_jitter_and_errors() {
        // Rank-one PSD matrix v vᵀ: fails plain, factorises with jitter.
        let v = ndarray::array![1.0, 2.0, 3.0];
        let a = v
            .view()
            .insert_axis(ndarray::Axis(1))
            .dot(&v.view().insert_axis(ndarray::Axis(0)));
        assert!(Cholesky::new(a.view()).is_err());
        let c = Cholesky::with_jitter(a.view(), Jitter::default()).unwrap();
        assert!(c.jitter() > 0.0 && c.jitter() < 1e-4, "{}", c.jitter());
        // Clearly indefinite stays an error.
        let bad = ndarray::array![[1.0, 0.0], [0.0, -1.0]];
        assert!(Cholesky::with_jitter(bad.view(), Jitter::default()).is_err());
        assert!(Cholesky::new(Array2::<f64>::zeros((2, 3)).view()).is_err());
        assert!(Cholesky::new(Array2::<f64>::zeros((0, 0)).view()).is_err());
        assert!(Cholesky::new(ndarray::array![[f64::NAN]].view()).is_err());
        assert!(spd_inverse(ndarray::array![[1.0, 0.5], [0.4, 1.0]].view()).is_err());
        let c = Cholesky::new(ndarray::array![[2.0]].view()).unwrap();
        assert!(c.solve(ndarray::array![1.0, 2.0].view()).is_err());
        assert!(c.solve_matrix(Array2::<f64>::zeros((3, 1)).view()).is_err());
        let bad_jitter = Jitter {
            initial: 0.0,
            max_tries: 3,
        };
        assert!(Cholesky::with_jitter(a.view(), bad_jitter).is_err());
    }
}
