"""Exact tabular solver of the learning free energy.

For a discrete joint table p(x, y), an encoder e(z|x), a prior q(z), a decoder
d(x|z) and a classifier c(y|z), the learning objective (nats) is

    J(lam, gamma) = R + lam D + gamma C,
    R = sum_x p(x) sum_z e(z|x) log e(z|x)/q(z)          (rate)
    D = -sum_x p(x) sum_z e(z|x) log d(x|z)              (distortion)
    C = -sum_{x,y} p(x,y) sum_z e(z|x) log c(y|z)        (classification loss)

and the free energy is F(lam, gamma) = min over (e, q, d, c) of J. Each block
minimization has a closed form (alternating minimization, all in log space):

    q(z)   = sum_x p(x) e(z|x)
    d(x|z) = p(x) e(z|x) / q(z)
    c(y|z) = sum_x p(x, y) e(z|x) / q(z)
    e(z|x) ∝ q(z) exp(lam log d(x|z) + gamma sum_y p(y|x) log c(y|z))

The encoder sees x only, so the classifier enters through the conditional
expectation over y given x. Substituting d gives the update used here,

    log e'(z|x) = (1 - lam) log q(z) + lam log e(z|x) + gamma sum_y p(y|x) log c(y|z) - log Z(x),

each step of which cannot increase J (block-coordinate descent on a function
that is convex in each block). At the optimal q, d and c,
R = I(X;Z), D = H(X|Z), C = H(Y|Z), so lam = 0, gamma = beta is Tishby's
information bottleneck min I(X;Z) - beta I(Z;Y) (up to the constant beta H(Y)),
and with a fixed decoder the e/q steps are Blahut-Arimoto for a distortion
matrix rho = -log d (:func:`rate_distortion`).

The iteration stops when max |Delta log e| < ``xtol`` (1e-10) over the entries
of e that are not zero and |Delta J| < ``tol`` (1e-12); columns z whose prior
mass falls below 1e-15 are dropped (their mass decays geometrically to zero).
J is not convex jointly, so :func:`solve` runs several random restarts and
:func:`sweep` follows branches by continuation in both directions of the grid,
keeping the lower F.

References: Y. Gao and P. Chaudhari, "A free-energy principle for
representation learning", arXiv:2002.12406; A. A. Alemi and I. Fischer,
"TherML", arXiv:1807.04162; N. Tishby, F. C. Pereira and W. Bialek, "The
information bottleneck method", arXiv:physics/0004057; R. Blahut, IEEE Trans.
Inf. Theory 18, 460 (1972).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numba
import numpy as np
from scipy.special import xlogy

from thermoinfo._errors import ConvergenceWarning
from thermoinfo._validation import (
    as_conditional,
    as_distribution,
    as_rng,
    check_nonnegative,
    check_positive_int,
)

__all__ = [
    "Derivatives",
    "FreeEnergySolution",
    "RateDistortionSolution",
    "derivatives",
    "n_clusters",
    "rate_distortion",
    "solve",
    "sweep",
]

#: entries of e(z|x) whose log falls below this are exact zeros
LOG_ZERO = -700.0
#: a latent state whose prior mass falls below this is dropped
DEAD_MASS = 1e-15
#: finite stand-in for log c = log 0 (0 * this = 0)
NEG_BIG = -1e300


@dataclass(frozen=True)
class FreeEnergySolution:
    """An equilibrium of J = R + lam D + gamma C on a tabular problem.

    Attributes
    ----------
    R, D, C, S, J, F, H : float
        Rate I(X;Z), distortion H(X|Z), classification loss H(Y|Z), weight
        information (0 for the tabular solver), the objective at the returned
        point, the free energy (= J at the optimum) and H(X, Y), in nats.
    encoder : ndarray (n_x, n_z)
        e(z|x), indexed [x, z].
    prior : ndarray (n_z,)
        q(z).
    decoder : ndarray (n_z, n_x)
        d(x|z), indexed [z, x].
    classifier : ndarray (n_z, n_y)
        c(y|z), indexed [z, y].
    lam, gamma : float
        The multipliers.
    converged : bool
        Whether the stopping rule was met.
    n_iter : int
        Iterations of the accepted run.
    """

    R: float
    D: float
    C: float
    J: float
    F: float
    H: float
    encoder: np.ndarray = field(repr=False)
    prior: np.ndarray = field(repr=False)
    decoder: np.ndarray = field(repr=False)
    classifier: np.ndarray = field(repr=False)
    lam: float
    gamma: float
    converged: bool
    n_iter: int
    S: float = 0.0
    sigma: float = 0.0


@dataclass(frozen=True)
class RateDistortionSolution:
    """A point of the rate-distortion curve: F = R + lam D at the optimum.

    Attributes
    ----------
    R, D, F : float
        Rate I(X;Z), expected distortion, R + lam D (nats).
    encoder : ndarray (n_x, n_z)
        e(z|x), indexed [x, z].
    prior : ndarray (n_z,)
        q(z).
    lam : float
    converged : bool
    n_iter : int
    """

    R: float
    D: float
    F: float
    encoder: np.ndarray = field(repr=False)
    prior: np.ndarray = field(repr=False)
    lam: float
    converged: bool
    n_iter: int


# --------------------------------------------------------------------------- kernels


def _normalize_rows(log_t: np.ndarray) -> np.ndarray:
    """log_t - logsumexp(log_t, axis=1) (every row has a finite entry)."""
    m = np.max(log_t, axis=1, keepdims=True)
    with np.errstate(invalid="ignore"):
        return log_t - (m + np.log(np.sum(np.exp(log_t - m), axis=1, keepdims=True)))


def _objective(log_e: np.ndarray, px: np.ndarray, pxy: np.ndarray,
               lam: float, gamma: float) -> tuple[float, float, float, float]:
    """(J, R, D, C) of an encoder (on the support of p) at the optimal q, d, c."""
    e = np.exp(log_e)
    m = px[:, None] * e
    q = m.sum(axis=0)
    n = pxy.T @ e
    h_x = -float(np.sum(xlogy(px, px)))
    h_z = -float(np.sum(xlogy(q, q)))
    h_xz = -float(np.sum(xlogy(m, m)))
    h_yz = -float(np.sum(xlogy(n, n)))
    R = max(h_x + h_z - h_xz, 0.0)
    D = max(h_xz - h_z, 0.0)
    C = max(h_yz - h_z, 0.0)
    return R + lam * D + gamma * C, R, D, C


@numba.njit(cache=True)
def _iterate_kernel(log_e0, px, pxy, pyx, lam, gamma, tol, xtol, max_iter):
    """Alternating minimization to the fixed point (compiled; plain loops).

    Returns (log_e, alive, n_iter, converged, J): columns z with ``alive[z]``
    False lost their prior mass (below DEAD_MASS) and are -inf in log_e.
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
        # e'(z|x) ∝ q(z)^(1 - lam) e(z|x)^lam exp(gamma sum_y p(y|x) log c(y|z))
        for x in range(n_x):
            row_max = -np.inf
            for z in range(n_z):
                if not alive[z] or (lam != 0.0 and log_e[x, z] == -np.inf):
                    new[x, z] = -np.inf
                    continue
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
            J = _objective_kernel(log_e, px, pxy, lam, gamma)[0]
            if abs(J - J_old) < tol:
                return log_e, alive, it, True, J
            J_old = J
    J = _objective_kernel(log_e, px, pxy, lam, gamma)[0]
    return log_e, alive, max_iter, False, J


