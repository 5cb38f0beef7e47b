//! `customerFeatures`, `historicalFeatures` (and their `...Async` twins) and the
//! `FeatureAggregator` class.

use ki3_core::features::{
    self as core_features, FeatureAggregator as CoreAggregator, FeatureSpec, FeatureTable,
};
use ki3_core::{Ki3Error, TimeUnit};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::columns::{
    EventColumns, FeatureResult, IdColumn, JsList, Names, RawEvents, RawIds, RawTimes, TimeColumn,
    table_to_js,
};
use crate::error::{IntoNapi, to_napi};
use crate::time::{JsTime, TimeArg, parse_unit};
use crate::{Raw, convert_arg, convert_opt_arg, spawn, string_arg, take_job};

type CoreResult<T> = std::result::Result<T, Ki3Error>;

/// Options of `customerFeatures`.
#[napi(object, object_to_js = false)]
pub struct FeatureOptions<'a> {
    /// Features use the events at or before this time (inclusive). A number or bigint is in
    /// `timeUnit`; a `Date` is converted (floored to the unit).
    #[napi(ts_type = "number | bigint | Date")]
    pub as_of: JsTime<'a>,
    /// Unit of `timestamp` (and of a numeric `asOf`): "D", "s", "ms" (default), "us", "ns".
    pub time_unit: Option<String>,
    /// Look-back windows in days (positive integers, distinct); default [7, 30, 90, 365].
    #[napi(ts_type = "number[]")]
    pub windows: Option<JsList<f64>>,
    /// Feature families: "core", "windows", "channel", "category", "session". Default: every
    /// family whose input column is present (asking for one whose column is missing is an error).
    #[napi(ts_type = "string[]")]
    pub families: Option<JsList<String>>,
}

/// Options of `historicalFeatures`.
#[napi(object, object_to_js = false)]
pub struct HistoricalOptions {
    /// Unit of `timestamp` and `labelTime`: "D", "s", "ms" (default), "us", "ns".
    pub time_unit: Option<String>,
    /// Look-back windows in days; default [7, 30, 90, 365].
    #[napi(ts_type = "number[]")]
    pub windows: Option<JsList<f64>>,
    /// Feature families (see `FeatureOptions.families`).
    #[napi(ts_type = "string[]")]
    pub families: Option<JsList<String>>,
}

/// Label rows of `historicalFeatures`: row i asks for the features of `customer[i]` as of
/// `labelTime[i]`.
#[napi(object, object_to_js = false)]
pub struct LabelColumns<'a> {
    /// Customer ids, of the same kind as the events' (numbers, or strings when those are).
    #[napi(
        ts_type = "BigUint64Array | BigInt64Array | Uint32Array | Int32Array | Float64Array | string[]"
    )]
    pub customer: IdColumn<'a>,
    /// Label times, integers in `timeUnit`.
    #[napi(ts_type = "BigInt64Array | Float64Array")]
    pub label_time: TimeColumn<'a>,
}

/// Options of `FeatureAggregator.update`.
#[napi(object, object_to_js = false)]
pub struct UpdateOptions {
    /// Unit of `timestamp`: "D", "s", "ms" (default), "us", "ns". Every chunk of one aggregator
    /// must use the same unit.
    pub time_unit: Option<String>,
}

/// Options of `FeatureAggregator.finish`.
#[napi(object, object_to_js = false)]
pub struct FinishOptions<'a> {
    /// As-of time in the aggregator's time unit (see `FeatureAggregator.timeUnit`), or a `Date`.
    #[napi(ts_type = "number | bigint | Date")]
    pub as_of: JsTime<'a>,
    /// Look-back windows in days; default [7, 30, 90, 365].
    #[napi(ts_type = "number[]")]
    pub windows: Option<JsList<f64>>,
    /// Feature families (see `FeatureOptions.families`).
    #[napi(ts_type = "string[]")]
    pub families: Option<JsList<String>>,
}

/// Spec options read from JS, checked later.
pub(crate) struct SpecArgs {
    as_of: Option<TimeArg>,
    time_unit: Option<String>,
    windows: Option<Vec<f64>>,
    families: Option<Vec<String>>,
}

