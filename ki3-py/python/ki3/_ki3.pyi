"""Type stubs of the native module ``ki3._ki3`` (use the wrappers in ``ki3.features`` etc.).

``events`` dicts hold contiguous 1-d arrays: ``customer`` (uint64), ``timestamp`` (int64) and
optionally ``amount`` (float64), ``purchase`` (bool), ``channel`` / ``category`` (uint32) and
``session`` (uint64). ``time_unit`` is one of "D", "s", "ms", "us", "ns".
"""

from collections.abc import Mapping, Sequence
from typing import TypeAlias, final

import numpy as np
import numpy.typing as npt

__all__ = [
    "CATEGORIES",
    "CHANNELS",
    "SEGMENTS",
    "FeatureAggregator",
    "__version__",
    "customer_features",
    "historical_features",
    "rfm_scores",
    "rfm_summary",
    "synthetic_shop",
]

__version__: str
CHANNELS: tuple[str, ...]
CATEGORIES: tuple[str, ...]
SEGMENTS: tuple[str, ...]

_Events: TypeAlias = Mapping[str, npt.NDArray[np.generic] | None]
_Table: TypeAlias = tuple[npt.NDArray[np.uint64], list[tuple[str, npt.NDArray[np.float64]]]]

def customer_features(
    events: _Events,
    time_unit: str,
    as_of: int,
    windows: Sequence[int],
    families: Sequence[str] | None = None,
) -> _Table: ...
def historical_features(
    events: _Events,
    time_unit: str,
    label_customer: npt.NDArray[np.uint64],
    label_time: npt.NDArray[np.int64],
    windows: Sequence[int],
    families: Sequence[str] | None = None,
) -> _Table: ...
def rfm_summary(
    events: _Events,
    time_unit: str,
    observation_end: int,
    freq: str = "D",
    freq_multiplier: int = 1,
) -> tuple[npt.NDArray[np.uint64], dict[str, npt.NDArray[np.float64]]]: ...
def rfm_scores(
    frequency: npt.NDArray[np.float64],
    recency: npt.NDArray[np.float64],
    t: npt.NDArray[np.float64],
    monetary_value: npt.NDArray[np.float64],
    bins: int = 5,
) -> dict[str, npt.NDArray[np.uint8] | npt.NDArray[np.uint16]]: ...
def synthetic_shop(
    n_customers: int,
    seed: int,
    events_per_customer: float,
    start: int,
    days: int,
) -> dict[str, npt.NDArray[np.generic]]: ...

@final
class FeatureAggregator:
    def __init__(self) -> None: ...
    def update(self, events: _Events, time_unit: str) -> None: ...
    def merge(self, other: FeatureAggregator) -> None: ...
    def finish(
        self, as_of: int, windows: Sequence[int], families: Sequence[str] | None = None
    ) -> _Table: ...
    @property
    def n_events(self) -> int: ...
    def columns(self) -> tuple[dict[str, npt.NDArray[np.generic]], str]: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> FeatureAggregator: ...
    def __copy__(self) -> FeatureAggregator: ...
