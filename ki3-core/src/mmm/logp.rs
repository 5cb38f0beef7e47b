//! The log posterior of the MMM and its analytic gradient on the unconstrained space.
//!
//! Parameters are stored group by group ([`Layout`]); each element `x_i = g_i(u_i)` with the
//! log / logit transform of its prior's support ([`crate::numerics::transform`]), so the density
//! on `u` is `ln p(y | x) + Σ_i ln π_i(x_i) + Σ_i ln |g_i′(u_i)|`.
//!
//! **Gradient.** With `μ_t` the mean and `g_t = ∂ ln p(y|·)/∂μ_t` (`r_t/σ²` for the Normal):
//! `∂/∂intercept = Σ_t g_t`, `∂/∂γ_k = Σ_t g_t z_{tk}`. For a channel with adstock first
//! (`a = w ∗ x`, contribution `f(a_t)`): `∂/∂θ^{sat}_j = Σ_t g_t ∂f/∂θ_j(a_t)` and
//! `∂/∂θ^{ads}_j = Σ_l ∂w_l/∂θ_j · Σ_t h_t x_{t−l}` with `h_t = g_t f′(a_t)`. With saturation
//! first (`s_t = f(x_t)`, contribution `(w ∗ s)_t`): `∂/∂θ^{ads}_j = Σ_l ∂w_l/∂θ_j Σ_t g_t s_{t−l}`
//! and `∂/∂θ^{sat}_j = Σ_τ ∂f/∂θ_j(x_τ) G_τ` with `G_τ = Σ_l w_l g_{τ+l}`. One pass forward,
//! one backward, no allocation (the scratch lives in [`LogPosterior`]).

use std::sync::Arc;

use super::data::Design;
use super::params::{Likelihood, MmmParams};
use super::prior::Prior;
use super::transforms::{
    Adstock, MAX_ADSTOCK_PARAMS, MAX_SATURATION_PARAMS, Saturation, convolve, correlate, dot,
};
use crate::error::{Ki3Error, Result};
use crate::numerics::density;
use crate::numerics::transform::Transform;

/// `½ ln(2π)`.
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// One parameter group: name, position and length in the parameter vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// PyMC-Marketing's variable name.
    pub name: String,
    /// Index of its first element.
    pub offset: usize,
    /// Number of elements (channels, controls, Fourier modes, or 1).
    pub len: usize,
    /// Whether it has one element per channel.
    pub per_channel: bool,
    /// Whether it is a scalar (shape `(chain, draw)` rather than `(chain, draw, len)`).
    pub scalar: bool,
}

/// Where every parameter lives, with its prior and transform.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Groups in vector order.
    pub groups: Vec<Group>,
    /// Prior of each element.
    pub priors: Vec<Prior>,
    /// Transform of each element.
    pub transforms: Vec<Transform>,
    /// Element names (`adstock_alpha[x1]`), for messages.
    pub element_names: Vec<String>,
    pub(crate) intercept: usize,
    pub(crate) adstock: [usize; MAX_ADSTOCK_PARAMS],
    pub(crate) n_adstock: usize,
    pub(crate) saturation: [usize; MAX_SATURATION_PARAMS],
    pub(crate) n_saturation: usize,
    pub(crate) linear: usize,
    pub(crate) n_linear: usize,
    pub(crate) sigma: usize,
    pub(crate) nu: Option<usize>,
}

