//! Customer features from event logs, point-in-time correct.
//!
//! [`customer_features`] gives one row per customer with an event at or before `as_of`;
//! [`historical_features`] gives one row per label `(customer, label_time)` for training sets;
//! [`FeatureAggregator`] builds the same result from partitions merged in any order.
//!
//! "Purchases" are the rows flagged by the `purchase` column (all rows without one). Times are
//! in days (fractional) unless the name says otherwise; a day is a UTC calendar day.
//!
//! | family | column | meaning |
//! |---|---|---|
//! | core | `recency_days` | `as_of` − last purchase (NaN without purchases) |
//! | core | `tenure_days` | `as_of` − first event |
//! | core | `purchases` | number of purchase events |
//! | core | `purchase_days` | distinct UTC days with a purchase |
//! | core | `monetary_total`, `monetary_mean`, `monetary_max` | sum / mean / max of purchase amounts (needs `amount`) |
//! | core | `interpurchase_mean_days` | mean gap between consecutive purchases = (last − first)/(n − 1); needs 2 purchases |
//! | core | `interpurchase_std_days` | sample standard deviation (ddof = 1) of those gaps; needs 3 purchases |
//! | windows | `purchases_{w}d`, `revenue_{w}d`, `events_{w}d`, `sessions_{w}d` | counts / purchase revenue in `(as_of − w days, as_of]`; a session counts when its latest event lies in the window (revenue needs `amount`, sessions need `session`) |
//! | channel | `channel_share_{code}` | share of the customer's events from that channel (all channel codes present in the input get a column) |
//! | channel | `preferred_channel`, `channels_used` | code with most events (ties: lowest code); number of channels with an event |
//! | category | `category_share_{code}` | share of purchase spend in that category (purchase counts when there is no `amount`); NaN when spend is 0 |
//! | category | `top_category`, `category_entropy` | category with most spend (ties: lowest code); Shannon entropy of the shares in nats |
//! | session | `events_per_session`, `sessions_per_active_day`, `session_duration_mean_s` | events / distinct sessions; sessions / distinct active days; mean (last − first event) per session, seconds |
//!
//! Within a customer, events are ordered canonically (by time, then by content), so every result
//! is independent of input row order, partitioning and thread count.

mod accumulate;
pub(crate) mod aggregator;
mod compute;
mod group;
mod layout;
mod scan;
mod spec;
mod table;

pub use aggregator::FeatureAggregator;
pub use compute::{customer_features, historical_features};
pub use spec::{DEFAULT_WINDOWS, Family, FeatureSpec};
pub use table::{ColumnCodes, Dictionaries, FeatureColumn, FeatureTable, Field};
