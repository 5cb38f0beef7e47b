//! The per-customer feature kernel: a running accumulator that consumes one customer's events
//! in time order and writes a feature row at any point in time. One-shot features push all
//! events up to `as_of` and emit once; historical features emit at each label time, so the
//! cumulative families are never recomputed from scratch.

use std::collections::HashMap;

use super::group::Ev;
use super::layout::Layout;
use crate::stats::{IdBuildHasher, NeumaierSum};

/// Running state of one customer. Reused across customers (`reset`) to keep allocations.
pub(crate) struct Accumulator<'l> {
    layout: &'l Layout,
    events: u64,
    first_ts: i64,
    /// Exclusive end (ticks) of the day of the latest event; events come in time order, so a
    /// new day starts when a timestamp reaches it (no division per event).
    day_end: i64,
    active_days: u64,
    purchases: u64,
    first_purchase: i64,
    last_purchase: i64,
    /// `day_end` of the latest purchase's day.
    purchase_day_end: i64,
    purchase_days: u64,
    // Welford over inter-purchase gaps (days).
    gap_mean: f64,
    gap_m2: f64,
    monetary: NeumaierSum,
    monetary_max: f64,
    channel_events: Vec<u64>,
    category_spend: Vec<NeumaierSum>,
    /// session id -> (first ts, last ts)
    sessions: HashMap<u64, (i64, i64), IdBuildHasher>,
    session_ticks: i128,
    // Scratch for windows.
    window_purchases: Vec<u64>,
    window_events: Vec<u64>,
    window_revenue: Vec<NeumaierSum>,
    window_sessions: Vec<u64>,
    cutoffs: Vec<i64>,
}

impl<'l> Accumulator<'l> {
    pub fn new(layout: &'l Layout) -> Self {
        let k = layout.windows.len();
        Accumulator {
            layout,
            events: 0,
            first_ts: 0,
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
            channel_events: vec![0; layout.channel.as_ref().map_or(0, |c| c.len())],
            category_spend: vec![
                NeumaierSum::default();
                layout.category.as_ref().map_or(0, |c| c.len())
            ],
            sessions: HashMap::default(),
            session_ticks: 0,
            window_purchases: vec![0; k],
            window_events: vec![0; k],
            window_revenue: vec![NeumaierSum::default(); k],
            window_sessions: vec![0; k],
            cutoffs: vec![0; k],
        }
    }

    /// Forgets the previous customer.
    pub fn reset(&mut self) {
        self.events = 0;
        self.day_end = i64::MIN;
        self.active_days = 0;
        self.purchases = 0;
        self.purchase_day_end = i64::MIN;
        self.purchase_days = 0;
        self.gap_mean = 0.0;
        self.gap_m2 = 0.0;
        self.monetary = NeumaierSum::default();
        self.monetary_max = f64::NAN;
        self.channel_events.iter_mut().for_each(|c| *c = 0);
        self.category_spend
            .iter_mut()
            .for_each(|c| *c = NeumaierSum::default());
        self.sessions.clear();
        self.session_ticks = 0;
    }

    /// `later - earlier` in days, without overflow for any pair of timestamps.
    #[inline]
    fn days_between(&self, later: i64, earlier: i64) -> f64 {
        (i128::from(later) - i128::from(earlier)) as f64 / self.layout.ticks_per_day as f64
    }

