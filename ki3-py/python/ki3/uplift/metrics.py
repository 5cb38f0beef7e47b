"""Evaluation of uplift models, with scikit-uplift's names and definitions (and causalml's
``qini_score`` / ``auuc_score``), computed in the Rust core (``ki3_core::uplift::metrics``).

Every function takes ``y_true`` (outcomes), ``uplift`` (the model's scores; higher means "treat
first") and ``treatment`` (1 treated, 0 control) as 1-d array-likes: numpy arrays, lists,
pandas or polars Series (booleans count as 0/1). Rows are ranked by descending score.

Definitions (scikit-uplift 0.5): for the top ``N`` rows, with ``Y_t``, ``Y_c`` the summed
outcomes and ``N_t``, ``N_c`` the counts of treated and control rows among them,

* Qini curve ``Q(N) = Y_t - Y_c * N_t / N_c``; uplift curve ``U(N) = (Y_t/N_t - Y_c/N_c) * N``;
  one point per distinct score (tied scores are merged), ``(0, 0)`` first;
* :func:`qini_auc_score` / :func:`uplift_auc_score`: the trapezoidal area between the curve and
  the random line, divided by the same area of the perfect curve (1 for the oracle ranking,
  about 0 for random scores);
* causalml's conventions (one point per row, undefined prefixes interpolated, optional
  normalisation by the curve's end) through ``convention="causalml"`` on the curves and
  :func:`qini_score` / :func:`auuc_score`. The Rust documentation has the two side by side.

Differences from scikit-uplift: where it returns NaN for a scalar (no control rows among the top
k, an empty bin in :func:`weighted_average_uplift`, a perfect curve without area) these raise
:class:`ki3.InvalidInputError` naming the argument. Tables keep NaN for an empty bin.
Validated on the Hillstrom e-mail data against scikit-uplift 0.5.1 and causalml 0.18 to 1e-9.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from .. import _ki3
from .. import _typing as _t
from .._errors import InvalidInputError
from .._frame import _kind, as_column, pandas

__all__ = [
    "auuc_score",
    "perfect_qini_curve",
    "perfect_uplift_curve",
    "plot_qini_curve",
    "plot_uplift_curve",
    "qini_auc_score",
    "qini_curve",
    "qini_score",
    "random_qini_curve",
    "random_uplift_curve",
    "response_rate_by_percentile",
    "uplift_at_k",
    "uplift_auc_score",
    "uplift_by_percentile",
    "uplift_curve",
    "weighted_average_uplift",
]

#: The core's defaults (``ki3._ki3.core_defaults()``): uplift_at_k's ``k`` and the bins.
_CORE_DEFAULTS: dict[str, Any] = dict(_ki3.core_defaults())
_DEFAULT_K: float = _CORE_DEFAULTS["uplift_at_k.k"]
_DEFAULT_BINS: int = _CORE_DEFAULTS["weighted_average_uplift.bins"]

Strategy = Literal["overall", "by_group"]
Convention = Literal["sklift", "causalml"]
CurvePoints = tuple[np.ndarray, np.ndarray]


def __dir__() -> list[str]:
    """Only the public API (``__all__``) and the module's dunders (PEP 562)."""
    return sorted({*__all__, *(n for n in globals() if n.startswith("__") and n.endswith("__"))})


def _floats(values: object, name: str) -> np.ndarray:
    """A 1-d array-like as contiguous float64 (missing values become NaN, which the core
    rejects with the row)."""
    col = as_column(values, name)
    kind = _kind(col)
    if kind not in "biuf":
        raise InvalidInputError(f"{name}: expected numbers, got dtype {col.dtype}")
    if not isinstance(col, np.ndarray):  # a pandas Series, nullable dtypes included
        col = col.to_numpy(dtype=np.float64, na_value=np.nan)
    return np.ascontiguousarray(col, dtype=np.float64)


