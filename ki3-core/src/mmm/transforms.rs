//! Media transforms with exact derivatives with respect to their parameters: adstock kernels
//! (carry-over) and saturation curves (diminishing returns), as PyMC-Marketing 0.19 defines
//! them (`pymc_marketing.mmm.transformers`).
//!
//! **Adstock** is a causal convolution with a kernel `w_0 … w_{L−1}` (zero-padded at the start,
//! PyMC-Marketing's `ConvMode.After`): `a_t = Σ_l w_l x_{t−l}`. Kernels, with `l = 0 … l_max−1`:
//! - geometric: `w_l = α^l` (Jin et al. 2017);
//! - delayed: `w_l = α^{(l−θ)²}`;
//! - Weibull PDF: `p_l = Weibull(l+1; shape k, scale λ)` density, min–max rescaled
//!   `(p − min p)/(max p − min p)`;
//! - Weibull CDF: `s_l = 1 − F(l+1) = exp(−((l+1)/λ)^k)`, kernel `cumprod([1, s_0, …, s_{L−1}])`
//!   (length `l_max + 1`, exactly as PyMC-Marketing pads it);
//!
//! each divided by its sum when `normalize` (PyMC-Marketing's default).
//!
//! **Saturation** `f(x)` of the (adstocked, max-scaled) media:
//! - logistic: `β (1 − e^{−λx})/(1 + e^{−λx}) = β tanh(λx/2)`;
//! - Hill: `β (1 − κ^s/(κ^s + x^s)) = β x^s/(κ^s + x^s)`;
//! - Michaelis–Menten: `α x/(λ + x)`.
//!
//! Every function returns the derivatives the log posterior needs: kernel weights and
//! `∂w_l/∂θ_j`; saturation value, `∂f/∂x` and `∂f/∂θ_j`.

use serde::{Deserialize, Serialize};

use crate::error::{Ki3Error, Result};

/// Largest accepted `l_max` (a cap on work and allocation).
pub const MAX_L_MAX: usize = 1000;

/// Most parameters of one adstock kernel.
pub const MAX_ADSTOCK_PARAMS: usize = 2;
/// Most parameters of one saturation curve.
pub const MAX_SATURATION_PARAMS: usize = 3;

/// Where a parameter lives: its natural support (the prior must respect it; the sampler works on
/// the log / logit of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Domain {
    /// The whole real line.
    Real,
    /// `x > 0`.
    Positive,
    /// `0 < x < 1`.
    Unit,
}

/// An adstock (carry-over) kernel. `l_max` is the number of lags (PyMC-Marketing's `l_max`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Adstock {
    /// `w_l = α^l` (PyMC-Marketing `GeometricAdstock`, parameter `alpha`).
    Geometric {
        /// Number of lags.
        l_max: usize,
        /// Divide the kernel by its sum (default true).
        normalize: bool,
    },
    /// `w_l = α^{(l−θ)²}` (PyMC-Marketing `DelayedAdstock`, parameters `alpha`, `theta`).
    Delayed {
        /// Number of lags.
        l_max: usize,
        /// Divide the kernel by its sum (default true).
        normalize: bool,
    },
    /// Min–max rescaled Weibull density at lags 1…l_max (`WeibullPDFAdstock`, `lam`, `k`).
    WeibullPdf {
        /// Number of lags.
        l_max: usize,
        /// Divide the kernel by its sum (default true).
        normalize: bool,
    },
    /// Cumulative product of Weibull survival probabilities (`WeibullCDFAdstock`, `lam`, `k`).
    WeibullCdf {
        /// Number of lags (the kernel has `l_max + 1` weights).
        l_max: usize,
        /// Divide the kernel by its sum (default true).
        normalize: bool,
    },
}

impl Default for Adstock {
    /// PyMC-Marketing's quickstart: geometric, `l_max = 8`, normalised.
    fn default() -> Self {
        Adstock::Geometric {
            l_max: 8,
            normalize: true,
        }
    }
}

impl Adstock {
    /// Geometric adstock with `l_max` lags, normalised.
    pub fn geometric(l_max: usize) -> Self {
        Adstock::Geometric {
            l_max,
            normalize: true,
        }
    }

    /// `l_max`.
    pub fn l_max(&self) -> usize {
        match *self {
            Adstock::Geometric { l_max, .. }
            | Adstock::Delayed { l_max, .. }
            | Adstock::WeibullPdf { l_max, .. }
            | Adstock::WeibullCdf { l_max, .. } => l_max,
        }
    }

