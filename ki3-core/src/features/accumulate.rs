//! The per-customer feature kernel. [`CustomerState`] is the fixed-size running state of one
//! customer, fed events in time order; [`write_row`] turns a state (plus its channel, category,
//! window and session parts) into a feature row. Two drivers use them: the bucketed
//! [`Accumulator`] (any input order, historical labels, sessions) and the single-pass scan in
//! `scan.rs` (per-customer time-ordered input without sessions). Both feed events in the same
//! order and sum in the same order, so they give bit-identical rows.

use std::collections::HashMap;

use super::group::Ev;
use super::layout::Layout;
use crate::numerics::{IdBuildHasher, NeumaierSum};

/// Cumulative scalar state of one customer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CustomerState {
    pub events: u64,
    first_ts: i64,
    /// Timestamp of the latest event (the scan path checks time order with it).
    pub last_ts: i64,
    /// Exclusive end (ticks) of the day of the latest event; events come in time order, so a
    /// new day starts when a timestamp reaches it (no division per event).
    day_end: i64,
    active_days: u64,
    pub purchases: u64,
    first_purchase: i64,
    pub last_purchase: i64,
    /// `day_end` of the latest purchase's day.
    purchase_day_end: i64,
    purchase_days: u64,
    // Welford over inter-purchase gaps (days).
    gap_mean: f64,
    gap_m2: f64,
    monetary: NeumaierSum,
    monetary_max: f64,
}

impl Default for CustomerState {
    fn default() -> Self {
        CustomerState {
            events: 0,
            first_ts: 0,
            last_ts: i64::MIN,
            day_end: i64::MIN,
            active_days: 0,
            purchases: 0,
            first_purchase: 0,
            last_purchase: 0,
            purchase_day_end: i64::MIN,
            purchase_days: 0,
            gap_mean: 0.0,
            gap_m2: 0.0,
            monetary: NeumaierSum::default(),
            monetary_max: f64::NAN,
        }
    }
}

/// `later - earlier` in days, without overflow for any pair of timestamps.
#[inline(always)]
fn days_between(later: i64, earlier: i64, ticks_per_day: i64) -> f64 {
    ticks_as_f64(later, earlier) / ticks_per_day as f64
}

/// `later - earlier` as the nearest `f64` (exact integer difference, rounded once).
#[inline(always)]
fn ticks_as_f64(later: i64, earlier: i64) -> f64 {
    match later.checked_sub(earlier) {
        // The same integer, so the same rounding as through i128 (which is slow: a libcall).
        Some(d) => d as f64,
        None => (i128::from(later) - i128::from(earlier)) as f64,
    }
}

impl CustomerState {
    /// Consumes the next event (in canonical time order). `channel` and `category` are this
    /// customer's per-code event counts and spend.
    #[inline(always)]
    pub fn push(
        &mut self,
        e: &Ev,
        layout: &Layout,
        channel: &mut [u32],
        category: &mut [NeumaierSum],
    ) {
        let tpd = layout.ticks_per_day;
        if self.events == 0 {
            self.first_ts = e.ts;
        }
        self.events += 1;
        self.last_ts = e.ts;
        if e.ts >= self.day_end {
            self.active_days += 1;
            self.day_end = day_end(e.ts, tpd);
        }
        if e.purchase {
            if self.purchases == 0 {
                self.first_purchase = e.ts;
            } else {
                self.add_gap(e.ts, tpd);
            }
            self.purchases += 1;
            self.last_purchase = e.ts;
            if self.purchase_day_end != self.day_end {
                self.purchase_days += 1;
                self.purchase_day_end = self.day_end;
            }
            if layout.has_amount {
                self.monetary.add(e.amount);
                // max() treats the NaN start value as missing.
                self.monetary_max = self.monetary_max.max(e.amount);
            }
            if let Some(spend) = category.get_mut(e.category as usize) {
                spend.add(if layout.has_amount { e.amount } else { 1.0 });
            }
        }
        if let Some(c) = channel.get_mut(e.channel as usize) {
            *c += 1;
        }
    }

    /// Welford's update of the inter-purchase gap mean and squared deviations (days) with the
    /// gap up to a purchase at `ts` (not the customer's first).
    #[inline(always)]
    fn add_gap(&mut self, ts: i64, tpd: i64) {
        let gap = days_between(ts, self.last_purchase, tpd);
        let m = self.purchases as f64; // number of gaps including this one
        let delta = gap - self.gap_mean;
        self.gap_mean += delta / m;
        self.gap_m2 += delta * (gap - self.gap_mean);
    }

