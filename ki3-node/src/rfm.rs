//! `rfmSummary` and `rfmScores` (and their `...Async` twins).

use ki3_core::rfm::{self as core_rfm, Freq, RfmParams, RfmScores, RfmSummary};
use ki3_core::{Ki3Error, TimeUnit};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::columns::{EventColumns, Float64Column, Names, RawEvents, customers_to_js};
use crate::error::{IntoNapi, to_napi};
use crate::time::{JsTime, TimeArg, parse_unit};
use crate::{convert_arg, opt_number, take_job};

type CoreResult<T> = std::result::Result<T, Ki3Error>;

/// Options of `rfmSummary`.
#[napi(object, object_to_js = false)]
pub struct RfmOptions<'a> {
    /// End of the observation period (inclusive): a number or bigint in `timeUnit`, or a `Date`.
    #[napi(ts_type = "number | bigint | Date")]
    pub observation_end: JsTime<'a>,
    /// Period length: "D" (default), "W" (weeks starting Monday), "M" (calendar months).
    pub freq: Option<String>,
    /// Periods per time unit of the output (e.g. freq "D" with 7 gives weeks); default 1.
    pub freq_multiplier: Option<f64>,
    /// Unit of `timestamp` (and of a numeric `observationEnd`): "D", "s", "ms" (default), "us",
    /// "ns".
    pub time_unit: Option<String>,
}

/// Per-customer RFM summary, lifetimes' `summary_data_from_transaction_data` semantics.
#[napi(object, object_from_js = false)]
pub struct RfmSummaryResult {
    /// Customers with at least one purchase up to `observationEnd`, ascending.
    #[napi(ts_type = "BigUint64Array | string[]")]
    pub customer: Either<BigUint64Array, Vec<String>>,
    /// Number of repeat purchase periods.
    pub frequency: Float64Array,
    /// Time from the first to the last purchase period (in freq units / freqMultiplier).
    pub recency: Float64Array,
    /// Time from the first purchase period to the end of observation.
    #[napi(js_name = "T")]
    pub t: Float64Array,
    /// Mean spend of the repeat periods (0 without repeats); present when events have `amount`.
    pub monetary_value: Option<Float64Array>,
}

/// RFM summary columns for `rfmScores` (e.g. the result of `rfmSummary` with amounts).
#[napi(object, object_to_js = false)]
pub struct RfmScoresInput<'a> {
    #[napi(ts_type = "Float64Array")]
    pub frequency: Float64Column<'a>,
    #[napi(ts_type = "Float64Array")]
    pub recency: Float64Column<'a>,
    #[napi(js_name = "T", ts_type = "Float64Array")]
    pub t: Float64Column<'a>,
    #[napi(ts_type = "Float64Array | undefined")]
    pub monetary_value: Option<Float64Column<'a>>,
}

/// RFM scores in `1..=bins` and segment names.
#[napi(object, object_from_js = false)]
pub struct RfmScoresResult {
    /// Recency score (more recent = higher).
    #[napi(js_name = "R")]
    pub r: Uint8Array,
    /// Frequency score.
    #[napi(js_name = "F")]
    pub f: Uint8Array,
    /// Monetary score.
    #[napi(js_name = "M")]
    pub m: Uint8Array,
    /// R + F + M.
    pub rfm_score: Uint16Array,
    /// Segment name ("Champions", "Loyal", ..., "Lost").
    pub segment: Vec<String>,
}

/// RFM options read from JS, checked later.
struct RfmArgs {
    observation_end: TimeArg,
    freq: Option<String>,
    freq_multiplier: Option<f64>,
    time_unit: Option<String>,
}

impl RfmArgs {
    fn read(o: &RfmOptions<'_>) -> Result<Self> {
        Ok(RfmArgs {
            observation_end: TimeArg::read(&o.observation_end)?,
            freq: o.freq.clone(),
            freq_multiplier: o.freq_multiplier,
            time_unit: o.time_unit.clone(),
        })
    }

    fn params(&self, unit: TimeUnit) -> CoreResult<RfmParams> {
        let end = self.observation_end.resolve("observationEnd", unit)?;
        let mut params = RfmParams::new(end);
        if let Some(f) = &self.freq {
            params = params.freq(Freq::parse(f)?);
        }
        if let Some(m) = self.freq_multiplier {
            if m.fract() != 0.0 || !(1.0..=f64::from(u32::MAX)).contains(&m) {
                return Err(Ki3Error::param(
                    "freqMultiplier",
                    format!("must be a positive integer, got {m}"),
                ));
            }
            params = params.freq_multiplier(m as u32);
        }
        Ok(params)
    }
}

fn run_summary(events: &RawEvents<'_>, args: &RfmArgs) -> CoreResult<(RfmSummary, Names)> {
    let unit = parse_unit(args.time_unit.as_deref())?;
    let params = args.params(unit)?;
    let ev = events.prepare(unit)?;
    let summary = core_rfm::rfm_summary(&ev.log(), &params)?;
    Ok((summary, ev.names))
}

fn summary_to_js(s: RfmSummary, names: &Names) -> RfmSummaryResult {
    RfmSummaryResult {
        customer: customers_to_js(s.customer, &names.customer),
        frequency: Float64Array::new(s.frequency),
        recency: Float64Array::new(s.recency),
        t: Float64Array::new(s.t),
        monetary_value: s.monetary_value.map(Float64Array::new),
    }
}

