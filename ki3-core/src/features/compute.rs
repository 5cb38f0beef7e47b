//! One-shot and historical (point-in-time) feature computation.

use rayon::prelude::*;

use super::accumulate::Accumulator;
use super::group::{group_events, index_customers};
use super::layout::Layout;
use super::spec::FeatureSpec;
use super::table::{FeatureColumn, FeatureTable};
use crate::error::{Ki3Error, Result};
use crate::events::EventLog;

/// Customer features as of `spec.as_of`: one row per customer with at least one event at or
/// before `as_of`, rows in ascending customer id. Events after `as_of` never count; an `as_of`
/// before every event gives an empty table. See the [module docs](super) for the columns.
///
/// Work is parallel over customers; every customer's events are put in a canonical order first,
/// so results do not depend on row order or thread count.
pub fn customer_features(events: &EventLog, spec: &FeatureSpec) -> Result<FeatureTable> {
    events.validate()?;
    let layout = Layout::new(spec, events)?;
    let index = index_customers(&[events.customer]);
    let n = index.ids.len();
    let grouped = group_events(events, &layout, &index.dense, n, spec.as_of);
    let present: Vec<usize> = (0..n)
        .filter(|d| grouped.offsets[*d + 1] > grouped.offsets[*d])
        .collect();
    let width = layout.width();
    let mut rows = vec![0.0; present.len() * width];
    rows.par_chunks_mut(width.max(1) * 256)
        .zip(present.par_chunks(256))
        .for_each(|(out, customers)| {
            let mut acc = Accumulator::new(&layout);
            for (row, d) in out.chunks_mut(width.max(1)).zip(customers) {
                let group = grouped.group(*d);
                acc.reset();
                group.iter().for_each(|e| acc.push(e));
                acc.emit(spec.as_of, group, row);
            }
        });
    let customer = present.iter().map(|d| index.ids[*d]).collect();
    Ok(to_table(customer, &layout.names, &rows))
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
            expected_arg: "labels".into(),
            expected: label_customer.len(),
        });
    }
    let layout = Layout::new(spec, events)?;
    let index = index_customers(&[events.customer, label_customer]);
    let n = index.ids.len();
    let (event_dense, label_dense) = index.dense.split_at(events.len());
    let grouped = group_events(events, &layout, event_dense, n, i64::MAX);

    let mut labels: Vec<u32> = (0..label_customer.len() as u32).collect();
    labels.par_sort_unstable_by_key(|i| (label_dense[*i as usize], label_time[*i as usize], *i));
    // Runs of labels that share a customer.
    let mut runs: Vec<&[u32]> = labels
        .chunk_by(|a, b| label_dense[*a as usize] == label_dense[*b as usize])
        .collect();
    let width = layout.width();
    let results: Vec<(u32, Vec<f64>)> = runs
        .par_iter_mut()
        .with_min_len(64)
        .flat_map_iter(|run| {
            let mut acc = Accumulator::new(&layout);
            let group = grouped.group(label_dense[run[0] as usize] as usize);
            let mut pushed = 0;
            let mut out = Vec::with_capacity(run.len());
            for &label in run.iter() {
                let t = label_time[label as usize];
                while pushed < group.len() && group[pushed].ts <= t {
                    acc.push(&group[pushed]);
                    pushed += 1;
                }
                let mut row = vec![0.0; width];
                acc.emit(t, &group[..pushed], &mut row);
                out.push((label, row));
            }
            out
        })
        .collect();
    let mut rows = vec![0.0; label_customer.len() * width];
    for (label, row) in results {
        let at = label as usize * width;
        rows[at..at + width].copy_from_slice(&row);
    }
    Ok(to_table(label_customer.to_vec(), &layout.names, &rows))
}

/// Row-major buffer to named columns.
fn to_table(customer: Vec<u64>, names: &[String], rows: &[f64]) -> FeatureTable {
    let width = names.len();
    let n = customer.len();
    let columns = names
        .par_iter()
        .enumerate()
        .map(|(j, name)| FeatureColumn {
            name: name.clone(),
            values: (0..n).map(|i| rows[i * width + j]).collect(),
        })
        .collect();
    FeatureTable { customer, columns }
}
