"""The learning free energy: R, D, C, S, J = R + lam D + gamma C + sigma S,
F = min J, the first law and quasi-static processes.

References: Y. Gao and P. Chaudhari, "A free-energy principle for representation
learning", arXiv:2002.12406; A. A. Alemi and I. Fischer, "TherML:
Thermodynamics of Machine Learning", arXiv:1807.04162.
"""

from thermoinfo._lazy import lazy_module

# bound eagerly: the submodule of the same name would otherwise replace the
# function as an attribute of this package once it is imported
from thermoinfo.freeenergy.rate_distortion import rate_distortion

__all__ = [
    "discrete",
    "firstlaw",
    "functionals",
    "gaussian",
    "quasistatic",
    "rate_distortion",
    "solve",
    "surface",
    "sweep",
    "tabular",
    "weights",
]

__getattr__, __dir__ = lazy_module(
    __name__,
    submodules=("discrete", "firstlaw", "functionals", "gaussian", "quasistatic", "surface", "tabular",
                "weights"),
    attributes={"solve": "tabular", "sweep": "surface"},
)
