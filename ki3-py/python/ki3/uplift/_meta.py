"""Meta-learners: :class:`SLearner`, :class:`TLearner`, :class:`XLearner`,
:class:`ClassTransformation`, :class:`TransformedOutcome` (exported by :mod:`ki3.uplift`).

With the built-in learners (``"logistic"``, ``"ridge"``) everything runs in the Rust core
(``ki3_core::uplift::MetaLearnerParams::fit_arms``) and the model saves to the cross-language
ki3 JSON. With a scikit-learn-style estimator as learner, the same formulas run here in Python
around clones of that estimator (:func:`_fit_custom` mirrors the core line by line).
"""

from __future__ import annotations

import copy as _copy
import inspect
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Union

import numpy as np

from .. import _ki3
from .. import _typing as _t
from .._errors import InvalidInputError, NotFittedError
from .._frame import _is_pandas, _is_polars, _kind, as_column, factorize
from .._load import _register_loader

if TYPE_CHECKING:
    from typing_extensions import Self
else:  # a real typing.Self at run time, so that typing.get_type_hints resolves
    Self = _t.Self

__all__ = ["ClassTransformation", "SLearner", "TLearner", "TransformedOutcome", "XLearner"]

#: A learner: the name of a built-in one or a scikit-learn-style estimator.
Learner = Union[str, _t.Estimator]
#: A propensity: "half", "share", "logistic" (built-in) or a classifier with predict_proba.
PropensityLike = Union[str, _t.Estimator]
#: A treatment label.
Label = Union[int, str]

# Bounds of an estimated propensity used as a divisor (the core's MIN_PROPENSITY).
_MIN_PROPENSITY = 1e-6


# --------------------------------------------------------------------------------------------
# Input conversion
# --------------------------------------------------------------------------------------------


def _matrix(X: Any, name: str = "X") -> tuple[np.ndarray, list[str] | None]:
    """A 2-d float64 C-contiguous matrix and the column names of a DataFrame (else None)."""
    names: list[str] | None = None
    if _is_pandas(X, "DataFrame"):
        names = [str(c) for c in X.columns]
        for col in X.columns:
            if _kind(X[col]) not in "biuf":
                raise InvalidInputError(
                    f"{name}: column {col!r} is not numeric (dtype {X[col].dtype}); encode it first"
                )
        arr = X.to_numpy(dtype=np.float64, na_value=np.nan)
    elif _is_polars(X) and hasattr(X, "columns") and hasattr(X, "to_numpy"):
        names = [str(c) for c in X.columns]
        for col, dtype in zip(X.columns, X.dtypes):
            if not dtype.is_numeric() and str(dtype) != "Boolean":
                raise InvalidInputError(
                    f"{name}: column {col!r} is not numeric (dtype {dtype}); encode it first"
                )
        arr = X.to_numpy().astype(np.float64)
    else:
        try:
            arr = np.asarray(X)
        except (TypeError, ValueError) as err:
            raise InvalidInputError(f"{name}: expected a 2-d numeric array: {err}") from None
        if arr.ndim != 2:
            raise InvalidInputError(f"{name}: expected a 2-d array (rows x features), got shape "
                                    f"{arr.shape}")
        if arr.dtype.kind not in "biuf":
            raise InvalidInputError(f"{name}: expected numbers, got dtype {arr.dtype}")
    return np.ascontiguousarray(arr, dtype=np.float64), names


def _floats(values: object, name: str) -> np.ndarray:
    col = as_column(values, name)
    if _kind(col) not in "biuf":
        raise InvalidInputError(f"{name}: expected numbers, got dtype {col.dtype}")
    if not isinstance(col, np.ndarray):
        col = col.to_numpy(dtype=np.float64, na_value=np.nan)
    return np.ascontiguousarray(col, dtype=np.float64)


