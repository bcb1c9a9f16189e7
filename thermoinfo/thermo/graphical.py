"""Entropy production of a Bayesian network x = (x_0..x_{n-1}) -> z = (z_0..z_{n-1}).

The joint table has 2n axes, x_0..x_{n-1} (axes 0..n-1) then z_0..z_{n-1}
(axes n..2n-1); variables are named ``"x0", "x1", ..., "z0", ...`` or given
as joint-table axes. The forward process factorizes over subsystems,

    p(x, z) = p(x) prod_i T_i(z_i | pa(i)),

pa(i) a set of x's and other z's (a DAG). The backward process runs every
arrow the other way: from a free distribution q(z) it returns each x_i with a
fixed backward kernel T^B_i(x_i | pa_B(i)),

    M_B = { q(x, z) = q(z) prod_i T^B_i(x_i | pa_B(i)) },

by default the same kernels with x and z swapped, T^B_i(x_i | z_pa(i)) =
T_i(x_i | z_pa(i)) (defined when every pa(i) holds x's only). As for one step,
the m-projection keeps p(z): q*_B = p(z) prod_i T^B_i and

    sigma_tot = D(p || q*_B) = sigma_sys + sigma_bath,
    sigma_sys = H(Z) - H(X),   sigma_bath = sum_i E log T_i(z_i|pa(i)) / T^B_i(x_i|pa_B(i)).

Partial entropy production of a set A of subsystems. The family that fixes
only the backward kernels of A and leaves everything else free,

    M_B^A = { q(s) = prod_{i in A} T^B_i(x_i | pa_B(i)) r(x_{not A}, z) },

is e-flat (a fixed carrier times an arbitrary distribution of the other
variables), M_B^all = M_B, and with backward parents among the z's the
families are nested: M_B lies in M_B^A' lies in M_B^A for A in A'. The
m-projection is q*_A = prod_{i in A} T^B_i p(x_{not A}, z) and

    sigma^A = D(p || q*_A) = E log p(x_A | x_{not A}, z) / prod_{i in A} T^B_i,
    sigma_tot = sigma^A + D(q*_A || q*_B)        (Pythagoras),

so 0 <= sigma^A <= sigma^A' <= sigma_tot. These partial productions are
super-additive,

    sum_i sigma^i - sigma_tot = H(X | Z) - sum_i H(X_i | X_{-i}, Z) >= 0   (z-only backward parents),

(I(X_0; X_1 | Z) for two subsystems): additive exactly when the initial
states of the subsystems are independent given the final state.

The marginal (coarse-grained) production of subsystem i compares only the
variables its backward kernel sees, sigma^i_m = D(p(x_i, pa_B(i)) ||
T^B_i p(pa_B(i))) = E log p(x_i | pa_B(i)) / T^B_i <= sigma^i. Let M_G be the
backward graph with free kernels, M_G = { q(z) prod_i q(x_i | pa_B(i)) }, which
contains M_B. For every network

    sigma_tot = sum_i sigma^i_m + D(p || M_G),
    D(p || M_G) = sum_i H(X_i | pa_B(i)) - H(X | Z),

and the Pythagorean relation D(p||q*_B) = D(p||q*_G) + D(q*_G||q*_B) holds.

Subsystem thermodynamics (the form sigma^S_tot = sigma^S_sys + sigma^S_bath).
For a set S of subsystems,

    sigma^S_sys  = H(Z_S) - H(X_S),
    sigma^S_bath = sum_{i in S} E log T_i(z_i|pa(i)) / T^B_i(x_i|pa_B(i)),

the change of S's own Shannon entropy and its own bath term. The bath terms
add up to sigma_bath, so the sum over a partition into subsystems differs
from sigma_tot by the change of the multi-information I = sum_i H(.) - H(joint):

    sum_i sigma^i_tot = sigma_tot + (I_Z - I_X)            (every network).

sigma^S_tot may be negative. With U (W) the forward (backward) parents of S
outside S and prod_{i in S} T_i = p(z_S | x_S, U) (always so for one subsystem),

    sigma^S_tot = D(p(x_S, z_S, W) || T^B_S p(z_S, W)) + I(Z_S; U | X_S) - I(X_S; W | Z_S),

a generalized second law sigma^S_tot >= I(Z_S; U | X_S) - I(X_S; W | Z_S) in
the manner of Ito and Sagawa; I(Z_S; U | X_S) is the transfer entropy from
the rest to S in this step. When the subsystems' kernels come from one joint
kernel by the chain rule (it does not factorize over the subsystems), they
depend on the order of the updates: :func:`subsystem_entropy_production`
then requires ``order=``.

Ay's stochastic interaction of the forward step, SI = sum_i H(Z_i | X_i) -
H(Z | X) = D(p || M_dis) with M_dis = { q(x) prod_i q(z_i | x_i) }, is a
property of the forward kernel alone. When the z's are drawn independently
given x it is the sum of the one-step transfer entropies, SI = sum_i
I(Z_i; X_{-i} | X_i). Only for local backward kernels (pa_B(i) = {z_i}) is it
tied to the productions: then D(p || M_G) = SI - (I_Z - I_X), so with every
marginal stationary sigma_tot = sum_i sigma^i_m + SI. The physical
arrow-reversed kernels of an interacting step are not local: the parallel
Glauber step of two coupled spins at its stationary state has sigma_tot = 0
and every partial production 0 while SI > 0.

References: S. Ito, M. Oizumi and S. Amari, "Unified framework for the entropy
production and the stochastic interaction based on information geometry",
Phys. Rev. Research 2, 033048 (2020), arXiv:1810.09545; S. Ito and T. Sagawa,
Phys. Rev. Lett. 111, 180603 (2013), arXiv:1306.2756; N. Ay, "Information
geometry on complexity and stochastic interaction", Entropy 17, 2432 (2015).
"""

