//! Meta-learners: uplift models built from ordinary supervised learners.
//!
//! With treatment `t ∈ {0, 1}`, outcome `y` and features `x`, the uplift (CATE) is
//! `τ(x) = E[y | x, t = 1] − E[y | x, t = 0]`. [`MetaLearnerParams`] → [`MetaLearner`]:
//!
//! * [`Method::SLearner`]: one model `μ(x, t)` on the features plus the treatment column;
//!   `τ(x) = μ(x, 1) − μ(x, 0)`.
//! * [`Method::TLearner`] (scikit-uplift's `TwoModels(method="vanilla")`): `μ₁` on treated rows,
//!   `μ₀` on control rows; `τ(x) = μ₁(x) − μ₀(x)`.
//! * [`Method::XLearner`] (Künzel, Sekhon, Bickel & Yu 2019, PNAS 116(10)): after the
//!   T-learner's `μ₀, μ₁`, the imputed effects `D¹ᵢ = yᵢ − μ₀(xᵢ)` (treated) and
//!   `D⁰ᵢ = μ₁(xᵢ) − yᵢ` (control) are regressed by the effect learner into `τ₁`, `τ₀`, and
//!   `τ(x) = g(x) τ₀(x) + (1 − g(x)) τ₁(x)` with `g` the propensity.
//! * [`Method::ClassTransformation`] (Jaskowski & Jaroszewicz 2012): a classifier of
//!   `z = y t + (1 − y)(1 − t)`; `τ(x) = 2 P(z = 1 | x) − 1`, exact when `P(t = 1) = 1/2`.
//!   With a propensity other than [`Propensity::Half`] rows are weighted `1/(2e)` (treated) and
//!   `1/(2(1 − e))` (control), which restores the balanced case.
//! * [`Method::TransformedOutcome`] (Athey & Imbens 2015, for continuous outcomes): the effect
//!   learner regresses `y* = y (t − e) / (e (1 − e))`, whose conditional mean is `τ(x)`.
//!
//! Propensity `e(x) = P(t = 1 | x)` ([`Propensity`]): ½ (scikit-uplift's assumption), the
//! treated share of the training rows (the default; right for any fixed-ratio randomised
//! campaign), or a fitted logistic regression (observational data).
//!
//! Base learners ([`BaseLearner`]) are the core's: L2 logistic regression for binary outcomes
//! and ridge regression, each optionally standardising its features on its own training rows
//! (scikit-learn's `StandardScaler` → estimator pipeline: mean and population standard
//! deviation; a constant column is only centred).

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis, concatenate};
use serde::{Deserialize, Serialize};

use crate::error::{Ki3Error, Result};
use crate::model::{Fit, Params};
use crate::persist::{self, Persist};

use super::checks::{MAX_FEATURES, check_matrix, check_vector};
use super::logistic::{LogisticData, LogisticRegression, LogisticRegressionParams};
use super::ridge::{RidgeData, RidgeParams, RidgeRegression};

/// Which meta-learner (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// One model with the treatment as a feature.
    SLearner,
    /// One model per group.
    TLearner,
    /// Künzel et al.'s X-learner.
    XLearner,
    /// Jaskowski & Jaroszewicz's class transformation (binary outcomes).
    ClassTransformation,
    /// Athey & Imbens' transformed outcome (continuous outcomes).
    TransformedOutcome,
}

/// The estimator inside a [`BaseLearner`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LearnerKind {
    /// L2 logistic regression (binary targets; predicts `P(y = 1 | x)`).
    Logistic(LogisticRegressionParams),
    /// Ridge regression (any target; predicts `E[y | x]`).
    Ridge(RidgeParams),
}

/// A base learner: an estimator and whether it standardises its features first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaseLearner {
    /// The estimator.
    pub kind: LearnerKind,
    /// Standardise the features on the learner's own training rows (default true).
    pub standardize: bool,
}

impl BaseLearner {
    /// Standardised L2 logistic regression with default parameters (`l2 = 1`, scikit-learn's
    /// `LogisticRegression(C=1)`).
    pub fn logistic() -> Self {
        BaseLearner {
            kind: LearnerKind::Logistic(LogisticRegressionParams::default()),
            standardize: true,
        }
    }

    /// Standardised ridge regression with default parameters (`l2 = 1`).
    pub fn ridge() -> Self {
        BaseLearner {
            kind: LearnerKind::Ridge(RidgeParams::default()),
            standardize: true,
        }
    }

    /// Sets whether features are standardised.
    pub fn standardize(mut self, yes: bool) -> Self {
        self.standardize = yes;
        self
    }