def _label(value: object, name: str) -> Label:
    """A label as the core keeps it: an int (integral numbers, bools) or a str."""
    if isinstance(value, (bool, np.bool_, int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    if isinstance(value, (str, np.str_)):
        return str(value)
    raise InvalidInputError(f"{name}: labels must be integers or strings, got {value!r}")


def _groups(
    treatment: object, n: int, control: object, arms: object
) -> tuple[np.ndarray, Label, list[Label]]:
    """Group codes (0 control, a for arms[a-1]), the control label and the arms' labels."""
    col = as_column(treatment, "treatment")
    if len(col) != n:
        raise InvalidInputError(f"treatment: length {len(col)} does not match x rows length {n}")
    codes, labels = factorize(col, "treatment")
    found = [_label(v, "treatment") for v in labels]
    ctrl = _label(control, "control")
    if arms is None:
        declared = [v for v in found if v != ctrl]
    else:
        if isinstance(arms, (str, bytes)) or not hasattr(arms, "__iter__"):
            raise InvalidInputError(f"arms: expected a list of treatment labels, got {arms!r}")
        declared = [_label(a, "arms") for a in arms]  # type: ignore[union-attr]
    position = {lab: k + 1 for k, lab in enumerate(declared)}
    position[ctrl] = 0
    lookup = np.empty(len(found), dtype=np.float64)
    for k, lab in enumerate(found):
        if lab not in position:
            row = int(np.flatnonzero(codes == k)[0])
            raise InvalidInputError(
                f"treatment: invalid value at row {row}: {lab!r} is neither the control "
                f"({ctrl!r}) nor a declared arm ({declared!r})"
            )
        lookup[k] = position[lab]
    if ctrl not in found and n > 0:
        raise InvalidInputError(
            f"treatment: the control label {ctrl!r} does not occur (labels: {found!r}); pass "
            "control=<the control group's label>"
        )
    if not declared and n > 0:
        raise InvalidInputError(
            f"treatment: only the control group ({ctrl!r}) is present; uplift needs it and at "
            "least one treatment arm"
        )
    out = lookup[codes] if len(found) else np.zeros(0, dtype=np.float64)
    return np.ascontiguousarray(out), ctrl, declared


def _split_target(treatment: Any, y: Any) -> tuple[Any, Any]:
    """``y`` omitted and ``treatment`` a 2-column array: the columns are (treatment, y), the
    one-target form scikit-learn's model selection passes through."""
    if y is not None:
        return treatment, y
    arr = np.asarray(treatment, dtype=object) if not _is_pandas(treatment, "DataFrame") \
        else treatment.to_numpy(dtype=object)
    if arr.ndim == 2 and arr.shape[1] == 2:
        return arr[:, 0], _numbers(arr[:, 1])
    raise InvalidInputError("y: missing; pass fit(X, treatment, y) (or a 2-column treatment "
                            "array [treatment, y])")


def _numbers(values: np.ndarray) -> np.ndarray:
    try:
        return values.astype(np.float64)
    except (TypeError, ValueError):
        raise InvalidInputError("y: expected numbers") from None


# --------------------------------------------------------------------------------------------
# The Python meta-algorithm around user estimators
# --------------------------------------------------------------------------------------------


def _clone(est: Any) -> Any:
    try:
        from sklearn.base import clone
    except ImportError:  # pragma: no cover - scikit-learn is optional
        return _copy.deepcopy(est)
    try:
        return clone(est)
    except TypeError:  # not a scikit-learn estimator
        return _copy.deepcopy(est)


class _Builtin:
    """A built-in core learner with the scikit-learn estimator interface (``fit``,
    ``predict``, and ``predict_proba`` for ``"logistic"``); pickles through its JSON."""

    def __init__(self, kind: str, l2: float | None = None, standardize: bool = True,
                 max_iter: int | None = None, tol: float | None = None) -> None:
        self.kind, self.l2, self.standardize, self.max_iter, self.tol = \
            kind, l2, standardize, max_iter, tol
        self._fitted: Any = None

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> _Builtin:
        w = None if sample_weight is None else np.ascontiguousarray(sample_weight, np.float64)
        self._fitted = _ki3.BaseLearner.fit(
            self.kind, np.ascontiguousarray(X, np.float64), np.ascontiguousarray(y, np.float64),
            w, self.l2, self.standardize, self.max_iter, self.tol,
        )
        return self

    def predict(self, X: Any) -> np.ndarray:
        return np.asarray(self._fitted.predict(np.ascontiguousarray(X, np.float64)))

    def __getattr__(self, name: str) -> Any:
        # predict_proba only for the classifier, so that hasattr tells them apart.
        if name == "predict_proba" and self.__dict__.get("kind") == "logistic":
            def predict_proba(X: Any) -> np.ndarray:
                p = self.predict(X)
                return np.column_stack([1.0 - p, p])
            return predict_proba
        raise AttributeError(name)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_fitted"] = None if self._fitted is None else self._fitted.to_json()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        text = state.pop("_fitted")
        self.__dict__.update(state)
        self._fitted = None if text is None else _ki3.BaseLearner.from_json(text)


def _is_classifier(est: Any) -> bool:
    return hasattr(est, "predict_proba")


def _mean_outcome(est: Any, X: np.ndarray) -> np.ndarray:
    """``P(y = 1 | x)`` of a classifier (the column of class 1), ``E[y | x]`` of a regressor."""
    if not _is_classifier(est):
        return np.asarray(est.predict(X), dtype=np.float64).reshape(-1)
    proba = np.asarray(est.predict_proba(X), dtype=np.float64)
    classes = list(getattr(est, "classes_", [0, 1]))
    col = classes.index(1) if 1 in classes else proba.shape[1] - 1
    return proba[:, col]


def _fit_arm(method: str, spec: dict[str, Any], x: np.ndarray, t: np.ndarray,
             y: np.ndarray) -> dict[str, Any]:
    """The fitted parts of one arm (treatment flags ``t`` in {0, 1}); formulas as in the core's
    ``meta.rs``."""
    treated, control = t == 1.0, t == 0.0
    clip = lambda e: np.clip(e, _MIN_PROPENSITY, 1.0 - _MIN_PROPENSITY)

    def fitted(est: Any, xs: np.ndarray, ys: np.ndarray, w: np.ndarray | None = None) -> Any:
        model = _clone(est)
        if w is None:
            model.fit(xs, ys)
        else:
            model.fit(xs, ys, sample_weight=w)
        return model

    def propensity() -> Any:
        prop = spec["propensity"]
        if prop == "half":
            return 0.5
        if prop == "share":
            return treated.sum() / len(t)
        return fitted(prop, x, t)

    learner, effect = spec["learner"], spec["effect_learner"]
    if method == "s_learner":
        return {"mu": fitted(learner, np.column_stack([x, t]), y)}
    mu0 = mu1 = None
    if method in ("t_learner", "x_learner"):
        mu0 = fitted(learner, x[control], y[control])
        mu1 = fitted(learner, x[treated], y[treated])
    if method == "t_learner":
        return {"mu0": mu0, "mu1": mu1}
    e = propensity()
    if method == "x_learner":
        d0 = _mean_outcome(mu1, x[control]) - y[control]
        d1 = y[treated] - _mean_outcome(mu0, x[treated])
        return {"tau0": fitted(effect, x[control], d0), "tau1": fitted(effect, x[treated], d1),
                "e": e}
    scores = None if isinstance(e, float) else clip(_mean_outcome(e, x))
    if method == "class_transformation":
        z = (y == t).astype(np.float64)
        w = None
        if scores is not None or e != 0.5:
            ev = np.full(len(t), e) if scores is None else scores
            ev = clip(ev)
            w = np.where(t == 1.0, 0.5 / ev, 0.5 / (1.0 - ev))
        return {"clf": fitted(learner, x, z, w), "e": e}
    ev = clip(np.full(len(t), e) if scores is None else scores)
    ystar = y * (t - ev) / (ev * (1.0 - ev))
    return {"reg": fitted(effect, x, ystar), "e": e}


def _predict_arm(method: str, parts: dict[str, Any], x: np.ndarray) -> np.ndarray:
    if method == "s_learner":
        mu, n = parts["mu"], len(x)
        return (_mean_outcome(mu, np.column_stack([x, np.ones(n)]))
                - _mean_outcome(mu, np.column_stack([x, np.zeros(n)])))
    if method == "t_learner":
        return _mean_outcome(parts["mu1"], x) - _mean_outcome(parts["mu0"], x)
    if method == "x_learner":
        e = parts["e"]
        g = np.full(len(x), e) if isinstance(e, float) else _mean_outcome(e, x)
        return g * _mean_outcome(parts["tau0"], x) + (1.0 - g) * _mean_outcome(parts["tau1"], x)
    if method == "class_transformation":
        return _mean_outcome(parts["clf"], x) * 2.0 - 1.0
    return _mean_outcome(parts["reg"], x)


# --------------------------------------------------------------------------------------------
# The estimators
# --------------------------------------------------------------------------------------------


class _MetaLearner:
    """What every meta-learner shares; subclasses set ``_method`` and their ``__init__``."""

    _method: ClassVar[str]
    _uses: ClassVar[tuple[str, ...]]  # the learner slots the method uses
    # Constructor arguments (each subclass's __init__ sets those it takes).
    control: Label
    arms: list[Label] | None
    l2: float | None
    standardize: bool
    max_iter: int | None
    tol: float | None
    # Fitted state: the core model (built-in learners) or the Python parts per arm.
    _native: Any
    _parts: Any

    # --- scikit-learn protocol ---------------------------------------------------------------

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self, deep: bool = True) -> dict[str, object]:
        """The constructor arguments (scikit-learn's estimator protocol)."""
        out: dict[str, object] = {}
        for name in self._param_names():
            value = getattr(self, name)
            out[name] = value
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                for k, v in value.get_params().items():
                    out[f"{name}__{k}"] = v
        return out

    def set_params(self, **params: object) -> Self:
        """Sets constructor arguments (``learner__C=...`` reaches a nested estimator)."""
        valid = self._param_names()
        nested: dict[str, dict[str, object]] = {}
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in valid:
                raise InvalidInputError(
                    f"invalid parameter {name} for {type(self).__name__}; valid: {valid}"
                )
            if sub:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
        for name, sub_params in nested.items():
            getattr(self, name).set_params(**sub_params)
        return self

    def __sklearn_tags__(self) -> Any:
        from sklearn.utils import Tags, TargetTags

        return Tags(estimator_type=None, target_tags=TargetTags(required=True))

    def __repr__(self) -> str:
        sig = inspect.signature(type(self).__init__)

        def is_default(name: str, value: object) -> bool:
            default = sig.parameters[name].default
            simple = isinstance(value, (str, int, float, bool)) and type(value) is type(default)
            return value is default or (simple and value == default)

        shown = [f"{k}={v!r}" for k, v in self.get_params(deep=False).items()
                 if not is_default(k, v)]
        return f"{type(self).__name__}({', '.join(shown)})"

    # --- fitting -----------------------------------------------------------------------------

    def _spec(self) -> dict[str, Any]:
        """The learner slots; strings stay strings when every used slot is built in."""
        return {
            "learner": getattr(self, "learner", "logistic"),
            "effect_learner": getattr(self, "effect_learner", "ridge"),
            "propensity": getattr(self, "propensity", "share"),
        }

    def _options(self) -> dict[str, Any]:
        """``l2``, ``standardize``, ``max_iter``, ``tol`` checked for type (the core checks
        the ranges)."""
        out: dict[str, Any] = {}
        for name in ("l2", "tol"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, (bool, np.bool_))
                                      or not isinstance(value, (int, float, np.integer,
                                                                np.floating))):
                raise InvalidInputError(f"invalid parameter {name}: expected a number or None, "
                                        f"got {value!r}")
            out[name] = None if value is None else float(value)
        n = self.max_iter
        if n is not None and (isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer))
                              or not 1 <= n <= 2**32):
            raise InvalidInputError(f"invalid parameter max_iter: expected a positive integer or "
                                    f"None, got {n!r}")
        out["max_iter"] = None if n is None else int(n)
        if not isinstance(self.standardize, (bool, np.bool_)):
            raise InvalidInputError(f"invalid parameter standardize: expected a bool, got "
                                    f"{self.standardize!r}")
        out["standardize"] = bool(self.standardize)
        return out

    def _builtin(self) -> bool:
        spec = self._spec()
        return all(isinstance(spec[slot], str) for slot in self._uses)

    def fit(self, X: _t.MatrixLike, treatment: _t.ArrayLike,
            y: _t.ArrayLike | None = None) -> Self:
        """Fits the meta-learner.

        Parameters
        ----------
        X : 2-d array-like, pandas or polars DataFrame
            Numeric features, one row per customer.
        treatment : 1-d array-like
            The group of each row: the control label (``control``, default 0) or a treatment
            arm's label (integers or strings). Alternatively a 2-column array
            ``[treatment, y]`` with ``y`` omitted (the single target that scikit-learn's
            ``GridSearchCV`` / ``cross_val_score`` pass on).
        y : 1-d array-like
            Outcomes: 0/1 for a classifier (the default ``"logistic"`` learner), any numbers
            for ``"ridge"`` / regressors.

        Returns
        -------
        self
        """
        groups, outcomes = _split_target(treatment, y)
        x, names = _matrix(X)
        codes, control, arms = _groups(groups, x.shape[0], self.control, self.arms)
        yv = _floats(outcomes, "y")
        if x.shape[0] == 0:
            raise InvalidInputError("x: empty input")
        spec = self._spec()
        if self._builtin():
            opts = self._options()
            self._native = _ki3.UpliftMetaLearner.fit(
                self._method, x, codes, yv, control, arms, spec["learner"],
                spec["effect_learner"], spec["propensity"], **opts,
            )
            self._parts = None
        else:
            self._native = None
            self._parts = self._fit_custom(spec, x, codes, yv, arms)
        self.control_ = control
        self.treatment_arms_ = list(arms)
        self.n_features_in_ = x.shape[1]
        self.feature_names_in_ = None if names is None else np.asarray(names, dtype=object)
        return self

    def _fit_custom(self, spec: dict[str, Any], x: np.ndarray, codes: np.ndarray,
                    y: np.ndarray, arms: list[Label]) -> list[dict[str, Any]]:
        for slot in self._uses:
            value = spec[slot]
            method = "predict_proba" if slot == "propensity" else "fit"
            if not isinstance(value, str) and not (hasattr(value, "fit")
                                                   and hasattr(value, method)):
                raise InvalidInputError(
                    f"invalid parameter {slot}: expected a built-in learner's name or an "
                    f"estimator with fit and {'predict_proba' if slot == 'propensity' else 'predict'}"
                    f", got {value!r}"
                )
        opts = self._options()
        if spec["propensity"] == "logistic":
            spec["propensity"] = _Builtin("logistic", opts["l2"], True, opts["max_iter"],
                                          opts["tol"])
        elif isinstance(spec["propensity"], str) and spec["propensity"] not in ("half", "share"):
            raise InvalidInputError(
                f"invalid parameter propensity: expected 'half', 'share', 'logistic' or a "
                f"classifier, got {spec['propensity']!r}"
            )
        for slot in ("learner", "effect_learner"):
            if isinstance(spec[slot], str):
                if spec[slot] not in ("logistic", "ridge"):
                    raise InvalidInputError(f"invalid parameter {slot}: expected 'logistic', "
                                            f"'ridge' or an estimator, got {spec[slot]!r}")
                spec[slot] = _Builtin(spec[slot], **opts)
        if len(x) == 0:
            raise InvalidInputError("x: empty input")
        if not np.isfinite(y).all():
            raise InvalidInputError(f"y: non-finite value at row {int(np.flatnonzero(~np.isfinite(y))[0])}")
        needs_binary = self._method == "class_transformation" or (
            self._method != "transformed_outcome" and _is_classifier(spec["learner"]))
        if needs_binary and not np.isin(y, (0.0, 1.0)).all():
            row = int(np.flatnonzero(~np.isin(y, (0.0, 1.0)))[0])
            raise InvalidInputError(f"y: invalid value at row {row}: outcomes must be 0 or 1 for "
                                    "a classifier")
        for a in range(1, len(arms) + 1):
            if not (codes == a).any():
                raise InvalidInputError(f"invalid parameter treatment: no rows of treatment arm "
                                        f"{arms[a - 1]!r}; every arm needs treated rows")
        parts = []
        for a in range(1, len(arms) + 1):
            rows = (codes == 0) | (codes == a)
            t = (codes[rows] == a).astype(np.float64)
            parts.append(_fit_arm(self._method, spec, x[rows], t, y[rows]))
        return parts

    # --- prediction --------------------------------------------------------------------------

    def _check_fitted(self) -> None:
        if not hasattr(self, "treatment_arms_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit first")

    def predict(self, X: _t.MatrixLike) -> np.ndarray:
        """The uplift of each row for each treatment arm.

        Returns
        -------
        numpy.ndarray of shape (n, k)
            Column ``j`` is ``E[y | x, arm j] - E[y | x, control]`` for arm
            ``treatment_arms_[j]`` (control excluded), also with a single arm (then use
            ``predict(X)[:, 0]`` as scikit-uplift's score).
        """
        self._check_fitted()
        x, names = _matrix(X)
        if x.shape[1] != self.n_features_in_:
            raise InvalidInputError(f"x columns: length {x.shape[1]} does not match fitted "
                                    f"features length {self.n_features_in_}")
        fitted_names = self.feature_names_in_
        if names is not None and fitted_names is not None and list(fitted_names) != names:
            raise InvalidInputError(f"X: columns {names} differ from the fitted features "
                                    f"{list(fitted_names)}")
        if self._native is not None:
            return np.asarray(self._native.predict(x))
        if not np.isfinite(x).all():
            flat = int(np.flatnonzero(~np.isfinite(x.reshape(-1)))[0])
            raise InvalidInputError(f"x: non-finite value at row {flat}")
        out = np.empty((x.shape[0], len(self._parts)))
        for j, parts in enumerate(self._parts):
            out[:, j] = _predict_arm(self._method, parts, x)
        return out

    def score(self, X: _t.MatrixLike, treatment: _t.ArrayLike,
              y: _t.ArrayLike | None = None) -> float:
        """scikit-uplift's ``qini_auc_score`` of :meth:`predict` (the mean over arms, each
        on the control rows and that arm's rows); what ``GridSearchCV`` maximises by default."""
        from .metrics import qini_auc_score

        self._check_fitted()
        groups, outcomes = _split_target(treatment, y)
        uplift = self.predict(X)
        codes, _, _ = _groups(groups, uplift.shape[0], self.control_, self.treatment_arms_)
        yv = _floats(outcomes, "y")
        scores = []
        for j in range(uplift.shape[1]):
            rows = (codes == 0) | (codes == j + 1)
            scores.append(qini_auc_score(yv[rows], uplift[rows, j],
                                         (codes[rows] == j + 1).astype(np.float64)))
        return float(np.mean(scores))

    # --- persistence -------------------------------------------------------------------------

    def to_json(self) -> str:
        """The fitted model as ki3 JSON (what :func:`ki3.load`, Node and Rust read).

        Raises
        ------
        ki3.InvalidInputError
            The model uses a user estimator: only built-in learners save to the
            cross-language format (pickle such a model instead).
        """
        self._check_fitted()
        if self._native is None:
            custom = [type(v).__name__ for k, v in self._spec().items()
                      if k in self._uses and not isinstance(v, str)]
            raise InvalidInputError(
                f"save: this {type(self).__name__} uses a user estimator ({', '.join(custom)}); "
                "only models with the built-in learners ('logistic', 'ridge') save to the "
                "cross-language ki3 JSON format. Use pickle for this model."
            )
        return str(self._native.to_json())

    def save(self, path: str | os.PathLike[str]) -> None:
        """Writes :meth:`to_json` to ``path``; read it back with :func:`ki3.load`."""
        text = self.to_json()
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        if state.get("_native") is not None:
            state["_native"] = self._native.to_json()
        return state

    def __setstate__(self, state: Mapping[str, object]) -> None:
        state = dict(state)
        native = state.get("_native")
        if isinstance(native, str):
            state["_native"] = _ki3.UpliftMetaLearner.from_json(native)
        self.__dict__.update(state)


