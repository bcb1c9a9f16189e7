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
    # at inverse temperature beta the chain samples the model with energy beta E
    W, b, c = _random_rbm(3, 3, 7)
    beta = 0.4
    p = _exact_joint(beta * W, beta * b, beta * c, units)
    rng = np.random.default_rng(5)
    hi = gibbs.UNIT_VALUES[units][1]
    v0 = np.full((5000, 3), hi, dtype=np.int8)
    v, h = gibbs.gibbs_chain(v0, W, b, c, units, 20, rng, beta=beta)
    counts = state_counts(np.hstack([v, h]), gibbs.UNIT_VALUES[units])
    assert chisquare_pvalue(counts, p) > 1e-3


@pytest.mark.parametrize("units", ["binary", "spin"])
def test_mean_units_is_conditional_expectation(units):
    field = np.linspace(-3, 3, 7)
    lo, hi = gibbs.UNIT_VALUES[units]
    # P(u) proportional to exp(beta u field) over the two values
    beta = 1.3
    w_lo, w_hi = np.exp(beta * lo * field), np.exp(beta * hi * field)
    expected = (lo * w_lo + hi * w_hi) / (w_lo + w_hi)
    np.testing.assert_allclose(gibbs.mean_units(field, units, beta), expected, rtol=1e-12)
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
