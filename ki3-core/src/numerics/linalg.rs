//! Small dense linear algebra for symmetric positive-definite (SPD) systems: Cholesky
//! factorisation, rank-one update of a Cholesky factor, triangular solves.
//!
//! Matrices are `n × n`, row-major, in plain `f64` slices (`a[i * n + j]` is row `i`, column `j`).
//! A Cholesky factor `L` is lower triangular with a positive diagonal and `A = L Lᵀ`; its strict
//! upper triangle is kept at zero. Everything is `O(n²)` except the factorisation (`O(n³ / 3)`),
//! allocation-free, and meant for the small `n` (up to ~100) of per-arm models such as linear
//! Thompson sampling. Routines check slice lengths and return [`Ki3Error`] rather than panic.
//!
//! References: Golub & Van Loan, *Matrix Computations* (4th ed.), §4.2 (Cholesky) and §6.5.4
//! (rank-one modification, the `cholupdate` recurrence of Gill, Golub, Murray & Saunders 1974).

use crate::error::{Ki3Error, Result};

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
}
