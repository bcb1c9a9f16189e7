"""m- and e-projections onto model families.

    m-projection:  q* = argmin_{q in M} D(p || q)
    e-projection:  r* = argmin_{r in M} D(r || q)

m-projection. For the product and Bayesian-network families the minimizer is
closed-form (p's own marginals and conditionals, see
:mod:`thermoinfo.geometry.families`); for an exponential family it matches
moments, E_q*[T] = E_p[T].

e-projection. There is no closed form in general. For a factorized family
r(s) = prod_f r_f(s_C(f) | s_P(f)) (a product of blocks, or a DAG), D(r || q)
is minimized exactly in one factor at a time with the others held fixed:

    r_f(s_C | s_P)  proportional to  exp(-phi_f(s_C, s_P)),
    phi_f(s_C, s_P) = E_r[ sum_{g != f} log r_g - log q | s_C, s_P ],

because the parents of a factor are non-descendants whose law does not depend
on r_f. For a product family this is the mean-field fixed point
r_b(s_b) proportional to exp(E_{r_-b}[log q]). Each update lowers D(r||q); the
sweeps stop when max |Delta log r| < 1e-10. For an exponential family
r_theta = h exp(theta . T - A(theta)) the gradient is

    grad_theta D(r_theta || q) = Cov_r(T, log r_theta/q),

which vanishes at r* (the e-projection is closed-form only when log(q/h) is
affine in T, i.e. q is in the family and r* = q). D(r || q) is not convex in
the parameters (mean field has several fixed points), so both schemes start
from the m-projection of q and from ``n_restarts`` random members and keep the
best.

Reference: S. Amari and H. Nagaoka, *Methods of Information Geometry* (2000),
ch. 3; M. J. Wainwright and M. I. Jordan, Found. Trends Mach. Learn. 1, 1 (2008),
sec. 5 (mean field); S. Amari, IEEE Trans. Inf. Theory 47, 1701 (2001).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.special import logsumexp

from thermoinfo._errors import ConvergenceWarning
from thermoinfo._labels import dims_of, rewrap
from thermoinfo._validation import as_distribution, as_rng, check_positive_int
from thermoinfo.geometry.divergences import _kl_kernel
from thermoinfo.geometry.families import ExponentialFamily, as_family

__all__ = ["e_projection", "m_projection"]


def m_projection(p: Any, family: Any, *, normalize: bool = False) -> Any:
    """The m-projection q* = argmin_{q in family} D(p || q).

    Parameters
    ----------
    p : array_like or xarray.DataArray
        Joint distribution table; its axes are the family's variables.
    family : Family
        For example ``families.Product()``, ``families.BayesNet(parents)`` or
        ``families.ExponentialFamily(statistics)``.
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


def e_projection(q: Any, family: Any, *, n_restarts: int = 4, rng: Any = None,
                 max_iter: int = 10000, normalize: bool = False) -> Any:
    """The e-projection r* = argmin_{r in family} D(r || q).

    Parameters
    ----------
    q : array_like or xarray.DataArray
        Joint distribution table.
    family : Family
        ``families.Product(blocks)``, ``families.BayesNet(parents)`` or
        ``families.ExponentialFamily(statistics)``.
    n_restarts : int
        Random starting members tried besides the m-projection of ``q``
        (D(r||q) can have several local minima); the best result is kept.
    rng : seed or Generator, optional
        Draws the random starting members.
    max_iter : int
        Sweep cap of the coordinate scheme (iteration cap of the quasi-Newton
        solver for exponential families); a ConvergenceWarning says when a
        start stops there.
    normalize : bool
        Rescale ``q`` to sum one instead of checking.

    Returns
    -------
    ndarray or xarray.DataArray
        r*, of q's shape.

    Raises
    ------
    ValueError
        For an exponential family when q vanishes on a cell every member
        charges (then D(r||q) = inf for every member).

    Examples
    --------
    Mean field on two coupled binary variables: the e-projection is a product
    distribution that sits near one mode of q.

    >>> import numpy as np, thermoinfo
    >>> q = np.array([[0.45, 0.05], [0.05, 0.45]])
    >>> r = thermoinfo.geometry.e_projection(q, thermoinfo.families.Product(), rng=0)
    >>> sorted(np.round(r.sum(axis=1), 6).tolist())
    [0.25, 0.75]
    >>> round(thermoinfo.kl(r, q), 6), round(thermoinfo.kl(np.full((2, 2), 0.25), q), 6)
    (0.497797, 0.510826)
    """
    fam = as_family(family)
    arr = as_distribution(q, "q", normalize=normalize)
    n_restarts = check_positive_int(n_restarts, "n_restarts", minimum=0)
    max_iter = check_positive_int(max_iter, "max_iter")
    gen = as_rng(rng)
    if isinstance(fam, ExponentialFamily):
        out = _e_exponential(arr, fam, n_restarts, gen, max_iter)
    elif hasattr(fam, "factors"):
        out = _e_factorized(arr, fam.factors(arr.ndim, dims_of(q)), n_restarts, gen, max_iter)
    else:
        raise TypeError(f"e_projection does not know the family {fam!r}")
    return rewrap(out, q)


