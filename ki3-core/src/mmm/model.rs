//! The fitted [`Mmm`]: posterior draws named as PyMC-Marketing names them, sampler statistics,
//! and the outputs in original units (channel contributions, ROAS, posterior predictive,
//! prediction for new spend, response curves). Saved through [`Persist`] (kind `"Mmm"`).

use std::sync::Arc;

use ndarray::{Array1, Array2, Array3, Array4, ArrayD, ArrayView1, ArrayView2, IxDyn};
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use super::data::{Design, MmmData, check_dates, check_spend, linear_row, max_abs_scale};
use super::logp::{Layout, LogPosterior, Problem, channel_params, channel_response};
use super::params::{Likelihood, MmmParams};
use super::sampler::{ChainDraws, map_estimate, run_nuts};
use super::transforms::MAX_ADSTOCK_PARAMS;
use crate::error::{Ki3Error, Result};
use crate::model::{Fit, Params};
use crate::numerics::rng::stream;
use crate::persist::{self, Persist};
use crate::progress::Progress;

/// New periods to predict: dates after the training data, spend per channel (same columns as
/// in training) and controls.
#[derive(Debug, Clone, Copy)]
pub struct MmmNewData<'a> {
    /// Day numbers, strictly increasing and after the last training date.
    pub dates: ArrayView1<'a, i64>,
    /// Spend, periods × channels.
    pub channels: ArrayView2<'a, f64>,
    /// Controls, periods × controls.
    pub controls: ArrayView2<'a, f64>,
}

/// The saved state of a fitted MMM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct State {
    params: MmmParams,
    channel_names: Vec<String>,
    control_names: Vec<String>,
    dates: Vec<i64>,
    /// Raw spend, periods × channels, row-major.
    channels: Vec<f64>,
    /// Raw controls, periods × controls, row-major.
    controls: Vec<f64>,
    target: Vec<f64>,
    channel_scale: Vec<f64>,
    target_scale: f64,
    /// MAP estimate (constrained).
    map: Vec<f64>,
    /// Chains and kept draws per chain of `samples` (0 chains for a MAP-only fit).
    chains: usize,
    draws: usize,
    /// Constrained draws, chains × draws × dim.
    samples: Vec<f64>,
    diverging: Vec<bool>,
    tree_depth: Vec<u64>,
    energy: Vec<f64>,
    step_size: Vec<f64>,
    n_steps: Vec<u64>,
}

/// A fitted Bayesian MMM.
#[derive(Debug, Clone)]
pub struct Mmm {
    state: State,
    problem: Arc<Problem>,
}

impl PartialEq for Mmm {
    fn eq(&self, other: &Self) -> bool {
        self.state == other.state
    }
}

fn trend_origin(dates: &[i64]) -> (i64, f64) {
    let first = dates.first().copied().unwrap_or(0);
    let last = dates.last().copied().unwrap_or(first);
    (first, ((last - first) as f64).max(1.0))
}

fn build_problem(s: &State) -> Result<Arc<Problem>> {
    let n = s.target.len();
    let nc = s.channel_names.len();
    let nk = s.control_names.len();
    let shape = |arg: &str, v: &[f64], cols: usize| {
        Array2::from_shape_vec((n, cols), v.to_vec())
            .map_err(|e| Ki3Error::corrupt(format!("{arg}: {e}")))
    };
    let ch = shape("channels", &s.channels, nc)?;
    let ctrl = shape("controls", &s.controls, nk)?;
    let dates = Array1::from(s.dates.clone());
    let target = Array1::from(s.target.clone());
    let data = MmmData {
        dates: dates.view(),
        channels: ch.view(),
        channel_names: &s.channel_names,
        controls: ctrl.view(),
        control_names: &s.control_names,
        target: target.view(),
    };
    data.check(&s.params)?;
    let design = Design::new(
        &s.params,
        &data,
        &s.channel_scale,
        s.target_scale,
        trend_origin(&s.dates),
    );
    Ok(Arc::new(Problem {
        design,
        layout: Layout::new(&s.params, &s.channel_names, &s.control_names)?,
        adstock: s.params.adstock,
        saturation: s.params.saturation,
        adstock_first: s.params.adstock_first,
        likelihood: s.params.likelihood,
    }))
}

