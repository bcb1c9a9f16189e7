"""m-projection onto model families.

    q* = argmin_{q in M} D(p || q)

For the product and Bayesian-network families the minimizer is closed-form
(p's own marginals and conditionals, see :mod:`thermoinfo.geometry.families`).
Reference: S. Amari and H. Nagaoka, *Methods of Information Geometry* (2000).
"""

from __future__ import annotations

from typing import Any

from thermoinfo._labels import dims_of, rewrap
from thermoinfo._validation import as_distribution
from thermoinfo.geometry.families import as_family

__all__ = ["m_projection"]


def m_projection(p: Any, family: Any, *, normalize: bool = False) -> Any:
    """The m-projection q* = argmin_{q in family} D(p || q).

    Parameters
    ----------
    p : array_like or xarray.DataArray
        Joint distribution table; its axes are the family's variables.
    family : Family
        For example ``families.Product()`` or ``families.BayesNet(parents)``.
    normalize : bool
        Rescale ``p`` to sum one instead of checking.

    Returns
    -------
    ndarray or xarray.DataArray
        q*, of p's shape (a DataArray with p's dims and coords if p is one).

    Examples
    --------
    >>> import numpy as np, thermoinfo
    >>> p = np.array([[0.3, 0.2], [0.1, 0.4]])
    >>> thermoinfo.m_projection(p, thermoinfo.families.Product())
    array([[0.2, 0.3],
           [0.2, 0.3]])
    """
    fam = as_family(family)
    arr = as_distribution(p, "p", normalize=normalize)
    return rewrap(fam.project_array(arr, dims_of(p)), p)
