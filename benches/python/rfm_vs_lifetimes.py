"""ki3's rfm_summary vs lifetimes' summary_data_from_transaction_data, from a pandas frame.

Run after `make setup`:  .venv/bin/python benches/python/rfm_vs_lifetimes.py

Data: CDNOW master (69,659 transactions of 23,570 customers; ``../shared/data/clv``, or the
folder in ``KI3_SHARED_DATA``) and the same log replicated 20 times with distinct customer ids
(1.4M transactions, 471,400 customers). Both libraries get the same pandas DataFrame (int64
``customer_id``, ``date`` parsed by ``pandas.to_datetime``, float64 ``dollar_value``) and the
same parameters (daily periods, observation end 1998-06-30, monetary value). The outputs are
checked to agree before anything is timed; times are the best of several calls in this process.
"""

from __future__ import annotations

import os
import pathlib
import sys
import time

import ki3
import numpy as np
import pandas as pd

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
END = "1998-06-30"
REPLICAS = 20


def shared_data() -> pathlib.Path:
    env = os.environ.get("KI3_SHARED_DATA")
    candidates = [pathlib.Path(env)] if env else []
    candidates += [REPO_ROOT.parent / "shared" / "data", REPO_ROOT.parent.parent / "shared" / "data"]
    for path in candidates:
        if (path / "clv" / "CDNOW_master.txt").is_file():
            return path
    raise SystemExit("CDNOW_master.txt not found: set KI3_SHARED_DATA to the shared data folder")


def cdnow_master() -> pd.DataFrame:
    tx = pd.read_csv(
        shared_data() / "clv" / "CDNOW_master.txt", sep=r"\s+", header=0,
        names=["customer_id", "date", "cds", "dollar_value"],
    )
    tx["date"] = pd.to_datetime(tx["date"].astype(str), format="%Y%m%d")
    return tx[["customer_id", "date", "dollar_value"]]


def replicated(tx: pd.DataFrame, times: int) -> pd.DataFrame:
    step = int(tx["customer_id"].max()) + 1
    parts = [tx.assign(customer_id=tx["customer_id"] + k * step) for k in range(times)]
    return pd.concat(parts, ignore_index=True)


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    from lifetimes.utils import summary_data_from_transaction_data

    base = cdnow_master()
    print(f"{'data':<22}{'rows':>10}{'ki3 first s':>13}{'ki3 s':>10}{'lifetimes s':>13}"
          f"{'ki3 is x faster':>17}")
    for label, tx, repeat in (
        ("CDNOW master", base, (30, 5)),
        (f"CDNOW master x{REPLICAS}", replicated(base, REPLICAS), (10, 3)),
    ):
        def ki3_summary(tx=tx):
            return ki3.features.rfm_summary(
                tx, customer="customer_id", timestamp="date", amount="dollar_value",
                observation_end=END, freq="D",
            )

        def lifetimes_summary(tx=tx):
            return summary_data_from_transaction_data(
                tx, "customer_id", "date", monetary_value_col="dollar_value",
                observation_period_end=END, freq="D",
            )

        start = time.perf_counter()
        got = ki3_summary()
        first = time.perf_counter() - start
        want = lifetimes_summary()
        if not np.array_equal(got.index.to_numpy(), want.index.to_numpy()):
            raise SystemExit(f"{label}: ki3 and lifetimes disagree on the customers")
        np.testing.assert_allclose(got.to_numpy(), want[got.columns].to_numpy(), rtol=1e-12)
        ki3_s = best_of(ki3_summary, repeat[0])
        lifetimes_s = best_of(lifetimes_summary, repeat[1])
        print(f"{label:<22}{len(tx):>10,}{first:>13.4f}{ki3_s:>10.4f}{lifetimes_s:>13.4f}"
              f"{lifetimes_s / ki3_s:>17.1f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