/// RFM summary per customer: frequency (repeat purchase periods), recency, T and (with amounts)
/// monetaryValue, as lifetimes' `summary_data_from_transaction_data`. Only purchases count.
#[napi(
    ts_args_type = "events: EventColumns, options: RfmOptions",
    ts_return_type = "RfmSummaryResult"
)]
pub fn rfm_summary(env: Env, events: Unknown, options: Unknown) -> Result<RfmSummaryResult> {
    let events: EventColumns = convert_arg(&env, events, "events")?;
    let options: RfmOptions = convert_arg(&env, options, "options")?;
    let args = RfmArgs::read(&options)?;
    let (summary, names) = run_summary(&RawEvents::borrow(&events), &args).napi()?;
    Ok(summary_to_js(summary, &names))
}

/// Computes `rfmSummary` on the libuv thread pool.
pub struct RfmSummaryTask {
    job: Option<Result<(RawEvents<'static>, RfmArgs)>>,
}

#[napi]
impl Task for RfmSummaryTask {
    type Output = (RfmSummary, Names);
    type JsValue = RfmSummaryResult;

    fn compute(&mut self) -> Result<Self::Output> {
        let (events, args) = take_job(&mut self.job)?;
        run_summary(&events, &args).map_err(to_napi)
    }

    fn resolve(&mut self, _env: Env, (s, names): Self::Output) -> Result<RfmSummaryResult> {
        Ok(summary_to_js(s, &names))
    }
}

/// `rfmSummary` off the event loop (inputs are copied; every error rejects).
#[napi(
    ts_args_type = "events: EventColumns, options: RfmOptions",
    ts_return_type = "Promise<RfmSummaryResult>"
)]
pub fn rfm_summary_async(env: Env, events: Unknown, options: Unknown) -> AsyncTask<RfmSummaryTask> {
    let job = (|| {
        let events: EventColumns = convert_arg(&env, events, "events")?;
        let options: RfmOptions = convert_arg(&env, options, "options")?;
        Ok((RawEvents::owned(events), RfmArgs::read(&options)?))
    })();
    AsyncTask::new(RfmSummaryTask { job: Some(job) })
}

fn bins_of(bins: Option<f64>) -> CoreResult<u32> {
    match bins {
        None => Ok(ki3_core::rfm::DEFAULT_BINS),
        Some(b) if b.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&b) => Ok(b as u32),
        Some(b) => Err(Ki3Error::param(
            "bins",
            format!("must be an integer in 2..=100, got {b}"),
        )),
    }
}

fn scores_to_js(s: RfmScores) -> RfmScoresResult {
    RfmScoresResult {
        r: Uint8Array::new(s.r),
        f: Uint8Array::new(s.f),
        m: Uint8Array::new(s.m),
        rfm_score: Uint16Array::new(s.score),
        segment: s.segment.iter().map(|g| g.name().to_string()).collect(),
    }
}

/// RFM quantile scores (1..=bins, default 5; ties share a score) and named segments from R and F.
#[napi(
    ts_args_type = "summary: RfmScoresInput, bins?: number | undefined | null",
    ts_return_type = "RfmScoresResult"
)]
pub fn rfm_scores(env: Env, summary: Unknown, bins: Unknown) -> Result<RfmScoresResult> {
    let summary: RfmScoresInput = convert_arg(&env, summary, "summary")?;
    let bins = bins_of(opt_number(&env, bins, "bins")?).napi()?;
    let scores = core_rfm::rfm_scores(
        summary.frequency.as_slice(),
        summary.recency.as_slice(),
        summary.t.as_slice(),
        summary.monetary_value.as_ref().map(|m| m.as_slice()),
        bins,
    )
    .napi()?;
    Ok(scores_to_js(scores))
}

/// Owned copies of the `rfmScores` inputs.
struct ScoresJob {
    frequency: Vec<f64>,
    recency: Vec<f64>,
    t: Vec<f64>,
    monetary_value: Option<Vec<f64>>,
    bins: Option<f64>,
}

/// Computes `rfmScores` on the libuv thread pool.
pub struct RfmScoresTask {
    job: Option<Result<ScoresJob>>,
}

#[napi]
impl Task for RfmScoresTask {
    type Output = RfmScores;
    type JsValue = RfmScoresResult;

    fn compute(&mut self) -> Result<Self::Output> {
        let j = take_job(&mut self.job)?;
        let bins = bins_of(j.bins).napi()?;
        core_rfm::rfm_scores(
            &j.frequency,
            &j.recency,
            &j.t,
            j.monetary_value.as_deref(),
            bins,
        )
        .napi()
    }

    fn resolve(&mut self, _env: Env, s: Self::Output) -> Result<RfmScoresResult> {
        Ok(scores_to_js(s))
    }
}

/// `rfmScores` off the event loop (inputs are copied; every error rejects).
#[napi(
    ts_args_type = "summary: RfmScoresInput, bins?: number | undefined | null",
    ts_return_type = "Promise<RfmScoresResult>"
)]
pub fn rfm_scores_async(env: Env, summary: Unknown, bins: Unknown) -> AsyncTask<RfmScoresTask> {
    let job = (|| {
        let s: RfmScoresInput = convert_arg(&env, summary, "summary")?;
        let bins = opt_number(&env, bins, "bins")?;
        Ok(ScoresJob {
            frequency: s.frequency.as_slice().to_vec(),
            recency: s.recency.as_slice().to_vec(),
            t: s.t.as_slice().to_vec(),
            monetary_value: s.monetary_value.as_ref().map(|m| m.as_slice().to_vec()),
            bins,
        })
    })();
    AsyncTask::new(RfmScoresTask { job: Some(job) })
}
