//! Unit tests of the uplift metrics. Reference numbers come from scikit-uplift 0.5.1
//! (scikit-learn 1.9.1, numpy 2.4.6) run on the 20-row example below, which has tied scores in
//! both groups; the printed values were pasted here.

use super::*;

const Y: [f64; 20] = [
    1., 0., 1., 0., 1., 0., 0., 1., 1., 0., 0., 0., 1., 0., 1., 1., 0., 0., 1., 0.,
];
const T: [f64; 20] = [
    1., 1., 0., 0., 1., 0., 1., 1., 0., 0., 1., 0., 1., 1., 0., 1., 0., 1., 0., 0.,
];
const S: [f64; 20] = [
    0.9, 0.8, 0.7, 0.7, 0.5, 0.1, 0.5, 0.5, 0.3, 0.2, 0.9, 0.0, 0.4, 0.3, 0.6, 0.7, 0.2, 0.1, 0.0,
    0.6,
];

fn close(a: &[f64], b: &[f64]) {
    assert_eq!(a.len(), b.len(), "{a:?} vs {b:?}");
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() < 1e-12, "{a:?} vs {b:?}");
    }
}

fn near(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-12, "{a} vs {b}");
}

#[test]
fn curves_match_scikit_uplift_with_ties() {
    let x = [0., 2., 3., 6., 8., 11., 12., 14., 16., 18., 20.];
    let q = qini_curve(&Y, &S, &T).unwrap();
    close(&q.x, &x);
    close(
        &q.y,
        &[
            0.0,
            1.0,
            1.0,
            0.0,
            0.0,
            0.5,
            1.0,
            -0.40000000000000036,
            1.1428571428571423,
            1.25,
            1.0,
        ],
    );
    let u = uplift_curve(&Y, &S, &T).unwrap();
    close(&u.x, &x);
    close(
        &u.y,
        &[
            0.0,
            1.0,
            1.0,
            0.0,
            0.0,
            0.7857142857142854,
            1.5,
            -0.6222222222222216,
            2.0317460317460325,
            2.25,
            1.9999999999999996,
        ],
    );
    let p = perfect_qini_curve(&Y, &T, true).unwrap();
    close(&p.x, &[0., 5., 16., 20.]);
    close(&p.y, &[0., 5., 5., 1.]);
    let p = perfect_qini_curve(&Y, &T, false).unwrap();
    close(&p.x, &[0., 1., 20.]);
    close(&p.y, &[0., 1., 1.]);
    let p = perfect_uplift_curve(&Y, &T).unwrap();
    close(&p.x, &[0., 5., 11., 16., 20.]);
    close(&p.y, &[0., 5., 11., 8., 2.]);
    // The random lines end where the curves end.
    let r = random_qini_curve(&Y, &T).unwrap();
    close(&r.x, &[0., 20.]);
    close(&r.y, &[0., 1.]);
    let r = random_uplift_curve(&Y, &T).unwrap();
    close(&r.y, &[0., 2.]);
}

#[test]
fn scores_match_scikit_uplift() {
    near(
        qini_auc_score(&Y, &S, &T, true).unwrap(),
        0.014182939362795454,
    );
    near(
        qini_auc_score(&Y, &S, &T, false).unwrap(),
        0.10375939849624043,
    );
    near(uplift_auc_score(&Y, &S, &T).unwrap(), -0.03110670194003522);
    let at = |s, k| uplift_at_k(&Y, &S, &T, s, k).unwrap();
    near(at(Strategy::Overall, TopK::Fraction(0.3)), 0.0);
    near(at(Strategy::Overall, TopK::Fraction(0.5)), 0.0);
    near(at(Strategy::Overall, TopK::Count(7)), 0.16666666666666669);
    near(at(Strategy::ByGroup, TopK::Fraction(0.3)), 0.0);
    near(at(Strategy::ByGroup, TopK::Count(7)), 0.14285714285714285);
    near(
        weighted_average_uplift(&Y, &S, &T, Strategy::Overall, 3).unwrap(),
        -0.15333333333333332,
    );
    near(
        weighted_average_uplift(&Y, &S, &T, Strategy::ByGroup, 3).unwrap(),
        0.1,
    );
}

