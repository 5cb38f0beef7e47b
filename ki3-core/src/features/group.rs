//! Grouping an unsorted event log by customer, cache-friendly: customers get dense indices (in
//! ascending id order), and one streaming pass (each thread over its shares of the rows)
//! appends each event, encoded in 32-bit words, to the stream of its bucket of consecutive
//! customers. Buckets are small enough for their customers' running states to stay in a core's
//! L2 cache while a bucket is processed; all of a bucket's streams are read in row order.
//!
//! Without session and category columns, events are packed ([`Packed`]): usually one word
//! (time delta, customer position, channel, flags) plus two for a non-zero amount, so the
//! partitioned log is a sixth of the size of its input columns, and writing it is cheap.
//! Other logs use a wide encoding of 4 to 8 words per event.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::ops::Range;

use rayon::prelude::*;

use super::layout::Layout;
use crate::error::{Ki3Error, Result};
use crate::events::{EventLog, bad_amount_bits};
use crate::numerics::IdHasher;

/// One event, decoded into the fields the feature kernel reads (32 bytes).
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

/// Rows per parallel task of the column statistics pass.
const STATS_ROWS: usize = 1 << 16;

/// The largest id of a block (independent accumulators, so the loop pipelines).
fn block_max(keys: &[u64]) -> u64 {
    let mut acc = [0u64; 8];
    let mut it = keys.chunks_exact(8);
    for k in &mut it {
        for (a, x) in acc.iter_mut().zip(k) {
            *a = (*a).max(*x);
        }
    }
    let rest = it.remainder().iter().copied().max().unwrap_or(0);
    acc.into_iter().fold(rest, u64::max)
}

/// The largest key (0 when there are none), in one parallel pass.
fn max_key(keys: &[u64]) -> u64 {
    keys.par_chunks(STATS_ROWS)
        .map(block_max)
        .reduce(|| 0, u64::max)
}

/// The dense index space of all keys: `n` indices, and the id of each (`None`: identity).
/// `max` is the largest key.
pub(crate) fn index_customers(keys: &[&[u64]], max: u64) -> (usize, Option<Vec<u64>>, DenseMap) {
    let total: usize = keys.iter().map(|k| k.len()).sum();
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

/// How events are encoded, as 32-bit words (chosen once per partition).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Codec {
    /// Usually one word per event; see [`Packed`].
    Packed(Packed),
    /// Any columns: the time (two words), the fields (two words: bits 0..16 channel, 16..32
    /// category, 32..48 local customer, 48 purchase, 49 "an amount follows"), the amount's
    /// bits when they are not all zero (two words), and the session id when the log has
    /// sessions (two words).
    Wide { session: bool },
}

/// The packed encoding, for logs without session and category columns: one 32-bit word per
/// event holding (from the lowest bit) "an amount follows", the purchase flag (only when the
/// log has a purchase column; otherwise every event is one), the channel position, the local
/// customer, and the time as a delta from the previous event of the same stream. A delta that
/// does not fit (or is negative, or is the stream's first event) is the escape value, and the
/// time follows in two words. The amount's bits follow in two words when they are not all zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Packed {
    purchase_bits: u32,
    channel_shift: u32,
    channel_mask: u32,
    local_shift: u32,
    local_mask: u32,
    delta_shift: u32,
    /// The largest delta field value, which means "escape".
    escape: u32,
}

/// The packed encoding needs at least this many delta bits to be worth it.
const MIN_DELTA_BITS: u32 = 6;

impl Packed {
    /// The packing for buckets of `2^shift` customers, if the layout allows it.
    fn new(layout: &Layout, has_purchase: bool, shift: u32) -> Option<Packed> {
        if layout.has_session || layout.category.is_some() {
            return None;
        }
        let channels = layout.channel.as_ref().map_or(0, |c| c.len());
        let channel_bits = usize::BITS - channels.saturating_sub(1).leading_zeros();
        let purchase_bits = u32::from(has_purchase);
        let channel_shift = 1 + purchase_bits;
        let local_shift = channel_shift + channel_bits;
        let delta_shift = local_shift + shift;
        let delta_bits = 32u32.checked_sub(delta_shift)?;
        (delta_bits >= MIN_DELTA_BITS).then(|| Packed {
            purchase_bits,
            channel_shift,
            channel_mask: (1u32 << channel_bits) - 1,
            local_shift,
            local_mask: (1u32 << shift) - 1,
            delta_shift,
            escape: (1u32 << delta_bits) - 1,
        })
    }

