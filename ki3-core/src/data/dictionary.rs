//! Categorical dictionaries: labels (string ids, channel or category names) <-> dense `u32`
//! codes.
//!
//! A [`Dictionary`] gives codes `0, 1, 2, ...` to labels in the order they are added and never
//! changes a code afterwards, so codes stored in a state stay valid while the dictionary grows.
//! [`Dictionary::encode`] codes a batch: the batch's new labels are added in sorted order (the
//! convention of every ki3 face: a one-shot computation therefore sees codes in sorted label
//! order). [`Dictionary::extend`] adds labels in the order given (merging another dictionary).
//!
//! Both are all-or-nothing: they first [`stage`](Dictionary::stage) the batch (checking the
//! limits and computing every code without touching the dictionary) and then
//! [`commit`](Dictionary::commit) it, so a rejected batch leaves the dictionary unchanged. A
//! caller that must validate more than the labels (an aggregator validating the events of the
//! chunk) stages, validates, and commits at the end.
//!
//! Labels are JSON scalars ([`Label`]): strings in Node and Rust; Python may also hold integers,
//! floats and booleans (ids that are not non-negative integers). A dictionary serialises as the
//! JSON array of its labels; loading checks duplicates and limits ([`Ki3Error::Corrupt`]).

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Serialize};

use crate::error::{Ki3Error, Result};

/// Most labels a dictionary holds by default (codes are `u32`).
pub const MAX_ENTRIES: usize = u32::MAX as usize;

/// Longest string label by default, in bytes.
pub const MAX_LABEL_BYTES: usize = 1 << 16;

/// One dictionary entry: a JSON scalar. Equality and hashing treat `-0.0` as `0.0`; NaN is not a
/// valid label (it is a missing value).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Label {
    /// `true` / `false`.
    Bool(bool),
    /// An integer (for example a negative id).
    Int(i64),
    /// A finite float.
    Float(f64),
    /// A string (ids, channel and category names).
    Str(String),
}

impl Label {
    /// The label as a string, if it is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Label::Str(s) => Some(s),
            _ => None,
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Label::Bool(_) => 0,
            Label::Int(_) | Label::Float(_) => 1,
            Label::Str(_) => 2,
        }
    }

    /// Float with `-0.0` folded into `0.0`, for equality and hashing.
    fn float_bits(v: f64) -> u64 {
        if v == 0.0 { 0 } else { v.to_bits() }
    }

    /// The sort order of labels: booleans, then numbers (numerically), then strings (by
    /// Unicode code point, as Python and JavaScript compare them).
    pub fn sort_cmp(&self, other: &Label) -> Ordering {
        match (self, other) {
            (Label::Bool(a), Label::Bool(b)) => a.cmp(b),
            (Label::Int(a), Label::Int(b)) => a.cmp(b),
            (Label::Str(a), Label::Str(b)) => a.cmp(b),
            (Label::Int(a), Label::Float(b)) => (*a as f64).total_cmp(b),
            (Label::Float(a), Label::Int(b)) => a.total_cmp(&(*b as f64)),
            (Label::Float(a), Label::Float(b)) => a.total_cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }

    /// Checks the label against the limits (`column` names the input in the error).
    fn check(&self, column: &str, max_bytes: usize) -> Result<()> {
        match self {
            Label::Float(v) if !v.is_finite() => Err(Ki3Error::param(
                column,
                format!("label {v} is not a valid category (missing value?)"),
            )),
            Label::Str(s) if s.len() > max_bytes => Err(Ki3Error::param(
                column,
                format!(
                    "a label of {} bytes is longer than the limit of {max_bytes} bytes",
                    s.len()
                ),
            )),
            _ => Ok(()),
        }
    }
}

impl PartialEq for Label {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Label::Bool(a), Label::Bool(b)) => a == b,
            (Label::Int(a), Label::Int(b)) => a == b,
            (Label::Float(a), Label::Float(b)) => Label::float_bits(*a) == Label::float_bits(*b),
            (Label::Str(a), Label::Str(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Label {}

impl Hash for Label {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            Label::Bool(b) => (0u8, b).hash(state),
            Label::Int(i) => (1u8, i).hash(state),
            Label::Float(v) => (2u8, Label::float_bits(*v)).hash(state),
            Label::Str(s) => (3u8, s).hash(state),
        }
    }
}

impl fmt::Display for Label {
    /// Strings as they are; numbers and booleans as JavaScript's `String(x)` writes them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Label::Bool(b) => write!(f, "{b}"),
            Label::Int(i) => write!(f, "{i}"),
            Label::Float(v) => write!(f, "{v}"),
            Label::Str(s) => f.write_str(s),
        }
    }
}

impl From<&str> for Label {
    fn from(s: &str) -> Self {
        Label::Str(s.to_string())
    }
}

