"""Annealed importance sampling against exact log Z: base models, coarse schedules,
effective sample size, forward/reverse brackets and their warnings."""

import warnings

import numpy as np
import pytest
from scipy.special import logsumexp

from thermoinfo import UnreliableEstimateWarning
from thermoinfo._enumerate import states
from thermoinfo.models import RBM
from thermoinfo.models.rbm_exact import log_partition_exact, sample_exact
from thermoinfo.sampling import ais as ais_mod
from thermoinfo.sampling.ais import (
    AISBracket,
    AISResult,
    ais,
    base_rate_bias,
    bracket,
    default_betas,
    effective_sample_size,
    log_mean_exp,
)
from thermoinfo.testing import raises_named


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
    with raises_named(ValueError, "betas"):
        ais(W, b, c, betas=[0.0, 0.5])
    with raises_named(ValueError, "betas"):
        ais(W, b, c, betas=[0.0, 0.6, 0.5, 1.0])
    with raises_named(ValueError, "init"):
        ais(W, b, c, betas=[0.0, 1.0], reverse=True)
    with raises_named(ValueError, "base_visible_bias"):
        ais(W, b, c, betas=[0.0, 1.0], base_visible_bias=np.zeros(2))
    with raises_named(ValueError, "units"):
        ais(W, b, c, "potts", betas=[0.0, 1.0])
    assert ais_mod.__all__


def _strong_rbm(seed):
    # strong, sparse visible biases (nearly all of 400 pixels off) and couplings that
    # move the hidden fields by several units: log Z is exact over the 2^10 hidden states
    r = np.random.default_rng(seed)
    return r.normal(0, 0.3, (400, 10)), r.normal(-5, 1.0, 400), r.normal(0, 1.0, 10)


@pytest.mark.parametrize("seed", [0, 2])
def test_default_base_keeps_model_biases_where_the_uniform_base_fails(seed):
    W, b, c = _strong_rbm(seed)
    exact = log_partition_exact(W, b, c)
    betas = np.linspace(0, 1, 20)
    # four independent repetitions: the uniform base's failure is a bias, not bad luck
    for rng in range(1, 5):
        new = ais(W, b, c, betas=betas, n_runs=500, rng=rng)
        assert new.log_z_base == pytest.approx(
            np.sum(np.logaddexp(0, b)) + np.sum(np.logaddexp(0, c)), rel=1e-12)
        assert abs(new.log_z - exact) <= 3 * new.stderr
        assert new.ess >= 0.5 * new.n_runs
        # the uniform base at the same schedule: nats low every time, far outside its
        # own error bars, resting on a few runs, which its effective sample size gives away
        old = ais(W, b, c, betas=betas, n_runs=500, rng=rng, base_visible_bias=np.zeros(400),
                  base_hidden_bias=np.zeros(10))
        assert old.log_z < exact - 4.0
        assert exact - old.log_z > 5 * old.stderr
        assert old.ess < 0.05 * old.n_runs


@pytest.mark.parametrize("units", ["binary", "spin"])
def test_log_partition_with_data_starts_every_direction_from_the_data_base_rates(units):
    # the base model with data: independent visible units on with the smoothed data
    # frequencies p_i = (n_on + 1) / (n + 2), hidden units free (c_A = 0), whose
    # log Z is -sum log(1 - p_i) + n_h log 2 (binary) or sum log(2 / sqrt(1 - m_i^2))
    # + n_h log 2 with m_i = 2 p_i - 1 (spins)
    W, b, c = _random_rbm(12, 5, 3)
    rbm = RBM.from_params(W, b, c, units=units)
    r = np.random.default_rng(4)
    X = (r.random((40, 12)) < np.linspace(0.1, 0.9, 12)).astype(np.int8)
    if units == "spin":
        X = 2 * X - 1
    p = ((X == 1).sum(axis=0) + 1) / (X.shape[0] + 2)
    if units == "binary":
        expected = -np.sum(np.log1p(-p)) + 5 * np.log(2)
    else:
        m = 2 * p - 1
        expected = np.sum(np.log(2 / np.sqrt(1 - m**2))) + 5 * np.log(2)
    exact = rbm.log_partition()
    betas = np.linspace(0, 1, 200)
    fwd = rbm.log_partition("ais", rng=0, betas=betas, n_runs=300, data=X)
    rev = rbm.log_partition("reverse_ais", rng=1, betas=betas, n_runs=300, data=X)
    pair = rbm.log_partition("bracket", rng=2, betas=betas, n_runs=300, data=X)
    for res in (fwd, rev, pair.forward, pair.reverse):
        assert res.log_z_base == pytest.approx(expected, rel=1e-12)
        assert abs(res.log_z - exact) <= 4 * res.stderr
    # without data the base keeps the model's own biases: another base
    assert rbm.log_partition("ais", rng=0, betas=betas, n_runs=300).log_z_base != pytest.approx(expected)


