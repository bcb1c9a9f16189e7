"""Symbolic twin of :mod:`thermoinfo.geometry`: divergences, projections, Gaussians.

Discrete tables (nats, entries taken as given, see :mod:`thermoinfo.symbolic._common`):

    H(p)        = -sum_s p(s) log p(s)
    H(p, q)     = -sum_s p(s) log q(s)
    D(p || q)   =  sum_s p(s) (log p(s) - log q(s))
    I(X; Y)     =  D(p(x, y) || p(x) p(y))
    H(X | Y)    =  H(X, Y) - H(Y)

m-projection onto the product family (blocks of axes) and the Bayesian-network
family of a DAG: q*(s) = prod_b p(s_b), respectively q*(s) = prod_i
p(s_i | s_pa(i)); for any q in the family

    D(p || q) = D(p || q*) + D(q* || q)                       (Pythagoras)

Gaussians N(mu, Sigma) in k dimensions (a scalar is a variance, k = 1):

    H(N)              = (1/2) log det(2 pi e Sigma)
    D(N_p || N_q)     = (1/2) [ tr(Sigma_q^-1 Sigma_p) + (mu_q - mu_p)^T Sigma_q^-1 (mu_q - mu_p)
                               - k + log det Sigma_q - log det Sigma_p ]
    H(N_p, N_q)       = H(N_p) + D(N_p || N_q)
    I(X; Y)           = (1/2) [ log det Sigma_XX + log det Sigma_YY - log det Sigma ]

and the m-projection of N(mu, Sigma) onto the product family keeps the mean and
the diagonal blocks of Sigma, with the same Pythagorean relation for every
product Gaussian q.

References: T. M. Cover and J. A. Thomas, *Elements of Information Theory*, 2nd
ed. (2006), ch. 2 and 8; S. Amari, "Information geometry on hierarchy of
probability distributions", IEEE Trans. Inf. Theory 47, 1701 (2001); S. Ito,
M. Oizumi and S. Amari, Phys. Rev. Research 2, 033048 (2020), arXiv:1810.09545.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from thermoinfo._validation import resolve_axes
from thermoinfo.geometry.families import BayesNet, Product, as_family
from thermoinfo.symbolic._common import (
    as_object_array,
    lambdify,
    probability_table,
    to_sympy,
    vanishes_identically,
)

__all__ = [
    "Pythagoras",
    "conditional_entropy",
    "cross_entropy",
    "entropy",
    "gaussian_cross_entropy",
    "gaussian_entropy",
    "gaussian_kl",
    "gaussian_m_projection",
    "gaussian_mutual_information",
    "gaussian_pythagoras",
    "kl",
    "lambdify",
    "m_projection",
    "marginal",
    "mutual_information",
    "probability_table",
    "product",
    "pythagoras",
    "vanishes_identically",
]


def _pair(p: Any, q: Any) -> tuple[np.ndarray, np.ndarray]:
    pa = as_object_array(p, "p")
    qa = as_object_array(q, "q")
    if pa.shape != qa.shape:
        raise ValueError(f"q has shape {qa.shape} but p has shape {pa.shape}; "
                         "p and q must have the same shape")
    return pa, qa


def _mismatch(p: np.ndarray, q: np.ndarray) -> bool:
    """True where p(s) is non-zero and q(s) is identically 0 (support mismatch: +oo)."""
    return any(x != 0 and y == 0 for x, y in zip(p.ravel(), q.ravel()))


def _plogp(p: np.ndarray) -> sp.Expr:
    return sp.Add(*[x * sp.log(x) for x in p.ravel() if x != 0])


def entropy(p: Any) -> sp.Expr:
    """H(p) = -sum p log p of a symbolic table (zero entries contribute 0).

    Examples
    --------
    >>> import sympy as sp
    >>> from thermoinfo.symbolic.geometry import entropy
    >>> a = sp.Symbol("a", positive=True)
    >>> entropy([a, 1 - a])
    -a*log(a) - (1 - a)*log(1 - a)
    """
    return -_plogp(as_object_array(p, "p"))


def cross_entropy(p: Any, q: Any) -> sp.Expr:
    """H(p, q) = -sum p log q of symbolic tables of one shape."""
    pa, qa = _pair(p, q)
    if _mismatch(pa, qa):
        return sp.oo
    return -sp.Add(*[x * sp.log(y) for x, y in zip(pa.ravel(), qa.ravel()) if x != 0])


def kl(p: Any, q: Any) -> sp.Expr:
    """D(p || q) = sum p (log p - log q) of symbolic tables of one shape.

    ``sympy.oo`` when q has an entry that is identically 0 where p's is not;
    entries of p that are identically 0 contribute 0.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermoinfo.symbolic.geometry import kl
    >>> d = kl([sp.Rational(1, 2)] * 2, [sp.Rational(9, 10), sp.Rational(1, 10)])
    >>> round(float(d), 6)
    0.510826
    """
    pa, qa = _pair(p, q)
    if _mismatch(pa, qa):
        return sp.oo
    return sp.Add(*[x * (sp.log(x) - sp.log(y)) for x, y in zip(pa.ravel(), qa.ravel()) if x != 0])


def _marginal_array(p: np.ndarray, keep: tuple[int, ...]) -> np.ndarray:
    drop = tuple(i for i in range(p.ndim) if i not in keep)
    out = p.sum(axis=drop, keepdims=True) if drop else p.copy()
    return out


def marginal(p: Any, axes: Any) -> sp.ImmutableDenseNDimArray:
    """Marginal of a symbolic joint table on ``axes`` (ints), axes kept in order."""
    arr = as_object_array(p, "p")
    keep = resolve_axes(axes, arr.ndim, "axes")
    drop = tuple(i for i in range(arr.ndim) if i not in keep)
    out = arr.sum(axis=drop) if drop else arr
    return to_sympy(np.asarray(out, dtype=object).reshape([arr.shape[i] for i in sorted(keep)]))


def _h(arr: np.ndarray, keep: tuple[int, ...]) -> sp.Expr:
    if not keep:
        return sp.Integer(0)
    return -_plogp(_marginal_array(arr, keep))


def mutual_information(p_xy: Any, x: Any = None, y: Any = None) -> sp.Expr:
    """I(X; Y) = D(p(x, y) || p(x) p(y)) of a symbolic joint table.

    For a 2-D table ``x`` and ``y`` default to axes 0 and 1; otherwise name
    the axes (an int or a tuple of ints each) of the two variables.
    """
    arr = as_object_array(p_xy, "p_xy")
    if x is None and y is None:
        if arr.ndim != 2:
            raise ValueError(f"p_xy is {arr.ndim}-D; name the axes of x and y for tables not 2-D")
        x, y = 0, 1
    elif x is None or y is None:
        raise ValueError("give both x and y, or neither for a 2-D table")
    ax = resolve_axes(x, arr.ndim, "x")
    ay = resolve_axes(y, arr.ndim, "y")
    if set(ax) & set(ay):
        raise ValueError(f"x and y share axes {set(ax) & set(ay)}")
    joint = _marginal_array(arr, tuple(sorted(ax + ay)))
    prod = _marginal_array(joint, ax) * _marginal_array(joint, ay)
    return kl(to_sympy(joint), to_sympy(prod))


def conditional_entropy(p: Any, x: Any, given: Any) -> sp.Expr:
    """H(X | Y) = H(X, Y) - H(Y) over the axes ``x`` and ``given`` of a symbolic table."""
    arr = as_object_array(p, "p")
    ax = resolve_axes(x, arr.ndim, "x")
    ag = resolve_axes(given, arr.ndim, "given")
    if set(ax) & set(ag):
        raise ValueError(f"x and given share axes {set(ax) & set(ag)}")
    return _h(arr, tuple(sorted(ax + ag))) - _h(arr, ag)


def product(*marginals: Any) -> sp.ImmutableDenseNDimArray:
    """The product distribution q(s_1, ..., s_n) = q_1(s_1) ... q_n(s_n) of 1-D tables.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermoinfo.symbolic.geometry import product
    >>> r, s = sp.symbols("r s", positive=True)
    >>> product([r, 1 - r], [s, 1 - s]).tolist()
    [[r*s, r*(1 - s)], [s*(1 - r), (1 - r)*(1 - s)]]
    """
    if not marginals:
        raise ValueError("product needs at least one marginal")
    out = np.ones((), dtype=object)
    for i, m in enumerate(marginals):
        out = np.multiply.outer(out, as_object_array(m, f"marginals[{i}]", ndim=1))
    out = np.vectorize(lambda e: sp.sympify(e), otypes=[object])(out)
    return to_sympy(out)


def _project(arr: np.ndarray, family: Any) -> np.ndarray:
    fam = as_family(family)
    q = np.full(arr.shape, sp.Integer(1), dtype=object)
    if isinstance(fam, Product):
        for block in fam.resolved(arr.ndim):
            q = q * _marginal_array(arr, block)
    elif isinstance(fam, BayesNet):
        for i, pa in fam.resolved(arr.ndim).items():
            joint = _marginal_array(arr, (i, *pa))
            q = q * (joint / joint.sum(axis=i, keepdims=True))
    else:
        raise TypeError(f"family must be families.Product or families.BayesNet for a symbolic "
                        f"projection (got {type(fam).__name__})")
    return q


def m_projection(p: Any, family: Any) -> sp.ImmutableDenseNDimArray:
    """The m-projection q* = argmin_{q in family} D(p || q) of a symbolic table.

    Parameters
    ----------
    p : table of sympy expressions
        Joint distribution; its axes are the family's variables.
    family : families.Product or families.BayesNet
        Integer axes only (a symbolic table has no dim names). Conditionals
        p(s_i | s_pa(i)) are joint / parent marginal, so parent marginals are
        taken to be non-zero.

    Examples
    --------
    >>> import thermoinfo
    >>> from thermoinfo.symbolic.geometry import m_projection, probability_table
    >>> p, _ = probability_table("p", (2, 2))
    >>> m_projection(p, thermoinfo.families.Product())[0, 0]
    (p_0_0 + p_0_1)*(p_0_0 + p_1_0)
    """
    return to_sympy(_project(as_object_array(p, "p"), family))


@dataclass(frozen=True)
class Pythagoras:
    """The terms of D(p||q) = D(p||q*) + D(q*||q) as sympy expressions.

    Attributes
    ----------
    total, projection, model : sympy.Expr
        D(p || q), D(p || q*), D(q* || q).
    residual : sympy.Expr
        ``total - projection - model``; zero (as an identity) when q is in the
        family, which :func:`vanishes_identically` proves.
    q_star : sympy.Array or tuple
        The m-projection (a table, or ``(mean, cov)`` for Gaussians).
    """

    total: sp.Expr
    projection: sp.Expr
    model: sp.Expr
    residual: sp.Expr
    q_star: Any


def pythagoras(p: Any, q: Any, family: Any) -> Pythagoras:
    """The Pythagorean decomposition of D(p || q) through the m-projection onto ``family``.

    Examples
    --------
    >>> import sympy as sp, thermoinfo
    >>> from thermoinfo.symbolic.geometry import probability_table, product, pythagoras
    >>> p, _ = probability_table("p", (2, 2))
    >>> r, s = sp.symbols("r s", positive=True)
    >>> split = pythagoras(p, product([r, 1 - r], [s, 1 - s]), thermoinfo.families.Product())
    >>> sp.expand(sp.expand_log(split.residual, force=True))
    0
    """
    pa, qa = _pair(p, q)
    q_star = to_sympy(_project(pa, family))
    total = kl(to_sympy(pa), to_sympy(qa))
    projection = kl(to_sympy(pa), q_star)
    model = kl(q_star, to_sympy(qa))
    return Pythagoras(total, projection, model, total - projection - model, q_star)


# --------------------------------------------------------------------------- Gaussians

_ARRAYLIKE = (Sequence, sp.MatrixBase, sp.NDimArray, np.ndarray)


def _cov(cov: Any, name: str) -> sp.Matrix:
    if isinstance(cov, (str, bytes)):
        raise TypeError(f"{name} must be a number, a sympy expression or a matrix of them")
    S = sp.Matrix(sp.Array(cov).tolist()) if isinstance(cov, _ARRAYLIKE) else sp.Matrix([[cov]])
    if S.rows != S.cols or S.rows == 0:
        raise ValueError(f"{name} must be a square covariance matrix (got shape {S.shape})")
    for e in S:
        if not isinstance(e, sp.Expr):
            raise TypeError(f"{name} must hold numbers or sympy expressions")
    if (S - S.T).is_zero_matrix is False:
        raise ValueError(f"{name} must be symmetric")
    for i in range(S.rows):
        if S[i, i].is_extended_nonpositive:
            raise ValueError(f"{name} has a diagonal entry {S[i, i]} <= 0; a covariance is positive definite")
    if all(e.is_number for e in S):
        try:
            np.linalg.cholesky(np.array(S.evalf(), dtype=np.float64))
        except np.linalg.LinAlgError as exc:
            raise ValueError(f"{name} is not positive definite") from exc
    return S


def _gaussian(mean: Any, cov: Any, name: str) -> tuple[sp.Matrix, sp.Matrix]:
    mname, cname = f"mean_{name}" if name else "mean", f"cov_{name}" if name else "cov"
    if isinstance(mean, (str, bytes)):
        raise TypeError(f"{mname} must be a number, a sympy expression or a vector of them")
    if isinstance(mean, _ARRAYLIKE):
        m = sp.Matrix(list(sp.flatten(sp.Array(mean).tolist())))
    else:
        m = sp.Matrix([mean])
    for e in m:
        if not isinstance(e, sp.Expr):
            raise TypeError(f"{mname} must hold numbers or sympy expressions")
    S = _cov(cov, cname)
    k = m.shape[0]
    if S.shape != (k, k):
        raise ValueError(f"{cname} must have shape ({k}, {k}) to match {mname} (got {S.shape})")
    return m, S


def _logdet(S: sp.Matrix) -> sp.Expr:
    return sp.log(S.det())


def gaussian_entropy(cov: Any) -> sp.Expr:
    """H(N(mu, Sigma)) = (1/2) log det(2 pi e Sigma); a scalar ``cov`` is a variance.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermoinfo.symbolic.geometry import gaussian_entropy
    >>> v = sp.Symbol("v", positive=True)
    >>> sp.simplify(gaussian_entropy(v) - sp.log(2 * sp.pi * sp.E * v) / 2)
    0
    """
    S = _cov(cov, "cov")
    return (S.rows * (1 + sp.log(2 * sp.pi)) + _logdet(S)) / 2


def gaussian_kl(mean_p: Any, cov_p: Any, mean_q: Any, cov_q: Any) -> sp.Expr:
    """D(N(mean_p, cov_p) || N(mean_q, cov_q)) in closed form.

    Scalars are a univariate mean and variance; sequences and matrices a
    k-dimensional mean and k x k covariance.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermoinfo.symbolic.geometry import gaussian_kl
    >>> gaussian_kl(0, 1, 1, 2)
    log(2)/2
    """
    mp, Sp = _gaussian(mean_p, cov_p, "p")
    mq, Sq = _gaussian(mean_q, cov_q, "q")
    if mp.shape != mq.shape:
        raise ValueError(f"mean_p and mean_q must have one dimension (got {mp.shape[0]} and {mq.shape[0]})")
    k = mp.shape[0]
    Sq_inv = Sq.inv(method="ADJ")
    d = mq - mp
    quad = (d.T * Sq_inv * d)[0, 0]
    return ((Sq_inv * Sp).trace() + quad - k + _logdet(Sq) - _logdet(Sp)) / 2


def gaussian_cross_entropy(mean_p: Any, cov_p: Any, mean_q: Any, cov_q: Any) -> sp.Expr:
    """H(N_p, N_q) = -E_p log N_q = H(N_p) + D(N_p || N_q)."""
    return gaussian_entropy(cov_p) + gaussian_kl(mean_p, cov_p, mean_q, cov_q)


def _blocks(k: int, blocks: Any) -> list[tuple[int, ...]]:
    return Product(blocks).resolved(k)


def gaussian_mutual_information(cov: Any, x: Any = 0, y: Any = 1) -> sp.Expr:
    """I(X; Y) = (1/2)(log det Sigma_XX + log det Sigma_YY - log det Sigma_(XY)(XY)).

    ``x`` and ``y`` are coordinates (an int or a tuple of ints each) of the
    Gaussian with covariance ``cov``.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermoinfo.symbolic.geometry import gaussian_mutual_information
    >>> rho = sp.Symbol("rho", real=True)
    >>> sp.simplify(gaussian_mutual_information([[1, rho], [rho, 1]]))
    -log(1 - rho**2)/2
    """
    S = _cov(cov, "cov")
    ax = resolve_axes(x, S.shape[0], "x")
    ay = resolve_axes(y, S.shape[0], "y")
    if set(ax) & set(ay):
        raise ValueError(f"x and y share coordinates {set(ax) & set(ay)}")
    xy = list(ax + ay)
    return (_logdet(S.extract(list(ax), list(ax))) + _logdet(S.extract(list(ay), list(ay)))
            - _logdet(S.extract(xy, xy))) / 2


def gaussian_m_projection(mean: Any, cov: Any, blocks: Any = None) -> tuple[sp.Matrix, sp.Matrix]:
    """m-projection of N(mean, cov) onto the product family of Gaussians.

    Parameters
    ----------
    mean, cov : sequence / Matrix
        k-dimensional mean and covariance.
    blocks : sequence of sequences of int, optional
        Groups of coordinates kept jointly Gaussian (as in
        :class:`thermoinfo.families.Product`); default every coordinate alone.

    Returns
    -------
    (mean, cov) : sympy.Matrix
        The same mean and the block-diagonal part of ``cov``.
    """
    m, S = _gaussian(mean, cov, "")
    k = m.shape[0]
    keep = sp.zeros(k, k)
    for block in _blocks(k, blocks):
        for i in block:
            for j in block:
                keep[i, j] = S[i, j]
    return m, keep


def gaussian_pythagoras(mean_p: Any, cov_p: Any, mean_q: Any, cov_q: Any,
                        blocks: Any = None) -> Pythagoras:
    """D(N_p || N_q) = D(N_p || N_q*) + D(N_q* || N_q) through the product projection.

    ``q_star`` of the result is ``(mean, cov)`` of the m-projection; the
    residual is an identity zero when ``cov_q`` is block diagonal over ``blocks``.
    """
    ms, Ss = gaussian_m_projection(mean_p, cov_p, blocks)
    total = gaussian_kl(mean_p, cov_p, mean_q, cov_q)
    projection = gaussian_kl(mean_p, cov_p, ms, Ss)
    model = gaussian_kl(ms, Ss, mean_q, cov_q)
    return Pythagoras(total, projection, model, total - projection - model, (ms, Ss))
