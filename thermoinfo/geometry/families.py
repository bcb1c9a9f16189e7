"""Model families over the axes of a joint table, with their m-projections.

The m-projection of p onto a family M is q* = argmin_{q in M} D(p || q).

* ``Product(blocks)``: q(s) = prod_b q_b(s_b). The m-projection is the product
  of p's own block marginals, q*(s) = prod_b p(s_b).
* ``BayesNet(parents)``: the factorization family of a DAG over the axes,
  q(s) = prod_i q(s_i | s_pa(i)). The m-projection keeps p's own conditionals,
  q*(s) = prod_i p(s_i | s_pa(i)); where p(s_pa(i)) = 0 the conditional is not
  fixed by p and the uniform one is used (every choice gives the same D(p||q*)).

* ``ExponentialFamily(statistics, base_measure)``: q_theta(s) = h(s)
  exp(theta . T(s) - A(theta)) over the cells s of a table. The m-projection
  matches moments, E_q*[T] = E_p[T]: it minimizes the convex dual
  A(theta) - theta . E_p[T] (Newton's method with a backtracking line search;
  generalized iterative scaling as an alternative, J. N. Darroch and
  D. Ratcliff, Ann. Math. Stat. 43, 1470 (1972)). When E_p[T] lies on the
  boundary of the marginal polytope, q* lives on the face of cells that some
  distribution with those moments can charge; that face is found by one
  linear program and the fit runs on it.

Product and exponential families are e-flat (log-linear in their
parameters), and so is the family of a DAG without immoralities (every two
parents of a node are adjacent; such a DAG is the decomposable model of its
cliques). For an e-flat family M and every q in M the Pythagorean relation
D(p||q) = D(p||q*) + D(q*||q) holds (S. Amari and H. Nagaoka, *Methods of
Information Geometry*, 2000, ch. 3; S. Amari, IEEE Trans. Inf. Theory 47, 1701
(2001), "Information geometry on hierarchy of probability distributions").
A DAG with an immorality a -> c <- b (a, b not adjacent) makes the curved
family {a independent of b, ...}: the m-projection above is still exact, but
D(p||q) - D(p||q*) = sum_i E_p(pa_i)[D(p(.|pa_i) || q(.|pa_i))] while
D(q*||q) weighs the same terms by q*(pa_i), which differs from p(pa_i); the
Pythagorean relation then fails and ``e_flat`` is False.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

import numpy as np
from scipy.special import logsumexp

from thermoinfo._errors import ConvergenceWarning
from thermoinfo._validation import resolve_axes

__all__ = ["BayesNet", "ExponentialFamily", "Family", "Product"]


class Family:
    """Base class of model families over the axes of a joint table.

    Subclasses implement :meth:`project_array`, the m-projection of a checked
    float64 table (``dims`` holds the dim names of a labelled input, else None).
    """

    def project_array(self, p: np.ndarray, dims: Sequence[Hashable] | None = None) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover - abstract

    #: True when the family is e-flat, so that the Pythagorean relation holds
    e_flat: bool = True

    def contains(self, q: np.ndarray, dims: Sequence[Hashable] | None = None, *,
                 atol: float = 1e-9) -> bool:
        """True if ``q`` lies in the family: its own m-projection returns it."""
        q = np.asarray(q, dtype=np.float64)
        return bool(np.max(np.abs(self.project_array(q, dims) - q)) <= atol)

    def is_nested_in(self, other: Family, shape: tuple[int, ...],
                     dims: Sequence[Hashable] | None = None) -> bool:
        """True if every member of ``self`` on tables of ``shape`` lies in ``other``.

        Checked on a random strictly positive member of ``self``; for the
        log-linear families here membership of a generic member decides nesting.
        """
        rng = np.random.default_rng(0)
        p = rng.random(shape) + 0.1
        q = self.project_array(p / p.sum(), dims)
        return other.contains(q, dims, atol=1e-10)


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

    @property
    def immoralities(self) -> list[tuple[Hashable, Hashable, Hashable]]:
        """``(a, c, b)`` for every pair of non-adjacent parents a, b of a node c."""
        def adjacent(a: Hashable, b: Hashable) -> bool:
            return a in self.parents.get(b, ()) or b in self.parents.get(a, ())

        out = []
        for child, pa in self.parents.items():
            for i, a in enumerate(pa):
                out.extend((a, child, b) for b in pa[i + 1:] if not adjacent(a, b))
        return out

    @property
    def e_flat(self) -> bool:
        """True if the DAG has no immoralities (then the family is log-linear)."""
        return not self.immoralities

    def resolved(self, ndim: int, dims: Sequence[Hashable] | None = None
                 ) -> dict[int, tuple[int, ...]]:
        """The parent map in integer axes for a table of ``ndim`` axes."""
        out: dict[int, tuple[int, ...]] = {i: () for i in range(ndim)}
        for node, pa in self.parents.items():
            (i,) = resolve_axes(node, ndim, "parents", dims)
            js = tuple(resolve_axes(a, ndim, "parents", dims)[0] for a in pa)
            out[i] = js
        return out

    def factors(self, ndim: int, dims: Sequence[Hashable] | None = None
                ) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
        """``[(child axes, parent axes), ...]``: q(s) = prod q(s_child | s_parents)."""
        return [((i,), pa) for i, pa in self.resolved(ndim, dims).items()]

    def project_array(self, p: np.ndarray, dims: Sequence[Hashable] | None = None) -> np.ndarray:
        ndim = p.ndim
        conds = []
        for i, pa in self.resolved(ndim, dims).items():
            fam = (i, *pa)
            joint = p.sum(axis=tuple(j for j in range(ndim) if j not in fam), keepdims=True)
            par = joint.sum(axis=i, keepdims=True)
            cond = np.full(joint.shape, 1.0 / p.shape[i])
            np.divide(joint, par, out=cond, where=np.broadcast_to(par > 0, joint.shape))
            conds.append(cond)
        return _outer_product(conds, p.shape)


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

    def factors(self, ndim: int, dims: Sequence[Hashable] | None = None
                ) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
        """``[(block axes, ()), ...]``: q(s) = prod_b q(s_b)."""
        return [(b, ()) for b in self.resolved(ndim, dims)]

    def project_array(self, p: np.ndarray, dims: Sequence[Hashable] | None = None) -> np.ndarray:
        factors = [p.sum(axis=tuple(j for j in range(p.ndim) if j not in block), keepdims=True)
                   for block in self.resolved(p.ndim, dims)]
        return _outer_product(factors, p.shape)


class ExponentialFamily(Family):
    """An exponential family on the cells of a table.

    q_theta(s) = h(s) exp(theta . T(s) - A(theta)),  A(theta) = log sum_s h(s) exp(theta . T(s)).

    Parameters
    ----------
    statistics : array_like or callable
        Sufficient statistics T, an array of shape ``(k, *table_shape)`` (or
        ``table_shape`` for k = 1), or a callable that receives the index grids
        ``np.indices(table_shape)`` as positional arguments, one per axis, and
        returns such an array (or a sequence of k arrays).
    base_measure : array_like or callable, optional
        h(s) >= 0 of the table's shape (same conventions as ``statistics``);
        cells with h = 0 are outside every member. Default: h = 1.
    method : {"newton", "scaling"}
        m-projection solver: Newton's method on the convex dual
        A(theta) - theta . E_p[T], or generalized iterative scaling.
    tol : float
        Stop when max_j |E_q[T_j] - E_p[T_j]| <= tol and the last step
        changed log q by less than 1e-10 (for statistics so large that
        rounding exceeds ``tol``, the tolerance is 64 eps max |T|).
    max_iter : int, optional
        Iteration cap (default 200 for Newton, 100000 for scaling); a
        :class:`~thermoinfo.ConvergenceWarning` is raised when it is reached.

    Examples
    --------
    The family with statistics x, y, x*y on a 2x2 table holds every positive
    table, so the m-projection returns p:

    >>> import numpy as np, thermoinfo
    >>> fam = thermoinfo.families.ExponentialFamily(lambda x, y: [x, y, x * y])
    >>> p = np.array([[0.3, 0.2], [0.1, 0.4]])
    >>> bool(np.allclose(thermoinfo.m_projection(p, fam), p, atol=1e-12))
    True

    Without the interaction term it is the product family:

    >>> ind = thermoinfo.families.ExponentialFamily(lambda x, y: [x, y])
    >>> bool(np.allclose(thermoinfo.m_projection(p, ind), np.outer([0.5, 0.5], [0.4, 0.6])))
    True
    """

    def __init__(self, statistics: Any, base_measure: Any = None, *, method: str = "newton",
                 tol: float = 1e-12, max_iter: int | None = None):
        if not callable(statistics):
            statistics = _as_statistics(statistics, None)
        if base_measure is not None and not callable(base_measure):
            base_measure = _as_base_measure(base_measure, None)
        if method not in ("newton", "scaling"):
            raise ValueError(f"method must be 'newton' or 'scaling' (got {method!r})")
        if isinstance(tol, bool) or not isinstance(tol, (int, float, np.floating)) or not 0 < tol < 1:
            raise ValueError(f"tol must be a number in (0, 1) (got {tol!r})")
        if max_iter is not None and (isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer))
                                     or max_iter < 1):
            raise ValueError(f"max_iter must be a positive integer or None (got {max_iter!r})")
        self.statistics = statistics
        self.base_measure = base_measure
        self.method = method
        self.tol = float(tol)
        self.max_iter = max_iter

    def __repr__(self) -> str:
        k = "callable" if callable(self.statistics) else f"k={self.statistics.shape[0]}"
        return f"ExponentialFamily(statistics<{k}>, method={self.method!r})"

    @classmethod
    def from_cliques(cls, shape: Sequence[int], cliques: Sequence[Sequence[int]], **kwargs: Any
                     ) -> ExponentialFamily:
        """The hierarchical log-linear model with the given cliques of axes.

        The statistics are the indicators of every configuration of every
        clique, so the m-projection matches p's clique marginals. Cliques
        ``[(0,), (1,), ...]`` give the product family; the cliques {i} u pa(i)
        of a DAG without immoralities give its Bayesian-network family.

        Examples
        --------
        >>> import numpy as np, thermoinfo
        >>> fam = thermoinfo.families.ExponentialFamily.from_cliques((2, 3), [(0,), (1,)])
        >>> p = np.arange(6.0).reshape(2, 3) / 15
        >>> q = thermoinfo.m_projection(p, fam)
        >>> bool(np.allclose(q, thermoinfo.m_projection(p, thermoinfo.families.Product()), atol=1e-12))
        True
        """
        shape = tuple(int(n) for n in shape)
        if not shape or any(n < 1 for n in shape):
            raise ValueError(f"shape must be a non-empty tuple of positive sizes (got {shape!r})")
        rows = []
        for clique in cliques:
            axes = resolve_axes(tuple(clique), len(shape), "cliques")
            sub = tuple(shape[a] for a in axes)
            idx = np.indices(shape)
            flat = np.ravel_multi_index(tuple(idx[a] for a in axes), sub) if axes else np.zeros(shape, int)
            n_conf = int(np.prod(sub)) if axes else 1
            rows.append((flat[None] == np.arange(n_conf).reshape((-1,) + (1,) * len(shape)))
                        .astype(np.float64))
        if not rows:
            raise ValueError("cliques must name at least one clique")
        return cls(np.concatenate(rows), **kwargs)

    def arrays(self, shape: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """``(T, h)`` on a table of ``shape``: T of shape (k, n_cells), h of shape (n_cells,)."""
        shape = tuple(shape)
        T = _as_statistics(self.statistics, shape)
        if T.shape[1:] != shape:
            raise ValueError(
                f"statistics has table shape {T.shape[1:]} but the table has shape {shape}; "
                "they must match"
            )
        if self.base_measure is None:
            h = np.ones(shape)
        else:
            h = _as_base_measure(self.base_measure, shape)
            if h.shape != shape:
                raise ValueError(f"base_measure has shape {h.shape} but the table has shape {shape}")
        return T.reshape(T.shape[0], -1), h.reshape(-1)

    def member(self, theta: Any, shape: Sequence[int] | None = None) -> np.ndarray:
        """The member q_theta as a table (``shape`` is needed for callable statistics)."""
        shape = self._shape(shape)
        T, h = self.arrays(shape)
        th = np.atleast_1d(np.asarray(theta, dtype=np.float64))
        if th.shape != (T.shape[0],) or not np.all(np.isfinite(th)):
            raise ValueError(f"theta must be a finite vector of length {T.shape[0]} (got {np.shape(theta)})")
        return _member(T, h, th).reshape(shape)

    def _shape(self, shape: Sequence[int] | None) -> tuple[int, ...]:
        if shape is not None:
            return tuple(int(n) for n in shape)
        if callable(self.statistics):
            raise ValueError("shape is required when statistics is a callable")
        return tuple(self.statistics.shape[1:])

    def fit_moments(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
        """Moment matching on a checked table: ``(q*, theta, converged)``.

        ``theta`` are natural parameters of q* on its support (cells outside
        the support have q* = 0).
        """
        T, h = self.arrays(p.shape)
        q, theta, converged = _moment_match(T, h, p.reshape(-1), self.method, self.tol, self.max_iter)
        return q.reshape(p.shape), theta, converged

    def project_array(self, p: np.ndarray, dims: Sequence[Hashable] | None = None) -> np.ndarray:
        return self.fit_moments(p)[0]

    def contains(self, q: np.ndarray, dims: Sequence[Hashable] | None = None, *,
                 atol: float = 1e-9) -> bool:
        q = np.asarray(q, dtype=np.float64)
        h = self.arrays(q.shape)[1].reshape(q.shape)
        if np.any((q > 0) & (h == 0)):
            return False
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return bool(np.max(np.abs(self.project_array(q, dims) - q)) <= atol)


def _grid_call(fn: Callable[..., Any], shape: tuple[int, ...], name: str) -> np.ndarray:
    try:
        out = fn(*np.indices(shape))
        return np.asarray(np.broadcast_arrays(*out) if isinstance(out, (list, tuple)) else out,
                          dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{name}(*np.indices({shape})) failed or returned something that is not an array of "
            f"numbers: {exc}"
        ) from exc


def _as_statistics(statistics: Any, shape: tuple[int, ...] | None) -> np.ndarray:
    if callable(statistics):
        if shape is None:
            raise ValueError("statistics is callable; the table shape is needed")  # pragma: no cover
        arr = _grid_call(statistics, shape, "statistics")
        if arr.shape == shape:
            arr = arr[None]
    else:
        try:
            arr = np.asarray(statistics, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"statistics must be an array of shape (k, *table_shape) or a callable "
                f"(got {type(statistics).__name__})"
            ) from exc
        if arr.ndim < 2:
            raise ValueError(
                f"statistics must have shape (k, *table_shape) (got shape {arr.shape}); "
                "stack the k statistics along axis 0"
            )
        if shape is not None and arr.shape[1:] != shape:
            raise ValueError(
                f"statistics has table shape {arr.shape[1:]} but the table has shape {shape}; "
                "they must match"
            )
    if arr.ndim < 2 or arr.shape[0] < 1:
        raise ValueError(f"statistics must have shape (k, *table_shape) with k >= 1 (got {arr.shape})")
    if not np.all(np.isfinite(arr)):
        raise ValueError("statistics has non-finite entries (NaN or inf); sufficient statistics are finite")
    return arr


def _as_base_measure(base: Any, shape: tuple[int, ...] | None) -> np.ndarray:
    if callable(base):
        arr = _grid_call(base, shape, "base_measure")
    else:
        try:
            arr = np.asarray(base, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"base_measure must be an array of numbers (got {type(base).__name__})") from exc
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError("base_measure must be finite and >= 0 everywhere")
    if not np.any(arr > 0):
        raise ValueError("base_measure is zero everywhere; the family would be empty")
    return arr


def _member(T: np.ndarray, h: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """q_theta on the flattened cells (zero where h = 0)."""
    supp = h > 0
    q = np.zeros(h.shape)
    logits = theta @ T[:, supp] + np.log(h[supp])
    q[supp] = np.exp(logits - logsumexp(logits))
    return q


def _support_face(T: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Cells that some distribution r >= 0 with E_r[T] = mu can charge (one LP).

    maximize sum y  s.t.  sum_s r_s (T_s - mu) = 0,  y_s <= r_s,  0 <= y_s <= 1,  r_s >= 0.
    The cone of feasible r is closed under sums and scaling, so the optimum has
    y_s = 1 exactly on the union of the supports.
    """
    from scipy.optimize import linprog
    from scipy.sparse import eye, hstack

    k, n = T.shape
    a_eq = np.hstack([T - mu[:, None], np.zeros((k, n))])
    a_ub = hstack([-eye(n), eye(n)]).tocsr()
    cost = np.concatenate([np.zeros(n), -np.ones(n)])
    bounds = [(0, None)] * n + [(0, 1)] * n
    res = linprog(cost, A_ub=a_ub, b_ub=np.zeros(n), A_eq=a_eq, b_eq=np.zeros(k), bounds=bounds,
                  method="highs")
    if res.status != 0:  # pragma: no cover - mu comes from a distribution, so r = p is feasible
        raise RuntimeError(f"support linear program failed: {res.message}")
    return res.x[n:] > 0.5


