"""Closed-form KL of exponential-family members against exact discrete sums and quadrature."""

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.special import expit, logsumexp

import thermoinfo
from thermoinfo.geometry.expfamily import (
    bernoulli_kl,
    bregman_kl,
    categorical_kl,
    exponential_kl,
    poisson_kl,
)
from thermoinfo.testing import raises_named


def test_categorical_matches_discrete_kl():
    rng = np.random.default_rng(0)
    t1, t2 = rng.normal(size=5), rng.normal(size=5) + 3.0  # logits up to a constant
    p1, p2 = np.exp(t1 - logsumexp(t1)), np.exp(t2 - logsumexp(t2))
    assert categorical_kl(t1, t2) == pytest.approx(thermoinfo.kl(p1, p2), rel=1e-12)


def test_categorical_support_mismatch_is_inf():
    assert categorical_kl([0.0, 0.0, -np.inf], [0.0, 1.0, 2.0]) == pytest.approx(
        thermoinfo.kl([0.5, 0.5, 0.0], np.exp([0, 1, 2]) / np.exp([0, 1, 2]).sum()), rel=1e-12)
    assert categorical_kl([0.0, 0.0, 0.0], [0.0, 0.0, -np.inf]) == np.inf


def test_bernoulli_matches_discrete_kl():
    for a, b in [(0.3, -1.2), (2.0, 2.0), (-4.0, 1.0)]:
        pa, pb = expit(a), expit(b)
        assert bernoulli_kl(a, b) == pytest.approx(thermoinfo.kl([1 - pa, pa], [1 - pb, pb]), abs=1e-14)
    assert bernoulli_kl(np.inf, 0.0) == pytest.approx(np.log(2.0))
    assert bernoulli_kl(0.0, -np.inf) == np.inf


def test_poisson_matches_truncated_sum():
    l1, l2 = 3.2, 5.7
    n = np.arange(200)  # the tail beyond 200 is below 1e-150
    p = stats.poisson(l1).pmf(n)
    q = stats.poisson(l2).pmf(n)
    ref = float(np.sum(p * (stats.poisson(l1).logpmf(n) - stats.poisson(l2).logpmf(n))))
    assert poisson_kl(l1, l2) == pytest.approx(ref, rel=1e-12)
    assert thermoinfo.kl(p, q, normalize=True) == pytest.approx(ref, rel=1e-10)
    assert poisson_kl(0.0, 2.0) == pytest.approx(2.0)
    assert poisson_kl(1.0, 0.0) == np.inf


def test_exponential_matches_quadrature():
    r1, r2 = 0.7, 2.3
    f = stats.expon(scale=1 / r1)
    g = stats.expon(scale=1 / r2)
    ref, _ = integrate.quad(lambda x: f.pdf(x) * (f.logpdf(x) - g.logpdf(x)), 0, np.inf,
                            epsabs=1e-14, epsrel=1e-13)
    assert exponential_kl(r1, r2) == pytest.approx(ref, rel=1e-10)


def test_bregman_form_agrees_with_each_closed_form():
    def poisson_a(t):
        return float(np.exp(t[0]))

    def bern_a(t):
        return float(np.logaddexp(0.0, t[0]))

    def cat_a(t):
        return float(logsumexp(t))

    def expo_a(t):  # natural parameter -rate, A = -log(rate)
        return float(-np.log(-t[0]))

    assert bregman_kl(poisson_a, np.log(3.0), np.log(1.5), gradient=np.exp) == pytest.approx(
        poisson_kl(3.0, 1.5), rel=1e-13)
    # numerical gradient (scipy.differentiate)
    assert bregman_kl(poisson_a, np.log(3.0), np.log(1.5)) == pytest.approx(poisson_kl(3.0, 1.5), rel=1e-9)
    assert bregman_kl(bern_a, 0.4, -2.0) == pytest.approx(bernoulli_kl(0.4, -2.0), rel=1e-9)
    t1, t2 = np.array([0.1, -0.3, 1.2]), np.array([1.0, 0.0, -0.5])
    assert bregman_kl(cat_a, t1, t2) == pytest.approx(categorical_kl(t1, t2), rel=1e-9)
    assert bregman_kl(expo_a, -0.7, -2.3) == pytest.approx(exponential_kl(0.7, 2.3), rel=1e-9)


def test_bad_parameters_name_the_argument():
    with raises_named(ValueError, "rate_q"):
        exponential_kl(1.0, 0.0)
    with raises_named(ValueError, "rate_p"):
        poisson_kl(-1.0, 1.0)
    with raises_named(ValueError, "theta_p"):
        categorical_kl([np.nan, 0.0], [0.0, 0.0])
    with raises_named(ValueError, "theta_q") as check:
        categorical_kl([0.0, 0.0], [0.0, 0.0, 0.0])
    assert "same length" in str(check.value)
    with raises_named(ValueError, "theta_p"):
        bregman_kl(lambda t: float(np.sum(t**2)), [np.nan], [0.0])
    with raises_named(ValueError, "theta_q"):
        bernoulli_kl(0.0, np.nan)