def _three(
    y_true: object, uplift: object, treatment: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return _floats(y_true, "y_true"), _floats(uplift, "uplift"), _floats(treatment, "treatment")


def _choice(value: object, name: str, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        options = " or ".join(repr(a) for a in allowed)
        raise InvalidInputError(f"invalid parameter {name}: expected {options}, got {value!r}")
    return value


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidInputError(f"invalid parameter {name}: expected a bool, got {value!r}")
    return bool(value)


def _bins(bins: object) -> int:
    if (isinstance(bins, (bool, np.bool_)) or not isinstance(bins, (int, np.integer))
            or not 1 <= bins < 2**63):
        raise InvalidInputError(f"invalid parameter bins: expected a positive integer, got {bins!r}")
    return int(bins)


def _curve(points: tuple[np.ndarray, np.ndarray], integer_x: bool = True) -> CurvePoints:
    x, y = points
    return (x.astype(np.int64) if integer_x else x), y


# --------------------------------------------------------------------------------------------
# Curves
# --------------------------------------------------------------------------------------------


def qini_curve(
    y_true: _t.ArrayLike,
    uplift: _t.ArrayLike,
    treatment: _t.ArrayLike,
    *,
    convention: Convention = "sklift",
    normalize: bool = False,
) -> CurvePoints:
    """Qini curve ``Q(N) = Y_t - Y_c * N_t / N_c`` over the top ``N`` rows.

    Parameters
    ----------
    y_true, uplift, treatment : 1-d array-like
        Outcomes, predicted uplift, treatment flags (0/1).
    convention : {"sklift", "causalml"}
        ``"sklift"``: one point per distinct score and ``(0, 0)`` (scikit-uplift's
        ``qini_curve``); ``"causalml"``: one point per row, ``x = 0..n`` (causalml's
        ``get_qini``).
    normalize : bool
        With ``"causalml"``: divide by the absolute value of the curve's end.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``x`` (number of rows targeted, int64) and the curve values (float64).
    """
    conv = _choice(convention, "convention", ("sklift", "causalml"))
    points = _ki3.qini_curve(*_three(y_true, uplift, treatment), conv, _flag(normalize, "normalize"))
    return _curve(points)


def uplift_curve(
    y_true: _t.ArrayLike,
    uplift: _t.ArrayLike,
    treatment: _t.ArrayLike,
    *,
    convention: Convention = "sklift",
    normalize: bool = False,
) -> CurvePoints:
    """Uplift curve ``U(N) = (Y_t/N_t - Y_c/N_c) * N`` (causalml: cumulative gain).

    Parameters and return value as :func:`qini_curve` (causalml: ``get_cumgain``).
    """
    conv = _choice(convention, "convention", ("sklift", "causalml"))
    flag = _flag(normalize, "normalize")
    return _curve(_ki3.uplift_curve(*_three(y_true, uplift, treatment), conv, flag))


def perfect_qini_curve(
    y_true: _t.ArrayLike, treatment: _t.ArrayLike, negative_effect: bool = True
) -> CurvePoints:
    """The perfect Qini curve (binary outcomes).

    With ``negative_effect`` the Qini curve of the oracle ranking (treated responders first,
    control responders last); without, the line ``(0,0) -> (R, R) -> (n, R)`` with ``R`` the
    total incremental outcome (then ``x`` is float64, as in scikit-uplift).
    """
    flag = _flag(negative_effect, "negative_effect")
    points = _ki3.reference_curve(
        "qini", "perfect", _floats(y_true, "y_true"), _floats(treatment, "treatment"), flag
    )
    return _curve(points, integer_x=flag)


def perfect_uplift_curve(y_true: _t.ArrayLike, treatment: _t.ArrayLike) -> CurvePoints:
    """The perfect uplift curve (scikit-uplift's oracle ranking; binary outcomes)."""
    y, t = _floats(y_true, "y_true"), _floats(treatment, "treatment")
    return _curve(_ki3.reference_curve("uplift", "perfect", y, t))


def random_qini_curve(y_true: _t.ArrayLike, treatment: _t.ArrayLike) -> CurvePoints:
    """The random-targeting Qini line ``(0, 0) -> (n, Q(n))``."""
    y, t = _floats(y_true, "y_true"), _floats(treatment, "treatment")
    return _curve(_ki3.reference_curve("qini", "random", y, t))


def random_uplift_curve(y_true: _t.ArrayLike, treatment: _t.ArrayLike) -> CurvePoints:
    """The random-targeting uplift line ``(0, 0) -> (n, U(n))``."""
    y, t = _floats(y_true, "y_true"), _floats(treatment, "treatment")
    return _curve(_ki3.reference_curve("uplift", "random", y, t))


# --------------------------------------------------------------------------------------------
# Scores
# --------------------------------------------------------------------------------------------


def qini_auc_score(
    y_true: _t.ArrayLike,
    uplift: _t.ArrayLike,
    treatment: _t.ArrayLike,
    negative_effect: bool = True,
) -> float:
    """Normalised area under the Qini curve, the Qini coefficient (scikit-uplift).

    ``(A(Qini) - A(random)) / (A(perfect) - A(random))`` with trapezoidal areas and the random
    line drawn to the perfect curve's end; ``negative_effect`` selects the perfect curve
    (:func:`perfect_qini_curve`). Binary outcomes.
    """
    flag = _flag(negative_effect, "negative_effect")
    return float(_ki3.uplift_score("qini_auc", *_three(y_true, uplift, treatment), flag))


def uplift_auc_score(y_true: _t.ArrayLike, uplift: _t.ArrayLike, treatment: _t.ArrayLike) -> float:
    """Normalised area under the uplift curve (scikit-uplift). Binary outcomes."""
    return float(_ki3.uplift_score("uplift_auc", *_three(y_true, uplift, treatment), False))


def qini_score(
    y_true: _t.ArrayLike, uplift: _t.ArrayLike, treatment: _t.ArrayLike, normalize: bool = True
) -> float:
    """causalml's ``qini_score``: the mean over the ``n + 1`` points of the causalml Qini curve
    minus the straight line from its first to its last point; the curve is divided by the
    absolute value of its end first when ``normalize`` (causalml's default).

    Tied scores are ranked in row order (causalml's quicksort leaves their order unspecified).
    """
    flag = _flag(normalize, "normalize")
    return float(_ki3.uplift_score("qini", *_three(y_true, uplift, treatment), flag))


def auuc_score(
    y_true: _t.ArrayLike, uplift: _t.ArrayLike, treatment: _t.ArrayLike, normalize: bool = True
) -> float:
    """causalml's ``auuc_score``: the mean of the ``n + 1`` points of the cumulative gain curve
    (divided by the absolute value of its end first when ``normalize``, causalml's default)."""
    flag = _flag(normalize, "normalize")
    return float(_ki3.uplift_score("auuc", *_three(y_true, uplift, treatment), flag))


def uplift_at_k(
    y_true: _t.ArrayLike,
    uplift: _t.ArrayLike,
    treatment: _t.ArrayLike,
    strategy: Strategy,
    k: float = _DEFAULT_K,
) -> float:
    """Treated minus control mean outcome among the top ``k`` rows (scikit-uplift).

    Parameters
    ----------
    strategy : {"overall", "by_group"}
        ``"overall"``: the top ``k`` of the whole ranking; ``"by_group"``: the top ``k`` of each
        group's own ranking.
    k : float or int
        A float in (0, 1) is a share (``floor(k * n)`` rows, per group with ``"by_group"``); an
        int in ``1..n-1`` a number of rows.
    """
    how = _choice(strategy, "strategy", ("overall", "by_group"))
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, float, np.integer, np.floating)):
        raise InvalidInputError(f"invalid parameter k: expected a float or an int, got {k!r}")
    is_count = isinstance(k, (int, np.integer))
    if is_count and k < 1:
        raise InvalidInputError(f"invalid parameter k: a count must be positive, got {k}")
    return float(
        _ki3.uplift_at_k(*_three(y_true, uplift, treatment), how, float(k), is_count)
    )