impl From<String> for Label {
    fn from(s: String) -> Self {
        Label::Str(s)
    }
}

/// Labels <-> dense `u32` codes; codes never change once given (see the module docs).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "Vec<Label>", into = "Vec<Label>")]
pub struct Dictionary {
    labels: Vec<Label>,
    index: HashMap<Label, u32>,
    max_entries: usize,
    max_label_bytes: usize,
}

impl PartialEq for Dictionary {
    fn eq(&self, other: &Self) -> bool {
        self.labels == other.labels
    }
}

impl Default for Dictionary {
    fn default() -> Self {
        Dictionary {
            labels: Vec::new(),
            index: HashMap::new(),
            max_entries: MAX_ENTRIES,
            max_label_bytes: MAX_LABEL_BYTES,
        }
    }
}

/// New labels checked and coded against a dictionary, not yet added: the result of
/// [`Dictionary::stage`], applied by [`Dictionary::commit`].
#[derive(Debug, Clone)]
pub struct Staged {
    /// The code of every value of the batch, in batch order.
    pub codes: Vec<u32>,
    base_len: usize,
    new_labels: Vec<Label>,
}

impl Staged {
    /// Number of labels the commit adds.
    pub fn n_new(&self) -> usize {
        self.new_labels.len()
    }
}

/// How [`Dictionary::stage`] orders a batch's new labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewOrder {
    /// In [`Label::sort_cmp`] order (what `encode` does).
    Sorted,
    /// In order of first appearance in the batch (what `extend` does).
    FirstSeen,
}

impl Dictionary {
    /// An empty dictionary with the default limits ([`MAX_ENTRIES`], [`MAX_LABEL_BYTES`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the largest number of labels (at most [`MAX_ENTRIES`]).
    pub fn with_max_entries(mut self, max_entries: usize) -> Self {
        self.max_entries = max_entries.min(MAX_ENTRIES);
        self
    }

    /// Sets the longest string label, in bytes.
    pub fn with_max_label_bytes(mut self, max_label_bytes: usize) -> Self {
        self.max_label_bytes = max_label_bytes;
        self
    }

    /// A dictionary holding `labels` with codes `0..n` in that order (checked like a batch).
    pub fn from_labels(column: &str, labels: Vec<Label>) -> Result<Self> {
        let mut dict = Dictionary::new();
        let n = labels.len();
        dict.extend(column, &labels)?;
        if dict.len() != n {
            return Err(Ki3Error::param(column, "duplicate labels"));
        }
        Ok(dict)
    }

    /// Number of labels.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when the dictionary holds no label.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The labels, in code order.
    pub fn labels(&self) -> &[Label] {
        &self.labels
    }

    /// The code of a label already in the dictionary.
    pub fn code(&self, label: &Label) -> Option<u32> {
        self.index.get(label).copied()
    }

    /// The label of a code.
    pub fn label(&self, code: u32) -> Option<&Label> {
        self.labels.get(code as usize)
    }

    /// Labels of `codes`; an unknown code is an error naming `column`.
    pub fn decode(&self, column: &str, codes: &[u32]) -> Result<Vec<Label>> {
        codes
            .iter()
            .map(|&c| {
                self.label(c).cloned().ok_or_else(|| {
                    Ki3Error::param(
                        column,
                        format!("code {c} is not in the dictionary of {} labels", self.len()),
                    )
                })
            })
            .collect()
    }

    /// Codes every value of `values` without changing the dictionary: known labels get their
    /// code, new ones the next codes in `order`. Fails (naming `column`) when a label breaks a
    /// limit or the new labels would not fit.
    pub fn stage<L>(&self, column: &str, values: &[L], order: NewOrder) -> Result<Staged>
    where
        L: std::borrow::Borrow<Label>,
    {
        let mut fresh: HashMap<&Label, u32> = HashMap::new();
        let mut new_labels: Vec<&Label> = Vec::new();
        let mut marks: Vec<u32> = Vec::with_capacity(values.len());
        // First pass: known codes directly, new labels as `u32::MAX - k` placeholders
        // resolved once their order is known (codes are at most MAX_ENTRIES - 1 < u32::MAX).
        let mut slots: Vec<Option<usize>> = Vec::with_capacity(values.len());
        for value in values {
            let label = value.borrow();
            if let Some(code) = self.index.get(label) {
                marks.push(*code);
                slots.push(None);
                continue;
            }
            let k = match fresh.get(label) {
                Some(k) => *k as usize,
                None => {
                    label.check(column, self.max_label_bytes)?;
                    let k = new_labels.len();
                    fresh.insert(label, k as u32);
                    new_labels.push(label);
                    k
                }
            };
            marks.push(0);
            slots.push(Some(k));
        }
        let total = self.labels.len() + new_labels.len();
        if total > self.max_entries {
            return Err(Ki3Error::param(
                column,
                format!(
                    "{total} distinct labels; the dictionary holds at most {}",
                    self.max_entries
                ),
            ));
        }
        // Final position of each new label.
        let mut order_of: Vec<usize> = (0..new_labels.len()).collect();
        if order == NewOrder::Sorted {
            order_of.sort_by(|a, b| new_labels[*a].sort_cmp(new_labels[*b]));
        }
        let mut position = vec![0u32; new_labels.len()];
        for (rank, k) in order_of.iter().enumerate() {
            position[*k] = (self.labels.len() + rank) as u32;
        }
        for (mark, slot) in marks.iter_mut().zip(&slots) {
            if let Some(k) = slot {
                *mark = position[*k];
            }
        }
        Ok(Staged {
            codes: marks,
            base_len: self.labels.len(),
            new_labels: order_of.iter().map(|k| new_labels[*k].clone()).collect(),
        })
    }

