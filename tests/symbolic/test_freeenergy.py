"""The symbolic twin proves the first law, the envelope theorem and the Maxwell
relation, and its lambdified expressions match the numeric closed forms."""

import mpmath
import numpy as np
import pytest
import sympy as sp

from thermoinfo.freeenergy import discrete as H
from thermoinfo.freeenergy import gaussian as G
from thermoinfo.symbolic import freeenergy as S
from thermoinfo.testing import raises_named


@pytest.fixture(scope="module")
def models():
    return {"gaussian_rate_distortion": S.gaussian_rate_distortion(), "hamming": S.hamming(),
            "linear_gaussian": S.linear_gaussian()}


@pytest.mark.parametrize("name", ["gaussian_rate_distortion", "hamming", "linear_gaussian"])
def test_identities_are_proven(models, name):
    model = models[name]
    proven = model.prove()
    expected = {"envelope_lam", "first_law_lam"}
    if model.gamma is None:
        expected |= {"slope_lam_is_minus_dR_dD"}
    else:
        expected |= {"envelope_gamma", "first_law_gamma", "maxwell"}
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
    with raises_named(ValueError, "name"):
        models["hamming"].lambdify("S")
    with raises_named(ValueError, "name"):
        models["hamming"].lambdify("d2F/dgamma2")


# Independent numeric twins: J written out in numpy, minimized by a bounded scalar
# search. The symbolic optimum is solved from dJ = 0, so it is checked here
# against a minimizer that knows nothing of that equation.

def _j_hamming(delta, lam, M):
    log = mpmath.log
    h = -delta * log(delta) - (1 - delta) * log(1 - delta)
    return log(M) - h - delta * log(M - 1) + lam * delta


def _j_linear_gaussian(kappa, lam, gamma, sigma2, b, nu, s2, t2):
    log, pi = mpmath.log, mpmath.pi
    return (log(sigma2 / kappa) / 2 + lam * (log(2 * pi * s2) / 2 + kappa / (2 * s2))
            + gamma * (log(2 * pi * t2) / 2 + (b * b * kappa + nu) / (2 * t2)))


def _argmin(f, hi):
    """Golden-section search of a unimodal f on (0, hi) in 40-digit arithmetic
    (a double-precision minimizer only locates a minimum to ~1e-8)."""
    with mpmath.workdps(40):
        a, b = mpmath.mpf(0), mpmath.mpf(hi)
        r = (mpmath.sqrt(5) - 1) / 2
        c, d = b - r * (b - a), a + r * (b - a)
        fc, fd = f(c), f(d)
        while b - a > mpmath.mpf(10) ** -25:
            if fc < fd:
                b, d, fd = d, c, fc
                c = b - r * (b - a)
                fc = f(c)
            else:
                a, c, fc = c, d, fd
                d = a + r * (b - a)
                fd = f(d)
        return float((a + b) / 2)


@pytest.mark.parametrize("M", [2, 3, 5])
def test_hamming_optimum_is_the_numeric_minimum(models, M):
    model = models["hamming"]
    for lam in (0.5, 1.0, 3.0):
        delta = _argmin(lambda d, lam=lam: _j_hamming(d, lam, M), (M - 1) / M)
        assert model.lambdify("optimum")(lam, M) == pytest.approx(delta, abs=1e-12)
        assert model.lambdify("F")(lam, M) == pytest.approx(_j_hamming(delta, lam, M), abs=1e-12)


LG_ARGS = (1.4, 2.2, 1.5, 0.8, 0.3, 0.6, 0.9)   # lam, gamma, sigma2, b, nu, s2, t2 (active branch)


def _numeric_linear_gaussian(lam, gamma):
    sigma2, b, nu, s2, t2 = LG_ARGS[2:]
    kappa = _argmin(lambda k: _j_linear_gaussian(k, lam, gamma, *LG_ARGS[2:]), sigma2)
    D = 0.5 * np.log(2 * np.pi * s2) + kappa / (2 * s2)
    C = 0.5 * np.log(2 * np.pi * t2) + (b * b * kappa + nu) / (2 * t2)
    return kappa, D, C


def test_linear_gaussian_optimum_and_maxwell_against_numeric_minimization(models):
    model = models["linear_gaussian"]
    lam, gamma = LG_ARGS[:2]
    kappa, D, _ = _numeric_linear_gaussian(lam, gamma)
    assert kappa < LG_ARGS[2]                          # interior: the active branch
    assert model.lambdify("optimum")(*LG_ARGS) == pytest.approx(kappa, abs=1e-12)
    assert model.lambdify("D")(*LG_ARGS) == pytest.approx(D, abs=1e-12)
    j_min = _j_linear_gaussian(kappa, lam, gamma, *LG_ARGS[2:])
    assert model.lambdify("F")(*LG_ARGS) == pytest.approx(j_min, abs=1e-12)
    # Maxwell: dD/dgamma and dC/dlam, each a central difference of fresh numeric minima
    h = 1e-3
    dD_dgamma = (_numeric_linear_gaussian(lam, gamma + h)[1]
                 - _numeric_linear_gaussian(lam, gamma - h)[1]) / (2 * h)
    dC_dlam = (_numeric_linear_gaussian(lam + h, gamma)[2]
               - _numeric_linear_gaussian(lam - h, gamma)[2]) / (2 * h)
    mixed = model.lambdify("d2F/dlamdgamma")(*LG_ARGS)
    assert abs(mixed) > 1e-2                           # the relation is not 0 = 0
    assert dD_dgamma == pytest.approx(mixed, abs=1e-6)      # O(h^2) truncation
    assert dC_dlam == pytest.approx(mixed, abs=1e-6)