    /// The word's bits for the local customer, channel position and purchase flag.
    #[inline(always)]
    fn fields(&self, local: u32, channel: u16, purchase: bool) -> u32 {
        local << self.local_shift
            | u32::from(channel) << self.channel_shift
            | (u32::from(purchase) & self.purchase_bits) << 1
    }

    /// Appends one event (`fields` from [`Packed::fields`]); `prev` is the stream's previous
    /// time (0 at its start, as in `decode`). Deltas wrap, so `prev + delta` (wrapping) gives
    /// back `ts` for any pair of times.
    #[inline(always)]
    fn encode(&self, out: &mut Vec<u32>, prev: &mut i64, ts: i64, fields: u32, amount_bits: u64) {
        prefetch(out.as_ptr().wrapping_add(out.len() + PREFETCH_WORDS));
        let delta = ts.wrapping_sub(*prev) as u64;
        *prev = ts;
        let escape = delta >= u64::from(self.escape);
        let field = if escape { self.escape } else { delta as u32 };
        out.push(field << self.delta_shift | fields | u32::from(amount_bits != 0));
        if escape {
            push_u64(out, ts as u64);
        }
        if amount_bits != 0 {
            push_u64(out, amount_bits);
        }
    }

    /// Decodes the event at `words[*at]` (`prev`: the stream's previous time) and advances
    /// past it; `None` at the end (or on a truncated record, which encoding never produces).
    #[inline(always)]
    pub fn decode(&self, words: &[u32], at: &mut usize, prev: &mut i64) -> Option<Packet> {
        let word = *words.get(*at)?;
        let mut next = *at + 1;
        let delta = word >> self.delta_shift;
        let ts = if delta == self.escape {
            next += 2;
            read_u64(words, next - 2)? as i64
        } else {
            prev.wrapping_add(i64::from(delta))
        };
        *prev = ts;
        let amount = if word & 1 != 0 {
            next += 2;
            f64::from_bits(read_u64(words, next - 2)?)
        } else {
            0.0
        };
        *at = next;
        Some(Packet {
            ts,
            amount,
            local: (word >> self.local_shift & self.local_mask) as u16,
            channel: (word >> self.channel_shift & self.channel_mask) as u16,
            purchase: self.purchase_bits == 0 || word & 2 != 0,
        })
    }
}

/// Asks the CPU to start loading the cache line that holds `p`. Partitioning writes a stream
/// per bucket and reads several columns: more streams than hardware prefetchers follow.
#[inline(always)]
fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `prefetcht0` is only a hint: it never faults and has no architectural effect
    // (it reads and writes no memory as far as the program can observe), whatever the address,
    // so any pointer value is fine, even one past the end of an allocation. Its one
    // requirement, SSE, is part of every x86_64 target.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// How far ahead (in rows) partitioning prefetches its input columns.
const PREFETCH_ROWS: usize = 256;
/// How far ahead (in words) partitioning prefetches a bucket's stream.
const PREFETCH_WORDS: usize = 32;

/// One decoded packed event.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Packet {
    pub ts: i64,
    pub amount: f64,
    pub local: u16,
    pub channel: u16,
    pub purchase: bool,
}

#[inline(always)]
fn push_u64(out: &mut Vec<u32>, x: u64) {
    out.push(x as u32);
    out.push((x >> 32) as u32);
}

#[inline(always)]
fn read_u64(words: &[u32], at: usize) -> Option<u64> {
    let lo = *words.get(at)?;
    let hi = *words.get(at + 1)?;
    Some(u64::from(hi) << 32 | u64::from(lo))
}