    /// Adds the labels of `staged`. It must have been staged against this dictionary as it is
    /// now (else nothing changes and the error says so).
    pub fn commit(&mut self, staged: Staged) -> Result<()> {
        if staged.base_len != self.labels.len() {
            return Err(Ki3Error::param(
                "dictionary",
                "the batch was staged against another state of the dictionary",
            ));
        }
        self.labels.reserve(staged.new_labels.len());
        for label in staged.new_labels {
            self.index.insert(label.clone(), self.labels.len() as u32);
            self.labels.push(label);
        }
        Ok(())
    }

    /// Codes of `values`; new labels are added in sorted order. All-or-nothing.
    pub fn encode<L>(&mut self, column: &str, values: &[L]) -> Result<Vec<u32>>
    where
        L: std::borrow::Borrow<Label>,
    {
        let mut staged = self.stage(column, values, NewOrder::Sorted)?;
        let codes = std::mem::take(&mut staged.codes);
        self.commit(staged)?;
        Ok(codes)
    }

    /// Codes of `values`; new labels are added in the order they first appear. All-or-nothing.
    pub fn extend<L>(&mut self, column: &str, values: &[L]) -> Result<Vec<u32>>
    where
        L: std::borrow::Borrow<Label>,
    {
        let mut staged = self.stage(column, values, NewOrder::FirstSeen)?;
        let codes = std::mem::take(&mut staged.codes);
        self.commit(staged)?;
        Ok(codes)
    }

    /// Codes of string values (see [`Dictionary::encode`]).
    pub fn encode_strs<S: AsRef<str>>(&mut self, column: &str, values: &[S]) -> Result<Vec<u32>> {
        let labels: Vec<Label> = values.iter().map(|s| Label::from(s.as_ref())).collect();
        self.encode(column, &labels)
    }

    /// True when the codes follow the sorted order of the labels.
    pub fn is_sorted(&self) -> bool {
        self.labels
            .windows(2)
            .all(|w| w[0].sort_cmp(&w[1]) != Ordering::Greater)
    }

    /// The same labels in sorted order, and the map old code -> new code.
    pub fn sorted(&self) -> (Dictionary, Vec<u32>) {
        let mut order: Vec<usize> = (0..self.labels.len()).collect();
        order.sort_by(|a, b| self.labels[*a].sort_cmp(&self.labels[*b]));
        let mut remap = vec![0u32; order.len()];
        for (new, old) in order.iter().enumerate() {
            remap[*old] = new as u32;
        }
        let labels: Vec<Label> = order.iter().map(|k| self.labels[*k].clone()).collect();
        let index = labels
            .iter()
            .enumerate()
            .map(|(i, l)| (l.clone(), i as u32))
            .collect();
        let dict = Dictionary {
            labels,
            index,
            max_entries: self.max_entries,
            max_label_bytes: self.max_label_bytes,
        };
        (dict, remap)
    }
}

impl TryFrom<Vec<Label>> for Dictionary {
    type Error = String;

    /// Loading a saved dictionary: duplicates, non-finite floats and over-long labels are errors.
    fn try_from(labels: Vec<Label>) -> std::result::Result<Self, String> {
        Dictionary::from_labels("dictionary", labels).map_err(|e| e.to_string())
    }
}

