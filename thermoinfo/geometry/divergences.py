"""Entropies and divergences of discrete tables of any rank.

Equations (nats unless ``base`` is given; 0 log 0 = 0):

    H(p)        = -sum_s p(s) log p(s)
    H(p, q)     = -sum_s p(s) log q(s)                      (cross entropy)
    D(p || q)   =  sum_s p(s) log p(s)/q(s)                 (= inf if p(s) > 0 = q(s))
    I(X; Y)     =  D(p(x, y) || p(x) p(y))
    H(X | Y)    =  H(X, Y) - H(Y)
    I(X; Y | Z) =  H(X, Z) + H(Y, Z) - H(X, Y, Z) - H(Z)

Axes of a joint table name its variables; a labelled ``xarray.DataArray`` may
name them by dim instead. Reference: T. M. Cover and J. A. Thomas, *Elements of
Information Theory*, 2nd ed. (2006), ch. 2.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import entr, rel_entr, xlogy

from thermoinfo._labels import align_to, dims_of
from thermoinfo._validation import as_distribution, resolve_axes

__all__ = [
    "conditional_entropy",
    "conditional_mutual_information",
    "cross_entropy",
    "entropy",
    "kl",
    "marginal",
    "mutual_information",
]


def _scale(value: float, base: float | None) -> float:
    if base is None:
        return float(value)
    if isinstance(base, bool) or not np.isscalar(base) or not base > 1 or not np.isfinite(base):
        raise ValueError(f"base must be a finite number > 1 (got {base!r}); None means nats")
    return float(value / np.log(base))


def _kl_kernel(p: np.ndarray, q: np.ndarray) -> float:
    """D(p||q) on checked arrays of equal shape: the sum of ``scipy.special.rel_entr``
    (0 log 0/q = 0, inf where p > 0 = q, exact when p/q overflows), never negative."""
    # rounding can give -1e-17 for identical tables; KL is non-negative
    return max(float(np.sum(rel_entr(p, q))), 0.0)


def _entropy_kernel(p: np.ndarray) -> float:
    """H(p) = -sum p log p with 0 log 0 = 0 (``scipy.special.entr``), on a checked array."""
    return max(float(np.sum(entr(p))), 0.0)


def _pair(p: Any, q: Any, normalize: bool) -> tuple[np.ndarray, np.ndarray]:
    q = align_to(q, p, "q")
    pa = as_distribution(p, "p", normalize=normalize)
    qa = as_distribution(q, "q", normalize=normalize)
    if pa.shape != qa.shape:
        raise ValueError(f"q has shape {qa.shape} but p has shape {pa.shape}; "
                         "p and q must have the same shape")
    return pa, qa


def kl(p: Any, q: Any, *, base: float | None = None, normalize: bool = False) -> float:
    """Kullback–Leibler divergence D(p || q).

    Parameters
    ----------
    p, q : array_like or xarray.DataArray
        Distributions of the same shape (labelled tables are matched by dim).
    base : float, optional
        Logarithm base (2 for bits); nats by default.
    normalize : bool
        Rescale both tables to sum one instead of checking.

    Returns
    -------
    float
        D(p || q) >= 0; ``inf`` when p puts mass where q has none.

    Examples
    --------
    >>> import thermoinfo
    >>> round(thermoinfo.kl([0.5, 0.5], [0.9, 0.1]), 6)
    0.510826
    >>> thermoinfo.kl([0.5, 0.5], [1.0, 0.0])
    inf
    """
    pa, qa = _pair(p, q, normalize)
    return _scale(_kl_kernel(pa, qa), base)


def cross_entropy(p: Any, q: Any, *, base: float | None = None,
                  normalize: bool = False) -> float:
    """Cross entropy H(p, q) = H(p) + D(p || q) = -sum p log q (``inf`` on mismatch)."""
    pa, qa = _pair(p, q, normalize)
    if np.any((pa > 0) & (qa <= 0)):
        return float("inf")
    with np.errstate(divide="ignore"):
        return _scale(float(-np.sum(xlogy(pa, qa))), base)


def entropy(p: Any, *, base: float | None = None, normalize: bool = False) -> float:
    """Shannon entropy H(p) of a table of any rank.

    Examples
    --------
    >>> import thermoinfo
    >>> thermoinfo.entropy([0.25] * 4, base=2)
    2.0
    """
    return _scale(_entropy_kernel(as_distribution(p, "p", normalize=normalize)), base)


def marginal(p: Any, axes: Any, *, normalize: bool = False) -> np.ndarray:
    """Marginal of a joint table on ``axes`` (ints or dim names), axes kept in order."""
    arr = as_distribution(p, "p", normalize=normalize)
    keep = resolve_axes(axes, arr.ndim, "axes", dims_of(p))
    drop = tuple(i for i in range(arr.ndim) if i not in keep)
    return arr.sum(axis=drop)


def _h_of(arr: np.ndarray, keep: tuple[int, ...]) -> float:
    if not keep:
        return 0.0
    drop = tuple(i for i in range(arr.ndim) if i not in keep)
    return _entropy_kernel(arr.sum(axis=drop))


def _groups(p: Any, groups: dict[str, Any], normalize: bool, name: str = "p"
            ) -> tuple[np.ndarray, dict[str, tuple[int, ...]]]:
    arr = as_distribution(p, name, normalize=normalize)
    dims = dims_of(p)
    out = {k: resolve_axes(v, arr.ndim, k, dims) for k, v in groups.items()}
    names = list(out)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if set(out[a]) & set(out[b]):
                raise ValueError(f"{a} and {b} share axes {set(out[a]) & set(out[b])}")
    return arr, out


def mutual_information(p_xy: Any, x: Any = None, y: Any = None, *,
                       base: float | None = None, normalize: bool = False) -> float:
    """Mutual information I(X; Y) = H(X) + H(Y) - H(X, Y).

    Parameters
    ----------
    p_xy : array_like or xarray.DataArray
        Joint table. For a 2-D table ``x`` and ``y`` default to axes 0 and 1.
    x, y : int, dim name, or sequence of them, optional
        Axes of the two variables (each may be a group of axes).

    Examples
    --------
    >>> import numpy as np, thermoinfo
    >>> thermoinfo.mutual_information(np.eye(2) / 2, base=2)
    1.0
    """
    if x is None and y is None:
        arr = as_distribution(p_xy, "p_xy", normalize=normalize)
        if arr.ndim != 2:
            raise ValueError(f"p_xy is {arr.ndim}-D; name the axes of x and y for tables not 2-D")
        g = {"x": (0,), "y": (1,)}
    elif x is None or y is None:
        raise ValueError(f"{'y' if y is None else 'x'} is missing: give both x and y, "
                         "or neither for a 2-D table")
    else:
        arr, g = _groups(p_xy, {"x": x, "y": y}, normalize, "p_xy")
    xy = tuple(sorted(g["x"] + g["y"]))
    val = _h_of(arr, g["x"]) + _h_of(arr, g["y"]) - _h_of(arr, xy)
    return _scale(max(val, 0.0), base)


def conditional_entropy(p: Any, x: Any, given: Any, *, base: float | None = None,
                        normalize: bool = False) -> float:
    """Conditional entropy H(X | Y) = H(X, Y) - H(Y) over the axes ``x`` and ``given``."""
    arr, g = _groups(p, {"x": x, "given": given}, normalize)
    xy = tuple(sorted(g["x"] + g["given"]))
    return _scale(max(_h_of(arr, xy) - _h_of(arr, g["given"]), 0.0), base)


def conditional_mutual_information(p: Any, x: Any, y: Any, given: Any, *,
                                   base: float | None = None, normalize: bool = False) -> float:
    """Conditional mutual information I(X; Y | Z) = H(X,Z) + H(Y,Z) - H(X,Y,Z) - H(Z)."""
    arr, g = _groups(p, {"x": x, "y": y, "given": given}, normalize)
    X, Y, Z = g["x"], g["y"], g["given"]
    val = (_h_of(arr, tuple(sorted(X + Z))) + _h_of(arr, tuple(sorted(Y + Z)))
           - _h_of(arr, tuple(sorted(X + Y + Z))) - _h_of(arr, Z))
    return _scale(max(val, 0.0), base)