impl SpecArgs {
    fn from_features(o: &FeatureOptions<'_>) -> Result<Self> {
        Ok(SpecArgs {
            as_of: Some(TimeArg::read(&o.as_of)?),
            time_unit: o.time_unit.clone(),
            windows: o.windows.as_ref().map(|w| w.0.clone()),
            families: o.families.as_ref().map(|f| f.0.clone()),
        })
    }

    fn from_historical(o: Option<HistoricalOptions>) -> Self {
        let o = o.unwrap_or(HistoricalOptions {
            time_unit: None,
            windows: None,
            families: None,
        });
        SpecArgs {
            as_of: None,
            time_unit: o.time_unit,
            windows: o.windows.map(|w| w.0),
            families: o.families.map(|f| f.0),
        }
    }

    fn from_finish(o: &FinishOptions<'_>) -> Result<Self> {
        Ok(SpecArgs {
            as_of: Some(TimeArg::read(&o.as_of)?),
            time_unit: None,
            windows: o.windows.as_ref().map(|w| w.0.clone()),
            families: o.families.as_ref().map(|f| f.0.clone()),
        })
    }

    fn unit(&self) -> CoreResult<TimeUnit> {
        parse_unit(self.time_unit.as_deref())
    }

    fn spec(&self, unit: TimeUnit) -> CoreResult<FeatureSpec> {
        let as_of = match self.as_of {
            Some(t) => t.resolve("asOf", unit)?,
            None => 0,
        };
        let mut spec = FeatureSpec::new(as_of);
        if let Some(w) = &self.windows {
            let windows = w
                .iter()
                .map(|d| {
                    if d.fract() == 0.0 && *d >= 1.0 && *d <= f64::from(u32::MAX) {
                        Ok(*d as u32)
                    } else {
                        Err(Ki3Error::param(
                            "windows",
                            format!("window {d} is not a positive integer number of days"),
                        ))
                    }
                })
                .collect::<CoreResult<Vec<u32>>>()?;
            spec = spec.windows(windows);
        }
        if let Some(f) = &self.families {
            let families = f
                .iter()
                .map(|name| core_features::Family::parse(name))
                .collect::<CoreResult<Vec<_>>>()?;
            spec = spec.families(families);
        }
        Ok(spec)
    }
}

fn run_customer(events: &RawEvents<'_>, args: &SpecArgs) -> CoreResult<(FeatureTable, Names)> {
    let unit = args.unit()?;
    let spec = args.spec(unit)?;
    let ev = events.prepare(unit)?;
    let table = core_features::customer_features(&ev.log(), &spec)?;
    Ok((table, ev.names))
}

/// Label columns read from JS, checked later.
pub(crate) struct RawLabels<'a> {
    customer: RawIds<'a>,
    time: RawTimes<'a>,
}

impl<'a> RawLabels<'a> {
    fn borrow(l: &'a LabelColumns<'_>) -> Self {
        RawLabels {
            customer: RawIds::borrow(&l.customer),
            time: RawTimes::borrow(&l.label_time),
        }
    }

    fn owned(l: LabelColumns<'_>) -> RawLabels<'static> {
        RawLabels {
            customer: RawIds::owned(l.customer),
            time: RawTimes::owned(l.label_time),
        }
    }
}

fn run_historical(
    events: &RawEvents<'_>,
    labels: &RawLabels<'_>,
    args: &SpecArgs,
) -> CoreResult<(FeatureTable, Names)> {
    let unit = args.unit()?;
    let spec = args.spec(unit)?;
    let (ev, label_customer) = events.prepare_with_labels(&labels.customer, unit)?;
    let label_time = labels.time.convert("labelTime")?;
    let table = core_features::historical_features(&ev.log(), &label_customer, &label_time, &spec)?;
    Ok((table, ev.names))
}

/// Customer features as of `options.asOf`: one row per customer with an event at or before it,
/// rows in ascending id (string ids: ascending string order).
#[napi(
    ts_args_type = "events: EventColumns, options: FeatureOptions",
    ts_return_type = "FeatureResult"
)]
pub fn customer_features(env: Env, events: Unknown, options: Unknown) -> Result<FeatureResult> {
    let events: EventColumns = convert_arg(&env, events, "events")?;
    let options: FeatureOptions = convert_arg(&env, options, "options")?;
    let args = SpecArgs::from_features(&options)?;
    let (table, names) = run_customer(&RawEvents::borrow(&events), &args).napi()?;
    Ok(table_to_js(table, &names))
}

