"""Bad input: clear errors (ki3.InvalidInputError is a ValueError), never a crash."""

from __future__ import annotations

import itertools

import ki3
import numpy as np
import pandas as pd
import pytest
from ki3.datasets import synthetic_shop
from ki3.features import (
    FeatureAggregator,
    customer_features,
    historical_features,
    rfm_scores,
    rfm_summary,
)
from ki3.uplift import (
    ClassTransformation,
    SLearner,
    TLearner,
    TransformedOutcome,
    XLearner,
)
from ki3.uplift import metrics as uplift_metrics

EVENTS = {
    "c": np.array([1, 1, 2, 3]),
    "t": np.array([0, 86_400, 3_600, 7_200]),
    "a": np.array([1.0, 2.0, 3.0, 4.0]),
}
COLS = {"customer": "c", "timestamp": "t", "amount": "a"}


def features(events, **kw):
    args = {**COLS, "as_of": 10**6, **kw}
    return customer_features(events, **args)


def test_error_hierarchy():
    assert issubclass(ki3.InvalidInputError, ki3.Ki3Error)
    assert issubclass(ki3.InvalidInputError, ValueError)
    assert issubclass(ki3.NotFittedError, ki3.Ki3Error)
    assert issubclass(ki3.ConvergenceError, ki3.Ki3Error)
    with pytest.raises(ValueError) as err:
        features({**EVENTS, "a": np.array([1.0, -1.0, 0.0, 0.0])})
    assert isinstance(err.value, ki3.InvalidInputError)


@pytest.mark.parametrize("value, message", [
    (np.nan, "non-finite value at row 2"),
    (np.inf, "non-finite value at row 2"),
    (-np.inf, "non-finite value at row 2"),
    (-0.5, "invalid value at row 2: negative amount"),
])
def test_bad_amounts_name_the_column_and_row(value, message):
    a = EVENTS["a"].copy()
    a[2] = value
    with pytest.raises(ki3.InvalidInputError, match=message) as err:
        features({**EVENTS, "a": a})
    assert str(err.value).startswith("amount (column 'a'):")
    with pytest.raises(ki3.InvalidInputError, match=message):
        rfm_summary({**EVENTS, "a": a}, observation_end=10**6, **COLS)
    with pytest.raises(ki3.InvalidInputError, match=message):
        FeatureAggregator(**COLS).update({**EVENTS, "a": a})


def test_mismatched_lengths():
    with pytest.raises(ki3.InvalidInputError, match="length 3 does not match customer length 4"):
        features({**EVENTS, "a": np.array([1.0, 2.0, 3.0])})
    with pytest.raises(ki3.InvalidInputError, match="timestamp.*length 2"):
        features({**EVENTS, "t": np.array([1, 2])})
    labels = {"c": np.array([1, 2]), "when": np.array([5])}
    with pytest.raises(ki3.InvalidInputError, match="label_time"):
        historical_features(EVENTS, labels, label_time="when", **COLS)


@pytest.mark.parametrize("empty", [
    {"c": np.array([], np.int64), "t": np.array([], np.int64), "a": np.array([])},
    {"c": [], "t": [], "a": []},
    pd.DataFrame(columns=["c", "t", "a"]),
    pd.DataFrame({"c": pd.Series([], dtype="str"), "t": pd.Series([], dtype="datetime64[ns]"),
                  "a": pd.Series([], dtype=float)}),
])
def test_empty_input_gives_an_empty_frame(empty):
    f = features(empty)
    assert len(f) == 0 and f.index.name == "c" and "monetary_total" in f.columns
    s = rfm_summary(empty, observation_end=0, **COLS)
    assert len(s) == 0
    assert FeatureAggregator(**COLS).update(empty).n_events == 0


def test_unknown_columns_are_named():
    with pytest.raises(ki3.InvalidInputError, match="amount: unknown column 'spend'"):
        features(EVENTS, amount="spend")
    with pytest.raises(ki3.InvalidInputError, match="unknown column 'nope'.*'c', 't', 'a'"):
        features(pd.DataFrame(EVENTS), customer="nope")
    with pytest.raises(ki3.InvalidInputError, match="label_time: unknown column"):
        historical_features(EVENTS, pd.DataFrame({"c": [1]}), label_time="when", **COLS)


