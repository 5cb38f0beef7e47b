//! Meta-learners on simulated data with known uplift, persistence and bad input.

use ndarray::{Array1, Array2, array};
use rand::RngExt;

use super::*;
use crate::numerics::density::sigmoid;
use crate::persist::{Saved, load};

struct Sim {
    x: Array2<f64>,
    t: Array1<f64>,
    y: Array1<f64>,
    tau: Array1<f64>,
}

/// Binary outcomes, randomised 50/50: `P(y = 1) = σ(−1 + x₀ + t (0.5 + x₁))`.
fn binary(n: usize, share: f64, seed: u64) -> Sim {
    let mut rng = crate::numerics::rng::stream(seed, 0);
    let x = Array2::from_shape_fn((n, 2), |_| rng.random::<f64>() * 2.0 - 1.0);
    let mut t = Array1::zeros(n);
    let mut y = Array1::zeros(n);
    let mut tau = Array1::zeros(n);
    for i in 0..n {
        let (x0, x1) = (x[[i, 0]], x[[i, 1]]);
        t[i] = f64::from(rng.random::<f64>() < share);
        let p = |t: f64| sigmoid(-1.0 + x0 + t * (0.5 + x1));
        tau[i] = p(1.0) - p(0.0);
        y[i] = f64::from(rng.random::<f64>() < p(t[i]));
    }
    Sim { x, t, y, tau }
}

/// Continuous outcomes, 30 % treated: `y = 1 + x₀ + t (2 + 3 x₁) + N(0, 0.5²)`-like noise.
fn continuous(n: usize, seed: u64) -> Sim {
    let mut rng = crate::numerics::rng::stream(seed, 1);
    let x = Array2::from_shape_fn((n, 2), |_| rng.random::<f64>() * 2.0 - 1.0);
    let mut t = Array1::zeros(n);
    let mut y = Array1::zeros(n);
    let mut tau = Array1::zeros(n);
    for i in 0..n {
        t[i] = f64::from(rng.random::<f64>() < 0.3);
        tau[i] = 2.0 + 3.0 * x[[i, 1]];
        let noise = (rng.random::<f64>() - 0.5) * 1.7; // sd ≈ 0.49
        y[i] = 1.0 + x[[i, 0]] + t[i] * tau[i] + noise;
    }
    Sim { x, t, y, tau }
}

fn fit(params: MetaLearnerParams, s: &Sim) -> MetaLearner {
    params
        .fit(&UpliftData {
            x: s.x.view(),
            treatment: s.t.view(),
            y: s.y.view(),
        })
        .unwrap()
}

fn mae(a: &Array1<f64>, b: &Array1<f64>) -> f64 {
    (a - b).mapv(f64::abs).mean().unwrap_or(f64::NAN)
}

fn corr(a: &Array1<f64>, b: &Array1<f64>) -> f64 {
    let (ma, mb) = (a.mean().unwrap_or(0.0), b.mean().unwrap_or(0.0));
    let cov = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - ma) * (y - mb))
        .sum::<f64>();
    let va = a.iter().map(|x| (x - ma).powi(2)).sum::<f64>();
    let vb = b.iter().map(|y| (y - mb).powi(2)).sum::<f64>();
    cov / (va * vb).sqrt()
}

/// Binary outcomes: the correctly specified T-learner recovers the true uplift closely; the
/// other methods rank customers by it (the true uplift's range is about 0.05 to 0.45).
#[test]
fn binary_uplift_is_recovered() {
    let s = binary(40_000, 0.5, 7);
    let check = |params: MetaLearnerParams, max_mae: f64, min_corr: f64| {
        let m = fit(params.clone(), &s);
        let pred = m.predict(s.x.view()).unwrap();
        let (e, r) = (mae(&pred, &s.tau), corr(&pred, &s.tau));
        assert!(
            e < max_mae && r > min_corr,
            "{:?}: mae {e}, corr {r}",
            params.method
        );
    };
    check(MetaLearnerParams::new(Method::TLearner), 0.02, 0.97);
    check(MetaLearnerParams::new(Method::XLearner), 0.03, 0.95);
    // The S-learner's one logistic model has no interaction term: it ranks by x₀ only through
    // the curvature of σ, so only the average effect is right.
    let s_model = fit(MetaLearnerParams::new(Method::SLearner), &s);
    let pred = s_model.predict(s.x.view()).unwrap();
    let bias = pred.mean().unwrap() - s.tau.mean().unwrap();
    assert!(bias.abs() < 0.02, "S-learner mean effect off by {bias}");
    check(
        MetaLearnerParams::new(Method::ClassTransformation).propensity(Propensity::Half),
        0.05,
        0.9,
    );
}

/// Unbalanced assignment (25 % treated): the class transformation without weighting is biased
/// (its `2P(z) − 1` assumes ½); propensity weighting removes the bias.
#[test]
fn class_transformation_needs_weighting_when_unbalanced() {
    let s = binary(60_000, 0.25, 8);
    let mean_err = |prop: Propensity| {
        let m = fit(
            MetaLearnerParams::new(Method::ClassTransformation).propensity(prop),
            &s,
        );
        let pred = m.predict(s.x.view()).unwrap();
        (pred.mean().unwrap() - s.tau.mean().unwrap()).abs()
    };
    let unweighted = mean_err(Propensity::Half);
    let weighted = mean_err(Propensity::Share);
    let modelled = mean_err(Propensity::Logistic(LogisticRegressionParams::default()));
    assert!(unweighted > 0.1, "unweighted bias {unweighted}");
    assert!(weighted < 0.02 && modelled < 0.02, "{weighted} {modelled}");
}

