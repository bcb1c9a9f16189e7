"""The exact tabular solver against exact references: fixed-point equations,
closed-form corners of J, a brute-force minimization, Blahut-Arimoto on the
binary Hamming source and the critical beta of the doubly symmetric binary
information bottleneck."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from scipy.optimize import minimize
from scipy.special import softmax, xlogy

import thermoinfo
from thermoinfo import ConvergenceWarning
from thermoinfo.freeenergy import rate_distortion, solve, sweep
from thermoinfo.freeenergy.firstlaw import derivatives
from thermoinfo.freeenergy.surface import n_clusters
from thermoinfo.testing import raises_named
from thermoinfo.testing import strategies as ts


def _random_joint(seed, shape):
    p = np.random.default_rng(seed).random(shape)
    return p / p.sum()


def _entropy(p):
    return -float(np.sum(xlogy(p, p)))


def _dsbs(eps):
    return np.array([[1 - eps, eps], [eps, 1 - eps]]) / 2


def test_solution_satisfies_the_self_consistent_equations():
    p = _random_joint(0, (5, 3))
    sol = solve(p, 0.4, 5.0, 4, rng=1)
    assert sol.converged
    e, q, d, c = sol.encoder, sol.prior, sol.decoder, sol.classifier
    px = p.sum(axis=1)
    np.testing.assert_allclose(q, px @ e, atol=1e-14)
    live = q > 0
    np.testing.assert_allclose(d[live], (px[:, None] * e).T[live] / q[live, None], atol=1e-12)
    np.testing.assert_allclose(c[live], (p.T @ e).T[live] / q[live, None], atol=1e-12)
    # e(z|x) ∝ q(z) d(x|z)^lam exp(gamma sum_y p(y|x) log c(y|z))
    pyx = p / px[:, None]
    log_e = (np.log(q[live])[None, :] + 0.4 * np.log(d[live].T)
             + 5.0 * pyx @ np.log(c[live]).T)
    np.testing.assert_allclose(e[:, live], softmax(log_e, axis=1), atol=1e-9)
    # the reported functionals are the functionals of the reported tables
    f = thermoinfo.freeenergy.functionals.functionals(p, e, q, d, c, lam=0.4, gamma=5.0)
    for name in ("R", "D", "C", "J", "H"):
        assert getattr(f, name) == pytest.approx(getattr(sol, name), abs=1e-12)


def test_corners_of_the_objective_have_closed_forms():
    # At the optimal q, d, c: J = H(X) + (lam - 1) H(X|Z) + gamma H(Y|Z).
    p = _random_joint(1, (4, 3))
    px, py = p.sum(axis=1), p.sum(axis=0)
    # gamma = 0, lam < 1: H(X|Z) is maximal, Z independent of X: F = lam H(X)
    sol = solve(p, 0.5, 0.0, 3, rng=0)
    assert sol.F == pytest.approx(0.5 * _entropy(px), abs=1e-12)
    assert sol.R == pytest.approx(0.0, abs=1e-12)
    # gamma small (below the first critical value): still the trivial solution
    sol = solve(p, 0.0, 0.2, 3, rng=0)
    assert sol.F == pytest.approx(0.2 * _entropy(py), abs=1e-12)
    # lam > 1 and n_z >= n_x: Z copies X, F = H(X) + gamma H(Y|X) = ... = H(X, Y) at gamma = 1
    sol = solve(p, 2.0, 1.0, 4, rng=0)
    assert sol.converged
    assert sol.F == pytest.approx(_entropy(p), abs=1e-10)
    assert sol.F == pytest.approx(sol.H, abs=1e-10)


@settings(max_examples=15)
@given(ts.joint_tables(positive=True, max_side=3))
def test_forward_backward_divergence_is_nonnegative(p):
    # J(1, 1) - H = KL(p(x,y) e(z|x) || q(z) d(x|z) c(y|z)) >= 0, with equality at the optimum
    sol = solve(p, 1.0, 1.0, p.shape[0], rng=0, max_iter=200, warn=False)
    assert sol.J >= sol.H - 1e-12


def _brute_force(p, lam, gamma, n_z, n_starts, seed):
    px = p.sum(axis=1)

    def objective(theta):
        e = softmax(theta.reshape(len(px), n_z), axis=1)
        m = px[:, None] * e
        q = m.sum(axis=0)
        n = p.T @ e
        h_z = _entropy(q)
        return (_entropy(px) + h_z - _entropy(m) + lam * (_entropy(m) - h_z)
                + gamma * (_entropy(n) - h_z))

    rng = np.random.default_rng(seed)
    best = np.inf
    for _ in range(n_starts):
        res = minimize(objective, rng.normal(size=len(px) * n_z) * 3, method="BFGS",
                       options={"gtol": 1e-10, "maxiter": 5000})
        best = min(best, res.fun)
    return best


def test_global_minimum_against_brute_force_minimization():
    p = _random_joint(2, (3, 2))
    for lam, gamma in [(0.0, 6.0), (0.5, 3.0)]:
        sol = solve(p, lam, gamma, 2, rng=0)
        ref = _brute_force(p, lam, gamma, 2, 8, 0)
        # no start of the general-purpose optimizer beats the solver, and it gets close
        assert sol.F <= ref + 1e-9
        assert sol.F == pytest.approx(ref, abs=1e-6)


def test_warm_start_reproduces_the_solution_and_accepts_an_encoder_table():
    p = _random_joint(3, (4, 3))
    sol = solve(p, 0.2, 8.0, 4, rng=0)
    again = solve(p, 0.2, 8.0, 4, init=sol, rng=1)
    table = solve(p, 0.2, 8.0, 4, init=sol.encoder, rng=2)
    assert again.F == pytest.approx(sol.F, abs=1e-12)
    assert table.F == pytest.approx(sol.F, abs=1e-12)
    with raises_named(ValueError, "init"):
        solve(p, 0.2, 8.0, 3, init=sol)


def test_zero_rows_and_columns_of_the_joint_table():
    p = _random_joint(4, (3, 2))
    padded = np.zeros((4, 3))
    padded[[0, 1, 3]][:, [0, 2]] = 0
    padded[np.ix_([0, 1, 3], [0, 2])] = p
    a = solve(p, 0.3, 6.0, 3, rng=0)
    b = solve(padded, 0.3, 6.0, 3, rng=0)
    for name in ("R", "D", "C", "F", "H"):
        assert getattr(b, name) == pytest.approx(getattr(a, name), abs=1e-11)
    assert b.encoder.shape == (4, 3) and b.classifier.shape == (3, 3)
    np.testing.assert_allclose(b.encoder.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(b.classifier[:, 1], 0.0)


def test_convergence_warning():
    p = _random_joint(5, (4, 3))
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        sol = solve(p, 0.1, 7.0, 4, max_iter=3, rng=0)
    assert not sol.converged and sol.n_iter == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert solve(p, 0.1, 7.0, 4, rng=0).converged


def test_binary_hamming_rate_distortion():
    # R(D) = log 2 - h(D), D = 1 / (1 + e^lam)
    for lam in (0.5, 2.0, 5.0):
        rd = rate_distortion([0.5, 0.5], 1.0 - np.eye(2), lam)
        D = 1.0 / (1.0 + np.exp(lam))
        assert rd.converged
        assert rd.D == pytest.approx(D, abs=1e-12)
        assert rd.R == pytest.approx(np.log(2) + D * np.log(D) + (1 - D) * np.log(1 - D), abs=1e-12)
        np.testing.assert_allclose(rd.encoder.sum(axis=1), 1.0)
    # a fixed decoder d enters as rho = -log d; below the critical slope the rate is zero
    rd = rate_distortion([0.5, 0.5], 1.0 - np.eye(2), 0.0)
    assert rd.R == pytest.approx(0.0, abs=1e-15) and rd.D == pytest.approx(0.5)


def test_dsbs_bottleneck_transition_at_the_critical_beta():
    # Doubly symmetric binary source with crossover eps: the information
    # bottleneck (lam = 0, gamma = beta) leaves the trivial solution at
    # beta_c = 1 / (1 - 2 eps)^2 (the inverse squared maximal correlation).
    eps = 0.2
    beta_c = 1.0 / (1.0 - 2.0 * eps) ** 2
    gammas = beta_c + np.array([-0.45, -0.25, -0.05, 0.05, 0.25, 0.45])
    ds = sweep(_dsbs(eps), lam=0.0, gamma=gammas, n_z=2, rng=0, restarts=1)
    below = gammas < beta_c
    np.testing.assert_allclose(ds.R.values[0, below], 0.0, atol=1e-12)
    assert np.all(ds.R.values[0, ~below] > 1e-3)
    np.testing.assert_array_equal(ds.n_clusters.values[0], np.where(below, 1, 2))
    flagged = ds.gamma.values[ds.transition_gamma.values[0]]
    np.testing.assert_allclose(flagged, [gammas[2]])
    # F is concave in gamma along the sweep and follows F' = C
    assert np.all(np.diff(ds.C.values[0]) <= 1e-12)


def test_sweep_dataset_layout_and_continuation():
    p = _random_joint(6, (4, 2))
    ds = sweep(p, lam=[0.0, 0.3], gamma=[1.0, 3.0, 9.0], rng=0, restarts=2)
    assert dict(ds.sizes) == {"lam": 2, "gamma": 3}
    for name in ("R", "D", "C", "S", "J", "F"):
        assert ds[name].dims == ("lam", "gamma")
        assert ds[name].attrs["units"] == "nat" and ds[name].attrs["long_name"]
    assert bool(ds.converged.all())
    # continuation is never worse than independent random restarts
    for i, lam in enumerate(ds.lam.values):
        for j, gamma in enumerate(ds.gamma.values):
            single = solve(p, lam, gamma, 4, rng=5)
            assert ds.F.values[i, j] <= single.F + 1e-10


def test_exact_derivatives_match_finite_differences():
    p = _random_joint(7, (4, 3))
    sol = solve(p, 0.3, 12.0, 4, rng=0)
    der = derivatives(p, sol)
    h = 1e-4
    fd = {}
    for k, (dl, dg) in enumerate([(h, 0.0), (0.0, h)]):
        plus = solve(p, 0.3 + dl, 12.0 + dg, 4, init=sol, jitter=0.0)
        minus = solve(p, 0.3 - dl, 12.0 - dg, 4, init=sol, jitter=0.0)
        fd[k] = [(getattr(plus, n) - getattr(minus, n)) / (2 * h) for n in "RDC"]
    np.testing.assert_allclose(der.dR, [fd[0][0], fd[1][0]], rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(der.dD, [fd[0][1], fd[1][1]], rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(der.dC, [fd[0][2], fd[1][2]], rtol=1e-5, atol=1e-8)
    assert np.all(np.linalg.eigvalsh(der.hessian) <= 1e-12)
    assert n_clusters(sol) == 3
    assert np.linalg.eigvalsh(der.hessian)[0] < -1e-3


@pytest.mark.parametrize("kwargs, name", [
    ({"lam": -0.1}, "lam"), ({"lam": np.nan}, "lam"), ({"gamma": -1.0}, "gamma"),
    ({"gamma": np.nan}, "gamma"), ({"gamma": np.inf}, "gamma"), ({"n_z": 0}, "n_z"),
    ({"p_xy": np.array([[0.5, 0.6], [0.0, 0.0]])}, "p_xy"),
    ({"p_xy": np.array([[0.5, -0.1], [0.6, 0.0]])}, "p_xy"),
    ({"p_xy": np.array([0.5, 0.5])}, "p_xy"),
])
def test_bad_input_names_the_argument(kwargs, name):
    args = {"p_xy": np.full((2, 2), 0.25), "lam": 0.1, "gamma": 1.0, "n_z": 2, **kwargs}
    with raises_named(ValueError, name):
        solve(args.pop("p_xy"), args.pop("lam"), args.pop("gamma"), args.pop("n_z"))
    if name in ("lam", "gamma"):
        with raises_named(ValueError, name):
            sweep(np.full((2, 2), 0.25), **{name: [1.0, kwargs[name]]})
        if name == "lam":
            with raises_named(ValueError, "lam"):
                rate_distortion([0.5, 0.5], 1.0 - np.eye(2), kwargs[name])


def test_rate_distortion_bad_input():
    with raises_named(ValueError, "p_x"):
        rate_distortion([0.5, 0.6], 1.0 - np.eye(2), 1.0)
    with raises_named(ValueError, "distortion"):
        rate_distortion([0.5, 0.5], np.ones((3, 2)), 1.0)
    with raises_named(ValueError, "distortion") as check:
        rate_distortion([0.5, 0.5], np.array([[0.0, np.nan], [1.0, 0.0]]), 1.0)
    assert "non-finite" in str(check.value)
    with raises_named(ValueError, "sigma") as check:
        sweep(np.full((2, 2), 0.25), sigma=[1.0])
    assert "sigma and family go together" in str(check.value)


@pytest.mark.parametrize("seed", [8, 11])
def test_backward_continuation_carries_the_global_branch(seed):
    # Random starts only at the two ends of the row: the branch followed forwards
    # from gamma = 1 is metastable at larger gamma, and only the backward pass from
    # the (restarted) last point reaches the global minimum in between.
    rng = np.random.default_rng(seed)
    p = rng.random((5, 3)) ** 3
    p /= p.sum()
    gammas = np.linspace(1.0, 30.0, 12)
    ds = sweep(p, lam=0.3, gamma=gammas, n_z=3, restarts=6, anchor_every=100, rng=0,
               exact_derivatives=False)
    best = np.array([solve(p, 0.3, g, 3, restarts=12, rng=1).F for g in gammas])
    np.testing.assert_allclose(ds.F.values[0], best, rtol=0, atol=1e-9)
