//! One-shot and historical (point-in-time) feature computation.

use rayon::prelude::*;

use super::accumulate::{Accumulator, Cutoffs};
use super::group::{Bucket, Partition};
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
    events.validate()?;
    let layout = Layout::new(spec, events)?;
    let part = Partition::new(events, &layout, &[], spec.as_of)?;
    let n_buckets = part.n_buckets();
    let present: Vec<usize> = (0..n_buckets)
        .into_par_iter()
        .map(|b| part.n_present(b))
        .collect();
    let width = layout.width();
    let cutoffs = Cutoffs::new(&layout, spec.as_of);
    let (customer, columns) = fill_blocks(&present, width, |b, cols, ids| {
        let mut row = vec![0.0; width];
        let mut k = 0;
        let mut put = |d: usize, row: &[f64]| {
            for (col, v) in cols.iter_mut().zip(row) {
                col[k] = *v;
            }
            ids[k] = part.id(d);
            k += 1;
        };
        let customers = part.customers(b);
        let mut scan = BucketScan::new(&layout);
        if BucketScan::applies(&layout) && scan.run(part.events(b), customers.len(), &cutoffs) {
            for d in customers.filter(|d| part.is_present(*d)) {
                scan.write(d - part.customers(b).start, spec.as_of, &mut row);
                put(d, &row);
            }
            return;
        }
        let mut acc = Accumulator::new(&layout);
        let mut bucket = Bucket::default();
        part.gather(b, &mut bucket);
        for d in customers.filter(|d| part.is_present(*d)) {
            let group = bucket.group(d);
            acc.reset();
            group.iter().for_each(|e| acc.push(e));
            acc.emit(spec.as_of, group, &mut row);
            put(d, &row);
        }
    });
    Ok(to_table(customer, &layout.names, columns))
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
    Ok(to_table(label_customer.to_vec(), &layout.names, columns))
}

/// Allocates `width` columns of `sum(rows)` rows and lets block `b` fill its contiguous range
/// of `rows[b]` rows (all columns and the customer ids), blocks in parallel.
pub(crate) fn fill_blocks<F>(rows: &[usize], width: usize, fill: F) -> (Vec<u64>, Vec<Vec<f64>>)
where
    F: Fn(usize, &mut [&mut [f64]], &mut [u64]) + Sync,
{
    let n_rows: usize = rows.iter().sum();
    // Separate allocations (not clones) so pages are zeroed lazily, in parallel, on first write.
    let mut columns: Vec<Vec<f64>> = (0..width).map(|_| vec![0.0; n_rows]).collect();
    let mut customer = vec![0u64; n_rows];
    let mut blocks: Vec<(Vec<&mut [f64]>, &mut [u64])> = Vec::with_capacity(rows.len());
    let mut rest = customer.as_mut_slice();
    for len in rows {
        let (head, tail) = rest.split_at_mut(*len);
        blocks.push((Vec::with_capacity(width), head));
        rest = tail;
    }
    for column in columns.iter_mut() {
        let mut rest = column.as_mut_slice();
        for (block, len) in blocks.iter_mut().zip(rows) {
            let (head, tail) = rest.split_at_mut(*len);
            block.0.push(head);
            rest = tail;
        }
    }
    blocks
        .into_par_iter()
        .enumerate()
        .for_each(|(b, (mut cols, ids))| fill(b, &mut cols, ids));
    (customer, columns)
}

fn to_table(customer: Vec<u64>, names: &[String], columns: Vec<Vec<f64>>) -> FeatureTable {
    let columns = names
        .iter()
        .zip(columns)
        .map(|(name, values)| FeatureColumn {
            name: name.clone(),
            values,
        })
        .collect();
    FeatureTable { customer, columns }
}
