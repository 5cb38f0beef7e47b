//! Meta-learners on the Hillstrom e-mail experiment (Womens E-Mail vs No E-Mail, target visit,
//! the shared 70/30 split): the T-learner and the class transformation with standardised
//! logistic regression (scikit-learn's `LogisticRegression(C=1)`) reproduce scikit-uplift
//! 0.5.1's held-out `qini_auc_score` (`hillstrom_reference_metrics.json`, "scaled_tight") and
//! its per-customer scores (`hillstrom_womens_vs_none_test_scores.csv`).

use std::collections::HashMap;

mod common;
use common::shared_data;

use ki3_core::model::Fit;
use ki3_core::uplift::metrics::qini_auc_score;
use ki3_core::uplift::{MetaLearnerParams, Method, Propensity, UpliftData};
use ndarray::{Array1, Array2};

/// Splits a CSV line with double-quoted fields (history_segment holds commas).
fn fields(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(String::new()),
            _ => out.last_mut().unwrap().push(c),
        }
    }
    out
}

/// The subset's rows: data-row index → (11 features in the reference order, t, visit).
/// Data-row index → (features, treatment, visit).
type Rows = HashMap<usize, (Vec<f64>, f64, f64)>;

fn hillstrom() -> Option<Rows> {
    let text = std::fs::read_to_string(shared_data("uplift/hillstrom.csv")?).unwrap();
    let mut lines = text.lines();
    let head = fields(lines.next().unwrap());
    let col = |n: &str| head.iter().position(|h| h == n).unwrap();
    let num = |f: &[String], n: &str| f[col(n)].parse::<f64>().unwrap();
    let mut out = HashMap::new();
    for (row, line) in lines.enumerate() {
        let f = fields(line);
        let t = match f[col("segment")].as_str() {
            "Womens E-Mail" => 1.0,
            "No E-Mail" => 0.0,
            _ => continue,
        };
        let zip = &f[col("zip_code")];
        let channel = &f[col("channel")];
        let is = |a: &str, b: &str| f64::from(u8::from(a == b));
        let x = vec![
            num(&f, "recency"),
            num(&f, "history"),
            num(&f, "mens"),
            num(&f, "womens"),
            num(&f, "newbie"),
            is(zip, "Rural"),
            is(zip, "Surburban"),
            is(zip, "Urban"),
            is(channel, "Multichannel"),
            is(channel, "Phone"),
            is(channel, "Web"),
        ];
        out.insert(row, (x, t, num(&f, "visit")));
    }
    Some(out)
}

struct Split {
    x: Array2<f64>,
    t: Array1<f64>,
    y: Array1<f64>,
}

fn split(data: &Rows, test: bool) -> Split {
    let text = std::fs::read_to_string(
        shared_data("uplift/hillstrom_womens_vs_none_split_rs42.csv").unwrap(),
    )
    .unwrap();
    let rows: Vec<usize> = text
        .lines()
        .skip(1)
        .filter_map(|l| {
            let (r, is_test) = l.split_once(',')?;
            (is_test.trim() == if test { "1" } else { "0" }).then(|| r.parse().unwrap())
        })
        .collect();
    let mut x = Vec::new();
    let (mut t, mut y) = (Vec::new(), Vec::new());
    for r in &rows {
        let (xs, ti, yi) = &data[r];
        x.extend_from_slice(xs);
        t.push(*ti);
        y.push(*yi);
    }
    Split {
        x: Array2::from_shape_vec((rows.len(), 11), x).unwrap(),
        t: Array1::from(t),
        y: Array1::from(y),
    }
}

/// The reference scores of the test rows (sorted by row, as `split(.., true)` is).
fn reference_scores(column: &str) -> Vec<f64> {
    let text = std::fs::read_to_string(
        shared_data("uplift/hillstrom_womens_vs_none_test_scores.csv").unwrap(),
    )
    .unwrap();
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let k = head.iter().position(|h| *h == column).unwrap();
    lines
        .map(|l| l.split(',').nth(k).unwrap().parse().unwrap())
        .collect()
}

#[test]
fn t_learner_and_class_transformation_reproduce_scikit_uplift() {
    let Some(data) = hillstrom() else { return };
    let train = split(&data, false);
    let test = split(&data, true);
    assert_eq!((train.t.len(), test.t.len()), (29_885, 12_808));
    let fit = |params: MetaLearnerParams| {
        params
            .fit(&UpliftData {
                x: train.x.view(),
                treatment: train.t.view(),
                y: train.y.view(),
            })
            .unwrap()
            .predict(test.x.view())
            .unwrap()
    };
    let (y, t) = (test.y.as_slice().unwrap(), test.t.as_slice().unwrap());
    for (params, reference, column) in [
        (
            MetaLearnerParams::new(Method::TLearner),
            0.06318188417256987,
            "two_models_lr_scaled_tight",
        ),
        // scikit-uplift's ClassTransformation assumes P(t = 1) = 1/2 (no weighting).
        (
            MetaLearnerParams::new(Method::ClassTransformation).propensity(Propensity::Half),
            0.0552050365371357,
            "class_transformation_lr_scaled_tight",
        ),
    ] {
        let uplift = fit(params);
        let q = qini_auc_score(y, uplift.as_slice().unwrap(), t, true).unwrap();
        // The issue asks for 1e-3; the unique optimum gives about 3e-7 (T) and 1e-16 (CT).
        assert!(
            (q - reference).abs() < 1e-5,
            "{column}: qini {q} vs {reference}"
        );
        // The per-customer scores agree with scikit-uplift's (lbfgs at tol 1e-10) closely.
        let max_diff = uplift
            .iter()
            .zip(reference_scores(column))
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(
            max_diff < 1e-6,
            "{column}: max score difference {max_diff:e}"
        );
        println!("{column}: qini {q} (reference {reference}), max score diff {max_diff:e}");
    }
}