impl MmmParams {
    fn prepare(&self, data: &MmmData<'_>) -> Result<State> {
        self.check()?;
        data.check(self)?;
        let nc = data.channels.ncols();
        Ok(State {
            params: self.clone(),
            channel_names: data.channel_names.to_vec(),
            control_names: data.control_names.to_vec(),
            dates: data.dates.to_vec(),
            channels: data.channels.iter().copied().collect(),
            controls: data.controls.iter().copied().collect(),
            target: data.target.to_vec(),
            channel_scale: (0..nc)
                .map(|c| max_abs_scale(data.channels.column(c).iter().copied()))
                .collect(),
            target_scale: max_abs_scale(data.target.iter().copied()),
            map: Vec::new(),
            chains: 0,
            draws: 0,
            samples: Vec::new(),
            diverging: Vec::new(),
            tree_depth: Vec::new(),
            energy: Vec::new(),
            step_size: Vec::new(),
            n_steps: Vec::new(),
        })
    }

    /// The MAP fit only (L-BFGS, no sampling): a quick look. Outputs of the returned model
    /// treat the MAP as a single draw (1 chain × 1 draw).
    pub fn fit_map(&self, data: &MmmData<'_>) -> Result<Mmm> {
        let mut state = self.prepare(data)?;
        let problem = build_problem(&state)?;
        let u = map_estimate(&problem)?;
        state.map = constrain(&problem, &u);
        Ok(Mmm { state, problem })
    }

    /// Fits by NUTS with progress reporting (one tick per draw across chains, warm-up
    /// included) and cancellation ([`Ki3Error::Cancelled`], nothing partial returned).
    pub fn fit_with_progress(&self, data: &MmmData<'_>, progress: Progress<'_>) -> Result<Mmm> {
        let mut state = self.prepare(data)?;
        let problem = build_problem(&state)?;
        progress.check()?;
        let u = map_estimate(&problem)?;
        state.map = constrain(&problem, &u);
        let chains = run_nuts(&problem, self, Some(&u), progress)?;
        state.chains = chains.len();
        state.draws = self.draws;
        for ChainDraws {
            draws,
            diverging,
            tree_depth,
            energy,
            step_size,
            n_steps,
        } in chains
        {
            state.samples.extend(draws);
            state.diverging.extend(diverging);
            state.tree_depth.extend(tree_depth);
            state.energy.extend(energy);
            state.step_size.extend(step_size);
            state.n_steps.extend(n_steps);
        }
        Ok(Mmm { state, problem })
    }
}

fn constrain(problem: &Problem, u: &[f64]) -> Vec<f64> {
    u.iter()
        .zip(&problem.layout.transforms)
        .map(|(u, t)| t.constrain(*u))
        .collect()
}

impl<'a> Fit<MmmData<'a>> for MmmParams {
    type Model = Mmm;

    /// Fits by NUTS ([`MmmParams::fit_with_progress`] without progress).
    fn fit(&self, data: &MmmData<'a>) -> Result<Mmm> {
        self.fit_with_progress(data, Progress::none())
    }
}

impl Mmm {
    /// The hyper-parameters it was fitted with.
    pub fn params(&self) -> &MmmParams {
        &self.state.params
    }

    /// Channel names.
    pub fn channel_names(&self) -> &[String] {
        &self.state.channel_names
    }

    /// Control names.
    pub fn control_names(&self) -> &[String] {
        &self.state.control_names
    }

    /// Training dates (day numbers).
    pub fn dates(&self) -> &[i64] {
        &self.state.dates
    }

    /// Each channel's scale (`max(max |x_c|, 1)`).
    pub fn channel_scale(&self) -> &[f64] {
        &self.state.channel_scale
    }

    /// The target's scale (`max(max |y|, 1)`).
    pub fn target_scale(&self) -> f64 {
        self.state.target_scale
    }

    /// Whether NUTS draws are present (false for [`MmmParams::fit_map`]).
    pub fn is_sampled(&self) -> bool {
        self.state.chains > 0
    }

    /// `(chains, draws)` of the posterior (`(1, 1)` for a MAP-only fit).
    pub fn shape(&self) -> (usize, usize) {
        if self.is_sampled() {
            (self.state.chains, self.state.draws)
        } else {
            (1, 1)
        }
    }

    fn dim(&self) -> usize {
        self.problem.layout.dim()
    }

    /// Draw `(chain, draw)` as a constrained parameter vector.
    fn draw(&self, chain: usize, draw: usize) -> &[f64] {
        if !self.is_sampled() {
            return &self.state.map;
        }
        let d = self.dim();
        let i = (chain * self.state.draws + draw) * d;
        &self.state.samples[i..i + d]
    }

