//! `syntheticShop` (and `syntheticShopAsync`): a simulated online-shop event log.

use ki3_core::data::{CATEGORIES, CHANNELS, ShopEvents, ShopParams, synthetic_shop as core_shop};
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
            seed: match &o.seed {
                Either::A(n) => Either::A(*n),
                Either::B(b) => {
                    let (sign, value, lossless) = b.get_u64();
                    Either::B((!sign && lossless).then_some(value))
                }
            },
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
        let seed = match self.seed {
            Either::A(s)
                if s.fract() == 0.0 && (0.0..18_446_744_073_709_551_616.0).contains(&s) =>
            {
                s as u64
            }
            Either::B(Some(s)) => s,
            Either::A(s) => {
                return Err(Ki3Error::param(
                    "seed",
                    format!("must be a non-negative integer, got {s}"),
                ));
            }
            Either::B(None) => {
                return Err(Ki3Error::param(
                    "seed",
                    "bigint must be non-negative and fit in 64 bits",
                ));
            }
        };
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