impl Layout {
    /// The layout for `params` with these channel, control and Fourier names.
    pub fn new(
        params: &MmmParams,
        channel_names: &[String],
        control_names: &[String],
    ) -> Result<Layout> {
        let fourier = super::data::fourier_names(params.yearly_seasonality);
        let mut groups = Vec::new();
        let mut priors = Vec::new();
        let mut element_names = Vec::new();
        for (name, _, per_channel) in params.groups() {
            let labels: Vec<String> = if per_channel {
                channel_names.to_vec()
            } else {
                match name.as_str() {
                    "gamma_control" => control_names.to_vec(),
                    "gamma_fourier" => fourier.clone(),
                    _ => vec![String::new()],
                }
            };
            let scalar =
                !per_channel && !matches!(name.as_str(), "gamma_control" | "gamma_fourier");
            let set = params
                .prior_of(&name)
                .ok_or_else(|| Ki3Error::param(format!("priors.{name}"), "no prior"))?;
            for (i, label) in labels.iter().enumerate() {
                let p = set.get(i).ok_or_else(|| {
                    Ki3Error::param(
                        format!("priors.{name}"),
                        format!("has fewer priors than the {} elements", labels.len()),
                    )
                })?;
                priors.push(*p);
                element_names.push(if scalar {
                    name.clone()
                } else {
                    format!("{name}[{label}]")
                });
            }
            if let super::prior::PriorSet::Each(v) = &set
                && v.len() != labels.len()
            {
                return Err(Ki3Error::param(
                    format!("priors.{name}"),
                    format!("has {} priors for {} elements", v.len(), labels.len()),
                ));
            }
            let offset = groups.iter().map(|g: &Group| g.len).sum();
            groups.push(Group {
                name,
                offset,
                len: labels.len(),
                per_channel,
                scalar,
            });
        }
        let find = |n: &str| groups.iter().find(|g| g.name == n).map(|g| g.offset);
        let mut adstock = [0; MAX_ADSTOCK_PARAMS];
        for (j, n) in params.adstock.param_names().iter().enumerate() {
            adstock[j] = find(&format!("adstock_{n}")).unwrap_or(0);
        }
        let mut saturation = [0; MAX_SATURATION_PARAMS];
        for (j, n) in params.saturation.param_names().iter().enumerate() {
            saturation[j] = find(&format!("saturation_{n}")).unwrap_or(0);
        }
        // The linear block (controls, Fourier, trend) is contiguous in the vector.
        let linear = find("gamma_control").unwrap_or(0);
        let n_linear = control_names.len() + fourier.len() + usize::from(params.trend);
        Ok(Layout {
            transforms: priors.iter().map(Prior::transform).collect(),
            priors,
            element_names,
            intercept: find("intercept").unwrap_or(0),
            adstock,
            n_adstock: params.adstock.param_names().len(),
            saturation,
            n_saturation: params.saturation.param_names().len(),
            linear,
            n_linear,
            sigma: find("y_sigma").unwrap_or(0),
            nu: find("y_nu"),
            groups,
        })
    }

    /// Length of the parameter vector.
    pub fn dim(&self) -> usize {
        self.priors.len()
    }

    /// The group named `name`.
    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.name == name)
    }
}

/// Everything fixed during sampling: the design, the model structure and the layout.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The scaled data.
    pub design: Design,
    /// The parameter layout.
    pub layout: Layout,
    /// Adstock kernel.
    pub adstock: Adstock,
    /// Saturation curve.
    pub saturation: Saturation,
    /// Adstock before saturation.
    pub adstock_first: bool,
    /// Observation model.
    pub likelihood: Likelihood,
}

/// The log posterior with its scratch space (one per chain / thread).
#[derive(Debug, Clone)]
pub struct LogPosterior {
    problem: Arc<Problem>,
    x: Vec<f64>,
    dx_du: Vec<f64>,
    dlj: Vec<f64>,
    gx: Vec<f64>,
    mu: Vec<f64>,
    g: Vec<f64>,
    w: Vec<f64>,
    dw: Vec<[f64; MAX_ADSTOCK_PARAMS]>,
    /// Per channel: adstocked (or raw) input, then after the pass `f′` or the saturated values.
    a: Vec<f64>,
    df_dx: Vec<f64>,
    df_dp: Vec<[f64; MAX_SATURATION_PARAMS]>,
    s: Vec<f64>,
    cl: Vec<f64>,
}

impl LogPosterior {
    /// A log posterior for `problem`.
    pub fn new(problem: Arc<Problem>) -> Self {
        let n = problem.design.n;
        let c = problem.design.n_channels;
        let dim = problem.layout.dim();
        let l = problem.adstock.kernel_len();
        LogPosterior {
            x: vec![0.0; dim],
            dx_du: vec![0.0; dim],
            dlj: vec![0.0; dim],
            gx: vec![0.0; dim],
            mu: vec![0.0; n],
            g: vec![0.0; n],
            w: vec![0.0; l * c],
            dw: vec![[0.0; MAX_ADSTOCK_PARAMS]; l * c],
            a: vec![0.0; n * c],
            df_dx: vec![0.0; n * c],
            df_dp: vec![[0.0; MAX_SATURATION_PARAMS]; n * c],
            s: vec![0.0; n * c],
            cl: vec![0.0; l],
            problem,
        }
    }

