//! Grouping an unsorted event log by customer, cache-friendly: customers get dense indices (in
//! ascending id order), event rows are partitioned into buckets of consecutive customers, and
//! each bucket is gathered into compact records grouped by customer, one bucket at a time per
//! thread. Only row numbers (4 bytes per event) are materialised for the whole log, so extra
//! memory stays well below the size of the input columns.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::ops::Range;

use rayon::prelude::*;

use super::layout::Layout;
use crate::error::{Ki3Error, Result};
use crate::events::EventLog;
use crate::stats::IdHasher;

/// One event, gathered into the fields the feature kernel reads (32 bytes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Ev {
    pub ts: i64,
    pub amount: f64,
    pub session: u64,
    /// The customer's position inside its bucket.
    pub local: u16,
    /// Dense channel position (0 when the channel family is off).
    pub channel: u16,
    /// Dense category position (0 when the category family is off).
    pub category: u16,
    pub purchase: bool,
}

impl Ev {
    /// Total order on content: time first, then every other field. Events with equal content
    /// are interchangeable, so this order makes every result independent of row order.
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

/// Customer id -> dense index (ascending id order).
pub(crate) enum DenseMap {
    /// Ids span a small range `0..n`: the id is its own dense index (absent ids simply have no
    /// events), so no table is built at all.
    Identity,
    /// Sparse ids.
    Hash(HashMap<u64, u32, BuildHasherDefault<IdHasher>>),
}

impl DenseMap {
    #[inline]
    pub fn get(&self, id: u64) -> u32 {
        match self {
            DenseMap::Identity => id as u32,
            DenseMap::Hash(map) => map.get(&id).copied().unwrap_or(0),
        }
    }
}

/// The dense index space of all keys: `n` indices, and the id of each (`None`: identity).
pub(crate) fn index_customers(keys: &[&[u64]]) -> (usize, Option<Vec<u64>>, DenseMap) {
    let total: usize = keys.iter().map(|k| k.len()).sum();
    let max = keys
        .iter()
        .filter_map(|k| k.par_iter().copied().max())
        .max()
        .unwrap_or(0);
    if (max as u128) < 2 * total as u128 + 65_536 && max < u64::from(u32::MAX) {
        let n = if total == 0 { 0 } else { max as usize + 1 };
        (n, None, DenseMap::Identity)
    } else {
        let mut ids: Vec<u64> = keys.iter().flat_map(|k| k.iter().copied()).collect();
        ids.par_sort_unstable();
        ids.dedup();
        let map = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (*id, i as u32))
            .collect();
        (ids.len(), Some(ids), DenseMap::Hash(map))
    }
}

/// One thread's share of the rows, partitioned by bucket (row order inside a bucket).
struct Chunk {
    buckets: Vec<Vec<Ev>>,
}

/// The event log (rows with `timestamp <= until`) as compact records partitioned into buckets of
/// `2^shift` consecutive dense customers. Partitioning streams through the input once, so it is
/// cache-friendly however the rows are ordered.
pub(crate) struct Partition {
    n_customers: usize,
    /// Dense index -> customer id (ascending); `None` when ids are their own dense index.
    ids: Option<Vec<u64>>,
    extra_dense: Vec<u32>,
    shift: u32,
    n_buckets: usize,
    chunks: Vec<Chunk>,
    /// Bit set of dense customers with at least one event (at or before `until`).
    present: Vec<u64>,
}

impl Partition {
    /// Partitions the rows of `log` with `timestamp <= until`. `extra` keys (label customers)
    /// get dense indices too, without events.
    pub fn new(log: &EventLog, layout: &Layout, extra: &[u64], until: i64) -> Result<Self> {
        if log.len() > u32::MAX as usize || extra.len() > u32::MAX as usize {
            return Err(Ki3Error::param(
                "events",
                "at most 4,294,967,295 events or labels per call; use FeatureAggregator \
                 partitions or several calls",
            ));
        }
        let (n, ids, map) = index_customers(&[log.customer, extra]);
        let extra_dense = extra.par_iter().map(|id| map.get(*id)).collect();
        // Buckets of up to 2^14 customers: their running states (about 100 bytes each) stay in
        // a core's L2 cache while a bucket is processed. Smaller buckets when there are few
        // customers, so every thread gets work.
        let shift = (n / 64).clamp(64, 1 << 14).ilog2();
        let n_buckets = n.div_ceil(1 << shift).max(1);
        let threads = rayon::current_num_threads().max(1);
        let chunk_rows = log.len().div_ceil(threads).max(1);
        let words = n.div_ceil(64);
        let parts: Vec<(Chunk, Vec<u64>)> = (0..log.len().div_ceil(chunk_rows))
            .into_par_iter()
            .map(|c| {
                let rows = c * chunk_rows..((c + 1) * chunk_rows).min(log.len());
                partition_chunk(log, layout, &map, rows, shift, n_buckets, words, until)
            })
            .collect();
        let mut present = vec![0u64; words];
        let mut chunks = Vec::with_capacity(parts.len());
        for (chunk, bits) in parts {
            present.iter_mut().zip(bits).for_each(|(p, b)| *p |= b);
            chunks.push(chunk);
        }
        Ok(Partition {
            n_customers: n,
            ids,
            extra_dense,
            shift,
            n_buckets,
            chunks,
            present,
        })
    }

