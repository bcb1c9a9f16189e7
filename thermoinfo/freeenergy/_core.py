"""Kernels and checks shared by the tabular free-energy modules.

One objective and one alternating-minimization kernel serve the tabular solver
(:mod:`thermoinfo.freeenergy.tabular`), Blahut-Arimoto
(:mod:`thermoinfo.freeenergy.rate_distortion`), the weighted families of
:mod:`thermoinfo.freeenergy.weights` and the exact derivatives of
:mod:`thermoinfo.freeenergy.firstlaw`. With the joint m(x, z) = p(x) e(z|x),
q(z) = sum_x m(x, z) and n(y, z) = sum_x p(x, y) e(z|x):

    R = H(X) + H(Z) - H(X,Z) = I(X;Z)
    D = H(X,Z) - H(Z) = H(X|Z)                  (free decoder d = m / q)
    D = sum_{x,z} m(x, z) rho(x, z)             (fixed decoder, rho = -log d)
    C = H(Y,Z) - H(Z) = H(Y|Z)
    J = R + lam D + gamma C

and the encoder update (block minimization over e at the optimal q and c)

    free decoder:   log e'(z|x) = (1 - lam) log q(z) + lam log e(z|x) + gamma M(x, z) - log Z(x)
    fixed decoder:  log e'(z|x) = log q(z) - lam rho(x, z) + gamma M(x, z) - log Z(x)

with M(x, z) = sum_y p(y|x) log c(y|z). The fixed-decoder update at gamma = 0 is
Blahut-Arimoto (R. Blahut, IEEE Trans. Inf. Theory 18, 460 (1972)); the
free-decoder one at lam = 0 is Tishby's information bottleneck
(arXiv:physics/0004057). Reference for J: Gao and Chaudhari, arXiv:2002.12406.

Public functions check their input once (:class:`Problem`, :func:`check_multiplier`,
:func:`as_grid`, :func:`as_finite_table`); the kernels trust it.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
from scipy.special import xlogy

from thermoinfo._config import check_memory
from thermoinfo._validation import _as_float_array, as_distribution, check_nonnegative, check_positive_int

__all__ = [
    "DEAD_MASS",
    "LOG_ZERO",
    "NEG_BIG",
    "Problem",
    "as_finite_table",
    "as_grid",
    "check_multiplier",
    "check_n_z",
    "check_tolerance",
    "iterate",
    "objective",
]

#: entries of e(z|x) whose log falls below this are exact zeros
LOG_ZERO = -700.0
#: a latent state whose prior mass falls below this is dropped
DEAD_MASS = 1e-15
#: finite stand-in for log c = log 0 (0 * this = 0)
NEG_BIG = -1e300

#: placeholder for "no fixed decoder" (the kernels take a float array either way)
_FREE = np.zeros((1, 1))


# --------------------------------------------------------------------------- checks


def check_multiplier(value: Any, name: str) -> float:
    """``value`` as a float; ``ValueError``/``TypeError`` starting with ``name``
    unless it is a finite number >= 0."""
    try:
        return check_nonnegative(value, name)
    except ValueError as exc:
        raise ValueError(f"{exc}; {name} is a non-negative finite multiplier") from None


def check_tolerance(value: Any, name: str) -> float:
    """A finite, strictly positive stopping tolerance."""
    value = check_nonnegative(value, name)
    if value == 0.0:
        raise ValueError(f"{name} must be > 0 (got 0.0); it is a stopping tolerance")
    return value


def as_finite_table(value: Any, name: str, ndim: int) -> np.ndarray:
    """A float64 array of ``ndim`` dimensions with finite entries (any sign)."""
    arr = _as_float_array(value, name)
    if arr.ndim != ndim or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty {ndim}-D array (got shape {arr.shape})")
    if not np.all(np.isfinite(arr)):
        bad = int(np.count_nonzero(~np.isfinite(arr)))
        raise ValueError(f"{name} has {bad} non-finite entries (NaN or inf); it must be finite everywhere")
    return arr


def check_n_z(n_z: Any, n_x: int, n_y: int, copies: int) -> int:
    """``n_z`` as an int >= 1 whose ``copies`` float64 tables of the solver's size
    (an encoder n_x x n_z, a classifier n_z x n_y, a decoder n_z x n_x) fit the
    memory budget (:class:`~thermoinfo.MemoryBudgetError`, naming ``n_z``, if not)."""
    n_z = check_positive_int(n_z, "n_z")
    check_memory(8 * n_z * (2 * n_x + n_y) * max(int(copies), 1), f"n_z = {n_z}")
    return n_z


def as_grid(values: Any, name: str) -> np.ndarray:
    """A number or a non-empty 1-D sequence of non-negative finite multipliers."""
    try:
        kind = np.asarray(getattr(values, "values", values)).dtype.kind
    except (TypeError, ValueError):
        kind = "O"
    # a bool is not a multiplier, alone or promoted to float among numbers in a list
    has_bool = kind == "b" or (isinstance(values, (list, tuple))
                               and any(isinstance(v, (bool, np.bool_)) for v in values))
    if kind not in "iuf" or has_bool:
        raise TypeError(f"{name} must be a real number or a 1-D sequence of real numbers "
                        f"(got {'a bool' if has_bool else type(values).__name__})")
    arr = np.atleast_1d(_as_float_array(values, name))
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a number or a non-empty 1-D sequence (got shape {arr.shape})")
    for v in arr:
        check_multiplier(float(v), name)
    return arr


class Problem:
    """A checked joint table p(x, y) restricted to its support, with an optional
    fixed decoder.

    Parameters
    ----------
    p_xy : array_like (n_x, n_y)
        Joint table, checked as a distribution.
    decoder : array_like (n_z, n_x), optional
        A fixed decoder d(x|z) indexed [z, x], every entry > 0 (a noisy channel).
    """

    def __init__(self, p_xy: Any, decoder: Any = None):
        p = as_distribution(p_xy, "p_xy", ndim=2)
        self.p_xy = p
        self.p_x = p.sum(axis=1)
        self.p_y = p.sum(axis=0)
        self.sx = self.p_x > 0
        self.sy = self.p_y > 0
        self.px = self.p_x[self.sx]
        self.pxy = p[np.ix_(self.sx, self.sy)]
        self.pyx = self.pxy / self.px[:, None]
        self.H = -float(np.sum(xlogy(p, p)))
        self.decoder = None
        self.rho = _FREE
        if decoder is not None:
            from thermoinfo._validation import as_conditional

            try:
                d = as_conditional(decoder, "decoder")
            except ValueError as exc:
                msg = str(exc)
                raise type(exc)(msg if msg.startswith("decoder") else f"decoder: {msg}") from None
            if d.shape[1] != p.shape[0]:
                raise ValueError(f"decoder must be indexed [z, x] with n_x = {p.shape[0]} columns "
                                 f"(got shape {d.shape})")
            if np.any(d <= 0):
                raise ValueError("decoder must have every entry > 0 (a noisy channel d(x|z)); "
                                 f"got a minimum of {d.min():.3g}")
            self.decoder = d
            self.rho = np.ascontiguousarray(-np.log(d.T[self.sx]))

    @property
    def fixed(self) -> bool:
        """Whether the decoder is fixed."""
        return self.decoder is not None

    @property
    def n_x(self) -> int:
        return self.p_x.size


# --------------------------------------------------------------------------- kernels


@numba.njit(cache=True)
def _xlogx(v):
    return v * np.log(v) if v > 0.0 else 0.0


@numba.njit(cache=True)
def objective(log_e, px, pxy, rho, fixed, lam, gamma):
    """(J, R, D, C) of an encoder (log e on the support of p, indexed [x, z]) at
    the optimal q and c (and d when not ``fixed``); ``rho`` [x, z] = -log d is
    used only when ``fixed``."""
    n_x, n_z = log_e.shape
    n_y = pxy.shape[1]
    h_x = 0.0
    h_xz = 0.0
    h_z = 0.0
    h_yz = 0.0
    cross = 0.0
    for x in range(n_x):
        h_x -= _xlogx(px[x])
    for z in range(n_z):
        qz = 0.0
        for x in range(n_x):
            if log_e[x, z] > -np.inf:
                m = px[x] * np.exp(log_e[x, z])
                qz += m
                h_xz -= _xlogx(m)
                if fixed:
                    cross += m * rho[x, z]
        h_z -= _xlogx(qz)
        for y in range(n_y):
            nyz = 0.0
            for x in range(n_x):
                if log_e[x, z] > -np.inf:
                    nyz += pxy[x, y] * np.exp(log_e[x, z])
            h_yz -= _xlogx(nyz)
    R = max(h_x + h_z - h_xz, 0.0)
    D = cross if fixed else max(h_xz - h_z, 0.0)
    C = max(h_yz - h_z, 0.0)
    return R + lam * D + gamma * C, R, D, C


@numba.njit(cache=True)
def iterate(log_e0, px, pxy, pyx, rho, fixed, lam, gamma, tol, xtol, max_iter):
    """Alternating minimization to the fixed point (compiled; plain loops).

    Stops when max |Delta log e| < xtol over the non-zero entries and
    |Delta J| < tol. Returns (log_e, alive, n_iter, converged, J): columns z
    with ``alive[z]`` False lost their prior mass (below DEAD_MASS) and are
    -inf in log_e.
    """
    n_x, n_z = log_e0.shape
    n_y = pxy.shape[1]
    log_e = log_e0.copy()
    new = np.empty_like(log_e)
    alive = np.ones(n_z, dtype=np.bool_)
    q = np.zeros(n_z)
    log_q = np.zeros(n_z)
    log_c = np.zeros((n_y, n_z))
    e = np.zeros((n_x, n_z))
    m = np.zeros((n_x, n_z))
    pxy_t = np.ascontiguousarray(pxy.T)
    J_old = np.inf
    J = np.inf
    for it in range(1, max_iter + 1):
        # q(z), c(y|z) from the current encoder (matrix products)
        for x in range(n_x):
            for z in range(n_z):
                e[x, z] = np.exp(log_e[x, z]) if alive[z] else 0.0
        q[:] = np.dot(px, e)
        n = np.dot(pxy_t, e)
        for z in range(n_z):
            if alive[z]:
                log_q[z] = np.log(q[z])
                for y in range(n_y):
                    log_c[y, z] = np.log(n[y, z]) - log_q[z] if n[y, z] > 0.0 else NEG_BIG
            else:
                for y in range(n_y):
                    log_c[y, z] = 0.0
        if gamma != 0.0:
            m = np.dot(pyx, log_c)
        for x in range(n_x):
            row_max = -np.inf
            for z in range(n_z):
                if not alive[z] or (not fixed and lam != 0.0 and log_e[x, z] == -np.inf):
                    new[x, z] = -np.inf
                    continue
                if fixed:
                    # e'(z|x) ∝ q(z) exp(-lam rho(x, z) + gamma M(x, z))
                    v = log_q[z] - lam * rho[x, z]
                else:
                    # e'(z|x) ∝ q(z)^(1 - lam) e(z|x)^lam exp(gamma M(x, z))
                    v = (1.0 - lam) * log_q[z]
                    if lam != 0.0:
                        v += lam * log_e[x, z]
                if gamma != 0.0:
                    v += gamma * m[x, z]
                new[x, z] = v
                if v > row_max:
                    row_max = v
            total = 0.0
            for z in range(n_z):
                if new[x, z] > -np.inf:
                    total += np.exp(new[x, z] - row_max)
            norm = row_max + np.log(total)
            for z in range(n_z):
                v = new[x, z] - norm
                new[x, z] = v if v >= LOG_ZERO else -np.inf
        # drop the latent states whose prior mass has decayed away
        dropped = False
        for z in range(n_z):
            if alive[z]:
                mass = 0.0
                for x in range(n_x):
                    if new[x, z] > -np.inf:
                        mass += px[x] * np.exp(new[x, z])
                if mass < DEAD_MASS:
                    alive[z] = False
                    dropped = True
                    for x in range(n_x):
                        new[x, z] = -np.inf
        if dropped:
            for x in range(n_x):
                row_max = -np.inf
                for z in range(n_z):
                    if new[x, z] > row_max:
                        row_max = new[x, z]
                total = 0.0
                for z in range(n_z):
                    if new[x, z] > -np.inf:
                        total += np.exp(new[x, z] - row_max)
                norm = row_max + np.log(total)
                for z in range(n_z):
                    if new[x, z] > -np.inf:
                        new[x, z] -= norm
        change = 0.0
        if dropped:
            change = np.inf
        else:
            for x in range(n_x):
                for z in range(n_z):
                    a = new[x, z]
                    b = log_e[x, z]
                    if (a == -np.inf) != (b == -np.inf):
                        change = np.inf
                    elif a > -np.inf:
                        d = abs(a - b)
                        if d > change:
                            change = d
        for x in range(n_x):
            for z in range(n_z):
                log_e[x, z] = new[x, z]
        if change < xtol:
            J = objective(log_e, px, pxy, rho, fixed, lam, gamma)[0]
            if abs(J - J_old) < tol:
                return log_e, alive, it, True, J
            J_old = J
    J = objective(log_e, px, pxy, rho, fixed, lam, gamma)[0]
    return log_e, alive, max_iter, False, J