/// A feature table computed on the libuv thread pool: `run` applied to `job` (the inputs,
/// copied or converted on the JS thread, or the error that rejects the promise).
pub struct TableTask<J> {
    job: Option<Result<J>>,
    run: fn(&J) -> CoreResult<(FeatureTable, Names)>,
}

impl<J: Send + 'static> Task for TableTask<J> {
    type Output = (FeatureTable, Names);
    type JsValue = FeatureResult;

    fn compute(&mut self) -> Result<Self::Output> {
        let job = take_job(&mut self.job)?;
        (self.run)(&job).map_err(to_napi)
    }

    fn resolve(&mut self, _env: Env, (table, names): Self::Output) -> Result<FeatureResult> {
        Ok(table_to_js(table, &names))
    }
}

/// `customerFeatures` off the event loop: the columns are copied, the work runs on the libuv
/// thread pool, and every error (including wrong argument types) rejects the promise.
#[napi(
    ts_args_type = "events: EventColumns, options: FeatureOptions",
    ts_return_type = "Promise<FeatureResult>"
)]
pub fn customer_features_async(
    env: Env,
    events: Unknown,
    options: Unknown,
) -> AsyncTask<TableTask<(RawEvents<'static>, SpecArgs)>> {
    let job = (|| {
        let events: EventColumns = convert_arg(&env, events, "events")?;
        let options: FeatureOptions = convert_arg(&env, options, "options")?;
        let args = SpecArgs::from_features(&options)?;
        Ok((RawEvents::owned(events), args))
    })();
    AsyncTask::new(TableTask {
        job: Some(job),
        run: |(events, args)| run_customer(events, args),
    })
}

/// Training-set features: row i holds the features of `labels.customer[i]` as of
/// `labels.labelTime[i]`, from that customer's events at or before that time only.
#[napi(
    ts_args_type = "events: EventColumns, labels: LabelColumns, options?: HistoricalOptions | undefined | null",
    ts_return_type = "FeatureResult"
)]
pub fn historical_features(
    env: Env,
    events: Unknown,
    labels: Unknown,
    options: Unknown,
) -> Result<FeatureResult> {
    let events: EventColumns = convert_arg(&env, events, "events")?;
    let labels: LabelColumns = convert_arg(&env, labels, "labels")?;
    let options: Option<HistoricalOptions> = convert_opt_arg(&env, options, "options")?;
    let args = SpecArgs::from_historical(options);
    let (table, names) = run_historical(
        &RawEvents::borrow(&events),
        &RawLabels::borrow(&labels),
        &args,
    )
    .napi()?;
    Ok(table_to_js(table, &names))
}

/// `historicalFeatures` off the event loop (see `customerFeaturesAsync`).
#[napi(
    ts_args_type = "events: EventColumns, labels: LabelColumns, options?: HistoricalOptions | undefined | null",
    ts_return_type = "Promise<FeatureResult>"
)]
pub fn historical_features_async(
    env: Env,
    events: Unknown,
    labels: Unknown,
    options: Unknown,
) -> AsyncTask<TableTask<HistoricalJob>> {
    let job = (|| {
        let events: EventColumns = convert_arg(&env, events, "events")?;
        let labels: LabelColumns = convert_arg(&env, labels, "labels")?;
        let options: Option<HistoricalOptions> = convert_opt_arg(&env, options, "options")?;
        Ok((
            RawEvents::owned(events),
            RawLabels::owned(labels),
            SpecArgs::from_historical(options),
        ))
    })();
    AsyncTask::new(TableTask {
        job: Some(job),
        run: |(events, labels, args)| run_historical(events, labels, args),
    })
}

/// The inputs of `historicalFeaturesAsync`.
type HistoricalJob = (RawEvents<'static>, RawLabels<'static>, SpecArgs);

/// A mergeable, serialisable feature state: feed it event chunks (`update`), combine states built
/// elsewhere (`merge`, `fromJson` of a state saved by Python, Node or Rust), and `finish` gives
/// exactly what `customerFeatures` gives on all the events at once.
///
/// Ids, channels and categories are numeric codes or strings (sessions are numeric). Strings are coded through
/// dictionaries the aggregator keeps (and saves, merges and loads, also from Python): results
/// give them back as strings, in the order `customerFeatures` gives on all the events at once.
/// The first chunk fixes the time unit, the optional columns and which columns are strings;
/// later chunks and merged states must match.
#[napi]
pub struct FeatureAggregator {
    inner: CoreAggregator,
}

