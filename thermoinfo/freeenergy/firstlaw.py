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
(dR/dD)_C is not defined (:func:`partials` reports the rank).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "PARAMETERS",
    "concavity",
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
        r.attrs = {"long_name": f"first-law residual per unit {p}", "units": "nat"}
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
        raise ValueError(f"path has no dimension {dim!r} (dims {tuple(path.dims)})")
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
        "integrand": (dim, integrand, {"long_name": "dR + lam dD + gamma dC + sigma dS per unit t",
                                        "units": "nat"}),
        "integrated": (dim, cumulative, {"long_name": "integrated first-law residual", "units": "nat"}),
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
    out.attrs = {"long_name": "Hessian of the free energy", "units": "nat"}
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
                r.attrs = {"long_name": f"(d{a}/d{q}) - (d{b}/d{p})", "units": "nat"}
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
            r.attrs = {"long_name": f"dF/d{p} - {name}", "units": "nat"}
            out[f"envelope_{p}"] = r
    return xr.Dataset(out)


def concavity(ds: Any, method: str = "auto") -> Any:
    """Largest eigenvalue of the Hessian of F at each point (<= 0 up to rounding
    where F is concave)."""
    h = hessian(ds, method)
    vals = np.linalg.eigvalsh(0.5 * (h.values + np.swapaxes(h.values, -1, -2)))
    out = h.isel(row=0, col=0, drop=True).copy(data=vals[..., -1])
    out.attrs = {"long_name": "largest eigenvalue of the Hessian of F", "units": "nat"}
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
    out = {f"implied_{p}": (template.dims, -a[..., k], {"long_name": f"-(dR/d{names[k]}) at fixed others",
                                                         "units": "1"})
           for k, p in enumerate(params)}
    out["jacobian_rank"] = (template.dims, rank.astype(np.int64),
                            {"long_name": "rank of d(conjugates)/d(multipliers)"})
    return xr.Dataset(out, coords=template.coords)