    /// The posterior's variable names, PyMC-Marketing's (`intercept`, `adstock_alpha`,
    /// `saturation_lam`, `saturation_beta`, `gamma_control`, `gamma_fourier`, `y_sigma`, …).
    pub fn param_names(&self) -> Vec<String> {
        self.problem
            .layout
            .groups
            .iter()
            .map(|g| g.name.clone())
            .collect()
    }

    /// The labels of a vector variable's last axis (channel names, control names, `sin_1` …),
    /// empty for scalars.
    pub fn coords(&self, name: &str) -> Result<Vec<String>> {
        let g = self.group(name)?;
        if g.scalar {
            return Ok(Vec::new());
        }
        Ok(
            self.problem.layout.element_names[g.offset..g.offset + g.len]
                .iter()
                .map(|s| {
                    s.trim_start_matches(&format!("{name}["))
                        .trim_end_matches(']')
                        .to_string()
                })
                .collect(),
        )
    }

    fn group(&self, name: &str) -> Result<&super::logp::Group> {
        self.problem.layout.group(name).ok_or_else(|| {
            Ki3Error::param(
                "name",
                format!(
                    "no variable {name:?}; expected one of {:?}",
                    self.param_names()
                ),
            )
        })
    }

    /// Draws of variable `name`: shape `(chain, draw)` for scalars, `(chain, draw, k)` for
    /// vectors (channels, controls, Fourier modes).
    pub fn posterior(&self, name: &str) -> Result<ArrayD<f64>> {
        let g = self.group(name)?;
        let (nc, nd) = self.shape();
        let shape: Vec<usize> = if g.scalar {
            vec![nc, nd]
        } else {
            vec![nc, nd, g.len]
        };
        let mut v = Vec::with_capacity(nc * nd * g.len);
        for c in 0..nc {
            for d in 0..nd {
                v.extend_from_slice(&self.draw(c, d)[g.offset..g.offset + g.len]);
            }
        }
        ArrayD::from_shape_vec(IxDyn(&shape), v).map_err(|e| Ki3Error::numerical(e.to_string()))
    }

    /// The MAP value of variable `name` (flattened).
    pub fn map_estimate(&self, name: &str) -> Result<Vec<f64>> {
        let g = self.group(name)?;
        Ok(self.state.map[g.offset..g.offset + g.len].to_vec())
    }

    fn stat<T: Clone + Default>(&self, v: &[T]) -> Array2<T> {
        let (nc, nd) = self.shape();
        if !self.is_sampled() {
            return Array2::default((nc, nd));
        }
        Array2::from_shape_vec((nc, nd), v.to_vec()).unwrap_or_else(|_| Array2::default((nc, nd)))
    }

    /// Whether each kept draw's trajectory diverged, `(chain, draw)`.
    pub fn diverging(&self) -> Array2<bool> {
        self.stat(&self.state.diverging)
    }

    /// Number of divergent kept draws.
    pub fn divergences(&self) -> usize {
        self.state.diverging.iter().filter(|d| **d).count()
    }

    /// NUTS tree depth per draw, `(chain, draw)`.
    pub fn tree_depth(&self) -> Array2<u64> {
        self.stat(&self.state.tree_depth)
    }

    /// Hamiltonian energy per draw, `(chain, draw)` (for E-BFMI).
    pub fn energy(&self) -> Array2<f64> {
        self.stat(&self.state.energy)
    }

    /// Step size per draw, `(chain, draw)`.
    pub fn step_size(&self) -> Array2<f64> {
        self.stat(&self.state.step_size)
    }

    /// Leapfrog steps (gradient evaluations) per draw, `(chain, draw)`.
    pub fn n_steps(&self) -> Array2<u64> {
        self.stat(&self.state.n_steps)
    }

    // Diagnostics (rank-normalised split R-hat, bulk/tail ESS, E-BFMI) plug in here once
    // `numerics::diagnostics` lands: `summary()` / `diagnostics()` over `posterior(name)` and
    // `energy()`.

    /// Mean (scaled) and per-channel contributions (scaled) of every draw, via `f`.
    fn for_each_draw(&self, mut f: impl FnMut(usize, usize, &[f64], &[f64])) {
        let p = &self.problem;
        let n = p.design.n;
        let nch = p.design.n_channels;
        let lp = LogPosterior::new(Arc::clone(p));
        let mut mu = vec![0.0; n];
        let mut contrib = vec![0.0; n * nch];
        let (nc, nd) = self.shape();
        for c in 0..nc {
            for d in 0..nd {
                lp.mean_at(self.draw(c, d), &mut mu, &mut contrib);
                f(c, d, &mu, &contrib);
            }
        }
    }

