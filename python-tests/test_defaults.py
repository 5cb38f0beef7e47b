"""Every default a Python user sees on a bandit class is the core's (``ki3._ki3.core_defaults``).

The walk covers every public method of ``BernoulliTS``, ``GaussianTS`` and ``LinearTS`` and their
native classes: a parameter whose default is a number must have a core default under
``"Class.method.param"`` (``"new"`` is the constructor) and equal it, so a number restated in a
face, or a core default changed without the face, fails here.
"""

from __future__ import annotations

import inspect
from typing import Any

import ki3
import numpy as np
import pytest
from ki3 import _ki3
from ki3.bandit import BernoulliTS, GaussianTS, LinearTS

CORE = _ki3.core_defaults()
CLASSES = [BernoulliTS, GaussianTS, LinearTS]


def _normalise(key: str, value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if key.endswith(".top_two") and value is False:  # False: top-two off, the core's None
        return None
    return value


def _methods(cls: type) -> list[tuple[str, Any]]:
    out = [("new", cls.__init__)]
    for name, member in inspect.getmembers(cls):
        if not name.startswith("_") and callable(member):
            out.append((name, member))
    return out


def _number(value: Any) -> bool:
    return isinstance(value, (int, float, tuple, list)) and not isinstance(value, bool)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_python_signature_defaults_are_the_core_defaults(cls: type) -> None:
    checked = 0
    for method, fn in _methods(cls):
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
            continue
        for p in sig.parameters.values():
            if p.default is inspect.Parameter.empty:
                continue
            key = f"{cls.__name__}.{method}.{p.name}"
            if key in CORE:
                # None: "the core default" (the behaviour test below checks what it becomes).
                assert p.default is None or _normalise(key, p.default) == CORE[key], key
                checked += 1
            else:
                assert not _number(p.default), f"{key} = {p.default!r} is not a core default"
    assert checked >= 10


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_native_signatures_take_the_core_defaults(cls: type) -> None:
    """The native classes restate no number: every optional argument defaults to None."""
    native = getattr(_ki3, cls.__name__)
    for name, member in [("new", native), *inspect.getmembers(native)]:
        if name.startswith("_") and name != "new":
            continue
        try:
            sig = inspect.signature(member)
        except (TypeError, ValueError):
            continue
        for p in sig.parameters.values():
            if p.default is not inspect.Parameter.empty:
                key = f"{cls.__name__}.{name}.{p.name}"
                if name in ("simulate", "replay"):  # the evaluators' own arguments
                    continue
                assert p.default is None, f"{key} = {p.default!r}"


def _policy(cls: type, **kw: Any) -> Any:
    if cls is LinearTS:
        return LinearTS(["a", "b", "c"], n_features=2, **kw)
    return cls(["a", "b", "c"], **kw)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_behaviour_with_defaults_equals_behaviour_with_the_core_values(cls: type) -> None:
    name = cls.__name__
    x = np.array([0.5, 1.0]) if cls is LinearTS else None
    plain = _policy(cls)
    assert plain.seed == CORE[f"{name}.new.seed"]
    assert plain.discount == CORE[f"{name}.new.discount"]
    assert plain.pending_horizon == CORE[f"{name}.new.pending_horizon"]
    assert plain.top_two is CORE[f"{name}.new.top_two"]
    assert _policy(cls, top_two=True).top_two == CORE[f"{name}.top_two.beta"]
    if cls is LinearTS:
        assert plain.ridge == CORE["LinearTS.new.ridge"]
        assert plain.noise == CORE["LinearTS.new.noise"]
    else:
        assert list(plain.prior) == CORE[f"{name}.new.prior"]
    explicit = _policy(cls, seed=CORE[f"{name}.new.seed"])
    assert plain.to_json() == explicit.to_json()
    for i in range(20):
        arm = plain.choose(context=x)
        assert arm == explicit.choose(context=x)
        plain.update(arm, float(i % 2), context=x)
        explicit.update(arm, float(i % 2), context=x)
    level = CORE[f"{name}.summary.level"]
    assert plain.summary(context=x).equals(explicit.summary(level, context=x))
    draws, seed = CORE[f"{name}.insight.draws"], CORE[f"{name}.insight.seed"]
    assert plain.insight(context=x).equals(explicit.insight(draws, seed, context=x))


def test_summary_level_is_the_documented_core_default() -> None:
    assert CORE["BernoulliTS.summary.level"] == 0.9
    assert ki3.bandit.DEFAULT_SEED == CORE["BernoulliTS.new.seed"]


FUNCTION_DEFAULTS = [
    (ki3.features.customer_features, "windows", "customer_features.windows"),
    (ki3.features.historical_features, "windows", "historical_features.windows"),
    (ki3.features.FeatureAggregator.finish, "windows", "FeatureAggregator.finish.windows"),
    (ki3.features.rfm_summary, "freq_multiplier", "rfm_summary.freq_multiplier"),
    (ki3.features.rfm_scores, "bins", "rfm_scores.bins"),
    (ki3.uplift.metrics.uplift_at_k, "k", "uplift_at_k.k"),
    (ki3.uplift.metrics.response_rate_by_percentile, "bins", "response_rate_by_percentile.bins"),
    (ki3.uplift.metrics.uplift_by_percentile, "bins", "uplift_by_percentile.bins"),
    (ki3.uplift.metrics.weighted_average_uplift, "bins", "weighted_average_uplift.bins"),
]


@pytest.mark.parametrize(("func", "param", "key"), FUNCTION_DEFAULTS)
def test_feature_and_rfm_defaults_are_the_cores(func, param, key):
    default = inspect.signature(func).parameters[param].default
    assert _normalise(key, default) == CORE[key]


def test_every_numeric_default_of_the_feature_functions_has_a_core_key():
    funcs = {
        "customer_features": ki3.features.customer_features,
        "historical_features": ki3.features.historical_features,
        "rfm_summary": ki3.features.rfm_summary,
        "rfm_scores": ki3.features.rfm_scores,
        "FeatureAggregator.finish": ki3.features.FeatureAggregator.finish,
    }
    for prefix, func in funcs.items():
        for name, p in inspect.signature(func).parameters.items():
            if _number(p.default) or isinstance(p.default, tuple):
                assert f"{prefix}.{name}" in CORE, f"{prefix}.{name} restates a default"