/// Continuous outcomes, 30 % treated, `τ(x) = 2 + 3 x₁`: ridge T- and X-learners are correctly
/// specified; the transformed outcome is unbiased but noisier.
#[test]
fn continuous_uplift_is_recovered() {
    let s = continuous(30_000, 3);
    let ridge = BaseLearner::ridge();
    let t = fit(
        MetaLearnerParams::new(Method::TLearner).learner(ridge.clone()),
        &s,
    );
    assert!(mae(&t.predict(s.x.view()).unwrap(), &s.tau) < 0.03);
    let x = fit(
        MetaLearnerParams::new(Method::XLearner).learner(ridge.clone()),
        &s,
    );
    assert!(mae(&x.predict(s.x.view()).unwrap(), &s.tau) < 0.03);
    let to = fit(MetaLearnerParams::new(Method::TransformedOutcome), &s);
    let pred = to.predict(s.x.view()).unwrap();
    assert!(mae(&pred, &s.tau) < 0.25, "{}", mae(&pred, &s.tau));
    assert!(corr(&pred, &s.tau) > 0.95);
    // Without the treatment interaction the S-learner (linear) gets the average effect.
    let sl = fit(MetaLearnerParams::new(Method::SLearner).learner(ridge), &s);
    let avg = sl.predict(s.x.view()).unwrap().mean().unwrap();
    assert!((avg - s.tau.mean().unwrap()).abs() < 0.05, "{avg}");
}

#[test]
fn every_method_round_trips_and_loads() {
    let s = binary(2_000, 0.5, 9);
    let c = continuous(2_000, 9);
    for (method, data) in [
        (Method::SLearner, &s),
        (Method::TLearner, &s),
        (Method::XLearner, &s),
        (Method::ClassTransformation, &s),
        (Method::TransformedOutcome, &c),
    ] {
        let m = fit(
            MetaLearnerParams::new(method)
                .propensity(Propensity::Logistic(LogisticRegressionParams::default())),
            data,
        );
        let text = m.to_json().unwrap();
        let back = MetaLearner::from_json(&text).unwrap();
        assert_eq!(back, m);
        assert_eq!(
            back.predict(data.x.view()).unwrap(),
            m.predict(data.x.view()).unwrap()
        );
        match load(&text).unwrap() {
            Saved::MetaLearner(l) => assert_eq!(l, m),
            other => panic!("loaded {}", other.kind()),
        }
        // A model dropped from the state is corrupt, not a panic.
        let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        doc["state"]["models"] = serde_json::json!([]);
        assert!(matches!(
            MetaLearner::from_json(&doc.to_string()),
            Err(Ki3Error::Corrupt { .. })
        ));
        doc["state"]["n_features"] = serde_json::json!(5);
        assert!(MetaLearner::from_json(&doc.to_string()).is_err());
    }
}

#[test]
fn bad_input_is_a_typed_error() {
    let x = array![[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [0.2, 0.1]];
    let fit_with = |params: MetaLearnerParams, t: Array1<f64>, y: Array1<f64>| {
        params
            .fit(&UpliftData {
                x: x.view(),
                treatment: t.view(),
                y: y.view(),
            })
            .map(|_| ())
            .unwrap_err()
            .to_string()
    };
    let t = array![1.0, 0.0, 1.0, 0.0];
    let y = array![1.0, 0.0, 0.0, 1.0];
    let p = MetaLearnerParams::default;
    assert!(fit_with(p(), array![1.0, 1.0, 1.0, 1.0], y.clone()).contains("only treated rows"));
    assert!(
        fit_with(p(), array![1.0, 2.0, 1.0, 0.0], y.clone())
            .starts_with("treatment: invalid value at row 1")
    );
    assert!(fit_with(p(), array![1.0, 0.0], y.clone()).starts_with("treatment: length 2"));
    assert!(fit_with(p(), t.clone(), array![1.0, f64::NAN, 0.0, 0.0]).starts_with("y: non-finite"));
    // A classifier needs binary outcomes.
    assert!(fit_with(p(), t.clone(), array![1.0, 0.5, 0.0, 0.0]).starts_with("y: invalid value"));
    let ct = MetaLearnerParams::new(Method::ClassTransformation).learner(BaseLearner::ridge());
    assert!(fit_with(ct, t.clone(), y.clone()).contains("learner"));
    let xl = MetaLearnerParams::new(Method::XLearner).effect_learner(BaseLearner::logistic());
    assert!(fit_with(xl, t.clone(), y.clone()).contains("effect_learner"));
    let m = fit(
        MetaLearnerParams::default(),
        &Sim {
            x: x.clone(),
            t: t.clone(),
            y: y.clone(),
            tau: Array1::zeros(4),
        },
    );
    assert!(
        m.predict(array![[1.0]].view())
            .unwrap_err()
            .to_string()
            .contains("x columns")
    );
    assert!(
        m.predict(array![[1.0, f64::INFINITY]].view())
            .unwrap_err()
            .to_string()
            .starts_with("x: non-finite")
    );
}
