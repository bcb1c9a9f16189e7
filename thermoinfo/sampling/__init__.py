"""Samplers as pure kernels: Gibbs, Metropolis, annealed importance sampling,
simulated annealing."""

from thermoinfo._lazy import lazy_module

__all__ = ["ais", "annealing", "gibbs"]

__getattr__, __dir__ = lazy_module(__name__, submodules=("ais", "annealing", "gibbs"))
