"""Feature values: a hand-computed tiny log, and an independent pandas computation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import SHOP_COLUMNS
from ki3.features import customer_features

DAY = 86_400
AS_OF = 10 * DAY


def tiny_log() -> pd.DataFrame:
    """Customer 1: 6 events up to day 10 and one after; customer 2: one page view; customer 3:
    only an event after ``as_of``. Integer timestamps in seconds."""
    rows = [
        # customer, t, purchase, amount, channel, category, session
        (1, 0, True, 10.0, 0, 0, 100),
        (1, 600, False, 0.0, 0, 1, 100),
        (1, 2 * DAY, True, 20.0, 1, 1, 101),
        (1, 2 * DAY + 3600, True, 5.0, 1, 0, 101),
        (1, 6 * DAY, True, 30.0, 0, 2, 102),
        (1, 9 * DAY + DAY // 2, False, 0.0, 2, 0, 103),
        (1, 11 * DAY, True, 1000.0, 2, 2, 104),  # after as_of
        (2, 5 * DAY, False, 0.0, 2, 1, 200),
        (3, 12 * DAY, True, 7.0, 1, 1, 300),  # after as_of
    ]
    cols = ["customer", "t", "purchase", "amount", "channel", "category", "session"]
    df = pd.DataFrame(rows, columns=cols)
    return df.sample(frac=1.0, random_state=3)  # row order must not matter


def tiny_features(df: pd.DataFrame, **kw) -> pd.DataFrame:
    args = {
        "customer": "customer", "timestamp": "t", "amount": "amount", "purchase": "purchase",
        "channel": "channel", "category": "category", "session": "session", "as_of": AS_OF,
        "windows": [7, 30],
    }
    args.update(kw)
    return customer_features(df, **args)


def test_hand_computed_values():
    f = tiny_features(tiny_log())
    assert list(f.index) == [1, 2]
    assert f.index.name == "customer"
    c1, c2 = f.loc[1], f.loc[2]

    gaps = np.array([2.0, 1 / 24, 4.0 - 1 / 24])
    shares = np.array([15.0, 20.0, 30.0]) / 65.0
    expected_1 = {
        "recency_days": 4.0,
        "tenure_days": 10.0,
        "purchases": 4.0,
        "purchase_days": 3.0,
        "monetary_total": 65.0,
        "monetary_mean": 16.25,
        "monetary_max": 30.0,
        "interpurchase_mean_days": 2.0,
        "interpurchase_std_days": np.std(gaps, ddof=1),
        "purchases_7d": 1.0,
        "revenue_7d": 30.0,
        "events_7d": 2.0,
        "sessions_7d": 2.0,
        "purchases_30d": 4.0,
        "revenue_30d": 65.0,
        "events_30d": 6.0,
        "sessions_30d": 4.0,
        "channel_share_0": 0.5,
        "channel_share_1": 2 / 6,
        "channel_share_2": 1 / 6,
        "preferred_channel": 0.0,
        "channels_used": 3.0,
        "category_share_0": shares[0],
        "category_share_1": shares[1],
        "category_share_2": shares[2],
        "top_category": 2.0,
        "category_entropy": -np.sum(shares * np.log(shares)),
        "events_per_session": 1.5,
        "sessions_per_active_day": 1.0,
        "session_duration_mean_s": (600 + 3600) / 4,
    }
    assert list(f.columns) == list(expected_1)
    np.testing.assert_allclose(c1[list(expected_1)].to_numpy(float), list(expected_1.values()),
                               rtol=1e-14)

    nan = np.nan
    expected_2 = {
        "recency_days": nan, "tenure_days": 5.0, "purchases": 0.0, "purchase_days": 0.0,
        "monetary_total": 0.0, "monetary_mean": nan, "monetary_max": nan,
        "interpurchase_mean_days": nan, "interpurchase_std_days": nan,
        "purchases_7d": 0.0, "revenue_7d": 0.0, "events_7d": 1.0, "sessions_7d": 1.0,
        "channel_share_0": 0.0, "channel_share_1": 0.0, "channel_share_2": 1.0,
        "preferred_channel": 2.0, "channels_used": 1.0,
        "category_share_0": nan, "category_share_1": nan, "category_share_2": nan,
        "top_category": nan, "category_entropy": nan,
        "events_per_session": 1.0, "sessions_per_active_day": 1.0,
        "session_duration_mean_s": 0.0,
    }
    np.testing.assert_allclose(c2[list(expected_2)].to_numpy(float), list(expected_2.values()))


def test_named_channels_and_categories_map_back():
    df = tiny_log()
    df["channel"] = df["channel"].map({0: "web", 1: "app", 2: "store"})
    df["category"] = df["category"].map({0: "toys", 1: "books", 2: "home"})
    f = tiny_features(df)
    codes = tiny_features(tiny_log())
    # Names are coded in sorted order: app, store, web / books, home, toys.
    assert [c for c in f.columns if "share" in c] == [
        "channel_share_app", "channel_share_store", "channel_share_web",
        "category_share_books", "category_share_home", "category_share_toys",
    ]
    assert f.loc[1, "channel_share_web"] == codes.loc[1, "channel_share_0"]
    assert f.loc[1, "category_share_toys"] == codes.loc[1, "category_share_0"]
    assert f.loc[1, "preferred_channel"] == "web"
    assert f.loc[2, "preferred_channel"] == "store"
    assert f.loc[1, "top_category"] == "home"
    assert pd.isna(f.loc[2, "top_category"])


def test_families_and_windows_select_columns():
    f = tiny_features(tiny_log(), families=["core"])
    assert "purchases_7d" not in f.columns and "recency_days" in f.columns
    f = customer_features(tiny_log(), customer="customer", timestamp="t", as_of=AS_OF,
                          windows=(3,), families="windows")
    assert list(f.columns) == ["purchases_3d", "events_3d"]
    assert f.loc[1, "events_3d"] == 1.0  # only the view at day 9.5 is in (7d, 10d]


def test_without_purchase_column_every_event_is_a_purchase():
    f = customer_features(tiny_log(), customer="customer", timestamp="t", as_of=AS_OF)
    assert f.loc[1, "purchases"] == 6.0
    assert f.loc[2, "recency_days"] == 5.0


def test_against_pandas_on_the_synthetic_shop(shop_frame):
    df = shop_frame
    as_of = pd.Timestamp("2024-10-01 12:00")
    f = customer_features(df, as_of=as_of, windows=[30, 90], **SHOP_COLUMNS)

    ev = df[df["timestamp"] <= as_of]
    p = ev[ev["purchase"]]
    index = pd.Index(np.sort(ev["customer"].unique()), name="customer")
    assert f.index.equals(index)
    day = pd.Timedelta(days=1)

    def per_customer(series, fill=0.0):
        return series.reindex(index, fill_value=fill).astype(float)

    g = p.groupby("customer")
    expected = {
        "recency_days": per_customer((as_of - g["timestamp"].max()) / day, np.nan),
        "purchases": per_customer(g.size()),
        "monetary_total": per_customer(g["amount"].sum()),
        "purchase_days": per_customer(p.assign(d=p["timestamp"].dt.floor("D"))
                                      .groupby("customer")["d"].nunique()),
        "tenure_days": per_customer((as_of - ev.groupby("customer")["timestamp"].min()) / day),
        "events_30d": per_customer(ev[ev["timestamp"] > as_of - 30 * day].groupby("customer")
                                   .size()),
        "revenue_90d": per_customer(p[p["timestamp"] > as_of - 90 * day].groupby("customer")
                                    ["amount"].sum()),
    }
    shares = pd.crosstab(ev["customer"], ev["channel"].astype(str), normalize="index")
    for name in shares.columns:
        expected[f"channel_share_{name}"] = per_customer(shares[name])
    for name, want in expected.items():
        np.testing.assert_allclose(f[name].to_numpy(), want.to_numpy(), rtol=1e-12,
                                   err_msg=name)
    assert len(f) > 1000


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_timestamp_units_give_the_same_features(unit):
    df = tiny_log()
    scale = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}[unit]
    df["t"] = df["t"] * scale
    f = customer_features(df, customer="customer", timestamp="t", amount="amount",
                          purchase="purchase", session="session", as_of=AS_OF * scale,
                          windows=[7], time_unit=unit)
    base = customer_features(tiny_log(), customer="customer", timestamp="t", amount="amount",
                             purchase="purchase", session="session", as_of=AS_OF, windows=[7])
    pd.testing.assert_frame_equal(f, base, check_exact=True)