@numba.njit(cache=True)
def _xlogx(v):
    return v * np.log(v) if v > 0.0 else 0.0


@numba.njit(cache=True)
def _objective_kernel(log_e, px, pxy, lam, gamma):
    """(J, R, D, C) of an encoder at the optimal q, d, c (compiled)."""
    n_x, n_z = log_e.shape
    n_y = pxy.shape[1]
    h_x = 0.0
    h_xz = 0.0
    h_z = 0.0
    h_yz = 0.0
    for x in range(n_x):
        h_x -= _xlogx(px[x])
    for z in range(n_z):
        qz = 0.0
        for x in range(n_x):
            if log_e[x, z] > -np.inf:
                m = px[x] * np.exp(log_e[x, z])
                qz += m
                h_xz -= _xlogx(m)
        h_z -= _xlogx(qz)
        for y in range(n_y):
            nyz = 0.0
            for x in range(n_x):
                if log_e[x, z] > -np.inf:
                    nyz += pxy[x, y] * np.exp(log_e[x, z])
            h_yz -= _xlogx(nyz)
    R = max(h_x + h_z - h_xz, 0.0)
    D = max(h_xz - h_z, 0.0)
    C = max(h_yz - h_z, 0.0)
    return R + lam * D + gamma * C, R, D, C


