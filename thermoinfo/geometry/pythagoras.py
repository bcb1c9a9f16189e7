"""The information-geometric Pythagorean decomposition.

For a log-linear (e-flat) family M, the m-projection q* of p onto M and any
q in M satisfy

    D(p || q) = D(p || q*) + D(q* || q).

Reference: S. Amari, "Information geometry on hierarchy of probability
distributions", IEEE Trans. Inf. Theory 47, 1701 (2001); the stochastic-
thermodynamic reading is S. Ito, M. Oizumi and S. Amari, Phys. Rev. Research 2,
033048 (2020), arXiv:1810.09545.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from thermoinfo._labels import align_to, dims_of, rewrap
from thermoinfo._validation import as_distribution
from thermoinfo.geometry.divergences import _kl_kernel
from thermoinfo.geometry.families import as_family

__all__ = ["Pythagoras", "pythagoras"]


@dataclass(frozen=True)
class Pythagoras:
    """The terms of D(p||q) = D(p||q*) + D(q*||q).

    Attributes
    ----------
    total : float
        D(p || q).
    projection : float
        D(p || q*), the distance from p to the family.
    model : float
        D(q* || q), the distance inside the family.
    residual : float
        ``total - projection - model`` (zero up to rounding when q is in the
        family; 0 when total and one term are both infinite).
    q_star : ndarray or xarray.DataArray
        The m-projection of p.
    """

    total: float
    projection: float
    model: float
    residual: float
    q_star: Any


def _residual(total: float, projection: float, model: float) -> float:
    if np.isinf(total):
        return 0.0 if (np.isinf(projection) or np.isinf(model)) else float("inf")
    return total - projection - model


def pythagoras(p: Any, q: Any, family: Any, *, check_membership: bool = True,
               atol: float = 1e-9, normalize: bool = False) -> Pythagoras:
    """Split D(p||q) into D(p||q*) + D(q*||q), q* the m-projection of p.

    Parameters
    ----------
    p, q : array_like or xarray.DataArray
        Distributions of the same shape.
    family : Family
        The model family; ``q`` must lie in it for the identity to hold.
    check_membership : bool
        Raise if ``q`` is not in the family (its own projection differs from it
        by more than ``atol``). Pass False to see the residual for any q.

    Returns
    -------
    Pythagoras

    Examples
    --------
    >>> import numpy as np, thermoinfo
    >>> p = np.array([[0.3, 0.2], [0.1, 0.4]])
    >>> q = np.outer([0.6, 0.4], [0.3, 0.7])
    >>> r = thermoinfo.pythagoras(p, q, thermoinfo.families.Product())
    >>> abs(r.residual) < 1e-12
    True
    """
    fam = as_family(family)
    q = align_to(q, p, "q")
    pa = as_distribution(p, "p", normalize=normalize)
    qa = as_distribution(q, "q", normalize=normalize)
    if pa.shape != qa.shape:
        raise ValueError(f"p and q must have the same shape (got {pa.shape} and {qa.shape})")
    dims = dims_of(p)
    if check_membership and not fam.contains(qa, dims, atol=atol):
        raise ValueError(
            f"q does not lie in the family {fam!r} (its m-projection differs by more than "
            f"atol={atol}); the Pythagorean relation holds only for q in the family. "
            "Pass check_membership=False to compute the terms anyway"
        )
    q_star = fam.project_array(pa, dims)
    total = _kl_kernel(pa, qa)
    projection = _kl_kernel(pa, q_star)
    model = _kl_kernel(q_star, qa)
    return Pythagoras(total, projection, model, _residual(total, projection, model),
                      rewrap(q_star, p))
