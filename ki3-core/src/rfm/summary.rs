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
/// Logs whose purchases already come grouped by customer and in time order (a transaction
/// table sorted by customer, like CDNOW's) are summarised in place, in parallel over row
/// ranges; other logs sort `(customer, period, row)` triples first. Both give the same rows,
/// bit for bit: a customer's purchases are always summed in (period, row) order.
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
    let scale = freq.unit_days() * f64::from(params.freq_multiplier);
    // Day lengths as constants, so that flooring a timestamp to its day is a multiplication.
    let rows = match unit.ticks_per_day() {
        1 => Periods::new(events, freq, end_period, Ticks::<1>).rows(scale),
        86_400 => Periods::new(events, freq, end_period, Ticks::<86_400>).rows(scale),
        86_400_000 => Periods::new(events, freq, end_period, Ticks::<86_400_000>).rows(scale),
        86_400_000_000 => {
            Periods::new(events, freq, end_period, Ticks::<86_400_000_000>).rows(scale)
        }
        86_400_000_000_000 => {
            Periods::new(events, freq, end_period, Ticks::<86_400_000_000_000>).rows(scale)
        }
        other => Periods::new(events, freq, end_period, AnyTicks(other)).rows(scale),
    }?;

    let m = rows.iter().map(Vec::len).sum();
    let mut out = RfmSummary {
        customer: Vec::with_capacity(m),
        frequency: Vec::with_capacity(m),
        recency: Vec::with_capacity(m),
        t: Vec::with_capacity(m),
        monetary_value: events.amount.map(|_| Vec::with_capacity(m)),
    };
    for row in rows.into_iter().flatten() {
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

/// Timestamp -> UTC day.
trait DayOf: Copy + Sync {
    fn day(self, ts: i64) -> i64;
}

/// A day of `TPD` ticks, known at compile time.
#[derive(Clone, Copy)]
struct Ticks<const TPD: i64>;

impl<const TPD: i64> DayOf for Ticks<TPD> {
    #[inline(always)]
    fn day(self, ts: i64) -> i64 {
        ts.div_euclid(TPD)
    }
}

/// A day of any (positive) number of ticks.
#[derive(Clone, Copy)]
struct AnyTicks(i64);

impl DayOf for AnyTicks {
    #[inline(always)]
    fn day(self, ts: i64) -> i64 {
        ts.div_euclid(self.0)
    }
}

/// What the first pass learns about one range of rows.
#[derive(Clone, Copy)]
struct RangeScan {
    /// The kept purchases of the range are in (customer, period) order.
    sorted: bool,
    /// (customer, period) of the range's first and last kept purchase.
    first: Option<(u64, i64)>,
    last: Option<(u64, i64)>,
}

/// The purchases of a log, floored to their periods.
struct Periods<'a, D> {
    events: &'a EventLog<'a>,
    freq: Freq,
    end_period: i64,
    day: D,
}

impl<'a, D: DayOf> Periods<'a, D> {
    fn new(events: &'a EventLog<'a>, freq: Freq, end_period: i64, day: D) -> Self {
        Periods {
            events,
            freq,
            end_period,
            day,
        }
    }

    /// The period start of row `i` when it is a purchase in or before the end period;
    /// an error when its period start is not representable.
    #[inline(always)]
    fn period(&self, i: usize, ts: i64) -> Result<Option<i64>> {
        if !self.events.is_purchase(i) {
            return Ok(None);
        }
        let period =
            self.freq
                .period_start(self.day.day(ts))
                .ok_or_else(|| Ki3Error::InvalidValue {
                    arg: "timestamp".into(),
                    index: i,
                    reason: "period start out of range".into(),
                })?;
        Ok((period <= self.end_period).then_some(period))
    }

    fn chunks(&self) -> usize {
        self.events.len().div_ceil(CHUNK)
    }

    fn range(&self, c: usize) -> std::ops::Range<usize> {
        let lo = c * CHUNK;
        lo..self.events.len().min(lo + CHUNK)
    }

    /// Checks every purchase's period (each range reports its first bad row) and whether the
    /// kept purchases are in (customer, period) order.
    fn scan(&self, c: usize) -> Result<RangeScan> {
        let range = self.range(c);
        let customers = &self.events.customer[range.clone()];
        let timestamps = &self.events.timestamp[range.clone()];
        let mut out = RangeScan {
            sorted: true,
            first: None,
            last: None,
        };
        for (k, (id, ts)) in customers.iter().zip(timestamps).enumerate() {
            if let Some(period) = self.period(range.start + k, *ts)? {
                let key = (*id, period);
                if out.last.is_some_and(|last| key < last) {
                    out.sorted = false;
                }
                out.first.get_or_insert(key);
                out.last = Some(key);
            }
        }
        Ok(out)
    }

    /// One row per customer, in ascending customer order (as a list of runs).
    fn rows(&self, scale: f64) -> Result<Vec<Vec<CustomerRow>>> {
        let scans: Vec<Result<RangeScan>> = (0..self.chunks())
            .into_par_iter()
            .map(|c| self.scan(c))
            .collect();
        let mut ranges = Vec::with_capacity(scans.len());
        // Ranges are in row order and each reports its first bad row: the first error is the
        // first bad row overall.
        for scan in scans {
            ranges.push(scan?);
        }
        let mut sorted = true;
        let mut last: Option<(u64, i64)> = None;
        // `before[c]`: the customer of the last kept purchase before range `c`.
        let mut before = Vec::with_capacity(ranges.len());
        for r in &ranges {
            before.push(last.map(|l| l.0));
            sorted &= r.sorted && last.zip(r.first).is_none_or(|(l, f)| f >= l);
            last = r.last.or(last);
        }
        if sorted {
            Ok((0..ranges.len())
                .into_par_iter()
                .map(|c| self.sorted_rows(c, before[c], scale))
                .collect())
        } else {
            Ok(vec![self.sorted_entries_rows(scale)])
        }
    }

