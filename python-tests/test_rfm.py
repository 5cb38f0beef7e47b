"""RFM summary (against lifetimes' references) and RFM scores."""

from __future__ import annotations

import ki3
import numpy as np
import pandas as pd
import pytest
from ki3.features import SEGMENTS, rfm_scores, rfm_summary

EXPECTED_SEGMENTS = [
    "Champions", "Loyal", "Potential Loyalist", "New", "Promising", "Need Attention",
    "About to Sleep", "At Risk", "Can't Lose Them", "Hibernating", "Lost",
]


def test_cdnow_matches_the_lifetimes_reference(shared_data):
    tx = pd.read_csv(
        shared_data / "clv" / "CDNOW_sample.txt", sep=r"\s+", header=None,
        names=["master_id", "id", "date", "cds", "dollars"],
    )
    tx["date"] = pd.to_datetime(tx["date"].astype(str), format="%Y%m%d")
    ref = pd.read_csv(shared_data / "clv" / "cdnow_customers_summary_with_transactions.csv",
                      index_col="ID")
    s = rfm_summary(tx, customer="id", timestamp="date", amount="dollars",
                    observation_end="1997-09-30", freq="D", freq_multiplier=7)
    assert s.index.name == "id"
    assert list(s.columns) == ["frequency", "recency", "T", "monetary_value"]
    assert len(s) == len(ref) == 2357
    ref = ref.loc[s.index]
    np.testing.assert_array_equal(s["frequency"].to_numpy(), ref["x"].to_numpy())
    np.testing.assert_array_equal(s["recency"].round(2).to_numpy(), ref["t_x"].to_numpy())
    np.testing.assert_array_equal(s["T"].round(2).to_numpy(), ref["T"].to_numpy())
    np.testing.assert_allclose(s["monetary_value"].to_numpy(), ref["zbar"].to_numpy(),
                               atol=0.005 + 1e-9)
    # Customer 1 (README of the data): x = 2, t_x = 213/7, T = 272/7.
    assert s.loc[1, "recency"] == 213 / 7 and s.loc[1, "T"] == 272 / 7


@pytest.mark.parametrize("freq", ["D", "W", "M"])
def test_matches_lifetimes_on_the_synthetic_shop(shop_frame, freq):
    utils = pytest.importorskip("lifetimes.utils", reason="lifetimes is not installed")
    purchases = shop_frame[shop_frame["purchase"]]
    try:
        want = utils.summary_data_from_transaction_data(
            purchases, "customer", "timestamp", monetary_value_col="amount",
            observation_period_end="2024-10-15", freq=freq,
        )
    except Exception as err:  # noqa: BLE001 - lifetimes is unmaintained; new pandas breaks it
        pytest.skip(f"lifetimes fails with this pandas for freq={freq}: {err}")
    got = rfm_summary(shop_frame, customer="customer", timestamp="timestamp", amount="amount",
                      purchase="purchase", observation_end="2024-10-15", freq=freq)
    assert (got.index.to_numpy() == want.index.to_numpy()).all()
    np.testing.assert_allclose(got.to_numpy(), want[got.columns].to_numpy(), rtol=1e-12)


def test_monthly_summary_matches_a_pandas_reimplementation(shop_frame):
    """lifetimes' algorithm for freq="M" (its own code fails with pandas 3)."""
    end = pd.Timestamp("2024-10-15")
    p = shop_frame[shop_frame["purchase"]].copy()
    p["period"] = p["timestamp"].dt.to_period("M").dt.to_timestamp()
    end_period = end.to_period("M").to_timestamp()
    p = p[p["period"] <= end_period]
    per = p.groupby(["customer", "period"])["amount"].sum().reset_index()
    g = per.groupby("customer")
    unit_days = 365.2425 / 12
    first, last = g["period"].min(), g["period"].max()
    day = pd.Timedelta(days=1)
    want = pd.DataFrame({
        "frequency": g.size().astype(float) - 1,
        "recency": (last - first) / day / unit_days,
        "T": (end_period - first) / day / unit_days,
    })
    repeat = per[per["period"] > per["customer"].map(first)]
    want["monetary_value"] = repeat.groupby("customer")["amount"].mean().reindex(
        want.index, fill_value=0.0)
    got = rfm_summary(shop_frame, customer="customer", timestamp="timestamp", amount="amount",
                      purchase="purchase", observation_end=end, freq="M")
    assert (got.index.to_numpy() == want.index.to_numpy()).all()
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-12)


