"""Block Gibbs sampling of restricted Boltzmann machines (pure kernels).

An RBM with visible units v and hidden units h, both binary {0, 1} or spins
{-1, +1}, has the energy

    E(v, h) = -v.W.h - b.v - c.h

(``W`` of shape (n_visible, n_hidden), visible bias ``b``, hidden bias ``c``).
Given one layer the units of the other are independent. With the field
x_a = sum_i v_i W_ia + c_a on hidden unit a (at inverse temperature beta the
energy, hence the field, is multiplied by beta):

    binary units:  P(h_a = 1 | v)  = sigmoid(beta x_a),      <h_a> = sigmoid(beta x_a)
    spin units:    P(h_a = +1 | v) = sigmoid(2 beta x_a),    <h_a> = tanh(beta x_a)

and the same for the visible units with the field y_i = sum_a W_ia h_a + b_i.
One block Gibbs step draws h ~ P(h | v) and then v ~ P(v | h); it leaves the
joint Boltzmann distribution P(v, h) = exp(-beta E(v, h)) / Z(beta) invariant
(Hinton, Neural Computation 14, 1771 (2002); Fischer & Igel, "An introduction
to restricted Boltzmann machines", CIARP 2012).

Every function here is pure: it takes arrays and a ``numpy.random.Generator``
and returns new arrays. Samples are int8.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit

from thermoinfo._validation import UNIT_VALUES, as_rng, unit_values

__all__ = [
    "UNIT_VALUES",
    "check_units",
    "gibbs_chain",
    "gibbs_step",
    "hidden_field",
    "mean_units",
    "sample_hidden",
    "sample_units",
    "sample_visible",
    "unit_log_partition",
    "visible_field",
]

def check_units(units: Any) -> str:
    """Return ``units`` if it is ``"binary"`` or ``"spin"``, else raise ValueError."""
    unit_values(units)
    return units


def unit_log_partition(field: np.ndarray, units: str = "binary") -> np.ndarray:
    """``log sum_u exp(u * field)`` over the two unit values, elementwise:
    ``log(1 + e^x)`` for binary units, ``log(2 cosh x)`` for spins (overflow-free).

    Examples
    --------
    >>> import numpy as np
    >>> [round(float(v), 6) for v in unit_log_partition(np.array([0.0, 800.0]), "spin")]
    [0.693147, 800.0]
    """
    a = np.abs(field)
    t = np.multiply(a, -1.0 if units == "binary" else -2.0)
    np.exp(t, out=t)
    np.log1p(t, out=t)
    t += np.maximum(field, 0.0) if units == "binary" else a
    return t


def hidden_field(v: np.ndarray, weights: np.ndarray, hidden_bias: np.ndarray) -> np.ndarray:
    """Field on the hidden units, ``v @ W + c`` (rows of ``v`` are configurations)."""
    return np.asarray(v, dtype=np.float64) @ weights + hidden_bias


def visible_field(h: np.ndarray, weights: np.ndarray, visible_bias: np.ndarray) -> np.ndarray:
    """Field on the visible units, ``h @ W.T + b``."""
    return np.asarray(h, dtype=np.float64) @ weights.T + visible_bias


def mean_units(field: np.ndarray, units: str = "binary", beta: float = 1.0) -> np.ndarray:
    """Conditional means of independent units in ``field`` at inverse temperature ``beta``:
    ``sigmoid(beta * field)`` for binary units, ``tanh(beta * field)`` for spins."""
    if units == "spin":
        return np.tanh(beta * field)
    return expit(beta * field)


def sample_units(field: np.ndarray, units: str, rng: Any, beta: float = 1.0) -> np.ndarray:
    """Draw independent units given their fields (int8 array of ``field``'s shape).

    ``P(+1) = sigmoid(beta * field)`` for binary units and ``sigmoid(2 beta field)``
    for spins.
    """
    rng = as_rng(rng)
    u = rng.random(np.shape(field))
    if units == "spin":
        on = u < expit(2.0 * beta * field)
        return np.where(on, np.int8(1), np.int8(-1))
    return (u < expit(beta * field)).astype(np.int8)


def sample_hidden(v: np.ndarray, weights: np.ndarray, hidden_bias: np.ndarray, units: str,
                  rng: Any, beta: float = 1.0) -> np.ndarray:
    """Draw ``h ~ P(h | v)`` for every row of ``v``."""
    return sample_units(hidden_field(v, weights, hidden_bias), units, rng, beta)


def sample_visible(h: np.ndarray, weights: np.ndarray, visible_bias: np.ndarray, units: str,
                   rng: Any, beta: float = 1.0) -> np.ndarray:
    """Draw ``v ~ P(v | h)`` for every row of ``h``."""
    return sample_units(visible_field(h, weights, visible_bias), units, rng, beta)


def gibbs_step(v: np.ndarray, weights: np.ndarray, visible_bias: np.ndarray,
               hidden_bias: np.ndarray, units: str, rng: Any, beta: float = 1.0
               ) -> tuple[np.ndarray, np.ndarray]:
    """One block Gibbs step ``v -> h -> v'``; returns ``(v', h)``.

    Examples
    --------
    >>> import numpy as np
    >>> W = np.zeros((3, 2)); b = np.zeros(3); c = np.zeros(2)
    >>> v, h = gibbs_step(np.zeros((4, 3), np.int8), W, b, c, "spin", rng=0)
    >>> v.shape, h.shape, v.dtype.name, sorted(set(v.ravel().tolist()) | {-1, 1})
    ((4, 3), (4, 2), 'int8', [-1, 1])
    """
    rng = as_rng(rng)
    h = sample_hidden(v, weights, hidden_bias, units, rng, beta)
    v_new = sample_visible(h, weights, visible_bias, units, rng, beta)
    return v_new, h


def gibbs_chain(v: np.ndarray, weights: np.ndarray, visible_bias: np.ndarray,
                hidden_bias: np.ndarray, units: str, n_steps: int, rng: Any, beta: float = 1.0
                ) -> tuple[np.ndarray, np.ndarray]:
    """Run ``n_steps`` block Gibbs steps from every row of ``v`` (independent chains);
    returns the final ``(v, h)``. ``n_steps = 0`` returns ``v`` and a fresh ``h``."""
    rng = as_rng(rng)
    v = np.asarray(v, dtype=np.int8)
    h = None
    for _ in range(n_steps):
        v, h = gibbs_step(v, weights, visible_bias, hidden_bias, units, rng, beta)
    if h is None:
        h = sample_hidden(v, weights, hidden_bias, units, rng, beta)
    return v, h
