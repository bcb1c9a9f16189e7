"""The first law, the envelope theorem, Maxwell relations and the concavity of
F on exact free-energy surfaces of the tabular solver."""

import numpy as np
import pytest
import xarray as xr

from thermoinfo.freeenergy import firstlaw, solve, sweep
from thermoinfo.freeenergy.firstlaw import derivatives
from thermoinfo.testing import raises_named

H_STEP = 5e-3


@pytest.fixture(scope="module")
def surface():
    p = np.random.default_rng(3).random((4, 3))
    p /= p.sum()
    lam = 0.3 + H_STEP * np.arange(5)
    gamma = 6.0 + H_STEP * np.arange(5)
    ds = sweep(p, lam=lam, gamma=gamma, rng=0, restarts=2)
    assert bool(ds.converged.all())
    assert int(ds.n_clusters.min()) >= 2  # away from the trivial branch
    return p, ds


def _interior(da):
    return da.isel(lam=slice(2, -2), gamma=slice(2, -2))


def test_envelope_theorem(surface):
    _, ds = surface
    env = firstlaw.envelope(ds)
    assert float(abs(_interior(env.envelope_lam)).max()) < 1e-8
    assert float(abs(_interior(env.envelope_gamma)).max()) < 1e-8


def test_exact_derivatives_match_finite_differences_of_the_solved_grid(surface):
    # the solver's implicit derivatives against fourth-order differences of the
    # independently solved neighbours (a doubled or sign-flipped dm fails by far)
    _, ds = surface
    exact = firstlaw.gradients(ds, "exact")
    fd = firstlaw.gradients(ds, "fd")
    for name in ("dR_dlam", "dR_dgamma", "dD_dlam", "dD_dgamma", "dC_dlam", "dC_dgamma"):
        scale = float(abs(_interior(fd[name])).max())
        assert scale > 1e-3, name                       # not 0 = 0
        assert float(abs(_interior(exact[name] - fd[name])).max()) < 1e-7, name


def test_first_law_residual_vanishes(surface):
    _, ds = surface
    # at a stationary point grad(R + lam D + gamma C) is normal to the constraints, so
    # dR + lam dD + gamma dC vanishes along any tangent dm: the exact residual checks
    # the solutions' stationarity (the derivatives are checked above); the residual of
    # finite differences of the solved grid checks the first law itself
    exact = firstlaw.residual(ds, "exact")
    for name in ("residual_lam", "residual_gamma"):
        assert float(abs(exact[name]).max()) < 1e-8
    fd = firstlaw.residual(ds, "fd")
    for name in ("residual_lam", "residual_gamma"):
        assert float(abs(_interior(fd[name])).max()) < 1e-8
        assert fd[name].attrs["units"] == "nat"


def test_maxwell_relation(surface):
    _, ds = surface
    fd = firstlaw.maxwell(ds, "fd").maxwell_lam_gamma
    assert float(abs(_interior(fd)).max()) < 1e-8
    # exact dD/dgamma against the finite difference of C along lam
    dC_dlam = firstlaw.gradients(ds, "fd").dC_dlam
    assert float(abs(_interior(ds.dD_dgamma - dC_dlam)).max()) < 1e-8


def test_heat_capacities_exact_and_finite_differences(surface):
    _, ds = surface
    exact = firstlaw.hessian(ds, "exact")
    fd = firstlaw.hessian(ds, "fd")
    assert exact.dims == ("lam", "gamma", "row", "col")
    assert float(abs(_interior(exact - fd)).max()) < 1e-8
    # F is concave in (lam, gamma): the Hessian is negative semidefinite
    assert float(firstlaw.concavity(ds, "exact").max()) <= 1e-12
    assert float(_interior(firstlaw.concavity(ds, "fd")).max()) <= 1e-8
    assert float(exact.sel(row="lam", col="lam").max()) < 0


def test_tabular_surface_is_degenerate_and_partials_report_it(surface):
    _, ds = surface
    # with the free decoder (D, C) move along one curve: the finite-difference
    # Jacobian of the solved grid is singular, and (lam - 1) dD + gamma dC = 0
    g = firstlaw.gradients(ds, "fd").isel(lam=2, gamma=2)
    jac = np.array([[g.dD_dlam, g.dD_dgamma], [g.dC_dlam, g.dC_dgamma]], dtype=float)
    assert abs(np.linalg.det(jac)) < 1e-6 * np.linalg.norm(jac) ** 2
    lam, gamma = float(ds.lam[2]), float(ds.gamma[2])
    assert abs((lam - 1) * float(g.dD_dgamma) + gamma * float(g.dC_dgamma)) < 1e-8
    assert abs(float(g.dC_dgamma)) > 1e-3
    part = firstlaw.partials(ds, "exact")
    assert int(part.jacobian_rank.max()) == 1
    assert bool(np.isnan(part.implied_lam).all())


def test_partials_recover_the_multipliers_on_an_analytic_surface():
    # any smooth F(lam, gamma) with D = dF/dlam, C = dF/dgamma, R = F - lam D - gamma C
    lam = np.linspace(0.5, 0.7, 21)
    gamma = np.linspace(2.0, 2.2, 21)
    L, G = np.meshgrid(lam, gamma, indexing="ij")
    F = np.log1p(L) + 2 * np.log1p(G) + 0.5 * L * G / (1 + L + G)
    D = 1 / (1 + L) + 0.5 * G * (1 + G) / (1 + L + G) ** 2
    C = 2 / (1 + G) + 0.5 * L * (1 + L) / (1 + L + G) ** 2
    R = F - L * D - G * C
    ds = xr.Dataset({k: (("lam", "gamma"), v) for k, v in dict(R=R, D=D, C=C, F=F).items()},
                    coords={"lam": lam, "gamma": gamma})
    part = firstlaw.partials(ds, "fd")
    assert int(part.jacobian_rank.min()) == 2
    inner = dict(lam=slice(2, -2), gamma=slice(2, -2))
    np.testing.assert_allclose(part.implied_lam.isel(inner), L[2:-2, 2:-2], atol=1e-6)
    np.testing.assert_allclose(part.implied_gamma.isel(inner), G[2:-2, 2:-2], atol=1e-6)
    assert float(abs(firstlaw.residual(ds, "fd").residual_lam.isel(inner)).max()) < 1e-6


