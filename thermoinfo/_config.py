"""Library-wide settings: the memory budget for enumerations and large tables, the
number of cores this process may use, and a context that holds BLAS to one thread."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from thermoinfo._errors import MemoryBudgetError

__all__ = ["available_cores", "check_memory", "get_memory_budget", "memory_budget", "one_blas_thread",
           "set_memory_budget"]

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


_BLAS_CONTROLLER: list[Any] = []


def one_blas_thread() -> Any:
    """A context in which numpy's and scipy's BLAS (the one numba's products and
    JAX's CPU LAPACK call) run on one thread each, restored on exit (threadpoolctl).

    For work that splits itself over threads, or whose products are too small for
    a BLAS thread pool to pay; and for sums that must not depend on the number of
    threads. The libraries are looked up once, scipy's BLAS loaded first.

    Examples
    --------
    >>> with one_blas_thread():
    ...     pass
    """
    if not _BLAS_CONTROLLER:
        import scipy.linalg.cython_blas  # noqa: F401  (loaded, so that it is controlled too)
        from threadpoolctl import ThreadpoolController

        _BLAS_CONTROLLER.append(ThreadpoolController())
    return _BLAS_CONTROLLER[0].limit(limits=1, user_api="blas")
