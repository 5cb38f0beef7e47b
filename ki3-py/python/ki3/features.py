"""Customer features from event logs, point-in-time correct.

Every function takes the events as a pandas DataFrame, a polars DataFrame or a mapping of column
names to arrays, with the column names given as keyword arguments (``customer="user_id"``).
See :mod:`ki3._frame` for how columns are converted. The feature columns and their meaning are
listed in the README (and in ``ki3_core::features``); channel/category columns given as names
produce ``channel_share_<name>`` columns and names in ``preferred_channel`` / ``top_category``.
All counts are float64 (NaN where a feature is undefined, e.g. recency without purchases).
"""

from __future__ import annotations

import copy
import json
import os
from typing import Any

import numpy as np

from . import _ki3
from . import _typing as _t
from ._errors import InvalidInputError, Ki3Error
from ._frame import (
    CODED_ROLES,
    Encoders,
    call,
    check_unit,
    column,
    decode_ids,
    encode_chunk,
    families_arg,
    feature_columns,
    features_frame,
    frame,
    pandas,
    plain_column,
    renamed,
    to_amount,
    to_tick,
    to_ticks,
    windows_arg,
)
from ._load import _register_loader

__all__ = [
    "SEGMENTS",
    "FeatureAggregator",
    "customer_features",
    "historical_features",
    "rfm_scores",
    "rfm_summary",
]


def __dir__() -> list[str]:
    """Only the public API (``__all__``) and the module's dunders (PEP 562)."""
    return sorted({*__all__, *(n for n in globals() if n.startswith("__") and n.endswith("__"))})


#: The core's default look-back windows (days), read from ``_ki3.core_defaults()``.
_CORE_DEFAULTS: dict[str, Any] = dict(_ki3.core_defaults())
DEFAULT_WINDOWS: tuple[int, ...] = tuple(_CORE_DEFAULTS["customer_features.windows"])
_DEFAULT_BINS: int = _CORE_DEFAULTS["rfm_scores.bins"]
_DEFAULT_FREQ_MULTIPLIER: int = _CORE_DEFAULTS["rfm_summary.freq_multiplier"]
#: RFM segment names, best first (the categories of ``rfm_scores(...)["segment"]``).
SEGMENTS: tuple[str, ...] = tuple(_ki3.SEGMENTS)

# LEGACY: the Python-only envelope that FeatureAggregator.save wrote before the dictionaries
# moved into the core state; still read by FeatureAggregator.from_json and ki3.load.
_LEGACY_FORMAT = "ki3-py"
_LEGACY_KIND = "FeatureAggregator"
_LEGACY_VERSION = 1


def _names(customer: Any, timestamp: Any, **optional: Any) -> dict[str, Any]:
    """Role -> column name for the columns the caller gave."""
    names = {"customer": customer, "timestamp": timestamp}
    names.update({role: name for role, name in optional.items() if name is not None})
    return names


def customer_features(
    events: _t.FrameLike,
    *,
    customer: _t.ColumnName,
    timestamp: _t.ColumnName,
    amount: _t.ColumnName | None = None,
    purchase: _t.ColumnName | None = None,
    channel: _t.ColumnName | None = None,
    category: _t.ColumnName | None = None,
    session: _t.ColumnName | None = None,
    as_of: _t.TimeLike,
    windows: _t.Windows = DEFAULT_WINDOWS,
    families: _t.Families | None = None,
    time_unit: str | None = None,
) -> _t.DataFrame:
    """Features of every customer with an event at or before ``as_of``.

    Parameters
    ----------
    events : pandas.DataFrame, polars.DataFrame or mapping of arrays
        The event log, one row per event (any row order).
    customer, timestamp, amount, purchase, channel, category, session : column names
        ``customer`` and ``timestamp`` are required; the others enable more features.
    as_of : datetime-like or int
        Point in time; events after it never count. Integers are in the timestamps' unit.
    windows : sequence of int
        Look-back windows in days, each covering ``(as_of - w days, as_of]``.
    families : sequence of str, optional
        Any of ``"core", "windows", "channel", "category", "session"``; default: all that the
        given columns support.
    time_unit : {"D", "s", "ms", "us", "ns"}, optional
        Unit of integer timestamps (default ``"s"``); with datetime64 columns, the unit to
        convert to (default: the column's own).

    Returns
    -------
    pandas.DataFrame
        One row per customer (ascending id), indexed by the original ids (index name = the
        customer column name). Empty when no event is at or before ``as_of``.
    """
    names = _names(
        customer, timestamp, amount=amount, purchase=purchase, channel=channel,
        category=category, session=session,
    )
    enc = Encoders(time_unit)
    cols = enc.prepare(events, names)
    unit = enc.unit or "s"
    tick = to_tick(as_of, unit, "as_of")
    ids, table = call(
        _ki3.customer_features, names, cols, unit, tick, windows_arg(windows),
        families_arg(families),
    )
    return features_frame(ids, table, enc.labels(), customer, enc.raw_dtype["customer"])