def _common_doc(extra: str = "") -> str:
    return f"""
    Parameters
    ----------{extra}
    control : int or str
        Label of the control group in ``treatment`` (default 0).
    arms : list of int or str, optional
        The treatment arms' labels in the column order of :meth:`predict`; default: every
        label besides ``control`` found in ``treatment``, sorted. A label outside the control
        and the declared arms is an error naming its row.
    l2 : float, optional
        L2 penalty of the built-in learners (``None``: the core's default, 1 — scikit-learn's
        ``LogisticRegression(C=1)`` / ``Ridge(alpha=1)``).
    standardize : bool
        Whether the built-in learners standardise their features on their own training rows
        (scikit-learn's ``StandardScaler``).
    max_iter, tol : optional
        Iteration cap and gradient tolerance of the built-in logistic regressions (``None``:
        the core's defaults).
    """


_LEARNER_DOC = """
    learner : "logistic", "ridge" or estimator
        The outcome model: the core's standardised L2 logistic regression (binary outcomes),
        ridge regression, or any scikit-learn-style estimator (``fit`` and ``predict_proba``
        for binary outcomes, ``predict`` for continuous ones; cloned per model)."""
_EFFECT_DOC = """
    effect_learner : "ridge" or estimator
        The regression of the imputed effects (a regressor)."""
