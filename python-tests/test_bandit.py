"""ki3.bandit: API, determinism, persistence, delayed feedback, bad input, threads, regret."""

from __future__ import annotations

import copy
import json
import math
import pickle
import threading
from concurrent.futures import ThreadPoolExecutor

import ki3
import numpy as np
import pandas as pd
import pytest
from ki3.bandit import (
    DEFAULT_SEED,
    BernoulliTS,
    GaussianTS,
    LinearTS,
    Simulation,
    StopDecision,
    replay,
    simulate,
)

ARMS = ["a", "b", "c", "d", "e"]
RATES = [0.10, 0.20, 0.30, 0.40, 0.50]


def make(kind: str, **kw):
    """A policy of each kind on ARMS (LinearTS with 3 features)."""
    if kind == "bernoulli":
        return BernoulliTS(ARMS, **kw)
    if kind == "gaussian":
        return GaussianTS(ARMS, **kw)
    return LinearTS(ARMS, n_features=3, **kw)


def ctx(policy, i: int = 0):
    """A context for step ``i`` (None for context-free policies)."""
    if not isinstance(policy, LinearTS):
        return None
    return np.array([1.0, math.sin(i), math.cos(0.5 * i)])


def train(policy, steps: int = 300, seed: int = 0):
    """Feeds ``steps`` choices with Bernoulli(RATES) rewards; leaves some decisions pending."""
    rng = np.random.default_rng(seed)
    for i in range(steps):
        x = ctx(policy, i)
        if i % 3 == 0:
            did, arm = policy.decide(context=x)
            if i % 2 == 0:  # every other tracked decision stays pending
                policy.reward(did, float(rng.random() < RATES[ARMS.index(arm)]))
        else:
            arm = policy.choose(context=x)
            policy.update(arm, float(rng.random() < RATES[ARMS.index(arm)]), context=x)
    return policy


def stream(policy, n: int = 50) -> list:
    """The next ``n`` decisions (singles, slates and tracked ones)."""
    out = []
    for i in range(n):
        x = ctx(policy, 1000 + i)
        if i % 5 == 4:
            out.append(policy.choose(2, context=x))
        elif i % 5 == 3:
            out.append(policy.decide(context=x))
        else:
            out.append(policy.choose(context=x))
    return out


KINDS = ["bernoulli", "gaussian", "linear"]


# --------------------------------------------------------------------------------------------
# API and names


def test_module_exports():
    assert set(ki3.bandit.__all__) >= {"BernoulliTS", "GaussianTS", "LinearTS", "simulate",
                                       "replay"}
    assert ki3.bandit.BernoulliTS is BernoulliTS
    assert DEFAULT_SEED == 0


@pytest.mark.parametrize("kind", KINDS)
def test_api_shapes_and_names(kind):
    ts = train(make(kind, seed=3))
    x = ctx(ts)
    arm = ts.choose(context=x)
    assert isinstance(arm, str) and arm in ARMS
    slate = ts.choose(3, context=x)
    assert isinstance(slate, list) and len(slate) == 3 and len(set(slate)) == 3
    assert set(slate) <= set(ARMS)
    did, arm = ts.decide(context=x)
    assert isinstance(did, int) and arm in ARMS
    did2, slate = ts.decide(n=2, context=x)
    assert did2 == did + 1 and len(set(slate)) == 2
    assert ts.arms == ARMS and ts.all_arms == ARMS

    summary = ts.summary(context=x)
    assert list(summary.columns) == ["n", "mean", "lower", "upper", "active"]
    assert list(summary.index) == ARMS and summary.index.name == "arm"
    assert (summary["lower"] <= summary["mean"]).all() and (summary["mean"] <= summary["upper"]).all()
    assert summary["active"].all()
    wide = ts.summary(level=0.99, context=x)
    assert (wide["upper"] - wide["lower"] > summary["upper"] - summary["lower"]).all()

    pb = ts.prob_best(draws=5000, context=x)
    assert isinstance(pb, pd.Series) and pb.name == "prob_best" and list(pb.index) == ARMS
    assert pb.sum() == pytest.approx(1.0)
    ins = ts.insight(draws=5000, context=x)
    assert list(ins.columns) == ["prob_best", "expected_loss"]
    assert (ins["expected_loss"] >= 0).all()
    pd.testing.assert_series_equal(ins["prob_best"], pb)
    sub = ts.insight(draws=1000, context=x, eligible=["b", "d"])
    assert list(sub.index) == ["b", "d"]

    stop = ts.should_stop(context=x)
    assert isinstance(stop, StopDecision) and stop.best_arm in ARMS
    assert bool(stop) == stop.stop
    assert stop.prob_best == ts.prob_best(context=x).max()  # same draws and seed
    assert ts.should_stop(prob_best=None, expected_loss=10.0, context=x).stop
    assert not ts.should_stop(prob_best=0.999999, context=x) or stop.prob_best > 0.999999
    assert repr(ts).startswith(type(ts).__name__ + "(arms=")


