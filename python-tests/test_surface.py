"""The public Python surface: ``__all__`` in every public module, ``dir()`` shows only the public
API, and every public signature is fully annotated with real (resolvable) types, not ``Any``.

A new public module must be added to ``PUBLIC_MODULES``; a parameter that genuinely accepts any
object must be listed in ``ALLOWED_ANY`` with the reason.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys
import textwrap
import types
import typing
from collections.abc import Callable, Iterator
from typing import Any

import ki3
import pytest

PUBLIC_MODULES = [
    "ki3", "ki3.bandit", "ki3.datasets", "ki3.demo", "ki3.features", "ki3.uplift",
    "ki3.uplift.metrics",
]
PRIVATE_MODULES = {"_errors", "_frame", "_ki3", "_load", "_typing"}

#: Helper names that must never show in ``dir()`` of a public module.
LEAKS = {
    "Any", "TYPE_CHECKING", "annotations", "json", "os", "np", "numpy", "pd", "pandas", "copy",
    "Mapping", "Sequence", "Callable", "ClassVar", "Literal", "overload", "dataclass", "Self",
    "argparse", "pathlib", "time", "Union", "Optional", "_t", "_ki3", "_load", "_frame",
}

#: (qualified name, parameter or "return") -> why ``Any`` is right there. Empty on purpose:
#: nothing public accepts or returns an arbitrary object today.
ALLOWED_ANY: dict[tuple[str, str], str] = {}


def _modules() -> list[types.ModuleType]:
    return [importlib.import_module(name) for name in PUBLIC_MODULES]


def test_every_public_module_is_listed() -> None:
    found = {m.name for m in pkgutil.iter_modules(ki3.__path__)}
    public = {name for name in found if not name.startswith("_")}
    assert public == {name.split(".")[1] for name in PUBLIC_MODULES if "." in name}
    uplift = importlib.import_module("ki3.uplift")
    assert {m.name for m in pkgutil.iter_modules(uplift.__path__)} == {"metrics", "_meta"}
    assert found - public <= PRIVATE_MODULES


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_all_names_exist(name: str) -> None:
    module = importlib.import_module(name)
    names = module.__all__
    assert isinstance(names, list) and names, f"{name} has no __all__"
    assert len(set(names)) == len(names), f"{name}.__all__ has duplicates"
    for attr in names:
        assert hasattr(module, attr), f"{name}.__all__ names a missing {attr!r}"
        assert not attr.startswith("_") or attr == "__version__", f"{name}.{attr} is private"


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_dir_shows_only_the_public_api(name: str) -> None:
    module = importlib.import_module(name)
    shown = {n for n in dir(module) if not (n.startswith("__") and n.endswith("__"))}
    assert shown == set(module.__all__) - {"__version__"}
    assert not shown & LEAKS
    # the helpers are still there for the code that uses them
    assert {"__name__", "__doc__", "__all__"} <= set(dir(module))


def test_private_modules_stay_private() -> None:
    assert not {n for n in ki3.__all__ if n.startswith("_") and n != "__version__"}
    assert not {"_frame", "_errors", "_load", "_ki3", "_typing"} & set(dir(ki3))


# --------------------------------------------------------------------------------------------
# Signatures
# --------------------------------------------------------------------------------------------


def _own_functions(cls: type) -> Iterator[tuple[str, Callable[..., Any]]]:
    """Public methods, properties and ``__init__`` defined by ki3 in ``cls`` or its bases."""
    seen: set[str] = set()
    for klass in cls.__mro__:
        if not klass.__module__.startswith("ki3"):
            continue
        for attr, value in vars(klass).items():
            if attr in seen or (attr.startswith("_") and attr != "__init__"):
                continue
            seen.add(attr)
            if isinstance(value, (staticmethod, classmethod)):
                value = value.__func__
            elif isinstance(value, property):
                value = value.fget
            if inspect.isfunction(value):
                yield f"{cls.__name__}.{attr}", value


def _public_functions() -> list[tuple[str, Callable[..., Any]]]:
    out: dict[str, Callable[..., Any]] = {}
    for module in _modules():
        for attr in module.__all__:
            obj = getattr(module, attr)
            if inspect.isfunction(obj):
                out[f"{module.__name__}.{attr}"] = obj
            elif inspect.isclass(obj) and obj.__module__.startswith("ki3"):
                for qual, fn in _own_functions(obj):
                    out[f"{module.__name__}.{qual}"] = fn
    return sorted(out.items())


PUBLIC_FUNCTIONS = _public_functions()


def test_the_walk_sees_the_api() -> None:
    names = {name for name, _ in PUBLIC_FUNCTIONS}
    for expected in (
        "ki3.load", "ki3.features.customer_features", "ki3.features.FeatureAggregator.__init__",
        "ki3.features.FeatureAggregator.finish", "ki3.bandit.BernoulliTS.choose",
        "ki3.bandit.LinearTS.theta_mean", "ki3.bandit.Simulation.plot_regret",
        "ki3.bandit.simulate", "ki3.datasets.synthetic_shop", "ki3.bandit.BernoulliTS.prior",
        "ki3.uplift.metrics.qini_auc_score", "ki3.uplift.metrics.plot_qini_curve",
        "ki3.uplift.TLearner.fit", "ki3.uplift.XLearner.__init__", "ki3.uplift.SLearner.predict",
        "ki3.uplift.ClassTransformation.get_params", "ki3.uplift.TransformedOutcome.save",
    ):
        assert expected in names


@pytest.mark.parametrize(("name", "fn"), PUBLIC_FUNCTIONS, ids=[n for n, _ in PUBLIC_FUNCTIONS])
def test_signature_is_fully_annotated(name: str, fn: Callable[..., Any]) -> None:
    sig = inspect.signature(fn)
    params = list(sig.parameters.values())
    if "." in fn.__qualname__:  # a method: skip self / cls
        params = params[1:]
    missing = [p.name for p in params if p.annotation is inspect.Parameter.empty]
    assert not missing, f"{name}: parameters without annotation: {missing}"
    assert sig.return_annotation is not inspect.Signature.empty, f"{name}: no return annotation"

    hints = typing.get_type_hints(fn)  # the annotations are real: they resolve
    for key in [p.name for p in params] + ["return"]:
        assert key in hints, f"{name}: {key} has no resolvable hint"
        if hints[key] is Any:
            assert (name, key) in ALLOWED_ANY, f"{name}: {key} is typed Any"


def test_optional_types_resolve_to_the_real_classes() -> None:
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    axes = pytest.importorskip("matplotlib.axes")
    hints = typing.get_type_hints(ki3.features.customer_features)
    assert {pd.DataFrame, pl.DataFrame} <= set(typing.get_args(hints["events"]))
    assert pd.Timestamp in typing.get_args(hints["as_of"])
    assert hints["return"] is pd.DataFrame
    assert typing.get_type_hints(ki3.bandit.BernoulliTS.prob_best)["return"] is pd.Series
    assert typing.get_type_hints(ki3.bandit.Simulation.plot_regret)["return"] is axes.Axes


def test_optional_packages_stay_unimported() -> None:
    """The type aliases import polars and matplotlib only when a hint is resolved."""
    code = (
        "import sys, ki3, ki3.bandit, ki3.features, ki3.datasets, ki3.uplift.metrics\n"
        "assert not {'polars', 'matplotlib'} & set(sys.modules), sorted(sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


MYPY_SNIPPET = """
import ki3
from ki3.bandit import BernoulliTS, simulate

