"""The Ising model: Monte Carlo sampling and exact references.

``sample(L, T, n_samples, ...)`` returns labelled +-1 configurations
(``checkerboard_run`` runs the same Metropolis chain in JAX, on a GPU when
there is one);
``exact(L, T)`` the exact per-spin ln Z, energy and specific heat (Kaufman's
finite-lattice solution in 2D, the transfer matrix in 1D); the thermometers
read a temperature back from configurations (exact curves, or a trained
classifier whose final-layer biases record the free energy).
"""

from thermoinfo.systems.ising.classifier import (
    BiasFreeEnergy,
    TemperatureClassifier,
    bias_free_energy,
    second_derivative,
)
from thermoinfo.systems.ising.jax_kernels import JaxRun, checkerboard_run
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
from thermoinfo.systems.ising.thermometer import (
    EnergyThermometer,
    MagnetizationThermometer,
    TemperatureReading,
)

__all__ = [
    "ALGORITHMS",
    "CRITICAL_TEMPERATURE",
    "BiasFreeEnergy",
    "EnergyThermometer",
    "ExactThermodynamics",
    "IsingChains",
    "JaxRun",
    "MagnetizationThermometer",
    "Measurement",
    "TemperatureClassifier",
    "TemperatureReading",
    "bias_free_energy",
    "checkerboard_run",
    "configuration_energy",
    "enumerate_exact",
    "exact",
    "kaufman",
    "measure",
    "onsager",
    "sample",
    "second_derivative",
    "transfer_matrix",
]