@pytest.mark.parametrize("column, values, message", [
    ("a", np.array(["1", "2", "3", "4"]), "amount: expected numbers"),
    ("a", np.array([1, 2, 3, 4], dtype=complex), "amount: expected numbers"),
    ("a", np.array([True, False, True, True]), "amount: expected numbers"),
    ("a", np.array([1.0, None, 2, 3], dtype=object), "amount: expected numbers"),
    ("t", np.array(["2024-01-01"] * 4), "timestamp: expected datetime64 or integer"),
    ("t", np.array([0.5, 1, 2, 3]), "timestamp: expected datetime64 or integer"),
    ("t", np.array(["2024-01-01", "NaT", "2024-01-02", "2024-01-03"], "datetime64[s]"),
     "timestamp: missing value \\(NaT\\) at row 1"),
    ("c", np.array(["x", None, "y", "z"], dtype=object), "customer: missing value at row 1"),
    ("c", np.array([1.0, np.nan, 2.0, 3.0]), "customer: missing value at row 1"),
    ("c", np.zeros((4, 1)), "customer: expected a 1-d column"),
])
def test_unsupported_dtypes(column, values, message):
    role, rest = message.split(": ", 1)
    # The message names the role and the user's column.
    with pytest.raises(ki3.InvalidInputError, match=rf"^{role} \(column '{column}'\): {rest}"):
        features({**EVENTS, column: values})


def test_bad_purchase_and_channel_columns():
    with pytest.raises(ki3.InvalidInputError,
                       match=r"purchase \(column 'p'\): expected booleans or 0/1"):
        features({**EVENTS, "p": np.array([0, 1, 2, 1])}, purchase="p")
    with pytest.raises(ki3.InvalidInputError, match="purchase .*: expected booleans"):
        features({**EVENTS, "p": np.array(["y", "n", "y", "n"])}, purchase="p")
    with pytest.raises(ki3.InvalidInputError, match="channel .*: missing value"):
        features({**EVENTS, "ch": np.array(["web", None, "app", "web"], dtype=object)},
                 channel="ch")


def test_bad_parameters():
    with pytest.raises(ki3.InvalidInputError, match="windows"):
        features(EVENTS, windows=[7, 7])
    with pytest.raises(ki3.InvalidInputError, match="windows"):
        features(EVENTS, windows=[0])
    with pytest.raises(ki3.InvalidInputError, match="families"):
        features(EVENTS, families=["nope"])
    with pytest.raises(ki3.InvalidInputError, match="the channel family needs the channel"):
        features(EVENTS, families=["channel"])
    with pytest.raises(ki3.InvalidInputError, match="time_unit"):
        features(EVENTS, time_unit="fortnight")
    with pytest.raises(ki3.InvalidInputError, match="as_of"):
        features(EVENTS, as_of=1.5)
    with pytest.raises(ki3.InvalidInputError, match="as_of: cannot parse"):
        features(EVENTS, as_of="not a date")
    with pytest.raises(ki3.InvalidInputError, match="freq"):
        rfm_summary(EVENTS, observation_end=0, freq="Q", **COLS)
    with pytest.raises(ki3.InvalidInputError, match="freq_multiplier"):
        rfm_summary(EVENTS, observation_end=0, freq_multiplier=0, **COLS)


GARBAGE_VALUES = [
    None, 1, -1, 2**70, 1.5, np.nan, "x", "", b"bytes", [], [[1, 2]], {}, {"a": 1}, object(),
    np.array([]), np.array(["a", None], dtype=object), np.zeros((2, 2)), np.array([1 + 2j]),
    pd.Series([1, 2]), pd.NaT, np.datetime64("NaT"), (1, 2), {1, 2},
]


