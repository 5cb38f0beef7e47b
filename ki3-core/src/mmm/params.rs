//! [`MmmParams`]: the model's structure (adstock, saturation, seasonality, trend, likelihood),
//! its priors and the sampler's settings. `Default` is PyMC-Marketing 0.19's `MMM` quickstart
//! configuration with the library's default priors.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::prior::{Prior, PriorSet};
use super::transforms::{Adstock, Domain, Saturation};
use crate::error::{Ki3Error, Result};
use crate::model::Params;

/// Most Fourier modes of the yearly seasonality.
pub const MAX_FOURIER_ORDER: usize = 100;
/// Most chains.
pub const MAX_CHAINS: usize = 256;
/// Most tuning + kept draws per chain.
pub const MAX_DRAWS: usize = 1_000_000;

/// The observation model of the (max-scaled) target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Likelihood {
    /// `y ~ Normal(μ, σ)` (PyMC-Marketing's default), `σ` = `y_sigma`.
    #[default]
    Normal,
    /// `y ~ StudentT(ν, μ, σ)`, `ν` = `y_nu`.
    StudentT,
}

/// How each chain's starting point is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Init {
    /// The MAP estimate (L-BFGS) plus a uniform jitter in (−1, 1) on the unconstrained scale
    /// (PyMC's `jitter+adapt_diag` around the MAP instead of around the prior's centre).
    #[default]
    MapJitter,
    /// Uniform in (−2, 2) on the unconstrained scale (nutpie's and Stan's default).
    Uniform,
}

/// Hyper-parameters of the Bayesian MMM.
///
/// Model (on PyMC-Marketing's scaled data, see [`super::data`]):
/// `μ_t = intercept + Σ_c sat_c(adstock_c(x_c))_t + Σ_k γ_k control_{t,k}
///  + Σ_{k=1..n} [γ^{sin}_k sin(2πk d_t/365.25) + γ^{cos}_k cos(2πk d_t/365.25)] (+ γ_trend τ_t)`,
/// `y_t ~ Normal(μ_t, σ)` (or Student-t).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MmmParams {
    /// Adstock kernel (default geometric, `l_max = 8`, normalised).
    pub adstock: Adstock,
    /// Saturation curve (default logistic).
    pub saturation: Saturation,
    /// Adstock then saturation (default true, PyMC-Marketing's `adstock_first`).
    pub adstock_first: bool,
    /// Order `n` of the yearly Fourier seasonality, 0 for none (default 2).
    pub yearly_seasonality: usize,
    /// Add a linear trend `τ_t = (date_t − date_0)/(date_last − date_0)` with coefficient
    /// `gamma_trend` (default false; PyMC-Marketing's quickstart passes `t` as a control instead).
    pub trend: bool,
    /// Observation model (default Normal).
    pub likelihood: Likelihood,
    /// Prior overrides by parameter name (`intercept`, `adstock_alpha`, `saturation_lam`,
    /// `saturation_beta`, `gamma_control`, `gamma_fourier`, `gamma_trend`, `y_sigma`, `y_nu`,
    /// …); parameters not listed take [`MmmParams::default_prior`].
    pub priors: BTreeMap<String, PriorSet>,
    /// Number of chains (default 4).
    pub chains: usize,
    /// Kept draws per chain (default 1000).
    pub draws: usize,
    /// Warm-up (tuning) draws per chain, discarded (default 1000).
    pub tune: usize,
    /// Target acceptance rate of the step-size adaptation (default 0.8, PyMC's).
    pub target_accept: f64,
    /// Maximum tree depth of NUTS (default 10).
    pub max_treedepth: u64,
    /// Chain initialisation (default MAP + jitter).
    pub init: Init,
    /// Seed of every random choice (per-chain streams are derived from it).
    pub seed: u64,
}

impl Default for MmmParams {
    fn default() -> Self {
        MmmParams {
            adstock: Adstock::default(),
            saturation: Saturation::Logistic,
            adstock_first: true,
            yearly_seasonality: 2,
            trend: false,
            likelihood: Likelihood::Normal,
            priors: BTreeMap::new(),
            chains: 4,
            draws: 1000,
            tune: 1000,
            target_accept: 0.8,
            max_treedepth: 10,
            init: Init::MapJitter,
            seed: 0,
        }
    }
}

