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

Subsystems (:func:`subsystem_productions`, twin of
:mod:`thermoinfo.thermo.graphical`): for a forward Bayesian network over
subsystems,

    sum_i sigma^i_tot = sigma_tot + (I_Z - I_X),
    sigma^i_tot = D(p(x_i, z_i, W) || T^B_i p(z_i, W)) + I(Z_i; U | X_i) - I(X_i; W | Z_i).

Representation learning (:func:`representation_identity`):
D(p(x,y) e(z|x) || q(z) d(x|z) c(y|z)) = R + D + C - H. Bipartite rates
(:func:`bipartite_flow`): sigma'_X = dS_X/dt + S'_r,X - I'_X and
I'_X + I'_Y = dI(X;Y)/dt.

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

__all__ = [
    "BipartiteFlow",
    "EntropyProduction",
    "RepresentationIdentity",
    "SubsystemProductions",
    "bipartite_flow",
    "entropy_production",
    "flip_kernel",
    "lambdify",
    "representation_identity",
    "subsystem_productions",
]


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


# --------------------------------------------------------------------------- subsystems


def _ones(ndim: int) -> np.ndarray:
    return np.full([1] * ndim, sp.Integer(1), dtype=object)


def _embed_obj(table: np.ndarray, axes: tuple[int, ...], ndim: int) -> np.ndarray:
    order = np.argsort(axes)
    t = np.transpose(table, order)
    shape = [1] * ndim
    for ax, size in zip(np.asarray(axes)[order], t.shape):
        shape[int(ax)] = size
    return t.reshape(shape)


def _negative_form(base: sp.Expr) -> bool:
    """Whether to flip the sign of a factor: a negative constant term, or without
    one a negative leading coefficient (1 - a and 1 - sum p stay as they are)."""
    if not isinstance(base, sp.Add):
        return False
    const = base.as_coeff_Add()[0]
    if const != 0:
        return bool(const < 0)
    return bool(base.as_ordered_terms()[0].as_coeff_Mul()[0] < 0)


def _canonical(e: Any) -> sp.Expr:
    """One form for equal polynomials (expanded, factored, each factor with a
    positive leading sign), so that logs of marginals computed along different
    routes are the same atoms."""
    f = sp.factor(sp.expand(e))
    coeff, factors = sp.Integer(1), []
    for a in sp.Mul.make_args(f):
        if a.is_number:
            coeff *= a
            continue
        base, expo = a.as_base_exp()
        if _negative_form(base):
            base = -base
            if expo.is_integer and expo % 2:
                coeff = -coeff
        factors.append(base ** expo)
    return sp.Mul(coeff, *factors, evaluate=True)


def _marg(p: np.ndarray, keep: tuple[int, ...]) -> np.ndarray:
    drop = tuple(a for a in range(p.ndim) if a not in keep)
    if not drop:
        return p
    out = p.sum(axis=drop, keepdims=True)
    return np.vectorize(_canonical, otypes=[object])(out)


def _h_obj(p: np.ndarray, keep: tuple[int, ...]) -> sp.Expr:
    if not keep:
        return sp.Integer(0)
    return entropy(to_sympy(np.asarray(_marg(p, keep), dtype=object)))


def _cmi_obj(p: np.ndarray, a: tuple[int, ...], b: tuple[int, ...], c: tuple[int, ...]) -> sp.Expr:
    if not b:
        return sp.Integer(0)
    return _h_obj(p, a + c) + _h_obj(p, b + c) - _h_obj(p, a + b + c) - _h_obj(p, c)


def _e_log(p: np.ndarray, table: np.ndarray) -> sp.Expr:
    t = np.broadcast_to(table, p.shape)
    return sp.Add(*[pv * sp.log(tv) for pv, tv in zip(p.ravel(), t.ravel()) if pv != 0])


def _flat_kernel(k: Any, name: str) -> np.ndarray:
    """A symbolic kernel [condition..., outcome] as a checked 2-D object array."""
    arr = np.array(k.tolist() if hasattr(k, "tolist") else k, dtype=object)
    return _kernel(arr.reshape(-1, arr.shape[-1]), name)