_PROP_DOC = """
    propensity : "share", "half", "logistic" or classifier
        ``e(x) = P(t = 1 | x)``: the treated share of the training rows (default; right for a
        fixed-ratio randomised campaign), 1/2 (scikit-uplift's assumption), a standardised
        logistic regression of the treatment, or a classifier with ``predict_proba``."""


class SLearner(_MetaLearner):
    """S-learner: one model ``mu(x, t)`` with the treatment as the last feature,
    ``tau(x) = mu(x, 1) - mu(x, 0)``.
    """

    _method = "s_learner"
    _uses = ("learner",)

    def __init__(self, learner: Learner = "logistic", *, control: Label = 0,
                 arms: list[Label] | None = None, l2: float | None = None,
                 standardize: bool = True, max_iter: int | None = None,
                 tol: float | None = None) -> None:
        self.learner, self.control, self.arms = learner, control, arms
        self.l2, self.standardize, self.max_iter, self.tol = l2, standardize, max_iter, tol


class TLearner(_MetaLearner):
    """T-learner (scikit-uplift's ``TwoModels``): ``mu_1`` on treated rows, ``mu_0`` on control
    rows, ``tau(x) = mu_1(x) - mu_0(x)``.
    """

    _method = "t_learner"
    _uses = ("learner",)

    def __init__(self, learner: Learner = "logistic", *, control: Label = 0,
                 arms: list[Label] | None = None, l2: float | None = None,
                 standardize: bool = True, max_iter: int | None = None,
                 tol: float | None = None) -> None:
        self.learner, self.control, self.arms = learner, control, arms
        self.l2, self.standardize, self.max_iter, self.tol = l2, standardize, max_iter, tol


