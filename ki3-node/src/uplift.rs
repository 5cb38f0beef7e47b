//! Uplift evaluation metrics (`ki3_core::uplift::metrics`) on `Float64Array` columns:
//! `yTrue` (outcomes), `uplift` (scores) and `treatment` (0/1), in scikit-uplift's definitions
//! (and causalml's `qiniScore` / `auucScore`). Options left out take the core's defaults.

use ki3_core::Ki3Error;
use ki3_core::uplift::metrics::{
    self, Convention, Curve, DEFAULT_BINS, DEFAULT_K, Group, Strategy, TopK,
};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::columns::Float64Column;
use crate::convert_opt_arg;
use crate::error::IntoNapi;

/// Points of a curve.
#[napi(object, object_from_js = false)]
pub struct UpliftCurvePoints {
    /// Number of top-ranked rows targeted.
    pub x: Float64Array,
    /// Curve value at each `x`.
    pub y: Float64Array,
}

fn curve_to_js(c: Curve) -> UpliftCurvePoints {
    UpliftCurvePoints {
        x: Float64Array::new(c.x),
        y: Float64Array::new(c.y),
    }
}

/// Options of `qiniCurve` / `upliftCurve`.
#[napi(object, object_to_js = false)]
pub struct CurveOptions {
    /// "sklift" (default: tied scores merged, `(0, 0)` first) or "causalml" (a point per row).
    pub convention: Option<String>,
    /// With "causalml": divide by the absolute value of the curve's end (default false).
    pub normalize: Option<bool>,
}

/// Options of `qiniAucScore` and `perfectQiniCurve`.
#[napi(object, object_to_js = false)]
pub struct QiniOptions {
    /// Whether the perfect curve includes negative effects (default true).
    pub negative_effect: Option<bool>,
}

/// Options of `qiniScore` / `auucScore` (causalml).
#[napi(object, object_to_js = false)]
pub struct NormalizeOptions {
    /// Divide the curve by the absolute value of its end first (default true, as causalml).
    pub normalize: Option<bool>,
}

/// Options of `upliftAtK`.
#[napi(object, object_to_js = false)]
pub struct UpliftAtKOptions {
    /// "overall" (top k of the whole ranking) or "by_group" (top k of each group).
    pub strategy: String,
    /// A share in (0, 1) or a whole number of rows >= 1 (default: the core's 0.3).
    pub k: Option<f64>,
}

/// Options of the percentile functions.
#[napi(object, object_to_js = false)]
pub struct PercentileOptions {
    /// "overall" (default) or "by_group".
    pub strategy: Option<String>,
    /// Number of bins, `1 <= bins < n` (default: the core's 10).
    pub bins: Option<f64>,
}

/// Options of `responseRateByPercentile`.
#[napi(object, object_to_js = false)]
pub struct ResponseRateOptions {
    /// "treatment" or "control".
    pub group: String,
    /// "overall" (default) or "by_group".
    pub strategy: Option<String>,
    /// Number of bins, `1 <= bins < n` (default: the core's 10).
    pub bins: Option<f64>,
}

/// Response rates of one group by percentile bin.
#[napi(object, object_from_js = false)]
pub struct ResponseRates {
    /// Mean outcome of the group's rows per bin (NaN for a bin without them).
    pub response_rate: Float64Array,
    /// `p (1 - p) / n` per bin.
    pub variance: Float64Array,
    /// The group's rows per bin.
    pub group_size: Float64Array,
}

/// Both groups by percentile bin (scikit-uplift's `uplift_by_percentile` columns).
#[napi(object, object_from_js = false)]
pub struct UpliftByPercentileResult {
    pub n_treatment: Float64Array,
    pub n_control: Float64Array,
    pub response_rate_treatment: Float64Array,
    pub response_rate_control: Float64Array,
    pub uplift: Float64Array,
    pub std_treatment: Float64Array,
    pub std_control: Float64Array,
    pub std_uplift: Float64Array,
}

/// A required `Float64Array` argument, named in errors.
pub(crate) fn column<'a>(env: &Env, value: Unknown<'a>, name: &str) -> Result<Float64Column<'a>> {
    let ty = value.get_type()?;
    if ty != ValueType::Object {
        return Err(Error::new(
            Status::InvalidArg,
            format!(
                "{name}: expected Float64Array, got {}",
                format!("{ty:?}").to_lowercase()
            ),
        ));
    }
    // SAFETY: `value` is a live handle of this call's scope on the JS thread.
    unsafe { Float64Column::from_napi_value(env.raw(), value.raw()) }
        .map_err(|e| Error::new(Status::InvalidArg, format!("{name}: {}", e.reason)))
}

