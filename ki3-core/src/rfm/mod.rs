//! RFM: recency / frequency / monetary summaries of an event log, and RFM scores with named
//! segments.
//!
//! # [`rfm_summary`]: lifetimes' `summary_data_from_transaction_data`
//!
//! The result equals lifetimes' `summary_data_from_transaction_data(transactions, customer,
//! datetime, monetary_value_col, observation_period_end=..., freq=..., freq_multiplier=...)`
//! (with `include_first_transaction=False`), row for row:
//!
//! 1. Only purchase rows count ([`EventLog::is_purchase`](crate::EventLog::is_purchase): the
//!    `purchase` column, or every row without one). Other rows are ignored entirely.
//! 2. Every timestamp is floored to the start of its period ([`Freq::period_start`]) after
//!    conversion to a UTC day via the log's [`TimeUnit`](crate::TimeUnit):
//!    * [`Freq::Day`] (`"D"`): the UTC calendar day;
//!    * [`Freq::Week`] (`"W"`, pandas `W-SUN`): weeks Monday..Sunday, period start Monday;
//!    * [`Freq::Month`] (`"M"`): the calendar month, period start on day 1.
//!
//!    `observation_end` (same time unit as the timestamps) is floored the same way.
//! 3. Rows whose period starts after the observation end's period are dropped. A customer
//!    with no purchase left does not appear in the result.
//! 4. The purchases of one customer within one period merge into one (amounts summed).
//! 5. With `unit` = `np.timedelta64(1, freq)` in days ([`Freq::unit_days`]: 1, 7, or the mean
//!    Gregorian month 30.436875) and `m` = `freq_multiplier`:
//!    * `frequency` = number of distinct purchase periods − 1;
//!    * `recency` = (last period start − first period start) / unit / m;
//!    * `T` = (observation-end period start − first period start) / unit / m;
//!    * `monetary_value` = mean of the per-period amount sums over the repeat periods (the
//!      first period excluded); 0 when `frequency` = 0. Present exactly when the log has an
//!      `amount` column.
//!
//! Rows come out sorted by customer id. The computation sorts `(customer, period, row)`
//! triples (in parallel) and is deterministic: the result does not depend on row order
//! (up to the order of summing amounts within one period, which follows the input order) or
//! thread count.
//!
//! # [`rfm_scores`]: quantile scores and segments
//!
//! Each customer gets R, F and M scores in `1..=bins`:
//! * R ranks the time since the last purchase, `T − recency` (smaller = more recent = better;
//!   compared after rounding to 9 decimals so that equal gaps computed from different `T` and
//!   `recency` tie exactly), F ranks `frequency`, M ranks `monetary_value` (larger = better).
//! * Tie rule: customers are scored from the worst value up. With `k` scores left (at first
//!   `bins`, starting at score `s = 1`) and `m` customers not scored yet (at first all `n`):
//!   1. while `k > 1` and the worst value left is shared by `c` customers with `c × k > m`
//!      (a *heavy group*, more than one bin of the customers left), that group alone gets
//!      score `s`; then `s += 1`, `k −= 1`, `m −= c`;
//!   2. every customer left gets `score = s + floor(k × w / m)`, where `w` is the number of
//!      customers left with a strictly worse value.
//!
//!   Without a heavy group at the bottom this is the plain quantile rule
//!   `1 + floor(bins × w / n)`, and the two agree when a group is exactly one bin
//!   (`c × k = m`). Tied values share a score and the result does not depend on row order.
//!   The best value gets `bins` only when enough customers are worse, so with few distinct
//!   values (or heavy ties above the bottom) the top scores can be empty.
//! * `score = R + F + M`.
//!
//! Heavy groups at the bottom are what a shop's frequencies look like: `frequency = 0` (and
//! `monetary_value = 0`, see above) for the one-time buyers, often more than half of the
//! customers, then a large share of repeat buyers with 1 repeat purchase, and a long tail.
//! With the plain rule alone, 60% one-time buyers put the least frequent repeat buyers at
//! F = 1 + floor(5 × 0.6) = 4, leaving F = 2 and 3 empty and with them the Potential
//! Loyalist and Need Attention segments. Here the one-time buyers get F = 1 and the repeat
//! buyers are scored among themselves (the convention of scoring frequency among repeat
//! buyers), again taking the 1-repeat buyers apart when they are more than a bin of them,
//! and so on, so every F score and every segment is reached on a typical shop.
//! A segment can still be empty for a real reason: CDNOW's customers all made their first
//! purchase in the first quarter of 1997, so after that quarter none of them is New (R = 5
//! with no repeat purchase).
//!
//! The segment comes from the R and F scores on the 1..=5 scale (the rule above with
//! `bins = 5`, whatever `bins` is, so a customer's segment does not depend on `bins`):
//!
//! | R \ F | 1 | 2 | 3 | 4 | 5 |
//! |---|---|---|---|---|---|
//! | **5** | New | Potential Loyalist | Potential Loyalist | Champions | Champions |
//! | **4** | Promising | Potential Loyalist | Potential Loyalist | Loyal | Loyal |
//! | **3** | About to Sleep | About to Sleep | Need Attention | Loyal | Loyal |
//! | **2** | Hibernating | Hibernating | At Risk | At Risk | Can't Lose Them |
//! | **1** | Lost | Hibernating | At Risk | At Risk | Can't Lose Them |
//!
//! ```
//! use ki3_core::{EventLog, TimeUnit};
//! use ki3_core::rfm::{days_from_civil, rfm_summary, Freq, RfmParams};
//!
//! let customer = [1u64, 1, 1, 2];
//! let day = [
//!     days_from_civil(1997, 1, 1),
//!     days_from_civil(1997, 1, 1),
//!     days_from_civil(1997, 1, 18),
//!     days_from_civil(1997, 3, 5),
//! ];
//! let amount = [10.0, 5.0, 30.0, 20.0];
//! let log = EventLog::new(&customer, &day, TimeUnit::Days).with_amount(&amount);
//! let params = RfmParams::new(days_from_civil(1997, 9, 30)).freq(Freq::Day).freq_multiplier(7);
//! let s = rfm_summary(&log, &params).unwrap();
//! assert_eq!(s.customer, vec![1, 2]);
//! assert_eq!(s.frequency, vec![1.0, 0.0]);
//! assert_eq!(s.recency[0], 17.0 / 7.0);
//! assert_eq!(s.t[0], 272.0 / 7.0);
//! assert_eq!(s.monetary_value, Some(vec![30.0, 0.0]));
//! ```

mod scores;
mod summary;

pub use crate::numerics::calendar::{civil_from_days, days_from_civil};
pub use scores::{DEFAULT_BINS, RfmScores, Segment, rfm_scores};
pub use summary::{Freq, RfmParams, RfmSummary, rfm_summary};

#[cfg(test)]
mod tests;
