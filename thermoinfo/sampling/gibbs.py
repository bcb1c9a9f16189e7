"""Block Gibbs sampling of restricted Boltzmann machines (pure kernels).

An RBM with visible units v and hidden units h, both binary {0, 1} or spins
{-1, +1}, has the energy

    E(v, h) = -v.W.h - b.v - c.h

(``W`` of shape (n_visible, n_hidden), visible bias ``b``, hidden bias ``c``).
Given one layer the units of the other are independent. With the field
x_a = sum_i v_i W_ia + c_a on hidden unit a (at temperature T the energy, hence
the field, is divided by T):

    binary units:  P(h_a = 1 | v)  = sigmoid(x_a / T),      <h_a> = sigmoid(x_a / T)
    spin units:    P(h_a = +1 | v) = sigmoid(2 x_a / T),    <h_a> = tanh(x_a / T)

and the same for the visible units with the field y_i = sum_a W_ia h_a + b_i.
One block Gibbs step draws h ~ P(h | v) and then v ~ P(v | h); it leaves the
joint Boltzmann distribution P(v, h) = exp(-E(v, h) / T) / Z(T) invariant
(Hinton, Neural Computation 14, 1771 (2002); Fischer & Igel, "An introduction
to restricted Boltzmann machines", CIARP 2012).

Drawing units from their fields is one numba kernel, :func:`draw_units`: it
takes the uniform random numbers from the caller, so that the numpy-level
samplers here, annealed importance sampling (:mod:`thermoinfo.sampling.ais`)
and contrastive-divergence training
(:mod:`thermoinfo.sampling.contrastive_divergence`) draw units the same way,
and a step can be replayed exactly with or without JIT compilation.

Every function here is pure: it takes arrays and a ``numpy.random.Generator``
and returns new arrays. Samples are int8.
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np
from scipy.special import expit

from thermoinfo._validation import UNIT_VALUES, as_rng, unit_values

__all__ = [
    "UNIT_VALUES",
    "check_units",
    "draw_units",
    "draw_units_given_exp",
    "draw_units_vectorized",
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


@numba.njit(cache=True, fastmath={"reassoc", "contract", "arcp"})
def draw_units(field, scale, spin, uniforms, out, means=None):
    """Draw independent units from their fields (the one block-Gibbs draw).

    For each ``j``: ``out[j] = +1`` if ``uniforms[j] < P(on)`` else the low value
    (0 for binary units, -1 for spins), with ``P(on) = sigmoid(scale * field[j])``
    (binary) or ``sigmoid(2 scale field[j])`` (spins). ``scale`` is the inverse
    temperature. All arrays are 1-D of the same length (pass ``.reshape(-1)``
    views of contiguous blocks); ``out`` may be int8 or floating. If ``means`` is
    given it receives the conditional means from the same evaluation: ``P(on)``
    (binary) or ``2 P(on) - 1 = tanh(scale * field[j])`` (spins).

    Examples
    --------
    >>> import numpy as np
    >>> out = np.empty(3, np.int8)
    >>> draw_units(np.array([-50.0, 0.0, 50.0]), 1.0, True, np.array([0.5, 0.4, 0.5]), out)
    >>> out.tolist()
    [-1, 1, 1]
    """
    s = field.dtype.type(scale + scale if spin else scale)
    n = field.shape[0]
    # sigmoid in the precision of the field from e = exp(-|x|) (never overflows);
    # the exponentials in this loop, the rest in draw_units_given_exp's, which
    # vectorizes
    es = np.empty(n, dtype=field.dtype)
    for j in range(n):
        es[j] = math.exp(-abs(s * field[j]))
    draw_units_given_exp(field, es, scale, spin, uniforms, out, means)


@numba.njit(cache=True, nogil=True, fastmath={"reassoc", "contract", "arcp"}, error_model="numpy")
def draw_units_given_exp(field, exps, scale, spin, uniforms, out, means=None):
    """:func:`draw_units` given ``exps[j] = exp(-|s field[j]|)`` (``s = scale``,
    ``2 scale`` for spins), e.g. from numpy's vectorized ``np.exp``: the sigmoid
    ``P(on) = 1 / (1 + e)`` or ``e / (1 + e)`` by the sign of the field, the draw
    and the means. The one loop that turns exponentials into units; it vectorizes
    (selects, no branches on the random signs of the fields, and a division
    1 / (1 + e) that cannot be by zero, so not checked: ``error_model="numpy"``).

    Examples
    --------
    >>> import numpy as np
    >>> field = np.array([-2.0, 0.0, 3.0]); out = np.empty(3, np.int8)
    >>> draw_units_given_exp(field, np.exp(-np.abs(field)), 1.0, False, np.full(3, 0.5), out)
    >>> out.tolist()
    [0, 0, 1]
    """
    high = out.dtype.type(1)
    low = out.dtype.type(-1 if spin else 0)
    one = field.dtype.type(1)
    s = field.dtype.type(scale + scale if spin else scale)
    for j in range(field.shape[0]):
        e = exps[j]
        inv = one / (one + e)
        p = inv if s * field[j] >= 0 else e * inv
        out[j] = high if uniforms[j] < p else low
        if means is not None:
            means[j] = p + p - one if spin else p


def draw_units_vectorized(field, spin, uniforms, out, exps, means=None):
    """:func:`draw_units` at scale 1 with the exponentials from numpy's vectorized
    ``np.exp`` (into the scratch ``exps``, of ``field``'s shape and dtype), the
    rest in :func:`draw_units_given_exp`. ``field``, ``out`` (and ``means``) are
    C-contiguous arrays of one shape; ``uniforms`` holds ``field.size`` numbers.

    Examples
    --------
    >>> import numpy as np
    >>> field = np.array([[-50.0, 0.0, 50.0]]); out = np.empty((1, 3), np.int8)
    >>> draw_units_vectorized(field, True, np.array([0.5, 0.4, 0.5]), out, np.empty_like(field))
    >>> out.tolist()
    [[-1, 1, 1]]
    """
    for name, arr in (("out", out), ("means", means)):
        if arr is not None and not arr.flags.c_contiguous:
            raise ValueError(f"{name} must be C-contiguous (it is written through a flat view)")
    np.abs(field, out=exps)
    np.multiply(exps, -2.0 if spin else -1.0, out=exps)
    np.exp(exps, out=exps)
    draw_units_given_exp(field.reshape(-1), exps.reshape(-1), 1.0, spin, uniforms.reshape(-1),
                         out.reshape(-1), None if means is None else means.reshape(-1))


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


def mean_units(field: np.ndarray, units: str = "binary", temperature: float = 1.0) -> np.ndarray:
    """Conditional means of independent units in ``field`` at ``temperature``:
    ``sigmoid(field / T)`` for binary units, ``tanh(field / T)`` for spins."""
    if units == "spin":
        return np.tanh(np.asarray(field) / temperature)
    return expit(np.asarray(field) / temperature)


def sample_units(field: np.ndarray, units: str, rng: Any, temperature: float = 1.0) -> np.ndarray:
    """Draw independent units given their fields (int8 array of ``field``'s shape).

    ``P(+1) = sigmoid(field / T)`` for binary units and ``sigmoid(2 field / T)``
    for spins (:func:`draw_units`).
    """
    rng = as_rng(rng)
    field = np.ascontiguousarray(field, dtype=np.float64)
    out = np.empty(field.shape, dtype=np.int8)
    draw_units(field.reshape(-1), 1.0 / temperature, units == "spin", rng.random(field.size),
               out.reshape(-1))
    return out


def sample_hidden(v: np.ndarray, weights: np.ndarray, hidden_bias: np.ndarray, units: str,
                  rng: Any, temperature: float = 1.0) -> np.ndarray:
    """Draw ``h ~ P(h | v)`` for every row of ``v``."""
    return sample_units(hidden_field(v, weights, hidden_bias), units, rng, temperature)


def sample_visible(h: np.ndarray, weights: np.ndarray, visible_bias: np.ndarray, units: str,
                   rng: Any, temperature: float = 1.0) -> np.ndarray:
    """Draw ``v ~ P(v | h)`` for every row of ``h``."""
    return sample_units(visible_field(h, weights, visible_bias), units, rng, temperature)


def gibbs_step(v: np.ndarray, weights: np.ndarray, visible_bias: np.ndarray,
               hidden_bias: np.ndarray, units: str, rng: Any, temperature: float = 1.0
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
    h = sample_hidden(v, weights, hidden_bias, units, rng, temperature)
    v_new = sample_visible(h, weights, visible_bias, units, rng, temperature)
    return v_new, h


def gibbs_chain(v: np.ndarray, weights: np.ndarray, visible_bias: np.ndarray,
                hidden_bias: np.ndarray, units: str, n_steps: int, rng: Any,
                temperature: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Run ``n_steps`` block Gibbs steps from every row of ``v`` (independent chains);
    returns the final ``(v, h)``. ``n_steps = 0`` returns ``v`` and a fresh ``h``."""
    rng = as_rng(rng)
    v = np.asarray(v, dtype=np.int8)
    h = None
    for _ in range(n_steps):
        v, h = gibbs_step(v, weights, visible_bias, hidden_bias, units, rng, temperature)
    if h is None:
        h = sample_hidden(v, weights, hidden_bias, units, rng, temperature)
    return v, h