    fn check(&self, name: &str) -> Result<()> {
        match &self.kind {
            LearnerKind::Logistic(p) => p.check(),
            LearnerKind::Ridge(p) => p.check(),
        }
        .map_err(|e| Ki3Error::param(name, e.to_string()))
    }

    fn is_classifier(&self) -> bool {
        matches!(self.kind, LearnerKind::Logistic(_))
    }
}

/// How the propensity `e(x) = P(t = 1 | x)` is obtained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Propensity {
    /// ½ for everyone (scikit-uplift's class transformation assumes it).
    Half,
    /// The share of treated training rows (default).
    Share,
    /// A logistic regression of `t` on the (standardised) features.
    Logistic(LogisticRegressionParams),
}

/// Hyper-parameters of [`MetaLearner`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetaLearnerParams {
    /// The meta-learner (default [`Method::TLearner`]).
    pub method: Method,
    /// The outcome model of the S-, T- and X-learners, the classifier of the class
    /// transformation (default standardised logistic regression).
    pub learner: BaseLearner,
    /// The regression of the X-learner's imputed effects and of the transformed outcome
    /// (default standardised ridge regression).
    pub effect_learner: BaseLearner,
    /// The propensity (default [`Propensity::Share`]); not used by the S- and T-learners.
    pub propensity: Propensity,
}

impl Default for MetaLearnerParams {
    fn default() -> Self {
        MetaLearnerParams {
            method: Method::TLearner,
            learner: BaseLearner::logistic(),
            effect_learner: BaseLearner::ridge(),
            propensity: Propensity::Share,
        }
    }
}

impl MetaLearnerParams {
    /// Default parameters with `method`.
    pub fn new(method: Method) -> Self {
        MetaLearnerParams {
            method,
            ..Default::default()
        }
    }
    /// Sets the outcome learner.
    pub fn learner(mut self, learner: BaseLearner) -> Self {
        self.learner = learner;
        self
    }
    /// Sets the effect learner.
    pub fn effect_learner(mut self, learner: BaseLearner) -> Self {
        self.effect_learner = learner;
        self
    }
    /// Sets the propensity.
    pub fn propensity(mut self, propensity: Propensity) -> Self {
        self.propensity = propensity;
        self
    }
}

impl Params for MetaLearnerParams {
    fn check(&self) -> Result<()> {
        self.learner.check("learner")?;
        self.effect_learner.check("effect_learner")?;
        if let Propensity::Logistic(p) = &self.propensity {
            p.check()
                .map_err(|e| Ki3Error::param("propensity", e.to_string()))?;
        }
        if self.method == Method::ClassTransformation && !self.learner.is_classifier() {
            return Err(Ki3Error::param(
                "learner",
                "the class transformation needs a classifier (logistic regression)",
            ));
        }
        if matches!(self.method, Method::XLearner | Method::TransformedOutcome)
            && self.effect_learner.is_classifier()
        {
            return Err(Ki3Error::param(
                "effect_learner",
                "effects are continuous: use a regression (ridge)",
            ));
        }
        Ok(())
    }
}

/// Training data of a meta-learner.
#[derive(Debug, Clone, Copy)]
pub struct UpliftData<'a> {
    /// Features, one row per customer.
    pub x: ArrayView2<'a, f64>,
    /// Treatment flags, 0 (control) or 1 (treated); both groups must be present.
    pub treatment: ArrayView1<'a, f64>,
    /// Outcomes (0/1 where the learner is a classifier).
    pub y: ArrayView1<'a, f64>,
}

/// Feature standardisation (scikit-learn's `StandardScaler`): `(x − mean) / scale`, `scale`
/// the population standard deviation (1 for a constant column).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scaler {
    /// Column means.
    pub mean: Vec<f64>,
    /// Column scales (> 0).
    pub scale: Vec<f64>,
}

impl Scaler {
    fn fit(x: ArrayView2<'_, f64>) -> Self {
        let n = x.nrows().max(1) as f64;
        let mean: Vec<f64> = x.columns().into_iter().map(|c| c.sum() / n).collect();
        let scale = x
            .columns()
            .into_iter()
            .zip(&mean)
            .map(|(c, m)| {
                let var = c.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n;
                let sd = var.sqrt();
                // scikit-learn treats variances at rounding level as zero.
                if sd <= 10.0 * f64::EPSILON * m.abs().max(1.0) {
                    1.0
                } else {
                    sd
                }
            })
            .collect();
        Scaler { mean, scale }
    }

