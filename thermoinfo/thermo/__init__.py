"""Stochastic thermodynamics of graphical models.

* :mod:`~thermoinfo.thermo.entropy_production`: one step x -> z against its
  arrow-reversed backward family (sigma_tot = sigma_sys + sigma_bath).
* :mod:`~thermoinfo.thermo.graphical`: forward Bayesian networks over
  subsystems, partial entropy productions, the stochastic interaction.
* :mod:`~thermoinfo.thermo.bipartite`: two subsystems with bipartite
  dynamics, information flows, transfer entropies, the generalized second law.
* :mod:`~thermoinfo.thermo.markov`: Markov chains along a protocol and at
  stationarity (Schnakenberg).
* :mod:`~thermoinfo.thermo.representation`: an encoder/decoder pair as a
  subsystem, sigma_tot = J - H at lam = gamma = 1.
* :mod:`~thermoinfo.thermo.speed`: the Fisher metric along master-equation
  trajectories, the statistical length and the speed limit.
* :mod:`~thermoinfo.thermo.fluctuation`: trajectory-level entropy production
  and the integral fluctuation theorem.

References: S. Ito, M. Oizumi and S. Amari, Phys. Rev. Research 2, 033048
(2020), arXiv:1810.09545; S. Ito and T. Sagawa, Phys. Rev. Lett. 111, 180603
(2013), arXiv:1306.2756.
"""

from thermoinfo._lazy import lazy_module
from thermoinfo.thermo.entropy_production import EntropyProduction, entropy_production

__all__ = [
    "EntropyProduction",
    "FixedKernelFamily",
    "FluctuationAverage",
    "FluctuationEstimate",
    "MarkovEntropyProduction",
    "NetworkEntropyProduction",
    "SubsystemEntropyProduction",
    "bipartite",
    "detailed_balance",
    "entropy_production",
    "evolve",
    "fluctuation",
    "fluctuation_theorem_exact",
    "fluctuation_theorem_mc",
    "graphical",
    "information_flow",
    "markov",
    "network_entropy_production",
    "path_entropy_production",
    "representation",
    "representation_entropy_production",
    "sample_paths",
    "speed",
    "speed_limit",
    "stationary_distribution",
    "stationary_entropy_production",
    "stochastic_interaction",
    "subsystem_entropy_production",
    "trajectory_entropy_production",
]

__getattr__, __dir__ = lazy_module(
    __name__,
    submodules=("bipartite", "fluctuation", "graphical", "markov", "representation", "speed"),
    attributes={
        "FixedKernelFamily": "graphical",
        "NetworkEntropyProduction": "graphical",
        "SubsystemEntropyProduction": "graphical",
        "subsystem_entropy_production": "graphical",
        "information_flow": "bipartite",
        "speed_limit": "speed",
        "representation_entropy_production": "representation",
        "network_entropy_production": "graphical",
        "stochastic_interaction": "graphical",
        "MarkovEntropyProduction": "markov",
        "detailed_balance": "markov",
        "evolve": "markov",
        "stationary_distribution": "markov",
        "stationary_entropy_production": "markov",
        "trajectory_entropy_production": "markov",
        "FluctuationAverage": "fluctuation",
        "FluctuationEstimate": "fluctuation",
        "fluctuation_theorem_exact": "fluctuation",
        "fluctuation_theorem_mc": "fluctuation",
        "path_entropy_production": "fluctuation",
        "sample_paths": "fluctuation",
    },
)
