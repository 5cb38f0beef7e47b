//! Fitted uplift meta-learners (`ki3_core::uplift::MultiArmMetaLearner`), loaded from JSON saved
//! by Python or Rust, predicting on row-major `Float64Array` matrices. One class per method,
//! named as in Python: `SLearner`, `TLearner`, `XLearner`, `ClassTransformation`,
//! `TransformedOutcome`.

use std::sync::Arc;

use ki3_core::Ki3Error;
use ki3_core::persist::Persist;
use ki3_core::uplift::{ArmLabel, Method, MultiArmMetaLearner};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use ndarray::ArrayView2;

use crate::error::IntoNapi;
use crate::string_arg;
use crate::uplift::column;

/// The class name of a method (the same as Python's).
pub(crate) fn class_name(m: Method) -> &'static str {
    match m {
        Method::SLearner => "SLearner",
        Method::TLearner => "TLearner",
        Method::XLearner => "XLearner",
        Method::ClassTransformation => "ClassTransformation",
        Method::TransformedOutcome => "TransformedOutcome",
    }
}

/// The `n × k` uplift of the row-major `x` (`nCols` columns), row-major.
fn predict_rows(model: &MultiArmMetaLearner, x: &[f64], n_cols: f64) -> ki3_core::Result<Vec<f64>> {
    if !(n_cols.fract() == 0.0 && (1.0..=f64::from(u32::MAX)).contains(&n_cols)) {
        return Err(Ki3Error::param(
            "nCols",
            format!("must be a whole number >= 1, got {n_cols}"),
        ));
    }
    let p = n_cols as usize;
    if !x.len().is_multiple_of(p) {
        return Err(Ki3Error::param(
            "x",
            format!("length {} is not a multiple of nCols {p}", x.len()),
        ));
    }
    let view = ArrayView2::from_shape((x.len() / p, p), x)
        .map_err(|e| Ki3Error::param("x", e.to_string()))?;
    let out = model.predict(view)?;
    // `predict` builds a standard (row-major) array.
    Ok(out.into_iter().collect())
}

fn label_to_js(label: &ArmLabel) -> Either<i64, String> {
    match label {
        ArmLabel::Int(i) => Either::A(*i),
        ArmLabel::Str(s) => Either::B(s.clone()),
    }
}

/// `predictAsync`: the prediction on the libuv thread pool (the input is copied first).
pub struct PredictTask {
    model: Arc<MultiArmMetaLearner>,
    x: Vec<f64>,
    n_cols: f64,
}

impl Task for PredictTask {
    type Output = Vec<f64>;
    type JsValue = Float64Array;

    fn compute(&mut self) -> Result<Vec<f64>> {
        predict_rows(&self.model, &self.x, self.n_cols).napi()
    }

    fn resolve(&mut self, _env: Env, output: Vec<f64>) -> Result<Float64Array> {
        Ok(Float64Array::new(output))
    }
}