def _iterate(log_e: np.ndarray, px: np.ndarray, pxy: np.ndarray, pyx: np.ndarray,
             lam: float, gamma: float, tol: float, xtol: float, max_iter: int
             ) -> tuple[np.ndarray, np.ndarray, int, bool, float]:
    """Iterate to the fixed point; returns (log_e on the live columns, their
    indices, n_iter, converged, J)."""
    out, alive, n_iter, converged, J = _iterate_kernel(
        np.ascontiguousarray(log_e, dtype=np.float64), px, pxy, pyx, float(lam), float(gamma),
        float(tol), float(xtol), int(max_iter))
    cols = np.flatnonzero(alive)
    return out[:, cols], cols, int(n_iter), bool(converged), float(J)


# --------------------------------------------------------------------------- checks


def _check_multiplier(value: Any, name: str) -> float:
    try:
        return check_nonnegative(value, name)
    except ValueError as exc:
        raise ValueError(f"{exc}; {name} is a non-negative finite multiplier") from None


class _Problem:
    """A checked joint table restricted to its support."""

    def __init__(self, p_xy: Any):
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


def _random_log_encoder(rng: np.random.Generator, n_x: int, n_z: int) -> np.ndarray:
    # sparse, nearly hard assignments reach the global branch far more often
    # than flat random encoders (they seed distinct clusters)
    e = 0.999 * rng.dirichlet(np.full(n_z, 0.1), size=n_x) + 0.001 / n_z
    with np.errstate(divide="ignore"):
        return np.log(e)


def _initial_encoders(init: Any, prob: _Problem, n_z: int, restarts: int, jitter: float,
                      rng: np.random.Generator) -> list[np.ndarray]:
    n_x = prob.px.size
    starts = []
    if init is not None:
        if isinstance(init, FreeEnergySolution):
            enc = init.encoder
        else:
            enc = as_conditional(init, "init")
        if enc.shape != (prob.p_x.size, n_z):
            raise ValueError(
                f"init must be an encoder table of shape (n_x, n_z) = {(prob.p_x.size, n_z)} "
                f"or a FreeEnergySolution with that encoder (got shape {enc.shape})"
            )
        enc = enc[prob.sx]
        if jitter > 0:
            enc = (1.0 - jitter) * enc + jitter * rng.dirichlet(np.ones(n_z), size=n_x)
        with np.errstate(divide="ignore"):
            starts.append(np.log(enc))
    n_random = restarts if init is not None else max(restarts, 1)
    for _ in range(n_random):
        starts.append(_random_log_encoder(rng, n_x, n_z))
    return starts


def _assemble(prob: _Problem, log_e: np.ndarray, cols: np.ndarray, n_z: int, lam: float,
              gamma: float, n_iter: int, converged: bool) -> FreeEnergySolution:
    J, R, D, C = _objective(log_e, prob.px, prob.pxy, lam, gamma)
    n_x, n_y = prob.p_xy.shape
    e_live = np.exp(log_e)
    q = np.zeros(n_z)
    q[cols] = prob.px @ e_live
    encoder = np.tile(q, (n_x, 1))
    block = np.zeros((prob.px.size, n_z))
    block[:, cols] = e_live
    encoder[prob.sx] = block
    decoder = np.tile(prob.p_x, (n_z, 1))
    classifier = np.tile(prob.p_y, (n_z, 1))
    m = prob.px[:, None] * e_live
    dec = np.zeros((cols.size, n_x))
    dec[:, prob.sx] = (m / m.sum(axis=0)).T
    decoder[cols] = dec
    cls = np.zeros((cols.size, n_y))
    nyz = prob.pxy.T @ e_live
    cls[:, prob.sy] = (nyz / nyz.sum(axis=0)).T
    classifier[cols] = cls
    return FreeEnergySolution(
        R=R, D=D, C=C, J=J, F=J, H=prob.H, encoder=encoder, prior=q, decoder=decoder,
        classifier=classifier, lam=lam, gamma=gamma, converged=converged, n_iter=n_iter,
    )


# --------------------------------------------------------------------------- public


