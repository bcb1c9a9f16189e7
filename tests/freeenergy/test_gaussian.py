"""Gaussian closed forms checked by independent computations: Monte Carlo of the
objective at the claimed optimum, direct numerical minimization, the envelope
theorem by finite differences, and perturbations of the optimal encoder."""

import numpy as np
import pytest
import scipy.optimize
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import multivariate_normal

from thermoinfo.freeenergy import gaussian as G
from thermoinfo.testing import raises_named


def _random_model(seed, n=3, m=2):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n))
    cov = X @ X.T + 0.5 * np.eye(n)
    B = rng.normal(size=(m, n))
    E = rng.normal(size=(m, m))
    noise = 0.3 * (E @ E.T) + 0.1 * np.eye(m)
    return cov, B, noise


KW = {"decoder_variance": 0.7, "classifier_variance": 1.3}


def test_scalar_rate_distortion_and_inverse():
    assert G.gaussian_rate_distortion(3.0, 0.75) == pytest.approx(0.5 * np.log(4.0), abs=1e-15)
    assert G.gaussian_rate_distortion(3.0, 5.0) == 0.0
    assert G.gaussian_distortion_rate(3.0, G.gaussian_rate_distortion(3.0, 0.4)) == pytest.approx(0.4)


def test_water_filling_matches_direct_minimization():
    var = np.array([3.0, 1.2, 0.4, 0.1])
    D = 1.0
    wf = G.reverse_water_filling(var, distortion=D)
    # minimize sum 1/2 log(var_i / d_i) subject to sum d_i = D, 0 < d_i <= var_i
    res = scipy.optimize.minimize(
        lambda d: 0.5 * np.sum(np.log(var / d)), x0=np.full(4, D / 4 * 0.99),
        constraints=[{"type": "eq", "fun": lambda d: d.sum() - D}],
        bounds=[(1e-6, v) for v in var], method="SLSQP", options={"ftol": 1e-14, "maxiter": 500})
    assert res.success
    assert wf.R == pytest.approx(res.fun, abs=1e-7)
    assert wf.D == pytest.approx(D, abs=1e-14)
    np.testing.assert_allclose(np.sort(wf.components), np.sort(res.x), atol=1e-5)
    # the two parametrizations agree and lam = -dR/dD
    by_lam = G.reverse_water_filling(var, lam=wf.lam)
    assert by_lam.R == pytest.approx(wf.R, abs=1e-13)
    h = 1e-5
    slope = (G.reverse_water_filling(var, distortion=D + h).R
             - G.reverse_water_filling(var, distortion=D - h).R) / (2 * h)
    assert -slope == pytest.approx(wf.lam, rel=1e-8)


def test_water_filling_envelope():
    var = [2.0, 0.5, 0.3]
    for lam in (0.2, 0.9, 3.0):
        h = 1e-5
        dF = (G.reverse_water_filling(var, lam=lam + h).F - G.reverse_water_filling(var, lam=lam - h).F)
        assert dF / (2 * h) == pytest.approx(G.reverse_water_filling(var, lam=lam).D, abs=1e-8)


def test_fixed_variance_decoder_is_water_filling():
    var = np.array([2.5, 0.8, 0.2])
    s2, lam = 0.6, 1.7
    sol = G.linear_gaussian(np.diag(var), lam, decoder_variance=s2)
    wf = G.reverse_water_filling(var, lam=lam / (2 * s2))
    assert sol.R == pytest.approx(wf.R, abs=1e-12)
    assert sol.mse == pytest.approx(wf.D, abs=1e-12)
    assert sol.D == pytest.approx(G.decoder_distortion(wf.D, 3, s2), abs=1e-12)
    assert sol.F == pytest.approx(wf.F + lam * 1.5 * np.log(2 * np.pi * s2), abs=1e-12)