/// The methods every meta-learner class has (the struct is declared with its own doc comment,
/// which napi copies into `index.d.ts`).
macro_rules! meta_learner_methods {
    ($class:ident, $method:expr) => {
        #[napi]
        impl $class {
            /// The uplift of each row of the row-major matrix `x` (`nCols` columns, the fitted
            /// features) for each treatment arm: `n × k` values, row-major, column `j` for
            /// `arms[j]` (control excluded).
            #[napi(ts_args_type = "x: Float64Array, nCols: number")]
            pub fn predict(&self, env: Env, x: Unknown, n_cols: Unknown) -> Result<Float64Array> {
                let x = column(&env, x, "x")?;
                let n_cols = number_arg(n_cols)?;
                Ok(Float64Array::new(
                    predict_rows(&self.inner, x.as_slice(), n_cols).napi()?,
                ))
            }

            /// `predict` on the thread pool (for large matrices in a server).
            #[napi(
                ts_args_type = "x: Float64Array, nCols: number",
                ts_return_type = "Promise<Float64Array>"
            )]
            pub fn predict_async(
                &self,
                env: Env,
                x: Unknown,
                n_cols: Unknown,
            ) -> Result<AsyncTask<PredictTask>> {
                let x = column(&env, x, "x")?.as_slice().to_vec();
                let n_cols = number_arg(n_cols)?;
                Ok(AsyncTask::new(PredictTask {
                    model: Arc::clone(&self.inner),
                    x,
                    n_cols,
                }))
            }

            /// Labels of the treatment arms, in the column order of `predict`.
            #[napi(getter, ts_return_type = "Array<number | string>")]
            pub fn arms(&self) -> Vec<Either<i64, String>> {
                self.inner.arms.iter().map(label_to_js).collect()
            }

            /// Label of the control group.
            #[napi(getter, ts_return_type = "number | string")]
            pub fn control(&self) -> Either<i64, String> {
                label_to_js(&self.inner.control)
            }

            /// Number of features (`nCols` of `predict`).
            #[napi(getter)]
            pub fn n_features(&self) -> u32 {
                self.inner.n_features() as u32
            }

            /// The model as JSON: the same format in Python, Node and Rust.
            #[napi]
            pub fn to_json(&self) -> Result<String> {
                self.inner.to_json().napi()
            }

            /// Loads a model saved by Python, Node or Rust; it must be of this class's method.
            #[napi(factory, ts_args_type = "json: string")]
            pub fn from_json(env: Env, json: Unknown) -> Result<Self> {
                let json = string_arg(&env, json, "json")?;
                let inner = MultiArmMetaLearner::from_json(&json).napi()?;
                if inner.method() != $method {
                    return Err(Ki3Error::param(
                        "json",
                        format!(
                            "the saved model is a {}, not a {}",
                            class_name(inner.method()),
                            stringify!($class)
                        ),
                    ))
                    .napi();
                }
                Ok($class {
                    inner: Arc::new(inner),
                })
            }
        }
    };
}

fn number_arg(value: Unknown) -> Result<f64> {
    match value.get_type()? {
        ValueType::Number => value.coerce_to_number()?.get_double(),
        other => Err(Error::new(
            Status::InvalidArg,
            format!(
                "nCols: expected a number, got {}",
                format!("{other:?}").to_lowercase()
            ),
        )),
    }
}

/// S-learner: one model with the treatment as a feature. Load with `load` or `fromJson`.
#[napi]
pub struct SLearner {
    pub(crate) inner: Arc<MultiArmMetaLearner>,
}

meta_learner_methods!(SLearner, Method::SLearner);

/// T-learner: one model per group. Load with `load` or `fromJson`.
#[napi]
pub struct TLearner {
    pub(crate) inner: Arc<MultiArmMetaLearner>,
}

meta_learner_methods!(TLearner, Method::TLearner);

/// X-learner (Künzel et al. 2019). Load with `load` or `fromJson`.
#[napi]
pub struct XLearner {
    pub(crate) inner: Arc<MultiArmMetaLearner>,
}

meta_learner_methods!(XLearner, Method::XLearner);

/// Class transformation (Jaskowski & Jaroszewicz 2012). Load with `load` or `fromJson`.
#[napi]
pub struct ClassTransformation {
    pub(crate) inner: Arc<MultiArmMetaLearner>,
}

meta_learner_methods!(ClassTransformation, Method::ClassTransformation);

/// Transformed outcome (Athey & Imbens 2015). Load with `load` or `fromJson`.
#[napi]
pub struct TransformedOutcome {
    pub(crate) inner: Arc<MultiArmMetaLearner>,
}

meta_learner_methods!(TransformedOutcome, Method::TransformedOutcome);

/// The class instance of a loaded model.
pub(crate) type AnyMetaLearner =
    Either5<SLearner, TLearner, XLearner, ClassTransformation, TransformedOutcome>;

pub(crate) fn wrap(model: MultiArmMetaLearner) -> AnyMetaLearner {
    let inner = Arc::new(model);
    match inner.method() {
        Method::SLearner => Either5::A(SLearner { inner }),
        Method::TLearner => Either5::B(TLearner { inner }),
        Method::XLearner => Either5::C(XLearner { inner }),
        Method::ClassTransformation => Either5::D(ClassTransformation { inner }),
        Method::TransformedOutcome => Either5::E(TransformedOutcome { inner }),
    }
}