from __future__ import annotations

import numbers
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from thermoinfo._config import check_memory
from thermoinfo._validation import as_conditional, as_distribution, is_labelled
from thermoinfo.geometry.divergences import _entropy_kernel, _kl_kernel
from thermoinfo.geometry.families import BayesNet, Family
from thermoinfo.geometry.projection import m_projection
from thermoinfo.thermo.entropy_production import _bath_kernel

__all__ = [
    "FixedKernelFamily",
    "NetworkEntropyProduction",
    "SubsystemEntropyProduction",
    "network_entropy_production",
    "stochastic_interaction",
    "subsystem_entropy_production",
]


def _axis(a: Any, n: int, name: str) -> int:
    """A variable name ("x3", "z0") or a joint-table axis as an int axis."""
    if isinstance(a, str) and len(a) >= 2 and a[0] in "xz" and a[1:].isdigit():
        j = int(a[1:])
        if j < n:
            return j if a[0] == "x" else n + j
    elif isinstance(a, numbers.Integral) and not isinstance(a, bool) and 0 <= int(a) < 2 * n:
        return int(a)
    raise ValueError(
        f"{name}: unknown variable {a!r}; name variables 'x0'..'x{n - 1}', 'z0'..'z{n - 1}' "
        f"or give joint-table axes 0..{2 * n - 1}"
    )


def _parent_tuple(pa: Any, n: int, name: str) -> tuple[int, ...]:
    if isinstance(pa, (str, bytes)) or not isinstance(pa, (Sequence, np.ndarray)):
        raise ValueError(f"{name} must be a tuple of variables (got {pa!r}); write ({pa!r},) for one")
    out = tuple(_axis(a, n, name) for a in pa)
    if len(set(out)) != len(out):
        raise ValueError(f"{name} repeats a variable: {tuple(pa)!r}")
    return out


def _embed(table: np.ndarray, axes: Sequence[int], ndim: int) -> np.ndarray:
    """View ``table`` (its axes are the joint axes ``axes``) as a broadcastable ndim-D array."""
    order = np.argsort(axes)
    t = np.transpose(table, order)
    shape = [1] * ndim
    for ax, size in zip(np.asarray(axes)[order], t.shape):
        shape[int(ax)] = size
    return t.reshape(shape)


def _marginal(p: np.ndarray, keep: Sequence[int]) -> np.ndarray:
    keep = set(keep)
    return p.sum(axis=tuple(j for j in range(p.ndim) if j not in keep), keepdims=True)


def _h(p: np.ndarray, axes: Sequence[int]) -> float:
    """Shannon entropy of the marginal of ``p`` on ``axes``."""
    return _entropy_kernel(_marginal(p, axes)) if axes else 0.0


def _cmi(p: np.ndarray, a: Sequence[int], b: Sequence[int], given: Sequence[int]) -> float:
    """I(A; B | C) from the joint table; 0 when B is empty."""
    if not b:
        return 0.0
    a, b, c = tuple(a), tuple(b), tuple(given)
    val = _h(p, a + c) + _h(p, b + c) - _h(p, a + b + c) - _h(p, c)
    return float(max(val, 0.0))


def _conditional_kl(p: np.ndarray, kernel: np.ndarray, outcomes: Sequence[int],
                    condition: Sequence[int]) -> float:
    """D(p(v) || kernel(outcomes | condition) p(condition)) on the marginal over v."""
    pv = _marginal(p, (*outcomes, *condition))
    pc = pv.sum(axis=tuple(outcomes), keepdims=True)
    return _kl_kernel(pv, kernel * pc)


