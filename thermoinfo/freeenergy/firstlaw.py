"""The first law of learning on a free-energy surface, Maxwell relations and
heat capacities.

On the equilibrium surface F(lam, gamma, sigma) = min J with
J = R + lam D + gamma C + sigma S (Gao and Chaudhari, arXiv:2002.12406):

    envelope theorem     dF/dlam = D,  dF/dgamma = C,  dF/dsigma = S
    first law            dR + lam dD + gamma dC + sigma dS = 0 along any path
    partials             lam = -(dR/dD)_{C,S},  gamma = -(dR/dC)_{D,S},  sigma = -(dR/dS)_{C,D}
    Maxwell relations    (dD/dgamma)_lam = (dC/dlam)_gamma   (both are d2F/dlam dgamma)
                         (dD/dsigma) = (dS/dlam),  (dC/dsigma) = (dS/dgamma)
    heat capacities      d2F/dlam2 = dD/dlam, d2F/dgamma2 = dC/dgamma, ... ; F is
                         concave, so the Hessian is negative semidefinite.

The first law follows from the envelope theorem: dF = D dlam + C dgamma +
S dsigma and F = R + lam D + gamma C + sigma S give dR = -lam dD - gamma dC
- sigma dS.

Derivatives come either from the exact variables that
:func:`thermoinfo.freeenergy.sweep` stores (``dR_dlam``, ``dD_dgamma``, ...,
obtained by implicit differentiation of the self-consistent equations) or
from finite differences along the grid (fourth-order central differences on
uniform grids with at least five points, second-order ``numpy.gradient``
otherwise).

On a tabular problem with optimal decoder R = I(X;Z) = H(X) - D, so
dR = -dD identically and the first law reduces to (lam - 1) dD + gamma dC = 0:
(D, C) move along one curve, F - H(X) is homogeneous of degree one in
(lam - 1, gamma), the Hessian of F has rank one, and the partial
(dR/dD)_C is not defined (:func:`partials` reports the rank). With a fixed
noisy decoder (``solve(..., decoder=d)``) D = E[-log d(x|z)] > H(X|Z), R + D >
H(X), the Jacobian d(D, C)/d(lam, gamma) has rank two and the partials return
lam and gamma.

Exact derivatives of a tabular equilibrium (:func:`derivatives`) come from
implicit differentiation of the stationarity conditions in the joint
m(x, z) = p(x) e(z|x). At the optimal q and c (and d, if free), J is

    G(m) = H(X) + H(Z) - H(X,Z) + lam D(m) + gamma (H(Y,Z) - H(Z)),
    D(m) = H(X,Z) - H(Z)  (free decoder)   or   sum m(x, z) rho(x, z)  (fixed, rho = -log d),

minimized under sum_z m(x, z) = p(x). With B a basis of the tangent space of
these constraints, H_G the Hessian of G and g_theta = dgrad G/dtheta
(g_lam = dD/dm: -log d(x|z) or rho(x, z); g_gamma = dC/dm = -sum_y p(y|x) log c(y|z)),

    dm/dtheta = -B (B^T H_G B)^+ B^T g_theta,
    dD = g_lam . dm,  dC = g_gamma . dm,  dR = log(m(x, z)/q(z)) . dm,
    d2F/dtheta dtheta' = g_theta . dm/dtheta'.

dR is computed from the gradient of R, not from the first law. Yet at a
stationary point grad(R + lam D + gamma C) is normal to the constraints, so dR +
lam dD + gamma dC = 0 along every tangent dm, right or wrong: the exact first-law
residual and the exact partials check the solution's stationarity, not dm. The
derivatives themselves are checked against finite differences of fresh solves
(:func:`finite_difference`, ``method="fd"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from thermoinfo._attrs import variable_attrs
from thermoinfo.freeenergy._core import DEAD_MASS, Problem

__all__ = [
    "PARAMETERS",
    "Derivatives",
    "concavity",
    "derivatives",
    "envelope",
    "finite_difference",
    "gradients",
    "hessian",
    "maxwell",
    "partials",
    "path_residual",
    "residual",
]

#: multiplier -> conjugate functional
PARAMETERS = {"lam": "D", "gamma": "C", "sigma": "S"}


def finite_difference(values: np.ndarray, x: np.ndarray, axis: int = -1) -> np.ndarray:
    """d values / dx along ``axis``: fourth-order central differences on a uniform
    grid of >= 5 points (second-order one-sided at the two points next to each
    end), ``numpy.gradient`` with second-order edges otherwise."""
    values = np.asarray(values, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    n = values.shape[axis]
    if n < 2:
        raise ValueError(f"finite differences need at least 2 grid points along the axis (got {n})")
    out = np.gradient(values, x, axis=axis, edge_order=2 if n >= 3 else 1)
    steps = np.diff(x)
    if n >= 5 and np.allclose(steps, steps[0], rtol=1e-9, atol=0.0):
        h = steps[0]
        v = np.moveaxis(values, axis, -1)
        o = np.moveaxis(out, axis, -1)
        o[..., 2:-2] = (-v[..., 4:] + 8 * v[..., 3:-1] - 8 * v[..., 1:-3] + v[..., :-4]) / (12 * h)
    return out


def _swept(ds: Any) -> list[str]:
    return [p for p in PARAMETERS if p in ds.dims and ds.sizes[p] > 1]


def _fd(da: Any, dim: str) -> Any:
    axis = da.get_axis_num(dim)
    return da.copy(data=finite_difference(da.values, da[dim].values, axis=axis))


def gradients(ds: Any, method: str = "auto") -> Any:
    """First derivatives of R, D, C, S and F along every swept multiplier.

    Parameters
    ----------
    ds : xarray.Dataset
        A surface from :func:`thermoinfo.freeenergy.sweep` (or any Dataset with
        variables R, D, C, F (S optional) over some of the dims lam, gamma, sigma).
    method : {"auto", "exact", "fd"}
        "exact" uses stored exact derivatives (``dR_dlam`` ...), "fd" finite
        differences, "auto" the exact ones where stored.

    Returns
    -------
    xarray.Dataset
        Variables ``d{X}_d{p}`` for X in R, D, C, S, F and each swept p.
    """
    import xarray as xr

    if method not in ("auto", "exact", "fd"):
        raise ValueError(f"method must be 'auto', 'exact' or 'fd' (got {method!r})")
    out = {}
    for p in _swept(ds):
        for name in ("R", "D", "C", "S", "F"):
            if name not in ds:
                continue
            key = f"d{name}_d{p}"
            if method != "fd" and key in ds:
                out[key] = ds[key]
            elif method == "exact" and name != "F":
                raise ValueError(f"method='exact' needs the variable {key!r} in ds "
                                 "(sweep(..., exact_derivatives=True) stores them)")
            elif method == "exact" and name == "F":
                out[key] = ds[PARAMETERS[p]] if PARAMETERS[p] in ds else _fd(ds[name], p)
            else:
                out[key] = _fd(ds[name], p)
    return xr.Dataset(out)


def residual(ds: Any, method: str = "auto") -> Any:
    """The first-law residual dR + lam dD + gamma dC + sigma dS per unit step of
    each swept multiplier, at every grid point.

    Returns
    -------
    xarray.Dataset
        ``residual_{p}`` = dR/dp + lam dD/dp + gamma dC/dp + sigma dS/dp (nats).
    """
    import xarray as xr

    g = gradients(ds, method)
    out = {}
    for p in _swept(ds):
        r = g[f"dR_d{p}"].copy()
        for q, name in PARAMETERS.items():
            key = f"d{name}_d{p}"
            if key in g and q in ds.coords:
                r = r + ds[q] * g[key]
        r.attrs = variable_attrs(f"first-law residual per unit {p}")
        out[f"residual_{p}"] = r
    return xr.Dataset(out)


def path_residual(path: Any, dim: str = "step") -> Any:
    """First-law residual along a path of equilibria.

    Parameters
    ----------
    path : xarray.Dataset
        Variables R, D, C (S optional) and lam, gamma (sigma optional) as
        variables or coordinates over one dimension ``dim`` (the path parameter
        t). If exact derivatives ``d{X}_d{p}`` are stored, they are combined
        with the finite-difference dp/dt; otherwise dX/dt is a finite difference.

    Returns
    -------
    xarray.Dataset
        ``integrand`` = dR/dt + lam dD/dt + gamma dC/dt + sigma dS/dt and
        ``integrated`` = its trapezoidal integral from the start (nats).
    """
    import xarray as xr

    if dim not in path.dims:
        raise ValueError(f"dim must be a dimension of path (got {dim!r}; path has dims {tuple(path.dims)})")
    t = path[dim].values if dim in path.coords else np.arange(path.sizes[dim], dtype=float)
    axis_vals = {}
    for p in PARAMETERS:
        if p in path:
            axis_vals[p] = np.asarray(path[p].values, dtype=float)
    if "lam" not in axis_vals and "gamma" not in axis_vals:
        raise ValueError("path must carry lam and/or gamma along the path")
    dparam = {p: finite_difference(v, t) for p, v in axis_vals.items()}

    def ddt(name: str) -> np.ndarray:
        keys = [f"d{name}_d{p}" for p in dparam]
        if all(k in path for k in keys):
            return sum(path[f"d{name}_d{p}"].values * dparam[p] for p in dparam)
        return finite_difference(path[name].values, t)

    integrand = ddt("R")
    for p, name in PARAMETERS.items():
        if p in axis_vals and name in path:
            integrand = integrand + axis_vals[p] * ddt(name)
    cumulative = np.concatenate([[0.0], np.cumsum(0.5 * (integrand[1:] + integrand[:-1]) * np.diff(t))])
    return xr.Dataset({
        "integrand": (dim, integrand, variable_attrs("dR + lam dD + gamma dC + sigma dS per unit t")),
        "integrated": (dim, cumulative, variable_attrs("integrated first-law residual")),
    }, coords={dim: t})


def hessian(ds: Any, method: str = "auto") -> Any:
    """Second derivatives of F ("heat capacities") over the swept multipliers.

    "exact" (or "auto" where stored) uses the exact ``d2F_*`` variables, else the
    derivative of the conjugate functionals (d2F/dp dq = d(conjugate of p)/dq,
    from :func:`gradients`).

    Returns
    -------
    xarray.DataArray
        dims (..., "row", "col") with row/col labelled by the swept multipliers.
    """
    import xarray as xr

    params = _swept(ds)
    if not params:
        raise ValueError("ds sweeps none of lam, gamma, sigma over more than one value")
    g = gradients(ds, method)
    exact_names = {("lam", "lam"): "d2F_dlam2", ("gamma", "gamma"): "d2F_dgamma2",
                   ("sigma", "sigma"): "d2F_dsigma2", ("lam", "gamma"): "d2F_dlam_dgamma",
                   ("gamma", "lam"): "d2F_dlam_dgamma"}
    rows = []
    for p in params:
        cols = []
        for q in params:
            key = exact_names.get((p, q))
            if method != "fd" and key is not None and key in ds:
                cols.append(ds[key])
            else:
                cols.append(g[f"d{PARAMETERS[p]}_d{q}"])
        rows.append(xr.concat(cols, dim="col"))
    out = xr.concat(rows, dim="row").assign_coords(row=params, col=params)
    out = out.transpose(..., "row", "col")
    out.attrs = variable_attrs("Hessian of the free energy")
    return out


def maxwell(ds: Any, method: str = "fd") -> Any:
    """Maxwell relations: (dD/dgamma) - (dC/dlam), (dD/dsigma) - (dS/dlam),
    (dC/dsigma) - (dS/dgamma), for each pair of swept multipliers.

    With ``method="fd"`` both sides are finite differences of the stored
    functionals; with "exact"/"auto" stored exact derivatives are used where
    present (mixing both checks the exact derivatives against the grid).
    """
    import xarray as xr

    g = gradients(ds, method)
    params = _swept(ds)
    out = {}
    for i, p in enumerate(params):
        for q in params[i + 1:]:
            a, b = PARAMETERS[p], PARAMETERS[q]
            if f"d{a}_d{q}" in g and f"d{b}_d{p}" in g:
                r = g[f"d{a}_d{q}"] - g[f"d{b}_d{p}"]
                r.attrs = variable_attrs(f"(d{a}/d{q}) - (d{b}/d{p})")
                out[f"maxwell_{p}_{q}"] = r
    return xr.Dataset(out)


def envelope(ds: Any) -> Any:
    """Envelope theorem check: dF/dp (finite differences of F) minus the
    conjugate functional (D for lam, C for gamma, S for sigma)."""
    import xarray as xr

    out = {}
    for p in _swept(ds):
        name = PARAMETERS[p]
        if name in ds:
            r = _fd(ds["F"], p) - ds[name]
            r.attrs = variable_attrs(f"dF/d{p} - {name}")
            out[f"envelope_{p}"] = r
    return xr.Dataset(out)


def concavity(ds: Any, method: str = "auto") -> Any:
    """Largest eigenvalue of the Hessian of F at each point (<= 0 up to rounding
    where F is concave)."""
    h = hessian(ds, method)
    vals = np.linalg.eigvalsh(0.5 * (h.values + np.swapaxes(h.values, -1, -2)))
    out = h.isel(row=0, col=0, drop=True).copy(data=vals[..., -1])
    out.attrs = variable_attrs("largest eigenvalue of the Hessian of F")
    return out


def partials(ds: Any, method: str = "auto") -> Any:
    """Implied multipliers -(dR/dD)_{C,S}, -(dR/dC)_{D,S}, -(dR/dS)_{C,D}.

    The functionals conjugate to the swept multipliers are taken as coordinates:
    with J_ij = d(conjugate_i)/dp_j and g_j = dR/dp_j, the partials a solve
    g = a J. Where J is singular (rank < number of swept multipliers, as on every
    tabular surface, see the module docstring) the partials are not defined and
    are NaN; the variable ``jacobian_rank`` says where.

    Returns
    -------
    xarray.Dataset
        ``implied_{p}`` for each swept p and ``jacobian_rank``.
    """
    import xarray as xr

    params = _swept(ds)
    g = gradients(ds, method)
    names = [PARAMETERS[p] for p in params]
    jac = np.stack([np.stack([g[f"d{n}_d{p}"].values for p in params], axis=-1) for n in names], axis=-2)
    grad_r = np.stack([g[f"dR_d{p}"].values for p in params], axis=-1)
    s = np.linalg.svd(jac, compute_uv=False)
    rank = np.sum(s > 1e-8 * np.maximum(s[..., :1], 1e-300), axis=-1)
    full = rank == len(params)
    a = np.full(grad_r.shape, np.nan)
    if np.any(full):
        # g_j = sum_i a_i J_ij  ->  J^T a = g
        a[full] = np.linalg.solve(np.swapaxes(jac[full], -1, -2), grad_r[full][..., None])[..., 0]
    template = ds["R"]
    out = {f"implied_{p}": (template.dims, -a[..., k],
                            variable_attrs(f"-(dR/d{names[k]}) at fixed others", "1"))
           for k, p in enumerate(params)}
    out["jacobian_rank"] = (template.dims, rank.astype(np.int64),
                            variable_attrs("rank of d(conjugates)/d(multipliers)", units=None))
    return xr.Dataset(out, coords=template.coords)


# --------------------------------------------------------------------------- exact derivatives


@dataclass(frozen=True)
class Derivatives:
    """Exact first derivatives of R, D, C and the Hessian of F at an equilibrium.

    Attributes
    ----------
    dR, dD, dC : ndarray (2,)
        Derivatives with respect to (lam, gamma).
    hessian : ndarray (2, 2)
        Second derivatives of F in (lam, gamma); by the envelope theorem
        (dF/dlam = D, dF/dgamma = C) its rows are dD and dC.
    """

    dR: np.ndarray
    dD: np.ndarray
    dC: np.ndarray
    hessian: np.ndarray


def derivatives(p_xy: Any, solution: Any) -> Derivatives:
    """Exact (lam, gamma)-derivatives of R, D, C by implicit differentiation.

    See the module docstring for the equations: the stationarity conditions of
    G(m) in the joint m(x, z) = p(x) e(z|x) are differentiated in
    theta = (lam, gamma), dm/dtheta = -B (B^T H_G B)^+ B^T g_theta, and R, D, C
    are differentiated along dm. The pseudo-inverse runs in coordinates scaled
    by sqrt(m), so that it only drops the exact flat directions (duplicated
    latent states of a symmetric fixed point). The Hessian of F is negative
    semidefinite at a minimum (F is concave).

    Parameters
    ----------
    p_xy : array_like (n_x, n_y)
        The joint table the solution was computed for.
    solution : FreeEnergySolution
        An equilibrium from :func:`thermoinfo.freeenergy.solve` (free or fixed
        decoder).

    Returns
    -------
    Derivatives

    Raises
    ------
    ValueError
        ``p_xy`` not a 2-D distribution; ``solution`` computed for another table.
    TypeError
        ``solution`` not a FreeEnergySolution.

    Examples
    --------
    >>> import numpy as np
    >>> from thermoinfo.freeenergy import solve
    >>> p = np.array([[0.3, 0.1], [0.05, 0.25], [0.2, 0.1]])
    >>> d = np.array([[0.6, 0.1, 0.3], [0.1, 0.6, 0.3]])
    >>> der = derivatives(p, solve(p, 1.5, 3.0, decoder=d, rng=0))
    >>> bool(np.linalg.matrix_rank(der.hessian) == 2)
    True
    """
    from thermoinfo.freeenergy.tabular import FreeEnergySolution

    if not isinstance(solution, FreeEnergySolution):
        raise TypeError(f"solution must be a FreeEnergySolution from solve (got {type(solution).__name__})")
    prob = Problem(p_xy, solution.decoder if solution.fixed_decoder else None)
    if solution.encoder.shape[0] != prob.n_x:
        raise ValueError(f"solution does not belong to p_xy: its encoder has {solution.encoder.shape[0]} "
                         f"rows, p_xy has n_x = {prob.n_x}")
    return _derivatives(prob, solution)


def _derivatives(prob: Problem, solution: Any) -> Derivatives:
    """:func:`derivatives` on a checked problem."""
    from scipy.linalg import null_space

    lam, gamma = solution.lam, solution.gamma
    live = solution.prior > DEAD_MASS
    e = solution.encoder[np.ix_(prob.sx, live)]
    m = prob.px[:, None] * e
    q = m.sum(axis=0)
    n = prob.pxy.T @ e
    idx = np.argwhere(m > 0)
    xi, zi = idx[:, 0], idx[:, 1]
    mi = m[xi, zi]
    same_z = (zi[:, None] == zi[None, :]).astype(float)
    # Hessians of H(Z), H(X,Z), H(Y,Z) in m restricted to the non-zero entries
    h_z = -same_z / q[zi][:, None]
    h_xz = -np.diag(1.0 / mi)
    pyx = prob.pyx
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_n = np.where(n > 0, 1.0 / n, 0.0)  # (n_y, n_z)
    h_yz = -same_z * np.einsum("iy,jy,yi->ij", pyx[xi], pyx[xi], inv_n[:, zi])
    log_d_opt = np.log(mi) - np.log(q[zi])
    if prob.fixed:
        hess = (1.0 - gamma) * h_z - h_xz + gamma * h_yz
        g_lam = prob.rho[:, live][xi, zi]
    else:
        hess = (1.0 - lam - gamma) * h_z + (lam - 1.0) * h_xz + gamma * h_yz
        g_lam = -log_d_opt
    with np.errstate(divide="ignore"):
        log_c = np.where(n > 0, np.log(np.where(n > 0, n, 1.0)) - np.log(q)[None, :], 0.0)
    g_gamma = -np.einsum("iy,yi->i", pyx[xi], log_c[:, zi])
    g = np.stack([g_lam, g_gamma], axis=1)
    scale = np.sqrt(mi)
    a = (xi[None, :] == np.arange(prob.px.size)[:, None]) * scale[None, :]
    basis = null_space(a)
    if basis.shape[1] == 0:
        zero = np.zeros(2)
        return Derivatives(dR=zero, dD=zero, dC=zero, hessian=np.zeros((2, 2)))
    hs = scale[:, None] * hess * scale[None, :]
    gs = scale[:, None] * g
    reduced = basis.T @ hs @ basis
    du = -basis @ (np.linalg.pinv(reduced, rcond=1e-10, hermitian=True) @ (basis.T @ gs))
    dm = scale[:, None] * du
    conj = g.T @ dm                      # rows: dD, dC over (lam, gamma)
    dR = log_d_opt @ dm
    hessian = 0.5 * (conj + conj.T)
    return Derivatives(dR=dR, dD=conj[0].copy(), dC=conj[1].copy(), hessian=hessian)
