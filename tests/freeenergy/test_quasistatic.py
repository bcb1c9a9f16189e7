"""Quasi-static processes hold C along a domain shift; the fixed-gamma protocol does not."""

import numpy as np
import pytest

from thermoinfo.freeenergy import quasistatic as Q
from thermoinfo.freeenergy.gaussian import linear_gaussian

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


def test_tabular_quasistatic_holds_C(tabular_runs):
    qs, fixed = tabular_runs["quasistatic"], tabular_runs["fixed"]
    assert float(np.abs(qs.C_drift).max()) < 1e-6
    assert float(np.abs(fixed.C_drift).max()) > 3e-2
    # gamma really moved, lam followed its schedule, the fixed protocol kept gamma
    assert float(qs.gamma[0] - qs.gamma[-1]) > 1.0
    np.testing.assert_allclose(qs.lam, lam_schedule(TIMES), atol=1e-15)
    np.testing.assert_array_equal(fixed.gamma, 3.0)
    assert qs.C.attrs["units"] == "nat" and qs.attrs["protocol"] == "quasistatic"


def test_tabular_path_stays_on_the_global_equilibrium(tabular_runs):
    """Every point of the followed path is the global optimum at its (lam, gamma, t)."""
    from thermoinfo.freeenergy.tabular import solve

    qs = tabular_runs["quasistatic"]
    for i in (2, 5):
        t = float(qs.t[i])
        fresh = solve(Q.mixture_path(SOURCE, TARGET)(t), float(qs.lam[i]), float(qs.gamma[i]), 2,
                      restarts=8, rng=1)
        assert float(qs.F[i]) == pytest.approx(fresh.F, abs=1e-9)
        assert float(qs.C[i]) == pytest.approx(fresh.C, abs=1e-7)
        assert float(qs.F[i]) == pytest.approx(float(qs.R[i] + qs.lam[i] * qs.D[i]
                                                     + qs.gamma[i] * qs.C[i]), abs=1e-12)


def test_tabular_callable_path_matches_tuple():
    path = Q.mixture_path(SOURCE, TARGET)
    a = Q.process(path, 0.4, 3.0, 2, t=[0.0, 0.5], rng=0)
    b = Q.process((SOURCE, TARGET), 0.4, 3.0, 2, t=[0.0, 0.5], rng=1)
    assert float(a.gamma[-1]) == pytest.approx(float(b.gamma[-1]), abs=1e-6)


GAUSS_SOURCE = {"cov_x": [[2.0, 0.3], [0.3, 1.0]], "label_weights": [[1.0, 0.5]],
                "label_noise": [[0.2]]}
GAUSS_TARGET = {"cov_x": [[1.0, -0.2], [-0.2, 1.5]], "label_weights": [[0.4, 1.2]],
                "label_noise": [[0.3]]}


def test_gaussian_quasistatic_holds_C():
    kw = dict(t=np.linspace(0, 1, 11), decoder_variance=0.5, classifier_variance=0.8)
    qs = Q.gaussian_process((GAUSS_SOURCE, GAUSS_TARGET), lam_schedule, 2.0, protocol="quasistatic", **kw)
    fixed = Q.gaussian_process((GAUSS_SOURCE, GAUSS_TARGET), lam_schedule, 2.0, protocol="fixed", **kw)
    assert float(np.abs(qs.C_drift).max()) < 1e-10
    assert float(np.abs(fixed.C_drift).max()) > 1e-2
    # independent re-evaluation of the closed form at the reported (lam, gamma, t)
    for i in (4, 10):
        t = float(qs.t[i])
        model = {k: (1 - t) * np.asarray(GAUSS_SOURCE[k]) + t * np.asarray(GAUSS_TARGET[k])
                 for k in GAUSS_SOURCE}
        sol = linear_gaussian(lam=float(qs.lam[i]), gamma=float(qs.gamma[i]), decoder_variance=0.5,
                              classifier_variance=0.8, **model)
        assert sol.C == pytest.approx(float(qs.C[0]), abs=1e-10)


def test_gaussian_callable_path():
    """A curved path (rotating, reshaping covariance) given as a callable."""
    def path(t):
        c, s = np.cos(t), np.sin(t)
        rot = np.array([[c, -s], [s, c]])
        return {"cov_x": rot @ np.diag([2.0 - t, 0.5 + t]) @ rot.T,
                "label_weights": [[1.0 - 0.5 * t, 0.2 + t]], "label_noise": [[0.1 + 0.2 * t]]}

    qs = Q.gaussian_process(path, 1.5, 2.0, t=np.linspace(0, 1.2, 7))
    fixed = Q.gaussian_process(path, 1.5, 2.0, t=np.linspace(0, 1.2, 7), protocol="fixed")
    assert float(np.abs(qs.C_drift).max()) < 1e-10
    assert float(np.abs(fixed.C_drift).max()) > 1e-2


def test_unholdable_C_raises():
    # C_0 near the floor H(Y|X) of the source; the target is noisier, so C cannot stay
    noisy = np.array([0.25, 0.25, 0.25, 0.25])[:, None] * np.array(
        [[0.6, 0.4], [0.55, 0.45], [0.45, 0.55], [0.4, 0.6]])
    with pytest.raises((ValueError, RuntimeError), match="C"):
        Q.process((SOURCE, noisy), 0.3, 8.0, 2, t=[0.0, 0.5, 1.0], rng=0)


@pytest.mark.parametrize("kwargs,match", [
    (dict(protocol="annealed"), "protocol"),
    (dict(t=[0.0, 0.5, 0.4]), "increasing"),
    (dict(gamma=-1.0), "gamma"),
    (dict(lam=float("nan")), "lam"),
    (dict(n_z=0), "n_z"),
])
def test_bad_input(kwargs, match):
    args = dict(path=(SOURCE, TARGET), lam=0.3, gamma=3.0, n_z=2, t=[0.0, 1.0])
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        Q.process(**args)


def test_mixture_path_checks_tables():
    with pytest.raises(ValueError, match="target"):
        Q.mixture_path(SOURCE, TARGET * 2)
    with pytest.raises(ValueError, match="t must be in"):
        Q.mixture_path(SOURCE, TARGET)(1.5)