def test_summary_without_amount_and_with_freq_multiplier(shop_frame):
    kw = {"customer": "customer", "timestamp": "timestamp", "purchase": "purchase",
          "observation_end": pd.Timestamp("2024-12-31")}
    s = rfm_summary(shop_frame, **kw)
    assert list(s.columns) == ["frequency", "recency", "T"]
    s7 = rfm_summary(shop_frame, freq_multiplier=7, **kw)
    np.testing.assert_allclose(s7["T"].to_numpy(), s["T"].to_numpy() / 7, rtol=1e-15)
    assert (s["recency"] <= s["T"]).all() and (s["frequency"] >= 0).all()


def test_summary_of_nothing_is_empty():
    events = {"c": np.array([1, 2]), "t": np.array([10, 20])}
    s = rfm_summary(events, customer="c", timestamp="t", observation_end=-5)
    assert len(s) == 0 and list(s.columns) == ["frequency", "recency", "T"]


@pytest.fixture(scope="module")
def summary(shop_frame):
    return rfm_summary(shop_frame, customer="customer", timestamp="timestamp", amount="amount",
                       purchase="purchase", observation_end="2024-12-31")


@pytest.mark.parametrize("bins", [2, 5, 10])
def test_scores_ranges_and_segments(summary, bins):
    s = rfm_scores(summary, bins=bins)
    assert s.index.equals(summary.index)
    assert list(s.columns) == ["R", "F", "M", "rfm_score", "segment"]
    for col in ("R", "F", "M"):
        assert s[col].between(1, bins).all()
        assert s[col].dtype == np.int64
    assert (s["rfm_score"] == s["R"] + s["F"] + s["M"]).all()
    assert isinstance(s["segment"].dtype, pd.CategoricalDtype)
    assert list(s["segment"].cat.categories) == EXPECTED_SEGMENTS == list(SEGMENTS)
    assert s["segment"].notna().all()
    # Monotone: a more recent customer never gets a lower R.
    gap = (summary["T"] - summary["recency"]).round(9)
    order = np.argsort(gap.to_numpy(), kind="stable")
    assert (np.diff(s["R"].to_numpy()[order]) <= 0).all()


def test_scores_ties_are_deterministic(summary):
    s = rfm_scores(summary)
    shuffled = summary.sample(frac=1.0, random_state=4)
    again = rfm_scores(shuffled)
    pd.testing.assert_frame_equal(again.loc[s.index], s)
    # Equal inputs get equal scores.
    for col, score in (("frequency", "F"), ("monetary_value", "M")):
        assert (s.groupby(summary[col])[score].nunique() == 1).all()


def test_scores_without_monetary_value_use_zeros(summary):
    s = rfm_scores(summary.drop(columns="monetary_value"))
    assert (s["M"] == 1).all()
    full = rfm_scores(summary)
    assert (s["R"] == full["R"]).all() and (s["segment"] == full["segment"]).all()


def test_scores_of_an_empty_summary_and_of_a_dict():
    empty = pd.DataFrame({"frequency": [], "recency": [], "T": []})
    s = rfm_scores(empty)
    assert len(s) == 0 and list(s["segment"].cat.categories) == EXPECTED_SEGMENTS
    d = rfm_scores({"frequency": [0, 3, 5], "recency": [0, 10, 30], "T": [40, 40, 31],
                    "monetary_value": [0, 20.0, 10.0]}, bins=3)
    assert d["F"].tolist() == [1, 2, 3]
    assert d["R"].tolist() == [1, 2, 3]


