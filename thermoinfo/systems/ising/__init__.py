"""The Ising model: Monte Carlo sampling and exact references.

``sample(L, T, n_samples, ...)`` returns labelled +-1 configurations;
``exact(L, T)`` the exact per-spin ln Z, energy and specific heat (Kaufman's
finite-lattice solution in 2D, the transfer matrix in 1D).
"""

from thermoinfo.systems.ising.monte_carlo import ALGORITHMS, IsingChains, Measurement, measure, sample
from thermoinfo.systems.ising.references import (
    CRITICAL_TEMPERATURE,
    ExactThermodynamics,
    configuration_energy,
    enumerate_exact,
    exact,
    kaufman,
    onsager,
    transfer_matrix,
)

__all__ = [
    "ALGORITHMS",
    "CRITICAL_TEMPERATURE",
    "ExactThermodynamics",
    "IsingChains",
    "Measurement",
    "configuration_energy",
    "enumerate_exact",
    "exact",
    "kaufman",
    "measure",
    "onsager",
    "sample",
    "transfer_matrix",
]