impl MmmParams {
    /// Sets the adstock.
    pub fn adstock(mut self, a: Adstock) -> Self {
        self.adstock = a;
        self
    }
    /// Sets the saturation.
    pub fn saturation(mut self, s: Saturation) -> Self {
        self.saturation = s;
        self
    }
    /// Adstock first or saturation first.
    pub fn adstock_first(mut self, yes: bool) -> Self {
        self.adstock_first = yes;
        self
    }
    /// Sets the Fourier order.
    pub fn yearly_seasonality(mut self, n: usize) -> Self {
        self.yearly_seasonality = n;
        self
    }
    /// Adds a linear trend or not.
    pub fn trend(mut self, yes: bool) -> Self {
        self.trend = yes;
        self
    }
    /// Sets the likelihood.
    pub fn likelihood(mut self, l: Likelihood) -> Self {
        self.likelihood = l;
        self
    }
    /// Sets the prior of parameter group `name`.
    pub fn prior(mut self, name: &str, prior: impl Into<PriorSet>) -> Self {
        self.priors.insert(name.to_string(), prior.into());
        self
    }
    /// Sets chains, kept draws and tuning draws.
    pub fn sampling(mut self, chains: usize, draws: usize, tune: usize) -> Self {
        self.chains = chains;
        self.draws = draws;
        self.tune = tune;
        self
    }
    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Sets the initialisation.
    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }

    /// Parameter groups as `(name, domain, per_channel)`, in the order of the parameter
    /// vector; `per_channel` groups have one element per channel.
    pub fn groups(&self) -> Vec<(String, Domain, bool)> {
        let mut g = vec![("intercept".to_string(), Domain::Real, false)];
        for (n, d) in self
            .adstock
            .param_names()
            .iter()
            .zip(self.adstock.domains())
        {
            g.push((format!("adstock_{n}"), *d, true));
        }
        for (n, d) in self
            .saturation
            .param_names()
            .iter()
            .zip(self.saturation.domains())
        {
            g.push((format!("saturation_{n}"), *d, true));
        }
        g.push(("gamma_control".into(), Domain::Real, false));
        g.push(("gamma_fourier".into(), Domain::Real, false));
        if self.trend {
            g.push(("gamma_trend".into(), Domain::Real, false));
        }
        g.push(("y_sigma".into(), Domain::Positive, false));
        if self.likelihood == Likelihood::StudentT {
            g.push(("y_nu".into(), Domain::Positive, false));
        }
        g
    }

    /// PyMC-Marketing 0.19's default prior of a parameter group (`mmm.py`
    /// `default_model_config`; `components/adstock.py` and `components/saturation.py`
    /// `default_priors`): intercept Normal(0, 2), gamma_control Normal(0, 2), gamma_fourier
    /// Laplace(0, 1), y_sigma HalfNormal(2); geometric/delayed alpha Beta(1, 3), delayed theta
    /// HalfNormal(1); Weibull-PDF lam Gamma(μ=2, σ=1), k Gamma(μ=3, σ=1); Weibull-CDF lam and k
    /// Gamma(μ=2, σ=2.5); logistic lam Gamma(3, 1), beta HalfNormal(2); Hill slope, kappa, beta
    /// HalfNormal(1.5); Michaelis–Menten alpha Gamma(μ=2, σ=1), lam HalfNormal(1). Not from
    /// PyMC-Marketing: gamma_trend Normal(0, 2) (as controls), y_nu Gamma(2, 0.1) (PyMC's
    /// customary prior on Student-t degrees of freedom).
    pub fn default_prior(&self, name: &str) -> Option<Prior> {
        let p = match name {
            "intercept" | "gamma_control" | "gamma_trend" => Prior::Normal {
                mu: 0.0,
                sigma: 2.0,
            },
            "gamma_fourier" => Prior::Laplace { mu: 0.0, b: 1.0 },
            "y_sigma" => Prior::HalfNormal { sigma: 2.0 },
            "y_nu" => Prior::Gamma {
                alpha: 2.0,
                beta: 0.1,
            },
            "adstock_alpha" => Prior::Beta {
                alpha: 1.0,
                beta: 3.0,
            },
            "adstock_theta" => Prior::HalfNormal { sigma: 1.0 },
            "adstock_lam" => match self.adstock {
                Adstock::WeibullPdf { .. } => Prior::gamma_mu_sigma(2.0, 1.0),
                _ => Prior::gamma_mu_sigma(2.0, 2.5),
            },
            "adstock_k" => match self.adstock {
                Adstock::WeibullPdf { .. } => Prior::gamma_mu_sigma(3.0, 1.0),
                _ => Prior::gamma_mu_sigma(2.0, 2.5),
            },
            "saturation_lam" => match self.saturation {
                Saturation::MichaelisMenten => Prior::HalfNormal { sigma: 1.0 },
                _ => Prior::Gamma {
                    alpha: 3.0,
                    beta: 1.0,
                },
            },
            "saturation_beta" => match self.saturation {
                Saturation::Hill => Prior::HalfNormal { sigma: 1.5 },
                _ => Prior::HalfNormal { sigma: 2.0 },
            },
            "saturation_slope" | "saturation_kappa" => Prior::HalfNormal { sigma: 1.5 },
            "saturation_alpha" => Prior::gamma_mu_sigma(2.0, 1.0),
            _ => return None,
        };
        Some(p)
    }

    /// The prior set of group `name`: the override, else the default.
    pub fn prior_of(&self, name: &str) -> Option<PriorSet> {
        self.priors
            .get(name)
            .cloned()
            .or_else(|| self.default_prior(name).map(PriorSet::One))
    }
}

