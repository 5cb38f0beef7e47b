//! Uplift modelling: evaluation metrics ([`metrics`]: Qini and uplift curves, their normalised
//! areas, uplift at k, in scikit-uplift's and causalml's conventions), meta-learners
//! ([`MetaLearnerParams`] → [`MetaLearner`]: S-, T-, X-learner, class transformation,
//! transformed outcome) and their base learners, L2-regularised logistic regression
//! ([`LogisticRegressionParams`] → [`LogisticRegression`]) and ridge regression
//! ([`RidgeParams`] → [`RidgeRegression`]); several treatment arms through
//! [`MetaLearnerParams::fit_arms`] → [`MultiArmMetaLearner`].

mod arms;
mod checks;
mod logistic;
mod meta;
pub mod metrics;
mod ridge;

pub use arms::{ArmLabel, MAX_TREATMENT_ARMS, MultiArmData, MultiArmMetaLearner};
pub use logistic::{LogisticData, LogisticRegression, LogisticRegressionParams};
pub use meta::{
    BaseLearner, FittedLearner, FittedModel, FittedPropensity, LearnerKind, MetaLearner,
    MetaLearnerParams, Method, Propensity, Scaler, UpliftData,
};
pub use ridge::{RidgeData, RidgeParams, RidgeRegression};