    /// [`CustomerState::push`] for the one-pass scan, with `TPD` ticks per day, for events
    /// without category (the scan's callers handle channels and windows). Leaner, with the
    /// same result for every feature the scan path computes, in the same operations:
    ///
    /// * the caller guarantees per-customer time order, so the day of a purchase ends at
    ///   `day_end(ts)`, which is what `push` compares (its `day_end` holds the latest event's
    ///   day end); `TPD` as a constant makes that a multiplication, not a division;
    /// * `active_days` is not kept: only the session family reads it, and logs with sessions
    ///   never take the scan path.
    #[inline(always)]
    pub fn push_ordered<const TPD: i64>(
        &mut self,
        ts: i64,
        purchase: bool,
        amount: f64,
        has_amount: bool,
    ) {
        // Selects, not branches: first events are common and unpredictable.
        self.first_ts = if self.events == 0 { ts } else { self.first_ts };
        self.events += 1;
        self.last_ts = ts;
        if purchase {
            let first = self.purchases == 0;
            self.first_purchase = if first { ts } else { self.first_purchase };
            if !first {
                self.add_gap(ts, TPD);
            }
            self.purchases += 1;
            self.last_purchase = ts;
            let end = day_end(ts, TPD);
            self.purchase_days += u64::from(end != self.purchase_day_end);
            self.purchase_day_end = end;
            if has_amount {
                self.monetary.add(amount);
                // max() treats the NaN start value as missing.
                self.monetary_max = self.monetary_max.max(amount);
            }
        }
    }
}

/// Exclusive end (ticks) of the UTC day of `ts` (saturating at the end of time).
#[inline(always)]
fn day_end(ts: i64, tpd: i64) -> i64 {
    (ts.div_euclid(tpd) + 1).saturating_mul(tpd)
}

/// Per-window counters. While accumulating they hold the events whose *smallest* containing
/// window is this one; [`write_row`] turns them into cumulative counts.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct WindowCounts {
    pub events: u64,
    pub purchases: u64,
    pub revenue: NeumaierSum,
    pub sessions: u64,
}

impl WindowCounts {
    #[inline]
    pub fn count(&mut self, e: &Ev) {
        self.events += 1;
        if e.purchase {
            self.purchases += 1;
            self.revenue.add(e.amount);
        }
    }
}

/// Window cutoffs for one `as_of`: window `j` (ascending length) is `(cutoffs[j], as_of]`.
#[derive(Debug, Clone, Default)]
/// Window starts `as_of − w days`, exact: near `i64::MIN` a start below the representable range
/// still means "every earlier event is inside" (saturating would drop events at `i64::MIN`).
pub(crate) struct Cutoffs(Vec<i128>);

impl Cutoffs {
    pub fn new(layout: &Layout, as_of: i64) -> Self {
        let tpd = i128::from(layout.ticks_per_day);
        Cutoffs(
            layout
                .windows
                .iter()
                .map(|w| i128::from(as_of) - i128::from(*w) * tpd)
                .collect(),
        )
    }

    /// The smallest window containing time `ts` (`ts <= as_of` assumed).
    #[inline]
    pub fn slot(&self, ts: i64) -> Option<usize> {
        // Cutoffs descend; the first j with ts > cutoffs[j].
        let ts = i128::from(ts);
        let j = self.0.partition_point(|c| ts <= *c);
        (j < self.0.len()).then_some(j)
    }

    /// True when `ts` is at or before the earliest cutoff (outside every window), or no
    /// window is asked for.
    pub fn before_widest(&self, ts: i64) -> bool {
        self.0.last().is_none_or(|c| i128::from(ts) <= *c)
    }

    /// True when any window is asked for.
    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }
}

/// Sessions of one customer: how many, and their summed durations in ticks.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SessionTotals {
    pub count: u64,
    pub ticks: i128,
}

/// The variable-width parts of one customer's state.
pub(crate) struct Parts<'a> {
    /// Exclusive window counts; [`write_row`] turns them into cumulative ones in place.
    pub windows: &'a mut [WindowCounts],
    pub channel: &'a [u32],
    pub category: &'a [NeumaierSum],
    pub sessions: SessionTotals,
}

