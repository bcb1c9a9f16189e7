"""Shared pieces of the symbolic layer: symbolic tables and lambdify.

A symbolic table is any array of sympy expressions (a ``sympy.Array``, a
``sympy.Matrix``, nested lists, an object ndarray). Internally it is held as a
numpy object array, so marginals and outer products are plain numpy reductions
whose entries are sympy sums and products; results are returned as
``sympy.Array`` (``.tomatrix()`` gives a Matrix for 2-D tables).

Logarithms are written as ``p * log(p)``, so the lambdified expressions hold on
the interior of the simplex (every entry > 0); the numeric functions of
:mod:`thermoinfo.geometry` treat the boundary (0 log 0 = 0, support mismatch
= inf).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import sympy as sp

from thermoinfo._validation import ATOL

__all__ = ["as_object_array", "lambdify", "probability_table", "to_sympy", "vanishes_identically"]


def _sympify(x: Any, name: str) -> sp.Expr:
    try:
        expr = sp.sympify(x, strict=True)
    except sp.SympifyError as exc:
        raise TypeError(
            f"{name} must hold numbers or sympy expressions (got an entry {x!r} of type "
            f"{type(x).__name__}); build symbols with sympy.symbols"
        ) from exc
    if not isinstance(expr, sp.Expr):
        raise TypeError(f"{name} must hold sympy expressions (got {type(expr).__name__})")
    return expr


def as_object_array(p: Any, name: str = "p", *, ndim: int | None = None,
                    check: bool = True) -> np.ndarray:
    """Return a symbolic table as a numpy object array of sympy expressions.

    Entries that are numbers are checked: a negative entry, or a table whose
    entries are all numbers and do not sum to one within ``ATOL``, raises
    ``ValueError`` naming the argument. Symbolic entries are taken as given;
    :func:`probability_table` builds normalized ones.
    """
    if isinstance(p, (str, bytes)) or p is None:
        raise TypeError(f"{name} must be a table of sympy expressions (got {type(p).__name__})")
    if isinstance(p, sp.MatrixBase):
        data = p.tolist()
    elif isinstance(p, sp.NDimArray):
        data = p.tolist() if p.rank() > 0 else p[()]
    else:
        data = p
    arr = np.array(data, dtype=object)
    if arr.size == 0:
        raise ValueError(f"{name} is empty; a table needs at least one entry")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D table (got shape {arr.shape})")
    flat = [_sympify(x, name) for x in arr.ravel()]
    out = np.empty(arr.shape, dtype=object)
    out.ravel()[:] = flat
    if check:
        for x in flat:
            if x.is_number and (x.is_extended_negative or not x.is_finite):
                raise ValueError(f"{name} has an entry {x} that is negative or not finite; "
                                 "probabilities must be >= 0")
        if all(x.is_number for x in flat):
            total = float(sp.Add(*flat))
            if abs(total - 1.0) > ATOL:
                raise ValueError(f"{name} must sum to 1 (got {total:.12g})")
    return out


def to_sympy(arr: np.ndarray) -> sp.ImmutableDenseNDimArray:
    """An object array as a ``sympy.Array`` of the same shape."""
    return sp.ImmutableDenseNDimArray(list(arr.ravel()), arr.shape)


def probability_table(name: str, shape: int | Sequence[int]
                      ) -> tuple[sp.ImmutableDenseNDimArray, tuple[sp.Symbol, ...]]:
    """A parametric probability table that sums to one by construction.

    The entries in C order are positive symbols ``name_i_j...`` except the
    last, which is one minus the sum of the others.

    Parameters
    ----------
    name : str
        Stem of the symbol names.
    shape : int or tuple of int
        Shape of the table (at least two entries).

    Returns
    -------
    table : sympy.Array
        The table.
    params : tuple of sympy.Symbol
        Its free parameters in C order (``prod(shape) - 1`` of them), the
        argument order for :func:`lambdify`.

    Examples
    --------
    >>> from thermoinfo.symbolic.geometry import probability_table
    >>> p, params = probability_table("p", (2, 2))
    >>> p.tolist()
    [[p_0_0, p_0_1], [p_1_0, -p_0_0 - p_0_1 - p_1_0 + 1]]
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be a Python identifier used as a symbol stem (got {name!r})")
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if not all(isinstance(n, (int, np.integer)) and n >= 1 for n in shape) or not shape:
        raise ValueError(f"shape must be a tuple of positive ints (got {shape!r})")
    size = int(np.prod(shape))
    if size < 2:
        raise ValueError(f"shape {shape} has one entry; a parametric table needs at least two")
    idx = list(np.ndindex(*shape))
    params = tuple(sp.Symbol(f"{name}_" + "_".join(map(str, i)), positive=True) for i in idx[:-1])
    entries = [*params, 1 - sp.Add(*params)]
    return sp.ImmutableDenseNDimArray(entries, shape), params


