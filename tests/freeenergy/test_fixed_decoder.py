"""A tabular model whose first law is not degenerate: a fixed noisy decoder.

With d(x|z) fixed, D = E[-log d(x|z)] > H(X|Z), so R + D > H(X), D and C move
independently, the Jacobian d(D, C)/d(lam, gamma) has rank two and the first
law returns the multipliers: lam = -(dR/dD)_C, gamma = -(dR/dC)_D. Every
reference here is independent of the solver: a general-purpose minimization of
J written out below, and finite differences of fresh solves."""

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.special import softmax, xlogy

from thermoinfo.freeenergy import firstlaw, solve, sweep
from thermoinfo.freeenergy.firstlaw import derivatives

P_XY = np.array([[0.20, 0.05], [0.15, 0.10], [0.05, 0.15], [0.08, 0.22]])
DECODER = np.array([[0.55, 0.25, 0.10, 0.10],     # d(x|z), indexed [z, x]
                    [0.10, 0.10, 0.55, 0.25],
                    [0.20, 0.30, 0.20, 0.30]])
LAM, GAMMA = 1.2, 3.0
H_STEP = 1e-3


def _entropy(p):
    return -float(np.sum(xlogy(p, p)))


def _functionals(e):
    """R, D, C of an encoder e[x, z] with the fixed decoder, the optimal prior and classifier."""
    px = P_XY.sum(axis=1)
    m = px[:, None] * e
    q = m.sum(axis=0)
    n = P_XY.T @ e
    R = float(np.sum(xlogy(m, m)) - np.sum(xlogy(px, px)) - np.sum(xlogy(q, q)))
    D = -float(np.sum(m * np.log(DECODER.T)))
    C = _entropy(n) - _entropy(q)
    return R, D, C


def _fresh(lam, gamma, seed=1):
    return solve(P_XY, lam, gamma, decoder=DECODER, restarts=6, rng=seed, xtol=1e-13, tol=1e-15,
                 max_iter=1_000_000)


def _five_point(fn, x, h):
    v = [fn(x + k * h) for k in (-2, -1, 1, 2)]
    return (v[0] - 8 * v[1] + 8 * v[2] - v[3]) / (12 * h)


@pytest.fixture(scope="module")
def solution():
    sol = solve(P_XY, LAM, GAMMA, decoder=DECODER, rng=0)
    assert sol.converged
    return sol


def test_fixed_decoder_minimum_against_a_general_minimizer(solution):
    def J(theta):
        R, D, C = _functionals(softmax(theta.reshape(4, 3), axis=1))
        return R + LAM * D + GAMMA * C

    rng = np.random.default_rng(0)
    best = min(minimize(J, rng.normal(size=12) * 2, method="BFGS", options={"gtol": 1e-10}).fun
               for _ in range(6))
    assert solution.F <= best + 1e-10
    assert solution.F == pytest.approx(best, abs=1e-8)
    R, D, C = _functionals(solution.encoder)
    assert (solution.R, solution.D, solution.C) == pytest.approx((R, D, C), abs=1e-12)
    np.testing.assert_array_equal(solution.decoder, DECODER)


def test_rate_plus_distortion_exceeds_the_source_entropy(solution):
    h_x = _entropy(P_XY.sum(axis=1))
    e = solution.encoder
    m = P_XY.sum(axis=1)[:, None] * e
    h_x_given_z = _entropy(m) - _entropy(m.sum(axis=0))
    assert solution.D - h_x_given_z > 0.05         # cross-entropy above H(X|Z)
    assert solution.R + solution.D - h_x > 0.05


def test_exact_derivatives_against_finite_differences_of_fresh_solves(solution):
    der = derivatives(P_XY, solution)
    for k, name in enumerate(("lam", "gamma")):
        def rdc(x, k=k):
            args = [LAM, GAMMA]
            args[k] = x
            s = _fresh(*args)
            return np.array([s.R, s.D, s.C])

        fd = _five_point(rdc, (LAM, GAMMA)[k], H_STEP)
        exact = np.array([der.dR[k], der.dD[k], der.dC[k]])
        np.testing.assert_allclose(exact, fd, rtol=0, atol=1e-8, err_msg=name)
    assert np.linalg.matrix_rank(np.array([der.dD, der.dC]), tol=1e-6) == 2
    assert np.all(np.linalg.eigvalsh(der.hessian) < -1e-3)   # strictly concave here


def test_partials_return_the_multipliers_and_maxwell_holds():
    lam = LAM + H_STEP * np.arange(-2, 3)
    gamma = GAMMA + H_STEP * np.arange(-2, 3)
    ds = sweep(P_XY, lam=lam, gamma=gamma, decoder=DECODER, rng=0, restarts=2, xtol=1e-13, tol=1e-15,
               max_iter=1_000_000)
    assert bool(ds.converged.all())
    L, G = np.meshgrid(lam, gamma, indexing="ij")
    # the exact partials hold at any stationary point whatever dm is (the first-law
    # module's docstring): they check the grid's stationarity and the rank; the
    # derivatives are checked against fresh solves above, the partials by the grid below
    exact = firstlaw.partials(ds, "exact")
    assert int(exact.jacobian_rank.min()) == 2
    np.testing.assert_allclose(exact.implied_lam, L, rtol=0, atol=1e-8)
    np.testing.assert_allclose(exact.implied_gamma, G, rtol=0, atol=1e-8)
    # finite differences of the solved grid alone (no derivative from the solver)
    fd = firstlaw.partials(ds, "fd").isel(lam=2, gamma=2)
    assert float(fd.implied_lam) == pytest.approx(LAM, abs=1e-8)
    assert float(fd.implied_gamma) == pytest.approx(GAMMA, abs=1e-8)
    # Maxwell: dD/dgamma = dC/dlam, both sides finite differences of the grid
    maxwell = firstlaw.maxwell(ds, "fd").maxwell_lam_gamma.isel(lam=2, gamma=2)
    dD_dgamma = firstlaw.gradients(ds, "fd").dD_dgamma.isel(lam=2, gamma=2)
    assert abs(float(dD_dgamma)) > 1e-3             # the relation is not 0 = 0
    assert abs(float(maxwell)) < 1e-8


def test_decoder_bad_input():
    with pytest.raises(ValueError) as exc:
        solve(P_XY, 1.0, 1.0, decoder=np.where(DECODER > 0.5, 0.0, DECODER * 2))
    assert str(exc.value).startswith("decoder")
    with pytest.raises(ValueError) as exc:
        solve(P_XY, 1.0, 1.0, decoder=DECODER[:, :3] / DECODER[:, :3].sum(axis=1, keepdims=True))
    assert str(exc.value).startswith("decoder")
    with pytest.raises(ValueError) as exc:
        solve(P_XY, 1.0, 1.0, 2, decoder=DECODER)
    assert str(exc.value).startswith("decoder")
    with pytest.raises(TypeError) as exc:
        solve(P_XY, 1.0, 1.0)
    assert str(exc.value).startswith("n_z")
