//! Uplift meta-learners (`ki3_core::uplift::MetaLearnerParams::fit_arms` →
//! `MultiArmMetaLearner`) and the built-in base learners on their own (for `ki3.uplift`'s
//! meta-learners around user estimators). Float64 matrices in (prepared by `ki3.uplift`),
//! numpy arrays out; labels are Python ints or strs.

use ki3_core::Ki3Error;
use ki3_core::model::Params;
use ki3_core::persist::Persist;
use ki3_core::uplift::{
    ArmLabel, BaseLearner, FittedLearner, LearnerKind, LogisticRegressionParams, MetaLearnerParams,
    Method, MultiArmData, MultiArmMetaLearner, Propensity, RidgeParams,
};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::errors::to_pyerr;

/// The hyper-parameters the Python estimators expose; `None` keeps the core's default.
#[derive(Clone, Copy)]
struct Knobs {
    l2: Option<f64>,
    standardize: bool,
    max_iter: Option<usize>,
    tol: Option<f64>,
}

impl Knobs {
    fn logistic(&self) -> LogisticRegressionParams {
        let mut p = LogisticRegressionParams::default();
        if let Some(l2) = self.l2 {
            p = p.l2(l2);
        }
        if let Some(n) = self.max_iter {
            p = p.max_iter(n);
        }
        if let Some(tol) = self.tol {
            p = p.tol(tol);
        }
        p
    }

    fn learner(&self, name: &str, kind: &str) -> Result<BaseLearner, Ki3Error> {
        let kind = match kind {
            "logistic" => LearnerKind::Logistic(self.logistic()),
            "ridge" => LearnerKind::Ridge(match self.l2 {
                Some(l2) => RidgeParams::default().l2(l2),
                None => RidgeParams::default(),
            }),
            other => {
                return Err(Ki3Error::param(
                    name,
                    format!("expected \"logistic\", \"ridge\" or an estimator, got {other:?}"),
                ));
            }
        };
        Ok(BaseLearner {
            kind,
            standardize: self.standardize,
        })
    }
}

fn method(name: &str) -> Result<Method, Ki3Error> {
    Ok(match name {
        "s_learner" => Method::SLearner,
        "t_learner" => Method::TLearner,
        "x_learner" => Method::XLearner,
        "class_transformation" => Method::ClassTransformation,
        "transformed_outcome" => Method::TransformedOutcome,
        other => {
            return Err(Ki3Error::param(
                "method",
                format!("unknown method {other:?}"),
            ));
        }
    })
}

fn method_name(m: Method) -> &'static str {
    match m {
        Method::SLearner => "s_learner",
        Method::TLearner => "t_learner",
        Method::XLearner => "x_learner",
        Method::ClassTransformation => "class_transformation",
        Method::TransformedOutcome => "transformed_outcome",
    }
}

fn label(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<ArmLabel> {
    if let Ok(i) = obj.extract::<i64>() {
        return Ok(ArmLabel::Int(i));
    }
    obj.extract::<String>()
        .map(ArmLabel::Str)
        .map_err(|_| to_pyerr(Ki3Error::param(name, "labels must be integers or strings")))
}

fn label_to_py<'py>(py: Python<'py>, l: &ArmLabel) -> PyResult<Bound<'py, PyAny>> {
    Ok(match l {
        ArmLabel::Int(i) => i.into_pyobject(py)?.into_any(),
        ArmLabel::Str(s) => s.into_pyobject(py)?.into_any(),
    })
}

/// A fitted uplift meta-learner with one model per treatment arm.
#[pyclass(module = "ki3._ki3", name = "UpliftMetaLearner", frozen)]
pub struct PyUpliftMetaLearner {
    inner: MultiArmMetaLearner,
}

impl PyUpliftMetaLearner {
    pub(crate) fn wrap(inner: MultiArmMetaLearner) -> Self {
        PyUpliftMetaLearner { inner }
    }
}

