"""Symbolic twin of :mod:`thermoinfo.thermo.entropy_production`.

A forward step x -> z with kernel T(z|x) (``T[x, z] = T(z|x)``) from p(x), and
the backward family of a backward kernel T_B(x|z) (``T_back[z, x] = T_B(x|z)``,
default T itself with the arrow reversed):

    p(x, z)  = T(z|x) p(x),         M_B = { T_B(x|z) q(z) },
    q*(x, z) = T_B(x|z) p(z)        (the m-projection of p onto M_B),

    sigma_tot  = D(p || q*)  = sigma_sys + sigma_bath,
    sigma_sys  = H(Z) - H(X),
    sigma_bath = sum_{x,z} p(x, z) log T(z|x) / T_B(x|z),

and for any other member q = T_B(x|z) q(z) of M_B

    D(p || q) = sigma_tot + D(p_Z || q_Z).

Entries are sympy expressions; rows of T and T_back must sum to one as an
identity (e.g. ``flip_kernel(a, b)``), which the symbolic identities use.
References: S. Ito, Phys. Rev. Lett. 121, 030605 (2018), arXiv:1712.04311;
S. Ito, M. Oizumi and S. Amari, Phys. Rev. Research 2, 033048 (2020),
arXiv:1810.09545.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from thermoinfo.symbolic._common import as_object_array, lambdify, to_sympy
from thermoinfo.symbolic.geometry import Pythagoras, entropy, kl
from thermoinfo.thermo.entropy_production import check_step_shapes

__all__ = ["EntropyProduction", "entropy_production", "flip_kernel", "lambdify"]


@dataclass(frozen=True)
class EntropyProduction:
    """Symbolic entropy production of one forward step against the backward family.

    Attributes
    ----------
    total, system, bath : sympy.Expr
        sigma_tot = D(p || q*), sigma_sys = H(Z) - H(X) and sigma_bath =
        E log T(z|x)/T_B(x|z); ``total - system - bath`` is an identity zero.
    p_joint : sympy.Array, shape (n_x, n_z)
        p(x, z) = T(z|x) p(x).
    q_star : sympy.Array, shape (n_x, n_z)
        q*(x, z) = T_B(x|z) p(z).
    q_star_z : sympy.Array, shape (n_z,)
        The forward marginal p(z).
    T_back : sympy.Array, shape (n_z, n_x)
        The backward kernel, ``T_back[z, x] = T_B(x|z)``.
    """

    total: sp.Expr
    system: sp.Expr
    bath: sp.Expr
    p_joint: sp.ImmutableDenseNDimArray
    q_star: sp.ImmutableDenseNDimArray
    q_star_z: sp.ImmutableDenseNDimArray
    T_back: sp.ImmutableDenseNDimArray

    def split(self, q_z: Any) -> Pythagoras:
        """The Pythagorean split of D(p || q) for q = T_B(x|z) q(z) in M_B.

        ``total = D(p||q)``, ``projection = sigma_tot``, ``model = D(q*||q)``
        (which equals D(p_Z || q_Z)).
        """
        qz = as_object_array(q_z, "q_z", ndim=1)
        if qz.shape != tuple(self.q_star_z.shape):
            raise ValueError(f"q_z must have shape {tuple(self.q_star_z.shape)} (got {qz.shape})")
        back = np.array(self.T_back.tolist(), dtype=object).T
        q = to_sympy(back * qz[None, :])
        total = kl(self.p_joint, q)
        model = kl(self.q_star, q)
        return Pythagoras(total, self.total, model, total - self.total - model, self.q_star)


def flip_kernel(a: Any, b: Any) -> sp.Matrix:
    """The general two-state kernel ``[[1 - a, a], [b, 1 - b]]``.

    ``a`` is the probability to leave state 0, ``b`` to leave state 1; rows
    sum to one identically.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermoinfo.symbolic.thermo import flip_kernel
    >>> a, b = sp.symbols("a b", positive=True)
    >>> flip_kernel(a, b)
    Matrix([
    [1 - a,     a],
    [    b, 1 - b]])
    """
    a, b = sp.sympify(a, strict=True), sp.sympify(b, strict=True)
    return sp.Matrix([[1 - a, a], [b, 1 - b]])


def _kernel(T: Any, name: str) -> np.ndarray:
    arr = as_object_array(T, name, ndim=2, check=False)
    for row, entries in enumerate(arr):
        total = sp.expand(sp.Add(*entries))
        if total.is_number and total != 1:
            raise ValueError(f"{name} row {row} sums to {total}; rows of a kernel sum to 1 "
                             f"(indexed {name}[condition, outcome])")
        for e in entries:
            if e.is_number and e.is_extended_negative:
                raise ValueError(f"{name} has a negative entry {e}")
    return arr


def entropy_production(p_x: Any, T: Any, T_back: Any = None) -> EntropyProduction:
    """Symbolic total, system and bath entropy production of the step x -> z.

    Parameters
    ----------
    p_x : 1-D table of sympy expressions, shape (n_x,)
        Initial distribution.
    T : 2-D table, shape (n_x, n_z)
        Forward kernel, ``T[x, z] = T(z|x)``.
    T_back : 2-D table, shape (n_z, n_x), optional
        Backward kernel, ``T_back[z, x] = T_B(x|z)``; default ``T`` itself.

    Returns
    -------
    EntropyProduction
        ``total`` and ``bath`` are ``sympy.oo`` when the backward kernel is
        identically 0 on a transition the forward process makes.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermoinfo.symbolic.thermo import entropy_production, flip_kernel
    >>> p, a, b = sp.symbols("p a b", positive=True)
    >>> ep = entropy_production([p, 1 - p], flip_kernel(a, b))
    >>> sp.expand(sp.expand_log(ep.total - ep.system - ep.bath, force=True))
    0
    >>> round(float(ep.total.subs({p: 0.8, a: 0.1, b: 0.1})), 6)
    0.072654
    """
    px = as_object_array(p_x, "p_x", ndim=1)
    Tf = _kernel(T, "T")
    if T_back is None:
        check_step_shapes(px.shape, Tf.shape, None)
        Tb = Tf
    else:
        Tb = _kernel(T_back, "T_back")
        check_step_shapes(px.shape, Tf.shape, Tb.shape)
    joint = px[:, None] * Tf
    pz = joint.sum(axis=0)
    q_star = Tb.T * pz[None, :]
    total = kl(to_sympy(joint), to_sympy(q_star))
    system = entropy(to_sympy(pz)) - entropy(to_sympy(px))
    triples = [(j, f, b) for j, f, b in zip(joint.ravel(), Tf.ravel(), Tb.T.ravel()) if j != 0]
    if any(b == 0 for _, _, b in triples):
        bath = sp.oo
    else:
        bath = sp.Add(*[j * (sp.log(f) - sp.log(b)) for j, f, b in triples])
    return EntropyProduction(total, system, bath, to_sympy(joint), to_sympy(q_star),
                             to_sympy(pz), to_sympy(Tb))
