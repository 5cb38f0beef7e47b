"""ki3.uplift meta-learners: scikit-uplift's Hillstrom numbers, several arms, user estimators
(the Python meta-algorithm equals the core's), scikit-learn protocol, persistence, bad input."""

from __future__ import annotations

import pickle

import ki3
import numpy as np
import pandas as pd
import pytest
from ki3 import _ki3
from ki3.uplift import (
    ClassTransformation,
    SLearner,
    TLearner,
    TransformedOutcome,
    XLearner,
)
from ki3.uplift.metrics import qini_auc_score

CLASSES = [SLearner, TLearner, XLearner, ClassTransformation, TransformedOutcome]
FEATURES = [
    "recency", "history", "mens", "womens", "newbie", "zip_code_Rural", "zip_code_Surburban",
    "zip_code_Urban", "channel_Multichannel", "channel_Phone", "channel_Web",
]


@pytest.fixture(scope="module")
def hillstrom(shared_data):
    """Womens E-Mail vs No E-Mail, target visit, the shared split (rows sorted), the features of
    the reference recipe (``../shared/data/uplift/README.md``): train and test frames."""
    folder = shared_data / "uplift"
    raw = pd.read_csv(folder / "hillstrom.csv")
    dummies = pd.get_dummies(raw[["zip_code", "channel"]]).astype(float)
    data = pd.concat([raw[["recency", "history", "mens", "womens", "newbie"]], dummies], axis=1)
    data["segment"], data["visit"] = raw["segment"], raw["visit"]
    split = pd.read_csv(folder / "hillstrom_womens_vs_none_split_rs42.csv").sort_values("row")
    rows = data.loc[split["row"]].assign(is_test=split["is_test"].to_numpy())
    return rows[rows.is_test == 0], rows[rows.is_test == 1]


def _qini(model, test):
    uplift = model.predict(test[FEATURES])
    assert uplift.shape == (len(test), 1)
    t = (test.segment == "Womens E-Mail").astype(float)
    return qini_auc_score(test.visit, uplift[:, 0], t)


# scikit-uplift 0.5.1 with StandardScaler + LogisticRegression(C=1, tol=1e-10): the
# "scaled_tight" rows of hillstrom_reference_metrics.json.
@pytest.mark.parametrize(("model", "reference"), [
    (TLearner(control="No E-Mail"), 0.06318188417256987),
    (ClassTransformation(control="No E-Mail", propensity="half"), 0.0552050365371357),
])
def test_hillstrom_reproduces_scikit_uplift(hillstrom, model, reference):
    train, test = hillstrom
    model.fit(train[FEATURES], train.segment, train.visit)
    assert model.treatment_arms_ == ["Womens E-Mail"] and model.control_ == "No E-Mail"
    assert list(model.feature_names_in_) == FEATURES
    assert abs(_qini(model, test) - reference) < 1e-3
    # The core reaches the unique optimum: much closer than the 1e-3.
    assert abs(_qini(model, test) - reference) < 1e-5