    fn normalize(&self) -> bool {
        match *self {
            Adstock::Geometric { normalize, .. }
            | Adstock::Delayed { normalize, .. }
            | Adstock::WeibullPdf { normalize, .. }
            | Adstock::WeibullCdf { normalize, .. } => normalize,
        }
    }

    /// Number of kernel weights (`l_max`, or `l_max + 1` for the Weibull CDF).
    pub fn kernel_len(&self) -> usize {
        match self {
            Adstock::WeibullCdf { l_max, .. } => l_max + 1,
            _ => self.l_max(),
        }
    }

    /// Parameter names without the `adstock_` prefix, in the order of [`Adstock::kernel`].
    pub fn param_names(&self) -> &'static [&'static str] {
        match self {
            Adstock::Geometric { .. } => &["alpha"],
            Adstock::Delayed { .. } => &["alpha", "theta"],
            Adstock::WeibullPdf { .. } | Adstock::WeibullCdf { .. } => &["lam", "k"],
        }
    }

    /// The support of each parameter.
    pub fn domains(&self) -> &'static [Domain] {
        match self {
            Adstock::Geometric { .. } => &[Domain::Unit],
            Adstock::Delayed { .. } => &[Domain::Unit, Domain::Positive],
            Adstock::WeibullPdf { .. } | Adstock::WeibullCdf { .. } => {
                &[Domain::Positive, Domain::Positive]
            }
        }
    }

    /// Checks `l_max` (1…[`MAX_L_MAX`]; at least 2 for the Weibull PDF, whose min–max rescaling
    /// needs two lags).
    pub fn check(&self) -> Result<()> {
        let l = self.l_max();
        let min = if matches!(self, Adstock::WeibullPdf { .. }) {
            2
        } else {
            1
        };
        if l < min || l > MAX_L_MAX {
            return Err(Ki3Error::param(
                "l_max",
                format!("must be in {min}..={MAX_L_MAX}, got {l}"),
            ));
        }
        Ok(())
    }

    /// Writes the kernel `w` (length [`Adstock::kernel_len`]) and its derivatives
    /// `dw[l][j] = ∂w_l/∂θ_j` at parameters `theta` (in [`Adstock::param_names`] order).
    /// Non-finite weights (parameters at the edge of their support) are left for the caller to
    /// reject.
    pub fn kernel(&self, theta: &[f64], w: &mut [f64], dw: &mut [[f64; MAX_ADSTOCK_PARAMS]]) {
        let n = w.len().min(dw.len());
        let p0 = theta.first().copied().unwrap_or(f64::NAN);
        let p1 = theta.get(1).copied().unwrap_or(f64::NAN);
        match self {
            Adstock::Geometric { .. } => {
                let alpha = p0;
                let mut pow = 1.0; // α^l
                let mut prev = 0.0; // α^{l−1}
                for l in 0..n {
                    w[l] = pow;
                    dw[l] = [l as f64 * prev, 0.0];
                    prev = pow;
                    pow *= alpha;
                }
            }
            Adstock::Delayed { .. } => {
                let (alpha, theta) = (p0, p1);
                let ln_a = alpha.ln();
                for l in 0..n {
                    let d = l as f64 - theta;
                    let u = (d * d * ln_a).exp();
                    w[l] = u;
                    dw[l] = [u * d * d / alpha, -2.0 * u * ln_a * d];
                }
            }
            Adstock::WeibullPdf { .. } => {
                let (lam, k) = (p0, p1);
                // p_l and (∂ ln p/∂λ, ∂ ln p/∂k) at t = l + 1.
                for l in 0..n {
                    let t = (l + 1) as f64;
                    let z = t / lam;
                    let ln_z = z.ln();
                    let zk = z.powf(k);
                    let p = k / lam * z.powf(k - 1.0) * (-zk).exp();
                    w[l] = p;
                    dw[l] = [p * (k / lam) * (zk - 1.0), p * (1.0 / k + ln_z - zk * ln_z)];
                }
                let (mut imin, mut imax) = (0, 0);
                for l in 0..n {
                    if w[l] < w[imin] {
                        imin = l;
                    }
                    if w[l] > w[imax] {
                        imax = l;
                    }
                }
                let (pm, pmax) = (w[imin], w[imax]);
                let (dm, dmax) = (dw[imin], dw[imax]);
                let range = pmax - pm;
                for l in 0..n {
                    let num = w[l] - pm;
                    for j in 0..2 {
                        let dnum = dw[l][j] - dm[j];
                        let drange = dmax[j] - dm[j];
                        dw[l][j] = (dnum * range - num * drange) / (range * range);
                    }
                    w[l] = num / range;
                }
            }
            Adstock::WeibullCdf { .. } => {
                let (lam, k) = (p0, p1);
                // ln c_l = −Σ_{i=1..l} (i/λ)^k, c_0 = 1.
                let (mut log_c, mut d_lam, mut d_k) = (0.0f64, 0.0, 0.0);
                for l in 0..n {
                    let c = log_c.exp();
                    w[l] = c;
                    dw[l] = [c * d_lam, c * d_k];
                    let z = (l + 1) as f64 / lam;
                    let zk = z.powf(k);
                    log_c -= zk;
                    d_lam += k / lam * zk;
                    d_k -= zk * z.ln();
                }
            }
        }
        if self.normalize() {
            let s: f64 = w[..n].iter().sum();
            let mut ds = [0.0; MAX_ADSTOCK_PARAMS];
            for d in &dw[..n] {
                ds[0] += d[0];
                ds[1] += d[1];
            }
            for l in 0..n {
                w[l] /= s;
                for j in 0..MAX_ADSTOCK_PARAMS {
                    dw[l][j] = (dw[l][j] - w[l] * ds[j]) / s;
                }
            }
        }
    }
}

