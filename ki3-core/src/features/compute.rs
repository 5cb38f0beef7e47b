//! One-shot and historical (point-in-time) feature computation.

use rayon::prelude::*;

use super::accumulate::Accumulator;
use super::group::{Bucket, Partition};
use super::layout::Layout;
use super::spec::FeatureSpec;
use super::table::{FeatureColumn, FeatureTable};
use crate::error::{Ki3Error, Result};
use crate::events::EventLog;

/// Customer features as of `spec.as_of`: one row per customer with at least one event at or
/// before `as_of`, rows in ascending customer id. Events after `as_of` never count; an `as_of`
/// before every event gives an empty table. See the [module docs](super) for the columns.
///
/// Work is parallel over buckets of customers; every customer's events are put in a canonical
/// order first, so results do not depend on row order or thread count.
pub fn customer_features(events: &EventLog, spec: &FeatureSpec) -> Result<FeatureTable> {
    events.validate()?;
    let layout = Layout::new(spec, events)?;
    let part = Partition::new(events, &layout, &[], spec.as_of)?;
    let n_buckets = part.n_buckets();
    let present: Vec<usize> = (0..n_buckets)
        .into_par_iter()
        .map(|b| part.n_present(b))
        .collect();
    let n_rows: usize = present.iter().sum();
    let width = layout.width();
    // Separate allocations (not clones) so pages are zeroed lazily, in parallel, on first write.
    let mut columns: Vec<Vec<f64>> = (0..width).map(|_| vec![0.0; n_rows]).collect();
    let mut customer = vec![0u64; n_rows];
    // Each bucket writes a contiguous block of rows in every column.
    let mut blocks: Vec<(Vec<&mut [f64]>, &mut [u64])> = Vec::with_capacity(n_buckets);
    let mut rest_customer = customer.as_mut_slice();
    for len in &present {
        let (head, tail) = rest_customer.split_at_mut(*len);
        blocks.push((Vec::with_capacity(width), head));
        rest_customer = tail;
    }
    for column in columns.iter_mut() {
        let mut rest = column.as_mut_slice();
        for (block, len) in blocks.iter_mut().zip(&present) {
            let (head, tail) = rest.split_at_mut(*len);
            block.0.push(head);
            rest = tail;
        }
    }
    blocks.into_par_iter().enumerate().for_each_init(
        || {
            (
                Accumulator::new(&layout),
                Bucket::default(),
                vec![0.0; width],
            )
        },
        |(acc, bucket, row), (b, (mut cols, ids))| {
            part.gather(b, bucket);
            let mut k = 0;
            for d in part.customers(b) {
                if !part.is_present(d) {
                    continue;
                }
                let group = bucket.group(d);
                acc.reset();
                group.iter().for_each(|e| acc.push(e));
                acc.emit(spec.as_of, group, row);
                for (col, v) in cols.iter_mut().zip(row.iter()) {
                    col[k] = *v;
                }
                ids[k] = part.id(d);
                k += 1;
            }
        },
    );
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
