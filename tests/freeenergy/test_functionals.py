"""Exact functionals against direct sums, the J - H = KL identity, and the Monte
Carlo estimators against the exact tabular values (within 3 standard errors,
fixed seeds)."""

import numpy as np
import pytest
from hypothesis import given, settings
from scipy.special import xlogy

from thermoinfo.freeenergy import functionals as fn
from thermoinfo.freeenergy import solve
from thermoinfo.testing import raises_named
from thermoinfo.testing import strategies as ts


def _kl(p, q):
    return float(np.sum(xlogy(p, p)) - np.sum(xlogy(p, q)))


@settings(max_examples=25)
@given(ts.distributions((3, 3), positive=True), ts.conditionals(n_conditions=3, n_outcomes=2, positive=True),
       ts.distributions((2,), positive=True), ts.conditionals(n_conditions=2, n_outcomes=3, positive=True),
       ts.conditionals(n_conditions=2, n_outcomes=3, positive=True))
def test_j_minus_h_is_the_forward_backward_divergence(p, enc, prior, dec, cls):
    # p(s) = p(x, y) e(z|x), q(s) = q(z) d(x|z) c(y|z): KL = -H + R + D + C (lam = gamma = 1)
    f = fn.functionals(p, enc, prior, dec, cls)
    forward = p[:, :, None] * enc[:, None, :]
    backward = prior[None, None, :] * dec.T[:, None, :] * cls.T[None, :, :]
    assert f.J - f.H == pytest.approx(_kl(forward, backward), abs=1e-10)
    assert f.J - f.H >= -1e-12


def test_exact_functionals_on_a_small_table():
    p = np.array([[0.3, 0.1], [0.2, 0.4]])
    e = np.array([[0.9, 0.1], [0.2, 0.8]])
    q = np.array([0.5, 0.5])
    d = np.array([[0.7, 0.3], [0.25, 0.75]])
    c = np.array([[0.6, 0.4], [0.3, 0.7]])
    px = p.sum(axis=1)
    R = sum(px[x] * e[x, z] * np.log(e[x, z] / q[z]) for x in range(2) for z in range(2))
    D = -sum(px[x] * e[x, z] * np.log(d[z, x]) for x in range(2) for z in range(2))
    C = -sum(p[x, y] * e[x, z] * np.log(c[z, y]) for x in range(2) for y in range(2) for z in range(2))
    f = fn.functionals(p, e, q, d, c, lam=0.5, gamma=2.0)
    assert (f.R, f.D, f.C) == pytest.approx((R, D, C), abs=1e-14)
    assert f.J == pytest.approx(R + 0.5 * D + 2.0 * C, abs=1e-14)
    assert f.H == pytest.approx(-np.sum(p * np.log(p)), abs=1e-14)
    # the marginal prior gives the mutual information
    assert fn.rate(px, e) == pytest.approx(
        _kl(px[:, None] * e, px[:, None] * (px @ e)[None, :]), abs=1e-14)
    # support mismatch: inf, never NaN
    assert fn.distortion(px, e, np.array([[1.0, 0.0], [0.5, 0.5]])) == np.inf
    assert fn.weight_information([0.5, 0.5], [1.0, 0.0]) == np.inf
    with raises_named(ValueError, "decoder"):
        fn.distortion(px, e, d[:, :1])
    with raises_named(ValueError, "lam"):
        fn.functionals(p, e, q, d, c, lam=-1.0)
    with raises_named(ValueError, "encoder"):
        fn.rate(px, e * 2)


def _sample_solution(sol, p, n, rng):
    n_y = p.shape[1]
    flat = rng.choice(p.size, size=n, p=p.ravel())
    x, y = np.divmod(flat, n_y)
    u = rng.random(n)
    z = (np.cumsum(sol.encoder[x], axis=1) < u[:, None]).sum(axis=1)
    z = np.minimum(z, sol.encoder.shape[1] - 1)
    return x, y, z


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_monte_carlo_estimators_agree_with_exact_values(seed):
    p = np.random.default_rng(10).random((4, 3))
    p /= p.sum()
    sol = solve(p, 0.3, 6.0, 3, rng=0)
    rng = np.random.default_rng(seed)
    x, y, z = _sample_solution(sol, p, 4000, rng)
    with np.errstate(divide="ignore"):
        mc = fn.monte_carlo(log_encoder=np.log(sol.encoder[x, z]), log_prior=np.log(sol.prior[z]),
                            log_decoder=np.log(sol.decoder[z, x]),
                            log_classifier=np.log(sol.classifier[z, y]),
                            log_p_xy=np.log(p[x, y]), lam=0.3, gamma=6.0)
    for name in ("R", "D", "C", "H", "J"):
        est = getattr(mc, name)
        assert est.stderr > 0
        assert abs(est.value - getattr(sol, name)) < 3 * est.stderr, name
    assert mc.n == 4000 and mc.S is None


def test_monte_carlo_with_several_z_per_point_and_weights():
    p = np.array([[0.3, 0.2], [0.1, 0.4]])
    sol = solve(p, 0.0, 8.0, 2, rng=0)
    rng = np.random.default_rng(3)
    n, k = 2000, 4
    flat = rng.choice(4, size=n, p=p.ravel())
    x, y = np.divmod(flat, 2)
    z = (rng.random((n, k)) > sol.encoder[x, 0][:, None]).astype(int)
    mc = fn.monte_carlo(log_classifier=np.log(sol.classifier[z, y[:, None]]), gamma=8.0, lam=0.0)
    assert abs(mc.C.value - sol.C) < 3 * mc.C.stderr
    assert mc.J is None  # R is missing
    # S from weights sampled from a posterior over a finite family
    post = np.array([0.7, 0.2, 0.1])
    prior = np.array([0.2, 0.3, 0.5])
    theta = rng.choice(3, size=5000, p=post)
    s = fn.monte_carlo(log_weight_posterior=np.log(post[theta]), log_weight_prior=np.log(prior[theta])).S
    assert abs(s.value - fn.weight_information(post, prior)) < 3 * s.stderr
    with raises_named(ValueError, "log_encoder") as check:
        fn.monte_carlo(log_encoder=[0.0, 0.0])
    assert "log_encoder and log_prior go together" in str(check.value)
    with raises_named(ValueError, "log_decoder"):
        fn.monte_carlo(log_decoder=[np.nan, 0.0])
    with raises_named(ValueError, "lam"):
        fn.monte_carlo(log_decoder=[0.0, 0.0], lam=np.nan)
