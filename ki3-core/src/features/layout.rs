//! Which columns a computation produces, in which order, and how channel/category codes map to
//! share columns. One layout serves one-shot, historical and aggregated computations alike.

use std::collections::HashMap;

use super::spec::{Family, FeatureSpec};
use crate::error::{Ki3Error, Result};
use crate::events::EventLog;

/// Maps the u32 codes seen in a column to dense positions 0..k (ascending code order).
#[derive(Debug, Clone)]
pub(crate) struct CodeIndex {
    pub codes: Vec<u32>,
    lookup: HashMap<u32, u32>,
}

impl CodeIndex {
    fn from_codes(column: &[u32]) -> Self {
        let mut seen = vec![false; 256];
        let mut extra = Vec::new();
        for &c in column {
            match seen.get_mut(c as usize) {
                Some(s) => *s = true,
                None => extra.push(c),
            }
        }
        extra.sort_unstable();
        extra.dedup();
        let codes: Vec<u32> = (0u32..256)
            .filter(|c| seen[*c as usize])
            .chain(extra)
            .collect();
        let lookup = codes
            .iter()
            .enumerate()
            .map(|(i, c)| (*c, i as u32))
            .collect();
        CodeIndex { codes, lookup }
    }

    /// Dense position of a code seen when the index was built.
    #[inline]
    pub fn position(&self, code: u32) -> u32 {
        self.lookup.get(&code).copied().unwrap_or(0)
    }

    pub fn len(&self) -> usize {
        self.codes.len()
    }
}

/// The resolved plan: families, windows (ascending) and output column names.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub ticks_per_day: i64,
    pub has_amount: bool,
    pub has_session: bool,
    pub core: bool,
    /// Ascending windows in days; empty when the windows family is off.
    pub windows: Vec<u32>,
    pub channel: Option<CodeIndex>,
    pub category: Option<CodeIndex>,
    pub session_family: bool,
    pub names: Vec<String>,
}

impl Layout {
    /// Resolves `spec` against the columns present in `events`. Asking for a family whose input
    /// column is missing is an error; with `families: None` such families are skipped.
    pub fn new(spec: &FeatureSpec, events: &EventLog) -> Result<Self> {
        spec.check()?;
        let explicit = spec.families.is_some();
        let wanted = |f: Family| spec.families.as_ref().is_none_or(|fs| fs.contains(&f));
        let require = |f: Family, present: bool, column: &str| -> Result<bool> {
            if !wanted(f) {
                return Ok(false);
            }
            if !present && explicit {
                return Err(Ki3Error::param(
                    "families",
                    format!("the {} family needs the {column} column", f.name()),
                ));
            }
            Ok(present)
        };
        let channel = require(Family::Channel, events.channel.is_some(), "channel")?;
        let category = require(Family::Category, events.category.is_some(), "category")?;
        let session_family = require(Family::Session, events.session.is_some(), "session")?;
        let mut windows = if wanted(Family::Windows) {
            spec.windows_days.clone()
        } else {
            Vec::new()
        };
        windows.sort_unstable();
        let mut layout = Layout {
            ticks_per_day: events.unit.ticks_per_day(),
            has_amount: events.amount.is_some(),
            has_session: events.session.is_some(),
            core: wanted(Family::Core),
            windows,
            channel: channel.then(|| CodeIndex::from_codes(events.channel.unwrap_or(&[]))),
            category: category.then(|| CodeIndex::from_codes(events.category.unwrap_or(&[]))),
            session_family,
            names: Vec::new(),
        };
        layout.names = layout.column_names();
        Ok(layout)
    }

    pub fn width(&self) -> usize {
        self.names.len()
    }

    fn column_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        let mut push = |s: &str| names.push(s.to_string());
        if self.core {
            push("recency_days");
            push("tenure_days");
            push("purchases");
            push("purchase_days");
            if self.has_amount {
                push("monetary_total");
                push("monetary_mean");
                push("monetary_max");
            }
            push("interpurchase_mean_days");
            push("interpurchase_std_days");
        }
        for w in &self.windows {
            push(&format!("purchases_{w}d"));
            if self.has_amount {
                push(&format!("revenue_{w}d"));
            }
            push(&format!("events_{w}d"));
            if self.has_session {
                push(&format!("sessions_{w}d"));
            }
        }
        if let Some(ch) = &self.channel {
            for c in &ch.codes {
                push(&format!("channel_share_{c}"));
            }
            push("preferred_channel");
            push("channels_used");
        }
        if let Some(cat) = &self.category {
            for c in &cat.codes {
                push(&format!("category_share_{c}"));
            }
            push("top_category");
            push("category_entropy");
        }
        if self.session_family {
            push("events_per_session");
            push("sessions_per_active_day");
            push("session_duration_mean_s");
        }
        names
    }
}