class FixedKernelFamily(Family):
    """Distributions with fixed kernels for some axes and the other axes free.

    ``q(s) = prod_k K_k(s_{o_k} | s_{pa_k}) r(s_rest)``: the ``K_k`` are fixed
    kernels of outcome axes ``o_k`` given parent axes ``pa_k`` (together a
    conditional of the outcomes given the rest), and ``r`` is any distribution
    of the remaining axes. The family is e-flat (a fixed carrier times a free
    distribution); its m-projection is ``prod_k K_k * p(rest)``, and
    ``D(p || q*)`` is ``E_p log p(outcomes | rest) / prod_k K_k``.

    Parameters
    ----------
    kernels : sequence of (table, outcome axis, parent axes)
        ``table`` indexed ``[parents..., outcome]``, the parents in the given order.
    ndim : int
        Number of axes of the joint tables.

    Examples
    --------
    Fix the kernel of axis 0 given axis 1 in a 2-D table:

    >>> import numpy as np, thermoinfo
    >>> from thermoinfo.thermo.graphical import FixedKernelFamily
    >>> K = np.array([[0.9, 0.1], [0.2, 0.8]])          # K[s1, s0] = K(s0 | s1)
    >>> fam = FixedKernelFamily([(K, 0, (1,))], ndim=2)
    >>> p = np.array([[0.3, 0.2], [0.1, 0.4]])
    >>> q = thermoinfo.m_projection(p, fam)
    >>> np.round(q.sum(axis=0), 3)                        # keeps p's marginal of axis 1
    array([0.4, 0.6])
    """

    def __init__(self, kernels: Sequence[tuple[Any, int, Sequence[int]]], ndim: int):
        self.ndim = int(ndim)
        clean = []
        for k, (table, outcome, parents) in enumerate(kernels):
            parents = tuple(int(a) for a in parents)
            arr = as_conditional(table, f"kernels[{k}]", n_condition_axes=len(parents))
            if not 0 <= int(outcome) < self.ndim or any(not 0 <= a < self.ndim for a in parents):
                raise ValueError(f"kernels[{k}]: axes must lie in 0..{self.ndim - 1}")
            clean.append((arr, int(outcome), parents))
        self.kernels = clean
        self.outcomes = tuple(o for _, o, _ in clean)
        if len(set(self.outcomes)) != len(self.outcomes):
            raise ValueError(f"kernels: two fixed kernels share an outcome axis {self.outcomes}")
        BayesNet({o: pa for _, o, pa in clean})  # raises on a cycle among the fixed kernels
        self.rest = tuple(a for a in range(self.ndim) if a not in self.outcomes)

    def __repr__(self) -> str:
        inner = ", ".join(f"{o}|{pa}" for _, o, pa in self.kernels)
        return f"FixedKernelFamily([{inner}], ndim={self.ndim})"

    def carrier(self, shape: tuple[int, ...]) -> np.ndarray:
        """The product of the fixed kernels, broadcastable to a table of ``shape``."""
        out = np.ones([1] * len(shape))
        for arr, o, pa in self.kernels:
            out = out * _embed(arr, (*pa, o), len(shape))
        return out

    def project_array(self, p: np.ndarray, dims: Sequence[Hashable] | None = None) -> np.ndarray:
        if p.ndim != self.ndim:
            raise ValueError(f"p must have {self.ndim} axes for this family (got shape {p.shape})")
        return np.broadcast_to(self.carrier(p.shape) * _marginal(p, self.rest), p.shape).copy()


@dataclass(frozen=True)
class SubsystemEntropyProduction:
    """Entropy production of a set S of subsystems in the form of the subsystem's own
    thermodynamics, sigma^S_tot = sigma^S_sys + sigma^S_bath.

    Attributes
    ----------
    subsystems : tuple of int
        The subsystem indices in S.
    total, system, bath : float
        sigma^S_tot, sigma^S_sys = H(Z_S) - H(X_S) and sigma^S_bath = sum_{i in S}
        E log T_i(z_i|pa(i)) / T^B_i(x_i|pa_B(i)); ``total == system + bath``.
        ``total`` may be negative: S exchanges information with the rest.
    transfer : float
        I(Z_S; U | X_S), U the forward parents of z_S outside S (the transfer
        entropy from the rest to S in this step).
    backward_information : float
        I(X_S; W | Z_S), W the backward parents of x_S outside S.
    information : float
        Theta^S = transfer - backward_information.
    distance : float
        D(p(x_S, z_S, W) || T^B_S p(z_S, W)) >= 0; ``total == distance +
        information`` (generalized second law sigma^S_tot >= Theta^S).
    """

    subsystems: tuple[int, ...]
    total: float
    system: float
    bath: float
    transfer: float
    backward_information: float
    information: float
    distance: float


