"""Model families over the axes of a joint table, with their m-projections.

The m-projection of p onto a family M is q* = argmin_{q in M} D(p || q).

* ``Product(blocks)``: q(s) = prod_b q_b(s_b). The m-projection is the product
  of p's own block marginals, q*(s) = prod_b p(s_b).
* ``BayesNet(parents)``: the factorization family of a DAG over the axes,
  q(s) = prod_i q(s_i | s_pa(i)). The m-projection keeps p's own conditionals,
  q*(s) = prod_i p(s_i | s_pa(i)); where p(s_pa(i)) = 0 the conditional is not
  fixed by p and the uniform one is used (every choice gives the same D(p||q*)).

Both families are log-linear (e-flat), so for every q in M the Pythagorean
relation D(p||q) = D(p||q*) + D(q*||q) holds (S. Amari and H. Nagaoka,
*Methods of Information Geometry*, 2000, ch. 3; S. Amari, IEEE Trans. Inf.
Theory 47, 1701 (2001), "Information geometry on hierarchy of probability
distributions").
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np

from thermoinfo._validation import resolve_axes

__all__ = ["BayesNet", "Family", "Product"]


class Family:
    """Base class of model families over the axes of a joint table.

    Subclasses implement :meth:`project_array`, the m-projection of a checked
    float64 table (``dims`` holds the dim names of a labelled input, else None).
    """

    def project_array(self, p: np.ndarray, dims: Sequence[Hashable] | None = None) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover - abstract

    def contains(self, q: np.ndarray, dims: Sequence[Hashable] | None = None, *,
                 atol: float = 1e-9) -> bool:
        """True if ``q`` lies in the family: its own m-projection returns it."""
        q = np.asarray(q, dtype=np.float64)
        return bool(np.max(np.abs(self.project_array(q, dims) - q)) <= atol)

    def is_nested_in(self, other: Family, shape: tuple[int, ...]) -> bool:
        """True if every member of ``self`` on tables of ``shape`` lies in ``other``.

        Checked on a random strictly positive member of ``self``; for the
        log-linear families here membership of a generic member decides nesting.
        """
        rng = np.random.default_rng(0)
        p = rng.random(shape) + 0.1
        q = self.project_array(p / p.sum())
        return other.contains(q, atol=1e-10)


class BayesNet(Family):
    """The factorization family of a DAG over the axes of a joint table.

    Parameters
    ----------
    parents : mapping
        ``{axis: tuple of parent axes}``; axes may be ints or, for labelled
        tables, dim names. Axes absent from the map have no parents.

    Raises
    ------
    ValueError
        If the map has a cycle, a self-loop, or parents that are not a tuple.

    Examples
    --------
    A Markov chain X0 -> X1 -> X2:

    >>> import numpy as np, thermoinfo
    >>> chain = thermoinfo.families.BayesNet({1: (0,), 2: (1,)})
    >>> p = np.full((2, 2, 2), 1 / 8)
    >>> bool(np.allclose(thermoinfo.m_projection(p, chain), p))
    True
    """

    def __init__(self, parents: Mapping[Hashable, Sequence[Hashable]] | None = None):
        parents = {} if parents is None else parents
        if not isinstance(parents, Mapping):
            raise TypeError(
                f"parents must be a mapping {{axis: tuple of parent axes}} (got {type(parents).__name__})"
            )
        clean: dict[Hashable, tuple[Hashable, ...]] = {}
        for node, pa in parents.items():
            if isinstance(pa, (str, bytes)) or not isinstance(pa, (Sequence, np.ndarray, set, frozenset)):
                raise ValueError(
                    f"parents[{node!r}] must be a tuple of parent axes (got {pa!r}); "
                    f"write {{{node!r}: ({pa!r},)}} for a single parent"
                )
            pa = tuple(pa)
            if node in pa:
                raise ValueError(f"parents has a cycle: axis {node!r} is its own parent")
            if len(set(pa)) != len(pa):
                raise ValueError(f"parents[{node!r}] repeats a parent: {pa!r}")
            clean[node] = pa
        cycle = _find_cycle(clean)
        if cycle:
            raise ValueError(
                "parents has a cycle " + " -> ".join(map(repr, cycle))
                + "; a Bayesian network needs a directed acyclic graph"
            )
        self.parents = clean

    def __repr__(self) -> str:
        return f"BayesNet({self.parents!r})"

    def resolved(self, ndim: int, dims: Sequence[Hashable] | None = None
                 ) -> dict[int, tuple[int, ...]]:
        """The parent map in integer axes for a table of ``ndim`` axes."""
        out: dict[int, tuple[int, ...]] = {i: () for i in range(ndim)}
        for node, pa in self.parents.items():
            (i,) = resolve_axes(node, ndim, "parents", dims)
            js = tuple(resolve_axes(a, ndim, "parents", dims)[0] for a in pa)
            out[i] = js
        return out

    def project_array(self, p: np.ndarray, dims: Sequence[Hashable] | None = None) -> np.ndarray:
        ndim = p.ndim
        q = np.ones(p.shape)
        for i, pa in self.resolved(ndim, dims).items():
            fam = (i, *pa)
            joint = p.sum(axis=tuple(j for j in range(ndim) if j not in fam), keepdims=True)
            par = joint.sum(axis=i, keepdims=True)
            cond = np.full(joint.shape, 1.0 / p.shape[i])
            np.divide(joint, par, out=cond, where=np.broadcast_to(par > 0, joint.shape))
            q = q * cond
        return q


class Product(Family):
    """The product family: independent blocks of axes.

    Parameters
    ----------
    blocks : sequence of sequences, optional
        Groups of axes that stay jointly distributed; axes not named form
        blocks of their own. Default: every axis independent.

    Examples
    --------
    >>> import numpy as np, thermoinfo
    >>> p = np.array([[0.4, 0.1], [0.1, 0.4]])
    >>> thermoinfo.m_projection(p, thermoinfo.families.Product())
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """

    def __init__(self, blocks: Sequence[Sequence[Hashable]] | None = None):
        if blocks is not None:
            blocks = [tuple(b) if isinstance(b, (Sequence, np.ndarray)) and not isinstance(b, str)
                      else (b,) for b in blocks]
            flat = [a for b in blocks for a in b]
            if len(set(flat)) != len(flat):
                raise ValueError(f"blocks must not share axes (got {blocks!r})")
        self.blocks = blocks

    def __repr__(self) -> str:
        return "Product()" if self.blocks is None else f"Product(blocks={self.blocks!r})"

    def resolved(self, ndim: int, dims: Sequence[Hashable] | None = None
                 ) -> list[tuple[int, ...]]:
        """The blocks as tuples of integer axes, covering every axis."""
        if self.blocks is None:
            return [(i,) for i in range(ndim)]
        out = [resolve_axes(b, ndim, "blocks", dims) for b in self.blocks]
        named = {a for b in out for a in b}
        return out + [(i,) for i in range(ndim) if i not in named]

    def project_array(self, p: np.ndarray, dims: Sequence[Hashable] | None = None) -> np.ndarray:
        q = np.ones(p.shape)
        for block in self.resolved(p.ndim, dims):
            q = q * p.sum(axis=tuple(j for j in range(p.ndim) if j not in block), keepdims=True)
        return q


def _find_cycle(parents: Mapping[Hashable, tuple[Hashable, ...]]) -> list[Hashable] | None:
    """Return a directed cycle (as a list of nodes) of the parent graph, if any."""
    white, grey, black = 0, 1, 2
    colour: dict[Hashable, int] = {}
    stack_path: list[Hashable] = []

    def visit(node: Hashable) -> list[Hashable] | None:
        colour[node] = grey
        stack_path.append(node)
        for pa in parents.get(node, ()):
            c = colour.get(pa, white)
            if c == grey:
                return [*stack_path[stack_path.index(pa):], pa]
            if c == white:
                found = visit(pa)
                if found:
                    return found
        stack_path.pop()
        colour[node] = black
        return None

    for node in list(parents):
        if colour.get(node, white) == white:
            found = visit(node)
            if found:
                return found
    return None


def as_family(family: Any, name: str = "family") -> Family:
    """Check that ``family`` is a :class:`Family`."""
    if not isinstance(family, Family):
        raise TypeError(
            f"{name} must be a thermoinfo family such as families.Product() or "
            f"families.BayesNet(parents) (got {type(family).__name__})"
        )
    return family