    /// Channel contributions in original units, `(chain, draw, date, channel)`.
    pub fn channel_contributions(&self) -> Array4<f64> {
        let (nc, nd) = self.shape();
        let n = self.problem.design.n;
        let nch = self.problem.design.n_channels;
        let ts = self.state.target_scale;
        let mut out = Array4::zeros((nc, nd, n, nch));
        self.for_each_draw(|c, d, _, contrib| {
            for ch in 0..nch {
                for t in 0..n {
                    out[[c, d, t, ch]] = contrib[ch * n + t] * ts;
                }
            }
        });
        out
    }

    /// The model mean `μ_t` in original units, `(chain, draw, date)`.
    pub fn mu(&self) -> Array3<f64> {
        let (nc, nd) = self.shape();
        let n = self.problem.design.n;
        let ts = self.state.target_scale;
        let mut out = Array3::zeros((nc, nd, n));
        self.for_each_draw(|c, d, mu, _| {
            for t in 0..n {
                out[[c, d, t]] = mu[t] * ts;
            }
        });
        out
    }

    /// The baseline (everything but media: intercept, controls, seasonality, trend) in original
    /// units, `(chain, draw, date)`.
    pub fn baseline(&self) -> Array3<f64> {
        let (nc, nd) = self.shape();
        let n = self.problem.design.n;
        let nch = self.problem.design.n_channels;
        let ts = self.state.target_scale;
        let mut out = Array3::zeros((nc, nd, n));
        self.for_each_draw(|c, d, mu, contrib| {
            for t in 0..n {
                let media: f64 = (0..nch).map(|ch| contrib[ch * n + t]).sum();
                out[[c, d, t]] = (mu[t] - media) * ts;
            }
        });
        out
    }

    /// Posterior predictive mean per date in original units (the mean of `μ_t` over draws,
    /// which is the mean of the posterior predictive for a zero-mean noise).
    pub fn posterior_predictive_mean(&self) -> Array1<f64> {
        let mu = self.mu();
        let (nc, nd) = self.shape();
        mu.sum_axis(ndarray::Axis(0)).sum_axis(ndarray::Axis(0)) / (nc * nd) as f64
    }

    /// Posterior predictive draws in original units, `(chain, draw, date)`: `μ_t` plus noise from
    /// the likelihood, reproducible from `seed` (chain `c` uses stream `(seed, c)`).
    pub fn posterior_predictive(&self, seed: u64) -> Array3<f64> {
        let mut out = self.mu();
        let lay = &self.problem.layout;
        let ts = self.state.target_scale;
        let (nc, nd) = self.shape();
        for c in 0..nc {
            let mut rng = stream(seed, c as u64);
            for d in 0..nd {
                let x = self.draw(c, d);
                let sigma = x[lay.sigma] * ts;
                let nu = lay.nu.map(|i| x[i]);
                for v in out.slice_mut(ndarray::s![c, d, ..]).iter_mut() {
                    let z: f64 = StandardNormal.sample(&mut rng);
                    let e = match (self.state.params.likelihood, nu) {
                        (Likelihood::StudentT, Some(nu)) => {
                            // t = z / sqrt(χ²_ν / ν), χ²_ν = 2 Gamma(ν/2, 1).
                            let g = rand_distr::Gamma::new(nu / 2.0, 2.0)
                                .map(|g| g.sample(&mut rng))
                                .unwrap_or(nu);
                            z / (g / nu).sqrt()
                        }
                        _ => z,
                    };
                    *v += sigma * e;
                }
            }
        }
        out
    }

    /// ROAS per channel, `(chain, draw, channel)`: total contribution (original units) over
    /// total spend in the training period.
    pub fn roas(&self) -> Array3<f64> {
        let contrib = self.channel_contributions();
        let n = self.problem.design.n;
        let nch = self.problem.design.n_channels;
        let spend: Vec<f64> = (0..nch)
            .map(|c| (0..n).map(|t| self.state.channels[t * nch + c]).sum())
            .collect();
        let mut out = contrib.sum_axis(ndarray::Axis(2));
        for mut lane in out.lanes_mut(ndarray::Axis(2)) {
            for (v, s) in lane.iter_mut().zip(&spend) {
                *v /= s;
            }
        }
        out
    }

