//! The single-pass bucket driver: when every customer's events arrive in time order (true of
//! most logs, which are written as they happen) and there is no session column, one pass over
//! a bucket's events (in row order) updates per-customer states in place: no per-customer
//! sort, and the bucket's states fit in a core's L2 cache.
//!
//! The pass gives up (and the caller sorts the bucket instead) when a customer's events go back
//! in time, or when two of a customer's purchases share a timestamp (their amounts would be
//! summed in row order instead of the canonical order). Otherwise it feeds every customer's
//! events in canonical order, so rows are bit-identical to the sorting path.
//!
//! Packed events (no category column either) get a specialised loop that decodes the words
//! in place and uses [`CustomerState::push_ordered`] with the day length as a constant; the
//! arithmetic on each value is the same as in `push`.

use std::borrow::Borrow;

use super::accumulate::{CustomerState, Cutoffs, Parts, SessionTotals, WindowCounts, write_row};
use super::group::{Codec, Ev, Packed};
use super::layout::Layout;
use crate::numerics::NeumaierSum;

/// Per-customer states of one bucket (reusable buffers).
pub(crate) struct BucketScan<'l> {
    layout: &'l Layout,
    states: Vec<CustomerState>,
    channel: Vec<u32>,
    category: Vec<NeumaierSum>,
    windows: Vec<WindowCounts>,
    scratch: Vec<WindowCounts>,
}

impl<'l> BucketScan<'l> {
    pub fn new(layout: &'l Layout) -> Self {
        BucketScan {
            layout,
            states: Vec::new(),
            channel: Vec::new(),
            category: Vec::new(),
            windows: Vec::new(),
            scratch: vec![WindowCounts::default(); layout.windows.len()],
        }
    }

    /// Whether the layout allows the scan at all (sessions need per-customer session sets).
    pub fn applies(layout: &Layout) -> bool {
        !layout.has_session
    }

    fn widths(&self) -> (usize, usize, usize) {
        let l = self.layout;
        (
            l.channel.as_ref().map_or(0, |c| c.len()),
            l.category.as_ref().map_or(0, |c| c.len()),
            l.windows.len(),
        )
    }

    /// Feeds a bucket's events (row order; `local` < `customers`) into fresh states. Returns
    /// false, with the states unusable, when the order does not allow a single pass.
    pub fn run<I>(&mut self, events: I, customers: usize, cutoffs: &Cutoffs) -> bool
    where
        I: IntoIterator,
        I::Item: Borrow<Ev>,
    {
        self.start(customers);
        events.into_iter().all(|e| self.feed(e.borrow(), cutoffs))
    }

    /// [`BucketScan::run`] on events in the packed encoding ([`Packed`]), one stream per
    /// share of the rows, in row order.
    pub fn run_packed<'w>(
        &mut self,
        streams: impl Iterator<Item = &'w [u32]>,
        packed: Packed,
        customers: usize,
        cutoffs: &Cutoffs,
    ) -> bool {
        // Day lengths as constants: the day of a timestamp is a multiplication, not a division.
        match self.layout.ticks_per_day {
            1 => self.packed::<1>(streams, packed, customers, cutoffs),
            86_400 => self.packed::<86_400>(streams, packed, customers, cutoffs),
            86_400_000 => self.packed::<86_400_000>(streams, packed, customers, cutoffs),
            86_400_000_000 => self.packed::<86_400_000_000>(streams, packed, customers, cutoffs),
            86_400_000_000_000 => {
                self.packed::<86_400_000_000_000>(streams, packed, customers, cutoffs)
            }
            _ => {
                let events = streams.flat_map(|w| Codec::Packed(packed).events(w));
                self.run(events, customers, cutoffs)
            }
        }
    }

    fn packed<'w, const TPD: i64>(
        &mut self,
        streams: impl Iterator<Item = &'w [u32]>,
        packed: Packed,
        customers: usize,
        cutoffs: &Cutoffs,
    ) -> bool {
        self.start(customers);
        let (kc, _, kw) = self.widths();
        let has_amount = self.layout.has_amount;
        for words in streams {
            let (mut at, mut prev) = (0, 0);
            while at < words.len() {
                let Some(e) = packed.decode(words, &mut at, &mut prev) else {
                    return false;
                };
                let i = e.local as usize;
                let Some(state) = self.states.get_mut(i) else {
                    return false;
                };
                // A fresh state has `last_ts == i64::MIN` and no purchases: never out of order.
                if e.ts < state.last_ts
                    || (e.purchase && state.purchases > 0 && e.ts == state.last_purchase)
                {
                    return false;
                }
                state.push_ordered::<TPD>(e.ts, e.purchase, e.amount, has_amount);
                let ch = e.channel as usize;
                if ch < kc
                    && let Some(c) = self.channel.get_mut(i * kc + ch)
                {
                    *c += 1;
                }
                if kw > 0
                    && let Some(j) = cutoffs.slot(e.ts)
                    && let Some(w) = self.windows.get_mut(i * kw + j)
                {
                    w.events += 1;
                    if e.purchase {
                        w.purchases += 1;
                        w.revenue.add(e.amount);
                    }
                }
            }
        }
        true
    }

    /// Fresh states for `customers` customers.
    fn start(&mut self, customers: usize) {
        let (kc, kg, kw) = self.widths();
        reset(&mut self.states, customers, CustomerState::default());
        reset(&mut self.channel, customers * kc, 0);
        reset(&mut self.category, customers * kg, NeumaierSum::default());
        reset(&mut self.windows, customers * kw, WindowCounts::default());
    }

    /// Consumes one event; false when it breaks the customer's time order.
    #[inline(always)]
    fn feed(&mut self, e: &Ev, cutoffs: &Cutoffs) -> bool {
        let (kc, kg, kw) = self.widths();
        let i = e.local as usize;
        let Some(state) = self.states.get_mut(i) else {
            return false;
        };
        if state.events > 0
            && (e.ts < state.last_ts
                || (e.purchase && state.purchases > 0 && e.ts == state.last_purchase))
        {
            return false;
        }
        state.push(
            e,
            self.layout,
            self.channel
                .get_mut(i * kc..(i + 1) * kc)
                .unwrap_or_default(),
            self.category
                .get_mut(i * kg..(i + 1) * kg)
                .unwrap_or_default(),
        );
        if kw > 0
            && let Some(j) = cutoffs.slot(e.ts)
            && let Some(w) = self.windows.get_mut(i * kw + j)
        {
            w.count(e);
        }
        true
    }

    /// Writes the row of local customer `i` (after a successful `run`).
    #[cfg(test)]
    pub fn write(&mut self, i: usize, as_of: i64, row: &mut [f64]) {
        let mut slots = row.iter_mut();
        self.write_with(i, as_of, |v| {
            if let Some(slot) = slots.next() {
                *slot = v;
            }
        });
    }

    /// Writes the row of local customer `i` (after a successful `run`) value by value.
    #[inline]
    pub fn write_with(&mut self, i: usize, as_of: i64, put: impl FnMut(f64)) {
        let (kc, kg, kw) = self.widths();
        self.scratch
            .copy_from_slice(&self.windows[i * kw..(i + 1) * kw]);
        let parts = Parts {
            windows: &mut self.scratch,
            channel: &self.channel[i * kc..(i + 1) * kc],
            category: &self.category[i * kg..(i + 1) * kg],
            sessions: SessionTotals::default(),
        };
        write_row(self.layout, as_of, &self.states[i], parts, put);
    }
}