def _calls(value):
    frame = pd.DataFrame(EVENTS)
    yield lambda: features(value)
    yield lambda: features(frame, as_of=value)
    yield lambda: features(frame, windows=value)
    yield lambda: features(frame, families=value)
    yield lambda: features(frame, time_unit=value)
    yield lambda: features({**EVENTS, "c": value})
    yield lambda: features({**EVENTS, "t": value})
    yield lambda: features({**EVENTS, "a": value})
    yield lambda: features(frame, customer=value)
    yield lambda: historical_features(frame, value, label_time="t", **COLS)
    yield lambda: historical_features(frame, {"c": [1], "t": value}, label_time="t", **COLS)
    yield lambda: rfm_summary(frame, observation_end=value, **COLS)
    yield lambda: rfm_summary(frame, observation_end=0, freq=value, **COLS)
    yield lambda: rfm_summary(frame, observation_end=0, freq_multiplier=value, **COLS)
    yield lambda: rfm_scores(value)
    yield lambda: rfm_scores({"frequency": value, "recency": [1.0], "T": [2.0]})
    yield lambda: rfm_scores(pd.DataFrame({"frequency": [1.0], "recency": [1.0], "T": [2.0]}),
                             bins=value)
    yield lambda: FeatureAggregator(**COLS).update(value)
    yield lambda: FeatureAggregator(**COLS).update({**EVENTS, "t": value})
    yield lambda: FeatureAggregator(**COLS).finish(value)
    yield lambda: FeatureAggregator(**COLS).merge(value)
    yield lambda: FeatureAggregator.from_json(value)
    yield lambda: synthetic_shop(value)
    yield lambda: synthetic_shop(10, events_per_customer=value)
    yield lambda: synthetic_shop(10, start=value)
    yield lambda: synthetic_shop(10, days=value)
    y, u, t = [1, 0, 1, 0], [0.4, 0.3, 0.2, 0.1], [1, 1, 0, 0]
    yield lambda: uplift_metrics.qini_auc_score(value, u, t)
    yield lambda: uplift_metrics.qini_auc_score(y, value, t)
    yield lambda: uplift_metrics.uplift_auc_score(y, u, value)
    yield lambda: uplift_metrics.qini_curve(y, u, t, convention=value)
    yield lambda: uplift_metrics.uplift_curve(y, u, t, convention="causalml", normalize=value)
    yield lambda: uplift_metrics.perfect_qini_curve(y, t, negative_effect=value)
    yield lambda: uplift_metrics.perfect_uplift_curve(value, t)
    yield lambda: uplift_metrics.random_qini_curve(y, value)
    yield lambda: uplift_metrics.qini_score(y, u, t, normalize=value)
    yield lambda: uplift_metrics.auuc_score(y, value, t)
    yield lambda: uplift_metrics.uplift_at_k(y, u, t, "overall", k=value)
    yield lambda: uplift_metrics.uplift_at_k(y, u, t, strategy=value)
    yield lambda: uplift_metrics.response_rate_by_percentile(y, u, t, group=value)
    yield lambda: uplift_metrics.response_rate_by_percentile(y, u, t, "control", bins=value)
    yield lambda: uplift_metrics.weighted_average_uplift(y, u, t, bins=value)
    yield lambda: uplift_metrics.uplift_by_percentile(y, u, t, std=value)
    x = np.array([[0.1, 1.0], [0.4, 0.2], [0.3, 0.9], [0.8, 0.5]])
    for cls in (SLearner, TLearner, XLearner, ClassTransformation, TransformedOutcome):
        yield lambda cls=cls: cls().fit(value, t, y)
        yield lambda cls=cls: cls().fit(x, value, y)
        yield lambda cls=cls: cls().fit(x, t, value)
        yield lambda cls=cls: cls(control=value).fit(x, t, y)
        yield lambda cls=cls: cls(arms=value).fit(x, t, y)
        yield lambda cls=cls: cls(l2=value).fit(x, t, y)
        yield lambda cls=cls: cls(max_iter=value).fit(x, t, y)
        yield lambda cls=cls: cls().fit(x, t, y).predict(value)
        yield lambda cls=cls: cls().set_params(l2=value).fit(x, t, y)
    yield lambda: TLearner(value).fit(x, t, y)
    yield lambda: XLearner(propensity=value).fit(x, t, y)
    yield lambda: TransformedOutcome(value).fit(x, t, y)


def test_garbage_never_crashes():
    """Every malformed call raises a ki3 error, TypeError or ValueError (or succeeds)."""
    failures = 0
    n_calls = len(list(_calls(None)))
    for value, call in itertools.product(GARBAGE_VALUES, range(n_calls)):
        fn = list(_calls(value))[call]
        try:
            fn()
        except (ki3.Ki3Error, TypeError, ValueError):
            failures += 1
    assert failures > 400


def test_extreme_but_valid_values():
    big = {"c": np.array([2**64 - 1, 0], dtype=np.uint64), "t": np.array([-(2**61), 2**61]),
           "a": np.array([1e300, 0.0])}
    f = features(big, as_of=2**61, windows=[1, 2**32 - 1])
    assert list(f.index) == [0, 2**64 - 1] and f.index.dtype == np.uint64
    assert f.loc[2**64 - 1, "tenure_days"] == 2**62 / 86_400
    assert f.loc[2**64 - 1, "monetary_total"] == 1e300
    s = synthetic_shop(0)
    assert len(s) == 0
    with pytest.raises(ki3.InvalidInputError, match="events_per_customer"):
        synthetic_shop(10, events_per_customer=0.5)


@pytest.mark.parametrize(
    ("kind", "cls", "builtin", "message"),
    [
        ("input", ki3.InvalidInputError, ValueError, "invalid parameter some_arg: is bad"),
        ("not_fitted", ki3.NotFittedError, ki3.Ki3Error, "model is not fitted"),
        ("convergence", ki3.ConvergenceError, ki3.Ki3Error, "did not converge"),
        ("numerical", ki3.NumericalError, ArithmeticError, "numerical failure: a NaN appeared"),
        ("cancelled", KeyboardInterrupt, BaseException, "cancelled"),
    ],
)
def test_each_error_kind_maps_to_its_class(kind, cls, builtin, message):
    from ki3 import _ki3

    with pytest.raises(cls, match=message) as err:
        _ki3.raise_error_of_kind(kind)
    assert type(err.value) is cls
    assert isinstance(err.value, builtin)
    if cls is not KeyboardInterrupt:
        assert isinstance(err.value, ki3.Ki3Error)


def test_numerical_error_is_public():
    assert issubclass(ki3.NumericalError, ki3.Ki3Error)
    assert issubclass(ki3.NumericalError, ArithmeticError)
    assert not issubclass(ki3.NumericalError, ValueError)
    assert "NumericalError" in ki3.__all__
