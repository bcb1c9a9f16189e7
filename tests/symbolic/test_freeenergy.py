"""The symbolic twin's stationary point is a minimum, its lambdified expressions
match the numeric closed forms, and its optimum, F, envelope derivatives and Maxwell
relation match independent numeric minimizations of J.

The identities ``prove()`` reduces to zero (envelope, first law, slope, Maxwell) are
not asserted here: the optimum is solved from dJ = 0 and F is J there, so each holds
by construction; the numeric twins below check them independently."""

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
def test_stationary_point_is_a_minimum(models, name):
    """The optimum is solved from dJ = 0 only; d2J > 0 there is a separate fact."""
    model = models[name]
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
    F = float(_j_linear_gaussian(kappa, lam, gamma, *LG_ARGS[2:]))
    return kappa, D, C, F


def test_linear_gaussian_optimum_and_maxwell_against_numeric_minimization(models):
    model = models["linear_gaussian"]
    lam, gamma = LG_ARGS[:2]
    kappa, D, C, F = _numeric_linear_gaussian(lam, gamma)
    assert kappa < LG_ARGS[2]                          # interior: the active branch
    assert model.lambdify("optimum")(*LG_ARGS) == pytest.approx(kappa, abs=1e-12)
    assert model.lambdify("D")(*LG_ARGS) == pytest.approx(D, abs=1e-12)
    assert model.lambdify("C")(*LG_ARGS) == pytest.approx(C, abs=1e-12)
    assert model.lambdify("F")(*LG_ARGS) == pytest.approx(F, abs=1e-12)
    # central differences of fresh numeric minima at lam +- h and gamma +- h
    h = 1e-3
    up_lam, down_lam = _numeric_linear_gaussian(lam + h, gamma), _numeric_linear_gaussian(lam - h, gamma)
    up_gam, down_gam = _numeric_linear_gaussian(lam, gamma + h), _numeric_linear_gaussian(lam, gamma - h)
    dD_dgamma = (up_gam[1] - down_gam[1]) / (2 * h)
    dC_dlam = (up_lam[2] - down_lam[2]) / (2 * h)
    dF_dlam = (up_lam[3] - down_lam[3]) / (2 * h)
    dF_dgamma = (up_gam[3] - down_gam[3]) / (2 * h)

    def symbolic(expr):
        return float(sp.lambdify(model.parameters, expr, modules=["numpy"])(*LG_ARGS))

    # envelope: the symbolic dF/dlam and dF/dgamma against differences of numeric F
    assert symbolic(sp.diff(model.F, model.lam)) == pytest.approx(dF_dlam, abs=1e-6)
    assert symbolic(sp.diff(model.F, model.gamma)) == pytest.approx(dF_dgamma, abs=1e-6)
    # Maxwell: both sides as the symbolic module writes them, and its mixed derivative
    # of F, against the numeric dD/dgamma and dC/dlam
    mixed = model.lambdify("d2F/dlamdgamma")(*LG_ARGS)
    assert abs(mixed) > 1e-2                           # the relation is not 0 = 0
    assert dD_dgamma == pytest.approx(mixed, abs=1e-6)      # O(h^2) truncation
    assert dC_dlam == pytest.approx(mixed, abs=1e-6)
    assert symbolic(sp.diff(model.D, model.gamma)) == pytest.approx(dD_dgamma, abs=1e-6)
    assert symbolic(sp.diff(model.C, model.lam)) == pytest.approx(dC_dlam, abs=1e-6)