def solve(p_xy: Any, lam: float, gamma: float, n_z: int, *, init: Any = None,
          tol: float = 1e-12, xtol: float = 1e-10, max_iter: int = 50_000,
          restarts: int | None = None, jitter: float = 1e-3, rng: Any = None,
          warn: bool = True) -> FreeEnergySolution:
    """Minimize J = R + lam D + gamma C over encoder, prior, decoder and classifier.

    Parameters
    ----------
    p_xy : array_like (n_x, n_y)
        Joint table p(x, y), indexed [x, y].
    lam, gamma : float
        Non-negative multipliers of the distortion and the classification loss.
    n_z : int
        Number of latent states (>= 1).
    init : FreeEnergySolution or array_like (n_x, n_z), optional
        Warm start: a previous solution or an encoder table e(z|x). It is mixed
        with a random encoder of weight ``jitter`` so that unused latent states
        can come back and symmetric columns can split.
    tol : float
        Stop when |Delta J| < tol (together with ``xtol``).
    xtol : float
        Stop when max |Delta log e| < xtol over the non-zero entries.
    max_iter : int
        Iterations per start; a :class:`~thermoinfo.ConvergenceWarning` is
        issued if the accepted start did not converge.
    restarts : int, optional
        Random starts besides ``init``; default 4 without ``init``, 0 with it.
        The start with the lowest J wins.
    jitter : float
        Weight of the random encoder mixed into ``init``.
    rng : seed or Generator, optional
        Source of the random starts.
    warn : bool
        Issue the ConvergenceWarning.

    Returns
    -------
    FreeEnergySolution

    Raises
    ------
    ValueError
        ``p_xy`` not a 2-D distribution, ``lam`` or ``gamma`` negative or not
        finite, ``n_z`` < 1.

    Examples
    --------
    >>> import numpy as np
    >>> from thermoinfo.freeenergy import solve
    >>> p = np.array([[0.4, 0.1], [0.1, 0.4]])
    >>> sol = solve(p, lam=0.0, gamma=10.0, n_z=2, rng=0)
    >>> round(sol.F - (sol.R + 10.0 * sol.C), 12), sol.converged
    (0.0, True)
    """
    prob = _Problem(p_xy)
    lam = _check_multiplier(lam, "lam")
    gamma = _check_multiplier(gamma, "gamma")
    n_z = check_positive_int(n_z, "n_z")
    max_iter = check_positive_int(max_iter, "max_iter")
    if restarts is None:
        restarts = 0 if init is not None else 4
    restarts = check_positive_int(restarts, "restarts", minimum=0)
    if not 0.0 <= jitter < 1.0:
        raise ValueError(f"jitter must be in [0, 1) (got {jitter})")
    gen = as_rng(rng)
    best = None
    for log_e0 in _initial_encoders(init, prob, n_z, restarts, jitter, gen):
        out = _iterate(log_e0, prob.px, prob.pxy, prob.pyx, lam, gamma, tol, xtol, max_iter)
        if best is None or out[4] < best[4] - 1e-13 or (out[3] and not best[3] and out[4] <= best[4] + 1e-13):
            best = out
    log_e, cols, n_iter, converged, _ = best
    if not converged and warn:
        warnings.warn(
            f"solve(lam={lam}, gamma={gamma}) stopped after {max_iter} iterations without "
            f"max|dlog e| < {xtol} and |dJ| < {tol}; raise max_iter or check for a phase "
            "transition near this point",
            ConvergenceWarning, stacklevel=2,
        )
    return _assemble(prob, log_e, cols, n_z, lam, gamma, n_iter, converged)