    /// The problem.
    pub fn problem(&self) -> &Arc<Problem> {
        &self.problem
    }

    /// Dimension of the unconstrained vector.
    pub fn dim(&self) -> usize {
        self.problem.layout.dim()
    }

    /// Writes `μ_t` (scaled) and the per-channel contributions (`contrib[c * n + t]`, scaled)
    /// at constrained parameters `x`.
    pub fn mean_at(&self, x: &[f64], mu: &mut [f64], contrib: &mut [f64]) {
        let p = &*self.problem;
        let d = &p.design;
        let (n, l) = (d.n, p.adstock.kernel_len());
        mean_and_channels(
            p,
            x,
            mu,
            contrib,
            &mut vec![0.0; l],
            &mut vec![[0.0; 2]; l],
            n,
        );
    }

    /// `ln p(u | y)` (up to a constant when `jacobian` is false: then the density of the
    /// constrained parameters, whose maximum is the MAP) and its gradient `∂/∂u` written to
    /// `grad`. Non-finite values (a parameter at the edge of its support) return `−∞`.
    pub fn logp(&mut self, u: &[f64], grad: &mut [f64], jacobian: bool) -> Result<f64> {
        let p = Arc::clone(&self.problem);
        let lay = &p.layout;
        let d = &p.design;
        let (n, nc) = (d.n, d.n_channels);
        let lk = p.adstock.kernel_len();
        for (arg, len) in [("u", u.len()), ("grad", grad.len())] {
            if len != lay.dim() {
                return Err(Ki3Error::LengthMismatch {
                    arg: arg.into(),
                    got: len,
                    expected_arg: "parameters".into(),
                    expected: lay.dim(),
                });
            }
        }
        let mut lp = 0.0;
        for (i, (t, prior)) in lay.transforms.iter().zip(&lay.priors).enumerate() {
            let e = t.eval(u[i]);
            self.x[i] = e.x;
            self.dx_du[i] = e.dx_dy;
            self.dlj[i] = if jacobian { e.d_log_jacobian } else { 0.0 };
            if jacobian {
                lp += e.log_jacobian;
            }
            let (v, dv) = prior.log_density(e.x)?;
            lp += v;
            self.gx[i] = dv;
        }
        let x = &self.x;
        // Forward pass: μ and the per-channel pieces the backward pass needs.
        let b0 = x[lay.intercept];
        self.mu.fill(b0);
        for k in 0..lay.n_linear {
            let gk = x[lay.linear + k];
            for (m, z) in self.mu.iter_mut().zip(&d.z[k * n..(k + 1) * n]) {
                *m += gk * z;
            }
        }
        let mut theta_a = [0.0; MAX_ADSTOCK_PARAMS];
        let mut theta_s = [0.0; MAX_SATURATION_PARAMS];
        for c in 0..nc {
            for j in 0..lay.n_adstock {
                theta_a[j] = x[lay.adstock[j] + c];
            }
            for j in 0..lay.n_saturation {
                theta_s[j] = x[lay.saturation[j] + c];
            }
            let w = &mut self.w[c * lk..(c + 1) * lk];
            let dw = &mut self.dw[c * lk..(c + 1) * lk];
            p.adstock.kernel(&theta_a[..lay.n_adstock], w, dw);
            let xc = &d.x[c * n..(c + 1) * n];
            let a = &mut self.a[c * n..(c + 1) * n];
            let dfx = &mut self.df_dx[c * n..(c + 1) * n];
            let dfp = &mut self.df_dp[c * n..(c + 1) * n];
            let s = &mut self.s[c * n..(c + 1) * n];
            if p.adstock_first {
                convolve(xc, w, a);
                for t in 0..n {
                    let e = p.saturation.eval(a[t], &theta_s[..lay.n_saturation]);
                    self.mu[t] += e.value;
                    dfx[t] = e.d_x;
                    dfp[t] = e.d_params;
                }
            } else {
                for t in 0..n {
                    let e = p.saturation.eval(xc[t], &theta_s[..lay.n_saturation]);
                    s[t] = e.value;
                    dfp[t] = e.d_params;
                }
                convolve(s, w, a);
                for (m, v) in self.mu.iter_mut().zip(a.iter()) {
                    *m += v;
                }
            }
        }
        // Likelihood and g_t = ∂ ln p(y|μ)/∂μ_t.
        let sigma = x[lay.sigma];
        match p.likelihood {
            Likelihood::Normal => {
                let inv = 1.0 / (sigma * sigma);
                let mut ss = 0.0;
                for t in 0..n {
                    let r = d.y[t] - self.mu[t];
                    ss += r * r;
                    self.g[t] = r * inv;
                }
                lp += -(n as f64) * (LN_SQRT_2PI + sigma.ln()) - 0.5 * ss * inv;
                self.gx[lay.sigma] += (ss * inv - n as f64) / sigma;
            }
            Likelihood::StudentT => {
                let nu_i = lay.nu.unwrap_or(0);
                let nu = x[nu_i];
                let (mut dnu, mut dsig) = (0.0, 0.0);
                for t in 0..n {
                    let e = density::student_t(d.y[t], nu, self.mu[t], sigma)?;
                    lp += e.value;
                    self.g[t] = e.d_params[1];
                    dnu += e.d_params[0];
                    dsig += e.d_params[2];
                }
                self.gx[nu_i] += dnu;
                self.gx[lay.sigma] += dsig;
            }
        }
        // Backward pass.
        self.gx[lay.intercept] += self.g.iter().sum::<f64>();
        for k in 0..lay.n_linear {
            let z = &d.z[k * n..(k + 1) * n];
            self.gx[lay.linear + k] += dot(z, &self.g);
        }
        for c in 0..nc {
            let w = &self.w[c * lk..(c + 1) * lk];
            let dw = &self.dw[c * lk..(c + 1) * lk];
            let xc = &d.x[c * n..(c + 1) * n];
            let dfx = &self.df_dx[c * n..(c + 1) * n];
            let dfp = &self.df_dp[c * n..(c + 1) * n];
            let mut gs = [0.0; MAX_SATURATION_PARAMS];
            let mut ga = [0.0; MAX_ADSTOCK_PARAMS];
            if p.adstock_first {
                for (g, d) in self.g.iter().zip(dfp) {
                    for (acc, dj) in gs.iter_mut().zip(d) {
                        *acc += g * dj;
                    }
                }
                // c_l = Σ_t h_t x_{t−l}, h_t = g_t f′(a_t) (h stored in `s`).
                let h = &mut self.s[c * n..(c + 1) * n];
                for ((h, g), f) in h.iter_mut().zip(&self.g).zip(dfx) {
                    *h = g * f;
                }
                correlate(h, xc, &mut self.cl[..lk]);
            } else {
                // c_l = Σ_t g_t s_{t−l}; G_τ = Σ_l w_l g_{τ+l}.
                let s = &self.s[c * n..(c + 1) * n];
                correlate(&self.g, s, &mut self.cl[..lk]);
                let big_g = &mut self.a[c * n..(c + 1) * n];
                big_g.fill(0.0);
                for (l, &wl) in w.iter().enumerate().take(n) {
                    for (bg, g) in big_g[..n - l].iter_mut().zip(&self.g[l..]) {
                        *bg += wl * g;
                    }
                }
                for (d, bg) in dfp.iter().zip(big_g.iter()) {
                    for j in 0..MAX_SATURATION_PARAMS {
                        gs[j] += d[j] * bg;
                    }
                }
            }
            for (d, cl) in dw.iter().zip(&self.cl[..lk]) {
                for j in 0..MAX_ADSTOCK_PARAMS {
                    ga[j] += d[j] * cl;
                }
            }
            for (off, g) in lay.adstock[..lay.n_adstock].iter().zip(ga) {
                self.gx[off + c] += g;
            }
            for (off, g) in lay.saturation[..lay.n_saturation].iter().zip(gs) {
                self.gx[off + c] += g;
            }
        }
        for (((out, gx), dx), dlj) in grad
            .iter_mut()
            .zip(&self.gx)
            .zip(&self.dx_du)
            .zip(&self.dlj)
        {
            *out = gx * dx + dlj;
        }
        if !lp.is_finite() || grad.iter().any(|g| !g.is_finite()) {
            return Ok(f64::NEG_INFINITY);
        }
        Ok(lp)
    }