    /// The rows of the customers whose first kept purchase lies in range `c`, when all kept
    /// purchases are in (customer, period) order; `before` is the customer of the last kept
    /// purchase before the range (whose row an earlier range writes).
    fn sorted_rows(&self, c: usize, before: Option<u64>, scale: f64) -> Vec<CustomerRow> {
        let range = self.range(c);
        let events = self.events;
        let amount = events.amount;
        let mut out = Vec::new();
        // The rows that continue the group of `before` belong to an earlier range.
        let mut skip = before;
        let mut current: Option<(u64, Group)> = None;
        let mut i = range.start;
        // A group starts inside the range and runs on until the next customer's purchase.
        while i < range.end || current.is_some() {
            let (Some(&id), Some(&ts)) = (events.customer.get(i), events.timestamp.get(i)) else {
                break;
            };
            i += 1;
            // Periods were checked by the first pass.
            let Ok(Some(period)) = self.period(i - 1, ts) else {
                continue;
            };
            if skip == Some(id) {
                continue;
            }
            skip = None;
            let value = amount.map_or(0.0, |a| a.get(i - 1).copied().unwrap_or(0.0));
            match current.as_mut() {
                Some((cust, group)) if *cust == id => group.push(period, value),
                _ => {
                    if let Some((cust, group)) = current.take() {
                        out.push(group.finish(cust, self.end_period, scale));
                    }
                    if i - 1 < range.end {
                        current = Some((id, Group::new(period, value)));
                    }
                }
            }
        }
        if let Some((cust, group)) = current {
            out.push(group.finish(cust, self.end_period, scale));
        }
        out
    }

    /// The general path: `(customer, period, row)` triples of the kept purchases, sorted.
    fn sorted_entries_rows(&self, scale: f64) -> Vec<CustomerRow> {
        let chunks: Vec<Vec<Entry>> = (0..self.chunks())
            .into_par_iter()
            .map(|c| {
                let range = self.range(c);
                let customers = &self.events.customer[range.clone()];
                let timestamps = &self.events.timestamp[range.clone()];
                customers
                    .iter()
                    .zip(timestamps)
                    .enumerate()
                    .filter_map(|(k, (id, ts))| {
                        let i = range.start + k;
                        // Periods were checked by the first pass.
                        self.period(i, *ts).ok().flatten().map(|p| (*id, p, i))
                    })
                    .collect()
            })
            .collect();
        let mut entries: Vec<Entry> = Vec::with_capacity(chunks.iter().map(Vec::len).sum());
        for chunk in chunks {
            entries.extend(chunk);
        }
        entries.par_sort_unstable();
        let amount = self.events.amount;
        entries
            .par_chunk_by(|a, b| a.0 == b.0)
            .map(|group| summarize(group, amount, self.end_period, scale))
            .collect()
    }
}

/// Summarises one customer's entries (non-empty, sorted by period then row).
fn summarize(group: &[Entry], amount: Option<&[f64]>, end_period: i64, scale: f64) -> CustomerRow {
    let customer = group.first().map_or(0, |e| e.0);
    let value = |row: usize| amount.map_or(0.0, |a| a.get(row).copied().unwrap_or(0.0));
    let mut entries = group.iter();
    let Some(&(_, period, row)) = entries.next() else {
        return Group::new(0, 0.0).finish(customer, end_period, scale);
    };
    let mut g = Group::new(period, value(row));
    for &(_, period, row) in entries {
        g.push(period, value(row));
    }
    g.finish(customer, end_period, scale)
}

/// One customer's purchases, fed in (period, row) order.
struct Group {
    first: i64,
    current: i64,
    periods: usize,
    period_sum: f64,
    repeat_total: Neumaier,
}

impl Group {
    fn new(period: i64, amount: f64) -> Self {
        Group {
            first: period,
            current: period,
            periods: 1,
            period_sum: 0.0 + amount,
            repeat_total: Neumaier::default(),
        }
    }

    #[inline]
    fn push(&mut self, period: i64, amount: f64) {
        if period != self.current {
            if self.periods >= 2 {
                self.repeat_total.add(self.period_sum);
            }
            self.current = period;
            self.periods += 1;
            self.period_sum = 0.0;
        }
        self.period_sum += amount;
    }

    fn finish(mut self, customer: u64, end_period: i64, scale: f64) -> CustomerRow {
        if self.periods >= 2 {
            self.repeat_total.add(self.period_sum);
        }
        let repeats = self.periods.saturating_sub(1);
        let monetary = if repeats == 0 {
            0.0
        } else {
            self.repeat_total.sum() / repeats as f64
        };
        CustomerRow {
            customer,
            frequency: repeats as f64,
            recency: span_days(self.first, self.current) / scale,
            t: span_days(self.first, end_period) / scale,
            monetary,
        }
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