/// `out_t = Σ_l w_l x_{t−l}` (causal, zero-padded at the start).
pub fn convolve(x: &[f64], w: &[f64], out: &mut [f64]) {
    let n = x.len().min(out.len());
    out[..n].fill(0.0);
    // One axpy per lag (vectorisable, no bounds checks in the inner loop).
    for (l, &wl) in w.iter().enumerate().take(n) {
        for (o, xv) in out[l..n].iter_mut().zip(&x[..n - l]) {
            *o += wl * xv;
        }
    }
}

/// `Σ_t a_{t+l} b_t` for `l = 0 … out.len()−1` (the adjoint of [`convolve`]).
pub fn correlate(a: &[f64], b: &[f64], out: &mut [f64]) {
    let n = a.len().min(b.len());
    for (l, o) in out.iter_mut().enumerate() {
        *o = if l < n {
            dot(&a[l..n], &b[..n - l])
        } else {
            0.0
        };
    }
}

/// `Σ a_i b_i` with four independent accumulators (breaks the add-latency chain).
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a4, b4) = (a[..n].chunks_exact(4), b[..n].chunks_exact(4));
    let (ra, rb) = (a4.remainder(), b4.remainder());
    let mut acc = [0.0; 4];
    for (x, y) in a4.zip(b4) {
        for k in 0..4 {
            acc[k] += x[k] * y[k];
        }
    }
    let tail: f64 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// A saturation curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Saturation {
    /// `β (1 − e^{−λx})/(1 + e^{−λx})` (PyMC-Marketing `LogisticSaturation`: `lam`, `beta`).
    #[default]
    Logistic,
    /// `β x^s/(κ^s + x^s)` (`HillSaturation`: `slope`, `kappa`, `beta`).
    Hill,
    /// `α x/(λ + x)` (`MichaelisMentenSaturation`: `alpha`, `lam`).
    MichaelisMenten,
}

/// One saturation evaluation: value, `∂f/∂x`, `∂f/∂θ_j`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SaturationEval {
    /// `f(x)`.
    pub value: f64,
    /// `∂f/∂x`.
    pub d_x: f64,
    /// `∂f/∂θ_j` in [`Saturation::param_names`] order (unused slots are 0).
    pub d_params: [f64; MAX_SATURATION_PARAMS],
}