def test_parameters_round_trip():
    ts = BernoulliTS(ARMS, prior=(2, 3), discount=0.99, top_two=True, seed=None)
    assert ts.prior == (2.0, 3.0) and ts.discount == 0.99 and ts.top_two == 0.5
    assert ts.seed == DEFAULT_SEED and ts.pending_horizon == 10_000
    assert BernoulliTS(ARMS, top_two=0.3).top_two == 0.3
    assert BernoulliTS(ARMS).top_two is None
    g = GaussianTS(ARMS)
    assert g.prior == (0.0, 1.0, 1.0, 1.0)
    lin = LinearTS(ARMS, 4, ridge=2.0, noise=0.5, seed=9)
    assert (lin.n_features, lin.ridge, lin.noise, lin.seed) == (4, 2.0, 0.5, 9)
    restored = BernoulliTS.from_json(ts.to_json())
    assert (restored.prior, restored.discount, restored.top_two) == ((2.0, 3.0), 0.99, 0.5)


def test_seed_none_is_the_default_seed():
    assert stream(BernoulliTS(ARMS)) == stream(BernoulliTS(ARMS, seed=0))
    assert stream(LinearTS(ARMS, 3, seed=None)) == stream(LinearTS(ARMS, 3, seed=DEFAULT_SEED))


@pytest.mark.parametrize("kind", KINDS)
def test_same_seed_same_decisions(kind):
    a, b = train(make(kind, seed=7)), train(make(kind, seed=7))
    assert a.to_json() == b.to_json()
    assert stream(a, 100) == stream(b, 100)
    c = train(make(kind, seed=8))
    assert stream(c, 100) != stream(make(kind, seed=7), 100)


def test_add_and_retire_arms():
    ts = BernoulliTS(["a", "b"], seed=1)
    assert ts.add_arm("c") is ts
    assert ts.arms == ["a", "b", "c"]
    ts.retire_arm("a")
    assert ts.arms == ["b", "c"] and ts.all_arms == ["a", "b", "c"]
    assert {ts.choose() for _ in range(300)} == {"b", "c"}
    summary = ts.summary()
    assert list(summary["active"]) == [False, True, True]
    ts.update("a", 1.0)  # late rewards of a retired arm still count
    assert ts.summary().loc["a", "n"] == 1.0
    assert list(ts.prob_best().index) == ["b", "c"]
    with pytest.raises(ki3.InvalidInputError, match="already exists"):
        ts.add_arm("b")
    with pytest.raises(ki3.InvalidInputError, match="retired"):
        ts.choose(eligible=["a", "b"])
    ts.retire_arm("b")
    ts.retire_arm("c")
    with pytest.raises(ki3.InvalidInputError, match="retired"):
        ts.choose()
    lin = LinearTS(["a"], 2).add_arm("z")
    assert lin.arms == ["a", "z"]
    assert lin.choose(context=[1.0, 0.0]) in ("a", "z")


def test_eligible_subsets():
    ts = train(BernoulliTS(ARMS, seed=2))
    assert {ts.choose(eligible=["c"]) for _ in range(20)} == {"c"}
    assert ts.choose(eligible="c") == "c"
    picks = {ts.choose(eligible=["b", "e"]) for _ in range(200)}
    assert picks <= {"b", "e"}
    for _ in range(50):
        slate = ts.choose(2, eligible=np.array(["a", "d", "e"]))
        assert set(slate) <= {"a", "d", "e"} and len(set(slate)) == 2
    assert ts.decide(eligible=["d"])[1] == "d"
    lin = LinearTS(ARMS, 3, seed=1)
    assert {lin.choose(context=[1, 0, 0], eligible=["a", "b"]) for _ in range(50)} <= {"a", "b"}
    with pytest.raises(ki3.InvalidInputError, match="k: must be in"):
        ts.choose(3, eligible=["a", "b"])
    with pytest.raises(ki3.InvalidInputError, match="listed twice"):
        ts.choose(eligible=["a", "a"])


# --------------------------------------------------------------------------------------------
# Persistence


@pytest.mark.parametrize("kind", KINDS)
def test_save_load_pickle_copy_continue_the_stream(kind, tmp_path):
    ts = train(make(kind, seed=5, pending_horizon=500))
    assert ts.pending_decisions > 0
    state = ts.to_json()
    path = tmp_path / "policy.json"
    ts.save(path)
    copies = [
        type(ts).from_json(state),
        ki3.load(path),
        pickle.loads(pickle.dumps(ts)),
        copy.copy(ts),
        copy.deepcopy(ts),
        ts.copy(),
    ]
    expected = stream(ts, 50)
    for other in copies:
        assert type(other) is type(ts)
        assert other.to_json() == state
        assert stream(other, 50) == expected
    doc = json.loads(path.read_text())
    assert doc["format"] == "ki3" and doc["kind"] == ts._kind and doc["version"] == 1
    # A pending decision made before saving can be rewarded after loading.
    did, _ = ts.decide(context=ctx(ts))
    loaded = type(ts).from_json(ts.to_json())
    loaded.reward(did, 1.0)
    assert loaded.n_updates == ts.n_updates + 1


def test_copies_are_independent():
    ts = BernoulliTS(ARMS)
    other = ts.copy()
    other.update("a", 1.0)
    assert ts.n_updates == 0 and other.n_updates == 1


def test_load_still_dispatches_feature_aggregators(tmp_path):
    agg = ki3.features.FeatureAggregator(customer="c", timestamp="t")
    agg.save(tmp_path / "agg.json")
    assert isinstance(ki3.load(tmp_path / "agg.json"), ki3.features.FeatureAggregator)


