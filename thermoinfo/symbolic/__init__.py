"""Symbolic twin of the theory layer (sympy), lambdified to numpy."""

from thermoinfo._lazy import lazy_module

__all__ = ["freeenergy", "geometry", "thermo"]

__getattr__, __dir__ = lazy_module(__name__, submodules=("freeenergy", "geometry", "thermo"))
