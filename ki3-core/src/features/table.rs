//! The result of a feature computation: one row per customer (or per label row), named columns.

use serde::{Deserialize, Serialize};

/// One named feature column. Counts are stored as exact integers in `f64`; undefined values
/// (e.g. recency of a customer without purchases) are NaN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureColumn {
    pub name: String,
    pub values: Vec<f64>,
}

/// Column-oriented feature table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureTable {
    /// Row keys: customer ids (ascending for `customer_features`; the label rows' customers for
    /// `historical_features`).
    pub customer: Vec<u64>,
    pub columns: Vec<FeatureColumn>,
}

impl FeatureTable {
    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.customer.len()
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&[f64]> {
        self.columns
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.values.as_slice())
    }

    /// Column names in order.
    pub fn names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }
}
