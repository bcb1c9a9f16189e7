"""Two coupled Ising spins under Glauber (heat-bath) dynamics: exact kernels and rates.

Two spins s_0, s_1 in {-1, +1} with energy

    E(s) = -J s_0 s_1 - h_0 s_0 - h_1 s_1

are updated from their heat-bath conditionals at inverse temperature beta,

    P(s_i' = s | local field f_i) = exp(beta s f_i) / 2 cosh(beta f_i),
    f_0 = J s_1 + h_0,   f_1 = J s_0 + h_1.

* parallel update (both spins at once, from the old state): detailed balance
  with Little's energy E_L(x) = -h.x - (1/beta) sum_i log 2 cosh(beta f_i(x));
* random-sequential update (one spin, chosen with probability 1/2): detailed
  balance with E;
* continuous time: each spin flips at the heat-bath rate
  w(s_i -> -s_i) = exp(-beta s_i f_i) / 2 cosh(beta f_i) (per unit time), a
  bipartite master equation (one spin changes per jump), in detailed balance
  with E.

The state index of the 4 x 4 kernels is k = 2 a + b for (s_0, s_1) =
(-1 + 2a, -1 + 2b). :func:`two_spin_glauber` feeds the parallel step as a
forward Bayesian network z_0 <- x_1, z_1 <- x_0 to
:func:`thermoinfo.thermo.graphical.network_entropy_production`. References:
R. J. Glauber, J. Math. Phys. 4, 294 (1963); W. A. Little, Math. Biosci. 19,
101 (1974); S. Ito, M. Oizumi and S. Amari, Phys. Rev. Research 2, 033048
(2020), arXiv:1810.09545.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.special import expit

from thermoinfo._validation import check_positive
from thermoinfo.thermo.graphical import NetworkEntropyProduction, network_entropy_production

__all__ = [
    "glauber_kernel",
    "glauber_rates",
    "ising_energy",
    "little_energy",
    "spin_kernels",
    "two_spin_glauber",
]

_SPINS = np.array([-1, 1], dtype=np.int8)
_STATES = np.array([[a, b] for a in _SPINS for b in _SPINS], dtype=np.float64)  # (4, 2)


def ising_energy(s: Any, J: float, h: Sequence[float] = (0.0, 0.0)) -> np.ndarray:
    """E(s) = -J s_0 s_1 - h_0 s_0 - h_1 s_1 for spins ``s[..., 2]`` in {-1, +1}.

    Examples
    --------
    >>> from thermoinfo.systems.glauber import ising_energy
    >>> ising_energy([[1, 1], [1, -1]], J=1.0).tolist()
    [-1.0, 1.0]
    """
    s = np.asarray(s, dtype=np.float64)
    if s.ndim == 0 or s.shape[-1] != 2:
        raise ValueError(f"s must hold two spins on its last axis (got shape {s.shape})")
    return -J * s[..., 0] * s[..., 1] - h[0] * s[..., 0] - h[1] * s[..., 1]


def _heat_bath(beta: float, field: np.ndarray) -> np.ndarray:
    """P(s = +-1 | local field) = exp(beta s f) / 2 cosh(beta f), indexed [..., s]."""
    f = np.asarray(field, dtype=np.float64)[..., None]
    return expit(2.0 * beta * f * _SPINS)


def _check_glauber(beta: Any, J: Any, h: Any) -> tuple[float, float, tuple[float, float]]:
    beta = check_positive(beta, "beta")
    if isinstance(J, bool) or not isinstance(J, numbers.Real) or not np.isfinite(J):
        raise ValueError(f"J must be a finite real coupling (got {J!r})")
    hv = np.asarray(h, dtype=np.float64)
    if hv.shape != (2,) or not np.all(np.isfinite(hv)):
        raise ValueError(f"h must hold two finite fields (h_0, h_1) (got {h!r})")
    return beta, float(J), (float(hv[0]), float(hv[1]))


def spin_kernels(beta: float, J: float, h: Sequence[float] = (0.0, 0.0)
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The heat-bath conditionals of each spin given the old state, ``K_i[a, b, s]``.

    ``K_0[a, b, c] = P(s_0' = -1 + 2c | s = (-1 + 2a, -1 + 2b))`` and likewise
    ``K_1[a, b, c]`` for spin 1: the subsystem kernels of a bipartite chain
    (see :func:`thermoinfo.thermo.bipartite.sequential_kernel`).

    Examples
    --------
    >>> import numpy as np
    >>> from thermoinfo.systems.glauber import spin_kernels
    >>> K0, K1 = spin_kernels(1.0, 0.5)
    >>> K0.shape, bool(np.allclose(K0.sum(axis=-1), 1.0))
    ((2, 2, 2), True)
    """
    beta, J, h = _check_glauber(beta, J, h)
    x = _STATES.reshape(2, 2, 2)
    K0 = _heat_bath(beta, J * x[..., 1] + h[0])
    K1 = _heat_bath(beta, J * x[..., 0] + h[1])
    return K0, K1


