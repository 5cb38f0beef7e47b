//! One-shot and historical (point-in-time) feature computation.

use std::mem::MaybeUninit;

use rayon::prelude::*;

use super::accumulate::{Accumulator, Cutoffs};
use super::group::{Bucket, Codec, Partition};
use super::layout::Layout;
use super::scan::BucketScan;
use super::spec::FeatureSpec;
use super::table::{FeatureColumn, FeatureTable};
use crate::error::{Ki3Error, Result};
use crate::events::EventLog;

/// Customer features as of `spec.as_of`: one row per customer with at least one event at or
/// before `as_of`, rows in ascending customer id. Events after `as_of` never count; an `as_of`
/// before every event gives an empty table. See the [module docs](super) for the columns.
///
/// Work is parallel over buckets of customers. Each customer's events are fed to the kernel in a
/// canonical order (by time, then content): in one pass when the rows already are (the common
/// case), otherwise after sorting. Results do not depend on row order or thread count.
pub fn customer_features(events: &EventLog, spec: &FeatureSpec) -> Result<FeatureTable> {
    // Amounts are checked while partitioning (one read of the column instead of two). Any
    // error runs the full validation first, so errors come in the same order as validating
    // up front would give.
    let checked = events.check_lengths().and_then(|()| {
        let layout = Layout::new(spec, events)?;
        let part = Partition::new(events, &layout, &[], spec.as_of)?;
        Ok((layout, part))
    });
    let (layout, part) = match checked {
        Ok(done) => {
            if done.1.bad_amount() {
                events.validate()?;
            }
            done
        }
        Err(e) => {
            events.validate()?;
            return Err(e);
        }
    };
    let present: Vec<usize> = (0..part.n_buckets())
        .into_par_iter()
        .map(|b| part.n_present(b))
        .collect();
    let width = layout.width();
    let cutoffs = Cutoffs::new(&layout, spec.as_of);
    let scratch = || Scratch {
        scan: BucketScan::new(&layout),
        acc: Accumulator::new(&layout),
        bucket: Bucket::default(),
        row: vec![0.0; width],
    };
    let (customer, columns) = fill_blocks(&present, width, scratch, |s, b, out| {
        let customers = part.customers(b);
        let first = customers.start;
        let scanned = BucketScan::applies(&layout)
            && match part.codec() {
                Codec::Packed(p) => s
                    .scan
                    .run_packed(part.words(b), p, customers.len(), &cutoffs),
                Codec::Wide { .. } => s.scan.run(part.events(b), customers.len(), &cutoffs),
            };
        if scanned {
            for d in customers.filter(|d| part.is_present(*d)) {
                let scan = &mut s.scan;
                out.push_with(part.id(d), |row| {
                    scan.write_with(d - first, spec.as_of, |v| row.put(v))
                });
            }
            return;
        }
        part.gather(b, &mut s.bucket);
        for d in customers.filter(|d| part.is_present(*d)) {
            let group = s.bucket.group(d);
            s.acc.reset();
            group.iter().for_each(|e| s.acc.push(e));
            s.acc.emit(spec.as_of, group, &mut s.row);
            out.push(part.id(d), &s.row);
        }
    });
    Ok(to_table(customer, &layout, columns))
}

/// One thread's reusable buffers.
struct Scratch<'l> {
    scan: BucketScan<'l>,
    acc: Accumulator<'l>,
    bucket: Bucket,
    row: Vec<f64>,
}

/// Training-set features: row `i` holds the features of `label_customer[i]` as of
/// `label_time[i]`, using only that customer's events at or before that time (Feast's
/// `get_historical_features` semantics; no leakage). `spec.as_of` is not used.
///
/// Events are grouped and sorted once; each customer's labels are visited in time order by one
/// running accumulator, so cumulative features are never recomputed per label. A label whose
/// customer has no earlier event gets zero counts and NaN for undefined features.
pub fn historical_features(
    events: &EventLog,
    label_customer: &[u64],
    label_time: &[i64],
    spec: &FeatureSpec,
) -> Result<FeatureTable> {
    events.validate()?;
    if label_time.len() != label_customer.len() {
        return Err(Ki3Error::LengthMismatch {
            arg: "label_time".into(),
            got: label_time.len(),
            expected_arg: "label_customer".into(),
            expected: label_customer.len(),
        });
    }
    let layout = Layout::new(spec, events)?;
    let part = Partition::new(events, &layout, label_customer, i64::MAX)?;
    let label_dense = part.extra_dense();
    let mut labels: Vec<u32> = (0..label_customer.len() as u32).collect();
    labels.par_sort_unstable_by_key(|i| (label_dense[*i as usize], label_time[*i as usize], *i));
    let width = layout.width();
    let results: Vec<(u32, Vec<f64>)> = (0..part.n_buckets())
        .into_par_iter()
        .flat_map_iter(|b| {
            let customers = part.customers(b);
            let lo =
                labels.partition_point(|l| (label_dense[*l as usize] as usize) < customers.start);
            let hi =
                labels.partition_point(|l| (label_dense[*l as usize] as usize) < customers.end);
            let mut out = Vec::with_capacity(hi - lo);
            if lo == hi {
                return out;
            }
            let mut bucket = Bucket::default();
            part.gather(b, &mut bucket);
            let mut acc = Accumulator::new(&layout);
            for run in
                labels[lo..hi].chunk_by(|a, b| label_dense[*a as usize] == label_dense[*b as usize])
            {
                let group = bucket.group(label_dense[run[0] as usize] as usize);
                acc.reset();
                let mut pushed = 0;
                for &label in run {
                    let t = label_time[label as usize];
                    while pushed < group.len() && group[pushed].ts <= t {
                        acc.push(&group[pushed]);
                        pushed += 1;
                    }
                    let mut row = vec![0.0; width];
                    acc.emit(t, &group[..pushed], &mut row);
                    out.push((label, row));
                }
            }
            out
        })
        .collect();
    let mut columns: Vec<Vec<f64>> = (0..width)
        .map(|_| vec![0.0; label_customer.len()])
        .collect();
    for (label, row) in results {
        for (col, v) in columns.iter_mut().zip(row) {
            col[label as usize] = v;
        }
    }
    Ok(to_table(label_customer.to_vec(), &layout, columns))
}