class XLearner(_MetaLearner):
    """X-learner (Kunzel, Sekhon, Bickel & Yu 2019): the T-learner's ``mu_0, mu_1``, imputed
    effects ``D1 = y - mu_0(x)`` (treated) and ``D0 = mu_1(x) - y`` (control) regressed into
    ``tau_1, tau_0``, and ``tau(x) = e(x) tau_0(x) + (1 - e(x)) tau_1(x)``.
    """

    _method = "x_learner"
    _uses = ("learner", "effect_learner", "propensity")

    def __init__(self, learner: Learner = "logistic", effect_learner: Learner = "ridge", *,
                 propensity: PropensityLike = "share", control: Label = 0,
                 arms: list[Label] | None = None, l2: float | None = None,
                 standardize: bool = True, max_iter: int | None = None,
                 tol: float | None = None) -> None:
        self.learner, self.effect_learner, self.propensity = learner, effect_learner, propensity
        self.control, self.arms = control, arms
        self.l2, self.standardize, self.max_iter, self.tol = l2, standardize, max_iter, tol


class ClassTransformation(_MetaLearner):
    """Class transformation (Jaskowski & Jaroszewicz 2012): a classifier of
    ``z = y t + (1 - y)(1 - t)``, ``tau(x) = 2 P(z = 1 | x) - 1``; rows are weighted
    ``1/(2e)`` (treated) and ``1/(2(1 - e))`` (control) unless ``e = 1/2``. Binary outcomes.
    scikit-uplift's ``ClassTransformation`` is ``propensity="half"``.
    """

    _method = "class_transformation"
    _uses = ("learner", "propensity")

    def __init__(self, learner: Learner = "logistic", *, propensity: PropensityLike = "share",
                 control: Label = 0, arms: list[Label] | None = None,
                 l2: float | None = None, standardize: bool = True,
                 max_iter: int | None = None, tol: float | None = None) -> None:
        self.learner, self.propensity = learner, propensity
        self.control, self.arms = control, arms
        self.l2, self.standardize, self.max_iter, self.tol = l2, standardize, max_iter, tol


