"""Thompson-sampling bandits: choose the best of a set of named arms while learning.

* :class:`BernoulliTS`: rewards in [0, 1] (clicks, conversions), Beta prior per arm.
* :class:`GaussianTS`: continuous rewards (revenue), unknown mean and variance per arm.
* :class:`LinearTS`: contextual; the expected reward is linear in a feature vector per arm.

All three share one interface: :meth:`~BernoulliTS.choose` (or :meth:`~BernoulliTS.decide` and
a later :meth:`~BernoulliTS.reward` for delayed feedback), :meth:`~BernoulliTS.update` /
:meth:`~BernoulliTS.update_batch` for logged rewards, posterior insight
(:meth:`~BernoulliTS.summary`, :meth:`~BernoulliTS.prob_best`,
:meth:`~BernoulliTS.should_stop`) and persistence (``to_json``, ``save`` / :func:`ki3.load`,
pickling) in the core JSON format that Node and Rust read as well.

Determinism: every random choice comes from the policy's own generator, seeded by ``seed``
(``None`` means :data:`DEFAULT_SEED` = 0), and saved with the state, so a loaded or unpickled
copy makes the same next decisions. Insight methods take their own ``seed`` and leave the
decision stream untouched.

Thread safety: one policy may be shared by threads; calls are serialised by a lock in the
native object (each call sees a consistent state; none is rejected).

Rejected input raises :class:`ki3.InvalidInputError` (a ``ValueError``) and leaves the state as
it was.
"""

from __future__ import annotations

import copy as _copy
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal, overload

import numpy as np

from . import _ki3
from . import _typing as _t
from ._errors import InvalidInputError
from ._frame import as_column, pandas
from ._load import _register_loader

if TYPE_CHECKING:
    from typing_extensions import Self
else:  # a real typing.Self at run time, so that typing.get_type_hints resolves
    Self = _t.Self

__all__ = [
    "DEFAULT_SEED",
    "BernoulliTS",
    "GaussianTS",
    "LinearTS",
    "Simulation",
    "StopDecision",
    "replay",
    "simulate",
]


def __dir__() -> list[str]:
    """Only the public API (``__all__``) and the module's dunders (PEP 562)."""
    return sorted({*__all__, *(n for n in globals() if n.startswith("__") and n.endswith("__"))})


#: The core's defaults, ``"Class.method.param" -> value`` (``"new"`` is the constructor): every
#: default below is read from here, none is restated.
_CORE_DEFAULTS: dict[str, Any] = dict(_ki3.core_defaults())


def _default(key: str, cls: str = "BernoulliTS") -> Any:
    """The core default ``cls.key`` (lists become tuples, so signatures show immutable values)."""
    value = _CORE_DEFAULTS[f"{cls}.{key}"]
    return tuple(value) if isinstance(value, list) else value


_BERNOULLI_PRIOR: tuple[float, float] = _default("new.prior", "BernoulliTS")
_GAUSSIAN_PRIOR: tuple[float, float, float, float] = _default("new.prior", "GaussianTS")

#: Seed used when ``seed=None``.
DEFAULT_SEED: int = _default("new.seed")
_U64_MAX = 2**64 - 1


# --------------------------------------------------------------------------------------------
# Argument conversion
# --------------------------------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _uint(value: Any, name: str, low: int = 0, high: int = _U64_MAX) -> int:
    if not _is_int(value):
        raise InvalidInputError(f"{name}: expected an integer, got {value!r}")
    if not low <= int(value) <= high:
        raise InvalidInputError(f"{name}: must be in [{low}, {high}], got {value}")
    return int(value)


def _seed(seed: Any) -> int | None:
    """``None`` (the core default, :data:`DEFAULT_SEED`) or a checked seed."""
    return None if seed is None else _uint(seed, "seed")


def _real(value: Any, name: str) -> float:
    if isinstance(value, (str, bytes)):
        raise InvalidInputError(f"{name}: expected a number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name}: expected a number, got {value!r}") from None


def _top_two(value: Any) -> float | None:
    """``False``/``None``: off; ``True``: the core's β (0.5); a number: β."""
    if value is None or value is False:
        return None
    if value is True:
        return float(_default("top_two.beta"))
    return _real(value, "top_two")


def _names(arms: Any, name: str = "arms") -> list[str]:
    if isinstance(arms, (str, bytes)) or not hasattr(arms, "__iter__"):
        raise InvalidInputError(f"{name}: expected a list of arm names, got {arms!r}")
    out = list(arms)
    for i, a in enumerate(out):
        if not isinstance(a, str):
            raise InvalidInputError(
                f"{name}: arm names must be strings, got {a!r} at position {i}"
            )
    return [str(a) for a in out]


#: Exact Python number types the hot paths pass straight to native code (bool excluded).
_NUMBER = (float, int)
#: Largest decision id (the native side takes a u64).
_MAX_ID = 2**64 - 1


def _eligible(eligible: Any) -> list[str] | None:
    if eligible is None:
        return None
    if isinstance(eligible, str):
        return [eligible]
    return _names(eligible, "eligible")


def _arm(arm: Any) -> str:
    if not isinstance(arm, str):
        raise InvalidInputError(f"arm: expected an arm name (str), got {arm!r}")
    return arm