@pytest.mark.parametrize("units", ["binary", "spin"])
@pytest.mark.parametrize("seed", [0, 1])
def test_coarse_schedule_many_runs_is_unbiased(units, seed):
    # eight betas and 20,000 runs: the standard error (about 0.005) resolves a bias
    # that long schedules hide, e.g. a Gibbs move at the previous beta (off by > 30 SE)
    r = np.random.default_rng(seed)
    W, b, c = r.normal(0, 0.5, (10, 6)), r.normal(0, 0.5, 10), r.normal(0, 0.5, 6)
    exact = log_partition_exact(W, b, c, units)
    res = ais(W, b, c, units, betas=np.linspace(0, 1, 8), n_runs=20_000, rng=seed)
    assert res.stderr < 0.01
    assert abs(res.log_z - exact) <= 4 * res.stderr


def test_effective_sample_size():
    assert effective_sample_size(np.log([1.0, 1.0, 1.0, 1.0])) == pytest.approx(4.0)
    # two runs carry all the weight, 98 none
    lw = np.concatenate([[0.0, 0.0], np.full(98, -800.0)])
    assert effective_sample_size(lw) == pytest.approx(2.0)
    w = np.array([1.0, 2.0, 3.0])
    assert effective_sample_size(np.log(w) + 500) == pytest.approx(36 / 14)


def _result(log_z, stderr, reverse):
    return AISResult(log_z, stderr, log_z - 3 * stderr, log_z + 3 * stderr, np.zeros(10), 0.0,
                     np.array([0.0, 1.0]), reverse, 10.0)


def test_bracket_verdicts():
    assert bracket(_result(1.0, 0.1, False), _result(1.1, 0.1, True)).verdict == "agree"
    loose = bracket(_result(1.0, 0.1, False), _result(3.0, 0.1, True))
    assert loose.verdict == "bracket" and loose.gap == pytest.approx(2.0)
    assert loose.lower == pytest.approx(0.7) and loose.upper == pytest.approx(3.3)
    assert loose.log_z == pytest.approx(2.0) and loose.stderr == pytest.approx(1.0)
    assert bracket(_result(3.0, 0.1, False), _result(1.0, 0.1, True)).verdict == "no bracket"
    with raises_named(ValueError, "forward"):
        bracket(_result(1.0, 0.1, True), _result(1.0, 0.1, True))


def test_log_partition_warns_on_a_too_short_schedule():
    W, b, c = _strong_rbm(0)
    rbm = RBM.from_params(2 * W, b, c)  # couplings that the default base leaves to anneal
    with pytest.warns(UnreliableEstimateWarning, match="effective sample size"):
        rbm.log_partition("ais", rng=0, betas=np.linspace(0, 1, 3), n_runs=100)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnreliableEstimateWarning)
        res = rbm.log_partition("ais", rng=0, betas=np.linspace(0, 1, 200), n_runs=100)
    assert abs(res.log_z - rbm.log_partition()) <= 3 * res.stderr


def test_bracket_method_agrees_and_flags_a_pair_that_does_not_bracket():
    r = np.random.default_rng(0)
    # 25 units on both sides: reverse AIS starts from Gibbs chains, not exact samples
    rbm = RBM.from_params(r.normal(0, 0.5, (100, 25)), r.normal(-3, 1.0, 100), r.normal(0, 1, 25))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnreliableEstimateWarning)
        good = rbm.log_partition("bracket", rng=0, betas=np.linspace(0, 1, 500), n_runs=200, n_burn=200)
    assert isinstance(good, AISBracket) and good.verdict == "agree"
    assert not good.forward.reverse and good.reverse.reverse
    assert good.lower <= good.log_z <= good.upper
    # reverse runs from random states (no burn-in) and a short schedule: forward lies
    # above reverse by several standard errors
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bad = rbm.log_partition("bracket", rng=0, betas=np.linspace(0, 1, 20), n_runs=200, n_burn=0)
    messages = [str(w.message) for w in caught if w.category is UnreliableEstimateWarning]
    assert any("does not bracket" in m for m in messages)
    assert bad.verdict == "no bracket" and bad.gap < -3 * bad.combined_stderr


