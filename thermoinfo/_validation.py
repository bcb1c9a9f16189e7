"""Input checking shared by the whole library.

Tables are checked, never repaired: a negative, non-finite or unnormalized
probability table raises :class:`~thermoinfo.DistributionError` (a
``ValueError``) naming the argument.

Normalization tolerance
-----------------------
A table ``p`` passes as a distribution when every entry is finite and
non-negative and ``|sum(p) - 1| <= ATOL``, with ``ATOL = 1e-9``. Conditional
tables ``T[condition..., outcome]`` pass when every row (the last axis) sums to
one within the same tolerance. Functions that accept ``normalize=True`` rescale
instead of checking the sum (entries must still be finite and non-negative,
and the total positive).
"""

from __future__ import annotations

import numbers
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

from thermoinfo._errors import DistributionError

__all__ = [
    "ATOL",
    "UNIT_VALUES",
    "as_conditional",
    "as_distribution",
    "as_rng",
    "as_unit_states",
    "check_callbacks",
    "check_nonnegative",
    "check_params",
    "check_positive",
    "check_positive_int",
    "check_temperatures",
    "is_labelled",
    "random_units",
    "resolve_axes",
    "resolve_rng",
    "unit_values",
]

ATOL = 1e-9

#: The two values of each unit set of binary networks.
UNIT_VALUES: dict[str, tuple[int, int]] = {"spin": (-1, 1), "binary": (0, 1)}


def is_labelled(x: Any) -> bool:
    """True if ``x`` is an ``xarray.DataArray`` (without importing xarray)."""
    return type(x).__name__ == "DataArray" and hasattr(x, "dims") and hasattr(x, "values")


