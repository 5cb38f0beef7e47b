//! A mergeable, serialisable feature state for partitioned or streaming event logs.

use serde::{Deserialize, Serialize};

use super::compute::customer_features;
use super::spec::FeatureSpec;
use super::table::FeatureTable;
use crate::error::{Ki3Error, Result};
use crate::events::{EventLog, TimeUnit};
use crate::persist;

const KIND: &str = "FeatureAggregator";
const VERSION: u32 = 1;

/// Ingests event chunks in any order, merges with aggregators built on other partitions, travels
/// between processes as JSON, and `finish(spec)` gives exactly what [`customer_features`] gives
/// on all the events at once.
///
/// Because `finish` takes any `as_of` (and windows are relative to it), point-in-time
/// correctness needs each customer's event times: the state is therefore the compacted event
/// columns themselves, which merge by concatenation. Exactness follows from the canonical
/// per-customer event order of the feature kernel: any partitioning and merge order gives
/// bit-identical features.
///
/// The first chunk fixes the schema (time unit and which optional columns exist); later chunks
/// and merged aggregators must match it. An empty aggregator is the identity of `merge`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FeatureAggregator {
    unit: Option<TimeUnit>,
    customer: Vec<u64>,
    timestamp: Vec<i64>,
    amount: Option<Vec<f64>>,
    purchase: Option<Vec<bool>>,
    channel: Option<Vec<u32>>,
    category: Option<Vec<u32>>,
    session: Option<Vec<u64>>,
}

/// Which columns a state or chunk carries, for schema checks and messages.
fn schema_of(
    unit: TimeUnit,
    amount: bool,
    purchase: bool,
    channel: bool,
    category: bool,
    session: bool,
) -> String {
    let mut cols = vec![format!("customer, timestamp[{unit:?}]")];
    for (name, on) in [
        ("amount", amount),
        ("purchase", purchase),
        ("channel", channel),
        ("category", category),
        ("session", session),
    ] {
        if on {
            cols.push(name.to_string());
        }
    }
    cols.join(", ")
}

impl FeatureAggregator {
    /// An empty aggregator (no schema yet).
    pub fn new() -> Self {
        Self::default()
    }

    /// The time unit fixed by the first chunk (`None` while empty).
    pub fn unit(&self) -> Option<TimeUnit> {
        self.unit
    }

    /// Number of events ingested.
    pub fn n_events(&self) -> usize {
        self.customer.len()
    }

    fn schema(&self) -> Option<String> {
        self.unit.map(|u| {
            schema_of(
                u,
                self.amount.is_some(),
                self.purchase.is_some(),
                self.channel.is_some(),
                self.category.is_some(),
                self.session.is_some(),
            )
        })
    }

    /// Adds a chunk of events. The chunk is validated first; a rejected chunk leaves the state
    /// unchanged.
    pub fn update(&mut self, events: &EventLog) -> Result<()> {
        events.validate()?;
        let chunk = schema_of(
            events.unit,
            events.amount.is_some(),
            events.purchase.is_some(),
            events.channel.is_some(),
            events.category.is_some(),
            events.session.is_some(),
        );
        match self.schema() {
            None => {
                self.unit = Some(events.unit);
                self.amount = events.amount.map(|_| Vec::new());
                self.purchase = events.purchase.map(|_| Vec::new());
                self.channel = events.channel.map(|_| Vec::new());
                self.category = events.category.map(|_| Vec::new());
                self.session = events.session.map(|_| Vec::new());
            }
            Some(own) if own != chunk => {
                return Err(Ki3Error::param(
                    "events",
                    format!("chunk has columns ({chunk}) but the aggregator has ({own})"),
                ));
            }
            Some(_) => {}
        }
        self.customer.extend_from_slice(events.customer);
        self.timestamp.extend_from_slice(events.timestamp);
        extend(&mut self.amount, events.amount);
        extend(&mut self.purchase, events.purchase);
        extend(&mut self.channel, events.channel);
        extend(&mut self.category, events.category);
        extend(&mut self.session, events.session);
        Ok(())
    }

    /// Adds everything `other` has ingested. Schemas must match unless one side is empty.
    pub fn merge(&mut self, other: &FeatureAggregator) -> Result<()> {
        if other.unit.is_none() {
            return Ok(());
        }
        let log = other.log();
        self.update(&log)
    }

    /// The features of everything ingested, as [`customer_features`] computes them.
    pub fn finish(&self, spec: &FeatureSpec) -> Result<FeatureTable> {
        customer_features(&self.log(), spec)
    }

    /// The ingested events as a borrowed log.
    pub fn log(&self) -> EventLog<'_> {
        EventLog {
            customer: &self.customer,
            timestamp: &self.timestamp,
            unit: self.unit.unwrap_or_default(),
            amount: self.amount.as_deref(),
            purchase: self.purchase.as_deref(),
            channel: self.channel.as_deref(),
            category: self.category.as_deref(),
            session: self.session.as_deref(),
        }
    }

    /// Saves the state in the ki3 JSON envelope (kind `FeatureAggregator`, version 1).
    pub fn to_json(&self) -> Result<String> {
        persist::to_json(KIND, VERSION, self)
    }

    /// Loads and validates a saved state; anything inconsistent is [`Ki3Error::Corrupt`].
    pub fn from_json(text: &str) -> Result<Self> {
        let state: FeatureAggregator = persist::from_json(text, KIND, VERSION)?;
        if state.unit.is_none() && !state.customer.is_empty() {
            return Err(Ki3Error::corrupt("events without a time unit"));
        }
        state
            .log()
            .validate()
            .map_err(|e| Ki3Error::corrupt(format!("{KIND}: {e}")))?;
        Ok(state)
    }
}

fn extend<T: Copy>(own: &mut Option<Vec<T>>, chunk: Option<&[T]>) {
    if let (Some(own), Some(chunk)) = (own.as_mut(), chunk) {
        own.extend_from_slice(chunk);
    }
}
