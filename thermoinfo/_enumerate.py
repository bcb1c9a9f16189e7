"""Chunked enumeration of binary and spin configurations under the memory budget.

State k of n units is the binary expansion of k, unit 0 the most significant
bit, mapped to ``values`` ((0, 1) for binary units, (-1, 1) for spins).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from thermoinfo._config import check_memory, get_memory_budget

__all__ = ["chunk_size", "iter_states", "state_index", "states", "states_at"]

_MAX_UNITS = 40


def states_at(n: int, index: Any, values: tuple[int, int] = (0, 1)) -> np.ndarray:
    """Configurations number ``index`` (an integer array) of ``n`` units, as int8 rows."""
    if not 0 < n <= _MAX_UNITS:
        raise ValueError(f"n must be between 1 and {_MAX_UNITS} units to enumerate (got {n})")
    k = np.asarray(index, dtype=np.int64)
    bits = ((k[:, None] >> np.arange(n - 1, -1, -1, dtype=np.int64)) & 1).astype(np.int8)
    lo, hi = values
    if (lo, hi) == (0, 1):
        return bits
    return (bits * np.int8(hi - lo) + np.int8(lo)).astype(np.int8)


def state_index(configurations: Any, values: tuple[int, int] = (0, 1)) -> np.ndarray:
    """The enumeration index of each row of ``configurations`` (the inverse of
    :func:`states_at`): unit 0 is the most significant bit, ``values[1]`` the 1."""
    arr = np.atleast_2d(np.asarray(configurations))
    bits = (arr == values[1]).astype(np.int64)
    return bits @ (np.int64(1) << np.arange(arr.shape[1] - 1, -1, -1, dtype=np.int64))


def states(n: int, start: int = 0, stop: int | None = None,
           values: tuple[int, int] = (0, 1)) -> np.ndarray:
    """Configurations ``start .. stop-1`` of ``n`` units as an int8 array (rows)."""
    if not 0 < n <= _MAX_UNITS:
        raise ValueError(f"n must be between 1 and {_MAX_UNITS} units to enumerate (got {n})")
    stop = 2**n if stop is None else stop
    return states_at(n, np.arange(start, stop, dtype=np.int64), values)


def chunk_size(n: int, bytes_per_state: int) -> int:
    """How many states fit in a quarter of the memory budget (at least one)."""
    return max(1, min(2**n, get_memory_budget() // (4 * max(1, bytes_per_state))))


def iter_states(n: int, *, values: tuple[int, int] = (0, 1), bytes_per_state: int | None = None,
                max_states: int = 2**30) -> Iterator[np.ndarray]:
    """Yield all 2**n configurations in chunks that keep memory under the budget.

    Parameters
    ----------
    n : int
        Number of units.
    values : (int, int)
        The two unit values, (0, 1) or (-1, 1).
    bytes_per_state : int, optional
        Working memory a caller needs per state (default: 8 * n, float64 rows).
    max_states : int
        Refuse enumerations of more than this many states (a ``ValueError``).
    """
    total = 2**n
    if total > max_states:
        raise ValueError(
            f"enumerating 2**{n} = {total} states exceeds max_states={max_states}; "
            "use a sampling estimate (AIS, Monte Carlo) for systems this large"
        )
    per = bytes_per_state if bytes_per_state is not None else 8 * n
    check_memory(per, "one enumerated state")
    size = chunk_size(n, per)
    for start in range(0, total, size):
        yield states(n, start, min(total, start + size), values)