def _count(n: Any) -> int:
    if n.__class__ is int and n >= 1:  # the fast path
        return int(n)
    return _uint(n, "n", 1)


def _vector(values: Any, name: str) -> np.ndarray:
    try:
        arr = np.ascontiguousarray(values, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise InvalidInputError(f"{name}: expected numbers ({err})") from None
    if arr.ndim != 1:
        raise InvalidInputError(f"{name}: expected a 1-d array, got shape {arr.shape}")
    return arr


def _matrix(values: Any, name: str) -> np.ndarray:
    if hasattr(values, "to_numpy") and not isinstance(values, np.ndarray):
        values = values.to_numpy()
    try:
        arr = np.ascontiguousarray(values, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise InvalidInputError(f"{name}: expected numbers ({err})") from None
    if arr.ndim != 2:
        raise InvalidInputError(f"{name}: expected a 2-d array (rows x features), got shape "
                                f"{arr.shape}")
    return arr


def _rewards(values: Any) -> np.ndarray:
    """A contiguous reward column the native batch borrows: ``float64``, ``int64`` or ``bool``
    as given (0/1 columns take a fast path), anything else as ``float64`` (missing values become
    NaN: rejected by row)."""
    col = as_column(values, "rewards")
    dtype = col.dtype
    kind = getattr(dtype, "kind", "O")
    pd = pandas()
    if pd is not None and not isinstance(dtype, np.dtype):  # pandas extension dtypes
        api = pd.api.types
        ok = api.is_bool_dtype(dtype) or api.is_integer_dtype(dtype) or api.is_float_dtype(dtype)
        if not ok:
            raise InvalidInputError(f"rewards: expected numbers, got dtype {dtype}")
        return _borrowable(col.to_numpy(dtype=np.float64, na_value=np.nan), np.float64)
    if len(col) and kind not in "biuf":
        raise InvalidInputError(f"rewards: expected numbers, got dtype {dtype}")
    arr = col.to_numpy() if hasattr(col, "to_numpy") else col
    return _borrowable(arr, {"b": np.bool_, "i": np.int64}.get(kind, np.float64))


def _borrowable(values: Any, dtype: Any) -> np.ndarray:
    """``values`` as a C-contiguous, aligned array of ``dtype`` (no copy when it already is)."""
    return np.require(values, dtype=dtype, requirements=["C", "A"])


#: Integer dtypes the native batch borrows as arm indices (others are cast to int64).
_CODE_DTYPES = {
    np.dtype(t) for t in (np.int64, np.int32, np.int16, np.int8, np.uint32, np.uintp)
}


def _index_codes(codes: np.ndarray) -> np.ndarray:
    """Integer arm indices as a contiguous array of a dtype the native batch borrows."""
    # uint8/uint16 (and other byte orders) become int64 exactly; uint64 is uintp.
    dtype = codes.dtype if codes.dtype in _CODE_DTYPES else np.int64
    return _borrowable(codes, dtype)


def _arm_codes(native: Any, arms: Any) -> np.ndarray:
    """Arm indices (positions in ``all_arms``) of an arm column, for the native ``update_batch``.

    Integer columns already are indices (checked natively, by row); numpy unicode columns are
    looked up natively row by row; Categoricals map their categories once (their codes are used
    as they are when the categories are the arms in order); anything else is factorised first,
    so each distinct name is looked up once.
    """
    pd = pandas()
    if pd is not None and isinstance(arms, pd.Categorical):
        arms = pd.Series(arms, copy=False)
    col = as_column(arms, "arms")
    if len(col) == 0:
        return np.zeros(0, dtype=np.uintp)
    if isinstance(col, np.ndarray) and col.dtype.kind in "iu":
        return _index_codes(col)
    if isinstance(col, np.ndarray) and col.dtype.kind == "U":
        col = np.ascontiguousarray(col)
        width = col.dtype.itemsize // 4
        chars = col.view(np.uint32).reshape(len(col), width)
        return np.asarray(_ki3.arm_indices(native.arm_names, chars))
    if pd is not None and isinstance(getattr(col, "dtype", None), pd.CategoricalDtype):
        codes = np.asarray(col.cat.codes)
        uniques = list(col.cat.categories)
    elif pd is not None and pd.api.types.is_integer_dtype(getattr(col, "dtype", None)):
        if col.hasnans:
            row = int(np.flatnonzero(col.isna().to_numpy())[0])
            raise InvalidInputError(f"arms: missing value at row {row}")
        # The column's own integer type: uint64 values above 2^63 must not wrap to negatives.
        return _index_codes(col.to_numpy(dtype=getattr(col.dtype, "numpy_dtype", col.dtype)))
    else:
        codes, uniques = pd.factorize(col)
    if (codes < 0).any():
        row = int(np.flatnonzero(codes < 0)[0])
        raise InvalidInputError(f"arms: missing value at row {row}")
    # Only the categories that occur must be arms (a Categorical may list others).
    used = np.bincount(codes, minlength=len(uniques)) > 0
    lookup = np.zeros(len(uniques), dtype=np.uintp)
    for i, name in enumerate(np.asarray(uniques, dtype=object).tolist()):
        if not used[i]:
            continue
        if not isinstance(name, str):
            row = int(np.argmax(codes == i))
            raise InvalidInputError(
                f"arms: arm names must be strings, got {name!r} at row {row}"
            )
        try:
            lookup[i] = native.arm_index(name)
        except InvalidInputError:
            row = int(np.argmax(codes == i))
            raise InvalidInputError(
                f"arms: invalid value at row {row}: unknown arm {name!r}"
            ) from None
    if used.all() and np.array_equal(lookup, np.arange(len(lookup))):
        return _index_codes(codes)
    return lookup[codes]


def _frame(index: list[str], columns: dict[str, Any]) -> Any:
    pd = pandas()
    if pd is None:  # pragma: no cover - pandas is a dependency
        return {"arm": index, **columns}
    return pd.DataFrame(columns, index=pd.Index(index, name="arm"))


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StopDecision:
    """Outcome of :meth:`BernoulliTS.should_stop`; true (in ``if``) when the experiment can stop.

    Attributes
    ----------
    stop : bool
        A threshold is met.
    best_arm : str
        The arm with the highest probability of being best.
    prob_best : float
        Its probability of being best.
    expected_loss : float
        Its expected loss (expected regret of committing to it now).
    """

    stop: bool
    best_arm: str
    prob_best: float
    expected_loss: float

    def __bool__(self) -> bool:
        return self.stop


class Simulation:
    """Result of :func:`simulate`: per-step choices, rewards and cumulative regret.

    Attributes
    ----------
    regret : numpy.ndarray
        Cumulative pseudo-regret of the policy after each step.
    uniform_regret : numpy.ndarray
        Cumulative expected regret of uniform random allocation.
    choices : numpy.ndarray
        Arm name played at each step (object array).
    rewards : numpy.ndarray
        Observed reward (0 or 1) at each step.
    policy : BernoulliTS or GaussianTS
        The policy after the run.
    """

    def __init__(
        self, out: Mapping[str, Any], names: list[str], policy: BernoulliTS | GaussianTS
    ) -> None:
        self.regret = np.asarray(out["regret"])
        self.uniform_regret = np.asarray(out["uniform_regret"])
        labels = np.empty(len(names), dtype=object)
        labels[:] = names
        self.choices = labels[np.asarray(out["choices"], dtype=np.int64)]
        self.rewards = np.asarray(out["rewards"])
        self.policy = policy

    @property
    def steps(self) -> int:
        """Number of simulated steps."""
        return len(self.regret)

    @property
    def final_regret(self) -> float:
        """Cumulative regret of the policy at the end (0 for an empty run)."""
        return float(self.regret[-1]) if self.steps else 0.0

    @property
    def final_uniform_regret(self) -> float:
        """Cumulative regret of uniform allocation at the end."""
        return float(self.uniform_regret[-1]) if self.steps else 0.0

    def to_frame(self) -> _t.DataFrame:
        """One row per step (index ``step`` from 1): ``arm, reward, regret, uniform_regret``."""
        pd = pandas()
        columns = {
            "arm": self.choices,
            "reward": self.rewards,
            "regret": self.regret,
            "uniform_regret": self.uniform_regret,
        }
        steps = np.arange(1, self.steps + 1)
        if pd is None:  # pragma: no cover
            return {"step": steps, **columns}
        return pd.DataFrame(columns, index=pd.Index(steps, name="step"))

    def plot_regret(self, ax: _t.Axes | None = None) -> _t.Axes:
        """Plots cumulative regret of the policy and of uniform allocation against the step.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Axes to draw on (default: a new figure).

        Returns
        -------
        matplotlib.axes.Axes
        """
        try:
            import matplotlib.pyplot as plt
        except ImportError:  # pragma: no cover - optional dependency
            raise ImportError("plot_regret needs matplotlib: pip install 'ki3[plot]'") from None
        if ax is None:
            _, ax = plt.subplots()
        steps = np.arange(1, self.steps + 1)
        name = type(self.policy).__name__
        ax.plot(steps, self.regret, label=name)
        ax.plot(steps, self.uniform_regret, label="uniform", linestyle="--")
        ax.set_xlabel("step")
        ax.set_ylabel("cumulative regret")
        ax.legend()
        return ax

    def __repr__(self) -> str:
        return (f"Simulation(steps={self.steps}, final_regret={self.final_regret:.4g}, "
                f"final_uniform_regret={self.final_uniform_regret:.4g})")


# --------------------------------------------------------------------------------------------
# Policies
# --------------------------------------------------------------------------------------------


class _Bandit:
    """What every policy shares (the native object is ``self._native``)."""

    _native_type: ClassVar[Any]
    _kind: ClassVar[str]
    _contextual: ClassVar[bool] = False
    _native: Any

    @classmethod
    def _wrap(cls, native: Any) -> Self:
        obj = cls.__new__(cls)
        obj._native = native
        return obj

    @staticmethod
    def _context(context: Any) -> np.ndarray | None:
        """The context of a single call as the core takes it; whether the policy wants one is
        checked by the core (once, for Python and Node)."""
        if context is None:
            return None
        if context.__class__ is np.ndarray and context.dtype == np.float64 and \
                context.ndim == 1 and context.flags.c_contiguous:
            return context
        return _vector(context, "context")

    def _ctx(self, context: Any) -> Any:
        """The ``contexts`` of a batch of a context-free policy (none allowed)."""
        if context is not None:
            raise InvalidInputError(
                f"context: {type(self).__name__} is context-free; use LinearTS for contexts"
            )
        return None

    # --- arms --------------------------------------------------------------------------------

    @property
    def arms(self) -> list[str]:
        """Names of the active arms (retired arms excluded), in the order they were added."""
        return list(self._native.active_arms)

    @property
    def all_arms(self) -> list[str]:
        """Names of every arm, retired ones included (the order of the saved state)."""
        return list(self._native.arm_names)

    def add_arm(self, name: str) -> Self:
        """Adds an arm with the prior as its posterior.

        Returns
        -------
        self
        """
        self._native.add_arm(_arm(name))
        return self

    def retire_arm(self, name: str) -> Self:
        """Retires an arm: never chosen again; its statistics stay and late rewards still count.

        Returns
        -------
        self
        """
        self._native.retire_arm(_arm(name))
        return self

    # --- options -----------------------------------------------------------------------------

    @property
    def discount(self) -> float:
        """Discount factor γ ∈ (0, 1] (1: no discounting)."""
        return float(self._native.discount)

    @property
    def top_two(self) -> float | None:
        """Top-two β, or None for plain Thompson sampling."""
        value = self._native.top_two
        return None if value is None else float(value)

    @property
    def seed(self) -> int:
        """Seed of the decision stream."""
        return int(self._native.seed)

    @property
    def pending_horizon(self) -> int:
        """Number of later decisions after which an unrewarded decision expires."""
        return int(self._native.pending_horizon)

    @property
    def n_updates(self) -> int:
        """Number of rewards observed so far."""
        return int(self._native.n_updates)

    @property
    def pending_decisions(self) -> int:
        """Number of decisions awaiting their reward."""
        return int(self._native.pending_decisions)

    # --- deciding ----------------------------------------------------------------------------

    @overload
    def choose(
        self,
        n: Literal[1] = ...,
        eligible: _t.Eligible | None = ...,
        context: _t.ArrayLike | None = ...,
    ) -> str: ...

    @overload
    def choose(
        self,
        n: int,
        eligible: _t.Eligible | None = ...,
        context: _t.ArrayLike | None = ...,
    ) -> str | list[str]: ...

    def choose(
        self,
        n: int = 1,
        eligible: _t.Eligible | None = None,
        context: _t.ArrayLike | None = None,
    ) -> str | list[str]:
        """Chooses an arm by Thompson sampling (the decision is not tracked).

        Parameters
        ----------
        n : int
            Number of distinct arms (a slate, ordered by sampled value, best first).
        eligible : list of str, optional
            Arms to choose from (default: every active arm).
        context : array-like, optional
            Feature vector (:class:`LinearTS` only).

        Returns
        -------
        str or list of str
            An arm name, or a list of ``n`` distinct names when ``n > 1``.
        """
        plain = n.__class__ is int and n == 1 and eligible is None and context is None
        if plain and not self._contextual:  # the serving hot path: nothing to convert
            return self._native.choose(None)
        n = _count(n)
        x = self._context(context)
        e = _eligible(eligible)
        return self._native.choose(x, e) if n == 1 else self._native.choose_k(n, x, e)

    @overload
    def decide(
        self,
        n: Literal[1] = ...,
        eligible: _t.Eligible | None = ...,
        context: _t.ArrayLike | None = ...,
    ) -> tuple[int, str]: ...

    @overload
    def decide(
        self,
        n: int,
        eligible: _t.Eligible | None = ...,
        context: _t.ArrayLike | None = ...,
    ) -> tuple[int, str | list[str]]: ...

    def decide(
        self,
        n: int = 1,
        eligible: _t.Eligible | None = None,
        context: _t.ArrayLike | None = None,
    ) -> tuple[int, str | list[str]]:
        """Chooses like :meth:`choose` and tracks the decision for a later :meth:`reward`.

        Returns
        -------
        (int, str or list of str)
            The decision id and the arm (or the slate when ``n > 1``).
        """
        plain = n.__class__ is int and n == 1 and eligible is None and context is None
        if plain and not self._contextual:  # the serving hot path: nothing to convert
            return self._native.decide(None)
        n = _count(n)
        x = self._context(context)
        e = _eligible(eligible)
        return self._native.decide(x, e) if n == 1 else self._native.decide_k(n, x, e)

    def reward(self, decision_id: int, value: float | Sequence[float]) -> None:
        """The reward of a tracked decision.

        Parameters
        ----------
        decision_id : int
            Id returned by :meth:`decide`. Each decision can be rewarded once, while it is
            among the last ``pending_horizon`` decisions.
        value : float or sequence of float
            The reward; for a slate, one reward per position (same order as the slate).
        """
        hot = decision_id.__class__ is int and 0 <= decision_id <= _MAX_ID
        if hot and value.__class__ in _NUMBER:
            self._native.reward(decision_id, value)  # the serving hot path
            return
        did = _uint(decision_id, "decision_id")
        if isinstance(value, (str, bytes)):
            raise InvalidInputError(f"reward: expected a number, got {value!r}")
        if hasattr(value, "__len__"):
            self._native.reward_slate(did, _vector(value, "reward").tolist())
        else:
            self._native.reward(did, _real(value, "reward"))

    # --- learning ----------------------------------------------------------------------------

    def update(self, arm: str, reward: float, context: _t.ArrayLike | None = None) -> Self:
        """Observes ``reward`` for ``arm`` (played in ``context`` for :class:`LinearTS`).

        Returns
        -------
        self
        """
        plain = context is None and arm.__class__ is str and reward.__class__ in _NUMBER
        if plain and not self._contextual:  # the serving hot path: nothing to convert
            self._native.update(arm, reward)
            return self
        self._native.update(_arm(arm), _real(reward, "reward"), self._context(context))
        return self

    def update_batch(
        self, arms: _t.ArrayLike, rewards: _t.ArrayLike, contexts: _t.ArrayLike | None = None
    ) -> Self:
        """Observes ``rewards[i]`` for ``arms[i]``, in order; all or nothing.

        Parameters
        ----------
        arms : array-like of str or int
            Arm names (numpy array, list, pandas or polars Series, Categorical), or integer
            arm indices: positions in :attr:`all_arms` (the fastest form; a Categorical whose
            categories are the arms in order is used as its codes).
        rewards : array-like of float
            One reward per row (``float64``, ``int64`` and ``bool`` columns are read in
            place; 0/1 rewards of an undiscounted :class:`BernoulliTS` take a tallying fast
            path with the same result as single updates).
        contexts : 2-d array-like, optional
            Rows x ``n_features`` (:class:`LinearTS` only; a DataFrame works).

        Returns
        -------
        self
        """
        codes = _arm_codes(self._native, arms)
        values = _rewards(rewards)
        if self._contextual:
            if contexts is None:
                raise InvalidInputError("contexts: LinearTS needs one context row per reward")
            matrix = _matrix(contexts, "contexts")
            self._native.update_batch(codes, matrix, _borrowable(values, np.float64))
        else:
            self._ctx(contexts)
            self._native.update_batch(codes, values)
        return self

    # --- insight -----------------------------------------------------------------------------

    def summary(
        self, level: float = _default("summary.level"), context: _t.ArrayLike | None = None
    ) -> _t.DataFrame:
        """Posterior mean and central credible interval of every arm's expected reward.

        Parameters
        ----------
        level : float
            Credible level in (0, 1).
        context : array-like, optional
            Feature vector (:class:`LinearTS`: the summary is of ``x @ theta``).

        Returns
        -------
        pandas.DataFrame
            Indexed by arm name (all arms): ``n`` (effective observations), ``mean``,
            ``lower``, ``upper``, ``active``.
        """
        lvl = _real(level, "level")
        out = self._native.summary(self._context(context), lvl)
        names, n, mean, lower, upper, active = out
        return _frame(names, {"n": n, "mean": mean, "lower": lower, "upper": upper,
                              "active": active})

    def insight(
        self,
        draws: int = _default("insight.draws"),
        seed: int = _default("insight.seed"),
        context: _t.ArrayLike | None = None,
        eligible: _t.Eligible | None = None,
    ) -> _t.DataFrame:
        """Probability of being best and expected loss of each arm, by Monte Carlo.

        Parameters
        ----------
        draws : int
            Joint posterior draws.
        seed : int
            Seed of the draws (the decision stream is not touched).
        context : array-like, optional
            Feature vector (:class:`LinearTS` only).
        eligible : list of str, optional
            Arms to compare (default: the active arms).

        Returns
        -------
        pandas.DataFrame
            Indexed by arm name: ``prob_best`` (sums to 1) and ``expected_loss``
            (``E[max_j theta_j - theta_arm]``).
        """
        d, s = _uint(draws, "draws", 1), _uint(seed, "seed")
        e = _eligible(eligible)
        names, prob, loss = self._native.insight(self._context(context), e, d, s)
        return _frame(names, {"prob_best": prob, "expected_loss": loss})

    def prob_best(
        self,
        draws: int = _default("prob_best.draws"),
        seed: int = _default("prob_best.seed"),
        context: _t.ArrayLike | None = None,
        eligible: _t.Eligible | None = None,
    ) -> _t.Series:
        """Posterior probability that each arm is best (see :meth:`insight`).

        Returns
        -------
        pandas.Series
            Indexed by arm name, named ``prob_best``.
        """
        return self.insight(draws, seed, context, eligible)["prob_best"]

    def should_stop(
        self,
        prob_best: float | None = _default("should_stop.prob_best"),
        expected_loss: float | None = _default("should_stop.expected_loss"),
        draws: int = _default("should_stop.draws"),
        seed: int = _default("should_stop.seed"),
        context: _t.ArrayLike | None = None,
    ) -> StopDecision:
        """Whether the experiment can stop: the best arm's probability of being best is above
        ``prob_best`` or its expected loss is below ``expected_loss`` (either that is given).

        Returns
        -------
        StopDecision
            Truthy when a threshold is met; names the best arm.
        """
        p = None if prob_best is None else _real(prob_best, "prob_best")
        loss = None if expected_loss is None else _real(expected_loss, "expected_loss")
        d, s = _uint(draws, "draws", 1), _uint(seed, "seed")
        out = self._native.should_stop(self._context(context), p, loss, d, s)
        stop, best, pb, el = out
        return StopDecision(bool(stop), str(best), float(pb), float(el))

    # --- state -------------------------------------------------------------------------------

    def to_json(self) -> str:
        """The whole state (arms, statistics, pending decisions, generator) as ki3 JSON:
        what :meth:`from_json`, :func:`ki3.load`, Node and Rust read."""
        return str(self._native.to_json())

    @classmethod
    def from_json(cls, text: str) -> Self:
        """Loads a state written by :meth:`to_json` (here, in Node or in Rust).

        Raises
        ------
        ki3.InvalidInputError
            Corrupt JSON, or the state of another kind of policy.
        """
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        if not isinstance(text, str):
            raise InvalidInputError(f"text: expected a JSON string, got {type(text).__name__}")
        return cls._wrap(cls._native_type.from_json(text))

    def save(self, path: str | os.PathLike[str]) -> None:
        """Writes :meth:`to_json` to ``path``; read it back with :func:`ki3.load`."""
        text = self.to_json()
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)

    def merge(self, base: Self, other: Self) -> Self:
        """Adds the updates ``other`` collected since the common snapshot ``base`` (a copy,
        ``to_json`` or pickle taken before both replicas diverged). Needs ``discount=1``.

        Returns
        -------
        self
        """
        for name, obj in (("base", base), ("other", other)):
            if type(obj) is not type(self):
                raise InvalidInputError(
                    f"{name}: expected a {type(self).__name__}, got {type(obj).__name__}"
                )
        self._native.merge(base._native, other._native)
        return self

    def copy(self) -> Self:
        """An independent copy (same state, same next decisions)."""
        return self._wrap(_copy.copy(self._native))

    def __copy__(self) -> Self:
        return self.copy()

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        return self.copy()

    def __getstate__(self) -> dict[str, Any]:
        return {"json": self.to_json()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._native = self._native_type.from_json(state["json"])

    def _params_repr(self) -> str:  # pragma: no cover - overridden
        return ""

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(arms={self.all_arms!r}, {self._params_repr()}; "
                f"n_updates={self.n_updates})")


def _options_repr(obj: _Bandit) -> str:
    return f"discount={obj.discount!r}, top_two={obj.top_two!r}, seed={obj.seed!r}"


class BernoulliTS(_Bandit):
    """Thompson sampling for rewards in [0, 1] with a Beta(alpha, beta) prior per arm.

    A reward ``r`` adds ``r`` successes and ``1 - r`` failures (exact Beta-Bernoulli for 0/1).

    Parameters
    ----------
    arms : list of str
        Distinct, non-empty arm names.
    prior : (float, float)
        Beta prior ``(alpha, beta)`` of every arm (default uniform).
    discount : float
        γ ∈ (0, 1]: before each update every arm's evidence is multiplied by γ, for
        non-stationary arms (memory about ``1 / (1 - γ)`` updates). 1 disables it.
    top_two : bool or float
        Top-two Thompson sampling (best-arm identification): ``True`` plays the sampled best
        arm with probability 0.5, a float sets that probability.
    seed : int, optional
        Seed of the decision stream (``None``: :data:`DEFAULT_SEED`).
    pending_horizon : int
        A decision from :meth:`decide` can be rewarded until this many later decisions exist.

    Examples
    --------
    >>> ts = BernoulliTS(["red", "green", "blue"], seed=1)
    >>> arm = ts.choose()
    >>> ts = ts.update(arm, 1.0)
    """

    _native_type = _ki3.BernoulliTS
    _kind = "BernoulliTs"

    def __init__(
        self,
        arms: _t.Names,
        prior: Sequence[float] = _BERNOULLI_PRIOR,
        discount: float = _default("new.discount", "BernoulliTS"),
        top_two: bool | float = False,
        seed: int | None = None,
        pending_horizon: int = _default("new.pending_horizon", "BernoulliTS"),
    ) -> None:
        self._native = _ki3.BernoulliTS(
            _names(arms), [_real(p, "prior") for p in _tuple(prior, 2)],
            _real(discount, "discount"), _top_two(top_two), _seed(seed),
            _uint(pending_horizon, "pending_horizon", 1),
        )

    @property
    def prior(self) -> tuple[float, float]:
        """The Beta prior ``(alpha, beta)``."""
        a, b = self._native.prior
        return (float(a), float(b))

    def _params_repr(self) -> str:
        return f"prior={self.prior!r}, {_options_repr(self)}"


class GaussianTS(_Bandit):
    """Thompson sampling for continuous rewards: unknown mean and variance per arm with a
    Normal-Inverse-Gamma prior.

    Parameters
    ----------
    arms : list of str
        Distinct, non-empty arm names.
    prior : (float, float, float, float)
        ``(mean, kappa, alpha, beta)``: prior mean, its pseudo-count, and the Inverse-Gamma
        shape and scale of the reward variance. The default ``(0, 1, 1, 1)`` suits rewards of
        order 1; set ``mean`` and ``beta`` to the scale of yours (``beta / alpha`` is the prior
        guess of the variance).
    discount, top_two, seed, pending_horizon
        As in :class:`BernoulliTS`.
    """

    _native_type = _ki3.GaussianTS
    _kind = "GaussianTs"

    def __init__(
        self,
        arms: _t.Names,
        prior: Sequence[float] = _GAUSSIAN_PRIOR,
        discount: float = _default("new.discount", "GaussianTS"),
        top_two: bool | float = False,
        seed: int | None = None,
        pending_horizon: int = _default("new.pending_horizon", "GaussianTS"),
    ) -> None:
        self._native = _ki3.GaussianTS(
            _names(arms), [_real(p, "prior") for p in _tuple(prior, 4)],
            _real(discount, "discount"), _top_two(top_two), _seed(seed),
            _uint(pending_horizon, "pending_horizon", 1),
        )

    @property
    def prior(self) -> tuple[float, float, float, float]:
        """The prior ``(mean, kappa, alpha, beta)``."""
        m, k, a, b = self._native.prior
        return (float(m), float(k), float(a), float(b))

    def _params_repr(self) -> str:
        return f"prior={self.prior!r}, {_options_repr(self)}"


class LinearTS(_Bandit):
    """Contextual linear Thompson sampling (Agrawal & Goyal 2013): per arm, the expected reward
    is ``x @ theta_arm`` for the feature vector ``x``, with a ridge prior on ``theta_arm``.

    Every method that decides or learns takes ``context`` (length ``n_features``);
    :meth:`update_batch` takes ``contexts`` (rows x ``n_features``).

    Parameters
    ----------
    arms : list of str
        Distinct, non-empty arm names.
    n_features : int
        Length of the context vectors (include a constant 1 for an intercept).
    ridge : float
        Prior precision λ > 0 (L2 penalty).
    noise : float
        Posterior scale v > 0: ``theta ~ N(mu, v**2 B^-1)``; about the reward noise standard
        deviation (smaller explores less).
    discount, top_two, seed, pending_horizon
        As in :class:`BernoulliTS`.
    """

    _native_type = _ki3.LinearTS
    _kind = "LinearTs"
    _contextual = True

    def __init__(
        self,
        arms: _t.Names,
        n_features: int,
        ridge: float = _default("new.ridge", "LinearTS"),
        noise: float = _default("new.noise", "LinearTS"),
        discount: float = _default("new.discount", "LinearTS"),
        top_two: bool | float = False,
        seed: int | None = None,
        pending_horizon: int = _default("new.pending_horizon", "LinearTS"),
    ) -> None:
        self._native = _ki3.LinearTS(
            _names(arms), _uint(n_features, "n_features"), _real(ridge, "ridge"),
            _real(noise, "noise"), _real(discount, "discount"), _top_two(top_two), _seed(seed),
            _uint(pending_horizon, "pending_horizon", 1),
        )

    @property
    def n_features(self) -> int:
        """Length of the context vectors."""
        return int(self._native.n_features)

    @property
    def ridge(self) -> float:
        """Prior precision λ."""
        return float(self._native.ridge)

    @property
    def noise(self) -> float:
        """Posterior scale v."""
        return float(self._native.noise)

    def theta_mean(self, arm: str) -> np.ndarray:
        """Posterior mean of the arm's coefficients (length ``n_features``)."""
        return np.asarray(self._native.theta_mean(_arm(arm)))

    def _params_repr(self) -> str:
        return (f"n_features={self.n_features}, ridge={self.ridge!r}, noise={self.noise!r}, "
                f"{_options_repr(self)}")


def _tuple(values: Any, n: int) -> list[Any]:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__") or len(values) != n:
        raise InvalidInputError(f"prior: expected {n} numbers, got {values!r}")
    return list(values)


for _cls in (BernoulliTS, GaussianTS, LinearTS):
    _register_loader(_cls._native_type, _cls._wrap)


# --------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------


def _rates(rates: Any, names: list[str], name: str) -> list[float]:
    """Rates as a list aligned with ``names`` (a mapping or Series is matched by arm name)."""
    if isinstance(rates, Mapping) or (hasattr(rates, "index") and hasattr(rates, "loc")):
        keys = set(rates.keys())
        if keys != set(names):
            raise InvalidInputError(
                f"{name}: expected one rate per arm {names!r}, got {sorted(keys, key=str)!r}"
            )
        return [_real(rates[a], name) for a in names]
    return _vector(rates, name).tolist()


@contextmanager
def _progress_bar(show: bool, desc: str, unit: str) -> Iterator[Callable[[int, int], None] | None]:
    """A ``(done, total)`` callback drawing a tqdm bar while the block runs (``None`` when
    ``show`` is false or tqdm is not installed)."""
    if not show:
        yield None
        return
    try:
        from tqdm.auto import tqdm
    except ImportError:
        yield None
        return
    bar = tqdm(desc=desc, unit=unit)

    def update(done: int, total: int) -> None:
        if bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    try:
        yield update
    finally:
        bar.close()


def simulate(
    policy: BernoulliTS | GaussianTS,
    rates: _t.Rates,
    steps: int,
    seed: int = 0,
    drift: _t.Drift | None = None,
    inplace: bool = False,
    progress: bool = False,
) -> Simulation:
    """Runs ``policy`` on Bernoulli arms with known success rates and reports its regret next to
    uniform random allocation.

    At each step the policy chooses, a 0/1 reward is drawn with the arm's rate (from a generator
    seeded by ``seed``, independent of the policy's) and the policy learns it.

    Parameters
    ----------
    policy : BernoulliTS or GaussianTS
        The policy (by default a copy runs; see ``inplace``).
    rates : sequence of float or mapping / Series from arm name to rate
        Success probability of every arm (a sequence follows ``policy.all_arms``).
    steps : int
        Number of steps (the core caps it; more raises ``InvalidInputError``).
    seed : int
        Seed of the rewards.
    drift : tuple, optional
        ``("switch", at, new_rates)``: the rates are ``new_rates`` from step ``at`` (0-based);
        ``("linear", final_rates)``: rates move linearly to ``final_rates`` at the last step.
    inplace : bool
        Let ``policy`` itself learn (default: it is left untouched).
    progress : bool
        Show a tqdm progress bar (when tqdm is installed). Ctrl-C stops the run within half a
        second with ``KeyboardInterrupt``, and ``policy`` is then left unchanged.

    Returns
    -------
    Simulation
        ``regret`` and ``uniform_regret`` (cumulative), ``choices``, ``rewards``, the trained
        ``policy``, ``to_frame()`` and ``plot_regret()``.
    """
    if not isinstance(policy, (BernoulliTS, GaussianTS)):
        raise InvalidInputError(
            f"policy: simulate needs a BernoulliTS or GaussianTS, got {type(policy).__name__}"
        )
    names = policy.all_arms
    p = _rates(rates, names, "rates")
    n = _uint(steps, "steps")
    s = _uint(seed, "seed")
    kind, at, new = None, 0, None
    if drift is not None:
        if isinstance(drift, str) or not isinstance(drift, (tuple, list)) or not drift:
            raise InvalidInputError(
                f"drift: expected ('switch', at, rates) or ('linear', rates), got {drift!r}"
            )
        kind = drift[0]
        if kind == "switch" and len(drift) == 3:
            at, new = _uint(drift[1], "drift at"), _rates(drift[2], names, "drift")
        elif kind == "linear" and len(drift) == 2:
            new = _rates(drift[1], names, "drift")
        else:
            raise InvalidInputError(
                f"drift: expected ('switch', at, rates) or ('linear', rates), got {drift!r}"
            )
    run = policy if inplace else policy.copy()
    with _progress_bar(progress, "simulate", "step") as hook:
        out = run._native.simulate(p, n, s, kind, at, new, hook)
    return Simulation(out, names, run)


def replay(
    policy: BernoulliTS | GaussianTS | LinearTS,
    arms: _t.ArrayLike,
    rewards: _t.ArrayLike,
    contexts: _t.ArrayLike | None = None,
    inplace: bool = False,
    progress: bool = False,
) -> dict[str, float]:
    """Offline replay evaluation (Li et al. 2011) on a log whose arms were chosen uniformly at
    random: walking the log in order, an event counts (and the policy learns its reward) when
    the policy chooses the logged arm; other events are skipped.

    Parameters
    ----------
    policy : BernoulliTS, GaussianTS or LinearTS
        The policy to evaluate (by default a copy runs; see ``inplace``).
    arms : array-like of str
        Logged arm names.
    rewards : array-like of float
        Logged rewards.
    contexts : 2-d array-like, optional
        Logged contexts (:class:`LinearTS` only).
    inplace : bool
        Let ``policy`` itself learn from the matched events.
    progress : bool
        Show a tqdm progress bar (when tqdm is installed). Ctrl-C stops the replay within half
        a second with ``KeyboardInterrupt``, and ``policy`` is then left unchanged.

    Returns
    -------
    dict
        ``events``, ``matched`` (ints), ``mean_reward`` (the estimated reward per decision) and
        ``std_error`` (floats; NaN when undefined).
    """
    if not isinstance(policy, _Bandit):
        raise InvalidInputError(f"policy: expected a ki3 bandit, got {type(policy).__name__}")
    codes = _arm_codes(policy._native, arms)
    if codes.dtype.kind == "i" and (codes < 0).any():
        row = int(np.flatnonzero(codes < 0)[0])
        raise InvalidInputError(f"arms: row {row}: arm index {codes[row]} is negative")
    codes = _borrowable(codes, np.uintp)
    values = _borrowable(_rewards(rewards), np.float64)
    run = policy if inplace else policy.copy()
    if policy._contextual:
        if contexts is None:
            raise InvalidInputError("contexts: LinearTS needs the logged contexts")
        ctx = _matrix(contexts, "contexts")
        with _progress_bar(progress, "replay", "event") as hook:
            out = run._native.replay(codes, values, ctx, hook)
    else:
        policy._ctx(contexts)
        with _progress_bar(progress, "replay", "event") as hook:
            out = run._native.replay(codes, values, hook)
    events, matched, mean, se = out
    nan = float("nan")
    return {
        "events": int(events),
        "matched": int(matched),
        "mean_reward": nan if mean is None else float(mean),
        "std_error": nan if se is None else float(se),
    }
