"""Gaussian closed forms against numerical integration, Monte Carlo and identities."""

import numpy as np
import pytest
from hypothesis import given
from scipy import integrate, stats

from thermoinfo.geometry.gaussian import gaussian_entropy, gaussian_kl, gaussian_mutual_information
from thermoinfo.testing import raises_named
from thermoinfo.testing import strategies as ts


def test_univariate_kl_matches_quadrature():
    m1, s1, m2, s2 = 0.3, 1.7, -0.8, 0.6
    f = stats.norm(m1, s1).pdf
    lf, lg = stats.norm(m1, s1).logpdf, stats.norm(m2, s2).logpdf
    ref, _ = integrate.quad(lambda x: f(x) * (lf(x) - lg(x)), -40, 40, epsabs=1e-13, epsrel=1e-13, limit=200)
    assert gaussian_kl(m1, s1**2, m2, s2**2) == pytest.approx(ref, rel=1e-10)


def test_univariate_entropy_matches_quadrature():
    d = stats.norm(1.0, 2.5)
    ref, _ = integrate.quad(lambda x: -d.pdf(x) * d.logpdf(x), -60, 60, epsabs=1e-13, limit=200)
    assert gaussian_entropy(2.5**2) == pytest.approx(ref, rel=1e-10)


def test_multivariate_kl_matches_monte_carlo():
    rng = np.random.default_rng(7)
    m1, m2 = np.array([0.0, 1.0, -0.5]), np.array([0.4, 0.2, 0.0])
    a = rng.normal(size=(3, 3))
    b = rng.normal(size=(3, 3))
    c1, c2 = a @ a.T + np.eye(3), b @ b.T + np.eye(3)
    x = rng.multivariate_normal(m1, c1, size=200_000)
    ratio = stats.multivariate_normal(m1, c1).logpdf(x) - stats.multivariate_normal(m2, c2).logpdf(x)
    est, se = ratio.mean(), ratio.std(ddof=1) / np.sqrt(x.shape[0])
    val = gaussian_kl(m1, c1, m2, c2)
    assert abs(val - est) < 5 * se
    assert gaussian_entropy(c1) == pytest.approx(stats.multivariate_normal(m1, c1).entropy(), rel=1e-12)


def test_mutual_information_is_kl_to_block_product():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(4, 4))
    cov = a @ a.T + 0.5 * np.eye(4)
    x, y = [0, 2], [1, 3]
    block = np.zeros_like(cov)
    block[np.ix_(x, x)] = cov[np.ix_(x, x)]
    block[np.ix_(y, y)] = cov[np.ix_(y, y)]
    mean = rng.normal(size=4)
    assert gaussian_mutual_information(cov, x, y) == pytest.approx(
        gaussian_kl(mean, cov, mean, block), rel=1e-12)
    # and H(X) + H(Y) - H(X, Y)
    hx = gaussian_entropy(cov[np.ix_(x, x)])
    hy = gaussian_entropy(cov[np.ix_(y, y)])
    assert gaussian_mutual_information(cov, x, y) == pytest.approx(hx + hy - gaussian_entropy(cov), rel=1e-12)


def test_bivariate_mutual_information_closed_form():
    rho = -0.83
    assert gaussian_mutual_information([[2.0, rho * 2.0], [rho * 2.0, 2.0]], 0, 1) == pytest.approx(
        -0.5 * np.log(1 - rho**2), rel=1e-14)


@pytest.mark.parametrize("bad, what", [
    ([[1.0, 0.5], [0.4, 1.0]], "symmetric"),
    ([[1.0, 2.0], [2.0, 1.0]], "positive definite"),
    ([[1.0, 0.0], [0.0, 0.0]], "positive definite"),
    ([[1.0, np.nan], [np.nan, 1.0]], "non-finite"),
    ([1.0, 2.0], "square"),
])
def test_bad_covariance_names_the_argument(bad, what):
    with raises_named(ValueError, "cov_q") as check:
        gaussian_kl([0, 0], np.eye(2), [0, 0], bad)
    assert what in str(check.value)
    with raises_named(ValueError, "cov_p") as check:
        gaussian_kl([0, 0], bad, [0, 0], np.eye(2))
    assert what in str(check.value)
    with raises_named(ValueError, "cov"):
        gaussian_entropy(bad)


def test_dimension_mismatch_raises():
    with pytest.raises(ValueError, match=r"^mean_q has 3 entries but mean_p has 2"):
        gaussian_kl([0, 0], np.eye(2), [0, 0, 0], np.eye(3))
    with pytest.raises(ValueError, match=r"^cov_p is 2x2"):
        gaussian_kl([0, 0, 0], np.eye(2), [0, 0, 0], np.eye(3))
    with pytest.raises(ValueError, match=r"^x and y must be disjoint"):
        gaussian_mutual_information(np.eye(3), [0, 1], [1, 2])


@given(ts.gaussians(dim=3), ts.gaussians(dim=3))
def test_gaussian_kl_nonnegative_and_zero_on_equal(a, b):
    (m1, c1), (m2, c2) = a, b
    val = gaussian_kl(m1, c1, m2, c2)
    assert np.isfinite(val) and val >= 0
    assert gaussian_kl(m1, c1, m1, c1) == pytest.approx(0.0, abs=1e-9)