impl Params for MmmParams {
    fn check(&self) -> Result<()> {
        self.adstock.check()?;
        if self.yearly_seasonality > MAX_FOURIER_ORDER {
            return Err(Ki3Error::param(
                "yearly_seasonality",
                format!("must be at most {MAX_FOURIER_ORDER}"),
            ));
        }
        if self.chains == 0 || self.chains > MAX_CHAINS {
            return Err(Ki3Error::param(
                "chains",
                format!("must be in 1..={MAX_CHAINS}"),
            ));
        }
        if self.draws == 0 || self.draws.saturating_add(self.tune) > MAX_DRAWS {
            return Err(Ki3Error::param(
                "draws",
                format!("need draws >= 1 and draws + tune <= {MAX_DRAWS}"),
            ));
        }
        if !(self.target_accept > 0.0 && self.target_accept < 1.0) {
            return Err(Ki3Error::param(
                "target_accept",
                format!("must be in (0, 1), got {}", self.target_accept),
            ));
        }
        if !(1..=30).contains(&self.max_treedepth) {
            return Err(Ki3Error::param("max_treedepth", "must be in 1..=30"));
        }
        let groups = self.groups();
        for name in self.priors.keys() {
            if !groups.iter().any(|(g, _, _)| g == name) {
                let known: Vec<&str> = groups.iter().map(|(g, _, _)| g.as_str()).collect();
                return Err(Ki3Error::param(
                    format!("priors.{name}"),
                    format!("not a parameter of this model; expected one of {known:?}"),
                ));
            }
        }
        for (name, domain, _) in &groups {
            let set = self
                .prior_of(name)
                .ok_or_else(|| Ki3Error::param(format!("priors.{name}"), "no default prior"))?;
            let all: Vec<Prior> = match set {
                PriorSet::One(p) => vec![p],
                PriorSet::Each(v) => v,
            };
            for p in all {
                p.check(&format!("priors.{name}"), *domain)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_pymc_marketings() {
        let p = MmmParams::default();
        p.check().unwrap();
        let names: Vec<String> = p.groups().into_iter().map(|g| g.0).collect();
        assert_eq!(
            names,
            [
                "intercept",
                "adstock_alpha",
                "saturation_lam",
                "saturation_beta",
                "gamma_control",
                "gamma_fourier",
                "y_sigma"
            ]
        );
        assert_eq!(
            p.default_prior("saturation_lam"),
            Some(Prior::Gamma {
                alpha: 3.0,
                beta: 1.0
            })
        );
        assert_eq!(
            p.default_prior("adstock_alpha"),
            Some(Prior::Beta {
                alpha: 1.0,
                beta: 3.0
            })
        );
        let json = serde_json::to_string(&p).unwrap();
        let back: MmmParams = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn check_names_the_bad_field() {
        let e = MmmParams::default()
            .prior(
                "adstock_alpha",
                Prior::Normal {
                    mu: 0.0,
                    sigma: 1.0,
                },
            )
            .check()
            .unwrap_err();
        assert!(e.to_string().contains("priors.adstock_alpha"), "{e}");
        let e = MmmParams::default()
            .prior("saturation_kappa", Prior::HalfNormal { sigma: 1.0 })
            .check()
            .unwrap_err();
        assert!(e.to_string().contains("priors.saturation_kappa"), "{e}");
        let e = MmmParams::default()
            .sampling(0, 10, 10)
            .check()
            .unwrap_err();
        assert!(e.to_string().contains("chains"), "{e}");
        let e = MmmParams::default()
            .adstock(Adstock::geometric(0))
            .check()
            .unwrap_err();
        assert!(e.to_string().contains("l_max"), "{e}");
    }
}
