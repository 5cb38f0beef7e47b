"""The one place where user tables become numpy columns for ``ki3._ki3`` and results become
DataFrames again.

Inputs: pandas DataFrames, polars DataFrames, or mappings of column names to arrays (numpy,
lists, pandas or polars Series). Conversions, per role:

* ``customer``, ``session``: non-negative integers pass through as uint64; anything else
  (strings, negative integers, floats, Categoricals) is coded as positions in its sorted distinct
  values (a ``FeatureAggregator`` keeps these labels in the core's dictionaries) and mapped back
  on output, where the core says which columns hold codes.
* ``timestamp``: ``datetime64`` of any unit (tz-aware pandas columns are converted to UTC) keeps
  its unit (D, s, ms, us, ns; minutes/hours become s, weeks/months/years become D); integers are
  in ``time_unit`` (default ``"s"``).
* ``amount``: numbers as float64; booleans, strings, objects and complex numbers are rejected.
* ``purchase``: booleans (or integers 0/1).
* ``channel``, ``category``: integers ``0 <= c < 2**32`` pass through as uint32 codes; names are
  coded in sorted order, so output columns read ``channel_share_<name>`` and ties in
  ``preferred_channel`` / ``top_category`` go to the name that sorts first.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from . import _ki3
from ._errors import InvalidInputError, Ki3Error

ROLES = ("customer", "timestamp", "amount", "purchase", "channel", "category", "session")
CODED_ROLES = ("customer", "channel", "category", "session")
UNITS = ("D", "s", "ms", "us", "ns")
_UNIT_OF = {"h": "s", "m": "s", "W": "D", "M": "D", "Y": "D"}
_INT64_MAX = np.iinfo(np.int64).max
_INT64_MIN = int(np.iinfo(np.int64).min)
# Length of one tick in nanoseconds, for exact (overflow-checked) unit conversions.
_NS_PER = {"W": 604_800 * 10**9, "D": 86_400 * 10**9, "h": 3_600 * 10**9, "m": 60 * 10**9,
           "s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
_LIMIT = {"customer": 2**64 - 1, "session": 2**64 - 1, "channel": 2**32 - 1, "category": 2**32 - 1}
_DTYPE = {"customer": np.uint64, "session": np.uint64, "channel": np.uint32, "category": np.uint32}


# pandas is imported with ki3, not on the first call: results are pandas objects, and a lazy
# import made the first customer_features call pay ~0.35 s for it.
try:
    import pandas as _pandas
except ImportError:  # pragma: no cover - pandas is a dependency
    _pandas = None


def pandas() -> Any:
    """The pandas module, or None when it is not installed."""
    return _pandas


def _is_pandas(obj: Any, name: str) -> bool:
    pd = pandas()
    return pd is not None and isinstance(obj, getattr(pd, name))


def _is_polars(obj: Any) -> bool:
    return type(obj).__module__.split(".")[0] == "polars"


# --------------------------------------------------------------------------------------------
# Column access
# --------------------------------------------------------------------------------------------


def column(data: Any, name: Any, role: str, table: str = "events") -> Any:
    """Column ``name`` of ``data`` (the argument called ``table``) as a pandas Series or a 1-d
    numpy array."""
    if _is_pandas(data, "DataFrame"):
        if name in data.columns:
            col = data[name]
        elif name is not None and name in data.index.names:
            col = data.index.get_level_values(name).to_series(index=data.index)
        else:
            raise _unknown(name, role, list(data.columns))
        if not _is_pandas(col, "Series"):
            raise InvalidInputError(f"{role}: column {name!r} is not unique")
        return col
    if _is_polars(data) and hasattr(data, "get_column"):
        if name not in data.columns:
            raise _unknown(name, role, list(data.columns))
        return data.get_column(name).to_numpy()
    if isinstance(data, Mapping):
        if name not in data:
            raise _unknown(name, role, list(data.keys()))
        try:
            return as_column(data[name], role)
        except InvalidInputError as err:
            raise renamed(err, {role: name}) from None
    raise TypeError(
        f"{table} must be a pandas DataFrame, a polars DataFrame or a mapping of column names to "
        f"arrays, not {type(data).__name__}"
    )


def as_column(values: Any, role: str) -> Any:
    """A pandas Series stays as is; polars Series, lists and arrays become 1-d numpy arrays."""
    if _is_pandas(values, "Series"):
        return values
    if _is_pandas(values, "Index"):
        return values.to_series()
    if _is_polars(values) and hasattr(values, "to_numpy"):
        values = values.to_numpy()
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise InvalidInputError(f"{role}: expected a 1-d column, got shape {arr.shape}")
    return arr


def _unknown(name: Any, role: str, available: list[Any]) -> InvalidInputError:
    shown = ", ".join(repr(c) for c in available[:20])
    return InvalidInputError(f"{role}: unknown column {name!r}; available columns: {shown}")


def _dtype(col: Any) -> Any:
    return col.dtype


def _kind(col: Any) -> str:
    """numpy kind letter of a column; extension dtypes report theirs or 'O'."""
    dtype = _dtype(col)
    return getattr(dtype, "kind", "O") if isinstance(dtype, np.dtype) else _ext_kind(dtype)


def _ext_kind(dtype: Any) -> str:
    pd = pandas()
    if pd is None:
        return "O"
    api = pd.api.types
    if isinstance(dtype, pd.CategoricalDtype):
        return "O"
    if isinstance(dtype, pd.DatetimeTZDtype):
        return "M"
    if api.is_bool_dtype(dtype):
        return "b"
    if api.is_complex_dtype(dtype):
        return "c"
    if api.is_unsigned_integer_dtype(dtype):
        return "u"
    if api.is_integer_dtype(dtype):
        return "i"
    if api.is_float_dtype(dtype):
        return "f"
    return "O"


def _first_missing(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _plain(col: Any, role: str, dtype: Any = None, *, na_value: Any = None) -> np.ndarray:
    """numpy values of a column; pandas missing values raise unless ``na_value`` is given."""
    if _is_pandas(col, "Series"):
        if not isinstance(col.dtype, np.dtype) and na_value is None:
            missing = np.asarray(col.isna())
            if missing.any():
                raise InvalidInputError(f"{role}: missing value at row {_first_missing(missing)}")
        if dtype is None and not isinstance(col.dtype, np.dtype):  # masked / arrow dtypes
            dtype = getattr(col.dtype, "numpy_dtype", None)
        if na_value is not None:
            return col.to_numpy(dtype=dtype, na_value=na_value)
        return col.to_numpy(dtype=dtype)
    return col if dtype is None else col.astype(dtype, copy=False)


# --------------------------------------------------------------------------------------------
# Per-role conversions
# --------------------------------------------------------------------------------------------


def raw_codes(col: Any, role: str) -> np.ndarray | None:
    """The column as uint64/uint32 codes when it holds integers in range, else None."""
    kind = _kind(col)
    if kind not in "iu":
        return None
    if _is_pandas(col, "Series") and not isinstance(col.dtype, np.dtype) and bool(col.isna().any()):
        return None
    arr = _plain(col, role)
    if arr.dtype == np.int64 and arr.ndim == 1:  # one fused native pass (check, narrow)
        arr = np.ascontiguousarray(arr)
        if _DTYPE[role] == np.uint32:  # the limit is 2**32 - 1
            out = np.empty(arr.shape, dtype=np.uint32)
            return out if _ki3.int64_to_uint32(arr, out) else None
        span = _ki3.int64_range(arr)  # the limit 2**64 - 1 exceeds every int64
        return None if span is not None and span[0] < 0 else arr.view(np.uint64)
    # Unsigned dtypes that cannot exceed the limit need no pass over the data.
    in_range_by_dtype = arr.dtype.kind == "u" and np.iinfo(arr.dtype).max <= _LIMIT[role]
    if arr.size and not in_range_by_dtype and (arr.min() < 0 or int(arr.max()) > _LIMIT[role]):
        return None
    if arr.dtype == np.int64 and _DTYPE[role] == np.uint64:  # non-negative: reinterpret
        return np.ascontiguousarray(arr).view(np.uint64)
    return np.ascontiguousarray(arr, dtype=_DTYPE[role])


def factorize(col: Any, role: str) -> tuple[np.ndarray, list[Any]]:
    """Codes (sorted order of the distinct values) and the distinct values as Python objects."""
    pd = pandas()
    if pd is not None:
        if _is_pandas(col, "Series") and isinstance(col.dtype, pd.CategoricalDtype):
            sub, labels = factorize(pd.Index(col.cat.categories), role)
            cat = col.cat.codes.to_numpy()
            codes = np.where(cat < 0, -1, sub[np.maximum(cat, 0)]) if sub.size else cat
        else:
            try:
                codes, uniques = pd.factorize(col, sort=True)
            except TypeError:
                codes, uniques = pd.factorize(col, sort=False)
            labels = list(np.asarray(uniques, dtype=object).tolist())
    else:  # pragma: no cover - pandas is a dependency
        arr = np.asarray(col, dtype=object)
        missing = np.array([v is None or (isinstance(v, float) and np.isnan(v)) for v in arr], bool)
        if missing.any():
            raise InvalidInputError(f"{role}: missing value at row {_first_missing(missing)}")
        uniques, codes = np.unique(arr, return_inverse=True)
        labels = uniques.tolist()
    codes = np.asarray(codes, dtype=np.int64)
    if (codes < 0).any():
        raise InvalidInputError(f"{role}: missing value at row {_first_missing(codes < 0)}")
    return codes, labels


def _has_nat(arr: np.ndarray) -> bool:
    """Whether a datetime64 array holds NaT (the smallest int64), in one native pass."""
    if arr.ndim == 1 and arr.dtype.isnative and arr.flags.c_contiguous:
        span = _ki3.int64_range(arr.view(np.int64))
        return span is not None and span[0] == _INT64_MIN
    return bool(np.isnat(arr).any())


def to_ticks(col: Any, role: str, unit: str | None) -> tuple[np.ndarray, str]:
    """Timestamps as int64 ticks and their unit (see the module docstring)."""
    if unit is not None and unit not in UNITS:
        raise InvalidInputError(f"time_unit: unknown unit {unit!r}; use one of {', '.join(UNITS)}")
    pd = pandas()
    if pd is not None and _is_pandas(col, "Series") and isinstance(col.dtype, pd.DatetimeTZDtype):
        col = col.dt.tz_convert(None)
    kind = _kind(col)
    if len(col) == 0 and kind not in "Mc":  # e.g. an empty object column
        return np.zeros(0, dtype=np.int64), unit or "s"
    if kind == "M":
        arr = _plain(col, role)
        if arr.dtype.kind != "M":
            raise InvalidInputError(f"{role}: unsupported datetime dtype {col.dtype}")
        if _has_nat(arr):
            nat = np.isnat(arr)
            raise InvalidInputError(f"{role}: missing value (NaT) at row {_first_missing(nat)}")
        own = np.datetime_data(arr.dtype)[0]
        target = unit or _UNIT_OF.get(own, own)
        if target not in UNITS:  # e.g. 'generic'
            target = "s"
        _check_finer(arr, target, role)
        arr = np.ascontiguousarray(arr.astype(f"datetime64[{target}]", copy=False))
        return arr.view(np.int64), target
    if kind in "iu":
        arr = _plain(col, role)
        if kind == "u" and arr.size and int(arr.max()) > _INT64_MAX:
            raise InvalidInputError(f"{role}: integer timestamp too large for int64")
        return np.ascontiguousarray(arr, dtype=np.int64), unit or "s"
    raise InvalidInputError(
        f"{role}: expected datetime64 or integer timestamps, got dtype {_dtype(col)} "
        "(convert strings with pandas.to_datetime)"
    )


def to_amount(col: Any, role: str) -> np.ndarray:
    """Amounts as float64 (missing values become NaN, which the core rejects by row)."""
    kind = _kind(col)
    if len(col) == 0 and kind != "c":
        return np.zeros(0, dtype=np.float64)
    if kind not in "iuf":
        raise InvalidInputError(f"{role}: expected numbers, got dtype {_dtype(col)}")
    arr = _plain(col, role, np.float64, na_value=np.nan)
    return np.ascontiguousarray(arr, dtype=np.float64)


def to_bool(col: Any, role: str) -> np.ndarray:
    """Purchase flags as bool (integers must be 0 or 1)."""
    kind = _kind(col)
    if len(col) == 0:
        return np.zeros(0, dtype=bool)
    if kind == "b":
        return np.ascontiguousarray(_plain(col, role, bool), dtype=bool)
    if kind in "iu":
        arr = _plain(col, role)
        bad = (arr != 0) & (arr != 1)
        if bad.any():
            raise InvalidInputError(
                f"{role}: expected booleans or 0/1, got {arr[bad][0]} at row {_first_missing(bad)}"
            )
        return arr.astype(bool)
    raise InvalidInputError(f"{role}: expected booleans, got dtype {_dtype(col)}")


def _datetime64(value: Any, role: str) -> np.datetime64:
    if isinstance(value, np.datetime64):
        return value
    if hasattr(value, "to_datetime64") and hasattr(value, "tz_convert"):  # pandas.Timestamp
        if value.tzinfo is not None:
            value = value.tz_convert("UTC").tz_localize(None)
        return np.datetime64(value.to_datetime64())
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        return np.datetime64(value, "us")
    if isinstance(value, _dt.date):
        return np.datetime64(value, "D")
    if isinstance(value, str):
        pd = pandas()
        try:
            if pd is not None:
                return _datetime64(pd.Timestamp(value), role)
            return np.datetime64(value)  # pragma: no cover
        except (ValueError, TypeError, OverflowError) as err:
            raise InvalidInputError(f"{role}: cannot parse {value!r} as a date/time") from err
    raise InvalidInputError(
        f"{role}: expected an integer or a datetime-like (str, datetime, numpy.datetime64, "
        f"pandas.Timestamp), got {type(value).__name__}"
    )


def to_tick(value: Any, unit: str, role: str) -> int:
    """A point in time as an integer in ``unit`` (integers are taken as already in ``unit``)."""
    if isinstance(value, (bool, np.bool_)):
        raise InvalidInputError(f"{role}: expected an integer or a datetime-like, got bool")
    if isinstance(value, (int, np.integer)):
        if not -(2**63) <= int(value) <= _INT64_MAX:
            raise InvalidInputError(f"{role}: {value} does not fit in int64")
        return int(value)
    stamp = _datetime64(value, role)
    if np.isnat(stamp):
        raise InvalidInputError(f"{role}: NaT is not a point in time")
    own, count = np.datetime_data(stamp.dtype)
    if own not in _NS_PER:  # months, years, generic: whole days are exact
        stamp, (own, count) = stamp.astype("datetime64[D]"), ("D", 1)
    # Exact integer arithmetic: numpy's cast wraps around silently on overflow.
    ticks = int(stamp.astype(np.int64)) * count * _NS_PER[own] // _NS_PER[unit]
    if not _INT64_MIN <= ticks <= _INT64_MAX:
        raise InvalidInputError(_out_of_range(role, stamp, unit))
    return ticks


def _out_of_range(role: str, what: Any, unit: str) -> str:
    lo, hi = (np.int64(v).astype(f"datetime64[{unit}]") for v in (_INT64_MIN + 1, _INT64_MAX))
    return (
        f"{role}: {what} is outside the range of int64 timestamps in {unit!r} ({lo} to {hi}); "
        "pass a coarser time_unit, e.g. time_unit='s'"
    )


def _check_finer(arr: np.ndarray, target: str, role: str) -> None:
    """Refuses datetimes that do not fit in int64 ``target`` ticks (numpy would wrap them)."""
    own, count = np.datetime_data(arr.dtype)
    if own not in _NS_PER or arr.size == 0:
        return
    scale = count * _NS_PER[own] / _NS_PER[target]
    if scale <= 1:
        return
    ticks = arr.view(np.int64)
    for extreme in (ticks.min(), ticks.max()):
        if not _INT64_MIN <= int(extreme) * count * _NS_PER[own] // _NS_PER[target] <= _INT64_MAX:
            raise InvalidInputError(_out_of_range(role, extreme.astype(arr.dtype), target))


def windows_arg(windows: Any) -> list[int]:
    """Look-back windows in days as a list of positive ints."""
    if isinstance(windows, (int, np.integer)) and not isinstance(windows, (bool, np.bool_)):
        windows = [windows]
    if isinstance(windows, (str, bytes)) or not isinstance(windows, (Sequence, np.ndarray)):
        raise InvalidInputError(f"windows: expected a sequence of whole days, got {windows!r}")
    out = []
    for w in windows:
        if isinstance(w, (bool, np.bool_)) or not isinstance(w, (int, np.integer)):
            raise InvalidInputError(f"windows: expected whole days, got {w!r}")
        if not 1 <= int(w) < 2**32:
            raise InvalidInputError(f"windows: window {w} must be between 1 and 2**32 - 1 days")
        out.append(int(w))
    return out


def families_arg(families: Any) -> list[str] | None:
    """Feature families as a list of names (None: all the input supports)."""
    if families is None:
        return None
    if isinstance(families, str):
        return [families]
    out = list(families)
    if not all(isinstance(f, str) for f in out):
        raise InvalidInputError(f"families: expected family names, got {families!r}")
    return out


# --------------------------------------------------------------------------------------------
# Coded roles
# --------------------------------------------------------------------------------------------


class Codebook:
    """Labels of one call's codes (a :class:`~ki3.features.FeatureAggregator` keeps its labels
    in the core's dictionaries instead); new labels get new codes in their sorted order."""

    def __init__(self) -> None:
        self.labels: list[Any] = []
        self._index: dict[Any, int] = {}

    def encode(self, col: Any, role: str) -> np.ndarray:
        codes, labels = factorize(col, role)
        lookup = np.empty(len(labels), dtype=np.int64)
        for k, label in enumerate(labels):
            code = self._index.get(label)
            if code is None:
                code = self._index[label] = len(self.labels)
                self.labels.append(label)
            lookup[k] = code
        return lookup[codes] if lookup.size else codes