@dataclass(frozen=True)
class SubsystemProductions:
    """Symbolic twin of the subsystem productions of
    :meth:`thermoinfo.thermo.graphical.NetworkEntropyProduction.subsystem`.

    Attributes
    ----------
    total, system, bath : sympy.Expr
        sigma_tot = D(p || q*_B), H(Z) - H(X), sum of the bath terms.
    subsystem_total, subsystem_system, subsystem_bath : tuple of sympy.Expr
        sigma^i_tot, H(Z_i) - H(X_i), E log T_i / T^B_i.
    correlation_change : sympy.Expr
        I_Z - I_X (multi-informations).
    transfer, backward_information, distance : tuple of sympy.Expr
        I(Z_i; U_i | X_i), I(X_i; W_i | Z_i) and D(p(x_i, z_i, W_i) || T^B_i p(z_i, W_i)).
    p_joint : sympy.Array
        The path p(x, z), axes (x_0..x_{n-1}, z_0..z_{n-1}).
    """

    total: sp.Expr
    system: sp.Expr
    bath: sp.Expr
    subsystem_total: tuple
    subsystem_system: tuple
    subsystem_bath: tuple
    correlation_change: sp.Expr
    transfer: tuple
    backward_information: tuple
    distance: tuple
    p_joint: sp.ImmutableDenseNDimArray


def subsystem_productions(p_x: Any, kernels: Any, parents: Any, back_kernels: Any,
                          back_parents: Any) -> SubsystemProductions:
    """Symbolic total and subsystem entropy productions of a forward Bayesian network.

    The network is that of :func:`thermoinfo.thermo.graphical.network_entropy_production`:
    ``kernels[i]`` is T_i(z_i | parents[i]) indexed ``[parents..., z_i]``,
    ``back_kernels[i]`` is T^B_i(x_i | back_parents[i]) indexed ``[back parents..., x_i]``,
    and the parents are joint-table axes (x_j is axis j, z_j is axis n + j).
    Rows must sum to one identically.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermoinfo.symbolic.thermo import flip_kernel, subsystem_productions
    >>> from thermoinfo.symbolic.geometry import probability_table, vanishes_identically
    >>> p, _ = probability_table("p", (2, 2))
    >>> a, b = sp.symbols("a b", positive=True)
    >>> f, g = flip_kernel(a, b), flip_kernel(b, a)
    >>> r = subsystem_productions(p, [f, g], [(0,), (1,)], [f, g], [(2,), (3,)])
    >>> vanishes_identically(sum(r.subsystem_total) - r.total - r.correlation_change)
    True
    """
    px = as_object_array(p_x, "p_x")
    n = px.ndim
    if len(kernels) != n or len(parents) != n or len(back_kernels) != n or len(back_parents) != n:
        raise ValueError(f"kernels, parents, back_kernels and back_parents must each have {n} entries, "
                         "one per subsystem of p_x")
    pa = [tuple(int(a) for a in q) for q in parents]
    bpa = [tuple(int(a) for a in q) for q in back_parents]
    Ks = [_flat_kernel(k, f"kernels[{i}]") for i, k in enumerate(kernels)]
    Bs = [_flat_kernel(k, f"back_kernels[{i}]") for i, k in enumerate(back_kernels)]
    sizes = list(px.shape) + [K.shape[-1] for K in Ks]
    Ks = [K.reshape(*(sizes[a] for a in pa[i]), sizes[n + i]) for i, K in enumerate(Ks)]
    Bs = [B.reshape(*(sizes[a] for a in bpa[i]), sizes[i]) for i, B in enumerate(Bs)]
    ndim = 2 * n
    joint = _embed_obj(px, tuple(range(n)), ndim) * _ones(ndim)
    for i, K in enumerate(Ks):
        joint = joint * _embed_obj(K, (*pa[i], n + i), ndim)
    joint = np.broadcast_to(joint, tuple(sizes)).copy()
    back = _ones(ndim)
    for i, B in enumerate(Bs):
        back = back * _embed_obj(B, (*bpa[i], i), ndim)
    zs = tuple(range(n, ndim))
    pz = _marg(joint, zs)
    q_star = np.broadcast_to(back * pz, joint.shape)
    total = kl(to_sympy(joint), to_sympy(np.asarray(q_star, dtype=object)))
    system = _h_obj(joint, zs) - _h_obj(joint, tuple(range(n)))
    sub_sys, sub_bath, transfer, back_info, dist = [], [], [], [], []
    for i in range(n):
        fwd = _embed_obj(Ks[i], (*pa[i], n + i), ndim)
        bwd = _embed_obj(Bs[i], (*bpa[i], i), ndim)
        sub_sys.append(_h_obj(joint, (n + i,)) - _h_obj(joint, (i,)))
        sub_bath.append(_e_log(joint, fwd) - _e_log(joint, bwd))
        U = tuple(sorted(set(pa[i]) - {i, n + i}))
        W = tuple(sorted(set(bpa[i]) - {i, n + i}))
        transfer.append(_cmi_obj(joint, (n + i,), U, (i,)))
        back_info.append(_cmi_obj(joint, (i,), W, (n + i,)))
        pv = _marg(joint, (i, n + i, *W))
        pc = _marg(joint, (n + i, *W))
        dist.append(kl(to_sympy(np.asarray(pv, dtype=object)),
                       to_sympy(np.asarray(np.broadcast_to(bwd, pv.shape) * pc, dtype=object))))
    bath = sp.Add(*sub_bath)
    i_z = sp.Add(*[_h_obj(joint, (n + i,)) for i in range(n)]) - _h_obj(joint, zs)
    i_x = sp.Add(*[_h_obj(joint, (i,)) for i in range(n)]) - _h_obj(joint, tuple(range(n)))
    return SubsystemProductions(
        total, system, bath, tuple(s + b for s, b in zip(sub_sys, sub_bath)), tuple(sub_sys),
        tuple(sub_bath), i_z - i_x, tuple(transfer), tuple(back_info), tuple(dist), to_sympy(joint))