fn reset<T: Clone>(v: &mut Vec<T>, len: usize, value: T) {
    v.clear();
    v.resize(len, value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::accumulate::Accumulator;
    use crate::features::group::BLANK;
    use crate::features::{Family, FeatureSpec};
    use crate::{EventLog, TimeUnit};

    fn ev(local: u16, ts: i64, purchase: bool, amount: f64, channel: u16) -> Ev {
        Ev {
            ts,
            amount,
            local,
            channel,
            category: channel % 2,
            purchase,
            ..BLANK
        }
    }

    #[test]
    fn scan_rows_equal_accumulator_rows_and_give_up_when_they_must() {
        let c = [0u64, 1, 2];
        let t = [0i64, 0, 0];
        let a = [1.0; 3];
        let ch = [0u32, 1, 2];
        let log = EventLog::new(&c, &t, TimeUnit::Seconds)
            .with_amount(&a)
            .with_channel(&ch)
            .with_category(&[0, 1, 0]);
        let spec = FeatureSpec::new(40 * 86_400)
            .windows(vec![1, 10])
            .families(vec![
                Family::Core,
                Family::Windows,
                Family::Channel,
                Family::Category,
            ]);
        let layout = Layout::new(&spec, &log).unwrap();
        let cutoffs = Cutoffs::new(&layout, spec.as_of);
        // Two customers interleaved, each in time order; a browse ties with a purchase.
        let events = [
            ev(0, 100, true, 5.5, 0),
            ev(1, 200, false, 0.0, 1),
            ev(0, 86_400 * 31, false, 0.0, 2),
            ev(1, 86_400 * 35, true, 12.25, 1),
            ev(0, 86_400 * 31, true, 3.0, 1),
            ev(0, 86_400 * 39 + 5, true, 0.5, 0),
        ];
        let mut scan = BucketScan::new(&layout);
        assert!(scan.run(events.iter(), 2, &cutoffs));
        let mut acc = Accumulator::new(&layout);
        for local in 0..2u16 {
            let mut mine: Vec<Ev> = events
                .iter()
                .copied()
                .filter(|e| e.local == local)
                .collect();
            mine.sort_by_key(|e| (e.ts, e.purchase));
            acc.reset();
            mine.iter().for_each(|e| acc.push(e));
            let (mut want, mut got) = (vec![0.0; layout.width()], vec![0.0; layout.width()]);
            acc.emit(spec.as_of, &mine, &mut want);
            scan.write(local as usize, spec.as_of, &mut got);
            for ((name, w), g) in layout.names.iter().zip(&want).zip(&got) {
                assert_eq!(
                    w.to_bits(),
                    g.to_bits(),
                    "customer {local} {name}: {w} vs {g}"
                );
            }
        }
        // Back in time, or two purchases at one time: give up.
        let back = [ev(0, 100, false, 0.0, 0), ev(0, 99, false, 0.0, 0)];
        assert!(!scan.run(back.iter(), 1, &cutoffs));
        let tie = [ev(0, 100, true, 1.0, 0), ev(0, 100, true, 2.0, 0)];
        assert!(!scan.run(tie.iter(), 1, &cutoffs));
    }
}
