//! `syntheticShop` (and `syntheticShopAsync`): a simulated online-shop event log.

use ki3_core::data::{
    CATEGORIES, CHANNELS, MediaParams, ShopEvents, ShopParams, synthetic_media as core_media,
    synthetic_shop as core_shop,
};
use ki3_core::{Ki3Error, TimeUnit};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::error::{IntoNapi, to_napi};
use crate::time::{JsTime, TimeArg};
use crate::{convert_arg, take_job};

type CoreResult<T> = std::result::Result<T, Ki3Error>;

/// Options of `syntheticShop`.
#[napi(object, object_to_js = false)]
pub struct ShopOptions<'a> {
    /// Number of customers (ids 0..nCustomers).
    pub n_customers: f64,
    /// Seed: equal options give identical data on any machine and thread count.
    #[napi(ts_type = "number | bigint")]
    pub seed: Either<f64, BigInt>,
    /// Target mean number of events per customer (1..=1e6, default 10).
    pub events_per_customer: Option<f64>,
    /// Length of the simulated period in days (default 365).
    pub days: Option<f64>,
    /// Start of the period: unix seconds (number or bigint) or a `Date`; default 2024-01-01.
    #[napi(ts_type = "number | bigint | Date")]
    pub start: Option<JsTime<'a>>,
}

/// A synthetic event log (sorted by time), usable directly as `EventColumns` with
/// `timeUnit: "s"`.
#[napi(object, object_from_js = false)]
pub struct ShopResult {
    /// Customer id.
    pub customer: BigUint64Array,
    /// Unix seconds.
    pub timestamp: BigInt64Array,
    /// Purchase amount in dollars on purchases, 0 on page views.
    pub amount: Float64Array,
    /// 1 for purchases, 0 for page views.
    pub purchase: Uint8Array,
    /// Index into `channelNames`.
    pub channel: Uint32Array,
    /// Index into `categoryNames`.
    pub category: Uint32Array,
    /// Session id (unique across customers).
    pub session: BigUint64Array,
    /// Names of the channel codes.
    pub channel_names: Vec<String>,
    /// Names of the category codes.
    pub category_names: Vec<String>,
}

/// Shop options read from JS, checked later.
struct ShopArgs {
    n_customers: f64,
    seed: Either<f64, Option<u64>>,
    events_per_customer: Option<f64>,
    days: Option<f64>,
    start: Option<TimeArg>,
}

impl ShopArgs {
    fn read(o: &ShopOptions<'_>) -> Result<Self> {
        Ok(ShopArgs {
            n_customers: o.n_customers,
            seed: read_seed(&o.seed),
            events_per_customer: o.events_per_customer,
            days: o.days,
            start: o.start.as_ref().map(TimeArg::read).transpose()?,
        })
    }

    fn params(&self) -> CoreResult<ShopParams> {
        let n = self.n_customers;
        if !(n.fract() == 0.0 && (0.0..=1e12).contains(&n)) {
            return Err(Ki3Error::param(
                "nCustomers",
                format!("must be a non-negative integer, got {n}"),
            ));
        }
        let seed = resolve_seed(&self.seed)?;
        let mut params = ShopParams::new(n as usize, seed);
        if let Some(e) = self.events_per_customer {
            params = params.events_per_customer(e);
        }
        if let Some(d) = self.days {
            if !(d.fract() == 0.0 && (1.0..=f64::from(u32::MAX)).contains(&d)) {
                return Err(Ki3Error::param(
                    "days",
                    format!("must be a positive integer, got {d}"),
                ));
            }
            params = params.days(d as u32);
        }
        if let Some(s) = self.start {
            params = params.start(s.resolve("start", TimeUnit::Seconds)?);
        }
        Ok(params)
    }
}

/// A JS seed (number or bigint) as read on the JS thread: a bigint that is negative or wider
/// than 64 bits becomes `None`.
fn read_seed(seed: &Either<f64, BigInt>) -> Either<f64, Option<u64>> {
    match seed {
        Either::A(n) => Either::A(*n),
        Either::B(b) => {
            let (sign, value, lossless) = b.get_u64();
            Either::B((!sign && lossless).then_some(value))
        }
    }
}

/// The seed as a `u64`, or an error naming `seed`.
fn resolve_seed(seed: &Either<f64, Option<u64>>) -> CoreResult<u64> {
    match *seed {
        Either::A(s) if s.fract() == 0.0 && (0.0..18_446_744_073_709_551_616.0).contains(&s) => {
            Ok(s as u64)
        }
        Either::B(Some(s)) => Ok(s),
        Either::A(s) => Err(Ki3Error::param(
            "seed",
            format!("must be a non-negative integer, got {s}"),
        )),
        Either::B(None) => Err(Ki3Error::param(
            "seed",
            "bigint must be non-negative and fit in 64 bits",
        )),
    }
}

fn run(args: &ShopArgs) -> CoreResult<ShopEvents> {
    core_shop(&args.params()?)
}

fn shop_to_js(s: ShopEvents) -> ShopResult {
    ShopResult {
        customer: BigUint64Array::new(s.customer),
        timestamp: BigInt64Array::new(s.timestamp),
        amount: Float64Array::new(s.amount),
        purchase: Uint8Array::new(s.purchase.into_iter().map(u8::from).collect()),
        channel: Uint32Array::new(s.channel),
        category: Uint32Array::new(s.category),
        session: BigUint64Array::new(s.session),
        channel_names: CHANNELS.iter().map(|c| c.to_string()).collect(),
        category_names: CATEGORIES.iter().map(|c| c.to_string()).collect(),
    }
}

