//! Evaluation of uplift models on a randomised (or propensity-balanced) test set: Qini and uplift
//! curves, their normalised areas, uplift at the top k, response rates by percentile.
//!
//! Inputs are three equally long slices: `y_true` (outcome), `uplift` (the model's score, higher
//! means "treat first") and `treatment` (1 treated, 0 control). Rows are ranked by descending
//! score.
//!
//! # Two conventions, side by side
//!
//! | | scikit-uplift (default; [`qini_curve`], [`qini_auc_score`], ...) | causalml ([`Convention::Causalml`], [`qini_score`], [`auuc_score`]) |
//! |---|---|---|
//! | ranking | descending score; ties in reverse row order (numpy's stable ascending sort, reversed) | descending score; ties in row order (pandas' `sort_values(ascending=False)`; causalml's quicksort leaves tie order unspecified) |
//! | curve points | one point per distinct score (tied scores merged), plus `(0, 0)` | one point per row, `x = 0, 1, ..., n` |
//! | Qini value at a cut of `N` rows | `Y_t − Y_c · N_t / N_c` (0 when `N_c = 0`) | same, but undefined prefixes (`N_c = 0`) are linearly interpolated from `(0, 0)` |
//! | uplift (gain) value | `(Y_t / N_t − Y_c / N_c) · N` (a ratio with a zero count is 0) | same, but the lift `Y_t / N_t − Y_c / N_c` of undefined prefixes (`N_t = 0` or `N_c = 0`) is interpolated before multiplying by `N` |
//! | score | area (trapezoid) between the curve and the random line `(0,0)→(n, end)`, divided by the same area of the perfect curve | `qini_score`: mean over the `n + 1` points of the curve minus the random line; `auuc_score`: mean of the gain curve; both after dividing the curve by `|end|` when `normalize` (causalml's default) |
//!
//! Here `Y_t`, `Y_c` are the summed outcomes and `N_t`, `N_c` the counts of treated and control
//! rows among the top `N`.
//!
//! References: Radcliffe (2007), "Using control groups to target on predicted lift"; Devriendt,
//! Guns & Verbeke (2020), "Learning to rank for uplift modeling"; scikit-uplift 0.5
//! (`sklift.metrics`) and causalml (`causalml.metrics.visualize`), whose definitions these
//! reproduce (checked on the Hillstrom fixtures to 1e-9).
//!
//! # Input rules
//! Equal lengths, non-empty, finite values, `treatment` in {0, 1} with both groups present.
//! Outcomes may be continuous for the curves, [`uplift_at_k`], [`weighted_average_uplift`] and
//! the causalml scores; the perfect curves, the normalised sklift areas and
//! [`response_rate_by_percentile`] (its variance `p(1 − p)/n`) need binary outcomes, as in
//! scikit-uplift. Where scikit-uplift returns NaN for a scalar score (a group missing among the
//! top k, a zero normalising area) the functions here return a typed error; per-bin tables keep
//! NaN for an empty bin, as scikit-uplift does.

use std::cmp::Ordering;

use crate::error::{Ki3Error, Result};
use crate::numerics::sum::NeumaierSum;

/// Default share of top rows of [`uplift_at_k`] (scikit-uplift's `k=0.3`).
pub const DEFAULT_K: f64 = 0.3;
/// Default number of percentile bins (scikit-uplift's `bins=10`).
pub const DEFAULT_BINS: usize = 10;

/// Points of a curve: `x` (number of rows targeted) and `y` (incremental outcome).
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    /// Number of top-ranked rows targeted, increasing.
    pub x: Vec<f64>,
    /// Curve value at each `x`.
    pub y: Vec<f64>,
}

/// Which library's definitions a curve follows (see the module documentation's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Convention {
    /// scikit-uplift: tied scores merged into one point, curve starts at `(0, 0)`.
    #[default]
    Sklift,
    /// causalml: one point per row (`x = 0..=n`), undefined prefixes interpolated; with
    /// `normalize` the curve is divided by the absolute value of its end point.
    Causalml {
        /// Divide by `|y(n)|`.
        normalize: bool,
    },
}

