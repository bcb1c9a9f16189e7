"""Hopfield networks and their dense (modern) generalisations.

Classical Hopfield network (Hopfield 1982, PNAS 79, 2554) of N units, spins
s_i = ±1 or binary u_i ∈ {0, 1}, storing patterns ξ^μ (μ = 1..P, spins):

    Hebb:     w_ij = (1/N) sum_mu xi_i^mu xi_j^mu,   w_ii = 0
              (for {0, 1} patterns u^mu this is Δw_ij = (4/N)(u_i - 1/2)(u_j - 1/2))
    Storkey:  w_ij <- w_ij + (1/N)(xi_i xi_j - xi_i h_ji - h_ij xi_j),
              h_ij = sum_{k != i, j} w_ik xi_k        (Storkey 1997, ICANN, LNCS 1327)
    energy:   E(s) = -1/2 sum_ij w_ij s_i s_j              (spins)
              E(u) = -1/2 sum_ij w_ij u_i u_j + sum_i theta_i u_i,  theta_i = 1/2 sum_j w_ij
    dynamics: s_i <- sign(sum_j w_ij s_j);   u_i <- H(sum_j w_ij u_j - theta_i)

With s = 2u - 1 the {0, 1} network has the same fields up to a factor 1/2 and the
energy E(u) = E(s)/4 + const, so its T = 0 trajectories are those of the spin
network, and at temperature T it samples the spin network's Boltzmann
distribution at temperature 4T. The dynamics are the kernels of
:mod:`thermoinfo.sampling.single_site`: asynchronous random-order updates (which
never raise E and stop at fixed points), synchronous updates (fixed points or
2-cycles), and heat-bath (Glauber) updates at T > 0. The retrieval overlap is
m^mu = (1/N) sum_i xi_i^mu s_i.

Dense associative memory (Krotov & Hopfield 2016, arXiv:1606.01164), spins:

    E(s) = -sum_mu F(xi^mu . s),   F(x) = x^n,
    s_i <- sign( sum_mu [F(xi^mu . s|_{s_i=+1}) - F(xi^mu . s|_{s_i=-1})] ),

whose capacity grows like N^(n-1). Modern continuous Hopfield network (Ramsauer et
al. 2020, arXiv:2008.02217), states xi ∈ R^d and patterns X = (x_1..x_P), at
temperature T (the paper's beta = 1/T):

    xi <- X softmax(X^T xi / T),
    E(xi) = -T log sum_mu exp(x_mu . xi / T) + 1/2 xi.xi + T log P + 1/2 M^2,  M = max_mu |x_mu|,

which never raises E and retrieves exponentially many patterns in d. Every
temperature parameter of this module is spelled ``temperature`` (k_B = 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
from scipy.special import logsumexp, softmax

from thermoinfo._validation import (
    as_rng,
    as_unit_states,
    check_nonnegative,
    check_positive,
    check_positive_int,
    resolve_rng,
)
from thermoinfo.models.boltzmann import thermodynamics_dataset
from thermoinfo.sampling.single_site import Relaxation, as_states, relax, tie_tolerance, unit_values
from thermoinfo.sampling.single_site import energy as _energy

__all__ = [
    "DenseAssociativeMemory",
    "Hopfield",
    "ModernHopfield",
    "RecallResult",
    "hebbian_weights",
    "storkey_weights",
]


def hebbian_weights(patterns: np.ndarray, dtype: Any = np.float64) -> np.ndarray:
    """Hebbian couplings w = (1/N) ξᵀξ with zero diagonal, for ±1 patterns (P, N).

    Examples
    --------
    >>> import numpy as np
    >>> (3 * hebbian_weights(np.array([[1, -1, 1]]))).round(6).tolist()
    [[0.0, -1.0, 1.0], [-1.0, 0.0, -1.0], [1.0, -1.0, 0.0]]
    """
    xi = np.asarray(patterns).astype(dtype)
    n = xi.shape[1]
    w = xi.T @ xi
    np.fill_diagonal(w, 0)
    w /= n
    return w


def storkey_weights(patterns: np.ndarray) -> np.ndarray:
    """Storkey (1997) couplings for ±1 patterns (P, N), learned one pattern at a time.

    For each pattern ξ, with local fields H = w ξ (w_ii = 0) and
    h_ij = H_i - w_ij ξ_j:
    Δw_ij = (1/N)(ξ_i ξ_j - ξ_i h_ji - h_ij ξ_j) = (1/N)(ξ_i ξ_j - ξ_i H_j - H_i ξ_j + 2 w_ij),
    then the diagonal is kept at zero.
    """
    xi = np.asarray(patterns, dtype=np.float64)
    n = xi.shape[1]
    w = np.zeros((n, n))
    for x in xi:
        h = w @ x
        w = w + (np.outer(x, x) - np.outer(x, h) - np.outer(h, x) + 2.0 * w) / n
        np.fill_diagonal(w, 0.0)
    return w


@dataclass(frozen=True)
class RecallResult:
    """States reached by recall and how the dynamics ended.

    Attributes
    ----------
    states : ndarray of int8
        Final states (shape of the input states).
    sweeps : ndarray of int
        Sweeps (asynchronous) or parallel steps (synchronous) per state.
    fixed_point, two_cycle : ndarray of bool
        The dynamics ended at a fixed point / in a 2-cycle (synchronous only).
    overlaps : ndarray, shape (..., n_patterns)
        m^mu = (1/N) ξ^mu · s of the final states with the stored patterns.
    """

    states: np.ndarray
    sweeps: np.ndarray
    fixed_point: np.ndarray
    two_cycle: np.ndarray
    overlaps: np.ndarray


def _check_units_arg(units: str) -> str:
    unit_values(units)
    return units


def _check_n_units(n_units: Any) -> int:
    return check_positive_int(n_units, "n_units")


class _PatternMemory:
    """Shared surface: pattern storage in either unit set and overlaps."""

    n_units: int
    units: str

    def _check_fitted(self) -> None:
        if not hasattr(self, "patterns_"):
            raise ValueError(f"this {type(self).__name__} is not fitted; call fit(patterns) first")

    def _spins(self, states: Any, name: str = "states") -> tuple[np.ndarray, bool]:
        s, was_1d = as_states(states, self.n_units, self.units, name)
        if self.units == "binary":
            s = (2 * s - 1).astype(np.int8)
        return s, was_1d

    def _from_spins(self, s: np.ndarray) -> np.ndarray:
        if self.units == "binary":
            return ((s + 1) // 2).astype(np.int8)
        return s

    def _store(self, patterns: Any) -> np.ndarray:
        u, _ = as_unit_states(patterns, self.n_units, self.units, "patterns", ndim=(2,))
        if u.shape[0] == 0:
            raise ValueError(f"patterns has no rows; store at least one pattern of {self.n_units} units")
        xi = (2 * u - 1).astype(np.int8) if self.units == "binary" else u
        self.patterns_ = self._from_spins(xi)
        self.n_patterns_ = xi.shape[0]
        return xi

    def overlap(self, states: Any) -> np.ndarray:
        """Overlaps m^mu = (1/N) sum_i xi_i^mu s_i (spins; s = 2u - 1 for binary units),
        shape (n_patterns,) or (n, n_patterns)."""
        self._check_fitted()
        s, was_1d = self._spins(states)
        xi = 2 * self.patterns_.astype(np.int64) - 1 if self.units == "binary" else self.patterns_
        m = (s.astype(np.float64) @ xi.T.astype(np.float64)) / self.n_units
        return m[0] if was_1d else m


class Hopfield(_PatternMemory):
    """Hopfield network with Hebbian or Storkey storage.

    Parameters
    ----------
    n_units : int
        Number of units N.
    units : {"spin", "binary"}
        ±1 units, or {0, 1} units with thresholds theta_i = 1/2 sum_j w_ij.
    rule : {"hebb", "storkey"}
        Storage rule.

    Attributes
    ----------
    weights_ : ndarray (N, N)
        Symmetric couplings, zero diagonal.
    thresholds_ : ndarray (N,)
        theta_i (zero for spins); E(u) = -1/2 u.w.u + theta.u.
    patterns_ : ndarray of int8 (P, N)
        The stored patterns, in the network's unit set.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> xi = rng.choice(np.array([-1, 1], dtype=np.int8), size=(3, 100))
    >>> net = Hopfield(100).fit(xi)
    >>> noisy = xi[0].copy(); noisy[:15] *= -1
    >>> bool(np.array_equal(net.recall(noisy, rng=1), xi[0]))
    True
    """

    def __init__(self, n_units: int, units: str = "spin", rule: str = "hebb"):
        self.n_units = n_units
        self.units = units
        self.rule = rule

    def _check_params(self) -> None:
        _check_n_units(self.n_units)
        _check_units_arg(self.units)
        if self.rule not in ("hebb", "storkey"):
            raise ValueError(f"rule must be 'hebb' or 'storkey' (got {self.rule!r})")

    def fit(self, patterns: Any) -> Hopfield:
        """Store ``patterns`` (n_patterns, n_units) in the network's unit set."""
        self._check_params()
        xi = self._store(patterns)
        w = hebbian_weights(xi) if self.rule == "hebb" else storkey_weights(xi)
        self.weights_ = w
        if self.units == "binary":
            self.thresholds_ = 0.5 * w.sum(axis=1)
        else:
            self.thresholds_ = np.zeros(self.n_units)
        return self

    def energy(self, states: Any) -> np.ndarray | float:
        """E = -1/2 s.w.s + theta.s of each state (a float for one state)."""
        self._check_fitted()
        s, was_1d = as_states(states, self.n_units, self.units)
        e = _energy(s, self.weights_, -self.thresholds_)
        return float(e[0]) if was_1d else e

    def recall(self, states: Any, rng: Any = None, *, dynamics: str = "asynchronous",
               temperature: float = 0.0, n_sweeps: int | None = None, max_sweeps: int = 1000,
               return_info: bool = False, random_state: Any = None) -> np.ndarray | RecallResult:
        """Run the network from ``states`` and return the final states.

        Parameters
        ----------
        states : array_like, (n_units,) or (n, n_units)
            Initial states (noisy or partial patterns) in the unit set.
        rng : seed or Generator
            Randomness of the update order and of heat-bath updates.
        dynamics : {"asynchronous", "synchronous"}
            Random-order single-unit updates, or all units at once (T = 0 only).
        temperature : float
            0 (default): deterministic updates until a fixed point (or a 2-cycle
            of synchronous dynamics). > 0: Glauber updates for ``n_sweeps`` sweeps
            (for binary units this samples the spin network at 4T).
        n_sweeps : int, optional
            Number of sweeps (required at temperature > 0).
        max_sweeps : int
            Cap on the number of sweeps at T = 0.
        return_info : bool
            Return a :class:`RecallResult` (states, sweeps, fixed points, 2-cycles,
            overlaps) instead of the states alone.
        random_state : seed or Generator
            scikit-learn spelling of ``rng``.
        """
        self._check_fitted()
        temperature = check_nonnegative(temperature, "temperature")
        s, was_1d = as_states(states, self.n_units, self.units)
        out: Relaxation = relax(
            s, self.weights_, -self.thresholds_, units=self.units, temperature=temperature,
            dynamics=dynamics, n_sweeps=n_sweeps, max_sweeps=max_sweeps,
            rng=resolve_rng(rng, random_state),
        )
        final = out.states[0] if was_1d else out.states
        if not return_info:
            return final
        pick = (lambda a: a[0]) if was_1d else (lambda a: a)
        return RecallResult(final, pick(out.sweeps), pick(out.fixed_point), pick(out.two_cycle),
                            self.overlap(final))

    def thermodynamics(self, temperature: Any) -> Any:
        """Exact thermodynamics of the network at ``temperature`` (N <= 20), an ``xarray.Dataset``.

        The Boltzmann distribution p(s) ∝ exp(-E(s)/T) of the network's energy
        (that is, a :class:`~thermoinfo.models.BoltzmannMachine` with couplings
        ``weights_`` and bias ``-thresholds_``): ``log_partition``, ``free_energy``,
        ``energy``, ``entropy`` (nats), ``heat_capacity``, ``means`` and
        ``correlations``, over a scalar ``temperature`` coordinate or a
        ``temperature`` dimension for several temperatures.

        Examples
        --------
        >>> import numpy as np
        >>> net = Hopfield(2).fit([[1, 1]])          # w_12 = 1/2
        >>> th = net.thermodynamics(1.0)
        >>> bool(np.isclose(float(th.log_partition), np.log(2 * np.exp(0.5) + 2 * np.exp(-0.5))))
        True
        """
        self._check_fitted()
        title = f"Hopfield network ({self.rule} rule) thermodynamics by exact enumeration"
        ds = thermodynamics_dataset(self.weights_, -self.thresholds_, self.units, temperature, title)
        ds.attrs["n_patterns"] = int(self.n_patterns_)
        return ds

    def is_fixed_point(self, states: Any) -> np.ndarray | bool:
        """Whether no single-unit T = 0 update changes ``states``."""
        self._check_fitted()
        s, was_1d = as_states(states, self.n_units, self.units)
        lo, hi = unit_values(self.units)
        h = s.astype(np.float64) @ self.weights_ - self.thresholds_
        tie = tie_tolerance(self.weights_, self.thresholds_)
        stable = ((h > tie) & (s == hi)) | ((h < -tie) & (s == lo)) | (np.abs(h) <= tie)
        out = np.all(stable, axis=1)
        return bool(out[0]) if was_1d else out


