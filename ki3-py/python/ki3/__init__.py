"""ki3: customer features, RFM and marketing measurement on a fast Rust core.

Sub-modules: :mod:`ki3.features` (customer features, RFM, the mergeable aggregator),
:mod:`ki3.bandit` (Thompson-sampling bandits), :mod:`ki3.uplift` (uplift meta-learners and evaluation) and
:mod:`ki3.datasets` (synthetic data).
Errors derive from :class:`ki3.Ki3Error`.
"""

from __future__ import annotations

import json
import os

from . import _load, bandit, datasets, features, uplift
from ._errors import (
    ConvergenceError,
    InvalidInputError,
    Ki3Error,
    NotFittedError,
    NumericalError,
)
from ._ki3 import __version__

__all__ = [
    "ConvergenceError",
    "InvalidInputError",
    "Ki3Error",
    "NotFittedError",
    "NumericalError",
    "__version__",
    "bandit",
    "datasets",
    "features",
    "load",
    "uplift",
]


def __dir__() -> list[str]:
    """Only the public API (``__all__``) and the module's dunders (PEP 562)."""
    return sorted({*__all__, *(n for n in globals() if n.startswith("__") and n.endswith("__"))})


def load(
    path: str | os.PathLike[str],
) -> (
    features.FeatureAggregator | bandit.BernoulliTS | bandit.GaussianTS | bandit.LinearTS
    | uplift.SLearner | uplift.TLearner | uplift.XLearner | uplift.ClassTransformation
    | uplift.TransformedOutcome
):
    """Loads an object written by a ``save(path)`` method (a ``FeatureAggregator``, a bandit
    such as ``ki3.bandit.BernoulliTS``, an uplift meta-learner such as
    ``ki3.uplift.TLearner``), dispatching on the saved state's ``"kind"``.

    Parameters
    ----------
    path : str or os.PathLike
        File written by ``save``; a core ki3 JSON state saved by Node or Rust also loads.

    Returns
    -------
    object
        The restored object.
    """
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InvalidInputError(
            f"corrupt saved state: {os.fspath(path)!r} is not a ki3 JSON file (not UTF-8 text: "
            f"byte {raw[err.start]:#04x} at position {err.start})"
        ) from None
    del raw
    # LEGACY: FeatureAggregator.save used to write a Python-only envelope ({"format": "ki3-py"})
    # with its dictionaries outside the core state; such files are read by a small legacy
    # reader. Everything else (FeatureAggregator included) goes through the core's load.
    if '"ki3-py"' in text:
        try:
            doc = json.loads(text)
        except ValueError as err:
            raise InvalidInputError(
                f"corrupt saved state: {os.fspath(path)!r} is not JSON: {err}"
            ) from None
        if isinstance(doc, dict) and doc.get("format") == "ki3-py":
            return features.FeatureAggregator.from_json(text)
    return _load._load_text(text)