    /// Response curves, `(chain, draw, channel, point)`: the contribution per period (original
    /// units) of a constant spend of `spend[i]` per period at steady state
    /// (`f(Σ_l w_l · s/scale_c)` with adstock first, `Σ_l w_l · f(s/scale_c)` otherwise).
    pub fn response_curves(&self, spend: ArrayView1<'_, f64>) -> Result<Array4<f64>> {
        if let Some(i) = spend.iter().position(|v| !v.is_finite() || *v < 0.0) {
            return Err(Ki3Error::InvalidValue {
                arg: "spend".into(),
                index: i,
                reason: "must be finite and >= 0".into(),
            });
        }
        let p = &self.problem;
        let lay = &p.layout;
        let nch = p.design.n_channels;
        let (nc, nd) = self.shape();
        let l = p.adstock.kernel_len();
        let mut w = vec![0.0; l];
        let mut dw = vec![[0.0; MAX_ADSTOCK_PARAMS]; l];
        let ts = self.state.target_scale;
        let mut out = Array4::zeros((nc, nd, nch, spend.len()));
        for c in 0..nc {
            for d in 0..nd {
                let x = self.draw(c, d);
                for ch in 0..nch {
                    let (ta, tsat) = channel_params(lay, x, ch);
                    p.adstock.kernel(&ta[..lay.n_adstock], &mut w, &mut dw);
                    let wsum: f64 = w.iter().sum();
                    for (i, s) in spend.iter().enumerate() {
                        let xs = s / self.state.channel_scale[ch];
                        let v = if p.adstock_first {
                            p.saturation
                                .eval(wsum * xs, &tsat[..lay.n_saturation])
                                .value
                        } else {
                            wsum * p.saturation.eval(xs, &tsat[..lay.n_saturation]).value
                        };
                        out[[c, d, ch, i]] = v * ts;
                    }
                }
            }
        }
        Ok(out)
    }

    /// Predicted mean `μ` in original units for new periods, `(chain, draw, date)`. The
    /// adstock carries over the last `l_max` training periods of spend.
    pub fn predict(&self, new: &MmmNewData<'_>) -> Result<Array3<f64>> {
        let p = &self.problem;
        let lay = &p.layout;
        let nch = p.design.n_channels;
        let nk = self.state.control_names.len();
        let m = new.dates.len();
        if m == 0 {
            return Err(Ki3Error::Empty {
                arg: "dates".into(),
            });
        }
        for (arg, got, want) in [
            ("channels", new.channels.nrows(), m),
            ("controls", new.controls.nrows(), m),
        ] {
            if got != want {
                return Err(Ki3Error::LengthMismatch {
                    arg: arg.into(),
                    got,
                    expected_arg: "dates".into(),
                    expected: want,
                });
            }
        }
        for (arg, got, want) in [
            ("channels", new.channels.ncols(), nch),
            ("controls", new.controls.ncols(), nk),
        ] {
            if got != want {
                return Err(Ki3Error::LengthMismatch {
                    arg: format!("{arg} columns"),
                    got,
                    expected_arg: "training columns".into(),
                    expected: want,
                });
            }
        }
        check_dates(new.dates)?;
        let last = self.state.dates.last().copied().unwrap_or(i64::MIN);
        if new.dates[0] <= last {
            return Err(Ki3Error::InvalidValue {
                arg: "dates".into(),
                index: 0,
                reason: "new dates must come after the last training date".into(),
            });
        }
        check_spend(new.channels, &self.state.channel_names)?;
        for (k, col) in new.controls.columns().into_iter().enumerate() {
            if let Some(t) = col.iter().position(|v| !v.is_finite()) {
                return Err(Ki3Error::NonFinite {
                    arg: self.state.control_names[k].clone(),
                    index: t,
                });
            }
        }
        // Scaled spend with the carried-over history in front.
        let n = p.design.n;
        let hist = (p.adstock.kernel_len() - 1).min(n);
        let len = hist + m;
        let mut xs = vec![0.0; nch * len];
        for c in 0..nch {
            for (i, v) in xs[c * len..c * len + hist].iter_mut().enumerate() {
                *v = p.design.x[c * n + n - hist + i];
            }
            for t in 0..m {
                xs[c * len + hist + t] = new.channels[[t, c]] / self.state.channel_scale[c];
            }
        }
        let origin = trend_origin(&self.state.dates);
        let mut z = vec![0.0; m * lay.n_linear];
        let mut row = Vec::new();
        for t in 0..m {
            let controls: Vec<f64> = new.controls.row(t).to_vec();
            linear_row(
                &self.state.params,
                &controls,
                new.dates[t],
                origin,
                &mut row,
            );
            z[t * lay.n_linear..(t + 1) * lay.n_linear].copy_from_slice(&row);
        }
        let l = p.adstock.kernel_len();
        let mut w = vec![0.0; l];
        let mut dw = vec![[0.0; MAX_ADSTOCK_PARAMS]; l];
        let mut resp = vec![0.0; len];
        let (nc, nd) = self.shape();
        let ts = self.state.target_scale;
        let mut out = Array3::zeros((nc, nd, m));
        for c in 0..nc {
            for d in 0..nd {
                let x = self.draw(c, d);
                let mut mu: Vec<f64> = (0..m)
                    .map(|t| {
                        x[lay.intercept]
                            + (0..lay.n_linear)
                                .map(|k| x[lay.linear + k] * z[t * lay.n_linear + k])
                                .sum::<f64>()
                    })
                    .collect();
                for ch in 0..nch {
                    let (ta, tsat) = channel_params(lay, x, ch);
                    channel_response(
                        p.adstock,
                        p.saturation,
                        p.adstock_first,
                        &ta[..lay.n_adstock],
                        &tsat[..lay.n_saturation],
                        &xs[ch * len..(ch + 1) * len],
                        &mut resp,
                        &mut w,
                        &mut dw,
                    );
                    for t in 0..m {
                        mu[t] += resp[hist + t];
                    }
                }
                for t in 0..m {
                    out[[c, d, t]] = mu[t] * ts;
                }
            }
        }
        Ok(out)
    }

