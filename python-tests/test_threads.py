"""Compute calls release the GIL; concurrent calls give the sequential results."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import ki3
import pandas as pd
from conftest import SHOP_COLUMNS
from ki3.features import FeatureAggregator, customer_features, rfm_summary


def test_customer_features_in_four_threads():
    df = ki3.datasets.synthetic_shop(20_000, seed=2)
    dates = ["2024-03-01", "2024-06-01", "2024-09-01", "2024-12-31"]
    sequential = [customer_features(df, as_of=d, **SHOP_COLUMNS) for d in dates]
    with ThreadPoolExecutor(4) as pool:
        for _ in range(3):
            results = list(pool.map(lambda d: customer_features(df, as_of=d, **SHOP_COLUMNS),
                                    dates))
            for got, want in zip(results, sequential):
                pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_mixed_calls_in_threads(shop_frame):
    agg = FeatureAggregator(**SHOP_COLUMNS).update(shop_frame)

    def work(i):
        if i % 3 == 0:
            return agg.finish("2024-10-01")
        if i % 3 == 1:
            return customer_features(shop_frame, as_of="2024-10-01", **SHOP_COLUMNS)
        return rfm_summary(shop_frame, customer="customer", timestamp="timestamp",
                           purchase="purchase", observation_end="2024-10-01")

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(work, range(12)))
    for i, r in enumerate(results):
        pd.testing.assert_frame_equal(r, results[i % 3], check_exact=True)
    pd.testing.assert_frame_equal(results[0], results[1], check_exact=True)


def test_uplift_meta_learner_predicts_in_eight_threads():
    """One fitted model shared by 8 threads: every prediction equals the sequential one."""
    import numpy as np
    from ki3.uplift import TLearner, XLearner

    rng = np.random.default_rng(0)
    x = rng.normal(size=(20_000, 5))
    g = rng.choice(np.array(["c", "a", "b"]), size=20_000)
    y = (rng.uniform(size=20_000) < 0.3 + 0.1 * (g == "a")).astype(float)
    for model in (TLearner(control="c").fit(x, g, y), XLearner(control="c").fit(x, g, y)):
        chunks = [x[i::8] for i in range(8)]
        sequential = [model.predict(c) for c in chunks]
        with ThreadPoolExecutor(8) as pool:
            for _ in range(3):
                for got, want in zip(pool.map(model.predict, chunks), sequential):
                    np.testing.assert_array_equal(got, want)
