"""BlackJAX HMC against exact Gaussian moments and distributions; the jackknife and
the effective sample size against closed forms."""

import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

from thermoinfo.sampling import hmc
from thermoinfo.testing import raises_named

COV = np.array([[1.0, 0.8], [0.8, 2.0]])
PREC = np.linalg.inv(COV)
MEAN = np.array([1.0, -2.0])


def _gaussian(t):
    d = t - MEAN
    return -0.5 * d @ jnp.asarray(PREC) @ d


@pytest.fixture(scope="module")
def gaussian_chain():
    return hmc.sample(_gaussian, [0.0, 0.0], 6000, rng=11, n_warmup=300, n_leapfrog=8)


def test_hmc_reproduces_gaussian_moments_within_errors(gaussian_chain):
    x = gaussian_chain.samples
    assert 0.5 < gaussian_chain.acceptance_rate <= 1.0
    for i in range(2):
        mean, se = hmc.jackknife(lambda a: a, x[:, i])
        assert abs(mean - MEAN[i]) < 4 * se and se < 0.05
        var, var_se = hmc.jackknife(lambda a, b: b - a * a, x[:, i], x[:, i] ** 2)
        assert abs(var - COV[i, i]) < 4 * var_se and var_se < 0.15
    cov, cov_se = hmc.jackknife(lambda a, b, c: c - a * b, x[:, 0], x[:, 1], x[:, 0] * x[:, 1])
    assert abs(cov - COV[0, 1]) < 4 * cov_se


def test_hmc_marginal_passes_ks_and_a_wrong_target_fails(gaussian_chain):
    # every 4th sample: near independent draws (HMC on a Gaussian decorrelates fast)
    y = gaussian_chain.samples[::4, 1]
    assert stats.kstest(y, stats.norm(MEAN[1], np.sqrt(COV[1, 1])).cdf).pvalue > 1e-3
    assert stats.kstest(y, stats.norm(MEAN[1], 1.25 * np.sqrt(COV[1, 1])).cdf).pvalue < 1e-3


def test_same_seed_same_chain():
    a = hmc.sample(_gaussian, [0.0, 0.0], 50, rng=3, n_warmup=50)
    b = hmc.sample(_gaussian, [0.0, 0.0], 50, rng=3, n_warmup=50)
    np.testing.assert_array_equal(a.samples, b.samples)


def test_fixed_step_size_without_warmup():
    res = hmc.sample(_gaussian, MEAN, 200, rng=0, n_warmup=0, step_size=0.3, n_leapfrog=5)
    assert res.step_size == pytest.approx(0.3) and res.inverse_mass_matrix.tolist() == [1.0, 1.0]


def test_jackknife_of_a_ratio_matches_the_delta_method():
    rng = np.random.default_rng(5)
    a = rng.normal(2.0, 1.0, 20_000)
    b = rng.normal(4.0, 0.5, 20_000)
    value, se = hmc.jackknife(lambda x, y: x / y, a, b, n_blocks=40)
    delta = np.sqrt((1.0 / 4.0) ** 2 + (2.0 * 0.5 / 16.0) ** 2) / np.sqrt(20_000)
    assert value == pytest.approx(a.mean() / b.mean())
    assert se == pytest.approx(delta, rel=0.3)


def test_jackknife_grows_with_autocorrelation_and_ess_matches_ar1():
    rng = np.random.default_rng(8)
    rho, n = 0.9, 40_000
    x = np.empty(n)
    x[0] = rng.normal()
    noise = rng.normal(size=n) * np.sqrt(1 - rho ** 2)
    for i in range(1, n):
        x[i] = rho * x[i - 1] + noise[i]
    tau = (1 + rho) / (1 - rho)                       # integrated autocorrelation time, 19
    _, se = hmc.jackknife(lambda a: a, x, n_blocks=40)
    assert se == pytest.approx(np.sqrt(tau / n), rel=0.35)
    assert hmc.effective_sample_size(x) == pytest.approx(n / tau, rel=0.3)


def _standard_normal(t):
    return -0.5 * jnp.sum(t ** 2)


