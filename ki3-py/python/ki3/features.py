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
from ._errors import InvalidInputError
from ._frame import (
    CODED_ROLES,
    RAW,
    Codebook,
    Encoders,
    call,
    column,
    families_arg,
    feature_columns,
    features_frame,
    frame,
    pandas,
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


DEFAULT_WINDOWS = (7, 30, 90, 365)
#: RFM segment names, best first (the categories of ``rfm_scores(...)["segment"]``).
SEGMENTS: tuple[str, ...] = tuple(_ki3.SEGMENTS)

_FORMAT = "ki3-py"
_KIND = "FeatureAggregator"
_VERSION = 1


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
    return features_frame(ids, table, enc, customer)


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
    label_ids = column(labels, label_customer, "label_customer")
    label_times = column(labels, label_time, "label_time")
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
        **feature_columns(table, enc),
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
    freq_multiplier: int = 1,
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
    return frame(enc.decode_ids("customer", ids), customer, out)


def rfm_scores(summary: _t.FrameLike, bins: int = 5) -> _t.DataFrame:
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
        values[name] = to_amount(column(summary, name, name), name) if has else None
    n = len(values["frequency"])
    if values["monetary_value"] is None:
        values["monetary_value"] = np.zeros(n)
    like = getattr(summary, "index", None) if hasattr(summary, "columns") else None
    if n == 0:
        out = {k: np.zeros(0, np.uint8) for k in ("R", "F", "M", "rfm_score", "segment")}
    else:
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
    The column names are given once, here; every chunk uses them.

    Ids, channels and categories given as names are coded through dictionaries that this object
    keeps (and saves, pickles and merges). The core JSON of :meth:`core_json` - what Node's and
    Rust's ``FeatureAggregator.fromJson`` read - holds integer codes only; :meth:`to_json` and
    :meth:`save` write a ``"ki3-py"`` wrapper with the dictionaries and the core state inside.

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
        self._names = _names(
            customer, timestamp, amount=amount, purchase=purchase, channel=channel,
            category=category, session=session,
        )
        self._enc = Encoders(time_unit)
        self._native = _ki3.FeatureAggregator()

    @property
    def n_events(self) -> int:
        """Number of events ingested."""
        return int(self._native.n_events)

    @property
    def columns(self) -> dict[str, _t.ColumnName]:
        """Role -> column name mapping given at construction."""
        return dict(self._names)

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
        state = self._enc.checkpoint()
        try:
            cols = self._enc.prepare(chunk, self._names)
            call(self._native.update, self._names, cols, self._enc.unit or "s")
        except BaseException:
            self._enc.rollback(state)
            raise
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
        if other is self:
            other = self.copy()
        if other._native.n_events == 0:  # the identity (the core still checks the schema)
            call(self._native.merge, self._names, other._native)
            return self
        state = self._enc.checkpoint()
        try:
            maps = self._translate(other._enc)
            if self._enc.unit is None:
                self._enc.unit = other._enc.unit
            if not maps:
                call(self._native.merge, self._names, other._native)
            else:
                cols, unit = other._native.columns()
                for role, lookup in maps.items():
                    cols[role] = lookup[cols[role].astype(np.int64)].astype(cols[role].dtype)
                call(self._native.update, self._names, cols, unit)
        except BaseException:
            self._enc.rollback(state)
            raise
        return self

    def _translate(self, theirs: Encoders) -> dict[str, np.ndarray]:
        """Adopts or checks ``theirs``' encodings; code maps for roles that need re-coding."""
        maps = {}
        for role in CODED_ROLES:
            mine, other = self._enc.books[role], theirs.books[role]
            if other is None:
                continue
            if mine is None:
                mine = self._enc.books[role] = Codebook() if isinstance(other, Codebook) else RAW
                self._enc.raw_dtype[role] = theirs.raw_dtype[role]
            if (mine == RAW) != (other == RAW):
                raise InvalidInputError(
                    f"{role}: one aggregator has integer codes and the other has names; "
                    "they cannot be merged"
                )
            if isinstance(mine, Codebook) and isinstance(other, Codebook):
                lookup = np.fromiter(
                    (mine.code(v) for v in other.labels), dtype=np.int64, count=len(other.labels)
                )
                if not np.array_equal(lookup, np.arange(len(lookup))):
                    maps[role] = lookup
        return maps

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
        unit = self._enc.unit or "s"
        tick = to_tick(as_of, unit, "as_of")
        windows, families = windows_arg(windows), families_arg(families)
        enc, maps = self._enc.sorted_view()
        if not maps:
            ids, table = call(self._native.finish, self._names, tick, windows, families)
        else:  # names arrived out of sorted order: re-code so ties break as in one shot
            cols, unit = self._native.columns()
            for role, lookup in maps.items():
                cols[role] = lookup[cols[role].astype(np.int64)].astype(np.uint32)
            ids, table = call(
                _ki3.customer_features, self._names, cols, unit, tick, windows, families
            )
        return features_frame(ids, table, enc, self._names["customer"])

    def copy(self) -> FeatureAggregator:
        """An independent copy."""
        new = FeatureAggregator.__new__(FeatureAggregator)
        new._names = dict(self._names)
        new._enc = copy.deepcopy(self._enc)
        new._native = copy.copy(self._native)
        return new

    # --- persistence -------------------------------------------------------------------------

    def core_json(self) -> str:
        """The core state as ki3 JSON (integer codes only): what Node and Rust load."""
        return str(self._native.to_json())

    def _meta(self) -> dict[str, Any]:
        return {
            "format": _FORMAT,
            "kind": _KIND,
            "version": _VERSION,
            "columns": self._names,
            "encoders": self._enc.to_dict(),
        }

    def to_json(self) -> str:
        """The state with its dictionaries as JSON (``{"format": "ki3-py", ...}``)."""
        doc = self._meta()
        doc["aggregator"] = json.loads(self.core_json())
        return json.dumps(doc, allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> FeatureAggregator:
        """Loads :meth:`to_json` output, or a core JSON state (from :meth:`core_json`, Node
        or Rust; its columns are then named after their roles and hold integer codes)."""
        try:
            doc = json.loads(text)
        except (TypeError, ValueError) as err:
            raise InvalidInputError(f"corrupt saved state: not JSON: {err}") from None
        if isinstance(doc, dict) and doc.get("format") == _FORMAT:
            core = json.dumps(doc.get("aggregator"))
            return cls._restore(doc, core)
        return cls._restore(None, text)

    @classmethod
    def _restore(cls, meta: Any, core: str) -> FeatureAggregator:
        native = _ki3.FeatureAggregator.from_json(core)
        cols, unit = native.columns()
        if meta is None:
            names = {role: role for role in cols}
            enc = Encoders(unit if native.n_events else None)
            for role in CODED_ROLES:
                if role in cols and native.n_events:
                    enc.books[role] = RAW
        else:
            if meta.get("kind") != _KIND or meta.get("version") != _VERSION:
                raise InvalidInputError(
                    f"corrupt saved state: expected kind {_KIND!r} version {_VERSION}, got "
                    f"{meta.get('kind')!r} version {meta.get('version')!r}"
                )
            names = meta.get("columns")
            if not isinstance(names, dict) or not {"customer", "timestamp"} <= set(names):
                raise InvalidInputError("corrupt saved state: bad column names")
            enc = Encoders.from_dict(meta.get("encoders"))
            if native.n_events and enc.unit != unit:
                raise InvalidInputError("corrupt saved state: time unit does not match the state")
            for role, book in enc.books.items():
                codes = cols.get(role)
                known = len(book.labels) if isinstance(book, Codebook) else None
                if known is not None and codes is not None and codes.size and codes.max() >= known:
                    raise InvalidInputError(f"corrupt saved state: {role} code out of range")
        agg = cls.__new__(cls)
        agg._names, agg._enc, agg._native = names, enc, native
        return agg

    def save(self, path: str | os.PathLike[str]) -> None:
        """Writes :meth:`to_json` to ``path``; read it back with :func:`ki3.load`."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_json())

    def __getstate__(self) -> dict[str, Any]:
        return {"meta": self._meta(), "core": self.core_json()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        other = self._restore(state["meta"], state["core"])
        self.__dict__.update(other.__dict__)

    def __copy__(self) -> FeatureAggregator:
        return self.copy()

    def __repr__(self) -> str:
        cols = ", ".join(f"{k}={v!r}" for k, v in self._names.items())
        return f"FeatureAggregator({cols}; n_events={self.n_events})"


_register_loader(_ki3.FeatureAggregator, lambda native: FeatureAggregator._restore(None, native.to_json()))
