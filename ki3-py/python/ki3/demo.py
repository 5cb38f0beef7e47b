"""The ki3 demo: a synthetic shop, customer features, RFM segments and a picture.

Run with ``python -m ki3.demo --out demo-output`` (``make demo`` does the set-up first).
"""

from __future__ import annotations

import argparse
import pathlib
import time

import pandas as pd

import ki3

__all__ = ["creative_test", "main", "plot_segments", "segment_table"]


def segment_table(events: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """RFM summary -> scores -> one row per segment with size, revenue and recency."""
    summary = ki3.features.rfm_summary(
        events[events["purchase"]], customer="customer", timestamp="timestamp",
        amount="amount", observation_end=as_of, freq="D",
    )
    scores = ki3.features.rfm_scores(summary, bins=5)
    revenue = events[events["purchase"]].groupby("customer")["amount"].sum()
    table = scores.join(summary).join(revenue.rename("revenue"))
    out = table.groupby("segment", observed=False).agg(
        customers=("R", "size"),
        revenue=("revenue", "sum"),
        mean_days_since_purchase=("T", "mean"),
    )
    out["mean_days_since_purchase"] = (
        table.assign(days=table["T"] - table["recency"])
        .groupby("segment", observed=False)["days"].mean()
    )
    out["revenue_share"] = out["revenue"] / out["revenue"].sum()
    return out


def plot_segments(segments: pd.DataFrame, path: pathlib.Path) -> pathlib.Path | None:
    """Bar charts of segment sizes and revenue; None when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5), sharey=True)
    names = [str(s) for s in segments.index]
    left.barh(names, segments["customers"], color="#4C72B0")
    left.set_xlabel("customers")
    left.invert_yaxis()
    right.barh(names, segments["revenue"], color="#DD8452")
    right.set_xlabel("revenue")
    fig.suptitle("ki3 demo: RFM segments of the synthetic shop")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def creative_test(events: pd.DataFrame, out: pathlib.Path, seed: int) -> pd.DataFrame:
    """A Thompson-sampling creative test on the shop's sessions: regret vs uniform allocation."""
    creatives = ["hero_image", "discount_banner", "video", "testimonial"]
    # True conversion rates of the creatives (unknown to the bandit).
    rates = {"hero_image": 0.030, "discount_banner": 0.041, "video": 0.036, "testimonial": 0.033}
    # One impression per session of the shop's first quarter.
    first_quarter = events["timestamp"] < events["timestamp"].min() + pd.Timedelta(days=91)
    sessions = int(events.loc[first_quarter, "session"].nunique())
    policy = ki3.bandit.BernoulliTS(creatives, seed=seed)
    sim = ki3.bandit.simulate(policy, rates=rates, steps=sessions, seed=seed, inplace=True)
    print(f"== Creative test over the {sessions:,} sessions of the first quarter")
    print(f"regret: Thompson sampling {sim.final_regret:.1f} conversions, "
          f"uniform allocation {sim.final_uniform_regret:.1f}")
    table = policy.summary(level=0.9).join(policy.prob_best(draws=20_000, seed=seed)
                                           .rename("prob_best"))
    table["true_rate"] = pd.Series(rates)
    print(table.round(4), "\n")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return table
    ax = sim.plot_regret()
    ax.set_title("ki3 demo: creative test, cumulative regret")
    ax.figure.savefig(out / "creative_test_regret.png", dpi=110)  # type: ignore[union-attr]
    plt.close(ax.figure)
    print(f"picture: {out / 'creative_test_regret.png'}")
    return table


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="demo-output", help="folder for the picture")
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    pd.set_option("display.width", 160)
    pd.set_option("display.max_columns", 12)

    start = time.perf_counter()
    events = ki3.datasets.synthetic_shop(args.customers, seed=args.seed)
    as_of = events["timestamp"].max()
    print(f"== Synthetic shop: {len(events):,} events, {events['customer'].nunique():,} customers "
          f"({time.perf_counter() - start:.2f} s)")
    print(events.head(), "\n")

    start = time.perf_counter()
    features = ki3.features.customer_features(
        events, customer="customer", timestamp="timestamp", amount="amount",
        purchase="purchase", channel="channel", category="category", session="session",
        as_of=as_of,
    )
    print(f"== Customer features as of {as_of}: {features.shape[0]:,} customers x "
          f"{features.shape[1]} columns ({time.perf_counter() - start:.3f} s)")
    print(features.iloc[:5, :10], "\n")

    segments = segment_table(events, as_of)
    print("== RFM segments")
    print(segments.round(2), "\n")
    picture = plot_segments(segments, out / "rfm_segments.png")
    if picture is not None:
        print(f"picture: {picture}")
    segments.to_csv(out / "rfm_segments.csv")
    creative_test(events, out, args.seed).to_csv(out / "creative_test.csv")
    features.to_parquet(out / "customer_features.parquet") if _has_parquet() else None


def __dir__() -> list[str]:
    """Only the public API (``__all__``) and the module's dunders (PEP 562)."""
    return sorted({*__all__, *(n for n in globals() if n.startswith("__") and n.endswith("__"))})


def _has_parquet() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