    /// Names the first term that is not finite at `u` (a prior, or the likelihood), for the
    /// "sampling cannot start" error.
    pub fn explain_non_finite(&mut self, u: &[f64]) -> String {
        let lay = self.problem.layout.clone();
        for (i, ((t, prior), ui)) in lay.transforms.iter().zip(&lay.priors).zip(u).enumerate() {
            let x = t.constrain(*ui);
            let ok = prior
                .log_density(x)
                .map(|(v, d)| v.is_finite() && d.is_finite())
                .unwrap_or(false);
            if !ok {
                return format!(
                    "parameter {} = {x} has non-finite log-density under its prior {:?}",
                    lay.element_names[i], lay.priors[i]
                );
            }
        }
        "the likelihood is not finite (check the target's and the spend's scale)".into()
    }
}

/// μ (scaled) and the per-channel contributions at constrained parameters `x`.
fn mean_and_channels(
    p: &Problem,
    x: &[f64],
    mu: &mut [f64],
    contrib: &mut [f64],
    w: &mut [f64],
    dw: &mut [[f64; MAX_ADSTOCK_PARAMS]],
    n: usize,
) {
    let lay = &p.layout;
    let d = &p.design;
    mu.fill(x[lay.intercept]);
    for k in 0..lay.n_linear {
        let gk = x[lay.linear + k];
        for (m, z) in mu.iter_mut().zip(&d.z[k * n..(k + 1) * n]) {
            *m += gk * z;
        }
    }
    for c in 0..d.n_channels {
        let (ta, ts) = channel_params(lay, x, c);
        channel_response(
            p.adstock,
            p.saturation,
            p.adstock_first,
            &ta[..lay.n_adstock],
            &ts[..lay.n_saturation],
            &d.x[c * n..(c + 1) * n],
            &mut contrib[c * n..(c + 1) * n],
            w,
            dw,
        );
        for (m, v) in mu.iter_mut().zip(&contrib[c * n..(c + 1) * n]) {
            *m += v;
        }
    }
}