impl Convention {
    /// `"sklift"` or `"causalml"`; `normalize` applies to causalml only (an error with
    /// `"sklift"`, whose curves are not normalised).
    pub fn parse(name: &str, normalize: bool) -> Result<Self> {
        match name {
            "sklift" if normalize => Err(Ki3Error::param(
                "normalize",
                "only the \"causalml\" convention normalises curves",
            )),
            "sklift" => Ok(Convention::Sklift),
            "causalml" => Ok(Convention::Causalml { normalize }),
            other => Err(Ki3Error::param(
                "convention",
                format!("expected \"sklift\" or \"causalml\", got {other:?}"),
            )),
        }
    }
}

/// How [`uplift_at_k`] and the percentile functions pick the top rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Top rows of the whole ranking; response rates of each group among them.
    Overall,
    /// Top rows of each group's own ranking.
    ByGroup,
}

impl Strategy {
    /// Parses `"overall"` / `"by_group"`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "overall" => Ok(Strategy::Overall),
            "by_group" => Ok(Strategy::ByGroup),
            other => Err(Ki3Error::param(
                "strategy",
                format!("expected \"overall\" or \"by_group\", got {other:?}"),
            )),
        }
    }
}

/// One arm of the experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Rows with `treatment == 1`.
    Treatment,
    /// Rows with `treatment == 0`.
    Control,
}

impl Group {
    /// Parses `"treatment"` / `"control"`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "treatment" => Ok(Group::Treatment),
            "control" => Ok(Group::Control),
            other => Err(Ki3Error::param(
                "group",
                format!("expected \"treatment\" or \"control\", got {other:?}"),
            )),
        }
    }

    fn flag(self) -> bool {
        self == Group::Treatment
    }
}

/// How many top rows [`uplift_at_k`] looks at (scikit-uplift's float / int `k`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TopK {
    /// A share in (0, 1): `floor(share · n)` rows (`n` of each group with [`Strategy::ByGroup`]).
    Fraction(f64),
    /// A number of rows in `1..n` (per group with [`Strategy::ByGroup`]).
    Count(usize),
}

/// Validated inputs: outcomes, scores and treatment flags in the original row order.
struct Data<'a> {
    y: &'a [f64],
    score: &'a [f64],
    treated: Vec<bool>,
}

fn check_finite(arg: &str, values: &[f64]) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(Ki3Error::NonFinite {
            arg: arg.into(),
            index,
        }),
        None => Ok(()),
    }
}

fn check_len(arg: &str, got: usize, expected: usize) -> Result<()> {
    if got == expected {
        return Ok(());
    }
    Err(Ki3Error::LengthMismatch {
        arg: arg.into(),
        got,
        expected_arg: "y_true".into(),
        expected,
    })
}

fn check_binary(arg: &str, values: &[f64], what: &str) -> Result<()> {
    match values.iter().position(|&v| v != 0.0 && v != 1.0) {
        Some(index) => Err(Ki3Error::InvalidValue {
            arg: arg.into(),
            index,
            reason: format!("{what} must be 0 or 1, got {}", values[index]),
        }),
        None => Ok(()),
    }
}

/// Checks `y_true` and `treatment` (and `uplift` when given); `binary_y` demands 0/1 outcomes.
fn treatment_flags(y: &[f64], treatment: &[f64], binary_y: bool) -> Result<Vec<bool>> {
    if y.is_empty() {
        return Err(Ki3Error::Empty {
            arg: "y_true".into(),
        });
    }
    check_len("treatment", treatment.len(), y.len())?;
    check_finite("y_true", y)?;
    check_finite("treatment", treatment)?;
    check_binary("treatment", treatment, "treatment labels")?;
    if binary_y {
        check_binary("y_true", y, "binary outcomes")?;
    }
    let treated: Vec<bool> = treatment.iter().map(|&t| t == 1.0).collect();
    let n_treated = treated.iter().filter(|&&t| t).count();
    if n_treated == 0 || n_treated == treated.len() {
        let only = if n_treated == 0 { "control" } else { "treated" };
        return Err(Ki3Error::param(
            "treatment",
            format!("only {only} rows present; both groups are needed"),
        ));
    }
    Ok(treated)
}

impl<'a> Data<'a> {
    fn new(y: &'a [f64], score: &'a [f64], treatment: &[f64], binary_y: bool) -> Result<Self> {
        let treated = treatment_flags(y, treatment, binary_y)?;
        check_len("uplift", score.len(), y.len())?;
        check_finite("uplift", score)?;
        Ok(Data { y, score, treated })
    }