def historical_features(
    events: _t.FrameLike,
    labels: _t.FrameLike,
    *,
    customer: _t.ColumnName,
    timestamp: _t.ColumnName,
    label_time: _t.ColumnName,
    label_customer: _t.ColumnName | None = None,
    amount: _t.ColumnName | None = None,
    purchase: _t.ColumnName | None = None,
    channel: _t.ColumnName | None = None,
    category: _t.ColumnName | None = None,
    session: _t.ColumnName | None = None,
    windows: _t.Windows = DEFAULT_WINDOWS,
    families: _t.Families | None = None,
    time_unit: str | None = None,
) -> _t.DataFrame:
    """Training-set features: each label row gets its customer's features as of its time.

    Only events at or before the label's time count (no leakage). A label whose customer has
    no earlier event gets zero counts and NaN for undefined features.

    Parameters
    ----------
    events : pandas.DataFrame, polars.DataFrame or mapping of arrays
        The event log (columns as in :func:`customer_features`).
    labels : pandas.DataFrame, polars.DataFrame or mapping of arrays
        One row per (customer, time) to compute features for.
    label_time : column name in ``labels``
        Datetime-likes (converted to the events' unit) or integers in the events' unit.
    label_customer : column name in ``labels``, optional
        Defaults to ``customer``.
    customer, timestamp, amount, purchase, channel, category, session, windows, families, \
time_unit
        As in :func:`customer_features`.

    Returns
    -------
    pandas.DataFrame
        Rows aligned with ``labels`` (same index for a pandas ``labels``), holding the label's
        customer and time columns followed by the features.
    """
    names = _names(
        customer, timestamp, amount=amount, purchase=purchase, channel=channel,
        category=category, session=session,
    )
    label_customer = customer if label_customer is None else label_customer
    label_ids = column(labels, label_customer, "label_customer", "labels")
    label_times = column(labels, label_time, "label_time", "labels")
    enc = Encoders(time_unit)
    enc.decide("customer", [column(events, customer, "customer"), label_ids])
    cols = enc.prepare(events, names)
    unit = enc.unit or "s"
    times, _ = to_ticks(label_times, "label_time", unit)
    codes = enc.encode("customer", label_ids).astype(np.uint64)
    _, table = call(
        _ki3.historical_features, names, cols, unit, codes, times, windows_arg(windows),
        families_arg(families),
    )
    columns: dict[Any, Any] = {
        label_customer: _values(label_ids),
        label_time: _values(label_times),
        **feature_columns(table, enc.labels()),
    }
    like = getattr(labels, "index", None) if hasattr(labels, "columns") else None
    return frame(None, None, columns, like_index=like)


def _values(col: Any) -> Any:
    """A column's values without its pandas index (so DataFrame construction does not align)."""
    return col.array if hasattr(col, "array") else col


