"""Exact enumeration of restricted Boltzmann machines: free energy, log partition
function, energy moments and exact samples.

Energy and Boltzmann distribution at temperature T (k_B = 1; units binary
{0, 1} or spins {-1, +1}):

    E(v, h) = -v.W.h - b.v - c.h,        P(v, h) = exp(-E(v, h) / T) / Z(T).

Summing out the hidden units gives the free energy of a visible configuration

    F_T(v) = -T log sum_h exp(-E(v, h) / T) = -b.v - T sum_a psi((v.W + c)_a / T),
    psi(x) = log(1 + e^x) (binary),  psi(x) = log(2 cosh x) (spins),

so that log P(v) = -F_T(v) / T - log Z(T). The log partition function is
computed exactly by enumerating the smaller layer (the other one summed out
analytically), in chunks under the memory budget. For each state s of the
smaller layer, with the field y = s.W' + bias' on the other layer and its
conditional means m = <o | s> (sigmoid(y / T) or tanh(y / T)),

    <E | s> = -bias_s.s - y.m,       Var(E | s) = sum_j y_j^2 Var(o_j | s),

which :func:`energy_moments_exact` sums to log Z(T), <E>_T and Var_T(E). The
thermodynamic functions F, U, S, C over temperature built on them (exact, and by
tempered AIS beyond enumeration) are in :mod:`thermoinfo.models.rbm_thermodynamics`.

References: Salakhutdinov & Murray, "On the quantitative analysis of deep
belief networks", ICML 2008.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.special import logsumexp

from thermoinfo._attrs import thermodynamics_dataset
from thermoinfo._config import get_memory_budget
from thermoinfo._enumerate import iter_states, states_at
from thermoinfo._validation import (
    UNIT_VALUES,
    as_rng,
    check_params,
    check_temperatures,
)
from thermoinfo.sampling import gibbs

# check_params, check_temperatures and thermodynamics_dataset are re-exported: they
# were public here before the thermodynamics moved to rbm_thermodynamics
__all__ = [
    "MAX_EXACT_SAMPLE_UNITS",
    "MAX_EXACT_UNITS",
    "check_params",
    "check_temperature_scale",
    "check_temperatures",
    "energy_moments_exact",
    "free_energy",
    "log_partition_exact",
    "sample_exact",
    "thermodynamics_dataset",
    "unit_variance",
]

#: Largest smaller layer whose states :func:`log_partition_exact` enumerates.
MAX_EXACT_UNITS = 24
#: Largest smaller layer :func:`sample_exact` draws from (it keeps every state's weight).
MAX_EXACT_SAMPLE_UNITS = 20
#: AIS estimates whose effective sample size is below this fraction of the runs warn.
ESS_WARNING_FRACTION = 0.2

_psi = gibbs.unit_log_partition


def unit_variance(mean: np.ndarray, units: str) -> np.ndarray:
    """Variance of a unit with conditional mean ``mean``: m (1 - m) (binary), 1 - m^2 (spins)."""
    return mean * (1.0 - mean) if units == "binary" else 1.0 - mean * mean


def free_energy(v: Any, weights: np.ndarray, visible_bias: np.ndarray, hidden_bias: np.ndarray,
                units: str = "binary", temperature: float = 1.0) -> np.ndarray:
    """Free energy ``F_T(v) = -b.v - T sum_a psi((v.W + c)_a / T)`` of each row of ``v``
    (hidden units summed out: ``P(v) = exp(-F_T(v) / T) / Z(T)``).

    Examples
    --------
    >>> import numpy as np
    >>> W = np.array([[1.0]]); b = np.array([0.5]); c = np.zeros(1)
    >>> bool(np.isclose(free_energy(np.array([[1]]), W, b, c)[0], -0.5 - np.log1p(np.e)))
    True
    """
    v = np.asarray(v, dtype=np.float64)
    x = v @ weights + hidden_bias
    return -(v @ visible_bias) - temperature * _psi(x / temperature, units).sum(axis=-1)


def _smaller_layer(W: np.ndarray, b: np.ndarray, c: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """(M, bias of the enumerated layer, bias of the other, enumerated-is-hidden)."""
    n_visible, n_hidden = W.shape
    if n_hidden <= n_visible:
        return np.ascontiguousarray(W.T), c, b, True
    return W, b, c, False


def _chunks(n_s: int, n_o: int, units: str) -> Any:
    """Chunks of the enumerated layer: under the memory budget and small enough
    (about 2**15 states) to keep the temporaries in cache."""
    if n_s > MAX_EXACT_UNITS:
        raise ValueError(
            f"weights: exact enumeration needs the smaller layer to have at most {MAX_EXACT_UNITS} "
            f"units (got {n_s}); use method='ais' for larger RBMs"
        )
    per_state = max(48 * n_o + 8 * n_s + 64, get_memory_budget() // (4 * 2**15))
    return iter_states(n_s, values=UNIT_VALUES[units], bytes_per_state=per_state,
                       max_states=2**MAX_EXACT_UNITS)


def energy_moments_exact(weights: np.ndarray, visible_bias: np.ndarray, hidden_bias: np.ndarray,
                         units: str = "binary", temperature: float = 1.0) -> tuple[float, float, float]:
    """Exact ``(log Z(T), <E>_T, Var_T(E))`` by enumerating the smaller layer.

    The states are enumerated in chunks under the memory budget
    (:func:`thermoinfo._enumerate.iter_states`); up to 2**24 states.
    """
    M, bias_s, bias_o, _ = _smaller_layer(weights, visible_bias, hidden_bias)
    n_s, n_o = M.shape
    beta = 1.0 / temperature
    total = None
    with np.errstate(over="ignore", invalid="ignore"):  # overflow: refused below, naming T
        for chunk in _chunks(n_s, n_o, units):
            s = chunk.astype(np.float64)
            y = s @ M + bias_o
            sb = s @ bias_s
            lw = beta * sb + _psi(beta * y, units).sum(axis=1)
            mean = gibbs.mean_units(y, units, temperature)
            e_cond = -sb - np.einsum("ij,ij->i", y, mean)
            v_cond = np.einsum("ij,ij->i", y * y, unit_variance(mean, units))
            lz = float(logsumexp(lw))
            p = np.exp(lw - lz)
            m = float(p @ e_cond)
            var = float(p @ (v_cond + (e_cond - m) ** 2))
            if total is None:
                total = (lz, m, var)
            else:
                l1, m1, v1 = total
                lt = float(np.logaddexp(l1, lz))
                a = math.exp(l1 - lt)
                total = (lt, a * m1 + (1 - a) * m, a * v1 + (1 - a) * var + a * (1 - a) * (m1 - m) ** 2)
    _check_finite_at(temperature, (weights, visible_bias, hidden_bias), *total)
    return total


def check_temperature_scale(temperature: float, params: tuple[np.ndarray, ...]) -> None:
    """Raise ValueError (naming ``temperature``) when E/T of parameters ``params``
    overflows float64 at ``temperature``."""
    size = max(float(np.max(np.abs(p), initial=0.0)) for p in params)
    with np.errstate(over="ignore"):
        scaled = size * (1 + max(p.size for p in params)) / temperature
    if not np.isfinite(scaled):
        raise ValueError(
            f"temperature {temperature:.3g} is too low for parameters of size {size:.3g}: E/T "
            "overflows float64, so log Z is not finite; raise the temperature or scale the "
            "parameters down")


def _check_finite_at(temperature: float, params: tuple[np.ndarray, ...], *values: float) -> None:
    if not all(math.isfinite(v) for v in values):
        check_temperature_scale(temperature, params)
        raise ValueError(
            f"temperature {temperature:.3g} is too low for these parameters: E/T loses float64 "
            "precision and the exact sums are not finite; raise the temperature")


def _enumerated_log_weights(weights: np.ndarray, visible_bias: np.ndarray, hidden_bias: np.ndarray,
                            units: str, temperature: float) -> np.ndarray:
    """Unnormalized log marginal of every state of the smaller layer (enumeration order)."""
    M, bias_s, bias_o, _ = _smaller_layer(weights, visible_bias, hidden_bias)
    n_s, n_o = M.shape
    beta = 1.0 / temperature
    parts = []
    for chunk in _chunks(n_s, n_o, units):
        s = chunk.astype(np.float64)
        parts.append(beta * (s @ bias_s) + _psi(beta * (s @ M + bias_o), units).sum(axis=1))
    return np.concatenate(parts)


def log_partition_exact(weights: np.ndarray, visible_bias: np.ndarray, hidden_bias: np.ndarray,
                        units: str = "binary", temperature: float = 1.0) -> float:
    """Exact ``log Z(T)`` of an RBM, summing over the smaller layer in chunks.

    Examples
    --------
    >>> import numpy as np
    >>> W = np.array([[1.0, -0.5]]); b = np.array([0.2]); c = np.zeros(2)
    >>> z = sum(np.exp(v * b[0] + v * W[0] @ h) for v in (0, 1) for h in np.ndindex(2, 2))
    >>> bool(np.isclose(log_partition_exact(W, b, c), np.log(z)))
    True
    """
    with np.errstate(over="ignore", invalid="ignore"):
        out = float(logsumexp(_enumerated_log_weights(weights, visible_bias, hidden_bias, units,
                                                      temperature)))
    _check_finite_at(temperature, (weights, visible_bias, hidden_bias), out)
    return out


def sample_exact(weights: np.ndarray, visible_bias: np.ndarray, hidden_bias: np.ndarray,
                 units: str, n_samples: int, rng: Any = None, temperature: float = 1.0
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Independent exact samples ``(v, h)`` (int8): the smaller layer from its enumerated
    marginal, the other from its conditional. The smaller layer must have <= 20 units."""
    rng = as_rng(rng)
    M, _, bias_o, s_is_hidden = _smaller_layer(weights, visible_bias, hidden_bias)
    n_s = M.shape[0]
    if n_s > MAX_EXACT_SAMPLE_UNITS:
        raise ValueError(f"weights: exact sampling needs the smaller layer to have <= "
                         f"{MAX_EXACT_SAMPLE_UNITS} units (got {n_s})")
    lw = _enumerated_log_weights(weights, visible_bias, hidden_bias, units, temperature)
    p = np.exp(lw - logsumexp(lw))
    idx = np.sort(rng.choice(p.shape[0], size=n_samples, p=p / p.sum()))
    s = states_at(n_s, idx, UNIT_VALUES[units])
    o = gibbs.sample_units(s.astype(np.float64) @ M + bias_o, units, rng, temperature)
    perm = rng.permutation(n_samples)
    s, o = s[perm], o[perm]
    return (o, s) if s_is_hidden else (s, o)
