//! Meta-learners with several treatment arms: one control group and `k ≥ 1` treatments.
//!
//! [`MetaLearnerParams::fit_arms`] fits one [`MetaLearner`] per arm `a` on the rows of the
//! control group and of arm `a` (treatment flag 1 for arm `a`), as causalml's meta-learners do
//! with several treatment groups; [`MultiArmMetaLearner::predict`] returns the `n × k` matrix
//! `τ_a(x) = E[y | x, arm a] − E[y | x, control]`, column `a − 1` for arm `a`. Arms are fitted in
//! parallel (rayon); the fits are deterministic, so the model does not depend on the thread
//! count. The arms keep their labels (integers or strings), so a model saved in Python predicts
//! the same named columns in Node and Rust.

use std::fmt;

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Ki3Error, Result};
use crate::model::Fit;
use crate::persist::{self, Persist};

use super::checks::{MAX_FEATURES, check_matrix, check_vector};
use super::meta::{LearnerKind, MetaLearner, MetaLearnerParams, Method, UpliftData};

/// Largest accepted number of treatment arms (control excluded).
pub const MAX_TREATMENT_ARMS: usize = 1 << 10;

/// The label of a treatment group as the user named it: an integer or a string (saved as a
/// JSON number or string).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ArmLabel {
    /// An integer label such as `0` or `1`.
    Int(i64),
    /// A string label such as `"Womens E-Mail"`.
    Str(String),
}

impl fmt::Display for ArmLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArmLabel::Int(i) => write!(f, "{i}"),
            ArmLabel::Str(s) => write!(f, "{s:?}"),
        }
    }
}

/// Training data of a multi-arm meta-learner.
#[derive(Debug, Clone, Copy)]
pub struct MultiArmData<'a> {
    /// Features, one row per customer.
    pub x: ArrayView2<'a, f64>,
    /// Group codes: 0 for control, `a` (1 ≤ a ≤ k) for treatment arm `a`.
    pub treatment: ArrayView1<'a, f64>,
    /// Outcomes (0/1 where the method needs a classifier).
    pub y: ArrayView1<'a, f64>,
}

/// A fitted multi-arm meta-learner: one [`MetaLearner`] per treatment arm against control.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MultiArmMetaLearner {
    /// The control group's label.
    pub control: ArmLabel,
    /// The treatment arms' labels, in column order of [`MultiArmMetaLearner::predict`].
    #[serde(deserialize_with = "crate::persist::capped::<_, _, MAX_TREATMENT_ARMS>")]
    pub arms: Vec<ArmLabel>,
    /// One model per arm (arm vs control).
    #[serde(deserialize_with = "crate::persist::capped::<_, _, MAX_TREATMENT_ARMS>")]
    pub models: Vec<MetaLearner>,
}

/// Distinct labels, at least one arm and at most [`MAX_TREATMENT_ARMS`].
fn check_labels(control: &ArmLabel, arms: &[ArmLabel]) -> Result<()> {
    if arms.is_empty() || arms.len() > MAX_TREATMENT_ARMS {
        return Err(Ki3Error::param(
            "arms",
            format!(
                "need 1 to {MAX_TREATMENT_ARMS} treatment arms besides the control, got {}",
                arms.len()
            ),
        ));
    }
    let mut seen = std::collections::HashSet::with_capacity(arms.len() + 1);
    for label in std::iter::once(control).chain(arms) {
        if !seen.insert(label) {
            return Err(Ki3Error::param(
                "arms",
                format!("label {label} appears twice (control and arms must be distinct)"),
            ));
        }
    }
    Ok(())
}

/// Whether `params` needs 0/1 outcomes (its outcome learner is a classifier and is used).
fn needs_binary(params: &MetaLearnerParams) -> bool {
    params.method == Method::ClassTransformation
        || (params.method != Method::TransformedOutcome
            && matches!(params.learner.kind, LearnerKind::Logistic(_)))
}