def response_rate_by_percentile(
    y_true: _t.ArrayLike,
    uplift: _t.ArrayLike,
    treatment: _t.ArrayLike,
    group: Literal["treatment", "control"],
    strategy: Strategy = "overall",
    bins: int = _DEFAULT_BINS,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Response rate of ``group`` in each of ``bins`` percentile bins (scikit-uplift).

    ``"overall"`` cuts the whole ranking into ``bins`` parts (numpy ``array_split``: the first
    ``n % bins`` parts one row longer) and averages the group's rows of each; ``"by_group"``
    cuts the group's own ranking. Binary outcomes; ``1 <= bins < n``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, numpy.ndarray)
        Response rate (NaN for a bin without rows of the group), its variance ``p(1 - p)/n``,
        and the group's row count (int64) per bin.
    """
    which = _choice(group, "group", ("treatment", "control"))
    how = _choice(strategy, "strategy", ("overall", "by_group"))
    rate, var, size = _ki3.response_rate_by_percentile(
        *_three(y_true, uplift, treatment), which, how, _bins(bins)
    )
    return rate, var, size.astype(np.int64)


def weighted_average_uplift(
    y_true: _t.ArrayLike,
    uplift: _t.ArrayLike,
    treatment: _t.ArrayLike,
    strategy: Strategy = "overall",
    bins: int = _DEFAULT_BINS,
) -> float:
    """Per-bin uplift averaged with the bins' treated counts as weights (scikit-uplift)."""
    how = _choice(strategy, "strategy", ("overall", "by_group"))
    return float(
        _ki3.weighted_average_uplift(*_three(y_true, uplift, treatment), how, _bins(bins))
    )


def uplift_by_percentile(
    y_true: _t.ArrayLike,
    uplift: _t.ArrayLike,
    treatment: _t.ArrayLike,
    strategy: Strategy = "overall",
    bins: int = _DEFAULT_BINS,
    std: bool = False,
    total: bool = False,
    string_percentiles: bool = True,
) -> _t.DataFrame:
    """Group sizes, response rates and uplift per percentile bin (scikit-uplift's table).

    Columns ``n_treatment``, ``n_control`` (int32), ``response_rate_treatment``,
    ``response_rate_control``, ``uplift``, and with ``std`` the standard deviations
    ``std_treatment``, ``std_control``, ``std_uplift``; the index ``percentile`` reads
    ``"0-10"``, ``"10-20"``, ... (or the upper percentile as a number). ``total`` appends a row
    over all rows (its std entries are the column sums, as in scikit-uplift).
    """
    how = _choice(strategy, "strategy", ("overall", "by_group"))
    bins = _bins(bins)
    std, total = _flag(std, "std"), _flag(total, "total")
    strings = _flag(string_percentiles, "string_percentiles")
    arrays = _three(y_true, uplift, treatment)
    r = _ki3.uplift_by_percentile(*arrays, how, bins)
    upper = [round(p * 100 / bins) for p in range(1, bins + 1)]
    labels: list[int | str] = list(upper)
    if strings:
        labels = [f"{lo}-{hi}" for lo, hi in zip([0, *upper[:-1]], upper)]
    columns: dict[str, np.ndarray] = {
        "n_treatment": r["n_treatment"].astype(np.int32),
        "n_control": r["n_control"].astype(np.int32),
        "response_rate_treatment": r["response_rate_treatment"],
        "response_rate_control": r["response_rate_control"],
        "uplift": r["uplift"],
    }
    if std:
        columns["std_treatment"] = np.sqrt(r["variance_treatment"])
        columns["std_control"] = np.sqrt(r["variance_control"])
        columns["std_uplift"] = np.sqrt(r["variance_treatment"] + r["variance_control"])
    if total:
        whole = _ki3.uplift_by_percentile(*arrays, how, 1)
        labels.append("total")
        for key in ("n_treatment", "n_control"):
            columns[key] = np.append(columns[key], whole[key].astype(np.int32))
        for key in ("response_rate_treatment", "response_rate_control", "uplift"):
            columns[key] = np.append(columns[key], whole[key])
        for key in ("std_treatment", "std_control", "std_uplift") if std else ():
            columns[key] = np.append(columns[key], columns[key].sum())
    pd = pandas()  # a dependency of ki3
    return pd.DataFrame(columns, index=pd.Index(labels, name="percentile"))


# --------------------------------------------------------------------------------------------
# Plots
# --------------------------------------------------------------------------------------------


def _plot(
    curve: CurvePoints,
    randomline: CurvePoints | None,
    perfect: CurvePoints | None,
    score: float,
    title: str,
    ax: _t.Axes | None,
    name: str | None,
    what: str,
) -> _t.Axes:
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - optional dependency
        raise ImportError(f"{what} needs matplotlib: pip install 'ki3[plot]'") from None
    if ax is None:
        _, ax = plt.subplots()
    label = f"{title} = {score:0.4f}" if name is None else f"{name} ({title} = {score:0.4f})"
    ax.plot(*curve, label=label)
    if randomline is not None:
        ax.plot(*randomline, label="Random", linestyle="--")
    if perfect is not None:
        ax.plot(*perfect, label="Perfect", linestyle=":")
    ax.set_xlabel("Number targeted")
    ax.set_ylabel("Number of incremental outcome")
    ax.legend(loc="upper left")
    return ax


def plot_qini_curve(
    y_true: _t.ArrayLike,
    uplift: _t.ArrayLike,
    treatment: _t.ArrayLike,
    *,
    random: bool = True,
    perfect: bool = True,
    negative_effect: bool = True,
    ax: _t.Axes | None = None,
    name: str | None = None,
) -> _t.Axes:
    """Plots the Qini curve with the random line and the perfect curve; the legend shows
    :func:`qini_auc_score`. Returns the matplotlib Axes (matplotlib is optional: ``ki3[plot]``).
    """
    y, u, t = _three(y_true, uplift, treatment)
    return _plot(
        qini_curve(y, u, t),
        random_qini_curve(y, t) if _flag(random, "random") else None,
        perfect_qini_curve(y, t, negative_effect) if _flag(perfect, "perfect") else None,
        qini_auc_score(y, u, t, negative_effect),
        "qini_auc_score",
        ax,
        name,
        "plot_qini_curve",
    )


def plot_uplift_curve(
    y_true: _t.ArrayLike,
    uplift: _t.ArrayLike,
    treatment: _t.ArrayLike,
    *,
    random: bool = True,
    perfect: bool = True,
    ax: _t.Axes | None = None,
    name: str | None = None,
) -> _t.Axes:
    """Plots the uplift curve with the random line and the perfect curve; the legend shows
    :func:`uplift_auc_score`. Returns the matplotlib Axes."""
    y, u, t = _three(y_true, uplift, treatment)
    return _plot(
        uplift_curve(y, u, t),
        random_uplift_curve(y, t) if _flag(random, "random") else None,
        perfect_uplift_curve(y, t) if _flag(perfect, "perfect") else None,
        uplift_auc_score(y, u, t),
        "uplift_auc_score",
        ax,
        name,
        "plot_uplift_curve",
    )