const WIDE_PURCHASE_BIT: u64 = 1 << 48;
const WIDE_AMOUNT_BIT: u64 = 1 << 49;

impl Codec {
    /// The events of one stream, decoded.
    pub fn events(self, words: &[u32]) -> impl Iterator<Item = Ev> + '_ {
        let mut at = 0;
        let mut prev = 0;
        std::iter::from_fn(move || match self {
            Codec::Packed(p) => p.decode(words, &mut at, &mut prev).map(|e| Ev {
                ts: e.ts,
                amount: e.amount,
                session: 0,
                local: e.local,
                channel: e.channel,
                category: 0,
                purchase: e.purchase,
            }),
            Codec::Wide { session } => {
                let i = at;
                let ts = read_u64(words, i)? as i64;
                let meta = read_u64(words, i + 2)?;
                let mut next = i + 4;
                let mut amount = 0.0;
                if meta & WIDE_AMOUNT_BIT != 0 {
                    amount = f64::from_bits(read_u64(words, next)?);
                    next += 2;
                }
                let mut sess = 0;
                if session {
                    sess = read_u64(words, next)?;
                    next += 2;
                }
                at = next;
                Some(Ev {
                    ts,
                    amount,
                    session: sess,
                    local: (meta >> 32) as u16,
                    channel: meta as u16,
                    category: (meta >> 16) as u16,
                    purchase: meta & WIDE_PURCHASE_BIT != 0,
                })
            }
        })
    }
}

/// The encoded events of one bucket from one thread's rows, in row order.
pub(crate) type Words = Vec<u32>;

/// One thread's share of the rows, partitioned by bucket.
struct Chunk {
    buckets: Vec<Words>,
}

/// The event log (rows with `timestamp <= until`) encoded and partitioned into buckets of
/// `2^shift` consecutive dense customers. Partitioning streams through the input once, so it is
/// cache-friendly however the rows are ordered.
pub(crate) struct Partition {
    n_customers: usize,
    /// Dense index -> customer id (ascending); `None` when ids are their own dense index.
    ids: Option<Vec<u64>>,
    extra_dense: Vec<u32>,
    shift: u32,
    n_buckets: usize,
    codec: Codec,
    chunks: Vec<Chunk>,
    /// Bit set of dense customers with at least one event (at or before `until`).
    present: Vec<u64>,
    /// Some amount failed validation (the caller reports it with `EventLog::validate`).
    bad_amount: bool,
}

impl Partition {
    /// Partitions the rows of `log` with `timestamp <= until`. `extra` keys (label customers)
    /// get dense indices too, without events.
    ///
    /// Amounts are checked on the way (every row, whatever its time): when one is invalid,
    /// [`Partition::bad_amount`] is true and the partition must not be used.
    pub fn new(log: &EventLog, layout: &Layout, extra: &[u64], until: i64) -> Result<Self> {
        Self::build(log, layout, extra, until, true)
    }