#[test]
fn response_rates_match_scikit_uplift() {
    let rr = |g, s| response_rate_by_percentile(&Y, &S, &T, g, s, 3).unwrap();
    let r = rr(Group::Treatment, Strategy::Overall);
    close(&r.response_rate, &[0.5, 0.6, 0.0]);
    close(&r.variance, &[0.0625, 0.048, 0.0]);
    assert_eq!(r.group_size, vec![4, 5, 1]);
    let r = rr(Group::Control, Strategy::Overall);
    close(&r.response_rate, &[1.0 / 3.0, 1.0, 0.2]);
    close(&r.variance, &[0.07407407407407407, 0.0, 0.032]);
    assert_eq!(r.group_size, vec![3, 2, 5]);
    let r = rr(Group::Treatment, Strategy::ByGroup);
    close(&r.response_rate, &[0.5, 2.0 / 3.0, 1.0 / 3.0]);
    assert_eq!(r.group_size, vec![4, 3, 3]);
    let r = rr(Group::Control, Strategy::ByGroup);
    close(&r.response_rate, &[0.5, 1.0 / 3.0, 1.0 / 3.0]);
    let table = uplift_by_percentile(&Y, &S, &T, Strategy::Overall, 3).unwrap();
    close(&table.uplift, &[0.5 - 1.0 / 3.0, 0.6 - 1.0, 0.0 - 0.2]);
    close(
        &table.std_uplift,
        &[
            (0.0625f64 + 0.07407407407407407).sqrt(),
            0.048f64.sqrt(),
            0.032f64.sqrt(),
        ],
    );
}

/// The oracle ranking scores 1 and a ranking independent of everything is near 0; reversing
/// the perfect order gives a negative score.
#[test]
fn oracle_scores_one_and_reversed_scores_negative() {
    let oracle: Vec<f64> = Y
        .iter()
        .zip(&T)
        .map(|(&y, &t)| if t == 1.0 { y } else { -y })
        .collect();
    near(qini_auc_score(&Y, &oracle, &T, true).unwrap(), 1.0);
    let reversed: Vec<f64> = oracle.iter().map(|v| -v).collect();
    assert!(qini_auc_score(&Y, &reversed, &T, true).unwrap() < 0.0);
}

/// Curves do not depend on row order (ties are merged), only the ranking.
#[test]
fn sklift_curves_do_not_depend_on_row_order() {
    let perm: Vec<usize> = (0..20).map(|i| (i * 7) % 20).collect();
    let (y2, s2, t2): (Vec<f64>, Vec<f64>, Vec<f64>) = (
        perm.iter().map(|&i| Y[i]).collect(),
        perm.iter().map(|&i| S[i]).collect(),
        perm.iter().map(|&i| T[i]).collect(),
    );
    assert_eq!(
        qini_curve(&Y, &S, &T).unwrap(),
        qini_curve(&y2, &s2, &t2).unwrap()
    );
    near(
        qini_auc_score(&Y, &S, &T, true).unwrap(),
        qini_auc_score(&y2, &s2, &t2, true).unwrap(),
    );
}

/// causalml's curves on the example, computed by hand from the definitions (one point per
/// row, undefined prefixes interpolated), and its scores from those curves.
#[test]
fn causalml_convention_follows_its_definition() {
    // Distinct scores, so the ranking is unambiguous: rows 0..6 by descending score.
    let y = [1., 0., 1., 1., 0., 0.];
    let t = [1., 1., 0., 1., 0., 1.];
    let s = [6., 5., 4., 3., 2., 1.];
    let q = qini_curve_with(&y, &s, &t, Convention::Causalml { normalize: false }).unwrap();
    close(&q.x, &[0., 1., 2., 3., 4., 5., 6.]);
    // N_c = 0 for the first two rows: interpolated between (0, 0) and the value at row 3,
    // Q(3) = 1 − 1·2/1 = −1; Q(4) = 2 − 1·3/1 = −1; Q(5) = 2 − 1·3/2 = 0.5;
    // Q(6) = 2 − 1·4/2 = 0.
    close(&q.y, &[0., -1. / 3., -2. / 3., -1., -1., 0.5, 0.]);
    let g = uplift_curve_with(&y, &s, &t, Convention::Causalml { normalize: false }).unwrap();
    // lift(k) = Y_t/N_t − Y_c/N_c: k=3: 1/2 − 1 = −1/2; 4: 2/3 − 1 = −1/3; 5: 2/3 − 1/2 = 1/6;
    // 6: 0; k = 1, 2 interpolated: −1/6, −1/3. gain = lift · k.
    close(&g.y, &[0., -1. / 6., -2. / 3., -1.5, -4. / 3., 5. / 6., 0.]);
    // Ends at 0: normalising is undefined.
    assert!(auuc_score(&y, &s, &t, true).is_err());
    let mean = g.y.iter().sum::<f64>() / 7.0;
    near(auuc_score(&y, &s, &t, false).unwrap(), mean);
    let qs: f64 = q.y.iter().sum::<f64>() / 7.0; // the random line is 0 everywhere
    near(qini_score(&y, &s, &t, false).unwrap(), qs);
}