    /// Row indices by descending score, ties in reverse row order: numpy's
    /// `argsort(score, kind="mergesort")[::-1]`, which scikit-uplift uses. (`-0.0 == 0.0`,
    /// as in numpy; NaN was rejected, so the comparison is total.)
    fn order_sklift(&self) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.y.len()).collect();
        idx.sort_by(|&a, &b| cmp_desc(self.score[a], self.score[b]).then(b.cmp(&a)));
        idx
    }

    /// Descending score, ties in row order (pandas' stable descending sort).
    fn order_stable_desc(&self) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.y.len()).collect();
        idx.sort_by(|&a, &b| cmp_desc(self.score[a], self.score[b]));
        idx
    }
}

fn cmp_desc(a: f64, b: f64) -> Ordering {
    b.partial_cmp(&a).unwrap_or(Ordering::Equal)
}

/// Running totals along a ranking: rows, treated rows, summed treated / control outcomes.
#[derive(Debug, Clone, Copy, Default)]
struct Totals {
    n: f64,
    n_t: f64,
    y_t: f64,
    y_c: f64,
}

impl Totals {
    fn n_c(&self) -> f64 {
        self.n - self.n_t
    }

    /// scikit-uplift's Qini value `Y_t − Y_c · (N_t / N_c)` (0 for the ratio when `N_c = 0`).
    fn qini(&self) -> f64 {
        let ratio = if self.n_c() != 0.0 {
            self.n_t / self.n_c()
        } else {
            0.0
        };
        self.y_t - self.y_c * ratio
    }

    /// scikit-uplift's uplift-curve value `(Y_t/N_t − Y_c/N_c) · N` (a ratio over a zero count
    /// is 0).
    fn gain(&self) -> f64 {
        let rate = |y: f64, n: f64| if n != 0.0 { y / n } else { 0.0 };
        (rate(self.y_t, self.n_t) - rate(self.y_c, self.n_c())) * self.n
    }
}

/// Totals after each row of `order` (numpy's sequential `cumsum`).
fn running_totals(data: &Data<'_>, order: &[usize]) -> Vec<Totals> {
    let mut acc = Totals::default();
    order
        .iter()
        .map(|&i| {
            acc.n += 1.0;
            if data.treated[i] {
                acc.n_t += 1.0;
                acc.y_t += data.y[i];
            } else {
                acc.y_c += data.y[i];
            }
            acc
        })
        .collect()
}

/// sklift curve: one point at the last row of each run of tied scores, plus `(0, 0)`.
fn sklift_curve(data: &Data<'_>, value: fn(&Totals) -> f64) -> Curve {
    let order = data.order_sklift();
    let totals = running_totals(data, &order);
    let mut x = vec![0.0];
    let mut y = vec![0.0];
    for (k, t) in totals.iter().enumerate() {
        let last_of_run = order
            .get(k + 1)
            .is_none_or(|&next| data.score[next] != data.score[order[k]]);
        if last_of_run {
            x.push(t.n);
            y.push(value(t));
        }
    }
    Curve { x, y }
}

/// causalml curve: a value per row (`None` where undefined), `(0, 0)` first, undefined values
/// linearly interpolated (pandas `interpolate()`), multiplied by the row count `k` when `times_k`
/// (causalml interpolates the cumulative lift, then multiplies it into the gain), optionally
/// divided by `|y(n)|`.
fn causalml_curve(
    data: &Data<'_>,
    value: fn(&Totals) -> Option<f64>,
    times_k: bool,
    normalize: bool,
) -> Result<Curve> {
    let order = data.order_stable_desc();
    let totals = running_totals(data, &order);
    let mut y: Vec<Option<f64>> = Vec::with_capacity(totals.len() + 1);
    y.push(Some(0.0));
    y.extend(totals.iter().map(value));
    let mut out = vec![0.0; y.len()];
    let mut last_valid = 0usize;
    for k in 1..y.len() {
        if let Some(v) = y[k] {
            let (x0, y0) = (last_valid, out[last_valid]);
            for (j, slot) in out.iter_mut().enumerate().take(k).skip(x0 + 1) {
                *slot = y0 + (v - y0) * (j - x0) as f64 / (k - x0) as f64;
            }
            out[k] = v;
            last_valid = k;
        }
    }
    // Trailing undefined values (impossible once both groups are present) keep the last value.
    let fill = out[last_valid];
    out.iter_mut().skip(last_valid + 1).for_each(|v| *v = fill);
    if times_k {
        out.iter_mut().enumerate().for_each(|(k, v)| *v *= k as f64);
    }
    if normalize {
        let end = out.last().copied().unwrap_or(0.0).abs();
        if end == 0.0 {
            return Err(Ki3Error::param(
                "y_true",
                "the curve ends at 0, so it cannot be normalised",
            ));
        }
        out.iter_mut().for_each(|v| *v /= end);
    }
    let x = (0..out.len()).map(|k| k as f64).collect();
    Ok(Curve { x, y: out })
}