def rate_distortion(p_x: Any, distortion: Any, lam: float, *, init: Any = None,
                    tol: float = 1e-12, xtol: float = 1e-10, max_iter: int = 100_000,
                    warn: bool = True) -> RateDistortionSolution:
    """Blahut-Arimoto: minimize R + lam D with D = sum p(x) e(z|x) rho(x, z).

    The updates are e(z|x) ∝ q(z) exp(-lam rho(x, z)) and q(z) = sum_x p(x) e(z|x);
    a fixed decoder d enters as rho = -log d.

    Parameters
    ----------
    p_x : array_like (n_x,)
        Source distribution.
    distortion : array_like (n_x, n_z)
        Distortion matrix rho[x, z] (finite, may be negative).
    lam : float
        Non-negative multiplier (the slope -dR/dD of the curve).
    init : array_like (n_z,) or RateDistortionSolution, optional
        Starting prior q(z); default uniform.

    Returns
    -------
    RateDistortionSolution

    Examples
    --------
    >>> import numpy as np
    >>> from thermoinfo.freeenergy import rate_distortion
    >>> rd = rate_distortion([0.5, 0.5], 1.0 - np.eye(2), lam=np.log(9.0))
    >>> bool(abs(rd.R - (np.log(2) + 0.1 * np.log(0.1) + 0.9 * np.log(0.9))) < 1e-10)
    True
    >>> round(rd.D, 10)
    0.1
    """
    px = as_distribution(p_x, "p_x", ndim=1)
    rho = np.asarray(distortion, dtype=np.float64)
    if rho.ndim != 2 or rho.shape[0] != px.size:
        raise ValueError(f"distortion must be a (n_x, n_z) = ({px.size}, n_z) matrix (got {rho.shape})")
    if not np.all(np.isfinite(rho)):
        raise ValueError("distortion must be finite everywhere")
    lam = _check_multiplier(lam, "lam")
    max_iter = check_positive_int(max_iter, "max_iter")
    n_z = rho.shape[1]
    if init is None:
        log_q = np.full(n_z, -np.log(n_z))
    else:
        q0 = init.prior if isinstance(init, RateDistortionSolution) else init
        q0 = as_distribution(q0, "init", ndim=1)
        if q0.size != n_z:
            raise ValueError(f"init must have n_z = {n_z} entries (got {q0.size})")
        with np.errstate(divide="ignore"):
            log_q = np.log(q0)
    sx = px > 0
    pxs = px[sx]
    a = -lam * rho[sx]
    converged = False
    log_e = None
    F_old = np.inf
    n_iter = 0
    for it in range(1, max_iter + 1):
        n_iter = it
        new = log_q[None, :] + a
        new = _normalize_rows(new)
        with np.errstate(divide="ignore"):
            log_q = np.log(pxs @ np.exp(new))
        log_q[log_q < LOG_ZERO] = -np.inf
        if log_e is not None:
            fin = np.isfinite(new)
            if np.array_equal(fin, np.isfinite(log_e)):
                with np.errstate(invalid="ignore"):
                    diff = np.where(fin, new - log_e, 0.0)
                change = float(np.max(np.abs(diff), initial=0.0))
            else:
                change = np.inf
            if change < xtol:
                e = np.exp(new)
                with np.errstate(invalid="ignore"):
                    log_ratio = np.where(fin, new - log_q[None, :], 0.0)
                F = float(np.sum(pxs[:, None] * e * log_ratio) + lam * np.sum(pxs[:, None] * e * rho[sx]))
                if abs(F - F_old) < tol:
                    converged = True
                    log_e = new
                    break
                F_old = F
        log_e = new
    e_s = np.exp(log_e)
    q = pxs @ e_s
    with np.errstate(divide="ignore", invalid="ignore"):
        R = float(np.sum(pxs[:, None] * xlogy(e_s, e_s)) - np.sum(xlogy(q, q)))
    D = float(np.sum(pxs[:, None] * e_s * rho[sx]))
    encoder = np.tile(q, (px.size, 1))
    encoder[sx] = e_s
    if not converged and warn:
        warnings.warn(f"rate_distortion(lam={lam}) did not converge in {max_iter} iterations",
                      ConvergenceWarning, stacklevel=2)
    R = max(R, 0.0)
    return RateDistortionSolution(R=R, D=D, F=R + lam * D, encoder=encoder, prior=q, lam=lam,
                                  converged=converged, n_iter=n_iter)


# --------------------------------------------------------------------------- derivatives


@dataclass(frozen=True)
class Derivatives:
    """Exact first derivatives of R, D, C and the Hessian of F at an equilibrium.

    Attributes
    ----------
    dR, dD, dC : ndarray (2,)
        Derivatives with respect to (lam, gamma).
    hessian : ndarray (2, 2)
        Second derivatives of F in (lam, gamma); equals [[dD], [dC]] (envelope
        theorem: dF/dlam = D, dF/dgamma = C).
    """

    dR: np.ndarray
    dD: np.ndarray
    dC: np.ndarray
    hessian: np.ndarray


