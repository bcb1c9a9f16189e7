"""Free-energy surfaces F(lam, gamma) of tabular problems and their phase transitions.

:func:`sweep` solves J = R + lam D + gamma C (:mod:`thermoinfo.freeenergy.tabular`)
on a grid of (lam, gamma), following the branch of lowest F by continuation:
J is not jointly convex, so a branch followed from one side of a first-order
transition can be metastable on the other. Each row is swept along gamma
forwards and backwards with warm starts, each column along lam the same way,
and the lower F is kept at every point.

A phase transition between two grid points is flagged when the number of
distinct latent states in use (:func:`n_clusters`) changes, or when the exact
second derivative d2F/dtheta2 (:func:`thermoinfo.freeenergy.firstlaw.derivatives`)
jumps by more than ten times its neighbouring increments. For the doubly
symmetric binary source with crossover eps the bottleneck (lam = 0) leaves the
trivial encoder at gamma_c = 1/(1 - 2 eps)^2.

References: Y. Gao and P. Chaudhari, arXiv:2002.12406; N. Tishby, F. C. Pereira
and W. Bialek, arXiv:physics/0004057; A. A. Alemi and I. Fischer, arXiv:1807.04162.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from thermoinfo._errors import ConvergenceWarning
from thermoinfo._validation import as_rng, check_positive_int
from thermoinfo.freeenergy._core import DEAD_MASS, Problem, as_grid, check_n_z, check_tolerance
from thermoinfo.freeenergy.firstlaw import _derivatives
from thermoinfo.freeenergy.tabular import FreeEnergySolution, _solve

__all__ = ["n_clusters", "sweep"]


def n_clusters(solution: FreeEnergySolution, atol: float = 1e-6) -> int:
    """Number of distinct latent states in use: live columns of the encoder whose
    decoders and classifiers differ by more than ``atol`` (duplicated columns of
    a symmetric fixed point count once).

    Examples
    --------
    >>> import numpy as np
    >>> from thermoinfo.freeenergy import solve
    >>> p = np.array([[0.4, 0.1], [0.1, 0.4]])
    >>> n_clusters(solve(p, 0.0, 1.0, 3, rng=0)), n_clusters(solve(p, 0.0, 10.0, 3, rng=0))
    (1, 2)
    """
    if not isinstance(solution, FreeEnergySolution):
        raise TypeError(f"solution must be a FreeEnergySolution from solve (got {type(solution).__name__})")
    live = np.flatnonzero(solution.prior > DEAD_MASS)
    rows = np.concatenate([solution.decoder[live], solution.classifier[live]], axis=1)
    distinct: list[np.ndarray] = []
    for r in rows:
        if not any(np.max(np.abs(r - s)) <= atol for s in distinct):
            distinct.append(r)
    return len(distinct)


def _flag_transitions(n_cl: np.ndarray, second: np.ndarray, axis: int) -> np.ndarray:
    """True at index j along ``axis`` when a phase transition lies between j and j+1:
    the number of distinct clusters changes, or the second derivative of F jumps
    by more than ten times its neighbouring increments."""
    flag = np.zeros(n_cl.shape, dtype=bool)
    n = n_cl.shape[axis]
    if n < 2:
        return flag
    nc = np.moveaxis(n_cl, axis, -1)
    sd = np.moveaxis(second, axis, -1)
    fl = np.moveaxis(flag, axis, -1)
    fl[..., :-1] = nc[..., 1:] != nc[..., :-1]
    jump = np.abs(np.diff(sd, axis=-1))
    if n >= 4:
        for j in range(n - 1):
            neigh = [jump[..., k] for k in (j - 1, j + 1) if 0 <= k < n - 1]
            ref = np.max(np.stack(neigh), axis=0)
            fl[..., j] |= (jump[..., j] > 10.0 * ref) & (jump[..., j] > 1e-6)
    return flag


def sweep(p_xy: Any, *, lam: Any = 0.0, gamma: Any = 1.0, n_z: int | None = None,
          decoder: Any = None, sigma: Any = None, family: Any = None, family_prior: Any = None,
          restarts: int = 4, anchor_every: int = 4, rng: Any = None, tol: float = 1e-12,
          xtol: float = 1e-10, max_iter: int = 50_000, exact_derivatives: bool = True) -> Any:
    """Free-energy surface over a grid of (lam, gamma) (and sigma with a family).

    Without ``family`` every grid point is solved with the tabular solver
    (:func:`thermoinfo.freeenergy.solve`), following the branch of lowest F by
    continuation: each row of the grid is swept along gamma forwards (warm
    start from the previous point) and backwards (warm start from the next),
    then each column along lam the same way, keeping at every point the
    solution of lowest F. Every ``anchor_every``-th point of a row and its last
    point also get ``restarts`` random starts, so that the backward pass carries
    the global branch from the far end. The arguments are checked once; the
    inner solves trust them.

    With ``family`` (a sequence of candidate encoders e_k(z|x)) and ``sigma``,
    the weights of the candidates are at temperature sigma
    (:func:`thermoinfo.freeenergy.weights.tempered`) and the surface has a
    ``sigma`` dimension.

    Parameters
    ----------
    p_xy : array_like (n_x, n_y)
        Joint table.
    lam, gamma : float or 1-D array_like
        Grids of the multipliers (non-negative, finite).
    n_z : int, optional
        Latent states; default n_x (or the decoder's rows).
    decoder : array_like (n_z, n_x), optional
        A fixed decoder d(x|z) (see :func:`thermoinfo.freeenergy.solve`).
    sigma : float or 1-D array_like, optional
        Temperatures of the weights (needs ``family``).
    family : sequence of array_like (n_x, n_z), optional
        Candidate encoders.
    family_prior : array_like, optional
        Prior q(theta) over the family; default uniform.
    restarts : int
        Random starts at the anchor points of each row.
    anchor_every : int
        Spacing of the anchor points along gamma.
    rng : seed or Generator, optional
    tol, xtol, max_iter : float, float, int
        Stopping rule of every inner solve.
    exact_derivatives : bool
        Add the exact derivatives of R, D, C (implicit differentiation, see
        :func:`thermoinfo.freeenergy.firstlaw.derivatives`) as variables
        ``dR_dlam`` ... ``dC_dgamma``.

    Returns
    -------
    xarray.Dataset
        Variables R, D, C, S, J, F (dims lam, gamma[, sigma]; units "nat"),
        H, and for the solver also converged, n_iter, n_clusters,
        transition_lam, transition_gamma (True at j when a phase transition lies
        between grid points j and j+1 along that axis), d2F_dlam2, d2F_dgamma2,
        d2F_dlam_dgamma and the exact first derivatives.

    Raises
    ------
    ValueError, TypeError
        As :func:`thermoinfo.freeenergy.solve`, for every value of the grids;
        each message starts with the argument's name.

    Examples
    --------
    >>> import numpy as np
    >>> from thermoinfo.freeenergy import sweep
    >>> p = np.array([[0.3, 0.05], [0.05, 0.3], [0.15, 0.15]])
    >>> ds = sweep(p, lam=0.0, gamma=[1.0, 4.0, 16.0], rng=0)
    >>> bool(np.all(np.diff(ds.C.values[0]) <= 1e-12)), ds.F.attrs["units"]
    (True, 'nat')
    """
    import xarray as xr

    from thermoinfo._attrs import variable_attrs

    prob = Problem(p_xy, decoder)
    lams = as_grid(lam, "lam")
    gammas = as_grid(gamma, "gamma")
    if family is not None or sigma is not None:
        from thermoinfo.freeenergy.weights import tempered_surface

        if family is None or sigma is None:
            raise ValueError("sigma and family go together: pass both (candidate encoders and "
                             "the temperatures of their weights) or neither")
        if prob.fixed:
            raise ValueError("decoder is not used with a weighted family; pass one or the other")
        return tempered_surface(prob.p_xy, family, lams, gammas, as_grid(sigma, "sigma"),
                                prior=family_prior)
    default_n_z = prob.decoder.shape[0] if prob.fixed else prob.n_x
    restarts = check_positive_int(restarts, "restarts", minimum=0)
    n_z = check_n_z(default_n_z if n_z is None else n_z, prob.n_x, prob.p_y.size,
                    restarts + 4 + lams.size * gammas.size)
    if prob.fixed and n_z != prob.decoder.shape[0]:
        raise ValueError(f"decoder must have n_z = {n_z} rows (got shape {prob.decoder.shape})")
    anchor_every = check_positive_int(anchor_every, "anchor_every")
    tol = check_tolerance(tol, "tol")
    xtol = check_tolerance(xtol, "xtol")
    max_iter = check_positive_int(max_iter, "max_iter")
    gen = as_rng(rng)
    shape = (lams.size, gammas.size)
    grid: list[list[FreeEnergySolution | None]] = [[None] * shape[1] for _ in range(shape[0])]

    def solve_at(lv: float, gv: float, init: FreeEnergySolution | None, n_restarts: int
                 ) -> FreeEnergySolution:
        enc = None if init is None else init.encoder
        return _solve(prob, float(lv), float(gv), n_z, enc, tol, xtol, max_iter, n_restarts, 1e-3, gen)

    def better(a: FreeEnergySolution | None, b: FreeEnergySolution) -> FreeEnergySolution:
        if a is None or b.F < a.F - 1e-13 or (b.converged and not a.converged and b.F <= a.F + 1e-13):
            return b
        return a

    for i, lv in enumerate(lams):
        for j, gv in enumerate(gammas):
            anchor = j % anchor_every == 0 or j == shape[1] - 1
            init = grid[i][j - 1] if j > 0 else (grid[i - 1][0] if i > 0 else None)
            sol = solve_at(lv, gv, init, restarts if anchor else 0)
            grid[i][j] = better(grid[i][j], sol)
        for j in range(shape[1] - 2, -1, -1):
            grid[i][j] = better(grid[i][j], solve_at(lv, gammas[j], grid[i][j + 1], 0))
    if shape[0] > 1:
        for j, gv in enumerate(gammas):
            for i in range(1, shape[0]):
                grid[i][j] = better(grid[i][j], solve_at(lams[i], gv, grid[i - 1][j], 0))
            for i in range(shape[0] - 2, -1, -1):
                grid[i][j] = better(grid[i][j], solve_at(lams[i], gv, grid[i + 1][j], 0))
    sols = [[grid[i][j] for j in range(shape[1])] for i in range(shape[0])]
    if not all(s.converged for row in sols for s in row):
        bad = sum(not s.converged for row in sols for s in row)
        warnings.warn(f"sweep: {bad} grid points did not converge within max_iter={max_iter}; "
                      "see the 'converged' variable", ConvergenceWarning, stacklevel=2)

    def table(attr: str) -> np.ndarray:
        return np.array([[getattr(s, attr) for s in row] for row in sols])

    coords = {
        "lam": ("lam", lams, variable_attrs("multiplier of the distortion", "1")),
        "gamma": ("gamma", gammas, variable_attrs("multiplier of the classification loss", "1")),
    }
    dims = ("lam", "gamma")
    d_name = "distortion E[-log d(x|z)] (fixed decoder)" if prob.fixed else "distortion H(X|Z)"
    data = {
        "R": (dims, table("R"), variable_attrs("rate I(X;Z)")),
        "D": (dims, table("D"), variable_attrs(d_name)),
        "C": (dims, table("C"), variable_attrs("classification loss H(Y|Z)")),
        "S": (dims, np.zeros(shape), variable_attrs("weight information")),
        "J": (dims, table("J"), variable_attrs("objective R + lam D + gamma C")),
        "F": (dims, table("F"), variable_attrs("free energy min J")),
        "H": ((), prob.H, variable_attrs("entropy H(X,Y)")),
        "converged": (dims, table("converged").astype(bool), variable_attrs("solver converged", units=None)),
        "n_iter": (dims, table("n_iter").astype(np.int64), variable_attrs("iterations", units=None)),
    }
    ncl = np.array([[n_clusters(s) for s in row] for row in sols], dtype=np.int64)
    data["n_clusters"] = (dims, ncl, variable_attrs("distinct latent states in use", "1"))
    if exact_derivatives:
        der = [[_derivatives(prob, s) for s in row] for row in sols]
        for name in ("R", "D", "C"):
            arr = np.array([[getattr(d, "d" + name) for d in row] for row in der])
            data[f"d{name}_dlam"] = (dims, arr[..., 0], variable_attrs(f"exact d{name}/dlam"))
            data[f"d{name}_dgamma"] = (dims, arr[..., 1], variable_attrs(f"exact d{name}/dgamma"))
        data["dS_dlam"] = (dims, np.zeros(shape), variable_attrs("exact dS/dlam"))
        data["dS_dgamma"] = (dims, np.zeros(shape), variable_attrs("exact dS/dgamma"))
        hess = np.array([[d.hessian for d in row] for row in der])
        data["d2F_dlam2"] = (dims, hess[..., 0, 0], variable_attrs("exact d2F/dlam2"))
        data["d2F_dgamma2"] = (dims, hess[..., 1, 1], variable_attrs("exact d2F/dgamma2"))
        data["d2F_dlam_dgamma"] = (dims, hess[..., 0, 1], variable_attrs("exact d2F/dlam dgamma"))
        second_lam, second_gamma = hess[..., 0, 0], hess[..., 1, 1]
    else:
        second_lam = second_gamma = np.zeros(shape)
    data["transition_lam"] = (dims, _flag_transitions(ncl, second_lam, 0), variable_attrs(
        "phase transition between this lam and the next", units=None))
    data["transition_gamma"] = (dims, _flag_transitions(ncl, second_gamma, 1), variable_attrs(
        "phase transition between this gamma and the next", units=None))
    ds = xr.Dataset(data, coords=coords)
    ds.attrs.update({
        "title": "learning free-energy surface (exact tabular solver"
                 + (", fixed decoder)" if prob.fixed else ")"),
        "references": "Gao and Chaudhari, arXiv:2002.12406; Alemi and Fischer, arXiv:1807.04162",
        "n_z": n_z,
    })
    return ds
