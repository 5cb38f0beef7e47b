"""Type stubs of the native module ``ki3._ki3`` (use the wrappers in ``ki3.features`` etc.).

``events`` dicts hold contiguous 1-d arrays: ``customer`` (uint64), ``timestamp`` (int64) and
optionally ``amount`` (float64), ``purchase`` (bool), ``channel`` / ``category`` (uint32) and
``session`` (uint64). ``time_unit`` is one of "D", "s", "ms", "us", "ns".
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias, final

import numpy as np
import numpy.typing as npt

__all__ = [
    "CATEGORIES",
    "CHANNELS",
    "MEDIA_CHANNELS",
    "SEGMENTS",
    "BaseLearner",
    "BernoulliTS",
    "FeatureAggregator",
    "GaussianTS",
    "LinearTS",
    "UpliftMetaLearner",
    "__version__",
    "arm_indices",
    "core_defaults",
    "customer_features",
    "historical_features",
    "int64_range",
    "int64_to_uint32",
    "load",
    "qini_curve",
    "raise_error_of_kind",
    "reference_curve",
    "response_rate_by_percentile",
    "rfm_scores",
    "rfm_summary",
    "synthetic_media",
    "synthetic_shop",
    "uplift_at_k",
    "uplift_by_percentile",
    "uplift_curve",
    "uplift_score",
    "weighted_average_uplift",
]

__version__: str
CHANNELS: tuple[str, ...]
MEDIA_CHANNELS: tuple[str, ...]
CATEGORIES: tuple[str, ...]
SEGMENTS: tuple[str, ...]

_Events: TypeAlias = Mapping[str, npt.NDArray[np.generic] | None]
_F64: TypeAlias = npt.NDArray[np.float64]
#: Arm indices (positions in ``arm_names``): int64, int32, int16, int8, uint32 or uintp.
_Codes: TypeAlias = (
    npt.NDArray[np.int64]
    | npt.NDArray[np.int32]
    | npt.NDArray[np.int16]
    | npt.NDArray[np.int8]
    | npt.NDArray[np.uint32]
    | npt.NDArray[np.uintp]
)
#: Rewards read in place: float64, int64 or bool.
_Rewards: TypeAlias = npt.NDArray[np.float64] | npt.NDArray[np.int64] | npt.NDArray[np.bool_]
_Summary: TypeAlias = tuple[list[str], _F64, _F64, _F64, _F64, npt.NDArray[np.bool_]]
_Insight: TypeAlias = tuple[list[str], _F64, _F64]
_Stop: TypeAlias = tuple[bool, str, float, float]
_Replay: TypeAlias = tuple[int, int, float | None, float | None]
_ColumnCodes: TypeAlias = tuple[str, str, int | None] | None
_Table: TypeAlias = tuple[
    npt.NDArray[np.uint64], list[tuple[str, npt.NDArray[np.float64], _ColumnCodes]]
]
_Label: TypeAlias = str | int | float | bool

def int64_range(values: npt.NDArray[np.int64]) -> tuple[int, int] | None: ...
def int64_to_uint32(values: npt.NDArray[np.int64], out: npt.NDArray[np.uint32]) -> bool: ...
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
    monetary_value: npt.NDArray[np.float64] | None = ...,
    bins: int = ...,
) -> dict[str, npt.NDArray[np.uint8] | npt.NDArray[np.uint16]]: ...
def synthetic_media(weeks: int, seed: int, start_day: int) -> dict[str, Any]: ...
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
    def update(
        self,
        events: _Events,
        time_unit: str,
        labels: Mapping[str, Sequence[_Label]] | None = None,
    ) -> None: ...
    def merge(self, other: FeatureAggregator) -> None: ...
    def finish(
        self, as_of: int, windows: Sequence[int], families: Sequence[str] | None = None
    ) -> tuple[
        npt.NDArray[np.uint64],
        list[tuple[str, npt.NDArray[np.float64], _ColumnCodes]],
        dict[str, list[_Label]],
    ]: ...
    @property
    def n_events(self) -> int: ...
    @property
    def time_unit(self) -> str | None: ...
    def label_columns(self) -> list[str]: ...
    def dictionaries(self) -> dict[str, list[_Label]]: ...
    def attach_dictionaries(self, labels: Mapping[str, Sequence[_Label]]) -> None: ...
    def column_names(self) -> dict[str, _Label]: ...
    def set_column_names(self, names: Mapping[str, _Label]) -> None: ...
    def columns(self) -> tuple[dict[str, npt.NDArray[np.generic]], str]: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> FeatureAggregator: ...
    def __copy__(self) -> FeatureAggregator: ...
def qini_curve(
    y_true: _F64, uplift: _F64, treatment: _F64, convention: str = "sklift", normalize: bool = False
) -> tuple[_F64, _F64]: ...
def uplift_curve(
    y_true: _F64, uplift: _F64, treatment: _F64, convention: str = "sklift", normalize: bool = False
) -> tuple[_F64, _F64]: ...
def reference_curve(
    curve: str, kind: str, y_true: _F64, treatment: _F64, negative_effect: bool = True
) -> tuple[_F64, _F64]: ...
def uplift_score(score: str, y_true: _F64, uplift: _F64, treatment: _F64, flag: bool) -> float: ...
def uplift_at_k(
    y_true: _F64, uplift: _F64, treatment: _F64, strategy: str, k: float, k_is_count: bool
) -> float: ...
def response_rate_by_percentile(
    y_true: _F64, uplift: _F64, treatment: _F64, group: str, strategy: str, bins: int
) -> tuple[_F64, _F64, npt.NDArray[np.uint64]]: ...
def uplift_by_percentile(
    y_true: _F64, uplift: _F64, treatment: _F64, strategy: str, bins: int
) -> dict[str, _F64 | npt.NDArray[np.uint64]]: ...
def weighted_average_uplift(
    y_true: _F64, uplift: _F64, treatment: _F64, strategy: str, bins: int
) -> float: ...
def raise_error_of_kind(kind: str) -> None: ...
def load(
    text: str,
) -> BernoulliTS | GaussianTS | LinearTS | FeatureAggregator | UpliftMetaLearner: ...
@final
class UpliftMetaLearner:
    @staticmethod
    def fit(
        method: str,
        x: npt.NDArray[np.float64],
        treatment: npt.NDArray[np.float64],
        y: npt.NDArray[np.float64],
        control: int | str,
        arms: Sequence[int | str],
        learner: str = "logistic",
        effect_learner: str = "ridge",
        propensity: str = "share",
        l2: float | None = None,
        standardize: bool = True,
        max_iter: int | None = None,
        tol: float | None = None,
    ) -> UpliftMetaLearner: ...
    def predict(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]: ...
    @property
    def method(self) -> str: ...
    @property
    def n_features(self) -> int: ...
    @property
    def control(self) -> int | str: ...
    @property
    def arms(self) -> list[int | str]: ...
    @property
    def params_json(self) -> str: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> UpliftMetaLearner: ...
@final
class BaseLearner:
    @staticmethod
    def fit(
        kind: str,
        x: npt.NDArray[np.float64],
        y: npt.NDArray[np.float64],
        sample_weight: npt.NDArray[np.float64] | None = None,
        l2: float | None = None,
        standardize: bool = True,
        max_iter: int | None = None,
        tol: float | None = None,
    ) -> BaseLearner: ...
    def predict(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> BaseLearner: ...
def arm_indices(names: Sequence[str], chars: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]: ...
def core_defaults() -> dict[str, float | int | list[float] | None]: ...

@final
class BernoulliTS:
    def __new__(
        cls,
        arms: Sequence[str],
        prior: Sequence[float] | None = None,
        discount: float | None = None,
        top_two: float | None = None,
        seed: int | None = None,
        pending_horizon: int | None = None,
    ) -> BernoulliTS: ...
    def choose(
        self, context: _F64 | None = None, eligible: Sequence[str] | None = None
    ) -> str: ...
    def choose_k(
        self, k: int, context: _F64 | None = None, eligible: Sequence[str] | None = None
    ) -> list[str]: ...
    def decide(
        self, context: _F64 | None = None, eligible: Sequence[str] | None = None
    ) -> tuple[int, str]: ...
    def decide_k(
        self, k: int, context: _F64 | None = None, eligible: Sequence[str] | None = None
    ) -> tuple[int, list[str]]: ...
    def reward(self, decision_id: int, value: float) -> None: ...
    def reward_slate(self, decision_id: int, values: Sequence[float]) -> None: ...
    def update(self, arm: str, reward: float, context: _F64 | None = None) -> None: ...
    def update_batch(self, arms: _Codes, rewards: _Rewards) -> None: ...
    def summary(self, context: _F64 | None = None, level: float | None = None) -> _Summary: ...
    def insight(
        self,
        context: _F64 | None = None,
        eligible: Sequence[str] | None = None,
        draws: int | None = None,
        seed: int | None = None,
    ) -> _Insight: ...
    def should_stop(
        self,
        context: _F64 | None = None,
        prob_best: float | None = None,
        expected_loss: float | None = None,
        draws: int | None = None,
        seed: int | None = None,
    ) -> _Stop: ...
    def add_arm(self, name: str) -> int: ...
    def retire_arm(self, name: str) -> None: ...
    def arm_index(self, name: str) -> int: ...
    @property
    def arm_names(self) -> list[str]: ...
    @property
    def active_arms(self) -> list[str]: ...
    @property
    def prior(self) -> list[float]: ...
    @property
    def discount(self) -> float: ...
    @property
    def top_two(self) -> float | None: ...
    @property
    def seed(self) -> int: ...
    @property
    def pending_horizon(self) -> int: ...
    @property
    def n_updates(self) -> int: ...
    @property
    def pending_decisions(self) -> int: ...
    def simulate(
        self,
        rates: Sequence[float],
        steps: int,
        seed: int = 0,
        drift_kind: str | None = None,
        drift_at: int = 0,
        drift_rates: Sequence[float] | None = None,
        progress: Callable[[int, int], object] | None = None,
    ) -> dict[str, npt.NDArray[np.generic]]: ...
    def replay(
        self,
        arms: npt.NDArray[np.uintp],
        rewards: _F64,
        progress: Callable[[int, int], object] | None = None,
    ) -> _Replay: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> BernoulliTS: ...
    def merge(self, base: BernoulliTS, other: BernoulliTS) -> None: ...
    def __copy__(self) -> BernoulliTS: ...

@final
class GaussianTS:
    def __new__(
        cls,
        arms: Sequence[str],
        prior: Sequence[float] | None = None,
        discount: float | None = None,
        top_two: float | None = None,
        seed: int | None = None,
        pending_horizon: int | None = None,
    ) -> GaussianTS: ...
    def choose(
        self, context: _F64 | None = None, eligible: Sequence[str] | None = None
    ) -> str: ...
    def choose_k(
        self, k: int, context: _F64 | None = None, eligible: Sequence[str] | None = None
    ) -> list[str]: ...
    def decide(
        self, context: _F64 | None = None, eligible: Sequence[str] | None = None
    ) -> tuple[int, str]: ...
    def decide_k(
        self, k: int, context: _F64 | None = None, eligible: Sequence[str] | None = None
    ) -> tuple[int, list[str]]: ...
    def reward(self, decision_id: int, value: float) -> None: ...
    def reward_slate(self, decision_id: int, values: Sequence[float]) -> None: ...
    def update(self, arm: str, reward: float, context: _F64 | None = None) -> None: ...
    def update_batch(self, arms: _Codes, rewards: _Rewards) -> None: ...
    def summary(self, context: _F64 | None = None, level: float | None = None) -> _Summary: ...
    def insight(
        self,
        context: _F64 | None = None,
        eligible: Sequence[str] | None = None,
        draws: int | None = None,
        seed: int | None = None,
    ) -> _Insight: ...
    def should_stop(
        self,
        context: _F64 | None = None,
        prob_best: float | None = None,
        expected_loss: float | None = None,
        draws: int | None = None,
        seed: int | None = None,
    ) -> _Stop: ...
    def add_arm(self, name: str) -> int: ...
    def retire_arm(self, name: str) -> None: ...
    def arm_index(self, name: str) -> int: ...
    @property
    def arm_names(self) -> list[str]: ...
    @property
    def active_arms(self) -> list[str]: ...
    @property
    def prior(self) -> list[float]: ...
    @property
    def discount(self) -> float: ...
    @property
    def top_two(self) -> float | None: ...
    @property
    def seed(self) -> int: ...
    @property
    def pending_horizon(self) -> int: ...
    @property
    def n_updates(self) -> int: ...
    @property
    def pending_decisions(self) -> int: ...
    def simulate(
        self,
        rates: Sequence[float],
        steps: int,
        seed: int = 0,
        drift_kind: str | None = None,
        drift_at: int = 0,
        drift_rates: Sequence[float] | None = None,
        progress: Callable[[int, int], object] | None = None,
    ) -> dict[str, npt.NDArray[np.generic]]: ...
    def replay(
        self,
        arms: npt.NDArray[np.uintp],
        rewards: _F64,
        progress: Callable[[int, int], object] | None = None,
    ) -> _Replay: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> GaussianTS: ...
    def merge(self, base: GaussianTS, other: GaussianTS) -> None: ...
    def __copy__(self) -> GaussianTS: ...

@final
class LinearTS:
    def __new__(
        cls,
        arms: Sequence[str],
        n_features: int,
        ridge: float | None = None,
        noise: float | None = None,
        discount: float | None = None,
        top_two: float | None = None,
        seed: int | None = None,
        pending_horizon: int | None = None,
    ) -> LinearTS: ...
    def choose(
        self, context: _F64 | None = None, eligible: Sequence[str] | None = None
    ) -> str: ...
    def choose_k(
        self, k: int, context: _F64 | None = None, eligible: Sequence[str] | None = None
    ) -> list[str]: ...
    def decide(
        self, context: _F64 | None = None, eligible: Sequence[str] | None = None
    ) -> tuple[int, str]: ...
    def decide_k(
        self, k: int, context: _F64 | None = None, eligible: Sequence[str] | None = None
    ) -> tuple[int, list[str]]: ...
    def reward(self, decision_id: int, value: float) -> None: ...
    def reward_slate(self, decision_id: int, values: Sequence[float]) -> None: ...
    def update(self, arm: str, reward: float, context: _F64 | None = None) -> None: ...
    def update_batch(self, arms: _Codes, contexts: _F64, rewards: _F64) -> None: ...
    def summary(self, context: _F64 | None = None, level: float | None = None) -> _Summary: ...
    def insight(
        self,
        context: _F64 | None = None,
        eligible: Sequence[str] | None = None,
        draws: int | None = None,
        seed: int | None = None,
    ) -> _Insight: ...
    def should_stop(
        self,
        context: _F64 | None = None,
        prob_best: float | None = None,
        expected_loss: float | None = None,
        draws: int | None = None,
        seed: int | None = None,
    ) -> _Stop: ...
    def theta_mean(self, arm: str) -> _F64: ...
    def add_arm(self, name: str) -> int: ...
    def retire_arm(self, name: str) -> None: ...
    def arm_index(self, name: str) -> int: ...
    @property
    def arm_names(self) -> list[str]: ...
    @property
    def active_arms(self) -> list[str]: ...
    @property
    def n_features(self) -> int: ...
    @property
    def ridge(self) -> float: ...
    @property
    def noise(self) -> float: ...
    @property
    def discount(self) -> float: ...
    @property
    def top_two(self) -> float | None: ...
    @property
    def seed(self) -> int: ...
    @property
    def pending_horizon(self) -> int: ...
    @property
    def n_updates(self) -> int: ...
    @property
    def pending_decisions(self) -> int: ...
    def replay(
        self,
        arms: npt.NDArray[np.uintp],
        rewards: _F64,
        contexts: _F64,
        progress: Callable[[int, int], object] | None = None,
    ) -> _Replay: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> LinearTS: ...
    def merge(self, base: LinearTS, other: LinearTS) -> None: ...
    def __copy__(self) -> LinearTS: ...
