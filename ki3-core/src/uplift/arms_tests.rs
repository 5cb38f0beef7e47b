//! Multi-arm meta-learners: each arm equals the two-group fit on its rows, known uplifts are
//! recovered, thread count does not matter, persistence and bad input.

use ndarray::{Array1, Array2, array};
use rand::RngExt;

use super::*;
use crate::numerics::density::sigmoid;
use crate::persist::{Saved, load};
use crate::uplift::{BaseLearner, Propensity};

/// Three groups (codes 0, 1, 2, about a third each):
/// `P(y = 1) = σ(−1 + x₀ + [arm 1] (0.5 + x₁) + [arm 2] (−0.3 + 0.8 x₀))`.
/// Returns the data and the true uplift of arms 1 and 2 (`n × 2`).
fn three_groups(n: usize, seed: u64) -> (Array2<f64>, Array1<f64>, Array1<f64>, Array2<f64>) {
    let mut rng = crate::numerics::rng::stream(seed, 0);
    let x = Array2::from_shape_fn((n, 2), |_| rng.random::<f64>() * 2.0 - 1.0);
    let (mut t, mut y) = (Array1::zeros(n), Array1::zeros(n));
    let mut tau = Array2::zeros((n, 2));
    for i in 0..n {
        let (x0, x1) = (x[[i, 0]], x[[i, 1]]);
        let p = |g: usize| {
            let lift = match g {
                1 => 0.5 + x1,
                2 => -0.3 + 0.8 * x0,
                _ => 0.0,
            };
            sigmoid(-1.0 + x0 + lift)
        };
        let g = (rng.random::<f64>() * 3.0) as usize;
        t[i] = g as f64;
        tau[[i, 0]] = p(1) - p(0);
        tau[[i, 1]] = p(2) - p(0);
        y[i] = f64::from(rng.random::<f64>() < p(g));
    }
    (x, t, y, tau)
}

fn labels() -> (ArmLabel, Vec<ArmLabel>) {
    (
        ArmLabel::Str("none".into()),
        vec![ArmLabel::Str("a".into()), ArmLabel::Int(7)],
    )
}

fn fit(
    params: &MetaLearnerParams,
    x: &Array2<f64>,
    t: &Array1<f64>,
    y: &Array1<f64>,
) -> MultiArmMetaLearner {
    let (control, arms) = labels();
    params
        .fit_arms(
            &MultiArmData {
                x: x.view(),
                treatment: t.view(),
                y: y.view(),
            },
            control,
            arms,
        )
        .unwrap()
}

/// Each arm's model is exactly the two-group fit on the control rows and that arm's rows.
#[test]
fn each_arm_is_the_two_group_fit_on_its_rows() {
    let (x, t, y, _) = three_groups(3_000, 1);
    for method in [
        Method::SLearner,
        Method::TLearner,
        Method::XLearner,
        Method::ClassTransformation,
    ] {
        let params = MetaLearnerParams::new(method);
        let model = fit(&params, &x, &t, &y);
        let pred = model.predict(x.view()).unwrap();
        assert_eq!(pred.dim(), (3_000, 2));
        for a in 1..=2usize {
            let rows: Vec<usize> = (0..t.len())
                .filter(|&i| t[i] == 0.0 || t[i] == a as f64)
                .collect();
            let xs = x.select(ndarray::Axis(0), &rows);
            let ts: Array1<f64> = rows.iter().map(|&i| f64::from(t[i] == a as f64)).collect();
            let ys: Array1<f64> = rows.iter().map(|&i| y[i]).collect();
            let single = params
                .fit(&UpliftData {
                    x: xs.view(),
                    treatment: ts.view(),
                    y: ys.view(),
                })
                .unwrap();
            assert_eq!(model.models[a - 1], single, "{method:?} arm {a}");
            assert_eq!(pred.column(a - 1), single.predict(x.view()).unwrap());
        }
    }
}

/// The T-learner (correctly specified for arm 1, close for arm 2) recovers both arms' uplift.
#[test]
fn known_uplift_of_two_arms_is_recovered() {
    let (x, t, y, tau) = three_groups(60_000, 2);
    let pred = fit(&MetaLearnerParams::default(), &x, &t, &y)
        .predict(x.view())
        .unwrap();
    for a in 0..2 {
        let err = (&pred.column(a) - &tau.column(a))
            .mapv(f64::abs)
            .mean()
            .unwrap();
        assert!(err < 0.02, "arm {a}: mean absolute error {err}");
    }
}

#[test]
fn same_model_whatever_the_thread_count() {
    let (x, t, y, _) = three_groups(2_000, 3);
    let params = MetaLearnerParams::new(Method::XLearner);
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| fit(&params, &x, &t, &y));
    let two = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap()
        .install(|| fit(&params, &x, &t, &y));
    assert_eq!(one, two);
}

