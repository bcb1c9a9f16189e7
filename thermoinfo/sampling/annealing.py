"""Simulated annealing of networks of two-valued units with symmetric couplings.

Minimises E(s) = -1/2 s.W.s - b.s (spins ±1 or binary 0/1) by heat-bath sweeps
(:mod:`thermoinfo.sampling.single_site`) at a decreasing temperature T_k, followed
by a T = 0 quench to a local minimum (Kirkpatrick, Gelatt & Vecchi 1983, Science
220, 671). Schedules over k = 0 .. n_steps - 1:

    geometric:    T_k = T_0 (T_end / T_0)^(k / (n_steps - 1))
    linear:       T_k = T_0 + (T_end - T_0) k / (n_steps - 1)
    logarithmic:  T_k = c / ln(k + k_0), with c, k_0 fixed by T_0 and T_end
                  (the form of Geman & Geman 1984, IEEE PAMI 6, 721)

A quadratic unconstrained binary optimisation (QUBO) problem min_x x.Q.x + c.x,
x ∈ {0, 1}^N, is the binary energy with W = -(Q + Q^T) off the diagonal and
b = -(diag Q + c) (:func:`from_qubo`).

After each temperature step every callable of ``callbacks`` receives an
:class:`AnnealingState` (``.step``, ``.temperature``, ``.states``, ``.mean_energy``);
one that returns True ends the cooling early (the T = 0 quench still runs).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import brentq

from thermoinfo._enumerate import iter_states
from thermoinfo._validation import as_rng, check_callbacks, check_positive, check_positive_int, random_units
from thermoinfo.sampling.single_site import (
    _asynchronous_sweep,
    as_couplings,
    as_states,
    energy,
    local_fields,
    relax,
    unit_values,
)

__all__ = ["AnnealingResult", "AnnealingState", "Schedule", "brute_force_minimum", "from_qubo",
           "simulated_annealing"]

_KINDS = ("geometric", "linear", "logarithmic")


@dataclass(frozen=True)
class Schedule:
    """A cooling schedule from ``t_start`` to ``t_end`` in ``n_steps`` temperatures.

    Parameters
    ----------
    kind : {"geometric", "linear", "logarithmic"}
    t_start, t_end : float
        First and last temperature, ``t_start >= t_end > 0``.
    n_steps : int
        Number of temperatures (>= 2).
    sweeps_per_step : int
        Heat-bath sweeps at each temperature.

    Examples
    --------
    >>> Schedule.geometric(4.0, 0.25, 5).temperatures().round(3).tolist()
    [4.0, 2.0, 1.0, 0.5, 0.25]
    """

    kind: str
    t_start: float
    t_end: float
    n_steps: int
    sweeps_per_step: int = 1

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"kind must be one of {_KINDS} (got {self.kind!r})")
        t0 = check_positive(self.t_start, "t_start")
        t1 = check_positive(self.t_end, "t_end")
        if t1 > t0:
            raise ValueError(f"t_end ({t1}) must not exceed t_start ({t0}): a schedule cools")
        check_positive_int(self.n_steps, "n_steps", minimum=2)
        check_positive_int(self.sweeps_per_step, "sweeps_per_step")

    @classmethod
    def geometric(cls, t_start: float, t_end: float, n_steps: int, sweeps_per_step: int = 1) -> Schedule:
        """T_k = T_0 (T_end / T_0)^(k / (n_steps - 1))."""
        return cls("geometric", t_start, t_end, n_steps, sweeps_per_step)

    @classmethod
    def linear(cls, t_start: float, t_end: float, n_steps: int, sweeps_per_step: int = 1) -> Schedule:
        """T_k = T_0 + (T_end - T_0) k / (n_steps - 1)."""
        return cls("linear", t_start, t_end, n_steps, sweeps_per_step)

    @classmethod
    def logarithmic(cls, t_start: float, t_end: float, n_steps: int, sweeps_per_step: int = 1) -> Schedule:
        """T_k = c / ln(k + k_0) through T_0 and T_end."""
        return cls("logarithmic", t_start, t_end, n_steps, sweeps_per_step)

    def temperatures(self) -> np.ndarray:
        """The ``n_steps`` temperatures, first ``t_start``, last ``t_end``."""
        k = np.arange(self.n_steps, dtype=np.float64)
        last = self.n_steps - 1.0
        t0, t1 = float(self.t_start), float(self.t_end)
        if self.kind == "geometric":
            out = t0 * (t1 / t0) ** (k / last)
        elif self.kind == "linear":
            out = t0 + (t1 - t0) * k / last
        else:
            ratio = t0 / t1
            if ratio == 1.0:
                out = np.full(self.n_steps, t0)
            else:
                # ln(last + k0) / ln(k0) = ratio for k0 > 1
                def g(k0: float) -> float:
                    return np.log(last + k0) - ratio * np.log(k0)
                hi = 2.0
                while g(hi) > 0:
                    hi *= 2.0
                k0 = brentq(g, 1.0, hi, xtol=1e-14, rtol=1e-15)
                c = t0 * np.log(k0)
                out = c / np.log(k + k0)
        out[0], out[-1] = t0, t1
        return out

    def __iter__(self) -> Iterator[float]:
        return iter(self.temperatures().tolist())

    def __len__(self) -> int:
        return int(self.n_steps)


@dataclass(frozen=True)
class AnnealingState:
    """What each callback of :func:`simulated_annealing` receives after a temperature step.

    Attributes
    ----------
    step : int
        Index of the temperature step just finished (0-based).
    temperature : float
        Its temperature T_step.
    states : ndarray of int8 (n_restarts, N)
        The current states of every restart (a copy).
    mean_energy : float
        Their mean energy.
    """

    step: int
    temperature: float
    states: np.ndarray
    mean_energy: float


@dataclass(frozen=True)
class AnnealingResult:
    """Outcome of :func:`simulated_annealing`.

    Attributes
    ----------
    best_state : ndarray of int8 (N,)
    best_energy : float
    states : ndarray of int8 (n_restarts, N)
        Final (quenched) state of every restart.
    energies : ndarray (n_restarts,)
    mean_energy : ndarray (n_steps,)
        Mean energy over restarts after each temperature step (only the steps run,
        when a callback ended the cooling early).
    """

    best_state: np.ndarray
    best_energy: float
    states: np.ndarray
    energies: np.ndarray
    mean_energy: np.ndarray


def simulated_annealing(weights: Any, bias: Any = None, schedule: Schedule | None = None, *,
                        units: str = "spin", n_restarts: int = 16, init: Any = None,
                        rng: Any = None, callbacks: Sequence[Callable[[AnnealingState], Any]] = ()
                        ) -> AnnealingResult:
    """Minimise E(s) = -1/2 s.W.s - b.s by simulated annealing.

    Parameters
    ----------
    weights : array_like (N, N)
        Symmetric couplings with zero diagonal.
    bias : array_like (N,), optional
    schedule : Schedule
        Cooling schedule (default: geometric from 10 to 0.05 in 200 steps).
    units : {"spin", "binary"}
    n_restarts : int
        Independent annealing runs (chains) done side by side.
    init : array_like (n_restarts, N), optional
        Initial states (default uniformly random).
    rng : seed or Generator
    callbacks : sequence of callables
        Each is called with an :class:`AnnealingState` after every temperature
        step; one that returns True ends the cooling (the quench still runs).

    Examples
    --------
    >>> import numpy as np
    >>> w = -np.ones((3, 3)) + np.eye(3)         # antiferromagnetic triangle
    >>> out = simulated_annealing(w, schedule=Schedule.geometric(2.0, 0.1, 20), rng=0)
    >>> round(out.best_energy, 6)                # two bonds satisfied, one frustrated
    -1.0
    """
    w, b = as_couplings(weights, bias)
    n = w.shape[0]
    lo, hi = unit_values(units)
    n_restarts = check_positive_int(n_restarts, "n_restarts")
    callbacks = check_callbacks(callbacks)
    schedule = Schedule.geometric(10.0, 0.05, 200) if schedule is None else schedule
    if not isinstance(schedule, Schedule):
        raise TypeError(f"schedule must be a Schedule (got {type(schedule).__name__})")
    rng = as_rng(rng)
    if init is None:
        s = random_units(rng, (n_restarts, n), units)
    else:
        s = as_states(init, n, units, "init")[0].copy()
        n_restarts = s.shape[0]
    fields = local_fields(s, w, b)
    base = np.arange(n, dtype=np.int64)
    temps = schedule.temperatures()
    trace = np.empty(temps.size)
    for step, t in enumerate(temps):
        for _ in range(schedule.sweeps_per_step):
            order = rng.permuted(np.tile(base, (n_restarts, 1)), axis=1)
            _asynchronous_sweep(s, fields, w, order, rng.random(order.shape), float(t), lo, hi, 0.0)
        trace[step] = float(np.mean(energy(s, w, b)))
        if callbacks:
            state = AnnealingState(step, float(t), s.copy(), float(trace[step]))
            stop = False
            for cb in callbacks:
                stop = bool(cb(state)) or stop
            if stop:
                trace = trace[: step + 1]
                break
    final = relax(s, w, b, units=units, rng=rng).states
    e = energy(final, w, b)
    best = int(np.argmin(e))
    return AnnealingResult(final[best].copy(), float(e[best]), final, e, trace)


def brute_force_minimum(weights: Any, bias: Any = None, *, units: str = "spin",
                        atol: float = 1e-9) -> tuple[float, np.ndarray]:
    """Exact minimum of E(s) = -1/2 s.W.s - b.s by enumeration (N <= 30).

    Returns ``(minimum energy, all minimising states as int8 rows)``.
    """
    w, b = as_couplings(weights, bias)
    n = w.shape[0]
    values = unit_values(units)
    best = np.inf
    argmins: list[np.ndarray] = []
    for chunk in iter_states(n, values=values, bytes_per_state=16 * n, max_states=2**30):
        e = energy(chunk, w, b)
        m = float(e.min())
        if m < best - atol:
            best = m
            argmins = [chunk[e <= m + atol]]
        elif m <= best + atol:
            argmins.append(chunk[e <= best + atol])
    return best, np.concatenate(argmins)


def from_qubo(q: Any, linear: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Couplings of the binary network whose energy is x.Q.x + c.x.

    Returns ``(weights, bias)`` with weights = -(Q + Q^T) off the diagonal and
    bias = -(diag Q + c), so that E(x) = -1/2 x.W.x - b.x = x.Q.x + c.x for
    x ∈ {0, 1}^N.

    Examples
    --------
    >>> import numpy as np
    >>> w, b = from_qubo(np.array([[1.0, 2.0], [0.0, -3.0]]))
    >>> w.tolist(), b.tolist()
    ([[0.0, -2.0], [-2.0, 0.0]], [-1.0, 3.0])
    """
    qm = np.asarray(q, dtype=np.float64)
    if qm.ndim != 2 or qm.shape[0] != qm.shape[1]:
        raise ValueError(f"q must be a square matrix (got shape {qm.shape})")
    if not np.all(np.isfinite(qm)):
        raise ValueError("q has non-finite entries (NaN or inf)")
    n = qm.shape[0]
    c = np.zeros(n) if linear is None else np.asarray(linear, dtype=np.float64)
    if c.shape != (n,) or not np.all(np.isfinite(c)):
        raise ValueError(f"linear must be a finite vector of shape ({n},) (got shape {c.shape})")
    w = -(qm + qm.T)
    np.fill_diagonal(w, 0.0)
    return w, -(np.diagonal(qm) + c)
