"""Annealed importance sampling against exact log Z."""

import numpy as np
import pytest
from scipy.special import logsumexp

from thermoinfo._enumerate import states
from thermoinfo.models.rbm import log_partition_exact, sample_exact
from thermoinfo.sampling import ais as ais_mod
from thermoinfo.sampling.ais import ais, base_rate_bias, default_betas, log_mean_exp


def _random_rbm(nv, nh, seed, scale=0.5):
    r = np.random.default_rng(seed)
    return r.normal(0, scale, (nv, nh)), r.normal(0, 0.5, nv), r.normal(0, 0.5, nh)


@pytest.mark.parametrize("units", ["binary", "spin"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_forward_and_reverse_ais_bracket_exact(units, seed):
    W, b, c = _random_rbm(10, 6, seed)
    exact = log_partition_exact(W, b, c, units)
    betas = np.linspace(0, 1, 300)
    fwd = ais(W, b, c, units, betas=betas, n_runs=200, rng=seed)
    assert abs(fwd.log_z - exact) <= 3 * fwd.stderr
    assert fwd.lower <= exact <= fwd.upper
    init, _ = sample_exact(W, b, c, units, 200, rng=seed + 10)
    rev = ais(W, b, c, units, betas=betas, n_runs=200, reverse=True, init=init, rng=seed)
    assert rev.reverse and rev.betas[0] == 1.0
    assert abs(rev.log_z - exact) <= 3 * rev.stderr
    assert fwd.lower <= exact <= rev.upper


@pytest.mark.parametrize("units", ["binary", "spin"])
def test_base_rate_model_partition_function_is_exact(units):
    # with W = 0 and c = 0 the target equals the base model: every weight is 1
    rng = np.random.default_rng(3)
    lo, hi = (0, 1) if units == "binary" else (-1, 1)
    data = np.where(rng.random((50, 5)) < 0.3, hi, lo)
    b_a = base_rate_bias(data, units)
    res = ais(np.zeros((5, 2)), b_a, np.zeros(2), units, betas=np.linspace(0, 1, 5), n_runs=7,
              base_visible_bias=b_a, rng=0)
    np.testing.assert_allclose(res.log_weights, 0.0, atol=1e-12)
    assert res.stderr == 0.0
    V = states(5, values=(lo, hi)).astype(float)
    exact = logsumexp(V @ b_a) + 2 * np.log(2)
    assert res.log_z == pytest.approx(exact, abs=1e-12)
    assert res.log_z_base == pytest.approx(exact, abs=1e-12)


@pytest.mark.parametrize("units", ["binary", "spin"])
def test_base_rate_bias_reproduces_smoothed_marginals(units):
    rng = np.random.default_rng(1)
    lo, hi = (0, 1) if units == "binary" else (-1, 1)
    data = np.where(rng.random((40, 6)) < np.linspace(0.1, 0.9, 6), hi, lo)
    b_a = base_rate_bias(data, units)
    p_on = ((data == hi).sum(0) + 1) / (40 + 2)
    model_p_on = np.exp(hi * b_a) / (np.exp(lo * b_a) + np.exp(hi * b_a))
    np.testing.assert_allclose(model_p_on, p_on, rtol=1e-12)


def test_base_rate_start_and_data_base_agree_with_exact():
    W, b, c = _random_rbm(12, 5, 4, scale=0.8)
    exact = log_partition_exact(W, b, c)
    v, _ = sample_exact(W, b, c, "binary", 500, rng=1)
    res = ais(W, b, c, betas=default_betas(50, 200, 300), n_runs=100,
              base_visible_bias=base_rate_bias(v), rng=2)
    assert abs(res.log_z - exact) <= 3 * res.stderr
    assert res.n_runs == 100


def test_log_mean_exp_matches_direct_and_delta_method():
    lw = np.log(np.array([0.5, 1.0, 2.0, 4.0]))
    est, se, lo, hi = log_mean_exp(lw + 700.0)  # shifted: no overflow
    w = np.exp(lw)
    assert est == pytest.approx(np.log(w.mean()) + 700.0, abs=1e-12)
    se_mean = w.std(ddof=1) / 2
    assert se == pytest.approx(se_mean / w.mean(), rel=1e-12)
    assert hi == pytest.approx(np.log(w.mean() + 3 * se_mean) + 700.0, rel=1e-12)
    assert lo == -np.inf  # mean - 3 se < 0


def test_default_betas_schedule():
    b = default_betas()
    assert b.shape == (14500,) and b[0] == 0.0 and b[-1] == 1.0
    assert np.all(np.diff(b) > 0)
    assert np.sum(b < 0.5) == 500 and np.sum((b >= 0.5) & (b < 0.9)) == 4000
    assert np.sum(b >= 0.9) == 10000


def test_recorded_tempered_path_estimates_log_z_of_scaled_model():
    W, b, c = _random_rbm(8, 4, 5)
    grid = np.linspace(0, 1, 401)
    # the uniform base (b_A = c_A = 0): the intermediate models are the model at beta_k
    res, rec = ais(W, b, c, betas=grid, n_runs=200, record=[100, 200, 400], rng=3,
                   base_visible_bias=np.zeros(8), base_hidden_bias=np.zeros(4))
    for j, k in enumerate([100, 200, 400]):
        est, se, _, _ = log_mean_exp(rec["log_weights"][j])
        exact = log_partition_exact(grid[k] * W, grid[k] * b, grid[k] * c)
        assert abs(res.log_z_base + est - exact) <= 3 * se + 1e-12
    assert rec["states"].shape == (3, 200, 8)


def test_bad_arguments():
    W, b, c = _random_rbm(3, 2, 0)
    with pytest.raises(ValueError, match="betas"):
        ais(W, b, c, betas=[0.0, 0.5])
    with pytest.raises(ValueError, match="betas"):
        ais(W, b, c, betas=[0.0, 0.6, 0.5, 1.0])
    with pytest.raises(ValueError, match="init"):
        ais(W, b, c, betas=[0.0, 1.0], reverse=True)
    with pytest.raises(ValueError, match="base_visible_bias"):
        ais(W, b, c, betas=[0.0, 1.0], base_visible_bias=np.zeros(2))
    with pytest.raises(ValueError, match="units"):
        ais(W, b, c, "potts", betas=[0.0, 1.0])
    assert ais_mod.__all__
