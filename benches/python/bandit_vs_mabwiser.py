"""ki3.bandit vs MABWiser (Thompson sampling and linear Thompson sampling) in one process.

Run after `make setup` and `pip install mabwiser`:
    .venv/bin/python benches/python/bandit_vs_mabwiser.py [batch_rows]

Both libraries get the same arms (10 string names), the same data and a warm model (fitted on
10,000 logged rows) before the per-call timings. Per-call numbers are timeit-style: a loop of
calls, repeated, minimum of the repeats divided by the loop length. Batch fits start from a fresh
model each repeat (MABWiser's ``fit`` resets; ki3's ``update_batch`` adds to a new policy).

* decision: MABWiser ``predict()`` vs ki3 ``choose()``
* update: MABWiser ``partial_fit([arm], [reward])`` vs ki3 ``update(arm, reward)``
* batch fit: MABWiser ``fit(decisions, rewards)`` vs ki3 ``update_batch(arms, rewards)``
  (1,000,000 rows by default, int64 0/1 rewards), once with integer arms (MABWiser arms
  0..9, ki3 arm indices) and once with arm names (a numpy unicode column)
* LinTS, 10 arms x 20 features: ``predict(contexts=x[None])`` vs ``choose(context=x)`` and
  ``partial_fit([arm], [reward], contexts=x[None])`` vs ``update(arm, reward, context=x)``
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import ki3
import numpy as np
from ki3.bandit import BernoulliTS, LinearTS

try:
    from mabwiser.mab import MAB, LearningPolicy
except ImportError:  # pragma: no cover
    sys.exit("this benchmark needs MABWiser: pip install mabwiser")

N_ARMS = 10
N_FEATURES = 20
WARM_ROWS = 10_000
ARMS = [f"arm{i}" for i in range(N_ARMS)]


def per_call(fn: Callable[[int], object], number: int, repeat: int = 5) -> float:
    """Seconds per call of ``fn(i)``: minimum over ``repeat`` loops of ``number`` calls."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for i in range(number):
            fn(i)
        best = min(best, time.perf_counter() - start)
    return best / number


def once(fn: Callable[[], object], repeat: int = 7) -> float:
    """Seconds of one call of ``fn()``: minimum over ``repeat`` calls."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def fmt(seconds: float) -> str:
    if seconds >= 1.0:
        return f"{seconds:8.3f} s "
    if seconds >= 1e-3:
        return f"{seconds * 1e3:8.3f} ms"
    return f"{seconds * 1e6:8.2f} us"


def main() -> None:
    batch_rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rng = np.random.default_rng(42)
    rates = rng.uniform(0.02, 0.10, N_ARMS)
    rows: list[tuple[str, float, float]] = []

    # --- context-free Thompson sampling ------------------------------------------------------
    warm_arms = rng.choice(np.array(ARMS), WARM_ROWS)
    warm_rewards = (rng.random(WARM_ROWS) < rates[rng.integers(0, N_ARMS, WARM_ROWS)]).astype(int)
    mab = MAB(ARMS, LearningPolicy.ThompsonSampling(), seed=1)
    mab.fit(warm_arms, warm_rewards)
    ts = BernoulliTS(ARMS, seed=1).update_batch(warm_arms, warm_rewards)

    n = 2_000
    picks = rng.choice(np.array(ARMS), n).tolist()
    rewards = (rng.random(n) < 0.05).astype(int).tolist()
    rows.append(("decision (10 arms)",
                 per_call(lambda i: mab.predict(), n),
                 per_call(lambda i: ts.choose(), 20 * n)))
    rows.append(("update, one row",
                 per_call(lambda i: mab.partial_fit([picks[i]], [rewards[i]]), n),
                 per_call(lambda i: ts.update(picks[i % n], rewards[i % n]), 20 * n)))

    big_codes = rng.integers(0, N_ARMS, batch_rows)
    big_arms = np.array(ARMS)[big_codes]
    big_rewards = (rng.random(batch_rows) < 0.05).astype(np.int64)
    # Arms as integers (MABWiser arms 0..9, ki3 arm indices), as the baseline measured.
    t_mab = once(lambda: MAB(list(range(N_ARMS)), LearningPolicy.ThompsonSampling(), seed=1)
                 .fit(big_codes, big_rewards))
    t_ki3 = once(lambda: BernoulliTS(ARMS, seed=1).update_batch(big_codes, big_rewards))
    rows.append((f"batch fit, {batch_rows:,} rows, int arms", t_mab, t_ki3))
    # Arms as names (numpy unicode column) in both.
    t_mab = once(lambda: MAB(ARMS, LearningPolicy.ThompsonSampling(), seed=1)
                 .fit(big_arms, big_rewards))
    t_ki3 = once(lambda: BernoulliTS(ARMS, seed=1).update_batch(big_arms, big_rewards))
    rows.append((f"batch fit, {batch_rows:,} rows, names", t_mab, t_ki3))

    # --- linear Thompson sampling ------------------------------------------------------------
    theta = rng.normal(scale=0.3, size=(N_ARMS, N_FEATURES))
    X = rng.normal(size=(WARM_ROWS, N_FEATURES))
    X[:, 0] = 1.0
    lin_arms = rng.integers(0, N_ARMS, WARM_ROWS)
    y = np.einsum("ij,ij->i", X, theta[lin_arms]) + rng.normal(scale=0.5, size=WARM_ROWS)
    lin_names = np.array(ARMS)[lin_arms]
    mab_lin = MAB(ARMS, LearningPolicy.LinTS(alpha=1.0, l2_lambda=1.0), seed=1)
    mab_lin.fit(lin_names, y, contexts=X)
    lin = LinearTS(ARMS, N_FEATURES, ridge=1.0, noise=1.0, seed=1)
    lin.update_batch(lin_names, y, contexts=X)

    m = 500
    ctx = rng.normal(size=(m, N_FEATURES))
    ctx[:, 0] = 1.0
    rows_2d = [ctx[i : i + 1] for i in range(m)]
    ys = rng.normal(size=m).tolist()
    lin_picks = rng.choice(np.array(ARMS), m).tolist()
    rows.append((f"LinTS decision ({N_ARMS} arms x {N_FEATURES} features)",
                 per_call(lambda i: mab_lin.predict(contexts=rows_2d[i]), m),
                 per_call(lambda i: lin.choose(context=ctx[i % m]), 10 * m)))
    rows.append(("LinTS update, one row",
                 per_call(lambda i: mab_lin.partial_fit([lin_picks[i]], [ys[i]],
                                                        contexts=rows_2d[i]), m),
                 per_call(lambda i: lin.update(lin_picks[i % m], ys[i % m], context=ctx[i % m]),
                          10 * m)))

    from importlib.metadata import version

    print(f"ki3 {ki3.__version__} vs MABWiser {version('mabwiser')}; numpy {np.__version__}")
    print(f"{'operation':<44} {'MABWiser':>11} {'ki3':>11} {'ratio':>8}")
    for name, t_mab, t_ki3 in rows:
        print(f"{name:<44} {fmt(t_mab):>11} {fmt(t_ki3):>11} {t_mab / t_ki3:7.1f}x")


if __name__ == "__main__":
    main()