@dataclass(frozen=True)
class RepresentationIdentity:
    """Symbolic D(p || q) of an encoder/decoder/classifier and the functionals.

    Attributes
    ----------
    divergence : sympy.Expr
        D(p(x,y) e(z|x) || q(z) d(x|z) c(y|z)).
    R, D, C, H : sympy.Expr
        E log e/q, -E log d, -E log c and H(X, Y); ``divergence - (R + D + C - H)``
        vanishes identically.
    """

    divergence: sp.Expr
    R: sp.Expr
    D: sp.Expr
    C: sp.Expr
    H: sp.Expr


def representation_identity(p_xy: Any, encoder: Any, decoder: Any, classifier: Any,
                            prior: Any) -> RepresentationIdentity:
    """Symbolic twin of :func:`thermoinfo.thermo.representation.representation_entropy_production`.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermoinfo.symbolic.thermo import flip_kernel, representation_identity
    >>> from thermoinfo.symbolic.geometry import probability_table, vanishes_identically
    >>> p, _ = probability_table("p", (2, 2))
    >>> a, b, c, d, u, v, r = sp.symbols("a b c d u v r", positive=True)
    >>> ri = representation_identity(p, flip_kernel(a, b), flip_kernel(c, d), flip_kernel(u, v), [r, 1 - r])
    >>> vanishes_identically(ri.divergence - (ri.R + ri.D + ri.C - ri.H))
    True
    """
    p = as_object_array(p_xy, "p_xy", ndim=2)
    e = _flat_kernel(encoder, "encoder")
    d = _flat_kernel(decoder, "decoder")
    c = _flat_kernel(classifier, "classifier")
    q = as_object_array(prior, "prior", ndim=1)
    joint = p[:, :, None] * e[:, None, :]
    back = q[None, None, :] * d.T[:, None, :] * c.T[None, :, :]
    divergence = kl(to_sympy(joint), to_sympy(back))
    R = _e_log(joint, e[:, None, :]) - _e_log(joint, q[None, None, :])
    D = -_e_log(joint, d.T[:, None, :])
    C = -_e_log(joint, c.T[None, :, :])
    return RepresentationIdentity(divergence, R, D, C, entropy(to_sympy(p)))