def _three_groups(n=6_000, seed=0):
    """Control "c", arms "a" and "b" with known uplift on binary outcomes."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(n, 3))
    g = rng.choice(np.array(["c", "a", "b"]), size=n)
    lift = np.where(g == "a", 0.5 + x[:, 1], np.where(g == "b", -0.3 + 0.8 * x[:, 0], 0.0))
    p = 1 / (1 + np.exp(-(-1 + x[:, 0] + lift)))
    y = (rng.uniform(size=n) < p).astype(float)
    return x, g, y


def test_several_arms_give_one_column_per_arm_equal_to_pairwise_fits():
    x, g, y = _three_groups()
    for cls in (SLearner, TLearner, XLearner, ClassTransformation):
        model = cls(control="c").fit(x, g, y)
        assert model.treatment_arms_ == ["a", "b"]  # sorted when inferred
        pred = model.predict(x)
        assert pred.shape == (len(x), 2)
        for j, arm in enumerate(["a", "b"]):
            rows = np.isin(g, ["c", arm])
            pair = cls(control="c").fit(x[rows], g[rows], y[rows])
            np.testing.assert_array_equal(pred[:, j], pair.predict(x)[:, 0])
    # Declared arms fix the column order.
    model = TLearner(control="c", arms=["b", "a"]).fit(x, g, y)
    flipped = TLearner(control="c").fit(x, g, y).predict(x)[:, ::-1]
    np.testing.assert_array_equal(model.predict(x), flipped)


def test_integer_labels_and_polars_input():
    x, g, y = _three_groups(2_000, 1)
    codes = np.select([g == "c", g == "a"], [0, 1], 2)
    a = TLearner().fit(x, codes, y)
    assert a.treatment_arms_ == [1, 2] and a.control_ == 0
    b = TLearner().fit(pd.DataFrame(x, columns=["p", "q", "r"]), pd.Series(codes.astype(float)),
                       pd.Series(y))
    np.testing.assert_array_equal(a.predict(x), b.predict(pd.DataFrame(x, columns=list("pqr"))))
    pl = pytest.importorskip("polars")
    c = TLearner().fit(pl.DataFrame(x, schema=["p", "q", "r"]), pl.Series(codes), pl.Series(y))
    np.testing.assert_array_equal(a.predict(x), c.predict(x))


# --------------------------------------------------------------------------------------------
# User estimators: the Python meta-algorithm equals the core's
# --------------------------------------------------------------------------------------------


class CoreRidge:
    """A scikit-learn-style wrapper around the core's standardised ridge regression
    (``_ki3.BaseLearner``), so the Python meta-algorithm can be compared with the core's."""

    kind = "ridge"

    def get_params(self, deep=True):
        return {}

    def set_params(self, **params):
        return self

    def fit(self, X, y, sample_weight=None):
        w = None if sample_weight is None else np.ascontiguousarray(sample_weight, np.float64)
        self.model_ = _ki3.BaseLearner.fit(self.kind, np.ascontiguousarray(X, np.float64),
                                           np.ascontiguousarray(y, np.float64), w)
        return self

    def predict(self, X):
        return self.model_.predict(np.ascontiguousarray(X, np.float64))


class CoreLogistic(CoreRidge):
    """The core's logistic regression as a classifier (``predict_proba``, ``classes_``)."""

    kind = "logistic"
    classes_ = np.array([0.0, 1.0])

    def predict_proba(self, X):
        p = self.predict(X)
        return np.column_stack([1 - p, p])


@pytest.mark.parametrize("propensity", ["share", "half", "logistic"])
@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_python_meta_algorithm_matches_the_core(cls, propensity):
    x, g, y = _three_groups(3_000, 2)
    if cls is TransformedOutcome:
        y = y * 3.0 + x[:, 2]  # continuous
    kwargs = {} if cls in (SLearner, TLearner) else {"propensity": propensity}
    if cls in (SLearner, TLearner) and propensity != "share":
        pytest.skip("no propensity")
    core = cls(control="c", **kwargs).fit(x, g, y)
    user = {}
    if "learner" in cls().get_params():
        user["learner"] = CoreLogistic()
    if "effect_learner" in cls().get_params():
        user["effect_learner"] = CoreRidge()
    wrapped = cls(control="c", **kwargs, **user).fit(x, g, y)
    assert wrapped._native is None and core._native is not None
    np.testing.assert_allclose(wrapped.predict(x), core.predict(x), rtol=0, atol=1e-8)