@dataclass(frozen=True)
class NetworkEntropyProduction:
    """Entropy production of a forward Bayesian network against its backward network.

    Attributes
    ----------
    total, system, bath : float
        sigma_tot = D(p || q*_B), sigma_sys = H(Z) - H(X) and sigma_bath, with
        ``total == system + bath``.
    bath_terms : tuple of float
        E log T_i(z_i|pa(i)) / T^B_i(x_i|pa_B(i)) per subsystem; they sum to ``bath``.
    partial : tuple of float
        sigma^i = D(p || M_B^i), the partial entropy production of each
        subsystem (the distance to the family fixing only its backward kernel).
    marginal_partial : tuple of float
        sigma^i_m = D(p(x_i, pa_B(i)) || T^B_i p(pa_B(i))), the production seen
        by subsystem i alone; ``total == sum(marginal_partial) + interaction``.
    interaction : float
        D(p || M_G), the distance to the backward graph with free kernels.
    stochastic_interaction : float
        SI = sum_i H(Z_i|X_i) - H(Z|X), the distance to the disconnected
        forward family.
    p_joint, q_star : ndarray, shape (k_0..k_{n-1}, m_0..m_{n-1})
        The forward path and its m-projection q*_B = p(z) prod_i T^B_i.
    parents, back_parents : tuple of tuple of int
        Forward and backward parents as joint-table axes.
    back_kernels : tuple of ndarray
        The backward kernels used, ``back_kernels[i]`` indexed [pa_B(i)..., x_i].
    """

    total: float
    system: float
    bath: float
    bath_terms: tuple[float, ...]
    partial: tuple[float, ...]
    marginal_partial: tuple[float, ...]
    interaction: float
    stochastic_interaction: float
    p_joint: np.ndarray
    q_star: np.ndarray
    parents: tuple[tuple[int, ...], ...]
    back_parents: tuple[tuple[int, ...], ...]
    back_kernels: tuple[np.ndarray, ...]

    @property
    def n_subsystems(self) -> int:
        """Number of subsystems n."""
        return len(self.parents)

    @property
    def additivity_excess(self) -> float:
        """sum_i sigma^i - sigma_tot = H(X|Z) - sum_i H(X_i | X_{-i}, Z) (z-only backward parents)."""
        return float(sum(self.partial) - self.total)

    def partial_family(self, subsystems: Any) -> FixedKernelFamily:
        """The backward family M_B^A that fixes the backward kernels of ``subsystems`` only."""
        A = self._subsystems(subsystems)
        n = self.n_subsystems
        return FixedKernelFamily([(self.back_kernels[i], i, self.back_parents[i]) for i in A], 2 * n)

    def partial_production(self, subsystems: Any) -> float:
        """sigma^A = D(p || M_B^A) for a subsystem index or a collection of them.

        Examples
        --------
        >>> import numpy as np
        >>> import thermoinfo.thermo.graphical as g
        >>> flip = np.array([[0.9, 0.1], [0.2, 0.8]])
        >>> p_x = np.array([[0.4, 0.1], [0.2, 0.3]])
        >>> ep = g.network_entropy_production(p_x, [flip, flip], [("x1",), ("x0",)])
        >>> bool(abs(ep.partial_production([0]) - ep.partial[0]) < 1e-12)
        True
        >>> bool(abs(ep.partial_production([0, 1]) - ep.total) < 1e-12)
        True
        """
        A = self._subsystems(subsystems)
        if not A:
            return 0.0
        return _kl_kernel(self.p_joint, self.partial_family(A).project_array(self.p_joint))

    def subsystem(self, subsystems: Any) -> SubsystemEntropyProduction:
        """sigma^S_tot = sigma^S_sys + sigma^S_bath of a subsystem (or a set S of them),
        with its information term.

        sigma^S_sys = H(Z_S) - H(X_S), sigma^S_bath = sum_{i in S} E log
        T_i / T^B_i (the subsystem's own bath term), and

            sigma^S_tot = D(p(x_S, z_S, W) || T^B_S p(z_S, W))
                          + I(Z_S; U | X_S) - I(X_S; W | Z_S),

        U (W) the forward (backward) parents of S outside S. The identity needs
        prod_{i in S} T_i = p(z_S | x_S, U), true for one subsystem and for
        any S unless a z outside S lies on a forward path between two z's of S;
        such an S raises ``ValueError``.

        Examples
        --------
        >>> import numpy as np
        >>> import thermoinfo.thermo.graphical as g
        >>> flip = np.array([[0.9, 0.1], [0.2, 0.8]])
        >>> p_x = np.array([[0.4, 0.1], [0.2, 0.3]])
        >>> ep = g.network_entropy_production(p_x, [flip, flip], [("x1",), ("x0",)])
        >>> s0 = ep.subsystem(0)
        >>> bool(abs(s0.total - s0.system - s0.bath) < 1e-12)
        True
        >>> bool(abs(s0.total - s0.distance - s0.information) < 1e-12)
        True
        """
        A = self._subsystems(subsystems)
        if not A:
            raise ValueError("subsystems must name at least one subsystem")
        n = self.n_subsystems
        p = self.p_joint
        xs = tuple(A)
        zs = tuple(n + i for i in A)
        inside = set(xs) | set(zs)
        self._check_subsystem_order(A)
        U = tuple(sorted({a for i in A for a in self.parents[i]} - inside))
        W = tuple(sorted({a for i in A for a in self.back_parents[i]} - inside))
        system = _h(p, zs) - _h(p, xs)
        bath = float(sum(self.bath_terms[i] for i in A))
        transfer = _cmi(p, zs, U, xs)
        backward = _cmi(p, xs, W, zs)
        carrier = np.ones([1] * p.ndim)
        for i in A:
            carrier = carrier * _embed(self.back_kernels[i], (*self.back_parents[i], i), p.ndim)
        distance = _conditional_kl(p, carrier, xs, (*zs, *W))
        return SubsystemEntropyProduction(A, system + bath, system, bath, transfer, backward,
                                          transfer - backward, distance)

    @property
    def subsystem_total(self) -> tuple[float, ...]:
        """sigma^i_tot = sigma^i_sys + sigma^i_bath of each subsystem (see :meth:`subsystem`)."""
        return tuple(self.subsystem(i).total for i in range(self.n_subsystems))

    @property
    def correlation_change(self) -> float:
        """Delta I = I_Z - I_X, the change of the multi-information I = sum_i H(.) - H(joint).

        The defect of additivity of the subsystem productions:
        ``sum(subsystem_total) == total + correlation_change`` exactly.
        """
        n = self.n_subsystems
        p = self.p_joint
        i_z = sum(_h(p, (n + i,)) for i in range(n)) - _h(p, tuple(range(n, 2 * n)))
        i_x = sum(_h(p, (i,)) for i in range(n)) - _h(p, tuple(range(n)))
        return float(i_z - i_x)

    @property
    def transfer_entropies(self) -> tuple[float, ...]:
        """I(Z_i; X_{-i} | X_i) for each subsystem: what z_i learns about the others' initial state.

        When the z's are drawn independently given x (no z among the forward
        parents), these sum to the stochastic interaction SI.
        """
        n = self.n_subsystems
        return tuple(_cmi(self.p_joint, (n + i,), tuple(j for j in range(n) if j != i), (i,))
                     for i in range(n))

    def _check_subsystem_order(self, A: tuple[int, ...]) -> None:
        n = self.n_subsystems
        children: dict[int, set[int]] = {j: set() for j in range(n)}
        for i, pa in enumerate(self.parents):
            for a in pa:
                if a >= n:
                    children[a - n].add(i)

        def descendants(j: int) -> set[int]:
            out, todo = set(), [j]
            while todo:
                for c in children[todo.pop()]:
                    if c not in out:
                        out.add(c)
                        todo.append(c)
            return out

        inside = set(A)
        for j in set(range(n)) - inside:
            if any(j in descendants(k) for k in inside) and descendants(j) & inside:
                raise ValueError(
                    f"subsystems {A}: z{j} lies on a forward path between two members, so their "
                    "kernels are not the conditional p(z_S | x_S, U); include subsystem "
                    f"{j} in the set or reorder the network"
                )

    def _subsystems(self, subsystems: Any) -> tuple[int, ...]:
        if isinstance(subsystems, numbers.Integral) and not isinstance(subsystems, bool):
            subsystems = (subsystems,)
        try:
            A = tuple(sorted({int(i) for i in subsystems}))
        except (TypeError, ValueError) as exc:
            raise TypeError(f"subsystems must be an index or a collection of indices (got "
                            f"{subsystems!r})") from exc
        if any(not 0 <= i < self.n_subsystems for i in A):
            raise ValueError(f"subsystems must lie in 0..{self.n_subsystems - 1} (got {A})")
        return A


