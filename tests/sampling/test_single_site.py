"""Single-site dynamics: energy descent, fixed points, 2-cycles, and heat-bath
sampling against exact enumeration (chi-square over several seeds)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from thermoinfo._enumerate import states as all_states
from thermoinfo.sampling.single_site import (
    _asynchronous_sweep,
    as_couplings,
    as_states,
    energy,
    local_fields,
    relax,
    sweep,
)
from thermoinfo.testing.sampling import chisquare_pvalue, state_counts

VALUES = {"spin": (-1, 1), "binary": (0, 1)}


def random_couplings(rng, n, scale=1.0):
    w = np.triu(rng.normal(0.0, scale, (n, n)), 1)
    return w + w.T, rng.normal(0.0, scale, n)


def boltzmann(w, b, units, temperature):
    s = all_states(w.shape[0], values=VALUES[units])
    e = energy(s, w, b)
    p = np.exp(-(e - e.min()) / temperature)
    return p / p.sum()


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 9), units=st.sampled_from(["spin", "binary"]))
def test_energy_never_increases_under_asynchronous_zero_temperature_updates(seed, n, units):
    rng = np.random.default_rng(seed)
    w, b = random_couplings(rng, n)
    lo, hi = VALUES[units]
    s = np.where(rng.random((1, n)) < 0.5, lo, hi).astype(np.int8)
    f = local_fields(s, w, b)
    e_prev = energy(s, w, b)[0]
    for i in rng.integers(0, n, size=5 * n):
        _asynchronous_sweep(s, f, w, np.array([[i]]), np.empty((1, 0)), 0.0, lo, hi, 0.0)
        e = energy(s, w, b)[0]
        assert e <= e_prev + 1e-12
        e_prev = e
        np.testing.assert_allclose(f, local_fields(s, w, b), atol=1e-12)


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 12), units=st.sampled_from(["spin", "binary"]))
def test_relax_ends_at_fixed_points(seed, n, units):
    rng = np.random.default_rng(seed)
    w, b = random_couplings(rng, n)
    lo, hi = VALUES[units]
    s0 = np.where(rng.random((4, n)) < 0.5, lo, hi).astype(np.int8)
    out = relax(s0, w, b, units=units, rng=seed)
    assert out.fixed_point.all() and not out.two_cycle.any()
    h = local_fields(out.states, w, b)
    assert np.all((h <= 0) | (out.states == hi)) and np.all((h >= 0) | (out.states == lo))
    assert np.all(energy(out.states, w, b) <= energy(s0, w, b) + 1e-12)


def test_synchronous_two_cycle_and_fixed_point():
    w = np.array([[0.0, 1.0], [1.0, 0.0]])
    cyc = relax(np.array([[1, -1]]), w, dynamics="synchronous")
    assert cyc.two_cycle[0] and not cyc.fixed_point[0] and cyc.sweeps[0] == 2
    fix = relax(np.array([[1, 1], [1, -1]]), w, dynamics="synchronous")
    assert fix.fixed_point[0] and fix.sweeps[0] == 1
    assert fix.two_cycle[1]
    asy = relax(np.array([[1, -1]]), w, rng=0)
    assert asy.fixed_point[0] and abs(int(asy.states.sum())) == 2


def test_sequential_sweep_matches_hand_computation():
    w = np.array([[0.0, 2.0, -1.0], [2.0, 0.0, 0.5], [-1.0, 0.5, 0.0]])
    s = np.array([[1, -1, -1]], dtype=np.int8)
    f = local_fields(s, w, np.zeros(3))
    n = sweep(s, f, w, order="sequential")
    # unit 0: h = -2 + 1 = -1 -> -1; unit 1: h = -2 - 0.5 < 0 -> -1; unit 2: h = 1 - 0.5 > 0 -> +1
    assert s.tolist() == [[-1, -1, 1]] and n.tolist() == [2]


@pytest.mark.parametrize("units", ["spin", "binary"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_heat_bath_samples_boltzmann_distribution(units, seed):
    rng = np.random.default_rng(100 + seed)
    n, temperature = 4, 1.3
    w, b = random_couplings(rng, n, scale=0.7)
    lo, hi = VALUES[units]
    n_chains = 2000
    s0 = np.where(rng.random((n_chains, n)) < 0.5, lo, hi).astype(np.int8)
    out = relax(s0, w, b, units=units, temperature=temperature, n_sweeps=15, rng=seed)
    counts = state_counts(out.states, (lo, hi))
    p = boltzmann(w, b, units, temperature)
    assert chisquare_pvalue(counts, p) > 1e-3


def test_clamped_sites_do_not_move():
    rng = np.random.default_rng(3)
    w, b = random_couplings(rng, 6)
    s0 = np.where(rng.random((50, 6)) < 0.5, -1, 1).astype(np.int8)
    out = relax(s0, w, b, temperature=2.0, n_sweeps=5, sites=[3, 4, 5], rng=1)
    np.testing.assert_array_equal(out.states[:, :3], s0[:, :3])
    assert np.any(out.states[:, 3:] != s0[:, 3:])


def test_relax_does_not_modify_its_input():
    s0 = np.array([[1, -1]], dtype=np.int8)
    relax(s0, np.array([[0.0, 1.0], [1.0, 0.0]]), rng=0)
    assert s0.tolist() == [[1, -1]]


def test_bad_input_names_the_argument():
    w = np.array([[0.0, 1.0], [1.0, 0.0]])
    with pytest.raises(ValueError, match="states"):
        as_states([[1, 0]], 2, "spin")
    with pytest.raises(ValueError, match="non-finite"):
        as_states([[1.0, np.nan]], 2, "spin")
    with pytest.raises(ValueError, match="2 units"):
        as_states([[1, 1, 1]], 2, "spin")
    with pytest.raises(ValueError, match="units"):
        as_states([[1, 1]], 2, "ising")
    with pytest.raises(TypeError, match="states"):
        as_states("11", 2, "spin")
    with pytest.raises(ValueError, match="symmetric"):
        as_couplings([[0.0, 1.0], [2.0, 0.0]])
    with pytest.raises(ValueError, match="diagonal"):
        as_couplings([[1.0, 1.0], [1.0, 0.0]])
    with pytest.raises(ValueError, match="bias"):
        as_couplings(w, [0.0, np.inf])
    with pytest.raises(ValueError, match="temperature"):
        relax([[1, 1]], w, temperature=-1.0)
    with pytest.raises(ValueError, match="n_sweeps"):
        relax([[1, 1]], w, temperature=1.0)
    with pytest.raises(ValueError, match="synchronous"):
        relax([[1, 1]], w, temperature=1.0, n_sweeps=2, dynamics="synchronous")
    with pytest.raises(ValueError, match="dynamics"):
        relax([[1, 1]], w, dynamics="parallel")
    with pytest.raises(ValueError, match="sites"):
        relax([[1, 1]], w, sites=[5])