fn strategy_of(s: Option<&str>) -> Result<Strategy> {
    s.map_or(Ok(Strategy::Overall), Strategy::parse).napi()
}

fn bins_of(bins: Option<f64>) -> Result<usize> {
    match bins {
        None => Ok(DEFAULT_BINS),
        Some(b) if b.fract() == 0.0 && (1.0..9.0e15).contains(&b) => Ok(b as usize),
        Some(b) => Err(Ki3Error::param(
            "bins",
            format!("must be a positive integer, got {b}"),
        ))
        .napi(),
    }
}

/// Qini curve `Q(N) = Y_t − Y_c · N_t / N_c` over the top `N` rows by descending score.
#[napi(
    ts_args_type = "yTrue: Float64Array, uplift: Float64Array, treatment: Float64Array, options?: CurveOptions | undefined | null",
    ts_return_type = "UpliftCurvePoints"
)]
pub fn qini_curve(
    env: Env,
    y_true: Unknown,
    uplift: Unknown,
    treatment: Unknown,
    options: Unknown,
) -> Result<UpliftCurvePoints> {
    curve(
        env,
        y_true,
        uplift,
        treatment,
        options,
        metrics::qini_curve_with,
    )
}

/// Uplift curve `U(N) = (Y_t/N_t − Y_c/N_c) · N` (causalml: cumulative gain).
#[napi(
    ts_args_type = "yTrue: Float64Array, uplift: Float64Array, treatment: Float64Array, options?: CurveOptions | undefined | null",
    ts_return_type = "UpliftCurvePoints"
)]
pub fn uplift_curve(
    env: Env,
    y_true: Unknown,
    uplift: Unknown,
    treatment: Unknown,
    options: Unknown,
) -> Result<UpliftCurvePoints> {
    curve(
        env,
        y_true,
        uplift,
        treatment,
        options,
        metrics::uplift_curve_with,
    )
}

type ScoreFn = fn(&[f64], &[f64], &[f64], bool) -> ki3_core::Result<f64>;
type CurveFn = fn(&[f64], &[f64], &[f64], Convention) -> ki3_core::Result<Curve>;

fn curve(
    env: Env,
    y_true: Unknown,
    uplift: Unknown,
    treatment: Unknown,
    options: Unknown,
    f: CurveFn,
) -> Result<UpliftCurvePoints> {
    let (y, u, t) = three(&env, y_true, uplift, treatment)?;
    let o: Option<CurveOptions> = convert_opt_arg(&env, options, "options")?;
    let (conv, norm) = o.map_or((None, None), |o| (o.convention, o.normalize));
    let conv =
        Convention::parse(conv.as_deref().unwrap_or("sklift"), norm.unwrap_or(false)).napi()?;
    let c = f(y.as_slice(), u.as_slice(), t.as_slice(), conv).napi()?;
    Ok(curve_to_js(c))
}

/// The perfect Qini curve (binary outcomes).
#[napi(
    ts_args_type = "yTrue: Float64Array, treatment: Float64Array, options?: QiniOptions | undefined | null",
    ts_return_type = "UpliftCurvePoints"
)]
pub fn perfect_qini_curve(
    env: Env,
    y_true: Unknown,
    treatment: Unknown,
    options: Unknown,
) -> Result<UpliftCurvePoints> {
    let (y, t) = outcomes(&env, y_true, treatment)?;
    let o: Option<QiniOptions> = convert_opt_arg(&env, options, "options")?;
    let negative = o.and_then(|o| o.negative_effect).unwrap_or(true);
    let c = metrics::perfect_qini_curve(y.as_slice(), t.as_slice(), negative).napi()?;
    Ok(curve_to_js(c))
}

/// The perfect uplift curve (binary outcomes).
#[napi(
    ts_args_type = "yTrue: Float64Array, treatment: Float64Array",
    ts_return_type = "UpliftCurvePoints"
)]
pub fn perfect_uplift_curve(
    env: Env,
    y_true: Unknown,
    treatment: Unknown,
) -> Result<UpliftCurvePoints> {
    two(env, y_true, treatment, metrics::perfect_uplift_curve)
}

/// The random-targeting Qini line `(0, 0) → (n, Q(n))`.
#[napi(
    ts_args_type = "yTrue: Float64Array, treatment: Float64Array",
    ts_return_type = "UpliftCurvePoints"
)]
pub fn random_qini_curve(
    env: Env,
    y_true: Unknown,
    treatment: Unknown,
) -> Result<UpliftCurvePoints> {
    two(env, y_true, treatment, metrics::random_qini_curve)
}

