//! A mergeable, serialisable feature state for partitioned or streaming event logs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::compute::customer_features;
use super::spec::FeatureSpec;
use super::table::{Dictionaries, FeatureTable, Field};
use crate::data::dictionary::{Dictionary, Label, NewOrder, Staged};
use crate::error::{Ki3Error, Result};
use crate::events::{EventLog, TimeUnit};
use crate::persist;

pub(crate) const KIND: &str = "FeatureAggregator";
/// Version 2 adds the dictionaries and the column names. A state without either is written as
/// version 1 (what older builds read); both versions load.
pub(crate) const VERSION: u32 = 2;

/// The roles whose face column names an aggregator can keep.
const ROLES: [&str; 7] = [
    "customer",
    "timestamp",
    "amount",
    "purchase",
    "channel",
    "category",
    "session",
];

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
/// Customer ids, channels, categories and sessions are either integer codes or labels (string
/// ids and names, see [`update_labeled`](Self::update_labeled)) coded through dictionaries that
/// the aggregator owns, merges and saves. `finish` re-codes labels in sorted order first, so
/// rows and ties come out as a one-shot computation on the labels gives them.
///
/// The first chunk fixes the schema (time unit, which optional columns exist, which fields hold
/// labels); later chunks and merged aggregators must match it. An empty aggregator is the
/// identity of `merge`.
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
    /// Dictionaries of the fields that hold labels (their columns hold codes into them).
    #[serde(default, skip_serializing_if = "Dictionaries::is_empty")]
    dictionaries: Dictionaries,
    /// The column names a face uses for each role (kept and saved, not interpreted).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    columns: BTreeMap<String, Label>,
}

/// Which columns a state or chunk carries, for schema checks and messages.
fn schema_of(unit: TimeUnit, log: &EventLog, labels: &Dictionaries) -> String {
    let tag = |field: Field| {
        if labels.get(field).is_some() {
            "[labels]"
        } else {
            ""
        }
    };
    let mut cols = vec![format!(
        "customer{}, timestamp[{unit:?}]",
        tag(Field::Customer)
    )];
    for (name, on, field) in [
        ("amount", log.amount.is_some(), None),
        ("purchase", log.purchase.is_some(), None),
        ("channel", log.channel.is_some(), Some(Field::Channel)),
        ("category", log.category.is_some(), Some(Field::Category)),
        ("session", log.session.is_some(), Some(Field::Session)),
    ] {
        if on {
            cols.push(format!("{name}{}", field.map(tag).unwrap_or("")));
        }
    }
    cols.join(", ")
}

/// A chunk whose labels are staged against the aggregator's dictionaries and whose codes are
/// translated into them, ready to be appended.
struct Prepared {
    staged: Vec<(Field, Staged)>,
    customer: Option<Vec<u64>>,
    channel: Option<Vec<u32>>,
    category: Option<Vec<u32>>,
    session: Option<Vec<u64>>,
}

