"""Type aliases shared by the public signatures (private: import as ``from . import _typing as
_t`` and annotate with ``_t.FrameLike`` etc.).

Static checkers see the aliases below (``TYPE_CHECKING``). At run time the aliases that involve
pandas, polars or matplotlib are built on first access (PEP 562 ``__getattr__``), so
``import ki3`` imports none of them and polars / matplotlib stay optional, while
``typing.get_type_hints`` on a public function still resolves to the real classes (an alias
leaves out a package that is not installed).
"""

from __future__ import annotations

import datetime
import sys
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol, Union

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "ArrayLike",
    "Axes",
    "ColumnName",
    "DataFrame",
    "Drift",
    "Eligible",
    "Estimator",
    "Families",
    "FrameLike",
    "MatrixLike",
    "Names",
    "Rates",
    "Self",
    "Series",
    "TimeLike",
    "Windows",
]

#: A column name: a key of a pandas/polars DataFrame or of a mapping of arrays.
ColumnName = Hashable
#: Arm names (any iterable of str; a single str is rejected).
Names = Iterable[str]
#: Look-back windows in whole days: one or a sequence.
Windows = Union[int, Sequence[int]]
#: Feature family names: one or a sequence.
Families = Union[str, Sequence[str]]
#: Arms to choose from: one name or several.
Eligible = Union[str, Iterable[str]]
#: Per-arm rates: a sequence in arm order, or a mapping / Series from arm name to rate.
Rates = Union[ArrayLike, Mapping[str, float]]
#: Drift of simulated rates: ``("switch", at, new_rates)`` or ``("linear", final_rates)``.
Drift = Union[tuple[Literal["switch"], int, Rates], tuple[Literal["linear"], Rates]]



class Estimator(Protocol):
    """A scikit-learn-style estimator: ``fit(X, y)`` then ``predict(X)``, or
    ``predict_proba(X)`` for a classifier of 0/1 outcomes."""

    def fit(self, X: Any, y: Any) -> Any:  # pragma: no cover - a protocol
        """Fits on features ``X`` and targets ``y``."""


if TYPE_CHECKING:
    import pandas as pd
    import polars as pl
    from matplotlib.axes import Axes
    from pandas import DataFrame, Series
    from typing_extensions import Self, TypeAlias

    #: Tabular input: a pandas DataFrame, a polars DataFrame or a mapping of column names to
    #: arrays (numpy arrays, lists, pandas or polars Series).
    FrameLike: TypeAlias = Union[pd.DataFrame, pl.DataFrame, Mapping[Hashable, ArrayLike]]
    #: A point in time: a parseable string, a datetime, numpy.datetime64, pandas.Timestamp or an
    #: integer (in the unit of the timestamps it is compared with).
    TimeLike: TypeAlias = Union[str, datetime.datetime, np.datetime64, pd.Timestamp, int]
    #: A feature matrix: a 2-d array-like, a pandas or a polars DataFrame of numbers.
    MatrixLike: TypeAlias = Union[ArrayLike, pd.DataFrame, pl.DataFrame]


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:  # pragma: no cover - pandas is a dependency
        return None
    return pandas


def _build(name: str) -> Any:
    if name == "Self":
        if sys.version_info >= (3, 11):
            from typing import Self
        else:  # pragma: no cover
            try:
                from typing_extensions import Self
            except ImportError:
                return Any
        return Self
    if name == "Axes":
        try:
            from matplotlib.axes import Axes
        except ImportError:  # pragma: no cover - optional; plot_* raise ImportError then
            return Any
        return Axes
    pd = _pandas()  # only the aliases below need pandas
    if name == "DataFrame":
        return pd.DataFrame if pd is not None else Any
    if name == "Series":
        return pd.Series if pd is not None else Any
    if name == "FrameLike":
        frames: list[Any] = [] if pd is None else [pd.DataFrame]
        try:
            import polars
        except ImportError:  # pragma: no cover - optional
            pass
        else:
            frames.append(polars.DataFrame)
        return Union[(*frames, Mapping[Hashable, ArrayLike])]
    if name == "MatrixLike":
        tables: list[Any] = [] if pd is None else [pd.DataFrame]
        try:
            import polars
        except ImportError:  # pragma: no cover - optional
            pass
        else:
            tables.append(polars.DataFrame)
        return Union[(ArrayLike, *tables)]
    if name == "TimeLike":
        stamps: list[Any] = [str, datetime.datetime, np.datetime64]
        if pd is not None:
            stamps.append(pd.Timestamp)
        return Union[(*stamps, int)]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __getattr__(name: str) -> Any:
    if name not in __all__:  # probes for other names import nothing
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = _build(name)
    globals()[name] = value
    return value

