"""Quasi-static processes hold C along a domain shift; the fixed-gamma protocol does not."""

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.special import xlogy

from thermoinfo.freeenergy import quasistatic as Q
from thermoinfo.freeenergy import solve
from thermoinfo.testing import raises_named

PYX_S = np.array([[0.9, 0.1], [0.75, 0.25], [0.3, 0.7], [0.1, 0.9]])
PYX_T = np.array([[0.95, 0.05], [0.7, 0.3], [0.2, 0.8], [0.05, 0.95]])
SOURCE = np.array([0.4, 0.3, 0.2, 0.1])[:, None] * PYX_S
TARGET = np.array([0.15, 0.25, 0.25, 0.35])[:, None] * PYX_T
TIMES = np.linspace(0.0, 1.0, 6)


def lam_schedule(t):
    return 0.3 + 0.2 * t


@pytest.fixture(scope="module")
def tabular_runs():
    return {p: Q.process((SOURCE, TARGET), lam_schedule, 3.0, 2, t=TIMES, protocol=p, rng=0)
            for p in Q.PROTOCOLS}


def _fresh_C(t, lam, gamma, seed):
    """C = H(Y|Z) of an equilibrium solved from scratch at (lam, gamma) on the
    mixture (1 - t) SOURCE + t TARGET, measured from its encoder."""
    p = (1.0 - t) * SOURCE + t * TARGET
    sol = solve(p, lam, gamma, 2, restarts=8, rng=seed)
    n = p.T @ sol.encoder
    q = n.sum(axis=0)
    return float(np.sum(xlogy(q, q)) - np.sum(xlogy(n, n))), sol


def test_tabular_quasistatic_holds_C(tabular_runs):
    """Re-solve from scratch at every reported (lam, gamma, t): C stays at its start."""
    qs, fixed = tabular_runs["quasistatic"], tabular_runs["fixed"]
    held = [_fresh_C(float(qs.t[i]), float(qs.lam[i]), float(qs.gamma[i]), 10 + i)[0]
            for i in range(qs.sizes["t"])]
    assert np.max(np.abs(np.array(held) - held[0])) < 1e-7
    drift = [_fresh_C(float(fixed.t[i]), float(fixed.lam[i]), float(fixed.gamma[i]), 30 + i)[0]
             for i in range(fixed.sizes["t"])]
    assert np.max(np.abs(np.array(drift) - drift[0])) > 3e-2
    # gamma really moved, lam followed its schedule, the fixed protocol kept gamma
    assert float(qs.gamma[0] - qs.gamma[-1]) > 1.0
    np.testing.assert_allclose(qs.lam, lam_schedule(TIMES), atol=1e-15)
    np.testing.assert_array_equal(fixed.gamma, 3.0)
    assert qs.C.attrs["units"] == "nat" and qs.attrs["protocol"] == "quasistatic"


def test_tabular_path_stays_on_the_global_equilibrium(tabular_runs):
    """Every point of the followed path is the global optimum at its (lam, gamma, t)."""
    qs = tabular_runs["quasistatic"]
    for i in (2, 5):
        C, fresh = _fresh_C(float(qs.t[i]), float(qs.lam[i]), float(qs.gamma[i]), 1)
        assert float(qs.F[i]) == pytest.approx(fresh.F, abs=1e-9)
        assert float(qs.C[i]) == pytest.approx(C, abs=1e-7)


def test_tabular_callable_path_matches_tuple():
    path = Q.mixture_path(SOURCE, TARGET)
    a = Q.process(path, 0.4, 3.0, 2, t=[0.0, 0.5], rng=0)
    b = Q.process((SOURCE, TARGET), 0.4, 3.0, 2, t=[0.0, 0.5], rng=1)
    assert float(a.gamma[-1]) == pytest.approx(float(b.gamma[-1]), abs=1e-6)


GAUSS_SOURCE = {"cov_x": [[2.0, 0.3], [0.3, 1.0]], "label_weights": [[1.0, 0.5]],
                "label_noise": [[0.2]]}
GAUSS_TARGET = {"cov_x": [[1.0, -0.2], [-0.2, 1.5]], "label_weights": [[0.4, 1.2]],
                "label_noise": [[0.3]]}


