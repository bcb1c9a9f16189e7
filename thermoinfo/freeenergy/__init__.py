"""The learning free energy: R, D, C, S, J = R + lam D + gamma C + sigma S,
F = min J, the first law and quasi-static processes.

References: Y. Gao and P. Chaudhari, "A free-energy principle for representation
learning", arXiv:2002.12406; A. A. Alemi and I. Fischer, "TherML:
Thermodynamics of Machine Learning", arXiv:1807.04162.
"""

from thermoinfo._lazy import lazy_module

__all__ = [
    "discrete",
    "firstlaw",
    "functionals",
    "gaussian",
    "quasistatic",
    "rate_distortion",
    "solve",
    "sweep",
    "tabular",
    "weights",
]

__getattr__, __dir__ = lazy_module(
    __name__,
    submodules=("discrete", "firstlaw", "functionals", "gaussian", "quasistatic", "tabular", "weights"),
    attributes={"rate_distortion": "tabular", "solve": "tabular", "sweep": "tabular"},
)
