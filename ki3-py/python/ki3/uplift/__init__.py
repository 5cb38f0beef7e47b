"""Uplift modelling: who changes behaviour because of a campaign.

* :mod:`ki3.uplift.metrics`: evaluation of uplift scores on a randomised test set (Qini and
  uplift curves, their normalised areas, uplift at the top k, response rates by percentile)
  with scikit-uplift's definitions, and causalml's ``qini_score`` / ``auuc_score``; plots.
"""

from __future__ import annotations

from . import metrics

__all__ = ["metrics"]


def __dir__() -> list[str]:
    """Only the public API (``__all__``) and the module's dunders (PEP 562)."""
    return sorted({*__all__, *(n for n in globals() if n.startswith("__") and n.endswith("__"))})