def _minimized_C(model, lam, gamma, s2, t2):
    """C at the minimum of J over linear encoders z = A x + xi, xi ~ N(0, I),
    found by a general-purpose minimizer (independent of the closed form):
    K = Cov(x|z), R = 1/2 log det(Sigma/K), D = tr K/(2 s2) + const,
    C = (tr(B K B^T) + tr Sigma_eps)/(2 t2) + 1/2 log(2 pi t2)."""
    cov, B, noise = (np.atleast_2d(np.asarray(model[k], dtype=float))
                     for k in ("cov_x", "label_weights", "label_noise"))

    def parts(a):
        A = a.reshape(2, 2)
        K = cov - cov @ A.T @ np.linalg.solve(A @ cov @ A.T + np.eye(2), A @ cov)
        R = 0.5 * (np.linalg.slogdet(cov)[1] - np.linalg.slogdet(K)[1])
        D = np.trace(K) / (2 * s2) + np.log(2 * np.pi * s2)
        C = (np.trace(B @ K @ B.T) + np.trace(noise)) / (2 * t2) + 0.5 * np.log(2 * np.pi * t2)
        return R, D, C

    def J(a):
        R, D, C = parts(a)
        return R + lam * D + gamma * C

    res = minimize(J, np.eye(2).ravel(), method="BFGS", options={"gtol": 1e-12})
    return parts(res.x)[2]


def test_gaussian_quasistatic_holds_C():
    kw = dict(t=np.linspace(0, 1, 11), decoder_variance=0.5, classifier_variance=0.8)
    qs = Q.gaussian_process((GAUSS_SOURCE, GAUSS_TARGET), lam_schedule, 2.0, protocol="quasistatic", **kw)
    fixed = Q.gaussian_process((GAUSS_SOURCE, GAUSS_TARGET), lam_schedule, 2.0, protocol="fixed", **kw)

    def measured(ds, i):
        t = float(ds.t[i])
        model = {k: (1 - t) * np.asarray(GAUSS_SOURCE[k]) + t * np.asarray(GAUSS_TARGET[k])
                 for k in GAUSS_SOURCE}
        return _minimized_C(model, float(ds.lam[i]), float(ds.gamma[i]), 0.5, 0.8)

    C0 = measured(qs, 0)
    assert max(abs(measured(qs, i) - C0) for i in (3, 6, 10)) < 1e-7
    assert abs(measured(fixed, 10) - C0) > 1e-2


def test_gaussian_callable_path():
    """A curved path (rotating, reshaping covariance) given as a callable."""
    def path(t):
        c, s = np.cos(t), np.sin(t)
        rot = np.array([[c, -s], [s, c]])
        return {"cov_x": rot @ np.diag([2.0 - t, 0.5 + t]) @ rot.T,
                "label_weights": [[1.0 - 0.5 * t, 0.2 + t]], "label_noise": [[0.1 + 0.2 * t]]}

    qs = Q.gaussian_process(path, 1.5, 2.0, t=np.linspace(0, 1.2, 7))
    fixed = Q.gaussian_process(path, 1.5, 2.0, t=np.linspace(0, 1.2, 7), protocol="fixed")

    def measured(ds, i):
        return _minimized_C(path(float(ds.t[i])), float(ds.lam[i]), float(ds.gamma[i]), 1.0, 1.0)

    C0 = measured(qs, 0)
    assert max(abs(measured(qs, i) - C0) for i in (3, 6)) < 1e-7
    assert abs(measured(fixed, 6) - C0) > 1e-2


def test_unholdable_C_raises():
    # C_0 near the floor H(Y|X) of the source; the target is noisier, so C cannot stay
    noisy = np.array([0.25, 0.25, 0.25, 0.25])[:, None] * np.array(
        [[0.6, 0.4], [0.55, 0.45], [0.45, 0.55], [0.4, 0.6]])
    with pytest.raises(RuntimeError, match=r"^the corrector did not put C back on 0\.4759\d* at t=0\.5 "):
        Q.process((SOURCE, noisy), 0.3, 8.0, 2, t=[0.0, 0.5, 1.0], rng=0)


@pytest.mark.parametrize("kwargs,name", [
    (dict(protocol="annealed"), "protocol"),
    (dict(t=[0.0, 0.5, 0.4]), "t"),
    (dict(gamma=-1.0), "gamma"),
    (dict(lam=float("nan")), "lam"),
    (dict(n_z=0), "n_z"),
])
def test_bad_input(kwargs, name):
    args = dict(path=(SOURCE, TARGET), lam=0.3, gamma=3.0, n_z=2, t=[0.0, 1.0])
    args.update(kwargs)
    with raises_named(ValueError, name):
        Q.process(**args)


def test_mixture_path_checks_tables():
    with raises_named(ValueError, "target"):
        Q.mixture_path(SOURCE, TARGET * 2)
    with raises_named(ValueError, "target"):
        Q.mixture_path(SOURCE, TARGET[:2] / TARGET[:2].sum())
    with raises_named(ValueError, "t"):
        Q.mixture_path(SOURCE, TARGET)(1.5)