#[pymethods]
impl PyUpliftMetaLearner {
    /// Fits `method` ("s_learner", "t_learner", "x_learner", "class_transformation",
    /// "transformed_outcome") on `x`, group codes `treatment` (0 control, `a` for `arms[a-1]`)
    /// and `y`. `learner` / `effect_learner` are "logistic" or "ridge"; `propensity` "half",
    /// "share" or "logistic"; `None` options keep the core's defaults.
    #[staticmethod]
    #[pyo3(signature = (method, x, treatment, y, control, arms, learner="logistic",
        effect_learner="ridge", propensity="share", l2=None, standardize=true, max_iter=None,
        tol=None))]
    #[allow(clippy::too_many_arguments)]
    fn fit(
        py: Python<'_>,
        method: &str,
        x: PyReadonlyArray2<'_, f64>,
        treatment: PyReadonlyArray1<'_, f64>,
        y: PyReadonlyArray1<'_, f64>,
        control: &Bound<'_, PyAny>,
        arms: Vec<Bound<'_, PyAny>>,
        learner: &str,
        effect_learner: &str,
        propensity: &str,
        l2: Option<f64>,
        standardize: bool,
        max_iter: Option<usize>,
        tol: Option<f64>,
    ) -> PyResult<Self> {
        let knobs = Knobs {
            l2,
            standardize,
            max_iter,
            tol,
        };
        let build = || -> Result<MetaLearnerParams, Ki3Error> {
            let propensity = match propensity {
                "half" => Propensity::Half,
                "share" => Propensity::Share,
                "logistic" => Propensity::Logistic(knobs.logistic()),
                other => {
                    return Err(Ki3Error::param(
                        "propensity",
                        format!(
                            "expected \"half\", \"share\", \"logistic\" or a classifier, got {other:?}"
                        ),
                    ));
                }
            };
            Ok(MetaLearnerParams::new(self::method(method)?)
                .learner(knobs.learner("learner", learner)?)
                .effect_learner(knobs.learner("effect_learner", effect_learner)?)
                .propensity(propensity))
        };
        let params = build().map_err(to_pyerr)?;
        let control = label(control, "control")?;
        let arms = arms
            .iter()
            .map(|a| label(a, "arms"))
            .collect::<PyResult<Vec<_>>>()?;
        let (x, t, y) = (x.as_array(), treatment.as_array(), y.as_array());
        let data = MultiArmData { x, treatment: t, y };
        let inner = py
            .detach(|| params.fit_arms(&data, control, arms))
            .map_err(to_pyerr)?;
        Ok(PyUpliftMetaLearner { inner })
    }

    /// The uplift of each row of `x` per arm (`n × k`).
    fn predict<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let x = x.as_array();
        let out = py.detach(|| self.inner.predict(x)).map_err(to_pyerr)?;
        Ok(out.into_pyarray(py))
    }

    /// The method's name ("t_learner", ...).
    #[getter]
    fn method(&self) -> &'static str {
        method_name(self.inner.method())
    }

    /// Number of features.
    #[getter]
    fn n_features(&self) -> usize {
        self.inner.n_features()
    }

    /// The control group's label.
    #[getter]
    fn control<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        label_to_py(py, &self.inner.control)
    }

    /// The treatment arms' labels, in column order.
    #[getter]
    fn arms<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let items = self
            .inner
            .arms
            .iter()
            .map(|a| label_to_py(py, a))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, items)
    }

    /// The core hyper-parameters of the first arm's model as JSON (all arms share them).
    #[getter]
    fn params_json(&self) -> PyResult<String> {
        let params = self.inner.models.first().map(|m| &m.params);
        serde_json::to_string(&params).map_err(|e| to_pyerr(Ki3Error::corrupt(e.to_string())))
    }

    /// The model as ki3 JSON.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        py.detach(|| self.inner.to_json()).map_err(to_pyerr)
    }

    /// Loads a model written by `to_json` (here, in Node or in Rust).
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        let inner = py
            .detach(|| MultiArmMetaLearner::from_json(text))
            .map_err(to_pyerr)?;
        Ok(PyUpliftMetaLearner { inner })
    }
}

/// A fitted built-in base learner (standardisation + logistic or ridge regression) on its own.
#[pyclass(module = "ki3._ki3", name = "BaseLearner", frozen)]
pub struct PyBaseLearner {
    inner: FittedLearner,
}

#[pymethods]
impl PyBaseLearner {
    /// Fits `kind` ("logistic" or "ridge") on `x`, `y` with optional sample weights.
    #[staticmethod]
    #[pyo3(signature = (kind, x, y, sample_weight=None, l2=None, standardize=true,
        max_iter=None, tol=None))]
    #[allow(clippy::too_many_arguments)]
    fn fit(
        py: Python<'_>,
        kind: &str,
        x: PyReadonlyArray2<'_, f64>,
        y: PyReadonlyArray1<'_, f64>,
        sample_weight: Option<PyReadonlyArray1<'_, f64>>,
        l2: Option<f64>,
        standardize: bool,
        max_iter: Option<usize>,
        tol: Option<f64>,
    ) -> PyResult<Self> {
        let knobs = Knobs {
            l2,
            standardize,
            max_iter,
            tol,
        };
        let spec = knobs.learner("learner", kind).map_err(to_pyerr)?;
        let (x, y) = (x.as_array(), y.as_array());
        let w = sample_weight.as_ref().map(|w| w.as_array());
        let inner = py
            .detach(|| {
                match &spec.kind {
                    LearnerKind::Logistic(p) => p.check(),
                    LearnerKind::Ridge(p) => p.check(),
                }?;
                FittedLearner::fit(&spec, x, y, w)
            })
            .map_err(to_pyerr)?;
        Ok(PyBaseLearner { inner })
    }

    /// Predictions: `P(y = 1 | x)` for "logistic", `E[y | x]` for "ridge".
    fn predict<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let x = x.as_array();
        if x.ncols() != self.inner.n_features() {
            return Err(to_pyerr(Ki3Error::LengthMismatch {
                arg: "x columns".into(),
                got: x.ncols(),
                expected_arg: "fitted features".into(),
                expected: self.inner.n_features(),
            }));
        }
        let out = py.detach(|| self.inner.predict(x)).map_err(to_pyerr)?;
        Ok(out.into_pyarray(py))
    }

    /// The fitted learner as JSON (for pickling).
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner).map_err(|e| to_pyerr(Ki3Error::corrupt(e.to_string())))
    }

    /// A learner from `to_json`'s text, validated.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        let inner: FittedLearner = serde_json::from_str(text)
            .map_err(|e| to_pyerr(Ki3Error::corrupt(format!("BaseLearner: {e}"))))?;
        inner.validate().map_err(to_pyerr)?;
        Ok(PyBaseLearner { inner })
    }
}
