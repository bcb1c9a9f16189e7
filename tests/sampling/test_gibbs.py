"""Block Gibbs kernels of RBMs against exact enumeration (chi-square tests)."""

import numpy as np
import pytest

from thermoinfo._enumerate import states
from thermoinfo.sampling import gibbs
from thermoinfo.testing.sampling import chisquare_pvalue, state_counts

SEEDS = (1, 2, 3)


def _random_rbm(nv, nh, seed, scale=0.6):
    # couplings of order one: spins see fields twice as large as binary units, and
    # larger weights make modes that random starts do not leave in a few steps
    r = np.random.default_rng(seed)
    return r.normal(0, scale, (nv, nh)), r.normal(0, 0.5, nv), r.normal(0, 0.5, nh)


def _exact_joint(W, b, c, units):
    """P(v, h) over all configurations, v-major index."""
    vals = gibbs.UNIT_VALUES[units]
    V = states(W.shape[0], values=vals).astype(float)
    H = states(W.shape[1], values=vals).astype(float)
    log_p = V @ W @ H.T + (V @ b)[:, None] + (H @ c)[None, :]
    p = np.exp(log_p - log_p.max())
    return (p / p.sum()).ravel()


@pytest.mark.parametrize("units", ["binary", "spin"])
@pytest.mark.parametrize("seed", SEEDS)
def test_block_gibbs_joint_matches_enumeration(units, seed):
    W, b, c = _random_rbm(4, 3, seed)
    p = _exact_joint(W, b, c, units)
    rng = np.random.default_rng(100 + seed)
    lo, hi = gibbs.UNIT_VALUES[units]
    n_chains = 6000
    v0 = np.where(rng.random((n_chains, 4)) < 0.5, lo, hi).astype(np.int8)
    v, h = gibbs.gibbs_chain(v0, W, b, c, units, 100, rng)
    assert v.dtype == np.int8 and h.dtype == np.int8
    assert set(np.unique(v)) <= {lo, hi} and set(np.unique(h)) <= {lo, hi}
    counts = state_counts(np.hstack([v, h]), (lo, hi))
    assert chisquare_pvalue(counts, p) > 1e-3


@pytest.mark.parametrize("units", ["binary", "spin"])
def test_tempered_gibbs_matches_scaled_model(units):
    # at temperature T the chain samples the model with energy E / T
    W, b, c = _random_rbm(3, 3, 7)
    temperature = 2.5
    p = _exact_joint(W / temperature, b / temperature, c / temperature, units)
    rng = np.random.default_rng(5)
    hi = gibbs.UNIT_VALUES[units][1]
    v0 = np.full((5000, 3), hi, dtype=np.int8)
    v, h = gibbs.gibbs_chain(v0, W, b, c, units, 20, rng, temperature=temperature)
    counts = state_counts(np.hstack([v, h]), gibbs.UNIT_VALUES[units])
    assert chisquare_pvalue(counts, p) > 1e-3


@pytest.mark.parametrize("units", ["binary", "spin"])
def test_mean_units_is_conditional_expectation(units):
    field = np.linspace(-3, 3, 7)
    lo, hi = gibbs.UNIT_VALUES[units]
    # P(u) proportional to exp(u field / T) over the two values
    temperature = 0.7
    beta = 1 / temperature
    w_lo, w_hi = np.exp(beta * lo * field), np.exp(beta * hi * field)
    expected = (lo * w_lo + hi * w_hi) / (w_lo + w_hi)
    np.testing.assert_allclose(gibbs.mean_units(field, units, temperature), expected, rtol=1e-12)
    if units == "spin":
        np.testing.assert_allclose(gibbs.mean_units(field, units), np.tanh(field), rtol=1e-12)


def test_sample_units_frequencies():
    rng = np.random.default_rng(0)
    field = np.full(200_000, 0.7)
    s = gibbs.sample_units(field, "spin", rng)
    # P(+1) = sigmoid(2 * 0.7)
    p = 1 / (1 + np.exp(-1.4))
    se = np.sqrt(p * (1 - p) / field.size)
    assert abs(np.mean(s == 1) - p) < 4 * se


def test_gibbs_chain_zero_steps_and_units_check():
    W, b, c = _random_rbm(3, 2, 0)
    v0 = np.ones((4, 3), np.int8)
    v, h = gibbs.gibbs_chain(v0, W, b, c, "binary", 0, rng=0)
    np.testing.assert_array_equal(v, v0)
    assert h.shape == (4, 2)
    with pytest.raises(ValueError, match="units"):
        gibbs.check_units("ternary")


@pytest.mark.parametrize("spin", [False, True])
def test_draw_units_kernel_frequencies_and_replay(spin):
    # the one draw used by Gibbs, AIS and CD: P(on) = sigmoid(scale * field), doubled for spins
    field = np.repeat(np.array([-1.5, 0.0, 0.4, 2.0]), 50_000)
    u = np.random.default_rng(3).random(field.size)
    out = np.empty(field.size, np.int8)
    gibbs.draw_units(field, 0.8, spin, u, out)
    lo = -1 if spin else 0
    assert set(np.unique(out)) <= {lo, 1}
    p_on = 1 / (1 + np.exp(-(2 if spin else 1) * 0.8 * field))
    for value in np.unique(field):
        sel = field == value
        p = p_on[sel][0]
        se = np.sqrt(p * (1 - p) / sel.sum())
        assert abs(np.mean(out[sel] == 1) - p) <= 4 * se + 1e-12
    # the same uniforms give the same units in float32 as well: out = (u < P(on))
    out32 = np.empty(field.size, np.float32)
    gibbs.draw_units(field.astype(np.float32), np.float32(0.8), spin, u.astype(np.float32), out32)
    agree = out32 == out
    assert agree.mean() > 0.9999
    np.testing.assert_array_equal(out == 1, u < p_on)


@pytest.mark.parametrize("spin", [False, True])
def test_draw_units_vectorized_matches_draw_units(spin):
    # numpy's exponentials, then the shared loop: the same units and means as the
    # all-numba draw from the same uniforms, and P(on) = sigmoid((2 for spins) x field)
    r = np.random.default_rng(5)
    field = r.normal(0, 3, (40, 30))
    u = r.random(field.size)
    out, means = np.empty((40, 30), np.int8), np.empty((40, 30))
    gibbs.draw_units_vectorized(field, spin, u, out, np.empty_like(field), means)
    ref_out, ref_means = np.empty(field.size, np.int8), np.empty(field.size)
    gibbs.draw_units(field.reshape(-1), 1.0, spin, u, ref_out, ref_means)
    np.testing.assert_array_equal(out.reshape(-1), ref_out)
    np.testing.assert_allclose(means.reshape(-1), ref_means, rtol=1e-12, atol=0)
    p_on = 1 / (1 + np.exp(-(2 if spin else 1) * field))
    np.testing.assert_array_equal(out == 1, u.reshape(field.shape) < p_on)
    # a strided output would be written through a copy and lost: refused
    wide = np.empty((40, 60), np.int8)
    with pytest.raises(ValueError, match=r"^out"):
        gibbs.draw_units_vectorized(field, spin, u, wide[:, ::2], np.empty_like(field))