@pytest.mark.parametrize("lam,gamma", [(0.8, 0.0), (1.5, 0.7), (4.0, 2.5)])
def test_linear_gaussian_objective_at_optimum_and_perturbations(lam, gamma):
    cov, B, noise = _random_model(1)
    kw = dict(label_weights=B, label_noise=noise, **KW)
    sol = G.linear_gaussian(cov, lam, gamma, **kw)
    at = G.linear_gaussian_objective(cov, sol.encoder, lam, gamma, decoder=sol.decoder,
                                     classifier=sol.classifier, **kw)
    for key in ("R", "D", "C"):
        assert at[key] == pytest.approx(getattr(sol, key), abs=1e-10)
    assert at["J"] == pytest.approx(sol.F, abs=1e-10)
    rng = np.random.default_rng(2)
    for _ in range(20):
        dA = 1e-2 * rng.normal(size=sol.encoder.shape)
        assert G.linear_gaussian_objective(cov, sol.encoder + dA, lam, gamma, **kw)["J"] > sol.F
        dW = 1e-2 * rng.normal(size=sol.decoder.shape)
        assert G.linear_gaussian_objective(cov, sol.encoder, lam, gamma, decoder=sol.decoder + dW,
                                           **kw)["J"] > sol.F


def test_linear_gaussian_matches_numerical_minimization():
    cov, B, noise = _random_model(3, n=2, m=1)
    kw = dict(label_weights=B, label_noise=noise, **KW)
    lam, gamma = 2.0, 1.5
    sol = G.linear_gaussian(cov, lam, gamma, **kw)

    def J(a):
        return G.linear_gaussian_objective(cov, a.reshape(2, 2), lam, gamma, **kw)["J"]

    best = min((scipy.optimize.minimize(J, x0=np.random.default_rng(s).normal(size=4), method="BFGS",
                                        options={"gtol": 1e-10}) for s in range(3)),
               key=lambda r: r.fun)
    assert best.fun >= sol.F - 1e-10
    assert best.fun == pytest.approx(sol.F, abs=1e-7)


def test_linear_gaussian_monte_carlo():
    cov, B, noise = _random_model(4)
    lam, gamma = 2.0, 1.0
    s2, t2 = KW["decoder_variance"], KW["classifier_variance"]
    sol = G.linear_gaussian(cov, lam, gamma, label_weights=B, label_noise=noise, **KW)
    rng = np.random.default_rng(5)
    N = 40000
    x = rng.multivariate_normal(np.zeros(3), cov, size=N)
    y = x @ B.T + rng.multivariate_normal(np.zeros(2), noise, size=N)
    A = sol.encoder
    z = x @ A.T + rng.normal(size=(N, 3))
    cov_z = A @ cov @ A.T + np.eye(3)
    log_e = -0.5 * np.sum((z - x @ A.T) ** 2, axis=1) - 1.5 * np.log(2 * np.pi)
    log_q = multivariate_normal(np.zeros(3), cov_z).logpdf(z)
    log_d = multivariate_normal.logpdf(x - z @ sol.decoder.T, np.zeros(3), s2 * np.eye(3))
    log_c = multivariate_normal.logpdf(y - z @ sol.classifier.T, np.zeros(2), t2 * np.eye(2))
    for samples, exact in ((log_e - log_q, sol.R), (-log_d, sol.D), (-log_c, sol.C),
                           (log_e - log_q - lam * log_d - gamma * log_c, sol.F)):
        se = samples.std(ddof=1) / np.sqrt(N)
        assert abs(samples.mean() - exact) < 5 * se