def _moment_match(T: np.ndarray, h: np.ndarray, p: np.ndarray, method: str, tol: float,
                  max_iter: int | None) -> tuple[np.ndarray, np.ndarray, bool]:
    supp_h = h > 0
    if np.any(p[~supp_h] > 0):
        raise ValueError(
            "p puts mass on cells where base_measure is 0; every member of the family gives "
            "D(p||q) = inf there, so the m-projection is undefined"
        )
    mu = T @ p
    face = supp_h.copy()
    if np.any(p[supp_h] == 0):
        sub = np.flatnonzero(supp_h)
        keep = _support_face(T[:, sub], mu) | (p[sub] > 0)
        face[:] = False
        face[sub[keep]] = True
    # statistics are defined up to a constant per row: measure them from the first cell of the
    # face, so that a statistic constant on the face is exactly zero there
    Ts, hs = T[:, face], h[face]
    Ts, mu = Ts - Ts[:, :1], mu - Ts[:, 0]
    scale = max(1.0, 64 * np.finfo(float).eps * float(np.max(np.abs(T))) / tol)
    if method == "newton":
        theta, qs, ok = _newton(Ts, hs, mu, tol * scale, max_iter or 200)
    else:
        theta, qs, ok = _scaling(Ts, hs, mu, tol * scale, max_iter or 100000)
    if not ok:
        err = float(np.max(np.abs(Ts @ qs - mu)))
        warnings.warn(
            f"ExponentialFamily m-projection ({method}) stopped after its iteration cap with "
            f"moment error {err:.3g} (tolerance {tol * scale:.3g}); raise max_iter or use "
            "method='newton'", ConvergenceWarning, stacklevel=4)
    q = np.zeros(h.shape)
    q[face] = qs
    return q, theta, ok