def test_merge_replicas_equals_one_policy():
    rng = np.random.default_rng(3)
    arms = rng.choice(ARMS, 2000)
    rewards = (rng.random(2000) < 0.4).astype(float)
    base = BernoulliTS(ARMS, seed=1).update_batch(arms[:500], rewards[:500])
    left, right = base.copy(), base.copy()
    left.update_batch(arms[500:1200], rewards[500:1200])
    right.update_batch(arms[1200:], rewards[1200:])
    assert left.merge(base, right) is left
    single = BernoulliTS(ARMS, seed=1).update_batch(arms, rewards)
    pd.testing.assert_frame_equal(left.summary(), single.summary(), rtol=1e-12)
    assert left.n_updates == 2000
    with pytest.raises(ki3.InvalidInputError, match="expected a BernoulliTS"):
        left.merge(base, GaussianTS(ARMS))
    lin = LinearTS(["a", "b"], 2)
    lin_base = lin.copy()
    lin.update("a", 1.0, context=[1.0, 2.0])
    other = lin_base.copy().update("b", 0.5, context=[1.0, 0.0])
    lin.merge(lin_base, other)
    assert lin.n_updates == 2


# --------------------------------------------------------------------------------------------
# Delayed feedback and slates


@pytest.mark.parametrize("kind", KINDS)
def test_delayed_feedback(kind):
    ts = make(kind, seed=1, pending_horizon=3)
    x = ctx(ts)
    ids = [ts.decide(context=x)[0] for _ in range(2)]
    assert ids == [0, 1] and ts.pending_decisions == 2
    ts.reward(ids[1], 1.0)
    assert ts.n_updates == 1 and ts.pending_decisions == 1
    before = ts.to_json()
    with pytest.raises(ki3.InvalidInputError, match="already rewarded"):
        ts.reward(ids[1], 0.0)
    with pytest.raises(ki3.InvalidInputError, match="never issued"):
        ts.reward(99, 0.0)
    with pytest.raises(ki3.InvalidInputError, match="decision_id"):
        ts.reward(-1, 0.0)
    assert ts.to_json() == before
    for _ in range(3):  # three later decisions: decision 0 leaves the horizon
        ts.decide(context=x)
    with pytest.raises(ki3.InvalidInputError, match="expired"):
        ts.reward(ids[0], 1.0)
    assert ts.n_updates == 1


@pytest.mark.parametrize("kind", KINDS)
def test_slates(kind):
    ts = make(kind, seed=4)
    x = ctx(ts)
    did, slate = ts.decide(3, context=x)
    assert len(slate) == 3
    before = ts.to_json()
    with pytest.raises(ki3.InvalidInputError, match="rewards"):
        ts.reward(did, [1.0, 0.0])
    with pytest.raises(ki3.InvalidInputError, match="slate"):
        ts.reward(did, 1.0)
    assert ts.to_json() == before
    ts.reward(did, np.array([1.0, 0.0, 0.0]))
    summary = ts.summary(context=x)
    assert summary.loc[slate, "n"].tolist() == [1.0, 1.0, 1.0]
    assert ts.n_updates == 3
    with pytest.raises(ki3.InvalidInputError, match="already rewarded"):
        ts.reward(did, [1.0, 0.0, 0.0])
    assert len(ts.choose(5, context=x)) == 5
    with pytest.raises(ki3.InvalidInputError, match="k: must be in"):
        ts.choose(6, context=x)


def test_bernoulli_slate_learns_positions():
    ts = BernoulliTS(ARMS, seed=2)
    rng = np.random.default_rng(0)
    for _ in range(2000):
        did, slate = ts.decide(2)
        ts.reward(did, [float(rng.random() < RATES[ARMS.index(a)]) for a in slate])
    assert ts.choose(2, eligible=None) is not None
    assert ts.summary()["mean"].idxmax() == "e"


# --------------------------------------------------------------------------------------------
# Batches


def test_update_batch_inputs_equal_sequential_updates():
    rng = np.random.default_rng(1)
    arms = rng.choice(ARMS, 500)
    rewards = (rng.random(500) < 0.3).astype(int)
    one = BernoulliTS(ARMS)
    for a, r in zip(arms, rewards):
        one.update(str(a), r)
    want = one.to_json()
    for a, r in [
        (arms, rewards),
        (arms.tolist(), rewards.tolist()),
        (pd.Series(arms), pd.Series(rewards.astype(bool))),
        (pd.Series(arms, dtype="category"), pd.Series(rewards, dtype="Int64")),
        (pd.Series(arms, dtype="string"), rewards.astype(np.float32)),
    ]:
        assert BernoulliTS(ARMS).update_batch(a, r).to_json() == want
    pl = pytest.importorskip("polars")
    assert BernoulliTS(ARMS).update_batch(pl.Series(arms), pl.Series(rewards)).to_json() == want
    assert BernoulliTS(ARMS).update_batch([], []).n_updates == 0