    /// The mean over draws of [`Mmm::predict`].
    pub fn predict_mean(&self, new: &MmmNewData<'_>) -> Result<Array1<f64>> {
        let pr = self.predict(new)?;
        let (nc, nd) = self.shape();
        Ok(pr.sum_axis(ndarray::Axis(0)).sum_axis(ndarray::Axis(0)) / (nc * nd) as f64)
    }

    fn validate(state: State) -> Result<Mmm> {
        let problem = build_problem(&state).map_err(|e| match e {
            Ki3Error::Corrupt { .. } => e,
            other => Ki3Error::corrupt(format!("Mmm: {other}")),
        })?;
        let dim = problem.layout.dim();
        let nch = state.channel_names.len();
        let bad = |what: &str| Err(Ki3Error::corrupt(format!("Mmm: {what}")));
        if state.channel_scale.len() != nch
            || state
                .channel_scale
                .iter()
                .any(|s| !(s.is_finite() && *s >= 1.0))
            || !(state.target_scale.is_finite() && state.target_scale >= 1.0)
        {
            return bad("invalid scales");
        }
        if state.map.len() != dim || state.map.iter().any(|v| !v.is_finite()) {
            return bad("invalid MAP vector");
        }
        let nd = state.chains.checked_mul(state.draws);
        let Some(k) = nd else {
            return bad("chains × draws overflows");
        };
        if state.chains > 0 && state.draws == 0 {
            return bad("zero draws");
        }
        if state.samples.len() != k.saturating_mul(dim)
            || state.samples.iter().any(|v| !v.is_finite())
        {
            return bad("samples have the wrong length or non-finite values");
        }
        if state.diverging.len() != k
            || state.tree_depth.len() != k
            || state.energy.len() != k
            || state.step_size.len() != k
            || state.n_steps.len() != k
        {
            return bad("sampler statistics have the wrong length");
        }
        // Every draw must lie in its parameter's support.
        let lay = &problem.layout;
        for chunk in state
            .samples
            .chunks(dim.max(1))
            .chain(std::iter::once(&state.map[..]))
        {
            for (i, v) in chunk.iter().enumerate() {
                if lay.transforms[i].unconstrain(*v).is_err() {
                    return bad(&format!(
                        "{} = {v} is outside its support",
                        lay.element_names[i]
                    ));
                }
            }
        }
        Ok(Mmm { state, problem })
    }
}

impl Persist for Mmm {
    const KIND: &'static str = "Mmm";
    const VERSION: u32 = 1;

    fn to_json(&self) -> Result<String> {
        persist::to_json(Self::KIND, Self::VERSION, &self.state)
    }

