"""The chi-square sampler check accepts the right distribution and rejects a wrong one."""

import numpy as np

from thermoinfo._enumerate import state_index, states, states_at
from thermoinfo.sampling.single_site import energy, relax
from thermoinfo.testing import raises_named
from thermoinfo.testing.sampling import chisquare_pvalue, state_counts


def _boltzmann(w, b, temperature):
    e = energy(states(w.shape[0], values=(-1, 1)), w, b)
    p = np.exp(-(e - e.min()) / temperature)
    return p / p.sum()


def test_state_index_inverts_states_at():
    idx = np.array([0, 5, 31, 17])
    for values in ((0, 1), (-1, 1)):
        np.testing.assert_array_equal(state_index(states_at(5, idx, values), values), idx)


def test_heat_bath_passes_at_its_temperature_and_fails_at_another():
    rng = np.random.default_rng(4)
    w = np.triu(rng.normal(0, 0.4, (4, 4)), 1)
    w = w + w.T
    b = rng.normal(0, 0.3, 4)
    s0 = np.where(rng.random((3000, 4)) < 0.5, -1, 1).astype(np.int8)
    out = relax(s0, w, b, units="spin", temperature=1.0, n_sweeps=40, rng=7)
    counts = state_counts(out.states, (-1, 1))
    assert chisquare_pvalue(counts, _boltzmann(w, b, 1.0)) > 1e-3
    assert chisquare_pvalue(counts, _boltzmann(w, b, 2.0)) < 1e-6


def test_mass_where_the_reference_has_none_fails_and_bad_input_raises():
    assert chisquare_pvalue([10, 10, 1], [0.5, 0.5, 0.0]) == 0.0
    with raises_named(ValueError, "counts") as check:
        chisquare_pvalue([1, 2], [1.0])
    assert "same size" in str(check.value)
    with raises_named(ValueError, "probabilities") as check:
        chisquare_pvalue([1, 2], [0.5, 0.6])
    assert "sum to 1" in str(check.value)
    with raises_named(ValueError, "samples") as check:
        state_counts([[0, 2]])
    assert "values" in str(check.value)