def test_user_estimators_from_scikit_learn_pickle_but_do_not_save(tmp_path):
    lm = pytest.importorskip("sklearn.linear_model")
    x, g, y = _three_groups(2_000, 3)
    model = XLearner(lm.LogisticRegression(), lm.Ridge(), control="c").fit(x, g, y)
    pred = model.predict(x)
    assert pred.shape == (2_000, 2) and np.isfinite(pred).all()
    back = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(back.predict(x), pred)
    with pytest.raises(ki3.InvalidInputError, match="LogisticRegression, Ridge.*pickle"):
        model.save(tmp_path / "m.json")
    # A continuous outcome with a regressor as the T-learner's learner.
    t = TLearner(lm.LinearRegression(), control="c").fit(x, g, x[:, 0] + (g == "a"))
    np.testing.assert_allclose(t.predict(x), np.tile([1.0, 0.0], (2_000, 1)), atol=1e-10)


def test_scikit_learn_clone_and_grid_search():
    base = pytest.importorskip("sklearn.base")
    ms = pytest.importorskip("sklearn.model_selection")
    lm = pytest.importorskip("sklearn.linear_model")
    model = XLearner(lm.LogisticRegression(C=0.5), propensity="half", l2=2.0, control="c")
    twin = base.clone(model)
    assert twin.get_params(deep=False) == {**model.get_params(deep=False),
                                           "learner": twin.learner}
    assert twin.learner is not model.learner and twin.learner.C == 0.5
    assert model.get_params()["learner__C"] == 0.5
    model.set_params(learner__C=2.0, l2=3.0)
    assert model.learner.C == 2.0 and model.l2 == 3.0
    with pytest.raises(ki3.InvalidInputError, match="invalid parameter nope"):
        model.set_params(nope=1)
    x, g, y = _three_groups(3_000, 4)
    target = np.empty((len(g), 2), dtype=object)  # [treatment, y]: one target for sklearn
    target[:, 0], target[:, 1] = g, y
    search = ms.GridSearchCV(TLearner(control="c"), {"l2": [0.01, 100.0]}, cv=3)
    search.fit(x, target)
    assert search.best_params_["l2"] in (0.01, 100.0)
    assert search.best_estimator_.predict(x).shape == (3_000, 2)
    # score is the mean Qini over arms.
    fitted = TLearner(control="c").fit(x, g, y)
    u = fitted.predict(x)
    expect = np.mean([
        qini_auc_score(y[np.isin(g, ["c", a])], u[np.isin(g, ["c", a]), j],
                       (g[np.isin(g, ["c", a])] == a).astype(float))
        for j, a in enumerate(["a", "b"])
    ])
    assert fitted.score(x, g, y) == pytest.approx(expect, abs=1e-15)
    assert fitted.score(x, target) == fitted.score(x, g, y)


# --------------------------------------------------------------------------------------------
# Persistence
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_save_load_and_pickle_round_trip_exactly(cls, tmp_path):
    x, g, y = _three_groups(1_500, 5)
    if cls is TransformedOutcome:
        y = y + x[:, 0]
    kw = {"propensity": "logistic"} if cls not in (SLearner, TLearner) else {}
    model = cls(control="c", l2=0.5, **kw).fit(x, g, y)
    path = tmp_path / "m.json"
    model.save(path)
    back = ki3.load(path)
    assert type(back) is cls
    np.testing.assert_array_equal(back.predict(x), model.predict(x))
    assert back.treatment_arms_ == ["a", "b"] and back.control_ == "c"
    assert back.get_params() == model.get_params() | {"arms": ["a", "b"],
                                                       "max_iter": 1000, "tol": 1e-8}
    assert back.to_json() == model.to_json()
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.predict(x), model.predict(x))


def test_a_rust_two_group_model_loads_as_one_arm(tmp_path):
    x, g, y = _three_groups(1_000, 6)
    model = TLearner(control="c", arms=["a"]).fit(x[g != "b"], g[g != "b"], y[g != "b"])
    import json

    doc = json.loads(model.to_json())
    single = {"format": "ki3", "kind": "UpliftMetaLearner", "version": 1,
              "state": doc["state"]["models"][0]}
    path = tmp_path / "single.json"
    path.write_text(json.dumps(single))
    back = ki3.load(path)
    assert type(back) is TLearner and back.treatment_arms_ == [1] and back.control_ == 0
    np.testing.assert_array_equal(back.predict(x), model.predict(x))