/// The random-targeting uplift line `(0, 0) → (n, U(n))`.
#[napi(
    ts_args_type = "yTrue: Float64Array, treatment: Float64Array",
    ts_return_type = "UpliftCurvePoints"
)]
pub fn random_uplift_curve(
    env: Env,
    y_true: Unknown,
    treatment: Unknown,
) -> Result<UpliftCurvePoints> {
    two(env, y_true, treatment, metrics::random_uplift_curve)
}

fn two(
    env: Env,
    y_true: Unknown,
    treatment: Unknown,
    f: fn(&[f64], &[f64]) -> ki3_core::Result<Curve>,
) -> Result<UpliftCurvePoints> {
    let (y, t) = outcomes(&env, y_true, treatment)?;
    Ok(curve_to_js(f(y.as_slice(), t.as_slice()).napi()?))
}

/// Normalised area under the Qini curve, the Qini coefficient (scikit-uplift).
#[napi(
    ts_args_type = "yTrue: Float64Array, uplift: Float64Array, treatment: Float64Array, options?: QiniOptions | undefined | null"
)]
pub fn qini_auc_score(
    env: Env,
    y_true: Unknown,
    uplift: Unknown,
    treatment: Unknown,
    options: Unknown,
) -> Result<f64> {
    let (y, u, t) = three(&env, y_true, uplift, treatment)?;
    let o: Option<QiniOptions> = convert_opt_arg(&env, options, "options")?;
    let negative = o.and_then(|o| o.negative_effect).unwrap_or(true);
    metrics::qini_auc_score(y.as_slice(), u.as_slice(), t.as_slice(), negative).napi()
}

/// Normalised area under the uplift curve (scikit-uplift).
#[napi(ts_args_type = "yTrue: Float64Array, uplift: Float64Array, treatment: Float64Array")]
pub fn uplift_auc_score(
    env: Env,
    y_true: Unknown,
    uplift: Unknown,
    treatment: Unknown,
) -> Result<f64> {
    let (y, u, t) = three(&env, y_true, uplift, treatment)?;
    metrics::uplift_auc_score(y.as_slice(), u.as_slice(), t.as_slice()).napi()
}

/// causalml's `qini_score` (normalised by default).
#[napi(
    ts_args_type = "yTrue: Float64Array, uplift: Float64Array, treatment: Float64Array, options?: NormalizeOptions | undefined | null"
)]
pub fn qini_score(
    env: Env,
    y_true: Unknown,
    uplift: Unknown,
    treatment: Unknown,
    options: Unknown,
) -> Result<f64> {
    causalml_score(env, y_true, uplift, treatment, options, metrics::qini_score)
}

/// causalml's `auuc_score` (normalised by default).
#[napi(
    ts_args_type = "yTrue: Float64Array, uplift: Float64Array, treatment: Float64Array, options?: NormalizeOptions | undefined | null"
)]
pub fn auuc_score(
    env: Env,
    y_true: Unknown,
    uplift: Unknown,
    treatment: Unknown,
    options: Unknown,
) -> Result<f64> {
    causalml_score(env, y_true, uplift, treatment, options, metrics::auuc_score)
}

fn causalml_score(
    env: Env,
    y_true: Unknown,
    uplift: Unknown,
    treatment: Unknown,
    options: Unknown,
    f: ScoreFn,
) -> Result<f64> {
    let (y, u, t) = three(&env, y_true, uplift, treatment)?;
    let o: Option<NormalizeOptions> = convert_opt_arg(&env, options, "options")?;
    let normalize = o.and_then(|o| o.normalize).unwrap_or(true);
    f(y.as_slice(), u.as_slice(), t.as_slice(), normalize).napi()
}

/// `yTrue` and `treatment` (the reference curves' columns).
fn outcomes<'a>(
    env: &Env,
    y_true: Unknown<'a>,
    treatment: Unknown<'a>,
) -> Result<(Float64Column<'a>, Float64Column<'a>)> {
    Ok((
        column(env, y_true, "yTrue")?,
        column(env, treatment, "treatment")?,
    ))
}

/// `yTrue`, `uplift` and `treatment`, the columns of every score.
fn three<'a>(
    env: &Env,
    y_true: Unknown<'a>,
    uplift: Unknown<'a>,
    treatment: Unknown<'a>,
) -> Result<(Float64Column<'a>, Float64Column<'a>, Float64Column<'a>)> {
    Ok((
        column(env, y_true, "yTrue")?,
        column(env, uplift, "uplift")?,
        column(env, treatment, "treatment")?,
    ))
}

