//! The event log: columnar, borrowed, validated once.
//!
//! Columns: `customer` (u64 ids), `timestamp` (i64 in a declared [`TimeUnit`]), and optional
//! `amount` (finite, >= 0), `purchase` (which events are purchases; without it every event is one),
//! `channel` and `category` (u32 codes) and `session` (u64 ids). Rows need not be sorted.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Ki3Error, Result};

/// The unit of integer timestamps. Day boundaries are UTC: day = floor(timestamp / ticks_per_day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum TimeUnit {
    /// Whole days since the epoch.
    Days,
    /// Seconds since the epoch (the default).
    #[default]
    Seconds,
    /// Milliseconds since the epoch (JavaScript `Date`).
    Milliseconds,
    /// Microseconds since the epoch.
    Microseconds,
    /// Nanoseconds since the epoch (numpy `datetime64[ns]`).
    Nanoseconds,
}

impl TimeUnit {
    /// Ticks of this unit in one day.
    pub fn ticks_per_day(self) -> i64 {
        match self {
            TimeUnit::Days => 1,
            TimeUnit::Seconds => 86_400,
            TimeUnit::Milliseconds => 86_400_000,
            TimeUnit::Microseconds => 86_400_000_000,
            TimeUnit::Nanoseconds => 86_400_000_000_000,
        }
    }

    /// Parses `"D"`/`"days"`, `"s"`, `"ms"`, `"us"`, `"ns"` (numpy's spellings and long names).
    pub fn parse(name: &str) -> Result<Self> {
        Ok(match name {
            "D" | "d" | "day" | "days" => TimeUnit::Days,
            "s" | "sec" | "second" | "seconds" => TimeUnit::Seconds,
            "ms" | "millisecond" | "milliseconds" => TimeUnit::Milliseconds,
            "us" | "μs" | "microsecond" | "microseconds" => TimeUnit::Microseconds,
            "ns" | "nanosecond" | "nanoseconds" => TimeUnit::Nanoseconds,
            other => {
                return Err(Ki3Error::param(
                    "time_unit",
                    format!("unknown unit {other:?}; use one of D, s, ms, us, ns"),
                ));
            }
        })
    }

    /// The short name: `"D"`, `"s"`, `"ms"`, `"us"` or `"ns"` (numpy's spelling).
    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::Days => "D",
            TimeUnit::Seconds => "s",
            TimeUnit::Milliseconds => "ms",
            TimeUnit::Microseconds => "us",
            TimeUnit::Nanoseconds => "ns",
        }
    }

    /// The day (UTC) a timestamp falls on.
    #[inline]
    pub fn day_of(self, timestamp: i64) -> i64 {
        timestamp.div_euclid(self.ticks_per_day())
    }

    /// A tick difference expressed in (fractional) days.
    #[inline]
    pub fn to_days(self, ticks: i64) -> f64 {
        ticks as f64 / self.ticks_per_day() as f64
    }
}

/// A borrowed, columnar event log. Build it with [`EventLog::new`] and the `with_*` setters,
/// then call [`EventLog::validate`] (every consumer in ki3 does so before computing).
#[derive(Debug, Clone, Copy)]
pub struct EventLog<'a> {
    pub customer: &'a [u64],
    pub timestamp: &'a [i64],
    pub unit: TimeUnit,
    pub amount: Option<&'a [f64]>,
    pub purchase: Option<&'a [bool]>,
    pub channel: Option<&'a [u32]>,
    pub category: Option<&'a [u32]>,
    pub session: Option<&'a [u64]>,
}

impl<'a> EventLog<'a> {
    /// An event log with the two required columns.
    pub fn new(customer: &'a [u64], timestamp: &'a [i64], unit: TimeUnit) -> Self {
        EventLog {
            customer,
            timestamp,
            unit,
            amount: None,
            purchase: None,
            channel: None,
            category: None,
            session: None,
        }
    }

    pub fn with_amount(mut self, amount: &'a [f64]) -> Self {
        self.amount = Some(amount);
        self
    }
    pub fn with_purchase(mut self, purchase: &'a [bool]) -> Self {
        self.purchase = Some(purchase);
        self
    }
    pub fn with_channel(mut self, channel: &'a [u32]) -> Self {
        self.channel = Some(channel);
        self
    }
    pub fn with_category(mut self, category: &'a [u32]) -> Self {
        self.category = Some(category);
        self
    }
    pub fn with_session(mut self, session: &'a [u64]) -> Self {
        self.session = Some(session);
        self
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.customer.len()
    }