impl Saturation {
    /// Parameter names without the `saturation_` prefix, in evaluation order.
    pub fn param_names(&self) -> &'static [&'static str] {
        match self {
            Saturation::Logistic => &["lam", "beta"],
            Saturation::Hill => &["slope", "kappa", "beta"],
            Saturation::MichaelisMenten => &["alpha", "lam"],
        }
    }

    /// The support of each parameter (all positive).
    pub fn domains(&self) -> &'static [Domain] {
        match self {
            Saturation::Hill => &[Domain::Positive; 3],
            _ => &[Domain::Positive; 2],
        }
    }

    /// `f(x; θ)` and its derivatives.
    #[inline]
    pub fn eval(&self, x: f64, theta: &[f64]) -> SaturationEval {
        let p = |i: usize| theta.get(i).copied().unwrap_or(f64::NAN);
        match self {
            Saturation::Logistic => {
                let (lam, beta) = (p(0), p(1));
                // th = (1 − e^{−u})/(1 + e^{−u}) = tanh(u/2), u = λx, with one exp (odd in u);
                // d th/du = ½ (1 − th²) = 2e^{−|u|}/(1 + e^{−|u|})².
                let u = lam * x;
                let e = (-u.abs()).exp();
                let th = ((1.0 - e) / (1.0 + e)).copysign(u);
                let sech2 = 4.0 * e / ((1.0 + e) * (1.0 + e));
                SaturationEval {
                    value: beta * th,
                    d_x: 0.5 * beta * lam * sech2,
                    d_params: [0.5 * beta * x * sech2, th, 0.0],
                }
            }
            Saturation::Hill => {
                let (s, kappa, beta) = (p(0), p(1), p(2));
                if x <= 0.0 {
                    return SaturationEval {
                        value: 0.0,
                        d_x: 0.0,
                        d_params: [0.0; 3],
                    };
                }
                // r = 1/(1 + (κ/x)^s).
                let ln_ratio = (x / kappa).ln();
                let r = 1.0 / (1.0 + (-s * ln_ratio).exp());
                let rr = r * (1.0 - r);
                SaturationEval {
                    value: beta * r,
                    d_x: beta * rr * s / x,
                    d_params: [beta * rr * ln_ratio, -beta * rr * s / kappa, r],
                }
            }
            Saturation::MichaelisMenten => {
                let (alpha, lam) = (p(0), p(1));
                let den = lam + x;
                SaturationEval {
                    value: alpha * x / den,
                    d_x: alpha * lam / (den * den),
                    d_params: [x / den, -alpha * x / (den * den), 0.0],
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_adstocks(l: usize) -> Vec<(Adstock, Vec<f64>)> {
        let mut v = Vec::new();
        for normalize in [true, false] {
            v.push((
                Adstock::Geometric {
                    l_max: l,
                    normalize,
                },
                vec![0.37],
            ));
            v.push((
                Adstock::Delayed {
                    l_max: l,
                    normalize,
                },
                vec![0.6, 1.7],
            ));
            v.push((
                Adstock::WeibullPdf {
                    l_max: l,
                    normalize,
                },
                vec![2.3, 1.6],
            ));
            v.push((
                Adstock::WeibullCdf {
                    l_max: l,
                    normalize,
                },
                vec![3.1, 0.8],
            ));
        }
        v
    }

    #[test]
    fn geometric_kernel_by_hand() {
        // α = 0.5, l_max = 3: (1, 0.5, 0.25)/1.75.
        let a = Adstock::geometric(3);
        let mut w = [0.0; 3];
        let mut dw = [[0.0; 2]; 3];
        a.kernel(&[0.5], &mut w, &mut dw);
        for (got, want) in w.iter().zip([1.0 / 1.75, 0.5 / 1.75, 0.25 / 1.75]) {
            assert!((got - want).abs() < 1e-15);
        }
        // Convolution of a single spend at t = 1: zero before, kernel after.
        let x = [0.0, 2.0, 0.0, 0.0, 0.0];
        let mut out = [0.0; 5];
        convolve(&x, &w, &mut out);
        let want = [0.0, 2.0 / 1.75, 1.0 / 1.75, 0.5 / 1.75, 0.0];
        for (g, e) in out.iter().zip(want) {
            assert!((g - e).abs() < 1e-15, "{out:?}");
        }
        // PyMC-Marketing's example: x = [1, 0, 0], α = 0.5, l_max = 3, normalize=False → (1, .5, .25).
        let mut w = [0.0; 3];
        Adstock::Geometric {
            l_max: 3,
            normalize: false,
        }
        .kernel(&[0.5], &mut w, &mut dw);
        assert_eq!(w, [1.0, 0.5, 0.25]);
    }

    #[test]
    fn weibull_kernels_by_hand() {
        // CDF, λ = 2, k = 1: s_t = e^{−t/2}, kernel = [1, e^{−1/2}, e^{−3/2}] before normalising.
        let mut w = [0.0; 3];
        let mut dw = [[0.0; 2]; 3];
        Adstock::WeibullCdf {
            l_max: 2,
            normalize: false,
        }
        .kernel(&[2.0, 1.0], &mut w, &mut dw);
        let want = [1.0, (-0.5f64).exp(), (-1.5f64).exp()];
        for (g, e) in w.iter().zip(want) {
            assert!((g - e).abs() < 1e-15, "{w:?}");
        }
        // PDF with k = 1, λ = 1: p_t = e^{−t}, decreasing → min-max gives (1, (e⁻²−e⁻³)/(e⁻¹−e⁻³), 0).
        Adstock::WeibullPdf {
            l_max: 3,
            normalize: false,
        }
        .kernel(&[1.0, 1.0], &mut w, &mut dw);
        let e = |t: f64| (-t).exp();
        let want = [1.0, (e(2.0) - e(3.0)) / (e(1.0) - e(3.0)), 0.0];
        for (g, e) in w.iter().zip(want) {
            assert!((g - e).abs() < 1e-14, "{w:?}");
        }
    }

    #[test]
    fn normalised_kernels_sum_to_one() {
        for (a, th) in all_adstocks(9) {
            let n = a.kernel_len();
            let mut w = vec![0.0; n];
            let mut dw = vec![[0.0; 2]; n];
            a.kernel(&th, &mut w, &mut dw);
            if a.normalize() {
                assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-14, "{a:?}");
                for j in 0..th.len() {
                    let s: f64 = dw.iter().map(|d| d[j]).sum();
                    assert!(s.abs() < 1e-13, "{a:?} {j}: {s}");
                }
            }
        }
    }

    #[test]
    fn kernel_derivatives_match_finite_differences() {
        for (a, th) in all_adstocks(7) {
            let n = a.kernel_len();
            let mut w = vec![0.0; n];
            let mut dw = vec![[0.0; 2]; n];
            a.kernel(&th, &mut w, &mut dw);
            for j in 0..th.len() {
                let h = 1e-6;
                let (mut tp, mut tm) = (th.clone(), th.clone());
                tp[j] += h;
                tm[j] -= h;
                let (mut wp, mut wm) = (vec![0.0; n], vec![0.0; n]);
                let mut scratch = vec![[0.0; 2]; n];
                a.kernel(&tp, &mut wp, &mut scratch);
                a.kernel(&tm, &mut wm, &mut scratch);
                for l in 0..n {
                    let fd = (wp[l] - wm[l]) / (2.0 * h);
                    assert!(
                        (fd - dw[l][j]).abs() < 1e-7 * (1.0 + fd.abs()),
                        "{a:?} l={l} j={j}: fd {fd} vs {}",
                        dw[l][j]
                    );
                }
            }
        }
    }

    #[test]
    fn saturation_by_hand_and_finite_differences() {
        // Logistic at λ = 2, x = 0.5, β = 3: 3(1−e⁻¹)/(1+e⁻¹).
        let v = Saturation::Logistic.eval(0.5, &[2.0, 3.0]).value;
        let e = (-1.0f64).exp();
        assert!((v - 3.0 * (1.0 - e) / (1.0 + e)).abs() < 1e-15);
        // Hill at x = κ is β/2 for every slope; Michaelis–Menten at x = λ is α/2.
        assert!((Saturation::Hill.eval(1.3, &[0.7, 1.3, 2.0]).value - 1.0).abs() < 1e-15);
        assert!((Saturation::MichaelisMenten.eval(4.0, &[6.0, 4.0]).value - 3.0).abs() < 1e-15);
        let cases: [(Saturation, Vec<f64>); 3] = [
            (Saturation::Logistic, vec![2.7, 0.4]),
            (Saturation::Hill, vec![1.8, 0.6, 1.2]),
            (Saturation::MichaelisMenten, vec![1.5, 0.9]),
        ];
        let h = 1e-6;
        for (s, th) in cases {
            for x in [0.05, 0.4, 1.3] {
                let e = s.eval(x, &th);
                let fd = (s.eval(x + h, &th).value - s.eval(x - h, &th).value) / (2.0 * h);
                assert!((fd - e.d_x).abs() < 1e-8, "{s:?} x");
                for j in 0..th.len() {
                    let (mut tp, mut tm) = (th.clone(), th.clone());
                    tp[j] += h;
                    tm[j] -= h;
                    let fd = (s.eval(x, &tp).value - s.eval(x, &tm).value) / (2.0 * h);
                    assert!((fd - e.d_params[j]).abs() < 1e-8, "{s:?} {j}");
                }
            }
            assert_eq!(s.eval(0.0, &th).value, 0.0);
        }
    }
}