fn causalml_qini(t: &Totals) -> Option<f64> {
    // pandas evaluates (Y_c · N_t) / N_c: NaN when N_c = 0.
    (t.n_c() != 0.0).then(|| t.y_t - t.y_c * t.n_t / t.n_c())
}

/// The cumulative lift `Y_t/N_t − Y_c/N_c` (undefined when a group is empty).
fn causalml_lift(t: &Totals) -> Option<f64> {
    (t.n_t != 0.0 && t.n_c() != 0.0).then(|| t.y_t / t.n_t - t.y_c / t.n_c())
}

/// Qini curve (Radcliffe 2007) in scikit-uplift's definition: for the top `N` rows by score,
/// `Q(N) = Y_t − Y_c · N_t / N_c`, the incremental outcomes of treating them, with one point
/// per distinct score and `(0, 0)` prepended.
pub fn qini_curve(y_true: &[f64], uplift: &[f64], treatment: &[f64]) -> Result<Curve> {
    qini_curve_with(y_true, uplift, treatment, Convention::Sklift)
}

/// [`qini_curve`] in either convention (causalml: `get_qini(df, normalize=...)`).
pub fn qini_curve_with(
    y_true: &[f64],
    uplift: &[f64],
    treatment: &[f64],
    convention: Convention,
) -> Result<Curve> {
    let data = Data::new(y_true, uplift, treatment, false)?;
    match convention {
        Convention::Sklift => Ok(sklift_curve(&data, Totals::qini)),
        Convention::Causalml { normalize } => {
            causalml_curve(&data, causalml_qini, false, normalize)
        }
    }
}

/// Uplift curve in scikit-uplift's definition: `U(N) = (Y_t/N_t − Y_c/N_c) · N` for the top
/// `N` rows (a rate over an empty group counts as 0), one point per distinct score, `(0, 0)`
/// prepended. causalml calls it the cumulative gain.
pub fn uplift_curve(y_true: &[f64], uplift: &[f64], treatment: &[f64]) -> Result<Curve> {
    uplift_curve_with(y_true, uplift, treatment, Convention::Sklift)
}

/// [`uplift_curve`] in either convention (causalml: `get_cumgain(df, normalize=...)`).
pub fn uplift_curve_with(
    y_true: &[f64],
    uplift: &[f64],
    treatment: &[f64],
    convention: Convention,
) -> Result<Curve> {
    let data = Data::new(y_true, uplift, treatment, false)?;
    match convention {
        Convention::Sklift => Ok(sklift_curve(&data, Totals::gain)),
        Convention::Causalml { normalize } => causalml_curve(&data, causalml_lift, true, normalize),
    }
}

/// The perfect Qini curve (scikit-uplift): with `negative_effect`, the Qini curve of the
/// oracle score `y·t − y·(1 − t)` (treated responders first, control responders last);
/// without, the two-segment line `(0,0) → (R, R) → (n, R)` with `R = Y_t − N_t · Y_c / N_c`
/// the total incremental outcome. Binary outcomes.
pub fn perfect_qini_curve(
    y_true: &[f64],
    treatment: &[f64],
    negative_effect: bool,
) -> Result<Curve> {
    let treated = treatment_flags(y_true, treatment, true)?;
    if negative_effect {
        let oracle: Vec<f64> = y_true
            .iter()
            .zip(&treated)
            .map(|(&y, &t)| if t { y } else { -y })
            .collect();
        let data = Data {
            y: y_true,
            score: &oracle,
            treated,
        };
        return Ok(sklift_curve(&data, Totals::qini));
    }
    let n = y_true.len() as f64;
    let r = total_incremental(y_true, &treated);
    Ok(Curve {
        x: vec![0.0, r, n],
        y: vec![0.0, r, r],
    })
}