#[test]
fn round_trips_loads_and_rejects_corrupt_states() {
    let (x, t, y, _) = three_groups(1_000, 4);
    let params = MetaLearnerParams::new(Method::XLearner)
        .propensity(Propensity::Logistic(Default::default()));
    let m = fit(&params, &x, &t, &y);
    let text = m.to_json().unwrap();
    // Labels keep their JSON type.
    assert!(
        text.contains(r#""control":"none","arms":["a",7]"#),
        "{text:.200}"
    );
    let back = MultiArmMetaLearner::from_json(&text).unwrap();
    assert_eq!(back, m);
    assert_eq!(
        back.predict(x.view()).unwrap(),
        m.predict(x.view()).unwrap()
    );
    match load(&text).unwrap() {
        Saved::MultiArmMetaLearner(l) => assert_eq!(l, m),
        other => panic!("loaded {}", other.kind()),
    }
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let corrupt = |path: &str, value: serde_json::Value| {
        let mut d = doc.clone();
        d["state"][path] = value;
        let err = MultiArmMetaLearner::from_json(&d.to_string()).unwrap_err();
        assert!(matches!(err, Ki3Error::Corrupt { .. }), "{path}: {err}");
    };
    corrupt("arms", serde_json::json!(["a"]));
    corrupt("arms", serde_json::json!(["a", "none"]));
    corrupt("arms", serde_json::json!([]));
    corrupt("control", serde_json::json!(1.5));
    corrupt("models", serde_json::json!([]));
    let mut d = doc.clone();
    d["state"]["models"][1]["n_features"] = serde_json::json!(3);
    assert!(MultiArmMetaLearner::from_json(&d.to_string()).is_err());
    // A single two-group model is a one-arm model labelled 0 / 1.
    let one = MultiArmMetaLearner::from_single(m.models[0].clone());
    assert_eq!(
        one.predict(x.view()).unwrap().column(0),
        m.predict(x.view()).unwrap().column(0)
    );
    assert_eq!((one.n_features(), one.method()), (2, Method::XLearner));
}

#[test]
fn bad_input_names_the_argument_and_the_row() {
    let x = array![
        [0.0, 1.0],
        [1.0, 0.0],
        [0.5, 0.5],
        [0.2, 0.1],
        [0.3, 0.9],
        [0.7, 0.2]
    ];
    let good_t = array![0.0, 1.0, 2.0, 0.0, 1.0, 2.0];
    let good_y = array![1.0, 0.0, 0.0, 1.0, 1.0, 0.0];
    let run = |params: MetaLearnerParams, t: Array1<f64>, y: Array1<f64>, arms: Vec<ArmLabel>| {
        params
            .fit_arms(
                &MultiArmData {
                    x: x.view(),
                    treatment: t.view(),
                    y: y.view(),
                },
                ArmLabel::Int(0),
                arms,
            )
            .map(|_| ())
            .unwrap_err()
            .to_string()
    };
    let two = || vec![ArmLabel::Int(1), ArmLabel::Int(2)];
    let p = MetaLearnerParams::default;
    let msg = run(
        p(),
        array![0.0, 1.0, 2.0, 3.0, 1.0, 2.0],
        good_y.clone(),
        two(),
    );
    assert!(
        msg.starts_with("treatment: invalid value at row 3"),
        "{msg}"
    );
    let msg = run(
        p(),
        array![0.0, 1.0, 1.5, 0.0, 1.0, 2.0],
        good_y.clone(),
        two(),
    );
    assert!(
        msg.starts_with("treatment: invalid value at row 2"),
        "{msg}"
    );
    let msg = run(
        p(),
        array![0.0, 1.0, 1.0, 0.0, 1.0, 1.0],
        good_y.clone(),
        two(),
    );
    assert!(msg.contains("no rows of treatment arm 2"), "{msg}");
    let msg = run(
        p(),
        array![1.0, 1.0, 2.0, 1.0, 1.0, 2.0],
        good_y.clone(),
        two(),
    );
    assert!(msg.contains("no control rows (label 0)"), "{msg}");
    let msg = run(
        p(),
        good_t.clone(),
        array![1.0, 0.0, 0.0, 1.0, 2.0, 0.0],
        two(),
    );
    assert!(msg.starts_with("y: invalid value at row 4"), "{msg}");
    let msg = run(
        p(),
        good_t.clone(),
        array![1.0, 0.0, f64::NAN, 1.0, 1.0, 0.0],
        two(),
    );
    assert!(msg.starts_with("y: non-finite value at row 2"), "{msg}");
    let msg = run(p(), good_t.clone(), good_y.clone(), vec![]);
    assert!(msg.contains("arms"), "{msg}");
    let msg = run(
        p(),
        good_t.clone(),
        good_y.clone(),
        vec![ArmLabel::Int(1), ArmLabel::Int(0)],
    );
    assert!(msg.contains("appears twice"), "{msg}");
    // Continuous outcomes are fine for ridge learners and the transformed outcome.
    let ridge = MetaLearnerParams::default().learner(BaseLearner::ridge());
    let cont = array![1.5, 0.0, 0.2, 1.0, 2.0, 0.0];
    assert!(
        ridge
            .fit_arms(
                &MultiArmData {
                    x: x.view(),
                    treatment: good_t.view(),
                    y: cont.view()
                },
                ArmLabel::Int(0),
                two(),
            )
            .is_ok()
    );
    let m = fit(&MetaLearnerParams::default(), &x, &good_t, &good_y);
    let msg = m.predict(array![[1.0]].view()).unwrap_err().to_string();
    assert!(msg.contains("x columns"), "{msg}");
    let empty = Array2::<f64>::zeros((0, 2));
    let msg = p()
        .fit_arms(
            &MultiArmData {
                x: empty.view(),
                treatment: Array1::zeros(0).view(),
                y: Array1::zeros(0).view(),
            },
            ArmLabel::Int(0),
            two(),
        )
        .unwrap_err()
        .to_string();
    assert_eq!(msg, "x: empty input");
}
