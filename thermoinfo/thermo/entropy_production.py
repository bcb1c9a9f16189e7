"""Entropy production of a forward process against its arrow-reversed backward family.

A forward process takes x to z with the kernel T(z|x):

    p(x, z) = T(z|x) p(x),                    T[x, z] = T(z|x).

The backward family runs a backward kernel T_B(x|z) from any distribution on z,

    M_B = { q(x, z) = T_B(x|z) q(z) },        T_back[z, x] = T_B(x|z),

by default the same kernel with the arrow reversed (x and z in one state space,
T_B = T). The m-projection of p onto M_B keeps the forward marginal,
q*(x, z) = T_B(x|z) p(z), and the total entropy production is the distance

    sigma_tot = D(p || q*) = sigma_sys + sigma_bath,
    sigma_sys  = H(Z) - H(X),
    sigma_bath = E_p[ log T(z|x) / T_B(x|z) ].

For any other member q = T_B q(z) of M_B the Pythagorean relation reads
D(p || q) = sigma_tot + D(p_Z || q_Z). References: S. Ito, "Stochastic
thermodynamic interpretation of information geometry", Phys. Rev. Lett. 121,
030605 (2018), arXiv:1712.04311; S. Ito, M. Oizumi and S. Amari, Phys. Rev.
Research 2, 033048 (2020), arXiv:1810.09545; S. Ito and T. Sagawa, Phys. Rev.
Lett. 111, 180603 (2013), arXiv:1306.2756.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import xlogy

from thermoinfo._validation import as_conditional, as_distribution
from thermoinfo.geometry.divergences import _entropy_kernel, _kl_kernel
from thermoinfo.geometry.pythagoras import Pythagoras, _residual

__all__ = ["EntropyProduction", "entropy_production"]


@dataclass(frozen=True)
class EntropyProduction:
    """Entropy production of one forward step against the backward family.

    Attributes
    ----------
    total, system, bath : float
        sigma_tot = D(p || q*), sigma_sys = H(Z) - H(X), sigma_bath =
        E log T(z|x)/T_B(x|z); ``total == system + bath``.
    p_joint : ndarray, shape (n_x, n_z)
        The forward path p(x, z) = T(z|x) p(x).
    q_star : ndarray, shape (n_x, n_z)
        The m-projection onto M_B, q*(x, z) = T_B(x|z) p(z).
    q_star_z : ndarray, shape (n_z,)
        The distribution on z used by q*: the forward marginal p(z).
    T_back : ndarray, shape (n_z, n_x)
        The backward kernel, ``T_back[z, x] = T_B(x|z)``.
    """

    total: float
    system: float
    bath: float
    p_joint: np.ndarray
    q_star: np.ndarray
    q_star_z: np.ndarray
    T_back: np.ndarray

    def split(self, q_z: Any) -> Pythagoras:
        """The Pythagorean split of D(p || q) for another member q = T_B(x|z) q(z).

        Returns a :class:`~thermoinfo.geometry.Pythagoras` with
        ``total = D(p||q)``, ``projection = sigma_tot`` and
        ``model = D(q*||q) = D(p_Z || q_Z)``.
        """
        qz = as_distribution(q_z, "q_z", ndim=1)
        if qz.shape != self.q_star_z.shape:
            raise ValueError(f"q_z must have shape {self.q_star_z.shape} (got {qz.shape})")
        q = self.T_back.T * qz[None, :]
        total = _kl_kernel(self.p_joint, q)
        model = _kl_kernel(self.q_star, q)
        return Pythagoras(total, self.total, model, _residual(total, self.total, model),
                          self.q_star)


def entropy_production(p_x: Any, T: Any, T_back: Any = None) -> EntropyProduction:
    """Total, system and bath entropy production of the step x -> z.

    Parameters
    ----------
    p_x : array_like, shape (n_x,)
        Initial distribution.
    T : array_like, shape (n_x, n_z)
        Forward kernel, ``T[x, z] = T(z|x)``; rows sum to one.
    T_back : array_like, shape (n_z, n_x), optional
        Backward kernel, ``T_back[z, x] = T_B(x|z)``. Default: ``T`` itself,
        the same kernel run backwards (requires n_x == n_z).

    Returns
    -------
    EntropyProduction
        ``total`` is ``inf`` when the backward kernel cannot return a
        transition the forward process makes.

    Examples
    --------
    A symmetric bit flip with probability 0.1 from a biased bit:

    >>> import numpy as np, thermoinfo
    >>> T = np.array([[0.9, 0.1], [0.1, 0.9]])
    >>> ep = thermoinfo.entropy_production([0.8, 0.2], T)
    >>> bool(np.isclose(ep.total, ep.system + ep.bath))
    True
    >>> round(ep.total, 6)
    0.072654
    """
    px = as_distribution(p_x, "p_x", ndim=1)
    Tf = as_conditional(T, "T")
    if Tf.shape[0] != px.shape[0]:
        raise ValueError(f"T has {Tf.shape[0]} rows but p_x has {px.shape[0]} states")
    if T_back is None:
        if Tf.shape[0] != Tf.shape[1]:
            raise ValueError(
                f"T has shape {Tf.shape}; the default backward kernel is T itself, which needs "
                "x and z in one state space. Pass T_back[z, x] = T_B(x|z) for a different one"
            )
        Tb = Tf
    else:
        Tb = as_conditional(T_back, "T_back")
        if Tb.shape != Tf.shape[::-1]:
            raise ValueError(
                f"T_back must have shape (n_z, n_x) = {Tf.shape[::-1]} (got {Tb.shape}); "
                "it is indexed T_back[z, x] = T_B(x|z)"
            )
    joint = px[:, None] * Tf
    pz = joint.sum(axis=0)
    q_star = Tb.T * pz[None, :]
    total = _kl_kernel(joint, q_star)
    system = _entropy_kernel(pz) - _entropy_kernel(px)
    back = Tb.T
    if np.any((joint > 0) & (back <= 0)):
        bath = float("inf")
    else:
        with np.errstate(divide="ignore"):
            bath = float(np.sum(xlogy(joint, Tf)) - np.sum(xlogy(joint, back)))
    return EntropyProduction(total, system, bath, joint, q_star, pz, Tb)