/// `Y_t − N_t · Y_c / N_c` over all rows (scikit-uplift's `ratio_random`).
fn total_incremental(y: &[f64], treated: &[bool]) -> f64 {
    let (mut y_t, mut n_t, mut y_c, mut n_c) = (0.0, 0.0, 0.0, 0.0);
    for (&v, &t) in y.iter().zip(treated) {
        if t {
            y_t += v;
            n_t += 1.0;
        } else {
            y_c += v;
            n_c += 1.0;
        }
    }
    y_t - n_t * y_c / n_c
}

/// The perfect uplift curve (scikit-uplift): the uplift curve of the oracle score
/// `2·[y = t] + s` with `s = y` when control responders outnumber treated non-responders, else
/// `s = t` (treated responders first, then control non-responders, ...). Binary outcomes.
pub fn perfect_uplift_curve(y_true: &[f64], treatment: &[f64]) -> Result<Curve> {
    let treated = treatment_flags(y_true, treatment, true)?;
    let control_responders = y_true
        .iter()
        .zip(&treated)
        .filter(|&(&y, &t)| y == 1.0 && !t)
        .count();
    let treated_non_responders = y_true
        .iter()
        .zip(&treated)
        .filter(|&(&y, &t)| y == 0.0 && t)
        .count();
    let by_outcome = control_responders > treated_non_responders;
    let oracle: Vec<f64> = y_true
        .iter()
        .zip(&treated)
        .map(|(&y, &t)| {
            let t = f64::from(u8::from(t));
            let same = f64::from(u8::from(y == t));
            2.0 * same + if by_outcome { y } else { t }
        })
        .collect();
    let data = Data {
        y: y_true,
        score: &oracle,
        treated,
    };
    Ok(sklift_curve(&data, Totals::gain))
}

/// The random-targeting Qini line `(0, 0) → (n, Q(n))`: the expected Qini curve of a score
/// unrelated to the outcome.
pub fn random_qini_curve(y_true: &[f64], treatment: &[f64]) -> Result<Curve> {
    let treated = treatment_flags(y_true, treatment, false)?;
    let n = y_true.len() as f64;
    Ok(Curve {
        x: vec![0.0, n],
        y: vec![0.0, total_incremental(y_true, &treated)],
    })
}

/// The random-targeting uplift line `(0, 0) → (n, U(n))`, `U(n) = (Y_t/N_t − Y_c/N_c) · n`.
pub fn random_uplift_curve(y_true: &[f64], treatment: &[f64]) -> Result<Curve> {
    let treated = treatment_flags(y_true, treatment, false)?;
    let (mut t, mut c) = (Totals::default(), Totals::default());
    for (&v, &tr) in y_true.iter().zip(&treated) {
        let g = if tr { &mut t } else { &mut c };
        g.n += 1.0;
        g.y_t += v;
    }
    let n = y_true.len() as f64;
    Ok(Curve {
        x: vec![0.0, n],
        y: vec![0.0, (t.y_t / t.n - c.y_t / c.n) * n],
    })
}

/// Trapezoidal area under a curve with increasing `x` (scikit-learn's `auc`), compensated sum.
fn trapezoid(c: &Curve) -> f64 {
    let mut s = NeumaierSum::default();
    for k in 1..c.x.len() {
        s.add((c.x[k] - c.x[k - 1]) * (c.y[k] + c.y[k - 1]) / 2.0);
    }
    s.value()
}

/// `(A(actual) − A(random)) / (A(perfect) − A(random))` with the random line drawn to the
/// perfect curve's end, as scikit-uplift does.
fn normalised_area(actual: &Curve, perfect: &Curve) -> Result<f64> {
    if perfect.x.windows(2).any(|w| w[1] < w[0]) {
        return Err(Ki3Error::param(
            "negative_effect",
            "the overall uplift is negative, so the perfect curve without negative effects is \
             not defined; use negative_effect=true",
        ));
    }
    let (xe, ye) = (
        perfect.x.last().copied().unwrap_or(0.0),
        perfect.y.last().copied().unwrap_or(0.0),
    );
    let baseline = xe * ye / 2.0;
    let perfect_area = trapezoid(perfect) - baseline;
    if perfect_area == 0.0 {
        return Err(Ki3Error::param(
            "y_true",
            "the perfect curve encloses no area (e.g. all outcomes equal), so the normalised \
             score is undefined",
        ));
    }
    Ok((trapezoid(actual) - baseline) / perfect_area)
}

