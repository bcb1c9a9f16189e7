"""Physical systems and data sets that make data and exact references."""

from thermoinfo._lazy import lazy_module

__all__ = ["datasets", "glauber", "ising", "phi4"]

__getattr__, __dir__ = lazy_module(__name__, submodules=("datasets", "glauber", "ising", "phi4"))
