"""The one place where user tables become numpy columns for ``ki3._ki3`` and results become
DataFrames again.

Inputs: pandas DataFrames, polars DataFrames, or mappings of column names to arrays (numpy,
lists, pandas or polars Series). Conversions, per role:

* ``customer``, ``session``: non-negative integers pass through as uint64; anything else
  (strings, negative integers, floats, Categoricals) is coded through a :class:`Codebook` and
  mapped back on output.
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
_LIMIT = {"customer": 2**64 - 1, "session": 2**64 - 1, "channel": 2**32 - 1, "category": 2**32 - 1}
_DTYPE = {"customer": np.uint64, "session": np.uint64, "channel": np.uint32, "category": np.uint32}


def pandas() -> Any:
    """The pandas module, or None when it is not installed."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a dependency
        return None
    return pd


def _is_pandas(obj: Any, name: str) -> bool:
    pd = pandas()
    return pd is not None and isinstance(obj, getattr(pd, name))


def _is_polars(obj: Any) -> bool:
    return type(obj).__module__.split(".")[0] == "polars"


# --------------------------------------------------------------------------------------------
# Column access
# --------------------------------------------------------------------------------------------


def column(data: Any, name: Any, role: str) -> Any:
    """Column ``name`` of ``data`` as a pandas Series or a 1-d numpy array."""
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
        "events must be a pandas DataFrame, a polars DataFrame or a mapping of column names to "
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
    return int(stamp.astype(f"datetime64[{unit}]").astype(np.int64))


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
# Codebooks and encoders
# --------------------------------------------------------------------------------------------


class Codebook:
    """Values <-> integer codes, growing as new values arrive (codes never change)."""

    def __init__(self, labels: Sequence[Any] = ()) -> None:
        self.labels: list[Any] = []
        self._index: dict[Any, int] = {}
        self._ranks: np.ndarray | None = None
        for label in labels:
            self.code(label)
        if len(self.labels) != len(labels):
            raise InvalidInputError("corrupt saved state: duplicate dictionary labels")

    def code(self, label: Any) -> int:
        """The code of ``label`` (a new code if it is new)."""
        code = self._index.get(label)
        if code is None:
            code = self._index[label] = len(self.labels)
            self.labels.append(label)
            self._ranks = None
        return code

    def encode(self, col: Any, role: str) -> np.ndarray:
        """Codes of the values of ``col``; new values get new codes in their sorted order."""
        codes, labels = factorize(col, role)
        lookup = np.fromiter((self.code(v) for v in labels), dtype=np.int64, count=len(labels))
        return lookup[codes] if lookup.size else codes

    def truncate(self, n: int) -> None:
        """Forgets the labels added after the first ``n``."""
        for label in self.labels[n:]:
            del self._index[label]
        del self.labels[n:]
        self._ranks = None

    def ranks(self) -> np.ndarray:
        """Position of each code's label in sorted label order (identity if unsortable)."""
        if self._ranks is None:
            labels = np.empty(len(self.labels), dtype=object)
            labels[:] = self.labels
            pd = pandas()
            try:
                if pd is not None:
                    ranks = pd.factorize(labels, sort=True)[0]
                else:  # pragma: no cover
                    ranks = np.argsort(np.argsort(labels, kind="stable"), kind="stable")
            except TypeError:
                ranks = np.arange(len(self.labels))
            self._ranks = np.asarray(ranks, dtype=np.int64)
        return self._ranks

    def sorted(self) -> tuple[Codebook, np.ndarray]:
        """A codebook of the same labels in sorted order and the map old code -> new code."""
        ranks = self.ranks()
        labels: list[Any] = [None] * len(self.labels)
        for label, r in zip(self.labels, ranks.tolist()):
            labels[r] = label
        return Codebook(labels), ranks

    def is_sorted(self) -> bool:
        return bool(np.all(self.ranks() == np.arange(len(self.labels))))

    def decode(self, codes: np.ndarray) -> np.ndarray:
        labels = np.empty(len(self.labels), dtype=object)
        labels[:] = self.labels
        return labels[np.asarray(codes, dtype=np.int64)]


RAW = "raw"


