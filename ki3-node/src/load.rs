//! `load(json)`: any saved ki3 JSON (from Python, Node or Rust) → an instance of its class,
//! through the core's one `load`.

use ki3_core::Ki3Error;
use ki3_core::persist::{self, Saved};
use ki3_core::uplift::MultiArmMetaLearner;
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::bandit::{BernoulliTS, GaussianTS, LinearTS, Serving};
use crate::error::to_napi;
use crate::features::FeatureAggregator;
use crate::string_arg;
use crate::uplift_models::{self, AnyMetaLearner};

/// The bandits and the aggregator `load` returns.
type Loaded = Either4<BernoulliTS, GaussianTS, LinearTS, FeatureAggregator>;

/// Loads any ki3 JSON state (saved by Python, Node or Rust) and returns an instance of its
/// class, chosen by the state's `kind`. Corrupt states throw an `Error` with code `InvalidArg`.
#[napi(
    ts_args_type = "json: string",
    ts_return_type = "BernoulliTS | GaussianTS | LinearTS | FeatureAggregator | SLearner | TLearner | XLearner | ClassTransformation | TransformedOutcome"
)]
pub fn load(env: Env, json: Unknown) -> Result<Either<Loaded, AnyMetaLearner>> {
    let json = string_arg(&env, json, "json")?;
    Ok(match persist::load(&json).map_err(to_napi)? {
        Saved::BernoulliTs(x) => Either::A(Either4::A(BernoulliTS { s: Serving::new(x) })),
        Saved::GaussianTs(x) => Either::A(Either4::B(GaussianTS { s: Serving::new(x) })),
        Saved::LinearTs(x) => Either::A(Either4::C(LinearTS { s: Serving::new(x) })),
        Saved::FeatureAggregator(x) => Either::A(Either4::D(FeatureAggregator::from_core(x))),
        Saved::MultiArmMetaLearner(x) => Either::B(uplift_models::wrap(x)),
        // A two-group model saved by Rust: one arm, control labelled 0 and treatment 1.
        Saved::MetaLearner(x) => {
            Either::B(uplift_models::wrap(MultiArmMetaLearner::from_single(x)))
        }
        other => {
            return Err(to_napi(Ki3Error::corrupt(format!(
                "objects of kind '{}' cannot be loaded in Node yet",
                other.kind()
            ))));
        }
    })
}