/// The adstock and saturation parameters of channel `c` in the constrained vector `x`.
pub(crate) fn channel_params(
    lay: &Layout,
    x: &[f64],
    c: usize,
) -> ([f64; MAX_ADSTOCK_PARAMS], [f64; MAX_SATURATION_PARAMS]) {
    let mut ta = [0.0; MAX_ADSTOCK_PARAMS];
    let mut ts = [0.0; MAX_SATURATION_PARAMS];
    for j in 0..lay.n_adstock {
        ta[j] = x[lay.adstock[j] + c];
    }
    for j in 0..lay.n_saturation {
        ts[j] = x[lay.saturation[j] + c];
    }
    (ta, ts)
}

/// The contribution (scaled units) of one channel's scaled input `xc`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn channel_response(
    adstock: Adstock,
    saturation: Saturation,
    adstock_first: bool,
    ta: &[f64],
    ts: &[f64],
    xc: &[f64],
    out: &mut [f64],
    w: &mut [f64],
    dw: &mut [[f64; MAX_ADSTOCK_PARAMS]],
) {
    adstock.kernel(ta, w, dw);
    if adstock_first {
        convolve(xc, w, out);
        for o in out.iter_mut() {
            *o = saturation.eval(*o, ts).value;
        }
    } else {
        let s: Vec<f64> = xc.iter().map(|&v| saturation.eval(v, ts).value).collect();
        convolve(&s, w, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mmm::data::{Design, MmmData};
    use crate::mmm::params::Likelihood;
    use crate::mmm::transforms::{Adstock, Saturation};
    use crate::numerics::rng::stream;
    use ndarray::{Array1, Array2};
    use rand::RngExt;

    /// A small synthetic problem.
    pub(crate) fn toy(params: &MmmParams, n: usize) -> Arc<Problem> {
        let mut rng = stream(11, 0);
        let dates: Array1<i64> = (0..n as i64).map(|i| 17_600 + 7 * i).collect();
        let ch = Array2::from_shape_fn((n, 2), |_| rng.random::<f64>() * 3.0);
        let ctrl = Array2::from_shape_fn((n, 2), |(t, k)| {
            if k == 0 {
                t as f64 / n as f64
            } else {
                f64::from(t % 9 == 0)
            }
        });
        let y: Array1<f64> = (0..n)
            .map(|t| 5.0 + (t as f64 * 0.3).sin() + rng.random::<f64>())
            .collect();
        let names = vec!["a".to_string(), "b".to_string()];
        let cn = vec!["c1".to_string(), "c2".to_string()];
        let data = MmmData {
            dates: dates.view(),
            channels: ch.view(),
            channel_names: &names,
            controls: ctrl.view(),
            control_names: &cn,
            target: y.view(),
        };
        data.check(params).unwrap();
        let design = Design::new(
            params,
            &data,
            &[3.0, 3.0],
            7.0,
            (dates[0], 7.0 * (n - 1) as f64),
        );
        Arc::new(Problem {
            design,
            layout: Layout::new(params, &names, &cn).unwrap(),
            adstock: params.adstock,
            saturation: params.saturation,
            adstock_first: params.adstock_first,
            likelihood: params.likelihood,
        })
    }

    #[test]
    fn gradient_matches_finite_differences_for_every_structure() {
        let adstocks = [
            Adstock::geometric(5),
            Adstock::Delayed {
                l_max: 6,
                normalize: true,
            },
            Adstock::WeibullPdf {
                l_max: 6,
                normalize: true,
            },
            Adstock::WeibullCdf {
                l_max: 4,
                normalize: false,
            },
        ];
        let sats = [
            Saturation::Logistic,
            Saturation::Hill,
            Saturation::MichaelisMenten,
        ];
        let mut rng = stream(5, 1);
        for a in adstocks {
            for s in sats {
                for first in [true, false] {
                    for lik in [Likelihood::Normal, Likelihood::StudentT] {
                        let params = MmmParams::default()
                            .adstock(a)
                            .saturation(s)
                            .adstock_first(first)
                            .likelihood(lik)
                            .trend(true);
                        let prob = toy(&params, 40);
                        let mut lp = LogPosterior::new(prob);
                        let dim = lp.dim();
                        for _ in 0..3 {
                            let u: Vec<f64> =
                                (0..dim).map(|_| rng.random::<f64>() * 2.0 - 1.0).collect();
                            let mut g = vec![0.0; dim];
                            let f0 = lp.logp(&u, &mut g, true).unwrap();
                            assert!(f0.is_finite());
                            let mut scratch = vec![0.0; dim];
                            for i in 0..dim {
                                let h = 1e-5;
                                let (mut up, mut um) = (u.clone(), u.clone());
                                up[i] += h;
                                um[i] -= h;
                                let fp = lp.logp(&up, &mut scratch, true).unwrap();
                                let fm = lp.logp(&um, &mut scratch, true).unwrap();
                                let fd = (fp - fm) / (2.0 * h);
                                assert!(
                                    (fd - g[i]).abs() < 1e-5 * (1.0 + fd.abs()),
                                    "{a:?} {s:?} first={first} {lik:?} {}: fd {fd} vs {}",
                                    lp.problem.layout.element_names[i],
                                    g[i]
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn logp_matches_a_direct_evaluation() {
        // Direct formula with the transforms applied by hand: Normal likelihood around the mean
        // from `mean_at`, priors and log-Jacobians from the numerics modules.
        let params = MmmParams::default();
        let prob = toy(&params, 30);
        let mut lp = LogPosterior::new(prob.clone());
        let dim = lp.dim();
        let u: Vec<f64> = (0..dim).map(|i| 0.1 * i as f64 - 0.4).collect();
        let mut g = vec![0.0; dim];
        let got = lp.logp(&u, &mut g, true).unwrap();
        let x: Vec<f64> = u
            .iter()
            .zip(&prob.layout.transforms)
            .map(|(u, t)| t.constrain(*u))
            .collect();
        let n = prob.design.n;
        let mut mu = vec![0.0; n];
        let mut contrib = vec![0.0; 2 * n];
        lp.mean_at(&x, &mut mu, &mut contrib);
        let sigma = x[prob.layout.sigma];
        let mut want = 0.0;
        for (y, m) in prob.design.y.iter().zip(&mu) {
            want += density::normal(*y, *m, sigma).unwrap().value;
        }
        for i in 0..dim {
            want += prob.layout.priors[i].log_density(x[i]).unwrap().0;
            want += prob.layout.transforms[i].log_jacobian(u[i]);
        }
        assert!((got - want).abs() < 1e-10 * want.abs(), "{got} vs {want}");
    }
}
