"""The information-geometric Pythagorean decomposition.

For a log-linear (e-flat) family M (``family.e_flat``: products, exponential
families, DAGs without immoralities), the m-projection q* of p onto M and any
q in M satisfy

    D(p || q) = D(p || q*) + D(q* || q).

For nested e-flat families M_1 > M_2 > ... > M_n (largest first) with
m-projections q*_k of p, the m-projection of q*_k onto M_(k+1) is q*_(k+1) and
the decompositions chain when M_1 ... M_(n-1) are e-flat:

    D(p || q*_n) = D(p || q*_1) + sum_k D(q*_k || q*_(k+1)).

With M_n the product of single axes, D(p || q*_n) is the total correlation
sum_i H(X_i) - H(X), so the chain splits it into the information carried by
each layer of the hierarchy (Amari 2001, Theorem 5).

Reference: S. Amari, "Information geometry on hierarchy of probability
distributions", IEEE Trans. Inf. Theory 47, 1701 (2001); the stochastic-
thermodynamic reading is S. Ito, M. Oizumi and S. Amari, Phys. Rev. Research 2,
033048 (2020), arXiv:1810.09545.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from thermoinfo._labels import align_to, dims_of, rewrap
from thermoinfo._validation import as_distribution
from thermoinfo.geometry.divergences import _kl_kernel
from thermoinfo.geometry.families import as_family

__all__ = ["Pythagoras", "PythagorasChain", "pythagoras", "pythagoras_chain"]


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
        ``total - projection - model`` (zero up to rounding when q is in an
        e-flat family; 0 when total and one term are both infinite).
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
        raise ValueError(f"q has shape {qa.shape} but p has shape {pa.shape}; "
                         "p and q must have the same shape")
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


@dataclass(frozen=True)
class PythagorasChain:
    """The chain D(p||q*_n) = D(p||q*_1) + sum_k D(q*_k||q*_(k+1)) over nested families.

    Attributes
    ----------
    total : float
        D(p || q*_n), the distance from p to the smallest family.
    terms : tuple of float
        ``(D(p||q*_1), D(q*_1||q*_2), ..., D(q*_(n-1)||q*_n))``.
    residual : float
        ``total - sum(terms)`` (zero up to rounding; 0 when both are infinite).
    q_stars : tuple
        The m-projections q*_1 ... q*_n of p (DataArrays if p is one).
    """

    total: float
    terms: tuple[float, ...]
    residual: float
    q_stars: tuple[Any, ...]


def pythagoras_chain(p: Any, families: Sequence[Any], *, check_nesting: bool = True,
                     normalize: bool = False) -> PythagorasChain:
    """Chain of Pythagorean decompositions over nested families, largest first.

    Parameters
    ----------
    p : array_like or xarray.DataArray
        Joint distribution table.
    families : sequence of Family
        M_1 > M_2 > ... > M_n, each nested in the one before it. All but the
        last must be e-flat (``family.e_flat``) for the terms to add up; for a
        curved family the ``residual`` says by how much they do not.
    check_nesting : bool
        Raise unless each family is nested in the previous one (checked on a
        generic member, see :meth:`Family.is_nested_in`).

    Returns
    -------
    PythagorasChain

    Examples
    --------
    A Markov chain X0 - X1 - X2 between the full table and the product family:
    the terms are I(X0; X2 | X1) and I(X0; X1) + I(X1; X2), and they add up to
    the total correlation.

    >>> import numpy as np, thermoinfo
    >>> from thermoinfo.geometry import pythagoras_chain
    >>> from thermoinfo.geometry.families import BayesNet, Product
    >>> p = np.random.default_rng(0).dirichlet(np.ones(8)).reshape(2, 2, 2)
    >>> r = pythagoras_chain(p, [BayesNet({1: (0,), 2: (1,)}), Product()])
    >>> tc = sum(thermoinfo.entropy(p.sum(axis=tuple(j for j in range(3) if j != i)))
    ...          for i in range(3)) - thermoinfo.entropy(p)
    >>> bool(abs(r.total - tc) < 1e-12 and abs(r.residual) < 1e-12)
    True
    """
    fams = [as_family(f, f"families[{i}]") for i, f in enumerate(families)]
    if not fams:
        raise ValueError("families must hold at least one family, ordered from largest to smallest")
    pa = as_distribution(p, "p", normalize=normalize)
    dims = dims_of(p)
    if check_nesting:
        for k in range(len(fams) - 1):
            if not fams[k + 1].is_nested_in(fams[k], pa.shape, dims):
                raise ValueError(
                    f"families[{k + 1}] = {fams[k + 1]!r} is not nested in families[{k}] = "
                    f"{fams[k]!r}; order the families from largest to smallest"
                )
    q_stars = [f.project_array(pa, dims) for f in fams]
    terms = [_kl_kernel(pa, q_stars[0])]
    terms += [_kl_kernel(q_stars[k], q_stars[k + 1]) for k in range(len(fams) - 1)]
    total = _kl_kernel(pa, q_stars[-1])
    acc = float(np.sum(terms))
    if np.isinf(total):
        residual = 0.0 if np.isinf(acc) else float("inf")
    else:
        residual = total - acc
    return PythagorasChain(total, tuple(terms), residual, tuple(rewrap(q, p) for q in q_stars))