    pub fn is_empty(&self) -> bool {
        self.customer.is_empty()
    }

    /// Is row `i` a purchase?
    #[inline]
    pub fn is_purchase(&self, i: usize) -> bool {
        self.purchase.is_none_or(|p| p[i])
    }

    /// Checks lengths and amounts. Amounts must be finite and non-negative; the error names the
    /// column and the first bad row. An empty log is valid (it yields empty results).
    pub fn validate(&self) -> Result<()> {
        let n = self.customer.len();
        check_len("timestamp", self.timestamp.len(), n)?;
        if let Some(a) = self.amount {
            check_len("amount", a.len(), n)?;
            if let Some(index) = first_bad_amount(a) {
                let v = a[index];
                return Err(if v.is_finite() {
                    Ki3Error::InvalidValue {
                        arg: "amount".into(),
                        index,
                        reason: format!("negative amount {v}"),
                    }
                } else {
                    Ki3Error::NonFinite {
                        arg: "amount".into(),
                        index,
                    }
                });
            }
        }
        self.check_lengths()
    }

    /// The length checks of [`EventLog::validate`] (every column as long as `customer`), without
    /// the amount check. When this fails, `validate` fails too (maybe with an earlier error).
    pub(crate) fn check_lengths(&self) -> Result<()> {
        let n = self.customer.len();
        check_len("timestamp", self.timestamp.len(), n)?;
        if let Some(a) = self.amount {
            check_len("amount", a.len(), n)?;
        }
        if let Some(p) = self.purchase {
            check_len("purchase", p.len(), n)?;
        }
        if let Some(c) = self.channel {
            check_len("channel", c.len(), n)?;
        }
        if let Some(c) = self.category {
            check_len("category", c.len(), n)?;
        }
        if let Some(s) = self.session {
            check_len("session", s.len(), n)?;
        }
        Ok(())
    }
}

/// Is this amount invalid (NaN, infinite or negative)? On the bits, so the test vectorises:
/// exactly the values below +infinity's bits, and -0.0, are finite and `>= 0`.
#[inline(always)]
pub(crate) fn bad_amount_bits(bits: u64) -> bool {
    bits >= 0x7FF0_0000_0000_0000 && bits != 1 << 63
}

/// Index of the first amount that is not finite and non-negative. Checks blocks (in parallel)
/// with a branch-free test first and only searches inside a block that fails.
fn first_bad_amount(amount: &[f64]) -> Option<usize> {
    const BLOCK: usize = 1 << 14;
    let bad = |v: &f64| bad_amount_bits(v.to_bits());
    amount
        .par_chunks(BLOCK)
        .enumerate()
        .find_map_first(|(k, block)| {
            let any = block.iter().fold(0u64, |acc, v| acc | u64::from(bad(v)));
            (any != 0)
                .then(|| block.iter().position(bad).map(|i| k * BLOCK + i))
                .flatten()
        })
}

fn check_len(arg: &str, got: usize, expected: usize) -> Result<()> {
    if got != expected {
        return Err(Ki3Error::LengthMismatch {
            arg: arg.into(),
            got,
            expected_arg: "customer".into(),
            expected,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_column_and_row() {
        let c = [1u64, 2, 3];
        let t = [0i64, 1, 2];
        let a = [1.0, f64::NAN, 2.0];
        let err = EventLog::new(&c, &t, TimeUnit::Seconds)
            .with_amount(&a)
            .validate()
            .unwrap_err();
        assert_eq!(
            err,
            Ki3Error::NonFinite {
                arg: "amount".into(),
                index: 1
            }
        );
        let neg = [1.0, 2.0, -0.5];
        let err = EventLog::new(&c, &t, TimeUnit::Seconds)
            .with_amount(&neg)
            .validate()
            .unwrap_err();
        assert!(err.to_string().contains("amount") && err.to_string().contains("row 2"));
        let short = [1u32];
        let err = EventLog::new(&c, &t, TimeUnit::Seconds)
            .with_channel(&short)
            .validate()
            .unwrap_err();
        assert!(
            matches!(err, Ki3Error::LengthMismatch { ref arg, got: 1, expected: 3, .. } if arg == "channel")
        );
    }

    #[test]
    fn days_floor_for_negative_timestamps() {
        assert_eq!(TimeUnit::Seconds.day_of(-1), -1);
        assert_eq!(TimeUnit::Seconds.day_of(86_399), 0);
        assert_eq!(TimeUnit::Milliseconds.to_days(43_200_000), 0.5);
        assert!(TimeUnit::parse("fortnights").is_err());
    }
}
