"""``ki3.load`` goes through the core's one ``load``: every saved kind, and corrupt inputs."""

from __future__ import annotations

import json

import ki3
import numpy as np
import pytest
from ki3 import _ki3
from ki3.bandit import BernoulliTS, GaussianTS, LinearTS
from ki3.features import FeatureAggregator


def _policies():
    b = BernoulliTS(["a", "b", "c"], seed=3)
    b.update("b", 1.0)
    g = GaussianTS(["x", "y"], seed=4)
    g.update("y", 2.5)
    lin = LinearTS(["p", "q"], n_features=2, seed=5)
    lin.update("q", 1.0, context=[0.5, -1.0])
    return [b, g, lin]


@pytest.mark.parametrize("policy", _policies(), ids=lambda p: type(p).__name__)
def test_load_every_bandit_kind_makes_the_same_decisions(policy, tmp_path):
    path = tmp_path / "p.json"
    policy.save(path)
    back = ki3.load(path)
    assert type(back) is type(policy)
    assert back.to_json() == policy.to_json()
    ctx = [0.1, 0.2] if isinstance(policy, LinearTS) else None
    for _ in range(20):
        if ctx is None:
            assert back.choose() == policy.choose()
        else:
            assert back.choose(context=ctx) == policy.choose(context=ctx)


def test_native_load_returns_native_objects():
    for policy in _policies():
        native = _ki3.load(policy.to_json())
        assert type(native) is type(policy._native)


def test_load_feature_aggregator_both_formats(tmp_path):
    agg = FeatureAggregator(customer="c", timestamp="t", amount="a")
    agg.update({"c": np.array([1, 2, 1]), "t": np.array([0, 10, 20]), "a": np.array([1.0, 2.0, 3.0])})
    path = tmp_path / "agg.json"
    agg.save(path)  # today's Python envelope
    back = ki3.load(path)
    assert isinstance(back, FeatureAggregator)
    assert back.n_events == agg.n_events
    path.write_text(agg.core_json())  # a core state (as Node or Rust save it)
    core = ki3.load(path)
    assert isinstance(core, FeatureAggregator)
    assert core.n_events == agg.n_events
    assert type(_ki3.load(agg.core_json())) is _ki3.FeatureAggregator


def _corrupt_variants(text):
    doc = json.loads(text)
    yield text[: len(text) // 2]
    yield "[]"
    yield json.dumps({**doc, "kind": "Nope"})
    yield json.dumps({**doc, "kind": 7})
    yield json.dumps({**doc, "version": 99})
    yield json.dumps({**doc, "format": "other"})
    for key in doc["state"]:
        yield json.dumps({**doc, "state": {**doc["state"], key: "wrong type"}})


@pytest.mark.parametrize("policy", _policies(), ids=lambda p: type(p).__name__)
def test_load_rejects_corrupt_states(policy, tmp_path):
    path = tmp_path / "bad.json"
    for bad in _corrupt_variants(policy.to_json()):
        path.write_text(bad)
        with pytest.raises(ki3.InvalidInputError, match="corrupt saved state"):
            ki3.load(path)
        with pytest.raises(ki3.InvalidInputError, match="corrupt saved state"):
            _ki3.load(bad)
