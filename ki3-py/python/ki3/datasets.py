"""Synthetic data sets for demos, tests and benchmarks."""

from __future__ import annotations

from typing import Any, Literal, overload

import numpy as np

from . import _ki3
from . import _typing as _t
from ._errors import InvalidInputError
from ._frame import pandas, to_tick

__all__ = ["CATEGORIES", "CHANNELS", "MEDIA_CHANNELS", "synthetic_media", "synthetic_shop"]


def __dir__() -> list[str]:
    """Only the public API (``__all__``) and the module's dunders (PEP 562)."""
    return sorted({*__all__, *(n for n in globals() if n.startswith("__") and n.endswith("__"))})


#: Channel names; ``synthetic_shop(..., as_frame=False)["channel"]`` holds indices into this.
CHANNELS: tuple[str, ...] = tuple(_ki3.CHANNELS)
#: Product category names; ``as_frame=False`` category codes index this.
CATEGORIES: tuple[str, ...] = tuple(_ki3.CATEGORIES)
#: Paid media channels of :func:`synthetic_media`.
MEDIA_CHANNELS: tuple[str, ...] = tuple(_ki3.MEDIA_CHANNELS)


def _int(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise InvalidInputError(f"{name}: expected an integer, got {value!r}")
    if not low <= int(value) <= high:
        raise InvalidInputError(f"{name}: must be in [{low}, {high}], got {value}")
    return int(value)


@overload
def synthetic_shop(
    n_customers: int = ...,
    *,
    events_per_customer: float = ...,
    days: int = ...,
    start: _t.TimeLike = ...,
    seed: int = ...,
    as_frame: Literal[True] = ...,
) -> _t.DataFrame: ...


@overload
def synthetic_shop(
    n_customers: int = ...,
    *,
    events_per_customer: float = ...,
    days: int = ...,
    start: _t.TimeLike = ...,
    seed: int = ...,
    as_frame: Literal[False],
) -> dict[str, np.ndarray]: ...


@overload
def synthetic_shop(
    n_customers: int = ...,
    *,
    events_per_customer: float = ...,
    days: int = ...,
    start: _t.TimeLike = ...,
    seed: int = ...,
    as_frame: bool = ...,
) -> _t.DataFrame | dict[str, np.ndarray]: ...


def synthetic_shop(
    n_customers: int = 10_000,
    *,
    events_per_customer: float = 10.0,
    days: int = 365,
    start: _t.TimeLike = "2024-01-01",
    seed: int = 0,
    as_frame: bool = True,
) -> _t.DataFrame | dict[str, np.ndarray]:
    """A seeded, believable online-shop event log (page views and purchases).

    Customers visit in sessions (Pareto/NBD-like activity and churn), each session has a traffic
    channel and page views in product categories, and ends in a purchase with a per-customer
    probability (Gamma-Gamma amounts). Equal arguments give identical data on any machine.

    Parameters
    ----------
    n_customers : int
        Number of customers (ids ``0 .. n_customers - 1``).
    events_per_customer : float
        Target mean number of events per customer (1 to 1e6).
    days : int
        Length of the simulated period in days.
    start : datetime-like or int
        Start of the period (integers: unix seconds).
    seed : int
        Random seed.
    as_frame : bool
        True: a pandas DataFrame with ``customer`` (int64), ``timestamp`` (datetime64[s], UTC),
        ``amount`` (0 on page views), ``purchase`` (bool), ``channel`` and ``category``
        (Categoricals of :data:`CHANNELS` / :data:`CATEGORIES`) and ``session`` (int64).
        False: a dict of numpy arrays with unix-second timestamps and integer channel /
        category codes (indices into :data:`CHANNELS` / :data:`CATEGORIES`).

    Returns
    -------
    pandas.DataFrame or dict of numpy.ndarray
        Rows sorted by (timestamp, customer, session).
    """
    n = _int(n_customers, "n_customers", 0, 2**63 - 1)
    seed = _int(seed, "seed", 0, 2**64 - 1)
    days = _int(days, "days", 1, 2**32 - 1)
    if isinstance(events_per_customer, (bool, np.bool_)) or not isinstance(
        events_per_customer, (int, float, np.integer, np.floating)
    ):
        raise InvalidInputError(f"events_per_customer: expected a number, got {events_per_customer!r}")
    start_s = to_tick(start, "s", "start")
    cols = _ki3.synthetic_shop(n, seed, float(events_per_customer), start_s, days)
    pd = pandas()
    if not as_frame or pd is None:
        return cols
    return pd.DataFrame(
        {
            "customer": cols["customer"].astype(np.int64),
            "timestamp": cols["timestamp"].view("datetime64[s]"),
            "amount": cols["amount"],
            "purchase": cols["purchase"],
            "channel": pd.Categorical.from_codes(cols["channel"], categories=list(CHANNELS)),
            "category": pd.Categorical.from_codes(cols["category"], categories=list(CATEGORIES)),
            "session": cols["session"].astype(np.int64),
        }
    )


def synthetic_media(
    weeks: int = 156,
    *,
    start: _t.TimeLike = "2024-01-01",
    seed: int = 0,
) -> tuple[_t.DataFrame, dict[str, Any]]:
    """Weekly media spend and sales of the synthetic shop, with the truth that generated them.

    Sales follow the marketing-mix model itself (the one :class:`ki3.mmm.MMM` fits): a baseline
    with trend, yearly seasonality (Fourier order 2) and promotion weeks, plus each channel's
    spend through normalised geometric adstock (``l_max = 8``) and logistic saturation, plus
    Gaussian noise. A fitted model can therefore be checked against known contributions and ROAS.

    Parameters
    ----------
    weeks : int
        Number of weeks (at least 28).
    start : datetime-like or int
        First week (integers: days since 1970-01-01).
    seed : int
        Random seed; equal arguments give identical data on any machine.

    Returns
    -------
    (pandas.DataFrame, dict)
        The data: ``date`` (datetime64[D]), one spend column per channel in
        :data:`MEDIA_CHANNELS`, the controls ``event`` (1 in promotion weeks) and ``trend``
        (``t / weeks``), and ``sales``. The truth: ``roas`` (Series by channel),
        ``contributions`` (DataFrame, weeks x channels, sales units), ``baseline`` (Series),
        ``adstock_alpha``, ``saturation_lam``, ``saturation_beta`` (on the target scaled by its
        maximum, as PyMC-Marketing parameterises it) as Series by channel, and ``noise_sd``.
    """
    n = _int(weeks, "weeks", 0, 2**63 - 1)
    seed = _int(seed, "seed", 0, 2**64 - 1)
    start_day = to_tick(start, "D", "start")
    cols = _ki3.synthetic_media(n, seed, start_day)
    pd = pandas()
    if pd is None:
        raise ImportError("synthetic_media returns pandas objects: pip install pandas")
    channels = list(cols["channels"])
    dates = pd.DatetimeIndex(cols["date"].astype("datetime64[D]"), name="date")
    spend = cols["spend"].reshape(len(dates), len(channels))
    frame = pd.DataFrame({"date": dates})
    for j, name in enumerate(channels):
        frame[name] = spend[:, j]
    frame["event"] = cols["event"]
    frame["trend"] = cols["trend"]
    frame["sales"] = cols["sales"]
    raw = cols["truth"]
    by_channel = pd.Index(channels, name="channel")
    truth: dict[str, Any] = {
        name: pd.Series(raw[name], index=by_channel, name=name)
        for name in ("roas", "adstock_alpha", "saturation_lam", "saturation_beta", "saturation_ceiling")
    }
    truth["contributions"] = pd.DataFrame(
        raw["contributions"].reshape(len(dates), len(channels)), index=dates, columns=by_channel
    )
    truth["baseline"] = pd.Series(raw["baseline"], index=dates, name="baseline")
    truth["noise_sd"] = float(raw["noise_sd"])
    return frame, truth