class TransformedOutcome(_MetaLearner):
    """Transformed outcome (Athey & Imbens 2015), for continuous outcomes: a regression of
    ``y* = y (t - e) / (e (1 - e))``, whose conditional mean is ``tau(x)``.
    """

    _method = "transformed_outcome"
    _uses = ("effect_learner", "propensity")

    def __init__(self, effect_learner: Learner = "ridge", *,
                 propensity: PropensityLike = "share", control: Label = 0,
                 arms: list[Label] | None = None, l2: float | None = None,
                 standardize: bool = True, max_iter: int | None = None,
                 tol: float | None = None) -> None:
        self.effect_learner, self.propensity = effect_learner, propensity
        self.control, self.arms = control, arms
        self.l2, self.standardize, self.max_iter, self.tol = l2, standardize, max_iter, tol


SLearner.__doc__ = (SLearner.__doc__ or "") + _common_doc(_LEARNER_DOC)
TLearner.__doc__ = (TLearner.__doc__ or "") + _common_doc(_LEARNER_DOC)
XLearner.__doc__ = (XLearner.__doc__ or "") + _common_doc(_LEARNER_DOC + _EFFECT_DOC + _PROP_DOC)
ClassTransformation.__doc__ = (ClassTransformation.__doc__ or "") + _common_doc(
    _LEARNER_DOC + _PROP_DOC)
