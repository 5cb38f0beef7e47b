//! `rfm_summary`: lifetimes' `summary_data_from_transaction_data`.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Ki3Error, Result};
use crate::events::EventLog;
use crate::numerics::calendar::{month_start, week_start};

/// The period length of an RFM summary (pandas/lifetimes `freq`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Freq {
    /// UTC calendar days (`"D"`).
    #[default]
    Day,
    /// Weeks Monday..Sunday (`"W"`, pandas `W-SUN` periods); a period starts Monday 00:00 UTC.
    Week,
    /// Calendar months (`"M"`); a period starts on day 1, 00:00 UTC.
    Month,
}

impl Freq {
    /// Parses `"D"` / `"W"` / `"M"` (also `"day"`, `"week"`, `"W-SUN"`, `"month"`).
    /// Anything else is [`Ki3Error::InvalidParameter`] naming `freq`.
    pub fn parse(name: &str) -> Result<Freq> {
        Ok(match name {
            "D" | "d" | "day" | "days" => Freq::Day,
            "W" | "w" | "W-SUN" | "week" | "weeks" => Freq::Week,
            "M" | "month" | "months" => Freq::Month,
            other => {
                return Err(Ki3Error::param(
                    "freq",
                    format!("unknown frequency {other:?}; use one of D, W, M"),
                ));
            }
        })
    }

    /// The pandas spelling: `"D"`, `"W"` or `"M"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Freq::Day => "D",
            Freq::Week => "W",
            Freq::Month => "M",
        }
    }

    /// Length of `np.timedelta64(1, freq)` in days: 1, 7, or 30.436875 (the mean Gregorian
    /// month, 365.2425 / 12) for `Month`.
    pub fn unit_days(self) -> f64 {
        match self {
            Freq::Day => 1.0,
            Freq::Week => 7.0,
            Freq::Month => 30.436_875,
        }
    }

    /// First day (days since 1970-01-01) of the period containing `day`: the day itself, the
    /// Monday on or before it, or the first of its month. `None` when that day is not
    /// representable as an `i64` (only for day numbers within a week / month of `i64::MIN`).
    pub fn period_start(self, day: i64) -> Option<i64> {
        match self {
            Freq::Day => Some(day),
            Freq::Week => week_start(day),
            Freq::Month => month_start(day),
        }
    }
}

/// Parameters of [`rfm_summary`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RfmParams {
    /// End of the observation (calibration) period, in the event log's time unit. It is floored
    /// to its period like every timestamp; purchases in later periods are ignored.
    pub observation_end: i64,
    /// Period length; default [`Freq::Day`].
    #[serde(default)]
    pub freq: Freq,
    /// Recency and T are divided by this (lifetimes' `freq_multiplier`); default 1, must be
    /// >= 1. `Freq::Day` with 7 gives weeks counted from days, as in the CDNOW papers.
    #[serde(default = "one")]
    pub freq_multiplier: u32,
}

fn one() -> u32 {
    1
}

impl RfmParams {
    /// Daily periods, multiplier 1.
    pub fn new(observation_end: i64) -> Self {
        RfmParams {
            observation_end,
            freq: Freq::Day,
            freq_multiplier: 1,
        }
    }

    /// Sets the period length.
    pub fn freq(mut self, freq: Freq) -> Self {
        self.freq = freq;
        self
    }

    /// Sets the divisor of recency and T.
    pub fn freq_multiplier(mut self, freq_multiplier: u32) -> Self {
        self.freq_multiplier = freq_multiplier;
        self
    }

    /// `freq_multiplier >= 1`.
    pub fn check(&self) -> Result<()> {
        if self.freq_multiplier == 0 {
            return Err(Ki3Error::param("freq_multiplier", "must be >= 1, got 0"));
        }
        Ok(())
    }
}

/// One row per customer with a purchase at or before the observation end, customers ascending.
/// Frequency, recency and T are as in lifetimes (see the [module docs](super)).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RfmSummary {
    /// Customer ids, strictly ascending.
    pub customer: Vec<u64>,
    /// Number of repeat purchase periods (distinct purchase periods − 1).
    pub frequency: Vec<f64>,
    /// (last purchase period start − first purchase period start) / unit / freq_multiplier.
    pub recency: Vec<f64>,
    /// (observation end period start − first purchase period start) / unit / freq_multiplier.
    pub t: Vec<f64>,
    /// Mean of the per-period purchase sums over the repeat periods (0 when frequency = 0);
    /// `Some` exactly when the event log has an `amount` column.
    pub monetary_value: Option<Vec<f64>>,
}

impl RfmSummary {
    /// Number of customers.
    pub fn len(&self) -> usize {
        self.customer.len()
    }

    /// True when no customer purchased at or before the observation end.
    pub fn is_empty(&self) -> bool {
        self.customer.is_empty()
    }
}

/// One purchase row that survives the observation-end filter: (customer, period start day,
/// row). Sorting these tuples groups by customer, then period, then input order.
type Entry = (u64, i64, usize);