@numba.njit(cache=True)
def _dense_sweep(states, overlaps, patterns, order, degree):  # pragma: no cover
    """Asynchronous T = 0 sweep of a dense associative memory with F(x) = x**degree.

    ``overlaps[c, mu] = patterns[mu] . states[c]`` are updated in place.
    Returns the number of flipped spins per chain.
    """
    n_chains = states.shape[0]
    n_patterns = patterns.shape[0]
    changes = np.zeros(n_chains, dtype=np.int64)
    for c in range(n_chains):
        for t in range(order.shape[1]):
            i = order[c, t]
            s_old = states[c, i]
            gap = 0.0
            for mu in range(n_patterns):
                x = patterns[mu, i]
                rest = overlaps[c, mu] - x * s_old
                gap += (rest + x) ** degree - (rest - x) ** degree
            if gap > 0.0:
                new = 1
            elif gap < 0.0:
                new = -1
            else:
                new = s_old
            if new != s_old:
                states[c, i] = new
                d = float(new - s_old)
                for mu in range(n_patterns):
                    overlaps[c, mu] += patterns[mu, i] * d
                changes[c] += 1
    return changes


class DenseAssociativeMemory(_PatternMemory):
    """Krotov–Hopfield dense associative memory, E(s) = -sum_mu (xi^mu . s)^degree.

    Parameters
    ----------
    n_units : int
    degree : int
        The power n of F(x) = x^n (n = 2 is the Hopfield network up to a constant).
    units : {"spin", "binary"}
        Binary states are mapped to spins by s = 2u - 1.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> xi = rng.choice(np.array([-1, 1], dtype=np.int8), size=(60, 100))  # load 0.6
    >>> dam = DenseAssociativeMemory(100, degree=3).fit(xi)
    >>> float(np.mean(dam.overlap(dam.recall(xi, rng=2)).diagonal()))
    1.0
    """

    def __init__(self, n_units: int, degree: int = 3, units: str = "spin"):
        self.n_units = n_units
        self.degree = degree
        self.units = units

    def fit(self, patterns: Any) -> DenseAssociativeMemory:
        """Store ``patterns`` (n_patterns, n_units)."""
        n = _check_n_units(self.n_units)
        degree = check_positive_int(self.degree, "degree", minimum=2)
        _check_units_arg(self.units)
        if degree * np.log10(n) > 300:  # |xi . s| <= N, so |F| <= N^degree
            raise ValueError(
                f"degree {degree} overflows float64 for n_units={n} (N^degree > 1e300); "
                f"use degree <= {int(300 / np.log10(n))}"
            )
        self._store(patterns)
        return self

    def _xi(self) -> np.ndarray:
        p = self.patterns_.astype(np.float64)
        return 2.0 * p - 1.0 if self.units == "binary" else p

    def energy(self, states: Any) -> np.ndarray | float:
        """E = -sum_mu (xi^mu . s)^degree."""
        self._check_fitted()
        s, was_1d = self._spins(states)
        e = -np.sum((s.astype(np.float64) @ self._xi().T) ** self.degree, axis=1)
        return float(e[0]) if was_1d else e

    def recall(self, states: Any, rng: Any = None, *, max_sweeps: int = 1000,
               return_info: bool = False, random_state: Any = None) -> np.ndarray | RecallResult:
        """Asynchronous random-order T = 0 updates until a fixed point."""
        self._check_fitted()
        max_sweeps = check_positive_int(max_sweeps, "max_sweeps")
        s, was_1d = self._spins(states)
        s = s.copy()
        rng = as_rng(resolve_rng(rng, random_state))
        xi = self._xi()
        overlaps = s.astype(np.float64) @ xi.T
        n_chains = s.shape[0]
        sweeps = np.zeros(n_chains, dtype=np.int64)
        fixed = np.zeros(n_chains, dtype=bool)
        active = np.arange(n_chains)
        base = np.arange(self.n_units, dtype=np.int64)
        for _ in range(max_sweeps):
            if active.size == 0:
                break
            sub_s, sub_o = s[active], overlaps[active]
            order = rng.permuted(np.tile(base, (active.size, 1)), axis=1)
            changes = _dense_sweep(sub_s, sub_o, xi, order, int(self.degree))
            s[active], overlaps[active] = sub_s, sub_o
            sweeps[active] += 1
            done = changes == 0
            fixed[active[done]] = True
            active = active[~done]
        final = self._from_spins(s)
        final = final[0] if was_1d else final
        if not return_info:
            return final
        pick = (lambda a: a[0]) if was_1d else (lambda a: a)
        return RecallResult(final, pick(sweeps), pick(fixed), np.zeros_like(pick(fixed)),
                            self.overlap(final))