def test_linear_gaussian_envelope_and_concavity():
    cov, B, noise = _random_model(6)
    kw = dict(label_weights=B, label_noise=noise, **KW)

    def F(lam, gamma):
        return G.linear_gaussian(cov, lam, gamma, **kw).F

    h = 1e-5
    for lam, gamma in [(0.3, 0.2), (1.0, 0.5), (3.0, 2.0)]:
        sol = G.linear_gaussian(cov, lam, gamma, **kw)
        assert (F(lam + h, gamma) - F(lam - h, gamma)) / (2 * h) == pytest.approx(sol.D, abs=1e-8)
        assert (F(lam, gamma + h) - F(lam, gamma - h)) / (2 * h) == pytest.approx(sol.C, abs=1e-8)
        k = 1e-3
        H = np.array([[F(lam + k, gamma) - 2 * F(lam, gamma) + F(lam - k, gamma),
                       (F(lam + k, gamma + k) - F(lam + k, gamma - k) - F(lam - k, gamma + k)
                        + F(lam - k, gamma - k)) / 4],
                      [0.0, F(lam, gamma + k) - 2 * F(lam, gamma) + F(lam, gamma - k)]]) / k**2
        H[1, 0] = H[0, 1]
        assert np.linalg.eigvalsh(H).max() < 1e-6


def test_linear_gaussian_trivial_encoder_below_threshold():
    sol = G.linear_gaussian([[1.0]], lam=0.5, decoder_variance=1.0)   # g = 1/4 <= 1/2
    assert sol.R == 0.0
    assert np.all(sol.encoder == 0.0)
    assert sol.mse == pytest.approx(1.0)


def _ib_terms(cx, cxy, cy, A):
    """I(x;z), I(y;z) of z = A x + N(0, I) from the covariances (nats)."""
    k = A.shape[0]
    cz = A @ cx @ A.T + np.eye(k)
    cond_x = cx - cxy @ np.linalg.solve(cy, cxy.T)
    cz_y = A @ cond_x @ A.T + np.eye(k)
    return 0.5 * np.linalg.slogdet(cz)[1], 0.5 * (np.linalg.slogdet(cz)[1] - np.linalg.slogdet(cz_y)[1])


def _ib_model(seed, n=3, m=2):
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(n + m, n + m))
    joint = W @ W.T + 0.3 * np.eye(n + m)
    return joint[:n, :n], joint[:n, n:], joint[n:, n:]


def test_gaussian_ib_curve_matches_encoder_and_is_optimal():
    cx, cxy, cy = _ib_model(7)
    betas = np.array([0.5, 1.5, 3.0, 10.0, 60.0])
    ib = G.gaussian_information_bottleneck(cx, cxy, cy, betas)
    assert np.all(np.diff(ib.eigenvalues) >= 0)
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(ib.critical_betas, 1 / (1 - ib.eigenvalues))
    # eigenvalues of Sigma_{x|y} Sigma_x^{-1} computed directly
    cond = cx - cxy @ np.linalg.solve(cy, cxy.T)
    np.testing.assert_allclose(np.sort(np.linalg.eigvals(cond @ np.linalg.inv(cx)).real),
                               ib.eigenvalues, atol=1e-12)
    rng = np.random.default_rng(8)
    for i, beta in enumerate(betas):
        A = ib.encoder(beta)
        ix, iy = _ib_terms(cx, cxy, cy, A)
        assert ix == pytest.approx(ib.I_x[i], abs=1e-10)
        assert iy == pytest.approx(ib.I_y[i], abs=1e-10)
        assert (ib.I_x[i] > 0) == (beta > ib.critical_betas[0])
        for _ in range(10):
            Ap = A + 1e-2 * rng.normal(size=A.shape)
            ixp, iyp = _ib_terms(cx, cxy, cy, Ap)
            assert ixp - beta * iyp > ib.lagrangian[i] - 1e-12


def test_gaussian_ib_envelope():
    cx, cxy, cy = _ib_model(9)
    h = 1e-6
    for beta in (2.0, 5.0, 30.0):
        ib = G.gaussian_information_bottleneck(cx, cxy, cy, [beta - h, beta, beta + h])
        slope = (ib.lagrangian[2] - ib.lagrangian[0]) / (2 * h)
        assert slope == pytest.approx(-ib.I_y[1], abs=1e-7)


