"""Hypothesis strategies for the objects of the theory layer (public API).

Distributions are drawn on the simplex with every entry either exactly zero or
at least ``min_prob`` (no subnormals), so that identities can be asserted to
1e-10 without underflow. Use them in your own property tests::

    from hypothesis import given
    from thermoinfo.testing import strategies as ts

    @given(ts.distributions(shape=(3, 4)))
    def test_entropy_bounded(p):
        assert thermoinfo.entropy(p) <= np.log(p.size) + 1e-12
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = [
    "conditionals",
    "dags",
    "distributions",
    "joint_tables",
    "shapes",
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
def dags(draw, n_nodes: int, max_parents: int | None = None) -> dict[int, tuple[int, ...]]:
    """Parent maps ``{axis: tuple of parents}`` of random DAGs over ``n_nodes`` axes.

    A random order is drawn; each node picks parents among its predecessors.
    """
    order = draw(st.permutations(range(n_nodes)))
    parents: dict[int, tuple[int, ...]] = {}
    for k, node in enumerate(order):
        before = list(order[:k])
        limit = len(before) if max_parents is None else min(max_parents, len(before))
        chosen = draw(st.lists(st.sampled_from(before), max_size=limit, unique=True)) if before else []
        parents[node] = tuple(sorted(chosen))
    return parents