def glauber_kernel(beta: float, J: float, h: Sequence[float] = (0.0, 0.0), *,
                   update: str = "parallel") -> np.ndarray:
    """One Glauber (heat-bath) step of two coupled spins as a 4 x 4 kernel ``T[x, z] = T(z|x)``.

    * ``update="parallel"``: both spins at once, each from its heat-bath
      conditional given the other's old value, T(z|x) = prod_i exp(beta z_i
      f_i(x)) / 2 cosh(beta f_i(x)); detailed balance with
      :func:`little_energy`.
    * ``update="random"``: one spin, chosen with probability 1/2, from its
      heat-bath conditional; detailed balance with :func:`ising_energy`.

    Examples
    --------
    >>> import numpy as np
    >>> from thermoinfo.systems.glauber import glauber_kernel
    >>> T = glauber_kernel(1.0, 0.5, update="random")
    >>> bool(np.allclose(T.sum(axis=1), 1.0))
    True
    """
    if update not in ("parallel", "random"):
        raise ValueError(f"update must be 'parallel' or 'random' (got {update!r})")
    K0, K1 = spin_kernels(beta, J, h)
    if update == "parallel":
        return np.einsum("abc,abd->abcd", K0, K1).reshape(4, 4)
    T = np.zeros((2, 2, 2, 2))
    eye = np.eye(2)
    T += 0.5 * np.einsum("abc,bd->abcd", K0, eye)  # spin 0 moves, spin 1 stays
    T += 0.5 * np.einsum("abd,ac->abcd", K1, eye)  # spin 1 moves, spin 0 stays
    return T.reshape(4, 4)


def glauber_rates(beta: float, J: float, h: Sequence[float] = (0.0, 0.0), *,
                  rate: float = 1.0) -> np.ndarray:
    """Continuous-time Glauber rates ``w[x, y]`` of the jump x -> y (4 x 4, zero diagonal).

    Each spin flips at ``rate`` times its heat-bath probability of the flipped
    value; jumps that flip both spins have rate 0 (the dynamics is bipartite).

    Examples
    --------
    >>> import numpy as np
    >>> from thermoinfo.systems.glauber import glauber_rates
    >>> w = glauber_rates(1.0, 0.5)
    >>> int(np.count_nonzero(w)), float(w[0, 3])
    (8, 0.0)
    """
    rate = check_positive(rate, "rate")
    K0, K1 = spin_kernels(beta, J, h)
    w = np.zeros((2, 2, 2, 2))
    for a in range(2):
        for b in range(2):
            w[a, b, 1 - a, b] = rate * K0[a, b, 1 - a]
            w[a, b, a, 1 - b] = rate * K1[a, b, 1 - b]
    return w.reshape(4, 4)


def little_energy(beta: float, J: float, h: Sequence[float] = (0.0, 0.0)) -> np.ndarray:
    """Little's energy E_L of the four states (index 2 a + b) of the parallel update.

    Examples
    --------
    >>> import numpy as np
    >>> from thermoinfo.systems.glauber import glauber_kernel, little_energy
    >>> E = little_energy(1.0, 0.5)
    >>> pi = np.exp(-E) / np.exp(-E).sum()
    >>> bool(np.allclose(pi @ glauber_kernel(1.0, 0.5), pi))
    True
    """
    beta, J, h = _check_glauber(beta, J, h)
    x = _STATES
    f0, f1 = J * x[:, 1] + h[0], J * x[:, 0] + h[1]
    lc = np.logaddexp(beta * f0, -beta * f0) + np.logaddexp(beta * f1, -beta * f1)
    return -(h[0] * x[:, 0] + h[1] * x[:, 1]) - lc / beta


def two_spin_glauber(beta: float, J: float, h: Sequence[float] = (0.0, 0.0),
                     p_x: Any = None) -> NetworkEntropyProduction:
    """Entropy production of one parallel Glauber step of two coupled spins.

    The forward network is z_0 <- x_1 and z_1 <- x_0 (a heat-bath spin forgets
    its own old value), T_0(z_0|x_1) = exp(beta z_0 (J x_1 + h_0)) / 2 cosh(.),
    and likewise for spin 1; the backward network returns x_0 <- z_1 and
    x_1 <- z_0 with the same kernels (the physical arrow-reversed step).

    Parameters
    ----------
    beta : float
        Inverse temperature, > 0.
    J : float
        Coupling.
    h : (float, float)
        Fields on spins 0 and 1.
    p_x : array_like, shape (2, 2), optional
        Initial distribution ``p_x[a, b]`` of (s_0, s_1) = (-1 + 2a, -1 + 2b).
        Default: both spins up with probability 0.7, the other states 0.1.

    Returns
    -------
    NetworkEntropyProduction

    Examples
    --------
    >>> from thermoinfo.systems.glauber import two_spin_glauber
    >>> ep = two_spin_glauber(beta=1.0, J=1.0, h=(0.2, -0.1))
    >>> round(ep.total, 6) == round(ep.system + ep.bath, 6)
    True
    """
    beta, J, h = _check_glauber(beta, J, h)
    if p_x is None:
        p_x = np.array([[0.1, 0.1], [0.1, 0.7]])
    spins = _SPINS.astype(np.float64)
    T0 = _heat_bath(beta, J * spins + h[0])  # [x_1, z_0]
    T1 = _heat_bath(beta, J * spins + h[1])  # [x_0, z_1]
    return network_entropy_production(p_x, [T0, T1], [("x1",), ("x0",)])