def _forward_family(n: int, parents: Sequence[tuple[int, ...]]) -> dict[int, tuple[int, ...]]:
    graph = {j: tuple(range(j)) for j in range(n)}
    graph.update({n + i: pa for i, pa in enumerate(parents)})
    return graph


def _backward_family(n: int, back_parents: Sequence[tuple[int, ...]]) -> dict[int, tuple[int, ...]]:
    graph = {n + j: tuple(range(n, n + j)) for j in range(n)}
    graph.update({i: pa for i, pa in enumerate(back_parents)})
    return graph


def stochastic_interaction(p_joint: Any) -> float:
    """Ay's stochastic interaction SI = sum_i H(Z_i | X_i) - H(Z | X).

    The distance D(p || M_dis) from the path p(x, z) to the disconnected
    family M_dis = {q(x) prod_i q(z_i | x_i)}, computed as an m-projection onto
    a :class:`~thermoinfo.families.BayesNet`.

    Parameters
    ----------
    p_joint : array_like, 2n axes
        Joint table over (x_0..x_{n-1}, z_0..z_{n-1}).

    Examples
    --------
    Two bits copied crosswise, z_0 = x_1 and z_1 = x_0, from uniform x:

    >>> import numpy as np
    >>> from thermoinfo.thermo.graphical import stochastic_interaction
    >>> p = np.zeros((2, 2, 2, 2))
    >>> for a in range(2):
    ...     for b in range(2):
    ...         p[a, b, b, a] = 0.25
    >>> round(float(stochastic_interaction(p) / np.log(2)), 12)
    2.0
    """
    p = as_distribution(p_joint, "p_joint")
    if p.ndim % 2:
        raise ValueError(f"p_joint must have 2n axes (x_0..x_n-1, z_0..z_n-1); got shape {p.shape}")
    n = p.ndim // 2
    graph = {j: tuple(range(j)) for j in range(n)}
    graph.update({n + i: (i,) for i in range(n)})
    return _kl_kernel(p, m_projection(p, BayesNet(graph)))