/// Normalised area under the Qini curve, the Qini coefficient (scikit-uplift's
/// `qini_auc_score`): `(A(Qini) − A(random)) / (A(perfect Qini) − A(random))`, trapezoidal
/// areas, the random line from `(0, 0)` to the perfect curve's end. `negative_effect` selects
/// the perfect curve ([`perfect_qini_curve`]). Binary outcomes. 1 for the oracle ranking, about
/// 0 for random scores.
pub fn qini_auc_score(
    y_true: &[f64],
    uplift: &[f64],
    treatment: &[f64],
    negative_effect: bool,
) -> Result<f64> {
    let data = Data::new(y_true, uplift, treatment, true)?;
    let actual = sklift_curve(&data, Totals::qini);
    let perfect = perfect_qini_curve(y_true, treatment, negative_effect)?;
    normalised_area(&actual, &perfect)
}

/// Normalised area under the uplift curve (scikit-uplift's `uplift_auc_score`):
/// `(A(U) − A(random)) / (A(perfect U) − A(random))`. Binary outcomes.
pub fn uplift_auc_score(y_true: &[f64], uplift: &[f64], treatment: &[f64]) -> Result<f64> {
    let data = Data::new(y_true, uplift, treatment, true)?;
    let actual = sklift_curve(&data, Totals::gain);
    let perfect = perfect_uplift_curve(y_true, treatment)?;
    normalised_area(&actual, &perfect)
}

/// causalml's `qini_score`: `(Σₖ Q(k) − Σₖ L(k)) / (n + 1)` over the `n + 1` points of the
/// causalml Qini curve ([`Convention::Causalml`]), `L` the straight line from its first to its
/// last point; the curve is divided by `|Q(n)|` first when `normalize` (causalml's default).
pub fn qini_score(
    y_true: &[f64],
    uplift: &[f64],
    treatment: &[f64],
    normalize: bool,
) -> Result<f64> {
    let c = qini_curve_with(
        y_true,
        uplift,
        treatment,
        Convention::Causalml { normalize },
    )?;
    let m = c.y.len();
    let (first, last) = (c.y[0], c.y[m - 1]);
    let mut s = NeumaierSum::default();
    for (k, &q) in c.y.iter().enumerate() {
        let line = first + (last - first) * k as f64 / (m - 1) as f64;
        s.add(q - line);
    }
    Ok(s.value() / m as f64)
}

/// causalml's `auuc_score`: the mean of the `n + 1` points of the cumulative gain curve
/// ([`uplift_curve_with`] with [`Convention::Causalml`]), divided by `|gain(n)|` first when
/// `normalize` (causalml's default).
pub fn auuc_score(
    y_true: &[f64],
    uplift: &[f64],
    treatment: &[f64],
    normalize: bool,
) -> Result<f64> {
    let c = uplift_curve_with(
        y_true,
        uplift,
        treatment,
        Convention::Causalml { normalize },
    )?;
    let mut s = NeumaierSum::default();
    c.y.iter().for_each(|&v| s.add(v));
    Ok(s.value() / c.y.len() as f64)
}

/// Mean of the outcomes of `rows` (NaN when there are none) and their count.
fn mean_of(y: &[f64], rows: impl Iterator<Item = usize>) -> (f64, usize) {
    let (mut s, mut n) = (0.0, 0usize);
    for i in rows {
        s += y[i];
        n += 1;
    }
    (if n > 0 { s / n as f64 } else { f64::NAN }, n)
}