def test_corrupt_saved_models_are_rejected(tmp_path):
    x, g, y = _three_groups(500, 7)
    text = TLearner(control="c").fit(x, g, y).to_json()
    path = tmp_path / "bad.json"
    for bad in (text.replace('"arms":["a","b"]', '"arms":["a"]'),
                text.replace('"arms":["a","b"]', '"arms":["a","c"]'),
                text[: len(text) // 2]):
        path.write_text(bad)
        with pytest.raises(ki3.InvalidInputError, match="corrupt saved state"):
            ki3.load(path)


# --------------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_bad_input_names_the_argument(cls):
    x, g, y = _three_groups(300, 8)
    y = y if cls is not TransformedOutcome else y + 0.5
    model = cls(control="c", arms=["a"])
    with pytest.raises(ki3.InvalidInputError, match=r"^treatment: invalid value at row \d+: 'b'"):
        model.fit(x, g, y)
    with pytest.raises(ki3.InvalidInputError, match="treatment: only the control group"):
        cls(control="c").fit(x, np.full(300, "c"), y)
    with pytest.raises(ki3.InvalidInputError, match="control label 'z' does not occur"):
        cls(control="z").fit(x, g, y)
    with pytest.raises(ki3.InvalidInputError, match="no rows of treatment arm"):
        cls(control="c", arms=["a", "b", "d"]).fit(x, g, y)
    bad_y = y.copy()
    bad_y[7] = np.nan
    with pytest.raises(ki3.InvalidInputError, match="^y: non-finite value at row 7"):
        cls(control="c").fit(x, g, bad_y)
    if cls is not TransformedOutcome:
        half = y.copy()
        half[5] = 0.5
        with pytest.raises(ki3.InvalidInputError, match="^y: invalid value at row 5"):
            cls(control="c").fit(x, g, half)
    with pytest.raises(ki3.InvalidInputError, match="^x: empty input"):
        cls(control="c").fit(np.zeros((0, 3)), np.array([], dtype=str), np.zeros(0))
    with pytest.raises(ki3.InvalidInputError, match="treatment: missing value at row 3"):
        cls(control="c").fit(x, pd.Series(g).where(np.arange(300) != 3), y)
    with pytest.raises(ki3.InvalidInputError, match="treatment: length 2 does not match"):
        cls(control="c").fit(x, g[:2], y)
    fitted = cls(control="c").fit(x, g, y)
    with pytest.raises(ki3.InvalidInputError, match="x columns: length 2 does not match"):
        fitted.predict(x[:, :2])
    with pytest.raises(ki3.InvalidInputError, match="X: expected a 2-d array"):
        fitted.predict(x[0])
    with pytest.raises(ki3.NotFittedError):
        cls().predict(x)


def test_bad_learner_parameters():
    x, g, y = _three_groups(300, 9)
    with pytest.raises(ki3.InvalidInputError, match="invalid parameter learner"):
        TLearner("forest", control="c").fit(x, g, y)
    with pytest.raises(ki3.InvalidInputError, match="invalid parameter learner"):
        TLearner(object(), control="c").fit(x, g, y)  # type: ignore[arg-type]
    with pytest.raises(ki3.InvalidInputError, match="invalid parameter propensity"):
        XLearner(propensity="always", control="c").fit(x, g, y)
    with pytest.raises(ki3.InvalidInputError, match="invalid parameter l2"):
        TLearner(l2=-1.0, control="c").fit(x, g, y)
    with pytest.raises(ki3.InvalidInputError, match="class transformation needs a classifier"):
        ClassTransformation("ridge", control="c").fit(x, g, y)
    with pytest.raises(ki3.InvalidInputError, match="X: column 's' is not numeric"):
        TLearner(control="c").fit(pd.DataFrame({"s": ["a"] * 300}), g, y)