/// Simulates an online shop's event log (page views and purchases; Pareto/NBD-style visits,
/// per-customer channel and category preferences, Gamma-Gamma spend). Deterministic per seed.
#[napi(ts_args_type = "options: ShopOptions", ts_return_type = "ShopResult")]
pub fn synthetic_shop(env: Env, options: Unknown) -> Result<ShopResult> {
    let options: ShopOptions = convert_arg(&env, options, "options")?;
    let args = ShopArgs::read(&options)?;
    Ok(shop_to_js(run(&args).napi()?))
}

/// Runs `syntheticShop` on the libuv thread pool.
pub struct SyntheticShopTask {
    job: Option<Result<ShopArgs>>,
}

#[napi]
impl Task for SyntheticShopTask {
    type Output = ShopEvents;
    type JsValue = ShopResult;

    fn compute(&mut self) -> Result<Self::Output> {
        let args = take_job(&mut self.job)?;
        run(&args).map_err(to_napi)
    }

    fn resolve(&mut self, _env: Env, s: Self::Output) -> Result<ShopResult> {
        Ok(shop_to_js(s))
    }
}

/// `syntheticShop` off the event loop (every error rejects).
#[napi(
    ts_args_type = "options: ShopOptions",
    ts_return_type = "Promise<ShopResult>"
)]
pub fn synthetic_shop_async(env: Env, options: Unknown) -> AsyncTask<SyntheticShopTask> {
    let job = (|| {
        let options: ShopOptions = convert_arg(&env, options, "options")?;
        ShopArgs::read(&options)
    })();
    AsyncTask::new(SyntheticShopTask { job: Some(job) })
}

/// Options of `syntheticMedia`.
#[napi(object, object_to_js = false)]
pub struct MediaOptions<'a> {
    /// Seed: equal options give identical data on any machine.
    #[napi(ts_type = "number | bigint")]
    pub seed: Either<f64, BigInt>,
    /// Number of weeks (default 156).
    pub weeks: Option<f64>,
    /// First week: days since 1970-01-01 (number or bigint) or a `Date`; default 2024-01-01.
    #[napi(ts_type = "number | bigint | Date")]
    pub start: Option<JsTime<'a>>,
}

/// What generated `syntheticMedia`'s sales (per channel unless said otherwise).
#[napi(object, object_from_js = false)]
pub struct MediaTruthResult {
    /// Adstock decay.
    pub adstock_alpha: Float64Array,
    /// Saturation steepness (on spend divided by its maximum).
    pub saturation_lam: Float64Array,
    /// Saturation ceiling on the target divided by its maximum.
    pub saturation_beta: Float64Array,
    /// Saturation ceiling in sales units.
    pub saturation_ceiling: Float64Array,
    /// Contributions, row-major weeks × channels, sales units.
    pub contributions: Float64Array,
    /// Baseline per week, sales units.
    pub baseline: Float64Array,
    /// Return on ad spend.
    pub roas: Float64Array,
    /// Noise standard deviation.
    pub noise_sd: f64,
}

/// Weekly media spend, controls and sales with their generating truth.
#[napi(object, object_from_js = false)]
pub struct MediaResult {
    /// Week starts, days since 1970-01-01.
    pub dates: BigInt64Array,
    /// Channel names.
    pub channels: Vec<String>,
    /// Spend, row-major weeks × channels.
    pub spend: Float64Array,
    /// Control: 1 in promotion weeks.
    pub event: Float64Array,
    /// Control: t / weeks.
    pub trend: Float64Array,
    /// Sales per week.
    pub sales: Float64Array,
    /// The generating parameters and true contributions / ROAS.
    pub truth: MediaTruthResult,
}

/// Simulates the shop's weekly media spend and sales from the marketing-mix model with known
/// parameters (geometric adstock, logistic saturation, trend, seasonality, promotions), so a
/// fitted MMM can be checked against the truth. Deterministic per seed.
#[napi(ts_args_type = "options: MediaOptions", ts_return_type = "MediaResult")]
pub fn synthetic_media(env: Env, options: Unknown) -> Result<MediaResult> {
    let options: MediaOptions = convert_arg(&env, options, "options")?;
    let seed = read_seed(&options.seed);
    let start = options.start.as_ref().map(TimeArg::read).transpose()?;
    let params = (|| -> CoreResult<MediaParams> {
        let mut p = MediaParams {
            seed: resolve_seed(&seed)?,
            ..MediaParams::default()
        };
        if let Some(w) = options.weeks {
            if !(w.fract() == 0.0 && (0.0..=1e15).contains(&w)) {
                return Err(Ki3Error::param(
                    "weeks",
                    format!("must be a non-negative integer, got {w}"),
                ));
            }
            p.weeks = w as usize;
        }
        if let Some(s) = start {
            p.start_day = s.resolve("start", TimeUnit::Days)?;
        }
        Ok(p)
    })()
    .napi()?;
    let m = core_media(&params).napi()?;
    let t = m.truth;
    Ok(MediaResult {
        dates: BigInt64Array::new(m.dates),
        channels: m.channels,
        spend: Float64Array::new(m.spend),
        event: Float64Array::new(m.event),
        trend: Float64Array::new(m.trend),
        sales: Float64Array::new(m.sales),
        truth: MediaTruthResult {
            adstock_alpha: Float64Array::new(t.adstock_alpha),
            saturation_lam: Float64Array::new(t.saturation_lam),
            saturation_beta: Float64Array::new(t.saturation_beta),
            saturation_ceiling: Float64Array::new(t.saturation_ceiling),
            contributions: Float64Array::new(t.contributions),
            baseline: Float64Array::new(t.baseline),
            roas: Float64Array::new(t.roas),
            noise_sd: t.noise_sd,
        },
    })
}
