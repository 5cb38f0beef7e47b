//! The policies behind one interface: [`ServingPolicy`] for [`BernoulliTs`], [`GaussianTs`] and
//! [`LinearTs`], the owned [`AnyPolicy`] (loaded from any saved bandit with
//! [`AnyPolicy::from_json`]), and [`defaults`], the defaults every face reads.

use ndarray::ArrayView2;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::common::{
    ArmSummary, DEFAULT_DRAWS, DEFAULT_INSIGHT_SEED, DEFAULT_LEVEL, DEFAULT_STOP_PROB_BEST,
    Decision, Insight, Policy, PolicyOptions, ServingPolicy, SlateDecision, StopDecision,
    StoppingRule, context_for,
};
use super::context_free::{BernoulliTs, GaussianTs, TsParams};
use super::eval::Drift;
use super::linear::{LinearTs, LinearTsParams};
use super::models::{ArmModel, BetaPrior, NigPrior};
use crate::error::{Ki3Error, Result};

/// An owned policy of any kind: what a face holds when it serves the three classes through one
/// code path, and what [`from_json`](AnyPolicy::from_json) returns for any saved bandit.
#[derive(Debug, Clone)]
pub enum AnyPolicy {
    /// A [`BernoulliTs`].
    Bernoulli(BernoulliTs),
    /// A [`GaussianTs`].
    Gaussian(GaussianTs),
    /// A [`LinearTs`].
    Linear(LinearTs),
}

impl AnyPolicy {
    /// Loads any saved bandit state, dispatching on its envelope's `kind`.
    pub fn from_json(text: &str) -> Result<Self> {
        #[derive(Deserialize)]
        struct Kind {
            kind: Option<String>,
        }
        let k: Kind = serde_json::from_str(text)
            .map_err(|e| Ki3Error::corrupt(format!("not a ki3 bandit state: {e}")))?;
        match k.kind.as_deref() {
            Some("BernoulliTs") => BernoulliTs::from_json(text).map(AnyPolicy::Bernoulli),
            Some("GaussianTs") => GaussianTs::from_json(text).map(AnyPolicy::Gaussian),
            Some("LinearTs") => LinearTs::from_json(text).map(AnyPolicy::Linear),
            Some(other) => Err(Ki3Error::corrupt(format!(
                "kind {other:?} is not a bandit (BernoulliTs, GaussianTs or LinearTs)"
            ))),
            None => Err(Ki3Error::corrupt("no \"kind\" in the saved state")),
        }
    }

    /// The policy behind the interface.
    pub fn as_dyn(&self) -> &dyn ServingPolicy {
        match self {
            AnyPolicy::Bernoulli(p) => p,
            AnyPolicy::Gaussian(p) => p,
            AnyPolicy::Linear(p) => p,
        }
    }

    /// The policy behind the interface, mutably.
    pub fn as_dyn_mut(&mut self) -> &mut dyn ServingPolicy {
        match self {
            AnyPolicy::Bernoulli(p) => p,
            AnyPolicy::Gaussian(p) => p,
            AnyPolicy::Linear(p) => p,
        }
    }
}

impl From<BernoulliTs> for AnyPolicy {
    fn from(p: BernoulliTs) -> Self {
        AnyPolicy::Bernoulli(p)
    }
}

impl From<GaussianTs> for AnyPolicy {
    fn from(p: GaussianTs) -> Self {
        AnyPolicy::Gaussian(p)
    }
}

impl From<LinearTs> for AnyPolicy {
    fn from(p: LinearTs) -> Self {
        AnyPolicy::Linear(p)
    }
}

impl Policy for AnyPolicy {
    fn n_arms(&self) -> usize {
        self.as_dyn().n_arms()
    }
    fn context_dim(&self) -> usize {
        self.as_dyn().context_dim()
    }
    fn select(&mut self, context: &[f64]) -> Result<usize> {
        self.as_dyn_mut().select(context)
    }
    fn learn(&mut self, arm: usize, context: &[f64], reward: f64) -> Result<()> {
        self.as_dyn_mut().learn(arm, context, reward)
    }
}