    pub fn n_buckets(&self) -> usize {
        self.n_buckets
    }

    /// The customer id of dense index `d`.
    #[inline]
    pub fn id(&self, d: usize) -> u64 {
        self.ids.as_ref().map_or(d as u64, |ids| ids[d])
    }

    /// Dense customers of bucket `b`.
    pub fn customers(&self, b: usize) -> Range<usize> {
        let n = self.n_customers;
        (b << self.shift).min(n)..((b + 1) << self.shift).min(n)
    }

    /// Does dense customer `d` have an event?
    #[inline]
    pub fn is_present(&self, d: usize) -> bool {
        self.present[d / 64] >> (d % 64) & 1 == 1
    }

    /// Number of customers of bucket `b` with an event.
    pub fn n_present(&self, b: usize) -> usize {
        self.customers(b).filter(|d| self.is_present(*d)).count()
    }

    /// Dense indices of the `extra` keys.
    pub fn extra_dense(&self) -> &[u32] {
        &self.extra_dense
    }

    /// The events of bucket `b` in row order (`local` names the customer).
    pub fn events(&self, b: usize) -> impl Iterator<Item = &Ev> {
        self.chunks.iter().flat_map(move |c| c.buckets[b].iter())
    }

    /// Gathers bucket `b` into `out`: its events grouped by customer, each group in canonical
    /// order.
    pub fn gather(&self, b: usize, out: &mut Bucket) {
        let customers = self.customers(b);
        out.first = customers.start;
        out.offsets.clear();
        out.offsets.resize(customers.len() + 1, 0);
        for e in self.events(b) {
            out.offsets[e.local as usize + 1] += 1;
        }
        for i in 0..customers.len() {
            out.offsets[i + 1] += out.offsets[i];
        }
        out.cursor.clear();
        out.cursor
            .extend_from_slice(&out.offsets[..customers.len()]);
        out.events.clear();
        out.events.resize(out.offsets[customers.len()], BLANK);
        for e in self.events(b) {
            let at = &mut out.cursor[e.local as usize];
            out.events[*at] = *e;
            *at += 1;
        }
        for w in out.offsets.windows(2) {
            let g = &mut out.events[w[0]..w[1]];
            if !g.is_sorted_by(|a, b| a.canonical_cmp(b) != Ordering::Greater) {
                g.sort_unstable_by(Ev::canonical_cmp);
            }
        }
    }
}

/// Partitions one range of rows: a histogram pass, then a scatter pass into the buckets.
#[allow(clippy::too_many_arguments)]
fn partition_chunk(
    log: &EventLog,
    layout: &Layout,
    map: &DenseMap,
    rows: Range<usize>,
    shift: u32,
    n_buckets: usize,
    words: usize,
    until: i64,
) -> (Chunk, Vec<u64>) {
    let first_row = rows.start;
    let ts = &log.timestamp[rows.clone()];
    let customer = &log.customer[rows];
    let mut sizes = vec![0usize; n_buckets];
    let mut present = vec![0u64; words];
    for (id, t) in customer.iter().zip(ts) {
        if *t <= until {
            let d = map.get(*id);
            sizes[(d >> shift) as usize] += 1;
            present[d as usize / 64] |= 1 << (d % 64);
        }
    }
    // Exact capacities, filled by push: every record is written once (no pre-fill pass).
    let mut buckets: Vec<Vec<Ev>> = sizes.iter().map(|n| Vec::with_capacity(*n)).collect();
    let mask = (1u32 << shift) - 1;
    let channel = layout.channel.as_ref().zip(log.channel);
    let category = layout.category.as_ref().zip(log.category);
    for (i, (id, t)) in customer.iter().zip(ts).enumerate() {
        if *t > until {
            continue;
        }
        let row = first_row + i;
        let d = map.get(*id);
        buckets[(d >> shift) as usize].push(Ev {
            ts: *t,
            amount: log.amount.map_or(0.0, |a| a[row]),
            session: log.session.map_or(0, |s| s[row]),
            local: (d & mask) as u16,
            channel: channel.map_or(0, |(ix, c)| ix.position(c[row])),
            category: category.map_or(0, |(ix, c)| ix.position(c[row])),
            purchase: log.is_purchase(row),
        });
    }
    (Chunk { buckets }, present)
}

pub(crate) const BLANK: Ev = Ev {
    ts: 0,
    amount: 0.0,
    session: 0,
    local: 0,
    channel: 0,
    category: 0,
    purchase: true,
};

/// One gathered bucket (a reusable buffer).
#[derive(Default)]
pub(crate) struct Bucket {
    first: usize,
    events: Vec<Ev>,
    offsets: Vec<usize>,
    cursor: Vec<usize>,
}

impl Bucket {
    /// Events of dense customer `d` (which must belong to the gathered bucket).
    #[inline]
    pub fn group(&self, d: usize) -> &[Ev] {
        let i = d - self.first;
        &self.events[self.offsets[i]..self.offsets[i + 1]]
    }
}
