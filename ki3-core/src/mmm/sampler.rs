//! Inference: the MAP estimate (L-BFGS, [`crate::numerics::optimize`]) and NUTS from the
//! `nuts-rs` crate (diagonal mass matrix adaptation, nutpie's defaults) on
//! [`super::logp::LogPosterior`].
//!
//! Chains run in parallel (rayon); chain `i` draws every random number from
//! [`crate::numerics::rng::stream`]`(seed, i)` (its jitter and the sampler's own generator), so one
//! seed fixes the result whatever the number of threads. Warm-up draws are discarded.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use nuts_rs::{
    Chain, CpuLogpFunc, CpuMath, CpuMathError, DiagNutsSettings, HasDims, LogpError, Settings,
};
use rand::RngExt;
use rayon::prelude::*;

use super::logp::{LogPosterior, Problem};
use super::params::{Init, MmmParams};
use crate::error::{Ki3Error, Result};
use crate::numerics::optimize::{LbfgsParams, minimize};
use crate::numerics::rng::stream;
use crate::progress::Progress;

/// Tries at drawing a finite starting point per chain.
const INIT_TRIES: usize = 100;

/// The kept draws and per-draw statistics of one chain.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainDraws {
    /// Constrained parameter vectors, `draws × dim`, row-major.
    pub draws: Vec<f64>,
    /// Whether the trajectory diverged.
    pub diverging: Vec<bool>,
    /// NUTS tree depth.
    pub tree_depth: Vec<u64>,
    /// Hamiltonian energy of the draw (for E-BFMI).
    pub energy: Vec<f64>,
    /// Step size used.
    pub step_size: Vec<f64>,
    /// Leapfrog steps of the trajectory.
    pub n_steps: Vec<u64>,
}

#[derive(Debug, thiserror::Error)]
enum NutsLogpError {
    #[error("non-finite log density")]
    NonFinite,
    #[error("{0}")]
    Fatal(String),
}

impl LogpError for NutsLogpError {
    fn is_recoverable(&self) -> bool {
        matches!(self, NutsLogpError::NonFinite)
    }
}

struct NutsLogp(LogPosterior);

impl HasDims for NutsLogp {
    fn dim_sizes(&self) -> std::collections::HashMap<String, u64> {
        let d = self.0.dim() as u64;
        std::collections::HashMap::from([
            ("unconstrained_parameter".to_string(), d),
            ("dim".to_string(), d),
        ])
    }
}

impl CpuLogpFunc for NutsLogp {
    type LogpError = NutsLogpError;
    type FlowParameters = ();
    type ExpandedVector = Vec<f64>;

    fn dim(&self) -> usize {
        self.0.dim()
    }

    fn logp(&mut self, x: &[f64], grad: &mut [f64]) -> std::result::Result<f64, NutsLogpError> {
        match self.0.logp(x, grad, true) {
            Ok(v) if v.is_finite() => Ok(v),
            Ok(_) => Err(NutsLogpError::NonFinite),
            Err(e) => Err(NutsLogpError::Fatal(e.to_string())),
        }
    }

    fn expand_vector<R: rand::Rng + ?Sized>(
        &mut self,
        _rng: &mut R,
        _array: &[f64],
    ) -> std::result::Result<Vec<f64>, CpuMathError> {
        // Draws are constrained by the caller; nothing to expand.
        Ok(Vec::new())
    }
}

/// Unconstrained point at the centre of every prior (the optimiser's start).
pub fn prior_center(problem: &Problem) -> Result<Vec<f64>> {
    let lay = &problem.layout;
    (0..lay.dim())
        .map(|i| lay.transforms[i].unconstrain(lay.priors[i].center()))
        .collect()
}

/// The MAP estimate on the unconstrained scale: the maximum of the posterior density of the
/// constrained parameters (no Jacobian), by L-BFGS from the priors' centres.
pub fn map_estimate(problem: &Arc<Problem>) -> Result<Vec<f64>> {
    let mut lp = LogPosterior::new(Arc::clone(problem));
    let u0 = prior_center(problem)?;
    let mut g = vec![0.0; u0.len()];
    if !lp.logp(&u0, &mut g, false)?.is_finite() {
        return Err(Ki3Error::numerical(format!(
            "cannot start the MAP fit: {}",
            lp.explain_non_finite(&u0)
        )));
    }
    let opts = LbfgsParams::default().max_iter(2000).gtol(1e-6);
    let res = minimize(
        |u: &[f64], grad: &mut [f64]| {
            let v = lp.logp(u, grad, false)?;
            grad.iter_mut().for_each(|g| *g = -*g);
            Ok(if v.is_finite() { -v } else { f64::INFINITY })
        },
        &u0,
        &opts,
    )?;
    Ok(res.x)
}