def _dlog(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(np.log(a) - np.log(b)))) if a.size else 0.0


def _newton(T: np.ndarray, h: np.ndarray, mu: np.ndarray, tol: float, max_iter: int
            ) -> tuple[np.ndarray, np.ndarray, bool]:
    log_h = np.log(h)
    theta = np.zeros(T.shape[0])
    cutoff = 1e-14 * max(1.0, float(np.max(np.abs(T))) ** 2)

    def dual(th: np.ndarray) -> tuple[float, np.ndarray]:
        logits = th @ T + log_h
        a = logsumexp(logits)
        return float(a - th @ mu), np.exp(logits - a)

    f, q = dual(theta)
    dlog = np.inf
    for _ in range(max_iter):
        m = T @ q
        g = m - mu
        if np.max(np.abs(g)) <= tol and dlog < 1e-10:
            return theta, q, True
        centred = T - m[:, None]
        hess = (centred * q) @ centred.T
        step = _pinv_solve(hess, -g, cutoff)
        slope = float(g @ step)
        t = 1.0
        for _ in range(60):
            f_new, q_new = dual(theta + t * step)
            if f_new <= f + 1e-4 * t * slope + 1e-15 * max(1.0, abs(f)):
                break
            t *= 0.5
        dlog = _dlog(q_new, q)
        theta, f, q = theta + t * step, f_new, q_new
    return theta, q, bool(np.max(np.abs(T @ q - mu)) <= tol and dlog < 1e-10)