/// Allocates `width` columns of `sum(rows)` rows and lets block `b` fill its contiguous range
/// of `rows[b]` rows (all columns and the customer ids) through a [`BlockRows`], blocks in
/// parallel; each thread reuses one `init()` scratch value.
pub(crate) fn fill_blocks<S, I, F>(
    rows: &[usize],
    width: usize,
    init: I,
    fill: F,
) -> (Vec<u64>, Vec<Vec<f64>>)
where
    I: Fn() -> S + Sync + Send,
    F: Fn(&mut S, usize, &mut BlockRows<'_>) + Sync,
{
    let n_rows: usize = rows.iter().sum();
    // Uninitialised: every value is written exactly once, by its block (no zeroing pass).
    let mut columns: Vec<Vec<f64>> = (0..width).map(|_| Vec::with_capacity(n_rows)).collect();
    let mut customer: Vec<u64> = Vec::with_capacity(n_rows);
    {
        let mut blocks: Vec<BlockRows<'_>> = Vec::with_capacity(rows.len());
        let mut rest = &mut customer.spare_capacity_mut()[..n_rows];
        for len in rows {
            let (head, tail) = rest.split_at_mut(*len);
            blocks.push(BlockRows {
                columns: Vec::with_capacity(width),
                ids: head,
                written: 0,
            });
            rest = tail;
        }
        for column in columns.iter_mut() {
            let mut rest = &mut column.spare_capacity_mut()[..n_rows];
            for (block, len) in blocks.iter_mut().zip(rows) {
                let (head, tail) = rest.split_at_mut(*len);
                block.columns.push(head);
                rest = tail;
            }
        }
        blocks
            .into_par_iter()
            .enumerate()
            .for_each_init(init, |s, (b, mut block)| {
                fill(s, b, &mut block);
                block.finish();
            });
    }
    // SAFETY: the blocks split the first `n_rows` spare slots of every vector into disjoint
    // ranges that together cover `0..n_rows` (the block lengths sum to `n_rows`), and every
    // block initialised all of its slots: `BlockRows::push` writes slot `written` of every
    // column and of the ids before advancing `written`, and `finish` (run after every fill,
    // before these lines) writes the slots from `written` to the end. A panic in a fill
    // propagates out of `for_each_init` before this point, with the lengths still 0.
    unsafe {
        customer.set_len(n_rows);
        for column in columns.iter_mut() {
            column.set_len(n_rows);
        }
    }
    (customer, columns)
}

/// The columns of one row being written, value by value.
pub(crate) struct RowSink<'b, 'a> {
    columns: std::slice::IterMut<'b, &'a mut [MaybeUninit<f64>]>,
    k: usize,
}

impl RowSink<'_, '_> {
    /// Writes the next column's value.
    #[inline]
    pub fn put(&mut self, v: f64) {
        if let Some(slot) = self.columns.next().and_then(|c| c.get_mut(self.k)) {
            slot.write(v);
        }
    }
}

/// The rows of one output block, written in order by [`BlockRows::push`].
pub(crate) struct BlockRows<'a> {
    columns: Vec<&'a mut [MaybeUninit<f64>]>,
    ids: &'a mut [MaybeUninit<u64>],
    /// Rows `0..written` are initialised in every column and in `ids`.
    written: usize,
}

impl BlockRows<'_> {
    /// Writes the next row: `values[j]` into column `j` (NaN where `values` is short). Rows
    /// beyond the block's length are ignored.
    #[inline]
    pub fn push(&mut self, id: u64, values: &[f64]) {
        self.push_with(id, |row| values.iter().for_each(|v| row.put(*v)));
    }

    /// Writes the next row with the values that `fill` gives its sink, in column order (NaN
    /// for columns it leaves out; values beyond the last column are ignored). Rows beyond the
    /// block's length are ignored.
    #[inline]
    pub fn push_with(&mut self, id: u64, fill: impl FnOnce(&mut RowSink<'_, '_>)) {
        let k = self.written;
        let Some(slot) = self.ids.get_mut(k) else {
            return;
        };
        slot.write(id);
        let mut row = RowSink {
            columns: self.columns.iter_mut(),
            k,
        };
        fill(&mut row);
        for column in row.columns {
            if let Some(slot) = column.get_mut(k) {
                slot.write(f64::NAN);
            }
        }
        self.written = k + 1;
    }

    /// Fills the rows not written (none when the block wrote all its rows) with NaN.
    fn finish(&mut self) {
        while self.written < self.ids.len() {
            self.push(0, &[]);
        }
    }
}

fn to_table(customer: Vec<u64>, layout: &Layout, columns: Vec<Vec<f64>>) -> FeatureTable {
    let columns = layout
        .names
        .iter()
        .zip(&layout.codes)
        .zip(columns)
        .map(|((name, codes), values)| FeatureColumn {
            name: name.clone(),
            values,
            codes: *codes,
        })
        .collect();
    FeatureTable {
        customer,
        columns,
        dictionaries: Default::default(),
    }
}

#[cfg(test)]
#[path = "compute_tests.rs"]
mod tests;
