//! Uplift modelling: evaluation metrics ([`metrics`]: Qini and uplift curves, their normalised
//! areas, uplift at k, in scikit-uplift's and causalml's conventions) and the base learner the
//! meta-learners build on, L2-regularised logistic regression ([`LogisticRegressionParams`] →
//! [`LogisticRegression`]).

mod logistic;
pub mod metrics;

pub use logistic::{LogisticData, LogisticRegression, LogisticRegressionParams};