def encode_chunk(col: Any, role: str, labels: bool | None) -> tuple[np.ndarray, list[Any] | None]:
    """Codes of a coded column and, when they are positions in a list of labels, that list
    (sorted distinct values). ``labels``: None decides (raw integer codes when the values are
    integers in range), True forces labels, False demands raw codes."""
    if labels is not True:
        raw = raw_codes(col, role)
        if raw is not None:
            return raw, None
        if labels is False:
            raise _not_raw(col, role)
    codes, uniques = factorize(col, role)
    return codes.astype(_DTYPE[role]), [_scalar(v) for v in uniques]


def _not_raw(col: Any, role: str) -> InvalidInputError:
    limit = "2**32" if role in ("channel", "category") else "2**64"
    return InvalidInputError(
        f"{role}: expected integers 0 <= x < {limit} like the earlier data, got "
        f"dtype {_dtype(col)} (or values out of range)"
    )


def _scalar(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


class Encoders:
    """How each role of one call is encoded (raw integers or a :class:`Codebook`) and the time
    unit."""

    def __init__(self, time_unit: str | None = None) -> None:
        self.unit = check_unit(time_unit)
        self.books: dict[str, Codebook | None] = dict.fromkeys(CODED_ROLES)
        self.raw: set[str] = set()
        # numpy dtype of raw integer ids, to restore on output.
        self.raw_dtype: dict[str, str | None] = dict.fromkeys(CODED_ROLES)

    def decide(self, role: str, cols: Sequence[Any]) -> None:
        """Fixes the encoding of ``role`` from the columns that will be encoded with it."""
        if self.books[role] is not None or role in self.raw:
            return
        if all(raw_codes(c, role) is not None for c in cols):
            self.raw.add(role)
            self.raw_dtype[role] = np.dtype(_kind_dtype(cols[0])).str
        else:
            self.books[role] = Codebook()

    def encode(self, role: str, col: Any) -> np.ndarray:
        """Codes of ``col`` for ``role`` (deciding the encoding on first use)."""
        self.decide(role, [col])
        book = self.books[role]
        if book is None:
            raw = raw_codes(col, role)
            if raw is None:
                raise _not_raw(col, role)
            return raw
        return book.encode(col, role).astype(_DTYPE[role])

    def prepare(self, data: Any, names: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """The event columns of ``data`` (roles -> column names in ``names``) for ``_ki3``."""
        out: dict[str, np.ndarray] = {}
        for role, name in names.items():
            col = column(data, name, role)
            try:
                if role == "timestamp":
                    out[role], self.unit = to_ticks(col, role, self.unit)
                elif role in CODED_ROLES:
                    out[role] = self.encode(role, col)
                else:
                    out[role] = plain_column(col, role)
            except InvalidInputError as err:
                raise renamed(err, {role: name}) from None
        return out

    def labels(self) -> dict[str, list[Any]]:
        """The labels of the roles coded through codebooks."""
        return {role: book.labels for role, book in self.books.items() if book is not None}


def check_unit(unit: str | None) -> str | None:
    if unit is not None and unit not in UNITS:
        raise InvalidInputError(f"time_unit: unknown unit {unit!r}; use one of {', '.join(UNITS)}")
    return unit


def plain_column(col: Any, role: str) -> np.ndarray:
    """An ``amount`` or ``purchase`` column for ``_ki3``."""
    return to_amount(col, role) if role == "amount" else to_bool(col, role)


def decode_ids(codes: np.ndarray, labels: Sequence[Any] | None, dtype: Any = None) -> np.ndarray:
    """Original ids of codes: labels, or raw ids with their input dtype back (int64 when the
    dtype is unknown and the ids fit, as for states loaded from a file, Node or Rust)."""
    if labels is not None:
        return _objects(labels)[np.asarray(codes, dtype=np.int64)]
    if dtype is None:
        fits = not codes.size or int(codes.max()) <= _INT64_MAX
        dtype = "int64" if fits else "uint64"
    return codes.astype(dtype)


def _objects(labels: Sequence[Any]) -> np.ndarray:
    out = np.empty(len(labels), dtype=object)
    out[:] = list(labels)
    return out


def _kind_dtype(col: Any) -> Any:
    dtype = _dtype(col)
    if isinstance(dtype, np.dtype):
        return dtype
    return getattr(dtype, "numpy_dtype", np.dtype(np.int64))


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def frame(
    index: np.ndarray | None, index_name: Any, columns: dict[str, Any], like_index: Any = None
) -> Any:
    """A pandas DataFrame (or, without pandas, a dict of arrays with the index first).

    The index is ``like_index`` if given, else ``index`` named ``index_name``, else a range.
    """
    pd = pandas()
    if pd is None:  # pragma: no cover
        return columns if index is None else {index_name: index, **columns}
    if like_index is None and index is not None:
        like_index = pd.Index(index, name=index_name)
    return pd.DataFrame(columns, index=like_index, copy=False)


def feature_columns(
    table: Sequence[tuple[str, np.ndarray, Any]], labels: Mapping[str, Sequence[Any]]
) -> dict[str, Any]:
    """Named feature columns. The core says which columns hold codes (``("values", role, _)``)
    or are about one code (``("share", role, code)``); for a role with labels, codes become
    labels (None where undefined) and share columns are named ``<role>_share_<label>``."""
    out: dict[str, Any] = {}
    books = {role: _objects(v) for role, v in labels.items()}
    for name, values, codes in table:
        book = None if codes is None else books.get(codes[1])
        if book is not None and codes[0] == "share":
            name = f"{codes[1]}_share_{book[codes[2]]}"
        elif book is not None:
            missing = np.isnan(values)
            ints = np.where(missing, 0, values).astype(np.int64)
            decoded = book[ints] if book.size else np.full(len(values), None)
            decoded[missing] = None
            values = decoded
        out[name] = values
    return out


def features_frame(
    customer: np.ndarray,
    table: Sequence[tuple[str, np.ndarray, Any]],
    labels: Mapping[str, Sequence[Any]],
    index_name: Any,
    id_dtype: Any = None,
) -> Any:
    """One-row-per-customer result of ``customer_features`` / ``FeatureAggregator.finish``
    (rows in the core's order: ascending codes, which follow the sorted ids)."""
    ids = decode_ids(customer, labels.get("customer"), id_dtype)
    return frame(ids, index_name, feature_columns(table, labels))


def renamed(err: Ki3Error, names: Mapping[str, Any]) -> Ki3Error:
    """``err`` with a message ``"<role>: ..."`` turned into ``"<role> (column '<name>'): ..."``
    when the user's column name differs from the role."""
    role, sep, rest = str(err).partition(":")
    name = names.get(role)
    if sep and name is not None and name != role:
        return type(err)(f"{role} (column {name!r}):{rest}")
    return err


def call(fn: Callable[..., Any], names: Mapping[str, Any], *args: Any, **kwargs: Any) -> Any:
    """Calls ``fn``; a core message about a role names the user's column too."""
    try:
        return fn(*args, **kwargs)
    except Ki3Error as err:
        raise renamed(err, names) from None
