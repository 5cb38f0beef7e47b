"""Exceptions raised by ki3 (the native module raises these classes too).

Each class stands for one kind of core error; cancelled work raises the builtin
``KeyboardInterrupt``.
"""

from __future__ import annotations

__all__ = [
    "ConvergenceError",
    "InvalidInputError",
    "Ki3Error",
    "NotFittedError",
    "NumericalError",
]


class Ki3Error(Exception):
    """Base class of every error raised by ki3."""


class InvalidInputError(Ki3Error, ValueError):
    """Bad data, parameters or saved state; the message names the column or argument."""


class NotFittedError(Ki3Error):
    """A model was used before ``fit``."""


class ConvergenceError(Ki3Error):
    """An iterative method did not converge."""


class NumericalError(Ki3Error, ArithmeticError):
    """A computation failed numerically on valid input (e.g. a sampler diverged)."""