def rfm_summary(
    events: _t.FrameLike,
    *,
    customer: _t.ColumnName,
    timestamp: _t.ColumnName,
    amount: _t.ColumnName | None = None,
    purchase: _t.ColumnName | None = None,
    observation_end: _t.TimeLike,
    freq: str = "D",
    freq_multiplier: int = _DEFAULT_FREQ_MULTIPLIER,
    time_unit: str | None = None,
) -> _t.DataFrame:
    """Frequency / recency / T (/ monetary value) per customer, as lifetimes'
    ``summary_data_from_transaction_data`` computes them.

    Only purchase rows count (all rows without ``purchase``). Timestamps are floored to their
    ``freq`` period (UTC days, Monday-based weeks or calendar months); purchases in periods
    after ``observation_end``'s are ignored and purchases within one period merge.

    Parameters
    ----------
    events : pandas.DataFrame, polars.DataFrame or mapping of arrays
        The event log.
    customer, timestamp, amount, purchase : column names
        ``amount`` adds ``monetary_value`` (mean spend of the repeat periods, 0 without any).
    observation_end : datetime-like or int
        End of the observation period (integers in the timestamps' unit).
    freq : {"D", "W", "M"}
        Period length.
    freq_multiplier : int
        Recency and T are in units of ``freq_multiplier`` periods (``"D"`` with 7: weeks).
    time_unit : {"D", "s", "ms", "us", "ns"}, optional
        As in :func:`customer_features`.

    Returns
    -------
    pandas.DataFrame
        Columns ``frequency, recency, T`` (and ``monetary_value``), indexed by customer id
        (ascending); customers without a purchase by ``observation_end`` are absent.
    """
    names = _names(customer, timestamp, amount=amount, purchase=purchase)
    if not isinstance(freq, str):
        raise InvalidInputError(f"freq: expected 'D', 'W' or 'M', got {freq!r}")
    multiplier = _int_arg(freq_multiplier, "freq_multiplier", 1, 2**32 - 1)
    enc = Encoders(time_unit)
    cols = enc.prepare(events, names)
    unit = enc.unit or "s"
    end = to_tick(observation_end, unit, "observation_end")
    ids, out = call(_ki3.rfm_summary, names, cols, unit, end, freq, multiplier)
    book = enc.books["customer"]
    ids = decode_ids(ids, None if book is None else book.labels, enc.raw_dtype["customer"])
    return frame(ids, customer, out)


def rfm_scores(summary: _t.FrameLike, bins: int = _DEFAULT_BINS) -> _t.DataFrame:
    """RFM scores and segments from an :func:`rfm_summary` result.

    R ranks ``T - recency`` (more recent is better), F ranks ``frequency`` and M ranks
    ``monetary_value``; each score is ``1 + floor(bins * worse / n)`` where ``worse`` counts
    customers with a strictly worse value, so ties share a score and the result does not depend
    on row order. A tied group at the bottom that is larger than one bin (more than
    ``n / bins`` customers; typically the one-time buyers, ``frequency == 0`` and
    ``monetary_value == 0``) gets 1 alone, and the others are scored among themselves into
    ``2..bins`` by the same rules (so frequency is scored among repeat buyers, and their own
    heavy bottom group, one repeat purchase, gets 2 alone when it is larger than one of the 4
    bins left, and so on). The segment comes from R and F scored this way on the 1..5 scale,
    whatever ``bins`` is (see :data:`SEGMENTS`), so every segment is reached on a typical
    shop. The exact formula is in the documentation of the Rust core (``ki3_core::rfm``).

    A summary without ``monetary_value`` scores M from zeros: every customer gets ``M = 1``
    (segments use only R and F). An empty summary gives an empty result.

    Parameters
    ----------
    summary : pandas.DataFrame, polars.DataFrame or mapping of arrays
        Columns ``frequency``, ``recency``, ``T`` and optionally ``monetary_value``.
    bins : int
        Number of score levels, 2 to 100.

    Returns
    -------
    pandas.DataFrame
        Columns ``R, F, M, rfm_score`` (int64) and ``segment`` (Categorical with the
        categories :data:`SEGMENTS`), with the index of ``summary``.
    """
    bins = _int_arg(bins, "bins", 2, 100)
    values: dict[str, Any] = {}
    for name in ("frequency", "recency", "T", "monetary_value"):
        has = not (name == "monetary_value" and not _has_column(summary, name))
        values[name] = to_amount(column(summary, name, name, "summary"), name) if has else None
    like = getattr(summary, "index", None) if hasattr(summary, "columns") else None
    out = call(
        _ki3.rfm_scores, {"t": "T"}, values["frequency"], values["recency"], values["T"],
        values["monetary_value"], bins,
    )
    columns: dict[str, Any] = {k: out[k].astype(np.int64) for k in ("R", "F", "M", "rfm_score")}
    pd = pandas()
    codes = out["segment"].astype(np.int64)
    if pd is not None:
        columns["segment"] = pd.Categorical.from_codes(codes, categories=list(SEGMENTS))
    else:  # pragma: no cover
        columns["segment"] = np.asarray(SEGMENTS, dtype=object)[codes]
    return frame(None, None, columns, like_index=like)