@dataclass(frozen=True)
class BipartiteFlow:
    """Symbolic Horowitz-Esposito rates of a bipartite master equation (see
    :func:`thermoinfo.thermo.bipartite.information_flow`)."""

    partial_x: sp.Expr
    partial_y: sp.Expr
    system_x: sp.Expr
    system_y: sp.Expr
    bath_x: sp.Expr
    bath_y: sp.Expr
    flow_x: sp.Expr
    flow_y: sp.Expr
    dp: sp.ImmutableDenseNDimArray


def bipartite_flow(p: Any, rates_x: Any, rates_y: Any) -> BipartiteFlow:
    """Symbolic partial productions and information flows of bipartite rates.

    ``rates_x[x, y, x']`` is the rate of the X jump x -> x' at fixed y,
    ``rates_y[x, y, y']`` that of the Y jump at fixed x (diagonals ignored).

    Examples
    --------
    >>> import sympy as sp
    >>> from thermoinfo.symbolic.thermo import bipartite_flow
    >>> from thermoinfo.symbolic.geometry import probability_table, vanishes_identically
    >>> p, _ = probability_table("p", (2, 2))
    >>> k = sp.symbols("k0:8", positive=True)
    >>> wx = [[[0, k[0]], [0, k[1]]], [[k[2], 0], [k[3], 0]]]
    >>> wy = [[[0, k[4]], [k[5], 0]], [[0, k[6]], [k[7], 0]]]
    >>> f = bipartite_flow(p, wx, wy)
    >>> vanishes_identically(f.partial_x - (f.system_x + f.bath_x - f.flow_x))
    True
    """
    pj = as_object_array(p, "p", ndim=2)
    wx = np.array(rates_x, dtype=object)
    wy = np.array(rates_y, dtype=object)
    nx, ny = pj.shape
    if wx.shape != (nx, ny, nx) or wy.shape != (nx, ny, ny):
        raise ValueError(f"rates_x must have shape {(nx, ny, nx)} and rates_y {(nx, ny, ny)}")
    px = [sp.Add(*pj[x, :]) for x in range(nx)]
    py = [sp.Add(*pj[:, y]) for y in range(ny)]
    zero = sp.Integer(0)
    part_x = part_y = sys_x = sys_y = bath_x = bath_y = flow_x = flow_y = zero
    dp = np.full((nx, ny), zero, dtype=object)
    for x in range(nx):
        for y in range(ny):
            for x2 in range(nx):
                if x2 == x or wx[x, y, x2] == 0:
                    continue
                j = pj[x, y] * wx[x, y, x2]
                dp[x, y] -= j
                dp[x2, y] += j
                part_x += j * sp.log(pj[x, y] * wx[x, y, x2] / (pj[x2, y] * wx[x2, y, x]))
                bath_x += j * sp.log(wx[x, y, x2] / wx[x2, y, x])
                flow_x += j * sp.log((pj[x2, y] / px[x2]) / (pj[x, y] / px[x]))
                sys_x += j * sp.log(px[x] / px[x2])
            for y2 in range(ny):
                if y2 == y or wy[x, y, y2] == 0:
                    continue
                j = pj[x, y] * wy[x, y, y2]
                dp[x, y] -= j
                dp[x, y2] += j
                part_y += j * sp.log(pj[x, y] * wy[x, y, y2] / (pj[x, y2] * wy[x, y2, y]))
                bath_y += j * sp.log(wy[x, y, y2] / wy[x, y2, y])
                flow_y += j * sp.log((pj[x, y2] / py[y2]) / (pj[x, y] / py[y]))
                sys_y += j * sp.log(py[y] / py[y2])
    return BipartiteFlow(part_x, part_y, sys_x, sys_y, bath_x, bath_y, flow_x, flow_y, to_sympy(dp))