def vanishes_identically(expr: Any) -> bool:
    """Prove that ``expr`` is identically zero on the interior of the simplex.

    Logarithms of products and quotients are split with
    ``expand_log(force=True)`` (valid when every log argument is positive, as
    on the interior), each remaining ``log(...)`` is replaced by an independent
    symbol, and the result is reduced with ``cancel`` as a rational function.
    ``True`` is a proof; ``False`` means this reduction does not reach zero.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermoinfo.symbolic.geometry import vanishes_identically
    >>> a, b = sp.symbols("a b", positive=True)
    >>> vanishes_identically(sp.log(a / b) - sp.log(a) + sp.log(b))
    True
    """
    e = sp.expand_log(_sympify(expr, "expr"), force=True)
    logs = sorted(e.atoms(sp.log), key=sp.default_sort_key)
    e = e.xreplace({lg: sp.Dummy() for lg in logs})
    return bool(sp.cancel(sp.expand(e)) == 0)


def lambdify(args: Any, expr: Any, modules: str = "numpy") -> Callable[..., Any]:
    """Compile a sympy expression into a numeric function.

    Parameters
    ----------
    args : symbol or sequence of symbols
        Argument order of the compiled function.
    expr : sympy expression, Matrix or Array
        What to compute. A table comes back as an array whose leading axes
        are the table's and whose trailing axes are the broadcast shape of
        the arguments (a flat list for ``"mpmath"``).
    modules : {"numpy", "jax", "scipy", "mpmath"}
        Numeric backend. ``"jax"`` compiles to ``jax.numpy`` calls and needs
        jax installed; jax is imported only when this backend is asked for.

    Returns
    -------
    callable
        ``f(*values)``; numpy arguments broadcast elementwise.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermoinfo.symbolic.geometry import lambdify
    >>> x = sp.Symbol("x", positive=True)
    >>> f = lambdify([x], x * sp.log(x))
    >>> round(float(f(2.0)), 6)
    1.386294
    """
    allowed = ("numpy", "jax", "scipy", "mpmath")
    if modules not in allowed:
        raise ValueError(f"modules must be one of {allowed} (got {modules!r})")
    if modules == "jax":
        try:
            import jax  # noqa: F401
        except ImportError as exc:
            raise ImportError("modules='jax' needs jax: pip install jax") from exc
    if isinstance(expr, (sp.NDimArray, sp.MatrixBase)):
        table = sp.Array(expr)
        shape = tuple(table.shape)
        inner = sp.lambdify(args, list(sp.flatten(table.tolist())), modules=modules)
        if modules == "mpmath":
            return inner
        if modules == "jax":
            import jax.numpy as xp
        else:
            xp = np

        def table_fn(*values: Any) -> Any:
            leaves = xp.broadcast_arrays(*[xp.asarray(v) for v in inner(*values)])
            return xp.stack(leaves).reshape(shape + leaves[0].shape)

        return table_fn
    return sp.lambdify(args, expr, modules=modules)
