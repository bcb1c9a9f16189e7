"""Bipartite dynamics of two subsystems: information flow, transfer entropy, and the
generalized second law with its integral fluctuation theorem.

Continuous time (Horowitz & Esposito, Phys. Rev. X 4, 031015 (2014),
arXiv:1402.3276). A master equation on states (x, y) is bipartite when every
jump changes one subsystem only: w[(x,y) -> (x',y')] = 0 unless x' = x or
y' = y. Write w^y_{xx'} for an X jump at fixed y. The entropy production rate
splits into two non-negative parts,

    sigma' = sigma'_X + sigma'_Y,
    sigma'_X = sum_{y, x != x'} p(x,y) w^y_{xx'} log[p(x,y) w^y_{xx'} / (p(x',y) w^y_{x'x})] >= 0,

and each part is the subsystem's own entropy change plus its bath term minus
an information flow,

    sigma'_X = dS_X/dt + S'_r,X - I'_X,
    dS_X/dt  = -sum_x p'(x) log p(x),
    S'_r,X   = sum p(x,y) w^y_{xx'} log w^y_{xx'} / w^y_{x'x},
    I'_X     = sum p(x,y) w^y_{xx'} log p(y|x') / p(y|x),
    I'_X + I'_Y = dI(X;Y)/dt,

so the subsystem's production in its own terms is bounded by the flow,
dS_X/dt + S'_r,X >= I'_X (negative when X uses information about Y). At a
stationary state I'_X = -I'_Y.

Discrete time, random-sequential updates (one subsystem per step: X with
probability a from K_X(x'|x, y), otherwise Y from K_Y(y'|x, y)). Along paths of
n steps with the labels m_t of the updated subsystem, the causal network has X
nodes x_0..x_n and other nodes C = (y_0, m_0, y_1, m_1, .., y_n). After Ito and
Sagawa (Phys. Rev. Lett. 111, 180603 (2013), arXiv:1306.2756; Nat. Commun. 6,
7498 (2015), arXiv:1506.08519) the entropy production of X,

    sigma_X = log p(x_0)/p(x_n) + sum_{t: m_t = X} log K_X(x_{t+1}|x_t, y_t) / K_X(x_t|x_{t+1}, y_t),

obeys the integral fluctuation theorem and the generalized second law

    < exp(-sigma_X + Theta_X) > = 1,      <sigma_X> >= <Theta_X>,
    Theta_X = i(x_n; C) - i(x_0; y_0) - sum_t i_tr(y_{t+1}; x_t | y_0, m_0, .., y_t, m_t),

with stochastic mutual informations i(a; b) = log p(a|b)/p(a) and transfer
entropies i_tr(c; x | h) = log p(c|x, h)/p(c|h). Proof: q(V) = p(x_n, C)
prod_t K^B(x_t|x_{t+1}, y_t, m_t) is a normalized distribution of the whole
path and log p(V)/q(V) = sigma_X - Theta_X, so <sigma_X - Theta_X> =
D(p||q) >= 0 and <exp(-(sigma_X - Theta_X))> = 1.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from thermoinfo._config import check_memory
from thermoinfo._errors import UnreliableEstimateWarning
from thermoinfo._validation import (
    as_conditional,
    as_distribution,
    as_rng,
    check_positive,
    check_positive_int,
)

__all__ = [
    "FlowEstimate",
    "GeneralizedSecondLaw",
    "InformationFlow",
    "as_bipartite_rates",
    "generalized_second_law",
    "generalized_second_law_mc",
    "generator",
    "information_flow",
    "sequential_kernel",
]


# --------------------------------------------------------------------------- continuous time

def as_bipartite_rates(rates: Any, shape: tuple[int, int] | None = None) -> np.ndarray:
    """Check bipartite rates and return them as ``w[x, y, x', y']`` (zero where a jump is absent).

    Parameters
    ----------
    rates : array_like
        ``rates[x, y, x', y']`` (4-D), or a matrix ``rates[s, s']`` over the joint
        states s = x * n_y + y with ``shape=(n_x, n_y)``. The diagonal (staying)
        is ignored.
    shape : (int, int), optional
        ``(n_x, n_y)`` for a matrix.

    Raises
    ------
    ValueError
        Non-finite or negative off-diagonal rates, a jump that changes both
        subsystems (not bipartite), or mismatched shapes; the message starts
        with ``rates``.

    Examples
    --------
    >>> import numpy as np
    >>> from thermoinfo.thermo.bipartite import as_bipartite_rates
    >>> w = as_bipartite_rates(np.ones((2, 2, 2, 2)) - np.eye(4).reshape(2, 2, 2, 2))
    Traceback (most recent call last):
    ...
    ValueError: rates are not bipartite: the jump (x, y) = (0, 0) -> (1, 1) changes both subsystems at rate 1
    """
    if isinstance(rates, (str, bytes)) or rates is None:
        raise TypeError(f"rates must be an array of numbers (got {type(rates).__name__})")
    w = np.array(rates, dtype=np.float64)
    if w.ndim == 2:
        if shape is None:
            raise ValueError("rates is a matrix over joint states; pass shape=(n_x, n_y)")
        nx, ny = (check_positive_int(v, "shape") for v in shape)
        if w.shape != (nx * ny, nx * ny):
            raise ValueError(f"rates must have shape {(nx * ny, nx * ny)} for shape={(nx, ny)} "
                             f"(got {w.shape})")
        w = w.reshape(nx, ny, nx, ny)
    elif w.ndim != 4 or w.shape[:2] != w.shape[2:]:
        raise ValueError(f"rates must be indexed rates[x, y, x', y'] (got shape {w.shape})")
    nx, ny = w.shape[:2]
    eye = np.eye(nx * ny, dtype=bool).reshape(nx, ny, nx, ny)
    w[eye] = 0.0
    if not np.all(np.isfinite(w)):
        raise ValueError("rates have non-finite entries")
    if np.any(w < 0):
        idx = tuple(int(v) for v in np.argwhere(w < 0)[0])
        raise ValueError(f"rates have negative off-diagonal entries, e.g. {w[idx]:.3g} for the jump "
                         f"{idx[:2]} -> {idx[2:]}; a rate is >= 0")
    both = (~np.eye(nx, dtype=bool))[:, None, :, None] & (~np.eye(ny, dtype=bool))[None, :, None, :]
    bad = both & (w > 0)
    if np.any(bad):
        x, y, x2, y2 = (int(v) for v in np.argwhere(bad)[0])
        raise ValueError(f"rates are not bipartite: the jump (x, y) = ({x}, {y}) -> ({x2}, {y2}) changes "
                         f"both subsystems at rate {w[x, y, x2, y2]:.3g}")
    return w


def generator(rates: Any, shape: tuple[int, int] | None = None) -> np.ndarray:
    """The generator Q of the master equation dp/dt = p Q on joint states s = x n_y + y.

    Off-diagonal Q[s, s'] is the rate s -> s'; rows sum to zero.

    Examples
    --------
    >>> import numpy as np
    >>> from thermoinfo.thermo.bipartite import generator
    >>> w = np.zeros((2, 1, 2, 1)); w[0, 0, 1, 0] = 2.0; w[1, 0, 0, 0] = 1.0
    >>> generator(w)
    array([[-2.,  2.],
           [ 1., -1.]])
    """
    w = as_bipartite_rates(rates, shape)
    n = w.shape[0] * w.shape[1]
    Q = w.reshape(n, n).copy()
    Q[np.diag_indices(n)] = -Q.sum(axis=1)
    return Q


@dataclass(frozen=True)
class InformationFlow:
    """Rates (per unit time) of the bipartite decomposition at one distribution.

    Attributes
    ----------
    entropy_production : float
        sigma' = partial_x + partial_y.
    partial_x, partial_y : float
        sigma'_X, sigma'_Y >= 0 (Horowitz-Esposito).
    system_x, system_y : float
        dS_X/dt, dS_Y/dt.
    bath_x, bath_y : float
        S'_r,X, S'_r,Y, the entropy flows into the baths of the X and Y jumps.
    flow_x, flow_y : float
        The information flows I'_X, I'_Y; ``flow_x + flow_y == mutual_information_rate``.
    mutual_information_rate : float
        dI(X;Y)/dt.
    """

    entropy_production: float
    partial_x: float
    partial_y: float
    system_x: float
    system_y: float
    bath_x: float
    bath_y: float
    flow_x: float
    flow_y: float
    mutual_information_rate: float


def _log(a: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(a)


def information_flow(p: Any, rates: Any, shape: tuple[int, int] | None = None) -> InformationFlow:
    """Horowitz-Esposito partial entropy productions and information flows at ``p``.

    Parameters
    ----------
    p : array_like, shape (n_x, n_y) or (n_x n_y,)
        The joint distribution (positive where jumps start or end).
    rates : array_like
        Bipartite rates, see :func:`as_bipartite_rates`.

    Examples
    --------
    >>> import numpy as np
    >>> from thermoinfo.thermo.bipartite import information_flow
    >>> w = np.zeros((2, 2, 2, 2))
    >>> w[0, :, 1, :] = np.diag([1.0, 2.0]); w[1, :, 0, :] = np.diag([0.5, 0.3])  # x jumps
    >>> w[:, 0, :, 1] = np.diag([0.7, 0.2]); w[:, 1, :, 0] = np.diag([0.4, 0.9])  # y jumps
    >>> f = information_flow([[0.1, 0.2], [0.3, 0.4]], w)
    >>> bool(abs(f.flow_x + f.flow_y - f.mutual_information_rate) < 1e-12)
    True
    """
    w = as_bipartite_rates(rates, shape)
    nx, ny = w.shape[:2]
    pj = as_distribution(p, "p")
    if pj.size != nx * ny:
        raise ValueError(f"p must have {nx * ny} states ({nx} x {ny}) for these rates (got shape {pj.shape})")
    pj = pj.reshape(nx, ny)
    px, py = pj.sum(axis=1), pj.sum(axis=0)
    wx = np.einsum("xyzy->xyz", w)  # X jumps at fixed y: wx[x, y, x']
    wy = np.einsum("xyxz->xyz", w)  # Y jumps at fixed x: wy[x, y, y']
    jx = pj[:, :, None] * wx  # flux (x,y) -> (x',y)
    jy = pj[:, :, None] * wy  # flux (x,y) -> (x,y')
    if np.any((jx > 0) & (np.transpose(wx, (2, 1, 0)) <= 0)) or np.any(
            (jy > 0) & (np.transpose(wy, (0, 2, 1)) <= 0)):
        raise ValueError("rates have a jump without its reverse; the entropy production is infinite")
    with np.errstate(divide="ignore", invalid="ignore"):
        cond_y = np.where(px[:, None] > 0, pj / np.where(px[:, None] > 0, px[:, None], 1), 0)  # p(y|x)
        cond_x = np.where(py[None, :] > 0, pj / np.where(py[None, :] > 0, py[None, :], 1), 0)  # p(x|y)
    lwx, lwy = _log(wx), _log(wy)

    def _sum(flux: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
        mask = flux > 0
        return float(np.sum(flux[mask] * (a[mask] - b[mask])))

    # x-jumps: (x, y) -> (x', y)
    lp = _log(pj)
    bath_x = _sum(jx, lwx, np.transpose(lwx, (2, 1, 0)))
    bath_y = _sum(jy, lwy, np.transpose(lwy, (0, 2, 1)))
    lp_x_dst = np.transpose(np.broadcast_to(lp[:, :, None], jx.shape), (2, 1, 0))  # log p(x', y)
    lp_y_dst = np.transpose(np.broadcast_to(lp[:, :, None], jy.shape), (0, 2, 1))  # log p(x, y')
    part_x = _sum(jx, lp[:, :, None] + lwx, lp_x_dst + np.transpose(lwx, (2, 1, 0)))
    part_y = _sum(jy, lp[:, :, None] + lwy, lp_y_dst + np.transpose(lwy, (0, 2, 1)))
    lcy = _log(cond_y)
    lcx = _log(cond_x)
    flow_x = _sum(jx, np.transpose(np.broadcast_to(lcy[:, :, None], jx.shape), (2, 1, 0)),
                  np.broadcast_to(lcy[:, :, None], jx.shape))
    flow_y = _sum(jy, np.transpose(np.broadcast_to(lcx[:, :, None], jy.shape), (0, 2, 1)),
                  np.broadcast_to(lcx[:, :, None], jy.shape))
    # dS_X/dt = -sum_x p'(x) log p(x), p'(x) from the X jumps only
    dpx = np.einsum("xyz->z", jx) - np.einsum("xyz->x", jx)
    dpy = np.einsum("xyz->z", jy) - np.einsum("xyz->y", jy)
    sys_x = -float(np.sum(np.log(px, out=np.zeros_like(px), where=px > 0) * dpx))
    sys_y = -float(np.sum(np.log(py, out=np.zeros_like(py), where=py > 0) * dpy))
    return InformationFlow(part_x + part_y, part_x, part_y, sys_x, sys_y, bath_x, bath_y, flow_x, flow_y,
                           flow_x + flow_y)


# --------------------------------------------------------------------------- discrete time

def _kernels(K_x: Any, K_y: Any) -> tuple[np.ndarray, np.ndarray]:
    Kx = as_conditional(K_x, "K_x", n_condition_axes=2)
    Ky = as_conditional(K_y, "K_y", n_condition_axes=2)
    nx, ny = Kx.shape[:2]
    if Kx.shape != (nx, ny, nx):
        raise ValueError(f"K_x must be indexed K_x[x, y, x'] with shape (n_x, n_y, n_x) (got {Kx.shape})")
    if Ky.shape != (nx, ny, ny):
        raise ValueError(f"K_y must be indexed K_y[x, y, y'] with shape {(nx, ny, ny)} (got {Ky.shape})")
    return Kx, Ky


def _prob(prob_x: Any) -> float:
    a = check_positive(prob_x, "prob_x")
    if not a < 1.0:
        raise ValueError(f"prob_x must lie in (0, 1) (got {prob_x!r})")
    return a


def sequential_kernel(K_x: Any, K_y: Any, prob_x: float = 0.5) -> np.ndarray:
    """The one-step kernel W[s, s'] (s = x n_y + y) of random-sequential updates.

    With probability ``prob_x`` X moves by ``K_x[x, y, x']`` (y kept), otherwise
    Y moves by ``K_y[x, y, y']`` (x kept).

    Examples
    --------
    >>> import numpy as np
    >>> from thermoinfo.thermo.bipartite import sequential_kernel
    >>> K = np.full((2, 2, 2), 0.5)
    >>> bool(np.allclose(sequential_kernel(K, K, prob_x=0.3).sum(axis=1), 1.0))
    True
    """
    Kx, Ky = _kernels(K_x, K_y)
    a = _prob(prob_x)
    nx, ny = Kx.shape[:2]
    W = a * np.einsum("xyz,yw->xyzw", Kx, np.eye(ny)) + (1 - a) * np.einsum("xyw,xz->xyzw", Ky, np.eye(nx))
    return W.reshape(nx * ny, nx * ny)


@dataclass(frozen=True)
class GeneralizedSecondLaw:
    """Exact path averages of the Ito-Sagawa decomposition for subsystem X.

    Attributes
    ----------
    sigma : float
        <sigma_X>.
    theta : float
        <Theta_X> = i_final - i_initial - transfer; ``sigma >= theta``.
    i_final, i_initial, transfer : float
        <i(x_n; C)>, <i(x_0; y_0)>, sum_t <i_tr(y_{t+1}; x_t | history)>.
    fluctuation : float
        <exp(-sigma_X + Theta_X)> (= 1).
    n_paths : int
        Number of paths enumerated.
    """

    sigma: float
    theta: float
    i_final: float
    i_initial: float
    transfer: float
    fluctuation: float
    n_paths: int


@dataclass(frozen=True)
class FlowEstimate:
    """Monte Carlo path averages, each a ``(mean, stderr)`` pair.

    Attributes
    ----------
    fluctuation : (float, float)
        <exp(-sigma_X + Theta_X)> (= 1 exactly).
    sigma, theta, gap : (float, float)
        <sigma_X>, <Theta_X> and <sigma_X - Theta_X>.
    ess : float
        Kish effective sample size of the weights exp(-sigma_X + Theta_X),
        (sum w)^2 / sum w^2; a :class:`~thermoinfo.UnreliableEstimateWarning`
        is issued when it is below a tenth of ``n_samples``.
    n_samples : int

    ``est["fluctuation"]`` is ``est.fluctuation``.
    """

    fluctuation: tuple[float, float]
    sigma: tuple[float, float]
    theta: tuple[float, float]
    gap: tuple[float, float]
    ess: float
    n_samples: int

    def __getitem__(self, name: str) -> Any:
        return getattr(self, name)


def _paths(nx: int, ny: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All paths: x[path, t], y[path, t] (t = 0..n) and m[path, t] (t < n; 0 = X moved)."""
    moves = [(0, v) for v in range(nx)] + [(1, v) for v in range(ny)]
    starts = list(itertools.product(range(nx), range(ny)))
    n_paths = len(starts) * len(moves) ** n
    check_memory(8 * 3 * n_paths * (n + 1), f"enumerating {n_paths} paths")
    X = np.empty((n_paths, n + 1), dtype=np.int64)
    Y = np.empty((n_paths, n + 1), dtype=np.int64)
    M = np.empty((n_paths, max(n, 1)), dtype=np.int64)
    k = 0
    for (x0, y0) in starts:
        for seq in itertools.product(moves, repeat=n):
            x, y = x0, y0
            X[k, 0], Y[k, 0] = x, y
            for t, (m, v) in enumerate(seq):
                if m == 0:
                    x = v
                else:
                    y = v
                M[k, t] = m
                X[k, t + 1], Y[k, t + 1] = x, y
            k += 1
    return X, Y, M[:, :n]


def _log_path_prob(p0: np.ndarray, Kx: np.ndarray, Ky: np.ndarray, a: float,
                   X: np.ndarray, Y: np.ndarray, M: np.ndarray) -> np.ndarray:
    lp = _log(p0)[X[:, 0], Y[:, 0]]
    for t in range(M.shape[1]):
        xm = M[:, t] == 0
        step = np.where(xm, np.log(a) + _log(Kx)[X[:, t], Y[:, t], X[:, t + 1]],
                        np.log1p(-a) + _log(Ky)[X[:, t], Y[:, t], Y[:, t + 1]])
        lp = lp + step
    return lp


def _sigma_x(p0: np.ndarray, Kx: np.ndarray, Ws: list[np.ndarray], X: np.ndarray, Y: np.ndarray,
             M: np.ndarray) -> np.ndarray:
    """Stochastic sigma_X of each path; p_n(x) from the evolved distributions ``Ws``."""
    px0 = p0.sum(axis=1)
    pxn = Ws[-1].sum(axis=1)
    s = _log(px0)[X[:, 0]] - _log(pxn)[X[:, -1]]
    lK = _log(Kx)
    for t in range(M.shape[1]):
        xm = M[:, t] == 0
        ratio = lK[X[:, t], Y[:, t], X[:, t + 1]] - lK[X[:, t + 1], Y[:, t], X[:, t]]
        s = s + np.where(xm, ratio, 0.0)
    return s


def _keys(*cols: np.ndarray) -> np.ndarray:
    """One integer key per row from several non-negative int columns."""
    key = np.zeros(cols[0].shape[0], dtype=np.int64)
    for c in cols:
        key = key * (int(c.max()) + 1 if c.size else 1) + c
    return key


def _log_cond(prob: np.ndarray, a_cols: list[np.ndarray], b_cols: list[np.ndarray]) -> np.ndarray:
    """log p(a | b) for each row (path), from the path probabilities ``prob``."""
    ab = _keys(*a_cols, *b_cols) if (a_cols or b_cols) else np.zeros(prob.size, np.int64)
    _, inv_ab = np.unique(ab, return_inverse=True)
    p_ab = np.bincount(inv_ab, weights=prob)[inv_ab]
    if b_cols:
        _, inv_b = np.unique(_keys(*b_cols), return_inverse=True)
        p_b = np.bincount(inv_b, weights=prob)[inv_b]
    else:
        p_b = np.ones_like(prob)
    return _log(p_ab) - _log(p_b)


def _information_terms(prob: np.ndarray, X: np.ndarray, Y: np.ndarray, M: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stochastic i_final, i_initial and the summed transfer entropy of every path."""
    n = M.shape[1]
    history = [Y[:, 0]]
    for t in range(n):
        history += [M[:, t], Y[:, t + 1]]
    i_fin = _log_cond(prob, [X[:, -1]], history) - _log_cond(prob, [X[:, -1]], [])
    i_ini = _log_cond(prob, [X[:, 0]], [Y[:, 0]]) - _log_cond(prob, [X[:, 0]], [])
    transfer = np.zeros(prob.size)
    for t in range(n):
        past = [Y[:, 0]]
        for s in range(t):
            past += [M[:, s], Y[:, s + 1]]
        past.append(M[:, t])
        transfer += (_log_cond(prob, [Y[:, t + 1]], [X[:, t], *past])
                     - _log_cond(prob, [Y[:, t + 1]], past))
    return i_fin, i_ini, transfer


def _setup(p0: Any, K_x: Any, K_y: Any, n_steps: Any, prob_x: Any, subsystem: str = "x"):
    Kx, Ky = _kernels(K_x, K_y)
    a = _prob(prob_x)
    if subsystem not in ("x", "y"):
        raise ValueError(f"subsystem must be 'x' or 'y' (got {subsystem!r})")
    if subsystem == "y":  # the same process with the roles of X and Y exchanged
        nx, ny = Kx.shape[:2]
        p = as_distribution(p0, "p0")
        if p.size != nx * ny:
            raise ValueError(f"p0 must have {nx} x {ny} states for these kernels (got shape {p.shape})")
        p0 = p.reshape(nx, ny).T
        Kx, Ky = np.transpose(Ky, (1, 0, 2)), np.transpose(Kx, (1, 0, 2))
        a = 1.0 - a
    nx, ny = Kx.shape[:2]
    p = as_distribution(p0, "p0")
    if p.size != nx * ny:
        raise ValueError(f"p0 must have {nx} x {ny} states for these kernels (got shape {p.shape})")
    p = p.reshape(nx, ny)
    n = check_positive_int(n_steps, "n_steps")
    W = sequential_kernel(Kx, Ky, a)
    dists = [p]
    for _ in range(n):
        dists.append((dists[-1].ravel() @ W).reshape(nx, ny))
    return p, Kx, Ky, a, n, dists


def _exact_tables(p, Kx, Ky, a, n, dists):
    X, Y, M = _paths(Kx.shape[0], Kx.shape[1], n)
    lp = _log_path_prob(p, Kx, Ky, a, X, Y, M)
    prob = np.exp(lp)
    keep = prob > 0
    X, Y, M, prob = X[keep], Y[keep], M[keep], prob[keep]
    sigma = _sigma_x(p, Kx, dists, X, Y, M)
    i_fin, i_ini, transfer = _information_terms(prob, X, Y, M)
    return X, Y, M, prob, sigma, i_fin, i_ini, transfer


def generalized_second_law(p0: Any, K_x: Any, K_y: Any, n_steps: int, prob_x: float = 0.5, *,
                           subsystem: str = "x") -> GeneralizedSecondLaw:
    """Exact <sigma_X>, <Theta_X> and <exp(-sigma_X + Theta_X)> by enumerating all paths.

    Parameters
    ----------
    p0 : array_like, shape (n_x, n_y)
        Initial joint distribution.
    K_x, K_y : array_like
        ``K_x[x, y, x'] = K_X(x'|x, y)``, ``K_y[x, y, y'] = K_Y(y'|x, y)``;
        every backward transition must be possible where the forward one is.
    n_steps : int
        Number of updates.
    prob_x : float
        Probability that X (rather than Y) updates at a step.
    subsystem : {"x", "y"}
        The subsystem whose production and information terms are computed
        (the other one plays the part of C).

    Examples
    --------
    >>> import numpy as np
    >>> from thermoinfo.thermo.bipartite import generalized_second_law
    >>> K_x = np.array([[[0.8, 0.2], [0.3, 0.7]], [[0.6, 0.4], [0.1, 0.9]]])   # K_x[x, y, x']
    >>> K_y = np.array([[[0.9, 0.1], [0.5, 0.5]], [[0.2, 0.8], [0.4, 0.6]]])   # K_y[x, y, y']
    >>> r = generalized_second_law([[0.1, 0.1], [0.1, 0.7]], K_x, K_y, n_steps=3)
    >>> round(r.fluctuation, 12), bool(r.sigma >= r.theta)
    (1.0, True)
    """
    p, Kx, Ky, a, n, dists = _setup(p0, K_x, K_y, n_steps, prob_x, subsystem)
    _, _, _, prob, sigma, i_fin, i_ini, transfer = _exact_tables(p, Kx, Ky, a, n, dists)
    if not np.all(np.isfinite(sigma)):
        raise ValueError("K_x has a transition without its reverse; sigma_X is infinite")
    theta = i_fin - i_ini - transfer
    return GeneralizedSecondLaw(float(prob @ sigma), float(prob @ theta), float(prob @ i_fin),
                                float(prob @ i_ini), float(prob @ transfer),
                                float(prob @ np.exp(theta - sigma)), int(prob.size))


def generalized_second_law_mc(p0: Any, K_x: Any, K_y: Any, n_steps: int, prob_x: float = 0.5, *,
                              n_samples: int = 10000, rng: Any = None, subsystem: str = "x"
                              ) -> FlowEstimate:
    """Monte Carlo path averages of the Ito-Sagawa decomposition, with standard errors.

    Paths are simulated forward; sigma_X is evaluated on each path and the
    information densities (which are properties of the path ensemble) are
    looked up from the exact path distribution.

    Examples
    --------
    >>> import numpy as np
    >>> from thermoinfo.thermo.bipartite import generalized_second_law_mc
    >>> K_x = np.array([[[0.8, 0.2], [0.3, 0.7]], [[0.6, 0.4], [0.1, 0.9]]])
    >>> K_y = np.array([[[0.9, 0.1], [0.5, 0.5]], [[0.2, 0.8], [0.4, 0.6]]])
    >>> est = generalized_second_law_mc([[0.1, 0.1], [0.1, 0.7]], K_x, K_y, n_steps=3,
    ...                                 n_samples=4000, rng=0)
    >>> mean, se = est["fluctuation"]
    >>> bool(abs(mean - 1.0) < 4 * se)
    True
    """
    p, Kx, Ky, a, n, dists = _setup(p0, K_x, K_y, n_steps, prob_x, subsystem)
    m = check_positive_int(n_samples, "n_samples", minimum=2)
    gen = as_rng(rng)
    X, Y, M, _, _, i_fin, i_ini, transfer = _exact_tables(p, Kx, Ky, a, n, dists)
    nx, ny = Kx.shape[:2]
    theta_of = dict(zip(_path_key(X, Y, M), i_fin - i_ini - transfer))
    # simulate
    s0 = gen.choice(nx * ny, size=m, p=p.ravel())
    xs = np.empty((m, n + 1), dtype=np.int64)
    ys = np.empty((m, n + 1), dtype=np.int64)
    ms = np.empty((m, n), dtype=np.int64)
    xs[:, 0], ys[:, 0] = np.divmod(s0, ny)
    for t in range(n):
        move_x = gen.random(m) < a
        ux = gen.random(m)
        cum_x = np.cumsum(Kx[xs[:, t], ys[:, t]], axis=1)
        cum_y = np.cumsum(Ky[xs[:, t], ys[:, t]], axis=1)
        cum_x[:, -1] = cum_y[:, -1] = 1.0
        new_x = (ux[:, None] >= cum_x).sum(axis=1)
        new_y = (ux[:, None] >= cum_y).sum(axis=1)
        ms[:, t] = np.where(move_x, 0, 1)
        xs[:, t + 1] = np.where(move_x, new_x, xs[:, t])
        ys[:, t + 1] = np.where(move_x, ys[:, t], new_y)
    sig = _sigma_x(p, Kx, dists, xs, ys, ms)
    th = np.array([theta_of[k] for k in _path_key(xs, ys, ms)])
    w = np.exp(th - sig)
    ess = float(w.sum() ** 2 / np.sum(w ** 2))
    if ess < 0.1 * m:
        warnings.warn(f"the weights exp(-sigma + Theta) have an effective sample size of {ess:.0f} of {m} "
                      "paths; the standard errors cannot be trusted", UnreliableEstimateWarning,
                      stacklevel=2)

    def mean_se(vals: np.ndarray) -> tuple[float, float]:
        return float(vals.mean()), float(vals.std(ddof=1) / np.sqrt(m))

    return FlowEstimate(mean_se(w), mean_se(sig), mean_se(th), mean_se(sig - th), ess, m)


def _path_key(X: np.ndarray, Y: np.ndarray, M: np.ndarray) -> list[bytes]:
    return [bytes(r) for r in np.concatenate([X, Y, M], axis=1).astype(np.int8)]