def test_bracket_on_an_exact_model():
    r = np.random.default_rng(4)
    rbm = RBM.from_params(r.normal(0, 0.5, (12, 8)), r.normal(0, 0.5, 12), r.normal(0, 0.5, 8))
    exact = rbm.log_partition()
    br = rbm.log_partition("bracket", rng=1, betas=np.linspace(0, 1, 300), n_runs=200)
    assert br.verdict == "agree"
    assert br.lower <= exact <= br.upper
    assert abs(br.forward.log_z - exact) <= 3 * br.forward.stderr
    assert abs(br.reverse.log_z - exact) <= 3 * br.reverse.stderr


def test_same_seed_same_numbers_and_float32_products_agree():
    W, b, c = _random_rbm(30, 12, 9)
    betas = np.linspace(0, 1, 50)
    a = ais(W, b, c, betas=betas, n_runs=40, rng=5)
    again = ais(W, b, c, betas=betas, n_runs=40, rng=5)
    np.testing.assert_array_equal(a.log_weights, again.log_weights)
    single = ais(W, b, c, betas=betas, n_runs=40, rng=5, dtype=np.float32)
    # float32 products: the same runs to within rounding of the fields (the median
    # ignores a run in which rounding flipped a draw)
    assert np.median(np.abs(single.log_weights - a.log_weights)) < 1e-5