impl MultiArmData<'_> {
    /// Checks the whole data once (so that errors name rows of the caller's data, not of an
    /// arm's subset); returns the group code of each row.
    fn check(&self, control: &ArmLabel, arms: &[ArmLabel], binary: bool) -> Result<Vec<usize>> {
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
        let k = arms.len();
        let mut codes = Vec::with_capacity(n);
        let mut counts = vec![0usize; k + 1];
        for (i, &c) in self.treatment.iter().enumerate() {
            if !(c >= 0.0 && c <= k as f64 && c.fract() == 0.0) {
                return Err(Ki3Error::InvalidValue {
                    arg: "treatment".into(),
                    index: i,
                    reason: format!("group codes must be whole numbers 0 to {k}, got {c}"),
                });
            }
            let c = c as usize;
            if let Some(count) = counts.get_mut(c) {
                *count += 1;
            }
            codes.push(c);
        }
        if binary && let Some(i) = self.y.iter().position(|&v| v != 0.0 && v != 1.0) {
            return Err(Ki3Error::InvalidValue {
                arg: "y".into(),
                index: i,
                reason: "outcomes must be 0 or 1 for a classifier (use a ridge learner for \
                         continuous outcomes)"
                    .into(),
            });
        }
        if counts.first() == Some(&0) {
            return Err(Ki3Error::param(
                "treatment",
                format!("no control rows (label {control}); both groups are needed"),
            ));
        }
        if let Some(a) = counts.iter().skip(1).position(|&c| c == 0) {
            let label = arms.get(a).map_or_else(String::new, ToString::to_string);
            return Err(Ki3Error::param(
                "treatment",
                format!("no rows of treatment arm {label}; every arm needs treated rows"),
            ));
        }
        Ok(codes)
    }
}

impl MetaLearnerParams {
    /// Fits one meta-learner per treatment arm on the control rows and that arm's rows.
    ///
    /// `data.treatment` holds group codes (0 control, `a` for `arms[a − 1]`). Errors name the
    /// argument and the row of `data`: [`Ki3Error::Empty`] for no rows, a code outside
    /// `0..=k`, a group without rows, non-binary outcomes for a classifier, non-finite values.
    pub fn fit_arms(
        &self,
        data: &MultiArmData<'_>,
        control: ArmLabel,
        arms: Vec<ArmLabel>,
    ) -> Result<MultiArmMetaLearner> {
        use crate::model::Params;
        self.check()?;
        check_labels(&control, &arms)?;
        let codes = data.check(&control, &arms, needs_binary(self))?;
        let models = (1..=arms.len())
            .into_par_iter()
            .map(|a| {
                let rows: Vec<usize> = (0..codes.len())
                    .filter(|&i| codes[i] == 0 || codes[i] == a)
                    .collect();
                let x = data.x.select(Axis(0), &rows);
                let t: Array1<f64> = rows.iter().map(|&i| f64::from(codes[i] == a)).collect();
                let y: Array1<f64> = rows.iter().map(|&i| data.y[i]).collect();
                self.fit(&UpliftData {
                    x: x.view(),
                    treatment: t.view(),
                    y: y.view(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(MultiArmMetaLearner {
            control,
            arms,
            models,
        })
    }
}

impl MultiArmMetaLearner {
    /// A single-arm model from a fitted [`MetaLearner`] (control labelled 0, treatment 1).
    pub fn from_single(model: MetaLearner) -> Self {
        MultiArmMetaLearner {
            control: ArmLabel::Int(0),
            arms: vec![ArmLabel::Int(1)],
            models: vec![model],
        }
    }

    /// Number of features the model was fitted on.
    pub fn n_features(&self) -> usize {
        self.models.first().map_or(0, |m| m.n_features)
    }

    /// The meta-learner's method.
    pub fn method(&self) -> Method {
        self.models
            .first()
            .map_or(Method::TLearner, |m| m.params.method)
    }

    /// The uplift of each row of `x` for each arm: `n × k`, column `a − 1` for `arms[a − 1]`.
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let mut out = Array2::zeros((x.nrows(), self.models.len()));
        for (mut col, model) in out.columns_mut().into_iter().zip(&self.models) {
            col.assign(&model.predict(x)?);
        }
        Ok(out)
    }

    fn validate(&self) -> Result<()> {
        check_labels(&self.control, &self.arms)
            .map_err(|e| Ki3Error::corrupt(format!("labels: {e}")))?;
        if self.models.len() != self.arms.len() {
            return Err(Ki3Error::corrupt(format!(
                "models: {} for {} arms",
                self.models.len(),
                self.arms.len()
            )));
        }
        let (p, params) = match self.models.first() {
            Some(m) => (m.n_features, &m.params),
            None => return Err(Ki3Error::corrupt("models: none")),
        };
        for m in &self.models {
            m.validate()?;
            if m.n_features != p || m.params.method != params.method {
                return Err(Ki3Error::corrupt(
                    "models: arms differ in method or feature count",
                ));
            }
        }
        Ok(())
    }
}

impl Persist for MultiArmMetaLearner {
    const KIND: &'static str = "UpliftMultiArmMetaLearner";
    const VERSION: u32 = 1;

    fn to_json(&self) -> Result<String> {
        persist::to_json(Self::KIND, Self::VERSION, self)
    }

    fn from_json(text: &str) -> Result<Self> {
        let model: MultiArmMetaLearner = persist::from_json(text, Self::KIND, Self::VERSION)?;
        model.validate()?;
        Ok(model)
    }
}

#[cfg(test)]
#[path = "arms_tests.rs"]
mod tests;
