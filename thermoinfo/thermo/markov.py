"""Entropy production of discrete-time Markov chains, along a protocol and at stationarity.

A chain p_{t+1}(z) = sum_x p_t(x) W_t(x, z) (``W_t[x, z] = W_t(z|x)``) produces,
at each step, the one-step entropy production of
:func:`thermoinfo.entropy_production` with the evolving distribution,

    sigma_t = D(p_t(x) W_t(z|x) || W^B_t(x|z) p_{t+1}(z))
            = [H(p_{t+1}) - H(p_t)] + E log W_t(z|x) / W^B_t(x|z),

and along n steps sigma = sum_t sigma_t, the mean of the trajectory-level
sigma[x_0..x_n] = log p(x_0..x_n) / q(x_n..x_0) of
:mod:`thermoinfo.thermo.fluctuation`. At a stationary distribution pi of a
time-independent W the system term vanishes and the production per step is
Schnakenberg's

    sigma_st = sum_{i,j} pi_i W_ij log( pi_i W_ij / (pi_j W_ji) ) >= 0,

zero exactly under detailed balance pi_i W_ij = pi_j W_ji. References:
J. Schnakenberg, Rev. Mod. Phys. 48, 571 (1976); S. Ito, Phys. Rev. Lett. 121,
030605 (2018), arXiv:1712.04311; S. Ito, M. Oizumi and S. Amari, Phys. Rev.
Research 2, 033048 (2020), arXiv:1810.09545.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg
from scipy.special import xlogy

from thermoinfo._validation import (
    ATOL,
    as_conditional,
    as_distribution,
    check_positive_int,
    is_labelled,
)
from thermoinfo.thermo.entropy_production import _one_step

__all__ = [
    "MarkovEntropyProduction",
    "detailed_balance",
    "evolve",
    "stationary_distribution",
    "stationary_entropy_production",
    "trajectory_entropy_production",
]


def _as_protocol(W: Any, n_steps: int | None, name: str = "W") -> np.ndarray:
    """A kernel (n, n) repeated ``n_steps`` times, or a stack (n_steps, n, n), checked."""
    if isinstance(W, (str, bytes)) or W is None:
        raise TypeError(f"{name} must be an array of numbers (got {type(W).__name__})")
    try:
        arr = np.asarray(W.values if is_labelled(W) else W, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of real numbers (got {type(W).__name__})") from exc
    if arr.ndim == 2:
        if n_steps is None:
            raise ValueError(f"n_steps is required when {name} is a single kernel (n, n): "
                             "pass the number of steps, or a stack (n_steps, n, n)")
        n_steps = check_positive_int(n_steps, "n_steps")
        ker = as_conditional(arr, name)
        if ker.shape[0] != ker.shape[1]:
            raise ValueError(f"{name} must be square, W[x, z] = W(z|x) on one state space "
                             f"(got shape {ker.shape})")
        return np.broadcast_to(ker, (n_steps, *ker.shape))
    if arr.ndim == 3:
        if n_steps is not None and check_positive_int(n_steps, "n_steps") != arr.shape[0]:
            raise ValueError(f"{name} holds {arr.shape[0]} kernels but n_steps={n_steps}")
        ker = as_conditional(arr, name, n_condition_axes=2)
        if ker.shape[1] != ker.shape[2]:
            raise ValueError(f"{name} must hold square kernels W[t, x, z] "
                             f"(got kernels of shape {ker.shape[1:]})")
        return ker
    raise ValueError(f"{name} must be a kernel W[x, z] (2-D) or a stack W[t, x, z] (3-D); "
                     f"got shape {arr.shape}")


def _protocols(p0: Any, W: Any, n_steps: int | None, W_back: Any
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    Ws = _as_protocol(W, n_steps, "W")
    Wb = Ws if W_back is None else _as_protocol(W_back, Ws.shape[0], "W_back")
    if Wb.shape != Ws.shape:
        raise ValueError(f"W_back must have the shape of W {Ws.shape} (got {Wb.shape}); "
                         "W_back[t, z, x] = W_B(x|z) on the same state space")
    p = as_distribution(p0, "p0", ndim=1)
    if p.shape[0] != Ws.shape[1]:
        raise ValueError(f"p0 has {p.shape[0]} states but W acts on {Ws.shape[1]}")
    return p, Ws, Wb


def evolve(p0: Any, W: Any, n_steps: int | None = None) -> np.ndarray:
    """The distributions p_0..p_n of the chain, shape (n_steps + 1, n_states).

    Examples
    --------
    >>> import numpy as np
    >>> from thermoinfo.thermo.markov import evolve
    >>> evolve([1.0, 0.0], [[0.5, 0.5], [0.0, 1.0]], n_steps=2)[-1]
    array([0.25, 0.75])
    """
    p, Ws, _ = _protocols(p0, W, n_steps, None)
    out = np.empty((Ws.shape[0] + 1, p.shape[0]))
    out[0] = p
    for t in range(Ws.shape[0]):
        out[t + 1] = out[t] @ Ws[t]
    return out


@dataclass(frozen=True)
class MarkovEntropyProduction:
    """Entropy production of a chain along n steps.

    Attributes
    ----------
    total, system, bath : float
        Sums over the steps; ``total == system + bath``.
    step_total, step_system, step_bath : ndarray, shape (n_steps,)
        The one-step productions sigma_t (each the :func:`entropy_production`
        of step t from p_t).
    distributions : ndarray, shape (n_steps + 1, n_states)
        p_0..p_n.
    """

    total: float
    system: float
    bath: float
    step_total: np.ndarray
    step_system: np.ndarray
    step_bath: np.ndarray
    distributions: np.ndarray


def trajectory_entropy_production(p0: Any, W: Any, n_steps: int | None = None,
                                  W_back: Any = None) -> MarkovEntropyProduction:
    """Entropy production along n steps of a (possibly time-dependent) chain.

    Parameters
    ----------
    p0 : array_like, shape (n,)
        Initial distribution.
    W : array_like, shape (n, n) or (n_steps, n, n)
        ``W[x, z] = W(z|x)``, one kernel for every step or one per step.
    n_steps : int, optional
        Number of steps (required with a single kernel).
    W_back : array_like, optional
        Backward kernels ``W_back[.., z, x] = W_B(x|z)``; default ``W``.

    Examples
    --------
    Relaxation of a biased coin towards its stationary state:

    >>> import numpy as np
    >>> from thermoinfo.thermo.markov import trajectory_entropy_production
    >>> W = np.array([[0.8, 0.2], [0.4, 0.6]])
    >>> ep = trajectory_entropy_production([1.0, 0.0], W, n_steps=5)
    >>> bool(abs(ep.total - ep.step_total.sum()) < 1e-12 and np.all(ep.step_total >= 0))
    True
    """
    p, Ws, Wb = _protocols(p0, W, n_steps, W_back)
    n = Ws.shape[0]
    tot, sys_, bath = np.empty(n), np.empty(n), np.empty(n)
    dists = np.empty((n + 1, p.shape[0]))
    dists[0] = p
    for t in range(n):
        tot[t], sys_[t], bath[t], _, _, dists[t + 1] = _one_step(dists[t], Ws[t], Wb[t])
    return MarkovEntropyProduction(float(tot.sum()), float(sys_.sum()), float(bath.sum()),
                                   tot, sys_, bath, dists)


def stationary_distribution(W: Any) -> np.ndarray:
    """The stationary distribution pi = pi W of an irreducible kernel.

    Raises
    ------
    ValueError
        ``W`` is not a square stochastic matrix, or it has more than one
        stationary distribution (it is not irreducible).

    Examples
    --------
    >>> from thermoinfo.thermo.markov import stationary_distribution
    >>> stationary_distribution([[0.8, 0.2], [0.4, 0.6]]).round(6)
    array([0.666667, 0.333333])
    """
    ker = _as_protocol(W, 1, "W")[0]
    null = scipy.linalg.null_space(ker.T - np.eye(ker.shape[0]), rcond=1e-10)
    if null.shape[1] != 1:
        raise ValueError(
            f"W has {null.shape[1]} independent stationary distributions; a unique one needs an "
            "irreducible kernel"
        )
    v = null[:, 0]
    v = v / v.sum()
    if np.any(v < -ATOL):
        raise ValueError("W has no non-negative stationary vector; check the kernel")
    return np.where(v < 0, 0.0, v)


def stationary_entropy_production(W: Any, p: Any = None) -> float:
    """Schnakenberg's entropy production per step at stationarity.

    sigma_st = sum_{i,j} p_i W_ij log(p_i W_ij / (p_j W_ji)), ``inf`` when a
    transition i -> j occurs whose reverse j -> i is forbidden.

    Parameters
    ----------
    W : array_like, shape (n, n)
        ``W[i, j] = W(j|i)``.
    p : array_like, optional
        The stationary distribution; default :func:`stationary_distribution`.

    Examples
    --------
    A biased walk on a ring of three states produces entropy every step:

    >>> import numpy as np
    >>> from thermoinfo.thermo.markov import stationary_entropy_production
    >>> W = np.array([[0.1, 0.6, 0.3], [0.3, 0.1, 0.6], [0.6, 0.3, 0.1]])
    >>> round(stationary_entropy_production(W), 6)
    0.207944
    """
    ker = _as_protocol(W, 1, "W")[0]
    pi = stationary_distribution(ker) if p is None else as_distribution(p, "p", ndim=1)
    if pi.shape[0] != ker.shape[0]:
        raise ValueError(f"p has {pi.shape[0]} states but W has {ker.shape[0]}")
    if np.max(np.abs(pi @ ker - pi)) > 1e-8:
        raise ValueError("p is not stationary under W (p W != p); pass the stationary distribution")
    flux = pi[:, None] * ker
    if np.any((flux > 0) & (flux.T <= 0)):
        return float("inf")
    with np.errstate(divide="ignore"):
        val = float(np.sum(xlogy(flux, flux)) - np.sum(xlogy(flux, flux.T)))
    return max(val, 0.0)


def detailed_balance(W: Any, p: Any = None, *, atol: float = 1e-12) -> bool:
    """True if p_i W_ij = p_j W_ji for all i, j (p the stationary distribution by default).

    Examples
    --------
    >>> from thermoinfo.thermo.markov import detailed_balance
    >>> detailed_balance([[0.8, 0.2], [0.4, 0.6]])
    True
    """
    ker = _as_protocol(W, 1, "W")[0]
    pi = stationary_distribution(ker) if p is None else as_distribution(p, "p", ndim=1)
    flux = pi[:, None] * ker
    return bool(np.max(np.abs(flux - flux.T)) <= atol)