/// A finite starting point for chain `chain`.
fn init_point(
    lp: &mut LogPosterior,
    init: Init,
    map: Option<&[f64]>,
    rng: &mut crate::numerics::Rng,
) -> Result<Vec<f64>> {
    let dim = lp.dim();
    let mut g = vec![0.0; dim];
    let mut u = vec![0.0; dim];
    for _ in 0..INIT_TRIES {
        for (i, ui) in u.iter_mut().enumerate() {
            *ui = match (init, map) {
                (Init::MapJitter, Some(m)) => m[i] + rng.random_range(-1.0..1.0),
                _ => rng.random_range(-2.0..2.0),
            };
        }
        if lp.logp(&u, &mut g, true)?.is_finite() {
            return Ok(u);
        }
    }
    if let Some(m) = map
        && lp.logp(m, &mut g, true)?.is_finite()
    {
        return Ok(m.to_vec());
    }
    Err(Ki3Error::numerical(format!(
        "sampling cannot start: no finite log density at {INIT_TRIES} initial points; {}",
        lp.explain_non_finite(&u)
    )))
}

/// Runs `params.chains` NUTS chains (in parallel) and returns their kept draws. Progress ticks
/// once per draw (warm-up included) across chains; cancellation returns
/// [`Ki3Error::Cancelled`] and nothing else.
pub fn run_nuts(
    problem: &Arc<Problem>,
    params: &MmmParams,
    map: Option<&[f64]>,
    progress: Progress<'_>,
) -> Result<Vec<ChainDraws>> {
    let per_chain = (params.tune + params.draws) as u64;
    let total = per_chain * params.chains as u64;
    let done = AtomicU64::new(0);
    let run = |chain: usize| -> Result<ChainDraws> {
        let mut rng = stream(params.seed, chain as u64);
        let mut lp = LogPosterior::new(Arc::clone(problem));
        let start = init_point(&mut lp, params.init, map, &mut rng)?;
        let dim = lp.dim();
        let transforms = problem.layout.transforms.clone();
        let mut settings = DiagNutsSettings {
            num_tune: params.tune as u64,
            num_draws: params.draws as u64,
            num_chains: params.chains,
            maxdepth: params.max_treedepth,
            seed: params.seed,
            ..Default::default()
        };
        settings.adapt_options.step_size_settings.target_accept = params.target_accept;
        let math = CpuMath::new(NutsLogp(lp));
        let nuts_err =
            |e: &dyn std::fmt::Display| Ki3Error::numerical(format!("NUTS (chain {chain}): {e}"));
        let mut sampler = settings
            .new_chain(chain as u64, math, &mut rng)
            .map_err(|e| nuts_err(&e))?;
        sampler.set_position(&start).map_err(|e| nuts_err(&e))?;
        let n = params.draws;
        let mut out = ChainDraws {
            draws: Vec::with_capacity(n * dim),
            diverging: Vec::with_capacity(n),
            tree_depth: Vec::with_capacity(n),
            energy: Vec::with_capacity(n),
            step_size: Vec::with_capacity(n),
            n_steps: Vec::with_capacity(n),
        };
        let mut ticker = progress.ticker(total);
        for i in 0..per_chain {
            let (pos, _, stats, info) = sampler.expanded_draw().map_err(|e| nuts_err(&e))?;
            ticker.tick(done.fetch_add(1, Ordering::Relaxed) + 1)?;
            if i < params.tune as u64 {
                continue;
            }
            out.draws
                .extend(pos.iter().zip(&transforms).map(|(u, t)| t.constrain(*u)));
            out.diverging.push(info.diverging);
            out.tree_depth.push(stats.depth);
            out.energy.push(stats.point.energy);
            out.step_size.push(info.step_size);
            out.n_steps.push(info.num_steps);
        }
        Ok(out)
    };
    let chains: Vec<ChainDraws> = (0..params.chains)
        .into_par_iter()
        .map(run)
        .collect::<Result<_>>()?;
    progress.ticker(total).finish()?;
    Ok(chains)
}
