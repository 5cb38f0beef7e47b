"""ki3 customer features vs polars (eager group_by) and pandas on the same arrays.

Run after `make setup`:  .venv/bin/python benches/python/features_vs_peers.py [n_customers]

The data is ki3's synthetic shop (10 events per customer on average; 1,000,000 customers by
default, i.e. about 10M events). Every library computes, per customer, the RFM + channel-count
subset: last and first timestamp, event count, revenue and the number of events per channel.
ki3 computes strictly more for that subset (recency, tenure, purchases, distinct purchase days,
monetary total/mean/max, inter-purchase mean/std, channel shares, preferred channel, channels
used). The script also times ki3's full feature set (all families, 4 windows).
"""

from __future__ import annotations

import sys
import time

import ki3
import numpy as np


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    n_customers = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    t0 = time.perf_counter()
    ev = ki3.datasets.synthetic_shop(n_customers, seed=42, as_frame=False)
    n = len(ev["customer"])
    print(f"synthetic shop: {n:,} events, {n_customers:,} customers, "
          f"generated in {time.perf_counter() - t0:.2f} s")
    customer = np.asarray(ev["customer"], dtype=np.uint64)
    timestamp = np.asarray(ev["timestamp"]).astype("datetime64[s]").astype(np.int64)
    amount = np.asarray(ev["amount"], dtype=np.float64)
    channel = np.asarray(ev["channel"], dtype=np.uint32)
    as_of = int(timestamp.max())
    columns = {"customer": customer, "timestamp": timestamp, "amount": amount, "channel": channel}

    def ki3_subset():
        return ki3.features.customer_features(
            columns, customer="customer", timestamp="timestamp", amount="amount",
            channel="channel", as_of=as_of, windows=(), time_unit="s",
        )

    full = {**columns, "purchase": np.asarray(ev["purchase"], dtype=bool),
            "category": np.asarray(ev["category"], dtype=np.uint32),
            "session": np.asarray(ev["session"], dtype=np.uint64)}

    def ki3_full():
        return ki3.features.customer_features(
            full, customer="customer", timestamp="timestamp", amount="amount",
            purchase="purchase", channel="channel", category="category", session="session",
            as_of=as_of, time_unit="s",
        )

    results = {"ki3 subset": best_of(ki3_subset), "ki3 full": best_of(ki3_full)}
    n_channels = int(channel.max()) + 1

    try:
        import polars as pl
    except ImportError:
        pl = None
    if pl is not None:
        df = pl.DataFrame(columns)

        def polars_subset():
            return df.group_by("customer").agg(
                pl.col("timestamp").max().alias("last"),
                pl.col("timestamp").min().alias("first"),
                pl.len().alias("events"),
                pl.col("amount").sum().alias("revenue"),
                *[(pl.col("channel") == k).sum().alias(f"channel_{k}") for k in range(n_channels)],
            )

        results["polars eager"] = best_of(polars_subset)

    try:
        import pandas as pd
    except ImportError:
        pd = None
    if pd is not None:
        pdf = pd.DataFrame(columns)

        def pandas_subset():
            g = pdf.groupby("customer")
            out = g.agg(last=("timestamp", "max"), first=("timestamp", "min"),
                        events=("timestamp", "size"), revenue=("amount", "sum"))
            counts = pdf.groupby(["customer", "channel"]).size().unstack(fill_value=0)
            return out.join(counts)

        results["pandas"] = best_of(pandas_subset, repeat=1)

    print(f"{'implementation':<16}{'seconds':>10}{'ki3 subset is x faster':>26}")
    for name, seconds in results.items():
        ratio = seconds / results["ki3 subset"]
        print(f"{name:<16}{seconds:>10.3f}{ratio:>26.1f}")


if __name__ == "__main__":
    main()