def derivatives(p_xy: Any, solution: FreeEnergySolution) -> Derivatives:
    """Exact (lam, gamma)-derivatives of R, D, C by implicit differentiation.

    In the joint m(x, z) = p(x) e(z|x), with q, d and c at their optimum,
    J reduces to G(m) = const + (1 - lam - gamma) H(Z) + (lam - 1) H(X,Z)
    + gamma H(Y,Z). The stationarity condition grad G = multipliers of the
    constraints sum_z m(x, z) = p(x) is differentiated in theta = (lam, gamma):

        dm/dtheta = -B (B^T H B)^+ B^T g_theta,

    with B a basis of the tangent space of the constraints, H the Hessian of G,
    g_lam = -log d(x|z), g_gamma = -sum_y p(y|x) log c(y|z). Then
    dD = g_lam . dm, dC = g_gamma . dm, dR = -dD (R = H(X) - D), and the
    Hessian of F is -G_theta^T B (B^T H B)^+ B^T G_theta: the conditional
    covariances of log d and log c propagated through the encoder's response.
    It is negative semidefinite at a minimum (F is concave).

    Parameters
    ----------
    p_xy : array_like (n_x, n_y)
        The joint table the solution was computed for.
    solution : FreeEnergySolution
        An equilibrium from :func:`solve`.

    Returns
    -------
    Derivatives
    """
    from scipy.linalg import null_space

    prob = _Problem(p_xy)
    if solution.encoder.shape[0] != prob.p_x.size:
        raise ValueError("solution does not belong to p_xy (encoder rows differ from n_x)")
    lam, gamma = solution.lam, solution.gamma
    live = solution.prior > DEAD_MASS
    e = solution.encoder[np.ix_(prob.sx, live)]
    m = prob.px[:, None] * e
    q = m.sum(axis=0)
    n = prob.pxy.T @ e
    idx = np.argwhere(m > 0)
    xi, zi = idx[:, 0], idx[:, 1]
    mi = m[xi, zi]
    same_z = (zi[:, None] == zi[None, :]).astype(float)
    # Hessians of H(Z), H(X,Z), H(Y,Z) in m restricted to the non-zero entries
    h_z = -same_z / q[zi][:, None]
    h_xz = -np.diag(1.0 / mi)
    pyx = prob.pyx
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_n = np.where(n > 0, 1.0 / n, 0.0)  # (n_y, n_z)
    h_yz = -same_z * np.einsum("iy,jy,yi->ij", pyx[xi], pyx[xi], inv_n[:, zi])
    hess = (1.0 - lam - gamma) * h_z + (lam - 1.0) * h_xz + gamma * h_yz
    log_d = np.log(mi) - np.log(q[zi])
    with np.errstate(divide="ignore"):
        log_c = np.where(n > 0, np.log(np.where(n > 0, n, 1.0)) - np.log(q)[None, :], 0.0)
    g_lam = -log_d
    g_gamma = -np.einsum("iy,yi->i", pyx[xi], log_c[:, zi])
    g = np.stack([g_lam, g_gamma], axis=1)
    # scaled coordinates m = sqrt(m0) * u keep the Hessian (~1/m) of order one,
    # so that the pseudo-inverse only drops the exact flat directions
    # (duplicated columns of a symmetric fixed point)
    scale = np.sqrt(mi)
    a = (xi[None, :] == np.arange(prob.px.size)[:, None]) * scale[None, :]
    basis = null_space(a)
    if basis.shape[1] == 0:
        zero = np.zeros(2)
        return Derivatives(dR=zero, dD=zero, dC=zero, hessian=np.zeros((2, 2)))
    hs = scale[:, None] * hess * scale[None, :]
    gs = scale[:, None] * g
    reduced = basis.T @ hs @ basis
    du = -basis @ (np.linalg.pinv(reduced, rcond=1e-10, hermitian=True) @ (basis.T @ gs))
    dm = scale[:, None] * du
    hessian = g.T @ dm
    hessian = 0.5 * (hessian + hessian.T)
    dD = hessian[0].copy()
    dC = hessian[1].copy()
    return Derivatives(dR=-dD, dD=dD, dC=dC, hessian=hessian)


# --------------------------------------------------------------------------- sweeps


def n_clusters(solution: FreeEnergySolution, atol: float = 1e-6) -> int:
    """Number of distinct latent states in use: live columns of the encoder whose
    decoders and classifiers differ by more than ``atol`` (duplicated columns of
    a symmetric fixed point count once)."""
    live = np.flatnonzero(solution.prior > DEAD_MASS)
    rows = np.concatenate([solution.decoder[live], solution.classifier[live]], axis=1)
    distinct: list[np.ndarray] = []
    for r in rows:
        if not any(np.max(np.abs(r - s)) <= atol for s in distinct):
            distinct.append(r)
    return len(distinct)


def _as_grid(values: Any, name: str) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a number or a non-empty 1-D sequence (got shape {arr.shape})")
    for v in arr:
        _check_multiplier(float(v), name)
    return arr


def _flag_transitions(n_cl: np.ndarray, second: np.ndarray, axis: int) -> np.ndarray:
    """True at index j along ``axis`` when a phase transition lies between j and j+1:
    the number of distinct clusters changes, or the second derivative of F jumps
    by more than ten times its neighbouring increments."""
    flag = np.zeros(n_cl.shape, dtype=bool)
    n = n_cl.shape[axis]
    if n < 2:
        return flag
    nc = np.moveaxis(n_cl, axis, -1)
    sd = np.moveaxis(second, axis, -1)
    fl = np.moveaxis(flag, axis, -1)
    fl[..., :-1] = nc[..., 1:] != nc[..., :-1]
    jump = np.abs(np.diff(sd, axis=-1))
    if n >= 4:
        for j in range(n - 1):
            neigh = [jump[..., k] for k in (j - 1, j + 1) if 0 <= k < n - 1]
            ref = np.max(np.stack(neigh), axis=0)
            fl[..., j] |= (jump[..., j] > 10.0 * ref) & (jump[..., j] > 1e-6)
    return flag


