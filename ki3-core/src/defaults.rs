//! Every default a face shows, in one map: `"Class.method.param"` or `"function.param"` → value
//! (snake_case names, `new` for a constructor). Python signatures and Node options read their
//! defaults from here (`ki3._ki3.core_defaults()`, Node `coreDefaults()`), and both faces' tests
//! compare what a user sees with this map, so a default cannot drift between faces.

use serde_json::{Map, Value, json};

use crate::features::DEFAULT_WINDOWS;
use crate::rfm::{DEFAULT_BINS, RfmParams};
use crate::uplift::metrics;

/// The defaults of every public class and function (bandits, features, RFM, uplift metrics).
pub fn defaults() -> Map<String, Value> {
    let mut out = crate::bandit::defaults();
    for key in [
        "customer_features.windows",
        "historical_features.windows",
        "FeatureAggregator.finish.windows",
    ] {
        out.insert(key.into(), json!(DEFAULT_WINDOWS));
    }
    out.insert(
        "rfm_summary.freq_multiplier".into(),
        json!(RfmParams::new(0).freq_multiplier),
    );
    out.insert("rfm_scores.bins".into(), json!(DEFAULT_BINS));
    out.insert("uplift_at_k.k".into(), json!(metrics::DEFAULT_K));
    for f in [
        "response_rate_by_percentile",
        "uplift_by_percentile",
        "weighted_average_uplift",
    ] {
        out.insert(format!("{f}.bins"), json!(metrics::DEFAULT_BINS));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_holds_the_constants_it_reads() {
        let d = defaults();
        assert_eq!(d["customer_features.windows"], json!([7, 30, 90, 365]));
        assert_eq!(d["rfm_scores.bins"], json!(5));
        assert_eq!(d["rfm_summary.freq_multiplier"], json!(1));
        assert_eq!(d["BernoulliTS.summary.level"], json!(0.9));
        assert_eq!(d["uplift_at_k.k"], json!(0.3));
        assert_eq!(d["weighted_average_uplift.bins"], json!(10));
    }
}