def test_update_batch_integer_codes_equal_names():
    rng = np.random.default_rng(3)
    codes = rng.integers(0, len(ARMS), 3000)
    names = np.array(ARMS)[codes]
    rewards = (rng.random(3000) < 0.4).astype(np.int64)
    want = BernoulliTS(ARMS, seed=2).update_batch(names, rewards.astype(float)).to_json()
    for c in (codes, codes.astype(np.int32), codes.astype(np.int8), codes.astype(np.uint16),
              codes.tolist(), pd.Series(codes), pd.Series(codes, dtype="Int64")):
        for r in (rewards, rewards.astype(bool), rewards.astype(np.float32), rewards.tolist()):
            assert BernoulliTS(ARMS, seed=2).update_batch(c, r).to_json() == want
    # A Categorical in the order of the arms is read as its codes; another order is mapped.
    cat = pd.Categorical(names, categories=ARMS)
    assert BernoulliTS(ARMS, seed=2).update_batch(cat, rewards).to_json() == want
    shuffled = pd.Categorical(names, categories=ARMS[::-1])
    assert BernoulliTS(ARMS, seed=2).update_batch(shuffled, rewards).to_json() == want
    # Categories that never occur need not be arms; used unknown ones are named by row.
    extra = pd.Categorical(names, categories=[*ARMS, "zzz", 5])
    assert BernoulliTS(ARMS, seed=2).update_batch(extra, rewards).to_json() == want
    bad = pd.Categorical(["a", "zzz", "b"], categories=["a", "b", "zzz"])
    with pytest.raises(ki3.InvalidInputError, match="row 1: unknown arm 'zzz'"):
        BernoulliTS(ARMS).update_batch(bad, [1, 0, 1])
    with pytest.raises(ki3.InvalidInputError, match="arms: missing value at row 1"):
        BernoulliTS(ARMS).update_batch(pd.Series([0, None, 1], dtype="Int64"), [1, 0, 1])
    # uint64 indices beyond the arms are unknown arms (not wrapped to negatives).
    with pytest.raises(ki3.InvalidInputError, match="unknown arm 18446744073709551615"):
        BernoulliTS(ARMS).update_batch(pd.Series([0, 2**64 - 1], dtype="uint64"), [1, 0])
    # Misaligned but contiguous columns are copied, not rejected.
    raw = np.zeros(8 * 3000 + 1, dtype=np.uint8)
    misaligned = np.frombuffer(raw.data, dtype=np.int64, count=3000, offset=1)
    misaligned[:] = codes
    assert not misaligned.flags.aligned
    assert BernoulliTS(ARMS, seed=2).update_batch(misaligned, rewards).to_json() == want
    # LinearTS takes integer and boolean rewards too.
    X = np.ones((3, 2))
    lin = LinearTS(ARMS, 2).update_batch(np.array([0, 1, 1]), np.array([1, 0, 1]), contexts=X)
    same = LinearTS(ARMS, 2).update_batch(["a", "b", "b"], [True, False, True], contexts=X)
    assert lin.to_json() == same.to_json()
    with pytest.raises(ki3.InvalidInputError, match=r"row 2: unknown arm 5 \(the policy has 5"):
        BernoulliTS(ARMS).update_batch(np.array([0, 1, 5]), [1, 0, 1])


def test_update_batch_fast_and_exact_paths_agree_bit_for_bit():
    """0/1 batches are tallied per arm; fractional ones are applied row by row. Either way
    the state is exactly that of single updates, including after fractional rewards."""
    rng = np.random.default_rng(8)
    arms = rng.choice(ARMS, 2000)
    binary = (rng.random(2000) < 0.3).astype(float)
    fractional = rng.random(2000)
    one = BernoulliTS(ARMS)
    for a, r in zip(arms[:1000], binary[:1000]):
        one.update(str(a), r)
    for a, r in zip(arms[:1000], fractional[:1000]):
        one.update(str(a), r)
    for a, r in zip(arms[1000:], binary[1000:]):
        one.update(str(a), r)
    batch = BernoulliTS(ARMS).update_batch(arms[:1000], binary[:1000])
    batch.update_batch(arms[:1000], fractional[:1000])
    batch.update_batch(arms[1000:], binary[1000:])
    assert batch.to_json() == one.to_json()
    discounted = BernoulliTS(ARMS, discount=0.99)
    for a, r in zip(arms[:300], binary[:300]):
        discounted.update(str(a), r)
    assert (BernoulliTS(ARMS, discount=0.99).update_batch(arms[:300], binary[:300]).to_json()
            == discounted.to_json())


def test_update_batch_unicode_names_strided_and_many_arms():
    names = ["café", "🙂", "b", "long name with spaces", "ü" * 30]
    rng = np.random.default_rng(4)
    arms = rng.choice(np.array(names), 400)
    rewards = rng.random(400)
    one = BernoulliTS(names)
    for a, r in zip(arms, rewards):
        one.update(str(a), r)
    for col in (arms, arms.astype(object), pd.Series(arms.tolist())):
        assert BernoulliTS(names).update_batch(col, rewards).to_json() == one.to_json()
    strided = np.repeat(arms, 2)[::2]
    assert not strided.flags.c_contiguous
    assert BernoulliTS(names).update_batch(strided, rewards).to_json() == one.to_json()
    with pytest.raises(ki3.InvalidInputError, match="row 1: unknown arm .caf."):
        BernoulliTS(names).update_batch(np.array(["b", "caf", "b"]), [1.0, 1.0, 1.0])
    many = [f"arm{i}" for i in range(1000)]
    picks = rng.choice(np.array(many), 5000)
    ts = BernoulliTS(many).update_batch(picks, np.ones(5000))
    counts = pd.Series(picks).value_counts()
    assert ts.summary()["n"].loc[counts.index].tolist() == counts.astype(float).tolist()