def test_fixed_trajectory_length_is_resonant_and_a_random_length_is_not():
    # leapfrog time L eps = pi on a unit harmonic mode maps t -> -t whatever the momentum:
    # with a fixed length |t| never leaves its start (and the ESS estimator is fooled
    # by the anticorrelation); with a random length the chain samples N(0, 1)
    kw = {"rng": 0, "n_warmup": 0, "step_size": np.pi / 20, "n_leapfrog": 20, "jitter": 0.0}
    fixed = hmc.sample(_standard_normal, [1.0], 2000, random_length=False, **kw).samples[:, 0]
    assert np.all(np.abs(np.abs(fixed) - 1.0) < 0.2)
    assert stats.kstest(fixed, "norm").pvalue < 1e-6
    assert hmc.effective_sample_size(fixed) > fixed.size
    dynamic = hmc.sample(_standard_normal, [1.0], 2000, random_length=True, **kw).samples[:, 0]
    assert stats.kstest(dynamic, "norm").pvalue > 1e-3


def test_bayesian_linear_regression_posterior_within_three_errors():
    # w ~ N(0, I), y | X, w ~ N(X w, 1): posterior N(A^-1 X^T y, A^-1), A = I + X^T X
    g = np.random.default_rng(0)
    X = g.normal(size=(10, 2))
    y = X @ np.array([1.0, -0.5]) + g.normal(size=10)
    cov = np.linalg.inv(np.eye(2) + X.T @ X)
    mean = cov @ X.T @ y
    Xj, yj = jnp.asarray(X, jnp.float32), jnp.asarray(y, jnp.float32)

    def logpost(w):
        return -0.5 * jnp.sum(w ** 2) - 0.5 * jnp.sum((yj - Xj @ w) ** 2)

    res = hmc.sample(logpost, [0.0, 0.0], 3000, rng=4, n_warmup=300, n_leapfrog=8)
    x = res.samples
    for i in range(2):
        m, se = hmc.jackknife(lambda a: a, x[:, i])
        assert abs(m - mean[i]) < 3 * se, (i, m, mean[i], se)
        v, v_se = hmc.jackknife(lambda a, b: b - a * a, x[:, i], x[:, i] ** 2)
        assert abs(v - cov[i, i]) < 3 * v_se, (i, v, cov[i, i], v_se)
        assert v_se < 0.1 * cov[i, i]
    c, c_se = hmc.jackknife(lambda a, b, ab: ab - a * b, x[:, 0], x[:, 1], x[:, 0] * x[:, 1])
    assert abs(c - cov[0, 1]) < 3 * c_se


@pytest.mark.parametrize(("call", "name", "error"), [
    (lambda: hmc.sample(_gaussian, [0.0, 0.0], 0, rng=0), "n_samples", ValueError),
    (lambda: hmc.sample(_gaussian, [[0.0, 0.0]], 5, rng=0), "initial_position", ValueError),
    (lambda: hmc.sample(_gaussian, [0.0, 0.0], 5, rng=0, n_warmup=0), "step_size", ValueError),
    (lambda: hmc.sample(_gaussian, [0.0, 0.0], 5, rng=0, n_leapfrog=0), "n_leapfrog", ValueError),
    (lambda: hmc.sample(_gaussian, [0.0, 0.0], 5, rng=0, jitter=1.0), "jitter", ValueError),
    (lambda: hmc.sample(_gaussian, [0.0, 0.0], 5, rng=0, random_length="yes"), "random_length", TypeError),
    (lambda: hmc.jackknife(lambda a: a, np.ones(10), n_blocks=20), "n_blocks", ValueError),
    (lambda: hmc.jackknife(lambda a: a, np.ones(10), n_blocks=1), "n_blocks", ValueError),
    (lambda: hmc.jackknife(lambda a, b: a, np.ones(40), np.ones(30)), "series", ValueError),
    (lambda: hmc.effective_sample_size(np.ones((3, 3))), "x", ValueError),
])
def test_bad_input_names_the_argument(call, name, error):
    with raises_named(error, name):
        call()
