"""The symbolic twin proves the first law, the envelope theorem and the Maxwell
relation, and its lambdified expressions match the numeric closed forms."""

import numpy as np
import pytest
import sympy as sp

from thermoinfo.freeenergy import discrete as H
from thermoinfo.freeenergy import gaussian as G
from thermoinfo.symbolic import freeenergy as S


@pytest.fixture(scope="module")
def models():
    return {"gaussian_rate_distortion": S.gaussian_rate_distortion(), "hamming": S.hamming(),
            "linear_gaussian": S.linear_gaussian()}


@pytest.mark.parametrize("name", ["gaussian_rate_distortion", "hamming", "linear_gaussian"])
def test_identities_are_proven(models, name):
    model = models[name]
    proven = model.prove()
    expected = {"stationarity", "envelope_lam", "first_law_lam", "F_is_J_at_optimum"}
    if model.gamma is None:
        expected |= {"slope_lam_is_minus_dR_dD"}
    else:
        expected |= {"envelope_gamma", "first_law_gamma", "maxwell", "maxwell_F"}
    assert set(proven) == expected
    assert all(proven.values()), proven
    # the stationary point is a minimum of J
    curvature = sp.simplify(sp.diff(model.J, model.encoder, 2).subs(model.encoder, model.optimum))
    if name == "hamming":                              # M = 1 + k with k > 0
        M = model.parameters[1]
        curvature = curvature.subs(M, 1 + sp.Symbol("k", positive=True))
    assert curvature.is_positive


def test_false_identities_are_not_proven(models):
    """The prover is not vacuous: wrong relations do not reduce to zero."""
    lg = models["linear_gaussian"]
    assert not S._is_zero(sp.diff(lg.F, lg.lam) - lg.C)
    assert not S._is_zero(sp.diff(lg.D, lg.lam) - sp.diff(lg.C, lg.gamma))
    ham = models["hamming"]
    assert not S._is_zero(sp.diff(ham.F, ham.lam) - ham.R)


def test_gaussian_rate_distortion_matches_numeric(models):
    model = models["gaussian_rate_distortion"]
    f = {k: model.lambdify(k) for k in ("R", "D", "F")}
    for lam, sigma2, s2 in [(1.0, 2.0, 1.0), (3.5, 0.7, 0.4), (0.9, 5.0, 2.0)]:
        assert lam > s2 / sigma2                       # the active branch
        sol = G.linear_gaussian([[sigma2]], lam, decoder_variance=s2)
        for key in f:
            assert f[key](lam, sigma2, s2) == pytest.approx(getattr(sol, key), abs=1e-12)


@pytest.mark.parametrize("M", [2, 3, 5])
def test_hamming_matches_numeric(models, M):
    model = models["hamming"]
    for lam in (0.2, 1.0, 4.0):
        sol = H.hamming_free_energy(lam, n_symbols=M)
        for key in ("R", "D", "F"):
            assert model.lambdify(key)(lam, M) == pytest.approx(getattr(sol, key), abs=1e-12)
        assert model.lambdify("optimum")(lam, M) == pytest.approx(sol.D, abs=1e-12)


def test_linear_gaussian_matches_numeric(models):
    model = models["linear_gaussian"]
    rng = np.random.default_rng(0)
    for _ in range(5):
        sigma2, b, nu, s2, t2 = rng.uniform(0.5, 2.0, size=5)
        lam, gamma = rng.uniform(1.0, 3.0, size=2)
        args = (lam, gamma, sigma2, b, nu, s2, t2)
        kw = dict(label_weights=[[b]], label_noise=[[nu]], decoder_variance=s2, classifier_variance=t2)
        sol = G.linear_gaussian([[sigma2]], lam, gamma, **kw)
        assert sol.gains[0] > 0.5                      # the active branch
        for key in ("R", "D", "C", "F"):
            assert model.lambdify(key)(*args) == pytest.approx(getattr(sol, key), abs=1e-12)
        assert model.lambdify("optimum")(*args) == pytest.approx(sol.posterior_covariance[0, 0],
                                                                 abs=1e-12)
        d_lam = G.linear_gaussian_differential([[sigma2]], lam, gamma, d_lam=1.0, **kw)
        d_gamma = G.linear_gaussian_differential([[sigma2]], lam, gamma, d_gamma=1.0, **kw)
        assert model.lambdify("d2F/dlam2")(*args) == pytest.approx(d_lam["dD"], abs=1e-12)
        assert model.lambdify("d2F/dgamma2")(*args) == pytest.approx(d_gamma["dC"], abs=1e-12)
        assert model.lambdify("d2F/dlamdgamma")(*args) == pytest.approx(d_gamma["dD"], abs=1e-12)
        assert model.lambdify("d2F/dlamdgamma")(*args) == pytest.approx(d_lam["dC"], abs=1e-12)


def test_lambdify_rejects_unknown_names(models):
    with pytest.raises(ValueError, match="name"):
        models["hamming"].lambdify("S")
    with pytest.raises(ValueError, match="name"):
        models["hamming"].lambdify("d2F/dgamma2")