    fn transform(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        let mut out = x.to_owned();
        for (mut col, (m, s)) in out
            .columns_mut()
            .into_iter()
            .zip(self.mean.iter().zip(&self.scale))
        {
            col.mapv_inplace(|v| (v - m) / s);
        }
        out
    }
}

/// A fitted estimator of a [`BaseLearner`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FittedModel {
    /// A logistic regression (predicts probabilities).
    Logistic(LogisticRegression),
    /// A ridge regression.
    Ridge(RidgeRegression),
}

/// A fitted base learner: its scaler (if it standardises) and its estimator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FittedLearner {
    /// The standardisation learned on the training rows.
    pub scaler: Option<Scaler>,
    /// The estimator.
    pub model: FittedModel,
}

impl FittedLearner {
    /// Fits `spec` on `x`, `y` with optional sample weights (standardising first if the spec
    /// says so).
    pub fn fit(
        spec: &BaseLearner,
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, f64>,
        w: Option<ArrayView1<'_, f64>>,
    ) -> Result<Self> {
        let scaler = spec.standardize.then(|| Scaler::fit(x));
        let scaled = scaler.as_ref().map(|s| s.transform(x));
        let xs = scaled.as_ref().map_or(x, |s| s.view());
        let model = match &spec.kind {
            LearnerKind::Logistic(p) => FittedModel::Logistic(p.fit(&LogisticData {
                x: xs,
                y,
                sample_weight: w,
            })?),
            LearnerKind::Ridge(p) => FittedModel::Ridge(p.fit(&RidgeData {
                x: xs,
                y,
                sample_weight: w,
            })?),
        };
        Ok(FittedLearner { scaler, model })
    }

    /// Predictions of the fitted estimator (probabilities for a logistic regression).
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        let scaled = self.scaler.as_ref().map(|s| s.transform(x));
        let xs = scaled.as_ref().map_or(x, |s| s.view());
        match &self.model {
            FittedModel::Logistic(m) => m.predict_proba(xs),
            FittedModel::Ridge(m) => m.predict(xs),
        }
    }

    /// Number of features the estimator was fitted on.
    pub fn n_features(&self) -> usize {
        match &self.model {
            FittedModel::Logistic(m) => m.coef.len(),
            FittedModel::Ridge(m) => m.coef.len(),
        }
    }

    /// Checks a loaded learner (scaler lengths and values, the estimator's fields).
    pub fn validate(&self) -> Result<()> {
        let p = self.n_features();
        if let Some(s) = &self.scaler {
            let ok = s.mean.len() == p
                && s.scale.len() == p
                && s.mean.iter().all(|v| v.is_finite())
                && s.scale.iter().all(|v| v.is_finite() && *v > 0.0);
            if !ok {
                return Err(Ki3Error::corrupt("scaler: wrong length or invalid value"));
            }
        }
        match &self.model {
            FittedModel::Logistic(m) => m.validate(),
            FittedModel::Ridge(m) => m.validate(),
        }
    }
}

/// The fitted propensity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FittedPropensity {
    /// The same `e` for everyone.
    Constant(f64),
    /// `e(x)` from a fitted classifier.
    Model(FittedLearner),
}

impl FittedPropensity {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        match self {
            FittedPropensity::Constant(e) => Ok(Array1::from_elem(x.nrows(), *e)),
            FittedPropensity::Model(m) => m.predict(x),
        }
    }
}

/// A fitted meta-learner: `predict(x)` is the uplift `τ(x)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetaLearner {
    /// The hyper-parameters it was fitted with.
    pub params: MetaLearnerParams,
    /// Number of features (columns of `x`).
    pub n_features: usize,
    /// The fitted models: S `[μ]`, T `[μ₀, μ₁]`, X `[μ₀, μ₁, τ₀, τ₁]`, class transformation
    /// `[classifier of z]`, transformed outcome `[regression of y*]`.
    pub models: Vec<FittedLearner>,
    /// The propensity (used by the X-learner, the class transformation and the transformed
    /// outcome; `None` for the S- and T-learners).
    pub propensity: Option<FittedPropensity>,
}

fn rows(x: ArrayView2<'_, f64>, idx: &[usize]) -> Array2<f64> {
    x.select(Axis(0), idx)
}

fn with_treatment(x: ArrayView2<'_, f64>, t: f64) -> Array2<f64> {
    let col = Array2::from_elem((x.nrows(), 1), t);
    // Shapes agree by construction (same row count).
    concatenate(Axis(1), &[x, col.view()]).unwrap_or_else(|_| Array2::zeros((0, 0)))
}

/// Bounds of an estimated propensity used as a divisor.
const MIN_PROPENSITY: f64 = 1e-6;

