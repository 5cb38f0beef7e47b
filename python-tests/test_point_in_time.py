"""Point-in-time correctness: nothing after ``as_of`` / the label time ever counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
from conftest import SHOP_COLUMNS
from ki3.features import customer_features, historical_features


def test_events_after_as_of_never_count(shop_frame):
    as_of = pd.Timestamp("2024-06-30")
    full = customer_features(shop_frame, as_of=as_of, **SHOP_COLUMNS)
    past = shop_frame[shop_frame["timestamp"] <= as_of]
    truncated = customer_features(past, as_of=as_of, **SHOP_COLUMNS)
    pd.testing.assert_frame_equal(full, truncated, check_exact=True)
    # Changing the future changes nothing.
    future = shop_frame["timestamp"] > as_of
    altered = shop_frame.copy()
    altered.loc[future, "amount"] = altered.loc[future, "amount"] * 3 + 1
    altered.loc[future, "purchase"] = True
    pd.testing.assert_frame_equal(
        full, customer_features(altered, as_of=as_of, **SHOP_COLUMNS), check_exact=True
    )


def test_as_of_before_all_events_gives_an_empty_frame(shop_frame):
    f = customer_features(shop_frame, as_of="2023-01-01", **SHOP_COLUMNS)
    assert len(f) == 0
    assert f.index.name == "customer"
    assert "recency_days" in f.columns


def test_historical_equals_customer_features_at_each_label(shop_frame):
    rng = np.random.default_rng(0)
    customers = rng.choice(shop_frame["customer"].unique(), size=8, replace=False)
    times = pd.to_datetime(["2024-02-01 00:00", "2024-05-17 13:45", "2024-09-30 00:00", "2025-01-01 00:00"])
    labels = pd.DataFrame(
        [(c, t) for c in customers for t in times], columns=["customer", "label_time"]
    )
    labels.index = pd.RangeIndex(100, 100 + len(labels))
    labels = labels.sample(frac=1.0, random_state=1)
    h = historical_features(shop_frame, labels, label_time="label_time", **SHOP_COLUMNS)
    assert h.index.equals(labels.index)
    assert (h["customer"].to_numpy() == labels["customer"].to_numpy()).all()
    assert (h["label_time"].to_numpy() == labels["label_time"].to_numpy()).all()
    features = [c for c in h.columns if c not in ("customer", "label_time")]
    checked = 0
    for row, (c, t) in labels.iterrows():
        one = customer_features(shop_frame, as_of=t, **SHOP_COLUMNS)
        if c in one.index:
            pd.testing.assert_series_equal(
                h.loc[row, features], one.loc[c, features], check_names=False, check_exact=True
            )
            checked += 1
        else:  # no event yet: zero counts, NaN for undefined features
            assert h.loc[row, "purchases"] == 0 and np.isnan(h.loc[row, "tenure_days"])
    assert checked >= 16


def test_label_customer_without_events_and_other_label_columns():
    events = {"user": np.array([1, 1, 2]), "ts": np.array([0, 86_400, 0])}
    labels = pd.DataFrame({"who": [2, 99, 1], "when": [86_400 * 2, 5, 86_400 * 3]})
    h = historical_features(events, labels, customer="user", timestamp="ts", label_time="when",
                            label_customer="who", windows=[1])
    assert list(h.columns[:2]) == ["who", "when"]
    assert h["purchases"].tolist() == [1.0, 0.0, 2.0]
    assert h["recency_days"].iloc[0] == 2.0 and np.isnan(h["recency_days"].iloc[1])
    assert h["tenure_days"].iloc[2] == 3.0


def test_label_times_in_another_unit_are_converted():
    events = pd.DataFrame({
        "c": ["a", "a", "b"],
        "t": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-03"]).as_unit("ns"),
    })
    labels = pd.DataFrame({
        "c": ["a", "b", "a"],
        "t": pd.to_datetime(["2024-01-04", "2024-01-04", "2024-01-06"]).as_unit("s"),
    })
    h = historical_features(events, labels, customer="c", timestamp="t", label_time="t",
                            windows=[30])
    assert h["purchases"].tolist() == [1.0, 1.0, 2.0]
    assert h["recency_days"].tolist() == [3.0, 1.0, 1.0]
    # The label columns keep their own dtype.
    assert h["t"].dtype == labels["t"].dtype
