"""Labelled-array plumbing: array kernels first, ``xarray`` wrappers over them.

A function that accepts ``xarray.DataArray`` inputs unwraps them with
:func:`unwrap`, runs its array kernel, and wraps tables of the input's shape
back with :func:`rewrap`. Two labelled inputs are matched by dim name.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from thermoinfo._validation import is_labelled

__all__ = ["align_to", "dims_of", "rewrap"]


def dims_of(x: Any) -> tuple | None:
    """The dims of a DataArray, or None for a plain array."""
    return tuple(x.dims) if is_labelled(x) else None


def align_to(x: Any, reference: Any, name: str) -> Any:
    """Transpose ``x`` to the dims of ``reference`` when both are labelled."""
    if is_labelled(x) and is_labelled(reference):
        if set(x.dims) != set(reference.dims):
            raise ValueError(
                f"{name} has dims {tuple(x.dims)} but the reference has dims "
                f"{tuple(reference.dims)}; labelled tables are matched by dim name"
            )
        return x.transpose(*reference.dims)
    return x


def rewrap(values: np.ndarray, like: Any, name: str | None = None) -> Any:
    """Return ``values`` as a DataArray shaped like ``like`` if it is labelled."""
    if is_labelled(like):
        out = like.copy(data=np.asarray(values))
        if name is not None:
            out.name = name
        return out
    return values