impl From<Dictionary> for Vec<Label> {
    fn from(dict: Dictionary) -> Self {
        dict.labels
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strs(v: &[&str]) -> Vec<Label> {
        v.iter().map(|s| Label::from(*s)).collect()
    }

    #[test]
    fn batches_add_new_labels_in_sorted_order_and_keep_old_codes() {
        let mut d = Dictionary::new();
        assert_eq!(d.encode("c", &strs(&["b", "a", "b"])).unwrap(), [1, 0, 1]);
        assert_eq!(
            d.encode("c", &strs(&["z", "a", "c", "z"])).unwrap(),
            [3, 0, 2, 3]
        );
        assert_eq!(d.labels(), strs(&["a", "b", "c", "z"]).as_slice());
        assert!(d.is_sorted());
        d.encode("c", &strs(&["0"])).unwrap();
        assert!(!d.is_sorted());
        let (sorted, remap) = d.sorted();
        assert_eq!(sorted.labels(), strs(&["0", "a", "b", "c", "z"]).as_slice());
        assert_eq!(remap, [1, 2, 3, 4, 0]);
        assert_eq!(d.decode("c", &[4, 0]).unwrap(), strs(&["0", "a"]));
        assert!(d.decode("c", &[5]).unwrap_err().to_string().contains("c"));
    }

    #[test]
    fn extend_keeps_first_seen_order() {
        let mut d = Dictionary::new();
        assert_eq!(d.extend("c", &strs(&["b", "a", "b"])).unwrap(), [0, 1, 0]);
        assert_eq!(d.labels(), strs(&["b", "a"]).as_slice());
    }

    #[test]
    fn string_order_is_code_point_order() {
        let mut d = Dictionary::new();
        d.encode("c", &strs(&["é", "z", "Z", "ä"])).unwrap();
        assert_eq!(d.labels(), strs(&["Z", "z", "ä", "é"]).as_slice());
    }

    #[test]
    fn numbers_sort_numerically_and_mixed_kinds_by_kind() {
        let mut d = Dictionary::new();
        let labels = [
            Label::Int(-10),
            Label::Float(-20.5),
            Label::Str("x".into()),
            Label::Bool(true),
            Label::Int(3),
        ];
        d.encode("c", &labels).unwrap();
        assert_eq!(
            d.labels(),
            [
                Label::Bool(true),
                Label::Float(-20.5),
                Label::Int(-10),
                Label::Int(3),
                Label::Str("x".into())
            ]
        );
        assert_eq!(Label::Float(-0.0), Label::Float(0.0));
        assert_eq!(d.code(&Label::Int(3)), Some(3));
    }

    #[test]
    fn rejected_batches_leave_the_dictionary_unchanged() {
        let mut d = Dictionary::new()
            .with_max_entries(3)
            .with_max_label_bytes(4);
        d.encode("channel", &strs(&["a", "b"])).unwrap();
        let before = d.clone();
        let err = d.encode("channel", &strs(&["c", "d"])).unwrap_err();
        assert!(err.to_string().contains("channel") && err.to_string().contains("at most 3"));
        assert_eq!(d, before);
        let err = d.encode("channel", &strs(&["c", "toolong"])).unwrap_err();
        assert!(err.to_string().contains("channel") && err.to_string().contains("bytes"));
        assert_eq!(d, before);
        let err = d.encode("channel", &[Label::Float(f64::NAN)]).unwrap_err();
        assert!(err.to_string().contains("channel"));
        assert_eq!(d, before);
        // Known labels need no room; one new label still fits.
        assert_eq!(
            d.encode("channel", &strs(&["b", "c", "a"])).unwrap(),
            [1, 2, 0]
        );
    }

    #[test]
    fn staged_batches_commit_only_against_the_state_they_saw() {
        let mut d = Dictionary::new();
        let first = d.stage("c", &strs(&["x"]), NewOrder::Sorted).unwrap();
        let second = d.stage("c", &strs(&["y"]), NewOrder::Sorted).unwrap();
        assert_eq!(first.n_new(), 1);
        d.commit(first).unwrap();
        assert!(d.commit(second).is_err());
        assert_eq!(d.labels(), strs(&["x"]).as_slice());
    }

    #[test]
    fn serde_round_trips_and_rejects_corrupt_lists() {
        let mut d = Dictionary::new();
        d.encode("c", &[Label::from("a"), Label::Int(-3), Label::Float(1.5)])
            .unwrap();
        let text = serde_json::to_string(&d).unwrap();
        assert_eq!(text, r#"[-3,1.5,"a"]"#);
        let back: Dictionary = serde_json::from_str(&text).unwrap();
        assert_eq!(back, d);
        assert_eq!(back.code(&Label::from("a")), Some(2));
        for bad in [
            r#"["a","a"]"#,
            r#"[1, 1]"#,
            r#"{"a": 1}"#,
            r#"[[1]]"#,
            r#"[null]"#,
        ] {
            assert!(serde_json::from_str::<Dictionary>(bad).is_err(), "{bad}");
        }
        let long = format!("[\"{}\"]", "x".repeat(MAX_LABEL_BYTES + 1));
        assert!(serde_json::from_str::<Dictionary>(&long).is_err());
    }
}