def _pinv_solve(hess: np.ndarray, rhs: np.ndarray, cutoff: float) -> np.ndarray:
    """Minimum-norm solution of hess x = rhs, dropping eigen-directions below ``cutoff``.

    Directions of (near) zero variance of the statistics on the face leave the
    family unchanged, so no step is taken along them.
    """
    w, v = np.linalg.eigh(hess)
    keep = w > max(cutoff, 1e-13 * float(w.max(initial=0.0)))
    return v[:, keep] @ ((v[:, keep].T @ rhs) / w[keep])


def _scaling(T: np.ndarray, h: np.ndarray, mu: np.ndarray, tol: float, max_iter: int
             ) -> tuple[np.ndarray, np.ndarray, bool]:
    """Generalized iterative scaling on the face: shift T >= 0, add a slack statistic."""
    lo = T.min(axis=1)
    shifted = T - lo[:, None]
    live = shifted.max(axis=1) > 1e-14 * max(1.0, float(np.max(np.abs(T))))
    S = shifted[live]
    target = (mu - lo)[live]
    c = float(S.sum(axis=0).max()) if S.size else 0.0
    if c > 0:
        slack = c - S.sum(axis=0)
        if slack.max() > 1e-14 * c:
            S = np.vstack([S, slack])
            target = np.append(target, c - target.sum())
    log_h = np.log(h)
    lam = np.zeros(S.shape[0])
    q = h / h.sum()
    if c == 0:
        return np.zeros(T.shape[0]), q, True
    log_target = np.log(np.maximum(target, np.finfo(float).tiny))
    for _ in range(max_iter):
        m = S @ q
        lam = lam + (log_target - np.log(m)) / c
        logits = lam @ S + log_h
        q_new = np.exp(logits - logsumexp(logits))
        dlog = _dlog(q_new, q)
        q = q_new
        if dlog < 1e-10 and np.max(np.abs(T @ q - mu)) <= tol:
            break
    else:
        return _theta_of(T, log_h, q), q, False
    return _theta_of(T, log_h, q), q, True


def _theta_of(T: np.ndarray, log_h: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Natural parameters reproducing log q - log h = theta . T + const (least squares)."""
    y = np.log(q) - log_h
    design = np.vstack([T, np.ones(T.shape[1])]).T
    sol = np.linalg.lstsq(design, y, rcond=None)[0]
    return sol[:-1]


def _outer_product(factors: Sequence[np.ndarray], shape: tuple[int, ...]) -> np.ndarray:
    """prod_f factors[f] broadcast to ``shape``, multiplied in place into one buffer."""
    out = np.empty(shape)
    if not factors:
        out.fill(1.0)
        return out
    out[...] = factors[0]
    for f in factors[1:]:
        np.multiply(out, f, out=out)
    return out


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