@pytest.mark.parametrize("bad,name,match", [
    (dict(cov_x=[[1.0, 2.0], [2.0, 1.0]]), "cov_x", "positive definite"),
    (dict(cov_x=[[1.0, 0.5], [0.0, 1.0]]), "cov_x", "symmetric"),
    (dict(lam=-1.0), "lam", ""),
    (dict(gamma=float("nan")), "gamma", ""),
    (dict(decoder_variance=0.0), "decoder_variance", ""),
])
def test_bad_input(bad, name, match):
    args = dict(cov_x=np.eye(2), lam=1.0, gamma=0.5, label_weights=[[1.0, 0.0]])
    args.update(bad)
    with raises_named(ValueError, name) as check:
        G.linear_gaussian(**args)
    assert match in str(check.value)


def test_water_filling_bad_input():
    for kwargs, got in ((dict(distortion=0.5, lam=1.0), "both"), ({}, "neither")):
        with raises_named(ValueError, "distortion") as check:
            G.reverse_water_filling([1.0], **kwargs)
        assert "give exactly one" in str(check.value) and got in str(check.value)
    with raises_named(ValueError, "variances"):
        G.reverse_water_filling([1.0, -2.0], lam=1.0)


@pytest.mark.parametrize("lam,gamma", [(2.0, 1.2), (0.4, 0.3)])   # all / one component active
def test_differential_matches_finite_differences(lam, gamma):
    cov, B, noise = _random_model(10)
    rng = np.random.default_rng(11)
    X = rng.normal(size=(3, 3))
    d_cov = X + X.T
    d_B = rng.normal(size=B.shape)
    E = rng.normal(size=(2, 2))
    d_noise = 0.1 * (E + E.T)
    direction = dict(d_cov_x=d_cov, d_lam=0.3, d_gamma=-0.7, d_label_weights=d_B, d_label_noise=d_noise)
    exact = G.linear_gaussian_differential(cov, lam, gamma, label_weights=B, label_noise=noise,
                                           **direction, **KW)

    def at(eps):
        return G.linear_gaussian(cov + eps * d_cov, lam + 0.3 * eps, gamma - 0.7 * eps,
                                 label_weights=B + eps * d_B, label_noise=noise + eps * d_noise, **KW)

    h = 1e-6
    hi, lo = at(h), at(-h)
    assert len({int(np.sum(s.gains > 0.5)) for s in (hi, lo)}) == 1
    for key in ("R", "D", "C", "F"):
        fd = (getattr(hi, key) - getattr(lo, key)) / (2 * h)
        assert exact["d" + key] == pytest.approx(fd, abs=1e-6, rel=1e-6)


@settings(max_examples=25)
@given(seed=st.integers(0, 2**32 - 1), lam=st.floats(0.0, 5.0), gamma=st.floats(0.0, 5.0),
       n=st.integers(1, 3), m=st.integers(1, 2))
def test_linear_gaussian_is_a_lower_bound_property(seed, lam, gamma, n, m):
    """F(lam, gamma) <= J of any linear encoder; the optimum attains F; K <= Sigma."""
    cov, B, noise = _random_model(seed, n=n, m=m)
    kw = dict(label_weights=B, label_noise=noise, **KW)
    sol = G.linear_gaussian(cov, lam, gamma, **kw)
    assert G.linear_gaussian_objective(cov, sol.encoder, lam, gamma, **kw)["J"] == pytest.approx(
        sol.F, abs=1e-9)
    assert np.linalg.eigvalsh(cov - sol.posterior_covariance).min() > -1e-10
    rng = np.random.default_rng(seed)
    for k in (1, n, n + 1):
        A = rng.normal(size=(k, n)) * rng.uniform(0.1, 3.0)
        assert G.linear_gaussian_objective(cov, A, lam, gamma, **kw)["J"] >= sol.F - 1e-10