    /// Consumes the next event (events must come in canonical time order).
    #[inline]
    pub fn push(&mut self, e: &Ev) {
        let tpd = self.layout.ticks_per_day;
        if self.events == 0 {
            self.first_ts = e.ts;
        }
        self.events += 1;
        if e.ts >= self.day_end {
            self.active_days += 1;
            self.day_end = (e.ts.div_euclid(tpd) + 1).saturating_mul(tpd);
        }
        if e.purchase {
            if self.purchases == 0 {
                self.first_purchase = e.ts;
            } else {
                let gap = self.days_between(e.ts, self.last_purchase);
                let m = self.purchases as f64; // number of gaps after this one
                let delta = gap - self.gap_mean;
                self.gap_mean += delta / m;
                self.gap_m2 += delta * (gap - self.gap_mean);
            }
            self.purchases += 1;
            self.last_purchase = e.ts;
            if self.purchase_day_end != self.day_end {
                self.purchase_days += 1;
                self.purchase_day_end = self.day_end;
            }
            if self.layout.has_amount {
                self.monetary.add(e.amount);
                // max() treats the NaN start value as missing.
                self.monetary_max = self.monetary_max.max(e.amount);
            }
            if let Some(spend) = self.category_spend.get_mut(e.category as usize) {
                spend.add(if self.layout.has_amount {
                    e.amount
                } else {
                    1.0
                });
            }
        }
        if let Some(c) = self.channel_events.get_mut(e.channel as usize) {
            *c += 1;
        }
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
        let mut out = out.iter_mut();
        let mut put = |v: f64| {
            if let Some(slot) = out.next() {
                *slot = v;
            }
        };
        let layout = self.layout;
        let nan = f64::NAN;
        let has_events = self.events > 0;
        let has_purchases = self.purchases > 0;
        if layout.core {
            put(if has_purchases {
                self.days_between(as_of, self.last_purchase)
            } else {
                nan
            });
            put(if has_events {
                self.days_between(as_of, self.first_ts)
            } else {
                nan
            });
            put(self.purchases as f64);
            put(self.purchase_days as f64);
            if layout.has_amount {
                let total = self.monetary.value();
                put(total);
                put(if has_purchases {
                    total / self.purchases as f64
                } else {
                    nan
                });
                put(self.monetary_max);
            }
            put(if self.purchases >= 2 {
                self.days_between(self.last_purchase, self.first_purchase)
                    / (self.purchases - 1) as f64
            } else {
                nan
            });
            put(if self.purchases >= 3 {
                (self.gap_m2 / (self.purchases - 2) as f64).sqrt()
            } else {
                nan
            });
        }
        if !layout.windows.is_empty() {
            self.fill_windows(as_of, seen);
            for j in 0..layout.windows.len() {
                put(self.window_purchases[j] as f64);
                if layout.has_amount {
                    put(self.window_revenue[j].value());
                }
                put(self.window_events[j] as f64);
                if layout.has_session {
                    put(self.window_sessions[j] as f64);
                }
            }
        }
        if layout.channel.is_some() {
            let events = self.events as f64;
            let mut best: Option<usize> = None;
            for (i, c) in self.channel_events.iter().enumerate() {
                put(*c as f64 / events);
                if *c > 0 && best.is_none_or(|b| *c > self.channel_events[b]) {
                    best = Some(i);
                }
            }
            put(match (best, &layout.channel) {
                (Some(b), Some(ix)) => f64::from(ix.codes[b]),
                _ => nan,
            });
            put(self.channel_events.iter().filter(|c| **c > 0).count() as f64);
        }
        if layout.category.is_some() {
            let mut total = NeumaierSum::default();
            self.category_spend.iter().for_each(|s| total.merge(s));
            let total = total.value();
            let mut best: Option<usize> = None;
            let mut entropy = 0.0;
            for (i, s) in self.category_spend.iter().enumerate() {
                let share = s.value() / total;
                put(if total > 0.0 { share } else { nan });
                if total > 0.0 && share > 0.0 {
                    entropy -= share * share.ln();
                    if best.is_none_or(|b| s.value() > self.category_spend[b].value()) {
                        best = Some(i);
                    }
                }
            }
            put(match (best, &layout.category) {
                (Some(b), Some(ix)) => f64::from(ix.codes[b]),
                _ => nan,
            });
            put(if total > 0.0 { entropy } else { nan });
        }
        if layout.session_family {
            let n_sessions = self.sessions.len() as f64;
            put(self.events as f64 / n_sessions);
            put(n_sessions / self.active_days as f64);
            let seconds = self.session_ticks as f64 * 86_400.0 / layout.ticks_per_day as f64;
            put(seconds / n_sessions);
        }
    }

    /// Window counts for `(as_of - w days, as_of]`, scanning the seen events backwards.
    fn fill_windows(&mut self, as_of: i64, seen: &[Ev]) {
        let tpd = self.layout.ticks_per_day;
        for (c, w) in self.cutoffs.iter_mut().zip(&self.layout.windows) {
            *c = as_of.saturating_sub(i64::from(*w).saturating_mul(tpd));
        }
        self.window_purchases.iter_mut().for_each(|x| *x = 0);
        self.window_events.iter_mut().for_each(|x| *x = 0);
        self.window_sessions.iter_mut().for_each(|x| *x = 0);
        self.window_revenue
            .iter_mut()
            .for_each(|x| *x = NeumaierSum::default());
        let Some(&widest) = self.cutoffs.last() else {
            return;
        };
        // Windows are ascending, so cutoffs descend: an event at `ts` lies in every window from
        // the first j with ts > cutoffs[j] on. Count it there, then take prefix sums.
        for e in seen.iter().rev() {
            if e.ts <= widest {
                break;
            }
            let j = self.cutoffs.partition_point(|c| e.ts <= *c);
            self.window_events[j] += 1;
            if e.purchase {
                self.window_purchases[j] += 1;
                self.window_revenue[j].add(e.amount);
            }
        }
        if self.layout.has_session {
            for (_, last) in self.sessions.values() {
                if *last > widest {
                    let j = self.cutoffs.partition_point(|c| *last <= *c);
                    self.window_sessions[j] += 1;
                }
            }
        }
        for j in 1..self.cutoffs.len() {
            self.window_events[j] += self.window_events[j - 1];
            self.window_purchases[j] += self.window_purchases[j - 1];
            self.window_sessions[j] += self.window_sessions[j - 1];
            let prev = self.window_revenue[j - 1];
            self.window_revenue[j].merge(&prev);
        }
    }
}
