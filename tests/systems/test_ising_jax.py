"""The JAX checkerboard Metropolis against Kaufman's energy (3 SE) and exact enumeration (chi-square)."""

import numpy as np
import pytest

from thermoinfo.systems.ising import CRITICAL_TEMPERATURE, configuration_energy, enumerate_exact, exact
from thermoinfo.systems.ising.jax_kernels import checkerboard_run
from thermoinfo.testing.sampling import chisquare_pvalue, state_counts


def test_energy_within_three_standard_errors_of_kaufman_at_tc():
    L, T = 8, CRITICAL_TEMPERATURE
    r = checkerboard_run(L, T, 2000, n_chains=128, burn_in=500, rng=1)
    u = exact(L, T).u
    assert abs(r.u - u) < 3 * r.u_se
    # the error bar resolves the energy: 0.1 % of |u|
    assert r.u_se < 1e-3 * abs(u)
    # the energies the kernel reports are those of its configurations
    np.testing.assert_allclose(configuration_energy(r.spins, 1.0, 0.0, 2) / L**2, r.energy[:, -1])


@pytest.mark.parametrize(("T", "H"), [(2.5, 0.0), (3.0, 0.4)])
def test_configurations_pass_chi_square_against_enumeration(T, H):
    L = 4
    r = checkerboard_run(L, T, 1, n_chains=16384, burn_in=60, H=H, rng=2)
    _, p = enumerate_exact(L, T, H, return_probabilities=True)
    assert chisquare_pvalue(state_counts(r.spins.reshape(len(r.spins), -1), values=(-1, 1)), p) > 1e-3


def test_same_seed_same_chains():
    a = checkerboard_run(6, 2.0, 20, n_chains=4, rng=5)
    b = checkerboard_run(6, 2.0, 20, n_chains=4, rng=5)
    np.testing.assert_array_equal(a.spins, b.spins)
    np.testing.assert_array_equal(a.energy, b.energy)


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match=r"^L must be even"):
        checkerboard_run(5, 2.0, 10)
    with pytest.raises(ValueError, match=r"^L"):
        checkerboard_run(0, 2.0, 10)
    with pytest.raises(ValueError, match=r"^T"):
        checkerboard_run(4, -1.0, 10)
    with pytest.raises(ValueError, match=r"^n_chains"):
        checkerboard_run(4, 2.0, 10, n_chains=1)
    with pytest.raises(ValueError, match=r"^start"):
        checkerboard_run(4, 2.0, 10, start="warm")
