//! What to compute: the as-of time, the look-back windows and the feature families.

use serde::{Deserialize, Serialize};

use crate::error::{Ki3Error, Result};

/// Default look-back windows, in days.
pub const DEFAULT_WINDOWS: [u32; 4] = [7, 30, 90, 365];

/// A group of related feature columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// Recency, tenure, purchase counts, monetary total/mean/max, inter-purchase time.
    Core,
    /// Per look-back window: purchases, revenue, events, sessions.
    Windows,
    /// Share of events per channel, preferred channel, channels used (needs `channel`).
    Channel,
    /// Share of spend per category, top category, category entropy (needs `category`).
    Category,
    /// Events per session, sessions per active day, mean session duration (needs `session`).
    Session,
}

impl Family {
    /// All families, in output column order.
    pub const ALL: [Family; 5] = [
        Family::Core,
        Family::Windows,
        Family::Channel,
        Family::Category,
        Family::Session,
    ];

    /// The family's name as used in the bindings ("core", "windows", ...).
    pub fn name(self) -> &'static str {
        match self {
            Family::Core => "core",
            Family::Windows => "windows",
            Family::Channel => "channel",
            Family::Category => "category",
            Family::Session => "session",
        }
    }

    /// Parses a family name.
    pub fn parse(name: &str) -> Result<Self> {
        Family::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| {
                Ki3Error::param(
                    "families",
                    format!(
                        "unknown family {name:?}; use core, windows, channel, category, session"
                    ),
                )
            })
    }
}

/// Feature specification: features are computed from the events at or before `as_of`
/// (inclusive; later events never count), over the look-back `windows_days`, for `families`
/// (`None`: every family whose input column is present).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpec {
    /// The point in time, in the event log's time unit.
    pub as_of: i64,
    /// Look-back windows in days; window `w` covers `(as_of - w days, as_of]`.
    pub windows_days: Vec<u32>,
    /// Families to compute; `None` means all that the input supports.
    pub families: Option<Vec<Family>>,
}

impl FeatureSpec {
    /// A spec at `as_of` with the default windows (7, 30, 90, 365 days) and all families.
    pub fn new(as_of: i64) -> Self {
        FeatureSpec {
            as_of,
            windows_days: DEFAULT_WINDOWS.to_vec(),
            families: None,
        }
    }

    /// Sets the look-back windows (days).
    pub fn windows(mut self, windows_days: Vec<u32>) -> Self {
        self.windows_days = windows_days;
        self
    }

    /// Restricts the computation to these families.
    pub fn families(mut self, families: Vec<Family>) -> Self {
        self.families = Some(families);
        self
    }

    /// Checks windows (positive, distinct) and families (non-empty).
    pub fn check(&self) -> Result<()> {
        if let Some(w) = self.windows_days.iter().find(|w| **w == 0) {
            return Err(Ki3Error::param(
                "windows",
                format!("window {w} must be at least one day"),
            ));
        }
        let mut sorted = self.windows_days.clone();
        sorted.sort_unstable();
        if sorted.windows(2).any(|p| p[0] == p[1]) {
            return Err(Ki3Error::param("windows", "windows must be distinct"));
        }
        if let Some(f) = &self.families
            && f.is_empty()
        {
            return Err(Ki3Error::param(
                "families",
                "at least one family is required",
            ));
        }
        Ok(())
    }
}