    /// [`Partition::new`], with the packed encoding only if `packed` (tests compare both).
    pub(crate) fn build(
        log: &EventLog,
        layout: &Layout,
        extra: &[u64],
        until: i64,
        packed: bool,
    ) -> Result<Self> {
        if log.len() > u32::MAX as usize || extra.len() > u32::MAX as usize {
            return Err(Ki3Error::param(
                "events",
                "at most 4,294,967,295 events or labels per call; use FeatureAggregator \
                 partitions or several calls",
            ));
        }
        let max = max_key(log.customer).max(max_key(extra));
        let (n, ids, map) = index_customers(&[log.customer, extra], max);
        let extra_dense = extra.par_iter().map(|id| map.get(*id)).collect();
        // Buckets of up to 2^13..2^14 customers: their running states (about 150 bytes each)
        // stay in a core's L2 cache while a bucket is processed. Smaller buckets when there
        // are few customers, so every thread gets work.
        let shift = (n / 64).clamp(64, 1 << 14).ilog2();
        let n_buckets = n.div_ceil(1 << shift).max(1);
        let codec = Packed::new(layout, log.purchase.is_some(), shift)
            .filter(|_| packed)
            .map_or(
                Codec::Wide {
                    session: layout.has_session,
                },
                Codec::Packed,
            );
        let threads = rayon::current_num_threads().max(1);
        let chunk_rows = log.len().div_ceil(threads * 4).max(1 << 16);
        let words = n.div_ceil(64);
        let plan = Plan {
            log,
            layout,
            map: &map,
            shift,
            n_buckets,
            n_customers: n,
            words,
            until,
            codec,
        };
        let parts: Vec<(Chunk, Vec<u64>, bool)> = (0..log.len().div_ceil(chunk_rows))
            .into_par_iter()
            .map(|c| plan.partition(c * chunk_rows..((c + 1) * chunk_rows).min(log.len())))
            .collect();
        let mut present = vec![0u64; words];
        let mut chunks = Vec::with_capacity(parts.len());
        let mut bad_amount = false;
        for (chunk, bits, bad) in parts {
            present.iter_mut().zip(bits).for_each(|(p, b)| *p |= b);
            chunks.push(chunk);
            bad_amount |= bad;
        }
        Ok(Partition {
            n_customers: n,
            ids,
            extra_dense,
            shift,
            n_buckets,
            codec,
            chunks,
            present,
            bad_amount,
        })
    }

    /// Whether an amount failed validation while partitioning.
    pub fn bad_amount(&self) -> bool {
        self.bad_amount
    }

    pub fn n_buckets(&self) -> usize {
        self.n_buckets
    }

    pub fn codec(&self) -> Codec {
        self.codec
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
        let r = self.customers(b);
        if r.is_empty() {
            return 0;
        }
        // Buckets hold at least 64 customers and start at multiples of 64.
        let (lo, hi) = (r.start / 64, r.end.div_ceil(64));
        let mut count: usize = self.present[lo..hi]
            .iter()
            .map(|w| w.count_ones() as usize)
            .sum();
        if !r.end.is_multiple_of(64) {
            count -= (self.present[hi - 1] >> (r.end % 64)).count_ones() as usize;
        }
        count
    }

    /// Dense indices of the `extra` keys.
    pub fn extra_dense(&self) -> &[u32] {
        &self.extra_dense
    }

    /// The encoded events of bucket `b`, in row order: one stream per thread's share of rows.
    pub fn words(&self, b: usize) -> impl Iterator<Item = &[u32]> {
        self.chunks.iter().map(move |c| c.buckets[b].as_slice())
    }

    /// The events of bucket `b` in row order (`local` names the customer).
    pub fn events(&self, b: usize) -> impl Iterator<Item = Ev> + '_ {
        let codec = self.codec;
        self.words(b).flat_map(move |w| codec.events(w))
    }

    /// Gathers bucket `b` into `out`: its events grouped by customer, each group in canonical
    /// order.
    pub fn gather(&self, b: usize, out: &mut Bucket) {
        let customers = self.customers(b);
        out.first = customers.start;
        out.rows.clear();
        out.rows.extend(self.events(b));
        out.offsets.clear();
        out.offsets.resize(customers.len() + 1, 0);
        for e in &out.rows {
            if let Some(o) = out.offsets.get_mut(e.local as usize + 1) {
                *o += 1;
            }
        }
        for i in 0..customers.len() {
            out.offsets[i + 1] += out.offsets[i];
        }
        out.cursor.clear();
        out.cursor
            .extend_from_slice(&out.offsets[..customers.len()]);
        out.events.clear();
        out.events.resize(out.offsets[customers.len()], BLANK);
        for e in &out.rows {
            if let Some(at) = out.cursor.get_mut(e.local as usize) {
                out.events[*at] = *e;
                *at += 1;
            }
        }
        for w in out.offsets.windows(2) {
            let g = &mut out.events[w[0]..w[1]];
            if !g.is_sorted_by(|a, b| a.canonical_cmp(b) != Ordering::Greater) {
                g.sort_unstable_by(Ev::canonical_cmp);
            }
        }
    }
}