/// Uplift among the top `k` rows (scikit-uplift's `uplift_at_k`): the treated minus the control
/// mean outcome. [`Strategy::Overall`] takes the top `k` rows of the whole ranking
/// (`floor(k·n)` for a fraction, `0 < k < n` for a count); [`Strategy::ByGroup`] the top `k` of
/// each group's ranking (`floor(k·n_t)` and `floor(k·n_c)`; a count must not exceed either
/// group). A group without rows among the chosen is an error (scikit-uplift: NaN).
pub fn uplift_at_k(
    y_true: &[f64],
    uplift: &[f64],
    treatment: &[f64],
    strategy: Strategy,
    k: TopK,
) -> Result<f64> {
    let data = Data::new(y_true, uplift, treatment, false)?;
    let n = y_true.len();
    match k {
        TopK::Fraction(f) if !(f > 0.0 && f < 1.0) => {
            return Err(Ki3Error::param(
                "k",
                format!("a fraction must be in (0, 1), got {f}"),
            ));
        }
        TopK::Count(c) if c == 0 || c >= n => {
            return Err(Ki3Error::param(
                "k",
                format!("a count must be in 1..{n} (the number of rows), got {c}"),
            ));
        }
        _ => {}
    }
    let order = data.order_sklift();
    let take = |total: usize| match k {
        TopK::Fraction(f) => (total as f64 * f) as usize,
        TopK::Count(c) => c,
    };
    let empty = |group: &str, size: usize| {
        Ki3Error::param(
            "k",
            format!("the top {size} rows hold no {group} rows, so the uplift is undefined"),
        )
    };
    let (treated_mean, control_mean) = match strategy {
        Strategy::Overall => {
            let size = take(n);
            let top = &order[..size.min(n)];
            let (mt, nt) = mean_of(data.y, top.iter().copied().filter(|&i| data.treated[i]));
            let (mc, nc) = mean_of(data.y, top.iter().copied().filter(|&i| !data.treated[i]));
            if nt == 0 {
                return Err(empty("treated", size));
            }
            if nc == 0 {
                return Err(empty("control", size));
            }
            (mt, mc)
        }
        Strategy::ByGroup => {
            let n_t = data.treated.iter().filter(|&&t| t).count();
            let n_c = n - n_t;
            let (size_t, size_c) = (take(n_t), take(n_c));
            if let TopK::Count(c) = k {
                if c > n_c {
                    return Err(Ki3Error::param(
                        "k",
                        format!("{c} exceeds the {n_c} rows of the control group"),
                    ));
                }
                if c > n_t {
                    return Err(Ki3Error::param(
                        "k",
                        format!("{c} exceeds the {n_t} rows of the treatment group"),
                    ));
                }
            }
            let treated = &data.treated;
            let in_group = |flag: bool| order.iter().copied().filter(move |&i| treated[i] == flag);
            let (mt, nt) = mean_of(data.y, in_group(true).take(size_t));
            let (mc, nc) = mean_of(data.y, in_group(false).take(size_c));
            if nt == 0 {
                return Err(empty("treated", size_t));
            }
            if nc == 0 {
                return Err(empty("control", size_c));
            }
            (mt, mc)
        }
    };
    Ok(treated_mean - control_mean)
}

/// Response rates of one group by percentile bin of the ranking
/// ([`response_rate_by_percentile`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PercentileRates {
    /// Mean outcome of the group's rows in each bin (NaN for a bin without such rows).
    pub response_rate: Vec<f64>,
    /// `p (1 − p) / n` of each bin (the binomial variance of the rate).
    pub variance: Vec<f64>,
    /// The group's rows in each bin.
    pub group_size: Vec<usize>,
}

/// Sizes of numpy's `array_split(n, bins)`: the first `n % bins` parts one longer.
fn split_sizes(n: usize, bins: usize) -> impl Iterator<Item = usize> {
    let (q, r) = (n / bins, n % bins);
    (0..bins).map(move |b| q + usize::from(b < r))
}

fn check_bins(bins: usize, n: usize) -> Result<()> {
    if bins == 0 || bins >= n {
        return Err(Ki3Error::param(
            "bins",
            format!("must be in 1..{n} (the number of rows), got {bins}"),
        ));
    }
    Ok(())
}

fn rates_of(
    data: &Data<'_>,
    order: &[usize],
    group: Group,
    strategy: Strategy,
    bins: usize,
) -> PercentileRates {
    let flag = group.flag();
    let mut out = PercentileRates {
        response_rate: Vec::with_capacity(bins),
        variance: Vec::with_capacity(bins),
        group_size: Vec::with_capacity(bins),
    };
    let members: Vec<usize> = match strategy {
        Strategy::Overall => order.to_vec(),
        Strategy::ByGroup => order
            .iter()
            .copied()
            .filter(|&i| data.treated[i] == flag)
            .collect(),
    };
    let mut start = 0;
    for size in split_sizes(members.len(), bins) {
        let part = &members[start..start + size];
        start += size;
        let (rate, count) = mean_of(
            data.y,
            part.iter().copied().filter(|&i| data.treated[i] == flag),
        );
        out.response_rate.push(rate);
        out.variance.push(rate * ((1.0 - rate) / count as f64));
        out.group_size.push(count);
    }
    out
}