/// Writes one feature row, in the layout's column order, value by value through `put`.
#[inline]
pub(crate) fn write_row(
    layout: &Layout,
    as_of: i64,
    s: &CustomerState,
    parts: Parts<'_>,
    mut put: impl FnMut(f64),
) {
    let Parts {
        windows,
        channel,
        category,
        sessions,
    } = parts;
    let tpd = layout.ticks_per_day;
    let nan = f64::NAN;
    let has_purchases = s.purchases > 0;
    if layout.core {
        put(if has_purchases {
            days_between(as_of, s.last_purchase, tpd)
        } else {
            nan
        });
        put(if s.events > 0 {
            days_between(as_of, s.first_ts, tpd)
        } else {
            nan
        });
        put(s.purchases as f64);
        put(s.purchase_days as f64);
        if layout.has_amount {
            let total = s.monetary.value();
            put(total);
            put(if has_purchases {
                total / s.purchases as f64
            } else {
                nan
            });
            put(s.monetary_max);
        }
        put(if s.purchases >= 2 {
            days_between(s.last_purchase, s.first_purchase, tpd) / (s.purchases - 1) as f64
        } else {
            nan
        });
        put(if s.purchases >= 3 {
            (s.gap_m2 / (s.purchases - 2) as f64).sqrt()
        } else {
            nan
        });
    }
    for j in 0..windows.len() {
        if j > 0 {
            let prev = windows[j - 1];
            let w = &mut windows[j];
            w.events += prev.events;
            w.purchases += prev.purchases;
            w.sessions += prev.sessions;
            w.revenue.merge(&prev.revenue);
        }
        let w = &windows[j];
        put(w.purchases as f64);
        if layout.has_amount {
            put(w.revenue.value());
        }
        put(w.events as f64);
        if layout.has_session {
            put(w.sessions as f64);
        }
    }
    if let Some(ix) = &layout.channel {
        let events = s.events as f64;
        let mut best: Option<usize> = None;
        for (i, c) in channel.iter().enumerate() {
            put(*c as f64 / events);
            if *c > 0 && best.is_none_or(|b| *c > channel[b]) {
                best = Some(i);
            }
        }
        put(best.map_or(nan, |b| f64::from(ix.codes[b])));
        put(channel.iter().filter(|c| **c > 0).count() as f64);
    }
    if let Some(ix) = &layout.category {
        let mut total = NeumaierSum::default();
        category.iter().for_each(|c| total.merge(c));
        let total = total.value();
        let mut best: Option<usize> = None;
        let mut entropy = 0.0;
        for (i, c) in category.iter().enumerate() {
            let share = c.value() / total;
            put(if total > 0.0 { share } else { nan });
            if total > 0.0 && share > 0.0 {
                entropy -= share * share.ln();
                if best.is_none_or(|b| c.value() > category[b].value()) {
                    best = Some(i);
                }
            }
        }
        put(best.map_or(nan, |b| f64::from(ix.codes[b])));
        put(if total > 0.0 { entropy } else { nan });
    }
    if layout.session_family {
        let n = sessions.count as f64;
        put(s.events as f64 / n);
        put(n / s.active_days as f64);
        let seconds = sessions.ticks as f64 * 86_400.0 / tpd as f64;
        put(seconds / n);
    }
}

/// The bucketed driver: one customer at a time, any `as_of` (historical labels), sessions.
/// Reused across customers (`reset`) to keep allocations.
pub(crate) struct Accumulator<'l> {
    layout: &'l Layout,
    state: CustomerState,
    channel: Vec<u32>,
    category: Vec<NeumaierSum>,
    /// session id -> (first ts, last ts)
    sessions: HashMap<u64, (i64, i64), IdBuildHasher>,
    session_ticks: i128,
    windows: Vec<WindowCounts>,
}

impl<'l> Accumulator<'l> {
    pub fn new(layout: &'l Layout) -> Self {
        Accumulator {
            layout,
            state: CustomerState::default(),
            channel: vec![0; layout.channel.as_ref().map_or(0, |c| c.len())],
            category: vec![NeumaierSum::default(); layout.category.as_ref().map_or(0, |c| c.len())],
            sessions: HashMap::default(),
            session_ticks: 0,
            windows: vec![WindowCounts::default(); layout.windows.len()],
        }
    }

    /// Forgets the previous customer.
    pub fn reset(&mut self) {
        self.state = CustomerState::default();
        self.channel.iter_mut().for_each(|c| *c = 0);
        self.category
            .iter_mut()
            .for_each(|c| *c = NeumaierSum::default());
        self.sessions.clear();
        self.session_ticks = 0;
    }

    /// Consumes the next event (events must come in canonical time order).
    #[inline]
    pub fn push(&mut self, e: &Ev) {
        self.state
            .push(e, self.layout, &mut self.channel, &mut self.category);
        if self.layout.has_session {
            match self.sessions.get_mut(&e.session) {
                Some((_, last)) => {
                    self.session_ticks += i128::from(e.ts) - i128::from(*last);
                    *last = e.ts;
                }
                None => {
                    self.sessions.insert(e.session, (e.ts, e.ts));
                }
            }
        }
    }

    /// Writes the feature row as of `as_of`; `seen` are the events pushed so far (for windows).
    pub fn emit(&mut self, as_of: i64, seen: &[Ev], out: &mut [f64]) {
        self.windows
            .iter_mut()
            .for_each(|w| *w = WindowCounts::default());
        let cutoffs = Cutoffs::new(self.layout, as_of);
        if cutoffs.any() {
            // Forward over the events inside the widest window: the same summation order as
            // the scan path.
            let start = seen.partition_point(|e| cutoffs.before_widest(e.ts));
            for e in &seen[start..] {
                if let Some(j) = cutoffs.slot(e.ts) {
                    self.windows[j].count(e);
                }
            }
            if self.layout.has_session {
                for (_, last) in self.sessions.values() {
                    if let Some(j) = cutoffs.slot(*last) {
                        self.windows[j].sessions += 1;
                    }
                }
            }
        }
        let sessions = SessionTotals {
            count: self.sessions.len() as u64,
            ticks: self.session_ticks,
        };
        let parts = Parts {
            windows: &mut self.windows,
            channel: &self.channel,
            category: &self.category,
            sessions,
        };
        let mut out = out.iter_mut();
        write_row(self.layout, as_of, &self.state, parts, |v| {
            if let Some(slot) = out.next() {
                *slot = v;
            }
        });
    }
}
