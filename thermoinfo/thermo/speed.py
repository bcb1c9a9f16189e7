"""Information geometry of master-equation dynamics: the Fisher metric and the speed limit.

Along a trajectory p(t) of the master equation dp/dt = p Q(t) (off-diagonal
Q[x, y] the rate x -> y, rows summing to zero) the Fisher information metric
gives the line element and the speed (S. Ito, "Stochastic thermodynamic
interpretation of information geometry", Phys. Rev. Lett. 121, 030605 (2018),
arXiv:1712.04311)

    ds^2 = sum_x (dp_x)^2 / p_x,          (ds/dt)^2 = sum_x (dp_x/dt)^2 / p_x,

the statistical length and the action over a time tau,

    L = int_0^tau (ds/dt) dt,            C = (1/2) int_0^tau (ds/dt)^2 dt,

and by the Cauchy-Schwarz inequality the speed limit

    L^2 <= 2 tau C,        i.e.  tau >= L^2 / (2 C),

with equality exactly when the speed ds/dt is constant. (On the sphere
r_x = sqrt(p_x) the metric is 4 times the Euclidean one, so L <= 2 arccos
sum_x sqrt(p_x(0) p_x(tau)) along any path: the Bhattacharyya angle.)

Entropy production. If at each time the rates are in detailed balance with
some p^eq(t) (p^eq_x w_xy = p^eq_y w_yx), the entropy production rate is

    sigma' = sum_{x<y} (p_x w_xy - p_y w_yx) log(p_x w_xy / (p_y w_yx))
           = -sum_x (dp_x/dt) log(p_x / p^eq_x(t)),

and since sum_x dp_x/dt = 0 the Cauchy-Schwarz inequality bounds it by the speed,

    sigma' <= (ds/dt) sqrt(Var_p[log(p / p^eq)]),
    Sigma = int sigma' dt <= int (ds/dt) sqrt(Var_p[log(p / p^eq)]) dt.

For constant rates Sigma = D(p(0) || p^eq) - D(p(tau) || p^eq).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

from thermoinfo._validation import as_distribution, check_positive

__all__ = ["SpeedLimit", "as_rates", "fisher_speed", "rate_generator", "speed_limit"]


def as_rates(rates: Any, name: str = "rates") -> np.ndarray:
    """Check a rate matrix ``rates[x, y]`` (x -> y) and return it with a zero diagonal.

    Raises
    ------
    ValueError
        Not square, non-finite, or a negative off-diagonal rate; the message
        starts with ``name``.

    Examples
    --------
    >>> from thermoinfo.thermo.speed import as_rates
    >>> as_rates([[-1.0, 1.0], [2.0, -2.0]])
    array([[0., 1.],
           [2., 0.]])
    """
    if isinstance(rates, (str, bytes)) or rates is None:
        raise TypeError(f"{name} must be an array of numbers (got {type(rates).__name__})")
    try:
        w = np.array(rates, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of real numbers") from exc
    if w.ndim != 2 or w.shape[0] != w.shape[1] or w.shape[0] == 0:
        raise ValueError(f"{name} must be a square matrix rates[x, y] of the jump x -> y "
                         f"(got shape {w.shape})")
    np.fill_diagonal(w, 0.0)
    if not np.all(np.isfinite(w)):
        raise ValueError(f"{name} have non-finite entries")
    if np.any(w < 0):
        x, y = (int(v) for v in np.argwhere(w < 0)[0])
        raise ValueError(f"{name} have negative off-diagonal entries, e.g. {w[x, y]:.3g} for {x} -> {y}; "
                         "a rate is >= 0")
    return w


def rate_generator(rates: Any) -> np.ndarray:
    """The generator Q (dp/dt = p Q): the rates off the diagonal, minus the row sums on it.

    Examples
    --------
    >>> from thermoinfo.thermo.speed import rate_generator
    >>> rate_generator([[0.0, 1.0], [2.0, 0.0]])
    array([[-1.,  1.],
           [ 2., -2.]])
    """
    w = as_rates(rates)
    return w - np.diag(w.sum(axis=1))


def fisher_speed(p: Any, dp: Any) -> float:
    """ds/dt = sqrt(sum_x (dp_x/dt)^2 / p_x) for a distribution p and its time derivative.

    Examples
    --------
    >>> from thermoinfo.thermo.speed import fisher_speed
    >>> round(fisher_speed([0.5, 0.5], [1.0, -1.0]), 12)
    2.0
    """
    pv = as_distribution(p, "p", ndim=1)
    d = np.asarray(dp, dtype=np.float64)
    if d.shape != pv.shape or not np.all(np.isfinite(d)):
        raise ValueError(f"dp must be a finite array of shape {pv.shape} (got {d.shape})")
    if abs(d.sum()) > 1e-9 * max(1.0, np.abs(d).max()):
        raise ValueError(f"dp must sum to zero (the change of a distribution); it sums to {d.sum():.3g}")
    if np.any((pv == 0) & (d != 0)):
        return float("inf")
    mask = pv > 0
    return float(np.sqrt(np.sum(d[mask] ** 2 / pv[mask])))


@dataclass(frozen=True)
class SpeedLimit:
    """Statistical length, action and entropy production along a master-equation trajectory.

    Attributes
    ----------
    tau : float
        Duration.
    length : float
        L = int ds.
    action : float
        C = (1/2) int (ds/dt)^2 dt; ``length**2 <= 2 * tau * action``.
    p_final : ndarray
        p(tau).
    entropy_production : float
        Sigma = int sigma' dt (``inf`` when a jump happens whose reverse has rate 0).
    entropy_bound : float or None
        int (ds/dt) sqrt(Var_p[log(p/p^eq)]) dt >= Sigma, when the rates are in
        detailed balance at every time; None otherwise.
    """

    tau: float
    length: float
    action: float
    p_final: np.ndarray
    entropy_production: float
    entropy_bound: float | None

    @property
    def efficiency(self) -> float:
        """L^2 / (2 tau C) <= 1; 1 exactly at constant speed."""
        return float(self.length ** 2 / (2 * self.tau * self.action)) if self.action > 0 else 1.0

    @property
    def minimum_time(self) -> float:
        """L^2 / (2 C), the shortest duration compatible with this length and action."""
        return float(self.length ** 2 / (2 * self.action)) if self.action > 0 else 0.0


def _equilibrium(w: np.ndarray) -> np.ndarray | None:
    """p^eq with p^eq_x w_xy = p^eq_y w_yx for all pairs, or None (no detailed balance).

    Built along a spanning tree of the jump graph and then checked on every pair."""
    n = w.shape[0]
    logp = np.full(n, np.nan)
    logp[0] = 0.0
    todo = [0]
    while todo:
        x = todo.pop()
        for y in range(n):
            if np.isnan(logp[y]) and w[x, y] > 0:
                if w[y, x] <= 0:
                    return None
                logp[y] = logp[x] + np.log(w[x, y]) - np.log(w[y, x])
                todo.append(y)
    if np.any(np.isnan(logp)):
        return None
    p = np.exp(logp - logp.max())
    p /= p.sum()
    flux = p[:, None] * w
    if np.max(np.abs(flux - flux.T)) > 1e-10 * max(1.0, flux.max()):
        return None
    return p


def speed_limit(p0: Any, rates: Any, tau: float, *, rtol: float = 1e-10, atol: float = 1e-12
                ) -> SpeedLimit:
    """Integrate the master equation from ``p0`` for a time ``tau`` with the Fisher speed.

    The statistical length, the action and the entropy production are
    integrated together with p(t) by :func:`scipy.integrate.solve_ivp`
    (``DOP853``), with ds/dt evaluated from dp/dt = p Q(t) exactly.

    Parameters
    ----------
    p0 : array_like, shape (n,)
        Initial distribution (positive entries).
    rates : array_like (n, n) or callable
        ``rates[x, y]`` of the jump x -> y, or a function ``t -> rates`` for a
        time-dependent protocol.
    tau : float
        Duration, > 0.

    Examples
    --------
    Relaxation of a biased two-state system, where the entropy-production bound
    holds with equality (sigma' = J log(p_1 w_12 / (p_2 w_21)) = |ds/dt| sd_p[log(p/p^eq)]
    for two states), and of a three-state one, where it is strict:

    >>> import numpy as np
    >>> from thermoinfo.thermo.speed import speed_limit
    >>> r = speed_limit([0.9, 0.1], [[0.0, 1.0], [2.0, 0.0]], tau=2.0)
    >>> bool(r.length ** 2 <= 2 * r.tau * r.action)
    True
    >>> print(f"{r.entropy_production:.10f} {r.entropy_bound:.10f}")
    0.1496960999 0.1496960999
    >>> E = np.array([0.0, 1.0, 0.5])  # rates exp(-(E_y - E_x) / 2): detailed balance with exp(-E)
    >>> w = np.exp(-(E[None, :] - E[:, None]) / 2) * (1 - np.eye(3))
    >>> r = speed_limit([0.7, 0.2, 0.1], w, tau=1.0)
    >>> print(f"{r.entropy_production:.4f} < {r.entropy_bound:.4f}")
    0.1280 < 0.1294
    """
    p = as_distribution(p0, "p0", ndim=1)
    if np.any(p <= 0):
        raise ValueError("p0 must be positive everywhere: the Fisher metric sum (dp)^2/p needs p > 0")
    tau = check_positive(tau, "tau")
    n = p.shape[0]
    if callable(rates):
        rate_fn: Callable[[float], np.ndarray] = rates
        w0 = as_rates(rate_fn(0.0))
    else:
        w0 = as_rates(rates)
        rate_fn = None
    if w0.shape != (n, n):
        raise ValueError(f"rates must have shape {(n, n)} for p0 of {n} states (got {w0.shape})")
    state = {"detailed": True, "one_way": False}

    def rates_at(t: float) -> np.ndarray:
        if rate_fn is None:
            return w0
        w = as_rates(rate_fn(t))
        if w.shape != (n, n):
            raise ValueError(f"rates(t) must have shape {(n, n)} (got {w.shape} at t = {t})")
        return w

    def rhs(t: float, y: np.ndarray) -> np.ndarray:
        q = np.clip(y[:n], 1e-300, None)
        w = rates_at(t)
        flux = q[:, None] * w
        dq = flux.sum(axis=0) - flux.sum(axis=1)
        speed2 = float(np.sum(dq ** 2 / q))
        with np.errstate(divide="ignore", invalid="ignore"):
            rev = flux.T
            one_way = (flux > 0) & (rev <= 0)
            terms = np.where(flux > 0, flux * (np.log(flux) - np.log(np.where(rev > 0, rev, 1.0))), 0.0)
        if np.any(one_way):
            state["one_way"] = True
            sigma = 0.0
        else:
            sigma = float(np.sum(terms))
        peq = _equilibrium(w)
        if peq is None:
            state["detailed"] = False
            bound = 0.0
        else:
            lr = np.log(q) - np.log(peq)
            var = float(q @ lr ** 2 - (q @ lr) ** 2)
            bound = np.sqrt(speed2 * max(var, 0.0))
        return np.concatenate([dq, [np.sqrt(speed2), 0.5 * speed2, sigma, bound]])

    y0 = np.concatenate([p, [0.0, 0.0, 0.0, 0.0]])
    sol = solve_ivp(rhs, (0.0, tau), y0, method="DOP853", rtol=rtol, atol=atol)
    if not sol.success:
        raise RuntimeError(f"the master equation did not integrate: {sol.message}")
    yf = sol.y[:, -1]
    p_final = np.clip(yf[:n], 0.0, None)
    p_final /= p_final.sum()
    sigma = float("inf") if state["one_way"] else float(yf[n + 2])
    return SpeedLimit(tau, float(yf[n]), float(yf[n + 1]), p_final, sigma,
                      float(yf[n + 3]) if state["detailed"] else None)