# -- factorized families (Product, BayesNet) ------------------------------------------------------

Factor = tuple[tuple[int, ...], tuple[int, ...]]


def _normalize_cond(t: np.ndarray, child: tuple[int, ...]) -> np.ndarray:
    return t / t.sum(axis=child, keepdims=True)


def _factor_shape(shape: tuple[int, ...], child: tuple[int, ...], parents: tuple[int, ...]
                  ) -> tuple[int, ...]:
    fam = set(child) | set(parents)
    return tuple(n if i in fam else 1 for i, n in enumerate(shape))


def _random_factors(shape: tuple[int, ...], factors: Sequence[Factor], gen: np.random.Generator
                    ) -> list[np.ndarray]:
    out = []
    for child, parents in factors:
        t = gen.gamma(1.0, size=_factor_shape(shape, child, parents)) + 1e-3
        out.append(_normalize_cond(t, child))
    return out


def _m_factors(q: np.ndarray, factors: Sequence[Factor]) -> list[np.ndarray]:
    """q's own conditionals q(s_C | s_P), uniform where q(s_P) = 0."""
    out = []
    for child, parents in factors:
        fam = set(child) | set(parents)
        joint = q.sum(axis=tuple(i for i in range(q.ndim) if i not in fam), keepdims=True)
        par = joint.sum(axis=child, keepdims=True)
        cond = np.full(joint.shape, 1.0 / np.prod([q.shape[i] for i in child]))
        np.divide(joint, par, out=cond, where=np.broadcast_to(par > 0, joint.shape))
        out.append(cond)
    return out


def _joint(tables: Sequence[np.ndarray], shape: tuple[int, ...]) -> np.ndarray:
    r = np.ones(shape)
    for t in tables:
        r = r * t
    return r


def _coordinate_descent(q: np.ndarray, factors: Sequence[Factor], tables: list[np.ndarray],
                        max_iter: int) -> tuple[np.ndarray, bool]:
    shape = q.shape
    ndim = q.ndim
    q_pos = q > 0
    log_q = np.log(np.where(q_pos, q, 1.0))
    for _ in range(max_iter):
        old = [t.copy() for t in tables]
        for f, (child, parents) in enumerate(factors):
            others = [t for g, t in enumerate(tables) if g != f]
            w = _joint(others, shape)
            charged = w > 0
            # w * (sum_g log r_g - log q), with 0 * anything = 0 and +inf where q = 0 < w
            log_r = np.zeros(shape)
            for t in others:
                log_r = log_r + np.log(np.where(t > 0, t, 1.0))  # log r_g where r_g > 0
            integrand = np.where(charged, w * (log_r - log_q), 0.0)
            bad = charged & ~q_pos
            keep = tuple(sorted(set(child) | set(parents)))
            drop = tuple(i for i in range(ndim) if i not in keep)
            num = integrand.sum(axis=drop, keepdims=True)
            den = w.sum(axis=drop, keepdims=True)
            blocked = bad.any(axis=drop, keepdims=True)
            live = den > 0
            phi = np.where(live, num / np.where(live, den, 1.0), 0.0)
            logit = np.where(blocked, -np.inf, -phi)
            norm = logsumexp(logit, axis=child, keepdims=True)
            ok = np.isfinite(norm)
            new = np.where(ok, np.exp(logit - np.where(ok, norm, 0.0)), tables[f])
            # parent configurations of zero probability keep their conditional
            tables[f] = np.where(np.broadcast_to(live, new.shape), new, tables[f])
        if _converged(old, tables):
            return _joint(tables, shape), True
    return _joint(tables, shape), False