def test_first_law_along_a_path():
    p = np.random.default_rng(5).random((3, 3))
    p /= p.sum()
    t = np.linspace(0.0, 1.0, 9)
    lam_t, gamma_t = 0.2 + 0.3 * t, 9.0 - 3.0 * t ** 2
    sols, prev = [], None
    for lv, gv in zip(lam_t, gamma_t, strict=True):
        prev = solve(p, lv, gv, 3, init=prev, restarts=2 if prev is None else 0, rng=0)
        sols.append(prev)
    data = {k: ("step", [getattr(s, k) for s in sols]) for k in ("R", "D", "C")}
    ders = [derivatives(p, s) for s in sols]
    for name in ("R", "D", "C"):
        data[f"d{name}_dlam"] = ("step", [getattr(d, "d" + name)[0] for d in ders])
        data[f"d{name}_dgamma"] = ("step", [getattr(d, "d" + name)[1] for d in ders])
    path = xr.Dataset(data, coords={"step": t, "lam": ("step", lam_t), "gamma": ("step", gamma_t)})
    res = firstlaw.path_residual(path)
    assert float(abs(res.integrand).max()) < 1e-8        # stationarity along the path
    assert abs(float(res["integrated"][-1])) < 1e-8
    # the exact derivatives themselves: the rate of R, D, C along the path at its middle
    # against a central difference of fresh solves a step h before and after it
    k, h = 4, 1e-4
    dlam, dgamma = 0.3, -6.0 * t[k]

    def rdc(step):
        s = solve(p, lam_t[k] + step * dlam, gamma_t[k] + step * dgamma, 3, init=sols[k])
        return np.array([s.R, s.D, s.C])

    along = (rdc(h) - rdc(-h)) / (2 * h)
    exact = np.array([ders[k].dR[0] * dlam + ders[k].dR[1] * dgamma,
                      ders[k].dD[0] * dlam + ders[k].dD[1] * dgamma,
                      ders[k].dC[0] * dlam + ders[k].dC[1] * dgamma])
    assert np.all(abs(along) > 1e-3)
    np.testing.assert_allclose(exact, along, rtol=0, atol=1e-6)
    # without the exact derivatives the residual is a finite difference: small, not exact
    coarse = firstlaw.path_residual(path[["R", "D", "C"]])
    assert float(abs(coarse.integrand).max()) < 1e-2
    with raises_named(ValueError, "dim"):
        firstlaw.path_residual(path, dim="time")


def _linear_gaussian_surface(lam, gamma, exact):
    from thermoinfo.freeenergy.gaussian import linear_gaussian, linear_gaussian_differential

    cov = np.diag([3.0, 1.5, 0.8])
    labels = dict(label_weights=np.array([[1.0, -0.5, 0.3]]), label_noise=np.array([[0.2]]))
    names = ["R", "D", "C", "F"] + ([f"d{k}_d{p}" for k in "RDC" for p in ("lam", "gamma")] if exact else [])
    vals = {k: np.zeros((lam.size, gamma.size)) for k in names}
    for i, lv in enumerate(lam):
        for j, gv in enumerate(gamma):
            sol = linear_gaussian(cov, lv, gv, **labels)
            for k in "RDCF":
                vals[k][i, j] = getattr(sol, k)
            if exact:
                for p in ("lam", "gamma"):
                    d = linear_gaussian_differential(cov, lv, gv, **labels, **{f"d_{p}": 1.0})
                    for k in "RDC":
                        vals[f"d{k}_d{p}"][i, j] = d[f"d{k}"]
    return xr.Dataset({k: (("lam", "gamma"), v) for k, v in vals.items()},
                      coords={"lam": lam, "gamma": gamma})


@pytest.mark.parametrize("method", ["exact", "fd"])
def test_partials_recover_the_multipliers_on_the_linear_gaussian_model(method):
    # In the linear-Gaussian model D and C move independently (the Jacobian has
    # rank 2), so lam = -(dR/dD)_C and gamma = -(dR/dC)_D are defined: the first
    # law must return the multipliers the surface was solved at.
    n = 5 if method == "exact" else 9
    lam = np.linspace(1.0, 1.04 if method == "fd" else 1.4, n)
    gamma = np.linspace(2.0, 2.04 if method == "fd" else 2.4, n)
    ds = _linear_gaussian_surface(lam, gamma, exact=method == "exact")
    part = firstlaw.partials(ds, method)
    assert int(part.jacobian_rank.min()) == 2
    L, G = np.meshgrid(lam, gamma, indexing="ij")
    inner = (slice(2, -2), slice(2, -2)) if method == "fd" else (slice(None), slice(None))
    atol = 1e-12 if method == "exact" else 1e-6
    np.testing.assert_allclose(part.implied_lam.values[inner], L[inner], atol=atol)
    np.testing.assert_allclose(part.implied_gamma.values[inner], G[inner], atol=atol)
    res = firstlaw.residual(ds, method)
    assert float(np.abs(res.residual_lam.values[inner]).max()) < max(atol, 1e-12)
    assert float(np.abs(res.residual_gamma.values[inner]).max()) < max(atol, 1e-12)