/// Everything one thread needs to partition its rows.
struct Plan<'a> {
    log: &'a EventLog<'a>,
    layout: &'a Layout,
    map: &'a DenseMap,
    shift: u32,
    n_buckets: usize,
    n_customers: usize,
    words: usize,
    until: i64,
    codec: Codec,
}

impl Plan<'_> {
    /// Partitions one range of rows: returns its buckets, its present customers and whether an
    /// amount is invalid.
    fn partition(&self, rows: Range<usize>) -> (Chunk, Vec<u64>, bool) {
        // Room for the expected share of the rows (uniform customers), grown when needed.
        let words_per_row = match self.codec {
            Codec::Packed(_) => 1.25,
            Codec::Wide { session } => 5.0 + if session { 2.0 } else { 0.0 },
        };
        let n_rows = rows.len() as f64;
        let per_bucket = |b: usize| {
            let r = (b << self.shift).min(self.n_customers)
                ..((b + 1) << self.shift).min(self.n_customers);
            let share = n_rows * r.len() as f64 / self.n_customers.max(1) as f64;
            (share * words_per_row) as usize + 16
        };
        let mut buckets: Vec<Words> = (0..self.n_buckets)
            .map(|b| Vec::with_capacity(per_bucket(b)))
            .collect();
        let mut present = vec![0u64; self.words];
        let log = self.log;
        let cols = Cols {
            customer: &log.customer[rows.clone()],
            ts: &log.timestamp[rows.clone()],
            amount: log.amount.map_or(&[][..], |a| &a[rows.clone()]),
            purchase: log.purchase.map_or(&[][..], |p| &p[rows.clone()]),
            channel: log.channel.map_or(&[][..], |c| &c[rows.clone()]),
            category: log.category.map_or(&[][..], |c| &c[rows.clone()]),
            session: log.session.map_or(&[][..], |s| &s[rows.clone()]),
        };
        let out = (&mut buckets[..], &mut present[..]);
        let bad = match self.codec {
            Codec::Packed(p) => {
                let channel = self
                    .layout
                    .channel
                    .as_ref()
                    .filter(|_| !cols.channel.is_empty());
                let amount = !cols.amount.is_empty();
                let purchase = !cols.purchase.is_empty();
                macro_rules! packed {
                    ($($a:literal, $p:literal;)*) => {
                        match (amount, purchase, channel) {
                            $(
                                ($a, $p, Some(ix)) => {
                                    self.packed::<$a, $p, _>(&cols, p, |c| ix.position(c), out)
                                }
                                ($a, $p, None) => self.packed::<$a, $p, _>(&cols, p, |_| 0, out),
                            )*
                        }
                    };
                }
                packed!(true, true; true, false; false, true; false, false;)
            }
            Codec::Wide { session } => self.wide(&cols, session, out),
        };
        (Chunk { buckets }, present, bad)
    }

    /// The packed encoder, specialised on which columns exist (`channel` maps a code to its
    /// position; absent columns are empty).
    #[inline(always)]
    fn packed<const AMOUNT: bool, const PURCHASE: bool, F: Fn(u32) -> u16>(
        &self,
        cols: &Cols,
        packed: Packed,
        channel: F,
        (buckets, present): (&mut [Words], &mut [u64]),
    ) -> bool {
        let shift = self.shift;
        let mask = (1u32 << shift) - 1;
        let has_channel = !cols.channel.is_empty();
        let mut prev = vec![0i64; buckets.len()];
        let mut bad = false;
        for (i, (id, t)) in cols.customer.iter().zip(cols.ts).enumerate() {
            if i.is_multiple_of(8) {
                cols.prefetch(i + PREFETCH_ROWS);
            }
            let bits = if AMOUNT {
                cols.amount.get(i).map_or(0, |a| a.to_bits())
            } else {
                0
            };
            bad |= bad_amount_bits(bits);
            if *t > self.until {
                continue;
            }
            let d = self.map.get(*id);
            let purchase = !PURCHASE || cols.purchase.get(i).copied().unwrap_or(true);
            let code = if has_channel {
                cols.channel.get(i).map_or(0, |c| channel(*c))
            } else {
                0
            };
            if let Some(p) = present.get_mut(d as usize / 64) {
                *p |= 1 << (d % 64);
            }
            let b = (d >> shift) as usize;
            if let (Some(out), Some(prev)) = (buckets.get_mut(b), prev.get_mut(b)) {
                let fields = packed.fields(d & mask, code, purchase);
                packed.encode(out, prev, *t, fields, bits);
            }
        }
        bad
    }

    /// The wide encoder (any columns).
    fn wide(
        &self,
        cols: &Cols,
        session: bool,
        (buckets, present): (&mut [Words], &mut [u64]),
    ) -> bool {
        let shift = self.shift;
        let mask = (1u32 << shift) - 1;
        let channel = self.layout.channel.as_ref();
        let category = self.layout.category.as_ref();
        let mut bad = false;
        for (i, (id, t)) in cols.customer.iter().zip(cols.ts).enumerate() {
            if i.is_multiple_of(8) {
                cols.prefetch(i + PREFETCH_ROWS);
            }
            let bits = cols.amount.get(i).map_or(0, |a| a.to_bits());
            bad |= bad_amount_bits(bits);
            if *t > self.until {
                continue;
            }
            let d = self.map.get(*id);
            let purchase = cols.purchase.get(i).copied().unwrap_or(true);
            let ch = channel
                .zip(cols.channel.get(i))
                .map_or(0, |(ix, c)| ix.position(*c));
            let cat = category
                .zip(cols.category.get(i))
                .map_or(0, |(ix, c)| ix.position(*c));
            let meta = u64::from(ch)
                | u64::from(cat) << 16
                | u64::from(d & mask) << 32
                | if purchase { WIDE_PURCHASE_BIT } else { 0 }
                | if bits != 0 { WIDE_AMOUNT_BIT } else { 0 };
            if let Some(p) = present.get_mut(d as usize / 64) {
                *p |= 1 << (d % 64);
            }
            if let Some(out) = buckets.get_mut((d >> shift) as usize) {
                prefetch(out.as_ptr().wrapping_add(out.len() + PREFETCH_WORDS));
                push_u64(out, *t as u64);
                push_u64(out, meta);
                if bits != 0 {
                    push_u64(out, bits);
                }
                if session {
                    push_u64(out, cols.session.get(i).copied().unwrap_or(0));
                }
            }
        }
        bad
    }
}

