"""ki3 customer features vs polars (eager group_by) and pandas on the same data.

Run after `make setup`:  .venv/bin/python benches/python/features_vs_peers.py [n_customers]

Two shapes of about 10 events per customer (1,000,000 customers by default, i.e. about 10M
events), both from ki3's synthetic shop (rows sorted by time):

* ``shop``: the generator's own columns, already in ki3's native dtypes (uint64 ids, int64
  unix seconds, uint32 channel codes).
* ``events``: the shape an event table usually has: int64 customer ids in random order (the ids
  are a random permutation, so a customer's id says nothing about when it first shows up),
  ``datetime64[s]`` timestamps and int64 channel codes. Conversions are part of the timing.

Every library computes, per customer, the RFM + channel-count subset: last and first timestamp,
event count, revenue and the number of events per channel. ki3 computes strictly more for that
subset (recency, tenure, purchases, distinct purchase days, monetary total/mean/max,
inter-purchase mean/std, channel shares, preferred channel, channels used). On the shop shape
the script also times ki3's full feature set (all families, 4 windows) and pandas.

Each shape runs in a fresh Python process (the data are written to a temporary folder first),
so ki3's and polars' *first* calls in a process are measured (thread pools, first-touch page
faults, lazy imports) as well as the best of the warm calls.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

import numpy as np

SHAPES = ("shop", "events")


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def write_data(n_customers: int, folder: str) -> None:
    """Both shapes' columns as .npy files in ``folder``."""
    import ki3

    t0 = time.perf_counter()
    ev = ki3.datasets.synthetic_shop(n_customers, seed=42, as_frame=False)
    n = len(ev["customer"])
    print(f"synthetic shop: {n:,} events, {n_customers:,} customers, "
          f"generated in {time.perf_counter() - t0:.2f} s")
    customer = np.asarray(ev["customer"], dtype=np.uint64)
    seconds = np.asarray(ev["timestamp"]).astype("datetime64[s]").astype(np.int64)
    shapes = {
        "shop": {
            "customer": customer,
            "timestamp": seconds,
            "amount": np.asarray(ev["amount"], dtype=np.float64),
            "channel": np.asarray(ev["channel"], dtype=np.uint32),
            "purchase": np.asarray(ev["purchase"], dtype=bool),
            "category": np.asarray(ev["category"], dtype=np.uint32),
            "session": np.asarray(ev["session"], dtype=np.uint64),
        },
        "events": {
            "customer": np.random.default_rng(7).permutation(n_customers)[customer.astype(np.int64)],
            "timestamp": seconds.astype("datetime64[s]"),
            "amount": np.asarray(ev["amount"], dtype=np.float64),
            "channel": np.asarray(ev["channel"], dtype=np.int64),
        },
    }
    for shape, cols in shapes.items():
        for name, values in cols.items():
            np.save(os.path.join(folder, f"{shape}.{name}.npy"), values)


def load(folder: str, shape: str) -> dict[str, np.ndarray]:
    prefix = f"{shape}."
    return {
        f[len(prefix) : -4]: np.load(os.path.join(folder, f))
        for f in sorted(os.listdir(folder))
        if f.startswith(prefix)
    }


def run_shape(folder: str, shape: str) -> None:
    """Times one shape in this (fresh) process and prints one line per implementation."""
    cols = load(folder, shape)
    import ki3
    import polars as pl

    subset = {k: cols[k] for k in ("customer", "timestamp", "amount", "channel")}
    as_of = cols["timestamp"].max()

    def ki3_subset():
        return ki3.features.customer_features(
            subset, customer="customer", timestamp="timestamp", amount="amount",
            channel="channel", as_of=as_of, windows=(), time_unit="s",
        )

    # polars reads datetime64 only in D/ms/us/ns: it gets milliseconds (converted untimed).
    df = pl.DataFrame({
        k: v.astype("datetime64[ms]") if v.dtype.kind == "M" else v for k, v in subset.items()
    })
    n_channels = int(cols["channel"].max()) + 1

    def polars_subset():
        return df.group_by("customer").agg(
            pl.col("timestamp").max().alias("last"),
            pl.col("timestamp").min().alias("first"),
            pl.len().alias("events"),
            pl.col("amount").sum().alias("revenue"),
            *[(pl.col("channel") == k).sum().alias(f"channel_{k}") for k in range(n_channels)],
        )

    results = {"ki3 first call": timed(ki3_subset), "ki3 warm": best_of(ki3_subset, 5)}
    results["polars first call"] = timed(polars_subset)
    results["polars warm"] = best_of(polars_subset, 5)
    if len(ki3_subset()) != len(polars_subset()):
        raise SystemExit("ki3 and polars disagree on the number of customers")

    if shape == "shop":
        def ki3_full():
            return ki3.features.customer_features(
                cols, customer="customer", timestamp="timestamp", amount="amount",
                purchase="purchase", channel="channel", category="category",
                session="session", as_of=as_of, time_unit="s",
            )

        results["ki3 full"] = best_of(ki3_full)
        try:
            import pandas as pd
        except ImportError:
            pd = None
        if pd is not None:
            pdf = pd.DataFrame(subset)

            def pandas_subset():
                g = pdf.groupby("customer")
                out = g.agg(last=("timestamp", "max"), first=("timestamp", "min"),
                            events=("timestamp", "size"), revenue=("amount", "sum"))
                counts = pdf.groupby(["customer", "channel"]).size().unstack(fill_value=0)
                return out.join(counts)

            results["pandas"] = best_of(pandas_subset, repeat=1)
    for name, seconds in results.items():
        print(f"{shape}\t{name}\t{seconds}")


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--shape":
        run_shape(sys.argv[3], sys.argv[2])
        return
    n_customers = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as folder:
        write_data(n_customers, folder)
        rows = []
        for shape in SHAPES:
            proc = subprocess.run(
                [sys.executable, __file__, "--shape", shape, folder],
                check=False, capture_output=True, text=True,
            )
            if proc.returncode != 0:
                sys.stderr.write(proc.stderr)
                raise SystemExit(f"shape {shape!r} failed (exit code {proc.returncode})")
            out = proc.stdout
            rows += [line.split("\t") for line in out.splitlines() if line.count("\t") == 2]
    seconds = {(s, name): float(t) for s, name, t in rows}
    print("shop: uint64 ids, int64 seconds, uint32 channels (native dtypes)")
    print("events: int64 ids in random order, datetime64[s] sorted by time, int64 channels")
    print(f"{'shape':<8}{'implementation':<20}{'seconds':>10}{'ki3 first x':>14}{'ki3 warm x':>12}")
    for (shape, name), t in seconds.items():
        first = t / seconds[(shape, "ki3 first call")]
        warm = t / seconds[(shape, "ki3 warm")]
        print(f"{shape:<8}{name:<20}{t:>10.3f}{first:>14.1f}{warm:>12.1f}")
    for shape in SHAPES:
        polars = seconds[(shape, "polars warm")]
        print(f"{shape}: ki3 first call is {polars / seconds[(shape, 'ki3 first call')]:.1f}x "
              f"polars (warm), ki3 warm is {polars / seconds[(shape, 'ki3 warm')]:.1f}x")


if __name__ == "__main__":
    main()