def test_linear_batch_equals_sequential_and_accepts_frames():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(200, 3))
    arms = rng.choice(ARMS, 200)
    y = X @ np.array([0.5, -0.2, 0.1]) + rng.normal(scale=0.1, size=200)
    one = LinearTS(ARMS, 3)
    for a, x, r in zip(arms, X, y):
        one.update(str(a), r, context=x)
    batch = LinearTS(ARMS, 3).update_batch(arms, y, contexts=X)
    assert batch.to_json() == one.to_json()
    frame = pd.DataFrame(X, columns=["x0", "x1", "x2"])
    assert LinearTS(ARMS, 3).update_batch(arms, pd.Series(y), frame).to_json() == one.to_json()
    assert np.asfortranarray(X).flags.f_contiguous
    fortran = LinearTS(ARMS, 3).update_batch(arms, y, np.asfortranarray(X))
    assert fortran.to_json() == one.to_json()


# --------------------------------------------------------------------------------------------
# Bad input: InvalidInputError and no change


def _bad_calls():
    x = np.ones(3)
    return {
        "reward above 1": lambda b, g, lin: b.update("a", 1.5),
        "negative reward": lambda b, g, lin: b.update("a", -0.1),
        "NaN reward": lambda b, g, lin: b.update("a", float("nan")),
        "NaN gaussian": lambda b, g, lin: g.update("a", float("nan")),
        "inf linear": lambda b, g, lin: lin.update("a", float("inf"), context=x),
        "string reward": lambda b, g, lin: b.update("a", "1"),
        "unknown arm": lambda b, g, lin: b.update("zz", 1.0),
        "arm not a str": lambda b, g, lin: b.update(0, 1.0),
        "batch with one bad reward": lambda b, g, lin: b.update_batch(
            ["a", "b", "c"], [1.0, 2.0, 0.0]),
        "batch with NaN": lambda b, g, lin: b.update_batch(["a", "b"], [1.0, np.nan]),
        "batch with unknown arm": lambda b, g, lin: b.update_batch(["a", "zz"], [1.0, 0.0]),
        "batch with missing arm": lambda b, g, lin: b.update_batch(
            pd.Series(["a", None]), [1.0, 0.0]),
        "batch with arm index out of range": lambda b, g, lin: b.update_batch(
            np.array([0, 1, 9]), [1.0, 0.0, 1.0]),
        "batch with negative arm index": lambda b, g, lin: b.update_batch(
            np.array([0, -1], dtype=np.int8), np.array([1, 0])),
        "batch of int rewards with a 2": lambda b, g, lin: b.update_batch(
            np.array([0, 1]), np.array([1, 2])),
        "batch with float arms": lambda b, g, lin: b.update_batch([0.0, 1.0], [1.0, 0.0]),
        "linear batch with index out of range": lambda b, g, lin: lin.update_batch(
            [0, 7], [1.0, 0.0], contexts=np.ones((2, 3))),
        "batch lengths": lambda b, g, lin: b.update_batch(["a", "b"], [1.0]),
        "batch string rewards": lambda b, g, lin: b.update_batch(["a"], ["x"]),
        "batch contexts for context-free": lambda b, g, lin: b.update_batch(
            ["a"], [1.0], contexts=[[1.0]]),
        "context for context-free": lambda b, g, lin: b.choose(context=[1.0]),
        "short context": lambda b, g, lin: lin.update("a", 1.0, context=[1.0, 2.0]),
        "long context choose": lambda b, g, lin: lin.choose(context=np.ones(4)),
        "2-d context": lambda b, g, lin: lin.choose(context=np.ones((1, 3))),
        "NaN context": lambda b, g, lin: lin.choose(context=[1.0, np.nan, 0.0]),
        "missing context": lambda b, g, lin: lin.choose(),
        "batch context width": lambda b, g, lin: lin.update_batch(["a"], [1.0], np.ones((1, 2))),
        "batch context rows": lambda b, g, lin: lin.update_batch(["a"], [1.0], np.ones((2, 3))),
        "batch without contexts": lambda b, g, lin: lin.update_batch(["a"], [1.0]),
        "batch NaN context": lambda b, g, lin: lin.update_batch(
            ["a", "b"], [1.0, 0.0], np.array([[1, 2, 3], [1, np.nan, 3]])),
        "empty eligible": lambda b, g, lin: b.choose(eligible=[]),
        "empty eligible decide": lambda b, g, lin: b.decide(eligible=[]),
        "unknown eligible": lambda b, g, lin: b.choose(eligible=["a", "zz"]),
        "empty eligible linear": lambda b, g, lin: lin.choose(eligible=[], context=x),
        "n = 0": lambda b, g, lin: b.choose(0),
        "n too large": lambda b, g, lin: b.decide(6),
        "n bool": lambda b, g, lin: b.choose(True),
        "retire unknown": lambda b, g, lin: b.retire_arm("zz"),
        "add empty name": lambda b, g, lin: b.add_arm(""),
        "add duplicate": lambda b, g, lin: g.add_arm("a"),
        "level": lambda b, g, lin: b.summary(level=1.0),
        "draws": lambda b, g, lin: b.prob_best(draws=0),
        "stopping rule": lambda b, g, lin: b.should_stop(prob_best=None),
        "stopping threshold": lambda b, g, lin: b.should_stop(prob_best=1.5),
        "reward id never issued": lambda b, g, lin: b.reward(10**6, 1.0),
        "merge different arms": lambda b, g, lin: b.merge(b.copy(), BernoulliTS(["x"])),
    }