@pytest.mark.parametrize("units", ["binary", "spin"])
@pytest.mark.parametrize("step", [1e-3, 0.2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_annealing_step_matches_the_path_definition(units, step, dtype):
    # one step of the kernel (a small step takes the one-sigmoid series path, a large
    # one the float64 path) against log f_now(v) - log f_prev(v) written from the
    # definition with numpy's logaddexp, and its hidden draw against u < P(on | v) at
    # the new beta; 700 hidden units span three blocks of the product of ratios
    r = np.random.default_rng(7)
    n_runs, nv, nh = 30, 12, 700
    lo = 0 if units == "binary" else -1
    v = r.choice([lo, 1], (n_runs, nv)).astype(dtype)
    W = r.normal(0, 0.3, (nv, nh)).astype(dtype)
    b, b_a = r.normal(0, 0.5, nv), r.normal(0, 0.5, nv)
    c, c_a = r.normal(0, 0.5, nh), r.normal(0, 0.5, nh)
    x = v @ W
    prev, now = 0.4, 0.4 + step
    log_w = np.zeros(n_runs)
    h = np.empty((n_runs, nh), dtype)
    u = r.random((n_runs, nh), dtype=np.float32)
    ais_mod._weigh_and_draw_hidden(x, v, log_w, c, c_a, b - b_a, now, prev, units == "spin", True,
                                   u, h)
    field = x.astype(np.float64) + c
    vf = v.astype(np.float64)

    def hidden_field(beta):
        return beta * field + (1 - beta) * c_a

    def log_f(beta):
        z = hidden_field(beta)
        psi = np.logaddexp(0.0, z) if units == "binary" else np.logaddexp(-z, z)
        return vf @ ((1 - beta) * b_a + beta * b) + psi.sum(axis=1)

    expected = log_f(now) - log_f(prev)
    assert np.max(np.abs(expected)) > 1e-2  # the increments are resolved
    np.testing.assert_allclose(log_w, expected, rtol=0, atol=1e-6 if dtype == np.float32 else 1e-11)
    z = hidden_field(now)
    p_on = 1 / (1 + np.exp(-(z if units == "binary" else 2 * z)))
    clear = np.abs(u - p_on) > 1e-5
    np.testing.assert_array_equal((h == 1)[clear], (u < p_on)[clear])
    assert set(np.unique(h)) == {lo, 1}


def test_fine_schedule_many_runs_is_unbiased():
    # 60 betas on weak couplings: every step takes the one-sigmoid series path; 20,000
    # runs resolve a bias of a few thousandths of a nat against the exact log Z
    r = np.random.default_rng(3)
    W, b, c = r.normal(0, 0.15, (10, 6)), r.normal(0, 0.5, 10), r.normal(0, 0.5, 6)
    exact = log_partition_exact(W, b, c)
    res = ais(W, b, c, betas=np.linspace(0, 1, 60), n_runs=20_000, rng=4)
    assert res.stderr < 0.002
    assert abs(res.log_z - exact) <= 4 * res.stderr


def test_numbers_do_not_depend_on_the_number_of_threads():
    # 130 runs are three chunks, each with its own spawned stream
    W, b, c = _random_rbm(12, 6, 3)
    kwargs = {"betas": np.linspace(0, 1, 30), "n_runs": 130, "rng": 5, "dtype": np.float32}
    one = ais(W, b, c, n_threads=1, **kwargs)
    for n_threads in (2, 3, None):
        other = ais(W, b, c, n_threads=n_threads, **kwargs)
        np.testing.assert_array_equal(other.log_weights, one.log_weights)
    # and the chunks are independent: no two runs share their random numbers
    assert len(np.unique(one.log_weights)) == 130
    with pytest.raises(ValueError, match=r"^n_threads"):
        ais(W, b, c, n_threads=0, **kwargs)
    with pytest.raises(ValueError, match=r"^dtype"):
        ais(W, b, c, betas=[0.0, 1.0], dtype=np.int64)


@pytest.mark.parametrize("units", ["binary", "spin"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_products_updated_by_changed_rows_equal_the_full_product(units, dtype):
    r = np.random.default_rng(7)
    lo = 0 if units == "binary" else -1
    rows = r.normal(size=(30, 9)).astype(dtype)
    old = np.where(r.random((5, 30)) < 0.4, 1, lo).astype(dtype)
    new = old.copy()
    flip = r.random(old.shape) < 0.1
    new[flip] = np.where(new[flip] == 1, lo, 1)
    new[0] = old[0]  # a run in which nothing changed
    new[1] = np.where(old[1] == 1, lo, 1)  # one in which everything did
    idx, d = np.empty(30, np.int64), np.empty(30, dtype)
    tol = 1e-4 if dtype == np.float32 else 1e-12
    out = old @ rows
    ais_mod._add_changes(old, new, rows, out, idx, d)
    np.testing.assert_allclose(out, new @ rows, atol=tol)
    assert ais_mod._count_changes(old, new) == np.count_nonzero(old != new)
    # few changes: by the changed rows; many, or a full product asked for: by BLAS
    new[1] = old[1]
    assert ais_mod._count_changes(old, new) <= ais_mod._SPARSE_CHANGES * old.size
    out = old @ rows
    assert not ais_mod._product(old, new, rows, out, False, idx, d)
    np.testing.assert_allclose(out, new @ rows, atol=tol)
    out = old @ rows
    assert ais_mod._product(old, new, rows, out, True, idx, d)
    np.testing.assert_allclose(out, new @ rows, atol=tol)
    assert ais_mod._product(old, np.where(old == 1, lo, 1).astype(dtype), rows, out, False, idx, d)


@pytest.mark.parametrize("units", ["binary", "spin"])
def test_ais_with_products_by_changed_rows_is_unbiased(units, monkeypatch):
    # strong couplings and a fine schedule: few units change per step, so nearly every
    # product is updated by the changed rows; the estimate stays within 4 SE of exact
    scale_w, scale_b = (4.0, 3.0) if units == "binary" else (2.0, 1.5)
    r = np.random.default_rng(11)
    W = r.normal(0, scale_w, (12, 8))
    b, c = r.normal(0, scale_b, 12), r.normal(0, scale_b, 8)
    exact = log_partition_exact(W, b, c, units)
    kinds, asked = [], []
    product = ais_mod._product

    def counting(old, new, rows, out, full, idx, d):
        by_blas = product(old, new, rows, out, full, idx, d)
        kinds.append(by_blas)
        asked.append(full)
        return by_blas

    monkeypatch.setattr(ais_mod, "_product", counting)
    n_betas = 400
    res = ais(W, b, c, units, betas=np.linspace(0, 1, n_betas), n_runs=2000, rng=2, dtype=np.float32,
              n_threads=1)  # chunks in turn: the calls below are in order
    assert np.mean(kinds) < 0.3  # by changed rows in over 70% of the products
    # both products of a step by BLAS at least every _REFRESH + 1 steps of a chunk,
    # asked for when the changes alone did not call for it
    steps = n_betas - 2  # with products: every step but the last
    by_blas = np.array(kinds).reshape(-1, steps, 2).all(axis=2)
    assert np.array(asked).reshape(-1, steps, 2)[:, 1:].any()
    for chunk in by_blas:
        gaps = np.diff(np.flatnonzero(np.append(chunk, True)))
        assert chunk[0] and gaps.max() <= ais_mod._REFRESH + 1
    assert res.stderr < 0.05
    assert abs(res.log_z - exact) <= 4 * res.stderr