class Encoders:
    """How each role is encoded (raw integers or a :class:`Codebook`) and the time unit.

    A fresh instance serves one call; a :class:`~ki3.features.FeatureAggregator` keeps one for
    its lifetime so that chunks are coded consistently.
    """

    def __init__(self, time_unit: str | None = None) -> None:
        if time_unit is not None and time_unit not in UNITS:
            raise InvalidInputError(
                f"time_unit: unknown unit {time_unit!r}; use one of {', '.join(UNITS)}"
            )
        self.unit = time_unit
        self.books: dict[str, Codebook | str | None] = dict.fromkeys(CODED_ROLES)
        # numpy dtype of raw integer ids, to restore on output.
        self.raw_dtype: dict[str, str | None] = dict.fromkeys(CODED_ROLES)

    # --- encoding ----------------------------------------------------------------------------

    def decide(self, role: str, cols: Sequence[Any]) -> list[np.ndarray | None]:
        """Fixes the encoding of ``role`` from the columns that will be encoded with it; returns
        the raw codes of ``cols`` when this call checked them (empty when already decided)."""
        if self.books[role] is not None:
            return []
        raws = [raw_codes(c, role) for c in cols]
        if all(r is not None for r in raws):
            self.books[role] = RAW
            self.raw_dtype[role] = np.dtype(_kind_dtype(cols[0])).str
        else:
            self.books[role] = Codebook()
        return raws

    def encode(self, role: str, col: Any) -> np.ndarray:
        """Codes of ``col`` for ``role`` (deciding the encoding on first use)."""
        checked = self.decide(role, [col])
        book = self.books[role]
        if book == RAW:
            raw = checked[0] if checked else raw_codes(col, role)
            if raw is None:
                limit = "2**32" if role in ("channel", "category") else "2**64"
                raise InvalidInputError(
                    f"{role}: expected integers 0 <= x < {limit} like the earlier data, got "
                    f"dtype {_dtype(col)} (or values out of range)"
                )
            return raw
        assert isinstance(book, Codebook)
        return book.encode(col, role).astype(_DTYPE[role])

    def prepare(self, data: Any, names: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """The event columns of ``data`` (roles -> column names in ``names``) for ``_ki3``."""
        out: dict[str, np.ndarray] = {}
        for role, name in names.items():
            col = column(data, name, role)
            try:
                if role == "timestamp":
                    out[role], self.unit = to_ticks(col, role, self.unit)
                elif role == "amount":
                    out[role] = to_amount(col, role)
                elif role == "purchase":
                    out[role] = to_bool(col, role)
                else:
                    out[role] = self.encode(role, col)
            except InvalidInputError as err:
                raise renamed(err, {role: name}) from None
        return out

    def checkpoint(self) -> Any:
        """State to restore with :meth:`rollback` if a later step fails."""
        sizes = {r: len(b.labels) for r, b in self.books.items() if isinstance(b, Codebook)}
        return self.unit, dict(self.books), dict(self.raw_dtype), sizes

    def rollback(self, state: Any) -> None:
        self.unit, self.books, self.raw_dtype, sizes = state
        for role, n in sizes.items():
            book = self.books[role]
            if isinstance(book, Codebook):
                book.truncate(n)

    # --- decoding ----------------------------------------------------------------------------

    def decode_ids(self, role: str, codes: np.ndarray) -> np.ndarray:
        """Original ids of codes (raw ids get their input dtype back)."""
        book = self.books[role]
        if isinstance(book, Codebook):
            return book.decode(codes)
        dtype = self.raw_dtype[role]
        if dtype is None:  # loaded from a core-only state: int64 when the ids fit
            fits = not codes.size or int(codes.max()) <= _INT64_MAX
            dtype = "int64" if fits else "uint64"
        return codes.astype(dtype)

    def sorted_view(self) -> tuple[Encoders, dict[str, np.ndarray]]:
        """Encoders whose channel/category codebooks are sorted, and the code maps to get there.

        Only the categorical roles are re-coded (their code order breaks ties); ids stay.
        """
        view = Encoders(self.unit)
        view.books = dict(self.books)
        view.raw_dtype = dict(self.raw_dtype)
        maps = {}
        for role in ("channel", "category"):
            book = self.books[role]
            if isinstance(book, Codebook) and not book.is_sorted():
                view.books[role], maps[role] = book.sorted()
        return view, maps

    # --- persistence -------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        roles: dict[str, Any] = {}
        for role, book in self.books.items():
            if isinstance(book, Codebook):
                roles[role] = {"mode": "codes", "labels": [_json_label(v) for v in book.labels]}
            elif book == RAW:
                roles[role] = {"mode": "raw", "dtype": self.raw_dtype[role]}
            else:
                roles[role] = None
        return {"time_unit": self.unit, "roles": roles}

    @classmethod
    def from_dict(cls, doc: Any) -> Encoders:
        try:
            enc = cls(doc["time_unit"])
            for role, spec in doc["roles"].items():
                if role not in CODED_ROLES:
                    raise InvalidInputError(f"unknown role {role!r}")
                if spec is None:
                    continue
                if spec["mode"] == "codes":
                    enc.books[role] = Codebook(list(spec["labels"]))
                elif spec["mode"] == "raw":
                    enc.books[role] = RAW
                    dtype = spec.get("dtype")
                    enc.raw_dtype[role] = None if dtype is None else np.dtype(dtype).str
                else:
                    raise InvalidInputError(f"unknown mode {spec['mode']!r}")
        except (KeyError, TypeError, AttributeError, ValueError) as err:
            raise InvalidInputError(f"corrupt saved state: bad dictionaries ({err})") from None
        return enc


def _kind_dtype(col: Any) -> Any:
    dtype = _dtype(col)
    if isinstance(dtype, np.dtype):
        return dtype
    return getattr(dtype, "numpy_dtype", np.dtype(np.int64))


def _json_label(value: Any) -> Any:
    if isinstance(value, (str, bool, int, float)) or value is None:
        return value
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot save dictionary label {value!r} of type {type(value).__name__} as JSON")


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
    names_values: Sequence[tuple[str, np.ndarray]], enc: Encoders
) -> dict[str, Any]:
    """Named feature columns with channel/category codes turned back into names."""
    out: dict[str, Any] = {}
    shares: dict[str, list[tuple[int, str, np.ndarray]]] = {"channel": [], "category": []}
    for name, values in names_values:
        for role, best in (("channel", "preferred_channel"), ("category", "top_category")):
            book = enc.books[role]
            if not isinstance(book, Codebook):
                continue
            prefix = f"{role}_share_"
            if name.startswith(prefix):
                code = int(name[len(prefix) :])
                shares[role].append((code, f"{prefix}{book.labels[code]}", values))
                name = ""
                break
            if name == best:
                codes = np.where(np.isnan(values), 0, values).astype(np.int64)
                labels = book.decode(codes) if book.labels else np.full(len(values), None)
                labels[np.isnan(values)] = None
                values = labels
                break
        if not name:
            continue
        if shares["channel"] and name == "preferred_channel":
            out.update(_ranked(shares["channel"], enc.books["channel"]))
        if shares["category"] and name == "top_category":
            out.update(_ranked(shares["category"], enc.books["category"]))
        out[name] = values
    return out


def _ranked(entries: list[tuple[int, str, np.ndarray]], book: Any) -> dict[str, np.ndarray]:
    ranks = book.ranks()
    return {name: values for _, name, values in sorted(entries, key=lambda e: ranks[e[0]])}


def features_frame(
    customer: np.ndarray,
    names_values: Sequence[tuple[str, np.ndarray]],
    enc: Encoders,
    index_name: Any,
    *,
    sort_rows: bool = True,
) -> Any:
    """One-row-per-customer result of ``customer_features`` / ``FeatureAggregator.finish``."""
    ids = enc.decode_ids("customer", customer)
    columns = feature_columns(names_values, enc)
    book = enc.books["customer"]
    if sort_rows and isinstance(book, Codebook) and not book.is_sorted():
        order = np.argsort(book.ranks()[customer.astype(np.int64)], kind="stable")
        ids = ids[order]
        columns = {k: np.asarray(v)[order] for k, v in columns.items()}
    return frame(ids, index_name, columns)


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