def _as_float_array(x: Any, name: str) -> np.ndarray:
    if is_labelled(x):
        x = x.values
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be an array of numbers (got {type(x).__name__})")
    try:
        arr = np.asarray(x)
        if arr.dtype.kind != "c":
            return arr.astype(np.float64, copy=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of real numbers (got {type(x).__name__})") from exc
    raise TypeError(f"{name} must be an array of real numbers (got dtype {arr.dtype})")


def _check_entries(arr: np.ndarray, name: str) -> float:
    """Raise unless every entry is finite and >= 0; return the total."""
    if arr.size == 0:
        raise DistributionError(f"{name} is empty; a distribution needs at least one entry")
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf or overflow: refused below
        total = float(arr.sum())
    if np.isfinite(total) and arr.min() >= 0:  # a finite total rules out NaN and inf entries
        return total
    if not np.all(np.isfinite(arr)):
        bad = int(np.count_nonzero(~np.isfinite(arr)))
        raise DistributionError(f"{name} has {bad} non-finite entries (NaN or inf)")
    if np.any(arr < 0):
        raise DistributionError(
            f"{name} has negative entries (minimum {arr.min():.3g}); probabilities must be >= 0"
        )
    return total


def as_distribution(p: Any, name: str = "p", *, normalize: bool = False,
                    ndim: int | None = None) -> np.ndarray:
    """Return ``p`` as a checked float64 probability table.

    Parameters
    ----------
    p : array_like or xarray.DataArray
        Non-negative table summing to one.
    name : str
        Argument name used in error messages.
    normalize : bool
        Rescale to sum one instead of checking the sum.
    ndim : int, optional
        Required number of dimensions.

    Raises
    ------
    DistributionError
        Non-finite or negative entries, or a sum off one by more than ``ATOL``.
    """
    arr = _as_float_array(p, name)
    if ndim is not None and arr.ndim != ndim:
        raise DistributionError(f"{name} must be a {ndim}-D table (got shape {arr.shape})")
    total = _check_entries(arr, name)
    if normalize:
        if total <= 0:
            raise DistributionError(f"{name} sums to {total}; cannot normalize a zero table")
        return arr / total
    if abs(total - 1.0) > ATOL:
        raise DistributionError(
            f"{name} must sum to 1 (got {total:.12g}); pass normalize=True to rescale"
        )
    return arr


def as_conditional(T: Any, name: str = "T", *, n_condition_axes: int = 1,
                   normalize: bool = False) -> np.ndarray:
    """Return ``T[condition..., outcome]`` as a checked conditional table.

    Every row (slice along the last axis) must be a distribution.
    """
    arr = _as_float_array(T, name)
    if arr.ndim != n_condition_axes + 1:
        raise DistributionError(
            f"{name} must have {n_condition_axes} condition axes and one outcome axis "
            f"(indexed [condition..., outcome]); got shape {arr.shape}"
        )
    _check_entries(arr, name)
    rows = arr.sum(axis=-1, keepdims=True)
    if normalize:
        if np.any(rows <= 0):
            raise DistributionError(f"{name} has all-zero rows; cannot normalize them")
        return arr / rows
    dev = np.abs(rows - 1.0)
    if np.any(dev > ATOL):
        idx = np.unravel_index(int(np.argmax(dev)), rows.shape[:-1]) if rows.ndim > 1 else ()
        raise DistributionError(
            f"{name}: every row (last axis, the outcome) must sum to 1; row {idx} sums to "
            f"{float(rows[idx + (0,)] if idx else rows[0]):.12g}. Tables are indexed "
            "[condition..., outcome] like predict_proba; pass normalize=True to rescale rows"
        )
    return arr


def resolve_axes(axes: Any, ndim: int, name: str, dims: Sequence[Hashable] | None = None
                 ) -> tuple[int, ...]:
    """Turn an axis, a dim name, or a sequence of them into sorted unique ints."""
    if axes is None:
        return ()
    if isinstance(axes, (str, numbers.Integral)) or not isinstance(axes, (Sequence, np.ndarray)):
        axes = (axes,)
    out = []
    for a in axes:
        if isinstance(a, numbers.Integral) and not isinstance(a, bool):
            i = int(a)
            if not -ndim <= i < ndim:
                raise ValueError(f"{name}: axis {i} is out of range for a {ndim}-D table")
            out.append(i % ndim)
        elif dims is not None and a in dims:
            out.append(list(dims).index(a))
        else:
            known = f"; dims are {tuple(dims)}" if dims is not None else ""
            raise ValueError(f"{name}: unknown axis {a!r}{known}")
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: repeated axis in {tuple(axes)!r}")
    return tuple(sorted(out))


def _check_scalar(x: Any, name: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (numbers.Real, np.floating, np.integer)):
        if isinstance(x, np.ndarray) and x.ndim == 0:
            x = x.item()
        else:
            raise TypeError(f"{name} must be a real number (got {type(x).__name__})")
    x = float(x)
    if not np.isfinite(x):
        raise ValueError(f"{name} must be finite (got {x})")
    return x


def check_nonnegative(x: Any, name: str) -> float:
    """Return ``x`` as a float, raising unless it is finite and >= 0."""
    x = _check_scalar(x, name)
    if x < 0:
        raise ValueError(f"{name} must be >= 0 (got {x})")
    return x


def check_positive(x: Any, name: str) -> float:
    """Return ``x`` as a float, raising unless it is finite and > 0."""
    x = _check_scalar(x, name)
    if x <= 0:
        raise ValueError(f"{name} must be > 0 (got {x})")
    return x


def check_positive_int(x: Any, name: str, minimum: int = 1) -> int:
    """Return ``x`` as an int, raising unless it is an integer >= ``minimum``."""
    if isinstance(x, bool) or not isinstance(x, (numbers.Integral, np.integer)):
        raise TypeError(f"{name} must be an integer (got {type(x).__name__} {x!r})")
    if x < minimum:
        raise ValueError(f"{name} must be >= {minimum} (got {x})")
    return int(x)


def as_rng(rng: Any) -> np.random.Generator:
    """``np.random.default_rng(rng)``: a Generator from a seed, SeedSequence,
    BitGenerator, Generator or None."""
    try:
        return np.random.default_rng(rng)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            "rng must be None, an int seed, a SeedSequence, a BitGenerator or a Generator "
            f"(got {type(rng).__name__})"
        ) from exc


