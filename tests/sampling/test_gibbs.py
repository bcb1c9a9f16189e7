"""Block Gibbs kernels of RBMs against exact enumeration (chi-square tests)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from thermoinfo._enumerate import states
from thermoinfo.sampling import gibbs
from thermoinfo.testing import raises_named
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
    with raises_named(ValueError, "units"):
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


def test_log2_cubic_is_within_its_gap_for_every_float32_mantissa():
    # the bracket of draw_units_squeezed rests on |log2(1 + m) - cubic(m)| < _LOG2_GAP;
    # every float32 has one of these 2^23 mantissas, so this checks it for all of them,
    # in float64 and as the kernel evaluates it, in float32 (within the slack)
    a, b = gibbs._LOG2_A, gibbs._LOG2_B
    assert np.float32(a) == a and np.float32(b) == b
    worst, worst32 = 0.0, 0.0
    for start in range(0, 2**23, 2**20):  # in parts, to keep the memory small
        m = np.arange(start, start + 2**20) / 2**23
        exact = np.log2(1 + m)
        worst = max(worst, np.abs(exact - (m + m * (1 - m) * (a + b * m))).max())
        m32, one = m.astype(np.float32), np.float32(1)
        cubic32 = m32 + m32 * (one - m32) * (np.float32(a) + np.float32(b) * m32)
        worst32 = max(worst32, np.abs(exact - cubic32).max())
    assert worst < gibbs._LOG2_GAP
    assert worst > 0.99 * gibbs._LOG2_GAP  # the gap is the cubic's, not a loose bound
    assert worst32 < gibbs._LOG2_GAP + gibbs._SQUEEZE_SLACK / 8


@pytest.mark.parametrize("spin", [False, True])
@pytest.mark.parametrize("scale", [0.7, 3.0])
def test_draw_units_squeezed_matches_draw_units(spin, scale):
    from scipy.special import expit

    # the bracketed comparison decides the same units as the sigmoid, also for
    # uniforms placed within 1e-6 (relative) of P(on), which only the sigmoid of the
    # units inside their brackets gets right (subnormal ones among them, for the
    # saturated fields), for uniforms of exactly 0 and 1 - 2^-24; the field with its
    # bias is written back; and away from P(on) by more than the float32 rounding of
    # the scaled field, the units are those of u < P(on) in float64 (where float32
    # resolves P(on))
    r = np.random.default_rng(11)
    n, k = 60, 50
    field = np.concatenate([r.normal(0, s_, (n // 3, k)) for s_ in (0.3, 3.0, 40.0)]).astype(np.float32)
    bias = r.normal(0, 1, k).astype(np.float32)
    x = (field + bias).astype(np.float64) * (2 * scale if spin else scale)
    p_on = expit(x)
    u = r.random((n, k)).astype(np.float32)
    near = r.random((n, k)) < 0.3
    u[near] = (p_on[near] * (1 + r.choice([-1e-6, 1e-6], near.sum()))).astype(np.float32)
    u = np.clip(u, 0, np.float32(1 - 2**-24))
    u[0, :5] = 0
    u[1, :5] = np.float32(1 - 2**-24)
    u = u.reshape(-1)
    flags = np.empty(32 * ((n * k + 31) // 32), np.uint8)
    for dtype in (np.int8, np.float32):
        out, work = np.empty((n, k), dtype), field.copy()
        gibbs.draw_units_squeezed(work, bias, scale, spin, u, out, flags)
        np.testing.assert_array_equal(work, field + bias)
        ref = np.empty(n * k, dtype)
        gibbs.draw_units(work.reshape(-1), np.float32(scale), spin, u, ref)
        np.testing.assert_array_equal(out.reshape(-1), ref)
    u64 = u.reshape(n, k).astype(np.float64)
    with np.errstate(divide="ignore"):
        decided = np.abs(np.log(u64) - np.log1p(-u64) - x) > 1e-5 * (1 + np.abs(x))
    decided &= np.abs(x) < 80  # beyond, P(on) or 1 - P(on) is below float32's normal range
    assert decided.mean() > 0.5
    np.testing.assert_array_equal((out == 1)[decided], (u64 < p_on)[decided])
    assert flags[:n * k].sum() > 0.2 * near.sum()  # the near uniforms went to the sigmoid
    for short in ((u[:-1], out, flags), (u, out, flags[:-32]), (u, out[:-1], flags)):
        with pytest.raises(ValueError, match=r"^uniforms, flags and out"):
            gibbs.draw_units_squeezed(field.copy(), bias, scale, spin, *short)


@pytest.mark.parametrize("bit_generator", [np.random.PCG64, np.random.PCG64DXSM, np.random.SFC64,
                                           np.random.Philox, np.random.MT19937])
def test_uniforms_float32_are_numpys_float32_draws(bit_generator):
    # the same numbers as rng.random(n, dtype=float32) and the same generator state
    # after, whatever half of a 64-bit output numpy kept from an odd draw, mixed with
    # other draws from the same generator
    ours, ref = np.random.Generator(bit_generator(21)), np.random.Generator(bit_generator(21))
    for n in (1001, 64, 65, 3, 200, 999, 1000, 0, 1, 4096):
        np.testing.assert_array_equal(gibbs.uniforms_float32(ours, n), ref.random(n, dtype=np.float32))
        assert repr(ours.bit_generator.state) == repr(ref.bit_generator.state)
        assert ours.random() == ref.random()
        assert ours.integers(0, 7, 3).tolist() == ref.integers(0, 7, 3).tolist()


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**128 - 1), warm=st.integers(0, 3), n=st.integers(64, 3000))
def test_uniforms_float32_follow_numpys_pcg64_stream_from_any_state(seed, warm, n):
    # any 128-bit seed (hence any increment), with 0-3 single float32 draws before so
    # that numpy may hold a high half; the numbers, the state and the draws after match
    ours, ref = np.random.default_rng(seed), np.random.default_rng(seed)
    for _ in range(warm):
        assert ours.random(dtype=np.float32) == ref.random(dtype=np.float32)
    np.testing.assert_array_equal(gibbs.uniforms_float32(ours, n), ref.random(n, dtype=np.float32))
    assert ours.bit_generator.state == ref.bit_generator.state
    assert ours.bit_generator.random_raw(3).tolist() == ref.bit_generator.random_raw(3).tolist()


@pytest.mark.parametrize("n", [*range(0, 19), 63, 64, 65, 1000, 1001])
def test_pcg64_kernel_is_numpys_stream_at_every_length(n):
    # every remainder of the four-lane loop (groups of 8 numbers) and the single steps after
    bitgen = np.random.PCG64(97)
    ref = np.random.PCG64(97)
    raw = ref.random_raw((n + 1) // 2)
    expected = np.random.Generator(np.random.PCG64(97)).random(n, dtype=np.float32)
    pcg = bitgen.state["state"]
    state = np.array([pcg["state"] >> 64, pcg["state"] & (2**64 - 1)], dtype=np.uint64)
    out = np.full(n, -1.0, np.float32)
    last = gibbs._pcg64_uniforms(state, gibbs._pcg64_jumps(pcg["inc"]), out)
    np.testing.assert_array_equal(out, expected)
    assert (int(state[0]) << 64 | int(state[1])) == ref.state["state"]["state"]
    assert int(last) == (int(raw[-1]) if n else 0)


def test_pcg64_jumps_advance_the_stream_by_one_to_four_steps():
    bitgen = np.random.PCG64(5)
    pcg = bitgen.state["state"]
    s, inc = pcg["state"], pcg["inc"]
    states = []
    for _ in range(4):
        bitgen.random_raw(1)
        states.append(bitgen.state["state"]["state"])
    for j, (a_hi, a_lo, c_hi, c_lo) in enumerate(gibbs._pcg64_jumps(inc).tolist()):
        a, c = (a_hi << 64) | a_lo, (c_hi << 64) | c_lo
        assert (a * s + c) % 2**128 == states[j]


def test_uniforms_float32_fill_a_given_array():
    ours, ref = np.random.default_rng(4), np.random.default_rng(4)
    buf = np.full(5000, -1.0, np.float32)
    for n in (3001, 40, 4999):
        got = gibbs.uniforms_float32(ours, n, out=buf)
        assert np.shares_memory(got, buf) and got.shape == (n,)
        np.testing.assert_array_equal(buf[:n], ref.random(n, dtype=np.float32))
    for bad in (np.empty(10, np.float32), np.empty(5000), np.empty((2, 5000), np.float32),
                np.empty(10000, np.float32)[::2]):
        with pytest.raises(ValueError, match=r"^out"):
            gibbs.uniforms_float32(ours, 4000, out=bad)
