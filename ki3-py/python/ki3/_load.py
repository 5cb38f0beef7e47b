"""The registry behind :func:`ki3.load`: each module registers how to wrap the native objects
that the core's ``load`` returns into its Python classes (no ``kind`` strings here)."""

from __future__ import annotations

from typing import Any, Callable

from . import _ki3
from ._errors import InvalidInputError

__all__: list[str] = []

_WRAPPERS: dict[type, Callable[[Any], Any]] = {}


def _register_loader(native_type: type, wrapper: Callable[[Any], Any]) -> None:
    """Objects of ``native_type`` returned by ``_ki3.load`` are handed to ``wrapper``."""
    _WRAPPERS[native_type] = wrapper


def _load_text(text: str) -> Any:
    """The Python object for a saved ki3 JSON state (through the core's ``load``)."""
    native = _ki3.load(text)
    wrapper = _WRAPPERS.get(type(native))
    if wrapper is None:
        raise InvalidInputError(
            f"corrupt saved state: no Python class registered for {type(native).__name__}"
        )
    return wrapper(native)