    fn from_json(text: &str) -> Result<Self> {
        let state: State = persist::from_json(text, Self::KIND, Self::VERSION)?;
        Mmm::validate(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mmm::transforms::Saturation;
    use crate::numerics::rng::stream;
    use rand::RngExt;

    struct Toy {
        dates: Array1<i64>,
        ch: Array2<f64>,
        ctrl: Array2<f64>,
        y: Array1<f64>,
        names: Vec<String>,
        cnames: Vec<String>,
    }

    /// Simulated weekly data from the model itself (known α, λ, β on the raw spend scale).
    fn toy(n: usize) -> Toy {
        let mut rng = stream(3, 0);
        let dates: Array1<i64> = (0..n as i64).map(|i| 17_000 + 7 * i).collect();
        let ch = Array2::from_shape_fn((n, 2), |_| rng.random::<f64>() * 40.0);
        let ctrl = Array2::from_shape_fn((n, 1), |(t, _)| f64::from(t % 13 == 0));
        let mut y = Array1::zeros(n);
        for t in 0..n {
            let mut v = 500.0 + 80.0 * ctrl[[t, 0]] + 20.0 * rng.random::<f64>();
            for c in 0..2 {
                let a: f64 = (0..4.min(t + 1))
                    .map(|l| 0.5f64.powi(l as i32) * ch[[t - l, c]])
                    .sum::<f64>()
                    / 1.875;
                v += 200.0 * (0.05 * a).tanh();
            }
            y[t] = v;
        }
        Toy {
            dates,
            ch,
            ctrl,
            y,
            names: vec!["tv".into(), "radio".into()],
            cnames: vec!["promo".into()],
        }
    }

    fn data(t: &Toy) -> MmmData<'_> {
        MmmData {
            dates: t.dates.view(),
            channels: t.ch.view(),
            channel_names: &t.names,
            controls: t.ctrl.view(),
            control_names: &t.cnames,
            target: t.y.view(),
        }
    }

    #[test]
    fn predict_carries_over_the_training_history_exactly() {
        let t = toy(60);
        let k = 10;
        let short = Toy {
            dates: t.dates.slice(ndarray::s![..60 - k]).to_owned(),
            ch: t.ch.slice(ndarray::s![..60 - k, ..]).to_owned(),
            ctrl: t.ctrl.slice(ndarray::s![..60 - k, ..]).to_owned(),
            y: t.y.slice(ndarray::s![..60 - k]).to_owned(),
            names: t.names.clone(),
            cnames: t.cnames.clone(),
        };
        let m = MmmParams::default().fit_map(&data(&short)).unwrap();
        let new = MmmNewData {
            dates: t.dates.slice(ndarray::s![60 - k..]),
            channels: t.ch.slice(ndarray::s![60 - k.., ..]),
            controls: t.ctrl.slice(ndarray::s![60 - k.., ..]),
        };
        let pred = m.predict(&new).unwrap();
        // The same parameters and scales on the whole series: μ of the last k rows.
        let mut whole = m.state.clone();
        whole.dates = t.dates.to_vec();
        whole.channels = t.ch.iter().copied().collect();
        whole.controls = t.ctrl.iter().copied().collect();
        whole.target = t.y.to_vec();
        let full = Mmm::validate(whole).unwrap();
        let mu = full.mu();
        for i in 0..k {
            let (a, b) = (pred[[0, 0, i]], mu[[0, 0, 60 - k + i]]);
            assert!((a - b).abs() < 1e-12 * b.abs(), "{i}: {a} vs {b}");
        }
    }

    #[test]
    fn outputs_shapes_names_and_response_curves() {
        let t = toy(80);
        let m = MmmParams::default().fit_map(&data(&t)).unwrap();
        assert!(!m.is_sampled());
        assert_eq!(m.shape(), (1, 1));
        assert_eq!(m.posterior("intercept").unwrap().shape(), &[1, 1]);
        assert_eq!(m.posterior("saturation_beta").unwrap().shape(), &[1, 1, 2]);
        assert_eq!(
            m.coords("gamma_fourier").unwrap(),
            ["sin_1", "sin_2", "cos_1", "cos_2"]
        );
        assert_eq!(m.coords("adstock_alpha").unwrap(), ["tv", "radio"]);
        assert!(
            m.posterior("nope")
                .unwrap_err()
                .to_string()
                .contains("nope")
        );
        // Response at constant spend s: β·logistic(λ s/scale) (normalised kernel) × target scale.
        let spend = Array1::from(vec![0.0, 10.0, 40.0]);
        let rc = m.response_curves(spend.view()).unwrap();
        let lam = m.map_estimate("saturation_lam").unwrap();
        let beta = m.map_estimate("saturation_beta").unwrap();
        for c in 0..2 {
            for (i, s) in spend.iter().enumerate() {
                let want = Saturation::Logistic
                    .eval(s / m.channel_scale()[c], &[lam[c], beta[c]])
                    .value
                    * m.target_scale();
                assert!((rc[[0, 0, c, i]] - want).abs() < 1e-9 * (1.0 + want));
            }
        }
        assert!(m.response_curves(Array1::from(vec![-1.0]).view()).is_err());
        // ROAS = total contribution / total spend.
        let roas = m.roas();
        let contrib = m.channel_contributions();
        for c in 0..2 {
            let tot: f64 = contrib.slice(ndarray::s![0, 0, .., c]).sum();
            let spent: f64 = t.ch.column(c).sum();
            assert!((roas[[0, 0, c]] - tot / spent).abs() < 1e-12 * roas[[0, 0, c]].abs());
        }
        // Posterior predictive draws scatter around μ by σ.
        let pp = m.posterior_predictive(1);
        let mu = m.mu();
        let sigma = m.map_estimate("y_sigma").unwrap()[0] * m.target_scale();
        let resid: Vec<f64> = (&pp - &mu).iter().map(|d| d / sigma).collect();
        let var = resid.iter().map(|r| r * r).sum::<f64>() / resid.len() as f64;
        assert!((var - 1.0).abs() < 0.35, "{var}");
    }

    #[test]
    fn save_load_round_trip_and_corrupt_state() {
        let t = toy(50);
        let m = MmmParams::default().fit_map(&data(&t)).unwrap();
        let json = Persist::to_json(&m).unwrap();
        let back = <Mmm as Persist>::from_json(&json).unwrap();
        assert_eq!(back, m);
        assert_eq!(Persist::to_json(&back).unwrap(), json);
        let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
        let mut bad = Vec::new();
        for (key, value) in [
            ("map", serde_json::json!([1.0])),
            ("target_scale", serde_json::json!(-1.0)),
            ("chains", serde_json::json!(2)),
            ("dates", serde_json::json!([1, 2])),
            ("channel_names", serde_json::json!(["a"])),
            ("params", serde_json::json!("x")),
        ] {
            let mut d = doc.clone();
            d["state"][key] = value;
            bad.push(d.to_string());
        }
        // An adstock α outside (0, 1).
        let mut d = doc.clone();
        let off = m.problem.layout.group("adstock_alpha").unwrap().offset;
        d["state"]["map"][off] = serde_json::json!(1.5);
        bad.push(d.to_string());
        for b in bad {
            match <Mmm as Persist>::from_json(&b) {
                Err(Ki3Error::Corrupt { .. }) => {}
                other => panic!("expected Corrupt, got {other:?}"),
            }
        }
    }

    #[test]
    fn a_fit_that_cannot_start_names_the_parameter() {
        let t = toy(40);
        let m = MmmParams::default().fit_map(&data(&t)).unwrap();
        let mut lp = LogPosterior::new(Arc::clone(&m.problem));
        let mut u = vec![0.0; lp.dim()];
        let off = m.problem.layout.group("saturation_lam").unwrap().offset;
        u[off + 1] = f64::NAN;
        let msg = lp.explain_non_finite(&u);
        assert!(msg.contains("saturation_lam[radio]"), "{msg}");
    }

    #[test]
    fn short_nuts_run_is_reproducible_and_keeps_only_draws() {
        let t = toy(60);
        let p = MmmParams::default().sampling(2, 50, 50).seed(9);
        let a = p.fit(&data(&t)).unwrap();
        assert_eq!(a.shape(), (2, 50));
        assert_eq!(a.posterior("adstock_alpha").unwrap().shape(), &[2, 50, 2]);
        assert_eq!(a.tree_depth().shape(), &[2, 50]);
        assert_eq!(a, p.fit(&data(&t)).unwrap());
        let b = p.clone().seed(10).fit(&data(&t)).unwrap();
        assert_ne!(a, b);
        // Progress: one tick per draw (warm-up included) across chains, ending at the total.
        let last = std::sync::Mutex::new((0, 0));
        let cb = |d: u64, n: u64| *last.lock().unwrap() = (d, n);
        p.fit_with_progress(&data(&t), Progress::none().callback(&cb))
            .unwrap();
        assert_eq!(*last.lock().unwrap(), (200, 200));
    }
}