impl UpliftData<'_> {
    /// Checks the data; returns the treated and control row indices.
    fn check(&self) -> Result<(Vec<usize>, Vec<usize>)> {
        let (n, p) = self.x.dim();
        if n == 0 {
            return Err(Ki3Error::Empty { arg: "x".into() });
        }
        if p > MAX_FEATURES {
            return Err(Ki3Error::param(
                "x",
                format!("{p} features, at most {MAX_FEATURES}"),
            ));
        }
        check_matrix("x", self.x)?;
        check_vector("treatment", self.treatment, n)?;
        check_vector("y", self.y, n)?;
        if let Some(i) = self.treatment.iter().position(|&t| t != 0.0 && t != 1.0) {
            return Err(Ki3Error::InvalidValue {
                arg: "treatment".into(),
                index: i,
                reason: "treatment labels must be 0 or 1".into(),
            });
        }
        let (treated, control): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| self.treatment[i] == 1.0);
        if treated.is_empty() || control.is_empty() {
            let only = if treated.is_empty() {
                "control"
            } else {
                "treated"
            };
            return Err(Ki3Error::param(
                "treatment",
                format!("only {only} rows present; both groups are needed"),
            ));
        }
        Ok((treated, control))
    }
}

impl MetaLearnerParams {
    fn fit_propensity(&self, data: &UpliftData<'_>, n_treated: usize) -> Result<FittedPropensity> {
        Ok(match &self.propensity {
            Propensity::Half => FittedPropensity::Constant(0.5),
            Propensity::Share => {
                FittedPropensity::Constant(n_treated as f64 / data.x.nrows() as f64)
            }
            Propensity::Logistic(p) => {
                let spec = BaseLearner {
                    kind: LearnerKind::Logistic(p.clone()),
                    standardize: true,
                };
                FittedPropensity::Model(FittedLearner::fit(&spec, data.x, data.treatment, None)?)
            }
        })
    }
}

impl<'a> Fit<UpliftData<'a>> for MetaLearnerParams {
    type Model = MetaLearner;

    fn fit(&self, data: &UpliftData<'a>) -> Result<MetaLearner> {
        self.check()?;
        let (treated, control) = data.check()?;
        let x = data.x;
        let (y, t) = (data.y, data.treatment);
        let group = |idx: &[usize]| {
            (
                rows(x, idx),
                idx.iter().map(|&i| y[i]).collect::<Array1<f64>>(),
            )
        };
        let two_models = || -> Result<Vec<FittedLearner>> {
            let (x0, y0) = group(&control);
            let (x1, y1) = group(&treated);
            Ok(vec![
                FittedLearner::fit(&self.learner, x0.view(), y0.view(), None)?,
                FittedLearner::fit(&self.learner, x1.view(), y1.view(), None)?,
            ])
        };
        let clip = |e: f64| e.clamp(MIN_PROPENSITY, 1.0 - MIN_PROPENSITY);
        let (models, propensity) = match self.method {
            Method::SLearner => {
                let xt = concatenate(Axis(1), &[x, t.insert_axis(Axis(1))])
                    .map_err(|e| Ki3Error::param("x", e.to_string()))?;
                (
                    vec![FittedLearner::fit(&self.learner, xt.view(), y, None)?],
                    None,
                )
            }
            Method::TLearner => (two_models()?, None),
            Method::XLearner => {
                let mut models = two_models()?;
                let (x0, y0) = group(&control);
                let (x1, y1) = group(&treated);
                let d0 = models[1].predict(x0.view())? - &y0;
                let d1 = &y1 - &models[0].predict(x1.view())?;
                models.push(FittedLearner::fit(
                    &self.effect_learner,
                    x0.view(),
                    d0.view(),
                    None,
                )?);
                models.push(FittedLearner::fit(
                    &self.effect_learner,
                    x1.view(),
                    d1.view(),
                    None,
                )?);
                (models, Some(self.fit_propensity(data, treated.len())?))
            }
            Method::ClassTransformation => {
                if let Some(i) = y.iter().position(|&v| v != 0.0 && v != 1.0) {
                    return Err(Ki3Error::InvalidValue {
                        arg: "y".into(),
                        index: i,
                        reason: "the class transformation needs binary outcomes (0 or 1)".into(),
                    });
                }
                let prop = self.fit_propensity(data, treated.len())?;
                let z: Array1<f64> = y
                    .iter()
                    .zip(t)
                    .map(|(&y, &t)| if y == t { 1.0 } else { 0.0 })
                    .collect();
                let weights = match &prop {
                    FittedPropensity::Constant(e) if *e == 0.5 => None,
                    _ => {
                        let e = prop.predict(x)?;
                        Some(
                            e.iter()
                                .zip(t)
                                .map(|(&e, &t)| {
                                    let e = clip(e);
                                    if t == 1.0 { 0.5 / e } else { 0.5 / (1.0 - e) }
                                })
                                .collect::<Array1<f64>>(),
                        )
                    }
                };
                let model = FittedLearner::fit(
                    &self.learner,
                    x,
                    z.view(),
                    weights.as_ref().map(|w| w.view()),
                )?;
                (vec![model], Some(prop))
            }
            Method::TransformedOutcome => {
                let prop = self.fit_propensity(data, treated.len())?;
                let e = prop.predict(x)?;
                let ystar: Array1<f64> = (0..x.nrows())
                    .map(|i| {
                        let e = clip(e[i]);
                        y[i] * (t[i] - e) / (e * (1.0 - e))
                    })
                    .collect();
                let model = FittedLearner::fit(&self.effect_learner, x, ystar.view(), None)?;
                (vec![model], Some(prop))
            }
        };
        Ok(MetaLearner {
            params: self.clone(),
            n_features: x.ncols(),
            models,
            propensity,
        })
    }
}