#[test]
fn bad_input_is_a_typed_error_naming_the_argument() {
    let msg = |r: Result<f64>| r.unwrap_err().to_string();
    let y = [1., 0., 1., 0.];
    let t = [1., 1., 0., 0.];
    let s = [0.1, 0.2, 0.3, 0.4];
    assert_eq!(
        msg(qini_auc_score(&y, &s[..3], &t, true)),
        "uplift: length 3 does not match y_true length 4"
    );
    assert!(msg(qini_auc_score(&y, &s, &t[..2], true)).starts_with("treatment: length 2"));
    assert_eq!(
        msg(qini_auc_score(&[], &[], &[], true)),
        "y_true: empty input"
    );
    assert_eq!(
        msg(qini_auc_score(&y, &[0.1, f64::NAN, 0.3, 0.4], &t, true)),
        "uplift: non-finite value at row 1"
    );
    assert!(
        msg(qini_auc_score(&[1., f64::INFINITY, 0., 0.], &s, &t, true))
            .starts_with("y_true: non-finite")
    );
    assert!(
        msg(qini_auc_score(&y, &s, &[1., 2., 0., 0.], true))
            .starts_with("treatment: invalid value at row 1")
    );
    assert!(
        msg(qini_auc_score(&[1., 0.5, 0., 0.], &s, &t, true))
            .starts_with("y_true: invalid value at row 1")
    );
    assert!(msg(qini_auc_score(&y, &s, &[1., 1., 1., 1.], true)).contains("only treated rows"));
    assert!(msg(uplift_auc_score(&y, &s, &[0., 0., 0., 0.])).contains("only control rows"));
    assert!(msg(qini_auc_score(&[0., 0., 0., 0.], &s, &t, true)).contains("y_true"));
    // Continuous outcomes are fine for curves and uplift@k, not for the normalised areas.
    assert!(qini_curve(&[1.5, 0., 2., 0.], &s, &t).is_ok());
    assert!(
        uplift_at_k(
            &[1.5, 0., 2., 0.],
            &s,
            &t,
            Strategy::Overall,
            TopK::Count(3)
        )
        .is_ok()
    );
    assert!(uplift_auc_score(&[1.5, 0., 2., 0.], &s, &t).is_err());
    // k and bins.
    let at = |k| msg(uplift_at_k(&y, &s, &t, Strategy::Overall, k));
    assert!(at(TopK::Fraction(1.0)).starts_with("invalid parameter k"));
    assert!(at(TopK::Fraction(f64::NAN)).starts_with("invalid parameter k"));
    assert!(at(TopK::Count(0)).starts_with("invalid parameter k"));
    assert!(at(TopK::Count(4)).starts_with("invalid parameter k"));
    // the top row (score 0.4, control) holds no treated row
    assert!(at(TopK::Count(1)).contains("no treated rows"));
    assert!(at(TopK::Fraction(0.1)).contains("top 0 rows"));
    let e = uplift_at_k(&Y, &S, &T, Strategy::ByGroup, TopK::Count(11));
    assert!(msg(e).contains("exceeds"));
    let e = response_rate_by_percentile(&y, &s, &t, Group::Control, Strategy::Overall, 4);
    assert!(
        e.unwrap_err()
            .to_string()
            .starts_with("invalid parameter bins")
    );
    assert!(msg(weighted_average_uplift(&y, &s, &t, Strategy::Overall, 0)).contains("bins"));
    assert!(msg(weighted_average_uplift(&y, &s, &t, Strategy::Overall, 3)).contains("bin"));
    assert!(
        Strategy::parse("top")
            .unwrap_err()
            .to_string()
            .contains("strategy")
    );
    assert_eq!(
        Convention::parse("causalml", true).unwrap(),
        Convention::Causalml { normalize: true }
    );
    assert!(
        Convention::parse("sklift", true)
            .unwrap_err()
            .to_string()
            .contains("normalize")
    );
    assert!(
        Convention::parse("R", false)
            .unwrap_err()
            .to_string()
            .contains("convention")
    );
    assert!(
        Group::parse("both")
            .unwrap_err()
            .to_string()
            .contains("group")
    );
    // A negative overall effect has no perfect curve without negative effects.
    let neg_y = [0., 0., 1., 1.];
    assert!(msg(qini_auc_score(&neg_y, &s, &t, false)).contains("negative_effect"));
}
