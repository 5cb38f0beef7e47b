//! The result of a feature computation: one row per customer (or per label row), named columns,
//! and what the coded columns refer to.

use serde::{Deserialize, Serialize};

use crate::data::{Dictionary, Label};
use crate::error::{Ki3Error, Result};

/// An event column whose values can be codes of a categorical [`Dictionary`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    /// Customer ids.
    Customer,
    /// Channel codes.
    Channel,
    /// Category codes.
    Category,
    /// Session ids.
    Session,
}

impl Field {
    /// Every coded field.
    pub const ALL: [Field; 4] = [
        Field::Customer,
        Field::Channel,
        Field::Category,
        Field::Session,
    ];

    /// The column's name ("customer", "channel", "category", "session").
    pub fn name(self) -> &'static str {
        match self {
            Field::Customer => "customer",
            Field::Channel => "channel",
            Field::Category => "category",
            Field::Session => "session",
        }
    }
}

/// How a feature column relates to the codes of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnCodes {
    /// The values are codes of the field (NaN where undefined): `preferred_channel`,
    /// `top_category`.
    Values(Field),
    /// The column is about one code of the field: `channel_share_<code>`,
    /// `category_share_<code>` (named `<field>_share_<label>` when the field has a dictionary).
    Share(Field, u32),
}

/// The dictionaries of the coded fields; a field without one holds plain integer codes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Dictionaries {
    /// Customer ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<Dictionary>,
    /// Channel names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Dictionary>,
    /// Category names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Dictionary>,
    /// Session ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<Dictionary>,
}

impl Dictionaries {
    /// True when no field has a dictionary.
    pub fn is_empty(&self) -> bool {
        Field::ALL.iter().all(|f| self.get(*f).is_none())
    }

    /// The dictionary of `field`, if it has one.
    pub fn get(&self, field: Field) -> Option<&Dictionary> {
        match field {
            Field::Customer => self.customer.as_ref(),
            Field::Channel => self.channel.as_ref(),
            Field::Category => self.category.as_ref(),
            Field::Session => self.session.as_ref(),
        }
    }

    /// The slot of `field`'s dictionary.
    pub fn slot(&mut self, field: Field) -> &mut Option<Dictionary> {
        match field {
            Field::Customer => &mut self.customer,
            Field::Channel => &mut self.channel,
            Field::Category => &mut self.category,
            Field::Session => &mut self.session,
        }
    }
}

/// One named feature column. Counts are stored as exact integers in `f64`; undefined values
/// (e.g. recency of a customer without purchases) are NaN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureColumn {
    /// The core's name (share columns end in the code: `channel_share_3`).
    pub name: String,
    /// One value per row.
    pub values: Vec<f64>,
    /// Which field's codes the name or the values refer to (`None`: a plain number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codes: Option<ColumnCodes>,
}

/// Column-oriented feature table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureTable {
    /// Row keys: customer ids (ascending for `customer_features`; the label rows' customers for
    /// `historical_features`), codes of `dictionaries.customer` when there is one.
    pub customer: Vec<u64>,
    /// The feature columns, in output order.
    pub columns: Vec<FeatureColumn>,
    /// The dictionaries that the coded columns (and `customer`) refer to; empty for tables
    /// computed from integer codes.
    #[serde(default, skip_serializing_if = "Dictionaries::is_empty")]
    pub dictionaries: Dictionaries,
}

impl FeatureTable {
    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.customer.len()
    }

    /// The column called `name` (the core's name).
    pub fn column(&self, name: &str) -> Option<&[f64]> {
        self.columns
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.values.as_slice())
    }

    /// Column names in order (the core's names).
    pub fn names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }

    /// The label of code `code` of `field`, when the field has a dictionary.
    pub fn label(&self, field: Field, code: u32) -> Option<&Label> {
        self.dictionaries.get(field).and_then(|d| d.label(code))
    }

    /// The label a coded value stands for (`None` for NaN, or without a dictionary).
    pub fn value_label(&self, field: Field, value: f64) -> Option<&Label> {
        if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= f64::from(u32::MAX)
        {
            self.label(field, value as u32)
        } else {
            None
        }
    }

    /// The name to show for column `index`: `<field>_share_<label>` for a share column whose
    /// field has a dictionary, else the core's name.
    pub fn display_name(&self, index: usize) -> Option<String> {
        let column = self.columns.get(index)?;
        Some(match column.codes {
            Some(ColumnCodes::Share(field, code)) => match self.label(field, code) {
                Some(label) => format!("{}_share_{label}", field.name()),
                None => column.name.clone(),
            },
            _ => column.name.clone(),
        })
    }

    /// The customer id labels of the rows, when customers have a dictionary.
    pub fn customer_labels(&self) -> Option<Result<Vec<Label>>> {
        let dict = self.dictionaries.customer.as_ref()?;
        Some(
            self.customer
                .iter()
                .map(|c| {
                    u32::try_from(*c)
                        .ok()
                        .and_then(|c| dict.label(c))
                        .cloned()
                        .ok_or_else(|| Ki3Error::param("customer", format!("unknown code {c}")))
                })
                .collect(),
        )
    }
}