def test_scores_reject_bad_input(summary):
    with pytest.raises(ki3.InvalidInputError, match="bins"):
        rfm_scores(summary, bins=1)
    bad = summary.copy()
    bad.iloc[3, bad.columns.get_loc("recency")] = np.nan
    with pytest.raises(ki3.InvalidInputError, match="recency"):
        rfm_scores(bad)
    with pytest.raises(ki3.InvalidInputError, match="frequency"):
        rfm_scores(summary.drop(columns="frequency"))


def test_heavy_bottom_groups_take_a_score_each():
    # 10 one-time buyers, 5 with one repeat, 2 with two, then 3, 4 and 6 repeats (20 customers):
    # 0 is more than a bin of 20 -> F 1; 1 is more than a bin of the 10 left -> 2; 2 of the 5
    # left -> 3; the last 3 share 4..5: 4 + floor(2 * w / 3) -> 4, 4, 5.
    frequency = [0.0] * 10 + [1.0] * 5 + [2.0, 2.0, 3.0, 4.0, 6.0]
    monetary = [0.0] * 10 + [float(v) for v in range(10, 20)]
    summary = pd.DataFrame({"frequency": frequency, "recency": [0.0] * 20, "T": [5.0] * 20,
                            "monetary_value": monetary})
    s = rfm_scores(summary)
    assert s["F"].tolist() == [1] * 10 + [2] * 5 + [3, 3, 4, 4, 5]
    # M: the one-time buyers' zeros are one heavy group; the 10 distinct amounts are scored
    # among themselves, 2 + floor(4 * w / 10).
    assert s["M"].tolist() == [1] * 10 + [2, 2, 2, 3, 3, 4, 4, 4, 5, 5]
    # Reversed rows, reversed scores.
    again = rfm_scores(summary.iloc[::-1])
    pd.testing.assert_frame_equal(again.iloc[::-1], s)


@pytest.mark.parametrize("bins", [2, 3, 4, 7, 10])
def test_segments_do_not_depend_on_bins(summary, bins):
    five = rfm_scores(summary)
    assert (rfm_scores(summary, bins=bins)["segment"] == five["segment"]).all()


def test_every_segment_is_reached_on_the_demo_shop():
    events = ki3.datasets.synthetic_shop(50_000, seed=7)
    as_of = events["timestamp"].max()
    summary = rfm_summary(events, customer="customer", timestamp="timestamp", amount="amount",
                          purchase="purchase", observation_end=as_of, freq="D")
    scores = rfm_scores(summary)
    counts = scores["segment"].value_counts()
    assert (counts.reindex(EXPECTED_SEGMENTS) > 0).all(), counts
    for col in ("R", "F", "M"):
        assert sorted(scores[col].unique()) == [1, 2, 3, 4, 5]
    # One-time buyers are exactly F = 1.
    assert ((scores["F"] == 1) == (summary["frequency"] == 0)).all()


def test_every_segment_is_reached_on_cdnow(shared_data):
    tx = pd.read_csv(shared_data / "clv" / "CDNOW_master.txt", sep=r"\s+",
                     dtype={"date": str})
    tx["date"] = pd.to_datetime(tx["date"], format="%Y%m%d")
    # CDNOW is one cohort acquired in the first quarter of 1997: at the end of that quarter
    # every segment is reached; at the end of the 39-week calibration period nobody is New.
    for end, empty in (("1997-03-31", set()), ("1997-09-30", {"New"})):
        summary = rfm_summary(tx, customer="customer_id", timestamp="date",
                              amount="dollar_value", observation_end=end, freq="D",
                              freq_multiplier=7)
        assert len(summary) == 23_570
        counts = rfm_scores(summary)["segment"].value_counts()
        assert {seg for seg in EXPECTED_SEGMENTS if counts[seg] == 0} == empty, counts
