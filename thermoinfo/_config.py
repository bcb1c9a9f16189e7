"""Library-wide settings: the memory budget for enumerations and large tables, and
the number of cores this process may use."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from thermoinfo._errors import MemoryBudgetError

__all__ = ["available_cores", "check_memory", "get_memory_budget", "memory_budget", "set_memory_budget"]

_DEFAULT_BUDGET = 1 << 30  # 1 GiB
_state = {"budget": _DEFAULT_BUDGET}


def get_memory_budget() -> int:
    """Return the memory budget in bytes (default 1 GiB)."""
    return _state["budget"]


def set_memory_budget(n_bytes: int) -> None:
    """Set the memory budget, in bytes, that chunked enumerations stay under.

    Parameters
    ----------
    n_bytes : int
        Positive number of bytes.
    """
    if isinstance(n_bytes, bool) or not isinstance(n_bytes, int) or n_bytes <= 0:
        raise ValueError(f"n_bytes must be a positive integer number of bytes (got {n_bytes!r})")
    _state["budget"] = int(n_bytes)


@contextlib.contextmanager
def memory_budget(n_bytes: int) -> Iterator[None]:
    """Temporarily set the memory budget (a context manager).

    Examples
    --------
    >>> import thermoinfo
    >>> with thermoinfo.memory_budget(2 << 30):
    ...     thermoinfo.get_memory_budget()
    2147483648
    """
    old = get_memory_budget()
    set_memory_budget(n_bytes)
    try:
        yield
    finally:
        _state["budget"] = old


def check_memory(n_bytes: int, what: str) -> None:
    """Raise :class:`MemoryBudgetError` if ``n_bytes`` exceeds the budget."""
    budget = get_memory_budget()
    if n_bytes > budget:
        raise MemoryBudgetError(
            f"{what} needs about {n_bytes / 2**20:.1f} MiB, over the memory budget of "
            f"{budget / 2**20:.1f} MiB; raise it with thermoinfo.set_memory_budget(n_bytes) "
            "or the thermoinfo.memory_budget(n_bytes) context manager"
        )


def available_cores() -> int:
    """The CPU cores this process may run on (its affinity where the platform
    reports one, else the machine's count; at least 1).

    Examples
    --------
    >>> available_cores() >= 1
    True
    """
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
