"""Uplift modelling: who changes behaviour because of a campaign.

* Meta-learners :class:`SLearner`, :class:`TLearner`, :class:`XLearner`,
  :class:`ClassTransformation` and :class:`TransformedOutcome`: scikit-learn-style estimators
  (``fit(X, treatment, y)`` returns self, ``predict(X)`` gives the uplift of each treatment arm
  as an ``(n, k)`` array, ``get_params`` / ``set_params``, pickling, ``save`` / :func:`ki3.load`).
  Built-in learners (the core's logistic and ridge regressions) by default; any
  scikit-learn-style estimator as ``learner`` runs the same formulas in Python (such models
  pickle but do not save to the cross-language format). They have no
  ``feature_importances_``: the built-in learners are linear (their coefficients are in the
  saved JSON).
* :mod:`ki3.uplift.metrics`: evaluation of uplift scores on a randomised test set (Qini and
  uplift curves, their normalised areas, uplift at the top k, response rates by percentile)
  with scikit-uplift's definitions, and causalml's ``qini_score`` / ``auuc_score``; plots.
"""

from __future__ import annotations

from . import metrics
from ._meta import ClassTransformation, SLearner, TLearner, TransformedOutcome, XLearner

__all__ = [
    "ClassTransformation",
    "SLearner",
    "TLearner",
    "TransformedOutcome",
    "XLearner",
    "metrics",
]


def __dir__() -> list[str]:
    """Only the public API (``__all__``) and the module's dunders (PEP 562)."""
    return sorted({*__all__, *(n for n in globals() if n.startswith("__") and n.endswith("__"))})