/// Response rate of `group` in each of `bins` percentile bins of the ranking (scikit-uplift's
/// `response_rate_by_percentile`): with [`Strategy::Overall`] the whole ranking is cut into
/// `bins` parts (numpy `array_split`: the first `n mod bins` parts one row longer) and the
/// group's rows of each part averaged; with [`Strategy::ByGroup`] the group's own ranking is
/// cut. `1 ≤ bins < n`. Binary outcomes.
pub fn response_rate_by_percentile(
    y_true: &[f64],
    uplift: &[f64],
    treatment: &[f64],
    group: Group,
    strategy: Strategy,
    bins: usize,
) -> Result<PercentileRates> {
    let data = Data::new(y_true, uplift, treatment, true)?;
    check_bins(bins, y_true.len())?;
    let order = data.order_sklift();
    Ok(rates_of(&data, &order, group, strategy, bins))
}

/// Uplift by percentile bin (scikit-uplift's `uplift_by_percentile` without its formatting):
/// both groups' [`PercentileRates`] and their difference.
#[derive(Debug, Clone, PartialEq)]
pub struct UpliftByPercentile {
    /// Treated rows' rates.
    pub treatment: PercentileRates,
    /// Control rows' rates.
    pub control: PercentileRates,
    /// `treatment.response_rate − control.response_rate` per bin.
    pub uplift: Vec<f64>,
    /// `sqrt(var_t + var_c)` per bin.
    pub std_uplift: Vec<f64>,
}

/// Both groups' response rates by percentile and the uplift per bin. Binary outcomes.
pub fn uplift_by_percentile(
    y_true: &[f64],
    uplift: &[f64],
    treatment: &[f64],
    strategy: Strategy,
    bins: usize,
) -> Result<UpliftByPercentile> {
    let data = Data::new(y_true, uplift, treatment, true)?;
    check_bins(bins, y_true.len())?;
    let order = data.order_sklift();
    let t = rates_of(&data, &order, Group::Treatment, strategy, bins);
    let c = rates_of(&data, &order, Group::Control, strategy, bins);
    let diff = t
        .response_rate
        .iter()
        .zip(&c.response_rate)
        .map(|(a, b)| a - b)
        .collect();
    let std = t
        .variance
        .iter()
        .zip(&c.variance)
        .map(|(a, b)| (a + b).sqrt())
        .collect();
    Ok(UpliftByPercentile {
        treatment: t,
        control: c,
        uplift: diff,
        std_uplift: std,
    })
}

/// Weighted average uplift (scikit-uplift's `weighted_average_uplift`): the per-bin uplift
/// (treated minus control response rate, [`response_rate_by_percentile`]) averaged with the
/// treated counts of the bins as weights. A bin without treated or control rows is an error
/// (scikit-uplift: NaN).
pub fn weighted_average_uplift(
    y_true: &[f64],
    uplift: &[f64],
    treatment: &[f64],
    strategy: Strategy,
    bins: usize,
) -> Result<f64> {
    let data = Data::new(y_true, uplift, treatment, false)?;
    check_bins(bins, y_true.len())?;
    let order = data.order_sklift();
    let t = rates_of(&data, &order, Group::Treatment, strategy, bins);
    let c = rates_of(&data, &order, Group::Control, strategy, bins);
    if let Some(b) = (0..bins).find(|&b| t.group_size[b] == 0 || c.group_size[b] == 0) {
        return Err(Ki3Error::param(
            "bins",
            format!("bin {b} has no treated or no control rows; use fewer bins"),
        ));
    }
    let (mut num, mut den) = (0.0, 0.0);
    for b in 0..bins {
        let w = t.group_size[b] as f64;
        num += w * (t.response_rate[b] - c.response_rate[b]);
        den += w;
    }
    Ok(num / den)
}

#[cfg(test)]
#[path = "metrics_tests.rs"]
mod tests;