/// Codes through `lookup` (chunk code -> aggregator code); a code outside it is an error.
fn translate<T: Copy + TryInto<usize> + TryFrom<u32>>(
    field: Field,
    codes: &[T],
    lookup: &[u32],
) -> Result<Vec<T>> {
    codes
        .iter()
        .enumerate()
        .map(|(index, c)| {
            (*c).try_into()
                .ok()
                .and_then(|c: usize| lookup.get(c))
                .and_then(|g| T::try_from(*g).ok())
                .ok_or_else(|| Ki3Error::InvalidValue {
                    arg: field.name().into(),
                    index,
                    reason: format!("code outside the chunk's {} labels", lookup.len()),
                })
        })
        .collect()
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

    /// The dictionaries of the fields that hold labels (codes in [`log`](Self::log) index them).
    pub fn dictionaries(&self) -> &Dictionaries {
        &self.dictionaries
    }

    /// The column names a face gave for each role (empty unless set).
    pub fn column_names(&self) -> &BTreeMap<String, Label> {
        &self.columns
    }

    /// Records the column names a face uses for each role (saved with the state). Keys must be
    /// roles: customer, timestamp, amount, purchase, channel, category, session.
    pub fn set_column_names(&mut self, columns: BTreeMap<String, Label>) -> Result<()> {
        if let Some(role) = columns.keys().find(|r| !ROLES.contains(&r.as_str())) {
            return Err(Ki3Error::param(
                "columns",
                format!("unknown role {role:?}; use one of {}", ROLES.join(", ")),
            ));
        }
        self.columns = columns;
        Ok(())
    }

    /// Declares that the codes already in the state are codes of `dictionaries` (for states
    /// saved with their dictionaries elsewhere, e.g. the legacy Python format). Every field
    /// listed must be present with all its codes inside its dictionary; on error nothing
    /// changes.
    pub fn with_dictionaries(mut self, dictionaries: Dictionaries) -> Result<Self> {
        if self.unit.is_none() && !dictionaries.is_empty() {
            // An empty state has no schema yet: the dictionaries fix which fields hold labels.
            return Err(Ki3Error::param(
                "dictionaries",
                "an empty aggregator has no columns to attach dictionaries to",
            ));
        }
        self.dictionaries = dictionaries;
        self.check()?;
        Ok(self)
    }

    fn schema(&self) -> Option<String> {
        self.unit
            .map(|u| schema_of(u, &self.log(), &self.dictionaries))
    }

    /// Adds a chunk of integer codes. The chunk is validated first; a rejected chunk leaves the
    /// state unchanged.
    pub fn update(&mut self, events: &EventLog) -> Result<()> {
        self.update_labeled(events, &Dictionaries::default())
    }

    /// Adds a chunk whose fields listed in `labels` hold labels: the chunk's codes of such a
    /// field are positions in its dictionary there (a chunk-local dictionary, e.g. the sorted
    /// distinct values of the chunk). New labels join the aggregator's dictionaries in the
    /// chunk dictionary's order. All-or-nothing: a rejected chunk (bad events, a label over a
    /// limit, a schema mismatch) leaves the state and its dictionaries unchanged.
    pub fn update_labeled(&mut self, events: &EventLog, labels: &Dictionaries) -> Result<()> {
        events.validate()?;
        let chunk = schema_of(events.unit, events, labels);
        match self.schema() {
            None => {}
            Some(own) if own != chunk => {
                for field in Field::ALL {
                    let (mine, theirs) = (self.dictionaries.get(field), labels.get(field));
                    let in_chunk = match field {
                        Field::Customer => true,
                        Field::Channel => events.channel.is_some(),
                        Field::Category => events.category.is_some(),
                        Field::Session => events.session.is_some(),
                    };
                    // Labels against codes in a column both have (a missing column is the
                    // schema mismatch below).
                    if mine.is_some() != theirs.is_some() && self.has_field(field) && in_chunk {
                        return Err(Ki3Error::param(
                            field.name(),
                            format!(
                                "the aggregator holds {} and the chunk holds {}; they cannot \
                                 be merged",
                                if mine.is_some() {
                                    "labels"
                                } else {
                                    "numeric codes"
                                },
                                if theirs.is_some() {
                                    "labels"
                                } else {
                                    "numeric codes"
                                },
                            ),
                        ));
                    }
                }
                return Err(Ki3Error::param(
                    "events",
                    format!("chunk has columns ({chunk}) but the aggregator has ({own})"),
                ));
            }
            Some(_) => {}
        }
        let prepared = self.prepare(events, labels)?;
        // Nothing below fails: commit the dictionaries, then append.
        if self.unit.is_none() {
            self.unit = Some(events.unit);
            self.amount = events.amount.map(|_| Vec::new());
            self.purchase = events.purchase.map(|_| Vec::new());
            self.channel = events.channel.map(|_| Vec::new());
            self.category = events.category.map(|_| Vec::new());
            self.session = events.session.map(|_| Vec::new());
            for field in Field::ALL {
                if labels.get(field).is_some() {
                    *self.dictionaries.slot(field) = Some(Dictionary::new());
                }
            }
        }
        for (field, staged) in prepared.staged {
            if let Some(dict) = self.dictionaries.slot(field) {
                dict.commit(staged)?;
            }
        }
        match prepared.customer {
            Some(c) => self.customer.extend(c),
            None => self.customer.extend_from_slice(events.customer),
        }
        self.timestamp.extend_from_slice(events.timestamp);
        extend(&mut self.amount, events.amount);
        extend(&mut self.purchase, events.purchase);
        extend(
            &mut self.channel,
            prepared.channel.as_deref().or(events.channel),
        );
        extend(
            &mut self.category,
            prepared.category.as_deref().or(events.category),
        );
        extend(
            &mut self.session,
            prepared.session.as_deref().or(events.session),
        );
        Ok(())
    }

    fn has_field(&self, field: Field) -> bool {
        match field {
            Field::Customer => true,
            Field::Channel => self.channel.is_some(),
            Field::Category => self.category.is_some(),
            Field::Session => self.session.is_some(),
        }
    }

    /// Stages the chunk's labels and translates its codes, without changing the state.
    fn prepare(&self, events: &EventLog, labels: &Dictionaries) -> Result<Prepared> {
        let mut out = Prepared {
            staged: Vec::new(),
            customer: None,
            channel: None,
            category: None,
            session: None,
        };
        let empty = Dictionary::new();
        for field in Field::ALL {
            let Some(chunk_dict) = labels.get(field) else {
                continue;
            };
            let own = self.dictionaries.get(field).unwrap_or(&empty);
            let staged = own.stage(field.name(), chunk_dict.labels(), NewOrder::FirstSeen)?;
            let lookup = &staged.codes;
            match field {
                Field::Customer => {
                    out.customer = Some(translate(field, events.customer, lookup)?);
                }
                Field::Channel => {
                    out.channel = events
                        .channel
                        .map(|c| translate(field, c, lookup))
                        .transpose()?;
                }
                Field::Category => {
                    out.category = events
                        .category
                        .map(|c| translate(field, c, lookup))
                        .transpose()?;
                }
                Field::Session => {
                    out.session = events
                        .session
                        .map(|c| translate(field, c, lookup))
                        .transpose()?;
                }
            }
            out.staged.push((field, staged));
        }
        Ok(out)
    }

    /// Adds everything `other` has ingested (its labels are translated into this aggregator's
    /// dictionaries). Schemas must match unless one side is empty. All-or-nothing.
    pub fn merge(&mut self, other: &FeatureAggregator) -> Result<()> {
        if other.unit.is_none() {
            return Ok(());
        }
        if self.columns.is_empty() {
            self.columns = other.columns.clone();
        }
        self.update_labeled(&other.log(), &other.dictionaries)
    }

    /// The features of everything ingested, as [`customer_features`] computes them on the same
    /// events. Fields with labels are re-coded in sorted label order first, so the rows (by
    /// customer label), the share columns and the ties of `preferred_channel` / `top_category`
    /// are those of a one-shot computation on the labels; the table's `dictionaries` are the
    /// sorted dictionaries its codes refer to.
    pub fn finish(&self, spec: &FeatureSpec) -> Result<FeatureTable> {
        if self.dictionaries.is_empty() {
            return customer_features(&self.log(), spec);
        }
        let mut sorted = Dictionaries::default();
        let mut remaps: BTreeMap<Field, Vec<u32>> = BTreeMap::new();
        for field in Field::ALL {
            if let Some(dict) = self.dictionaries.get(field) {
                if dict.is_sorted() {
                    *sorted.slot(field) = Some(dict.clone());
                } else {
                    let (dict, remap) = dict.sorted();
                    *sorted.slot(field) = Some(dict);
                    remaps.insert(field, remap);
                }
            }
        }
        let remapped = |field: Field| remaps.get(&field).map(|r| r.as_slice());
        let customer = remapped(Field::Customer)
            .map(|r| translate(Field::Customer, &self.customer, r))
            .transpose()?;
        let recode32 = |field: Field, col: &Option<Vec<u32>>| -> Result<Option<Vec<u32>>> {
            match (remapped(field), col) {
                (Some(r), Some(c)) => Ok(Some(translate(field, c, r)?)),
                _ => Ok(None),
            }
        };
        let channel = recode32(Field::Channel, &self.channel)?;
        let category = recode32(Field::Category, &self.category)?;
        let session = match (remapped(Field::Session), &self.session) {
            (Some(r), Some(c)) => Some(translate(Field::Session, c, r)?),
            _ => None,
        };
        let own = self.log();
        let log = EventLog {
            customer: customer.as_deref().unwrap_or(own.customer),
            channel: channel.as_deref().or(own.channel),
            category: category.as_deref().or(own.category),
            session: session.as_deref().or(own.session),
            ..own
        };
        let mut table = customer_features(&log, spec)?;
        table.dictionaries = sorted;
        Ok(table)
    }

    /// The ingested events as a borrowed log (fields with labels hold codes of
    /// [`dictionaries`](Self::dictionaries)).
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

    /// Saves the state in the ki3 JSON envelope (kind `FeatureAggregator`; version 2 when it
    /// has dictionaries or column names, else version 1).
    pub fn to_json(&self) -> Result<String> {
        let version = if self.dictionaries.is_empty() && self.columns.is_empty() {
            1
        } else {
            VERSION
        };
        persist::to_json(KIND, version, self)
    }

    /// Loads and validates a saved state (version 2, or version 1 without dictionaries);
    /// anything inconsistent is [`Ki3Error::Corrupt`].
    pub fn from_json(text: &str) -> Result<Self> {
        // The envelope only (the state is skipped, not parsed into a tree).
        let version = persist::header(text).ok().map(|h| h.version);
        let state: FeatureAggregator = if version == Some(1) {
            let state: FeatureAggregator = persist::from_json(text, KIND, 1)?;
            if !state.dictionaries.is_empty() || !state.columns.is_empty() {
                return Err(Ki3Error::corrupt(
                    "a version 1 state has neither dictionaries nor column names",
                ));
            }
            state
        } else {
            persist::from_json(text, KIND, VERSION)?
        };
        state.check().map_err(|e| match e {
            Ki3Error::Corrupt { .. } => e,
            other => Ki3Error::corrupt(format!("{KIND}: {other}")),
        })?;
        Ok(state)
    }

    /// Validates a loaded state: a unit when there are events, valid events, every field with a
    /// dictionary present and all its codes inside the dictionary, known roles only.
    fn check(&self) -> Result<()> {
        if self.unit.is_none() && !self.customer.is_empty() {
            return Err(Ki3Error::corrupt("events without a time unit"));
        }
        if self.unit.is_none() && !self.dictionaries.is_empty() {
            return Err(Ki3Error::corrupt("dictionaries without a schema"));
        }
        self.log().validate()?;
        for field in Field::ALL {
            let Some(dict) = self.dictionaries.get(field) else {
                continue;
            };
            if !self.has_field(field) {
                return Err(Ki3Error::corrupt(format!(
                    "a {} dictionary without a {} column",
                    field.name(),
                    field.name()
                )));
            }
            let n = dict.len() as u64;
            let bad = match field {
                Field::Customer => self.customer.iter().any(|c| *c >= n),
                Field::Channel => self.channel.iter().flatten().any(|c| u64::from(*c) >= n),
                Field::Category => self.category.iter().flatten().any(|c| u64::from(*c) >= n),
                Field::Session => self.session.iter().flatten().any(|c| *c >= n),
            };
            if bad {
                return Err(Ki3Error::corrupt(format!(
                    "{} code outside its dictionary of {n} labels",
                    field.name()
                )));
            }
        }
        if let Some(role) = self.columns.keys().find(|r| !ROLES.contains(&r.as_str())) {
            return Err(Ki3Error::corrupt(format!("unknown role {role:?}")));
        }
        Ok(())
    }
}

fn extend<T: Copy>(own: &mut Option<Vec<T>>, chunk: Option<&[T]>) {
    if let (Some(own), Some(chunk)) = (own.as_mut(), chunk) {
        own.extend_from_slice(chunk);
    }
}