def network_entropy_production(p_x: Any, kernels: Sequence[Any], parents: Sequence[Any],
                               back_kernels: Sequence[Any] | None = None,
                               back_parents: Sequence[Any] | None = None
                               ) -> NetworkEntropyProduction:
    """Total, bath, partial entropy productions and interactions of a forward network.

    Parameters
    ----------
    p_x : array_like, shape (k_0, ..., k_{n-1})
        Joint initial distribution of the n subsystems.
    kernels : sequence of n array_like
        ``kernels[i]`` is T_i(z_i | pa(i)), indexed ``[pa(i)..., z_i]`` with the
        parents in the order given in ``parents[i]``; rows sum to one.
    parents : sequence of n tuples
        Forward parents of z_i: variables ``"x0".."x{n-1}"``, ``"z0"..`` (other
        z's, the graph acyclic) or joint-table axes.
    back_kernels : sequence of n array_like, optional
        ``back_kernels[i]`` is T^B_i(x_i | pa_B(i)), indexed ``[pa_B(i)..., x_i]``.
        Default: the forward kernels with x and z swapped (needs every pa(i) to
        hold x's only and z_i to take the values of x_i).
    back_parents : sequence of n tuples, optional
        Backward parents of x_i (z's and other x's). Default: pa(i) with x and z
        swapped; required with ``back_kernels``.

    Returns
    -------
    NetworkEntropyProduction

    Raises
    ------
    ValueError
        Bad tables (naming ``p_x``, ``kernels[i]``, ``back_kernels[i]``),
        shapes that do not match the parents, or a cyclic graph.

    Examples
    --------
    Two independent bit flips of a correlated pair: the kernels are local, so
    the defect of additivity of the marginal productions is the backward
    stochastic interaction, and the partial productions exceed the total.

    >>> import numpy as np
    >>> from thermoinfo.thermo.graphical import network_entropy_production
    >>> flip = np.array([[0.9, 0.1], [0.1, 0.9]])
    >>> p_x = np.array([[0.4, 0.1], [0.1, 0.4]])
    >>> ep = network_entropy_production(p_x, [flip, flip], [("x0",), ("x1",)])
    >>> bool(abs(ep.total - sum(ep.marginal_partial) - ep.interaction) < 1e-12)
    True
    >>> bool(sum(ep.partial) >= ep.total)
    True
    """
    px = as_distribution(p_x, "p_x")
    n = px.ndim
    if isinstance(kernels, np.ndarray) or not isinstance(kernels, Sequence) or len(kernels) != n:
        raise ValueError(f"kernels must be a sequence of {n} tables, one per subsystem of p_x "
                         f"(p_x has shape {px.shape})")
    if not isinstance(parents, Sequence) or isinstance(parents, str) or len(parents) != n:
        raise ValueError(f"parents must be a sequence of {n} tuples, one per subsystem")
    pa = tuple(_parent_tuple(parents[i], n, f"parents[{i}]") for i in range(n))
    for i, pi in enumerate(pa):
        if n + i in pi:
            raise ValueError(f"parents[{i}] holds z{i} itself; a kernel cannot condition on its outcome")
    BayesNet(_forward_family(n, pa))  # raises "parents has a cycle ..."
    Ks = [as_conditional(kernels[i], f"kernels[{i}]", n_condition_axes=len(pa[i])) for i in range(n)]
    sizes = list(px.shape) + [K.shape[-1] for K in Ks]
    for i, (K, pi) in enumerate(zip(Ks, pa)):
        want = tuple(sizes[a] for a in pi)
        if K.shape[:-1] != want:
            raise ValueError(
                f"kernels[{i}] has shape {K.shape}; its parents {pi} (joint axes) have sizes "
                f"{want}, so it must have shape {(*want, 'm')} (indexed [parents..., z{i}])"
            )
    shape = tuple(sizes)
    check_memory(8 * 4 * int(np.prod(shape)), f"the joint table of shape {shape}")

    if back_kernels is None:
        if back_parents is not None:
            raise ValueError("back_parents needs back_kernels; pass both or neither")
        if any(a >= n for pi in pa for a in pi):
            raise ValueError(
                "parents name z's: the default backward kernels (the forward ones with x and z "
                "swapped) exist only when every z_i depends on x's only; pass back_kernels and "
                "back_parents for this network"
            )
        bpa = tuple(tuple(a + n for a in pi) for pi in pa)
        Bs = []
        for i, K in enumerate(Ks):
            want = (*(sizes[a] for a in bpa[i]), sizes[i])
            if K.shape != want:
                raise ValueError(
                    f"kernels[{i}] has shape {K.shape}; as its own backward kernel T^B_{i}(x{i}|...) it "
                    f"needs shape {want}, i.e. z's taking the values of the x's. Pass back_kernels"
                )
            Bs.append(K)
    else:
        if back_parents is None:
            raise ValueError("back_kernels needs back_parents (the backward parents of each x_i)")
        if (not isinstance(back_kernels, Sequence) or len(back_kernels) != n
                or not isinstance(back_parents, Sequence) or len(back_parents) != n):
            raise ValueError(f"back_kernels and back_parents must be sequences of {n} entries")
        bpa = tuple(_parent_tuple(back_parents[i], n, f"back_parents[{i}]") for i in range(n))
        for i, pi in enumerate(bpa):
            if i in pi:
                raise ValueError(f"back_parents[{i}] holds x{i} itself")
        Bs = []
        for i in range(n):
            B = as_conditional(back_kernels[i], f"back_kernels[{i}]", n_condition_axes=len(bpa[i]))
            want = (*(sizes[a] for a in bpa[i]), sizes[i])
            if B.shape != want:
                raise ValueError(f"back_kernels[{i}] must have shape {want} (indexed "
                                 f"[back parents..., x{i}]); got {B.shape}")
            Bs.append(B)
    try:
        BayesNet(_backward_family(n, bpa))
    except ValueError as exc:  # the z's form a chain, so a cycle lies among the backward parents
        message = str(exc)
        if not message.startswith("parents"):
            raise
        raise ValueError("back_" + message) from None

    ndim = 2 * n
    joint = _embed(px, tuple(range(n)), ndim)
    for i, K in enumerate(Ks):
        joint = joint * _embed(K, (*pa[i], n + i), ndim)
    joint = np.broadcast_to(joint, shape).copy()
    back = np.ones([1] * ndim)
    for i, B in enumerate(Bs):
        back = back * _embed(B, (*bpa[i], i), ndim)
    pz = _marginal(joint, range(n, ndim))
    q_star = np.broadcast_to(back * pz, shape).copy()

    total = _kl_kernel(joint, q_star)
    system = _entropy_kernel(pz) - _entropy_kernel(px)
    bath_terms = []
    for i in range(n):
        fwd_axes, bwd_axes = (*pa[i], n + i), (*bpa[i], i)
        pm = _marginal(joint, set(fwd_axes) | set(bwd_axes))
        fwd = np.broadcast_to(_embed(Ks[i], fwd_axes, ndim), pm.shape)
        bwd = np.broadcast_to(_embed(Bs[i], bwd_axes, ndim), pm.shape)
        bath_terms.append(_bath_kernel(pm, fwd, bwd))
    bath = float(np.sum(bath_terms))
    marginal_partial = tuple(_conditional_kl(joint, _embed(Bs[i], (*bpa[i], i), ndim), (i,), bpa[i])
                             for i in range(n))
    rest = tuple(range(ndim))
    partial = tuple(_conditional_kl(joint, _embed(Bs[i], (*bpa[i], i), ndim), (i,),
                                    tuple(a for a in rest if a != i)) for i in range(n))
    q_graph = m_projection(joint, BayesNet(_backward_family(n, bpa)))
    interaction = _kl_kernel(joint, q_graph)
    si = stochastic_interaction(joint)
    return NetworkEntropyProduction(total, system, bath, tuple(bath_terms), partial, marginal_partial,
                                    interaction, si, joint, q_star, pa, bpa, tuple(Bs))