/// One thread's share of the input columns (absent columns are empty).
struct Cols<'a> {
    customer: &'a [u64],
    ts: &'a [i64],
    amount: &'a [f64],
    purchase: &'a [bool],
    channel: &'a [u32],
    category: &'a [u32],
    session: &'a [u64],
}

impl Cols<'_> {
    /// Prefetches row `i` of every column, when called every 8 rows (narrower columns every
    /// 16 or 64 rows).
    #[inline(always)]
    fn prefetch(&self, i: usize) {
        prefetch(self.customer.as_ptr().wrapping_add(i));
        prefetch(self.ts.as_ptr().wrapping_add(i));
        if !self.amount.is_empty() {
            prefetch(self.amount.as_ptr().wrapping_add(i));
        }
        if !self.session.is_empty() {
            prefetch(self.session.as_ptr().wrapping_add(i));
        }
        if i.is_multiple_of(16) {
            for c in [self.channel, self.category] {
                if !c.is_empty() {
                    prefetch(c.as_ptr().wrapping_add(i));
                }
            }
        }
        if i.is_multiple_of(64) && !self.purchase.is_empty() {
            prefetch(self.purchase.as_ptr().wrapping_add(i));
        }
    }
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
    /// Decoded events in row order.
    rows: Vec<Ev>,
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
