"""Hypothesis strategies for the objects of the theory layer (public API).

Distributions are drawn on the simplex with every entry either exactly zero or
at least ``min_prob`` (no subnormals), so that identities can be asserted to
1e-10 without underflow. Members of model families are built from their own
random factors (block marginals, conditional tables along a DAG, natural
parameters), never through the library's projections, so that a property test
of a projection does not assume what it tests. Use them in your own property
tests::

    from hypothesis import given
    from thermoinfo.testing import strategies as ts

    @given(ts.distributions(shape=(3, 4)))
    def test_entropy_bounded(p):
        assert thermoinfo.entropy(p) <= np.log(p.size) + 1e-12
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = [
    "MALFORMED_KINDS",
    "conditionals",
    "covariances",
    "dags",
    "distributions",
    "exponential_families",
    "families",
    "family_members",
    "gaussians",
    "joint_tables",
    "malformed_tables",
    "product_blocks",
    "shapes",
    "stochastic_matrices",
]

_WEIGHTS = st.floats(min_value=0.0, max_value=1.0, allow_nan=False, allow_subnormal=False)


def _normalize(w: np.ndarray, axis: int | None, min_prob: float, positive: bool) -> np.ndarray:
    w = np.where(w < min_prob, 0.0 if not positive else min_prob, w)
    if axis is None:
        if w.sum() == 0:
            w = np.ones_like(w)
        return w / w.sum()
    s = w.sum(axis=axis, keepdims=True)
    w = np.where(s == 0, 1.0, w)
    return w / w.sum(axis=axis, keepdims=True)


@st.composite
def shapes(draw, min_dims: int = 1, max_dims: int = 3, min_side: int = 2,
           max_side: int = 4) -> tuple[int, ...]:
    """Table shapes."""
    return draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                                 max_side=max_side))


@st.composite
def distributions(draw, shape: Sequence[int] | None = None, *, positive: bool = False,
                  min_prob: float = 1e-6, max_dims: int = 3, max_side: int = 4) -> np.ndarray:
    """Probability tables of ``shape`` (drawn if None).

    Parameters
    ----------
    positive : bool
        Every entry > 0 (at least ``min_prob`` before normalization).
    min_prob : float
        Weights below it become zero (or ``min_prob`` when ``positive``).
    """
    if shape is None:
        shape = draw(shapes(max_dims=max_dims, max_side=max_side))
    w = draw(hnp.arrays(np.float64, tuple(shape), elements=_WEIGHTS))
    return _normalize(w, None, min_prob, positive)


def joint_tables(n_axes: int = 2, *, positive: bool = False, max_side: int = 4):
    """Joint tables with exactly ``n_axes`` axes."""
    return shapes(min_dims=n_axes, max_dims=n_axes, max_side=max_side).flatmap(
        lambda s: distributions(s, positive=positive)
    )


@st.composite
def conditionals(draw, n_conditions: int | None = None, n_outcomes: int | None = None, *,
                 positive: bool = False, min_prob: float = 1e-6, max_side: int = 4
                 ) -> np.ndarray:
    """Stochastic matrices ``T[x, z] = T(z|x)`` (rows sum to one)."""
    n_x = n_conditions or draw(st.integers(2, max_side))
    n_z = n_outcomes or draw(st.integers(2, max_side))
    w = draw(hnp.arrays(np.float64, (n_x, n_z), elements=_WEIGHTS))
    return _normalize(w, -1, min_prob, positive)


@st.composite
def dags(draw, n_nodes: int, max_parents: int | None = None, *, perfect: bool = False
         ) -> dict[int, tuple[int, ...]]:
    """Parent maps ``{axis: tuple of parents}`` of random DAGs over ``n_nodes`` axes.

    A random order is drawn; each node picks parents among its predecessors.
    With ``perfect=True`` the parents of every node are pairwise adjacent (no
    immoralities): the DAG's family is then e-flat and the Pythagorean
    relation holds for it.
    """
    order = draw(st.permutations(range(n_nodes)))
    parents: dict[int, tuple[int, ...]] = {}
    for k, node in enumerate(order):
        before = list(order[:k])
        limit = len(before) if max_parents is None else min(max_parents, len(before))
        chosen = draw(st.lists(st.sampled_from(before), max_size=limit, unique=True)) if before else []
        if perfect:
            clique: list[int] = []
            for c in chosen:
                if all(c in parents[d] or d in parents[c] for d in clique):
                    clique.append(c)
            chosen = clique
        parents[node] = tuple(sorted(chosen))
    return parents


def stochastic_matrices(n_rows: int | None = None, n_cols: int | None = None, *,
                        positive: bool = False, max_side: int = 4):
    """Stochastic matrices ``T[x, z] = T(z|x)``: the same draws as :func:`conditionals`."""
    return conditionals(n_rows, n_cols, positive=positive, max_side=max_side)


@st.composite
def product_blocks(draw, n_axes: int) -> list[tuple[int, ...]]:
    """A random partition of ``range(n_axes)`` into blocks (for ``families.Product``)."""
    labels = draw(st.lists(st.integers(0, n_axes - 1), min_size=n_axes, max_size=n_axes))
    blocks: dict[int, list[int]] = {}
    for axis, lab in enumerate(labels):
        blocks.setdefault(lab, []).append(axis)
    return [tuple(b) for b in blocks.values()]


@st.composite
def exponential_families(draw, shape: Sequence[int], max_statistics: int = 3,
                         with_base_measure: bool = False):
    """``families.ExponentialFamily`` on tables of ``shape`` with small integer statistics.

    Statistics take values in {-2, ..., 2}; the optional base measure is
    strictly positive (in [0.5, 2]).
    """
    from thermoinfo.geometry.families import ExponentialFamily

    shape = tuple(shape)
    k = draw(st.integers(1, max_statistics))
    stats = draw(hnp.arrays(np.int8, (k, *shape), elements=st.integers(-2, 2))).astype(np.float64)
    base = None
    if with_base_measure:
        base = draw(hnp.arrays(np.float64, shape, elements=st.floats(0.5, 2.0, allow_subnormal=False)))
    return ExponentialFamily(stats, base)


@st.composite
def families(draw, n_axes: int, shape: Sequence[int] | None = None, *, e_flat: bool = True):
    """A ``Product`` (random blocks), a ``BayesNet`` (random DAG) or, when
    ``shape`` is given, an ``ExponentialFamily`` over ``n_axes`` axes.

    With ``e_flat=True`` (the default) the DAGs have no immoralities, so every
    family drawn is e-flat.
    """
    from thermoinfo.geometry.families import BayesNet, Product

    kinds = ["product", "bayesnet"] + (["exponential"] if shape is not None else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "product":
        return Product(draw(product_blocks(n_axes)))
    if kind == "bayesnet":
        return BayesNet(draw(dags(n_axes, perfect=e_flat)))
    return draw(exponential_families(shape))


def _int_axis(axis: Any, ndim: int, what: str) -> int:
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -ndim <= axis < ndim:
        raise ValueError(f"family_members needs integer axes in [0, {ndim}) in {what} (got {axis!r})")
    return int(axis) % ndim


def _factor_shape(shape: tuple[int, ...], axes: Sequence[int]) -> tuple[int, ...]:
    """The broadcast shape of a factor over ``axes``: their sizes, 1 elsewhere."""
    return tuple(n if i in axes else 1 for i, n in enumerate(shape))


_FACTOR_WEIGHTS = st.floats(min_value=0.05, max_value=1.0, allow_subnormal=False)


@st.composite
def _factor(draw, shape: tuple[int, ...], axes: Sequence[int], child: int | None) -> np.ndarray:
    """Positive weights over ``axes`` (broadcast to ``shape``), normalized over all
    of them (a marginal) or over the ``child`` axis (a conditional table)."""
    w = draw(hnp.arrays(np.float64, _factor_shape(shape, axes), elements=_FACTOR_WEIGHTS))
    if child is None:
        return w / w.sum()
    return w / w.sum(axis=child, keepdims=True)


def _statistics_array(values: Any, shape: tuple[int, ...]) -> np.ndarray:
    if callable(values):
        values = values(*np.indices(shape))
        if isinstance(values, (list, tuple)):
            values = np.broadcast_arrays(*values)
    arr = np.asarray(values, dtype=np.float64)
    return arr[None] if arr.shape == shape else arr


@st.composite
def family_members(draw, family, shape: Sequence[int]) -> np.ndarray:
    """A random strictly positive member of ``family`` on tables of ``shape``.

    Built from the family's own parametrization, not by projecting:

    * ``Product(blocks)``: the outer product of random positive block marginals;
    * ``BayesNet(parents)``: the product of random positive conditional tables
      q(s_i | s_pa(i)) along the DAG (normalized by construction);
    * ``ExponentialFamily``: h exp(theta . T) / Z with random theta in [-2, 2]
      (cells with h = 0 get 0), evaluated here from the statistics.

    Families must name their axes by integer (labelled dims are not resolved here).
    """
    from thermoinfo.geometry.families import BayesNet, ExponentialFamily, Product

    shape = tuple(int(n) for n in shape)
    ndim = len(shape)
    if isinstance(family, ExponentialFamily):
        T = _statistics_array(family.statistics, shape)
        h = np.ones(shape) if family.base_measure is None else _statistics_array(family.base_measure, shape)
        h = h.reshape(shape)
        theta = draw(hnp.arrays(np.float64, (T.shape[0],),
                                elements=st.floats(-2.0, 2.0, allow_subnormal=False)))
        logits = np.tensordot(theta, T, axes=1)
        logits = np.where(h > 0, logits + np.log(np.where(h > 0, h, 1.0)), -np.inf)
        q = np.exp(logits - logits.max())
        return q / q.sum()
    factors = []
    if isinstance(family, Product):
        blocks = [] if family.blocks is None else [
            tuple(_int_axis(a, ndim, "blocks") for a in block) for block in family.blocks]
        named = {a for block in blocks for a in block}
        blocks += [(i,) for i in range(ndim) if i not in named]
        factors = [draw(_factor(shape, block, None)) for block in blocks]
    elif isinstance(family, BayesNet):
        parents = {_int_axis(node, ndim, "parents"): tuple(_int_axis(a, ndim, "parents") for a in pa)
                   for node, pa in family.parents.items()}
        factors = [draw(_factor(shape, (i, *parents.get(i, ())), i)) for i in range(ndim)]
    else:
        raise TypeError(
            f"family must be a Product, BayesNet or ExponentialFamily (got {type(family).__name__})"
        )
    q = np.ones(shape)
    for f in factors:
        q = q * f
    return q


@st.composite
def covariances(draw, dim: int | None = None, max_dim: int = 4) -> np.ndarray:
    """Symmetric positive-definite matrices A A^T + I/2 (entries of A in [-2, 2])."""
    n = dim or draw(st.integers(1, max_dim))
    a = draw(hnp.arrays(np.float64, (n, n), elements=st.floats(-2.0, 2.0, allow_subnormal=False)))
    cov = a @ a.T + 0.5 * np.eye(n)
    return (cov + cov.T) / 2


@st.composite
def gaussians(draw, dim: int | None = None, max_dim: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """``(mean, cov)`` pairs: means in [-3, 3], covariances from :func:`covariances`."""
    n = dim or draw(st.integers(1, max_dim))
    mean = draw(hnp.arrays(np.float64, (n,), elements=st.floats(-3.0, 3.0, allow_subnormal=False)))
    return mean, draw(covariances(n))


#: The kinds of :func:`malformed_tables`.
MALFORMED_KINDS = ("negative", "nan", "+inf", "-inf", "wrong_sum", "all_zero")


@st.composite
def malformed_tables(draw, shape: Sequence[int] | None = None, max_side: int = 4,
                     kinds: Sequence[str] = MALFORMED_KINDS) -> np.ndarray:
    """Tables that are not distributions, drawn from a valid table by one defect.

    Parameters
    ----------
    shape : sequence of int, optional
        Table shape (drawn if None).
    kinds : sequence of str
        Defects to draw from :data:`MALFORMED_KINDS`: a negative entry, a NaN, a
        +inf or -inf entry, a total off one by more than the tolerance (1e-9;
        ``wrong_sum`` keeps every entry finite and non-negative and the total
        positive, so ``normalize=True`` repairs it), or every entry zero.
    """
    unknown = set(kinds) - set(MALFORMED_KINDS)
    if not kinds or unknown:
        raise ValueError(f"kinds must be a non-empty subset of {MALFORMED_KINDS} (got {tuple(kinds)!r})")
    p = draw(distributions(shape, max_side=max_side)).copy()
    kind = draw(st.sampled_from(tuple(kinds)))
    idx = draw(st.integers(0, p.size - 1))
    flat = p.reshape(-1)
    if kind == "negative":
        flat[idx] = -draw(st.floats(1e-6, 1.0, allow_subnormal=False))
    elif kind == "nan":
        flat[idx] = np.nan
    elif kind == "+inf":
        flat[idx] = np.inf
    elif kind == "-inf":
        flat[idx] = -np.inf
    elif kind == "wrong_sum":
        factor = draw(st.one_of(st.floats(0.01, 0.99, allow_subnormal=False),
                                st.floats(1.01, 100.0, allow_subnormal=False)))
        flat *= factor
    else:
        flat[:] = 0.0
    return p