impl FeatureAggregator {
    /// The class over a core aggregator (for `load`).
    pub(crate) fn from_core(inner: CoreAggregator) -> Self {
        FeatureAggregator { inner }
    }
}

impl Default for FeatureAggregator {
    fn default() -> Self {
        Self::new()
    }
}

#[napi]
impl FeatureAggregator {
    /// An empty aggregator.
    #[napi(constructor)]
    pub fn new() -> Self {
        FeatureAggregator {
            inner: CoreAggregator::new(),
        }
    }

    /// Adds a chunk of events (numbers, or strings for ids, channels and categories).
    /// A rejected chunk leaves the state, dictionaries included, unchanged.
    #[napi(ts_args_type = "events: EventColumns, options?: UpdateOptions | undefined | null")]
    pub fn update(&mut self, env: Env, events: Unknown, options: Unknown) -> Result<()> {
        let events: EventColumns = convert_arg(&env, events, "events")?;
        let options: Option<UpdateOptions> = convert_opt_arg(&env, options, "options")?;
        let unit = parse_unit(options.and_then(|o| o.time_unit).as_deref()).napi()?;
        let raw = RawEvents::borrow(&events);
        let ev = raw.prepare(unit).napi()?;
        self.inner.update_labeled(&ev.log(), &ev.names).napi()
    }

    /// Adds everything `other` has ingested (schemas must match unless one side is empty).
    #[napi]
    pub fn merge(&mut self, other: &FeatureAggregator) -> Result<()> {
        self.inner.merge(&other.inner).napi()
    }

    /// The features of every event ingested, as `customerFeatures` computes them.
    #[napi(
        ts_args_type = "options: FinishOptions",
        ts_return_type = "FeatureResult"
    )]
    pub fn finish(&self, env: Env, options: Unknown) -> Result<FeatureResult> {
        let options: FinishOptions = convert_arg(&env, options, "options")?;
        let args = SpecArgs::from_finish(&options)?;
        let table = finish(&self.inner, &args).napi()?;
        Ok(table_to_js(table, &Names::default()))
    }

    /// `finish` on the libuv thread pool, on a copy of the state: the aggregator can take more
    /// chunks while it runs.
    #[napi(
        ts_args_type = "options: FinishOptions",
        ts_return_type = "Promise<FeatureResult>"
    )]
    pub fn finish_async(&self, env: Env, options: Unknown) -> Result<Raw> {
        let job = (|| {
            let options: FinishOptions = convert_arg(&env, options, "options")?;
            Ok((self.inner.clone(), SpecArgs::from_finish(&options)?))
        })();
        spawn(
            &env,
            TableTask {
                job: Some(job),
                run: |(agg, args)| Ok((finish(agg, args)?, Names::default())),
            },
        )
    }

    /// The state as JSON (the same format in Python, Node and Rust).
    #[napi]
    pub fn to_json(&self) -> Result<String> {
        self.inner.to_json().napi()
    }

    /// Loads a state saved by `toJson` (here, in Python or in Rust). Corrupt input throws.
    #[napi(factory, ts_args_type = "json: string")]
    pub fn from_json(env: Env, json: Unknown) -> Result<Self> {
        let json = string_arg(&env, json, "json")?;
        let inner = CoreAggregator::from_json(&json).napi()?;
        Ok(FeatureAggregator { inner })
    }

    /// Number of events ingested.
    #[napi(getter)]
    pub fn n_events(&self) -> f64 {
        self.inner.n_events() as f64
    }

    /// The time unit fixed by the first chunk ("D", "s", "ms", "us", "ns"); null before any chunk.
    #[napi(getter)]
    pub fn time_unit(&self) -> Option<String> {
        self.inner.unit().map(|u| u.name().to_string())
    }
}

fn finish(agg: &CoreAggregator, args: &SpecArgs) -> CoreResult<FeatureTable> {
    let spec = args.spec(agg.log().unit)?;
    agg.finish(&spec)
}