def _as_groups(subsystems: Any, n: int) -> tuple[tuple[int, ...], ...]:
    """A partition of the axes 0..n-1 into subsystems, checked."""
    if subsystems is None:
        return tuple((i,) for i in range(n))
    if isinstance(subsystems, (str, bytes)) or not isinstance(subsystems, Sequence):
        raise TypeError(f"subsystems must be a sequence of tuples of axes (got {subsystems!r})")
    groups = []
    for k, g in enumerate(subsystems):
        g = (g,) if isinstance(g, numbers.Integral) and not isinstance(g, bool) else g
        try:
            g = tuple(int(a) for a in g)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"subsystems[{k}] must be a tuple of axes (got {g!r})") from exc
        if not g:
            raise ValueError(f"subsystems[{k}] is empty; every subsystem holds at least one axis")
        groups.append(g)
    flat = [a for g in groups for a in g]
    if any(not 0 <= a < n for a in flat):
        raise ValueError(f"subsystems name axes outside 0..{n - 1}: {tuple(groups)}")
    if len(set(flat)) != len(flat):
        raise ValueError(f"subsystems overlap: {tuple(groups)}; they must split the state into "
                         "disjoint parts")
    if sorted(flat) != list(range(n)):
        missing = sorted(set(range(n)) - set(flat))
        raise ValueError(f"subsystems do not cover the state: axes {missing} of p_x belong to no "
                         "subsystem")
    return tuple(groups)


