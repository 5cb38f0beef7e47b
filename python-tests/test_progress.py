"""Long work: tqdm progress bars, Ctrl-C as KeyboardInterrupt, the core's step cap."""

from __future__ import annotations

import _thread
import sys
import threading
import time

import numpy as np
import pandas as pd  # noqa: F401  (imported before any interrupt can land in its import)
import pytest
from ki3 import InvalidInputError
from ki3.bandit import BernoulliTS, LinearTS, replay, simulate

ARMS = ["a", "b", "c"]
RATES = [0.1, 0.3, 0.2]


def _long_policy() -> tuple[BernoulliTS, list[float]]:
    """A policy with many arms: a million steps take seconds, far beyond the interrupt."""
    arms = [f"arm{i}" for i in range(500)]
    rates = list(np.linspace(0.01, 0.5, len(arms)))
    return BernoulliTS(arms, seed=3), rates


def _interrupt_after(delay: float) -> tuple[threading.Thread, list[float]]:
    sent: list[float] = []

    def fire() -> None:
        time.sleep(delay)
        sent.append(time.monotonic())
        _thread.interrupt_main()

    thread = threading.Thread(target=fire, daemon=True)
    thread.start()
    return thread, sent


@pytest.mark.parametrize("progress", [False, True])
def test_ctrl_c_stops_simulate_quickly_and_leaves_the_policy(progress):
    ts, rates = _long_policy()
    before = ts.to_json()
    thread, sent = _interrupt_after(0.3)
    with pytest.raises(KeyboardInterrupt):
        simulate(ts, rates, steps=1_000_000, seed=1, inplace=True, progress=progress)
    caught = time.monotonic()
    thread.join()
    assert sent, "the interrupt was not sent"
    assert caught - sent[0] < 0.5
    assert ts.to_json() == before


def test_ctrl_c_stops_replay_and_leaves_the_policy():
    arms = [f"arm{i}" for i in range(500)]
    ts = BernoulliTS(arms, seed=3)
    before = ts.to_json()
    n = 2_000_000
    rng = np.random.default_rng(0)
    logged = rng.integers(0, len(arms), n)  # arm indices: no name lookup before the run
    rewards = rng.random(n)
    replay(ts, logged[:10], rewards[:10])
    thread, sent = _interrupt_after(0.3)
    with pytest.raises(KeyboardInterrupt):
        replay(ts, logged, rewards, inplace=True)
    caught = time.monotonic()
    thread.join()
    assert sent and caught - sent[0] < 0.5
    assert ts.to_json() == before


def test_progress_bar_shows_and_changes_nothing(capsys):
    plain = simulate(BernoulliTS(ARMS, seed=2), RATES, steps=200_000, seed=5)
    capsys.readouterr()
    shown = simulate(BernoulliTS(ARMS, seed=2), RATES, steps=200_000, seed=5, progress=True)
    err = capsys.readouterr().err
    assert "simulate" in err and "200000/200000" in err
    np.testing.assert_array_equal(plain.choices, shown.choices)
    np.testing.assert_array_equal(plain.regret, shown.regret)
    assert plain.policy.to_json() == shown.policy.to_json()


def test_replay_progress_bar_and_linear_replay(capsys):
    rng = np.random.default_rng(1)
    n = 50_000
    logged = np.asarray(ARMS)[rng.integers(0, 3, n)]
    rewards = (rng.random(n) < 0.3).astype(float)
    a = replay(BernoulliTS(ARMS, seed=4), logged, rewards)
    capsys.readouterr()
    b = replay(BernoulliTS(ARMS, seed=4), logged, rewards, progress=True)
    assert "replay" in capsys.readouterr().err
    assert a == b
    x = rng.normal(size=(n, 2))
    lin = replay(LinearTS(ARMS, 2, seed=4), logged, rewards, contexts=x, progress=True)
    assert lin["events"] == n


def test_no_tqdm_means_no_bar(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    sim = simulate(BernoulliTS(ARMS, seed=2), RATES, steps=1000, seed=5, progress=True)
    assert len(sim.choices) == 1000
    assert capsys.readouterr().err == ""


def test_a_failing_progress_callback_cancels_and_is_raised():
    ts = BernoulliTS(ARMS, seed=2)
    before = ts.to_json()

    def boom(done: int, total: int) -> None:
        raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        ts._native.simulate(RATES, 100_000, 1, None, 0, None, boom)
    assert ts.to_json() == before


def test_the_step_cap_lives_in_the_core():
    ts = BernoulliTS(ARMS)
    before = ts.to_json()
    with pytest.raises(InvalidInputError, match="steps"):
        simulate(ts, RATES, steps=2**40, inplace=True)
    with pytest.raises(InvalidInputError, match="steps"):
        ts._native.simulate(RATES, 2**40, 0)
    assert ts.to_json() == before
