//! Which columns a computation produces, in which order, and how channel/category codes map to
//! share columns. One layout serves one-shot, historical and aggregated computations alike.

use std::collections::HashMap;

use rayon::prelude::*;

use super::spec::{Family, FeatureSpec};
use super::table::{ColumnCodes, Field};
use crate::error::{Ki3Error, Result};
use crate::events::EventLog;

/// Maps the u32 codes seen in a column to dense positions 0..k (ascending code order).
#[derive(Debug, Clone)]
pub(crate) struct CodeIndex {
    pub codes: Vec<u32>,
    /// Direct table for small codes (the common case: codes from a factorised column).
    direct: Vec<u32>,
    large: HashMap<u32, u32>,
}

/// Codes below this use the direct table.
const DIRECT_CODES: u32 = 1 << 16;

impl CodeIndex {
    fn from_codes(column: &[u32]) -> Self {
        // The set of codes, per block in parallel: a table for small codes, a list for others.
        let (seen, large) = column
            .par_chunks(1 << 16)
            .map(|block| {
                let mut seen = vec![false; 256];
                let mut large: Vec<u32> = Vec::new();
                for &c in block {
                    match seen.get_mut(c as usize) {
                        Some(s) => *s = true,
                        None if c < DIRECT_CODES => {
                            seen.resize(c as usize + 1, false);
                            seen[c as usize] = true;
                        }
                        None => large.push(c),
                    }
                }
                large.sort_unstable();
                large.dedup();
                (seen, large)
            })
            .reduce(
                || (vec![false; 256], Vec::new()),
                |(mut seen, mut large), (s, l)| {
                    if s.len() > seen.len() {
                        seen.resize(s.len(), false);
                    }
                    seen.iter_mut().zip(s).for_each(|(a, b)| *a |= b);
                    large.extend(l);
                    large.sort_unstable();
                    large.dedup();
                    (seen, large)
                },
            );
        let codes: Vec<u32> = (0u32..seen.len() as u32)
            .filter(|c| seen[*c as usize])
            .chain(large)
            .collect();
        let mut direct = vec![0; seen.len()];
        let mut large = HashMap::new();
        for (i, c) in codes.iter().enumerate() {
            match direct.get_mut(*c as usize) {
                Some(slot) => *slot = i as u32,
                None => {
                    large.insert(*c, i as u32);
                }
            }
        }
        CodeIndex {
            codes,
            direct,
            large,
        }
    }

    /// Dense position of a code seen when the index was built.
    #[inline]
    pub fn position(&self, code: u32) -> u16 {
        let p = match self.direct.get(code as usize) {
            Some(p) => *p,
            None => self.large.get(&code).copied().unwrap_or(0),
        };
        p as u16
    }

    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Positions are stored in 16 bits: more distinct codes than that is an error.
    fn check(self, column: &str) -> Result<Self> {
        if self.codes.len() > MAX_CODES {
            return Err(Ki3Error::param(
                column,
                format!(
                    "{} distinct codes; at most {MAX_CODES} are supported (each becomes a column)",
                    self.codes.len()
                ),
            ));
        }
        Ok(self)
    }
}

/// Most distinct channel or category codes a computation accepts.
pub(crate) const MAX_CODES: usize = 1 << 16;

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
    /// Per output column: which dictionary its name or values refer to (see [`ColumnCodes`]).
    pub codes: Vec<Option<ColumnCodes>>,
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
            channel: match (channel, events.channel) {
                (true, Some(c)) => Some(CodeIndex::from_codes(c).check("channel")?),
                _ => None,
            },
            category: match (category, events.category) {
                (true, Some(c)) => Some(CodeIndex::from_codes(c).check("category")?),
                _ => None,
            },
            session_family,
            names: Vec::new(),
            codes: Vec::new(),
        };
        layout.names = layout.column_names();
        layout.codes = layout.column_codes();
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

    /// The coded columns among [`Layout::column_names`], in the same order.
    fn column_codes(&self) -> Vec<Option<ColumnCodes>> {
        let mut codes = vec![None; self.names.len()];
        let coded = [
            (&self.channel, Field::Channel),
            (&self.category, Field::Category),
        ];
        let mut at = self.names.len();
        // The channel and category blocks come last but for the session family.
        if self.session_family {
            at -= 3;
        }
        for (index, field) in coded.iter().rev() {
            if let Some(index) = index {
                // `<shares...>, <best>, <count>`
                let start = at - index.len() - 2;
                for (k, code) in index.codes.iter().enumerate() {
                    codes[start + k] = Some(ColumnCodes::Share(*field, *code));
                }
                codes[start + index.len()] = Some(ColumnCodes::Values(*field));
                at = start;
            }
        }
        codes
    }
}