BAD = _bad_calls()


@pytest.mark.parametrize("name", list(BAD))
def test_bad_input_raises_and_leaves_state_unchanged(name):
    policies = [train(make(k, seed=1)) for k in KINDS]
    before = [p.to_json() for p in policies]
    with pytest.raises(ki3.InvalidInputError) as err:
        BAD[name](*policies)
    assert isinstance(err.value, ValueError)
    assert [p.to_json() for p in policies] == before


@pytest.mark.parametrize("make_policy, match", [
    (lambda: BernoulliTS([]), "arms: empty input"),
    (lambda: GaussianTS([]), "arms: empty input"),
    (lambda: LinearTS([], 2), "arms: empty input"),
    (lambda: BernoulliTS("abc"), "list of arm names"),
    (lambda: BernoulliTS([1, 2]), "must be strings"),
    (lambda: BernoulliTS(["a", "a"]), "duplicate arm name"),
    (lambda: BernoulliTS(["a", ""]), "empty arm name"),
    (lambda: BernoulliTS(ARMS, prior=(0.0, 1.0)), "alpha|prior"),
    (lambda: BernoulliTS(ARMS, prior=(1.0,)), "prior"),
    (lambda: GaussianTS(ARMS, prior=(0.0, 1.0)), "prior"),
    (lambda: BernoulliTS(ARMS, discount=0.0), "discount"),
    (lambda: BernoulliTS(ARMS, discount=1.5), "discount"),
    (lambda: BernoulliTS(ARMS, top_two=1.5), "top_two"),
    (lambda: BernoulliTS(ARMS, seed=-1), "seed"),
    (lambda: BernoulliTS(ARMS, seed=1.5), "seed"),
    (lambda: BernoulliTS(ARMS, pending_horizon=0), "pending_horizon"),
    (lambda: LinearTS(ARMS, 0), "dim|n_features"),
    (lambda: LinearTS(ARMS, 2, ridge=0.0), "ridge"),
    (lambda: LinearTS(ARMS, 2, noise=-1.0), "noise"),
])
def test_bad_constructors(make_policy, match):
    with pytest.raises(ki3.InvalidInputError, match=match):
        make_policy()


def test_corrupt_and_wrong_kind_states(tmp_path):
    b, g, lin = BernoulliTS(ARMS), GaussianTS(ARMS), LinearTS(ARMS, 2)
    doc = json.loads(b.to_json())
    for text in ["{", "[]", "null", json.dumps({**doc, "version": 2}),
                 json.dumps({**doc, "state": {**doc["state"], "rng": "xyz"}}),
                 json.dumps({**doc, "state": {**doc["state"], "clock": -1}}),
                 b.to_json()[:-10]]:
        with pytest.raises(ki3.InvalidInputError, match="corrupt saved state"):
            BernoulliTS.from_json(text)
    with pytest.raises(ki3.InvalidInputError, match="kind"):
        BernoulliTS.from_json(g.to_json())
    with pytest.raises(ki3.InvalidInputError, match="kind"):
        LinearTS.from_json(b.to_json())
    with pytest.raises(ki3.InvalidInputError, match="kind"):
        GaussianTS.from_json(lin.to_json())
    with pytest.raises(ki3.InvalidInputError):
        BernoulliTS.from_json(12)
    path = tmp_path / "x.json"
    path.write_text(json.dumps({**doc, "kind": "Nope"}))
    with pytest.raises(ki3.InvalidInputError, match="kind 'Nope'"):
        ki3.load(path)
    path.write_text("not json")
    with pytest.raises(ki3.InvalidInputError, match="corrupt saved state"):
        ki3.load(path)
    path.write_text(json.dumps({**doc, "state": {}}))
    with pytest.raises(ki3.InvalidInputError, match="corrupt saved state"):
        ki3.load(path)


# --------------------------------------------------------------------------------------------
# Threads


def test_concurrent_updates_add_up_exactly():
    ts = BernoulliTS(ARMS, seed=1)
    n_threads, per_thread = 8, 2000
    barrier = threading.Barrier(n_threads)

    def work(t: int) -> None:
        barrier.wait()
        for i in range(per_thread):
            ts.update(ARMS[(t + i) % len(ARMS)], float((i + t) % 2))
            if i % 10 == 0:
                ts.choose()
            if i % 100 == 0:
                ts.summary()  # holds the lock with the GIL released: updates must wait

    with ThreadPoolExecutor(n_threads) as pool:
        list(pool.map(work, range(n_threads)))  # re-raises any error of a thread
    assert ts.n_updates == n_threads * per_thread
    summary = ts.summary()
    assert summary["n"].sum() == n_threads * per_thread
    assert summary["n"].tolist() == [n_threads * per_thread / len(ARMS)] * len(ARMS)
    # Every thread rewarded (i + t) % 2 over arms (t + i) % 5: count the successes per arm.
    want = np.zeros(len(ARMS))
    for t in range(n_threads):
        for i in range(per_thread):
            want[(t + i) % len(ARMS)] += (i + t) % 2
    successes = (summary["mean"] * (summary["n"] + 2) - 1).to_numpy()
    np.testing.assert_allclose(successes, want, rtol=0, atol=1e-9)