def resolve_rng(rng: Any, random_state: Any) -> Any:
    """The seed given as ``rng`` or as ``random_state`` (its scikit-learn spelling).

    Raises ``ValueError`` when both are given.
    """
    if rng is not None and random_state is not None:
        raise ValueError("rng and random_state (its scikit-learn spelling) were both given; pass one")
    return rng if rng is not None else random_state


def random_units(rng: np.random.Generator, shape: Any, units: str) -> np.ndarray:
    """Independent uniform draws from a unit set (``"spin"`` or ``"binary"``) as int8."""
    lo, hi = UNIT_VALUES[units]
    return np.where(rng.random(shape) < 0.5, np.int8(lo), np.int8(hi)).astype(np.int8)


def check_params(weights: Any, visible_bias: Any, hidden_bias: Any
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(W, b, c)`` of an RBM as float64 arrays, checked: ``W`` 2-D and non-empty,
    the biases of matching lengths (``None`` is zero), every entry real and finite.

    Raises
    ------
    TypeError
        Not an array of real numbers (strings, objects, complex numbers).
    ValueError
        A wrong shape or a non-finite entry.

    Each message starts with the name of the offending argument.
    """
    out = []
    for name, value in (("weights", weights), ("visible_bias", visible_bias), ("hidden_bias", hidden_bias)):
        if value is None and name != "weights":
            out.append(None)
            continue
        if np.iscomplexobj(value):
            raise TypeError(f"{name} must be an array of real numbers (got complex numbers)")
        try:
            out.append(np.asarray(value, dtype=np.float64))
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must be an array of real numbers (got {type(value).__name__})") from exc
    W = out[0]
    if W.ndim != 2 or W.shape[0] < 1 or W.shape[1] < 1:
        raise ValueError(f"weights must be a 2-D (n_visible, n_hidden) array; got shape {W.shape}")
    for k, (name, n) in enumerate((("visible_bias", W.shape[0]), ("hidden_bias", W.shape[1])), start=1):
        if out[k] is None:
            out[k] = np.zeros(n)
        elif out[k].shape != (n,):
            raise ValueError(f"{name} must have shape ({n},); got {out[k].shape}")
    for name, arr in zip(("weights", "visible_bias", "hidden_bias"), out):
        if not np.all(np.isfinite(arr)):
            bad = int(np.count_nonzero(~np.isfinite(arr)))
            raise ValueError(f"{name} has {bad} non-finite entries (NaN or inf); parameters must be finite")
    return out[0], out[1], out[2]


def check_temperatures(temperature: Any, name: str = "temperature") -> np.ndarray:
    """``temperature`` as a float64 array, 0-D for a scalar or 1-D (non-empty), of
    finite T > 0; ``TypeError`` for booleans, strings, complex or non-numeric input."""
    if isinstance(temperature, (str, bytes)) or temperature is None:
        raise TypeError(f"{name} must be a positive number or a 1-D array of them "
                        f"(got {type(temperature).__name__})")
    try:
        t = np.asarray(temperature)
        if t.dtype == object:
            t = t.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a positive number or a 1-D array of them "
                        f"(got {type(temperature).__name__})") from exc
    if t.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be a positive number or a 1-D array of them (got dtype {t.dtype})")
    t = t.astype(np.float64)
    if t.ndim > 1 or t.size == 0:
        raise ValueError(f"{name} must be a scalar or a non-empty 1-D array (got shape {t.shape})")
    if not np.all(np.isfinite(t)) or np.any(t <= 0):
        raise ValueError(f"{name} must be finite and > 0 (got {temperature!r})")
    return t


def check_callbacks(callbacks: Any, name: str = "callbacks") -> tuple[Any, ...]:
    """Return ``callbacks`` as a tuple, raising ``TypeError`` unless it is a sequence
    of callables (a single callable is refused: wrap it as ``[callback]``)."""
    if callable(callbacks) or isinstance(callbacks, (str, bytes)) or not isinstance(callbacks, Sequence):
        raise TypeError(
            f"{name} must be a sequence of callables, each called with the loop's state "
            f"(got {type(callbacks).__name__}); wrap a single callable as [callback]"
        )
    for i, cb in enumerate(callbacks):
        if not callable(cb):
            raise TypeError(f"{name}[{i}] must be callable (got {type(cb).__name__})")
    return tuple(callbacks)


def unit_values(units: Any, name: str = "units") -> tuple[int, int]:
    """``(lo, hi)`` of a unit set, ``"spin"`` (-1, +1) or ``"binary"`` (0, 1)."""
    if not isinstance(units, str) or units not in UNIT_VALUES:
        raise ValueError(f"{name} must be 'spin' (values -1, +1) or 'binary' (values 0, 1); got {units!r}")
    return UNIT_VALUES[units]


def as_unit_states(states: Any, n_units: int, units: str, name: str = "states", *,
                   ndim: tuple[int, ...] = (1, 2), size_name: str = "n_units"
                   ) -> tuple[np.ndarray, bool]:
    """Check configurations of a binary network and return them as 2-D int8 rows.

    Parameters
    ----------
    states : array_like or xarray.DataArray
        One configuration ``(n_units,)`` or several ``(n, n_units)``.
    n_units : int
        Required width (last axis).
    units : {"spin", "binary"}
        The unit set every entry must belong to.
    name : str
        Argument name used in error messages.
    ndim : tuple of int
        Allowed numbers of dimensions, from (1, 2).
    size_name : str
        Name of the width in messages (``n_units``, ``n_visible``, ...).

    Returns
    -------
    (ndarray of int8, shape (n, n_units), bool)
        The configurations and whether the input was 1-D.

    Raises
    ------
    TypeError
        Non-numeric input.
    ValueError
        Wrong shape or width, non-finite entries, values outside the unit set.
    """
    lo, hi = unit_values(units)
    if is_labelled(states):
        states = states.values
    if isinstance(states, (str, bytes)) or states is None:
        raise TypeError(f"{name} must be an array of unit values (got {type(states).__name__})")
    try:
        arr = np.asarray(states)
        if arr.dtype == object or arr.dtype.kind not in "biufc":
            arr = arr.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of numbers (got {type(states).__name__})") from exc
    if arr.dtype.kind == "c":
        raise TypeError(f"{name} must be real (got dtype {arr.dtype}); units take the values {lo}, {hi}")
    if arr.ndim not in ndim:
        shapes = {1: f"({size_name},)", 2: f"(n, {size_name})"}
        allowed = " or ".join(f"{d}-D {shapes[d]}" for d in ndim)
        raise ValueError(f"{name} must be {allowed}; got shape {arr.shape}")
    was_1d = arr.ndim == 1
    arr2 = arr[None, :] if was_1d else arr
    if arr2.shape[1] != n_units:
        raise ValueError(
            f"{name} must have {n_units} units in its last axis ({size_name}={n_units}); "
            f"got {arr2.shape[1]}"
        )
    if arr2.dtype.kind == "f" and not np.all(np.isfinite(arr2)):
        raise ValueError(f"{name} has non-finite entries (NaN or inf); units take the values {lo}, {hi}")
    ok = (arr2 == lo) | (arr2 == hi)
    if not np.all(ok):
        bad = arr2[~ok].ravel()[0]
        raise ValueError(
            f"{name} has entries outside the {units} unit set {{{lo}, {hi}}} (e.g. {bad!r}); "
            + ("map binary data with s = 2u - 1" if units == "spin" else "map spins with u = (s + 1) / 2")
        )
    return np.ascontiguousarray(arr2, dtype=np.int8), was_1d
