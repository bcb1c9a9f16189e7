"""thermoinfo: the thermodynamics of learning.

Information geometry, stochastic thermodynamics of graphical models and the
learning free energy, with the models and physical systems that feed them, each
number checked against an exact reference.

The core names load with ``import thermoinfo``; subpackages that pull in heavy
dependencies (numba kernels, JAX, matplotlib, dask) load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from thermoinfo._config import get_memory_budget, memory_budget, set_memory_budget
from thermoinfo._errors import (
    ConvergenceWarning,
    DistributionError,
    MemoryBudgetError,
    NonFiniteParameterError,
    UnreliableEstimateWarning,
)
from thermoinfo.geometry import (
    conditional_entropy,
    conditional_mutual_information,
    cross_entropy,
    e_projection,
    entropy,
    families,
    kl,
    m_projection,
    marginal,
    mutual_information,
    pythagoras,
    pythagoras_chain,
)
from thermoinfo.thermo import entropy_production

__version__ = "0.1.0"

_SUBPACKAGES = (
    "cli",
    "experiments",
    "freeenergy",
    "geometry",
    "models",
    "sampling",
    "symbolic",
    "systems",
    "testing",
    "thermo",
)

__all__ = [
    "ConvergenceWarning",
    "DistributionError",
    "MemoryBudgetError",
    "NonFiniteParameterError",
    "UnreliableEstimateWarning",
    "__version__",
    "conditional_entropy",
    "conditional_mutual_information",
    "cross_entropy",
    "e_projection",
    "entropy",
    "entropy_production",
    "families",
    "get_memory_budget",
    "kl",
    "m_projection",
    "marginal",
    "memory_budget",
    "mutual_information",
    "pythagoras",
    "pythagoras_chain",
    "set_memory_budget",
    *_SUBPACKAGES,
]


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        module = importlib.import_module(f"thermoinfo.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'thermoinfo' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
