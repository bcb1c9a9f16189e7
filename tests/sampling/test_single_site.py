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
from thermoinfo.testing import raises_named
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


_W = np.array([[0.0, 1.0], [1.0, 0.0]])
BAD_INPUT = {
    "states spin 0": (lambda: as_states([[1, 0]], 2, "spin"), ValueError, "states"),
    "states NaN": (lambda: as_states([[1.0, np.nan]], 2, "spin"), ValueError, "states"),
    "states +inf": (lambda: as_states([[1.0, np.inf]], 2, "spin"), ValueError, "states"),
    "states width": (lambda: as_states([[1, 1, 1]], 2, "spin"), ValueError, "states"),
    "states string": (lambda: as_states("11", 2, "spin"), TypeError, "states"),
    "states complex": (lambda: as_states(np.array([[1j, 1]]), 2, "spin"), TypeError, "states"),
    "units": (lambda: as_states([[1, 1]], 2, "ising"), ValueError, "units"),
    "weights asymmetric": (lambda: as_couplings([[0.0, 1.0], [2.0, 0.0]]), ValueError, "weights"),
    "weights diagonal": (lambda: as_couplings([[1.0, 1.0], [1.0, 0.0]]), ValueError, "weights"),
    "weights NaN": (lambda: as_couplings([[0.0, np.nan], [np.nan, 0.0]]), ValueError, "weights"),
    "weights ragged": (lambda: as_couplings([[0.0, 1.0], [1.0]]), TypeError, "weights"),
    "bias inf": (lambda: as_couplings(_W, [0.0, np.inf]), ValueError, "bias"),
    "bias length": (lambda: as_couplings(_W, [0.0]), ValueError, "bias"),
    "relax states": (lambda: relax([[1, 2]], _W), ValueError, "states"),
    "relax temperature": (lambda: relax([[1, 1]], _W, temperature=-1.0), ValueError, "temperature"),
    "relax n_sweeps": (lambda: relax([[1, 1]], _W, temperature=1.0), ValueError, "n_sweeps"),
    "relax synchronous at T > 0": (lambda: relax([[1, 1]], _W, temperature=1.0, n_sweeps=2,
                                                 dynamics="synchronous"), ValueError, "dynamics"),
    "relax dynamics": (lambda: relax([[1, 1]], _W, dynamics="parallel"), ValueError, "dynamics"),
    "relax order": (lambda: relax([[1, 1]], _W, order="backwards"), ValueError, "order"),
    "relax sites": (lambda: relax([[1, 1]], _W, sites=[5]), ValueError, "sites"),
    "relax max_sweeps": (lambda: relax([[1, 1]], _W, max_sweeps=0), ValueError, "max_sweeps"),
    "relax rng": (lambda: relax([[1, 1]], _W, rng="seed"), TypeError, "rng"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_raises_an_error_that_starts_with_the_argument(case):
    fn, error, name = BAD_INPUT[case]
    with raises_named(error, name):
        fn()
