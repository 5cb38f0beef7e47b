//! Grouping an unsorted event log by customer: dense customer ids, a counting sort into compact
//! records, and a canonical order inside each customer's group.

use std::cmp::Ordering;
use std::collections::HashMap;

use rayon::prelude::*;

use super::layout::Layout;
use crate::events::EventLog;

/// One event, gathered into the columns the feature kernels read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Ev {
    pub ts: i64,
    pub amount: f64,
    pub session: u64,
    /// Dense channel position (0 when there is no channel column).
    pub channel: u32,
    /// Dense category position (0 when there is no category column).
    pub category: u32,
    pub purchase: bool,
}

impl Ev {
    /// Total order on content: time first, then every other field. Events with the same content
    /// are interchangeable, so sorting by this key makes every result independent of row order.
    #[inline]
    fn canonical_cmp(&self, other: &Ev) -> Ordering {
        self.ts
            .cmp(&other.ts)
            .then(self.purchase.cmp(&other.purchase))
            .then(self.amount.total_cmp(&other.amount))
            .then(self.channel.cmp(&other.channel))
            .then(self.category.cmp(&other.category))
            .then(self.session.cmp(&other.session))
    }
}

/// Customer ids mapped to dense indices in ascending id order.
pub(crate) struct CustomerIndex {
    /// `ids[d]` is the customer id of dense index `d` (ascending).
    pub ids: Vec<u64>,
    /// Dense index per input row (events first, then any extra keys).
    pub dense: Vec<u32>,
}

/// Maps every id in `keys` (all slices concatenated) to a dense index. Small id ranges use a
/// direct table; others sort the distinct ids and use a hash map.
pub(crate) fn index_customers(keys: &[&[u64]]) -> CustomerIndex {
    let total: usize = keys.iter().map(|k| k.len()).sum();
    let max = keys
        .iter()
        .flat_map(|k| k.iter().copied())
        .max()
        .unwrap_or(0);
    if (max as u128) < 2 * total as u128 + 65_536 {
        let mut slot = vec![u32::MAX; max as usize + 1];
        for k in keys {
            for &id in k.iter() {
                slot[id as usize] = 0;
            }
        }
        let mut ids = Vec::new();
        for (id, s) in slot.iter_mut().enumerate() {
            if *s == 0 {
                *s = ids.len() as u32;
                ids.push(id as u64);
            }
        }
        let mut dense = Vec::with_capacity(total);
        for k in keys {
            dense.par_extend(k.par_iter().map(|id| slot[*id as usize]));
        }
        CustomerIndex { ids, dense }
    } else {
        let mut ids: Vec<u64> = keys.iter().flat_map(|k| k.iter().copied()).collect();
        ids.par_sort_unstable();
        ids.dedup();
        let lookup: HashMap<u64, u32> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (*id, i as u32))
            .collect();
        let mut dense = Vec::with_capacity(total);
        for k in keys {
            dense.par_extend(k.par_iter().map(|id| lookup[id]));
        }
        CustomerIndex { ids, dense }
    }
}

/// Events grouped by dense customer index: group `d` is `events[offsets[d]..offsets[d + 1]]`,
/// in canonical order.
pub(crate) struct Grouped {
    pub events: Vec<Ev>,
    pub offsets: Vec<usize>,
}

impl Grouped {
    #[inline]
    pub fn group(&self, d: usize) -> &[Ev] {
        &self.events[self.offsets[d]..self.offsets[d + 1]]
    }
}

/// Counting sort of the rows of `log` (those with `timestamp <= until`) by `dense[row]`, then a
/// canonical sort inside each group (in parallel).
pub(crate) fn group_events(
    log: &EventLog,
    layout: &Layout,
    dense: &[u32],
    n_customers: usize,
    until: i64,
) -> Grouped {
    let ts = log.timestamp;
    let mut offsets = vec![0usize; n_customers + 1];
    for (d, t) in dense.iter().zip(ts) {
        if *t <= until {
            offsets[*d as usize + 1] += 1;
        }
    }
    for d in 0..n_customers {
        offsets[d + 1] += offsets[d];
    }
    let mut cursor = offsets.clone();
    let blank = Ev {
        ts: 0,
        amount: 0.0,
        session: 0,
        channel: 0,
        category: 0,
        purchase: true,
    };
    let mut events = vec![blank; offsets[n_customers]];
    for (row, (d, t)) in dense.iter().zip(ts).enumerate() {
        if *t > until {
            continue;
        }
        let at = &mut cursor[*d as usize];
        events[*at] = Ev {
            ts: *t,
            amount: log.amount.map_or(0.0, |a| a[row]),
            session: log.session.map_or(0, |s| s[row]),
            channel: match (&layout.channel, log.channel) {
                (Some(ix), Some(c)) => ix.position(c[row]),
                _ => 0,
            },
            category: match (&layout.category, log.category) {
                (Some(ix), Some(c)) => ix.position(c[row]),
                _ => 0,
            },
            purchase: log.is_purchase(row),
        };
        *at += 1;
    }
    sort_groups(&mut events, &offsets);
    Grouped { events, offsets }
}

/// Sorts each group canonically, in parallel over contiguous runs of groups.
fn sort_groups(events: &mut [Ev], offsets: &[usize]) {
    let mut pieces: Vec<&mut [Ev]> = Vec::with_capacity(offsets.len().saturating_sub(1));
    let mut rest = events;
    for w in offsets.windows(2) {
        let (head, tail) = rest.split_at_mut(w[1] - w[0]);
        pieces.push(head);
        rest = tail;
    }
    pieces.par_iter_mut().with_min_len(1024).for_each(|g| {
        if !g.is_sorted_by(|a, b| a.canonical_cmp(b) != Ordering::Greater) {
            g.sort_unstable_by(Ev::canonical_cmp);
        }
    });
}