def test_concurrent_choices_with_many_arms():
    # Above 64 arms a choice releases the GIL while it samples: same exact bookkeeping.
    arms = [f"arm{i}" for i in range(100)]
    ts = BernoulliTS(arms, seed=3)

    def work(t: int) -> None:
        for _ in range(500):
            did, _ = ts.decide()
            ts.update(ts.choose(eligible=arms[t::8]), 1.0)
            ts.reward(did, 0.0)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(work, range(8)))
    assert ts.n_updates == 8 * 500 * 2 and ts.pending_decisions == 0
    summary = ts.summary()
    assert summary["n"].sum() == 8000
    assert (summary["mean"] * (summary["n"] + 2) - 1).sum() == pytest.approx(4000)


@pytest.mark.parametrize("kind", KINDS)
def test_concurrent_decide_and_reward(kind):
    ts = make(kind, seed=2)
    n_threads, per_thread = 8, 300
    ids: list[int] = []

    def work(t: int) -> None:
        for i in range(per_thread):
            did, _ = ts.decide(context=ctx(ts, i))
            ids.append(did)
            ts.reward(did, float(i % 2))
            if i % 50 == 0:
                ts.update_batch(["a", "b"], [1.0, 0.0],
                                contexts=None if ctx(ts) is None else np.ones((2, 3)))

    with ThreadPoolExecutor(n_threads) as pool:
        list(pool.map(work, range(n_threads)))
    assert sorted(ids) == list(range(n_threads * per_thread))
    assert ts.pending_decisions == 0
    assert ts.n_updates == n_threads * per_thread + n_threads * (per_thread // 50) * 2


# --------------------------------------------------------------------------------------------
# Learning and regret


def test_thompson_regret_well_below_uniform():
    regrets, uniform = [], []
    for seed in range(5):
        sim = simulate(BernoulliTS(ARMS, seed=seed), RATES, steps=3000, seed=100 + seed)
        regrets.append(sim.final_regret)
        uniform.append(sim.final_uniform_regret)
    assert np.mean(uniform) == pytest.approx(0.2 * 3000)
    assert np.mean(regrets) < 0.15 * np.mean(uniform)


def test_simulate_result_and_policy_untouched():
    ts = BernoulliTS(ARMS, seed=3)
    sim = simulate(ts, RATES, steps=500, seed=1)
    assert isinstance(sim, Simulation) and sim.steps == 500
    assert ts.n_updates == 0 and sim.policy.n_updates == 500
    assert set(sim.choices) <= set(ARMS)
    assert np.all(np.diff(sim.regret) >= 0) and np.all(np.diff(sim.uniform_regret) > 0)
    frame = sim.to_frame()
    assert list(frame.columns) == ["arm", "reward", "regret", "uniform_regret"]
    assert frame.index[0] == 1 and frame.index.name == "step"
    again = simulate(ts, dict(zip(ARMS, RATES)), steps=500, seed=1)
    np.testing.assert_array_equal(again.regret, sim.regret)
    assert list(again.choices) == list(sim.choices)
    simulate(ts, RATES, steps=10, inplace=True)
    assert ts.n_updates == 10
    assert "final_regret" in repr(sim)


def test_simulate_drift_with_discounting_adapts():
    flipped = RATES[::-1]
    plain, discounted = [], []
    for seed in range(3):
        for gamma, out in ((1.0, plain), (0.999, discounted)):
            sim = simulate(BernoulliTS(ARMS, discount=gamma, seed=seed), RATES, steps=6000,
                           seed=seed, drift=("switch", 3000, flipped))
            out.append(sim.final_regret)
    # After 3,000 steps on "e", plain Thompson sampling is slow to believe that "e" became the
    # worst arm; with a memory of about 1,000 updates the posterior follows the switch.
    assert np.mean(discounted) < 0.6 * np.mean(plain)
    linear = simulate(BernoulliTS(ARMS), RATES, steps=100, drift=("linear", flipped))
    assert linear.steps == 100
    with pytest.raises(ki3.InvalidInputError, match="drift"):
        simulate(BernoulliTS(ARMS), RATES, steps=10, drift=("sideways", flipped))
    with pytest.raises(ki3.InvalidInputError, match="rate"):
        simulate(BernoulliTS(ARMS), [0.5, 1.5, 0.1, 0.1, 0.1], steps=10)
    with pytest.raises(ki3.InvalidInputError, match="rates"):
        simulate(BernoulliTS(ARMS), [0.5], steps=10)
    with pytest.raises(ki3.InvalidInputError, match="simulate needs"):
        simulate(LinearTS(ARMS, 2), RATES, steps=10)


def test_plot_regret_returns_axes():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sim = simulate(BernoulliTS(ARMS), RATES, steps=200)
    ax = sim.plot_regret()
    assert isinstance(ax, matplotlib.axes.Axes)
    assert [line.get_label() for line in ax.get_lines()] == ["BernoulliTS", "uniform"]
    _, own = plt.subplots()
    assert sim.plot_regret(ax=own) is own
    plt.close("all")


def test_gaussian_finds_the_best_mean():
    means = {"a": 1.0, "b": 3.0, "c": 2.0}
    ts = GaussianTS(list(means), prior=(0.0, 0.01, 1.0, 1.0), seed=3)
    rng = np.random.default_rng(4)
    for _ in range(1500):
        arm = ts.choose()
        ts.update(arm, rng.normal(means[arm], 1.0))
    summary = ts.summary()
    assert summary["n"].idxmax() == "b" and summary["n"]["b"] > 1000
    assert abs(summary.loc["b", "mean"] - 3.0) < 0.2
    assert ts.should_stop(prob_best=0.95)
    assert ts.should_stop().best_arm == "b"


def test_linear_learns_context_dependent_best_arm():
    theta = {"a": np.array([0.5, 0.4, 0.0]), "b": np.array([0.5, -0.4, 0.0]),
             "c": np.array([0.3, 0.0, 0.1])}
    ts = LinearTS(list(theta), 3, noise=0.3, seed=1)
    rng = np.random.default_rng(0)
    for _ in range(2000):
        x = np.array([1.0, rng.uniform(-1, 1), rng.uniform(-1, 1)])
        arm = ts.choose(context=x)
        ts.update(arm, float(x @ theta[arm] + rng.normal(scale=0.1)), context=x)
    assert ts.choose(context=[1.0, 0.9, 0.0]) == "a"
    assert ts.choose(context=[1.0, -0.9, 0.0]) == "b"
    np.testing.assert_allclose(ts.theta_mean("a"), theta["a"], atol=0.1)
    assert ts.prob_best(context=[1.0, 0.9, 0.0]).idxmax() == "a"


def test_replay_on_uniform_logs():
    rng = np.random.default_rng(5)
    n = 20_000
    logged = rng.choice(ARMS, n)
    rates = dict(zip(ARMS, RATES))
    rewards = (rng.random(n) < np.array([rates[a] for a in logged])).astype(float)
    ts = BernoulliTS(ARMS, seed=1)
    out = replay(ts, logged, rewards)
    assert set(out) == {"events", "matched", "mean_reward", "std_error"}
    assert out["events"] == n and 0.15 * n < out["matched"] < 0.3 * n
    assert out["mean_reward"] > 0.4  # near the best rate 0.5, well above uniform's 0.3
    assert 0 < out["std_error"] < 0.02
    assert ts.n_updates == 0
    replay(ts, logged[:100], rewards[:100], inplace=True)
    assert ts.n_updates > 0
    lin = LinearTS(ARMS, 2, seed=1)
    X = np.column_stack([np.ones(n), rng.normal(size=n)])
    res = replay(lin, logged, rewards, contexts=X)
    assert res["events"] == n and res["matched"] > 0
    empty = replay(BernoulliTS(ARMS), [], [])
    assert empty["matched"] == 0 and math.isnan(empty["mean_reward"])
    with pytest.raises(ki3.InvalidInputError, match="contexts"):
        replay(lin, logged, rewards)
    with pytest.raises(ki3.InvalidInputError, match="unknown arm"):
        replay(BernoulliTS(ARMS), ["zz"], [1.0])
    # Integer arm indices and 0/1 integer rewards work like names and floats.
    codes = np.array([ARMS.index(a) for a in logged])
    by_index = replay(BernoulliTS(ARMS, seed=3), codes, rewards.astype(np.int64))
    assert by_index == replay(BernoulliTS(ARMS, seed=3), logged, rewards.astype(float))
    with pytest.raises(ki3.InvalidInputError, match="row 1: arm index -1 is negative"):
        replay(BernoulliTS(ARMS), np.array([0, -1]), [1.0, 0.0])


# --------------------------------------------------------------------------------------------
# Cross-check against MABWiser


def _mabwiser_regret(mab_module, rates, steps, seed):
    from mabwiser.mab import MAB, LearningPolicy

    arms = list(range(len(rates)))
    mab = MAB(arms, LearningPolicy.ThompsonSampling(), seed=seed)
    mab.fit(np.array([], dtype=int), np.array([], dtype=float))  # Beta(1, 1) priors, no data
    rng = np.random.default_rng(10_000 + seed)
    best = max(rates)
    regret = 0.0
    for _ in range(steps):
        arm = mab.predict()
        reward = int(rng.random() < rates[arm])
        mab.partial_fit([arm], [reward])
        regret += best - rates[arm]
    return regret


def test_regret_matches_mabwiser_thompson_sampling():
    mab_module = pytest.importorskip("mabwiser")
    rates = [0.30, 0.35, 0.40, 0.45, 0.50]
    seeds, steps = range(20), 2000
    ours = np.array([
        simulate(BernoulliTS(ARMS, seed=s), rates, steps=steps, seed=10_000 + s).final_regret
        for s in seeds
    ])
    theirs = np.array([_mabwiser_regret(mab_module, rates, steps, s) for s in seeds])
    n = len(seeds)
    se = math.sqrt(ours.var(ddof=1) / n + theirs.var(ddof=1) / n)
    diff = ours.mean() - theirs.mean()
    # Same algorithm (Beta(1, 1) priors, one posterior draw per arm): the mean regrets differ
    # only by Monte Carlo noise. 4 standard errors: a false alarm about once in 16,000 runs.
    assert abs(diff) < 4 * se, (ours.mean(), theirs.mean(), se)
    uniform = steps * (max(rates) - np.mean(rates))
    assert ours.mean() < 0.5 * uniform and theirs.mean() < 0.5 * uniform
