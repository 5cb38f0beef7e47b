//! Uplift modelling. For now: the base learner the meta-learners build on,
//! L2-regularised logistic regression ([`LogisticRegressionParams`] → [`LogisticRegression`]).

mod logistic;

pub use logistic::{LogisticData, LogisticRegression, LogisticRegressionParams};