def _as_array(T: Any, name: str) -> np.ndarray:
    """A real array from an array-like or a DataArray (its values), or a TypeError naming ``name``."""
    if isinstance(T, (str, bytes)) or T is None:
        raise TypeError(f"{name} must be an array of numbers (got {type(T).__name__})")
    try:
        return np.asarray(T.values if is_labelled(T) else T, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of real numbers (got {type(T).__name__})") from exc


def _chain_kernels(T: np.ndarray, n: int, order: Sequence[int]) -> list[np.ndarray]:
    """T[x..., o_1, .., o_n] (outcome axes in ``order``) -> the chain-rule factors
    T(o_k | x, o_1..o_{k-1}), each indexed [x..., o_1..o_{k-1}, o_k]."""
    out = []
    for k in range(n):
        keep = T.sum(axis=tuple(range(n + k + 1, 2 * n))) if k + 1 < n else T
        den = keep.sum(axis=-1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            cond = np.where(den > 0, keep / np.where(den > 0, den, 1.0), 1.0 / keep.shape[-1])
        out.append(cond)
    return out


def _factorizes(T: np.ndarray, n: int) -> tuple[bool, list[np.ndarray]]:
    """Whether T(z|x) = prod_i T_i(z_i|x) (outcome axes n..2n-1), and the marginal kernels."""
    margs = []
    prod = np.ones([1] * (2 * n))
    for i in range(n):
        m = T.sum(axis=tuple(n + j for j in range(n) if j != i), keepdims=True)
        margs.append(m)
        prod = prod * m
    return bool(np.max(np.abs(prod - T)) <= 1e-12), margs


def subsystem_entropy_production(p_x: Any, T: Any, T_back: Any = None, *, subsystems: Any = None,
                                 order: Sequence[int] | None = None) -> NetworkEntropyProduction:
    """Entropy productions of the subsystems of one joint step x -> z.

    The state has the axes of ``p_x``; ``subsystems`` splits them into parts.
    When the kernel factorizes over the parts, T(z|x) = prod_i T_i(z_i|x) (and
    the backward kernel likewise), every subsystem has its own kernel and no
    order enters. Otherwise the subsystem kernels are chain-rule factors,

        T(z|x) = prod_k T(z_{o_k} | x, z_{o_1}..z_{o_{k-1}}),
        T_B(x|z) = prod_k T_B(x_{o_k} | z, x_{o_{k+1}}..x_{o_n}),

    which depend on the order o (the backward process undoes the last update
    first); ``order`` is then required. The result is the
    :class:`NetworkEntropyProduction` of that network: ``subsystem(i)`` gives
    sigma^i_tot = sigma^i_sys + sigma^i_bath.

    Parameters
    ----------
    p_x : array_like, n axes
        Joint initial distribution.
    T : array_like, 2n axes
        ``T[x_0..x_{n-1}, z_0..z_{n-1}] = T(z|x)``.
    T_back : array_like, 2n axes, optional
        ``T_back[z..., x...] = T_B(x|z)``; default ``T`` itself (z in the state
        space of x).
    subsystems : sequence of tuples of axes, optional
        A partition of the axes of ``p_x``; default one subsystem per axis.
    order : sequence of int, optional
        The order in which the subsystems update (indices into ``subsystems``);
        required when a kernel does not factorize over them.

    Raises
    ------
    ValueError
        Bad tables, a split that does not cover the state or overlaps, a
        non-factorizing kernel without ``order``, a bad ``order``.

    Examples
    --------
    Two independent flips factorize; no order is needed:

    >>> import numpy as np
    >>> from thermoinfo.thermo.graphical import subsystem_entropy_production
    >>> f = np.array([[0.9, 0.1], [0.2, 0.8]])
    >>> T = np.einsum("ac,bd->abcd", f, f)
    >>> ep = subsystem_entropy_production([[0.4, 0.1], [0.2, 0.3]], T)
    >>> bool(abs(sum(ep.subsystem_total) - ep.total - ep.correlation_change) < 1e-12)
    True
    """
    px = as_distribution(p_x, "p_x")
    n0 = px.ndim
    groups = _as_groups(subsystems, n0)
    Tarr = _as_array(T, "T")
    if Tarr.ndim != 2 * n0 or Tarr.shape[:n0] != px.shape:
        raise ValueError(f"T must have 2n = {2 * n0} axes, T[x..., z...] with x of shape {px.shape} "
                         f"(got shape {Tarr.shape})")
    zshape = Tarr.shape[n0:]
    as_conditional(Tarr.reshape(px.size, -1), "T")
    if T_back is None:
        if zshape != px.shape:
            raise ValueError(f"T has outcome shape {zshape}; the default backward kernel is T itself, "
                             "which needs z in the state space of x. Pass T_back")
        Barr = Tarr
    else:
        Barr = _as_array(T_back, "T_back")
        if Barr.shape != (*zshape, *px.shape):
            raise ValueError(f"T_back must have shape {(*zshape, *px.shape)} (T_back[z..., x...] = "
                             f"T_B(x|z)); got {Barr.shape}")
        as_conditional(Barr.reshape(int(np.prod(zshape)), -1), "T_back")
    # one axis per subsystem
    perm = [a for g in groups for a in g]
    n = len(groups)
    xs = tuple(int(np.prod([px.shape[a] for a in g])) for g in groups)
    zs = tuple(int(np.prod([zshape[a] for a in g])) for g in groups)
    pxf = np.transpose(px, perm).reshape(xs)
    Tf = np.transpose(Tarr, perm + [n0 + a for a in perm]).reshape(xs + zs)
    Bf = np.transpose(Barr, [a for a in perm] + [n0 + a for a in perm]) if T_back is not None else None
    Bf = Bf.reshape(zs + xs) if Bf is not None else None
    if order is not None:
        try:
            order = tuple(int(k) for k in order)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"order must be a sequence of subsystem indices (got {order!r})") from exc
        if sorted(order) != list(range(n)):
            raise ValueError(f"order must be a permutation of the subsystems 0..{n - 1} (got {order})")
    fwd_ok, fwd_margs = _factorizes(Tf, n)
    back_src = Tf if Bf is None else Bf
    back_ok, back_margs = _factorizes(back_src, n)
    if not (fwd_ok and back_ok) and order is None:
        which = "T" if not fwd_ok else "T_back"
        raise ValueError(
            f"order: the kernel {which} does not factorize over the subsystems, so each "
            "subsystem's kernel is a chain-rule factor that depends on the order of the updates; "
            "pass order=(...) (the subsystem indices in the order they update)"
        )
    xaxes = tuple(range(n))
    if fwd_ok:
        kernels = [np.squeeze(fwd_margs[i], axis=tuple(n + j for j in range(n) if j != i))
                   for i in range(n)]
        parents = [xaxes for _ in range(n)]
    else:
        To = np.moveaxis(Tf, [n + k for k in order], list(range(n, 2 * n)))
        kernels = [None] * n
        parents = [None] * n
        for k, K in enumerate(_chain_kernels(To, n, order)):
            i = order[k]
            kernels[i] = K
            parents[i] = (*xaxes, *(n + order[m] for m in range(k)))
    zaxes = tuple(range(n, 2 * n))
    if back_ok:
        back_kernels = [np.squeeze(back_margs[i], axis=tuple(n + j for j in range(n) if j != i))
                        for i in range(n)]
        back_parents = [zaxes for _ in range(n)]
    else:
        rev = tuple(reversed(order))
        Bo = np.moveaxis(back_src, [n + k for k in rev], list(range(n, 2 * n)))
        back_kernels = [None] * n
        back_parents = [None] * n
        for k, K in enumerate(_chain_kernels(Bo, n, rev)):
            i = rev[k]
            back_kernels[i] = K
            back_parents[i] = (*zaxes, *(rev[m] for m in range(k)))
    return network_entropy_production(pxf, kernels, parents, back_kernels, back_parents)
