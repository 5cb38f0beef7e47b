"""ki3's meta-learners vs scikit-uplift's on Hillstrom: fit time and held-out Qini side by side.

Run after `make setup`:  .venv/bin/python benches/python/uplift_vs_causalml.py
(the peers are optional: install ``scikit-uplift`` and ``scikit-learn`` into the environment,
or run this script with a scratch venv that has them and ``PYTHONPATH=ki3-py/python``; a peer
that is absent prints "not installed").

Task (``../shared/data/uplift/README.md``): Womens E-Mail vs No E-Mail, target ``visit``, the
shared 70/30 split (29,885 training rows, 11 features). Both sides fit the same model, the
T-learner / ``TwoModels(method="vanilla")`` and the class transformation with standardised
``LogisticRegression(C=1)``; scikit-uplift's pipeline is
``make_pipeline(StandardScaler(), LogisticRegression(C=1, tol=1e-10, max_iter=10_000))``, the
configuration of the reference Qini in ``hillstrom_reference_metrics.json``. Times are the best
of several fits in this process; the Qini (scikit-uplift's ``qini_auc_score``) is computed by
ki3 on both sides' test scores.
"""

from __future__ import annotations

import os
import pathlib
import time
from collections.abc import Callable

import ki3
import numpy as np
import pandas as pd
from ki3.uplift.metrics import qini_auc_score

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
FEATURES = [
    "recency", "history", "mens", "womens", "newbie", "zip_code_Rural", "zip_code_Surburban",
    "zip_code_Urban", "channel_Multichannel", "channel_Phone", "channel_Web",
]


def shared_data() -> pathlib.Path:
    env = os.environ.get("KI3_SHARED_DATA")
    candidates = [pathlib.Path(env)] if env else []
    candidates += [REPO_ROOT.parent / "shared" / "data", REPO_ROOT.parent.parent / "shared" / "data"]
    for path in candidates:
        if (path / "uplift" / "hillstrom.csv").is_file():
            return path
    raise SystemExit("hillstrom.csv not found: set KI3_SHARED_DATA to the shared data folder")


def hillstrom() -> tuple[pd.DataFrame, pd.DataFrame]:
    folder = shared_data() / "uplift"
    raw = pd.read_csv(folder / "hillstrom.csv")
    dummies = pd.get_dummies(raw[["zip_code", "channel"]]).astype(float)
    data = pd.concat([raw[["recency", "history", "mens", "womens", "newbie"]], dummies], axis=1)
    data["t"] = (raw["segment"] == "Womens E-Mail").astype(float)
    data["visit"] = raw["visit"].astype(float)
    split = pd.read_csv(folder / "hillstrom_womens_vs_none_split_rs42.csv").sort_values("row")
    rows = data.loc[split["row"]].assign(is_test=split["is_test"].to_numpy())
    return rows[rows.is_test == 0], rows[rows.is_test == 1]


def best_of(fn: Callable[[], np.ndarray], repeat: int) -> tuple[float, np.ndarray]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    assert out is not None
    return min(times), out


def main() -> None:
    train, test = hillstrom()
    xtr, xte = train[FEATURES].to_numpy(), test[FEATURES].to_numpy()

    def ki3_t() -> np.ndarray:
        return ki3.uplift.TLearner().fit(xtr, train.t, train.visit).predict(xte)[:, 0]

    def ki3_ct() -> np.ndarray:
        model = ki3.uplift.ClassTransformation(propensity="half")
        return model.fit(xtr, train.t, train.visit).predict(xte)[:, 0]

    rows: list[tuple[str, str, float | None, float | None]] = []
    for name, fn in (("T-learner", ki3_t), ("class transformation", ki3_ct)):
        seconds, scores = best_of(fn, 5)
        rows.append((name, "ki3", seconds, qini_auc_score(test.visit, scores, test.t)))
    try:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
        from sklift.models import ClassTransformation, TwoModels
    except ImportError:
        rows.append(("T-learner", "scikit-uplift: not installed", None, None))
    else:
        def lr():
            return make_pipeline(StandardScaler(),
                                 LogisticRegression(C=1.0, tol=1e-10, max_iter=10_000))

        def sk_t() -> np.ndarray:
            model = TwoModels(estimator_trmnt=lr(), estimator_ctrl=lr(), method="vanilla")
            return model.fit(xtr, train.visit, train.t).predict(xte)

        def sk_ct() -> np.ndarray:
            return ClassTransformation(estimator=lr()).fit(xtr, train.visit, train.t).predict(xte)

        for name, fn in (("T-learner", sk_t), ("class transformation", sk_ct)):
            seconds, scores = best_of(fn, 3)
            rows.append((name, "scikit-uplift", seconds, qini_auc_score(test.visit, scores,
                                                                          test.t)))
    print(f"Hillstrom (Womens vs No E-Mail, visit): {len(train):,} training rows, "
          f"{len(test):,} test rows, {len(FEATURES)} features")
    print(f"{'model':<22}{'library':<30}{'fit+predict s':>14}{'qini_auc':>11}")
    for name, lib, seconds, qini in rows:
        s = "" if seconds is None else f"{seconds:14.4f}"
        q = "" if qini is None else f"{qini:11.6f}"
        print(f"{name:<22}{lib:<30}{s}{q}")
    for name in ("T-learner", "class transformation"):
        got = {lib: sec for n, lib, sec, _ in rows if n == name and sec is not None}
        if "ki3" in got and "scikit-uplift" in got:
            print(f"{name}: ki3 is {got['scikit-uplift'] / got['ki3']:.1f}x faster")


if __name__ == "__main__":
    main()