def sweep(p_xy: Any, *, lam: Any = 0.0, gamma: Any = 1.0, n_z: int | None = None,
          sigma: Any = None, family: Any = None, family_prior: Any = None,
          restarts: int = 4, anchor_every: int = 4, rng: Any = None, tol: float = 1e-12,
          xtol: float = 1e-10, max_iter: int = 50_000, exact_derivatives: bool = True) -> Any:
    """Free-energy surface over a grid of (lam, gamma) (and sigma with a family).

    Without ``family`` every grid point is solved with :func:`solve`, following
    the branch of lowest F by continuation: each row of the grid is swept along
    gamma forwards (warm start from the previous point) and backwards (warm
    start from the next), then each column along lam the same way, keeping at
    every point the solution of lowest F. Every ``anchor_every``-th point of a
    row and its last point also get ``restarts`` random starts, so that the
    backward pass carries the global branch from the far end.

    With ``family`` (a sequence of candidate encoders e_k(z|x)) and ``sigma``,
    the weights of the candidates are at temperature sigma
    (:func:`thermoinfo.freeenergy.weights.tempered`) and the surface has a
    ``sigma`` dimension.

    Parameters
    ----------
    p_xy : array_like (n_x, n_y)
        Joint table.
    lam, gamma : float or 1-D array_like
        Grids of the multipliers (non-negative).
    n_z : int, optional
        Latent states; default n_x.
    sigma : float or 1-D array_like, optional
        Temperatures of the weights (needs ``family``).
    family : sequence of array_like (n_x, n_z), optional
        Candidate encoders.
    family_prior : array_like, optional
        Prior q(theta) over the family; default uniform.
    restarts : int
        Random starts at the anchor points of each row.
    anchor_every : int
        Spacing of the anchor points along gamma.
    rng : seed or Generator, optional
    exact_derivatives : bool
        Add the exact derivatives of R, D, C (implicit differentiation, see
        :func:`derivatives`) as variables ``dR_dlam`` ... ``dC_dgamma``.

    Returns
    -------
    xarray.Dataset
        Variables R, D, C, S, J, F (dims lam, gamma[, sigma]; units "nat"),
        H, and for the solver also converged, n_iter, n_clusters,
        transition_lam, transition_gamma (True at j when a phase transition lies
        between grid points j and j+1 along that axis), d2F_dlam2, d2F_dgamma2,
        d2F_dlam_dgamma and the exact first derivatives.

    Examples
    --------
    >>> import numpy as np
    >>> from thermoinfo.freeenergy import sweep
    >>> p = np.array([[0.3, 0.05], [0.05, 0.3], [0.15, 0.15]])
    >>> ds = sweep(p, lam=0.0, gamma=[1.0, 4.0, 16.0], rng=0)
    >>> bool(np.all(np.diff(ds.C.values[0]) <= 1e-12)), ds.F.attrs["units"]
    (True, 'nat')
    """
    import xarray as xr

    from thermoinfo._attrs import variable_attrs

    prob = _Problem(p_xy)
    lams = _as_grid(lam, "lam")
    gammas = _as_grid(gamma, "gamma")
    n_z = prob.p_x.size if n_z is None else check_positive_int(n_z, "n_z")
    if family is not None or sigma is not None:
        from thermoinfo.freeenergy.weights import tempered_surface

        if family is None or sigma is None:
            raise ValueError("sigma and family go together: pass both (candidate encoders and "
                             "the temperatures of their weights) or neither")
        return tempered_surface(prob.p_xy, family, lams, gammas, _as_grid(sigma, "sigma"),
                                prior=family_prior)
    gen = as_rng(rng)
    shape = (lams.size, gammas.size)
    grid: list[list[FreeEnergySolution | None]] = [[None] * shape[1] for _ in range(shape[0])]
    opts = dict(tol=tol, xtol=xtol, max_iter=max_iter, rng=gen, warn=False)

    def better(a: FreeEnergySolution | None, b: FreeEnergySolution) -> FreeEnergySolution:
        if a is None or b.F < a.F - 1e-13 or (b.converged and not a.converged and b.F <= a.F + 1e-13):
            return b
        return a

    anchor_every = check_positive_int(anchor_every, "anchor_every")
    for i, lv in enumerate(lams):
        for j, gv in enumerate(gammas):
            anchor = j % anchor_every == 0 or j == shape[1] - 1
            init = grid[i][j - 1] if j > 0 else (grid[i - 1][0] if i > 0 else None)
            sol = solve(prob.p_xy, lv, gv, n_z, init=init, restarts=restarts if anchor else 0, **opts)
            grid[i][j] = better(grid[i][j], sol)
        for j in range(shape[1] - 2, -1, -1):
            sol = solve(prob.p_xy, lv, gammas[j], n_z, init=grid[i][j + 1], **opts)
            grid[i][j] = better(grid[i][j], sol)
    if shape[0] > 1:
        for j, gv in enumerate(gammas):
            for i in range(1, shape[0]):
                sol = solve(prob.p_xy, lams[i], gv, n_z, init=grid[i - 1][j], **opts)
                grid[i][j] = better(grid[i][j], sol)
            for i in range(shape[0] - 2, -1, -1):
                sol = solve(prob.p_xy, lams[i], gv, n_z, init=grid[i + 1][j], **opts)
                grid[i][j] = better(grid[i][j], sol)
    sols = [[grid[i][j] for j in range(shape[1])] for i in range(shape[0])]
    if not all(s.converged for row in sols for s in row):
        bad = sum(not s.converged for row in sols for s in row)
        warnings.warn(f"sweep: {bad} grid points did not converge within max_iter={max_iter}; "
                      "see the 'converged' variable", ConvergenceWarning, stacklevel=2)

    def table(attr: str) -> np.ndarray:
        return np.array([[getattr(s, attr) for s in row] for row in sols])

    coords = {
        "lam": ("lam", lams, {"long_name": "multiplier of the distortion", "units": "1"}),
        "gamma": ("gamma", gammas, {"long_name": "multiplier of the classification loss", "units": "1"}),
    }
    dims = ("lam", "gamma")
    data = {
        "R": (dims, table("R"), variable_attrs("rate I(X;Z)")),
        "D": (dims, table("D"), variable_attrs("distortion H(X|Z)")),
        "C": (dims, table("C"), variable_attrs("classification loss H(Y|Z)")),
        "S": (dims, np.zeros(shape), variable_attrs("weight information")),
        "J": (dims, table("J"), variable_attrs("objective R + lam D + gamma C")),
        "F": (dims, table("F"), variable_attrs("free energy min J")),
        "H": ((), prob.H, variable_attrs("entropy H(X,Y)")),
        "converged": (dims, table("converged").astype(bool), {"long_name": "solver converged"}),
        "n_iter": (dims, table("n_iter").astype(np.int64), {"long_name": "iterations"}),
    }
    ncl = np.array([[n_clusters(s) for s in row] for row in sols], dtype=np.int64)
    data["n_clusters"] = (dims, ncl, {"long_name": "distinct latent states in use", "units": "1"})
    if exact_derivatives:
        der = [[derivatives(prob.p_xy, s) for s in row] for row in sols]
        for name in ("R", "D", "C"):
            arr = np.array([[getattr(d, "d" + name) for d in row] for row in der])
            data[f"d{name}_dlam"] = (dims, arr[..., 0], variable_attrs(f"exact d{name}/dlam"))
            data[f"d{name}_dgamma"] = (dims, arr[..., 1], variable_attrs(f"exact d{name}/dgamma"))
        data["dS_dlam"] = (dims, np.zeros(shape), variable_attrs("exact dS/dlam"))
        data["dS_dgamma"] = (dims, np.zeros(shape), variable_attrs("exact dS/dgamma"))
        hess = np.array([[d.hessian for d in row] for row in der])
        data["d2F_dlam2"] = (dims, hess[..., 0, 0], variable_attrs("exact d2F/dlam2"))
        data["d2F_dgamma2"] = (dims, hess[..., 1, 1], variable_attrs("exact d2F/dgamma2"))
        data["d2F_dlam_dgamma"] = (dims, hess[..., 0, 1], variable_attrs("exact d2F/dlam dgamma"))
        second_lam, second_gamma = hess[..., 0, 0], hess[..., 1, 1]
    else:
        second_lam = second_gamma = np.zeros(shape)
    data["transition_lam"] = (dims, _flag_transitions(ncl, second_lam, 0),
                              {"long_name": "phase transition between this lam and the next"})
    data["transition_gamma"] = (dims, _flag_transitions(ncl, second_gamma, 1),
                                {"long_name": "phase transition between this gamma and the next"})
    ds = xr.Dataset(data, coords=coords)
    ds.attrs.update({
        "title": "learning free-energy surface (exact tabular solver)",
        "references": "Gao and Chaudhari, arXiv:2002.12406; Alemi and Fischer, arXiv:1807.04162",
        "n_z": n_z,
    })
    return ds