def _converged(old: Sequence[np.ndarray], new: Sequence[np.ndarray]) -> bool:
    for a, b in zip(old, new):
        if not np.array_equal(a > 0, b > 0):
            return False
        pos = a > 0
        if pos.any() and np.max(np.abs(np.log(a[pos]) - np.log(b[pos]))) >= 1e-10:
            return False
    return True


def _e_factorized(q: np.ndarray, factors: Sequence[Factor], n_restarts: int,
                  gen: np.random.Generator, max_iter: int) -> np.ndarray:
    starts = [_m_factors(q, factors)] + [_random_factors(q.shape, factors, gen) for _ in range(n_restarts)]
    best, best_val, all_ok = None, np.inf, True
    with np.errstate(divide="ignore", invalid="ignore"):
        for tables in starts:
            r, ok = _coordinate_descent(q, factors, tables, max_iter)
            all_ok &= ok
            val = _kl_kernel(r, q)
            if best is None or val < best_val:
                best, best_val = r, val
    if not all_ok:
        warnings.warn(f"e_projection: a coordinate-descent start did not converge in {max_iter} sweeps",
                      ConvergenceWarning, stacklevel=3)
    return best


# -- exponential families --------------------------------------------------------------------------

def _e_exponential(q: np.ndarray, fam: ExponentialFamily, n_restarts: int, gen: np.random.Generator,
                   max_iter: int) -> np.ndarray:
    T, h = fam.arrays(q.shape)
    supp = h > 0
    qf = q.reshape(-1)
    if np.any(qf[supp] == 0):
        raise ValueError(
            "q vanishes on cells where every member of the exponential family is positive; "
            "D(r||q) = inf for every member, so the e-projection is undefined"
        )
    Ts = T[:, supp]
    log_h = np.log(h[supp])
    log_q = np.log(qf[supp])

    from scipy.optimize import minimize  # only this branch needs it; keeps `import thermoinfo` light

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        logits = theta @ Ts + log_h
        log_r = logits - logsumexp(logits)
        r = np.exp(log_r)
        ratio = log_r - log_q
        val = float(r @ ratio)
        grad = Ts @ (r * (ratio - val))
        return val, grad

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        _, theta0, _ = _moment_start(fam, q)
    scale = 1.0 + float(np.max(np.abs(theta0))) if theta0.size else 1.0
    starts = [theta0] + [gen.normal(scale=scale, size=Ts.shape[0]) for _ in range(n_restarts)]
    best, best_val, all_ok = None, np.inf, True
    for th in starts:
        res = minimize(objective, th, jac=True, method="BFGS",
                       options={"gtol": 1e-11, "maxiter": max_iter})
        val, grad = objective(res.x)
        all_ok &= bool(np.max(np.abs(grad)) < 1e-8)
        if val < best_val:
            best, best_val = res.x, val
    if not all_ok:
        warnings.warn("e_projection: a quasi-Newton start stopped with gradient above 1e-8",
                      ConvergenceWarning, stacklevel=3)
    out = np.zeros(h.shape)
    out[supp] = np.exp((lg := best @ Ts + log_h) - logsumexp(lg))
    return out.reshape(q.shape)


def _moment_start(fam: ExponentialFamily, q: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    h = fam.arrays(q.shape)[1]
    supp = h > 0
    qq = np.where(supp.reshape(q.shape), q, 0.0)
    qq = qq / qq.sum()
    return fam.fit_moments(qq)