/// Treated minus control mean outcome among the top `k` rows (scikit-uplift's `uplift_at_k`):
/// `k` in (0, 1) is a share, a whole number >= 1 a count of rows.
#[napi(
    ts_args_type = "yTrue: Float64Array, uplift: Float64Array, treatment: Float64Array, options: UpliftAtKOptions"
)]
pub fn uplift_at_k(
    env: Env,
    y_true: Unknown,
    uplift: Unknown,
    treatment: Unknown,
    options: Unknown,
) -> Result<f64> {
    let (y, u, t) = three(&env, y_true, uplift, treatment)?;
    let o: UpliftAtKOptions = crate::convert_arg(&env, options, "options")?;
    let strategy = Strategy::parse(&o.strategy).napi()?;
    let k = match o.k {
        None => TopK::Fraction(DEFAULT_K),
        Some(k) if k.fract() == 0.0 && (1.0..9.0e15).contains(&k) => TopK::Count(k as usize),
        Some(k) => TopK::Fraction(k),
    };
    metrics::uplift_at_k(y.as_slice(), u.as_slice(), t.as_slice(), strategy, k).napi()
}

/// Response rate of one group in each percentile bin (scikit-uplift).
#[napi(
    ts_args_type = "yTrue: Float64Array, uplift: Float64Array, treatment: Float64Array, options: ResponseRateOptions",
    ts_return_type = "ResponseRates"
)]
pub fn response_rate_by_percentile(
    env: Env,
    y_true: Unknown,
    uplift: Unknown,
    treatment: Unknown,
    options: Unknown,
) -> Result<ResponseRates> {
    let (y, u, t) = three(&env, y_true, uplift, treatment)?;
    let o: ResponseRateOptions = crate::convert_arg(&env, options, "options")?;
    let group = Group::parse(&o.group).napi()?;
    let strategy = strategy_of(o.strategy.as_deref())?;
    let bins = bins_of(o.bins)?;
    let r = metrics::response_rate_by_percentile(
        y.as_slice(),
        u.as_slice(),
        t.as_slice(),
        group,
        strategy,
        bins,
    )
    .napi()?;
    Ok(ResponseRates {
        response_rate: Float64Array::new(r.response_rate),
        variance: Float64Array::new(r.variance),
        group_size: Float64Array::new(r.group_size.iter().map(|&n| n as f64).collect()),
    })
}

/// Group sizes, response rates, uplift and standard deviations per percentile bin.
#[napi(
    ts_args_type = "yTrue: Float64Array, uplift: Float64Array, treatment: Float64Array, options?: PercentileOptions | undefined | null",
    ts_return_type = "UpliftByPercentileResult"
)]
pub fn uplift_by_percentile(
    env: Env,
    y_true: Unknown,
    uplift: Unknown,
    treatment: Unknown,
    options: Unknown,
) -> Result<UpliftByPercentileResult> {
    let (y, u, t) = three(&env, y_true, uplift, treatment)?;
    let o: Option<PercentileOptions> = convert_opt_arg(&env, options, "options")?;
    let (s, b) = o.map_or((None, None), |o| (o.strategy, o.bins));
    let (strategy, bins) = (strategy_of(s.as_deref())?, bins_of(b)?);
    let r = metrics::uplift_by_percentile(y.as_slice(), u.as_slice(), t.as_slice(), strategy, bins)
        .napi()?;
    let counts = |v: &[usize]| Float64Array::new(v.iter().map(|&n| n as f64).collect());
    let sqrt = |v: &[f64]| Float64Array::new(v.iter().map(|x| x.sqrt()).collect());
    Ok(UpliftByPercentileResult {
        n_treatment: counts(&r.treatment.group_size),
        n_control: counts(&r.control.group_size),
        std_treatment: sqrt(&r.treatment.variance),
        std_control: sqrt(&r.control.variance),
        response_rate_treatment: Float64Array::new(r.treatment.response_rate),
        response_rate_control: Float64Array::new(r.control.response_rate),
        uplift: Float64Array::new(r.uplift),
        std_uplift: Float64Array::new(r.std_uplift),
    })
}

/// Per-bin uplift averaged with the bins' treated counts as weights (scikit-uplift).
#[napi(
    ts_args_type = "yTrue: Float64Array, uplift: Float64Array, treatment: Float64Array, options?: PercentileOptions | undefined | null"
)]
pub fn weighted_average_uplift(
    env: Env,
    y_true: Unknown,
    uplift: Unknown,
    treatment: Unknown,
    options: Unknown,
) -> Result<f64> {
    let (y, u, t) = three(&env, y_true, uplift, treatment)?;
    let o: Option<PercentileOptions> = convert_opt_arg(&env, options, "options")?;
    let (s, b) = o.map_or((None, None), |o| (o.strategy, o.bins));
    let (strategy, bins) = (strategy_of(s.as_deref())?, bins_of(b)?);
    metrics::weighted_average_uplift(y.as_slice(), u.as_slice(), t.as_slice(), strategy, bins)
        .napi()
}