impl MetaLearner {
    /// The estimated uplift `τ(x)` of each row of `x`.
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        if x.ncols() != self.n_features {
            return Err(Ki3Error::LengthMismatch {
                arg: "x columns".into(),
                got: x.ncols(),
                expected_arg: "fitted features".into(),
                expected: self.n_features,
            });
        }
        check_matrix("x", x)?;
        let m = &self.models;
        let model = |k: usize| m.get(k).ok_or_else(|| Ki3Error::corrupt("missing model"));
        match self.params.method {
            Method::SLearner => {
                let s = model(0)?;
                Ok(s.predict(with_treatment(x, 1.0).view())?
                    - s.predict(with_treatment(x, 0.0).view())?)
            }
            Method::TLearner => Ok(model(1)?.predict(x)? - model(0)?.predict(x)?),
            Method::XLearner => {
                let tau0 = model(2)?.predict(x)?;
                let tau1 = model(3)?.predict(x)?;
                let g = self
                    .propensity
                    .as_ref()
                    .ok_or_else(|| Ki3Error::corrupt("missing propensity"))?
                    .predict(x)?;
                Ok(&g * &tau0 + &(1.0 - &g) * &tau1)
            }
            Method::ClassTransformation => Ok(model(0)?.predict(x)? * 2.0 - 1.0),
            Method::TransformedOutcome => model(0)?.predict(x),
        }
    }

    pub(crate) fn validate(&self) -> Result<()> {
        self.params
            .check()
            .map_err(|e| Ki3Error::corrupt(format!("params: {e}")))?;
        if self.n_features > MAX_FEATURES {
            return Err(Ki3Error::corrupt("n_features: too many"));
        }
        let (count, extra) = match self.params.method {
            Method::SLearner => (1, 1),
            Method::TLearner => (2, 0),
            Method::XLearner => (4, 0),
            Method::ClassTransformation | Method::TransformedOutcome => (1, 0),
        };
        if self.models.len() != count {
            return Err(Ki3Error::corrupt(format!(
                "models: expected {count} for {:?}, got {}",
                self.params.method,
                self.models.len()
            )));
        }
        for m in &self.models {
            m.validate()?;
            if m.n_features() != self.n_features + extra {
                return Err(Ki3Error::corrupt("models: feature count does not match"));
            }
        }
        let needs_propensity = !matches!(self.params.method, Method::SLearner | Method::TLearner);
        match (&self.propensity, needs_propensity) {
            (None, false) => Ok(()),
            (Some(FittedPropensity::Constant(e)), true) if *e > 0.0 && *e < 1.0 => Ok(()),
            (Some(FittedPropensity::Model(m)), true)
                if m.n_features() == self.n_features && m.validate().is_ok() =>
            {
                Ok(())
            }
            _ => Err(Ki3Error::corrupt(
                "propensity: missing, unexpected or invalid",
            )),
        }
    }
}

impl Persist for MetaLearner {
    const KIND: &'static str = "UpliftMetaLearner";
    const VERSION: u32 = 1;

    fn to_json(&self) -> Result<String> {
        persist::to_json(Self::KIND, Self::VERSION, self)
    }

    fn from_json(text: &str) -> Result<Self> {
        let model: MetaLearner = persist::from_json(text, Self::KIND, Self::VERSION)?;
        model.validate()?;
        Ok(model)
    }
}

#[cfg(test)]
#[path = "meta_tests.rs"]
mod tests;