ts = BernoulliTS(["a", "b"], seed=1)
arm: str = ts.choose()
ts = ts.update(arm, 1.0).update_batch(["a", "b"], [1.0, 0.0])
slate = ts.choose(2, eligible=["a", "b"])
decision, chosen = ts.decide()
ts.reward(decision, 1.0)
sim = simulate(ts, {"a": 0.1, "b": 0.2}, steps=10, drift=("linear", [0.2, 0.1]))
regret: float = sim.final_regret
stop = ts.should_stop(prob_best=0.9)
best: str = stop.best_arm
events = {"c": [1, 2], "t": [0, 5]}
features = ki3.features.customer_features(events, customer="c", timestamp="t", as_of=10)
agg = ki3.features.FeatureAggregator(customer="c", timestamp="t").update(events)
shop = ki3.datasets.synthetic_shop(10, start="2024-01-01")
n_rows: int = len(ki3.datasets.synthetic_shop(10, as_frame=False)["customer"])
loaded = ki3.load("state.json")
qini: float = ki3.uplift.metrics.qini_auc_score([1, 0], [0.2, 0.1], [1, 0])
curve_x, curve_y = ki3.uplift.metrics.qini_curve([1, 0], [0.2, 0.1], [1, 0])

bad_arm: int = ts.choose()  # E1
ts.update(1, 1.0)  # E2
ki3.features.rfm_scores(events, bins="5")  # E3
"""


def test_mypy_sees_the_types(tmp_path: Any) -> None:
    """mypy on a usage snippet finds exactly the marked mistakes (so the hints carry types),
    and the package itself type-checks."""
    pytest.importorskip("mypy")
    script = tmp_path / "usage.py"
    script.write_text(textwrap.dedent(MYPY_SNIPPET))
    # polars and matplotlib are large; skipping them keeps this check to a few seconds.
    config = tmp_path / "mypy.ini"
    config.write_text(
        "[mypy]\nignore_missing_imports = True\n"
        "[mypy-polars.*,matplotlib.*]\nfollow_imports = skip\n"
    )
    proc = subprocess.run(
        [
            sys.executable, "-m", "mypy", "--no-error-summary", "--config-file", str(config),
            "--cache-dir", str(tmp_path / "cache"), ki3.__path__[0], str(script),
        ],
        check=False, capture_output=True, text=True, cwd=tmp_path, timeout=600,
    )
    lines = [line for line in proc.stdout.splitlines() if ": error:" in line]
    assert all(line.startswith("usage.py") for line in lines), proc.stdout
    marked = {
        i + 1: tag
        for i, line in enumerate(textwrap.dedent(MYPY_SNIPPET).splitlines())
        for tag in ("E1", "E2", "E3") if f"# {tag}" in line
    }
    errors = {int(line.split(":")[1]) for line in lines if ": error:" in line}
    assert errors == set(marked), proc.stdout + proc.stderr