/// One [`ServingPolicy`] method of [`AnyPolicy`], forwarded to the policy inside.
macro_rules! forward {
    (ref $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty) => {
        fn $name(&self $(, $arg: $ty)*) -> $ret {
            match self {
                AnyPolicy::Bernoulli(p) => ServingPolicy::$name(p $(, $arg)*),
                AnyPolicy::Gaussian(p) => ServingPolicy::$name(p $(, $arg)*),
                AnyPolicy::Linear(p) => ServingPolicy::$name(p $(, $arg)*),
            }
        }
    };
    (mut $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty) => {
        fn $name(&mut self $(, $arg: $ty)*) -> $ret {
            match self {
                AnyPolicy::Bernoulli(p) => ServingPolicy::$name(p $(, $arg)*),
                AnyPolicy::Gaussian(p) => ServingPolicy::$name(p $(, $arg)*),
                AnyPolicy::Linear(p) => ServingPolicy::$name(p $(, $arg)*),
            }
        }
    };
}

type Ctx<'a> = Option<&'a [f64]>;
type Eligible<'a> = Option<&'a [usize]>;

impl ServingPolicy for AnyPolicy {
    forward!(ref kind() -> &'static str);
    forward!(ref arm_names() -> &[String]);
    forward!(ref arm_index(name: &str) -> Result<usize>);
    forward!(ref active_arms() -> &[usize]);
    forward!(ref options() -> &PolicyOptions);
    forward!(ref n_updates() -> u64);
    forward!(ref pending_decisions() -> usize);
    forward!(ref next_decision_id() -> u64);
    forward!(mut choose(x: Ctx<'_>, e: Eligible<'_>) -> Result<usize>);
    forward!(mut choose_k(x: Ctx<'_>, k: usize, e: Eligible<'_>) -> Result<Vec<usize>>);
    forward!(mut decide(x: Ctx<'_>, e: Eligible<'_>) -> Result<Decision>);
    forward!(mut decide_k(x: Ctx<'_>, k: usize, e: Eligible<'_>) -> Result<SlateDecision>);
    forward!(mut reward(id: u64, reward: f64) -> Result<usize>);
    forward!(mut reward_slate(id: u64, rewards: &[f64]) -> Result<()>);
    forward!(mut update(arm: usize, x: Ctx<'_>, reward: f64) -> Result<()>);
    forward!(mut update_batch(arms: &[usize], xs: Ctx<'_>, rewards: &[f64]) -> Result<()>);
    forward!(ref summary(x: Ctx<'_>, level: Option<f64>) -> Result<Vec<ArmSummary>>);
    forward!(ref insight(x: Ctx<'_>, e: Eligible<'_>, draws: Option<usize>, seed: Option<u64>) -> Result<Insight>);
    forward!(ref should_stop(x: Ctx<'_>, rule: &StoppingRule, draws: Option<usize>, seed: Option<u64>) -> Result<StopDecision>);
    forward!(mut add_arm(name: &str) -> Result<usize>);
    forward!(mut retire_arm(arm: usize) -> Result<()>);
    forward!(ref to_json() -> Result<String>);
    forward!(ref to_any() -> AnyPolicy);
}

/// Checks a context-free call got no context.
fn no_context(arg: &str, context: Option<&[f64]>) -> Result<()> {
    context_for(0, arg, context).map(drop)
}

/// [`ServingPolicy`] for a context-free policy type.
macro_rules! context_free_serving {
    ($ty:ty, $variant:ident) => {
        impl ServingPolicy for $ty {
            fn kind(&self) -> &'static str {
                <<$ty as HasModel>::Model as ArmModel>::KIND
            }
            fn arm_names(&self) -> &[String] {
                <$ty>::arm_names(self)
            }
            fn arm_index(&self, name: &str) -> Result<usize> {
                <$ty>::arm_index(self, name)
            }
            fn active_arms(&self) -> &[usize] {
                <$ty>::active_arms(self)
            }
            fn options(&self) -> &PolicyOptions {
                self.params().get_options()
            }
            fn n_updates(&self) -> u64 {
                <$ty>::n_updates(self)
            }
            fn pending_decisions(&self) -> usize {
                <$ty>::pending_decisions(self)
            }
            fn next_decision_id(&self) -> u64 {
                <$ty>::next_decision_id(self)
            }
            fn choose(&mut self, x: Option<&[f64]>, e: Option<&[usize]>) -> Result<usize> {
                no_context("context", x)?;
                <$ty>::choose(self, e)
            }
            fn choose_k(
                &mut self,
                x: Option<&[f64]>,
                k: usize,
                e: Option<&[usize]>,
            ) -> Result<Vec<usize>> {
                no_context("context", x)?;
                <$ty>::choose_k(self, k, e)
            }
            fn decide(&mut self, x: Option<&[f64]>, e: Option<&[usize]>) -> Result<Decision> {
                no_context("context", x)?;
                <$ty>::decide(self, e)
            }
            fn decide_k(
                &mut self,
                x: Option<&[f64]>,
                k: usize,
                e: Option<&[usize]>,
            ) -> Result<SlateDecision> {
                no_context("context", x)?;
                <$ty>::decide_k(self, k, e)
            }
            fn reward(&mut self, id: u64, r: f64) -> Result<usize> {
                <$ty>::reward(self, id, r)
            }
            fn reward_slate(&mut self, id: u64, r: &[f64]) -> Result<()> {
                <$ty>::reward_slate(self, id, r)
            }
            fn update(&mut self, arm: usize, x: Option<&[f64]>, r: f64) -> Result<()> {
                no_context("context", x)?;
                <$ty>::update(self, arm, r)
            }
            fn update_batch(
                &mut self,
                arms: &[usize],
                xs: Option<&[f64]>,
                r: &[f64],
            ) -> Result<()> {
                no_context("contexts", xs)?;
                <$ty>::update_batch(self, arms, r)
            }
            fn summary(&self, x: Option<&[f64]>, level: Option<f64>) -> Result<Vec<ArmSummary>> {
                no_context("context", x)?;
                <$ty>::summary(self, level.unwrap_or(DEFAULT_LEVEL))
            }
            fn insight(
                &self,
                x: Option<&[f64]>,
                e: Option<&[usize]>,
                draws: Option<usize>,
                seed: Option<u64>,
            ) -> Result<Insight> {
                no_context("context", x)?;
                <$ty>::insight(
                    self,
                    e,
                    draws.unwrap_or(DEFAULT_DRAWS),
                    seed.unwrap_or(DEFAULT_INSIGHT_SEED),
                )
            }
            fn should_stop(
                &self,
                x: Option<&[f64]>,
                rule: &StoppingRule,
                draws: Option<usize>,
                seed: Option<u64>,
            ) -> Result<StopDecision> {
                no_context("context", x)?;
                <$ty>::should_stop(
                    self,
                    rule,
                    draws.unwrap_or(DEFAULT_DRAWS),
                    seed.unwrap_or(DEFAULT_INSIGHT_SEED),
                )
            }
            fn add_arm(&mut self, name: &str) -> Result<usize> {
                <$ty>::add_arm(self, name)
            }
            fn retire_arm(&mut self, arm: usize) -> Result<()> {
                <$ty>::retire_arm(self, arm)
            }
            fn to_json(&self) -> Result<String> {
                <$ty>::to_json(self)
            }
            fn to_any(&self) -> AnyPolicy {
                AnyPolicy::$variant(self.clone())
            }
        }
    };
}

/// The arm model of a context-free policy type.
trait HasModel {
    type Model: ArmModel;
}

impl<M: ArmModel> HasModel for super::context_free::ContextFreeTs<M> {
    type Model = M;
}

context_free_serving!(BernoulliTs, Bernoulli);
context_free_serving!(GaussianTs, Gaussian);

impl ServingPolicy for LinearTs {
    fn kind(&self) -> &'static str {
        "LinearTs"
    }
    fn arm_names(&self) -> &[String] {
        LinearTs::arm_names(self)
    }
    fn arm_index(&self, name: &str) -> Result<usize> {
        LinearTs::arm_index(self, name)
    }
    fn active_arms(&self) -> &[usize] {
        LinearTs::active_arms(self)
    }
    fn options(&self) -> &PolicyOptions {
        self.params().get_options()
    }
    fn n_updates(&self) -> u64 {
        LinearTs::n_updates(self)
    }
    fn pending_decisions(&self) -> usize {
        LinearTs::pending_decisions(self)
    }
    fn next_decision_id(&self) -> u64 {
        LinearTs::next_decision_id(self)
    }
    fn choose(&mut self, x: Option<&[f64]>, e: Option<&[usize]>) -> Result<usize> {
        let x = context_for(self.dim(), "context", x)?;
        LinearTs::choose(self, x, e)
    }
    fn choose_k(&mut self, x: Option<&[f64]>, k: usize, e: Option<&[usize]>) -> Result<Vec<usize>> {
        let x = context_for(self.dim(), "context", x)?;
        LinearTs::choose_k(self, x, k, e)
    }
    fn decide(&mut self, x: Option<&[f64]>, e: Option<&[usize]>) -> Result<Decision> {
        let x = context_for(self.dim(), "context", x)?;
        LinearTs::decide(self, x, e)
    }
    fn decide_k(
        &mut self,
        x: Option<&[f64]>,
        k: usize,
        e: Option<&[usize]>,
    ) -> Result<SlateDecision> {
        let x = context_for(self.dim(), "context", x)?;
        LinearTs::decide_k(self, x, k, e)
    }
    fn reward(&mut self, id: u64, r: f64) -> Result<usize> {
        LinearTs::reward(self, id, r)
    }
    fn reward_slate(&mut self, id: u64, r: &[f64]) -> Result<()> {
        LinearTs::reward_slate(self, id, r)
    }
    fn update(&mut self, arm: usize, x: Option<&[f64]>, r: f64) -> Result<()> {
        let x = context_for(self.dim(), "context", x)?;
        LinearTs::update(self, arm, x, r)
    }
    fn update_batch(&mut self, arms: &[usize], xs: Option<&[f64]>, r: &[f64]) -> Result<()> {
        let xs = context_for(self.dim(), "contexts", xs)?;
        let (n, d) = (arms.len(), self.dim());
        let view = ArrayView2::from_shape((n, d), xs).map_err(|_| Ki3Error::LengthMismatch {
            arg: "contexts".into(),
            got: xs.len(),
            expected_arg: "arms × n_features".into(),
            expected: n.saturating_mul(d),
        })?;
        LinearTs::update_batch(self, arms, view, r)
    }
    fn summary(&self, x: Option<&[f64]>, level: Option<f64>) -> Result<Vec<ArmSummary>> {
        let x = context_for(self.dim(), "context", x)?;
        LinearTs::summary(self, x, level.unwrap_or(DEFAULT_LEVEL))
    }
    fn insight(
        &self,
        x: Option<&[f64]>,
        e: Option<&[usize]>,
        draws: Option<usize>,
        seed: Option<u64>,
    ) -> Result<Insight> {
        let x = context_for(self.dim(), "context", x)?;
        LinearTs::insight(
            self,
            x,
            e,
            draws.unwrap_or(DEFAULT_DRAWS),
            seed.unwrap_or(DEFAULT_INSIGHT_SEED),
        )
    }
    fn should_stop(
        &self,
        x: Option<&[f64]>,
        rule: &StoppingRule,
        draws: Option<usize>,
        seed: Option<u64>,
    ) -> Result<StopDecision> {
        let x = context_for(self.dim(), "context", x)?;
        LinearTs::should_stop(
            self,
            x,
            rule,
            draws.unwrap_or(DEFAULT_DRAWS),
            seed.unwrap_or(DEFAULT_INSIGHT_SEED),
        )
    }
    fn add_arm(&mut self, name: &str) -> Result<usize> {
        LinearTs::add_arm(self, name)
    }
    fn retire_arm(&mut self, arm: usize) -> Result<()> {
        LinearTs::retire_arm(self, arm)
    }
    fn to_json(&self) -> Result<String> {
        LinearTs::to_json(self)
    }
    fn to_any(&self) -> AnyPolicy {
        AnyPolicy::Linear(self.clone())
    }
}

impl Drift {
    /// The drift a face was given, parsed once for every face: `kind` `None` (fixed rates),
    /// `"switch"` (to `rates` from step `at`, required) or `"linear"` (to `rates` at the last
    /// step); `rates` is required with a kind. Errors name `drift.kind`, `drift.at`,
    /// `drift.rates`.
    pub fn from_parts(
        kind: Option<&str>,
        at: Option<usize>,
        rates: Option<Vec<f64>>,
    ) -> Result<Drift> {
        let Some(kind) = kind else {
            return Ok(Drift::None);
        };
        let rates = || {
            rates.ok_or_else(|| {
                Ki3Error::param("drift.rates", format!("required with drift kind {kind:?}"))
            })
        };
        match kind {
            "switch" => {
                let at = at.ok_or_else(|| {
                    Ki3Error::param("drift.at", "required when drift.kind is \"switch\"")
                })?;
                Ok(Drift::Switch {
                    at,
                    rates: rates()?,
                })
            }
            "linear" => Ok(Drift::Linear { rates: rates()? }),
            other => Err(Ki3Error::param(
                "drift.kind",
                format!("must be \"switch\" or \"linear\", got {other:?}"),
            )),
        }
    }
}

/// The defaults of every public bandit class, as `"Class.method.param" → value` (class names as
/// the faces spell them, methods and parameters in snake_case; `"new"` is the constructor).
/// Python and Node read their defaults from here, and their tests compare what a user sees with
/// this map.
pub fn defaults() -> Map<String, Value> {
    let options = PolicyOptions::default();
    let bernoulli = TsParams::<BetaPrior>::default();
    let gaussian = TsParams::<NigPrior>::default();
    let linear = LinearTsParams::default();
    let (b, g) = (bernoulli.get_prior(), gaussian.get_prior());
    let mut out = Map::new();
    for class in ["BernoulliTS", "GaussianTS", "LinearTS"] {
        let mut put = |key: &str, value: Value| {
            out.insert(format!("{class}.{key}"), value);
        };
        put("new.discount", json!(options.discount));
        put("new.top_two", json!(options.top_two));
        put(
            "new.top_two_max_resamples",
            json!(options.top_two_max_resamples),
        );
        put("new.seed", json!(options.seed));
        put("new.pending_horizon", json!(options.pending_horizon));
        put("top_two.beta", json!(PolicyOptions::DEFAULT_TOP_TWO));
        put("choose.n", json!(1));
        put("decide.n", json!(1));
        put("summary.level", json!(DEFAULT_LEVEL));
        for method in ["insight", "prob_best", "should_stop"] {
            put(&format!("{method}.draws"), json!(DEFAULT_DRAWS));
            put(&format!("{method}.seed"), json!(DEFAULT_INSIGHT_SEED));
        }
        put("should_stop.prob_best", json!(DEFAULT_STOP_PROB_BEST));
        put("should_stop.expected_loss", Value::Null);
    }
    out.insert("BernoulliTS.new.prior".into(), json!([b.alpha, b.beta]));
    out.insert(
        "GaussianTS.new.prior".into(),
        json!([g.mean, g.kappa, g.alpha, g.beta]),
    );
    out.insert("LinearTS.new.ridge".into(), json!(linear.get_ridge()));
    out.insert("LinearTS.new.noise".into(), json!(linear.get_noise()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bandit::{BernoulliTsParams, GaussianTsParams};

    #[test]
    fn any_policy_serves_every_kind_and_loads_by_kind() {
        let mut policies: Vec<AnyPolicy> = vec![
            BernoulliTsParams::default()
                .seed(3)
                .build(3)
                .unwrap()
                .into(),
            GaussianTsParams::default().seed(3).build(3).unwrap().into(),
            LinearTsParams::default()
                .seed(3)
                .build(3, 2)
                .unwrap()
                .into(),
        ];
        for p in &mut policies {
            let x = (p.context_dim() > 0).then_some(&[0.5, 1.0][..]);
            let arm = p.choose(x, None).unwrap();
            p.update(arm, x, 1.0).unwrap();
            let d = p.decide(x, Some(&[0, 2])).unwrap();
            assert!(d.arm == 0 || d.arm == 2);
            assert_eq!(p.reward(d.id, 0.0).unwrap(), d.arm);
            let s = p.decide_k(x, 2, None).unwrap();
            p.reward_slate(s.id, &[1.0, 0.0]).unwrap();
            assert_eq!(p.n_updates(), 4);
            let sum = p.summary(x, None).unwrap();
            assert_eq!(sum.len(), 3);
            assert_eq!(p.insight(x, None, None, None).unwrap().draws, DEFAULT_DRAWS);
            let copy = AnyPolicy::from_json(&p.to_json().unwrap()).unwrap();
            assert_eq!(copy.kind(), p.kind());
            assert_eq!(copy.to_json().unwrap(), p.to_json().unwrap());
            // The context check, once for every face.
            if x.is_some() {
                let e = p.choose(None, None).unwrap_err().to_string();
                assert!(e.contains("required") && e.contains("nFeatures = 2"), "{e}");
            } else {
                let e = p.choose(Some(&[1.0]), None).unwrap_err().to_string();
                assert!(e.contains("context-free"), "{e}");
                assert!(p.choose(Some(&[]), None).is_ok());
            }
        }
        assert!(AnyPolicy::from_json("{\"kind\": \"Nope\"}").is_err());
        assert!(AnyPolicy::from_json("[").is_err());
    }

    #[test]
    fn defaults_are_the_params_defaults() {
        let d = defaults();
        assert_eq!(d["BernoulliTS.summary.level"], json!(DEFAULT_LEVEL));
        assert_eq!(d["LinearTS.new.pending_horizon"], json!(10_000));
        assert_eq!(d["GaussianTS.new.prior"], json!([0.0, 1.0, 1.0, 1.0]));
        assert_eq!(
            PolicyOptions::from_parts(None, None, None, None, None).unwrap(),
            PolicyOptions::default()
        );
        assert!(PolicyOptions::from_parts(Some(2.0), None, None, None, None).is_err());
        assert_eq!(Drift::from_parts(None, None, None).unwrap(), Drift::None);
        assert_eq!(
            Drift::from_parts(Some("switch"), Some(3), Some(vec![0.5])).unwrap(),
            Drift::Switch {
                at: 3,
                rates: vec![0.5]
            }
        );
        let e = Drift::from_parts(Some("wobble"), None, Some(vec![0.5])).unwrap_err();
        assert!(e.to_string().contains("drift.kind") && e.to_string().contains("wobble"));
        assert!(Drift::from_parts(Some("switch"), None, Some(vec![0.5])).is_err());
        assert!(Drift::from_parts(Some("linear"), None, None).is_err());
    }
}
