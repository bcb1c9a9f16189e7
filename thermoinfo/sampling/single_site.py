"""Single-site dynamics of networks of two-valued units with dense symmetric couplings.

The energy of a configuration ``s`` (values ``lo``/``hi``: -1/+1 for spins, 0/1 for
binary units) is

    E(s) = -1/2 sum_ij W_ij s_i s_j - sum_i b_i s_i,    W symmetric, W_ii = 0,

so that the local field of unit ``i`` is h_i = sum_j W_ij s_j + b_i and the energy
gap between its two values is E(lo) - E(hi) = (hi - lo) h_i.

* Temperature T = 0 (Hopfield 1982, PNAS 79, 2554): a unit takes the value of
  lower energy, s_i <- hi if h_i > 0, lo if h_i < 0, and keeps its value when
  h_i = 0 (|h_i| below 1e-10 of its largest possible size, so that rounding never
  breaks an exact tie). Asynchronous updates never raise the energy, so they stop
  at a fixed point; synchronous updates (all units at once from the old fields)
  end in a fixed point or a 2-cycle.
* Temperature T > 0 (heat bath / Glauber dynamics): unit i takes the value hi with
  probability 1 / (1 + exp(-(hi - lo) h_i / T)), which leaves the Boltzmann
  distribution p(s) ∝ exp(-E(s) / T) invariant (Ackley, Hinton & Sejnowski 1985,
  Cognitive Science 9, 147).

One numba kernel serves both temperatures and both unit sets; it keeps the local
fields up to date incrementally (O(N) work per change of a unit), so relaxing a
network near a fixed point costs little more than one matrix-vector product.
Random numbers (site orders, uniforms) are drawn by a ``numpy.random.Generator``
outside the kernel, so results do not depend on whether numba is active.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numba
import numpy as np

from thermoinfo._validation import (
    UNIT_VALUES,
    as_rng,
    as_unit_states,
    check_nonnegative,
    check_positive_int,
    is_labelled,
    unit_values,
)

__all__ = [
    "UNIT_VALUES",
    "Relaxation",
    "as_couplings",
    "as_states",
    "energy",
    "local_fields",
    "relax",
    "sweep",
    "tie_tolerance",
]

def as_states(states: Any, n_units: int, units: str, name: str = "states") -> tuple[np.ndarray, bool]:
    """Check configurations and return them as a 2-D int8 array and whether the
    input was 1-D (see :func:`thermoinfo._validation.as_unit_states`)."""
    return as_unit_states(states, n_units, units, name)


def _as_real(x: Any, name: str, what: str) -> np.ndarray:
    """``np.asarray(x)``, raising ``TypeError`` naming ``name`` for input numpy cannot
    turn into a rectangular numeric array (strings, ragged lists, None)."""
    if x is None or isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be {what} (got {type(x).__name__})")
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be {what} (got a ragged or non-numeric {type(x).__name__})") from exc
    if arr.dtype == object:
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must be {what} (got entries that are not real numbers)") from exc
    return arr


def as_couplings(weights: Any, bias: Any = None, *, name: str = "weights",
                 bias_name: str = "bias") -> tuple[np.ndarray, np.ndarray]:
    """Check a symmetric coupling matrix with zero diagonal and a bias vector.

    float32 weights are kept in float32 (useful for large Hebbian matrices); other
    inputs become float64. The bias defaults to zeros.
    """
    if is_labelled(weights):
        weights = weights.values
    w = _as_real(weights, name, "a real (n_units, n_units) matrix")
    if w.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real matrix (got dtype {w.dtype})")
    if w.dtype != np.float32:
        w = w.astype(np.float64)
    if w.ndim != 2 or w.shape[0] != w.shape[1] or w.shape[0] < 1:
        raise ValueError(f"{name} must be a square (n_units, n_units) matrix (got shape {w.shape})")
    if not np.all(np.isfinite(w)):
        raise ValueError(f"{name} has non-finite entries (NaN or inf)")
    if w.size and max(float(w.max()), -float(w.min())) * float(w.shape[0]) ** 2 >= np.finfo(w.dtype).max:
        raise ValueError(f"{name} is too large: an energy bound N^2 max|W_ij| overflows {w.dtype}")
    if np.any(np.diagonal(w) != 0):
        raise ValueError(f"{name} must have a zero diagonal (no self-coupling W_ii)")
    scale = float(np.max(np.abs(w))) if w.size else 0.0
    if not np.allclose(w, w.T, rtol=0.0, atol=1e-12 * max(1.0, scale)):
        raise ValueError(f"{name} must be symmetric (W_ij = W_ji)")
    n = w.shape[0]
    if bias is None:
        b = np.zeros(n)
    else:
        if is_labelled(bias):
            bias = bias.values
        b = _as_real(bias, bias_name, f"a real vector of shape ({n},)")
        if b.dtype.kind not in "biuf":
            raise TypeError(f"{bias_name} must be a real vector (got dtype {b.dtype})")
        b = b.astype(np.float64)
        if b.shape != (n,):
            raise ValueError(f"{bias_name} must have shape ({n},) to match {name} (got {b.shape})")
        if not np.all(np.isfinite(b)):
            raise ValueError(f"{bias_name} has non-finite entries (NaN or inf)")
        if b.size and max(float(b.max()), -float(b.min())) * float(n) >= np.finfo(np.float64).max:
            raise ValueError(f"{bias_name} is too large: an energy bound N max|b_i| overflows float64")
    return np.ascontiguousarray(w), b


def local_fields(states: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """h = s W + b for each row of ``states`` (float64, shape (n, N))."""
    s = states.astype(weights.dtype)
    return (s @ weights).astype(np.float64) + bias


def energy(states: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """E(s) = -1/2 s W s - b s for each row of ``states`` (checked arrays)."""
    s = states.astype(np.float64)
    ws = (states.astype(weights.dtype) @ weights).astype(np.float64)
    return -0.5 * np.einsum("ni,ni->n", ws, s) - s @ bias


@numba.njit(cache=True)
def _glauber_hi_probability(x: float) -> float:
    if x >= 0.0:
        return 1.0 / (1.0 + np.exp(-x))
    e = np.exp(x)
    return e / (1.0 + e)


@numba.njit(cache=True)
def _asynchronous_sweep(states, fields, weights, order, uniforms, temperature, lo, hi,
                        tie):  # pragma: no cover
    """Update the units ``order[c, :]`` of chain ``c`` one after another.

    T = 0: the value of lower energy (energy gaps within ``tie`` of zero keep the
    value); T > 0: heat bath with ``uniforms[c, t]``. ``fields`` are updated in place. Returns the number of
    changed units per chain.
    """
    n_chains = states.shape[0]
    n = states.shape[1]
    n_steps = order.shape[1]
    gap_scale = float(hi - lo)
    changes = np.zeros(n_chains, dtype=np.int64)
    for c in range(n_chains):
        for t in range(n_steps):
            i = order[c, t]
            gap = gap_scale * fields[c, i]
            old = states[c, i]
            if temperature == 0.0:
                if gap > tie:
                    new = hi
                elif gap < -tie:
                    new = lo
                else:
                    new = old
            else:
                if uniforms[c, t] < _glauber_hi_probability(gap / temperature):
                    new = hi
                else:
                    new = lo
            if new != old:
                states[c, i] = new
                d = float(new - old)
                for k in range(n):
                    fields[c, k] += weights[i, k] * d
                changes[c] += 1
    return changes


@numba.njit(cache=True)
def _synchronous_step(states, fields, weights, lo, hi, tie):  # pragma: no cover
    """All units of each chain at once from the old fields (T = 0); returns the
    number of changed units per chain and updates ``fields`` in place."""
    n_chains = states.shape[0]
    n = states.shape[1]
    changes = np.zeros(n_chains, dtype=np.int64)
    new = np.empty(n, dtype=states.dtype)
    for c in range(n_chains):
        for i in range(n):
            h = fields[c, i]
            if h > tie:
                new[i] = hi
            elif h < -tie:
                new[i] = lo
            else:
                new[i] = states[c, i]
        for i in range(n):
            if new[i] != states[c, i]:
                d = float(new[i] - states[c, i])
                states[c, i] = new[i]
                for k in range(n):
                    fields[c, k] += weights[i, k] * d
                changes[c] += 1
    return changes


def tie_tolerance(weights: np.ndarray, bias: np.ndarray) -> float:
    """Fields within this distance of zero count as ties at T = 0 (the unit keeps
    its value): 1e-10 times the largest possible |h_i|, far above the rounding
    error of the fields and far below any non-degenerate field."""
    bound = float(np.max(np.sum(np.abs(weights), axis=1, dtype=np.float64))) if weights.size else 0.0
    return 1e-10 * (bound + (float(np.max(np.abs(bias))) if bias.size else 0.0))


def _orders(rng: np.random.Generator, n_chains: int, sites: np.ndarray, random: bool) -> np.ndarray:
    base = np.tile(sites, (n_chains, 1))
    return rng.permuted(base, axis=1) if random else base


def sweep(states: np.ndarray, fields: np.ndarray, weights: np.ndarray, *, units: str = "spin",
          temperature: float = 0.0, order: str = "random", sites: np.ndarray | None = None,
          tie: float = 0.0, rng: Any = None) -> np.ndarray:
    """One asynchronous sweep over ``sites`` (default: all units) of every chain.

    Pure-kernel level: ``states`` (int8, (n, N)) and ``fields`` (float64, the
    output of :func:`local_fields`) are updated in place; ``weights`` must be
    checked by :func:`as_couplings`; at T = 0 fields within ``tie`` of zero keep
    the unit's value. Returns the number of changed units per chain.
    """
    lo, hi = unit_values(units)
    temperature = check_nonnegative(temperature, "temperature")
    rng = as_rng(rng)
    n_chains, n = states.shape
    sites = np.arange(n, dtype=np.int64) if sites is None else np.asarray(sites, dtype=np.int64)
    if order not in ("random", "sequential"):
        raise ValueError(f"order must be 'random' or 'sequential' (got {order!r})")
    idx = _orders(rng, n_chains, sites, order == "random")
    uniforms = rng.random(idx.shape) if temperature > 0 else np.empty((n_chains, 0))
    return _asynchronous_sweep(states, fields, weights, idx, uniforms, temperature, lo, hi, float(tie))


@dataclass(frozen=True)
class Relaxation:
    """Result of :func:`relax`.

    Attributes
    ----------
    states : ndarray of int8, shape (n, N)
        Final configurations.
    sweeps : ndarray of int, shape (n,)
        Sweeps (asynchronous) or parallel steps (synchronous) run by each chain.
    fixed_point : ndarray of bool, shape (n,)
        The final state is a fixed point of the T = 0 dynamics (always False at T > 0).
    two_cycle : ndarray of bool, shape (n,)
        Synchronous dynamics ended in a 2-cycle (the final state and the one
        before alternate).
    """

    states: np.ndarray
    sweeps: np.ndarray
    fixed_point: np.ndarray
    two_cycle: np.ndarray

    @property
    def converged(self) -> np.ndarray:
        """Each chain reached a fixed point or a 2-cycle."""
        return self.fixed_point | self.two_cycle


def relax(states: np.ndarray, weights: np.ndarray, bias: np.ndarray | None = None, *,
          units: str = "spin", temperature: float = 0.0, dynamics: str = "asynchronous",
          order: str = "random", n_sweeps: int | None = None, max_sweeps: int = 1000,
          sites: Any = None, rng: Any = None) -> Relaxation:
    """Run single-site dynamics on many independent chains.

    Parameters
    ----------
    states : array_like, shape (n, N) or (N,)
        Initial configurations in the unit set.
    weights : array_like, shape (N, N)
        Symmetric couplings with zero diagonal.
    bias : array_like, shape (N,), optional
        Fields b (for thresholds theta, pass ``bias = -theta``).
    units : {"spin", "binary"}
    temperature : float
        0 for deterministic dynamics, > 0 for heat-bath (Glauber) sampling.
    dynamics : {"asynchronous", "synchronous"}
        Synchronous (parallel) updates are available at T = 0 only.
    order : {"random", "sequential"}
        Site order of asynchronous sweeps (a fresh random permutation per sweep).
    n_sweeps : int, optional
        Run exactly this many sweeps. Required at T > 0; at T = 0 the default runs
        until every chain reaches a fixed point (or a 2-cycle) or ``max_sweeps``.
    max_sweeps : int
        Cap on the number of sweeps at T = 0.
    sites : array_like of int, optional
        Update only these units (the others stay clamped).
    rng : seed or Generator

    Returns
    -------
    Relaxation

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> out = relax(np.array([[1, -1]]), w, order="sequential")
    >>> out.states.tolist(), bool(out.fixed_point[0])
    ([[-1, -1]], True)
    """
    w, b = as_couplings(weights, bias)
    n = w.shape[0]
    s = as_states(states, n, units)[0].copy()
    lo, hi = unit_values(units)
    temperature = check_nonnegative(temperature, "temperature")
    max_sweeps = check_positive_int(max_sweeps, "max_sweeps")
    if n_sweeps is not None:
        n_sweeps = check_positive_int(n_sweeps, "n_sweeps", minimum=0)
    if dynamics not in ("asynchronous", "synchronous"):
        raise ValueError(f"dynamics must be 'asynchronous' or 'synchronous' (got {dynamics!r})")
    if order not in ("random", "sequential"):
        raise ValueError(f"order must be 'random' or 'sequential' (got {order!r})")
    if temperature > 0 and n_sweeps is None:
        raise ValueError("n_sweeps is required at temperature > 0 (heat-bath dynamics has no fixed point)")
    if temperature > 0 and dynamics == "synchronous":
        raise ValueError(
            "dynamics 'synchronous' is deterministic (T = 0) only; parallel heat-bath updates do not "
            "sample the Boltzmann distribution. Use dynamics='asynchronous' at temperature > 0"
        )
    if sites is None:
        site_idx = np.arange(n, dtype=np.int64)
    else:
        site_idx = np.unique(np.asarray(sites, dtype=np.int64))
        if site_idx.size == 0 or site_idx[0] < 0 or site_idx[-1] >= n:
            raise ValueError(f"sites must be unit indices in [0, {n}) (got {sites!r})")
        if dynamics == "synchronous" and site_idx.size != n:
            raise ValueError("sites (clamping) is available with asynchronous dynamics only")
    rng = as_rng(rng)
    n_chains = s.shape[0]
    fields = local_fields(s, w, b)
    tie = tie_tolerance(w, b)
    sweeps = np.zeros(n_chains, dtype=np.int64)
    fixed = np.zeros(n_chains, dtype=bool)
    cycle = np.zeros(n_chains, dtype=bool)
    limit = n_sweeps if n_sweeps is not None else max_sweeps
    stop_early = n_sweeps is None

    if dynamics == "asynchronous":
        active = np.arange(n_chains)
        for _ in range(limit):
            if active.size == 0:
                break
            sub_s = s[active]
            sub_f = fields[active]
            idx = _orders(rng, active.size, site_idx, order == "random")
            uniforms = rng.random(idx.shape) if temperature > 0 else np.empty((active.size, 0))
            changes = _asynchronous_sweep(sub_s, sub_f, w, idx, uniforms, temperature, lo, hi, tie)
            s[active] = sub_s
            fields[active] = sub_f
            sweeps[active] += 1
            if temperature == 0:
                done = changes == 0
                fixed[active[done]] = True
                if stop_early:
                    active = active[~done]
                else:
                    fixed[active[~done]] = False
        return Relaxation(s, sweeps, fixed, cycle)

    previous = np.full_like(s, lo - 7)  # no state two steps back yet
    active = np.arange(n_chains)
    for _ in range(limit):
        if active.size == 0:
            break
        sub_s = s[active]
        sub_f = fields[active]
        before = sub_s.copy()
        changes = _synchronous_step(sub_s, sub_f, w, lo, hi, tie)
        s[active] = sub_s
        fields[active] = sub_f
        sweeps[active] += 1
        is_fixed = changes == 0
        is_cycle = ~is_fixed & np.all(sub_s == previous[active], axis=1)
        fixed[active] = is_fixed
        cycle[active] = is_cycle
        previous[active] = before
        if stop_early:
            active = active[~(is_fixed | is_cycle)]
    return Relaxation(s, sweeps, fixed, cycle)