TransformedOutcome.__doc__ = (TransformedOutcome.__doc__ or "") + _common_doc(
    _EFFECT_DOC + _PROP_DOC)

_CLASSES: dict[str, type[_MetaLearner]] = {
    cls._method: cls
    for cls in (SLearner, TLearner, XLearner, ClassTransformation, TransformedOutcome)
}


def _from_native(native: Any) -> _MetaLearner:
    """A fitted estimator around a loaded native model; the constructor arguments are read
    back from the core parameters (those of the outcome learner for ``l2`` etc.)."""
    import json

    cls = _CLASSES[native.method]
    params = json.loads(native.params_json)
    obj = cls.__new__(cls)
    slot = "effect_learner" if cls is TransformedOutcome else "learner"
    kind = next(iter(params[slot]["kind"].values()))
    # The iteration options are those of the first logistic regression the model uses.
    logistic = [params[s]["kind"]["logistic"] for s in (slot, "learner", "effect_learner")
                if "logistic" in params[s]["kind"]]
    if isinstance(params["propensity"], dict):
        logistic.append(params["propensity"]["logistic"])
    if cls in (SLearner, TLearner):
        logistic = logistic[:1] if "logistic" in params["learner"]["kind"] else []
    init: dict[str, object] = {
        "control": native.control, "arms": list(native.arms), "l2": kind["l2"],
        "standardize": params[slot]["standardize"],
        "max_iter": logistic[0]["max_iter"] if logistic else None,
        "tol": logistic[0]["tol"] if logistic else None,
    }
    if "learner" in cls._param_names():
        init["learner"] = next(iter(params["learner"]["kind"]))
    if "effect_learner" in cls._param_names():
        init["effect_learner"] = next(iter(params["effect_learner"]["kind"]))
    if "propensity" in cls._param_names():
        prop = params["propensity"]
        init["propensity"] = prop if isinstance(prop, str) else next(iter(prop))
    for name in cls._param_names():
        setattr(obj, name, init[name])
    obj._native, obj._parts = native, None
    obj.control_, obj.treatment_arms_ = native.control, list(native.arms)
    obj.n_features_in_, obj.feature_names_in_ = int(native.n_features), None
    return obj


_register_loader(_ki3.UpliftMetaLearner, _from_native)
