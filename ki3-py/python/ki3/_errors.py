"""Exceptions raised by ki3 (the native module raises these classes too)."""

from __future__ import annotations

__all__ = ["ConvergenceError", "InvalidInputError", "Ki3Error", "NotFittedError"]


class Ki3Error(Exception):
    """Base class of every error raised by ki3."""


class InvalidInputError(Ki3Error, ValueError):
    """Bad data, parameters or saved state; the message names the column or argument."""


class NotFittedError(Ki3Error):
    """A model was used before ``fit``."""


class ConvergenceError(Ki3Error):
    """An iterative method did not converge."""
