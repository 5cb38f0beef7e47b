"""The serving calls of ``ki3.bandit`` from Python, the same operations as the Node
microbenchmark ``ki3-node/bench/bandit.mjs`` (run both back to back to compare the bindings).

    .venv/bin/python benches/python/bandit_serving.py [iterations]

Per-call numbers: a loop of calls, repeated, minimum of the repeats divided by the loop length.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import numpy as np
from ki3.bandit import BernoulliTS, GaussianTS, LinearTS

ARMS = [f"arm{i}" for i in range(10)]


def per_call(fn: Callable[[int], object], number: int, repeat: int = 5) -> float:
    """Microseconds per call of ``fn(i)``: minimum over ``repeat`` loops of ``number`` calls."""
    for i in range(min(number, 20_000)):
        fn(i)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for i in range(number):
            fn(i)
        best = min(best, time.perf_counter() - start)
    return best / number * 1e6


def report(label: str, us: float) -> None:
    print(f"{label:<52} {us:8.3f} µs/call  ({1 / us:.2f} M calls/s)")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    ts = BernoulliTS(ARMS, seed=1)
    for i in range(1000):
        ts.update(ARMS[i % 10], (i % 7) / 7)
    eligible = ARMS[:5]
    report("BernoulliTS(10 arms).choose()", per_call(lambda i: ts.choose(), n))
    report("BernoulliTS(10 arms).choose(eligible=5 names)",
           per_call(lambda i: ts.choose(eligible=eligible), n))
    report("BernoulliTS(10 arms).choose(3)", per_call(lambda i: ts.choose(3), n))
    report("BernoulliTS(10 arms).update(name, reward)",
           per_call(lambda i: ts.update(ARMS[i % 10], i & 1), n))

    def decide_reward(i: int) -> None:
        decision_id, _ = ts.decide()
        ts.reward(decision_id, i & 1)

    report("BernoulliTS(10 arms).decide() + reward(id, r)", per_call(decide_reward, n))

    gts = GaussianTS(ARMS, seed=1)
    for i in range(1000):
        gts.update(ARMS[i % 10], float(np.sin(i)))
    report("GaussianTS(10 arms).choose()", per_call(lambda i: gts.choose(), n))

    d = 8
    lin = LinearTS(ARMS, d, seed=1)
    x = np.full(d, 0.3)
    for i in range(1000):
        lin.update(ARMS[i % 10], float(np.sin(i)), context=x)
    m = n // 4
    report(f"LinearTS(10 arms, {d} features).choose(context=x)",
           per_call(lambda i: lin.choose(context=x), m))
    report(f"LinearTS(10 arms, {d} features).update(name, r, context=x)",
           per_call(lambda i: lin.update(ARMS[i % 10], i & 1, context=x), m))


if __name__ == "__main__":
    main()