def _real_array(x: Any, name: str) -> np.ndarray:
    """``x`` as a float64 array, raising ``TypeError`` naming ``name`` when it is not
    an array of real numbers (strings, ragged lists, complex entries)."""
    if x is None or isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be an array of real numbers (got {type(x).__name__})")
    try:
        arr = np.asarray(x)
        if arr.dtype.kind != "c":
            return arr.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a rectangular array of real numbers "
                        f"(got {type(x).__name__})") from exc
    raise TypeError(f"{name} must be real (got dtype {arr.dtype})")


class ModernHopfield:
    """Modern continuous Hopfield network (Ramsauer et al. 2020, arXiv:2008.02217).

    Parameters
    ----------
    temperature : float
        T > 0 of the softmax, softmax(X^T xi / T) (the paper's beta = 1/T).

    Attributes
    ----------
    patterns_ : ndarray (n_patterns, n_features)

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1.0, -1.0, 1.0, 1.0], [-1.0, -1.0, 1.0, -1.0]])
    >>> net = ModernHopfield(temperature=0.25).fit(x)
    >>> np.round(net.recall([0.9, -0.5, 0.7, 0.8]), 3).tolist()
    [1.0, -1.0, 1.0, 1.0]
    """

    def __init__(self, temperature: float = 1.0):
        self.temperature = temperature

    def fit(self, patterns: Any) -> ModernHopfield:
        """Store real ``patterns`` (n_patterns, n_features)."""
        check_positive(self.temperature, "temperature")
        x = _real_array(patterns, "patterns")
        if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] < 1:
            raise ValueError(f"patterns must have shape (n_patterns, n_features) (got {x.shape})")
        if not np.all(np.isfinite(x)):
            raise ValueError("patterns has non-finite entries (NaN or inf)")
        self.patterns_ = x
        self.n_patterns_ = x.shape[0]
        return self

    def _states(self, states: Any) -> tuple[np.ndarray, bool]:
        if not hasattr(self, "patterns_"):
            raise ValueError("this ModernHopfield is not fitted; call fit(patterns) first")
        q = _real_array(states, "states")
        was_1d = q.ndim == 1
        q = q[None, :] if was_1d else q
        d = self.patterns_.shape[1]
        if q.ndim != 2 or q.shape[1] != d:
            raise ValueError(f"states must have shape ({d},) or (n, {d}) (got {np.shape(states)})")
        if not np.all(np.isfinite(q)):
            raise ValueError("states has non-finite entries (NaN or inf)")
        return q, was_1d

    def update(self, states: Any) -> np.ndarray:
        """One update xi <- X softmax(X^T xi / T) of each state."""
        q, was_1d = self._states(states)
        new = softmax(q @ self.patterns_.T / self.temperature, axis=1) @ self.patterns_
        return new[0] if was_1d else new

    def energy(self, states: Any) -> np.ndarray | float:
        """E = -T log sum_mu exp(x_mu . xi / T) + 1/2 xi.xi + T log P + 1/2 M^2 (>= 0 up to rounding)."""
        q, was_1d = self._states(states)
        x = self.patterns_
        t = float(self.temperature)
        big_m = float(np.max(np.sum(x * x, axis=1)))
        e = (-t * logsumexp(q @ x.T / t, axis=1) + 0.5 * np.sum(q * q, axis=1)
             + t * np.log(x.shape[0]) + 0.5 * big_m)
        return float(e[0]) if was_1d else e

    def recall(self, states: Any, *, max_steps: int = 100, tol: float = 1e-10) -> np.ndarray:
        """Iterate :meth:`update` until max |Δ xi| < ``tol`` (or ``max_steps``)."""
        max_steps = check_positive_int(max_steps, "max_steps")
        tol = check_positive(tol, "tol")
        q, was_1d = self._states(states)
        for _ in range(max_steps):
            new = self.update(q)
            done = new.size == 0 or np.max(np.abs(new - q)) < tol
            q = new
            if done:
                break
        return q[0] if was_1d else q

    def overlap(self, states: Any) -> np.ndarray:
        """m^mu = (1/N) x_mu . sign(xi) (for ±1 patterns; ties count as 0)."""
        q, was_1d = self._states(states)
        m = np.sign(q) @ self.patterns_.T / self.patterns_.shape[1]
        return m[0] if was_1d else m