/// Rows per parallel work unit when flooring timestamps (fixed, so errors are deterministic).
const CHUNK: usize = 1 << 16;

struct CustomerRow {
    customer: u64,
    frequency: f64,
    recency: f64,
    t: f64,
    monetary: f64,
}

/// Frequency / recency / T (/ monetary value) per customer, exactly as lifetimes'
/// `summary_data_from_transaction_data(..., observation_period_end, freq, freq_multiplier)`
/// (semantics in the [module docs](super)).
///
/// Errors: the event log's own validation ([`EventLog::validate`]), [`RfmParams::check`],
/// and [`Ki3Error::InvalidValue`] for a purchase timestamp (or `observation_end`, as
/// `InvalidParameter`) whose period start is not representable (within a month of `i64::MIN`
/// days, only possible with [`TimeUnit::Days`](crate::TimeUnit::Days)).
pub fn rfm_summary(events: &EventLog, params: &RfmParams) -> Result<RfmSummary> {
    events.validate()?;
    params.check()?;
    let unit = events.unit;
    let freq = params.freq;
    let end_period = freq
        .period_start(unit.day_of(params.observation_end))
        .ok_or_else(|| Ki3Error::param("observation_end", "period start out of range"))?;

    let n = events.len();
    let customers = events.customer;
    let timestamps = events.timestamp;
    let chunks: Vec<Result<Vec<Entry>>> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let lo = c * CHUNK;
            let hi = n.min(lo + CHUNK);
            let mut out = Vec::with_capacity(hi - lo);
            for i in lo..hi {
                if !events.is_purchase(i) {
                    continue;
                }
                let day = unit.day_of(timestamps[i]);
                let period = freq
                    .period_start(day)
                    .ok_or_else(|| Ki3Error::InvalidValue {
                        arg: "timestamp".into(),
                        index: i,
                        reason: "period start out of range".into(),
                    })?;
                if period <= end_period {
                    out.push((customers[i], period, i));
                }
            }
            Ok(out)
        })
        .collect();
    let mut entries: Vec<Entry> = Vec::new();
    for chunk in chunks {
        // Chunks are in row order and each reports its first bad row: the first error is the
        // first bad row overall.
        entries.extend(chunk?);
    }
    entries.par_sort_unstable();

    let scale = freq.unit_days() * f64::from(params.freq_multiplier);
    let amount = events.amount;
    let rows: Vec<CustomerRow> = entries
        .par_chunk_by(|a, b| a.0 == b.0)
        .map(|group| summarize(group, amount, end_period, scale))
        .collect();

    let m = rows.len();
    let mut out = RfmSummary {
        customer: Vec::with_capacity(m),
        frequency: Vec::with_capacity(m),
        recency: Vec::with_capacity(m),
        t: Vec::with_capacity(m),
        monetary_value: amount.map(|_| Vec::with_capacity(m)),
    };
    for row in rows {
        out.customer.push(row.customer);
        out.frequency.push(row.frequency);
        out.recency.push(row.recency);
        out.t.push(row.t);
        if let Some(mv) = out.monetary_value.as_mut() {
            mv.push(row.monetary);
        }
    }
    Ok(out)
}

/// Summarises one customer's entries (non-empty, sorted by period then row).
fn summarize(group: &[Entry], amount: Option<&[f64]>, end_period: i64, scale: f64) -> CustomerRow {
    let customer = group.first().map_or(0, |e| e.0);
    let first = group.first().map_or(0, |e| e.1);
    let last = group.last().map_or(0, |e| e.1);
    let mut periods = 0usize;
    let mut current: Option<i64> = None;
    let mut period_sum = 0.0;
    let mut repeat_total = Neumaier::default();
    for &(_, period, row) in group {
        if current != Some(period) {
            if periods >= 2 {
                repeat_total.add(period_sum);
            }
            current = Some(period);
            periods += 1;
            period_sum = 0.0;
        }
        if let Some(a) = amount {
            period_sum += a.get(row).copied().unwrap_or(0.0);
        }
    }
    if periods >= 2 {
        repeat_total.add(period_sum);
    }
    let repeats = periods.saturating_sub(1);
    let monetary = if repeats == 0 {
        0.0
    } else {
        repeat_total.sum() / repeats as f64
    };
    CustomerRow {
        customer,
        frequency: repeats as f64,
        recency: span_days(first, last) / scale,
        t: span_days(first, end_period) / scale,
        monetary,
    }
}

/// `to − from` in days, without overflow.
fn span_days(from: i64, to: i64) -> f64 {
    (i128::from(to) - i128::from(from)) as f64
}

/// Neumaier (improved Kahan) compensated sum.
#[derive(Default)]
struct Neumaier {
    sum: f64,
    comp: f64,
}

impl Neumaier {
    fn add(&mut self, x: f64) {
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.comp += (self.sum - t) + x;
        } else {
            self.comp += (x - t) + self.sum;
        }
        self.sum = t;
    }

    fn sum(&self) -> f64 {
        self.sum + self.comp
    }
}