def _has_column(data: Any, name: str) -> bool:
    cols = data.columns if hasattr(data, "columns") else data
    try:
        return name in cols
    except TypeError:
        return False


def _int_arg(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise InvalidInputError(f"{name}: expected an integer, got {value!r}")
    if not low <= int(value) <= high:
        raise InvalidInputError(f"{name}: must be in [{low}, {high}], got {value}")
    return int(value)


class FeatureAggregator:
    """Customer features from event chunks ingested in any order and merged across workers.

    ``finish(as_of)`` gives exactly what :func:`customer_features` gives on all chunks at once.
    The column names are given once, here; every chunk uses them. One aggregator can be updated
    from several threads at once.

    Ids, channels, categories and sessions given as names are coded through the core's
    dictionaries, which live in the state: :meth:`to_json` / :meth:`save` write the core JSON
    (with the dictionaries and the column names) that Node's and Rust's ``FeatureAggregator``
    read, and merges translate the dictionaries.

    Parameters
    ----------
    customer, timestamp, amount, purchase, channel, category, session : column names
        As in :func:`customer_features`.
    time_unit : {"D", "s", "ms", "us", "ns"}, optional
        Unit of the state's timestamps; by default the first chunk's (datetime64 columns keep
        their unit, integers are seconds). Later chunks are converted to it.
    """

    def __init__(
        self,
        *,
        customer: _t.ColumnName,
        timestamp: _t.ColumnName,
        amount: _t.ColumnName | None = None,
        purchase: _t.ColumnName | None = None,
        channel: _t.ColumnName | None = None,
        category: _t.ColumnName | None = None,
        session: _t.ColumnName | None = None,
        time_unit: str | None = None,
    ) -> None:
        names = _names(
            customer, timestamp, amount=amount, purchase=purchase, channel=channel,
            category=category, session=session,
        )
        self._init(_ki3.FeatureAggregator(), names, check_unit(time_unit), {})
        self._save_names()

    def _init(
        self, native: Any, names: dict[str, Any], unit: str | None, raw_dtype: dict[str, str]
    ) -> None:
        self._native = native
        self._names = names
        self._unit = unit  # the requested unit (the state's own once it has events)
        self._raw_dtype = raw_dtype  # numpy dtype of raw integer ids, restored on output

    def _save_names(self) -> None:
        """Keeps the column names in the core state when they are not the role names (a state
        without names loads with columns named after their roles); names that JSON cannot
        hold stay here."""
        if all(name == role for role, name in self._names.items()):
            return
        try:
            self._native.set_column_names(self._names)
        except Ki3Error:
            pass

    @property
    def n_events(self) -> int:
        """Number of events ingested."""
        return int(self._native.n_events)

    @property
    def columns(self) -> dict[str, _t.ColumnName]:
        """Role -> column name mapping given at construction."""
        return dict(self._names)

    def _time_unit(self) -> str | None:
        return self._unit or self._native.time_unit

    def update(self, chunk: _t.FrameLike) -> FeatureAggregator:
        """Ingests a chunk of events (a rejected chunk leaves the state unchanged).

        Parameters
        ----------
        chunk : pandas.DataFrame, polars.DataFrame or mapping of arrays
            Events with the columns named at construction.

        Returns
        -------
        FeatureAggregator
            ``self``.
        """
        unit = self._time_unit()
        has_schema = self._native.time_unit is not None
        label_roles = set(self._native.label_columns()) if has_schema else set()
        cols: dict[str, np.ndarray] = {}
        labels: dict[str, list[Any]] = {}
        raw_dtype: dict[str, str] = {}
        for role, name in self._names.items():
            col = column(chunk, name, role)
            try:
                if role == "timestamp":
                    cols[role], unit = to_ticks(col, role, unit)
                elif role in CODED_ROLES:
                    forced = True if role in label_roles else (False if has_schema else None)
                    cols[role], chunk_labels = encode_chunk(col, role, forced)
                    if chunk_labels is None:
                        raw_dtype[role] = _int_dtype(col)
                    else:
                        labels[role] = chunk_labels
                else:
                    cols[role] = plain_column(col, role)
            except InvalidInputError as err:
                raise renamed(err, {role: name}) from None
        call(self._native.update, self._names, cols, unit or "s", labels)
        for role, dtype in raw_dtype.items():
            self._raw_dtype.setdefault(role, dtype)
        return self

    def merge(self, other: FeatureAggregator) -> FeatureAggregator:
        """Adds everything ``other`` has ingested (its dictionaries are translated).

        Returns
        -------
        FeatureAggregator
            ``self``.
        """
        if not isinstance(other, FeatureAggregator):
            raise TypeError(f"can only merge a FeatureAggregator, not {type(other).__name__}")
        call(self._native.merge, self._names, other._native)
        for role, dtype in other._raw_dtype.items():
            self._raw_dtype.setdefault(role, dtype)
        return self

    def finish(
        self,
        as_of: _t.TimeLike,
        windows: _t.Windows = DEFAULT_WINDOWS,
        families: _t.Families | None = None,
    ) -> _t.DataFrame:
        """Features of everything ingested, exactly as :func:`customer_features` gives them.

        Parameters
        ----------
        as_of, windows, families
            As in :func:`customer_features`.

        Returns
        -------
        pandas.DataFrame
            One row per customer, indexed by the original ids.
        """
        tick = to_tick(as_of, self._time_unit() or "s", "as_of")
        ids, table, labels = call(
            self._native.finish, self._names, tick, windows_arg(windows), families_arg(families)
        )
        return features_frame(
            ids, table, labels, self._names["customer"], self._raw_dtype.get("customer")
        )

    def copy(self) -> FeatureAggregator:
        """An independent copy."""
        new = FeatureAggregator.__new__(FeatureAggregator)
        new._init(copy.copy(self._native), dict(self._names), self._unit, dict(self._raw_dtype))
        return new

    # --- persistence -------------------------------------------------------------------------

    def core_json(self) -> str:
        """The state as the core's ki3 JSON (what Node and Rust load); same as :meth:`to_json`."""
        return str(self._native.to_json())

    def to_json(self) -> str:
        """The state as the core's ki3 JSON: events, dictionaries and column names."""
        return self.core_json()

    @classmethod
    def from_json(cls, text: str) -> FeatureAggregator:
        """Loads :meth:`to_json` output (also from Node or Rust; a state without column names
        gets columns named after their roles), or a legacy ``"ki3-py"`` envelope."""
        if '"ki3-py"' in text:
            try:
                doc = json.loads(text)
            except (TypeError, ValueError) as err:
                raise InvalidInputError(f"corrupt saved state: not JSON: {err}") from None
            if isinstance(doc, dict) and doc.get("format") == _LEGACY_FORMAT:
                return _legacy_restore(doc, json.dumps(doc.get("aggregator")))
        return cls._wrap(_ki3.FeatureAggregator.from_json(text))

    @classmethod
    def _wrap(cls, native: Any) -> FeatureAggregator:
        """The Python aggregator over a native one loaded from JSON."""
        names = dict(native.column_names())
        if not names:
            names = {role: role for role in native.columns()[0]}
        agg = cls.__new__(cls)
        agg._init(native, names, native.time_unit, {})
        return agg

    def save(self, path: str | os.PathLike[str]) -> None:
        """Writes :meth:`to_json` to ``path``; read it back with :func:`ki3.load`."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_json())

    def __getstate__(self) -> dict[str, Any]:
        return {
            "core": self.core_json(),
            "columns": self._names,
            "time_unit": self._unit,
            "raw_dtype": self._raw_dtype,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        if "meta" in state:  # LEGACY: pickles of the "ki3-py" envelope
            other = _legacy_restore(state["meta"], state["core"])
            self.__dict__.update(other.__dict__)
            return
        native = _ki3.FeatureAggregator.from_json(state["core"])
        self._init(native, dict(state["columns"]), state["time_unit"], dict(state["raw_dtype"]))

    def __copy__(self) -> FeatureAggregator:
        return self.copy()

    def __deepcopy__(self, memo: dict[int, Any]) -> FeatureAggregator:
        return self.copy()

    def __repr__(self) -> str:
        cols = ", ".join(f"{k}={v!r}" for k, v in self._names.items())
        return f"FeatureAggregator({cols}; n_events={self.n_events})"


def _int_dtype(col: Any) -> str:
    dtype = getattr(col, "dtype", None)
    numpy_dtype = getattr(dtype, "numpy_dtype", dtype)
    if isinstance(numpy_dtype, np.dtype):
        return numpy_dtype.str
    try:
        return np.dtype(str(dtype).lower()).str  # polars Int32, UInt64, ...
    except TypeError:
        return np.dtype(np.int64).str


def _legacy_restore(meta: Any, core: str) -> FeatureAggregator:
    """LEGACY reader of the ``{"format": "ki3-py"}`` envelope (dictionaries outside the core
    state): the core state gets the envelope's dictionaries through ``with_dictionaries``."""
    if not isinstance(meta, dict) or (meta.get("kind"), meta.get("version")) != (
        _LEGACY_KIND, _LEGACY_VERSION,
    ):
        got = meta.get("kind") if isinstance(meta, dict) else None
        raise InvalidInputError(
            f"corrupt saved state: expected kind {_LEGACY_KIND!r} version {_LEGACY_VERSION}, got "
            f"{got!r}"
        )
    names = meta.get("columns")
    if not isinstance(names, dict) or not {"customer", "timestamp"} <= set(names):
        raise InvalidInputError("corrupt saved state: bad column names")
    native = _ki3.FeatureAggregator.from_json(core)
    labels: dict[str, list[Any]] = {}
    raw_dtype: dict[str, str] = {}
    try:
        encoders = meta["encoders"]
        unit = check_unit(encoders["time_unit"])
        for role, spec in encoders["roles"].items():
            if role not in CODED_ROLES:
                raise InvalidInputError(f"unknown role {role!r}")
            if spec is None:
                continue
            if spec["mode"] == "codes":
                labels[role] = list(spec["labels"])
            elif spec["mode"] == "raw":
                if spec.get("dtype") is not None:
                    raw_dtype[role] = np.dtype(spec["dtype"]).str
            else:
                raise InvalidInputError(f"unknown mode {spec['mode']!r}")
    except (KeyError, TypeError, AttributeError, ValueError) as err:
        raise InvalidInputError(f"corrupt saved state: bad dictionaries ({err})") from None
    if native.n_events and unit != native.time_unit:
        raise InvalidInputError("corrupt saved state: time unit does not match the state")
    if native.time_unit is not None and labels:
        cols, _ = native.columns()
        for role, book in labels.items():
            codes = cols.get(role)
            if codes is not None and codes.size and int(codes.max()) >= len(book):
                raise InvalidInputError(f"corrupt saved state: {role} code out of range")
        try:
            native.attach_dictionaries({r: b for r, b in labels.items() if r in cols})
        except Ki3Error as err:
            raise InvalidInputError(f"corrupt saved state: {err}") from None
    agg = FeatureAggregator.__new__(FeatureAggregator)
    agg._init(native, dict(names), unit, raw_dtype)
    agg._save_names()
    return agg


_register_loader(_ki3.FeatureAggregator, FeatureAggregator._wrap)
